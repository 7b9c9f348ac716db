//! The rule-based drum machine: the baseline the groove model is compared against in
//! `bandmate eval`, and the fallback when no model is loaded. It answers every [`Request`] with
//! fixed drum-machine rules and templates, deterministically for a seed.
//!
//! * **Hits.** Every Score row the request gives is played as given (an empty row: none of that
//!   drum). The other voices: with a Groove, drums go on the tapped steps only (kick on the first
//!   tap of each half bar before its backbeat and on loud or accented taps off the backbeats,
//!   snare on taps at the backbeats 4 and 12 of each bar, closed hat on every tap, a crash on
//!   step 0 if that tap is loud or accented, nothing else). Without a Groove they come from a
//!   preset chosen by the seed (`seed % 3`: funk, rock, hiphop).
//! * **Velocities.** A template per 16th within the beat (downbeat 0.9, "and" 0.7, "e"/"a"
//!   0.55), averaged with the preset's own velocity for preset hits, then with the tap's
//!   velocity on tapped steps; with Accents, accented steps play at 1.0 and the others at 0.75
//!   of that; plus a uniform ±0.05 × temperature.
//! * **Offsets.** A tapped step takes the tap's offset (a swung groove swings the drums
//!   exactly); other steps take the groove's mean offset for their parity (even/odd 16ths), or
//!   straight time (0) without a groove; plus a normal jitter of std 0.02 × temperature, kept
//!   within half a step.
//! * **Vary.** Each closed- and open-hat cell toggles with probability 0.15 × amount and every
//!   velocity moves by a uniform ±0.1 × amount; rows a strict request fixed keep their hits.

use crate::error::Result;
use crate::gesture::{Accent, Groove};
use crate::groove::{assemble, check_vary, Drummer, Generation, Reading, Request, Task, STEPS};
use crate::patfile;
use crate::pattern::{Pattern, STEPS_PER_BAR, STEPS_PER_BEAT};
use crate::rng::Rng;
use crate::voice::{Voice, VOICES};

const CELLS: usize = STEPS * VOICES;
const MIN_VELOCITY: f32 = 1.0 / 127.0;

/// Template velocity on the beat (step 0 of each beat).
pub const DOWNBEAT_VELOCITY: f32 = 0.9;
/// Template velocity on the "and" (step 2 of each beat).
pub const AND_VELOCITY: f32 = 0.7;
/// Template velocity on the "e" and the "a" (steps 1 and 3 of each beat).
pub const E_A_VELOCITY: f32 = 0.55;
/// Velocity of every hit on an accented step.
pub const ACCENT_VELOCITY: f32 = 1.0;
/// What the other steps keep of their velocity when Accents are given.
pub const UNACCENTED_SCALE: f32 = 0.75;
/// Offset of the odd 16ths when no groove says otherwise (0 = straight).
pub const DEFAULT_SWING: f32 = 0.0;
/// Velocity variation at temperature 1 (uniform, ±).
pub const VELOCITY_JITTER: f32 = 0.05;
/// Timing jitter at temperature 1 (normal std, in steps).
pub const OFFSET_JITTER: f32 = 0.02;
/// Probability per hat cell and unit of vary amount that the cell toggles.
pub const VARY_TOGGLE: f32 = 0.15;
/// Velocity change per unit of vary amount (uniform, ±).
pub const VARY_VELOCITY: f32 = 0.1;

/// The rule-based drum machine ("drum-machine swing and velocity templates").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleDrummer;

impl RuleDrummer {
    pub fn new() -> RuleDrummer {
        RuleDrummer
    }
}

/// The template velocity of a step, by its 16th within the beat.
pub fn template_velocity(step: usize) -> f32 {
    match step % STEPS_PER_BEAT {
        0 => DOWNBEAT_VELOCITY,
        2 => AND_VELOCITY,
        _ => E_A_VELOCITY,
    }
}

/// The preset a seed picks when there is no groove.
pub fn preset_for_seed(seed: u64) -> &'static str {
    patfile::PRESETS[(seed % patfile::PRESETS.len() as u64) as usize].0
}

