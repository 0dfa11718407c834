//! wasi-threads programs (`wasi::thread-spawn` + a shared memory) run with
//! real OS threads in `smelt run` and in `smelt build` executables, and
//! `smelt wast` runs scripts whose `(thread ...)` commands do.

use std::path::PathBuf;
use std::process::Command;

fn program() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/threads/spawn.wat")
}

#[test]
fn threads_contend_on_a_shared_counter_with_exact_results() {
    let smelt = env!("CARGO_BIN_EXE_smelt");
    let out = Command::new(smelt)
        .arg("run")
        .arg(program())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "400000\n");

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("threads");
    std::fs::create_dir_all(&dir).unwrap();
    let exe = dir.join("spawn");
    let status = Command::new(smelt)
        .arg("build")
        .arg(program())
        .arg("-o")
        .arg(&exe)
        .status()
        .unwrap();
    assert!(status.success());
    for _ in 0..5 {
        let out = Command::new(&exe).output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8_lossy(&out.stdout), "400000\n");
    }
}

/// `smelt wast` runs a script with threads (a litmus test from
/// tests/wast/threads) and prints the summary; a wrong assertion inside a
/// thread is a failure with its line, and the exit status says so.
#[test]
fn wast_scripts_with_threads() {
    let smelt = env!("CARGO_BIN_EXE_smelt");
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/wast/threads/MP_atomic.wast");
    let out = Command::new(smelt)
        .arg("wast")
        .arg(&script)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert_eq!(stdout, "15 passed, 0 failed\n");

    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("wast_threads");
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.wast");
    std::fs::write(
        &bad,
        r#"(thread $T
  (module (func (export "f") (result i32) (i32.const 1)))
  (assert_return (invoke "f") (i32.const 1))
  (assert_return (invoke "f") (i32.const 2)))
(wait $T)
"#,
    )
    .unwrap();
    let out = Command::new(smelt).arg("wast").arg(&bad).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout,
        format!(
            "{}:4: thread $T: result 0: expected I32(2), got I32(1)\n4 passed, 1 failed\n",
            bad.display()
        )
    );
}
