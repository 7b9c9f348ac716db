//! Tempo estimation and beat tracking.

use super::onset::{self, Onsets};
use super::{check_audio, mono};
use crate::error::{Error, Result};
use crate::wav::Audio;
use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

/// Below this confidence an estimate is "unsure": [`quantize`](super::quantize) with the default
/// [`QuantizeOptions::min_confidence`](super::QuantizeOptions) leaves the fragment as it is.
pub const MIN_CONFIDENCE: f32 = 0.5;

/// Prior of the tempo search: a log-normal weight centred on `prefer_bpm` (120 BPM when none),
/// this many octaves wide (standard deviation).
const PRIOR_OCTAVES: f64 = 1.0;
/// Width of the prior around a tempo hint (`prefer_bpm`), in octaves: the hint picks the
/// octave.
const HINT_OCTAVES: f64 = 0.5;
/// A level is too slow when at least this share of the midpoints between its beats are
/// accented (half the beats' accent or more), too fast when at most `1 - SURE_SHARE` of every
/// other beat is; between that and half, the level nearer the prior wins.
const SURE_SHARE: f64 = 0.75;
/// Tightness of the beat tracker: the penalty for an interval that differs from the period is
/// `TIGHTNESS * ln(interval / period)^2` (in units of the normalized onset strength).
const TIGHTNESS: f32 = 100.0;
/// Standard deviation of the smoothing of the onset strength before its autocorrelation, in s.
const SMOOTH_SECS: f64 = 0.01;
/// A beat within this share of the period of an onset is snapped to it.
const SNAP_SHARE: f64 = 0.12;

/// What [`estimate_tempo`] looks for.
#[derive(Debug, Clone, PartialEq)]
pub struct TempoOptions {
    /// Slowest and fastest tempo considered, in BPM (20..=400, min < max; default 60 and 200).
    pub min_bpm: f64,
    pub max_bpm: f64,
    /// The tempo expected (e.g. the set's): the search favours it and its neighbourhood, which
    /// resolves octave errors (half or double tempo). None: 120 BPM is favoured, gently.
    pub prefer_bpm: Option<f64>,
}

impl Default for TempoOptions {
    fn default() -> Self {
        TempoOptions {
            min_bpm: 60.0,
            max_bpm: 200.0,
            prefer_bpm: None,
        }
    }
}

impl TempoOptions {
    fn check(&self) -> Result<()> {
        let ok = |v: f64| v.is_finite() && (20.0..=400.0).contains(&v);
        if !ok(self.min_bpm) || !ok(self.max_bpm) || self.min_bpm * 1.1 > self.max_bpm {
            return Err(Error::invalid(format!(
                "tempo range {}..{} BPM is not usable (20..400 BPM, the top at least 10 % \
                 above the bottom)",
                self.min_bpm, self.max_bpm
            )));
        }
        if let Some(p) = self.prefer_bpm {
            if !ok(p) {
                return Err(Error::invalid(format!(
                    "preferred tempo {p} BPM is out of range (20..400)"
                )));
            }
        }
        Ok(())
    }
}

/// The tempo and beats of a fragment.
#[derive(Debug, Clone, PartialEq)]
pub struct TempoEstimate {
    /// The mean tempo over the fragment, in BPM.
    pub bpm: f64,
    /// How sure the estimate is, 0..=1; below [`MIN_CONFIDENCE`] it is unsure.
    pub confidence: f32,
    /// Every beat found, in seconds from the start, increasing. Follows slow tempo drift.
    pub beats: Vec<f64>,
    /// Every onset (attack) found, in seconds, sample-accurate.
    pub onsets: Vec<f64>,
}

/// Estimate the tempo and find the beats (see `docs/fragments.md`): onset strength (spectral
/// flux of the log magnitude), the tempo from its autocorrelation (harmonics summed, weighted
/// by a prior around `prefer_bpm`), beats by dynamic programming (Ellis 2007), each beat
/// snapped to the nearest onset, and the tempo refined by a least-squares fit of the beat
/// times. Material with no beat (noise, a single hit, a drone) gives a low confidence, not an
/// error; its `bpm` is then a guess (`prefer_bpm`, or 120).
pub fn estimate_tempo(audio: &Audio, opts: &TempoOptions) -> Result<TempoEstimate> {
    check_audio(audio)?;
    opts.check()?;
    let x = mono(audio);
    let rate = audio.sample_rate;
    let o = onset::detect(&x, rate);
    Ok(estimate_from_onsets(&o, rate, opts))
}

