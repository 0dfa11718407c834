//! Every example in `examples/` builds and runs with the documented
//! output. A new example must be added here, or this test fails.

use std::path::PathBuf;
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

#[test]
fn every_example_runs_as_documented() {
    for entry in std::fs::read_dir(examples_dir()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.extension().is_some_and(|e| e == "wat" || e == "wasm") {
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
