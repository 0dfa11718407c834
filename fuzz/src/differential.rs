//! The `differential` target: smelt against the wasmi interpreter.
//!
//! A module from [`smith::differential_config`] is compiled by smelt
//! (random optimization level and bounds-check mode, always with
//! interruption checks) and loaded by wasmi. Both instantiate it (running
//! its start function), then every exported function is called with
//! generated arguments, followed by more calls picked by the input. After
//! instantiation and after every call the two must agree on:
//!
//! - the results, or the trap kind (mapped onto common classes: wasmi
//!   reports an out-of-range `call_indirect` as a table trap, smelt as
//!   `UndefinedElement`);
//! - the size and bytes of every exported memory;
//! - the value of every exported global;
//! - the size of every exported table and which of its entries are null.
//!
//! NaNs: the module canonicalizes NaNs after every float operation, so the
//! bits are deterministic; float results are still compared as "both NaN"
//! (and a v128 lane-wise, as f32x4 or f64x2) as the spec allows.
//!
//! Bounds: wasmi runs each call with [`FUEL`]; a call that runs out of
//! fuel or overflows either engine's stack (their limits differ) ends the
//! comparison for the module, as inconclusive. smelt runs under a
//! [`TIMEOUT`]: if wasmi finished a call within its fuel, smelt finishing
//! late is a failure.

use crate::{Outcome, smith, wasmi_workarounds};
use arbitrary::Unstructured;
use smelt_runtime as sm;
use std::fmt::Write as _;
use std::time::Duration;
use wasmi::ValType as WValType;

/// wasmi fuel per call (roughly one unit per instruction).
pub const FUEL: u64 = 1_000_000;
/// smelt's wall-clock limit per call; generous because the machine may be
/// busy, and a call that wasmi finishes in `FUEL` takes milliseconds.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Most calls per module.
const MAX_CALLS: usize = 40;

pub fn run(data: &[u8]) -> Outcome {
    match smith::run_case(data) {
        Ok(mut case) => run_wasm(&case.wasm, &case.options, &mut case.u),
        Err(reason) => Outcome::Skip(reason),
    }
}

/// Trap kinds both engines report, at the granularity they share.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum TrapClass {
    Unreachable,
    MemoryOutOfBounds,
    /// Table access or `call_indirect` index out of bounds.
    TableOutOfBounds,
    IndirectCallToNull,
    SignatureMismatch,
    DivideByZero,
    IntegerOverflow,
    BadConversion,
    /// Fuel, stack overflow or timeout: the engines' limits differ.
    Limit,
    Other,
}

fn wasmi_class(e: &wasmi::Error) -> (TrapClass, String) {
    use wasmi::TrapCode as T;
    let message = e.to_string();
    let class = match e.as_trap_code() {
        // Segment initialization reports bounds errors as table/memory
        // errors, not trap codes.
        None if message.starts_with("out of bounds table access") => TrapClass::TableOutOfBounds,
        None if message.starts_with("out of bounds memory access") => TrapClass::MemoryOutOfBounds,
        Some(T::UnreachableCodeReached) => TrapClass::Unreachable,
        Some(T::MemoryOutOfBounds) => TrapClass::MemoryOutOfBounds,
        Some(T::TableOutOfBounds) => TrapClass::TableOutOfBounds,
        Some(T::IndirectCallToNull) => TrapClass::IndirectCallToNull,
        Some(T::BadSignature) => TrapClass::SignatureMismatch,
        Some(T::IntegerDivisionByZero) => TrapClass::DivideByZero,
        Some(T::IntegerOverflow) => TrapClass::IntegerOverflow,
        Some(T::BadConversionToInteger) => TrapClass::BadConversion,
        Some(T::OutOfFuel) | Some(T::StackOverflow) => TrapClass::Limit,
        _ => TrapClass::Other,
    };
    (class, message)
}

fn smelt_class(t: &sm::Trap) -> (TrapClass, String) {
    use sm::TrapKind as K;
    let class = match t.kind() {
        K::Unreachable => TrapClass::Unreachable,
        K::MemoryOutOfBounds => TrapClass::MemoryOutOfBounds,
        K::TableOutOfBounds | K::UndefinedElement => TrapClass::TableOutOfBounds,
        K::IndirectCallToNull => TrapClass::IndirectCallToNull,
        K::IndirectCallSignatureMismatch => TrapClass::SignatureMismatch,
        K::IntegerDivideByZero => TrapClass::DivideByZero,
        K::IntegerOverflow => TrapClass::IntegerOverflow,
        K::InvalidConversionToInteger => TrapClass::BadConversion,
        K::StackOverflow => TrapClass::Limit,
        _ => TrapClass::Other,
    };
    (class, t.to_string())
}

