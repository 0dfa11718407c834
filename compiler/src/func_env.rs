//! The function environment: the only code in the compiler that knows the
//! instance layout (vmctx offsets, how memories, tables, globals, imports
//! and libcalls are reached). The translator asks it for every access to
//! instance state, so layout changes happen here and in `abi` only.

use crate::const_expr::{self, ConstValue};
use crate::module_info::{FuncIndex, FuncType, ModuleInfo};
use crate::types::clif_type;
use cranelift_codegen::ir::{
    self, AbiParam, ArgumentPurpose, Block, BlockArg, ExceptionTableData, ExceptionTableItem,
    ExceptionTag, ExtFuncData, ExternalName, FuncRef, InstBuilder, MemFlagsData, SigRef, Signature,
    TrapCode, UserExternalName, Value,
    condcodes::IntCC,
    immediates::{Ieee32, Ieee64},
    types,
};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_entity::EntityRef;
use cranelift_frontend::FunctionBuilder;
use smelt_runtime::abi::{self, VMOffsets, libcalls::LibcallType};
// The translator names traps and libcalls through this module: it reaches
// the runtime's ABI only through `FuncEnv` (checked by scripts/test.sh).
pub(crate) use smelt_runtime::abi::{Libcall, TrapKind};
use std::collections::HashMap;
use wasmparser::ValType;

/// Trap codes, written once: a [`TrapKind`] byte is the Cranelift user code.
pub(crate) const fn trap(kind: TrapKind) -> TrapCode {
    TrapCode::unwrap_user(kind as u8)
}

/// The trap code used after a host call or libcall reported failure.
pub(crate) const TRAP_RAISED: TrapCode = TrapCode::unwrap_user(abi::TRAP_RAISED);

/// Maps a Cranelift trap code back to the byte stored in the trap table.
pub(crate) fn trap_kind_byte(code: TrapCode) -> u8 {
    match code {
        TrapCode::STACK_OVERFLOW => TrapKind::StackOverflow as u8,
        TrapCode::INTEGER_OVERFLOW => TrapKind::IntegerOverflow as u8,
        TrapCode::HEAP_OUT_OF_BOUNDS => TrapKind::MemoryOutOfBounds as u8,
        TrapCode::INTEGER_DIVISION_BY_ZERO => TrapKind::IntegerDivideByZero as u8,
        TrapCode::BAD_CONVERSION_TO_INTEGER => TrapKind::InvalidConversionToInteger as u8,
        other => other.as_raw().get(),
    }
}

/// Offset of payload value `i` in an exception object.
fn exn_value_offset(i: usize) -> i32 {
    (abi::VMEXN_VALUES + i as u32 * abi::VAL_RAW_SIZE) as i32
}

/// Memory flags for vmctx fields that never change once the instance is
/// set up: free to hoist, merge and move.
pub(crate) fn readonly() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly().with_can_move()
}

/// Memory flags for linear-memory accesses: little-endian, and a fault is a
/// `heap_oob` trap.
pub(crate) fn heap() -> MemFlagsData {
    MemFlagsData::new().with_endianness(ir::Endianness::Little)
}

/// The wasm calling convention: Cranelift `tail` (so `return_call` works),
/// `(callee_vmctx, caller_vmctx, params...) -> results`.
pub(crate) fn wasm_signature(ty: &FuncType, ptr: ir::Type) -> Signature {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params
        .push(AbiParam::special(ptr, ArgumentPurpose::VMContext));
    sig.params.push(AbiParam::new(ptr));
    sig.params
        .extend(ty.params.iter().map(|t| AbiParam::new(clif_type(*t))));
    sig.returns
        .extend(ty.results.iter().map(|t| AbiParam::new(clif_type(*t))));
    sig
}

