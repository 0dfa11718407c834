//! A short run of every fuzz target with fixed seeds, in-process, as part
//! of `cargo test`: the targets build, the harness works, and the known
//! corpus (`fuzz/regressions/`) still passes. The real budgets are
//! `scripts/fuzz-smoke.sh` (CI) and long runs of the `smelt-fuzz` binary.

use smelt_fuzz::driver::{Budget, run_in_process};
use smelt_fuzz::{Outcome, Target};
use std::path::PathBuf;
use std::time::Duration;

fn budget(target: Target, seed: u64, iterations: u64) -> Budget {
    Budget {
        target,
        seed,
        start: 0,
        iterations: Some(iterations),
        duration: Some(Duration::from_secs(60)),
        max_len: 16 * 1024,
        artifacts: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fuzz-artifacts"),
        hang: Duration::from_secs(60),
    }
}

#[test]
fn every_target_runs_clean_on_fixed_seeds() {
    for target in Target::ALL {
        let stats = run_in_process(&budget(target, 1, 40), |_| {});
        println!("{}", stats.summary(target, 1));
        assert!(stats.clean(), "{}", stats.summary(target, 1));
        assert!(
            stats.passes > 0,
            "{target}: nothing passed: {}",
            stats.summary(target, 1)
        );
    }
}

/// Inputs that once found bugs (see the file names and commit messages):
/// `fuzz/regressions/<target>/*.bin`, and reduced modules for the
/// differential comparison in `fuzz/regressions/wasm/*.wat`.
#[test]
fn regression_inputs_pass() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("regressions");
    for target in Target::ALL {
        let Ok(entries) = std::fs::read_dir(dir.join(target.name())) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            if let Outcome::Fail(m) = target.run(&data) {
                panic!("{}: {m}", path.display());
            }
        }
    }
    for entry in std::fs::read_dir(dir.join("wasm")).unwrap() {
        let path = entry.unwrap().path();
        let wasm = wat::parse_file(&path).unwrap();
        let options = smelt_compiler::Options {
            interruptible: true,
            threads: Some(1),
            ..Default::default()
        };
        // Some oracle bugs read stale memory and show only now and then.
        for _ in 0..10 {
            let mut u = arbitrary::Unstructured::new(&[]);
            if let Outcome::Fail(m) = smelt_fuzz::differential::run_wasm(&wasm, &options, &mut u) {
                panic!("{}: {m}", path.display());
            }
        }
    }
}
