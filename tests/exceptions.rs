//! Wasm exception handling through the runtime API: the legacy encoding
//! across several frames, uncaught exceptions with their tag, payload and
//! backtrace, and exceptions crossing host boundaries in both directions.

use smelt_compiler::{Options, compile};
use smelt_runtime::{
    ExnRef, Extern, Func, FuncType, Instance, Linker, Module, Store, Tag, Trap, TrapKind, Val,
    ValType,
};

fn module_named(wat: &str, name: &str) -> Module {
    smelt_tests::module_with(
        wat,
        &Options {
            module_name: name.into(),
            ..Options::default()
        },
    )
}

fn call(
    store: &mut Store,
    instance: &Instance,
    name: &str,
    args: &[Val],
) -> Result<Vec<Val>, Trap> {
    instance
        .get_func(&mut *store, name)
        .expect("export exists")
        .call(store, args)
}

fn i32_of(r: Result<Vec<Val>, Trap>) -> i32 {
    r.expect("no trap")[0].unwrap_i32()
}

#[test]
fn legacy_try_catch_delegate_rethrow_across_frames() {
    let m = module_named(include_str!("exceptions/legacy.wat"), "legacy");
    let mut store = Store::new();
    let inst = Linker::new().instantiate(&mut store, &m).unwrap();
    let s = &mut store;
    assert_eq!(i32_of(call(s, &inst, "run", &[Val::I32(0)])), 0);
    assert_eq!(i32_of(call(s, &inst, "cleanups", &[])), 0);
    assert_eq!(i32_of(call(s, &inst, "run", &[Val::I32(5)])), 105);
    assert_eq!(i32_of(call(s, &inst, "cleanups", &[])), 1);
    assert_eq!(i32_of(call(s, &inst, "run", &[Val::I32(3)])), 103);
    assert_eq!(i32_of(call(s, &inst, "cleanups", &[])), 2);
    assert_eq!(i32_of(call(s, &inst, "delegate_out", &[Val::I32(4)])), 4);
    assert_eq!(i32_of(call(s, &inst, "delegate_out", &[Val::I32(0)])), -1);
    assert_eq!(i32_of(call(s, &inst, "nested_rethrow", &[])), 7);
    assert_eq!(i32_of(call(s, &inst, "throw_in_catch", &[])), 12);
    let r = call(s, &inst, "catch_order", &[Val::I32(1)]).unwrap();
    assert_eq!(r[0].unwrap_i64(), 42);
    let r = call(s, &inst, "catch_order", &[Val::I32(0)]).unwrap();
    assert_eq!(r[0].unwrap_i64(), 1);

    let trap = call(s, &inst, "uncaught", &[Val::I64(9)]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::UncaughtException);
    let other = inst
        .get_export(&mut *s, "other")
        .unwrap()
        .into_tag()
        .unwrap();
    assert_eq!(trap.exception_tag(), Some(other));
    assert!(matches!(trap.exception_payload(), [Val::I64(9)]));
    // The instance stays usable.
    assert_eq!(i32_of(call(s, &inst, "run", &[Val::I32(1)])), 101);
}

