//! SIMD and relaxed SIMD operators (`0xfd` prefix) for the interpreter:
//! `SIMD + n` for the operator `0xfd n`, in the formats of
//! `abi::interp` ("SIMD formats").

use super::Translator;
use smelt_runtime::abi::interp as ir;
use wasmparser::{MemArg, MemArgTarget, Operator};

/// How an operator's instruction is laid out.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Shape {
    /// `[op|dst] [addr|mem] offset [offset_hi]`.
    Load(MemArg),
    /// `[op|value] [addr|mem] offset [offset_hi]`.
    Store(MemArg),
    /// `[op|dst] [addr|mem] [vec|lane] offset [offset_hi]`.
    LoadLane(MemArg, u8),
    /// `[op|-] [addr|mem] [vec|lane] offset [offset_hi]`.
    StoreLane(MemArg, u8),
    /// `[op|dst] [a|b] lanes0 lanes1 lanes2 lanes3`.
    Shuffle([u8; 16]),
    /// `[op|dst] [src|lane]`.
    Extract(u8),
    /// `[op|dst] [vec|scalar] lane`.
    Replace(u8),
    /// `[op|dst] [src|-]`.
    Unary,
    /// `[op|dst] [lhs|rhs]`.
    Binary,
    /// `[op|dst] [a|b] [c|-]`.
    Ternary,
}

