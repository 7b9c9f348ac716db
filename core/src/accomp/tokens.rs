//! The accompanist's events and tokens, after the Anticipatory Music Transformer (Thickstun et
//! al. 2023) and its live adaptation: every event is a (time, duration, note) triple; the
//! sequence is ordered by *arrival*, when the model gets to know an event:
//!
//! - a part it plays (bass, inner voices, melody) arrives at its own time;
//! - a chord of the chord track is *anticipated*: it arrives [`DELTA1`] (a beat) before it
//!   sounds, so the model plays towards the next chord;
//! - a performer's note is *delayed*: it arrives `delta2` after it was played (one of
//!   [`DELTA2_CHOICES`]), the time the accompanist generates ahead of the playhead.
//!
//! Time is in ticks, [`TICKS_PER_BEAT`] to a quarter note (16ths and triplets both fall on it).
//! Each event is three tokens: the time since the event before it arrived (a shift), its
//! duration, and what it is (a part's note, a chord, a performer's note). A sequence starts
//! with `BOS`, who plays what ([`Setup`]) and the delta2 token. Training data
//! (`bandmate accomp-dataset`) and the live accompanist tokenize with this one module.

use super::chord::Chord;
use crate::error::{Error, Result};

/// Ticks to a quarter note.
pub const TICKS_PER_BEAT: u32 = 12;
/// How far ahead chords are known: a beat, so the latest chord the model has seen is the one
/// sounding or the next (a whole bar, tried first, left a small model unsure which chord
/// sounds now: 37-47 % chord tones over a 4-chord track after 28 minutes' training).
pub const DELTA1: u32 = TICKS_PER_BEAT;
/// The delays a performer's notes may have (half a beat, 1, 2, 4 beats): the model is told which.
pub const DELTA2_CHOICES: [u32; 4] = [6, 12, 24, 48];
/// The longest shift between arrivals, and the longest duration (8 beats).
pub const MAX_SHIFT: u32 = 95;
pub const MAX_DURATION: u32 = 96;
/// The parts the model plays: bass, inner voices, melody (a counter-melody when a performer
/// plays).
pub const ROLES: [&str; 3] = ["bass", "inner", "melody"];

pub const PAD: u16 = 0;
pub const BOS: u16 = 1;
/// A performer plays (their notes are the melody's place); the model plays bass and inner.
pub const SETUP_ACCOMPANY: u16 = 2;
/// No performer: the model plays bass, inner and melody.
pub const SETUP_ALONE: u16 = 3;
pub const DELTA2_BASE: u16 = 4;
pub const SHIFT_BASE: u16 = DELTA2_BASE + DELTA2_CHOICES.len() as u16;
pub const DURATION_BASE: u16 = SHIFT_BASE + MAX_SHIFT as u16 + 1;
pub const PART_BASE: u16 = DURATION_BASE + MAX_DURATION as u16;
pub const HUMAN_BASE: u16 = PART_BASE + 128 * ROLES.len() as u16;
pub const CHORD_BASE: u16 = HUMAN_BASE + 128;
pub const VOCAB: usize = CHORD_BASE as usize + Chord::COUNT;

/// Who plays what.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setup {
    Accompany,
    Alone,
}

impl Setup {
    pub fn token(self) -> u16 {
        match self {
            Setup::Accompany => SETUP_ACCOMPANY,
            Setup::Alone => SETUP_ALONE,
        }
    }
}

/// What an event is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum What {
    /// A chord of the chord track (anticipated).
    Chord(u16),
    /// A performer's note (delayed).
    Human(u8),
    /// A note of a part the model plays: role (0 bass, 1 inner, 2 melody) and pitch.
    Part(u8, u8),
}

impl What {
    pub fn chord(c: Chord) -> What {
        What::Chord(c.index() as u16)
    }

    /// Its token.
    pub fn token(self) -> u16 {
        match self {
            What::Chord(c) => CHORD_BASE + c,
            What::Human(p) => HUMAN_BASE + u16::from(p),
            What::Part(r, p) => PART_BASE + u16::from(r) * 128 + u16::from(p),
        }
    }

    /// The event a token says, if it is one.
    pub fn of_token(t: u16) -> Option<What> {
        match t {
            _ if (PART_BASE..HUMAN_BASE).contains(&t) => {
                let i = t - PART_BASE;
                Some(What::Part((i / 128) as u8, (i % 128) as u8))
            }
            _ if (HUMAN_BASE..CHORD_BASE).contains(&t) => Some(What::Human((t - HUMAN_BASE) as u8)),
            _ if (CHORD_BASE as usize..VOCAB).contains(&usize::from(t)) => {
                Some(What::Chord(t - CHORD_BASE))
            }
            _ => None,
        }
    }

    /// How far after its own time it arrives (negative: anticipated).
    pub fn lag(self, delta2: u32) -> i64 {
        match self {
            What::Chord(_) => -i64::from(DELTA1),
            What::Human(_) => i64::from(delta2),
            What::Part(..) => 0,
        }
    }
}

