//! The driver: runs a target over seeded inputs for a time or iteration
//! budget, in a supervised child process.
//!
//! ```text
//! supervisor (smelt-fuzz TARGET ...)            worker (smelt-fuzz TARGET --worker ...)
//!   spawn worker --start I  ───────────────────▶  for i in I..:
//!   read lines ◀── "> i" (about to run i) ──────    input = rng::input(seed, i)
//!              ◀── "< i pass|skip R|fail" ─────    run target, save failures
//!   worker died after "> i" without "< i":
//!     crash at i: regenerate input i, save it, restart at i + 1
//!   no line for --hang-seconds: kill it, record a hang at i, restart
//! ```
//!
//! Inputs depend only on `(seed, iteration)` (see [`crate::rng`]), so the
//! supervisor can save the input of a worker that crashed without the
//! worker writing every input to disk. Each failure is printed with its
//! seed, iteration and saved file, and how to replay it.

use crate::{Outcome, Target, rng};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Clone, Debug)]
pub struct Budget {
    pub target: Target,
    pub seed: u64,
    /// First iteration.
    pub start: u64,
    /// Stop after this many iterations (from `start`).
    pub iterations: Option<u64>,
    /// Stop after this long.
    pub duration: Option<Duration>,
    /// Largest input, in bytes.
    pub max_len: usize,
    /// Where failing inputs are saved.
    pub artifacts: PathBuf,
    /// A worker that prints nothing for this long is killed (a hang).
    pub hang: Duration,
}

/// Counts for one run.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub executions: u64,
    pub passes: u64,
    pub skips: BTreeMap<String, u64>,
    /// Failed properties, panics included.
    pub failures: u64,
    /// Worker processes that died (signals, aborts).
    pub crashes: u64,
    pub hangs: u64,
    pub elapsed: Duration,
    /// Saved inputs of failures, crashes and hangs.
    pub saved: Vec<PathBuf>,
}

impl Stats {
    pub fn clean(&self) -> bool {
        self.failures == 0 && self.crashes == 0 && self.hangs == 0
    }

    pub fn summary(&self, target: Target, seed: u64) -> String {
        let secs = self.elapsed.as_secs_f64();
        let skipped: u64 = self.skips.values().sum();
        let mut s = format!(
            "{target} seed {seed}: {} executions in {secs:.0} s ({:.1}/s): {} passed, {} skipped, \
             {} failures, {} crashes, {} hangs",
            self.executions,
            self.executions as f64 / secs.max(1e-9),
            self.passes,
            skipped,
            self.failures,
            self.crashes,
            self.hangs
        );
        for (reason, n) in &self.skips {
            s.push_str(&format!("\n  skipped {n}: {reason}"));
        }
        s
    }
}

/// Saves a failing input under `dir` and returns its path.
fn save(dir: &Path, kind: &str, target: Target, seed: u64, iteration: u64, data: &[u8]) -> PathBuf {
    let path = dir.join(format!("{kind}-{target}-seed{seed}-iter{iteration}.bin"));
    if let Err(e) = std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, data)) {
        eprintln!("smelt-fuzz: cannot save {}: {e}", path.display());
    }
    path
}

fn report(kind: &str, budget: &Budget, iteration: u64, path: &Path, message: &str) {
    eprintln!(
        "\n=== {kind}: target {} seed {} iteration {iteration}\n{message}\n\
         saved: {}\nreplay: cargo run --release -p smelt-fuzz -- {} --input {}\n",
        budget.target,
        budget.seed,
        path.display(),
        budget.target,
        path.display()
    );
}

/// Runs iterations in this process (no crash protection). Used by the
/// worker and by tests.
pub fn run_in_process(budget: &Budget, mut on_line: impl FnMut(&str)) -> Stats {
    let started = Instant::now();
    let mut stats = Stats::default();
    let mut i = budget.start;
    loop {
        if budget.iterations.is_some_and(|n| i - budget.start >= n)
            || budget.duration.is_some_and(|d| started.elapsed() >= d)
        {
            break;
        }
        on_line(&format!("> {i}"));
        let data = rng::input(budget.seed, i, budget.max_len);
        stats.executions += 1;
        match budget.target.run(&data) {
            Outcome::Pass => {
                stats.passes += 1;
                on_line(&format!("< {i} pass"));
            }
            Outcome::Skip(reason) => {
                *stats.skips.entry(reason.to_string()).or_default() += 1;
                on_line(&format!("< {i} skip {reason}"));
            }
            Outcome::Fail(message) => {
                stats.failures += 1;
                let path = save(
                    &budget.artifacts,
                    "fail",
                    budget.target,
                    budget.seed,
                    i,
                    &data,
                );
                report("FAILURE", budget, i, &path, &message);
                stats.saved.push(path);
                on_line(&format!("< {i} fail"));
            }
        }
        i += 1;
    }
    stats.elapsed = started.elapsed();
    stats
}

