//! Text to audio through the real ONNX Runtime, on the tiny random-weight model that
//! `scripts/export-sao --tiny` made (models/sao-tiny): the same graphs and signatures as Stable
//! Audio Open Small's, small enough for every test run.

mod common;

use std::path::Path;

use bandmate_core::t2a::{Request, TextToAudio};
use common::t2a::tiny;
use common::TempDir;
use serde_json::Value;

fn load(int8: bool) -> TextToAudio {
    TextToAudio::load(&tiny(), None, int8, 1)
        .unwrap_or_else(|e| panic!("loading the tiny model: {e}"))
}

fn request(prompt: &str, seconds: f64, seed: u64) -> Request {
    Request {
        prompt: prompt.into(),
        seconds,
        steps: None,
        cfg: None,
        seed,
    }
}

#[test]
fn onnx_runtime_gives_stable_audio_tools_audio_for_the_same_prompt_and_noise() {
    common::t2a::plays_the_reference(&mut load(false));
}

#[test]
fn a_prompt_becomes_a_fragment_of_the_length_asked_the_same_for_the_same_seed() {
    let mut m = load(false);
    assert_eq!(m.info().sample_rate, 44_100);
    assert!(m.info().random_weights);
    let mut steps_seen = 0;
    let a = m
        .generate(
            &request("dub chords with tape delay", 2.0, 5),
            &mut |d, of| {
                steps_seen = d;
                assert_eq!(of, 8, "the model's default steps");
                true
            },
        )
        .unwrap();
    assert_eq!(steps_seen, 8);
    assert_eq!(a.channels.len(), 2);
    assert_eq!(a.frames(), 88_200);
    let peak = a
        .channels
        .iter()
        .flatten()
        .fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(peak > 0.05 && peak <= 1.0, "peak {peak}");
    let b = m
        .generate(
            &request("dub chords with tape delay", 2.0, 5),
            &mut |_, _| true,
        )
        .unwrap();
    assert_eq!(a, b, "same prompt, same seed: the same fragment");
    let c = m
        .generate(
            &request("dub chords with tape delay", 2.0, 6),
            &mut |_, _| true,
        )
        .unwrap();
    assert_ne!(a, c, "another seed, another take");
    let d = m
        .generate(&request("soft piano chords", 2.0, 5), &mut |_, _| true)
        .unwrap();
    assert_ne!(a, d, "another prompt, another fragment");
    // the INT8 transformer plays close to the float one
    let mut q = load(true);
    assert!(q.info().int8);
    let e = q
        .generate(
            &request("dub chords with tape delay", 2.0, 5),
            &mut |_, _| true,
        )
        .unwrap();
    assert_eq!(e.frames(), a.frames());
    let num: f32 = a
        .channels
        .iter()
        .flatten()
        .zip(e.channels.iter().flatten())
        .map(|(x, y)| (x - y).powi(2))
        .sum();
    let den: f32 = a.channels.iter().flatten().map(|x| x * x).sum();
    assert!(
        (num / den).sqrt() < 0.5,
        "INT8 relative RMS difference {}",
        (num / den).sqrt()
    );
}

#[test]
fn cancel_stops_within_a_step_and_the_model_goes_on() {
    let mut m = load(false);
    let mut seen = 0;
    let e = m
        .generate(&request("techno kick", 1.0, 1), &mut |d, _| {
            seen = d;
            d < 2
        })
        .unwrap_err();
    assert_eq!(seen, 2, "no step after the one that said stop");
    assert!(
        e.to_string().contains("cancelled after 2 of 8 steps"),
        "{e}"
    );
    assert!(m
        .generate(&request("techno kick", 1.0, 1), &mut |_, _| true)
        .is_ok());
}

#[test]
fn bad_requests_are_refused_with_the_reason() {
    let mut m = load(false);
    let mut go = |_: usize, _: usize| true;
    let cases: Vec<(Request, &str)> = vec![
        (request("", 2.0, 1), "the prompt is empty"),
        (request("   ", 2.0, 1), "the prompt is empty"),
        (
            request(
                "a very long prompt about warm arpeggios on house beats with drums and vinyl crackle",
                2.0,
                1,
            ),
            "this model reads at most 32",
        ),
        (request("techno", 0.1, 1), "0.1 seconds: this model makes 0.5 to 11.89 s"),
        (request("techno", 30.0, 1), "30 seconds"),
        (request("techno", f64::NAN, 1), "NaN seconds"),
        (
            Request {
                steps: Some(0),
                ..request("techno", 2.0, 1)
            },
            "steps 0: use 1 to 100",
        ),
        (
            Request {
                cfg: Some(-1.0),
                ..request("techno", 2.0, 1)
            },
            "cfg -1: use 0 to 20",
        ),
    ];
    for (r, want) in cases {
        let e = m.generate(&r, &mut go).unwrap_err().to_string();
        assert!(e.contains(want), "{r:?}: {e}");
    }
    // and it still plays
    assert!(m.generate(&request("techno", 1.0, 1), &mut go).is_ok());
}

