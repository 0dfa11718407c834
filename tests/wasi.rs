//! WASI programs end to end: every C program in `tests/wasi/src` (built to
//! the committed `tests/wasi/*.wasm` by `tests/wasi/build.sh`) runs with
//! `smelt run` and as a `smelt build` executable, each in both execution
//! modes (compiled, and interpreted with `--mode interp`), each as a real
//! process in a fresh directory tree, and must print the expected stdout
//! and exit with the expected status.
//!
//! Trials are named `NAME [smelt run]`, `NAME [executable]`, and the same
//! with ` --mode interp` before the `]`: `-- interp` runs the interpreted
//! ones only, `-- "[executable]"` the compiled host executables only.
//!
//! A case is `tests/wasi/NAME.spec` plus the expected `NAME.stdout`. Spec
//! lines (all optional):
//!
//! ```text
//! program: NAME          the .wasm to run (default: the case name)
//! args: A B C            guest arguments (split on spaces)
//! stdin: TEXT            piped to stdin (`\n` for newlines); default: empty
//! env: K=V               set in the process environment (repeatable)
//! run-flags: ...         `smelt run` flags (default: --dir .)
//! build-flags: ...       `smelt build` flags (default: none = native view)
//! status: N              expected exit status (default 0)
//! stderr: TEXT           must appear in stderr (repeatable)
//! absent: PATH           afterwards nothing is at box/PATH, not even a
//!                        dangling symlink (repeatable)
//! link: PATH -> TARGET   afterwards box/PATH is a symlink to exactly TARGET
//!                        (repeatable)
//! ```
//!
//! The tree: `box/` is the working directory (and the preopen), with
//! `data.txt`, `sub/inner.txt` and symlinks in and out; `outside/secret.txt`
//! must stay unreachable and `outside/` unchanged. After every run, every
//! symlink in `box/` that the tree did not make must stay inside `box/`
//! when the kernel follows it (not absolute, never climbing above `box/`):
//! other programs on the host walk that directory too. All of this is
//! checked with `symlink_metadata`/`read_link`, never following a link the
//! guest made.
//!
//! `SMELT_WASI_CROSS=aarch64-unknown-linux-gnu` (or another Linux triple
//! with a runtime library and cross C compiler installed) adds two more
//! runs of each case, `NAME [executable TRIPLE]` and `NAME [executable
//! TRIPLE --mode interp]`: built with `--target` and run under
//! `qemu-<arch>`, with the same expected output (`scripts/cross-test.sh`
//! sets it).
//!
//! `SMELT_TEST_BLESS=1` rewrites each `.stdout` from its compiled
//! `smelt run` result (review the diff!).
//!
//! The `smelt` CLI is this test binary itself, re-executed with
//! `SMELT_TESTS_CLI=1` (a test crate cannot name the `smelt` binary).

use clap::Parser;
use libtest_mimic::{Arguments, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[derive(Parser)]
#[command(name = "smelt")]
struct Cli {
    #[command(subcommand)]
    command: smelt_cli::commands::Command,
}

/// The execution mode a trial compiles the program for.
#[derive(Copy, Clone, PartialEq, Eq)]
enum Mode {
    /// The default: no `--mode` flag, so the default stays tested.
    Compiled,
    /// `--mode interp`.
    Interp,
}

impl Mode {
    const ALL: [Mode; 2] = [Mode::Compiled, Mode::Interp];

    /// The flags given to `smelt run` and `smelt build`.
    fn flags(self) -> &'static [&'static str] {
        match self {
            Mode::Compiled => &[],
            Mode::Interp => &["--mode", "interp"],
        }
    }

    /// What the trial name and the tree label get.
    fn suffix(self) -> &'static str {
        match self {
            Mode::Compiled => "",
            Mode::Interp => " --mode interp",
        }
    }
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("wasi")
}

#[derive(Default, Clone)]
struct Spec {
    name: String,
    program: String,
    args: Vec<String>,
    stdin: String,
    env: Vec<(String, String)>,
    run_flags: Vec<String>,
    build_flags: Vec<String>,
    status: i32,
    stderr: Vec<String>,
    absent: Vec<String>,
    links: Vec<(String, String)>,
    stdout: String,
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(String::from).collect()
}

