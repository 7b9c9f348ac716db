//! `[bandmate.frag~]` in the mock Max host: fragments copied from `buffer~`, played by
//! `perform64` on the DSP chain sample for sample as the core engine plays them (the engine Pd's
//! tests check against real Pd's signals), read from WAV files beside the patcher, and bad input
//! reported without losing what plays.

mod harness;

use bandmate_core::objects::{atoms, Atom, FragObject};
use harness::{deinterleave, read_f32, write_f32, MaxDir};

/// A stereo test signal: a sine left, a slower one right, `frames` long at 48 kHz.
fn signal(frames: usize) -> Vec<Vec<f32>> {
    (0..2)
        .map(|c| {
            let hz = if c == 0 { 440.0 } else { 220.0 };
            (0..frames)
                .map(|i| (0.5 * (std::f64::consts::TAU * hz * i as f64 / 48_000.0).sin()) as f32)
                .collect()
        })
        .collect()
}

fn interleave(ch: &[Vec<f32>]) -> Vec<f32> {
    (0..ch[0].len())
        .flat_map(|i| ch.iter().map(move |c| c[i]))
        .collect()
}

/// The core engine itself, fed the same fragment and messages, for `frames` samples in
/// 64-sample vectors.
fn core_plays(chans: Vec<Vec<f32>>, messages: &[&str], frames: usize) -> Vec<Vec<f32>> {
    let (mut o, mut engine) = FragObject::new(4, 48_000.0).unwrap();
    o.take_array("loop", chans, 48_000, None).unwrap();
    for m in messages {
        let a = atoms(m);
        let Atom::Symbol(sel) = &a[0] else { panic!() };
        o.message(sel, &a[1..]).unwrap();
    }
    let (mut l, mut r) = (vec![0.0f32; frames], vec![0.0f32; frames]);
    for (lc, rc) in l.chunks_mut(64).zip(r.chunks_mut(64)) {
        engine.process(lc, rc);
    }
    vec![l, r]
}

#[test]
fn plays_a_buffer_sample_for_sample_as_the_core_engine() {
    let max = MaxDir::new("frag-play");
    let sig = signal(4_800);
    write_f32(&max.path("loop.raw"), &interleave(&sig));
    for (tag, msgs) in [
        ("loop", vec!["loop 1"]),
        ("half", vec!["rate 1 0.5", "gain 1 0.8", "loop 1"]),
        ("once", vec!["trigger 1"]),
    ] {
        let mut script = String::from(
            "buffer loop 2 1\n\
             buffer_read loop loop.raw\n\
             dsp on 48000 64\n\
             new f bandmate.frag~ 4\n\
             send f array loop\n\
             record f\n",
        );
        for m in &msgs {
            script.push_str(&format!("send f {m}\n"));
        }
        script.push_str("advance 250\nsigdump f out.raw\n");
        let out = max.run(&script);
        out.assert_clean();
        let got = deinterleave(&read_f32(&max.path("out.raw")), 2);
        let n = got[0].len();
        assert!(n >= 11_000, "{tag}: {n} samples recorded");
        let want = core_plays(sig.clone(), &msgs, n);
        assert_eq!(got, want, "{tag}: Max's perform64 vs the core engine");
        assert!(got[0].iter().any(|x| x.abs() > 0.1), "{tag}: not silent");
        if tag == "once" {
            assert!(
                got[0][6_000..].iter().all(|&x| x == 0.0),
                "played once, then silent"
            );
        }
        let info: Vec<String> = out
            .outs_of("f", 2)
            .into_iter()
            .map(|o| format!("{} {}", o.sel, o.atoms.join(" ")))
            .collect();
        assert_eq!(info[0], "loaded 1 loop 4800 48000", "{tag}: {info:?}");
        assert!(info.iter().any(|i| i == "started 1"), "{tag}: {info:?}");
    }
}

