//! Builds the module descriptor blob (layout in
//! `smelt_runtime::abi::descriptor`). Records are written as `u32` words in
//! the target's byte order; code addresses are left zero and filled by
//! relocations that the object writer attaches.

use crate::CompiledItem;
use crate::interp::InterpFunc;
use crate::module_info::{ElemItems, FuncIndex, ModuleInfo};
use crate::types::{ref_type, val_type};
use smelt_runtime::abi::{self, ConstOp, Rel, WordRecord};

/// A growing descriptor blob.
pub(crate) struct Blob {
    pub(crate) bytes: Vec<u8>,
    big_endian: bool,
}

impl Blob {
    fn new(big_endian: bool) -> Self {
        Blob {
            bytes: Vec::new(),
            big_endian,
        }
    }

    fn align(&mut self, to: usize) {
        let len = self.bytes.len().next_multiple_of(to);
        self.bytes.resize(len, 0);
    }

    fn offset(&self) -> u32 {
        u32::try_from(self.bytes.len()).expect("descriptor larger than 4 GiB")
    }

    fn write_word(&mut self, at: usize, w: u32) {
        let b = if self.big_endian {
            w.to_be_bytes()
        } else {
            w.to_le_bytes()
        };
        self.bytes[at..at + 4].copy_from_slice(&b);
    }

    /// Appends records; returns their byte offset and count.
    pub(crate) fn push<T: WordRecord>(&mut self, items: &[T]) -> Rel {
        self.align(4);
        let offset = self.offset();
        for item in items {
            for w in abi::words(item) {
                let at = self.bytes.len();
                self.bytes.extend_from_slice(&[0; 4]);
                self.write_word(at, *w);
            }
        }
        Rel {
            offset,
            len: items.len() as u32,
        }
    }

    pub(crate) fn push_bytes(&mut self, b: &[u8]) -> Rel {
        let offset = self.offset();
        self.bytes.extend_from_slice(b);
        Rel {
            offset,
            len: b.len() as u32,
        }
    }

    /// Reserves `n` zeroed, 8-aligned `u64` slots.
    fn reserve_u64(&mut self, n: usize) -> Rel {
        self.align(8);
        let offset = self.offset();
        self.bytes.resize(self.bytes.len() + 8 * n, 0);
        Rel {
            offset,
            len: n as u32,
        }
    }

    fn overwrite<T: WordRecord>(&mut self, at: usize, item: &T) {
        for (i, w) in abi::words(item).iter().enumerate() {
            self.write_word(at + 4 * i, *w);
        }
    }
}

/// Pools of initializer expressions.
#[derive(Default)]
struct ConstPool {
    ops: Vec<ConstOp>,
}

impl ConstPool {
    /// Stores an expression; returns its index range in the pool.
    fn add(&mut self, expr: &[ConstOp]) -> Rel {
        let offset = self.ops.len() as u32;
        self.ops.extend_from_slice(expr);
        Rel {
            offset,
            len: expr.len() as u32,
        }
    }
}

fn limits(has_max: bool, shared: bool, is_64: bool) -> u32 {
    let mut f = 0;
    if has_max {
        f |= abi::LIMITS_HAS_MAX;
    }
    if shared {
        f |= abi::LIMITS_SHARED;
    }
    if is_64 {
        f |= abi::LIMITS_64;
    }
    f
}

/// The finished blob and where the code pointers go.
pub(crate) struct Descriptor {
    pub(crate) blob: Vec<u8>,
    /// Byte offset of `code_ptrs[0]`.
    pub(crate) code_ptrs_offset: u32,
}

/// Everything the descriptor needs beyond `ModuleInfo`.
pub(crate) struct DescriptorInput<'a> {
    pub(crate) module_name: &'a str,
    pub(crate) flags: u32,
    pub(crate) big_endian: bool,
    /// Compiled items in code-index order.
    pub(crate) items: &'a [CompiledItem],
    /// `(kind, index)` of each code item.
    pub(crate) item_kinds: &'a [(u32, u32)],
    /// Code index of each type's entry trampoline and host adapter.
    pub(crate) trampolines: &'a [(u32, u32)],
    /// Code index of the throw stub.
    pub(crate) throw_stub: u32,
    /// Interpreted mode: the IR of every defined function, in order, or
    /// none if lazy (the defined functions then have no code items).
    pub(crate) interp: super::Ir<'a>,
}

