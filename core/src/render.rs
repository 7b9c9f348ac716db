//! Rendering a pattern to stereo audio, to fill a Max `buffer~` or a Pd array: each hit is its
//! voice's one-shot, scaled by velocity and added at the hit's exact, microtimed sample.
//!
//! A [`Kit`] holds the one-shots, built once at the render's sample rate: the built-in
//! synthesized kit ([`Kit::synth`]) or a folder of WAV files ([`Kit::from_folder`]). Rendering
//! only mixes them, so it allocates nothing beyond the output ([`render_into`] not even that).

use crate::error::{Error, ErrorKind, Result};
use crate::pattern::{check_bpm, Hit, Pattern, STEPS_PER_BEAT};
use crate::voice::{Voice, VOICES};
use crate::wav::{check_sample_rate, read_wav, resample_linear, Audio};
use std::f64::consts::{FRAC_PI_4, TAU};
use std::fmt;
use std::path::{Path, PathBuf};

/// Longest render, in frames (2^27: 46 minutes at 48 kHz, 1 GiB of stereo floats).
pub const MAX_RENDER_FRAMES: usize = 1 << 27;

/// The highest peak a render has (-1 dBFS): a loop whose hits add up to more is turned down as a
/// whole to it, so that a dense loop played hard does not clip the output it is sent to.
pub const PEAK_CEILING: f32 = 0.891_250_9;

/// Exponent of the velocity curve: a hit's gain is `velocity ^ VELOCITY_CURVE`.
pub const VELOCITY_CURVE: f32 = 1.6;

/// A stereo one-shot.
#[derive(Clone, PartialEq)]
struct Shot {
    left: Vec<f32>,
    right: Vec<f32>,
}

/// A drum kit: one stereo one-shot per voice, all at one sample rate.
#[derive(Clone, PartialEq)]
pub struct Kit {
    name: String,
    sample_rate: u32,
    shots: [Shot; VOICES],
}

/// How [`Kit::from_folder`] used the files it found.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct KitReport {
    /// The file each voice plays, in voice order.
    pub mapped: Vec<(Voice, PathBuf)>,
    /// Voices with no file, played by the synthesized kit.
    pub fallback: Vec<Voice>,
    /// WAV files not used: named after no voice, or a second file for a voice already mapped.
    pub ignored: Vec<PathBuf>,
}

impl Kit {
    /// The sample rate of the one-shots, which is the sample rate of a render with this kit.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// "synth" for the built-in kit, the folder's name for a kit read from a folder.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The one-shot of `voice`: left and right channels, of equal length.
    pub fn shot(&self, voice: Voice) -> (&[f32], &[f32]) {
        let s = &self.shots[voice.index()];
        (&s.left, &s.right)
    }

    /// A knock on a table (`kind` 0-2: the low, mid and high tom, damped like a knuckle) or a
    /// clap (3: the snare, damped), mono, peaking at 1: what `bandmate.taps~`'s tests and
    /// demonstrations play to it.
    pub fn knock(&self, kind: usize) -> Vec<f32> {
        let (voice, damp) = [
            (Voice::LowTom, 0.025),
            (Voice::MidTom, 0.02),
            (Voice::HighTom, 0.015),
            (Voice::Snare, 0.08),
        ][kind % 4];
        let (l, r) = self.shot(voice);
        let rate = f64::from(self.sample_rate());
        let shot: Vec<f32> = l
            .iter()
            .zip(r)
            .enumerate()
            .map(|(i, (a, b))| (a + b) * (-(i as f64) / rate / damp).exp() as f32)
            .collect();
        let peak = shot.iter().fold(0.0f32, |m, v| m.max(v.abs())).max(1e-9);
        shot.iter().map(|v| v / peak).collect()
    }

    /// The built-in kit, synthesized at `sample_rate`; deterministic (the same samples on every
    /// call). Every one-shot starts on its loud attack, at its first sample. Kick and snare are
    /// in the centre, hats a little right, toms spread left to right, crash left, ride right,
    /// with constant-power panning. Voices peak between 0.3 and 0.7 before panning, so that a
    /// loop sums without hard clipping. A sample rate outside the supported range
    /// ([`check_sample_rate`]) gives empty one-shots, and [`render`] refuses the kit.
    pub fn synth(sample_rate: u32) -> Kit {
        Kit {
            name: "synth".into(),
            sample_rate,
            shots: Voice::ALL.map(|voice| synth_voice(voice, sample_rate)),
        }
    }

