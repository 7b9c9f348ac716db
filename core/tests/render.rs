//! Rendering to audio and WAV files: onset exactness, velocity, panning, tails, user kits and
//! the errors for bad kit folders and bad WAV files.

mod common;

use common::TempDir;

use bandmate_core::render::{
    hit_frame, loop_frames, render, render_frames, render_into, Kit, Tail, PEAK_CEILING,
};
use bandmate_core::wav::{read_wav, write_wav, Audio, WavFormat};
use bandmate_core::{ErrorKind, Hit, Pattern, Voice, STEPS_PER_BAR};
use std::fs;
use std::path::Path;

fn mono(sample_rate: u32, samples: &[f32]) -> Audio {
    Audio {
        sample_rate,
        channels: vec![samples.to_vec()],
    }
}

fn write_mono(path: &Path, sample_rate: u32, samples: &[f32]) {
    write_wav(path, &mono(sample_rate, samples), WavFormat::Float32).unwrap();
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0, |m, s| m.max(s.abs()))
}

/// Onsets: frames whose |x| exceeds a tiny threshold after at least 32 frames below it,
/// looking around the end of the buffer (a looping buffer has no "before the start").
fn onsets(x: &[f32]) -> Vec<usize> {
    const THRESHOLD: f32 = 1e-6;
    const SILENCE: usize = 32;
    let n = x.len();
    (0..n)
        .filter(|&i| {
            x[i].abs() > THRESHOLD && (1..=SILENCE).all(|k| x[(i + n - k) % n].abs() <= THRESHOLD)
        })
        .collect()
}

const OFFSETS: [f32; 8] = [-0.37, -0.5, -0.1, 0.0, 0.13, 0.5, 0.29, -0.23];
const STEP_IN_BAR: [usize; 8] = [0, 3, 5, 8, 2, 7, 1, 4];

/// One hit of `voice` per bar, at varied steps (the first on step 0, early, so that it wraps
/// to the end of the loop) and offsets; hits are at least 7 steps apart.
fn spaced_hits(voice: Voice, velocity: f32) -> (Pattern, Vec<(usize, f32)>) {
    let mut p = Pattern::new(OFFSETS.len() * STEPS_PER_BAR).unwrap();
    let hits: Vec<(usize, f32)> = (0..OFFSETS.len())
        .map(|bar| (bar * STEPS_PER_BAR + STEP_IN_BAR[bar], OFFSETS[bar]))
        .collect();
    for &(step, offset) in &hits {
        p.set(step, voice, Some(Hit::new(velocity, offset).unwrap()))
            .unwrap();
    }
    (p, hits)
}

/// Render one voice's spaced hits and check every onset against `hit_frame`.
fn check_onsets(kit: &Kit, voice: Voice, bpm: f64) {
    let sr = kit.sample_rate();
    let (pattern, hits) = spaced_hits(voice, 0.8);
    let audio = render(&pattern, bpm, kit, Tail::Wrap).unwrap();
    let frames = loop_frames(pattern.steps(), bpm, sr);
    assert_eq!(audio.frames(), frames);
    assert_eq!(audio.sample_rate, sr);
    let mut expected: Vec<f64> = hits
        .iter()
        .map(|&(step, offset)| hit_frame(step, offset, bpm, sr).rem_euclid(frames as f64))
        .collect();
    expected.sort_by(f64::total_cmp);
    for channel in &audio.channels {
        let found = onsets(channel);
        assert_eq!(
            found.len(),
            expected.len(),
            "{voice} at {bpm} BPM, {sr} Hz: {found:?}"
        );
        for (f, e) in found.iter().zip(&expected) {
            // The acceptance is 1 sample; the render rounds to the nearest, so 0.5.
            assert!(
                (*f as f64 - e).abs() <= 0.5,
                "{voice} at {bpm} BPM, {sr} Hz: onset at {f}, computed {e}"
            );
        }
    }
}

#[test]
fn synth_onsets_land_within_one_sample() {
    for sr in [44_100, 48_000] {
        let kit = Kit::synth(sr);
        for bpm in [93.7, 120.0, 137.0] {
            for voice in [Voice::Kick, Voice::Snare] {
                check_onsets(&kit, voice, bpm);
            }
        }
    }
}

