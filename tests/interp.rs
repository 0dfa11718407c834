//! The interpreter behind the unchanged embedding API: deep recursion on
//! its own stack, backtraces identical to compiled code's, and modules
//! of both executors linked into one store, calling, trapping and
//! throwing across each other.

use smelt_compiler::{ExecutionMode, Options};
use smelt_runtime::{Instance, Linker, Module, Store, Trap, TrapKind, Val};

/// `wat` compiled for `mode` (whatever `SMELT_TEST_MODE` says).
fn build(wat: &str, name: &str, mode: ExecutionMode) -> Module {
    let options = Options {
        module_name: name.into(),
        mode,
        ..Options::default()
    };
    let wasm = wat::parse_str(wat).expect("valid wat");
    let artifact = smelt_compiler::compile(&wasm, &options).expect("compiles");
    Module::from_object(&artifact.object).expect("loads")
}

fn call(store: &mut Store, inst: &Instance, name: &str, args: &[Val]) -> Result<Vec<Val>, Trap> {
    inst.get_func(&mut *store, name)
        .expect("export exists")
        .call(store, args)
}

/// `wat` compiled for both executors: compiled first, then interpreted.
fn both_executors(wat: &str, name: &str) -> Vec<Module> {
    [ExecutionMode::Compiled, ExecutionMode::Interpreted]
        .into_iter()
        .map(|mode| build(wat, name, mode))
        .collect()
}

/// `name(args)` in a new instance of each module: the first result as
/// an i64 (widened from i32) or the trap.
fn outcomes(modules: &[Module], name: &str, args: &[Val]) -> Vec<Result<i64, Trap>> {
    modules
        .iter()
        .map(|m| {
            let mut store = Store::new();
            let inst = Linker::new().instantiate(&mut store, m).unwrap();
            call(&mut store, &inst, name, args).map(|r| match r[0] {
                Val::I32(v) => v as i64,
                ref v => v.unwrap_i64(),
            })
        })
        .collect()
}

/// Both executors returned the same value, or both trapped out of bounds
/// with the same backtrace.
fn assert_same_memory_outcome(outcomes: &[Result<i64, Trap>], at: &str) {
    match (&outcomes[0], &outcomes[1]) {
        (Ok(a), Ok(b)) => assert_eq!(a, b, "{at}"),
        (Err(a), Err(b)) => {
            assert_eq!(a.kind(), TrapKind::MemoryOutOfBounds, "{at}");
            assert_eq!(a.kind(), b.kind(), "{at}");
            assert_eq!(a.backtrace(), b.backtrace(), "{at}");
        }
        (a, b) => panic!("{at}: compiled {a:?}, interpreted {b:?}"),
    }
}

/// Both executors return the same value for `name(args)`, without a trap.
fn assert_same_result(modules: &[Module], name: &str, args: &[Val]) {
    let r = outcomes(modules, name, args);
    let (a, b) = (r[0].as_ref().unwrap(), r[1].as_ref().unwrap());
    assert_eq!(a, b, "{name}({args:?})");
}

const RECURSION: &str = r#"(module
  (func $sum (export "sum") (param i32) (result i64)
    (if (result i64) (i32.eqz (local.get 0))
      (then (i64.const 0))
      (else (i64.add (i64.extend_i32_u (local.get 0))
                     (call $sum (i32.sub (local.get 0) (i32.const 1)))))))
  (func $forever (export "forever") (param i32) (result i32)
    (i32.add (call $forever (local.get 0)) (i32.const 1))))"#;

