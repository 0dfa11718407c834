//! The Rust embedding API: host functions, traps, nested calls, threads.

use smelt_compiler::{Options, compile};
use smelt_runtime::{
    Extern, Func, FuncType, Instance, InstantiationError, Linker, MemoryError, Module, Store, Trap,
    TrapKind, Val, ValType,
};
use smelt_tests::{module, module_with};

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

#[test]
fn every_trap_kind_from_its_site() {
    let m = module(
        r#"(module
          (type $t (func))
          (table 2 funcref)
          (elem (i32.const 0) $nop)
          (memory 1)
          (func $nop)
          (func (export "unreachable") unreachable)
          (func (export "oob") (drop (i32.load (i32.const 65536))))
          (func (export "div0") (drop (i32.div_u (i32.const 1) (i32.const 0))))
          (func (export "overflow") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
          (func (export "conv") (drop (i32.trunc_f32_s (f32.const nan))))
          (func (export "conv_overflow") (drop (i32.trunc_f32_s (f32.const 1e10))))
          (func (export "null") (call_indirect (type $t) (i32.const 1)))
          (func (export "undefined") (call_indirect (type $t) (i32.const 5)))
          (func (export "mismatch") (drop (call_indirect (result i32) (i32.const 0))))
          (func $rec (export "stack") (call $rec))
        )"#,
    );
    let mut store = Store::new();
    let instance = Linker::new().instantiate(&mut store, &m).unwrap();
    let cases = [
        ("unreachable", TrapKind::Unreachable),
        ("oob", TrapKind::MemoryOutOfBounds),
        ("div0", TrapKind::IntegerDivideByZero),
        ("overflow", TrapKind::IntegerOverflow),
        ("conv", TrapKind::InvalidConversionToInteger),
        ("conv_overflow", TrapKind::IntegerOverflow),
        ("null", TrapKind::IndirectCallToNull),
        ("undefined", TrapKind::UndefinedElement),
        ("mismatch", TrapKind::IndirectCallSignatureMismatch),
        ("stack", TrapKind::StackOverflow),
    ];
    for _round in 0..3 {
        for (name, kind) in cases {
            let trap = call(&mut store, &instance, name, &[]).unwrap_err();
            assert_eq!(trap.kind(), kind, "{name}");
            assert_eq!(trap.backtrace()[0].module, "test", "{name}");
        }
    }
}

#[test]
fn host_functions_and_nested_calls() {
    let m = module(
        r#"(module
          (import "host" "twice" (func $twice (param i32) (result i32)))
          (import "host" "fail" (func $fail))
          (func (export "quad") (param i32) (result i32) (call $twice (call $twice (local.get 0))))
          (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
          (func (export "fail") (call $fail))
        )"#,
    );
    let mut store = Store::new();
    let mut linker = Linker::new();
    let ty = FuncType::new([ValType::I32], [ValType::I32]);
    let twice = Func::new(&mut store, ty, |_caller, args, results| {
        results[0] = Val::I32(args[0].unwrap_i32() * 2);
        Ok(())
    });
    let fail = Func::new(&mut store, FuncType::new([], []), |_, _, _| {
        Err(Trap::custom(7, "the host said no"))
    });
    linker.define("host", "twice", Extern::Func(twice));
    linker.define("host", "fail", Extern::Func(fail));
    let instance = linker.instantiate(&mut store, &m).unwrap();
    assert_eq!(
        call(&mut store, &instance, "quad", &[Val::I32(5)]).unwrap()[0].unwrap_i32(),
        20
    );
    let trap = call(&mut store, &instance, "fail", &[]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::Custom);
    assert_eq!(trap.custom_code(), 7);
    assert_eq!(trap.message(), "the host said no");
    assert_eq!(trap.backtrace().len(), 1, "{:?}", trap.backtrace());

    // wasm -> host -> wasm: a host function that calls back into the instance.
    let mut store = Store::new();
    let mut linker = Linker::new();
    let reenter = Func::new(
        &mut store,
        FuncType::new([ValType::I32], [ValType::I32]),
        |caller, args, results| {
            let inc = caller.get_export("inc").unwrap().into_func().unwrap();
            let r = inc.call(&mut *caller, &[args[0].clone()])?;
            results[0] = Val::I32(r[0].unwrap_i32() * 10);
            Ok(())
        },
    );
    linker.define("host", "twice", Extern::Func(reenter));
    linker.define("host", "fail", Extern::Func(fail_func(&mut store)));
    let instance = linker.instantiate(&mut store, &m).unwrap();
    // quad(1) = reenter(reenter(1)) = ((1+1)*10 + 1) * 10 = 210
    assert_eq!(
        call(&mut store, &instance, "quad", &[Val::I32(1)]).unwrap()[0].unwrap_i32(),
        210
    );
}

