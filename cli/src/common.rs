//! What the subcommands share: reading inputs, compiler flags, writing
//! outputs without leaving partial files behind.

use anyhow::{Context, Result, anyhow};
use smelt_compiler::{BoundsChecks, OptLevel, Options};
use std::path::{Path, PathBuf};

/// An input file, by content.
pub enum Input {
    /// Binary wasm (text input already converted).
    Wasm(Vec<u8>),
    /// An object file written by `smelt compile`.
    Object(Vec<u8>),
}

/// Reads `path`: binary wasm, `.wat` text, or a smelt object.
pub fn read_input(path: &Path) -> Result<Input> {
    let bytes = std::fs::read(path).map_err(|e| anyhow!("{}: {e}", path.display()))?;
    if bytes.starts_with(b"\x7fELF") {
        return Ok(Input::Object(bytes));
    }
    if bytes.starts_with(b"\0asm") {
        return Ok(Input::Wasm(bytes));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        anyhow!(
            "{}: not a wasm module, wat text or object file",
            path.display()
        )
    })?;
    Ok(Input::Wasm(parse_wat(path, text)?))
}

/// Parses `.wat` text; errors read `FILE:LINE:COL: message`.
fn parse_wat(path: &Path, text: &str) -> Result<Vec<u8>> {
    let located = |e: wast::Error| {
        let (line, col) = e.span().linecol_in(text);
        anyhow!(
            "{}:{}:{}: {}",
            path.display(),
            line + 1,
            col + 1,
            e.message()
        )
    };
    let buf = wast::parser::ParseBuffer::new(text).map_err(located)?;
    let mut wat = wast::parser::parse::<wast::Wat>(&buf).map_err(located)?;
    wat.encode().map_err(located)
}

/// Reads `path` and requires wasm (or wat).
pub fn read_wasm(path: &Path) -> Result<Vec<u8>> {
    match read_input(path)? {
        Input::Wasm(w) => Ok(w),
        Input::Object(_) => Err(anyhow!(
            "{}: expected a .wasm or .wat module, found an object file",
            path.display()
        )),
    }
}

/// The module name derived from a file name (`dir/foo.wasm` -> `foo`).
pub fn module_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "module".into())
}

/// Code generation flags shared by `compile`, `build` and `run`.
#[derive(clap::Args, Clone, Debug)]
pub struct CodegenArgs {
    /// Optimization level: 0 (none), 1 or 2 (speed, default), s (speed and size).
    #[arg(short = 'O', long = "opt-level", default_value = "2")]
    pub opt_level: String,
    /// Target triple (default: the host).
    #[arg(long)]
    pub target: Option<String>,
    /// CPU model or preset (e.g. x86-64-v3, native).
    #[arg(long)]
    pub cpu: Option<String>,
    /// Target features to enable (+feat) or disable (-feat); repeatable.
    #[arg(long = "target-feature")]
    pub target_features: Vec<String>,
    /// How memory accesses are bounds-checked: guard (default) or explicit.
    #[arg(long = "bounds-checks", default_value = "guard")]
    pub bounds_checks: String,
    /// Module name used in symbols and backtraces (default: file name).
    #[arg(long)]
    pub name: Option<String>,
    /// Compiler threads (default: all cores).
    #[arg(short = 'j', long)]
    pub threads: Option<usize>,
    /// Do not inline small leaf functions into their callers.
    #[arg(long = "no-inline")]
    pub no_inline: bool,
    /// Poll for interruption at function entries and loop headers, so
    /// calls can be timed out (`--timeout`) or interrupted (a small cost).
    #[arg(long)]
    pub interruptible: bool,
    /// Make every NaN that float arithmetic produces the canonical quiet
    /// NaN (scalar and SIMD), so results are bit-identical on every target.
    #[arg(long = "canonicalize-nans")]
    pub canonicalize_nans: bool,
}

impl CodegenArgs {
    /// Maps the flags onto compiler options for `input`.
    pub fn options(&self, input: &Path) -> Result<Options> {
        let opt_level = match self.opt_level.as_str() {
            "0" => OptLevel::None,
            "1" | "2" | "3" => OptLevel::Speed,
            "s" | "z" => OptLevel::SpeedAndSize,
            other => {
                return Err(anyhow!(
                    "unknown optimization level `{other}` (use 0, 1, 2 or s)"
                ));
            }
        };
        let bounds_checks = match self.bounds_checks.as_str() {
            "guard" => BoundsChecks::Guard,
            "explicit" => BoundsChecks::Explicit,
            other => {
                return Err(anyhow!(
                    "unknown bounds-check mode `{other}` (use guard or explicit)"
                ));
            }
        };
        let target = self
            .target
            .as_deref()
            .map(|t| t.parse().map_err(|e| anyhow!("invalid target `{t}`: {e}")))
            .transpose()?;
        Ok(Options {
            target,
            cpu: self.cpu.clone(),
            target_features: self.target_features.clone(),
            opt_level,
            bounds_checks,
            module_name: self.name.clone().unwrap_or_else(|| module_name(input)),
            threads: self.threads,
            inline: !self.no_inline,
            interruptible: self.interruptible,
            canonicalize_nans: self.canonicalize_nans,
            ..Options::default()
        })
    }
}

