//! One pass over a module's sections: validate each payload with
//! wasmparser and collect what the translator and the descriptor need into
//! [`ModuleInfo`]. Function bodies are kept as byte ranges (with their
//! pending validators) to be validated and translated in parallel later.

use crate::const_expr;
use crate::error::{Result, unsupported};
use smelt_runtime::abi::{self, ConstOp};
use std::collections::{BTreeMap, BTreeSet};
use wasmparser::{
    ElementItems, ElementKind, ExternalKind, FuncToValidate, FunctionBody, KnownCustom, Name,
    Parser, Payload, RefType, TypeRef, ValType, ValidPayload, Validator, ValidatorResources,
    WasmFeatures,
};

/// A function signature.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct FuncType {
    pub(crate) params: Vec<ValType>,
    pub(crate) results: Vec<ValType>,
}

/// The structure of a type definition, for run-time canonicalization of
/// recursion groups (Wasm 3.0's type equivalence).
#[derive(Clone, Debug, Default)]
pub(crate) struct TypeDef {
    /// `abi::TYPE_KIND_*`.
    pub(crate) kind: u32,
    /// Struct fields or the array element: storage type code plus the
    /// `abi::FIELD_MUTABLE` bit.
    pub(crate) fields: Vec<u32>,
    pub(crate) supertype: Option<u32>,
    pub(crate) is_final: bool,
    /// First type index and size of its recursion group.
    pub(crate) rec_group: (u32, u32),
}

/// Where an import goes in its index space.
#[derive(Clone, Debug)]
pub(crate) struct Import<'a> {
    pub(crate) module: &'a str,
    pub(crate) name: &'a str,
    pub(crate) kind: u32,
    pub(crate) index: u32,
}

#[derive(Clone, Debug)]
pub(crate) struct Table {
    pub(crate) ty: wasmparser::TableType,
    /// Initial element for defined tables with an explicit initializer.
    pub(crate) init: Option<Vec<ConstOp>>,
}

#[derive(Clone, Debug)]
pub(crate) struct Global {
    pub(crate) ty: wasmparser::GlobalType,
    /// Initializer for defined globals.
    pub(crate) init: Option<Vec<ConstOp>>,
}

#[derive(Clone, Debug)]
pub(crate) enum ElemItems {
    Funcs(Vec<u32>),
    Exprs(Vec<Vec<ConstOp>>),
}

#[derive(Clone, Debug)]
pub(crate) struct Elem {
    pub(crate) mode: u32,
    pub(crate) table: u32,
    pub(crate) offset: Vec<ConstOp>,
    pub(crate) elem_type: RefType,
    pub(crate) items: ElemItems,
}

#[derive(Clone, Debug)]
pub(crate) struct Data<'a> {
    pub(crate) mode: u32,
    pub(crate) memory: u32,
    pub(crate) offset: Vec<ConstOp>,
    pub(crate) bytes: &'a [u8],
}

/// A defined function's body, not yet validated.
pub(crate) struct Body<'a> {
    pub(crate) validator: FuncToValidate<ValidatorResources>,
    pub(crate) body: FunctionBody<'a>,
}

/// Everything about a module except function bodies' contents.
#[derive(Default)]
pub(crate) struct ModuleInfo<'a> {
    /// Function signatures by type index (empty for struct/array types).
    pub(crate) types: Vec<FuncType>,
    /// Every type's structure, by type index.
    pub(crate) type_defs: Vec<TypeDef>,
    pub(crate) imports: Vec<Import<'a>>,
    /// Type index of every function, imports first.
    pub(crate) funcs: Vec<u32>,
    pub(crate) num_imported_funcs: u32,
    pub(crate) tables: Vec<Table>,
    pub(crate) num_imported_tables: u32,
    pub(crate) memories: Vec<wasmparser::MemoryType>,
    pub(crate) num_imported_memories: u32,
    pub(crate) globals: Vec<Global>,
    pub(crate) num_imported_globals: u32,
    /// Type index of every tag, imports first.
    pub(crate) tags: Vec<u32>,
    pub(crate) num_imported_tags: u32,
    pub(crate) exports: Vec<(&'a str, u32, u32)>,
    pub(crate) start: Option<u32>,
    pub(crate) elems: Vec<Elem>,
    pub(crate) datas: Vec<Data<'a>>,
    pub(crate) bodies: Vec<Body<'a>>,
    /// Function names from the name section.
    pub(crate) func_names: BTreeMap<u32, &'a str>,
    /// The module name from the name section.
    pub(crate) name_section_module: Option<&'a str>,
    /// Functions whose reference can escape, each with its vmctx slot.
    pub(crate) escaped: BTreeMap<u32, u32>,
}

