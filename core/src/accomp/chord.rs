//! Chord symbols for the accompanist's chord track: `ROOT:QUALITY` (`C:maj7`, `A:min7`,
//! `G:7`, `F#:dim`, `Bb:maj`; a bare root is major), or from the pitch classes that sound (a
//! chord played on a MIDI channel), by the template they fit best. The training data's chords
//! (models/train/accomp_corpus.py) are named with the same templates.

use crate::error::{Error, Result};

/// The qualities, each as pitch classes above the root (the same table as QUALITIES in
/// models/train/accomp_corpus.py).
pub const QUALITIES: [(&str, &[u8]); 10] = [
    ("maj", &[0, 4, 7]),
    ("min", &[0, 3, 7]),
    ("dim", &[0, 3, 6]),
    ("aug", &[0, 4, 8]),
    ("7", &[0, 4, 7, 10]),
    ("maj7", &[0, 4, 7, 11]),
    ("min7", &[0, 3, 7, 10]),
    ("hdim7", &[0, 3, 6, 10]),
    ("dim7", &[0, 3, 6, 9]),
    ("sus4", &[0, 5, 7]),
];

/// Other spellings performers use for the qualities.
const ALIASES: [(&str, &str); 12] = [
    ("", "maj"),
    ("M", "maj"),
    ("m", "min"),
    ("-", "min"),
    ("dom7", "7"),
    ("M7", "maj7"),
    ("m7", "min7"),
    ("-7", "min7"),
    ("m7b5", "hdim7"),
    ("o", "dim"),
    ("o7", "dim7"),
    ("+", "aug"),
];

const NAMES: [&str; 12] = [
    "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
];

/// A chord: its root's pitch class (0 = C) and its quality (an index into [`QUALITIES`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    pub root: u8,
    pub quality: u8,
}

impl Chord {
    /// How many chords there are (12 roots x the qualities).
    pub const COUNT: usize = 12 * QUALITIES.len();

    /// Parse `ROOT[:QUALITY]`: a letter A-G, then `#`/`b` any number of times, then `:` and a
    /// quality (or one of its other spellings: `m7`, `-7`, `M7`, `dom7`, `m7b5`, `o7`, `+`).
    pub fn parse(text: &str) -> Result<Chord> {
        let bad = |why: &str| {
            Error::invalid(format!(
                "chord {text:?}: {why} (write ROOT:QUALITY, e.g. C:maj7 A:min7 G:7; qualities: {})",
                QUALITIES.map(|q| q.0).join(" ")
            ))
        };
        let (root_text, quality) = match text.split_once(':') {
            Some((r, q)) => (r, q),
            None => (text, ""),
        };
        let mut chars = root_text.chars();
        let letter = chars.next().ok_or_else(|| bad("no root"))?;
        let mut pc: i32 = match letter.to_ascii_uppercase() {
            'C' => 0,
            'D' => 2,
            'E' => 4,
            'F' => 5,
            'G' => 7,
            'A' => 9,
            'B' => 11,
            _ => return Err(bad("the root is not a letter A-G")),
        };
        for c in chars {
            pc += match c {
                '#' => 1,
                'b' => -1,
                _ => return Err(bad("the root's accidentals are # or b")),
            };
        }
        let quality = ALIASES
            .iter()
            .find(|a| a.0 == quality)
            .map_or(quality, |a| a.1);
        let q = QUALITIES
            .iter()
            .position(|(name, _)| *name == quality)
            .ok_or_else(|| bad(&format!("unknown quality {quality:?}")))?;
        Ok(Chord {
            root: pc.rem_euclid(12) as u8,
            quality: q as u8,
        })
    }

