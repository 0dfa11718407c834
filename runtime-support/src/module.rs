//! A compiled module, ready to instantiate: a validated view of its
//! descriptor plus the derived tables the runtime needs (sorted code
//! ranges, absolute trap sites registered for the signal handler).
//!
//! A module comes either from a descriptor linked into the program
//! ([`Module::from_descriptor`]) or from an object file loaded in-process
//! ([`Module::from_object`], feature `loader`).

use crate::abi::{self, ModuleDescriptor, Rel, WordRecord};
use crate::error::LoadError;
use crate::registry::{self, TrapSite};
use crate::types::{self, ExternType, FuncType, GlobalType, Limits, MemoryType, TableType};
use std::sync::Arc;

/// A loaded, compiled module. Cheap to clone.
#[derive(Clone)]
pub struct Module {
    pub(crate) inner: Arc<ModuleInner>,
}

impl std::fmt::Debug for Module {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Module")
            .field("name", &self.name())
            .finish()
    }
}

/// A code item's address range.
#[derive(Copy, Clone, Debug)]
pub(crate) struct CodeRange {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) index: u32,
}

pub(crate) struct ModuleInner {
    desc: *const u8,
    /// Keeps an in-process image (code and descriptor) mapped.
    #[cfg(feature = "loader")]
    _image: Option<crate::loader::Image>,
    /// Code items sorted by address.
    pub(crate) code: Vec<CodeRange>,
    /// Absolute trap sites, sorted; registered with the signal handler.
    traps: Box<[TrapSite]>,
    /// Start of the registered range (for unregistering).
    text_start: usize,
    /// Canonical id of each of the module's types.
    pub(crate) type_ids: Vec<u32>,
    /// The vmctx layout of the module's instances.
    pub(crate) offsets: abi::VMOffsets,
    /// Interpreted modules: each defined function's IR record (stored, or
    /// translated on first call).
    pub(crate) interp: crate::interp::lazy::FuncTable,
}

// SAFETY: the descriptor and code are immutable after loading.
unsafe impl Send for ModuleInner {}
// SAFETY: as above; all accessors are read-only.
unsafe impl Sync for ModuleInner {}

impl Drop for ModuleInner {
    fn drop(&mut self) {
        if !self.traps.is_empty() || self.text_start != 0 {
            registry::unregister(self);
        }
    }
}

impl ModuleInner {
    pub(crate) fn header(&self) -> &ModuleDescriptor {
        // SAFETY: validated in `from_descriptor`; the blob is 16-aligned
        // and at least a header long, and lives as long as `self`.
        unsafe { &*(self.desc as *const ModuleDescriptor) }
    }

    /// An array of records inside the descriptor.
    pub(crate) fn slice<T: WordRecord>(&self, rel: Rel) -> &[T] {
        if rel.len == 0 {
            return &[];
        }
        // SAFETY: every Rel reachable from the header was bounds- and
        // alignment-checked in `validate`.
        unsafe {
            std::slice::from_raw_parts(
                self.desc.add(rel.offset as usize) as *const T,
                rel.len as usize,
            )
        }
    }

    /// Bytes inside the descriptor.
    pub(crate) fn bytes(&self, rel: Rel) -> &[u8] {
        if rel.len == 0 {
            return &[];
        }
        // SAFETY: checked in `validate`.
        unsafe { std::slice::from_raw_parts(self.desc.add(rel.offset as usize), rel.len as usize) }
    }

