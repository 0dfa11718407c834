//! C header generation for the typed C API (`smelt compile --header`).
//!
//! The header declares what `emit/c_api.rs` defines in the object — the
//! instance type, `smelt_mod_<mod>_instantiate`/`_free`, one function per
//! export — and the functions the host must define for the imports. Each
//! declaration gets a Doxygen comment with its wasm origin and a tiny
//! example. Names come from `names.rs` (wasm2c's mangling); C types are
//! `int32_t`, `int64_t`, `float`, `double`, `smelt_rt_v128` and `void *`
//! for references; a function with several results takes a pointer to a
//! `smelt_rt_multi_<codes>` struct as its last parameter.

use crate::c_abi::import_groups;
use crate::module_info::{FuncType, ModuleInfo};
use crate::names;
use smelt_runtime::abi;
use std::fmt::Write as _;
use wasmparser::ValType;

/// The C type of a wasm value.
fn c_type(ty: ValType) -> &'static str {
    match ty {
        ValType::I32 => "int32_t",
        ValType::I64 => "int64_t",
        ValType::F32 => "float",
        ValType::F64 => "double",
        ValType::V128 => "smelt_rt_v128",
        ValType::Ref(_) => "void *",
    }
}

/// One letter per type, for the names of results structs (as wasm2c's
/// `wasm_multi_*`).
fn type_code(ty: ValType) -> char {
    match ty {
        ValType::I32 => 'i',
        ValType::I64 => 'j',
        ValType::F32 => 'f',
        ValType::F64 => 'd',
        ValType::V128 => 'o',
        ValType::Ref(_) => 'p',
    }
}

fn multi_name(ty: &FuncType) -> String {
    let codes: String = ty.results.iter().map(|t| type_code(*t)).collect();
    format!("smelt_rt_multi_{codes}")
}

/// The wasm text of a value type (`i32`, `funcref`, `(ref null 3)`).
fn wasm_type(ty: ValType) -> String {
    ty.to_string()
}

fn func_type_text(ty: &FuncType) -> String {
    let mut s = String::from("(func");
    if !ty.params.is_empty() {
        s.push_str(" (param");
        for p in &ty.params {
            write!(s, " {}", wasm_type(*p)).expect("writing to a String");
        }
        s.push(')');
    }
    if !ty.results.is_empty() {
        s.push_str(" (result");
        for r in &ty.results {
            write!(s, " {}", wasm_type(*r)).expect("writing to a String");
        }
        s.push(')');
    }
    s.push(')');
    s
}

/// A wasm name as a C string literal inside a comment: printable ASCII as
/// is, anything else (and `"`, `\`, and the `/` of `*/`) escaped.
fn quoted(name: &str) -> String {
    let mut s = String::from("\"");
    let mut prev = 0u8;
    for b in name.bytes() {
        match b {
            b'"' | b'\\' => {
                s.push('\\');
                s.push(b as char);
            }
            b'/' if prev == b'*' => s.push_str("\\x2f"),
            0x20..=0x7e => s.push(b as char),
            _ => write!(s, "\\x{b:02x}").expect("writing to a String"),
        }
        prev = b;
    }
    s.push('"');
    s
}

/// `(int32_t p0, int64_t p1` …: the parameters after the context.
fn c_params(ty: &FuncType) -> String {
    let mut s = String::new();
    for (i, p) in ty.params.iter().enumerate() {
        let t = c_type(*p);
        let sep = if t.ends_with('*') { "" } else { " " };
        write!(s, ", {t}{sep}p{i}").expect("writing to a String");
    }
    if ty.results.len() >= 2 {
        write!(s, ", {} *results", multi_name(ty)).expect("writing to a String");
    }
    s
}

fn c_return(ty: &FuncType) -> &'static str {
    match ty.results.as_slice() {
        [r] => c_type(*r),
        _ => "void",
    }
}

/// `int32_t smelt_w_m_f(` with the space rules of pointer returns.
fn c_decl_start(ret: &str, name: &str) -> String {
    if ret.ends_with('*') {
        format!("{ret}{name}(")
    } else {
        format!("{ret} {name}(")
    }
}

/// Example arguments for a call in a comment.
fn example_args(ty: &FuncType) -> String {
    let mut s = String::new();
    for (i, p) in ty.params.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push_str(match p {
            ValType::I32 | ValType::I64 => "1",
            ValType::F32 => "1.0f",
            ValType::F64 => "1.0",
            ValType::V128 => "(smelt_rt_v128){0}",
            ValType::Ref(_) => "NULL",
        });
    }
    s
}