pub(crate) fn build(info: &ModuleInfo<'_>, input: &DescriptorInput<'_>) -> Descriptor {
    let mut blob = Blob::new(input.big_endian);
    let header_size = std::mem::size_of::<abi::ModuleDescriptor>();
    blob.bytes.resize(header_size, 0);
    let mut d = abi::ModuleDescriptor {
        magic: abi::DESCRIPTOR_MAGIC,
        abi_version: abi::ABI_VERSION,
        flags: input.flags,
        start_func: info.start.unwrap_or(abi::NO_INDEX),
        num_imported_funcs: info.num_imported_funcs,
        num_imported_tables: info.num_imported_tables,
        num_imported_memories: info.num_imported_memories,
        num_imported_globals: info.num_imported_globals,
        num_imported_tags: info.num_imported_tags,
        throw_stub: input.throw_stub,
        num_escaped_funcs: info.escaped.len() as u32,
        vmctx_size: info.vm_offsets().size,
        ..Default::default()
    };
    d.name = blob.push_bytes(input.module_name.as_bytes());

    code_items(&mut blob, &mut d, input);
    type_section(&mut blob, &mut d, info, input.trampolines);
    let interpreted = !matches!(input.interp, super::Ir::Compiled);
    imports_and_funcs(&mut blob, &mut d, info, interpreted);
    // Constant expressions, in the order tables, globals, element and data
    // segments add them.
    let mut pool = ConstPool::default();
    definitions(&mut blob, &mut d, info, &mut pool);
    segments(&mut blob, &mut d, info, &mut pool);
    // A lazy module's names come from its translator.
    if !matches!(input.interp, super::Ir::Lazy) {
        func_names(&mut blob, &mut d, info);
    }
    // Last, so a compiled module's blob is laid out as before the
    // interpreter existed.
    if let super::Ir::Stored(funcs) = input.interp {
        interp_section(&mut blob, &mut d, funcs);
    }

    blob.align(abi::DESCRIPTOR_ALIGN as usize);
    d.size = blob.offset();
    let code_ptrs_offset = d.code_ptrs.offset;
    blob.overwrite(0, &d);
    Descriptor {
        blob: blob.bytes,
        code_ptrs_offset,
    }
}

/// Code items with their trap and call-site records (handler ranges
/// rebased from per-item to descriptor-wide).
fn code_items(blob: &mut Blob, d: &mut abi::ModuleDescriptor, input: &DescriptorInput<'_>) {
    d.code_ptrs = blob.reserve_u64(input.items.len());
    let mut code = Vec::with_capacity(input.items.len());
    let mut traps = Vec::new();
    let mut call_sites = Vec::new();
    let mut handlers = Vec::new();
    for (item, (kind, index)) in input.items.iter().zip(input.item_kinds) {
        code.push(abi::CodeRec {
            code_len: item.bytes.len() as u32,
            kind: *kind,
            index: *index,
            _pad: 0,
            traps: Rel {
                offset: traps.len() as u32,
                len: item.traps.len() as u32,
            },
            call_sites: Rel {
                offset: call_sites.len() as u32,
                len: item.call_sites.len() as u32,
            },
        });
        traps.extend_from_slice(&item.traps);
        // Handler ranges are per item in `CompiledItem`; rebase them.
        let base = handlers.len() as u32;
        call_sites.extend(item.call_sites.iter().map(|c| abi::CallSiteRec {
            handlers: Rel {
                offset: c.handlers.offset + base,
                len: c.handlers.len,
            },
            ..*c
        }));
        handlers.extend_from_slice(&item.handlers);
    }
    d.code = blob.push(&code);
    d.traps = blob.push(&traps);
    d.call_sites = blob.push(&call_sites);
    d.handlers = blob.push(&handlers);
}

