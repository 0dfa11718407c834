//! `smelt build IN [C sources/objects...] -o EXE`: compile and link.

use crate::common::{CodegenArgs, compile, read_wasm};
use crate::link;
use anyhow::{Result, anyhow};
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
    /// C compiler used to link (default: detected like the `cc` crate does,
    /// e.g. aarch64-linux-gnu-gcc for aarch64-unknown-linux-gnu).
    #[arg(long)]
    cc: Option<String>,
    #[command(flatten)]
    codegen: CodegenArgs,
}

/// Imports an executable can satisfy: none yet beyond what the runtime
/// provides itself.
fn unsatisfiable(imports: &[smelt_compiler::ImportSummary]) -> Vec<String> {
    imports
        .iter()
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
        let wasm = read_wasm(&self.input)?;
        let mut options = self.codegen.options(&self.input)?;
        options.emit_main = true;
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
