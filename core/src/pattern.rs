//! The drum loop: steps x 9 voices, each cell empty or a hit with velocity and timing offset.

use crate::error::{Error, Result};
use crate::voice::{Voice, VOICES};
use serde::{Deserialize, Serialize};

/// 16th notes per quarter note.
pub const STEPS_PER_BEAT: usize = 4;
/// 16th notes per 4/4 bar.
pub const STEPS_PER_BAR: usize = 16;
/// Bars in the model's unit.
pub const LOOP_BARS: usize = 2;
/// Steps in the model's unit (2 bars of 16ths).
pub const LOOP_STEPS: usize = LOOP_BARS * STEPS_PER_BAR;
/// Longest pattern we accept (1,024 bars), so a bad length cannot eat the machine's memory.
pub const MAX_STEPS: usize = 1024 * STEPS_PER_BAR;

/// One drum hit on a step.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Loudness, 0 < velocity <= 1 (MIDI velocity / 127).
    pub velocity: f32,
    /// Timing offset in fractions of a step, -0.5..=0.5; positive = late (behind the beat).
    pub offset: f32,
}

impl Hit {
    /// A hit, checked: velocity in (0, 1], offset in [-0.5, 0.5], both finite.
    pub fn new(velocity: f32, offset: f32) -> Result<Hit> {
        if !velocity.is_finite() || velocity <= 0.0 || velocity > 1.0 {
            return Err(Error::invalid(format!(
                "velocity {velocity} is out of range (0 < velocity <= 1)"
            )));
        }
        if !offset.is_finite() || !(-0.5..=0.5).contains(&offset) {
            return Err(Error::invalid(format!(
                "offset {offset} is out of range (-0.5..0.5 of a step)"
            )));
        }
        Ok(Hit { velocity, offset })
    }

    /// A hit on the grid with the given velocity.
    pub fn on_grid(velocity: f32) -> Result<Hit> {
        Hit::new(velocity, 0.0)
    }

    /// MIDI velocity 1..=127.
    pub fn midi_velocity(self) -> u8 {
        (self.velocity * 127.0).round().clamp(1.0, 127.0) as u8
    }
}

/// A drum loop of `steps` 16th-note steps (16 per 4/4 bar) x 9 voices.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    steps: usize,
    cells: Vec<Option<Hit>>,
}

/// Check a step count: at least one step, at most [`MAX_STEPS`].
pub fn check_steps(steps: usize) -> Result<()> {
    if steps == 0 || steps > MAX_STEPS {
        return Err(Error::invalid(format!(
            "a pattern has 1..{MAX_STEPS} steps, not {steps}"
        )));
    }
    Ok(())
}

impl Pattern {
    /// An empty pattern of `steps` steps.
    pub fn new(steps: usize) -> Result<Pattern> {
        check_steps(steps)?;
        Ok(Pattern {
            steps,
            cells: vec![None; steps * VOICES],
        })
    }

    /// An empty 2-bar pattern (the model's unit).
    pub fn empty_loop() -> Pattern {
        Pattern {
            steps: LOOP_STEPS,
            cells: vec![None; LOOP_STEPS * VOICES],
        }
    }

    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Whole bars this pattern spans (a partial bar counts as one).
    pub fn bars(&self) -> usize {
        self.steps.div_ceil(STEPS_PER_BAR)
    }

    pub fn get(&self, step: usize, voice: Voice) -> Option<Hit> {
        self.cells
            .get(step * VOICES + voice.index())
            .copied()
            .flatten()
    }

    /// Set or clear a cell; the hit is checked, the step must be inside the pattern.
    pub fn set(&mut self, step: usize, voice: Voice, hit: Option<Hit>) -> Result<()> {
        if step >= self.steps {
            return Err(Error::invalid(format!(
                "step {step} is outside the pattern (0..{})",
                self.steps
            )));
        }
        if let Some(h) = hit {
            Hit::new(h.velocity, h.offset)?;
        }
        self.cells[step * VOICES + voice.index()] = hit;
        Ok(())
    }

