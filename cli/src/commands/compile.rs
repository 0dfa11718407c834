//! `smelt compile IN -o OUT [--header OUT.h]`: one relocatable object (and
//! the C header of its typed C API).

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
    #[command(flatten)]
    codegen: CodegenArgs,
}

impl CompileCommand {
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let wasm = read_wasm(&self.input)?;
        let mut options = self.codegen.options(&self.input)?;
        options.c_api = self.header.is_some();
        let artifact = compile(&self.input, &wasm, &options)?;
        write_atomically(&self.output, &artifact.object)?;
        if let (Some(path), Some(header)) = (&self.header, &artifact.header) {
            write_atomically(path, header.as_bytes())?;
        }
        Ok(ExitCode::SUCCESS)
    }
}
