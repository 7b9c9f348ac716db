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
use crate::gesture::Groove;
use crate::groove::{Drummer, Request, STEPS};
use crate::model::GrooveModel;
use crate::pattern::{Hit, Pattern, STEPS_PER_BAR, STEPS_PER_BEAT};
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
    notes_of(v)
}

/// [`parse_notes`] of a dictionary already read: its notes taken out, checked.
pub fn notes_of(mut v: Value) -> Result<Vec<LiveNote>> {
    let list = match v.get_mut("notes").map(Value::take) {
        Some(Value::Array(list)) => list,
        // a one-note list, as a host may keep a one-element array
        Some(one @ Value::Object(_)) => vec![one],
        _ => return Err(bad("the notes dictionary has no \"notes\" list")),
    };
    if list.len() > MAX_NOTES {
        return Err(bad(format!(
            "{} notes: more than a MIDI tool takes ({MAX_NOTES})",
            list.len()
        )));
    }
    list.into_iter()
        .enumerate()
        .map(|(i, n)| {
            let Value::Object(n) = n else {
                return Err(bad(format!("note {i} is not a dictionary")));
            };
            let pitch = n.get("pitch").and_then(Value::as_u64);
            if pitch.is_none_or(|p| p > 127) {
                return Err(bad(format!(
                    "note {i}: pitch {:?} is not 0..127",
                    n.get("pitch")
                )));
            }
            let start = number(&n, "start_time").filter(|x| x.is_finite());
            let dur = number(&n, "duration").filter(|x| x.is_finite() && *x > 0.0);
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
            Ok(n)
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
    selection_in(&v)
}

/// [`parse_selection`] of a context already read.
pub fn selection_in(v: &Value) -> Result<(f64, f64)> {
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

/// Whether a tool works on note `n`: it starts in the selection, on its grid (half a 32nd
/// early still belongs to the selection's first 16th, half a 32nd before the end to the next).
fn in_selection(n: &LiveNote, (a, b): (f64, f64)) -> bool {
    number(n, "start_time").is_some_and(|t| t >= a - 0.125 / 2.0 && t < b - 0.125 / 2.0)
}

/// Whether note `n` is one Live replaces with a Generator's answer: it starts in `[a, b)`.
fn starts_in(n: &LiveNote, (a, b): (f64, f64)) -> bool {
    number(n, "start_time").is_some_and(|t| t >= a && t < b)
}

/// The bar line at or before beat `t` (beat 0 is the clip's first bar line).
fn bar_line(t: f64) -> f64 {
    (t / BAR_BEATS).floor() * BAR_BEATS
}

/// Transformation `swing`: in the time selection, each drum note on an off-beat 16th plays
/// `offset` steps later (a drum machine's swing: 58 % is 0.16 of a step); its other fields as
/// they were.
pub fn swing(notes: &[LiveNote], selection: (f64, f64), offset: f32) -> Vec<LiveNote> {
    notes
        .iter()
        .map(|n| {
            let mut n = n.clone();
            let (step, _) = step_of(&n, 0.0);
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
            let (step, _) = step_of(&n, 0.0);
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

/// Transformation `humanize`: the drum notes of the time selection, two bars at a time from the
/// bar line at its start, played by the groove model as a drummer would (its timing and
/// loudness for each note's drum and step; the notes' own drums and steps are the score).
/// Every other field of every note, and every note outside the selection, off the drum map or
/// muted, as it was.
pub fn humanize(
    model: &mut GrooveModel,
    notes: &[LiveNote],
    selection: (f64, f64),
    temperature: f32,
    seed: u64,
) -> Result<Vec<LiveNote>> {
    let first = bar_line(selection.0);
    let bars = ((selection.1 - first) / BAR_BEATS).ceil() as usize;
    let mut out = notes.to_vec();
    for window in 0..bars.div_ceil(2) {
        let origin = first + window as f64 * 2.0 * BAR_BEATS;
        let mut score = Pattern::empty_loop();
        let mut mine = Vec::new();
        for (i, n) in notes.iter().enumerate() {
            let Some(v) = voice_of(n).filter(|_| !is_muted(n)) else {
                continue;
            };
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
/// seed), played over the time selection on the clip's bars (from the bar line at its start)
/// and cut at its ends. Like Live's own Generators, it replaces what the selection held.
pub fn generate(
    model: &mut GrooveModel,
    selection: (f64, f64),
    request: &Request,
) -> Result<Vec<LiveNote>> {
    let g = model.generate(request)?;
    let mut out = Vec::new();
    let loop_beats = STEPS as f64 / STEPS_PER_BEAT as f64;
    let mut origin = bar_line(selection.0);
    while origin < selection.1 {
        out.extend(
            loop_notes(&g.pattern, origin)
                .map(|(_, n)| n)
                .filter(|n| in_selection(n, selection))
                .map(|n| inside(n, selection)),
        );
        origin += loop_beats;
    }
    Ok(out)
}

/// The given notes that start inside the time selection (`[start, end)`), as they came: what a
/// Generator gives back of them, since Live replaces the selection's notes with what a
/// Generator returns.
pub fn selection_notes(notes: &[LiveNote], selection: (f64, f64)) -> Vec<LiveNote> {
    notes
        .iter()
        .filter(|n| starts_in(n, selection))
        .cloned()
        .collect()
}

/// A new note moved to start no earlier than the selection (a drummer's early hit on its first
/// step would start before it, where Live does not put a Generator's notes).
fn inside(mut n: LiveNote, (a, _): (f64, f64)) -> LiveNote {
    if number(&n, "start_time").is_some_and(|t| t < a) {
        n.insert("start_time".into(), Value::from(a));
    }
    n
}

/// The time selection the notes span when Live sent no context: from the bar of the first
/// note to the end of the bar of the last note's end.
pub fn selection_of(notes: &[LiveNote]) -> Result<(f64, f64)> {
    let starts = notes.iter().filter_map(|n| number(n, "start_time"));
    let ends = notes
        .iter()
        .filter_map(|n| Some(number(n, "start_time")? + number(n, "duration")?));
    let first = starts.fold(f64::INFINITY, f64::min);
    let last = ends.fold(f64::NEG_INFINITY, f64::max);
    if !first.is_finite() || !last.is_finite() {
        return Err(bad(
            "no time selection (the context dictionary did not come) and no notes to take one from",
        ));
    }
    let a = (first.max(0.0) / BAR_BEATS).floor() * BAR_BEATS;
    let b = ((last / BAR_BEATS).ceil() * BAR_BEATS).max(a + BAR_BEATS);
    Ok((a, b))
}

fn is_muted(n: &LiveNote) -> bool {
    number(n, "mute").is_some_and(|m| m != 0.0)
}

/// The drum notes around and inside the selection as a compose-mode clip: whole bars from
/// `origin_bar` (the selection's first bar, or an earlier bar with notes), at most 32 bars,
/// at least 4 (empty bars at the end where fewer). Muted notes and notes off the drum map are
/// left out.
struct Window {
    clip: Clip,
    origin_bar: usize,
}

impl Window {
    fn origin(&self) -> f64 {
        self.origin_bar as f64 * BAR_BEATS
    }
}

fn window_of(notes: &[LiveNote], selection: (f64, f64)) -> Result<Window> {
    let drums: Vec<(f64, f64, Voice, f64)> = notes
        .iter()
        .filter(|n| !is_muted(n))
        .filter_map(|n| {
            Some((
                number(n, "start_time")?,
                number(n, "duration").unwrap_or(compose::NOTE_BEATS),
                voice_of(n)?,
                number(n, "velocity").unwrap_or(100.0),
            ))
        })
        .collect();
    // half a 16th early still counts as the bar's first step
    let bar_of = |t: f64| ((t + 0.125 / 2.0).max(0.0) / BAR_BEATS).floor() as usize;
    let lo = (selection.0 / BAR_BEATS).floor() as usize;
    let hi = ((selection.1 / BAR_BEATS).ceil() as usize).max(lo + 1);
    if hi - lo > compose::MAX_BARS {
        return Err(bad(format!(
            "the time selection covers {} bars: compose mode takes up to {}",
            hi - lo,
            compose::MAX_BARS
        )));
    }
    let first = drums.iter().map(|d| bar_of(d.0)).min().unwrap_or(lo);
    let last = drums.iter().map(|d| bar_of(d.0) + 1).max().unwrap_or(hi);
    let start = first.min(lo).max(hi.saturating_sub(compose::MAX_BARS));
    let end = last.max(hi).min(start + compose::MAX_BARS);
    let origin = start as f64 * BAR_BEATS;
    let clip_notes = drums
        .iter()
        .filter(|d| bar_of(d.0) >= start && bar_of(d.0) < end)
        .map(|&(t, beats, v, vel)| ClipNote {
            beat: t - origin,
            beats,
            key: v.gm_note(),
            velocity: vel.round().clamp(1.0, 127.0) as u8,
            channel: crate::midi::DRUM_CHANNEL,
        })
        .collect();
    Ok(Window {
        clip: Clip::new(clip_notes, (end - start).max(compose::MIN_BARS))?,
        origin_bar: start,
    })
}

/// Generator `infill`: the empty bars of the time selection (bars with no drum note) filled by
/// the groove model in the feel of the drum notes around them, as compose mode's infill does
/// (the notes Live gave, inside the selection and around it, up to 32 bars). Gives back what
/// Live puts in the selection: its notes as they came, every field kept, and the new ones. A
/// bar of the selection with any drum note in it is never added to.
pub fn infill(
    model: &mut GrooveModel,
    notes: &[LiveNote],
    selection: (f64, f64),
    temperature: f32,
    seed: u64,
) -> Result<Vec<LiveNote>> {
    let w = window_of(notes, selection)?;
    let p = w.clip.pattern();
    let lo = (selection.0 / BAR_BEATS).floor() as usize - w.origin_bar;
    let hi = (selection.1 / BAR_BEATS).ceil() as usize - w.origin_bar;
    let mut cells = vec![[false; crate::voice::VOICES]; w.clip.bars()];
    let mut empty = 0;
    for (bar, row) in cells.iter_mut().enumerate().take(hi).skip(lo) {
        let played = (bar * STEPS_PER_BAR..(bar + 1) * STEPS_PER_BAR)
            .any(|s| Voice::ALL.iter().any(|&v| p.get(s, v).is_some()));
        if !played {
            *row = [true; crate::voice::VOICES];
            empty += 1;
        }
    }
    if empty == 0 {
        return Err(bad(
            "nothing to fill: every bar of the time selection has drum notes (select the empty \
             bars, or a range holding them)",
        ));
    }
    let gaps = Gaps::from_cells(cells);
    let added = compose::infill(model, &w.clip, &gaps, temperature, seed)?;
    let mut out = selection_notes(notes, selection);
    out.extend(
        added
            .iter()
            .map(|n| live_note(n.beat + w.origin(), n.key, n.velocity))
            .filter(|n| in_selection(n, selection))
            .map(|n| inside(n, selection)),
    );
    Ok(out)
}

/// Generator `fill`: the last `beats` beats (1..4) of the time selection played as a drum
/// fill, in the feel of the two bars before the bar it ends (read from the drum notes Live
/// gave). Gives back what Live puts in the selection: its notes before the fill as they came,
/// every field kept, then the fill (the notes that were under it are replaced).
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
    let end = selection.1;
    if (end - bar_line(end + 1e-9)).abs() > 1e-6 {
        return Err(bad(format!(
            "a fill ends on a bar line (it leads into the next bar): the time selection ends at \
             beat {end}; end it at a bar line"
        )));
    }
    let fill_from = end - beats as f64;
    if fill_from < selection.0 - 1e-9 {
        return Err(bad(format!(
            "a fill of {beats} beats is longer than the time selection ({} beats)",
            end - selection.0
        )));
    }
    // the loop it leads out of: the two bars before the fill's bar
    let (a, b) = (end - 3.0 * BAR_BEATS, end - BAR_BEATS);
    if a < -1e-9 {
        return Err(bad(
            "a fill needs two bars before the bar it ends to take the feel from (end the time \
             selection at bar 3 or later)",
        ));
    }
    let before: Vec<ClipNote> = notes
        .iter()
        .filter(|n| !is_muted(n))
        .filter(|n| number(n, "start_time").is_some_and(|t| t >= a - 0.0625 && t < b - 0.0625))
        .filter_map(|n| {
            Some(ClipNote {
                beat: (number(n, "start_time")? - a).max(0.0),
                beats: compose::NOTE_BEATS,
                key: voice_of(n)?.gm_note(),
                velocity: number(n, "velocity")
                    .unwrap_or(100.0)
                    .round()
                    .clamp(1.0, 127.0) as u8,
                channel: crate::midi::DRUM_CHANNEL,
            })
        })
        .collect();
    if before.is_empty() {
        return Err(bad(
            "the two bars before the fill have no drum notes to take the feel from",
        ));
    }
    let loop_before = Clip::new(before, compose::MIN_BARS)?
        .pattern()
        .window(0, STEPS)?;
    let (mu, _) = model.read_loop(&loop_before)?;
    let mut req = Request::new();
    req.set_seed(seed);
    let g = model.generate_near(&req, Some(&mu))?;
    let f = model.fill(&g, beats, seed)?;
    let mut out: Vec<LiveNote> = selection_notes(notes, selection)
        .into_iter()
        .filter(|n| number(n, "start_time").is_some_and(|t| t < fill_from - 0.0625))
        .collect();
    let from = STEPS - beats * STEPS_PER_BEAT;
    out.extend(
        loop_notes(&f.pattern, end - 2.0 * BAR_BEATS)
            .filter(|(s, _)| *s >= from)
            .map(|(_, n)| inside(n, selection)),
    );
    Ok(out)
}

/// Transformation `drumify`: the rhythm of the selected notes (any instrument: a bass line, a
/// riff, a drum part; the loudest note on each 16th, its timing and velocity) is the groove
/// the model plays a drum loop to, two bars at a time from the bar line at the selection's
/// start (`request`: style, temperature, seed). Gives back the drum notes, which replace the
/// notes of the selection, and every note it was given outside the selection, as it came.
pub fn drumify(
    model: &mut GrooveModel,
    notes: &[LiveNote],
    selection: (f64, f64),
    request: &Request,
) -> Result<Vec<LiveNote>> {
    let loop_beats = STEPS as f64 / STEPS_PER_BEAT as f64;
    let mut out = Vec::new();
    let mut origin = bar_line(selection.0);
    let mut window = 0u64;
    while origin < selection.1 - 1e-9 {
        let mut steps: Vec<Option<Hit>> = vec![None; STEPS];
        for n in notes
            .iter()
            .filter(|n| !is_muted(n) && in_selection(n, selection))
        {
            let (step, offset) = step_of(n, origin);
            if !(0..STEPS as i64).contains(&step) {
                continue;
            }
            let v = (number(n, "velocity").unwrap_or(100.0) / 127.0).clamp(1.0 / 127.0, 1.0);
            let hit = Hit::new(v as f32, (offset as f32).clamp(-0.5, 0.5))?;
            let cell = &mut steps[step as usize];
            if cell.is_none_or(|h| h.velocity < hit.velocity) {
                *cell = Some(hit);
            }
        }
        if steps.iter().any(Option::is_some) {
            let mut req = request.clone();
            req.set_groove(Some(Groove::from_steps(steps)?))?;
            req.set_seed(request.seed().wrapping_add(window));
            let g = model.generate(&req)?;
            out.extend(
                loop_notes(&g.pattern, origin)
                    .map(|(_, n)| n)
                    .filter(|n| in_selection(n, selection))
                    .map(|n| inside(n, selection)),
            );
        }
        origin += loop_beats;
        window += 1;
    }
    if out.is_empty() {
        return Err(bad(
            "drumify: no notes in the time selection to take the groove from",
        ));
    }
    out.extend(notes.iter().filter(|n| !starts_in(n, selection)).cloned());
    Ok(out)
}

/// The MIDI tools a device offers: Transformations change the notes they are given,
/// Generators give back what goes into the time selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Humanize,
    Swing,
    Accent,
    Drumify,
    Generate,
    Fill,
    Infill,
}

impl Tool {
    /// Every tool, by its name.
    pub const ALL: [(&'static str, Tool); 7] = [
        ("humanize", Tool::Humanize),
        ("swing", Tool::Swing),
        ("accent", Tool::Accent),
        ("drumify", Tool::Drumify),
        ("generate", Tool::Generate),
        ("fill", Tool::Fill),
        ("infill", Tool::Infill),
    ];

    pub fn parse(name: &str) -> Option<Tool> {
        Tool::ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    pub fn name(self) -> &'static str {
        Tool::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map_or("", |(n, _)| n)
    }

    /// A Generator (its answer replaces the selection's notes), else a Transformation (its
    /// answer replaces the notes it was given).
    pub fn generates(self) -> bool {
        matches!(self, Tool::Generate | Tool::Fill | Tool::Infill)
    }

    /// Whether it needs the groove model (swing and accent do not).
    pub fn needs_model(self) -> bool {
        !matches!(self, Tool::Swing | Tool::Accent)
    }
}

/// A tool's settings, as a device's controls set them.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    pub tool: Tool,
    /// 0 = the model's most likely playing; 1 = as trained.
    pub temperature: f32,
    pub seed: u64,
    /// Swing: the off-beat 16ths' place in their pair, in percent (50 = straight).
    pub swing_percent: f32,
    /// Accent: the accented steps of a bar, and how much louder.
    pub accents: [bool; STEPS_PER_BAR],
    pub boost: f64,
    /// Fill: its length in beats.
    pub fill_beats: usize,
    /// Generate and drumify: the style asked for (none: any).
    pub style: Option<&'static str>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            tool: Tool::Humanize,
            temperature: 1.0,
            seed: 1,
            swing_percent: 58.0,
            accents: accent_steps("backbeat").unwrap_or_default(),
            boost: 1.25,
            fill_beats: 4,
            style: None,
        }
    }
}

/// The accent patterns a device offers, by name: the steps of a 4/4 bar (16ths) they accent.
pub const ACCENT_PATTERNS: [&str; 5] = ["backbeat", "quarters", "downbeat", "offbeats", "eighths"];

/// The steps of pattern `name` ([`ACCENT_PATTERNS`]).
pub fn accent_steps(name: &str) -> Option<[bool; STEPS_PER_BAR]> {
    let on: fn(usize) -> bool = match name {
        "backbeat" => |s| s == 4 || s == 12,
        "quarters" => |s| s % 4 == 0,
        "downbeat" => |s| s == 0,
        "offbeats" => |s| s % 4 == 2,
        "eighths" => |s| s % 2 == 0,
        _ => return None,
    };
    let mut a = [false; STEPS_PER_BAR];
    for (s, x) in a.iter_mut().enumerate() {
        *x = on(s);
    }
    Some(a)
}

/// Run the tool of `settings` on Live's notes in `selection`: the notes Live is to take back
/// (a Transformation: every note it was given, changed; a Generator: what goes into the
/// selection). `model`: the groove model, for the tools that need it.
pub fn apply(
    settings: &Settings,
    model: Option<&mut GrooveModel>,
    notes: &[LiveNote],
    selection: (f64, f64),
) -> Result<Vec<LiveNote>> {
    let s = settings;
    let need = || {
        bad(format!(
            "{} needs the groove model, which is not loaded",
            s.tool.name()
        ))
    };
    match s.tool {
        Tool::Swing => {
            let offset = crate::gesture::swing_offset_from_percent(s.swing_percent)?;
            return Ok(swing(notes, selection, offset));
        }
        Tool::Accent => return Ok(accent(notes, selection, &s.accents, s.boost)),
        _ => {}
    }
    let m = model.ok_or_else(need)?;
    let (t, seed) = (s.temperature, s.seed);
    match s.tool {
        Tool::Humanize => humanize(m, notes, selection, t, seed),
        Tool::Infill => infill(m, notes, selection, t, seed),
        Tool::Fill => fill(m, notes, selection, s.fill_beats, seed),
        Tool::Generate | Tool::Drumify => {
            let mut r = Request::new();
            r.set_temperature(t)?;
            r.set_seed(seed);
            r.set_style(s.style)?;
            if s.tool == Tool::Generate {
                generate(m, selection, &r)
            } else {
                drumify(m, notes, selection, &r)
            }
        }
        Tool::Swing | Tool::Accent => unreachable!("answered above"),
    }
}

/// Dictionaries as Live passes them, for help patchers and the patch checker: a 4-bar drum
/// clip (bars 1, 2 and 4 played, bar 3 empty), every note with the fields Live 12 sends, and
/// the context selecting the whole clip. (notes, context), as JSON.
pub fn example_dicts() -> (String, String) {
    let mut notes = Vec::new();
    let mut id = 1;
    for bar in [0usize, 1, 3] {
        for step in 0..16 {
            let t = (bar * 16 + step) as f64 * 0.25;
            let mut add = |pitch: u8, velocity: f64| {
                notes.push(serde_json::json!({
                    "note_id": id, "pitch": pitch, "start_time": t, "duration": 0.25,
                    "velocity": velocity, "mute": 0, "probability": 1.0,
                    "velocity_deviation": 0.0, "release_velocity": 64.0,
                }));
                id += 1;
            };
            if step % 2 == 0 {
                add(42, if step % 4 == 0 { 90.0 } else { 70.0 });
            }
            if step == 0 || step == 10 {
                add(36, 110.0);
            }
            if step == 4 || step == 12 {
                add(38, 105.0);
            }
        }
    }
    let context = serde_json::json!({
        "clip": {"time_selection_start": 0.0, "time_selection_end": 16.0,
            "first_note_start": 0.0, "last_note_end": 16.0, "lowest_pitch": 36,
            "highest_pitch": 42},
        "scale": {"scale_mode": 0, "root_note": 0,
            "scale_intervals": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], "scale_name": "Chromatic"},
        "grid": {"interval": 0.25, "enabled": 1},
    });
    (
        serde_json::json!({ "notes": notes }).to_string(),
        context.to_string(),
    )
}
