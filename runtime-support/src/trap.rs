//! Traps as the host sees them: a kind, a message and a wasm backtrace.

use crate::abi::TrapKind;
use std::borrow::Cow;
use std::fmt;

/// One frame of a wasm backtrace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// Name of the module the function belongs to.
    pub module: String,
    /// Function index in its module.
    pub func_index: u32,
    /// Name from the name section, if any, exactly as it is there (for
    /// code from Rust or C++, a mangled linker symbol such as
    /// `_ZNK8geometry5Shape4areaEi`; see [`Frame::demangled_name`]).
    pub func_name: Option<String>,
    /// Byte offset in the wasm module of the trapping (frame 0) or calling
    /// instruction.
    pub wasm_offset: Option<u32>,
}

impl Frame {
    /// The function's name as people read it, as the report prints it:
    /// a Rust (legacy or v0) or C++ Itanium mangling demangled
    /// (`geometry::Shape::area(int) const`; Rust names without their
    /// hash), any other name — not mangled, malformed, or a demangling
    /// longer than 64 KiB — as it is. `None` when the name section has no
    /// name for the function.
    ///
    /// Demangling is done on each call, not when the trap is made, so
    /// traps that nobody prints cost nothing extra. With the runtime's
    /// `demangle` feature off (`demangle-rust`, `demangle-cpp` each) the
    /// names it would demangle come back unchanged.
    pub fn demangled_name(&self) -> Option<Cow<'_, str>> {
        self.func_name.as_deref().map(crate::demangle::demangle)
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.wasm_offset {
            Some(o) => write!(f, "{o:#x} - ")?,
            None => write!(f, "<unknown> - ")?,
        }
        match self.demangled_name() {
            Some(n) => write!(f, "{}!{}", self.module, n),
            None => write!(f, "{}!<wasm function {}>", self.module, self.func_index),
        }
    }
}

/// Why a call into wasm failed.
pub struct Trap {
    inner: Box<TrapInner>,
}

struct TrapInner {
    kind: TrapKind,
    custom_code: u32,
    message: String,
    backtrace: Vec<Frame>,
    /// A panic in a host function, resumed when the call returns to Rust.
    panic: Option<Box<dyn std::any::Any + Send>>,
    /// `proc_exit` and friends: the process exit status requested.
    exit_code: Option<i32>,
    /// Frames of the stack that the backtrace leaves out (it keeps the
    /// innermost `MAX_FRAMES`).
    omitted_frames: usize,
    /// The exception, for [`TrapKind::UncaughtException`] (and for a
    /// host function that throws one with [`Trap::throw`]).
    exception: Option<crate::exceptions::ExnRef>,
    /// The exception's tag and payload, filled in when the trap reaches
    /// the host.
    exception_info: Option<(crate::exceptions::Tag, Vec<crate::values::Val>)>,
}

impl Trap {
    /// A trap of `kind` with its standard message.
    pub fn new(kind: TrapKind) -> Trap {
        Trap::with_message(kind, kind.message())
    }

    /// A trap of `kind` with a custom message.
    pub fn with_message(kind: TrapKind, message: impl Into<String>) -> Trap {
        Trap {
            inner: Box::new(TrapInner {
                kind,
                custom_code: 0,
                message: message.into(),
                backtrace: Vec::new(),
                panic: None,
                exit_code: None,
                omitted_frames: 0,
                exception: None,
                exception_info: None,
            }),
        }
    }

    /// A host error (an import failed).
    pub fn host(message: impl Into<String>) -> Trap {
        Trap::with_message(TrapKind::HostError, message)
    }

    /// A host-defined trap code.
    pub fn custom(code: u32, message: impl Into<String>) -> Trap {
        let mut t = Trap::with_message(TrapKind::Custom, message);
        t.inner.custom_code = code;
        t
    }

    /// A request to end the program with `code` (WASI `proc_exit`).
    pub fn exit(code: i32) -> Trap {
        let mut t = Trap::with_message(TrapKind::HostError, format!("exit with status {code}"));
        t.inner.exit_code = Some(code);
        t
    }

    /// Throws the wasm exception `exn` (from [`ExnRef::new`], or one that
    /// a wasm call reported as uncaught): returned as a host function's
    /// error, the exception propagates into the calling wasm code, where a
    /// `try_table` or legacy `try` can catch it.
    ///
    /// [`ExnRef::new`]: crate::ExnRef::new
    pub fn throw(exn: crate::exceptions::ExnRef) -> Trap {
        Trap::uncaught(exn)
    }

    pub(crate) fn uncaught(exn: crate::exceptions::ExnRef) -> Trap {
        let mut t = Trap::new(TrapKind::UncaughtException);
        t.inner.exception = Some(exn);
        t
    }

    /// The exception of an uncaught-exception trap.
    pub fn exnref(&self) -> Option<crate::exceptions::ExnRef> {
        self.inner.exception
    }

