//! Objects for every supported target, parsed back with the `object`
//! crate: format, architecture and byte order; the text section and the
//! descriptor symbol; the relocations a linker will see (calls between
//! functions, code addresses in the descriptor, `main`'s call into the
//! runtime); and no undefined symbol except the runtime's entry point —
//! in particular no libm libcall (`ceilf`, `fma`, …) that an executable
//! would have to resolve.
//!
//! Mach-O and COFF objects cannot be linked or run here (no runtime for
//! macOS or Windows yet); this is all the checking they get.

use object::{
    Architecture, BinaryFormat, Endianness, Object, ObjectSection, ObjectSymbol, RelocationFlags,
    RelocationTarget, SectionKind,
};
use smelt_compiler::error::TargetError;
use smelt_compiler::{CompileError, Options, SUPPORTED_TARGETS, compile};

/// Direct and indirect calls, a table, memory with data, float rounding
/// (libm calls on baselines without rounding instructions), traps, a
/// multi-value function with more results than return registers, and a
/// large frame (stack probes).
const MODULE: &str = r#"
(module
  (type $binop (func (param f64 f64) (result f64)))
  (memory (export "mem") 1)
  (data (i32.const 8) "cross")
  (table 2 funcref)
  (elem (i32.const 0) $add $min)
  (func $add (type $binop) (f64.add (local.get 0) (local.get 1)))
  (func $min (type $binop) (f64.min (local.get 0) (local.get 1)))
  (func (export "round") (param f32 f64) (result f32 f32 f32 f32 f64 f64 f64 f64)
    (f32.ceil (local.get 0)) (f32.floor (local.get 0))
    (f32.trunc (local.get 0)) (f32.nearest (local.get 0))
    (f64.ceil (local.get 1)) (f64.floor (local.get 1))
    (f64.trunc (local.get 1)) (f64.nearest (local.get 1)))
  (func (export "apply") (param i32 f64 f64) (result f64)
    (call_indirect (type $binop) (local.get 1) (local.get 2) (local.get 0)))
  (func (export "direct") (param f64) (result f64)
    (call $add (local.get 0) (f64.sqrt (local.get 0))))
  (func (export "many") (result i64 i64 i64 i64 i64 i64 i64 i64 i64 i64)
    (i64.const 1) (i64.const 2) (i64.const 3) (i64.const 4) (i64.const 5)
    (i64.const 6) (i64.const 7) (i64.const 8) (i64.const 9) (i64.const 10))
  (func (export "div") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "load") (param i32) (result i64)
    (i64.load offset=8 (local.get 0)))
  (func (export "convert") (param f64) (result i32 i64 f32)
    (i32.trunc_f64_s (local.get 0))
    (i64.trunc_sat_f64_u (local.get 0))
    (f32.demote_f64 (local.get 0)))
)
"#;

struct Expect {
    format: BinaryFormat,
    arch: Architecture,
    endian: Endianness,
    text: &'static str,
    /// Relocation type of a call between two wasm functions.
    call: RelocationFlags,
    /// Relocation type of a code address in the descriptor.
    abs64: RelocationFlags,
    /// Symbol-name prefix the format adds to C names.
    prefix: &'static str,
}

fn elf(r_type: u32) -> RelocationFlags {
    RelocationFlags::Elf { r_type }
}

