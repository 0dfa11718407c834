//! Instantiation: building an instance's vmctx from a module descriptor
//! and its imports, running segment initialization and the start function.

use crate::abi::{self, ConstOp, Rel, TrapKind, VMFuncRef, VMGlobal, VMOffsets};
use crate::error::InstantiationError;
use crate::externals::{Extern, Global, Memory, Table};
use crate::func::{Func, call_wasm};
use crate::interp::InterpCtx;
use crate::memory::LinearMemory;
use crate::module::Module;
use crate::store::{AsStoreMut, GlobalData, StoreOpaque};
use crate::table::Table as TableData;
use crate::trap::Trap;
use crate::types::{ExternType, Limits};
use crate::values::ValRaw;
use std::alloc::Layout;
use std::ptr::NonNull;

/// An instance in a store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Instance {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

/// An instance's runtime state. Boxed in the store; its vmctx points back
/// to it for libcalls.
pub(crate) struct InstanceData {
    pub(crate) module: Module,
    vmctx: NonNull<u8>,
    layout: Layout,
    pub(crate) offsets: VMOffsets,
    pub(crate) index: usize,
    /// The owning store (boxed, so its address is stable).
    pub(crate) store: *mut StoreOpaque,
    /// Store index of each memory, table and global, by wasm index.
    pub(crate) memories: Vec<usize>,
    pub(crate) tables: Vec<usize>,
    pub(crate) globals: Vec<usize>,
    pub(crate) tags: Vec<usize>,
    pub(crate) dropped_elems: Vec<bool>,
    pub(crate) dropped_datas: Vec<bool>,
    /// Interpreted modules: the context of each defined function, what
    /// its `VMFuncRef::vmctx` points to.
    interp_ctxs: InterpCtxs,
}

/// The [`InterpCtx`]s of an instance, by defined-function index: one
/// allocation that never moves (`VMFuncRef`s and running frames point
/// into it) and is freed with the instance. Held as a raw pointer rather
/// than a `Box`, since those pointers are used while the instance is
/// borrowed mutably.
struct InterpCtxs {
    ptr: NonNull<InterpCtx>,
    len: usize,
}

impl InterpCtxs {
    fn new(ctxs: Vec<InterpCtx>) -> InterpCtxs {
        let len = ctxs.len();
        let raw = Box::into_raw(ctxs.into_boxed_slice());
        InterpCtxs {
            // SAFETY: `Box::into_raw` never returns null (a dangling,
            // aligned pointer for an empty slice).
            ptr: unsafe { NonNull::new_unchecked(raw.cast::<InterpCtx>()) },
            len,
        }
    }
}

impl Drop for InterpCtxs {
    fn drop(&mut self) {
        let slice = std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len);
        // SAFETY: `ptr` and `len` came from `Box::into_raw` of a boxed
        // slice in `new`, and it is freed only here.
        drop(unsafe { Box::from_raw(slice) });
    }
}

impl Drop for InstanceData {
    fn drop(&mut self) {
        // SAFETY: allocated in `instantiate` with this layout.
        unsafe { std::alloc::dealloc(self.vmctx.as_ptr(), self.layout) };
    }
}

/// The process-wide libcall table (see `abi::libcalls`).
pub(crate) struct LibcallTable(pub(crate) [*const (); abi::Libcall::COUNT]);
// SAFETY: the table holds function addresses only and is never written.
unsafe impl Sync for LibcallTable {}

impl InstanceData {
    /// # Safety
    ///
    /// `vmctx` must be the vmctx of a live instance.
    pub(crate) unsafe fn from_vmctx<'a>(vmctx: *mut u8) -> &'a mut InstanceData {
        // SAFETY: the instance field holds the boxed InstanceData's address.
        unsafe { &mut **(vmctx.add(abi::VMCTX_INSTANCE as usize) as *mut *mut InstanceData) }
    }

    pub(crate) fn vmctx(&self) -> *mut u8 {
        self.vmctx.as_ptr()
    }

    fn write<T>(&self, offset: u32, value: T) {
        debug_assert!(offset as usize + std::mem::size_of::<T>() <= self.layout.size());
        // SAFETY: every offset comes from `VMOffsets` for this layout and is
        // aligned for T (the layout aligns each area).
        unsafe { (self.vmctx().add(offset as usize) as *mut T).write(value) };
    }

