//! Live 12 MIDI Tools in the core (issue 23 item 5): the tools on note dictionaries shaped as
//! Live passes them (`live.miditool.in`: note_id, probability, velocity_deviation,
//! release_velocity, mute, velocity as a float), every field a tool does not change given
//! back as it came; bad dictionaries refused with what was wrong.

use std::path::Path;

use bandmate_core::groove::Request;
use bandmate_core::miditool::{self, LiveNote};
use bandmate_core::model::GrooveModel;
use serde_json::{json, Value};

mod live_dicts;
use live_dicts::{context, live_clip};

fn model() -> GrooveModel {
    GrooveModel::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove")).unwrap()
}

fn f(n: &LiveNote, k: &str) -> f64 {
    n[k].as_f64().unwrap()
}

/// Every field but `changed` of every note is as it came.
fn round_trips(before: &[LiveNote], after: &[LiveNote], changed: &[&str]) {
    assert_eq!(before.len(), after.len());
    for (a, b) in before.iter().zip(after) {
        for (k, v) in a {
            if !changed.contains(&k.as_str()) {
                assert_eq!(b.get(k), Some(v), "{k} of note {}", a["note_id"]);
            }
        }
        assert_eq!(a.len(), b.len(), "no field added or lost");
    }
}

#[test]
fn transformations_change_only_timing_and_loudness_and_round_trip_the_rest() {
    let notes = miditool::parse_notes(&live_clip()).unwrap();
    let sel = miditool::parse_selection(&context(0.0, 16.0)).unwrap();
    // humanize: the drums of bars 1-4 move and breathe; bars 7-8 and the bass are untouched
    let human = miditool::humanize(&mut model(), &notes, sel, 1.0, 3).unwrap();
    round_trips(&notes, &human, &["start_time", "velocity"]);
    let moved = notes
        .iter()
        .zip(&human)
        .filter(|(a, b)| a["start_time"] != b["start_time"] || a["velocity"] != b["velocity"])
        .count();
    assert!(moved >= 44, "{moved} of the 48 drum notes humanized");
    for (a, b) in notes.iter().zip(&human) {
        let inside = f(a, "start_time") < 16.0 && a["pitch"] != json!(60);
        if !inside {
            assert_eq!(a, b, "outside the selection or off the drum map");
        } else {
            assert!((f(a, "start_time") - f(b, "start_time")).abs() <= 0.125 + 1e-9);
        }
    }
    // swing 0.2 of a step: the off-beat 16ths (the hats at odd steps: none here; every other
    // hat is on an even step) and nothing else
    let sw = miditool::swing(&notes, (0.0, 32.0), 0.2);
    round_trips(&notes, &sw, &["start_time"]);
    for (a, b) in notes.iter().zip(&sw) {
        let step = (f(a, "start_time") * 4.0).round() as i64;
        let want = if step % 2 == 1 && a["pitch"] != json!(60) {
            0.05
        } else {
            0.0
        };
        assert!((f(b, "start_time") - f(a, "start_time") - want).abs() < 1e-9);
    }
    // accents on the backbeat steps (5 and 13 of the bar, 1-based)
    let mut pat = vec![false; 16];
    pat[4] = true;
    pat[12] = true;
    let acc = miditool::accent(&notes, sel, &pat, 1.2);
    round_trips(&notes, &acc, &["velocity"]);
    let louder = notes
        .iter()
        .zip(&acc)
        .filter(|(a, b)| f(b, "velocity") > f(a, "velocity"))
        .count();
    assert!(louder >= 16, "{louder}");
    let back: Value = serde_json::from_str(&miditool::notes_json(&acc)).unwrap();
    assert_eq!(back["notes"].as_array().unwrap().len(), notes.len());
}

/// The given notes starting in `a..b`, as they came.
fn given_in(notes: &[LiveNote], a: f64, b: f64) -> Vec<LiveNote> {
    notes
        .iter()
        .filter(|n| (a..b).contains(&f(n, "start_time")))
        .cloned()
        .collect()
}

