//! The `compile` target: generated modules compile and load; mutated ones
//! compile or fail cleanly.
//!
//! A valid module (by wasmparser with smelt's features) must compile: any
//! error is a failure, since smelt claims the whole feature set. After a
//! few byte-level mutations the result is validated again: if it is still
//! valid it must compile too, and if not, `compile` must return an error
//! (any panic is a failure, caught by [`crate::Target::run`]).

use crate::Outcome;
use crate::smith;
use arbitrary::Unstructured;
use smelt_compiler::{BoundsChecks, CompileError, OptLevel, Options};

pub fn run(data: &[u8]) -> Outcome {
    let mut u = Unstructured::new(data);
    let Ok(config) = smith::smelt_config(&mut u) else {
        return Outcome::Skip("input too short for a config");
    };
    let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
        return Outcome::Skip("input too short for a module");
    };
    let wasm = module.to_bytes();
    let options = options(&mut u);
    if let Err(e) = validate(&wasm) {
        return Outcome::Fail(format!(
            "wasm-smith generated a module smelt's features reject: {e}"
        ));
    }
    match smelt_compiler::compile(&wasm, &options) {
        Ok(artifact) => {
            if let Err(e) = smelt_runtime::Module::from_object(&artifact.object) {
                return Outcome::Fail(format!("the compiled object does not load: {e}"));
            }
        }
        Err(e) => return Outcome::Fail(format!("a valid module does not compile: {e}")),
    }

    // Mutations: each must give a module that compiles or a clean error.
    let mut mutated = wasm;
    let rounds = u.int_in_range(1..=4u8).unwrap_or(1);
    for _ in 0..rounds {
        mutate(&mut u, &mut mutated);
    }
    let valid = validate(&mutated).is_ok();
    match smelt_compiler::compile(&mutated, &options) {
        Ok(_) if !valid => Outcome::Fail("an invalid mutated module compiled".to_string()),
        Ok(_) => Outcome::Pass,
        // An implementation limit is a clean refusal, valid module or not.
        Err(CompileError::ImplLimit { .. }) => Outcome::Pass,
        Err(e) if valid => Outcome::Fail(format!("a valid mutated module does not compile: {e}")),
        Err(e @ (CompileError::Internal { .. } | CompileError::Codegen { .. })) => {
            Outcome::Fail(format!("internal compiler error on an invalid module: {e}"))
        }
        Err(_) => Outcome::Pass,
    }
}

/// Validates with exactly the features smelt accepts.
pub fn validate(wasm: &[u8]) -> Result<(), wasmparser::BinaryReaderError> {
    wasmparser::Validator::new_with_features(smelt_compiler::supported_features())
        .validate_all(wasm)
        .map(|_| ())
}

/// Compilation options picked by the input: both bounds-check modes, all
/// optimization levels, with and without interruption checks. One worker
/// thread: the fuzzer is meant to use one core.
pub fn options(u: &mut Unstructured<'_>) -> Options {
    Options {
        opt_level: match u.int_in_range(0..=2u8).unwrap_or(1) {
            0 => OptLevel::None,
            1 => OptLevel::Speed,
            _ => OptLevel::SpeedAndSize,
        },
        bounds_checks: if u.arbitrary().unwrap_or(false) {
            BoundsChecks::Explicit
        } else {
            BoundsChecks::Guard
        },
        interruptible: u.arbitrary().unwrap_or(false),
        threads: Some(1),
        module_name: "fuzz".to_string(),
        ..Options::default()
    }
}

/// One byte-level mutation: flip, overwrite, insert, delete, truncate or
/// duplicate a range.
fn mutate(u: &mut Unstructured<'_>, wasm: &mut Vec<u8>) {
    if wasm.is_empty() {
        return;
    }
    let len = wasm.len();
    let at = u.choose_index(len).unwrap_or(0);
    match u.int_in_range(0..=6u8).unwrap_or(0) {
        0 => wasm[at] ^= 1 << u.int_in_range(0..=7u8).unwrap_or(0),
        1 => wasm[at] = u.arbitrary().unwrap_or(0xff),
        2 => {
            let n = u.int_in_range(1..=8usize).unwrap_or(1);
            let bytes: Vec<u8> = (0..n).map(|_| u.arbitrary().unwrap_or(0x80)).collect();
            wasm.splice(at..at, bytes);
        }
        3 => {
            let end = (at + u.int_in_range(1..=16usize).unwrap_or(1)).min(len);
            wasm.drain(at..end);
        }
        4 => wasm.truncate(at),
        5 => {
            // A LEB128 that claims a huge size.
            wasm.splice(at..at, [0xff, 0xff, 0xff, 0xff, 0x0f]);
        }
        _ => {
            let end = (at + u.int_in_range(1..=64usize).unwrap_or(1)).min(len);
            let copy = wasm[at..end].to_vec();
            wasm.splice(at..at, copy);
        }
    }
}
