//! The groove model's evaluation on the GMD windows (`bandmate eval`), after Gillick et al.
//! Table 1 (diversity of Humanize) and Table 2 (swing fidelity), plus score fidelity under
//! Humanize and onset fidelity under Drumify, and figures that measure the music against the
//! real performances of the same windows (issue 17, item 5).
//!
//! **Units.** The paper's numbers are in Magenta's tensor convention: offsets scaled to
//! [-1, 1] (twice ours) and positive = *early* (`quantized - played`). Ours are fractions of a
//! step, positive = late. So paper = -2 x ours: the paper's swing targets -0.05 / -0.2 / -0.4
//! are off-beats 0.025 / 0.1 / 0.2 of a step *late* here. The figures that sit beside the
//! paper's (Table 1, Table 2 and its extra targets) are in the paper's units; every other offset
//! figure is in steps (positive = late). Each row of [`table`] names its unit.
//!
//! **Cells.** Diversity is measured where the score has a hit (the notes that sound); fidelity,
//! swing and Drumify on the loop as it is played (Humanize here is not strict: the generator's
//! own hits are measured).
//!
//! **Splits.** Settings are chosen on `validation`; `test` is for the final table only. With a
//! limit, the first N windows of the split are used, for the generators and the real column
//! alike.
//!
//! # What is measured
//!
//! Every window gets 20 generations: 5 humanizations of its score (Table 1), one more at
//! temperature 0, the score with a swung groove at each of the 6 swing targets and the 6
//! 8th-note swing targets, one Drumify of its played groove, and one Generate (nothing given,
//! seed = the window's index). The **real** column is the drummers' own performance of the same
//! windows (`hits.npy`, `velocities.npy`, `offsets.npy`).
//!
//! - **Diversity** (paper units, on score cells): the mean over cells of the std over the 5
//!   humanizations of (a) the offsets that play (`Generation::offsets`, after the per-hit timing
//!   draw; Table 1 as this project measured it first) and (b) the paper's way,
//!   `Generation::likely_offsets`: the most likely timing per cell, so timing varies through the
//!   latent only. The rule-based machine has no per-hit draw: both are the same for it.
//! - **Swing of a loop** (steps): the mean offset of its hits on odd 16th steps minus the mean
//!   offset of its hits on even steps, all voices; a loop with no hit on either side has none.
//!   Humanize's figure is the mean over every (window, run) of the 5 humanizations, the real
//!   one the mean over windows. A window is **straight** when the real performance's own swing
//!   is under 0.1 of a step in size (|s| < 0.1); the straight rows keep those windows only. The
//!   same is given for one humanization per window at temperature 0 (seed = window).
//! - **Mean offset by metrical position** (steps, Humanize's 5 runs pooled vs real): beats
//!   (step % 4 == 0), 8th off-beats (step % 4 == 2), 16ths (odd steps), over every played hit.
//! - **Per-hit correlation** (Humanize): Pearson r between the generated and the real offset,
//!   and between the generated and the real velocity, over the cells (step, voice) where both
//!   have a hit, the 5 runs pooled.
//! - **Velocity spread** (velocity 0..1): the std of the velocities of a loop's played hits,
//!   averaged over loops with at least 2 hits.
//! - **Histogram overlap** (Humanize's 5 runs pooled vs real): histogram intersection, the sum
//!   over bins of the smaller of the two normalized histograms (1 = the same distribution, 0 =
//!   nothing in common), of offsets (20 bins over -0.5..0.5 of a step) and of velocities (16
//!   bins over 0..1). Values outside the range count in the edge bins.
//! - **Loop shape** (Generate, Drumify and real, one loop per window): drums used (voices with
//!   at least one hit), hits per loop, and the rates of loops with hats and ride together (a
//!   closed or open hat hit and a ride hit), a kick on beat 1 (a kick hit at step 0) and a
//!   **backbeat** (snare hits on steps 4, 12, 20 and 28, and a kick hit on step 0; other hits
//!   may be there too). Drums used and hits per loop also give the histogram intersection of
//!   their distribution (one bin per integer) with the real windows', and the **variety** of
//!   200 of the loops spread over the split (see Style below).
//! - **Swing fidelity** (paper units): Table 2's targets -0.05, -0.2, -0.4 and -0.1, -0.3 and
//!   +0.15 (ahead: off-beats early), each the same way: the window's score with its played
//!   groove, every odd 16th of the groove at the target and the even steps at 0; the mean (std)
//!   of the generated offsets on odd steps and its distance from the target.
//! - **8th-note swing** (steps, late): the played groove with the 8th off-beats (step % 4 == 2)
//!   at the target, the odd 16ths at half of it (a linear swing warp) and the beats at 0, for
//!   targets 0.1 .. 0.67 of a step; the mean (std) offset of the generated hits at step % 4 == 2
//!   and its distance from the target. A groove holds offsets within half a step: a target
//!   beyond 0.5 (0.67, triplet swing) is given as 0.5 and still compared with the target asked,
//!   so its row shows what the grid cannot represent.
//! - **Style** ([`style_check`]): 40 loops asked in each style with nothing else given; the share
//!   a 15-nearest-neighbour classifier of the train split's real windows labels with the style
//!   asked, and the **variety** of one style's loops: the mean Jaccard distance of their hits
//!   (cells played by one of two loops over cells played by either) over every pair, averaged
//!   over the styles, beside the same of the train split's real windows (one per performance).
//!   And what a musician hears of each style ([`style_table`]): its loops' kick on beat 1,
//!   backbeat, hats with ride and drums used beside the train split's windows of that style,
//!   and the mean absolute difference over the styles.

use std::path::Path;
use std::time::Instant;

use crate::error::{Error, ErrorKind, Result};
use crate::gesture::Groove;
use crate::groove::{Drummer, Request, STEPS, STYLES};
use crate::npy::{read_npy, NpyData};
use crate::pattern::{Hit, Pattern};
use crate::voice::{Voice, VOICES};

/// Paper units per step unit (see the module docs): paper = PAPER_SCALE x ours.
pub const PAPER_SCALE: f32 = -2.0;
/// Swing targets in the paper's units: Table 2's three first, then the extra ones (+ = ahead).
pub const SWING_TARGETS: [f32; 6] = [-0.05, -0.2, -0.4, -0.1, -0.3, 0.15];
/// 8th-note swing targets, in steps (late) of the 8th off-beats.
pub const EIGHTH_TARGETS: [f32; 6] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.67];
/// The largest offset a groove holds, in steps.
pub const MAX_OFFSET: f32 = 0.5;
/// Humanizations per test score (Table 1).
pub const RUNS: usize = 5;
/// A window is straight when the real performance's swing is smaller than this (steps).
pub const STRAIGHT: f32 = 0.1;
/// Histogram bins of offsets (over -0.5..0.5 of a step) and velocities (over 0..1).
pub const OFFSET_BINS: usize = 20;
pub const VELOCITY_BINS: usize = 16;
/// The steps of a backbeat's snare (with a kick on step 0).
pub const BACKBEAT_SNARES: [usize; 4] = [4, 12, 20, 28];

/// The paper's figures (factorized VAE + auxiliary decoders), to print beside ours.
pub const PAPER_DIVERSITY: f32 = 0.222;
/// Table 2 for the first three of [`SWING_TARGETS`]: mean, std, |difference|.
pub const PAPER_SWING: [(f32, f32, f32); 3] = [
    (-0.091, 0.161, 0.042),
    (-0.214, 0.163, 0.014),
    (-0.366, 0.175, 0.034),
];

/// The windows as the dataset export wrote them (docs/dataset.md).
pub struct Windows {
    pub hits: Vec<u8>,
    pub velocities: Vec<f32>,
    pub offsets: Vec<f32>,
    pub groove: Vec<f32>,
    pub count: usize,
}

/// The groove a swing fidelity request plays with.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Timing {
    /// As the drummer played it.
    Played,
    /// Odd 16ths at this offset (steps), even steps at 0.
    Sixteenth(f32),
    /// 8th off-beats at this offset (steps), odd 16ths at half of it, beats at 0; each kept
    /// within [`MAX_OFFSET`].
    Eighth(f32),
}

impl Windows {
    /// Read `<root>/<split>/{hits,velocities,offsets,groove}.npy`; `limit` keeps the first N
    /// windows.
    pub fn read(root: &Path, split: &str, limit: Option<usize>) -> Result<Windows> {
        let dir = root.join(split);
        let bad = |p: &Path, m: String| Error::new(ErrorKind::Dataset(m)).at(p);
        let hp = dir.join("hits.npy");
        let (hs, hd) = read_npy(&hp)?;
        let NpyData::U8(hits) = hd else {
            return Err(bad(&hp, "expected uint8".into()));
        };
        if hs.len() != 3 || hs[1] != STEPS || hs[2] != VOICES {
            return Err(bad(
                &hp,
                format!("shape {hs:?}; expected [N, {STEPS}, {VOICES}]"),
            ));
        }
        let n = hs[0];
        let floats = |name: &str, shape: [usize; 3]| -> Result<Vec<f32>> {
            let p = dir.join(name);
            let (s, d) = read_npy(&p)?;
            let NpyData::F32(x) = d else {
                return Err(bad(&p, "expected float32".into()));
            };
            if s != shape {
                return Err(bad(&p, format!("shape {s:?}; expected {shape:?}")));
            }
            Ok(x)
        };
        let velocities = floats("velocities.npy", [n, STEPS, VOICES])?;
        let offsets = floats("offsets.npy", [n, STEPS, VOICES])?;
        let groove = floats("groove.npy", [n, STEPS, 3])?;
        let count = limit.map_or(n, |l| l.min(n));
        let cells = count * STEPS * VOICES;
        Ok(Windows {
            hits: hits[..cells].to_vec(),
            velocities: velocities[..cells].to_vec(),
            offsets: offsets[..cells].to_vec(),
            groove: groove[..count * STEPS * 3].to_vec(),
            count,
        })
    }

    fn hits(&self, w: usize) -> &[u8] {
        &self.hits[w * STEPS * VOICES..(w + 1) * STEPS * VOICES]
    }
    fn groove(&self, w: usize) -> &[f32] {
        &self.groove[w * STEPS * 3..(w + 1) * STEPS * 3]
    }

    /// Window `w` as a pattern (2 bars, its hits as played).
    pub fn pattern(&self, w: usize) -> Result<Pattern> {
        let at = w * STEPS * VOICES;
        let cells = at..at + STEPS * VOICES;
        let hits: Vec<f32> = self.hits[cells.clone()].iter().map(|&h| h as f32).collect();
        Pattern::from_matrices(
            STEPS,
            &hits,
            &self.velocities[cells.clone()],
            &self.offsets[cells],
        )
    }

