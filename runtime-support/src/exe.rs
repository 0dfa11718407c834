//! The entry point of executables built by `smelt build`: the compiler
//! emits `main`, which calls [`smelt_rt_main`] with the module descriptor
//! and the run-time settings `smelt build` baked in.
//!
//! A built program behaves like a native tool: argv (with `argv[0]` as the
//! program was invoked) and stdio are the process's own, `proc_exit`'s
//! status is the exit status, and a trap prints a wasm backtrace and exits
//! with [`TRAP_EXIT_STATUS`]. Nothing is parsed out of argv: the sandbox
//! (preopened directories, environment) comes only from the baked-in
//! [`ExeConfig`], so the guest sees exactly the arguments it was given.

use crate::error::InstantiationError;
use crate::wasi::{self, BuildError, WasiCtx};
use crate::{Linker, Module, Store, Trap};
use std::ffi::{CStr, c_char, c_int};
use std::io::Write;

/// Exit status after a trap (like an abort).
pub const TRAP_EXIT_STATUS: c_int = 134;

/// The run-time settings of an executable, as `smelt build` bakes them in:
/// one setting per line.
///
/// ```text
/// dir HOST::GUEST   preopen HOST (relative paths: to the cwd at run time) as GUEST
/// env KEY=VALUE     set a variable in the guest's environment
/// inherit-env       pass the process's whole environment (before `env` lines)
/// max-memory-pages N, max-table-elements N, max-instances N
///                   resource limits of the store (see `StoreLimits`)
/// timeout-ms N      wall-clock limit of each call into wasm (the module
///                   must be compiled with interruption checks)
/// fuel N            the store's fuel (the module must be compiled with
///                   fuel metering)
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExeConfig {
    pub dirs: Vec<(String, String)>,
    pub env: Vec<(String, String)>,
    pub inherit_env: bool,
    /// Resource limits; all `None` means unlimited.
    pub limits: ExeLimits,
}

/// The resource limits an executable runs its module with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ExeLimits {
    pub max_memory_pages: Option<u64>,
    pub max_table_elements: Option<u64>,
    pub max_instances: Option<usize>,
    /// Per call into wasm, in milliseconds.
    pub timeout_ms: Option<u64>,
    /// The store's fuel (`Store::set_fuel`).
    pub fuel: Option<u64>,
}

impl ExeLimits {
    /// Applies the limits to a fresh store.
    pub fn apply(&self, store: &mut Store) {
        store.set_limits(crate::StoreLimits {
            max_memory_pages: self.max_memory_pages,
            max_table_elements: self.max_table_elements,
            max_instances: self.max_instances,
            ..Default::default()
        });
        store.set_timeout(self.timeout_ms.map(std::time::Duration::from_millis));
        if let Some(fuel) = self.fuel {
            store.set_fuel(fuel);
        }
    }
}

/// Why [`ExeConfig::parse`] failed: line `line` (from 1), `text`, is not
/// a setting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExeConfigError {
    pub line: usize,
    pub text: String,
}

impl std::fmt::Display for ExeConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "run-time settings, line {}: cannot parse `{}`",
            self.line, self.text
        )
    }
}

impl std::error::Error for ExeConfigError {}

impl ExeConfig {
    /// A native tool's view: the current directory as `.`, and the whole
    /// environment.
    pub fn native() -> ExeConfig {
        ExeConfig {
            dirs: vec![(".".into(), ".".into())],
            env: Vec::new(),
            inherit_env: true,
            limits: ExeLimits::default(),
        }
    }

    /// The text form baked into the executable.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        if self.inherit_env {
            s.push_str("inherit-env\n");
        }
        for (host, guest) in &self.dirs {
            s.push_str(&format!("dir {host}::{guest}\n"));
        }
        for (k, v) in &self.env {
            s.push_str(&format!("env {k}={v}\n"));
        }
        let l = &self.limits;
        let limits = [
            ("max-memory-pages", l.max_memory_pages),
            ("max-table-elements", l.max_table_elements),
            ("max-instances", l.max_instances.map(|n| n as u64)),
            ("timeout-ms", l.timeout_ms),
            ("fuel", l.fuel),
        ];
        for (key, value) in limits {
            if let Some(v) = value {
                s.push_str(&format!("{key} {v}\n"));
            }
        }
        s
    }

    /// Parses [`to_text`](Self::to_text)'s output; the error names the
    /// line and why.
    pub fn parse(text: &str) -> Result<ExeConfig, ExeConfigError> {
        let mut c = ExeConfig::default();
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.is_empty()) {
            let bad = || ExeConfigError {
                line: n + 1,
                text: line.to_string(),
            };
            match line.split_once(' ') {
                None if line == "inherit-env" => c.inherit_env = true,
                Some(("dir", spec)) => {
                    let (host, guest) = spec.split_once("::").ok_or_else(bad)?;
                    c.dirs.push((host.into(), guest.into()));
                }
                Some(("env", kv)) => {
                    let (k, v) = kv.split_once('=').ok_or_else(bad)?;
                    c.env.push((k.into(), v.into()));
                }
                Some((key, n))
                    if key.starts_with("max-") || key == "timeout-ms" || key == "fuel" =>
                {
                    let n: u64 = n.parse().map_err(|_| bad())?;
                    let l = &mut c.limits;
                    match key {
                        "max-memory-pages" => l.max_memory_pages = Some(n),
                        "max-table-elements" => l.max_table_elements = Some(n),
                        "max-instances" => l.max_instances = Some(n as usize),
                        "timeout-ms" => l.timeout_ms = Some(n),
                        "fuel" => l.fuel = Some(n),
                        _ => return Err(bad()),
                    }
                }
                _ => return Err(bad()),
            }
        }
        Ok(c)
    }

    /// The WASI context for a program run with `args`.
    pub fn wasi_ctx(&self, args: impl IntoIterator<Item = Vec<u8>>) -> Result<WasiCtx, BuildError> {
        let mut b = WasiCtx::builder().args(args).inherit_stdio();
        if self.inherit_env {
            b = b.inherit_env();
        }
        for (k, v) in &self.env {
            b = b.env(k, v);
        }
        for (host, guest) in &self.dirs {
            b = b.preopen_dir(host, guest.clone());
        }
        b.build()
    }
}

