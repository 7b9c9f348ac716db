//! The gesture views of a drum loop, as Gillick et al. define them, and the gestures a performer
//! gives: Score (what to play), Groove (how: a tapped rhythm), Accent, per-voice Score rows, Swing.

use crate::error::{Error, Result};
use crate::pattern::{check_steps, Hit, Pattern};
use crate::voice::{Voice, VOICES};

/// Score: the quantized pattern, hits only (velocities and offsets removed). `steps x 9`.
#[derive(Debug, Clone, PartialEq)]
pub struct Score {
    steps: usize,
    hits: Vec<bool>,
}

impl Score {
    pub fn new(steps: usize) -> Result<Score> {
        check_steps(steps)?;
        Ok(Score {
            steps,
            hits: vec![false; steps * VOICES],
        })
    }
    pub fn steps(&self) -> usize {
        self.steps
    }
    pub fn get(&self, step: usize, voice: Voice) -> bool {
        self.hits
            .get(step * VOICES + voice.index())
            .copied()
            .unwrap_or(false)
    }
    pub fn set(&mut self, step: usize, voice: Voice, on: bool) -> Result<()> {
        if step >= self.steps {
            return Err(Error::invalid(format!(
                "step {step} is outside the score (0..{})",
                self.steps
            )));
        }
        self.hits[step * VOICES + voice.index()] = on;
        Ok(())
    }
    /// One voice's row (per-voice Score view).
    pub fn row(&self, voice: Voice) -> Vec<bool> {
        (0..self.steps).map(|s| self.get(s, voice)).collect()
    }
    /// The score as a playable pattern: every hit on the grid at `velocity`.
    pub fn to_pattern(&self, velocity: f32) -> Result<Pattern> {
        let hit = Hit::on_grid(velocity)?;
        let mut p = Pattern::new(self.steps)?;
        for s in 0..self.steps {
            for v in Voice::ALL {
                if self.get(s, v) {
                    p.set(s, v, Some(hit))?;
                }
            }
        }
        Ok(p)
    }
    /// Row-major `steps x 9` 0/1 values.
    pub fn to_matrix(&self) -> Vec<f32> {
        self.hits.iter().map(|&b| b as u8 as f32).collect()
    }
}

/// Per-voice Score rows (the 11-input model): for each voice either a row the performer fixed
/// (an all-empty row means "none of this drum") or `None`, "let the model choose".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VoiceScores {
    rows: [Option<Vec<bool>>; VOICES],
}

impl VoiceScores {
    pub fn new() -> Self {
        Self::default()
    }
    /// Every row of a score given.
    pub fn from_score(score: &Score) -> Self {
        let mut vs = Self::new();
        for v in Voice::ALL {
            vs.rows[v.index()] = Some(score.row(v));
        }
        vs
    }
    /// Fix one voice's row; all rows given must have the same length.
    pub fn set_row(&mut self, voice: Voice, row: Vec<bool>) -> Result<()> {
        check_steps(row.len())?;
        let others = Voice::ALL.iter().filter(|&&v| v != voice);
        if let Some(len) = others
            .filter_map(|&v| self.row(v))
            .map(<[bool]>::len)
            .next()
        {
            if len != row.len() {
                return Err(Error::invalid(format!(
                    "{voice} row has {} steps, the other rows have {len}",
                    row.len()
                )));
            }
        }
        self.rows[voice.index()] = Some(row);
        Ok(())
    }
    /// Give a voice back to the model.
    pub fn clear_row(&mut self, voice: Voice) {
        self.rows[voice.index()] = None;
    }
    pub fn row(&self, voice: Voice) -> Option<&[bool]> {
        self.rows[voice.index()].as_deref()
    }
    /// The length of the given rows, if any is given.
    pub fn steps(&self) -> Option<usize> {
        self.rows.iter().flatten().map(|r| r.len()).next()
    }
}

/// Groove: the "squashed" performance, one value per step with the voices discarded: where
/// anything was played, the velocity and offset of the loudest hit on that step.
#[derive(Debug, Clone, PartialEq)]
pub struct Groove {
    steps: Vec<Option<Hit>>,
}

