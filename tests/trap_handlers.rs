//! Host trap handlers and recovery strategies, fault chaining for faults
//! outside wasm, and deep (truncated) backtraces. Tests that must crash
//! re-run this test binary as a child process (`SMELT_TEST_CHILD`).

use smelt_runtime::{
    Extern, Func, FuncType, Instance, Linker, Recovery, Store, Trap, TrapFilter, TrapKind, Val,
    ValType,
};
use smelt_tests::module;
use std::os::unix::process::ExitStatusExt;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const WAT: &str = r#"(module
  (import "host" "custom" (func $custom (param i32)))
  (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "unreachable") (result i32) unreachable)
  (func (export "custom") (param i32) (result i64) (call $custom (local.get 0)) (i64.const 5))
  (func $rec (export "rec") (param i32) (result i32) (i32.add (call $rec (local.get 0)) (i32.const 1))))"#;

fn setup() -> (Store, Instance) {
    let mut store = Store::new();
    let custom = Func::new(
        &mut store,
        FuncType::new([ValType::I32], []),
        |_, args, _| {
            let code = args[0].unwrap_i32() as u32;
            Err(Trap::custom(code, format!("custom trap {code}")))
        },
    );
    let mut linker = Linker::new();
    linker.define("host", "custom", Extern::Func(custom));
    let instance = linker.instantiate(&mut store, &module(WAT)).unwrap();
    (store, instance)
}

fn call(store: &mut Store, inst: &Instance, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
    inst.get_func(&mut *store, name).unwrap().call(store, args)
}

