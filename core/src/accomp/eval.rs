//! What the accompanist plays, measured on held-out works (`bandmate accomp-eval`): over each
//! work's own chord track (its first bars), the share of the notes it plays that are tones of
//! the chord sounding (the music's own share beside it), alone and accompanying the work's
//! melody played as a performer would (heard `delta2` late), and the time each chunk took.

use std::time::Instant;

use super::chord::Chord;
use super::data::Work;
use super::live::Accompanist;
use super::model::AccompModel;
use super::tokens::{Event, Setup, What, TICKS_PER_BEAT};
use crate::error::Result;

/// One setup's figures over the works.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub notes: usize,
    pub chord_tones: usize,
    /// Notes per part (bass, inner, melody).
    pub per_role: [usize; 3],
    /// Milliseconds each chunk took to generate, every chunk.
    pub chunk_ms: Vec<f64>,
    /// The beats its notes were counted over: each work's first beats, up to the work's end
    /// (the model plays on past a short work's end; those notes are not counted), or all of
    /// them when the work is looped.
    pub beats: f64,
    /// Notes per part in the last quarter of each work's span, and its beats: whether it
    /// gets busier as it goes.
    pub late_per_role: [usize; 3],
    pub late_beats: f64,
}

impl Figures {
    pub fn chord_tone_share(&self) -> f64 {
        self.chord_tones as f64 / self.notes.max(1) as f64
    }

    /// Notes per beat of one part (bass, inner, melody).
    pub fn per_beat(&self, role: usize) -> f64 {
        self.per_role[role] as f64 / self.beats.max(1.0)
    }

    /// Notes per beat of one part in the last quarter of the spans.
    pub fn late_per_beat(&self, role: usize) -> f64 {
        self.late_per_role[role] as f64 / self.late_beats.max(1.0)
    }
}

/// The chord sounding at `time` in a work's chord events (sorted by time).
pub fn chord_at(chords: &[Event], time: i64) -> Option<Chord> {
    let i = chords.partition_point(|c| c.time <= time);
    match chords.get(i.checked_sub(1)?)?.what {
        What::Chord(c) => Chord::from_index(usize::from(c)),
        _ => None,
    }
}

fn count(f: &mut Figures, chords: &[Event], e: &Event) {
    if let What::Part(role, key) = e.what {
        f.notes += 1;
        f.per_role[usize::from(role)] += 1;
        if chord_at(chords, e.time).is_some_and(|c| c.has(key)) {
            f.chord_tones += 1;
        }
    }
}

/// The report: the real music's parts, the accompanist alone, and accompanying the melody.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    pub works: usize,
    pub beats: u32,
    pub real: Figures,
    pub alone: Figures,
    pub accompany: Figures,
}

/// Each chord as one-beat pieces (the last one what is left): how chords played live reach
/// the model (`bandmate.accomp`'s `chordsplit`, `chordchannel`), a beat at a time.
pub fn beat_pieces(chords: &[Event]) -> Vec<Event> {
    let beat = TICKS_PER_BEAT;
    chords
        .iter()
        .flat_map(|c| {
            let n = c.duration.div_ceil(beat).max(1);
            (0..n).map(move |k| Event {
                time: c.time + i64::from(k * beat),
                duration: (c.duration - k * beat).min(beat),
                what: c.what,
            })
        })
        .collect()
}

/// `events` repeated every `period` ticks up to `end` (a work looped).
fn looped(events: &[Event], period: i64, end: i64) -> Vec<Event> {
    if period <= 0 {
        return events.to_vec();
    }
    (0..end.div_euclid(period) + 1)
        .flat_map(|k| {
            events
                .iter()
                .filter(|e| e.time < period)
                .map(move |e| Event {
                    time: e.time + k * period,
                    ..*e
                })
        })
        .filter(|e| e.time < end)
        .collect()
}