#[test]
fn user_kit_onsets_land_within_one_sample_and_play_at_velocity_gain() {
    let dir = TempDir::new("impulses");
    // Impulses at 48 kHz: at 44.1 kHz the kit resamples them.
    write_mono(&dir.path("kick.wav"), 48_000, &[1.0, 0.5, 0.25]);
    write_mono(&dir.path("38.wav"), 48_000, &[-0.9, 0.3]);
    for sr in [44_100, 48_000] {
        let (kit, report) = Kit::from_folder(dir.dir(), sr).unwrap();
        assert_eq!(report.mapped.len(), 2);
        for bpm in [93.7, 120.0, 137.0] {
            check_onsets(&kit, Voice::Kick, bpm);
            check_onsets(&kit, Voice::Snare, bpm);
        }
        // The first sample of the one-shot, times velocity^1.6, unpanned.
        let mut p = Pattern::new(16).unwrap();
        p.set(5, Voice::Kick, Some(Hit::new(0.5, 0.13).unwrap()))
            .unwrap();
        let audio = render(&p, 120.0, &kit, Tail::Wrap).unwrap();
        let at = hit_frame(5, 0.13, 120.0, sr).round() as usize;
        for channel in &audio.channels {
            assert!((channel[at] - 0.5f32.powf(1.6)).abs() < 1e-6);
            assert_eq!(channel[at - 1], 0.0);
        }
        // in a triplet feel, the off-beat 8th (step 6) sounds 2/3 of a step late
        let mut p = Pattern::new(16).unwrap();
        p.set(6, Voice::Kick, Some(Hit::on_grid(0.5).unwrap()))
            .unwrap();
        p.set_feel(2.0 / 3.0).unwrap();
        let audio = render(&p, 120.0, &kit, Tail::Wrap).unwrap();
        let at = hit_frame(6, 2.0 / 3.0, 120.0, sr).round() as usize;
        for channel in &audio.channels {
            assert!((channel[at] - 0.5f32.powf(1.6)).abs() < 1e-6);
            assert_eq!(channel[at - 1], 0.0);
        }
    }
}

#[test]
fn louder_velocity_gives_a_larger_peak() {
    let kit = Kit::synth(48_000);
    let full = {
        let mut p = Pattern::new(16).unwrap();
        p.set(0, Voice::Kick, Some(Hit::on_grid(1.0).unwrap()))
            .unwrap();
        peak(&render(&p, 120.0, &kit, Tail::Cut).unwrap().channels[0])
    };
    let mut last = 0.0;
    for v in [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0] {
        let mut p = Pattern::new(16).unwrap();
        p.set(0, Voice::Kick, Some(Hit::on_grid(v).unwrap()))
            .unwrap();
        let pk = peak(&render(&p, 120.0, &kit, Tail::Cut).unwrap().channels[0]);
        assert!(pk > last, "velocity {v}: peak {pk} not above {last}");
        assert!((pk / full - v.powf(1.6)).abs() < 1e-5, "velocity {v}");
        last = pk;
    }
}

#[test]
fn voices_are_panned() {
    let kit = Kit::synth(44_100);
    let sides = |voice: Voice| {
        let mut p = Pattern::new(16).unwrap();
        p.set(0, voice, Some(Hit::on_grid(1.0).unwrap())).unwrap();
        let a = render(&p, 120.0, &kit, Tail::Ring).unwrap();
        (peak(&a.channels[0]), peak(&a.channels[1]))
    };
    let (l, r) = sides(Voice::ClosedHat);
    assert!(r > 1.2 * l, "closed hat: left {l}, right {r}");
    let (l, r) = sides(Voice::Kick);
    assert_eq!(l, r);
    let (l, r) = sides(Voice::LowTom);
    assert!(l > 1.2 * r, "low tom: left {l}, right {r}");
    let (l, r) = sides(Voice::HighTom);
    assert!(r > 1.2 * l, "high tom: left {l}, right {r}");
    let (l, r) = sides(Voice::Crash);
    assert!(l > 1.2 * r, "crash: left {l}, right {r}");
}