impl Groove {
    pub fn new(steps: usize) -> Result<Groove> {
        check_steps(steps)?;
        Ok(Groove {
            steps: vec![None; steps],
        })
    }
    /// A groove from per-step hits (a tapped rhythm).
    pub fn from_steps(steps: Vec<Option<Hit>>) -> Result<Groove> {
        check_steps(steps.len())?;
        for h in steps.iter().flatten() {
            Hit::new(h.velocity, h.offset)?;
        }
        Ok(Groove { steps })
    }
    pub fn steps(&self) -> usize {
        self.steps.len()
    }
    pub fn get(&self, step: usize) -> Option<Hit> {
        self.steps.get(step).copied().flatten()
    }
    pub fn as_slice(&self) -> &[Option<Hit>] {
        &self.steps
    }
    /// The Swing gesture: a hit on every 16th at `velocity`, on the grid on the beat-side 16ths
    /// and `offset` (fraction of a step) on every other 16th (steps 1, 3, 5, ...).
    pub fn swing(steps: usize, offset: f32, velocity: f32) -> Result<Groove> {
        check_steps(steps)?;
        let on = Hit::new(velocity, 0.0)?;
        let off = Hit::new(velocity, offset)?;
        Ok(Groove {
            steps: (0..steps)
                .map(|s| Some(if s % 2 == 1 { off } else { on }))
                .collect(),
        })
    }
    /// This groove with every other 16th's offset set to `offset`.
    pub fn with_swing(&self, offset: f32) -> Result<Groove> {
        Hit::new(1.0, offset)?;
        let mut g = self.clone();
        for (s, h) in g.steps.iter_mut().enumerate() {
            if let (1, Some(hit)) = (s % 2, h.as_mut()) {
                hit.offset = offset;
            }
        }
        Ok(g)
    }
    /// Row-major `steps x 3` values: hit 0/1, velocity, offset.
    pub fn to_matrix(&self) -> Vec<f32> {
        self.steps
            .iter()
            .flat_map(|h| match h {
                Some(h) => [1.0, h.velocity, h.offset],
                None => [0.0; 3],
            })
            .collect()
    }
}

/// Accent: one flag per step.
#[derive(Debug, Clone, PartialEq)]
pub struct Accent {
    steps: Vec<bool>,
}

impl Accent {
    pub fn from_flags(flags: Vec<bool>) -> Result<Accent> {
        check_steps(flags.len())?;
        Ok(Accent { steps: flags })
    }
    /// Accents on the given steps of a `steps`-step loop.
    pub fn from_steps(steps: usize, accented: &[usize]) -> Result<Accent> {
        let mut flags = vec![false; steps];
        check_steps(steps)?;
        for &s in accented {
            *flags.get_mut(s).ok_or_else(|| {
                Error::invalid(format!("accent step {s} is outside the loop (0..{steps})"))
            })? = true;
        }
        Ok(Accent { steps: flags })
    }
    /// Parse a drum-machine string: `x`/`X`/`1`/`!` accented, `.`/`-`/`0`/`_` not; spaces and `|`
    /// are ignored (for readability: `x...x...|x...x...`).
    pub fn parse(s: &str) -> Result<Accent> {
        let mut flags = Vec::new();
        for c in s.chars() {
            match c {
                'x' | 'X' | '1' | '!' => flags.push(true),
                '.' | '-' | '0' | '_' => flags.push(false),
                ' ' | '|' => {}
                other => {
                    return Err(Error::invalid(format!(
                        "accent string '{s}': '{other}' is not one of x . - 0 1"
                    )))
                }
            }
        }
        Accent::from_flags(flags)
    }
    pub fn steps(&self) -> usize {
        self.steps.len()
    }
    pub fn get(&self, step: usize) -> bool {
        self.steps.get(step).copied().unwrap_or(false)
    }
    pub fn as_slice(&self) -> &[bool] {
        &self.steps
    }
    /// These accents repeated (or cut) to `steps` steps, as a drum machine repeats its pattern.
    pub fn tiled(&self, steps: usize) -> Result<Accent> {
        Accent::from_flags((0..steps).map(|s| self.get(s % self.steps())).collect())
    }
    pub fn accented_steps(&self) -> Vec<usize> {
        (0..self.steps.len()).filter(|&s| self.steps[s]).collect()
    }
    pub fn to_matrix(&self) -> Vec<f32> {
        self.steps.iter().map(|&b| b as u8 as f32).collect()
    }
}

impl std::fmt::Display for Accent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, &a) in self.steps.iter().enumerate() {
            if i > 0 && i % 16 == 0 {
                f.write_str("|")?;
            }
            f.write_str(if a { "x" } else { "." })?;
        }
        Ok(())
    }
}

