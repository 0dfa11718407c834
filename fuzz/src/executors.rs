//! The `executors` target: smelt's two executors against each other.
//!
//! A module from [`smith::differential_config`] (NaNs canonicalized in the
//! module, so float bits are deterministic) is compiled twice with fuel
//! metering, to native code (random options) and for the interpreter, and
//! instantiated in two stores. Every export is called with the same
//! generated arguments, then more calls picked by the input. Both stores
//! get the same [`FUEL`] before instantiation and before each call, so a
//! module that loops forever ends with `OutOfFuel` after a few
//! milliseconds instead of at a timeout. After instantiation and after
//! each call the two must agree exactly on:
//!
//! - the results, or the trap kind (`OutOfFuel` included: the counting
//!   rule of `compiler/src/fuel.rs` is the same in both executors, so
//!   both run out at the same check);
//! - the fuel remaining;
//! - every exported memory's bytes, global's value and table's size and
//!   null entries.
//!
//! Stack exhaustion (the executors' limits differ) and the wall-clock
//! [`TIMEOUT`] end the comparison as inconclusive (a skip).
//!
//! The store reads negative fuel as 0: a call that completes after its
//! last check left the fuel negative is compared only as "0 left".

use crate::{Outcome, smith};
use arbitrary::Unstructured;
use smelt_compiler::ExecutionMode;
use smelt_runtime as sm;
use std::time::Duration;

/// Fuel for instantiation (the start function) and for each call, in both
/// executors: one unit per wasm instruction executed. A call that does
/// not loop needs far less (modules have at most 5000 instructions), and
/// spending it all takes about a millisecond compiled and a few
/// interpreted, so an infinite loop costs little.
pub const FUEL: u64 = 100_000;
/// Wall-clock limit per call, only a safety net: fuel bounds the number
/// of instructions, not their cost (`memory.fill` of 4 MiB is one unit),
/// and a metering bug must not hang the run.
pub const TIMEOUT: Duration = Duration::from_secs(5);
/// Most calls per module.
const MAX_CALLS: usize = 40;

pub fn run(data: &[u8]) -> Outcome {
    match smith::run_case(data) {
        Ok(mut case) => run_wasm(&case.wasm, &case.options, &mut case.u),
        Err(reason) => Outcome::Skip(reason),
    }
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
    store.set_fuel(FUEL);
    let inst = sm::Linker::new()
        .instantiate(&mut store, &module)
        .map_err(|e| match e {
            sm::InstantiationError::Trap(t) => outcome_of(&t),
            other => format!("error: {other}"),
        });
    Ok(Side { store, inst })
}

/// The outcomes that make a comparison inconclusive: the executors' stack
/// limits differ, and the timeout depends on the machine's load.
const STACK_LIMIT: &str = "limit: stack exhausted";
const TIME_LIMIT: &str = "limit: timed out";

/// A trap as compared: its kind, or [`STACK_LIMIT`] or [`TIME_LIMIT`].
fn outcome_of(t: &sm::Trap) -> String {
    match t.kind() {
        sm::TrapKind::StackOverflow => STACK_LIMIT.into(),
        sm::TrapKind::Interrupted => TIME_LIMIT.into(),
        k => format!("trap {k:?}"),
    }
}

/// The skip reason if either side hit an executor limit: the states may
/// now legitimately differ, so the rest of the module is inconclusive.
fn limit<T>(
    a: &Result<T, String>,
    b: &Result<T, String>,
    instantiating: bool,
) -> Option<&'static str> {
    [a, b]
        .into_iter()
        .find_map(|r| match (r.as_ref().err()?.as_str(), instantiating) {
            (STACK_LIMIT, true) => Some("instantiation exhausted a stack"),
            (TIME_LIMIT, true) => Some("instantiation timed out"),
            (STACK_LIMIT, false) => Some("a call exhausted a stack"),
            (TIME_LIMIT, false) => Some("a call timed out"),
            _ => None,
        })
}

