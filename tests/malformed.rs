//! Hostile input: truncated files, huge section sizes and counts, deep
//! nesting, millions of locals and functions. Each must give a clean
//! error (or compile), with no panic, within bounded time and memory.
//!
//! Every case runs in a child process (this test binary, re-executed
//! with `SMELT_MALFORMED_CHILD=<case>`) under `ulimit -v`, so a case that
//! tried to allocate what a size field claims would fail the test rather
//! than the machine, and its wall time is measured on its own.

use smelt_compiler::{CompileError, Options, compile};
use std::process::Command;
use std::time::{Duration, Instant};

/// Address-space cap for a case (KiB): the compiler's working set for
/// these inputs is far below it.
const MEMORY_LIMIT_KIB: u64 = 3 * 1024 * 1024;
/// Wall-clock cap for a case (the machine may be shared and busy).
const TIME_LIMIT: Duration = Duration::from_secs(90);

fn in_child(name: &str, case: impl FnOnce()) {
    if std::env::var("SMELT_MALFORMED_CHILD").as_deref() == Ok(name) {
        case();
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let started = Instant::now();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {MEMORY_LIMIT_KIB}; exec \"$0\" \"$@\""))
        .arg(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("SMELT_MALFORMED_CHILD", name)
        .output()
        .expect("runs the child");
    let elapsed = started.elapsed();
    assert!(
        out.status.success(),
        "{name}: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "{name}: the child ran no test"
    );
    assert!(elapsed < TIME_LIMIT, "{name} took {elapsed:?}");
}

fn options() -> Options {
    Options {
        module_name: "malformed".into(),
        threads: Some(1),
        ..Options::default()
    }
}

/// Compiles and requires an error that names an offset; returns it.
fn expect_invalid(wasm: &[u8], what: &str) -> String {
    let started = Instant::now();
    let r = compile(wasm, &options());
    match r {
        Err(
            e @ CompileError::InvalidWasm {
                offset: Some(_), ..
            },
        ) => {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "{what}: slow error"
            );
            e.to_string()
        }
        Err(e) => panic!("{what}: not an invalid-wasm error with an offset: {e}"),
        Ok(_) => panic!("{what}: compiled"),
    }
}

fn leb(mut v: u64) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

fn section(id: u8, body: &[u8]) -> Vec<u8> {
    let mut s = vec![id];
    s.extend(leb(body.len() as u64));
    s.extend(body);
    s
}

const HEADER: &[u8] = b"\0asm\x01\0\0\0";

fn module(sections: &[Vec<u8>]) -> Vec<u8> {
    let mut m = HEADER.to_vec();
    for s in sections {
        m.extend(s);
    }
    m
}

/// A module with one of each section kind.
const RICH: &str = r#"(module
  (type $t (func (param i32) (result i32)))
  (import "env" "f" (func $imp (type $t)))
  (import "env" "g" (global $g i32))
  (table 4 funcref)
  (memory 1 2)
  (global $h (mut i64) (i64.const 7))
  (export "run" (func $run))
  (export "mem" (memory 0))
  (start $init)
  (elem (i32.const 0) $run $imp)
  (func $init)
  (func $run (param i32) (result i32)
    (local i64 f32)
    (block (result i32)
      (loop
        (br_if 1 (i32.eqz (local.get 0)) (i32.const 1))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br 0))
      (i32.const 0))
    (call $imp))
  (data (i32.const 16) "hello, world")
  (@custom "note" "some custom bytes"))"#;

#[test]
fn truncated_files() {
    in_child("truncated_files", || {
        let wasm = wat::parse_str(RICH).unwrap();
        compile(&wasm, &options()).expect("the whole module compiles");
        for len in 0..wasm.len() {
            let part = &wasm[..len];
            let valid =
                wasmparser::Validator::new_with_features(smelt_compiler::supported_features())
                    .validate_all(part)
                    .is_ok();
            match compile(part, &options()) {
                Ok(_) => assert!(valid, "a truncation at {len} compiled"),
                Err(CompileError::InvalidWasm { .. }) => {
                    assert!(!valid, "valid prefix {len} refused")
                }
                Err(e) => panic!("truncation at {len}: unexpected error kind: {e}"),
            }
        }
    });
}

