//! Readable function names for backtraces: the names a toolchain wrote
//! into a module's name section are linker symbols, mangled. Rust names
//! (legacy `_ZN...E` and v0 `_R...`) go through `rustc-demangle`, C++
//! Itanium names (`_Z...`) through `cpp_demangle` — the crates Rust's std
//! and Wasmtime use; smelt has no demangler of its own. Each is behind a
//! cargo feature (`demangle-rust`, `demangle-cpp`; `demangle` is both) so
//! the small runtime can leave them out; without one, its names come back
//! unchanged.
//!
//! The name section is guest input, so anything that is not a mangling
//! these crates accept, or whose demangled form is empty or longer than
//! [`MAX_DEMANGLED_LEN`], is shown as it is.

use std::borrow::Cow;

/// The longest demangled name kept, in bytes. Manglings compress
/// repeated parts into back-references, so a name of a few hundred bytes
/// can expand to megabytes (a "demangling bomb"); a trap report must not.
/// Real C++ template names stay far below this.
#[cfg_attr(
    not(any(feature = "demangle-rust", feature = "demangle-cpp")),
    allow(dead_code, reason = "only the demanglers (and tests) read it")
)]
pub(crate) const MAX_DEMANGLED_LEN: usize = 64 * 1024;

/// `name` demangled, or `name` itself when it is not a Rust or C++
/// mangling (or a malformed one, or demangling is compiled out).
pub(crate) fn demangle(name: &str) -> Cow<'_, str> {
    match rust(name).or_else(|| cpp(name)) {
        Some(readable) if !readable.is_empty() => Cow::Owned(readable),
        _ => Cow::Borrowed(name),
    }
}

/// A `fmt::Write` that fails once more than [`MAX_DEMANGLED_LEN`] bytes
/// would be written, which stops the demangler's formatting there.
#[cfg(any(feature = "demangle-rust", feature = "demangle-cpp"))]
#[derive(Default)]
struct Bounded(String);

#[cfg(any(feature = "demangle-rust", feature = "demangle-cpp"))]
impl std::fmt::Write for Bounded {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        if self.0.len() + s.len() > MAX_DEMANGLED_LEN {
            return Err(std::fmt::Error);
        }
        self.0.push_str(s);
        Ok(())
    }
}

#[cfg(feature = "demangle-rust")]
fn rust(name: &str) -> Option<String> {
    use std::fmt::Write;
    let demangled = rustc_demangle::try_demangle(name).ok()?;
    let mut out = Bounded::default();
    // The alternate form leaves out the legacy hash (`::h0123...`), v0's
    // crate disambiguators (`std[e28293b1aa0f68bd]`) and LLVM suffixes
    // (`.llvm.123`): noise to a reader, as in Rust's own panic
    // backtraces. The raw name keeps them for whoever needs them.
    write!(out, "{demangled:#}").ok()?;
    Some(out.0)
}

#[cfg(not(feature = "demangle-rust"))]
fn rust(_: &str) -> Option<String> {
    None
}

#[cfg(feature = "demangle-cpp")]
fn cpp(name: &str) -> Option<String> {
    // cpp_demangle also parses a bare type as a whole "mangled name"
    // (`i` is `int`, `v` is `void`), so a function that a module simply
    // named `v` would be shown as `void` (Wasmtime does). Symbols of
    // functions and objects always start with `_Z`.
    if !name.starts_with("_Z") {
        return None;
    }
    let symbol = cpp_demangle::Symbol::new(name.as_bytes()).ok()?;
    let mut out = Bounded::default();
    // Default options: the form c++filt prints. The crate bounds its own
    // recursion (parse and print), so deep nesting fails instead of
    // overflowing the stack.
    symbol
        .structured_demangle(&mut out, &cpp_demangle::DemangleOptions::default())
        .ok()?;
    Some(out.0)
}

