//! Threads proposal: atomic loads, stores, read-modify-write and
//! compare-exchange, `memory.atomic.wait32/64`, `memory.atomic.notify`
//! and `atomic.fence`.
//!
//! Atomic accesses must be naturally aligned: the effective address is
//! checked first (trapping with "unaligned atomic"), then bounds are
//! handled as for plain accesses (guard region or explicit check), then
//! Cranelift's atomic instructions (sequentially consistent) do the access.
//! Narrow forms zero-extend their result, as wasm specifies.

use super::memory::memory_index;
use super::stack::Stacks;
use crate::bounds::prepare_addr;
use crate::func_env::{FuncEnv, TRAP_RAISED, heap, trap};
use crate::func_env::{Libcall, TrapKind};
use cranelift_codegen::ir::types::{I8, I16, I32, I64};
use cranelift_codegen::ir::{AtomicRmwOp, InstBuilder, Type, Value, condcodes::IntCC, types};
use cranelift_frontend::FunctionBuilder;
use wasmparser::{MemArg, Operator};

/// The absolute address of an aligned atomic access of `ty`'s size.
fn atomic_addr(
    builder: &mut FunctionBuilder,
    env: &FuncEnv,
    memarg: &MemArg,
    index: Value,
    ty: Type,
) -> Value {
    let size = ty.bytes();
    if size > 1 {
        // Only the low bits matter, so a wrapping add is fine here.
        let index64 = super::bulk::to_i64(builder, index);
        let ea = builder.ins().iadd_imm_u(index64, memarg.offset as i64);
        let misaligned = builder.ins().band_imm_u(ea, i64::from(size - 1));
        builder
            .ins()
            .trapnz(misaligned, trap(TrapKind::UnalignedAtomic));
    }
    let (addr, offset) = prepare_addr(
        builder,
        env,
        memory_index(memarg),
        index,
        memarg.offset,
        size,
    );
    if offset == 0 {
        addr
    } else {
        builder.ins().iadd_imm_s(addr, i64::from(offset))
    }
}

/// Zero-extends a narrow result to the operator's type.
fn extend(builder: &mut FunctionBuilder, v: Value, to: Type) -> Value {
    if builder.func.dfg.value_type(v) == to {
        v
    } else {
        builder.ins().uextend(to, v)
    }
}

/// Truncates an operand to the access width.
fn narrow(builder: &mut FunctionBuilder, v: Value, to: Type) -> Value {
    if builder.func.dfg.value_type(v) == to {
        v
    } else {
        builder.ins().ireduce(to, v)
    }
}

pub(crate) fn translate_load(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    result: Type,
    access: Type,
) {
    let index = stacks.pop();
    let addr = atomic_addr(builder, env, memarg, index, access);
    let v = builder.ins().atomic_load(access, heap(), addr);
    let v = extend(builder, v, result);
    stacks.push(v);
}

pub(crate) fn translate_store(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    access: Type,
) {
    let (index, value) = stacks.pop2();
    let addr = atomic_addr(builder, env, memarg, index, access);
    let value = narrow(builder, value, access);
    builder.ins().atomic_store(heap(), value, addr);
}

pub(crate) fn translate_rmw(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    result: Type,
    access: Type,
    op: AtomicRmwOp,
) {
    let (index, value) = stacks.pop2();
    let addr = atomic_addr(builder, env, memarg, index, access);
    let value = narrow(builder, value, access);
    let old = builder.ins().atomic_rmw(access, heap(), op, addr, value);
    let old = extend(builder, old, result);
    stacks.push(old);
}

pub(crate) fn translate_cmpxchg(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    result: Type,
    access: Type,
) {
    let (index, expected, replacement) = stacks.pop3();
    let addr = atomic_addr(builder, env, memarg, index, access);
    let expected = narrow(builder, expected, access);
    let replacement = narrow(builder, replacement, access);
    let old = builder
        .ins()
        .atomic_cas(heap(), addr, expected, replacement);
    let old = extend(builder, old, result);
    stacks.push(old);
}

/// The wasm effective address (`index + offset`, no overflow) as i64.
fn effective_address(
    builder: &mut FunctionBuilder,
    env: &FuncEnv,
    memarg: &MemArg,
    index: Value,
) -> Value {
    let index64 = super::bulk::to_i64(builder, index);
    if memarg.offset == 0 {
        return index64;
    }
    let offset = builder.ins().iconst(types::I64, memarg.offset as i64);
    if env.memory_is_64(memory_index(memarg)) {
        builder.ins().uadd_overflow_trap(
            index64,
            offset,
            cranelift_codegen::ir::TrapCode::HEAP_OUT_OF_BOUNDS,
        )
    } else {
        builder.ins().iadd(index64, offset)
    }
}

