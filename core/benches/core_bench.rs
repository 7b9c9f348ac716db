//! `cargo bench -p bandmate-core --bench core_bench`: the figures in docs/benchmarks.md.
//! Single-threaded; each figure is the median (and p99) of many runs after a warm-up.

use bandmate_core::gmd;
use bandmate_core::midi::{ChannelSelect, MidiFile};
use bandmate_core::patfile;
use bandmate_core::render::{self, loop_frames, Kit, Tail};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn stats(mut v: Vec<Duration>) -> (Duration, Duration) {
    v.sort();
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (p(0.5), p(0.99))
}

fn time<F: FnMut()>(warm: usize, runs: usize, mut f: F) -> (Duration, Duration) {
    for _ in 0..warm {
        f();
    }
    stats(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    // cargo passes --bench; ignore arguments.
    let rate = 48_000;
    println!("bandmate core benchmarks (one thread)\n");

    let (kit_med, _) = time(2, 20, || {
        black_box(Kit::synth(rate));
    });
    println!(
        "build the synth kit at 48 kHz           median {:>9.3} ms (once per sample rate)",
        kit_med.as_secs_f64() * 1e3
    );

    let kit = Kit::synth(rate);
    // A dense 2-bar window from the dataset (many hits, cymbals) and the presets.
    let root = gmd::default_root();
    let dense = {
        let f = MidiFile::read(&root.join("drummer1/session1/1_funk_80_beat_4-4.mid"))
            .or_else(|_| {
                let e = gmd::load_info(&root).unwrap();
                MidiFile::read(&root.join(&e[0].midi_filename))
            })
            .expect("a GMD file");
        let ws = gmd::windows(&f).unwrap();
        ws.into_iter().max_by_key(|w| w.1.hit_count()).unwrap().1
    };
    let mut loops: Vec<(String, bandmate_core::Pattern, f64)> = patfile::PRESETS
        .iter()
        .map(|(n, _, _)| {
            let (p, bpm) = patfile::preset(n).unwrap();
            (format!("preset {n}"), p, bpm)
        })
        .collect();
    loops.push((
        format!("densest GMD window ({} hits)", dense.hit_count()),
        dense,
        120.0,
    ));
    let mut full = bandmate_core::Pattern::empty_loop();
    let hit = bandmate_core::Hit::new(0.8, 0.1).unwrap();
    for s in 0..full.steps() {
        for v in bandmate_core::Voice::ALL {
            full.set(s, v, Some(hit)).unwrap();
        }
    }
    loops.push(("worst case: all 288 cells hit".into(), full, 120.0));
    for (name, p, bpm) in &loops {
        let frames = loop_frames(p.steps(), *bpm, rate);
        let secs = frames as f64 / rate as f64;
        let (mut l, mut r) = (vec![0.0f32; frames], vec![0.0f32; frames]);
        let (med, p99) = time(50, 2000, || {
            render::render_into(p, *bpm, &kit, Tail::Wrap, &mut l, &mut r).unwrap();
            black_box((&l, &r));
        });
        println!(
            "render 2 bars at {bpm:>5} BPM, 48 kHz, {name:<30} median {:>7.1} us  p99 {:>7.1} us  = {:>6.0}x real time",
            med.as_secs_f64() * 1e6,
            p99.as_secs_f64() * 1e6,
            secs / med.as_secs_f64()
        );
    }
    let (p, bpm) = patfile::preset("funk").unwrap();
    let (med, _) = time(20, 500, || {
        black_box(render::render(&p, bpm, &kit, Tail::Wrap).unwrap());
    });
    println!(
        "render (allocating its buffers), preset funk       median {:>7.1} us",
        med.as_secs_f64() * 1e6
    );

    // Parsing the whole Groove MIDI Dataset.
    let entries = gmd::load_info(&root).expect("the GMD");
    let files: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| std::fs::read(root.join(&e.midi_filename)).unwrap())
        .collect();
    let bytes: usize = files.iter().map(|f| f.len()).sum();
    let (parse_med, _) = time(1, 10, || {
        for f in &files {
            black_box(MidiFile::parse(f).unwrap());
        }
    });
    println!(
        "\nparse all {} GMD files ({:.1} MB) from memory      median {:>7.1} ms  ({:.0} files/s)",
        files.len(),
        bytes as f64 / 1e6,
        parse_med.as_secs_f64() * 1e3,
        files.len() as f64 / parse_med.as_secs_f64()
    );
    let (conv_med, _) = time(1, 10, || {
        for f in &files {
            let m = MidiFile::parse(f).unwrap();
            black_box(m.to_pattern(ChannelSelect::Auto).unwrap());
        }
    });
    println!(
        "parse + quantize all GMD files to patterns          median {:>7.1} ms",
        conv_med.as_secs_f64() * 1e3
    );
    let (win_med, _) = time(1, 5, || {
        let mut r = gmd::ExportReport::default();
        black_box(gmd::collect(&root, &mut r).unwrap());
    });
    println!(
        "read info.csv + files, cut all 2-bar windows (disk) median {:>7.1} ms",
        win_med.as_secs_f64() * 1e3
    );
}
