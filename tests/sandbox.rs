//! The sandbox holds at its edges: loads and stores at every offset
//! pattern near the end of memory (offset immediates up to 4 GiB and, for
//! memory64, beyond) trap exactly when the access leaves the memory and
//! otherwise read what the memory holds — in guard and explicit mode,
//! memory32 and memory64, before and after `memory.grow`; a trapping store
//! writes nothing; `memory.grow` past a declared maximum or a store limit
//! returns -1; tables and indirect calls stay inside their bounds.

use smelt_compiler::{BoundsChecks, Options};
use smelt_runtime::{
    InstantiationError, Linker, MemoryError, Module, Store, StoreLimits, Trap, TrapKind, Val,
};

fn module(wat: &str, bounds_checks: BoundsChecks) -> Module {
    smelt_tests::module_with(
        wat,
        &Options {
            bounds_checks,
            ..Options::default()
        },
    )
}

/// (name, wasm instruction, access size, value type)
const LOADS: [(&str, &str, u64, &str); 7] = [
    ("l8", "i32.load8_u", 1, "i32"),
    ("l16", "i32.load16_u", 2, "i32"),
    ("l32", "i32.load", 4, "i32"),
    ("l64", "i64.load", 8, "i64"),
    ("lf64", "f64.load", 8, "f64"),
    ("l32u", "i64.load32_u", 4, "i64"),
    ("l128", "v128.load", 16, "v128"),
];

const STORES: [(&str, &str, u64, &str); 5] = [
    ("s8", "i32.store8", 1, "i32"),
    ("s16", "i32.store16", 2, "i32"),
    ("s32", "i32.store", 4, "i32"),
    ("s64", "i64.store", 8, "i64"),
    ("s128", "v128.store", 16, "v128"),
];

const OFFSETS32: [u64; 18] = [
    0,
    1,
    2,
    3,
    4,
    7,
    8,
    15,
    16,
    0xfff0,
    0xffff,
    0x1_0000,
    0x1_0001,
    0x7fff_ffff,
    0x8000_0000,
    0xffff_0000,
    0xffff_fff0,
    0xffff_ffff,
];

const OFFSETS64_EXTRA: [u64; 6] = [
    0x1_0000_0000,
    0x1_0000_0001,
    1 << 40,
    0x7fff_ffff_ffff_ffff,
    u64::MAX - 15,
    u64::MAX,
];

fn offsets(mem64: bool) -> Vec<u64> {
    let mut v = OFFSETS32.to_vec();
    if mem64 {
        v.extend(OFFSETS64_EXTRA);
    }
    v
}

fn access_module(mem64: bool) -> String {
    let idx = if mem64 { "i64" } else { "i32" };
    let mut wat = format!("(module\n (memory (export \"mem\") {idx} 1 2)\n");
    for (k, off) in offsets(mem64).iter().enumerate() {
        for (name, insn, _, ty) in LOADS {
            wat.push_str(&format!(
                " (func (export \"{name}_{k}\") (param {idx}) (result {ty}) ({insn} offset={off} (local.get 0)))\n"
            ));
        }
        for (name, insn, _, ty) in STORES {
            wat.push_str(&format!(
                " (func (export \"{name}_{k}\") (param {idx} {ty}) ({insn} offset={off} (local.get 0) (local.get 1)))\n"
            ));
        }
    }
    wat.push_str(&format!(
        " (func (export \"grow\") (param {idx}) (result {idx}) (memory.grow (local.get 0)))\n)"
    ));
    wat
}

fn pattern(i: usize) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 8)).wrapping_add(7) as u8
}

/// Addresses around the end of a memory of `len` bytes, and far away.
fn addresses(len: u64, mem64: bool) -> Vec<u64> {
    let mut v = vec![0, 1, 0x7fff_ffff, 0x8000_0000, 0xffff_fff0, 0xffff_ffff];
    v.extend((len - 17)..=len + 1);
    v.push(len + 15);
    v.push(len.wrapping_mul(2));
    if mem64 {
        v.extend([0x1_0000_0000, 0x1_0000_0010, u64::MAX - 15, u64::MAX]);
    }
    v
}

fn addr_val(a: u64, mem64: bool) -> Val {
    if mem64 {
        Val::I64(a as i64)
    } else {
        Val::I32(a as u32 as i32)
    }
}

