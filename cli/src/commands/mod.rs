//! One file per subcommand; each maps its flags onto library calls.

mod build;
mod compile;
mod config;
mod run;
mod targets;
mod wast;

use std::process::ExitCode;

/// The subcommands.
#[derive(clap::Subcommand)]
pub enum Command {
    /// Compile a .wasm/.wat module into a relocatable object file.
    Compile(compile::CompileCommand),
    /// Compile a module and link it with the runtime into an executable.
    Build(build::BuildCommand),
    /// Run a module (or a smelt object) in this process.
    Run(run::RunCommand),
    /// Run WebAssembly spec test scripts (.wast).
    Wast(wast::WastCommand),
    /// Print or install the runtime library and header for C builds.
    Config(config::ConfigCommand),
    /// List the supported targets and what each needs (runtime library,
    /// C compiler, QEMU).
    Targets(targets::TargetsCommand),
}

impl Command {
    pub fn execute(self) -> anyhow::Result<ExitCode> {
        match self {
            Command::Compile(c) => c.execute(),
            Command::Build(c) => c.execute(),
            Command::Run(c) => c.execute(),
            Command::Wast(c) => c.execute(),
            Command::Config(c) => c.execute(),
            Command::Targets(c) => c.execute(),
        }
    }
}
