//! `v128` loads and stores (see the module above for the address rules).

use super::{pop_as, push};
use crate::bounds::prepare_addr;
use crate::func_env::{FuncEnv, heap};
use crate::translate::memory::memory_index;
use crate::translate::stack::Stacks;
use cranelift_codegen::ir::{
    InstBuilder, Type, Value,
    types::{self, I8, I8X16, I16, I32},
};
use cranelift_frontend::FunctionBuilder;
use wasmparser::{MemArg, Operator};

// ---- memory ------------------------------------------------------------------

/// Address and offset for an access of `size` bytes at the popped index.
fn address(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    size: u32,
) -> (Value, i32) {
    let index = stacks.pop();
    prepare_addr(
        builder,
        env,
        memory_index(memarg),
        index,
        memarg.offset,
        size,
    )
}

/// `v128.load`.
pub(crate) fn load(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
) {
    let (addr, offset) = address(builder, stacks, env, memarg, 16);
    let v = builder.ins().load(I8X16, heap(), addr, offset);
    stacks.push(v);
}

/// `v128.load{8x8,16x4,32x2}_{s,u}`: 8 bytes, each `lane`-typed lane
/// widened to twice its width.
pub(crate) fn load_extend(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    lane: Type,
    signed: bool,
) {
    let (addr, offset) = address(builder, stacks, env, memarg, 8);
    let flags = heap();
    let ins = builder.ins();
    let v = match (lane, signed) {
        (I8, true) => ins.sload8x8(flags, addr, offset),
        (I8, false) => ins.uload8x8(flags, addr, offset),
        (I16, true) => ins.sload16x4(flags, addr, offset),
        (I16, false) => ins.uload16x4(flags, addr, offset),
        (I32, true) => ins.sload32x2(flags, addr, offset),
        (I32, false) => ins.uload32x2(flags, addr, offset),
        _ => unreachable!("no extending vector load from {lane} lanes"),
    };
    push(builder, stacks, v);
}

/// `v128.loadN_splat`: one lane of `ty` loaded and copied to every lane.
pub(crate) fn load_splat(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    ty: Type,
) {
    let lane = ty.lane_type();
    let (addr, offset) = address(builder, stacks, env, memarg, lane.bytes());
    let x = builder.ins().load(lane, heap(), addr, offset);
    let v = builder.ins().splat(ty, x);
    push(builder, stacks, v);
}

/// `v128.load{32,64}_zero`: lane 0 of `ty` loaded, the other lanes zero.
pub(crate) fn load_zero(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    ty: Type,
) {
    let lane = ty.lane_type();
    let (addr, offset) = address(builder, stacks, env, memarg, lane.bytes());
    let x = builder.ins().load(lane, heap(), addr, offset);
    let v = builder.ins().scalar_to_vector(ty, x);
    push(builder, stacks, v);
}

/// `v128.loadN_lane`: replaces lane `lane` of the popped vector.
pub(crate) fn load_lane(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    ty: Type,
    lane: u8,
) {
    let vector = pop_as(builder, stacks, ty);
    let scalar = ty.lane_type();
    let (addr, offset) = address(builder, stacks, env, memarg, scalar.bytes());
    let x = builder.ins().load(scalar, heap(), addr, offset);
    let v = builder.ins().insertlane(vector, x, lane);
    push(builder, stacks, v);
}

/// `v128.store`.
pub(crate) fn store(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
) {
    let value = stacks.pop();
    let (addr, offset) = address(builder, stacks, env, memarg, 16);
    builder.ins().store(heap(), value, addr, offset);
}

/// `v128.storeN_lane`: stores lane `lane` of the popped vector.
pub(crate) fn store_lane(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    ty: Type,
    lane: u8,
) {
    let vector = pop_as(builder, stacks, ty);
    let x = builder.ins().extractlane(vector, lane);
    let (addr, offset) = address(builder, stacks, env, memarg, ty.lane_type().bytes());
    builder.ins().store(heap(), x, addr, offset);
}

/// Translates `op` if it is a SIMD load or store; returns whether it was.
pub(super) fn translate_operator(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    op: &Operator<'_>,
) -> bool {
    match op {
        Operator::V128Load { memarg } => load(builder, stacks, env, memarg),
        Operator::V128Load8x8S { memarg } => load_extend(builder, stacks, env, memarg, I8, true),
        Operator::V128Load8x8U { memarg } => load_extend(builder, stacks, env, memarg, I8, false),
        Operator::V128Load16x4S { memarg } => load_extend(builder, stacks, env, memarg, I16, true),
        Operator::V128Load16x4U { memarg } => load_extend(builder, stacks, env, memarg, I16, false),
        Operator::V128Load32x2S { memarg } => load_extend(builder, stacks, env, memarg, I32, true),
        Operator::V128Load32x2U { memarg } => load_extend(builder, stacks, env, memarg, I32, false),
        Operator::V128Load8Splat { memarg } => {
            load_splat(builder, stacks, env, memarg, types::I8X16)
        }
        Operator::V128Load16Splat { memarg } => {
            load_splat(builder, stacks, env, memarg, types::I16X8)
        }
        Operator::V128Load32Splat { memarg } => {
            load_splat(builder, stacks, env, memarg, types::I32X4)
        }
        Operator::V128Load64Splat { memarg } => {
            load_splat(builder, stacks, env, memarg, types::I64X2)
        }
        Operator::V128Load32Zero { memarg } => {
            load_zero(builder, stacks, env, memarg, types::I32X4)
        }
        Operator::V128Load64Zero { memarg } => {
            load_zero(builder, stacks, env, memarg, types::I64X2)
        }
        Operator::V128Load8Lane { memarg, lane } => {
            load_lane(builder, stacks, env, memarg, types::I8X16, *lane)
        }
        Operator::V128Load16Lane { memarg, lane } => {
            load_lane(builder, stacks, env, memarg, types::I16X8, *lane)
        }
        Operator::V128Load32Lane { memarg, lane } => {
            load_lane(builder, stacks, env, memarg, types::I32X4, *lane)
        }
        Operator::V128Load64Lane { memarg, lane } => {
            load_lane(builder, stacks, env, memarg, types::I64X2, *lane)
        }
        Operator::V128Store { memarg } => store(builder, stacks, env, memarg),
        Operator::V128Store8Lane { memarg, lane } => {
            store_lane(builder, stacks, env, memarg, types::I8X16, *lane)
        }
        Operator::V128Store16Lane { memarg, lane } => {
            store_lane(builder, stacks, env, memarg, types::I16X8, *lane)
        }
        Operator::V128Store32Lane { memarg, lane } => {
            store_lane(builder, stacks, env, memarg, types::I32X4, *lane)
        }
        Operator::V128Store64Lane { memarg, lane } => {
            store_lane(builder, stacks, env, memarg, types::I64X2, *lane)
        }
        _ => return false,
    }
    true
}