    /// The real performance of window `w`: its hits as the drummer played them.
    pub fn real(&self, w: usize) -> Vec<Played> {
        let at = w * STEPS * VOICES;
        let h = self.hits(w);
        (0..STEPS * VOICES)
            .filter(|&i| h[i] > 0)
            .map(|i| Played {
                step: i / VOICES,
                voice: Voice::ALL[i % VOICES],
                velocity: self.velocities[at + i],
                offset: self.offsets[at + i],
            })
            .collect()
    }

    fn score_request(&self, w: usize) -> Result<Request> {
        let h = self.hits(w);
        let mut r = Request::new();
        for v in Voice::ALL {
            let row: Vec<f32> = (0..STEPS)
                .map(|s| h[s * VOICES + v.index()] as f32)
                .collect();
            r.set_score_row(v.name(), &row)?;
        }
        r.set_strict(false);
        Ok(r)
    }

    /// What a performer tapping window `w` gives the listening drums: the played groove (every
    /// step with a hit, its velocity and timing as played).
    pub fn taps(&self, w: usize) -> Result<Groove> {
        self.played_groove(w, Timing::Played)
    }

    /// The steps of window `w` where any drum is hit.
    pub fn onsets(&self, w: usize) -> Vec<bool> {
        let h = self.hits(w);
        (0..STEPS)
            .map(|s| (0..VOICES).any(|v| h[s * VOICES + v] > 0))
            .collect()
    }

    /// The played groove of window `w` (taps clamped into the accepted ranges), its timing as
    /// played or replaced by a swing.
    fn played_groove(&self, w: usize, timing: Timing) -> Result<Groove> {
        let g = self.groove(w);
        let h = self.hits(w);
        let steps = (0..STEPS)
            .map(|s| {
                let any = (0..VOICES).any(|v| h[s * VOICES + v] > 0);
                if !any {
                    return Ok(None);
                }
                let vel = g[s * 3 + 1].clamp(1.0 / 127.0, 1.0);
                let off = match timing {
                    Timing::Sixteenth(t) if s % 2 == 1 => t,
                    Timing::Sixteenth(_) => 0.0,
                    Timing::Eighth(t) => eighth_swing_offset(s, t),
                    Timing::Played => g[s * 3 + 2],
                };
                Hit::new(vel, off.clamp(-MAX_OFFSET, MAX_OFFSET)).map(Some)
            })
            .collect::<Result<Vec<_>>>()?;
        Groove::from_steps(steps)
    }
}

/// The offset (steps, late) 8th-note swing `target` gives step `s`: the 8th off-beat
/// (s % 4 == 2) the target, odd 16ths half of it, beats 0. Not clamped.
pub fn eighth_swing_offset(s: usize, target: f32) -> f32 {
    match s % 4 {
        0 => 0.0,
        2 => target,
        _ => target / 2.0,
    }
}

/// One played hit of a loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Played {
    pub step: usize,
    pub voice: Voice,
    /// 0..1.
    pub velocity: f32,
    /// Steps, positive = late.
    pub offset: f32,
}

/// The played hits of a loop, each offset as it plays against the straight grid (in a loop with
/// an 8th-note feel, the feel's own move plus the hit's timing against the swung grid).
pub fn played(pattern: &Pattern) -> Vec<Played> {
    pattern
        .hits()
        .map(|(step, voice, h)| Played {
            step,
            voice,
            velocity: h.velocity,
            offset: (pattern.position(step, h.offset) - step as f64) as f32,
        })
        .collect()
}

/// The swing of a loop, in steps: the mean offset of its hits on odd 16th steps minus the mean
/// offset of its hits on even steps. None without a hit on both sides.
pub fn loop_swing(hits: &[Played]) -> Option<f32> {
    let (mut odd, mut even) = (Mean::default(), Mean::default());
    for h in hits {
        if h.step % 2 == 1 {
            odd.add(h.offset);
        } else {
            even.add(h.offset);
        }
    }
    Some(odd.get()? - even.get()?)
}

/// Metrical positions of a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// step % 4 == 0.
    Beat = 0,
    /// step % 4 == 2.
    Eighth = 1,
    /// Odd steps.
    Sixteenth = 2,
}

impl Position {
    pub const ALL: [Position; 3] = [Position::Beat, Position::Eighth, Position::Sixteenth];
    pub fn of(step: usize) -> Position {
        match step % 4 {
            0 => Position::Beat,
            2 => Position::Eighth,
            _ => Position::Sixteenth,
        }
    }
    fn label(self) -> &'static str {
        match self {
            Position::Beat => "beats (step % 4 = 0)",
            Position::Eighth => "8th off-beats (step % 4 = 2)",
            Position::Sixteenth => "16ths (odd steps)",
        }
    }
}

/// The std of a loop's velocities; None under 2 hits.
pub fn velocity_spread(hits: &[Played]) -> Option<f32> {
    if hits.len() < 2 {
        return None;
    }
    let v: Vec<f32> = hits.iter().map(|h| h.velocity).collect();
    Some(mean_std(&v).1)
}

/// What a loop is made of (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shape {
    /// Voices with at least one hit.
    pub drums: usize,
    pub hits: usize,
    /// A closed or open hat hit and a ride hit.
    pub hats_and_ride: bool,
    /// A kick hit at step 0.
    pub kick_on_one: bool,
    /// Snare hits on steps 4, 12, 20 and 28, and a kick hit on step 0.
    pub backbeat: bool,
    /// The cells played, for [`variety`].
    pub cells: Bits,
}

impl Shape {
    pub fn of(hits: &[Played]) -> Shape {
        let has = |s: usize, v: Voice| hits.iter().any(|h| h.step == s && h.voice == v);
        let uses = |v: Voice| hits.iter().any(|h| h.voice == v);
        let kick_on_one = has(0, Voice::Kick);
        Shape {
            drums: Voice::ALL.iter().filter(|&&v| uses(v)).count(),
            hits: hits.len(),
            hats_and_ride: (uses(Voice::ClosedHat) || uses(Voice::OpenHat)) && uses(Voice::Ride),
            kick_on_one,
            backbeat: kick_on_one && BACKBEAT_SNARES.iter().all(|&s| has(s, Voice::Snare)),
            cells: hits.iter().fold([0; 5], |mut b, h| {
                set_cell(&mut b, h.step * VOICES + h.voice.index());
                b
            }),
        }
    }
}

/// A running mean.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Mean {
    sum: f64,
    n: usize,
}

impl Mean {
    pub fn add(&mut self, x: f32) {
        self.sum += x as f64;
        self.n += 1;
    }
    /// None when nothing was added.
    pub fn get(&self) -> Option<f32> {
        (self.n > 0).then(|| (self.sum / self.n as f64) as f32)
    }
    pub fn count(&self) -> usize {
        self.n
    }
}

/// A running Pearson correlation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Correlation {
    n: f64,
    x: f64,
    y: f64,
    xx: f64,
    yy: f64,
    xy: f64,
}

impl Correlation {
    pub fn add(&mut self, x: f32, y: f32) {
        let (x, y) = (x as f64, y as f64);
        self.n += 1.0;
        self.x += x;
        self.y += y;
        self.xx += x * x;
        self.yy += y * y;
        self.xy += x * y;
    }
    /// Pearson's r; None under 2 pairs or when either side does not vary.
    pub fn r(&self) -> Option<f32> {
        let n = self.n;
        let cov = self.xy - self.x * self.y / n;
        let vx = self.xx - self.x * self.x / n;
        let vy = self.yy - self.y * self.y / n;
        let tiny = 1e-12 * n.max(1.0);
        (n >= 2.0 && vx > tiny && vy > tiny).then(|| (cov / (vx * vy).sqrt()) as f32)
    }
    pub fn count(&self) -> usize {
        self.n as usize
    }
}

/// A histogram of equal bins over `lo..hi`; values outside count in the edge bins.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    lo: f32,
    hi: f32,
    counts: Vec<f64>,
}

impl Histogram {
    pub fn new(bins: usize, lo: f32, hi: f32) -> Histogram {
        assert!(bins > 0 && hi > lo);
        Histogram {
            lo,
            hi,
            counts: vec![0.0; bins],
        }
    }
    /// One bin per integer 0..=max.
    pub fn integers(max: usize) -> Histogram {
        Histogram::new(max + 1, -0.5, max as f32 + 0.5)
    }
    pub fn add(&mut self, x: f32) {
        let bins = self.counts.len();
        let at = ((x - self.lo) / (self.hi - self.lo) * bins as f32).floor();
        self.counts[(at.max(0.0) as usize).min(bins - 1)] += 1.0;
    }
    pub fn total(&self) -> f64 {
        self.counts.iter().sum()
    }
    /// Histogram intersection of the two normalized histograms: 1 = the same distribution, 0 =
    /// no bin in common. None when either is empty (or the bins differ).
    pub fn overlap(&self, other: &Histogram) -> Option<f32> {
        let (a, b) = (self.total(), other.total());
        if a == 0.0 || b == 0.0 || self.counts.len() != other.counts.len() {
            return None;
        }
        let s: f64 = self
            .counts
            .iter()
            .zip(&other.counts)
            .map(|(x, y)| (x / a).min(y / b))
            .sum();
        Some(s as f32)
    }
}

/// Loop shapes of a set of loops (see the module docs).
#[derive(Debug, Clone, PartialEq)]
pub struct Shapes {
    pub loops: usize,
    pub drums: Histogram,
    pub hits: Histogram,
    drums_mean: Mean,
    hits_mean: Mean,
    hats_and_ride: usize,
    kick_on_one: usize,
    backbeat: usize,
    cells: Vec<Bits>,
}

/// Loops [`Shapes::variety`] compares, spread evenly over the set.
pub const VARIETY_LOOPS: usize = 200;

impl Default for Shapes {
    fn default() -> Self {
        Shapes {
            loops: 0,
            drums: Histogram::integers(VOICES),
            hits: Histogram::integers(STEPS * VOICES),
            drums_mean: Mean::default(),
            hits_mean: Mean::default(),
            hats_and_ride: 0,
            kick_on_one: 0,
            backbeat: 0,
            cells: Vec::new(),
        }
    }
}

