//! Trampolines between the host (platform C convention) and wasm code
//! (Cranelift `tail` convention), one of each per function type.
//!
//! Entry trampoline, called by the runtime:
//!
//! ```text
//! extern "C" fn(callee: *const VMFuncRef, values: *mut ValRaw,
//!               record: *mut VMEntryRecord) -> i32
//! ```
//!
//! It records its frame pointer, stack pointer and the address of its
//! trap-handler block in `record`, loads the arguments from `values`, and
//! calls the callee with `try_call_indirect`. On return it stores the
//! results into `values` and returns 1. When wasm traps, the signal handler
//! restores fp/sp from the record and jumps to the handler block, which
//! returns 0: only wasm frames are discarded, no Rust frame is skipped.
//!
//! Host adapter, placed in a `VMFuncRef` whose `vmctx` is a host function
//! context: in the wasm convention `(hostctx, caller_vmctx, params...)`, it
//! spills the params into a stack buffer, calls the context's array-call
//! function, and returns the results from the buffer. A failure status
//! goes to the runtime's throw entry: `HOST_STATUS_EXCEPTION` throws the
//! `exnref` the host left in the buffer, `HOST_STATUS_TRAP` ends the call
//! with the trap the host recorded.
//!
//! Throw stub, one per module, in the wasm convention `(vmctx, exnref) -> !`:
//! compiled code calls it (as a `try_call` inside try scopes) to throw. It
//! hands its own frame pointer to the runtime's unwinder, so the handler
//! search starts exactly at the throwing call site: `[fp + 8]` is the
//! return address into the thrower, `[fp]` the thrower's frame.

use crate::func_env::{libcall_signature, readonly, trap, wasm_signature};
use crate::module_info::FuncType;
use crate::types::clif_type;
use cranelift_codegen::ir::{
    self, AbiParam, ArgumentPurpose, BlockArg, ExceptionTableData, ExceptionTableItem, InstBuilder,
    MemFlagsData, Signature, StackSlotData, StackSlotKind, condcodes::IntCC, types,
};
use cranelift_codegen::isa::CallConv;
use cranelift_codegen::isa::TargetIsa;
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use smelt_runtime::abi::{self, Libcall, TrapKind};

fn value_offset(i: usize) -> i32 {
    (i as u32 * abi::VAL_RAW_SIZE) as i32
}

/// The platform-convention signature of entry trampolines.
pub(crate) fn entry_signature(isa: &dyn TargetIsa) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params.extend([AbiParam::new(ptr); 3]);
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

pub(crate) fn translate_entry_trampoline(
    isa: &dyn TargetIsa,
    ty: &FuncType,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) {
    let ptr = isa.pointer_type();
    func.signature = entry_signature(isa);
    let mut builder = FunctionBuilder::new(func, fctx);
    let entry = builder.create_block();
    let call_block = builder.create_block();
    let ok = builder.create_block();
    let trapped = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    for r in &ty.results {
        builder.append_block_param(ok, clif_type(*r));
    }

    builder.switch_to_block(entry);
    let [callee, values, record] = *builder.block_params(entry) else {
        unreachable!("entry signature has three params")
    };
    builder.ins().jump(call_block, &[]);

    builder.switch_to_block(call_block);
    let flags = MemFlagsData::trusted();
    let fp = builder.ins().get_frame_pointer(ptr);
    let sp = builder.ins().get_stack_pointer(ptr);
    let handler = builder
        .ins()
        .get_exception_handler_address(ptr, call_block, 0);
    builder
        .ins()
        .store(flags, fp, record, abi::ENTRY_RECORD_FP as i32);
    builder
        .ins()
        .store(flags, sp, record, abi::ENTRY_RECORD_SP as i32);
    builder
        .ins()
        .store(flags, handler, record, abi::ENTRY_RECORD_HANDLER as i32);
    let code = builder
        .ins()
        .load(ptr, readonly(), callee, abi::VMFUNCREF_CODE as i32);
    let callee_vmctx = builder
        .ins()
        .load(ptr, readonly(), callee, abi::VMFUNCREF_VMCTX as i32);
    let null = builder.ins().iconst(ptr, 0);
    let mut args = vec![callee_vmctx, null];
    for (i, p) in ty.params.iter().enumerate() {
        let v = builder
            .ins()
            .load(clif_type(*p), flags, values, value_offset(i));
        args.push(v);
    }
    let sig = builder.import_signature(wasm_signature(ty, ptr));
    let ret_args: Vec<BlockArg> = (0..ty.results.len() as u32)
        .map(BlockArg::TryCallRet)
        .collect();
    let normal = builder.func.dfg.block_call(ok, &ret_args);
    let on_trap = builder.func.dfg.block_call(trapped, &[]);
    let table = builder
        .func
        .dfg
        .exception_tables
        .push(ExceptionTableData::new(
            sig,
            normal,
            [ExceptionTableItem::Default(on_trap)],
        ));
    builder.ins().try_call_indirect(code, &args, table);

    builder.switch_to_block(ok);
    let results = builder.block_params(ok).to_vec();
    for (i, r) in results.iter().enumerate() {
        builder.ins().store(flags, *r, values, value_offset(i));
    }
    let one = builder.ins().iconst(types::I32, 1);
    builder.ins().return_(&[one]);

    builder.switch_to_block(trapped);
    builder.set_cold_block(trapped);
    let zero = builder.ins().iconst(types::I32, 0);
    builder.ins().return_(&[zero]);

    builder.seal_all_blocks();
    builder.finalize(isa.frontend_config());
}

