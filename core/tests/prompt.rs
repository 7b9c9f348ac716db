//! Fragments from words (issue 21, the built-in default): `prompt` reads a beat description,
//! `generate` has the groove model play it, the kit render it and the import chain prepare it
//! into the next slot, on the fragment bank's worker; what was understood is said back. The
//! beat is measured as a musician would: the style's drums, the drums left out absent, the
//! swing where it was asked, the tempo and length.

mod common;

use std::path::Path;
use std::time::Duration;

use bandmate_core::groove::Drummer;
use bandmate_core::model::GrooveModel;
use bandmate_core::objects::{Atom, FragObject};
use bandmate_core::prompt::{make_beat, BeatPrompt};
use bandmate_core::voice::Voice;
use common::frag::{info, outs, send};

fn model() -> GrooveModel {
    GrooveModel::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove")).unwrap()
}

#[test]
fn the_words_shape_the_beat() {
    let mut m = model();
    let p = BeatPrompt::parse("laid-back hiphop 88 bpm ride no crash swing 62 4 bars").unwrap();
    let (beat, bpm) = make_beat(&mut m, &p, 1).unwrap();
    assert_eq!(bpm, 88.0);
    assert_eq!(beat.steps(), 64, "4 bars of 16ths");
    let plays = |v: Voice| beat.hits().any(|(_, x, _)| x == v);
    assert!(!plays(Voice::Crash), "no crash");
    assert!(plays(Voice::Ride), "the ride asked for");
    assert!(
        !plays(Voice::ClosedHat),
        "the ride plays instead of the hats"
    );
    // laid-back: the same take, every hit 0.08 of a 16th later (but where it reaches the
    // half-step limit)
    let plain = BeatPrompt::parse("hiphop 88 bpm ride no crash swing 62 4 bars").unwrap();
    let (plain, _) = make_beat(&mut m, &plain, 1).unwrap();
    let moved: Vec<f32> = beat
        .hits()
        .filter_map(|(s, v, h)| plain.get(s, v).map(|q| h.offset - q.offset))
        .filter(|d| d.abs() > 1e-6)
        .collect();
    assert!(!moved.is_empty());
    let late = moved.iter().filter(|d| (*d - 0.08).abs() < 1e-4).count();
    assert!(late * 10 >= moved.len() * 8, "{moved:?}");
    // swing 62: the same take with the off-beat 16ths 0.24 of a step later (the on-beats as
    // they were), but where the half-step limit clips it
    let p = BeatPrompt::parse("busy funk swing 62").unwrap();
    let (swung, _) = make_beat(&mut m, &p, 3).unwrap();
    let p = BeatPrompt::parse("busy funk").unwrap();
    let (straight, _) = make_beat(&mut m, &p, 3).unwrap();
    let mut odd = 0;
    for (s, v, h) in swung.hits() {
        let q = straight.get(s, v).expect("the same take");
        let d = h.offset - q.offset;
        if s % 2 == 0 {
            assert!(d.abs() < 1e-6, "an on-beat 16th moved: step {s}");
        } else {
            odd += 1;
            assert!(
                (d - 0.24).abs() < 1e-4 || (h.offset - 0.5).abs() < 1e-6,
                "step {s}: moved {d}"
            );
        }
    }
    assert!(odd > 0, "a busy take plays off-beat 16ths");
    // "ride, no hats": the hats played on the ride
    let p = BeatPrompt::parse("rock ride no hats").unwrap();
    let (b, _) = make_beat(&mut m, &p, 2).unwrap();
    assert!(b.hits().any(|(_, v, _)| v == Voice::Ride));
    assert!(b.hits().all(|(_, v, _)| v != Voice::ClosedHat));

    // sparse asks for the fewest hits of the takes, busy the most: same seed, same takes
    let mut hits = |text: &str| {
        let p = BeatPrompt::parse(text).unwrap();
        make_beat(&mut m, &p, 5).unwrap().0.hits().count()
    };
    let (sparse, busy) = (hits("sparse funk"), hits("busy funk"));
    assert!(sparse < busy, "sparse {sparse}, busy {busy}");
    // every drum left out is out, whatever the take
    for seed in 0..4 {
        let p = BeatPrompt::parse("rock no kick no snare").unwrap();
        let (b, _) = make_beat(&mut m, &p, seed * 10).unwrap();
        assert!(b
            .hits()
            .all(|(_, v, _)| v != Voice::Kick && v != Voice::Snare));
    }
    // the rule-based drum machine plays words too (no model in the package)
    let mut rules = bandmate_core::baseline::RuleDrummer::new();
    let (b, _) = make_beat(&mut rules as &mut dyn Drummer, &p, 1).unwrap();
    assert!(b.hits().count() > 0);
}