/// The shape of a SIMD operator, or `None` for the others (and for
/// `v128.const`, a deferred constant of the main translator).
#[allow(clippy::too_many_lines, reason = "one arm per operator group")]
fn shape(op: &Operator<'_>) -> Option<Shape> {
    use Operator as O;
    Some(match *op {
        O::V128Load { memarg }
        | O::V128Load8x8S { memarg }
        | O::V128Load8x8U { memarg }
        | O::V128Load16x4S { memarg }
        | O::V128Load16x4U { memarg }
        | O::V128Load32x2S { memarg }
        | O::V128Load32x2U { memarg }
        | O::V128Load8Splat { memarg }
        | O::V128Load16Splat { memarg }
        | O::V128Load32Splat { memarg }
        | O::V128Load64Splat { memarg }
        | O::V128Load32Zero { memarg }
        | O::V128Load64Zero { memarg } => Shape::Load(memarg),
        O::V128Store { memarg } => Shape::Store(memarg),
        O::V128Load8Lane { memarg, lane }
        | O::V128Load16Lane { memarg, lane }
        | O::V128Load32Lane { memarg, lane }
        | O::V128Load64Lane { memarg, lane } => Shape::LoadLane(memarg, lane),
        O::V128Store8Lane { memarg, lane }
        | O::V128Store16Lane { memarg, lane }
        | O::V128Store32Lane { memarg, lane }
        | O::V128Store64Lane { memarg, lane } => Shape::StoreLane(memarg, lane),
        O::I8x16Shuffle { lanes } => Shape::Shuffle(lanes),
        O::I8x16ExtractLaneS { lane }
        | O::I8x16ExtractLaneU { lane }
        | O::I16x8ExtractLaneS { lane }
        | O::I16x8ExtractLaneU { lane }
        | O::I32x4ExtractLane { lane }
        | O::I64x2ExtractLane { lane }
        | O::F32x4ExtractLane { lane }
        | O::F64x2ExtractLane { lane } => Shape::Extract(lane),
        O::I8x16ReplaceLane { lane }
        | O::I16x8ReplaceLane { lane }
        | O::I32x4ReplaceLane { lane }
        | O::I64x2ReplaceLane { lane }
        | O::F32x4ReplaceLane { lane }
        | O::F64x2ReplaceLane { lane } => Shape::Replace(lane),
        O::V128Bitselect
        | O::F32x4RelaxedMadd
        | O::F32x4RelaxedNmadd
        | O::F64x2RelaxedMadd
        | O::F64x2RelaxedNmadd
        | O::I8x16RelaxedLaneselect
        | O::I16x8RelaxedLaneselect
        | O::I32x4RelaxedLaneselect
        | O::I64x2RelaxedLaneselect
        | O::I32x4RelaxedDotI8x16I7x16AddS => Shape::Ternary,
        O::I8x16Splat
        | O::I16x8Splat
        | O::I32x4Splat
        | O::I64x2Splat
        | O::F32x4Splat
        | O::F64x2Splat
        | O::V128Not
        | O::V128AnyTrue
        | O::I8x16Abs
        | O::I8x16Neg
        | O::I8x16Popcnt
        | O::I8x16AllTrue
        | O::I8x16Bitmask
        | O::I16x8ExtAddPairwiseI8x16S
        | O::I16x8ExtAddPairwiseI8x16U
        | O::I32x4ExtAddPairwiseI16x8S
        | O::I32x4ExtAddPairwiseI16x8U
        | O::I16x8Abs
        | O::I16x8Neg
        | O::I16x8AllTrue
        | O::I16x8Bitmask
        | O::I16x8ExtendLowI8x16S
        | O::I16x8ExtendHighI8x16S
        | O::I16x8ExtendLowI8x16U
        | O::I16x8ExtendHighI8x16U
        | O::I32x4Abs
        | O::I32x4Neg
        | O::I32x4AllTrue
        | O::I32x4Bitmask
        | O::I32x4ExtendLowI16x8S
        | O::I32x4ExtendHighI16x8S
        | O::I32x4ExtendLowI16x8U
        | O::I32x4ExtendHighI16x8U
        | O::I64x2Abs
        | O::I64x2Neg
        | O::I64x2AllTrue
        | O::I64x2Bitmask
        | O::I64x2ExtendLowI32x4S
        | O::I64x2ExtendHighI32x4S
        | O::I64x2ExtendLowI32x4U
        | O::I64x2ExtendHighI32x4U
        | O::F32x4Ceil
        | O::F32x4Floor
        | O::F32x4Trunc
        | O::F32x4Nearest
        | O::F32x4Abs
        | O::F32x4Neg
        | O::F32x4Sqrt
        | O::F64x2Ceil
        | O::F64x2Floor
        | O::F64x2Trunc
        | O::F64x2Nearest
        | O::F64x2Abs
        | O::F64x2Neg
        | O::F64x2Sqrt
        | O::I32x4TruncSatF32x4S
        | O::I32x4TruncSatF32x4U
        | O::F32x4ConvertI32x4S
        | O::F32x4ConvertI32x4U
        | O::I32x4TruncSatF64x2SZero
        | O::I32x4TruncSatF64x2UZero
        | O::F64x2ConvertLowI32x4S
        | O::F64x2ConvertLowI32x4U
        | O::F32x4DemoteF64x2Zero
        | O::F64x2PromoteLowF32x4
        | O::I32x4RelaxedTruncF32x4S
        | O::I32x4RelaxedTruncF32x4U
        | O::I32x4RelaxedTruncF64x2SZero
        | O::I32x4RelaxedTruncF64x2UZero => Shape::Unary,
        O::I8x16Swizzle
        | O::I8x16Eq
        | O::I8x16Ne
        | O::I8x16LtS
        | O::I8x16LtU
        | O::I8x16GtS
        | O::I8x16GtU
        | O::I8x16LeS
        | O::I8x16LeU
        | O::I8x16GeS
        | O::I8x16GeU
        | O::I16x8Eq
        | O::I16x8Ne
        | O::I16x8LtS
        | O::I16x8LtU
        | O::I16x8GtS
        | O::I16x8GtU
        | O::I16x8LeS
        | O::I16x8LeU
        | O::I16x8GeS
        | O::I16x8GeU
        | O::I32x4Eq
        | O::I32x4Ne
        | O::I32x4LtS
        | O::I32x4LtU
        | O::I32x4GtS
        | O::I32x4GtU
        | O::I32x4LeS
        | O::I32x4LeU
        | O::I32x4GeS
        | O::I32x4GeU
        | O::I64x2Eq
        | O::I64x2Ne
        | O::I64x2LtS
        | O::I64x2GtS
        | O::I64x2LeS
        | O::I64x2GeS
        | O::F32x4Eq
        | O::F32x4Ne
        | O::F32x4Lt
        | O::F32x4Gt
        | O::F32x4Le
        | O::F32x4Ge
        | O::F64x2Eq
        | O::F64x2Ne
        | O::F64x2Lt
        | O::F64x2Gt
        | O::F64x2Le
        | O::F64x2Ge
        | O::V128And
        | O::V128AndNot
        | O::V128Or
        | O::V128Xor
        | O::I8x16NarrowI16x8S
        | O::I8x16NarrowI16x8U
        | O::I8x16Shl
        | O::I8x16ShrS
        | O::I8x16ShrU
        | O::I8x16Add
        | O::I8x16AddSatS
        | O::I8x16AddSatU
        | O::I8x16Sub
        | O::I8x16SubSatS
        | O::I8x16SubSatU
        | O::I8x16MinS
        | O::I8x16MinU
        | O::I8x16MaxS
        | O::I8x16MaxU
        | O::I8x16AvgrU
        | O::I16x8Q15MulrSatS
        | O::I16x8NarrowI32x4S
        | O::I16x8NarrowI32x4U
        | O::I16x8Shl
        | O::I16x8ShrS
        | O::I16x8ShrU
        | O::I16x8Add
        | O::I16x8AddSatS
        | O::I16x8AddSatU
        | O::I16x8Sub
        | O::I16x8SubSatS
        | O::I16x8SubSatU
        | O::I16x8Mul
        | O::I16x8MinS
        | O::I16x8MinU
        | O::I16x8MaxS
        | O::I16x8MaxU
        | O::I16x8AvgrU
        | O::I16x8ExtMulLowI8x16S
        | O::I16x8ExtMulHighI8x16S
        | O::I16x8ExtMulLowI8x16U
        | O::I16x8ExtMulHighI8x16U
        | O::I32x4Shl
        | O::I32x4ShrS
        | O::I32x4ShrU
        | O::I32x4Add
        | O::I32x4Sub
        | O::I32x4Mul
        | O::I32x4MinS
        | O::I32x4MinU
        | O::I32x4MaxS
        | O::I32x4MaxU
        | O::I32x4DotI16x8S
        | O::I32x4ExtMulLowI16x8S
        | O::I32x4ExtMulHighI16x8S
        | O::I32x4ExtMulLowI16x8U
        | O::I32x4ExtMulHighI16x8U
        | O::I64x2Shl
        | O::I64x2ShrS
        | O::I64x2ShrU
        | O::I64x2Add
        | O::I64x2Sub
        | O::I64x2Mul
        | O::I64x2ExtMulLowI32x4S
        | O::I64x2ExtMulHighI32x4S
        | O::I64x2ExtMulLowI32x4U
        | O::I64x2ExtMulHighI32x4U
        | O::F32x4Add
        | O::F32x4Sub
        | O::F32x4Mul
        | O::F32x4Div
        | O::F32x4Min
        | O::F32x4Max
        | O::F32x4PMin
        | O::F32x4PMax
        | O::F64x2Add
        | O::F64x2Sub
        | O::F64x2Mul
        | O::F64x2Div
        | O::F64x2Min
        | O::F64x2Max
        | O::F64x2PMin
        | O::F64x2PMax
        | O::I8x16RelaxedSwizzle
        | O::F32x4RelaxedMin
        | O::F32x4RelaxedMax
        | O::F64x2RelaxedMin
        | O::F64x2RelaxedMax
        | O::I16x8RelaxedQ15mulrS
        | O::I16x8RelaxedDotI8x16I7x16S => Shape::Binary,
        _ => return None,
    })
}

