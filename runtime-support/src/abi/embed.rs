//! The contract for objects compiled with the typed C API
//! (`smelt compile --header`, `Options::c_api`): what the extra code the
//! compiler emits calls in the runtime, and what it reads.
//!
//! Without the C API an object has no undefined symbols. With it, the
//! object also defines, per module `<mod>` (names from the compiler's
//! `names.rs`):
//!
//! ```text
//! smelt_mod_<mod>_instantiate(ctx for each import module..., smelt_rt_trap **)
//!     for each import i, in import order, computes one pointer:
//!       function            the context given for its module
//!       memory/global/table the result of the host's (or exporter's)
//!                           accessor smelt_w_<imod>_<name>(ctx)
//!     and calls RT_INSTANTIATE_LINKED(&descriptor, imports, n, trap_out)
//! smelt_mod_<mod>_free(instance)        -> RT_INSTANCE_FREE(instance)
//! smelt_w_<mod>_<export>(instance, params...[, results*])
//!     function exports: stores params into a ValRaw buffer, calls
//!     RT_INVOKE(instance, func_index, buffer), returns the results
//! smelt_w_<mod>_<export>(instance)
//!     memory/global/table exports: RT_INSTANCE_EXPORT(instance, export_index)
//! ```
//!
//! and one import thunk per imported function (a code item of kind
//! [`CODE_KIND_IMPORT_THUNK`](super::CODE_KIND_IMPORT_THUNK), wasm
//! convention). The runtime puts the thunk in the import's `VMFuncRef`
//! with a [`VMImportThunkCtx`] as its vmctx. The thunk calls the C function
//! `smelt_w_<imod>_<name>(ctx->host, params...[, results*])` directly (a
//! relocation against that symbol, which the host or another module's
//! object defines), then `ctx->check(ctx)`: a non-zero status means the C
//! function left a trap pending on this thread (a trap of a nested typed
//! call, or `smelt_rt_raise_trap`), which the thunk raises into its wasm
//! caller through `ctx->throw(caller_vmctx, 0, fp)`, exactly as a host
//! adapter does (see [`HOSTCTX_THROW`](super::HOSTCTX_THROW)).
//!
//! C values: `i32` `int32_t`, `i64` `int64_t`, `f32` `float`, `f64`
//! `double`, `v128` a 16-byte vector (`smelt_rt_v128`), references a
//! pointer. A function with two or more results takes a pointer to a
//! results struct as its last parameter; the struct has one field per
//! result in order, laid out with C's natural alignment ([`c_layout`]).

use super::types::ValType;

/// Runtime entry: `smelt_rt_instance *(const void *descriptor,
/// void *const *imports, size_t nimports, smelt_rt_trap **trap_out)`.
pub const RT_INSTANTIATE_LINKED: &str = "smelt_rt_instantiate_linked";
/// Runtime entry: `void (smelt_rt_instance *, uint32_t func_index,
/// ValRaw *values)`: calls function `func_index` of the instance with the
/// params in `values`, writing the results there (zeros after a trap,
/// which is then pending on this thread).
pub const RT_INVOKE: &str = "smelt_rt_invoke";
/// Runtime entry: `void *(smelt_rt_instance *, uint32_t export_index)`:
/// the handle of a memory (`smelt_rt_memory *`) or table
/// (`smelt_rt_table *`) export, or a pointer to a global's value.
pub const RT_INSTANCE_EXPORT: &str = "smelt_rt_instance_export";
/// Runtime entry: `void (smelt_rt_instance *)`.
pub const RT_INSTANCE_FREE: &str = "smelt_rt_instance_free";

/// What an import thunk's `VMFuncRef::vmctx` points to. The first two
/// words have the host context's layout, so the same throw path serves
/// host adapters and thunks.
#[repr(C)]
#[derive(Debug)]
pub struct VMImportThunkCtx {
    /// `extern "C" fn(ctx: *const VMImportThunkCtx) -> u32`: 0, or
    /// [`HOST_STATUS_TRAP`](super::HOST_STATUS_TRAP) after raising the
    /// pending trap for the innermost activation.
    pub check: *const u8,
    /// The runtime's throw entry (as [`HOSTCTX_THROW`](super::HOSTCTX_THROW)).
    pub throw: *const u8,
    /// The context pointer passed as the C function's first argument.
    pub host: *mut u8,
}

pub const THUNKCTX_CHECK: u32 = 0;
pub const THUNKCTX_THROW: u32 = super::HOSTCTX_THROW;
pub const THUNKCTX_HOST: u32 = 16;

/// Size and alignment of a value of type `ty` in C.
pub const fn c_size_align(ty: ValType) -> (u32, u32) {
    match ty.code() {
        0x7f | 0x7d => (4, 4),
        0x7e | 0x7c => (8, 8),
        0x7b => (16, 16),
        _ => (8, 8),
    }
}

/// Field offsets of a results struct with fields of types `results`, and
/// the struct's size (C's natural layout: each field at the next multiple
/// of its alignment, the size a multiple of the largest alignment).
pub fn c_layout(results: &[ValType]) -> (Vec<u32>, u32) {
    let mut offsets = Vec::with_capacity(results.len());
    let mut end = 0u32;
    let mut max_align = 1u32;
    for r in results {
        let (size, align) = c_size_align(*r);
        let at = end.next_multiple_of(align);
        offsets.push(at);
        end = at + size;
        max_align = max_align.max(align);
    }
    (offsets, end.next_multiple_of(max_align))
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn thunk_ctx_layout() {
        assert_eq!(offset_of!(VMImportThunkCtx, check) as u32, THUNKCTX_CHECK);
        assert_eq!(offset_of!(VMImportThunkCtx, throw) as u32, THUNKCTX_THROW);
        assert_eq!(offset_of!(VMImportThunkCtx, host) as u32, THUNKCTX_HOST);
    }

    #[test]
    fn results_struct_layout_matches_c() {
        #[repr(C)]
        struct Results {
            a: i32,
            b: i64,
            c: f32,
        }
        let (offs, size) = c_layout(&[ValType::I32, ValType::I64, ValType::F32]);
        assert_eq!(
            offs,
            [
                offset_of!(Results, a) as u32,
                offset_of!(Results, b) as u32,
                offset_of!(Results, c) as u32
            ]
        );
        assert_eq!(size, core::mem::size_of::<Results>() as u32);
        assert_eq!(c_layout(&[ValType::I32, ValType::I32]), (vec![0, 4], 8));
        assert_eq!(c_layout(&[ValType::F32, ValType::V128]), (vec![0, 16], 32));
    }
}