#[test]
fn tails_wrap_cut_or_ring() {
    let sr = 48_000;
    let kit = Kit::synth(sr);
    let mut p = Pattern::new(32).unwrap();
    p.set(31, Voice::Crash, Some(Hit::on_grid(1.0).unwrap()))
        .unwrap();
    let frames = loop_frames(32, 120.0, sr);
    let wrap = render(&p, 120.0, &kit, Tail::Wrap).unwrap();
    let cut = render(&p, 120.0, &kit, Tail::Cut).unwrap();
    let ring = render(&p, 120.0, &kit, Tail::Ring).unwrap();
    let start = hit_frame(31, 0.0, 120.0, sr).round() as usize;
    let crash = kit.shot(Voice::Crash).0.len();
    assert_eq!(wrap.frames(), frames);
    assert_eq!(cut.frames(), frames);
    assert_eq!(ring.frames(), start + crash);
    assert!(ring.frames() > frames);
    assert_eq!(
        render_frames(&p, 120.0, &kit, Tail::Ring).unwrap(),
        ring.frames()
    );
    for c in 0..2 {
        // Cut leaves the start silent; Wrap puts the crash's tail there.
        assert!(cut.channels[c][..start].iter().all(|&x| x == 0.0));
        assert!(peak(&wrap.channels[c][..1000]) > 0.01);
        // Ring is Cut plus the tail; Wrap is Cut plus the tail folded back to the start.
        assert_eq!(ring.channels[c][..frames], cut.channels[c][..]);
        for i in 0..frames {
            let tail = ring.channels[c].get(frames + i).copied().unwrap_or(0.0);
            assert!((wrap.channels[c][i] - cut.channels[c][i] - tail).abs() < 1e-6);
        }
    }

    // A hit before time 0 wraps to the end; Cut drops the part before 0.
    let mut p = Pattern::new(16).unwrap();
    p.set(0, Voice::Kick, Some(Hit::new(1.0, -0.25).unwrap()))
        .unwrap();
    let early = -hit_frame(0, -0.25, 120.0, sr).round() as usize;
    let kick = kit.shot(Voice::Kick).0;
    let wrap = render(&p, 120.0, &kit, Tail::Wrap).unwrap();
    let cut = render(&p, 120.0, &kit, Tail::Cut).unwrap();
    let n = wrap.frames();
    assert_eq!(wrap.channels[0][n - early], kick[0]);
    assert_eq!(cut.channels[0][0], kick[early]);
    assert_eq!(cut.channels[0][n - early], 0.0);
}

#[test]
fn a_full_loop_does_not_clip_hard() {
    let kit = Kit::synth(48_000);
    let mut p = Pattern::empty_loop();
    let full = Some(Hit::on_grid(1.0).unwrap());
    for s in 0..32 {
        let voice = match s % 8 {
            0 => Voice::Kick,
            4 => Voice::Snare,
            _ => Voice::ClosedHat,
        };
        p.set(s, voice, full).unwrap();
        p.set(s, Voice::Ride, full).unwrap();
    }
    p.set(0, Voice::Crash, full).unwrap();
    p.set(30, Voice::OpenHat, full).unwrap();
    let audio = render(&p, 120.0, &kit, Tail::Wrap).unwrap();
    for c in &audio.channels {
        assert!(c.iter().all(|x| x.is_finite()));
        let pk = peak(c);
        assert!(pk > 0.5 && pk < 1.5, "peak {pk}");
    }
}