/// The platform-convention signature of a libcall.
pub(crate) fn libcall_signature(isa: &dyn TargetIsa, libcall: Libcall) -> Signature {
    let ptr = isa.pointer_type();
    let ext = isa.default_argument_extension();
    let param = |t: LibcallType| match t {
        LibcallType::vmctx | LibcallType::ptr => AbiParam::new(ptr),
        LibcallType::i64 => AbiParam::new(types::I64),
        LibcallType::i32 => {
            let mut p = AbiParam::new(types::I32);
            p.extension = ext;
            p
        }
    };
    let mut sig = Signature::new(isa.default_call_conv());
    sig.params
        .extend(libcall.params().iter().map(|t| param(*t)));
    sig.returns.extend(libcall.result().map(param));
    sig
}

/// One exception handler that calls in the current try scopes must carry
/// (innermost first): a landing block taking the `exnref`, reached for
/// exceptions of tag `tag` (a module tag index) or, for `None`, all.
#[derive(Copy, Clone, Debug)]
pub(crate) struct Handler {
    pub(crate) tag: Option<u32>,
    pub(crate) block: Block,
}

/// How a call is made (see [`FuncEnv::emit_call`]).
enum CallKind {
    Direct(FuncRef),
    Indirect(SigRef, Value),
}

/// Per-function state plus the module-level layout knowledge.
pub(crate) struct FuncEnv<'m, 'a> {
    pub(crate) info: &'m ModuleInfo<'a>,
    pub(crate) offsets: VMOffsets,
    pub(crate) isa: &'m dyn TargetIsa,
    pub(crate) ptr: ir::Type,
    /// Module-level `FuncId` (as `u32`) of each defined function.
    pub(crate) defined_func_ids: &'m [u32],
    /// How linear-memory accesses are bounds-checked.
    pub(crate) bounds_checks: crate::BoundsChecks,
    /// Whether to poll the interrupt flag (function entry, loop headers).
    pub(crate) interruptible: bool,
    /// Whether to meter fuel ([`crate::fuel`]).
    pub(crate) fuel: bool,
    /// `FuncId` (as `u32`) of the module's throw stub.
    pub(crate) throw_stub_id: u32,
    /// The handlers of the try scopes around the operator being
    /// translated, innermost first; the translator sets them before each
    /// call. Non-empty turns calls into `try_call`s.
    pub(crate) handlers: Vec<Handler>,
    vmctx: Option<Value>,
    func_refs: HashMap<u32, FuncRef>,
    sig_refs: HashMap<u32, SigRef>,
    libcall_sigs: HashMap<u32, SigRef>,
}

impl<'m, 'a> FuncEnv<'m, 'a> {
    pub(crate) fn new(
        info: &'m ModuleInfo<'a>,
        isa: &'m dyn TargetIsa,
        defined_func_ids: &'m [u32],
        bounds_checks: crate::BoundsChecks,
    ) -> Self {
        FuncEnv {
            info,
            offsets: info.vm_offsets(),
            isa,
            ptr: isa.pointer_type(),
            defined_func_ids,
            bounds_checks,
            interruptible: false,
            fuel: false,
            throw_stub_id: u32::MAX,
            handlers: Vec::new(),
            vmctx: None,
            func_refs: HashMap::new(),
            sig_refs: HashMap::new(),
            libcall_sigs: HashMap::new(),
        }
    }

    /// Resets per-function state before translating another function.
    pub(crate) fn start_function(&mut self, vmctx: Value) {
        self.vmctx = Some(vmctx);
        self.func_refs.clear();
        self.sig_refs.clear();
        self.libcall_sigs.clear();
        self.handlers.clear();
    }

    pub(crate) fn vmctx(&self) -> Value {
        self.vmctx.expect("vmctx is set at function start")
    }

    /// Sets `func.stack_limit` to the vmctx's stack-limit field so every
    /// prologue that allocates stack checks it.
    pub(crate) fn install_stack_limit(&self, func: &mut ir::Function) {
        let vmctx = func.create_global_value(ir::GlobalValueData::VMContext);
        let flags = func
            .dfg
            .mem_flags
            .insert(MemFlagsData::trusted().with_readonly())
            .expect("mem flags table has room");
        let limit = func.create_global_value(ir::GlobalValueData::Load {
            base: vmctx,
            offset: (abi::VMCTX_STACK_LIMIT as i32).into(),
            global_type: self.ptr,
            flags,
        });
        func.stack_limit = Some(limit);
    }

