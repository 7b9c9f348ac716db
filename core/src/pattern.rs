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

/// The largest 8th-note feel (steps): the off-beat 8th a whole 16th late, a dotted feel.
pub const MAX_FEEL: f32 = 1.0;

/// Check an 8th-note feel (steps the off-beat 8th is late): finite, within +-[`MAX_FEEL`].
pub fn check_feel(feel: f32) -> Result<()> {
    if !feel.is_finite() || feel.abs() > MAX_FEEL {
        return Err(Error::invalid(format!(
            "8th-note feel {feel} is out of range (-{MAX_FEEL}..{MAX_FEEL} of a step; 0 = straight)"
        )));
    }
    Ok(())
}

/// Where a time of the straight grid (`x`, in steps) plays in an 8th-note feel: every beat's
/// off-beat 8th `feel` steps late (0 = straight, 2/3 = a triplet shuffle, 1 = dotted), the
/// downbeats where they are, and the time between stretched evenly (an odd 16th moves half as
/// far). Monotone and continuous, so what is early or late of the swung grid stays so.
pub fn feel_time(x: f64, feel: f32) -> f64 {
    if feel == 0.0 {
        return x;
    }
    let (half, s) = (STEPS_PER_BEAT as f64 / 2.0, f64::from(feel));
    let beat = (x / (2.0 * half)).floor() * 2.0 * half;
    let l = x - beat;
    beat + if l < half {
        l * (half + s) / half
    } else {
        2.0 * half - (2.0 * half - l) * (half - s) / half
    }
}

/// The inverse of [`feel_time`]: the straight-grid time of a time played in the feel.
pub fn straight_time(y: f64, feel: f32) -> f64 {
    if feel == 0.0 {
        return y;
    }
    let (half, s) = (STEPS_PER_BEAT as f64 / 2.0, f64::from(feel));
    let beat = (y / (2.0 * half)).floor() * 2.0 * half;
    let l = y - beat;
    beat + if l < half + s {
        l * half / (half + s)
    } else {
        2.0 * half - (2.0 * half - l) * half / (half - s)
    }
}

/// When a hit on `step` (may be before 0 or past the end: any step of an endless grid) with
/// timing `offset` plays in an 8th-note feel: the step's swung time ([`feel_time`]) plus the
/// offset as it is (a drummer's lead or lag is time, whatever the grid), kept within the
/// step's cell, the swung times of `step +- 0.5`, so hits keep their order and none crosses
/// into the next loop. Straight: `step + offset`.
pub fn swung_time(step: f64, offset: f32, feel: f32) -> f64 {
    let t = feel_time(step, feel) + f64::from(offset);
    if feel == 0.0 {
        return t;
    }
    t.clamp(feel_time(step - 0.5, feel), feel_time(step + 0.5, feel))
}

/// The step of the swung grid a time `y` (steps) played in an 8th-note feel falls on, and its
/// offset from that step's swung time: the inverse of [`swung_time`] (a tap heard at `y`).
pub fn swung_step(y: f64, feel: f32) -> (f64, f64) {
    let step = straight_time(y, feel).round();
    (step, y - feel_time(step, feel))
}