fn fail_func(store: &mut Store) -> Func {
    Func::new(store, FuncType::new([], []), |_, _, _| {
        Err(Trap::host("no"))
    })
}

#[test]
fn threads_trap_independently() {
    let m = module(
        r#"(module
          (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func $rec (export "rec") (param i32) (result i32) (i32.add (call $rec (local.get 0)) (i32.const 1))))"#,
    );
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let m = m.clone();
            std::thread::spawn(move || {
                let mut store = Store::new();
                let instance = Linker::new().instantiate(&mut store, &m).unwrap();
                for i in 0..200 {
                    let trap = call(&mut store, &instance, "div", &[Val::I32(i), Val::I32(0)])
                        .unwrap_err();
                    assert_eq!(trap.kind(), TrapKind::IntegerDivideByZero);
                    let ok = call(
                        &mut store,
                        &instance,
                        "div",
                        &[Val::I32(i * 6), Val::I32(3)],
                    )
                    .unwrap();
                    assert_eq!(ok[0].unwrap_i32(), i * 2);
                    if i % 50 == t {
                        let trap = call(&mut store, &instance, "rec", &[Val::I32(0)]).unwrap_err();
                        assert_eq!(trap.kind(), TrapKind::StackOverflow);
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("thread succeeded");
    }
}

#[test]
fn trap_sites_and_calls_map_to_wasm_offsets() {
    let wat = r#"(module
      (func $inner (param i32) (result i32) (i32.div_u (i32.const 10) (local.get 0)))
      (func $middle (param i32) (result i32) (call $inner (local.get 0)))
      (func (export "outer") (param i32) (result i32) (call $middle (local.get 0))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    // $inner is a small leaf: inlined into $middle by default. The
    // backtrace must read the same with and without inlining.
    for inline in [true, false] {
        let options = Options {
            inline,
            ..Options::default()
        };
        let artifact = compile(&wasm, &options).unwrap();
        assert_eq!(artifact.inlined_calls, usize::from(inline));
        let m = Module::from_object(&artifact.object).unwrap();
        check_inner_middle_outer(&wasm, &m);
    }
}

fn check_inner_middle_outer(wasm: &[u8], m: &Module) {
    let mut store = Store::new();
    let instance = Linker::new().instantiate(&mut store, m).unwrap();
    let trap = call(&mut store, &instance, "outer", &[Val::I32(0)]).unwrap_err();
    let frames = trap.backtrace();
    let names: Vec<_> = frames
        .iter()
        .map(|f| f.func_name.clone().unwrap_or_default())
        .collect();
    assert_eq!(names, ["inner", "middle", ""]);
    // Offsets: i32.div_u (0x6e) in $inner, then the two `call` opcodes (0x10).
    let div = wasm.iter().position(|b| *b == 0x6e).unwrap() as u32;
    assert_eq!(frames[0].wasm_offset, Some(div));
    let calls: Vec<u32> = wasm
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] == 0x10 && (w[1] == 0 || w[1] == 1))
        .map(|(i, _)| i as u32)
        .collect();
    assert_eq!(frames[1].wasm_offset, Some(calls[0]));
    assert_eq!(frames[2].wasm_offset, Some(calls[1]));
}

#[test]
fn explicit_bounds_checks_without_guard_regions() {
    let wat = r#"(module (memory (export "mem") 1 2)
      (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
      (func (export "grow") (result i32) (memory.grow (i32.const 1))))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let compile_mode = |bounds| {
        let artifact = compile(
            &wasm,
            &Options {
                bounds_checks: bounds,
                ..Options::default()
            },
        )
        .unwrap();
        Module::from_object(&artifact.object).unwrap()
    };
    let explicit = compile_mode(smelt_compiler::BoundsChecks::Explicit);
    let guard = compile_mode(smelt_compiler::BoundsChecks::Guard);

    let mut store = Store::new();
    store.set_limits(smelt_runtime::StoreLimits {
        no_guard_regions: true,
        ..Default::default()
    });
    let err = Linker::new().instantiate(&mut store, &guard).unwrap_err();
    assert!(
        matches!(err, InstantiationError::NeedsGuardRegions),
        "{err}"
    );

    let instance = Linker::new().instantiate(&mut store, &explicit).unwrap();
    let load = |store: &mut Store, at: i32| call(store, &instance, "load", &[Val::I32(at)]);
    assert_eq!(load(&mut store, 65532).unwrap()[0].unwrap_i32(), 0);
    for at in [65533, 65536, -1, i32::MIN] {
        assert_eq!(
            load(&mut store, at).unwrap_err().kind(),
            TrapKind::MemoryOutOfBounds,
            "{at}"
        );
    }
    assert_eq!(
        call(&mut store, &instance, "grow", &[]).unwrap()[0].unwrap_i32(),
        1
    );
    assert_eq!(load(&mut store, 131068).unwrap()[0].unwrap_i32(), 0);
    assert_eq!(
        load(&mut store, 131069).unwrap_err().kind(),
        TrapKind::MemoryOutOfBounds
    );
    assert_eq!(
        call(&mut store, &instance, "grow", &[]).unwrap()[0].unwrap_i32(),
        -1
    );

    // A guard-mode module must not import a memory without guard region
    // (this store's memories have none, so it refuses the module as a
    // whole, before looking at the import).
    let importer = {
        let wasm = wat::parse_str(r#"(module (import "m" "mem" (memory 1)))"#).unwrap();
        Module::from_object(&compile(&wasm, &Options::default()).unwrap().object).unwrap()
    };
    let mem = instance.get_memory(&mut store, "mem").unwrap();
    let err = Instance::new(&mut store, &importer, &[Extern::Memory(mem)]).unwrap_err();
    assert!(
        matches!(err, InstantiationError::NeedsGuardRegions),
        "{err}"
    );
}

const SHARED_COUNTER: &str = r#"(module
  (import "env" "mem" (memory 1 1 shared))
  ;; Adds 1 to the counter at 0, n times, with an atomic RMW.
  (func (export "bump") (param $n i32)
    (loop $l
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  ;; A compare-exchange spin loop incrementing the counter at 8.
  (func (export "cas_bump") (param $n i32) (local $old i32)
    (loop $l
      (loop $retry
        (local.set $old (i32.atomic.load (i32.const 8)))
        (br_if $retry (i32.ne (local.get $old)
          (i32.atomic.rmw.cmpxchg (i32.const 8) (local.get $old)
            (i32.add (local.get $old) (i32.const 1))))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1))))))
  (func (export "wait") (param $expected i32) (param $timeout i64) (result i32)
    (memory.atomic.wait32 (i32.const 16) (local.get $expected) (local.get $timeout)))
  (func (export "notify") (param $count i32) (result i32)
    (memory.atomic.notify (i32.const 16) (local.get $count)))
  (func (export "get") (param i32) (result i32) (i32.atomic.load (local.get 0))))"#;

#[test]
fn threads_share_a_memory_with_exact_atomic_results() {
    let m = module(SHARED_COUNTER);
    let shared = smelt_runtime::SharedMemory::new(smelt_runtime::MemoryType {
        shared: true,
        ..smelt_runtime::MemoryType::new(1, Some(1))
    })
    .unwrap();
    let instantiate = |store: &mut Store| {
        let mem = smelt_runtime::Memory::from_shared(&mut *store, &shared);
        Instance::new(&mut *store, &m, &[Extern::Memory(mem)]).unwrap()
    };
    const THREADS: i32 = 4;
    const N: i32 = 100_000;
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let (m, shared) = (m.clone(), shared.clone());
            std::thread::spawn(move || {
                let mut store = Store::new();
                let mem = smelt_runtime::Memory::from_shared(&mut store, &shared);
                let instance = Instance::new(&mut store, &m, &[Extern::Memory(mem)]).unwrap();
                call(&mut store, &instance, "bump", &[Val::I32(N)]).unwrap();
                call(&mut store, &instance, "cas_bump", &[Val::I32(N / 10)]).unwrap();
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let mut store = Store::new();
    let instance = instantiate(&mut store);
    let get = |store: &mut Store, at: i32| {
        call(store, &instance, "get", &[Val::I32(at)]).unwrap()[0].unwrap_i32()
    };
    assert_eq!(get(&mut store, 0), THREADS * N);
    assert_eq!(get(&mut store, 8), THREADS * (N / 10));
}

#[test]
fn wait_and_notify_with_timeouts() {
    let m = module(SHARED_COUNTER);
    let shared = smelt_runtime::SharedMemory::new(smelt_runtime::MemoryType {
        shared: true,
        ..smelt_runtime::MemoryType::new(1, Some(1))
    })
    .unwrap();
    let mut store = Store::new();
    let mem = smelt_runtime::Memory::from_shared(&mut store, &shared);
    let instance = Instance::new(&mut store, &m, &[Extern::Memory(mem)]).unwrap();
    // Value differs: "not-equal" at once.
    assert_eq!(
        call(&mut store, &instance, "wait", &[Val::I32(7), Val::I64(-1)]).unwrap()[0].unwrap_i32(),
        1
    );
    // Nobody notifies: "timed-out" after about 20 ms.
    let start = std::time::Instant::now();
    let r = call(
        &mut store,
        &instance,
        "wait",
        &[Val::I32(0), Val::I64(20_000_000)],
    )
    .unwrap();
    assert_eq!(r[0].unwrap_i32(), 2);
    assert!(start.elapsed() >= std::time::Duration::from_millis(20));
    // A waiter on another thread is woken by notify: "ok".
    let waiter = {
        let (m, shared) = (m.clone(), shared.clone());
        std::thread::spawn(move || {
            let mut store = Store::new();
            let mem = smelt_runtime::Memory::from_shared(&mut store, &shared);
            let instance = Instance::new(&mut store, &m, &[Extern::Memory(mem)]).unwrap();
            call(&mut store, &instance, "wait", &[Val::I32(0), Val::I64(-1)]).unwrap()[0]
                .unwrap_i32()
        })
    };
    // The value stays 0, so the waiter sleeps until a notify finds it.
    let mut woken = 0;
    while woken == 0 {
        std::thread::sleep(std::time::Duration::from_millis(1));
        woken = call(&mut store, &instance, "notify", &[Val::I32(1)]).unwrap()[0].unwrap_i32();
    }
    assert_eq!(woken, 1);
    assert_eq!(waiter.join().unwrap(), 0);
    // Waiting on an unshared memory traps.
    let unshared = module(
        r#"(module (memory 1) (func (export "w") (result i32)
        (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 0))))"#,
    );
    let inst = Linker::new().instantiate(&mut store, &unshared).unwrap();
    let trap = call(&mut store, &inst, "w", &[]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::ExpectedSharedMemory);
}

