//! Helpers shared by smelt's integration tests.

use std::path::PathBuf;

/// A fresh scratch directory `name` under `base` (pass
/// `env!("CARGO_TARGET_TMPDIR")` from the test).
pub fn scratch_dir(base: &str, name: &str) -> PathBuf {
    let dir = PathBuf::from(base).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    dir
}
