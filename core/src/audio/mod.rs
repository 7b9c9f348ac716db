//! Preparing audio fragments (from text-to-audio models, recordings, renders) for the fragment
//! bank: band-limited resampling, silence trimming, onset and tempo detection with beat tracking,
//! pitch-keeping time stretching and warping, quantization to the set's grid with a seamless
//! loop point, and loudness normalization (ITU-R BS.1770).
//!
//! Every function is pure (audio in, audio and a report out), allocates freely (call it on a
//! worker thread, never on the audio thread) and never panics: empty audio, non-finite samples,
//! absurd parameters are [`Error`]s with a one-line message. See
//! `docs/fragments.md` for the algorithms, the parameters and their limits.
//!
//! [`prepare`] runs the whole chain: resample, trim, estimate the tempo, quantize, normalize.

mod loudness;
mod onset;
pub use onset::{
    OnsetStream, StreamOnset, StreamSettings, DEFAULT_GAP_SECS, DEFAULT_RATIO, PEAK_SECS,
};
mod prepare;
mod quantize;
mod resample;
mod stretch;
mod tempo;
mod trim;

pub use loudness::{loudness_lufs, normalize, MAX_NORMALIZE_PEAK_DBFS, MIN_LOUDNESS_RATE};
pub use prepare::{prepare, Prepare, PrepareReport, MAX_PREPARE_SECONDS};
pub use quantize::{quantize, QuantizeMode, QuantizeOptions, QuantizeReport, LOOP_CROSSFADE_MS};
pub use resample::resample;
pub use stretch::{stretch, stretch_loop, warp, MAX_STRETCH, MIN_STRETCH};
pub use tempo::{estimate_tempo, TempoEstimate, TempoOptions, MIN_CONFIDENCE};
pub use trim::{
    find_silences, trim, Silence, SilenceKind, TrimOptions, TrimReport, NOISE_BURST_MARGIN_DB,
    NOISE_BURST_MS,
};

use crate::error::{Error, Result};
use crate::wav::{check_sample_rate, Audio};

/// Check that `audio` is something the functions here can work on: 1 or 2 channels of equal
/// length, at least one frame, a supported sample rate, finite samples, and no longer than
/// [`MAX_PREPARE_SECONDS`].
pub(crate) fn check_audio(audio: &Audio) -> Result<()> {
    let channels = audio.channels.len();
    if !(1..=2).contains(&channels) {
        return Err(Error::invalid(format!(
            "audio has {channels} channels (mono or stereo only)"
        )));
    }
    check_sample_rate(audio.sample_rate)?;
    let frames = audio.frames();
    if let Some(other) = audio.channels.iter().find(|c| c.len() != frames) {
        return Err(Error::invalid(format!(
            "audio channels of different lengths ({frames} and {} frames)",
            other.len()
        )));
    }
    if frames == 0 {
        return Err(Error::invalid("the audio is empty (0 frames)"));
    }
    check_length(audio)?;
    for (c, samples) in audio.channels.iter().enumerate() {
        if let Some(i) = samples.iter().position(|s| !s.is_finite()) {
            return Err(Error::invalid(format!(
                "sample {i} of channel {c} is {} (samples must be finite)",
                samples[i]
            )));
        }
    }
    Ok(())
}

/// The length check alone (cheap: done before anything else).
pub(crate) fn check_length(audio: &Audio) -> Result<()> {
    let secs = audio.frames() as f64 / f64::from(audio.sample_rate.max(1));
    if secs > MAX_PREPARE_SECONDS {
        return Err(Error::invalid(format!(
            "the audio is absurdly long: {secs:.0} s (the limit is {MAX_PREPARE_SECONDS:.0} s)"
        )));
    }
    Ok(())
}

/// The channels averaged to one.
pub(crate) fn mono(audio: &Audio) -> Vec<f32> {
    match audio.channels.as_slice() {
        [one] => one.clone(),
        [l, r] => l.iter().zip(r).map(|(a, b)| 0.5 * (a + b)).collect(),
        _ => Vec::new(),
    }
}

/// Milliseconds to frames at `rate`, rounded.
pub(crate) fn ms_to_frames(ms: f64, rate: u32) -> usize {
    (ms * f64::from(rate) / 1000.0).round().max(0.0) as usize
}

/// Raised-cosine fade gain for position `i` of `n` (0 at the start, rising to 1 at the end).
pub(crate) fn fade_gain(i: usize, n: usize) -> f32 {
    if n == 0 {
        return 1.0;
    }
    let x = (i as f64 + 0.5) / n as f64;
    (0.5 - 0.5 * (std::f64::consts::PI * x).cos()) as f32
}
