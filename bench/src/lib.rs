//! Helpers shared by smelt's benchmark binaries: compiling a module
//! in-process and timing repeated calls.

use smelt_compiler::{Options, compile};
use smelt_runtime::{Instance, Linker, Module, Store, Val};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Compiles `wat` with `options` and instantiates it in a new store.
pub fn instantiate(wat: &str, options: &Options) -> (Store, Instance) {
    let wasm = wat::parse_str(wat).expect("benchmark wat is valid");
    let artifact = compile(&wasm, options).expect("benchmark compiles");
    let module = Module::from_object(&artifact.object).expect("object loads");
    let mut store = Store::new();
    let instance = Linker::new()
        .instantiate(&mut store, &module)
        .expect("instantiates");
    (store, instance)
}

/// The median of `runs` timed calls of `name(args)`, after one warm-up.
pub fn time_calls(
    store: &mut Store,
    instance: &Instance,
    name: &str,
    args: &[Val],
    runs: usize,
) -> Duration {
    let f = instance.get_func(&mut *store, name).expect("export exists");
    f.call(&mut *store, args).expect("warm-up call");
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f.call(&mut *store, args).expect("benchmark call");
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// Geometric mean of ratios.
pub fn geomean(ratios: &[f64]) -> f64 {
    (ratios.iter().map(|r| r.ln()).sum::<f64>() / ratios.len() as f64).exp()
}

/// The `.wasm` files of the `../shared/bench` corpus (`$BENCH_CACHE/corpus/wasm`,
/// default `/tmp/bench-cache/corpus/wasm`), sorted by name.
pub fn corpus() -> Result<Vec<PathBuf>, String> {
    let cache = std::env::var("BENCH_CACHE").unwrap_or_else(|_| "/tmp/bench-cache".into());
    let dir = PathBuf::from(cache).join("corpus/wasm");
    let entries = std::fs::read_dir(&dir).map_err(|_| {
        format!(
            "no files given and no corpus in {} (run ../shared/bench/build-corpus.sh)",
            dir.display()
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wasm"))
        .collect();
    files.sort();
    Ok(files)
}
