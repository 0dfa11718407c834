//! `smelt config`: where the runtime library and header are, for C builds.
//!
//! ```sh
//! cc main.c mod.o $(smelt config --cflags --libs) -o app
//! ```

use crate::link;
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct ConfigCommand {
    /// Print the compiler flags for `#include <smelt.h>`.
    #[arg(long)]
    cflags: bool,
    /// Print the linker arguments for the runtime library.
    #[arg(long)]
    libs: bool,
    /// Copy libsmelt_runtime.a and include/smelt.h into this directory.
    #[arg(long)]
    install: Option<PathBuf>,
}

impl ConfigCommand {
    pub fn execute(self) -> Result<ExitCode> {
        if let Some(dir) = &self.install {
            link::install_runtime(dir)?;
        }
        let dir = link::runtime_dir()?;
        let mut words = Vec::new();
        if self.cflags {
            words.push(format!("-I{}", dir.join("include").display()));
        }
        if self.libs {
            words.push(dir.join("libsmelt_runtime.a").display().to_string());
            words.extend(link::SYSTEM_LIBS.iter().map(|s| s.to_string()));
        }
        if !self.cflags && !self.libs && self.install.is_none() {
            println!(
                "runtime library: {}",
                dir.join("libsmelt_runtime.a").display()
            );
            println!("header:          {}", dir.join("include/smelt.h").display());
            println!("target:          {}", link::HOST_TRIPLE);
        } else if !words.is_empty() {
            println!("{}", words.join(" "));
        }
        Ok(ExitCode::SUCCESS)
    }
}
