//! NaN canonicalization (`--canonicalize-nans`), only where a NaN's bits
//! can be observed.
//!
//! Wasm lets float arithmetic return any NaN (sign and payload are
//! nondeterministic); hardware differs (x86 propagates an operand's payload
//! or returns a negative default NaN, aarch64 a positive one, riscv64
//! always the canonical one). With the option, every NaN that arithmetic
//! produces is replaced by the canonical quiet NaN (`0x7fc00000`,
//! `0x7ff8000000000000`, in scalars and in every vector lane), so results
//! are bit-identical on every target.
//!
//! Cranelift has such a pass (`enable_nan_canonicalization`), but it puts
//! the check after *every* arithmetic instruction: ~5 instructions after
//! each `fadd`, which makes float-heavy code like n-body 3x longer. Most
//! of those checks are dead: a NaN's payload is only visible through some
//! uses. This pass canonicalizes a result only if some use can see its
//! bits. A use cannot when the user is
//!
//! - itself canonicalized arithmetic: its result is NaN exactly when an
//!   operand is NaN or the operation is invalid (IEEE 754), never
//!   depending on an operand's payload, and that NaN is replaced in turn
//!   (or, recursively, never observed);
//! - a comparison (`fcmp`): NaNs compare unordered whatever their bits;
//! - a conversion to integer (`fcvt_to_*int*`): a NaN traps or becomes 0.
//!
//! Every other use observes the bits, conservatively: stores, bitcasts
//! (`reinterpret`), sign-bit operations (`fneg`, `fabs`, `fcopysign` keep
//! the payload, as the spec requires), lane moves, `select`, block
//! arguments (locals across blocks), calls, returns. A value with one such
//! use is canonicalized once, at its definition, for all its uses.
//!
//! The arithmetic set is the one Cranelift's pass uses. It runs on the
//! final function (after inlining), so an inlined callee's result is
//! judged by its uses in the caller.

use cranelift_codegen::cursor::{Cursor, FuncCursor};
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::immediates::{Ieee32, Ieee64};
use cranelift_codegen::ir::{
    Function, Inst, InstBuilder, MemFlagsData, Opcode, Type, Value, types,
};
use cranelift_entity::EntitySet;

/// Instructions that can produce a NaN from their operands and whose
/// results this pass canonicalizes.
fn is_arithmetic(opcode: Opcode) -> bool {
    matches!(
        opcode,
        Opcode::Fadd
            | Opcode::Fsub
            | Opcode::Fmul
            | Opcode::Fdiv
            | Opcode::Fmin
            | Opcode::Fmax
            | Opcode::Fma
            | Opcode::Sqrt
            | Opcode::Ceil
            | Opcode::Floor
            | Opcode::Trunc
            | Opcode::Nearest
            | Opcode::Fpromote
            | Opcode::Fdemote
            | Opcode::FvpromoteLow
            | Opcode::Fvdemote
    )
}

/// Uses through which a NaN operand's sign and payload cannot be seen.
fn hides_nan_bits(opcode: Opcode) -> bool {
    is_arithmetic(opcode)
        || matches!(
            opcode,
            Opcode::Fcmp
                | Opcode::FcvtToSint
                | Opcode::FcvtToUint
                | Opcode::FcvtToSintSat
                | Opcode::FcvtToUintSat
        )
}

/// Canonicalizes, in `func`, every arithmetic NaN whose bits some use can
/// observe. Returns how many results got a check.
pub(crate) fn canonicalize_nans(func: &mut Function) -> usize {
    let (observed, candidates) = observed_values(func);
    let mut count = 0;
    let mut pos = FuncCursor::new(func);
    for inst in candidates {
        let result = pos.func.dfg.first_result(inst);
        if !observed.contains(result) {
            continue;
        }
        canonicalize_result(&mut pos, inst, result);
        count += 1;
    }
    count
}

