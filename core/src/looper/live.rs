//! Seed capture: what the musician plays, as loop notes, and the segments nearest to it.

use super::corpus::{cos_dist, dot};
use super::embed::normalize;
use super::{Corpus, LoopNote, MAX_BEATS, MIN_BEATS};
use crate::error::{Error, Result};
use crate::pattern::check_bpm;

/// A note as played live (a host's note-on, with its note-off when known).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LiveNote {
    /// Onset in milliseconds on any clock.
    pub ms: f64,
    pub key: u8,
    /// 1..=127 (0, a note-off, is left out).
    pub velocity: u8,
    /// 0-based; 9 for drums.
    pub channel: u8,
    /// How long it was held, when known.
    pub duration_ms: Option<f64>,
}

/// Held notes without a known duration last until the next onset of their key, at most this.
const DEFAULT_MAX_BEATS: f64 = 1.0;
/// The last such note.
const LAST_NOTE_BEATS: f64 = 0.5;
/// The grid a seed is aligned to: a 16th, in quarter notes.
const GRID: f64 = 0.25;
/// The shortest note.
const MIN_NOTE_BEATS: f64 = 1.0 / 64.0;
/// How far the last note may ring past a beat without adding one.
const END_TOLERANCE: f64 = 1.0 / 8.0;
/// Rotations of a seed that are not "first note on the downbeat" score this much worse.
const ROTATION_PENALTY: f32 = 0.01;

/// Live notes as loop notes at the looper's tempo (`bpm`, clamped to 20..=400).
///
/// The seed is taken to start on a downbeat at its first note, put on the 16th grid that fits
/// the onsets best: the grid's phase is the circular mean of the onsets' positions within a
/// 16th (relative to the first note), so a first note played a little early or late does not
/// shift the whole seed; a first note played early (before beat 0) goes to the loop's end, as
/// in a segment. A note without a duration lasts until the next onset of its key, at most 1
/// beat (the last one half a beat). The length is the last note's end, less an 8th of
/// tolerance, rounded up to whole beats and clamped to 4..=16; of a longer seed the last 16
/// beats are kept. Notes are cut at the end. Velocity-0 notes are left out.
pub fn notes_from_live(notes: &[LiveNote], bpm: f64) -> (Vec<LoopNote>, f64) {
    let bpm = if bpm.is_finite() {
        bpm.clamp(20.0, 400.0)
    } else {
        120.0
    };
    let mut live: Vec<LiveNote> = notes
        .iter()
        .filter(|n| n.velocity > 0 && n.ms.is_finite())
        .copied()
        .collect();
    if live.is_empty() {
        return (Vec::new(), MIN_BEATS);
    }
    live.sort_by(|a, b| a.ms.total_cmp(&b.ms));
    let origin = live[0].ms;
    let to_beats = |ms: f64| ms * bpm / 60_000.0;
    // The 16th grid's phase: the circular mean of the onsets within a 16th.
    let (mut cs, mut sn) = (0.0, 0.0);
    for n in &live {
        let a = to_beats(n.ms - origin) / GRID * std::f64::consts::TAU;
        cs += a.cos();
        sn += a.sin();
    }
    let strength = (cs * cs + sn * sn).sqrt() / live.len() as f64;
    let phase = if strength > 0.3 {
        sn.atan2(cs) / std::f64::consts::TAU * GRID
    } else {
        0.0
    };
    let mut out: Vec<LoopNote> = Vec::with_capacity(live.len());
    for (i, n) in live.iter().enumerate() {
        let beat = to_beats(n.ms - origin) - phase;
        let dur = match n.duration_ms.filter(|d| d.is_finite() && *d > 0.0) {
            Some(d) => to_beats(d),
            None => live[i + 1..]
                .iter()
                .find(|m| m.key == n.key && m.channel == n.channel)
                .map_or(LAST_NOTE_BEATS, |m| {
                    to_beats(m.ms - n.ms).min(DEFAULT_MAX_BEATS)
                }),
        };
        out.push(LoopNote {
            beat,
            beats: dur.max(MIN_NOTE_BEATS),
            channel: n.channel.min(15),
            key: n.key.min(127),
            velocity: n.velocity.min(127),
        });
    }
    let end = out
        .iter()
        .map(|n| (n.beat + n.beats).max(n.beat + MIN_NOTE_BEATS))
        .fold(0.0, f64::max);
    let mut beats = (end - END_TOLERANCE).ceil().max(MIN_BEATS);
    let last_onset = out.iter().map(|n| n.beat).fold(0.0, f64::max);
    if beats <= last_onset {
        beats = last_onset.floor() + 1.0;
    }
    if beats > MAX_BEATS {
        let start = beats - MAX_BEATS;
        out.retain(|n| n.beat >= start - 1e-9);
        for n in &mut out {
            n.beat = (n.beat - start).max(0.0);
        }
        beats = MAX_BEATS;
    }
    for n in &mut out {
        if n.beat < 0.0 {
            n.beat += beats; // played just before the first downbeat: the loop's end
        }
    }
    out.sort_by(|a, b| a.beat.total_cmp(&b.beat));
    for n in &mut out {
        n.beats = n
            .beats
            .min(beats - n.beat)
            .max(MIN_NOTE_BEATS.min(beats - n.beat));
    }
    out.retain(|n| n.beat < beats && n.beats > 0.0);
    (out, beats)
}

