//! The `spectest` host module that spec scripts import from.
//!
//! Every thread of a script (see threads.rs) gets its own instance of it in
//! its own store, except `shared_memory`: that one memory is made once per
//! script and shared by all its threads, as the reference interpreter's
//! single `spectest` instance is.

use smelt_runtime::{
    Extern, Func, FuncType, Global, GlobalType, Limits, Linker, Memory, MemoryType, SharedMemory,
    Store, Table, TableType, Val, ValType,
};

/// `spectest.shared_memory`: one page, at most one page.
pub(crate) fn shared_memory() -> SharedMemory {
    SharedMemory::new(MemoryType {
        shared: true,
        ..MemoryType::new(1, Some(1))
    })
    .expect("spectest shared memory")
}

/// Defines `spectest` in `linker`, with `shared` as its `shared_memory`.
pub(crate) fn define(store: &mut Store, linker: &mut Linker, shared: &SharedMemory) {
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[ValType::I32]),
        ("print_i64", &[ValType::I64]),
        ("print_f32", &[ValType::F32]),
        ("print_f64", &[ValType::F64]),
        ("print_i32_f32", &[ValType::I32, ValType::F32]),
        ("print_f64_f64", &[ValType::F64, ValType::F64]),
    ];
    for (name, params) in prints {
        let f = Func::new(
            &mut *store,
            FuncType::new(params.iter().copied(), []),
            |_, _, _| Ok(()),
        );
        linker.define("spectest", name, Extern::Func(f));
    }
    let globals = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", ValType::F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, ty, val) in globals {
        let g = Global::new(
            &mut *store,
            GlobalType {
                content: ty,
                mutable: false,
            },
            val,
        )
        .expect("spectest global");
        linker.define("spectest", name, Extern::Global(g));
    }
    let table = Table::new(
        &mut *store,
        TableType {
            element: ValType::FUNCREF,
            limits: Limits {
                min: 10,
                max: Some(20),
            },
            table64: false,
        },
        Val::FuncRef(None),
    )
    .expect("spectest table");
    linker.define("spectest", "table", Extern::Table(table));
    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2))).expect("spectest memory");
    linker.define("spectest", "memory", Extern::Memory(memory));
    let shared = Memory::from_shared(&mut *store, shared);
    linker.define("spectest", "shared_memory", Extern::Memory(shared));
}
