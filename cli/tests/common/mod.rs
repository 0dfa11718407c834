//! Helpers shared by the CLI's integration tests (`mod common;` in each).
#![allow(dead_code, reason = "each test file uses some of the helpers")]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A command running the `smelt` binary under test.
pub(crate) fn smelt_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_smelt"))
}

/// Runs `smelt args...` to completion.
pub(crate) fn smelt(args: &[&str]) -> Output {
    smelt_command().args(args).output().expect("running smelt")
}

/// A fresh, empty scratch directory `name` in cargo's test tmpdir.
pub(crate) fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes `contents` to `dir/name` and returns the path as a string.
pub(crate) fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, contents).unwrap();
    p.display().to_string()
}

pub(crate) fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub(crate) fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Says that (part of) `test` did not run here and why, as
/// `skipped: <test>: <reason>`. Written to the process's stderr directly:
/// libtest hides what passing tests print with `eprintln!`, and a skip
/// must show in `cargo test` and scripts/test.sh output.
pub(crate) fn skip(test: &str, reason: &str) {
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {reason}");
}
