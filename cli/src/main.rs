//! `smelt`: compile WebAssembly to native objects and executables.

use clap::Parser;
use smelt_cli::commands::Command;
use std::process::ExitCode;
use std::sync::Mutex;

/// smelt — an ahead-of-time WebAssembly compiler.
#[derive(Parser)]
#[command(name = "smelt", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The last panic's message and location, recorded by the hook so the
/// top level can report it once as an internal compiler error.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let msg = smelt_cli::common::panic_message(info.payload());
        let location = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        *LAST_PANIC.lock().unwrap_or_else(|e| e.into_inner()) = Some(format!("{msg}{location}"));
    }));
    let cli = Cli::parse();
    match std::panic::catch_unwind(|| cli.command.execute()) {
        Ok(Ok(code)) => code,
        Ok(Err(e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
        Err(_) => {
            let msg = LAST_PANIC
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .take()
                .unwrap_or_else(|| "unknown panic".into());
            eprintln!("error: internal compiler error: {msg}");
            eprintln!("note: this is a bug in smelt; please report it with the input file");
            ExitCode::from(1)
        }
    }
}
