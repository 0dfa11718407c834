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
//! 2. **`if` with block parameters.** When the `then` arm of an `if` that
//!    takes parameters contains a `loop`, wasmi can make the `else` path
//!    read a value below the `if`'s parameters from a slot that only the
//!    `then` path wrote: the result is stale or uninitialized memory, so
//!    it varies from run to run. Found by the 1-hour differential run
//!    (seed 20261125, iteration 227276); reduced case in
//!    `fuzz/regressions/wasm/wasmi-if-params-else-stale.wat`. Rewrite: the
//!    parameters and the condition go to fresh locals before the `if`,
//!    which then takes no parameters, and each arm starts by reading them
//!    back (an `if` without `else` gets one that passes them through).

use std::collections::HashMap;
use wasm_encoder::reencode::{self, Reencode};
use wasm_encoder::{BlockType, Instruction, ValType};

/// What the rewrites need to know about the module before re-encoding it.
#[derive(Default)]
struct Workarounds {
    /// (params, results) of every type, by type index.
    types: Vec<(Vec<ValType>, Vec<ValType>)>,
    /// The type index of every defined function.
    func_types: Vec<u32>,
    /// Defined functions re-encoded so far.
    next_func: usize,
    /// Parameterless types `[] -> results` appended to the type section,
    /// for `if`s with several results, by results.
    added: Vec<Vec<ValType>>,
}

/// A control frame while re-encoding a body: whether it is an `if` whose
/// parameters were moved to these locals, and whether its `else` was seen.
struct Frame {
    moved: Option<Vec<u32>>,
    has_else: bool,
}

