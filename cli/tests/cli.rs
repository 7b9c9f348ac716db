//! The `bandmate` binary, run for real.

use bandmate_core::midi::{self, MidiFile};
use bandmate_core::wav::read_wav;
use bandmate_core::{Hit, Pattern, Voice};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bandmate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bandmate"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("runs")
}

fn ok(args: &[&str]) -> String {
    let out = bandmate(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a failing command: exit status 1 and exactly one line on stderr, which is returned.
fn fails(args: &[&str]) -> String {
    let out = bandmate(args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("bandmate: error: "), "{err}");
    err
}

fn gmd() -> PathBuf {
    let root = bandmate_core::gmd::default_root();
    assert!(
        root.join("info.csv").is_file(),
        "GMD missing at {}",
        root.display()
    );
    root
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bandmate-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

const FUNK_138: &str = "drummer1/eval_session/1_funk-groove1_138_beat_4-4.mid";

#[test]
fn help_lists_every_subcommand() {
    let help = ok(&["--help"]);
    for cmd in [
        "inspect", "convert", "apply", "render", "dataset", "demo", "fragment", "corpus", "infill",
    ] {
        assert!(help.contains(cmd), "{cmd} missing from --help");
    }
    assert!(ok(&["render", "--help"]).contains("--kit"));
    // Usage errors are clap's: exit status 2.
    assert_eq!(bandmate(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn inspect_a_real_performance() {
    let f = gmd().join(FUNK_138);
    let out = ok(&["inspect", s(&f)]);
    assert!(
        out.contains("MIDI format 0, 1 track(s), 480 ticks per quarter"),
        "{out}"
    );
    assert!(out.contains("138.00 BPM at beat 0.00"), "{out}");
    assert!(out.contains("meter: 4/4"), "{out}");
    assert!(out.contains("16 bars at 138.00 BPM"), "{out}");
    assert!(out.lines().any(|l| l.starts_with("kick ")), "{out}");
}

#[test]
fn convert_apply_render_a_loop() {
    let d = tmp("flow");
    let (json, mid, swung, wav) = (
        d.join("l.json"),
        d.join("l.mid"),
        d.join("s.mid"),
        d.join("s.wav"),
    );
    let src = gmd().join(FUNK_138);
    ok(&["convert", s(&src), s(&json)]);
    ok(&["convert", s(&json), s(&mid), "--bpm", "100"]);
    let m = MidiFile::read(&mid).unwrap();
    assert!((m.initial_bpm() - 100.0).abs() < 0.01);

    let out = ok(&[
        "apply",
        s(&mid),
        s(&swung),
        "--swing",
        "58",
        "--accents",
        "x...x...x...x...",
    ]);
    assert!(out.contains("kick"), "{out}");
    let p = midi::read_pattern(&swung).unwrap().pattern;
    let mut odd = 0;
    for (step, _, h) in p.hits() {
        if step % 2 == 1 {
            odd += 1;
            assert!(
                (h.offset - 0.16).abs() <= 1.0 / 120.0,
                "step {step}: {}",
                h.offset
            );
        }
    }
    assert!(odd > 10);

    let out = ok(&["render", s(&swung), s(&wav), "--rate", "44100"]);
    assert!(out.contains("44100 Hz stereo"), "{out}");
    let a = read_wav(&wav).unwrap();
    assert_eq!(a.sample_rate, 44100);
    assert_eq!(a.channels.len(), 2);
    // 16 bars at 100 BPM = 38.4 s.
    assert_eq!(a.channels[0].len(), 1_693_440);
    assert!(a.channels[0].iter().any(|x| x.abs() > 0.05));
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn demo_makes_midi_pattern_and_wav() {
    let d = tmp("demo");
    let out = ok(&["demo", "--out", s(&d), "--preset", "rock", "--swing", "54"]);
    assert!(out.contains("'rock' at 120 BPM, swing 54%"), "{out}");
    let a = read_wav(&d.join("demo.wav")).unwrap();
    assert_eq!(a.channels[0].len(), 192_000); // 2 bars at 120 BPM, 48 kHz
    let p = midi::read_pattern(&d.join("demo.mid")).unwrap();
    assert_eq!(p.pattern.steps(), 32);
    assert!(d.join("demo.json").is_file());
    fails(&["demo", "--out", s(&d), "--preset", "polka"]);
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn dataset_export_reports_counts() {
    let d = tmp("dataset");
    let out = ok(&["dataset", "--gmd", s(&gmd()), "--out", s(&d)]);
    assert!(out.contains("test          129     2076"), "{out}");
    assert!(d.join("train/hits.npy").is_file() && d.join("manifest.json").is_file());
    let err = fails(&["dataset", "--gmd", s(&d), "--out", s(&d)]);
    assert!(err.contains("info.csv"), "{err}");
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn bad_input_is_one_clear_line() {
    let d = tmp("bad");
    // Not MIDI at all.
    let txt = d.join("notes.mid");
    std::fs::write(&txt, "this is not a MIDI file").unwrap();
    let e = fails(&["inspect", s(&txt)]);
    assert!(e.contains("notes.mid: not a readable MIDI file"), "{e}");
    // Truncated.
    let cut = d.join("cut.mid");
    let full = std::fs::read(gmd().join(FUNK_138)).unwrap();
    std::fs::write(&cut, &full[..full.len() / 3]).unwrap();
    let e = fails(&["render", s(&cut), s(&d.join("x.wav"))]);
    assert!(
        e.contains("cut.mid: not a readable MIDI file: truncated"),
        "{e}"
    );
    assert!(!d.join("x.wav").exists());
    // No drum notes: a melody on channel 1.
    let mut melody = Pattern::new(16).unwrap();
    melody
        .set(0, Voice::Kick, Some(Hit::new(0.5, 0.0).unwrap()))
        .unwrap();
    let bytes = midi::pattern_to_smf(&melody, midi::Export::at(120.0)).unwrap();
    let piano: Vec<u8> = {
        // Move the one note (key 36 on channel 10) to key 72 on channel 1.
        let mut b = bytes.clone();
        for i in 0..b.len() - 2 {
            if (b[i] == 0x99 || b[i] == 0x89) && b[i + 1] == 36 {
                b[i] &= 0xF0;
                b[i + 1] = 72;
            }
        }
        b
    };
    let pf = d.join("piano.mid");
    std::fs::write(&pf, piano).unwrap();
    let e = fails(&["convert", s(&pf), s(&d.join("p.json"))]);
    assert!(e.contains("piano.mid: no drum notes"), "{e}");
    // Unknown voice in a pattern file.
    let pj = d.join("cowbell.json");
    std::fs::write(
        &pj,
        r#"{"format":"bandmate-pattern","version":1,"bpm":120,"steps":16,
            "hits":[{"step":0,"voice":"cowbell","velocity":0.5}]}"#,
    )
    .unwrap();
    let e = fails(&["render", s(&pj), s(&d.join("c.wav"))]);
    assert!(
        e.contains("cowbell.json: pattern file: hit 0: unknown voice 'cowbell'"),
        "{e}"
    );
    let (loop_mid, kit) = (d.join("loop.mid"), d.join("kit"));
    std::fs::write(&loop_mid, &bytes).unwrap();
    // Missing file, bad swing, bad channel.
    let e = fails(&["inspect", s(&d.join("nope.mid"))]);
    assert!(e.contains("nope.mid"), "{e}");
    let e = fails(&["apply", s(&loop_mid), s(&d.join("o.mid")), "--swing", "90"]);
    assert!(e.contains("swing 90% is out of range"), "{e}");
    let e = fails(&["inspect", s(&txt), "--channel", "17"]);
    assert!(e.contains("channel '17'"), "{e}");
    // Kits: empty folder, unsupported WAV.
    std::fs::create_dir_all(&kit).unwrap();
    let e = fails(&[
        "render",
        s(&loop_mid),
        s(&d.join("k.wav")),
        "--kit",
        s(&kit),
    ]);
    assert!(e.contains("kit") && e.contains("no .wav files"), "{e}");
    std::fs::write(kit.join("kick.wav"), b"RIFF\x10\x00\x00\x00WAVEjunkjunk").unwrap();
    let e = fails(&[
        "render",
        s(&loop_mid),
        s(&d.join("k.wav")),
        "--kit",
        s(&kit),
    ]);
    assert!(e.contains("kick.wav"), "{e}");
    std::fs::remove_dir_all(&d).unwrap();
}

/// `bandmate inspect loop.mid | head -1`: the reader goes away; that is no crash.
#[test]
fn closed_stdout_is_not_a_crash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bandmate"))
        .args(["inspect", s(&gmd().join(FUNK_138))])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // close the pipe before it prints
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}

fn model_dir() -> String {
    format!("{}/../models/groove", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn groove_humanizes_a_score_and_rejects_bad_gestures() {
    let dir = tmp("groove");
    let score = dir.join("funk.json");
    ok(&["demo", "--out", s(&dir)]);
    std::fs::copy(dir.join("demo.json"), &score).unwrap();
    let out = dir.join("g.mid");
    let m = model_dir();
    let text = ok(&[
        "groove",
        s(&out),
        "--score",
        s(&score),
        "--seed",
        "4",
        "--model",
        &m,
    ]);
    assert!(text.contains("humanize by model groove"), "{text}");
    let mine = midi::read_pattern(&out).unwrap().pattern;
    let (given, _) = bandmate_core::patfile::read_pattern_file(&score).unwrap();
    assert_eq!(mine.score(), given.window(0, 32).unwrap().score());
    let text = ok(&[
        "groove",
        s(&out),
        "--swing",
        "62",
        "--without",
        "crash",
        "--model",
        &m,
    ]);
    assert!(text.contains("mixed by model groove"), "{text}");
    let err = fails(&["groove", s(&out), "--without", "cowbell", "--model", &m]);
    assert!(err.contains("unknown voice 'cowbell'"), "{err}");
    let err = fails(&["groove", s(&out), "--temperature", "NaN", "--model", &m]);
    assert!(err.contains("temperature NaN"), "{err}");
    let err = fails(&["groove", s(&out), "--model", s(&dir)]);
    assert!(err.contains("model.json"), "{err}");
    let text = ok(&["groove", s(&out), "--rules", "--seed", "1"]);
    assert!(text.contains("generate by rules"), "{text}");
}

#[test]
fn eval_prints_the_tables_and_writes_them_into_a_card() {
    let dir = tmp("eval");
    let data = dir.join("gmd");
    ok(&["dataset", "--gmd", s(&gmd()), "--out", s(&data)]);
    let card = dir.join("card.md");
    std::fs::write(
        &card,
        "# card\n<!-- eval:begin -->\nold\n<!-- eval:end -->\ntail\n",
    )
    .unwrap();
    let m = model_dir();
    let text = ok(&[
        "eval",
        "--model",
        &m,
        "--data",
        s(&data),
        "--limit",
        "40",
        "--card",
        s(&card),
    ]);
    let row = |name: &str| -> Vec<String> {
        let line = text
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{text}"));
        line.split('|').map(|c| c.trim().to_string()).collect()
    };
    let recall = row("Humanize: hit recall");
    let model_recall: f32 = recall[3].parse().unwrap();
    assert!(model_recall > 0.9, "{text}");
    assert_eq!(
        recall[4], "1.000",
        "the drum machine plays the score exactly: {text}"
    );
    assert!(
        row("windows / generations")[3].starts_with("40 / 1280 /"),
        "{text}"
    );
    // the real performances' column: the drummers are not all straight, and a backbeat rate
    let real = row("straight windows (real");
    assert_eq!(real.len(), 7, "metric, paper, two drummers, real: {text}");
    assert!(real[5].ends_with(" / 40"), "{text}");
    let rate: f32 = row("Generate: backbeat rate")[5].parse().unwrap();
    assert!((0.0..=1.0).contains(&rate), "{text}");
    // compose mode's infill, beside a random training bar: every note kept, the filled bars'
    // hits closer to their neighbours'
    assert!(text.contains("8-bar clips of the test split"), "{text}");
    let kept = text
        .split("checks the reading back): ")
        .nth(1)
        .and_then(|t| t.split('.').next())
        .unwrap();
    let (a, b) = kept.split_once(" of ").unwrap();
    assert_eq!(a, b, "{text}");
    let hits = row("| hits per bar |");
    let (infill, random): (f32, f32) = (hits[2].parse().unwrap(), hits[3].parse().unwrap());
    assert!(infill < random, "{text}");
    // fills, told from beats by a classifier of real bars
    let fills = row("| fills |");
    let rate: f32 = fills[2].parse().unwrap();
    assert!(rate > row("| beats |")[2].parse::<f32>().unwrap(), "{text}");
    // settings are chosen on the validation split; a split that does not exist is refused
    let text = ok(&[
        "eval",
        "--model",
        &m,
        "--data",
        s(&data),
        "--split",
        "validation",
        "--limit",
        "3",
        "--per-window",
        s(&dir.join("windows.csv")),
    ]);
    assert!(
        text.contains("| 3 / 96 /"),
        "validation windows evaluated: {text}"
    );
    // each window's swing, Humanize's beside the real performance's
    let csv = std::fs::read_to_string(dir.join("windows.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0], "row,performance,real_swing,humanize_swing",
        "{csv}"
    );
    assert_eq!(lines.len(), 4, "{csv}");
    for (i, line) in lines[1..].iter().enumerate() {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f[0], i.to_string(), "{csv}");
        assert!(f[1].starts_with("drummer"), "{csv}");
        let swing: f32 = f[3].parse().unwrap();
        assert!(swing.abs() <= 1.0, "{csv}");
    }
    let out = bandmate(&["eval", "--model", &m, "--data", s(&data), "--split", "dev"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("'dev'") && err.contains("validation"), "{err}");
    let written = std::fs::read_to_string(&card).unwrap();
    assert!(
        written.contains("Table 1: diversity") && written.ends_with("<!-- eval:end -->\ntail\n")
    );
    assert!(!written.contains("old"));
    let err = fails(&["eval", "--model", &m, "--data", s(&dir.join("nope"))]);
    assert!(err.contains("hits.npy"), "{err}");
}

#[test]
fn swing_without_a_tap_swings_the_off_beat_sixteenths() {
    let dir = tmp("swing-only");
    let out = dir.join("g.json");
    // the drum machine copies tap timing exactly: at temperature 0 every off-beat 16th it
    // plays sits at the swing's offset (66 % -> 0.32 of a step late)
    ok(&[
        "groove",
        s(&out),
        "--swing",
        "66",
        "--rules",
        "--temperature",
        "0",
    ]);
    let (p, _) = bandmate_core::patfile::read_pattern_file(&out).unwrap();
    let late: Vec<f32> = p
        .hits()
        .filter(|h| h.0 % 2 == 1)
        .map(|h| h.2.offset)
        .collect();
    assert!(!late.is_empty(), "no off-beat 16ths played");
    assert!(late.iter().all(|o| (o - 0.32).abs() < 1e-4), "{late:?}");
}

/// Issue 17, item 1: `--swing8` plays the loop on a swung 8th-note grid (a triplet here):
/// written as MIDI, the off-beat 8ths sit 2/3 of a step late; `apply --swing8` does the same to
/// a straight loop, and the pattern file keeps the feel.
#[test]
fn swing8_writes_the_off_beat_eighths_a_triplet_late() {
    let dir = tmp("swing8");
    let mid = dir.join("g.mid");
    let score = dir.join("hats.json");
    let mut p = bandmate_core::Pattern::empty_loop();
    for step in (0..32).step_by(2) {
        p.set(
            step,
            Voice::ClosedHat,
            Some(bandmate_core::Hit::on_grid(0.7).unwrap()),
        )
        .unwrap();
    }
    bandmate_core::patfile::write_pattern_file(&score, &p, 120.0).unwrap();
    let args = ["--rules", "--temperature", "0", "--swing8", "66.6667"];
    ok(&[&["groove", s(&mid), "--score", s(&score)][..], &args[..]].concat());
    let back = bandmate_core::midi::read_pattern(&mid).unwrap().pattern;
    let hats: Vec<(usize, f32)> = back
        .hits()
        .filter(|h| h.1 == Voice::ClosedHat)
        .map(|h| (h.0, h.2.offset))
        .collect();
    assert_eq!(hats.len(), 16, "{hats:?}");
    for (step, off) in hats {
        // MIDI reads on the straight grid: the off-beat 8th (2 2/3) comes back as step 3, 1/3 early
        let want = if step % 4 == 3 { -1.0 / 3.0 } else { 0.0 };
        assert!((off - want).abs() < 0.01, "step {step}: {off}");
    }
    let swung = dir.join("swung.json");
    ok(&["apply", s(&score), s(&swung), "--swing8", "75"]);
    let (q, _) = bandmate_core::patfile::read_pattern_file(&swung).unwrap();
    assert_eq!(q.feel(), 1.0);
    assert_eq!(q.position(2, 0.0), 3.0);
    let e = fails(&["apply", s(&score), s(&swung), "--swing8", "80"]);
    assert!(e.contains("8th-note swing 80% is out of range"), "{e}");
}

/// Issue 20: the accompanist from the command line plays its parts over a chord track as MIDI;
/// a bad chord is one clear line.
#[test]
fn accomp_plays_parts_over_a_chord_track() {
    let dir = tmp("accomp");
    let out = dir.join("a.mid");
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/accomp");
    let m = models.to_str().unwrap();
    let said = ok(&[
        "accomp",
        s(&out),
        "--chords",
        "F:maj Bb:maj C:7 F:maj",
        "--bars",
        "4",
        "--model",
        m,
    ]);
    assert!(
        said.contains("chord tones") && said.contains("bass"),
        "{said}"
    );
    let f = MidiFile::parse(&std::fs::read(&out).unwrap()).unwrap();
    let channels: std::collections::BTreeSet<u8> = f.notes.iter().map(|n| n.channel).collect();
    assert_eq!(
        channels,
        [0, 1, 2].into_iter().collect(),
        "bass, inner, melody"
    );
    assert!(f.notes.iter().all(|n| n.beat >= 0.0 && n.beat < 16.0));
    let e = fails(&["accomp", s(&out), "--chords", "F:maj H:7", "--model", m]);
    assert!(e.contains("chord \"H:7\"") && e.lines().count() == 1, "{e}");
    let e = fails(&[
        "accomp",
        s(&out),
        "--chords",
        "C",
        "--model",
        "/nonexistent/accomp",
    ]);
    assert!(e.contains("/nonexistent/accomp"), "{e}");
}

#[test]
fn fragment_prepares_a_generated_take() {
    // 2 s of silence, then a 4-beat figure of clicks at 117 BPM (the demo's WAV is drums at
    // 96 BPM: use it as the material, after a silence)
    let dir = tmp("fragment");
    ok(&["demo", "--out", s(&dir), "--preset", "rock"]);
    let demo = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "wav"))
        .expect("the demo writes a WAV");
    let a = bandmate_core::wav::read_wav(&demo).unwrap();
    let mut padded = a.clone();
    for c in &mut padded.channels {
        let mut v = vec![0.0; 2 * a.sample_rate as usize];
        v.extend(c.iter().chain(c.iter()).chain(c.iter()));
        *c = v;
    }
    let take = dir.join("take.wav");
    bandmate_core::wav::write_wav(&take, &padded, Default::default()).unwrap();
    let out = dir.join("fitted.wav");
    let text = ok(&[
        "fragment",
        s(&take),
        s(&out),
        "--tempo",
        "100",
        "--quantize",
        "stretch",
        "--normalize",
        "-18",
        "--rate",
        "44100",
    ]);
    assert!(text.contains("trimmed 2."), "{text}");
    assert!(text.contains("stretched to 100 BPM"), "{text}");
    let fitted = bandmate_core::wav::read_wav(&out).unwrap();
    assert_eq!(fitted.sample_rate, 44_100);
    let bars = fitted.duration_secs() / 2.4;
    assert!(
        (bars - bars.round()).abs() < 1e-3,
        "whole bars at 100 BPM: {bars}"
    );
    let e = fails(&["fragment", s(&take), s(&out), "--quantize", "sideways"]);
    assert!(e.contains("off, stretch or warp"), "{e}");
    let e = fails(&["fragment", s(&dir.join("none.wav")), s(&out)]);
    assert!(e.contains("none.wav"), "{e}");
}

#[test]
fn corpus_reports_what_a_folder_holds() {
    let dir = tmp("corpus");
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/pd/loops");
    for e in std::fs::read_dir(&src).unwrap() {
        let f = e.unwrap().path();
        std::fs::copy(&f, dir.join(f.file_name().unwrap())).unwrap();
    }
    let text = ok(&["corpus", s(&dir), "--embedder", "handcrafted"]);
    assert!(
        text.contains("19 segments from 4 files (0 unchanged), handcrafted"),
        "{text}"
    );
    assert!(
        text.contains("labels:") && text.contains("hiphop"),
        "{text}"
    );
    let again = ok(&["corpus", s(&dir), "--embedder", "handcrafted"]);
    assert!(again.contains("(4 unchanged)"), "{again}");
    let e = fails(&["corpus", s(&dir.join("nothing"))]);
    assert!(e.contains("nothing"), "{e}");
}

#[test]
fn infill_fills_the_empty_bars_of_a_clip_and_keeps_every_note() {
    use bandmate_core::compose::Clip;
    let dir = tmp("infill");
    let whole = Clip::read(&gmd().join(FUNK_138)).unwrap();
    assert_eq!(whole.bars(), 16);
    // bars 5 and 6 (1-based) of the drummer's 16 taken out, as the grid places the notes
    let in_gap = |beat: f64| {
        let step = (beat * 4.0 - 0.5).ceil().max(0.0) as usize;
        (4..6).contains(&(step / 16))
    };
    let kept: Vec<_> = whole
        .notes()
        .iter()
        .filter(|n| !in_gap(n.beat))
        .copied()
        .collect();
    let clip = Clip::new(kept, 16).unwrap();
    let input = dir.join("gap.mid");
    clip.write(&input, &[], 138.0).unwrap();
    let before = std::fs::read(&input).unwrap();
    let out = dir.join("filled.mid");
    let text = ok(&[
        "infill",
        s(&input),
        s(&out),
        "--seed",
        "3",
        "--model",
        &model_dir(),
    ]);
    assert!(text.contains("added in bars 5, 6"), "{text}");
    assert_eq!(
        std::fs::read(&input).unwrap(),
        before,
        "the input is only read"
    );
    let filled = Clip::read(&out).unwrap();
    assert_eq!(filled.bars(), 16);
    let added: Vec<_> = filled.notes().iter().filter(|n| in_gap(n.beat)).collect();
    assert!(added.len() >= 16, "{} notes in the gap", added.len());
    assert_eq!(filled.notes().len(), clip.notes().len() + added.len());
    assert!((MidiFile::read(&out).unwrap().initial_bpm() - 138.0).abs() < 0.01);

    // bad input: one clear line, and nothing written
    let m = model_dir();
    let refused = |args: &[&str], want: &[&str]| {
        let err = fails(args);
        for w in want {
            assert!(err.contains(w), "{args:?}: {err}");
        }
        assert!(!dir.join("never.mid").exists(), "{args:?} wrote its output");
    };
    let never = dir.join("never.mid");
    let three = gmd().join("drummer1/session2/4_jazz_120_beat_3-4.mid");
    refused(
        &["infill", s(&three), s(&never), "--model", &m],
        &["3/4", "4/4 only"],
    );
    let long = gmd().join("drummer1/session1/101_dance-disco_120_beat_4-4.mid");
    refused(
        &["infill", s(&long), s(&never), "--model", &m],
        &["bars", "4 to 32"],
    );
    refused(
        &[
            "infill",
            s(&input),
            s(&never),
            "--bars",
            "15-17",
            "--model",
            &m,
        ],
        &["bars 15-17", "bars 1-16"],
    );
    refused(
        &[
            "infill",
            s(&input),
            s(&never),
            "--bars",
            "2-3",
            "--voices",
            "kick",
            "--model",
            &m,
        ],
        &["already plays"],
    );
    refused(
        &[
            "infill",
            s(&input),
            s(&never),
            "--voices",
            "cowbell",
            "--model",
            &m,
        ],
        &["cowbell"],
    );
    refused(
        &["infill", s(&input), s(&never), "--bars", "x"],
        &["bars 'x'"],
    );
    // found by a performer's trial: any name was written as MIDI
    let txt = dir.join("never.txt");
    refused(
        &["infill", s(&input), s(&txt), "--model", &m],
        &["MIDI file (.mid)"],
    );
    assert!(!txt.exists());
    assert_eq!(std::fs::read(&input).unwrap(), before);
}

/// Compose mode for the accompanist (issue 23 item 3): a song's bass left out in bars 5-6 and
/// filled over the chord track; every note of the song kept; bad input said.
#[test]
fn infill_fills_a_part_of_a_song_over_its_chords() {
    let dir = tmp("infill-part");
    let chords = "C:maj7 A:min7 D:min7 G:7";
    let song = dir.join("song.mid");
    ok(&[
        "accomp",
        s(&song),
        "--chords",
        chords,
        "--bars",
        "8",
        "--seed",
        "2",
        "--model",
        &accomp_model_dir(),
    ]);
    let file = MidiFile::read(&song).unwrap();
    let in_gap =
        |n: &bandmate_core::midi::NoteEvent| n.channel == 0 && (16.0..24.0).contains(&n.beat);
    assert!(file.notes.iter().any(in_gap), "the bass plays there first");
    let kept: Vec<midi::Note> = file
        .notes
        .iter()
        .filter(|n| !in_gap(n))
        .map(|n| midi::Note {
            beat: n.beat,
            beats: n.end_beat - n.beat,
            channel: n.channel,
            key: n.key,
            velocity: n.velocity,
        })
        .collect();
    let gap = dir.join("gap.mid");
    std::fs::write(&gap, midi::notes_to_smf(&kept, 100.0, 32.0, "gap").unwrap()).unwrap();
    let out = dir.join("filled.mid");
    let text = ok(&[
        "infill",
        s(&gap),
        s(&out),
        "--part",
        "bass",
        "--chords",
        chords,
        "--seed",
        "1",
        "--accomp-model",
        &accomp_model_dir(),
    ]);
    assert!(text.contains("bass notes added in bars 5-6"), "{text}");
    let back = MidiFile::read(&out).unwrap();
    for k in &kept {
        assert!(
            back.notes.iter().any(|n| n.channel == k.channel
                && n.key == k.key
                && (n.beat - k.beat).abs() < 1e-6),
            "{k:?} was not kept"
        );
    }
    let added: Vec<_> = back.notes.iter().filter(|n| in_gap(n)).collect();
    assert!(added.len() >= 2, "{} bass notes in the gap", added.len());
    assert_eq!(back.notes.len(), kept.len() + added.len());
    assert!(
        added.iter().all(|n| (28..=67).contains(&n.key)),
        "a bass line: {added:?}"
    );

    let never = dir.join("never.mid");
    let err = fails(&[
        "infill",
        s(&gap),
        s(&never),
        "--part",
        "bass",
        "--accomp-model",
        &accomp_model_dir(),
    ]);
    assert!(err.contains("chord track"), "{err}");
    let err = fails(&[
        "infill",
        s(&gap),
        s(&never),
        "--part",
        "drums",
        "--chords",
        chords,
    ]);
    assert!(err.contains("no part"), "{err}");
    let err = fails(&[
        "infill",
        s(&gap),
        s(&never),
        "--part",
        "bass",
        "--chords",
        chords,
        "--bars",
        "9-12",
    ]);
    assert!(err.contains("bars 1-8"), "{err}");
    // found by a review: bars where the part plays were filled over its notes
    let err = fails(&[
        "infill",
        s(&song),
        s(&never),
        "--part",
        "bass",
        "--chords",
        chords,
        "--bars",
        "3-4",
    ]);
    assert!(err.contains("plays in bars 3-4"), "{err}");
    assert!(!never.exists());
}

fn accomp_model_dir() -> String {
    format!("{}/../models/accomp", env!("CARGO_MANIFEST_DIR"))
}

/// `bandmate prompt`: a fragment from the tiny text-to-audio model (scripts/export-sao --tiny),
/// the length asked, the same take for the same seed; a bad request is one line, nothing
/// written.
#[test]
fn prompt_makes_a_fragment_with_a_text_to_audio_model() {
    let dir = tmp("prompt");
    let (a, b) = (dir.join("a.wav"), dir.join("b.wav"));
    let model = "../models/sao-tiny";
    for out in [&a, &b] {
        let said = ok(&[
            "prompt",
            "warm",
            "arpeggios",
            "--model",
            model,
            "--seconds",
            "2.5",
            "--steps",
            "3",
            "--seed",
            "4",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(
            said.contains("2.50 s from 'warm arpeggios' (tiny-random, seed 4"),
            "{said}"
        );
    }
    let wav = read_wav(&a).unwrap();
    assert_eq!(wav.sample_rate, 44_100);
    assert_eq!(wav.channels.len(), 2);
    assert_eq!(wav.frames(), 110_250);
    assert_eq!(
        wav,
        read_wav(&b).unwrap(),
        "same prompt and seed, same take"
    );
    let e = fails(&[
        "prompt",
        "techno",
        "--model",
        model,
        "--seconds",
        "30",
        "--out",
        dir.join("c.wav").to_str().unwrap(),
    ]);
    assert!(
        e.contains("30 seconds: this model makes 0.5 to 11.89 s"),
        "{e}"
    );
    let e = fails(&[
        "prompt",
        "techno",
        "--model",
        "../models/groove",
        "--out",
        dir.join("c.wav").to_str().unwrap(),
    ]);
    assert!(e.contains("not a text-to-audio one"), "{e}");
    assert!(!dir.join("c.wav").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}
