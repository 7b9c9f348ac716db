//! Compose mode for the accompanist: the empty bars of one part (bass, inner voices or melody)
//! played by the model given the chord track and every other note.
//!
//! The accompanist is an anticipatory transformer that hears the past and the chords a beat
//! ahead; it cannot see what comes after the gap. So a gap is filled as a performance that
//! stops there: the model is started alone (every part a part), hears the two bars before the
//! gap as they are (chords and every part, the gapped one included), then plays only the
//! gapped part through the gap while the chords and the other parts' given notes arrive when
//! they sound. Its notes in the gap are kept, cut at the gap's end; nothing given is touched.
//! Of `tries` draws, the one whose notes per bar, mean pitch and chord tones come closest to
//! the bars of the part just before and after the gap is kept.

use super::eval::chord_at;
use super::live::Accompanist;
use super::model::AccompModel;
use super::tokens::{Event, Setup, What, DELTA2_CHOICES, TICKS_PER_BEAT};
use crate::error::{Error, Result};

/// Ticks of a 4/4 bar.
pub const BAR_TICKS: i64 = 4 * TICKS_PER_BEAT as i64;
/// How much of the music before the gap the model hears (its context holds about 85 events:
/// two bars of four voices).
pub const PRIME_TICKS: i64 = 2 * BAR_TICKS;

/// A part's figures over a span, for choosing a draw and for measuring infill: notes per bar,
/// mean pitch, the share of its notes that are tones of the chord sounding, pitch range.
pub fn part_figures(notes: &[Event], chords: &[Event], from: i64, to: i64) -> Option<[f64; 4]> {
    let inside: Vec<(i64, u8)> = notes
        .iter()
        .filter(|e| e.time >= from && e.time < to)
        .filter_map(|e| match e.what {
            What::Part(_, p) => Some((e.time, p)),
            _ => None,
        })
        .collect();
    if inside.is_empty() {
        return None;
    }
    let n = inside.len() as f64;
    let bars = (to - from) as f64 / BAR_TICKS as f64;
    let mean = inside.iter().map(|x| f64::from(x.1)).sum::<f64>() / n;
    let tones = inside
        .iter()
        .filter(|(t, p)| chord_at(chords, *t).is_some_and(|c| c.has(*p)))
        .count() as f64;
    let lo = inside.iter().map(|x| x.1).min().unwrap_or(0);
    let hi = inside.iter().map(|x| x.1).max().unwrap_or(0);
    Some([n / bars, mean, tones / n, f64::from(hi - lo)])
}

/// The chord events among `events`, in time order.
fn chords_in(events: &[Event]) -> Vec<Event> {
    let mut chords: Vec<Event> = events
        .iter()
        .filter(|e| matches!(e.what, What::Chord(_)))
        .copied()
        .collect();
    chords.sort_by_key(|e| e.time);
    chords
}

/// What to fill: part `role` (0 bass, 1 inner, 2 melody) from tick `from` to `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartGap {
    pub role: u8,
    pub from: i64,
    pub to: i64,
}

/// The notes infill adds to part `gap.role` in `[gap.from, gap.to)`, given `events` (the
/// chord track's chords and every part's notes as [`What::Part`] events, in any order): the
/// best of `tries` draws (see the module's doc), and the model back.
pub fn infill_part(
    mut model: AccompModel,
    events: &[Event],
    gap: PartGap,
    temperature: f32,
    harmony: f32,
    tries: usize,
    seed: u64,
) -> (Result<Vec<Event>>, AccompModel) {
    if gap.role > 2 || gap.from < 0 || gap.to <= gap.from {
        let e = Error::invalid(format!(
            "part {} from tick {} to {}: expected a part 0..2 and a span that is not empty",
            gap.role, gap.from, gap.to
        ));
        return (Err(e), model);
    }
    let chords = chords_in(events);
    if chords.is_empty() {
        let e = Error::invalid("infill of a part needs the chord track");
        return (Err(e), model);
    }
    let own: Vec<Event> = events
        .iter()
        .filter(|e| matches!(e.what, What::Part(r, _) if r == gap.role))
        .copied()
        .collect();
    let around = |span: (i64, i64)| part_figures(&own, &chords, span.0, span.1);
    let before = around((gap.from - BAR_TICKS, gap.from));
    let after = around((gap.to, gap.to + BAR_TICKS));
    let target: Vec<[f64; 4]> = [before, after].into_iter().flatten().collect();
    let mut best: Option<(f64, Vec<Event>)> = None;
    for k in 0..tries.max(1) {
        let (drawn, back) = draw(
            model,
            events,
            &chords,
            gap,
            temperature,
            harmony,
            seed.wrapping_add(k as u64),
        );
        model = back;
        let notes = match drawn {
            Ok(n) => n,
            Err(e) => return (Err(e), model),
        };
        // how far its figures are from the bars around the gap (scaled: notes per bar by 4,
        // pitch by 12, chord tones by 1, range by 12)
        let score = match part_figures(&notes, &chords, gap.from, gap.to) {
            Some(f) if !target.is_empty() => target
                .iter()
                .map(|t| {
                    (f[0] - t[0]).abs() / 4.0
                        + (f[1] - t[1]).abs() / 12.0
                        + (f[2] - t[2]).abs()
                        + (f[3] - t[3]).abs() / 12.0
                })
                .sum::<f64>(),
            Some(_) => 0.0,
            None if target.is_empty() => 0.0,
            None => f64::INFINITY,
        };
        if best.as_ref().is_none_or(|b| score < b.0) {
            best = Some((score, notes));
        }
    }
    (Ok(best.map(|b| b.1).unwrap_or_default()), model)
}

