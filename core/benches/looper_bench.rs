//! `cargo bench -p bandmate-core --bench looper_bench`: the SmartLooper figures in
//! docs/benchmarks.md and the embedding comparison in docs/looper.md. Single-threaded.
//!
//! 1. `Navigator::choose` on a corpus of the whole Groove MIDI Dataset (about 10,000 segments),
//!    median and p99 (target: at most 0.5 ms).
//! 2. Building that corpus (handcrafted, then groove-encoder embeddings), saving it, loading the
//!    corpus file; JSON (serde_json) for the same data as the plain alternative.
//! 3. The two embeddings compared on long runs, with measures that do not depend on either
//!    embedding: how different the drum patterns of consecutive segments are, and how often a
//!    move stays in the same style.

use bandmate_core::gmd;
use bandmate_core::looper::{BuildOptions, Controls, Corpus, EmbedderChoice, Navigator, Segment};
use bandmate_core::rng::Rng;
use bandmate_core::Voice;
use std::collections::HashSet;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    (p(0.5), p(0.99))
}

fn best_of<T>(n: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..n {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64() * 1e3);
        out = Some(r);
    }
    (best, out.expect("n >= 1"))
}

/// The drum hits of a segment on a 2-bar grid of 16ths (tiled or folded), per voice.
fn grid(s: &Segment) -> HashSet<(usize, usize)> {
    s.notes
        .iter()
        .filter_map(|n| {
            Voice::from_note(n.key).map(|v| (((n.beat * 4.0).round() as usize) % 32, v.index()))
        })
        .collect()
}

/// Jaccard distance between two segments' hit grids: 0 same pattern, 1 nothing in common.
fn pattern_distance(a: &HashSet<(usize, usize)>, b: &HashSet<(usize, usize)>) -> f64 {
    let inter = a.intersection(b).count() as f64;
    let union = (a.len() + b.len()) as f64 - inter;
    if union == 0.0 {
        0.0
    } else {
        1.0 - inter / union
    }
}

/// The GMD style of a segment: the first word of its file name (funk, rock, jazz, latin...).
fn style(s: &Segment) -> String {
    let name = s.source.rsplit('/').next().unwrap_or("");
    name.split(['_', '-'])
        .find(|w| w.chars().any(|c| c.is_alphabetic()))
        .unwrap_or("")
        .to_string()
}

fn compare(c: &Corpus, what: &str) {
    let grids: Vec<_> = c.segments().iter().map(grid).collect();
    let styles: Vec<_> = c.segments().iter().map(style).collect();
    let mut nav = Navigator::new(1);
    let mut cur = nav.start(c, c.embedding(0));
    let (mut moves, mut own, mut pat, mut same_style, mut same_file) = (0, 0.0, 0.0, 0, 0);
    for _ in 0..10_000 {
        let ch = nav.choose(c, cur, None);
        if !ch.repeat {
            moves += 1;
            own += ch.distance as f64;
            pat += pattern_distance(&grids[cur], &grids[ch.segment]);
            same_style += (styles[cur] == styles[ch.segment]) as usize;
            same_file += (c.segments()[cur].source == c.segments()[ch.segment].source) as usize;
        }
        cur = ch.segment;
    }
    let mut rng = Rng::new(5);
    let (mut r_own, mut r_pat, mut r_style, mut r_file, n) = (0.0, 0.0, 0, 0, 20_000);
    for _ in 0..n {
        let a = (rng.next_u64() % c.len() as u64) as usize;
        let mut b = (rng.next_u64() % c.len() as u64) as usize;
        if a == b {
            b = (b + 1) % c.len();
        }
        r_own += c.distance(a, b) as f64;
        r_pat += pattern_distance(&grids[a], &grids[b]);
        r_style += (styles[a] == styles[b]) as usize;
        r_file += (c.segments()[a].source == c.segments()[b].source) as usize;
    }
    let m = moves as f64;
    let nn = n as f64;
    println!(
        "{what:<22} own distance {:.3} (random {:.3}, ratio {:.2}) | pattern distance {:.3} \
         (random {:.3}, ratio {:.2}) | same style {:.0}% (random {:.0}%) | same file {:.0}% \
         (random {:.1}%) | {moves} moves",
        own / m,
        r_own / nn,
        own / m / (r_own / nn),
        pat / m,
        r_pat / nn,
        pat / m / (r_pat / nn),
        100.0 * same_style as f64 / m,
        100.0 * r_style as f64 / nn,
        100.0 * same_file as f64 / m,
        100.0 * r_file as f64 / nn,
    );
}

