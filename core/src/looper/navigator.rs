//! The next-segment process: repeat, or move to a nearby segment, never too far at once.

use super::corpus::{cos_dist, dot};
use super::embed::normalize;
use super::Corpus;
use crate::error::{Error, Result};
use crate::rng::Rng;

/// How a move is chosen when nothing lies within `max_step`: among this many nearest.
const FALLBACK: usize = 3;
/// The first segment is sampled among this many nearest to the seed.
const START_FEW: usize = 3;
/// Mixed into the seed of the reserve moves' dice.
const SPARE_SEED: u64 = 0x5eed_5a7e_0f5a_4e00;
/// History kept (the oldest half is dropped past twice this).
const HISTORY: usize = 4096;

/// The looper's controls (see `docs/looper.md`).
#[derive(Debug, Clone, PartialEq)]
pub struct Controls {
    /// Probability (0..=1) of repeating the current segment.
    pub repeat: f64,
    /// Softmax temperature over `-distance / temperature` (> 0, at most 100): low follows the
    /// nearest, high picks more evenly among the allowed.
    pub temperature: f64,
    /// The largest cosine distance (0..=2) allowed for a move; when nothing lies that close, the
    /// few nearest are the candidates.
    pub max_step: f64,
    /// Do not move to any of the last `avoid` distinct segments played before the current one.
    pub avoid: usize,
    /// Follow labels: move only to segments carrying one of these (empty: all). Labels no
    /// segment carries are ignored.
    pub labels: Vec<String>,
    /// 0..=1: how much the musician's playing (the target given to [`Navigator::choose`]) pulls
    /// the choice, against staying near the current segment.
    pub follow: f64,
}

impl Default for Controls {
    fn default() -> Self {
        Controls {
            repeat: 0.5,
            temperature: 0.1,
            max_step: 0.5,
            avoid: 4,
            labels: Vec::new(),
            follow: 0.5,
        }
    }
}

impl Controls {
    /// An error naming the first value out of range.
    pub fn check(&self) -> Result<()> {
        let range = |name: &str, x: f64, lo: f64, hi: f64| {
            if x.is_finite() && (lo..=hi).contains(&x) {
                Ok(())
            } else {
                Err(Error::invalid(format!(
                    "{name} {x} is out of range ({lo}..={hi})"
                )))
            }
        };
        range("repeat", self.repeat, 0.0, 1.0)?;
        range("max_step", self.max_step, 0.0, 2.0)?;
        range("follow", self.follow, 0.0, 1.0)?;
        if !(self.temperature.is_finite() && self.temperature > 0.0 && self.temperature <= 100.0) {
            return Err(Error::invalid(format!(
                "temperature {} is out of range (above 0, at most 100)",
                self.temperature
            )));
        }
        if self.avoid > 1000 {
            return Err(Error::invalid(format!(
                "avoid {} is out of range (0..=1000)",
                self.avoid
            )));
        }
        if let Some(l) = self.labels.iter().find(|l| l.trim().is_empty()) {
            return Err(Error::invalid(format!("an empty label ({l:?})")));
        }
        Ok(())
    }
}

/// What [`Navigator::choose`] decided.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Choice {
    /// The segment to play next.
    pub segment: usize,
    /// Whether it is the current segment again.
    pub repeat: bool,
    /// Cosine distance from the current segment (0 for a repeat).
    pub distance: f32,
}

/// The next-segment process. Deterministic for a seed: the same corpus, seed, controls and calls
/// give the same choices.
#[derive(Debug, Clone)]
pub struct Navigator {
    rng: Rng,
    /// The dice of the moves kept in reserve ([`Navigator::prepare_move`]), apart: preparing
    /// one changes none of the choices.
    spare_rng: Rng,
    controls: Controls,
    history: Vec<usize>,
    /// (corpus id, labels) the mask below was computed for.
    mask_key: Option<(u64, Vec<String>)>,
    /// Segments allowed by the labels (empty: all).
    mask: Vec<bool>,
    /// Scratch: (segment, score, distance from current).
    cands: Vec<(usize, f32, f32)>,
}