#[test]
fn mutual_tail_recursion_runs_in_constant_stack() {
    // 10 million mutually recursive calls: with ordinary calls this needs
    // hundreds of megabytes of stack and traps with stack exhaustion.
    let wat = r#"(module
      (func $even (export "even") (param i64) (result i32)
        (if (result i32) (i64.eqz (local.get 0))
          (then (i32.const 1))
          (else (return_call $odd (i64.sub (local.get 0) (i64.const 1))))))
      (func $odd (param i64) (result i32)
        (if (result i32) (i64.eqz (local.get 0))
          (then (i32.const 0))
          (else (return_call $even (i64.sub (local.get 0) (i64.const 1))))))
      (func $even_call (export "even_call") (param i64) (result i32)
        (if (result i32) (i64.eqz (local.get 0))
          (then (i32.const 1))
          (else (call $odd_call (i64.sub (local.get 0) (i64.const 1))))))
      (func $odd_call (param i64) (result i32)
        (if (result i32) (i64.eqz (local.get 0))
          (then (i32.const 0))
          (else (call $even_call (i64.sub (local.get 0) (i64.const 1)))))))"#;
    let m = module(wat);
    let mut store = Store::new();
    let instance = Linker::new().instantiate(&mut store, &m).unwrap();
    let even = |store: &mut Store, name: &str, n: i64| call(store, &instance, name, &[Val::I64(n)]);
    assert_eq!(
        even(&mut store, "even", 10_000_000).unwrap()[0].unwrap_i32(),
        1
    );
    assert_eq!(
        even(&mut store, "even", 10_000_001).unwrap()[0].unwrap_i32(),
        0
    );
    // The same recursion with plain calls exhausts the stack.
    let trap = even(&mut store, "even_call", 10_000_000).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::StackOverflow);
}

