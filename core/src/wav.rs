//! Audio buffers and WAV files (through hound): reading one-shots for a kit, writing renders
//! for a Max `buffer~` or a Pd array, and a simple resampler.

use crate::error::{Error, ErrorKind, Result};
use crate::fsutil::write_atomic;
use hound::{SampleFormat, WavReader, WavSpec, WavWriter};
use std::fs::File;
use std::io::{BufReader, Cursor, Read};
use std::path::Path;

/// Lowest sample rate we read, render or write, in Hz.
pub const MIN_SAMPLE_RATE: u32 = 1_000;
/// Highest sample rate we read, render or write, in Hz.
pub const MAX_SAMPLE_RATE: u32 = 768_000;
/// Longest WAV file [`read_wav`] accepts, in seconds (10 minutes).
pub const MAX_WAV_SECONDS: u64 = 600;

const ACCEPTED: &str = "8/16/24/32-bit integer or 32-bit float only";

/// Planar audio: one `Vec` per channel (1 or 2), all of the same length.
#[derive(Debug, Clone, PartialEq)]
pub struct Audio {
    /// Frames per second.
    pub sample_rate: u32,
    /// The samples of each channel, nominally in -1..=1.
    pub channels: Vec<Vec<f32>>,
}

impl Audio {
    /// Stereo silence of `frames` frames.
    pub fn stereo(sample_rate: u32, frames: usize) -> Audio {
        Audio {
            sample_rate,
            channels: vec![vec![0.0; frames]; 2],
        }
    }

    /// Frames (samples per channel); 0 when there is no channel.
    pub fn frames(&self) -> usize {
        self.channels.first().map_or(0, Vec::len)
    }

    /// Length in seconds; 0 at a sample rate of 0.
    pub fn duration_secs(&self) -> f64 {
        match self.sample_rate {
            0 => 0.0,
            rate => self.frames() as f64 / f64::from(rate),
        }
    }

    /// The samples frame by frame (`L R L R ...` for stereo).
    pub fn interleaved(&self) -> Vec<f32> {
        (0..self.frames())
            .flat_map(|i| self.channels.iter().map(move |c| c[i]))
            .collect()
    }
}

/// Check a sample rate: [`MIN_SAMPLE_RATE`]..=[`MAX_SAMPLE_RATE`] Hz.
pub fn check_sample_rate(rate: u32) -> Result<()> {
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&rate) {
        return Err(Error::invalid(format!(
            "sample rate {rate} Hz is out of range ({MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE})"
        )));
    }
    Ok(())
}

fn wav_error(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Wav(msg.into()))
}

/// Why a sample format or channel count is not one we read, if it is not.
fn format_problem(float: bool, bits: u16, channels: u16) -> Option<String> {
    if !(1..=2).contains(&channels) {
        return Some(format!("{channels} channels (mono or stereo only)"));
    }
    match (float, bits) {
        (false, 8 | 16 | 24 | 32) | (true, 32) => None,
        (true, _) => Some(format!("{bits}-bit float ({ACCEPTED})")),
        (false, _) => Some(format!("{bits}-bit integer ({ACCEPTED})")),
    }
}

/// Read a mono or stereo WAV file of 8/16/24/32-bit integer or 32-bit float samples into
/// floats in -1..=1. Anything else, a file that is not a whole WAV file, one with no audio, or
/// one longer than [`MAX_WAV_SECONDS`] is an [`ErrorKind::Wav`] error naming the file and the
/// problem; the length is checked from the header, before any sample is read.
pub fn read_wav(path: &Path) -> Result<Audio> {
    read_wav_unlabelled(path).map_err(|e| e.at(path))
}

fn read_wav_unlabelled(path: &Path) -> Result<Audio> {
    let file = File::open(path).map_err(|e| Error::io(path, &e))?;
    let file_len = file.metadata().map_or(u64::MAX, |m| m.len());
    let mut file = EofReader {
        inner: BufReader::new(file),
        hit_eof: false,
    };
    let mut reader = match WavReader::new(&mut file) {
        Ok(reader) => reader,
        Err(e) => {
            return Err(hound_error(
                path,
                e,
                file.hit_eof.then_some("inside the header"),
            ))
        }
    };
    let spec = reader.spec();
    let float = spec.sample_format == SampleFormat::Float;
    if let Some(problem) = format_problem(float, spec.bits_per_sample, spec.channels) {
        return Err(wav_error(format!("unsupported format: {problem}")));
    }
    if check_sample_rate(spec.sample_rate).is_err() {
        return Err(wav_error(format!(
            "unsupported format: sample rate {} Hz ({MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE} only)",
            spec.sample_rate
        )));
    }
    let frames = u64::from(reader.duration());
    if frames == 0 {
        return Err(wav_error("no audio (0 frames)"));
    }
    if frames > MAX_WAV_SECONDS * u64::from(spec.sample_rate) {
        return Err(wav_error(format!(
            "too long: {:.0} s (the limit is {} minutes)",
            frames as f64 / f64::from(spec.sample_rate),
            MAX_WAV_SECONDS / 60
        )));
    }
    // The header may promise more than the file holds: reserve no more than the file's size.
    let bytes_per_frame = u64::from(spec.channels) * u64::from(spec.bits_per_sample / 8);
    let capacity = frames.min(file_len / bytes_per_frame) as usize;
    let (channels, frames) = (usize::from(spec.channels), frames as usize);
    let result = if float {
        deinterleave(reader.samples::<f32>(), channels, frames, capacity, |s| s)
    } else {
        let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
        deinterleave(reader.samples::<i32>(), channels, frames, capacity, |s| {
            s as f32 * scale
        })
    };
    let truncated = file.hit_eof.then_some("before the length its header gives");
    let channels = result.map_err(|e| hound_error(path, e, truncated))?;
    Ok(Audio {
        sample_rate: spec.sample_rate,
        channels,
    })
}

