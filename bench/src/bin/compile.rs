//! Compile throughput, parallel scaling, code size and instantiation time.
//!
//! `cargo run --release -p smelt-bench --bin compile [-- FILE.wasm...]`
//!
//! For each module (default: the `../shared/bench` corpus in
//! `$BENCH_CACHE/corpus/wasm`, or `/tmp/bench-cache/...`): the compile time
//! with 1 thread and with all cores (best of `RUNS`, default 5, the two
//! alternating), the throughput in MB of wasm code section per second on 1
//! thread, the speed-up (median over the `RUNS` adjacent pairs), the size
//! of the generated machine code relative to the code section, the time to
//! load the object in process (`smelt run`'s loader: parse, map, relocate)
//! and, separately, to instantiate the loaded module with WASI (medians of
//! 200).

use smelt_bench::geomean;
use smelt_compiler::{Options, compile};
use smelt_runtime::wasi::WasiCtx;
use smelt_runtime::{Linker, Module, Store};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let mut files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        files = smelt_bench::corpus().unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1);
        });
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "| module | code KiB | 1 thread s | MB/s | {cores} threads s | speed-up | .text / code | load µs | instantiate µs |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let (mut speedups, mut sizes) = (Vec::new(), Vec::new());
    let (mut total_code, mut total_one) = (0usize, Duration::ZERO);
    for file in &files {
        let wasm = match std::fs::read(file) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                std::process::exit(1);
            }
        };
        let time = |threads: Option<usize>| {
            let options = Options {
                threads,
                ..Options::default()
            };
            let start = Instant::now();
            let a = compile(&wasm, &options).unwrap_or_else(|e| {
                eprintln!("{}: {e}", file.display());
                std::process::exit(1)
            });
            (start.elapsed(), a)
        };
        // 1-thread and all-core compiles alternate, so each speed-up is the
        // ratio of two runs next to each other in time: on a noisy machine
        // the host's load drifts between runs, rarely within a pair.
        let (mut one, mut ratios, mut artifact) = (Duration::MAX, Vec::new(), None);
        let mut all = Duration::MAX;
        for _ in 0..runs {
            let (t1, a) = time(Some(1));
            let (tn, _) = time(None);
            one = one.min(t1);
            all = all.min(tn);
            ratios.push(t1.as_secs_f64() / tn.as_secs_f64());
            artifact = Some(a);
        }
        let artifact = artifact.expect("runs >= 1");
        ratios.sort_by(f64::total_cmp);
        let code = artifact.code_section_size;
        let text = text_size(&artifact.object);
        let mbps = code as f64 / 1e6 / one.as_secs_f64();
        let speedup = ratios[ratios.len() / 2];
        let size = text as f64 / code as f64;
        let micros = |d: Option<Duration>| {
            d.map_or_else(|| "-".into(), |d| format!("{:.1}", d.as_secs_f64() * 1e6))
        };
        let (load, inst) = load_and_instantiate_times(&artifact.object);
        let (load, inst) = (micros(load), micros(inst));
        println!(
            "| {} | {} | {:.3} | {mbps:.2} | {:.3} | {speedup:.2}x | {size:.2}x | {load} | {inst} |",
            file.file_stem().unwrap_or_default().to_string_lossy(),
            code / 1024,
            one.as_secs_f64(),
            all.as_secs_f64(),
        );
        speedups.push(speedup);
        sizes.push(size);
        total_code += code;
        total_one += one;
    }
    if !files.is_empty() {
        println!(
            "\n1-thread throughput over all modules: {:.2} MB/s; geomean speed-up {:.2}x; geomean .text/code {:.2}x",
            total_code as f64 / 1e6 / total_one.as_secs_f64(),
            geomean(&speedups),
            geomean(&sizes),
        );
    }
}

/// Size of the object's executable sections.
fn text_size(object: &[u8]) -> usize {
    use object::{Object, ObjectSection, SectionKind};
    let Ok(file) = object::File::parse(object) else {
        return 0;
    };
    file.sections()
        .filter(|s| s.kind() == SectionKind::Text)
        .map(|s| s.size() as usize)
        .sum()
}

/// Median times to load the object in process and to instantiate the
/// loaded module with WASI (a fresh store and context each time; `_start`
/// is not run). The instantiation time is `None` when the module imports
/// something WASI does not provide.
fn load_and_instantiate_times(object: &[u8]) -> (Option<Duration>, Option<Duration>) {
    let median = |mut times: Vec<Duration>| {
        times.sort();
        times[times.len() / 2]
    };
    let mut loads = Vec::new();
    for _ in 0..200 {
        let start = Instant::now();
        let Ok(module) = Module::from_object(object) else {
            return (None, None);
        };
        loads.push(start.elapsed());
        drop(module);
    }
    let Ok(module) = Module::from_object(object) else {
        return (None, None);
    };
    let mut instantiations = Vec::new();
    for _ in 0..200 {
        let mut store = Store::new();
        let mut linker = Linker::new();
        let Ok(ctx) = WasiCtx::builder().build() else {
            return (Some(median(loads)), None);
        };
        smelt_runtime::wasi::add_to_linker(&mut linker, &mut store, ctx);
        let start = Instant::now();
        if linker.instantiate(&mut store, &module).is_err() {
            return (Some(median(loads)), None);
        }
        instantiations.push(start.elapsed());
    }
    (Some(median(loads)), Some(median(instantiations)))
}
