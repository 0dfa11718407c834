//! Symbol names.
//!
//! Global symbols follow wasm2c's scheme with three fixed prefixes that no
//! wasm name can produce: `smelt_rt_*` (runtime), `smelt_mod_<mod>_*`
//! (per-module administration, e.g. the descriptor) and `smelt_w_<mod>_*`
//! (names derived from the module's exports). Local symbols (functions,
//! trampolines) are readable in `perf` and `objdump` instead:
//! `wasm[<mod>]::function[<index>]::<name>`.

/// Mangles a module or export name into a C identifier fragment.
///
/// Rules, applied byte by byte to the UTF-8 encoding:
/// 1. ASCII letters and digits are kept as they are.
/// 2. `_` becomes `__`.
/// 3. Every other byte becomes `_` followed by its value as two
///    upper-case hexadecimal digits.
///
/// The result never contains a single `_` followed by a lower-case letter,
/// so `smelt_mod_<mod>_descriptor` and `smelt_w_<mod>_<export>` split back
/// uniquely, and two different names never mangle to the same string.
pub fn mangle(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => out.push(b as char),
            b'_' => out.push_str("__"),
            _ => out.push_str(&format!("_{b:02X}")),
        }
    }
    out
}

/// The descriptor symbol of a module.
pub fn descriptor_symbol(module: &str) -> String {
    format!("smelt_mod_{}_descriptor", mangle(module))
}

pub(crate) fn function_symbol(module: &str, index: u32, name: Option<&str>) -> String {
    match name {
        Some(n) => format!(
            "wasm[{module}]::function[{index}]::{}",
            n.replace('\0', "?")
        ),
        None => format!("wasm[{module}]::function[{index}]"),
    }
    .replace('\0', "?")
}

pub(crate) fn trampoline_symbol(module: &str, what: &str, ty: u32) -> String {
    format!("wasm[{module}]::{what}[{ty}]").replace('\0', "?")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mangling_rules() {
        assert_eq!(mangle("abc123"), "abc123");
        assert_eq!(mangle("a_b"), "a__b");
        assert_eq!(mangle("a-b"), "a_2Db");
        assert_eq!(mangle("é"), "_C3_A9");
        assert_ne!(mangle("a_2D"), mangle("a-"));
        assert_eq!(descriptor_symbol("my_mod"), "smelt_mod_my__mod_descriptor");
    }
}