#[cfg(not(feature = "demangle-cpp"))]
fn cpp(_: &str) -> Option<String> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Real symbols, from `nm` of programs built by rustc 1.95 (`-C
    /// symbol-mangling-version=v0` and the default legacy mangling) and
    /// clang 14 / libstdc++; the same names appear in the name section
    /// of those programs built for wasm.
    const RUST_V0: &str = "_RNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal";
    const RUST_V0_METHOD: &str = "_RNvMNtCs6xxl1lAjzDf_1a8geometryNtB2_5Shape4area";
    const RUST_LEGACY: &str = "_ZN1a8geometry5Shape4area17h620a0b17e27b5d0fE";
    const RUST_LEGACY_CLOSURE: &str =
        "_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17he39bdf0230cb3880E";
    const CPP_METHOD: &str = "_ZNK8geometry5Shape4areaEi";
    const CPP_DTOR: &str =
        "_ZNSt6vectorINSt7__cxx1112basic_stringIcSt11char_traitsIcESaIcEEESaIS5_EED2Ev";

    #[cfg(feature = "demangle-rust")]
    #[test]
    fn rust_names_are_demangled_without_hashes() {
        assert_eq!(demangle(RUST_V0), "std::rt::lang_start_internal");
        assert_eq!(demangle(RUST_V0_METHOD), "<a::geometry::Shape>::area");
        assert_eq!(demangle(RUST_LEGACY), "a::geometry::Shape::area");
        assert_eq!(
            demangle(RUST_LEGACY_CLOSURE),
            "std::rt::lang_start::{{closure}}"
        );
        assert_eq!(
            demangle(&format!("{RUST_LEGACY}.llvm.4242")),
            "a::geometry::Shape::area"
        );
    }

    #[cfg(feature = "demangle-cpp")]
    #[test]
    fn cpp_names_are_demangled_as_cxxfilt_prints_them() {
        assert_eq!(demangle(CPP_METHOD), "geometry::Shape::area(int) const");
        assert_eq!(
            demangle(CPP_DTOR),
            "std::vector<std::__cxx11::basic_string<char, std::char_traits<char>, \
             std::allocator<char> >, std::allocator<std::__cxx11::basic_string<char, \
             std::char_traits<char>, std::allocator<char> > > >::~vector()"
        );
    }

    #[cfg(not(feature = "demangle-rust"))]
    #[test]
    fn rust_names_stay_raw_without_the_feature() {
        for name in [RUST_V0, RUST_V0_METHOD, RUST_LEGACY_CLOSURE] {
            assert_eq!(demangle(name), name);
        }
    }

    #[cfg(not(feature = "demangle-cpp"))]
    #[test]
    fn cpp_names_stay_raw_without_the_feature() {
        for name in [CPP_METHOD, CPP_DTOR] {
            assert_eq!(demangle(name), name);
        }
    }

    #[test]
    fn plain_and_malformed_names_stay_as_they_are() {
        for name in [
            "",
            "main",
            "__original_main",
            "divide",
            // Bare C++ types: not function symbols.
            "i",
            "v",
            "Dn",
            // Truncated or broken manglings.
            "_Z",
            "_ZN3foo",
            "_ZN1a8geometry5Shape4area17h620a0b17e27b5d0f",
            "_R",
            "_RNvC",
            "_RNvNtCsjrHSEGnQ3l9_3std2rt99lang_start_internal",
            "_ZZZZ",
        ] {
            assert!(
                matches!(demangle(name), Cow::Borrowed(n) if n == name),
                "{name:?} -> {:?}",
                demangle(name)
            );
        }
    }

    /// A v0 name whose back-references double the output at every level:
    /// under 300 bytes of input, megabytes demangled.
    #[cfg(feature = "demangle-rust")]
    #[test]
    fn a_demangling_bomb_falls_back_to_the_raw_name() {
        // `T` tuple types, each element a back-reference to the previous
        // tuple: level n prints 2^n copies of `u8`.
        let mut name = String::from("_RINvC3foo3barT");
        let mut positions = vec![name.len() - 1];
        name.push_str("hhE");
        for _ in 0..24 {
            let prev = *positions.last().unwrap();
            positions.push(name.len());
            // A back-reference is `B` + base-62 of (position - 2) + `_`.
            let backref = format!("B{}_", base62(prev - 2));
            name.push('T');
            name.push_str(&backref);
            name.push_str(&backref);
            name.push('E');
        }
        name.push('E');
        assert!(name.len() < 300, "{}", name.len());
        let full = rustc_demangle::try_demangle(&name).expect("well-formed v0 name");
        // The crate itself accepts it (and would print up to 1 MB).
        assert!(format!("{full:#}").len() > MAX_DEMANGLED_LEN);
        assert!(matches!(demangle(&name), Cow::Borrowed(n) if n == name));
    }

    #[cfg(feature = "demangle-rust")]
    fn base62(n: usize) -> String {
        // v0 encodes 0 as the empty string before `_`, n as base-62 of n-1.
        if n == 0 {
            return String::new();
        }
        let digits = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
        let mut n = n - 1;
        let mut out = Vec::new();
        loop {
            out.push(digits[n % 62]);
            n /= 62;
            if n == 0 {
                break;
            }
        }
        out.reverse();
        String::from_utf8(out).unwrap()
    }

    /// Names are guest input: truncations and byte mutations of real
    /// manglings, and random strings over the manglings' alphabet, never
    /// panic and never yield more than the limit.
    #[test]
    fn hostile_names_never_panic() {
        let alphabet = b"_ZRNKESstvidcCsNvMBIT0123456789abcxyz$.";
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let real = [
            RUST_V0,
            RUST_V0_METHOD,
            RUST_LEGACY,
            RUST_LEGACY_CLOSURE,
            CPP_METHOD,
            CPP_DTOR,
        ];
        let check = |name: &str| {
            let out = demangle(name);
            assert!(out.len() <= MAX_DEMANGLED_LEN.max(name.len()));
        };
        for name in real {
            for end in 0..=name.len() {
                check(&name[..end]);
            }
            for _ in 0..2000 {
                let mut bytes = name.as_bytes().to_vec();
                let at = next() as usize % bytes.len();
                bytes[at] = alphabet[next() as usize % alphabet.len()];
                check(std::str::from_utf8(&bytes).unwrap());
            }
        }
        for _ in 0..20000 {
            let len = next() as usize % 40;
            let mut s = String::from(if next() % 2 == 0 { "_Z" } else { "_R" });
            for _ in 0..len {
                s.push(alphabet[next() as usize % alphabet.len()] as char);
            }
            check(&s);
        }
    }
}
