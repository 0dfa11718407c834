//! Rewrites that keep the differential oracle (wasmi 2.0.0) away from its
//! own known bugs, applied to wasmi's copy of a module only. Each rewrite
//! preserves the module's meaning exactly and names the bug it avoids;
//! smelt always runs the module as generated.
//!
//! 1. **`select` fused with a compare against zero.** wasmi fuses
//!    `i32.eqz`/`i32.eq 0`/`i32.ne 0` into a following `select`, dropping
//!    the compare, and then reads the condition from the compare's result
//!    register, which was never written when the compared value lived in a
//!    stack slot (e.g. a local). `(select (i32.const 1) (local.get 0)
//!    (i32.eqz (local.get 0)))` with local 0 = -5 gives 1 instead of -5.
//!    Found by the differential fuzzer (seed 2, iteration 4516); reduced
//!    case in `fuzz/regressions/wasm/wasmi-select-eqz-fusion.wat`. Rewrite:
//!    `i32.const 0; i32.or` before every `select` — wasmi stages the `or`
//!    as a real instruction (it does not fold `x | 0`), so no compare is
//!    fused.

use wasm_encoder::reencode::{self, Reencode};

struct Workarounds;

impl Reencode for Workarounds {
    type Error = std::convert::Infallible;

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        let mut f = self.new_function_with_parsed_locals(&func)?;
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            if matches!(
                op,
                wasmparser::Operator::Select | wasmparser::Operator::TypedSelect { .. }
            ) {
                f.instruction(&wasm_encoder::Instruction::I32Const(0));
                f.instruction(&wasm_encoder::Instruction::I32Or);
            }
            f.instruction(&self.instruction(op)?);
        }
        code.function(&f);
        Ok(())
    }
}

/// wasmi's copy of `wasm`.
pub fn apply(wasm: &[u8]) -> Result<Vec<u8>, String> {
    let mut module = wasm_encoder::Module::new();
    Workarounds
        .parse_core_module(&mut module, wasmparser::Parser::new(0), wasm)
        .map_err(|e| e.to_string())?;
    Ok(module.finish())
}
