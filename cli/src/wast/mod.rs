//! The spec test runner behind `smelt wast`.
//!
//! Every module of a script is compiled to an object with the same
//! compiler `smelt compile` uses, loaded in-process by the runtime's object
//! loader, and instantiated in one store per script (so `register` and the
//! `spectest` module link modules together as the scripts expect).
//!
//! Each directive is one command; the summary counts every command,
//! including those inside `(thread ...)` (see threads.rs for how threads
//! run and are counted). A command on the expected-failure list
//! ([`expected::EXPECTED_FAILURES`]) that fails is counted as skipped, with
//! its reason.

mod expected;
mod spectest;
mod threads;
mod values;

use smelt_compiler::{BoundsChecks, CompileError, ExecutionMode, Options, WasmFeatures};
use smelt_runtime::{
    Extern, ExternRef, Instance, InstantiationError, Linker, Memory, Module, SharedMemory, Store,
    Trap, TrapKind, Val,
};
use std::collections::HashMap;
use std::io::Write;
use std::thread::Scope;
use wast::core::WastArgCore;
use wast::lexer::Lexer;
use wast::parser::{self, Cursor, Parse, ParseBuffer, Parser, Peek};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet};

/// How to run scripts.
#[derive(Clone, Debug)]
pub struct WastOptions {
    pub features: WasmFeatures,
    /// Compiled or interpreted, for every module of the script.
    pub mode: ExecutionMode,
    /// Interpreted modules: translate each function on its first call
    /// (as `smelt run` does) instead of when the module is compiled.
    pub lazy: bool,
    pub bounds_checks: BoundsChecks,
    /// CPU preset for code generation (`None`: the target's baseline).
    /// Scripts run in-process, so it must be one the host can execute.
    pub cpu: Option<String>,
    /// Extra ISA features (`+avx2`, `-bmi1`…).
    pub target_features: Vec<String>,
    /// Compile with NaN canonicalization (`--canonicalize-nans`).
    pub canonicalize_nans: bool,
    /// Compile with fuel metering and give every store this much fuel
    /// (`--fuel N`).
    pub fuel: Option<u64>,
    pub verbose: bool,
}

/// Command counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Summary {
    pub fn add(&mut self, other: &Summary) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }

    /// `N passed, N failed` and, if any, `, N skipped`.
    pub fn line(&self) -> String {
        let mut s = format!("{} passed, {} failed", self.passed, self.failed);
        if self.skipped > 0 {
            s.push_str(&format!(", {} skipped", self.skipped));
        }
        s
    }
}

/// Stack size of the thread that runs a script: deep enough for the
/// recursion tests, bounded so `assert_exhaustion` is quick.
const SCRIPT_STACK: usize = 16 << 20;

/// Runs one script; failures are written to `out` as `FILE:LINE: reason`.
pub fn run_file(
    name: &str,
    contents: &[u8],
    options: &WastOptions,
    out: &mut dyn Write,
) -> Summary {
    let name = name.to_string();
    let contents = contents.to_vec();
    let options = options.clone();
    let result = std::thread::Builder::new()
        .name("wast".into())
        .stack_size(SCRIPT_STACK)
        .spawn(move || {
            let mut buf = Vec::new();
            let summary = run_script(&name, &contents, &options, &mut buf);
            (summary, buf)
        })
        .expect("spawning the script thread")
        .join();
    match result {
        Ok((summary, buf)) => {
            let _ = out.write_all(&buf);
            summary
        }
        Err(_) => {
            let _ = writeln!(out, "internal error: the script runner panicked");
            Summary {
                failed: 1,
                ..Summary::default()
            }
        }
    }
}

