//! [`Build`]: compiling wasm modules in a Cargo build script and linking
//! them into the crate, in the style of the `cc` crate.
//!
//! ```no_run
//! // build.rs (with smelt-compiler as a build-dependency)
//! fn main() {
//!     smelt_compiler::Build::new().file("src/calc.wat").compile("calc");
//! }
//! ```
//!
//! ```ignore
//! // src/main.rs (with smelt-runtime as a dependency)
//! include!(concat!(env!("OUT_DIR"), "/calc.rs")); // mod calc { pub fn module() }
//!
//! let mut store = smelt_runtime::Store::new();
//! let instance = smelt_runtime::Linker::new().instantiate(&mut store, &calc::module())?;
//! let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
//! ```
//!
//! `compile("calc")` compiles each file to an object, archives them into
//! `$OUT_DIR/libcalc.a`, tells Cargo to link it (`cargo:rustc-link-lib`),
//! and writes `$OUT_DIR/calc.rs`: one Rust module per wasm module, whose
//! `module()` returns the [`smelt_runtime::Module`] read in place from the
//! descriptor linked into the program (nothing is parsed or loaded at run
//! time, as in a `smelt build` executable).
//!
//! [`smelt_runtime::Module`]: https://docs.rs/smelt-runtime

// The example is a whole build.rs, so its `fn main` is the point.
#![allow(clippy::needless_doctest_main)]

