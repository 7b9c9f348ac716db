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
use bandmate_core::objects::{atoms, Atom, FragObject, Output};
use bandmate_core::prompt::{make_beat, BeatPrompt};
use bandmate_core::voice::Voice;

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
    // swing 62: the off-beat 16ths late against the on-beats by about 0.24 of a step
    let mean = |odd: bool| {
        let o: Vec<f32> = beat
            .hits()
            .filter(|(s, _, _)| (s % 2 == 1) == odd)
            .map(|(_, _, h)| h.offset)
            .collect();
        o.iter().sum::<f32>() / o.len().max(1) as f32
    };
    // laid-back: on the beat, the hits are late on average
    assert!(mean(false) > 0.0, "{}", mean(false));
    // swing 62: the off-beat 16ths late against the on-beats by about 0.24 of a step (a busy
    // take, which plays off-beat 16ths)
    let p = BeatPrompt::parse("busy funk swing 62").unwrap();
    let (beat, _) = make_beat(&mut m, &p, 3).unwrap();
    let mean = |odd: bool| {
        let o: Vec<f32> = beat
            .hits()
            .filter(|(s, _, _)| (s % 2 == 1) == odd)
            .map(|(_, _, h)| h.offset)
            .collect();
        assert!(
            !o.is_empty(),
            "hits on {} 16ths",
            if odd { "odd" } else { "even" }
        );
        o.iter().sum::<f32>() / o.len() as f32
    };
    let swing = mean(true) - mean(false);
    assert!((swing - 0.24).abs() < 0.12, "swing {swing}");
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

fn send(o: &mut FragObject, text: &str) -> bandmate_core::Result<()> {
    let a = atoms(text);
    let Some((Atom::Symbol(sel), args)) = a.split_first() else {
        panic!("{text}")
    };
    o.message(sel, args)
}

fn outs(o: &mut FragObject) -> Vec<Output> {
    let mut v = Vec::new();
    o.drain(|x| v.push(x));
    v
}

fn info(v: &[Output], sel: &str) -> Vec<Vec<Atom>> {
    v.iter()
        .filter_map(|x| match x {
            Output::Info(s, a) if s == sel => Some(a.clone()),
            _ => None,
        })
        .collect()
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
