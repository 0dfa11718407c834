//! The module descriptor: the self-describing data object every compiled
//! module carries, read in place by the runtime (no parsing at start-up).
//!
//! The descriptor is one contiguous, 16-byte-aligned blob. It starts with a
//! [`ModuleDescriptor`] header; every other part is an array somewhere in the
//! blob, referenced by a [`Rel`] (byte offset from the start of the blob and
//! element count). The only relocations are the code addresses in
//! `code_ptrs`, so the blob is otherwise position independent.
//!
//! ```text
//! +--------------------------+ <- descriptor symbol (smelt_mod_<mod>_descriptor)
//! | ModuleDescriptor header  |   magic, version, size, flags, Rels, counts
//! +--------------------------+
//! | code_ptrs  [u64]         |   relocated: one per compiled function/trampoline
//! | code       [CodeRec]     |   length, trap and call-site ranges per code_ptr
//! | traps      [TrapRec]     |   code offset -> (trap kind, wasm offset)
//! | call_sites [CallSiteRec] |   return address offset -> wasm offset, handlers
//! | handlers   [HandlerRec]  |   exception handlers of `try_call` sites
//! | types, valtypes          |   function signatures
//! | imports, funcs, tables,  |
//! | memories, globals, tags, |   the module's entities
//! | exports, elems, datas    |
//! | const_ops                |   initializer expressions
//! | names, strings, bytes    |   function names, data segment contents
//! +--------------------------+
//! ```
//!
//! Every record is `#[repr(C)]` and made only of `u32` fields (a [`Rel`] is
//! two of them), so the compiler writes records as word arrays in the
//! target's byte order, with no padding to worry about. 64-bit quantities
//! are split into `lo`/`hi` words.

use super::types::ValType;

/// Marks an absent index (no start function, a function without a
/// trampoline, an imported function's code…).
pub const NO_INDEX: u32 = u32::MAX;

/// Trap-table code meaning "the runtime recorded the trap kind for the
/// current activation before returning a failure status": used after host
/// calls and status-returning libcalls. Never a [`TrapKind`](super::TrapKind).
pub const TRAP_RAISED: u8 = 250;

/// Descriptor flag: the code bounds-checks memory accesses explicitly and
/// does not rely on a guard region.
pub const FLAG_EXPLICIT_BOUNDS: u32 = 1 << 0;
/// Descriptor flag: the code polls the interrupt flag at every function
/// entry and loop header, so calls can be interrupted and timed out.
pub const FLAG_INTERRUPTIBLE: u32 = 1 << 1;
/// Descriptor flag: the defined functions are not compiled; the runtime's
/// interpreter runs their IR (`interp_*` arrays, see [`super::interp`]).
pub const FLAG_INTERPRETED: u32 = 1 << 2;
/// Descriptor flag: the code is compiled with fuel metering (charges the
/// store's fuel per basic block, checks it at function entries and loop
/// headers), so the store may limit its fuel.
pub const FLAG_FUEL: u32 = 1 << 3;
/// Descriptor flag (with [`FLAG_INTERPRETED`]): the descriptor carries no
/// IR (the `interp_*` arrays are empty); the runtime gets each function's
/// IR on its first call from the [`LazyTranslator`](super::interp::LazyTranslator)
/// the module was loaded with. Only ever set on objects built and loaded
/// in one process (`smelt run --mode interp`); a runtime without lazy
/// translation rejects such a descriptor (no IR records).
pub const FLAG_INTERP_LAZY: u32 = 1 << 4;

/// Alignment of the descriptor blob.
pub const DESCRIPTOR_ALIGN: u32 = 16;

/// A reference from the descriptor to an array inside it: `len` elements
/// starting `offset` bytes after the descriptor's start. For index ranges
/// into another array (traps of one function…), `offset` is the first
/// element's index instead; the field's doc says which.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Rel {
    pub offset: u32,
    pub len: u32,
}

