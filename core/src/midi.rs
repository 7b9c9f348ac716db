//! Standard MIDI Files in and out (via `midly`): read any SMF (format 0, 1 or 2, any PPQ or
//! SMPTE timing, tempo and time-signature changes), map drum notes to the 9 voices, convert to a
//! [`Pattern`] with microtiming kept, and write patterns back as MIDI at a given tempo.
//!
//! Time on the pattern grid is musical time (quarter notes from the file's ticks), so tempo
//! changes move notes in seconds but not on the grid. SMPTE-timed files have no beats: their
//! seconds are read as beats at 120 BPM.

use crate::error::{Error, ErrorKind, Result};
use crate::fsutil;
use crate::pattern::{check_bpm, Hit, Pattern, STEPS_PER_BAR, STEPS_PER_BEAT};
use crate::voice::{Voice, VOICES};
use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use std::collections::BTreeMap;
use std::path::Path;

/// The General MIDI drum channel (channel 10, 0-based 9).
pub const DRUM_CHANNEL: u8 = 9;
/// Ticks per quarter note of the files we write (the Groove MIDI Dataset's resolution).
pub const DEFAULT_PPQ: u16 = 480;
/// The tempo assumed before the first tempo event (the SMF default).
pub const DEFAULT_BPM: f64 = 120.0;

/// A note as read from a file: its note-on, and where it ends.
///
/// A note ends at the first note-off (or velocity-0 note-on) of the same channel and key after
/// it; several open notes of one key close first in, first out. A note never closed ends at the
/// file's end ([`MidiFile::track_end_beat`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NoteEvent {
    /// Position in the file's ticks.
    pub tick: u64,
    /// Position in quarter notes from the start.
    pub beat: f64,
    /// Position in seconds, through the tempo map.
    pub seconds: f64,
    pub channel: u8,
    pub key: u8,
    pub velocity: u8,
    /// Where the note ends, in the file's ticks (`>= tick`).
    pub end_tick: u64,
    /// Where the note ends, in quarter notes (`>= beat`; equal for a zero-length note).
    pub end_beat: f64,
}

impl NoteEvent {
    /// The note's length in quarter notes (0 for a note-off on the note-on's own tick).
    pub fn beats(&self) -> f64 {
        self.end_beat - self.beat
    }
}

/// A tempo change.
#[derive(Debug, Clone, PartialEq)]
pub struct TempoChange {
    pub beat: f64,
    pub bpm: f64,
}

/// A time-signature change.
#[derive(Debug, Clone, PartialEq)]
pub struct TimeSignature {
    pub beat: f64,
    pub numerator: u8,
    pub denominator: u8,
}

/// A parsed MIDI file: what `bandmate inspect` shows and what conversion reads.
#[derive(Debug, Clone, PartialEq)]
pub struct MidiFile {
    /// 0, 1 or 2.
    pub format: u8,
    /// Ticks per quarter note, or `None` for SMPTE timing.
    pub ppq: Option<u16>,
    pub tracks: usize,
    pub tempos: Vec<TempoChange>,
    pub time_signatures: Vec<TimeSignature>,
    /// Every note-on (velocity > 0) of every channel, in time order.
    pub notes: Vec<NoteEvent>,
    /// End of the last channel event (note-off, controller...) or tempo/meter change, in quarter
    /// notes: the length `pretty_midi` would report.
    pub end_beat: f64,
    /// The same end in seconds.
    pub end_seconds: f64,
    /// The latest End-of-Track, in quarter notes (loop files often mark their length with it).
    pub track_end_beat: f64,
}

/// Which notes count as drums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelSelect {
    /// Channel 10 if the file has any note there, every channel otherwise.
    #[default]
    Auto,
    /// Only this 0-based channel.
    Only(u8),
    /// Every channel.
    All,
}

/// A MIDI file turned into a pattern, with what did not fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub pattern: Pattern,
    /// The tempo at the start of the file.
    pub bpm: f64,
    /// Note numbers that map to no voice, with their counts.
    pub unmapped: BTreeMap<u8, usize>,
    /// Notes dropped because a louder note of the same voice landed on the same step.
    pub merged: usize,
}

struct TempoMap {
    /// (tick, microseconds per quarter from there, seconds at that tick), sorted by tick, starting
    /// with the SMF default (120 BPM) at tick 0: a note's time is one binary search away.
    points: Vec<(u64, u32, f64)>,
    timing: Timing,
}