    fn read<T: Copy>(&self, offset: u32) -> T {
        // SAFETY: as in `write`.
        unsafe { *(self.vmctx().add(offset as usize) as *const T) }
    }

    /// The definition (identity) of tag `tag`, imported or defined.
    pub(crate) fn tag_def(&self, tag: u32) -> *const abi::VMTagDefinition {
        self.read::<*const abi::VMTagDefinition>(self.offsets.tag(tag))
    }

    pub(crate) fn set_stack_limit(&mut self, limit: usize) {
        self.write(abi::VMCTX_STACK_LIMIT, limit);
    }

    /// The interpreter context of defined function `func` (module index
    /// space) of an interpreted module.
    pub(crate) fn interp_ctx(&self, func: u32) -> *mut InterpCtx {
        let i = func
            .checked_sub(self.module.inner.header().num_imported_funcs)
            .map(|i| i as usize);
        match i {
            Some(i) if i < self.interp_ctxs.len => {
                // SAFETY: in bounds of the allocation (checked above).
                unsafe { self.interp_ctxs.ptr.as_ptr().add(i) }
            }
            _ => panic!("function {func} has no interpreter context"),
        }
    }

    /// Address of function `func`'s `VMFuncRef`.
    pub(crate) fn funcref(&self, func: u32) -> usize {
        let h = self.module.inner.header();
        if func < h.num_imported_funcs {
            self.read::<usize>(self.offsets.imported_func(func))
        } else {
            let slot = self.module.inner.func_rec(func).funcref_slot;
            assert_ne!(
                slot,
                abi::NO_INDEX,
                "validation only references declared functions"
            );
            self.vmctx() as usize + self.offsets.func_ref(slot) as usize
        }
    }

    fn global_ptr(&self, g: u32) -> *mut VMGlobal {
        let h = self.module.inner.header();
        if g < h.num_imported_globals {
            self.read::<*mut VMGlobal>(self.offsets.imported_global(g))
        } else {
            // SAFETY: inside the vmctx allocation.
            unsafe {
                self.vmctx()
                    .add(self.offsets.defined_global(g - h.num_imported_globals) as usize)
            }
            .cast()
        }
    }

    /// Evaluates an initializer expression.
    pub(crate) fn eval_const(&self, ops: &[ConstOp]) -> ValRaw {
        let mut stack: Vec<ValRaw> = Vec::with_capacity(4);
        for op in ops {
            let v = match op.op {
                abi::OP_I32_CONST | abi::OP_F32_CONST => ValRaw::from_u32(op.imm[0]),
                abi::OP_I64_CONST | abi::OP_F64_CONST => {
                    ValRaw::from_u64(abi::join64(op.imm[0], op.imm[1]))
                }
                abi::OP_V128_CONST => ValRaw::from_u128(
                    u128::from(op.imm[0])
                        | u128::from(op.imm[1]) << 32
                        | u128::from(op.imm[2]) << 64
                        | u128::from(op.imm[3]) << 96,
                ),
                abi::OP_GLOBAL_GET => {
                    let m = &self.module.inner;
                    let ty =
                        m.slice::<abi::GlobalRec>(m.header().globals)[op.imm[0] as usize].valtype;
                    // SAFETY: global pointers are valid for the instance's
                    // life, for a value of the global's type.
                    unsafe { crate::externals::read_global(self.global_ptr(op.imm[0]), ty) }
                }
                abi::OP_REF_NULL => ValRaw::from_u64(0),
                abi::OP_REF_FUNC => ValRaw::from_u64(self.funcref(op.imm[0]) as u64),
                abi::OP_I32_ADD | abi::OP_I32_SUB | abi::OP_I32_MUL => {
                    let (b, a) = (
                        stack.pop().unwrap_or_default(),
                        stack.pop().unwrap_or_default(),
                    );
                    let (a, b) = (a.u32(), b.u32());
                    ValRaw::from_u32(match op.op {
                        abi::OP_I32_ADD => a.wrapping_add(b),
                        abi::OP_I32_SUB => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    })
                }
                abi::OP_I64_ADD | abi::OP_I64_SUB | abi::OP_I64_MUL => {
                    let (b, a) = (
                        stack.pop().unwrap_or_default(),
                        stack.pop().unwrap_or_default(),
                    );
                    let (a, b) = (a.u64(), b.u64());
                    ValRaw::from_u64(match op.op {
                        abi::OP_I64_ADD => a.wrapping_add(b),
                        abi::OP_I64_SUB => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    })
                }
                _ => ValRaw::default(),
            };
            stack.push(v);
        }
        stack.pop().unwrap_or_default()
    }

