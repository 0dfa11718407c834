//! wasi-threads programs (`wasi::thread-spawn` + a shared memory) run with
//! real OS threads in `smelt run` and in `smelt build` executables.

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