/// The descriptor header.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct ModuleDescriptor {
    pub magic: u32,
    pub abi_version: u32,
    /// Total size of the blob in bytes (everything a `Rel` may point to).
    pub size: u32,
    /// `FLAG_*` bits.
    pub flags: u32,
    /// Module name (UTF-8 bytes).
    pub name: Rel,
    /// `[u64]`: address of each compiled code item (relocated).
    pub code_ptrs: Rel,
    /// `[CodeRec]`, parallel to `code_ptrs`.
    pub code: Rel,
    /// `[TrapRec]`, grouped per code item (see `CodeRec::traps`).
    pub traps: Rel,
    /// `[CallSiteRec]`, grouped per code item.
    pub call_sites: Rel,
    /// `[HandlerRec]`: exception handlers, grouped per call site.
    pub handlers: Rel,
    /// `[ValType]`: pool for the types' params and results.
    pub valtypes: Rel,
    /// `[TypeRec]`, indexed by type index.
    pub types: Rel,
    /// `[ImportRec]`, in import order.
    pub imports: Rel,
    /// `[FuncRec]`, indexed by function index (imports first).
    pub funcs: Rel,
    /// `[TableRec]`, indexed by table index (imports first).
    pub tables: Rel,
    /// `[MemoryRec]`, indexed by memory index (imports first).
    pub memories: Rel,
    /// `[GlobalRec]`, indexed by global index (imports first).
    pub globals: Rel,
    /// `[TagRec]`, indexed by tag index (imports first).
    pub tags: Rel,
    /// `[ExportRec]`.
    pub exports: Rel,
    /// `[ElemRec]`, indexed by element segment index.
    pub elems: Rel,
    /// `[DataRec]`, indexed by data segment index.
    pub datas: Rel,
    /// `[ConstOp]`: pool for initializer expressions.
    pub const_ops: Rel,
    /// `[u32]`: pool for element segment items (function indices, or
    /// `const_ops` index/length pairs).
    pub elem_items: Rel,
    /// `[NameRec]`: function names from the name section, by function index.
    pub func_names: Rel,
    /// `[InterpFuncRec]` by defined-function index (interpreted modules).
    pub interp_funcs: Rel,
    /// `[u32]`: the IR words of every interpreted function.
    pub interp_code: Rel,
    /// `[IpOffset]`: wasm offsets of IR instructions, grouped per function.
    pub interp_offsets: Rel,
    /// `[InterpHandler]`: exception handlers, grouped per function.
    pub interp_handlers: Rel,
    /// Start function index, or `NO_INDEX`.
    pub start_func: u32,
    pub num_imported_funcs: u32,
    pub num_imported_tables: u32,
    pub num_imported_memories: u32,
    pub num_imported_globals: u32,
    pub num_imported_tags: u32,
    /// Code index of the throw stub (see [`CODE_KIND_THROW_STUB`]).
    pub throw_stub: u32,
    /// Number of `VMFuncRef` slots in the vmctx.
    pub num_escaped_funcs: u32,
    /// Size of the vmctx, as the compiler laid it out (checked by the runtime).
    pub vmctx_size: u32,
}

/// What a code item is.
pub const CODE_KIND_FUNCTION: u32 = 0;
/// Host-to-wasm entry trampoline (platform C ABI), one per function type.
pub const CODE_KIND_ENTRY: u32 = 1;
/// Wasm-to-host adapter (wasm ABI), one per function type.
pub const CODE_KIND_HOST_ADAPTER: u32 = 2;
/// The module's throw stub (wasm ABI, `(vmctx, _, exnref) -> !`): compiled
/// code calls it to throw; it passes its own frame pointer to the
/// runtime's unwinder, which starts the handler search at its caller.
pub const CODE_KIND_THROW_STUB: u32 = 3;
/// An import thunk (wasm ABI), one per imported function, only in objects
/// compiled with the typed C API: calls the C function that defines the
/// import (`index` is the import's function index; see `abi::embed`).
pub const CODE_KIND_IMPORT_THUNK: u32 = 4;

/// One compiled code item (function or trampoline).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct CodeRec {
    /// Length of the machine code in bytes.
    pub code_len: u32,
    /// `CODE_KIND_*`.
    pub kind: u32,
    /// Function index (functions) or type index (trampolines).
    pub index: u32,
    pub _pad: u32,
    /// Index range into `traps` (offset = first index).
    pub traps: Rel,
    /// Index range into `call_sites` (offset = first index).
    pub call_sites: Rel,
}

