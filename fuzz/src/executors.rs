//! The `executors` target: smelt's two executors against each other.
//!
//! A module from [`smith::differential_config`] (NaNs canonicalized in the
//! module, so float bits are deterministic) is compiled twice, to native
//! code (random options) and for the interpreter, and instantiated in two
//! stores. Every export is called with the same generated arguments, then
//! more calls picked by the input; after instantiation and after each
//! call the two must agree exactly on the results or the trap kind, and
//! on every exported memory's bytes, global's value and table's size and
//! null entries. Stack exhaustion and timeouts (the executors' limits
//! differ) end the comparison as inconclusive.

use crate::{Outcome, compile, smith};
use arbitrary::Unstructured;
use smelt_compiler::ExecutionMode;
use smelt_runtime as sm;

/// Most calls per module.
const MAX_CALLS: usize = 40;
/// Wall-clock limit per call in either executor.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

pub fn run(data: &[u8]) -> Outcome {
    let mut u = Unstructured::new(data);
    let Ok(config) = smith::differential_config(&mut u) else {
        return Outcome::Skip("input too short for a config");
    };
    let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
        return Outcome::Skip("input too short for a module");
    };
    let wasm = module.to_bytes();
    let mut options = compile::options(&mut u);
    options.interruptible = true;
    run_wasm(&wasm, &options, &mut u)
}

/// One executor's store and instance (or instantiation trap).
struct Side {
    store: sm::Store,
    inst: Result<sm::Instance, String>,
}

fn side(wasm: &[u8], options: &smelt_compiler::Options) -> Result<Side, String> {
    let artifact = smelt_compiler::compile(wasm, options).map_err(|e| {
        format!(
            "{:?} mode does not compile a valid module: {e}",
            options.mode
        )
    })?;
    let module = sm::Module::from_object(&artifact.object)
        .map_err(|e| format!("{:?} mode does not load its object: {e}", options.mode))?;
    let mut store = sm::Store::new();
    store.set_timeout(Some(TIMEOUT));
    let inst = sm::Linker::new()
        .instantiate(&mut store, &module)
        .map_err(|e| match e {
            sm::InstantiationError::Trap(t) => outcome_of(&t),
            other => format!("error: {other}"),
        });
    Ok(Side { store, inst })
}

/// A trap as compared: its kind, or `limit` for the executor limits.
fn outcome_of(t: &sm::Trap) -> String {
    match t.kind() {
        sm::TrapKind::StackOverflow | sm::TrapKind::Interrupted => "limit".into(),
        k => format!("trap {k:?}"),
    }
}

pub fn run_wasm(
    wasm: &[u8],
    options: &smelt_compiler::Options,
    u: &mut Unstructured<'_>,
) -> Outcome {
    let mut compiled_options = options.clone();
    compiled_options.mode = ExecutionMode::Compiled;
    let mut interp_options = options.clone();
    interp_options.mode = ExecutionMode::Interpreted;
    let (mut c, mut i) = match (side(wasm, &compiled_options), side(wasm, &interp_options)) {
        (Ok(c), Ok(i)) => (c, i),
        (Err(e), _) | (_, Err(e)) => return Outcome::Fail(e),
    };
    let (ci, ii) = match (&c.inst, &i.inst) {
        (Ok(ci), Ok(ii)) => (*ci, *ii),
        (Err(a), Err(b)) if a == b || a == "limit" || b == "limit" => return Outcome::Pass,
        (a, b) => {
            return Outcome::Fail(format!(
                "instantiation differs: compiled {:?}, interpreted {:?}",
                a.as_ref().err(),
                b.as_ref().err()
            ));
        }
    };
    if let Err(m) = compare_state(&mut c.store, ci, &mut i.store, ii) {
        return Outcome::Fail(format!("after instantiation: {m}"));
    }
    let funcs: Vec<(String, sm::Func)> = ci
        .exports(&mut c.store)
        .into_iter()
        .filter_map(|(n, e)| e.into_func().map(|f| (n, f)))
        .collect();
    if funcs.is_empty() {
        return Outcome::Pass;
    }
    let mut calls: Vec<usize> = (0..funcs.len()).collect();
    while calls.len() < MAX_CALLS && !u.is_empty() {
        calls.push(u.choose_index(funcs.len()).unwrap_or(0));
    }
    for (n, index) in calls.into_iter().enumerate() {
        let (name, cf) = &funcs[index];
        let ty = cf.ty(&mut c.store);
        let args: Vec<sm::Val> = ty.params().iter().map(|t| arbitrary_val(u, *t)).collect();
        let Some(ifunc) = ii.get_func(&mut i.store, name) else {
            return Outcome::Fail(format!("the interpreted instance lacks `{name}`"));
        };
        let a = cf.call(&mut c.store, &args).map_err(|t| outcome_of(&t));
        let b = ifunc.call(&mut i.store, &args).map_err(|t| outcome_of(&t));
        match (&a, &b) {
            (Err(x), _) | (_, Err(x)) if x == "limit" => return Outcome::Pass,
            (Ok(x), Ok(y)) if x.iter().zip(y).all(|(p, q)| same(p, q)) && x.len() == y.len() => {}
            (Err(x), Err(y)) if x == y => {}
            _ => {
                return Outcome::Fail(format!(
                    "call #{n} `{name}`({args:?}): compiled {a:?}, interpreted {b:?}"
                ));
            }
        }
        if let Err(m) = compare_state(&mut c.store, ci, &mut i.store, ii) {
            return Outcome::Fail(format!("after call #{n} `{name}`: {m}"));
        }
    }
    Outcome::Pass
}

