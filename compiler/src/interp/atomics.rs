//! Threads proposal operators (`0xfe` prefix): atomic loads, stores,
//! read-modify-writes, compare-exchange, wait/notify and fence.
//!
//! Format: `[op|dst] [addr|mem] [x|y] offset_lo offset_hi` with `op =
//! ATOMIC + n` for `0xfe n`, `mem` carrying `IDX64_HALF` for a 64-bit
//! memory, `x` the value (or expected value, or count) and `y` the
//! replacement (or timeout); `fence` is `[op|-]`.

use super::Translator;
use smelt_runtime::abi::interp as ir;

/// Reads an unsigned LEB128 from `bytes` at `*pos`.
fn leb(bytes: &[u8], pos: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    loop {
        let b = bytes[*pos];
        *pos += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return v;
        }
        shift += 7;
    }
}

/// Translates the (validated) atomic operator at `offset`.
pub(super) fn translate(t: &mut Translator<'_, '_>, offset: u32) -> bool {
    let at = offset as usize - t.body_start;
    let bytes = t.bytes;
    let mut pos = at + 1;
    let n = leb(bytes, &mut pos) as u16;
    let op = ir::ATOMIC + n;
    if n == 0x03 {
        t.emit_raw(op, 0);
        return true;
    }
    if n > 0x4e || (0x04..0x10).contains(&n) {
        return false;
    }
    let align = leb(bytes, &mut pos);
    let mem = if align & 0x40 != 0 {
        leb(bytes, &mut pos) as u32
    } else {
        0
    };
    let mem_offset = leb(bytes, &mut pos);
    let mem_field = if t.info.memories[mem as usize].memory64 {
        mem | ir::IDX64_HALF
    } else {
        mem
    };
    // Inputs, deepest first: addr, then x, y.
    let (num_in, has_result) = match n {
        0x00 => (2, true),
        0x01 | 0x02 => (3, true),
        0x10..=0x16 => (1, true),
        0x17..=0x1d => (2, false),
        0x1e..=0x47 => (2, true),
        _ => (3, true),
    };
    let mut ins = [0u32; 3];
    for k in (0..num_in).rev() {
        ins[k] = t.pop();
    }
    let dst = if has_result { t.push_temp() } else { 0 };
    t.site(offset);
    let at = t.code.len();
    t.emit_raw(op, dst);
    t.pair(ins[0], mem_field);
    t.pair(ins[1], ins[2]);
    t.word(mem_offset as u32);
    t.word((mem_offset >> 32) as u32);
    if has_result {
        t.last_producer = Some(at);
    }
    true
}