impl Shapes {
    pub fn add(&mut self, s: Shape) {
        self.loops += 1;
        self.drums.add(s.drums as f32);
        self.hits.add(s.hits as f32);
        self.drums_mean.add(s.drums as f32);
        self.hits_mean.add(s.hits as f32);
        self.hats_and_ride += s.hats_and_ride as usize;
        self.kick_on_one += s.kick_on_one as usize;
        self.backbeat += s.backbeat as usize;
        self.cells.push(s.cells);
    }
    /// The [`variety`] of up to [`VARIETY_LOOPS`] of the loops, [`spread`] over them.
    pub fn variety(&self) -> Option<f32> {
        variety(&spread(&self.cells, VARIETY_LOOPS))
    }
    fn rate(&self, n: usize) -> Option<f32> {
        (self.loops > 0).then(|| n as f32 / self.loops as f32)
    }
    /// Mean drums used per loop.
    pub fn drums_used(&self) -> Option<f32> {
        self.drums_mean.get()
    }
    pub fn hits_per_loop(&self) -> Option<f32> {
        self.hits_mean.get()
    }
    pub fn hats_and_ride(&self) -> Option<f32> {
        self.rate(self.hats_and_ride)
    }
    pub fn kick_on_one(&self) -> Option<f32> {
        self.rate(self.kick_on_one)
    }
    pub fn backbeat(&self) -> Option<f32> {
        self.rate(self.backbeat)
    }
}

/// The timing and dynamics of a set of loops (a generator's humanizations, or the real
/// performances), for the figures of the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Music {
    /// Loop swing (steps), over all loops and over the straight windows' loops.
    pub swing: Mean,
    pub swing_straight: Mean,
    /// Mean offset (steps) by [`Position`].
    pub by_position: [Mean; 3],
    /// Velocity std within a loop.
    pub spread: Mean,
    pub offsets: Histogram,
    pub velocities: Histogram,
}

impl Default for Music {
    fn default() -> Self {
        Music {
            swing: Mean::default(),
            swing_straight: Mean::default(),
            by_position: [Mean::default(); 3],
            spread: Mean::default(),
            offsets: Histogram::new(OFFSET_BINS, -0.5, 0.5),
            velocities: Histogram::new(VELOCITY_BINS, 0.0, 1.0),
        }
    }
}

impl Music {
    /// One loop; `straight`: its window's real performance is straight.
    pub fn add(&mut self, hits: &[Played], straight: bool) {
        if let Some(s) = loop_swing(hits) {
            self.swing.add(s);
            if straight {
                self.swing_straight.add(s);
            }
        }
        for h in hits {
            self.by_position[Position::of(h.step) as usize].add(h.offset);
            self.offsets.add(h.offset);
            self.velocities.add(h.velocity);
        }
        if let Some(s) = velocity_spread(hits) {
            self.spread.add(s);
        }
    }
}

/// Whether a real performance is straight (see [`STRAIGHT`]); a window without a swing (no hit
/// on one side) is not.
pub fn is_straight(real: &[Played]) -> bool {
    loop_swing(real).is_some_and(|s| s.abs() < STRAIGHT)
}

/// What the real performances of the windows give: the "real" column.
#[derive(Debug, Clone, PartialEq)]
pub struct Reference {
    pub windows: usize,
    pub straight: usize,
    pub music: Music,
    pub shapes: Shapes,
    /// The style classifier on these real windows (set by the caller, see
    /// [`StyleClassifier::accuracy_on`]).
    pub style_accuracy: Option<f32>,
    /// How different the real loops of one style are from each other (set by the caller, see
    /// [`style_variety`]).
    pub style_variety: Option<f32>,
}

/// The real column for these windows.
pub fn reference(windows: &Windows) -> Reference {
    let mut music = Music::default();
    let mut shapes = Shapes::default();
    let mut straight = 0;
    for w in 0..windows.count {
        let real = windows.real(w);
        let st = is_straight(&real);
        straight += st as usize;
        music.add(&real, st);
        shapes.add(Shape::of(&real));
    }
    Reference {
        windows: windows.count,
        straight,
        music,
        shapes,
        style_accuracy: None,
        style_variety: None,
    }
}

/// Loops generated per style for the style check.
pub const STYLE_LOOPS: usize = 40;
/// Neighbours the style classifier votes with.
pub const STYLE_K: usize = 15;

/// Each window's style as an index into [`STYLES`] (`windows.csv`'s `style` column up to its
/// '/'; `None` for a style not in the list), for the first `count` windows of the split.
pub fn read_styles(root: &Path, split: &str, count: usize) -> Result<Vec<Option<usize>>> {
    Ok(read_column(root, split, count, "style")?
        .iter()
        .map(|style| {
            let style = style.split('/').next().unwrap_or("");
            STYLES.iter().position(|s| *s == style)
        })
        .collect())
}

/// Each window's performance (`windows.csv`'s `id` column: the MIDI file it was cut from), for
/// the first `count` windows of the split.
pub fn read_performances(root: &Path, split: &str, count: usize) -> Result<Vec<String>> {
    read_column(root, split, count, "id")
}

/// Each window's first bar in its performance (`windows.csv`'s `start_bar`), for the first
/// `count` windows of the split.
pub fn read_start_bars(root: &Path, split: &str, count: usize) -> Result<Vec<usize>> {
    read_column(root, split, count, "start_bar")?
        .iter()
        .map(|s| {
            s.parse().map_err(|_| {
                Error::new(ErrorKind::Dataset(format!(
                    "start_bar '{s}' is not a bar number"
                )))
            })
        })
        .collect()
}

/// Whether the GMD labels each window a fill (`windows.csv`'s `beat_type`), for the first
/// `count` windows of the split.
pub fn read_fills(root: &Path, split: &str, count: usize) -> Result<Vec<bool>> {
    Ok(read_column(root, split, count, "beat_type")?
        .iter()
        .map(|t| t == "fill")
        .collect())
}