fn memory_type_text(m: &wasmparser::MemoryType) -> String {
    let mut s = String::from("(memory");
    if m.memory64 {
        s.push_str(" i64");
    }
    write!(s, " {}", m.initial).expect("writing to a String");
    if let Some(max) = m.maximum {
        write!(s, " {max}").expect("writing to a String");
    }
    if m.shared {
        s.push_str(" shared");
    }
    s.push(')');
    s
}

fn global_type_text(g: &wasmparser::GlobalType) -> String {
    if g.mutable {
        format!("(global (mut {}))", wasm_type(g.content_type))
    } else {
        format!("(global {})", wasm_type(g.content_type))
    }
}

/// The pointer type a global's accessor returns.
fn global_pointer(g: &wasmparser::GlobalType) -> String {
    let t = c_type(g.content_type);
    let sep = if t.ends_with('*') { "" } else { " " };
    if g.mutable {
        format!("{t}{sep}*")
    } else {
        format!("const {t}{sep}*")
    }
}

/// The parameter name of import module `m`'s context in the instantiate
/// function (mangled, so it is an identifier and never a keyword: it
/// always contains `_ctx`).
fn ctx_param(m: &str) -> String {
    format!("{}_ctx", names::mangle_module(m))
}

/// What every part of a header refers to.
struct Cx<'a, 'b> {
    info: &'a ModuleInfo<'b>,
    module_name: &'a str,
    /// The instance type, `smelt_mod_<mod>_instance`-style.
    inst: String,
    mangled: String,
    /// The include guard.
    guard: String,
    /// The module name quoted for comments.
    q: String,
    /// Import modules in order of first appearance.
    groups: Vec<&'b str>,
}

impl Cx<'_, '_> {
    fn admin(&self, what: &str) -> String {
        names::admin_symbol(self.module_name, what)
    }
}

// Everything goes into a String, which cannot fail.
macro_rules! out {
    ($w:expr) => {
        $w.push('\n')
    };
    ($w:expr, $($arg:tt)*) => {
        writeln!($w, $($arg)*).expect("writing to a String")
    };
}

/// Writes the header of module `module_name`.
pub(crate) fn generate(info: &ModuleInfo<'_>, module_name: &str) -> String {
    let mangled = names::mangle_module(module_name);
    let cx = Cx {
        info,
        module_name,
        inst: names::instance_type(module_name),
        guard: format!("SMELT_MOD_{mangled}_H"),
        mangled,
        q: quoted(module_name),
        groups: import_groups(info),
    };
    let mut h = String::new();
    preamble(&mut h, &cx);
    multi_value_structs(&mut h, &cx);
    imports(&mut h, &cx);
    instances(&mut h, &cx);
    exports(&mut h, &cx);
    epilogue(&mut h, &cx);
    h
}

/// The file comment, include guard, `extern "C"` and the instance type.
fn preamble(w: &mut String, cx: &Cx<'_, '_>) {
    let inst = &cx.inst;
    let mangled = &cx.mangled;
    let guard = &cx.guard;
    let q = &cx.q;
    out!(w, "/*");
    out!(
        w,
        " * The typed C API of the wasm module {q}, generated by smelt. Do not edit."
    );
    out!(w, " *");
    out!(
        w,
        " * The module's object file defines everything declared here except the"
    );
    out!(
        w,
        " * imports, which the program defines (or another module's object, when"
    );
    out!(w, " * that module exports them). Build a program with:");
    out!(w, " *");
    out!(
        w,
        " *     smelt compile {mangled}.wasm -o {mangled}.o --header {mangled}.h"
    );
    out!(
        w,
        " *     cc main.c {mangled}.o $(smelt config --cflags --libs) -o app"
    );
    out!(w, " *");
    out!(
        w,
        " * Typed calls return plain values. When one traps, it returns zeros and"
    );
    out!(
        w,
        " * the trap stays pending on the calling thread until smelt_rt_take_trap()"
    );
    out!(
        w,
        " * takes it (trap handlers pushed on the instance may recover first)."
    );
    out!(w, " */");
    out!(w, "#ifndef {guard}");
    out!(w, "#define {guard}");
    out!(w);
    out!(w, "#include <smelt.h>");
    out!(w);
    out!(w, "#ifdef __cplusplus");
    out!(w, "extern \"C\" {{");
    out!(w, "#endif");
    out!(w);
    out!(w, "/** An instance of module {q}. */");
    out!(w, "typedef struct {inst} {inst};");
}

