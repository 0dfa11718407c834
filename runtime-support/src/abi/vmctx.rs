//! The instance context (`vmctx`): the block of memory every compiled
//! function receives as its first argument, and the structures it points to.
//!
//! Its layout depends on a module's counts (how many types, imports,
//! tables…), so it is described by [`VMOffsets`], computed the same way by
//! the compiler (to bake offsets into code) and by the runtime (to allocate
//! and fill the block).
//!
//! ```text
//! vmctx (16-byte aligned)
//! +0    stack_limit        usize   lowest sp wasm may use; checked in prologues
//! +8    instance           ptr     runtime-private instance (for libcalls)
//! +16   libcalls           ptr     -> [fn ptr; Libcall::COUNT]
//! +24   memory0_base       ptr     base of memory 0 (never moves in guard mode)
//! +32   interrupt          ptr     -> u32 flag polled by interruptible code
//!                                  (non-zero: trap with `Interrupted`)
//! +40   fuel               ptr     -> i64 fuel remaining, charged and checked by
//!                                  code compiled with fuel metering
//!                                  (negative at a check: trap `OutOfFuel`)
//! +48   type_ids           [u32; num_types]  canonical (process-wide) type ids
//!       ..align 8
//!       imported_funcs     [*const VMFuncRef; num_imported_funcs]
//!       memories           [*mut VMMemoryDefinition; num_memories]
//!       tables             [*mut VMTableDefinition; num_tables]
//!       imported_globals   [*mut VMGlobal; num_imported_globals]
//!       tags               [*const VMTagDefinition; num_tags]  (imported and defined)
//!       ..align 16
//!       defined_globals    [VMGlobal; num_defined_globals]      16 bytes each
//!       func_refs          [VMFuncRef; num_escaped_funcs]       24 bytes each
//! ```
//!
//! Memories and tables are always reached through a pointer, whether the
//! instance defines or imports them: the definitions are owned by the store,
//! so one instance's memory can be another's import without copying.

/// A function reference as compiled code sees it: what `call_indirect`,
/// `ref.func` and imported-function calls read. Immutable once created.
#[repr(C)]
#[derive(Debug)]
pub struct VMFuncRef {
    /// Entry point, in the wasm calling convention (Cranelift `tail`):
    /// `(callee_vmctx, caller_vmctx, params...) -> results`.
    pub code: *const u8,
    /// The callee's vmctx (or a host function's context).
    pub vmctx: *mut u8,
    /// Canonical type id of the function (see the runtime's type registry).
    pub type_id: u32,
    /// `FUNCREF_*` flags (compiled code ignores them).
    pub flags: u32,
}

/// `VMFuncRef::flags`: `vmctx` is a host-style context whose first word is
/// an array-call function (see [`HOSTCTX_FUNC`]), so callers that hold
/// their arguments in a `ValRaw` array (the interpreter) may call it
/// directly instead of through `code`.
pub const FUNCREF_ARRAY_CALL: u32 = 1 << 0;

/// A linear memory's current extent.
#[repr(C)]
#[derive(Debug)]
pub struct VMMemoryDefinition {
    /// Start of the memory. Never moves for guard-mode memories.
    pub base: *mut u8,
    /// Current length in bytes (updated by `memory.grow`).
    pub length: usize,
}

/// A table's current extent. Elements are pointer-sized: a
/// `*const VMFuncRef` for function references (null = 0), a store-owned
/// handle for `externref` (null = 0).
#[repr(C)]
#[derive(Debug)]
pub struct VMTableDefinition {
    pub base: *mut usize,
    /// Current number of elements.
    pub length: u64,
}

/// Storage for one global: 16 bytes so that a `v128` fits. Scalars are
/// stored at offset 0 in native byte order.
#[repr(C, align(16))]
#[derive(Debug, Clone, Copy, Default)]
pub struct VMGlobal {
    pub bytes: [u8; 16],
}

/// Where an entry trampoline records how to resume after a trap: its own
/// frame pointer, its stack pointer at the call into wasm, and the address
/// of its trap handler block. The signal handler restores these three and
/// returns, and the trampoline returns 0 to the runtime.
#[repr(C)]
#[derive(Debug, Default, Clone, Copy)]
pub struct VMEntryRecord {
    pub fp: usize,
    pub sp: usize,
    pub handler: usize,
}

pub const ENTRY_RECORD_FP: u32 = 0;
pub const ENTRY_RECORD_SP: u32 = 8;
pub const ENTRY_RECORD_HANDLER: u32 = 16;

