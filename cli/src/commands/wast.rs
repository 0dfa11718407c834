//! `smelt wast FILE...`: run spec test scripts through the same object
//! code path as `smelt compile`.

use crate::common::Mode;
use crate::wast::{WastOptions, run_file};
use anyhow::{Result, anyhow};
use smelt_compiler::{BoundsChecks, WasmFeatures};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct WastCommand {
    /// Scripts to run.
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Run with this spec version's features and semantics: 1.0, 2.0 or 3.0
    /// (default: everything smelt supports).
    #[arg(long)]
    spec: Option<String>,
    /// Add a proposal (e.g. simd, threads, memory64); repeatable.
    #[arg(long = "feature")]
    features: Vec<String>,
    /// How every module's functions run: compiled (default) or interp
    /// (the runtime's interpreter).
    #[arg(long, value_enum, default_value_t = Mode::Compiled)]
    mode: Mode,
    /// With --mode interp: translate each function to the interpreter's
    /// IR on its first call, as `smelt run` does (default: every function
    /// when its module is compiled).
    #[arg(long)]
    lazy: bool,
    /// Bounds-check mode for every module: guard (default) or explicit.
    #[arg(long = "bounds-checks", default_value = "guard")]
    bounds_checks: String,
    /// CPU model or preset for the compiled modules (e.g. x86-64-v3,
    /// native); the host must be able to run it.
    #[arg(long)]
    cpu: Option<String>,
    /// Target features to enable (+feat) or disable (-feat); repeatable.
    #[arg(long = "target-feature")]
    target_features: Vec<String>,
    /// Make every NaN that float arithmetic produces the canonical quiet
    /// NaN (scalar and SIMD), as `compile --canonicalize-nans` does.
    #[arg(long = "canonicalize-nans")]
    canonicalize_nans: bool,
    /// Compile every module with fuel metering and give every store N
    /// units of fuel (one per wasm instruction executed).
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Print every command, not just failures.
    #[arg(short, long)]
    verbose: bool,
}

/// Parses `--spec` and `--feature` into a feature set.
pub(crate) fn features(spec: Option<&str>, extra: &[String]) -> Result<WasmFeatures> {
    let mut f = match spec {
        None => smelt_compiler::supported_features(),
        Some("1.0" | "1") => WasmFeatures::WASM1,
        Some("2.0" | "2") => WasmFeatures::WASM2,
        Some("3.0" | "3") => WasmFeatures::WASM3,
        Some(other) => {
            return Err(anyhow!(
                "unknown spec version `{other}` (use 1.0, 2.0 or 3.0)"
            ));
        }
    };
    for name in extra {
        let flag = WasmFeatures::from_name(&name.replace('-', "_").to_uppercase())
            .ok_or_else(|| anyhow!("unknown feature `{name}`"))?;
        f |= flag;
    }
    Ok(f)
}

impl WastCommand {
    pub fn execute(self) -> Result<ExitCode> {
        let options = WastOptions {
            features: features(self.spec.as_deref(), &self.features)?,
            mode: self.mode.into(),
            lazy: self.lazy,
            bounds_checks: match self.bounds_checks.as_str() {
                "guard" => BoundsChecks::Guard,
                "explicit" => BoundsChecks::Explicit,
                other => return Err(anyhow!("unknown bounds-check mode `{other}`")),
            },
            cpu: self.cpu,
            target_features: self.target_features,
            canonicalize_nans: self.canonicalize_nans,
            fuel: self.fuel,
            verbose: self.verbose,
        };
        let mut total = crate::wast::Summary::default();
        for file in &self.files {
            let text = std::fs::read(file).map_err(|e| anyhow!("{}: {e}", file.display()))?;
            let summary = run_file(
                &file.display().to_string(),
                &text,
                &options,
                &mut std::io::stdout(),
            );
            total.add(&summary);
        }
        println!("{}", total.line());
        Ok(if total.failed == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        })
    }
}