const SPIN: &str = r#"(module
  (func (export "spin") (loop $l (br $l)))
  (func $rec (export "recurse") (param i32) (result i32)
    (call $rec (i32.add (local.get 0) (i32.const 1))))
  (func (export "quick") (result i32) (i32.const 7)))"#;

#[test]
fn interrupt_from_another_thread_and_timeouts() {
    let interruptible = Options {
        interruptible: true,
        ..Options::default()
    };
    let m = module_with(SPIN, &interruptible);
    let mut store = Store::new();
    let instance = Linker::new().instantiate(&mut store, &m).unwrap();
    let handle = store.interrupt_handle();
    let interrupter = std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(50));
        handle.interrupt();
    });
    let trap = call(&mut store, &instance, "spin", &[]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::Interrupted);
    interrupter.join().unwrap();
    // The instance is usable afterwards and the flag was cleared.
    assert_eq!(
        call(&mut store, &instance, "quick", &[]).unwrap()[0].unwrap_i32(),
        7
    );

    // A timeout interrupts an infinite loop, and only overrunning calls.
    store.set_timeout(Some(std::time::Duration::from_millis(30)));
    let start = std::time::Instant::now();
    let trap = call(&mut store, &instance, "spin", &[]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::Interrupted);
    assert!(start.elapsed() >= std::time::Duration::from_millis(30));
    for _ in 0..100 {
        assert_eq!(
            call(&mut store, &instance, "quick", &[]).unwrap()[0].unwrap_i32(),
            7
        );
    }

    // Code without interruption checks cannot be given a timeout.
    let plain = module_with(SPIN, &Options::default());
    let err = Linker::new().instantiate(&mut store, &plain).unwrap_err();
    assert!(matches!(err, InstantiationError::NotInterruptible), "{err}");
}