fn expect(triple: &str) -> Expect {
    use object::{elf::*, macho::*, pe::*};
    let macho = |r_type: u8, r_pcrel: bool, r_length: u8| RelocationFlags::MachO {
        r_type,
        r_pcrel,
        r_length,
    };
    match triple {
        "x86_64-unknown-linux-gnu" => Expect {
            format: BinaryFormat::Elf,
            arch: Architecture::X86_64,
            endian: Endianness::Little,
            text: ".text",
            call: elf(R_X86_64_PLT32),
            abs64: elf(R_X86_64_64),
            prefix: "",
        },
        "aarch64-unknown-linux-gnu" => Expect {
            format: BinaryFormat::Elf,
            arch: Architecture::Aarch64,
            endian: Endianness::Little,
            text: ".text",
            call: elf(R_AARCH64_CALL26),
            abs64: elf(R_AARCH64_ABS64),
            prefix: "",
        },
        "riscv64gc-unknown-linux-gnu" => Expect {
            format: BinaryFormat::Elf,
            arch: Architecture::Riscv64,
            endian: Endianness::Little,
            text: ".text",
            call: elf(R_RISCV_CALL_PLT),
            abs64: elf(R_RISCV_64),
            prefix: "",
        },
        "s390x-unknown-linux-gnu" => Expect {
            format: BinaryFormat::Elf,
            arch: Architecture::S390x,
            endian: Endianness::Big,
            text: ".text",
            call: elf(R_390_PLT32DBL),
            abs64: elf(R_390_64),
            prefix: "",
        },
        "x86_64-apple-darwin" => Expect {
            format: BinaryFormat::MachO,
            arch: Architecture::X86_64,
            endian: Endianness::Little,
            text: "__text",
            call: macho(X86_64_RELOC_BRANCH, true, 2),
            abs64: macho(X86_64_RELOC_UNSIGNED, false, 3),
            prefix: "_",
        },
        "aarch64-apple-darwin" => Expect {
            format: BinaryFormat::MachO,
            arch: Architecture::Aarch64,
            endian: Endianness::Little,
            text: "__text",
            call: macho(ARM64_RELOC_BRANCH26, true, 2),
            abs64: macho(ARM64_RELOC_UNSIGNED, false, 3),
            prefix: "_",
        },
        "x86_64-pc-windows-msvc" => Expect {
            format: BinaryFormat::Coff,
            arch: Architecture::X86_64,
            endian: Endianness::Little,
            text: ".text",
            call: RelocationFlags::Coff {
                typ: IMAGE_REL_AMD64_REL32,
            },
            abs64: RelocationFlags::Coff {
                typ: IMAGE_REL_AMD64_ADDR64,
            },
            prefix: "",
        },
        other => panic!("no expectations for {other}"),
    }
}

fn compile_for(triple: &str, emit_main: bool) -> Vec<u8> {
    let options = Options {
        target: Some(triple.parse().expect("valid triple")),
        module_name: "cross".into(),
        emit_main,
        // The calls between functions are what the relocation checks look
        // at; keep them out of line.
        inline: false,
        ..Options::default()
    };
    let wasm = wat::parse_str(MODULE).expect("valid wat");
    compile(&wasm, &options)
        .unwrap_or_else(|e| panic!("{triple}: {e}"))
        .object
}

