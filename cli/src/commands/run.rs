//! `smelt run [OPTIONS] FILE [ARGS...]`: compile (or load) a module and
//! run it in this process — the same object code `smelt compile` writes,
//! relocated in memory.
//!
//! A module that imports WASI gets a sandbox like wasmtime's: only the
//! `--dir`s and `--env`s given (nothing by default), the process's stdio,
//! and `FILE ARGS...` (or `--argv0 NAME ARGS...`) as its argv. Options go
//! before FILE; everything after it belongs to the program (except a
//! `--invoke NAME` right after FILE, the older documented form).

use crate::common::{CodegenArgs, Input, LimitArgs, MappedFile, compile, compile_lazy, read_input};
use anyhow::{Result, anyhow};
use smelt_compiler::ExecutionMode;
use smelt_compiler::timings::Phase;
use smelt_runtime::wasi::{self, WasiCtx};
use smelt_runtime::{InstantiationError, Linker, Module, Store, Trap, Val, ValType};
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RunCommand {
    /// Call this exported function instead of `_start`.
    #[arg(long)]
    invoke: Option<String>,
    #[command(flatten)]
    codegen: CodegenArgs,
    #[command(flatten)]
    limits: LimitArgs,
    /// WASI: preopen host directory HOST as GUEST (default: HOST as
    /// written); repeatable.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// WASI: set KEY in the program's environment (KEY alone: copy the
    /// host's value); repeatable.
    #[arg(long = "env", value_name = "KEY[=VALUE]")]
    env: Vec<String>,
    /// WASI: pass the whole host environment.
    #[arg(long = "inherit-env")]
    inherit_env: bool,
    /// WASI: the program's argv[0] (default: FILE as written).
    #[arg(long)]
    argv0: Option<String>,
    /// WASI: listen on this TCP address and give the socket to the
    /// program (after the preopened directories); repeatable.
    #[arg(long = "tcplisten", value_name = "ADDR:PORT")]
    tcplisten: Vec<String>,
    /// Module to run (.wasm, .wat, or an object from `smelt compile`),
    /// then its arguments (for --invoke: the function's parameters).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "FILE [ARGS]"
    )]
    module_and_args: Vec<OsString>,
}

/// Exit status after a trap, as for an abort.
const TRAP_STATUS: u8 = 134;

/// Loads `path` as a module: compiled to an object and loaded, or loaded
/// directly if it already is an object.
/// A module's bytes, read or mapped.
enum Loaded {
    Wasm(smelt_compiler::WasmBytes),
    Object(Vec<u8>),
}

pub(crate) fn load_module(path: &std::path::Path, codegen: &CodegenArgs) -> Result<Module> {
    let options = codegen.options(path)?;
    let interpreted = options.mode == ExecutionMode::Interpreted;
    let phase = Phase::start("read");
    // Binary wasm to interpret is mapped, not read: the translator keeps it.
    let mapped = if interpreted {
        MappedFile::wasm(path)?
    } else {
        None
    };
    let input = match mapped {
        Some(m) => Loaded::Wasm(Box::new(m)),
        None => match read_input(path)? {
            Input::Wasm(w) => Loaded::Wasm(Box::new(w)),
            Input::Object(o) => Loaded::Object(o),
        },
    };
    phase.end();
    let loaded = match input {
        // Interpreted from wasm: validated now, each function translated
        // on its first call.
        Loaded::Wasm(wasm) if interpreted => {
            let phase = Phase::start("compile");
            let lazy = compile_lazy(path, wasm, &options)?;
            phase.end();
            let phase = Phase::start("load");
            let module = Module::from_object_lazy(&lazy.artifact.object, lazy.translator);
            phase.end();
            module
        }
        Loaded::Wasm(wasm) => {
            let phase = Phase::start("compile");
            let object = compile(path, (*wasm).as_ref(), &options)?.object;
            phase.end();
            let phase = Phase::start("load");
            let module = Module::from_object(&object);
            phase.end();
            module
        }
        Loaded::Object(object) => Module::from_object(&object),
    };
    loaded.map_err(|e| anyhow!("{}: {e}", path.display()))
}