/// Compiles and instantiates `wasm` in both modes (from `options`, with
/// fuel metering on) and compares them; `u` supplies the arguments and
/// the extra calls.
pub fn run_wasm(
    wasm: &[u8],
    options: &smelt_compiler::Options,
    u: &mut Unstructured<'_>,
) -> Outcome {
    let mut compiled_options = options.clone();
    compiled_options.mode = ExecutionMode::Compiled;
    compiled_options.fuel = true;
    let mut interp_options = compiled_options.clone();
    interp_options.mode = ExecutionMode::Interpreted;
    let (mut c, mut i) = match (side(wasm, &compiled_options), side(wasm, &interp_options)) {
        (Ok(c), Ok(i)) => (c, i),
        (Err(e), _) | (_, Err(e)) => return Outcome::Fail(e),
    };
    if let Some(reason) = limit(&c.inst, &i.inst, true) {
        return Outcome::Skip(reason);
    }
    let (ci, ii) = match (&c.inst, &i.inst) {
        (Ok(ci), Ok(ii)) => (*ci, *ii),
        (Err(a), Err(b)) if a == b => {
            return match compare_fuel(&c.store, &i.store) {
                Ok(()) => Outcome::Pass,
                Err(m) => Outcome::Fail(format!("instantiation trap ({a}): {m}")),
            };
        }
        (a, b) => {
            return Outcome::Fail(format!(
                "instantiation differs: compiled {:?}, interpreted {:?}",
                a.as_ref().err(),
                b.as_ref().err()
            ));
        }
    };
    if let Err(m) = compare_fuel(&c.store, &i.store)
        .and_then(|()| compare_state(&mut c.store, ci, &mut i.store, ii))
    {
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
        c.store.set_fuel(FUEL);
        i.store.set_fuel(FUEL);
        let a = cf.call(&mut c.store, &args).map_err(|t| outcome_of(&t));
        let b = ifunc.call(&mut i.store, &args).map_err(|t| outcome_of(&t));
        if let Some(reason) = limit(&a, &b, false) {
            return Outcome::Skip(reason);
        }
        match (&a, &b) {
            (Ok(x), Ok(y)) if x.iter().zip(y).all(|(p, q)| same(p, q)) && x.len() == y.len() => {}
            (Err(x), Err(y)) if x == y => {}
            _ => {
                return Outcome::Fail(format!(
                    "call #{n} `{name}`({args:?}): compiled {a:?}, interpreted {b:?}"
                ));
            }
        }
        if let Err(m) = compare_fuel(&c.store, &i.store)
            .and_then(|()| compare_state(&mut c.store, ci, &mut i.store, ii))
        {
            return Outcome::Fail(format!("after call #{n} `{name}`({args:?}) -> {a:?}: {m}"));
        }
    }
    Outcome::Pass
}

/// The same fuel remains (both started with [`FUEL`]).
fn compare_fuel(cs: &sm::Store, is: &sm::Store) -> Result<(), String> {
    let (x, y) = (cs.fuel(), is.fuel());
    if x == y {
        Ok(())
    } else {
        let used = |f: Option<u64>| f.map(|f| FUEL - f.min(FUEL));
        Err(format!(
            "fuel used: compiled {:?}, interpreted {:?} (of {FUEL})",
            used(x),
            used(y)
        ))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run_wat(wat: &str) -> Outcome {
        let wasm = wat::parse_str(wat).unwrap();
        let options = smelt_compiler::Options {
            interruptible: true,
            threads: Some(1),
            ..Default::default()
        };
        run_wasm(&wasm, &options, &mut Unstructured::new(&[]))
    }

    /// Infinite loops, unbounded recursion and a start function that never
    /// returns end with `OutOfFuel` in both executors at the same point,
    /// quickly, and the comparison goes on past them.
    #[test]
    fn fuel_ends_infinite_loops_in_both_executors() {
        let started = std::time::Instant::now();
        let outcome = run_wat(
            r#"(module
              (memory (export "m") 1 1)
              (global (export "g") (mut i32) (i32.const 0))
              (func (export "spin")
                (loop (global.set 0 (i32.add (global.get 0) (i32.const 1))) (br 0)))
              ;; about 5000 units a frame: out of fuel 20 frames deep,
              ;; before any stack limit
              (func $rec (export "rec") (local i32)
                (loop
                  (local.tee 0 (i32.add (local.get 0) (i32.const 1)))
                  (br_if 0 (i32.lt_u (i32.const 1000))))
                (call $rec))
              (func (export "store") (i32.store (i32.const 0) (global.get 0))))"#,
        );
        assert!(matches!(outcome, Outcome::Pass), "{outcome:?}");
        let outcome = run_wat(r#"(module (func $s (loop (br 0))) (start $s))"#);
        assert!(matches!(outcome, Outcome::Pass), "{outcome:?}");
        assert!(
            started.elapsed() < TIMEOUT,
            "fuel, not the timeout, ended them"
        );
    }

    #[test]
    fn different_fuel_is_a_mismatch() {
        let mut a = sm::Store::new();
        let mut b = sm::Store::new();
        a.set_fuel(FUEL);
        b.set_fuel(FUEL - 3);
        let m = compare_fuel(&a, &b).unwrap_err();
        assert_eq!(
            m,
            "fuel used: compiled Some(0), interpreted Some(3) (of 100000)"
        );
        b.set_fuel(FUEL);
        assert_eq!(compare_fuel(&a, &b), Ok(()));
    }
}