#[test]
fn generators_give_back_the_selection_with_its_notes_kept_and_the_new_ones() {
    // Live replaces the selection's notes with what a Generator gives back: the given notes
    // inside it must come back exactly, every field, or they are lost.
    let notes = miditool::parse_notes(&live_clip()).unwrap();
    let mut m = model();
    // infill over bars 3-8 (beats 8..32): bars 3, 4, 7, 8 are played, 5 and 6 are empty
    let sel = miditool::parse_selection(&context(8.0, 32.0)).unwrap();
    let out = miditool::infill(&mut m, &notes, sel, 1.0, 4).unwrap();
    let kept = given_in(&notes, 8.0, 32.0);
    assert_eq!(
        &out[..kept.len()],
        &kept[..],
        "the selection's own notes, as they came"
    );
    let added = &out[kept.len()..];
    assert!(added.len() >= 16, "{} notes", added.len());
    for n in added {
        let t = f(n, "start_time");
        assert!(
            (16.0 - 0.125..24.0).contains(&t),
            "a note added at beat {t}: only the empty bars 5-6 are filled, never a played bar"
        );
        for k in ["pitch", "duration", "velocity"] {
            assert!(n.contains_key(k), "{k}");
        }
    }
    // the same with the selection on the gap only (as a producer selects it)
    let sel = miditool::parse_selection(&context(16.0, 24.0)).unwrap();
    let out = miditool::infill(&mut m, &notes, sel, 1.0, 4).unwrap();
    assert!(out.len() >= 16);
    assert!(out
        .iter()
        .all(|n| (16.0 - 0.125..24.0).contains(&f(n, "start_time"))));

    // fill: the last 2 beats of bar 4 (beats 14..16) in the feel of bars 2-3; the selection's
    // notes before it kept as they came, the ones under it replaced
    let sel = miditool::parse_selection(&context(0.0, 16.0)).unwrap();
    let out = miditool::fill(&mut m, &notes, sel, 2, 5).unwrap();
    let kept = given_in(&notes, 0.0, 14.0 - 0.0625);
    assert_eq!(&out[..kept.len()], &kept[..]);
    let fill = &out[kept.len()..];
    assert!(!fill.is_empty());
    assert!(
        fill.iter()
            .all(|n| (14.0 - 0.125..16.0).contains(&f(n, "start_time"))),
        "{fill:?}"
    );
    // a fill at the end of a selection that is only the fill's bar: the feel from before it
    let sel = miditool::parse_selection(&context(12.0, 16.0)).unwrap();
    let out = miditool::fill(&mut m, &notes, sel, 4, 5).unwrap();
    assert!(out
        .iter()
        .all(|n| (12.0 - 0.125..16.0).contains(&f(n, "start_time"))));
    assert!(!out.is_empty());

    // generate: a loop over a 3-bar selection from beat 4, cut at its end
    let sel = miditool::parse_selection(&context(4.0, 16.0)).unwrap();
    let mut r = Request::new();
    r.set_seed(2);
    let g = miditool::generate(&mut m, sel, &r).unwrap();
    assert!(g.len() > 20);
    assert!(g
        .iter()
        .all(|n| (4.0 - 0.125..16.0).contains(&f(n, "start_time"))));
}

/// A 2-bar bass riff (pitches off the drum map) on a syncopated rhythm, as Live passes it.
fn bass_riff() -> Vec<LiveNote> {
    let steps = [0, 3, 6, 8, 10, 11, 14, 16, 19, 22, 24, 26, 30];
    let notes: Vec<Value> = steps
        .iter()
        .enumerate()
        .map(|(i, &s)| {
            json!({"note_id": i + 1, "pitch": 40 + (i % 3) as u8, "start_time": s as f64 * 0.25,
                "duration": 0.2, "velocity": if s % 4 == 0 { 112.0 } else { 80.0 },
                "mute": 0, "probability": 1.0, "velocity_deviation": 0.0, "release_velocity": 64.0})
        })
        .collect();
    miditool::parse_notes(&json!({ "notes": notes }).to_string()).unwrap()
}

