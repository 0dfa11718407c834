//! Linking executables: the runtime staticlib embedded in `smelt`, and the
//! system C compiler found the way the `cc` crate finds it.

use anyhow::{Context, Result, anyhow};
use std::path::{Path, PathBuf};
use std::process::Command;

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
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
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

/// The C compiler for `target` (or the host), as the `cc` crate detects it
/// (honouring `CC`, `CC_<target>` and cross-compiler naming).
pub fn c_compiler(target: &str, cc_override: Option<&str>) -> Result<Command> {
    if let Some(cc) = cc_override {
        return Ok(Command::new(cc));
    }
    let tool = cc::Build::new()
        .target(target)
        .host(HOST_TRIPLE)
        .opt_level(2)
        .cargo_metadata(false)
        .cargo_warnings(false)
        .try_get_compiler()
        .map_err(|e| anyhow!("no C compiler found for {target}: {e}"))?;
    Ok(tool.to_command())
}

/// Whether the C compiler for `target` has a static libc to link with.
fn can_link_static(target: &str, cc_override: Option<&str>) -> bool {
    let Ok(mut cmd) = c_compiler(target, cc_override) else {
        return false;
    };
    cmd.arg("-print-file-name=libc.a")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .is_some_and(|p| p.is_absolute() && p.exists())
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
