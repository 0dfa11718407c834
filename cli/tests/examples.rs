//! Every example in `examples/` builds and runs with the documented
//! output. A new example must be added here, or this test fails.
//!
//! - single `.wat` files run with `smelt run`;
//! - C examples (a directory with `build.sh`) are built by their script
//!   with this `smelt` and the system C compiler, then run; their output
//!   must equal `expected-output.txt`;
//! - the Rust example is a workspace member whose own test runs it
//!   (`examples/rust-host/tests/output.rs`).

use std::path::{Path, PathBuf};
use std::process::Command;

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples")
}

/// (file, smelt arguments after the file, expected exit code, expected
/// stdout, expected start of stderr)
const EXAMPLES: &[(&str, &[&str], i32, &str, &str)] = &[
    ("fib.wat", &["--invoke", "fib", "30"], 0, "832040\n", ""),
    ("hello.wat", &[], 0, "Hello, world!\n", ""),
    (
        "trap.wat",
        &["--invoke", "run"],
        134,
        "",
        "error: wasm trap: integer divide by zero\n  0: 0x",
    ),
];

/// Directories with a C program built by `build.sh`.
const C_EXAMPLES: &[&str] = &["c-host", "two-modules"];

/// Directories that are Cargo packages of the workspace.
const RUST_EXAMPLES: &[&str] = &["rust-host"];

#[test]
fn every_example_runs_as_documented() {
    for entry in std::fs::read_dir(examples_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            assert!(
                C_EXAMPLES.contains(&name.as_str()) || RUST_EXAMPLES.contains(&name.as_str()),
                "examples/{name}/ is not covered by cli/tests/examples.rs"
            );
        } else if path.extension().is_some_and(|e| e == "wat" || e == "wasm") {
            assert!(
                EXAMPLES.iter().any(|(f, ..)| *f == name),
                "examples/{name} is not covered by cli/tests/examples.rs"
            );
        }
    }
    for (file, args, code, stdout, stderr) in EXAMPLES {
        let out = Command::new(env!("CARGO_BIN_EXE_smelt"))
            .arg("run")
            .arg(examples_dir().join(file))
            .args(*args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(*code), "{file}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), *stdout, "{file}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with(stderr),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn run_c_example(name: &str) {
    let dir = examples_dir().join(name);
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("example-{name}"));
    let _ = std::fs::remove_dir_all(&out_dir);
    let build = Command::new("sh")
        .arg(dir.join("build.sh"))
        .arg(&out_dir)
        .env("SMELT", env!("CARGO_BIN_EXE_smelt"))
        .output()
        .unwrap();
    assert!(
        build.status.success(),
        "examples/{name}/build.sh failed:\n{}{}",
        String::from_utf8_lossy(&build.stdout),
        String::from_utf8_lossy(&build.stderr)
    );
    let run = Command::new(out_dir.join("app")).output().unwrap();
    assert!(
        run.status.success(),
        "examples/{name}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let expected = std::fs::read_to_string(dir.join("expected-output.txt")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        expected,
        "examples/{name}"
    );
}

#[test]
fn c_host_example() {
    run_c_example("c-host");
}

#[test]
fn two_modules_example() {
    run_c_example("two-modules");
}

#[test]
fn rust_examples_are_workspace_members_with_an_output_test() {
    let manifest = std::fs::read_to_string(examples_dir().join("../Cargo.toml")).unwrap();
    for name in RUST_EXAMPLES {
        assert!(
            manifest.contains(&format!("\"examples/{name}\"")),
            "examples/{name} must be a workspace member (so CI builds and tests it)"
        );
        assert!(examples_dir().join(name).join("tests/output.rs").exists());
        assert!(
            examples_dir()
                .join(name)
                .join("expected-output.txt")
                .exists()
        );
    }
    for name in C_EXAMPLES {
        assert!(
            examples_dir()
                .join(name)
                .join("expected-output.txt")
                .exists()
        );
    }
}

/// The README's first command: build hello.wat into a native executable.
#[test]
fn hello_builds_into_an_executable() {
    let out_dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("example_hello");
    std::fs::create_dir_all(&out_dir).unwrap();
    let exe = out_dir.join("hello");
    let status = Command::new(env!("CARGO_BIN_EXE_smelt"))
        .arg("build")
        .arg(examples_dir().join("hello.wat"))
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap();
    assert!(status.success());
    let out = Command::new(&exe).output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "Hello, world!\n");
}