/// A trap site: an instruction that may fault or trap.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TrapRec {
    /// Offset of the instruction from the start of its code item.
    pub offset: u32,
    /// Byte offset in the wasm module of the operator that trapped.
    pub wasm_offset: u32,
    /// A [`TrapKind`](super::TrapKind) byte, or [`TRAP_RAISED`].
    pub kind: u32,
    /// When the instruction belongs to a callee inlined into this code
    /// item: the wasm offset of the `call` it was inlined at (then
    /// `wasm_offset` lies in the callee's body). Else `NO_INDEX`.
    pub inline_call: u32,
}

/// A call site, to map return addresses in a backtrace to wasm offsets
/// and, for `try_call`s, to find exception handlers.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct CallSiteRec {
    /// Offset of the return address from the start of its code item.
    pub ret_offset: u32,
    /// Byte offset in the wasm module of the call operator.
    pub wasm_offset: u32,
    /// Distance from the frame pointer down to the stack pointer at the
    /// call (Cranelift's `frame_offset`): a handler resumes with
    /// `sp = fp - frame_offset`. Zero for calls without handlers.
    pub frame_offset: u32,
    /// Index range into `handlers` (offset = first index); empty for
    /// plain calls.
    pub handlers: Rel,
}

/// `HandlerRec::kind`: catch exceptions whose tag is `vmctx.tags[tag]`,
/// with the vmctx taken from the last `HANDLER_CONTEXT` record.
pub const HANDLER_TAG: u32 = 0;
/// Catch every exception.
pub const HANDLER_DEFAULT: u32 = 1;
/// The frame's vmctx is stored at `sp + sp_offset` (`handler_offset` holds
/// the stack offset; `tag` is unused).
pub const HANDLER_CONTEXT: u32 = 2;

/// One item of a call site's exception table, tried in order; the first
/// match wins (Cranelift's `FinalizedMachExceptionHandler`).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct HandlerRec {
    /// `HANDLER_*`.
    pub kind: u32,
    /// Module tag index (for `HANDLER_TAG`).
    pub tag: u32,
    /// Offset of the handler block from the start of the code item, or
    /// the stack offset of the context (for `HANDLER_CONTEXT`).
    pub offset: u32,
}

/// An exception tag (imported or defined).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct TagRec {
    /// Index of the tag's function type (params = payload, no results).
    pub type_index: u32,
}

/// Type kinds.
pub const TYPE_KIND_FUNC: u32 = 0;
pub const TYPE_KIND_STRUCT: u32 = 1;
pub const TYPE_KIND_ARRAY: u32 = 2;

/// Storage types of packed struct fields and array elements (other fields
/// use their `ValType` encoding).
pub const STORAGE_I8: u32 = 0x78;
pub const STORAGE_I16: u32 = 0x77;
/// Set on a struct field or array element that is mutable.
pub const FIELD_MUTABLE: u32 = 1 << 31;

/// `TypeRec::flags`: the type is final (no subtypes).
pub const TYPE_FINAL: u32 = 1 << 0;

/// A type definition (function, struct or array), with what the runtime
/// needs to canonicalize recursion groups across modules.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct TypeRec {
    /// `TYPE_KIND_*`.
    pub kind: u32,
    /// `TYPE_*` flags.
    pub flags: u32,
    /// Declared supertype index, or `NO_INDEX`.
    pub supertype: u32,
    /// First type index of its recursion group.
    pub rec_group_start: u32,
    /// Number of types in its recursion group.
    pub rec_group_len: u32,
    /// Functions: params; structs: fields; arrays: the element (index
    /// range into `valtypes`; fields are storage codes with `FIELD_MUTABLE`).
    pub params: Rel,
    /// Functions: results (index range into `valtypes`); empty otherwise.
    pub results: Rel,
    /// Code index of the entry trampoline for this type, or `NO_INDEX`.
    pub entry: u32,
    /// Code index of the host adapter for this type, or `NO_INDEX`.
    pub host_adapter: u32,
}

/// Kinds of imports and exports (wasm's external kind bytes).
pub const EXTERN_FUNC: u32 = 0;
pub const EXTERN_TABLE: u32 = 1;
pub const EXTERN_MEMORY: u32 = 2;
pub const EXTERN_GLOBAL: u32 = 3;
pub const EXTERN_TAG: u32 = 4;