    /// A UTF-8 string inside the descriptor (names were validated by the
    /// compiler; invalid bytes are shown replaced).
    pub(crate) fn str(&self, rel: Rel) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.bytes(rel))
    }

    /// Address of code item `i`.
    pub(crate) fn code_ptr(&self, i: u32) -> usize {
        let ptrs = self.header().code_ptrs;
        // SAFETY: checked in `validate` (8-aligned, in bounds, i < len).
        unsafe { *(self.desc.add(ptrs.offset as usize + 8 * i as usize) as *const u64) as usize }
    }

    /// Number of params and results of function type `type_index`.
    pub(crate) fn type_arity(&self, type_index: u32) -> (usize, usize) {
        let t = self.slice::<abi::TypeRec>(self.header().types)[type_index as usize];
        (t.params.len as usize, t.results.len as usize)
    }

    /// Whether the defined functions run in the interpreter.
    pub(crate) fn is_interpreted(&self) -> bool {
        self.header().flags & abi::FLAG_INTERPRETED != 0
    }

    /// The IR record of defined function `defined` (interpreted modules).
    #[inline(always)]
    pub(crate) fn interp_func(&self, defined: u32) -> abi::interp::InterpFuncRec {
        self.interp.rec(defined)
    }

    /// The base of the IR words of every interpreted function (records'
    /// `code` ranges are word indices from it).
    #[inline(always)]
    pub(crate) fn interp_code(&self) -> crate::interp::lazy::CodeBase {
        self.interp.code_base()
    }

    /// The instruction-to-wasm-offset table of an interpreted function.
    pub(crate) fn interp_offsets(
        &self,
        f: &abi::interp::InterpFuncRec,
    ) -> &[abi::interp::IpOffset] {
        self.interp.offsets(f)
    }

    /// The exception handlers of an interpreted function.
    pub(crate) fn interp_handlers(
        &self,
        f: &abi::interp::InterpFuncRec,
    ) -> &[abi::interp::InterpHandler] {
        self.interp.handlers(f)
    }

    pub(crate) fn name(&self) -> std::borrow::Cow<'_, str> {
        self.str(self.header().name)
    }

    /// The signature of function type `type_index` (canonical references).
    pub(crate) fn func_type(&self, type_index: u32) -> FuncType {
        types::lookup(self.type_ids[type_index as usize])
    }

    /// A value type in the runtime's encoding: references to the module's
    /// types become references to canonical type ids.
    pub(crate) fn canonical_val(&self, v: abi::ValType) -> abi::ValType {
        match v.concrete_index() {
            Some(i) => abi::ValType::canonical(self.type_ids[i as usize], v.is_nullable()),
            None => v,
        }
    }

    pub(crate) fn func_rec(&self, func: u32) -> abi::FuncRec {
        self.slice::<abi::FuncRec>(self.header().funcs)[func as usize]
    }

    /// Name of function `func` from the name section.
    pub(crate) fn func_name(&self, func: u32) -> Option<String> {
        if let Some(translator) = self.interp.translator() {
            return translator.func_name(func);
        }
        let names = self.slice::<abi::NameRec>(self.header().func_names);
        names
            .binary_search_by_key(&func, |n| n.func_index)
            .ok()
            .map(|i| self.str(names[i].name).into_owned())
    }

    /// The defined function whose body contains wasm offset `offset`
    /// (bodies are stored in module order, so a binary search finds it).
    pub(crate) fn func_containing(&self, offset: u32) -> Option<u32> {
        let funcs = self.slice::<abi::FuncRec>(self.header().funcs);
        let i = funcs.partition_point(|f| f.body_len == 0 || f.body_start <= offset);
        let f = funcs.get(i.checked_sub(1)?)?;
        let end = f.body_start.checked_add(f.body_len)?;
        (f.body_len != 0 && f.body_start <= offset && offset < end).then_some(i as u32 - 1)
    }

    /// The code item containing `pc`, if any.
    pub(crate) fn code_at(&self, pc: usize) -> Option<CodeRange> {
        let i = self.code.partition_point(|c| c.start <= pc);
        let c = *self.code.get(i.checked_sub(1)?)?;
        (pc < c.end).then_some(c)
    }

    pub(crate) fn table_type(&self, t: &abi::TableRec) -> TableType {
        TableType {
            element: self.canonical_val(t.elem_type),
            limits: Limits {
                min: t.min(),
                max: t.max(),
            },
            table64: t.flags & abi::LIMITS_64 != 0,
        }
    }

    pub(crate) fn memory_type(&self, m: &abi::MemoryRec) -> MemoryType {
        MemoryType {
            limits: Limits {
                min: m.min(),
                max: m.max(),
            },
            shared: m.is_shared(),
            memory64: m.is_64(),
            page_size_log2: m.page_size_log2,
        }
    }

    pub(crate) fn global_type(&self, g: &abi::GlobalRec) -> GlobalType {
        GlobalType {
            content: self.canonical_val(g.valtype),
            mutable: g.mutable != 0,
        }
    }

    /// The type of entity `index` of kind `kind`.
    pub(crate) fn extern_type(&self, kind: u32, index: u32) -> ExternType {
        let h = self.header();
        match kind {
            abi::EXTERN_FUNC => ExternType::Func(self.func_type(self.func_rec(index).type_index)),
            abi::EXTERN_TABLE => {
                ExternType::Table(self.table_type(&self.slice(h.tables)[index as usize]))
            }
            abi::EXTERN_MEMORY => {
                ExternType::Memory(self.memory_type(&self.slice(h.memories)[index as usize]))
            }
            abi::EXTERN_GLOBAL => {
                ExternType::Global(self.global_type(&self.slice(h.globals)[index as usize]))
            }
            _ => ExternType::Tag(self.func_type(self.tag_type_index(index))),
        }
    }

    /// How many params and results function `func` has.
    pub(crate) fn func_arity(&self, func: u32) -> (usize, usize) {
        let t = self.slice::<abi::TypeRec>(self.header().types)
            [self.func_rec(func).type_index as usize];
        (t.params.len as usize, t.results.len as usize)
    }

    /// Code index of the import thunk for imported function `func` (only
    /// in objects compiled with the typed C API).
    pub(crate) fn import_thunk(&self, func: u32) -> Option<u32> {
        self.slice::<abi::CodeRec>(self.header().code)
            .iter()
            .position(|c| c.kind == abi::CODE_KIND_IMPORT_THUNK && c.index == func)
            .map(|i| i as u32)
    }

    /// Type index of tag `tag`.
    pub(crate) fn tag_type_index(&self, tag: u32) -> u32 {
        self.slice::<abi::TagRec>(self.header().tags)[tag as usize].type_index
    }

    /// The call-site record whose return address is `pc`, in code item
    /// `range`, with its exception handlers.
    pub(crate) fn call_site(
        &self,
        range: CodeRange,
        pc: usize,
    ) -> Option<(abi::CallSiteRec, &[abi::HandlerRec])> {
        let h = self.header();
        let rec = self.slice::<abi::CodeRec>(h.code)[range.index as usize];
        let sites = self.slice::<abi::CallSiteRec>(h.call_sites);
        let sites = &sites
            [rec.call_sites.offset as usize..(rec.call_sites.offset + rec.call_sites.len) as usize];
        let off = (pc - range.start) as u32;
        let i = sites.binary_search_by_key(&off, |c| c.ret_offset).ok()?;
        let site = sites[i];
        let all = self.slice::<abi::HandlerRec>(h.handlers);
        let handlers = all.get(
            site.handlers.offset as usize..(site.handlers.offset + site.handlers.len) as usize,
        )?;
        Some((site, handlers))
    }
}

