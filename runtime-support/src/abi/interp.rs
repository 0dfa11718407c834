//! The interpreter's IR: what `smelt compile --mode interp` stores in the
//! object and what the runtime's executor (`interp/`) runs.
//!
//! # Frames and slots
//!
//! A function runs in a frame of 16-byte slots ([`ValRaw`] cells, so a
//! `v128` is one slot and a frame's slots can be handed to an array call
//! without copying). Slot 0 up are the parameters, then the declared
//! locals (zeroed on entry), then the operand-stack temporaries: the value
//! at wasm stack height `h` (counted from the function's empty stack)
//! lives in slot `num_locals + h` whenever it is materialised. A function
//! needs at most `frame_size` slots; a call places its arguments in the
//! caller's slots `arg_base..` and the callee's frame *starts there*, so
//! arguments are never copied. Results come back in the same slots
//! (`arg_base + i`), as a callee returns its results in its slots `0..`.
//!
//! Scalars occupy the low bytes of a slot in native byte order (an `i32`
//! is written zero-extended to 64 bits); references are pointer-sized
//! (the `VMFuncRef`/externref/exnref representation compiled code uses).
//!
//! # Encoding
//!
//! A function's code is an array of `u32` words in the target's byte
//! order. Every instruction starts with `op | a << 16`: an [`Op`] in the
//! low half and its first operand (usually the destination slot) in the
//! high half. Most instructions have a second word `b | c << 16` with two
//! more slot operands; immediates follow as whole words. Branch targets
//! are absolute word indices into the function's code. The format of each
//! op is documented on it as `[op|a] [b|c] imm...`.
//!
//! Numeric, load and store instructions reuse the wasm opcode byte:
//! `NUMERIC + byte` for the plain numeric operators (`0x45..=0xc4`:
//! unary `[op|dst] [src|-]`, binary `[op|dst] [lhs|rhs]`), `SAT + n` for
//! `0xfc n` (n < 8, unary), `MEM + byte` for the loads and stores
//! (`0x28..=0x3e`) on a 32-bit memory, `MEM64 + byte` on a 64-bit one,
//! and the shorter `MEM0 + byte` on memory 0 when it is 32-bit and the
//! static offset fits 16 bits (`MEM0_IMM + byte` for a store of a small
//! constant).
//!
//! # SIMD formats
//!
//! `SIMD + n` runs the operator `0xfd n` (`n` its LEB128 sub-opcode,
//! `0x00..=0x113`, relaxed SIMD included; `v128.const` is a [`Const128`]
//! instead). A `v128` slot holds the vector as a `u128` whose bits
//! `8i..8i+8` are its byte `i` (wasm's little-endian lane order), in
//! native byte order like every slot. Formats, by operator group:
//!
//! - loads (`v128.load`, the `load8x8`..`load32x2` extensions, the
//!   `load*_splat` and `load*_zero` forms): `[op|dst] [addr|mem] offset`;
//! - `v128.store`: `[op|value] [addr|mem] offset`;
//! - `v128.load*_lane`: `[op|dst] [addr|mem] [vec|lane] offset`;
//! - `v128.store*_lane`: `[op|-] [addr|mem] [vec|lane] offset`;
//! - `i8x16.shuffle`: `[op|dst] [a|b] w0 w1 w2 w3`, lane index `i` in
//!   byte `i % 4` of `w(i / 4)` (least significant first);
//! - `*.extract_lane*`: `[op|dst] [src|lane]` (an i32/i64/f32/f64 result);
//! - `*.replace_lane`: `[op|dst] [vec|scalar] lane`;
//! - three operands (`v128.bitselect`, `relaxed_madd`/`nmadd`,
//!   `relaxed_laneselect`, `i32x4.relaxed_dot_i8x16_i7x16_add_s`):
//!   `[op|dst] [a|b] [c|-]`, operands in wasm stack order;
//! - every other operator, unary `[op|dst] [src|-]` (splats of a scalar,
//!   `any_true`/`all_true`/`bitmask` with an i32 result, conversions,
//!   lane-wise ops) or binary `[op|dst] [lhs|rhs]` (shifts with the i32
//!   count in `rhs`).
//!
//! In the memory instructions `mem` is the memory index with
//! [`IDX64_HALF`] set for a 64-bit memory; then the address slot holds an
//! i64 and the static offset takes two words, `offset_lo offset_hi`,
//! where a 32-bit memory has the single word `offset`.
//!
//! Relaxed SIMD returns what compiled smelt returns on every target (see
//! the compiler's `translate/relaxed_simd.rs`): the deterministic
//! counterpart of each instruction, unfused `madd`/`nmadd`, and signed ×
//! signed dot products with wrapping i16 sums.
//!
//! # Side tables
//!
//! Per function ([`InterpFuncRec`]): the wasm offset of every instruction
//! that can trap or call ([`IpOffset`], sorted by word index; a trap's
//! backtrace and a caller's frame are symbolicated through it) and the
//! exception handlers ([`InterpHandler`], innermost first).
//!
//! # Lazy translation
//!
//! A module loaded with a [`LazyTranslator`] ([`FLAG_INTERP_LAZY`]) has
//! no IR in its descriptor: the runtime asks the translator for a
//! function's [`TranslatedFunc`] the first time the function runs, and
//! until then gives the function a record whose code is the single
//! instruction [`Op::Translate`]. The translator is the compiler's (the
//! runtime only defines the interface), so lazy translation needs no
//! arrow from the runtime to the compiler.
//!
//! [`ValRaw`]: super::VAL_RAW_SIZE
//! [`FLAG_INTERP_LAZY`]: super::FLAG_INTERP_LAZY
//! [`Const128`]: Op::Const128