/// An import.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct ImportRec {
    /// Module name (bytes).
    pub module: Rel,
    /// Field name (bytes).
    pub name: Rel,
    /// `EXTERN_*`.
    pub kind: u32,
    /// Index in the entity's own index space (its type is in that record).
    pub index: u32,
}

/// A function (imported or defined).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct FuncRec {
    pub type_index: u32,
    /// Code index for defined functions, `NO_INDEX` for imports.
    pub code_index: u32,
    /// `VMFuncRef` slot in the vmctx for defined functions whose reference
    /// can escape (exported, in a table, `ref.func`), else `NO_INDEX`.
    pub funcref_slot: u32,
    pub _pad: u32,
    /// Byte range of the body in the wasm module (defined functions): the
    /// runtime finds the callee an inlined trap site came from by its
    /// wasm offset.
    pub body_start: u32,
    pub body_len: u32,
}

/// Limits flags.
pub const LIMITS_HAS_MAX: u32 = 1 << 0;
pub const LIMITS_SHARED: u32 = 1 << 1;
pub const LIMITS_64: u32 = 1 << 2;

/// A table type (and for defined tables, the initial value).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct TableRec {
    pub elem_type: ValType,
    /// `LIMITS_*`.
    pub flags: u32,
    pub min_lo: u32,
    pub min_hi: u32,
    pub max_lo: u32,
    pub max_hi: u32,
    /// Initial element (range into `const_ops`); empty means null.
    pub init: Rel,
}

/// A memory type.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct MemoryRec {
    /// `LIMITS_*`.
    pub flags: u32,
    /// log2 of the page size (16 unless custom-page-sizes).
    pub page_size_log2: u32,
    pub min_lo: u32,
    pub min_hi: u32,
    pub max_lo: u32,
    pub max_hi: u32,
}

/// A global.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct GlobalRec {
    pub valtype: ValType,
    pub mutable: u32,
    /// Initializer (range into `const_ops`); empty for imports.
    pub init: Rel,
}

/// An export.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct ExportRec {
    pub name: Rel,
    /// `EXTERN_*`.
    pub kind: u32,
    pub index: u32,
}

/// Segment modes.
pub const SEGMENT_PASSIVE: u32 = 0;
pub const SEGMENT_ACTIVE: u32 = 1;
pub const SEGMENT_DECLARED: u32 = 2;

/// Element items are function indices (`elem_items` holds one `u32` each).
pub const ELEM_ITEMS_FUNCS: u32 = 0;
/// Element items are expressions (`elem_items` holds `start, len` pairs
/// indexing `const_ops`).
pub const ELEM_ITEMS_EXPRS: u32 = 1;

/// An element segment.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct ElemRec {
    /// `SEGMENT_*`.
    pub mode: u32,
    pub table: u32,
    /// Offset expression (range into `const_ops`), for active segments.
    pub offset: Rel,
    pub elem_type: ValType,
    /// `ELEM_ITEMS_*`.
    pub items_kind: u32,
    /// Range into `elem_items` (offset = first index, len = item count).
    pub items: Rel,
}

/// A data segment.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct DataRec {
    /// `SEGMENT_*` (never declared).
    pub mode: u32,
    pub memory: u32,
    /// Offset expression (range into `const_ops`), for active segments.
    pub offset: Rel,
    /// The bytes.
    pub bytes: Rel,
}

/// A function name.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default)]
pub struct NameRec {
    pub func_index: u32,
    pub name: Rel,
}

/// One instruction of an initializer expression (wasm's constant
/// expressions, flattened; evaluated by a small stack machine).
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct ConstOp {
    /// `OP_*`.
    pub op: u32,
    /// Immediates: 32-bit values in `imm[0]`, 64-bit in `imm[0]` (low) and
    /// `imm[1]` (high), v128 in all four (least significant first).
    pub imm: [u32; 4],
}