/// Column `name` of the split's `windows.csv`, for its first `count` windows.
pub(crate) fn read_column(
    root: &Path,
    split: &str,
    count: usize,
    name: &str,
) -> Result<Vec<String>> {
    let path = root.join(split).join("windows.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, &e))?;
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = head
        .iter()
        .position(|c| *c == name)
        .ok_or_else(|| Error::new(ErrorKind::Dataset(format!("no {name} column"))).at(&path))?;
    let values: Vec<String> = lines
        .take(count)
        .map(|l| l.split(',').nth(col).unwrap_or("").to_string())
        .collect();
    if values.len() != count {
        return Err(Error::new(ErrorKind::Dataset(format!(
            "{} rows for {count} windows",
            values.len()
        )))
        .at(&path));
    }
    Ok(values)
}

/// A loop's hits as bits (32 steps x 9 voices = 288 bits).
type Bits = [u64; 5];

fn bits(hits: &[u8]) -> Bits {
    let mut b = [0u64; 5];
    for (i, _) in hits.iter().enumerate().filter(|(_, &h)| h > 0) {
        set_cell(&mut b, i);
    }
    b
}

/// Mark cell `i` (step x 9 + voice) played.
fn set_cell(b: &mut Bits, i: usize) {
    b[i / 64] |= 1 << (i % 64);
}

/// Up to `n` of `items`, spread evenly over them (the windows of one performance follow each
/// other, overlapping by a bar).
fn spread<T: Copy>(items: &[T], n: usize) -> Vec<T> {
    let n = items.len().min(n);
    (0..n).map(|k| items[k * items.len() / n]).collect()
}

/// A simple style classifier trained on real windows: the [`STYLE_K`] nearest training loops
/// by the number of cells where they differ (hit or not, per step and drum) vote.
pub struct StyleClassifier {
    items: Vec<(Bits, usize)>,
}

impl StyleClassifier {
    /// From the windows (typically the train split) and their styles.
    pub fn train(windows: &Windows, styles: &[Option<usize>]) -> StyleClassifier {
        StyleClassifier {
            items: (0..windows.count)
                .filter_map(|w| styles.get(w).copied().flatten().map(|s| (w, s)))
                .map(|(w, s)| (bits(windows.hits(w)), s))
                .collect(),
        }
    }

    /// The style of a loop's hits (`32 x 9`, row-major), `None` with no training loops.
    pub fn classify(&self, hits: &[u8]) -> Option<usize> {
        let q = bits(hits);
        let mut near: Vec<(u32, usize)> = self
            .items
            .iter()
            .map(|(b, s)| {
                (
                    b.iter().zip(&q).map(|(x, y)| (x ^ y).count_ones()).sum(),
                    *s,
                )
            })
            .collect();
        let k = STYLE_K.min(near.len());
        if k == 0 {
            return None;
        }
        near.select_nth_unstable(k - 1);
        let mut votes = [0usize; STYLES.len()];
        for &(_, s) in &near[..k] {
            votes[s] += 1;
        }
        (0..STYLES.len()).max_by_key(|&s| (votes[s], std::cmp::Reverse(s)))
    }

    /// The share of these windows (of a known style) that it labels right: what it can do on
    /// real drumming, beside what it says of generated loops.
    pub fn accuracy_on(&self, windows: &Windows, styles: &[Option<usize>]) -> Option<f32> {
        let known: Vec<(usize, usize)> = (0..windows.count)
            .filter_map(|w| styles.get(w).copied().flatten().map(|s| (w, s)))
            .collect();
        if known.is_empty() {
            return None;
        }
        let right = known
            .iter()
            .filter(|&&(w, s)| self.classify(windows.hits(w)) == Some(s))
            .count();
        Some(right as f32 / known.len() as f32)
    }
}

/// How different a set of loops are from each other: the mean, over every pair, of the share
/// of the cells either plays that only one of them plays (the Jaccard distance of their hits;
/// 0 = the same loop, 1 = nothing in common). `None` with fewer than two loops.
pub fn variety(loops: &[Bits]) -> Option<f32> {
    let mut sum = Mean::default();
    for (i, a) in loops.iter().enumerate() {
        for b in &loops[i + 1..] {
            let either: u32 = a.iter().zip(b).map(|(x, y)| (x | y).count_ones()).sum();
            let one: u32 = a.iter().zip(b).map(|(x, y)| (x ^ y).count_ones()).sum();
            sum.add(if either == 0 {
                0.0
            } else {
                one as f32 / either as f32
            });
        }
    }
    sum.get()
}

/// What the style check gives: [`style_check`].
#[derive(Debug, Clone, PartialEq)]
pub struct StyleCheck {
    /// The share of the loops the classifier labels with the style asked.
    pub accuracy: f32,
    /// The [`variety`] of the loops asked in one style, averaged over the styles (`None`
    /// without two loops of one style).
    pub variety: Option<f32>,
    /// The shapes of the loops asked in each style ([`STYLES`] order; empty where the drummer
    /// does not know the style).
    pub shapes: Vec<Shapes>,
}

/// The shapes of the windows of each style ([`STYLES`] order): the drummers a style's loops are
/// compared with in [`style_table`] (typically the train split's, whom the styles were learned
/// from).
pub fn style_shapes(windows: &Windows, styles: &[Option<usize>]) -> Vec<Shapes> {
    let mut out = vec![Shapes::default(); STYLES.len()];
    for w in 0..windows.count {
        if let Some(s) = styles.get(w).copied().flatten() {
            out[s].add(Shape::of(&windows.real(w)));
        }
    }
    out
}

/// The four figures of a style's loops [`style_table`] shows: kick on beat 1, backbeat, hats
/// with ride (rates) and drums used (mean).
fn style_figures(s: &Shapes) -> Option<[f32; 4]> {
    Some([
        s.kick_on_one()?,
        s.backbeat()?,
        s.hats_and_ride()?,
        s.drums_used()?,
    ])
}

/// Each style's loops beside its drummers' (`real`, from [`style_shapes`]): kick on beat 1,
/// backbeat, hats with ride and drums used, as "model (drummers)", and the mean absolute
/// difference of each over the styles measured. Markdown, for the card.
pub fn style_table(check: &StyleCheck, real: &[Shapes], real_split: &str) -> String {
    let mut out = format!(
        "Styles as heard: {STYLE_LOOPS} loops asked in each style (the style check's), beside \
         the {real_split} split's windows of that style: model (drummers).\n\n\
         | style | kick on beat 1 | backbeat | hats and ride | drums used |\n\
         |---|---:|---:|---:|---:|\n"
    );
    let mut gaps = [Mean::default(); 4];
    for (i, style) in STYLES.iter().enumerate() {
        let (Some(m), Some(r)) = (
            check.shapes.get(i).and_then(style_figures),
            real.get(i).and_then(style_figures),
        ) else {
            continue;
        };
        let cells: Vec<String> = (0..4)
            .map(|k| {
                gaps[k].add((m[k] - r[k]).abs());
                let digits = if k == 3 { 2 } else { 3 };
                format!("{:.digits$} ({:.digits$})", m[k], r[k])
            })
            .collect();
        out.push_str(&format!("| {style} | {} |\n", cells.join(" | ")));
    }
    let mean: Vec<String> = gaps
        .iter()
        .map(|g| g.get().map_or("-".into(), |x| format!("{x:.3}")))
        .collect();
    out.push_str(&format!(
        "| mean absolute difference over the styles | {} |\n",
        mean.join(" | ")
    ));
    out
}

/// [`STYLE_LOOPS`] loops asked in each style with nothing else given: the share the classifier
/// labels with the style asked, and how different one style's loops are from each other, over
/// the styles the drummer knows (a style its prior lacks is left out); `None` when it knows
/// none (a model without a prior). The rule-based drum machine ignores the style: it shows what
/// chance gives.
pub fn style_check(
    drummer: &mut dyn Drummer,
    classifier: &StyleClassifier,
) -> Result<Option<StyleCheck>> {
    let (mut right, mut asked, mut varieties) = (0, 0, Mean::default());
    let mut shapes = vec![Shapes::default(); STYLES.len()];
    for (i, style) in STYLES.iter().enumerate() {
        let mut loops = Vec::with_capacity(STYLE_LOOPS);
        for n in 0..STYLE_LOOPS {
            let mut req = Request::new();
            req.set_style(Some(style))?;
            req.set_seed((1_000_000 + i * STYLE_LOOPS + n) as u64);
            let g = match drummer.generate(&req) {
                Ok(g) => g,
                // a style this model's prior lacks (or no prior): not measured
                Err(e) if matches!(e.kind, ErrorKind::Invalid(_)) => break,
                Err(e) => return Err(e),
            };
            let hits: Vec<u8> = g
                .pattern
                .score()
                .to_matrix()
                .iter()
                .map(|&x| (x > 0.0) as u8)
                .collect();
            right += (classifier.classify(&hits) == Some(i)) as usize;
            asked += 1;
            shapes[i].add(Shape::of(&played(&g.pattern)));
            loops.push(bits(&hits));
        }
        if let Some(v) = variety(&loops) {
            varieties.add(v);
        }
    }
    Ok((asked > 0).then(|| StyleCheck {
        accuracy: right as f32 / asked as f32,
        variety: varieties.get(),
        shapes,
    }))
}

/// The [`variety`] of the real loops of one style, averaged over the styles: one window per
/// performance (its first; the windows of one performance follow each other and overlap by a
/// bar, and one performance is one groove), up to [`STYLE_LOOPS`] of them [`spread`] over the
/// style's performances.
pub fn style_variety(
    windows: &Windows,
    styles: &[Option<usize>],
    performances: &[String],
) -> Option<f32> {
    let mut varieties = Mean::default();
    for style in 0..STYLES.len() {
        let mut firsts: Vec<usize> = Vec::new();
        for w in 0..windows.count.min(performances.len()) {
            let new = w == 0 || performances[w] != performances[w - 1];
            if new && styles.get(w).copied().flatten() == Some(style) {
                firsts.push(w);
            }
        }
        let loops: Vec<Bits> = spread(&firsts, STYLE_LOOPS)
            .into_iter()
            .map(|w| bits(windows.hits(w)))
            .collect();
        if let Some(v) = variety(&loops) {
            varieties.add(v);
        }
    }
    varieties.get()
}

#[derive(Debug, Clone, PartialEq)]
pub struct SwingRow {
    /// Target in the paper's units.
    pub target: f32,
    /// Mean and std of the generated off-beat offsets, paper units.
    pub mean: f32,
    pub std: f32,
    /// |mean - target|, paper units.
    pub diff: f32,
    pub hits: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EighthRow {
    /// Target, steps late.
    pub target: f32,
    /// What the groove was given (the target kept within half a step).
    pub given: f32,
    /// Mean and std of the generated offsets at step % 4 == 2, steps.
    pub mean: f32,
    pub std: f32,
    /// |mean - target|, steps.
    pub diff: f32,
    pub hits: usize,
    /// The same target asked as `swing8` (the loop on a swung 8th-note grid) with the same
    /// groove on the beats (a tap on every step the score plays, on time): mean and std of
    /// where the 8th off-beats play against the straight grid, |mean - target|.
    pub grid_mean: f32,
    pub grid_std: f32,
    pub grid_diff: f32,
    pub grid_hits: usize,
    /// `swing8` alone, the model's own timing on the swung grid (the drummers play everything
    /// about a tenth of a step ahead of the click): the swing heard, per loop the mean offset
    /// of its 8th off-beats minus that of its beats; mean and std over loops, |mean - target|.
    pub heard_mean: f32,
    pub heard_std: f32,
    pub heard_diff: f32,
    pub heard_loops: usize,
}

/// The 8th-note swing a loop's hits make heard: the mean offset of the 8th off-beats (step % 4
/// = 2) minus the mean offset of the beats (step % 4 = 0). None without a hit on both.
pub fn eighth_swing(hits: &[Played]) -> Option<f32> {
    let (mut off, mut on) = (Mean::default(), Mean::default());
    for h in hits {
        match h.step % 4 {
            0 => on.add(h.offset),
            2 => off.add(h.offset),
            _ => {}
        }
    }
    Some(off.get()? - on.get()?)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub drummer: String,
    pub windows: usize,
    /// Table 1: mean element-wise std of timing offsets over the runs, paper units.
    pub diversity: f32,
    /// The same over the most likely offsets (timing through the latent only), paper units.
    pub likely_diversity: f32,
    /// Humanize: hits against the given score.
    pub precision: f32,
    pub recall: f32,
    pub swing: Vec<SwingRow>,
    pub eighth: Vec<EighthRow>,
    /// Humanize's 5 runs, and one humanization per window at temperature 0.
    pub music: Music,
    pub music_t0: Music,
    /// Humanize: per-hit Pearson r with the real performance.
    pub offset_r: Option<f32>,
    pub velocity_r: Option<f32>,
    /// Humanize against the real performances: histogram intersections.
    pub offset_overlap: Option<f32>,
    pub velocity_overlap: Option<f32>,
    /// Loop shapes of Generate and of Drumify.
    pub generate: Shapes,
    pub drumify: Shapes,
    /// Drumify: generated onset steps against tapped steps.
    pub drumify_precision: f32,
    pub drumify_recall: f32,
    pub drumify_f1: f32,
    /// Drumify: mean |offset - tap offset| of hits on tapped steps, in steps.
    pub drumify_timing: f32,
    pub generations: usize,
    pub seconds: f64,
    /// Loops asked in a style that the style classifier recognises as it (set by
    /// [`style_check`]; `None` where not measured or the drummer knows no styles).
    pub style_accuracy: Option<f32>,
    /// How different the loops asked in one style are from each other ([`style_check`]).
    pub style_variety: Option<f32>,
    /// Humanize's swing of each window beside the real performance's, in the windows' order.
    pub per_window: Vec<WindowSwing>,
}

/// One window's swing per loop ([`loop_swing`], steps): Humanize's, averaged over its runs, and
/// the real performance's. `None` where no loop had hits on both sides.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WindowSwing {
    pub humanize: Option<f32>,
    pub real: Option<f32>,
}

/// The per-window figures as CSV, one row per window: `row,performance,real_swing,humanize_swing`
/// (empty where none). `performances` are the windows' performance ids, in their order.
pub fn per_window_csv(per_window: &[WindowSwing], performances: &[String]) -> Result<String> {
    if per_window.len() != performances.len() {
        return Err(Error::new(ErrorKind::Dataset(format!(
            "{} windows evaluated but {} performance ids",
            per_window.len(),
            performances.len()
        ))));
    }
    let cell = |x: Option<f32>| x.map(|x| format!("{x:.6}")).unwrap_or_default();
    let mut out = String::from("row,performance,real_swing,humanize_swing\n");
    for (i, (w, p)) in per_window.iter().zip(performances).enumerate() {
        out.push_str(&format!("{i},{p},{},{}\n", cell(w.real), cell(w.humanize)));
    }
    Ok(out)
}

pub(crate) struct Counts {
    tp: f64,
    fp: f64,
    fn_: f64,
}

impl Counts {
    pub(crate) fn new() -> Counts {
        Counts {
            tp: 0.0,
            fp: 0.0,
            fn_: 0.0,
        }
    }
    pub(crate) fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.tp += 1.0,
            (true, false) => self.fp += 1.0,
            (false, true) => self.fn_ += 1.0,
            _ => {}
        }
    }
    pub(crate) fn precision(&self) -> f32 {
        (self.tp / (self.tp + self.fp).max(1.0)) as f32
    }
    pub(crate) fn recall(&self) -> f32 {
        (self.tp / (self.tp + self.fn_).max(1.0)) as f32
    }
    pub(crate) fn f1(&self) -> f32 {
        let (p, r) = (self.precision(), self.recall());
        if p + r > 0.0 {
            2.0 * p * r / (p + r)
        } else {
            0.0
        }
    }
}

fn mean_std(xs: &[f32]) -> (f32, f32) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let n = xs.len() as f64;
    let m = xs.iter().map(|&x| x as f64).sum::<f64>() / n;
    let v = xs.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / n;
    (m as f32, v.sqrt() as f32)
}

