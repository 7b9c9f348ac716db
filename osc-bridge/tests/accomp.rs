//! The accompanist (`/bandmate/accomp/...`, `bandmate.accomp`) in the real `bandmated`, with
//! liblo's `oscsend` as the performer and `oscdump` as the subscriber: its model loaded from an
//! allowed folder, a chord track, play, the performer's notes; the note bundles come back
//! time-tagged on the model's grid (12 ticks a beat), the bass and inner voices on their
//! channels, none late, every note released at stop; a bad chord and a folder outside are
//! refused and it plays on; a program change and a chord played reach the subscriber.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::Daemon as Bandmated;
use common::*;

const SEC: Duration = Duration::from_secs(1);

#[test]
fn the_real_daemon_plays_the_accompanist_to_an_oscdump_subscriber() {
    let models = workspace().join("models").canonicalize().unwrap();
    let model = models.join("accomp").display().to_string();
    let d = Bandmated::start(&["--rules", "--path", &models.display().to_string()]);
    let mut dump = OscDump::start();
    let p = d.port();
    oscsend(
        p,
        "/bandmate/subscribe",
        "is",
        &[&dump.port.to_string(), "127.0.0.1"],
    );
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");
    oscsend(p, "/bandmate/accomp/load", "s", &[&model]);
    let got = dump.until(20 * SEC, |l| {
        l.addr == "/bandmate/accomp/model" || l.addr == "/bandmate/error"
    });
    assert_eq!(
        got.last().unwrap().addr,
        "/bandmate/accomp/model",
        "{got:?}"
    );
    // outside the allowed folders: refused
    oscsend(p, "/bandmate/accomp/load", "s", &["/etc"]);
    let e = dump.until(5 * SEC, |l| l.addr == "/bandmate/error");
    assert!(e.last().unwrap().args[1]
        .s()
        .contains("outside the folders"));
    for (addr, types, v) in [
        ("/bandmate/accomp/tempo", "f", "240"),
        ("/bandmate/accomp/random", "i", "7"),
    ] {
        oscsend(p, addr, types, &[v]);
        dump.until(5 * SEC, |l| l.addr == addr);
    }
    oscsend(
        p,
        "/bandmate/accomp/chords",
        "ssisis",
        &["C:maj7", "A:min7", "2", "D:min7", "2", "G:7"],
    );
    let got = dump.until(5 * SEC, |l| l.addr == "/bandmate/accomp/chords");
    assert_eq!(got.last().unwrap().args[0].f(), 4.0);
    // the first chunk made while stopped: play starts on the beat
    dump.until(5 * SEC, |l| l.addr == "/bandmate/accomp/ready");
    // an unknown chord: refused, the track stays
    oscsend(p, "/bandmate/accomp/chords", "ss", &["C:maj7", "H:min"]);
    let e = dump.until(5 * SEC, |l| l.addr == "/bandmate/error");
    assert!(e.last().unwrap().args[1].s().contains("H:min"), "{e:?}");
    // a sound for the bass: a program change at once (program, channel), and at play
    oscsend(p, "/bandmate/accomp/program", "si", &["bass", "33"]);
    let got = dump.until(5 * SEC, |l| l.addr == "/bandmate/accomp/program");
    let args: Vec<f64> = got.last().unwrap().args.iter().map(|a| a.f()).collect();
    assert_eq!(args, [33.0, 2.0]);
    // chords played with the left hand (below middle C): named, they are the track
    oscsend(p, "/bandmate/accomp/chordsplit", "i", &["60"]);
    for key in ["45", "48", "52"] {
        oscsend(p, "/bandmate/accomp/note", "iii", &[key, "90", "1"]);
    }
    let got = dump.until(5 * SEC, |l| l.addr == "/bandmate/accomp/chordin");
    assert_eq!(got.last().unwrap().args[0].s(), "A:min");
    // (its first chunk made again for the new chord: play starts on the beat)
    dump.until(5 * SEC, |l| l.addr == "/bandmate/accomp/ready");
    oscsend(p, "/bandmate/accomp/play", "", &[]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/accomp/program");
    // the performer: a few notes over the first second
    for key in ["67", "64", "65", "62"] {
        oscsend(p, "/bandmate/accomp/note", "ii", &[key, "100"]);
        std::thread::sleep(Duration::from_millis(150));
        oscsend(p, "/bandmate/accomp/note", "ii", &[key, "0"]);
        std::thread::sleep(Duration::from_millis(100));
    }
    let mut lines = dump.during(3 * SEC);
    oscsend(p, "/bandmate/accomp/stop", "", &[]);
    lines.extend(dump.during(SEC));
    assert!(
        !lines.iter().any(|l| l.addr == "/bandmate/accomp/late"),
        "{lines:#?}"
    );
    let notes: Vec<&Dumped> = lines
        .iter()
        .filter(|l| l.addr == "/bandmate/accomp/note")
        .collect();
    let ons: Vec<&&Dumped> = notes.iter().filter(|l| l.args[1].f() > 0.0).collect();
    assert!(ons.len() >= 12, "{lines:#?}");
    for l in &notes {
        assert_eq!(l.args.len(), 3, "{l:?}");
        let ch = l.args[2].f();
        assert!(
            ch == 2.0 || ch == 3.0,
            "bass on 2, inner voices on 3: {l:?}"
        );
    }
    // on the model's grid: 240 BPM, 12 ticks a beat (20.83 ms), from the first note, to the
    // time tags' 0.1 ms
    let tick = 0.25 / 12.0;
    let t0 = ons[0].secs();
    for l in &ons {
        let k = (l.secs() - t0) / tick;
        assert!((k - k.round()).abs() * tick < 1e-4, "{l:?} is {k} ticks");
    }
    // every note released
    let mut on: HashMap<(i64, i64), i64> = HashMap::new();
    for l in &notes {
        let key = (l.args[0].f() as i64, l.args[2].f() as i64);
        *on.entry(key).or_default() += if l.args[1].f() > 0.0 { 1 } else { -1 };
    }
    assert!(on.values().all(|&v| v == 0), "stuck: {on:?}");
}