fn parse_spec(name: &str, text: &str, stdout: String) -> Result<Spec, String> {
    let mut s = Spec {
        name: name.into(),
        program: name.into(),
        run_flags: vec!["--dir".into(), ".".into()],
        stdout,
        ..Spec::default()
    };
    for (n, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let (k, v) = line
            .split_once(':')
            .ok_or_else(|| format!("{name}.spec:{}: expected `key: value`", n + 1))?;
        let v = v.trim();
        match k.trim() {
            "program" => s.program = v.into(),
            "args" => s.args = words(v),
            "stdin" => s.stdin = v.replace("\\n", "\n"),
            "env" => {
                let (k, v) = v
                    .split_once('=')
                    .ok_or_else(|| format!("{name}.spec:{}: env K=V", n + 1))?;
                s.env.push((k.into(), v.into()));
            }
            "run-flags" => s.run_flags = words(v),
            "build-flags" => s.build_flags = words(v),
            "status" => {
                s.status = v
                    .parse()
                    .map_err(|_| format!("{name}.spec:{}: bad status", n + 1))?
            }
            "stderr" => s.stderr.push(v.into()),
            "absent" => s.absent.push(v.into()),
            "link" => {
                let (path, target) = v
                    .split_once(" -> ")
                    .ok_or_else(|| format!("{name}.spec:{}: link: PATH -> TARGET", n + 1))?;
                s.links.push((path.into(), target.into()));
            }
            other => return Err(format!("{name}.spec:{}: unknown key `{other}`", n + 1)),
        }
    }
    Ok(s)
}

/// The symlinks `Tree::new` makes inside `box/` (some lead out on
/// purpose; the guest must not make such links itself).
const TREE_LINKS: [&str; 5] = [
    "link_in",
    "link_out",
    "link_abs",
    "sub/link_up",
    "link_dir_out",
];

/// A fresh directory tree for one run, removed on drop.
struct Tree(PathBuf);

