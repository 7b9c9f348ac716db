//! `scripts/export-sao` the way a performer runs it (issue 21): a checkpoint, its
//! model_config.json and a T5 folder, as a Stable Audio download is, exported and played from
//! Rust. The checkpoint is the tiny model's (`--tiny-checkpoint`: its weights saved the way
//! stable-audio-tools saves them, the autoencoder weight-normed), so the export must give back
//! exactly what models/sao-tiny/reference.json recorded from stable-audio-tools itself.
//! Needs the training venv with stable-audio-tools (`scripts/setup` installs both).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use bandmate_core::t2a::{Request, TextToAudio};
use common::TempDir;
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn export(args: &[&str]) -> String {
    let out = Command::new(repo().join("scripts/export-sao"))
        .args(args)
        .output()
        .expect("scripts/export-sao runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "export-sao {args:?} failed:\n{text}");
    text
}

#[test]
fn export_a_stable_audio_checkpoint_and_play_it_from_rust() {
    let t = TempDir::new("t2a-export");
    let download = t.path("download");
    let model = t.path("my-sao");
    let log = export(&["--tiny-checkpoint", "--out", download.to_str().unwrap()]);
    assert!(log.contains("model.ckpt, model_config.json, t5/"), "{log}");
    let log = export(&[
        "--checkpoint",
        download.join("model.ckpt").to_str().unwrap(),
        "--config",
        download.join("model_config.json").to_str().unwrap(),
        "--t5",
        download.join("t5").to_str().unwrap(),
        "--out",
        model.to_str().unwrap(),
        "--int8",
    ]);
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
    let r: Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("models/sao-tiny/reference.json")).unwrap(),
    )
    .unwrap();
    let tol = r["tolerance"].as_f64().unwrap() as f32;
    for c in r["cases"].as_array().unwrap() {
        let prompt = c["prompt"].as_str().unwrap();
        let ids: Vec<i64> = c["input_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect();
        assert_eq!(
            m.tokens(prompt).unwrap().0,
            ids,
            "the T5 folder's tokenizer"
        );
        let noises: Vec<Vec<f32>> = c["noises"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| {
                n.as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_f64().unwrap() as f32)
                    .collect()
            })
            .collect();
        let req = Request {
            prompt: prompt.into(),
            seconds: c["seconds"].as_f64().unwrap(),
            steps: Some(c["steps"].as_u64().unwrap() as usize),
            cfg: Some(c["cfg"].as_f64().unwrap()),
            seed: 0,
        };
        let audio = m
            .generate_raw(
                &req,
                c["frames"].as_u64().unwrap() as usize,
                &mut |i, out| out.copy_from_slice(&noises[i]),
                &mut |_, _| true,
            )
            .unwrap();
        let want: Vec<f32> = c["audio"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap() as f32)
            .collect();
        let got = audio.channels.concat();
        assert_eq!(got.len(), want.len());
        let peak = want.iter().fold(0.0f32, |a, x| a.max(x.abs()));
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst <= tol * peak,
            "{prompt}: {worst} from stable-audio-tools' (peak {peak})"
        );
    }
    // a checkpoint that is not one: a clear error, nothing written
    std::fs::write(download.join("model.ckpt"), b"not a checkpoint").unwrap();
    let out = Command::new(repo().join("scripts/export-sao"))
        .args([
            "--checkpoint",
            download.join("model.ckpt").to_str().unwrap(),
            "--config",
            download.join("model_config.json").to_str().unwrap(),
            "--t5",
            download.join("t5").to_str().unwrap(),
            "--out",
            t.path("broken").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("export: cannot read the checkpoint"), "{err}");
    assert!(
        !t.path("broken").exists(),
        "nothing written for a broken checkpoint"
    );
}
