//! `--target` on the command line: `smelt targets`, objects for other
//! formats, the errors of `smelt build` without a runtime for the target,
//! and (when this machine has the aarch64 runtime, cross gcc and QEMU) an
//! aarch64 executable run under QEMU.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn smelt(args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smelt"));
    cmd.args(args).env_remove("SMELT_RUNTIME_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("running smelt")
}

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
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

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Opportunistic: needs `scripts/build-runtime.sh aarch64-unknown-linux-gnu`
/// to have run, `gcc-aarch64-linux-gnu` and `qemu-user`; otherwise it only
/// says what it skipped (scripts/cross-test.sh is the real cross test).
#[test]
fn aarch64_executable_runs_under_qemu() {
    let triple = "aarch64-unknown-linux-gnu";
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/smelt-runtime")
        .join(triple);
    if !runtime.join("libsmelt_runtime.a").is_file()
        || !have("aarch64-linux-gnu-gcc")
        || !have("qemu-aarch64")
    {
        eprintln!("skipped: no aarch64 runtime, cross gcc or qemu-aarch64 here");
        return;
    }
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