/// An import of a module.
#[derive(Clone, Debug)]
pub struct ImportType {
    pub module: String,
    pub name: String,
    pub ty: ExternType,
}

/// An export of a module.
#[derive(Clone, Debug)]
pub struct ExportType {
    pub name: String,
    pub ty: ExternType,
}

impl Module {
    /// Wraps a module descriptor that is part of this program (an object
    /// from `smelt compile` linked in, referenced by its
    /// `smelt_mod_<name>_descriptor` symbol).
    ///
    /// # Safety
    ///
    /// `desc` must point to a descriptor emitted by a compatible smelt
    /// compiler for this target, with its code, alive for the rest of the
    /// program.
    pub unsafe fn from_descriptor(desc: *const u8) -> Result<Module, LoadError> {
        // One module per descriptor while any handle to it is alive: every
        // C instance of a module, and every call of a Rust host, shares
        // the validated view and the code registration.
        static LINKED: std::sync::Mutex<Vec<(usize, std::sync::Weak<ModuleInner>)>> =
            std::sync::Mutex::new(Vec::new());
        let mut linked = LINKED.lock().unwrap_or_else(|e| e.into_inner());
        linked.retain(|(_, w)| w.strong_count() > 0);
        if let Some(inner) = linked
            .iter()
            .find(|(d, _)| *d == desc as usize)
            .and_then(|(_, w)| w.upgrade())
        {
            return Ok(Module { inner });
        }
        // SAFETY: forwarded contract.
        let module = unsafe { Self::from_parts(desc, None, None) }?;
        linked.push((desc as usize, Arc::downgrade(&module.inner)));
        Ok(module)
    }

    /// Loads an object file written by `smelt compile` into this process
    /// (no linker involved) and returns its module.
    #[cfg(feature = "loader")]
    pub fn from_object(object: &[u8]) -> Result<Module, LoadError> {
        let image = crate::loader::Image::load(object)?;
        let desc = image.descriptor();
        // SAFETY: the image maps the object's code and descriptor and is
        // kept alive by the module.
        unsafe { Self::from_parts(desc, Some(image), None) }
    }

    /// Loads an object that `smelt_compiler::compile_lazy` wrote for lazy
    /// interpretation (its descriptor has no IR): `translator` makes each
    /// function's IR on its first call (see `abi::interp::LazyTranslator`).
    #[cfg(feature = "loader")]
    pub fn from_object_lazy(
        object: &[u8],
        translator: Arc<dyn abi::interp::LazyTranslator>,
    ) -> Result<Module, LoadError> {
        let image = crate::loader::Image::load(object)?;
        let desc = image.descriptor();
        // SAFETY: as in `from_object`.
        unsafe { Self::from_parts(desc, Some(image), Some(translator)) }
    }

    /// # Safety
    ///
    /// As for `from_descriptor`; `image` (if any) owns the memory.
    unsafe fn from_parts(
        desc: *const u8,
        #[cfg(feature = "loader")] image: Option<crate::loader::Image>,
        #[cfg(not(feature = "loader"))] image: Option<()>,
        translator: Option<Arc<dyn abi::interp::LazyTranslator>>,
    ) -> Result<Module, LoadError> {
        if desc.is_null() || !(desc as usize).is_multiple_of(abi::DESCRIPTOR_ALIGN as usize) {
            return Err(LoadError::MisalignedDescriptor);
        }
        // SAFETY: the caller promises a descriptor; we read the header
        // first and check its size before anything else.
        let header = unsafe { &*(desc as *const ModuleDescriptor) };
        if header.magic != abi::DESCRIPTOR_MAGIC {
            return Err(LoadError::BadMagic);
        }
        if header.abi_version != abi::ABI_VERSION {
            return Err(LoadError::AbiVersion {
                module: header.abi_version,
                runtime: abi::ABI_VERSION,
            });
        }
        #[cfg(not(feature = "loader"))]
        let _ = image;
        let mut inner = ModuleInner {
            desc,
            #[cfg(feature = "loader")]
            _image: image,
            code: Vec::new(),
            traps: Box::new([]),
            text_start: 0,
            type_ids: Vec::new(),
            offsets: abi::VMOffsets::new(abi::VMCounts::default()),
            interp: crate::interp::lazy::FuncTable::empty(),
        };
        validate(&inner)?;
        let h = *inner.header();
        inner.interp = interp_table(&inner, translator)?;

        // Code ranges and absolute trap sites.
        let code_recs = inner.slice::<abi::CodeRec>(h.code);
        let all_traps = inner.slice::<abi::TrapRec>(h.traps);
        let mut code = Vec::with_capacity(code_recs.len());
        let mut traps = Vec::with_capacity(all_traps.len());
        for (i, c) in code_recs.iter().enumerate() {
            let start = inner.code_ptr(i as u32);
            code.push(CodeRange {
                start,
                end: start + c.code_len as usize,
                index: i as u32,
            });
            let range = c.traps.offset as usize..(c.traps.offset + c.traps.len) as usize;
            for t in &all_traps[range] {
                traps.push(TrapSite {
                    pc: start + t.offset as usize,
                    kind: t.kind as u8,
                });
            }
        }
        code.sort_by_key(|c| c.start);
        traps.sort();
        inner.code = code;
        inner.traps = traps.into_boxed_slice();
        let vals = inner.slice::<abi::ValType>(h.valtypes);
        let range = |r: Rel| &vals[r.offset as usize..(r.offset + r.len) as usize];
        let defs: Vec<types::TypeDefView<'_>> = inner
            .slice::<abi::TypeRec>(h.types)
            .iter()
            .map(|t| types::TypeDefView {
                kind: t.kind,
                is_final: t.flags & abi::TYPE_FINAL != 0,
                supertype: (t.supertype != abi::NO_INDEX).then_some(t.supertype),
                rec_group: (t.rec_group_start, t.rec_group_len),
                params: range(t.params),
                results: range(t.results),
            })
            .collect();
        let type_ids = types::canonicalize(&defs);
        inner.type_ids = type_ids;
        inner.offsets = abi::VMOffsets::new(abi::VMCounts {
            num_types: h.types.len,
            num_imported_funcs: h.num_imported_funcs,
            num_memories: h.memories.len,
            num_tables: h.tables.len,
            num_imported_globals: h.num_imported_globals,
            num_defined_globals: h.globals.len - h.num_imported_globals,
            num_escaped_funcs: h.num_escaped_funcs,
            num_tags: h.tags.len,
        });
        let range = match (inner.code.first(), inner.code.last()) {
            (Some(first), Some(last)) => Some((first.start, last.end)),
            _ => None,
        };
        if let Some((start, _)) = range {
            inner.text_start = start;
        }
        let inner = Arc::new(inner);
        if let Some((start, end)) = range {
            // Registered at its final address, so the unwinder can find
            // the module from a pc.
            registry::register(start, end, &inner.traps, Arc::as_ptr(&inner));
        }
        Ok(Module { inner })
    }