    fn const_expr(&self, rel: Rel) -> &[ConstOp] {
        let m = &self.module.inner;
        let pool = m.slice::<ConstOp>(m.header().const_ops);
        &pool[rel.offset as usize..(rel.offset + rel.len) as usize]
    }

    /// An offset expression's value (i32 or i64 depending on the entity).
    fn eval_offset(&self, rel: Rel, is_64: bool) -> u64 {
        let v = self.eval_const(self.const_expr(rel));
        if is_64 { v.u64() } else { u64::from(v.u32()) }
    }

    /// The items of element segment `elem` (empty once dropped).
    pub(crate) fn elem_items(&self, elem: u32) -> Vec<usize> {
        if self.dropped_elems[elem as usize] {
            return Vec::new();
        }
        let m = &self.module.inner;
        let h = m.header();
        let seg = m.slice::<abi::ElemRec>(h.elems)[elem as usize];
        let pool = m.slice::<u32>(h.elem_items);
        if seg.items_kind == abi::ELEM_ITEMS_FUNCS {
            pool[seg.items.offset as usize..(seg.items.offset + seg.items.len) as usize]
                .iter()
                .map(|f| self.funcref(*f))
                .collect()
        } else {
            pool[seg.items.offset as usize..(seg.items.offset + 2 * seg.items.len) as usize]
                .chunks(2)
                .map(|p| {
                    self.eval_const(self.const_expr(Rel {
                        offset: p[0],
                        len: p[1],
                    }))
                    .u64() as usize
                })
                .collect()
        }
    }

    /// The bytes of data segment `data` (empty once dropped).
    pub(crate) fn data_bytes(&self, data: u32) -> &[u8] {
        if self.dropped_datas[data as usize] {
            return &[];
        }
        let m = &self.module.inner;
        m.bytes(m.slice::<abi::DataRec>(m.header().datas)[data as usize].bytes)
    }
}

