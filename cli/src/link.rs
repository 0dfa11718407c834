//! Linking executables: the runtime staticlib embedded in `smelt` (for the
//! host) or built per target by `scripts/build-runtime.sh` (for cross
//! targets), and the C compiler for the target found the way the `cc`
//! crate finds it (`aarch64-linux-gnu-gcc` for aarch64 Linux, …).

use anyhow::{Context, Result, anyhow};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// The host runtime staticlib, built by build.rs.
pub const RUNTIME_LIB: &[u8] = include_bytes!(env!("SMELT_RUNTIME_LIB"));
/// The runtime's C header.
pub const RUNTIME_HEADER: &str = include_str!(env!("SMELT_RUNTIME_HEADER"));
/// The triple the embedded runtime was built for.
pub const HOST_TRIPLE: &str = env!("SMELT_HOST_TRIPLE");
/// System libraries the runtime needs.
pub const SYSTEM_LIBS: &[&str] = &["-lpthread", "-ldl", "-lm"];

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// A directory holding `libsmelt_runtime.a` and `include/smelt.h` for this
/// build of smelt, extracted on first use into the user's cache directory.
pub fn runtime_dir() -> Result<PathBuf> {
    let base = cache_dir().unwrap_or_else(std::env::temp_dir);
    let dir = base.join("smelt").join(format!(
        "{}-{:016x}",
        env!("CARGO_PKG_VERSION"),
        fnv1a(RUNTIME_LIB) ^ fnv1a(RUNTIME_HEADER.as_bytes())
    ));
    install_runtime(&dir)?;
    Ok(dir)
}

/// Writes the runtime library and header into `dir` (`dir/libsmelt_runtime.a`,
/// `dir/include/smelt.h`), unless they are already there.
pub fn install_runtime(dir: &Path) -> Result<()> {
    let lib = dir.join("libsmelt_runtime.a");
    let header = dir.join("include").join("smelt.h");
    let lib_ok = std::fs::metadata(&lib).is_ok_and(|m| m.len() == RUNTIME_LIB.len() as u64);
    let header_ok = std::fs::read_to_string(&header).is_ok_and(|h| h == RUNTIME_HEADER);
    if lib_ok && header_ok {
        return Ok(());
    }
    std::fs::create_dir_all(dir.join("include"))
        .with_context(|| format!("{}: cannot create directory", dir.display()))?;
    crate::common::write_atomically(&lib, RUNTIME_LIB)?;
    crate::common::write_atomically(&header, RUNTIME_HEADER.as_bytes())?;
    Ok(())
}

/// The environment variable naming a folder with one runtime folder per
/// target triple (`$SMELT_RUNTIME_DIR/<triple>/libsmelt_runtime.a`).
pub const RUNTIME_DIR_VAR: &str = "SMELT_RUNTIME_DIR";

/// Whether `target` names the machine smelt runs on (whose runtime is
/// embedded), whatever the spelling of the triple.
pub fn is_host(target: &str) -> bool {
    target == HOST_TRIPLE
        || target.parse::<smelt_compiler::Triple>().ok() == HOST_TRIPLE.parse().ok()
}

/// The folder name for `target`'s runtime: the canonical spelling of the
/// triple, so `aarch64-linux-gnu` and `aarch64-unknown-linux-gnu` agree.
pub fn canonical_triple(target: &str) -> String {
    target
        .parse::<smelt_compiler::Triple>()
        .map(|t| t.to_string())
        .unwrap_or_else(|_| target.to_string())
}