    fn load_vmctx_field(&self, builder: &mut FunctionBuilder, ty: ir::Type, offset: u32) -> Value {
        let vmctx = self.vmctx();
        builder.ins().load(ty, readonly(), vmctx, offset as i32)
    }

    /// Traps with `Interrupted` when the store's interrupt flag is set.
    pub(crate) fn interrupt_check(&self, builder: &mut FunctionBuilder) {
        if !self.interruptible {
            return;
        }
        let flag_ptr = self.load_vmctx_field(builder, self.ptr, abi::VMCTX_INTERRUPT);
        // An atomic load: a plain load would be merged with the one at
        // function entry by alias analysis, since no store intervenes in
        // the loop (the flag is written by another thread).
        let flag = builder
            .ins()
            .atomic_load(types::I32, MemFlagsData::trusted(), flag_ptr);
        builder.ins().trapnz(flag, trap(TrapKind::Interrupted));
    }

    /// Charges a basic block's fuel (`*fuel -= units`) and, at function
    /// entries and loop headers, traps with `OutOfFuel` if the fuel is
    /// now negative. The rule is in [`crate::fuel`].
    pub(crate) fn fuel_charge(&self, builder: &mut FunctionBuilder, charge: crate::fuel::Charge) {
        let fuel_ptr = self.load_vmctx_field(builder, self.ptr, abi::VMCTX_FUEL);
        let flags = MemFlagsData::trusted();
        let fuel = builder.ins().load(types::I64, flags, fuel_ptr, 0);
        let left = builder.ins().iadd_imm_s(fuel, -i64::from(charge.units));
        builder.ins().store(flags, left, fuel_ptr, 0);
        if charge.check {
            let out = builder.ins().icmp_imm_s(IntCC::SignedLessThan, left, 0);
            builder.ins().trapnz(out, trap(TrapKind::OutOfFuel));
        }
    }

    // ---- memories -------------------------------------------------------

    /// Pointer to memory `index`'s `VMMemoryDefinition`.
    pub(crate) fn memory_definition(&self, builder: &mut FunctionBuilder, index: u32) -> Value {
        self.load_vmctx_field(builder, self.ptr, self.offsets.memory(index))
    }

    /// Base address of memory `index`. Guard-mode memories never move, so
    /// the load is read-only and may be hoisted out of loops.
    pub(crate) fn memory_base(&self, builder: &mut FunctionBuilder, index: u32) -> Value {
        if index == 0 {
            return self.load_vmctx_field(builder, self.ptr, abi::VMCTX_MEMORY0_BASE);
        }
        let def = self.memory_definition(builder, index);
        builder
            .ins()
            .load(self.ptr, readonly(), def, abi::VMMEMORY_BASE as i32)
    }

    /// Current length of memory `index` in bytes.
    pub(crate) fn memory_length(&self, builder: &mut FunctionBuilder, index: u32) -> Value {
        let def = self.memory_definition(builder, index);
        builder.ins().load(
            self.ptr,
            MemFlagsData::trusted(),
            def,
            abi::VMMEMORY_LENGTH as i32,
        )
    }

    pub(crate) fn memory_is_64(&self, index: u32) -> bool {
        self.info.memories[index as usize].memory64
    }

    pub(crate) fn memory_page_size_log2(&self, index: u32) -> u32 {
        self.info.memories[index as usize]
            .page_size_log2
            .unwrap_or(16)
    }

    // ---- globals --------------------------------------------------------

    /// Address and offset of global `index`'s storage.
    fn global_addr(&self, builder: &mut FunctionBuilder, index: u32) -> (Value, i32) {
        if index < self.info.num_imported_globals {
            let ptr = self.load_vmctx_field(builder, self.ptr, self.offsets.imported_global(index));
            (ptr, 0)
        } else {
            let def = index - self.info.num_imported_globals;
            (self.vmctx(), self.offsets.defined_global(def) as i32)
        }
    }

