//! Operator decoding for the translator: wasmparser's binary reader, with
//! the most frequent operators (locals, globals, constants, calls,
//! branches, `end`, plain loads and stores, the numeric operators without
//! immediates) decoded inline. Going through
//! `OperatorsReader::read` for those costs a call into wasmparser's
//! decoder and a store-forwarding stall when the returned `Operator` is
//! copied out, a third of the translator's time.
//!
//! The immediates are read with wasmparser's own `read_var_*`, so a
//! malformed one gives the error `OperatorsReader` would give, at the same
//! offset. The control frames `OperatorsReader` keeps (the binary format's
//! rules for `else`, `catch`, `delegate` and the final `end`) are kept
//! here the same way.

use wasmparser::{
    BinaryReader, FrameKind, FrameStack, MemArg, MemArgTarget, Operator, Result, VisitOperator,
    VisitSimdOperator,
};

/// The operators of one function body, in order.
pub(super) struct Decoder<'a> {
    reader: BinaryReader<'a>,
    frames: Frames,
    /// The body's bytes and the offset of its first byte.
    bytes: &'a [u8],
    start: usize,
}

/// The open control frames, innermost last.
struct Frames(Vec<FrameKind>);

impl FrameStack for Frames {
    fn current_frame(&self) -> Option<FrameKind> {
        self.0.last().copied()
    }
}

/// An operator read by [`Decoder::read`]: a static one (no immediates)
/// or one decoded into the caller's storage.
pub(super) enum Read<'a> {
    Static(&'static Operator<'static>),
    Owned(Operator<'a>),
}

impl<'a> Decoder<'a> {
    /// `reader` is positioned at the first operator of `body` (the bytes
    /// of the whole function body, which start at offset `start`).
    pub(super) fn new(reader: BinaryReader<'a>, body: &'a [u8], start: usize) -> Decoder<'a> {
        Decoder {
            reader,
            frames: Frames(vec![FrameKind::Block]),
            bytes: body,
            start,
        }
    }

    pub(super) fn eof(&self) -> bool {
        self.reader.eof()
    }

    pub(super) fn original_position(&self) -> usize {
        self.reader.original_position() as usize
    }

    /// The next operator.
    #[inline(always)]
    pub(super) fn read(&mut self) -> Result<Read<'a>> {
        // `eof` is false: a byte is there.
        let byte = self.bytes[self.original_position() - self.start];
        if self.frames.0.is_empty() {
            // "operators remaining after end", from wasmparser.
            return Ok(Read::Owned(self.read_other(byte)?));
        }
        Ok(match byte {
            0x0b => {
                self.reader.read_u8()?;
                self.frames.0.pop();
                Read::Static(&Operator::End)
            }
            0x0f => {
                self.reader.read_u8()?;
                Read::Static(&Operator::Return)
            }
            0x1a => {
                self.reader.read_u8()?;
                Read::Static(&Operator::Drop)
            }
            0x1b => {
                self.reader.read_u8()?;
                Read::Static(&Operator::Select)
            }
            0x0c | 0x0d | 0x10 | 0x20..=0x24 | 0x41 | 0x42 => {
                self.reader.read_u8()?;
                Read::Owned(match byte {
                    0x0c => Operator::Br {
                        relative_depth: self.reader.read_var_u32()?,
                    },
                    0x0d => Operator::BrIf {
                        relative_depth: self.reader.read_var_u32()?,
                    },
                    0x10 => Operator::Call {
                        function_index: self.reader.read_var_u32()?,
                    },
                    0x23 => Operator::GlobalGet {
                        global_index: self.reader.read_var_u32()?,
                    },
                    0x24 => Operator::GlobalSet {
                        global_index: self.reader.read_var_u32()?,
                    },
                    0x20 => Operator::LocalGet {
                        local_index: self.reader.read_var_u32()?,
                    },
                    0x21 => Operator::LocalSet {
                        local_index: self.reader.read_var_u32()?,
                    },
                    0x22 => Operator::LocalTee {
                        local_index: self.reader.read_var_u32()?,
                    },
                    0x41 => Operator::I32Const {
                        value: self.reader.read_var_i32()?,
                    },
                    _ => Operator::I64Const {
                        value: self.reader.read_var_i64()?,
                    },
                })
            }
            0x45..=0xc4 => {
                self.reader.read_u8()?;
                Read::Static(&NUMERIC[(byte - 0x45) as usize])
            }
            0x28..=0x3e if self.plain_memarg() => {
                self.reader.read_u8()?;
                let align = self.reader.read_u8()?;
                let memarg = MemArg {
                    align,
                    max_align: MAX_ALIGN[(byte - 0x28) as usize],
                    offset: u64::from(self.reader.read_var_u32()?),
                    target: MemArgTarget::Memory(0),
                    ordering: None,
                };
                Read::Owned(memory_op(byte, memarg))
            }
            _ => Read::Owned(self.read_other(byte)?),
        })
    }

    /// Whether the load or store at the reader has a memarg that reads the
    /// same whatever the features: memory 0 (no flag bits), and an offset
    /// of at most four LEB bytes (where the 32- and 64-bit reads agree).
    #[inline(always)]
    fn plain_memarg(&self) -> bool {
        let at = self.original_position() - self.start;
        let byte = |i: usize| self.bytes.get(at + i).copied().unwrap_or(0);
        byte(1) < 0x10 && (2..6).any(|i| byte(i) < 0x80)
    }

    /// Any other operator, through wasmparser's decoder.
    #[inline(never)]
    fn read_other(&mut self, byte: u8) -> Result<Operator<'a>> {
        let op = self.reader.visit_operator(&mut self.frames)?;
        let frames = &mut self.frames.0;
        match byte {
            0x02 => frames.push(FrameKind::Block),
            0x03 => frames.push(FrameKind::Loop),
            0x04 => frames.push(FrameKind::If),
            0x06 => frames.push(FrameKind::LegacyTry),
            0x1f => frames.push(FrameKind::TryTable),
            0x05 | 0x07 | 0x19 => {
                frames.pop();
                frames.push(match byte {
                    0x05 => FrameKind::Else,
                    0x07 => FrameKind::LegacyCatch,
                    _ => FrameKind::LegacyCatchAll,
                });
            }
            0x0b | 0x18 => {
                frames.pop();
            }
            _ => {}
        }
        Ok(op)
    }

    /// Checks the end of the body, as `OperatorsReader::finish` does.
    pub(super) fn finish(&self) -> Result<()> {
        self.reader.finish_expression(&self.frames)
    }
}