/// Mean offset of the even and of the odd steps among `(step, offset)`; straight on even steps
/// and [`DEFAULT_SWING`] on odd ones where there are none.
fn parity_swing(hits: impl Iterator<Item = (usize, f32)>) -> [f32; 2] {
    let mut sum = [0.0f32; 2];
    let mut n = [0usize; 2];
    for (s, o) in hits {
        sum[s % 2] += o;
        n[s % 2] += 1;
    }
    let default = [0.0, DEFAULT_SWING];
    let mut out = default;
    for p in 0..2 {
        if n[p] > 0 {
            out[p] = (sum[p] / n[p] as f32).clamp(-0.5, 0.5);
        }
    }
    out
}

/// Apply the Accent gesture to a velocity.
fn accented(velocity: f32, accent: Option<&Accent>, step: usize) -> f32 {
    match accent {
        Some(a) if a.get(step) => ACCENT_VELOCITY,
        Some(_) => velocity * UNACCENTED_SCALE,
        None => velocity,
    }
}

/// Drums for a tapped groove, on the tapped steps only (`32 x 9`, all voices).
fn drumify_hits(groove: &Groove, accent: Option<&Accent>) -> Vec<bool> {
    let mut hits = vec![false; CELLS];
    let taps: Vec<Option<f32>> = (0..STEPS)
        .map(|s| groove.get(s).map(|h| h.velocity))
        .collect();
    let vels: Vec<f32> = taps.iter().flatten().copied().collect();
    if vels.is_empty() {
        return hits;
    }
    let n = vels.len() as f32;
    let mean = vels.iter().sum::<f32>() / n;
    let std = (vels.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n).sqrt();
    // A loud tap: more than one std above the taps' mean (as the Accent view reads a loop), or
    // an accented one.
    let loud = |s: usize| {
        taps[s].is_some_and(|v| v > mean + std + 1e-6) || accent.is_some_and(|a| a.get(s))
    };
    let half = STEPS_PER_BAR / 2;
    let backbeat = STEPS_PER_BEAT;
    for s in 0..STEPS {
        if taps[s].is_none() {
            continue;
        }
        let mut set = |v: Voice| hits[s * VOICES + v.index()] = true;
        let in_half = s % half;
        let start = s - in_half;
        let first_in_half = (start..s).all(|t| taps[t].is_none());
        let on_backbeat = in_half == backbeat;
        if (in_half < backbeat && first_in_half) || (loud(s) && !on_backbeat) {
            set(Voice::Kick);
        }
        if on_backbeat {
            set(Voice::Snare);
        }
        set(Voice::ClosedHat);
        if s == 0 && loud(s) {
            set(Voice::Crash);
        }
    }
    hits
}

/// The gesture views of a loop, as the generator's reading.
fn read(pattern: &Pattern) -> Reading {
    Reading {
        score: pattern.score().to_matrix(),
        groove: pattern.groove().to_matrix(),
        accent: pattern.accents().to_matrix(),
    }
}

fn finish(
    request: &Request,
    probs: Vec<f32>,
    velocities: Vec<f32>,
    offsets: Vec<f32>,
    task: Task,
) -> Generation {
    let pattern = assemble(request, &probs, &velocities, &offsets);
    let reading = read(&pattern);
    Generation {
        pattern,
        hit_probabilities: probs,
        velocities,
        likely_offsets: offsets.clone(),
        offsets,
        reading,
        latent: vec![],
        request: request.clone(),
        task,
    }
}

impl Drummer for RuleDrummer {
    fn name(&self) -> String {
        "rules".to_string()
    }

