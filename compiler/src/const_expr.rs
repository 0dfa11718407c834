//! Constant expressions (global initialisers, segment offsets, element
//! items): encoded once into the descriptor's [`ConstOp`] lists, which the
//! runtime evaluates at instantiation, and decoded here when the
//! translator can fold a constant into code.

use crate::error::{CompileError, Result, unsupported};
use smelt_runtime::abi::{self, ConstOp};
use std::collections::BTreeSet;
use wasmparser::{Operator, RefType};

/// A single numeric constant (what an immutable global folds to).
#[derive(Copy, Clone, Debug, PartialEq)]
pub(crate) enum ConstValue {
    I32(i32),
    I64(i64),
    /// The bits of an `f32`.
    F32(u32),
    /// The bits of an `f64`.
    F64(u64),
}

/// The value of `ops` if it is one numeric constant, `None` for anything
/// the runtime must evaluate (`global.get`, arithmetic, references, v128).
pub(crate) fn single_value(ops: &[ConstOp]) -> Option<ConstValue> {
    let [op] = ops else { return None };
    Some(match op.op {
        abi::OP_I32_CONST => ConstValue::I32(op.imm[0] as i32),
        abi::OP_I64_CONST => ConstValue::I64(abi::join64(op.imm[0], op.imm[1]) as i64),
        abi::OP_F32_CONST => ConstValue::F32(op.imm[0]),
        abi::OP_F64_CONST => ConstValue::F64(abi::join64(op.imm[0], op.imm[1])),
        _ => return None,
    })
}

/// Flattens a constant expression into [`ConstOp`]s (without the final
/// `end`), recording functions it references.
pub(crate) fn encode(
    expr: &wasmparser::ConstExpr<'_>,
    referenced: &mut BTreeSet<u32>,
) -> Result<Vec<ConstOp>> {
    let mut ops = Vec::new();
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        let offset = reader.original_position();
        let op = reader.read()?;
        let (code, imm) = match op {
            Operator::I32Const { value } => (abi::OP_I32_CONST, [value as u32, 0, 0, 0]),
            Operator::I64Const { value } => {
                let (lo, hi) = abi::split64(value as u64);
                (abi::OP_I64_CONST, [lo, hi, 0, 0])
            }
            Operator::F32Const { value } => (abi::OP_F32_CONST, [value.bits(), 0, 0, 0]),
            Operator::F64Const { value } => {
                let (lo, hi) = abi::split64(value.bits());
                (abi::OP_F64_CONST, [lo, hi, 0, 0])
            }
            Operator::V128Const { value } => {
                let b = value.i128() as u128;
                (
                    abi::OP_V128_CONST,
                    [
                        b as u32,
                        (b >> 32) as u32,
                        (b >> 64) as u32,
                        (b >> 96) as u32,
                    ],
                )
            }
            Operator::GlobalGet { global_index } => (abi::OP_GLOBAL_GET, [global_index, 0, 0, 0]),
            Operator::RefNull { hty } => {
                let ty = crate::types::ref_type(RefType::new(true, hty).ok_or_else(|| {
                    CompileError::InvalidWasm {
                        message: "invalid reference type".into(),
                        offset: Some(offset),
                    }
                })?);
                (abi::OP_REF_NULL, [ty.0, 0, 0, 0])
            }
            Operator::RefFunc { function_index } => {
                referenced.insert(function_index);
                (abi::OP_REF_FUNC, [function_index, 0, 0, 0])
            }
            Operator::I32Add => (abi::OP_I32_ADD, [0; 4]),
            Operator::I32Sub => (abi::OP_I32_SUB, [0; 4]),
            Operator::I32Mul => (abi::OP_I32_MUL, [0; 4]),
            Operator::I64Add => (abi::OP_I64_ADD, [0; 4]),
            Operator::I64Sub => (abi::OP_I64_SUB, [0; 4]),
            Operator::I64Mul => (abi::OP_I64_MUL, [0; 4]),
            Operator::End => break,
            other => {
                return Err(unsupported!(
                    offset,
                    "constant expression operator {other:?}"
                ));
            }
        };
        ops.push(ConstOp { op: code, imm });
    }
    Ok(ops)
}
