//! Compiles src/calc.wat into an archive linked into this crate, and
//! writes `$OUT_DIR/calc.rs` (`mod calc { pub fn module() }`).

fn main() {
    smelt_compiler::Build::new()
        .file("src/calc.wat")
        .compile("calc");
}
