//! Phase timings on stderr, for measuring start-up and compile time:
//! with `SMELT_TIMINGS` set in the environment, every phase that the
//! compiler (and `smelt run`) times prints one line,
//! `smelt: time: <phase> <ms> ms`, when it ends, and a few sizes as
//! `smelt: stat: ...`. Unset, a phase costs one cached flag test.

use std::sync::OnceLock;
use std::time::Instant;

/// Whether `SMELT_TIMINGS` is set (read once).
pub fn enabled() -> bool {
    static ENABLED: OnceLock<bool> = OnceLock::new();
    *ENABLED.get_or_init(|| std::env::var_os("SMELT_TIMINGS").is_some())
}

/// A running phase; [`Phase::end`] reports it.
pub struct Phase {
    name: &'static str,
    start: Option<Instant>,
}

impl Phase {
    /// Starts timing `name` (nothing when timings are off).
    pub fn start(name: &'static str) -> Phase {
        Phase {
            name,
            start: enabled().then(Instant::now),
        }
    }

    /// Prints the phase's wall time.
    pub fn end(self) {
        if let Some(start) = self.start {
            eprintln!(
                "smelt: time: {:<28} {:>9.1} ms",
                self.name,
                start.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}

/// Prints a measurement that is not a time (sizes, counts) when timings
/// are on: `smelt: stat: <what>`.
pub fn stat(what: impl FnOnce() -> String) {
    if enabled() {
        eprintln!("smelt: stat: {}", what());
    }
}