fn parse_arg(text: &str, ty: ValType) -> Result<Val> {
    let bad = || {
        anyhow!(
            "invalid argument `{text}` for a parameter of type {}",
            smelt_runtime::val_type_name(ty)
        )
    };
    Ok(match ty {
        ValType::I32 => Val::I32(
            text.parse::<i32>()
                .or_else(|_| text.parse::<u32>().map(|v| v as i32))
                .map_err(|_| bad())?,
        ),
        ValType::I64 => Val::I64(
            text.parse::<i64>()
                .or_else(|_| text.parse::<u64>().map(|v| v as i64))
                .map_err(|_| bad())?,
        ),
        ValType::F32 => Val::F32(text.parse::<f32>().map_err(|_| bad())?.to_bits()),
        ValType::F64 => Val::F64(text.parse::<f64>().map_err(|_| bad())?.to_bits()),
        // The 128 bits as one number, lane 0 in the low bits: the format
        // results are printed in (`0x` hex), or decimal.
        ValType::V128 => Val::V128(
            match text.strip_prefix("0x") {
                Some(hex) => u128::from_str_radix(&hex.replace('_', ""), 16),
                None => text.parse::<u128>(),
            }
            .map_err(|_| bad())?,
        ),
        _ => return Err(bad()),
    })
}

fn print_val(v: &Val) {
    match v {
        Val::I32(x) => println!("{x}"),
        Val::I64(x) => println!("{x}"),
        Val::F32(x) => println!("{}", f32::from_bits(*x)),
        Val::F64(x) => println!("{}", f64::from_bits(*x)),
        Val::V128(x) => println!("{x:#034x}"),
        Val::FuncRef(f) => println!("{}", if f.is_some() { "<funcref>" } else { "null" }),
        Val::ExternRef(e) => println!("{}", if e.is_some() { "<externref>" } else { "null" }),
        Val::ExnRef(e) => println!("{}", if e.is_some() { "<exnref>" } else { "null" }),
    }
}

fn trap_exit(trap: &Trap) -> ExitCode {
    if let Some(code) = trap.exit_code() {
        return ExitCode::from(code as u8);
    }
    let _ = std::io::Write::flush(&mut std::io::stdout());
    eprint!("{}", trap.report());
    ExitCode::from(TRAP_STATUS)
}

impl RunCommand {
    /// The WASI context for this run.
    fn wasi_ctx(&self, input: &Path) -> Result<WasiCtx> {
        let argv0 = match &self.argv0 {
            Some(a) => a.as_bytes().to_vec(),
            None => input.as_os_str().as_bytes().to_vec(),
        };
        let mut b = WasiCtx::builder()
            .arg(argv0)
            .args(self.module_and_args[1..].iter().map(|a| a.as_bytes()))
            .inherit_stdio();
        if self.inherit_env {
            b = b.inherit_env();
        }
        for kv in &self.env {
            b = match kv.split_once('=') {
                Some((k, v)) => b.env(k, v),
                None => match std::env::var_os(kv) {
                    Some(v) => b.env(kv, v.as_bytes()),
                    None => b,
                },
            };
        }
        for spec in &self.dirs {
            let (host, guest) = wasi::parse_dir_spec(spec);
            b = b.preopen_dir(host, guest);
        }
        for addr in &self.tcplisten {
            let l = std::net::TcpListener::bind(addr)
                .map_err(|e| anyhow!("--tcplisten {addr}: {e}"))?;
            b = b.preopen_socket(l);
        }
        b.build().map_err(|e| anyhow!("{e}"))
    }

