//! The entry point of executables built by `smelt build`: the compiler
//! emits `main`, which calls [`smelt_rt_main`] with the module descriptor.

use crate::instance::InstantiationError;
use crate::{Linker, Module, Store};
use std::ffi::{c_char, c_int};
use std::io::Write;

/// Exit status after a trap (like an abort).
pub const TRAP_EXIT_STATUS: c_int = 134;

/// Runs the module behind `descriptor` as a program: instantiate (running
/// its start function), then call its `_start` export if it has one.
///
/// # Safety
///
/// `argv` must hold `argc` C strings and `descriptor` must be a module
/// descriptor linked into this program.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_main(
    argc: c_int,
    argv: *const *const c_char,
    descriptor: *const u8,
) -> c_int {
    let _ = (argc, argv);
    // SAFETY: per this function's contract.
    let module = match unsafe { Module::from_descriptor(descriptor) } {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let mut store = Store::new();
    let linker = Linker::new();
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(InstantiationError::Trap(trap)) => {
            if let Some(code) = trap.exit_code() {
                return code;
            }
            eprint!("{}", trap.report());
            return TRAP_EXIT_STATUS;
        }
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let status = match instance.get_func(&mut store, "_start") {
        None => 0,
        Some(start) => match start.call(&mut store, &[]) {
            Ok(_) => 0,
            Err(trap) => match trap.exit_code() {
                Some(code) => code,
                None => {
                    eprint!("{}", trap.report());
                    TRAP_EXIT_STATUS
                }
            },
        },
    };
    let _ = std::io::stdout().flush();
    status
}