    /// The module's name (given at compile time).
    pub fn name(&self) -> String {
        self.inner.name().into_owned()
    }

    /// Whether the module was compiled with interruption checks
    /// (`--interruptible`), so its calls can be timed out or interrupted.
    pub fn interruptible(&self) -> bool {
        self.inner.header().flags & abi::FLAG_INTERRUPTIBLE != 0
    }

    /// For a module loaded with [`Module::from_object_lazy`]: how many of
    /// its defined functions have been translated so far (each is on its
    /// first call). `None` for every other module.
    pub fn lazily_translated_funcs(&self) -> Option<usize> {
        self.inner.interp.translated()
    }

    /// Whether the module was compiled with fuel metering (`--fuel`,
    /// `--fuel-metering`), so a store with fuel can run it.
    pub fn fuel_metered(&self) -> bool {
        self.inner.header().flags & abi::FLAG_FUEL != 0
    }

    /// The module's imports, in order.
    pub fn imports(&self) -> Vec<ImportType> {
        let m = &self.inner;
        m.slice::<abi::ImportRec>(m.header().imports)
            .iter()
            .map(|i| ImportType {
                module: m.str(i.module).into_owned(),
                name: m.str(i.name).into_owned(),
                ty: m.extern_type(i.kind, i.index),
            })
            .collect()
    }

    /// The module's exports, in order.
    pub fn exports(&self) -> Vec<ExportType> {
        let m = &self.inner;
        m.slice::<abi::ExportRec>(m.header().exports)
            .iter()
            .map(|e| ExportType {
                name: m.str(e.name).into_owned(),
                ty: m.extern_type(e.kind, e.index),
            })
            .collect()
    }

    pub(crate) fn ptr_eq(a: &Module, b: &Module) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }
}