#[test]
fn propagate_is_the_default() {
    let (mut store, inst) = setup();
    let trap = call(&mut store, &inst, "div", &[Val::I32(1), Val::I32(0)]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::IntegerDivideByZero);
    // A host function's trap (delivered without a signal) still has the
    // calling wasm frame, at the offset of its `call`.
    let trap = call(&mut store, &inst, "custom", &[Val::I32(3)]).unwrap_err();
    assert_eq!((trap.kind(), trap.custom_code()), (TrapKind::Custom, 3));
    let wasm = wat::parse_str(WAT).unwrap();
    let call_op = wasm.windows(2).position(|w| w == [0x10, 0x00]).unwrap() as u32;
    assert_eq!(trap.backtrace().len(), 1);
    assert_eq!(trap.backtrace()[0].func_index, 3);
    assert_eq!(trap.backtrace()[0].wasm_offset, Some(call_op));
    let count = Arc::new(AtomicUsize::new(0));
    let c = count.clone();
    store.push_trap_handler(TrapFilter::All, move |_, _| {
        c.fetch_add(1, Ordering::SeqCst);
        Recovery::Propagate
    });
    let trap = call(&mut store, &inst, "unreachable", &[]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::Unreachable);
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

#[test]
fn recover_returns_a_host_value_and_the_instance_stays_usable() {
    let (mut store, inst) = setup();
    store.push_trap_handler(TrapFilter::Kind(TrapKind::IntegerDivideByZero), |t, ty| {
        assert_eq!(t.backtrace()[0].module, "test");
        assert_eq!(ty.results(), [ValType::I32]);
        Recovery::Return(vec![Val::I32(i32::MAX)])
    });
    for i in 0..100 {
        let r = call(&mut store, &inst, "div", &[Val::I32(i), Val::I32(0)]).unwrap();
        assert_eq!(r[0].unwrap_i32(), i32::MAX);
        let r = call(&mut store, &inst, "div", &[Val::I32(6 * i), Val::I32(3)]).unwrap();
        assert_eq!(r[0].unwrap_i32(), 2 * i);
    }
    // Other kinds are not this handler's business.
    let trap = call(&mut store, &inst, "unreachable", &[]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::Unreachable);
    // Values of the wrong type are refused (the trap is reported instead).
    store.push_trap_handler(TrapFilter::Kind(TrapKind::Unreachable), |_, _| {
        Recovery::Return(vec![Val::I64(1)])
    });
    let trap = call(&mut store, &inst, "unreachable", &[]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::HostError);
    assert!(trap.message().contains("unreachable"), "{}", trap.message());
}

#[test]
fn innermost_matching_handler_decides_and_custom_codes_filter() {
    let (mut store, inst) = setup();
    store.push_trap_handler(TrapFilter::All, |_, _| Recovery::Return(vec![Val::I64(-1)]));
    let seven = store.push_trap_handler(TrapFilter::Custom(7), |t, _| {
        assert_eq!(t.custom_code(), 7);
        Recovery::Return(vec![Val::I64(7)])
    });
    let any_custom = store.push_trap_handler(TrapFilter::Kind(TrapKind::Custom), |_, _| {
        Recovery::Propagate
    });
    // The innermost matching handler (any custom code) propagates.
    let trap = call(&mut store, &inst, "custom", &[Val::I32(7)]).unwrap_err();
    assert_eq!((trap.kind(), trap.custom_code()), (TrapKind::Custom, 7));
    assert!(store.remove_trap_handler(any_custom));
    let r = call(&mut store, &inst, "custom", &[Val::I32(7)]).unwrap();
    assert_eq!(r[0].unwrap_i64(), 7);
    // Code 8 skips the code-7 handler and reaches the catch-all.
    let r = call(&mut store, &inst, "custom", &[Val::I32(8)]).unwrap();
    assert_eq!(r[0].unwrap_i64(), -1);
    assert!(store.remove_trap_handler(seven));
    assert!(!store.remove_trap_handler(seven));
    assert!(store.pop_trap_handler());
    assert!(!store.pop_trap_handler());
}

#[test]
fn deep_backtraces_say_how_many_frames_were_left_out() {
    let (mut store, inst) = setup();
    let trap = call(&mut store, &inst, "rec", &[Val::I32(0)]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::StackOverflow);
    assert_eq!(trap.backtrace().len(), 128);
    assert!(trap.omitted_frames() > 1000, "{}", trap.omitted_frames());
    let report = trap.report();
    let last = report.lines().last().unwrap();
    assert_eq!(last, format!("  ... {} more frames", trap.omitted_frames()));
    // The thread survives and calls again.
    let r = call(&mut store, &inst, "div", &[Val::I32(9), Val::I32(3)]).unwrap();
    assert_eq!(r[0].unwrap_i32(), 3);
}

/// Runs test `name` of this binary in a child with `SMELT_TEST_CHILD=name`.
fn run_child(name: &str) -> std::process::Output {
    Command::new(std::env::current_exe().unwrap())
        .args(["--exact", name, "--nocapture", "--test-threads=1"])
        .env("SMELT_TEST_CHILD", name)
        .output()
        .unwrap()
}

fn is_child(name: &str) -> bool {
    std::env::var("SMELT_TEST_CHILD").as_deref() == Ok(name)
}

#[test]
fn abort_strategy_prints_the_report_and_aborts() {
    const NAME: &str = "abort_strategy_prints_the_report_and_aborts";
    if is_child(NAME) {
        let (mut store, inst) = setup();
        store.push_trap_handler(TrapFilter::Kind(TrapKind::IntegerDivideByZero), |_, _| {
            Recovery::Abort
        });
        let _ = call(&mut store, &inst, "div", &[Val::I32(1), Val::I32(0)]);
        unreachable!("the handler aborts");
    }
    let out = run_child(NAME);
    assert_eq!(out.status.signal(), Some(libc_sigabrt()), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error: wasm trap: integer divide by zero\n  0: 0x"),
        "{stderr}"
    );
}

#[test]
fn host_fault_outside_wasm_still_crashes_with_sigsegv() {
    const NAME: &str = "host_fault_outside_wasm_still_crashes_with_sigsegv";
    if is_child(NAME) {
        let mut store = Store::new();
        let bad = Func::new(&mut store, FuncType::new([], []), |_, _, _| {
            let null: *const u32 = std::ptr::null();
            // SAFETY: not safe at all: this test checks that a host bug
            // crashes the process instead of becoming a wasm trap.
            let v = unsafe { std::ptr::read_volatile(null) };
            println!("read {v}");
            Ok(())
        });
        let m = module(
            r#"(module (import "host" "bad" (func $bad))
                 (func (export "run") (call $bad)))"#,
        );
        let mut linker = Linker::new();
        linker.define("host", "bad", Extern::Func(bad));
        let inst = linker.instantiate(&mut store, &m).unwrap();
        let r = call(&mut store, &inst, "run", &[]);
        println!("returned {:?}", r.err());
        return;
    }
    let out = run_child(NAME);
    assert_eq!(out.status.signal(), Some(11), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("returned"));
}

fn libc_sigabrt() -> i32 {
    6
}