#[test]
fn prompt_and_generate_put_a_prepared_beat_in_the_next_slot() {
    let (mut o, _engine) = FragObject::new(4, 48_000.0).unwrap();
    send(&mut o, "normalize -14").unwrap();
    send(&mut o, "prompt funky 96 bpm no toms with cowbell").unwrap();
    let v = outs(&mut o);
    let understood = info(&v, "understood");
    let said: Vec<String> = understood[0].iter().map(|a| a.to_string()).collect();
    assert_eq!(
        said,
        ["96", "bpm", "no", "toms"],
        "'funky' is not a style word"
    );
    let ignored: Vec<String> = info(&v, "ignored")[0]
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(ignored, ["funky", "cowbell"]);

    send(&mut o, "prompt funk 96 bpm no toms").unwrap();
    outs(&mut o);
    send(&mut o, "generate 5").unwrap();
    assert!(o.wait(Duration::from_secs(60)));
    let v = outs(&mut o);
    let gen = info(&v, "generated");
    assert_eq!(gen.len(), 1, "{v:?}");
    assert_eq!(gen[0][0], Atom::Float(1.0), "the oldest slot");
    // 5 s at 96 bpm: 2 bars (5 s), prepared as an import (loudness matched)
    let secs = match gen[0][1] {
        Atom::Float(x) => x,
        _ => panic!(),
    };
    assert!((secs - 5.0).abs() < 0.3, "{secs} s");
    assert!(!info(&v, "summary").is_empty(), "through the import chain");
    let slot = &o.control().slots()[0];
    assert_eq!(slot.fragment.as_ref().unwrap().name, "funk-beat");
    // a second generate goes into the next slot, another take
    send(&mut o, "generate").unwrap();
    assert!(o.wait(Duration::from_secs(60)));
    let v = outs(&mut o);
    assert_eq!(info(&v, "generated")[0][0], Atom::Float(2.0));
}

#[test]
fn bad_prompts_and_generates_are_errors_and_the_bank_keeps_playing() {
    let (mut o, _engine) = FragObject::new(4, 48_000.0).unwrap();
    let e = |o: &mut FragObject, t: &str| send(o, t).unwrap_err().to_string();
    assert!(e(&mut o, "generate").contains("no prompt yet"));
    assert!(e(&mut o, "prompt").contains("missing") || e(&mut o, "prompt").contains("needs"));
    assert!(e(&mut o, "prompt funk 900 bpm").contains("20 to 400"));
    assert!(e(&mut o, "generate 0.1").contains("out of range"));
    // the last good prompt stays
    send(&mut o, "prompt rock").unwrap();
    assert!(e(&mut o, "generate 2 9").contains("slot 9 does not exist"));
    assert!(e(&mut o, "prompt swing 99").contains("50 (straight)"));
    send(&mut o, "generate").unwrap();
    assert!(o.wait(Duration::from_secs(60)));
    let v = outs(&mut o);
    assert_eq!(info(&v, "generated").len(), 1, "{v:?}");
    assert_eq!(
        o.control().slots()[0].fragment.as_ref().unwrap().name,
        "rock-beat"
    );
}

/// Found by a performer's trial: a beat from words is made on the grid at a known tempo, so
/// nothing of it is trimmed or re-timed (trimming cut a 2-bar loop to 4.65 s of 4.8, and
/// 'quantize stretch' read a 100 bpm beat as 66.6 and squeezed it into one bar); with quantize
/// on it plays at the bank's tempo; neighbouring seeds give different takes; a refused prompt
/// says the old one stays.
#[test]
fn a_beat_from_words_keeps_its_length_and_tempo() {
    let (mut o, _engine) = FragObject::new(4, 48_000.0).unwrap();
    send(&mut o, "tempo 100").unwrap();
    send(&mut o, "quantize stretch").unwrap();
    send(&mut o, "prompt funk 120 bpm").unwrap();
    let mut lens = Vec::new();
    for seed in [12, 13, 14] {
        send(&mut o, &format!("seed {seed}")).unwrap();
        send(&mut o, "generate 4").unwrap();
        assert!(o.wait(Duration::from_secs(60)));
        let v = outs(&mut o);
        let g = info(&v, "generated");
        assert_eq!(g.len(), 1, "{v:?}");
        lens.push(match g[0][1] {
            Atom::Float(x) => x,
            _ => panic!(),
        });
    }
    // quantize on: at the bank's 100 bpm (not the prompt's 120), 4 s -> 2 bars of 2.4 s
    for l in &lens {
        assert!((l - 4.8).abs() < 1e-3, "{lens:?}");
    }
    // neighbouring seeds, different takes (each seed its own eight takes: they overlapped)
    let mut m = model();
    let p = BeatPrompt::parse("funk 100 bpm").unwrap();
    let beats: Vec<_> = (3..11)
        .map(|seed| make_beat(&mut m, &p, seed).unwrap().0)
        .collect();
    for i in 0..beats.len() {
        for j in i + 1..beats.len() {
            assert_ne!(beats[i], beats[j], "seeds {} and {}", i + 3, j + 3);
        }
    }
    // a refused prompt: the error says which prompt stays
    let e = send(&mut o, "prompt hiphop 12 bars")
        .unwrap_err()
        .to_string();
    assert!(e.contains("'funk 120 bpm' stays"), "{e}");
}
