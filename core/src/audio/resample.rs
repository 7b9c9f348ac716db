//! Band-limited sample-rate conversion (rubato's synchronous FFT resampler).

use super::check_audio;
use crate::error::{Error, Result};
use crate::wav::{check_sample_rate, Audio};
use rubato::audioadapter::Adapter;
use rubato::audioadapter_buffers::direct::SequentialSliceOfVecs;
use rubato::{Fft, FixedSync, Resampler};

/// Input chunk of the FFT resampler, in frames.
const CHUNK: usize = 1024;

/// Resample `audio` to `to_rate` Hz with a band-limited resampler (rubato's `Fft`: the spectrum
/// of each chunk is cut at the lower of the two Nyquist frequencies with a Blackman-Harris
/// anti-aliasing window, then transformed back at the new rate). The output has
/// `round(frames * to_rate / sample_rate)` frames and is aligned with the input (the
/// resampler's delay is removed): an attack at input time t is at output time t. The same rate
/// gives a copy.
pub fn resample(audio: &Audio, to_rate: u32) -> Result<Audio> {
    check_audio(audio)?;
    check_sample_rate(to_rate)?;
    if audio.sample_rate == to_rate {
        return Ok(audio.clone());
    }
    let problem = |e: &dyn std::fmt::Display| Error::invalid(format!("resampler: {e}"));
    let (channels, frames) = (audio.channels.len(), audio.frames());
    let mut resampler = Fft::<f32>::new(
        audio.sample_rate as usize,
        to_rate as usize,
        CHUNK,
        channels,
        FixedSync::Input,
    )
    .map_err(|e| problem(&e))?;
    let input =
        SequentialSliceOfVecs::new(&audio.channels, channels, frames).map_err(|e| problem(&e))?;
    let out = resampler
        .process_all(&input, frames, None)
        .map_err(|e| problem(&e))?;
    let wanted = ((frames as u128 * u128::from(to_rate) + u128::from(audio.sample_rate) / 2)
        / u128::from(audio.sample_rate)) as usize;
    let n = wanted.min(out.frames());
    let channels = (0..channels)
        .map(|c| {
            let mut v: Vec<f32> = (0..n)
                .map(|i| out.read_sample(c, i).unwrap_or(0.0))
                .collect();
            v.resize(wanted, 0.0);
            v
        })
        .collect();
    Ok(Audio {
        sample_rate: to_rate,
        channels,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(rate: u32, freq: f64, amp: f32, secs: f64) -> Audio {
        let n = (secs * f64::from(rate)) as usize;
        let c: Vec<f32> = (0..n)
            .map(|i| amp * (std::f64::consts::TAU * freq * i as f64 / f64::from(rate)).sin() as f32)
            .collect();
        Audio {
            sample_rate: rate,
            channels: vec![c.clone(), c],
        }
    }

    /// Amplitude of the component at `freq` (correlation with a quadrature pair).
    fn amplitude(x: &[f32], rate: u32, freq: f64) -> f64 {
        let (mut s, mut c) = (0.0, 0.0);
        for (i, v) in x.iter().enumerate() {
            let ph = std::f64::consts::TAU * freq * i as f64 / f64::from(rate);
            s += f64::from(*v) * ph.sin();
            c += f64::from(*v) * ph.cos();
        }
        2.0 * (s * s + c * c).sqrt() / x.len() as f64
    }

    #[test]
    fn upsampling_keeps_frequency_and_amplitude() {
        let a = sine(44_100, 1_000.0, 0.5, 1.0);
        let b = resample(&a, 48_000).unwrap();
        assert_eq!(b.frames(), 48_000);
        let mid = &b.channels[0][4_800..43_200];
        let amp = amplitude(mid, 48_000, 1_000.0);
        assert!((amp - 0.5).abs() < 0.005, "amplitude {amp}");
        // Off by 1 %, the correlation falls apart: the frequency is right.
        assert!(amplitude(mid, 48_000, 1_010.0) < 0.05);
        // Aligned: the phase at a given time is the input's.
        let t = 24_000;
        let expect = 0.5 * (std::f64::consts::TAU * 1_000.0 * t as f64 / 48_000.0).sin();
        assert!((f64::from(b.channels[1][t]) - expect).abs() < 0.01);
    }

    #[test]
    fn downsampling_removes_tones_above_the_new_nyquist() {
        // 30 kHz at 96 kHz to 44.1 kHz: it would alias to 14.1 kHz.
        let a = sine(96_000, 30_000.0, 0.5, 1.0);
        let b = resample(&a, 44_100).unwrap();
        let mid = &b.channels[0][4_410..39_690];
        let rms =
            (mid.iter().map(|v| f64::from(*v).powi(2)).sum::<f64>() / mid.len() as f64).sqrt();
        let db = 20.0 * (rms / (0.5 / 2f64.sqrt())).log10();
        assert!(db < -40.0, "alias at {db:.1} dB");
    }

    #[test]
    fn same_rate_is_a_copy_and_bad_input_is_refused() {
        let a = sine(48_000, 440.0, 0.5, 0.1);
        assert_eq!(resample(&a, 48_000).unwrap(), a);
        assert!(resample(&a, 10).is_err());
        let empty = Audio {
            sample_rate: 48_000,
            channels: vec![vec![]],
        };
        assert!(resample(&empty, 44_100).is_err());
        let odd = sine(44_101, 440.0, 0.5, 0.2);
        assert_eq!(resample(&odd, 48_000).unwrap().frames(), 9_600);
    }
}