impl<'a> std::ops::Deref for Read<'a> {
    type Target = Operator<'a>;
    fn deref(&self) -> &Operator<'a> {
        match self {
            Read::Static(op) => op,
            Read::Owned(op) => op,
        }
    }
}

/// The natural alignment (log2) of the loads and stores, by opcode from
/// 0x28.
const MAX_ALIGN: [u8; 23] = [
    2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1, 2, 2, // loads
    2, 3, 2, 3, 0, 1, 0, 1, 2, // stores
];

/// The load or store with opcode `byte` (0x28..=0x3e).
fn memory_op(byte: u8, memarg: MemArg) -> Operator<'static> {
    use Operator as O;
    match byte {
        0x28 => O::I32Load { memarg },
        0x29 => O::I64Load { memarg },
        0x2a => O::F32Load { memarg },
        0x2b => O::F64Load { memarg },
        0x2c => O::I32Load8S { memarg },
        0x2d => O::I32Load8U { memarg },
        0x2e => O::I32Load16S { memarg },
        0x2f => O::I32Load16U { memarg },
        0x30 => O::I64Load8S { memarg },
        0x31 => O::I64Load8U { memarg },
        0x32 => O::I64Load16S { memarg },
        0x33 => O::I64Load16U { memarg },
        0x34 => O::I64Load32S { memarg },
        0x35 => O::I64Load32U { memarg },
        0x36 => O::I32Store { memarg },
        0x37 => O::I64Store { memarg },
        0x38 => O::F32Store { memarg },
        0x39 => O::F64Store { memarg },
        0x3a => O::I32Store8 { memarg },
        0x3b => O::I32Store16 { memarg },
        0x3c => O::I64Store8 { memarg },
        0x3d => O::I64Store16 { memarg },
        _ => O::I64Store32 { memarg },
    }
}

