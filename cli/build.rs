//! Builds the runtime-support staticlib for the machine `smelt` will run
//! on (release profile `runtime-lib`, without the in-process loader, with
//! demangled backtraces) and
//! hands its path to the CLI, which embeds it: `cargo install --path cli`
//! is the whole install.
//!
//! Cross-building smelt itself (`cargo build --target T`, e.g. to run the
//! spec suite under QEMU) builds the embedded library for `T` with the same
//! `RUSTC`. When that cannot work — a target whose standard library must be
//! built from source (`-Zbuild-std`) — set `SMELT_EMBED_RUNTIME_LIB` to an
//! already built `libsmelt_runtime.a` for `T` (scripts/build-runtime.sh
//! makes one) and it is embedded as is.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let runtime_dir = manifest_dir.join("../runtime-support");
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let target_dir = out_dir.join("runtime-target");
    for input in ["src", "Cargo.toml", "include"] {
        println!(
            "cargo:rerun-if-changed={}",
            runtime_dir.join(input).display()
        );
    }
    println!("cargo:rerun-if-env-changed=SMELT_EMBED_RUNTIME_LIB");
    let target = std::env::var("TARGET").expect("set by cargo");
    let host = std::env::var("HOST").expect("set by cargo");
    println!(
        "cargo:rustc-env=SMELT_RUNTIME_HEADER={}",
        runtime_dir
            .join("include/smelt.h")
            .canonicalize()
            .expect("smelt.h exists")
            .display()
    );
    // The triple of the embedded runtime: the machine smelt runs on.
    println!("cargo:rustc-env=SMELT_HOST_TRIPLE={target}");

    if let Some(prebuilt) = std::env::var_os("SMELT_EMBED_RUNTIME_LIB") {
        let lib = PathBuf::from(prebuilt);
        assert!(
            lib.is_file(),
            "SMELT_EMBED_RUNTIME_LIB={} is not a file",
            lib.display()
        );
        println!("cargo:rerun-if-changed={}", lib.display());
        println!("cargo:rustc-env=SMELT_RUNTIME_LIB={}", lib.display());
        return;
    }

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
            // No in-process loader; demangled backtraces
            // (docs/traps.md "Demangled names").
            "runtime,demangle",
        ])
        .arg("--target-dir")
        .arg(&target_dir);
    // A cross build of smelt embeds a runtime for the target; `RUSTC` (the
    // compiler cargo uses for this build, inherited) must have its std.
    let profile_dir = if target != host {
        cmd.args(["--target", &target]);
        target_dir.join(&target).join("runtime-lib")
    } else {
        target_dir.join("runtime-lib")
    };
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
    assert!(
        status.success(),
        "building the runtime staticlib for {target} failed (for a cross build, \
         set SMELT_EMBED_RUNTIME_LIB to a prebuilt one: scripts/build-runtime.sh {target})"
    );
    let lib = profile_dir.join("libsmelt_runtime.a");
    assert!(lib.exists(), "{} was not produced", lib.display());
    let lib = strip_runtime_lib(&lib, &out_dir);
    println!("cargo:rustc-env=SMELT_RUNTIME_LIB={}", lib.display());
}

/// A copy of the runtime archive without debug info and without the LLVM
/// bitcode Rust's prebuilt std carries in every object (`.llvmbc`): 23.6
/// MB shrink to 4.5 MB, `smelt build` of a 30 KB module takes 0.24 s
/// instead of 0.33 s (most of it the link) and executables are 1.75 MB
/// instead of 5.6 MB before `strip`, with the same code (the
/// runtime keeps its symbols, so backtraces through it still have names).
/// Uses `objcopy` (`OBJCOPY` overrides); where it is missing or does not
/// know the target's object format, the library is embedded as built.
fn strip_runtime_lib(lib: &std::path::Path, out_dir: &std::path::Path) -> PathBuf {
    println!("cargo:rerun-if-env-changed=OBJCOPY");
    let objcopy = std::env::var_os("OBJCOPY").unwrap_or_else(|| "objcopy".into());
    let stripped = out_dir.join("libsmelt_runtime.a");
    let ok = Command::new(&objcopy)
        .args([
            "--strip-debug",
            "--remove-section=.llvmbc",
            "--remove-section=.llvmcmd",
        ])
        .arg(lib)
        .arg(&stripped)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        stripped
    } else {
        println!(
            "cargo:warning=could not strip the runtime library with {objcopy:?}; \
             embedding it with its debug info (executables link slower and are larger)"
        );
        lib.to_path_buf()
    }
}
