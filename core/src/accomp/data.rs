//! The accompanist's training data: the works `models/train/accomp_corpus.py` read from
//! music21's corpus (`events.json`), tokenized by [`super::tokens`] into one folder per split
//! (`bandmate accomp-dataset`):
//!
//! - `SPLIT/tokens.npy`: every sequence's tokens one after the other (`uint16`);
//! - `SPLIT/ours.npy`: 1 where a token is the model's to predict (a part's event), `uint8`;
//! - `SPLIT/sequences.json`: each sequence's start and length, work, transposition, setup and
//!   delta2;
//! - `manifest.json`: the format, the vocabulary's layout and the data's source.
//!
//! The train split has each work in 12 transpositions (-6..+5 semitones, those that keep every
//! note in MIDI's range), each with its own setup (a performer playing the melody 70 % of the
//! time, the model alone otherwise) and delta2, drawn from a fixed seed. Validation and test
//! have each work as written, twice: accompanying with delta2 one beat, and alone.

use super::chord::Chord;
use super::tokens::{self, Event, Setup, What, DELTA2_CHOICES, TICKS_PER_BEAT};
use crate::error::{Error, Result};
use crate::fsutil;
use crate::npy::{write_npy, NpyData};
use crate::rng::Rng;
use serde::Deserialize;
use serde_json::json;
use std::path::Path;

pub const FORMAT: &str = "bandmate-accomp-tokens";
pub const VERSION: u32 = 1;
pub const SPLITS: [&str; 3] = ["train", "validation", "test"];

#[derive(Deserialize)]
struct EventsFile {
    format: String,
    version: u32,
    source: String,
    works: Vec<Work>,
}

/// One work as `accomp_corpus.py` wrote it (times in quarter notes).
#[derive(Deserialize, Clone)]
pub struct Work {
    pub path: String,
    pub split: String,
    pub end: f64,
    /// `[time, duration, pitch, role]`.
    pub notes: Vec<(f64, f64, u8, u8)>,
    /// `[time, symbol]`, in time order.
    pub chords: Vec<(f64, String)>,
}

fn ticks(quarters: f64) -> i64 {
    (quarters * f64::from(TICKS_PER_BEAT)).round() as i64
}

impl Work {
    /// A performer's song (a MIDI file) as a work: the parts on channels 1-3 (bass, inner
    /// voices, melody: as compose mode reads a song), the chord track named from what sounds on
    /// each beat, however long (as `chordfile` names it); its end the song's last bar line.
    /// What fine-tuning the accompanist learns from and its card plays over.
    pub fn from_midi(midi: &crate::midi::MidiFile, path: &str) -> Result<Work> {
        let song = super::infill::Song::from_midi(midi)?;
        let track = crate::objects::accomp::song_chords(midi)?;
        let tpb = f64::from(TICKS_PER_BEAT);
        let mut chords = Vec::with_capacity(track.len());
        let mut time = 0i64;
        for (chord, len) in track {
            chords.push((time as f64 / tpb, chord.to_string()));
            time += len;
        }
        Ok(Work {
            path: path.to_string(),
            split: "performer".into(),
            end: (song.bars() * 4) as f64,
            notes: midi
                .notes
                .iter()
                .filter(|n| n.channel <= 2)
                .map(|n| (n.beat, n.end_beat - n.beat, n.key, n.channel))
                .collect(),
            chords,
        })
    }

    /// The work's events for `setup`, `semitones` up: the melody (role 2) is the performer's
    /// when accompanying; each chord lasts until the next (or the end). None when a note
    /// leaves MIDI's range.
    pub fn events(&self, setup: Setup, semitones: i32) -> Result<Option<Vec<Event>>> {
        let mut out = Vec::with_capacity(self.notes.len() + self.chords.len());
        for &(t, d, p, role) in &self.notes {
            let p = i32::from(p) + semitones;
            if !(0..=127).contains(&p) {
                return Ok(None);
            }
            if role > 2 {
                return Err(Error::invalid(format!("{}: role {role}", self.path)));
            }
            let what = match (setup, role) {
                (Setup::Accompany, 2) => What::Human(p as u8),
                _ => What::Part(role, p as u8),
            };
            out.push(Event {
                time: ticks(t),
                duration: ticks(d).max(1) as u32,
                what,
            });
        }
        for (i, (t, sym)) in self.chords.iter().enumerate() {
            let c = Chord::parse(sym).map_err(|e| Error::invalid(format!("{}: {e}", self.path)))?;
            let until = self.chords.get(i + 1).map_or(self.end, |n| n.0);
            out.push(Event {
                time: ticks(*t),
                duration: (ticks(until) - ticks(*t)).max(1) as u32,
                what: What::chord(c.transposed(semitones)),
            });
        }
        Ok(Some(out))
    }
}

/// What the export wrote, per split: sequences and tokens.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub works: [usize; 3],
    pub sequences: [usize; 3],
    pub tokens: [usize; 3],
}

