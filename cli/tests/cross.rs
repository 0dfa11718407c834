//! `--target` on the command line: `smelt targets`, objects for other
//! formats, the errors of `smelt build` without a runtime for the target,
//! and (when this machine has the aarch64 cross toolchain and QEMU) an
//! aarch64 executable run under QEMU.

mod common;

use common::{scratch, stderr};
use std::path::Path;
use std::process::{Command, Output};

/// `smelt args...` with `env` set and no `SMELT_RUNTIME_DIR` from outside:
/// these tests decide where smelt looks for runtimes.
fn smelt(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = common::smelt_command();
    cmd.args(args).env_remove("SMELT_RUNTIME_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("running smelt")
}

const MODULE: &str = r#"(module
  (memory 1)
  (func $f (param i32) (result i32) (i32.mul (local.get 0) (i32.const 6)))
  (func (export "_start")
    (if (i32.ne (call $f (i32.const 7)) (i32.const 42)) (then unreachable))
    (drop (i32.load (i32.const 65536)))))"#;

#[test]
fn targets_lists_every_supported_target() {
    let out = smelt(&["targets", "--quiet"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    let expected: Vec<&str> = smelt_compiler::SUPPORTED_TARGETS
        .iter()
        .map(|t| t.triple)
        .collect();
    assert_eq!(listed, expected);

    let out = smelt(&["targets"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for t in expected {
        assert!(text.contains(t), "{t} missing from:\n{text}");
    }
}

#[test]
fn compile_writes_objects_for_other_formats() {
    let dir = scratch("cross_compile");
    let wat = dir.join("m.wat");
    std::fs::write(&wat, MODULE).unwrap();
    for (triple, magic) in [
        ("aarch64-apple-darwin", &[0xcf, 0xfa, 0xed, 0xfe][..]),
        ("x86_64-pc-windows-msvc", &[0x64, 0x86][..]),
        ("s390x-unknown-linux-gnu", &b"\x7fELF\x02\x02"[..]),
    ] {
        let obj = dir.join(format!("{triple}.o"));
        let out = smelt(
            &[
                "compile",
                wat.to_str().unwrap(),
                "-o",
                obj.to_str().unwrap(),
                "--target",
                triple,
            ],
            &[],
        );
        assert!(out.status.success(), "{triple}: {}", stderr(&out));
        let bytes = std::fs::read(&obj).unwrap();
        assert!(bytes.starts_with(magic), "{triple}: {:x?}", &bytes[..8]);
    }
}

#[test]
fn unsupported_target_is_a_clear_error() {
    let dir = scratch("cross_unsupported");
    let wat = dir.join("m.wat");
    std::fs::write(&wat, MODULE).unwrap();
    let obj = dir.join("m.o");
    let out = smelt(
        &[
            "compile",
            wat.to_str().unwrap(),
            "-o",
            obj.to_str().unwrap(),
            "--target",
            "aarch64-pc-windows-msvc",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("smelt targets"), "{}", stderr(&out));
    assert!(!obj.exists());
}

#[test]
fn build_for_objects_only_targets_is_refused() {
    let dir = scratch("cross_build_coff");
    let wat = dir.join("m.wat");
    std::fs::write(&wat, MODULE).unwrap();
    let exe = dir.join("m.exe");
    let out = smelt(
        &[
            "build",
            wat.to_str().unwrap(),
            "-o",
            exe.to_str().unwrap(),
            "--target",
            "x86_64-pc-windows-msvc",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no runtime for coff"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_runtime_says_how_to_build_it() {
    let dir = scratch("cross_missing_runtime");
    let wat = dir.join("m.wat");
    std::fs::write(&wat, MODULE).unwrap();
    let exe = dir.join("m");
    // A Linux target that is not the host and whose runtime nobody built.
    let triple = "x86_64-unknown-linux-musl";
    let out = smelt(
        &[
            "build",
            wat.to_str().unwrap(),
            "-o",
            exe.to_str().unwrap(),
            "--target",
            triple,
        ],
        &[("XDG_CACHE_HOME", &dir)],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains(&format!("scripts/build-runtime.sh {triple}"))
            && err.contains("--runtime-lib")
            && err.contains(&dir.join("smelt/runtime").join(triple).display().to_string()),
        "{err}"
    );
    assert!(!exe.exists());

    // --runtime-lib pointing at a folder without the library.
    let out = smelt(
        &[
            "build",
            wat.to_str().unwrap(),
            "-o",
            exe.to_str().unwrap(),
            "--target",
            triple,
            "--runtime-lib",
            dir.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no libsmelt_runtime.a there"),
        "{}",
        stderr(&out)
    );
}

/// Builds the aarch64 runtime (`scripts/build-runtime.sh`: a no-op when
/// it is up to date, a few minutes the first time) and runs an aarch64
/// executable under QEMU. Needs the cross toolchain that `.ci/run`
/// installs (`scripts/cross-test.sh --check aarch64` says what is
/// missing). Without it the test reports itself skipped, or fails when
/// `SMELT_REQUIRE_CROSS=1` (CI sets it); `SMELT_SKIP_CROSS=1` skips it
/// as it skips scripts/test.sh's QEMU tests.
#[test]
fn aarch64_executable_runs_under_qemu() {
    const TEST: &str = "aarch64_executable_runs_under_qemu";
    let triple = "aarch64-unknown-linux-gnu";
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if std::env::var_os("SMELT_SKIP_CROSS").is_some_and(|v| v == "1") {
        common::skip(TEST, "SMELT_SKIP_CROSS=1");
        return;
    }
    let check = Command::new(root.join("scripts/cross-test.sh"))
        .args(["--check", "aarch64"])
        .output()
        .expect("running scripts/cross-test.sh --check");
    if !check.status.success() {
        let reason = format!(
            "the aarch64 cross toolchain is not installed ({})",
            stderr(&check).trim()
        );
        assert!(
            std::env::var_os("SMELT_REQUIRE_CROSS").is_none_or(|v| v != "1"),
            "{reason}, and SMELT_REQUIRE_CROSS=1 requires it"
        );
        common::skip(TEST, &reason);
        return;
    }
    // From a shell's environment, not cargo's: build-runtime.sh picks the
    // cargo to run from $CARGO.
    let build = Command::new(root.join("scripts/build-runtime.sh"))
        .arg(triple)
        .env_remove("CARGO")
        .output()
        .expect("running scripts/build-runtime.sh");
    assert!(
        build.status.success(),
        "scripts/build-runtime.sh {triple} failed:\n{}",
        stderr(&build)
    );
    let runtime = root.join("target/smelt-runtime").join(triple);
    assert!(runtime.join("libsmelt_runtime.a").is_file());
    let dir = scratch("cross_aarch64_exe");
    let wat = dir.join("m.wat");
    std::fs::write(&wat, MODULE).unwrap();
    let exe = dir.join("m");
    let out = smelt(
        &[
            "build",
            wat.to_str().unwrap(),
            "-o",
            exe.to_str().unwrap(),
            "--target",
            triple,
            "--runtime-lib",
            runtime.to_str().unwrap(),
        ],
        &[],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let run = Command::new("qemu-aarch64")
        .args(["-L", "/usr/aarch64-linux-gnu"])
        .arg(&exe)
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(134), "{}", stderr(&run));
    assert!(
        stderr(&run).starts_with("error: wasm trap: out of bounds memory access\n"),
        "{}",
        stderr(&run)
    );
}
