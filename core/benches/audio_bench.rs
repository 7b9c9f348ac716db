//! `cargo bench -p bandmate-core --bench audio_bench`: preparing a fragment
//! (`bandmate_core::audio`) on one core. The fragment: 47 s of 44.1 kHz stereo, what Stable
//! Audio Open gives at most: a rock beat rendered with the synthesized kit, drifting from 118 to
//! 122 BPM, with 1.5 s of silence before, a 1.2 s gap inside and 2 s after (deterministic).
//! Each step, and the chain trim -> tempo -> quantize (Stretch, then Warp) to 120 BPM, timed
//! on its own: the median and p99 of RUNS runs after a warm-up, and the factor over real time.
//! Then, if `sox` is installed, the nearest thing a user would do with it (trim the ends and
//! change the tempo by a known factor: sox cannot detect the tempo), whole command.

use bandmate_core::audio::{
    estimate_tempo, loudness_lufs, quantize, resample, stretch, trim, QuantizeMode,
    QuantizeOptions, TempoOptions, TrimOptions,
};
use bandmate_core::render::{render, Kit, Tail};
use bandmate_core::wav::{write_wav, Audio, WavFormat};
use bandmate_core::{Hit, Pattern, Voice};
use std::hint::black_box;
use std::process::Command;
use std::time::{Duration, Instant};

const RATE: u32 = 44_100;
const SECS: f64 = 47.0;
const RUNS: usize = 15;

fn rock_bar() -> Pattern {
    let mut p = Pattern::new(16).unwrap();
    let hit = |v| Some(Hit::on_grid(v).unwrap());
    for s in [0, 8, 10] {
        p.set(s, Voice::Kick, hit(1.0)).unwrap();
    }
    for s in [4, 12] {
        p.set(s, Voice::Snare, hit(0.9)).unwrap();
    }
    for s in (0..16).step_by(2) {
        p.set(s, Voice::ClosedHat, hit(0.6)).unwrap();
    }
    p.set(14, Voice::OpenHat, hit(0.5)).unwrap();
    p
}

/// The fragment: bars at a tempo drifting 118 -> 122 BPM, silences inserted.
fn fragment() -> Audio {
    let kit = Kit::synth(RATE);
    let n = (SECS * f64::from(RATE)) as usize;
    let mut out = vec![vec![0.0f32; n]; 2];
    let bar = rock_bar();
    let (lead, gap_at, gap, tail) = (1.5, 20.0, 1.2, 2.0);
    let mut t = lead;
    let mut k = 0;
    while t < SECS - tail - 2.2 {
        let bpm = 118.0 + 4.0 * (t / SECS);
        let a = render(&bar, bpm, &kit, Tail::Cut).unwrap();
        let at = (t * f64::from(RATE)) as usize;
        for (o, c) in out.iter_mut().zip(&a.channels) {
            o[at..at + c.len()].copy_from_slice(c);
        }
        t += 240.0 / bpm;
        k += 1;
        if k == 10 {
            t = t.max(gap_at) + gap;
        }
    }
    Audio {
        sample_rate: RATE,
        channels: out,
    }
}

fn time<T>(runs: usize, mut f: impl FnMut() -> T) -> (f64, f64) {
    black_box(f());
    let mut v: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    v.sort();
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    (p(0.5), p(0.99))
}

fn line(what: &str, (med, p99): (f64, f64), audio_secs: f64) {
    println!(
        "{what:<58} median {med:>8.1} ms  p99 {p99:>8.1} ms  {:>7.0}x real time",
        audio_secs * 1e3 / med
    );
}