    /// `smelt run FILE --invoke NAME ARGS...` (the form older docs use)
    /// means `smelt run --invoke NAME FILE ARGS...`: `--invoke` right after
    /// FILE is taken as smelt's, every other argument belongs to the guest.
    fn take_trailing_invoke(&mut self) {
        if self.invoke.is_some() || self.module_and_args.len() < 2 {
            return;
        }
        let first = self.module_and_args[1].to_string_lossy().into_owned();
        if first == "--invoke" && self.module_and_args.len() >= 3 {
            self.invoke = Some(self.module_and_args[2].to_string_lossy().into_owned());
            self.module_and_args.drain(1..3);
        } else if let Some(name) = first.strip_prefix("--invoke=") {
            self.invoke = Some(name.to_string());
            self.module_and_args.remove(1);
        }
    }

    pub fn execute(mut self) -> Result<ExitCode> {
        let until_call = Phase::start("start-up (until the call)");
        self.take_trailing_invoke();
        let input = PathBuf::from(&self.module_and_args[0]);
        let args: Vec<String> = self.module_and_args[1..]
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        // A timeout needs interruption checks in the code: compile them
        // in (an object from `smelt compile` must already have them; the
        // store refuses it otherwise, naming --interruptible).
        let mut codegen = self.codegen.clone();
        codegen.interruptible |= self.limits.timeout.is_some();
        // Likewise fuel needs metering.
        codegen.fuel_metering |= self.limits.fuel.is_some();
        let module = load_module(&input, &codegen)?;
        let mut store = Store::new();
        store.set_limits(self.limits.store_limits());
        store.set_timeout(self.limits.timeout);
        if let Some(fuel) = self.limits.fuel {
            store.set_fuel(fuel);
        }
        let mut linker = Linker::new();
        if wasi::threads::imports_thread_spawn(&module) {
            let ctx = self.wasi_ctx(&input)?;
            wasi::threads::add_to_linker(&mut linker, &mut store, ctx, &module)
                .map_err(|e| anyhow!("{}: {e}", input.display()))?;
        } else if wasi::imports_wasi(&module) {
            let ctx = self.wasi_ctx(&input)?;
            wasi::add_to_linker_for(&mut linker, &mut store, ctx, &module);
        }
        let phase = Phase::start("instantiate");
        let instance = match linker.instantiate(&mut store, &module) {
            Ok(i) => i,
            Err(InstantiationError::Trap(t)) => return Ok(trap_exit(&t)),
            Err(e) => return Err(anyhow!("{}: {e}", input.display())),
        };
        phase.end();

        // A WASI reactor initialises itself before its exports are used.
        if self.invoke.is_some()
            && let Some(init) = instance.get_func(&mut store, "_initialize")
            && let Err(trap) = init.call(&mut store, &[])
        {
            return Ok(trap_exit(&trap));
        }
        let name = self.invoke.as_deref().unwrap_or("_start");
        let Some(func) = instance.get_func(&mut store, name) else {
            if self.invoke.is_some() {
                return Err(anyhow!(
                    "{}: no exported function `{name}`",
                    input.display()
                ));
            }
            return Ok(ExitCode::SUCCESS);
        };
        let ty = func.ty(&mut store);
        if self.invoke.is_none() && !ty.params().is_empty() {
            return Err(anyhow!("{}: `_start` takes parameters", input.display()));
        }
        let args = if self.invoke.is_some() {
            args
        } else {
            Vec::new()
        };
        if args.len() != ty.params().len() {
            return Err(anyhow!(
                "`{name}` takes {} arguments, {} given",
                ty.params().len(),
                args.len()
            ));
        }
        let args = args
            .iter()
            .zip(ty.params())
            .map(|(a, t)| parse_arg(a, *t))
            .collect::<Result<Vec<_>>>()?;
        until_call.end();
        let phase = Phase::start("run");
        let outcome = func.call(&mut store, &args);
        phase.end();
        if let Some(n) = module.lazily_translated_funcs() {
            smelt_compiler::timings::stat(|| format!("functions translated on first call: {n}"));
        }
        match outcome {
            Ok(results) => {
                results.iter().for_each(print_val);
                Ok(ExitCode::SUCCESS)
            }
            Err(trap) => Ok(trap_exit(&trap)),
        }
    }
}