/// Size of one slot in bytes.
pub const SLOT_SIZE: u32 = super::VAL_RAW_SIZE;

/// Most slots a frame may have (slot operands are 16-bit).
pub const MAX_FRAME_SLOTS: u32 = 0xffff;

/// One interpreted function, indexed by defined-function index.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct InterpFuncRec {
    /// Range of its code in `interp_code` (word offset and length).
    pub code: Rel,
    /// Index range into `interp_offsets`.
    pub offsets: Rel,
    /// Index range into `interp_handlers`.
    pub handlers: Rel,
    /// Slots of its parameters.
    pub num_params: u32,
    /// Slots of its parameters and declared locals.
    pub num_locals: u32,
    /// Slots its frame needs (locals and the deepest operand stack).
    pub frame_size: u32,
    /// Number of results.
    pub num_results: u32,
}

/// One function's IR as a [`LazyTranslator`] returns it: what an
/// [`InterpFuncRec`] describes, with its own arrays (word indices and
/// handler targets local to `code`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TranslatedFunc {
    pub code: Vec<u32>,
    pub offsets: Vec<IpOffset>,
    pub handlers: Vec<InterpHandler>,
    pub num_params: u32,
    pub num_locals: u32,
    pub frame_size: u32,
    pub num_results: u32,
}

/// Translates a lazily interpreted module's functions to IR, on their
/// first call (the hook the runtime defines and the compiler implements:
/// `smelt_compiler::compile_lazy`).
///
/// Called from any thread that runs the module, possibly for the same
/// function on two threads at once (the runtime keeps one result). The
/// module was validated in full before it was loaded, so an error is an
/// implementation limit (a frame of more than [`MAX_FRAME_SLOTS`] slots)
/// or a bug; the call that needed the function traps with the message.
pub trait LazyTranslator: Send + Sync {
    /// The IR of defined function `defined` (numbered from 0 after the
    /// imports), or why there is none.
    fn translate(&self, defined: u32) -> Result<TranslatedFunc, String>;

    /// The name-section name of function `func` (module index space), for
    /// backtraces: a lazy module's descriptor has no names (copying a big
    /// module's name section into it costs start-up time for names that
    /// only a trap report reads).
    fn func_name(&self, func: u32) -> Option<String> {
        let _ = func;
        None
    }
}

/// Maps an instruction (by word index in its function's code) to the wasm
/// byte offset of the operator it came from.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct IpOffset {
    pub ip: u32,
    pub wasm_offset: u32,
}

