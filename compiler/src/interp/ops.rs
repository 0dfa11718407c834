//! Numeric, load and store operators: one IR instruction each, numbered
//! after their wasm opcode byte (see `abi::interp`), with the common
//! constant operands folded into immediate forms.

use super::{Opnd, Translator};
use smelt_runtime::abi::interp::{self as ir, Op};
use wasmparser::Operator;

/// Whether the plain numeric operator with opcode `byte` takes one operand.
fn is_unary(byte: u8) -> bool {
    matches!(byte,
        0x45 | 0x50 | 0x67..=0x69 | 0x79..=0x7b | 0x8b..=0x91 | 0x99..=0x9f | 0xa7..=0xc4)
}

/// The i32 and i64 compares and (non-trapping) integer arithmetic, which
/// have a form with a constant right operand (`NUMERIC_IMM`).
fn has_imm_form(byte: u8) -> bool {
    matches!(byte, 0x46..=0x4f | 0x51..=0x5a | 0x6a..=0x6c | 0x71..=0x78 | 0x7c..=0x7e | 0x83..=0x8a)
}

/// The load (opcode byte) whose result the operator `byte` can take as
/// its right operand straight from memory (`MEMOP`).
fn load_rhs_form(byte: u8) -> Option<u16> {
    match byte {
        0x6a..=0x6c | 0x71..=0x73 => Some(0x28),
        0x7c..=0x7e | 0x83..=0x85 => Some(0x29),
        0x92..=0x95 => Some(0x2a),
        0xa0..=0xa3 => Some(0x2b),
        _ => None,
    }
}

/// Whether `byte` is an i64 binary operator (a 64-bit immediate).
fn is_i64_binary(byte: u8) -> bool {
    matches!(byte, 0x51..=0x5a | 0x7c..=0x8a)
}

/// The compare whose result is the negation of `byte`'s (i32 or i64, or
/// the `i32.and` tests 0x71 and 0x45 of `BRCMP`).
pub(super) fn negated_compare(byte: u16) -> u16 {
    match byte {
        0x71 => return 0x45,
        0x45 => return 0x71,
        _ => {}
    }
    let (base, k) = if byte >= 0x51 {
        (0x51, byte - 0x51)
    } else {
        (0x46, byte - 0x46)
    };
    base + [1, 0, 8, 9, 6, 7, 4, 5, 2, 3][k as usize]
}

/// Whether the operator with opcode `byte` can trap.
fn can_trap(byte: u8) -> bool {
    matches!(byte, 0x6d..=0x70 | 0x7f..=0x82 | 0xa8..=0xab | 0xae..=0xb1)
}

/// Translates `op` if it is a numeric, load or store operator.
pub(super) fn numeric(t: &mut Translator<'_, '_>, op: &Operator<'_>, offset: u32) -> bool {
    let byte = t.bytes[offset as usize - t.body_start];
    match byte {
        0x45..=0xc4 => {
            if has_imm_form(byte)
                && let Some(Opnd::Const { bits, .. }) = t.stack.last().copied()
            {
                // A constant right operand becomes an immediate.
                t.stack.pop();
                let lhs = t.pop();
                let d = t.push_temp();
                if byte as u16 == super::I32_ADD && t.merge_add_imm(d, lhs, bits as u32) {
                    return true;
                }
                let at = t.code.len();
                t.emit_raw(ir::NUMERIC_IMM + byte as u16, d);
                t.pair(lhs, 0);
                t.word(bits as u32);
                if is_i64_binary(byte) {
                    t.word((bits >> 32) as u32);
                }
                t.last_producer = Some(at);
                if byte as u16 == super::I32_ADD {
                    t.last_add_imm = Some(at);
                }
                return true;
            }
            if can_trap(byte) {
                t.site(offset);
            }
            let code = ir::NUMERIC + byte as u16;
            if is_unary(byte) {
                t.unary(code);
            } else if !(load_rhs_form(byte).is_some_and(|load| t.fuse_load_rhs(byte as u16, load)))
            {
                t.binary(code);
            }
            // The trap site must name the instruction, not a constant
            // materialised in front of it.
            if can_trap(byte) {
                let ip = t.last_producer.expect("just emitted") as u32;
                t.offsets.last_mut().expect("just recorded").ip = ip;
            }
            true
        }
        // Loads (..=0x35) and stores.
        0x28..=0x3e => {
            let (memarg, is_load) = match *op {
                Operator::I32Load { memarg }
                | Operator::I64Load { memarg }
                | Operator::F32Load { memarg }
                | Operator::F64Load { memarg }
                | Operator::I32Load8S { memarg }
                | Operator::I32Load8U { memarg }
                | Operator::I32Load16S { memarg }
                | Operator::I32Load16U { memarg }
                | Operator::I64Load8S { memarg }
                | Operator::I64Load8U { memarg }
                | Operator::I64Load16S { memarg }
                | Operator::I64Load16U { memarg }
                | Operator::I64Load32S { memarg }
                | Operator::I64Load32U { memarg } => (memarg, true),
                Operator::I32Store { memarg }
                | Operator::I64Store { memarg }
                | Operator::F32Store { memarg }
                | Operator::F64Store { memarg }
                | Operator::I32Store8 { memarg }
                | Operator::I32Store16 { memarg }
                | Operator::I64Store8 { memarg }
                | Operator::I64Store16 { memarg }
                | Operator::I64Store32 { memarg } => (memarg, false),
                _ => return false,
            };
            let wasmparser::MemArgTarget::Memory(memory) = memarg.target else {
                return false;
            };
            t.memarg_op(memory, is_load, memarg.offset, offset);
            true
        }
        0xfd => super::simd::translate(t, op, offset),
        0xfe => super::atomics::translate(t, offset),
        0xfc => {
            let n = match *op {
                Operator::I32TruncSatF32S => 0,
                Operator::I32TruncSatF32U => 1,
                Operator::I32TruncSatF64S => 2,
                Operator::I32TruncSatF64U => 3,
                Operator::I64TruncSatF32S => 4,
                Operator::I64TruncSatF32U => 5,
                Operator::I64TruncSatF64S => 6,
                Operator::I64TruncSatF64U => 7,
                Operator::I64Add128 | Operator::I64Sub128 => {
                    let op = if matches!(op, Operator::I64Add128) {
                        Op::I64Add128
                    } else {
                        Op::I64Sub128
                    };
                    t.materialize_top(4);
                    let src = t.slot_of(t.stack.len() - 4);
                    t.pop_n(4);
                    let d = t.push_temp();
                    t.push_temp();
                    t.emit(op, d);
                    t.pair(src, 0);
                    return true;
                }
                Operator::I64MulWideS | Operator::I64MulWideU => {
                    let op = if matches!(op, Operator::I64MulWideS) {
                        Op::I64MulWideS
                    } else {
                        Op::I64MulWideU
                    };
                    let b = t.pop();
                    let a = t.pop();
                    let d = t.push_temp();
                    t.push_temp();
                    t.emit(op, d);
                    t.pair(a, b);
                    return true;
                }
                _ => return false,
            };
            t.unary(ir::SAT + n);
            true
        }
        _ => false,
    }
}
