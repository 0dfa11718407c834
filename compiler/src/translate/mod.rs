//! Wasm function bodies to Cranelift IR.
//!
//! [`FuncTranslator::translate`] drives one function: it declares locals as
//! Cranelift variables (wasm local `i` is `Variable` `i`), validates each
//! operator and dispatches it in [`translate_operator`], a single `match`
//! whose arms call the family modules below.

mod atomics;
mod bulk;
mod calls;
mod control;
mod conversions;
mod exceptions;
mod memory;
mod numeric;
mod relaxed_simd;
mod simd;
pub(crate) mod stack;
mod tables;
mod variables;

use crate::error::{Result, unsupported};
use crate::func_env::FuncEnv;
use crate::module_info::Body;
use cranelift_codegen::ir::{
    self, InstBuilder, SourceLoc, Value,
    condcodes::{FloatCC, IntCC},
    immediates::{Ieee32, Ieee64},
    types,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use memory::Load;
use stack::{ControlFrame, FrameKind, Stacks};
use wasmparser::{FuncToValidate, FuncValidatorAllocations, Operator, ValType};

/// Reusable state for translating many functions on one thread.
#[derive(Default)]
pub(crate) struct FuncTranslator {
    builder_ctx: FunctionBuilderContext,
    allocs: Option<FuncValidatorAllocations>,
    stacks: Stacks,
}

impl FuncTranslator {
    /// Validates and translates `body` into `func`, whose signature must
    /// already be the wasm signature of the function.
    pub(crate) fn translate(
        &mut self,
        env: &mut FuncEnv,
        body: &Body<'_>,
        func: &mut ir::Function,
    ) -> Result<()> {
        let result = self.translate_body(env, body, func);
        if result.is_err() {
            // A body that fails half-way (a validation error, an operator
            // not supported) leaves the builder context mid-function:
            // variables declared, blocks unsealed. Cranelift only clears
            // it in `finalize`, so the next body would start from that
            // state and die on its assertions.
            self.builder_ctx = FunctionBuilderContext::new();
        }
        result
    }

    fn translate_body(
        &mut self,
        env: &mut FuncEnv,
        body: &Body<'_>,
        func: &mut ir::Function,
    ) -> Result<()> {
        let mut validator = FuncToValidate {
            resources: body.validator.resources.clone(),
            index: body.validator.index,
            ty: body.validator.ty,
            features: body.validator.features,
        }
        .into_validator(self.allocs.take().unwrap_or_default());
        env.install_stack_limit(func);
        let mut builder = FunctionBuilder::new(func, &mut self.builder_ctx);
        let entry = builder.create_block();
        builder.append_block_params_for_function_params(entry);
        builder.switch_to_block(entry);
        builder.seal_block(entry);
        let params: Vec<Value> = builder.block_params(entry).to_vec();
        env.start_function(params[0]);

        // Wasm params are locals 0..n; params[0..2] are the vmctx pair.
        let mut num_locals = 0u32;
        for (i, p) in params[2..].iter().enumerate() {
            let ty = builder.func.dfg.value_type(*p);
            let var = builder.declare_var(ty);
            debug_assert_eq!(var, Variable::from_u32(i as u32));
            builder.def_var(var, *p);
            num_locals += 1;
        }
        let mut locals = body.body.get_locals_reader()?;
        for _ in 0..locals.get_count() {
            let offset = locals.original_position();
            let (count, ty) = locals.read()?;
            validator.define_locals(offset, count, ty)?;
            let clif_ty = env.clif(ty);
            for _ in 0..count {
                let var = builder.declare_var(clif_ty);
                debug_assert_eq!(var, Variable::from_u32(num_locals));
                let zero = zero_value(&mut builder, clif_ty);
                builder.def_var(var, zero);
                num_locals += 1;
            }
        }

        env.interrupt_check(&mut builder);

        // The body is a block whose destination returns the results.
        let results: Vec<ValType> = env.info.types[body.validator.ty as usize].results.clone();
        let exit = control::block_with_params(&mut builder, env, &results);
        self.stacks.clear();
        self.stacks.control.push(ControlFrame {
            kind: FrameKind::Block,
            destination: exit,
            num_params: 0,
            num_results: results.len(),
            original_stack_size: 0,
            exit_is_branched_to: false,
        });

        let mut meter = env.fuel.then(|| crate::fuel::Meter::new(&body.body));
        let mut reader = body.body.get_operators_reader()?;
        while !reader.eof() {
            let offset = reader.original_position();
            let op = reader.read()?;
            validator.op(offset, &op)?;
            builder.set_srcloc(SourceLoc::new(offset as u32));
            if let Some(charge) = meter.as_mut().and_then(|m| m.operator(&op))
                && self.stacks.reachable
            {
                env.fuel_charge(&mut builder, charge);
            }
            if let Operator::Try { .. } = op {
                self.stacks.legacy_try = Some(exceptions::prescan_legacy_try(reader.clone()));
            }
            if exceptions::is_scope_operator(&self.stacks, &op) {
                exceptions::translate_scope_operator(&mut builder, &mut self.stacks, env, &op);
            } else if self.stacks.reachable {
                translate_operator(&mut builder, &mut self.stacks, env, &op, offset as usize)?;
            } else {
                control::translate_unreachable_operator(&mut builder, &mut self.stacks, &op);
            }
        }
        reader.finish()?;

        // The final `end` switched to the exit block if it is reachable.
        if self.stacks.reachable {
            let values = self.stacks.values.clone();
            builder.ins().return_(&values);
        }
        builder.finalize(env.isa.frontend_config());
        self.allocs = Some(validator.into_allocations());
        Ok(())
    }
}

/// The zero of a Cranelift type (initial value of a declared local).
fn zero_value(builder: &mut FunctionBuilder, ty: ir::Type) -> Value {
    match ty {
        types::F32 => builder.ins().f32const(Ieee32::with_bits(0)),
        types::F64 => builder.ins().f64const(Ieee64::with_bits(0)),
        t if t.is_vector() => {
            let c = builder.func.dfg.constants.insert(vec![0u8; 16].into());
            builder.ins().vconst(t, c)
        }
        t => builder.ins().iconst(t, 0),
    }
}

/// Translates one reachable operator.
fn translate_operator(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    op: &Operator<'_>,
    offset: usize,
) -> Result<()> {
    use conversions as cv;
    use numeric::{binary as bin, unary as un};
    use types::{F32, F64, I8, I16, I32, I64};
    // A load in one line: `load!(memarg, result type, how it widens)`.
    macro_rules! load {
        ($memarg:expr, $ty:expr, $kind:expr) => {
            memory::translate_load(builder, stacks, env, $memarg, $ty, $kind)
        };
    }
    match op {
        // ---- control ----------------------------------------------------
        Operator::Unreachable => control::translate_unreachable(builder, stacks),
        Operator::Nop => {}
        Operator::Block { blockty } => control::translate_block(builder, stacks, env, *blockty),
        Operator::Loop { blockty } => control::translate_loop(builder, stacks, env, *blockty),
        Operator::If { blockty } => control::translate_if(builder, stacks, env, *blockty),
        Operator::Else => control::translate_else(builder, stacks),
        Operator::End => control::translate_end(builder, stacks),
        Operator::Br { relative_depth } => control::translate_br(builder, stacks, *relative_depth),
        Operator::BrIf { relative_depth } => {
            control::translate_br_if(builder, stacks, *relative_depth)
        }
        Operator::BrTable { targets } => control::translate_br_table(builder, stacks, targets),
        Operator::Return => control::translate_return(builder, stacks),
        Operator::BrOnNull { relative_depth } => {
            control::translate_br_on_null(builder, stacks, *relative_depth)
        }
        Operator::BrOnNonNull { relative_depth } => {
            control::translate_br_on_non_null(builder, stacks, *relative_depth)
        }

        // ---- calls --------------------------------------------------------
        Operator::Call { function_index } => {
            calls::translate_call(builder, stacks, env, *function_index, false)
        }
        Operator::CallIndirect {
            type_index,
            table_index,
        } => calls::translate_call_indirect(builder, stacks, env, *table_index, *type_index, false),
        Operator::CallRef { type_index } => {
            calls::translate_call_ref(builder, stacks, env, *type_index, false)
        }
        Operator::ReturnCall { function_index } => {
            calls::translate_call(builder, stacks, env, *function_index, true)
        }
        Operator::ReturnCallIndirect {
            type_index,
            table_index,
        } => calls::translate_call_indirect(builder, stacks, env, *table_index, *type_index, true),
        Operator::ReturnCallRef { type_index } => {
            calls::translate_call_ref(builder, stacks, env, *type_index, true)
        }

        // ---- exceptions -----------------------------------------------------
        Operator::TryTable { try_table } => {
            exceptions::translate_try_table(builder, stacks, env, try_table)
        }
        Operator::Throw { tag_index } => {
            exceptions::translate_throw(builder, stacks, env, *tag_index)
        }
        Operator::ThrowRef => exceptions::translate_throw_ref(builder, stacks, env),
        Operator::Try { blockty } => exceptions::translate_try(builder, stacks, env, *blockty),
        Operator::Rethrow { relative_depth } => {
            exceptions::translate_rethrow(builder, stacks, env, *relative_depth)
        }

        // ---- parametric and variables -------------------------------------
        Operator::Drop => variables::translate_drop(stacks),
        Operator::Select | Operator::TypedSelect { .. } => {
            variables::translate_select(builder, stacks)
        }
        Operator::LocalGet { local_index } => {
            variables::translate_local_get(builder, stacks, *local_index)
        }
        Operator::LocalSet { local_index } => {
            variables::translate_local_set(builder, stacks, *local_index)
        }
        Operator::LocalTee { local_index } => {
            variables::translate_local_tee(builder, stacks, *local_index)
        }
        Operator::GlobalGet { global_index } => {
            variables::translate_global_get(builder, stacks, env, *global_index)
        }
        Operator::GlobalSet { global_index } => {
            variables::translate_global_set(builder, stacks, env, *global_index)
        }

        // ---- memory -------------------------------------------------------
        Operator::I32Load { memarg } => load!(memarg, I32, Load::Plain),
        Operator::I64Load { memarg } => load!(memarg, I64, Load::Plain),
        Operator::F32Load { memarg } => load!(memarg, F32, Load::Plain),
        Operator::F64Load { memarg } => load!(memarg, F64, Load::Plain),
        Operator::I32Load8S { memarg } => load!(memarg, I32, Load::sext(1)),
        Operator::I32Load8U { memarg } => load!(memarg, I32, Load::zext(1)),
        Operator::I32Load16S { memarg } => load!(memarg, I32, Load::sext(2)),
        Operator::I32Load16U { memarg } => load!(memarg, I32, Load::zext(2)),
        Operator::I64Load8S { memarg } => load!(memarg, I64, Load::sext(1)),
        Operator::I64Load8U { memarg } => load!(memarg, I64, Load::zext(1)),
        Operator::I64Load16S { memarg } => load!(memarg, I64, Load::sext(2)),
        Operator::I64Load16U { memarg } => load!(memarg, I64, Load::zext(2)),
        Operator::I64Load32S { memarg } => load!(memarg, I64, Load::sext(4)),
        Operator::I64Load32U { memarg } => load!(memarg, I64, Load::zext(4)),
        Operator::I32Store { memarg }
        | Operator::F32Store { memarg }
        | Operator::I64Store32 { memarg } => {
            memory::translate_store(builder, stacks, env, memarg, 4)
        }
        Operator::I64Store { memarg } | Operator::F64Store { memarg } => {
            memory::translate_store(builder, stacks, env, memarg, 8)
        }
        Operator::I32Store8 { memarg } | Operator::I64Store8 { memarg } => {
            memory::translate_store(builder, stacks, env, memarg, 1)
        }
        Operator::I32Store16 { memarg } | Operator::I64Store16 { memarg } => {
            memory::translate_store(builder, stacks, env, memarg, 2)
        }
        Operator::MemorySize { mem } => memory::translate_memory_size(builder, stacks, env, *mem),
        Operator::MemoryGrow { mem } => memory::translate_memory_grow(builder, stacks, env, *mem),

        // ---- bulk memory ------------------------------------------------------
        Operator::MemoryCopy { dst_mem, src_mem } => {
            bulk::translate_memory_copy(builder, stacks, env, *dst_mem, *src_mem)
        }
        Operator::MemoryFill { mem } => bulk::translate_memory_fill(builder, stacks, env, *mem),
        Operator::MemoryInit { data_index, mem } => {
            bulk::translate_memory_init(builder, stacks, env, *mem, *data_index)
        }
        Operator::DataDrop { data_index } => bulk::translate_data_drop(builder, env, *data_index),

        // ---- tables and references ----------------------------------------------
        Operator::TableGet { table } => tables::translate_table_get(builder, stacks, env, *table),
        Operator::TableSet { table } => tables::translate_table_set(builder, stacks, env, *table),
        Operator::TableSize { table } => tables::translate_table_size(builder, stacks, env, *table),
        Operator::TableGrow { table } => tables::translate_table_grow(builder, stacks, env, *table),
        Operator::TableFill { table } => tables::translate_table_fill(builder, stacks, env, *table),
        Operator::TableCopy {
            dst_table,
            src_table,
        } => tables::translate_table_copy(builder, stacks, env, *dst_table, *src_table),
        Operator::TableInit { elem_index, table } => {
            tables::translate_table_init(builder, stacks, env, *table, *elem_index)
        }
        Operator::ElemDrop { elem_index } => tables::translate_elem_drop(builder, env, *elem_index),
        Operator::RefNull { .. } => tables::translate_ref_null(builder, stacks, env),
        Operator::RefIsNull => tables::translate_ref_is_null(builder, stacks),
        Operator::RefAsNonNull => tables::translate_ref_as_non_null(builder, stacks),
        Operator::RefFunc { function_index } => {
            tables::translate_ref_func(builder, stacks, env, *function_index)
        }

        // ---- constants ----------------------------------------------------
        Operator::I32Const { value } => numeric::i32_const(builder, stacks, *value),
        Operator::I64Const { value } => numeric::i64_const(builder, stacks, *value),
        Operator::F32Const { value } => numeric::f32_const(builder, stacks, value.bits()),
        Operator::F64Const { value } => numeric::f64_const(builder, stacks, value.bits()),

        // ---- integer comparisons --------------------------------------------
        Operator::I32Eqz | Operator::I64Eqz => numeric::eqz(builder, stacks),
        Operator::I32Eq | Operator::I64Eq => numeric::icmp(builder, stacks, IntCC::Equal),
        Operator::I32Ne | Operator::I64Ne => numeric::icmp(builder, stacks, IntCC::NotEqual),
        Operator::I32LtS | Operator::I64LtS => {
            numeric::icmp(builder, stacks, IntCC::SignedLessThan)
        }
        Operator::I32LtU | Operator::I64LtU => {
            numeric::icmp(builder, stacks, IntCC::UnsignedLessThan)
        }
        Operator::I32GtS | Operator::I64GtS => {
            numeric::icmp(builder, stacks, IntCC::SignedGreaterThan)
        }
        Operator::I32GtU | Operator::I64GtU => {
            numeric::icmp(builder, stacks, IntCC::UnsignedGreaterThan)
        }
        Operator::I32LeS | Operator::I64LeS => {
            numeric::icmp(builder, stacks, IntCC::SignedLessThanOrEqual)
        }
        Operator::I32LeU | Operator::I64LeU => {
            numeric::icmp(builder, stacks, IntCC::UnsignedLessThanOrEqual)
        }
        Operator::I32GeS | Operator::I64GeS => {
            numeric::icmp(builder, stacks, IntCC::SignedGreaterThanOrEqual)
        }
        Operator::I32GeU | Operator::I64GeU => {
            numeric::icmp(builder, stacks, IntCC::UnsignedGreaterThanOrEqual)
        }

        // ---- float comparisons ----------------------------------------------
        Operator::F32Eq | Operator::F64Eq => numeric::fcmp(builder, stacks, FloatCC::Equal),
        Operator::F32Ne | Operator::F64Ne => numeric::fcmp(builder, stacks, FloatCC::NotEqual),
        Operator::F32Lt | Operator::F64Lt => numeric::fcmp(builder, stacks, FloatCC::LessThan),
        Operator::F32Gt | Operator::F64Gt => numeric::fcmp(builder, stacks, FloatCC::GreaterThan),
        Operator::F32Le | Operator::F64Le => {
            numeric::fcmp(builder, stacks, FloatCC::LessThanOrEqual)
        }
        Operator::F32Ge | Operator::F64Ge => {
            numeric::fcmp(builder, stacks, FloatCC::GreaterThanOrEqual)
        }

        // ---- integer arithmetic ---------------------------------------------
        Operator::I32Clz | Operator::I64Clz => un(builder, stacks, |b, x| b.ins().clz(x)),
        Operator::I32Ctz | Operator::I64Ctz => un(builder, stacks, |b, x| b.ins().ctz(x)),
        Operator::I32Popcnt | Operator::I64Popcnt => un(builder, stacks, |b, x| b.ins().popcnt(x)),
        Operator::I32Add | Operator::I64Add => bin(builder, stacks, |b, x, y| b.ins().iadd(x, y)),
        Operator::I32Sub | Operator::I64Sub => bin(builder, stacks, |b, x, y| b.ins().isub(x, y)),
        Operator::I32Mul | Operator::I64Mul => bin(builder, stacks, |b, x, y| b.ins().imul(x, y)),
        Operator::I32DivS | Operator::I64DivS => bin(builder, stacks, |b, x, y| b.ins().sdiv(x, y)),
        Operator::I32DivU | Operator::I64DivU => bin(builder, stacks, |b, x, y| b.ins().udiv(x, y)),
        Operator::I32RemS | Operator::I64RemS => bin(builder, stacks, |b, x, y| b.ins().srem(x, y)),
        Operator::I32RemU | Operator::I64RemU => bin(builder, stacks, |b, x, y| b.ins().urem(x, y)),
        Operator::I32And | Operator::I64And => bin(builder, stacks, |b, x, y| b.ins().band(x, y)),
        Operator::I32Or | Operator::I64Or => bin(builder, stacks, |b, x, y| b.ins().bor(x, y)),
        Operator::I32Xor | Operator::I64Xor => bin(builder, stacks, |b, x, y| b.ins().bxor(x, y)),
        Operator::I32Shl | Operator::I64Shl => bin(builder, stacks, |b, x, y| b.ins().ishl(x, y)),
        Operator::I32ShrS | Operator::I64ShrS => bin(builder, stacks, |b, x, y| b.ins().sshr(x, y)),
        Operator::I32ShrU | Operator::I64ShrU => bin(builder, stacks, |b, x, y| b.ins().ushr(x, y)),
        Operator::I32Rotl | Operator::I64Rotl => bin(builder, stacks, |b, x, y| b.ins().rotl(x, y)),
        Operator::I32Rotr | Operator::I64Rotr => bin(builder, stacks, |b, x, y| b.ins().rotr(x, y)),

        // ---- wide arithmetic ------------------------------------------------------
        Operator::I64Add128 => numeric::wide_add_sub(builder, stacks, false),
        Operator::I64Sub128 => numeric::wide_add_sub(builder, stacks, true),
        Operator::I64MulWideS => numeric::mul_wide(builder, stacks, true),
        Operator::I64MulWideU => numeric::mul_wide(builder, stacks, false),

        // ---- float arithmetic -------------------------------------------------
        Operator::F32Abs | Operator::F64Abs => un(builder, stacks, |b, x| b.ins().fabs(x)),
        Operator::F32Neg | Operator::F64Neg => un(builder, stacks, |b, x| b.ins().fneg(x)),
        Operator::F32Ceil | Operator::F64Ceil => un(builder, stacks, |b, x| b.ins().ceil(x)),
        Operator::F32Floor | Operator::F64Floor => un(builder, stacks, |b, x| b.ins().floor(x)),
        Operator::F32Trunc | Operator::F64Trunc => un(builder, stacks, |b, x| b.ins().trunc(x)),
        Operator::F32Nearest | Operator::F64Nearest => {
            un(builder, stacks, |b, x| b.ins().nearest(x))
        }
        Operator::F32Sqrt | Operator::F64Sqrt => un(builder, stacks, |b, x| b.ins().sqrt(x)),
        Operator::F32Add | Operator::F64Add => bin(builder, stacks, |b, x, y| b.ins().fadd(x, y)),
        Operator::F32Sub | Operator::F64Sub => bin(builder, stacks, |b, x, y| b.ins().fsub(x, y)),
        Operator::F32Mul | Operator::F64Mul => bin(builder, stacks, |b, x, y| b.ins().fmul(x, y)),
        Operator::F32Div | Operator::F64Div => bin(builder, stacks, |b, x, y| b.ins().fdiv(x, y)),
        Operator::F32Min | Operator::F64Min => bin(builder, stacks, |b, x, y| b.ins().fmin(x, y)),
        Operator::F32Max | Operator::F64Max => bin(builder, stacks, |b, x, y| b.ins().fmax(x, y)),
        Operator::F32Copysign | Operator::F64Copysign => {
            bin(builder, stacks, |b, x, y| b.ins().fcopysign(x, y))
        }

        // ---- conversions ------------------------------------------------------
        Operator::I32WrapI64 => un(builder, stacks, cv::wrap),
        Operator::I64ExtendI32S => un(builder, stacks, |b, x| b.ins().sextend(I64, x)),
        Operator::I64ExtendI32U => un(builder, stacks, |b, x| b.ins().uextend(I64, x)),
        Operator::I32TruncF32S | Operator::I32TruncF64S => {
            un(builder, stacks, |b, x| b.ins().fcvt_to_sint(I32, x))
        }
        Operator::I32TruncF32U | Operator::I32TruncF64U => {
            un(builder, stacks, |b, x| b.ins().fcvt_to_uint(I32, x))
        }
        Operator::I64TruncF32S | Operator::I64TruncF64S => {
            un(builder, stacks, |b, x| b.ins().fcvt_to_sint(I64, x))
        }
        Operator::I64TruncF32U | Operator::I64TruncF64U => {
            un(builder, stacks, |b, x| b.ins().fcvt_to_uint(I64, x))
        }
        Operator::I32TruncSatF32S | Operator::I32TruncSatF64S => {
            un(builder, stacks, |b, x| b.ins().fcvt_to_sint_sat(I32, x))
        }
        Operator::I32TruncSatF32U | Operator::I32TruncSatF64U => {
            un(builder, stacks, |b, x| b.ins().fcvt_to_uint_sat(I32, x))
        }
        Operator::I64TruncSatF32S | Operator::I64TruncSatF64S => {
            un(builder, stacks, |b, x| b.ins().fcvt_to_sint_sat(I64, x))
        }
        Operator::I64TruncSatF32U | Operator::I64TruncSatF64U => {
            un(builder, stacks, |b, x| b.ins().fcvt_to_uint_sat(I64, x))
        }
        Operator::F32ConvertI32S | Operator::F32ConvertI64S => {
            un(builder, stacks, |b, x| b.ins().fcvt_from_sint(F32, x))
        }
        Operator::F32ConvertI32U | Operator::F32ConvertI64U => {
            un(builder, stacks, |b, x| b.ins().fcvt_from_uint(F32, x))
        }
        Operator::F64ConvertI32S | Operator::F64ConvertI64S => {
            un(builder, stacks, |b, x| b.ins().fcvt_from_sint(F64, x))
        }
        Operator::F64ConvertI32U | Operator::F64ConvertI64U => {
            un(builder, stacks, |b, x| b.ins().fcvt_from_uint(F64, x))
        }
        Operator::F32DemoteF64 => un(builder, stacks, |b, x| b.ins().fdemote(F32, x)),
        Operator::F64PromoteF32 => un(builder, stacks, |b, x| b.ins().fpromote(F64, x)),
        Operator::I32ReinterpretF32 => un(builder, stacks, |b, x| cv::reinterpret(b, x, I32)),
        Operator::I64ReinterpretF64 => un(builder, stacks, |b, x| cv::reinterpret(b, x, I64)),
        Operator::F32ReinterpretI32 => un(builder, stacks, |b, x| cv::reinterpret(b, x, F32)),
        Operator::F64ReinterpretI64 => un(builder, stacks, |b, x| cv::reinterpret(b, x, F64)),
        Operator::I32Extend8S | Operator::I64Extend8S => {
            un(builder, stacks, |b, x| cv::sign_extend_low(b, x, I8))
        }
        Operator::I32Extend16S | Operator::I64Extend16S => {
            un(builder, stacks, |b, x| cv::sign_extend_low(b, x, I16))
        }
        Operator::I64Extend32S => un(builder, stacks, |b, x| cv::sign_extend_low(b, x, I32)),

        // ---- the families with many operators, in their own files ----------
        other => {
            let handled = atomics::translate_operator(builder, stacks, env, other)
                || simd::translate_operator(builder, stacks, env, other)
                || relaxed_simd::translate_operator(builder, stacks, other);
            if !handled {
                return Err(unsupported!(offset, "operator {}", operator_name(other)));
            }
        }
    }
    Ok(())
}

/// A short name for an operator in error messages.
fn operator_name(op: &Operator<'_>) -> String {
    let debug = format!("{op:?}");
    debug
        .split([' ', '{', '('])
        .next()
        .unwrap_or(&debug)
        .to_string()
}
