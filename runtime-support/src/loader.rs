//! Loading a relocatable object written by `smelt compile` into the running
//! process, so `smelt run` and `smelt wast` execute exactly the code an
//! executable would link — without a linker.
//!
//! 1. every allocated section is copied to its own page-aligned slot in one
//!    mapping;
//! 2. relocations are applied (smelt objects only relocate between their
//!    own sections: calls between functions, code addresses in the
//!    descriptor). Each architecture has its own small set, applied by
//!    [`crate::sys::reloc::apply`]:
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

use crate::error::LoadError;
use crate::sys::mmap::{Mmap, Protection, page_size};
use crate::sys::reloc;
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

/// A malformed object, or one the loader does not handle.
fn err(msg: impl Into<String>) -> LoadError {
    LoadError::Object(msg.into())
}

fn mapping(call: &'static str, e: std::io::Error) -> LoadError {
    LoadError::Mapping {
        call,
        message: e.to_string(),
    }
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
        let file = object::File::parse(bytes).map_err(|e| LoadError::NotAnObject(e.to_string()))?;
        let host = if cfg!(target_arch = "x86_64") {
            object::Architecture::X86_64
        } else if cfg!(target_arch = "aarch64") {
            object::Architecture::Aarch64
        } else if cfg!(target_arch = "riscv64") {
            object::Architecture::Riscv64
        } else if cfg!(target_arch = "s390x") {
            object::Architecture::S390x
        } else {
            return Err(LoadError::UnsupportedHost);
        };
        if file.architecture() != host || file.format() != object::BinaryFormat::Elf {
            return Err(LoadError::WrongTarget {
                arch: format!("{:?}", file.architecture()),
                format: format!("{:?}", file.format()),
                host: format!("{host:?}"),
            });
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
        let mmap = Mmap::reserve(total.max(page)).map_err(|e| mapping("mmap", e))?;
        mmap.protect(0, total, Protection::ReadWrite)
            .map_err(|e| mapping("mprotect", e))?;
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
                            return Err(LoadError::UndefinedSymbol {
                                name: sym.name().unwrap_or("?").to_string(),
                            });
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
                    .checked_add(reloc::field_width(r_type))
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
                .filter(|(r_type, ..)| reloc::is_pcrel_hi20(*r_type))
                .map(|(_, place, value)| (*place, value.wrapping_sub(*place as i64)))
                .collect();
            for (r_type, place, value) in relocs {
                // SAFETY: `place` is inside the section slot (checked above)
                // in our writable mapping.
                unsafe {
                    reloc::apply(r_type, place, value, &hi20).map_err(LoadError::Relocation)?
                };
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
                .map_err(|e| mapping("mprotect", e))?;
            #[cfg(any(target_arch = "aarch64", target_arch = "riscv64"))]
            if p.kind == SectionKind::Text {
                // SAFETY: flushing our own freshly written code range.
                unsafe { reloc::clear_cache(base + p.offset, p.size) };
            }
        }

        let descriptor = file
            .symbols()
            .find(|s| {
                s.is_definition()
                    && s.name()
                        .is_ok_and(|n| n.starts_with("smelt_mod_") && n.ends_with("_descriptor"))
            })
            .ok_or(LoadError::NoDescriptor)?;
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
