//! `--canonicalize-nans`: float arithmetic yields the canonical NaN in
//! every scalar and SIMD lane (tests/wast/canonical-nans.wast), and only
//! with the flag: the same script must fail without it, or it would not
//! be testing anything.

use smelt_cli::wast::{Summary, WastOptions, run_file};
use smelt_compiler::{BoundsChecks, Options, WasmFeatures};

const SCRIPT: &str = include_str!("wast/canonical-nans.wast");

fn run(canonicalize_nans: bool, cpu: Option<&str>) -> (Summary, String) {
    let options = WastOptions {
        features: smelt_compiler::supported_features(),
        mode: smelt_compiler::ExecutionMode::Compiled,
        lazy: false,
        bounds_checks: BoundsChecks::Guard,
        cpu: cpu.map(String::from),
        target_features: Vec::new(),
        canonicalize_nans,
        fuel: None,
        verbose: false,
    };
    let mut out = Vec::new();
    let summary = run_file("canonical-nans.wast", SCRIPT.as_bytes(), &options, &mut out);
    (summary, String::from_utf8_lossy(&out).into_owned())
}

/// Commands in the script: two modules and the assertions.
fn commands() -> usize {
    SCRIPT
        .lines()
        .filter(|l| l.starts_with("(module") || l.starts_with("(assert_"))
        .count()
}

#[test]
fn every_arithmetic_nan_is_canonical_with_the_flag() {
    let (summary, out) = run(true, None);
    assert_eq!(summary.failed, 0, "{out}");
    assert_eq!(summary.passed, commands(), "{out}");
}

/// The vector select sequences differ with AVX (VEX encodings, `blendv`).
#[cfg(target_arch = "x86_64")]
#[test]
fn every_arithmetic_nan_is_canonical_with_avx2() {
    if !(std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma")) {
        return;
    }
    let (summary, out) = run(true, Some("x86-64-v3"));
    assert_eq!((summary.failed, summary.passed), (0, commands()), "{out}");
}

#[test]
fn without_the_flag_hardware_nans_show_through() {
    let (summary, out) = run(false, None);
    // Every NaN-producing command but the ones whose hardware NaN happens
    // to be canonical already (aarch64's default NaN is; x86's is
    // negative). Propagated payloads differ from the canonical NaN on
    // both, so at least the commands below must fail.
    for line in [
        "assert_return (invoke \"f32.add\" (f32.const nan:0x200000) (f32.const -nan:0x400001))",
        "assert_return (invoke \"f64.sqrt\" (f64.const -nan:0x8000000000001))",
        "assert_return (invoke \"f32x4.add\"",
        "assert_return (invoke \"f64x2.relaxed_min\"",
    ] {
        let number = SCRIPT
            .lines()
            .position(|l| l.contains(line))
            .expect("the command is in the script")
            + 1;
        assert!(
            out.contains(&format!("canonical-nans.wast:{number}: ")),
            "line {number} passed without --canonicalize-nans:\n{out}"
        );
    }
    // Numbers and sign-bit operations do not depend on the flag.
    assert!(summary.passed >= 8, "{out}");
}

/// The flag changes code only where floats are computed: a module without
/// float arithmetic compiles to the same bytes either way, and the default
/// stays the old code.
#[test]
fn the_flag_is_part_of_the_code_not_of_other_modules() {
    let compile = |wat: &str, canonicalize_nans: bool| {
        let wasm = wat::parse_str(wat).unwrap();
        let options = Options {
            features: WasmFeatures::WASM2,
            canonicalize_nans,
            ..Options::default()
        };
        smelt_compiler::compile(&wasm, &options).unwrap().object
    };
    let ints = r#"(module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))"#;
    assert_eq!(compile(ints, false), compile(ints, true));
    let floats = r#"(module (func (export "f") (param f32) (result f32) (f32.add (local.get 0) (f32.const 1))))"#;
    assert_ne!(compile(floats, false), compile(floats, true));
}
