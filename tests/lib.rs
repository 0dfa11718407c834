//! Helpers shared by smelt's integration tests.

use smelt_compiler::Options;
use smelt_runtime::Module;
use std::io::Write;
use std::path::PathBuf;

/// Compiles `wat` with the default options, as module `test`, and loads
/// the object in-process.
pub fn module(wat: &str) -> Module {
    module_with(
        wat,
        &Options {
            module_name: "test".into(),
            ..Options::default()
        },
    )
}

/// Compiles `wat` with `options` and loads the object in-process. With
/// `SMELT_TEST_MODE=interp` in the environment the module is compiled
/// for the interpreter instead, with `SMELT_TEST_MODE=lazy` for the
/// interpreter with lazy translation as `smelt run` does it
/// (scripts/test.sh runs the embedding tests all three ways: a host must
/// not be able to tell the executors apart).
pub fn module_with(wat: &str, options: &Options) -> Module {
    let wasm = wat::parse_str(wat).expect("valid wat");
    let mut options = options.clone();
    if let Some(mode) = test_mode() {
        options.mode = mode;
    }
    if std::env::var("SMELT_TEST_MODE").is_ok_and(|m| m == "lazy") {
        return lazy_module(wasm, &options);
    }
    let artifact = smelt_compiler::compile(&wasm, &options).expect("compiles");
    Module::from_object(&artifact.object).expect("loads")
}

/// Compiles binary `wasm` for lazy interpretation
/// (`smelt_compiler::compile_lazy`, whatever `options.mode` says) and
/// loads it with its translator.
pub fn lazy_module(wasm: Vec<u8>, options: &Options) -> Module {
    let options = Options {
        mode: smelt_compiler::ExecutionMode::Interpreted,
        ..options.clone()
    };
    let lazy = smelt_compiler::compile_lazy(Box::new(wasm), &options).expect("compiles");
    Module::from_object_lazy(&lazy.artifact.object, lazy.translator).expect("loads")
}

/// The execution mode `SMELT_TEST_MODE` asks for (`compiled`, `interp`,
/// or `lazy`: interpreted, translated on first call).
pub fn test_mode() -> Option<smelt_compiler::ExecutionMode> {
    match std::env::var("SMELT_TEST_MODE").ok()?.as_str() {
        "interp" | "lazy" => Some(smelt_compiler::ExecutionMode::Interpreted),
        "compiled" => Some(smelt_compiler::ExecutionMode::Compiled),
        other => panic!("SMELT_TEST_MODE={other}: expected compiled, interp or lazy"),
    }
}

/// Says that (part of) `test` did not run here and why, as
/// `skipped: <test>: <reason>`. Written to the process's stderr directly:
/// libtest hides what passing tests print with `eprintln!`, and a skip
/// must show in `cargo test` and scripts/test.sh output.
pub fn skip(test: &str, reason: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {reason}");
}

/// A fresh scratch directory `name` under `base` (pass
/// `env!("CARGO_TARGET_TMPDIR")` from the test).
pub fn scratch_dir(base: &str, name: &str) -> PathBuf {
    let dir = PathBuf::from(base).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    dir
}

/// Compiles each `(module name, wat)` with the typed C API into `dir`
/// (`<name>.o` and `<name>.h`), then the C program `main_c` with them and
/// the runtime into `dir/app`, which it returns.
pub fn build_c_program(dir: &std::path::Path, modules: &[(&str, &str)], main_c: &str) -> PathBuf {
    let mut objects = Vec::new();
    for (name, wat) in modules {
        let wasm = wat::parse_str(wat).unwrap_or_else(|e| panic!("{name}: {e}"));
        let artifact = smelt_compiler::compile(
            &wasm,
            &smelt_compiler::Options {
                module_name: name.to_string(),
                c_api: true,
                ..smelt_compiler::Options::default()
            },
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let object = dir.join(format!("{name}.o"));
        std::fs::write(&object, &artifact.object).expect("writing the object");
        std::fs::write(
            dir.join(format!("{name}.h")),
            artifact.header.expect("a header"),
        )
        .expect("writing the header");
        objects.push(object);
    }
    std::fs::write(dir.join("main.c"), main_c).expect("writing main.c");
    let runtime = dir.join("runtime");
    smelt_cli::link::install_runtime(&runtime).expect("runtime installs");
    let mut cc =
        smelt_cli::link::c_compiler(smelt_cli::link::HOST_TRIPLE, None).expect("a C compiler");
    let out = cc
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pthread"])
        .arg(format!("-I{}", runtime.join("include").display()))
        .arg(format!("-I{}", dir.display()))
        .arg(dir.join("main.c"))
        .args(&objects)
        .arg(runtime.join("libsmelt_runtime.a"))
        .args(smelt_cli::link::SYSTEM_LIBS)
        .arg("-o")
        .arg(dir.join("app"))
        .output()
        .expect("running cc");
    assert!(
        out.status.success(),
        "linking the C program failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join("app")
}