/// Every drum on every 16th at 400 BPM, as hard as it goes: mixed, it peaked at +4 dBFS (and
/// +7 dBFS drawn at temperature 3) in a performer check, into [dac~] unlimited. The whole loop
/// is turned down to [`PEAK_CEILING`], the same in a buffer the host owns; a loop under it is
/// left exactly as mixed.
#[test]
fn a_render_never_peaks_over_the_ceiling() {
    let kit = Kit::synth(48_000);
    let mut p = Pattern::empty_loop();
    for s in 0..32 {
        for v in Voice::ALL {
            p.set(s, v, Some(Hit::on_grid(1.0).unwrap())).unwrap();
        }
    }
    let audio = render(&p, 400.0, &kit, Tail::Wrap).unwrap();
    let n = audio.frames();
    let (mut l, mut r) = (vec![1.0; n], vec![1.0; n]);
    render_into(&p, 400.0, &kit, Tail::Wrap, &mut l, &mut r).unwrap();
    assert_eq!(audio.channels, vec![l, r]);
    let pk = audio.channels.iter().map(|c| peak(c)).fold(0.0, f32::max);
    assert!(
        (pk - PEAK_CEILING).abs() < 1e-4,
        "peak {pk}, ceiling {PEAK_CEILING}"
    );
    // one soft kick: as mixed, its gain the velocity curve's
    let mut one = Pattern::empty_loop();
    one.set(0, Voice::Kick, Some(Hit::on_grid(0.5).unwrap()))
        .unwrap();
    let soft = render(&one, 120.0, &kit, Tail::Wrap).unwrap();
    let (kick, _) = kit.shot(Voice::Kick);
    let gain = 0.5f32.powf(bandmate_core::render::VELOCITY_CURVE);
    assert_eq!(soft.channels[0][100], kick[100] * gain);
}

#[test]
fn render_checks_tempo_and_buffers() {
    let kit = Kit::synth(48_000);
    let p = Pattern::empty_loop();
    assert!(render(&p, 0.0, &kit, Tail::Wrap).is_err());
    assert!(render(&p, f64::NAN, &kit, Tail::Wrap).is_err());
    assert!(render(&p, 120.0, &Kit::synth(0), Tail::Wrap).is_err());
    let frames = loop_frames(32, 120.0, 48_000);
    assert_eq!(frames, 192_000);
    let (mut l, mut r) = (vec![1.0; frames], vec![1.0; frames]);
    render_into(&p, 120.0, &kit, Tail::Cut, &mut l, &mut r).unwrap();
    assert!(l.iter().chain(&r).all(|&x| x == 0.0), "buffers are cleared");
    let mut short = vec![0.0; frames - 1];
    let e = render_into(&p, 120.0, &kit, Tail::Cut, &mut l, &mut short).unwrap_err();
    assert!(e.to_string().contains("frames"), "{e}");
}

#[test]
fn kit_folder_maps_names_and_reports_fallbacks() {
    let dir = TempDir::new("names");
    let sr = 48_000;
    for name in [
        "Kick 01.wav",
        "01-snare.wav",
        "closed_hat.wav",
        "Open Hat.WAV",
        "38.wav",
        "cowbell.wav",
    ] {
        write_mono(&dir.path(name), sr, &[0.5, 0.25]);
    }
    // Not read: not a WAV, hidden (a macOS resource fork), a folder.
    fs::write(dir.path("notes.txt"), "hello").unwrap();
    fs::write(dir.path("._kick.wav"), "resource fork").unwrap();
    fs::create_dir(dir.path("ride.wav")).unwrap();

    let (kit, report) = Kit::from_folder(dir.dir(), sr).unwrap();
    let mapped: Vec<(Voice, String)> = report
        .mapped
        .iter()
        .map(|(v, p)| (*v, p.file_name().unwrap().to_string_lossy().into()))
        .collect();
    assert_eq!(
        mapped,
        [
            (Voice::Kick, "Kick 01.wav".to_string()),
            (Voice::Snare, "01-snare.wav".into()),
            (Voice::ClosedHat, "closed_hat.wav".into()),
            (Voice::OpenHat, "Open Hat.WAV".into()),
        ]
    );
    assert_eq!(
        report.fallback,
        [
            Voice::LowTom,
            Voice::MidTom,
            Voice::HighTom,
            Voice::Crash,
            Voice::Ride
        ]
    );
    assert_eq!(
        report.ignored,
        [dir.path("38.wav"), dir.path("cowbell.wav")]
    );
    assert_eq!(kit.name(), dir.dir().file_name().unwrap().to_string_lossy());
    assert_eq!(kit.sample_rate(), sr);
    assert_eq!(kit.shot(Voice::Kick), (&[0.5, 0.25][..], &[0.5, 0.25][..]));
    let synth = Kit::synth(sr);
    assert_eq!(kit.shot(Voice::Crash), synth.shot(Voice::Crash));
}

