//! A rehearsal: `bandmate.accomp` played for a long time in logical time, as a host drives it,
//! with the real model and a performer made up of random notes, chord tracks changing and the
//! tempo changing (`bandmate accomp-rehearse`, and a test for a few minutes). Each chunk is
//! made at its boundary in the message's own time, and the wall time it took is measured: a
//! chunk is *late* when it took longer than its length less `margin_ms` (on stage it would not
//! be ready `margin_ms` before its start). Also counted: the chunks the object itself said were
//! late (played safe), notes left sounding at the end, and notes out of time order.

use std::collections::HashMap;
use std::path::Path;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::objects::{atoms, AccompObject, Atom, Object, Options, Output};
use crate::rng::Rng;

/// Chord tracks the rehearsal moves between.
const TRACKS: [&str; 5] = [
    "C:maj7 A:min7 D:min7 G:7",
    "D:min7 G:7 C:maj7 C:maj7",
    "A:min 2 E:7 2 A:min F:maj E:7",
    "F:maj C:maj G:maj C:maj",
    "Bb:maj7 Eb:maj7 A:hdim7 D:7",
];

/// What to rehearse.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Logical minutes to play.
    pub minutes: f64,
    /// The tempo moves within this range (BPM), a new one every `tempo_every_bars`.
    pub bpm: (f64, f64),
    pub tempo_every_bars: u32,
    /// A new chord track every this many bars.
    pub chords_every_bars: u32,
    /// Chunk length (beats): 0.5, 1, 2 or 4.
    pub delta2: f64,
    /// A chunk must be ready this long before its start (ms).
    pub margin_ms: f64,
    pub seed: u64,
    /// How it plays (`temperature`, `harmony`), and whether it listens to the performer (else
    /// it plays alone, the melody too).
    pub temperature: f32,
    pub harmony: f32,
    pub listen: bool,
}

/// What happened.
#[derive(Debug, Clone, Default)]
pub struct Rehearsal {
    pub chunks: usize,
    /// Wall time each chunk took to make (ms), and the time it had (its length less the margin).
    pub chunk_ms: Vec<f64>,
    /// Chunks that took longer than they had.
    pub late: usize,
    /// The least time to spare (ms): the time a chunk had less the time it took.
    pub least_spare_ms: f64,
    /// Chunks the object said were late (played safe).
    pub said_late: usize,
    pub notes: usize,
    pub performer_notes: usize,
    pub stuck: usize,
    /// The notes left sounding: (note, 0-based channel, when it last started, ms).
    pub stuck_notes: Vec<(u8, u8, f64)>,
    pub out_of_order: usize,
    pub errors: Vec<String>,
    pub tempo_changes: usize,
    pub chord_changes: usize,
    /// Note-ons of the bass and the inner voices in the first and the last quarter of the
    /// performance, and the beats in each: whether it gets busier as it goes.
    pub first_notes: [usize; 2],
    pub last_notes: [usize; 2],
    pub first_beats: f64,
    pub last_beats: f64,
}

fn send(o: &mut AccompObject, now: f64, text: &str) -> Result<()> {
    let a = atoms(text);
    match a.split_first() {
        Some((Atom::Symbol(s), rest)) => o.message(now, s, rest),
        _ => Err(Error::invalid(format!("no selector in {text}"))),
    }
}