impl Workarounds {
    /// Reads the types and function types, and finds the parameterless
    /// types that rewritten `if`s need.
    fn scan(&mut self, wasm: &[u8]) -> Result<(), String> {
        let e = |e: wasmparser::BinaryReaderError| e.to_string();
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            match payload.map_err(e)? {
                wasmparser::Payload::TypeSection(reader) => {
                    for ty in reader.into_iter_err_on_gc_types() {
                        let ty = ty.map_err(e)?;
                        let conv = |ts: &[wasmparser::ValType]| -> Result<Vec<ValType>, String> {
                            ts.iter()
                                .map(|t| {
                                    ValType::try_from(*t).map_err(|_| "a GC value type".to_string())
                                })
                                .collect()
                        };
                        self.types.push((conv(ty.params())?, conv(ty.results())?));
                    }
                }
                wasmparser::Payload::FunctionSection(reader) => {
                    for f in reader {
                        self.func_types.push(f.map_err(e)?);
                    }
                }
                wasmparser::Payload::CodeSectionEntry(body) => {
                    let mut ops = body.get_operators_reader().map_err(e)?;
                    while !ops.eof() {
                        if let wasmparser::Operator::If {
                            blockty: wasmparser::BlockType::FuncType(i),
                        } = ops.read().map_err(e)?
                        {
                            let (params, results) = &self.types[i as usize];
                            if !params.is_empty()
                                && results.len() > 1
                                && !self.added.contains(results)
                            {
                                self.added.push(results.clone());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The block type of a rewritten `if`: its results, no parameters.
    fn results_only(&self, results: &[ValType]) -> BlockType {
        match results {
            [] => BlockType::Empty,
            [t] => BlockType::Result(*t),
            _ => {
                let i = self.added.iter().position(|r| r == results).unwrap_or(0);
                BlockType::FunctionType((self.types.len() + i) as u32)
            }
        }
    }
}

impl Reencode for Workarounds {
    type Error = std::convert::Infallible;

    fn parse_type_section(
        &mut self,
        types: &mut wasm_encoder::TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        reencode::utils::parse_type_section(self, types, section)?;
        for results in &self.added {
            types.ty().function([], results.iter().copied());
        }
        Ok(())
    }

    fn parse_function_body(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        func: wasmparser::FunctionBody<'_>,
    ) -> Result<(), reencode::Error<Self::Error>> {
        let type_index = self.func_types.get(self.next_func).copied().unwrap_or(0);
        self.next_func += 1;
        let mut locals = Vec::new();
        let mut next_local = self
            .types
            .get(type_index as usize)
            .map_or(0, |(p, _)| p.len() as u32);
        for pair in func.get_locals_reader()? {
            let (count, ty) = pair?;
            locals.push((count, self.val_type(ty)?));
            next_local += count;
        }
        // Fresh locals for moved `if` parameters, by (type, position among
        // an `if`'s parameters of that type); each `if` reads its own back
        // before anything else runs, so nested `if`s can share them.
        let mut pool: HashMap<(ValType, usize), u32> = HashMap::new();
        let mut extra: Vec<ValType> = Vec::new();
        let mut fresh = |ty: ValType, nth: usize, extra: &mut Vec<ValType>| -> u32 {
            *pool.entry((ty, nth)).or_insert_with(|| {
                extra.push(ty);
                next_local + extra.len() as u32 - 1
            })
        };
        let mut body: Vec<Instruction<'_>> = Vec::new();
        let mut frames: Vec<Frame> = Vec::new();
        let mut reader = func.get_operators_reader()?;
        while !reader.eof() {
            let op = reader.read()?;
            match op {
                wasmparser::Operator::Select | wasmparser::Operator::TypedSelect { .. } => {
                    body.push(Instruction::I32Const(0));
                    body.push(Instruction::I32Or);
                    body.push(self.instruction(op)?);
                }
                wasmparser::Operator::If {
                    blockty: wasmparser::BlockType::FuncType(i),
                } if self
                    .types
                    .get(i as usize)
                    .is_some_and(|(p, _)| !p.is_empty()) =>
                {
                    let (params, results) = self.types[i as usize].clone();
                    let cond = fresh(ValType::I32, params.len(), &mut extra);
                    let mut seen: HashMap<ValType, usize> = HashMap::new();
                    let slots: Vec<u32> = params
                        .iter()
                        .map(|t| {
                            let n = seen.entry(*t).or_default();
                            *n += 1;
                            fresh(*t, *n - 1, &mut extra)
                        })
                        .collect();
                    body.push(Instruction::LocalSet(cond));
                    for slot in slots.iter().rev() {
                        body.push(Instruction::LocalSet(*slot));
                    }
                    body.push(Instruction::LocalGet(cond));
                    body.push(Instruction::If(self.results_only(&results)));
                    body.extend(slots.iter().map(|s| Instruction::LocalGet(*s)));
                    frames.push(Frame {
                        moved: Some(slots),
                        has_else: false,
                    });
                }
                wasmparser::Operator::Block { .. }
                | wasmparser::Operator::Loop { .. }
                | wasmparser::Operator::If { .. }
                | wasmparser::Operator::TryTable { .. }
                | wasmparser::Operator::Try { .. } => {
                    frames.push(Frame {
                        moved: None,
                        has_else: false,
                    });
                    body.push(self.instruction(op)?);
                }
                wasmparser::Operator::Else => {
                    body.push(Instruction::Else);
                    if let Some(frame) = frames.last_mut() {
                        frame.has_else = true;
                        if let Some(slots) = &frame.moved {
                            body.extend(slots.iter().map(|s| Instruction::LocalGet(*s)));
                        }
                    }
                }
                wasmparser::Operator::End => {
                    if let Some(Frame {
                        moved: Some(slots),
                        has_else: false,
                    }) = frames.last()
                    {
                        // The implicit `else` passed the parameters on.
                        body.push(Instruction::Else);
                        body.extend(slots.iter().map(|s| Instruction::LocalGet(*s)));
                    }
                    frames.pop();
                    body.push(Instruction::End);
                }
                _ => body.push(self.instruction(op)?),
            }
        }
        locals.extend(extra.into_iter().map(|t| (1, t)));
        let mut f = wasm_encoder::Function::new(locals);
        for instruction in &body {
            f.instruction(instruction);
        }
        code.function(&f);
        Ok(())
    }
}

/// wasmi's copy of `wasm`.
pub fn apply(wasm: &[u8]) -> Result<Vec<u8>, String> {
    let mut workarounds = Workarounds::default();
    workarounds.scan(wasm)?;
    let mut module = wasm_encoder::Module::new();
    workarounds
        .parse_core_module(&mut module, wasmparser::Parser::new(0), wasm)
        .map_err(|e| e.to_string())?;
    Ok(module.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `if` with parameters, with and without `else`, nested, with
    /// one and several results, becomes a valid parameterless `if`.
    #[test]
    fn ifs_lose_their_parameters_and_stay_valid() {
        let wasm = wat::parse_str(
            r#"(module
              (type $p (func (param i32 f64) (result f64 i32)))
              (type $q (func (param i64) (result i64)))
              (func (export "f") (param i32) (result f64 i32 i64)
                (local i64)
                i32.const 7
                f64.const 1.5
                local.get 0
                if (type $p)
                  drop
                  drop
                  i64.const 3
                  local.get 0
                  if (type $q)
                    i64.const 1
                    i64.add
                  end
                  f64.convert_i64_s
                  i32.const 1
                else
                  drop
                  drop
                  f64.const 2
                  i32.const 2
                end
                i64.const 9
                local.get 0
                if (type $q)
                  drop
                  i64.const 4
                end))"#,
        )
        .unwrap();
        let validate = |wasm: &[u8]| {
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
                .validate_all(wasm)
                .map(|_| ())
        };
        validate(&wasm).expect("the test module is valid");
        let rewritten = apply(&wasm).unwrap();
        validate(&rewritten).expect("the rewritten module validates");
        let mut ifs = 0;
        let mut types = Vec::new();
        for payload in wasmparser::Parser::new(0).parse_all(&rewritten) {
            match payload.unwrap() {
                wasmparser::Payload::TypeSection(r) => {
                    for t in r.into_iter_err_on_gc_types() {
                        types.push(t.unwrap());
                    }
                }
                wasmparser::Payload::CodeSectionEntry(body) => {
                    let mut ops = body.get_operators_reader().unwrap();
                    while !ops.eof() {
                        if let wasmparser::Operator::If { blockty } = ops.read().unwrap() {
                            ifs += 1;
                            if let wasmparser::BlockType::FuncType(i) = blockty {
                                assert!(types[i as usize].params().is_empty());
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        assert_eq!(ifs, 3);
    }
}