impl Tree {
    fn new(label: &str) -> std::io::Result<Tree> {
        let label = label.replace([' ', '-'], "_");
        let root = std::env::temp_dir().join(format!("smelt-wasi-{}-{label}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("box/sub"))?;
        std::fs::create_dir_all(root.join("outside"))?;
        std::fs::create_dir_all(root.join("bin"))?;
        std::fs::write(root.join("box/data.txt"), "hello from the host\n")?;
        std::fs::write(root.join("box/sub/inner.txt"), "inner file\n")?;
        std::fs::write(root.join("outside/secret.txt"), "top secret\n")?;
        use std::os::unix::fs::symlink;
        symlink("data.txt", root.join("box/link_in"))?;
        symlink("../outside/secret.txt", root.join("box/link_out"))?;
        symlink(root.join("outside/secret.txt"), root.join("box/link_abs"))?;
        symlink("../../outside/secret.txt", root.join("box/sub/link_up"))?;
        symlink("../outside", root.join("box/link_dir_out"))?;
        Ok(Tree(root))
    }

    fn cwd(&self) -> PathBuf {
        self.0.join("box")
    }

    /// Nothing was created, removed or changed outside the sandbox.
    fn check_outside(&self) -> Result<(), String> {
        let mut names: Vec<_> = std::fs::read_dir(self.0.join("outside"))
            .map_err(|e| e.to_string())?
            .map(|e| {
                e.map(|e| e.file_name().to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        names.sort();
        let secret = std::fs::read_to_string(self.0.join("outside/secret.txt")).unwrap_or_default();
        let mut top: Vec<_> = std::fs::read_dir(&self.0)
            .map_err(|e| e.to_string())?
            .map(|e| {
                e.map(|e| e.file_name().to_string_lossy().into_owned())
                    .unwrap_or_default()
            })
            .collect();
        top.sort();
        if names != ["secret.txt"] || secret != "top secret\n" || top != ["bin", "box", "outside"] {
            return Err(format!(
                "the sandbox leaked: outside/ = {names:?}, root = {top:?}"
            ));
        }
        Ok(())
    }
}

/// Whether a symlink `depth` directories below the sandbox root whose
/// contents are `target` stays inside the root when the kernel follows it
/// (lexically: names may be links, but those are checked too).
fn stays_inside(target: &Path, depth: usize) -> bool {
    use std::path::Component;
    let mut depth = depth as isize;
    for c in target.components() {
        match c {
            Component::RootDir | Component::Prefix(_) => return false,
            Component::ParentDir => depth -= 1,
            Component::CurDir => {}
            Component::Normal(_) => depth += 1,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

/// Every symlink under `dir` (`depth` below the sandbox root, at `rel`)
/// that the tree did not make, with its contents. Never follows a link:
/// `DirEntry::file_type` does not, and only real directories are entered.
fn guest_links(dir: &Path, rel: &str, depth: usize, out: &mut Vec<(String, PathBuf, usize)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = if rel.is_empty() {
            name
        } else {
            format!("{rel}/{name}")
        };
        let Ok(ft) = e.file_type() else { continue };
        if ft.is_symlink() {
            if !TREE_LINKS.contains(&rel.as_str()) {
                let target = std::fs::read_link(e.path()).unwrap_or_default();
                out.push((rel, target, depth));
            }
        } else if ft.is_dir() {
            guest_links(&e.path(), &rel, depth + 1, out);
        }
    }
}

impl Tree {
    /// The spec's `absent:` and `link:` lines hold, and no symlink the
    /// guest made leads out of `box/`.
    fn check_box(&self, spec: &Spec) -> Result<(), String> {
        let boxed = self.cwd();
        let mut problems = Vec::new();
        for path in &spec.absent {
            if let Ok(m) = std::fs::symlink_metadata(boxed.join(path)) {
                problems.push(format!("box/{path} exists ({:?})", m.file_type()));
            }
        }
        for (path, want) in &spec.links {
            match std::fs::read_link(boxed.join(path)) {
                Ok(got) if got == Path::new(want) => {}
                Ok(got) => {
                    problems.push(format!("box/{path} -> {}, expected {want}", got.display()))
                }
                Err(e) => problems.push(format!("box/{path} is not a symlink to {want}: {e}")),
            }
        }
        let mut links = Vec::new();
        guest_links(&boxed, "", 0, &mut links);
        for (rel, target, depth) in links {
            if !stays_inside(&target, depth) {
                problems.push(format!(
                    "the guest made box/{rel} -> {}, which leads out of the sandbox",
                    target.display()
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("\n"))
        }
    }
}

impl Drop for Tree {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// This binary as the `smelt` CLI.
fn smelt() -> Command {
    let mut c = Command::new(std::env::current_exe().expect("test binary path"));
    c.env("SMELT_TESTS_CLI", "1");
    c
}

/// Runs `cmd` in the spec's conditions and compares the outcome. With
/// `bless`, the expected stdout is rewritten from this run instead.
fn check_run(spec: &Spec, mut cmd: Command, cwd: &Path, bless: bool) -> Result<(), Failed> {
    cmd.current_dir(cwd)
        .env_remove("SMELT_A")
        .env_remove("SMELT_B")
        .envs(spec.env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("spawning {cmd:?}: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let input = spec.stdin.clone();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let status = out.status.code().unwrap_or(-1);
    let mut problems = Vec::new();
    if bless {
        std::fs::write(
            corpus_dir().join(format!("{}.stdout", spec.name)),
            stdout.as_bytes(),
        )?;
    } else if stdout != spec.stdout {
        problems.push(format!(
            "stdout differs:\n--- expected\n{}--- got\n{stdout}",
            spec.stdout
        ));
    }
    if status != spec.status {
        problems.push(format!("exit status {status}, expected {}", spec.status));
    }
    for want in &spec.stderr {
        if !stderr.contains(want.as_str()) {
            problems.push(format!("stderr lacks `{want}`"));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("{cmd:?}\n{}\nstderr:\n{stderr}", problems.join("\n")).into())
    }
}

/// The run's outcome and the tree checks, all reported together: a wrong
/// stdout must not hide a link that leads out.
fn all_of(run: Result<(), Failed>, tree: &Tree, spec: &Spec) -> Result<(), Failed> {
    let problems: Vec<String> = [
        run.err()
            .map(|e| e.message().unwrap_or("failed").to_string()),
        tree.check_outside().err(),
        tree.check_box(spec).err(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn run_with_smelt_run(spec: &Spec, mode: Mode) -> Result<(), Failed> {
    let tree = Tree::new(&format!("{}-run{}", spec.name, mode.suffix()))?;
    let wasm = corpus_dir().join(format!("{}.wasm", spec.program));
    let mut cmd = smelt();
    cmd.arg("run")
        .args(mode.flags())
        .args(&spec.run_flags)
        .arg(&wasm)
        .args(&spec.args);
    // One writer per case: the compiled run (the interpreted one still
    // compares, against the stdout as it was when the test started).
    let bless = mode == Mode::Compiled && std::env::var_os("SMELT_TEST_BLESS").is_some();
    let run = check_run(spec, cmd, &tree.cwd(), bless);
    all_of(run, &tree, spec)
}

/// Builds the program as an executable and runs it: for the host, or with
/// `--target TRIPLE` under `qemu-<arch>` (user mode) when `cross` is set.
fn run_as_executable(spec: &Spec, mode: Mode, cross: Option<&str>) -> Result<(), Failed> {
    let tree = Tree::new(&format!(
        "{}-exe{}{}",
        spec.name,
        cross.unwrap_or(""),
        mode.suffix()
    ))?;
    let wasm = corpus_dir().join(format!("{}.wasm", spec.program));
    let exe = tree.0.join("bin").join(&spec.program);
    let target_flags: Vec<&str> = cross.map(|t| vec!["--target", t]).unwrap_or_default();
    let out = smelt()
        .arg("build")
        .args(mode.flags())
        .args(&target_flags)
        .args(&spec.build_flags)
        .arg(&wasm)
        .arg("-o")
        .arg(&exe)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "smelt build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let mut cmd = match cross {
        None => Command::new(&exe),
        Some(triple) => {
            // QEMU and Debian's cross sysroots name the ISA without its
            // extension letters: riscv64gc-... runs on qemu-riscv64.
            let arch = triple.split('-').next().unwrap_or(triple);
            let arch = arch.strip_suffix("gc").unwrap_or(arch);
            let mut cmd = Command::new(format!("qemu-{arch}"));
            // Only needed when the executable is linked dynamically.
            // LD_LIBRARY_PATH keeps the guest on the cross sysroot's glibc:
            // its ld.so with the target's Debian libc6 (if installed) is a
            // mismatched pair that hangs in pthread_create.
            cmd.env("QEMU_LD_PREFIX", format!("/usr/{arch}-linux-gnu"))
                .env(
                    "QEMU_SET_ENV",
                    format!("LD_LIBRARY_PATH=/usr/{arch}-linux-gnu/lib"),
                )
                .arg(&exe);
            cmd
        }
    };
    cmd.args(&spec.args);
    let run = check_run(spec, cmd, &tree.cwd(), false);
    all_of(run, &tree, spec)
}

/// `--invoke` works before FILE and, as older docs show it, right after.
fn invoke_positions() -> Result<(), Failed> {
    let tree = Tree::new("invoke")?;
    let wat = tree.0.join("bin/add.wat");
    std::fs::write(
        &wat,
        r#"(module (func (export "add") (param i32 i32) (result i32)
            (i32.add (local.get 0) (local.get 1))))"#,
    )?;
    let wat = wat.to_string_lossy().into_owned();
    for args in [
        vec!["run", "--invoke", "add", &wat, "2", "3"],
        vec!["run", &wat, "--invoke", "add", "2", "3"],
        vec!["run", &wat, "--invoke=add", "2", "3"],
    ] {
        let out = smelt().args(&args).output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() || stdout != "5\n" {
            return Err(format!(
                "smelt {args:?}: status {}, stdout {stdout:?}, stderr {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            )
            .into());
        }
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    if std::env::var_os("SMELT_TESTS_CLI").is_some() {
        return match Cli::parse().command.execute() {
            Ok(code) => code,
            Err(e) => {
                eprintln!("error: {e:#}");
                std::process::ExitCode::from(1)
            }
        };
    }
    let args = Arguments::from_args();
    let mut trials = Vec::new();
    let mut specs: Vec<_> = std::fs::read_dir(corpus_dir())
        .expect("tests/wasi exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "spec"))
        .collect();
    specs.sort();
    for path in specs {
        let name = path
            .file_stem()
            .expect("a file name")
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(&path).expect("readable spec");
        let stdout = std::fs::read_to_string(path.with_extension("stdout")).unwrap_or_default();
        let spec = match parse_spec(&name, &text, stdout) {
            Ok(s) => s,
            Err(e) => {
                trials.push(Trial::test(name, move || Err(e.into())));
                continue;
            }
        };
        let cross = std::env::var("SMELT_WASI_CROSS")
            .ok()
            .filter(|t| !t.is_empty());
        for mode in Mode::ALL {
            let m = mode.suffix();
            let s = spec.clone();
            trials.push(Trial::test(format!("{name} [smelt run{m}]"), move || {
                run_with_smelt_run(&s, mode)
            }));
            if let Some(triple) = cross.clone() {
                let s = spec.clone();
                trials.push(Trial::test(
                    format!("{name} [executable {triple}{m}]"),
                    move || run_as_executable(&s, mode, Some(&triple)),
                ));
            }
            let s = spec.clone();
            trials.push(Trial::test(format!("{name} [executable{m}]"), move || {
                run_as_executable(&s, mode, None)
            }));
        }
    }
    trials.push(Trial::test(
        "smelt run --invoke, before and after FILE",
        invoke_positions,
    ));
    libtest_mimic::run(&args, trials).exit();
}
