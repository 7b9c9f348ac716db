//! Live 12 MIDI Tools, host-neutral: what a Generator or a Transformation device does with the
//! note dictionaries Live passes (`live.miditool.in`) and takes back (`live.miditool.out`).
//!
//! Live's notes are a JSON object `{"notes": [...]}`, each note with `pitch` (0..127),
//! `start_time` and `duration` (beats of clip time), and optionally `velocity` (0..127, a
//! float), `mute`, `probability`, `velocity_deviation`, `release_velocity`, `note_id`. The
//! context says the time selection (`clip.time_selection_start` / `_end`, beats) and the grid.
//! A Transformation gives back the notes it was given, changed; a Generator gives back the notes
//! it adds to the time selection. Every field a tool does not change is given back as it came,
//! unknown ones included, so Live keeps each note's identity, probability and deviation.
//!
//! The tools: `humanize` (the groove model plays the drum notes' timing and loudness), `swing`
//! (the off-beat 16ths later, as a drum machine), `accent` (louder on the accented steps) as
//! Transformations; `generate` (a loop of the groove model over the selection), `fill` (the
//! selection's last bar a fill in the feel of the bars before it) and `infill` (the
//! selection's empty bars in the feel of the notes around them) as Generators.

use serde_json::{Map, Value};

use crate::compose::{self, Clip, ClipNote, Gaps};
use crate::error::{Error, Result};
use crate::groove::{Drummer, Request, STEPS};
use crate::model::GrooveModel;
use crate::pattern::{Pattern, STEPS_PER_BAR, STEPS_PER_BEAT};
use crate::voice::Voice;

/// The most notes a dictionary may hold (a 32-bar clip with every drum on every 32nd holds
/// under 10,000).
pub const MAX_NOTES: usize = 20_000;
/// Beats of a 4/4 bar.
const BAR_BEATS: f64 = 4.0;

/// A note as Live passes it: its fields, every one kept.
pub type LiveNote = Map<String, Value>;

fn bad(m: impl Into<String>) -> Error {
    Error::invalid(m.into())
}

fn number(n: &LiveNote, key: &str) -> Option<f64> {
    n.get(key).and_then(Value::as_f64)
}

/// Read Live's notes dictionary (as JSON), checked: `{"notes": [...]}`, each note with a
/// `pitch` 0..127, a `start_time` and a `duration` (finite, the duration above 0), a
/// `velocity` 0..127 where given.
pub fn parse_notes(json: &str) -> Result<Vec<LiveNote>> {
    let v: Value =
        serde_json::from_str(json).map_err(|e| bad(format!("the notes are not JSON: {e}")))?;
    let list = v
        .get("notes")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("the notes dictionary has no \"notes\" list"))?;
    if list.len() > MAX_NOTES {
        return Err(bad(format!(
            "{} notes: more than a MIDI tool takes ({MAX_NOTES})",
            list.len()
        )));
    }
    list.iter()
        .enumerate()
        .map(|(i, n)| {
            let n = n
                .as_object()
                .ok_or_else(|| bad(format!("note {i} is not a dictionary")))?;
            let pitch = n.get("pitch").and_then(Value::as_u64);
            if pitch.is_none_or(|p| p > 127) {
                return Err(bad(format!(
                    "note {i}: pitch {:?} is not 0..127",
                    n.get("pitch")
                )));
            }
            let start = number(n, "start_time").filter(|x| x.is_finite());
            let dur = number(n, "duration").filter(|x| x.is_finite() && *x > 0.0);
            if start.is_none() || dur.is_none() {
                return Err(bad(format!(
                    "note {i}: start_time and duration must be numbers (the duration above 0)"
                )));
            }
            if let Some(v) = n.get("velocity") {
                if !v.as_f64().is_some_and(|x| (0.0..=127.0).contains(&x)) {
                    return Err(bad(format!("note {i}: velocity {v} is not 0..127")));
                }
            }
            Ok(n.clone())
        })
        .collect()
}

/// The notes as Live takes them back: `{"notes": [...]}`.
pub fn notes_json(notes: &[LiveNote]) -> String {
    let list: Vec<Value> = notes.iter().cloned().map(Value::Object).collect();
    serde_json::json!({ "notes": list }).to_string()
}

/// The time selection of Live's context dictionary (as JSON): `clip.time_selection_start` and
/// `clip.time_selection_end` in beats, checked: from 0, at most 32 bars long, not empty.
pub fn parse_selection(json: &str) -> Result<(f64, f64)> {
    let v: Value =
        serde_json::from_str(json).map_err(|e| bad(format!("the context is not JSON: {e}")))?;
    let clip = v.get("clip").unwrap_or(&Value::Null);
    let at = |k: &str| {
        clip.get(k)
            .and_then(Value::as_f64)
            .filter(|x| x.is_finite())
    };
    let (Some(a), Some(b)) = (at("time_selection_start"), at("time_selection_end")) else {
        return Err(bad(
            "the context has no clip.time_selection_start and time_selection_end",
        ));
    };
    if a < 0.0 || b <= a {
        return Err(bad(format!("the time selection {a}..{b} is empty")));
    }
    if b - a > compose::MAX_BARS as f64 * BAR_BEATS {
        return Err(bad(format!(
            "the time selection is {} beats: compose mode takes up to {} bars of 4/4",
            b - a,
            compose::MAX_BARS
        )));
    }
    Ok((a, b))
}