/// One draw of the gap (see [`infill_part`]).
fn draw(
    model: AccompModel,
    events: &[Event],
    chords: &[Event],
    gap: PartGap,
    temperature: f32,
    harmony: f32,
    seed: u64,
) -> (Result<Vec<Event>>, AccompModel) {
    let base = (gap.from - PRIME_TICKS).max(0);
    let delta2 = DELTA2_CHOICES[1];
    let mut acc = match Accompanist::start(model, Setup::Alone, delta2, temperature, seed) {
        Ok(a) => a,
        Err((e, m)) => return (Err(e), *m),
    };
    let result = (|| -> Result<Vec<Event>> {
        acc.set_harmony(harmony)?;
        acc.set_roles(std::array::from_fn(|r| r == usize::from(gap.role)));
        acc.set_exact_others(true);
        // the chord sounding when the model starts listening, then every later one
        let first = chords.partition_point(|c| c.time <= base).saturating_sub(1);
        for c in &chords[first..] {
            if c.time >= gap.to + BAR_TICKS {
                break;
            }
            let start = c.time.max(base);
            let end = c.time + i64::from(c.duration);
            acc.force(Event {
                time: start - base,
                duration: (end - start).max(1) as u32,
                what: c.what,
            })?;
        }
        for e in events {
            if matches!(e.what, What::Part(..)) && e.time >= base && e.time < gap.to {
                acc.force(Event {
                    time: e.time - base,
                    ..*e
                })?;
            }
        }
        acc.prime_until(gap.from - base)?;
        let played = acc.generate_until(gap.to - base)?;
        Ok(played
            .into_iter()
            .filter(|e| matches!(e.what, What::Part(r, _) if r == gap.role))
            .map(|e| Event {
                time: e.time + base,
                ..e
            })
            .filter(|e| e.time >= gap.from && e.time < gap.to)
            .map(|e| Event {
                duration: e.duration.min((gap.to - e.time) as u32).max(1),
                ..e
            })
            .collect())
    })();
    (result, acc.into_model())
}

/// The figures of [`part_figures`], named.
pub const PART_FEATURES: [&str; 4] = [
    "notes per bar",
    "mean pitch (semitones)",
    "chord-tone share",
    "pitch range (semitones)",
];

/// Infill of the accompanist measured as the drums' is (see [`seam_check`]): per part, the
/// mean absolute difference of each filled bar pair's figures from the mean of its
/// neighbours', for infill, a random training bar pair of the same part, and the music's own.
#[derive(Debug, Clone, PartialEq)]
pub struct PartSeams {
    /// Per part (bass, inner, melody): spans filled, and the three rows of differences.
    pub spans: [usize; 3],
    pub infill: [[f64; 4]; 3],
    pub random: [[f64; 4]; 3],
    pub real: [[f64; 4]; 3],
    /// Given notes kept exactly, of all of them.
    pub kept: (usize, usize),
    pub seconds: f64,
}