    fn generate(&mut self, request: &Request) -> Result<Generation> {
        let groove = request.groove();
        let accent = request.accent();
        let mut probs = vec![0.0f32; CELLS];
        let mut base: Vec<f32> = (0..CELLS).map(|i| template_velocity(i / VOICES)).collect();

        // The voices the request leaves to us.
        let free = |v: Voice| request.scores().row(v).is_none();
        match groove {
            Some(g) => {
                let hits = drumify_hits(g, accent);
                for (i, &on) in hits.iter().enumerate() {
                    if on && free(Voice::ALL[i % VOICES]) {
                        probs[i] = 1.0;
                    }
                }
            }
            None => {
                let (preset, _) = patfile::preset(preset_for_seed(request.seed()))?;
                for s in 0..STEPS {
                    for v in Voice::ALL.into_iter().filter(|&v| free(v)) {
                        if let Some(h) = preset.get(s, v) {
                            let i = s * VOICES + v.index();
                            probs[i] = 1.0;
                            base[i] = (base[i] + h.velocity) / 2.0;
                        }
                    }
                }
            }
        }
        for v in Voice::ALL {
            if let Some(row) = request.scores().row(v) {
                for s in 0..STEPS {
                    let on = row.get(s).copied().unwrap_or(false);
                    probs[s * VOICES + v.index()] = on as u8 as f32;
                }
            }
        }

        let swing = parity_swing(
            (0..STEPS).filter_map(|s| groove.and_then(|g| g.get(s)).map(|h| (s, h.offset))),
        );
        let t = request.temperature();
        let mut rng = Rng::new(request.seed());
        let mut velocities = vec![0.0f32; CELLS];
        let mut offsets = vec![0.0f32; CELLS];
        for i in 0..CELLS {
            let s = i / VOICES;
            let tap = groove.and_then(|g| g.get(s));
            let mut vel = base[i];
            if let Some(h) = tap {
                vel = (vel + h.velocity) / 2.0;
            }
            vel = accented(vel, accent, s);
            let jitter_v = (2.0 * rng.uniform() - 1.0) * VELOCITY_JITTER * t;
            let jitter_o = rng.normal() * OFFSET_JITTER * t;
            velocities[i] = (vel + jitter_v).clamp(MIN_VELOCITY, 1.0);
            let off = tap.map_or(swing[s % 2], |h| h.offset);
            offsets[i] = (off + jitter_o).clamp(-0.5, 0.5);
        }
        Ok(finish(request, probs, velocities, offsets, request.task()))
    }

