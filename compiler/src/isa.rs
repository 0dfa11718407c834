//! Builds the Cranelift `TargetIsa` for a target triple. Every flag is set
//! here, explicitly, with the reason next to it.

use crate::error::{CompileError, Result};
use crate::{OptLevel, Options};
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use target_lexicon::{Architecture, OperatingSystem, Triple};

/// The triple smelt compiles for when none is given.
pub fn host_triple() -> Triple {
    Triple::host()
}

pub(crate) fn build_isa(options: &Options) -> Result<OwnedTargetIsa> {
    let triple = options.target.clone().unwrap_or_else(host_triple);
    let err = |what: &str, e: &dyn std::fmt::Display| {
        CompileError::Target(format!("target {triple}: {what}: {e}"))
    };
    if triple.pointer_width().map(|w| w.bits()) != Ok(64) {
        return Err(CompileError::Target(format!(
            "target {triple}: only 64-bit targets are supported"
        )));
    }

    let mut shared = settings::builder();
    let mut set = |name: &str, value: &str| {
        shared
            .set(name, value)
            .map_err(|e| err(&format!("setting {name}={value}"), &e))
    };
    // The default is "none"; the whole point of an AOT compiler is fast code.
    set(
        "opt_level",
        match options.opt_level {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
        },
    )?;
    // Backtraces walk frame pointers (no unwind tables at run time), and the
    // entry trampoline records its fp for trap resumption.
    set("preserve_frame_pointers", "true")?;
    // Large frames must touch every page so they cannot jump over the stack
    // guard; inline probes need no `__cranelift_probestack` symbol and are
    // implemented on every backend (outline panics on aarch64/s390x).
    set("enable_probestack", "true")?;
    set("probestack_strategy", "inline")?;
    // Position-independent code: objects are linked into PIE executables and
    // shared libraries. All our own symbols are colocated, so this costs no
    // GOT loads; it only matters for calls to imports, of which there are none.
    set("is_pic", "true")?;
    // The verifier is slow; run it in debug builds and on request.
    let verify = cfg!(debug_assertions) || std::env::var_os("SMELT_VERIFY").is_some();
    set("enable_verifier", if verify { "true" } else { "false" })?;
    // Wasm functions with more results than return registers (multi-value)
    // get an implicit return area; both sides are compiled by us, so the
    // non-standard ABI is fine.
    set("enable_multi_ret_implicit_sret", "true")?;
    // NaN payloads are nondeterministic in wasm; no canonicalization cost.
    set("enable_nan_canonicalization", "false")?;
    // Signals-based traps: memory accesses rely on the guard region and
    // trapping loads, so no Spectre masking of heap addresses is needed in
    // guard mode; explicit mode branches to a trap instead.
    set("enable_heap_access_spectre_mitigation", "false")?;
    set("enable_table_access_spectre_mitigation", "false")?;
    // 16-byte function alignment: better i-cache and branch-target behaviour
    // than the x64 default of 1.
    set("log2_min_function_alignment", "4")?;
    // Unwind info is not needed by the runtime (frame-pointer walks), but
    // keep it so `.eh_frame` can be emitted for debuggers and profilers.
    set("unwind_info", "true")?;

    let mut builder = isa::lookup(triple.clone()).map_err(|e| err("unsupported target", &e))?;
    match triple.architecture {
        Architecture::X86_64 => {
            if options.target.is_none() && options.cpu.as_deref() == Some("native") {
                cranelift_native::infer_native_flags(&mut builder)
                    .map_err(|e| err("detecting host CPU features", &e))?;
            } else {
                // Baseline x86-64-v2 (SSE4.2, POPCNT): `ceil`/`floor`/`nearest`
                // lower to SSE4.1 `round*` instead of libm calls.
                let cpu = options.cpu.as_deref().unwrap_or("x86-64-v2");
                builder
                    .enable(cpu)
                    .map_err(|e| err(&format!("unknown CPU `{cpu}`"), &e))?;
            }
        }
        // Apple silicon always has LSE atomics.
        Architecture::Aarch64(_)
            if matches!(
                triple.operating_system,
                OperatingSystem::Darwin(_) | OperatingSystem::MacOSX(_)
            ) =>
        {
            builder
                .enable("has_lse")
                .map_err(|e| err("enabling LSE", &e))?;
        }
        _ => {}
    }
    let mut avx_disabled = false;
    for feature in &options.target_features {
        let (name, on) = match feature.strip_prefix('-') {
            Some(rest) => (rest, false),
            None => (feature.strip_prefix('+').unwrap_or(feature), true),
        };
        avx_disabled |= !on && name == "has_avx";
        builder
            .set(name, if on { "true" } else { "false" })
            .or_else(|_| {
                if on {
                    builder.enable(name)
                } else {
                    Err(settings::SetError::BadName(name.to_string()))
                }
            })
            .map_err(|e| err(&format!("target feature `{feature}`"), &e))?;
    }
    let flags = settings::Flags::new(shared);
    let isa = builder
        .finish(flags.clone())
        .map_err(|e| err("building the ISA", &e))?;
    // Cranelift 0.135's `x86-64-v3` and `x86-64-v4` presets (and
    // `alderlake` and its successors) set `has_avx2`/`has_fma` but not
    // `has_avx`, and the x64 backend only uses VEX encodings, AVX2 and FMA
    // when `has_avx` is set too: `--cpu x86-64-v3` would silently produce
    // x86-64-v2 code. Every CPU with AVX2, FMA or AVX-512 has AVX, so imply
    // it, unless the user turned it off explicitly.
    if triple.architecture == Architecture::X86_64 && !avx_disabled && implies_avx(&*isa) {
        builder
            .enable("has_avx")
            .map_err(|e| err("enabling AVX", &e))?;
        return builder
            .finish(flags)
            .map_err(|e| err("building the ISA", &e));
    }
    Ok(isa)
}

/// Whether an x86-64 ISA has a VEX/EVEX extension enabled but not AVX.
fn implies_avx(isa: &dyn isa::TargetIsa) -> bool {
    let flags = isa.isa_flags();
    let on = |name: &str| {
        flags
            .iter()
            .any(|v| v.name == name && v.as_bool() == Some(true))
    };
    !on("has_avx")
        && flags.iter().any(|v| {
            v.as_bool() == Some(true) && (v.name.starts_with("has_avx") || v.name == "has_fma")
        })
}
