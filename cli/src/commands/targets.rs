//! `smelt targets`: the targets smelt compiles for, and for each one what
//! building and testing executables needs on this machine (runtime
//! library, C compiler, QEMU), found or missing.

use crate::link;
use anyhow::Result;
use smelt_compiler::SUPPORTED_TARGETS;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct TargetsCommand {
    /// Only print the triples, one per line.
    #[arg(long)]
    quiet: bool,
}

/// What a cross target needs from Debian, by architecture.
struct DebianPackages {
    /// `dpkg --add-architecture` name.
    arch: &'static str,
    /// The cross C compiler package.
    gcc: &'static str,
    /// The QEMU user-mode emulator binary (package `qemu-user`).
    qemu: &'static str,
}

fn debian_packages(triple: &str) -> Option<DebianPackages> {
    let arch = triple.split('-').next()?;
    Some(match arch {
        "aarch64" => DebianPackages {
            arch: "arm64",
            gcc: "gcc-aarch64-linux-gnu",
            qemu: "qemu-aarch64",
        },
        a if a.starts_with("riscv64") => DebianPackages {
            arch: "riscv64",
            gcc: "gcc-riscv64-linux-gnu",
            qemu: "qemu-riscv64",
        },
        "s390x" => DebianPackages {
            arch: "s390x",
            gcc: "gcc-s390x-linux-gnu",
            qemu: "qemu-s390x",
        },
        _ => return None,
    })
}

/// The full path of `program` if it is runnable from `PATH` (or is a path).
fn find_program(program: &Path) -> Option<PathBuf> {
    if program.components().count() > 1 {
        return program.is_file().then(|| program.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}

impl TargetsCommand {
    pub fn execute(self) -> Result<ExitCode> {
        if self.quiet {
            for t in SUPPORTED_TARGETS {
                println!("{}", t.triple);
            }
            return Ok(ExitCode::SUCCESS);
        }
        println!("smelt runs on {}.", link::HOST_TRIPLE);
        println!("Runtime libraries for other targets are searched in --runtime-lib DIR, then:");
        for dir in link::runtime_search_path("<triple>") {
            println!("  {}", dir.display());
        }
        for t in SUPPORTED_TARGETS {
            let host = link::is_host(t.triple);
            println!();
            println!(
                "{}  ({}{})",
                t.triple,
                t.format,
                if host { ", host" } else { "" }
            );
            println!("  code:        {}", t.note);
            if !t.runtime {
                println!(
                    "  executables: no (objects only: `smelt compile --target {}`)",
                    t.triple
                );
                continue;
            }
            let packages = debian_packages(t.triple);
            let runtime = if host {
                "embedded in smelt".to_string()
            } else {
                match link::find_runtime_lib(t.triple) {
                    Some(lib) => lib.display().to_string(),
                    None => {
                        let std = packages
                            .as_ref()
                            .map(|p| {
                                format!(
                                    " (needs rustc-web and libstd-rust-web-dev:{} or rust-web-src)",
                                    p.arch
                                )
                            })
                            .unwrap_or_default();
                        format!("missing: scripts/build-runtime.sh {}{std}", t.triple)
                    }
                }
            };
            println!("  runtime:     {runtime}");
            let cc = link::c_compiler(t.triple, None)
                .ok()
                .map(|c| PathBuf::from(c.get_program()));
            let cc = match (cc, &packages) {
                (Some(cc), _) if find_program(&cc).is_some() => {
                    format!("{} (found)", cc.display())
                }
                (Some(cc), Some(p)) => {
                    format!("{} (missing: apt-get install {})", cc.display(), p.gcc)
                }
                (Some(cc), None) => format!("{} (missing)", cc.display()),
                (None, _) => "none found (pass --cc)".to_string(),
            };
            println!("  C compiler:  {cc}");
            if let (false, Some(p)) = (host, &packages) {
                let found = find_program(Path::new(p.qemu)).is_some();
                println!(
                    "  run/tests:   {} -L /usr/{}-linux-gnu ({})",
                    p.qemu,
                    p.qemu.trim_start_matches("qemu-"),
                    if found {
                        "found"
                    } else {
                        "missing: apt-get install qemu-user"
                    }
                );
            }
        }
        Ok(ExitCode::SUCCESS)
    }
}
