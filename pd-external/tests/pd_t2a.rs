//! Text to audio in real Pure Data (issue 21): `model` loads the tiny Stable Audio model of
//! `scripts/export-sao --tiny`, `prompt` and `generate` put its fragment in the next slot while a
//! loop in another slot plays on without a gap (recorded through [tabwrite~] in real time), with
//! `progress` after each step; `cancel` stops a generation within a step.

mod harness;

use std::path::Path;

use bandmate_core::wav::{read_wav, write_wav, Audio, WavFormat};
use harness::{assert_clean, numbers, printed, Patch, PdDir};

fn tiny() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../models/sao-tiny")
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

fn max_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

#[test]
fn a_prompt_becomes_a_fragment_while_the_loop_plays_on() {
    // the default (all the cores but one) and every core (the audio shares one with the model)
    for threads in [0, 2] {
        generate_while_a_loop_plays(threads);
    }
}

fn generate_while_a_loop_plays(threads: usize) {
    let pd = PdDir::new(&format!("t2a-generate-{threads}"));
    // a 220 Hz sine of whole periods loops in slot 1 the whole time
    let frames = (48_000.0 / 220.0 * 100.0) as usize;
    let sine: Vec<f32> = (0..frames)
        .map(|i| 0.5 * (i as f32 * 220.0 * std::f32::consts::TAU / 48_000.0).sin())
        .collect();
    write_wav(
        &pd.path("sine.wav"),
        &Audio {
            sample_rate: 48_000,
            channels: vec![sine.clone()],
        },
        WavFormat::Float32,
    )
    .unwrap();
    let rec = 48_000 * 3;
    let mut p = Patch::new();
    p.obj(&format!("array define out-l {rec}"));
    let f = p.obj("bandmate.frag~");
    let twl = p.obj("tabwrite~ out-l");
    let pi = p.obj("print info");
    p.connect(f, 0, twl, 0);
    p.connect(f, 2, pi, 0);
    let dsp = p.msg("; pd dsp 1");
    let lb = p.obj("loadbang");
    p.connect(lb, 0, dsp, 0);
    p.at(
        0.0,
        &format!(
            "read sine.wav 1, loop 1, threads {threads}, model {}, steps 60",
            tiny()
        ),
        f,
    );
    // recording starts with the loop; the generation is asked 200 ms into it
    let lb2 = p.obj("loadbang");
    let d = p.obj("delay 50");
    p.connect(lb2, 0, d, 0);
    p.connect(d, 0, twl, 0);
    p.at(250.0, "prompt techno kick and rumble, generate 2", f);
    // the scheduler's clock against the wall clock: a metro every 10 ms, the real time between
    // its ticks printed (a scheduler starved by the model would show it as a long gap)
    let metro = p.obj("metro 10");
    p.connect(lb2, 0, metro, 0);
    let tb = p.obj("t b b");
    p.connect(metro, 0, tb, 0);
    let rt = p.obj("realtime");
    p.connect(tb, 1, rt, 1);
    p.connect(tb, 0, rt, 0);
    let gap = p.obj("print gap");
    p.connect(rt, 0, gap, 0);
    let sf = p.obj("soundfiler");
    p.at(3100.0, "write -wave -bytes 4 out.wav out-l", sf);
    // the fragment itself may land after the recording: 60 steps of the tiny model took about
    // 2.5 s here alone, and past 3 s with the other tests of the full run on both cores
    p.quit_at(8000.0);
    let lines = pd.run_with(&p, false, &[]);
    assert_clean(&lines);
    let info = printed(&lines, "info");
    assert!(
        info.iter()
            .any(|l| l.starts_with("model tiny-random 11.89 float")),
        "{info:?}"
    );
    assert!(info.contains(&"prompt techno kick and rumble"), "{info:?}");
    let progress: Vec<&&str> = info.iter().filter(|l| l.starts_with("progress ")).collect();
    assert_eq!(progress.len(), 60, "{info:?}");
    assert_eq!(*progress[59], "progress 60 60");
    let generated = info
        .iter()
        .find(|l| l.starts_with("generated 2 "))
        .unwrap_or_else(|| panic!("the oldest empty slot is 2: {info:?}"));
    let secs = numbers(generated)[1];
    assert!(secs > 0.4 && secs <= 2.01, "{generated}");
    assert!(
        info.iter().any(|l| l.starts_with("loaded 2 tiny-random ")),
        "{info:?}"
    );
    // the loop played on through the generation: no gap, no click, no repeat of a block
    let out = read_wav(&pd.path("out.wav")).unwrap();
    let l = &out.channels[0];
    let sine_step = max_step(&sine);
    assert!(
        max_step(&l[64..]) < sine_step * 1.5,
        "a click: {} against the sine's own {sine_step}",
        max_step(&l[64..])
    );
    let quiet = l[64..]
        .windows(64)
        .filter(|w| w.iter().all(|x| x.abs() < 1e-4))
        .count();
    assert_eq!(quiet, 0, "a gap in the loop while the model ran");
    // and the scheduler kept time with the wall clock while the model ran
    let gaps: Vec<f64> = printed(&lines, "gap")
        .iter()
        .skip(1)
        .map(|l| numbers(l)[0])
        .collect();
    assert!(gaps.len() > 250, "{} ticks", gaps.len());
    let worst = gaps.iter().fold(0.0f64, |a, &b| a.max(b));
    assert!(
        worst < 50.0,
        "threads {threads}: the scheduler stalled {worst} ms"
    );
    eprintln!("threads {threads}: the longest 10 ms tick took {worst:.1} ms");
}

