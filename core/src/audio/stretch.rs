//! Pitch-keeping time stretching and warping: a phase vocoder with identity phase locking
//! (Laroche & Dolson 1999), phases reset at onsets to keep attacks sharp, one phase advance for
//! both channels of a stereo signal so the image does not smear.

use super::onset;
use super::{check_audio, mono};
use crate::error::{Error, Result};
use crate::wav::Audio;
use realfft::num_complex::Complex;
use realfft::RealFftPlanner;
use std::f32::consts::{PI, TAU};

/// Smallest stretch factor (output duration / input duration), overall or for a segment of a
/// warp map: 4x faster.
pub const MIN_STRETCH: f64 = 0.25;
/// Largest stretch factor: 4x slower (quarter time).
pub const MAX_STRETCH: f64 = 4.0;
/// Longest output, in seconds.
const MAX_OUTPUT_SECS: f64 = 4.0 * super::MAX_PREPARE_SECONDS;

/// Stretch `audio` in time by `factor` (output duration / input duration; 2 = half time,
/// [`MIN_STRETCH`]..=[`MAX_STRETCH`]) keeping its pitch. The output has
/// `round(frames * factor)` frames. Same as [`warp`] with the map `[(0, 0), (d, d * factor)]`.
pub fn stretch(audio: &Audio, factor: f64) -> Result<Audio> {
    check_audio(audio)?;
    if !factor.is_finite() || !(MIN_STRETCH..=MAX_STRETCH).contains(&factor) {
        return Err(Error::invalid(format!(
            "stretch factor {factor} is out of range ({MIN_STRETCH}..{MAX_STRETCH})"
        )));
    }
    let d = audio.duration_secs();
    warp(audio, &[(0.0, 0.0), (d, d * factor)])
}

/// [`stretch`] for a loop: the result loops as seamlessly as `audio` does. The loop is
/// stretched with a second of its own end before it and of its start after it (so the
/// vocoder sees what surrounds each end when it loops), one period is cut from the middle, and
/// its last milliseconds are crossfaded into the stretched audio just before its start, which
/// is what flows into its first sample.
pub fn stretch_loop(audio: &Audio, factor: f64) -> Result<Audio> {
    check_audio(audio)?;
    let n = audio.frames();
    let rate = audio.sample_rate as usize;
    let pad = n.min(rate);
    let padded = Audio {
        sample_rate: audio.sample_rate,
        channels: audio
            .channels
            .iter()
            .map(|c| {
                let mut v = Vec::with_capacity(n + 2 * pad);
                v.extend_from_slice(&c[n - pad..]);
                v.extend_from_slice(c);
                v.extend_from_slice(&c[..pad]);
                v
            })
            .collect(),
    };
    let y = stretch(&padded, factor)?;
    let m = (n as f64 * factor).round() as usize;
    let start = (pad as f64 * factor).round() as usize;
    // 5 ms, or a quarter of the loop, of crossfade (and no more than the padding gives)
    let fade = (rate / 200).min(m / 4).min(start);
    let channels = y
        .channels
        .iter()
        .map(|c| {
            let mut out = c[start..start + m].to_vec();
            for i in 0..fade {
                let w = (i + 1) as f32 / (fade + 1) as f32;
                let k = m - fade + i;
                out[k] = out[k] * (1.0 - w) + c[start - fade + i] * w;
            }
            out
        })
        .collect();
    Ok(Audio {
        sample_rate: audio.sample_rate,
        channels,
    })
}

/// Warp `audio` in time along a piecewise-linear map of `(input seconds, output seconds)`
/// points, keeping its pitch. The points must be finite, non-negative and strictly increasing
/// in both coordinates, at least two, and every segment's slope (its stretch factor) within
/// [`MIN_STRETCH`]..=[`MAX_STRETCH`]. Before the first point and after the last, the map goes
/// on with the slope of the nearest segment. The output lasts until the last point's output
/// time: `round(last.1 * sample_rate)` frames.
pub fn warp(audio: &Audio, map: &[(f64, f64)]) -> Result<Audio> {
    check_audio(audio)?;
    check_map(map, audio.sample_rate)?;
    let onsets: Vec<f64> = onset::detect(&mono(audio), audio.sample_rate)
        .peaks
        .iter()
        .map(|p| p.sample)
        .collect();
    Ok(warp_with_onsets(audio, map, &onsets))
}