#[test]
fn recursion_100_000_deep_runs_and_runaway_recursion_traps() {
    let m = build(RECURSION, "rec", ExecutionMode::Interpreted);
    let mut store = Store::new();
    let inst = Linker::new().instantiate(&mut store, &m).unwrap();
    let r = call(&mut store, &inst, "sum", &[Val::I32(100_000)]).unwrap();
    assert_eq!(r[0].unwrap_i64(), 100_000 * 100_001 / 2);
    let trap = call(&mut store, &inst, "forever", &[Val::I32(1)]).unwrap_err();
    assert_eq!(trap.kind(), TrapKind::StackOverflow);
    assert_eq!(trap.message(), "call stack exhausted");
    assert!(trap.omitted_frames() > 100_000, "{}", trap.omitted_frames());
    // The thread and the instance survive.
    let r = call(&mut store, &inst, "sum", &[Val::I32(10)]).unwrap();
    assert_eq!(r[0].unwrap_i64(), 55);
}

#[test]
fn backtraces_match_compiled_code() {
    let wat = r#"(module
      (memory 1)
      (func $leaf (param i32) (result i32)
        (i32.load (i32.add (local.get 0) (i32.const 65536))))
      (func $middle (param i32) (result i32)
        (i32.add (call $leaf (local.get 0)) (i32.const 1)))
      (table funcref (elem $middle))
      (type $t (func (param i32) (result i32)))
      (func (export "top") (param i32) (result i32)
        (call_indirect (type $t) (local.get 0) (i32.const 0))))"#;
    let traps: Vec<Trap> = [ExecutionMode::Compiled, ExecutionMode::Interpreted]
        .into_iter()
        .map(|mode| {
            let m = build(wat, "bt", mode);
            let mut store = Store::new();
            let inst = Linker::new().instantiate(&mut store, &m).unwrap();
            call(&mut store, &inst, "top", &[Val::I32(4)]).unwrap_err()
        })
        .collect();
    assert_eq!(traps[0].kind(), TrapKind::MemoryOutOfBounds);
    assert_eq!(traps[1].kind(), traps[0].kind());
    assert_eq!(traps[1].message(), traps[0].message());
    assert_eq!(traps[1].backtrace(), traps[0].backtrace());
    assert_eq!(traps[1].backtrace().len(), 3);
    assert!(traps[0].backtrace().iter().all(|f| f.wasm_offset.is_some()));
}

/// A compiled module and an interpreted one importing each other's
/// functions (through a third, interpreted "glue" module for the cycle).
#[test]
fn compiled_and_interpreted_modules_call_each_other() {
    for (a_mode, b_mode) in [
        (ExecutionMode::Compiled, ExecutionMode::Interpreted),
        (ExecutionMode::Interpreted, ExecutionMode::Compiled),
    ] {
        let a = build(
            r#"(module
              (tag $boom (export "boom") (param i32))
              (func (export "double") (param i32) (result i32)
                (i32.mul (local.get 0) (i32.const 2)))
              (func (export "fail") (param i32) (result i32)
                (if (local.get 0) (then unreachable)) (local.get 0))
              (func (export "throw") (param i32) (throw $boom (local.get 0))))"#,
            "a",
            a_mode,
        );
        let b = build(
            r#"(module
              (import "a" "double" (func $double (param i32) (result i32)))
              (import "a" "fail" (func $fail (param i32) (result i32)))
              (import "a" "throw" (func $throw (param i32)))
              (import "a" "boom" (tag $boom (param i32)))
              (func (export "quad") (param i32) (result i32)
                (call $double (call $double (local.get 0))))
              (func (export "fail") (param i32) (result i32)
                (i32.add (call $fail (local.get 0)) (i32.const 1)))
              (func (export "catch") (param i32) (result i32)
                (block $h (result i32)
                  (try_table (catch $boom $h) (call $throw (local.get 0)))
                  (i32.const -1))))"#,
            "b",
            b_mode,
        );
        let mut store = Store::new();
        let ia = Linker::new().instantiate(&mut store, &a).unwrap();
        let mut linker = Linker::new();
        linker.define_instance(&mut store, "a", ia);
        let ib = linker.instantiate(&mut store, &b).unwrap();
        let r = call(&mut store, &ib, "quad", &[Val::I32(5)]).unwrap();
        assert_eq!(r[0].unwrap_i32(), 20, "{a_mode:?} -> {b_mode:?}");
        let r = call(&mut store, &ib, "catch", &[Val::I32(42)]).unwrap();
        assert_eq!(r[0].unwrap_i32(), 42, "{a_mode:?} -> {b_mode:?}");
        let trap = call(&mut store, &ib, "fail", &[Val::I32(1)]).unwrap_err();
        assert_eq!(trap.kind(), TrapKind::Unreachable);
        let modules: Vec<&str> = trap.backtrace().iter().map(|f| f.module.as_str()).collect();
        assert_eq!(
            modules,
            ["a", "b"],
            "{a_mode:?} -> {b_mode:?}: {}",
            trap.report()
        );
        let r = call(&mut store, &ib, "fail", &[Val::I32(0)]).unwrap();
        assert_eq!(r[0].unwrap_i32(), 1);
    }
}