#[test]
fn kit_folder_resamples_and_keeps_stereo() {
    let dir = TempDir::new("resample");
    write_mono(&dir.path("kick.wav"), 22_050, &vec![0.1; 1000]);
    let stereo = Audio {
        sample_rate: 48_000,
        channels: vec![vec![0.2, 0.1], vec![-0.2, -0.1]],
    };
    write_wav(&dir.path("snare.wav"), &stereo, WavFormat::Float32).unwrap();
    let (kit, _) = Kit::from_folder(dir.dir(), 48_000).unwrap();
    let (l, r) = kit.shot(Voice::Kick);
    // 1000 frames at 22.05 kHz are 45.35 ms: 2176.87 frames at 48 kHz.
    assert_eq!(l.len(), 2177);
    assert_eq!(l, r);
    assert!(l.iter().all(|&x| (x - 0.1).abs() < 1e-6));
    assert_eq!(kit.shot(Voice::Snare), (&[0.2, 0.1][..], &[-0.2, -0.1][..]));
}

/// The error's one line names `name` and contains `problem`; returns it.
fn assert_error(
    result: Result<impl std::fmt::Debug, bandmate_core::Error>,
    name: &Path,
    problem: &str,
) {
    let e = result.unwrap_err();
    let line = e.to_string();
    assert!(!line.contains('\n'), "{line}");
    assert!(line.contains(&name.display().to_string()), "{line}");
    assert!(line.contains(problem), "{line}");
}

#[test]
fn bad_kit_folders_are_one_line_errors() {
    let dir = TempDir::new("badkit");
    fs::write(dir.path("readme.txt"), "no samples here").unwrap();
    let e = Kit::from_folder(dir.dir(), 48_000);
    assert!(matches!(e, Err(ref e) if matches!(e.kind, ErrorKind::Kit(_))));
    assert_error(e, dir.dir(), "empty kit folder: no .wav files");

    let missing = dir.path("no-such-kit");
    assert_error(
        Kit::from_folder(&missing, 48_000),
        &missing,
        "cannot read kit folder",
    );

    write_mono(&dir.path("tambourine.wav"), 48_000, &[1.0]);
    write_mono(&dir.path("clap 2.wav"), 48_000, &[1.0]);
    assert_error(
        Kit::from_folder(dir.dir(), 48_000),
        dir.dir(),
        "none of the 2 .wav files is named after a voice",
    );

    fs::write(dir.path("kick.wav"), b"definitely not RIFF data").unwrap();
    assert_error(
        Kit::from_folder(dir.dir(), 48_000),
        &dir.path("kick.wav"),
        "not a WAV file",
    );
}

/// A WAV header with the given fmt fields, claiming `data_len` bytes of which `data` follow.
fn crafted_wav(
    tag: u16,
    channels: u16,
    rate: u32,
    bits: u16,
    data_len: u32,
    data: &[u8],
) -> Vec<u8> {
    let block = channels * bits / 8;
    let mut b = Vec::new();
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + data_len).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&tag.to_le_bytes());
    b.extend_from_slice(&channels.to_le_bytes());
    b.extend_from_slice(&rate.to_le_bytes());
    b.extend_from_slice(&(rate * u32::from(block)).to_le_bytes());
    b.extend_from_slice(&block.to_le_bytes());
    b.extend_from_slice(&bits.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&data_len.to_le_bytes());
    b.extend_from_slice(data);
    b
}