    pub(crate) fn global_get(&self, builder: &mut FunctionBuilder, index: u32) -> Value {
        let global = &self.info.globals[index as usize];
        let ty = clif_type(global.ty.content_type);
        // Immutable globals with a constant initializer are folded.
        if !global.ty.mutable
            && let Some(v) = global
                .init
                .as_deref()
                .and_then(const_expr::single_value)
                .and_then(|c| constant(builder, ty, c))
        {
            return v;
        }
        let (addr, offset) = self.global_addr(builder, index);
        let flags = if global.ty.mutable {
            MemFlagsData::trusted()
        } else {
            readonly()
        };
        builder.ins().load(ty, flags, addr, offset)
    }

    pub(crate) fn global_set(&self, builder: &mut FunctionBuilder, index: u32, value: Value) {
        let (addr, offset) = self.global_addr(builder, index);
        builder
            .ins()
            .store(MemFlagsData::trusted(), value, addr, offset);
    }

    // ---- calls ------------------------------------------------------------

    fn sig_ref(&mut self, builder: &mut FunctionBuilder, type_index: u32) -> SigRef {
        if let Some(s) = self.sig_refs.get(&type_index) {
            return *s;
        }
        let sig = wasm_signature(&self.info.types[type_index as usize], self.ptr);
        let s = builder.import_signature(sig);
        self.sig_refs.insert(type_index, s);
        s
    }

    /// Whether function `func` (of the function index space) is defined in
    /// this module rather than imported.
    fn is_defined(&self, func: u32) -> bool {
        self.info
            .defined_func_index(FuncIndex::from_u32(func))
            .is_some()
    }