#[test]
fn drumify_plays_drums_to_the_rhythm_of_the_selected_notes() {
    let riff = bass_riff();
    let mut m = model();
    let mut r = Request::new();
    r.set_seed(7);
    let drums = miditool::drumify(&mut m, &riff, (0.0, 8.0), &r).unwrap();
    assert!(drums.len() >= 8, "{}", drums.len());
    let drum_keys: Vec<u8> = bandmate_core::voice::Voice::ALL
        .iter()
        .map(|v| v.gm_note())
        .collect();
    let mut on_riff = 0;
    let riff_steps: Vec<i64> = riff
        .iter()
        .map(|n| (f(n, "start_time") * 4.0).round() as i64)
        .collect();
    for n in &drums {
        let p = n["pitch"].as_u64().unwrap() as u8;
        assert!(drum_keys.contains(&p), "pitch {p} is a drum");
        let t = f(n, "start_time");
        assert!((-0.125..8.0).contains(&t));
        if riff_steps.contains(&((t * 4.0).round() as i64)) {
            on_riff += 1;
        }
    }
    // the groove leads: most drum hits fall on the riff's 16ths (13 of the 32)
    let share = on_riff as f64 / drums.len() as f64;
    assert!(
        share >= 0.6,
        "{on_riff} of {} drum notes on the riff's steps",
        drums.len()
    );
    // nothing selected: a clear error
    assert!(miditool::drumify(&mut m, &[], (0.0, 8.0), &r)
        .unwrap_err()
        .to_string()
        .contains("no notes"));
}

#[test]
fn bad_dictionaries_are_refused_with_what_was_wrong() {
    let e = |r: bandmate_core::Result<Vec<LiveNote>>| r.unwrap_err().to_string();
    assert!(e(miditool::parse_notes("{")).contains("not JSON"));
    assert!(e(miditool::parse_notes("{\"notez\": []}")).contains("\"notes\""));
    let one = |n: Value| json!({ "notes": [n] }).to_string();
    assert!(e(miditool::parse_notes(&one(
        json!({"pitch": 200, "start_time": 0, "duration": 1})
    )))
    .contains("pitch"));
    assert!(e(miditool::parse_notes(&one(
        json!({"pitch": 36, "start_time": 0, "duration": 0})
    )))
    .contains("duration"));
    assert!(e(miditool::parse_notes(&one(
        json!({"pitch": 36, "start_time": 0, "duration": 1, "velocity": 300})
    )))
    .contains("velocity"));
    let s = |a: f64, b: f64| {
        miditool::parse_selection(&context(a, b))
            .unwrap_err()
            .to_string()
    };
    assert!(s(4.0, 4.0).contains("empty"));
    assert!(s(0.0, 200.0).contains("32 bars"));
    assert!(miditool::parse_selection("{\"clip\": {}}").is_err());
    // a fill with nothing before it, an infill with nothing around it
    let notes = miditool::parse_notes(&live_clip()).unwrap();
    let mut m = model();
    assert!(miditool::fill(&mut m, &notes, (0.0, 8.0), 4, 1).is_err());
    assert!(miditool::fill(&mut m, &notes, (0.0, 16.0), 5, 1).is_err());
    let lonely =
        miditool::parse_notes(&one(json!({"pitch": 60, "start_time": 0, "duration": 1}))).unwrap();
    assert!(miditool::infill(&mut m, &lonely, (0.0, 16.0), 1.0, 1).is_err());
}

