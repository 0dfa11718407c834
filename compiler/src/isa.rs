//! Builds the Cranelift `TargetIsa` for a target triple. Every flag is set
//! here, explicitly, with the reason next to it, and this is the one place
//! that knows which targets smelt supports ([`SUPPORTED_TARGETS`]) and
//! what each one's ISA baseline is.

use crate::error::{Result, TargetError};
use crate::{OptLevel, Options};
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use target_lexicon::{Architecture, BinaryFormat, OperatingSystem, Triple};

/// The triple smelt compiles for when none is given.
pub fn host_triple() -> Triple {
    Triple::host()
}

/// What smelt can do for one target.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TargetSupport {
    /// The canonical triple (`--target` also accepts equivalent spellings).
    pub triple: &'static str,
    /// Object file format: `ELF`, `Mach-O` or `COFF`.
    pub format: &'static str,
    /// Whether smelt's runtime exists for this target, so `smelt build`
    /// can link executables (otherwise only `smelt compile` objects).
    pub runtime: bool,
    /// The ISA baseline chosen in [`build_isa`], and any limits.
    pub note: &'static str,
}

/// Every target smelt produces objects for. Executables (`runtime: true`)
/// need the runtime staticlib built for the target (see
/// `scripts/build-runtime.sh`) and a C compiler for it.
pub const SUPPORTED_TARGETS: &[TargetSupport] = &[
    TargetSupport {
        triple: "x86_64-unknown-linux-gnu",
        format: "ELF",
        runtime: true,
        note: "x86-64-v2 baseline (SSE4.2, POPCNT)",
    },
    TargetSupport {
        triple: "aarch64-unknown-linux-gnu",
        format: "ELF",
        runtime: true,
        note: "ARMv8.0 baseline (no LSE)",
    },
    TargetSupport {
        triple: "riscv64gc-unknown-linux-gnu",
        format: "ELF",
        runtime: true,
        note: "RV64GC (IMAFD, Zicsr, Zifencei, C); no B or V",
    },
    TargetSupport {
        triple: "s390x-unknown-linux-gnu",
        format: "ELF",
        runtime: true,
        note: "z14 (arch12) baseline; big-endian",
    },
    TargetSupport {
        triple: "x86_64-apple-darwin",
        format: "Mach-O",
        runtime: false,
        note: "x86-64-v2 baseline; objects only, linking untested",
    },
    TargetSupport {
        triple: "aarch64-apple-darwin",
        format: "Mach-O",
        runtime: false,
        note: "Apple M1 baseline (LSE); objects only, linking untested",
    },
    TargetSupport {
        triple: "x86_64-pc-windows-msvc",
        format: "COFF",
        runtime: false,
        note: "x86-64-v2 baseline; objects only, no unwind tables, linking untested",
    },
];

/// Checks that smelt can produce objects for `triple`: a 64-bit
/// architecture Cranelift generates code for, in an object format
/// cranelift-object writes for that architecture (it panics instead of
/// failing on some combinations, e.g. GOT relocations in aarch64 COFF).
pub fn check_target(triple: &Triple) -> Result<()> {
    if triple.pointer_width().map(|w| w.bits()) != Ok(64) {
        return Err(TargetError::NotSixtyFourBit {
            triple: triple.clone(),
        }
        .into());
    }
    let format = triple.binary_format;
    let arch_ok = match triple.architecture {
        Architecture::X86_64 => matches!(
            format,
            BinaryFormat::Elf | BinaryFormat::Macho | BinaryFormat::Coff
        ),
        Architecture::Aarch64(_) => matches!(format, BinaryFormat::Elf | BinaryFormat::Macho),
        Architecture::Riscv64(_) | Architecture::S390x => format == BinaryFormat::Elf,
        _ => {
            return Err(TargetError::UnsupportedArchitecture {
                triple: triple.clone(),
            }
            .into());
        }
    };
    if !arch_ok {
        return Err(TargetError::UnsupportedFormat {
            triple: triple.clone(),
            format,
        }
        .into());
    }
    Ok(())
}

fn is_apple(triple: &Triple) -> bool {
    matches!(
        triple.operating_system,
        OperatingSystem::Darwin(_) | OperatingSystem::MacOSX(_)
    )
}

pub(crate) fn build_isa(options: &Options) -> Result<OwnedTargetIsa> {
    build_isa_with(options, false)
}