    /// A kit from a folder of WAV one-shots, resampled to `sample_rate`; a mono file plays on
    /// both sides. Files map to voices by name, ignoring case: the words of the name (runs of
    /// letters or of digits) are searched for the longest run of words that spells a voice's
    /// name or one of its [`Voice::aliases`] (`Kick 01.wav`, `01-snare.wav`, `closed_hat.wav`,
    /// `Open Hat.wav`, `bd.wav`), leftmost first; failing that, for a GM drum note number
    /// (`36.wav`). Only `.wav` files directly in the folder count, hidden ones (`._kick.wav`)
    /// left out. Of several files for one voice, the first by file name plays and the others
    /// are listed as ignored. Voices with no file play the synthesized kit's one-shot.
    ///
    /// Errors name the folder or the file: a folder that cannot be read, one with no `.wav`
    /// file, one whose `.wav` files are named after no voice, a mapped file [`read_wav`] refuses.
    pub fn from_folder(dir: &Path, sample_rate: u32) -> Result<(Kit, KitReport)> {
        check_sample_rate(sample_rate)?;
        let kit_error = |msg: String| Error::new(ErrorKind::Kit(msg)).at(dir);
        let unreadable = |e: std::io::Error| kit_error(format!("cannot read kit folder: {e}"));
        let mut wavs = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(unreadable)? {
            let path = entry.map_err(unreadable)?.path();
            if is_wav_name(&path) && path.is_file() {
                wavs.push(path);
            }
        }
        if wavs.is_empty() {
            return Err(kit_error("empty kit folder: no .wav files".into()));
        }
        wavs.sort();
        let mut files: [Option<PathBuf>; VOICES] = Default::default();
        let mut report = KitReport::default();
        for path in wavs {
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            match voice_for_name(&stem) {
                Some(v) if files[v.index()].is_none() => files[v.index()] = Some(path),
                _ => report.ignored.push(path),
            }
        }
        if files.iter().all(Option::is_none) {
            return Err(kit_error(format!(
                "none of the {} .wav files is named after a voice (name them kick, snare, \
                 closed_hat, open_hat, low_tom, mid_tom, high_tom, crash, ride, an alias such \
                 as bd or hh, or a GM note number such as 36)",
                report.ignored.len()
            )));
        }
        let mut kit = Kit::synth(sample_rate);
        kit.name = dir
            .file_name()
            .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into());
        for (voice, file) in Voice::ALL.into_iter().zip(files) {
            match file {
                Some(path) => {
                    kit.shots[voice.index()] = read_shot(&path, sample_rate)?;
                    report.mapped.push((voice, path));
                }
                None => report.fallback.push(voice),
            }
        }
        Ok((kit, report))
    }
}

impl fmt::Debug for Kit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let frames = self.shots.each_ref().map(|s| s.left.len());
        f.debug_struct("Kit")
            .field("name", &self.name)
            .field("sample_rate", &self.sample_rate)
            .field("shot_frames", &frames)
            .finish()
    }
}

fn is_wav_name(path: &Path) -> bool {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let ext = path.extension().unwrap_or_default().to_string_lossy();
    !name.starts_with('.') && (ext.eq_ignore_ascii_case("wav") || ext.eq_ignore_ascii_case("wave"))
}

/// The voice a file name (without extension) stands for; see [`Kit::from_folder`].
fn voice_for_name(stem: &str) -> Option<Voice> {
    // Words: runs of letters or of digits, lowercased ("Kick01" -> "kick", "01").
    let mut words: Vec<String> = Vec::new();
    let mut last_digit = None;
    for c in stem.chars() {
        if !c.is_ascii_alphanumeric() {
            last_digit = None;
            continue;
        }
        let digit = c.is_ascii_digit();
        match (last_digit == Some(digit), words.last_mut()) {
            (true, Some(word)) => word.push(c.to_ascii_lowercase()),
            _ => words.push(c.to_ascii_lowercase().to_string()),
        }
        last_digit = Some(digit);
    }
    let alias = |s: String| {
        Voice::ALL
            .into_iter()
            .find(|v| v.aliases().contains(&s.as_str()))
    };
    (1..=words.len())
        .rev()
        .find_map(|len| words.windows(len).find_map(|run| alias(run.concat())))
        .or_else(|| {
            words
                .iter()
                .find_map(|w| w.parse::<u8>().ok().and_then(Voice::from_note))
        })
}

