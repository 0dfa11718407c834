//! Trap kinds: one `#[repr(u8)]` enum shared by the compiler (which records
//! the byte in the object's trap table and uses it as the Cranelift user
//! trap code) and the runtime (which turns it into a structured error).
//!
//! Zero is reserved so that a zeroed table entry can never look like a trap,
//! and Cranelift's own reserved codes (251..=255) are never used as values.

/// Why wasm code stopped.
#[repr(u8)]
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum TrapKind {
    /// `unreachable` was executed.
    Unreachable = 1,
    /// A load, store or bulk memory operation outside the linear memory.
    MemoryOutOfBounds = 2,
    /// Integer division or remainder by zero.
    IntegerDivideByZero = 3,
    /// Integer overflow (`INT_MIN / -1`, or a float too large to truncate).
    IntegerOverflow = 4,
    /// Conversion of NaN to an integer.
    InvalidConversionToInteger = 5,
    /// `call_indirect` reached a null table entry.
    IndirectCallToNull = 6,
    /// `call_indirect` reached a function of another type.
    IndirectCallSignatureMismatch = 7,
    /// `table.get`/`table.set`/bulk table operation outside the table.
    TableOutOfBounds = 8,
    /// `call_indirect` with an index outside the table.
    UndefinedElement = 9,
    /// The wasm stack limit was reached.
    StackOverflow = 10,
    /// An allocation or a grow that must succeed was refused.
    OutOfMemory = 11,
    /// A wasm exception was thrown and nobody caught it.
    UncaughtException = 12,
    /// A host function (an import) returned an error.
    HostError = 13,
    /// A null reference was dereferenced (`ref.as_non_null`, `call_ref`).
    NullReference = 14,
    /// An atomic access with a misaligned address.
    UnalignedAtomic = 15,
    /// The call was interrupted (timeout or an explicit interrupt).
    Interrupted = 16,
    /// `call_ref` or `return_call_ref` on a null function reference.
    NullFunctionReference = 17,
    /// `memory.atomic.wait` on a memory that is not shared.
    ExpectedSharedMemory = 18,
    /// The store's fuel ran out (code compiled with fuel metering).
    OutOfFuel = 19,
    /// A code chosen by a host function; the value travels beside the kind.
    Custom = 200,
}

impl TrapKind {
    /// Every kind, in byte order.
    pub const ALL: [TrapKind; 20] = [
        TrapKind::Unreachable,
        TrapKind::MemoryOutOfBounds,
        TrapKind::IntegerDivideByZero,
        TrapKind::IntegerOverflow,
        TrapKind::InvalidConversionToInteger,
        TrapKind::IndirectCallToNull,
        TrapKind::IndirectCallSignatureMismatch,
        TrapKind::TableOutOfBounds,
        TrapKind::UndefinedElement,
        TrapKind::StackOverflow,
        TrapKind::OutOfMemory,
        TrapKind::UncaughtException,
        TrapKind::HostError,
        TrapKind::NullReference,
        TrapKind::UnalignedAtomic,
        TrapKind::Interrupted,
        TrapKind::NullFunctionReference,
        TrapKind::ExpectedSharedMemory,
        TrapKind::OutOfFuel,
        TrapKind::Custom,
    ];

    /// The message the WebAssembly reference interpreter uses for this trap
    /// (what `assert_trap` in the spec testsuite expects).
    pub const fn message(self) -> &'static str {
        match self {
            TrapKind::Unreachable => "unreachable",
            TrapKind::MemoryOutOfBounds => "out of bounds memory access",
            TrapKind::IntegerDivideByZero => "integer divide by zero",
            TrapKind::IntegerOverflow => "integer overflow",
            TrapKind::InvalidConversionToInteger => "invalid conversion to integer",
            TrapKind::IndirectCallToNull => "uninitialized element",
            TrapKind::IndirectCallSignatureMismatch => "indirect call type mismatch",
            TrapKind::TableOutOfBounds => "out of bounds table access",
            TrapKind::UndefinedElement => "undefined element",
            TrapKind::StackOverflow => "call stack exhausted",
            TrapKind::OutOfMemory => "out of memory",
            TrapKind::UncaughtException => "uncaught exception",
            TrapKind::HostError => "host error",
            TrapKind::NullReference => "null reference",
            TrapKind::UnalignedAtomic => "unaligned atomic",
            TrapKind::Interrupted => "interrupted",
            TrapKind::NullFunctionReference => "null function reference",
            TrapKind::ExpectedSharedMemory => "expected shared memory",
            TrapKind::OutOfFuel => "all fuel consumed",
            TrapKind::Custom => "custom trap",
        }
    }
}

impl TryFrom<u8> for TrapKind {
    type Error = u8;

    fn try_from(byte: u8) -> Result<Self, u8> {
        TrapKind::ALL
            .iter()
            .copied()
            .find(|k| *k as u8 == byte)
            .ok_or(byte)
    }
}

impl core::fmt::Display for TrapKind {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.message())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_byte() {
        for byte in 0..=u8::MAX {
            match TrapKind::try_from(byte) {
                Ok(kind) => assert_eq!(kind as u8, byte),
                Err(b) => {
                    assert_eq!(b, byte);
                    assert!(TrapKind::ALL.iter().all(|k| *k as u8 != byte));
                }
            }
        }
        for kind in TrapKind::ALL {
            assert_eq!(TrapKind::try_from(kind as u8), Ok(kind));
        }
        assert!(TrapKind::try_from(0).is_err(), "zero is reserved");
    }

    #[test]
    fn c_header_agrees() {
        let header = include_str!("../../include/smelt.h");
        for kind in TrapKind::ALL {
            let name: String = format!("{kind:?}")
                .chars()
                .flat_map(|c| {
                    let sep = c.is_uppercase().then_some('_');
                    sep.into_iter().chain(c.to_uppercase())
                })
                .collect();
            let line = format!("SMELT_TRAP{name} = {},", kind as u8);
            assert!(header.contains(&line), "smelt.h lacks `{line}`");
        }
    }

    #[test]
    fn kinds_avoid_cranelift_reserved_codes() {
        for kind in TrapKind::ALL {
            assert!((1..=250).contains(&(kind as u8)));
        }
    }
}