/// A tag instance. Its *address* is the tag's identity: an instance's
/// defined tags get fresh definitions, an imported tag is the exporter's
/// pointer, so two imports of one tag compare equal. The runtime owns the
/// storage; compiled code only compares the pointers.
#[repr(C)]
#[derive(Debug, Default)]
pub struct VMTagDefinition {
    /// Canonical type id of the tag's function type (checked on import).
    pub type_id: u32,
    pub _pad: u32,
}

/// A thrown (or caught) exception, what an `exnref` points to:
///
/// ```text
/// +0    tag        *const VMTagDefinition   identity of the tag it was thrown with
/// +8    num_values u32                      number of payload values
/// +12   reserved   u32
/// +16   values     [ValRaw; num_values]     16 bytes each, the tag's params in order
/// ```
///
/// Allocated by the runtime (`exn_new`), written by compiled code (the
/// payload) and never moved while its store lives.
pub const VMEXN_TAG: u32 = 0;
pub const VMEXN_NUM_VALUES: u32 = 8;
pub const VMEXN_VALUES: u32 = 16;

/// The first field of a host function's context (what its `VMFuncRef`'s
/// `vmctx` points to): the array-call function the host adapter calls,
///
/// ```text
/// extern "C" fn(hostctx, caller_vmctx, values: *mut ValRaw, len: usize) -> u32
/// ```
///
/// returning 0 on success, [`HOST_STATUS_TRAP`] after recording a trap,
/// or [`HOST_STATUS_EXCEPTION`] after storing an `exnref` to throw into
/// `values[0]`. The second field is the runtime's throw entry,
///
/// ```text
/// extern "C" fn(vmctx, exn, fp) -> !
/// ```
///
/// (the same function as the `throw_ref` libcall, reached without a
/// caller vmctx). Host adapters call it for any failure status: with a
/// null `exn` it ends the innermost host-to-wasm call with the trap the
/// host recorded, without a signal. The rest of the context is private
/// to the runtime.
pub const HOSTCTX_FUNC: u32 = 0;
pub const HOSTCTX_THROW: u32 = 8;
/// Host call statuses (see [`HOSTCTX_FUNC`]).
pub const HOST_STATUS_OK: u32 = 0;
pub const HOST_STATUS_TRAP: u32 = 1;
pub const HOST_STATUS_EXCEPTION: u32 = 2;

/// Counts that determine a module's vmctx layout.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VMCounts {
    pub num_types: u32,
    pub num_imported_funcs: u32,
    pub num_memories: u32,
    pub num_tables: u32,
    pub num_imported_globals: u32,
    pub num_defined_globals: u32,
    pub num_escaped_funcs: u32,
    /// Imported and defined tags.
    pub num_tags: u32,
}

/// Byte offsets of every vmctx field for one module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VMOffsets {
    pub counts: VMCounts,
    pub type_ids: u32,
    pub imported_funcs: u32,
    pub memories: u32,
    pub tables: u32,
    pub imported_globals: u32,
    pub tags: u32,
    pub defined_globals: u32,
    pub func_refs: u32,
    pub size: u32,
}

/// Fixed header fields.
pub const VMCTX_STACK_LIMIT: u32 = 0;
pub const VMCTX_INSTANCE: u32 = 8;
pub const VMCTX_LIBCALLS: u32 = 16;
pub const VMCTX_MEMORY0_BASE: u32 = 24;
pub const VMCTX_INTERRUPT: u32 = 32;
/// Pointer to the store's `i64` of fuel remaining (see `compiler/src/fuel.rs`
/// for what is charged where).
pub const VMCTX_FUEL: u32 = 40;
pub const VMCTX_HEADER_SIZE: u32 = 48;

/// Field offsets inside [`VMFuncRef`].
pub const VMFUNCREF_CODE: u32 = 0;
pub const VMFUNCREF_VMCTX: u32 = 8;
pub const VMFUNCREF_TYPE_ID: u32 = 16;
pub const VMFUNCREF_SIZE: u32 = 24;
/// Field offsets inside [`VMMemoryDefinition`].
pub const VMMEMORY_BASE: u32 = 0;
pub const VMMEMORY_LENGTH: u32 = 8;
/// Field offsets inside [`VMTableDefinition`].
pub const VMTABLE_BASE: u32 = 0;
pub const VMTABLE_LENGTH: u32 = 8;
/// Size of one [`VMGlobal`].
pub const VMGLOBAL_SIZE: u32 = 16;
/// Size of a pointer on every supported target.
pub const PTR_SIZE: u32 = 8;

const fn align(n: u32, to: u32) -> u32 {
    (n + to - 1) & !(to - 1)
}