/// [`build_isa`] for code compiled while a program waits to start (lazy
/// interpretation: the object's only code is its trampolines): no
/// optimization and the single-pass register allocator, which compile
/// a trampoline in a fraction of the time (the backtracking allocator
/// was half of it); a spill in a trampoline is nothing next to the
/// interpreted call it leads to.
pub(crate) fn build_startup_isa(options: &Options) -> Result<OwnedTargetIsa> {
    build_isa_with(options, true)
}

fn build_isa_with(options: &Options, startup: bool) -> Result<OwnedTargetIsa> {
    let triple = options.target.clone().unwrap_or_else(host_triple);
    // A step smelt takes on its own failed.
    let err = |step: &str, e: &dyn std::fmt::Display| TargetError::Isa {
        triple: triple.clone(),
        step: step.to_string(),
        message: e.to_string(),
    };
    check_target(&triple)?;
    let cross = options.target.as_ref().is_some_and(|t| *t != host_triple());

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
            _ if startup => "none",
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
        },
    )?;
    if startup {
        set("regalloc_algorithm", "single_pass")?;
    }
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
    // NaN payloads are nondeterministic in wasm, so by default no
    // canonicalization cost. `--canonicalize-nans` is smelt's own pass
    // (nan_canon.rs), which checks only results whose bits can be seen;
    // Cranelift's checks every arithmetic result.
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

    let mut builder = isa::lookup(triple.clone()).map_err(|e| TargetError::NoBackend {
        triple: triple.clone(),
        message: e.to_string(),
    })?;
    if options.cpu.as_deref() == Some("native") {
        // The host's own features: only meaningful when compiling for it.
        if cross {
            return Err(TargetError::NativeCpuCross {
                triple: triple.clone(),
            }
            .into());
        }
        cranelift_native::infer_native_flags(&mut builder)
            .map_err(|e| err("detecting host CPU features", &e))?;
    } else {
        // The per-target baseline: what every machine running this triple
        // has, so objects run anywhere the triple does.
        let baseline: &[&str] = match triple.architecture {
            // x86-64-v2 (SSE4.2, POPCNT; every x86-64 CPU since ~2009):
            // `ceil`/`floor`/`trunc`/`nearest` lower to SSE4.1 `round*`
            // instead of calls to libm's `ceilf` & co, which the in-process
            // loader could not resolve. Plain x86-64 (SSE2) is not offered.
            Architecture::X86_64 => &["x86-64-v2"],
            // Apple silicon always has LSE atomics (ARMv8.1+).
            Architecture::Aarch64(_) if is_apple(&triple) => &["has_lse"],
            // Linux aarch64: ARMv8.0, Cranelift's defaults (LL/SC atomics, no
            // pointer authentication or BTI: frame walking reads raw return
            // addresses, see runtime-support/src/sys/unix/aarch64.rs).
            Architecture::Aarch64(_) => &[],
            // RV64GC: Cranelift's defaults are G (IMAFD + Zicsr + Zifencei);
            // the "c" of the triple adds compressed instructions (Zca + Zcd).
            // B (Zba/Zbb/Zbs) and V are not part of RV64GC and stay off.
            // cranelift-object sets EF_RISCV_RVC from these flags and always
            // the double-float ABI, matching riscv64-linux-gnu-gcc.
            Architecture::Riscv64(target_lexicon::Riscv64Architecture::Riscv64gc) => {
                &["has_zca", "has_zcd"]
            }
            Architecture::Riscv64(_) => &[],
            // s390x: Cranelift's baseline is z14 (arch12: vector facility,
            // miscellaneous-instruction-extensions 2), which QEMU emulates;
            // z15+ (mie3, vxrs_ext2) is opt-in with `--cpu z15`.
            Architecture::S390x => &[],
            _ => &[],
        };
        for flag in baseline {
            builder
                .enable(flag)
                .map_err(|e| err(&format!("enabling {flag}"), &e))?;
        }
        // A named CPU or preset (`x86-64-v3`, `z15`, `has_c`…) on top.
        if let Some(cpu) = options.cpu.as_deref() {
            builder.enable(cpu).map_err(|e| TargetError::UnknownCpu {
                triple: triple.clone(),
                cpu: cpu.to_string(),
                message: e.to_string(),
            })?;
        }
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
            .map_err(|e| TargetError::TargetFeature {
                triple: triple.clone(),
                feature: feature.clone(),
                message: e.to_string(),
            })?;
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
            .map_err(|e| err("building the ISA", &e).into());
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
