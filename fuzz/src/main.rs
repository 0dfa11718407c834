//! `smelt-fuzz`: run a fuzz target for a time or iteration budget.
//!
//! ```text
//! smelt-fuzz TARGET [--seconds N] [--iterations N] [--seed N] [--start I]
//!                   [--max-len BYTES] [--artifacts DIR] [--no-fork]
//! smelt-fuzz TARGET --input FILE...        replay saved inputs
//! ```
//!
//! TARGET is `compile`, `differential`, `wast` or `executors`. See `smelt_fuzz` for
//! what each checks, and `driver` for the supervisor/worker split.

use clap::Parser;
use smelt_fuzz::driver::{self, Budget};
use smelt_fuzz::{Outcome, Target};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "smelt-fuzz",
    about = "Fuzz smelt: compile, differential (vs wasmi), wast, executors"
)]
struct Args {
    /// compile, differential, wast or executors.
    target: String,
    /// Stop after this many seconds (fractions allowed).
    #[arg(long)]
    seconds: Option<f64>,
    /// Stop after this many iterations.
    #[arg(long)]
    iterations: Option<u64>,
    /// Seed of the input generator; each (seed, iteration) is one input.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// First iteration (to replay iteration I: --start I --iterations 1).
    #[arg(long, default_value_t = 0)]
    start: u64,
    /// Largest generated input in bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    max_len: usize,
    /// Where failing inputs are written.
    #[arg(long)]
    artifacts: Option<PathBuf>,
    /// Run in this process: faster to start, but a crash ends the run.
    #[arg(long)]
    no_fork: bool,
    /// Kill a worker that makes no progress for this many seconds.
    #[arg(long, default_value_t = 120)]
    hang_seconds: u64,
    /// Print progress every N seconds.
    #[arg(long, default_value_t = 30)]
    progress: u64,
    /// Replay these saved inputs instead of generating.
    #[arg(long, num_args = 1..)]
    input: Vec<PathBuf>,
    /// With --input: also write each input's generated module to
    /// FILE.wasm and FILE.wat next to it.
    #[arg(long)]
    dump: bool,
    /// differential or executors only: compare on these modules (.wasm or
    /// .wat), calling every export with zero/null arguments.
    #[arg(long, num_args = 1..)]
    wasm: Vec<PathBuf>,
    /// Internal: be the supervised worker process.
    #[arg(long, hide = true)]
    worker: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let Some(target) = Target::from_name(&args.target) else {
        eprintln!(
            "smelt-fuzz: unknown target `{}` (expected compile, differential, wast or executors)",
            args.target
        );
        return ExitCode::from(2);
    };
    if !args.wasm.is_empty() {
        if !matches!(target, Target::Differential | Target::Executors) {
            eprintln!("smelt-fuzz: --wasm is for the differential and executors targets");
            return ExitCode::from(2);
        }
        let mut ok = true;
        for path in &args.wasm {
            let wasm = match std::fs::read(path)
                .map_err(|e| e.to_string())
                .and_then(|b| {
                    smelt_compiler::wat_to_wasm(&b)
                        .map(|w| w.into_owned())
                        .map_err(|e| e.to_string())
                }) {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("smelt-fuzz: {}: {e}", path.display());
                    return ExitCode::from(2);
                }
            };
            let options = smelt_compiler::Options {
                interruptible: true,
                threads: Some(1),
                ..Default::default()
            };
            let mut u = arbitrary::Unstructured::new(&[]);
            let outcome = match target {
                Target::Executors => smelt_fuzz::executors::run_wasm(&wasm, &options, &mut u),
                _ => smelt_fuzz::differential::run_wasm(&wasm, &options, &mut u),
            };
            match outcome {
                Outcome::Fail(m) => {
                    ok = false;
                    println!("{}: FAIL\n{m}", path.display());
                }
                other => println!("{}: {other:?}", path.display()),
            }
        }
        return if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    if !args.input.is_empty() {
        let mut ok = true;
        for path in &args.input {
            let data = match std::fs::read(path) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("smelt-fuzz: {}: {e}", path.display());
                    return ExitCode::from(2);
                }
            };
            if args.dump
                && let Some(wasm) = target.module(&data)
            {
                let out = path.with_extension("wasm");
                if let Err(e) = std::fs::write(&out, &wasm) {
                    eprintln!("smelt-fuzz: {}: {e}", out.display());
                }
                if let Ok(text) = wasmprinter::print_bytes(&wasm) {
                    let _ = std::fs::write(path.with_extension("wat"), text);
                }
            }
            match target.run(&data) {
                Outcome::Pass => println!("{}: pass", path.display()),
                Outcome::Skip(r) => println!("{}: skipped ({r})", path.display()),
                Outcome::Fail(m) => {
                    ok = false;
                    println!("{}: FAIL\n{m}", path.display());
                }
            }
        }
        return if ok {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    if args.seconds.is_none() && args.iterations.is_none() && !args.worker {
        eprintln!("smelt-fuzz: give a budget: --seconds N and/or --iterations N");
        return ExitCode::from(2);
    }
    let budget = Budget {
        target,
        seed: args.seed,
        start: args.start,
        iterations: args.iterations,
        duration: args.seconds.map(Duration::from_secs_f64),
        max_len: args.max_len,
        artifacts: args
            .artifacts
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts")),
        hang: Duration::from_secs(args.hang_seconds),
    };
    if args.worker {
        driver::worker(&budget);
        return ExitCode::SUCCESS;
    }
    let stats = if args.no_fork {
        driver::run_in_process(&budget, |_| {})
    } else {
        match driver::supervise(&budget, Duration::from_secs(args.progress)) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("smelt-fuzz: cannot run a worker process: {e}");
                return ExitCode::from(2);
            }
        }
    };
    println!("{}", stats.summary(target, args.seed));
    if stats.clean() {
        ExitCode::SUCCESS
    } else {
        for p in &stats.saved {
            println!("saved: {}", p.display());
        }
        ExitCode::FAILURE
    }
}