/// Play `plan` with the model in `model`.
pub fn rehearse(model: &Path, plan: &Plan) -> Result<Rehearsal> {
    let mut o = AccompObject::new(&Options::default())?;
    let mut rng = Rng::new(plan.seed);
    let mut r = Rehearsal {
        least_spare_ms: f64::INFINITY,
        ..Rehearsal::default()
    };
    let mut bpm = plan.bpm.0;
    for m in [
        "blocking 1".to_string(),
        format!("random {}", plan.seed),
        format!("tempo {bpm}"),
        format!("delta2 {}", plan.delta2),
        format!("temperature {}", plan.temperature),
        format!("harmony {}", plan.harmony),
        format!("listen {}", u8::from(plan.listen)),
        format!("load {}", model.display()),
        format!("chords {}", TRACKS[0]),
    ] {
        send(&mut o, 0.0, &m)?;
    }
    let mut sounding: HashMap<(u8, u8), (usize, f64)> = HashMap::new();
    let mut last_note = f64::NEG_INFINITY;
    let end = plan.minutes * 60_000.0;
    let quarter = end / 4.0;
    let mut take = |o: &mut AccompObject, r: &mut Rehearsal| {
        o.drain_into(&mut |x| match x {
            Output::Note {
                at_ms,
                note,
                velocity,
                channel,
            } => {
                if at_ms < last_note - 1e-9 {
                    r.out_of_order += 1;
                }
                last_note = at_ms;
                let n = sounding.entry((note, channel)).or_default();
                if velocity > 0 {
                    r.notes += 1;
                    *n = (n.0 + 1, at_ms);
                    // the bass (channel 2) and the inner voices (3)
                    if let Some(part) = [1u8, 2].iter().position(|&c| c == channel) {
                        if at_ms < quarter {
                            r.first_notes[part] += 1;
                        } else if at_ms >= end - quarter {
                            r.last_notes[part] += 1;
                        }
                    }
                } else {
                    n.0 = n.0.saturating_sub(1);
                }
            }
            Output::Event(s, _) if s == "late" => r.said_late += 1,
            Output::Error(e) => r.errors.push(e),
            _ => {}
        });
    };
    take(&mut o, &mut r);
    if !r.errors.is_empty() {
        return Err(Error::invalid(r.errors.join("; ")));
    }
    send(&mut o, 0.0, "play")?;
    let mut now = 0.0;
    // the performer: the next note-on, and the notes held (key, release time)
    let mut next_note = 0.0;
    let mut held: Vec<(u8, f64)> = Vec::new();
    let mut beats_done = 0.0;
    let mut next_tempo = f64::from(plan.tempo_every_bars * 4);
    let mut next_chords = f64::from(plan.chords_every_bars * 4);
    let chunk_beats = plan.delta2;
    while now < end {
        let wake = o.wake_at(now).unwrap_or(now + 10.0);
        let release = held.iter().map(|h| h.1).fold(f64::INFINITY, f64::min);
        let t = wake.min(next_note).min(release).min(end).max(now);
        // (the beats of the first and last quarters)
        let beats = |from: f64, to: f64| (to.min(t) - from.max(now)).max(0.0) * bpm / 60_000.0;
        r.first_beats += beats(0.0, quarter);
        r.last_beats += beats(end - quarter, end);
        beats_done += (t - now) * bpm / 60_000.0;
        now = t;
        // the performer
        held.retain(|&(key, off)| {
            if off <= now {
                let _ = send(&mut o, now, &format!("note {key} 0"));
                false
            } else {
                true
            }
        });
        if next_note <= now {
            let key = 55 + (rng.next_u64() % 24) as u8;
            if !held.iter().any(|h| h.0 == key) {
                let vel = 40 + rng.next_u64() % 80;
                send(&mut o, now, &format!("note {key} {vel}"))?;
                let len = 60.0 + rng.uniform() as f64 * 900.0;
                held.push((key, now + len));
                r.performer_notes += 1;
            }
            // a phrase and a rest: 8ths to half notes apart, sometimes a bar's silence
            let beat_ms = 60_000.0 / bpm;
            let gap = if rng.uniform() < 0.05 {
                4.0
            } else {
                [0.5, 0.5, 1.0, 1.0, 1.5, 2.0][(rng.next_u64() % 6) as usize]
            };
            // played a little early or late, as people do
            next_note = now + gap * beat_ms + (rng.uniform() as f64 - 0.5) * 40.0;
        }
        if beats_done >= next_tempo {
            next_tempo += f64::from(plan.tempo_every_bars * 4);
            let u = rng.uniform() as f64;
            bpm = ((plan.bpm.0 + u * (plan.bpm.1 - plan.bpm.0)) * 10.0).round() / 10.0;
            send(&mut o, now, &format!("tempo {bpm}"))?;
            r.tempo_changes += 1;
        }
        if beats_done >= next_chords {
            next_chords += f64::from(plan.chords_every_bars * 4);
            let track = TRACKS[(rng.next_u64() % TRACKS.len() as u64) as usize];
            send(&mut o, now, &format!("chords {track}"))?;
            r.chord_changes += 1;
        }
        // the host's clock: a boundary makes the next chunk here, in the message's own time
        let t0 = Instant::now();
        o.tick(now);
        let took = t0.elapsed().as_secs_f64() * 1e3;
        take(&mut o, &mut r);
        // a tick that crossed a boundary made the next chunk
        if o.chunks_played() > r.chunks {
            r.chunks = o.chunks_played();
            let had = chunk_beats * 60_000.0 / bpm - plan.margin_ms;
            r.chunk_ms.push(took);
            r.least_spare_ms = r.least_spare_ms.min(had - took);
            if took > had {
                r.late += 1;
            }
        }
    }
    send(&mut o, now, "stop")?;
    for (key, _) in held.drain(..) {
        send(&mut o, now, &format!("note {key} 0"))?;
    }
    // what the stop released at once, then what it lets finish
    take(&mut o, &mut r);
    let mut t = now;
    while let Some(w) = o.wake_at(t) {
        if w > now + 10_000.0 {
            break;
        }
        t = w.max(t);
        o.tick(t);
        take(&mut o, &mut r);
    }
    r.stuck_notes = sounding
        .iter()
        .filter(|(_, n)| n.0 > 0)
        .map(|(k, n)| (k.0, k.1, n.1))
        .collect();
    r.stuck = r.stuck_notes.len();
    Ok(r)
}