/// A drum loop of `steps` 16th-note steps (16 per 4/4 bar) x 9 voices, on a straight grid or
/// in an 8th-note feel (see [`feel_time`]); each hit's offset is its timing against that grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    steps: usize,
    cells: Vec<Option<Hit>>,
    feel: f32,
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
            feel: 0.0,
        })
    }

    /// An empty 2-bar pattern (the model's unit).
    pub fn empty_loop() -> Pattern {
        Pattern {
            steps: LOOP_STEPS,
            cells: vec![None; LOOP_STEPS * VOICES],
            feel: 0.0,
        }
    }

    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The 8th-note feel this loop plays in (steps the off-beat 8th is late; 0 = straight).
    pub fn feel(&self) -> f32 {
        self.feel
    }

    /// Play this loop in an 8th-note feel (checked, see [`check_feel`]); the hits keep their
    /// offsets against the swung grid.
    pub fn set_feel(&mut self, feel: f32) -> Result<()> {
        check_feel(feel)?;
        if feel != 0.0 && self.steps % STEPS_PER_BEAT != 0 {
            return Err(Error::invalid(format!(
                "an 8th-note feel needs whole beats; this pattern has {} steps",
                self.steps
            )));
        }
        self.feel = feel;
        Ok(())
    }

    /// When a hit on `step` with `offset` plays, in steps from the loop's start: `step + offset`
    /// on a straight grid, in the loop's feel its [`swung_time`]. Within the step's cell, so an
    /// early hit on step 0 is the only one before 0 and none plays at or past the end.
    pub fn position(&self, step: usize, offset: f32) -> f64 {
        swung_time(step as f64, offset, self.feel)
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
        out.feel = self.feel;
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

    /// Patterns one after the other, in the first one's feel.
    pub fn concat(parts: &[Pattern]) -> Result<Pattern> {
        let steps = parts.iter().map(|p| p.steps).sum();
        check_steps(steps)?;
        let mut cells = Vec::with_capacity(steps * VOICES);
        for p in parts {
            cells.extend_from_slice(&p.cells);
        }
        let feel = parts.first().map_or(0.0, |p| p.feel);
        Ok(Pattern { steps, cells, feel })
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

    #[test]
    fn an_eighth_note_feel_moves_the_off_beats_and_keeps_the_beats() {
        let triplet = 2.0 / 3.0;
        // beats stay, the off-beat 8th lands a triplet late, odd 16ths move half as far
        for (x, want) in [(0.0, 0.0), (4.0, 4.0), (2.0, 8.0 / 3.0), (1.0, 4.0 / 3.0)] {
            assert!((feel_time(x, triplet) - want).abs() < 1e-6, "{x}");
        }
        assert!((feel_time(3.0, triplet) - (3.0 + 1.0 / 3.0)).abs() < 1e-6);
        assert!((feel_time(6.0, 1.0) - 7.0).abs() < 1e-9); // dotted, beat 2
                                                           // monotone, continuous, invertible, also before 0 (an early downbeat)
        for feel in [-1.0, -0.3, 0.0, 0.25, triplet, 1.0] {
            let mut last = f64::NEG_INFINITY;
            for i in -40..=400 {
                let x = i as f64 * 0.1;
                let y = feel_time(x, feel);
                assert!(y > last, "feel {feel} at {x}");
                assert!(
                    (straight_time(y, feel) - x).abs() < 1e-9,
                    "feel {feel} at {x}"
                );
                last = y;
            }
        }
        assert!(check_feel(1.0).is_ok() && check_feel(-1.0).is_ok());
        // a hit's offset is time on top of its swung step, kept within the step's cell
        let t = |step: f64, off: f32| swung_time(step, off, triplet);
        assert!((t(2.0, -0.1) - (8.0 / 3.0 - 0.1)).abs() < 1e-6);
        assert!((t(3.0, 0.1) - (3.0 + 1.0 / 3.0 + 0.1)).abs() < 1e-6);
        assert!(
            (t(3.0, 0.5) - feel_time(3.5, triplet)).abs() < 1e-9,
            "clamped"
        );
        assert!((t(31.0, 0.5) - feel_time(31.5, triplet)).abs() < 1e-9);
        assert!(t(31.0, 0.5) < 32.0 && t(0.0, -0.5) >= -0.5);
        assert_eq!(swung_time(5.0, 0.25, 0.0), 5.25);
        for feel in [-1.0, 0.0, 0.3, triplet, 1.0] {
            for (step, off) in [(0.0, 0.0), (2.0, 0.1), (3.0, -0.2), (6.0, 0.2), (-1.0, 0.2)] {
                let (s, o) = swung_step(swung_time(step, off, feel), feel);
                assert_eq!(s, step, "feel {feel}");
                assert!(
                    (o - f64::from(off)).abs() < 1e-6,
                    "feel {feel}: {o} vs {off}"
                );
            }
        }
        assert!(check_feel(1.01).is_err() && check_feel(f32::NAN).is_err());
    }

    #[test]
    fn a_pattern_plays_its_hits_in_its_feel_and_keeps_it_when_cut() {
        let mut p = Pattern::new(48).unwrap();
        assert_eq!(p.feel(), 0.0);
        assert_eq!(p.position(6, 0.25), 6.25);
        p.set_feel(0.5).unwrap();
        assert!(p.set_feel(1.5).is_err());
        assert_eq!(p.feel(), 0.5, "a refused feel leaves the loop as it was");
        assert_eq!(p.position(6, 0.0), 6.5);
        assert_eq!(p.position(6, 0.25), 6.75);
        assert_eq!(p.position(8, 0.0), 8.0);
        assert_eq!(p.position(0, -0.5), -0.375, "within its cell");
        p.set(6, Voice::Snare, Some(Hit::new(0.8, 0.1).unwrap()))
            .unwrap();
        let chunks = p.chunks(LOOP_STEPS).unwrap();
        assert!(chunks.iter().all(|c| c.feel() == 0.5));
        assert_eq!(Pattern::concat(&chunks).unwrap().window(0, 48).unwrap(), p);
        let mut straight = p.clone();
        straight.set_feel(0.0).unwrap();
        assert_ne!(straight, p, "the feel is part of the loop");
    }
}