fn deinterleave<S>(
    samples: impl Iterator<Item = hound::Result<S>>,
    channels: usize,
    frames: usize,
    capacity: usize,
    convert: impl Fn(S) -> f32,
) -> hound::Result<Vec<Vec<f32>>> {
    let mut out: Vec<Vec<f32>> = (0..channels)
        .map(|_| Vec::with_capacity(capacity))
        .collect();
    // A last, incomplete frame is dropped.
    for (i, s) in samples.take(frames * channels).enumerate() {
        out[i % channels].push(convert(s?));
    }
    Ok(out)
}

/// Remembers whether the file ran out: hound reports that as an `Other` I/O error.
struct EofReader<R> {
    inner: R,
    hit_eof: bool,
}

impl<R: Read> Read for EofReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hit_eof |= n == 0 && !buf.is_empty();
        Ok(n)
    }
}

/// A one-line error for what hound reported about `path`; `truncated` says where the file
/// ended, if it did.
fn hound_error(path: &Path, err: hound::Error, truncated: Option<&str>) -> Error {
    let msg = match (err, truncated) {
        (hound::Error::IoError(_), Some(place)) => format!("truncated file (it ends {place})"),
        (hound::Error::IoError(e), None) => return Error::io(path, &e),
        (err @ (hound::Error::FormatError(_) | hound::Error::Unsupported), _) => {
            match (header_format_problem(path), err) {
                (Some(problem), _) => format!("unsupported format: {problem}"),
                (None, hound::Error::FormatError(reason)) => format!("not a WAV file: {reason}"),
                (None, _) => format!("unsupported format ({ACCEPTED})"),
            }
        }
        (other, _) => format!("unreadable: {other}"),
    };
    wav_error(msg)
}

/// Hound refuses some formats with terse messages; look at the `fmt ` chunk ourselves to say
/// which format the file is in (64-bit float, ADPCM, ...). `None` when the header is not even a
/// readable RIFF/WAVE header or its format is one we take.
fn header_format_problem(path: &Path) -> Option<String> {
    let mut head = Vec::new();
    File::open(path)
        .ok()?
        .take(4096)
        .read_to_end(&mut head)
        .ok()?;
    if head.get(0..4)? != b"RIFF" || head.get(8..12)? != b"WAVE" {
        return None;
    }
    let u16_at = |i: usize| head.get(i..i + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let mut pos = 12usize;
    while let Some(chunk) = head.get(pos..pos + 8) {
        let len = u32::from_le_bytes([chunk[4], chunk[5], chunk[6], chunk[7]]) as usize;
        let body = pos + 8;
        if &chunk[..4] == b"fmt " {
            let (channels, bits) = (u16_at(body + 2)?, u16_at(body + 14)?);
            let tag = match u16_at(body)? {
                // WAVE_FORMAT_EXTENSIBLE: the real format is the start of the sub-format GUID.
                0xfffe => u16_at(body + 24)?,
                tag => tag,
            };
            return match tag {
                1 | 3 => format_problem(tag == 3, bits, channels),
                _ => Some(format!(
                    "compressed or non-PCM data (format tag 0x{tag:04x}; {ACCEPTED})"
                )),
            };
        }
        // RIFF chunks are padded to an even length.
        pos = body.saturating_add(len).saturating_add(len % 2);
    }
    None
}

/// The sample format [`write_wav`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum WavFormat {
    /// 32-bit IEEE float, samples as they are (no clipping): what `buffer~` and Pd arrays hold.
    #[default]
    Float32,
    /// 16-bit integer, clamped to -1..=1.
    Int16,
    /// 24-bit integer, clamped to -1..=1.
    Int24,
}