fn run_script(name: &str, contents: &[u8], options: &WastOptions, out: &mut Vec<u8>) -> Summary {
    let mut summary = Summary::default();
    let Ok(text) = std::str::from_utf8(contents) else {
        let _ = writeln!(out, "{name}: not UTF-8");
        summary.failed += 1;
        return summary;
    };
    let mut lexer = Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => {
            let _ = writeln!(out, "{name}: {e}");
            summary.failed += 1;
            return summary;
        }
    };
    let wast = match parser::parse::<Commands>(&buf) {
        Ok(Commands(w)) => w,
        Err(mut e) => {
            e.set_text(text);
            let _ = writeln!(out, "{name}: {e}");
            summary.failed += 1;
            return summary;
        }
    };
    let script = Script {
        name,
        text,
        options,
        spectest_memory: spectest::shared_memory(),
    };
    // Threads of the script (`(thread ...)`) are scoped threads: they
    // borrow the parsed commands, and none outlives the script.
    let report = std::thread::scope(|scope| {
        let mut runner = Runner::new(&script, scope, String::new());
        runner.run(wast);
        runner.into_report()
    });
    out.extend_from_slice(&report.out);
    summary.add(&report.summary);
    if options.verbose {
        let _ = writeln!(out, "{name}: {}", summary.line());
    }
    summary
}

/// A script's commands. wast 263's `Wast` parses a script whose first
/// command is `thread` or `wait` as one inline module (its test for
/// "this is a script" knows only `module`, `register`, `invoke`,
/// `assert_*`), so such a script is parsed here, command by command, with
/// the annotations `Wast` registers; any other goes to `Wast`.
struct Commands<'a>(Vec<WastDirective<'a>>);

impl<'a> Parse<'a> for Commands<'a> {
    fn parse(parser: Parser<'a>) -> parser::Result<Self> {
        if !parser.peek2::<ThreadCommand>()? {
            return Ok(Commands(parser.parse::<Wast>()?.directives));
        }
        let _annotations = [
            "custom",
            "producers",
            "name",
            "dylink.0",
            "metadata.code.branch_hint",
        ]
        .map(|a| parser.register_annotation(a));
        let mut directives = Vec::new();
        while !parser.is_empty() {
            directives.push(parser.parens(|p| p.parse())?);
        }
        Ok(Commands(directives))
    }
}

/// The keyword of a `thread` or `wait` command.
struct ThreadCommand;

impl Peek for ThreadCommand {
    fn peek(cursor: Cursor<'_>) -> parser::Result<bool> {
        Ok(matches!(cursor.keyword()?, Some(("thread" | "wait", _))))
    }

    fn display() -> &'static str {
        "`thread` or `wait`"
    }
}

/// What every thread of one script shares: its name and text (for
/// `FILE:LINE`), the options, and `spectest.shared_memory`.
struct Script<'a> {
    name: &'a str,
    text: &'a str,
    options: &'a WastOptions,
    spectest_memory: SharedMemory,
}

/// What running a list of commands produced: the counts and the lines
/// for the user (failures, and every command with `-v`).
struct Report {
    summary: Summary,
    out: Vec<u8>,
}

type CmdResult = Result<(), String>;

/// Runs the commands of the script, or of one of its threads: one store
/// and one linker per thread (see threads.rs).
struct Runner<'a, 's> {
    script: &'a Script<'a>,
    scope: &'s Scope<'s, 'a>,
    /// `$T` inside thread `$T`, `$T/$U` inside its thread `$U`; empty for
    /// the script itself.
    thread: String,
    store: Store,
    linker: Linker,
    instances: HashMap<String, Instance>,
    current: Option<Instance>,
    definitions: HashMap<String, Module>,
    last_definition: Option<Module>,
    externs: HashMap<u32, ExternRef>,
    /// Modules shared with this thread by `(thread $T (shared (module $M)))`:
    /// their exports, every one a shared memory.
    shared: HashMap<String, Vec<(String, SharedMemory)>>,
    /// Threads this runner started and has not waited for yet.
    threads: Vec<threads::Running<'s>>,
    report: Report,
}

