//! Finding and removing silence: leading, trailing, and long inner gaps.

use super::{check_audio, fade_gain, ms_to_frames};
use crate::error::{Error, Result};
use crate::wav::Audio;

/// A burst above the threshold shorter than this, inside silence, is noise, not sound...
pub const NOISE_BURST_MS: f64 = 5.0;
/// ...unless its peak is at least this many dB above the threshold.
pub const NOISE_BURST_MARGIN_DB: f32 = 10.0;

/// How [`trim`] finds and cuts silence.
#[derive(Debug, Clone, PartialEq)]
pub struct TrimOptions {
    /// A frame is silent when every channel's sample is below this level, in dBFS
    /// (-120..=0; default -50).
    pub threshold_db: f32,
    /// Inner silences at least this long are shortened, in ms (1..=60,000; default 250).
    /// Leading and trailing silence of any length is removed.
    pub min_gap_ms: f64,
    /// How much of a shortened inner gap is kept, in ms (0..=60,000; default 0: the gap is
    /// cut down to its two fades, `2 * fade_ms`). Whatever is kept stays silent.
    pub keep_gap_ms: f64,
    /// Length of the fade at every cut, in ms (0..=100; default 5). The fades lie in the
    /// silence (below the threshold), never over the sound.
    pub fade_ms: f64,
}

impl Default for TrimOptions {
    fn default() -> Self {
        TrimOptions {
            threshold_db: -50.0,
            min_gap_ms: 250.0,
            keep_gap_ms: 0.0,
            fade_ms: 5.0,
        }
    }
}

impl TrimOptions {
    fn check(&self) -> Result<()> {
        let bad = |what: &str, v: f64, range: &str| {
            Err(Error::invalid(format!(
                "trim: {what} {v} is out of range ({range})"
            )))
        };
        if !self.threshold_db.is_finite() || !(-120.0..=0.0).contains(&self.threshold_db) {
            return bad("threshold", f64::from(self.threshold_db), "-120..0 dBFS");
        }
        if !self.min_gap_ms.is_finite() || !(1.0..=60_000.0).contains(&self.min_gap_ms) {
            return bad("min_gap_ms", self.min_gap_ms, "1..60000 ms");
        }
        if !self.keep_gap_ms.is_finite() || !(0.0..=60_000.0).contains(&self.keep_gap_ms) {
            return bad("keep_gap_ms", self.keep_gap_ms, "0..60000 ms");
        }
        if !self.fade_ms.is_finite() || !(0.0..=100.0).contains(&self.fade_ms) {
            return bad("fade_ms", self.fade_ms, "0..100 ms");
        }
        Ok(())
    }
}

/// Where a silence is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SilenceKind {
    /// Before the first sound.
    Leading,
    /// Between two sounds, at least `min_gap_ms` long.
    Inner,
    /// After the last sound.
    Trailing,
}

/// A stretch of silence, in frames of the input (`end` exclusive): from the frame after the
/// last sample at or above the threshold to the next sample at or above it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Silence {
    pub start: usize,
    pub end: usize,
    pub kind: SilenceKind,
}

impl Silence {
    /// Length in frames.
    pub fn frames(&self) -> usize {
        self.end - self.start
    }
}

/// What [`trim`] did.
#[derive(Debug, Clone, PartialEq)]
pub struct TrimReport {
    /// Frames in and out.
    pub frames_in: usize,
    pub frames_out: usize,
    /// Frames removed, and the same in seconds.
    pub removed_frames: usize,
    pub removed_secs: f64,
    /// The silences found (see [`find_silences`]).
    pub silences: Vec<Silence>,
    /// The input ranges kept, in order (`start..end` frames); the output is their concatenation.
    pub kept: Vec<(usize, usize)>,
}