#[test]
fn resource_limits() {
    let m = module(
        r#"(module (memory (export "mem") 1) (table 1 funcref)
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "tgrow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0))))"#,
    );
    let mut store = Store::new();
    store.set_limits(smelt_runtime::StoreLimits {
        max_memory_pages: Some(4),
        max_table_elements: Some(10),
        max_instances: Some(2),
        ..Default::default()
    });
    let instance = Linker::new().instantiate(&mut store, &m).unwrap();
    let grow = |store: &mut Store, f: &str, n: i32| {
        call(store, &instance, f, &[Val::I32(n)]).unwrap()[0].unwrap_i32()
    };
    assert_eq!(grow(&mut store, "grow", 3), 1);
    assert_eq!(grow(&mut store, "grow", 1), -1, "past max_memory_pages");
    assert_eq!(grow(&mut store, "tgrow", 9), 1);
    assert_eq!(grow(&mut store, "tgrow", 1), -1, "past max_table_elements");
    Linker::new().instantiate(&mut store, &m).unwrap();
    let err = Linker::new().instantiate(&mut store, &m).unwrap_err();
    assert!(
        matches!(err, InstantiationError::InstanceLimit { max: 2 }),
        "{err}"
    );
    // A module whose minimum exceeds the limit does not instantiate.
    let big = module(r#"(module (memory 8))"#);
    let mut store = Store::new();
    store.set_limits(smelt_runtime::StoreLimits {
        max_memory_pages: Some(4),
        ..Default::default()
    });
    let err = Linker::new().instantiate(&mut store, &big).unwrap_err();
    assert!(
        matches!(
            err,
            InstantiationError::Memory(MemoryError::MinimumExceedsLimit { pages: 8 })
        ),
        "{err}"
    );
}

#[test]
fn trap_kinds_from_libcalls_references_and_hosts() {
    let m = module(
        r#"(module
          (import "host" "error" (func $error))
          (import "host" "custom" (func $custom))
          (type $t (func))
          (table $tab 2 funcref)
          (memory 1)
          (func (export "table_get") (drop (table.get $tab (i32.const 7))))
          (func (export "table_fill") (table.fill $tab (i32.const 1) (ref.null func) (i32.const 5)))
          (func (export "memory_fill") (memory.fill (i32.const 65530) (i32.const 0) (i32.const 10)))
          (func (export "memory_copy") (memory.copy (i32.const 0) (i32.const 65535) (i32.const 2)))
          (func (export "as_non_null") (drop (ref.as_non_null (ref.null func))))
          (func (export "call_ref_null") (call_ref $t (ref.null $t)))
          (func (export "host_error") (call $error))
          (func (export "custom") (call $custom)))"#,
    );
    let mut store = Store::new();
    let error = Func::new(&mut store, FuncType::new([], []), |_, _, _| {
        Err(Trap::host("the host failed"))
    });
    let custom = Func::new(&mut store, FuncType::new([], []), |_, _, _| {
        Err(Trap::custom(42, "custom 42"))
    });
    let mut linker = Linker::new();
    linker.define("host", "error", Extern::Func(error));
    linker.define("host", "custom", Extern::Func(custom));
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let cases = [
        ("table_get", TrapKind::TableOutOfBounds),
        ("table_fill", TrapKind::TableOutOfBounds),
        ("memory_fill", TrapKind::MemoryOutOfBounds),
        ("memory_copy", TrapKind::MemoryOutOfBounds),
        ("as_non_null", TrapKind::NullReference),
        ("call_ref_null", TrapKind::NullFunctionReference),
        ("host_error", TrapKind::HostError),
        ("custom", TrapKind::Custom),
    ];
    for _round in 0..3 {
        for (name, kind) in cases {
            let trap = call(&mut store, &instance, name, &[]).unwrap_err();
            assert_eq!(trap.kind(), kind, "{name}");
            // Every one names the wasm function it happened in.
            assert_eq!(
                trap.backtrace()[0].func_index,
                2 + cases.iter().position(|c| c.0 == name).unwrap() as u32,
                "{name}"
            );
            assert!(trap.backtrace()[0].wasm_offset.is_some(), "{name}");
        }
    }
    let trap = call(&mut store, &instance, "custom", &[]).unwrap_err();
    assert_eq!((trap.custom_code(), trap.message()), (42, "custom 42"));
    let trap = call(&mut store, &instance, "host_error", &[]).unwrap_err();
    assert_eq!(trap.message(), "the host failed");
}