fn read_shot(path: &Path, sample_rate: u32) -> Result<Shot> {
    let mut channels = resample_linear(&read_wav(path)?, sample_rate).channels;
    let right = channels.pop().unwrap_or_default();
    let left = channels.pop().unwrap_or_else(|| right.clone());
    Ok(Shot { left, right })
}

/// Square wave in cosine phase: +1 at t = 0.
fn square(freq: f64, t: f64) -> f64 {
    if (freq * t + 0.25).fract() < 0.5 {
        1.0
    } else {
        -1.0
    }
}

/// Cosine whose frequency glides exponentially from `from` to `to` Hz with time constant `tau`.
fn glide(t: f64, from: f64, to: f64, tau: f64) -> f64 {
    (TAU * (to * t + (from - to) * tau * (1.0 - (-t / tau).exp()))).cos()
}

fn decay(t: f64, tau: f64) -> f64 {
    (-t / tau).exp()
}

/// Noise fades in over 1 ms, so that the tonal part, at its peak at t = 0, is the attack.
fn ramp(t: f64) -> f64 {
    (t / 0.001).min(1.0)
}

/// The six square-wave oscillators of the TR-808's hats and cymbal, in Hz.
const METAL: [f64; 6] = [205.3, 304.4, 369.6, 522.7, 540.0, 800.0];

fn metal(t: f64, scale: f64) -> f64 {
    METAL.iter().map(|f| square(f * scale, t)).sum::<f64>() / METAL.len() as f64
}

/// Deterministic white noise in -1..1 (xorshift32).
struct Noise(u32);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        f64::from(self.0) / f64::from(u32::MAX) * 2.0 - 1.0
    }
}

/// One-pole high-pass filter, starting from rest.
struct HighPass {
    a: f64,
    x1: f64,
    y1: f64,
}

impl HighPass {
    fn new(cutoff: f64, sample_rate: u32) -> HighPass {
        let a = 1.0 / (1.0 + TAU * cutoff / f64::from(sample_rate));
        HighPass {
            a,
            x1: 0.0,
            y1: 0.0,
        }
    }
    fn run(&mut self, x: f64) -> f64 {
        self.y1 = self.a * (self.y1 + x - self.x1);
        self.x1 = x;
        self.y1
    }
}

fn synth_voice(voice: Voice, sr: u32) -> Shot {
    let mut noise = Noise(0x9e37_79b9 ^ (voice.index() as u32 + 1).wrapping_mul(0x85eb_ca6b));
    let hat = |len: f64, tau: f64, pan: f64| {
        let mut hp = HighPass::new(7_000.0, sr);
        let mut noise = Noise(noise.0); // the voice's own noise, for each of the two hats
        one_shot(sr, len, 0.3, pan, move |t| {
            hp.run((0.8 * metal(t, 1.0) + 0.35 * noise.next() * ramp(t)) * decay(t, tau))
        })
    };
    let tom = |freq: f64, len: f64, pan: f64| {
        one_shot(sr, len, 0.55, pan, move |t| {
            glide(t, freq * 1.6, freq, 0.04) * decay(t, len / 6.0)
        })
    };
    match voice {
        Voice::Kick => one_shot(sr, 0.4, 0.7, 0.0, |t| {
            glide(t, 150.0, 50.0, 0.03) * decay(t, 0.07)
        }),
        Voice::Snare => {
            let mut hp = HighPass::new(1_500.0, sr);
            one_shot(sr, 0.22, 0.55, 0.0, move |t| {
                0.6 * glide(t, 230.0, 185.0, 0.01) * decay(t, 0.04)
                    + 0.3 * (TAU * 330.0 * t).cos() * decay(t, 0.03)
                    + 0.7 * hp.run(noise.next()) * ramp(t) * decay(t, 0.05)
            })
        }
        Voice::ClosedHat => hat(0.06, 0.012, 0.25),
        Voice::OpenHat => hat(0.45, 0.1, 0.25),
        Voice::LowTom => tom(100.0, 0.45, -0.5),
        Voice::MidTom => tom(140.0, 0.4, 0.0),
        Voice::HighTom => tom(190.0, 0.35, 0.5),
        Voice::Crash => {
            let mut hp = HighPass::new(4_000.0, sr);
            one_shot(sr, 1.6, 0.4, -0.6, move |t| {
                let x = 0.6 * metal(t, 1.7) + 0.5 * noise.next() * ramp(t);
                hp.run(x * decay(t, 0.3))
            })
        }
        Voice::Ride => {
            let mut hp = HighPass::new(3_000.0, sr);
            one_shot(sr, 1.1, 0.35, 0.6, move |t| {
                let bell: f64 = [(587.0, 1.0), (845.0, 0.6), (1_340.0, 0.5), (2_150.0, 0.3)]
                    .iter()
                    .map(|&(f, a)| a * (TAU * f * t).cos())
                    .sum();
                let wash = 0.8 * metal(t, 1.4) + 0.3 * noise.next() * ramp(t);
                0.4 * bell * decay(t, 0.25) + hp.run(wash * decay(t, 0.18))
            })
        }
    }
}