fn wasmi_engine() -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config
        .consume_fuel(true)
        .wasm_custom_page_sizes(true)
        .wasm_wide_arithmetic(true)
        .wasm_memory64(true)
        .wasm_simd(true)
        .wasm_relaxed_simd(false);
    wasmi::Engine::new(&config)
}

/// Compares smelt and wasmi on one binary module; `u` supplies the
/// arguments and the extra calls.
pub fn run_wasm(
    wasm: &[u8],
    options: &smelt_compiler::Options,
    u: &mut Unstructured<'_>,
) -> Outcome {
    let engine = wasmi_engine();
    let Ok(for_wasmi) = wasmi_workarounds::apply(wasm) else {
        return Outcome::Skip("the module does not re-encode");
    };
    let Ok(wmodule) = wasmi::Module::new(&engine, &for_wasmi) else {
        return Outcome::Skip("wasmi rejects the module");
    };
    let artifact = match smelt_compiler::compile(wasm, options) {
        Ok(a) => a,
        Err(e) => return Outcome::Fail(format!("smelt does not compile a valid module: {e}")),
    };
    let smodule = match sm::Module::from_object(&artifact.object) {
        Ok(m) => m,
        Err(e) => return Outcome::Fail(format!("smelt does not load its object: {e}")),
    };

    // wasmi first: if it runs out of fuel, smelt need not run at all.
    let mut wstore = wasmi::Store::new(&engine, ());
    wstore.set_fuel(FUEL).expect("fuel is enabled");
    let winst = wasmi::Linker::<()>::new(&engine).instantiate_and_start(&mut wstore, &wmodule);
    if let Err(e) = &winst
        && wasmi_class(e).0 == TrapClass::Limit
    {
        return Outcome::Skip("the start function hit wasmi's limits");
    }
    let mut sstore = sm::Store::new();
    sstore.set_timeout(Some(TIMEOUT));
    let sinst = sm::Linker::new().instantiate(&mut sstore, &smodule);
    let (winst, sinst) = match (winst, sinst) {
        (Ok(w), Ok(s)) => (w, s),
        (Err(we), Err(sm::InstantiationError::Trap(st))) => {
            let (wc, wm) = wasmi_class(&we);
            let (sc, smsg) = smelt_class(&st);
            if wc == TrapClass::Limit || sc == TrapClass::Limit {
                return Outcome::Skip("instantiation hit an engine limit");
            }
            if wc != sc {
                return Outcome::Fail(format!(
                    "instantiation traps differ: wasmi {wc:?} ({wm}), smelt {sc:?} ({smsg})"
                ));
            }
            return Outcome::Pass;
        }
        (Err(we), Err(se)) => {
            return Outcome::Fail(format!(
                "instantiation: wasmi trapped ({we}), smelt failed without a trap ({se})"
            ));
        }
        (Err(we), Ok(_)) => {
            let (wc, _) = wasmi_class(&we);
            if wc == TrapClass::Limit {
                return Outcome::Skip("start function hit wasmi's limits");
            }
            return Outcome::Fail(format!(
                "instantiation: wasmi failed ({we}), smelt succeeded"
            ));
        }
        (Ok(_), Err(se)) => {
            if let sm::InstantiationError::Trap(t) = &se
                && smelt_class(t).0 == TrapClass::Limit
            {
                return Outcome::Skip("start function hit smelt's stack limit");
            }
            return Outcome::Fail(format!(
                "instantiation: wasmi succeeded, smelt failed ({se})"
            ));
        }
    };

    let mut pair = Pair {
        wstore,
        winst,
        sstore,
        sinst,
    };
    if let Err(m) = pair.compare_state() {
        return Outcome::Fail(format!("after instantiation: {m}"));
    }

    let funcs: Vec<(String, wasmi::FuncType)> = wmodule
        .exports()
        .filter_map(|e| match e.ty() {
            wasmi::ExternType::Func(ty) => Some((e.name().to_string(), ty.clone())),
            _ => None,
        })
        .collect();
    if funcs.is_empty() {
        return Outcome::Pass;
    }
    let mut calls: Vec<usize> = (0..funcs.len()).collect();
    while calls.len() < MAX_CALLS && !u.is_empty() {
        calls.push(u.choose_index(funcs.len()).unwrap_or(0));
    }
    for (n, index) in calls.into_iter().enumerate() {
        let (name, ty) = &funcs[index];
        let args: Vec<wasmi::Val> = ty.params().iter().map(|t| arbitrary_val(u, *t)).collect();
        match pair.call(name, ty, &args) {
            Ok(CallEnd::Continue) => {}
            Ok(CallEnd::Inconclusive) => return Outcome::Pass,
            Err(m) => {
                return Outcome::Fail(format!(
                    "call #{n} `{name}`({}): {m}",
                    args.iter().map(show_wasmi).collect::<Vec<_>>().join(", ")
                ));
            }
        }
        if let Err(m) = pair.compare_state() {
            return Outcome::Fail(format!("after call #{n} `{name}`: {m}"));
        }
    }
    Outcome::Pass
}

