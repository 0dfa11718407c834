//! Fuel metering: the counting rule, defined once for both translators
//! (Cranelift in `translate/`, the interpreter's in `interp/`).
//!
//! # The rule
//!
//! Every wasm instruction of a function body costs one unit of fuel, the
//! structural ones included (`block`, `loop`, `nop`, `else`, `end`...).
//!
//! The body is split into *basic blocks*: a block starts at the first
//! instruction of the body and right after every instruction that
//! [`ends_block`] (the control instructions: `block`, `loop`, `if`,
//! `else`, `end`, `br`, `br_if`, `br_table`, `br_on_*`, `return`, the
//! calls and tail calls, `throw`, `throw_ref`, `rethrow`, `try`,
//! `try_table`, `catch`, `catch_all`, `delegate`). A block's instructions
//! run as a unit unless one traps or throws, so execution charges a block
//! *when it enters it*, for all its instructions at once: the amount is
//! known at translation time and each block costs one subtraction.
//!
//! Fuel is *checked* (trap `OutOfFuel`, "all fuel consumed", if the
//! remaining fuel is negative) right after the charge of two kinds of
//! block: the function's first block and the first block of every loop
//! body (the loop header, where every backward branch lands). Every
//! unbounded execution passes one of them again and again, so a program
//! without fuel stops; a block in between may leave the fuel negative
//! without trapping until the next check. After a call returns nothing is
//! checked: the callee checked at its entry.
//!
//! Consequences, the same in both executors because both emit exactly the
//! charges and checks this module computes, at the same places:
//!
//! - An instruction is paid for when its block is entered, so a block
//!   that traps half-way or throws was paid for in full, and an `end`
//!   reached by a branch to its label is not paid for (the branch lands
//!   after it, at the next block). In `if ... else ... end`, the then-arm
//!   pays for its `else` and jumps past the `end`; the else-arm pays for
//!   the `end`.
//! - A call with `--fuel N` completes iff no check along its execution
//!   sees the fuel negative; the *smallest* such `N` is the fuel consumed
//!   up to and including the last check's block.
//! - Host functions (imports) cost nothing beyond the `call` instruction.
//!
//! The store holds the fuel as an `i64` reached through the vmctx
//! (`VMCTX_FUEL`); metering is compiled in only with `Options::fuel`.

use wasmparser::{FunctionBody, Operator};

/// What the translator emits where a basic block starts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Charge {
    /// Fuel to subtract: the number of instructions of the block.
    pub(crate) units: u32,
    /// Check the fuel after charging (function entry, loop header).
    pub(crate) check: bool,
}

/// Whether the instruction after `op` starts a new basic block.
pub(crate) fn ends_block(op: &Operator<'_>) -> bool {
    use Operator as O;
    matches!(
        op,
        O::Block { .. }
            | O::Loop { .. }
            | O::If { .. }
            | O::Else
            | O::End
            | O::Br { .. }
            | O::BrIf { .. }
            | O::BrTable { .. }
            | O::BrOnNull { .. }
            | O::BrOnNonNull { .. }
            | O::BrOnCast { .. }
            | O::BrOnCastFail { .. }
            | O::Return
            | O::Call { .. }
            | O::CallIndirect { .. }
            | O::CallRef { .. }
            | O::ReturnCall { .. }
            | O::ReturnCallIndirect { .. }
            | O::ReturnCallRef { .. }
            | O::Throw { .. }
            | O::ThrowRef
            | O::Rethrow { .. }
            | O::Try { .. }
            | O::TryTable { .. }
            | O::Catch { .. }
            | O::CatchAll
            | O::Delegate { .. }
    )
}

/// The charges of one function body, handed out as the translator walks
/// its operators.
pub(crate) struct Meter {
    /// One per basic block, in body order.
    charges: Vec<Charge>,
    next: usize,
    at_start: bool,
}

impl Meter {
    /// Computes the charges of `body` (one extra pass over its operators).
    /// A body that does not decode yields the charges up to the error; the
    /// translation then fails at the same place with the real error.
    pub(crate) fn new(body: &FunctionBody<'_>) -> Meter {
        let mut charges = Vec::new();
        if let Ok(mut reader) = body.get_operators_reader() {
            let mut units = 0u32;
            let mut check = true;
            while !reader.eof() {
                let Ok(op) = reader.read() else { break };
                units = units.saturating_add(1);
                if ends_block(&op) {
                    charges.push(Charge { units, check });
                    check = matches!(op, Operator::Loop { .. });
                    units = 0;
                }
            }
            if units > 0 {
                charges.push(Charge { units, check });
            }
        }
        Meter {
            charges,
            next: 0,
            at_start: true,
        }
    }

    /// Call with every operator of the body, in order, before translating
    /// it: the charge to emit *before* it when a basic block starts there
    /// (emit it only if that point is reachable).
    pub(crate) fn operator(&mut self, op: &Operator<'_>) -> Option<Charge> {
        let charge = if self.at_start {
            self.next += 1;
            self.charges.get(self.next - 1).copied()
        } else {
            None
        };
        self.at_start = ends_block(op);
        charge
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The charges of the first function of `wat`, with the operator
    /// index each is emitted before.
    fn charges(wat: &str) -> Vec<(usize, u32, bool)> {
        let wasm = wat::parse_str(wat).unwrap();
        for payload in wasmparser::Parser::new(0).parse_all(&wasm) {
            if let Ok(wasmparser::Payload::CodeSectionEntry(body)) = payload {
                let mut meter = Meter::new(&body);
                let mut reader = body.get_operators_reader().unwrap();
                let mut out = Vec::new();
                let mut i = 0;
                while !reader.eof() {
                    let op = reader.read().unwrap();
                    if let Some(c) = meter.operator(&op) {
                        out.push((i, c.units, c.check));
                    }
                    i += 1;
                }
                return out;
            }
        }
        panic!("no function");
    }

    #[test]
    fn straight_line_is_one_block() {
        // local.get, local.get, i32.add, end
        let c = charges("(func (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)");
        assert_eq!(c, vec![(0, 4, true)]);
    }

    #[test]
    fn loops_check_at_their_header() {
        // 0 loop | 1 local.get 2 i32.const 3 i32.sub 4 local.tee
        // 5 br_if | 6 end | 7 end
        let c = charges(
            "(func (param i32) (loop (br_if 0 (local.tee 0 (i32.sub (local.get 0) (i32.const 1))))))",
        );
        assert_eq!(
            c,
            vec![(0, 1, true), (1, 5, true), (6, 1, false), (7, 1, false)]
        );
    }

    #[test]
    fn calls_and_if_else_split_blocks() {
        // 0 local.get 1 call | 2 if | 3 i32.const 4 else | 5 i32.const
        // 6 end | 7 end
        let c = charges(
            "(func $f (param i32) (result i32)
               local.get 0 call $f if (result i32) i32.const 1 else i32.const 2 end)",
        );
        assert_eq!(
            c,
            vec![
                (0, 2, true),
                (2, 1, false),
                (3, 2, false),
                (5, 2, false),
                (7, 1, false)
            ]
        );
    }
}