/// The values whose bits some use can observe, and the arithmetic
/// instructions (in layout order).
///
/// A use is one of three kinds: it hides the bits ([`hides_nan_bits`]),
/// observes them, or passes them on unchanged to another value (`fneg`,
/// `fabs` and `fcopysign`'s magnitude to their result, `select`'s operands
/// to its result, a branch argument to the block parameter): then the
/// operand is observed if that value is. The last kind is solved with a
/// worklist, so a float carried around a loop in a block parameter is only
/// checked if the loop's result is stored, returned or reinterpreted.
fn observed_values(func: &Function) -> (EntitySet<Value>, Vec<Inst>) {
    let dfg = &func.dfg;
    let mut observed: EntitySet<Value> = EntitySet::new();
    let mut worklist: Vec<Value> = Vec::new();
    // `(to, from)`: `from`'s bits reach `to` unchanged.
    let mut flows: Vec<(Value, Value)> = Vec::new();
    let mut candidates: Vec<Inst> = Vec::new();
    let mut observe = |v: Value, worklist: &mut Vec<Value>| {
        let v = dfg.resolve_aliases(v);
        if observed.insert(v) {
            worklist.push(v);
        }
    };
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let opcode = dfg.insts[inst].opcode();
            if is_arithmetic(opcode) {
                candidates.push(inst);
            }
            if hides_nan_bits(opcode) {
                continue;
            }
            let args = dfg.inst_args(inst);
            let passed_on: &[Value] = match opcode {
                Opcode::Fneg | Opcode::Fabs => args,
                Opcode::Fcopysign => {
                    // The sign operand's sign bit is observed.
                    observe(args[1], &mut worklist);
                    &args[..1]
                }
                Opcode::Select => {
                    observe(args[0], &mut worklist);
                    &args[1..]
                }
                _ => {
                    for &v in args {
                        observe(v, &mut worklist);
                    }
                    &[]
                }
            };
            if let Some(&result) = dfg.inst_results(inst).first() {
                flows.extend(passed_on.iter().map(|&v| (result, dfg.resolve_aliases(v))));
            }
            let mut branch_args = 0;
            for call in dfg.insts[inst].branch_destination(&dfg.jump_tables, &dfg.exception_tables)
            {
                let params = dfg.block_params(call.block(&dfg.value_lists));
                for (arg, &param) in call.args(&dfg.value_lists).zip(params) {
                    if let Some(v) = arg.as_value() {
                        flows.push((param, dfg.resolve_aliases(v)));
                        branch_args += 1;
                    }
                }
            }
            // Whatever else the instruction uses (a `try_call`'s exception
            // contexts follow its arguments and branch arguments).
            for v in dfg.inst_values(inst).skip(args.len() + branch_args) {
                observe(v, &mut worklist);
            }
        }
    }
    // Propagate backwards along the flows, from each observed value to
    // the values that reach it.
    flows.sort_unstable();
    while let Some(to) = worklist.pop() {
        let start = flows.partition_point(|&(t, _)| t < to);
        for &(t, from) in &flows[start..] {
            if t != to {
                break;
            }
            observe(from, &mut worklist);
        }
    }
    (observed, candidates)
}

/// Moves `result` to a fresh value and redefines it, right after `inst`,
/// as "the canonical NaN if it is a NaN, else itself", so every existing
/// use sees the checked value.
fn canonicalize_result(pos: &mut FuncCursor<'_>, inst: Inst, result: Value) {
    let ty = pos.func.dfg.value_type(result);
    let raw = pos.func.dfg.replace_result(result, ty);
    pos.set_srcloc(pos.func.srcloc(inst));
    match ty {
        types::F32 | types::F64 => {
            // A NaN is rare, so a compare and a branch to a cold block
            // (`ucomisd x, x; jp` on x86) rather than a blend that costs
            // every time (~7 instructions with the moves into a vector).
            // The rest of the block moves to `done`, whose parameter is
            // `result`.
            let next = pos.func.layout.next_inst(inst);
            let next = next.expect("arithmetic is never a block's terminator");
            let done = pos.func.dfg.make_block();
            pos.func.layout.split_block(done, next);
            pos.func.dfg.attach_block_param(done, result);
            let cold = pos.func.dfg.make_block();
            pos.goto_after_inst(inst);
            let is_nan = pos.ins().fcmp(FloatCC::Unordered, raw, raw);
            pos.ins().brif(is_nan, cold, &[], done, &[raw.into()]);
            pos.func.layout.append_block(cold);
            pos.func.layout.set_cold(cold);
            pos.goto_bottom(cold);
            let nan = canonical_nan(pos, ty);
            pos.ins().jump(done, &[nan.into()]);
        }
        types::F32X4 | types::F64X2 => {
            // Lanes: compare unordered with itself (all ones in a NaN
            // lane) and blend, branch-free.
            pos.goto_after_inst(inst);
            let nan = canonical_nan(pos, ty.lane_type());
            let nan = pos.ins().splat(ty, nan);
            let is_nan = pos.ins().fcmp(FloatCC::Unordered, raw, raw);
            let mask = pos.ins().bitcast(ty, MemFlagsData::new(), is_nan);
            pos.ins().with_result(result).bitselect(mask, nan, raw);
        }
        // Wasm has no other float types (f16 and f128 are not in any
        // proposal smelt implements).
        _ => unreachable!("float arithmetic on {ty}"),
    }
}

