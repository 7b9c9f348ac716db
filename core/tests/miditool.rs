//! Live 12 MIDI Tools in the core (issue 23 item 5): the tools on note dictionaries shaped as
//! Live passes them (`live.miditool.in`: note_id, probability, velocity_deviation,
//! release_velocity, mute, velocity as a float), every field a tool does not change given
//! back as it came; bad dictionaries refused with what was wrong.

use std::path::Path;

use bandmate_core::groove::Request;
use bandmate_core::miditool::{self, LiveNote};
use bandmate_core::model::GrooveModel;
use serde_json::{json, Value};

fn model() -> GrooveModel {
    GrooveModel::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove")).unwrap()
}

/// A funk-ish 8-bar drum clip as Live would pass it, bars 5 and 6 empty, one bass note (pitch
/// 60 is off the drum map) and every field Live sends, plus one it may add later.
fn live_clip() -> String {
    let mut notes = Vec::new();
    let mut id = 1;
    for bar in (0..8).filter(|b| !(4..6).contains(b)) {
        for step in 0..16 {
            let t = bar as f64 * 4.0 + step as f64 * 0.25;
            let mut add = |pitch: u8, vel: f64| {
                notes.push(json!({
                    "note_id": id, "pitch": pitch, "start_time": t, "duration": 0.125,
                    "velocity": vel, "mute": 0, "probability": 0.75,
                    "velocity_deviation": -12.0, "release_velocity": 64.0, "future_key": "kept",
                }));
                id += 1;
            };
            if step % 2 == 0 {
                add(42, 70.0 + step as f64);
            }
            if step == 0 || step == 10 {
                add(36, 110.0);
            }
            if step == 4 || step == 12 {
                add(38, 105.0);
            }
        }
    }
    notes.push(
        json!({"note_id": 999, "pitch": 60, "start_time": 1.0, "duration": 1.0,
        "velocity": 90.0, "mute": 0, "probability": 1.0, "velocity_deviation": 0.0,
        "release_velocity": 64.0}),
    );
    json!({ "notes": notes }).to_string()
}

fn context(a: f64, b: f64) -> String {
    json!({"clip": {"time_selection_start": a, "time_selection_end": b,
        "insert_marker_time": a, "first_note_start": 0.0, "last_note_end": 32.0,
        "lowest_pitch": 36, "highest_pitch": 42},
        "scale": {"scale_mode": 1, "root_note": 0, "scale_intervals": [0, 2, 4, 5, 7, 9, 11],
        "scale_name": "Major"}, "grid": {"interval": 0.25, "enabled": 1}})
    .to_string()
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

#[test]
fn generators_add_notes_inside_the_selection_only() {
    let notes = miditool::parse_notes(&live_clip()).unwrap();
    let mut m = model();
    // infill: bars 5-6 (beats 16..24), the empty ones
    let sel = miditool::parse_selection(&context(16.0, 24.0)).unwrap();
    let added = miditool::infill(&mut m, &notes, sel, 1.0, 4).unwrap();
    assert!(added.len() >= 16, "{} notes", added.len());
    for n in &added {
        let t = f(n, "start_time");
        assert!((16.0 - 0.125..24.0).contains(&t), "{n:?}");
        for k in ["pitch", "duration", "velocity"] {
            assert!(n.contains_key(k), "{k}");
        }
    }
    // fill: the last 2 beats of bar 4 (beats 14..16) in the feel of bars 2-3
    let sel = miditool::parse_selection(&context(0.0, 16.0)).unwrap();
    let fill = miditool::fill(&mut m, &notes, sel, 2, 5).unwrap();
    assert!(!fill.is_empty());
    assert!(
        fill.iter()
            .all(|n| (14.0 - 0.125..16.0).contains(&f(n, "start_time"))),
        "{fill:?}"
    );
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