/// Checks every array the runtime may read: in bounds, aligned, and every
/// index range inside the array it indexes.
fn validate(m: &ModuleInner) -> Result<(), LoadError> {
    let h = m.header();
    let size = h.size as usize;
    if size < std::mem::size_of::<ModuleDescriptor>() {
        return Err(LoadError::Truncated);
    }
    let check =
        |rel: Rel, elem: usize, align: usize, field: &'static str| -> Result<(), LoadError> {
            let end = (rel.offset as usize)
                .checked_add(rel.len as usize * elem)
                .ok_or(LoadError::FieldOverflow { field })?;
            if end > size || (rel.len > 0 && !(rel.offset as usize).is_multiple_of(align)) {
                return Err(LoadError::FieldOutOfBounds { field });
            }
            Ok(())
        };
    let range = |r: Rel, len: u32, range: &'static str| -> Result<(), LoadError> {
        match r.offset.checked_add(r.len) {
            Some(end) if end <= len => Ok(()),
            _ => Err(LoadError::RangeOutOfBounds { range }),
        }
    };
    check(h.name, 1, 1, "name")?;
    check(h.code_ptrs, 8, 8, "code_ptrs")?;
    for (rel, what) in [
        (h.code, "code"),
        (h.traps, "traps"),
        (h.call_sites, "call_sites"),
        (h.handlers, "handlers"),
        (h.tags, "tags"),
        (h.valtypes, "valtypes"),
        (h.types, "types"),
        (h.imports, "imports"),
        (h.funcs, "funcs"),
        (h.tables, "tables"),
        (h.memories, "memories"),
        (h.globals, "globals"),
        (h.exports, "exports"),
        (h.elems, "elems"),
        (h.datas, "datas"),
        (h.const_ops, "const_ops"),
        (h.elem_items, "elem_items"),
        (h.func_names, "func_names"),
    ] {
        let elem = match what {
            "code" => std::mem::size_of::<abi::CodeRec>(),
            "traps" => std::mem::size_of::<abi::TrapRec>(),
            "call_sites" => std::mem::size_of::<abi::CallSiteRec>(),
            "handlers" => std::mem::size_of::<abi::HandlerRec>(),
            "valtypes" | "elem_items" | "tags" => 4,
            "types" => std::mem::size_of::<abi::TypeRec>(),
            "imports" => std::mem::size_of::<abi::ImportRec>(),
            "funcs" => std::mem::size_of::<abi::FuncRec>(),
            "tables" => std::mem::size_of::<abi::TableRec>(),
            "memories" => std::mem::size_of::<abi::MemoryRec>(),
            "globals" => std::mem::size_of::<abi::GlobalRec>(),
            "exports" => std::mem::size_of::<abi::ExportRec>(),
            "elems" => std::mem::size_of::<abi::ElemRec>(),
            "datas" => std::mem::size_of::<abi::DataRec>(),
            "const_ops" => std::mem::size_of::<abi::ConstOp>(),
            _ => std::mem::size_of::<abi::NameRec>(),
        };
        check(rel, elem, 4, what)?;
    }
    if h.code.len != h.code_ptrs.len {
        return Err(LoadError::Inconsistent("descriptor code tables disagree"));
    }
    let n_code = h.code.len;
    for c in m.slice::<abi::CodeRec>(h.code) {
        range(c.traps, h.traps.len, "code traps")?;
        range(c.call_sites, h.call_sites.len, "code call sites")?;
    }
    for c in m.slice::<abi::CallSiteRec>(h.call_sites) {
        range(c.handlers, h.handlers.len, "call site handlers")?;
    }
    for t in m.slice::<abi::TagRec>(h.tags) {
        if t.type_index >= h.types.len {
            return Err(LoadError::Inconsistent("descriptor tag type out of range"));
        }
    }
    if h.num_imported_tags > h.tags.len || h.throw_stub >= h.code.len {
        return Err(LoadError::Inconsistent("descriptor tag counts disagree"));
    }
    let n_types = h.types.len;
    let valtypes = m.slice::<abi::ValType>(h.valtypes);
    for (i, t) in m.slice::<abi::TypeRec>(h.types).iter().enumerate() {
        let i = i as u32;
        range(t.params, h.valtypes.len, "type params")?;
        range(t.results, h.valtypes.len, "type results")?;
        // Recursion groups: contiguous, containing the type, referring only
        // to earlier types or members, as validation guarantees.
        let group_end = t.rec_group_start.checked_add(t.rec_group_len);
        if t.rec_group_start > i || group_end.is_none_or(|end| end <= i || end > n_types) {
            return Err(LoadError::Inconsistent(
                "descriptor recursion group out of bounds",
            ));
        }
        let first = m.slice::<abi::TypeRec>(h.types)[t.rec_group_start as usize];
        if (first.rec_group_start, first.rec_group_len) != (t.rec_group_start, t.rec_group_len) {
            return Err(LoadError::Inconsistent(
                "descriptor recursion groups overlap",
            ));
        }
        let limit = group_end.unwrap_or(0);
        let refs_ok = valtypes[t.params.offset as usize..(t.params.offset + t.params.len) as usize]
            .iter()
            .chain(
                &valtypes[t.results.offset as usize..(t.results.offset + t.results.len) as usize],
            )
            .all(|v| {
                abi::ValType(v.0 & !abi::FIELD_MUTABLE)
                    .concrete_index()
                    .is_none_or(|c| c < limit)
            });
        if !refs_ok || (t.supertype != abi::NO_INDEX && t.supertype >= limit) {
            return Err(LoadError::Inconsistent(
                "descriptor type refers to an unknown type",
            ));
        }
        for idx in [t.entry, t.host_adapter] {
            if idx != abi::NO_INDEX && idx >= n_code {
                return Err(LoadError::Inconsistent(
                    "descriptor trampoline index out of bounds",
                ));
            }
        }
    }
    for i in m.slice::<abi::ImportRec>(h.imports) {
        check(i.module, 1, 1, "import module")?;
        check(i.name, 1, 1, "import name")?;
    }
    for f in m.slice::<abi::FuncRec>(h.funcs) {
        if f.type_index >= n_types
            || (f.code_index != abi::NO_INDEX && f.code_index >= n_code)
            || (f.funcref_slot != abi::NO_INDEX && f.funcref_slot >= h.num_escaped_funcs)
        {
            return Err(LoadError::Inconsistent(
                "descriptor function record out of bounds",
            ));
        }
    }
    let n_ops = h.const_ops.len;
    for t in m.slice::<abi::TableRec>(h.tables) {
        range(t.init, n_ops, "table init")?;
    }
    for g in m.slice::<abi::GlobalRec>(h.globals) {
        range(g.init, n_ops, "global init")?;
    }
    for e in m.slice::<abi::ExportRec>(h.exports) {
        check(e.name, 1, 1, "export name")?;
    }
    let n_items = h.elem_items.len;
    for e in m.slice::<abi::ElemRec>(h.elems) {
        range(e.offset, n_ops, "element offset")?;
        let per_item = if e.items_kind == abi::ELEM_ITEMS_EXPRS {
            2
        } else {
            1
        };
        let items = Rel {
            offset: e.items.offset,
            len: e
                .items
                .len
                .checked_mul(per_item)
                .ok_or(LoadError::Inconsistent("element items overflow"))?,
        };
        range(items, n_items, "element items")?;
        if e.items_kind == abi::ELEM_ITEMS_EXPRS {
            let pool = m.slice::<u32>(h.elem_items);
            for pair in pool[items.offset as usize..(items.offset + items.len) as usize].chunks(2) {
                range(
                    Rel {
                        offset: pair[0],
                        len: pair[1],
                    },
                    n_ops,
                    "element expression",
                )?;
            }
        }
    }
    for d in m.slice::<abi::DataRec>(h.datas) {
        range(d.offset, n_ops, "data offset")?;
        check(d.bytes, 1, 1, "data bytes")?;
    }
    for n in m.slice::<abi::NameRec>(h.func_names) {
        check(n.name, 1, 1, "function name")?;
    }
    let counts = [
        (h.num_imported_funcs, h.funcs.len),
        (h.num_imported_tables, h.tables.len),
        (h.num_imported_memories, h.memories.len),
        (h.num_imported_globals, h.globals.len),
    ];
    if counts.iter().any(|(imported, total)| imported > total) {
        return Err(LoadError::Inconsistent(
            "descriptor import counts are inconsistent",
        ));
    }
    if h.start_func != abi::NO_INDEX && h.start_func >= h.funcs.len {
        return Err(LoadError::Inconsistent(
            "descriptor start function out of bounds",
        ));
    }
    validate_interp(m)
}

