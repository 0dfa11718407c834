//! `--fuel N`: compiled and interpreted code run out of fuel at the same
//! instruction. For each module, the smallest N with which the call
//! completes (or reaches its own trap) is searched for in both modes and
//! must be the same; for a tiny loop it is also counted by hand.

mod common;

use common::{scratch, smelt, stderr, stdout, write};
use std::process::Output;

/// Counts to its argument: the hand-counted case.
const LOOP: &str = r#"(module
  (func (export "count") (param i32) (result i32)
    (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1)))"#;

/// Blocks of `count` (see compiler/src/fuel.rs for the rule):
/// `[loop]` 1 unit, checked (entry); the loop body `[local.get i32.const
/// i32.add local.set local.get local.get i32.lt_u br_if]` 8, checked
/// (loop header), once per iteration; `[end]` 1 and `[local.get end]` 2,
/// unchecked. With n iterations the last check sees 1 + 8n consumed.
fn loop_minimum(n: u64) -> u64 {
    1 + 8 * n
}

const RECURSION: &str = r#"(module
  (func $fib (export "fib") (param i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2))))))))"#;

const TABLE: &str = r#"(module
  (type $t (func (param i32) (result i32)))
  (table funcref (elem $inc $dbl $dec))
  (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $t) (i32.mul (local.get 0) (i32.const 2)))
  (func $dec (type $t) (i32.sub (local.get 0) (i32.const 1)))
  (func (export "run") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (call_indirect (type $t) (local.get $acc)
                          (i32.rem_u (local.get $i) (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $acc)))"#;

/// Loops, then divides by zero: the smallest N is where the trap becomes
/// `integer divide by zero` instead of `all fuel consumed`.
const TRAP: &str = r#"(module
  (func (export "trap") (param $n i32) (result i32) (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (i32.div_u (local.get $i) (i32.const 0))))"#;

/// Exceptions, `br_table`, `if` and `block` results in one loop.
const MIXED: &str = r#"(module
  (tag $e (param i32))
  (func $thrower (param i32)
    (if (i32.and (local.get 0) (i32.const 1)) (then (throw $e (local.get 0)))))
  (func (export "mixed") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (loop $l
      (block $caught (result i32)
        (try_table (catch $e $caught)
          (call $thrower (local.get $i)))
        (i32.const 100))
      (local.set $acc (i32.add (local.get $acc)))
      (block $b2
        (block $b1
          (block $b0
            (br_table $b0 $b1 $b2 (i32.rem_u (local.get $i) (i32.const 3))))
          (local.set $acc (i32.add (local.get $acc) (i32.const 1))))
        (local.set $acc (i32.mul (local.get $acc) (i32.const 3))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"#;

fn run(object: &str, fuel: Option<u64>, func: &str, arg: &str) -> Output {
    let n = fuel.map(|n| n.to_string());
    let mut args = vec!["run"];
    if let Some(n) = &n {
        args.extend(["--fuel", n.as_str()]);
    }
    args.extend(["--invoke", func, object, arg]);
    smelt(&args)
}

/// The smallest fuel with which `object`'s `func(arg)` ends the way it
/// ends without fuel (same stdout and status), checking that one unit
/// less runs out of fuel.
fn smallest_fuel(object: &str, func: &str, arg: &str) -> u64 {
    let unlimited = run(object, None, func, arg);
    let same = |o: &Output| {
        o.status.code() == unlimited.status.code()
            && o.stdout == unlimited.stdout
            && !stderr(o).contains("all fuel consumed")
    };
    let (mut lo, mut hi) = (0u64, 1 << 22);
    assert!(
        same(&run(object, Some(hi), func, arg)),
        "{object}: {hi} is not enough"
    );
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if same(&run(object, Some(mid), func, arg)) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    if lo > 0 {
        let short = run(object, Some(lo - 1), func, arg);
        assert_eq!(short.status.code(), Some(134), "{}", stderr(&short));
        assert!(
            stderr(&short).contains("wasm trap: all fuel consumed"),
            "{}",
            stderr(&short)
        );
    }
    lo
}

/// Compiles `wat` with fuel metering in both modes; the smallest fuel of
/// `func(arg)` in each.
fn both_modes(name: &str, wat: &str, func: &str, arg: &str) -> (u64, u64) {
    let dir = scratch(&format!("fuel_{name}"));
    let src = write(&dir, &format!("{name}.wat"), wat);
    let mut found = Vec::new();
    for mode in ["compiled", "interp"] {
        let obj = dir.join(format!("{name}-{mode}.o")).display().to_string();
        let out = smelt(&[
            "compile",
            "--fuel-metering",
            "--mode",
            mode,
            &src,
            "-o",
            &obj,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        found.push(smallest_fuel(&obj, func, arg));
    }
    (found[0], found[1])
}

#[test]
fn loop_runs_out_at_the_hand_counted_instruction() {
    for n in [1, 10] {
        let (compiled, interp) = both_modes("loop", LOOP, "count", &n.to_string());
        assert_eq!(compiled, loop_minimum(n), "compiled, {n} iterations");
        assert_eq!(interp, loop_minimum(n), "interpreted, {n} iterations");
    }
}

#[test]
fn recursion_runs_out_at_the_same_instruction() {
    let (compiled, interp) = both_modes("fib", RECURSION, "fib", "12");
    assert_eq!(compiled, interp);
    assert!(compiled > 1000, "{compiled}");
}

#[test]
fn table_calls_run_out_at_the_same_instruction() {
    let (compiled, interp) = both_modes("table", TABLE, "run", "25");
    assert_eq!(compiled, interp);
}

#[test]
fn a_trap_is_reached_with_the_same_fuel() {
    let (compiled, interp) = both_modes("trap", TRAP, "trap", "10");
    assert_eq!(compiled, interp);
    // The same blocks as `count` up to its loop's last check.
    assert_eq!(compiled, loop_minimum(10));
}

#[test]
fn exceptions_and_br_table_run_out_at_the_same_instruction() {
    let (compiled, interp) = both_modes("mixed", MIXED, "mixed", "20");
    assert_eq!(compiled, interp);
}

#[test]
fn fuel_needs_a_metered_module() {
    let dir = scratch("fuel_plain");
    let src = write(&dir, "loop.wat", LOOP);
    let plain = dir.join("plain.o").display().to_string();
    assert!(smelt(&["compile", &src, "-o", &plain]).status.success());
    let out = run(&plain, Some(1000), "count", "3");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--fuel-metering"), "{}", stderr(&out));
    // From source, --fuel compiles the metering in itself.
    let out = run(&src, Some(1000), "count", "3");
    assert_eq!(stdout(&out), "3\n", "{}", stderr(&out));
}

#[test]
fn wast_fuel_changes_no_result_and_runs_out() {
    let dir = scratch("fuel_wast");
    let script = write(
        &dir,
        "fuel.wast",
        format!(
            "{LOOP}\n(assert_return (invoke \"count\" (i32.const 100)) (i32.const 100))\n\
             (assert_return (invoke \"count\" (i32.const 7)) (i32.const 7))\n"
        ),
    );
    for mode in ["compiled", "interp"] {
        let out = smelt(&["wast", "--mode", mode, "--fuel", "100000", &script]);
        assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
        assert!(
            stdout(&out).contains("3 passed, 0 failed"),
            "{}",
            stdout(&out)
        );
        // One store per script: the second call runs out. 1 + 8 * 100
        // units for the first, 3 after its last check: 804 consumed.
        let n = (804 + loop_minimum(7) - 1).to_string();
        let out = smelt(&["wast", "--mode", mode, "--fuel", &n, &script]);
        assert!(
            stdout(&out).contains("2 passed, 1 failed")
                && stdout(&out).contains("all fuel consumed"),
            "{mode}: {}",
            stdout(&out)
        );
        let n = (804 + loop_minimum(7)).to_string();
        let out = smelt(&["wast", "--mode", mode, "--fuel", &n, &script]);
        assert!(
            stdout(&out).contains("3 passed, 0 failed"),
            "{mode}: {}",
            stdout(&out)
        );
    }
}
