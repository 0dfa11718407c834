//! wasm-smith configurations for the targets.
//!
//! [`smelt_config`] turns on every feature smelt supports (see
//! `smelt_compiler::supported_features`) and lets `arbitrary` pick the
//! sizes; [`differential_config`] keeps to what both smelt and wasmi
//! implement, with deterministic NaNs and bounded resources so both
//! engines can be compared exactly.

use arbitrary::{Result, Unstructured};
use wasm_smith::Config;

/// A generated module to run, with its compile options; the rest of the
/// input (`u`) picks the calls and their arguments.
pub struct RunCase<'a> {
    pub wasm: Vec<u8>,
    pub options: smelt_compiler::Options,
    pub u: Unstructured<'a>,
}

/// The preamble of the targets that run generated modules (`differential`,
/// `executors`): a module from [`differential_config`], then compile
/// options from [`crate::compile::options`] with interruption checks on
/// (the targets' wall-clock timeouts need them). The order in which the
/// input is consumed is fixed: saved inputs in `fuzz/regressions/` depend
/// on it. `Err` is the reason to skip the input.
pub fn run_case(data: &[u8]) -> std::result::Result<RunCase<'_>, &'static str> {
    let mut u = Unstructured::new(data);
    let config = differential_config(&mut u).map_err(|_| "input too short for a config")?;
    let module =
        wasm_smith::Module::new(config, &mut u).map_err(|_| "input too short for a module")?;
    let wasm = module.to_bytes();
    let mut options = crate::compile::options(&mut u);
    options.interruptible = true;
    Ok(RunCase { wasm, options, u })
}

/// Any module smelt must accept: sizes from the input, features fixed to
/// smelt's set (GC and the shared-everything/custom-descriptor proposals
/// are not implemented, so wasm-smith must not generate them).
pub fn smelt_config(u: &mut Unstructured<'_>) -> Result<Config> {
    let mut c: Config = u.arbitrary()?;
    c.bulk_memory_enabled = true;
    c.reference_types_enabled = true;
    c.multi_value_enabled = true;
    c.saturating_float_to_int_enabled = true;
    c.sign_extension_ops_enabled = true;
    c.tail_call_enabled = true;
    c.extended_const_enabled = true;
    c.memory64_enabled = true;
    c.custom_page_sizes_enabled = true;
    c.wide_arithmetic_enabled = true;
    c.threads_enabled = true;
    c.simd_enabled = true;
    c.relaxed_simd_enabled = true;
    c.exceptions_enabled = true;
    c.gc_enabled = false;
    c.shared_everything_threads_enabled = false;
    c.custom_descriptors_enabled = false;
    c.acquire_release_atomics_enabled = false;
    c.multibyte_array_access_enabled = false;
    c.allow_invalid_funcs = false;
    // The compact import encoding is a newer proposal smelt does not take.
    c.compact_imports_enabled = false;
    // Keep modules small enough that one iteration stays in milliseconds.
    c.max_funcs = c.max_funcs.min(50);
    c.max_instructions = c.max_instructions.min(2000);
    Ok(c)
}

/// A module both smelt and wasmi run deterministically.
///
/// - No imports (nothing to provide), everything exported (so every
///   memory, global and table can be compared after each call).
/// - NaNs canonicalized after every float operation: the spec lets an
///   engine pick any arithmetic NaN, so without this the engines may
///   legitimately store different bits.
/// - No relaxed SIMD (its results are implementation-defined), no
///   exceptions, threads or typed function references (wasmi lacks them).
/// - Every memory and table has a declared maximum: growth is bounded the
///   same way in both engines without engine-specific store limits.
pub fn differential_config(u: &mut Unstructured<'_>) -> Result<Config> {
    let mut c = Config {
        max_imports: 0,
        min_funcs: 1,
        max_funcs: u.int_in_range(1..=20)?,
        export_everything: true,
        canonicalize_nans: true,
        exceptions_enabled: false,
        gc_enabled: false,
        threads_enabled: false,
        relaxed_simd_enabled: false,
        shared_everything_threads_enabled: false,
        custom_descriptors_enabled: false,
        compact_imports_enabled: false,
        simd_enabled: u.arbitrary()?,
        memory64_enabled: u.arbitrary()?,
        custom_page_sizes_enabled: u.arbitrary()?,
        wide_arithmetic_enabled: u.arbitrary()?,
        tail_call_enabled: true,
        reference_types_enabled: true,
        bulk_memory_enabled: true,
        multi_value_enabled: true,
        extended_const_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        max_memories: u.int_in_range(0..=3)?,
        max_tables: u.int_in_range(0..=3)?,
        memory_max_size_required: true,
        max_memory32_bytes: 4 << 20,
        max_memory64_bytes: 4 << 20,
        table_max_size_required: true,
        max_table_elements: 1000,
        max_instructions: u.int_in_range(1..=1000)?,
        max_tags: 0,
        disallow_traps: u.ratio(1, 4)?,
        max_data_segments: 20,
        max_element_segments: 20,
        ..Config::default()
    };
    if u.ratio(1, 8)? {
        // Bigger functions now and then.
        c.max_instructions = 5000;
    }
    Ok(c)
}