    /// The chord whose template best fits the pitch classes sounding: most of its tones
    /// present, fewest tones outside it, fewest of its tones missing, the bass as its root.
    /// None for fewer than two pitch classes.
    pub fn from_pitches(pitches: &[u8]) -> Option<Chord> {
        let mut set = [false; 12];
        for &p in pitches {
            set[usize::from(p % 12)] = true;
        }
        if set.iter().filter(|&&x| x).count() < 2 {
            return None;
        }
        let bass = pitches.iter().min()? % 12;
        let mut best: Option<((i32, i32, bool, i32), Chord)> = None;
        for root in 0..12u8 {
            for (qi, (_, tmpl)) in QUALITIES.iter().enumerate() {
                let mut t = [false; 12];
                for i in tmpl.iter() {
                    t[usize::from((root + i) % 12)] = true;
                }
                let both = (0..12).filter(|&k| t[k] && set[k]).count() as i32;
                let outside = (0..12).filter(|&k| set[k] && !t[k]).count() as i32;
                let missing = (0..12).filter(|&k| t[k] && !set[k]).count() as i32;
                let key = (both - outside, -missing, root == bass, -(qi as i32));
                if best.as_ref().is_none_or(|b| key > b.0) {
                    best = Some((
                        key,
                        Chord {
                            root,
                            quality: qi as u8,
                        },
                    ));
                }
            }
        }
        best.map(|b| b.1)
    }

    /// Its index among all chords, 0..[`Chord::COUNT`].
    pub fn index(self) -> usize {
        usize::from(self.root) * QUALITIES.len() + usize::from(self.quality)
    }

    pub fn from_index(i: usize) -> Option<Chord> {
        (i < Self::COUNT).then(|| Chord {
            root: (i / QUALITIES.len()) as u8,
            quality: (i % QUALITIES.len()) as u8,
        })
    }

    /// The same chord `semitones` up.
    pub fn transposed(self, semitones: i32) -> Chord {
        Chord {
            root: (i32::from(self.root) + semitones).rem_euclid(12) as u8,
            ..self
        }
    }

    /// Its pitch classes.
    pub fn pitch_classes(self) -> impl Iterator<Item = u8> {
        QUALITIES[usize::from(self.quality)]
            .1
            .iter()
            .map(move |i| (self.root + i) % 12)
    }

    /// Whether MIDI note `pitch` is one of its tones.
    pub fn has(self, pitch: u8) -> bool {
        self.pitch_classes().any(|pc| pc == pitch % 12)
    }
}

impl std::fmt::Display for Chord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}",
            NAMES[usize::from(self.root)],
            QUALITIES[usize::from(self.quality)].0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_parse_print_and_refuse() {
        for (text, shown) in [
            ("C:maj7", "C:maj7"),
            ("A:min7", "A:min7"),
            ("G:7", "G:7"),
            ("F#:dim", "F#:dim"),
            ("Bb", "Bb:maj"),
            ("Db:m7", "C#:min7"),
            ("B:m7b5", "B:hdim7"),
            ("Cb:M7", "B:maj7"),
        ] {
            assert_eq!(Chord::parse(text).unwrap().to_string(), shown, "{text}");
        }
        for bad in ["H:maj", "C:maj9", "", "C$:min", ":min"] {
            let e = Chord::parse(bad).unwrap_err().to_string();
            assert!(
                e.contains("chord") && e.contains("ROOT:QUALITY"),
                "{bad}: {e}"
            );
        }
        for i in 0..Chord::COUNT {
            let c = Chord::from_index(i).unwrap();
            assert_eq!(c.index(), i);
            assert_eq!(Chord::parse(&c.to_string()).unwrap(), c);
        }
        assert_eq!(Chord::from_index(Chord::COUNT), None);
    }

    #[test]
    fn sounding_pitches_name_their_chord() {
        let c = |s: &str| Chord::parse(s).unwrap();
        assert_eq!(Chord::from_pitches(&[48, 52, 55]), Some(c("C:maj")));
        assert_eq!(Chord::from_pitches(&[57, 60, 64, 67]), Some(c("A:min7")));
        assert_eq!(Chord::from_pitches(&[43, 59, 62, 65]), Some(c("G:7")));
        // an inversion keeps its root; two notes are enough, one is not
        assert_eq!(Chord::from_pitches(&[52, 55, 60]), Some(c("C:maj")));
        assert_eq!(Chord::from_pitches(&[60, 67]), Some(c("C:maj")));
        assert_eq!(Chord::from_pitches(&[60, 72]), None);
        assert!(c("G:7").has(65) && !c("G:7").has(64));
        assert_eq!(c("Bb:maj").transposed(3), c("C#:maj"));
    }
}
