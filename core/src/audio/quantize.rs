//! Fitting a fragment to the set's tempo and cutting a seamless loop of whole bars.

use super::stretch::{check_map, warp_with_onsets, MAX_STRETCH, MIN_STRETCH};
use super::tempo::{TempoEstimate, MIN_CONFIDENCE};
use super::{check_audio, fade_gain, ms_to_frames};
use crate::error::{Error, Result};
use crate::pattern::check_bpm;
use crate::wav::Audio;

/// Length of the crossfade that closes the loop, in ms: the loop's last 5 ms fade into the
/// material just before its first sample, so playing it end-to-start is continuous.
pub const LOOP_CROSSFADE_MS: f64 = 5.0;

/// How [`quantize`] fits the fragment to the grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QuantizeMode {
    /// Leave the fragment as it is.
    Off,
    /// Stretch the whole fragment by `est.bpm / bpm` (pitch kept): its mean tempo becomes the
    /// set's; drift stays.
    #[default]
    Stretch,
    /// Move every detected beat onto the grid (beat k at k * 60 / bpm s after the first),
    /// stretching each beat's stretch of audio on its own (pitch kept): drift is removed.
    Warp,
}

/// The set's grid and how to fit to it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizeOptions {
    /// The set's tempo, in BPM (20..=400).
    pub bpm: f64,
    pub mode: QuantizeMode,
    /// Beats per bar (1..=16; default 4).
    pub beats_per_bar: u32,
    /// Below this tempo confidence the fragment is left as it is (0..=1; default
    /// [`MIN_CONFIDENCE`]).
    pub min_confidence: f32,
    /// At most this many bars in the loop (None: as many whole bars as the fragment holds).
    pub max_bars: Option<u32>,
}

impl Default for QuantizeOptions {
    fn default() -> Self {
        QuantizeOptions {
            bpm: 120.0,
            mode: QuantizeMode::Stretch,
            beats_per_bar: 4,
            min_confidence: MIN_CONFIDENCE,
            max_bars: None,
        }
    }
}

impl QuantizeOptions {
    fn check(&self) -> Result<()> {
        check_bpm(self.bpm)?;
        if !(1..=16).contains(&self.beats_per_bar) {
            return Err(Error::invalid(format!(
                "{} beats per bar is out of range (1..16)",
                self.beats_per_bar
            )));
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(Error::invalid(format!(
                "minimum confidence {} is out of range (0..1)",
                self.min_confidence
            )));
        }
        if self.max_bars == Some(0) {
            return Err(Error::invalid("max_bars must be at least 1"));
        }
        Ok(())
    }
}

/// What [`quantize`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizeReport {
    /// Whether the fragment was fitted and cut; when not, it is returned as it was.
    pub applied: bool,
    /// Why not, or what was done, in words.
    pub reason: String,
    pub mode: QuantizeMode,
    /// The fragment's tempo (from the estimate) and the set's.
    pub source_bpm: f64,
    pub target_bpm: f64,
    pub confidence: f32,
    /// The overall stretch factor (output / input duration) before the cut.
    pub factor: f64,
    /// Bars in the loop, and its length in frames (exactly `bars * beats_per_bar * 60 / bpm`
    /// seconds, rounded to the frame).
    pub bars: u32,
    pub loop_frames: usize,
    /// Where the loop starts in the input, in seconds (the beat it starts on).
    pub loop_start_secs: f64,
}