/// `InterpHandler::kind`: catch exceptions with tag `tag`.
pub const IHANDLER_CATCH: u32 = 0;
/// Catch every exception.
pub const IHANDLER_CATCH_ALL: u32 = 1;
/// Legacy `delegate`: not a catch; the search goes on with the later
/// handlers whose `depth` is at most this entry's `tag` (those enclosing
/// the delegate's label).
pub const IHANDLER_DELEGATE: u32 = 2;

/// No slot (`InterpHandler::exn` when the exnref is not kept).
pub const NO_SLOT: u32 = u32::MAX;

/// One exception handler. An instruction at word index `ip` with
/// `start <= ip < end` that throws (or a call there that ends in an
/// exception) is caught by the first matching handler in table order
/// (innermost first). On a catch the payload goes to the slots from `dst`
/// (for `IHANDLER_CATCH`), the exnref to slot `exn` unless it is
/// [`NO_SLOT`], and execution goes on at word `target`.
#[repr(C)]
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct InterpHandler {
    pub start: u32,
    pub end: u32,
    /// `IHANDLER_*`.
    pub kind: u32,
    /// Module tag index (`IHANDLER_CATCH`), or the label depth
    /// (`IHANDLER_DELEGATE`).
    pub tag: u32,
    pub target: u32,
    pub dst: u32,
    pub exn: u32,
    /// Control depth of the `try`/`try_table` the handler belongs to (the
    /// function body is depth 0).
    pub depth: u32,
}

use super::descriptor::Rel;

/// In a memory or table index word: the memory or table is 64-bit
/// (addresses, sizes and `memory.size`/`table.size` results are i64).
pub const IDX64: u32 = 1 << 31;
/// The same flag in a 16-bit memory index field (`memory.size`/`grow`).
pub const IDX64_HALF: u32 = 1 << 15;

/// Base of the plain numeric operators (`NUMERIC + wasm opcode byte`).
pub const NUMERIC: u16 = 0x100;
/// Base of the saturating truncations (`SAT + n` for `0xfc n`).
pub const SAT: u16 = 0x200;
/// Loads and stores on a 32-bit memory (`MEM + byte`, `0x28..=0x3e`):
/// loads `[op|dst] [addr|mem] offset`, stores `[op|value] [addr|mem] offset`.
pub const MEM: u16 = 0x300;
/// Loads and stores on a 64-bit memory: as [`MEM`] with the offset in two
/// words (`offset_lo offset_hi`).
pub const MEM64: u16 = 0x380;
/// Loads and stores on memory 0, a 32-bit memory, with a static offset
/// below 2^16 (the common case, one word shorter and with no memory
/// index to test): `MEM0 + byte`, loads `[op|dst] [addr|offset]`, stores
/// `[op|value] [addr|offset]`.
pub const MEM0: u16 = 0x900;
/// Stores of a constant on memory 0 (as for [`MEM0`]) whose value, as the
/// store's type, is a 16-bit immediate sign-extended: `MEM0_IMM + byte`
/// for `0x36..=0x3e`, `[op|imm] [addr|offset]` (`*p = 0`, `*p = 1`...).
pub const MEM0_IMM: u16 = 0x980;
/// Loads and stores on memory 0 (32-bit) at the sum of two i32 slots (an
/// `i32.add` computing the address, as `p[i]` does): `MEM0X + byte`,
/// loads `[op|dst] [base|index] offset`, stores `[op|value] [base|index]
/// offset`; the address is `base + index` wrapped to 32 bits.
pub const MEM0X: u16 = 0xa00;

