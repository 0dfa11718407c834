//! Value types as they are written in the descriptor: one `u32` each.
//!
//! ```text
//!  31                    9   8   7         0
//! +-----------------------+---+-----------+
//! |  concrete type index  | N |   code    |
//! +-----------------------+---+-----------+
//! ```
//!
//! `code` is the wasm binary byte of the type (`0x7f` i32 … `0x7b` v128,
//! `0x70` funcref, `0x6f` externref, `0x69` exnref) or [`CODE_CONCRETE`] for a
//! reference to a concrete type (then the upper bits hold its type index).
//! `N` is set for nullable references. Abstract reference codes are always
//! written with their nullability explicit (`funcref` = `0x70 | N`).

/// A value type encoded for the descriptor.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct ValType(pub u32);

/// Code for a reference to a concrete type, by module type index (the
/// descriptor's encoding).
pub const CODE_CONCRETE: u32 = 0x40;
/// Code for a reference to a concrete type, by process-wide canonical type
/// id (the runtime's encoding after loading a module).
pub const CODE_CANONICAL: u32 = 0x41;
/// The nullable bit.
pub const NULLABLE: u32 = 1 << 8;

impl ValType {
    pub const I32: ValType = ValType(0x7f);
    pub const I64: ValType = ValType(0x7e);
    pub const F32: ValType = ValType(0x7d);
    pub const F64: ValType = ValType(0x7c);
    pub const V128: ValType = ValType(0x7b);
    pub const FUNCREF: ValType = ValType(0x70 | NULLABLE);
    pub const EXTERNREF: ValType = ValType(0x6f | NULLABLE);
    pub const EXNREF: ValType = ValType(0x69 | NULLABLE);

    /// The low byte: a wasm type code.
    pub const fn code(self) -> u32 {
        self.0 & 0xff
    }

    /// Whether this is a reference type.
    pub const fn is_ref(self) -> bool {
        !matches!(self.code(), 0x7b..=0x7f)
    }

    /// Whether a reference of this type may be null.
    pub const fn is_nullable(self) -> bool {
        self.0 & NULLABLE != 0
    }

    /// A (possibly nullable) reference to concrete type `index`.
    pub const fn concrete(index: u32, nullable: bool) -> ValType {
        ValType((index << 9) | CODE_CONCRETE | if nullable { NULLABLE } else { 0 })
    }

    /// A (possibly nullable) reference to the type with canonical id `id`.
    pub const fn canonical(id: u32, nullable: bool) -> ValType {
        ValType((id << 9) | CODE_CANONICAL | if nullable { NULLABLE } else { 0 })
    }

    /// The canonical type id, for references in the runtime's encoding.
    pub const fn canonical_id(self) -> Option<u32> {
        if self.code() == CODE_CANONICAL {
            Some(self.0 >> 9)
        } else {
            None
        }
    }

    /// The concrete type index, for references to concrete types.
    pub const fn concrete_index(self) -> Option<u32> {
        if self.code() == CODE_CONCRETE {
            Some(self.0 >> 9)
        } else {
            None
        }
    }

    /// Size in bytes of the value in memory (globals, value buffers).
    pub const fn byte_size(self) -> u32 {
        match self.code() {
            0x7f | 0x7d => 4,
            0x7e | 0x7c => 8,
            0x7b => 16,
            _ => 8,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodings() {
        assert!(ValType::FUNCREF.is_ref() && ValType::FUNCREF.is_nullable());
        assert!(!ValType::I32.is_ref());
        let t = ValType::concrete(12345, false);
        assert_eq!(t.concrete_index(), Some(12345));
        assert!(!t.is_nullable() && t.is_ref());
        assert_eq!(ValType::V128.byte_size(), 16);
    }
}