/// The numeric operators without immediates, by opcode from 0x45.
static NUMERIC: [Operator<'static>; 128] = {
    use Operator as O;
    [
        O::I32Eqz,
        O::I32Eq,
        O::I32Ne,
        O::I32LtS,
        O::I32LtU,
        O::I32GtS,
        O::I32GtU,
        O::I32LeS,
        O::I32LeU,
        O::I32GeS,
        O::I32GeU,
        O::I64Eqz,
        O::I64Eq,
        O::I64Ne,
        O::I64LtS,
        O::I64LtU,
        O::I64GtS,
        O::I64GtU,
        O::I64LeS,
        O::I64LeU,
        O::I64GeS,
        O::I64GeU,
        O::F32Eq,
        O::F32Ne,
        O::F32Lt,
        O::F32Gt,
        O::F32Le,
        O::F32Ge,
        O::F64Eq,
        O::F64Ne,
        O::F64Lt,
        O::F64Gt,
        O::F64Le,
        O::F64Ge,
        O::I32Clz,
        O::I32Ctz,
        O::I32Popcnt,
        O::I32Add,
        O::I32Sub,
        O::I32Mul,
        O::I32DivS,
        O::I32DivU,
        O::I32RemS,
        O::I32RemU,
        O::I32And,
        O::I32Or,
        O::I32Xor,
        O::I32Shl,
        O::I32ShrS,
        O::I32ShrU,
        O::I32Rotl,
        O::I32Rotr,
        O::I64Clz,
        O::I64Ctz,
        O::I64Popcnt,
        O::I64Add,
        O::I64Sub,
        O::I64Mul,
        O::I64DivS,
        O::I64DivU,
        O::I64RemS,
        O::I64RemU,
        O::I64And,
        O::I64Or,
        O::I64Xor,
        O::I64Shl,
        O::I64ShrS,
        O::I64ShrU,
        O::I64Rotl,
        O::I64Rotr,
        O::F32Abs,
        O::F32Neg,
        O::F32Ceil,
        O::F32Floor,
        O::F32Trunc,
        O::F32Nearest,
        O::F32Sqrt,
        O::F32Add,
        O::F32Sub,
        O::F32Mul,
        O::F32Div,
        O::F32Min,
        O::F32Max,
        O::F32Copysign,
        O::F64Abs,
        O::F64Neg,
        O::F64Ceil,
        O::F64Floor,
        O::F64Trunc,
        O::F64Nearest,
        O::F64Sqrt,
        O::F64Add,
        O::F64Sub,
        O::F64Mul,
        O::F64Div,
        O::F64Min,
        O::F64Max,
        O::F64Copysign,
        O::I32WrapI64,
        O::I32TruncF32S,
        O::I32TruncF32U,
        O::I32TruncF64S,
        O::I32TruncF64U,
        O::I64ExtendI32S,
        O::I64ExtendI32U,
        O::I64TruncF32S,
        O::I64TruncF32U,
        O::I64TruncF64S,
        O::I64TruncF64U,
        O::F32ConvertI32S,
        O::F32ConvertI32U,
        O::F32ConvertI64S,
        O::F32ConvertI64U,
        O::F32DemoteF64,
        O::F64ConvertI32S,
        O::F64ConvertI32U,
        O::F64ConvertI64S,
        O::F64ConvertI64U,
        O::F64PromoteF32,
        O::I32ReinterpretF32,
        O::I64ReinterpretF64,
        O::F32ReinterpretI32,
        O::F64ReinterpretI64,
        O::I32Extend8S,
        O::I32Extend16S,
        O::I64Extend8S,
        O::I64Extend16S,
        O::I64Extend32S,
    ]
};

macro_rules! define_visit_operator {
    ($(@$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            fn $visit(&mut self $($(,$arg: $argty)*)?) -> Operator<'a> {
                Operator::$op $({ $($arg),* })?
            }
        )*
    }
}

impl<'a> VisitOperator<'a> for Frames {
    type Output = Operator<'a>;

    fn simd_visitor(&mut self) -> Option<&mut dyn VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(define_visit_operator);
}

impl<'a> VisitSimdOperator<'a> for Frames {
    wasmparser::for_each_visit_simd_operator!(define_visit_operator);
}

#[cfg(test)]
mod tests {
    use super::Decoder;
    use wasmparser::{FunctionBody, Parser, Payload};

    /// Every operator (and the final check) of `body` through [`Decoder`]
    /// and through `OperatorsReader`, printed with its offset.
    fn both(body: &FunctionBody<'_>) -> (Vec<String>, Vec<String>) {
        let mut ours = Vec::new();
        let ops = body.get_operators_reader().unwrap().get_binary_reader();
        let mut d = Decoder::new(ops, body.as_bytes(), body.range().start as usize);
        while !d.eof() {
            let at = d.original_position();
            match d.read() {
                Ok(op) => ours.push(format!("{at}: {:?}", *op)),
                Err(e) => {
                    ours.push(format!("error {e}"));
                    break;
                }
            }
        }
        if !ours.last().is_some_and(|l| l.starts_with("error")) {
            ours.push(format!(
                "finish {:?}",
                d.finish().map_err(|e| e.to_string())
            ));
        }
        let mut theirs = Vec::new();
        let mut r = body.get_operators_reader().unwrap();
        while !r.eof() {
            let at = r.original_position();
            match r.read() {
                Ok(op) => theirs.push(format!("{at}: {op:?}")),
                Err(e) => {
                    theirs.push(format!("error {e}"));
                    break;
                }
            }
        }
        if !theirs.last().is_some_and(|l| l.starts_with("error")) {
            theirs.push(format!(
                "finish {:?}",
                r.finish().map_err(|e| e.to_string())
            ));
        }
        (ours, theirs)
    }