/// Results structs of multi-value functions (imported or exported).
fn multi_value_structs(w: &mut String, cx: &Cx<'_, '_>) {
    let info = cx.info;
    // Shared between headers: each is guarded by its own macro.
    let mut multis: Vec<&FuncType> = Vec::new();
    let funcs = info
        .imports
        .iter()
        .filter(|i| i.kind == abi::EXTERN_FUNC)
        .map(|i| i.index)
        .chain(
            info.exports
                .iter()
                .filter(|e| e.1 == abi::EXTERN_FUNC)
                .map(|e| e.2),
        );
    for f in funcs {
        let ty = info.func_type(f);
        if ty.results.len() >= 2 && !multis.iter().any(|m| multi_name(m) == multi_name(ty)) {
            multis.push(ty);
        }
    }
    for ty in multis {
        let name = multi_name(ty);
        let upper = name.to_uppercase();
        out!(w);
        out!(w, "#ifndef {upper}_DEFINED");
        out!(w, "#define {upper}_DEFINED");
        let results: Vec<String> = ty.results.iter().map(|r| wasm_type(*r)).collect();
        out!(
            w,
            "/** The results of a function returning ({}), in order. */",
            results.join(" ")
        );
        out!(w, "typedef struct {name} {{");
        for (i, r) in ty.results.iter().enumerate() {
            let t = c_type(*r);
            let sep = if t.ends_with('*') { "" } else { " " };
            out!(w, "  {t}{sep}r{i};");
        }
        out!(w, "}} {name};");
        out!(w, "#endif");
    }
}

/// The functions the program defines for the imports, by import module.
fn imports(w: &mut String, cx: &Cx<'_, '_>) {
    let info = cx.info;
    let groups = &cx.groups;
    if !info.imports.is_empty() {
        out!(w);
        out!(
            w,
            "/* ---- Imports: the program defines these functions ---- */"
        );
    }
    for m in groups {
        let ctx_type = names::instance_type(m);
        out!(w);
        out!(w, "/**");
        out!(
            w,
            " * The context of the imports from module {}: the `{}` argument",
            quoted(m),
            ctx_param(m)
        );
        out!(
            w,
            " * of {}, passed to each of them. When a module",
            cx.admin("instantiate")
        );
        out!(
            w,
            " * named {} is linked into the program, its instance; otherwise any",
            quoted(m)
        );
        out!(
            w,
            " * struct the program defines (`struct {ctx_type} {{ ... }};`)."
        );
        out!(w, " */");
        out!(w, "struct {ctx_type};");
        for import in info.imports.iter().filter(|i| i.module == *m) {
            let sym = names::item_symbol(import.module, import.name);
            let origin = format!("{} {}", quoted(import.module), quoted(import.name));
            out!(w);
            match import.kind {
                abi::EXTERN_FUNC => {
                    let ty = info.func_type(import.index);
                    let ret = c_return(ty);
                    out!(w, "/**");
                    out!(w, " * Import {origin}: {}.", func_type_text(ty));
                    out!(
                        w,
                        " * To make the calling wasm code trap, call smelt_rt_raise_trap() and return."
                    );
                    out!(w, " *");
                    out!(
                        w,
                        " *     {}struct {ctx_type} *ctx{}) {{",
                        c_decl_start(ret, &sym),
                        c_params(ty)
                    );
                    match ty.results.len() {
                        0 => out!(w, " *       ..."),
                        1 => out!(w, " *       return ...;"),
                        _ => out!(w, " *       results->r0 = ...;"),
                    }
                    out!(w, " *     }}");
                    out!(w, " */");
                    out!(
                        w,
                        "{}struct {ctx_type} *ctx{});",
                        c_decl_start(ret, &sym),
                        c_params(ty)
                    );
                }
                abi::EXTERN_MEMORY => {
                    let mem = &info.memories[import.index as usize];
                    out!(w, "/**");
                    out!(w, " * Import {origin}: {}.", memory_type_text(mem));
                    out!(
                        w,
                        " * Returns the memory to import; called once per instantiation."
                    );
                    out!(w, " *");
                    out!(
                        w,
                        " *     smelt_rt_memory *{sym}(struct {ctx_type} *ctx) {{"
                    );
                    let max = mem
                        .maximum
                        .map_or("UINT64_MAX".to_string(), |m| m.to_string());
                    if mem.shared {
                        out!(
                            w,
                            " *       return ctx->memory;   // smelt_rt_shared_memory_new({}, {max})",
                            mem.initial
                        );
                    } else {
                        out!(
                            w,
                            " *       return ctx->memory;   // smelt_rt_memory_new({}, {max})",
                            mem.initial
                        );
                    }
                    out!(w, " *     }}");
                    out!(w, " */");
                    out!(w, "smelt_rt_memory *{sym}(struct {ctx_type} *ctx);");
                }
                abi::EXTERN_GLOBAL => {
                    let g = &info.globals[import.index as usize].ty;
                    let ptr = global_pointer(g);
                    out!(w, "/**");
                    out!(w, " * Import {origin}: {}.", global_type_text(g));
                    out!(
                        w,
                        " * Returns where the global's value lives; the storage must outlive"
                    );
                    out!(w, " * the instance. Called once per instantiation.");
                    out!(w, " *");
                    out!(
                        w,
                        " *     {}struct {ctx_type} *ctx) {{ return &ctx->value; }}",
                        c_decl_start(&ptr, &sym)
                    );
                    out!(w, " */");
                    out!(w, "{}struct {ctx_type} *ctx);", c_decl_start(&ptr, &sym));
                }
                _ => {}
            }
        }
    }
}

