//! `smelt compile IN -o OUT`: one relocatable object.

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
    #[command(flatten)]
    codegen: CodegenArgs,
}

impl CompileCommand {
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        let wasm = read_wasm(&self.input)?;
        let options = self.codegen.options(&self.input)?;
        let artifact = compile(&self.input, &wasm, &options)?;
        write_atomically(&self.output, &artifact.object)?;
        Ok(ExitCode::SUCCESS)
    }
}
