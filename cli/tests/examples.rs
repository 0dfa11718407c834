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