pub(crate) fn estimate_from_onsets(o: &Onsets, rate: u32, opts: &TempoOptions) -> TempoEstimate {
    let hop_secs = o.hop as f64 / f64::from(rate);
    let onsets: Vec<f64> = o.peaks.iter().map(|p| p.sample / f64::from(rate)).collect();
    let centre = opts.prefer_bpm.unwrap_or(120.0);
    let unsure = TempoEstimate {
        bpm: centre.clamp(opts.min_bpm, opts.max_bpm),
        confidence: 0.0,
        beats: Vec::new(),
        onsets: onsets.clone(),
    };
    if o.peaks.len() < 4 {
        return unsure;
    }
    // Onset strength with its local mean (1 s) removed: the periodic part.
    // Smoothed (Gaussian, SMOOTH_SECS) so that a period between two frames, or drifting a
    // little, still gives one broad autocorrelation peak.
    let env = smooth(
        &detrend(&o.odf, ((0.5 / hop_secs).round() as usize).max(1)),
        SMOOTH_SECS / hop_secs,
    );
    let acf = autocorrelation(&env);
    if acf[0] <= 0.0 {
        return unsure;
    }
    let lag_min = ((60.0 / opts.max_bpm / hop_secs).floor() as usize).max(2);
    let lag_max = ((60.0 / opts.min_bpm / hop_secs).ceil() as usize).min(env.len() / 2);
    if lag_max <= lag_min + 1 {
        return unsure;
    }
    let at = |l: f64| -> f64 {
        let i = l.floor() as usize;
        let f = l - i as f64;
        match (acf.get(i), acf.get(i + 1)) {
            (Some(a), Some(b)) => a * (1.0 - f) + b * f,
            (Some(a), None) => *a,
            _ => 0.0,
        }
    };
    let score = |l: f64| -> f64 {
        let bpm = 60.0 / (l * hop_secs);
        let harmonics: f64 = (1..=4).map(|m| at(l * m as f64) / m as f64).sum();
        prior(bpm, opts.prefer_bpm) * harmonics
    };
    let scores: Vec<f64> = (lag_min..=lag_max).map(|l| score(l as f64)).collect();
    let (best_i, _) =
        scores
            .iter()
            .enumerate()
            .fold((0, f64::MIN), |b, (i, &s)| if s > b.1 { (i, s) } else { b });
    let mut lag = (lag_min + best_i) as f64;
    if best_i > 0 && best_i + 1 < scores.len() {
        let (a, b, c) = (scores[best_i - 1], scores[best_i], scores[best_i + 1]);
        let d = a - 2.0 * b + c;
        if d < 0.0 {
            lag += (0.5 * (a - c) / d).clamp(-0.5, 0.5);
        }
    }
    // The metrical level: the autocorrelation favours the slower levels of a bar (a backbeat
    // repeats every two beats), and a hat on every 8th favours the faster ones; the accents
    // below 2 kHz (kicks, snares, bass and most notes, not hats) decide. See `choose_level`.
    let lag = choose_level(
        o,
        lag,
        lag_min as f64,
        lag_max as f64,
        hop_secs,
        opts.prefer_bpm,
        &at,
    );
    // How strongly the onsets repeat at the beat or at two beats (a backbeat, a beat left
    // silent now and then, repeats more strongly every two beats than every one).
    let periodicity = (at(lag).max(at(2.0 * lag)) / acf[0]).clamp(0.0, 1.0);

    // Beats: dynamic programming over the onset strength, the accents below 2 kHz counted
    // again, so that the beats fall on the kicks and snares rather than on hats between them.
    let beat_frames = track_beats(&placing(o), lag);
    if beat_frames.len() < 2 {
        return unsure;
    }
    // Frame -> seconds: the median offset between a flux peak and its refined attack.
    let mut offsets: Vec<f64> = o
        .peaks
        .iter()
        .map(|p| p.sample - (p.frame * o.hop) as f64)
        .collect();
    offsets.sort_by(f64::total_cmp);
    let offset = offsets[offsets.len() / 2];
    let snap = (SNAP_SHARE * lag).max(2.0);
    let mut snapped = 0usize;
    let mut beats: Vec<f64> = Vec::with_capacity(beat_frames.len());
    for &b in &beat_frames {
        let nearest = o
            .peaks
            .iter()
            .min_by(|p, q| {
                (p.frame as f64 - b as f64)
                    .abs()
                    .total_cmp(&(q.frame as f64 - b as f64).abs())
            })
            .filter(|p| (p.frame as f64 - b as f64).abs() <= snap);
        let t = match nearest {
            Some(p) => {
                snapped += 1;
                p.sample
            }
            None => (b * o.hop) as f64 + offset,
        } / f64::from(rate);
        if beats.last().is_none_or(|l| t > *l + 0.25 * lag * hop_secs) {
            beats.push(t.max(0.0));
        }
    }
    // Tempo: least-squares line through the beat times against their (gap-aware) index.
    let period0 = lag * hop_secs;
    let mut idx = Vec::with_capacity(beats.len());
    let mut k = 0.0;
    for (i, b) in beats.iter().enumerate() {
        if i > 0 {
            k += ((b - beats[i - 1]) / period0).round().max(1.0);
        }
        idx.push(k);
    }
    let n = beats.len() as f64;
    let (mk, mb) = (idx.iter().sum::<f64>() / n, beats.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (k, b) in idx.iter().zip(&beats) {
        sxy += (k - mk) * (b - mb);
        sxx += (k - mk) * (k - mk);
    }
    let period = if sxx > 0.0 && sxy > 0.0 {
        let p = sxy / sxx;
        if (p / period0 - 1.0).abs() < 0.08 {
            p
        } else {
            period0
        }
    } else {
        period0
    };
    let bpm = (60.0 / period).clamp(opts.min_bpm, opts.max_bpm);
    // Regularity: spread of the beat intervals (one beat each) around the period.
    let ibis: Vec<f64> = beats
        .windows(2)
        .zip(idx.windows(2))
        .map(|(b, k)| (b[1] - b[0]) / (k[1] - k[0]))
        .collect();
    let dev = (ibis.iter().map(|i| (i / period - 1.0).powi(2)).sum::<f64>()
        / ibis.len().max(1) as f64)
        .sqrt();
    let regularity = (1.0 - dev / 0.15).clamp(0.0, 1.0);
    let snapped_share = snapped as f64 / beat_frames.len() as f64;
    let confidence = (periodicity / 0.3).min(1.0) * (0.5 * snapped_share + 0.5 * regularity);
    let confidence = if beats.len() < 4 { 0.0 } else { confidence };
    TempoEstimate {
        bpm,
        confidence: confidence as f32,
        beats,
        onsets,
    }
}

/// The tempo prior: a log-normal weight centred on `prefer` (a hint: [`HINT_OCTAVES`] wide) or
/// on 120 BPM ([`PRIOR_OCTAVES`] wide).
fn prior(bpm: f64, prefer: Option<f64>) -> f64 {
    let (centre, width) = match prefer {
        Some(p) => (p, HINT_OCTAVES),
        None => (120.0, PRIOR_OCTAVES),
    };
    (-0.5 * ((bpm / centre).log2() / width).powi(2)).exp()
}

/// The accents below 2 kHz: the low band's flux (kicks, bass notes) and the middle band's
/// (snares, most notes), each over its own standard deviation. A hat hardly counts.
fn accent(o: &Onsets) -> Vec<f32> {
    let inv_sd = |x: &[f32]| {
        let n = x.len().max(1) as f32;
        let m = x.iter().sum::<f32>() / n;
        let sd = (x.iter().map(|v| (v - m).powi(2)).sum::<f32>() / n).sqrt();
        if sd > 0.0 {
            1.0 / sd
        } else {
            0.0
        }
    };
    let (b, c) = (inv_sd(&o.low), inv_sd(&o.mid));
    o.low
        .iter()
        .zip(&o.mid)
        .map(|(l, m)| (l * b).max(m * c))
        .collect()
}

/// What the beats are placed on: the full band's onset strength plus the accents below 2 kHz
/// ([`accent`]), each over its standard deviation.
fn placing(o: &Onsets) -> Vec<f32> {
    let acc = accent(o);
    let sd = |x: &[f32]| {
        let n = x.len().max(1) as f32;
        let m = x.iter().sum::<f32>() / n;
        (x.iter().map(|v| (v - m).powi(2)).sum::<f32>() / n).sqrt()
    };
    let (a, b) = (sd(&o.odf), sd(&acc));
    let (a, b) = (
        if a > 0.0 { 1.0 / a } else { 0.0 },
        if b > 0.0 { 1.0 / b } else { 0.0 },
    );
    o.odf.iter().zip(&acc).map(|(f, c)| f * a + c * b).collect()
}

/// The metrical level, from the autocorrelation's best `lag`: tracked at a level, when the
/// accent halfway between the beats is at least [`TOO_SLOW`] of the beats' (a backbeat
/// between them: the snare of a beat read at half tempo), the tempo is doubled; when every
/// other beat has under [`TOO_FAST`] of the accent of the others (hats between the kicks and
/// snares: a beat read at double tempo), it is halved. Each new lag is moved to the
/// autocorrelation's peak within 4 %. At most two steps, never back.
#[allow(clippy::too_many_arguments)]
fn choose_level(
    o: &Onsets,
    lag: f64,
    lag_min: f64,
    lag_max: f64,
    hop_secs: f64,
    prefer: Option<f64>,
    at: &dyn Fn(f64) -> f64,
) -> f64 {
    let acc = accent(o);
    if acc.iter().all(|v| *v == 0.0) {
        return lag;
    }
    let peak = |t: f64| {
        let c = t.round().max(0.0) as usize;
        (c.saturating_sub(2)..=(c + 2).min(acc.len() - 1))
            .map(|i| acc[i])
            .fold(0.0f32, f32::max) as f64
    };
    let refine = |guess: f64| {
        let (lo, hi) = ((guess * 0.96).max(lag_min), (guess * 1.04).min(lag_max));
        let (mut best, mut x) = (guess, lo);
        while x <= hi {
            if at(x) > at(best) {
                best = x;
            }
            x += 0.25;
        }
        best
    };
    let mut lag = lag;
    let mut step = 0i32;
    for _ in 0..2 {
        let beats = track_beats(&o.odf, lag);
        if beats.len() < 4 {
            break;
        }
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        let even: Vec<f64> = beats.iter().step_by(2).map(|&b| peak(b as f64)).collect();
        let odd: Vec<f64> = beats
            .iter()
            .skip(1)
            .step_by(2)
            .map(|&b| peak(b as f64))
            .collect();
        let mid: Vec<f64> = beats
            .windows(2)
            .map(|w| peak(0.5 * (w[0] + w[1]) as f64))
            .collect();
        let on = 0.5 * (mean(&even) + mean(&odd));
        if on <= 0.0 {
            break;
        }
        // Share of `x` accented (at least half the level `of`).
        let share = |x: &[f64], of: f64| {
            x.iter().filter(|v| **v >= 0.5 * of).count() as f64 / x.len().max(1) as f64
        };
        let (strong, weak) = if mean(&even) >= mean(&odd) {
            (mean(&even), &odd)
        } else {
            (mean(&odd), &even)
        };
        let bpm = |l: f64| 60.0 / (l * hop_secs);
        let nearer = |l: f64| prior(bpm(l), prefer) > prior(bpm(lag), prefer);
        let mid_share = share(&mid, on);
        let weak_share = share(weak, strong);
        if step >= 0
            && lag / 2.0 >= lag_min - 0.5
            && (mid_share >= SURE_SHARE || (mid_share >= 1.0 - SURE_SHARE && nearer(lag / 2.0)))
        {
            lag = refine(lag / 2.0);
            step = 1;
        } else if step <= 0
            && lag * 2.0 <= lag_max + 0.5
            && (weak_share <= 1.0 - SURE_SHARE || (weak_share <= 0.5 && nearer(lag * 2.0)))
        {
            lag = refine(lag * 2.0);
            step = -1;
        } else {
            break;
        }
    }
    lag
}

/// Gaussian smoothing with a standard deviation of `sigma` frames.
fn smooth(x: &[f64], sigma: f64) -> Vec<f64> {
    let r = (3.0 * sigma).ceil() as usize;
    let kernel: Vec<f64> = (0..=2 * r)
        .map(|i| (-0.5 * ((i as f64 - r as f64) / sigma).powi(2)).exp())
        .collect();
    let sum: f64 = kernel.iter().sum();
    (0..x.len())
        .map(|t| {
            kernel
                .iter()
                .enumerate()
                .filter_map(|(i, k)| (t + i).checked_sub(r).and_then(|j| x.get(j)).map(|v| v * k))
                .sum::<f64>()
                / sum
        })
        .collect()
}

/// `x` minus its moving average over `2 * half + 1` frames.
fn detrend(x: &[f32], half: usize) -> Vec<f64> {
    let mut prefix = Vec::with_capacity(x.len() + 1);
    prefix.push(0.0f64);
    for v in x {
        prefix.push(prefix.last().unwrap_or(&0.0) + f64::from(*v));
    }
    (0..x.len())
        .map(|t| {
            let lo = t.saturating_sub(half);
            let hi = (t + half + 1).min(x.len());
            f64::from(x[t]) - (prefix[hi] - prefix[lo]) / (hi - lo) as f64
        })
        .collect()
}

/// Autocorrelation of `x` (unbiased: each lag divided by its number of products), via FFT.
fn autocorrelation(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let size = (2 * n).next_power_of_two();
    let mut planner = RealFftPlanner::<f64>::new();
    let fwd = planner.plan_fft_forward(size);
    let inv = planner.plan_fft_inverse(size);
    let mut buf = vec![0.0f64; size];
    buf[..n].copy_from_slice(x);
    let mut spec = vec![Complex::new(0.0, 0.0); size / 2 + 1];
    let _ = fwd.process(&mut buf, &mut spec);
    for c in spec.iter_mut() {
        *c = Complex::new(c.norm_sqr(), 0.0);
    }
    let _ = inv.process(&mut spec, &mut buf);
    (0..n)
        .map(|l| buf[l] / size as f64 / (n - l) as f64)
        .collect()
}

/// Beat frames by dynamic programming (Ellis 2007): each frame's score is its onset strength
/// plus the best score of a previous beat between half and twice the period before, less a
/// penalty for the interval's distance from the period (log ratio, squared). The best chain
/// ending in the last period is traced back.
fn track_beats(odf: &[f32], period: f64) -> Vec<usize> {
    let n = odf.len();
    let mean = odf.iter().sum::<f32>() / n as f32;
    let sd = (odf.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / n as f32).sqrt();
    if sd <= 0.0 {
        return Vec::new();
    }
    let o: Vec<f32> = odf.iter().map(|v| v / sd).collect();
    let lo = ((period / 2.0).round() as usize).max(1);
    let hi = ((period * 2.0).round() as usize).max(lo + 1);
    let penalty: Vec<f32> = (0..=hi)
        .map(|d| {
            if d < lo {
                f32::MAX
            } else {
                TIGHTNESS * ((d as f64 / period).ln() as f32).powi(2)
            }
        })
        .collect();
    let mut score = vec![0.0f32; n];
    let mut back = vec![usize::MAX; n];
    for t in 0..n {
        let mut best = (0.0f32, usize::MAX);
        for d in lo..=hi.min(t) {
            let s = score[t - d] - penalty[d];
            if s > best.0 {
                best = (s, t - d);
            }
        }
        score[t] = o[t] + best.0;
        back[t] = best.1;
    }
    // The last beat: the best score in the last period.
    let from = n.saturating_sub(period.round() as usize + 1);
    let mut t = (from..n).fold(from, |b, t| if score[t] > score[b] { t } else { b });
    let mut beats = vec![t];
    while back[t] != usize::MAX {
        t = back[t];
        beats.push(t);
    }
    beats.reverse();
    beats
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clicks(rate: u32, bpm: f64, secs: f64) -> Audio {
        let n = (secs * f64::from(rate)) as usize;
        let mut x = vec![0.0f32; n];
        let period = 60.0 / bpm * f64::from(rate);
        let mut k = 0;
        loop {
            let at = (k as f64 * period).round() as usize;
            if at + 500 >= n {
                break;
            }
            for i in 0..500 {
                x[at + i] += 0.5
                    * (-(i as f32) / 80.0).exp()
                    * (i as f32 * std::f32::consts::TAU * 1_000.0 / rate as f32).sin();
            }
            k += 1;
        }
        Audio {
            sample_rate: rate,
            channels: vec![x],
        }
    }

    #[test]
    fn click_tracks() {
        for bpm in [90.0, 120.0, 137.0] {
            let e = estimate_tempo(&clicks(44_100, bpm, 20.0), &TempoOptions::default()).unwrap();
            assert!((e.bpm / bpm - 1.0).abs() < 0.002, "{bpm}: {}", e.bpm);
            assert!(e.confidence > 0.8, "{bpm}: {}", e.confidence);
        }
    }

    #[test]
    fn bad_options() {
        let a = clicks(44_100, 120.0, 2.0);
        for o in [
            TempoOptions {
                min_bpm: 200.0,
                max_bpm: 100.0,
                prefer_bpm: None,
            },
            TempoOptions {
                prefer_bpm: Some(f64::NAN),
                ..Default::default()
            },
        ] {
            assert!(estimate_tempo(&a, &o).is_err());
        }
    }
}