#[test]
fn a_missing_or_corrupt_model_folder_is_refused_with_the_reason() {
    let t = TempDir::new("t2a-bad");
    let copy = |to: &Path| {
        std::fs::create_dir_all(to).unwrap();
        for f in std::fs::read_dir(tiny()).unwrap() {
            let f = f.unwrap();
            std::fs::copy(f.path(), to.join(f.file_name())).unwrap();
        }
    };
    let err = |d: &Path, int8: bool| match TextToAudio::load(d, None, int8, 1) {
        Ok(_) => panic!("{} loaded", d.display()),
        Err(e) => e.to_string(),
    };
    let e = err(&t.path("nothing"), false);
    assert!(e.contains("not a folder"), "{e}");
    // a groove model is not a text-to-audio one
    let groove = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove");
    let e = err(&groove, false);
    assert!(e.contains("not a text-to-audio one"), "{e}");

    let d = t.path("cut");
    copy(&d);
    let bytes = std::fs::read(d.join("dit.onnx")).unwrap();
    std::fs::write(d.join("dit.onnx"), &bytes[..bytes.len() / 2]).unwrap();
    let e = err(&d, false);
    assert!(
        e.contains("dit.onnx") && e.contains("not a loadable ONNX graph"),
        "{e}"
    );

    let d = t.path("notok");
    copy(&d);
    std::fs::remove_file(d.join("tokenizer.json")).unwrap();
    let e = err(&d, false);
    assert!(e.contains("tokenizer.json") && e.contains("missing"), "{e}");
    std::fs::write(d.join("tokenizer.json"), "{\"not\": 1}").unwrap();
    let e = err(&d, false);
    assert!(e.contains("not a tokenizer"), "{e}");

    let d = t.path("swapped");
    copy(&d);
    std::fs::copy(d.join("decoder.onnx"), d.join("dit.onnx")).unwrap();
    let e = err(&d, false);
    assert!(
        e.contains("dit.onnx") && e.contains("has no input 'x'"),
        "{e}"
    );

    let d = t.path("noint8");
    copy(&d);
    let mut meta: Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("model.json")).unwrap()).unwrap();
    meta["graphs"].as_object_mut().unwrap().remove("dit_int8");
    std::fs::write(d.join("model.json"), meta.to_string()).unwrap();
    let e = err(&d, true);
    assert!(e.contains("no INT8 transformer"), "{e}");
    meta["version"] = 2.into();
    std::fs::write(d.join("model.json"), meta.to_string()).unwrap();
    let e = err(&d, false);
    assert!(e.contains("version 2"), "{e}");
}

#[test]
fn decoding_only_the_frames_a_fragment_needs_gives_the_whole_windows_audio() {
    // generate decodes the latent frames of the seconds asked and DECODE_MARGIN more, not the
    // whole window: the kept audio must be what a decode of the whole window gives.
    let mut m = load(false);
    let frames = m.window_frames();
    let mut rng = 1u64;
    let mut noise = |_: usize, out: &mut [f32]| {
        for x in out.iter_mut() {
            rng = rng
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            *x = ((rng >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 3.4;
        }
    };
    let r = Request {
        steps: Some(2),
        ..request("dub chords", 2.0, 1)
    };
    let latents = m.sample(&r, frames, &mut noise, &mut |_, _| true).unwrap();
    let whole = m.decode(&latents, frames, frames).unwrap();
    for seconds in [0.5, 2.0, 7.3] {
        let keep = (seconds * 44_100.0_f64).round() as usize;
        let first = m.decode_frames(keep, frames);
        assert!(first < frames, "fewer frames than the window");
        let part = m.decode(&latents, frames, first).unwrap();
        let peak = whole
            .channels
            .iter()
            .flatten()
            .fold(0.0f32, |a, x| a.max(x.abs()));
        let mut worst = 0.0f32;
        for (a, b) in whole.channels.iter().zip(&part.channels) {
            for (x, y) in a[..keep].iter().zip(&b[..keep]) {
                worst = worst.max((x - y).abs());
            }
        }
        assert!(
            worst <= 1e-5 * peak,
            "{seconds} s: differs by {worst} (peak {peak})"
        );
    }
}