#[test]
fn cancel_stops_the_generation_within_a_step() {
    let pd = PdDir::new("t2a-cancel");
    let mut p = Patch::new();
    let f = p.obj("bandmate.frag~");
    let pi = p.obj("print info");
    p.connect(f, 2, pi, 0);
    p.at(
        0.0,
        &format!(
            "model {}, steps 100, prompt dub chords, generate 10",
            tiny()
        ),
        f,
    );
    // at the first step reported: cancel
    let route = p.obj("route progress");
    p.connect(f, 2, route, 0);
    let once = p.obj("spigot 1");
    p.connect(route, 0, once, 0);
    let t = p.obj("t b b");
    p.connect(once, 0, t, 0);
    let close = p.msg("0");
    p.connect(t, 1, close, 0);
    p.connect(close, 0, once, 1);
    let cancel = p.msg("cancel");
    p.connect(t, 0, cancel, 0);
    p.connect(cancel, 0, f, 0);
    // then a bad request, and a short generation that must still work
    p.at(2500.0, "generate 30, steps 2, generate 1", f);
    p.quit_at(4500.0);
    let lines = pd.run_with(&p, false, &[]);
    for l in &lines {
        assert!(
            !l.contains("couldn't create") && !l.contains("panicked"),
            "{l}"
        );
    }
    let info = printed(&lines, "info");
    let c = info
        .iter()
        .find(|l| l.starts_with("cancelled "))
        .unwrap_or_else(|| panic!("{info:?}"));
    let n = numbers(c);
    assert_eq!(n[1], 100.0, "{info:?}");
    assert!(n[0] < 100.0, "{c}");
    let after: Vec<&&str> = info
        .iter()
        .skip_while(|l| !l.starts_with("cancelled "))
        .filter(|l| l.starts_with("progress ") && l.ends_with(" 100"))
        .collect();
    assert!(after.is_empty(), "no step after the cancel: {after:?}");
    let errors = printed(&lines, "error");
    let text = format!("{lines:?}");
    assert!(
        text.contains("30 seconds: this model makes 0.5 to 11.89 s"),
        "{errors:?} {text}"
    );
    let gens: Vec<&&str> = info
        .iter()
        .filter(|l| l.starts_with("generated "))
        .collect();
    assert_eq!(gens.len(), 1, "{info:?}");
}
