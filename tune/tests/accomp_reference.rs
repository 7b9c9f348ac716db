//! The accompanist's Rust trainer against the references: its forward pass against ONNX
//! Runtime's (to 1e-4), its loss and gradients against PyTorch's on fixed tokens
//! (models/train/accomp_grad_reference.py; to 1e-3 of the largest), and the graph it writes
//! back, which ONNX Runtime must run to the same logits as the Rust network that wrote it.

use bandmate_core::accomp::model::AccompModel;
use bandmate_tune::accomp::{self, AccompNet, AccompOptions};
use candle_core::{Device, Tensor};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shipped() -> PathBuf {
    root().join("models/accomp")
}

fn reference() -> Value {
    let p = root().join("tune/tests/data/accomp_gradients.json");
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

fn ints(v: &Value) -> Vec<u32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as u32)
        .collect()
}

/// The largest difference between the Rust network's logits at every position of `tokens` and
/// ONNX Runtime's, fed one token at a time through its cache from the folder `dir`.
fn worst_against_onnx_runtime(net: &AccompNet, dir: &Path, tokens: &[u32]) -> f32 {
    let ids = Tensor::from_vec(tokens.to_vec(), (1, tokens.len()), &Device::Cpu).unwrap();
    let logits: Vec<Vec<f32>> = net
        .forward(&ids)
        .unwrap()
        .squeeze(0)
        .unwrap()
        .to_vec2()
        .unwrap();
    let mut ort = AccompModel::load(dir).unwrap();
    let mut worst = 0.0f32;
    for (i, &t) in tokens.iter().enumerate() {
        let theirs = ort.feed(&[t as u16]).unwrap();
        for (a, b) in logits[i].iter().zip(&theirs) {
            worst = worst.max((a - b).abs());
        }
    }
    worst
}

#[test]
fn forward_pass_equals_onnx_runtime() {
    let net = AccompNet::load(&shipped()).unwrap();
    let r = reference();
    let worst = worst_against_onnx_runtime(&net, &shipped(), &ints(&r["tokens"])[..40]);
    assert!(worst <= 1e-4, "logits differ by {worst}");
    // and a real sequence: a song's tokens as training sees them
    let (seqs, bad) = accomp::held_out_sequences(&[song(0)]);
    assert!(bad.is_empty(), "{bad:?}");
    let toks: Vec<u32> = seqs[0]
        .tokens
        .iter()
        .take(120)
        .map(|&t| u32::from(t))
        .collect();
    let worst = worst_against_onnx_runtime(&net, &shipped(), &toks);
    assert!(worst <= 1e-4, "logits differ by {worst} on a song");
}

