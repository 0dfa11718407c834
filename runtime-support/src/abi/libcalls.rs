//! Libcalls: runtime functions that compiled code calls for work too big to
//! inline (`memory.grow`, bulk memory and table operations…).
//!
//! Compiled code never refers to runtime symbols by name. It loads the
//! function pointer from the table at `vmctx + VMCTX_LIBCALLS`, index
//! `Libcall as usize`, and calls it with the platform C convention. So an
//! object has no undefined symbols, links anywhere, and loads in-process
//! without symbol resolution.
//!
//! The list below is the single source of truth: the compiler derives the
//! Cranelift signatures from it and the runtime builds the table from it.
//!
//! Parameter kinds: `vmctx` (the caller's vmctx pointer), `i32`, `i64`,
//! `ptr` (pointer-sized). A result named `status` is `0` on success and
//! non-zero when the libcall has recorded a trap for the current activation;
//! compiled code then traps with [`TRAP_RAISED`](super::descriptor::TRAP_RAISED).

/// Invokes `$mac!` with the whole libcall list:
/// `name(param: kind, ...) -> kind;` with an optional `-> kind`.
#[macro_export]
macro_rules! foreach_libcall {
    ($mac:ident) => {
        $mac! {
            /// `memory.grow`: old size in pages, or -1.
            memory_grow(vmctx: vmctx, memory: i32, delta: i64) -> i64;
            /// `memory.fill`; status.
            memory_fill(vmctx: vmctx, memory: i32, dst: i64, val: i32, len: i64) -> i32;
            /// `memory.copy`; status.
            memory_copy(vmctx: vmctx, dst_mem: i32, src_mem: i32, dst: i64, src: i64, len: i64) -> i32;
            /// `memory.init`; status.
            memory_init(vmctx: vmctx, memory: i32, data: i32, dst: i64, src: i32, len: i32) -> i32;
            /// `data.drop`.
            data_drop(vmctx: vmctx, data: i32);
            /// `table.grow`: old size, or -1.
            table_grow(vmctx: vmctx, table: i32, init: ptr, delta: i64) -> i64;
            /// `table.fill`; status.
            table_fill(vmctx: vmctx, table: i32, dst: i64, val: ptr, len: i64) -> i32;
            /// `table.copy`; status.
            table_copy(vmctx: vmctx, dst_table: i32, src_table: i32, dst: i64, src: i64, len: i64) -> i32;
            /// `table.init`; status.
            table_init(vmctx: vmctx, table: i32, elem: i32, dst: i64, src: i32, len: i32) -> i32;
            /// `elem.drop`.
            elem_drop(vmctx: vmctx, elem: i32);
            /// Whether canonical type `sub` is a subtype of `sup` (1) or not
            /// (0): the slow path of `call_indirect` to a non-final type.
            is_subtype(vmctx: vmctx, sub: i32, sup: i32) -> i32;
            /// `memory.atomic.notify` at effective address `addr`: the number
            /// of waiters woken, or -1 after recording a trap.
            memory_atomic_notify(vmctx: vmctx, memory: i32, addr: i64, count: i32) -> i32;
            /// `memory.atomic.wait32`: 0 woken, 1 not equal, 2 timed out, or
            /// -1 after recording a trap.
            memory_atomic_wait32(vmctx: vmctx, memory: i32, addr: i64, expected: i32, timeout: i64) -> i32;
            /// `memory.atomic.wait64`, as `memory_atomic_wait32`.
            memory_atomic_wait64(vmctx: vmctx, memory: i32, addr: i64, expected: i64, timeout: i64) -> i32;
            // ---- exceptions ----
            /// A new exception object for tag `tag` of the caller's
            /// instance, with room for the tag's payload (which compiled
            /// code then writes): the `exnref` to throw.
            exn_new(vmctx: vmctx, tag: i32) -> ptr;
            /// Throws `exn`: searches the handlers of the frames above the
            /// Cranelift frame `fp` (the throw stub's or a host adapter's)
            /// and resumes in the first that catches it, or ends the
            /// innermost host-to-wasm call with an uncaught-exception trap.
            /// Never returns.
            throw_ref(vmctx: vmctx, exn: ptr, fp: ptr);
        }
    };
}

macro_rules! define_libcall_enum {
    ($( $(#[$attr:meta])* $name:ident($($pname:ident: $pty:ident),*) $(-> $ret:ident)?;)*) => {
        /// Index of each libcall in the table.
        #[allow(non_camel_case_types, reason = "named exactly like the runtime functions")]
        #[derive(Copy, Clone, Debug, PartialEq, Eq)]
        #[repr(u32)]
        pub enum Libcall {
            $( $(#[$attr])* $name, )*
        }

        impl Libcall {
            /// Every libcall, in table order.
            pub const ALL: &'static [Libcall] = &[$(Libcall::$name,)*];
            /// Number of entries in the table.
            pub const COUNT: usize = Self::ALL.len();

            /// Name of the runtime function.
            pub const fn name(self) -> &'static str {
                match self { $(Libcall::$name => stringify!($name),)* }
            }

            /// Parameter kinds, in order.
            pub const fn params(self) -> &'static [LibcallType] {
                match self { $(Libcall::$name => &[$(LibcallType::$pty),*],)* }
            }

            /// Result kind, if any.
            pub const fn result(self) -> Option<LibcallType> {
                match self { $(Libcall::$name => define_libcall_enum!(@ret $($ret)?),)* }
            }

            /// Byte offset of this libcall's pointer in the table.
            pub const fn table_offset(self) -> u32 {
                self as u32 * super::vmctx::PTR_SIZE
            }
        }
    };
    (@ret) => { None };
    (@ret $ret:ident) => { Some(LibcallType::$ret) };
}

/// The kind of a libcall parameter or result.
#[allow(non_camel_case_types, reason = "spelled as in the libcall list")]
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum LibcallType {
    vmctx,
    i32,
    i64,
    ptr,
}

foreach_libcall!(define_libcall_enum);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_dense() {
        for (i, l) in Libcall::ALL.iter().enumerate() {
            assert_eq!(*l as usize, i);
            assert_eq!(l.params()[0], LibcallType::vmctx, "{}", l.name());
        }
        assert_eq!(Libcall::COUNT, Libcall::ALL.len());
    }
}