/// The exit status for a failed call: `proc_exit`'s, or
/// [`TRAP_EXIT_STATUS`] after printing the trap and its backtrace.
fn trap_status(trap: &Trap) -> c_int {
    if let Some(code) = trap.exit_code() {
        return code;
    }
    let _ = std::io::stdout().flush();
    eprint!("{}", trap.report());
    TRAP_EXIT_STATUS
}

/// Runs the module behind `descriptor` as a program: set up WASI if it
/// imports it, instantiate (running its start function), then call its
/// `_start` export if it has one.
///
/// # Safety
///
/// `argv` must hold `argc` C strings, `descriptor` must be a module
/// descriptor linked into this program, and `config` null or a
/// NUL-terminated [`ExeConfig`] text.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn smelt_rt_main(
    argc: c_int,
    argv: *const *const c_char,
    descriptor: *const u8,
    config: *const c_char,
) -> c_int {
    // SAFETY: per this function's contract.
    let module = match unsafe { Module::from_descriptor(descriptor) } {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let config = if config.is_null() {
        Ok(ExeConfig::native())
    } else {
        // SAFETY: per this function's contract.
        ExeConfig::parse(&unsafe { CStr::from_ptr(config) }.to_string_lossy())
    };
    let config = match config {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let mut store = Store::new();
    config.limits.apply(&mut store);
    let mut linker = Linker::new();
    if wasi::imports_wasi(&module) || wasi::threads::imports_thread_spawn(&module) {
        let args = (0..argc.max(0) as usize).map(|i| {
            // SAFETY: per this function's contract, argv[i] is a C string.
            unsafe { CStr::from_ptr(*argv.add(i)) }.to_bytes().to_vec()
        });
        let defined = config
            .wasi_ctx(args)
            .map_err(|e| e.to_string())
            .and_then(|ctx| {
                if wasi::threads::imports_thread_spawn(&module) {
                    wasi::threads::add_to_linker(&mut linker, &mut store, ctx, &module)
                        .map_err(|e| e.to_string())
                } else {
                    wasi::add_to_linker_for(&mut linker, &mut store, ctx, &module);
                    Ok(())
                }
            });
        match defined {
            Ok(()) => {}
            Err(e) => {
                eprintln!("error: {e}");
                return 1;
            }
        }
    }
    let instance = match linker.instantiate(&mut store, &module) {
        Ok(i) => i,
        Err(InstantiationError::Trap(trap)) => return trap_status(&trap),
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let status = match instance.get_func(&mut store, "_start") {
        None => 0,
        Some(start) => match start.call(&mut store, &[]) {
            Ok(_) => 0,
            Err(trap) => trap_status(&trap),
        },
    };
    let _ = std::io::stdout().flush();
    status
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_round_trips() {
        let c = ExeConfig {
            dirs: vec![("/data".into(), "data".into()), (".".into(), ".".into())],
            env: vec![("A".into(), "b=c".into())],
            inherit_env: true,
            limits: ExeLimits {
                max_memory_pages: Some(3),
                max_table_elements: Some(10),
                max_instances: Some(1),
                timeout_ms: Some(1500),
                fuel: Some(7),
            },
        };
        assert_eq!(ExeConfig::parse(&c.to_text()).unwrap(), c);
        let e = ExeConfig::parse("inherit-env\n\ndir nope").unwrap_err();
        assert_eq!(
            e,
            ExeConfigError {
                line: 3,
                text: "dir nope".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "run-time settings, line 3: cannot parse `dir nope`"
        );
        assert_eq!(ExeConfig::parse("max-memory-pages x").unwrap_err().line, 1);
        assert!(ExeConfig::parse("max-whatever 3").is_err());
    }
}