/// What the evaluation plays.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Each work's first beats (up to its end unless `looped`).
    pub beats: u32,
    /// Ticks a chunk.
    pub delta2: u32,
    pub temperature: f32,
    pub harmony: f32,
    /// The chords given a beat at a time ([`beat_pieces`]).
    pub beat_chords: bool,
    /// Each work's chords (and melody) repeated up to `beats`: a long performance.
    pub looped: bool,
}

/// Evaluate on `works` as `settings` say.
pub fn evaluate(model_dir: &std::path::Path, works: &[Work], settings: Settings) -> Result<Report> {
    let Settings {
        beats,
        delta2,
        temperature,
        harmony,
        beat_chords,
        looped: loop_works,
    } = settings;
    let end = i64::from(beats * TICKS_PER_BEAT);
    let mut r = Report {
        works: works.len(),
        beats,
        ..Report::default()
    };
    let mut model = Some(AccompModel::load(model_dir)?);
    for (w, work) in works.iter().enumerate() {
        let Some(events) = work.events(Setup::Accompany, 0)? else {
            continue;
        };
        // counted up to the work's end (or the beats asked for; looped: all of them)
        let tpb = i64::from(TICKS_PER_BEAT);
        let length = ((work.end * f64::from(TICKS_PER_BEAT)).round() as i64 + tpb - 1) / tpb * tpb;
        let own = end.min(length);
        let span = if loop_works { end } else { own };
        let span_beats = span as f64 / f64::from(TICKS_PER_BEAT);
        let of = |keep: fn(&What) -> bool| -> Vec<Event> {
            let mut v: Vec<Event> = events
                .iter()
                .filter(|e| keep(&e.what) && e.time < end)
                .copied()
                .collect();
            v.sort_by_key(|e| e.time);
            if loop_works {
                v = looped(&v, length, end);
            }
            v
        };
        let chords = of(|w| matches!(w, What::Chord(_)));
        let melody = of(|w| matches!(w, What::Human(_)));
        if let Some(alone) = work.events(Setup::Alone, 0)? {
            for e in alone.iter().filter(|e| e.time < own) {
                count(&mut r.real, &chords, e);
                if let What::Part(role, _) = e.what {
                    if e.time * 4 >= own * 3 {
                        r.real.late_per_role[usize::from(role)] += 1;
                    }
                }
            }
            r.real.beats += own as f64 / f64::from(TICKS_PER_BEAT);
            r.real.late_beats += own as f64 / f64::from(TICKS_PER_BEAT) / 4.0;
        }
        for setup in [Setup::Alone, Setup::Accompany] {
            let m = model.take().expect("the model is given back");
            let mut acc = Accompanist::new(m, setup, delta2, temperature, w as u64)?;
            acc.set_harmony(harmony)?;
            let given = if beat_chords {
                beat_pieces(&chords)
            } else {
                chords.clone()
            };
            for c in &given {
                acc.add(*c)?;
            }
            let f = match setup {
                Setup::Alone => &mut r.alone,
                Setup::Accompany => &mut r.accompany,
            };
            f.beats += span_beats;
            f.late_beats += span_beats / 4.0;
            let (mut heard, mut playhead) = (0, 0i64);
            while playhead < span {
                if setup == Setup::Accompany {
                    while heard < melody.len() && melody[heard].time < playhead {
                        acc.add(melody[heard])?;
                        heard += 1;
                    }
                }
                let t = Instant::now();
                let chunk = acc.generate_until((playhead + i64::from(delta2)).min(span))?;
                f.chunk_ms.push(t.elapsed().as_secs_f64() * 1e3);
                for e in chunk.iter().filter(|e| e.time < span) {
                    count(f, &chords, e);
                    if let What::Part(role, _) = e.what {
                        if e.time * 4 >= span * 3 {
                            f.late_per_role[usize::from(role)] += 1;
                        }
                    }
                }
                playhead += i64::from(delta2);
            }
            model = Some(acc.into_model());
        }
    }
    Ok(r)
}