/// Type records, their value types, and each function type's trampolines.
fn type_section(
    blob: &mut Blob,
    d: &mut abi::ModuleDescriptor,
    info: &ModuleInfo<'_>,
    trampolines: &[(u32, u32)],
) {
    let mut valtypes = Vec::new();
    let mut types = Vec::with_capacity(info.types.len());
    for ((ty, def), (entry, adapter)) in info.types.iter().zip(&info.type_defs).zip(trampolines) {
        let params = Rel {
            offset: valtypes.len() as u32,
            len: (ty.params.len() + def.fields.len()) as u32,
        };
        valtypes.extend(ty.params.iter().map(|t| val_type(*t)));
        valtypes.extend(def.fields.iter().map(|f| abi::ValType(*f)));
        let results = Rel {
            offset: valtypes.len() as u32,
            len: ty.results.len() as u32,
        };
        valtypes.extend(ty.results.iter().map(|t| val_type(*t)));
        types.push(abi::TypeRec {
            kind: def.kind,
            flags: if def.is_final { abi::TYPE_FINAL } else { 0 },
            supertype: def.supertype.unwrap_or(abi::NO_INDEX),
            rec_group_start: def.rec_group.0,
            rec_group_len: def.rec_group.1,
            params,
            results,
            entry: *entry,
            host_adapter: *adapter,
        });
    }
    d.valtypes = blob.push(&valtypes);
    d.types = blob.push(&types);
}

/// Imports and the function index space. Interpreted defined functions
/// have no code item.
fn imports_and_funcs(
    blob: &mut Blob,
    d: &mut abi::ModuleDescriptor,
    info: &ModuleInfo<'_>,
    interpreted: bool,
) {
    let imports: Vec<abi::ImportRec> = info
        .imports
        .iter()
        .map(|i| abi::ImportRec {
            module: blob.push_bytes(i.module.as_bytes()),
            name: blob.push_bytes(i.name.as_bytes()),
            kind: i.kind,
            index: i.index,
        })
        .collect();
    d.imports = blob.push(&imports);

    // Functions.
    let funcs: Vec<abi::FuncRec> = info
        .funcs
        .iter()
        .enumerate()
        .map(|(i, ty)| {
            let i = i as u32;
            let defined = info.defined_func_index(FuncIndex::from_u32(i));
            let (body_start, body_len) = match defined {
                Some(d) => {
                    let r = info.bodies[d].body.range();
                    (r.start as u32, (r.end - r.start) as u32)
                }
                None => (0, 0),
            };
            abi::FuncRec {
                type_index: *ty,
                // Compiled defined functions are the first code items.
                code_index: match defined {
                    Some(d) if !interpreted => d.as_u32(),
                    _ => abi::NO_INDEX,
                },
                funcref_slot: info.escaped.get(&i).copied().unwrap_or(abi::NO_INDEX),
                _pad: 0,
                body_start,
                body_len,
            }
        })
        .collect();
    d.funcs = blob.push(&funcs);
}

/// Tables, memories, globals, tags and exports.
fn definitions(
    blob: &mut Blob,
    d: &mut abi::ModuleDescriptor,
    info: &ModuleInfo<'_>,
    pool: &mut ConstPool,
) {
    let tables: Vec<abi::TableRec> = info
        .tables
        .iter()
        .map(|t| {
            let (min_lo, min_hi) = abi::split64(t.ty.initial);
            let (max_lo, max_hi) = abi::split64(t.ty.maximum.unwrap_or(0));
            abi::TableRec {
                elem_type: ref_type(t.ty.element_type),
                flags: limits(t.ty.maximum.is_some(), t.ty.shared, t.ty.table64),
                min_lo,
                min_hi,
                max_lo,
                max_hi,
                init: t.init.as_deref().map(|e| pool.add(e)).unwrap_or_default(),
            }
        })
        .collect();
    d.tables = blob.push(&tables);

    let memories: Vec<abi::MemoryRec> = info
        .memories
        .iter()
        .map(|m| {
            let (min_lo, min_hi) = abi::split64(m.initial);
            let (max_lo, max_hi) = abi::split64(m.maximum.unwrap_or(0));
            abi::MemoryRec {
                flags: limits(m.maximum.is_some(), m.shared, m.memory64),
                page_size_log2: m.page_size_log2.unwrap_or(16),
                min_lo,
                min_hi,
                max_lo,
                max_hi,
            }
        })
        .collect();
    d.memories = blob.push(&memories);

    let globals: Vec<abi::GlobalRec> = info
        .globals
        .iter()
        .map(|g| abi::GlobalRec {
            valtype: val_type(g.ty.content_type),
            mutable: u32::from(g.ty.mutable),
            init: g.init.as_deref().map(|e| pool.add(e)).unwrap_or_default(),
        })
        .collect();
    d.globals = blob.push(&globals);

    let tags: Vec<abi::TagRec> = info
        .tags
        .iter()
        .map(|t| abi::TagRec { type_index: *t })
        .collect();
    d.tags = blob.push(&tags);

    let exports: Vec<abi::ExportRec> = info
        .exports
        .iter()
        .map(|(name, kind, index)| abi::ExportRec {
            name: blob.push_bytes(name.as_bytes()),
            kind: *kind,
            index: *index,
        })
        .collect();
    d.exports = blob.push(&exports);
}

