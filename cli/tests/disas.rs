//! CLIF snapshot tests, as Wasmtime's `tests/disas`: each
//! `tests/disas/*.wat` is compiled with `smelt compile --emit-clif` and the
//! CLIF of its defined functions is compared with the expected text at the
//! end of the file. A change to the translator then shows up as a readable
//! diff of these files.
//!
//! A file starts with `;;!` lines giving the flags, then the module:
//!
//! ```text
//! ;;! args = --bounds-checks explicit
//! ;;! clif = optimized        (default: translated, the optimizer's input)
//! (module ...)
//! ;; ==== expected ====
//! ;; function u0:0(...) ...
//! ```
//!
//! Everything after the `==== expected ====` line is the expected CLIF,
//! each line prefixed by `;; `. `SMELT_TEST_BLESS=1 cargo test --test disas`
//! rewrites that part from the current output (review the diff before
//! committing it). The target is pinned to x86_64 Linux with its baseline
//! CPU (x86-64-v2), so the output is the same on every host.

mod common;

use common::{scratch, smelt_command};
use std::path::{Path, PathBuf};

const EXPECTED: &str = ";; ==== expected ====";

/// One snapshot file split into its parts.
struct Snapshot {
    /// The `;;!` header and the module, as written.
    source: String,
    args: Vec<String>,
    optimized: bool,
    expected: String,
}

fn parse(path: &Path) -> Snapshot {
    let text = std::fs::read_to_string(path).unwrap();
    let (source, expected) = match text.split_once(EXPECTED) {
        Some((s, e)) => (s.trim_end().to_string(), e),
        None => (text.trim_end().to_string(), ""),
    };
    let expected = expected
        .lines()
        .skip(1)
        .map(|l| {
            l.strip_prefix(";; ")
                .unwrap_or(l.strip_prefix(";;").unwrap_or(l))
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut args = Vec::new();
    let mut optimized = false;
    for line in source.lines().filter_map(|l| l.strip_prefix(";;!")) {
        let (key, value) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("{}: `;;!` line without `=`: {line}", path.display()));
        match key.trim() {
            "args" => args.extend(value.split_whitespace().map(String::from)),
            "clif" => match value.trim() {
                "translated" => optimized = false,
                "optimized" => optimized = true,
                other => panic!("{}: clif = {other}?", path.display()),
            },
            other => panic!("{}: unknown `;;!` key {other}", path.display()),
        }
    }
    Snapshot {
        source,
        args,
        optimized,
        expected: expected.trim_end().to_string(),
    }
}

/// The CLIF of the defined functions of `path`'s module, in index order.
fn clif_of(path: &Path, snap: &Snapshot, scratch: &Path) -> String {
    let dir = scratch.join("clif");
    let _ = std::fs::remove_dir_all(&dir);
    let mut cmd = smelt_command();
    cmd.arg("compile")
        .arg(path)
        .arg("-o")
        .arg(scratch.join("out.o"))
        .arg("--emit-clif")
        .arg(&dir)
        .args(["--target", "x86_64-unknown-linux-gnu", "--name", "disas"])
        .args(&snap.args);
    if snap.optimized {
        cmd.arg("--emit-clif-optimized");
    }
    let out = cmd.output().expect("running smelt");
    assert!(
        out.status.success(),
        "{}: smelt compile failed:\n{}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    // Writing the CLIF does not change the object.
    let plain = smelt_command()
        .arg("compile")
        .arg(path)
        .arg("-o")
        .arg(scratch.join("plain.o"))
        .args(["--target", "x86_64-unknown-linux-gnu", "--name", "disas"])
        .args(&snap.args)
        .output()
        .expect("running smelt");
    assert!(plain.status.success());
    assert!(
        std::fs::read(scratch.join("out.o")).unwrap()
            == std::fs::read(scratch.join("plain.o")).unwrap(),
        "{}: --emit-clif changed the object",
        path.display()
    );
    let ext = if snap.optimized { ".opt.clif" } else { ".clif" };
    let mut funcs: Vec<(u32, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            let rest = name.strip_prefix("function[")?;
            let index: u32 = rest.split(']').next()?.parse().ok()?;
            let stem_len = name.len() - ext.len();
            (name.ends_with(ext) && !name[..stem_len].ends_with(".opt")).then_some((index, p))
        })
        .collect();
    funcs.sort();
    funcs
        .iter()
        .map(|(_, p)| {
            // Trailing blanks (`fence ` has one) do not survive in the
            // snapshot file.
            let text = std::fs::read_to_string(p).unwrap();
            let lines: Vec<&str> = text.trim_end().lines().map(str::trim_end).collect();
            lines.join("\n")
        })
        .collect::<Vec<_>>()
        .join("\n\n")
}

#[test]
fn clif_snapshots() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/disas");
    let scratch = scratch("disas");
    let bless = std::env::var_os("SMELT_TEST_BLESS").is_some_and(|v| v == "1");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no snapshots in {}", root.display());
    let mut failed = Vec::new();
    for path in &files {
        let snap = parse(path);
        let actual = clif_of(path, &snap, &scratch);
        assert!(!actual.is_empty(), "{}: no functions", path.display());
        if actual == snap.expected {
            continue;
        }
        if bless {
            let mut text = snap.source.clone();
            text.push_str("\n\n");
            text.push_str(EXPECTED);
            text.push('\n');
            for line in actual.lines() {
                text.push_str(format!(";; {line}").trim_end());
                text.push('\n');
            }
            std::fs::write(path, text).unwrap();
        } else {
            failed.push(format!(
                "{}\n{}",
                path.display(),
                diff(&snap.expected, &actual)
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "CLIF differs from the snapshot (SMELT_TEST_BLESS=1 rewrites it):\n\n{}",
        failed.join("\n\n")
    );
}

/// A line diff good enough to read a changed snapshot: the first lines
/// that differ, with some context.
fn diff(expected: &str, actual: &str) -> String {
    let e: Vec<&str> = expected.lines().collect();
    let a: Vec<&str> = actual.lines().collect();
    let first = e.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let mut out = format!("first difference at line {}:\n", first + 1);
    for l in e.iter().skip(first).take(12) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in a.iter().skip(first).take(12) {
        out.push_str(&format!("+ {l}\n"));
    }
    out
}