/// Equal values; references compared by nullness (each store has its own).
fn same(a: &sm::Val, b: &sm::Val) -> bool {
    match (a, b) {
        (sm::Val::FuncRef(x), sm::Val::FuncRef(y)) => x.is_none() == y.is_none(),
        (sm::Val::ExternRef(x), sm::Val::ExternRef(y)) => x.is_none() == y.is_none(),
        (sm::Val::ExnRef(x), sm::Val::ExnRef(y)) => x.is_none() == y.is_none(),
        (sm::Val::I32(x), sm::Val::I32(y)) => x == y,
        (sm::Val::I64(x), sm::Val::I64(y)) => x == y,
        (sm::Val::F32(x), sm::Val::F32(y)) => x == y,
        (sm::Val::F64(x), sm::Val::F64(y)) => x == y,
        (sm::Val::V128(x), sm::Val::V128(y)) => x == y,
        _ => false,
    }
}

fn is_null(v: &sm::Val) -> bool {
    matches!(
        v,
        sm::Val::FuncRef(None) | sm::Val::ExternRef(None) | sm::Val::ExnRef(None)
    )
}

fn compare_state(
    cs: &mut sm::Store,
    ci: sm::Instance,
    is: &mut sm::Store,
    ii: sm::Instance,
) -> Result<(), String> {
    for (name, ext) in ci.exports(&mut *cs) {
        let other = ii
            .get_export(&mut *is, &name)
            .ok_or_else(|| format!("the interpreted instance lacks `{name}`"))?;
        match (ext, other) {
            (sm::Extern::Memory(a), sm::Extern::Memory(b)) => {
                let x = a.data(&mut *cs).to_vec();
                let y = b.data(&mut *is);
                if x != y {
                    let at = x
                        .iter()
                        .zip(y)
                        .position(|(p, q)| p != q)
                        .unwrap_or(x.len().min(y.len()));
                    return Err(format!(
                        "memory `{name}` differs at {at:#x} (sizes {} and {})",
                        x.len(),
                        y.len()
                    ));
                }
            }
            (sm::Extern::Global(a), sm::Extern::Global(b)) => {
                let (x, y) = (a.get(&mut *cs), b.get(&mut *is));
                if !same(&x, &y) {
                    return Err(format!(
                        "global `{name}`: compiled {x:?}, interpreted {y:?}"
                    ));
                }
            }
            (sm::Extern::Table(a), sm::Extern::Table(b)) => {
                let (n, m) = (a.size(&mut *cs), b.size(&mut *is));
                if n != m {
                    return Err(format!(
                        "table `{name}` sizes: compiled {n}, interpreted {m}"
                    ));
                }
                for k in 0..n {
                    let x = a.get(&mut *cs, k).is_none_or(|v| is_null(&v));
                    let y = b.get(&mut *is, k).is_none_or(|v| is_null(&v));
                    if x != y {
                        return Err(format!("table `{name}` entry {k}: null {x} vs {y}"));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// An argument of type `ty`: boundary values or random bits.
fn arbitrary_val(u: &mut Unstructured<'_>, ty: sm::ValType) -> sm::Val {
    const I32S: [i32; 6] = [0, 1, -1, i32::MIN, i32::MAX, 0x10000];
    let pick = u.int_in_range(0..=3u8).unwrap_or(0);
    let bits: u64 = u.arbitrary().unwrap_or(0);
    let small = I32S[u.choose_index(I32S.len()).unwrap_or(0)];
    match ty.code() {
        0x7f => sm::Val::I32(if pick == 0 { bits as i32 } else { small }),
        0x7e => sm::Val::I64(if pick == 0 { bits as i64 } else { small as i64 }),
        0x7d => sm::Val::F32(if pick == 0 {
            bits as u32
        } else {
            (small as f32).to_bits()
        }),
        0x7c => sm::Val::F64(if pick == 0 {
            bits
        } else {
            (small as f64).to_bits()
        }),
        0x7b => sm::Val::V128(u.arbitrary().unwrap_or(0)),
        _ if matches!(ty.code(), 0x6f | 0x72) => sm::Val::ExternRef(None),
        _ if matches!(ty.code(), 0x69 | 0x74) => sm::Val::ExnRef(None),
        _ => sm::Val::FuncRef(None),
    }
}
