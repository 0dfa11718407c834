//! Loading a relocatable object written by `smelt compile` into the running
//! process, so `smelt run` and `smelt wast` execute exactly the code an
//! executable would link — without a linker.
//!
//! 1. every allocated section is copied to its own page-aligned slot in one
//!    mapping;
//! 2. relocations are applied (smelt objects only relocate between their
//!    own sections: calls between functions, code addresses in the
//!    descriptor). Each architecture has its own small set, applied by
//!    [`apply`]:
//!
//!    | host    | relocations                                             |
//!    |---------|---------------------------------------------------------|
//!    | x86_64  | `R_X86_64_64`, `PC32`, `PLT32`                          |
//!    | aarch64 | `R_AARCH64_ABS64`, `CALL26`/`JUMP26`, `ADR_PREL_PG_HI21`, `ADD_ABS_LO12_NC`, `LDST*_ABS_LO12_NC` |
//!    | riscv64 | `R_RISCV_64`, `CALL_PLT`, `PCREL_HI20` + `PCREL_LO12_I`/`_S` |
//!    | s390x   | `R_390_64`, `PC32DBL`, `PLT32DBL`                       |
//!
//! 3. code becomes read-execute, read-only data read-only;
//! 4. the `smelt_mod_*_descriptor` symbol gives the module.

use crate::module::LoadError;
use crate::sys::mmap::{Mmap, Protection, page_size};
use object::{Object, ObjectSection, ObjectSymbol, RelocationFlags, RelocationTarget, SectionKind};

/// A mapped object image. Dropping it unmaps the code.
pub(crate) struct Image {
    _mmap: Mmap,
    descriptor: *const u8,
}

// SAFETY: the image is immutable after loading.
unsafe impl Send for Image {}
// SAFETY: as above.
unsafe impl Sync for Image {}

fn err(msg: impl Into<String>) -> LoadError {
    LoadError(msg.into())
}

struct Placed {
    index: object::SectionIndex,
    offset: usize,
    size: usize,
    kind: SectionKind,
}

impl Image {
    pub(crate) fn descriptor(&self) -> *const u8 {
        self.descriptor
    }