/// The interpreted functions' table of a validated module: its stored
/// IR, or placeholders that `translator` replaces on first call.
fn interp_table(
    m: &ModuleInner,
    translator: Option<Arc<dyn abi::interp::LazyTranslator>>,
) -> Result<crate::interp::lazy::FuncTable, LoadError> {
    use crate::interp::lazy::FuncTable;
    let h = m.header();
    let lazy = h.flags & abi::FLAG_INTERP_LAZY != 0;
    match (lazy, translator) {
        (true, Some(translator)) => {
            let shapes: Vec<(u32, u32)> = m
                .slice::<abi::TypeRec>(h.types)
                .iter()
                .map(|t| (t.params.len, t.results.len))
                .collect();
            let funcs = &m.slice::<abi::FuncRec>(h.funcs)[h.num_imported_funcs as usize..];
            let body_bytes = funcs.iter().map(|f| f.body_len as usize).sum();
            FuncTable::lazy(
                translator,
                &shapes,
                funcs.iter().map(|f| f.type_index),
                body_bytes,
            )
            .map_err(|e| LoadError::Mapping {
                call: "mmap",
                message: e.to_string(),
            })
        }
        (true, None) => Err(LoadError::Inconsistent(
            "a lazily interpreted module needs its translator (Module::from_object_lazy)",
        )),
        (false, Some(_)) => Err(LoadError::Inconsistent(
            "a translator was given for a module that is not lazily interpreted",
        )),
        (false, None) if h.interp_funcs.len == 0 => Ok(FuncTable::empty()),
        // SAFETY: the arrays were checked by `validate_interp` and live in
        // the descriptor, which outlives the module's table.
        (false, None) => Ok(unsafe {
            FuncTable::stored(
                m.slice(h.interp_funcs),
                m.slice(h.interp_code),
                m.slice(h.interp_offsets),
                m.slice(h.interp_handlers),
            )
        }),
    }
}

/// Checks the interpreter IR (`interp_*`): the arrays in bounds, one
/// record per defined function, each record's ranges inside their arrays,
/// its frame shape consistent with its type, and its side tables pointing
/// into its code (the offset table sorted, as lookups binary-search it).
/// The instructions themselves (operands, branch targets) are trusted as
/// the compiler wrote them, like machine code. A lazily interpreted
/// module has no IR yet: each function is checked as it is translated
/// ([`check_interp_func`]).
fn validate_interp(m: &ModuleInner) -> Result<(), LoadError> {
    use abi::interp::{InterpFuncRec, InterpHandler, IpOffset};
    let h = m.header();
    let size = h.size as usize;
    for (rel, elem, field) in [
        (
            h.interp_funcs,
            std::mem::size_of::<InterpFuncRec>(),
            "interp_funcs",
        ),
        (h.interp_code, 4, "interp_code"),
        (
            h.interp_offsets,
            std::mem::size_of::<IpOffset>(),
            "interp_offsets",
        ),
        (
            h.interp_handlers,
            std::mem::size_of::<InterpHandler>(),
            "interp_handlers",
        ),
    ] {
        let end = (rel.offset as usize)
            .checked_add(rel.len as usize * elem)
            .ok_or(LoadError::FieldOverflow { field })?;
        if end > size || (rel.len > 0 && !(rel.offset as usize).is_multiple_of(4)) {
            return Err(LoadError::FieldOutOfBounds { field });
        }
    }
    let interpreted = h.flags & abi::FLAG_INTERPRETED != 0;
    let defined = h.funcs.len - h.num_imported_funcs;
    if h.flags & abi::FLAG_INTERP_LAZY != 0 {
        if !interpreted
            || h.interp_funcs.len != 0
            || h.interp_code.len != 0
            || h.interp_offsets.len != 0
            || h.interp_handlers.len != 0
        {
            return Err(LoadError::Inconsistent(
                "a lazily interpreted descriptor must be interpreted and carry no IR",
            ));
        }
        let types = m.slice::<abi::TypeRec>(h.types);
        for i in 0..defined {
            let func = h.num_imported_funcs + i;
            // In bounds: checked in `validate`.
            let ty = types[m.func_rec(func).type_index as usize];
            if ty.kind != abi::TYPE_KIND_FUNC || ty.host_adapter == abi::NO_INDEX {
                return Err(LoadError::BadInterpFunc {
                    func,
                    reason: "its type is no function type with a host adapter",
                });
            }
        }
        return Ok(());
    }
    if !interpreted && h.interp_funcs.len == 0 {
        return Ok(());
    }
    if h.interp_funcs.len != defined {
        return Err(LoadError::InterpFuncCount {
            records: h.interp_funcs.len,
            defined,
        });
    }
    let recs = m.slice::<InterpFuncRec>(h.interp_funcs);
    let all_code = m.slice::<u32>(h.interp_code);
    let all_offsets = m.slice::<IpOffset>(h.interp_offsets);
    let all_handlers = m.slice::<InterpHandler>(h.interp_handlers);
    let inside = |r: Rel, len: u32| r.offset.checked_add(r.len).is_some_and(|end| end <= len);
    let part = |r: Rel| r.offset as usize..(r.offset + r.len) as usize;
    for (i, f) in recs.iter().enumerate() {
        let func = h.num_imported_funcs + i as u32;
        let bad = |reason| Err(LoadError::BadInterpFunc { func, reason });
        if !inside(f.code, h.interp_code.len) {
            return bad("its code range is out of bounds");
        }
        if !inside(f.offsets, h.interp_offsets.len) {
            return bad("its offset table is out of bounds");
        }
        if !inside(f.handlers, h.interp_handlers.len) {
            return bad("its handler table is out of bounds");
        }
        let code = &all_code[part(f.code)];
        let offsets = &all_offsets[part(f.offsets)];
        let handlers = &all_handlers[part(f.handlers)];
        if let Err(reason) = check_interp_func(m, func, f, code, offsets, handlers) {
            return bad(reason);
        }
    }
    Ok(())
}

