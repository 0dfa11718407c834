//! The same module and options give byte-identical objects whatever the
//! number of compiler threads: workers take items largest first and in
//! whatever order they finish, but each result has a fixed slot, so build
//! caches and reproducible builds see one output.

use smelt_compiler::{OptLevel, Options, compile};

/// A module whose functions differ widely in size, so a schedule by size
/// differs from item order, with calls between them (inlining) and a
/// table (indirect calls, trampolines).
fn generated_module() -> Vec<u8> {
    let mut wat = String::from("(module\n  (memory 1)\n  (table 64 funcref)\n");
    for i in 0..64u32 {
        wat.push_str(&format!(
            "  (func $f{i} (export \"f{i}\") (param i32) (result i32)\n"
        ));
        wat.push_str("    (local.get 0)\n");
        // Sizes from 1 to ~1000 operators, not monotonic in the index.
        for k in 0..(i * 37 % 64) * (i % 5 + 1) * 3 {
            wat.push_str(&format!(
                "    (i32.add (i32.load offset={} (i32.const 0)))\n    (i32.mul (i32.const {}))\n",
                (k % 16) * 4,
                k | 1
            ));
        }
        if i > 0 {
            wat.push_str(&format!("    (call $f{})\n", i / 2));
        }
        wat.push_str("  )\n");
    }
    wat.push_str("  (elem (i32.const 0)");
    for i in 0..64 {
        wat.push_str(&format!(" $f{i}"));
    }
    wat.push_str("))\n");
    wat::parse_str(&wat).expect("valid wat")
}

fn assert_same_for_all_thread_counts(name: &str, wasm: &[u8], options: &Options) {
    let object = |threads| {
        let options = Options {
            threads,
            module_name: "det".into(),
            ..options.clone()
        };
        compile(wasm, &options)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .object
    };
    let reference = object(Some(1));
    for threads in [Some(2), Some(3), Some(8), None] {
        assert!(
            object(threads) == reference,
            "{name}: the object with {threads:?} threads differs from the 1-thread one"
        );
    }
}

#[test]
fn objects_do_not_depend_on_the_thread_count() {
    let generated = generated_module();
    let c_program = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/wasi/env.wasm"))
        .expect("tests/wasi/env.wasm");
    for (name, wasm) in [("generated", &generated), ("wasi/env.wasm", &c_program)] {
        assert_same_for_all_thread_counts(name, wasm, &Options::default());
        let o0 = Options {
            opt_level: OptLevel::None,
            ..Options::default()
        };
        assert_same_for_all_thread_counts(name, wasm, &o0);
    }
}