impl TempoMap {
    /// `changes`: (tick, microseconds per quarter), sorted by tick.
    fn new(timing: Timing, changes: &[(u64, u32)]) -> TempoMap {
        // Seconds only follow tempo under metrical timing; SMPTE ticks are seconds already.
        let ppq = match timing {
            Timing::Metrical(ppq) => ppq.as_int() as f64,
            Timing::Timecode(..) => f64::INFINITY,
        };
        let mut points = vec![(0u64, 500_000u32, 0.0f64)];
        for &(tick, uspq) in changes {
            let &(t, us, secs) = points.last().expect("starts with one point");
            points.push((tick, uspq, secs + (tick - t) as f64 * us as f64 / ppq / 1e6));
        }
        TempoMap { points, timing }
    }
    /// The tempo changes themselves (without the implicit default at tick 0).
    fn changes(&self) -> impl Iterator<Item = (u64, u32)> + '_ {
        self.points[1..].iter().map(|&(t, us, _)| (t, us))
    }
    fn beats(&self, tick: u64) -> f64 {
        match self.timing {
            Timing::Metrical(ppq) => tick as f64 / ppq.as_int() as f64,
            Timing::Timecode(..) => self.seconds(tick) * DEFAULT_BPM / 60.0,
        }
    }
    fn seconds(&self, tick: u64) -> f64 {
        match self.timing {
            Timing::Timecode(fps, sub) => tick as f64 / (fps.as_f32() as f64 * sub as f64),
            Timing::Metrical(ppq) => {
                let i = self.points.partition_point(|p| p.0 <= tick) - 1;
                let (t, us, secs) = self.points[i];
                secs + (tick - t) as f64 * us as f64 / ppq.as_int() as f64 / 1e6
            }
        }
    }
}

/// midly reads what it can of a damaged file; we want a truncated file to be an error, so walk
/// the chunk headers first and check every declared length is really there.
fn check_chunks(bytes: &[u8]) -> Result<()> {
    let bad = |m: String| Err(Error::new(ErrorKind::Midi(m)));
    if bytes.len() < 14 || &bytes[..4] != b"MThd" {
        return bad("no MThd header (is this a MIDI file?)".into());
    }
    let declared_tracks = u16::from_be_bytes([bytes[10], bytes[11]]) as usize;
    let (mut pos, mut tracks) = (0usize, 0usize);
    while pos + 8 <= bytes.len() {
        let len = u32::from_be_bytes([
            bytes[pos + 4],
            bytes[pos + 5],
            bytes[pos + 6],
            bytes[pos + 7],
        ]) as usize;
        let is_track = &bytes[pos..pos + 4] == b"MTrk";
        if pos + 8 + len > bytes.len() {
            return bad(format!(
                "truncated: chunk at byte {pos} declares {len} bytes, only {} remain",
                bytes.len() - pos - 8
            ));
        }
        tracks += is_track as usize;
        pos += 8 + len;
    }
    if tracks < declared_tracks {
        return bad(format!(
            "truncated: header declares {declared_tracks} tracks, the file holds {tracks}"
        ));
    }
    Ok(())
}

/// The end tick of every note-on (`ons`: (tick, channel, key, velocity), sorted by tick) from
/// the note-offs (`offs`: (tick, channel, key), sorted by tick): per channel and key, an off
/// closes the oldest note still open that started at or before it. A note-off on the note-on's
/// own tick closes it (a zero-length note). Notes never closed end at `file_end`.
fn pair_note_offs(ons: &[(u64, u8, u8, u8)], offs: &[(u64, u8, u8)], file_end: u64) -> Vec<u64> {
    const NONE: u32 = u32::MAX;
    let mut ends: Vec<u64> = ons.iter().map(|on| file_end.max(on.0)).collect();
    // The open notes of each channel and key, oldest first, as linked lists through `next`.
    let mut head = vec![NONE; 16 * 128];
    let mut tail = vec![NONE; 16 * 128];
    let mut next = vec![NONE; ons.len()];
    let slot = |c: u8, k: u8| c as usize * 128 + k as usize;
    let mut close = |head: &mut [u32], tail: &mut [u32], next: &[u32], (t, c, k): (u64, u8, u8)| {
        let s = slot(c, k);
        let h = head[s];
        if h != NONE {
            ends[h as usize] = t;
            head[s] = next[h as usize];
            if head[s] == NONE {
                tail[s] = NONE;
            }
        }
    };
    let mut j = 0;
    for (i, &(tick, c, k, _)) in ons.iter().enumerate() {
        // Offs before this note-on first; offs on its own tick come after it, so a note-off
        // there closes the oldest open note, which may be this one (a zero-length note).
        while j < offs.len() && offs[j].0 < tick {
            close(&mut head, &mut tail, &next, offs[j]);
            j += 1;
        }
        let s = slot(c, k);
        if tail[s] == NONE {
            head[s] = i as u32;
        } else {
            next[tail[s] as usize] = i as u32;
        }
        tail[s] = i as u32;
    }
    for &off in &offs[j..] {
        close(&mut head, &mut tail, &next, off);
    }
    ends
}

impl MidiFile {
    /// Read and parse a file; errors name the file.
    pub fn read(path: &Path) -> Result<MidiFile> {
        let bytes = fsutil::read(path)?;
        MidiFile::parse(&bytes).map_err(|e| e.at(path))
    }

