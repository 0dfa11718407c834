//! Spec scripts with threads: the memory-model litmus tests and the thread
//! command scripts in `tests/wast/threads/`, run through the same runner as
//! `smelt wast` in both bounds-check modes, and scripts that must fail in
//! exact ways (a wrong assertion inside a thread, thread names that clash
//! or are unknown, modules that cannot be shared, threads never waited
//! for).

use libtest_mimic::{Arguments, Failed, Trial};
use smelt_cli::wast::{Summary, WastOptions, run_file};
use smelt_compiler::BoundsChecks;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn options(bounds_checks: BoundsChecks) -> WastOptions {
    WastOptions {
        features: smelt_compiler::supported_features(),
        mode: smelt_compiler::ExecutionMode::Compiled,
        lazy: false,
        bounds_checks,
        cpu: None,
        target_features: Vec::new(),
        canonicalize_nans: false,
        fuel: None,
        verbose: false,
    }
}

const MODES: [(&str, BoundsChecks); 2] = [
    ("guard", BoundsChecks::Guard),
    ("explicit", BoundsChecks::Explicit),
];

/// Runs an inline script named `t.wast`; its output and counts.
fn run(script: &str, bounds_checks: BoundsChecks) -> (String, Summary) {
    let mut out = Vec::new();
    let summary = run_file(
        "t.wast",
        script.as_bytes(),
        &options(bounds_checks),
        &mut out,
    );
    (String::from_utf8_lossy(&out).into_owned(), summary)
}

fn expect(
    (out, summary): &(String, Summary),
    passed: usize,
    failed: usize,
    lines: &[&str],
) -> Result<(), Failed> {
    let want = Summary {
        passed,
        failed,
        skipped: 0,
    };
    if *summary != want {
        return Err(format!("expected {}, got {}:\n{out}", want.line(), summary.line()).into());
    }
    let got: Vec<&str> = out.lines().collect();
    if got != lines {
        return Err(format!("expected the lines\n{lines:#?}\ngot\n{out}").into());
    }
    Ok(())
}

/// A module `$Mem` exporting a shared memory, registered as "mem".
const MEM: &str = r#"(module $Mem (memory (export "shared") 1 1 shared))
(register "mem" $Mem)
"#;

/// A failing assertion inside a thread is one failed command, reported
/// with its own line and the thread's name, when the thread is waited
/// for; the failures of two threads appear in the order of the waits.
fn wrong_assertion_in_a_thread(bounds: BoundsChecks) -> Result<(), Failed> {
    let script = format!(
        r#"{MEM}(thread $T1 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "get") (result i32) (i32.atomic.load (i32.const 0))))
  (assert_return (invoke "get") (i32.const 0))
  (assert_return (invoke "get") (i32.const 5)))
(thread $T2
  (module (func (export "f") (unreachable)))
  (assert_trap (invoke "f") "integer overflow"))
(wait $T2)
(wait $T1)
"#
    );
    expect(
        &run(&script, bounds),
        10,
        2,
        &[
            "t.wast:12: thread $T2: expected trap `integer overflow`, got `unreachable`",
            "t.wast:9: thread $T1: result 0: expected I32(5), got I32(0)",
        ],
    )
}

/// A command failing inside a nested thread names both threads.
fn failure_in_a_nested_thread(bounds: BoundsChecks) -> Result<(), Failed> {
    let script = r#"(thread $A
  (thread $B
    (module (func (export "f") (result i32) (i32.const 1)))
    (assert_return (invoke "f") (i32.const 2)))
  (wait $B))
(wait $A)
"#;
    expect(
        &run(script, bounds),
        5,
        1,
        &["t.wast:4: thread $A/$B: result 0: expected I32(2), got I32(1)"],
    )
}

/// A second thread of a running thread's name is refused (its commands
/// neither run nor count); `wait` on a name with no running thread fails.
fn thread_names(bounds: BoundsChecks) -> Result<(), Failed> {
    let script = r#"(thread $T (module))
(thread $T (module) (module))
(wait $T)
(wait $T)
(wait $Nobody)
"#;
    expect(
        &run(script, bounds),
        3,
        3,
        &[
            "t.wast:2: thread $T is already running (started at line 1); wait for it before \
             starting another thread of that name",
            "t.wast:4: no running thread $T (never started here, or already waited for)",
            "t.wast:5: no running thread $Nobody (never started here, or already waited for)",
        ],
    )
}

