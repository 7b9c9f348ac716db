//! Text to audio: the tiny model and the check against stable-audio-tools' recorded audio.

use std::path::{Path, PathBuf};

use bandmate_core::t2a::{Request, TextToAudio};
use serde_json::Value;

/// The tiny random-weight model `scripts/export-sao --tiny` made.
pub fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/sao-tiny")
}

fn floats(v: &Value) -> Vec<f32> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect()
}

fn ints(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_i64().unwrap())
        .collect()
}

/// `m` (the tiny model's weights, however exported) fed the noises of
/// models/sao-tiny/reference.json (stable-audio-tools' own generate_diffusion_cond: pingpong,
/// float32, CPU, on fixed prompts and seeds, with the noises its seeded torch.randn drew) gives
/// the same token ids and the same audio, within the file's tolerance of each case's peak.
pub fn plays_the_reference(m: &mut TextToAudio) {
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(tiny().join("reference.json")).unwrap())
            .unwrap();
    let tol = r["tolerance"].as_f64().unwrap() as f32;
    let cases = r["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    let mut guided = false;
    for c in cases {
        let prompt = c["prompt"].as_str().unwrap();
        // the Rust tokenizer reads the prompt as transformers' did
        let (ids, mask) = m.tokens(prompt).unwrap();
        assert_eq!(ids, ints(&c["input_ids"]), "{prompt}");
        assert_eq!(mask, ints(&c["attention_mask"]), "{prompt}");
        let noises: Vec<Vec<f32>> = c["noises"].as_array().unwrap().iter().map(floats).collect();
        let steps = c["steps"].as_u64().unwrap() as usize;
        let cfg = c["cfg"].as_f64().unwrap();
        guided |= cfg != 1.0;
        let req = Request {
            prompt: prompt.into(),
            seconds: c["seconds"].as_f64().unwrap(),
            steps: Some(steps),
            cfg: Some(cfg),
            seed: 0,
        };
        let mut calls = 0;
        let audio = m
            .generate_raw(
                &req,
                c["frames"].as_u64().unwrap() as usize,
                &mut |i, out| out.copy_from_slice(&noises[i]),
                &mut |done, of| {
                    calls += 1;
                    assert_eq!((done, of), (calls, steps));
                    true
                },
            )
            .unwrap();
        assert_eq!(calls, steps);
        let want = floats(&c["audio"]);
        let shape: Vec<usize> = c["audio_shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(audio.channels.len(), shape[1]);
        assert_eq!(audio.frames(), shape[2]);
        let got: Vec<f32> = audio.channels.concat();
        let peak = want.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(peak > 0.1, "the reference is not silent ({peak})");
        let worst = got
            .iter()
            .zip(&want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst <= tol * peak,
            "{prompt}: differs from stable-audio-tools by {worst} (peak {peak}, tolerance {tol} of it)"
        );
    }
    assert!(guided, "one case uses classifier-free guidance");
}