impl VMOffsets {
    /// Lays out a vmctx for `counts`. Panics only on absurd counts (the
    /// compiler's validation limits keep them far below `u32::MAX / 24`).
    pub const fn new(counts: VMCounts) -> VMOffsets {
        let type_ids = VMCTX_HEADER_SIZE;
        let imported_funcs = align(type_ids + 4 * counts.num_types, 8);
        let memories = imported_funcs + PTR_SIZE * counts.num_imported_funcs;
        let tables = memories + PTR_SIZE * counts.num_memories;
        let imported_globals = tables + PTR_SIZE * counts.num_tables;
        let tags = imported_globals + PTR_SIZE * counts.num_imported_globals;
        let defined_globals = align(tags + PTR_SIZE * counts.num_tags, 16);
        let func_refs = defined_globals + VMGLOBAL_SIZE * counts.num_defined_globals;
        let size = align(func_refs + VMFUNCREF_SIZE * counts.num_escaped_funcs, 16);
        VMOffsets {
            counts,
            type_ids,
            imported_funcs,
            memories,
            tables,
            imported_globals,
            tags,
            defined_globals,
            func_refs,
            size,
        }
    }

    pub const fn type_id(&self, ty: u32) -> u32 {
        self.type_ids + 4 * ty
    }
    pub const fn imported_func(&self, i: u32) -> u32 {
        self.imported_funcs + PTR_SIZE * i
    }
    pub const fn memory(&self, i: u32) -> u32 {
        self.memories + PTR_SIZE * i
    }
    pub const fn table(&self, i: u32) -> u32 {
        self.tables + PTR_SIZE * i
    }
    pub const fn imported_global(&self, i: u32) -> u32 {
        self.imported_globals + PTR_SIZE * i
    }
    pub const fn tag(&self, i: u32) -> u32 {
        self.tags + PTR_SIZE * i
    }
    pub const fn defined_global(&self, i: u32) -> u32 {
        self.defined_globals + VMGLOBAL_SIZE * i
    }
    pub const fn func_ref(&self, slot: u32) -> u32 {
        self.func_refs + VMFUNCREF_SIZE * slot
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn struct_layouts_match_constants() {
        assert_eq!(offset_of!(VMFuncRef, code) as u32, VMFUNCREF_CODE);
        assert_eq!(offset_of!(VMFuncRef, vmctx) as u32, VMFUNCREF_VMCTX);
        assert_eq!(offset_of!(VMFuncRef, type_id) as u32, VMFUNCREF_TYPE_ID);
        assert_eq!(size_of::<VMFuncRef>() as u32, VMFUNCREF_SIZE);
        assert_eq!(offset_of!(VMMemoryDefinition, base) as u32, VMMEMORY_BASE);
        assert_eq!(
            offset_of!(VMMemoryDefinition, length) as u32,
            VMMEMORY_LENGTH
        );
        assert_eq!(offset_of!(VMTableDefinition, base) as u32, VMTABLE_BASE);
        assert_eq!(offset_of!(VMTableDefinition, length) as u32, VMTABLE_LENGTH);
        assert_eq!(size_of::<VMGlobal>() as u32, VMGLOBAL_SIZE);
        assert_eq!(align_of::<VMGlobal>(), 16);
        assert_eq!(size_of::<*const u8>() as u32, PTR_SIZE);
        assert_eq!(size_of::<VMTagDefinition>(), 8);
        assert_eq!(VMEXN_VALUES, super::super::VAL_RAW_SIZE);
        const { assert!(VMEXN_NUM_VALUES + 4 <= VMEXN_VALUES) };
        assert_eq!(offset_of!(VMEntryRecord, fp) as u32, ENTRY_RECORD_FP);
        assert_eq!(offset_of!(VMEntryRecord, sp) as u32, ENTRY_RECORD_SP);
        assert_eq!(
            offset_of!(VMEntryRecord, handler) as u32,
            ENTRY_RECORD_HANDLER
        );
    }

    #[test]
    fn offsets_are_ordered_and_aligned() {
        let o = VMOffsets::new(VMCounts {
            num_types: 3,
            num_imported_funcs: 2,
            num_memories: 1,
            num_tables: 2,
            num_imported_globals: 1,
            num_defined_globals: 3,
            num_escaped_funcs: 5,
            num_tags: 0,
        });
        assert_eq!(o.type_ids, VMCTX_HEADER_SIZE);
        assert_eq!(o.imported_funcs % 8, 0);
        assert!(o.imported_funcs >= o.type_ids + 12);
        assert_eq!(o.defined_globals % 16, 0);
        assert_eq!(o.func_refs, o.defined_globals + 48);
        assert_eq!(o.tags, o.imported_globals + 8);
        assert_eq!(o.size, o.func_refs + 5 * 24 + 8);
        assert_eq!(o.size % 16, 0);
    }
}
