//! Segment embeddings: a handcrafted one for any MIDI, and the groove model's encoder for drums.

use super::LoopNote;
use crate::error::Result;
use crate::midi::DRUM_CHANNEL;
use crate::model::GrooveModel;
use crate::pattern::{Hit, Pattern, LOOP_STEPS};
use crate::voice::{Voice, VOICES};
use std::f64::consts::FRAC_PI_2;

/// The blocks of the handcrafted embedding: (name, dimensions, weight). Each block is
/// L2-normalised (a scalar `x` in 0..1 becomes the unit vector `(cos x·π/2, sin x·π/2)`, so two
/// values `x`, `y` contribute `cos((x-y)·π/2)`), multiplied by its weight, and the whole vector is
/// normalised to length 1. A block with nothing to measure (no pitched note for the pitch blocks,
/// no drum for the drum block) is zeros.
pub const BLOCKS: [(&str, usize, f32); 11] = [
    (
        "bar rhythm: onsets on the 16th grid folded to one 4/4 bar",
        16,
        1.0,
    ),
    (
        "beat rhythm: onsets on the 16th grid folded to one beat",
        4,
        0.5,
    ),
    ("density: onsets per beat", 2, 0.6),
    (
        "syncopation: share of onsets on a weak 16th with no onset on the next stronger one",
        2,
        0.4,
    ),
    (
        "pitch classes, weighted by duration x velocity (pitched notes)",
        12,
        1.0,
    ),
    (
        "drum voices (the 9 voices and other drum notes), weighted by velocity",
        10,
        1.0,
    ),
    ("register: mean pitch (pitched notes)", 2, 0.6),
    ("register: pitch spread (pitched notes)", 2, 0.3),
    ("dynamics: mean velocity", 2, 0.4),
    ("dynamics: velocity spread", 2, 0.3),
    ("durations: mean note length", 2, 0.4),
];

/// Dimensions of the handcrafted embedding (the sum of the blocks').
pub const HANDCRAFTED_DIM: usize = 56;

/// Length 1, or left as zeros.
pub(crate) fn normalize(v: &mut [f32]) {
    let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    if n > 0.0 && n.is_finite() {
        for x in v.iter_mut() {
            *x /= n;
        }
    } else {
        v.iter_mut().for_each(|x| *x = 0.0);
    }
}

fn angle(x: f64) -> [f32; 2] {
    let a = x.clamp(0.0, 1.0) * FRAC_PI_2;
    [a.cos() as f32, a.sin() as f32]
}

/// Weighted mean and standard deviation.
fn moments(values: impl Iterator<Item = (f64, f64)>) -> Option<(f64, f64)> {
    let (mut w, mut s, mut q) = (0.0, 0.0, 0.0);
    for (x, wt) in values {
        w += wt;
        s += wt * x;
        q += wt * x * x;
    }
    (w > 0.0).then(|| {
        let m = s / w;
        (m, (q / w - m * m).max(0.0).sqrt())
    })
}

