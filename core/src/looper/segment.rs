//! Cutting a MIDI file into loopable segments, and labelling them.

use super::{LoopNote, Segment, MAX_BEATS, MIN_BEATS};
use crate::error::{Error, Result};
use crate::midi::{MidiFile, DRUM_CHANNEL};

/// The length a long file's segments aim at: the whole number of bars closest to 8 quarter
/// notes (2 bars of 4/4, 3 bars of 3/4, 2 bars of 5/4, 4 bars of 2/4, 1 bar of 12/8...).
pub const SEGMENT_TARGET_BEATS: f64 = 8.0;

/// The shortest note a segment keeps (a note-off on its note-on's tick), in quarter notes.
const MIN_NOTE_BEATS: f64 = 1.0 / 64.0;
/// How far a note may end past a bar line without making the file a bar longer.
const END_TOLERANCE: f64 = 1.0 / 8.0;

/// Labels of a file from its path relative to the corpus folder: every folder name between the
/// corpus folder and the file, then the words of the file name without its extension (split on
/// `_`, `-`, space and `.`), lowercased, without duplicates; words made of digits only (take
/// numbers, tempos, `4-4`) are left out.
pub fn labels_for(relative: &str) -> Vec<String> {
    let parts: Vec<&str> = relative
        .split(['/', '\\'])
        .filter(|p| !p.is_empty())
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut push = |w: &str| {
        let w = w.trim().to_lowercase();
        if !w.is_empty() && !out.contains(&w) {
            out.push(w);
        }
    };
    if let Some((file, folders)) = parts.split_last() {
        for f in folders {
            push(f);
        }
        let stem = match file.rfind('.') {
            Some(i) if i > 0 => &file[..i],
            _ => file,
        };
        for w in stem.split(['_', '-', ' ', '.']) {
            if w.chars().any(|c| c.is_alphabetic()) {
                push(w);
            }
        }
    }
    out
}

/// The meter at the file's start (4/4 if it sets none there).
fn meter(file: &MidiFile) -> (u8, u8) {
    file.time_signatures
        .iter()
        .take_while(|s| s.beat <= 0.0)
        .last()
        .filter(|s| s.numerator > 0 && s.denominator > 0)
        .map_or((4, 4), |s| (s.numerator, s.denominator))
}

/// The file's length in quarter notes: the End-of-Track when it falls on a whole beat (within a
/// 64th) after the last onset, else the last note's end rounded up to the bar (a note ending at
/// most an 8th past a bar line does not add a bar).
pub(crate) fn file_beats(file: &MidiFile, bar: f64) -> f64 {
    let last_onset = file.notes.iter().map(|n| n.beat).fold(0.0, f64::max);
    let last_end = file.notes.iter().map(|n| n.end_beat).fold(0.0, f64::max);
    let eot = file.track_end_beat;
    if (eot - eot.round()).abs() <= 1.0 / 64.0 && eot.round() > last_onset {
        return eot.round();
    }
    let bars = ((last_end - END_TOLERANCE) / bar).ceil().max(1.0);
    let len = bars * bar;
    if len > last_onset {
        len
    } else {
        ((last_onset / bar).floor() + 1.0) * bar
    }
}

/// Cut a parsed file into segments (see `docs/looper.md`):
///
/// - its length (see above) is 4..=16 quarter notes: one segment, the whole file;
/// - longer: consecutive, non-overlapping cuts of whole bars, as many bars as come closest to
///   [`SEGMENT_TARGET_BEATS`] (from the meter at the file's start; a bar longer than 16 quarter
///   notes is cut in 8s); a last cut shorter than that is kept when it is at least 4 quarter
///   notes, dropped otherwise; cuts without a note are dropped;
/// - shorter than 4 quarter notes: an error, "too short".
///
/// Notes keep their onset relative to the cut and are cut at its end.
pub fn segment_file(file: &MidiFile, source: &str, labels: &[String]) -> Result<Vec<Segment>> {
    if file.notes.is_empty() {
        return Err(Error::invalid("no notes"));
    }
    let (num, den) = meter(file);
    let bar = num as f64 * 4.0 / den as f64;
    let total = file_beats(file, bar);
    if total < MIN_BEATS - 1e-9 {
        return Err(Error::invalid(format!(
            "too short: {total} quarter notes, a segment needs at least {MIN_BEATS}"
        )));
    }
    let cut = if total <= MAX_BEATS + 1e-9 {
        total
    } else if bar > MAX_BEATS {
        SEGMENT_TARGET_BEATS
    } else {
        let bars = (SEGMENT_TARGET_BEATS / bar).round().max(1.0);
        let mut len = bars * bar;
        while len > MAX_BEATS {
            len -= bar;
        }
        while len < MIN_BEATS {
            len += bar;
        }
        len
    };
    let drums_only = file.notes.iter().all(|n| n.channel == DRUM_CHANNEL);
    let bpm_at = |beat: f64| {
        file.tempos
            .iter()
            .take_while(|t| t.beat <= beat + 1e-9)
            .last()
            .map_or_else(|| file.initial_bpm(), |t| t.bpm)
    };
    let mut out = Vec::new();
    let mut start = 0.0;
    let mut index = 0;
    let mut next_note = 0;
    while start < total - 1e-9 {
        let len = cut.min(total - start);
        if len < MIN_BEATS - 1e-9 {
            break;
        }
        let end = start + len;
        // Notes are sorted by onset: those starting in [start, end).
        while next_note < file.notes.len() && file.notes[next_note].beat < start {
            next_note += 1;
        }
        let mut notes = Vec::new();
        let mut j = next_note;
        while j < file.notes.len() && file.notes[j].beat < end {
            let n = &file.notes[j];
            let beat = n.beat - start;
            let beats = (n.end_beat.min(end) - n.beat)
                .max(MIN_NOTE_BEATS)
                .min(len - beat);
            notes.push(LoopNote {
                beat,
                beats,
                channel: n.channel,
                key: n.key,
                velocity: n.velocity.max(1),
            });
            j += 1;
        }
        if !notes.is_empty() {
            notes.sort_by(|a, b| a.beat.total_cmp(&b.beat));
            out.push(Segment {
                source: source.to_string(),
                index,
                start_beat: start,
                beats: len,
                bpm: bpm_at(start),
                meter: (num, den),
                labels: labels.to_vec(),
                drums: drums_only,
                notes,
            });
        }
        index += 1;
        start = end;
    }
    if out.is_empty() {
        return Err(Error::invalid("no segment with notes"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_folders_and_name_words() {
        assert_eq!(
            labels_for("Funk/Live takes/take_3-Slow Groove.v2.mid"),
            ["funk", "live takes", "take", "slow", "groove", "v2"]
        );
        assert_eq!(
            labels_for("drummer1/session1/1_funk_80_beat_4-4.mid"),
            ["drummer1", "session1", "funk", "beat"]
        );
        assert!(labels_for("").is_empty());
    }
}