pub(crate) fn check_map(map: &[(f64, f64)], rate: u32) -> Result<()> {
    if map.len() < 2 {
        return Err(Error::invalid("a time map needs at least two points"));
    }
    for (i, &(a, b)) in map.iter().enumerate() {
        if !a.is_finite() || !b.is_finite() || a < 0.0 || b < 0.0 {
            return Err(Error::invalid(format!(
                "time map point {i} ({a}, {b}) is not finite and non-negative"
            )));
        }
    }
    for (i, w) in map.windows(2).enumerate() {
        let (di, dout) = (w[1].0 - w[0].0, w[1].1 - w[0].1);
        if di <= 0.0 || dout <= 0.0 {
            return Err(Error::invalid(format!(
                "time map points {i} and {} are not strictly increasing",
                i + 1
            )));
        }
        let slope = dout / di;
        if !(MIN_STRETCH * 0.999_999..=MAX_STRETCH * 1.000_001).contains(&slope) {
            return Err(Error::invalid(format!(
                "time map segment {i} stretches by {slope:.3} (the range is \
                 {MIN_STRETCH}..{MAX_STRETCH})"
            )));
        }
    }
    let last = map[map.len() - 1].1;
    if last * f64::from(rate) < 0.5 {
        return Err(Error::invalid(
            "the warped audio would be empty (under one frame)",
        ));
    }
    if last > MAX_OUTPUT_SECS {
        return Err(Error::invalid(format!(
            "the warped audio would last {last:.0} s (the limit is {MAX_OUTPUT_SECS:.0} s)"
        )));
    }
    Ok(())
}

/// Output seconds -> input seconds along the map (extended at both ends). `seg` is a cursor
/// that only moves forward, for increasing queries.
fn inverse(map: &[(f64, f64)], t: f64, seg: &mut usize) -> f64 {
    while *seg + 2 < map.len() && t >= map[*seg + 1].1 {
        *seg += 1;
    }
    let (a, b) = (map[*seg], map[*seg + 1]);
    a.0 + (t - a.1) * (b.0 - a.0) / (b.1 - a.1)
}

/// FFT size for a sample rate: the power of two nearest 46 ms (2048 at 44.1/48 kHz).
fn fft_size(rate: u32) -> usize {
    let p = (f64::from(rate) * 0.046).log2().round().clamp(6.0, 14.0);
    1usize << p as u32
}