fn main() {
    let a = fragment();
    let trim_opts = TrimOptions::default();
    let tempo_opts = TempoOptions::default();
    let q = |mode| QuantizeOptions {
        bpm: 120.0,
        mode,
        ..Default::default()
    };
    let (trimmed, rep) = trim(&a, &trim_opts).unwrap();
    let est = estimate_tempo(&trimmed, &tempo_opts).unwrap();
    let (_, qs) = quantize(&trimmed, &est, &q(QuantizeMode::Stretch)).unwrap();
    let (_, qw) = quantize(&trimmed, &est, &q(QuantizeMode::Warp)).unwrap();
    println!("bandmate fragment preparation benchmark (one thread)\n");
    println!(
        "fragment: {SECS} s, {RATE} Hz stereo; trimmed {:.2} s; {:.2} BPM (confidence {:.2}, {} beats); \
         Stretch: {} bars, Warp: {} bars\n",
        rep.removed_secs,
        est.bpm,
        est.confidence,
        est.beats.len(),
        qs.bars,
        qw.bars
    );
    line("trim", time(RUNS, || trim(&a, &trim_opts).unwrap()), SECS);
    line(
        "estimate tempo (onsets, tempo, beats) of the trimmed fragment",
        time(RUNS, || estimate_tempo(&trimmed, &tempo_opts).unwrap()),
        SECS,
    );
    for mode in [QuantizeMode::Stretch, QuantizeMode::Warp] {
        line(
            &format!("quantize {mode:?} to 120 BPM (given the estimate)"),
            time(RUNS, || quantize(&trimmed, &est, &q(mode)).unwrap()),
            SECS,
        );
    }
    for mode in [QuantizeMode::Stretch, QuantizeMode::Warp] {
        line(
            &format!("chain: trim + tempo + quantize {mode:?}"),
            time(RUNS, || {
                let (t, _) = trim(&a, &trim_opts).unwrap();
                let e = estimate_tempo(&t, &tempo_opts).unwrap();
                quantize(&t, &e, &q(mode)).unwrap()
            }),
            SECS,
        );
    }
    line(
        "stretch x2 (whole fragment, 94 s out)",
        time(RUNS, || stretch(&a, 2.0).unwrap()),
        SECS,
    );
    line(
        "resample 44.1 -> 48 kHz",
        time(RUNS, || resample(&a, 48_000).unwrap()),
        SECS,
    );
    line(
        "loudness (BS.1770 integrated)",
        time(RUNS, || loudness_lufs(&a).unwrap()),
        SECS,
    );

    // sox, whole command: what a user would do instead.
    let sox = Command::new("sox").arg("--version").output();
    match sox {
        Ok(o) if o.status.success() => {
            let version = String::from_utf8_lossy(&o.stdout).trim().to_string();
            let dir =
                std::env::temp_dir().join(format!("bandmate-audio-bench-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let (inp, out) = (dir.join("in.wav"), dir.join("out.wav"));
            write_wav(&inp, &a, WavFormat::Float32).unwrap();
            let factor = format!("{:.5}", 120.0 / est.bpm);
            let run = |args: &[&str]| {
                time(5, || {
                    let s = Command::new("sox").arg("-V1").args(args).status().unwrap();
                    assert!(s.success(), "sox {args:?}");
                })
            };
            let (i, o) = (inp.to_str().unwrap(), out.to_str().unwrap());
            println!("\n{version}, whole command (process start, WAV read and write included):");
            line(
                "sox: trim ends (silence ... reverse silence ... reverse)",
                run(&[
                    i, o, "silence", "1", "0.005", "-50d", "reverse", "silence", "1", "0.005",
                    "-50d", "reverse",
                ]),
                SECS,
            );
            line(
                &format!("sox: tempo {factor} (WSOLA, -m music)"),
                run(&[i, o, "tempo", "-m", &factor]),
                SECS,
            );
            line(
                "sox: trim ends + tempo",
                run(&[
                    i, o, "silence", "1", "0.005", "-50d", "reverse", "silence", "1", "0.005",
                    "-50d", "reverse", "tempo", "-m", &factor,
                ]),
                SECS,
            );
            line(
                "sox: tempo 0.5 (x2 longer)",
                run(&[i, o, "tempo", "-m", "0.5"]),
                SECS,
            );
            line(
                "sox: rate 48k (-v, very high quality)",
                run(&[i, o, "rate", "-v", "48000"]),
                SECS,
            );
            line(
                "sox: copy only (process start, read, write)",
                run(&[i, o]),
                SECS,
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
        _ => println!("\nsox is not installed: no comparison"),
    }
    if Command::new("rubberband")
        .arg("--version")
        .output()
        .is_err()
    {
        println!("rubberband is not installed: no comparison");
    }
}