/// The sub-opcode `n` of the `0xfd n` operator whose bytes start at `at`.
fn sub_opcode(bytes: &[u8], at: usize) -> u16 {
    debug_assert_eq!(bytes[at], 0xfd);
    let mut n = 0u32;
    for (k, &b) in bytes[at + 1..].iter().take(5).enumerate() {
        n |= ((b & 0x7f) as u32) << (7 * k);
        if b & 0x80 == 0 {
            break;
        }
    }
    // Validated: an operator wasmparser knows, so at most 0x113.
    n as u16
}

/// Translates `op` if it is a SIMD operator the interpreter implements.
pub(super) fn translate(t: &mut Translator<'_, '_>, op: &Operator<'_>, offset: u32) -> bool {
    let Some(shape) = shape(op) else {
        return false;
    };
    let code = ir::SIMD + sub_opcode(t.bytes, offset as usize - t.body_start);
    match shape {
        Shape::Load(memarg) => {
            let Some(mem) = memory(memarg) else {
                return false;
            };
            let addr = t.pop();
            let d = t.push_temp();
            t.site(offset);
            let at = t.code.len();
            t.emit_raw(code, d);
            t.pair(addr, t.mem_half(mem));
            offset_words(t, mem, memarg.offset);
            t.last_producer = Some(at);
        }
        Shape::Store(memarg) => {
            let Some(mem) = memory(memarg) else {
                return false;
            };
            let v = t.pop();
            let addr = t.pop();
            t.site(offset);
            t.emit_raw(code, v);
            t.pair(addr, t.mem_half(mem));
            offset_words(t, mem, memarg.offset);
        }
        Shape::LoadLane(memarg, lane) | Shape::StoreLane(memarg, lane) => {
            let Some(mem) = memory(memarg) else {
                return false;
            };
            let v = t.pop();
            let addr = t.pop();
            let is_load = matches!(shape, Shape::LoadLane(..));
            let d = if is_load { t.push_temp() } else { 0 };
            t.site(offset);
            let at = t.code.len();
            t.emit_raw(code, d);
            t.pair(addr, t.mem_half(mem));
            t.pair(v, lane as u32);
            offset_words(t, mem, memarg.offset);
            if is_load {
                t.last_producer = Some(at);
            }
        }
        Shape::Shuffle(lanes) => {
            t.binary(code);
            for k in 0..4 {
                let w = u32::from_le_bytes([
                    lanes[4 * k],
                    lanes[4 * k + 1],
                    lanes[4 * k + 2],
                    lanes[4 * k + 3],
                ]);
                t.word(w);
            }
        }
        Shape::Extract(lane) => {
            let a = t.pop();
            let d = t.push_temp();
            let at = t.code.len();
            t.emit_raw(code, d);
            t.pair(a, lane as u32);
            t.last_producer = Some(at);
        }
        Shape::Replace(lane) => {
            t.binary(code);
            t.word(lane as u32);
        }
        Shape::Unary => t.unary(code),
        Shape::Binary => t.binary(code),
        Shape::Ternary => {
            let c = t.pop();
            let b = t.pop();
            let a = t.pop();
            let d = t.push_temp();
            let at = t.code.len();
            t.emit_raw(code, d);
            t.pair(a, b);
            t.pair(c, 0);
            t.last_producer = Some(at);
        }
    }
    true
}

