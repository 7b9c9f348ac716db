//! `cargo bench -p bandmate-core --bench t2a_bench -- [DIR] [int8] [threads=N] [steps=N] [runs=N]`:
//! text-to-audio speed (docs/benchmarks.md). DIR: a model folder from `scripts/export-sao`
//! (default `out/sao-small-random`, the full-size architecture with random weights that
//! `scripts/export-sao --full-size-random --int8 --out out/sao-small-random` writes). One
//! configuration per process, so that the peak memory (VmHWM) is its own; `scripts/bench-t2a`
//! runs them all. Each run makes a whole fragment from a prompt (the model samples its whole
//! window, 11.9 s for Stable Audio Open Small, whatever the length asked).

use bandmate_core::t2a::{Request, TextToAudio};
use std::path::PathBuf;
use std::time::Instant;

fn peak_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../out/sao-small-random");
    let (mut int8, mut threads, mut steps, mut runs) = (false, 2usize, None, 3usize);
    for a in std::env::args().skip(1) {
        if a == "--bench" {
            continue;
        } else if a == "int8" {
            int8 = true;
        } else if let Some(n) = a.strip_prefix("threads=") {
            threads = n.parse().expect("threads=N");
        } else if let Some(n) = a.strip_prefix("steps=") {
            steps = Some(n.parse().expect("steps=N"));
        } else if let Some(n) = a.strip_prefix("runs=") {
            runs = n.parse().expect("runs=N");
        } else {
            dir = PathBuf::from(a);
        }
    }
    let t = Instant::now();
    let mut m = TextToAudio::load(&dir, None, int8, threads)
        .unwrap_or_else(|e| panic!("{e} (make it with scripts/export-sao --full-size-random --int8 --out out/sao-small-random)"));
    let load_s = t.elapsed().as_secs_f64();
    let info = m.info().clone();
    let window = info.max_seconds;
    let frames = m.window_frames();
    let keep = (4.0 * f64::from(info.sample_rate)).round() as usize;
    let first_frames = m.decode_frames(keep, frames);
    let (mut samples, mut steps_t, mut cond_t, mut whole_t, mut part_t, mut frag_t) = (
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
        Vec::new(),
    );
    let mut worst = 0.0f64;
    for run in 0..runs {
        let r = Request {
            prompt: "warm arpeggios on house beats 120 bpm".into(),
            seconds: 4.0,
            steps,
            cfg: None,
            seed: run as u64,
        };
        // a whole fragment as the objects make it (4 s: the latents of the window, the frames
        // of 4 s decoded)
        let t = Instant::now();
        let a = m.generate(&r, &mut |_, _| true).expect("generation");
        frag_t.push(t.elapsed().as_secs_f64());
        assert!(a.frames() > 0);
        // and in parts
        let mut state = 1u64 + run as u64;
        let mut noise = |_: usize, out: &mut [f32]| {
            for x in out.iter_mut() {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                *x = ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 3.4;
            }
        };
        let start = Instant::now();
        let mut marks = Vec::new();
        let latents = m
            .sample(&r, frames, &mut noise, &mut |_, _| {
                marks.push(start.elapsed().as_secs_f64());
                true
            })
            .expect("sampling");
        samples.push(start.elapsed().as_secs_f64());
        let per_step: Vec<f64> = marks.windows(2).map(|w| w[1] - w[0]).collect();
        let step = median(per_step.clone());
        steps_t.extend(per_step);
        cond_t.push((marks[0] - step).max(0.0));
        let t = Instant::now();
        let whole = m.decode(&latents, frames, frames).expect("decode");
        whole_t.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let part = m.decode(&latents, frames, first_frames).expect("decode");
        part_t.push(t.elapsed().as_secs_f64());
        let peak = whole
            .channels
            .iter()
            .flatten()
            .fold(0.0f32, |a, x| a.max(x.abs()));
        for (a, b) in whole.channels.iter().zip(&part.channels) {
            for (x, y) in a[..keep].iter().zip(&b[..keep]) {
                worst = worst.max(f64::from((x - y).abs() / peak.max(1e-12)));
            }
        }
    }
    let sample_s = median(samples);
    let whole_s = median(whole_t);
    let window_total = sample_s + whole_s;
    println!(
        "{{\"model\": \"{}\", \"precision\": \"{}\", \"threads\": {threads}, \"steps\": {}, \"window_s\": {window:.2}, \"load_s\": {load_s:.2}, \"first_fragment_4s_s\": {:.2}, \"fragment_4s_s_median\": {:.2}, \"conditioner_s\": {:.3}, \"step_s\": {:.3}, \"sampling_s\": {sample_s:.2}, \"decode_window_s\": {whole_s:.2}, \"decode_4s_s\": {:.2}, \"window_audio_s_per_s\": {:.3}, \"fragment_4s_audio_s_per_s\": {:.3}, \"partial_decode_max_rel_diff\": {worst:.2e}, \"peak_mib\": {:.0}, \"runs\": {runs}}}",
        info.name,
        if int8 { "int8" } else { "float" },
        steps.unwrap_or(info.steps),
        frag_t[0],
        median(frag_t.clone()),
        median(cond_t),
        median(steps_t),
        median(part_t),
        window / window_total,
        4.0 / median(frag_t.clone()),
        peak_mib()
    );
}
