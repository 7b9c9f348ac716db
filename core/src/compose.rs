//! Compose mode: a multi-bar drum clip (4 to 32 bars of 4/4) with some bars, or some drums in
//! some bars, left empty, filled in by the groove model in the feel of the bars around them.
//!
//! A clip is a list of notes in beats, as a MIDI file or Live's clip view holds them. Infill
//! never touches a note that is there: it only adds notes, in the cells it was asked to fill
//! (see [`Gaps`]). Each bar to fill is played by the model as a 2-bar loop of that bar: the
//! drums the bar already has are given as its score (so the new drums fit them), and every
//! latent the bar does not give (the missing drums', the feel's, the accents') comes from the
//! encoder's readings of the nearest whole bars before and after the gap, interpolated by where
//! the bar lies between them (one side only at the clip's ends), plus the readings' own spread
//! times the temperature. The first bar of the loop the model plays fills the gap's cells.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};
use crate::fsutil;
use crate::groove::Request;
use crate::midi::{notes_to_smf, MidiFile, Note, DRUM_CHANNEL};
use crate::model::GrooveModel;
use crate::pattern::{Hit, Pattern, STEPS_PER_BAR, STEPS_PER_BEAT};
use crate::rng::Rng;
use crate::voice::{Voice, VOICES};

/// The shortest clip compose mode takes, in bars.
pub const MIN_BARS: usize = 4;
/// The longest.
pub const MAX_BARS: usize = 32;
/// Beats in a bar (compose mode plays 4/4 only, as the model was trained).
pub const BEATS_PER_BAR: f64 = 4.0;
/// The length of a note compose mode adds, in beats (a 32nd: drums are one-shots; hosts that
/// read lengths get a short, visible note).
pub const NOTE_BEATS: f64 = 0.125;

/// A note of a drum clip, in beats from the clip's start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClipNote {
    pub beat: f64,
    /// Its length in beats.
    pub beats: f64,
    pub key: u8,
    /// 1..127.
    pub velocity: u8,
    /// 0-based (9: General MIDI's drum channel 10).
    pub channel: u8,
}

impl ClipNote {
    /// The drum it plays.
    pub fn voice(&self) -> Option<Voice> {
        Voice::from_note(self.key)
    }
}

/// A drum clip: its notes and its length in whole 4/4 bars; from a file, also its tempo and
/// the notes of other instruments it holds beside the drums (kept as they are, never read).
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    notes: Vec<ClipNote>,
    bars: usize,
    others: Vec<ClipNote>,
    bpm: Option<f64>,
}

fn clip_error(m: impl Into<String>) -> Error {
    Error::invalid(m.into())
}