/// Calls a wait/notify libcall and traps when it reports -1.
fn call_checked(
    builder: &mut FunctionBuilder,
    env: &mut FuncEnv,
    libcall: Libcall,
    args: &[Value],
) -> Value {
    let r = env
        .call_libcall(builder, libcall, args)
        .expect("wait/notify return a value");
    let failed = builder.ins().icmp_imm_s(IntCC::Equal, r, -1);
    builder.ins().trapnz(failed, TRAP_RAISED);
    r
}

pub(crate) fn translate_notify(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    memarg: &MemArg,
) {
    let (index, count) = stacks.pop2();
    let addr = effective_address(builder, env, memarg, index);
    let memory = builder
        .ins()
        .iconst(types::I32, i64::from(memory_index(memarg)));
    let r = call_checked(
        builder,
        env,
        Libcall::memory_atomic_notify,
        &[memory, addr, count],
    );
    stacks.push(r);
}

pub(crate) fn translate_wait(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    memarg: &MemArg,
    wide: bool,
) {
    let (index, expected, timeout) = stacks.pop3();
    let addr = effective_address(builder, env, memarg, index);
    let memory = builder
        .ins()
        .iconst(types::I32, i64::from(memory_index(memarg)));
    let libcall = if wide {
        Libcall::memory_atomic_wait64
    } else {
        Libcall::memory_atomic_wait32
    };
    let r = call_checked(builder, env, libcall, &[memory, addr, expected, timeout]);
    stacks.push(r);
}

pub(crate) fn translate_fence(builder: &mut FunctionBuilder) {
    builder.ins().fence();
}