/// `_instantiate`, `_free`, `_rt` and the descriptor.
fn instances(w: &mut String, cx: &Cx<'_, '_>) {
    let module_name = cx.module_name;
    let inst = &cx.inst;
    let q = &cx.q;
    let groups = &cx.groups;
    out!(w);
    out!(w, "/* ---- Instances ---- */");
    out!(w);
    let mut params: Vec<String> = groups
        .iter()
        .map(|m| format!("struct {} *{}", names::instance_type(m), ctx_param(m)))
        .collect();
    params.push("smelt_rt_trap **trap".to_string());
    let mut inst_args: Vec<String> = groups
        .iter()
        .map(|m| format!("&{}", names::mangle_module(m)))
        .collect();
    inst_args.push("&trap".into());
    out!(w, "/**");
    out!(
        w,
        " * Creates an instance of module {q}: memories, tables and globals, then"
    );
    out!(
        w,
        " * the data and element segments and the start function. Each call makes"
    );
    out!(
        w,
        " * an independent instance. Returns NULL on failure and, if `trap` is not"
    );
    out!(
        w,
        " * NULL, stores why (a trap of the start function, or a link error) there."
    );
    out!(w, " *");
    out!(w, " *     smelt_rt_trap *trap = NULL;");
    out!(
        w,
        " *     {inst} *instance = {}({});",
        cx.admin("instantiate"),
        inst_args.join(", ")
    );
    out!(
        w,
        " *     if (!instance) {{ fprintf(stderr, \"%s\\n\", smelt_rt_trap_message(trap)); smelt_rt_trap_free(trap); }}"
    );
    out!(w, " */");
    out!(
        w,
        "{inst} *{}({});",
        cx.admin("instantiate"),
        params.join(", ")
    );
    out!(w);
    out!(w, "/**");
    out!(
        w,
        " * Frees an instance (NULL is ignored). Handles from its accessors become"
    );
    out!(
        w,
        " * invalid; memories it exported live on while other instances import them."
    );
    out!(w, " *");
    out!(w, " *     {}(instance);", cx.admin("free"));
    out!(w, " */");
    out!(w, "void {}({inst} *instance);", cx.admin("free"));
    out!(w);
    out!(w, "/**");
    out!(
        w,
        " * The instance as a smelt_rt_instance, for the functions of smelt.h"
    );
    out!(
        w,
        " * (trap handlers, smelt_rt_call, smelt_rt_instance_memory)."
    );
    out!(w, " *");
    out!(
        w,
        " *     smelt_rt_trap_handler_push({}(instance), 0, 0, handler, NULL);",
        cx.admin("rt")
    );
    out!(w, " */");
    out!(
        w,
        "static inline smelt_rt_instance *{}({inst} *instance) {{",
        cx.admin("rt")
    );
    out!(w, "  return (smelt_rt_instance *)instance;");
    out!(w, "}}");
    out!(w);
    out!(w, "/**");
    out!(
        w,
        " * The module descriptor, for smelt_rt_instantiate() and the Rust API's"
    );
    out!(w, " * Module::from_descriptor.");
    out!(w, " */");
    out!(
        w,
        "extern const char {}[];",
        names::descriptor_symbol(module_name)
    );
}

