//! The run-time cost of bounds checks: the same memory-bound kernels as a
//! 32-bit memory with guard pages (no checks), a 32-bit memory with
//! explicit checks, and a 64-bit memory (always explicit checks).
//!
//! `cargo run --release -p smelt-bench --bin bounds_checks`

use smelt_bench::{geomean, instantiate, time_calls};
use smelt_compiler::{BoundsChecks, Options};
use smelt_runtime::Val;

/// Kernels written once, instantiated for an index type `IT` (i32/i64).
const KERNELS: &str = r#"(module
  (memory (export "mem") IT 320)
  ;; Sieve of Eratosthenes over n bytes; returns the number of primes.
  (func (export "sieve") (param $n IT) (result i32)
    (local $i IT) (local $j IT) (local $count i32)
    (memory.fill (IT.const 0) (i32.const 1) (local.get $n))
    (local.set $i (IT.const 2))
    (block $done (loop $outer
      (br_if $done (IT.ge_u (IT.mul (local.get $i) (local.get $i)) (local.get $n)))
      (if (i32.load8_u (local.get $i))
        (then
          (local.set $j (IT.mul (local.get $i) (local.get $i)))
          (block $d2 (loop $inner
            (br_if $d2 (IT.ge_u (local.get $j) (local.get $n)))
            (i32.store8 (local.get $j) (i32.const 0))
            (local.set $j (IT.add (local.get $j) (local.get $i)))
            (br $inner)))))
      (local.set $i (IT.add (local.get $i) (IT.const 1)))
      (br $outer)))
    (local.set $i (IT.const 2))
    (block $done (loop $count
      (br_if $done (IT.ge_u (local.get $i) (local.get $n)))
      (local.set $count (i32.add (local.get $count) (i32.load8_u (local.get $i))))
      (local.set $i (IT.add (local.get $i) (IT.const 1)))
      (br $count)))
    (local.get $count))
  ;; Prefix sums over n i32 words, then their checksum.
  (func (export "scan") (param $n IT) (result i32)
    (local $i IT) (local $acc i32)
    (block $done (loop $l
      (br_if $done (IT.ge_u (local.get $i) (local.get $n)))
      (local.set $acc (i32.add (local.get $acc)
        (i32.add (i32.load (IT.mul (local.get $i) (IT.const 4))) (i32.wrap_IT (local.get $i)))))
      (i32.store (IT.mul (local.get $i) (IT.const 4)) (local.get $acc))
      (local.set $i (IT.add (local.get $i) (IT.const 1)))
      (br $l)))
    (local.get $acc)))"#;

fn main() {
    let variants = [
        ("memory32, guard pages", "i32", BoundsChecks::Guard),
        ("memory32, explicit checks", "i32", BoundsChecks::Explicit),
        ("memory64 (explicit checks)", "i64", BoundsChecks::Guard),
    ];
    let kernels = [("sieve", 16_000_000i64), ("scan", 4_000_000)];
    let mut results = Vec::new();
    for (label, it, bounds) in variants {
        let wat = KERNELS
            .replace(
                "i32.wrap_IT",
                if it == "i32" {
                    "i32.add (i32.const 0)"
                } else {
                    "i32.wrap_i64"
                },
            )
            .replace(
                "(memory (export \"mem\") IT",
                &format!("(memory (export \"mem\") {it}"),
            )
            .replace("IT.", &format!("{it}."))
            .replace(" IT)", &format!(" {it})"));
        let options = Options {
            bounds_checks: bounds,
            features: smelt_compiler::supported_features(),
            ..Options::default()
        };
        let (mut store, instance) = instantiate(&wat, &options);
        let times: Vec<f64> = kernels
            .iter()
            .map(|(name, n)| {
                let arg = if it == "i32" {
                    Val::I32(*n as i32)
                } else {
                    Val::I64(*n)
                };
                time_calls(&mut store, &instance, name, &[arg], 15).as_secs_f64()
            })
            .collect();
        results.push((label, times));
    }
    let base = results[0].1.clone();
    println!(
        "{:<30} {:>12} {:>12} {:>10}",
        "variant", "sieve (ms)", "scan (ms)", "geomean"
    );
    for (label, times) in &results {
        let ratios: Vec<f64> = times.iter().zip(&base).map(|(t, b)| t / b).collect();
        println!(
            "{:<30} {:>12.2} {:>12.2} {:>9.3}x",
            label,
            times[0] * 1e3,
            times[1] * 1e3,
            geomean(&ratios)
        );
    }
}
