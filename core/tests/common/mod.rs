//! Shared test helpers.
#![allow(dead_code)]

pub mod frag;
pub mod synth;
pub mod t2a;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// A fresh folder under the system temp dir, unique to the test, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("bandmate-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub fn dir(&self) -> &Path {
        &self.0
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