#[test]
fn reads_wav_files_beside_the_patcher_and_mono_buffers() {
    let max = MaxDir::new("frag-read");
    let wav = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/pd/loop.wav");
    std::fs::copy(&wav, max.path("loop.wav")).unwrap();
    write_f32(&max.path("mono.raw"), &signal(1_000)[0]);
    let out = max.run(
        "new f bandmate.frag~ 2\n\
         send f read loop.wav\n\
         buffer m 1 1\n\
         buffer_read m mono.raw\n\
         send f array m\n\
         send f dump\n",
    );
    out.assert_clean();
    let info: Vec<String> = out
        .outs_of("f", 2)
        .into_iter()
        .filter(|o| o.sel == "loaded")
        .map(|o| o.atoms[..3].join(" "))
        .collect();
    let frames = bandmate_core::wav::read_wav(&wav).unwrap().channels[0].len();
    assert_eq!(info, [format!("1 loop {frames}"), "2 m 1000".to_string()]);
}

#[test]
fn bad_input_is_reported_and_what_plays_keeps_playing() {
    let max = MaxDir::new("frag-bad");
    write_f32(&max.path("loop.raw"), &interleave(&signal(4_800)));
    std::fs::write(max.path("broken.wav"), b"RIFF this is no wave").unwrap();
    let out = max.run(
        "new x bandmate.frag~ 0\n\
         new y bandmate.frag~ many\n\
         buffer loop 2 1\n\
         buffer_read loop loop.raw\n\
         buffer empty 2 0\n\
         dsp on 48000 64\n\
         new f bandmate.frag~\n\
         send f array loop\n\
         record f\n\
         send f loop 1\n\
         advance 50\n\
         send f array nobuf\n\
         send f array empty\n\
         send f read broken.wav\n\
         send f read no-such.wav\n\
         send f trigger 9\n\
         send f rate 1 fast\n\
         send f frobnicate\n\
         send f 1 2\n\
         buffer_delete loop\n\
         advance 50\n\
         sigdump f out.raw\n",
    );
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(out.fatal().is_none());
    let text = out.text();
    assert!(
        text.contains("refused x") && text.contains("refused y"),
        "{text}"
    );
    let errors = out.errors();
    for needle in [
        "array: no buffer~ named 'nobuf'",
        "array: buffer~ 'empty' is empty",
        "broken.wav",
        "no-such.wav",
        "trigger",
        "rate",
        "unknown message 'frobnicate'",
        "a list (1 2) is not a message",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "no error about {needle}: {errors:?}"
        );
    }
    assert!(
        errors.iter().all(|e| e.contains("bandmate.frag~")),
        "{errors:?}"
    );
    // The slot plays its own copy: deleting the buffer~ and every refusal left it looping.
    let got = deinterleave(&read_f32(&max.path("out.raw")), 2);
    let tail = &got[0][got[0].len() - 2_000..];
    assert!(tail.iter().any(|x| x.abs() > 0.1), "still looping");
}

#[path = "../../core/tests/common/synth.rs"]
mod synth;

#[test]
fn a_generated_fragment_is_imported_fitted_to_the_grid_and_stretched() {
    use bandmate_core::wav::{write_wav, WavFormat};
    let max = MaxDir::new("frag-import");
    let beats: Vec<f64> = synth::steady(117.0, 6.0).iter().map(|b| b + 1.5).collect();
    let take = synth::click_track(44_100, 2, &beats, 8.0);
    write_wav(&max.path("take.wav"), &take, WavFormat::Int24).unwrap();
    // the worker works in real time: sleep while the clock polls
    let script = "new f bandmate.frag~ @tempo 120 @normalize -16\n\
                  send f quantize warp\nsend f import take.wav\n\
                  sleep 4000\nadvance 100\n\
                  send f stretch 1 2\nsleep 4000\nadvance 100\n\
                  send f dump\nadvance 10\n";
    let out = max.run(script);
    out.assert_clean();
    let info: Vec<String> = out
        .outs_of("f", 2)
        .into_iter()
        .map(|o| format!("{} {}", o.sel, o.atoms.join(" ")))
        .collect();
    let loaded = info
        .iter()
        .find(|l| l.starts_with("loaded 1 take "))
        .unwrap_or_else(|| panic!("{info:?}"));
    let v: Vec<f64> = loaded
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    assert_eq!(v[2], 48_000.0, "{loaded}");
    let bars = v[1] / 96_000.0;
    assert!(
        bars >= 2.0 && (bars - bars.round()).abs() < 1e-3,
        "{loaded}"
    );
    let prepared = info
        .iter()
        .find(|l| l.starts_with("prepared 1 take "))
        .unwrap();
    let bpm: f64 = prepared.split_whitespace().nth(3).unwrap().parse().unwrap();
    assert!((bpm - 117.0).abs() < 1.17, "{prepared}");
    assert!(info.iter().any(|l| l == "stretched 1 2 keep"), "{info:?}");
    assert!(
        info.iter()
            .any(|l| l.starts_with("summary ") && l.contains("LUFS")),
        "{info:?}"
    );
    assert!(out.fatal().is_none());
}