/// Mean over score cells of the std over runs, in paper units.
fn diversity(runs: &[Vec<f32>], score: &[u8], sum: &mut f64, n: &mut usize) {
    for i in (0..score.len()).filter(|&i| score[i] > 0) {
        let xs: Vec<f32> = runs.iter().map(|o| o[i]).collect();
        *sum += (mean_std(&xs).1 * PAPER_SCALE.abs()) as f64;
        *n += 1;
    }
}

/// Evaluate a drummer on the windows. `progress` is called after each window.
pub fn evaluate(
    drummer: &mut dyn Drummer,
    windows: &Windows,
    mut progress: impl FnMut(usize),
) -> Result<Report> {
    let started = Instant::now();
    let cells = STEPS * VOICES;
    let real_ref = reference(windows);
    let mut generations = 0;
    let (mut div_sum, mut div_n) = (0.0f64, 0usize);
    let (mut likely_sum, mut likely_n) = (0.0f64, 0usize);
    let mut fid = Counts::new();
    let mut swing_offsets: Vec<Vec<f32>> = vec![Vec::new(); SWING_TARGETS.len()];
    let mut eighth_offsets: Vec<Vec<f32>> = vec![Vec::new(); EIGHTH_TARGETS.len()];
    let mut grid_offsets: Vec<Vec<f32>> = vec![Vec::new(); EIGHTH_TARGETS.len()];
    let mut heard_swings: Vec<Vec<f32>> = vec![Vec::new(); EIGHTH_TARGETS.len()];
    let mut onsets = Counts::new();
    let (mut timing_sum, mut timing_n) = (0.0f64, 0usize);
    let (mut music, mut music_t0) = (Music::default(), Music::default());
    let (mut offset_r, mut velocity_r) = (Correlation::default(), Correlation::default());
    let (mut generate, mut drumify) = (Shapes::default(), Shapes::default());
    let mut per_window = Vec::with_capacity(windows.count);
    for w in 0..windows.count {
        let h = windows.hits(w);
        let real = windows.real(w);
        let straight = is_straight(&real);
        let mut window_swing = Mean::default();
        let mut real_cells: Vec<Option<Played>> = vec![None; cells];
        for p in &real {
            real_cells[p.step * VOICES + p.voice.index()] = Some(*p);
        }
        // Table 1, score fidelity and the music of Humanize: humanize RUNS times
        let humanize = windows.score_request(w)?;
        let mut req = humanize.clone();
        let mut runs = Vec::with_capacity(RUNS);
        let mut likely = Vec::with_capacity(RUNS);
        for r in 0..RUNS {
            req.set_seed((w * RUNS + r) as u64);
            let g = drummer.generate(&req)?;
            let played_matrix = g.pattern.score().to_matrix();
            for i in 0..cells {
                fid.add(played_matrix[i] > 0.0, h[i] > 0);
            }
            let hits = played(&g.pattern);
            music.add(&hits, straight);
            if let Some(s) = loop_swing(&hits) {
                window_swing.add(s);
            }
            for p in &hits {
                if let Some(q) = real_cells[p.step * VOICES + p.voice.index()] {
                    offset_r.add(p.offset, q.offset);
                    velocity_r.add(p.velocity, q.velocity);
                }
            }
            runs.push(g.offsets);
            likely.push(g.likely_offsets);
            generations += 1;
        }
        diversity(&runs, h, &mut div_sum, &mut div_n);
        diversity(&likely, h, &mut likely_sum, &mut likely_n);
        per_window.push(WindowSwing {
            humanize: window_swing.get(),
            real: loop_swing(&real),
        });
        // the same score at temperature 0
        let mut req = humanize.clone();
        req.set_temperature(0.0)?;
        req.set_seed(w as u64);
        let g = drummer.generate(&req)?;
        generations += 1;
        music_t0.add(&played(&g.pattern), straight);
        // Table 2 and more targets: the same score with a swung groove
        for (k, &target) in SWING_TARGETS.iter().enumerate() {
            let mut req = humanize.clone();
            let timing = Timing::Sixteenth(target / PAPER_SCALE);
            req.set_groove(Some(windows.played_groove(w, timing)?))?;
            req.set_seed((w * 7 + k) as u64);
            let g = drummer.generate(&req)?;
            generations += 1;
            for (_, _, hit) in g.pattern.hits().filter(|h| h.0 % 2 == 1) {
                swing_offsets[k].push(hit.offset * PAPER_SCALE);
            }
        }
        // 8th-note swing
        for (k, &target) in EIGHTH_TARGETS.iter().enumerate() {
            let mut req = humanize.clone();
            req.set_groove(Some(windows.played_groove(w, Timing::Eighth(target))?))?;
            req.set_seed((1 << 40) + (w * 8 + k) as u64);
            let g = drummer.generate(&req)?;
            generations += 1;
            for (_, _, hit) in g.pattern.hits().filter(|h| h.0 % 4 == 2) {
                eighth_offsets[k].push(hit.offset);
            }
            // the same swing as swing8: the score played on the swung grid, with the beats
            // given on time as above, then with nothing but the score
            let mut req = humanize.clone();
            req.set_feel(target)?;
            req.set_groove(Some(windows.played_groove(w, Timing::Sixteenth(0.0))?))?;
            req.set_seed((1 << 41) + (w * 8 + k) as u64);
            let g = drummer.generate(&req)?;
            generations += 1;
            for p in played(&g.pattern).iter().filter(|p| p.step % 4 == 2) {
                grid_offsets[k].push(p.offset);
            }
            let mut req = humanize.clone();
            req.set_feel(target)?;
            req.set_seed((1 << 42) + (w * 8 + k) as u64);
            let g = drummer.generate(&req)?;
            generations += 1;
            if let Some(s) = eighth_swing(&played(&g.pattern)) {
                heard_swings[k].push(s);
            }
        }
        // Drumify: the played groove alone
        let groove = windows.played_groove(w, Timing::Played)?;
        let mut req = Request::drumify(groove.clone())?;
        req.set_strict(false);
        req.set_seed(w as u64);
        let g = drummer.generate(&req)?;
        generations += 1;
        drumify.add(Shape::of(&played(&g.pattern)));
        for s in 0..STEPS {
            let tap = groove.get(s);
            let hits: Vec<Hit> = Voice::ALL
                .iter()
                .filter_map(|&v| g.pattern.get(s, v))
                .collect();
            onsets.add(!hits.is_empty(), tap.is_some());
            if let Some(t) = tap {
                for h in hits {
                    timing_sum += (h.offset - t.offset).abs() as f64;
                    timing_n += 1;
                }
            }
        }
        // Generate: nothing given
        let mut req = Request::new();
        req.set_seed(w as u64);
        let g = drummer.generate(&req)?;
        generations += 1;
        generate.add(Shape::of(&played(&g.pattern)));
        progress(w + 1);
    }
    let swing = SWING_TARGETS
        .iter()
        .zip(&swing_offsets)
        .map(|(&target, xs)| {
            let (mean, std) = mean_std(xs);
            SwingRow {
                target,
                mean,
                std,
                diff: (mean - target).abs(),
                hits: xs.len(),
            }
        })
        .collect();
    let eighth = EIGHTH_TARGETS
        .iter()
        .zip(eighth_offsets.iter().zip(&grid_offsets).zip(&heard_swings))
        .map(|(&target, ((xs, gs), hs))| {
            let (mean, std) = mean_std(xs);
            let (grid_mean, grid_std) = mean_std(gs);
            let (heard_mean, heard_std) = mean_std(hs);
            EighthRow {
                target,
                given: target.clamp(-MAX_OFFSET, MAX_OFFSET),
                mean,
                std,
                diff: (mean - target).abs(),
                hits: xs.len(),
                grid_mean,
                grid_std,
                grid_diff: (grid_mean - target).abs(),
                grid_hits: gs.len(),
                heard_mean,
                heard_std,
                heard_diff: (heard_mean - target).abs(),
                heard_loops: hs.len(),
            }
        })
        .collect();
    let (dp, dr) = (onsets.precision(), onsets.recall());
    Ok(Report {
        drummer: drummer.name(),
        windows: windows.count,
        diversity: (div_sum / div_n.max(1) as f64) as f32,
        likely_diversity: (likely_sum / likely_n.max(1) as f64) as f32,
        precision: fid.precision(),
        recall: fid.recall(),
        swing,
        eighth,
        offset_overlap: music.offsets.overlap(&real_ref.music.offsets),
        velocity_overlap: music.velocities.overlap(&real_ref.music.velocities),
        music,
        music_t0,
        offset_r: offset_r.r(),
        velocity_r: velocity_r.r(),
        generate,
        drumify,
        drumify_precision: dp,
        drumify_recall: dr,
        drumify_f1: onsets.f1(),
        drumify_timing: (timing_sum / timing_n.max(1) as f64) as f32,
        generations,
        seconds: started.elapsed().as_secs_f64(),
        style_accuracy: None,
        style_variety: None,
        per_window,
    })
}

/// Three decimals, `-` for none; a rounded -0 is written 0.
fn num(x: Option<f32>) -> String {
    match x.map(|x| format!("{x:.3}")) {
        None => "-".into(),
        Some(s) if s == "-0.000" => "0.000".into(),
        Some(s) => s,
    }
}