/// Why a module did not compile.
enum CompileFailure {
    /// Rejected as invalid or malformed: the input's fault.
    Rejected(String),
    /// Anything else (unsupported feature, internal error).
    Other(String),
}

impl<'a, 's> Runner<'a, 's> {
    fn new(script: &'a Script<'a>, scope: &'s Scope<'s, 'a>, thread: String) -> Self {
        let mut store = Store::new();
        if let Some(fuel) = script.options.fuel {
            store.set_fuel(fuel);
        }
        let mut linker = Linker::new();
        spectest::define(&mut store, &mut linker, &script.spectest_memory);
        Runner {
            script,
            scope,
            thread,
            store,
            linker,
            instances: HashMap::new(),
            current: None,
            definitions: HashMap::new(),
            last_definition: None,
            externs: HashMap::new(),
            shared: HashMap::new(),
            threads: Vec::new(),
            report: Report {
                summary: Summary::default(),
                out: Vec::new(),
            },
        }
    }

    /// Runs `directives` in order, counting each; then joins the threads
    /// that were never waited for.
    fn run(&mut self, directives: Vec<WastDirective<'a>>) {
        for directive in directives {
            let (line, _) = directive.span().linecol_in(self.script.text);
            let line = line + 1;
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                self.directive(directive, line)
            }))
            .unwrap_or_else(|_| Err("panicked while running this command".into()));
            self.record(line, result);
        }
        self.join_forgotten_threads();
    }

    /// Counts one command and writes its line: `FILE:LINE: reason` for a
    /// failure, `FILE:LINE: thread $T: reason` inside a thread.
    fn record(&mut self, line: usize, result: CmdResult) {
        let name = self.script.name;
        let thread = if self.thread.is_empty() {
            String::new()
        } else {
            format!("thread {}: ", self.thread)
        };
        let out = &mut self.report.out;
        match result {
            Ok(()) => {
                self.report.summary.passed += 1;
                if self.script.options.verbose {
                    let _ = writeln!(out, "{name}:{line}: {thread}ok");
                }
            }
            Err(msg) => match expected::expected_failure(name, line) {
                Some(reason) => {
                    self.report.summary.skipped += 1;
                    let _ = writeln!(out, "{name}:{line}: {thread}skipped ({reason}): {msg}");
                }
                None => {
                    self.report.summary.failed += 1;
                    let _ = writeln!(out, "{name}:{line}: {thread}{msg}");
                }
            },
        }
    }

    fn into_report(self) -> Report {
        self.report
    }

    fn compile(&self, wasm: &[u8], name: Option<&str>) -> Result<Module, CompileFailure> {
        let run = self.script.options;
        let options = Options {
            features: run.features,
            mode: run.mode,
            bounds_checks: run.bounds_checks,
            cpu: run.cpu.clone(),
            target_features: run.target_features.clone(),
            canonicalize_nans: run.canonicalize_nans,
            fuel: run.fuel.is_some(),
            module_name: name.unwrap_or("module").to_string(),
            ..Options::default()
        };
        let failure = |e: CompileError| match e {
            CompileError::InvalidWasm { .. } => CompileFailure::Rejected(e.to_string()),
            other => CompileFailure::Other(other.to_string()),
        };
        let loaded = if run.lazy && run.mode == ExecutionMode::Interpreted {
            let lazy =
                smelt_compiler::compile_lazy(Box::new(wasm.to_vec()), &options).map_err(failure)?;
            Module::from_object_lazy(&lazy.artifact.object, lazy.translator)
        } else {
            let artifact = smelt_compiler::compile(wasm, &options).map_err(failure)?;
            Module::from_object(&artifact.object)
        };
        loaded.map_err(|e| CompileFailure::Other(format!("loading the object failed: {e}")))
    }

    fn compile_quote(&self, module: &mut QuoteWat<'_>) -> Result<Module, String> {
        let name = module.name().map(|id| id.name().to_string());
        let wasm = module
            .encode()
            .map_err(|e| format!("text parse error: {e}"))?;
        self.compile(&wasm, name.as_deref()).map_err(|e| match e {
            CompileFailure::Rejected(m) => format!("module rejected: {m}"),
            CompileFailure::Other(m) => m,
        })
    }

    fn instantiate(&mut self, module: &Module) -> Result<Instance, InstantiationError> {
        self.linker.instantiate(&mut self.store, module)
    }

    fn instance(&self, id: Option<wast::token::Id<'_>>) -> Result<Instance, String> {
        match id {
            Some(id) if self.shared.contains_key(id.name()) => Err(format!(
                "module ${} is shared with this thread, which can only use its memories \
                 (through `register`)",
                id.name()
            )),
            Some(id) => self
                .instances
                .get(id.name())
                .copied()
                .ok_or_else(|| format!("unknown module ${}", id.name())),
            None => self
                .current
                .ok_or_else(|| "no module instantiated yet".into()),
        }
    }

    /// Names an instance of this thread; a module shared under that name
    /// is hidden from then on.
    fn name_instance(&mut self, name: &str, instance: Instance) {
        self.shared.remove(name);
        self.instances.insert(name.to_string(), instance);
    }

    fn directive(&mut self, directive: WastDirective<'a>, line: usize) -> CmdResult {
        match directive {
            WastDirective::Module(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let m = self.compile_quote(&mut module)?;
                let instance = self.instantiate(&m).map_err(|e| e.to_string())?;
                if let Some(name) = name {
                    self.name_instance(&name, instance);
                }
                self.current = Some(instance);
                Ok(())
            }
            WastDirective::ModuleDefinition(mut module) => {
                let name = module.name().map(|id| id.name().to_string());
                let m = self.compile_quote(&mut module)?;
                if let Some(name) = name {
                    self.definitions.insert(name, m.clone());
                }
                self.last_definition = Some(m);
                Ok(())
            }
            WastDirective::ModuleInstance {
                instance, module, ..
            } => {
                let m = match module {
                    Some(id) => self
                        .definitions
                        .get(id.name())
                        .cloned()
                        .ok_or_else(|| format!("unknown module definition ${}", id.name()))?,
                    None => self
                        .last_definition
                        .clone()
                        .ok_or("no module definition yet")?,
                };
                let inst = self.instantiate(&m).map_err(|e| e.to_string())?;
                if let Some(id) = instance {
                    self.name_instance(id.name(), inst);
                }
                self.current = Some(inst);
                Ok(())
            }
            WastDirective::Register {
                name,
                module: Some(id),
                ..
            } if self.shared.contains_key(id.name()) => {
                for (export, memory) in &self.shared[id.name()] {
                    let memory = Memory::from_shared(&mut self.store, memory);
                    self.linker.define(name, export, Extern::Memory(memory));
                }
                Ok(())
            }
            WastDirective::Register { name, module, .. } => {
                let instance = self.instance(module)?;
                self.linker.define_instance(&mut self.store, name, instance);
                Ok(())
            }
            WastDirective::Invoke(invoke) => self
                .invoke(&invoke)
                .map(|_| ())
                .map_err(|t| format!("unexpected trap: {}", t.message())),
            WastDirective::AssertReturn { exec, results, .. } => {
                let actual = match exec {
                    WastExecute::Invoke(invoke) => self
                        .invoke(&invoke)
                        .map_err(|t| format!("unexpected trap: {}", t.message()))?,
                    WastExecute::Get { module, global, .. } => {
                        let instance = self.instance(module)?;
                        let g = instance
                            .get_global(&mut self.store, global)
                            .ok_or_else(|| format!("no global `{global}`"))?;
                        vec![g.get(&mut self.store)]
                    }
                    WastExecute::Wat(mut wat) => {
                        let wasm = wat.encode().map_err(|e| e.to_string())?;
                        let m = self.compile(&wasm, None).map_err(failure_text)?;
                        self.instantiate(&m).map_err(|e| e.to_string())?;
                        vec![]
                    }
                };
                self.check_results(&actual, &results)
            }
            WastDirective::AssertTrap { exec, message, .. } => {
                let trap = match exec {
                    WastExecute::Invoke(invoke) => match self.invoke(&invoke) {
                        Ok(v) => return Err(format!("expected trap `{message}`, got {v:?}")),
                        Err(t) => t,
                    },
                    WastExecute::Wat(mut wat) => {
                        let wasm = wat.encode().map_err(|e| e.to_string())?;
                        let m = self.compile(&wasm, None).map_err(failure_text)?;
                        match self.instantiate(&m) {
                            Ok(_) => {
                                return Err(format!(
                                    "expected trap `{message}`, instantiation succeeded"
                                ));
                            }
                            Err(InstantiationError::Trap(t)) => t,
                            Err(e) => return Err(format!("expected trap `{message}`, got {e}")),
                        }
                    }
                    WastExecute::Get { .. } => return Err("assert_trap on a global get".into()),
                };
                check_trap(&trap, message)
            }
            WastDirective::AssertExhaustion { call, message, .. } => match self.invoke(&call) {
                Ok(v) => Err(format!("expected stack exhaustion, got {v:?}")),
                Err(t) if t.kind() == TrapKind::StackOverflow => Ok(()),
                Err(t) => Err(format!("expected `{message}`, got trap `{}`", t.message())),
            },
            WastDirective::AssertInvalid {
                mut module,
                message,
                ..
            } => {
                let wasm = module.encode().map_err(|e| {
                    format!("expected invalid module (`{message}`), text did not parse: {e}")
                })?;
                match self.compile(&wasm, None) {
                    Ok(_) => Err(format!(
                        "expected invalid module (`{message}`), it compiled"
                    )),
                    Err(CompileFailure::Rejected(_)) => Ok(()),
                    Err(CompileFailure::Other(m)) => {
                        Err(format!("expected invalid module (`{message}`), got: {m}"))
                    }
                }
            }
            WastDirective::AssertMalformed {
                mut module,
                message,
                ..
            } => {
                let Ok(wasm) = module.encode() else {
                    return Ok(());
                };
                match self.compile(&wasm, None) {
                    Ok(_) => Err(format!(
                        "expected malformed module (`{message}`), it compiled"
                    )),
                    Err(CompileFailure::Rejected(_)) => Ok(()),
                    Err(CompileFailure::Other(m)) => {
                        Err(format!("expected malformed module (`{message}`), got: {m}"))
                    }
                }
            }
            WastDirective::AssertUnlinkable {
                mut module,
                message,
                ..
            } => {
                let wasm = module.encode().map_err(|e| e.to_string())?;
                let m = self.compile(&wasm, None).map_err(failure_text)?;
                match self.instantiate(&m) {
                    Ok(_) => Err(format!(
                        "expected link failure (`{message}`), instantiation succeeded"
                    )),
                    Err(e) if e.is_link() => Ok(()),
                    // Wasm 1.0 reported segments that do not fit as link
                    // errors; since 2.0 they trap during instantiation.
                    Err(InstantiationError::Trap(t))
                        if message.ends_with("segment does not fit")
                            && matches!(
                                t.kind(),
                                TrapKind::TableOutOfBounds | TrapKind::MemoryOutOfBounds
                            ) =>
                    {
                        Ok(())
                    }
                    Err(e) => Err(format!("expected link failure (`{message}`), got {e}")),
                }
            }
            WastDirective::AssertException { exec, .. } => {
                let trap = match exec {
                    WastExecute::Invoke(invoke) => match self.invoke(&invoke) {
                        Ok(v) => return Err(format!("expected an exception, got {v:?}")),
                        Err(t) => t,
                    },
                    WastExecute::Wat(mut wat) => {
                        let wasm = wat.encode().map_err(|e| e.to_string())?;
                        let m = self.compile(&wasm, None).map_err(failure_text)?;
                        match self.instantiate(&m) {
                            Ok(_) => {
                                return Err("expected an exception, instantiation succeeded".into());
                            }
                            Err(InstantiationError::Trap(t)) => t,
                            Err(e) => return Err(format!("expected an exception, got {e}")),
                        }
                    }
                    WastExecute::Get { .. } => {
                        return Err("assert_exception on a global get".into());
                    }
                };
                if trap.kind() == TrapKind::UncaughtException {
                    Ok(())
                } else {
                    Err(format!(
                        "expected an exception, got trap `{}`",
                        trap.message()
                    ))
                }
            }
            WastDirective::AssertSuspension { .. } => {
                Err("assert_suspension: stack switching is not implemented".into())
            }
            WastDirective::Thread(thread) => self.spawn(thread, line),
            WastDirective::Wait { thread, .. } => self.wait(thread.name()),
            WastDirective::AssertInvalidCustom { .. }
            | WastDirective::AssertMalformedCustom { .. } => {
                Err("custom-section assertions are not implemented".into())
            }
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Result<Vec<Val>, Trap> {
        let instance = self.instance(invoke.module).map_err(Trap::host)?;
        let func = instance
            .get_func(&mut self.store, invoke.name)
            .ok_or_else(|| Trap::host(format!("no exported function `{}`", invoke.name)))?;
        let args = invoke
            .args
            .iter()
            .map(|a| match a {
                WastArg::Core(core) => self.arg(core),
                _ => Err(Trap::host("component values are not supported")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        func.call(&mut self.store, &args)
    }

    fn arg(&mut self, arg: &WastArgCore<'_>) -> Result<Val, Trap> {
        Ok(match arg {
            WastArgCore::I32(v) => Val::I32(*v),
            WastArgCore::I64(v) => Val::I64(*v),
            WastArgCore::F32(v) => Val::F32(v.bits),
            WastArgCore::F64(v) => Val::F64(v.bits),
            WastArgCore::V128(v) => Val::V128(u128::from_le_bytes(v.to_le_bytes())),
            WastArgCore::RefNull(ht) => values::null_of(ht),
            WastArgCore::RefExtern(n) => Val::ExternRef(Some(self.extern_ref(*n))),
            WastArgCore::RefHost(_) => return Err(Trap::host("ref.host values need GC")),
        })
    }

    fn extern_ref(&mut self, n: u32) -> ExternRef {
        if let Some(e) = self.externs.get(&n) {
            return *e;
        }
        let e = ExternRef::new(&mut self.store, u64::from(n));
        self.externs.insert(n, e);
        e
    }

    fn check_results(&mut self, actual: &[Val], expected: &[WastRet<'_>]) -> CmdResult {
        if actual.len() != expected.len() {
            return Err(format!(
                "expected {} results, got {}: {actual:?}",
                expected.len(),
                actual.len()
            ));
        }
        for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
            let WastRet::Core(e) = e else {
                return Err("component results are not supported".into());
            };
            if !values::matches(&mut self.store, a, e) {
                return Err(format!(
                    "result {i}: expected {}, got {}",
                    values::describe_ret(e),
                    values::describe(a)
                ));
            }
        }
        Ok(())
    }
}

fn failure_text(f: CompileFailure) -> String {
    match f {
        CompileFailure::Rejected(m) => format!("module rejected: {m}"),
        CompileFailure::Other(m) => m,
    }
}

/// A trap matches the expected spec message if one is a prefix of the
/// other (scripts add detail such as "uninitialized element 2").
fn check_trap(trap: &Trap, expected: &str) -> CmdResult {
    let actual = trap.message();
    if expected.starts_with(actual) || actual.starts_with(expected) {
        Ok(())
    } else {
        Err(format!("expected trap `{expected}`, got `{actual}`"))
    }
}
