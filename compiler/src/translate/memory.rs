//! Loads, stores, `memory.size` and `memory.grow`.

use super::stack::Stacks;
use crate::bounds::prepare_addr;
use crate::func_env::Libcall;
use crate::func_env::{FuncEnv, heap};
use cranelift_codegen::ir::{InstBuilder, Type, types};
use cranelift_frontend::FunctionBuilder;
use wasmparser::MemArg;

/// How a load widens its value.
#[derive(Copy, Clone)]
pub(crate) enum Load {
    /// Full width of `ty`.
    Plain,
    /// Narrow load of `bytes`, sign- or zero-extended to `ty`.
    Extend { bytes: u32, signed: bool },
}

impl Load {
    /// A narrow load of `bytes`, sign-extended.
    pub(crate) const fn sext(bytes: u32) -> Load {
        Load::Extend {
            bytes,
            signed: true,
        }
    }

    /// A narrow load of `bytes`, zero-extended.
    pub(crate) const fn zext(bytes: u32) -> Load {
        Load::Extend {
            bytes,
            signed: false,
        }
    }
}

/// The memory a `MemArg` addresses.
pub(crate) fn memory_index(memarg: &MemArg) -> u32 {
    match memarg.target {
        wasmparser::MemArgTarget::Memory(m) => m,
        wasmparser::MemArgTarget::Array(_) => {
            unreachable!("GC array accesses are rejected earlier")
        }
    }
}

pub(crate) fn translate_load(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    ty: Type,
    kind: Load,
) {
    let index = stacks.pop();
    let size = match kind {
        Load::Plain => ty.bytes(),
        Load::Extend { bytes, .. } => bytes,
    };
    let (addr, offset) = prepare_addr(
        builder,
        env,
        memory_index(memarg),
        index,
        memarg.offset,
        size,
    );
    let flags = heap();
    let v = match kind {
        Load::Plain => builder.ins().load(ty, flags, addr, offset),
        Load::Extend { bytes, signed } => match (bytes, signed) {
            (1, true) => builder.ins().sload8(ty, flags, addr, offset),
            (1, false) => builder.ins().uload8(ty, flags, addr, offset),
            (2, true) => builder.ins().sload16(ty, flags, addr, offset),
            (2, false) => builder.ins().uload16(ty, flags, addr, offset),
            (4, true) => builder.ins().sload32(flags, addr, offset),
            (4, false) => builder.ins().uload32(flags, addr, offset),
            _ => unreachable!("no {bytes}-byte extending load"),
        },
    };
    stacks.push(v);
}

pub(crate) fn translate_store(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memarg: &MemArg,
    bytes: u32,
) {
    let (index, value) = stacks.pop2();
    let (addr, offset) = prepare_addr(
        builder,
        env,
        memory_index(memarg),
        index,
        memarg.offset,
        bytes,
    );
    let flags = heap();
    let value_bytes = builder.func.dfg.value_type(value).bytes();
    if bytes == value_bytes {
        builder.ins().store(flags, value, addr, offset);
    } else {
        match bytes {
            1 => builder.ins().istore8(flags, value, addr, offset),
            2 => builder.ins().istore16(flags, value, addr, offset),
            4 => builder.ins().istore32(flags, value, addr, offset),
            _ => unreachable!("no {bytes}-byte narrowing store"),
        };
    }
}

pub(crate) fn translate_memory_size(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &FuncEnv,
    memory: u32,
) {
    let length = env.memory_length(builder, memory);
    let pages = builder
        .ins()
        .ushr_imm_u(length, i64::from(env.memory_page_size_log2(memory)));
    let v = if env.memory_is_64(memory) {
        pages
    } else {
        builder.ins().ireduce(types::I32, pages)
    };
    stacks.push(v);
}

pub(crate) fn translate_memory_grow(
    builder: &mut FunctionBuilder,
    stacks: &mut Stacks,
    env: &mut FuncEnv,
    memory: u32,
) {
    let delta = stacks.pop();
    let delta64 = if env.memory_is_64(memory) {
        delta
    } else {
        builder.ins().uextend(types::I64, delta)
    };
    let index = builder.ins().iconst(types::I32, i64::from(memory));
    let old = env
        .call_libcall(builder, Libcall::memory_grow, &[index, delta64])
        .expect("memory_grow returns a value");
    let v = if env.memory_is_64(memory) {
        old
    } else {
        builder.ins().ireduce(types::I32, old)
    };
    stacks.push(v);
}