/// A loop of every kind of hot instruction (loads, stores, arithmetic,
/// constants, copies, globals, fused compare-and-branch, calls direct and
/// through a table, returns), a few million instructions in all.
const LONG_LOOP: &str = r#"(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (type $t (func (param i64) (result i64)))
  (table 1 funcref)
  (elem (i32.const 0) $id)
  (func $inc (param i32) (result i32) (i32.add (local.get 0) (i32.const 1)))
  (func $id (type $t) (local.get 0))
  (func (export "run") (param $n i32) (result i64)
    (local $i i32) (local $acc i64) (local $f f64)
    (loop $l
      (i32.store (i32.and (i32.mul (local.get $i) (i32.const 4)) (i32.const 0xfffc))
                 (local.get $i))
      (local.set $acc (i64.add (local.get $acc)
        (i64.extend_i32_u (i32.load (i32.and (i32.mul (local.get $i) (i32.const 4))
                                             (i32.const 0xfffc))))))
      (local.set $f (f64.add (local.get $f) (f64.const 0.5)))
      (global.set $g (call $inc (global.get $g)))
      (local.set $acc (call_indirect (type $t) (local.get $acc) (i32.const 0)))
      (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                          (local.get $n))))
    (i64.add (local.get $acc) (i64.trunc_f64_u (local.get $f)))))"#;

/// The instruction handlers call each other in tail position (fast.rs):
/// if a build stopped turning those calls into jumps, every instruction
/// would take native stack, and a long loop on a small stack would
/// overflow it.
#[test]
fn hot_instructions_run_in_constant_native_stack() {
    let m = build(LONG_LOOP, "long", ExecutionMode::Interpreted);
    let n: i64 = 300_000;
    let r = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(move || {
            let mut store = Store::new();
            let inst = Linker::new().instantiate(&mut store, &m).unwrap();
            call(&mut store, &inst, "run", &[Val::I32(n as i32)]).unwrap()[0].unwrap_i64()
        })
        .unwrap()
        .join()
        .expect("the loop ran without overflowing the thread's stack");
    assert_eq!(r, n * (n - 1) / 2 + n / 2);
}

