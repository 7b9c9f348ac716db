//! Text to audio over OSC (issue 21), with real peers (oscsend and oscdump): the tiny Stable
//! Audio model loaded by `/bandmate/frag/model`, a prompt as one string, `/bandmate/frag/generate`;
//! oscdump sees the model, each step's progress, `generated SLOT SECONDS`, the slot's file
//! (whole, valid) and the label TouchOSC shows; a model folder outside the daemon's folders is
//! refused; cancel stops a long generation and the daemon goes on.

mod common;

use std::path::Path;
use std::time::Duration;

use bandmate_core::wav::read_wav;
use common::*;

const SEC: Duration = Duration::from_secs(1);

fn tiny() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../models/sao-tiny")
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn a_prompt_over_osc_becomes_a_fragment_from_the_model() {
    let d = Daemon::start(&["--slots", "2", "--rate", "22050"]);
    let p = d.port();
    let mut dump = OscDump::start();
    oscsend(p, "/bandmate/subscribe", "i", &[&dump.port.to_string()]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");
    oscsend(p, "/bandmate/frag/model", "s", &[&tiny()]);
    let got = dump.until(30 * SEC, |l| l.addr == "/bandmate/frag/model");
    let m = got.last().unwrap();
    assert_eq!(m.args[0].s(), "tiny-random", "{m:?}");
    assert!((m.args[1].f() - 11.89).abs() < 0.01);
    oscsend(p, "/bandmate/frag/steps", "i", &["3"]);
    oscsend(
        p,
        "/bandmate/frag/prompt",
        "s",
        &["warm arpeggios on house beats"],
    );
    dump.until(5 * SEC, |l| l.addr == "/bandmate/frag/prompt");
    oscsend(p, "/bandmate/frag/generate", "f", &["2"]);
    let got = dump.until(60 * SEC, |l| l.addr == "/bandmate/frag/generated");
    let steps: Vec<f64> = got
        .iter()
        .filter(|l| l.addr == "/bandmate/frag/progress")
        .map(|l| l.args[0].f())
        .collect();
    assert_eq!(steps, [1.0, 2.0, 3.0], "{got:?}");
    let g = got.last().unwrap();
    assert_eq!(g.args[0].f(), 1.0);
    assert!(g.args[1].f() > 0.4 && g.args[1].f() <= 2.01, "{g:?}");
    // the slot's file is announced once written (before or after `generated`)
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
    assert_eq!(a.sample_rate, 22_050, "at the daemon's rate");
    assert!(a.channels[0].iter().any(|&x| x.abs() > 0.01), "not silent");
    // the label TouchOSC shows says what became of the prompt (perhaps already seen)
    let is_label =
        |l: &Dumped| l.addr == "/bandmate/display/frag/prompt" && l.args[0].s().contains("slot 1");
    if !dump.seen.iter().any(is_label) {
        dump.until(5 * SEC, is_label);
    }
    let label = dump.seen.iter().rev().find(|l| is_label(l)).unwrap();
    assert_eq!(
        label.args[0].s(),
        "tiny-random: warm arpeggios on house beats · slot 1"
    );
}

#[test]
fn a_model_outside_the_allowed_folders_is_refused_and_cancel_stops_a_generation() {
    let d = Daemon::start(&["--slots", "2"]);
    let p = d.port();
    let mut dump = OscDump::start();
    oscsend(p, "/bandmate/subscribe", "i", &[&dump.port.to_string()]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");
    // a copy of the model where the daemon may not read
    let outside = std::env::temp_dir().join(format!("bandmate-t2a-outside-{}", std::process::id()));
    std::fs::create_dir_all(&outside).unwrap();
    for f in std::fs::read_dir(tiny()).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), outside.join(f.file_name())).unwrap();
    }
    oscsend(
        p,
        "/bandmate/frag/model",
        "s",
        &[&outside.display().to_string()],
    );
    let e = dump.until(5 * SEC, |l| l.addr == "/bandmate/error");
    assert!(
        e.last().unwrap().args[1]
            .s()
            .contains("outside the folders"),
        "{e:?}"
    );
    std::fs::remove_dir_all(&outside).unwrap();
    // a long generation, cancelled at its first step
    oscsend(p, "/bandmate/frag/model", "s", &[&tiny()]);
    dump.until(30 * SEC, |l| l.addr == "/bandmate/frag/model");
    oscsend(p, "/bandmate/frag/steps", "i", &["100"]);
    oscsend(p, "/bandmate/frag/prompt", "s", &["dub chords"]);
    oscsend(p, "/bandmate/frag/generate", "f", &["10"]);
    dump.until(30 * SEC, |l| l.addr == "/bandmate/frag/progress");
    oscsend(p, "/bandmate/frag/cancel", "", &[]);
    let got = dump.until(30 * SEC, |l| l.addr == "/bandmate/frag/cancelled");
    let c = got.last().unwrap();
    assert_eq!(c.args[1].f(), 100.0);
    assert!(c.args[0].f() < 100.0, "{c:?}");
    assert!(!got.iter().any(|l| l.addr == "/bandmate/frag/generated"));
    // and it goes on
    oscsend(p, "/bandmate/frag/steps", "i", &["2"]);
    oscsend(p, "/bandmate/frag/generate", "f", &["1"]);
    dump.until(30 * SEC, |l| l.addr == "/bandmate/frag/generated");
}
