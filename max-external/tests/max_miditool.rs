//! `[bandmate.miditool]` in the mock Max host, between Live-shaped dictionaries: the context and
//! the notes arrive as `dictionary NAME` (as live.miditool.in sends them, the context first),
//! and the answer leaves as `dictionary NAME` for live.miditool.out, at once. The notes that
//! come back are the core's, with every field a tool does not change as Live sent it, numbers
//! of the same kind (Live's velocities are floats, its pitches and ids integers); bad input
//! gets an error and Live's notes back unchanged.

mod harness;
#[path = "../../core/tests/live_dicts/mod.rs"]
mod live_dicts;

use std::path::Path;

use bandmate_core::miditool::{self, Settings, Tool};
use bandmate_core::model::GrooveModel;
use harness::{MaxDir, Output};
use live_dicts::{context, live_clip};
use serde_json::{json, Value};

/// The dictionaries object `id` sent, in order (each `dictionary NAME` out of its left outlet
/// followed by the mock's `dict NAME JSON` line).
fn sent_dicts(out: &Output, id: &str) -> Vec<Value> {
    let names: Vec<String> = out
        .outs_of(id, 0)
        .into_iter()
        .map(|o| {
            assert_eq!(o.sel, "dictionary", "{o:?}");
            o.atoms[0].clone()
        })
        .collect();
    let dicts: Vec<(String, Value)> = out
        .of_kind("dict")
        .into_iter()
        .map(|e| {
            let (name, json) = e.rest.split_once(' ').expect("dict NAME JSON");
            (name.to_string(), serde_json::from_str(json).expect("JSON"))
        })
        .collect();
    assert_eq!(names.len(), dicts.len());
    for (n, (d, _)) in names.iter().zip(&dicts) {
        assert_eq!(n, d);
    }
    dicts.into_iter().map(|(_, v)| v).collect()
}

/// The first note where `got` and `want` differ (assert_eq would print thousands of lines).
fn same_notes(got: &Value, want: &Value, what: &str) {
    let (g, w) = (
        got["notes"].as_array().expect("notes"),
        want["notes"].as_array().expect("notes"),
    );
    assert_eq!(g.len(), w.len(), "{what}: how many notes");
    for (i, (a, b)) in g.iter().zip(w).enumerate() {
        assert!(alike(a, b), "{what}: note {i}\n got {a}\nwant {b}");
    }
}

/// The same JSON, numbers of the same kind (an integer is not a float), floats equal within
/// 1e-12 (Max prints 17 digits; serde_json's float reading may differ from it in the last bit).
fn alike(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x.is_f64() || y.is_f64() {
                x.is_f64()
                    && y.is_f64()
                    && (x.as_f64().unwrap() - y.as_f64().unwrap()).abs() < 1e-12
            } else {
                x == y
            }
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| alike(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(v, w)| alike(v, w))
        }
        _ => a == b,
    }
}

fn model() -> GrooveModel {
    GrooveModel::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove")).unwrap()
}

/// What the core gives for `settings` on these dictionaries.
fn core(settings: &Settings, notes: &str, ctx: &str) -> Value {
    let n = miditool::parse_notes(notes).unwrap();
    let sel = miditool::parse_selection(ctx).unwrap();
    let mut m = model();
    let back = miditool::apply(settings, Some(&mut m), &n, sel).unwrap();
    serde_json::from_str(&miditool::notes_json(&back)).unwrap()
}