/// A DSP restart at another sample rate reaches the object as well as its engine: imports
/// after it are made at the new rate (a bug found in review: the object kept the rate it was
/// created at, so fragments imported after the restart played at the wrong speed).
#[test]
fn imports_after_a_dsp_restart_are_made_at_the_new_rate() {
    use bandmate_core::wav::{write_wav, Audio, WavFormat};
    let max = MaxDir::new("frag-restart");
    let tone: Vec<f32> = (0..22_050).map(|i| (i as f32 * 0.05).sin() * 0.5).collect();
    write_wav(
        &max.path("tone.wav"),
        &Audio {
            sample_rate: 22_050,
            channels: vec![tone],
        },
        WavFormat::Float32,
    )
    .unwrap();
    let script = "new f bandmate.frag~ @trim 0\n\
                  dsp on 48000 64\nadvance 10\n\
                  dsp off\ndsp on 44100 64\nadvance 10\n\
                  send f import tone.wav\nsleep 2000\nadvance 100\n";
    let out = max.run(script);
    out.assert_clean();
    let loaded: Vec<String> = out
        .outs_of("f", 2)
        .into_iter()
        .filter(|o| o.sel == "loaded")
        .map(|o| o.atoms.join(" "))
        .collect();
    // one second of audio, resampled to the host's rate now: 44,100 frames at 44.1 kHz
    assert_eq!(loaded, ["1 tone 44100 44100"], "{}", out.text());
}

/// A beat from words in the mock Max host (issue 21's built-in default), as in Pd: the words
/// said back, the fragment in the next slot, prepared like an import (loudness matched).
#[test]
fn a_prompt_generates_a_beat_into_the_next_slot() {
    let max = MaxDir::new("frag-prompt");
    let script = "new f bandmate.frag~ @tempo 90 @normalize -16\n\
                  send f prompt sparse jazz ride no toms\n\
                  send f generate 5.3\n\
                  sleep 3000\nadvance 100\n\
                  send f seed 7\nsend f generate 2\nsleep 3000\nadvance 100\n";
    let out = max.run(script);
    out.assert_clean();
    let info: Vec<String> = out
        .outs_of("f", 2)
        .into_iter()
        .map(|o| format!("{} {}", o.sel, o.atoms.join(" ")))
        .collect();
    assert!(
        info.contains(&"understood sparse style jazz ride no toms".to_string()),
        "{info:?}"
    );
    // 5.3 s at 90 bpm: 2 bars, 5.33 s; then 2 s: 1 bar, 2.67 s, into slot 2
    let gen: Vec<&String> = info.iter().filter(|l| l.starts_with("generated")).collect();
    assert_eq!(gen.len(), 2, "{info:?}");
    assert!(gen[0].starts_with("generated 1 5.33"), "{gen:?}");
    assert!(gen[1].starts_with("generated 2 2.66"), "{gen:?}");
    assert!(
        info.iter()
            .any(|l| l.starts_with("summary ") && l.contains("LUFS")),
        "{info:?}"
    );
}
