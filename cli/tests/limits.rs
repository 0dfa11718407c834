//! Resource limits and timeouts from the command line: `smelt run` flags,
//! and the same flags baked into executables by `smelt build`.

mod common;

use common::{scratch, smelt, stderr, stdout, write};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// `_start` traps (unreachable) unless every limit holds as configured by
/// the flags the tests pass: at most 2 memory pages, 4 table elements.
const LIMITS: &str = r#"(module
  (memory 1)
  (table 1 funcref)
  (func (export "grow_mem") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow_table") (param i32) (result i32) (table.grow (ref.null func) (local.get 0)))
  (func (export "_start")
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then unreachable))
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const -1)) (then unreachable))
    (if (i32.ne (table.grow (ref.null func) (i32.const 3)) (i32.const 1)) (then unreachable))
    (if (i32.ne (table.grow (ref.null func) (i32.const 1)) (i32.const -1)) (then unreachable))))"#;

const SPIN: &str = r#"(module
  (func (export "_start") (loop (br 0)))
  (func (export "spin") (param i32) (result i32) (loop (br 0)) (local.get 0))
  (func (export "quick") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))"#;

#[test]
fn run_memory_and_table_limits() {
    let dir = scratch("limits_run");
    let wat = write(&dir, "limits.wat", LIMITS);
    let out = smelt(&[
        "run",
        "--max-memory-pages",
        "2",
        "--max-table-elements",
        "4",
        &wat,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // Without the limits the first failing check traps.
    let out = smelt(&["run", &wat]);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    // --invoke shows the -1 directly.
    let out = smelt(&[
        "run",
        "--max-memory-pages",
        "3",
        &wat,
        "--invoke",
        "grow_mem",
        "5",
    ]);
    assert_eq!(stdout(&out), "-1\n", "{}", stderr(&out));
    // A minimum above the limit: a clean instantiation error.
    let out = smelt(&["run", "--max-memory-pages", "0", &wat]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("exceeds the limit"),
        "{}",
        stderr(&out)
    );
    // The module is one instance: a limit of 1 admits it, 0 does not.
    let out = smelt(&[
        "run",
        "--max-instances",
        "1",
        &wat,
        "--invoke",
        "grow_mem",
        "0",
    ]);
    assert_eq!(stdout(&out), "1\n", "{}", stderr(&out));
    let out = smelt(&["run", "--max-instances", "0", &wat]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("limit of 0 instances"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn run_timeout_interrupts_and_needs_interruptible_objects() {
    let dir = scratch("limits_timeout");
    let wat = write(&dir, "spin.wat", SPIN);
    let started = Instant::now();
    let out = smelt(&["run", "--timeout", "200ms", &wat]);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert!(started.elapsed() < Duration::from_secs(30));
    // Calls that finish in time are unaffected.
    let out = smelt(&["run", "--timeout", "5s", &wat, "--invoke", "quick", "41"]);
    assert_eq!(stdout(&out), "42\n", "{}", stderr(&out));

    // An object compiled without interruption checks cannot take a
    // timeout; with --interruptible it can.
    let plain = dir.join("plain.o").display().to_string();
    assert!(smelt(&["compile", &wat, "-o", &plain]).status.success());
    let out = smelt(&["run", "--timeout", "1s", &plain]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--interruptible"), "{}", stderr(&out));
    let checked = dir.join("checked.o").display().to_string();
    let out = smelt(&["compile", "--interruptible", &wat, "-o", &checked]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = smelt(&[
        "run",
        "--timeout",
        "100ms",
        &checked,
        "--invoke",
        "spin",
        "1",
    ]);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));

    for bad in ["0s", "soon", "5 parsecs", "-1"] {
        let out = smelt(&["run", "--timeout", bad, &wat]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "--timeout {bad}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn build_bakes_limits_into_the_executable() {
    let dir = scratch("limits_build");
    let wat = write(&dir, "limits.wat", LIMITS);
    let exe = dir.join("limited").display().to_string();
    let out = smelt(&[
        "build",
        "--max-memory-pages",
        "2",
        "--max-table-elements",
        "4",
        "--max-instances",
        "1",
        &wat,
        "-o",
        &exe,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let run = Command::new(&exe).output().unwrap();
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    // The same module without limits fails its checks.
    let free = dir.join("free").display().to_string();
    assert!(smelt(&["build", &wat, "-o", &free]).status.success());
    assert_eq!(
        Command::new(&free).output().unwrap().status.code(),
        Some(134)
    );
    // A limit below the module's minimum: the executable says why.
    let tiny = dir.join("tiny").display().to_string();
    let out = smelt(&["build", "--max-memory-pages", "0", &wat, "-o", &tiny]);
    assert!(out.status.success(), "{}", stderr(&out));
    let run = Command::new(&tiny).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stderr(&run).contains("exceeds the limit"),
        "{}",
        stderr(&run)
    );
    let none = dir.join("none").display().to_string();
    let out = smelt(&["build", "--max-instances", "0", &wat, "-o", &none]);
    assert!(out.status.success(), "{}", stderr(&out));
    let run = Command::new(&none).output().unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(
        stderr(&run).contains("limit of 0 instances"),
        "{}",
        stderr(&run)
    );
}

#[test]
fn build_bakes_a_timeout_into_the_executable() {
    let dir = scratch("limits_build_timeout");
    let wat = write(&dir, "spin.wat", SPIN);
    let exe = dir.join("spin").display().to_string();
    let out = smelt(&["build", "--timeout", "300ms", &wat, "-o", &exe]);
    assert!(out.status.success(), "{}", stderr(&out));
    let started = Instant::now();
    let run = Command::new(&exe).output().unwrap();
    assert_eq!(run.status.code(), Some(134), "{}", stderr(&run));
    assert!(stderr(&run).contains("interrupted"), "{}", stderr(&run));
    assert!(started.elapsed() < Duration::from_secs(30));
    // A WASI program gets the same treatment (the sandbox flags and the
    // limits are independent).
    let wasi = write(
        &dir,
        "wasi_spin.wat",
        r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start") (loop (br 0)) (call $exit (i32.const 3))))"#,
    );
    let exe = dir.join("wasi_spin").display().to_string();
    let out = smelt(&[
        "build",
        "--isolate",
        "--timeout",
        "200ms",
        &wasi,
        "-o",
        &exe,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let run = Command::new(&exe).output().unwrap();
    assert_eq!(run.status.code(), Some(134), "{}", stderr(&run));
}

/// Runs `cmd`, killing it if it has not ended within `limit`. Its stdin
/// is a pipe that stays open (and empty) until it ends.
fn output_within(cmd: &mut Command, limit: Duration) -> Output {
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let _stdin = child.stdin.take();
    let started = Instant::now();
    while child.try_wait().expect("waits").is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "still running after {limit:?}; killed. stderr: {}",
                stderr(&out)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A wasi-threads program: `_start` grows the shared memory twice, then
/// spawns threads (which park forever) until `thread-spawn` fails or 8
/// run, and exits with the number spawned, plus 100 if the second grow
/// returned -1.
const THREADS_LIMITS: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 10 shared))
  (func (export "wasi_thread_start") (param i32 i32)
    (drop (memory.atomic.wait32 (i32.const 8) (i32.const 0) (i64.const -1))))
  (func (export "_start") (local $n i32)
    (if (i32.ne (memory.grow (i32.const 1)) (i32.const 1)) (then unreachable))
    (i32.store (i32.const 16) (memory.grow (i32.const 1)))
    (block $full
      (loop $l
        (br_if $full (i32.lt_s (call $spawn (i32.const 0)) (i32.const 1)))
        (br_if $l (i32.lt_u (local.tee $n (i32.add (local.get $n) (i32.const 1))) (i32.const 8)))))
    (call $exit (i32.add (local.get $n)
      (i32.mul (i32.eq (i32.load (i32.const 16)) (i32.const -1)) (i32.const 100))))))"#;

/// A wasi-threads program whose spawned thread spins while `_start`
/// blocks reading stdin (a host call, which an interrupt cannot end):
/// only the thread's own timeout can end the program.
const THREAD_SPIN: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_read"
    (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  (func $spinner (export "wasi_thread_start") (param i32 i32) (loop (br 0)))
  (func (export "_start")
    (if (i32.lt_s (call $spawn (i32.const 0)) (i32.const 1)) (then unreachable))
    (i32.store (i32.const 32) (i32.const 64))
    (i32.store (i32.const 36) (i32.const 16))
    (drop (call $read (i32.const 0) (i32.const 32) (i32.const 1) (i32.const 40)))))"#;

/// `_start` waits on a shared memory with no timeout, and nobody
/// notifies: only an interrupt of the wait itself ends it.
const WAIT_FOREVER: &str = r#"(module
  (memory 1 1 shared)
  (func $waiter (export "_start")
    (drop (memory.atomic.wait32 (i32.const 8) (i32.const 0) (i64.const -1)))))"#;

#[test]
fn timeout_ends_an_untimed_atomic_wait() {
    let dir = scratch("limits_wait");
    let wat = write(&dir, "wait.wat", WAIT_FOREVER);
    let out = output_within(
        Command::new(env!("CARGO_BIN_EXE_smelt")).args(["run", "--timeout", "300ms", &wat]),
        Duration::from_secs(60),
    );
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert!(stderr(&out).contains("waiter"), "{}", stderr(&out));
}

/// The limits hold for every thread of a wasi-threads program: the shared
/// memory's pages, the instances on all threads, and the timeout.
#[test]
fn limits_apply_to_wasi_threads() {
    let dir = scratch("limits_threads");
    let wat = write(&dir, "threads.wat", THREADS_LIMITS);
    let limit = Duration::from_secs(60);
    let out = output_within(
        Command::new(env!("CARGO_BIN_EXE_smelt")).args(["run", &wat]),
        limit,
    );
    assert_eq!(out.status.code(), Some(8), "{}", stderr(&out));
    // Three instances: the main one and two threads; 2 memory pages.
    let flags = ["--max-instances", "3", "--max-memory-pages", "2"];
    let out = output_within(
        Command::new(env!("CARGO_BIN_EXE_smelt"))
            .arg("run")
            .args(flags)
            .arg(&wat),
        limit,
    );
    assert_eq!(out.status.code(), Some(102), "{}", stderr(&out));
    let exe = dir.join("threads").display().to_string();
    let out = smelt(&[&["build"][..], &flags, &[&wat, "-o", &exe]].concat());
    assert!(out.status.success(), "{}", stderr(&out));
    let out = output_within(&mut Command::new(&exe), limit);
    assert_eq!(out.status.code(), Some(102), "{}", stderr(&out));

    let wat = write(&dir, "spin.wat", THREAD_SPIN);
    let out = output_within(
        Command::new(env!("CARGO_BIN_EXE_smelt")).args(["run", "--timeout", "300ms", &wat]),
        limit,
    );
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    assert!(stderr(&out).contains("interrupted"), "{}", stderr(&out));
    assert!(stderr(&out).contains("spinner"), "{}", stderr(&out));
    let exe = dir.join("spin").display().to_string();
    let out = smelt(&["build", "--timeout", "300ms", &wat, "-o", &exe]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = output_within(&mut Command::new(&exe), limit);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    assert!(stderr(&out).contains("spinner"), "{}", stderr(&out));
}
