//! Handles to memories, tables and globals, and the [`Extern`] enum that
//! imports and exports are made of.

use crate::abi::VMGlobal;
use crate::error::{GlobalError, MemoryError, TableError};
use crate::func::{Func, raw_to_val, val_to_raw};
use crate::memory::{LinearMemory, SharedMemory};
use crate::store::{AsStoreMut, GlobalData, StoreOpaque};
use crate::table::Table as TableData;
use crate::types::{GlobalType, MemoryType, TableType};
use crate::values::{Val, ValRaw};

/// An importable or exportable entity.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Extern {
    Func(Func),
    Table(Table),
    Memory(Memory),
    Global(Global),
    Tag(crate::exceptions::Tag),
}

impl Extern {
    pub fn into_func(self) -> Option<Func> {
        match self {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }
    pub fn into_table(self) -> Option<Table> {
        match self {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }
    pub fn into_global(self) -> Option<Global> {
        match self {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }
    pub fn into_tag(self) -> Option<crate::exceptions::Tag> {
        match self {
            Extern::Tag(t) => Some(t),
            _ => None,
        }
    }
}

macro_rules! into_extern {
    ($($t:ident),*) => {$(
        impl From<$t> for Extern {
            fn from(x: $t) -> Extern {
                Extern::$t(x)
            }
        }
    )*};
}
into_extern!(Func, Table, Memory, Global);

/// Error from a memory access outside the memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryAccessError;

impl std::fmt::Display for MemoryAccessError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("out of bounds memory access")
    }
}

impl std::error::Error for MemoryAccessError {}

/// A linear memory in a store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Memory {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

impl Memory {
    /// A new memory owned by the store (e.g. to import into modules).
    pub fn new(mut store: impl AsStoreMut, ty: MemoryType) -> Result<Memory, MemoryError> {
        let store = store.as_store_mut();
        let mem = LinearMemory::new(ty, store.max_memory_pages(), !store.limits.no_guard_regions)?;
        store.memories.push(mem);
        Ok(Memory {
            store: store.id,
            index: store.memories.len() - 1,
        })
    }

    fn get<'s>(&self, store: &'s mut StoreOpaque) -> &'s mut LinearMemory {
        store.check(self.store);
        &mut store.memories[self.index]
    }

    /// The memory itself (a counted reference to it).
    pub(crate) fn linear(&self, mut store: impl AsStoreMut) -> LinearMemory {
        self.get(store.as_store_mut()).clone()
    }

    /// Makes a shared memory (possibly created by another store or
    /// thread) available in this store, e.g. to import it.
    pub fn from_shared(store: impl AsStoreMut, shared: &SharedMemory) -> Memory {
        Memory::from_linear(store, &shared.0)
    }

    /// Makes a memory of another store available in this one (the C API's
    /// memory imports); the memory lives as long as any store holds it.
    pub(crate) fn from_linear(mut store: impl AsStoreMut, mem: &LinearMemory) -> Memory {
        let store = store.as_store_mut();
        if let Some(i) = store.memories.iter().position(|m| m.same(mem)) {
            return Memory {
                store: store.id,
                index: i,
            };
        }
        store.memories.push(mem.clone());
        Memory {
            store: store.id,
            index: store.memories.len() - 1,
        }
    }

    /// The memory as a [`SharedMemory`] that other threads can import, if
    /// it is shared.
    pub fn shared(&self, mut store: impl AsStoreMut) -> Option<SharedMemory> {
        let m = self.get(store.as_store_mut());
        m.ty().shared.then(|| SharedMemory(m.clone()))
    }

    pub fn ty(&self, mut store: impl AsStoreMut) -> MemoryType {
        self.get(store.as_store_mut()).ty()
    }

    /// Current size in pages.
    pub fn size(&self, mut store: impl AsStoreMut) -> u64 {
        self.get(store.as_store_mut()).pages()
    }

    /// Grows by `delta` pages; returns the old size.
    pub fn grow(&self, mut store: impl AsStoreMut, delta: u64) -> Option<u64> {
        self.get(store.as_store_mut()).grow(delta)
    }

    /// The memory's bytes.
    pub fn data<'s>(&self, store: &'s mut impl AsStoreMut) -> &'s [u8] {
        self.get(store.as_store_mut()).data()
    }

    /// The memory's bytes, mutably.
    pub fn data_mut<'s>(&self, store: &'s mut impl AsStoreMut) -> &'s mut [u8] {
        self.get(store.as_store_mut()).data_mut()
    }

    /// Copies `buf.len()` bytes at `offset` into `buf`.
    pub fn read(
        &self,
        mut store: impl AsStoreMut,
        offset: u64,
        buf: &mut [u8],
    ) -> Result<(), MemoryAccessError> {
        let data = self.get(store.as_store_mut()).data();
        let start = usize::try_from(offset).map_err(|_| MemoryAccessError)?;
        let src = data
            .get(start..start.checked_add(buf.len()).ok_or(MemoryAccessError)?)
            .ok_or(MemoryAccessError)?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Copies `buf` into the memory at `offset`.
    pub fn write(
        &self,
        mut store: impl AsStoreMut,
        offset: u64,
        buf: &[u8],
    ) -> Result<(), MemoryAccessError> {
        let data = self.get(store.as_store_mut()).data_mut();
        let start = usize::try_from(offset).map_err(|_| MemoryAccessError)?;
        let dst = data
            .get_mut(start..start.checked_add(buf.len()).ok_or(MemoryAccessError)?)
            .ok_or(MemoryAccessError)?;
        dst.copy_from_slice(buf);
        Ok(())
    }
}

/// A table in a store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Table {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