/// Every operator that takes its right operand straight from memory
/// (`MEMOP`), on the values and addresses where the two executors must
/// agree: wrapping, NaN-free float results, the last bytes of memory and
/// the first address past it (the trap's kind and backtrace).
#[test]
fn operators_with_a_loaded_operand_match_compiled_code() {
    let ops = [
        ("i32", "add"),
        ("i32", "sub"),
        ("i32", "mul"),
        ("i32", "and"),
        ("i32", "or"),
        ("i32", "xor"),
        ("i64", "add"),
        ("i64", "sub"),
        ("i64", "mul"),
        ("i64", "and"),
        ("i64", "or"),
        ("i64", "xor"),
        ("f32", "add"),
        ("f32", "sub"),
        ("f32", "mul"),
        ("f32", "div"),
        ("f64", "add"),
        ("f64", "sub"),
        ("f64", "mul"),
        ("f64", "div"),
    ];
    let mut wat = String::from(
        "(module (memory 1)\n (data (i32.const 0) \"\\01\\ff\\7f\\80\\00\\00\\c0\\3f\\55\\aa\\33\\cc\\0f\\f0\\99\\66\")\n",
    );
    for (ty, op) in ops {
        // The result as i64 bits, so that one export signature serves all.
        let widen = match ty {
            "i32" => "i64.extend_i32_u",
            "i64" => "",
            "f32" => "i32.reinterpret_f32 i64.extend_i32_u",
            _ => "i64.reinterpret_f64",
        };
        let lhs = match ty {
            "i32" => "i32.const 0x9e3779b9",
            "i64" => "i64.const 0x9e3779b97f4a7c15",
            "f32" => "f32.const 3.25",
            _ => "f64.const -1.5e300",
        };
        wat.push_str(&format!(
            " (func (export \"{ty}.{op}\") (param i32) (result i64) (local {ty})\n   {lhs} local.set 1\n   local.get 1 local.get 0 {ty}.load offset=1 {ty}.{op} {widen})\n"
        ));
    }
    wat.push(')');
    let modules = both_executors(&wat, "memop");
    for (ty, op) in ops {
        let name = format!("{ty}.{op}");
        let size = if ty.ends_with("32") { 4 } else { 8 };
        for addr in [0, 3, 7, 65536 - 1 - size, 65536 - size, u32::MAX as i32] {
            let outcomes = outcomes(&modules, &name, &[Val::I32(addr)]);
            assert_same_memory_outcome(&outcomes, &format!("{name} at {addr}"));
        }
    }
}

/// Stores of constants (`MEM0_IMM` when the value is a 16-bit number
/// sign-extended, the plain store otherwise), on both sides of that
/// limit and at the end of memory: the bytes written and the traps match
/// compiled code.
#[test]
fn stores_of_constants_match_compiled_code() {
    let stores = [
        (
            "i32.store",
            "i32.const",
            [
                "0",
                "-1",
                "32767",
                "-32768",
                "32768",
                "-32769",
                "0x7fffffff",
            ],
        ),
        (
            "i64.store",
            "i64.const",
            ["0", "-1", "32767", "-32768", "32768", "-32769", "0x8000"],
        ),
        (
            "i32.store8",
            "i32.const",
            ["0", "-1", "0x7f", "0x80", "0xff", "0x1234", "-129"],
        ),
        (
            "i32.store16",
            "i32.const",
            ["0", "-1", "0x7fff", "0x8000", "0xffff", "0x12345", "-32769"],
        ),
        (
            "i64.store8",
            "i64.const",
            ["0", "-1", "0x7f", "0x80", "0xff", "0x1234", "-129"],
        ),
        (
            "i64.store16",
            "i64.const",
            ["0", "-1", "0x7fff", "0x8000", "0xffff", "0x12345", "-32769"],
        ),
        (
            "i64.store32",
            "i64.const",
            [
                "0",
                "-1",
                "32767",
                "-32768",
                "0x8000",
                "0xffff8000",
                "0x1ffff",
            ],
        ),
        (
            "f32.store",
            "f32.const",
            [
                "0",
                "-0",
                "1",
                "nan",
                "-nan:0x7f8000",
                "0x1p-149",
                "-0x1p-133",
            ],
        ),
        (
            "f64.store",
            "f64.const",
            [
                "0",
                "-0",
                "1",
                "nan",
                "-nan:0xfffffffff8000",
                "0x0.0000000007fffp-1022",
                "-0x1p-1074",
            ],
        ),
    ];
    let mut wat = String::from("(module (memory 1)\n");
    for (store, konst, values) in stores {
        for (i, v) in values.iter().enumerate() {
            // Fill the 8 bytes with a pattern, store, read them back
            // (near the end of memory: only store, which may trap).
            wat.push_str(&format!(
                " (func (export \"{store}.{i}\") (param i32) (result i64) (local i32)\n   (local.set 1 (i32.le_u (local.get 0) (i32.const 65528)))\n   (if (local.get 1) (then (i64.store (local.get 0) (i64.const 0x5a5a5a5a5a5a5a5a))))\n   local.get 0 {konst} {v} {store}\n   (if (result i64) (local.get 1) (then (i64.load (local.get 0))) (else (i64.const 1))))\n"
            ));
        }
    }
    wat.push(')');
    let modules = both_executors(&wat, "stores");
    for (store, _, values) in stores {
        for i in 0..values.len() {
            let name = format!("{store}.{i}");
            for addr in [0, 5, 65528, 65532, 65534, 65535, u32::MAX as i32] {
                let outcomes = outcomes(&modules, &name, &[Val::I32(addr)]);
                assert_same_memory_outcome(&outcomes, &format!("{name} at {addr}"));
            }
        }
    }
}