    /// Parse SMF bytes.
    pub fn parse(bytes: &[u8]) -> Result<MidiFile> {
        check_chunks(bytes)?;
        let smf = Smf::parse(bytes).map_err(|e| Error::new(ErrorKind::Midi(e.to_string())))?;
        let format = match smf.header.format {
            Format::SingleTrack => 0,
            Format::Parallel => 1,
            Format::Sequential => 2,
        };
        if let Timing::Metrical(ppq) = smf.header.timing {
            if ppq.as_int() == 0 {
                return Err(Error::new(ErrorKind::Midi(
                    "header says 0 ticks per quarter note".into(),
                )));
            }
        }
        // Absolute ticks for every event of every track, merged.
        let mut tempo_points = Vec::new();
        let mut sigs = Vec::new();
        let mut raw_notes = Vec::new();
        let mut raw_offs = Vec::new();
        let (mut end_tick, mut eot_tick) = (0u64, 0u64);
        for track in &smf.tracks {
            let mut tick = 0u64;
            for ev in track {
                tick += ev.delta.as_int() as u64;
                match ev.kind {
                    TrackEventKind::Midi { channel, message } => {
                        end_tick = end_tick.max(tick);
                        match message {
                            MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => {
                                raw_notes.push((
                                    tick,
                                    channel.as_int(),
                                    key.as_int(),
                                    vel.as_int(),
                                ));
                            }
                            MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                                raw_offs.push((tick, channel.as_int(), key.as_int()));
                            }
                            _ => {}
                        }
                    }
                    TrackEventKind::Meta(MetaMessage::Tempo(t)) => {
                        end_tick = end_tick.max(tick);
                        if t.as_int() > 0 {
                            tempo_points.push((tick, t.as_int()));
                        }
                    }
                    TrackEventKind::Meta(MetaMessage::TimeSignature(n, d, _, _)) => {
                        end_tick = end_tick.max(tick);
                        sigs.push((tick, n, 1u32.checked_shl(d as u32).unwrap_or(0)));
                    }
                    TrackEventKind::Meta(MetaMessage::EndOfTrack) => eot_tick = eot_tick.max(tick),
                    _ => {}
                }
            }
        }
        tempo_points.sort_by_key(|p| p.0);
        sigs.sort_by_key(|s| s.0);
        raw_notes.sort_by_key(|n| n.0);
        raw_offs.sort_by_key(|n| n.0);
        let file_end = eot_tick.max(end_tick);
        let ends = pair_note_offs(&raw_notes, &raw_offs, file_end);
        let map = TempoMap::new(smf.header.timing, &tempo_points);
        let notes = raw_notes
            .into_iter()
            .zip(ends)
            .map(|((tick, channel, key, velocity), end)| NoteEvent {
                tick,
                beat: map.beats(tick),
                seconds: map.seconds(tick),
                channel,
                key,
                velocity,
                end_tick: end,
                end_beat: map.beats(end),
            })
            .collect();
        let mut tempos: Vec<TempoChange> = map
            .changes()
            .map(|(t, us)| TempoChange {
                beat: map.beats(t),
                bpm: 60e6 / us as f64,
            })
            .collect();
        tempos.dedup_by(|b, a| a.beat == b.beat && a.bpm == b.bpm);
        Ok(MidiFile {
            format,
            ppq: match smf.header.timing {
                Timing::Metrical(p) => Some(p.as_int()),
                Timing::Timecode(..) => None,
            },
            tracks: smf.tracks.len(),
            tempos,
            time_signatures: sigs
                .into_iter()
                .map(|(t, n, d)| TimeSignature {
                    beat: map.beats(t),
                    numerator: n,
                    denominator: d.min(255) as u8,
                })
                .collect(),
            notes,
            end_beat: map.beats(end_tick),
            end_seconds: map.seconds(end_tick),
            track_end_beat: map.beats(file_end),
        })
    }

    /// The tempo in force at the start (120 BPM if the file sets none there).
    pub fn initial_bpm(&self) -> f64 {
        self.tempos
            .iter()
            .take_while(|t| t.beat <= 0.0)
            .last()
            .map_or(DEFAULT_BPM, |t| t.bpm)
    }

    /// Whether the file is in 4/4 throughout (no time signature at all counts as 4/4).
    pub fn is_four_four(&self) -> bool {
        self.other_meter().is_none()
    }

    /// The first time signature that is not 4/4, if any.
    pub fn other_meter(&self) -> Option<&TimeSignature> {
        self.time_signatures
            .iter()
            .find(|s| s.numerator != 4 || s.denominator != 4)
    }

    /// Whole 4/4 bars the file spans with its End-of-Track marker (a quarter of a bar past a
    /// bar line counts; notes placed later may lengthen it).
    pub fn whole_bars(&self) -> usize {
        let eot_bars = (self.track_end_beat / 4.0 - 0.25).ceil().max(0.0) as usize;
        self.bars().max(eot_bars)
    }

    /// The notes that count as drums under `select`.
    pub fn drum_notes(&self, select: ChannelSelect) -> impl Iterator<Item = &NoteEvent> {
        let only = match select {
            ChannelSelect::Only(c) => Some(c),
            ChannelSelect::All => None,
            ChannelSelect::Auto => self
                .notes
                .iter()
                .any(|n| n.channel == DRUM_CHANNEL)
                .then_some(DRUM_CHANNEL),
        };
        self.notes
            .iter()
            .filter(move |n| only.is_none_or(|c| n.channel == c))
    }

    /// Whole 4/4 bars the file spans: the end rounded to the nearest bar (a last bar at least half
    /// filled counts), at least 1.
    pub fn bars(&self) -> usize {
        ((self.end_beat / 4.0).round() as usize).max(1)
    }

    /// Convert to a pattern on the 16th-note grid, microtiming kept as offsets.
    ///
    /// Each note goes to its nearest step (`step = ceil(pos - 0.5)` with `pos` in 16ths) with
    /// `offset = pos - step`. Where several notes of one voice land on one step, the loudest
    /// stays (the first on ties) and the others are counted in `merged`. The pattern covers the
    /// file in whole bars (see [`MidiFile::bars`], extended to the End-of-Track marker and to
    /// the last note). An error if no note maps to a voice.
    pub fn to_pattern(&self, select: ChannelSelect) -> Result<Import> {
        let mut unmapped = BTreeMap::new();
        let mut placed: Vec<(usize, Voice, Hit)> = Vec::new();
        let mut considered = 0usize;
        for n in self.drum_notes(select) {
            considered += 1;
            let Some(voice) = Voice::from_note(n.key) else {
                *unmapped.entry(n.key).or_insert(0) += 1;
                continue;
            };
            let pos = n.beat * STEPS_PER_BEAT as f64;
            let step = nearest_step(pos).max(0.0);
            let offset = ((pos - step) as f32).clamp(-0.5, 0.5);
            let velocity = n.velocity as f32 / 127.0;
            placed.push((step as usize, voice, Hit { velocity, offset }));
        }
        if placed.is_empty() {
            let what = if considered == 0 {
                "the file has no notes".to_string()
            } else {
                format!(
                    "none of its {considered} notes maps to a drum voice (notes {})",
                    unmapped
                        .keys()
                        .map(|k| k.to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            };
            return Err(Error::new(ErrorKind::NoDrumNotes(what)));
        }
        let last_step = placed.iter().map(|p| p.0).max().unwrap_or(0);
        let bars = self.whole_bars().max(last_step / STEPS_PER_BAR + 1);
        let mut pattern = Pattern::new(bars * STEPS_PER_BAR)?;
        let mut merged = 0;
        for (step, voice, hit) in placed {
            match pattern.get(step, voice) {
                Some(old) if old.velocity >= hit.velocity => merged += 1,
                Some(_) => {
                    merged += 1;
                    pattern.set(step, voice, Some(hit))?;
                }
                None => pattern.set(step, voice, Some(hit))?,
            }
        }
        Ok(Import {
            pattern,
            bpm: self.initial_bpm(),
            unmapped,
            merged,
        })
    }
}

/// The step nearest to `pos` (in 16ths): exactly half-way counts as late on the earlier step
/// (+0.5). Not clamped.
pub fn nearest_step(pos: f64) -> f64 {
    (pos - 0.5).ceil()
}

/// Whether `path` names a MIDI file (`.mid` or `.midi`, any case): what compose mode writes.
pub fn is_midi_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("mid") || e.eq_ignore_ascii_case("midi"))
}