/// Write `audio` (1 or 2 channels of equal length) as a WAV file, atomically: the file appears
/// whole or not at all. Integer formats clamp samples to -1..=1.
pub fn write_wav(path: &Path, audio: &Audio, format: WavFormat) -> Result<()> {
    let frames = audio.frames();
    let channels = audio.channels.len();
    if !(1..=2).contains(&channels) || audio.channels.iter().any(|c| c.len() != frames) {
        return Err(
            Error::invalid("audio to write must be 1 or 2 channels of equal length").at(path),
        );
    }
    check_sample_rate(audio.sample_rate).map_err(|e| e.at(path))?;
    let (bits_per_sample, sample_format) = match format {
        WavFormat::Float32 => (32, SampleFormat::Float),
        WavFormat::Int16 => (16, SampleFormat::Int),
        WavFormat::Int24 => (24, SampleFormat::Int),
    };
    let spec = WavSpec {
        channels: channels as u16,
        sample_rate: audio.sample_rate,
        bits_per_sample,
        sample_format,
    };
    let mut bytes = Cursor::new(Vec::with_capacity(
        64 + frames * channels * usize::from(bits_per_sample / 8),
    ));
    encode(&mut bytes, spec, audio, format)
        .map_err(|e| wav_error(format!("cannot encode: {e}")).at(path))?;
    write_atomic(path, bytes.get_ref())
}

fn encode(
    out: &mut Cursor<Vec<u8>>,
    spec: WavSpec,
    audio: &Audio,
    format: WavFormat,
) -> hound::Result<()> {
    let mut w = WavWriter::new(out, spec)?;
    let int = |s: f32, full: f32| (s * full).round().clamp(-full, full - 1.0);
    for i in 0..audio.frames() {
        for c in &audio.channels {
            match format {
                WavFormat::Float32 => w.write_sample(c[i])?,
                WavFormat::Int16 => w.write_sample(int(c[i], 32_768.0) as i16)?,
                WavFormat::Int24 => w.write_sample(int(c[i], 8_388_608.0) as i32)?,
            }
        }
    }
    w.finalize()
}

/// Resample by linear interpolation (the last sample is held past the end). Good enough for
/// drum one-shots; it neither filters nor band-limits, so downsampling can alias. (A proper
/// resampler is planned.) The output has `round(frames * to_rate / sample_rate)` frames, and
/// its first frame is the input's first frame, so an attack stays at frame 0. A sample rate of
/// 0, on either side, gives no frames.
pub fn resample_linear(audio: &Audio, to_rate: u32) -> Audio {
    if audio.sample_rate == to_rate {
        return audio.clone();
    }
    let (from, to) = (u64::from(audio.sample_rate), u64::from(to_rate));
    let out_frames = (audio.frames() as u64 * to + from / 2)
        .checked_div(from)
        .unwrap_or(0) as usize;
    let step = from as f64 / to as f64;
    let channels = audio
        .channels
        .iter()
        .map(|src| {
            (0..out_frames)
                .map(|i| {
                    let pos = i as f64 * step;
                    let i0 = pos as usize;
                    let frac = (pos - i0 as f64) as f32;
                    let a = src.get(i0).copied().unwrap_or(0.0);
                    let b = src.get(i0 + 1).copied().unwrap_or(a);
                    a + (b - a) * frac
                })
                .collect()
        })
        .collect();
    Audio {
        sample_rate: to_rate,
        channels,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_problems() {
        assert_eq!(format_problem(false, 16, 2), None);
        assert_eq!(format_problem(true, 32, 1), None);
        assert!(format_problem(true, 64, 1)
            .unwrap()
            .starts_with("64-bit float"));
        assert!(format_problem(false, 12, 1)
            .unwrap()
            .starts_with("12-bit integer"));
        assert_eq!(
            format_problem(false, 16, 6).unwrap(),
            "6 channels (mono or stereo only)"
        );
    }

    #[test]
    fn interleave_and_duration() {
        let a = Audio {
            sample_rate: 4,
            channels: vec![vec![1.0, 2.0], vec![-1.0, -2.0]],
        };
        assert_eq!(a.interleaved(), vec![1.0, -1.0, 2.0, -2.0]);
        assert_eq!(a.duration_secs(), 0.5);
        assert_eq!(Audio::stereo(48_000, 3).frames(), 3);
    }

    #[test]
    fn linear_resampling_interpolates() {
        let a = Audio {
            sample_rate: 1_000,
            channels: vec![vec![0.0, 1.0, 0.0]],
        };
        let up = resample_linear(&a, 2_000);
        assert_eq!(up.channels[0], vec![0.0, 0.5, 1.0, 0.5, 0.0, 0.0]);
        let down = resample_linear(&up, 1_000);
        assert_eq!(down.channels[0], vec![0.0, 1.0, 0.0]);
        assert_eq!(resample_linear(&a, 0).frames(), 0);
    }
}
