//! The host architecture's ELF relocations and instruction-cache flush,
//! for the object loader (`loader.rs`). Errors are messages; the loader
//! turns them into its `LoadError`.

fn err(msg: impl Into<String>) -> String {
    msg.into()
}

/// Bytes a relocation of type `r_type` patches (for the bounds check).
pub(crate) fn field_width(r_type: u32) -> usize {
    use object::elf::*;
    match r_type {
        R_X86_64_64 if cfg!(target_arch = "x86_64") => 8,
        R_AARCH64_ABS64 if cfg!(target_arch = "aarch64") => 8,
        // `auipc` + `jalr` pair.
        R_RISCV_64 | R_RISCV_CALL_PLT if cfg!(target_arch = "riscv64") => 8,
        R_390_64 if cfg!(target_arch = "s390x") => 8,
        _ => 4,
    }
}

pub(crate) fn is_pcrel_hi20(r_type: u32) -> bool {
    cfg!(target_arch = "riscv64") && r_type == object::elf::R_RISCV_PCREL_HI20
}

/// Applies one ELF relocation with value `S + A` at `place`. `hi20` holds
/// the place and pc-relative value of every riscv64 `PCREL_HI20` in the
/// section.
///
/// # Safety
///
/// `place` must be writable and the relocation's field in bounds.
pub(crate) unsafe fn apply(
    r_type: u32,
    place: usize,
    value: i64,
    hi20: &[(usize, i64)],
) -> Result<(), String> {
    let pc_rel = value.wrapping_sub(place as i64);
    // SAFETY: the caller guarantees `place` is writable and the field in
    // bounds, which is all `apply_arch` requires.
    unsafe { apply_arch(r_type, place, value, pc_rel, hi20) }
}

#[cfg(any(target_arch = "x86_64", target_arch = "riscv64", target_arch = "s390x"))]
fn check32(v: i64) -> Result<i32, String> {
    i32::try_from(v).map_err(|_| err("PC-relative relocation out of range"))
}

/// # Safety
///
/// As for [`apply`].
#[cfg(target_arch = "x86_64")]
unsafe fn apply_arch(
    r_type: u32,
    place: usize,
    value: i64,
    pc_rel: i64,
    _hi20: &[(usize, i64)],
) -> Result<(), String> {
    use object::elf::*;
    // SAFETY: (all arms) per the contract, `place` is writable and the
    // field fits in the section.
    unsafe {
        match r_type {
            R_X86_64_64 => (place as *mut u64).write_unaligned(value as u64),
            R_X86_64_PC32 | R_X86_64_PLT32 => (place as *mut i32).write_unaligned(check32(pc_rel)?),
            other => return Err(err(format!("unsupported relocation type {other}"))),
        }
    }
    Ok(())
}

/// # Safety
///
/// As for [`apply`].
#[cfg(target_arch = "aarch64")]
unsafe fn apply_arch(
    r_type: u32,
    place: usize,
    value: i64,
    pc_rel: i64,
    _hi20: &[(usize, i64)],
) -> Result<(), String> {
    use object::elf::*;
    // SAFETY: (all arms) per the contract, `place` is writable and the
    // field fits in the section.
    unsafe {
        match r_type {
            R_AARCH64_ABS64 => (place as *mut u64).write_unaligned(value as u64),
            R_AARCH64_CALL26 | R_AARCH64_JUMP26 => {
                if pc_rel % 4 != 0 || !(-(1 << 27)..(1 << 27)).contains(&pc_rel) {
                    return Err(err("branch relocation out of range"));
                }
                let insn = (place as *const u32).read_unaligned();
                let imm = ((pc_rel >> 2) as u32) & 0x03ff_ffff;
                (place as *mut u32).write_unaligned((insn & 0xfc00_0000) | imm);
            }
            R_AARCH64_ADR_PREL_PG_HI21 => {
                let delta = (value & !0xfff) - (place as i64 & !0xfff);
                let pages = delta >> 12;
                if !(-(1 << 20)..(1 << 20)).contains(&pages) {
                    return Err(err("ADRP relocation out of range"));
                }
                let insn = (place as *const u32).read_unaligned();
                let immlo = ((pages as u32) & 0x3) << 29;
                let immhi = (((pages as u32) >> 2) & 0x7_ffff) << 5;
                (place as *mut u32).write_unaligned((insn & 0x9f00_001f) | immlo | immhi);
            }
            R_AARCH64_ADD_ABS_LO12_NC
            | R_AARCH64_LDST32_ABS_LO12_NC
            | R_AARCH64_LDST64_ABS_LO12_NC
            | R_AARCH64_LDST128_ABS_LO12_NC => {
                let shift = match r_type {
                    R_AARCH64_LDST32_ABS_LO12_NC => 2,
                    R_AARCH64_LDST64_ABS_LO12_NC => 3,
                    R_AARCH64_LDST128_ABS_LO12_NC => 4,
                    _ => 0,
                };
                let insn = (place as *const u32).read_unaligned();
                let imm = (((value as u32) & 0xfff) >> shift) << 10;
                (place as *mut u32).write_unaligned((insn & !(0xfff << 10)) | imm);
            }
            other => return Err(err(format!("unsupported relocation type {other}"))),
        }
    }
    Ok(())
}