/// Translates `op` if it is an atomic operator of the threads proposal; returns whether it was.
pub(super) fn translate_operator(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    op: &Operator<'_>,
) -> bool {
    match op {
        Operator::I32AtomicLoad { memarg } => {
            translate_load(builder, stacks, env, memarg, I32, I32)
        }
        Operator::I64AtomicLoad { memarg } => {
            translate_load(builder, stacks, env, memarg, I64, I64)
        }
        Operator::I32AtomicLoad8U { memarg } => {
            translate_load(builder, stacks, env, memarg, I32, I8)
        }
        Operator::I32AtomicLoad16U { memarg } => {
            translate_load(builder, stacks, env, memarg, I32, I16)
        }
        Operator::I64AtomicLoad8U { memarg } => {
            translate_load(builder, stacks, env, memarg, I64, I8)
        }
        Operator::I64AtomicLoad16U { memarg } => {
            translate_load(builder, stacks, env, memarg, I64, I16)
        }
        Operator::I64AtomicLoad32U { memarg } => {
            translate_load(builder, stacks, env, memarg, I64, I32)
        }
        Operator::I32AtomicStore { memarg } => translate_store(builder, stacks, env, memarg, I32),
        Operator::I64AtomicStore { memarg } => translate_store(builder, stacks, env, memarg, I64),
        Operator::I32AtomicStore8 { memarg } => translate_store(builder, stacks, env, memarg, I8),
        Operator::I32AtomicStore16 { memarg } => translate_store(builder, stacks, env, memarg, I16),
        Operator::I64AtomicStore8 { memarg } => translate_store(builder, stacks, env, memarg, I8),
        Operator::I64AtomicStore16 { memarg } => translate_store(builder, stacks, env, memarg, I16),
        Operator::I64AtomicStore32 { memarg } => translate_store(builder, stacks, env, memarg, I32),
        Operator::I32AtomicRmwAdd { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I32, AtomicRmwOp::Add)
        }
        Operator::I64AtomicRmwAdd { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I64, AtomicRmwOp::Add)
        }
        Operator::I32AtomicRmw8AddU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I8, AtomicRmwOp::Add)
        }
        Operator::I32AtomicRmw16AddU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I16, AtomicRmwOp::Add)
        }
        Operator::I64AtomicRmw8AddU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I8, AtomicRmwOp::Add)
        }
        Operator::I64AtomicRmw16AddU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I16, AtomicRmwOp::Add)
        }
        Operator::I64AtomicRmw32AddU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I32, AtomicRmwOp::Add)
        }
        Operator::I32AtomicRmwSub { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I32, AtomicRmwOp::Sub)
        }
        Operator::I64AtomicRmwSub { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I64, AtomicRmwOp::Sub)
        }
        Operator::I32AtomicRmw8SubU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I8, AtomicRmwOp::Sub)
        }
        Operator::I32AtomicRmw16SubU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I16, AtomicRmwOp::Sub)
        }
        Operator::I64AtomicRmw8SubU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I8, AtomicRmwOp::Sub)
        }
        Operator::I64AtomicRmw16SubU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I16, AtomicRmwOp::Sub)
        }
        Operator::I64AtomicRmw32SubU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I32, AtomicRmwOp::Sub)
        }
        Operator::I32AtomicRmwAnd { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I32, AtomicRmwOp::And)
        }
        Operator::I64AtomicRmwAnd { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I64, AtomicRmwOp::And)
        }
        Operator::I32AtomicRmw8AndU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I8, AtomicRmwOp::And)
        }
        Operator::I32AtomicRmw16AndU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I16, AtomicRmwOp::And)
        }
        Operator::I64AtomicRmw8AndU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I8, AtomicRmwOp::And)
        }
        Operator::I64AtomicRmw16AndU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I16, AtomicRmwOp::And)
        }
        Operator::I64AtomicRmw32AndU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I32, AtomicRmwOp::And)
        }
        Operator::I32AtomicRmwOr { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I32, AtomicRmwOp::Or)
        }
        Operator::I64AtomicRmwOr { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I64, AtomicRmwOp::Or)
        }
        Operator::I32AtomicRmw8OrU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I8, AtomicRmwOp::Or)
        }
        Operator::I32AtomicRmw16OrU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I16, AtomicRmwOp::Or)
        }
        Operator::I64AtomicRmw8OrU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I8, AtomicRmwOp::Or)
        }
        Operator::I64AtomicRmw16OrU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I16, AtomicRmwOp::Or)
        }
        Operator::I64AtomicRmw32OrU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I32, AtomicRmwOp::Or)
        }
        Operator::I32AtomicRmwXor { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I32, AtomicRmwOp::Xor)
        }
        Operator::I64AtomicRmwXor { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I64, AtomicRmwOp::Xor)
        }
        Operator::I32AtomicRmw8XorU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I8, AtomicRmwOp::Xor)
        }
        Operator::I32AtomicRmw16XorU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I16, AtomicRmwOp::Xor)
        }
        Operator::I64AtomicRmw8XorU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I8, AtomicRmwOp::Xor)
        }
        Operator::I64AtomicRmw16XorU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I16, AtomicRmwOp::Xor)
        }
        Operator::I64AtomicRmw32XorU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I32, AtomicRmwOp::Xor)
        }
        Operator::I32AtomicRmwXchg { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I32, AtomicRmwOp::Xchg)
        }
        Operator::I64AtomicRmwXchg { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I64, AtomicRmwOp::Xchg)
        }
        Operator::I32AtomicRmw8XchgU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I8, AtomicRmwOp::Xchg)
        }
        Operator::I32AtomicRmw16XchgU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I32, I16, AtomicRmwOp::Xchg)
        }
        Operator::I64AtomicRmw8XchgU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I8, AtomicRmwOp::Xchg)
        }
        Operator::I64AtomicRmw16XchgU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I16, AtomicRmwOp::Xchg)
        }
        Operator::I64AtomicRmw32XchgU { memarg } => {
            translate_rmw(builder, stacks, env, memarg, I64, I32, AtomicRmwOp::Xchg)
        }
        Operator::I32AtomicRmwCmpxchg { memarg } => {
            translate_cmpxchg(builder, stacks, env, memarg, I32, I32)
        }
        Operator::I64AtomicRmwCmpxchg { memarg } => {
            translate_cmpxchg(builder, stacks, env, memarg, I64, I64)
        }
        Operator::I32AtomicRmw8CmpxchgU { memarg } => {
            translate_cmpxchg(builder, stacks, env, memarg, I32, I8)
        }
        Operator::I32AtomicRmw16CmpxchgU { memarg } => {
            translate_cmpxchg(builder, stacks, env, memarg, I32, I16)
        }
        Operator::I64AtomicRmw8CmpxchgU { memarg } => {
            translate_cmpxchg(builder, stacks, env, memarg, I64, I8)
        }
        Operator::I64AtomicRmw16CmpxchgU { memarg } => {
            translate_cmpxchg(builder, stacks, env, memarg, I64, I16)
        }
        Operator::I64AtomicRmw32CmpxchgU { memarg } => {
            translate_cmpxchg(builder, stacks, env, memarg, I64, I32)
        }
        Operator::MemoryAtomicNotify { memarg } => translate_notify(builder, stacks, env, memarg),
        Operator::MemoryAtomicWait32 { memarg } => {
            translate_wait(builder, stacks, env, memarg, false)
        }
        Operator::MemoryAtomicWait64 { memarg } => {
            translate_wait(builder, stacks, env, memarg, true)
        }
        Operator::AtomicFence { .. } => translate_fence(builder),
        _ => return false,
    }
    true
}