    /// The tag of an uncaught exception.
    pub fn exception_tag(&self) -> Option<crate::exceptions::Tag> {
        self.inner.exception_info.as_ref().map(|(t, _)| *t)
    }

    /// The payload of an uncaught exception (empty otherwise).
    pub fn exception_payload(&self) -> &[crate::values::Val] {
        self.inner
            .exception_info
            .as_ref()
            .map(|(_, p)| p.as_slice())
            .unwrap_or(&[])
    }

    pub(crate) fn set_exception_info(
        &mut self,
        tag: crate::exceptions::Tag,
        payload: Vec<crate::values::Val>,
    ) {
        self.inner.exception_info = Some((tag, payload));
    }

    /// How many outer frames the backtrace leaves out.
    pub fn omitted_frames(&self) -> usize {
        self.inner.omitted_frames
    }

    pub(crate) fn set_omitted_frames(&mut self, n: usize) {
        self.inner.omitted_frames = n;
    }

    pub(crate) fn from_panic(payload: Box<dyn std::any::Any + Send>) -> Trap {
        let mut t = Trap::host("a host function panicked");
        t.inner.panic = Some(payload);
        t
    }

    pub fn kind(&self) -> TrapKind {
        self.inner.kind
    }

    /// The code of a [`TrapKind::Custom`] trap.
    pub fn custom_code(&self) -> u32 {
        self.inner.custom_code
    }

    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// Frames, innermost first.
    pub fn backtrace(&self) -> &[Frame] {
        &self.inner.backtrace
    }

    pub fn exit_code(&self) -> Option<i32> {
        self.inner.exit_code
    }

    pub(crate) fn set_backtrace(&mut self, frames: Vec<Frame>) {
        self.inner.backtrace = frames;
    }

    pub(crate) fn take_panic(&mut self) -> Option<Box<dyn std::any::Any + Send>> {
        self.inner.panic.take()
    }

    /// The report printed by `smelt run` and executables.
    pub fn report(&self) -> String {
        let mut s = format!("error: wasm trap: {}\n", self.message());
        for (i, frame) in self.backtrace().iter().enumerate() {
            s.push_str(&format!("  {i}: {frame}\n"));
        }
        if self.omitted_frames() > 0 {
            s.push_str(&format!("  ... {} more frames\n", self.omitted_frames()));
        }
        s
    }
}

impl fmt::Debug for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trap")
            .field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .field("backtrace", &self.inner.backtrace)
            .finish()
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Trap {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trap_is_one_pointer() {
        assert_eq!(std::mem::size_of::<Trap>(), std::mem::size_of::<usize>());
        assert_eq!(
            std::mem::size_of::<Result<(), Trap>>(),
            std::mem::size_of::<usize>()
        );
    }

    #[test]
    fn report_format() {
        let mut t = Trap::new(TrapKind::IntegerDivideByZero);
        t.set_backtrace(vec![Frame {
            module: "m".into(),
            func_index: 3,
            func_name: Some("compute".into()),
            wasm_offset: Some(0x1a2b),
        }]);
        assert_eq!(
            t.report(),
            "error: wasm trap: integer divide by zero\n  0: 0x1a2b - m!compute\n"
        );
    }

    /// The report prints demangled names; the frame keeps the raw one.
    #[cfg(feature = "demangle")]
    #[test]
    fn report_demangles_and_frames_keep_the_raw_name() {
        let mut t = Trap::new(TrapKind::Unreachable);
        let frame = |index, name: Option<&str>| Frame {
            module: "m".into(),
            func_index: index,
            func_name: name.map(Into::into),
            wasm_offset: Some(0x10 + index),
        };
        t.set_backtrace(vec![
            frame(0, Some("_ZNK8geometry5Shape4areaEi")),
            frame(1, Some("_RNvMNtCs6xxl1lAjzDf_1a8geometryNtB2_5Shape4area")),
            frame(2, Some("_ZN3foo")),
            frame(3, None),
        ]);
        assert_eq!(
            t.report(),
            "error: wasm trap: unreachable\n  \
             0: 0x10 - m!geometry::Shape::area(int) const\n  \
             1: 0x11 - m!<a::geometry::Shape>::area\n  \
             2: 0x12 - m!_ZN3foo\n  \
             3: 0x13 - m!<wasm function 3>\n"
        );
        let frames = t.backtrace();
        assert_eq!(
            frames[0].func_name.as_deref(),
            Some("_ZNK8geometry5Shape4areaEi")
        );
        assert_eq!(
            frames[0].demangled_name().as_deref(),
            Some("geometry::Shape::area(int) const")
        );
        assert_eq!(frames[2].demangled_name().as_deref(), Some("_ZN3foo"));
        assert_eq!(frames[3].demangled_name(), None);
    }
}
