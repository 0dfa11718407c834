//! Threads in spec scripts (threads proposal): `(thread $T (shared (module
//! $M)) commands...)` and `(wait $T)`.
//!
//! A thread runs its commands on an OS thread of its own, with its own
//! [`Store`](smelt_runtime::Store), linker and `spectest` instance, as
//! another embedder's thread would: a store is never used by two threads.
//! What crosses is what wasm lets cross: `(shared (module $M))` hands the
//! thread the shared memories that instance `$M` exports, so inside the
//! thread `register "name" $M` defines them for imports. A module with any
//! other export (a function, global, table, tag or unshared memory, all
//! owned by the parent's store) cannot be shared, and the `thread` command
//! fails saying which export stands in the way. `spectest.shared_memory`
//! is one memory for the whole script.
//!
//! The thread sees nothing else of its parent: not its registrations, not
//! its other instances, not its module definitions (the reference
//! interpreter and Wasmtime's runner behave the same).
//!
//! Counting, so that a script's summary is the same number of commands
//! however the threads interleave:
//!
//! - `(thread ...)` is one command; it passes when the thread has started.
//!   It fails, and the thread's commands do not run and are not counted,
//!   for a name already running in the same body, an unknown `$M`, or a
//!   `$M` that cannot be shared.
//! - Every command in the thread's body is one command of the script,
//!   reported as `FILE:LINE: thread $T: reason` (`$T/$U` for thread `$U`
//!   started inside `$T`), and counted when the thread is joined.
//! - `(wait $T)` is one command: it joins the thread and adds its counts
//!   and lines at that point of the output. It fails for a name with no
//!   running thread (never started here, or already waited for).
//! - A thread never waited for is joined when the body that started it
//!   ends (the script, or the enclosing thread), so no thread outlives its
//!   script; its commands are counted, plus one failure at its `thread`
//!   line, since the commands after it raced with it.
//! - Names belong to the body that starts the thread: a name can be
//!   reused once it has been waited for, and a nested thread may reuse a
//!   name of its parent's threads.
//! - A panic inside a command fails that command, as on the main thread;
//!   a panic in the runner itself fails the thread's `wait` (or its
//!   forgotten-thread failure) with the panic's message.

use super::{CmdResult, Report, Runner, SCRIPT_STACK};
use crate::common::panic_message;
use smelt_runtime::{Extern, SharedMemory};
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread::ScopedJoinHandle;
use wast::WastThread;

/// A thread started by a runner and not joined yet.
pub(super) struct Running<'s> {
    name: String,
    /// Line of its `(thread` command.
    line: usize,
    /// `Err` if the thread's runner panicked outside a command.
    handle: ScopedJoinHandle<'s, Result<Report, String>>,
}

impl<'a, 's> Runner<'a, 's> {
    /// `(thread $T (shared (module $M)) ...)`: starts the thread.
    pub(super) fn spawn(&mut self, thread: WastThread<'a>, line: usize) -> CmdResult {
        let name = thread.name.name();
        if let Some(running) = self.threads.iter().find(|r| r.name == name) {
            return Err(format!(
                "thread ${name} is already running (started at line {}); wait for it before \
                 starting another thread of that name",
                running.line
            ));
        }
        let shared = match thread.shared_module {
            Some(id) => {
                let memories = self.shareable(id.name()).map_err(|why| {
                    format!(
                        "cannot share module ${} with thread ${name}: {why}",
                        id.name()
                    )
                })?;
                Some((id.name().to_string(), memories))
            }
            None => None,
        };
        let path = if self.thread.is_empty() {
            format!("${name}")
        } else {
            format!("{}/${name}", self.thread)
        };
        let (script, scope) = (self.script, self.scope);
        let directives = thread.directives;
        // Same stack as the script's own thread: a thread's commands are
        // any commands, `assert_exhaustion` included.
        let handle = std::thread::Builder::new()
            .name(format!("wast {path}"))
            .stack_size(SCRIPT_STACK)
            .spawn_scoped(scope, move || {
                let mut runner = catch_unwind(AssertUnwindSafe(|| {
                    Runner::new(script, scope, path.clone())
                }))
                .map_err(|p| panic_message(&*p))?;
                if let Some((module, memories)) = shared {
                    runner.shared.insert(module, memories);
                }
                let ran = catch_unwind(AssertUnwindSafe(|| runner.run(directives)));
                if let Err(payload) = ran {
                    // What ran so far is counted; threads it started are
                    // still joined by the scope.
                    runner.report.summary.failed += 1;
                    let _ = writeln!(
                        runner.report.out,
                        "{}: thread {path}: internal error: the runner panicked ({}); the \
                         thread's remaining commands did not run",
                        script.name,
                        panic_message(&*payload)
                    );
                }
                Ok(runner.into_report())
            })
            .map_err(|e| format!("cannot start thread ${name}: {e}"))?;
        self.threads.push(Running {
            name: name.to_string(),
            line,
            handle,
        });
        Ok(())
    }

    /// `(wait $T)`: joins the thread and takes over its counts and lines.
    pub(super) fn wait(&mut self, name: &str) -> CmdResult {
        let Some(i) = self.threads.iter().position(|r| r.name == name) else {
            return Err(format!(
                "no running thread ${name} (never started here, or already waited for)"
            ));
        };
        let running = self.threads.remove(i);
        self.join(running)
    }

    fn join(&mut self, running: Running<'s>) -> CmdResult {
        let result = running
            .handle
            .join()
            .map_err(|p| panic_message(&*p))
            .and_then(|r| r);
        match result {
            Ok(report) => {
                self.report.out.extend_from_slice(&report.out);
                self.report.summary.add(&report.summary);
                Ok(())
            }
            Err(msg) => Err(format!("thread ${} panicked: {msg}", running.name)),
        }
    }

    /// Joins, in the order they were started, the threads nobody waited
    /// for; each is one more failure at its `thread` line.
    pub(super) fn join_forgotten_threads(&mut self) {
        let body = if self.thread.is_empty() {
            "the script"
        } else {
            "its parent thread"
        };
        for running in std::mem::take(&mut self.threads) {
            let (name, line) = (running.name.clone(), running.line);
            let mut msg = format!("thread ${name} was never waited for (joined when {body} ended)");
            if let Err(e) = self.join(running) {
                msg = format!("{msg}; {e}");
            }
            self.record(line, Err(msg));
        }
    }

    /// The shared memories of module `$module`, if each of its exports is
    /// one; otherwise why it cannot be shared.
    fn shareable(&mut self, module: &str) -> Result<Vec<(String, SharedMemory)>, String> {
        if let Some(memories) = self.shared.get(module) {
            return Ok(memories.clone());
        }
        let instance = self
            .instances
            .get(module)
            .copied()
            .ok_or_else(|| format!("unknown module ${module}"))?;
        let mut memories = Vec::new();
        for (export, item) in instance.exports(&mut self.store) {
            let what = match item {
                Extern::Memory(m) => match m.shared(&mut self.store) {
                    Some(shared) => {
                        memories.push((export, shared));
                        continue;
                    }
                    None => "a memory that is not shared",
                },
                Extern::Func(_) => "a function",
                Extern::Global(_) => "a global",
                Extern::Table(_) => "a table",
                Extern::Tag(_) => "a tag",
            };
            return Err(format!(
                "its export `{export}` is {what}, which stays in the store that instantiated \
                 it: only shared memories can be shared with a thread"
            ));
        }
        Ok(memories)
    }
}