    fn vary(&mut self, last: &Generation, amount: f32, seed: u64) -> Result<Generation> {
        check_vary(amount)?;
        let request = &last.request;
        let accent = request.accent();
        let p = &last.pattern;
        // The loop's own swing, for hats that come in.
        let swing = parity_swing(p.hits().map(|(s, _, h)| (s, h.offset)));
        let mut rng = Rng::new(seed);
        let mut probs = vec![0.0f32; CELLS];
        let mut velocities = vec![0.0f32; CELLS];
        let mut offsets = vec![0.0f32; CELLS];
        for s in 0..STEPS {
            for v in Voice::ALL {
                let i = s * VOICES + v.index();
                let hit = p.get(s, v);
                let fixed = request.strict() && request.scores().row(v).is_some();
                let toggle_roll = rng.uniform();
                let vel_roll = rng.uniform();
                let mut on = hit.is_some();
                if matches!(v, Voice::ClosedHat | Voice::OpenHat)
                    && !fixed
                    && toggle_roll < amount * VARY_TOGGLE
                {
                    on = !on;
                }
                let (vel, off) = match hit {
                    Some(h) => (h.velocity, h.offset),
                    None => (accented(template_velocity(s), accent, s), swing[s % 2]),
                };
                let delta = (2.0 * vel_roll - 1.0) * amount * VARY_VELOCITY;
                probs[i] = on as u8 as f32;
                velocities[i] = (vel + delta).clamp(MIN_VELOCITY, 1.0);
                offsets[i] = off.clamp(-0.5, 0.5);
            }
        }
        Ok(finish(request, probs, velocities, offsets, Task::Vary))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gesture::VoiceScores;
    use crate::pattern::Hit;

    fn row(steps: &[usize]) -> Vec<f32> {
        let mut r = vec![0.0; STEPS];
        for &s in steps {
            r[s] = 1.0;
        }
        r
    }

    fn steps_of(p: &Pattern, v: Voice) -> Vec<usize> {
        p.hits().filter(|h| h.1 == v).map(|h| h.0).collect()
    }

    /// A tapped rhythm with uneven velocities and a little feel.
    fn tapped() -> Groove {
        let taps: [(usize, f32, f32); 12] = [
            (0, 0.9, 0.02),
            (3, 0.4, 0.1),
            (6, 0.5, -0.05),
            (10, 0.6, 0.0),
            (12, 0.8, 0.03),
            (14, 0.3, 0.12),
            (16, 0.85, 0.0),
            (20, 0.8, -0.02),
            (22, 0.4, 0.2),
            (26, 0.5, 0.0),
            (28, 0.8, 0.01),
            (31, 0.35, -0.1),
        ];
        let mut steps = vec![None; STEPS];
        for (s, v, o) in taps {
            steps[s] = Some(Hit::new(v, o).unwrap());
        }
        Groove::from_steps(steps).unwrap()
    }

    fn check_shape(g: &Generation) {
        assert_eq!(g.pattern.steps(), STEPS);
        for m in [
            &g.hit_probabilities,
            &g.velocities,
            &g.offsets,
            &g.reading.score,
        ] {
            assert_eq!(m.len(), CELLS);
            assert!(m.iter().all(|x| x.is_finite()));
        }
        assert_eq!(g.reading.groove.len(), STEPS * 3);
        assert_eq!(g.reading.accent.len(), STEPS);
        assert!(g.velocities.iter().all(|&v| v > 0.0 && v <= 1.0));
        assert!(g.offsets.iter().all(|&o| (-0.5..=0.5).contains(&o)));
        assert!(g.latent.is_empty());
        // The reading is the loop's own views.
        assert_eq!(g.reading.score_view(), g.pattern.score());
        assert_eq!(g.reading.accent_view(), g.pattern.accents());
        assert_eq!(g.reading.groove_view(), g.pattern.groove());
    }

    #[test]
    fn humanize_keeps_exactly_the_score_and_varies_velocity() {
        let (funk, _) = patfile::preset("funk").unwrap();
        for strict in [true, false] {
            let mut r = Request::humanize(&funk.score()).unwrap();
            r.set_strict(strict);
            r.set_seed(7);
            let g = RuleDrummer::new().generate(&r).unwrap();
            check_shape(&g);
            assert_eq!(g.task, Task::Humanize);
            // Precision and recall 1: the same hits, no more, no fewer.
            assert_eq!(g.pattern.score(), funk.score(), "strict {strict}");
            let vels: Vec<f32> = g.pattern.hits().map(|h| h.2.velocity).collect();
            let (lo, hi) = vels
                .iter()
                .fold((1.0f32, 0.0f32), |(a, b), &v| (a.min(v), b.max(v)));
            assert!(hi - lo > 0.2, "velocities {lo}..{hi}");
        }
    }

    #[test]
    fn a_swung_groove_swings_the_drums_exactly() {
        let g = Groove::swing(STEPS, 0.1, 0.8).unwrap();
        let mut r = Request::drumify(g).unwrap();
        r.set_temperature(0.0).unwrap();
        let out = RuleDrummer::new().generate(&r).unwrap();
        check_shape(&out);
        assert_eq!(out.task, Task::Drumify);
        let odd: Vec<_> = out.pattern.hits().filter(|h| h.0 % 2 == 1).collect();
        assert!(odd.len() >= 16, "{} hits on odd steps", odd.len());
        assert!(odd.iter().all(|h| h.2.offset == 0.1), "{odd:?}");
        assert!(out
            .pattern
            .hits()
            .filter(|h| h.0 % 2 == 0)
            .all(|h| h.2.offset == 0.0));
        // Every step is tapped, so a fixed kick row swings with the groove too; at temperature 1
        // the jitter stays small.
        r.set_temperature(1.0).unwrap();
        r.set_score_row("kick", &row(&[0, 3, 16, 19])).unwrap();
        let out = RuleDrummer::new().generate(&r).unwrap();
        assert_eq!(steps_of(&out.pattern, Voice::Kick), vec![0, 3, 16, 19]);
        for (s, _, h) in out.pattern.hits() {
            let want = if s % 2 == 1 { 0.1 } else { 0.0 };
            assert!((h.offset - want).abs() < 0.1, "step {s}: {}", h.offset);
        }
        assert!(out
            .pattern
            .hits()
            .any(|h| h.2.offset != 0.1 && h.0 % 2 == 1));
    }

    #[test]
    fn untapped_steps_take_the_grooves_swing() {
        // Taps on steps 0 and 3 only (odd tap late by 0.2); a fixed hat row on every 16th.
        let mut vel = vec![0.0; STEPS];
        let mut off = vec![0.0; STEPS];
        vel[0] = 0.8;
        vel[3] = 0.6;
        off[3] = 0.2;
        let mut r = Request::new();
        r.set_groove_values(&vel, &off).unwrap();
        r.set_score_row("hh", &[1.0; STEPS]).unwrap();
        r.set_temperature(0.0).unwrap();
        let out = RuleDrummer::new().generate(&r).unwrap();
        for s in 0..STEPS {
            let h = out.pattern.get(s, Voice::ClosedHat).unwrap();
            assert_eq!(h.offset, if s % 2 == 1 { 0.2 } else { 0.0 }, "step {s}");
        }
    }

    #[test]
    fn drumify_plays_only_on_tapped_steps() {
        let g = tapped();
        let mut r = Request::drumify(g.clone()).unwrap();
        r.set_seed(3);
        let out = RuleDrummer::new().generate(&r).unwrap();
        check_shape(&out);
        assert!(out.pattern.hit_count() > 0);
        for (s, v, _) in out.pattern.hits() {
            assert!(g.get(s).is_some(), "{v} on untapped step {s}");
        }
        let kicks = steps_of(&out.pattern, Voice::Kick);
        assert!(kicks.contains(&0) && kicks.contains(&16), "{kicks:?}");
        assert_eq!(steps_of(&out.pattern, Voice::Snare), vec![12, 20, 28]);
        assert_eq!(
            steps_of(&out.pattern, Voice::ClosedHat),
            (0..STEPS)
                .filter(|&s| g.get(s).is_some())
                .collect::<Vec<_>>()
        );
        for v in [Voice::LowTom, Voice::MidTom, Voice::HighTom, Voice::Ride] {
            assert!(steps_of(&out.pattern, v).is_empty(), "{v}");
        }
        // An empty groove: nothing to play.
        let empty = Request::drumify(Groove::new(STEPS).unwrap()).unwrap();
        assert!(RuleDrummer::new()
            .generate(&empty)
            .unwrap()
            .pattern
            .is_empty());
    }

    #[test]
    fn generate_picks_a_preset_by_seed_and_repeats_for_a_seed() {
        let mut d = RuleDrummer::new();
        let loops: Vec<Generation> = (0..3)
            .map(|seed| {
                let mut r = Request::new();
                r.set_seed(seed);
                d.generate(&r).unwrap()
            })
            .collect();
        for (seed, g) in loops.iter().enumerate() {
            check_shape(g);
            assert_eq!(g.task, Task::Generate);
            let (preset, _) = patfile::preset(preset_for_seed(seed as u64)).unwrap();
            assert_eq!(g.pattern.score(), preset.score(), "seed {seed}");
        }
        assert_ne!(loops[0].pattern.score(), loops[1].pattern.score());
        assert_ne!(loops[1].pattern.score(), loops[2].pattern.score());
        let mut r = Request::new();
        r.set_seed(1);
        assert_eq!(d.generate(&r).unwrap(), loops[1]);
        // Same preset three seeds later, but other jitter.
        r.set_seed(4);
        let other = d.generate(&r).unwrap();
        assert_eq!(other.pattern.score(), loops[1].pattern.score());
        assert_ne!(other.velocities, loops[1].velocities);
    }

    #[test]
    fn temperature_zero_is_the_template() {
        let mut r = Request::new();
        r.set_seed(1); // rock
        r.set_temperature(0.0).unwrap();
        let a = RuleDrummer::new().generate(&r).unwrap();
        r.set_seed(4); // rock again, other random numbers
        let b = RuleDrummer::new().generate(&r).unwrap();
        assert_eq!(a.pattern, b.pattern);
        assert_eq!(a.velocities, b.velocities);
        assert!(a.offsets.iter().all(|&o| o == 0.0));
        // Rock's snare (X = 0.95) on the beat: (0.9 + 0.95) / 2; a hat (x = 0.7) on an "and":
        // (0.7 + 0.7) / 2; the kick (x = 0.7) on an "and": the same.
        let vel = |s, v| a.pattern.get(s, v).unwrap().velocity;
        assert!((vel(4, Voice::Snare) - 0.925).abs() < 1e-6);
        assert!((vel(2, Voice::ClosedHat) - 0.7).abs() < 1e-6);
        assert!((vel(10, Voice::Kick) - 0.7).abs() < 1e-6);
    }

    #[test]
    fn accents_and_taps_shape_velocities() {
        let mut r = Request::new();
        r.set_temperature(0.0).unwrap();
        r.set_accent(Some(Accent::from_steps(STEPS, &[0, 16]).unwrap()))
            .unwrap();
        let out = RuleDrummer::new().generate(&r).unwrap();
        assert_eq!(out.task, Task::Mixed);
        for (s, v, h) in out.pattern.hits() {
            if s == 0 || s == 16 {
                assert_eq!(h.velocity, 1.0, "{v} at {s}");
            } else {
                assert!(
                    h.velocity <= 0.75 * 0.95 + 1e-6,
                    "{v} at {s}: {}",
                    h.velocity
                );
            }
        }
        // The loop reads back with accents on those steps (and maybe others: the Accent view
        // judges each drum against its own mean, and funk's ghost notes make its backbeats
        // stand out).
        let read = out.reading.accent_view().accented_steps();
        assert!(read.contains(&0) && read.contains(&16), "{read:?}");
        // A soft tap pulls the hit down: (template 0.9 + tap 0.5) / 2.
        let mut vel = vec![0.0; STEPS];
        vel[8] = 0.5;
        let mut r = Request::new();
        r.set_groove_values(&vel, &[0.0; STEPS]).unwrap();
        r.set_temperature(0.0).unwrap();
        let out = RuleDrummer::new().generate(&r).unwrap();
        assert!((out.pattern.get(8, Voice::Kick).unwrap().velocity - 0.7).abs() < 1e-6);
    }

    #[test]
    fn a_fixed_empty_row_stays_silent() {
        // An accented tap on step 0 asks for a crash...
        let mut r = Request::drumify(tapped()).unwrap();
        r.set_accent(Some(Accent::from_steps(STEPS, &[0]).unwrap()))
            .unwrap();
        let out = RuleDrummer::new().generate(&r).unwrap();
        assert_eq!(steps_of(&out.pattern, Voice::Crash), vec![0]);
        // ...unless the performer said "no crash", strict or not.
        r.set_score_row("crash", &row(&[])).unwrap();
        for strict in [true, false] {
            r.set_strict(strict);
            let out = RuleDrummer::new().generate(&r).unwrap();
            assert!(steps_of(&out.pattern, Voice::Crash).is_empty());
            assert!(out.pattern.hit_count() > 0);
        }
        // Same for a preset voice: funk (seed 0) has a snare; fixed empty, it has none.
        let mut r = Request::new();
        r.set_score_row("snare", &row(&[])).unwrap();
        let out = RuleDrummer::new().generate(&r).unwrap();
        assert!(steps_of(&out.pattern, Voice::Snare).is_empty());
        assert!(!steps_of(&out.pattern, Voice::Kick).is_empty());
    }

    #[test]
    fn vary_zero_is_the_same_loop() {
        let mut d = RuleDrummer::new();
        let mut r = Request::drumify(tapped()).unwrap();
        r.set_score_row("ride", &row(&[2, 6, 10])).unwrap();
        let last = d.generate(&r).unwrap();
        let v = d.vary(&last, 0.0, 99).unwrap();
        assert_eq!(v.pattern, last.pattern);
        assert_eq!(v.task, Task::Vary);
        assert_eq!(v.request, last.request);
        check_shape(&v);
        assert!(d.vary(&last, -0.1, 1).is_err());
        assert!(d.vary(&last, f32::NAN, 1).is_err());
    }

    #[test]
    fn vary_changes_hats_but_keeps_fixed_rows() {
        let mut d = RuleDrummer::new();
        let mut r = Request::new();
        r.set_seed(2);
        let hats = row(&[0, 4, 8, 12, 16, 20, 24, 28]);
        r.set_score_row("closed_hat", &hats).unwrap();
        r.set_score_row("open_hat", &row(&[])).unwrap();
        let last = d.generate(&r).unwrap();
        let v = d.vary(&last, 1.0, 5).unwrap();
        check_shape(&v);
        assert_ne!(v.pattern, last.pattern);
        for voice in [Voice::ClosedHat, Voice::OpenHat] {
            assert_eq!(
                steps_of(&v.pattern, voice),
                steps_of(&last.pattern, voice),
                "{voice}"
            );
        }
        // The generator's own outputs keep them too, not only the assembled loop.
        for (s, &hat) in hats.iter().enumerate() {
            assert_eq!(v.hit_probabilities[s * VOICES + 2], hat, "step {s}");
            assert_eq!(v.hit_probabilities[s * VOICES + 3], 0.0, "step {s}");
        }
        // Hits other than hats never change; velocities stay close.
        for voice in [Voice::Kick, Voice::Snare] {
            assert_eq!(steps_of(&v.pattern, voice), steps_of(&last.pattern, voice));
        }
        for (s, voice, h) in v.pattern.hits() {
            let before = last.pattern.get(s, voice).unwrap();
            assert!((h.velocity - before.velocity).abs() <= 0.1 + 1e-6);
        }
        // Free hats do toggle.
        let free = d.generate(&Request::new()).unwrap();
        let v = d.vary(&free, 1.0, 5).unwrap();
        assert_ne!(
            steps_of(&v.pattern, Voice::ClosedHat),
            steps_of(&free.pattern, Voice::ClosedHat)
        );
        assert_eq!(
            steps_of(&v.pattern, Voice::Kick),
            steps_of(&free.pattern, Voice::Kick)
        );
        assert_eq!(d.vary(&free, 1.0, 5).unwrap(), v);
    }

    #[test]
    fn vary_takes_a_models_loop() {
        // A generation as the model would hand it: a latent, soft probabilities.
        let mut d = RuleDrummer::new();
        let mut g = d.generate(&Request::new()).unwrap();
        g.latent = vec![0.3; 256];
        g.hit_probabilities = vec![0.42; CELLS];
        g.velocities = vec![0.0; 5]; // not even the right length
        let v = d.vary(&g, 0.5, 1).unwrap();
        check_shape(&v);
        assert_eq!(
            steps_of(&v.pattern, Voice::Kick),
            steps_of(&g.pattern, Voice::Kick)
        );
        // A loop of another length does not panic either.
        g.pattern = Pattern::new(16).unwrap();
        check_shape(&d.vary(&g, 2.0, 1).unwrap());
    }

    #[test]
    fn every_combination_gives_a_sound_loop() {
        let mut d = RuleDrummer::new();
        assert_eq!(d.name(), "rules");
        let grooves = [None, Some(tapped()), Some(Groove::new(STEPS).unwrap())];
        let accents = [None, Some(Accent::from_steps(STEPS, &[0, 7, 31]).unwrap())];
        let (hiphop, _) = patfile::preset("hiphop").unwrap();
        let mut n = 0;
        for groove in &grooves {
            for accent in &accents {
                for rows in 0..4 {
                    for (t, strict) in [(0.0, true), (1.0, false), (3.0, true)] {
                        let mut r = Request::new();
                        r.set_groove(groove.clone()).unwrap();
                        r.set_accent(accent.clone()).unwrap();
                        match rows {
                            1 => r.set_score_row("kick", &row(&[0, 5, 31])).unwrap(),
                            2 => r.set_score_row("crash", &row(&[])).unwrap(),
                            3 => r
                                .set_scores(VoiceScores::from_score(&hiphop.score()))
                                .unwrap(),
                            _ => {}
                        }
                        r.set_temperature(t).unwrap();
                        r.set_strict(strict);
                        r.set_seed(n);
                        let g = d.generate(&r).unwrap();
                        check_shape(&g);
                        assert_eq!(g.task, r.task());
                        if rows == 1 {
                            assert_eq!(steps_of(&g.pattern, Voice::Kick), vec![0, 5, 31]);
                        }
                        check_shape(&d.vary(&g, 2.0, n).unwrap());
                        n += 1;
                    }
                }
            }
        }
    }
}
