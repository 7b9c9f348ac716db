//! `cargo bench -p bandmate-core --bench model_bench`: the groove model's figures in
//! docs/benchmarks.md. ONNX Runtime with one intra-op thread (scripts/bench pins the process
//! to one core); each figure is the median and p99 of many runs after a warm-up.
//! `BANDMATE_BENCH_MODEL=DIR` measures another model folder instead of models/groove.

use bandmate_core::baseline::RuleDrummer;
use bandmate_core::compose;
use bandmate_core::groove::{Drummer, Request};
use bandmate_core::model::{init_runtime, GrooveModel};
use bandmate_core::{patfile, Groove};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

fn stats(mut v: Vec<Duration>) -> (f64, f64) {
    v.sort();
    let p = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    (p(0.5), p(0.99))
}

fn main() {
    // BANDMATE_BENCH_MODEL: another model folder to measure beside the shipped one (an
    // earlier version, say), in the same run
    let dir = std::env::var_os("BANDMATE_BENCH_MODEL")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove"));
    println!("model: {}", dir.display());
    let t = Instant::now();
    init_runtime(None).expect("ONNX Runtime (run scripts/setup)");
    let runtime_ms = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    let mut model = GrooveModel::load(&dir).expect("the shipped model");
    let first_ms = t.elapsed().as_secs_f64() * 1e3;
    let loads: Vec<Duration> = (0..30)
        .map(|_| {
            let t = Instant::now();
            black_box(GrooveModel::load(&dir).unwrap());
            t.elapsed()
        })
        .collect();
    let (load_med, load_p99) = stats(loads);
    println!(
        "bandmate groove model benchmarks (ONNX Runtime {}, one thread)\n",
        bandmate_core::model::ORT_VERSION
    );
    println!("load the ONNX Runtime library (once per process)     {runtime_ms:>8.2} ms");
    println!("load the model, first time                           {first_ms:>8.2} ms");
    println!("load the model again (x30)                  median {load_med:>8.2} ms  p99 {load_p99:>8.2} ms");

    let (funk, _) = patfile::preset("funk").unwrap();
    let humanize = Request::humanize(&funk.score()).unwrap();
    let drumify = Request::drumify(funk.groove()).unwrap();
    let mut swung = Request::humanize(&funk.score()).unwrap();
    swung
        .set_groove(Some(Groove::swing(32, 0.1, 0.7).unwrap()))
        .unwrap();
    let mut rules = RuleDrummer::new();
    let cases: [(&str, &Request); 4] = [
        ("humanize (score)", &humanize),
        ("drumify (tap)", &drumify),
        ("generate (nothing)", &Request::new()),
        ("score + swung groove", &swung),
    ];
    for (name, req) in cases {
        let mut req = req.clone();
        for i in 0..50 {
            req.set_seed(i);
            black_box(model.generate(&req).unwrap());
        }
        let times: Vec<Duration> = (0..3000)
            .map(|i| {
                req.set_seed(i);
                let t = Instant::now();
                black_box(model.generate(&req).unwrap());
                t.elapsed()
            })
            .collect();
        let (med, p99) = stats(times);
        println!("gestures -> 2-bar loop, {name:<22}   median {med:>8.3} ms  p99 {p99:>8.3} ms");
    }
    let last = model.generate(&humanize).unwrap();
    let times: Vec<Duration> = (0..3000)
        .map(|i| {
            let t = Instant::now();
            black_box(model.vary(&last, 0.3, i).unwrap());
            t.elapsed()
        })
        .collect();
    let (med, p99) = stats(times);
    println!(
        "vary the last loop (decoder only)               median {med:>8.3} ms  p99 {p99:>8.3} ms"
    );
    // compose mode: a fill (encoder-free: the prior and the decoder) and infill of clips
    let playing = model.generate(&Request::new()).unwrap();
    let times: Vec<Duration> = (0..3000)
        .map(|i| {
            let t = Instant::now();
            black_box(model.fill(&playing, 4, i).unwrap());
            t.elapsed()
        })
        .collect();
    let (med, p99) = stats(times);
    println!(
        "fill the last bar of a loop                     median {med:>8.3} ms  p99 {p99:>8.3} ms"
    );
    let example = compose::example_clip();
    let long = {
        // 32 bars: the funk preset in the odd 4-bar phrases, the even ones left empty
        let (funk, _) = patfile::preset("funk").unwrap();
        let two = funk.window(0, 32).unwrap();
        let mut parts = Vec::new();
        for phrase in 0..8 {
            for _ in 0..2 {
                parts.push(if phrase % 2 == 0 {
                    two.clone()
                } else {
                    bandmate_core::Pattern::empty_loop()
                });
            }
        }
        let p = bandmate_core::Pattern::concat(&parts).unwrap();
        compose::Clip::from_pattern(&p).unwrap()
    };
    for (name, clip, runs) in [
        ("infill 2 of 8 bars (clip.mid)", &example, 1000),
        ("infill 16 of 32 bars", &long, 200),
    ] {
        let gaps = compose::Gaps::choose(clip, None, None).unwrap();
        let times: Vec<Duration> = (0..runs)
            .map(|i| {
                let t = Instant::now();
                black_box(compose::infill(&mut model, clip, &gaps, 1.0, i).unwrap());
                t.elapsed()
            })
            .collect();
        let (med, p99) = stats(times);
        println!("{name:<40}        median {med:>8.3} ms  p99 {p99:>8.3} ms");
    }
    // Live 12 MIDI Tools: the whole answer of [bandmate.miditool] as Live asks it (the notes
    // dictionary read from JSON, the tool, the answer written as JSON; the context sent once)
    {
        use bandmate_core::objects::decl::{atoms, Atom};
        use bandmate_core::objects::{MidiToolObject, Object, Options, Output};
        let options = Options {
            model: Some(dir.clone()),
            ..Options::default()
        };
        let (notes, context) = bandmate_core::miditool::example_dicts();
        // 32 bars: 16th hats, kick and snare in every bar (640 notes)
        let big = {
            let mut v = Vec::new();
            for bar in 0..32 {
                for step in 0..16 {
                    let t = (bar * 16 + step) as f64 * 0.25;
                    for (pitch, on) in [(42, true), (36, step % 8 == 0), (38, step % 8 == 4)] {
                        if on {
                            v.push(serde_json::json!({"note_id": v.len() + 1, "pitch": pitch,
                                "start_time": t, "duration": 0.25, "velocity": 96.0, "mute": 0,
                                "probability": 1.0, "velocity_deviation": 0.0,
                                "release_velocity": 64.0}));
                        }
                    }
                }
            }
            serde_json::json!({ "notes": v }).to_string()
        };
        let big_context = context.replace(
            "\"time_selection_end\":16.0",
            "\"time_selection_end\":128.0",
        );
        assert_ne!(big_context, context);
        for (name, tool, notes, context, runs) in [
            (
                "MIDI Tool humanize, 4 bars (36 notes)",
                "humanize",
                &notes,
                &context,
                1000,
            ),
            (
                "MIDI Tool infill, 1 of 4 bars",
                "infill",
                &notes,
                &context,
                1000,
            ),
            (
                "MIDI Tool humanize, 32 bars (640 notes)",
                "humanize",
                &big,
                &big_context,
                200,
            ),
        ] {
            let mut o = MidiToolObject::new(&options).unwrap();
            o.message(0.0, "tool", &atoms(tool)).unwrap();
            o.message(0.0, "dictionary", &[Atom::Symbol(context.clone())])
                .unwrap();
            let times: Vec<Duration> = (0..runs)
                .map(|i| {
                    o.message(0.0, "seed", &[Atom::Float((i % 999 + 1) as f64)])
                        .unwrap();
                    let t = Instant::now();
                    o.message(0.0, "dictionary", &[Atom::Symbol(notes.clone())])
                        .unwrap();
                    let mut answered = false;
                    o.drain_into(&mut |out| {
                        if let Output::Send(_, a) = out {
                            answered = black_box(!a.is_empty());
                        }
                    });
                    let e = t.elapsed();
                    assert!(answered);
                    e
                })
                .skip(usize::from(runs > 1) * 5)
                .collect();
            let (med, p99) = stats(times);
            println!("{name:<40}        median {med:>8.3} ms  p99 {p99:>8.3} ms");
        }
    }
    // a beat from words (the fragment bank's built-in prompt): the words read, 8 takes of the
    // model, the choice, and the synth kit's render at 48 kHz; beside it, one 2-bar loop
    for (name, text, runs) in [
        (
            "prompt -> beat, 2 bars (8 takes + render)",
            "laid-back hiphop 88 bpm no crash",
            200,
        ),
        (
            "prompt -> beat, 8 bars (8 takes + render)",
            "busy funk 120 bpm 8 bars",
            100,
        ),
    ] {
        let p = bandmate_core::prompt::BeatPrompt::parse(text).unwrap();
        let kit = bandmate_core::render::Kit::synth(48_000);
        let times: Vec<Duration> = (0..runs)
            .map(|i| {
                let t = Instant::now();
                let (pat, bpm) = bandmate_core::prompt::make_beat(&mut model, &p, i).unwrap();
                black_box(
                    bandmate_core::render::render(
                        &pat,
                        bpm,
                        &kit,
                        bandmate_core::render::Tail::Wrap,
                    )
                    .unwrap(),
                );
                t.elapsed()
            })
            .collect();
        let (med, p99) = stats(times);
        println!("{name:<40}        median {med:>8.3} ms  p99 {p99:>8.3} ms");
    }
    let times: Vec<Duration> = (0..3000)
        .map(|i| {
            let mut r = humanize.clone();
            r.set_seed(i);
            let t = Instant::now();
            black_box(rules.generate(&r).unwrap());
            t.elapsed()
        })
        .collect();
    let (med, p99) = stats(times);
    println!(
        "rule-based drum machine, humanize               median {med:>8.3} ms  p99 {p99:>8.3} ms"
    );
}