impl<'a> ModuleInfo<'a> {
    pub(crate) fn num_defined_funcs(&self) -> u32 {
        self.funcs.len() as u32 - self.num_imported_funcs
    }

    /// The payload types of tag `tag`.
    pub(crate) fn tag_params(&self, tag: u32) -> &[ValType] {
        &self.types[self.tags[tag as usize] as usize].params
    }

    pub(crate) fn func_type(&self, func: u32) -> &FuncType {
        &self.types[self.funcs[func as usize] as usize]
    }

    /// The vmctx layout of this module.
    pub(crate) fn vm_offsets(&self) -> abi::VMOffsets {
        abi::VMOffsets::new(abi::VMCounts {
            num_types: self.types.len() as u32,
            num_imported_funcs: self.num_imported_funcs,
            num_memories: self.memories.len() as u32,
            num_tables: self.tables.len() as u32,
            num_imported_globals: self.num_imported_globals,
            num_defined_globals: self.globals.len() as u32 - self.num_imported_globals,
            num_escaped_funcs: self.escaped.len() as u32,
            num_tags: self.tags.len() as u32,
        })
    }

    /// Parses and validates everything but function bodies.
    pub(crate) fn parse(wasm: &'a [u8], features: WasmFeatures) -> Result<ModuleInfo<'a>> {
        let mut info = ModuleInfo::default();
        let mut validator = Validator::new_with_features(features);
        let mut referenced: BTreeSet<u32> = BTreeSet::new();

        let mut parser = Parser::new(0);
        parser.set_features(features);
        for payload in parser.parse_all(wasm) {
            let payload = payload?;
            let valid = validator.payload(&payload)?;
            if let ValidPayload::Func(validator, body) = valid {
                info.bodies.push(Body { validator, body });
                continue;
            }
            match payload {
                Payload::TypeSection(reader) => {
                    let offset = reader.range().start;
                    for group in reader {
                        let group = group?;
                        let start = info.types.len() as u32;
                        let len = group.types().len() as u32;
                        for sub in group.types() {
                            let (kind, func, fields) = match &sub.composite_type.inner {
                                wasmparser::CompositeInnerType::Func(f) => (
                                    abi::TYPE_KIND_FUNC,
                                    FuncType {
                                        params: f.params().to_vec(),
                                        results: f.results().to_vec(),
                                    },
                                    Vec::new(),
                                ),
                                wasmparser::CompositeInnerType::Struct(s) => (
                                    abi::TYPE_KIND_STRUCT,
                                    FuncType::default(),
                                    s.fields
                                        .iter()
                                        .map(|f| crate::types::field_type(*f))
                                        .collect(),
                                ),
                                wasmparser::CompositeInnerType::Array(a) => (
                                    abi::TYPE_KIND_ARRAY,
                                    FuncType::default(),
                                    vec![crate::types::field_type(a.0)],
                                ),
                                wasmparser::CompositeInnerType::Cont(_) => {
                                    return Err(unsupported!(offset, "continuation types"));
                                }
                            };
                            info.types.push(func);
                            info.type_defs.push(TypeDef {
                                kind,
                                fields,
                                supertype: sub
                                    .supertype_idxs
                                    .first()
                                    .and_then(|i| i.as_module_index()),
                                is_final: sub.is_final,
                                rec_group: (start, len),
                            });
                        }
                    }
                }
                Payload::ImportSection(reader) => {
                    for import in reader.into_imports() {
                        let import = import?;
                        let (kind, index) = match import.ty {
                            TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                                info.funcs.push(ty);
                                info.num_imported_funcs += 1;
                                (abi::EXTERN_FUNC, info.funcs.len() - 1)
                            }
                            TypeRef::Table(ty) => {
                                info.tables.push(Table { ty, init: None });
                                info.num_imported_tables += 1;
                                (abi::EXTERN_TABLE, info.tables.len() - 1)
                            }
                            TypeRef::Memory(ty) => {
                                info.memories.push(ty);
                                info.num_imported_memories += 1;
                                (abi::EXTERN_MEMORY, info.memories.len() - 1)
                            }
                            TypeRef::Global(ty) => {
                                info.globals.push(Global { ty, init: None });
                                info.num_imported_globals += 1;
                                (abi::EXTERN_GLOBAL, info.globals.len() - 1)
                            }
                            TypeRef::Tag(tag) => {
                                info.tags.push(tag.func_type_idx);
                                info.num_imported_tags += 1;
                                (abi::EXTERN_TAG, info.tags.len() - 1)
                            }
                        };
                        info.imports.push(Import {
                            module: import.module,
                            name: import.name,
                            kind,
                            index: index as u32,
                        });
                    }
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        info.funcs.push(ty?);
                    }
                }
                Payload::TableSection(reader) => {
                    for table in reader {
                        let table = table?;
                        let init = match table.init {
                            wasmparser::TableInit::RefNull => None,
                            wasmparser::TableInit::Expr(e) => {
                                Some(const_expr::encode(&e, &mut referenced)?)
                            }
                        };
                        info.tables.push(Table { ty: table.ty, init });
                    }
                }
                Payload::MemorySection(reader) => {
                    for memory in reader {
                        info.memories.push(memory?);
                    }
                }
                Payload::TagSection(reader) => {
                    for tag in reader {
                        info.tags.push(tag?.func_type_idx);
                    }
                }
                Payload::GlobalSection(reader) => {
                    for global in reader {
                        let global = global?;
                        let init = const_expr::encode(&global.init_expr, &mut referenced)?;
                        info.globals.push(Global {
                            ty: global.ty,
                            init: Some(init),
                        });
                    }
                }
                Payload::ExportSection(reader) => {
                    for export in reader {
                        let export = export?;
                        let kind = match export.kind {
                            ExternalKind::Func | ExternalKind::FuncExact => {
                                referenced.insert(export.index);
                                abi::EXTERN_FUNC
                            }
                            ExternalKind::Table => abi::EXTERN_TABLE,
                            ExternalKind::Memory => abi::EXTERN_MEMORY,
                            ExternalKind::Global => abi::EXTERN_GLOBAL,
                            ExternalKind::Tag => abi::EXTERN_TAG,
                        };
                        info.exports.push((export.name, kind, export.index));
                    }
                }
                Payload::StartSection { func, .. } => {
                    info.start = Some(func);
                    referenced.insert(func);
                }
                Payload::ElementSection(reader) => {
                    for elem in reader {
                        let elem = elem?;
                        let (mode, table, offset) = match elem.kind {
                            ElementKind::Passive => (abi::SEGMENT_PASSIVE, 0, Vec::new()),
                            ElementKind::Declared => (abi::SEGMENT_DECLARED, 0, Vec::new()),
                            ElementKind::Active {
                                table_index,
                                offset_expr,
                            } => (
                                abi::SEGMENT_ACTIVE,
                                table_index.unwrap_or(0),
                                const_expr::encode(&offset_expr, &mut referenced)?,
                            ),
                        };
                        let (elem_type, items) = match elem.items {
                            ElementItems::Functions(funcs) => {
                                let mut list = Vec::new();
                                for f in funcs {
                                    let f = f?;
                                    referenced.insert(f);
                                    list.push(f);
                                }
                                (RefType::FUNCREF, ElemItems::Funcs(list))
                            }
                            ElementItems::Expressions(ty, exprs) => {
                                let mut list = Vec::new();
                                for e in exprs {
                                    list.push(const_expr::encode(&e?, &mut referenced)?);
                                }
                                (ty, ElemItems::Exprs(list))
                            }
                        };
                        info.elems.push(Elem {
                            mode,
                            table,
                            offset,
                            elem_type,
                            items,
                        });
                    }
                }
                Payload::DataSection(reader) => {
                    for data in reader {
                        let data = data?;
                        let (mode, memory, offset) = match data.kind {
                            wasmparser::DataKind::Passive => (abi::SEGMENT_PASSIVE, 0, Vec::new()),
                            wasmparser::DataKind::Active {
                                memory_index,
                                offset_expr,
                            } => (
                                abi::SEGMENT_ACTIVE,
                                memory_index,
                                const_expr::encode(&offset_expr, &mut referenced)?,
                            ),
                        };
                        info.datas.push(Data {
                            mode,
                            memory,
                            offset,
                            bytes: data.data,
                        });
                    }
                }
                Payload::CustomSection(section) => {
                    if let KnownCustom::Name(reader) = section.as_known() {
                        // A malformed name section is not an error (the spec
                        // lets engines ignore custom sections); keep what
                        // parsed.
                        for name in reader.into_iter().flatten() {
                            match name {
                                Name::Module { name, .. } => info.name_section_module = Some(name),
                                Name::Function(map) => {
                                    for naming in map.into_iter().flatten() {
                                        info.func_names.insert(naming.index, naming.name);
                                    }
                                }
                                _ => {}
                            }
                        }
                    }
                }
                Payload::ModuleSection {
                    unchecked_range, ..
                }
                | Payload::ComponentSection {
                    unchecked_range, ..
                } => {
                    return Err(unsupported!(unchecked_range.start, "components"));
                }
                _ => {}
            }
        }

        info.escaped = referenced
            .into_iter()
            .filter(|f| *f >= info.num_imported_funcs)
            .enumerate()
            .map(|(slot, f)| (f, slot as u32))
            .collect();
        Ok(info)
    }
}
