//! The translator's value stack and control stack.
//!
//! Wasm block parameters are plain SSA values while a block is open: only
//! merge points get CLIF block parameters — a block's or `if`'s
//! `destination` (its results) and a loop's `header` (its parameters).

use cranelift_codegen::ir::{Block, Value};

/// What kind of construct a control frame is.
#[derive(Debug)]
pub(crate) enum FrameKind {
    Block,
    Loop {
        /// Target of branches to the loop; has the loop's params.
        header: Block,
    },
    If {
        /// Where the condition goes when false. Without an `else`, it
        /// forwards the params to `destination` at `end`.
        else_block: Block,
        /// The `if`'s parameters, pushed again for the `else` arm.
        params: Vec<Value>,
        /// Whether the `else` was seen.
        else_seen: bool,
        /// Whether the code before the `if` was reachable.
        head_is_reachable: bool,
    },
    // ---- exceptions ----
    /// `try_table` or legacy `try`: the frame owns the innermost entry of
    /// [`Stacks::try_scopes`] (see `exceptions.rs`).
    Try,
}

/// An open `block`, `loop`, `if`, or the function body.
#[derive(Debug)]
pub(crate) struct ControlFrame {
    pub(crate) kind: FrameKind,
    /// The block after the construct; has the construct's results.
    pub(crate) destination: Block,
    pub(crate) num_params: usize,
    pub(crate) num_results: usize,
    /// Height of the value stack below the construct's params.
    pub(crate) original_stack_size: usize,
    /// Whether any branch (or fallthrough) targets `destination`.
    pub(crate) exit_is_branched_to: bool,
}

impl ControlFrame {
    /// The block a branch to this frame jumps to.
    pub(crate) fn br_destination(&self) -> Block {
        match self.kind {
            FrameKind::Loop { header } => header,
            _ => self.destination,
        }
    }

    /// How many values a branch to this frame carries.
    pub(crate) fn br_arity(&self) -> usize {
        match self.kind {
            FrameKind::Loop { .. } => self.num_params,
            _ => self.num_results,
        }
    }

    pub(crate) fn is_loop(&self) -> bool {
        matches!(self.kind, FrameKind::Loop { .. })
    }
}

/// Value and control stacks of the function being translated.
#[derive(Default)]
pub(crate) struct Stacks {
    pub(crate) values: Vec<Value>,
    pub(crate) control: Vec<ControlFrame>,
    /// False after an unconditional branch until the next reachable point.
    pub(crate) reachable: bool,
    /// Handler scopes of the open `try_table`/`try` frames, outermost first.
    pub(crate) try_scopes: Vec<super::exceptions::TryScope>,
    /// The catch clauses (or delegate) of the legacy `try` about to be
    /// translated, found by looking ahead in the operator stream.
    pub(crate) legacy_try: Option<super::exceptions::LegacyShape>,
}

impl Stacks {
    pub(crate) fn clear(&mut self) {
        self.values.clear();
        self.control.clear();
        self.reachable = true;
        self.try_scopes.clear();
        self.legacy_try = None;
    }

    pub(crate) fn push(&mut self, v: Value) {
        self.values.push(v);
    }

    pub(crate) fn pop(&mut self) -> Value {
        self.values
            .pop()
            .expect("validated wasm never pops an empty stack")
    }

    pub(crate) fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    pub(crate) fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop();
        let (a, b) = self.pop2();
        (a, b, c)
    }

    /// The top `n` values, bottom first.
    pub(crate) fn peekn(&self, n: usize) -> &[Value] {
        &self.values[self.values.len() - n..]
    }

    pub(crate) fn popn(&mut self, n: usize) -> Vec<Value> {
        self.values.split_off(self.values.len() - n)
    }

    /// The frame `depth` levels up (0 = innermost).
    pub(crate) fn frame_mut(&mut self, depth: u32) -> &mut ControlFrame {
        let i = self.control.len() - 1 - depth as usize;
        &mut self.control[i]
    }
}