/// The comparison table (Markdown): the paper's column, the drummers', then the real
/// performances' (`-` where a figure has no real value).
pub fn table(reports: &[Report], real: &Reference) -> String {
    let mut out = String::new();
    let names: Vec<String> = reports.iter().map(|r| format!("`{}`", r.drummer)).collect();
    out.push_str(&format!(
        "| metric | paper | {} | real |\n",
        names.join(" | ")
    ));
    out.push_str(&format!(
        "|---|---:|{}---:|\n",
        "---:|".repeat(reports.len())
    ));
    let row = |out: &mut String,
               name: &str,
               paper: String,
               f: &dyn Fn(&Report) -> String,
               real: String| {
        let cells: Vec<String> = reports.iter().map(f).collect();
        out.push_str(&format!(
            "| {name} | {paper} | {} | {real} |\n",
            cells.join(" | ")
        ));
    };
    let none = || "-".to_string();
    row(
        &mut out,
        "Table 1: diversity (std of offsets over 5 humanizations)",
        format!("{PAPER_DIVERSITY:.3}"),
        &|r| format!("{:.3}", r.diversity),
        none(),
    );
    row(
        &mut out,
        "Table 1 the paper's way: diversity of the most likely offsets (timing through the \
         latent only), paper units",
        format!("{PAPER_DIVERSITY:.3}"),
        &|r| format!("{:.3}", r.likely_diversity),
        none(),
    );
    row(
        &mut out,
        "Humanize: hit precision",
        none(),
        &|r| format!("{:.3}", r.precision),
        none(),
    );
    row(
        &mut out,
        "Humanize: hit recall",
        none(),
        &|r| format!("{:.3}", r.recall),
        none(),
    );
    for (k, &t) in SWING_TARGETS.iter().enumerate() {
        let (label, pm, pd) = match PAPER_SWING.get(k) {
            Some(&(pm, ps, pd)) => (
                "Table 2: swing",
                format!("{pm:.3} ({ps:.3})"),
                format!("{pd:.3}"),
            ),
            None => ("Swing (paper units, not in the paper)", none(), none()),
        };
        let ahead = if t > 0.0 { " (ahead)" } else { "" };
        row(
            &mut out,
            &format!("{label} {t}{ahead}: mean (std)"),
            pm,
            &|r| format!("{:.3} ({:.3})", r.swing[k].mean, r.swing[k].std),
            none(),
        );
        row(
            &mut out,
            &format!("{label} {t}{ahead}: abs difference"),
            pd,
            &|r| format!("{:.3}", r.swing[k].diff),
            none(),
        );
    }
    for (k, &t) in EIGHTH_TARGETS.iter().enumerate() {
        let given = t.clamp(-MAX_OFFSET, MAX_OFFSET);
        let note = if given != t {
            format!(" (beyond the grid's +-{MAX_OFFSET}: given {given})")
        } else {
            String::new()
        };
        row(
            &mut out,
            &format!("8th swing +{t} steps{note}: mean (std) at 8th off-beats, steps"),
            none(),
            &|r| format!("{:.3} ({:.3})", r.eighth[k].mean, r.eighth[k].std),
            none(),
        );
        row(
            &mut out,
            &format!("8th swing +{t} steps{note}: abs difference, steps"),
            none(),
            &|r| format!("{:.3}", r.eighth[k].diff),
            none(),
        );
    }
    for (k, &t) in EIGHTH_TARGETS.iter().enumerate() {
        let pct = crate::gesture::percent_from_feel(t);
        row(
            &mut out,
            &format!(
                "swing8 {pct:.1} % (8th swing +{t} steps on the swung grid, beats given on time): mean (std) at 8th off-beats, steps"
            ),
            none(),
            &|r| format!("{:.3} ({:.3})", r.eighth[k].grid_mean, r.eighth[k].grid_std),
            none(),
        );
        row(
            &mut out,
            &format!("swing8 {pct:.1} %, beats given on time: abs difference, steps"),
            none(),
            &|r| format!("{:.3}", r.eighth[k].grid_diff),
            none(),
        );
        row(
            &mut out,
            &format!(
                "swing8 {pct:.1} % alone: 8th swing heard (per loop, off-beats' mean offset minus the beats'), mean (std), steps"
            ),
            none(),
            &|r| format!("{:.3} ({:.3})", r.eighth[k].heard_mean, r.eighth[k].heard_std),
            none(),
        );
        row(
            &mut out,
            &format!("swing8 {pct:.1} % alone: abs difference, steps"),
            none(),
            &|r| format!("{:.3}", r.eighth[k].heard_diff),
            none(),
        );
    }
    row(
        &mut out,
        "Drumify: onset precision / recall / F1",
        none(),
        &|r| {
            format!(
                "{:.3} / {:.3} / {:.3}",
                r.drumify_precision, r.drumify_recall, r.drumify_f1
            )
        },
        none(),
    );
    row(
        &mut out,
        "Drumify: mean abs offset from the tap (steps)",
        none(),
        &|r| format!("{:.3}", r.drumify_timing),
        none(),
    );
    let rm = &real.music;
    row(
        &mut out,
        &format!("straight windows (real swing under {STRAIGHT} of a step in size) / windows"),
        none(),
        &|_| none(),
        format!("{} / {}", real.straight, real.windows),
    );
    type Get = fn(&Music) -> &Mean;
    let swings: [(&str, Get); 2] = [
        ("all windows", |m| &m.swing),
        ("straight windows", |m| &m.swing_straight),
    ];
    for (t0, which) in [("", false), (" at temperature 0", true)] {
        for (label, get) in swings {
            row(
                &mut out,
                &format!("Humanize{t0}: swing per loop, {label}, steps"),
                none(),
                &|r| num(get(if which { &r.music_t0 } else { &r.music }).get()),
                num(get(rm).get()),
            );
        }
    }
    for p in Position::ALL {
        row(
            &mut out,
            &format!("Humanize: mean offset on {}, steps", p.label()),
            none(),
            &|r| num(r.music.by_position[p as usize].get()),
            num(rm.by_position[p as usize].get()),
        );
    }
    row(
        &mut out,
        "Humanize: per-hit r of offsets with the real performance",
        none(),
        &|r| num(r.offset_r),
        none(),
    );
    row(
        &mut out,
        "Humanize: per-hit r of velocities with the real performance",
        none(),
        &|r| num(r.velocity_r),
        none(),
    );
    row(
        &mut out,
        "Humanize: velocity spread in a loop (std, velocity 0..1)",
        none(),
        &|r| num(r.music.spread.get()),
        num(rm.spread.get()),
    );
    row(
        &mut out,
        &format!(
            "Humanize: offset histogram overlap with real ({OFFSET_BINS} bins over -0.5..0.5 step)"
        ),
        none(),
        &|r| num(r.offset_overlap),
        none(),
    );
    row(
        &mut out,
        &format!("Humanize: velocity histogram overlap with real ({VELOCITY_BINS} bins over 0..1)"),
        none(),
        &|r| num(r.velocity_overlap),
        none(),
    );
    let rs = &real.shapes;
    type Pick = fn(&Report) -> &Shapes;
    let tasks: [(&str, Pick); 2] = [("Generate", |r| &r.generate), ("Drumify", |r| &r.drumify)];
    for (task, pick) in tasks {
        let with_overlap = |x: Option<f32>, o: Option<f32>| format!("{} ({})", num(x), num(o));
        row(
            &mut out,
            &format!("{task}: drums used per loop, mean (overlap with real)"),
            none(),
            &|r| with_overlap(pick(r).drums_used(), pick(r).drums.overlap(&rs.drums)),
            num(rs.drums_used()),
        );
        row(
            &mut out,
            &format!("{task}: hits per loop, mean (overlap with real)"),
            none(),
            &|r| with_overlap(pick(r).hits_per_loop(), pick(r).hits.overlap(&rs.hits)),
            num(rs.hits_per_loop()),
        );
        row(
            &mut out,
            &format!("{task}: rate of loops with hats and ride together"),
            none(),
            &|r| num(pick(r).hats_and_ride()),
            num(rs.hats_and_ride()),
        );
        row(
            &mut out,
            &format!("{task}: rate of loops with a kick on beat 1"),
            none(),
            &|r| num(pick(r).kick_on_one()),
            num(rs.kick_on_one()),
        );
        row(
            &mut out,
            &format!("{task}: backbeat rate (snare on 4, 12, 20, 28 and kick on 0)"),
            none(),
            &|r| num(pick(r).backbeat()),
            num(rs.backbeat()),
        );
        row(
            &mut out,
            &format!(
                "{task}: variety (mean Jaccard distance of the hits of {VARIETY_LOOPS} loops \
                 spread over the split, every pair)"
            ),
            none(),
            &|r| num(pick(r).variety()),
            num(rs.variety()),
        );
    }
    row(
        &mut out,
        &format!(
            "Style: loops asked in a style that a {STYLE_K}-nearest-neighbour classifier \
             (trained on the train split's real windows) labels with it ({STYLE_LOOPS} loops \
             x {} styles; real: its accuracy on this split's windows; chance about 1/{})",
            STYLES.len(),
            STYLES.len()
        ),
        none(),
        &|r| num(r.style_accuracy),
        num(real.style_accuracy),
    );
    row(
        &mut out,
        &format!(
            "Style: variety of the loops asked in one style (mean Jaccard distance of their hits \
             over every pair, averaged over the styles; real: the train split's windows, one per \
             performance, up to {STYLE_LOOPS} of each style)"
        ),
        none(),
        &|r| num(r.style_variety),
        num(real.style_variety),
    );
    row(
        &mut out,
        "windows / generations / seconds",
        "2,192 / - / -".into(),
        &|r| format!("{} / {} / {:.1}", r.windows, r.generations, r.seconds),
        none(),
    );
    out
}

/// Markers in a model card between which `bandmate eval --card` writes its table.
pub const CARD_BEGIN: &str = "<!-- eval:begin -->";
pub const CARD_END: &str = "<!-- eval:end -->";

