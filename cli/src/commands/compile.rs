//! `smelt compile IN -o OUT [--header OUT.h] [--emit-clif DIR]`: one
//! relocatable object (and the C header of its typed C API, and the
//! Cranelift IR of its functions).

use crate::common::{CodegenArgs, compile, read_wasm, write_atomically};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct CompileCommand {
    /// Input module (.wasm or .wat).
    input: PathBuf,
    /// Output object file.
    #[arg(short, long)]
    output: PathBuf,
    /// Also emit the typed C API and write its header here: one C function
    /// per export, instantiate/free, and the imports the program defines.
    /// The object then needs the linker (it cannot be loaded by `smelt run`).
    #[arg(long, value_name = "FILE.h")]
    header: Option<PathBuf>,
    /// Write the Cranelift IR of every function and trampoline into DIR,
    /// one `<symbol>.clif` each, as translated from wasm (the optimizer's
    /// input). The object is the same as without.
    #[arg(long, value_name = "DIR")]
    emit_clif: Option<PathBuf>,
    /// With --emit-clif, also write `<symbol>.opt.clif`: the IR after
    /// Cranelift's optimizations, as lowered to machine code.
    #[arg(long, requires = "emit_clif")]
    emit_clif_optimized: bool,
    #[command(flatten)]
    codegen: CodegenArgs,
}

impl CompileCommand {
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let wasm = read_wasm(&self.input)?;
        let mut options = self.codegen.options(&self.input)?;
        options.c_api = self.header.is_some();
        options.emit_clif = self.emit_clif;
        options.emit_clif_optimized = self.emit_clif_optimized;
        let artifact = compile(&self.input, &wasm, &options)?;
        write_atomically(&self.output, &artifact.object)?;
        if let (Some(path), Some(header)) = (&self.header, &artifact.header) {
            write_atomically(path, header.as_bytes())?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