/// One accessor or wrapper per export.
fn exports(w: &mut String, cx: &Cx<'_, '_>) {
    let info = cx.info;
    let module_name = cx.module_name;
    let inst = &cx.inst;
    if !info.exports.is_empty() {
        out!(w);
        out!(w, "/* ---- Exports ---- */");
    }
    for (name, kind, index) in &info.exports {
        let sym = names::item_symbol(module_name, name);
        let origin = format!("Export {}", quoted(name));
        match *kind {
            abi::EXTERN_FUNC => {
                let ty = info.func_type(*index);
                let ret = c_return(ty);
                out!(w);
                out!(w, "/**");
                out!(w, " * {origin}: {}.", func_type_text(ty));
                out!(w, " *");
                let args = example_args(ty);
                let sep = if args.is_empty() { "" } else { ", " };
                match ty.results.len() {
                    0 => out!(w, " *     {sym}(instance{sep}{args});"),
                    1 => {
                        let t = c_type(ty.results[0]);
                        let space = if t.ends_with('*') { "" } else { " " };
                        out!(w, " *     {t}{space}r = {sym}(instance{sep}{args});")
                    }
                    _ => {
                        out!(w, " *     {} r;", multi_name(ty));
                        out!(w, " *     {sym}(instance{sep}{args}, &r);");
                    }
                }
                out!(
                    w,
                    " *     smelt_rt_trap *trap = smelt_rt_take_trap();   // NULL: no trap"
                );
                out!(w, " */");
                out!(
                    w,
                    "{}{inst} *instance{});",
                    c_decl_start(ret, &sym),
                    c_params(ty)
                );
            }
            abi::EXTERN_MEMORY => {
                let mem = &info.memories[*index as usize];
                out!(w);
                out!(w, "/**");
                out!(
                    w,
                    " * {origin}: {}. The memory's handle, valid while the",
                    memory_type_text(mem)
                );
                out!(w, " * instance lives.");
                out!(w, " *");
                out!(w, " *     smelt_rt_memory *mem = {sym}(instance);");
                out!(w, " *     uint8_t *bytes = smelt_rt_memory_data(mem);");
                out!(w, " *     size_t len = smelt_rt_memory_length(mem);");
                out!(w, " */");
                out!(w, "smelt_rt_memory *{sym}({inst} *instance);");
            }
            abi::EXTERN_TABLE => {
                let t = &info.tables[*index as usize].ty;
                out!(w);
                out!(w, "/**");
                out!(
                    w,
                    " * {origin}: (table {} {}). The table's handle, valid while the",
                    t.initial,
                    wasm_type(ValType::Ref(t.element_type))
                );
                out!(w, " * instance lives.");
                out!(w, " *");
                out!(
                    w,
                    " *     uint64_t n = smelt_rt_table_size({sym}(instance));"
                );
                out!(w, " */");
                out!(w, "smelt_rt_table *{sym}({inst} *instance);");
            }
            abi::EXTERN_GLOBAL => {
                let g = &info.globals[*index as usize].ty;
                let ptr = global_pointer(g);
                out!(w);
                out!(w, "/**");
                out!(
                    w,
                    " * {origin}: {}. Where the global's value lives, valid",
                    global_type_text(g)
                );
                out!(w, " * while the instance lives.");
                out!(w, " *");
                let deref = if g.mutable {
                    "*p = *p + 1;"
                } else {
                    "value = *p;"
                };
                out!(w, " *     {}p = {sym}(instance); {deref}", ptr);
                out!(w, " */");
                out!(w, "{}{inst} *instance);", c_decl_start(&ptr, &sym));
            }
            _ => {
                out!(w);
                out!(
                    w,
                    "/* {origin}: a tag; not accessible through the C API. */"
                );
            }
        }
    }
}

/// Closes `extern "C"` and the include guard.
fn epilogue(w: &mut String, cx: &Cx<'_, '_>) {
    let guard = &cx.guard;
    out!(w);
    out!(w, "#ifdef __cplusplus");
    out!(w, "}}");
    out!(w, "#endif");
    out!(w);
    out!(w, "#endif /* {guard} */");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_comments_cannot_end_them() {
        assert_eq!(quoted("a*/b"), "\"a*\\x2fb\"");
        assert_eq!(quoted("é\"\\"), "\"\\xc3\\xa9\\\"\\\\\"");
    }
}