/// `table.init` semantics (also used for active segments).
pub(crate) fn table_init(
    store: &mut StoreOpaque,
    instance: usize,
    table: u32,
    elem: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> Result<(), TrapKind> {
    let inst = &store.instances[instance];
    let items = inst.elem_items(elem);
    let t = inst.tables[table as usize];
    let table = &mut store.tables[t];
    let src_end = src.checked_add(len).ok_or(TrapKind::TableOutOfBounds)?;
    let dst_end = dst.checked_add(len).ok_or(TrapKind::TableOutOfBounds)?;
    if src_end > items.len() as u64 || dst_end > table.len() {
        return Err(TrapKind::TableOutOfBounds);
    }
    table.elements_mut()[dst as usize..dst_end as usize]
        .copy_from_slice(&items[src as usize..src_end as usize]);
    Ok(())
}

/// `memory.init` semantics (also used for active segments).
pub(crate) fn memory_init(
    store: &mut StoreOpaque,
    instance: usize,
    memory: u32,
    data: u32,
    dst: u64,
    src: u64,
    len: u64,
) -> Result<(), TrapKind> {
    let inst = &store.instances[instance];
    let bytes = inst.data_bytes(data);
    let mem = &store.memories[inst.memories[memory as usize]];
    let src_end = src.checked_add(len).ok_or(TrapKind::MemoryOutOfBounds)?;
    let dst_end = dst.checked_add(len).ok_or(TrapKind::MemoryOutOfBounds)?;
    if src_end > bytes.len() as u64 || dst_end > mem.byte_len() as u64 {
        return Err(TrapKind::MemoryOutOfBounds);
    }
    let bytes = &bytes[src as usize..src_end as usize];
    // SAFETY: the descriptor's data and the memory never overlap.
    let bytes = unsafe { std::slice::from_raw_parts(bytes.as_ptr(), bytes.len()) };
    mem.data_mut()[dst as usize..dst_end as usize].copy_from_slice(bytes);
    Ok(())
}

impl Instance {
    /// Instantiates `module` with `imports` given in the module's import
    /// order.
    pub fn new(
        mut store: impl AsStoreMut,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance, InstantiationError> {
        let store = store.as_store_mut();
        let index = instantiate(store, module, imports)?;
        Ok(Instance {
            store: store.id,
            index,
        })
    }

    /// The export called `name`.
    pub fn get_export(&self, mut store: impl AsStoreMut, name: &str) -> Option<Extern> {
        let store = store.as_store_mut();
        store.check(self.store);
        export_by_name(store, self.index, name)
    }

    pub fn get_func(&self, store: impl AsStoreMut, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    pub fn get_memory(&self, store: impl AsStoreMut, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    pub fn get_table(&self, store: impl AsStoreMut, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    pub fn get_global(&self, store: impl AsStoreMut, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// All exports, in order.
    pub fn exports(&self, mut store: impl AsStoreMut) -> Vec<(String, Extern)> {
        let store = store.as_store_mut();
        store.check(self.store);
        let module = store.instances[self.index].module.clone();
        let m = &module.inner;
        m.slice::<abi::ExportRec>(m.header().exports)
            .iter()
            .filter_map(|e| {
                let name = m.str(e.name).into_owned();
                export(store, self.index, e).map(|x| (name, x))
            })
            .collect()
    }

    /// The module this instance was created from.
    pub fn module(&self, mut store: impl AsStoreMut) -> Module {
        let store = store.as_store_mut();
        store.check(self.store);
        store.instances[self.index].module.clone()
    }
}

pub(crate) fn export_by_name(
    store: &mut StoreOpaque,
    instance: usize,
    name: &str,
) -> Option<Extern> {
    let module = store.instances[instance].module.clone();
    let m = &module.inner;
    let e = *m
        .slice::<abi::ExportRec>(m.header().exports)
        .iter()
        .find(|e| m.bytes(e.name) == name.as_bytes())?;
    export(store, instance, &e)
}

fn export(store: &mut StoreOpaque, instance: usize, e: &abi::ExportRec) -> Option<Extern> {
    let id = store.id;
    let inst = &store.instances[instance];
    Some(match e.kind {
        abi::EXTERN_FUNC => {
            let ptr = inst.funcref(e.index);
            Extern::Func(store.func_for_ref(ptr))
        }
        abi::EXTERN_TABLE => Extern::Table(Table {
            store: id,
            index: inst.tables[e.index as usize],
        }),
        abi::EXTERN_MEMORY => Extern::Memory(Memory {
            store: id,
            index: inst.memories[e.index as usize],
        }),
        abi::EXTERN_GLOBAL => Extern::Global(Global {
            store: id,
            index: inst.globals[e.index as usize],
        }),
        abi::EXTERN_TAG => Extern::Tag(crate::exceptions::Tag {
            store: id,
            index: inst.tags[e.index as usize],
        }),
        _ => return None,
    })
}

/// Checks one import against what is provided.
fn check_import(
    store: &mut StoreOpaque,
    module: &Module,
    rec: &abi::ImportRec,
    provided: &Extern,
) -> Result<(), InstantiationError> {
    let m = &module.inner;
    let incompatible = || InstantiationError::ImportType {
        module: m.str(rec.module).into_owned(),
        name: m.str(rec.name).into_owned(),
    };
    match (m.extern_type(rec.kind, rec.index), provided) {
        (ExternType::Func(_), Extern::Func(f)) => {
            store.check(f.store);
            let want = m.type_ids[m.func_rec(rec.index).type_index as usize];
            if !crate::types::is_subtype(f.type_id(store), want) {
                return Err(incompatible());
            }
        }
        (ExternType::Table(want), Extern::Table(t)) => {
            store.check(t.store);
            let have = &store.tables[t.index];
            let limits = Limits {
                min: have.len(),
                max: have.ty.limits.max,
            };
            if have.ty.element != want.element
                || have.ty.table64 != want.table64
                || !limits.matches(&want.limits)
            {
                return Err(incompatible());
            }
        }
        (ExternType::Memory(want), Extern::Memory(mem)) => {
            store.check(mem.store);
            let have = &store.memories[mem.index];
            let ty = have.ty();
            let limits = Limits {
                min: have.pages(),
                max: ty.limits.max,
            };
            if ty.shared != want.shared
                || ty.memory64 != want.memory64
                || ty.page_size_log2 != want.page_size_log2
                || !limits.matches(&want.limits)
            {
                return Err(incompatible());
            }
        }
        (ExternType::Global(want), Extern::Global(g)) => {
            store.check(g.store);
            let have = store.globals[g.index].ty;
            let matches = if want.mutable {
                have == want
            } else {
                !have.mutable && crate::types::val_type_matches(have.content, want.content)
            };
            if !matches {
                return Err(incompatible());
            }
        }
        (ExternType::Tag(_), Extern::Tag(t)) => {
            store.check(t.store);
            // Tag types must be equivalent, not merely compatible.
            let want = m.type_ids[m.tag_type_index(rec.index) as usize];
            if store.tags[t.index].def.type_id != want {
                return Err(incompatible());
            }
        }
        _ => return Err(incompatible()),
    }
    Ok(())
}

fn instantiate(
    store: &mut StoreOpaque,
    module: &Module,
    imports: &[Extern],
) -> Result<usize, InstantiationError> {
    if let Some(max) = store.limits.max_instances
        && store.instances.len() >= max
    {
        return Err(InstantiationError::InstanceLimit { max });
    }
    let m = &module.inner;
    let h = *m.header();
    let import_recs = m.slice::<abi::ImportRec>(h.imports);
    if imports.len() != import_recs.len() {
        return Err(InstantiationError::ImportCount {
            expected: import_recs.len(),
            provided: imports.len(),
        });
    }
    if store.timeout.is_some() && h.flags & abi::FLAG_INTERRUPTIBLE == 0 {
        return Err(InstantiationError::NotInterruptible);
    }
    if store.fuel_enabled && h.flags & abi::FLAG_FUEL == 0 {
        return Err(InstantiationError::NotMetered);
    }
    let guard_mode = h.flags & abi::FLAG_EXPLICIT_BOUNDS == 0;
    if guard_mode && store.limits.no_guard_regions && h.memories.len > 0 {
        return Err(InstantiationError::NeedsGuardRegions);
    }
    for (rec, ext) in import_recs.iter().zip(imports) {
        check_import(store, module, rec, ext)?;
        if let (true, Extern::Memory(mem)) = (guard_mode, ext)
            && !store.memories[mem.index].guarded()
            && !store.memories[mem.index].ty().memory64
        {
            return Err(InstantiationError::UnguardedMemoryImport {
                module: m.str(rec.module).into_owned(),
                name: m.str(rec.name).into_owned(),
            });
        }
    }
    store.add_module(module);

    let offsets: VMOffsets = m.offsets;
    if offsets.size != h.vmctx_size {
        return Err(InstantiationError::VmctxLayout);
    }
    let layout = Layout::from_size_align(offsets.size as usize, 16)
        .map_err(InstantiationError::VmctxSize)?;
    // SAFETY: the layout has non-zero size (the header alone is 48 bytes).
    let vmctx = NonNull::new(unsafe { std::alloc::alloc_zeroed(layout) })
        .ok_or(InstantiationError::OutOfMemory)?;
    let index = store.instances.len();
    let mut data = Box::new(InstanceData {
        module: module.clone(),
        vmctx,
        layout,
        offsets,
        index,
        store: &raw mut *store,
        memories: Vec::with_capacity(h.memories.len as usize),
        tables: Vec::with_capacity(h.tables.len as usize),
        globals: Vec::with_capacity(h.globals.len as usize),
        tags: Vec::with_capacity(h.tags.len as usize),
        dropped_elems: vec![false; h.elems.len as usize],
        dropped_datas: vec![false; h.datas.len as usize],
        interp_ctxs: InterpCtxs::new(if m.is_interpreted() {
            (h.num_imported_funcs..h.funcs.len)
                .map(|f| InterpCtx::new(vmctx.as_ptr(), f))
                .collect()
        } else {
            Vec::new()
        }),
    });
    let data_ptr: *mut InstanceData = &mut *data;
    data.write(abi::VMCTX_STACK_LIMIT, store.stack_limit);
    data.write(abi::VMCTX_INSTANCE, data_ptr);
    data.write(abi::VMCTX_LIBCALLS, crate::libcalls::LIBCALLS.0.as_ptr());
    data.write(
        abi::VMCTX_INTERRUPT,
        std::sync::Arc::as_ptr(&store.interrupt),
    );
    data.write(abi::VMCTX_FUEL, store.fuel.as_ptr());
    for (t, id) in m.type_ids.iter().enumerate() {
        data.write(offsets.type_id(t as u32), *id);
    }

    // Imports.
    let (mut nf, mut nt, mut nm, mut ng) = (0u32, 0u32, 0u32, 0u32);
    for ext in imports {
        match ext {
            Extern::Func(f) => {
                let ptr = f.vm_funcref(store)?;
                data.write(offsets.imported_func(nf), ptr);
                nf += 1;
            }
            Extern::Table(t) => {
                data.tables.push(t.index);
                nt += 1;
            }
            Extern::Memory(mem) => {
                data.memories.push(mem.index);
                nm += 1;
            }
            Extern::Global(g) => {
                data.write(offsets.imported_global(ng), store.globals[g.index].ptr);
                data.globals.push(g.index);
                ng += 1;
            }
            Extern::Tag(t) => data.tags.push(t.index),
        }
    }
    // Defined tags: a fresh identity per instance.
    for tag in h.num_imported_tags..h.tags.len {
        let type_id = m.type_ids[m.tag_type_index(tag) as usize];
        let t = crate::exceptions::new_tag(store, type_id);
        data.tags.push(t.index);
    }
    for (i, idx) in data.tags.iter().enumerate() {
        let def: *const abi::VMTagDefinition = &*store.tags[*idx].def;
        data.write(offsets.tag(i as u32), def);
    }
    debug_assert_eq!(
        (nf, nt, nm, ng),
        (
            h.num_imported_funcs,
            h.num_imported_tables,
            h.num_imported_memories,
            h.num_imported_globals
        )
    );

    // Function references of defined functions that can escape. An
    // interpreted function looks like a host function: its type's host
    // adapter with its `InterpCtx` (see `interp`).
    let types = m.slice::<abi::TypeRec>(h.types);
    for f in h.num_imported_funcs..h.funcs.len {
        let rec = m.func_rec(f);
        if rec.funcref_slot == abi::NO_INDEX {
            continue;
        }
        let type_id = m.type_ids[rec.type_index as usize];
        let funcref = if m.is_interpreted() {
            VMFuncRef {
                // Validated: every interpreted function's type has one.
                code: m.code_ptr(types[rec.type_index as usize].host_adapter) as *const u8,
                vmctx: data.interp_ctx(f).cast(),
                type_id,
                flags: abi::FUNCREF_ARRAY_CALL,
            }
        } else {
            VMFuncRef {
                code: m.code_ptr(rec.code_index) as *const u8,
                vmctx: vmctx.as_ptr(),
                type_id,
                flags: 0,
            }
        };
        data.write(offsets.func_ref(rec.funcref_slot), funcref);
    }

    // Defined memories.
    for rec in &m.slice::<abi::MemoryRec>(h.memories)[h.num_imported_memories as usize..] {
        let mem = LinearMemory::new(
            m.memory_type(rec),
            store.max_memory_pages(),
            !store.limits.no_guard_regions,
        )
        .map_err(InstantiationError::Memory)?;
        store.memories.push(mem);
        data.memories.push(store.memories.len() - 1);
    }
    for (i, idx) in data.memories.iter().enumerate() {
        let def = store.memories[*idx].definition();
        data.write(offsets.memory(i as u32), def);
    }
    if let Some(first) = data.memories.first() {
        data.write(abi::VMCTX_MEMORY0_BASE, store.memories[*first].base());
    }

    // Defined globals, in order (initializers may read earlier ones).
    let global_recs = m.slice::<abi::GlobalRec>(h.globals);
    for (g, rec) in global_recs
        .iter()
        .enumerate()
        .skip(h.num_imported_globals as usize)
    {
        let value = data.eval_const(data.const_expr(rec.init));
        let ptr = data.global_ptr(g as u32);
        // SAFETY: `ptr` is this global's slot inside the vmctx.
        unsafe { (*ptr).bytes = value.0 };
        store.globals.push(GlobalData {
            ty: m.global_type(rec),
            ptr,
            _owned: None,
        });
        data.globals.push(store.globals.len() - 1);
    }

    // Defined tables.
    for rec in &m.slice::<abi::TableRec>(h.tables)[h.num_imported_tables as usize..] {
        let init = if rec.init.len == 0 {
            0
        } else {
            data.eval_const(data.const_expr(rec.init)).u64() as usize
        };
        let table = TableData::new(m.table_type(rec), init, store.max_table_elements())
            .map_err(InstantiationError::Table)?;
        store.tables.push(table);
        data.tables.push(store.tables.len() - 1);
    }
    for (i, idx) in data.tables.iter().enumerate() {
        let def: *const abi::VMTableDefinition = &*store.tables[*idx].def;
        data.write(offsets.table(i as u32), def);
    }

    store.instances.push(data);
    initialize_segments(store, index)?;

    if h.start_func != abi::NO_INDEX {
        let inst = &store.instances[index];
        let funcref = inst.funcref(h.start_func) as *const VMFuncRef;
        let type_id = m.type_ids[m.func_rec(h.start_func).type_index as usize];
        let mut values = [ValRaw::default()];
        // SAFETY: the start function belongs to this instance and takes and
        // returns nothing.
        unsafe { call_wasm(store, funcref, type_id, &mut values) }
            .map_err(InstantiationError::Trap)?;
    }
    Ok(index)
}

/// Applies active element and data segments in order and drops declared
/// ones. As in Wasm 2.0, a segment that does not fit traps, and the
/// segments before it stay written (Wasm 1.0's all-or-nothing check is
/// not kept: the testsuite's wasm-v1 scripts expect the 2.0 behaviour).
fn initialize_segments(store: &mut StoreOpaque, index: usize) -> Result<(), InstantiationError> {
    let module = store.instances[index].module.clone();
    let m = &module.inner;
    let h = m.header();
    let elems = m.slice::<abi::ElemRec>(h.elems);
    let datas = m.slice::<abi::DataRec>(h.datas);
    let tables = m.slice::<abi::TableRec>(h.tables);
    let memories = m.slice::<abi::MemoryRec>(h.memories);

    let elem_offset = |store: &StoreOpaque, e: &abi::ElemRec| {
        let is_64 = tables[e.table as usize].flags & abi::LIMITS_64 != 0;
        store.instances[index].eval_offset(e.offset, is_64)
    };
    let data_offset = |store: &StoreOpaque, d: &abi::DataRec| {
        store.instances[index].eval_offset(d.offset, memories[d.memory as usize].is_64())
    };

    for (i, e) in elems.iter().enumerate() {
        match e.mode {
            abi::SEGMENT_ACTIVE => {
                let dst = elem_offset(store, e);
                table_init(
                    store,
                    index,
                    e.table,
                    i as u32,
                    dst,
                    0,
                    u64::from(e.items.len),
                )
                .map_err(|k| InstantiationError::Trap(Trap::new(k)))?;
                store.instances[index].dropped_elems[i] = true;
            }
            abi::SEGMENT_DECLARED => store.instances[index].dropped_elems[i] = true,
            _ => {}
        }
    }
    for (i, d) in datas.iter().enumerate() {
        if d.mode == abi::SEGMENT_ACTIVE {
            let dst = data_offset(store, d);
            memory_init(
                store,
                index,
                d.memory,
                i as u32,
                dst,
                0,
                u64::from(d.bytes.len),
            )
            .map_err(|k| InstantiationError::Trap(Trap::new(k)))?;
            store.instances[index].dropped_datas[i] = true;
        }
    }
    Ok(())
}
