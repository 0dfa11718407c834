//! Snapshot tests of the typed C API's headers: every `tests/headers/*.wat`
//! is compiled with `Options::c_api` (module name = file name) and its
//! header compared with the `.h` next to it. `SMELT_TEST_BLESS=1` rewrites
//! the expected headers instead; review the diff.
//!
//! Each header must also compile: it is included (with `smelt.h`) in a C
//! file that the system C compiler checks with `-Wall -Wextra -Werror`.

use libtest_mimic::{Arguments, Failed, Trial};
use smelt_compiler::{Options, compile};
use std::path::{Path, PathBuf};

fn headers_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("headers")
}

fn check(wat: &Path) -> Result<(), Failed> {
    let stem = wat
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or("bad file name")?;
    let wasm = wat::parse_file(wat).map_err(|e| e.to_string())?;
    let artifact = compile(
        &wasm,
        &Options {
            module_name: stem.to_string(),
            c_api: true,
            ..Options::default()
        },
    )
    .map_err(|e| e.to_string())?;
    let header = artifact.header.ok_or("no header generated")?;
    let expected_path = wat.with_extension("h");
    if std::env::var_os("SMELT_TEST_BLESS").is_some() {
        std::fs::write(&expected_path, &header).map_err(|e| e.to_string())?;
    } else {
        let expected = std::fs::read_to_string(&expected_path).map_err(|e| {
            format!(
                "{}: {e} (run with SMELT_TEST_BLESS=1 to create it)",
                expected_path.display()
            )
        })?;
        if expected != header {
            let first = expected
                .lines()
                .zip(header.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(expected.lines().count().min(header.lines().count()));
            return Err(format!(
                "{} differs from the generated header, first at line {}:\n  expected: {:?}\n  actual:   {:?}\n(run with SMELT_TEST_BLESS=1 to accept)",
                expected_path.display(),
                first + 1,
                expected.lines().nth(first).unwrap_or(""),
                header.lines().nth(first).unwrap_or(""),
            )
            .into());
        }
    }

    // The header compiles as C.
    let dir = smelt_tests::scratch_dir(env!("CARGO_TARGET_TMPDIR"), &format!("headers-{stem}"));
    std::fs::write(dir.join(format!("{stem}.h")), &header).map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("check.c"),
        format!("#include <stdio.h>\n#include \"{stem}.h\"\n"),
    )
    .map_err(|e| e.to_string())?;
    let include = Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime-support/include");
    let mut cc = smelt_cli::link::c_compiler(smelt_cli::link::HOST_TRIPLE, None)
        .map_err(|e| e.to_string())?;
    let out = cc
        .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
        .arg(format!("-I{}", include.display()))
        .arg(dir.join("check.c"))
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "the header does not compile:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

fn main() {
    let args = Arguments::from_args();
    let mut files: Vec<PathBuf> = std::fs::read_dir(headers_dir())
        .expect("tests/headers exists")
        .map(|e| e.expect("readable directory").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .collect();
    files.sort();
    let trials = files
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned();
            Trial::test(name, move || check(&path))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}