/// Sample `signal` (a function of time in seconds) for `len` seconds with a 10 ms fade-out,
/// normalize its peak to `level` and pan it (-1 left .. 1 right, constant power).
fn one_shot(sr: u32, len: f64, level: f64, pan: f64, mut signal: impl FnMut(f64) -> f64) -> Shot {
    let frames = match check_sample_rate(sr) {
        Ok(()) => (len * f64::from(sr)).round() as usize,
        Err(_) => 0,
    };
    let mono: Vec<f64> = (0..frames)
        .map(|i| {
            let t = i as f64 / f64::from(sr);
            signal(t) * ((len - t) / 0.01).min(1.0)
        })
        .collect();
    let peak = mono.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let gain = if peak > 0.0 { level / peak } else { 0.0 };
    let angle = (pan + 1.0) * FRAC_PI_4;
    let side = |g: f64| mono.iter().map(|x| (x * gain * g) as f32).collect();
    Shot {
        left: side(angle.cos()),
        right: side(angle.sin()),
    }
}

/// What happens to sound that runs past the end of the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tail {
    /// Added back at the start, so that the buffer loops seamlessly (a `buffer~` or an array
    /// played in a loop); a hit before time 0 (step 0, negative offset) sounds at the end.
    #[default]
    Wrap,
    /// Dropped at the end, as is the part of a hit before time 0.
    Cut,
    /// The buffer is made longer to hold every tail; the part of a hit before time 0 is dropped.
    Ring,
}

fn samples_per_step(bpm: f64, sample_rate: u32) -> f64 {
    f64::from(sample_rate) * 60.0 / bpm / STEPS_PER_BEAT as f64
}

/// Frames in a loop of `steps` 16th-note steps: `round(steps * samples_per_step)`, where
/// `samples_per_step = sample_rate * 60 / bpm / 4`.
pub fn loop_frames(steps: usize, bpm: f64, sample_rate: u32) -> usize {
    (steps as f64 * samples_per_step(bpm, sample_rate)).round() as usize
}

/// The exact, fractional frame of a hit on `step` with timing `offset` (in steps):
/// `(step + offset) * samples_per_step`. A render starts the hit's one-shot at this value
/// rounded to the nearest frame.
pub fn hit_frame(step: usize, offset: f32, bpm: f64, sample_rate: u32) -> f64 {
    (step as f64 + f64::from(offset)) * samples_per_step(bpm, sample_rate)
}

/// The frame a hit of `pattern` starts on: its time in the loop's feel
/// ([`Pattern::position`], `step + offset` on a straight grid) times `samples_per_step`, rounded.
fn onset(pattern: &Pattern, step: usize, hit: Hit, bpm: f64, sample_rate: u32) -> i64 {
    (pattern.position(step, hit.offset) * samples_per_step(bpm, sample_rate)).round() as i64
}

