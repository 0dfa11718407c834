//! The typed Rust API: typed calls checked at lookup, host functions from
//! closures, traps as `Result`, and the host heap in linear memory.

use smelt_runtime::{
    AllocError, Caller, ExternRef, Func, InstantiationError, Linker, Memory, MemoryType,
    SharedMemory, Store, Trap, TrapKind, TypedFuncError, V128,
};
use smelt_tests::module;

const MODULE: &str = r#"
(module
  (import "env" "double" (func $double (param i32) (result i32)))
  (import "env" "checked_div" (func $checked_div (param i32 i32) (result i32)))
  (import "env" "note" (func $note (param i64 f32 f64)))
  (import "env" "swap" (func $swap (param i32 i64) (result i64 i32)))
  (memory (export "memory") 1)
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "nothing"))
  (func (export "mix") (param i64 f32 f64) (result f64)
    (call $note (local.get 0) (local.get 1) (local.get 2))
    (f64.add (f64.add (f64.convert_i64_s (local.get 0)) (f64.promote_f32 (local.get 1)))
             (local.get 2)))
  (func (export "divmod") (param i32 i32) (result i32 i32)
    (i32.div_u (local.get 0) (local.get 1)) (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "vadd") (param v128 v128) (result v128) (i32x4.add (local.get 0) (local.get 1)))
  (func (export "quad") (param i32) (result i32) (call $double (call $double (local.get 0))))
  (func (export "div") (param i32 i32) (result i32)
    (call $checked_div (local.get 0) (local.get 1)))
  (func (export "swapped") (result i64 i32) (call $swap (i32.const 7) (i64.const -1)))
  (func (export "sum") (param $ptr i32) (param $len i32) (result i32)
    (local $s i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $ptr))))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $l)))
    (local.get $s))
  (func (export "ident") (param externref) (result externref) (local.get 0))
  (elem declare func $double)
  (func (export "fref") (result funcref) (ref.func $double))
  (func (export "boom") unreachable)
)
"#;

