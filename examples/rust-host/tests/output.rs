//! The example prints what `expected-output.txt` says.

#[test]
fn prints_the_expected_output() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smelt-example-rust-host"))
        .output()
        .expect("running the example");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = include_str!("../expected-output.txt");
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
}