/// The linear memory a memory immediate names.
fn memory(memarg: MemArg) -> Option<u32> {
    match memarg.target {
        MemArgTarget::Memory(m) => Some(m),
        MemArgTarget::Array(_) => None,
    }
}

/// The static offset: one word, two (low, high) for a 64-bit memory.
fn offset_words(t: &mut Translator<'_, '_>, mem: u32, offset: u64) {
    t.word(offset as u32);
    if t.info.memories[mem as usize].memory64 {
        t.word((offset >> 32) as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmparser::{BinaryReader, OperatorsReader};

    /// A `ModuleArity` for operators that never consult the module.
    struct NoModule;
    impl wasmparser::ModuleArity for NoModule {
        fn sub_type_at(&self, _: u32) -> Option<&wasmparser::SubType> {
            None
        }
        fn tag_type_arity(&self, _: u32) -> Option<(u32, u32)> {
            None
        }
        fn type_index_of_function(&self, _: u32) -> Option<u32> {
            None
        }
        fn func_type_of_cont_type(
            &self,
            _: &wasmparser::ContType,
        ) -> Option<&wasmparser::FuncType> {
            None
        }
        fn sub_type_of_ref_type(&self, _: &wasmparser::RefType) -> Option<&wasmparser::SubType> {
            None
        }
        fn control_stack_height(&self) -> u32 {
            0
        }
        fn label_block(&self, _: u32) -> Option<(wasmparser::BlockType, wasmparser::FrameKind)> {
            None
        }
    }

    /// Every `0xfd` operator wasmparser decodes has a shape whose operand
    /// count is the operator's arity, and the sub-opcode read back from
    /// its bytes is the one it was encoded with.
    #[test]
    fn shapes_match_arity() {
        let mut seen = 0;
        for n in 0u32..0x200 {
            let mut bytes = vec![0xfd];
            let mut v = n;
            loop {
                let b = (v & 0x7f) as u8;
                v >>= 7;
                if v == 0 {
                    bytes.push(b);
                    break;
                }
                bytes.push(b | 0x80);
            }
            assert_eq!(sub_opcode(&bytes, 0) as u32, n);
            // Immediates: a memarg (align 0, offset 0), a lane, or 16 bytes.
            bytes.extend_from_slice(&[0; 18]);
            let Ok(op) = OperatorsReader::new(BinaryReader::new(&bytes, 0)).read() else {
                continue;
            };
            if matches!(op, Operator::V128Const { .. }) {
                assert_eq!(shape(&op), None);
                continue;
            }
            let s = shape(&op).unwrap_or_else(|| panic!("no shape for {op:?}"));
            let (ins, outs) = op.operator_arity(&NoModule).expect("fixed arity");
            let want = match s {
                Shape::Load(_) | Shape::Extract(_) | Shape::Unary => (1, 1),
                Shape::Store(_) => (2, 0),
                Shape::LoadLane(..) | Shape::Shuffle(_) | Shape::Replace(_) | Shape::Binary => {
                    (2, 1)
                }
                Shape::StoreLane(..) => (2, 0),
                Shape::Ternary => (3, 1),
            };
            assert_eq!((ins, outs), want, "{op:?}");
            seen += 1;
        }
        // 235 SIMD operators besides v128.const, 20 relaxed ones.
        assert_eq!(seen, 235 + 20);
    }
}
