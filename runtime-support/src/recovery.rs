//! Host trap handlers and recovery strategies.
//!
//! A store keeps a stack of handlers. Each is registered for one
//! [`TrapKind`], one [`TrapKind::Custom`] code, or every trap
//! ([`TrapFilter`]). When a call from the host into wasm ([`Func::call`],
//! `smelt_rt_call`) ends in a trap, the innermost handler whose filter
//! matches decides what happens ([`Recovery`]):
//!
//! - [`Recovery::Propagate`]: the call returns `Err(trap)` as if no
//!   handler were installed (the default, also when nothing matches);
//! - [`Recovery::Abort`]: the report is printed to stderr and the process
//!   aborts;
//! - [`Recovery::Return`]: the call returns `Ok` with the given values
//!   (checked against the function's results). The wasm frames of the
//!   trapping call are gone, the instance stays usable.
//!
//! Handlers run after the trap has left wasm (never in a signal handler),
//! on the thread that made the call, with the store not borrowed, so they
//! may allocate, lock or log freely. Nested calls (wasm -> host -> wasm)
//! consult the stack at each `Func::call`, innermost call first.
//!
//! [`Func::call`]: crate::Func::call

use crate::abi::TrapKind;
use crate::store::{AsStoreMut, StoreOpaque};
use crate::trap::Trap;
use crate::types::FuncType;
use crate::values::Val;

/// Which traps a handler wants.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum TrapFilter {
    /// Traps of this kind (for [`TrapKind::Custom`], every custom code).
    Kind(TrapKind),
    /// [`TrapKind::Custom`] traps with this code only.
    Custom(u32),
    /// Every trap.
    All,
}

impl TrapFilter {
    /// Whether `trap` passes the filter.
    pub fn matches(&self, trap: &Trap) -> bool {
        match *self {
            TrapFilter::Kind(k) => trap.kind() == k,
            TrapFilter::Custom(code) => {
                trap.kind() == TrapKind::Custom && trap.custom_code() == code
            }
            TrapFilter::All => true,
        }
    }
}

/// What a handler decides for a trap.
#[derive(Clone, Debug)]
pub enum Recovery {
    /// Return the trap to the caller (the default).
    Propagate,
    /// Print the trap's report and abort the process.
    Abort,
    /// Make the trapping call return these values instead.
    Return(Vec<Val>),
}

type HandlerFn = dyn FnMut(&Trap, &FuncType) -> Recovery + Send;

pub(crate) struct HandlerEntry {
    id: u64,
    filter: TrapFilter,
    handler: Box<HandlerFn>,
}

/// Identifies a registered handler (for [`remove_trap_handler`]).
///
/// [`remove_trap_handler`]: crate::Store::remove_trap_handler
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct HandlerId(u64);

impl HandlerId {
    /// The id as a number (what the C API hands out).
    pub fn as_u64(self) -> u64 {
        self.0
    }

    /// An id from [`HandlerId::as_u64`].
    pub fn from_u64(n: u64) -> HandlerId {
        HandlerId(n)
    }
}

impl StoreOpaque {
    /// Pushes a handler on the store's stack; it becomes the innermost. The
    /// handler gets the trap and the type of the function whose call
    /// trapped (what [`Recovery::Return`] must match).
    pub fn push_trap_handler(
        &mut self,
        filter: TrapFilter,
        handler: impl FnMut(&Trap, &FuncType) -> Recovery + Send + 'static,
    ) -> HandlerId {
        self.next_handler_id += 1;
        let id = self.next_handler_id;
        self.trap_handlers.push(HandlerEntry {
            id,
            filter,
            handler: Box::new(handler),
        });
        HandlerId(id)
    }

    /// Removes the innermost handler; false if there was none.
    pub fn pop_trap_handler(&mut self) -> bool {
        self.trap_handlers.pop().is_some()
    }

    /// Removes the handler `id`; false if it is not registered.
    pub fn remove_trap_handler(&mut self, id: HandlerId) -> bool {
        let before = self.trap_handlers.len();
        self.trap_handlers.retain(|h| h.id != id.0);
        self.trap_handlers.len() != before
    }
}

impl crate::Store {
    /// See [`StoreOpaque::push_trap_handler`].
    pub fn push_trap_handler(
        &mut self,
        filter: TrapFilter,
        handler: impl FnMut(&Trap, &FuncType) -> Recovery + Send + 'static,
    ) -> HandlerId {
        self.as_store_mut().push_trap_handler(filter, handler)
    }

    /// See [`StoreOpaque::pop_trap_handler`].
    pub fn pop_trap_handler(&mut self) -> bool {
        self.as_store_mut().pop_trap_handler()
    }

    /// See [`StoreOpaque::remove_trap_handler`].
    pub fn remove_trap_handler(&mut self, id: HandlerId) -> bool {
        self.as_store_mut().remove_trap_handler(id)
    }
}

/// Applies the innermost matching handler to a trap that ended a call of
/// type `ty`.
pub(crate) fn decide(store: &mut StoreOpaque, trap: Trap, ty: &FuncType) -> Result<Vec<Val>, Trap> {
    let Some(i) = store
        .trap_handlers
        .iter()
        .rposition(|h| h.filter.matches(&trap))
    else {
        return Err(trap);
    };
    // Take the handler out while it runs, so it cannot observe itself in a
    // half-borrowed store (and a panicking handler does not poison it).
    let mut entry = store.trap_handlers.remove(i);
    let decision = (entry.handler)(&trap, ty);
    let at = i.min(store.trap_handlers.len());
    store.trap_handlers.insert(at, entry);
    match decision {
        Recovery::Propagate => Err(trap),
        Recovery::Abort => {
            eprint!("{}", trap.report());
            std::process::abort();
        }
        Recovery::Return(values) => {
            let ok = values.len() == ty.results().len()
                && values
                    .iter()
                    .zip(ty.results())
                    .all(|(v, t)| crate::func::val_to_raw(store, v, *t).is_ok());
            if ok {
                Ok(values)
            } else {
                Err(Trap::host(format!(
                    "a trap handler recovered from `{}` with values that do not match the \
                     function's results {:?}",
                    trap.message(),
                    ty.results()
                )))
            }
        }
    }
}