    /// All hits, in time order of their steps (voices in tensor order within a step).
    pub fn hits(&self) -> impl Iterator<Item = (usize, Voice, Hit)> + '_ {
        self.cells
            .iter()
            .enumerate()
            .filter_map(|(i, c)| c.map(|h| (i / VOICES, Voice::ALL[i % VOICES], h)))
    }

    pub fn hit_count(&self) -> usize {
        self.cells.iter().filter(|c| c.is_some()).count()
    }

    pub fn is_empty(&self) -> bool {
        self.hit_count() == 0
    }

    /// `len` steps starting at `start`; steps past the end are empty.
    pub fn window(&self, start: usize, len: usize) -> Result<Pattern> {
        let mut out = Pattern::new(len)?;
        for s in 0..len {
            let src = start + s;
            if src >= self.steps {
                break;
            }
            let (a, b) = (src * VOICES, s * VOICES);
            out.cells[b..b + VOICES].copy_from_slice(&self.cells[a..a + VOICES]);
        }
        Ok(out)
    }

    /// Cut into chunks of `len` steps (the last one padded with empty steps).
    pub fn chunks(&self, len: usize) -> Result<Vec<Pattern>> {
        check_steps(len)?;
        (0..self.steps.div_ceil(len))
            .map(|i| self.window(i * len, len))
            .collect()
    }

    /// Patterns one after the other.
    pub fn concat(parts: &[Pattern]) -> Result<Pattern> {
        let steps = parts.iter().map(|p| p.steps).sum();
        check_steps(steps)?;
        let mut cells = Vec::with_capacity(steps * VOICES);
        for p in parts {
            cells.extend_from_slice(&p.cells);
        }
        Ok(Pattern { steps, cells })
    }

    /// Row-major `steps x 9` matrices (hit 0/1, velocity, offset), zeros where there is no hit:
    /// the layout of the dataset export and of the model's tensors.
    pub fn to_matrices(&self) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let n = self.cells.len();
        let (mut h, mut v, mut o) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        for (i, c) in self.cells.iter().enumerate() {
            if let Some(hit) = c {
                h[i] = 1.0;
                v[i] = hit.velocity;
                o[i] = hit.offset;
            }
        }
        (h, v, o)
    }

    /// The inverse of [`Pattern::to_matrices`]: a cell is a hit where `hits > 0.5`.
    pub fn from_matrices(
        steps: usize,
        hits: &[f32],
        vels: &[f32],
        offs: &[f32],
    ) -> Result<Pattern> {
        check_steps(steps)?;
        let n = steps * VOICES;
        for (name, m) in [("hits", hits), ("velocities", vels), ("offsets", offs)] {
            if m.len() != n {
                return Err(Error::invalid(format!(
                    "{name} has {} values, expected {steps} steps x {VOICES} voices = {n}",
                    m.len()
                )));
            }
        }
        let mut p = Pattern::new(steps)?;
        for i in 0..n {
            if !hits[i].is_finite() {
                return Err(Error::invalid(format!("hits[{i}] is {}", hits[i])));
            }
            if hits[i] > 0.5 {
                let hit = Hit::new(vels[i], offs[i]).map_err(|e| {
                    Error::invalid(format!(
                        "step {} {}: {}",
                        i / VOICES,
                        Voice::ALL[i % VOICES],
                        e.problem()
                    ))
                })?;
                p.cells[i] = Some(hit);
            }
        }
        Ok(p)
    }
}

/// Check a tempo: finite, 20..=400 BPM.
pub fn check_bpm(bpm: f64) -> Result<()> {
    if !bpm.is_finite() || !(20.0..=400.0).contains(&bpm) {
        return Err(Error::invalid(format!(
            "tempo {bpm} BPM is out of range (20..400)"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hit_ranges() {
        assert!(Hit::new(1.0, 0.5).is_ok());
        assert!(Hit::new(0.01, -0.5).is_ok());
        assert!(Hit::new(0.0, 0.0).is_err());
        assert!(Hit::new(1.01, 0.0).is_err());
        assert!(Hit::new(0.5, 0.51).is_err());
        assert!(Hit::new(f32::NAN, 0.0).is_err());
        assert!(Hit::new(0.5, f32::INFINITY).is_err());
    }

    #[test]
    fn chunks_and_concat_round_trip() {
        let mut p = Pattern::new(48).unwrap();
        p.set(0, Voice::Kick, Some(Hit::new(0.9, 0.1).unwrap()))
            .unwrap();
        p.set(47, Voice::Ride, Some(Hit::new(0.4, -0.2).unwrap()))
            .unwrap();
        let chunks = p.chunks(LOOP_STEPS).unwrap();
        assert_eq!(chunks.len(), 2);
        assert_eq!(chunks[1].steps(), 32);
        assert_eq!(chunks[1].get(15, Voice::Ride).unwrap().velocity, 0.4);
        let back = Pattern::concat(&chunks).unwrap().window(0, 48).unwrap();
        assert_eq!(back, p);
        assert!(p.set(48, Voice::Kick, None).is_err());
    }

    #[test]
    fn matrices_round_trip_and_reject_bad_values() {
        let mut p = Pattern::empty_loop();
        p.set(3, Voice::Snare, Some(Hit::new(0.7, -0.25).unwrap()))
            .unwrap();
        let (h, v, o) = p.to_matrices();
        assert_eq!(h[3 * VOICES + 1], 1.0);
        assert_eq!(Pattern::from_matrices(32, &h, &v, &o).unwrap(), p);
        let mut bad = v.clone();
        bad[3 * VOICES + 1] = 2.0;
        let e = Pattern::from_matrices(32, &h, &bad, &o).unwrap_err();
        assert!(e.to_string().contains("step 3 snare"), "{e}");
        assert!(Pattern::from_matrices(16, &h, &v, &o).is_err());
    }
}
