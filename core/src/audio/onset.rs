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

/// One frame's spectral flux, the one implementation the offline ([`detect`]) and the
/// streaming ([`OnsetStream`]) detectors share: a Hann window of 4 hops, the real FFT, the
/// positive difference of the compressed magnitude from the previous frame (over every bin),
/// and of the magnitude itself in the low and middle bands. Every buffer is made in [`new`]:
/// [`frame`](Self::frame) never allocates (the audio thread runs it).
pub(crate) struct Flux {
    hop: usize,
    window: Vec<f32>,
    fft: std::sync::Arc<dyn realfft::RealToComplex<f32>>,
    input: Vec<f32>,
    spec: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
    prev: Vec<f32>,
    prev_lin: Vec<f32>,
    low_bins: usize,
    mid_bins: usize,
}

/// The flux of one frame: over every bin, below [`LOW_BAND_HZ`], and from there to
/// [`MID_BAND_HZ`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct FrameFlux {
    pub all: f32,
    pub low: f32,
    pub mid: f32,
}

impl Flux {
    /// For a signal at `rate`: hop [`hop_for`], frames of 4 hops.
    pub fn new(rate: u32) -> Flux {
        let hop = hop_for(rate);
        let n = hop * 4;
        let window: Vec<f32> = (0..n)
            .map(|i| (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos()) as f32)
            .collect();
        let mut planner = RealFftPlanner::<f32>::new();
        let fft = planner.plan_fft_forward(n);
        let bins = n / 2;
        let band = |hz: f64| ((hz * n as f64 / f64::from(rate)).floor() as usize).clamp(1, bins);
        let low_bins = band(LOW_BAND_HZ);
        let mid_bins = band(MID_BAND_HZ).max(low_bins + 1).min(bins);
        Flux {
            hop,
            window,
            input: vec![0.0; n],
            spec: vec![Complex::new(0.0, 0.0); n / 2 + 1],
            scratch: fft.make_scratch_vec(),
            fft,
            prev: vec![0.0; bins],
            prev_lin: vec![0.0; mid_bins],
            low_bins,
            mid_bins,
        }
    }

    /// Hop between frames, in samples.
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Frame length (4 hops), in samples.
    pub fn len(&self) -> usize {
        self.window.len()
    }

    /// The flux of the next frame, whose `i`-th sample is `sample(i)` (`i` in `0..len()`),
    /// against the frame before it (silence before the first: audio that starts on an attack
    /// has an onset).
    pub fn frame(&mut self, sample: impl Fn(usize) -> f32) -> FrameFlux {
        for (i, v) in self.input.iter_mut().enumerate() {
            *v = sample(i) * self.window[i];
        }
        let _ = self
            .fft
            .process_with_scratch(&mut self.input, &mut self.spec, &mut self.scratch);
        let bins = self.prev.len();
        let (mut flux, mut flux_low, mut flux_mid) = (0.0f32, 0.0f32, 0.0f32);
        for k in 1..=bins {
            let a = self.spec[k].norm();
            let m = (LOG_GAIN * a).ln_1p();
            let d = m - self.prev[k - 1];
            if d > 0.0 {
                flux += d;
            }
            // The bands' flux is of the magnitude itself: the log would lift a hat's faint
            // leakage below 2 kHz to the level of a snare's body.
            if k <= self.mid_bins {
                let d = a - self.prev_lin[k - 1];
                if d > 0.0 {
                    if k <= self.low_bins {
                        flux_low += d;
                    } else {
                        flux_mid += d;
                    }
                }
                self.prev_lin[k - 1] = a;
            }
            self.prev[k - 1] = m;
        }
        FrameFlux {
            all: flux / bins as f32,
            low: flux_low / self.low_bins as f32,
            mid: flux_mid / (self.mid_bins - self.low_bins).max(1) as f32,
        }
    }

    /// Back to silence before the next frame.
    pub fn reset(&mut self) {
        self.prev.fill(0.0);
        self.prev_lin.fill(0.0);
    }
}

