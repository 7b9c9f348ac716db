//! Shared test helpers.
#![allow(dead_code)]

use std::path::PathBuf;

/// The Groove MIDI Dataset beside the checkout (`../shared/data/groove-midi-dataset`), or
/// `$BANDMATE_GMD`. Tests that need it fail (never skip) when it is missing.
pub fn gmd_root() -> PathBuf {
    let root = bandmate_core::gmd::default_root();
    assert!(
        root.join("info.csv").is_file(),
        "the Groove MIDI Dataset is not at {} (set BANDMATE_GMD)",
        root.display()
    );
    root
}

/// A fresh, empty temporary folder unique to this test.
pub fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bandmate-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
