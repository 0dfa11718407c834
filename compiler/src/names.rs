//! Symbol names.
//!
//! Global symbols follow wasm2c's scheme with three fixed prefixes that no
//! wasm name can produce:
//!
//! | prefix | what | example |
//! |---|---|---|
//! | `smelt_rt_*` | the runtime (`smelt.h`) | `smelt_rt_take_trap` |
//! | `smelt_mod_<mod>_*` | per-module administration | `smelt_mod_calc_instantiate`, `smelt_mod_calc_descriptor` |
//! | `smelt_w_<mod>_<name>` | names derived from the module: exports, and the imports a host defines | `smelt_w_calc_add`, `smelt_w_env_log` |
//!
//! `<mod>` is [`mangle_module`] of the module name and `<name>` is
//! [`mangle_name`] of the export (or import) name; the instance type is
//! `smelt_w_<mod>`. Local symbols (functions, trampolines) are readable in
//! `perf` and `objdump` instead: `wasm[<mod>]::function[<index>]::<name>`.

use std::fmt::Write as _;

/// Mangles a wasm name (any UTF-8) into a C identifier fragment.
///
/// These are wasm2c's rules (`CWriter::Mangle`), applied byte by byte to
/// the UTF-8 encoding, so generated names are the ones wasm2c users know:
///
/// 1. a hex digit (`0`-`9`, `A`-`F`) that follows the two characters `0x`
///    in the *input* is escaped;
/// 2. an `_` at the beginning, at the end, or right after another `_` is
///    escaped;
/// 3. with `double_underscores` (module names), every other `_` is written
///    twice;
/// 4. otherwise ASCII letters, digits and `_` are kept and every other
///    byte is escaped.
///
/// "Escaped" means written as `0x` and two upper-case hex digits (`-` is
/// `0x2D`, `é` is `0xC30xA9`).
///
/// Why this is collision-free: the output is a sequence of tokens — kept
/// characters and `0xHH` escapes. A kept `0` followed by a kept `x` is
/// never followed by a kept hex digit (rule 1), so an escape can never be
/// confused with kept text; decoding is unique, so distinct names give
/// distinct strings. Because of rule 2, a mangled export name never starts
/// or ends with `_` and never contains `__`, and a mangled module name
/// contains `_` only in pairs and never at its ends (rules 2 and 3). In
/// `smelt_w_<mod>_<name>` the separator is therefore the first `_` after
/// the prefix that is not part of a pair, so the symbol splits back into
/// exactly one (module, name) pair: a module `alfa` exporting
/// `bravo_charlie` gives `smelt_w_alfa_bravo_charlie`, while a module
/// `alfa_bravo` exporting `charlie` gives `smelt_w_alfa__bravo_charlie`.
pub fn mangle(name: &str, double_underscores: bool) -> String {
    #[derive(PartialEq)]
    enum State {
        Any,
        Zero,
        ZeroX,
    }
    let bytes = name.as_bytes();
    let mut out = String::with_capacity(name.len());
    let mut state = State::Any;
    let mut last_was_underscore = false;
    let escape = |out: &mut String, b: u8| {
        write!(out, "0x{b:02X}").expect("writing to a String");
    };
    for (i, &b) in bytes.iter().enumerate() {
        // Rule 1: track "0x" in the input.
        let after_0x = state == State::ZeroX;
        state = match (state, b) {
            (_, b'0') => State::Zero,
            (State::Zero, b'x') => State::ZeroX,
            _ => State::Any,
        };
        if after_0x && matches!(b, b'0'..=b'9' | b'A'..=b'F') {
            escape(&mut out, b);
            // An escape ends the "0x" run (the digit we escaped was not a
            // literal `0`).
            state = State::Any;
            last_was_underscore = false;
            continue;
        }
        // Rule 2.
        if b == b'_' && (i == 0 || i + 1 == bytes.len() || last_was_underscore) {
            escape(&mut out, b);
            last_was_underscore = false;
            continue;
        }
        match b {
            // Rule 3.
            b'_' if double_underscores => {
                out.push_str("__");
                last_was_underscore = true;
            }
            // Rule 4.
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' => {
                out.push(b as char);
                last_was_underscore = b == b'_';
            }
            _ => {
                escape(&mut out, b);
                last_was_underscore = false;
            }
        }
    }
    out
}

/// A module name as it appears in symbols (underscores doubled).
pub fn mangle_module(module: &str) -> String {
    mangle(module, true)
}

/// An export or import name as it appears in symbols.
pub fn mangle_name(name: &str) -> String {
    mangle(name, false)
}

/// The descriptor symbol of a module: `smelt_mod_<mod>_descriptor`.
pub fn descriptor_symbol(module: &str) -> String {
    admin_symbol(module, "descriptor")
}

/// A per-module administration symbol: `smelt_mod_<mod>_<what>` (`what`
/// is one of smelt's fixed lower-case words: `descriptor`,
/// `instantiate`, `free`).
pub fn admin_symbol(module: &str, what: &str) -> String {
    format!("smelt_mod_{}_{what}", mangle_module(module))
}