#[test]
fn bad_wav_files_are_one_line_errors() {
    let dir = TempDir::new("badwav");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "garbage.wav",
            b"\x00\x01garbage bytes, not RIFF".to_vec(),
            "not a WAV file",
        ),
        (
            "empty.wav",
            Vec::new(),
            "truncated file (it ends inside the header)",
        ),
        (
            "f64.wav",
            crafted_wav(3, 1, 48_000, 64, 64, &[0; 64]),
            "unsupported format: 64-bit float",
        ),
        (
            "adpcm.wav",
            crafted_wav(2, 1, 48_000, 4, 64, &[0; 64]),
            "unsupported format: compressed or non-PCM data (format tag 0x0002",
        ),
        (
            // Claims 601 s of 8 kHz 16-bit mono; holds 4 bytes. Refused from the header.
            "long.wav",
            crafted_wav(1, 1, 8_000, 16, 8_000 * 2 * 601, &[0; 4]),
            "too long: 601 s (the limit is 10 minutes)",
        ),
        (
            "silent.wav",
            crafted_wav(1, 2, 48_000, 16, 0, &[]),
            "no audio (0 frames)",
        ),
    ];
    for (name, bytes, problem) in cases {
        let path = dir.path(name);
        fs::write(&path, bytes).unwrap();
        let e = read_wav(&path);
        assert!(
            matches!(e, Err(ref e) if matches!(e.kind, ErrorKind::Wav(_))),
            "{name}: {e:?}"
        );
        assert_error(e, &path, problem);
    }

    // Truncated data: a valid 16-bit file cut short.
    let path = dir.path("truncated.wav");
    let audio = mono(44_100, &[0.25; 1000]);
    write_wav(&path, &audio, WavFormat::Int16).unwrap();
    let bytes = fs::read(&path).unwrap();
    fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert_error(read_wav(&path), &path, "truncated file (it ends before");

    // Three channels, written by hound itself.
    let path = dir.path("three.wav");
    let spec = hound::WavSpec {
        channels: 3,
        sample_rate: 48_000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut w = hound::WavWriter::create(&path, spec).unwrap();
    for _ in 0..30 {
        w.write_sample(0i16).unwrap();
    }
    w.finalize().unwrap();
    assert_error(read_wav(&path), &path, "3 channels (mono or stereo only)");

    let missing = dir.path("nope.wav");
    assert_error(read_wav(&missing), &missing, "");
}

#[test]
fn write_wav_errors_name_the_file() {
    let dir = TempDir::new("write");
    let path = dir.path("no/such/folder/out.wav");
    assert_error(
        write_wav(&path, &Audio::stereo(48_000, 10), WavFormat::Float32),
        &path,
        "",
    );
    let three = Audio {
        sample_rate: 48_000,
        channels: vec![vec![0.0; 4]; 3],
    };
    let path = dir.path("three.wav");
    assert_error(
        write_wav(&path, &three, WavFormat::Int16),
        &path,
        "1 or 2 channels",
    );
    assert!(!path.exists());
}

#[test]
fn write_then_read_round_trips() {
    let dir = TempDir::new("roundtrip");
    let n = 2000;
    let left: Vec<f32> = (0..n).map(|i| (i as f32 * 0.013).sin() * 0.9).collect();
    let right: Vec<f32> = (0..n)
        .map(|i| ((i * 7919) % 2001) as f32 / 1000.0 - 1.0)
        .collect();
    let audio = Audio {
        sample_rate: 44_100,
        channels: vec![left, right],
    };
    let path = dir.path("rt.wav");

    write_wav(&path, &audio, WavFormat::Float32).unwrap();
    assert_eq!(read_wav(&path).unwrap(), audio);

    for (format, step) in [
        (WavFormat::Int16, 1.0 / 32_768.0),
        (WavFormat::Int24, 1.0 / 8_388_608.0),
    ] {
        write_wav(&path, &audio, format).unwrap();
        let back = read_wav(&path).unwrap();
        assert_eq!(back.sample_rate, 44_100);
        assert_eq!(back.frames(), n);
        for (a, b) in audio
            .channels
            .iter()
            .flatten()
            .zip(back.channels.iter().flatten())
        {
            assert!((a - b).abs() <= step, "{format:?}: {a} vs {b}");
        }
    }

    // Integer formats clamp; float keeps values past full scale.
    let loud = mono(48_000, &[1.5, -2.0, 0.5]);
    write_wav(&path, &loud, WavFormat::Int16).unwrap();
    let back = read_wav(&path).unwrap();
    assert!((back.channels[0][0] - 1.0).abs() <= 1.0 / 32_768.0);
    assert_eq!(back.channels[0][1], -1.0);
    write_wav(&path, &loud, WavFormat::Float32).unwrap();
    assert_eq!(read_wav(&path).unwrap(), loud);
    assert_eq!(
        fs::read_dir(dir.dir()).unwrap().count(),
        1,
        "no temp files left"
    );
}