/// The phase vocoder. `onsets`: attack positions in input samples, increasing; the frame whose
/// centre first passes each one has its phases reset to the input's.
pub(crate) fn warp_with_onsets(audio: &Audio, map: &[(f64, f64)], onsets: &[f64]) -> Audio {
    let rate = audio.sample_rate;
    let sr = f64::from(rate);
    let n = fft_size(rate);
    let hs = n / 4;
    let out_len = (map[map.len() - 1].1 * sr).round() as usize;
    let map = &protect_onsets(map, onsets, sr, n as f64 / 2.0 / sr);
    let bins = n / 2 + 1;
    let len_in = audio.frames();
    let chans = audio.channels.len();
    let mid: Vec<f32> = if chans == 2 {
        audio.channels[0]
            .iter()
            .zip(&audio.channels[1])
            .map(|(a, b)| a + b)
            .collect()
    } else {
        audio.channels[0].clone()
    };
    let window: Vec<f32> = (0..n)
        .map(|i| (0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / n as f64).cos()) as f32)
        .collect();
    let mut planner = RealFftPlanner::<f32>::new();
    let fwd = planner.plan_fft_forward(n);
    let inv = planner.plan_fft_inverse(n);
    let mut scratch =
        vec![Complex::new(0.0f32, 0.0); fwd.get_scratch_len().max(inv.get_scratch_len())];
    let mut frame = vec![0.0f32; n];
    let zero = Complex::new(0.0f32, 0.0);
    let mut spec: Vec<Vec<Complex<f32>>> = vec![vec![zero; bins]; chans];
    let mut prev_mid = vec![zero; bins];
    let mut cur_mid = vec![zero; bins];
    let mut synth_mid = vec![zero; bins]; // last frame's output spectrum of the mid
    let mut rot = vec![Complex::new(1.0f32, 0.0); bins];
    let mut mag = vec![0.0f32; bins];
    let mut peaks: Vec<usize> = Vec::with_capacity(bins / 2);
    let mut out: Vec<Vec<f32>> = vec![vec![0.0f32; out_len + n]; chans];
    let mut norm = vec![0.0f32; out_len + n];
    // Read a windowed frame of `src` centred on input sample `c` into `frame`.
    let load = |src: &[f32], c: isize, frame: &mut [f32]| {
        let start = c - (n / 2) as isize;
        for (i, v) in frame.iter_mut().enumerate() {
            let j = start + i as isize;
            *v = if j >= 0 && (j as usize) < len_in {
                src[j as usize] * window[i]
            } else {
                0.0
            };
        }
    };
    let mut seg = 0usize;
    let mut next_onset = 0usize;
    let mut first = true;
    let mut prev_centre = f64::MIN;
    // Output frames centred on m * hs, from before 0 so the start is fully covered.
    let mut m: isize = -((n / 2 / hs) as isize);
    loop {
        let c_out = m * hs as isize;
        if c_out - (n / 2) as isize >= out_len as isize {
            break;
        }
        let c_in_f = inverse(map, c_out as f64 / sr, &mut seg) * sr;
        let c_in = c_in_f.round() as isize;
        // Phase reset when an onset lies between the previous frame's centre and this one's.
        let mut reset = first;
        while next_onset < onsets.len() && onsets[next_onset] <= c_in_f {
            if onsets[next_onset] > prev_centre {
                reset = true;
            }
            next_onset += 1;
        }
        prev_centre = c_in_f;
        first = false;
        for (c, s) in spec.iter_mut().enumerate() {
            load(&audio.channels[c], c_in, &mut frame);
            let _ = fwd.process_with_scratch(&mut frame, s, &mut scratch);
        }
        if chans == 2 {
            for k in 0..bins {
                cur_mid[k] = spec[0][k] + spec[1][k];
            }
        } else {
            cur_mid.copy_from_slice(&spec[0]);
        }
        if reset {
            rot.iter_mut().for_each(|r| *r = Complex::new(1.0, 0.0));
        } else {
            // The mid one synthesis hop earlier in the input: the instantaneous frequency.
            load(&mid, c_in - hs as isize, &mut frame);
            let _ = fwd.process_with_scratch(&mut frame, &mut prev_mid, &mut scratch);
            for k in 0..bins {
                mag[k] = cur_mid[k].norm_sqr();
            }
            let floor = mag.iter().copied().fold(0.0f32, f32::max) * 1e-10;
            peaks.clear();
            for k in 1..bins - 1 {
                if mag[k] > floor && mag[k] > mag[k - 1] && mag[k] >= mag[k + 1] {
                    peaks.push(k);
                }
            }
            if peaks.is_empty() {
                rot.iter_mut().for_each(|r| *r = Complex::new(1.0, 0.0));
            } else {
                let mut lo = 0usize;
                for (pi, &p) in peaks.iter().enumerate() {
                    let omega = TAU * p as f32 / n as f32 * hs as f32;
                    let pa = cur_mid[p].arg();
                    let pp = prev_mid[p].arg();
                    let dev = wrap(pa - pp - omega);
                    let ps = if synth_mid[p].norm_sqr() > 0.0 {
                        synth_mid[p].arg()
                    } else {
                        pp
                    };
                    let phase = ps + omega + dev;
                    let r = Complex::from_polar(1.0, phase - pa);
                    // Region of influence: up to the lowest bin between this peak and the next.
                    let hi = match peaks.get(pi + 1) {
                        Some(&q) => (p..q).fold(p, |b, k| if mag[k] < mag[b] { k } else { b }),
                        None => bins,
                    };
                    rot[lo..hi].iter_mut().for_each(|x| *x = r);
                    lo = hi;
                }
            }
        }
        rot[0] = Complex::new(1.0, 0.0);
        rot[bins - 1] = Complex::new(1.0, 0.0);
        for k in 0..bins {
            synth_mid[k] = cur_mid[k] * rot[k];
        }
        let at = c_out - (n / 2) as isize;
        for (c, s) in spec.iter_mut().enumerate() {
            for (v, r) in s.iter_mut().zip(&rot) {
                *v *= *r;
            }
            s[0].im = 0.0;
            s[bins - 1].im = 0.0;
            let _ = inv.process_with_scratch(s, &mut frame, &mut scratch);
            let dst = &mut out[c];
            for (i, v) in frame.iter().enumerate() {
                let j = at + i as isize;
                if j >= 0 && (j as usize) < dst.len() {
                    dst[j as usize] += v * window[i];
                }
            }
        }
        for (i, w) in window.iter().enumerate() {
            let j = at + i as isize;
            if j >= 0 && (j as usize) < norm.len() {
                norm[j as usize] += w * w;
            }
        }
        m += 1;
    }
    // Overlap-add normalization: the window-square sum (1.5 in steady state for Hann at 75 %
    // overlap) and the inverse FFT's factor n.
    let floor = 0.1f32;
    for ch in &mut out {
        ch.truncate(out_len);
        for (v, w) in ch.iter_mut().zip(&norm) {
            *v /= w.max(floor) * n as f32;
        }
    }
    Audio {
        sample_rate: rate,
        channels: out,
    }
}