fn check(triple: &str, emit_main: bool) {
    let e = expect(triple);
    let bytes = compile_for(triple, emit_main);
    let file = object::File::parse(&*bytes).unwrap_or_else(|err| panic!("{triple}: {err}"));
    assert_eq!(file.format(), e.format, "{triple}: format");
    assert_eq!(file.architecture(), e.arch, "{triple}: architecture");
    assert_eq!(
        file.endianness(),
        e.endian,
        "{triple}: byte order (the descriptor is written in it)"
    );

    // The code: one text section holding every function.
    let text = file
        .sections()
        .find(|s| s.name() == Ok(e.text))
        .unwrap_or_else(|| panic!("{triple}: no {} section", e.text));
    assert_eq!(text.kind(), SectionKind::Text, "{triple}: text kind");
    assert!(text.size() > 0, "{triple}: empty text");

    // The descriptor: a global, defined data symbol with the format's
    // C-name prefix (Mach-O adds `_`; we declare the name without it).
    let name = format!("{}smelt_mod_cross_descriptor", e.prefix);
    let descriptor = file
        .symbols()
        .find(|s| s.name() == Ok(name.as_str()))
        .unwrap_or_else(|| panic!("{triple}: no symbol {name}"));
    assert!(
        descriptor.is_definition() && descriptor.is_global(),
        "{triple}: descriptor symbol"
    );
    let desc_section = file
        .section_by_index(descriptor.section_index().expect("in a section"))
        .expect("section exists");
    assert_ne!(
        desc_section.kind(),
        SectionKind::Text,
        "{triple}: descriptor in data"
    );
    // The descriptor starts with the magic, in the target's byte order.
    let data = desc_section.data().expect("descriptor bytes");
    let at = (descriptor.address() - desc_section.address()) as usize;
    let magic = match e.endian {
        Endianness::Little => u32::from_le_bytes(data[at..at + 4].try_into().unwrap()),
        Endianness::Big => u32::from_be_bytes(data[at..at + 4].try_into().unwrap()),
    };
    assert_eq!(
        magic,
        smelt_runtime::abi::DESCRIPTOR_MAGIC,
        "{triple}: magic"
    );

    // Code addresses in the descriptor: absolute 64-bit relocations against
    // the functions (one per function and trampoline).
    let abs: Vec<_> = desc_section
        .relocations()
        .filter(|(_, r)| r.flags() == e.abs64)
        .collect();
    assert!(
        abs.len() >= 8,
        "{triple}: {} code-address relocations",
        abs.len()
    );
    assert_eq!(
        abs.len(),
        desc_section.relocations().count(),
        "{triple}: only code addresses are relocated in the descriptor"
    );

    // Calls between wasm functions: the direct-call relocation, against a
    // symbol in the text section.
    let calls: Vec<_> = text
        .relocations()
        .filter(|(_, r)| r.flags() == e.call)
        .collect();
    assert!(
        !calls.is_empty(),
        "{triple}: no call relocations in {:?}",
        text.relocations()
            .map(|(_, r)| r.flags())
            .collect::<Vec<_>>()
    );

    // Undefined symbols: only the runtime's entry point, and only with
    // `main`. Anything else (a libm call) would fail to link.
    let undefined: Vec<String> = file
        .symbols()
        .filter(|s| s.is_undefined() && !s.name().unwrap_or("").is_empty())
        .map(|s| s.name().unwrap_or("?").to_string())
        .collect();
    let expected: Vec<String> = if emit_main {
        vec![format!("{}smelt_rt_main", e.prefix)]
    } else {
        vec![]
    };
    assert_eq!(undefined, expected, "{triple}: undefined symbols");

    if emit_main {
        let main = format!("{}main", e.prefix);
        assert!(
            file.symbols()
                .any(|s| s.name() == Ok(main.as_str()) && s.is_definition() && s.is_global()),
            "{triple}: no global {main}"
        );
        // `main` calls the runtime directly (the runtime is linked into the
        // same executable), not through the GOT.
        let rt_main = file
            .symbols()
            .find(|s| s.name() == Ok(expected[0].as_str()))
            .expect("runtime entry symbol");
        let to_rt: Vec<_> = text
            .relocations()
            .filter(|(_, r)| r.target() == RelocationTarget::Symbol(rt_main.index()))
            .collect();
        assert_eq!(to_rt.len(), 1, "{triple}: one call to smelt_rt_main");
        assert_eq!(
            to_rt[0].1.flags(),
            e.call,
            "{triple}: direct call to smelt_rt_main"
        );
    }
}

#[test]
fn every_supported_target_has_expectations() {
    for t in SUPPORTED_TARGETS {
        let _ = expect(t.triple);
    }
}

#[test]
fn x86_64_linux_elf() {
    check("x86_64-unknown-linux-gnu", false);
    check("x86_64-unknown-linux-gnu", true);
}

#[test]
fn aarch64_linux_elf() {
    check("aarch64-unknown-linux-gnu", false);
    check("aarch64-unknown-linux-gnu", true);
}

#[test]
fn riscv64_linux_elf() {
    check("riscv64gc-unknown-linux-gnu", false);
    check("riscv64gc-unknown-linux-gnu", true);
    // Compressed instructions and the double-float ABI, as gcc expects.
    let bytes = compile_for("riscv64gc-unknown-linux-gnu", false);
    let object::File::Elf64(elf) = object::File::parse(&*bytes).unwrap() else {
        panic!("not ELF64")
    };
    let flags = elf.elf_header().e_flags.get(object::Endianness::Little);
    assert_eq!(
        flags,
        object::elf::EF_RISCV_RVC | object::elf::EF_RISCV_FLOAT_ABI_DOUBLE
    );
}

#[test]
fn s390x_linux_elf() {
    check("s390x-unknown-linux-gnu", false);
    check("s390x-unknown-linux-gnu", true);
}