    pub(crate) fn load(bytes: &[u8]) -> Result<Image, LoadError> {
        let file =
            object::File::parse(bytes).map_err(|e| err(format!("not an object file: {e}")))?;
        let host = if cfg!(target_arch = "x86_64") {
            object::Architecture::X86_64
        } else if cfg!(target_arch = "aarch64") {
            object::Architecture::Aarch64
        } else if cfg!(target_arch = "riscv64") {
            object::Architecture::Riscv64
        } else if cfg!(target_arch = "s390x") {
            object::Architecture::S390x
        } else {
            return Err(err(
                "in-process loading is only implemented on x86_64, aarch64, riscv64 and s390x hosts",
            ));
        };
        if file.architecture() != host || file.format() != object::BinaryFormat::Elf {
            return Err(err(format!(
                "object is for {:?} ({:?}); this process runs {host:?} ELF",
                file.architecture(),
                file.format()
            )));
        }

        // Layout.
        let page = page_size();
        let mut placed = Vec::new();
        let mut total = 0usize;
        for section in file.sections() {
            let kind = section.kind();
            let loadable = matches!(
                kind,
                SectionKind::Text
                    | SectionKind::Data
                    | SectionKind::ReadOnlyData
                    | SectionKind::ReadOnlyDataWithRel
                    | SectionKind::ReadOnlyString
                    | SectionKind::UninitializedData
            );
            if !loadable || section.size() == 0 {
                continue;
            }
            if section.align() as usize > page {
                return Err(err("section alignment larger than a page"));
            }
            let size = usize::try_from(section.size()).map_err(|_| err("section too large"))?;
            placed.push(Placed {
                index: section.index(),
                offset: total,
                size,
                kind,
            });
            total = (total + size).next_multiple_of(page);
        }
        let mmap = Mmap::reserve(total.max(page)).map_err(|e| err(format!("mmap: {e}")))?;
        mmap.protect(0, total, Protection::ReadWrite)
            .map_err(|e| err(format!("mprotect: {e}")))?;
        let base = mmap.as_ptr() as usize;
        let section_addr = |index: object::SectionIndex| -> Option<usize> {
            placed
                .iter()
                .find(|p| p.index == index)
                .map(|p| base + p.offset)
        };

        for p in &placed {
            if p.kind == SectionKind::UninitializedData {
                continue;
            }
            let section = file
                .section_by_index(p.index)
                .map_err(|e| err(e.to_string()))?;
            let data = section.data().map_err(|e| err(e.to_string()))?;
            // SAFETY: the slot is `p.size` bytes inside our RW mapping.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    data.as_ptr(),
                    (base + p.offset) as *mut u8,
                    data.len().min(p.size),
                )
            };
        }

        // Relocations.
        for p in &placed {
            let section = file
                .section_by_index(p.index)
                .map_err(|e| err(e.to_string()))?;
            let mut relocs = Vec::new();
            for (offset, reloc) in section.relocations() {
                let target = match reloc.target() {
                    RelocationTarget::Symbol(si) => {
                        let sym = file.symbol_by_index(si).map_err(|e| err(e.to_string()))?;
                        if sym.is_undefined() {
                            return Err(err(format!(
                                "object refers to undefined symbol `{}`; objects that need the linker (e.g. with `main`) cannot be loaded in-process",
                                sym.name().unwrap_or("?")
                            )));
                        }
                        let sec = sym
                            .section_index()
                            .and_then(section_addr)
                            .ok_or_else(|| err("relocation against an unloaded section"))?;
                        sec + sym.address() as usize
                    }
                    RelocationTarget::Section(si) => section_addr(si)
                        .ok_or_else(|| err("relocation against an unloaded section"))?,
                    _ => return Err(err("unsupported relocation target")),
                };
                let RelocationFlags::Elf { r_type } = reloc.flags() else {
                    return Err(err("unsupported relocation encoding"));
                };
                if (offset as usize)
                    .checked_add(field_width(r_type))
                    .is_none_or(|end| end > p.size)
                {
                    return Err(err("relocation outside its section"));
                }
                let place = base + p.offset + offset as usize;
                let value = (target as i64).wrapping_add(reloc.addend());
                relocs.push((r_type, place, value));
            }
            // riscv64's `PCREL_LO12_*` relocations point at the `auipc`
            // that carries the matching `PCREL_HI20`; they need its
            // pc-relative value, so collect those first.
            let hi20: Vec<(usize, i64)> = relocs
                .iter()
                .filter(|(r_type, ..)| is_pcrel_hi20(*r_type))
                .map(|(_, place, value)| (*place, value.wrapping_sub(*place as i64)))
                .collect();
            for (r_type, place, value) in relocs {
                // SAFETY: `place` is inside the section slot (checked above)
                // in our writable mapping.
                unsafe { apply(r_type, place, value, &hi20)? };
            }
        }

        // Protections.
        for p in &placed {
            let prot = match p.kind {
                SectionKind::Text => Protection::Execute,
                SectionKind::Data | SectionKind::UninitializedData => Protection::ReadWrite,
                _ => Protection::ReadOnly,
            };
            mmap.protect(p.offset, p.size.next_multiple_of(page), prot)
                .map_err(|e| err(format!("mprotect: {e}")))?;
            #[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
            if p.kind == SectionKind::Text {
                // SAFETY: flushing our own freshly written code range.
                unsafe { clear_cache(base + p.offset, p.size) };
            }
        }

        let descriptor = file
            .symbols()
            .find(|s| {
                s.is_definition()
                    && s.name()
                        .is_ok_and(|n| n.starts_with("smelt_mod_") && n.ends_with("_descriptor"))
            })
            .ok_or_else(|| {
                err("object has no smelt module descriptor (was it written by `smelt compile`?)")
            })?;
        let descriptor = descriptor
            .section_index()
            .and_then(section_addr)
            .ok_or_else(|| err("descriptor section was not loaded"))?
            + descriptor.address() as usize;
        Ok(Image {
            _mmap: mmap,
            descriptor: descriptor as *const u8,
        })
    }
}

/// Bytes a relocation of type `r_type` patches (for the bounds check).
fn field_width(r_type: u32) -> usize {
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

fn is_pcrel_hi20(r_type: u32) -> bool {
    cfg!(target_arch = "riscv64") && r_type == object::elf::R_RISCV_PCREL_HI20
}

/// Applies one ELF relocation with value `S + A` at `place`. `hi20` holds
/// the place and pc-relative value of every riscv64 `PCREL_HI20` in the
/// section.
///
/// # Safety
///
/// `place` must be writable and the relocation's field in bounds.
unsafe fn apply(
    r_type: u32,
    place: usize,
    value: i64,
    hi20: &[(usize, i64)],
) -> Result<(), LoadError> {
    let pc_rel = value.wrapping_sub(place as i64);
    // SAFETY: per the contract.
    unsafe { apply_arch(r_type, place, value, pc_rel, hi20) }
}

#[cfg(any(target_arch = "x86_64", target_arch = "riscv64", target_arch = "s390x"))]
fn check32(v: i64) -> Result<i32, LoadError> {
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
) -> Result<(), LoadError> {
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
) -> Result<(), LoadError> {
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
) -> Result<(), LoadError> {
    use object::elf::*;
    // `auipc` adds `hi << 12` and the next instruction a sign-extended
    // 12-bit `lo`: round `hi` so that `(hi << 12) + lo == pc_rel`.
    let split = |v: i64| -> Result<(u32, u32), LoadError> {
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
) -> Result<(), LoadError> {
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

#[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
unsafe fn clear_cache(start: usize, len: usize) {
    unsafe extern "C" {
        fn __clear_cache(start: *mut libc::c_char, end: *mut libc::c_char);
    }
    // SAFETY: the range is our own mapped code.
    unsafe { __clear_cache(start as *mut _, (start + len) as *mut _) };
}