/// The silences of `audio`: leading, trailing (any length) and inner ones at least
/// `min_gap_ms` long, sample-accurate. A frame is loud when any channel's |sample| reaches the
/// threshold. Short bursts inside silence (under [`NOISE_BURST_MS`] and peaking less than
/// [`NOISE_BURST_MARGIN_DB`] above the threshold: clicks of noise, dither) count as silence
/// (hysteresis). All-silent audio is an error ("the fragment is silent").
pub fn find_silences(audio: &Audio, opts: &TrimOptions) -> Result<Vec<Silence>> {
    check_audio(audio)?;
    opts.check()?;
    let sounds = sounds(audio, opts);
    let frames = audio.frames();
    let Some((first, last)) = sounds.first().zip(sounds.last()) else {
        return Err(Error::invalid(format!(
            "the fragment is silent (nothing reaches {} dBFS)",
            opts.threshold_db
        )));
    };
    let mut out = Vec::new();
    if first.0 > 0 {
        out.push(Silence {
            start: 0,
            end: first.0,
            kind: SilenceKind::Leading,
        });
    }
    for w in sounds.windows(2) {
        out.push(Silence {
            start: w[0].1,
            end: w[1].0,
            kind: SilenceKind::Inner,
        });
    }
    if last.1 < frames {
        out.push(Silence {
            start: last.1,
            end: frames,
            kind: SilenceKind::Trailing,
        });
    }
    Ok(out)
}

/// The sounds (`start..end`, first loud frame to one past the last) separated by quiet runs of
/// at least `min_gap_ms`, noise bursts dropped.
fn sounds(audio: &Audio, opts: &TrimOptions) -> Vec<(usize, usize)> {
    let rate = audio.sample_rate;
    let thr = 10f32.powf(opts.threshold_db / 20.0);
    let loud_peak = thr * 10f32.powf(NOISE_BURST_MARGIN_DB / 20.0);
    let min_gap = ms_to_frames(opts.min_gap_ms, rate).max(1);
    let burst = ms_to_frames(NOISE_BURST_MS, rate);
    let frames = audio.frames();
    let level = |i: usize| audio.channels.iter().fold(0f32, |m, c| m.max(c[i].abs()));
    let mut sounds: Vec<(usize, usize, f32)> = Vec::new();
    let mut current: Option<(usize, usize, f32)> = None;
    for i in 0..frames {
        let l = level(i);
        if l < thr {
            continue;
        }
        current = match current {
            Some((s, e, p)) if i - e < min_gap => Some((s, i + 1, p.max(l))),
            Some(done) => {
                sounds.push(done);
                Some((i, i + 1, l))
            }
            None => Some((i, i + 1, l)),
        };
    }
    sounds.extend(current);
    // Hysteresis: short, quiet bursts are noise. Merging them into silence only makes the gaps
    // around them longer, so every remaining gap is still at least min_gap.
    sounds
        .into_iter()
        .filter(|&(s, e, peak)| e - s >= burst || peak >= loud_peak)
        .map(|(s, e, _)| (s, e))
        .collect()
}

