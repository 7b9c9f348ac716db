//! `scripts/export-sao` the way a performer runs it (issue 21): a checkpoint, its
//! model_config.json and a T5 folder, as a Stable Audio download is, exported and played from
//! Rust. The checkpoint is the tiny model's (`--tiny-checkpoint`: its weights saved the way
//! stable-audio-tools saves them, the autoencoder weight-normed), so the export must give back
//! exactly what models/sao-tiny/reference.json recorded from stable-audio-tools itself.
//! Needs the training venv with stable-audio-tools (`scripts/setup` installs both).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use bandmate_core::t2a::TextToAudio;
use common::TempDir;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// scripts/export-sao with `args`: whether it succeeded, and what it said.
fn try_export<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> (bool, String) {
    let out = Command::new(repo().join("scripts/export-sao"))
        .args(args)
        .output()
        .expect("scripts/export-sao runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn export<S: AsRef<std::ffi::OsStr> + std::fmt::Debug>(args: &[S]) -> String {
    let (ok, text) = try_export(args);
    assert!(ok, "export-sao {args:?} failed:\n{text}");
    text
}

/// The export of a download as a performer has it (`--tiny-checkpoint` wrote it) into `out`.
fn from_download(download: &Path, out: &Path) -> Vec<String> {
    let file = |f: &str| download.join(f).display().to_string();
    vec![
        "--checkpoint".into(),
        file("model.ckpt"),
        "--config".into(),
        file("model_config.json"),
        "--t5".into(),
        file("t5"),
        "--out".into(),
        out.display().to_string(),
    ]
}

#[test]
fn export_a_stable_audio_checkpoint_and_play_it_from_rust() {
    let t = TempDir::new("t2a-export");
    let download = t.path("download");
    let model = t.path("my-sao");
    let log = export(&[
        "--tiny-checkpoint",
        "--out",
        &download.display().to_string(),
    ]);
    assert!(log.contains("model.ckpt, model_config.json, t5/"), "{log}");
    let log = export(&[from_download(&download, &model), vec!["--int8".into()]].concat());
    assert!(
        log.contains("INT8 DiT output differs from float by"),
        "{log}"
    );
    let mut m = TextToAudio::load(&model, None, false, 1).unwrap();
    assert!(
        !m.info().random_weights,
        "a checkpoint's export says nothing of random weights"
    );
    assert!(std::fs::read_to_string(model.join("README.md"))
        .unwrap()
        .contains("Exported by `scripts/export-sao` from a Stable Audio checkpoint"));
    // the same weights as models/sao-tiny: stable-audio-tools' recorded audio
    common::t2a::plays_the_reference(&mut m);
    // a checkpoint that is not one: a clear error, nothing written
    std::fs::write(download.join("model.ckpt"), b"not a checkpoint").unwrap();
    let (ok, err) = try_export(&from_download(&download, &t.path("broken")));
    assert!(!ok);
    assert!(err.contains("export: cannot read the checkpoint"), "{err}");
    assert!(
        !t.path("broken").exists(),
        "nothing written for a broken checkpoint"
    );
}
