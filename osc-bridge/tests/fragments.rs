//! The fragment bank over OSC (oscsend and oscdump): a render appears as a whole, valid WAV
//! in the next slot, slots rotate oldest first, imports are confined to the allowed folders, and
//! trigger / loop / stop reach the subscribers with the slot's path.

mod common;

use std::path::Path;
use std::time::Duration;

use bandmate_core::wav::{read_wav, write_wav, Audio, WavFormat};
use common::*;

const SEC: Duration = Duration::from_secs(1);

#[test]
fn renders_fill_the_slots_in_turn_as_valid_wavs() {
    let samples = TempDir::new("samples");
    let d = Daemon::start(&[
        "--rules",
        "--slots",
        "2",
        "--rate",
        "22050",
        "--path",
        samples.path().to_str().unwrap(),
    ]);
    let p = d.port();
    let mut dump = OscDump::start();
    oscsend(p, "/bandmate/subscribe", "i", &[&dump.port.to_string()]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");

    // nothing to render yet
    oscsend(p, "/bandmate/groove/render", "s", &["early"]);
    let e = dump.until(5 * SEC, |l| l.addr == "/bandmate/error");
    assert!(e.last().unwrap().args[1]
        .s()
        .contains("render: there is no loop yet"));

    oscsend(p, "/bandmate/groove/tempo", "f", &["120"]);
    oscsend(p, "/bandmate/groove/generate", "", &[]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/groove/ready");
    let mut slots = Vec::new();
    for name in ["one", "two", "three"] {
        oscsend(p, "/bandmate/groove/render", "s", &[name]);
        let got = dump.until(15 * SEC, |l| l.addr == "/bandmate/frag/slot");
        let l = got.last().unwrap().clone();
        assert_eq!(l.args[2].s(), name);
        let path = l.args[1].s().to_string();
        // the file is whole the moment its slot is announced
        let a = read_wav(Path::new(&path)).unwrap();
        assert_eq!(a.sample_rate, 22_050);
        assert_eq!(a.channels.len(), 2);
        assert_eq!(a.frames(), 4 * 22_050, "2 bars at 120 BPM");
        assert!(a.channels[0].iter().any(|&x| x.abs() > 0.01), "not silent");
        slots.push((l.args[0].f() as usize, path));
    }
    assert_eq!(slots.iter().map(|s| s.0).collect::<Vec<_>>(), vec![1, 2, 1]);
    assert!(slots[0].1.ends_with("Fragment01.wav") && slots[1].1.ends_with("Fragment02.wav"));
    assert_eq!(slots[0].1, slots[2].1);
    let names: Vec<String> = std::fs::read_dir(d.dir.path().join("fragments"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "no temporary files left: {names:?}");

    // an import goes into the oldest slot (2); one from outside the allowed folders is refused
    let wav = samples.path().join("clap.wav");
    write_wav(
        &wav,
        &Audio {
            sample_rate: 44_100,
            channels: vec![vec![0.25; 441]],
        },
        WavFormat::Int16,
    )
    .unwrap();
    oscsend(p, "/bandmate/frag/import", "s", &[wav.to_str().unwrap()]);
    let l = dump
        .until(5 * SEC, |l| l.addr == "/bandmate/frag/slot")
        .pop()
        .unwrap();
    assert_eq!((l.args[0].f(), l.args[2].s()), (2.0, "clap"));
    let a = read_wav(Path::new(l.args[1].s())).unwrap();
    assert_eq!(
        (a.sample_rate, a.frames(), a.channels.len()),
        (22_050, 221, 1),
        "resampled to the daemon's rate"
    );
    // outside the folders: refused by name whether the file exists or not (nothing outside
    // is even looked at); inside but missing: the file system's answer
    let missing = samples.path().join("missing.wav");
    let missing = missing.to_str().unwrap();
    for (path, says) in [
        ("/etc/passwd", "outside the folders"),
        ("../../etc/passwd", "outside the folders"),
        ("../../../../../../../../etc/passwd", "outside the folders"),
        ("/no/such.wav", "outside the folders"),
        (missing, "No such file"),
    ] {
        oscsend(p, "/bandmate/frag/import", "s", &[path]);
        let e = dump
            .until(5 * SEC, |l| l.addr == "/bandmate/error")
            .pop()
            .unwrap();
        assert_eq!(e.args[0].s(), "/bandmate/frag/import");
        assert!(e.args[1].s().contains(says), "{path}: {:?}", e.args[1]);
    }
    // inside the folder but not a WAV: the writer says so, nothing changes
    std::fs::write(samples.path().join("notes.txt"), "not audio").unwrap();
    oscsend(
        p,
        "/bandmate/frag/import",
        "s",
        &[samples.path().join("notes.txt").to_str().unwrap()],
    );
    let e = dump
        .until(5 * SEC, |l| l.addr == "/bandmate/error")
        .pop()
        .unwrap();
    assert!(e.args[1].s().starts_with("import: "), "{e:?}");

    // trigger, loop (path segments as arguments), stop, list
    oscsend(p, "/bandmate/frag/trigger/2", "", &[]);
    let t = dump
        .until(5 * SEC, |l| l.addr == "/bandmate/frag/trigger")
        .pop()
        .unwrap();
    assert_eq!(t.args, vec![Arg::Int(2), Arg::Str(slots[1].1.clone())]);
    oscsend(p, "/bandmate/frag/loop/1", "f", &["1"]);
    let t = dump
        .until(5 * SEC, |l| l.addr == "/bandmate/frag/loop")
        .pop()
        .unwrap();
    assert_eq!(
        t.args,
        vec![Arg::Int(1), Arg::Int(1), Arg::Str(slots[0].1.clone())]
    );
    oscsend(p, "/bandmate/status", "", &[]);
    let st = dump.until(5 * SEC, |l| {
        l.addr == "/bandmate/status" && l.args[0] == Arg::Str("done".into())
    });
    assert!(st
        .iter()
        .any(|l| l.args.first() == Some(&Arg::Str("slot".into()))
            && l.args[1] == Arg::Int(1)
            && l.args[4] == Arg::Str("looping".into())));
    oscsend(p, "/bandmate/frag/stop", "", &[]);
    let t = dump
        .until(5 * SEC, |l| l.addr == "/bandmate/frag/stop")
        .pop()
        .unwrap();
    assert!(t.args.is_empty());
    // dump: a line per slot (number, name, frames, looping, rate, gain, playing)
    oscsend(p, "/bandmate/frag/dump", "", &[]);
    let list = dump.until(5 * SEC, |l| {
        l.addr == "/bandmate/frag/slot" && l.args.len() == 7 && l.args[0].f() == 2.0
    });
    assert_eq!(
        list.iter()
            .filter(|l| l.addr == "/bandmate/frag/slot" && l.args.len() == 7)
            .count(),
        2
    );
}

#[test]
fn a_bank_already_on_disk_is_picked_up_and_its_oldest_slot_goes_first() {
    let bank = TempDir::new("bank");
    let dir = bank.path().join("fragments");
    std::fs::create_dir_all(&dir).unwrap();
    // slots 1 and 3 hold files; 2 is empty: it is filled first
    for n in [1, 3] {
        write_wav(
            &dir.join(format!("Fragment0{n}.wav")),
            &Audio {
                sample_rate: 8000,
                channels: vec![vec![0.0; 80]],
            },
            WavFormat::Float32,
        )
        .unwrap();
    }
    let d2 = Daemon::start(&[
        "--rules",
        "--slots",
        "3",
        "--frag-dir",
        dir.to_str().unwrap(),
    ]);
    let c = Client::new(d2.udp);
    let st = c.status();
    let slots = st.iter().find(|(k, _)| k == "slots").unwrap();
    assert_eq!(slots.1[..2], [i(3), i(2)], "3 slots, slot 2 next: {st:?}");
    // Answered when the loop is made.
    c.ask(
        "/bandmate/groove/generate",
        vec![],
        "/bandmate/groove/ready",
    );
    let r = c.ask("/bandmate/groove/render", vec![], "/bandmate/frag/slot");
    assert_eq!(r.last().unwrap().1[0], i(2), "{r:?}");
}

#[path = "../../core/tests/common/synth.rs"]
mod synth;

/// 117 BPM clicks after 1.5 s of silence, 44.1 kHz stereo, 24-bit: what a generator writes.
fn take(path: &Path) {
    let beats: Vec<f64> = synth::steady(117.0, 6.0).iter().map(|b| b + 1.5).collect();
    write_wav(
        path,
        &synth::click_track(44_100, 2, &beats, 8.0),
        WavFormat::Int24,
    )
    .unwrap();
}

#[test]
fn generated_fragments_are_fitted_watched_and_stretched() {
    let samples = TempDir::new("generated");
    let incoming = samples.path().join("incoming");
    std::fs::create_dir_all(&incoming).unwrap();
    let d = Daemon::start(&[
        "--rules",
        "--rate",
        "48000",
        "--path",
        samples.path().to_str().unwrap(),
    ]);
    let p = d.port();
    let mut dump = OscDump::start();
    oscsend(p, "/bandmate/subscribe", "i", &[&dump.port.to_string()]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");
    oscsend(p, "/bandmate/frag/tempo", "f", &["120"]);
    oscsend(p, "/bandmate/frag/quantize", "s", &["warp"]);
    oscsend(p, "/bandmate/frag/normalize", "f", &["-16"]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/frag/normalize");

    // an explicit import: prepared, then announced whole
    let wav = samples.path().join("take.wav");
    take(&wav);
    oscsend(p, "/bandmate/frag/import", "s", &[wav.to_str().unwrap()]);
    let got = dump.until(60 * SEC, |l| l.addr == "/bandmate/frag/slot");
    // prepared SLOT NAME BPM CONFIDENCE QUANTIZED TRIMMED, then the summary as one line
    let prepared = got
        .iter()
        .find(|l| l.addr == "/bandmate/frag/prepared")
        .unwrap_or_else(|| panic!("{got:?}"));
    assert_eq!(prepared.args[1].s(), "take");
    assert_eq!(prepared.args[4].f(), 1.0, "quantized: {prepared:?}");
    let summary: Vec<String> = got
        .iter()
        .find(|l| l.addr == "/bandmate/frag/summary")
        .unwrap_or_else(|| panic!("{got:?}"))
        .args
        .iter()
        .map(|a| match a {
            Arg::Str(w) => w.clone(),
            other => format!("{}", other.f()),
        })
        .collect();
    let summary = summary.join(" ");
    assert!(summary.contains("resampled 44100 -> 48000 Hz"), "{summary}");
    assert!(summary.contains("warped to 120 BPM"), "{summary}");
    let slot = got.last().unwrap();
    let a = read_wav(Path::new(slot.args[1].s())).unwrap();
    assert_eq!(a.sample_rate, 48_000);
    let bars = a.duration_secs() / 2.0;
    assert!(
        bars >= 2.0 && (bars - bars.round()).abs() < 1e-3,
        "whole bars: {bars}"
    );
    let n = slot.args[0].f() as i32;

    // half-time keeping the pitch: a new file beside the slot's, twice as long
    oscsend(
        p,
        "/bandmate/frag/stretch",
        "iis",
        &[&n.to_string(), "2", "keep"],
    );
    let got = dump.until(60 * SEC, |l| {
        l.addr == "/bandmate/frag/slot" && l.args[1].s().ends_with("-x2.wav")
    });
    let st = got
        .iter()
        .find(|l| l.addr == "/bandmate/frag/stretched")
        .unwrap_or_else(|| panic!("{got:?}"));
    assert_eq!(st.args[2].s(), "keep");
    let file = got.last().unwrap();
    assert_eq!(file.args[0].f() as i32, n);
    let b = read_wav(Path::new(file.args[1].s())).unwrap();
    assert!((b.duration_secs() / a.duration_secs() - 2.0).abs() < 0.01);
    // like tape: the slot's own file, to play at half speed
    oscsend(
        p,
        "/bandmate/frag/stretch",
        "iis",
        &[&n.to_string(), "4", "tape"],
    );
    // answered with the slot's own file (the slot plays it again, at rate 1/4)
    let st = dump
        .until(5 * SEC, |l| l.addr == "/bandmate/frag/stretch")
        .pop()
        .unwrap();
    assert_eq!((st.args[2].s(), st.args[3].s()), ("tape", slot.args[1].s()));

    // a watched folder: a file written there after the watch began comes in by itself
    take(&samples.path().join("before.wav"));
    std::fs::copy(samples.path().join("before.wav"), incoming.join("old.wav")).unwrap();
    oscsend(
        p,
        "/bandmate/frag/watch",
        "s",
        &[incoming.to_str().unwrap()],
    );
    dump.until(5 * SEC, |l| l.addr == "/bandmate/frag/watching");
    std::fs::copy(
        samples.path().join("before.wav"),
        incoming.join("Fragment07.wav"),
    )
    .unwrap();
    let got = dump.until(60 * SEC, |l| l.addr == "/bandmate/frag/slot");
    assert_eq!(got.last().unwrap().args[2].s(), "Fragment07", "{got:?}");
    assert!(!got
        .iter()
        .any(|l| l.args.iter().any(|a| a == &Arg::Str("old".into()))));
    // refusals
    for (addr, types, args, says) in [
        (
            "/bandmate/frag/watch",
            "s",
            vec!["/etc"],
            "outside the folders",
        ),
        (
            "/bandmate/frag/stretch",
            "if",
            vec!["9", "2"],
            "slot 9 does not exist",
        ),
        ("/bandmate/frag/quantize", "s", vec!["sideways"], "sideways"),
    ] {
        oscsend(p, addr, types, &args);
        let e = dump
            .until(5 * SEC, |l| l.addr == "/bandmate/error")
            .pop()
            .unwrap();
        assert!(e.args[1].s().contains(says), "{addr}: {e:?}");
    }
}

/// A beat from words over OSC (issue 21's built-in default): `/bandmate/frag/prompt` with the
/// words as one string, then `/bandmate/frag/generate`; the words understood come back, and
/// `generated SLOT SECONDS` and the slot's file (`FragmentNN.wav`, whole) reach oscdump.
#[test]
fn a_prompt_over_osc_generates_a_fragment_file() {
    let d = Daemon::start(&["--slots", "2", "--rate", "22050"]);
    let p = d.port();
    let mut dump = OscDump::start();
    oscsend(p, "/bandmate/subscribe", "i", &[&dump.port.to_string()]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");
    oscsend(
        p,
        "/bandmate/frag/prompt",
        "s",
        &["busy funk 110 bpm no crash"],
    );
    let got = dump.until(5 * SEC, |l| l.addr == "/bandmate/frag/understood");
    let words: Vec<String> = got
        .last()
        .unwrap()
        .args
        .iter()
        .map(|a| match a {
            Arg::Str(s) => s.clone(),
            n => n.f().to_string(),
        })
        .collect();
    assert_eq!(
        words.join(" "),
        "busy style funk 110 bpm no crash",
        "{words:?}"
    );
    oscsend(p, "/bandmate/frag/generate", "f", &["4.4"]);
    let got = dump.until(30 * SEC, |l| l.addr == "/bandmate/frag/generated");
    let g = got.last().unwrap();
    assert_eq!(g.args[0].f(), 1.0);
    // 4.4 s at 110 bpm: 2 bars, 4.36 s
    assert!((g.args[1].f() - 4.36).abs() < 0.1, "{g:?}");
    // the slot's file is announced once it is written (before or after `generated`)
    let slot = match got.iter().rev().find(|l| l.addr == "/bandmate/frag/slot") {
        Some(l) => l.clone(),
        None => dump
            .until(10 * SEC, |l| l.addr == "/bandmate/frag/slot")
            .pop()
            .unwrap(),
    };
    let path = slot.args[1].s().to_string();
    assert!(path.ends_with("Fragment01.wav"), "{path}");
    let a = read_wav(Path::new(&path)).unwrap();
    assert_eq!(a.sample_rate, 22_050);
    assert!(a.channels[0].iter().any(|&x| x.abs() > 0.01), "not silent");
    // an empty prompt is refused and the daemon goes on
    oscsend(p, "/bandmate/frag/prompt", "s", &["   "]);
    let e = dump.until(5 * SEC, |l| l.addr == "/bandmate/error");
    assert!(e.last().unwrap().args[1].s().contains("empty"), "{e:?}");
}
