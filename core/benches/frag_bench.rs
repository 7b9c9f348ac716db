//! `cargo bench -p bandmate-core --bench frag_bench`: the fragment bank's cost on the audio
//! thread. Four stereo slots all playing (two loops at rate 1, one at 0.5, one at 0.25; 44.1 kHz
//! fragments in a 48 kHz engine, so every voice resamples), 64-sample blocks: the median and
//! p99 time of one `BankEngine::process` call, and their share of the block's duration.
//! Single-threaded; each block is timed on its own after a warm-up.

use bandmate_core::fragbank::{bank, Fragment};
use std::hint::black_box;
use std::time::{Duration, Instant};

const HOST_RATE: f64 = 48_000.0;
const BLOCK: usize = 64;

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e9;
    (p(0.5), p(0.99))
}

/// Two seconds of deterministic stereo noise at 44.1 kHz.
fn noise(name: &str, seed: u32) -> Fragment {
    let mut x = seed;
    let mut channel = || {
        (0..88_200)
            .map(|_| {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (x >> 8) as f32 / (1u32 << 24) as f32 - 0.5
            })
            .collect()
    };
    let channels = vec![channel(), channel()];
    Fragment::new(name, channels, 44_100).unwrap()
}

fn main() {
    // cargo passes --bench; ignore arguments.
    let (mut control, mut engine) = bank(4, HOST_RATE).unwrap();
    for (slot, rate) in [1.0, 1.0, 0.5, 0.25].into_iter().enumerate() {
        control
            .load(noise(&format!("f{slot}"), slot as u32 + 1))
            .unwrap();
        control.set_rate(slot, rate).unwrap();
        control.set_loop(slot, true).unwrap();
    }
    let (mut left, mut right) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
    for _ in 0..5_000 {
        engine.process(&mut left, &mut right);
    }
    let times: Vec<Duration> = (0..200_000)
        .map(|_| {
            let t = Instant::now();
            engine.process(black_box(&mut left), black_box(&mut right));
            let elapsed = t.elapsed();
            black_box((&left, &right));
            elapsed
        })
        .collect();
    let mut playing = 0;
    control.poll_events(|_| playing += 1);
    assert_eq!(playing, 4, "all four slots started");
    let (med, p99) = stats(times);
    let block_ns = BLOCK as f64 / HOST_RATE * 1e9;
    println!("bandmate fragment bank benchmark (one thread)\n");
    println!(
        "process 4 stereo slots (loops at rate 1, 1, 0.5, 0.25; 44.1k fragments at 48 kHz), \
         64-sample block   median {med:>6.0} ns  p99 {p99:>6.0} ns  = {:.3} % / {:.3} % of the block's {:.3} ms",
        med / block_ns * 100.0,
        p99 / block_ns * 100.0,
        block_ns / 1e6
    );
}
