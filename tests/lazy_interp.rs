//! Lazy translation (`smelt_compiler::compile_lazy`, what `smelt run
//! --mode interp` uses): the module is validated in full before it
//! loads, each function is translated on its first call (and only then),
//! from any number of threads at once, and what a program sees — results,
//! traps, backtraces, fuel — is what eager translation gives.

use smelt_compiler::{CompileError, ExecutionMode, Options};
use smelt_runtime::{Instance, Linker, Module, Store, Trap, TrapKind, Val};
use smelt_tests::lazy_module;

fn options(name: &str) -> Options {
    Options {
        module_name: name.into(),
        mode: ExecutionMode::Interpreted,
        ..Options::default()
    }
}

fn lazy(wat: &str, name: &str) -> Module {
    lazy_module(wat::parse_str(wat).expect("valid wat"), &options(name))
}

/// `wat` compiled (or translated eagerly) for `mode`.
fn eager(wat: &str, name: &str, mode: ExecutionMode) -> Module {
    let options = Options {
        mode,
        ..options(name)
    };
    let wasm = wat::parse_str(wat).expect("valid wat");
    let artifact = smelt_compiler::compile(&wasm, &options).expect("compiles");
    Module::from_object(&artifact.object).expect("loads")
}

fn instance(m: &Module) -> (Store, Instance) {
    let mut store = Store::new();
    let inst = Linker::new()
        .instantiate(&mut store, m)
        .expect("instantiates");
    (store, inst)
}

fn call(store: &mut Store, inst: &Instance, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
    inst.get_func(&mut *store, name)
        .expect("export exists")
        .call(store, args)
}

/// `n` functions `$f0`..: `$fi` returns `x + i + $f(i+1)(x)`, the last
/// `x`; `$f0` is exported as `run`, the others reached only by calls (or
/// through the table, every other one).
fn chain(n: u32) -> String {
    let mut wat = String::from("(module (type $t (func (param i32) (result i32)))\n");
    wat.push_str(&format!("(table {n} funcref)\n"));
    for i in 0..n {
        let body = if i + 1 == n {
            "(local.get 0)".to_string()
        } else if i % 2 == 0 {
            format!(
                "(i32.add (i32.add (local.get 0) (i32.const {i})) (call $f{}  (local.get 0)))",
                i + 1
            )
        } else {
            format!(
                "(i32.add (i32.add (local.get 0) (i32.const {i})) \
                 (call_indirect (type $t) (local.get 0) (i32.const {})))",
                i + 1
            )
        };
        wat.push_str(&format!(
            "(func $f{i} (type $t) (local i64 f64) {body})\n(elem (i32.const {i}) $f{i})\n"
        ));
    }
    wat.push_str(
        "(export \"run\" (func $f0))\n(func (export \"unused\") (result i32) (i32.const 7)))",
    );
    wat
}

fn chain_result(n: u32, x: i32) -> i32 {
    (0..n - 1).map(|i| x + i as i32).sum::<i32>() + x
}

#[test]
fn functions_are_translated_on_first_call_only() {
    let m = lazy(&chain(8), "chain");
    assert_eq!(m.lazily_translated_funcs(), Some(0));
    let (mut store, inst) = instance(&m);
    assert_eq!(m.lazily_translated_funcs(), Some(0));
    let r = call(&mut store, &inst, "run", &[Val::I32(3)]).unwrap();
    assert_eq!(r[0].unwrap_i32(), chain_result(8, 3));
    // Every function of the chain, not `unused`.
    assert_eq!(m.lazily_translated_funcs(), Some(8));
    let r = call(&mut store, &inst, "run", &[Val::I32(5)]).unwrap();
    assert_eq!(r[0].unwrap_i32(), chain_result(8, 5));
    assert_eq!(m.lazily_translated_funcs(), Some(8));
    assert_eq!(
        call(&mut store, &inst, "unused", &[]).unwrap()[0].unwrap_i32(),
        7
    );
    assert_eq!(m.lazily_translated_funcs(), Some(9));
    // Eagerly translated and compiled modules are not lazy.
    assert_eq!(
        eager(&chain(2), "e", ExecutionMode::Interpreted).lazily_translated_funcs(),
        None
    );
    assert_eq!(
        eager(&chain(2), "c", ExecutionMode::Compiled).lazily_translated_funcs(),
        None
    );
}

/// Threads that call the same untranslated functions at the same moment
/// all get them translated once and run them correctly.
#[test]
fn threads_racing_to_the_first_call_all_run_the_same_code() {
    const THREADS: usize = 8;
    const FUNCS: u32 = 200;
    let wat = chain(FUNCS);
    for round in 0..10 {
        let m = lazy(&wat, "race");
        let barrier = std::sync::Barrier::new(THREADS);
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let (m, barrier) = (&m, &barrier);
                s.spawn(move || {
                    let (mut store, inst) = instance(m);
                    barrier.wait();
                    for x in 0..3 {
                        let x = (t as i32) * 10 + x;
                        let r = call(&mut store, &inst, "run", &[Val::I32(x)]).unwrap();
                        assert_eq!(r[0].unwrap_i32(), chain_result(FUNCS, x), "round {round}");
                    }
                });
            }
        });
        assert_eq!(m.lazily_translated_funcs(), Some(FUNCS as usize));
    }
}