#[test]
fn huge_section_sizes_and_counts() {
    in_child("huge_section_sizes_and_counts", || {
        let huge = leb(u32::MAX as u64);
        // A section whose size runs past the end of the file.
        for id in [0u8, 1, 2, 3, 5, 7, 10, 11] {
            let mut m = HEADER.to_vec();
            m.push(id);
            m.extend(&huge);
            m.extend([1, 0, 0]);
            expect_invalid(&m, &format!("section {id} of size 4 GiB"));
        }
        // Counts that claim billions of entries in a short section.
        for id in [1u8, 2, 3, 4, 5, 6, 7, 9, 10, 11] {
            let mut body = huge.clone();
            body.extend([0u8; 4]);
            expect_invalid(
                &module(&[section(id, &body)]),
                &format!("section {id} count 4G"),
            );
        }
        // A data segment claiming 4 GiB of bytes.
        let mut data = vec![1, 0, 0x41, 0, 0x0b];
        data.extend(&huge);
        data.extend(b"abc");
        let mem = section(5, &[1, 0, 1]);
        expect_invalid(&module(&[mem, section(11, &data)]), "data segment of 4 GiB");
        // A function body claiming 4 GiB.
        let types = section(1, &[1, 0x60, 0, 0]);
        let funcs = section(3, &[1, 0]);
        let mut code = vec![1];
        code.extend(&huge);
        code.extend([0, 0x0b]);
        expect_invalid(
            &module(&[types, funcs, section(10, &code)]),
            "body of 4 GiB",
        );
        // An over-long LEB128.
        let mut m = HEADER.to_vec();
        m.extend([1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0]);
        expect_invalid(&m, "an 8-byte LEB128");
        // Limits beyond what the validator allows.
        let mem64 = section(
            5,
            &[
                1, 0x04, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
            ],
        );
        expect_invalid(&module(&[mem64]), "memory64 of 2^64 pages");
        // A table of 2^32-1 elements is valid wasm: it compiles, and
        // instantiating it is a clean resource error rather than a 32 GiB
        // allocation (this runs under the child's address-space cap).
        let mut table = vec![1, 0x70, 0];
        table.extend(huge.clone());
        let artifact = compile(&module(&[section(4, &table)]), &options())
            .expect("a table of 4G elements is valid");
        let m = smelt_runtime::Module::from_object(&artifact.object).expect("loads");
        let mut store = smelt_runtime::Store::new();
        let err = smelt_runtime::Linker::new()
            .instantiate(&mut store, &m)
            .expect_err("4G table elements do not fit");
        assert!(
            matches!(
                err,
                smelt_runtime::InstantiationError::Table(
                    smelt_runtime::TableError::MinimumExceedsLimit { .. }
                )
            ),
            "{err}"
        );
        // A memory of 65536 pages (4 GiB) is valid too: under the cap it
        // cannot be reserved, and that must be an error, not an abort.
        let mem = section(5, &[1, 0, 0x80, 0x80, 0x04]);
        let artifact = compile(&module(&[mem]), &options()).expect("a 4 GiB memory is valid");
        let m = smelt_runtime::Module::from_object(&artifact.object).expect("loads");
        let mut store = smelt_runtime::Store::new();
        match smelt_runtime::Linker::new().instantiate(&mut store, &m) {
            Ok(_) | Err(smelt_runtime::InstantiationError::Memory(_)) => {}
            Err(e) => panic!("a 4 GiB memory: {e}"),
        }
    });
}

/// One function `() -> ()` with `body` (without the locals vector).
fn one_function(locals: &[u8], body: &[u8]) -> Vec<u8> {
    let types = section(1, &[1, 0x60, 0, 0]);
    let funcs = section(3, &[1, 0]);
    let mut f = locals.to_vec();
    f.extend(body);
    let mut code = vec![1];
    code.extend(leb(f.len() as u64));
    code.extend(f);
    module(&[types, funcs, section(10, &code)])
}

#[test]
fn millions_of_locals() {
    in_child("millions_of_locals", || {
        // One declaration of 4G locals, and many that add up past the
        // validator's limit.
        let mut locals = vec![1];
        locals.extend(leb(u32::MAX as u64));
        locals.push(0x7f);
        let e = expect_invalid(&one_function(&locals, &[0x0b]), "4G locals");
        assert!(e.contains("locals"), "{e}");
        let mut locals = leb(100);
        for _ in 0..100 {
            locals.extend(leb(1_000_000));
            locals.push(0x7e);
        }
        expect_invalid(&one_function(&locals, &[0x0b]), "100M locals");
        // At the limit it compiles, in bounded time.
        let mut locals = vec![1];
        locals.extend(leb(50_000));
        locals.push(0x7f);
        compile(&one_function(&locals, &[0x0b]), &options()).expect("50000 locals compile");
    });
}