/// An `i32.and` feeding `br_if` or `if` becomes one test-and-branch
/// (`BRCMP`/`BRCMP_IMM` 0x71 and, negated, 0x45): taken exactly when
/// compiled code takes it, with a constant or a second operand, with and
/// without values carried by the branch.
#[test]
fn branches_on_an_and_match_compiled_code() {
    let wat = r#"(module
      (func (export "br_if_imm") (param i32 i32) (result i32)
        (block (br_if 0 (i32.and (local.get 0) (i32.const 0x80)))
          (return (i32.const 1)))
        (i32.const 2))
      (func (export "br_if_reg") (param i32 i32) (result i32)
        (block (br_if 0 (i32.and (local.get 0) (local.get 1)))
          (return (i32.const 1)))
        (i32.const 2))
      (func (export "if_imm") (param i32 i32) (result i32)
        (if (result i32) (i32.and (local.get 0) (i32.const -2147483647))
          (then (i32.const 3)) (else (i32.const 4))))
      (func (export "if_reg") (param i32 i32) (result i32)
        (if (result i32) (i32.and (local.get 1) (local.get 0))
          (then (i32.const 3)) (else (i32.const 4))))
      (func (export "br_if_value") (param i32 i32) (result i32)
        (block (result i32)
          (br_if 0 (i32.const 5) (i32.and (local.get 0) (i32.const 1)))
          (drop) (i32.const 6)))
      (func (export "loop") (param i32 i32) (result i32) (local i32)
        (loop $l
          (local.set 2 (i32.add (local.get 2) (i32.const 1)))
          (local.set 0 (i32.shr_u (local.get 0) (i32.const 1)))
          (br_if $l (i32.and (local.get 0) (local.get 1))))
        (local.get 2)))"#;
    let modules = both_executors(wat, "and_branch");
    let values = [
        0,
        1,
        2,
        3,
        0x7f,
        0x80,
        0xff,
        0x8000_0000u32 as i32,
        -1,
        0x5555_5555,
    ];
    for name in [
        "br_if_imm",
        "br_if_reg",
        "if_imm",
        "if_reg",
        "br_if_value",
        "loop",
    ] {
        for x in values {
            for y in values {
                assert_same_result(&modules, name, &[Val::I32(x), Val::I32(y)]);
            }
        }
    }
}

/// An instruction before a loop never fuses with one inside it: a loop
/// whose first instruction consumes its parameter (here `if`, which fuses
/// with a compare) must test the value each iteration brings, not the
/// compare before the loop.
#[test]
fn fusion_stops_at_loop_headers() {
    let wat = r#"(module
      (func (export "f") (param i32) (result i32) (local i32)
        (i32.lt_s (local.get 0) (i32.const 5))
        (loop $l (param i32)
          (if (then (local.set 1 (i32.add (local.get 1) (i32.const 100)))))
          (local.set 1 (i32.add (local.get 1) (i32.const 1)))
          (br_if $l (i32.const 0) (i32.lt_u (local.get 1) (i32.const 300)))
          (drop))
        (local.get 1))
      (func (export "g") (param i32) (result i32) (local i32)
        (i32.and (local.get 0) (i32.const 1))
        (loop $l (param i32)
          (if (then (local.set 1 (i32.add (local.get 1) (i32.const 10)))))
          (local.set 1 (i32.add (local.get 1) (i32.const 1)))
          (br_if $l (i32.const 0) (i32.lt_u (local.get 1) (i32.const 30)))
          (drop))
        (local.get 1)))"#;
    for (name, arg, want) in [("f", 1, 300), ("f", 9, 300), ("g", 1, 30), ("g", 2, 30)] {
        for mode in [ExecutionMode::Compiled, ExecutionMode::Interpreted] {
            let m = build(wat, "loop_fusion", mode);
            let mut store = Store::new();
            let inst = Linker::new().instantiate(&mut store, &m).unwrap();
            let got = call(&mut store, &inst, name, &[Val::I32(arg)]).unwrap()[0].unwrap_i32();
            assert_eq!(got, want, "{name}({arg}) {mode:?}");
        }
    }
}