#[test]
fn typed_calls_and_closures() {
    let m = module(MODULE);
    let mut store = Store::new();
    let mut linker = Linker::new();
    let noted = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let noted2 = noted.clone();
    linker
        .define(
            "env",
            "double",
            Func::wrap(&mut store, |x: i32| x * 2).into(),
        )
        .define(
            "env",
            "checked_div",
            Func::wrap(&mut store, |_: &mut Caller, a: i32, b: i32| {
                a.checked_div(b)
                    .ok_or_else(|| Trap::custom(7, "division by zero in the host"))
            })
            .into(),
        )
        .define(
            "env",
            "note",
            Func::wrap(&mut store, move |a: i64, b: f32, c: f64| {
                noted2.lock().unwrap().push(format!("{a} {b} {c}"));
            })
            .into(),
        )
        .define(
            "env",
            "swap",
            Func::wrap(&mut store, |a: i32, b: i64| (b, a)).into(),
        );
    let instance = linker.instantiate(&mut store, &m).unwrap();

    let add = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "add")
        .unwrap();
    assert_eq!(add.call(&mut store, (40, 2)).unwrap(), 42);
    let nothing = instance
        .get_typed_func::<(), ()>(&mut store, "nothing")
        .unwrap();
    nothing.call(&mut store, ()).unwrap();
    let mix = instance
        .get_typed_func::<(i64, f32, f64), f64>(&mut store, "mix")
        .unwrap();
    assert_eq!(
        mix.call(&mut store, (1 << 40, 0.5, 0.25)).unwrap(),
        1099511627776.75
    );
    assert_eq!(noted.lock().unwrap().as_slice(), ["1099511627776 0.5 0.25"]);
    let divmod = instance
        .get_typed_func::<(u32, u32), (u32, u32)>(&mut store, "divmod")
        .unwrap();
    assert_eq!(divmod.call(&mut store, (17, 5)).unwrap(), (3, 2));
    let vadd = instance
        .get_typed_func::<(V128, V128), V128>(&mut store, "vadd")
        .unwrap();
    let v = |a: u32, b: u32| V128(u128::from(a) | (u128::from(b) << 96));
    assert_eq!(
        vadd.call(&mut store, (v(1, 2), v(10, 20))).unwrap(),
        v(11, 22)
    );
    let quad = instance
        .get_typed_func::<i32, i32>(&mut store, "quad")
        .unwrap();
    assert_eq!(quad.call(&mut store, 5).unwrap(), 20);
    let swapped = instance
        .get_typed_func::<(), (i64, i32)>(&mut store, "swapped")
        .unwrap();
    assert_eq!(swapped.call(&mut store, ()).unwrap(), (-1, 7));

    // References.
    let ident = instance
        .get_typed_func::<Option<ExternRef>, Option<ExternRef>>(&mut store, "ident")
        .unwrap();
    let r = ExternRef::new(&mut store, 99);
    let back = ident.call(&mut store, Some(r)).unwrap().unwrap();
    assert_eq!(back.payload(&mut store), 99);
    assert!(ident.call(&mut store, None).unwrap().is_none());
    let fref = instance
        .get_typed_func::<(), Option<Func>>(&mut store, "fref")
        .unwrap();
    let double = fref.call(&mut store, ()).unwrap().unwrap();
    assert_eq!(
        double
            .typed::<i32, i32>(&mut store)
            .unwrap()
            .call(&mut store, 21)
            .unwrap(),
        42
    );

    // Traps are `Err`, from wasm and from a closure, and the instance
    // stays usable.
    let div = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "div")
        .unwrap();
    assert_eq!(div.call(&mut store, (7, 2)).unwrap(), 3);
    let trap = div.call(&mut store, (1, 0)).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::Custom);
    assert_eq!(trap.custom_code(), 7);
    assert_eq!(trap.message(), "division by zero in the host");
    let boom = instance
        .get_typed_func::<(), ()>(&mut store, "boom")
        .unwrap();
    assert_eq!(
        boom.call(&mut store, ()).unwrap_err().kind(),
        TrapKind::Unreachable
    );
    assert_eq!(add.call(&mut store, (1, 1)).unwrap(), 2);

    // A typed host function called from the host directly.
    let double = Func::wrap(&mut store, |caller: &mut Caller, x: i32| {
        assert!(caller.get_export("memory").is_none());
        x * 2
    });
    assert_eq!(
        double
            .typed::<i32, i32>(&mut store)
            .unwrap()
            .call(&mut store, 4)
            .unwrap(),
        8
    );
}

#[test]
fn types_are_checked_at_lookup() {
    let m = module(MODULE);
    let mut store = Store::new();
    let mut linker = Linker::new();
    linker
        .define("env", "double", Func::wrap(&mut store, |x: i32| x).into())
        .define(
            "env",
            "checked_div",
            Func::wrap(&mut store, |a: i32, _: i32| a).into(),
        )
        .define(
            "env",
            "note",
            Func::wrap(&mut store, |_: i64, _: f32, _: f64| {}).into(),
        )
        .define(
            "env",
            "swap",
            Func::wrap(&mut store, |a: i32, b: i64| (b, a)).into(),
        );
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let err = instance
        .get_typed_func::<(i32, i64), i32>(&mut store, "add")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "type mismatch: the function is (func (param i32 i32) (result i32)), \
         the Rust types ask for (func (param i32 i64) (result i32))"
    );
    assert!(matches!(
        instance.get_typed_func::<(i32, i32), ()>(&mut store, "add"),
        Err(TypedFuncError::TypeMismatch { .. })
    ));
    assert_eq!(
        instance
            .get_typed_func::<(), ()>(&mut store, "missing")
            .unwrap_err(),
        TypedFuncError::NoSuchExport("missing".into())
    );
    assert_eq!(
        instance
            .get_typed_func::<(), ()>(&mut store, "memory")
            .unwrap_err(),
        TypedFuncError::NotAFunction("memory".into())
    );
    // A host function of the wrong type is a link error at instantiation.
    let mut linker = Linker::new();
    linker
        .define("env", "double", Func::wrap(&mut store, |x: i64| x).into())
        .define(
            "env",
            "checked_div",
            Func::wrap(&mut store, |a: i32, _: i32| a).into(),
        )
        .define(
            "env",
            "note",
            Func::wrap(&mut store, |_: i64, _: f32, _: f64| {}).into(),
        )
        .define(
            "env",
            "swap",
            Func::wrap(&mut store, |a: i32, b: i64| (b, a)).into(),
        );
    let err = linker.instantiate(&mut store, &m).unwrap_err();
    assert!(
        matches!(&err, InstantiationError::ImportType { module, name }
            if module == "env" && name == "double"),
        "{err}"
    );
}