/// The object as hosts drive it: Live's context, then its notes, each answered at once with a
/// `dictionary JSON` message for live.miditool.out; bad input answered with Live's notes and
/// an error, the object's settings untouched.
#[test]
fn the_object_answers_every_notes_dictionary_at_once() {
    use bandmate_core::objects::decl::{atoms, Atom};
    use bandmate_core::objects::{MidiToolObject, Object, Options, Output};
    let options = Options {
        model: Some(Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove")),
        ..Options::default()
    };
    let mut o = MidiToolObject::new(&options).unwrap();
    let dict = |o: &mut MidiToolObject, json: &str| {
        o.message(0.0, "dictionary", &[Atom::Symbol(json.to_string())])
            .unwrap();
        let mut sent = Vec::new();
        let mut errors = Vec::new();
        o.drain_into(&mut |out| match out {
            Output::Send(sel, a) => {
                assert_eq!(sel, "dictionary");
                sent.push(serde_json::from_str::<Value>(&a[0].to_string()).unwrap());
            }
            Output::Error(e) => errors.push(e),
            _ => {}
        });
        (sent, errors)
    };
    let notes = live_clip();
    let given: Value = serde_json::from_str(&notes).unwrap();
    // no context yet: the selection is the notes' own bars
    let (sent, errors) = dict(&mut o, &notes);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0]["notes"].as_array().unwrap().len(),
        given["notes"].as_array().unwrap().len()
    );
    assert_ne!(sent[0], given, "humanized");
    // a context answers nothing; the notes after it are answered in its selection
    let (sent, _) = dict(&mut o, &context(16.0, 24.0));
    assert!(sent.is_empty());
    o.message(0.0, "tool", &atoms("infill")).unwrap();
    let (sent, errors) = dict(&mut o, &notes);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(sent[0]["notes"].as_array().unwrap().len() >= 16);
    // a context serves the one apply it came with: notes with none after it take their own
    // bars (humanize changes bar 1, outside the last context's bars 5-6)
    o.message(0.0, "tool", &atoms("humanize")).unwrap();
    let (sent, _) = dict(&mut o, &notes);
    assert_ne!(
        sent[0]["notes"][0], given["notes"][0],
        "{}",
        sent[0]["notes"][0]
    );
    o.message(0.0, "tool", &atoms("infill")).unwrap();
    // refused settings change nothing
    for bad in [
        "tool shuffle",
        "beats 0",
        "swing 90",
        "accents never",
        "style polka",
    ] {
        let (sel, args) = bad.split_once(' ').unwrap();
        assert!(o.message(0.0, sel, &atoms(args)).is_err(), "{bad}");
    }
    assert_eq!(o.settings().tool, bandmate_core::miditool::Tool::Infill);
    assert_eq!(o.settings().fill_beats, 4);
    // a dictionary that is not one, and one that is neither notes nor context
    assert!(o.message(0.0, "dictionary", &atoms("5")).is_err());
    assert!(o.message(0.0, "dictionary", &atoms("hello")).is_err());
    let (sent, errors) = dict(&mut o, "{\"nothing\": 1}");
    assert!(
        sent.is_empty() && errors[0].contains("neither"),
        "{errors:?}"
    );
    // infill where every bar is played: the selection's notes back, as they came
    let (_, _) = dict(&mut o, &context(0.0, 16.0));
    let (sent, errors) = dict(&mut o, &notes);
    assert!(errors[0].contains("nothing to fill"), "{errors:?}");
    let n = miditool::parse_notes(&notes).unwrap();
    let want: Value = serde_json::from_str(&miditool::notes_json(&miditool::selection_notes(
        &n,
        (0.0, 16.0),
    )))
    .unwrap();
    assert_eq!(sent[0], want);
}