/// Loads and stores whose address is an `i32.add` of two values (`MEM0X`:
/// one instruction for `p[i]`), every width, with small and large static
/// offsets, where the sum wraps and at the end of memory: the values,
/// bytes written and traps match compiled code.
#[test]
fn indexed_loads_and_stores_match_compiled_code() {
    let loads = [
        "i32.load",
        "i64.load",
        "f32.load",
        "f64.load",
        "i32.load8_s",
        "i32.load8_u",
        "i32.load16_s",
        "i32.load16_u",
        "i64.load8_s",
        "i64.load8_u",
        "i64.load16_s",
        "i64.load16_u",
        "i64.load32_s",
        "i64.load32_u",
    ];
    let stores = [
        ("i32.store", "i32.wrap_i64"),
        ("i64.store", ""),
        ("f32.store", "i32.wrap_i64 f32.reinterpret_i32"),
        ("f64.store", "f64.reinterpret_i64"),
        ("i32.store8", "i32.wrap_i64"),
        ("i32.store16", "i32.wrap_i64"),
        ("i64.store8", ""),
        ("i64.store16", ""),
        ("i64.store32", ""),
    ];
    let mut wat = String::from(
        "(module (memory 1)\n (data (i32.const 0) \"\\01\\ff\\7f\\80\\00\\00\\c0\\3f\\55\\aa\\33\\cc\\0f\\f0\\99\\66\")\n",
    );
    let widen = |op: &str| match op {
        o if o.starts_with("i64") => "",
        o if o.starts_with("i32") => "i64.extend_i32_u",
        "f32.load" => "i32.reinterpret_f32 i64.extend_i32_u",
        _ => "i64.reinterpret_f64",
    };
    let mut names = Vec::new();
    for offset in [0, 3, 0x10000] {
        for op in loads {
            let name = format!("{op}.{offset}");
            wat.push_str(&format!(
                " (func (export \"{name}\") (param i32 i32 i64) (result i64)\n   local.get 0 local.get 1 i32.add {op} offset={offset} {}\n   local.get 0 local.get 1 i32.add drop)\n",
                widen(op)
            ));
            names.push(name);
        }
        for (op, narrow) in stores {
            let name = format!("{op}.{offset}");
            wat.push_str(&format!(
                " (func (export \"{name}\") (param i32 i32 i64) (result i64)\n   local.get 0 local.get 1 i32.add local.get 2 {narrow} {op} offset={offset}\n   i32.const 0 i64.load i32.const 8 i64.load i64.xor)\n"
            ));
            names.push(name);
        }
    }
    wat.push(')');
    let modules = both_executors(&wat, "indexed");
    let addrs: [(u32, u32); 7] = [
        (0, 0),
        (1, 4),
        (0xffff_ffff, 3),
        (0x8000_0000, 0x8000_0004),
        (65536 - 8, 0),
        (65530, 5),
        (65536, 0xffff_0000),
    ];
    for name in &names {
        for (base, index) in addrs {
            let args = [
                Val::I32(base as i32),
                Val::I32(index as i32),
                Val::I64(0x1122_3344_5566_7788),
            ];
            let outcomes = outcomes(&modules, name, &args);
            assert_same_memory_outcome(&outcomes, &format!("{name} at {base:#x} + {index:#x}"));
        }
    }
}