/// The handcrafted embedding of notes spanning `beats` quarter notes (see [`BLOCKS`] and
/// `docs/looper.md`); length [`HANDCRAFTED_DIM`], unit length (zeros for no notes).
pub fn handcrafted_embedding(notes: &[LoopNote], beats: f64) -> Vec<f32> {
    let mut blocks: Vec<Vec<f32>> = BLOCKS.iter().map(|b| vec![0.0; b.1]).collect();
    if !notes.is_empty() {
        let steps = ((beats * 4.0).round() as usize).max(1);
        let mut grid = vec![false; steps];
        for n in notes {
            let w = n.velocity as f32 / 127.0;
            let pos = n.beat * 4.0;
            let fl = pos.floor();
            let frac = (pos - fl) as f32;
            let s = fl as usize;
            blocks[0][s % 16] += w * (1.0 - frac);
            blocks[0][(s + 1) % 16] += w * frac;
            blocks[1][s % 4] += w * (1.0 - frac);
            blocks[1][(s + 1) % 4] += w * frac;
            grid[(pos.round() as usize) % steps] = true;
        }
        // Density: onsets per beat, log-scaled (0..16 a beat).
        let per_beat = notes.len() as f64 / beats.max(1.0);
        blocks[2].copy_from_slice(&angle((1.0 + per_beat).log2() / 17f64.log2()));
        // Syncopation on the 16th grid (metric levels: beat 0, 8th 1, 16th 2).
        let level = |s: usize| {
            if s % 4 == 0 {
                0
            } else if s % 2 == 0 {
                1
            } else {
                2
            }
        };
        let onsets: Vec<usize> = (0..steps).filter(|&s| grid[s]).collect();
        let synco = onsets
            .iter()
            .filter(|&&s| {
                let next = if level(s) == 2 { s + 1 } else { s + 2 };
                level(s) > 0 && !grid[next % steps]
            })
            .count();
        blocks[3].copy_from_slice(&angle(synco as f64 / onsets.len().max(1) as f64));
        // Pitch classes and register (pitched notes), drum voices (drum notes).
        let pitched = || notes.iter().filter(|n| n.channel != DRUM_CHANNEL);
        let weight = |n: &LoopNote| n.beats.min(4.0) * n.velocity as f64 / 127.0;
        for n in pitched() {
            blocks[4][(n.key % 12) as usize] += weight(n) as f32;
        }
        for n in notes.iter().filter(|n| n.channel == DRUM_CHANNEL) {
            let bin = Voice::from_note(n.key).map_or(VOICES, |v| v.index());
            blocks[5][bin] += n.velocity as f32 / 127.0;
        }
        if let Some((mean, sd)) = moments(pitched().map(|n| (n.key as f64, weight(n)))) {
            blocks[6].copy_from_slice(&angle((mean - 24.0) / 72.0));
            blocks[7].copy_from_slice(&angle(sd / 24.0));
        }
        let (vm, vs) = moments(notes.iter().map(|n| (n.velocity as f64, 1.0))).unwrap_or_default();
        blocks[8].copy_from_slice(&angle(vm / 127.0));
        blocks[9].copy_from_slice(&angle(vs / 48.0));
        let mean_log =
            notes.iter().map(|n| n.beats.max(1e-3).log2()).sum::<f64>() / notes.len() as f64;
        blocks[10].copy_from_slice(&angle((mean_log + 5.0) / 7.0));
    }
    let mut out = Vec::with_capacity(HANDCRAFTED_DIM);
    for (b, (_, _, w)) in blocks.iter_mut().zip(BLOCKS) {
        normalize(b);
        out.extend(b.iter().map(|x| x * w));
    }
    normalize(&mut out);
    out
}

/// The 2-bar windows (32 steps of the model's grid) the groove encoder reads for a segment:
/// an 8-beat segment is one window; a shorter one is tiled (looped) to 32 steps; a longer one
/// gives a window every bar of 4 beats that fits, plus one ending at its end. Each window is
/// `(score [32x9], groove [32x3], accent [32])` from drum notes mapped to the 9 voices.
pub(crate) fn groove_windows(notes: &[LoopNote], beats: f64) -> Vec<[Vec<f32>; 3]> {
    let steps = ((beats * 4.0).round() as usize).max(1);
    // The segment on its own grid, loudest hit per cell.
    let mut cells: Vec<Option<Hit>> = vec![None; steps * VOICES];
    for n in notes {
        let Some(v) = Voice::from_note(n.key) else {
            continue;
        };
        let pos = n.beat * 4.0;
        let step = (pos - 0.5).ceil().max(0.0);
        let offset = ((pos - step) as f32).clamp(-0.5, 0.5);
        let i = (step as usize % steps) * VOICES + v.index();
        let vel = n.velocity as f32 / 127.0;
        if cells[i].is_none_or(|h| h.velocity < vel) {
            cells[i] = Hit::new(vel, offset).ok();
        }
    }
    let mut starts = Vec::new();
    if steps <= LOOP_STEPS {
        starts.push(0);
    } else {
        let mut s = 0;
        while s + LOOP_STEPS <= steps {
            starts.push(s);
            s += 16;
        }
        if starts.last().is_some_and(|&l| l + LOOP_STEPS < steps) {
            starts.push(steps - LOOP_STEPS);
        }
    }
    starts
        .into_iter()
        .map(|s0| {
            let mut p = Pattern::new(LOOP_STEPS).expect("32 steps");
            for j in 0..LOOP_STEPS {
                let src = (s0 + j) % steps;
                for v in Voice::ALL {
                    if let Some(h) = cells[src * VOICES + v.index()] {
                        p.set(j, v, Some(h)).expect("in range");
                    }
                }
            }
            [
                p.score().to_matrix(),
                p.groove().to_matrix(),
                p.accents().to_matrix(),
            ]
        })
        .collect()
}

