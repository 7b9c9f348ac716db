//! `bandmate.frag~`'s import side as every host drives it: generated WAV files imported on a
//! worker (resampled to the host's rate, trimmed, fitted to the tempo grid), a watched folder,
//! pitch-keeping and tape stretch; bad files are errors and leave the bank as it was.

mod common;

use std::time::{Duration, Instant};

use bandmate_core::fragbank::BankEngine;
use bandmate_core::objects::Output as FragOutput;
use bandmate_core::objects::{atoms, Atom, FragObject};
use bandmate_core::wav::{write_wav, Audio, WavFormat};
use common::synth::{click_onsets, click_track, steady};
use common::TempDir;

const HOST: f64 = 48_000.0;

fn bank() -> (FragObject, BankEngine) {
    FragObject::new(4, HOST).unwrap()
}

fn send(o: &mut FragObject, text: &str) {
    let a = atoms(text);
    let Some((Atom::Symbol(sel), args)) = a.split_first() else {
        panic!("{text}")
    };
    o.message(sel, args)
        .unwrap_or_else(|e| panic!("{text}: {e}"));
}

fn outs(o: &mut FragObject) -> Vec<FragOutput> {
    let mut v = Vec::new();
    o.drain(|x| v.push(x));
    v
}

fn info(v: &[FragOutput], sel: &str) -> Vec<Vec<Atom>> {
    v.iter()
        .filter_map(|x| match x {
            FragOutput::Info(s, a) if s == sel => Some(a.clone()),
            _ => None,
        })
        .collect()
}