#[test]
fn loss_and_gradients_equal_pytorchs() {
    let net = AccompNet::load(&shipped()).unwrap();
    let r = reference();
    let shape: Vec<usize> = r["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let ids = Tensor::from_vec(ints(&r["tokens"]), (shape[0], shape[1]), &Device::Cpu).unwrap();
    let mask: Vec<u8> = ints(&r["mask"]).into_iter().map(|m| m as u8).collect();
    let mask = Tensor::from_vec(mask, (shape[0], shape[1]), &Device::Cpu).unwrap();
    let (loss, n) = net.loss(&ids, &mask).unwrap();
    assert!(n > 20, "{n} tokens counted");
    let got = loss.to_scalar::<f32>().unwrap();
    let want = r["loss"].as_f64().unwrap() as f32;
    assert!(
        (got - want).abs() <= 1e-3 * want.abs(),
        "loss {got} against PyTorch's {want}"
    );
    let grads = loss.backward().unwrap();
    let refs = r["gradients"].as_object().unwrap();
    let mut want_names: Vec<&String> = refs.keys().collect();
    want_names.sort();
    let names = net.names();
    assert_eq!(names.iter().collect::<Vec<_>>(), want_names);
    for name in &names {
        let g = &refs[name.as_str()];
        let var = net.variable(name).unwrap();
        let mine: Vec<f32> = grads
            .get(&var)
            .unwrap_or_else(|| panic!("no gradient for {name}"))
            .flatten_all()
            .unwrap()
            .to_vec1()
            .unwrap();
        let scale = g["max_abs"].as_f64().unwrap() as f32;
        for (k, at) in g["at"].as_array().unwrap().iter().enumerate() {
            let w = g["values"][k].as_f64().unwrap() as f32;
            let m = mine[at.as_u64().unwrap() as usize];
            assert!(
                (m - w).abs() <= 1e-3 * scale.max(1e-3),
                "{name}[{at}]: {m} against PyTorch's {w} (largest {scale})"
            );
        }
        let sum: f32 = mine.iter().map(|x| x.abs()).sum();
        let want = g["sum_abs"].as_f64().unwrap() as f32;
        assert!(
            (sum - want).abs() <= 1e-3 * want.max(1e-3),
            "{name}: sum |g| {sum} against {want}"
        );
    }
}

#[test]
fn unchanged_weights_write_the_same_bytes() {
    let net = AccompNet::load(&shipped()).unwrap();
    assert!(net.graph().unwrap() == std::fs::read(shipped().join("accomp.onnx")).unwrap());
}

/// A small song in one performer's manner (bass on the beat, inner voices holding the chord,
/// a melody on chord tones), written as a MIDI file: parts on channels 1-3.
fn song(k: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("bandmate-accomp-ref-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("song{k}.mid"));
    let progression = [[0, 4, 7], [9, 12, 16], [5, 9, 12], [7, 11, 14]];
    let root = 48 + (k % 5) as u8;
    let mut notes = Vec::new();
    for bar in 0..8usize {
        let chord = progression[(bar + k) % 4];
        for beat in 0..4 {
            let at = (bar * 4 + beat) as f64;
            notes.push(note(at, 1.0, 0, root - 12 + chord[0]));
            notes.push(note(at, 0.5, 2, root + 12 + chord[(beat + bar) % 3]));
            notes.push(note(at + 0.5, 0.5, 2, root + 12 + chord[(beat + 1) % 3]));
        }
        for &p in &chord[1..] {
            notes.push(note((bar * 4) as f64, 4.0, 1, root + p));
        }
    }
    let bytes = bandmate_core::midi::notes_to_smf(&notes, 100.0, 32.0, "song").unwrap();
    std::fs::write(&path, bytes).unwrap();
    path
}

fn note(beat: f64, beats: f64, channel: u8, key: u8) -> bandmate_core::midi::Note {
    bandmate_core::midi::Note {
        beat,
        beats,
        channel,
        key,
        velocity: 80,
    }
}

#[test]
fn trained_weights_written_back_run_in_onnx_runtime_as_in_rust() {
    let files: Vec<PathBuf> = (0..3).map(song).collect();
    let (train, bad) = accomp::training_sequences(&files[..2], 1);
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(
        train.len(),
        2 * 12 * 2,
        "12 transpositions, 2 setups, 2 songs"
    );
    let (held, _) = accomp::held_out_sequences(&files[2..]);
    let opts = AccompOptions {
        epochs: 2,
        batch: 8,
        learning_rate: 1e-3,
        ..AccompOptions::default()
    };
    let mut seen = Vec::new();
    let tuned = accomp::fine_tune(
        &shipped(),
        &train,
        &held,
        &opts,
        &mut |p| seen.push(p.clone()),
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(tuned.steps, 2 * 48usize.div_ceil(8));
    let (before, after) = (tuned.nll_before.unwrap(), tuned.nll_after.unwrap());
    assert!(after < before, "held-out {before} -> {after}");
    let dir = std::env::temp_dir().join(format!("bandmate-accomp-tuned-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(shipped().join("model.json"), dir.join("model.json")).unwrap();
    let bytes = tuned.net.graph().unwrap();
    assert!(bytes != std::fs::read(shipped().join("accomp.onnx")).unwrap());
    std::fs::write(dir.join("accomp.onnx"), bytes).unwrap();
    let toks: Vec<u32> = held[0]
        .tokens
        .iter()
        .take(60)
        .map(|&t| u32::from(t))
        .collect();
    let worst = worst_against_onnx_runtime(&tuned.net, &dir, &toks);
    assert!(
        worst <= 1e-4,
        "the written graph's logits differ by {worst}"
    );
    // the same network, read back from what it wrote, trains on from there
    let again = AccompNet::load(&dir).unwrap();
    assert_eq!(again.parameters(), tuned.net.parameters());
    std::fs::remove_dir_all(&dir).unwrap();
}
