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

/// Writes the header of module `module_name`.
pub(crate) fn generate(info: &ModuleInfo<'_>, module_name: &str) -> String {
    let mut h = String::new();
    let w = &mut h;
    let inst = names::instance_type(module_name);
    let mangled = names::mangle_module(module_name);
    let guard = format!("SMELT_MOD_{mangled}_H");
    let q = quoted(module_name);
    let admin = |what: &str| names::admin_symbol(module_name, what);
    let groups = import_groups(info);

    // Everything below goes into a String, which cannot fail.
    macro_rules! out {
        ($($arg:tt)*) => { writeln!(w, $($arg)*).expect("writing to a String") };
    }

    out!("/*");
    out!(" * The typed C API of the wasm module {q}, generated by smelt. Do not edit.");
    out!(" *");
    out!(" * The module's object file defines everything declared here except the");
    out!(" * imports, which the program defines (or another module's object, when");
    out!(" * that module exports them). Build a program with:");
    out!(" *");
    out!(" *     smelt compile {mangled}.wasm -o {mangled}.o --header {mangled}.h");
    out!(" *     cc main.c {mangled}.o $(smelt config --cflags --libs) -o app");
    out!(" *");
    out!(" * Typed calls return plain values. When one traps, it returns zeros and");
    out!(" * the trap stays pending on the calling thread until smelt_rt_take_trap()");
    out!(" * takes it (trap handlers pushed on the instance may recover first).");
    out!(" */");
    out!("#ifndef {guard}");
    out!("#define {guard}");
    out!();
    out!("#include <smelt.h>");
    out!();
    out!("#ifdef __cplusplus");
    out!("extern \"C\" {{");
    out!("#endif");
    out!();
    out!("/** An instance of module {q}. */");
    out!("typedef struct {inst} {inst};");

    // Results structs of multi-value functions, shared between headers.
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
        out!();
        out!("#ifndef {upper}_DEFINED");
        out!("#define {upper}_DEFINED");
        let results: Vec<String> = ty.results.iter().map(|r| wasm_type(*r)).collect();
        out!(
            "/** The results of a function returning ({}), in order. */",
            results.join(" ")
        );
        out!("typedef struct {name} {{");
        for (i, r) in ty.results.iter().enumerate() {
            let t = c_type(*r);
            let sep = if t.ends_with('*') { "" } else { " " };
            out!("  {t}{sep}r{i};");
        }
        out!("}} {name};");
        out!("#endif");
    }

    // ---- imports ----
    if !info.imports.is_empty() {
        out!();
        out!("/* ---- Imports: the program defines these functions ---- */");
    }
    for m in &groups {
        let ctx_type = names::instance_type(m);
        out!();
        out!("/**");
        out!(
            " * The context of the imports from module {}: the `{}` argument",
            quoted(m),
            ctx_param(m)
        );
        out!(
            " * of {}, passed to each of them. When a module",
            admin("instantiate")
        );
        out!(
            " * named {} is linked into the program, its instance; otherwise any",
            quoted(m)
        );
        out!(" * struct the program defines (`struct {ctx_type} {{ ... }};`).");
        out!(" */");
        out!("struct {ctx_type};");
        for import in info.imports.iter().filter(|i| i.module == *m) {
            let sym = names::item_symbol(import.module, import.name);
            let origin = format!("{} {}", quoted(import.module), quoted(import.name));
            out!();
            match import.kind {
                abi::EXTERN_FUNC => {
                    let ty = info.func_type(import.index);
                    let ret = c_return(ty);
                    out!("/**");
                    out!(" * Import {origin}: {}.", func_type_text(ty));
                    out!(
                        " * To make the calling wasm code trap, call smelt_rt_raise_trap() and return."
                    );
                    out!(" *");
                    out!(
                        " *     {}struct {ctx_type} *ctx{}) {{",
                        c_decl_start(ret, &sym),
                        c_params(ty)
                    );
                    match ty.results.len() {
                        0 => out!(" *       ..."),
                        1 => out!(" *       return ...;"),
                        _ => out!(" *       results->r0 = ...;"),
                    }
                    out!(" *     }}");
                    out!(" */");
                    out!(
                        "{}struct {ctx_type} *ctx{});",
                        c_decl_start(ret, &sym),
                        c_params(ty)
                    );
                }
                abi::EXTERN_MEMORY => {
                    let mem = &info.memories[import.index as usize];
                    out!("/**");
                    out!(" * Import {origin}: {}.", memory_type_text(mem));
                    out!(" * Returns the memory to import; called once per instantiation.");
                    out!(" *");
                    out!(" *     smelt_rt_memory *{sym}(struct {ctx_type} *ctx) {{");
                    let max = mem
                        .maximum
                        .map_or("UINT64_MAX".to_string(), |m| m.to_string());
                    if mem.shared {
                        out!(
                            " *       return ctx->memory;   // smelt_rt_shared_memory_new({}, {max})",
                            mem.initial
                        );
                    } else {
                        out!(
                            " *       return ctx->memory;   // smelt_rt_memory_new({}, {max})",
                            mem.initial
                        );
                    }
                    out!(" *     }}");
                    out!(" */");
                    out!("smelt_rt_memory *{sym}(struct {ctx_type} *ctx);");
                }
                abi::EXTERN_GLOBAL => {
                    let g = &info.globals[import.index as usize].ty;
                    let ptr = global_pointer(g);
                    out!("/**");
                    out!(" * Import {origin}: {}.", global_type_text(g));
                    out!(" * Returns where the global's value lives; the storage must outlive");
                    out!(" * the instance. Called once per instantiation.");
                    out!(" *");
                    out!(
                        " *     {}struct {ctx_type} *ctx) {{ return &ctx->value; }}",
                        c_decl_start(&ptr, &sym)
                    );
                    out!(" */");
                    out!("{}struct {ctx_type} *ctx);", c_decl_start(&ptr, &sym));
                }
                _ => {}
            }
        }
    }

    // ---- instances ----
    out!();
    out!("/* ---- Instances ---- */");
    out!();
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
    out!("/**");
    out!(" * Creates an instance of module {q}: memories, tables and globals, then");
    out!(" * the data and element segments and the start function. Each call makes");
    out!(" * an independent instance. Returns NULL on failure and, if `trap` is not");
    out!(" * NULL, stores why (a trap of the start function, or a link error) there.");
    out!(" *");
    out!(" *     smelt_rt_trap *trap = NULL;");
    out!(
        " *     {inst} *instance = {}({});",
        admin("instantiate"),
        inst_args.join(", ")
    );
    out!(
        " *     if (!instance) {{ fprintf(stderr, \"%s\\n\", smelt_rt_trap_message(trap)); smelt_rt_trap_free(trap); }}"
    );
    out!(" */");
    out!("{inst} *{}({});", admin("instantiate"), params.join(", "));
    out!();
    out!("/**");
    out!(" * Frees an instance (NULL is ignored). Handles from its accessors become");
    out!(" * invalid; memories it exported live on while other instances import them.");
    out!(" *");
    out!(" *     {}(instance);", admin("free"));
    out!(" */");
    out!("void {}({inst} *instance);", admin("free"));
    out!();
    out!("/**");
    out!(" * The instance as a smelt_rt_instance, for the functions of smelt.h");
    out!(" * (trap handlers, smelt_rt_call, smelt_rt_instance_memory).");
    out!(" *");
    out!(
        " *     smelt_rt_trap_handler_push({}(instance), 0, 0, handler, NULL);",
        admin("rt")
    );
    out!(" */");
    out!(
        "static inline smelt_rt_instance *{}({inst} *instance) {{",
        admin("rt")
    );
    out!("  return (smelt_rt_instance *)instance;");
    out!("}}");
    out!();
    out!("/**");
    out!(" * The module descriptor, for smelt_rt_instantiate() and the Rust API's");
    out!(" * Module::from_descriptor.");
    out!(" */");
    out!(
        "extern const char {}[];",
        names::descriptor_symbol(module_name)
    );

    // ---- exports ----
    if !info.exports.is_empty() {
        out!();
        out!("/* ---- Exports ---- */");
    }
    for (name, kind, index) in &info.exports {
        let sym = names::item_symbol(module_name, name);
        let origin = format!("Export {}", quoted(name));
        match *kind {
            abi::EXTERN_FUNC => {
                let ty = info.func_type(*index);
                let ret = c_return(ty);
                out!();
                out!("/**");
                out!(" * {origin}: {}.", func_type_text(ty));
                out!(" *");
                let args = example_args(ty);
                let sep = if args.is_empty() { "" } else { ", " };
                match ty.results.len() {
                    0 => out!(" *     {sym}(instance{sep}{args});"),
                    1 => {
                        let t = c_type(ty.results[0]);
                        let space = if t.ends_with('*') { "" } else { " " };
                        out!(" *     {t}{space}r = {sym}(instance{sep}{args});")
                    }
                    _ => {
                        out!(" *     {} r;", multi_name(ty));
                        out!(" *     {sym}(instance{sep}{args}, &r);");
                    }
                }
                out!(" *     smelt_rt_trap *trap = smelt_rt_take_trap();   // NULL: no trap");
                out!(" */");
                out!(
                    "{}{inst} *instance{});",
                    c_decl_start(ret, &sym),
                    c_params(ty)
                );
            }
            abi::EXTERN_MEMORY => {
                let mem = &info.memories[*index as usize];
                out!();
                out!("/**");
                out!(
                    " * {origin}: {}. The memory's handle, valid while the",
                    memory_type_text(mem)
                );
                out!(" * instance lives.");
                out!(" *");
                out!(" *     smelt_rt_memory *mem = {sym}(instance);");
                out!(" *     uint8_t *bytes = smelt_rt_memory_data(mem);");
                out!(" *     size_t len = smelt_rt_memory_length(mem);");
                out!(" */");
                out!("smelt_rt_memory *{sym}({inst} *instance);");
            }
            abi::EXTERN_TABLE => {
                let t = &info.tables[*index as usize].ty;
                out!();
                out!("/**");
                out!(
                    " * {origin}: (table {} {}). The table's handle, valid while the",
                    t.initial,
                    wasm_type(ValType::Ref(t.element_type))
                );
                out!(" * instance lives.");
                out!(" *");
                out!(" *     uint64_t n = smelt_rt_table_size({sym}(instance));");
                out!(" */");
                out!("smelt_rt_table *{sym}({inst} *instance);");
            }
            abi::EXTERN_GLOBAL => {
                let g = &info.globals[*index as usize].ty;
                let ptr = global_pointer(g);
                out!();
                out!("/**");
                out!(
                    " * {origin}: {}. Where the global's value lives, valid",
                    global_type_text(g)
                );
                out!(" * while the instance lives.");
                out!(" *");
                let deref = if g.mutable {
                    "*p = *p + 1;"
                } else {
                    "value = *p;"
                };
                out!(" *     {}p = {sym}(instance); {deref}", ptr);
                out!(" */");
                out!("{}{inst} *instance);", c_decl_start(&ptr, &sym));
            }
            _ => {
                out!();
                out!("/* {origin}: a tag; not accessible through the C API. */");
            }
        }
    }

    out!();
    out!("#ifdef __cplusplus");
    out!("}}");
    out!("#endif");
    out!();
    out!("#endif /* {guard} */");
    h
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