/// Only modules whose exports are all shared memories can be shared; the
/// error names the export in the way, and the thread does not run.
fn modules_that_cannot_be_shared(bounds: BoundsChecks) -> Result<(), Failed> {
    let script = r#"(module $F (memory (export "m") 1 1 shared) (func (export "f")))
(module $G (global (export "g") i32 (i32.const 1)))
(module $T (table (export "t") 1 funcref))
(module $M (memory (export "plain") 1))
(thread $A (shared (module $F)) (module))
(thread $B (shared (module $G)) (module))
(thread $C (shared (module $T)) (module))
(thread $D (shared (module $M)) (module))
(thread $E (shared (module $Unknown)) (module))
"#;
    let why = "which stays in the store that instantiated it: only shared memories can be \
               shared with a thread";
    expect(
        &run(script, bounds),
        4,
        5,
        &[
            &format!(
                "t.wast:5: cannot share module $F with thread $A: its export `f` is a function, {why}"
            ),
            &format!(
                "t.wast:6: cannot share module $G with thread $B: its export `g` is a global, {why}"
            ),
            &format!(
                "t.wast:7: cannot share module $T with thread $C: its export `t` is a table, {why}"
            ),
            &format!(
                "t.wast:8: cannot share module $M with thread $D: its export `plain` is a memory \
                 that is not shared, {why}"
            ),
            "t.wast:9: cannot share module $Unknown with thread $E: unknown module $Unknown",
        ],
    )
}

/// Inside the thread a shared module is only a name for `register`.
fn a_shared_module_has_no_functions_in_the_thread(bounds: BoundsChecks) -> Result<(), Failed> {
    let script = format!(
        r#"{MEM}(thread $T (shared (module $Mem))
  (invoke $Mem "f"))
(wait $T)
"#
    );
    expect(
        &run(&script, bounds),
        4,
        1,
        &[
            "t.wast:4: thread $T: unexpected trap: module $Mem is shared with this thread, which \
             can only use its memories (through `register`)",
        ],
    )
}

/// A thread nobody waits for is joined at the end of the script: its
/// commands count, and so does one failure at its `thread` line; the same
/// for a thread started inside a thread.
fn threads_never_waited_for(bounds: BoundsChecks) -> Result<(), Failed> {
    let script = r#"(thread $Forgotten
  (module (func (export "f") (result i32) (i32.const 1)))
  (assert_return (invoke "f") (i32.const 1))
  (thread $Inner (module)))
(module)
"#;
    expect(
        &run(script, bounds),
        6,
        2,
        &[
            "t.wast:4: thread $Forgotten: thread $Inner was never waited for (joined when its \
             parent thread ended)",
            "t.wast:1: thread $Forgotten was never waited for (joined when the script ended)",
        ],
    )
}

/// A wait that times out in a thread really waits (the run takes at
/// least the timeout) and `wait` joins only then.
fn a_timeout_in_a_thread_takes_its_time(bounds: BoundsChecks) -> Result<(), Failed> {
    let script = format!(
        r#"{MEM}(thread $T (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "wait") (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 200_000_000))))
  (assert_return (invoke "wait") (i32.const 2)))
(wait $T)
"#
    );
    let start = Instant::now();
    let result = run(&script, bounds);
    let elapsed = start.elapsed();
    expect(&result, 7, 0, &[])?;
    if elapsed < Duration::from_millis(200) {
        return Err(format!("a 200 ms wait ended after {elapsed:?}").into());
    }
    Ok(())
}

type Check = fn(BoundsChecks) -> Result<(), Failed>;

const CHECKS: &[(&str, Check)] = &[
    ("wrong_assertion_in_a_thread", wrong_assertion_in_a_thread),
    ("failure_in_a_nested_thread", failure_in_a_nested_thread),
    ("thread_names", thread_names),
    (
        "modules_that_cannot_be_shared",
        modules_that_cannot_be_shared,
    ),
    (
        "a_shared_module_has_no_functions_in_the_thread",
        a_shared_module_has_no_functions_in_the_thread,
    ),
    ("threads_never_waited_for", threads_never_waited_for),
    (
        "a_timeout_in_a_thread_takes_its_time",
        a_timeout_in_a_thread_takes_its_time,
    ),
];

fn main() {
    let args = Arguments::from_args();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wast/threads");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/wast/threads")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wast"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no scripts in {}", dir.display());
    let mut trials = Vec::new();
    for file in files {
        let name = format!(
            "threads/{}",
            file.file_name().expect("file name").to_string_lossy()
        );
        for (mode, bounds) in MODES {
            let (file, name) = (file.clone(), name.clone());
            trials.push(Trial::test(format!("{name} [{mode}]"), move || {
                let contents = std::fs::read(&file).map_err(|e| format!("{name}: {e}"))?;
                let mut out = Vec::new();
                let summary = run_file(&name, &contents, &options(bounds), &mut out);
                if summary.failed == 0 && summary.skipped == 0 && summary.passed > 0 {
                    Ok(())
                } else {
                    Err(format!("{}\n{}", String::from_utf8_lossy(&out), summary.line()).into())
                }
            }));
        }
    }
    for (name, check) in CHECKS {
        for (mode, bounds) in MODES {
            trials.push(Trial::test(format!("{name} [{mode}]"), move || {
                check(bounds)
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
