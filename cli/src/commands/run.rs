//! `smelt run FILE [--invoke NAME] [ARGS...]`: compile (or load) a module
//! and run it in this process — the same object code `smelt compile`
//! writes, relocated in memory.

use crate::common::{CodegenArgs, Input, compile, read_input};
use anyhow::{Result, anyhow};
use smelt_runtime::{InstantiationError, Linker, Module, Store, Trap, Val, ValType};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct RunCommand {
    /// Module to run (.wasm, .wat, or an object from `smelt compile`).
    input: PathBuf,
    /// Call this exported function instead of `_start`.
    #[arg(long)]
    invoke: Option<String>,
    #[command(flatten)]
    codegen: CodegenArgs,
    /// Arguments (for --invoke: the function's parameters).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<String>,
}

/// Exit status after a trap, as for an abort.
const TRAP_STATUS: u8 = 134;

/// Loads `path` as a module: compiled to an object and loaded, or loaded
/// directly if it already is an object.
pub(crate) fn load_module(path: &std::path::Path, codegen: &CodegenArgs) -> Result<Module> {
    let object = match read_input(path)? {
        Input::Wasm(wasm) => compile(path, &wasm, &codegen.options(path)?)?.object,
        Input::Object(object) => object,
    };
    Module::from_object(&object).map_err(|e| anyhow!("{}: {e}", path.display()))
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
    eprint!("{}", trap.report());
    ExitCode::from(TRAP_STATUS)
}

impl RunCommand {
    pub fn execute(self) -> Result<ExitCode> {
        let module = load_module(&self.input, &self.codegen)?;
        let mut store = Store::new();
        let linker = Linker::new();
        let instance = match linker.instantiate(&mut store, &module) {
            Ok(i) => i,
            Err(InstantiationError::Trap(t)) => return Ok(trap_exit(&t)),
            Err(e) => return Err(anyhow!("{}: {e}", self.input.display())),
        };
        let name = self.invoke.as_deref().unwrap_or("_start");
        let Some(func) = instance.get_func(&mut store, name) else {
            if self.invoke.is_some() {
                return Err(anyhow!(
                    "{}: no exported function `{name}`",
                    self.input.display()
                ));
            }
            return Ok(ExitCode::SUCCESS);
        };
        let ty = func.ty(&mut store);
        if self.args.len() != ty.params().len() {
            return Err(anyhow!(
                "`{name}` takes {} arguments, {} given",
                ty.params().len(),
                self.args.len()
            ));
        }
        let args = self
            .args
            .iter()
            .zip(ty.params())
            .map(|(a, t)| parse_arg(a, *t))
            .collect::<Result<Vec<_>>>()?;
        match func.call(&mut store, &args) {
            Ok(results) => {
                results.iter().for_each(print_val);
                Ok(ExitCode::SUCCESS)
            }
            Err(trap) => Ok(trap_exit(&trap)),
        }
    }
}