/// Bars 4 and 5 (1-based; ticks 144..240) of each part of the first 8 bars of each work,
/// taken out in turn and filled (`tries` draws each), against the neighbouring bars 3 and 6;
/// a random 2-bar span of the same part from `train` in its place; the music's own bars.
/// Works shorter than 8 bars, or whose part is silent in bars 3-6, are left out.
pub fn seam_check(
    mut model: AccompModel,
    works: &[super::data::Work],
    train: &[super::data::Work],
    temperature: f32,
    harmony: f32,
    tries: usize,
) -> Result<(PartSeams, AccompModel)> {
    let t0 = std::time::Instant::now();
    let mut r = PartSeams {
        spans: [0; 3],
        infill: [[0.0; 4]; 3],
        random: [[0.0; 4]; 3],
        real: [[0.0; 4]; 3],
        kept: (0, 0),
        seconds: 0.0,
    };
    let (from, to) = (3 * BAR_TICKS, 5 * BAR_TICKS);
    let (left, right) = ((2 * BAR_TICKS, from), (to, 6 * BAR_TICKS));
    let mut rng = crate::rng::Rng::new(0x1F11);
    let train_events: Vec<Vec<Event>> = train
        .iter()
        .filter_map(|w| w.events(Setup::Alone, 0).ok().flatten())
        .collect();
    if train_events.is_empty() {
        return Err(Error::invalid(
            "the infill check needs training works to compare with",
        ));
    }
    for (i, work) in works.iter().enumerate() {
        let Some(events) = work.events(Setup::Alone, 0)? else {
            continue;
        };
        if work.end * f64::from(TICKS_PER_BEAT) < (8 * BAR_TICKS) as f64 {
            continue;
        }
        let chords = chords_in(&events);
        for role in 0..3u8 {
            let part: Vec<Event> = events
                .iter()
                .filter(|e| matches!(e.what, What::Part(r, _) if r == role))
                .copied()
                .collect();
            let fig =
                |notes: &[Event], span: (i64, i64)| part_figures(notes, &chords, span.0, span.1);
            let (Some(l), Some(rt), Some(real)) =
                (fig(&part, left), fig(&part, right), fig(&part, (from, to)))
            else {
                continue;
            };
            let given: Vec<Event> = events
                .iter()
                .filter(|e| {
                    !(matches!(e.what, What::Part(r, _) if r == role)
                        && e.time >= from
                        && e.time < to)
                })
                .copied()
                .collect();
            let gap = PartGap { role, from, to };
            let (added, back) =
                infill_part(model, &given, gap, temperature, harmony, tries, i as u64);
            model = back;
            let added = added?;
            // (infill only adds: the given notes are the ones it was given, counted as kept
            // where none of the added ones lands on them)
            let kept = given
                .iter()
                .filter(|g| matches!(g.what, What::Part(..)))
                .filter(|g| !added.iter().any(|a| a.time == g.time && a.what == g.what))
                .count();
            r.kept.0 += kept;
            r.kept.1 += given
                .iter()
                .filter(|g| matches!(g.what, What::Part(..)))
                .count();
            let mean: Vec<f64> = (0..4).map(|k| (l[k] + rt[k]) / 2.0).collect();
            let filled = fig(&added, (from, to)).unwrap_or([0.0; 4]);
            // a random training work's part over two bars, its own chords
            let random = (0..20).find_map(|_| {
                let w = &train_events[(rng.next_u64() % train_events.len() as u64) as usize];
                let end = w.iter().map(|e| e.time).max().unwrap_or(0);
                let bars = end / BAR_TICKS;
                if bars < 3 {
                    return None;
                }
                let at = (rng.next_u64() % (bars - 1) as u64) as i64 * BAR_TICKS;
                let ch = chords_in(w);
                let notes: Vec<Event> = w
                    .iter()
                    .filter(|e| matches!(e.what, What::Part(r, _) if r == role))
                    .copied()
                    .collect();
                part_figures(&notes, &ch, at, at + 2 * BAR_TICKS)
            });
            let random = random.unwrap_or([0.0; 4]);
            let ri = usize::from(role);
            for k in 0..4 {
                r.infill[ri][k] += (filled[k] - mean[k]).abs();
                r.random[ri][k] += (random[k] - mean[k]).abs();
                r.real[ri][k] += (real[k] - mean[k]).abs();
            }
            r.spans[ri] += 1;
        }
    }
    for ri in 0..3 {
        let n = r.spans[ri].max(1) as f64;
        for row in [&mut r.infill, &mut r.random, &mut r.real] {
            for x in row[ri].iter_mut() {
                *x /= n;
            }
        }
    }
    r.seconds = t0.elapsed().as_secs_f64();
    Ok((r, model))
}

/// The part seams as a markdown table.
pub fn seam_table(r: &PartSeams, split: &str, tries: usize) -> String {
    let mut t = format!(
        "Infill of a part ({split} split, the first 8 bars of each work; bars 4-5 of one part \
         taken out and filled, best of {tries} draws; each part in turn): mean absolute \
         difference of the filled bars' figures from the mean of the neighbouring bars 3 and \
         6, beside two bars of the same part from a random training work and the music's own \
         bars; lower is closer. Given notes untouched (infill only adds notes, so by \
         construction): {} of {}. {:.1} s.\n\n\
         | part | figure | infill | a random training span | the music's own |\n\
         |---|---|---:|---:|---:|\n",
        r.kept.0, r.kept.1, r.seconds
    );
    for (ri, part) in ["bass", "inner", "melody"].iter().enumerate() {
        for (k, name) in PART_FEATURES.iter().enumerate() {
            t.push_str(&format!(
                "| {part} ({} spans) | {name} | {:.3} | {:.3} | {:.3} |\n",
                r.spans[ri], r.infill[ri][k], r.random[ri][k], r.real[ri][k]
            ));
        }
    }
    t
}