/// The folders `smelt build --target T` searches for T's
/// `libsmelt_runtime.a`, in order:
///
/// 1. `$SMELT_RUNTIME_DIR/<triple>`;
/// 2. `$XDG_CACHE_HOME/smelt/runtime/<triple>` (default
///    `~/.cache/smelt/runtime/<triple>`), where
///    `scripts/build-runtime.sh <triple> --install` copies it;
/// 3. `<dir of the smelt binary>/../smelt-runtime/<triple>`: in a source
///    tree that is `target/smelt-runtime/<triple>`, where
///    `scripts/build-runtime.sh <triple>` writes it.
pub fn runtime_search_path(target: &str) -> Vec<PathBuf> {
    let triple = canonical_triple(target);
    let mut dirs = Vec::new();
    if let Some(d) = std::env::var_os(RUNTIME_DIR_VAR) {
        dirs.push(PathBuf::from(d).join(&triple));
    }
    if let Some(cache) = cache_dir() {
        dirs.push(cache.join("smelt").join("runtime").join(&triple));
    }
    if let Some(profile_parent) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent()?.parent().map(Path::to_path_buf))
    {
        dirs.push(profile_parent.join("smelt-runtime").join(&triple));
    }
    dirs
}

fn cache_dir() -> Option<PathBuf> {
    std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
}

/// Where `target`'s runtime library was found, if anywhere.
pub fn find_runtime_lib(target: &str) -> Option<PathBuf> {
    runtime_search_path(target)
        .into_iter()
        .map(|d| d.join("libsmelt_runtime.a"))
        .find(|lib| lib.is_file())
}

/// The runtime library to link for `target`: the one in `explicit_dir`
/// (`--runtime-lib DIR`; either `DIR/libsmelt_runtime.a` or
/// `DIR/<triple>/libsmelt_runtime.a`), the embedded one for the host, or
/// the first found on [`runtime_search_path`]. The error for a missing
/// library says how to build one.
pub fn runtime_lib_for(target: &str, explicit_dir: Option<&Path>) -> Result<PathBuf> {
    if let Some(dir) = explicit_dir {
        let candidates = [
            dir.join("libsmelt_runtime.a"),
            dir.join(canonical_triple(target))
                .join("libsmelt_runtime.a"),
        ];
        return candidates
            .iter()
            .find(|l| l.is_file())
            .cloned()
            .ok_or_else(|| {
                anyhow!(
                    "{}: no libsmelt_runtime.a there (nor in {})",
                    dir.display(),
                    candidates[1].parent().unwrap_or(dir).display()
                )
            });
    }
    if is_host(target) {
        return Ok(runtime_dir()?.join("libsmelt_runtime.a"));
    }
    if let Some(lib) = find_runtime_lib(target) {
        return Ok(lib);
    }
    let triple = canonical_triple(target);
    let searched: Vec<String> = runtime_search_path(target)
        .iter()
        .map(|d| format!("  {}", d.display()))
        .collect();
    Err(anyhow!(
        "no runtime library for {triple}; searched:\n{}\n\
         build one in smelt's source tree with `scripts/build-runtime.sh {triple}` \
         (add `--install` to copy it to ~/.cache/smelt/runtime/{triple}), \
         or pass --runtime-lib DIR; `smelt targets` shows what each target needs",
        searched.join("\n")
    ))
}

/// The C compiler for `target` (or the host), as the `cc` crate detects it
/// (honouring `CC`, `CC_<target>` and cross-compiler naming).
pub fn c_compiler(target: &str, cc_override: Option<&str>) -> Result<Command> {
    if let Some(cc) = cc_override {
        return Ok(Command::new(cc));
    }
    // Detection runs the compiler a few times (`-E` on a probe file, `-?`):
    // ~30 ms a round, paid once per target and process, not per use (a
    // build asks for it to probe for a static libc and again to link).
    static TOOLS: Mutex<Vec<(String, cc::Tool)>> = Mutex::new(Vec::new());
    let mut tools = TOOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, tool)) = tools.iter().find(|(t, _)| t == target) {
        return Ok(tool.to_command());
    }
    let tool = cc::Build::new()
        .target(target)
        .host(HOST_TRIPLE)
        .opt_level(2)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .try_get_compiler()
        .map_err(|e| anyhow!("no C compiler found for {target}: {e}"))?;
    let cmd = tool.to_command();
    tools.push((target.to_string(), tool));
    Ok(cmd)
}