/// Frames a render of `pattern` has: [`loop_frames`] for [`Tail::Wrap`] and [`Tail::Cut`];
/// for [`Tail::Ring`], enough to hold the end of the last one-shot. Checks the tempo, the
/// kit's sample rate and [`MAX_RENDER_FRAMES`].
pub fn render_frames(pattern: &Pattern, bpm: f64, kit: &Kit, tail: Tail) -> Result<usize> {
    check_bpm(bpm)?;
    check_sample_rate(kit.sample_rate)?;
    let sr = kit.sample_rate;
    let frames = loop_frames(pattern.steps(), bpm, sr);
    let frames = match tail {
        Tail::Wrap | Tail::Cut => frames,
        Tail::Ring => pattern
            .hits()
            .map(|(step, voice, hit)| {
                let end = onset(pattern, step, hit, bpm, sr) + kit.shot(voice).0.len() as i64;
                end.max(0) as usize
            })
            .fold(frames, usize::max),
    };
    if frames > MAX_RENDER_FRAMES {
        return Err(Error::invalid(format!(
            "the render would be {frames} frames ({:.0} s), over the limit of {MAX_RENDER_FRAMES}",
            frames as f64 / f64::from(sr)
        )));
    }
    Ok(frames)
}

/// Render `pattern` at `bpm` with `kit`, as stereo audio at the kit's sample rate; see
/// [`render_into`].
pub fn render(pattern: &Pattern, bpm: f64, kit: &Kit, tail: Tail) -> Result<Audio> {
    let frames = render_frames(pattern, bpm, kit, tail)?;
    let (mut left, mut right) = (vec![0.0; frames], vec![0.0; frames]);
    mix_hits(pattern, bpm, kit, tail, &mut left, &mut right);
    Ok(Audio {
        sample_rate: kit.sample_rate,
        channels: vec![left, right],
    })
}

/// Render into buffers the caller owns, without allocating: both must be exactly
/// [`render_frames`] long ([`loop_frames`] for Wrap and Cut). They are cleared, then each hit's
/// one-shot is added, times `velocity ^ 1.6` ([`VELOCITY_CURVE`]: a velocity of 0.5 plays at
/// 0.33, about -9.6 dB), from the frame nearest [`hit_frame`]; `tail` says where the sound
/// past the end goes. A mix that peaks over [`PEAK_CEILING`] is turned down as a whole to it.
pub fn render_into(
    pattern: &Pattern,
    bpm: f64,
    kit: &Kit,
    tail: Tail,
    left: &mut [f32],
    right: &mut [f32],
) -> Result<()> {
    let frames = render_frames(pattern, bpm, kit, tail)?;
    if left.len() != frames || right.len() != frames {
        return Err(Error::invalid(format!(
            "render buffers hold {} and {} frames, {frames} needed",
            left.len(),
            right.len()
        )));
    }
    left.fill(0.0);
    right.fill(0.0);
    mix_hits(pattern, bpm, kit, tail, left, right);
    Ok(())
}

/// Add every hit's one-shot into silent buffers of the right length (checked by the callers).
fn mix_hits(
    pattern: &Pattern,
    bpm: f64,
    kit: &Kit,
    tail: Tail,
    left: &mut [f32],
    right: &mut [f32],
) {
    let wrap = tail == Tail::Wrap;
    for (step, voice, hit) in pattern.hits() {
        let at = onset(pattern, step, hit, bpm, kit.sample_rate);
        let gain = hit.velocity.powf(VELOCITY_CURVE);
        let (l, r) = kit.shot(voice);
        mix(left, l, at, gain, wrap);
        mix(right, r, at, gain, wrap);
    }
    let peak = peak(left).max(peak(right));
    if peak > PEAK_CEILING {
        let gain = PEAK_CEILING / peak;
        left.iter_mut()
            .chain(right.iter_mut())
            .for_each(|x| *x *= gain);
    }
}

/// The largest |sample|, in lanes of 8 the compiler turns into vector instructions (a plain
/// fold of `f32::max` does not vectorize: it tripled a render's time).
fn peak(x: &[f32]) -> f32 {
    let mut lanes = [0.0f32; 8];
    let chunks = x.chunks_exact(8);
    let rest = chunks.remainder();
    for c in chunks {
        for (m, v) in lanes.iter_mut().zip(c) {
            let a = v.abs();
            if a > *m {
                *m = a;
            }
        }
    }
    rest.iter()
        .chain(&lanes)
        .fold(0.0f32, |m, v| if v.abs() > m { v.abs() } else { m })
}

