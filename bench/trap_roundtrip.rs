//! Trap round-trip cost: how long it takes for a call from the host into
//! wasm to trap and return `Err(Trap)` to the host (signal, context
//! rewrite, backtrace, symbolication), compared with a call that returns
//! normally, a host error, and wasm exceptions thrown and caught.
//!
//! `cargo bench -p smelt-tests --bench trap_roundtrip` (release profile).
//! Prints one line per case: the median over batches, in ns per call.

use smelt_compiler::{Options, compile};
use smelt_runtime::{Extern, Func, FuncType, Instance, Linker, Module, Store, Trap, Val, ValType};
use std::time::Instant;

const WAT: &str = r#"(module
  (import "host" "fail" (func $fail))
  (tag $e (param i32))
  (func (export "ok") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func (export "unreachable") (param i32) (result i32) unreachable)
  (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
  (func (export "host_error") (param i32) (result i32) (call $fail) (i32.const 0))
  (func $thrower (param i32) (throw $e (local.get 0)))
  (func (export "throw_catch") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $thrower (local.get 0)))
      (i32.const -1)))
  (func (export "uncaught") (param i32) (result i32) (call $thrower (local.get 0)) (i32.const 0)))"#;

fn main() {
    let wasm = wat::parse_str(WAT).expect("valid wat");
    let artifact = compile(
        &wasm,
        &Options {
            module_name: "bench".into(),
            ..Options::default()
        },
    )
    .expect("compiles");
    let module = Module::from_object(&artifact.object).expect("loads");
    let mut store = Store::new();
    let fail = Func::new(&mut store, FuncType::new([], []), |_, _, _| {
        Err(Trap::host("fail"))
    });
    let mut linker = Linker::new();
    linker.define("host", "fail", Extern::Func(fail));
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("instantiates");

    println!("smelt trap round-trip benchmark (median of 15 batches)");
    for (name, export, arg, expect_trap) in [
        ("normal return (baseline)", "ok", 1, false),
        ("trap round-trip: unreachable", "unreachable", 1, true),
        ("trap round-trip: integer divide by zero", "div", 0, true),
        ("trap round-trip: host error", "host_error", 1, true),
        (
            "exception thrown and caught in wasm",
            "throw_catch",
            1,
            false,
        ),
        ("uncaught exception round-trip", "uncaught", 1, true),
    ] {
        let ns = measure(&mut store, &instance, export, arg, expect_trap);
        println!("{name:<42} {ns:>9.0} ns/call");
    }
}

fn measure(store: &mut Store, instance: &Instance, export: &str, arg: i32, trap: bool) -> f64 {
    let func = instance.get_func(&mut *store, export).expect("export");
    let _ = func.ty(&mut *store).results() == [ValType::I32];
    let args = [Val::I32(arg)];
    let batch = 2_000;
    for _ in 0..batch {
        let r = func.call(&mut *store, &args);
        assert_eq!(r.is_err(), trap, "{export}");
    }
    let mut samples: Vec<f64> = (0..15)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..batch {
                let r = func.call(&mut *store, &args);
                std::hint::black_box(&r);
            }
            start.elapsed().as_nanos() as f64 / batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}