/// Fit `audio` to the grid of `opts.bpm` using its tempo estimate `est` (from
/// [`estimate_tempo`](super::estimate_tempo) on this same audio), then cut a loop of whole bars
/// starting on the first beat found (taken as the downbeat; a beat at the very start counts),
/// closed by a crossfade into the audio before that beat (silence when there is none). The output's sample 0
/// is that beat, and beat k of the loop is at `k * 60 / bpm` s. Left as it is (with
/// `applied: false` and the reason) when the mode is Off, the confidence is under
/// `min_confidence`, there are too few beats for a bar, or the fit would stretch beyond
/// [`MIN_STRETCH`]..=[`MAX_STRETCH`].
pub fn quantize(
    audio: &Audio,
    est: &TempoEstimate,
    opts: &QuantizeOptions,
) -> Result<(Audio, QuantizeReport)> {
    check_audio(audio)?;
    opts.check()?;
    if !est.bpm.is_finite()
        || est.bpm <= 0.0
        || !est.confidence.is_finite()
        || est.beats.iter().chain(&est.onsets).any(|b| !b.is_finite())
    {
        return Err(Error::invalid("the tempo estimate is not finite"));
    }
    let mut report = QuantizeReport {
        applied: false,
        reason: String::new(),
        mode: opts.mode,
        source_bpm: est.bpm,
        target_bpm: opts.bpm,
        confidence: est.confidence,
        factor: 1.0,
        bars: 0,
        loop_frames: 0,
        loop_start_secs: 0.0,
    };
    let unchanged = |mut report: QuantizeReport, reason: String| {
        report.reason = reason;
        Ok((audio.clone(), report))
    };
    let bpb = opts.beats_per_bar as usize;
    if opts.mode == QuantizeMode::Off {
        return unchanged(report, "quantize is off".into());
    }
    if est.confidence < opts.min_confidence {
        return unchanged(
            report,
            format!(
                "left as is: tempo unsure (confidence {:.2} < {:.2})",
                est.confidence, opts.min_confidence
            ),
        );
    }
    if est.beats.len() < bpb + 1 {
        return unchanged(
            report,
            format!(
                "left as is: {} beats found, too few for one bar of {bpb}",
                est.beats.len()
            ),
        );
    }
    let rate = audio.sample_rate;
    let sr = f64::from(rate);
    let dur = audio.duration_secs();
    let t_src = 60.0 / est.bpm;
    let t_out = 60.0 / opts.bpm;
    let global = t_out / t_src;
    report.factor = global;
    if !(MIN_STRETCH..=MAX_STRETCH).contains(&global) {
        return unchanged(
            report,
            format!(
                "left as is: {:.1} to {:.1} BPM needs too much stretching",
                est.bpm, opts.bpm
            ),
        );
    }
    let onsets: Vec<f64> = est.onsets.iter().map(|t| t * sr).collect();
    // The time map and each beat's output time.
    let (map, out_beats): (Vec<(f64, f64)>, Vec<f64>) = match opts.mode {
        QuantizeMode::Stretch => (
            vec![(0.0, 0.0), (dur, dur * global)],
            est.beats.iter().map(|b| b * global).collect(),
        ),
        _ => {
            let beats: Vec<f64> = est.beats.iter().copied().filter(|b| *b < dur).collect();
            if beats.len() < bpb + 1 {
                return unchanged(
                    report,
                    format!(
                        "left as is: {} beats inside the audio, too few for a bar",
                        beats.len()
                    ),
                );
            }
            let mut k = 0.0;
            let mut idx = Vec::with_capacity(beats.len());
            for (i, b) in beats.iter().enumerate() {
                if i > 0 {
                    k += ((b - beats[i - 1]) / t_src).round().max(1.0);
                }
                idx.push(k);
            }
            let out0 = beats[0] * global;
            let grid: Vec<f64> = idx.iter().map(|k| out0 + k * t_out).collect();
            let mut map = Vec::with_capacity(beats.len() + 2);
            if beats[0] > 1e-6 {
                map.push((0.0, 0.0));
            }
            map.extend(beats.iter().copied().zip(grid.iter().copied()));
            let (lb, lg) = (beats[beats.len() - 1], grid[grid.len() - 1]);
            if dur - lb > 1e-6 {
                map.push((dur, lg + (dur - lb) * global));
            }
            (map, grid)
        }
    };
    if let Err(e) = check_map(&map, rate) {
        return unchanged(report, format!("left as is: {}", e.problem()));
    }
    let fitted = warp_with_onsets(audio, &map, &onsets);
    let fade = ms_to_frames(LOOP_CROSSFADE_MS, rate);
    // The loop starts on the first beat, even one at the very start (a rendered loop's
    // downbeat is its first sample: skipping it started the loop on beat 2 and lost a bar);
    // with nothing before it, the closing crossfade fades into silence.
    let first = out_beats.iter().position(|b| *b >= 0.0).unwrap_or(0);
    let start_secs = out_beats[first].max(0.0);
    let start = (start_secs * sr).round() as usize;
    let bar_frames = bpb as f64 * t_out * sr;
    let room = fitted.frames().saturating_sub(start) as f64;
    // A fragment a few frames short of whole bars (a loop rendered to exactly its length,
    // fitted with the rounding of the stretch) still holds them: up to the crossfade's length
    // short, the missing end is silence under the crossfade.
    let mut bars = ((room + fade as f64) / bar_frames + 1e-9).floor() as u32;
    if let Some(max) = opts.max_bars {
        bars = bars.min(max);
    }
    if bars == 0 {
        return unchanged(
            report,
            "left as is: less than one bar from the first beat to the end".into(),
        );
    }
    let loop_frames = (f64::from(bars) * bar_frames).round() as usize;
    let channels = fitted
        .channels
        .iter()
        .map(|c| {
            let mut out = c[start..(start + loop_frames).min(c.len())].to_vec();
            out.resize(loop_frames, 0.0);
            // Close the loop: its last `fade` frames fade into the audio just before `start`.
            let f = fade.min(loop_frames / 2);
            for i in 0..f {
                let pre = (start + i).checked_sub(f).map_or(0.0, |j| c[j]);
                let g = fade_gain(i, f);
                let v = &mut out[loop_frames - f + i];
                *v = *v * (1.0 - g) + pre * g;
            }
            out
        })
        .collect();
    report.applied = true;
    report.bars = bars;
    report.loop_frames = loop_frames;
    report.loop_start_secs = match opts.mode {
        QuantizeMode::Stretch => start_secs / global,
        _ => est.beats[first],
    };
    report.reason = format!(
        "{} to {:.1} BPM, {bars} bar{}",
        if opts.mode == QuantizeMode::Warp {
            "warped"
        } else {
            "stretched"
        },
        opts.bpm,
        if bars == 1 { "" } else { "s" }
    );
    Ok((
        Audio {
            sample_rate: rate,
            channels,
        },
        report,
    ))
}