/// Read a MIDI file straight into a pattern (channel 10 if present, see [`ChannelSelect::Auto`]).
pub fn read_pattern(path: &Path) -> Result<Import> {
    MidiFile::read(path)?
        .to_pattern(ChannelSelect::Auto)
        .map_err(|e| e.at(path))
}

/// How a pattern becomes MIDI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Export {
    pub bpm: f64,
    /// Ticks per quarter note.
    pub ppq: u16,
    /// Note length in steps (notes are shortened where the same drum hits again sooner).
    pub note_steps: f64,
}

impl Export {
    pub fn at(bpm: f64) -> Export {
        Export {
            bpm,
            ppq: DEFAULT_PPQ,
            note_steps: 0.5,
        }
    }
}

/// The tick a hit starts on: `(step + offset)` 16ths, rounded; a negative time (an early hit on
/// step 0) is clamped to 0.
pub fn hit_tick(step: usize, offset: f32, ppq: u16) -> u64 {
    tick_at(step as f64 + offset as f64, ppq)
}

/// The tick of a time `pos` in 16ths (as [`Pattern::position`] gives it), rounded; clamped to 0.
pub fn tick_at(pos: f64, ppq: u16) -> u64 {
    let ticks_per_step = ppq as f64 / STEPS_PER_BEAT as f64;
    (pos * ticks_per_step).round().max(0.0) as u64
}