/// The worker's loop: one line per event on stdout, flushed at once so
/// the supervisor knows which iteration was running if we die.
pub fn worker(budget: &Budget) {
    // Panics are caught and reported by the target runner; the default
    // hook would print each one a second time.
    std::panic::set_hook(Box::new(|_| {}));
    let stdout = std::io::stdout();
    run_in_process(budget, |line| {
        let mut out = stdout.lock();
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    });
}

/// Runs the budget in supervised worker processes, restarting after
/// crashes and hangs, and prints progress every `progress` interval.
pub fn supervise(budget: &Budget, progress: Duration) -> std::io::Result<Stats> {
    let exe = std::env::current_exe()?;
    let started = Instant::now();
    let mut stats = Stats::default();
    let mut next = budget.start;
    let end = budget.iterations.map(|n| budget.start + n);
    let mut last_progress = Instant::now();
    loop {
        if end.is_some_and(|e| next >= e) {
            break;
        }
        let remaining = match budget.duration {
            Some(d) if started.elapsed() >= d => break,
            Some(d) => Some(d - started.elapsed()),
            None => None,
        };
        let mut cmd = Command::new(&exe);
        cmd.arg(budget.target.name())
            .arg("--worker")
            .args(["--seed", &budget.seed.to_string()])
            .args(["--start", &next.to_string()])
            .args(["--max-len", &budget.max_len.to_string()])
            .arg("--artifacts")
            .arg(&budget.artifacts)
            .stdin(Stdio::null())
            .stdout(Stdio::piped());
        if let Some(e) = end {
            cmd.args(["--iterations", &(e - next).to_string()]);
        }
        if let Some(r) = remaining {
            cmd.args(["--seconds", &format!("{:.3}", r.as_secs_f64())]);
        }
        let mut child = cmd.spawn()?;
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = mpsc::channel::<String>();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // The iteration that started and has not finished.
        let mut running: Option<u64> = None;
        let mut hung = false;
        loop {
            match rx.recv_timeout(budget.hang) {
                Ok(line) => {
                    if let Some(i) = line.strip_prefix("> ") {
                        running = i.parse().ok();
                    } else if let Some(rest) = line.strip_prefix("< ") {
                        running = None;
                        stats.executions += 1;
                        let mut parts = rest.splitn(3, ' ');
                        let i: u64 = parts.next().and_then(|i| i.parse().ok()).unwrap_or(next);
                        next = i + 1;
                        match parts.next() {
                            Some("pass") => stats.passes += 1,
                            Some("skip") => {
                                *stats
                                    .skips
                                    .entry(parts.next().unwrap_or("").to_string())
                                    .or_default() += 1
                            }
                            _ => {
                                stats.failures += 1;
                                stats.saved.push(budget.artifacts.join(format!(
                                    "fail-{}-seed{}-iter{i}.bin",
                                    budget.target, budget.seed
                                )));
                            }
                        }
                    }
                    if last_progress.elapsed() >= progress {
                        last_progress = Instant::now();
                        stats.elapsed = started.elapsed();
                        eprintln!(
                            "[{:>6.0} s] {} execs ({:.1}/s), {} failures, {} crashes, {} hangs",
                            stats.elapsed.as_secs_f64(),
                            stats.executions,
                            stats.executions as f64 / stats.elapsed.as_secs_f64().max(1e-9),
                            stats.failures,
                            stats.crashes,
                            stats.hangs
                        );
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    hung = true;
                    let _ = child.kill();
                    break;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let status = child.wait()?;
        let _ = reader.join();
        if let Some(i) = running {
            let data = rng::input(budget.seed, i, budget.max_len);
            stats.executions += 1;
            let (kind, message) = if hung {
                stats.hangs += 1;
                ("hang", format!("no progress for {:?}", budget.hang))
            } else {
                stats.crashes += 1;
                ("crash", format!("the worker died: {status}"))
            };
            let path = save(
                &budget.artifacts,
                kind,
                budget.target,
                budget.seed,
                i,
                &data,
            );
            report(&kind.to_uppercase(), budget, i, &path, &message);
            stats.saved.push(path);
            next = i + 1;
        } else if !status.success() {
            // Died between iterations: nothing to blame; do not loop on it.
            eprintln!("smelt-fuzz: worker exited with {status} between iterations");
            stats.crashes += 1;
            next += 1;
        } else if end.is_none() && budget.duration.is_none() {
            break;
        }
    }
    stats.elapsed = started.elapsed();
    Ok(stats)
}