impl Clip {
    /// A clip of `bars` bars holding `notes`: checked that it has 4 to 32 bars, at least one
    /// note, every note inside the clip with a velocity of 1..127 and a key on the drum map.
    pub fn new(notes: Vec<ClipNote>, bars: usize) -> Result<Clip> {
        if !(MIN_BARS..=MAX_BARS).contains(&bars) {
            return Err(clip_error(format!(
                "the clip has {bars} bars; compose mode takes {MIN_BARS} to {MAX_BARS} bars of 4/4"
            )));
        }
        if notes.is_empty() {
            return Err(clip_error(
                "the clip is empty: infill needs some bars played to fill the others in their feel",
            ));
        }
        let end = bars as f64 * BEATS_PER_BAR;
        let mut outside: BTreeMap<u8, usize> = BTreeMap::new();
        for n in &notes {
            if !n.beat.is_finite() || !n.beats.is_finite() || n.beats < 0.0 {
                return Err(clip_error(format!(
                    "a note at beat {} lasting {} beats is not a time",
                    n.beat, n.beats
                )));
            }
            // half a 16th early on the first beat is still the first step, as a MIDI file reads
            let earliest = -0.5 / STEPS_PER_BEAT as f64;
            if n.beat < earliest || n.beat >= end {
                return Err(clip_error(format!(
                    "a note at beat {:.3} is outside the clip (0 to {end} beats, {bars} bars)",
                    n.beat
                )));
            }
            if !(1..=127).contains(&n.velocity) {
                return Err(clip_error(format!(
                    "a note at beat {:.3} has velocity {}; expected 1 to 127",
                    n.beat, n.velocity
                )));
            }
            if n.voice().is_none() {
                *outside.entry(n.key).or_insert(0) += 1;
            }
        }
        if !outside.is_empty() {
            return Err(clip_error(format!(
                "notes outside the drum map: {} (the drums are {}; docs/representation.md has \
                 the map)",
                outside
                    .iter()
                    .map(|(k, n)| format!("{k} x{n}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                Voice::ALL
                    .iter()
                    .map(|v| format!("{} {}", v.name(), v.gm_note()))
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(Clip {
            notes,
            bars,
            others: Vec::new(),
            bpm: None,
        })
    }

    /// A clip from a MIDI file: its drum notes (channel 10 if it has any, else every channel),
    /// its length in whole bars (the file's end, its End-of-Track marker, its last note). An
    /// error, naming the file, for anything but 4/4, or any check of [`Clip::new`].
    pub fn read(path: &Path) -> Result<Clip> {
        let file = MidiFile::read(path)?;
        Clip::from_midi(&file).map_err(|e| e.at(path))
    }

    /// A clip from a parsed MIDI file (see [`Clip::read`]).
    pub fn from_midi(file: &MidiFile) -> Result<Clip> {
        if let Some(ts) = file.other_meter() {
            return Err(clip_error(format!(
                "the clip is in {}/{} from beat {}; compose mode plays 4/4 only (the model \
                 learned 4/4 bars)",
                ts.numerator, ts.denominator, ts.beat
            )));
        }
        let note = |n: &crate::midi::NoteEvent| ClipNote {
            beat: n.beat,
            beats: n.beats(),
            key: n.key,
            velocity: n.velocity,
            channel: n.channel,
        };
        // channel 10 where the file uses it (the other channels' notes, a bass line..., stay
        // as they are), else every channel (as `ChannelSelect::Auto` reads drums)
        let drum_channel = file.notes.iter().any(|n| n.channel == DRUM_CHANNEL);
        let (notes, others): (Vec<ClipNote>, Vec<ClipNote>) = file
            .notes
            .iter()
            .map(note)
            .partition(|n| !drum_channel || n.channel == DRUM_CHANNEL);
        let last = notes
            .iter()
            .map(|n| (n.beat / BEATS_PER_BAR).floor().max(0.0) as usize + 1)
            .max()
            .unwrap_or(0);
        let bars = file.whole_bars().max(last);
        let mut clip = Clip::new(notes, bars)?;
        clip.others = others;
        clip.bpm = Some(file.initial_bpm());
        Ok(clip)
    }

    /// The tempo of the file it was read from.
    pub fn bpm(&self) -> Option<f64> {
        self.bpm
    }

    /// The clip with `added` drum notes (as [`infill`] gives them): the same clip otherwise.
    pub fn with(&self, added: &[ClipNote]) -> Result<Clip> {
        let mut notes = self.notes.clone();
        notes.extend_from_slice(added);
        let mut c = Clip::new(notes, self.bars)?;
        c.others = self.others.clone();
        c.bpm = self.bpm;
        Ok(c)
    }

    /// The channel its drums play on (0-based): that of its first drum note.
    pub fn drum_channel(&self) -> u8 {
        self.notes.first().map_or(DRUM_CHANNEL, |n| n.channel)
    }

    pub fn notes(&self) -> &[ClipNote] {
        &self.notes
    }

    pub fn bars(&self) -> usize {
        self.bars
    }

    /// The clip on the 16th-note grid, each note at its nearest step with its timing as the
    /// offset (the loudest note where one drum has several on a step), as MIDI files are read.
    pub fn pattern(&self) -> Pattern {
        let mut p = Pattern::new(self.bars * STEPS_PER_BAR).expect("4..32 bars");
        for n in &self.notes {
            let Some(v) = n.voice() else { continue };
            let pos = n.beat * STEPS_PER_BEAT as f64;
            // its nearest step inside the clip, and its timing against that step (a note late
            // on the last step stays late)
            let step = crate::midi::nearest_step(pos).clamp(0.0, (p.steps() - 1) as f64);
            let offset = ((pos - step) as f32).clamp(-0.5, 0.5);
            let hit = Hit {
                velocity: n.velocity as f32 / 127.0,
                offset,
            };
            let step = step as usize;
            if p.get(step, v).is_none_or(|old| old.velocity < hit.velocity) {
                p.set(step, v, Some(hit)).expect("a checked note");
            }
        }
        p
    }

    /// The clip with `added` notes, as a Standard MIDI File at `bpm` (480 PPQ, 4/4, ending at
    /// the clip's end): the clip's own notes, drums and others, at their own times, lengths,
    /// keys, velocities and channels; the added ones on the clip's drum channel.
    pub fn to_smf(&self, added: &[ClipNote], bpm: f64, name: &str) -> Result<Vec<u8>> {
        let drums = self.drum_channel();
        let notes: Vec<Note> = self
            .notes
            .iter()
            .chain(&self.others)
            .map(|n| (n, n.channel))
            .chain(added.iter().map(|n| (n, drums)))
            .map(|(n, channel)| Note {
                beat: n.beat.max(0.0),
                beats: n.beats,
                channel,
                key: n.key,
                velocity: n.velocity,
            })
            .collect();
        notes_to_smf(&notes, bpm, self.bars as f64 * BEATS_PER_BAR, name)
    }

    /// [`Clip::to_smf`] written atomically.
    pub fn write(&self, path: &Path, added: &[ClipNote], bpm: f64) -> Result<()> {
        let name = path
            .file_stem()
            .map_or("bandmate".into(), |s| s.to_string_lossy().into_owned());
        let bytes = self.to_smf(added, bpm, &name).map_err(|e| e.at(path))?;
        fsutil::write_atomic(path, &bytes)
    }
}

/// Which cells of a clip infill may fill: per bar, per drum.
#[derive(Debug, Clone, PartialEq)]
pub struct Gaps {
    cells: Vec<[bool; VOICES]>,
}

impl Gaps {
    /// What to fill in `clip`. `bars`: 1-based, inclusive (as a performer counts them); `None`:
    /// every bar with no note at all. `voices`: the drums to fill (`None`: all of them). A drum
    /// that already has notes in a bar is never filled there. An error where the range is
    /// outside the clip, where nothing is left to fill, or where no bar outside the gaps has
    /// notes to take the feel from.
    pub fn choose(
        clip: &Clip,
        bars: Option<(usize, usize)>,
        voices: Option<&[Voice]>,
    ) -> Result<Gaps> {
        let n = clip.bars;
        let p = clip.pattern();
        let played = |bar: usize, v: Voice| {
            (bar * STEPS_PER_BAR..(bar + 1) * STEPS_PER_BAR).any(|s| p.get(s, v).is_some())
        };
        let empty_bar = |bar: usize| Voice::ALL.iter().all(|&v| !played(bar, v));
        let range = match bars {
            Some((first, last)) => {
                if first == 0 || first > last || last > n {
                    return Err(clip_error(format!(
                        "bars {first}-{last} are not a range inside the clip (bars 1-{n})"
                    )));
                }
                Some((first - 1, last - 1))
            }
            None => None,
        };
        let mut cells = vec![[false; VOICES]; n];
        for (bar, row) in cells.iter_mut().enumerate() {
            let asked = match range {
                Some((a, b)) => (a..=b).contains(&bar),
                None => empty_bar(bar),
            };
            if !asked {
                continue;
            }
            for v in Voice::ALL {
                let wanted = voices.is_none_or(|vs| vs.contains(&v));
                row[v.index()] = wanted && !played(bar, v);
            }
        }
        let gaps = Gaps { cells };
        if gaps.count() == 0 {
            return Err(clip_error(match range {
                None => "nothing to fill: no bar of the clip is empty (name the bars to fill)"
                    .to_string(),
                Some((a, b)) => format!(
                    "nothing to fill in bars {}-{}: every drum asked for already plays there",
                    a + 1,
                    b + 1
                ),
            }));
        }
        if gaps.context(&p).is_empty() {
            return Err(clip_error(
                "no bar outside the ones to fill has notes: infill takes the feel from the \
                 bars around the gap",
            ));
        }
        Ok(gaps)
    }

    /// The gaps as given: `cells[bar][voice]`, true where infill may add notes.
    pub fn from_cells(cells: Vec<[bool; VOICES]>) -> Gaps {
        Gaps { cells }
    }

    /// How many (bar, drum) cells are to be filled.
    pub fn count(&self) -> usize {
        self.cells.iter().flatten().filter(|&&c| c).count()
    }

    /// Whether `voice` may be filled in `bar` (0-based).
    pub fn has(&self, bar: usize, voice: Voice) -> bool {
        self.cells.get(bar).is_some_and(|r| r[voice.index()])
    }

    /// The bars to fill (0-based).
    pub fn bars(&self) -> Vec<usize> {
        (0..self.cells.len())
            .filter(|&b| self.cells[b].iter().any(|&c| c))
            .collect()
    }

    /// The bars the feel is read from: no cell to fill, at least one note.
    fn context(&self, p: &Pattern) -> Vec<usize> {
        (0..self.cells.len())
            .filter(|&b| !self.cells[b].iter().any(|&c| c))
            .filter(|&b| {
                (b * STEPS_PER_BAR..(b + 1) * STEPS_PER_BAR)
                    .any(|s| Voice::ALL.iter().any(|&v| p.get(s, v).is_some()))
            })
            .collect()
    }
}

/// Bar `bar` of `p` played twice: the model's 2-bar loop of one bar.
pub fn bar_loop(p: &Pattern, bar: usize) -> Result<Pattern> {
    let one = p.window(bar * STEPS_PER_BAR, STEPS_PER_BAR)?;
    Pattern::concat(&[one.clone(), one])
}

/// The notes infill adds: for every cell of `gaps`, what the model plays there (see the
/// module's doc). Same clip, gaps, temperature and seed: the same notes.
pub fn infill(
    model: &mut GrooveModel,
    clip: &Clip,
    gaps: &Gaps,
    temperature: f32,
    seed: u64,
) -> Result<Vec<ClipNote>> {
    if gaps.cells.len() != clip.bars {
        return Err(clip_error(format!(
            "the gaps cover {} bars; the clip has {}",
            gaps.cells.len(),
            clip.bars
        )));
    }
    let p = clip.pattern();
    let context = gaps.context(&p);
    if context.is_empty() {
        return Err(clip_error(
            "no bar outside the ones to fill has notes to take the feel from",
        ));
    }
    let mut readings: BTreeMap<usize, (Vec<f32>, Vec<f32>)> = BTreeMap::new();
    for &b in &context {
        let (mu, logvar) = model.read_loop(&bar_loop(&p, b)?)?;
        let sd = logvar.iter().map(|l| (0.5 * l).exp()).collect();
        readings.insert(b, (mu, sd));
    }
    let mut added = Vec::new();
    for bar in gaps.bars() {
        let before = context.iter().rev().find(|&&b| b < bar);
        let after = context.iter().find(|&&b| b > bar);
        let (mu, sd) = match (before, after) {
            (Some(&a), Some(&b)) => {
                let w = (bar - a) as f32 / (b - a) as f32;
                let (ma, sa) = &readings[&a];
                let (mb, sb) = &readings[&b];
                let mix = |x: &[f32], y: &[f32]| -> Vec<f32> {
                    x.iter().zip(y).map(|(x, y)| x + w * (y - x)).collect()
                };
                (mix(ma, mb), mix(sa, sb))
            }
            (Some(a), None) | (None, Some(a)) => readings[a].clone(),
            (None, None) => unreachable!("context is not empty"),
        };
        let bar_seed = seed ^ (bar as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut rng = Rng::new(bar_seed);
        let missing: Vec<f32> = mu
            .iter()
            .zip(&sd)
            .map(|(m, s)| m + s * temperature * rng.normal())
            .collect();
        let own = bar_loop(&p, bar)?;
        let mut request = Request::new();
        for v in Voice::ALL {
            if gaps.has(bar, v) {
                continue;
            }
            let row: Vec<f32> = (0..2 * STEPS_PER_BAR)
                .map(|s| own.get(s, v).is_some() as u8 as f32)
                .collect();
            request.set_score_row(v.name(), &row)?;
        }
        request.set_temperature(temperature)?;
        request.set_seed(bar_seed);
        let played = model.generate_near(&request, Some(&missing))?.pattern;
        for (s, v, hit) in played.hits() {
            if s >= STEPS_PER_BAR || !gaps.has(bar, v) {
                continue;
            }
            let step = bar * STEPS_PER_BAR + s;
            added.push(ClipNote {
                beat: (step as f64 + hit.offset as f64) / STEPS_PER_BEAT as f64,
                beats: NOTE_BEATS,
                key: v.gm_note(),
                velocity: hit.midi_velocity(),
                channel: clip.drum_channel(),
            });
        }
    }
    added.sort_by(|a, b| a.beat.total_cmp(&b.beat).then(a.key.cmp(&b.key)));
    Ok(added)
}

/// Parse a 1-based bar range as a performer writes it: `5-8`, or `5` for one bar.
pub fn parse_bars(s: &str) -> Result<(usize, usize)> {
    let bad = || {
        Error::new(ErrorKind::Invalid(format!(
            "bars '{s}': expected FIRST-LAST (1-based, e.g. 5-8) or one bar number"
        )))
    };
    let (a, b) = match s.split_once('-') {
        Some((a, b)) => (a, b),
        None => (s, s),
    };
    let a: usize = a.trim().parse().map_err(|_| bad())?;
    let b: usize = b.trim().parse().map_err(|_| bad())?;
    if a == 0 || b < a {
        return Err(bad());
    }
    Ok((a, b))
}

impl Clip {
    /// A clip of a pattern's hits (whole bars of 16 steps), each at its step plus its offset.
    pub fn from_pattern(p: &Pattern) -> Result<Clip> {
        let notes = p
            .hits()
            .map(|(s, v, h)| ClipNote {
                beat: (s as f64 + h.offset as f64) / STEPS_PER_BEAT as f64,
                beats: NOTE_BEATS,
                key: v.gm_note(),
                velocity: h.midi_velocity(),
                channel: DRUM_CHANNEL,
            })
            .collect();
        Clip::new(notes, p.bars())
    }
}

/// The example clip beside the help patches (`patches/pd/clip.mid`, written by bandmate-gen):
/// the funk preset played over 8 bars, with bars 5 and 6 left empty for `infill`.
pub fn example_clip() -> Clip {
    let (funk, _) = crate::patfile::preset("funk").expect("a built-in preset");
    let two = funk.window(0, 2 * STEPS_PER_BAR).expect("two bars");
    let eight = Pattern::concat(&[two.clone(), two.clone(), two.clone(), two]).expect("8 bars");
    let mut notes = Clip::from_pattern(&eight).expect("a clip").notes;
    notes.retain(|n| !(16.0..24.0).contains(&n.beat));
    Clip::new(notes, 8).expect("a clip")
}

/// What a bar of drums is like, for comparing a filled bar with the bars around it.
pub const FEATURES: [&str; 6] = [
    "hits per bar",
    "drums used",
    "mean offset (steps)",
    "offset spread (std, steps)",
    "mean velocity (0..1)",
    "velocity spread (std)",
];

/// [`FEATURES`] of bar `bar` of `p` (`None` for a bar with no hit).
pub fn bar_features(p: &Pattern, bar: usize) -> Option<[f32; 6]> {
    let hits: Vec<(Voice, Hit)> = (bar * STEPS_PER_BAR..(bar + 1) * STEPS_PER_BAR)
        .flat_map(|s| {
            Voice::ALL
                .into_iter()
                .filter_map(move |v| p.get(s, v).map(|h| (v, h)))
        })
        .collect();
    if hits.is_empty() {
        return None;
    }
    let n = hits.len() as f32;
    let stats = |xs: &mut dyn Iterator<Item = f32>| {
        let xs: Vec<f32> = xs.collect();
        let m = xs.iter().sum::<f32>() / n;
        let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f32>() / n;
        (m, v.sqrt())
    };
    let (om, os) = stats(&mut hits.iter().map(|(_, h)| h.offset));
    let (vm, vs) = stats(&mut hits.iter().map(|(_, h)| h.velocity));
    let drums = Voice::ALL
        .iter()
        .filter(|&&v| hits.iter().any(|(w, _)| *w == v))
        .count();
    Some([n, drums as f32, om, os, vm, vs])
}

/// How close filled bars come to the bars around them, against a random training bar put in
/// their place and against the drummer's own bars that were taken out (see
/// [`seam_check`]): per feature of [`FEATURES`], the mean absolute difference from the mean
/// of the two neighbouring bars' features.
#[derive(Debug, Clone, PartialEq)]
pub struct SeamCheck {
    pub clips: usize,
    pub bars_filled: usize,
    pub infill: [f32; 6],
    pub random: [f32; 6],
    pub real: [f32; 6],
    /// Notes of the clips that infill left exactly as they were, of all of them.
    pub kept: (usize, usize),
    pub seconds: f64,
}

/// 8-bar clips of a split's performances (from the dataset export's consecutive windows of one
/// performance: bar k is the first bar of the window starting at bar k), up to `count`, taken
/// in turn from each performance so that many drummers appear; only clips whose bars 3 to 6
/// (1-based) all have notes. Each clip with its performance id.
pub fn clips_of(
    windows: &crate::eval::Windows,
    ids: &[String],
    starts: &[usize],
    count: usize,
) -> Result<Vec<(String, Pattern)>> {
    let mut by_perf: BTreeMap<&str, BTreeMap<usize, usize>> = BTreeMap::new();
    for (w, (id, &start)) in ids.iter().zip(starts).enumerate() {
        by_perf.entry(id).or_default().insert(start, w);
    }
    let bar_of = |w: usize, half: usize| -> Result<Pattern> {
        let p = windows.pattern(w)?;
        p.window(half * STEPS_PER_BAR, STEPS_PER_BAR)
    };
    let mut per_perf: Vec<Vec<(String, Pattern)>> = Vec::new();
    for (id, starts) in &by_perf {
        let mut mine = Vec::new();
        let mut s = 0;
        let last = starts.keys().next_back().copied().unwrap_or(0);
        while s + 6 <= last {
            if (s..s + 7).all(|k| starts.contains_key(&k)) {
                let mut bars = (s..s + 7)
                    .map(|k| bar_of(starts[&k], 0))
                    .collect::<Result<Vec<_>>>()?;
                bars.push(bar_of(starts[&(s + 6)], 1)?);
                let p = Pattern::concat(&bars)?;
                if (2..6).all(|b| bar_features(&p, b).is_some()) {
                    mine.push((id.to_string(), p));
                }
                s += 8;
            } else {
                s += 1;
            }
        }
        per_perf.push(mine);
    }
    let mut out = Vec::new();
    let mut round = 0;
    while out.len() < count && per_perf.iter().any(|m| m.len() > round) {
        for m in &per_perf {
            if out.len() < count {
                if let Some(c) = m.get(round) {
                    out.push(c.clone());
                }
            }
        }
        round += 1;
    }
    Ok(out)
}

/// Infill measured as the issue asks: in each clip, bars 4 and 5 (1-based) are taken out and
/// filled; each filled bar's [`FEATURES`] are compared with the mean of its neighbours' (bars 3
/// and 6), beside a random bar of `train` put in its place and beside the drummer's own bar.
pub fn seam_check(
    model: &mut GrooveModel,
    clips: &[(String, Pattern)],
    train: &crate::eval::Windows,
    seed: u64,
) -> Result<SeamCheck> {
    let t0 = std::time::Instant::now();
    let (gap, neighbours) = ([3usize, 4], [2usize, 5]);
    let mut sums = [[0f64; 6]; 3];
    let mut n = 0usize;
    let mut kept = (0, 0);
    let mut rng = Rng::new(seed ^ 0x5EA4);
    for (i, (_, real)) in clips.iter().enumerate() {
        let mut holed = real.clone();
        for b in gap {
            for s in b * STEPS_PER_BAR..(b + 1) * STEPS_PER_BAR {
                for v in Voice::ALL {
                    holed.set(s, v, None)?;
                }
            }
        }
        let clip = Clip::from_pattern(&holed)?;
        let gaps = Gaps::choose(&clip, Some((gap[0] + 1, gap[1] + 1)), None)?;
        let added = infill(model, &clip, &gaps, 1.0, seed.wrapping_add(i as u64))?;
        let filled = clip.with(&added)?.pattern();
        let before = clip.pattern();
        kept.1 += before.hit_count();
        kept.0 += before
            .hits()
            .filter(|&(s, v, h)| filled.get(s, v) == Some(h))
            .count();
        let around: Vec<[f32; 6]> = neighbours
            .iter()
            .filter_map(|&b| bar_features(real, b))
            .collect();
        let mean = |k: usize| around.iter().map(|f| f[k]).sum::<f32>() / around.len() as f32;
        for b in gap {
            let w = (rng.next_u64() % train.count.max(1) as u64) as usize;
            let random = train.pattern(w)?;
            let candidates = [
                bar_features(&filled, b),
                bar_features(&random, 0),
                bar_features(real, b),
            ];
            // a filled bar left silent counts as all zeros
            for (row, f) in sums.iter_mut().zip(candidates) {
                let f = f.unwrap_or([0.0; 6]);
                for k in 0..6 {
                    row[k] += (f[k] - mean(k)).abs() as f64;
                }
            }
            n += 1;
        }
    }
    let avg = |row: &[f64; 6]| row.map(|x| (x / n.max(1) as f64) as f32);
    Ok(SeamCheck {
        clips: clips.len(),
        bars_filled: n,
        infill: avg(&sums[0]),
        random: avg(&sums[1]),
        real: avg(&sums[2]),
        kept,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// The seam check as a markdown table.
pub fn seam_table(c: &SeamCheck, split: &str) -> String {
    let mut t = format!(
        "Infill on {} 8-bar clips of the {split} split (bars 4 and 5 taken out and filled, {} \
         bars): mean absolute difference of each filled bar's figure from the mean of its \
         neighbours' (bars 3 and 6); lower is closer. The clips' notes found unchanged in the filled clips (infill only adds \
         notes: this checks the reading back): {} of {}. {:.1} s.\n\n\
         | figure of a bar | infill | a random training bar | the drummer's own bar |\n\
         |---|---:|---:|---:|\n",
        c.clips, c.bars_filled, c.kept.0, c.kept.1, c.seconds
    );
    for (k, name) in FEATURES.iter().enumerate() {
        t.push_str(&format!(
            "| {name} | {:.3} | {:.3} | {:.3} |\n",
            c.infill[k], c.random[k], c.real[k]
        ));
    }
    t
}

/// A bar's figures for telling fills from beats: each drum's hits in the bar (per 16 steps),
/// and all of them.
fn fill_features(p: &Pattern, bar: usize) -> [f32; VOICES + 1] {
    let mut f = [0f32; VOICES + 1];
    for s in bar * STEPS_PER_BAR..(bar + 1) * STEPS_PER_BAR {
        for v in Voice::ALL {
            if p.get(s, v).is_some() {
                f[v.index()] += 1.0 / STEPS_PER_BAR as f32;
                f[VOICES] += 1.0 / STEPS_PER_BAR as f32;
            }
        }
    }
    f
}

/// A simple classifier of bars, fill or beat: logistic regression on [`fill_features`],
/// trained on real bars with the two kinds weighted equally.
#[derive(Debug, Clone, PartialEq)]
pub struct FillClassifier {
    w: [f32; VOICES + 1],
    b: f32,
}

impl FillClassifier {
    /// Trained on every bar of `windows` (`fills[w]`: the GMD labels window `w` a fill).
    pub fn train(windows: &crate::eval::Windows, fills: &[bool]) -> Result<FillClassifier> {
        let mut xs = Vec::new();
        for (w, &fill) in fills.iter().enumerate().take(windows.count) {
            let p = windows.pattern(w)?;
            for bar in 0..2 {
                xs.push((fill_features(&p, bar), fill));
            }
        }
        let n_fill = xs.iter().filter(|x| x.1).count().max(1) as f32;
        let n_beat = xs.iter().filter(|x| !x.1).count().max(1) as f32;
        let mut c = FillClassifier {
            w: [0.0; VOICES + 1],
            b: 0.0,
        };
        for _ in 0..400 {
            let mut gw = [0f32; VOICES + 1];
            let mut gb = 0f32;
            for (x, fill) in &xs {
                let weight = if *fill { 0.5 / n_fill } else { 0.5 / n_beat };
                let err = (c.probability(x) - *fill as u8 as f32) * weight;
                for (g, x) in gw.iter_mut().zip(x) {
                    *g += err * x;
                }
                gb += err;
            }
            for (w, g) in c.w.iter_mut().zip(gw) {
                *w -= 4.0 * g;
            }
            c.b -= 4.0 * gb;
        }
        Ok(c)
    }

    fn probability(&self, x: &[f32; VOICES + 1]) -> f32 {
        let z = self.b + self.w.iter().zip(x).map(|(w, x)| w * x).sum::<f32>();
        1.0 / (1.0 + (-z).exp())
    }

    /// Whether bar `bar` of `p` reads as a fill.
    pub fn is_fill(&self, p: &Pattern, bar: usize) -> bool {
        self.probability(&fill_features(p, bar)) >= 0.5
    }
}

/// Fills measured as the issue asks (see [`fill_check`]).
#[derive(Debug, Clone, PartialEq)]
pub struct FillCheck {
    /// The split's real fill bars / beat bars that the classifier labels fills.
    pub real_fills: f32,
    pub real_beats: f32,
    /// The model's fill bars / its Generate loops' bars labelled fills.
    pub model_fills: f32,
    pub model_beats: f32,
    /// Mean absolute difference of a fill bar's mean offset from its loop's first bar's, and
    /// from another loop's (the fill made for the next loop).
    pub feel_own: f32,
    pub feel_other: f32,
    pub loops: usize,
}

/// The Generate loops `bandmate eval`'s fill check makes: 2,000, so that a rate's standard error
/// is under 0.01 (with 200, as before, it was about 0.02: the same model's beats labelled fills
/// read 0.215 over 200 loops and 0.193 over 2,000). About 3 s.
pub const FILL_CHECK_LOOPS: usize = 2000;

/// `loops` Generate loops (seeds 0..), each with its last bar made a fill; the classifier
/// (trained on `train`'s real bars) run on the fills, on the loops' own bars, and on the real
/// bars of `windows`.
pub fn fill_check(
    model: &mut GrooveModel,
    classifier: &FillClassifier,
    windows: &crate::eval::Windows,
    fills: &[bool],
    loops: usize,
) -> Result<FillCheck> {
    use crate::groove::Drummer;
    let (mut rf, mut nf, mut rb, mut nb) = (0usize, 0usize, 0usize, 0usize);
    for (w, &fill) in fills.iter().enumerate().take(windows.count) {
        let p = windows.pattern(w)?;
        for bar in 0..2 {
            let hit = classifier.is_fill(&p, bar) as usize;
            if fill {
                rf += hit;
                nf += 1;
            } else {
                rb += hit;
                nb += 1;
            }
        }
    }
    let mean_offset = |p: &Pattern, bar: usize| bar_features(p, bar).map(|f| f[2]);
    let (mut mf, mut mb) = (0usize, 0usize);
    let mut made = Vec::new();
    for i in 0..loops {
        let mut r = Request::new();
        r.set_seed(i as u64);
        let g = model.generate(&r)?;
        mb +=
            classifier.is_fill(&g.pattern, 0) as usize + classifier.is_fill(&g.pattern, 1) as usize;
        let f = model.fill(&g, 4, 1000 + i as u64)?;
        mf += classifier.is_fill(&f.pattern, 1) as usize;
        made.push((g.pattern, f.pattern));
    }
    let (mut own, mut other, mut n) = (0f32, 0f32, 0usize);
    for i in 0..made.len() {
        let next = &made[(i + 1) % made.len()].1;
        if let (Some(a), Some(b), Some(c)) = (
            mean_offset(&made[i].0, 0),
            mean_offset(&made[i].1, 1),
            mean_offset(next, 1),
        ) {
            own += (b - a).abs();
            other += (c - a).abs();
            n += 1;
        }
    }
    let rate = |a: usize, b: usize| a as f32 / b.max(1) as f32;
    Ok(FillCheck {
        real_fills: rate(rf, nf),
        real_beats: rate(rb, nb),
        model_fills: rate(mf, loops),
        model_beats: rate(mb, 2 * loops),
        feel_own: own / n.max(1) as f32,
        feel_other: other / n.max(1) as f32,
        loops,
    })
}

/// The fill check as a markdown table.
pub fn fill_table(c: &FillCheck, split: &str) -> String {
    format!(
        "Fills: {} Generate loops, each with its last bar made a fill (`fill`); a logistic \
         regression on each drum's hits per bar, trained on the train split's real bars (fill \
         and beat weighted equally), says which bars are fills.\n\n\
         | bars labelled fills | model | real ({split}) |\n|---|---:|---:|\n\
         | fills | {:.3} | {:.3} |\n| beats | {:.3} | {:.3} |\n\n\
         Feel: a fill bar's mean offset is {:.3} of a step from its loop's first bar's on average \
         ({:.3} from another loop's).\n",
        c.loops, c.model_fills, c.real_fills, c.model_beats, c.real_beats, c.feel_own, c.feel_other
    )
}