/// Replace the text between the card's eval markers with `table` (atomically).
pub fn write_into_card(card: &Path, table: &str, split: &str) -> Result<()> {
    let text = std::fs::read_to_string(card).map_err(|e| Error::io(card, &e))?;
    let (Some(a), Some(b)) = (text.find(CARD_BEGIN), text.find(CARD_END)) else {
        return Err(Error::invalid(format!(
            "no {CARD_BEGIN} ... {CARD_END} markers to write the table between"
        ))
        .at(card));
    };
    if b < a {
        return Err(Error::invalid("the eval markers are in the wrong order").at(card));
    }
    let new = format!(
        "{}{CARD_BEGIN}\n_Written by `bandmate eval` on the GMD {split} split._\n\n{table}{}",
        &text[..a],
        &text[b..]
    );
    crate::fsutil::write_atomic(card, new.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::RuleDrummer;

    fn hit(step: usize, voice: Voice, velocity: f32, offset: f32) -> Played {
        Played {
            step,
            voice,
            velocity,
            offset,
        }
    }

    /// Closed hats on every 8th (even steps) or every 16th, as given.
    fn hats(steps: impl Iterator<Item = usize>, offset: impl Fn(usize) -> f32) -> Vec<Played> {
        steps
            .map(|s| hit(s, Voice::ClosedHat, 0.7, offset(s)))
            .collect()
    }

    fn close(a: f32, b: f32) -> bool {
        (a - b).abs() < 1e-5
    }

    /// Windows built from patterns, as the export would write them.
    fn windows_of(patterns: &[Pattern]) -> Windows {
        let mut w = Windows {
            hits: vec![],
            velocities: vec![],
            offsets: vec![],
            groove: vec![],
            count: patterns.len(),
        };
        for p in patterns {
            let (h, v, o) = p.to_matrices();
            w.hits.extend(h.iter().map(|&x| x as u8));
            w.velocities.extend(v);
            w.offsets.extend(o);
            w.groove.extend(p.groove().to_matrix());
        }
        w
    }

    fn pattern_of(hits: &[Played]) -> Pattern {
        let mut p = Pattern::empty_loop();
        for h in hits {
            p.set(
                h.step,
                h.voice,
                Some(Hit::new(h.velocity, h.offset).unwrap()),
            )
            .unwrap();
        }
        p
    }

    #[test]
    fn a_swung_loop_gives_its_swing_and_a_straight_one_none() {
        // odd 16ths 0.2 late, even steps 0.05 early: swing 0.25
        let swung = hats(0..STEPS, |s| if s % 2 == 1 { 0.2 } else { -0.05 });
        assert!(close(loop_swing(&swung).unwrap(), 0.25));
        assert!(!is_straight(&swung));
        // the whole loop late by the same amount has no swing
        let late = hats(0..STEPS, |_| 0.1);
        assert!(close(loop_swing(&late).unwrap(), 0.0));
        assert!(is_straight(&late));
        // ahead: off-beats early
        let ahead = hats(0..STEPS, |s| if s % 2 == 1 { -0.075 } else { 0.0 });
        assert!(close(loop_swing(&ahead).unwrap(), -0.075));
        assert!(is_straight(&ahead));
        // no hit on odd steps: no swing, and not counted as straight
        let eighths = hats((0..STEPS).step_by(2), |_| 0.0);
        assert_eq!(loop_swing(&eighths), None);
        // 8th swing heard: off-beats minus beats, whatever the whole loop's lead on the click
        let ahead = hats(
            (0..STEPS).step_by(2),
            |s| if s % 4 == 2 { 0.2 } else { -0.1 },
        );
        assert!(close(eighth_swing(&ahead).unwrap(), 0.3));
        assert_eq!(eighth_swing(&hats((0..STEPS).step_by(4), |_| 0.0)), None);
        assert!(!is_straight(&eighths));
        assert_eq!(loop_swing(&[]), None);
        // Music: the straight figure keeps the straight windows only
        let mut m = Music::default();
        m.add(&swung, false);
        m.add(&late, true);
        m.add(&eighths, true);
        assert_eq!(m.swing.count(), 2);
        assert!(close(m.swing.get().unwrap(), 0.125));
        assert_eq!(m.swing_straight.count(), 1);
        assert!(close(m.swing_straight.get().unwrap(), 0.0));
    }

    #[test]
    fn offsets_are_averaged_by_metrical_position() {
        assert_eq!(Position::of(0), Position::Beat);
        assert_eq!(Position::of(28), Position::Beat);
        assert_eq!(Position::of(2), Position::Eighth);
        assert_eq!(Position::of(30), Position::Eighth);
        assert_eq!(Position::of(1), Position::Sixteenth);
        assert_eq!(Position::of(3), Position::Sixteenth);
        let loop_ = hats(0..STEPS, |s| match s % 4 {
            0 => -0.02,
            2 => 0.1,
            1 => 0.2,
            _ => 0.3,
        });
        let mut m = Music::default();
        m.add(&loop_, false);
        let at = |p: Position| m.by_position[p as usize].get().unwrap();
        assert!(close(at(Position::Beat), -0.02));
        assert!(close(at(Position::Eighth), 0.1));
        assert!(close(at(Position::Sixteenth), 0.25));
        assert_eq!(m.by_position[Position::Sixteenth as usize].count(), 16);
    }

    #[test]
    fn pearson_r_of_known_pairs() {
        let r = |pairs: &[(f32, f32)]| {
            let mut c = Correlation::default();
            for &(x, y) in pairs {
                c.add(x, y);
            }
            c.r()
        };
        let line: Vec<(f32, f32)> = (0..10).map(|i| (i as f32, 3.0 * i as f32 - 1.0)).collect();
        assert!(close(r(&line).unwrap(), 1.0));
        let down: Vec<(f32, f32)> = line.iter().map(|&(x, y)| (x, -y)).collect();
        assert!(close(r(&down).unwrap(), -1.0));
        // x 1 2 3, y 1 3 2: cov 0.5 / (var 1 x var 1) -> 0.5
        assert!(close(
            r(&[(1.0, 1.0), (2.0, 3.0), (3.0, 2.0)]).unwrap(),
            0.5
        ));
        // a side that does not vary, or too few pairs: no r
        assert_eq!(r(&[(1.0, 0.3), (2.0, 0.3), (3.0, 0.3)]), None);
        assert_eq!(r(&[(1.0, 2.0)]), None);
        assert_eq!(r(&[]), None);
    }

    #[test]
    fn velocity_spread_is_the_std_within_a_loop() {
        let two = [
            hit(0, Voice::Kick, 0.2, 0.0),
            hit(4, Voice::Snare, 0.6, 0.0),
        ];
        assert!(close(velocity_spread(&two).unwrap(), 0.2));
        let even = hats(0..8, |_| 0.0);
        assert!(close(velocity_spread(&even).unwrap(), 0.0));
        assert_eq!(velocity_spread(&two[..1]), None);
        let mut m = Music::default();
        m.add(&two, false);
        m.add(&even, false);
        m.add(&two[..1], false); // left out: one hit has no spread
        assert_eq!(m.spread.count(), 2);
        assert!(close(m.spread.get().unwrap(), 0.1));
    }

    #[test]
    fn histogram_intersection() {
        let of = |xs: &[f32]| {
            let mut h = Histogram::new(OFFSET_BINS, -0.5, 0.5);
            for &x in xs {
                h.add(x);
            }
            h
        };
        let a = of(&[-0.2, 0.0, 0.01, 0.3]);
        assert!(close(a.overlap(&a).unwrap(), 1.0));
        // the same shape with twice the hits: normalized, identical
        assert!(close(
            a.overlap(&of(&[-0.2, 0.0, 0.01, 0.3, -0.2, 0.0, 0.01, 0.3]))
                .unwrap(),
            1.0
        ));
        // nothing in common
        assert!(close(
            of(&[-0.4, -0.3]).overlap(&of(&[0.2, 0.4])).unwrap(),
            0.0
        ));
        // half in common: [bin of 0.0 x2] vs [bin of 0.0, bin of 0.3]
        assert!(close(
            of(&[0.0, 0.0]).overlap(&of(&[0.0, 0.3])).unwrap(),
            0.5
        ));
        // the ends of the range and beyond go in the edge bins
        let mut h = Histogram::new(4, 0.0, 1.0);
        for x in [0.0, -3.0, 1.0, 7.0, 0.5] {
            h.add(x);
        }
        assert_eq!(h.counts, vec![2.0, 0.0, 1.0, 2.0]);
        assert_eq!(h.total(), 5.0);
        // integer bins
        let mut h = Histogram::integers(VOICES);
        h.add(0.0);
        h.add(9.0);
        h.add(3.0);
        assert_eq!(h.counts[0] + h.counts[3] + h.counts[9], 3.0);
        assert_eq!(Histogram::new(4, 0.0, 1.0).overlap(&h), None);
    }

    fn backbeat() -> Vec<Played> {
        let mut b = hats((0..STEPS).step_by(2), |_| 0.0);
        b.push(hit(0, Voice::Kick, 0.9, 0.0));
        b.push(hit(16, Voice::Kick, 0.9, 0.0));
        for s in BACKBEAT_SNARES {
            b.push(hit(s, Voice::Snare, 0.9, 0.0));
        }
        b
    }

    #[test]
    fn a_backbeat_counts_and_a_shifted_one_does_not() {
        let b = backbeat();
        let s = Shape::of(&b);
        assert_eq!(
            s,
            Shape {
                drums: 3,
                hits: 16 + 2 + 4,
                hats_and_ride: false,
                kick_on_one: true,
                backbeat: true,
                cells: s.cells,
            }
        );
        assert_eq!(s.cells.iter().map(|c| c.count_ones()).sum::<u32>(), 22);
        // one step later: no kick on 1, no backbeat
        let shifted: Vec<Played> = b
            .iter()
            .map(|h| Played {
                step: (h.step + 1) % STEPS,
                ..*h
            })
            .collect();
        let s = Shape::of(&shifted);
        assert!(!s.backbeat && !s.kick_on_one);
        assert_eq!((s.drums, s.hits), (3, 22));
        // the snare missing on step 28: no backbeat
        let missing: Vec<Played> = b
            .iter()
            .copied()
            .filter(|h| !(h.voice == Voice::Snare && h.step == 28))
            .collect();
        assert!(!Shape::of(&missing).backbeat);
        // snares, but the kick not on step 0
        let no_kick: Vec<Played> = b.iter().copied().filter(|h| h.step != 0).collect();
        assert!(!Shape::of(&no_kick).backbeat);
        // hats and ride together: either hat with the ride
        let mut with_ride = b.clone();
        with_ride.push(hit(6, Voice::Ride, 0.5, 0.0));
        assert!(Shape::of(&with_ride).hats_and_ride);
        let open = [
            hit(2, Voice::OpenHat, 0.5, 0.0),
            hit(6, Voice::Ride, 0.5, 0.0),
        ];
        assert!(Shape::of(&open).hats_and_ride);
        assert_eq!(Shape::of(&open).drums, 2);
        assert!(!Shape::of(&open[1..]).hats_and_ride);
        // rates and the count overlap
        let mut a = Shapes::default();
        a.add(Shape::of(&b));
        a.add(Shape::of(&shifted));
        assert_eq!(a.backbeat(), Some(0.5));
        assert_eq!(a.kick_on_one(), Some(0.5));
        assert_eq!(a.hats_and_ride(), Some(0.0));
        assert_eq!(a.drums_used(), Some(3.0));
        assert_eq!(a.hits_per_loop(), Some(22.0));
        let mut c = Shapes::default();
        c.add(Shape::of(&open));
        assert_eq!(a.drums.overlap(&c.drums), Some(0.0));
        assert_eq!(a.hits.overlap(&a.hits), Some(1.0));
        assert_eq!(Shapes::default().backbeat(), None);
        // variety: the cells of a loop are those the classifier reads from its window
        let cells = Shape::of(&b).cells;
        assert_eq!(cells, bits(windows_of(&[pattern_of(&b)]).hits(0)));
        assert_eq!(a.variety(), variety(&[cells, Shape::of(&shifted).cells]));
        assert!(
            a.variety().unwrap() > 0.5,
            "the backbeat moved is another loop"
        );
        assert_eq!(c.variety(), None, "one loop");
    }

    #[test]
    fn eighth_swing_warps_the_groove_and_clamps_what_the_grid_cannot_hold() {
        let offs: Vec<f32> = (0..8).map(|s| eighth_swing_offset(s, 0.4)).collect();
        assert_eq!(offs, vec![0.0, 0.2, 0.4, 0.2, 0.0, 0.2, 0.4, 0.2]);
        let w = windows_of(&[pattern_of(&hats(0..STEPS, |_| 0.1))]);
        let g = w.played_groove(0, Timing::Eighth(0.67)).unwrap();
        assert_eq!(g.get(2).unwrap().offset, 0.5);
        assert_eq!(g.get(1).unwrap().offset, 0.335);
        assert_eq!(g.get(4).unwrap().offset, 0.0);
        let g = w.played_groove(0, Timing::Sixteenth(0.1)).unwrap();
        assert_eq!(
            (g.get(3).unwrap().offset, g.get(2).unwrap().offset),
            (0.1, 0.0)
        );
        let g = w.played_groove(0, Timing::Played).unwrap();
        assert_eq!(g.get(2).unwrap().offset, 0.1);
    }

    #[test]
    fn the_style_table_sets_each_styles_loops_beside_its_drummers() {
        let rock: Vec<Played> = backbeat()
            .into_iter()
            .chain(hats((0..STEPS).step_by(2), |_| 0.0))
            .collect();
        let ride: Vec<Played> = (0..STEPS)
            .step_by(4)
            .map(|s| hit(s, Voice::Ride, 0.6, 0.0))
            .collect();
        let (r, j) = (
            STYLES.iter().position(|s| *s == "rock").unwrap(),
            STYLES.iter().position(|s| *s == "jazz").unwrap(),
        );
        // the drummers: rock always a backbeat with hats; jazz the ride alone
        let real = style_shapes(
            &windows_of(&[pattern_of(&rock), pattern_of(&rock), pattern_of(&ride)]),
            &[Some(r), Some(r), Some(j)],
        );
        assert_eq!(real[r].loops, 2);
        assert_eq!(real[r].backbeat(), Some(1.0));
        assert_eq!(real[j].kick_on_one(), Some(0.0));
        // the model: rock half the time the ride alone; jazz as its drummers
        let mut shapes = vec![Shapes::default(); STYLES.len()];
        for p in [&rock, &ride] {
            shapes[r].add(Shape::of(p));
        }
        shapes[j].add(Shape::of(&ride));
        let check = StyleCheck {
            accuracy: 0.5,
            variety: None,
            shapes,
        };
        let t = style_table(&check, &real, "train");
        assert!(
            t.contains("| rock | 0.500 (1.000) | 0.500 (1.000) | 0.000 (0.000) | 2.00 (3.00) |"),
            "{t}"
        );
        assert!(
            t.contains("| jazz | 0.000 (0.000) | 0.000 (0.000) |"),
            "{t}"
        );
        // styles measured on one side only are left out of the table and the means
        assert!(!t.contains("| funk |"), "{t}");
        assert!(
            t.contains(
                "| mean absolute difference over the styles | 0.250 | 0.250 | 0.000 | 0.500 |"
            ),
            "{t}"
        );
    }

    #[test]
    fn the_style_classifier_votes_with_the_nearest_real_loops() {
        // "rock": hats on 8ths with a backbeat; "jazz": ride on every beat and a swung skip
        let rock: Vec<Played> = backbeat()
            .into_iter()
            .chain(hats((0..STEPS).step_by(2), |_| 0.0))
            .collect();
        let jazz: Vec<Played> = (0..STEPS)
            .filter(|s| s % 4 == 0 || s % 8 == 7)
            .map(|s| hit(s, Voice::Ride, 0.6, 0.0))
            .collect();
        let (r, j) = (
            STYLES.iter().position(|s| *s == "rock"),
            STYLES.iter().position(|s| *s == "jazz"),
        );
        let mut patterns = Vec::new();
        let mut styles = Vec::new();
        // 10 of each, each with one cell changed, so that neighbours differ
        for k in 0..10 {
            for (base, style) in [(&rock, r), (&jazz, j)] {
                let mut p = base.clone();
                p.push(hit(k * 3 % STEPS, Voice::LowTom, 0.5, 0.0));
                patterns.push(pattern_of(&p));
                styles.push(style);
            }
        }
        let train = windows_of(&patterns);
        let c = StyleClassifier::train(&train, &styles);
        assert_eq!(c.accuracy_on(&train, &styles), Some(1.0));
        let mut crash = rock.clone();
        crash.push(hit(0, Voice::Crash, 0.9, 0.0));
        let probe = windows_of(&[pattern_of(&crash), pattern_of(&jazz)]);
        assert_eq!(c.classify(probe.hits(0)), r);
        assert_eq!(c.classify(probe.hits(1)), j);
        // windows of no known style are left out; with none known, no figure
        assert_eq!(c.accuracy_on(&probe, &[None, None]), None);
        assert_eq!(
            StyleClassifier::train(&train, &[]).classify(probe.hits(0)),
            None
        );
    }

    #[test]
    fn variety_is_how_much_loops_differ_pair_by_pair() {
        let a = hats((0..STEPS).step_by(2), |_| 0.0);
        let b = backbeat();
        let w = windows_of(&[pattern_of(&a), pattern_of(&a), pattern_of(&b)]);
        let all: Vec<Bits> = (0..3).map(|i| bits(w.hits(i))).collect();
        // a and b share the 16 hats of b's 22 hits: 6 / 22 apart
        let ab = 6.0 / 22.0;
        assert_eq!(variety(&all[..2]), Some(0.0), "the same loop twice");
        assert!((variety(&all[1..]).unwrap() - ab).abs() < 1e-6);
        assert!((variety(&all).unwrap() - 2.0 * ab / 3.0).abs() < 1e-6);
        assert_eq!(variety(&all[..1]), None);
        // real: one window per performance, per style, then averaged; a style with one
        // performance has no figure
        let (r, j) = (Some(0), Some(2));
        let each = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let v = style_variety(&w, &[r, r, j], &each(&["p", "q", "s"])).unwrap();
        assert_eq!(v, 0.0);
        let v = style_variety(&w, &[r, j, r], &each(&["p", "q", "s"])).unwrap();
        assert!((v - ab).abs() < 1e-6, "{v}");
        assert_eq!(
            style_variety(&w, &[r, r, j], &each(&["p", "p", "s"])),
            None,
            "two windows of one performance are one groove"
        );
        assert_eq!(
            style_variety(&w, &[None, None, j], &each(&["p", "q", "s"])),
            None
        );
    }

    #[test]
    fn styles_are_read_from_the_window_list() {
        let dir = std::env::temp_dir().join(format!("bandmate-styles-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("test")).unwrap();
        std::fs::write(
            dir.join("test/windows.csv"),
            "row,id,drummer,style,bpm\n0,a,d1,jazz/swing,120\n1,b,d1,polka,100\n2,c,d2,rock,90\n",
        )
        .unwrap();
        let st = read_styles(&dir, "test", 3).unwrap();
        let idx = |n: &str| STYLES.iter().position(|s| *s == n);
        assert_eq!(st, vec![idx("jazz"), None, idx("rock")]);
        assert!(read_styles(&dir, "test", 4).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_real_column_reads_the_performances() {
        let swung = hats(0..STEPS, |s| if s % 2 == 1 { 0.2 } else { 0.0 });
        let w = windows_of(&[pattern_of(&backbeat()), pattern_of(&swung)]);
        assert_eq!(w.real(1), swung);
        let r = reference(&w);
        assert_eq!((r.windows, r.straight), (2, 0)); // the backbeat has no odd hit
        assert_eq!(r.shapes.backbeat(), Some(0.5));
        assert_eq!(r.shapes.hits_per_loop(), Some(27.0));
        assert!(close(r.music.swing.get().unwrap(), 0.2));
        assert_eq!(r.music.swing_straight.get(), None);
    }

    #[test]
    fn the_rules_are_measured_on_every_figure_and_the_table_has_a_real_column() {
        let straight = hats(0..STEPS, |_| 0.0);
        let w = windows_of(&[pattern_of(&backbeat()), pattern_of(&straight)]);
        let report = evaluate(&mut RuleDrummer::new(), &w, |_| {}).unwrap();
        assert_eq!(report.generations, 2 * 32);
        // no per-hit draw: both diversities are the same
        assert_eq!(report.diversity, report.likely_diversity);
        assert_eq!(report.swing.len(), SWING_TARGETS.len());
        assert_eq!(report.eighth.len(), EIGHTH_TARGETS.len());
        // 0.67 of a step cannot be given: compared with the target all the same
        let last = &report.eighth[EIGHTH_TARGETS.len() - 1];
        assert_eq!((last.target, last.given), (0.67, 0.5));
        assert!(close(last.diff, (last.mean - 0.67).abs()));
        // as swing8 the grid holds it: the straight 8th hats' off-beats play 0.67 late
        assert!(last.grid_hits >= 8, "{last:?}");
        assert!(last.grid_diff < 0.03 && close(last.grid_diff, (last.grid_mean - 0.67).abs()));
        assert_eq!(last.heard_loops, 2);
        assert!(last.heard_diff < 0.05, "{last:?}");
        assert_eq!(report.generate.loops, 2);
        assert_eq!(report.drumify.loops, 2);
        // each window's swing: the backbeat has no odd hit, the straight hats none late
        let pw = &report.per_window;
        assert_eq!(pw.len(), 2);
        assert_eq!((pw[0].real, pw[1].real), (None, Some(0.0)));
        assert_eq!(pw[0].humanize, None);
        assert!(close(
            pw[1].humanize.unwrap(),
            report.music.swing.get().unwrap()
        ));
        let csv = per_window_csv(pw, &["a".into(), "b".into()]).unwrap();
        assert_eq!(
            csv,
            format!(
                "row,performance,real_swing,humanize_swing\n0,a,,\n1,b,0.000000,{:.6}\n",
                pw[1].humanize.unwrap()
            )
        );
        assert!(per_window_csv(pw, &["a".into()]).is_err());
        assert!(report.offset_overlap.is_some() && report.velocity_overlap.is_some());
        let real = reference(&w);
        assert_eq!(real.straight, 1);
        let t = table(&[report.clone(), report], &real);
        let lines: Vec<&str> = t.lines().collect();
        assert!(lines[0].ends_with("| `rules` | `rules` | real |"), "{t}");
        // every row has metric, paper, two drummers and real
        for l in &lines {
            assert_eq!(l.matches('|').count(), 6, "{l}");
        }
        let row = |name: &str| {
            let l = lines.iter().find(|l| l.contains(name)).unwrap();
            l.split('|')
                .map(|c| c.trim().to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(row("straight windows (real")[5], "1 / 2");
        assert_eq!(row("Generate: backbeat")[5], "0.500");
        assert!(row("8th swing +0.67 steps (beyond the grid")[1].contains("given 0.5"));
        assert_eq!(row("Table 2: swing -0.2: abs")[2], "0.014");
        assert_eq!(
            row("Swing (paper units, not in the paper) 0.15 (ahead)")[2],
            "-"
        );
    }
}
