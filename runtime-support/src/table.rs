//! Tables: vectors of pointer-sized elements (`*const VMFuncRef` for
//! function references, a store handle for `externref`; 0 is null),
//! described to compiled code by a `VMTableDefinition` that the store owns.

use crate::abi::VMTableDefinition;
use crate::error::TableError;
use crate::types::TableType;

#[derive(Debug)]
pub(crate) struct Table {
    elements: Vec<usize>,
    pub(crate) def: Box<VMTableDefinition>,
    pub(crate) ty: TableType,
    max: u64,
}

// SAFETY: the definition points into `elements`, owned by this value.
unsafe impl Send for Table {}

/// Largest table smelt creates (elements), to keep a hostile `table.grow`
/// from exhausting memory.
const MAX_TABLE_ELEMENTS: u64 = 10_000_000;

impl Table {
    pub(crate) fn new(ty: TableType, init: usize, limit: Option<u64>) -> Result<Table, TableError> {
        let mut max = ty.limits.max.unwrap_or(u64::MAX).min(MAX_TABLE_ELEMENTS);
        if let Some(l) = limit {
            max = max.min(l);
        }
        if ty.limits.min > max {
            return Err(TableError::MinimumExceedsLimit {
                elements: ty.limits.min,
            });
        }
        let mut elements = vec![init; ty.limits.min as usize];
        let def = Box::new(VMTableDefinition {
            base: elements.as_mut_ptr(),
            length: elements.len() as u64,
        });
        Ok(Table {
            elements,
            def,
            ty,
            max,
        })
    }

    pub(crate) fn len(&self) -> u64 {
        self.elements.len() as u64
    }

    pub(crate) fn get(&self, i: u64) -> Option<usize> {
        self.elements.get(usize::try_from(i).ok()?).copied()
    }

    pub(crate) fn set(&mut self, i: u64, v: usize) -> Option<()> {
        *self.elements.get_mut(usize::try_from(i).ok()?)? = v;
        Some(())
    }

    pub(crate) fn elements(&self) -> &[usize] {
        &self.elements
    }

    pub(crate) fn elements_mut(&mut self) -> &mut [usize] {
        &mut self.elements
    }

    /// `table.grow`: the old size, or `None` when refused.
    pub(crate) fn grow(&mut self, delta: u64, init: usize) -> Option<u64> {
        let old = self.len();
        let new = old.checked_add(delta)?;
        if new > self.max {
            return None;
        }
        self.elements.try_reserve(delta as usize).ok()?;
        self.elements.resize(new as usize, init);
        self.def.base = self.elements.as_mut_ptr();
        self.def.length = new;
        Some(old)
    }
}