/// The map made locally unstretched (slope 1) within `half` seconds of every onset: each
/// onset keeps its place on the map, and every analysis frame that holds it is shifted by the
/// same amount, so the attack is reproduced whole instead of smeared into a pre-echo. The
/// stretch in between is increased to make up. The map is first extended by a second at both
/// ends (with the end segments' slopes). An onset whose protected stretch would leave its
/// neighbours too little room (slopes outside 0.1..10) is left unprotected.
fn protect_onsets(map: &[(f64, f64)], onsets: &[f64], sr: f64, half: f64) -> Vec<(f64, f64)> {
    let slope = |a: (f64, f64), b: (f64, f64)| (b.1 - a.1) / (b.0 - a.0);
    let (f0, f1) = (map[0], map[1]);
    let (l0, l1) = (map[map.len() - 2], map[map.len() - 1]);
    let mut ext = Vec::with_capacity(map.len() + 2);
    ext.push((f0.0 - 1.0, f0.1 - slope(f0, f1)));
    ext.extend_from_slice(map);
    ext.push((l1.0 + 1.0, l1.1 + slope(l0, l1)));
    let at = |t: f64| {
        let i = ext.partition_point(|p| p.0 <= t).clamp(1, ext.len() - 1);
        let (a, b) = (ext[i - 1], ext[i]);
        a.1 + (t - a.0) * slope(a, b)
    };
    // Protected intervals (input lo, hi) with their pinned outputs, merged where they touch.
    let mut iv: Vec<[(f64, f64); 2]> = Vec::new();
    for o in onsets.iter().map(|o| o / sr) {
        if o - half <= ext[0].0 || o + half >= ext[ext.len() - 1].0 {
            continue;
        }
        let (lo, hi) = ((o - half, at(o) - half), (o + half, at(o) + half));
        match iv.last_mut() {
            Some(last) if lo.0 <= last[1].0 => {
                // Merge: keep the first onset's start and this one's end.
                if hi.1 > last[0].1 {
                    last[1] = hi;
                }
            }
            _ => iv.push([lo, hi]),
        }
    }
    let ok = |a: (f64, f64), b: (f64, f64)| {
        b.0 - a.0 > 1e-9 && b.1 - a.1 > 1e-9 && (0.1..=10.0).contains(&slope(a, b))
    };
    let mut out: Vec<(f64, f64)> = vec![ext[0]];
    let mut u = 1; // next user point
    for [lo, hi] in iv {
        while u < ext.len() && ext[u].0 < lo.0 {
            out.push(ext[u]);
            u += 1;
        }
        let last = out[out.len() - 1];
        let next_user = ext[u..].iter().find(|p| p.0 > hi.0).copied();
        let fits = ok(last, lo) && ok(lo, hi) && next_user.is_none_or(|n| ok(hi, n));
        if fits {
            out.push(lo);
            out.push(hi);
            while u < ext.len() && ext[u].0 <= hi.0 {
                u += 1;
            }
        }
    }
    out.extend_from_slice(&ext[u..]);
    out
}

/// An angle wrapped to -pi..pi.
fn wrap(x: f32) -> f32 {
    x - TAU * ((x + PI) / TAU).floor()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_bad_factors() {
        let a = Audio {
            sample_rate: 44_100,
            channels: vec![vec![0.1; 44_100], vec![-0.1; 44_100]],
        };
        assert_eq!(stretch(&a, 2.0).unwrap().frames(), 88_200);
        assert_eq!(stretch(&a, 0.5).unwrap().frames(), 22_050);
        for f in [0.0, 0.1, 5.0, f64::NAN, -1.0] {
            assert!(stretch(&a, f).is_err(), "{f}");
        }
        assert!(warp(&a, &[(0.0, 0.0)]).is_err());
        assert!(warp(&a, &[(0.0, 0.0), (0.5, 0.0)]).is_err());
        assert!(warp(&a, &[(0.0, 0.0), (0.5, 3.0)]).is_err());
        assert!(warp(&a, &[(0.0, 0.0), (0.5, 0.5), (0.4, 0.6)]).is_err());
        // Steady DC-ish level is kept.
        let b = stretch(&a, 1.5).unwrap();
        let v = b.channels[0][30_000];
        assert!((v - 0.1).abs() < 0.01, "{v}");
    }

    #[test]
    fn wraps() {
        assert!((wrap(3.0 * PI) - PI).abs() < 1e-5 || (wrap(3.0 * PI) + PI).abs() < 1e-5);
        assert!((wrap(0.5) - 0.5).abs() < 1e-6);
        assert!((wrap(-TAU - 0.5) + 0.5).abs() < 1e-5);
    }
}
