//! The training smoke test: a few steps of the real training code on a small slice of the
//! real dataset export, the real ONNX export, and the result loaded and played from Rust.
//! Needs the training venv that `scripts/setup` installs (`.venv`, or `$BANDMATE_PYTHON`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use bandmate_core::groove::{Drummer, Request};
use bandmate_core::model::GrooveModel;
use common::{gmd_root, TempDir};

fn python() -> PathBuf {
    let p = std::env::var_os("BANDMATE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"));
    assert!(
        p.is_file(),
        "the training Python is not at {} (run scripts/setup, or set BANDMATE_PYTHON)",
        p.display()
    );
    p
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("start python");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed:\n{text}");
    text
}

#[test]
fn train_a_few_steps_export_and_play_from_rust() {
    let tmp = TempDir::new("training");
    let data = tmp.path("gmd");
    bandmate_core::gmd::export(&gmd_root(), &data).unwrap();
    let code = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/train");
    let train = tmp.path("train");
    let log = run(Command::new(python())
        .arg(code.join("train.py"))
        .args(["--data", data.to_str().unwrap()])
        .args(["--out", train.to_str().unwrap()])
        .args([
            "--epochs",
            "2",
            "--limit",
            "256",
            "--batch",
            "64",
            "--threads",
            "1",
        ]));
    assert!(log.contains("\"epoch\": 1"), "{log}");
    let model_dir = tmp.path("model");
    let log = run(Command::new(python())
        .arg(code.join("export.py"))
        .args([
            "--checkpoint",
            train.join("checkpoint.pt").to_str().unwrap(),
        ])
        .args(["--out", model_dir.to_str().unwrap()]));
    assert!(
        log.contains("decoder.onnx: ONNX Runtime matches PyTorch"),
        "{log}"
    );
    for f in [
        "encoder.onnx",
        "decoder.onnx",
        "model.json",
        "reference.json",
    ] {
        assert!(model_dir.join(f).is_file(), "{f} missing");
    }
    // the joint prior, fitted to this model's readings of the training windows
    let log = run(Command::new(python())
        .arg(code.join("prior.py"))
        .args(["--model", model_dir.to_str().unwrap()])
        .args(["--data", data.to_str().unwrap()])
        .args(["--components", "4"]));
    assert!(
        log.contains("wrote") && log.contains("4 components"),
        "{log}"
    );
    assert!(model_dir.join("prior.json").is_file());
    // the recipe's density focus: each component's weight where the model picks the kit
    let prior: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(model_dir.join("prior.json")).unwrap())
            .unwrap();
    assert_eq!(prior["focus_weights"].as_array().map(Vec::len), Some(4));
    assert!(prior["density_focus"].as_f64().is_some_and(|g| g > 0.0));
    let mut m = GrooveModel::load(&model_dir).unwrap();
    m.generate(&Request::new()).unwrap();
    assert_eq!(m.info().prior.as_ref().map(|p| p.components()), Some(4));
    let mut req = Request::new();
    req.set_style(Some("jazz")).unwrap();
    m.generate(&req).unwrap();
    let (funk, _) = bandmate_core::patfile::preset("funk").unwrap();
    let g = m
        .generate(&Request::humanize(&funk.score()).unwrap())
        .unwrap();
    assert_eq!(g.pattern.score(), funk.score());
    assert_eq!(g.latent.len(), m.info().z_dims);
    // the recipe's format: the performance latent, drawn at its own scale
    assert!(
        m.info().has_performance(),
        "train.py's recipe is model format 4"
    );
    // several fits in one prior: each fit's components, weighed equally
    let log = run(Command::new(python())
        .arg(code.join("prior.py"))
        .args(["--model", model_dir.to_str().unwrap()])
        .args(["--data", data.to_str().unwrap()])
        .args(["--components", "4", "--fits", "2"]));
    assert!(log.contains("2 fits of 4 components"), "{log}");
    let mut m = GrooveModel::load(&model_dir).unwrap();
    assert_eq!(m.info().prior.as_ref().map(|p| p.components()), Some(8));
    m.generate(&Request::new()).unwrap();
}