/// A binary operator whose right operand is loaded from memory 0 (a
/// 32-bit memory): `MEMOP + byte` for i32/i64 add, sub, mul, and, or, xor
/// (the right operand an `i32.load`/`i64.load`) and f32/f64 add, sub,
/// mul, div (`f32.load`/`f64.load`): `[op|dst] [addr|lhs] offset`. Traps
/// as the load would.
pub const MEMOP: u16 = 0x400;
/// Integer binary operators with a constant right operand (`NUMERIC_IMM +
/// byte` for i32 and i64 compares and arithmetic): `[op|dst] [lhs|-]
/// imm` with a 32-bit immediate, or `imm_lo imm_hi` for i64.
pub const NUMERIC_IMM: u16 = 0x500;
/// Compare and branch: `BRCMP + byte` for the i32 compares `0x46..=0x4f`
/// and the i64 compares `0x51..=0x5a`: `[op|lhs] [rhs|-] target`, taken
/// when the comparison holds. Two tests of an `i32.and` too: `BRCMP +
/// 0x71` (the `i32.and` byte) is taken when `lhs & rhs != 0`, `BRCMP +
/// 0x45` (`i32.eqz`) when `lhs & rhs == 0`; the same for `BRCMP_IMM`.
pub const BRCMP: u16 = 0x600;
/// Compare with a constant and branch: `BRCMP_IMM + byte` for the same
/// compares: `[op|lhs] imm target`, or `[op|lhs] imm_lo imm_hi target`
/// for i64, taken when `lhs <op> imm` holds.
pub const BRCMP_IMM: u16 = 0x700;

/// SIMD instructions: `SIMD + n` for the `0xfd n` operators (relaxed SIMD
/// included); formats in [`simd`](self#simd-formats).
pub const SIMD: u16 = 0x1000;
/// Atomic instructions: `ATOMIC + n` for the `0xfe n` operators.
pub const ATOMIC: u16 = 0x800;