enum CallEnd {
    Continue,
    /// An engine limit was hit: the states may now legitimately differ.
    Inconclusive,
}

/// The two engines' stores and instances of the same module.
struct Pair {
    wstore: wasmi::Store<()>,
    winst: wasmi::Instance,
    sstore: sm::Store,
    sinst: sm::Instance,
}

impl Pair {
    fn call(
        &mut self,
        name: &str,
        ty: &wasmi::FuncType,
        args: &[wasmi::Val],
    ) -> Result<CallEnd, String> {
        let wfunc = self
            .winst
            .get_func(&self.wstore, name)
            .ok_or("wasmi lost an export")?;
        let Some(sfunc) = self.sinst.get_func(&mut self.sstore, name) else {
            return Err("smelt does not have the export".into());
        };
        self.wstore.set_fuel(FUEL).expect("fuel is enabled");
        let mut wresults: Vec<wasmi::Val> = ty
            .results()
            .iter()
            .map(|t| wasmi::Val::default_for_ty(*t))
            .collect();
        let wres = wfunc.call(&mut self.wstore, args, &mut wresults);
        if let Err(e) = &wres
            && wasmi_class(e).0 == TrapClass::Limit
        {
            return Ok(CallEnd::Inconclusive);
        }
        let sargs: Vec<sm::Val> = args.iter().map(to_smelt).collect();
        let sres = sfunc.call(&mut self.sstore, &sargs);
        match (wres, sres) {
            (Ok(()), Ok(sresults)) => {
                if sresults.len() != wresults.len() {
                    return Err(format!(
                        "result counts differ: wasmi {}, smelt {}",
                        wresults.len(),
                        sresults.len()
                    ));
                }
                for (i, (w, s)) in wresults.iter().zip(&sresults).enumerate() {
                    if !same_value(w, s) {
                        return Err(format!(
                            "result {i} differs: wasmi {}, smelt {}",
                            show_wasmi(w),
                            show_smelt(s)
                        ));
                    }
                }
                Ok(CallEnd::Continue)
            }
            (Err(we), Err(st)) => {
                let (wc, wm) = wasmi_class(&we);
                let (sc, smsg) = smelt_class(&st);
                if sc == TrapClass::Limit {
                    return Ok(CallEnd::Inconclusive);
                }
                if wc != sc || wc == TrapClass::Other {
                    return Err(format!(
                        "traps differ: wasmi {wc:?} ({wm}), smelt {sc:?} ({smsg})"
                    ));
                }
                Ok(CallEnd::Continue)
            }
            (Ok(()), Err(st)) => {
                let (sc, smsg) = smelt_class(&st);
                if sc == TrapClass::Limit {
                    return Ok(CallEnd::Inconclusive);
                }
                Err(format!(
                    "wasmi returned ({}), smelt trapped {sc:?} ({smsg})",
                    wresults
                        .iter()
                        .map(show_wasmi)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            }
            (Err(we), Ok(sresults)) => Err(format!(
                "wasmi trapped ({we}), smelt returned ({})",
                sresults
                    .iter()
                    .map(show_smelt)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Exported memories, globals and tables agree.
    fn compare_state(&mut self) -> Result<(), String> {
        let exports: Vec<(String, wasmi::Extern)> = self
            .winst
            .exports(&self.wstore)
            .map(|e| (e.name().to_string(), e.into_extern()))
            .collect();
        for (name, ext) in exports {
            match ext {
                wasmi::Extern::Memory(wm) => {
                    let smem = self
                        .sinst
                        .get_memory(&mut self.sstore, &name)
                        .ok_or_else(|| format!("smelt lacks memory export `{name}`"))?;
                    let wdata = wm.data(&self.wstore);
                    let sdata = smem.data(&mut self.sstore);
                    if wdata.len() != sdata.len() {
                        return Err(format!(
                            "memory `{name}` sizes differ: wasmi {} bytes, smelt {} bytes",
                            wdata.len(),
                            sdata.len()
                        ));
                    }
                    if let Some(at) = wdata.iter().zip(sdata).position(|(a, b)| a != b) {
                        let end = (at + 16).min(wdata.len());
                        return Err(format!(
                            "memory `{name}` differs at {at:#x}: wasmi {:02x?}, smelt {:02x?}",
                            &wdata[at..end],
                            &sdata[at..end]
                        ));
                    }
                }
                wasmi::Extern::Global(wg) => {
                    let sg = self
                        .sinst
                        .get_global(&mut self.sstore, &name)
                        .ok_or_else(|| format!("smelt lacks global export `{name}`"))?;
                    let w = wg.get(&self.wstore);
                    let s = sg.get(&mut self.sstore);
                    if !same_value(&w, &s) {
                        return Err(format!(
                            "global `{name}` differs: wasmi {}, smelt {}",
                            show_wasmi(&w),
                            show_smelt(&s)
                        ));
                    }
                }
                wasmi::Extern::Table(wt) => {
                    let st = self
                        .sinst
                        .get_table(&mut self.sstore, &name)
                        .ok_or_else(|| format!("smelt lacks table export `{name}`"))?;
                    let wsize = wt.size(&self.wstore);
                    let ssize = st.size(&mut self.sstore);
                    if wsize != ssize {
                        return Err(format!(
                            "table `{name}` sizes differ: wasmi {wsize}, smelt {ssize}"
                        ));
                    }
                    for i in 0..wsize {
                        let wnull = wt.get(&self.wstore, i).is_none_or(|r| r.is_null());
                        let snull = st.get(&mut self.sstore, i).is_none_or(|v| is_null(&v));
                        if wnull != snull {
                            return Err(format!(
                                "table `{name}` entry {i}: wasmi null {wnull}, smelt null {snull}"
                            ));
                        }
                    }
                }
                wasmi::Extern::Func(_) => {}
            }
        }
        Ok(())
    }
}

fn is_null(v: &sm::Val) -> bool {
    match v {
        sm::Val::FuncRef(f) => f.is_none(),
        sm::Val::ExternRef(r) => r.is_none(),
        sm::Val::ExnRef(r) => r.is_none(),
        _ => false,
    }
}

fn f32_same(a: u32, b: u32) -> bool {
    a == b || (f32::from_bits(a).is_nan() && f32::from_bits(b).is_nan())
}

fn f64_same(a: u64, b: u64) -> bool {
    a == b || (f64::from_bits(a).is_nan() && f64::from_bits(b).is_nan())
}

/// Equal, with NaNs equal to each other (the spec does not fix NaN bits;
/// a v128 may hold float lanes of either width, so it is compared as
/// f32x4 and as f64x2).
fn same_value(w: &wasmi::Val, s: &sm::Val) -> bool {
    match (w, s) {
        (wasmi::Val::I32(a), sm::Val::I32(b)) => a == b,
        (wasmi::Val::I64(a), sm::Val::I64(b)) => a == b,
        (wasmi::Val::F32(a), sm::Val::F32(b)) => f32_same(a.to_bits(), *b),
        (wasmi::Val::F64(a), sm::Val::F64(b)) => f64_same(a.to_bits(), *b),
        (wasmi::Val::V128(a), sm::Val::V128(b)) => {
            let a = a.as_u128();
            let lanes32 = (0..4).all(|i| f32_same((a >> (32 * i)) as u32, (b >> (32 * i)) as u32));
            let lanes64 = (0..2).all(|i| f64_same((a >> (64 * i)) as u64, (b >> (64 * i)) as u64));
            a == *b || lanes32 || lanes64
        }
        (wasmi::Val::FuncRef(a), sm::Val::FuncRef(b)) => a.is_null() == b.is_none(),
        (wasmi::Val::ExternRef(a), sm::Val::ExternRef(b)) => a.is_null() == b.is_none(),
        _ => false,
    }
}

fn to_smelt(v: &wasmi::Val) -> sm::Val {
    match v {
        wasmi::Val::I32(x) => sm::Val::I32(*x),
        wasmi::Val::I64(x) => sm::Val::I64(*x),
        wasmi::Val::F32(x) => sm::Val::F32(x.to_bits()),
        wasmi::Val::F64(x) => sm::Val::F64(x.to_bits()),
        wasmi::Val::V128(x) => sm::Val::V128(x.as_u128()),
        wasmi::Val::FuncRef(_) => sm::Val::FuncRef(None),
        wasmi::Val::ExternRef(_) => sm::Val::ExternRef(None),
    }
}

fn show_wasmi(v: &wasmi::Val) -> String {
    match v {
        wasmi::Val::I32(x) => format!("i32:{x}"),
        wasmi::Val::I64(x) => format!("i64:{x}"),
        wasmi::Val::F32(x) => format!("f32:{:#010x}", x.to_bits()),
        wasmi::Val::F64(x) => format!("f64:{:#018x}", x.to_bits()),
        wasmi::Val::V128(x) => format!("v128:{:#034x}", x.as_u128()),
        wasmi::Val::FuncRef(f) => format!("funcref:{}", if f.is_null() { "null" } else { "func" }),
        wasmi::Val::ExternRef(r) => {
            format!("externref:{}", if r.is_null() { "null" } else { "ref" })
        }
    }
}

fn show_smelt(v: &sm::Val) -> String {
    let mut s = String::new();
    let _ = match v {
        sm::Val::I32(x) => write!(s, "i32:{x}"),
        sm::Val::I64(x) => write!(s, "i64:{x}"),
        sm::Val::F32(x) => write!(s, "f32:{x:#010x}"),
        sm::Val::F64(x) => write!(s, "f64:{x:#018x}"),
        sm::Val::V128(x) => write!(s, "v128:{x:#034x}"),
        other if is_null(other) => write!(s, "ref:null"),
        _ => write!(s, "ref:non-null"),
    };
    s
}

/// An argument: mostly boundary values, sometimes random bits.
fn arbitrary_val(u: &mut Unstructured<'_>, ty: WValType) -> wasmi::Val {
    const I32S: [i32; 8] = [0, 1, -1, i32::MIN, i32::MAX, 0x10000, 0xffff, 8];
    const I64S: [i64; 8] = [0, 1, -1, i64::MIN, i64::MAX, 0x1_0000_0000, 0xffff_ffff, 8];
    let pick = u.int_in_range(0..=3u8).unwrap_or(0);
    match ty {
        WValType::I32 => wasmi::Val::I32(if pick == 0 {
            u.arbitrary().unwrap_or(0)
        } else {
            I32S[u.choose_index(I32S.len()).unwrap_or(0)]
        }),
        WValType::I64 => wasmi::Val::I64(if pick == 0 {
            u.arbitrary().unwrap_or(0)
        } else {
            I64S[u.choose_index(I64S.len()).unwrap_or(0)]
        }),
        WValType::F32 => {
            let specials = [
                0.0f32,
                -0.0,
                1.0,
                -1.0,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::NAN,
                2147483648.0,
            ];
            let bits = if pick == 0 {
                u.arbitrary().unwrap_or(0)
            } else {
                specials[u.choose_index(specials.len()).unwrap_or(0)].to_bits()
            };
            wasmi::Val::F32(wasmi::F32::from_bits(bits))
        }
        WValType::F64 => {
            let specials = [
                0.0f64,
                -0.0,
                1.0,
                -1.0,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::NAN,
                9.2e18,
            ];
            let bits = if pick == 0 {
                u.arbitrary().unwrap_or(0)
            } else {
                specials[u.choose_index(specials.len()).unwrap_or(0)].to_bits()
            };
            wasmi::Val::F64(wasmi::F64::from_bits(bits))
        }
        WValType::V128 => wasmi::Val::V128(wasmi::V128::from(u.arbitrary::<u128>().unwrap_or(0))),
        WValType::FuncRef => wasmi::Val::default_for_ty(WValType::FuncRef),
        WValType::ExternRef => wasmi::Val::default_for_ty(WValType::ExternRef),
    }
}