#[test]
fn traps_and_backtraces_match_eager_translation_and_compiled_code() {
    let wat = r#"(module
      (memory 1)
      (func $leaf (param i32) (result i32)
        (i32.load (i32.add (local.get 0) (i32.const 65536))))
      (func $middle (param i32) (result i32)
        (i32.add (call $leaf (local.get 0)) (i32.const 1)))
      (table funcref (elem $middle))
      (type $t (func (param i32) (result i32)))
      (func (export "top") (param i32) (result i32)
        (call_indirect (type $t) (local.get 0) (i32.const 0)))
      (func $forever (export "forever") (param i32) (result i32)
        (i32.add (call $forever (local.get 0)) (i32.const 1)))
      (func $sum (export "sum") (param i32) (result i64)
        (if (result i64) (i32.eqz (local.get 0))
          (then (i64.const 0))
          (else (i64.add (i64.extend_i32_u (local.get 0))
                         (call $sum (i32.sub (local.get 0) (i32.const 1))))))))"#;
    let modules = [
        lazy(wat, "bt"),
        eager(wat, "bt", ExecutionMode::Interpreted),
        eager(wat, "bt", ExecutionMode::Compiled),
    ];
    let mut traps = Vec::new();
    let mut overflows = Vec::new();
    for (i, m) in modules.iter().enumerate() {
        let (mut store, inst) = instance(m);
        traps.push(call(&mut store, &inst, "top", &[Val::I32(4)]).unwrap_err());
        overflows.push(call(&mut store, &inst, "forever", &[Val::I32(1)]).unwrap_err());
        if i < 2 {
            // 100,000-deep recursion on the interpreter's stack.
            let r = call(&mut store, &inst, "sum", &[Val::I32(100_000)]).unwrap();
            assert_eq!(r[0].unwrap_i64(), 100_000 * 100_001 / 2);
        }
    }
    assert_eq!(traps[0].kind(), TrapKind::MemoryOutOfBounds);
    for t in &traps[1..] {
        assert_eq!(traps[0].kind(), t.kind());
        assert_eq!(traps[0].message(), t.message());
        assert_eq!(traps[0].backtrace(), t.backtrace());
    }
    assert_eq!(traps[0].backtrace().len(), 3);
    assert!(traps[0].backtrace().iter().all(|f| f.wasm_offset.is_some()));
    assert_eq!(overflows[0].kind(), TrapKind::StackOverflow);
    assert_eq!(overflows[0].message(), "call stack exhausted");
    // The interpreter's own stack: the same frames lazily and eagerly.
    assert_eq!(overflows[0].backtrace(), overflows[1].backtrace());
    assert_eq!(overflows[0].omitted_frames(), overflows[1].omitted_frames());
}

/// A function whose first call needs a frame larger than its
/// placeholder's: when it does not fit, the stack overflow is reported
/// from the caller's call, as for an already translated callee.
#[test]
fn a_first_call_that_overflows_the_stack_traps_at_the_caller() {
    // `$big`'s frame has 49,000 locals; `deep(n)` recurses `n` deep in
    // small frames (but large enough that the stack's slots run out
    // before its frame count) and calls `$big` at the bottom.
    let wat = format!(
        r#"(module
      (func $big (param i32) (result i32) {} (local.get 0))
      (func $deep (export "deep") (param i32) (result i32)
        (local i64 i64 i64 i64 i64 i64 i64 i64)
        (if (result i32) (i32.eqz (local.get 0))
          (then (call $big (i32.const 1)))
          (else (i32.add (i32.const 1)
                  (call $deep (i32.sub (local.get 0) (i32.const 1))))))))"#,
        "(local i64) ".repeat(49_000)
    );
    let deep = |m: &Module, n: i32| {
        let (mut store, inst) = instance(m);
        call(&mut store, &inst, "deep", &[Val::I32(n)])
    };
    // The smallest depth at which `$big` no longer fits (eagerly).
    let eager_m = eager(&wat, "ov", ExecutionMode::Interpreted);
    let (mut fits, mut overflows) = (0, 1 << 22);
    assert!(deep(&eager_m, fits).is_ok());
    assert!(deep(&eager_m, overflows).is_err());
    while overflows - fits > 1 {
        let mid = (fits + overflows) / 2;
        match deep(&eager_m, mid) {
            Ok(_) => fits = mid,
            Err(_) => overflows = mid,
        }
    }
    let eager_trap = deep(&eager_m, overflows).unwrap_err();
    // Lazily, at that depth `$big` is called for the first time.
    let lazy_m = lazy(&wat, "ov");
    let lazy_trap = deep(&lazy_m, overflows).unwrap_err();
    assert_eq!(lazy_m.lazily_translated_funcs(), Some(2));
    assert_eq!(lazy_trap.kind(), TrapKind::StackOverflow);
    assert_eq!(lazy_trap.message(), eager_trap.message());
    assert_eq!(lazy_trap.backtrace(), eager_trap.backtrace());
    assert_eq!(lazy_trap.omitted_frames(), eager_trap.omitted_frames());
    // One level less, both run.
    assert_eq!(
        deep(&lazy(&wat, "ov"), fits).unwrap()[0].unwrap_i32(),
        fits + 1
    );
}