/// Two `i32.add`s of constants in a row are one instruction
/// (`AddImm2`): chained (`x + 1 + 2`), into locals (the first, the
/// second or both retargeted by `local.set`/`local.tee`), the second
/// reading the first's result, and wrapping: all as compiled code.
#[test]
fn merged_adds_of_constants_match_compiled_code() {
    let wat = r#"(module
      (func (export "chain") (param i32 i32) (result i32)
        (i32.add (i32.add (local.get 0) (i32.const 1)) (i32.const -2147483648)))
      (func (export "locals") (param i32 i32) (result i32) (local i32 i32)
        (local.set 2 (i32.add (local.get 0) (i32.const 7)))
        (local.set 3 (i32.add (local.get 2) (i32.const -9)))
        (i32.xor (i32.mul (local.get 2) (i32.const 31)) (local.get 3)))
      (func (export "tee") (param i32 i32) (result i32)
        (local.set 0 (i32.add (local.get 0) (i32.const 1)))
        (i32.add (local.tee 1 (i32.add (local.get 1) (i32.const 4))) (local.get 0)))
      (func (export "stack") (param i32 i32) (result i32)
        (i32.add (local.get 0) (i32.const 100))
        (i32.add (local.get 1) (i32.const 200))
        (i32.sub))
      (func (export "loop") (param i32 i32) (result i32) (local i32)
        (loop $l
          (local.set 0 (i32.add (local.get 0) (i32.const -1)))
          (local.set 2 (i32.add (local.get 2) (i32.const 3)))
          (br_if $l (i32.gt_s (local.get 0) (i32.const 0))))
        (i32.add (local.get 2) (local.get 1))))"#;
    let modules = both_executors(wat, "add2");
    let values = [0, 1, 5, -1, i32::MAX, i32::MIN, 0x7fff_fff0];
    for name in ["chain", "locals", "tee", "stack", "loop"] {
        for x in values {
            let x = if name == "loop" { x & 0xff } else { x };
            for y in values {
                assert_same_result(&modules, name, &[Val::I32(x), Val::I32(y)]);
            }
        }
    }
}

/// A branch on the result of an `i32.add` of a constant is one
/// instruction (`AddImmBrIfNez`/`Eqz`): count-down loops through
/// `local.tee` and through a temporary, `if`, and a `br_if` that carries
/// a value (the negated form), crossing zero and wrapping, as compiled
/// code.
#[test]
fn branches_on_an_add_match_compiled_code() {
    let wat = r#"(module
      (func (export "tee") (param i32 i32) (result i32) (local i32)
        (local.set 0 (i32.and (local.get 0) (i32.const 255)))
        (block (loop $l
          (br_if 1 (i32.eqz (local.get 0)))
          (local.set 2 (i32.add (local.get 2) (local.get 1)))
          (br_if $l (local.tee 0 (i32.add (local.get 0) (i32.const -1))))))
        (local.get 2))
      (func (export "temp") (param i32 i32) (result i32)
        (block (br_if 0 (i32.add (local.get 0) (i32.const 3)))
          (return (i32.const 11)))
        (i32.const 12))
      (func (export "if") (param i32 i32) (result i32)
        (if (result i32) (i32.add (local.get 1) (i32.const -2147483648))
          (then (i32.const 21)) (else (i32.const 22))))
      (func (export "value") (param i32 i32) (result i32)
        (block (result i32)
          (br_if 0 (local.get 1) (i32.add (local.get 0) (i32.const 1)))
          (drop) (i32.const 31))))"#;
    let modules = both_executors(wat, "add_branch");
    let values = [0, 1, 2, -1, -3, 7, i32::MAX, i32::MIN];
    for name in ["tee", "temp", "if", "value"] {
        for x in values {
            for y in values {
                assert_same_result(&modules, name, &[Val::I32(x), Val::I32(y)]);
            }
        }
    }
}