impl Rehearsal {
    /// The report as Markdown lines.
    pub fn table(&self, plan: &Plan) -> String {
        let p = |q: f64| super::eval::percentile(&self.chunk_ms, q);
        format!(
            "Rehearsal: {} logical minutes, {}..{} BPM (a new tempo every {} bars, {} changes), a \
             new chord track every {} bars ({} changes), chunks of {} beats, a random performer \
             ({} notes).\n\n\
             | chunks | made in p50 / p99 / max (ms) | least time to spare (ms) | late (by {} ms) | played safe | notes | stuck | out of order |\n\
             |---:|---:|---:|---:|---:|---:|---:|---:|\n\
             | {} | {:.1} / {:.1} / {:.1} | {:.0} | {} | {} | {} | {} | {} |\n\n\
             Temperature {}, harmony {}, {}. Notes a beat, first quarter / last quarter: bass \
             {:.2} / {:.2}, inner voices {:.2} / {:.2}.\n",
            plan.minutes,
            plan.bpm.0,
            plan.bpm.1,
            plan.tempo_every_bars,
            self.tempo_changes,
            plan.chords_every_bars,
            self.chord_changes,
            plan.delta2,
            self.performer_notes,
            plan.margin_ms,
            self.chunk_ms.len(),
            p(50.0),
            p(99.0),
            p(100.0),
            self.least_spare_ms,
            self.late,
            self.said_late,
            self.notes,
            self.stuck,
            self.out_of_order,
            plan.temperature,
            plan.harmony,
            if plan.listen {
                "listening"
            } else {
                "alone"
            },
            self.first_notes[0] as f64 / self.first_beats.max(1.0),
            self.last_notes[0] as f64 / self.last_beats.max(1.0),
            self.first_notes[1] as f64 / self.first_beats.max(1.0),
            self.last_notes[1] as f64 / self.last_beats.max(1.0),
        )
    }
}