impl Navigator {
    pub fn new(seed: u64) -> Navigator {
        Navigator {
            rng: Rng::new(seed),
            spare_rng: Rng::new(seed ^ SPARE_SEED),
            controls: Controls::default(),
            history: Vec::new(),
            mask_key: None,
            mask: Vec::new(),
            cands: Vec::new(),
        }
    }

    /// Start the random sequence again from `seed` (the history is kept).
    pub fn reseed(&mut self, seed: u64) {
        self.rng = Rng::new(seed);
        self.spare_rng = Rng::new(seed ^ SPARE_SEED);
    }

    pub fn controls(&self) -> &Controls {
        &self.controls
    }

    /// Set the controls; out-of-range values are refused and the old controls kept.
    pub fn set_controls(&mut self, controls: Controls) -> Result<()> {
        controls.check()?;
        self.controls = controls;
        Ok(())
    }

    /// The segments played, oldest first (the last [`HISTORY`]-odd ones).
    pub fn history(&self) -> &[usize] {
        &self.history
    }

    /// Forget the segments played.
    pub fn clear_history(&mut self) {
        self.history.clear();
    }

    fn push(&mut self, i: usize) {
        self.history.push(i);
        if self.history.len() > 2 * HISTORY {
            self.history.drain(..HISTORY);
        }
    }

    /// Whether segment `i` may be played under the labels (recomputed when the corpus or the
    /// labels change).
    fn update_mask(&mut self, corpus: &Corpus) {
        let key = (corpus.id(), self.controls.labels.clone());
        if self.mask_key.as_ref() == Some(&key) {
            return;
        }
        self.mask.clear();
        if !self.controls.labels.is_empty() {
            self.mask = corpus
                .segments()
                .iter()
                .map(|s| s.has_label(&self.controls.labels))
                .collect();
            if !self.mask.iter().any(|&m| m) {
                self.mask.clear(); // no segment carries them: ignored
            }
        }
        self.mask_key = Some(key);
    }

    fn allowed(&self, i: usize) -> bool {
        self.mask.is_empty() || self.mask[i]
    }

    /// Sample among the candidates with softmax(-score / temperature).
    fn sample(&mut self) -> (usize, f32) {
        let t = self.controls.temperature as f32;
        let best = self.cands.iter().map(|c| c.1).fold(f32::INFINITY, f32::min);
        let total: f32 = self.cands.iter().map(|c| (-(c.1 - best) / t).exp()).sum();
        let mut u = self.rng.uniform() * total;
        for c in &self.cands {
            let w = (-(c.1 - best) / t).exp();
            if u < w {
                return (c.0, c.2);
            }
            u -= w;
        }
        let last = self.cands.last().expect("candidates");
        (last.0, last.2)
    }