impl Pattern {
    /// The Score view.
    pub fn score(&self) -> Score {
        let mut s = Score::new(self.steps()).expect("pattern has a valid length");
        for (step, voice, _) in self.hits() {
            s.hits[step * VOICES + voice.index()] = true;
        }
        s
    }

    /// The Groove view: per step, the loudest hit's velocity and offset (earliest voice on ties).
    pub fn groove(&self) -> Groove {
        let mut g = vec![None::<Hit>; self.steps()];
        for (step, _, hit) in self.hits() {
            match g[step] {
                Some(best) if best.velocity >= hit.velocity => {}
                _ => g[step] = Some(hit),
            }
        }
        Groove { steps: g }
    }

    /// The Accent view: a step is accented where a note's velocity is more than one standard
    /// deviation above that drum's mean velocity in this pattern (population std over the
    /// drum's hits).
    pub fn accents(&self) -> Accent {
        let mut sum = [0f64; VOICES];
        let mut sq = [0f64; VOICES];
        let mut n = [0usize; VOICES];
        for (_, v, h) in self.hits() {
            let x = h.velocity as f64;
            sum[v.index()] += x;
            sq[v.index()] += x * x;
            n[v.index()] += 1;
        }
        let mut threshold = [f64::INFINITY; VOICES];
        for v in 0..VOICES {
            if n[v] > 0 {
                let mean = sum[v] / n[v] as f64;
                let var = (sq[v] / n[v] as f64 - mean * mean).max(0.0);
                threshold[v] = mean + var.sqrt();
            }
        }
        let mut flags = vec![false; self.steps()];
        for (s, v, h) in self.hits() {
            // A small tolerance so an exactly-at-threshold velocity is not accented by rounding.
            if h.velocity as f64 > threshold[v.index()] + 1e-6 {
                flags[s] = true;
            }
        }
        Accent { steps: flags }
    }

    /// Swing: every hit on every other 16th (steps 1, 3, 5, ...) moved to `offset`.
    pub fn with_swing(&self, offset: f32) -> Result<Pattern> {
        Hit::new(1.0, offset)?;
        let mut p = self.clone();
        for (s, v, h) in self.hits() {
            if s % 2 == 1 {
                p.set(s, v, Some(Hit { offset, ..h }))?;
            }
        }
        Ok(p)
    }

    /// Accents applied the drum-machine way with `depth` in 0..=1: hits on accented steps are
    /// pushed toward full velocity (`v + (1 - v) * depth`), the others pulled down
    /// (`v * (1 - depth / 2)`). The accent pattern repeats if it is shorter than the loop.
    pub fn with_accents(&self, accent: &Accent, depth: f32) -> Result<Pattern> {
        if !depth.is_finite() || !(0.0..=1.0).contains(&depth) {
            return Err(Error::invalid(format!(
                "accent depth {depth} is out of range (0..1)"
            )));
        }
        let mut p = self.clone();
        for (s, v, h) in self.hits() {
            let vel = if accent.get(s % accent.steps()) {
                h.velocity + (1.0 - h.velocity) * depth
            } else {
                (h.velocity * (1.0 - depth / 2.0)).max(1.0 / 127.0)
            };
            p.set(s, v, Some(Hit { velocity: vel, ..h }))?;
        }
        Ok(p)
    }
}

/// The swing a performer sets, in percent (`swing` on the groove object, its controls on the
/// devices and the TouchOSC layout): 50 = straight .. 75 = dotted.
pub const SWING_PERCENT_RANGE: (f64, f64) = (50.0, 75.0);

/// Drum-machine swing percent to our offset on every other 16th.
///
/// A swing percent says where the second 16th of each 8th-note pair falls, as a percentage of
/// the pair: 50 % = straight, 66.7 % = triplet shuffle, 75 % = dotted (the hardest MPC swing).
/// The pair is 2 steps long, so `offset = 2 * percent / 100 - 1` steps: 50 -> 0, 54 -> 0.08,
/// 58 -> 0.16, 62 -> 0.24, 66.7 -> 0.333, 75 -> 0.5. Values under 50 rush the off-beats
/// (25 % -> -0.5).
pub fn swing_offset_from_percent(percent: f32) -> Result<f32> {
    if !percent.is_finite() || !(25.0..=75.0).contains(&percent) {
        return Err(Error::invalid(format!(
            "swing {percent}% is out of range (25..75, 50 = straight)"
        )));
    }
    Ok(2.0 * percent / 100.0 - 1.0)
}

/// The inverse of [`swing_offset_from_percent`].
pub fn swing_percent_from_offset(offset: f32) -> f32 {
    (offset + 1.0) * 50.0
}