#[test]
fn an_invalid_body_is_rejected_before_anything_runs() {
    // The start function would run first; the last body is invalid.
    let wat = r#"(module
      (import "host" "log" (func $log (param i32)))
      (func $start (call $log (i32.const 1)))
      (start $start)
      (func (export "bad") (result i32) (i64.const 0)))"#;
    let wasm = wat::parse_str(wat).expect("well-formed wat");
    let eager_err = smelt_compiler::compile(&wasm, &options("bad")).unwrap_err();
    let lazy_err = smelt_compiler::compile_lazy(Box::new(wasm), &options("bad"))
        .err()
        .expect("lazy compile rejects the module");
    assert!(
        matches!(lazy_err, CompileError::InvalidWasm { .. }),
        "{lazy_err}"
    );
    assert_eq!(lazy_err.to_string(), eager_err.to_string());
}

/// A limit only translation finds (a frame of more than 65,535 slots)
/// rejects the module when translating eagerly; lazily it is a trap on
/// the function's first call, naming it, and the rest of the module runs.
#[test]
fn a_function_too_big_to_interpret_traps_on_its_first_call() {
    // 49,000 locals (wasmparser allows 50,000) and 17,000 values on the
    // operand stack.
    let pushes = "(i32.const 1) ".repeat(17_000);
    let adds = "(i32.add) ".repeat(16_999);
    let wat = format!(
        r#"(module
      (func $huge (export "huge") (result i32)
        {} {pushes} {adds} (drop) (i32.const 0))
      (func (export "small") (result i32) (i32.const 42)))"#,
        "(local i64) ".repeat(49_000)
    )
    .replace("(i32.add) ", "i32.add ")
    .replace("(drop)", "drop");
    let wasm = wat::parse_str(&wat).expect("valid wat");
    let eager_err = smelt_compiler::compile(&wasm, &options("big")).unwrap_err();
    assert!(
        eager_err.to_string().contains("operand stack too deep"),
        "{eager_err}"
    );
    let m = lazy_module(wasm, &options("big"));
    let (mut store, inst) = instance(&m);
    let trap = call(&mut store, &inst, "huge", &[]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::HostError);
    assert!(
        trap.message()
            .contains("cannot interpret function 0 `huge`"),
        "{}",
        trap.message()
    );
    assert!(
        trap.message().contains("implementation limit"),
        "{}",
        trap.message()
    );
    // Again (still untranslated), and the rest of the module is fine.
    let again = call(&mut store, &inst, "huge", &[]).unwrap_err();
    assert_eq!(again.message(), trap.message());
    assert_eq!(
        call(&mut store, &inst, "small", &[]).unwrap()[0].unwrap_i32(),
        42
    );
}

#[test]
fn fuel_runs_out_at_the_same_instruction() {
    let wat = r#"(module
      (func $count (param i32) (result i32)
        (loop $l
          (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
          (br_if $l (local.get 0)))
        (local.get 0))
      (func (export "run") (param i32) (result i32) (call $count (local.get 0))))"#;
    let fueled = Options {
        fuel: true,
        ..options("fuel")
    };
    let eager_m = {
        let wasm = wat::parse_str(wat).unwrap();
        let artifact = smelt_compiler::compile(&wasm, &fueled).unwrap();
        Module::from_object(&artifact.object).unwrap()
    };
    let lazy_m = lazy_module(wat::parse_str(wat).unwrap(), &fueled);
    let mut left = Vec::new();
    for m in [&eager_m, &lazy_m] {
        let mut store = Store::new();
        store.set_fuel(10_000);
        let inst = Linker::new().instantiate(&mut store, m).unwrap();
        call(&mut store, &inst, "run", &[Val::I32(100)]).unwrap();
        let after_run = store.fuel();
        let trap = call(&mut store, &inst, "run", &[Val::I32(1_000_000)]).unwrap_err();
        assert_eq!(trap.kind(), TrapKind::OutOfFuel);
        left.push((after_run, trap.backtrace().to_vec()));
    }
    assert_eq!(left[0], left[1]);
}
