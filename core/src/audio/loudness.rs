//! Integrated loudness (ITU-R BS.1770-4 / EBU R128) and loudness normalization.

use super::check_audio;
use crate::error::{Error, Result};
use crate::wav::Audio;

/// [`normalize`] never lets a sample peak above this, in dBFS.
pub const MAX_NORMALIZE_PEAK_DBFS: f64 = -1.0;

/// Lowest sample rate [`loudness_lufs`] measures at, in Hz: K-weighting's shelf sits at 1.7 kHz.
pub const MIN_LOUDNESS_RATE: u32 = 8_000;

/// A biquad's coefficients (`a` without the leading 1), f64.
#[derive(Clone, Copy)]
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
}

/// The two K-weighting stages at `rate` (BS.1770's pre-filter, a high shelf of about +4 dB
/// above 1.5 kHz, then the RLB high-pass at about 38 Hz), designed for any rate from the
/// analogue prototypes as libebur128 does; at 48 kHz they match the coefficients BS.1770 lists.
fn k_weighting(rate: u32) -> [Biquad; 2] {
    let fs = f64::from(rate);
    let (f0, g, q) = (1681.974450955533, 3.999843853973347, 0.7071752369554196);
    let k = (std::f64::consts::PI * f0 / fs).tan();
    let vh = 10f64.powf(g / 20.0);
    let vb = vh.powf(0.4996667741545416);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Biquad {
        b: [
            (vh + vb * k / q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / q + k * k) / a0,
        ],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    };
    let (f0, q) = (38.13547087602444, 0.5003270373238773);
    let k = (std::f64::consts::PI * f0 / fs).tan();
    let a0 = 1.0 + k / q + k * k;
    let highpass = Biquad {
        b: [1.0, -2.0, 1.0],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    };
    [shelf, highpass]
}

/// Mean squares of the K-weighted channel over 400 ms blocks overlapping by 75 % (a step of
/// 100 ms); one block over everything when the audio is shorter than 400 ms.
fn block_powers(x: &[f32], rate: u32) -> Vec<f64> {
    let [mut s1, mut s2] = k_weighting(rate).map(Filter::new);
    let mut prefix = Vec::with_capacity(x.len() + 1);
    let mut sum = 0.0f64;
    prefix.push(sum);
    for &v in x {
        let y = s2.run(s1.run(f64::from(v)));
        sum += y * y;
        prefix.push(sum);
    }
    let step = (rate as usize / 10).max(1);
    let block = 4 * step;
    let n = x.len();
    if n < block {
        return vec![sum / n.max(1) as f64];
    }
    (0..=(n - block) / step)
        .map(|j| (prefix[j * step + block] - prefix[j * step]) / block as f64)
        .collect()
}

/// A biquad with its state (transposed direct form II).
struct Filter {
    q: Biquad,
    z1: f64,
    z2: f64,
}

impl Filter {
    fn new(q: Biquad) -> Filter {
        Filter {
            q,
            z1: 0.0,
            z2: 0.0,
        }
    }

    fn run(&mut self, u: f64) -> f64 {
        let Biquad { b, a } = self.q;
        let y = b[0] * u + self.z1;
        self.z1 = b[1] * u - a[0] * y + self.z2;
        self.z2 = b[2] * u - a[1] * y;
        y
    }
}