/// Whether frame value `v` (between `before` and `after`) is an onset: a local peak (not
/// below the frame before, above the one after) reaching `ratio` times the local median plus
/// `floor`. Both detectors decide with it.
pub(crate) fn is_onset(
    before: f32,
    v: f32,
    after: f32,
    median: f32,
    ratio: f32,
    floor: f32,
) -> bool {
    v >= before && v > after && v >= ratio * median + floor
}

/// Half-width of the running median in frames, for a hop of `hop` samples at `rate`.
fn median_half(hop: usize, rate: u32) -> usize {
    ((MEDIAN_SECS * f64::from(rate) / hop as f64).round() as usize).max(2)
}

/// Shortest distance between two onsets in frames.
fn min_gap_frames(hop: usize, rate: u32) -> usize {
    ((MIN_ONSET_GAP_SECS * f64::from(rate) / hop as f64).round() as usize).max(1)
}

/// Where the attack search for the flux peak of the frame centred on `centre` runs: the flux
/// rises as the attack enters the analysis window (4 hops long, centred on the frame), so the
/// attack lies within about half a window before to half after.
fn attack_range(centre: usize, hop: usize) -> (usize, usize) {
    (centre.saturating_sub(2 * hop + hop / 2), centre + 2 * hop)
}

/// Onset strength and onsets of a mono signal at `rate`.
pub(crate) fn detect(x: &[f32], rate: u32) -> Onsets {
    let mut flux = Flux::new(rate);
    let (hop, n) = (flux.hop(), flux.len());
    let frames = x.len() / hop + 1;
    let mut odf = Vec::with_capacity(frames);
    let mut low = Vec::with_capacity(frames);
    let mut mid = Vec::with_capacity(frames);
    for t in 0..frames {
        let start = (t * hop) as isize - (n / 2) as isize;
        let f = flux.frame(|i| {
            let j = start + i as isize;
            if j >= 0 && (j as usize) < x.len() {
                x[j as usize]
            } else {
                0.0
            }
        });
        odf.push(f.all);
        low.push(f.low);
        mid.push(f.mid);
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
    let half = median_half(hop, rate);
    let max = odf.iter().copied().fold(0.0f32, f32::max);
    if max <= 0.0 {
        return Vec::new();
    }
    let medians = running_median(odf, half);
    let mut peaks: Vec<OnsetPeak> = Vec::new();
    let min_gap = min_gap_frames(hop, rate);
    for t in 0..odf.len().saturating_sub(1) {
        let v = odf[t];
        let before = if t > 0 { odf[t - 1] } else { f32::MIN };
        if !is_onset(
            before,
            v,
            odf[t + 1],
            medians[t],
            THRESHOLD_RATIO,
            THRESHOLD_FLOOR * max,
        ) {
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
    let w = attack_window(rate);
    for p in &mut peaks {
        let (lo, hi) = attack_range(p.frame * hop, hop);
        p.sample = attack(&prefix, lo, hi.min(x.len()), w) as f64;
    }
    peaks
}

/// Window of the attack search on each side, in samples.
fn attack_window(rate: u32) -> usize {
    ((ATTACK_WINDOW_SECS * f64::from(rate)).round() as usize).max(2)
}

/// An onset the streaming detector found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamOnset {
    /// The sample of the attack, counted from the first sample the detector heard.
    pub sample: u64,
    /// Its flux peak (onset strength).
    pub strength: f32,
    /// The peak level from the attack to [`PEAK_SECS`] after it (linear, 1 = full scale).
    pub peak: f32,
}

/// A tap's sound must rise: its level (mean |x|) over [`RISE_WINDOWS`] attack windows (5 ms)
/// after the attack at least this times the level over as many before it. 1.5: of the
/// kit's whole drums in silence none ring into a second tap; over room noise, soft hits in a
/// louder drum's tail are missed (see docs/taps.md).
const RISE: f64 = 1.5;
const RISE_WINDOWS: usize = 5;

/// How long after the attack its peak level is looked for, in seconds.
pub const PEAK_SECS: f64 = 0.005;

/// How the streaming detector decides, set by its owner at any time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StreamSettings {
    /// A flux peak must reach this times the median of the frames before it (the offline
    /// detector's [`THRESHOLD_RATIO`] by default).
    pub ratio: f32,
    /// The peak level an onset must reach, linear (quieter ones are left: room noise).
    pub gate: f32,
    /// Shortest distance from one onset to the next, in samples (the first one stays).
    pub gap: u64,
}

/// The offline detector's ratio, the streaming detector's default.
pub const DEFAULT_RATIO: f32 = THRESHOLD_RATIO;
/// The offline detector's shortest gap between onsets, in seconds.
pub const DEFAULT_GAP_SECS: f64 = MIN_ONSET_GAP_SECS;

/// How fast the running maximum of the onset strength (the streaming stand-in for the
/// offline detector's global maximum, times [`THRESHOLD_FLOOR`]) decays: halved every this
/// many seconds.
const MAX_HALF_LIFE_SECS: f64 = 2.0;

/// The onset detector on a stream, for the audio thread: the same flux ([`Flux`]), peak
/// decision ([`is_onset`]) and attack refinement ([`attack`]) as [`detect`], fed a block at a
/// time. Where the offline detector has the whole signal, this one has the past: the median
/// is over the frames before the peak (as many as the offline detector's window holds), the
/// global maximum is a running maximum that decays, and of two onsets closer than the gap
/// the first stays (it has been reported). An onset is known once the frame after its flux
/// peak is complete: the attack plus up to about 4 hops (see `docs/taps.md`). Everything is
/// allocated in [`new`](Self::new); [`push`](Self::push) never allocates.
pub struct OnsetStream {
    rate: u32,
    flux: Flux,
    hop: usize,
    /// The last samples heard, `ring[i & mask]` holding sample `i`.
    ring: Vec<f32>,
    mask: usize,
    /// Samples heard so far.
    pos: u64,
    /// The next frame to compute (frame `t` is centred on sample `t * hop`).
    next_frame: u64,
    /// The onset strength of the two frames before the newest.
    before: f32,
    last: f32,
    /// Onset strength of past frames (a ring), for the median, and a scratch copy.
    history: Vec<f32>,
    filled: usize,
    history_at: usize,
    sorted: Vec<f32>,
    running_max: f32,
    max_decay: f32,
    /// Prefix sums of |x| over the attack search window.
    prefix: Vec<f64>,
    w: usize,
    last_onset: Option<u64>,
    pub settings: StreamSettings,
}

impl OnsetStream {
    /// A detector for a stream at `rate` (allocates: not on the audio thread).
    pub fn new(rate: u32) -> OnsetStream {
        let flux = Flux::new(rate);
        let hop = flux.hop();
        let w = attack_window(rate);
        // The oldest sample the attack search reads when a peak is known, back from the
        // newest: the frame after the peak reaches 3 hops past it, the search 2.5 hops and
        // 2 windows before it.
        let span = 6 * hop + (RISE_WINDOWS + 4) * w + 16;
        let size = (span + flux.len()).next_power_of_two();
        let half = median_half(hop, rate);
        let frames_per_sec = f64::from(rate) / hop as f64;
        OnsetStream {
            rate,
            flux,
            hop,
            ring: vec![0.0; size],
            mask: size - 1,
            pos: 0,
            next_frame: 0,
            before: 0.0,
            last: 0.0,
            history: vec![0.0; 2 * half + 1],
            filled: 0,
            history_at: 0,
            sorted: vec![0.0; 2 * half + 1],
            running_max: 0.0,
            max_decay: 0.5f64.powf(1.0 / (MAX_HALF_LIFE_SECS * frames_per_sec)) as f32,
            prefix: vec![0.0; 6 * hop + (2 * RISE_WINDOWS + 4) * w + 8],
            w,
            last_onset: None,
            settings: StreamSettings {
                ratio: DEFAULT_RATIO,
                gate: 0.0,
                gap: (DEFAULT_GAP_SECS * f64::from(rate)).round() as u64,
            },
        }
    }

    pub fn sample_rate(&self) -> u32 {
        self.rate
    }

    /// Samples heard so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// How long after its attack an onset is known at the latest, in samples: the frame after
    /// the flux peak must be complete (the peak lies at most 2 hops after the attack).
    pub fn max_delay(&self) -> u64 {
        (2 * self.hop + self.hop + self.flux.len() / 2) as u64
    }

    /// Forget what was heard (the position goes on).
    pub fn reset(&mut self) {
        self.flux.reset();
        self.ring.fill(0.0);
        self.before = 0.0;
        self.last = 0.0;
        self.filled = 0;
        self.history_at = 0;
        self.running_max = 0.0;
        self.last_onset = None;
        self.next_frame = self.pos / self.hop as u64 + 1;
    }

    /// `n` samples go by unheard (a deaf detector): call [`reset`](Self::reset) before
    /// hearing again.
    pub fn skip(&mut self, n: usize) {
        self.pos += n as u64;
    }

    fn at(&self, i: i64) -> f32 {
        if i < 0 || i as u64 >= self.pos || self.pos - i as u64 > self.ring.len() as u64 {
            0.0
        } else {
            self.ring[i as usize & self.mask]
        }
    }

    /// Hear `x`; every onset found goes to `found`, in order.
    pub fn push(&mut self, x: &[f32], found: &mut impl FnMut(StreamOnset)) {
        let half_n = (self.flux.len() / 2) as u64;
        for &v in x {
            let v = if v.is_finite() { v } else { 0.0 };
            self.ring[self.pos as usize & self.mask] = v;
            self.pos += 1;
            if self.pos == self.next_frame * self.hop as u64 + half_n {
                self.frame(found);
                self.next_frame += 1;
            }
        }
    }

    /// The frame `next_frame` is complete: its flux, then whether the frame before it is an
    /// onset.
    fn frame(&mut self, found: &mut impl FnMut(StreamOnset)) {
        let start = (self.next_frame * self.hop as u64) as i64 - (self.flux.len() / 2) as i64;
        let (ring, mask, pos) = (&self.ring, self.mask, self.pos);
        let f = self.flux.frame(|i| {
            let j = start + i as i64;
            if j < 0 || j as u64 >= pos {
                0.0
            } else {
                ring[j as usize & mask]
            }
        });
        let v = f.all;
        self.running_max = (self.running_max * self.max_decay).max(v);
        // The frame before is the candidate: its median is over the frames before it.
        let candidate = self.last;
        if self.next_frame >= 1 {
            // Nothing before the first frame: the stream started in silence.
            let n = self.filled;
            let median = if n == 0 {
                0.0
            } else {
                self.sorted[..n].copy_from_slice(&self.history[..n]);
                *self.sorted[..n]
                    .select_nth_unstable_by(n / 2, f32::total_cmp)
                    .1
            };
            if is_onset(
                self.before,
                candidate,
                v,
                median,
                self.settings.ratio,
                THRESHOLD_FLOOR * self.running_max,
            ) {
                self.refine(self.next_frame - 1, candidate, found);
            }
        }
        // The candidate joins the history now that it has been judged.
        if self.next_frame >= 1 {
            self.history[self.history_at] = candidate;
            self.history_at = (self.history_at + 1) % self.history.len();
            self.filled = (self.filled + 1).min(self.history.len());
        }
        self.before = candidate;
        self.last = v;
    }

    /// The flux peaked at frame `peak`: find the attack, its level, and report it.
    fn refine(&mut self, peak: u64, strength: f32, found: &mut impl FnMut(StreamOnset)) {
        let centre = peak * self.hop as u64;
        let (lo, hi) = attack_range(centre as usize, self.hop);
        let (lo, hi) = (lo as u64, (hi as u64).min(self.pos));
        // Prefix sums from `base`, far enough back for the search's look behind.
        let rw = RISE_WINDOWS * self.w;
        let base = lo.saturating_sub((rw + 2 * self.w) as u64 + 1);
        let end = (hi + (rw + self.w) as u64).min(self.pos);
        let len = ((end - base) as usize).min(self.prefix.len() - 1);
        let mut s = 0.0f64;
        self.prefix[0] = 0.0;
        for k in 0..len {
            s += f64::from(self.at((base + k as u64) as i64).abs());
            self.prefix[k + 1] = s;
        }
        let local_hi = ((hi - base) as usize).min(len);
        let local_lo = ((lo - base) as usize).min(local_hi);
        let local = attack(&self.prefix[..=len], local_lo, local_hi, self.w);
        let sample = base + local as u64;
        // A new sound rises: the level over the RISE_WINDOWS attack windows after the attack is
        // at least RISE times the level over as many before it. A ringing drum's tail, its
        // noise flickering as it decays, makes flux peaks too (a performer check: a snare gave
        // 2 or 3 taps a hit), but does not rise so.
        let p = &self.prefix;
        let after = p[(local + rw).min(len)] - p[local];
        let before = p[local] - p[local.saturating_sub(rw)];
        if after < RISE * before {
            return;
        }
        if let Some(last) = self.last_onset {
            if sample < last + self.settings.gap {
                return;
            }
        }
        let peak_len = (PEAK_SECS * f64::from(self.rate)).round() as u64;
        let mut peak_level = 0.0f32;
        let mut i = sample;
        while i < (sample + peak_len.max(1)).min(self.pos) {
            peak_level = peak_level.max(self.at(i as i64).abs());
            i += 1;
        }
        if peak_level < self.settings.gate {
            return;
        }
        self.last_onset = Some(sample);
        found(StreamOnset {
            sample,
            strength,
            peak: peak_level,
        });
    }
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

    /// Four decaying square-wave clicks in 2 s at 44.1 kHz: the rate, the signal, the attacks.
    fn clicks() -> (u32, Vec<f32>, [usize; 4]) {
        let rate = 44_100;
        let mut x = vec![0.0f32; rate as usize * 2];
        let at = [10_000usize, 30_001, 52_345, 70_000];
        for &a in &at {
            for i in 0..400 {
                x[a + i] += 0.5 * (-(i as f32) / 60.0).exp() * ((i as f32) * 0.9).sin().signum();
            }
        }
        (rate, x, at)
    }

    #[test]
    fn clicks_are_found_to_the_sample() {
        let (rate, x, at) = clicks();
        let o = detect(&x, rate);
        let found: Vec<f64> = o.peaks.iter().map(|p| p.sample).collect();
        assert_eq!(found.len(), at.len(), "{found:?}");
        for (f, a) in found.iter().zip(at) {
            assert!((f - a as f64).abs() <= 2.0, "{f} vs {a}");
        }
    }

    #[test]
    fn the_stream_finds_the_clicks_the_offline_detector_finds() {
        let (rate, x, _) = clicks();
        let offline: Vec<u64> = detect(&x, rate)
            .peaks
            .iter()
            .map(|p| p.sample as u64)
            .collect();
        let mut s = OnsetStream::new(rate);
        let mut found = Vec::new();
        for block in x.chunks(64) {
            let heard = s.position() + block.len() as u64;
            s.push(block, &mut |o| found.push((o, heard)));
        }
        let samples: Vec<u64> = found.iter().map(|(o, _)| o.sample).collect();
        assert_eq!(samples, offline);
        for (o, heard) in &found {
            assert!(
                *heard - o.sample <= s.max_delay() + 64,
                "{o:?} known at {heard}"
            );
            assert!((o.peak - 0.5).abs() < 0.05, "{o:?}");
        }
    }

    /// A performer who claps as DSP starts: an attack on the stream's very first samples is
    /// heard (it was missed: the first frame had no history to take a median of).
    #[test]
    fn the_stream_hears_an_attack_on_its_first_samples() {
        let (rate, mut x, _) = clicks();
        for (i, v) in x.iter_mut().enumerate().take(400) {
            *v += 0.5 * (-(i as f32) / 60.0).exp() * ((i as f32) * 0.9).sin().signum();
        }
        let mut s = OnsetStream::new(rate);
        let mut found = Vec::new();
        for block in x.chunks(64) {
            s.push(block, &mut |o| found.push(o.sample));
        }
        assert_eq!(found.len(), 5, "{found:?}");
        assert!(found[0] <= 2, "{found:?}");
    }

    #[test]
    fn median() {
        let m = running_median(&[1.0, 5.0, 2.0, 8.0, 3.0], 1);
        assert_eq!(m, vec![5.0, 2.0, 5.0, 3.0, 8.0]);
    }
}