fn read_file(events_json: &Path) -> Result<EventsFile> {
    let bytes = fsutil::read(events_json)?;
    let file: EventsFile = serde_json::from_slice(&bytes)
        .map_err(|e| Error::invalid(format!("{e}")).at(events_json))?;
    if file.format != "bandmate-accomp-events" || file.version != 1 {
        return Err(Error::invalid(format!(
            "format {} version {} is not bandmate-accomp-events version 1",
            file.format, file.version
        ))
        .at(events_json));
    }
    Ok(file)
}

/// The works of one split of `events.json`.
pub fn read_works(events_json: &Path, split: &str) -> Result<Vec<Work>> {
    if !SPLITS.contains(&split) {
        return Err(Error::invalid(format!("no split {split:?} ({SPLITS:?})")));
    }
    Ok(read_file(events_json)?
        .works
        .into_iter()
        .filter(|w| w.split == split)
        .collect())
}

/// Tokenize `events_json` into `out` (see the module docs).
pub fn export(events_json: &Path, out: &Path) -> Result<Report> {
    let file = read_file(events_json)?;
    let mut report = Report::default();
    for (k, split) in SPLITS.iter().enumerate() {
        let dir = out.join(split);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
        let (mut all, mut ours, mut seqs) = (Vec::new(), Vec::new(), Vec::new());
        for (w, work) in file.works.iter().filter(|w| w.split == *split).enumerate() {
            report.works[k] += 1;
            let configs: Vec<(i32, Setup, u32)> = if *split == "train" {
                let mut rng = Rng::new(0xACC0 ^ (w as u64) << 8);
                (-6..=5)
                    .map(|s| {
                        let setup = if rng.uniform() < 0.7 {
                            Setup::Accompany
                        } else {
                            Setup::Alone
                        };
                        let d2 = DELTA2_CHOICES[(rng.next_u64() % 4) as usize];
                        (s, setup, d2)
                    })
                    .collect()
            } else {
                vec![(0, Setup::Accompany, 12), (0, Setup::Alone, 12)]
            };
            for (semitones, setup, d2) in configs {
                let Some(events) = work.events(setup, semitones)? else {
                    continue;
                };
                let (t, o) = tokens::tokenize(&events, setup, d2)?;
                seqs.push(json!({
                    "start": all.len(), "len": t.len(), "work": work.path,
                    "transpose": semitones,
                    "setup": if setup == Setup::Accompany { "accompany" } else { "alone" },
                    "delta2": d2,
                }));
                all.extend(t);
                ours.extend(o.into_iter().map(u8::from));
            }
        }
        report.sequences[k] = seqs.len();
        report.tokens[k] = all.len();
        write_npy(&dir.join("tokens.npy"), &[all.len()], &NpyData::U16(all))?;
        write_npy(&dir.join("ours.npy"), &[ours.len()], &NpyData::U8(ours))?;
        let text = serde_json::to_string(&seqs).expect("json");
        fsutil::write_atomic(&dir.join("sequences.json"), text.as_bytes())?;
    }
    let manifest = json!({
        "format": FORMAT,
        "version": VERSION,
        "source": file.source,
        "vocab": tokens::VOCAB,
        "ticks_per_beat": TICKS_PER_BEAT,
        "delta1": tokens::DELTA1,
        "delta2_choices": DELTA2_CHOICES,
        "layout": {
            "pad": tokens::PAD, "bos": tokens::BOS,
            "setup_accompany": tokens::SETUP_ACCOMPANY, "setup_alone": tokens::SETUP_ALONE,
            "delta2": tokens::DELTA2_BASE, "shift": tokens::SHIFT_BASE,
            "duration": tokens::DURATION_BASE, "part": tokens::PART_BASE,
            "human": tokens::HUMAN_BASE, "chord": tokens::CHORD_BASE,
        },
        "works": report.works, "sequences": report.sequences, "tokens": report.tokens,
    });
    let text = serde_json::to_string_pretty(&manifest).expect("json");
    fsutil::write_atomic(&out.join("manifest.json"), text.as_bytes())?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn work() -> Work {
        Work {
            path: "corpus/x.mxl".into(),
            split: "train".into(),
            end: 4.0,
            notes: vec![(0.0, 1.0, 48, 0), (0.0, 2.0, 64, 1), (0.5, 0.5, 72, 2)],
            chords: vec![(0.0, "C:maj".into()), (2.0, "G:7".into())],
        }
    }

    #[test]
    fn a_works_events_in_each_setup_and_transposition() {
        let e = work().events(Setup::Accompany, 2).unwrap().unwrap();
        assert_eq!(e[2].what, What::Human(74));
        assert_eq!(
            e[0],
            Event {
                time: 0,
                duration: 12,
                what: What::Part(0, 50)
            }
        );
        assert_eq!(e[4].what, What::chord(Chord::parse("A:7").unwrap()));
        assert_eq!((e[3].duration, e[4].duration), (24, 24));
        let alone = work().events(Setup::Alone, 0).unwrap().unwrap();
        assert_eq!(alone[2].what, What::Part(2, 72));
        assert_eq!(work().events(Setup::Alone, 60).unwrap(), None);
        let mut bad = work();
        bad.chords[1].1 = "G:13".into();
        assert!(bad.events(Setup::Alone, 0).is_err());
    }
}