fn main() {
    println!("bandmate looper benchmarks (one thread)\n");
    let root = gmd::default_root();
    // Parsing (now with note lengths), as in core_bench: all 1,150 files from memory.
    let files: Vec<Vec<u8>> = gmd::load_info(&root)
        .unwrap()
        .iter()
        .map(|e| std::fs::read(root.join(&e.midi_filename)).unwrap())
        .collect();
    let mut parse = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        for b in &files {
            black_box(bandmate_core::midi::MidiFile::parse(b).unwrap());
        }
        parse.push(t.elapsed());
    }
    println!(
        "parse all {} GMD files from memory (with note lengths)  median {:.1} ms",
        files.len(),
        stats(parse).0
    );
    let hand = BuildOptions {
        embedder: EmbedderChoice::Handcrafted,
        ..Default::default()
    };
    let (build_ms, (corpus, report)) = best_of(3, || Corpus::build(&root, &hand, None).unwrap());
    println!(
        "build the whole GMD, handcrafted        {build_ms:>9.1} ms  ({} files, {} segments, {} \
         skipped)",
        report.files,
        report.segments,
        report.skipped.len()
    );
    for (f, why) in report.skipped.iter().take(3) {
        println!("    skipped {f}: {why}");
    }

    // 1. The next-segment decision.
    for (label, controls, follow) in [
        ("default controls", Controls::default(), false),
        (
            "always move (repeat 0)",
            Controls {
                repeat: 0.0,
                ..Controls::default()
            },
            false,
        ),
        (
            "always move, follow a target",
            Controls {
                repeat: 0.0,
                ..Controls::default()
            },
            true,
        ),
        (
            "always move, max_step 2 (all)",
            Controls {
                repeat: 0.0,
                max_step: 2.0,
                ..Controls::default()
            },
            false,
        ),
    ] {
        let mut nav = Navigator::new(7);
        nav.set_controls(controls).unwrap();
        let target = corpus.embedding(corpus.len() / 2).to_vec();
        let mut cur = 0;
        let mut times = Vec::with_capacity(5000);
        for i in 0..5500 {
            let t = Instant::now();
            let ch = nav.choose(&corpus, cur, follow.then_some(&target[..]));
            let e = t.elapsed();
            if i >= 500 {
                times.push(e);
            }
            cur = black_box(ch.segment);
        }
        let (med, p99) = stats(times);
        println!(
            "choose, {} segments, {label:<30} median {:.3} ms  p99 {:.3} ms",
            corpus.len(),
            med,
            p99
        );
    }

    // 2. The corpus file, and JSON for comparison.
    let dir = std::env::temp_dir().join(format!("bandmate-looper-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("gmd.corpus");
    let (save_ms, _) = best_of(5, || corpus.save(&file).unwrap());
    let size = std::fs::metadata(&file).unwrap().len();
    let (load_ms, loaded) = best_of(10, || Corpus::load(&file).unwrap());
    assert_eq!(loaded.segments(), corpus.segments());
    println!(
        "corpus file: save {save_ms:.1} ms, load {load_ms:.1} ms, {:.1} MB",
        size as f64 / 1e6
    );
    let embeddings: Vec<Vec<f32>> = (0..corpus.len())
        .map(|i| corpus.embedding(i).to_vec())
        .collect();
    let json_file = dir.join("gmd.json");
    let (json_save_ms, _) = best_of(3, || {
        let text = serde_json::to_vec(&(corpus.segments(), &embeddings)).unwrap();
        std::fs::write(&json_file, text).unwrap();
    });
    let json_size = std::fs::metadata(&json_file).unwrap().len();
    type Data = (Vec<Segment>, Vec<Vec<f32>>);
    let (json_load_ms, back) = best_of(5, || {
        let bytes = std::fs::read(&json_file).unwrap();
        serde_json::from_slice::<Data>(&bytes).unwrap()
    });
    assert_eq!(back.0.len(), corpus.len());
    println!(
        "JSON (serde_json) of the same segments and embeddings: save {json_save_ms:.1} ms, load \
         {json_load_ms:.1} ms, {:.1} MB",
        json_size as f64 / 1e6
    );

    // Re-open with nothing changed: every file reused.
    let (reopen_ms, (_, r)) = best_of(5, || Corpus::build(&root, &hand, Some(&loaded)).unwrap());
    println!(
        "rebuild with nothing changed (stat every file, reuse all)  {reopen_ms:.1} ms ({} of {} \
         reused)",
        r.reused_files, r.files
    );

    // The groove encoder.
    let groove = BuildOptions::default();
    let t = Instant::now();
    match Corpus::build(&root, &groove, None) {
        Ok((gc, gr)) => {
            println!(
                "build the whole GMD, groove encoder     {:>9.1} ms  (embedder {}, {} segments)",
                t.elapsed().as_secs_f64() * 1e3,
                gr.embedder,
                gc.len()
            );
            println!("\nembedding comparison, 10,000 choices, default controls:");
            compare(&corpus, "handcrafted");
            compare(&gc, "groove encoder");
        }
        Err(e) => println!("groove encoder: not run ({e})"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}
