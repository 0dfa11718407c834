//! Address computation for linear-memory accesses.
//!
//! SECURITY: this file decides whether guest code can touch memory outside
//! its sandbox. Every change needs two reviews (see CONTRIBUTING.md), and
//! the sandbox tests in `tests/` must keep passing in both modes.
//!
//! Guard mode (the default, 32-bit memories on 64-bit hosts): the runtime
//! reserves `MEMORY32_RESERVATION` (8 GiB) of address space per memory, of
//! which at most 4 GiB is ever accessible. A wasm32 address is
//! `base + zext(index) + offset` with `index, offset < 2^32` and an access
//! of at most 16 bytes, so it always lands inside the reservation; any
//! part beyond the current length faults and the fault becomes a trap.
//! No check is emitted at all.
//!
//! Explicit mode (and every 64-bit memory, and memories with custom page
//! sizes below the host page size): compare `index + offset + size`
//! against the current length and trap before accessing.

use crate::BoundsChecks;
use crate::func_env::FuncEnv;
use cranelift_codegen::ir::{InstBuilder, TrapCode, Value, condcodes::IntCC, types};
use cranelift_frontend::FunctionBuilder;

/// Returns `(address, immediate offset)` for an access of `size` bytes at
/// `index + offset` in `memory`, emitting any bounds check first.
pub(crate) fn prepare_addr(
    builder: &mut FunctionBuilder,
    env: &FuncEnv,
    memory: u32,
    index: Value,
    offset: u64,
    size: u32,
) -> (Value, i32) {
    let is_64 = env.memory_is_64(memory);
    let index64 = if is_64 {
        index
    } else {
        builder.ins().uextend(types::I64, index)
    };
    // Guard pages work at the host page granularity, so memories with
    // custom pages smaller than that (1-byte pages) are checked explicitly.
    let guard = !is_64
        && env.bounds_checks == BoundsChecks::Guard
        && env.memory_page_size_log2(memory) >= 16;
    if !guard {
        explicit_check(builder, env, memory, index64, offset, size);
    }
    let base = env.memory_base(builder, memory);
    let mut addr = builder.ins().iadd(base, index64);
    match i32::try_from(offset) {
        Ok(imm) => (addr, imm),
        Err(_) => {
            // Only reachable with offsets >= 2^31: in guard mode the
            // reservation still covers them; in explicit mode the check
            // above already proved `index + offset` in bounds.
            addr = builder.ins().iadd_imm_u(addr, offset as i64);
            (addr, 0)
        }
    }
}

/// Traps unless `index + offset + size <= length`.
fn explicit_check(
    builder: &mut FunctionBuilder,
    env: &FuncEnv,
    memory: u32,
    index64: Value,
    offset: u64,
    size: u32,
) {
    let Some(offset_and_size) = offset.checked_add(u64::from(size)) else {
        builder.ins().trap(TrapCode::HEAP_OUT_OF_BOUNDS);
        // Keep the block well-formed for the code that follows.
        let dead = builder.create_block();
        builder.switch_to_block(dead);
        builder.seal_block(dead);
        return;
    };
    let length = env.memory_length(builder, memory);
    let end = if env.memory_is_64(memory) {
        let k = builder.ins().iconst(types::I64, offset_and_size as i64);
        builder
            .ins()
            .uadd_overflow_trap(index64, k, TrapCode::HEAP_OUT_OF_BOUNDS)
    } else {
        // index < 2^32 and offset_and_size < 2^33: no overflow possible.
        builder.ins().iadd_imm_u(index64, offset_and_size as i64)
    };
    let oob = builder.ins().icmp(IntCC::UnsignedGreaterThan, end, length);
    builder.ins().trapnz(oob, TrapCode::HEAP_OUT_OF_BOUNDS);
}