#[test]
fn uncaught_exception_reports_tag_payload_and_backtrace() {
    let wat = r#"(module
      (tag $e (export "e") (param i32 f64))
      (func $thrower (param i32) (throw $e (local.get 0) (f64.const 2.5)))
      (func $middle (param i32) (call $thrower (local.get 0)))
      (func (export "outer") (param i32)
        (block $h (result i32 f64)
          (try_table (catch $e $h) (call $middle (local.get 0)))
          (return))
        (drop) (drop)
        ;; caught once; throw again uncaught
        (call $middle (i32.const 99))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let m = module_named(wat, "exn");
    let mut store = Store::new();
    let inst = Linker::new().instantiate(&mut store, &m).unwrap();
    for _ in 0..3 {
        let trap = call(&mut store, &inst, "outer", &[Val::I32(1)]).unwrap_err();
        assert_eq!(trap.kind(), TrapKind::UncaughtException);
        assert_eq!(trap.message(), "uncaught exception");
        let e = inst
            .get_export(&mut store, "e")
            .unwrap()
            .into_tag()
            .unwrap();
        assert_eq!(trap.exception_tag(), Some(e));
        match trap.exception_payload() {
            [Val::I32(99), Val::F64(bits)] => assert_eq!(f64::from_bits(*bits), 2.5),
            other => panic!("payload {other:?}"),
        }
        let frames = trap.backtrace();
        let names: Vec<_> = frames
            .iter()
            .map(|f| f.func_name.clone().unwrap_or_default())
            .collect();
        assert_eq!(names, ["thrower", "middle", ""]);
        assert!(frames.iter().all(|f| f.module == "exn"));
        // `throw` is opcode 0x08 with tag 0; the calls are 0x10 0x00/0x01.
        let throw = wasm.windows(2).position(|w| w == [0x08, 0x00]).unwrap() as u32;
        assert_eq!(frames[0].wasm_offset, Some(throw));
        let calls: Vec<u32> = wasm
            .windows(2)
            .enumerate()
            .filter(|(_, w)| w[0] == 0x10 && w[1] <= 1)
            .map(|(i, _)| i as u32)
            .collect();
        assert_eq!(frames[1].wasm_offset, Some(calls[0]));
        assert_eq!(frames[2].wasm_offset, Some(*calls.last().unwrap()));
        assert!(trap.report().contains("exn!thrower"), "{}", trap.report());
    }
}

#[test]
fn host_function_throws_into_wasm() {
    let wat = r#"(module
      (tag $t (import "host" "tag") (param i32))
      (func $fail (import "host" "fail") (param i32))
      (func (export "catch") (param i32) (result i32)
        (block $h (result i32)
          (try_table (catch $t $h) (call $fail (local.get 0)))
          (i32.const -1)))
      (func (export "no_catch") (param i32) (call $fail (local.get 0))))"#;
    let m = module_named(wat, "m");
    let mut store = Store::new();
    let tag = Tag::new(&mut store, FuncType::new([ValType::I32], []));
    let fail = Func::new(
        &mut store,
        FuncType::new([ValType::I32], []),
        move |caller, args, _| {
            let exn = ExnRef::new(&mut *caller, tag, &[Val::I32(args[0].unwrap_i32() * 2)])?;
            Err(Trap::throw(exn))
        },
    );
    let mut linker = Linker::new();
    linker.define("host", "tag", Extern::Tag(tag));
    linker.define("host", "fail", Extern::Func(fail));
    let inst = linker.instantiate(&mut store, &m).unwrap();
    for i in 0..100 {
        assert_eq!(
            i32_of(call(&mut store, &inst, "catch", &[Val::I32(i)])),
            2 * i
        );
    }
    let trap = call(&mut store, &inst, "no_catch", &[Val::I32(4)]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::UncaughtException);
    assert_eq!(trap.exception_tag(), Some(tag));
    assert!(matches!(trap.exception_payload(), [Val::I32(8)]));
}

#[test]
fn exceptions_cross_nested_host_calls() {
    // wasm (outer) -> host -> wasm (inner) throws; the host propagates the
    // uncaught exception and the outer module catches it.
    let inner = module_named(
        r#"(module
          (tag $e (export "e") (param i32))
          (func (export "throw") (param i32) (throw $e (local.get 0))))"#,
        "inner",
    );
    let outer = module_named(
        r#"(module
          (tag $e (import "inner" "e") (param i32))
          (func $bridge (import "host" "bridge") (param i32))
          (func (export "run") (param i32) (result i32)
            (block $h (result i32)
              (try_table (catch $e $h) (call $bridge (local.get 0)))
              (i32.const -1))))"#,
        "outer",
    );
    let mut store = Store::new();
    let inner_inst = Linker::new().instantiate(&mut store, &inner).unwrap();
    let throw = inner_inst.get_func(&mut store, "throw").unwrap();
    let bridge = Func::new(
        &mut store,
        FuncType::new([ValType::I32], []),
        move |caller, args, _| {
            let trap = throw.call(&mut *caller, &[Val::I32(args[0].unwrap_i32() + 1)]);
            let trap = trap.expect_err("inner throws");
            assert_eq!(trap.kind(), TrapKind::UncaughtException);
            Err(trap)
        },
    );
    let mut linker = Linker::new();
    linker.define_instance(&mut store, "inner", inner_inst);
    linker.define("host", "bridge", Extern::Func(bridge));
    let inst = linker.instantiate(&mut store, &outer).unwrap();
    for i in 0..50 {
        assert_eq!(
            i32_of(call(&mut store, &inst, "run", &[Val::I32(i)])),
            i + 1
        );
    }
}