#[test]
fn x86_64_macos_macho() {
    check("x86_64-apple-darwin", false);
    check("x86_64-apple-darwin", true);
}

#[test]
fn aarch64_macos_macho() {
    check("aarch64-apple-darwin", false);
    check("aarch64-apple-darwin", true);
}

#[test]
fn x86_64_windows_coff() {
    check("x86_64-pc-windows-msvc", false);
    check("x86_64-pc-windows-msvc", true);
}

#[test]
fn unsupported_targets_are_errors_not_panics() {
    for triple in [
        "aarch64-pc-windows-msvc",
        "riscv64gc-apple-darwin",
        "i686-unknown-linux-gnu",
        "wasm32-unknown-unknown",
    ] {
        let options = Options {
            target: Some(triple.parse().expect("valid triple")),
            ..Options::default()
        };
        let wasm = wat::parse_str("(module)").unwrap();
        let err = compile(&wasm, &options).expect_err(triple);
        assert!(
            matches!(
                err,
                CompileError::Target(
                    TargetError::NotSixtyFourBit { .. }
                        | TargetError::UnsupportedArchitecture { .. }
                        | TargetError::UnsupportedFormat { .. }
                )
            ),
            "{triple}: {err}"
        );
    }
}

/// A module with imports of each kind the typed C API links by name.
const C_API_MODULE: &str = r#"
(module
  (import "host" "log" (func $log (param i32)))
  (import "host" "mem" (memory 1))
  (import "host" "base" (global i32))
  (global (export "count") (mut i32) (i32.const 0))
  (func (export "run") (param i32) (result i32 i64)
    (call $log (local.get 0))
    (i32.add (local.get 0) (global.get 0))
    (i64.const 7))
)
"#;

/// With `--header` (`Options::c_api`) every target gets the export
/// wrappers and accessors as global definitions, and refers only to the
/// runtime and to the imports' C functions: a linker resolves exactly
/// these names, whatever the format.
#[test]
fn c_api_objects_for_every_target() {
    for t in SUPPORTED_TARGETS {
        let triple = t.triple;
        let e = expect(triple);
        let options = Options {
            target: Some(triple.parse().expect("valid triple")),
            module_name: "cross".into(),
            c_api: true,
            ..Options::default()
        };
        let wasm = wat::parse_str(C_API_MODULE).expect("valid wat");
        let out = compile(&wasm, &options).unwrap_or_else(|err| panic!("{triple}: {err}"));
        assert!(out.header.is_some(), "{triple}: no header");
        let file =
            object::File::parse(&*out.object).unwrap_or_else(|err| panic!("{triple}: {err}"));
        let c_name = |s: &str| s.strip_prefix(e.prefix).map(str::to_string);
        let defined: Vec<String> = file
            .symbols()
            .filter(|s| s.is_definition() && s.is_global())
            .filter_map(|s| c_name(s.name().ok()?))
            .collect();
        for name in [
            "smelt_w_cross_run",
            "smelt_w_cross_count",
            "smelt_mod_cross_instantiate",
            "smelt_mod_cross_free",
            "smelt_mod_cross_descriptor",
        ] {
            assert!(
                defined.iter().any(|d| d == name),
                "{triple}: {name} not defined in {defined:?}"
            );
        }
        let undefined: Vec<String> = file
            .symbols()
            .filter(|s| s.is_undefined() && !s.name().unwrap_or("").is_empty())
            .map(|s| s.name().unwrap_or("?").to_string())
            .collect();
        for name in &undefined {
            let c = c_name(name).unwrap_or_else(|| panic!("{triple}: {name} lacks the prefix"));
            assert!(
                c.starts_with("smelt_rt_")
                    || ["smelt_w_host_log", "smelt_w_host_mem", "smelt_w_host_base"]
                        .contains(&c.as_str()),
                "{triple}: unexpected undefined symbol {name}"
            );
        }
        for import in ["smelt_w_host_log", "smelt_w_host_mem", "smelt_w_host_base"] {
            assert!(
                undefined
                    .iter()
                    .any(|u| c_name(u).as_deref() == Some(import)),
                "{triple}: {import} not referenced"
            );
        }
    }
}