use crate::{BoundsChecks, OptLevel, Options, names};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Compiles wasm modules for a crate and links them in (see the
/// [module documentation](self)).
#[derive(Clone, Debug)]
pub struct Build {
    /// Each input with the module name to give it.
    files: Vec<(PathBuf, Option<String>)>,
    options: Options,
    out_dir: Option<PathBuf>,
    cargo_metadata: bool,
}

/// Why [`Build::try_compile`] failed.
#[derive(Debug)]
pub struct BuildError(String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

fn err(msg: impl Into<String>) -> BuildError {
    BuildError(msg.into())
}

impl Default for Build {
    fn default() -> Self {
        Build::new()
    }
}

impl Build {
    /// A build with the default options (optimized, guard-page bounds
    /// checks), for the target Cargo builds for.
    pub fn new() -> Build {
        Build {
            files: Vec::new(),
            options: Options::default(),
            out_dir: None,
            cargo_metadata: true,
        }
    }

    /// Adds a `.wasm` or `.wat` file; its module name is the file name
    /// without the extension.
    pub fn file(&mut self, path: impl AsRef<Path>) -> &mut Self {
        self.files.push((path.as_ref().to_path_buf(), None));
        self
    }

    /// Adds a file with the module name `name` (used for symbols, the
    /// generated Rust module and backtraces).
    pub fn module(&mut self, path: impl AsRef<Path>, name: &str) -> &mut Self {
        self.files
            .push((path.as_ref().to_path_buf(), Some(name.to_string())));
        self
    }

    /// The optimization level (default: [`OptLevel::Speed`]).
    pub fn opt_level(&mut self, level: OptLevel) -> &mut Self {
        self.options.opt_level = level;
        self
    }

    /// How memory accesses are bounds-checked (default: guard pages).
    pub fn bounds_checks(&mut self, mode: BoundsChecks) -> &mut Self {
        self.options.bounds_checks = mode;
        self
    }

    /// Compile interruption checks in, for `Store::set_timeout`.
    pub fn interruptible(&mut self, yes: bool) -> &mut Self {
        self.options.interruptible = yes;
        self
    }

    /// Compile fuel metering in, for `Store::set_fuel`.
    pub fn fuel(&mut self, yes: bool) -> &mut Self {
        self.options.fuel = yes;
        self
    }

    /// Every compiler option at once (the module name is still set per
    /// file).
    pub fn options(&mut self, options: Options) -> &mut Self {
        self.options = options;
        self
    }

    /// Where to write the objects, the archive and the Rust file (default:
    /// `$OUT_DIR`).
    pub fn out_dir(&mut self, dir: impl AsRef<Path>) -> &mut Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Whether to print the `cargo:` lines that link the archive and rerun
    /// the build script when an input changes (default: yes).
    pub fn cargo_metadata(&mut self, yes: bool) -> &mut Self {
        self.cargo_metadata = yes;
        self
    }

    /// Compiles everything into `lib<lib_name>.a` and `<lib_name>.rs`;
    /// panics with the error (what a build script should do).
    pub fn compile(&mut self, lib_name: &str) {
        if let Err(e) = self.try_compile(lib_name) {
            panic!("smelt_compiler::Build: {e}");
        }
    }

    /// [`Build::compile`], returning the error instead of panicking.
    /// Returns the path of the generated Rust file.
    pub fn try_compile(&mut self, lib_name: &str) -> Result<PathBuf, BuildError> {
        let out_dir = match &self.out_dir {
            Some(d) => d.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or_else(|| err("OUT_DIR is not set (not in a build script?): use out_dir()"))?,
        };
        if lib_name.is_empty()
            || !lib_name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(err(format!(
                "library name `{lib_name}`: use letters, digits, `_` and `-`"
            )));
        }
        let mut options = self.options.clone();
        // Cross-compiling the crate: compile the modules for its target.
        if let (Ok(target), Ok(host)) = (std::env::var("TARGET"), std::env::var("HOST"))
            && target != host
        {
            options.target = Some(
                target
                    .parse()
                    .map_err(|e| err(format!("target {target}: {e}")))?,
            );
        }

        let obj_dir = out_dir.join(format!("smelt-{lib_name}"));
        std::fs::create_dir_all(&obj_dir)
            .map_err(|e| err(format!("{}: {e}", obj_dir.display())))?;
        let mut objects = Vec::new();
        let mut rust = format!(
            "// Generated by smelt_compiler::Build: the wasm modules of lib{lib_name}.a.\n\
             // Include it with include!(concat!(env!(\"OUT_DIR\"), \"/{lib_name}.rs\")).\n"
        );
        for (path, name) in &self.files {
            if self.cargo_metadata {
                println!("cargo:rerun-if-changed={}", path.display());
            }
            let name = match name {
                Some(n) => n.clone(),
                None => path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .filter(|s| !s.is_empty())
                    .ok_or_else(|| err(format!("{}: no file name", path.display())))?,
            };
            let wasm = wat::parse_file(path).map_err(|e| err(e.to_string()))?;
            options.module_name = name.clone();
            let artifact = crate::compile(&wasm, &options)
                .map_err(|e| err(format!("{}: {e}", path.display())))?;
            let object = obj_dir.join(format!("{}.o", names::mangle_module(&name)));
            std::fs::write(&object, &artifact.object)
                .map_err(|e| err(format!("{}: {e}", object.display())))?;
            objects.push(object);
            rust.push_str(&rust_module(&name, path, &artifact.descriptor_symbol));
        }

        let archive = out_dir.join(format!("lib{lib_name}.a"));
        let _ = std::fs::remove_file(&archive);
        let mut ar = archiver()?;
        ar.arg("crs").arg(&archive).args(&objects);
        let out = ar
            .output()
            .map_err(|e| err(format!("running the archiver {:?}: {e}", ar.get_program())))?;
        if !out.status.success() {
            return Err(err(format!(
                "{:?} failed: {}",
                ar.get_program(),
                String::from_utf8_lossy(&out.stderr).trim_end()
            )));
        }
        let rust_file = out_dir.join(format!("{lib_name}.rs"));
        std::fs::write(&rust_file, rust)
            .map_err(|e| err(format!("{}: {e}", rust_file.display())))?;
        if self.cargo_metadata {
            println!("cargo:rustc-link-search=native={}", out_dir.display());
            println!("cargo:rustc-link-lib=static={lib_name}");
        }
        Ok(rust_file)
    }
}

/// The archiver (`ar`) the `cc` crate would use for this build (`AR`,
/// `AR_<target>`, cross tools).
fn archiver() -> Result<Command, BuildError> {
    let host = crate::host_triple().to_string();
    let target = std::env::var("TARGET").unwrap_or_else(|_| host.clone());
    let host = std::env::var("HOST").unwrap_or(host);
    let mut build = cc::Build::new();
    build
        .target(&target)
        .host(&host)
        .opt_level(0)
        .cargo_metadata(false)
        .cargo_warnings(false);
    build
        .try_get_archiver()
        .map_err(|e| err(format!("no archiver found: {e}")))
}

/// A Rust identifier for a module name: its mangled form, prefixed when
/// that is not a usable identifier (a keyword, a leading digit).
fn rust_ident(name: &str) -> String {
    const KEYWORDS: &[&str] = &[
        "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
        "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
        "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub",
        "ref", "return", "self", "static", "struct", "super", "trait", "true", "try", "type",
        "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
    ];
    let ident = names::mangle_name(name);
    if ident.is_empty()
        || ident.starts_with(|c: char| c.is_ascii_digit())
        || KEYWORDS.contains(&ident.as_str())
    {
        format!("module_{ident}")
    } else {
        ident
    }
}

/// The Rust module giving access to one compiled module.
fn rust_module(name: &str, path: &Path, descriptor_symbol: &str) -> String {
    let ident = rust_ident(name);
    format!(
        r#"
/// The wasm module {name:?}, compiled from {path:?} by smelt.
#[allow(dead_code)]
pub mod {ident} {{
    unsafe extern "C" {{
        #[link_name = "{descriptor_symbol}"]
        static DESCRIPTOR: u8;
    }}

    /// The compiled module, read in place from its descriptor (once).
    ///
    /// # Panics
    ///
    /// If the smelt-runtime crate implements another runtime ABI version
    /// than the smelt-compiler that compiled the module.
    pub fn module() -> ::smelt_runtime::Module {{
        static MODULE: ::std::sync::OnceLock<::smelt_runtime::Module> =
            ::std::sync::OnceLock::new();
        MODULE
            .get_or_init(|| {{
                // SAFETY: the descriptor and its code are linked into this
                // program by the build script and live as long as it.
                unsafe {{ ::smelt_runtime::Module::from_descriptor(&raw const DESCRIPTOR) }}
                    .unwrap_or_else(|e| panic!("wasm module {{}}: {{e}}", {name:?}))
            }})
            .clone()
    }}
}}
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers() {
        assert_eq!(rust_ident("calc"), "calc");
        assert_eq!(rust_ident("my-mod"), "my0x2Dmod");
        assert_eq!(rust_ident("type"), "module_type");
        assert_eq!(rust_ident("2d"), "module_2d");
    }
}
