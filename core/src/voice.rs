//! The 9 drum voices of the GrooVAE reduction and the note-number mapping.

use crate::error::{Error, ErrorKind, Result};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Number of drum voices.
pub const VOICES: usize = 9;

/// A drum note as a General MIDI module plays it: the GMD's Roland TD-11 notes that General
/// MIDI lacks (22 and 26, the hats' edges) or means otherwise (58, tom 3's rim: a vibraslap in
/// General MIDI) become their voice's General MIDI note; every other note stays.
pub fn gm_drum_note(note: u8) -> u8 {
    match Voice::from_note(note) {
        Some(v) if !(35..=81).contains(&note) || note == 58 => v.gm_note(),
        _ => note,
    }
}

/// The voices' names in tensor order: what messages, files and OSC addresses call them.
pub const NAMES: [&str; VOICES] = [
    "kick",
    "snare",
    "closed_hat",
    "open_hat",
    "low_tom",
    "mid_tom",
    "high_tom",
    "crash",
    "ride",
];

/// One of the 9 drum voices, in the order of the model's tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Voice {
    Kick = 0,
    Snare = 1,
    ClosedHat = 2,
    OpenHat = 3,
    LowTom = 4,
    MidTom = 5,
    HighTom = 6,
    Crash = 7,
    Ride = 8,
}

impl Voice {
    /// All voices in tensor order.
    pub const ALL: [Voice; VOICES] = [
        Voice::Kick,
        Voice::Snare,
        Voice::ClosedHat,
        Voice::OpenHat,
        Voice::LowTom,
        Voice::MidTom,
        Voice::HighTom,
        Voice::Crash,
        Voice::Ride,
    ];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn from_index(i: usize) -> Result<Voice> {
        Voice::ALL
            .get(i)
            .copied()
            .ok_or_else(|| Error::new(ErrorKind::UnknownVoice(format!("index {i} (0..8)"))))
    }

    /// The canonical name used in messages, files and OSC addresses.
    pub fn name(self) -> &'static str {
        NAMES[self as usize]
    }

    /// Short names accepted everywhere a voice is named (case-insensitive, `-`/`_`/space ignored).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Voice::Kick => &["kick", "bd", "bassdrum", "kickdrum"],
            Voice::Snare => &["snare", "sd", "sn", "snaredrum"],
            Voice::ClosedHat => &[
                "closedhat",
                "closedhihat",
                "chh",
                "ch",
                "hh",
                "hihat",
                "hat",
            ],
            Voice::OpenHat => &["openhat", "openhihat", "ohh", "oh"],
            Voice::LowTom => &["lowtom", "floortom", "lt", "ft"],
            Voice::MidTom => &["midtom", "mt"],
            Voice::HighTom => &["hightom", "hitom", "ht"],
            Voice::Crash => &["crash", "cr", "cy", "cymbal"],
            Voice::Ride => &["ride", "rd"],
        }
    }

    /// The note written for this voice when a pattern becomes MIDI (General MIDI drum map).
    pub fn gm_note(self) -> u8 {
        match self {
            Voice::Kick => 36,
            Voice::Snare => 38,
            Voice::ClosedHat => 42,
            Voice::OpenHat => 46,
            Voice::LowTom => 43,
            Voice::MidTom => 47,
            Voice::HighTom => 50,
            Voice::Crash => 49,
            Voice::Ride => 51,
        }
    }

    /// The voice a drum note number maps to: the GrooVAE reduction of the Roland TD-11 map, plus
    /// the General MIDI notes it leaves out (see docs/representation.md for the table).
    pub fn from_note(note: u8) -> Option<Voice> {
        Some(match note {
            // GrooVAE (Roland TD-11) reduction
            36 => Voice::Kick,
            38 | 37 | 40 => Voice::Snare,
            42 | 22 | 44 => Voice::ClosedHat,
            46 | 26 => Voice::OpenHat,
            43 | 58 => Voice::LowTom,
            47 | 45 => Voice::MidTom,
            50 | 48 => Voice::HighTom,
            49 | 52 | 55 | 57 => Voice::Crash,
            51 | 53 | 59 => Voice::Ride,
            // General MIDI notes outside the TD-11 map
            35 => Voice::Kick,   // acoustic bass drum
            39 => Voice::Snare,  // hand clap
            41 => Voice::LowTom, // low floor tom
            _ => return None,
        })
    }

    /// Parse a voice from a name, alias, index (`0`..`8`) or GM note number (`35`..`59`).
    pub fn parse(s: &str) -> Result<Voice> {
        let norm: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        if let Ok(n) = norm.parse::<u32>() {
            if n < VOICES as u32 {
                return Voice::from_index(n as usize);
            }
            if let Some(v) = u8::try_from(n).ok().and_then(Voice::from_note) {
                return Ok(v);
            }
        }
        for v in Voice::ALL {
            if v.aliases().contains(&norm.as_str()) {
                return Ok(v);
            }
        }
        Err(Error::new(ErrorKind::UnknownVoice(format!(
            "'{s}' (expected one of: {})",
            Voice::ALL.map(|v| v.name()).join(", ")
        ))))
    }
}

impl fmt::Display for Voice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Voice {
    type Err = Error;
    fn from_str(s: &str) -> Result<Voice> {
        Voice::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groovae_reduction_table() {
        let table: [(Voice, &[u8]); 9] = [
            (Voice::Kick, &[36]),
            (Voice::Snare, &[38, 37, 40]),
            (Voice::ClosedHat, &[42, 22, 44]),
            (Voice::OpenHat, &[46, 26]),
            (Voice::LowTom, &[43, 58]),
            (Voice::MidTom, &[47, 45]),
            (Voice::HighTom, &[50, 48]),
            (Voice::Crash, &[49, 52, 55, 57]),
            (Voice::Ride, &[51, 53, 59]),
        ];
        for (voice, notes) in table {
            for &n in notes {
                assert_eq!(Voice::from_note(n), Some(voice), "note {n}");
            }
            assert_eq!(Voice::from_note(voice.gm_note()), Some(voice));
        }
        assert_eq!(Voice::from_note(60), None);
        assert_eq!(Voice::from_note(54), None); // tambourine: no voice
    }

    #[test]
    fn parse_names_aliases_numbers() {
        assert_eq!(Voice::parse("Closed-Hat").unwrap(), Voice::ClosedHat);
        assert_eq!(Voice::parse("BD").unwrap(), Voice::Kick);
        assert_eq!(Voice::parse("8").unwrap(), Voice::Ride);
        assert_eq!(Voice::parse("38").unwrap(), Voice::Snare);
        let err = Voice::parse("cowbell").unwrap_err();
        assert!(err.to_string().contains("unknown voice 'cowbell'"), "{err}");
        assert!(Voice::parse("60").is_err());
    }
}