/// 8th-note swing percent (`swing8`) to the feel of a loop ([`crate::pattern::feel_time`]):
/// where the off-beat 8th falls, as a percentage of the beat (4 steps), so
/// `feel = 4 * percent / 100 - 2` steps: 50 -> 0, 58 -> 0.32, 66.7 -> 2/3 (triplet), 75 -> 1
/// (dotted); 25 -> -1.
pub fn feel_from_percent(percent: f32) -> Result<f32> {
    if !percent.is_finite() || !(25.0..=75.0).contains(&percent) {
        return Err(Error::invalid(format!(
            "8th-note swing {percent}% is out of range (25..75, 50 = straight)"
        )));
    }
    Ok(4.0 * percent / 100.0 - 2.0)
}

/// The inverse of [`feel_from_percent`].
pub fn percent_from_feel(feel: f32) -> f32 {
    (feel + 2.0) * 25.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(v: f32, o: f32) -> Option<Hit> {
        Some(Hit::new(v, o).unwrap())
    }

    /// A 4-step example worked by hand from the paper's definitions.
    fn example() -> Pattern {
        let mut p = Pattern::new(4).unwrap();
        // kick: 0.8 @0, 0.4 @2  -> mean 0.6, std 0.2, threshold 0.8: nothing strictly above.
        p.set(0, Voice::Kick, hit(0.8, 0.1)).unwrap();
        p.set(2, Voice::Kick, hit(0.4, -0.1)).unwrap();
        // hats: 0.2, 0.2, 0.2, 0.9 -> mean 0.375, std sqrt(0.091875)=0.3031, threshold 0.678:
        // step 3 accented.
        p.set(0, Voice::ClosedHat, hit(0.2, 0.0)).unwrap();
        p.set(1, Voice::ClosedHat, hit(0.2, 0.2)).unwrap();
        p.set(2, Voice::ClosedHat, hit(0.2, 0.0)).unwrap();
        p.set(3, Voice::ClosedHat, hit(0.9, -0.3)).unwrap();
        // snare alone at step 1, louder than the hat there.
        p.set(1, Voice::Snare, hit(0.6, -0.05)).unwrap();
        p
    }

    #[test]
    fn score_is_hits_only() {
        let s = example().score();
        assert!(s.get(0, Voice::Kick) && s.get(2, Voice::Kick) && !s.get(1, Voice::Kick));
        assert_eq!(s.row(Voice::ClosedHat), vec![true; 4]);
        assert_eq!(s.row(Voice::Ride), vec![false; 4]);
        let back = s.to_pattern(0.7).unwrap();
        assert_eq!(back.get(1, Voice::Snare), hit(0.7, 0.0));
        assert_eq!(back.hit_count(), 7);
    }

    #[test]
    fn groove_keeps_loudest_per_step() {
        let g = example().groove();
        assert_eq!(g.get(0), hit(0.8, 0.1)); // kick beats hat
        assert_eq!(g.get(1), hit(0.6, -0.05)); // snare beats hat
        assert_eq!(g.get(2), hit(0.4, -0.1)); // kick beats hat
        assert_eq!(g.get(3), hit(0.9, -0.3));
        assert_eq!(g.to_matrix()[..3], [1.0, 0.8, 0.1]);
    }

    #[test]
    fn accent_is_one_std_above_the_drums_mean() {
        let a = example().accents();
        assert_eq!(a.as_slice(), &[false, false, false, true]);
        // A drum played at one constant velocity is never accented.
        let mut flat = Pattern::new(4).unwrap();
        for s in 0..4 {
            flat.set(s, Voice::Ride, hit(0.5, 0.0)).unwrap();
        }
        assert_eq!(flat.accents().accented_steps(), Vec::<usize>::new());
        // Two drums, each judged against its own mean: a soft snare ghost-note context makes
        // the loud snare accented, while the loud kicks (all equal) are not.
        let mut p = Pattern::new(8).unwrap();
        for s in [0, 4] {
            p.set(s, Voice::Kick, hit(1.0, 0.0)).unwrap();
        }
        for (s, v) in [(1, 0.1), (3, 0.1), (5, 0.1), (6, 0.9)] {
            p.set(s, Voice::Snare, hit(v, 0.0)).unwrap();
        }
        // snare mean 0.3, std sqrt(0.12)=0.346, threshold 0.646 -> step 6.
        assert_eq!(p.accents().accented_steps(), vec![6]);
    }

    #[test]
    fn eighth_swing_percent_mapping() {
        assert_eq!(feel_from_percent(50.0).unwrap(), 0.0);
        assert!((feel_from_percent(200.0 / 3.0).unwrap() - 2.0 / 3.0).abs() < 1e-6);
        assert_eq!(feel_from_percent(75.0).unwrap(), 1.0);
        assert_eq!(feel_from_percent(25.0).unwrap(), -1.0);
        assert!(feel_from_percent(75.5).is_err() && feel_from_percent(f32::NAN).is_err());
        assert!((percent_from_feel(0.32) - 58.0).abs() < 1e-4);
    }

    #[test]
    fn swing_percent_mapping() {
        assert_eq!(swing_offset_from_percent(50.0).unwrap(), 0.0);
        assert!((swing_offset_from_percent(58.0).unwrap() - 0.16).abs() < 1e-6);
        assert!((swing_offset_from_percent(200.0 / 3.0).unwrap() - 1.0 / 3.0).abs() < 1e-6);
        assert_eq!(swing_offset_from_percent(75.0).unwrap(), 0.5);
        assert_eq!(swing_offset_from_percent(25.0).unwrap(), -0.5);
        assert!(swing_offset_from_percent(80.0).is_err());
        assert!(swing_offset_from_percent(f32::NAN).is_err());
        assert!((swing_percent_from_offset(0.16) - 58.0).abs() < 1e-4);
    }

    #[test]
    fn swing_gesture_sets_every_other_sixteenth() {
        let g = Groove::swing(32, -0.2, 0.7).unwrap();
        for s in 0..32 {
            let h = g.get(s).unwrap();
            assert_eq!(h.offset, if s % 2 == 1 { -0.2 } else { 0.0 }, "step {s}");
        }
        let p = example().with_swing(0.25).unwrap();
        assert_eq!(p.get(1, Voice::Snare).unwrap().offset, 0.25);
        assert_eq!(p.get(3, Voice::ClosedHat).unwrap().offset, 0.25);
        assert_eq!(p.get(0, Voice::Kick).unwrap().offset, 0.1); // on-beat untouched
        assert!(example().with_swing(0.6).is_err());
        let gs = example().groove().with_swing(0.1).unwrap();
        assert_eq!(gs.get(1).unwrap().offset, 0.1);
        assert_eq!(gs.get(0).unwrap().offset, 0.1); // step 0 kept its own offset
    }

    #[test]
    fn accents_tile_over_a_loop() {
        let a = Accent::parse("x...").unwrap().tiled(32).unwrap();
        assert_eq!(a.accented_steps(), (0..32).step_by(4).collect::<Vec<_>>());
        assert_eq!(
            Accent::parse("x...x...").unwrap().tiled(4).unwrap().steps(),
            4
        );
    }

    #[test]
    fn accent_parse_and_apply() {
        let a = Accent::parse("x... x...|..x. ....").unwrap();
        assert_eq!(a.steps(), 16);
        assert_eq!(a.accented_steps(), vec![0, 4, 10]);
        assert_eq!(a.to_string(), "x...x.....x.....");
        assert!(Accent::parse("x.y").is_err());
        assert!(Accent::from_steps(16, &[16]).is_err());
        let mut p = Pattern::new(16).unwrap();
        for s in 0..16 {
            p.set(s, Voice::ClosedHat, hit(0.5, 0.0)).unwrap();
        }
        let q = p.with_accents(&a, 1.0).unwrap();
        assert_eq!(q.get(4, Voice::ClosedHat).unwrap().velocity, 1.0);
        assert_eq!(q.get(5, Voice::ClosedHat).unwrap().velocity, 0.25);
        // What was applied reads back as the Accent view.
        assert_eq!(q.accents(), a);
    }

    #[test]
    fn voice_scores_rows() {
        let mut vs = VoiceScores::new();
        assert_eq!(vs.steps(), None);
        vs.set_row(Voice::Kick, vec![true, false, false, false])
            .unwrap();
        vs.set_row(Voice::Crash, vec![false; 4]).unwrap(); // "no crash"
        assert!(vs.set_row(Voice::Snare, vec![true; 8]).is_err());
        assert_eq!(vs.row(Voice::Crash), Some(&[false; 4][..]));
        assert_eq!(vs.row(Voice::Ride), None); // model's choice
        let full = VoiceScores::from_score(&example().score());
        assert_eq!(full.row(Voice::Kick), Some(&[true, false, true, false][..]));
    }
}