#[test]
fn live_dictionaries_in_the_tools_notes_out_every_other_field_as_live_sent_it() {
    let max = MaxDir::new("miditool");
    let notes = live_clip();
    std::fs::write(max.path("notes.json"), &notes).unwrap();
    let bars_1_4 = context(0.0, 16.0);
    let bars_5_6 = context(16.0, 24.0);
    std::fs::write(max.path("ctx14.json"), &bars_1_4).unwrap();
    std::fs::write(max.path("ctx56.json"), &bars_5_6).unwrap();
    let script = "\
dict_read notes notes.json
dict_read ctx14 ctx14.json
dict_read ctx56 ctx56.json
new o bandmate.miditool
send o tool humanize
send o seed 3
send o dictionary ctx14
send o dictionary notes
send o tool swing
send o swing 62
send o dictionary ctx14
send o dictionary notes
send o tool infill
send o dictionary ctx56
send o dictionary notes
dicts
free o
dicts
";
    let out = max.run(script);
    out.assert_clean();
    let got = sent_dicts(&out, "o");
    assert_eq!(got.len(), 3, "{}", out.text());

    // humanize: the core's notes exactly, through Max's dictionaries and back
    let s = Settings {
        seed: 3,
        ..Settings::default()
    };
    same_notes(&got[0], &core(&s, &notes, &bars_1_4), "humanize");
    let given: Value = serde_json::from_str(&notes).unwrap();
    let (before, after) = (
        given["notes"].as_array().unwrap(),
        got[0]["notes"].as_array().unwrap(),
    );
    assert_eq!(before.len(), after.len());
    let mut moved = 0;
    for (a, b) in before.iter().zip(after) {
        for (k, v) in a.as_object().unwrap() {
            if k != "start_time" && k != "velocity" {
                assert!(alike(&b[k], v), "{k}: the same value, of the same kind");
            }
        }
        assert!(b["velocity"].is_f64(), "Live's velocity stays a float: {b}");
        assert!(b["pitch"].is_u64() && b["note_id"].is_u64(), "{b}");
        moved += usize::from(a != b);
    }
    assert!(moved >= 40, "{moved} notes humanized");

    // swing: the same as the core, only the off-beat 16ths' start times move
    let s = Settings {
        tool: Tool::Swing,
        seed: 3,
        swing_percent: 62.0,
        ..Settings::default()
    };
    same_notes(&got[1], &core(&s, &notes, &bars_1_4), "swing");

    // infill (a Generator, the selection on the empty bars 5-6): new notes there only
    let s = Settings {
        tool: Tool::Infill,
        seed: 3,
        swing_percent: 62.0,
        ..Settings::default()
    };
    same_notes(&got[2], &core(&s, &notes, &bars_5_6), "infill");
    let added = got[2]["notes"].as_array().unwrap();
    assert!(added.len() >= 16);
    for n in added {
        let t = n["start_time"].as_f64().unwrap();
        assert!((16.0 - 0.125..24.0).contains(&t), "{n}");
    }
    let info: Vec<String> = out
        .outs_of("o", 1)
        .into_iter()
        .map(|o| format!("{} {}", o.sel, o.atoms.join(" ")))
        .collect();
    assert!(
        info.contains(&format!("applied humanize {}", before.len())),
        "{info:?}"
    );
    assert!(
        info.iter().any(|l| l.starts_with("applied infill")),
        "{info:?}"
    );
    // every dictionary read was released, every key list freed; the object's last answer
    // lives until the object goes
    let dicts: Vec<String> = out.of_kind("dicts").into_iter().map(|e| e.rest).collect();
    assert_eq!(
        dicts,
        [
            "4 registered, 0 retained, 0 key lists out",
            "3 registered, 0 retained, 0 key lists out"
        ]
    );
}

#[test]
fn bad_input_gets_an_error_and_live_gets_its_notes_back() {
    let max = MaxDir::new("miditool-bad");
    let notes = live_clip();
    std::fs::write(max.path("notes.json"), &notes).unwrap();
    std::fs::write(max.path("all.json"), context(0.0, 32.0)).unwrap();
    std::fs::write(max.path("played.json"), context(0.0, 16.0)).unwrap();
    std::fs::write(max.path("long.json"), context(0.0, 200.0)).unwrap();
    // a note Live would never send: its pitch off the MIDI range
    let broken = json!({"notes": [{"note_id": 1, "pitch": 200, "start_time": 0.0,
        "duration": 0.25, "velocity": 100.0}]});
    std::fs::write(max.path("broken.json"), broken.to_string()).unwrap();
    let script = "\
dict_read notes notes.json
dict_read all all.json
dict_read played played.json
dict_read long long.json
dict_read broken broken.json
new o bandmate.miditool
send o tool fill
send o beats 9
send o dictionary nosuch
send o tool infill
send o dictionary played
send o dictionary notes
send o tool humanize
send o dictionary long
send o dictionary notes
send o dictionary broken
send o tool accent
send o dictionary all
send o dictionary notes
";
    let out = max.run(script);
    assert!(out.fatal().is_none(), "{}", out.text());
    let errors = out.errors();
    let has = |needle: &str| errors.iter().any(|e| e.contains(needle));
    assert!(has("9 is out of range 1..4"), "{errors:?}");
    assert!(has("no dictionary named 'nosuch'"), "{errors:?}");
    assert!(has("nothing to fill"), "{errors:?}");
    assert!(has("32 bars"), "{errors:?}");
    assert!(has("pitch"), "{errors:?}");
    let got = sent_dicts(&out, "o");
    assert_eq!(got.len(), 4, "{}", out.text());
    let given: Value = serde_json::from_str(&notes).unwrap();
    // infill with every bar of the selection played: the selection's notes as they came
    let n = miditool::parse_notes(&notes).unwrap();
    let played: Value = serde_json::from_str(&miditool::notes_json(&miditool::selection_notes(
        &n,
        (0.0, 16.0),
    )))
    .unwrap();
    assert!(played["notes"].as_array().unwrap().len() >= 40);
    same_notes(&got[0], &played, "infill refused");
    // humanize with a selection too long: the notes as they came
    same_notes(&got[1], &given, "humanize refused");
    // a broken dictionary comes back as it was
    assert!(alike(&got[2], &broken), "{}", got[2]);
    // and the object still works: accents on the backbeat over the whole clip
    assert_ne!(got[3], given);
    assert_eq!(
        got[3]["notes"].as_array().unwrap().len(),
        given["notes"].as_array().unwrap().len()
    );
}