#[test]
fn exnref_values_reach_the_host_and_go_back() {
    let wat = r#"(module
      (tag $e (export "e") (param i32))
      (func (export "catch_ref") (param i32) (result exnref)
        (block $h (result exnref)
          (try_table (catch_all_ref $h) (throw $e (local.get 0)))
          (unreachable)))
      (func (export "rethrow") (param exnref) (throw_ref (local.get 0))))"#;
    let m = module_named(wat, "m");
    let mut store = Store::new();
    let inst = Linker::new().instantiate(&mut store, &m).unwrap();
    let r = call(&mut store, &inst, "catch_ref", &[Val::I32(5)]).unwrap();
    let Val::ExnRef(Some(exn)) = r[0] else {
        panic!("expected an exnref, got {r:?}")
    };
    assert!(matches!(exn.payload(&mut store)[..], [Val::I32(5)]));
    let e = inst
        .get_export(&mut store, "e")
        .unwrap()
        .into_tag()
        .unwrap();
    assert_eq!(exn.tag(&mut store), e);
    let trap = call(&mut store, &inst, "rethrow", &[Val::ExnRef(Some(exn))]).unwrap_err();
    assert_eq!(trap.exnref(), Some(exn));
    let trap = call(&mut store, &inst, "rethrow", &[Val::ExnRef(None)]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::NullReference);
}

#[test]
fn clang_cxx_program_with_wasm_exceptions() {
    // tests/exceptions/eh.cpp built by build-cxx.sh with clang-14
    // -fwasm-exceptions (legacy try/catch/rethrow encoding): a throw three
    // frames deep through a destructor's cleanup pad, a catch that
    // rethrows, and a catch by type in the caller.
    let wasm = include_bytes!("exceptions/eh.wasm");
    let artifact = compile(
        wasm,
        &Options {
            module_name: "eh".into(),
            ..Options::default()
        },
    )
    .expect("compiles");
    let m = Module::from_object(&artifact.object).expect("loads");
    let mut store = Store::new();
    let inst = Linker::new().instantiate(&mut store, &m).unwrap();
    let s = &mut store;
    assert_eq!(i32_of(call(s, &inst, "run", &[Val::I32(0)])), 2);
    assert_eq!(i32_of(call(s, &inst, "cleanup_count", &[])), 1);
    for i in 1..50 {
        assert_eq!(i32_of(call(s, &inst, "run", &[Val::I32(i)])), 1000 + i);
        // The destructor ran during unwinding too.
        assert_eq!(i32_of(call(s, &inst, "cleanup_count", &[])), 1 + i);
    }
    let trap = call(s, &inst, "uncaught", &[Val::I32(3)]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::UncaughtException);
    let names: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["__cxa_throw", "depth3(int)", "uncaught"]);
}

#[test]
fn threads_throw_and_catch_independently() {
    let m = module_named(
        r#"(module
          (tag $e (param i32))
          (func $thrower (param i32) (throw $e (local.get 0)))
          (func (export "catch") (param i32) (result i32)
            (block $h (result i32)
              (try_table (catch $e $h) (call $thrower (local.get 0)))
              (i32.const -1)))
          (func (export "uncaught") (param i32) (call $thrower (local.get 0))))"#,
        "threads",
    );
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let m = m.clone();
            std::thread::spawn(move || {
                let mut store = Store::new();
                let inst = Linker::new().instantiate(&mut store, &m).unwrap();
                for i in 0..300 {
                    let v = t * 1000 + i;
                    assert_eq!(i32_of(call(&mut store, &inst, "catch", &[Val::I32(v)])), v);
                    if i % 10 == 0 {
                        let trap = call(&mut store, &inst, "uncaught", &[Val::I32(v)]).unwrap_err();
                        assert!(matches!(trap.exception_payload(), [Val::I32(x)] if *x == v));
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread succeeded");
    }
}