/// The report shows names from the name section demangled (Rust legacy
/// and v0, C++ Itanium); each frame keeps the raw name next to its
/// demangled one, and names that are not manglings, or malformed ones,
/// stay as they are. The fixture's comment lists the symbols.
#[test]
fn backtraces_demangle_rust_and_cpp_names() {
    let wat = include_str!("demangle/mangled.wat");
    let m = module_with(
        wat,
        &Options {
            module_name: "mangled".into(),
            ..Options::default()
        },
    );
    let mut store = Store::new();
    let instance = Linker::new().instantiate(&mut store, &m).unwrap();
    let trap = call(&mut store, &instance, "run", &[]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::IntegerDivideByZero);
    let raw: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.func_name.as_deref().unwrap())
        .collect();
    assert_eq!(
        raw,
        [
            "_ZNK8geometry5Shape4areaEi",
            "_ZN3foo",
            "_RNvMNtCs6xxl1lAjzDf_1a8geometryNtB2_5Shape4area",
            "_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17he39bdf0230cb3880E",
            "_RNvNtCsjrHSEGnQ3l9_3std2rt",
            "_RNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal",
            "v",
            "run",
        ]
    );
    let demangled: Vec<_> = trap
        .backtrace()
        .iter()
        .map(|f| f.demangled_name().unwrap().into_owned())
        .collect();
    assert_eq!(
        demangled,
        [
            "geometry::Shape::area(int) const",
            "_ZN3foo",
            "<a::geometry::Shape>::area",
            "std::rt::lang_start::{{closure}}",
            "_RNvNtCsjrHSEGnQ3l9_3std2rt",
            "std::rt::lang_start_internal",
            "v",
            "run",
        ]
    );
    // The offsets are the ones Wasmtime reports for the same module.
    assert_eq!(trap.report(), MANGLED_REPORT);
}

/// `tests/demangle/mangled.wat`'s `run` trap as `smelt run`, executables
/// and `Trap::report` print it.
const MANGLED_REPORT: &str = include_str!("demangle/mangled.report");
