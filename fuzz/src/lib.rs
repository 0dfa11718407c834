//! smelt's fuzz targets, runnable on stable Rust without libFuzzer.
//!
//! Each target takes an arbitrary byte string, turns it into a wasm
//! module with `wasm-smith` (through `arbitrary`), and checks one property:
//!
//! - [`compile`]: every generated module (all features smelt supports)
//!   compiles and loads without a panic; byte-level mutations of it give
//!   either a module that compiles or a clean error.
//! - [`differential`]: every export of a generated module, called with
//!   generated arguments, behaves the same in smelt and in the `wasmi`
//!   interpreter: results, trap kinds, exported memories, globals and table
//!   sizes after each call.
//! - [`roundtrip`]: a generated module printed as text (`wasmprinter`)
//!   and parsed back compiles to the same object as the binary.
//! - [`executors`]: the same, compiled and interpreted by smelt with the
//!   same fuel: results, trap kinds, the fuel left and exported state
//!   after each call.
//!
//! The inputs come from a seeded generator ([`rng`]), so a failure is
//! reproduced by its seed and iteration, or by the input file the driver
//! saves ([`driver`]). Crashes (signals) and hangs are caught by running
//! the iterations in a child process that the driver supervises.

pub mod compile;
pub mod differential;
pub mod driver;
pub mod executors;
pub mod rng;
pub mod roundtrip;
pub mod smith;
pub mod wasmi_workarounds;

use std::fmt;

/// What one fuzz input did.
#[derive(Debug)]
pub enum Outcome {
    /// The property held.
    Pass,
    /// The input could not be used (e.g. too short to build a module);
    /// the reason is counted in the statistics.
    Skip(&'static str),
    /// The property was violated: a bug in smelt (or in the oracle).
    Fail(String),
}

/// The fuzz targets.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Compile,
    Differential,
    Roundtrip,
    /// Compiled against interpreted smelt ([`executors`]).
    Executors,
}

impl Target {
    pub const ALL: [Target; 4] = [
        Target::Compile,
        Target::Differential,
        Target::Roundtrip,
        Target::Executors,
    ];

    /// The target's command-line name.
    pub fn name(self) -> &'static str {
        match self {
            Target::Compile => "compile",
            Target::Differential => "differential",
            Target::Roundtrip => "wast",
            Target::Executors => "executors",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Runs the target on one input. Panics are caught and reported as
    /// failures; crashes are the driver's business.
    pub fn run(self, data: &[u8]) -> Outcome {
        let result = std::panic::catch_unwind(|| match self {
            Target::Compile => compile::run(data),
            Target::Differential => differential::run(data),
            Target::Roundtrip => roundtrip::run(data),
            Target::Executors => executors::run(data),
        });
        match result {
            Ok(outcome) => outcome,
            Err(payload) => Outcome::Fail(format!("panic: {}", panic_message(&*payload))),
        }
    }
}

impl Target {
    /// The module the target generates from `data` (to inspect a failure
    /// with `wasm-tools print` or `smelt run`), if the input makes one.
    pub fn module(self, data: &[u8]) -> Option<Vec<u8>> {
        let mut u = arbitrary::Unstructured::new(data);
        let config = match self {
            Target::Differential | Target::Executors => smith::differential_config(&mut u),
            Target::Compile | Target::Roundtrip => smith::smelt_config(&mut u),
        }
        .ok()?;
        Some(wasm_smith::Module::new(config, &mut u).ok()?.to_bytes())
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}