    fn check_module(wasm: &[u8]) -> usize {
        let mut n = 0;
        for payload in Parser::new(0).parse_all(wasm) {
            if let Payload::CodeSectionEntry(body) = payload.unwrap() {
                let (ours, theirs) = both(&body);
                assert_eq!(ours, theirs);
                n += ours.len();
            }
        }
        n
    }

    #[test]
    fn decodes_as_wasmparser_does() {
        let wat = r#"
            (module
              (memory 1) (memory $m64 i64 1)
              (global $g (mut i32) (i32.const 0))
              (tag $t (param i32))
              (table 1 funcref)
              (func $f (param i32 i64) (result i32)
                (local f32 f64 v128)
                local.get 0 local.set 0 local.get 1 local.tee 1 drop
                i32.const -1 i32.const 2147483647 i32.add drop
                i64.const -9223372036854775808 i64.const 1 i64.mul drop
                f32.const 1.5 f32.neg drop f64.const -0.25 f64.sqrt drop
                global.get $g global.set $g
                i32.const 0 i32.load offset=268435456 drop
                i32.const 0 i64.load8_u offset=127 align=1 drop
                i32.const 0 i32.const 1 i32.store16 offset=16384
                i32.const 0 f64.load 1 offset=8 drop
                i64.const 0 i64.load $m64 offset=4294967296 drop
                i32.const 0 i32.atomic.load drop
                i32.const 0 v128.load offset=16 i8x16.abs drop
                block $b (result i32)
                  loop $l
                    i32.const 1 br_if $l
                  end
                  i32.const 0 i32.const 1 br_if $b
                  br 0
                end
                if (result i32) i32.const 1 else i32.const 2 end
                try_table (catch $t 0) end
                try (result i32)
                  i32.const 7 throw $t
                catch $t
                catch_all i32.const 3
                end drop
                try try nop delegate 0 catch_all end
                i32.const 0 call_indirect (param i64 i32) (result i32)
                i32.const 1 i32.const 2 select
                local.get 0 call $f
                return)
              (func (result i32) i32.const 1 i32.eqz i64.extend_i32_u i32.wrap_i64))
        "#;
        let wasm = wat::parse_str(wat).unwrap();
        let n = check_module(&wasm);
        assert!(n >= 90, "{n} operators");
    }

    /// A module whose one function has `body` after no locals.
    fn with_body(body: &[u8]) -> Vec<u8> {
        let mut entry = vec![0u8]; // no locals
        entry.extend_from_slice(body);
        let mut code = vec![1u8, entry.len() as u8];
        code.extend_from_slice(&entry);
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend_from_slice(&[1, 4, 1, 0x60, 0, 0]); // type () -> ()
        m.extend_from_slice(&[3, 2, 1, 0]); // function 0: type 0
        m.extend_from_slice(&[5, 3, 1, 0, 1]); // memory 0: 1 page
        m.push(10);
        m.push(code.len() as u8);
        m.extend_from_slice(&code);
        m
    }

    #[test]
    fn malformed_operators_fail_as_in_wasmparser() {
        for body in [
            &[0x20, 0x80, 0x80, 0x80, 0x80, 0x80, 0x0b][..], // local.get: LEB too long
            &[0x20, 0x80, 0x80, 0x80, 0x80, 0x10, 0x0b],     // local.get: LEB out of range
            &[0x41, 0x80][..],                               // i32.const: truncated
            &[0x41, 0x80, 0x80, 0x80, 0x80, 0x70, 0x0b],     // i32.const: unused bits
            &[
                0x42, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x0b,
            ],
            &[0x0b, 0x01], // after the final end
            &[0x0b, 0x20, 0x00],
            &[0x01, 0x01],                                     // no end
            &[0x41, 0x00, 0x28, 0x02],                         // load: truncated memarg
            &[0x41, 0x00, 0x28, 0x42, 0x01, 0x00, 0x1a, 0x0b], // memory index 1
            &[0x41, 0x00, 0x28, 0x30, 0x00, 0x1a, 0x0b],       // reserved flag bits
            &[
                0x41, 0x00, 0x28, 0x02, 0x80, 0x80, 0x80, 0x80, 0x10, 0x1a, 0x0b,
            ],
            &[0x05, 0x0b],       // else outside if
            &[0x07, 0x00, 0x0b], // catch outside try
            &[0x0c],             // br: truncated
            &[0xc5, 0x0b],       // not an opcode
        ] {
            check_module(&with_body(body));
        }
    }
}