/// A drum note's step (16ths from `origin`, nearest) and its timing against it (in steps).
fn step_of(n: &LiveNote, origin: f64) -> (i64, f64) {
    let pos = (number(n, "start_time").unwrap_or(0.0) - origin) * STEPS_PER_BEAT as f64;
    let step = crate::midi::nearest_step(pos);
    (step as i64, pos - step)
}

fn voice_of(n: &LiveNote) -> Option<Voice> {
    n.get("pitch")
        .and_then(Value::as_u64)
        .and_then(|p| Voice::from_note(p as u8))
}

fn in_selection(n: &LiveNote, (a, b): (f64, f64)) -> bool {
    number(n, "start_time").is_some_and(|t| t >= a - 0.125 / 2.0 && t < b - 0.125 / 2.0)
}

/// Transformation `swing`: in the time selection, each drum note on an off-beat 16th plays
/// `offset` steps later (a drum machine's swing: 58 % is 0.16 of a step); its other fields as
/// they were.
pub fn swing(notes: &[LiveNote], selection: (f64, f64), offset: f32) -> Vec<LiveNote> {
    notes
        .iter()
        .map(|n| {
            let mut n = n.clone();
            let (step, _) = step_of(&n, selection.0);
            if in_selection(&n, selection) && voice_of(&n).is_some() && step.rem_euclid(2) == 1 {
                let t = number(&n, "start_time").unwrap_or(0.0);
                n.insert(
                    "start_time".into(),
                    Value::from(t + f64::from(offset) / STEPS_PER_BEAT as f64),
                );
            }
            n
        })
        .collect()
}

/// Transformation `accent`: drum notes in the time selection on an accented step of the bar
/// (`pattern`: 16 flags, repeated every bar) play `by` times louder (at most 127); the others
/// as they were.
pub fn accent(
    notes: &[LiveNote],
    selection: (f64, f64),
    pattern: &[bool],
    by: f64,
) -> Vec<LiveNote> {
    notes
        .iter()
        .map(|n| {
            let mut n = n.clone();
            let (step, _) = step_of(&n, selection.0);
            let on = pattern
                .get(step.rem_euclid(STEPS_PER_BAR as i64) as usize)
                .copied()
                .unwrap_or(false);
            if on && in_selection(&n, selection) && voice_of(&n).is_some() {
                let v = number(&n, "velocity").unwrap_or(100.0);
                n.insert("velocity".into(), Value::from((v * by).min(127.0)));
            }
            n
        })
        .collect()
}

/// Transformation `humanize`: the drum notes of the time selection, two bars at a time from its
/// start, played by the groove model as a drummer would (its timing and loudness for each
/// note's drum and step; the notes' own drums and steps are the score). Every other field of
/// every note, and every note outside the selection or off the drum map, as it was.
pub fn humanize(
    model: &mut GrooveModel,
    notes: &[LiveNote],
    selection: (f64, f64),
    temperature: f32,
    seed: u64,
) -> Result<Vec<LiveNote>> {
    let bars = ((selection.1 - selection.0) / BAR_BEATS).ceil() as usize;
    let mut out = notes.to_vec();
    for window in 0..bars.div_ceil(2) {
        let origin = selection.0 + window as f64 * 2.0 * BAR_BEATS;
        let mut score = Pattern::empty_loop();
        let mut mine = Vec::new();
        for (i, n) in notes.iter().enumerate() {
            let Some(v) = voice_of(n) else { continue };
            let (step, _) = step_of(n, origin);
            if !in_selection(n, selection) || !(0..STEPS as i64).contains(&step) {
                continue;
            }
            score.set(step as usize, v, Some(crate::pattern::Hit::on_grid(0.8)?))?;
            mine.push((i, step as usize, v));
        }
        if mine.is_empty() {
            continue;
        }
        let mut req = Request::humanize(&score.score())?;
        req.set_temperature(temperature)?;
        req.set_seed(seed.wrapping_add(window as u64));
        let played = model.generate(&req)?.pattern;
        for (i, step, v) in mine {
            if let Some(hit) = played.get(step, v) {
                let t = origin + (step as f64 + f64::from(hit.offset)) / STEPS_PER_BEAT as f64;
                out[i].insert("start_time".into(), Value::from(t.max(0.0)));
                out[i].insert(
                    "velocity".into(),
                    Value::from(f64::from(hit.midi_velocity())),
                );
            }
        }
    }
    Ok(out)
}

