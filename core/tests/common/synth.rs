//! Synthetic audio with known content for the fragment tests: clicks at known beat times
//! (steady or drifting), and a test-side onset finder. Shared by the core, Pd and Max tests.
#![allow(dead_code)]

use bandmate_core::wav::Audio;
use std::f64::consts::TAU;

/// A click: 1.5 + 3.1 kHz, a 1 ms raised-cosine attack, then a 12 ms exponential decay; 80 ms.
pub fn blip(rate: u32, amp: f32) -> Vec<f32> {
    let sr = f64::from(rate);
    let n = (0.08 * sr) as usize;
    let attack = 0.001 * sr;
    (0..n)
        .map(|i| {
            let t = i as f64 / sr;
            let env = if (i as f64) < attack {
                0.5 - 0.5 * (std::f64::consts::PI * i as f64 / attack).cos()
            } else {
                (-(t - 0.001) / 0.012).exp()
            };
            (f64::from(amp)
                * env
                * (0.6 * (TAU * 1_500.0 * t).sin() + 0.4 * (TAU * 3_100.0 * t).sin()))
                as f32
        })
        .collect()
}

/// Beat times from `bpm0` drifting linearly to `bpm1` (by beat), starting at `start`, while
/// they fit in `secs` (less 0.1 s).
pub fn drifting_beats(bpm0: f64, bpm1: f64, start: f64, secs: f64) -> Vec<f64> {
    let n_est = ((secs - start) * (bpm0 + bpm1) / 120.0) as usize + 1;
    let mut beats = Vec::new();
    let mut t = start;
    for k in 0.. {
        if t > secs - 0.1 {
            break;
        }
        beats.push(t);
        let bpm = bpm0 + (bpm1 - bpm0) * (k as f64 / n_est.max(1) as f64).min(1.0);
        t += 60.0 / bpm;
    }
    beats
}

/// A click on each beat (louder on every 4th), `chans` channels (the right one a little
/// quieter), `secs` long.
pub fn click_track(rate: u32, chans: usize, beats: &[f64], secs: f64) -> Audio {
    let n = (secs * f64::from(rate)) as usize;
    let mut x = vec![0.0f32; n];
    for (k, b) in beats.iter().enumerate() {
        let at = (b * f64::from(rate)).round() as usize;
        let amp = if k % 4 == 0 { 0.5 } else { 0.35 };
        for (i, v) in blip(rate, amp).iter().enumerate() {
            if let Some(s) = x.get_mut(at + i) {
                *s += v;
            }
        }
    }
    let channels = (0..chans)
        .map(|c| x.iter().map(|v| v * (1.0 - 0.2 * c as f32)).collect())
        .collect();
    Audio {
        sample_rate: rate,
        channels,
    }
}

pub fn steady(bpm: f64, secs: f64) -> Vec<f64> {
    drifting_beats(bpm, bpm, 0.0, secs)
}

/// Test-side onset finder for click material: where the level (max |x| over the channels)
/// first crosses `level`, at least 100 ms after the previous onset. Seconds.
pub fn click_onsets(a: &Audio, level: f32) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    let hold = (0.1 * f64::from(a.sample_rate)) as usize;
    let mut last: Option<usize> = None;
    for i in 0..a.frames() {
        let l = a.channels.iter().fold(0f32, |m, c| m.max(c[i].abs()));
        if l >= level && last.is_none_or(|p| i - p > hold) {
            out.push(i as f64 / f64::from(a.sample_rate));
            last = Some(i);
        }
    }
    out
}

/// How far each onset is from the nearest grid line k * period (seconds).
pub fn grid_errors(onsets: &[f64], period: f64) -> Vec<f64> {
    onsets
        .iter()
        .map(|t| (t - (t / period).round() * period).abs())
        .collect()
}

pub fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(0.0, f64::max)
}