/// Whether to link with gold instead of the C compiler's default (GNU ld):
/// on the host's x86_64/aarch64 Linux target when `ld.gold` is installed
/// (Debian's binutils ships it). The runtime archive holds Rust's std, and
/// gold links it 3-4x faster than ld.bfd (0.4 s instead of 1.5 s for a
/// small program here), with the same, deterministic output. Cross links,
/// `--cc` and targets gold does not support keep the default linker;
/// `SMELT_LINKER=default` turns this off.
fn use_gold(target: &str) -> bool {
    if std::env::var_os("SMELT_LINKER").is_some_and(|v| v == "default") {
        return false;
    }
    let arch_ok = target.starts_with("x86_64-") || target.starts_with("aarch64-");
    arch_ok
        && is_host(target)
        && std::env::var_os("PATH")
            .is_some_and(|path| std::env::split_paths(&path).any(|d| d.join("ld.gold").is_file()))
}

/// Whether the C compiler for `target` has a static libc to link with.
/// Asked once per target and compiler in a process; a second caller waits
/// for the first one's answer.
fn can_link_static(target: &str, cc_override: Option<&str>) -> bool {
    type Key = (String, Option<String>);
    static ANSWERS: Mutex<Vec<(Key, bool)>> = Mutex::new(Vec::new());
    let key = (target.to_string(), cc_override.map(str::to_string));
    let mut answers = ANSWERS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, answer)) = answers.iter().find(|(k, _)| *k == key) {
        return *answer;
    }
    let answer = c_compiler(target, cc_override).is_ok_and(|mut cmd| {
        cmd.arg("-print-file-name=libc.a")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .is_some_and(|p| p.is_absolute() && p.exists())
    });
    answers.push((key, answer));
    answer
}

/// Runs the C compiler probes `link_executable` needs (compiler detection,
/// static libc) on a background thread, so they overlap with compiling the
/// module instead of delaying the link: ~60 ms of process spawns, a third
/// of `smelt build`'s own time for a small module. Errors are left for
/// `link_executable` to report. Dropping the guard waits for the probes,
/// so an early error exit does not cut one off and leave its temporary
/// file behind.
pub fn probe_in_background(target: &str, cc_override: Option<&str>, static_link: bool) -> Probe {
    let (target, cc_override) = (target.to_string(), cc_override.map(str::to_string));
    Probe(Some(std::thread::spawn(move || {
        if static_link && target.contains("linux") {
            can_link_static(&target, cc_override.as_deref());
        } else {
            let _ = c_compiler(&target, cc_override.as_deref());
        }
    })))
}

/// The running probes of [`probe_in_background`].
pub struct Probe(Option<std::thread::JoinHandle<()>>);

impl Drop for Probe {
    fn drop(&mut self) {
        if let Some(thread) = self.0.take() {
            let _ = thread.join();
        }
    }
}

/// Links `inputs` (objects, C sources, archives) with the runtime library
/// into an executable at `output`. Nothing is left at `output` on failure.
pub fn link_executable(
    inputs: &[PathBuf],
    runtime_lib: &Path,
    output: &Path,
    target: &str,
    cc_override: Option<&str>,
    static_link: bool,
) -> Result<()> {
    let mut cmd = c_compiler(target, cc_override)?;
    let tmp = crate::common::temp_sibling(output);
    if target.contains("linux") {
        // Unused sections of the runtime (and libc, when static) are dropped.
        cmd.arg("-Wl,--gc-sections");
        // A static executable starts without the dynamic loader resolving
        // hundreds of libc symbols: about half of a small tool's start-up.
        if static_link && can_link_static(target, cc_override) {
            cmd.arg("-static");
        }
        if cc_override.is_none() && use_gold(target) {
            cmd.arg("-fuse-ld=gold");
        }
    }
    cmd.args(inputs)
        .arg(runtime_lib)
        .args(SYSTEM_LIBS)
        .arg("-o")
        .arg(&tmp);
    let out = cmd
        .output()
        .with_context(|| format!("running the C compiler {:?}", cmd.get_program()))?;
    if !out.status.success() {
        let _ = std::fs::remove_file(&tmp);
        return Err(anyhow!(
            "{}: linking failed ({:?} exited with {}):\n{}",
            output.display(),
            cmd.get_program(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        ));
    }
    std::fs::rename(&tmp, output).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        anyhow!("{}: cannot write output: {e}", output.display())
    })
}
