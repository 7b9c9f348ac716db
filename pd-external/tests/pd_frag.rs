//! `[bandmate.frag~]` inside real Pure Data: fragments from WAV files and arrays, slots that
//! rotate, trigger / loop / half-time heard through [tabwrite~], bad input reported.

mod harness;

use bandmate_core::wav::{read_wav, write_wav, Audio, WavFormat};
use harness::{assert_clean, numbers, printed, Patch, PdDir};

const SR: u32 = 48_000;

/// A stereo test fragment: a slow ramp on the left, its negative on the right.
fn ramp(frames: usize) -> Audio {
    let l: Vec<f32> = (0..frames)
        .map(|i| 0.9 * i as f32 / frames as f32)
        .collect();
    let r: Vec<f32> = l.iter().map(|x| -x).collect();
    Audio {
        sample_rate: SR,
        channels: vec![l, r],
    }
}

/// A patch recording the object's two outlets into arrays out-l / out-r (`frames` long),
/// written to out.wav at `write_ms`. `setup` goes to the object at 0 ms; `start` is sent to
/// the object in the same logical instant as the recording starts, at 50 ms.
fn record(pd: &PdDir, setup: &str, start: &str, frames: usize, write_ms: f64) -> Vec<String> {
    let mut p = Patch::new();
    p.obj(&format!("array define out-l {frames}"));
    p.obj(&format!("array define out-r {frames}"));
    let f = p.obj("bandmate.frag~");
    let twl = p.obj("tabwrite~ out-l");
    let twr = p.obj("tabwrite~ out-r");
    let pi = p.obj("print info");
    p.connect(f, 0, twl, 0);
    p.connect(f, 1, twr, 0);
    p.connect(f, 2, pi, 0);
    let dsp = p.msg("; pd dsp 1");
    let lb = p.obj("loadbang");
    p.connect(lb, 0, dsp, 0);
    p.at(0.0, setup, f);
    // at 50 ms: start recording and send `start` (a trigger fires right to left)
    let lb2 = p.obj("loadbang");
    let d = p.obj("delay 50");
    let t = p.obj("t b b");
    let m = p.msg(start);
    p.connect(lb2, 0, d, 0);
    p.connect(d, 0, t, 0);
    p.connect(t, 1, twl, 0);
    p.connect(t, 1, twr, 0);
    p.connect(t, 0, m, 0);
    p.connect(m, 0, f, 0);
    let sf = p.obj("soundfiler");
    p.at(write_ms, "write -wave -bytes 4 out.wav out-l out-r", sf);
    p.quit_at(write_ms + 10.0);
    pd.run(&p)
}