/// Integrated loudness in LUFS (ITU-R BS.1770-4, EBU R128): K-weighting, mean square per
/// channel over 400 ms blocks every 100 ms, channels summed with weight 1 (left, right; a mono
/// fragment is one channel, as BS.1770 specifies, so it reads 3 dB below the same signal as
/// dual mono), blocks under -70 LUFS dropped (absolute gate), then blocks more than 10 LU under
/// the mean of the rest dropped (relative gate). Audio shorter than 400 ms is measured as one
/// block. Audio with nothing above the absolute gate is an error ("silent").
pub fn loudness_lufs(audio: &Audio) -> Result<f64> {
    check_audio(audio)?;
    if audio.sample_rate < MIN_LOUDNESS_RATE {
        return Err(Error::invalid(format!(
            "loudness needs a sample rate of at least {MIN_LOUDNESS_RATE} Hz (K-weighting), \
             not {} Hz",
            audio.sample_rate
        )));
    }
    let powers: Vec<Vec<f64>> = audio
        .channels
        .iter()
        .map(|c| block_powers(c, audio.sample_rate))
        .collect();
    let blocks: Vec<f64> = (0..powers[0].len())
        .map(|j| powers.iter().map(|p| p[j]).sum())
        .collect();
    let lufs = |z: f64| -0.691 + 10.0 * z.log10();
    let gated =
        |min: f64| -> Vec<f64> { blocks.iter().copied().filter(|&z| lufs(z) > min).collect() };
    let above = gated(-70.0);
    if above.is_empty() {
        return Err(Error::invalid(
            "the fragment is silent (its loudness is below the -70 LUFS gate)",
        ));
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let relative = lufs(mean(&above)) - 10.0;
    let kept: Vec<f64> = above.into_iter().filter(|&z| lufs(z) > relative).collect();
    let l = lufs(mean(&kept));
    if !l.is_finite() {
        return Err(Error::invalid(
            "the loudness cannot be measured (not finite)",
        ));
    }
    Ok(l)
}

/// Scale `audio` to `target_lufs` integrated loudness (-70..=0 LUFS), returning it and the gain
/// applied in dB. The gain is lowered, if need be, so that no sample peaks above
/// [`MAX_NORMALIZE_PEAK_DBFS`] (-1 dBFS, sample peak: no limiter, no true-peak oversampling);
/// the result is then quieter than the target, by the gain reduction.
pub fn normalize(audio: &Audio, target_lufs: f64) -> Result<(Audio, f64)> {
    if !target_lufs.is_finite() || !(-70.0..=0.0).contains(&target_lufs) {
        return Err(Error::invalid(format!(
            "loudness target {target_lufs} LUFS is out of range (-70..0)"
        )));
    }
    let now = loudness_lufs(audio)?;
    let peak = audio
        .channels
        .iter()
        .flatten()
        .fold(0f32, |m, v| m.max(v.abs()));
    let peak_db = 20.0 * f64::from(peak).log10();
    let gain_db = (target_lufs - now).min(MAX_NORMALIZE_PEAK_DBFS - peak_db);
    let g = 10f64.powf(gain_db / 20.0) as f32;
    let channels = audio
        .channels
        .iter()
        .map(|c| c.iter().map(|v| v * g).collect())
        .collect();
    Ok((
        Audio {
            sample_rate: audio.sample_rate,
            channels,
        },
        gain_db,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f64, dbfs: f64, secs: f64, chans: usize) -> Audio {
        let amp = 10f64.powf(dbfs / 20.0);
        let c: Vec<f32> = (0..(secs * f64::from(rate)) as usize)
            .map(|i| {
                (amp * (std::f64::consts::TAU * freq * i as f64 / f64::from(rate)).sin()) as f32
            })
            .collect();
        Audio {
            sample_rate: rate,
            channels: vec![c; chans],
        }
    }

    #[test]
    fn ebu_tech_3341_case_1_and_2() {
        // Stereo 1 kHz at -23 dBFS per channel reads -23.0 LUFS; at -33 dBFS, -33.0.
        for rate in [44_100, 48_000] {
            let l = loudness_lufs(&sine(rate, 1_000.0, -23.0, 20.0, 2)).unwrap();
            assert!((l + 23.0).abs() < 0.1, "{rate}: {l}");
            let l = loudness_lufs(&sine(rate, 1_000.0, -33.0, 20.0, 2)).unwrap();
            assert!((l + 33.0).abs() < 0.1, "{rate}: {l}");
        }
        // Mono 1 kHz at -20 dBFS: about -23 LUFS.
        let l = loudness_lufs(&sine(48_000, 1_000.0, -20.0, 5.0, 1)).unwrap();
        assert!((l + 23.0).abs() < 0.1, "{l}");
    }

    #[test]
    fn gating() {
        // EBU Tech 3341 case 3: -36 dBFS 10 s, -23 dBFS 60 s, -36 dBFS 10 s reads -23.0 (the
        // quiet parts are under the relative gate).
        let mut a = sine(48_000, 1_000.0, -36.0, 10.0, 2);
        let b = sine(48_000, 1_000.0, -23.0, 60.0, 2);
        for (c, d) in a.channels.iter_mut().zip(&b.channels) {
            let q = c.clone();
            c.extend_from_slice(d);
            c.extend_from_slice(&q);
        }
        let l = loudness_lufs(&a).unwrap();
        assert!((l + 23.0).abs() < 0.1, "{l}");
        let quiet = sine(48_000, 1_000.0, -90.0, 2.0, 2);
        assert!(loudness_lufs(&quiet).is_err());
    }

    #[test]
    fn normalizing() {
        let a = sine(44_100, 440.0, -30.0, 4.0, 2);
        let (b, g) = normalize(&a, -16.0).unwrap();
        assert!((loudness_lufs(&b).unwrap() + 16.0).abs() < 0.5);
        assert!(g > 10.0);
        // Too loud a target for the peak: held at -1 dBFS.
        let (c, _) = normalize(&a, 0.0).unwrap();
        let peak = c.channels[0].iter().fold(0f32, |m, v| m.max(v.abs()));
        assert!(peak <= 10f32.powf(-1.0 / 20.0) * 1.0001, "{peak}");
        assert!(normalize(&a, f64::NAN).is_err());
        assert!(normalize(&a, 6.0).is_err());
    }
}