/// Remove leading and trailing silence and shorten long inner silences (see [`TrimOptions`]).
/// Each cut keeps `fade_ms` of the silence on its sound's side and fades it (raised cosine), so
/// attacks are untouched and no cut clicks. All-silent audio is an error.
pub fn trim(audio: &Audio, opts: &TrimOptions) -> Result<(Audio, TrimReport)> {
    let silences = find_silences(audio, opts)?;
    let rate = audio.sample_rate;
    let frames = audio.frames();
    let fade = ms_to_frames(opts.fade_ms, rate);
    let keep = ms_to_frames(opts.keep_gap_ms, rate).max(2 * fade);
    // Kept ranges with whether each end is a cut (and so fades).
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut start = 0;
    for s in &silences {
        match s.kind {
            SilenceKind::Leading => start = s.end.saturating_sub(fade),
            SilenceKind::Inner => {
                if s.frames() > keep {
                    let before = keep / 2;
                    kept.push((start, s.start + before));
                    start = s.end - (keep - before);
                }
            }
            SilenceKind::Trailing => {
                kept.push((start, (s.start + fade).min(frames)));
                start = frames;
            }
        }
    }
    if start < frames {
        kept.push((start, frames));
    }
    let total: usize = kept.iter().map(|(a, b)| b - a).sum();
    if total == 0 {
        return Err(Error::invalid("nothing is left after trimming (0 frames)"));
    }
    let channels = audio
        .channels
        .iter()
        .map(|c| {
            let mut out = Vec::with_capacity(total);
            for &(a, b) in &kept {
                let at = out.len();
                out.extend_from_slice(&c[a..b]);
                let seg = &mut out[at..];
                let n = seg.len();
                let f = fade.min(n / 2);
                if a > 0 {
                    for (i, v) in seg[..f].iter_mut().enumerate() {
                        *v *= fade_gain(i, f);
                    }
                }
                if b < frames {
                    for (i, v) in seg[n - f..].iter_mut().rev().enumerate() {
                        *v *= fade_gain(i, f);
                    }
                }
            }
            out
        })
        .collect();
    let removed = frames - total;
    let report = TrimReport {
        frames_in: frames,
        frames_out: total,
        removed_frames: removed,
        removed_secs: removed as f64 / f64::from(rate),
        silences,
        kept,
    };
    Ok((
        Audio {
            sample_rate: rate,
            channels,
        },
        report,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tone(n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| 0.3 * (i as f32 * 0.05).sin() + 0.3)
            .collect()
    }

    #[test]
    fn finds_and_removes_silences_exactly() {
        let rate = 1_000;
        let mut c = vec![0.0; 100];
        c.extend(tone(200));
        c.extend(vec![0.0; 400]);
        c.extend(tone(100));
        c.extend(vec![0.0; 50]);
        let a = Audio {
            sample_rate: rate,
            channels: vec![c],
        };
        let s = find_silences(&a, &TrimOptions::default()).unwrap();
        let spans: Vec<_> = s.iter().map(|s| (s.start, s.end, s.kind)).collect();
        assert_eq!(
            spans,
            vec![
                (0, 100, SilenceKind::Leading),
                (300, 700, SilenceKind::Inner),
                (800, 850, SilenceKind::Trailing)
            ]
        );
        let (out, rep) = trim(&a, &TrimOptions::default()).unwrap();
        // 5 ms fades at 1 kHz: 5 frames kept around every cut.
        assert_eq!(rep.kept, vec![(95, 305), (695, 805)]);
        assert_eq!(out.frames(), 320);
        assert_eq!(rep.removed_frames, 850 - 320);
        // The sound itself is untouched.
        assert_eq!(out.channels[0][5..205], a.channels[0][100..300]);
    }

    #[test]
    fn short_gaps_and_noise_bursts() {
        let rate = 1_000;
        let mut c = tone(100);
        c.extend(vec![0.0; 100]); // under min_gap: kept
        c.extend(tone(100));
        c.extend(vec![0.0; 300]);
        c.push(0.004); // -48 dB, 1 ms: noise
        c.extend(vec![0.0; 300]);
        c.extend(tone(100));
        let a = Audio {
            sample_rate: rate,
            channels: vec![c],
        };
        let s = find_silences(&a, &TrimOptions::default()).unwrap();
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].start, s[0].end), (300, 901));
    }

    #[test]
    fn silent_and_bad_options() {
        let a = Audio {
            sample_rate: 48_000,
            channels: vec![vec![0.001; 4_800]],
        };
        let e = trim(&a, &TrimOptions::default()).unwrap_err();
        assert!(e.to_string().contains("the fragment is silent"), "{e}");
        let loud = Audio {
            sample_rate: 48_000,
            channels: vec![tone(4_800)],
        };
        for o in [
            TrimOptions {
                threshold_db: f32::NAN,
                ..Default::default()
            },
            TrimOptions {
                min_gap_ms: 0.0,
                ..Default::default()
            },
            TrimOptions {
                fade_ms: -1.0,
                ..Default::default()
            },
            TrimOptions {
                keep_gap_ms: f64::INFINITY,
                ..Default::default()
            },
        ] {
            assert!(trim(&loud, &o).is_err());
        }
        let (same, rep) = trim(&loud, &TrimOptions::default()).unwrap();
        assert_eq!(same, loud);
        assert_eq!(rep.removed_frames, 0);
    }
}