fn live_note(beat: f64, pitch: u8, velocity: u8) -> LiveNote {
    let mut m = Map::new();
    m.insert("pitch".into(), Value::from(pitch));
    m.insert("start_time".into(), Value::from(beat.max(0.0)));
    m.insert("duration".into(), Value::from(compose::NOTE_BEATS));
    m.insert("velocity".into(), Value::from(f64::from(velocity)));
    m
}

/// A loop's hits as new Live notes from beat `origin`, each with its step.
fn loop_notes(p: &Pattern, origin: f64) -> impl Iterator<Item = (usize, LiveNote)> + '_ {
    p.hits().map(move |(s, v, h)| {
        let t = origin + (s as f64 + f64::from(h.offset)) / STEPS_PER_BEAT as f64;
        (s, live_note(t, v.gm_note(), h.midi_velocity()))
    })
}

/// Generator `generate`: a 2-bar loop of the groove model (`request`: its gestures, style,
/// seed), played over the time selection from its start and cut at its end.
pub fn generate(
    model: &mut GrooveModel,
    selection: (f64, f64),
    request: &Request,
) -> Result<Vec<LiveNote>> {
    let g = model.generate(request)?;
    let mut out = Vec::new();
    let loop_beats = STEPS as f64 / STEPS_PER_BEAT as f64;
    let mut origin = selection.0;
    while origin < selection.1 {
        out.extend(
            loop_notes(&g.pattern, origin)
                .map(|(_, n)| n)
                .filter(|n| in_selection(n, selection)),
        );
        origin += loop_beats;
    }
    Ok(out)
}

/// The clip compose mode reads from a MIDI tool's notes: the drum notes (others left out),
/// over whole bars from 0 to the end of the selection or the last note, 4 bars at least.
fn clip_of(notes: &[LiveNote], selection: (f64, f64)) -> Result<Clip> {
    let mut drums = Vec::new();
    for n in notes {
        let Some(v) = voice_of(n) else { continue };
        let beat = number(n, "start_time").unwrap_or(0.0);
        if number(n, "mute").is_some_and(|m| m != 0.0) {
            continue;
        }
        drums.push(ClipNote {
            beat,
            beats: number(n, "duration").unwrap_or(compose::NOTE_BEATS),
            key: v.gm_note(),
            velocity: number(n, "velocity")
                .unwrap_or(100.0)
                .round()
                .clamp(1.0, 127.0) as u8,
            channel: crate::midi::DRUM_CHANNEL,
        });
    }
    let end = drums
        .iter()
        .map(|n| n.beat + 0.125)
        .fold(selection.1, f64::max);
    let bars = ((end / BAR_BEATS).ceil() as usize).max(compose::MIN_BARS);
    Clip::new(drums, bars)
}

/// Generator `infill`: the empty bars of the time selection (whole bars from its first to its
/// last) filled by the groove model in the feel of the clip's drum notes around them, as
/// compose mode's infill does.
pub fn infill(
    model: &mut GrooveModel,
    notes: &[LiveNote],
    selection: (f64, f64),
    temperature: f32,
    seed: u64,
) -> Result<Vec<LiveNote>> {
    let clip = clip_of(notes, selection)?;
    let first = (selection.0 / BAR_BEATS).floor() as usize + 1;
    let last = ((selection.1 / BAR_BEATS).ceil() as usize).max(first);
    let gaps = Gaps::choose(&clip, Some((first, last)), None)?;
    let added = compose::infill(model, &clip, &gaps, temperature, seed)?;
    Ok(added
        .iter()
        .map(|n| live_note(n.beat, n.key, n.velocity))
        .collect())
}

/// Generator `fill`: the last `beats` beats (1..4) of the time selection played as a drum fill
/// in the feel of the two bars before them (read from the clip's drum notes).
pub fn fill(
    model: &mut GrooveModel,
    notes: &[LiveNote],
    selection: (f64, f64),
    beats: usize,
    seed: u64,
) -> Result<Vec<LiveNote>> {
    if !(1..=4).contains(&beats) {
        return Err(bad(format!("a fill of {beats} beats: 1 to 4")));
    }
    let end_bar = (selection.1 / BAR_BEATS).ceil() as usize;
    if end_bar < 3 {
        return Err(bad(
            "a fill needs two bars before the selection's last bar to take the feel from",
        ));
    }
    let clip = clip_of(notes, selection)?;
    let p = clip.pattern();
    // the two bars before the fill's bar: the loop it leads out of
    let before = p.window((end_bar - 3) * STEPS_PER_BAR, STEPS)?;
    if before.is_empty() {
        return Err(bad(
            "the two bars before the fill have no drum notes to take the feel from",
        ));
    }
    let (mu, _) = model.read_loop(&before)?;
    let mut req = Request::new();
    req.set_seed(seed);
    let g = model.generate_near(&req, Some(&mu))?;
    let f = model.fill(&g, beats, seed)?;
    let origin = (end_bar - 2) as f64 * BAR_BEATS;
    let from = STEPS - beats * STEPS_PER_BEAT;
    Ok(loop_notes(&f.pattern, origin)
        .filter(|(s, _)| *s >= from)
        .map(|(_, n)| n)
        .collect())
}