/// Checks one interpreted function (`func`, module index space) whose
/// record `f` describes `code`, `offsets` and `handlers` (its ranges'
/// lengths are theirs): what [`validate_interp`] checks of every stored
/// function, and lazy translation of each translated one.
pub(crate) fn check_interp_func(
    m: &ModuleInner,
    func: u32,
    f: &abi::interp::InterpFuncRec,
    code: &[u32],
    offsets: &[abi::interp::IpOffset],
    handlers: &[abi::interp::InterpHandler],
) -> Result<(), &'static str> {
    use abi::interp::{InterpHandler, MAX_FRAME_SLOTS};
    let h = m.header();
    let types = m.slice::<abi::TypeRec>(h.types);
    if code.is_empty() {
        return Err("it has no code");
    }
    if f.frame_size > MAX_FRAME_SLOTS {
        return Err("its frame has more than 65535 slots");
    }
    if !(f.num_params <= f.num_locals && f.num_locals <= f.frame_size) {
        return Err("it has more params than locals or more locals than frame slots");
    }
    // In bounds: checked in `validate`.
    let ty = types[m.func_rec(func).type_index as usize];
    if ty.kind != abi::TYPE_KIND_FUNC
        || f.num_params != ty.params.len
        || f.num_results != ty.results.len
    {
        return Err("its params or results disagree with its type");
    }
    // Its `VMFuncRef` calls through the host adapter of its type.
    if h.flags & abi::FLAG_INTERPRETED != 0 && ty.host_adapter == abi::NO_INDEX {
        return Err("its type has no host adapter");
    }
    let len = code.len() as u32;
    if offsets.iter().any(|o| o.ip >= len) || offsets.windows(2).any(|w| w[0].ip > w[1].ip) {
        return Err("its offset table is unsorted or points past its code");
    }
    let handler_ok = |x: &InterpHandler| {
        x.start <= x.end
            && x.end <= len
            && (x.exn == abi::interp::NO_SLOT || x.exn < f.frame_size)
            && match x.kind {
                abi::interp::IHANDLER_CATCH => {
                    x.tag < h.tags.len && x.target < len && x.dst <= f.frame_size
                }
                abi::interp::IHANDLER_CATCH_ALL => x.target < len,
                abi::interp::IHANDLER_DELEGATE => true,
                _ => false,
            }
    };
    if !handlers.iter().all(handler_ok) {
        return Err("a handler has an unknown kind or tag, or points past its code");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! Descriptor validation of interpreter IR, on descriptors built by
    //! hand (no compiler involved).

    use super::*;
    use abi::interp::{InterpFuncRec, InterpHandler, IpOffset, Op};

    /// A descriptor blob in native byte order, 16-aligned.
    struct Blob {
        bytes: Vec<u8>,
    }

    impl Blob {
        fn push<T: WordRecord>(&mut self, items: &[T], align: usize) -> Rel {
            let offset = self.bytes.len().next_multiple_of(align);
            self.bytes.resize(offset, 0);
            for item in items {
                for w in abi::words(item) {
                    self.bytes.extend_from_slice(&w.to_ne_bytes());
                }
            }
            Rel {
                offset: offset as u32,
                len: items.len() as u32,
            }
        }
    }

    /// Corrupts a descriptor being built.
    type Edit = fn(&mut ModuleDescriptor, &mut InterpFuncRec, &mut InterpHandler);

    /// An interpreted module of one defined function `() -> ()` whose IR
    /// is `return`, with one offset and one handler; `edit` may corrupt
    /// the header (`interp_funcs.len` is the only count it may change)
    /// or the function's record and handler before they are written.
    fn interpreted_module(
        edit: impl FnOnce(&mut ModuleDescriptor, &mut InterpFuncRec, &mut InterpHandler),
    ) -> Result<(), LoadError> {
        let header = std::mem::size_of::<ModuleDescriptor>();
        let mut blob = Blob {
            bytes: vec![0; header],
        };
        let mut d = ModuleDescriptor {
            magic: abi::DESCRIPTOR_MAGIC,
            abi_version: abi::ABI_VERSION,
            flags: abi::FLAG_INTERPRETED,
            start_func: abi::NO_INDEX,
            ..Default::default()
        };
        // One code item (the type's trampolines and the throw stub).
        d.code_ptrs = blob.push(&[0u32, 0], 8);
        d.code_ptrs.len = 1;
        d.code = blob.push(&[abi::CodeRec::default()], 4);
        d.types = blob.push(
            &[abi::TypeRec {
                kind: abi::TYPE_KIND_FUNC,
                supertype: abi::NO_INDEX,
                rec_group_len: 1,
                ..Default::default()
            }],
            4,
        );
        d.funcs = blob.push(
            &[abi::FuncRec {
                type_index: 0,
                code_index: abi::NO_INDEX,
                funcref_slot: abi::NO_INDEX,
                ..Default::default()
            }],
            4,
        );
        let mut rec = InterpFuncRec {
            code: Rel { offset: 0, len: 1 },
            offsets: Rel { offset: 0, len: 1 },
            handlers: Rel { offset: 0, len: 1 },
            ..Default::default()
        };
        let mut handler = InterpHandler {
            kind: abi::interp::IHANDLER_CATCH_ALL,
            end: 1,
            exn: abi::interp::NO_SLOT,
            ..Default::default()
        };
        d.interp_code = blob.push(&[Op::Return as u32], 4);
        d.interp_offsets = blob.push(&[IpOffset::default()], 4);
        d.interp_funcs.len = 1;
        edit(&mut d, &mut rec, &mut handler);
        d.interp_funcs = Rel {
            len: d.interp_funcs.len,
            ..blob.push(&[rec], 4)
        };
        d.interp_handlers = blob.push(&[handler], 4);
        d.size = blob.bytes.len().next_multiple_of(16) as u32;
        blob.bytes.resize(d.size as usize, 0);
        blob.bytes[..header].copy_from_slice(
            &abi::words(&d)
                .iter()
                .flat_map(|w| w.to_ne_bytes())
                .collect::<Vec<u8>>(),
        );
        // 16-aligned storage for the blob.
        let mut storage = vec![0u128; blob.bytes.len() / 16];
        // SAFETY: `storage` has exactly `blob.bytes.len()` bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(
                blob.bytes.as_ptr(),
                storage.as_mut_ptr().cast::<u8>(),
                blob.bytes.len(),
            )
        };
        let inner = ModuleInner {
            desc: storage.as_ptr().cast(),
            #[cfg(feature = "loader")]
            _image: None,
            code: Vec::new(),
            traps: Box::new([]),
            text_start: 0,
            type_ids: Vec::new(),
            offsets: abi::VMOffsets::new(abi::VMCounts::default()),
            interp: crate::interp::lazy::FuncTable::empty(),
        };
        validate(&inner)
    }

    #[test]
    fn a_well_formed_interpreted_module_validates() {
        assert_eq!(interpreted_module(|_, _, _| {}), Ok(()));
    }

    #[test]
    fn corrupt_interp_records_are_rejected() {
        let bad = |reason| Err(LoadError::BadInterpFunc { func: 0, reason });
        let cases: [(&str, Edit, _); 9] = [
            (
                "no record",
                |d, _, _| d.interp_funcs.len = 0,
                Err(LoadError::InterpFuncCount {
                    records: 0,
                    defined: 1,
                }),
            ),
            (
                "code past the array",
                |_, f, _| {
                    f.code.len = 2;
                },
                bad("its code range is out of bounds"),
            ),
            (
                "no code",
                |_, f, _| {
                    f.code.len = 0;
                    f.offsets.len = 0;
                    f.handlers.len = 0;
                },
                bad("it has no code"),
            ),
            (
                "handlers past the array",
                |_, f, _| {
                    f.handlers = Rel {
                        offset: u32::MAX,
                        len: 1,
                    };
                },
                bad("its handler table is out of bounds"),
            ),
            (
                "frame too large",
                |_, f, _| {
                    f.frame_size = abi::interp::MAX_FRAME_SLOTS + 1;
                },
                bad("its frame has more than 65535 slots"),
            ),
            (
                "more locals than slots",
                |_, f, _| {
                    f.num_locals = 1;
                },
                bad("it has more params than locals or more locals than frame slots"),
            ),
            (
                "a result the type does not have",
                |_, f, _| {
                    f.num_results = 1;
                },
                bad("its params or results disagree with its type"),
            ),
            (
                "a handler past the code",
                |_, _, h| {
                    h.target = 1;
                },
                bad("a handler has an unknown kind or tag, or points past its code"),
            ),
            (
                "a misaligned array",
                |d, _, _| d.interp_code.offset += 1,
                Err(LoadError::FieldOutOfBounds {
                    field: "interp_code",
                }),
            ),
        ];
        for (what, edit, expected) in cases {
            assert_eq!(interpreted_module(edit), expected, "{what}");
        }
    }
}
