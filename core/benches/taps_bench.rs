//! `cargo bench -p bandmate-core --bench taps_bench`: what `bandmate.taps~` costs the audio
//! thread. 60 s of a rock beat rendered with the built-in kit at 48 kHz, over low-passed noise,
//! fed to the engine in 64-sample blocks (Pd's block) as a host does: the time of each block's
//! `process` (median, p99, worst), and its share of the block's real duration (1.33 ms). Then,
//! if `aubioonset` (aubio-tools) is installed, what a user would run instead: aubio's onset
//! detector over the same audio as a file, whole command.

use bandmate_core::objects::{Engine, TapsObject};
use bandmate_core::render::{render, Kit, Tail};
use bandmate_core::rng::Rng;
use bandmate_core::wav::{write_wav, Audio, WavFormat};
use std::process::Command;
use std::time::Instant;

const RATE: u32 = 48_000;
const BLOCK: usize = 64;
const SECS: usize = 60;

fn signal() -> Vec<f32> {
    let (p, _) = bandmate_core::patfile::preset("rock").unwrap();
    let bar = render(&p, 120.0, &Kit::synth(RATE), Tail::Cut).unwrap();
    let n = SECS * RATE as usize;
    let mut rng = Rng::new(7);
    let mut lp = 0.0f32;
    (0..n)
        .map(|i| {
            lp += 0.15 * (rng.normal() - lp);
            let b = &bar.channels[0];
            0.5 * b[i % b.len()] + 0.003 * lp
        })
        .collect()
}

fn main() {
    let x = signal();
    let (_object, mut engine) = TapsObject::new(RATE).unwrap();
    let mut out = vec![0.0f32; BLOCK];
    let mut times = Vec::with_capacity(x.len() / BLOCK);
    // warm-up: one pass of 5 s
    for b in x[..5 * RATE as usize].chunks_exact(BLOCK) {
        engine.process(&[b], &mut [&mut out[..]]);
    }
    for b in x.chunks_exact(BLOCK) {
        let t = Instant::now();
        engine.process(&[b], &mut [&mut out[..]]);
        times.push(t.elapsed().as_nanos() as f64 / 1000.0);
    }
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let q = |p: f64| times[((times.len() - 1) as f64 * p) as usize];
    let block_us = BLOCK as f64 * 1e6 / f64::from(RATE);
    let total: f64 = times.iter().sum();
    println!(
        "taps~ process, {BLOCK}-sample blocks at {RATE} Hz, {} blocks ({SECS} s): mean {:.2} us, median {:.2} us (a spectrum every 4th block: hop 256), p99 {:.2} us, worst {:.1} us; {:.2} % of each block's {:.0} us on average; {SECS} s of audio in {:.1} ms ({:.0}x real time)",
        times.len(),
        total / times.len() as f64,
        q(0.5),
        q(0.99),
        q(1.0),
        100.0 * total / times.len() as f64 / block_us,
        block_us,
        total / 1000.0,
        SECS as f64 * 1e6 / total
    );
    // What a user would pick instead: aubio's onset detector, whole command, same audio.
    if Command::new("aubioonset").arg("--help").output().is_ok() {
        let dir = std::env::temp_dir().join(format!("taps-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let wav = dir.join("beat.wav");
        let audio = Audio {
            sample_rate: RATE,
            channels: vec![x.clone()],
        };
        write_wav(&wav, &audio, WavFormat::default()).unwrap();
        let mut best = f64::INFINITY;
        let mut found = 0;
        for _ in 0..3 {
            let t = Instant::now();
            let o = Command::new("aubioonset")
                .args(["-i", wav.to_str().unwrap(), "-B", "512", "-H", "256"])
                .output()
                .unwrap();
            best = best.min(t.elapsed().as_secs_f64() * 1000.0);
            found = String::from_utf8_lossy(&o.stdout).lines().count();
        }
        println!(
            "aubioonset (aubio-tools, default hfc method, hop 256), the same {SECS} s from a WAV file, whole command, best of 3: {best:.1} ms ({:.0}x real time; {found} onsets)",
            SECS as f64 * 1000.0 / best
        );
        let _ = std::fs::remove_dir_all(dir);
    } else {
        println!("aubioonset: not installed (scripts/bench installs aubio-tools)");
    }
}