/// Add `src * gain` into `dst` from frame `at`, wrapping around `dst` or dropping what falls
/// outside it.
fn mix(dst: &mut [f32], mut src: &[f32], at: i64, gain: f32, wrap: bool) {
    let add = |d: &mut [f32], s: &[f32]| d.iter_mut().zip(s).for_each(|(d, s)| *d += s * gain);
    if wrap {
        let Some(pos) = at.checked_rem_euclid(dst.len() as i64) else {
            return;
        };
        let mut pos = pos as usize;
        while !src.is_empty() {
            let n = src.len().min(dst.len() - pos);
            add(&mut dst[pos..pos + n], &src[..n]);
            src = &src[n..];
            pos = 0;
        }
    } else {
        let skip = at.min(0).unsigned_abs() as usize;
        let start = at.max(0) as usize;
        if skip < src.len() && start < dst.len() {
            let n = (src.len() - skip).min(dst.len() - start);
            add(&mut dst[start..start + n], &src[skip..skip + n]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_map_to_voices() {
        for (name, voice) in [
            ("36", Some(Voice::Kick)),
            ("Kick 01", Some(Voice::Kick)),
            ("Kick01", Some(Voice::Kick)),
            ("01-snare", Some(Voice::Snare)),
            ("closed_hat", Some(Voice::ClosedHat)),
            ("Open Hat 2", Some(Voice::OpenHat)),
            ("808 Closed Hi Hat", Some(Voice::ClosedHat)),
            ("Low Tom", Some(Voice::LowTom)),
            ("HT", Some(Voice::HighTom)),
            ("crash cymbal", Some(Voice::Crash)),
            ("ride-51", Some(Voice::Ride)),
            ("Snare 36", Some(Voice::Snare)),
            ("49", Some(Voice::Crash)),
            ("cowbell", None),
            ("01", None),
            ("", None),
        ] {
            assert_eq!(voice_for_name(name), voice, "{name}");
        }
    }

    #[test]
    fn synth_shots_have_no_dc_offset() {
        // A DC offset in a one-shot adds up over a loop and clicks when it is muted or cut.
        let kit = Kit::synth(48_000);
        for v in Voice::ALL {
            let (l, _) = kit.shot(v);
            let mean = l.iter().map(|&x| f64::from(x)).sum::<f64>() / l.len() as f64;
            let peak = l.iter().fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(
                mean.abs() < 0.002 * f64::from(peak),
                "{v}: DC {mean} (peak {peak})"
            );
        }
    }

    #[test]
    fn synth_shots_start_on_their_attack() {
        for sr in [22_050, 44_100, 48_000, 96_000] {
            let kit = Kit::synth(sr);
            for v in Voice::ALL {
                let (l, r) = kit.shot(v);
                assert_eq!(l.len(), r.len());
                for side in [l, r] {
                    let peak = side.iter().fold(0.0f32, |m, x| m.max(x.abs()));
                    assert!(peak > 0.05 && peak <= 0.7, "{v} at {sr}: peak {peak}");
                    assert!(
                        side[0].abs() >= 0.3 * peak,
                        "{v} at {sr}: {} vs {peak}",
                        side[0]
                    );
                    assert!(
                        side.last().unwrap().abs() < 0.01 * peak,
                        "{v} at {sr}: tail"
                    );
                }
            }
        }
        assert_eq!(Kit::synth(48_000), Kit::synth(48_000));
        assert!(Kit::synth(0).shot(Voice::Kick).0.is_empty());
    }

    #[test]
    fn mixing_wraps_and_cuts() {
        let mut dst = [0.0f32; 4];
        mix(&mut dst, &[1.0, 2.0, 3.0], -1, 2.0, true);
        assert_eq!(dst, [4.0, 6.0, 0.0, 2.0]);
        let mut dst = [0.0f32; 2];
        mix(&mut dst, &[1.0; 5], 0, 1.0, true);
        assert_eq!(dst, [3.0, 2.0]);
        let mut dst = [0.0f32; 4];
        mix(&mut dst, &[1.0, 2.0, 3.0], -1, 1.0, false);
        mix(&mut dst, &[1.0, 2.0, 3.0], 3, 1.0, false);
        assert_eq!(dst, [2.0, 3.0, 0.0, 1.0]);
    }
}