/// The draws [`infill_part`] makes by default (chosen on validation: the model card).
pub const DEFAULT_TRIES: usize = 8;

/// A song as compose mode reads it from a MIDI file: the parts on channels 1, 2 and 3 (bass,
/// inner voices, melody: as `bandmate accomp` writes them), and every other note, kept.
#[derive(Debug, Clone)]
pub struct Song {
    notes: Vec<crate::midi::NoteEvent>,
    bars: usize,
}

fn to_ticks(beats: f64) -> i64 {
    (beats * f64::from(TICKS_PER_BEAT)).round() as i64
}

impl Song {
    /// Checked: 4/4, at least one note of a part.
    pub fn from_midi(file: &crate::midi::MidiFile) -> Result<Song> {
        if let Some(ts) = file.other_meter() {
            return Err(Error::invalid(format!(
                "the song is in {}/{} from beat {}; compose mode plays 4/4 only",
                ts.numerator, ts.denominator, ts.beat
            )));
        }
        if !file.notes.iter().any(|n| n.channel <= 2) {
            return Err(Error::invalid(
                "no part: compose mode reads the bass, inner voices and melody on channels 1, 2 \
                 and 3 (as bandmate accomp writes them)",
            ));
        }
        Ok(Song {
            notes: file.notes.clone(),
            bars: file.bars(),
        })
    }

    pub fn bars(&self) -> usize {
        self.bars
    }

    /// How many notes it holds (parts and others).
    pub fn notes(&self) -> usize {
        self.notes.len()
    }

    /// Its parts as the accompanist's events.
    pub fn events(&self) -> Vec<Event> {
        self.notes
            .iter()
            .filter(|n| n.channel <= 2)
            .map(|n| Event {
                time: to_ticks(n.beat),
                duration: (to_ticks(n.end_beat) - to_ticks(n.beat)).max(1) as u32,
                what: What::Part(n.channel, n.key),
            })
            .collect()
    }

    /// Whether part `role` plays in bars `from..to` (0-based): a note of it starts there, or
    /// one held from before sounds through the middle of one of them (a note ringing a beat
    /// into the next bar leaves that bar to fill; a whole note held over it does not).
    pub fn sounds(&self, role: u8, from: usize, to: usize) -> bool {
        let (a, b) = (from as f64 * 4.0, to as f64 * 4.0);
        self.notes.iter().filter(|n| n.channel == role).any(|n| {
            (n.beat >= a && n.beat < b)
                || (from..to).any(|k| {
                    let mid = k as f64 * 4.0 + 2.0;
                    n.beat <= mid && n.end_beat > mid
                })
        })
    }

    /// The first run of bars (1-based, inclusive) where part `role` plays no note, between two
    /// bars where it does.
    pub fn empty_bars(&self, role: u8) -> Option<(usize, usize)> {
        // a bar is played where a note of the part sounds in it (held ones too)
        let played: Vec<bool> = (0..self.bars)
            .map(|b| self.sounds(role, b, b + 1))
            .collect();
        let first = played.iter().position(|&p| p)?;
        let gap = (first..self.bars).find(|&b| !played[b])?;
        let end = (gap..self.bars).find(|&b| played[b])?;
        Some((gap + 1, end))
    }

    /// The song with `added` notes of a part, as a Standard MIDI File at `bpm`: every note of
    /// the song as it was (its channel, key, velocity, length), the new ones on their part's
    /// channel at the part's mean velocity.
    pub fn to_smf(&self, added: &[Event], bpm: f64) -> Result<Vec<u8>> {
        let velocity = |role: u8| {
            let v: Vec<f64> = self
                .notes
                .iter()
                .filter(|n| n.channel == role)
                .map(|n| f64::from(n.velocity))
                .collect();
            if v.is_empty() {
                80
            } else {
                (v.iter().sum::<f64>() / v.len() as f64)
                    .round()
                    .clamp(1.0, 127.0) as u8
            }
        };
        let tick = f64::from(TICKS_PER_BEAT);
        let mut notes: Vec<crate::midi::Note> = self
            .notes
            .iter()
            .map(|n| crate::midi::Note {
                beat: n.beat.max(0.0),
                beats: n.beats(),
                channel: n.channel,
                key: n.key,
                velocity: n.velocity,
            })
            .collect();
        for e in added {
            if let What::Part(role, key) = e.what {
                notes.push(crate::midi::Note {
                    beat: e.time as f64 / tick,
                    beats: f64::from(e.duration) / tick,
                    channel: role,
                    key,
                    velocity: velocity(role),
                });
            }
        }
        crate::midi::notes_to_smf(&notes, bpm, (self.bars * 4) as f64, "bandmate song")
    }
}
