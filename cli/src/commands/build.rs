//! `smelt build IN [C sources/objects...] -o EXE`: compile and link.

use crate::common::{CodegenArgs, LimitArgs, compile, read_wasm};
use crate::link;
use anyhow::{Result, anyhow};
use smelt_runtime::exe::{ExeConfig, ExeLimits};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct BuildCommand {
    /// Input module (.wasm or .wat).
    input: PathBuf,
    /// Extra C sources, objects or archives to link in.
    extra: Vec<PathBuf>,
    /// Output executable.
    #[arg(short, long)]
    output: PathBuf,
    /// Directory with the runtime library for the target (default: the
    /// runtime embedded in smelt for the host; for other targets the
    /// folders listed by `smelt targets`).
    #[arg(long = "runtime-lib")]
    runtime_lib: Option<PathBuf>,
    /// Link against the shared C library instead of statically (the default
    /// on Linux when a static libc is installed: faster start-up, no
    /// dependency on the system's libc version).
    #[arg(long)]
    dynamic: bool,
    /// C compiler used to link (default: detected like the `cc` crate does,
    /// e.g. aarch64-linux-gnu-gcc for aarch64-unknown-linux-gnu).
    #[arg(long)]
    cc: Option<String>,
    #[command(flatten)]
    codegen: CodegenArgs,
    #[command(flatten)]
    sandbox: SandboxArgs,
    /// Limits baked into the executable, applied every time it runs.
    #[command(flatten)]
    limits: LimitArgs,
}

/// What a built WASI program may see at run time, fixed at build time.
/// With none of these flags it sees what a native tool sees: the current
/// directory (as `.`) and the whole environment.
#[derive(clap::Args, Clone, Debug, Default)]
pub(crate) struct SandboxArgs {
    /// Preopen HOST (a relative path is taken from the working directory at
    /// run time) as GUEST (default: HOST as written); repeatable.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    pub(crate) dirs: Vec<String>,
    /// Set a variable in the program's environment; repeatable.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    pub(crate) env: Vec<String>,
    /// Pass the whole environment of the process through.
    #[arg(long = "inherit-env")]
    pub(crate) inherit_env: bool,
    /// Start from an empty sandbox (no directories, no environment) even
    /// if no --dir/--env/--inherit-env is given.
    #[arg(long)]
    pub(crate) isolate: bool,
}

impl SandboxArgs {
    /// The settings baked into the executable.
    pub(crate) fn exe_config(&self) -> Result<ExeConfig> {
        if !self.isolate && self.dirs.is_empty() && self.env.is_empty() && !self.inherit_env {
            return Ok(ExeConfig::native());
        }
        let no_newline = |s: &str| {
            if s.contains('\n') || s.contains('\0') {
                Err(anyhow!("`{s}`: line breaks and NUL bytes are not allowed"))
            } else {
                Ok(())
            }
        };
        let mut c = ExeConfig {
            inherit_env: self.inherit_env,
            ..ExeConfig::default()
        };
        for spec in &self.dirs {
            no_newline(spec)?;
            let (host, guest) = smelt_runtime::wasi::parse_dir_spec(spec);
            c.dirs.push((host.to_string_lossy().into_owned(), guest));
        }
        for kv in &self.env {
            no_newline(kv)?;
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| anyhow!("--env {kv}: expected KEY=VALUE"))?;
            c.env.push((k.into(), v.into()));
        }
        Ok(c)
    }
}

/// Imports an executable cannot satisfy: everything but the WASI preview1
/// functions the runtime provides.
fn unsatisfiable(imports: &[smelt_compiler::ImportSummary]) -> Vec<String> {
    use smelt_runtime::wasi::{self, threads};
    // A wasi-threads program also imports `wasi::thread-spawn` and a
    // shared memory, which the executable creates.
    let threads = imports
        .iter()
        .any(|i| i.module == threads::MODULE && i.name == threads::NAME);
    imports
        .iter()
        .filter(|i| {
            let wasi_func = i.module == wasi::MODULE && i.kind == "func" && wasi::defines(&i.name);
            let spawn = i.module == threads::MODULE && i.name == threads::NAME;
            let shared_memory = threads && i.kind == "memory";
            !(wasi_func || spawn || shared_memory)
        })
        .map(|i| format!("{}::{} ({})", i.module, i.name, i.kind))
        .collect()
}

impl BuildCommand {
    pub fn execute(self) -> Result<ExitCode> {
        let target = self
            .codegen
            .target
            .clone()
            .unwrap_or_else(|| link::HOST_TRIPLE.to_string());
        // Only ELF (Linux) targets have a runtime; Mach-O and COFF objects
        // can be compiled but not linked by smelt.
        if let Ok(triple) = target.parse::<smelt_compiler::Triple>()
            && triple.binary_format != target_lexicon::BinaryFormat::Elf
        {
            return Err(anyhow!(
                "{target}: smelt has no runtime for {} targets yet; `smelt compile --target {target}` writes the object",
                triple.binary_format
            ));
        }
        // Find the runtime before compiling, so a missing one fails fast.
        let runtime_lib = link::runtime_lib_for(&target, self.runtime_lib.as_deref())?;
        let _probe = link::probe_in_background(&target, self.cc.as_deref(), !self.dynamic);
        let wasm = read_wasm(&self.input)?;
        let mut options = self.codegen.options(&self.input)?;
        options.emit_main = true;
        let mut exe_config = self.sandbox.exe_config()?;
        exe_config.limits = ExeLimits {
            max_memory_pages: self.limits.max_memory_pages,
            max_table_elements: self.limits.max_table_elements,
            max_instances: self.limits.max_instances,
            // Rounded up: a limit never becomes "none" or shorter.
            timeout_ms: self
                .limits
                .timeout
                .map(|t| (t.as_nanos().div_ceil(1_000_000)) as u64),
            fuel: self.limits.fuel,
        };
        // A timeout needs interruption checks in the code, fuel metering.
        options.interruptible |= self.limits.timeout.is_some();
        options.fuel |= self.limits.fuel.is_some();
        options.exe_config = exe_config.to_text().into_bytes();
        let artifact = compile(&self.input, &wasm, &options)?;
        let missing = unsatisfiable(&artifact.imports);
        if !missing.is_empty() {
            return Err(anyhow!(
                "{}: the module imports what no executable can provide:\n  {}",
                self.input.display(),
                missing.join("\n  ")
            ));
        }
        let work = TempDir::new()?;
        let object = work.path().join(format!("{}.o", artifact.module_name));
        std::fs::write(&object, &artifact.object)?;
        let mut inputs = vec![object];
        inputs.extend(self.extra.iter().cloned());
        link::link_executable(
            &inputs,
            &runtime_lib,
            &self.output,
            &target,
            self.cc.as_deref(),
            !self.dynamic,
        )?;
        Ok(ExitCode::SUCCESS)
    }
}

/// A temporary directory removed on drop.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> Result<TempDir> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "smelt-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }

    pub(crate) fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