pub(crate) fn translate_host_adapter(
    isa: &dyn TargetIsa,
    ty: &FuncType,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) {
    let ptr = isa.pointer_type();
    func.signature = wasm_signature(ty, ptr);
    let mut builder = FunctionBuilder::new(func, fctx);
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    let params = builder.block_params(entry).to_vec();
    let (hostctx, caller) = (params[0], params[1]);

    let slots = ty.params.len().max(ty.results.len()).max(1);
    let slot = builder.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        slots as u32 * abi::VAL_RAW_SIZE,
        4,
    ));
    let buf = builder.ins().stack_addr(ptr, slot, 0);
    let flags = MemFlagsData::trusted();
    for (i, p) in params[2..].iter().enumerate() {
        builder.ins().store(flags, *p, buf, value_offset(i));
    }

    let mut host_sig = Signature::new(isa.default_call_conv());
    host_sig.params.extend([
        AbiParam::new(ptr),
        AbiParam::new(ptr),
        AbiParam::new(ptr),
        AbiParam::new(ptr),
    ]);
    host_sig.returns.push(AbiParam::new(types::I32));
    let host_sig = builder.import_signature(host_sig);
    let fptr = builder
        .ins()
        .load(ptr, readonly(), hostctx, abi::HOSTCTX_FUNC as i32);
    let len = builder.ins().iconst(ptr, ty.params.len() as i64);
    let call = builder
        .ins()
        .call_indirect(host_sig, fptr, &[hostctx, caller, buf, len]);
    let status = builder.inst_results(call)[0];
    // ---- exceptions ----
    // A non-zero status leaves through the runtime's throw entry, called
    // with this frame's fp, so the handler search (or the trap's
    // backtrace) starts at the wasm caller: `HOST_STATUS_EXCEPTION` throws
    // the exnref the host left in values[0] (handlers of the caller's
    // `try_call` see it); `HOST_STATUS_TRAP` passes a null exnref, meaning
    // "end the call with the trap the host recorded". No signal is
    // involved either way.
    let fail = builder.create_block();
    let ok = builder.create_block();
    builder.ins().brif(status, fail, &[], ok, &[]);
    builder.switch_to_block(fail);
    builder.set_cold_block(fail);
    let is_trap = builder
        .ins()
        .icmp_imm_u(IntCC::Equal, status, i64::from(abi::HOST_STATUS_TRAP));
    let exn = builder.ins().load(ptr, flags, buf, value_offset(0));
    let null = builder.ins().iconst(ptr, 0);
    let exn = builder.ins().select(is_trap, null, exn);
    let fp = builder.ins().get_frame_pointer(ptr);
    let throw_fn = builder
        .ins()
        .load(ptr, readonly(), hostctx, abi::HOSTCTX_THROW as i32);
    let throw_sig = builder.import_signature(libcall_signature(isa, Libcall::throw_ref));
    builder
        .ins()
        .call_indirect(throw_sig, throw_fn, &[caller, exn, fp]);
    builder.ins().trap(trap(TrapKind::Unreachable));
    builder.switch_to_block(ok);

    let results: Vec<_> = ty
        .results
        .iter()
        .enumerate()
        .map(|(i, r)| {
            builder
                .ins()
                .load(clif_type(*r), flags, buf, value_offset(i))
        })
        .collect();
    builder.ins().return_(&results);
    builder.seal_all_blocks();
    builder.finalize(isa.frontend_config());
}