fn max_step(x: &[f32]) -> f32 {
    x.windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

#[test]
fn a_triggered_wav_plays_sample_for_sample() {
    let pd = PdDir::new("frag-trigger");
    let src = ramp(9600); // 200 ms
    write_wav(&pd.path("ramp.wav"), &src, WavFormat::Float32).unwrap();
    let lines = record(&pd, "read ramp.wav", "trigger 1", 14_400, 400.0);
    assert_clean(&lines);
    assert_eq!(printed(&lines, "info")[0], "loaded 1 ramp 9600 48000");
    let out = read_wav(&pd.path("out.wav")).unwrap();
    // after the short fade-in the output is the file itself; after its end, silence
    for c in 0..2 {
        for i in 64..9600 - 64 {
            assert!(
                (out.channels[c][i] - src.channels[c][i]).abs() < 1e-6,
                "channel {c} sample {i}: {} vs {}",
                out.channels[c][i],
                src.channels[c][i]
            );
        }
        assert!(out.channels[c][9600..].iter().all(|&x| x == 0.0));
        assert!(out.channels[c][0].abs() < 1e-3, "starts from silence");
    }
    assert!(printed(&lines, "info").contains(&"ended 1"), "{lines:?}");
}

#[test]
fn half_time_and_quarter_time_stretch_the_fragment() {
    for (rate, factor) in [("0.5", 2usize), ("0.25", 4)] {
        let pd = PdDir::new("frag-rate");
        let src = ramp(4800);
        write_wav(&pd.path("ramp.wav"), &src, WavFormat::Float32).unwrap();
        let frames = 4800 * factor + 4800;
        let write = frames as f64 / 48.0 + 100.0;
        let lines = record(
            &pd,
            &format!("read ramp.wav, rate 1 {rate}"),
            "trigger 1",
            frames,
            write,
        );
        assert_clean(&lines);
        let out = read_wav(&pd.path("out.wav")).unwrap();
        let l = &out.channels[0];
        // sample i of the output is the source at i / factor, linearly interpolated
        // (the last ~0.7 ms fade out: a one-shot ends without a click)
        for i in (256..4800 * factor - 128).step_by(7) {
            let pos = i as f32 / factor as f32;
            let (k, frac) = (pos.floor() as usize, pos.fract());
            let want = src.channels[0][k] * (1.0 - frac) + src.channels[0][k + 1] * frac;
            assert!(
                (l[i] - want).abs() < 1e-5,
                "rate {rate}, sample {i}: {} vs {want}",
                l[i]
            );
        }
        // it lasts `factor` times as long, then stops
        assert!(l[4800 * factor - 64].abs() > 0.5);
        assert!(l[4800 * factor + 64..].iter().all(|&x| x == 0.0));
    }
}

#[test]
fn a_loop_keeps_going_without_clicks() {
    let pd = PdDir::new("frag-loop");
    // 100.25 periods of a 220 Hz sine: the raw loop point jumps from the crest to zero
    let frames = (48_000.0 / 220.0 * 100.25) as usize;
    let sine: Vec<f32> = (0..frames)
        .map(|i| 0.5 * (i as f32 * 220.0 * std::f32::consts::TAU / 48_000.0).sin())
        .collect();
    let src = Audio {
        sample_rate: SR,
        channels: vec![sine.clone()],
    };
    write_wav(&pd.path("sine.wav"), &src, WavFormat::Float32).unwrap();
    let rec = frames * 3 + 1000;
    let lines = record(
        &pd,
        "read sine.wav",
        "loop 1",
        rec,
        rec as f64 / 48.0 + 100.0,
    );
    assert_clean(&lines);
    let out = read_wav(&pd.path("out.wav")).unwrap();
    let l = &out.channels[0];
    // mono plays on both sides
    assert_eq!(l, &out.channels[1]);
    // still sounding after three loop lengths
    assert!(l[rec - 500..].iter().any(|x| x.abs() > 0.3));
    // the biggest step between samples stays that of the sine itself (no click at the joins)
    let sine_step = max_step(&sine);
    let raw_jump = (sine[frames - 1] - sine[0]).abs();
    assert!(
        raw_jump > 0.2,
        "the test fragment has a real discontinuity ({raw_jump})"
    );
    assert!(
        max_step(&l[64..]) < sine_step * 1.5,
        "{} vs the sine's own {sine_step}",
        max_step(&l[64..])
    );
}

/// Issue 18, item 5: an array with nothing in it (not rendered into yet) is refused with a
/// reason, and the slot keeps what it had; it used to load a slot of silence.
#[test]
fn an_empty_or_silent_array_is_refused_and_the_slot_stays() {
    let pd = PdDir::new("frag-silent");
    write_wav(&pd.path("a.wav"), &ramp(480), WavFormat::Float32).unwrap();
    let mut p = Patch::new();
    p.obj("array define drums-l");
    p.obj("array define drums-r");
    let f = p.obj("bandmate.frag~ 2");
    let pi = p.obj("print info");
    p.connect(f, 2, pi, 0);
    p.at(0.0, "read a.wav 1, array drums 1, dump", f);
    p.quit_at(10.0);
    let lines = pd.run(&p);
    let text = lines.join("\n");
    assert!(
        text.contains("bandmate.frag~: array: 'drums' is silent (render or record into it first)"),
        "{text}"
    );
    let info = printed(&lines, "info");
    assert!(
        info.iter().any(|l| l.starts_with("slot 1 a 480")),
        "{info:?}"
    );
}

#[test]
fn fragments_rotate_and_arrays_from_the_groove_object_load() {
    let pd = PdDir::new("frag-rotate");
    write_wav(&pd.path("a.wav"), &ramp(480), WavFormat::Float32).unwrap();
    let mut p = Patch::new();
    p.obj("array define drums-l");
    p.obj("array define drums-r");
    p.obj("array define mono 100");
    // something recorded into the mono array (a silent one is refused: see below)
    let lb = p.obj("loadbang");
    let fill = p.msg("; mono 0 0.5 -0.5 0.25 -0.25");
    p.connect(lb, 0, fill, 0);
    let g = p.obj("bandmate.groove @blocking 1");
    let f = p.obj("bandmate.frag~ 4");
    let pi = p.obj("print info");
    p.connect(f, 2, pi, 0);
    p.at(
        0.0,
        "read a.wav, read a.wav, read a.wav, read a.wav, read a.wav",
        f,
    );
    p.at(1.0, "seed 1, generate, render drums", g);
    p.at(2.0, "array drums, array mono 3, dump", f);
    p.quit_at(10.0);
    let lines = pd.run(&p);
    assert_clean(&lines);
    let info = printed(&lines, "info");
    let loaded: Vec<f64> = info
        .iter()
        .filter(|l| l.starts_with("loaded "))
        .map(|l| numbers(l)[0])
        .collect();
    // 5 reads into 4 slots: the 5th replaces the oldest (1); then the arrays: the oldest is
    // now 2, and the mono array goes where it was told (3)
    assert_eq!(loaded, vec![1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0]);
    assert!(
        info.iter().any(|l| l.starts_with("loaded 2 drums ")),
        "{info:?}"
    );
    assert!(info.contains(&"slot 3 mono 100 0 1 1 0"), "{info:?}");
}

#[test]
fn bad_input_is_reported_and_the_bank_keeps_working() {
    let pd = PdDir::new("frag-bad");
    write_wav(&pd.path("a.wav"), &ramp(480), WavFormat::Float32).unwrap();
    std::fs::write(pd.path("corrupt.wav"), b"RIFF....WAVEjunk").unwrap();
    let mut p = Patch::new();
    let f = p.obj("bandmate.frag~");
    let pi = p.obj("print info");
    p.connect(f, 2, pi, 0);
    for (i, m) in [
        "trigger 1",
        "trigger 9",
        "read nothere.wav",
        "read corrupt.wav",
        "array nothere",
        "rate 1 9",
        "loop one",
        "wobble",
        "bang",
    ]
    .iter()
    .enumerate()
    {
        p.at(i as f64, m, f);
    }
    p.at(20.0, "read a.wav, trigger 1, dump", f);
    p.quit_at(50.0);
    let lines = pd.run(&p);
    let text = lines.join("\n");
    for says in [
        "bandmate.frag~: trigger: slot 1 is empty",
        "bandmate.frag~: trigger: slot 9 does not exist (this bank has slots 1..4)",
        "nothere.wav",
        "corrupt.wav",
        "bandmate.frag~: array: no arrays named 'nothere-l' and 'nothere-r' (stereo) or 'nothere' (mono)",
        "bandmate.frag~: rate: rate 9 is out of range",
        "bandmate.frag~: loop: slot must be a number, got 'one'",
        "bandmate.frag~: unknown message 'wobble'",
        "bandmate.frag~: unknown message 'bang'",
    ] {
        assert!(text.contains(says), "expected «{says}» in:\n{text}");
    }
    assert!(!text.contains("couldn't create"));
    let info = printed(&lines, "info");
    assert!(info.contains(&"loaded 1 a 480 48000"), "{info:?}");
    assert!(
        info.iter().any(|l| l.starts_with("slot 1 a 480")),
        "{info:?}"
    );
}

#[test]
fn a_bad_creation_argument_refuses_to_create() {
    let pd = PdDir::new("frag-create");
    let mut p = Patch::new();
    p.obj("bandmate.frag~ 0");
    p.obj("bandmate.frag~ many");
    p.quit_at(10.0);
    let lines = pd.run(&p);
    let text = lines.join("\n");
    assert!(
        text.contains("bandmate.frag~: creation arguments: slots 0 is out of range 1..64"),
        "{text}"
    );
    assert!(
        text.contains("bandmate.frag~: creation arguments: slots must be a number"),
        "{text}"
    );
    assert_eq!(text.matches("couldn't create").count(), 2);
}

#[path = "../../core/tests/common/synth.rs"]
mod synth;

#[test]
fn a_generated_fragment_is_imported_fitted_to_the_grid_and_stretched() {
    let pd = PdDir::new("frag-import");
    // 117 BPM clicks after 1.5 s of silence, 44.1 kHz stereo, 24-bit: what a generator writes
    let beats: Vec<f64> = synth::steady(117.0, 6.0).iter().map(|b| b + 1.5).collect();
    let take = synth::click_track(44_100, 2, &beats, 8.0);
    write_wav(&pd.path("take.wav"), &take, WavFormat::Int24).unwrap();
    let mut p = Patch::new();
    let f = p.obj("bandmate.frag~ @tempo 120");
    let pi = p.obj("print info");
    p.connect(f, 2, pi, 0);
    p.at(0.0, "quantize warp, import take.wav", f);
    // each step once the one before has answered: stretch, then dump, then quit
    let route = p.obj("route prepared stretched slot");
    p.connect(f, 2, route, 0);
    let stretch = p.msg("stretch 1 2");
    let dump = p.msg("dump");
    let quit = p.msg("; pd quit");
    let tb = p.obj("t b");
    p.connect(route, 0, stretch, 0);
    p.connect(stretch, 0, f, 0);
    p.connect(route, 1, dump, 0);
    p.connect(dump, 0, f, 0);
    p.connect(route, 2, tb, 0);
    p.connect(tb, 0, quit, 0);
    p.quit_at(50_000.0);
    let lines = pd.run_with(&p, false, &[]);
    assert_clean(&lines);
    let info = printed(&lines, "info");
    let loaded = info
        .iter()
        .find(|l| l.starts_with("loaded 1 take "))
        .unwrap_or_else(|| panic!("{info:?}"));
    let v = numbers(loaded);
    assert_eq!(v[2], 48_000.0, "resampled to Pd's rate: {loaded}");
    let bars = v[1] / 96_000.0;
    assert!(
        bars >= 2.0 && (bars - bars.round()).abs() < 1e-3,
        "whole bars: {loaded}"
    );
    let prepared = info
        .iter()
        .find(|l| l.starts_with("prepared 1 take "))
        .unwrap();
    let bpm = numbers(prepared)[1];
    assert!((bpm - 117.0).abs() < 1.17, "{prepared}");
    assert!(info.contains(&"stretched 1 2 keep"), "{info:?}");
    let slot = info.iter().find(|l| l.starts_with("slot 1 take ")).unwrap();
    assert_eq!(
        numbers(slot)[1],
        2.0 * v[1],
        "half-time: twice as long: {slot}"
    );
}

/// A beat from words in real Pd (issue 21's built-in default): `prompt`, then `generate`; the
/// words understood said back, the fragment in the next slot, prepared like an import, and it
/// sounds (recorded through [tabwrite~] once it is in).
#[test]
fn a_prompt_generates_a_beat_into_the_next_slot() {
    let pd = PdDir::new("frag-prompt");
    let frames = 48_000;
    let mut p = Patch::new();
    p.obj(&format!("array define out-l {frames}"));
    let f = p.obj("bandmate.frag~ @tempo 100");
    let twl = p.obj("tabwrite~ out-l");
    let pi = p.obj("print info");
    p.connect(f, 0, twl, 0);
    p.connect(f, 2, pi, 0);
    let dsp = p.msg("; pd dsp 1");
    let lb = p.obj("loadbang");
    p.connect(lb, 0, dsp, 0);
    p.at(
        0.0,
        "prompt laid-back hiphop no crash swing 58 with cowbell, generate 4",
        f,
    );
    // once generated: trigger it and record, write, quit
    let route = p.obj("route generated");
    p.connect(f, 2, route, 0);
    let t = p.obj("t b b");
    p.connect(route, 0, t, 0);
    let trig = p.msg("trigger 1");
    p.connect(t, 0, trig, 0);
    p.connect(trig, 0, f, 0);
    p.connect(t, 1, twl, 0);
    let d = p.obj("delay 1100");
    p.connect(t, 0, d, 0);
    let sf = p.obj("soundfiler");
    let wm = p.msg("write -wave -bytes 4 beat.wav out-l");
    p.connect(d, 0, wm, 0);
    p.connect(wm, 0, sf, 0);
    let d2 = p.obj("delay 1200");
    p.connect(t, 0, d2, 0);
    let quit = p.msg("; pd quit");
    p.connect(d2, 0, quit, 0);
    p.quit_at(60_000.0);
    let lines = pd.run_with(&p, false, &[]);
    assert_clean(&lines);
    let info = printed(&lines, "info");
    assert!(
        info.contains(&"understood laid-back style hiphop no crash swing 58"),
        "{info:?}"
    );
    assert!(info.contains(&"ignored cowbell"), "{info:?}");
    let generated = info
        .iter()
        .find(|l| l.starts_with("generated 1 "))
        .unwrap_or_else(|| panic!("{info:?}"));
    // 4 s at 100 bpm: 2 bars, 4.8 s
    let secs = numbers(generated)[1];
    assert!((secs - 4.8).abs() < 0.2, "{generated}");
    assert!(
        info.iter().any(|l| l.starts_with("loaded 1 hiphop-beat ")),
        "{info:?}"
    );
    let heard = read_wav(&pd.path("beat.wav")).unwrap();
    let peak = heard.channels[0].iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(peak > 0.05, "the beat sounds: peak {peak}");
}