/// # Safety
///
/// As for [`apply`].
#[cfg(target_arch = "riscv64")]
unsafe fn apply_arch(
    r_type: u32,
    place: usize,
    value: i64,
    pc_rel: i64,
    hi20: &[(usize, i64)],
) -> Result<(), String> {
    use object::elf::*;
    // `auipc` adds `hi << 12` and the next instruction a sign-extended
    // 12-bit `lo`: round `hi` so that `(hi << 12) + lo == pc_rel`.
    let split = |v: i64| -> Result<(u32, u32), String> {
        let v = check32(v)?;
        let hi = (v.wrapping_add(0x800) as u32) >> 12;
        Ok((hi, (v as u32) & 0xfff))
    };
    let i_type = |insn: u32, lo: u32| (insn & 0x000f_ffff) | (lo << 20);
    let s_type = |insn: u32, lo: u32| (insn & 0x01ff_f07f) | ((lo & 0x1f) << 7) | ((lo >> 5) << 25);
    // SAFETY: (all arms) per the contract, `place` is writable and the
    // field fits in the section.
    unsafe {
        let read = |at: usize| (at as *const u32).read_unaligned();
        let write = |at: usize, insn: u32| (at as *mut u32).write_unaligned(insn);
        match r_type {
            R_RISCV_64 => (place as *mut u64).write_unaligned(value as u64),
            R_RISCV_CALL_PLT => {
                let (hi, lo) = split(pc_rel)?;
                write(place, (read(place) & 0xfff) | (hi << 12));
                write(place + 4, i_type(read(place + 4), lo));
            }
            R_RISCV_PCREL_HI20 => {
                let (hi, _) = split(pc_rel)?;
                write(place, (read(place) & 0xfff) | (hi << 12));
            }
            R_RISCV_PCREL_LO12_I | R_RISCV_PCREL_LO12_S => {
                // The target is the `auipc`; the offset is its relocation's.
                let auipc = value as usize;
                let Some((_, hi_pc_rel)) = hi20.iter().find(|(at, _)| *at == auipc) else {
                    return Err(err("PCREL_LO12 without a matching PCREL_HI20"));
                };
                let (_, lo) = split(*hi_pc_rel)?;
                let insn = read(place);
                let patched = if r_type == R_RISCV_PCREL_LO12_I {
                    i_type(insn, lo)
                } else {
                    s_type(insn, lo)
                };
                write(place, patched);
            }
            other => return Err(err(format!("unsupported relocation type {other}"))),
        }
    }
    Ok(())
}

/// # Safety
///
/// As for [`apply`].
#[cfg(target_arch = "s390x")]
unsafe fn apply_arch(
    r_type: u32,
    place: usize,
    value: i64,
    pc_rel: i64,
    _hi20: &[(usize, i64)],
) -> Result<(), String> {
    use object::elf::*;
    // SAFETY: (all arms) per the contract, `place` is writable and the
    // field fits in the section. Fields are written in native (big-endian)
    // byte order.
    unsafe {
        match r_type {
            R_390_64 => (place as *mut u64).write_unaligned(value as u64),
            // `brasl`/`larl`: a signed 32-bit count of halfwords; the
            // addend already accounts for the field's offset in the
            // instruction.
            R_390_PC32DBL | R_390_PLT32DBL => {
                if pc_rel % 2 != 0 {
                    return Err(err("misaligned PC-relative relocation"));
                }
                (place as *mut i32).write_unaligned(check32(pc_rel >> 1)?)
            }
            other => return Err(err(format!("unsupported relocation type {other}"))),
        }
    }
    Ok(())
}

/// # Safety
///
/// `[start, start + len)` must be mapped code of this process.
#[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
pub(crate) unsafe fn clear_cache(start: usize, len: usize) {
    unsafe extern "C" {
        fn __clear_cache(start: *mut libc::c_char, end: *mut libc::c_char);
    }
    // SAFETY: the range is our own mapped code.
    unsafe { __clear_cache(start as *mut _, (start + len) as *mut _) };
}