fn errors(v: &[FragOutput]) -> Vec<String> {
    v.iter()
        .filter_map(|x| match x {
            FragOutput::Error(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn num(a: &Atom) -> f64 {
    match a {
        Atom::Float(x) => *x,
        Atom::Symbol(s) => panic!("not a number: {s}"),
    }
}

/// Clicks at `bpm` for `secs` after `lead` seconds of silence, 44.1 kHz stereo, 24-bit.
fn generated(dir: &TempDir, name: &str, bpm: f64, lead: f64, secs: f64) -> std::path::PathBuf {
    let beats: Vec<f64> = steady(bpm, secs).iter().map(|b| b + lead).collect();
    let a = click_track(44_100, 2, &beats, lead + secs + 1.0);
    let p = dir.path(name);
    write_wav(&p, &a, WavFormat::Int24).unwrap();
    p
}

/// Everything the bank holds, for "unchanged" checks.
fn slots(o: &FragObject) -> Vec<Option<(String, usize, u32)>> {
    o.control()
        .slots()
        .iter()
        .map(|s| {
            s.fragment
                .as_ref()
                .map(|f| (f.name.clone(), f.frames, f.sample_rate))
        })
        .collect()
}

#[test]
fn an_imported_fragment_is_trimmed_resampled_and_fitted_to_the_grid() {
    let dir = TempDir::new("frag-import");
    let file = generated(&dir, "take.wav", 117.0, 1.5, 12.0);
    let (mut o, mut engine) = bank();
    send(&mut o, "tempo 120");
    send(&mut o, "quantize warp");
    send(&mut o, &format!("import {}", file.display()));
    assert!(o.busy(), "the worker is at it");
    assert!(o.wait(Duration::from_secs(60)));
    let v = outs(&mut o);
    assert!(errors(&v).is_empty(), "{v:?}");
    let loaded = info(&v, "loaded");
    assert_eq!(loaded.len(), 1, "{v:?}");
    assert_eq!(num(&loaded[0][0]), 1.0, "the oldest slot");
    assert_eq!(num(&loaded[0][3]), HOST, "resampled to the host's rate");
    // whole bars at 120 BPM: 2 s each
    let frames = num(&loaded[0][2]);
    let bars = frames / (2.0 * HOST);
    assert!(
        (bars - bars.round()).abs() < 1e-3 && bars >= 2.0,
        "{bars} bars"
    );
    let prepared = info(&v, "prepared");
    assert_eq!(prepared.len(), 1);
    let bpm = num(&prepared[0][2]);
    assert!((bpm - 117.0).abs() < 117.0 * 0.01, "{bpm}");
    assert_eq!(num(&prepared[0][4]), 1.0, "quantized");
    assert!(num(&prepared[0][5]) > 1.4, "the leading silence went");
    assert!(!info(&v, "summary").is_empty());
    // it plays: loop it and hear clicks on the 120 BPM grid
    send(&mut o, "loop 1");
    let n = frames as usize;
    let (mut l, mut r) = (vec![0.0f32; n], vec![0.0f32; n]);
    for (cl, cr) in l.chunks_mut(64).zip(r.chunks_mut(64)) {
        engine.process(cl, cr);
    }
    let heard = Audio {
        sample_rate: 48_000,
        channels: vec![l],
    };
    let onsets = click_onsets(&heard, 0.1);
    assert!(onsets.len() >= 8, "{onsets:?}");
    for t in &onsets {
        let off = (t - (t / 0.5).round() * 0.5).abs();
        assert!(off < 0.005, "a click {off} s off the grid at {t}");
    }
}

#[test]
fn bad_files_are_errors_and_the_bank_is_unchanged() {
    let dir = TempDir::new("frag-bad");
    let good = generated(&dir, "good.wav", 120.0, 0.0, 4.0);
    let (mut o, _e) = bank();
    send(&mut o, &format!("import {}", good.display()));
    assert!(o.wait(Duration::from_secs(60)));
    outs(&mut o);
    let before = slots(&o);
    std::fs::write(dir.path("corrupt.wav"), b"RIFF\x10\0\0\0WAVEjunkjunkjunk").unwrap();
    std::fs::write(dir.path("empty.wav"), b"").unwrap();
    let silent = Audio {
        sample_rate: 44_100,
        channels: vec![vec![0.0; 44_100]],
    };
    write_wav(&dir.path("silent.wav"), &silent, WavFormat::Float32).unwrap();
    // eleven minutes: longer than any generator's fragment
    let long = Audio {
        sample_rate: 8_000,
        channels: vec![vec![0.1; 8_000 * 660]],
    };
    write_wav(&dir.path("long.wav"), &long, WavFormat::Int16).unwrap();
    for (f, want) in [
        ("long.wav", "too long: 660 s (the limit is 10 minutes)"),
        ("corrupt.wav", "corrupt.wav"),
        ("empty.wav", "empty.wav"),
        ("silent.wav", "silent"),
        ("missing.wav", "missing.wav"),
    ] {
        send(&mut o, &format!("import {}", dir.path(f).display()));
        assert!(o.wait(Duration::from_secs(30)));
        let e = errors(&outs(&mut o));
        assert_eq!(e.len(), 1, "{f}: {e:?}");
        assert!(e[0].contains(want), "{f}: {}", e[0]);
        // every error names its file: with a watched folder or imports in flight, which one
        // failed is otherwise unknown (a performer check: "the fragment is silent" alone)
        assert!(e[0].contains(f), "{f}: {}", e[0]);
    }
    assert_eq!(slots(&o), before, "the bank is as it was");
    assert!(
        o.message("stretch", &atoms("3 2")).is_err(),
        "an empty slot"
    );
    assert!(o.message("quantize", &atoms("sideways")).is_err());
    assert!(o.message("watch", &atoms("/nonexistent/folder")).is_err());
}

#[test]
fn a_watched_folder_imports_new_files_once_they_are_written() {
    let dir = TempDir::new("frag-watch");
    let old = generated(&dir, "old.wav", 120.0, 0.0, 3.0);
    let (mut o, _e) = bank();
    send(&mut o, &format!("watch {}", dir.dir().display()));
    assert!(o.wait(Duration::from_secs(10)));
    let v = outs(&mut o);
    assert_eq!(info(&v, "watching").len(), 1, "{v:?}");
    // a new file, written in two halves as a generator streams it
    let full = std::fs::read(&old).unwrap();
    let new = dir.path("Fragment01.wav");
    std::fs::write(&new, &full[..full.len() / 2]).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    std::fs::write(&new, &full).unwrap();
    let t0 = Instant::now();
    let mut got = Vec::new();
    while t0.elapsed() < Duration::from_secs(20) && info(&got, "loaded").is_empty() {
        std::thread::sleep(Duration::from_millis(50));
        o.poll();
        got.extend(outs(&mut o));
    }
    let loaded = info(&got, "loaded");
    assert_eq!(loaded.len(), 1, "{got:?}");
    assert_eq!(
        loaded[0][1],
        Atom::sym("Fragment01"),
        "the new file, not old.wav"
    );
    assert!(errors(&got).is_empty(), "never half a file: {got:?}");
    assert!(o.busy(), "watching keeps the host polling");
    send(&mut o, "watch");
    assert!(o.wait(Duration::from_secs(10)));
    outs(&mut o);
    assert!(!o.busy());
}

#[test]
fn half_and_quarter_time_keep_the_pitch_or_go_down_like_tape() {
    let dir = TempDir::new("frag-stretch");
    let file = generated(&dir, "f.wav", 120.0, 0.0, 4.0);
    let (mut o, _e) = bank();
    send(&mut o, "trim 0");
    send(&mut o, &format!("import {}", file.display()));
    assert!(o.wait(Duration::from_secs(60)));
    outs(&mut o);
    let frames = |o: &FragObject| o.control().slots()[0].fragment.as_ref().unwrap().frames;
    let original = frames(&o);
    send(&mut o, "loop 1");
    send(&mut o, "stretch 1 2");
    assert!(o.wait(Duration::from_secs(60)));
    let v = outs(&mut o);
    assert_eq!(
        info(&v, "stretched"),
        vec![vec![Atom::Float(1.0), Atom::Float(2.0), Atom::sym("keep")]]
    );
    let twice = frames(&o) as f64 / original as f64;
    assert!((twice - 2.0).abs() < 0.01, "{twice}");
    assert!(o.control().slots()[0].looping, "it loops on");
    assert_eq!(o.control().slots()[0].rate, 1.0);
    send(&mut o, "stretch 1 4 tape");
    assert_eq!(
        frames(&o),
        original,
        "tape plays the fragment as it came in"
    );
    assert_eq!(o.control().slots()[0].rate, 0.25);
    send(&mut o, "stretch 1 1 keep");
    assert!(o.wait(Duration::from_secs(60)));
    assert_eq!(frames(&o), original);
    assert_eq!(o.attribute("trim"), Some(0.0));
}

/// Issue 18, item 5: a pitch-kept stretch of a stopped slot leaves it stopped, and keeps the
/// rate the performer set (it used to start the slot and put its rate back to 1).
#[test]
fn a_stretch_leaves_a_stopped_slot_stopped_and_its_rate_as_set() {
    let (mut o, mut engine) = bank();
    let tone: Vec<f32> = (0..48_000).map(|i| (i as f32 * 0.03).sin() * 0.5).collect();
    o.take_array("tone", vec![tone], 48_000, Some(0)).unwrap();
    let mut run = |o: &mut FragObject, blocks: usize| {
        let (mut l, mut r) = (vec![0.0f32; 64], vec![0.0f32; 64]);
        for _ in 0..blocks {
            engine.process(&mut l, &mut r);
        }
        o.poll();
    };
    send(&mut o, "loop 1");
    run(&mut o, 10);
    assert!(o.control().slots()[0].playing, "it loops");
    send(&mut o, "stop 1");
    run(&mut o, 200);
    assert!(!o.control().slots()[0].playing, "stopped");
    send(&mut o, "rate 1 0.5");
    send(&mut o, "stretch 1 2");
    assert!(o.wait(Duration::from_secs(60)));
    run(&mut o, 200);
    let v = outs(&mut o);
    assert!(!info(&v, "stretched").is_empty(), "{v:?}");
    let s = &o.control().slots()[0];
    assert!(!s.playing, "a stretch does not start a stopped slot");
    assert_eq!(s.rate, 0.5, "the rate the performer set stays");
    // a tape stretch sets the rate; a pitch-kept one after it puts it back to 1
    send(&mut o, "stretch 1 4 tape");
    assert_eq!(o.control().slots()[0].rate, 0.25);
    send(&mut o, "stretch 1 2");
    assert!(o.wait(Duration::from_secs(60)));
    run(&mut o, 10);
    assert_eq!(o.control().slots()[0].rate, 1.0);
    assert!(!o.control().slots()[0].playing);
}