/// The C type of an instance of `module`: `smelt_w_<mod>`.
pub fn instance_type(module: &str) -> String {
    format!("smelt_w_{}", mangle_module(module))
}

/// The symbol of export (or import) `name` of `module`:
/// `smelt_w_<mod>_<name>`.
pub fn item_symbol(module: &str, name: &str) -> String {
    format!("smelt_w_{}_{}", mangle_module(module), mangle_name(name))
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

    /// Inverse of [`mangle`], for the round-trip tests.
    fn demangle(s: &str, double_underscores: bool) -> Option<Vec<u8>> {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            if b[i..].starts_with(b"0x")
                && b.len() >= i + 4
                && b[i + 2..i + 4]
                    .iter()
                    .all(|c| matches!(c, b'0'..=b'9' | b'A'..=b'F'))
            {
                let hex = std::str::from_utf8(&b[i + 2..i + 4]).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 4;
            } else if double_underscores && b[i] == b'_' {
                if b.get(i + 1) != Some(&b'_') {
                    return None;
                }
                out.push(b'_');
                i += 2;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        Some(out)
    }

    /// Splits `smelt_w_<mod>_<name>` at the first unpaired underscore.
    fn split_item(sym: &str) -> Option<(String, String)> {
        let rest = sym.strip_prefix("smelt_w_")?.as_bytes();
        let mut i = 0;
        while i < rest.len() {
            if rest[i] == b'_' {
                if rest.get(i + 1) == Some(&b'_') {
                    i += 2;
                    continue;
                }
                let m = demangle(std::str::from_utf8(&rest[..i]).ok()?, true)?;
                let n = demangle(std::str::from_utf8(&rest[i + 1..]).ok()?, false)?;
                return Some((String::from_utf8(m).ok()?, String::from_utf8(n).ok()?));
            }
            i += 1;
        }
        None
    }

    #[test]
    fn mangling_rules() {
        assert_eq!(mangle_name("abc123"), "abc123");
        assert_eq!(mangle_name("a_b"), "a_b");
        assert_eq!(mangle_module("a_b"), "a__b");
        assert_eq!(mangle_name("a-b"), "a0x2Db");
        assert_eq!(mangle_name("é"), "0xC30xA9");
        assert_eq!(mangle_name("_start"), "0x5Fstart");
        assert_eq!(mangle_name("a__b"), "a_0x5Fb");
        assert_eq!(mangle_name("x_"), "x0x5F");
        // Rule 1: "0x" followed by a hex digit in the input.
        assert_eq!(mangle_name("0xAB"), "0x0x41B");
        assert_eq!(mangle_name("0x"), "0x");
        assert_eq!(mangle_name("0xg"), "0xg");
        assert_eq!(descriptor_symbol("my_mod"), "smelt_mod_my__mod_descriptor");
        assert_eq!(
            item_symbol("alfa", "bravo_charlie"),
            "smelt_w_alfa_bravo_charlie"
        );
        assert_eq!(
            item_symbol("alfa_bravo", "charlie"),
            "smelt_w_alfa__bravo_charlie"
        );
        assert_eq!(instance_type("m-1"), "smelt_w_m0x2D1");
    }

    #[test]
    fn mangled_names_are_c_identifiers_and_split_back() {
        let names = [
            "",
            "_",
            "__",
            "a",
            "a_",
            "_a",
            "a__b",
            "0x",
            "0x0",
            "0xA",
            "0x0xF",
            "00xF",
            "0xx1",
            "é",
            "名前",
            "a-b",
            "a b",
            "A9",
            "0x5F",
            "_0x5F_",
            "x\u{1F600}y",
            "smelt",
        ];
        let mut seen = std::collections::HashMap::new();
        for m in names {
            for n in names {
                let sym = item_symbol(m, n);
                assert!(
                    sym.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'),
                    "{sym}"
                );
                assert_eq!(
                    split_item(&sym),
                    Some((m.to_string(), n.to_string())),
                    "{sym}"
                );
                if let Some(prev) = seen.insert(sym.clone(), (m, n)) {
                    panic!("{sym}: {prev:?} and {:?}", (m, n));
                }
            }
        }
    }

    #[test]
    fn mangling_is_injective_on_random_names() {
        // A small xorshift generator: deterministic, no dependency.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet = ['0', 'x', 'A', 'F', 'a', '_', '-', 'é', 'Z', '9'];
        let mut seen = std::collections::HashMap::new();
        for _ in 0..20_000 {
            let len = next() % 6;
            let name: String = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            for double in [false, true] {
                let m = mangle(&name, double);
                assert_eq!(
                    demangle(&m, double).as_deref(),
                    Some(name.as_bytes()),
                    "{name:?} -> {m}"
                );
                if let Some(prev) = seen.insert((m.clone(), double), name.clone()) {
                    assert_eq!(prev, name, "{m}");
                }
            }
        }
    }
}