    fn func_ref(&mut self, builder: &mut FunctionBuilder, func: u32) -> FuncRef {
        if let Some(f) = self.func_refs.get(&func) {
            return *f;
        }
        let sig = self.sig_ref(builder, self.info.funcs[func as usize]);
        let defined = self
            .info
            .defined_func_index(FuncIndex::from_u32(func))
            .expect("direct calls to defined functions only");
        let id = self.defined_func_ids[defined.index()];
        let name = builder
            .func
            .declare_imported_user_function(UserExternalName::new(0, id));
        let f = builder.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: sig,
            // Every function of the module is in the same object and text
            // section: direct, PC-relative calls.
            colocated: true,
            patchable: false,
        });
        self.func_refs.insert(func, f);
        f
    }

    /// `call` / `return_call`: a direct call for defined functions, an
    /// indirect call through the import's `VMFuncRef` for imported ones.
    /// Returns the call's results, or `None` for a tail call.
    pub(crate) fn translate_call(
        &mut self,
        builder: &mut FunctionBuilder,
        func: u32,
        args: &[Value],
        tail: bool,
    ) -> Option<Vec<Value>> {
        let vmctx = self.vmctx();
        if self.is_defined(func) {
            let f = self.func_ref(builder, func);
            let mut all = Vec::with_capacity(args.len() + 2);
            all.extend([vmctx, vmctx]);
            all.extend_from_slice(args);
            if tail {
                builder.ins().return_call(f, &all);
                None
            } else {
                Some(self.emit_call(builder, CallKind::Direct(f), &all))
            }
        } else {
            let funcref =
                self.load_vmctx_field(builder, self.ptr, self.offsets.imported_func(func));
            let sig = self.sig_ref(builder, self.info.funcs[func as usize]);
            self.call_funcref(builder, sig, funcref, args, readonly(), tail)
        }
    }

    /// Calls through a `VMFuncRef` pointer already known to be of the
    /// right type. `flags` decide how a null pointer is reported.
    fn call_funcref(
        &mut self,
        builder: &mut FunctionBuilder,
        sig: SigRef,
        funcref: Value,
        args: &[Value],
        flags: MemFlagsData,
        tail: bool,
    ) -> Option<Vec<Value>> {
        let vmctx = self.vmctx();
        let code = builder
            .ins()
            .load(self.ptr, flags, funcref, abi::VMFUNCREF_CODE as i32);
        let callee_vmctx = builder.ins().load(
            self.ptr,
            MemFlagsData::trusted().with_readonly(),
            funcref,
            abi::VMFUNCREF_VMCTX as i32,
        );
        let mut all = Vec::with_capacity(args.len() + 2);
        all.extend([callee_vmctx, vmctx]);
        all.extend_from_slice(args);
        if tail {
            builder.ins().return_call_indirect(sig, code, &all);
            None
        } else {
            Some(self.emit_call(builder, CallKind::Indirect(sig, code), &all))
        }
    }

    /// `call_indirect` / `return_call_indirect`: bounds check, null check
    /// (a trapping load), type check against the canonical type id, call.
    pub(crate) fn translate_call_indirect(
        &mut self,
        builder: &mut FunctionBuilder,
        table: u32,
        type_index: u32,
        callee: Value,
        args: &[Value],
        tail: bool,
    ) -> Option<Vec<Value>> {
        let funcref = self.table_element_addr_checked(
            builder,
            table,
            callee,
            trap(TrapKind::UndefinedElement),
        );
        let funcref = builder
            .ins()
            .load(self.ptr, MemFlagsData::trusted(), funcref, 0);
        // A null entry faults on this load (page 0 is never mapped) and the
        // trap table says "uninitialized element".
        let null_trap = MemFlagsData::trusted()
            .with_readonly()
            .with_trap_code(Some(trap(TrapKind::IndirectCallToNull)));
        let actual = builder.ins().load(
            types::I32,
            null_trap,
            funcref,
            abi::VMFUNCREF_TYPE_ID as i32,
        );
        let expected = self.load_vmctx_field(builder, types::I32, self.offsets.type_id(type_index));
        let mismatch = builder.ins().icmp(IntCC::NotEqual, actual, expected);
        if self.info.type_defs[type_index as usize].is_final {
            // Nothing else can be a subtype of a final type.
            builder
                .ins()
                .trapnz(mismatch, trap(TrapKind::IndirectCallSignatureMismatch));
        } else {
            // A subtype of the expected type is allowed: ask the runtime
            // when the ids differ.
            let slow = builder.create_block();
            let done = builder.create_block();
            builder.ins().brif(mismatch, slow, &[], done, &[]);
            builder.seal_block(slow);
            builder.switch_to_block(slow);
            builder.set_cold_block(slow);
            let ok = self
                .call_libcall(builder, Libcall::is_subtype, &[actual, expected])
                .expect("is_subtype returns a value");
            builder
                .ins()
                .trapz(ok, trap(TrapKind::IndirectCallSignatureMismatch));
            builder.ins().jump(done, &[]);
            builder.seal_block(done);
            builder.switch_to_block(done);
        }
        let sig = self.sig_ref(builder, type_index);
        self.call_funcref(
            builder,
            sig,
            funcref,
            args,
            MemFlagsData::trusted().with_readonly(),
            tail,
        )
    }

    /// `call_ref` / `return_call_ref`: the reference is statically typed, so
    /// only null needs checking, by the trapping load of the code pointer.
    pub(crate) fn translate_call_ref(
        &mut self,
        builder: &mut FunctionBuilder,
        type_index: u32,
        funcref: Value,
        args: &[Value],
        tail: bool,
    ) -> Option<Vec<Value>> {
        let sig = self.sig_ref(builder, type_index);
        let null_trap = MemFlagsData::trusted()
            .with_readonly()
            .with_trap_code(Some(trap(TrapKind::NullFunctionReference)));
        self.call_funcref(builder, sig, funcref, args, null_trap, tail)
    }

    // ---- exceptions ---------------------------------------------------------

    /// A call to wasm code: a plain `call`, or inside try scopes a
    /// `try_call` whose exception table lists [`Self::handlers`] after a
    /// `Context(vmctx)` item, so the unwinder can resolve this module's
    /// tag indices to tag identities. Returns the results.
    fn emit_call(
        &mut self,
        builder: &mut FunctionBuilder,
        kind: CallKind,
        args: &[Value],
    ) -> Vec<Value> {
        if self.handlers.is_empty() {
            let call = match kind {
                CallKind::Direct(f) => builder.ins().call(f, args),
                CallKind::Indirect(sig, code) => builder.ins().call_indirect(sig, code, args),
            };
            return builder.inst_results(call).to_vec();
        }
        let sig = match kind {
            CallKind::Direct(f) => builder.func.dfg.ext_funcs[f].signature,
            CallKind::Indirect(sig, _) => sig,
        };
        let returns: Vec<ir::Type> = builder.func.dfg.signatures[sig]
            .returns
            .iter()
            .map(|r| r.value_type)
            .collect();
        let cont = builder.create_block();
        for t in &returns {
            builder.append_block_param(cont, *t);
        }
        let ret_args: Vec<BlockArg> = (0..returns.len() as u32)
            .map(BlockArg::TryCallRet)
            .collect();
        let normal = builder.func.dfg.block_call(cont, &ret_args);
        let mut items = vec![ExceptionTableItem::Context(self.vmctx())];
        for h in &self.handlers {
            let target = builder
                .func
                .dfg
                .block_call(h.block, &[BlockArg::TryCallExn(0)]);
            items.push(match h.tag {
                Some(t) => ExceptionTableItem::Tag(ExceptionTag::from_u32(t), target),
                None => ExceptionTableItem::Default(target),
            });
        }
        let table = builder
            .func
            .dfg
            .exception_tables
            .push(ExceptionTableData::new(sig, normal, items));
        match kind {
            CallKind::Direct(f) => builder.ins().try_call(f, args, table),
            CallKind::Indirect(_, code) => builder.ins().try_call_indirect(code, args, table),
        };
        builder.switch_to_block(cont);
        builder.seal_block(cont);
        builder.block_params(cont).to_vec()
    }

    /// `throw`'s allocation: a new exception object for `tag` holding
    /// `payload`. Returns the `exnref`.
    pub(crate) fn translate_exn_new(
        &mut self,
        builder: &mut FunctionBuilder,
        tag: u32,
        payload: &[Value],
    ) -> Value {
        let tag = builder.ins().iconst(types::I32, i64::from(tag));
        let exn = self
            .call_libcall(builder, Libcall::exn_new, &[tag])
            .expect("exn_new returns the exception");
        for (i, v) in payload.iter().enumerate() {
            builder
                .ins()
                .store(MemFlagsData::trusted(), *v, exn, exn_value_offset(i));
        }
        exn
    }

    /// Loads the payload of a caught exception of tag `tag`.
    pub(crate) fn exn_payload(
        &self,
        builder: &mut FunctionBuilder,
        tag: u32,
        exn: Value,
    ) -> Vec<Value> {
        self.info
            .tag_params(tag)
            .iter()
            .enumerate()
            .map(|(i, t)| {
                builder.ins().load(
                    clif_type(*t),
                    MemFlagsData::trusted(),
                    exn,
                    exn_value_offset(i),
                )
            })
            .collect()
    }

    /// Throws `exn` (non-null) through the throw stub. The current block
    /// ends; the caller marks the code after it unreachable.
    pub(crate) fn translate_throw_ref(&mut self, builder: &mut FunctionBuilder, exn: Value) {
        let sig = builder.import_signature(crate::trampolines::throw_stub_signature(self.isa));
        let name = builder
            .func
            .declare_imported_user_function(UserExternalName::new(0, self.throw_stub_id));
        let stub = builder.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        let vmctx = self.vmctx();
        self.emit_call(builder, CallKind::Direct(stub), &[vmctx, exn]);
        builder.ins().trap(trap(TrapKind::Unreachable));
    }

    // ---- tables -----------------------------------------------------------

    /// Pointer to table `index`'s `VMTableDefinition`.
    pub(crate) fn table_definition(&self, builder: &mut FunctionBuilder, index: u32) -> Value {
        self.load_vmctx_field(builder, self.ptr, self.offsets.table(index))
    }

    /// The current length (in elements, as an i64) of table `index`.
    pub(crate) fn table_length(&self, builder: &mut FunctionBuilder, index: u32) -> Value {
        let def = self.table_definition(builder, index);
        builder.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            def,
            abi::VMTABLE_LENGTH as i32,
        )
    }

    pub(crate) fn table_is_64(&self, index: u32) -> bool {
        self.info.tables[index as usize].ty.table64
    }

    /// Address of element `elem` (an i32 or, for table64, i64 index) of a
    /// table, trapping with `oob` when the index is out of bounds.
    pub(crate) fn table_element_addr_checked(
        &self,
        builder: &mut FunctionBuilder,
        table: u32,
        elem: Value,
        oob: TrapCode,
    ) -> Value {
        let def = self.table_definition(builder, table);
        let length = builder.ins().load(
            types::I64,
            MemFlagsData::trusted(),
            def,
            abi::VMTABLE_LENGTH as i32,
        );
        let index = if builder.func.dfg.value_type(elem) == types::I64 {
            elem
        } else {
            builder.ins().uextend(types::I64, elem)
        };
        let out = builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThanOrEqual, index, length);
        builder.ins().trapnz(out, oob);
        let base = builder.ins().load(
            self.ptr,
            MemFlagsData::trusted(),
            def,
            abi::VMTABLE_BASE as i32,
        );
        let scaled = builder.ins().ishl_imm_u(index, 3);
        builder.ins().iadd(base, scaled)
    }

    /// `ref.func`: the address of the function's `VMFuncRef`.
    pub(crate) fn translate_ref_func(&self, builder: &mut FunctionBuilder, func: u32) -> Value {
        if !self.is_defined(func) {
            self.load_vmctx_field(builder, self.ptr, self.offsets.imported_func(func))
        } else {
            let slot = self.info.escaped[&func];
            let vmctx = self.vmctx();
            builder
                .ins()
                .iadd_imm_u(vmctx, i64::from(self.offsets.func_ref(slot)))
        }
    }

    // ---- libcalls -----------------------------------------------------------

    /// Calls a runtime libcall through the vmctx's libcall table.
    pub(crate) fn call_libcall(
        &mut self,
        builder: &mut FunctionBuilder,
        libcall: Libcall,
        args: &[Value],
    ) -> Option<Value> {
        let sig = match self.libcall_sigs.get(&(libcall as u32)) {
            Some(s) => *s,
            None => {
                let s = builder.import_signature(libcall_signature(self.isa, libcall));
                self.libcall_sigs.insert(libcall as u32, s);
                s
            }
        };
        let table = self.load_vmctx_field(builder, self.ptr, abi::VMCTX_LIBCALLS);
        let fptr = builder
            .ins()
            .load(self.ptr, readonly(), table, libcall.table_offset() as i32);
        let mut all = Vec::with_capacity(args.len() + 1);
        all.push(self.vmctx());
        all.extend_from_slice(args);
        let call = builder.ins().call_indirect(sig, fptr, &all);
        builder.inst_results(call).first().copied()
    }

    /// Calls a status-returning libcall and traps if it reports failure.
    pub(crate) fn call_libcall_checked(
        &mut self,
        builder: &mut FunctionBuilder,
        libcall: Libcall,
        args: &[Value],
    ) {
        let status = self
            .call_libcall(builder, libcall, args)
            .expect("checked libcalls return a status");
        builder.ins().trapnz(status, TRAP_RAISED);
    }

    /// The CLIF type of a wasm value type.
    pub(crate) fn clif(&self, ty: ValType) -> ir::Type {
        clif_type(ty)
    }
}

/// `c` as a CLIF constant of type `ty`, if the types agree.
fn constant(builder: &mut FunctionBuilder, ty: ir::Type, c: ConstValue) -> Option<Value> {
    Some(match (c, ty) {
        (ConstValue::I32(v), types::I32) => builder.ins().iconst(types::I32, i64::from(v)),
        (ConstValue::I64(v), types::I64) => builder.ins().iconst(types::I64, v),
        (ConstValue::F32(bits), types::F32) => builder.ins().f32const(Ieee32::with_bits(bits)),
        (ConstValue::F64(bits), types::F64) => builder.ins().f64const(Ieee64::with_bits(bits)),
        _ => return None,
    })
}