/// One event: when it starts and how long it lasts (ticks), and what it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub time: i64,
    pub duration: u32,
    pub what: What,
}

impl Event {
    /// When the model gets to know it.
    pub fn arrival(&self, delta2: u32) -> i64 {
        self.time + self.what.lag(delta2)
    }
}

/// The delta2 token for a delay in ticks (one of [`DELTA2_CHOICES`]).
pub fn delta2_token(delta2: u32) -> Result<u16> {
    DELTA2_CHOICES
        .iter()
        .position(|&d| d == delta2)
        .map(|i| DELTA2_BASE + i as u16)
        .ok_or_else(|| {
            Error::invalid(format!(
                "delta2 {delta2} ticks is not one the model knows ({DELTA2_CHOICES:?} at {TICKS_PER_BEAT} a beat)"
            ))
        })
}

pub fn shift_token(shift: i64) -> u16 {
    SHIFT_BASE + shift.clamp(0, i64::from(MAX_SHIFT)) as u16
}

pub fn duration_token(duration: u32) -> u16 {
    DURATION_BASE + (duration.clamp(1, MAX_DURATION) - 1) as u16
}

/// Arrival order: by arrival, then chords before performer notes before parts (what is known
/// comes first), then by pitch.
pub fn sort_by_arrival(events: &mut [Event], delta2: u32) {
    events.sort_by_key(|e| (e.arrival(delta2), e.what, e.time, e.duration));
}

/// A whole sequence: the header, then each event's shift, duration and token, in arrival
/// order. Also says, for every token, whether it is the model's to predict (a part's).
pub fn tokenize(events: &[Event], setup: Setup, delta2: u32) -> Result<(Vec<u16>, Vec<bool>)> {
    let mut events = events.to_vec();
    sort_by_arrival(&mut events, delta2);
    let mut tokens = vec![BOS, setup.token(), delta2_token(delta2)?];
    let mut ours = vec![false; 3];
    let mut last = events.first().map_or(0, |e| e.arrival(delta2));
    for e in &events {
        let a = e.arrival(delta2);
        tokens.extend([
            shift_token(a - last),
            duration_token(e.duration),
            e.what.token(),
        ]);
        ours.extend([matches!(e.what, What::Part(..)); 3]);
        // a gap longer than a shift holds: the clock follows the tokens, as the model's does
        last += (a - last).clamp(0, i64::from(MAX_SHIFT));
    }
    Ok((tokens, ours))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_is_laid_out_without_overlap() {
        assert_eq!(SHIFT_BASE, 8);
        assert_eq!(DURATION_BASE, 104);
        assert_eq!(PART_BASE, 200);
        assert_eq!(HUMAN_BASE, 584);
        assert_eq!(CHORD_BASE, 712);
        assert_eq!(VOCAB, 832);
        for w in [
            What::Part(2, 127),
            What::Human(0),
            What::Chord(119),
            What::Part(0, 0),
        ] {
            assert_eq!(What::of_token(w.token()), Some(w));
        }
        assert_eq!(What::of_token(PART_BASE - 1), None);
        assert_eq!(What::of_token(VOCAB as u16), None);
    }

    #[test]
    fn chords_arrive_a_beat_early_and_the_performer_late() {
        let c = Chord::parse("G:7").unwrap();
        let events = [
            Event {
                time: 0,
                duration: 12,
                what: What::Part(0, 43),
            },
            Event {
                time: 12,
                duration: 48,
                what: What::chord(c),
            },
            Event {
                time: 6,
                duration: 6,
                what: What::Human(67),
            },
            Event {
                time: 12,
                duration: 12,
                what: What::Part(1, 59),
            },
        ];
        let (t, ours) = tokenize(&events, Setup::Accompany, 12).unwrap();
        assert_eq!(&t[..3], &[BOS, SETUP_ACCOMPANY, DELTA2_BASE + 1]);
        // arrivals: chord 0, bass 0, inner 12, performer 18 (its time 6 + 12)
        let whats: Vec<Option<What>> = t[3..].chunks(3).map(|e| What::of_token(e[2])).collect();
        assert_eq!(
            whats,
            vec![
                Some(What::chord(c)),
                Some(What::Part(0, 43)),
                Some(What::Part(1, 59)),
                Some(What::Human(67))
            ]
        );
        let shifts: Vec<u16> = t[3..].chunks(3).map(|e| e[0] - SHIFT_BASE).collect();
        assert_eq!(shifts, vec![0, 0, 12, 6]);
        assert_eq!(t[4], duration_token(48));
        assert_eq!(ours[3..6], [false; 3]);
        assert_eq!(ours[6..12], [true; 6]);
        assert!(tokenize(&events, Setup::Alone, 7).is_err());
    }
}