macro_rules! interp_ops {
    ($($(#[$attr:meta])* $name:ident = $val:expr,)*) => {
        /// The IR's instructions below [`NUMERIC`] (formats on each).
        #[repr(u16)]
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        pub enum Op {
            $($(#[$attr])* $name = $val,)*
        }

        impl Op {
            /// The op with this number, if it is one of these.
            pub const fn from_u16(v: u16) -> Option<Op> {
                match v {
                    $($val => Some(Op::$name),)*
                    _ => None,
                }
            }
        }
    };
}

interp_ops! {
    /// `[op|-]`: trap `unreachable`.
    Unreachable = 1,
    /// `[op|-] target`.
    Br = 2,
    /// `[op|cond] target`: branch if the i32 in `cond` is not zero.
    BrIfNez = 3,
    /// `[op|cond] target`: branch if the i32 in `cond` is zero.
    BrIfEqz = 4,
    /// `[op|index] n target0 .. target(n-1) default`.
    BrTable = 5,
    /// `[op|dst] [src|-]`: copy one slot.
    Copy = 6,
    /// `[op|dst] [src|n]`: copy `n` slots (regions may overlap).
    CopyN = 7,
    /// `[op|-]`: return; the results are in slots `0..num_results`.
    Return = 8,
    /// `[op|arg_base] func`: call function `func` (module index space).
    Call = 9,
    /// `[op|arg_base] [callee|table] type`: `call_indirect` through
    /// table `table` with the element index in `callee`, type index `type`
    /// (with [`IDX64`] set for a 64-bit table).
    CallIndirect = 10,
    /// `[op|arg_base] [callee|-] type`: `call_ref` of the funcref in `callee`.
    CallRef = 11,
    /// `[op|nargs] func`: tail call; the arguments are in slots `0..`.
    ReturnCall = 12,
    /// `[op|nargs] [callee|table] type`: tail `call_indirect`.
    ReturnCallIndirect = 13,
    /// `[op|nargs] [callee|-] type`: tail `call_ref`.
    ReturnCallRef = 14,
    /// `[op|dst] [lhs|rhs] [cond|-]`: `dst = cond != 0 ? lhs : rhs`.
    Select = 15,
    /// `[op|dst] imm`: a 32-bit constant (zero-extended).
    Const32 = 16,
    /// `[op|dst] lo hi`: a 64-bit constant.
    Const64 = 17,
    /// `[op|dst] w0 w1 w2 w3`: a v128 constant (least significant first).
    Const128 = 18,
    /// `[op|dst] offset`: read a defined global at `vmctx + offset`.
    GlobalGet = 19,
    /// `[op|src] offset`: write a defined global at `vmctx + offset`.
    GlobalSet = 20,
    /// `[op|dst] offset`: read an imported global through the pointer at
    /// `vmctx + offset`.
    GlobalGetImported = 21,
    /// `[op|src] offset`: write an imported global through the pointer.
    GlobalSetImported = 22,
    /// `[op|dst] [-|mem]`: `memory.size` in pages (`mem` with
    /// [`IDX64_HALF`]; memory words elsewhere carry [`IDX64`]).
    MemorySize = 23,
    /// `[op|dst] [delta|mem]`: `memory.grow` (`dst` gets the old size or -1).
    MemoryGrow = 24,
    /// `[op|dst] [val|len] mem`: `memory.fill`.
    MemoryFill = 25,
    /// `[op|dst] [src|len] dst_mem src_mem`: `memory.copy`.
    MemoryCopy = 26,
    /// `[op|dst] [src|len] mem data`: `memory.init`.
    MemoryInit = 27,
    /// `[op|-] data`.
    DataDrop = 28,
    /// `[op|dst] [index|-] table`: `table.get`.
    TableGet = 29,
    /// `[op|index] [value|-] table`: `table.set`.
    TableSet = 30,
    /// `[op|dst] table`: `table.size`. Table words carry [`IDX64`].
    TableSize = 31,
    /// `[op|dst] [init|delta] table`: `table.grow`.
    TableGrow = 32,
    /// `[op|dst] [val|len] table`: `table.fill`.
    TableFill = 33,
    /// `[op|dst] [src|len] dst_table src_table`: `table.copy`.
    TableCopy = 34,
    /// `[op|dst] [src|len] table elem`: `table.init`.
    TableInit = 35,
    /// `[op|-] elem`.
    ElemDrop = 36,
    /// `[op|dst] func`: `ref.func`.
    RefFunc = 37,
    /// `[op|dst] [src|-]`: `ref.is_null` (i32 result).
    RefIsNull = 38,
    /// `[op|src]`: trap `null reference` if the reference is null.
    RefAsNonNull = 39,
    /// `[op|src] target`: `br_on_null` (branch if null).
    BrOnNull = 40,
    /// `[op|src] target`: `br_on_non_null` (branch if not null).
    BrOnNonNull = 41,
    /// `[op|arg_base] tag`: throw with the payload in `arg_base..`.
    Throw = 42,
    /// `[op|src]`: `throw_ref` (trap `null reference` on null).
    ThrowRef = 43,
    /// `[op|-]`: does nothing (a patched-out instruction).
    Nop = 44,
    /// `[op|d1] [s1|d2] [s2|-] imm1 imm2`: two `i32.add`s of a constant
    /// in a row, `d1 = s1 + imm1` then `d2 = s2 + imm2` (`i++; j += 4`).
    AddImm2 = 45,
    /// `[op|dst] [src|-] imm target`: `dst = src + imm` (i32), then branch
    /// if `dst` is not zero (`--n; br_if`).
    AddImmBrIfNez = 46,
    /// As [`Op::AddImmBrIfNez`], branching if `dst` is zero.
    AddImmBrIfEqz = 47,
    /// `[op|dst] [src|-]`: `i64.add128` of the four operands in slots
    /// `src..src+4` (low, high, low, high); results to `dst`, `dst+1`.
    I64Add128 = 53,
    /// As `I64Add128`, subtracting.
    I64Sub128 = 54,
    /// `[op|dst] [lhs|rhs]`: `i64.mul_wide_s`, low to `dst`, high to `dst+1`.
    I64MulWideS = 55,
    /// `[op|dst] [lhs|rhs]`: `i64.mul_wide_u`.
    I64MulWideU = 56,
    /// `[op|-] units`: charge fuel for the basic block that starts here
    /// (`*fuel -= units`, the fuel the vmctx's `VMCTX_FUEL` points to).
    Fuel = 57,
    /// `[op|-]`: poll the interrupt flag (loop headers of interruptible
    /// modules).
    Interrupt = 58,
    /// `[op|-] units`: as [`Op::Fuel`], then trap `OutOfFuel` if the fuel
    /// is negative (function entry and loop headers).
    FuelCheck = 59,
    /// `[op|-]`: the code of a function not translated yet (lazy
    /// translation, see [the module docs](self#lazy-translation)):
    /// translate it, then run it from its first instruction. Made by the
    /// runtime, never stored in an object.
    Translate = 60,
}
