//! One pass over a module's sections: validate each payload with
//! wasmparser and collect what the translator and the descriptor need into
//! [`ModuleInfo`]. Function bodies are kept as byte ranges (with their
//! pending validators) to be validated and translated in parallel later.

use crate::const_expr;
use crate::error::{Result, unsupported};
use cranelift_entity::{PrimaryMap, entity_impl};
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

/// A function in the module's function index space: imports first, then
/// the functions the module defines (what `call` and `ref.func` name).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct FuncIndex(u32);
entity_impl!(FuncIndex, "func");

/// A function the module defines, numbered from 0 in code-section order:
/// its body's position, and the index of its code item and `FuncId`.
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct DefinedFuncIndex(u32);
entity_impl!(DefinedFuncIndex, "defined_func");

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
    pub(crate) bodies: PrimaryMap<DefinedFuncIndex, Body<'a>>,
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

    /// The defined function `func` is, or `None` for an import.
    pub(crate) fn defined_func_index(&self, func: FuncIndex) -> Option<DefinedFuncIndex> {
        func.as_u32()
            .checked_sub(self.num_imported_funcs)
            .map(DefinedFuncIndex::from_u32)
    }

    /// Defined function `defined` in the function index space.
    pub(crate) fn func_index(&self, defined: DefinedFuncIndex) -> FuncIndex {
        FuncIndex::from_u32(defined.as_u32() + self.num_imported_funcs)
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
                    info.type_section(reader)?;
                }
                Payload::ImportSection(reader) => {
                    info.import_section(reader)?;
                }
                Payload::FunctionSection(reader) => {
                    for ty in reader {
                        info.funcs.push(ty?);
                    }
                }
                Payload::TableSection(reader) => {
                    info.table_section(reader, &mut referenced)?;
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
                    info.global_section(reader, &mut referenced)?;
                }
                Payload::ExportSection(reader) => {
                    info.export_section(reader, &mut referenced)?;
                }
                Payload::StartSection { func, .. } => {
                    info.start = Some(func);
                    referenced.insert(func);
                }
                Payload::ElementSection(reader) => {
                    info.element_section(reader, &mut referenced)?;
                }
                Payload::DataSection(reader) => {
                    info.data_section(reader, &mut referenced)?;
                }
                Payload::CustomSection(section) => {
                    info.custom_section(section);
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

    /// Types: function signatures and, for struct and array types, their
    /// fields and subtyping.
    fn type_section(&mut self, reader: wasmparser::TypeSectionReader<'a>) -> Result<()> {
        let offset = reader.range().start;
        for group in reader {
            let group = group?;
            let start = self.types.len() as u32;
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
                self.types.push(func);
                self.type_defs.push(TypeDef {
                    kind,
                    fields,
                    supertype: sub.supertype_idxs.first().and_then(|i| i.as_module_index()),
                    is_final: sub.is_final,
                    rec_group: (start, len),
                });
            }
        }
        Ok(())
    }

    /// Imports, which open each index space.
    fn import_section(&mut self, reader: wasmparser::ImportSectionReader<'a>) -> Result<()> {
        for import in reader.into_imports() {
            let import = import?;
            let (kind, index) = match import.ty {
                TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                    self.funcs.push(ty);
                    self.num_imported_funcs += 1;
                    (abi::EXTERN_FUNC, self.funcs.len() - 1)
                }
                TypeRef::Table(ty) => {
                    self.tables.push(Table { ty, init: None });
                    self.num_imported_tables += 1;
                    (abi::EXTERN_TABLE, self.tables.len() - 1)
                }
                TypeRef::Memory(ty) => {
                    self.memories.push(ty);
                    self.num_imported_memories += 1;
                    (abi::EXTERN_MEMORY, self.memories.len() - 1)
                }
                TypeRef::Global(ty) => {
                    self.globals.push(Global { ty, init: None });
                    self.num_imported_globals += 1;
                    (abi::EXTERN_GLOBAL, self.globals.len() - 1)
                }
                TypeRef::Tag(tag) => {
                    self.tags.push(tag.func_type_idx);
                    self.num_imported_tags += 1;
                    (abi::EXTERN_TAG, self.tags.len() - 1)
                }
            };
            self.imports.push(Import {
                module: import.module,
                name: import.name,
                kind,
                index: index as u32,
            });
        }
        Ok(())
    }

    /// Defined tables and their initial-value expressions.
    fn table_section(
        &mut self,
        reader: wasmparser::TableSectionReader<'a>,
        referenced: &mut BTreeSet<u32>,
    ) -> Result<()> {
        for table in reader {
            let table = table?;
            let init = match table.init {
                wasmparser::TableInit::RefNull => None,
                wasmparser::TableInit::Expr(e) => Some(const_expr::encode(&e, referenced)?),
            };
            self.tables.push(Table { ty: table.ty, init });
        }
        Ok(())
    }

    /// Defined globals and their initializers.
    fn global_section(
        &mut self,
        reader: wasmparser::GlobalSectionReader<'a>,
        referenced: &mut BTreeSet<u32>,
    ) -> Result<()> {
        for global in reader {
            let global = global?;
            let init = const_expr::encode(&global.init_expr, referenced)?;
            self.globals.push(Global {
                ty: global.ty,
                init: Some(init),
            });
        }
        Ok(())
    }

    /// Exports; exported functions escape (need a funcref slot).
    fn export_section(
        &mut self,
        reader: wasmparser::ExportSectionReader<'a>,
        referenced: &mut BTreeSet<u32>,
    ) -> Result<()> {
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
            self.exports.push((export.name, kind, export.index));
        }
        Ok(())
    }

    /// Element segments; the functions they list escape.
    fn element_section(
        &mut self,
        reader: wasmparser::ElementSectionReader<'a>,
        referenced: &mut BTreeSet<u32>,
    ) -> Result<()> {
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
                    const_expr::encode(&offset_expr, referenced)?,
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
                        list.push(const_expr::encode(&e?, referenced)?);
                    }
                    (ty, ElemItems::Exprs(list))
                }
            };
            self.elems.push(Elem {
                mode,
                table,
                offset,
                elem_type,
                items,
            });
        }
        Ok(())
    }

    /// Data segments (their bytes stay borrowed from the input).
    fn data_section(
        &mut self,
        reader: wasmparser::DataSectionReader<'a>,
        referenced: &mut BTreeSet<u32>,
    ) -> Result<()> {
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
                    const_expr::encode(&offset_expr, referenced)?,
                ),
            };
            self.datas.push(Data {
                mode,
                memory,
                offset,
                bytes: data.data,
            });
        }
        Ok(())
    }

    /// The name section's module and function names.
    fn custom_section(&mut self, section: wasmparser::CustomSectionReader<'a>) {
        if let KnownCustom::Name(reader) = section.as_known() {
            // A malformed name section is not an error (the spec
            // lets engines ignore custom sections); keep what
            // parsed.
            for name in reader.into_iter().flatten() {
                match name {
                    Name::Module { name, .. } => self.name_section_module = Some(name),
                    Name::Function(map) => {
                        for naming in map.into_iter().flatten() {
                            self.func_names.insert(naming.index, naming.name);
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}