/// A pattern as a format-0 Standard MIDI File: track name, tempo, 4/4, the hits on channel 10
/// with each voice's General MIDI note, and an End-of-Track at the loop's end.
pub fn pattern_to_smf(pattern: &Pattern, opts: Export) -> Result<Vec<u8>> {
    check_bpm(opts.bpm)?;
    if opts.ppq < STEPS_PER_BEAT as u16 || opts.ppq > 0x7fff {
        return Err(Error::invalid(format!(
            "PPQ {} is out of range (4..32767)",
            opts.ppq
        )));
    }
    if !(opts.note_steps > 0.0 && opts.note_steps <= 16.0) {
        return Err(Error::invalid(format!(
            "note length {} steps is out of range (0..16)",
            opts.note_steps
        )));
    }
    let ticks_per_step = opts.ppq as f64 / STEPS_PER_BEAT as f64;
    let loop_end = (pattern.steps() as f64 * ticks_per_step).round() as u64;
    let default_len = ((opts.note_steps * ticks_per_step).round() as u64).max(1);
    // Onsets per voice, to shorten a note that would overlap the next of the same drum.
    let mut onsets: [Vec<(u64, u8)>; VOICES] = Default::default();
    for (step, voice, hit) in pattern.hits() {
        let tick = tick_at(pattern.position(step, hit.offset), opts.ppq);
        onsets[voice.index()].push((tick, hit.midi_velocity()));
    }
    // (tick, is_on, key, vel): offs sort before ons at the same tick.
    let mut evs: Vec<(u64, bool, u8, u8)> = Vec::new();
    for voice in Voice::ALL {
        let list = &mut onsets[voice.index()];
        list.sort();
        for i in 0..list.len() {
            let (t, vel) = list[i];
            let next = list.get(i + 1).map_or(u64::MAX, |n| n.0);
            let off = (t + default_len).min(next).max(t + 1);
            evs.push((t, true, voice.gm_note(), vel));
            evs.push((off, false, voice.gm_note(), 0));
        }
    }
    let evs: Vec<(u64, bool, u8, u8, u8)> = evs
        .into_iter()
        .map(|(t, on, key, vel)| (t, on, DRUM_CHANNEL, key, vel))
        .collect();
    write_track(evs, opts.bpm, opts.ppq, loop_end, "bandmate drums")
}

/// One format-0 track: name, tempo, 4/4, then the notes `(tick, is_on, channel, key,
/// velocity)` (a note-off sorts before a note-on at the same tick), ending at `end` ticks or
/// the last event.
fn write_track(
    mut evs: Vec<(u64, bool, u8, u8, u8)>,
    bpm: f64,
    ppq: u16,
    end: u64,
    name: &str,
) -> Result<Vec<u8>> {
    evs.sort_by_key(|e| (e.0, e.1, e.2, e.3));
    let mut track: Vec<TrackEvent> = Vec::with_capacity(evs.len() + 5);
    let uspq = (60e6 / bpm).round() as u32;
    let meta = |kind| TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(kind),
    };
    track.push(meta(MetaMessage::TrackName(name.as_bytes())));
    track.push(meta(MetaMessage::Tempo(u24::new(uspq.min(0xff_ffff)))));
    track.push(meta(MetaMessage::TimeSignature(4, 2, 24, 8)));
    let mut last = 0u64;
    for (t, on, channel, key, vel) in evs {
        let message = if on {
            MidiMessage::NoteOn {
                key: u7::new(key),
                vel: u7::new(vel),
            }
        } else {
            MidiMessage::NoteOff {
                key: u7::new(key),
                vel: u7::new(64),
            }
        };
        track.push(TrackEvent {
            delta: u28::new((t - last) as u32),
            kind: TrackEventKind::Midi {
                channel: u4::new(channel),
                message,
            },
        });
        last = t;
    }
    track.push(TrackEvent {
        delta: u28::new(end.saturating_sub(last) as u32),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    let smf = Smf {
        header: Header::new(Format::SingleTrack, Timing::Metrical(u15::new(ppq))),
        tracks: vec![track],
    };
    let mut out = Vec::new();
    smf.write_std(&mut out)
        .map_err(|e| Error::invalid(format!("could not encode MIDI: {e}")))?;
    Ok(out)
}

/// Write a pattern as a MIDI file, atomically.
pub fn write_pattern(path: &Path, pattern: &Pattern, opts: Export) -> Result<()> {
    let bytes = pattern_to_smf(pattern, opts).map_err(|e| e.at(path))?;
    fsutil::write_atomic(path, &bytes)
}

/// A note of any instrument, in quarter notes, for [`notes_to_smf`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Note {
    pub beat: f64,
    pub beats: f64,
    /// 0-based.
    pub channel: u8,
    pub key: u8,
    pub velocity: u8,
}