/// Groove-encoder embeddings (the mean of `mu` over a segment's windows, unit length) of many
/// segments, in batches.
pub(crate) fn groove_embed_many(
    model: &mut GrooveModel,
    items: &[(&[LoopNote], f64)],
) -> Result<Vec<Vec<f32>>> {
    const BATCH: usize = 256;
    // the gestures' latents (what is played, its groove and accents), not the performance
    // latent: 8 ms of a live rendition's jitter moved that one enough to lose the segment it
    // played (the seed was among the nearest three in 26 of 30 tries, 27 needed)
    let (z, g) = (model.info().z_dims, model.info().gesture_dims());
    let mut windows = Vec::new();
    let mut owner = Vec::new();
    for (i, (notes, beats)) in items.iter().enumerate() {
        for w in groove_windows(notes, *beats) {
            windows.push(w);
            owner.push(i);
        }
    }
    let mut sums = vec![vec![0f32; g]; items.len()];
    let mut counts = vec![0usize; items.len()];
    for (chunk, owners) in windows.chunks(BATCH).zip(owner.chunks(BATCH)) {
        let b = chunk.len();
        let cat = |k: usize| {
            chunk
                .iter()
                .flat_map(|w| w[k].iter().copied())
                .collect::<Vec<f32>>()
        };
        let (score, groove, accent) = (cat(0), cat(1), cat(2));
        // no performance given: the gestures' latents do not read it
        let (mu, _) = model.encode_many(b, &score, &groove, &accent, None)?;
        for (k, &o) in owners.iter().enumerate() {
            for (s, x) in sums[o].iter_mut().zip(&mu[k * z..k * z + g]) {
                *s += x;
            }
            counts[o] += 1;
        }
    }
    for (s, &c) in sums.iter_mut().zip(&counts) {
        s.iter_mut().for_each(|x| *x /= c.max(1) as f32);
        normalize(s);
    }
    Ok(sums)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(beat: f64, key: u8, channel: u8) -> LoopNote {
        LoopNote {
            beat,
            beats: 0.5,
            channel,
            key,
            velocity: 100,
        }
    }

    #[test]
    fn blocks_add_up_and_embeddings_are_unit_length() {
        assert_eq!(BLOCKS.iter().map(|b| b.1).sum::<usize>(), HANDCRAFTED_DIM);
        let notes: Vec<LoopNote> = (0..8).map(|i| note(i as f64, 60 + i as u8, 0)).collect();
        let e = handcrafted_embedding(&notes, 8.0);
        assert_eq!(e.len(), HANDCRAFTED_DIM);
        let norm: f32 = e.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{norm}");
        assert!(handcrafted_embedding(&[], 4.0).iter().all(|&x| x == 0.0));
    }

    #[test]
    fn similar_loops_are_closer_than_different_ones() {
        let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f32>();
        let quarters: Vec<LoopNote> = (0..8).map(|i| note(i as f64, 60, 0)).collect();
        let shifted: Vec<LoopNote> = (0..8).map(|i| note(i as f64 + 0.02, 60, 0)).collect();
        let offbeat: Vec<LoopNote> = (0..16)
            .map(|i| note(i as f64 * 0.5 + 0.25, 66 + (i % 3) as u8 * 5, 0))
            .collect();
        let (a, b, c) = (
            handcrafted_embedding(&quarters, 8.0),
            handcrafted_embedding(&shifted, 8.0),
            handcrafted_embedding(&offbeat, 8.0),
        );
        assert!(dot(&a, &b) > 0.99, "{}", dot(&a, &b));
        assert!(dot(&a, &c) < dot(&a, &b) - 0.3, "{}", dot(&a, &c));
    }

    #[test]
    fn groove_windows_tile_short_and_slide_over_long_segments() {
        let kick = |b: f64| note(b, 36, 9);
        let w = groove_windows(&[kick(0.0)], 4.0);
        assert_eq!(w.len(), 1);
        let hits: Vec<usize> = (0..32).filter(|&s| w[0][0][s * VOICES] == 1.0).collect();
        assert_eq!(hits, [0, 16], "a 1-bar loop is played twice");
        assert_eq!(groove_windows(&[kick(0.0)], 8.0).len(), 1);
        // 16 beats = 64 steps: windows at 0, 16, 32.
        assert_eq!(groove_windows(&[kick(0.0)], 16.0).len(), 3);
        // 9 beats = 36 steps: windows at 0 and 4 (the end).
        assert_eq!(groove_windows(&[kick(0.0)], 9.0).len(), 2);
    }
}