/// The p-th percentile (0..100) of `xs`, nearest rank.
pub fn percentile(xs: &[f64], p: f64) -> f64 {
    if xs.is_empty() {
        return 0.0;
    }
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let k = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[k.clamp(1, v.len()) - 1]
}

/// The report as a Markdown table.
pub fn table(r: &Report, settings: &Settings) -> String {
    let mut out = String::new();
    out.push_str(&format!(
        "Held-out works: {}, their first {} beats ({}); delta2 {} beats, temperature {}, \
         harmony {}{}.\n\n",
        r.works,
        r.beats,
        if settings.looped {
            "each one looped"
        } else {
            "up to each one's end"
        },
        f64::from(settings.delta2) / f64::from(TICKS_PER_BEAT),
        settings.temperature,
        settings.harmony,
        if settings.beat_chords {
            ", the chords a beat at a time"
        } else {
            ""
        }
    ));
    out.push_str(
        "| | notes (bass / inner / melody) | notes a beat (bass / inner / melody) | the same, last quarter | chord tones | chunk time p50 / p99 / max (ms) |\n",
    );
    out.push_str("|---|---:|---:|---:|---:|---:|\n");
    for (name, f) in [
        ("the music itself", &r.real),
        ("accompanist alone (bass, inner, melody)", &r.alone),
        ("accompanying the melody (bass, inner)", &r.accompany),
    ] {
        let times = if f.chunk_ms.is_empty() {
            "-".to_string()
        } else {
            format!(
                "{:.1} / {:.1} / {:.1}",
                percentile(&f.chunk_ms, 50.0),
                percentile(&f.chunk_ms, 99.0),
                percentile(&f.chunk_ms, 100.0)
            )
        };
        out.push_str(&format!(
            "| {name} | {} ({} / {} / {}) | {:.2} / {:.2} / {:.2} | {:.2} / {:.2} / {:.2} | {:.3} | {times} |\n",
            f.notes,
            f.per_role[0],
            f.per_role[1],
            f.per_role[2],
            f.per_beat(0),
            f.per_beat(1),
            f.per_beat(2),
            f.late_per_beat(0),
            f.late_per_beat(1),
            f.late_per_beat(2),
            f.chord_tone_share()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chord_sounding_and_percentiles() {
        let c = |s: &str, t: i64| Event {
            time: t,
            duration: 48,
            what: What::chord(Chord::parse(s).unwrap()),
        };
        let chords = [c("C:maj", 0), c("G:7", 48)];
        assert_eq!(chord_at(&chords, -1), None);
        assert_eq!(chord_at(&chords, 47), Some(Chord::parse("C:maj").unwrap()));
        assert_eq!(chord_at(&chords, 48), Some(Chord::parse("G:7").unwrap()));
        let mut f = Figures::default();
        count(
            &mut f,
            &chords,
            &Event {
                time: 50,
                duration: 6,
                what: What::Part(0, 43),
            },
        );
        count(
            &mut f,
            &chords,
            &Event {
                time: 10,
                duration: 6,
                what: What::Part(2, 62),
            },
        );
        count(
            &mut f,
            &chords,
            &Event {
                time: 10,
                duration: 6,
                what: What::Human(62),
            },
        );
        assert_eq!((f.notes, f.chord_tones, f.per_role), (2, 1, [1, 0, 1]));
        // a work looped: its events again every period, up to the end
        let work = [c("C:maj", 0), c("G:7", 30), c("F:maj", 60)];
        let times: Vec<i64> = looped(&work, 48, 100).iter().map(|e| e.time).collect();
        assert_eq!(times, [0, 30, 48, 78, 96]);
        assert_eq!(looped(&work, 0, 100).len(), 3);
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&xs, 99.0), 99.0);
        assert_eq!(percentile(&xs, 100.0), 100.0);
        assert_eq!(percentile(&xs, 50.0), 50.0);
    }
}