/// Element and data segments, and the constant pool they end.
fn segments(
    blob: &mut Blob,
    d: &mut abi::ModuleDescriptor,
    info: &ModuleInfo<'_>,
    pool: &mut ConstPool,
) {
    let mut elem_items: Vec<u32> = Vec::new();
    let elems: Vec<abi::ElemRec> = info
        .elems
        .iter()
        .map(|e| {
            let start = elem_items.len() as u32;
            let (kind, count) = match &e.items {
                ElemItems::Funcs(f) => {
                    elem_items.extend_from_slice(f);
                    (abi::ELEM_ITEMS_FUNCS, f.len())
                }
                ElemItems::Exprs(exprs) => {
                    for expr in exprs {
                        let r = pool.add(expr);
                        elem_items.extend([r.offset, r.len]);
                    }
                    (abi::ELEM_ITEMS_EXPRS, exprs.len())
                }
            };
            abi::ElemRec {
                mode: e.mode,
                table: e.table,
                offset: pool.add(&e.offset),
                elem_type: ref_type(e.elem_type),
                items_kind: kind,
                items: Rel {
                    offset: start,
                    len: count as u32,
                },
            }
        })
        .collect();
    d.elems = blob.push(&elems);

    let datas: Vec<abi::DataRec> = info
        .datas
        .iter()
        .map(|s| abi::DataRec {
            mode: s.mode,
            memory: s.memory,
            offset: pool.add(&s.offset),
            bytes: blob.push_bytes(s.bytes),
        })
        .collect();
    d.datas = blob.push(&datas);
    d.elem_items = blob.push(&elem_items);
    d.const_ops = blob.push(&pool.ops);
}

/// The interpreter IR: one record per defined function, its code, offset
/// table and handlers concatenated in function order (the records hold
/// word offsets into `interp_code` and index ranges into the tables).
fn interp_section(blob: &mut Blob, d: &mut abi::ModuleDescriptor, funcs: &[InterpFunc]) {
    let mut recs = Vec::with_capacity(funcs.len());
    let mut code: Vec<u32> = Vec::new();
    let mut offsets = Vec::new();
    let mut handlers = Vec::new();
    let rel = |offset: usize, len: usize| Rel {
        offset: offset as u32,
        len: len as u32,
    };
    for f in funcs {
        recs.push(abi::interp::InterpFuncRec {
            code: rel(code.len(), f.code.len()),
            offsets: rel(offsets.len(), f.offsets.len()),
            handlers: rel(handlers.len(), f.handlers.len()),
            num_params: f.num_params,
            num_locals: f.num_locals,
            frame_size: f.frame_size,
            num_results: f.num_results,
        });
        code.extend_from_slice(&f.code);
        offsets.extend_from_slice(&f.offsets);
        handlers.extend_from_slice(&f.handlers);
    }
    d.interp_funcs = blob.push(&recs);
    d.interp_code = blob.push(&code);
    d.interp_offsets = blob.push(&offsets);
    d.interp_handlers = blob.push(&handlers);
}

/// The name section's function names.
fn func_names(blob: &mut Blob, d: &mut abi::ModuleDescriptor, info: &ModuleInfo<'_>) {
    let names: Vec<abi::NameRec> = info
        .func_names
        .iter()
        .map(|(f, name)| abi::NameRec {
            func_index: *f,
            name: blob.push_bytes(name.as_bytes()),
        })
        .collect();
    d.func_names = blob.push(&names);
}
