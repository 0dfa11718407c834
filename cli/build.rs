//! Builds the runtime-support staticlib for the host (release profile
//! `runtime-lib`, without the in-process loader) and hands its path to the
//! CLI, which embeds it: `cargo install --path cli` is the whole install.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let runtime_dir = manifest_dir.join("../runtime-support");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let target_dir = out_dir.join("runtime-target");
    println!(
        "cargo:rerun-if-changed={}",
        runtime_dir.join("src").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        runtime_dir.join("Cargo.toml").display()
    );
    println!(
        "cargo:rerun-if-changed={}",
        runtime_dir.join("include").display()
    );

    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(runtime_dir.join("Cargo.toml"))
        .args([
            "--profile",
            "runtime-lib",
            "--lib",
            "--no-default-features",
            "--features",
            "runtime",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    // Settings meant for the outer build must not leak into this one.
    for var in [
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_MAKEFLAGS",
        "CARGO_PRIMARY_PACKAGE",
        "RUSTC_WORKSPACE_WRAPPER",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .expect("running cargo to build the runtime staticlib");
    assert!(status.success(), "building the runtime staticlib failed");
    let lib = target_dir.join("runtime-lib").join("libsmelt_runtime.a");
    assert!(lib.exists(), "{} was not produced", lib.display());
    println!("cargo:rustc-env=SMELT_RUNTIME_LIB={}", lib.display());
    println!(
        "cargo:rustc-env=SMELT_RUNTIME_HEADER={}",
        runtime_dir
            .join("include/smelt.h")
            .canonicalize()
            .expect("smelt.h exists")
            .display()
    );
    println!(
        "cargo:rustc-env=SMELT_HOST_TRIPLE={}",
        std::env::var("TARGET").expect("set by cargo")
    );
}
