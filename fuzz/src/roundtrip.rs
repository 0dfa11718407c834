//! The `wast` target: generated modules through the text format and back.
//!
//! A module (all of smelt's features) is printed with `wasmprinter`,
//! parsed back by smelt's own text front end (`wat_to_wasm`, the path
//! `smelt compile x.wat` takes), and must then
//!
//! - print to the same text (the printer/parser pair is a fixpoint),
//! - validate, and
//! - compile to the same machine code and symbols as the original binary,
//!   and to the byte-identical object when the re-encoded binary is the
//!   same bytes (the descriptor records wasm byte offsets, which move when
//!   the text parser picks other encodings, e.g. LEB128 widths).

use crate::{Outcome, compile, smith};
use arbitrary::Unstructured;
use smelt_compiler::{OptLevel, Options};

pub fn run(data: &[u8]) -> Outcome {
    let mut u = Unstructured::new(data);
    let Ok(config) = smith::smelt_config(&mut u) else {
        return Outcome::Skip("input too short for a config");
    };
    let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
        return Outcome::Skip("input too short for a module");
    };
    let wasm = module.to_bytes();
    let text = match wasmprinter::print_bytes(&wasm) {
        Ok(t) => t,
        Err(e) => return Outcome::Fail(format!("wasmprinter cannot print the module: {e}")),
    };
    let back = match smelt_compiler::wat_to_wasm(text.as_bytes()) {
        Ok(b) => b.into_owned(),
        Err(e) => {
            return Outcome::Fail(format!("smelt cannot parse the printed text: {e}\n{text}"));
        }
    };
    if let Err(e) = compile::validate(&back) {
        return Outcome::Fail(format!("the re-parsed module is invalid: {e}\n{text}"));
    }
    match wasmprinter::print_bytes(&back) {
        Ok(again) if again == text => {}
        Ok(again) => {
            return Outcome::Fail(format!(
                "printing is not a fixpoint:\n--- first\n{text}\n--- second\n{again}"
            ));
        }
        Err(e) => {
            return Outcome::Fail(format!(
                "wasmprinter cannot print the re-parsed module: {e}"
            ));
        }
    }
    // Compiling is the expensive part: no optimization, one thread.
    let options = Options {
        opt_level: OptLevel::None,
        threads: Some(1),
        module_name: "fuzz".to_string(),
        ..Options::default()
    };
    let a = match smelt_compiler::compile(&wasm, &options) {
        Ok(a) => a,
        Err(e) => return Outcome::Fail(format!("the binary does not compile: {e}")),
    };
    let b = match smelt_compiler::compile(&back, &options) {
        Ok(b) => b,
        Err(e) => return Outcome::Fail(format!("the text does not compile: {e}")),
    };
    if back == wasm {
        // Same bytes: the objects must be identical (determinism).
        if a.object != b.object {
            return Outcome::Fail("the same module compiled twice gives different objects".into());
        }
        return Outcome::Pass;
    }
    // The encodings differ (e.g. LEB128 widths), so the descriptors' wasm
    // byte offsets (address map, traps) may too; the code may not.
    match (code_and_symbols(&a.object), code_and_symbols(&b.object)) {
        (Ok(x), Ok(y)) if x == y => {}
        (Ok(_), Ok(_)) => {
            return Outcome::Fail("binary and text compile to different machine code".into());
        }
        (Err(e), _) | (_, Err(e)) => return Outcome::Fail(format!("unreadable object: {e}")),
    }
    Outcome::Pass
}

/// The bytes of every code section and the names of all symbols.
fn code_and_symbols(obj: &[u8]) -> Result<(Vec<Vec<u8>>, Vec<String>), object::Error> {
    use object::{Object, ObjectSection, ObjectSymbol, SectionKind};
    let file = object::File::parse(obj)?;
    let mut code = Vec::new();
    for section in file.sections() {
        if section.kind() == SectionKind::Text {
            code.push(section.data()?.to_vec());
        }
    }
    let symbols = file
        .symbols()
        .map(|s| s.name().unwrap_or("").to_string())
        .collect();
    Ok((code, symbols))
}
