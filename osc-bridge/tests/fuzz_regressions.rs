//! Inputs the fuzz target (fuzz/fuzz_targets/dispatch.rs) once broke the daemon with, run
//! again on every test run. Add a crash file found by `cargo fuzz` to tests/fuzz-regressions/.

#[test]
fn inputs_that_once_failed_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        bandmate_osc::fuzz::dispatch(&std::fs::read(&path).unwrap());
        n += 1;
    }
    assert!(n > 0, "no inputs in {}", dir.display());
}