/// Notes of any instruments as a format-0 Standard MIDI File at `bpm`, 480 PPQ, 4/4, ending at
/// `end_beat` (or the last note-off). A note-off sorts before a note-on at the same tick.
pub fn notes_to_smf(notes: &[Note], bpm: f64, end_beat: f64, name: &str) -> Result<Vec<u8>> {
    check_bpm(bpm)?;
    const PPQ: u16 = 480;
    let tick = |b: f64| (b.max(0.0) * f64::from(PPQ)).round() as u64;
    // (tick, is_on, channel, key, vel)
    let mut evs: Vec<(u64, bool, u8, u8, u8)> = Vec::with_capacity(notes.len() * 2);
    for n in notes {
        if n.channel > 15 || n.key > 127 || n.velocity == 0 || n.velocity > 127 {
            return Err(Error::invalid(format!("bad note for MIDI: {n:?}")));
        }
        let (on, off) = (tick(n.beat), tick(n.beat + n.beats));
        evs.push((on, true, n.channel, n.key, n.velocity));
        evs.push((off.max(on + 1), false, n.channel, n.key, 0));
    }
    write_track(evs, bpm, PPQ, tick(end_beat), name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Pattern {
        let mut p = Pattern::new(32).unwrap();
        p.set(0, Voice::Kick, Some(Hit::new(100.0 / 127.0, 0.0).unwrap()))
            .unwrap();
        p.set(5, Voice::Snare, Some(Hit::new(64.0 / 127.0, 0.25).unwrap()))
            .unwrap();
        p.set(31, Voice::Ride, Some(Hit::new(1.0, 0.5).unwrap()))
            .unwrap();
        p.set(
            12,
            Voice::ClosedHat,
            Some(Hit::new(20.0 / 127.0, -0.375).unwrap()),
        )
        .unwrap();
        p
    }

    #[test]
    fn write_then_read_keeps_pattern() {
        let p = example();
        let bytes = pattern_to_smf(&p, Export::at(97.0)).unwrap();
        let f = MidiFile::parse(&bytes).unwrap();
        assert_eq!((f.format, f.ppq, f.tracks), (0, Some(480), 1));
        assert!((f.initial_bpm() - 97.0).abs() < 0.01);
        assert!(f.is_four_four());
        let imp = f.to_pattern(ChannelSelect::Auto).unwrap();
        assert_eq!(
            imp.pattern.steps(),
            32,
            "End-of-Track keeps the loop length"
        );
        assert_eq!(imp.pattern.hit_count(), 4);
        for (s, v, h) in p.hits() {
            let back = imp
                .pattern
                .get(s, v)
                .unwrap_or_else(|| panic!("{v} at {s}"));
            assert_eq!(back.midi_velocity(), h.midi_velocity());
            // 480 PPQ: 120 ticks a step, so an offset survives to 1/120 of a step.
            assert!((back.offset - h.offset).abs() <= 1.0 / 120.0, "{v} at {s}");
        }
    }

    #[test]
    fn a_loop_in_an_eighth_note_feel_is_written_where_it_plays() {
        let mut p = Pattern::new(16).unwrap();
        p.set(2, Voice::ClosedHat, Some(Hit::on_grid(0.5).unwrap()))
            .unwrap();
        p.set(5, Voice::Snare, Some(Hit::new(0.5, 0.25).unwrap()))
            .unwrap();
        p.set_feel(2.0 / 3.0).unwrap();
        let bytes = pattern_to_smf(&p, Export::at(120.0)).unwrap();
        let f = MidiFile::parse(&bytes).unwrap();
        let imp = f.to_pattern(ChannelSelect::Auto).unwrap();
        // 480 PPQ, 120 ticks a step: the off-beat 8th at 2 2/3 steps (320 ticks) reads back on
        // the straight grid as step 3, a third of a step early
        let hat = imp.pattern.get(3, Voice::ClosedHat).unwrap();
        assert!((hat.offset + 1.0 / 3.0).abs() <= 1.0 / 120.0, "{hat:?}");
        // the snare, a quarter step late of step 5 (swung to 5 1/3), plays at 5 7/12: step 6,
        // 5/12 early
        let snare = imp.pattern.get(6, Voice::Snare).unwrap();
        let want = crate::pattern::swung_time(5.0, 0.25, 2.0 / 3.0) - 6.0;
        assert!(
            (f64::from(snare.offset) - want).abs() <= 1.0 / 120.0,
            "{snare:?}"
        );
    }

    #[test]
    fn notes_of_any_instrument_round_trip() {
        let notes = [
            Note {
                beat: 0.0,
                beats: 1.0,
                channel: 0,
                key: 36,
                velocity: 90,
            },
            Note {
                beat: 0.5,
                beats: 2.0,
                channel: 1,
                key: 64,
                velocity: 70,
            },
            Note {
                beat: 1.0,
                beats: 1.0,
                channel: 0,
                key: 43,
                velocity: 80,
            },
        ];
        let bytes = notes_to_smf(&notes, 100.0, 4.0, "test").unwrap();
        let f = MidiFile::parse(&bytes).unwrap();
        assert!((f.initial_bpm() - 100.0).abs() < 0.01);
        assert_eq!(f.notes.len(), 3);
        for (n, g) in notes.iter().zip(&f.notes) {
            assert_eq!(
                (g.channel, g.key, g.velocity),
                (n.channel, n.key, n.velocity)
            );
            assert!((g.beat - n.beat).abs() < 1e-9);
            assert!((g.end_beat - (n.beat + n.beats)).abs() < 1e-9);
        }
        assert!((f.end_beat - 2.5).abs() < 1e-9);
        let bad = Note {
            velocity: 0,
            ..notes[0]
        };
        assert!(notes_to_smf(&[bad], 100.0, 4.0, "x").is_err());
    }

    #[test]
    fn tempo_changes_move_seconds_not_grid() {
        // 2 quarter notes at 120 BPM then 60 BPM: the note on beat 3 is at 1 s + 1 s = 2 s.
        let mut p = Pattern::new(16).unwrap();
        p.set(12, Voice::Kick, Some(Hit::new(0.5, 0.0).unwrap()))
            .unwrap();
        let bytes = pattern_to_smf(&p, Export::at(120.0)).unwrap();
        let mut smf = Smf::parse(&bytes).unwrap();
        let track = &mut smf.tracks[0];
        // Insert a tempo change to 60 BPM at tick 960 (beat 2).
        let idx = track
            .iter()
            .position(|e| matches!(e.kind, TrackEventKind::Midi { .. }))
            .unwrap();
        let first_delta = track[idx].delta.as_int();
        assert_eq!(first_delta, 12 * 120);
        track[idx].delta = u28::new(first_delta - 960);
        track.insert(
            idx,
            TrackEvent {
                delta: u28::new(960),
                kind: TrackEventKind::Meta(MetaMessage::Tempo(u24::new(1_000_000))),
            },
        );
        let mut out = Vec::new();
        smf.write_std(&mut out).unwrap();
        let f = MidiFile::parse(&out).unwrap();
        assert_eq!(f.tempos.len(), 2);
        let n = &f.notes[0];
        assert_eq!(n.beat, 3.0);
        assert!((n.seconds - 2.0).abs() < 1e-9, "{}", n.seconds);
        let imp = f.to_pattern(ChannelSelect::Auto).unwrap();
        assert_eq!(imp.pattern.get(12, Voice::Kick).unwrap().offset, 0.0);
    }

    fn note_on(delta: u32, channel: u8, key: u8, vel: u8) -> TrackEvent<'static> {
        TrackEvent {
            delta: u28::new(delta),
            kind: TrackEventKind::Midi {
                channel: u4::new(channel),
                message: MidiMessage::NoteOn {
                    key: u7::new(key),
                    vel: u7::new(vel),
                },
            },
        }
    }

    fn meta(delta: u32, m: MetaMessage<'static>) -> TrackEvent<'static> {
        TrackEvent {
            delta: u28::new(delta),
            kind: TrackEventKind::Meta(m),
        }
    }

    fn encode(header: Header, tracks: Vec<Vec<TrackEvent<'static>>>) -> Vec<u8> {
        let mut out = Vec::new();
        Smf { header, tracks }.write_std(&mut out).unwrap();
        out
    }

    /// Format 1 at 96 PPQ: a conductor track (tempo, 4/4 then 3/4) and a drum track, plus a
    /// piano track on channel 1 that must not count as drums. Quantization worked by hand:
    /// 24 ticks a step; tick 26 -> 1.0833 -> step 1 +0.0833; tick 36 -> 1.5 -> step 1 +0.5
    /// (half-way is late on the earlier step); tick 38 -> 1.5833 -> step 2 -0.4167.
    #[test]
    fn format_1_any_ppq_meter_changes_and_quantize_by_hand() {
        let conductor = vec![
            meta(0, MetaMessage::Tempo(u24::new(600_000))), // 100 BPM
            meta(0, MetaMessage::TimeSignature(4, 2, 24, 8)),
            meta(384, MetaMessage::TimeSignature(3, 2, 24, 8)), // bar 2 in 3/4
            meta(0, MetaMessage::EndOfTrack),
        ];
        let drums = vec![
            note_on(26, 9, 36, 100), // kick
            note_on(10, 9, 38, 90),  // snare at 36
            note_on(2, 9, 42, 80),   // hat at 38
            note_on(0, 9, 54, 70),   // tambourine: no voice
            note_on(0, 0, 36, 0),    // note-off as velocity 0, another channel
            meta(0, MetaMessage::EndOfTrack),
        ];
        let piano = vec![note_on(0, 0, 60, 100), meta(0, MetaMessage::EndOfTrack)];
        let bytes = encode(
            Header::new(Format::Parallel, Timing::Metrical(u15::new(96))),
            vec![conductor, drums, piano],
        );
        let f = MidiFile::parse(&bytes).unwrap();
        assert_eq!((f.format, f.ppq, f.tracks), (1, Some(96), 3));
        assert!((f.initial_bpm() - 100.0).abs() < 1e-9);
        assert_eq!(f.time_signatures.len(), 2);
        assert_eq!(
            (f.time_signatures[1].numerator, f.time_signatures[1].beat),
            (3, 4.0)
        );
        assert!(!f.is_four_four());
        let imp = f.to_pattern(ChannelSelect::Auto).unwrap();
        let p = &imp.pattern;
        assert_eq!(p.hit_count(), 3, "the piano on channel 1 is not a drum");
        assert_eq!(imp.unmapped.get(&54), Some(&1));
        let near = |a: f32, b: f32| (a - b).abs() < 1e-6;
        let k = p.get(1, Voice::Kick).unwrap();
        assert!(near(k.offset, 2.0 / 24.0) && near(k.velocity, 100.0 / 127.0));
        assert!(near(p.get(1, Voice::Snare).unwrap().offset, 0.5));
        assert!(near(
            p.get(2, Voice::ClosedHat).unwrap().offset,
            -10.0 / 24.0
        ));
        // With every channel, the piano's middle C is no drum either, but is listed.
        let all = f.to_pattern(ChannelSelect::All).unwrap();
        assert_eq!(all.unmapped.get(&60), Some(&1));
        // Seconds follow the tempo: tick 26 at 96 PPQ and 100 BPM.
        let kick = f
            .notes
            .iter()
            .find(|n| n.key == 36 && n.channel == 9)
            .unwrap();
        assert!((kick.seconds - 26.0 / 96.0 * 0.6).abs() < 1e-12);
    }

    /// SMPTE timing (25 fps x 40 subframes = 1,000 ticks a second): seconds read as beats at
    /// 120 BPM, so tick 500 (0.5 s) is beat 1 = step 4.
    #[test]
    fn smpte_timing_reads_as_120_bpm() {
        let track = vec![note_on(500, 9, 36, 64), meta(0, MetaMessage::EndOfTrack)];
        let bytes = encode(
            Header::new(Format::SingleTrack, Timing::Timecode(midly::Fps::Fps25, 40)),
            vec![track],
        );
        let f = MidiFile::parse(&bytes).unwrap();
        assert_eq!(f.ppq, None);
        assert!((f.notes[0].seconds - 0.5).abs() < 1e-12);
        let p = f.to_pattern(ChannelSelect::Auto).unwrap().pattern;
        assert_eq!(p.get(4, Voice::Kick).unwrap().offset, 0.0);
    }

    #[test]
    fn bad_files_are_clear_errors() {
        let e = MidiFile::parse(b"RIFF....WAVEfmt ").unwrap_err();
        assert!(matches!(e.kind, ErrorKind::Midi(_)), "{e}");
        let good = pattern_to_smf(&example(), Export::at(120.0)).unwrap();
        assert!(MidiFile::parse(&good[..good.len() / 2]).is_err());
        // A piano line: notes that map to no drum.
        let mut smf = Smf::parse(&good).unwrap();
        for ev in smf.tracks[0].iter_mut() {
            if let TrackEventKind::Midi { channel, message } = &mut ev.kind {
                *channel = u4::new(0);
                match message {
                    MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                        *key = u7::new(72)
                    }
                    _ => {}
                }
            }
        }
        let mut out = Vec::new();
        smf.write_std(&mut out).unwrap();
        let e = MidiFile::parse(&out)
            .unwrap()
            .to_pattern(ChannelSelect::Auto)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "no drum notes: none of its 4 notes maps to a drum voice (notes 72)"
        );
        assert!(pattern_to_smf(&example(), Export::at(1000.0)).is_err());
    }

    /// Note lengths: note-offs and velocity-0 note-ons close the oldest open note of their
    /// channel and key; a note-off on the note-on's tick gives a zero-length note; a note never
    /// closed ends at the file's end (the End-of-Track).
    #[test]
    fn notes_know_their_end() {
        let off = |delta: u32, ch: u8, key: u8| TrackEvent {
            delta: u28::new(delta),
            kind: TrackEventKind::Midi {
                channel: u4::new(ch),
                message: MidiMessage::NoteOff {
                    key: u7::new(key),
                    vel: u7::new(0),
                },
            },
        };
        let track = vec![
            note_on(0, 0, 60, 100), // A: 0..480 (closed by a note-off)
            note_on(0, 1, 60, 100), // other channel: closed by vel 0 at 240
            note_on(240, 1, 60, 0),
            note_on(0, 0, 60, 90), // B, same key while A sounds: 240..720
            off(240, 0, 60),       // 480 closes A (oldest first)
            note_on(0, 0, 62, 80), // C at 480: zero length
            off(0, 0, 62),
            off(240, 0, 60),       // 720 closes B
            note_on(0, 0, 64, 70), // D: never closed, ends at the End-of-Track (1920)
            meta(1200, MetaMessage::EndOfTrack),
        ];
        let bytes = encode(
            Header::new(Format::SingleTrack, Timing::Metrical(u15::new(480))),
            vec![track],
        );
        let f = MidiFile::parse(&bytes).unwrap();
        let got: Vec<(u8, u8, f64, f64)> = f
            .notes
            .iter()
            .map(|n| (n.channel, n.key, n.beat, n.end_beat))
            .collect();
        assert_eq!(
            got,
            [
                (0, 60, 0.0, 1.0),
                (1, 60, 0.0, 0.5),
                (0, 60, 0.5, 1.5),
                (0, 62, 1.0, 1.0),
                (0, 64, 1.5, 4.0)
            ]
        );
        assert_eq!(f.notes[4].end_tick, 1920);
        assert_eq!(f.notes[0].beats(), 1.0);
        // Files we write close every note half a step after it starts.
        let g = MidiFile::parse(&pattern_to_smf(&example(), Export::at(120.0)).unwrap()).unwrap();
        assert!(
            g.notes.iter().all(|n| (n.beats() - 0.125).abs() < 1e-9),
            "{:?}",
            g.notes
        );
    }

    #[test]
    fn same_step_same_voice_keeps_loudest() {
        let mut p = Pattern::new(16).unwrap();
        p.set(4, Voice::Snare, Some(Hit::new(0.3, 0.0).unwrap()))
            .unwrap();
        let bytes = pattern_to_smf(&p, Export::at(120.0)).unwrap();
        let mut f = MidiFile::parse(&bytes).unwrap();
        let mut louder = f.notes[0].clone();
        louder.key = 40; // rim shot, also snare
        louder.velocity = 120;
        louder.beat += 0.01;
        f.notes.push(louder);
        let imp = f.to_pattern(ChannelSelect::Auto).unwrap();
        assert_eq!(imp.merged, 1);
        assert_eq!(
            imp.pattern.get(4, Voice::Snare).unwrap().midi_velocity(),
            120
        );
    }
}
