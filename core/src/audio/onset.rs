//! Onset detection: spectral flux of the log magnitude, adaptive-threshold peak picking, and
//! refinement of each onset to the sample with the time-domain attack.

use realfft::num_complex::Complex;
use realfft::RealFftPlanner;

/// The onset strength envelope and the onsets found in it.
pub(crate) struct Onsets {
    /// Hop between frames, in samples.
    pub hop: usize,
    /// Onset strength per frame (frame `t` centred on sample `t * hop`).
    pub odf: Vec<f32>,
    /// The same below [`LOW_BAND_HZ`] only (kick drums, bass notes), per frame.
    pub low: Vec<f32>,
    /// The same from [`LOW_BAND_HZ`] to [`MID_BAND_HZ`] (snare bodies, most notes), per frame.
    pub mid: Vec<f32>,
    /// Each onset: the frame of its flux peak, its strength, and its refined sample position.
    pub peaks: Vec<OnsetPeak>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct OnsetPeak {
    pub frame: usize,
    pub strength: f32,
    pub sample: f64,
}

/// Hop in samples for a sample rate: the power of two nearest to 5.8 ms (256 at 44.1/48 kHz).
pub(crate) fn hop_for(rate: u32) -> usize {
    let target = f64::from(rate) * 0.0058;
    let p = target.log2().round().clamp(4.0, 12.0);
    1usize << p as u32
}

/// Compression of the magnitude before the flux: `ln(1 + LOG_GAIN * |X|)`.
const LOG_GAIN: f32 = 100.0;
/// Adaptive threshold: a peak must reach `THRESHOLD_RATIO * local median + THRESHOLD_FLOOR *
/// global max`.
const THRESHOLD_RATIO: f32 = 1.5;
const THRESHOLD_FLOOR: f32 = 0.03;
/// Half-width of the running median, in seconds.
const MEDIAN_SECS: f64 = 0.15;
/// Two onsets are at least this far apart, in seconds (the stronger one stays).
const MIN_ONSET_GAP_SECS: f64 = 0.03;
/// Top of the low band of [`Onsets::low`], in Hz.
pub(crate) const LOW_BAND_HZ: f64 = 200.0;
/// Top of the middle band of [`Onsets::mid`], in Hz.
pub(crate) const MID_BAND_HZ: f64 = 2_000.0;
/// Window of the attack search on each side, in seconds (before/after energy).
const ATTACK_WINDOW_SECS: f64 = 0.001;

/// Onset strength and onsets of a mono signal at `rate`.
pub(crate) fn detect(x: &[f32], rate: u32) -> Onsets {
    let hop = hop_for(rate);
    let n = hop * 4;
    let frames = x.len() / hop + 1;
    let window: Vec<f32> = (0..n)
        .map(|i| (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos()) as f32)
        .collect();
    let mut planner = RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(n);
    let mut input = vec![0.0f32; n];
    let mut spec = vec![Complex::new(0.0f32, 0.0); n / 2 + 1];
    let mut scratch = fft.make_scratch_vec();
    let bins = n / 2;
    let mut prev = vec![0.0f32; bins];
    let mut cur = vec![0.0f32; bins];
    let mut odf = Vec::with_capacity(frames);
    let mut low = Vec::with_capacity(frames);
    let mut mid = Vec::with_capacity(frames);
    let band = |hz: f64| ((hz * n as f64 / f64::from(rate)).floor() as usize).clamp(1, bins);
    let low_bins = band(LOW_BAND_HZ);
    let mid_bins = band(MID_BAND_HZ).max(low_bins + 1).min(bins);
    let mut prev_lin = vec![0.0f32; mid_bins];
    for t in 0..frames {
        let start = (t * hop) as isize - (n / 2) as isize;
        for (i, v) in input.iter_mut().enumerate() {
            let j = start + i as isize;
            *v = if j >= 0 && (j as usize) < x.len() {
                x[j as usize] * window[i]
            } else {
                0.0
            };
        }
        let _ = fft.process_with_scratch(&mut input, &mut spec, &mut scratch);
        let (mut flux, mut flux_low, mut flux_mid) = (0.0f32, 0.0f32, 0.0f32);
        for k in 1..=bins {
            let a = spec[k].norm();
            let m = (LOG_GAIN * a).ln_1p();
            let d = m - prev[k - 1];
            // Before the first frame is silence: audio that starts on an attack has an onset.
            if d > 0.0 {
                flux += d;
            }
            // The bands' flux is of the magnitude itself: the log would lift a hat's faint
            // leakage below 2 kHz to the level of a snare's body.
            if k <= mid_bins {
                let d = a - prev_lin[k - 1];
                if d > 0.0 {
                    if k <= low_bins {
                        flux_low += d;
                    } else {
                        flux_mid += d;
                    }
                }
                prev_lin[k - 1] = a;
            }
            cur[k - 1] = m;
        }
        std::mem::swap(&mut prev, &mut cur);
        odf.push(flux / bins as f32);
        low.push(flux_low / low_bins as f32);
        mid.push(flux_mid / (mid_bins - low_bins).max(1) as f32);
    }
    let peaks = pick_peaks(&odf, hop, rate, x);
    Onsets {
        hop,
        odf,
        low,
        mid,
        peaks,
    }
}

fn pick_peaks(odf: &[f32], hop: usize, rate: u32, x: &[f32]) -> Vec<OnsetPeak> {
    let hop_secs = hop as f64 / f64::from(rate);
    let half = ((MEDIAN_SECS / hop_secs).round() as usize).max(2);
    let max = odf.iter().copied().fold(0.0f32, f32::max);
    if max <= 0.0 {
        return Vec::new();
    }
    let medians = running_median(odf, half);
    let mut peaks: Vec<OnsetPeak> = Vec::new();
    let min_gap = ((MIN_ONSET_GAP_SECS / hop_secs).round() as usize).max(1);
    for t in 0..odf.len().saturating_sub(1) {
        let v = odf[t];
        if (t > 0 && v < odf[t - 1]) || v <= odf[t + 1] {
            continue;
        }
        if v < THRESHOLD_RATIO * medians[t] + THRESHOLD_FLOOR * max {
            continue;
        }
        if let Some(last) = peaks.last_mut() {
            if t - last.frame < min_gap {
                if v > last.strength {
                    last.frame = t;
                    last.strength = v;
                }
                continue;
            }
        }
        peaks.push(OnsetPeak {
            frame: t,
            strength: v,
            sample: 0.0,
        });
    }
    let prefix = abs_prefix(x);
    let w = ((ATTACK_WINDOW_SECS * f64::from(rate)).round() as usize).max(2);
    for p in &mut peaks {
        // The flux rises as the attack enters the analysis window (4 hops long, centred on the
        // frame), so the attack lies within about half a window before to half after.
        let centre = p.frame * hop;
        let lo = centre.saturating_sub(2 * hop + hop / 2);
        let hi = (centre + 2 * hop).min(x.len());
        p.sample = attack(&prefix, lo, hi, w) as f64;
    }
    peaks
}

/// Prefix sums of |x| (f64).
pub(crate) fn abs_prefix(x: &[f32]) -> Vec<f64> {
    let mut p = Vec::with_capacity(x.len() + 1);
    let mut s = 0.0f64;
    p.push(0.0);
    for v in x {
        s += f64::from(v.abs());
        p.push(s);
    }
    p
}

/// The sample in `lo..hi` where the mean level over the `w` samples after it most exceeds the
/// mean level over the `w` before it: the start of an attack.
pub(crate) fn attack(prefix: &[f64], lo: usize, hi: usize, w: usize) -> usize {
    let len = prefix.len() - 1;
    let mut best = (f64::MIN, lo);
    for i in lo..hi {
        let a0 = i;
        let a1 = (i + w).min(len);
        let b0 = i.saturating_sub(w);
        let after = (prefix[a1] - prefix[a0]) / w as f64;
        let before = (prefix[i] - prefix[b0]) / w as f64;
        let score = after - 2.0 * before;
        if score > best.0 {
            best = (score, i);
        }
    }
    // The score peaks a little into a gradual attack: walk back to where the 0.5 ms before is
    // quiet (below 5 % of the level after, above the level before the attack), at most `w`.
    let i = best.1;
    let after = (prefix[(i + w).min(len)] - prefix[i]) / w as f64;
    let before = (prefix[i.saturating_sub(w)] - prefix[i.saturating_sub(2 * w)]) / w as f64;
    let quiet = before * 1.5 + 0.05 * after;
    let q = (w / 2).max(1);
    let mut j = i;
    while j > lo.max(i.saturating_sub(w)) && j >= q {
        let level = (prefix[j] - prefix[j - q]) / q as f64;
        if level <= quiet {
            break;
        }
        j -= 1;
    }
    j
}

/// Median of `x[t - half ..= t + half]` (clipped at the ends) for every t. O(n log w) with a
/// sorted window.
fn running_median(x: &[f32], half: usize) -> Vec<f32> {
    let n = x.len();
    let mut window: Vec<f32> = Vec::with_capacity(2 * half + 2);
    let mut out = Vec::with_capacity(n);
    let (mut lo, mut hi) = (0usize, 0usize); // window holds x[lo..hi]
    for t in 0..n {
        let want_lo = t.saturating_sub(half);
        let want_hi = (t + half + 1).min(n);
        while hi < want_hi {
            let v = x[hi];
            let at = window.partition_point(|w| *w < v);
            window.insert(at, v);
            hi += 1;
        }
        while lo < want_lo {
            let v = x[lo];
            if let Some(at) = window.iter().position(|w| *w == v) {
                window.remove(at);
            }
            lo += 1;
        }
        out.push(window[window.len() / 2]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clicks_are_found_to_the_sample() {
        let rate = 44_100;
        let mut x = vec![0.0f32; rate as usize * 2];
        let at = [10_000usize, 30_001, 52_345, 70_000];
        for &a in &at {
            for i in 0..400 {
                x[a + i] += 0.5 * (-(i as f32) / 60.0).exp() * ((i as f32) * 0.9).sin().signum();
            }
        }
        let o = detect(&x, rate);
        let found: Vec<f64> = o.peaks.iter().map(|p| p.sample).collect();
        assert_eq!(found.len(), at.len(), "{found:?}");
        for (f, a) in found.iter().zip(at) {
            assert!((f - a as f64).abs() <= 2.0, "{f} vs {a}");
        }
    }

    #[test]
    fn median() {
        let m = running_median(&[1.0, 5.0, 2.0, 8.0, 3.0], 1);
        assert_eq!(m, vec![5.0, 2.0, 5.0, 3.0, 8.0]);
    }
}