#[test]
fn millions_of_functions() {
    in_child("millions_of_functions", || {
        // A function section declaring 10M functions (beyond wasmparser's
        // limit of 1M).
        let types = section(1, &[1, 0x60, 0, 0]);
        let mut funcs = leb(10_000_000);
        funcs.resize(funcs.len() + 10_000_000, 0);
        let e = expect_invalid(
            &module(&[types.clone(), section(3, &funcs)]),
            "10M functions",
        );
        assert!(e.contains("function"), "{e}");
        // 2M types.
        let mut body = leb(2_000_000);
        for _ in 0..2_000_000 {
            body.extend([0x60, 0, 0]);
        }
        expect_invalid(&module(&[section(1, &body)]), "2M types");
        // A declared count that the code section does not match.
        let mut funcs = leb(1000);
        funcs.resize(funcs.len() + 1000, 0);
        expect_invalid(
            &module(&[types.clone(), section(3, &funcs), section(10, &[0])]),
            "function and code counts differ",
        );
        // 100 000 real (empty) functions compile in bounded time.
        let n = 100_000u64;
        let mut funcs = leb(n);
        funcs.resize(funcs.len() + n as usize, 0);
        let mut code = leb(n);
        for _ in 0..n {
            code.extend([2, 0, 0x0b]);
        }
        let wasm = module(&[types, section(3, &funcs), section(10, &code)]);
        let options = Options {
            opt_level: smelt_compiler::OptLevel::None,
            ..options()
        };
        compile(&wasm, &options).expect("100k functions compile");
    });
}

#[test]
fn deep_nesting() {
    in_child("deep_nesting", || {
        for (open, n) in [(&[0x02u8, 0x40][..], 100_000), (&[0x03, 0x40][..], 100_000)] {
            let mut body = Vec::new();
            for _ in 0..n {
                body.extend(open);
            }
            body.extend(std::iter::repeat_n(0x0b, n + 1));
            let started = Instant::now();
            match compile(&one_function(&[0], &body), &options()) {
                Ok(_) => {}
                Err(e @ (CompileError::InvalidWasm { .. } | CompileError::ImplLimit { .. })) => {
                    eprintln!("refused cleanly: {e}")
                }
                Err(e) => panic!("deep nesting: {e}"),
            }
            eprintln!("{n} nested {:#x}: {:?}", open[0], started.elapsed());
        }
        // `if` nested 50k deep inside a value-producing chain.
        let mut body = Vec::new();
        for _ in 0..50_000 {
            body.extend([0x41, 1, 0x04, 0x40]);
        }
        body.extend(std::iter::repeat_n(0x0b, 50_001));
        compile(&one_function(&[0], &body), &options()).expect("nested ifs");
        // Unbalanced: opened but never closed.
        let mut body = Vec::new();
        for _ in 0..100_000 {
            body.extend([0x02, 0x40]);
        }
        expect_invalid(&one_function(&[0], &body), "unclosed blocks");
    });
}

/// A body that fails validation half-way leaves that compiler worker's
/// builder mid-function. The same worker then compiles the next function
/// (with 1 thread, all of them, largest first), which must start clean.
/// The bad body is the largest and the last: compiled first, reported
/// after the others in item order, so a poisoned worker would turn the
/// module's error into an internal compiler error in function 0.
#[test]
fn invalid_body_does_not_poison_the_next_function() {
    let mut wat = String::from("(module\n");
    for i in 0..8 {
        wat.push_str(&format!(
            "  (func (param i32 i64) (result i64) (local f32)\n    (if (result i64) (i32.eqz (local.get 0))\n      (then (i64.add (local.get 1) (i64.const {i})))\n      (else (i64.mul (local.get 1) (i64.const 2)))))\n"
        ));
    }
    // Loops, locals and blocks are open when the type error (an f32 where
    // i32.add wants an i32) is found.
    wat.push_str("  (func $bad (param i32) (result i32) (local i64 f64)\n    (block (loop\n");
    for _ in 0..40 {
        wat.push_str("      (local.set 0 (i32.add (local.get 0) (i32.const 3)))\n");
    }
    wat.push_str("      (br_if 1 (i32.eqz (local.get 0)))))\n");
    wat.push_str("    (i32.add (local.get 0) (f32.const 1))))\n");
    let wasm = wat::parse_str(&wat).expect("well-formed text");
    let error = expect_invalid(&wasm, "type error in the first-compiled body");
    assert!(error.contains("type mismatch"), "{error}");
}

/// The same for the inlining pass, which translates every small function
/// up front with reused workers: a small body that fails half-way comes
/// first, valid small functions follow it on the same worker.
#[test]
fn invalid_small_body_does_not_poison_inlining_candidates() {
    let mut wat = String::from("(module\n");
    wat.push_str("  (func $bad (param i32) (result i32) (local i64 f64)\n    (block (loop (br_if 1 (i32.eqz (local.get 0)))))\n    (i32.add (local.get 0) (f32.const 1)))\n");
    for i in 0..8 {
        wat.push_str(&format!(
            "  (func (param i32 i64) (result i64) (local f32)\n    (if (result i64) (i32.eqz (local.get 0))\n      (then (i64.add (local.get 1) (i64.const {i})))\n      (else (i64.mul (local.get 1) (i64.const 2)))))\n"
        ));
    }
    wat.push_str(")\n");
    let wasm = wat::parse_str(&wat).expect("well-formed text");
    let error = expect_invalid(&wasm, "type error in a small body");
    assert!(error.contains("type mismatch"), "{error}");
}
