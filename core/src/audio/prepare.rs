//! The whole chain: resample, trim, estimate the tempo, quantize, normalize.

use super::{
    check_audio, check_length, estimate_tempo, loudness_lufs, normalize, quantize, resample, trim,
    QuantizeMode, QuantizeOptions, QuantizeReport, TempoEstimate, TempoOptions, TrimOptions,
    TrimReport,
};
use crate::error::{Error, Result};
use crate::wav::Audio;

/// Longest input [`prepare`] (and every function of this module) takes, in seconds (10 min).
pub const MAX_PREPARE_SECONDS: f64 = 600.0;

/// What [`prepare`] does. Default: no resampling, trim with [`TrimOptions::default`], tempo
/// search 60..200 BPM, no quantization, no normalization.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepare {
    /// Resample to this rate first (None: keep the rate).
    pub sample_rate: Option<u32>,
    /// Trim silence (None: don't).
    pub trim: Option<TrimOptions>,
    /// The tempo search (always run: it is reported).
    pub tempo: TempoOptions,
    /// Fit to the set's grid and cut a loop (None: don't).
    pub quantize: Option<QuantizeOptions>,
    /// Normalize to this integrated loudness, in LUFS (None: don't).
    pub normalize_lufs: Option<f64>,
}

impl Default for Prepare {
    fn default() -> Self {
        Prepare {
            sample_rate: None,
            trim: Some(TrimOptions::default()),
            tempo: TempoOptions::default(),
            quantize: None,
            normalize_lufs: None,
        }
    }
}

/// What [`prepare`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepareReport {
    /// Input length and rate.
    pub input_secs: f64,
    pub input_rate: u32,
    /// The rate resampled to, if it was.
    pub resampled_to: Option<u32>,
    pub trim: Option<TrimReport>,
    /// The tempo of the (resampled, trimmed) fragment.
    pub tempo: TempoEstimate,
    pub quantize: Option<QuantizeReport>,
    /// Loudness before normalizing and the gain applied, if normalized.
    pub loudness_before: Option<f64>,
    pub gain_db: Option<f64>,
    /// Loudness of the result (measured when normalized).
    pub loudness_after: Option<f64>,
    /// Output length.
    pub output_secs: f64,
}

impl PrepareReport {
    /// One line for a host console, e.g. `trimmed 3.2 s, 118.2 BPM (confidence 0.91), warped
    /// to 120 BPM, 4 bars, -14.0 LUFS`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(r) = self.resampled_to {
            parts.push(format!("resampled {} -> {r} Hz", self.input_rate));
        }
        if let Some(t) = &self.trim {
            parts.push(format!("trimmed {:.1} s", t.removed_secs));
        }
        let sure = if self.tempo.confidence < super::MIN_CONFIDENCE {
            ", unsure"
        } else {
            ""
        };
        parts.push(format!(
            "{:.1} BPM (confidence {:.2}{sure})",
            self.tempo.bpm, self.tempo.confidence
        ));
        if let Some(q) = &self.quantize {
            if q.applied {
                let verb = match q.mode {
                    QuantizeMode::Warp => "warped",
                    _ => "stretched",
                };
                parts.push(format!(
                    "{verb} to {} BPM, {} bar{}",
                    trim_float(q.target_bpm),
                    q.bars,
                    if q.bars == 1 { "" } else { "s" }
                ));
            } else {
                parts.push(q.reason.clone());
            }
        }
        if let Some(l) = self.loudness_after {
            parts.push(format!("{l:.1} LUFS"));
        }
        parts.push(format!("{:.2} s", self.output_secs));
        parts.join(", ")
    }
}

fn trim_float(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Run the chain on `audio`: resample -> trim -> estimate the tempo -> quantize -> normalize
/// (each step as its function documents; see `docs/fragments.md`). Input longer than
/// [`MAX_PREPARE_SECONDS`] is refused before any work.
pub fn prepare(audio: &Audio, p: &Prepare) -> Result<(Audio, PrepareReport)> {
    if audio.sample_rate == 0 {
        return Err(Error::invalid("sample rate 0 Hz"));
    }
    check_length(audio)?;
    check_audio(audio)?;
    let input_rate = audio.sample_rate;
    let input_secs = audio.duration_secs();
    let mut cur = match p.sample_rate {
        Some(rate) => resample(audio, rate)?,
        None => audio.clone(),
    };
    let trim_report = match &p.trim {
        Some(opts) => {
            let (a, r) = trim(&cur, opts)?;
            cur = a;
            Some(r)
        }
        None => None,
    };
    let tempo = estimate_tempo(&cur, &p.tempo)?;
    let quantize_report = match &p.quantize {
        Some(opts) => {
            let (a, r) = quantize(&cur, &tempo, opts)?;
            cur = a;
            Some(r)
        }
        None => None,
    };
    let (mut before, mut gain, mut after) = (None, None, None);
    if let Some(target) = p.normalize_lufs {
        before = Some(loudness_lufs(&cur)?);
        let (a, g) = normalize(&cur, target)?;
        cur = a;
        gain = Some(g);
        after = Some(loudness_lufs(&cur)?);
    }
    let report = PrepareReport {
        input_secs,
        input_rate,
        resampled_to: p.sample_rate.filter(|r| *r != input_rate),
        trim: trim_report,
        tempo,
        quantize: quantize_report,
        loudness_before: before,
        gain_db: gain,
        loudness_after: after,
        output_secs: cur.duration_secs(),
    };
    Ok((cur, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Odd material at odd rates and lengths through the whole chain: an answer or an error,
    /// never a panic, and never a non-finite sample out.
    #[test]
    fn no_panic_on_odd_input() {
        let mut seed = 7u32;
        let mut rnd = move || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5
        };
        for rate in [1_000u32, 8_000, 44_100, 768_000] {
            for frames in [1usize, 2, 63, 1_000, 5_000, 20_000] {
                for shape in 0..5 {
                    let c: Vec<f32> = (0..frames)
                        .map(|i| match shape {
                            0 => rnd(),
                            1 => 0.5,
                            2 => f32::from(i % 500 == 0),
                            3 => 1e-30,
                            _ => (i as f32 * 0.3).sin() * f32::from(i % 3_000 < 1_500),
                        })
                        .collect();
                    let a = Audio {
                        sample_rate: rate,
                        channels: vec![c.clone(), c],
                    };
                    for mode in [QuantizeMode::Stretch, QuantizeMode::Warp] {
                        let p = Prepare {
                            quantize: Some(QuantizeOptions {
                                mode,
                                min_confidence: 0.0,
                                ..Default::default()
                            }),
                            normalize_lufs: Some(-14.0),
                            ..Default::default()
                        };
                        if let Ok((out, _)) = prepare(&a, &p) {
                            assert!(out.frames() > 0);
                            assert!(out.channels.iter().flatten().all(|v| v.is_finite()));
                        }
                    }
                    if frames <= 5_000 {
                        for f in [0.25, 4.0] {
                            if let Ok(s) = super::super::stretch(&a, f) {
                                assert!(s.channels.iter().flatten().all(|v| v.is_finite()));
                            }
                        }
                        let _ = resample(&a, 48_000);
                    }
                }
            }
        }
    }
}
