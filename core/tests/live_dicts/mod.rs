//! Note and context dictionaries shaped as Live 12's `live.miditool.in` sends them (the core's
//! MIDI-tool tests and the mock Max host's share them).
#![allow(dead_code)]

use serde_json::json;

/// A funk-ish 8-bar drum clip as Live would pass it, bars 5 and 6 empty, one bass note (pitch
/// 60 is off the drum map) and every field Live sends, plus one it may add later.
pub fn live_clip() -> String {
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

pub fn context(a: f64, b: f64) -> String {
    json!({"clip": {"time_selection_start": a, "time_selection_end": b,
        "insert_marker_time": a, "first_note_start": 0.0, "last_note_end": 32.0,
        "lowest_pitch": 36, "highest_pitch": 42},
        "scale": {"scale_mode": 1, "root_note": 0, "scale_intervals": [0, 2, 4, 5, 7, 9, 11],
        "scale_name": "Major"}, "grid": {"interval": 0.25, "enabled": 1}})
    .to_string()
}
