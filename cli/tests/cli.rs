//! The `smelt` binary's behaviour: outputs, exit codes, error messages,
//! and that bad input never leaves a partial output file.

mod common;

use common::{scratch, smelt, stderr, write};
use std::process::Command;

const ADD: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func $boom (export "boom") (result i32) (i32.div_u (i32.const 1) (i32.const 0)))
  (func (export "_start") (drop (call $boom))))"#;

#[test]
fn run_invoke_prints_results() {
    let dir = scratch("cli_run");
    let wat = write(&dir, "add.wat", ADD);
    let out = smelt(&["run", &wat, "--invoke", "add", "40", "2"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "42\n");
}

#[test]
fn trap_reports_backtrace_and_exits_134() {
    let dir = scratch("cli_trap");
    let wat = write(&dir, "add.wat", ADD);
    let out = smelt(&["run", &wat, "--invoke", "boom"]);
    assert_eq!(out.status.code(), Some(134));
    let err = stderr(&out);
    assert!(
        err.starts_with("error: wasm trap: integer divide by zero\n  0: 0x"),
        "{err}"
    );
    assert!(err.contains(" - add!boom"), "{err}");
}

#[test]
fn compile_then_run_the_object() {
    let dir = scratch("cli_compile");
    let wat = write(&dir, "add.wat", ADD);
    let obj = dir.join("add.o").display().to_string();
    let out = smelt(&["compile", &wat, "-o", &obj]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = smelt(&["run", &obj, "--invoke", "add", "1", "2"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "3\n",
        "{}",
        stderr(&out)
    );
}

#[test]
fn build_links_an_executable() {
    let dir = scratch("cli_build");
    let wat = write(&dir, "add.wat", ADD);
    let exe = dir.join("add").display().to_string();
    let out = smelt(&["build", &wat, "-o", &exe]);
    assert!(out.status.success(), "{}", stderr(&out));
    let run = Command::new(&exe).output().unwrap();
    assert_eq!(run.status.code(), Some(134));
    assert!(
        stderr(&run).starts_with("error: wasm trap: integer divide by zero"),
        "{}",
        stderr(&run)
    );

    let ok = write(&dir, "ok.wat", "(module (func (export \"_start\")))");
    let exe2 = dir.join("ok").display().to_string();
    assert!(smelt(&["build", &ok, "-o", &exe2]).status.success());
    assert_eq!(Command::new(&exe2).status().unwrap().code(), Some(0));
}

#[test]
fn bad_inputs_give_one_error_line_and_exit_1() {
    let dir = scratch("cli_bad");
    let out_path = dir.join("out.o");
    std::fs::write(&out_path, b"previous contents").unwrap();
    let out_s = out_path.display().to_string();
    let cases: Vec<(String, &str)> = vec![
        (
            dir.join("missing.wasm").display().to_string(),
            "No such file",
        ),
        (
            write(&dir, "garbage.wasm", b"\0asm\x01\0\0\0\x01\xff\xff"),
            "offset 0x",
        ),
        (
            write(
                &dir,
                "invalid.wat",
                "(module (func (result i32) (i64.const 0)))",
            ),
            "type mismatch",
        ),
        (
            write(&dir, "syntax.wat", "(module (func (i32.bogus)))"),
            "syntax.wat:1:",
        ),
        (
            write(&dir, "text.txt", [0xffu8, 0xfe, 0x00]),
            "not a wasm module",
        ),
    ];
    for (input, needle) in cases {
        let out = smelt(&["compile", &input, "-o", &out_s]);
        assert_eq!(out.status.code(), Some(1), "{input}");
        let err = stderr(&out);
        assert!(err.starts_with("error: "), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle), "{input}: {err}");
        assert_eq!(
            std::fs::read(&out_path).unwrap(),
            b"previous contents",
            "{input}"
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("smelt-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn build_refuses_imports_it_cannot_satisfy() {
    let dir = scratch("cli_imports");
    let wat = write(
        &dir,
        "imp.wat",
        r#"(module (import "env" "f" (func)) (import "env" "m" (memory 1)))"#,
    );
    let exe = dir.join("imp");
    let out = smelt(&["build", &wat, "-o", &exe.display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("env::f (func)") && err.contains("env::m (memory)"),
        "{err}"
    );
    assert!(!exe.exists());
}

#[test]
fn wast_summary_line() {
    let dir = scratch("cli_wast");
    let script = write(
        &dir,
        "t.wast",
        r#"(module (func (export "f") (result i32) (i32.const 7)))
           (assert_return (invoke "f") (i32.const 7))
           (assert_return (invoke "f") (i32.const 8))
           (assert_trap (module (func $s (unreachable)) (start $s)) "unreachable")"#,
    );
    let out = smelt(&["wast", &script]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("t.wast:3: result 0: expected"), "{stdout}");
    assert!(stdout.ends_with("3 passed, 1 failed\n"), "{stdout}");
}

#[test]
fn stack_overflow_in_an_executable_with_a_small_stack() {
    let dir = scratch("cli_stack_overflow");
    let wat = write(
        &dir,
        "so.wat",
        r#"(module
          (func $rec (param i32) (result i32) (i32.add (call $rec (local.get 0)) (i32.const 1)))
          (func (export "_start") (drop (call $rec (i32.const 0)))))"#,
    );
    let exe = dir.join("so").display().to_string();
    let out = smelt(&["build", &wat, "-o", &exe]);
    assert!(out.status.success(), "{}", stderr(&out));
    for kib in [256, 8192] {
        let run = Command::new("sh")
            .arg("-c")
            .arg(format!("ulimit -s {kib}; exec '{exe}'"))
            .output()
            .unwrap();
        assert_eq!(run.status.code(), Some(134), "ulimit -s {kib}: {run:?}");
        let err = stderr(&run);
        assert!(
            err.starts_with("error: wasm trap: call stack exhausted\n  0: "),
            "{err}"
        );
        // 128 frames are printed, then the count of the rest.
        assert!(err.contains("  127: 0x"), "{err}");
        assert!(err.trim_end().ends_with("more frames"), "{err}");
    }
}

/// `f32.add` of two NaNs: one input's payload, quieted, without
/// `--canonicalize-nans` (x86 and aarch64 propagate the first NaN), the
/// canonical NaN with it.
const NAN_BITS: &str = r#"(func $bits (export "bits") (result i32)
    (i32.reinterpret_f32 (f32.add (f32.const -nan:0x200001) (f32.const nan:0x300000))))"#;

#[test]
fn canonicalize_nans_in_run_build_and_wast() {
    let dir = scratch("cli_nans");
    // `_start` exits with 0 only for the canonical NaN.
    let program = format!(
        r#"(module
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          {NAN_BITS}
          (func (export "_start") (call $exit (i32.ne (call $bits) (i32.const 0x7fc00000)))))"#
    );
    let wat = write(&dir, "nan.wat", &program);
    let bits = |flags: &[&str]| {
        let mut args = vec!["run"];
        args.extend_from_slice(flags);
        args.extend_from_slice(&[&wat, "--invoke", "bits"]);
        let out = smelt(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<i32>()
            .unwrap() as u32
    };
    assert_eq!(bits(&["--canonicalize-nans"]), 0x7fc0_0000);
    // The first operand's payload, quieted and with its sign.
    assert_eq!(bits(&[]), 0xffe0_0001);

    for (flags, status) in [(&["--canonicalize-nans"][..], 0), (&[][..], 1)] {
        let exe = dir
            .join(format!("nan{}", flags.len()))
            .display()
            .to_string();
        let mut args = vec!["build", &wat, "-o", &exe];
        args.extend_from_slice(flags);
        let out = smelt(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        let run = Command::new(&exe).status().unwrap();
        assert_eq!(run.code(), Some(status), "{flags:?}");
    }

    // The script runner has no WASI: the function alone.
    let script = write(
        &dir,
        "nan.wast",
        format!("(module {NAN_BITS})\n(assert_return (invoke \"bits\") (i32.const 0x7fc00000))"),
    );
    let out = smelt(&["wast", "--canonicalize-nans", &script]);
    assert_eq!(String::from_utf8_lossy(&out.stdout), "2 passed, 0 failed\n");
    let out = smelt(&["wast", &script]);
    assert_eq!(out.status.code(), Some(1));
}

/// Rust (legacy, v0) and C++ names in the name section are printed
/// demangled by `smelt run` and by built executables (static and
/// dynamic: the embedded runtime demangles); plain and malformed names
/// as they are. The fixture's comment lists the symbols.
#[test]
fn trap_reports_demangle_rust_and_cpp_names() {
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/demangle/mangled.wat");
    let dir = scratch("cli_demangle");
    // The module name is the file name.
    let wat = write(&dir, "mangled.wat", std::fs::read(fixture).unwrap());
    // The offsets are the ones Wasmtime reports for the same module.
    let report = include_str!("../../tests/demangle/mangled.report");
    let out = smelt(&["run", &wat, "--invoke", "run"]);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    assert_eq!(stderr(&out), report);
    // Through `_start`, one more frame (an unnamed function).
    let via_start = format!("{report}  8: 0x74 - mangled!<wasm function 8>\n");
    let out = smelt(&["run", &wat]);
    assert_eq!(out.status.code(), Some(134), "{}", stderr(&out));
    assert_eq!(stderr(&out), via_start);
    for flags in [&[][..], &["--dynamic"][..]] {
        let exe = dir.join("mangled").display().to_string();
        let mut args = vec!["build", &wat, "-o", &exe];
        args.extend(flags);
        let out = smelt(&args);
        assert!(out.status.success(), "{flags:?}: {}", stderr(&out));
        let run = Command::new(&exe).output().unwrap();
        assert_eq!(run.status.code(), Some(134), "{flags:?}: {}", stderr(&run));
        assert_eq!(stderr(&run), via_start, "{flags:?}");
    }
}