pub const OP_I32_CONST: u32 = 1;
pub const OP_I64_CONST: u32 = 2;
pub const OP_F32_CONST: u32 = 3;
pub const OP_F64_CONST: u32 = 4;
pub const OP_V128_CONST: u32 = 5;
/// `imm[0]` = global index.
pub const OP_GLOBAL_GET: u32 = 6;
/// `imm[0]` = the reference's `ValType`.
pub const OP_REF_NULL: u32 = 7;
/// `imm[0]` = function index.
pub const OP_REF_FUNC: u32 = 8;
pub const OP_I32_ADD: u32 = 9;
pub const OP_I32_SUB: u32 = 10;
pub const OP_I32_MUL: u32 = 11;
pub const OP_I64_ADD: u32 = 12;
pub const OP_I64_SUB: u32 = 13;
pub const OP_I64_MUL: u32 = 14;

/// Records made only of `u32` words, which the compiler may serialize as
/// a word array and the runtime may read in place.
///
/// # Safety
///
/// Implementors must be `#[repr(C)]`, contain only `u32` (or `u32`
/// newtype) fields, and so have size a multiple of 4, alignment 4, no
/// padding, and every bit pattern valid.
pub unsafe trait WordRecord: Copy + 'static {}

macro_rules! word_records {
    ($($t:ty),*) => {
        $(
            // SAFETY: the type is `#[repr(C)]` and made of `u32` fields only;
            // the assertions below check size and alignment at compile time.
            unsafe impl WordRecord for $t {}
            const _: () = assert!(core::mem::size_of::<$t>() % 4 == 0);
            const _: () = assert!(core::mem::align_of::<$t>() == 4);
        )*
    };
}

word_records!(
    u32,
    ValType,
    Rel,
    ModuleDescriptor,
    CodeRec,
    TrapRec,
    CallSiteRec,
    HandlerRec,
    TagRec,
    TypeRec,
    ImportRec,
    FuncRec,
    TableRec,
    MemoryRec,
    GlobalRec,
    ExportRec,
    ElemRec,
    DataRec,
    NameRec,
    ConstOp,
    super::interp::InterpFuncRec,
    super::interp::IpOffset,
    super::interp::InterpHandler
);

/// The words of a record, in field order.
pub fn words<T: WordRecord>(record: &T) -> &[u32] {
    // SAFETY: `WordRecord` guarantees `T` is a padding-free sequence of
    // `u32`s with alignment 4, so viewing it as `[u32]` is valid.
    unsafe {
        core::slice::from_raw_parts(
            (record as *const T).cast::<u32>(),
            core::mem::size_of::<T>() / 4,
        )
    }
}

/// Joins a `lo`/`hi` pair.
pub const fn join64(lo: u32, hi: u32) -> u64 {
    (lo as u64) | ((hi as u64) << 32)
}

/// Splits a `u64` into `(lo, hi)`.
pub const fn split64(v: u64) -> (u32, u32) {
    (v as u32, (v >> 32) as u32)
}

impl TableRec {
    pub const fn min(&self) -> u64 {
        join64(self.min_lo, self.min_hi)
    }
    pub const fn max(&self) -> Option<u64> {
        if self.flags & LIMITS_HAS_MAX != 0 {
            Some(join64(self.max_lo, self.max_hi))
        } else {
            None
        }
    }
}

impl MemoryRec {
    pub const fn min(&self) -> u64 {
        join64(self.min_lo, self.min_hi)
    }
    pub const fn max(&self) -> Option<u64> {
        if self.flags & LIMITS_HAS_MAX != 0 {
            Some(join64(self.max_lo, self.max_hi))
        } else {
            None
        }
    }
    pub const fn is_64(&self) -> bool {
        self.flags & LIMITS_64 != 0
    }
    pub const fn is_shared(&self) -> bool {
        self.flags & LIMITS_SHARED != 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_view_matches_fields() {
        let t = TrapRec {
            offset: 1,
            wasm_offset: 2,
            kind: 3,
            inline_call: 4,
        };
        assert_eq!(words(&t), &[1, 2, 3, 4]);
        let e = ElemRec {
            mode: 1,
            table: 2,
            offset: Rel { offset: 3, len: 4 },
            elem_type: ValType(5),
            items_kind: 6,
            items: Rel { offset: 7, len: 8 },
        };
        assert_eq!(words(&e), &[1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn split_join() {
        assert_eq!(
            join64(
                split64(0x1234_5678_9abc_def0).0,
                split64(0x1234_5678_9abc_def0).1
            ),
            0x1234_5678_9abc_def0
        );
    }
}