    /// The first segment: sampled (softmax over -distance / temperature) among the few nearest
    /// to a seed's embedding that the labels allow. Clears the history. 0 for an empty corpus;
    /// a target of the wrong length gives a uniformly random segment.
    pub fn start(&mut self, corpus: &Corpus, target: &[f32]) -> usize {
        self.history.clear();
        if corpus.is_empty() {
            return 0;
        }
        self.update_mask(corpus);
        let first = if target.len() != corpus.dim() {
            (self.rng.uniform() * corpus.len() as f32) as usize % corpus.len()
        } else {
            let mut q = target.to_vec();
            normalize(&mut q);
            self.cands.clear();
            for i in 0..corpus.len() {
                if self.allowed(i) {
                    let d = cos_dist(dot(&q, corpus.embedding(i)));
                    self.cands.push((i, d, d));
                }
            }
            let k = START_FEW.min(self.cands.len());
            self.cands
                .select_nth_unstable_by(k - 1, |a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            self.cands.truncate(k);
            self.cands
                .sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            self.sample().0
        };
        self.push(first);
        first
    }

    /// Choose what plays after `current` (call it while `current` plays). With probability
    /// `repeat`, `current` again; otherwise a move to another segment: among those within
    /// `max_step` of `current` (the [`FALLBACK`] nearest if none is), not among the last
    /// `avoid` played, carrying one of the labels, sampled with softmax(-d / temperature) where
    /// `d = (1 - follow) * dist(current, s) + follow * dist(target, s)` with a target (the
    /// embedding of what the musician plays, see [`Corpus::embed_notes`]), `dist(current, s)`
    /// without. When no other segment can be chosen (a one-segment corpus), a repeat.
    /// `current` out of range is read as segment 0.
    pub fn choose(&mut self, corpus: &Corpus, current: usize, target: Option<&[f32]>) -> Choice {
        self.pick(corpus, current, target, true)
    }

    /// A move from `current`, as [`choose`](Self::choose) makes one when it does not repeat,
    /// kept in reserve: the history is left as it is (the move is not played yet; when it is,
    /// the next choice records it). `None` when no other segment can be chosen.
    pub fn prepare_move(
        &mut self,
        corpus: &Corpus,
        current: usize,
        target: Option<&[f32]>,
    ) -> Option<Choice> {
        std::mem::swap(&mut self.rng, &mut self.spare_rng);
        let c = self.pick(corpus, current, target, false);
        std::mem::swap(&mut self.rng, &mut self.spare_rng);
        (!c.repeat).then_some(c)
    }

    /// [`choose`](Self::choose) (`played`), or a move kept in reserve (not `played`: no
    /// repeat, nothing recorded).
    fn pick(
        &mut self,
        corpus: &Corpus,
        current: usize,
        target: Option<&[f32]>,
        played: bool,
    ) -> Choice {
        let n = corpus.len();
        let current = if current < n { current } else { 0 };
        let repeat = Choice {
            segment: current,
            repeat: true,
            distance: 0.0,
        };
        if n == 0 {
            return repeat;
        }
        self.update_mask(corpus);
        if played {
            if self.history.last() != Some(&current) {
                self.push(current);
            }
            let u = self.rng.uniform() as f64;
            if u < self.controls.repeat && self.allowed(current) {
                self.push(current);
                return repeat;
            }
        }
        // The last `avoid` distinct segments before the current one.
        let mut recent: Vec<usize> = Vec::with_capacity(self.controls.avoid);
        for &h in self.history.iter().rev() {
            if recent.len() >= self.controls.avoid {
                break;
            }
            if h != current && h < n && !recent.contains(&h) {
                recent.push(h);
            }
        }
        let target: Option<Vec<f32>> = target
            .filter(|t| t.len() == corpus.dim() && self.controls.follow > 0.0)
            .map(|t| {
                let mut q = t.to_vec();
                normalize(&mut q);
                q
            });
        let follow = self.controls.follow as f32;
        let here = corpus.embedding(current);
        let max_step = self.controls.max_step as f32;
        // Relax avoid, then labels, until some segment other than the current is allowed.
        for relax in 0..3 {
            self.cands.clear();
            let mut far: Vec<(usize, f32, f32)> = Vec::new();
            for i in 0..n {
                if i == current
                    || (relax < 1 && recent.contains(&i))
                    || (relax < 2 && !self.allowed(i))
                {
                    continue;
                }
                let e = corpus.embedding(i);
                let d = cos_dist(dot(here, e));
                let score = match &target {
                    Some(q) => (1.0 - follow) * d + follow * cos_dist(dot(q, e)),
                    None => d,
                };
                if d <= max_step {
                    self.cands.push((i, score, d));
                } else if self.cands.is_empty() {
                    // Keep the nearest few in case nothing is within max_step.
                    far.push((i, score, d));
                    if far.len() > 4 * FALLBACK {
                        far.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)));
                        far.truncate(FALLBACK);
                    }
                }
            }
            if self.cands.is_empty() && !far.is_empty() {
                far.sort_by(|a, b| a.2.total_cmp(&b.2).then(a.0.cmp(&b.0)));
                far.truncate(FALLBACK);
                self.cands = far;
            }
            if !self.cands.is_empty() {
                let (segment, distance) = self.sample();
                if played {
                    self.push(segment);
                }
                return Choice {
                    segment,
                    repeat: false,
                    distance,
                };
            }
        }
        if played {
            self.push(current);
        }
        repeat
    }
}