#[test]
fn host_heap_passes_buffers() {
    let m = module(MODULE);
    let mut store = Store::new();
    let mut linker = Linker::new();
    linker
        .define("env", "double", Func::wrap(&mut store, |x: i32| x).into())
        .define(
            "env",
            "checked_div",
            Func::wrap(&mut store, |a: i32, _: i32| a).into(),
        )
        .define(
            "env",
            "note",
            Func::wrap(&mut store, |_: i64, _: f32, _: f64| {}).into(),
        )
        .define(
            "env",
            "swap",
            Func::wrap(&mut store, |a: i32, b: i64| (b, a)).into(),
        );
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    let sum = instance
        .get_typed_func::<(u32, u32), u32>(&mut store, "sum")
        .unwrap();

    let bytes: Vec<u8> = (1..=100).collect();
    let ptr = memory.alloc(&mut store, bytes.len() as u64, 1).unwrap();
    // The heap takes fresh pages: the module's own page is left alone.
    assert_eq!(ptr, 65536);
    assert_eq!(memory.size(&mut store), 2);
    memory.write(&mut store, ptr, &bytes).unwrap();
    assert_eq!(sum.call(&mut store, (ptr as u32, 100)).unwrap(), 5050);
    let second = memory.alloc(&mut store, 8, 64).unwrap();
    assert_eq!(second % 64, 0);
    memory.free(&mut store, ptr).unwrap();
    assert_eq!(
        memory.free(&mut store, ptr),
        Err(AllocError::DoubleFree(ptr))
    );
    assert_eq!(
        memory.free(&mut store, second + 4),
        Err(AllocError::InvalidAddress(second + 4))
    );
    // Freed space is reused, first fit.
    assert_eq!(memory.alloc(&mut store, 10, 1).unwrap(), ptr);
    assert_eq!(
        memory.alloc(&mut store, 1 << 33, 8),
        Err(AllocError::OutOfMemory { size: 1 << 33 })
    );

    // A memory the host owns entirely.
    let own = Memory::new(&mut store, MemoryType::new(1, Some(2))).unwrap();
    own.add_heap_region(&mut store, 0, 65536).unwrap();
    assert_eq!(own.alloc(&mut store, 16, 8).unwrap(), 8);
    assert_eq!(
        own.add_heap_region(&mut store, 0, 1 << 20),
        Err(AllocError::InvalidRegion {
            start: 0,
            len: 1 << 20
        })
    );
}

#[test]
fn shared_heap_from_threads() {
    let mut ty = MemoryType::new(1, Some(64));
    ty.shared = true;
    let shared = SharedMemory::new(ty).unwrap();
    let handles: Vec<_> = (0..4)
        .map(|_| {
            let shared = shared.clone();
            std::thread::spawn(move || {
                (0..200)
                    .map(|i| shared.alloc(1 + i % 50, 8).unwrap())
                    .collect::<Vec<u64>>()
            })
        })
        .collect();
    let mut all: Vec<u64> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(all.len(), n, "every block is distinct");
    for a in all {
        shared.free(a).unwrap();
    }
}