impl Table {
    /// A new table filled with `init`.
    pub fn new(mut store: impl AsStoreMut, ty: TableType, init: Val) -> Result<Table, TableError> {
        let store = store.as_store_mut();
        let init = val_to_raw(store, &init, ty.element)?.u64() as usize;
        let table = TableData::new(ty, init, store.max_table_elements())?;
        store.tables.push(table);
        Ok(Table {
            store: store.id,
            index: store.tables.len() - 1,
        })
    }

    fn get_data<'s>(&self, store: &'s mut StoreOpaque) -> &'s mut TableData {
        store.check(self.store);
        &mut store.tables[self.index]
    }

    pub fn ty(&self, mut store: impl AsStoreMut) -> TableType {
        self.get_data(store.as_store_mut()).ty
    }

    pub fn size(&self, mut store: impl AsStoreMut) -> u64 {
        self.get_data(store.as_store_mut()).len()
    }

    pub fn get(&self, mut store: impl AsStoreMut, index: u64) -> Option<Val> {
        let store = store.as_store_mut();
        let t = self.get_data(store);
        let (raw, ty) = (t.get(index)?, t.ty.element);
        Some(raw_to_val(store, &ValRaw::from_u64(raw as u64), ty))
    }

    pub fn set(&self, mut store: impl AsStoreMut, index: u64, val: Val) -> Result<(), TableError> {
        let store = store.as_store_mut();
        let ty = self.get_data(store).ty.element;
        let raw = val_to_raw(store, &val, ty)?.u64() as usize;
        self.get_data(store)
            .set(index, raw)
            .ok_or(TableError::OutOfBounds { index })
    }

    /// Grows by `delta` elements set to `init`; returns the old size.
    pub fn grow(
        &self,
        mut store: impl AsStoreMut,
        delta: u64,
        init: Val,
    ) -> Result<u64, TableError> {
        let store = store.as_store_mut();
        let ty = self.get_data(store).ty.element;
        let raw = val_to_raw(store, &init, ty)?.u64() as usize;
        self.get_data(store)
            .grow(delta, raw)
            .ok_or(TableError::GrowRefused { delta })
    }
}

/// A global in a store.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Global {
    pub(crate) store: u64,
    pub(crate) index: usize,
}

impl Global {
    /// A new global owned by the store.
    pub fn new(
        mut store: impl AsStoreMut,
        ty: GlobalType,
        val: Val,
    ) -> Result<Global, GlobalError> {
        let store = store.as_store_mut();
        let raw = val_to_raw(store, &val, ty.content)?;
        let mut owned = Box::new(VMGlobal { bytes: raw.0 });
        let ptr: *mut VMGlobal = &mut *owned;
        store.globals.push(GlobalData {
            ty,
            ptr,
            _owned: Some(owned),
        });
        Ok(Global {
            store: store.id,
            index: store.globals.len() - 1,
        })
    }

    /// A global of type `ty` whose storage is at `ptr`, owned by someone
    /// else (the C API's global imports).
    ///
    /// # Safety
    ///
    /// `ptr` must point to storage for a value of `ty` (aligned for it)
    /// that outlives the store.
    pub(crate) unsafe fn from_ptr(
        mut store: impl AsStoreMut,
        ty: GlobalType,
        ptr: *mut VMGlobal,
    ) -> Global {
        let store = store.as_store_mut();
        store.globals.push(GlobalData {
            ty,
            ptr,
            _owned: None,
        });
        Global {
            store: store.id,
            index: store.globals.len() - 1,
        }
    }

    pub fn ty(&self, mut store: impl AsStoreMut) -> GlobalType {
        let store = store.as_store_mut();
        store.check(self.store);
        store.globals[self.index].ty
    }

    pub fn get(&self, mut store: impl AsStoreMut) -> Val {
        let store = store.as_store_mut();
        store.check(self.store);
        let g = &store.globals[self.index];
        let ty = g.ty.content;
        // SAFETY: the global's storage lives as long as the store.
        let raw = unsafe { read_global(g.ptr, ty) };
        raw_to_val(store, &raw, ty)
    }

    pub fn set(&self, mut store: impl AsStoreMut, val: Val) -> Result<(), GlobalError> {
        let store = store.as_store_mut();
        store.check(self.store);
        let ty = store.globals[self.index].ty;
        if !ty.mutable {
            return Err(GlobalError::Immutable);
        }
        let raw = val_to_raw(store, &val, ty.content)?;
        // SAFETY: as in `get`; no wasm code runs concurrently with `&mut store`.
        unsafe { write_global(store.globals[self.index].ptr, ty.content, raw) };
        Ok(())
    }
}

/// Reads a global's value. Only the bytes of its type are read: an
/// imported global's storage may belong to C code and be just that big.
///
/// # Safety
///
/// `ptr` must point to live storage for a value of type `ty`.
pub(crate) unsafe fn read_global(ptr: *const VMGlobal, ty: crate::abi::ValType) -> ValRaw {
    let size = crate::abi::embed::c_size_align(ty).0 as usize;
    let mut raw = ValRaw::default();
    // SAFETY: per the contract, `size` bytes are readable at `ptr`.
    unsafe { std::ptr::copy_nonoverlapping(ptr.cast::<u8>(), raw.0.as_mut_ptr(), size) };
    raw
}

/// Writes a global's value (only the bytes of its type, see
/// [`read_global`]).
///
/// # Safety
///
/// `ptr` must point to live, writable storage for a value of type `ty`.
pub(crate) unsafe fn write_global(ptr: *mut VMGlobal, ty: crate::abi::ValType, value: ValRaw) {
    let size = crate::abi::embed::c_size_align(ty).0 as usize;
    // SAFETY: per the contract, `size` bytes are writable at `ptr`.
    unsafe { std::ptr::copy_nonoverlapping(value.0.as_ptr(), ptr.cast::<u8>(), size) };
}