/// Without a model, swing and accent still work; the model's tools say why they cannot and
/// give Live its notes back.
#[test]
fn without_a_model_the_tools_that_need_none_still_work() {
    use bandmate_core::objects::decl::{atoms, Atom};
    use bandmate_core::objects::{MidiToolObject, Object, Options, Output};
    let empty = std::env::temp_dir().join(format!("bandmate-no-model-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let options = Options {
        model: Some(empty.clone()),
        ..Options::default()
    };
    let mut o = MidiToolObject::new(&options).unwrap();
    let notes = live_clip();
    let given: Value = serde_json::from_str(&notes).unwrap();
    let run = |o: &mut MidiToolObject| {
        o.message(0.0, "dictionary", &[Atom::Symbol(notes.clone())])
            .unwrap();
        let (mut sent, mut errors) = (None, Vec::new());
        o.drain_into(&mut |out| match out {
            Output::Send(_, a) => sent = serde_json::from_str::<Value>(&a[0].to_string()).ok(),
            Output::Error(e) => errors.push(e),
            _ => {}
        });
        (sent.unwrap(), errors)
    };
    let (sent, errors) = run(&mut o);
    assert_eq!(sent, given);
    assert!(
        errors.iter().any(|e| e.contains("did not load")),
        "{errors:?}"
    );
    o.message(0.0, "tool", &atoms("accent")).unwrap();
    let (sent, errors) = run(&mut o);
    assert!(errors.is_empty(), "{errors:?}");
    assert_ne!(sent, given);
    std::fs::remove_dir_all(&empty).unwrap();
}

/// The bar lines are the clip's (beat 0 is bar 1), not the selection's start: a selection from
/// beat 1 or from the second 16th still swings the off-beat 16ths and accents beats 2 and 4;
/// humanize hears a kick on beat 1 as a kick on beat 1.
#[test]
fn steps_and_bars_count_from_the_clip_not_the_selection() {
    let notes = miditool::parse_notes(&live_clip()).unwrap();
    for a in [0.25, 1.0, 2.5] {
        // swing: only notes on odd 16ths of the clip move (this clip has none), whatever a is
        let sw = miditool::swing(&notes, (a, 16.0), 0.2);
        assert_eq!(sw, notes, "selection from {a}: nothing on an off-beat 16th");
        // accent on the backbeat: the snares of beats 2 and 4 (steps 4 and 12), nothing else
        let mut pat = vec![false; 16];
        pat[4] = true;
        pat[12] = true;
        let acc = miditool::accent(&notes, (a, 16.0), &pat, 1.2);
        for (x, y) in notes.iter().zip(&acc) {
            let step = (f(x, "start_time") * 4.0).round() as i64 % 16;
            let louder = f(y, "velocity") > f(x, "velocity");
            let inside = f(x, "start_time") >= a && f(x, "start_time") < 16.0;
            assert_eq!(
                louder,
                inside && (step == 4 || step == 12) && x["pitch"] != json!(60),
                "selection from {a}: {x:?}"
            );
        }
    }
    // humanize from beat 1: the model's score is the clip's bars (a kick on the bar's first
    // step stays a kick there, within half a 16th)
    let mut m = model();
    let h = miditool::humanize(&mut m, &notes, (1.0, 16.0), 0.0, 1).unwrap();
    for (x, y) in notes.iter().zip(&h) {
        assert!((f(x, "start_time") - f(y, "start_time")).abs() <= 0.125 + 1e-9);
    }
}

/// A fill ends on a bar line (what a fill leads into): a selection ending mid-bar is refused
/// with why, and the notes are not changed.
#[test]
fn a_fill_must_end_on_a_bar_line() {
    let notes = miditool::parse_notes(&live_clip()).unwrap();
    let mut m = model();
    let e = miditool::fill(&mut m, &notes, (0.0, 14.0), 2, 1)
        .unwrap_err()
        .to_string();
    assert!(e.contains("bar line"), "{e}");
}

/// What Live replaces is the notes starting in [start, end): a Generator gives back exactly
/// those of its notes (a note just before the end is kept, a note just before the start is not
/// given twice); a new note never starts before the selection.
#[test]
fn generators_give_back_exactly_the_notes_live_replaces() {
    let mut notes = miditool::parse_notes(&live_clip()).unwrap();
    let extra = |t: f64, id: u64| {
        let mut n = notes[0].clone();
        n.insert("note_id".into(), json!(id));
        n.insert("start_time".into(), json!(t));
        n
    };
    let (late, early) = (extra(23.97, 5000), extra(15.98, 5001));
    notes.push(late.clone());
    notes.push(early.clone());
    let mut m = model();
    let out = miditool::infill(&mut m, &notes, (16.0, 24.0), 1.0, 4).unwrap();
    assert!(
        out.contains(&late),
        "a note at 23.97 starts inside: given back"
    );
    assert!(
        !out.contains(&early),
        "a note at 15.98 starts before: not Live's to replace"
    );
    assert!(out.iter().all(|n| f(n, "start_time") >= 16.0));
    let kept = miditool::selection_notes(&notes, (16.0, 24.0));
    assert_eq!(kept, vec![late]);
}

/// Drumify replaces the selected notes with drums; notes it was given outside the selection
/// come back as they were (a Transformation's answer replaces every note it was given).
#[test]
fn drumify_gives_back_the_notes_outside_the_selection() {
    let mut riff = bass_riff();
    let mut outside = riff[0].clone();
    outside.insert("start_time".into(), json!(12.0));
    outside.insert("note_id".into(), json!(77));
    riff.push(outside.clone());
    let mut m = model();
    let mut r = Request::new();
    r.set_seed(7);
    let out = miditool::drumify(&mut m, &riff, (0.0, 8.0), &r).unwrap();
    assert!(out.contains(&outside));
}