/// Resource limits for running a module (`smelt run`, and baked into
/// executables by `smelt build`).
#[derive(clap::Args, Clone, Debug, Default)]
pub struct LimitArgs {
    /// Largest size of any linear memory, in pages (`memory.grow` past it
    /// returns -1; a module whose minimum exceeds it does not instantiate).
    #[arg(long, value_name = "N")]
    pub max_memory_pages: Option<u64>,
    /// Largest size of any table, in elements.
    #[arg(long, value_name = "N")]
    pub max_table_elements: Option<u64>,
    /// Most instances (the module itself counts as one).
    #[arg(long, value_name = "N")]
    pub max_instances: Option<usize>,
    /// Wall-clock limit for each call into wasm (e.g. `500ms`, `2s`, `1m`;
    /// a bare number is seconds); an overrun traps with `interrupted`.
    /// Implies --interruptible when compiling.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
}

impl LimitArgs {
    /// The store limits these flags ask for.
    pub fn store_limits(&self) -> smelt_runtime::StoreLimits {
        smelt_runtime::StoreLimits {
            max_memory_pages: self.max_memory_pages,
            max_table_elements: self.max_table_elements,
            max_instances: self.max_instances,
            ..Default::default()
        }
    }
}

/// Parses `500ms`, `2s`, `1.5s`, `3m`, `1h` or a bare number of seconds.
pub fn parse_duration(text: &str) -> std::result::Result<std::time::Duration, String> {
    let t = text.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number
        .parse()
        .map_err(|_| format!("`{text}`: expected a duration like 500ms, 2s or 1m"))?;
    let seconds = match unit.trim() {
        "" | "s" => value,
        "ms" => value / 1000.0,
        "us" => value / 1e6,
        "m" | "min" => value * 60.0,
        "h" => value * 3600.0,
        other => {
            return Err(format!(
                "`{text}`: unknown unit `{other}` (use ms, s, m or h)"
            ));
        }
    };
    if !(seconds.is_finite() && seconds > 0.0 && seconds < 1e9) {
        return Err(format!("`{text}`: a timeout must be positive"));
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// Compiles wasm bytes, naming the input file in errors. On a terminal, a
/// compile that takes a while shows its progress on stderr.
pub fn compile(path: &Path, wasm: &[u8], options: &Options) -> Result<smelt_compiler::Artifact> {
    let mut options = options.clone();
    let progress =
        std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| Progress::new(path));
    if let Some(p) = &progress {
        options.progress = Some(p.callback());
    }
    let result =
        smelt_compiler::compile(wasm, &options).map_err(|e| anyhow!("{}: {e}", path.display()));
    if let Some(p) = progress {
        p.finish();
    }
    result
}

/// A one-line progress display on stderr (`\r`-updated), shown only once
/// a compile has run for [`Progress::DELAY`], so small modules stay quiet.
struct Progress {
    state: std::sync::Arc<ProgressState>,
}

struct ProgressState {
    name: String,
    start: std::time::Instant,
    /// Last percentage printed, plus one (0: nothing printed yet).
    shown: std::sync::atomic::AtomicUsize,
}

impl Progress {
    const DELAY: std::time::Duration = std::time::Duration::from_millis(300);

    fn new(path: &Path) -> Progress {
        Progress {
            state: std::sync::Arc::new(ProgressState {
                name: path.display().to_string(),
                start: std::time::Instant::now(),
                shown: std::sync::atomic::AtomicUsize::new(0),
            }),
        }
    }

    fn callback(&self) -> smelt_compiler::Progress {
        let state = self.state.clone();
        smelt_compiler::Progress(std::sync::Arc::new(move |done, total| {
            if state.start.elapsed() < Progress::DELAY {
                return;
            }
            let pct = done * 100 / total.max(1);
            let prev = state
                .shown
                .swap(pct + 1, std::sync::atomic::Ordering::Relaxed);
            if prev != pct + 1 {
                eprint!(
                    "\r\x1b[2Kcompiling {}: {done}/{total} functions ({pct}%)",
                    state.name
                );
            }
        }))
    }

    fn finish(self) {
        if self.state.shown.load(std::sync::atomic::Ordering::Relaxed) != 0 {
            eprint!("\r\x1b[2K");
        }
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory, renamed into place, so a failure never leaves a partial file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = temp_sibling(path);
    let result = std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .with_context(|| format!("{}: cannot write output", path.display()));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A temporary path next to `path`.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    path.with_file_name(format!(".{name}.smelt-tmp-{}", std::process::id()))
}

/// The message of a caught panic (`&str` or `String` payloads, as `panic!`
/// makes them), for reporting it instead of crashing.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}