/// The little-endian value of `size` bytes of the pattern at `ea`.
fn expected_bits(ea: u64, size: u64) -> u128 {
    (0..size).rev().fold(0u128, |acc, i| {
        (acc << 8) | u128::from(pattern((ea + i) as usize))
    })
}

fn val_bits(v: &Val) -> u128 {
    match v {
        Val::I32(x) => u128::from(*x as u32),
        Val::I64(x) => u128::from(*x as u64),
        Val::F64(x) => u128::from(*x),
        Val::V128(x) => *x,
        other => panic!("unexpected {other:?}"),
    }
}

fn check_accesses(mem64: bool, bounds: BoundsChecks) {
    let m = module(&access_module(mem64), bounds);
    let mut store = Store::new();
    let instance = Linker::new().instantiate(&mut store, &m).unwrap();
    let mem = instance.get_memory(&mut store, "mem").unwrap();
    let what = format!("memory{} {bounds:?}", if mem64 { 64 } else { 32 });
    for round in 0..2 {
        if round == 1 {
            let grow = instance.get_func(&mut store, "grow").unwrap();
            let r = grow.call(&mut store, &[addr_val(1, mem64)]).unwrap();
            assert_eq!(val_bits(&r[0]), 1, "{what}: grow from 1 page");
        }
        let len = mem.data(&mut store).len() as u64;
        for (i, b) in mem.data_mut(&mut store).iter_mut().enumerate() {
            *b = pattern(i);
        }
        for (k, off) in offsets(mem64).iter().enumerate() {
            for addr in addresses(len, mem64) {
                let ea = u128::from(addr) + u128::from(*off);
                for (name, _, size, _) in LOADS {
                    let f = instance
                        .get_func(&mut store, &format!("{name}_{k}"))
                        .unwrap();
                    let r = f.call(&mut store, &[addr_val(addr, mem64)]);
                    let inside = ea + u128::from(size) <= u128::from(len);
                    match r {
                        Ok(v) => {
                            assert!(
                                inside,
                                "{what}: {name} addr {addr:#x} offset {off:#x} len {len:#x} did not trap"
                            );
                            assert_eq!(
                                val_bits(&v[0]),
                                expected_bits(ea as u64, size),
                                "{what}: {name} addr {addr:#x} offset {off:#x} read the wrong bytes"
                            );
                        }
                        Err(t) => {
                            assert!(
                                !inside,
                                "{what}: {name} addr {addr:#x} offset {off:#x} len {len:#x}: {t}"
                            );
                            assert_eq!(t.kind(), TrapKind::MemoryOutOfBounds, "{what}: {t}");
                        }
                    }
                }
                for (name, _, size, ty) in STORES {
                    let f = instance
                        .get_func(&mut store, &format!("{name}_{k}"))
                        .unwrap();
                    let value = match ty {
                        "i32" => Val::I32(-1),
                        "i64" => Val::I64(-1),
                        _ => Val::V128(u128::MAX),
                    };
                    let before = mem.data(&mut store)[(len - 32) as usize..].to_vec();
                    let r = f.call(&mut store, &[addr_val(addr, mem64), value]);
                    let inside = ea + u128::from(size) <= u128::from(len);
                    match r {
                        Ok(_) => {
                            assert!(
                                inside,
                                "{what}: {name} addr {addr:#x} offset {off:#x} len {len:#x} did not trap"
                            );
                            let data = mem.data_mut(&mut store);
                            let ea = ea as usize;
                            assert!(data[ea..ea + size as usize].iter().all(|b| *b == 0xff));
                            // Restore the pattern.
                            for (i, b) in data[ea..ea + size as usize].iter_mut().enumerate() {
                                *b = pattern(ea + i);
                            }
                        }
                        Err(t) => {
                            assert!(
                                !inside,
                                "{what}: {name} addr {addr:#x} offset {off:#x}: {t}"
                            );
                            assert_eq!(t.kind(), TrapKind::MemoryOutOfBounds, "{what}: {t}");
                            let after = &mem.data(&mut store)[(len - 32) as usize..];
                            assert_eq!(
                                after,
                                &before[..],
                                "{what}: {name} addr {addr:#x} offset {off:#x} trapped but wrote"
                            );
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn memory32_guard_accesses_near_the_end() {
    check_accesses(false, BoundsChecks::Guard);
}

#[test]
fn memory32_explicit_accesses_near_the_end() {
    check_accesses(false, BoundsChecks::Explicit);
}

#[test]
fn memory64_guard_accesses_near_the_end() {
    check_accesses(true, BoundsChecks::Guard);
}

#[test]
fn memory64_explicit_accesses_near_the_end() {
    check_accesses(true, BoundsChecks::Explicit);
}

const BULK: &str = r#"(module
  (memory (export "mem") 1)
  (data $d "0123456789abcdef")
  (func (export "fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0xaa) (local.get 1)))
  (func (export "copy") (param i32 i32 i32) (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i32 i32 i32) (memory.init $d (local.get 0) (local.get 1) (local.get 2))))"#;

#[test]
fn bulk_memory_at_the_edges() {
    for bounds in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let m = module(BULK, bounds);
        let mut store = Store::new();
        let instance = Linker::new().instantiate(&mut store, &m).unwrap();
        let mem = instance.get_memory(&mut store, "mem").unwrap();
        let len = 65536u32;
        let call = |store: &mut Store, name: &str, args: &[u32]| -> Result<(), Trap> {
            let f = instance.get_func(&mut *store, name).unwrap();
            let args: Vec<Val> = args.iter().map(|a| Val::I32(*a as i32)).collect();
            f.call(store, &args).map(|_| ())
        };
        // In bounds up to the last byte; zero lengths at the end are fine.
        call(&mut store, "fill", &[len - 4, 4]).unwrap();
        call(&mut store, "fill", &[len, 0]).unwrap();
        call(&mut store, "copy", &[len - 8, 0, 8]).unwrap();
        call(&mut store, "init", &[len - 16, 0, 16]).unwrap();
        // Out of bounds, including lengths that wrap 32 bits: a trap, and
        // nothing written (bulk operations check before writing).
        let before = mem.data(&mut store).to_vec();
        for (name, args) in [
            ("fill", vec![len - 4, 5]),
            ("fill", vec![len + 1, 0]),
            ("fill", vec![1, u32::MAX]),
            ("copy", vec![len - 8, 0, 9]),
            ("copy", vec![0, len - 8, 9]),
            ("copy", vec![0, 1, u32::MAX]),
            ("copy", vec![u32::MAX, 0, 2]),
            ("init", vec![len - 15, 0, 16]),
            ("init", vec![0, 1, 16]),
            ("init", vec![0, 0, u32::MAX]),
        ] {
            let t = call(&mut store, name, &args).unwrap_err();
            assert_eq!(t.kind(), TrapKind::MemoryOutOfBounds, "{name} {args:?}");
        }
        assert!(
            mem.data(&mut store) == &before[..],
            "a trapping bulk op wrote"
        );
    }
}

const GROW: &str = r#"(module
  (memory (export "mem") 1)
  (memory $m2 1 3)
  (memory $m64 i64 1)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "grow2") (param i32) (result i32) (memory.grow $m2 (local.get 0)))
  (func (export "grow64") (param i64) (result i64) (memory.grow $m64 (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "last") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;

#[test]
fn memory_grow_past_limits_returns_minus_one() {
    for bounds in [BoundsChecks::Guard, BoundsChecks::Explicit] {
        let m = module(GROW, bounds);
        let mut store = Store::new();
        store.set_limits(StoreLimits {
            max_memory_pages: Some(4),
            ..Default::default()
        });
        let instance = Linker::new().instantiate(&mut store, &m).unwrap();
        let call = |store: &mut Store, name: &str, arg: Val| -> Val {
            let f = instance.get_func(&mut *store, name).unwrap();
            f.call(store, &[arg]).unwrap().remove(0)
        };
        let i32v = |v: Val| v.unwrap_i32();
        // The store limit (4 pages).
        assert_eq!(i32v(call(&mut store, "grow", Val::I32(3))), 1);
        assert_eq!(i32v(call(&mut store, "grow", Val::I32(1))), -1);
        assert_eq!(i32v(call(&mut store, "grow", Val::I32(-1))), -1);
        assert_eq!(i32v(call(&mut store, "grow", Val::I32(0x1_0000))), -1);
        assert_eq!(i32v(call(&mut store, "grow", Val::I32(0))), 4);
        // Reads at the end of the 4 pages work, past them trap.
        assert_eq!(i32v(call(&mut store, "last", Val::I32(4 * 65536 - 1))), 0);
        let f = instance.get_func(&mut store, "last").unwrap();
        let t = f.call(&mut store, &[Val::I32(4 * 65536)]).unwrap_err();
        assert_eq!(t.kind(), TrapKind::MemoryOutOfBounds);
        // The declared maximum (3 pages) is below the store limit.
        assert_eq!(i32v(call(&mut store, "grow2", Val::I32(2))), 1);
        assert_eq!(i32v(call(&mut store, "grow2", Val::I32(1))), -1);
        // memory64: huge deltas fail cleanly.
        let g64 = |store: &mut Store, d: i64| call(store, "grow64", Val::I64(d)).unwrap_i64();
        assert_eq!(g64(&mut store, -1), -1);
        assert_eq!(g64(&mut store, 1 << 48), -1);
        assert_eq!(g64(&mut store, 4), -1, "past the store limit");
        assert_eq!(g64(&mut store, 3), 1);
    }
    // A module whose minimum exceeds the limit does not instantiate.
    let m = module(GROW, BoundsChecks::Guard);
    let mut store = Store::new();
    store.set_limits(StoreLimits {
        max_memory_pages: Some(0),
        ..Default::default()
    });
    let err = Linker::new().instantiate(&mut store, &m).unwrap_err();
    assert!(
        matches!(
            err,
            InstantiationError::Memory(MemoryError::MinimumExceedsLimit { .. })
        ),
        "{err}"
    );
}

const TABLES: &str = r#"(module
  (type $t (func (result i32)))
  (type $u (func (param i32) (result i32)))
  (table $t0 (export "t") 3 10 funcref)
  (table $t64 i64 3 funcref)
  (elem (table $t0) (i32.const 0) func $f0 $f1 $f2)
  (elem (table $t64) (i64.const 0) func $f0 $f1 $f2)
  (elem $e func $f0 $f1)
  (func $f0 (result i32) (i32.const 100))
  (func $f1 (result i32) (i32.const 101))
  (func $f2 (result i32) (i32.const 102))
  (func (export "call") (param i32) (result i32) (call_indirect $t0 (type $t) (local.get 0)))
  (func (export "call_wrong") (param i32) (result i32) (call_indirect $t0 (type $u) (i32.const 0) (local.get 0)))
  (func (export "call64") (param i64) (result i32) (call_indirect $t64 (type $t) (local.get 0)))
  (func (export "get") (param i32) (result i32) (ref.is_null (table.get $t0 (local.get 0))))
  (func (export "get64") (param i64) (result i32) (ref.is_null (table.get $t64 (local.get 0))))
  (func (export "set") (param i32) (table.set $t0 (local.get 0) (ref.null func)))
  (func (export "grow") (param i32) (result i32) (table.grow $t0 (ref.func $f0) (local.get 0)))
  (func (export "fill") (param i32 i32) (table.fill $t0 (local.get 0) (ref.null func) (local.get 1)))
  (func (export "copy") (param i32 i32 i32) (table.copy $t0 $t0 (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init") (param i32 i32 i32) (table.init $t0 $e (local.get 0) (local.get 1) (local.get 2))))"#;

#[test]
fn tables_and_indirect_calls_stay_in_bounds() {
    let m = module(TABLES, BoundsChecks::Guard);
    let mut store = Store::new();
    store.set_limits(StoreLimits {
        max_table_elements: Some(6),
        ..Default::default()
    });
    let instance = Linker::new().instantiate(&mut store, &m).unwrap();
    let call = |store: &mut Store, name: &str, args: &[Val]| -> Result<Vec<Val>, Trap> {
        let f = instance.get_func(&mut *store, name).unwrap();
        f.call(store, args)
    };
    let kind = |r: Result<Vec<Val>, Trap>| r.unwrap_err().kind();
    for i in 0..3 {
        assert_eq!(
            call(&mut store, "call", &[Val::I32(i)]).unwrap()[0].unwrap_i32(),
            100 + i
        );
        let r = call(&mut store, "call64", &[Val::I64(i.into())]).unwrap();
        assert_eq!(r[0].unwrap_i32(), 100 + i);
    }
    for i in [3, 4, 10, 0x7fff_ffff, i32::MIN, -1] {
        assert_eq!(
            kind(call(&mut store, "call", &[Val::I32(i)])),
            TrapKind::UndefinedElement,
            "{i}"
        );
        assert_eq!(
            kind(call(&mut store, "get", &[Val::I32(i)])),
            TrapKind::TableOutOfBounds
        );
        assert_eq!(
            kind(call(&mut store, "set", &[Val::I32(i)])),
            TrapKind::TableOutOfBounds
        );
    }
    for i in [3i64, 1 << 32, (1 << 32) + 1, i64::MAX, -1] {
        assert_eq!(
            kind(call(&mut store, "call64", &[Val::I64(i)])),
            TrapKind::UndefinedElement,
            "{i}"
        );
        assert_eq!(
            kind(call(&mut store, "get64", &[Val::I64(i)])),
            TrapKind::TableOutOfBounds
        );
    }
    assert_eq!(
        kind(call(&mut store, "call_wrong", &[Val::I32(0)])),
        TrapKind::IndirectCallSignatureMismatch
    );
    // Bulk operations: out of bounds (with wrapping lengths) trap.
    for (name, args) in [
        ("fill", vec![2, 2]),
        ("fill", vec![1, -1]),
        ("copy", vec![0, 1, 3]),
        ("copy", vec![1, 0, -1]),
        ("init", vec![2, 0, 2]),
        ("init", vec![0, 1, 2]),
        ("init", vec![0, 0, -1]),
    ] {
        let args: Vec<Val> = args.into_iter().map(Val::I32).collect();
        assert_eq!(
            kind(call(&mut store, name, &args)),
            TrapKind::TableOutOfBounds,
            "{name}"
        );
    }
    // Growing moves the bound: the new entries are callable, no more.
    assert_eq!(
        call(&mut store, "grow", &[Val::I32(2)]).unwrap()[0].unwrap_i32(),
        3
    );
    assert_eq!(
        call(&mut store, "call", &[Val::I32(4)]).unwrap()[0].unwrap_i32(),
        100
    );
    assert_eq!(
        kind(call(&mut store, "call", &[Val::I32(5)])),
        TrapKind::UndefinedElement
    );
    // Past the store limit (6) and the declared maximum (10): -1.
    assert_eq!(
        call(&mut store, "grow", &[Val::I32(2)]).unwrap()[0].unwrap_i32(),
        -1
    );
    assert_eq!(
        call(&mut store, "grow", &[Val::I32(-1)]).unwrap()[0].unwrap_i32(),
        -1
    );
    assert_eq!(
        call(&mut store, "grow", &[Val::I32(1)]).unwrap()[0].unwrap_i32(),
        5
    );
    assert_eq!(
        kind(call(&mut store, "call", &[Val::I32(6)])),
        TrapKind::UndefinedElement
    );
    // Null entries are null calls, not wild jumps.
    call(&mut store, "set", &[Val::I32(1)]).unwrap();
    assert_eq!(
        kind(call(&mut store, "call", &[Val::I32(1)])),
        TrapKind::IndirectCallToNull
    );
}

#[test]
fn instance_limit() {
    let m = module("(module)", BoundsChecks::Guard);
    let mut store = Store::new();
    store.set_limits(StoreLimits {
        max_instances: Some(2),
        ..Default::default()
    });
    Linker::new().instantiate(&mut store, &m).unwrap();
    Linker::new().instantiate(&mut store, &m).unwrap();
    let err = Linker::new().instantiate(&mut store, &m).unwrap_err();
    assert!(
        matches!(err, InstantiationError::InstanceLimit { max: 2 }),
        "{err}"
    );
}

const WASI_OPEN: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $close (param i32) (result i32)))
  (memory (export "memory") 1)
  ;; read_file(path, len): opens path under the first preopen (fd 3),
  ;; following symlinks, reads up to 256 bytes to 1024; returns the count
  ;; or -errno.
  (func (export "read_file") (param $p i32) (param $n i32) (result i32)
    (local $e i32) (local $fd i32)
    (local.set $e (call $open (i32.const 3) (i32.const 1) (local.get $p) (local.get $n)
      (i32.const 0) (i64.const 0x1fffffff) (i64.const 0x1fffffff) (i32.const 0) (i32.const 512)))
    (if (local.get $e) (then (return (i32.sub (i32.const 0) (local.get $e)))))
    (local.set $fd (i32.load (i32.const 512)))
    (i32.store (i32.const 600) (i32.const 1024))
    (i32.store (i32.const 604) (i32.const 256))
    (local.set $e (call $read (local.get $fd) (i32.const 600) (i32.const 1) (i32.const 608)))
    (drop (call $close (local.get $fd)))
    (if (local.get $e) (then (return (i32.sub (i32.const 0) (local.get $e)))))
    (i32.load (i32.const 608))))"#;

/// Guest paths are refused when they leave the preopen (`..`, absolute,
/// symlinks out), and stay refused while another thread swaps symlinks
/// and directories under the walk: the guest never reads the secret.
#[test]
fn wasi_path_escapes_and_symlink_races() {
    use smelt_runtime::wasi::{self, WasiCtx};
    use std::os::unix::fs::symlink;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    let root = std::env::temp_dir().join(format!("smelt-sandbox-race-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let boxed = root.join("box");
    std::fs::create_dir_all(boxed.join("d")).unwrap();
    std::fs::create_dir_all(root.join("outside")).unwrap();
    std::fs::write(boxed.join("data.txt"), "inside").unwrap();
    std::fs::write(boxed.join("d/secret.txt"), "inside too").unwrap();
    std::fs::write(root.join("outside/secret.txt"), "SECRET").unwrap();
    symlink("data.txt", boxed.join("link")).unwrap();

    let m = module(WASI_OPEN, BoundsChecks::Guard);
    let mut store = Store::new();
    let mut linker = Linker::new();
    let ctx = WasiCtx::builder().preopen_dir(&boxed, ".").build().unwrap();
    wasi::add_to_linker(&mut linker, &mut store, ctx);
    let instance = linker.instantiate(&mut store, &m).unwrap();
    let mem = instance.get_memory(&mut store, "memory").unwrap();
    let read_file = instance.get_func(&mut store, "read_file").unwrap();
    let read = |store: &mut Store, path: &str| -> (i32, Vec<u8>) {
        let data = mem.data_mut(store);
        data[..path.len()].copy_from_slice(path.as_bytes());
        data[1024..1280].fill(0);
        let args = [Val::I32(0), Val::I32(path.len() as i32)];
        let n = read_file.call(&mut *store, &args).unwrap()[0].unwrap_i32();
        let got = mem.data(store)[1024..1024 + n.max(0) as usize].to_vec();
        (n, got)
    };
    const NOTCAPABLE: i32 = -76;
    assert_eq!(read(&mut store, "data.txt"), (6, b"inside".to_vec()));
    assert_eq!(read(&mut store, "link").1, b"inside");
    for escape in [
        "../outside/secret.txt",
        "d/../../outside/secret.txt",
        "/etc/passwd",
        &root.join("outside/secret.txt").to_string_lossy(),
    ] {
        assert_eq!(read(&mut store, escape).0, NOTCAPABLE, "{escape}");
    }

    // The race: a thread flips `link` between a file inside and one
    // outside, and `d` between a directory and a symlink out, as fast as
    // it can, while the guest keeps opening both.
    let stop = Arc::new(AtomicBool::new(false));
    let flipper = {
        let stop = stop.clone();
        let boxed = boxed.clone();
        std::thread::spawn(move || {
            let mut flips = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let target = if flips.is_multiple_of(2) {
                    "../outside/secret.txt"
                } else {
                    "data.txt"
                };
                let _ = std::fs::remove_file(boxed.join("link.tmp"));
                symlink(target, boxed.join("link.tmp")).unwrap();
                std::fs::rename(boxed.join("link.tmp"), boxed.join("link")).unwrap();
                if flips.is_multiple_of(2) {
                    std::fs::rename(boxed.join("d"), boxed.join("d.saved")).unwrap();
                    symlink("../outside", boxed.join("d")).unwrap();
                } else {
                    std::fs::remove_file(boxed.join("d")).unwrap();
                    std::fs::rename(boxed.join("d.saved"), boxed.join("d")).unwrap();
                }
                flips += 1;
            }
            flips
        })
    };
    let mut outcomes = std::collections::BTreeMap::<i32, u32>::new();
    for i in 0..4000 {
        for path in ["link", "d/secret.txt", "d/../link"] {
            let (n, got) = read(&mut store, path);
            assert!(
                !got.windows(6).any(|w| w == b"SECRET"),
                "iteration {i}: `{path}` read the file outside the preopen"
            );
            *outcomes.entry(n.min(1)).or_default() += 1;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let flips = flipper.join().unwrap();
    eprintln!("{flips} flips; outcomes (1 = read inside, <0 = -errno): {outcomes:?}");
    assert!(flips > 10, "the race did not run");
    let _ = std::fs::remove_dir_all(&root);
}