/// Import thunk, one per imported function in objects with the typed C
/// API (see `smelt_runtime::abi::embed`), placed in the import's
/// `VMFuncRef` with a `VMImportThunkCtx` as its vmctx. In the wasm
/// convention `(thunkctx, caller_vmctx, params...)`, it calls the C
/// function that defines the import, `target`, with the host's context
/// first (and a results struct for multi-value), then asks the runtime
/// whether the C code left a trap pending; if so it leaves through the
/// throw entry as a host adapter does.
pub(crate) fn translate_import_thunk(
    isa: &dyn TargetIsa,
    ty: &FuncType,
    target: u32,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) {
    use smelt_runtime::abi::embed;
    let ptr = isa.pointer_type();
    func.signature = wasm_signature(ty, ptr);
    let mut builder = FunctionBuilder::new(func, fctx);
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    let params = builder.block_params(entry).to_vec();
    let (ctx, caller) = (params[0], params[1]);
    let flags = MemFlagsData::trusted();

    let host = builder
        .ins()
        .load(ptr, readonly(), ctx, embed::THUNKCTX_HOST as i32);
    let c_sig = builder.import_signature(crate::c_abi::c_signature(isa, ty));
    let name = builder
        .func
        .declare_imported_user_function(ir::UserExternalName::new(0, target));
    let callee = builder.import_function(ir::ExtFuncData {
        name: ir::ExternalName::user(name),
        signature: c_sig,
        // Defined by the host or another module's object: anywhere.
        colocated: false,
        patchable: false,
    });
    let mut args = vec![host];
    args.extend_from_slice(&params[2..]);
    let out = if ty.results.len() >= 2 {
        let (_, size) = crate::c_abi::results_layout(ty);
        let slot = builder.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            size,
            4,
        ));
        let out = builder.ins().stack_addr(ptr, slot, 0);
        args.push(out);
        Some(out)
    } else {
        None
    };
    let call = builder.ins().call(callee, &args);
    let mut results = builder.inst_results(call).to_vec();
    if let Some(out) = out {
        let (offsets, _) = crate::c_abi::results_layout(ty);
        results = ty
            .results
            .iter()
            .zip(offsets)
            .map(|(r, off)| builder.ins().load(clif_type(*r), flags, out, off as i32))
            .collect();
    }

    // Did the C function leave a trap pending?
    let mut check_sig = Signature::new(isa.default_call_conv());
    check_sig.params.push(AbiParam::new(ptr));
    check_sig.returns.push(AbiParam::new(types::I32));
    let check_sig = builder.import_signature(check_sig);
    let check = builder
        .ins()
        .load(ptr, readonly(), ctx, embed::THUNKCTX_CHECK as i32);
    let call = builder.ins().call_indirect(check_sig, check, &[ctx]);
    let status = builder.inst_results(call)[0];
    let fail = builder.create_block();
    let ok = builder.create_block();
    builder.ins().brif(status, fail, &[], ok, &[]);
    builder.switch_to_block(fail);
    builder.set_cold_block(fail);
    // As in the host adapter: a null exnref means "end the call with the
    // trap the runtime just recorded", and the walk starts at our frame.
    let null = builder.ins().iconst(ptr, 0);
    let fp = builder.ins().get_frame_pointer(ptr);
    let throw_fn = builder
        .ins()
        .load(ptr, readonly(), ctx, embed::THUNKCTX_THROW as i32);
    let throw_sig = builder.import_signature(libcall_signature(isa, Libcall::throw_ref));
    builder
        .ins()
        .call_indirect(throw_sig, throw_fn, &[caller, null, fp]);
    builder.ins().trap(trap(TrapKind::Unreachable));
    builder.switch_to_block(ok);
    builder.ins().return_(&results);
    builder.seal_all_blocks();
    builder.finalize(isa.frontend_config());
}

/// The throw stub's signature: `tail`, `(vmctx, exnref)`, no results.
pub(crate) fn throw_stub_signature(isa: &dyn TargetIsa) -> Signature {
    let ptr = isa.pointer_type();
    let mut sig = Signature::new(CallConv::Tail);
    sig.params
        .push(AbiParam::special(ptr, ArgumentPurpose::VMContext));
    sig.params.push(AbiParam::new(ptr));
    sig
}

pub(crate) fn translate_throw_stub(
    isa: &dyn TargetIsa,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) {
    let ptr = isa.pointer_type();
    func.signature = throw_stub_signature(isa);
    let mut builder = FunctionBuilder::new(func, fctx);
    let entry = builder.create_block();
    builder.append_block_params_for_function_params(entry);
    builder.switch_to_block(entry);
    let [vmctx, exn] = *builder.block_params(entry) else {
        unreachable!("the throw stub has two params")
    };
    // `preserve_frame_pointers` gives this function a frame record, whose
    // address is what the unwinder needs.
    let fp = builder.ins().get_frame_pointer(ptr);
    let table = builder
        .ins()
        .load(ptr, readonly(), vmctx, abi::VMCTX_LIBCALLS as i32);
    let throw_fn = builder.ins().load(
        ptr,
        readonly(),
        table,
        Libcall::throw_ref.table_offset() as i32,
    );
    let sig = builder.import_signature(libcall_signature(isa, Libcall::throw_ref));
    builder
        .ins()
        .call_indirect(sig, throw_fn, &[vmctx, exn, fp]);
    builder.ins().trap(trap(TrapKind::Unreachable));
    builder.seal_all_blocks();
    builder.finalize(isa.frontend_config());
}
