//! The interpreter translator's throughput and IR size, on one thread.
//!
//! `cargo run --release -p smelt-bench --bin interp_translate [-- FILE.wasm...]`
//!
//! For each module (default: the `../shared/bench` corpus, as for the
//! `compile` bin): the lazy front end on one thread (parse, validate
//! every body, trampolines, object: what `smelt run --mode interp` does
//! before the first call), then every defined function translated
//! through the same `LazyTranslator` that first calls use, best of `RUNS`
//! (default 3). Translation MB/s counts the function bodies' bytes; IR
//! bytes are the code words (and, separately, with the offset and handler
//! tables) over the body bytes.

use smelt_compiler::{ExecutionMode, Options, compile_lazy};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Defined functions and the total size of their bodies.
fn bodies(wasm: &[u8]) -> Result<(u32, usize), wasmparser::BinaryReaderError> {
    let (mut count, mut bytes) = (0u32, 0usize);
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload? {
            count += 1;
            let range = body.range();
            bytes += (range.end - range.start) as usize;
        }
    }
    Ok((count, bytes))
}

fn main() {
    let runs: usize = std::env::var("RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(3);
    let mut files: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    if files.is_empty() {
        files = smelt_bench::corpus().unwrap_or_else(|e| {
            eprintln!("{e}");
            std::process::exit(1);
        });
    }
    println!(
        "| module | body bytes | front end ms | front end + translate MB/s | translate ms | translate MB/s | IR code / body | with side tables |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let (mut total_bytes, mut total_time) = (0usize, Duration::ZERO);
    for file in &files {
        let fail = |e: &dyn std::fmt::Display| -> ! {
            eprintln!("{}: {e}", file.display());
            std::process::exit(1);
        };
        let wasm = std::fs::read(file).unwrap_or_else(|e| fail(&e));
        let (count, body_bytes) = bodies(&wasm).unwrap_or_else(|e| fail(&e));
        let options = Options {
            mode: ExecutionMode::Interpreted,
            threads: Some(1),
            ..Options::default()
        };
        let (mut front, mut translate) = (Duration::MAX, Duration::MAX);
        let (mut code_bytes, mut table_bytes) = (0usize, 0usize);
        for _ in 0..runs {
            let start = Instant::now();
            let lazy = compile_lazy(Box::new(wasm.clone()), &options).unwrap_or_else(|e| fail(&e));
            front = front.min(start.elapsed());
            let start = Instant::now();
            (code_bytes, table_bytes) = (0, 0);
            for i in 0..count {
                let f = lazy.translator.translate(i).unwrap_or_else(|e| fail(&e));
                code_bytes += f.code.len() * 4;
                table_bytes +=
                    std::mem::size_of_val(&f.offsets[..]) + std::mem::size_of_val(&f.handlers[..]);
            }
            translate = translate.min(start.elapsed());
        }
        let mbs = |t: Duration| body_bytes as f64 / 1e6 / t.as_secs_f64();
        let name = file.file_stem().unwrap_or_default().to_string_lossy();
        println!(
            "| {name} | {body_bytes} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2}x | {:.2}x |",
            front.as_secs_f64() * 1e3,
            body_bytes as f64 / 1e6 / (front + translate).as_secs_f64(),
            translate.as_secs_f64() * 1e3,
            mbs(translate),
            code_bytes as f64 / body_bytes as f64,
            (code_bytes + table_bytes) as f64 / body_bytes as f64,
        );
        total_bytes += body_bytes;
        total_time += translate;
    }
    println!(
        "\ntranslation over all modules, one thread: {:.1} MB/s",
        total_bytes as f64 / 1e6 / total_time.as_secs_f64()
    );
}