/// The notes rotated by `shift` beats around a loop of `beats` (a note crossing the end is cut).
fn rotate(notes: &[LoopNote], beats: f64, shift: f64) -> Vec<LoopNote> {
    let mut v: Vec<LoopNote> = notes
        .iter()
        .map(|n| {
            let beat = (n.beat + shift) % beats;
            LoopNote {
                beat,
                beats: n.beats.min(beats - beat),
                ..*n
            }
        })
        .filter(|n| n.beats > 0.0)
        .collect();
    v.sort_by(|a, b| a.beat.total_cmp(&b.beat));
    v
}

/// The `k` segments nearest to what was played (see [`notes_from_live`]), nearest first, with
/// their cosine distances. Where the seed's downbeat is is not known, so the seed is also tried
/// rotated by every 16th of a 4-beat bar (each rotation but none scoring 0.01 worse) and each
/// segment keeps its best. Fewer than 2 notes, or a tempo out of 20..=400, is an error.
pub fn seed_segments(
    corpus: &Corpus,
    notes: &[LiveNote],
    bpm: f64,
    k: usize,
) -> Result<Vec<(usize, f32)>> {
    check_bpm(bpm)?;
    let played = notes.iter().filter(|n| n.velocity > 0).count();
    if played < 2 {
        return Err(Error::invalid(format!(
            "a seed needs at least 2 notes; {played} were played"
        )));
    }
    let (loop_notes, beats) = notes_from_live(notes, bpm);
    let mut queries = Vec::new();
    for r in 0..16 {
        let shift = r as f64 * 0.25;
        let mut e = corpus.embed_notes(&rotate(&loop_notes, beats, shift), beats)?;
        normalize(&mut e);
        queries.push((e, if r == 0 { 0.0 } else { ROTATION_PENALTY }));
    }
    let mut all: Vec<(usize, f32)> = (0..corpus.len())
        .map(|i| {
            let e = corpus.embedding(i);
            let d = queries
                .iter()
                .map(|(q, pen)| cos_dist(dot(q, e)) + pen)
                .fold(f32::INFINITY, f32::min);
            (i, d)
        })
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    all.truncate(k);
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live(ms: f64, key: u8) -> LiveNote {
        LiveNote {
            ms,
            key,
            velocity: 90,
            channel: 0,
            duration_ms: None,
        }
    }

    #[test]
    fn live_notes_become_beats_at_the_tempo() {
        // 120 BPM: 500 ms a beat. Notes at 1000, 1500, ..., 4500 ms: beats 0..7.
        let notes: Vec<LiveNote> = (0..8)
            .map(|i| live(1000.0 + 500.0 * i as f64, 60))
            .collect();
        let (ln, beats) = notes_from_live(&notes, 120.0);
        assert_eq!(beats, 8.0);
        assert_eq!(ln.len(), 8);
        assert!((ln[3].beat - 3.0).abs() < 1e-9 && (ln[3].beats - 1.0).abs() < 1e-9);
        assert!(
            (ln[7].beats - 0.5).abs() < 1e-9,
            "the last note: half a beat"
        );
        // Too short is padded to 4 beats; too long keeps the last 16 beats.
        assert_eq!(notes_from_live(&notes[..2], 120.0).1, 4.0);
        let long: Vec<LiveNote> = (0..40)
            .map(|i| live(500.0 * i as f64, 60 + i as u8))
            .collect();
        let (ln, beats) = notes_from_live(&long, 120.0);
        assert_eq!(beats, 16.0);
        assert_eq!(ln.last().unwrap().key, 99);
        assert!(ln.iter().all(|n| n.beat >= 0.0 && n.beat < 16.0));
        assert!(ln.iter().all(|n| n.beat + n.beats <= 16.0 + 1e-9));
    }
}