fn canonical_nan(pos: &mut FuncCursor<'_>, ty: Type) -> Value {
    match ty {
        types::F32 => pos.ins().f32const(Ieee32::NAN),
        types::F64 => pos.ins().f64const(Ieee64::NAN),
        _ => unreachable!("canonical NaN of {ty}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cranelift_codegen::ir::{AbiParam, Signature, UserFuncName};
    use cranelift_codegen::isa::CallConv;
    use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};

    fn isa() -> cranelift_codegen::isa::OwnedTargetIsa {
        crate::isa::build_isa(&crate::Options::default()).unwrap()
    }

    /// `(a + b) * c` stored, `a - b` compared, `sqrt(a)` returned.
    fn sample(isa: &dyn cranelift_codegen::isa::TargetIsa) -> Function {
        let mut sig = Signature::new(CallConv::SystemV);
        for _ in 0..3 {
            sig.params.push(AbiParam::new(types::F64));
        }
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::F64));
        sig.returns.push(AbiParam::new(types::I8));
        let mut func = Function::with_name_signature(UserFuncName::user(0, 0), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let block = b.create_block();
        b.append_block_params_for_function_params(block);
        b.switch_to_block(block);
        let p = b.block_params(block).to_vec();
        let sum = b.ins().fadd(p[0], p[1]);
        let product = b.ins().fmul(sum, p[2]);
        b.ins().store(MemFlagsData::trusted(), product, p[3], 0);
        let diff = b.ins().fsub(p[0], p[1]);
        let lt = b.ins().fcmp(FloatCC::LessThan, diff, p[2]);
        let root = b.ins().sqrt(p[0]);
        b.ins().return_(&[root, lt]);
        b.seal_all_blocks();
        b.finalize(isa.frontend_config());
        func
    }

    #[test]
    fn only_observed_results_are_checked() {
        let isa = isa();
        let mut func = sample(&*isa);
        // The product (stored) and the root (returned); not the sum (only
        // multiplied) nor the difference (only compared).
        assert_eq!(canonicalize_nans(&mut func), 2);
        let text = func.display().to_string();
        assert_eq!(text.matches("fcmp uno").count(), 2, "{text}");
        cranelift_codegen::verify_function(&func, &*isa).unwrap();
    }

    /// Bits that pass through `fneg` and block parameters are observed
    /// where they end up: `x = a * a` reaches a store through `fneg` in
    /// the next block; `y = a / b` reaches only a comparison.
    #[test]
    fn observation_follows_moves_and_block_parameters() {
        let isa = isa();
        let mut sig = Signature::new(CallConv::SystemV);
        sig.params.push(AbiParam::new(types::F32));
        sig.params.push(AbiParam::new(types::F32));
        sig.params.push(AbiParam::new(types::I64));
        sig.returns.push(AbiParam::new(types::I8));
        let mut func = Function::with_name_signature(UserFuncName::user(0, 0), sig);
        let mut fctx = FunctionBuilderContext::new();
        let mut b = FunctionBuilder::new(&mut func, &mut fctx);
        let entry = b.create_block();
        let next = b.create_block();
        b.append_block_params_for_function_params(entry);
        b.append_block_param(next, types::F32);
        b.append_block_param(next, types::F32);
        b.switch_to_block(entry);
        let p = b.block_params(entry).to_vec();
        let x = b.ins().fmul(p[0], p[0]);
        let y = b.ins().fdiv(p[0], p[1]);
        b.ins().jump(next, &[x.into(), y.into()]);
        b.switch_to_block(next);
        let q = b.block_params(next).to_vec();
        let neg = b.ins().fneg(q[0]);
        b.ins().store(MemFlagsData::trusted(), neg, p[2], 0);
        let lt = b.ins().fcmp(FloatCC::LessThan, q[1], p[1]);
        b.ins().return_(&[lt]);
        b.seal_all_blocks();
        b.finalize(isa.frontend_config());
        let (observed, candidates) = observed_values(&func);
        assert_eq!(candidates.len(), 2);
        assert!(observed.contains(x));
        assert!(!observed.contains(y));
        assert_eq!(canonicalize_nans(&mut func), 1);
        cranelift_codegen::verify_function(&func, &*isa).unwrap();
    }

    #[test]
    fn checked_code_compiles() {
        let isa = isa();
        let mut ctx = cranelift_codegen::Context::for_function(sample(&*isa));
        canonicalize_nans(&mut ctx.func);
        ctx.compile(&*isa, &mut Default::default()).unwrap();
    }
}
