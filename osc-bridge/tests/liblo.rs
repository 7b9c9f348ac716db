//! bandmated against liblo's real command-line peers: `oscsend` sends, `oscdump` (subscribed)
//! receives. Every documented address answers its documented example; a loop's notes arrive as
//! bundles time-tagged to the loop's microtiming within 0.1 ms; bad input gets errors and the
//! state stays.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use bandmate_gen::osc_doc::oscsend_example;
use bandmate_osc::protocol::{address, AddressSpace};
use common::*;

const SEC: Duration = Duration::from_secs(1);

fn subscribed(d: &Daemon) -> OscDump {
    let mut dump = OscDump::start();
    oscsend(
        d.port(),
        "/bandmate/subscribe",
        "is",
        &[&dump.port.to_string(), "127.0.0.1"],
    );
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");
    dump
}

fn ignorable(l: &Dumped) -> bool {
    l.addr.starts_with("/bandmate/display/")
        || l.addr == "/bandmate/groove/note"
        || l.addr == "/bandmate/groove/cycle"
}

#[test]
fn every_documented_address_answers_its_example() {
    let d = Daemon::start(&["--rules"]);
    let mut dump = subscribed(&d);
    let mut answered = 0;
    for obj in AddressSpace::standard().decls() {
        for m in obj.messages {
            let addr = address(obj, m.name);
            let line = oscsend_example(obj, m, 8000);
            oscsend_line(d.port(), &line);
            // a marker after each example (answered to every subscriber): everything before
            // its reply answers the example (the version example answers twice)
            oscsend(d.port(), "/bandmate/version", "", &[]);
            let markers = if m.name == "version" { 2 } else { 1 };
            let seen = std::cell::Cell::new(0);
            let got = dump.until(5 * SEC, |l| {
                if l.addr == "/bandmate/version" {
                    seen.set(seen.get() + 1);
                }
                seen.get() == markers
            });
            let replies: Vec<&Dumped> = got[..got.len() - 1]
                .iter()
                .filter(|l| !ignorable(l))
                .collect();
            for r in &replies {
                if r.addr == "/bandmate/error" {
                    let text = r.args[1].s();
                    assert!(
                        !text.contains("unknown"),
                        "{line}: answered as unknown: {text}"
                    );
                    assert!(
                        text.starts_with(m.name) || r.args[0].s() != addr,
                        "{line}: the error names neither the message nor the address: {r:?}"
                    );
                }
            }
            if replies.is_empty() {
                // A render and a stretch answer later, from the fragment writer; work handed
                // to a worker answers when it is done (its result or an error), not before.
                // (subscribe and unsubscribe are answered to the asker and the address they
                // name only: tests/subscribers.rs)
                if obj.osc.is_empty() && matches!(m.name, "subscribe" | "unsubscribe" | "confirm") {
                    answered += 1;
                    continue;
                }
                let later = match m.name {
                    "render" | "array" => Some("/bandmate/frag/slot"),
                    "stretch" => Some("/bandmate/frag/stretched"),
                    _ if m.flags.has(bandmate_core::objects::decl::Flags::LATER) => None,
                    _ => panic!("{line}: no answer"),
                };
                let got = dump.until(15 * SEC, |l| match later {
                    Some(a) => l.addr == a,
                    None => !ignorable(l) && l.addr != "/bandmate/version",
                });
                assert!(
                    got.iter().any(|l| !ignorable(l)),
                    "{line}: no answer, even later"
                );
            }
            answered += 1;
        }
    }
    assert_eq!(answered, AddressSpace::standard().addresses().len());
}

/// The loop the daemon reported (`loop VOICE v1..v32`, `offset VOICE o1..o32`) as note-on
/// times relative to the loop's start, with velocities: (ms, note, velocity) sorted.
fn expected(lines: &[Dumped], bpm: f64) -> Vec<(f64, u8, u8)> {
    let step_ms = 60_000.0 / bpm / 4.0;
    let mut vel: HashMap<String, Vec<f64>> = HashMap::new();
    let mut off: HashMap<String, Vec<f64>> = HashMap::new();
    for l in lines
        .iter()
        .filter(|l| l.addr.ends_with("/loop") || l.addr.ends_with("/offset"))
    {
        let v: Vec<f64> = l.args[1..].iter().map(Arg::f).collect();
        match l.addr.as_str() {
            "/bandmate/groove/loop" => vel.insert(l.args[0].s().to_string(), v),
            "/bandmate/groove/offset" => off.insert(l.args[0].s().to_string(), v),
            _ => None,
        };
    }
    let mut want = Vec::new();
    for voice in bandmate_core::Voice::ALL {
        let (vs, os) = (&vel[voice.name()], &off[voice.name()]);
        for s in 0..32 {
            if vs[s] > 0.0 {
                // a hit ahead of step 0 sounds just before its cycle's downbeat
                let pos = s as f64 + os[s];
                let v = (vs[s] * 127.0).round().clamp(1.0, 127.0) as u8;
                want.push((pos * step_ms, voice.gm_note(), v));
            }
        }
    }
    want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    want
}

#[test]
fn notes_arrive_as_bundles_timed_to_the_loops_microtiming() {
    let d = Daemon::start(&["--lookahead", "80"]);
    let mut dump = subscribed(&d);
    // the bundled model (loaded at start); 240 BPM: a step is 62.5 ms, a cycle 2 s
    for (addr, t, v) in [
        ("/bandmate/groove/tempo", "f", "240"),
        ("/bandmate/groove/seed", "i", "11"),
        ("/bandmate/groove/swing", "f", "62"),
    ] {
        oscsend(d.port(), addr, t, &[v]);
        dump.until(5 * SEC, |l| l.addr == addr);
    }
    oscsend(d.port(), "/bandmate/groove/drumify", "", &[]);
    let lines = dump.until(10 * SEC, |l| {
        l.addr == "/bandmate/groove/reading" && l.args[0] == Arg::Str("accent".into())
    });
    let want = expected(&lines, 240.0);
    assert!(want.len() >= 8, "a real loop: {want:?}");
    oscsend(d.port(), "/bandmate/groove/play", "", &[]);
    let echo = dump.until(5 * SEC, |l| l.addr == "/bandmate/groove/play");
    let played_at = echo.last().unwrap().secs();
    let got = dump.during(Duration::from_millis(4300));
    oscsend(d.port(), "/bandmate/groove/stop", "", &[]);

    let mut ons: Vec<(f64, u8, u8)> = got
        .iter()
        .filter(|l| l.addr == "/bandmate/groove/note" && l.args[1].f() > 0.0)
        .map(|l| (l.secs(), l.args[0].f() as u8, l.args[1].f() as u8))
        .collect();
    // notes at the same instant (one bundle's time tag) come in no promised order: as `want`
    ons.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    // The loop's start: where its first note on or after the downbeat says it is; every other
    // note must then sit on the grid the loop lines describe, to 0.1 ms, for two whole cycles.
    // A hit ahead of step 0 sounds just before each later downbeat; the first cycle's sounds on
    // the first downbeat itself (it cannot before `play`), so the check starts just after it.
    let first = *want
        .iter()
        .find(|w| w.0 >= 0.0)
        .expect("a note on the grid");
    let anchor = ons
        .iter()
        .find(|o| (o.1, o.2) == (first.1, first.2))
        .expect("the loop's first note played");
    let start = anchor.0 - first.0 / 1000.0;
    let cycle = 2.0;
    let (from, to) = (start + 0.0005, start + 2.0 * cycle - 0.0005);
    let mut expect: Vec<(f64, u8, u8)> = Vec::new();
    for c in 0..3 {
        for &(ms, n, v) in &want {
            let t = start + c as f64 * cycle + ms / 1000.0;
            if (from..to).contains(&t) {
                expect.push((t, n, v));
            }
        }
    }
    expect.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let ons: Vec<_> = ons
        .into_iter()
        .filter(|o| (from..to).contains(&o.0))
        .collect();
    assert_eq!(ons.len(), expect.len(), "got {ons:?}\nwant {expect:?}");
    let mut worst = 0.0f64;
    for (g, w) in ons.iter().zip(&expect) {
        let err_ms = (g.0 - w.0).abs() * 1000.0;
        worst = worst.max(err_ms);
        assert!(err_ms < 0.1, "note {g:?} is {err_ms:.4} ms from {w:?}");
        assert_eq!(g.1, w.1, "{g:?} vs {w:?}");
        assert!(
            (i32::from(g.2) - i32::from(w.2)).abs() <= 1,
            "{g:?} vs {w:?}"
        );
    }
    eprintln!(
        "{} note-ons over 2 cycles, worst time tag error {worst:.6} ms",
        ons.len()
    );
    // The loop starts one lookahead after the play message was answered (a little less:
    // the answer travels too).
    let lead_ms = (start - played_at) * 1000.0;
    assert!(
        (60.0..=81.0).contains(&lead_ms),
        "the loop starts {lead_ms:.2} ms after play was answered (lookahead 80)"
    );
    // each note-on has its note-off one gate (50 ms) later
    let offs = got
        .iter()
        .filter(|l| l.addr == "/bandmate/groove/note" && l.args[1].f() == 0.0)
        .count();
    assert!(
        offs + 4 >= ons.len(),
        "{offs} note-offs for {} note-ons",
        ons.len()
    );
    assert!(
        got.iter()
            .any(|l| l.addr == "/bandmate/groove/cycle" && l.args[0].f() == 1.0),
        "the loop boundary is announced"
    );
}

#[test]
fn bad_input_is_refused_by_name_and_the_state_stays() {
    let d = Daemon::start(&["--rules"]);
    let mut dump = subscribed(&d);
    let p = d.port();
    oscsend(p, "/bandmate/groove/tempo", "f", &["90"]);
    oscsend(
        p,
        "/bandmate/groove/score",
        "sffffffffffffffff",
        &[
            "kick", "1", "0", "0", "0", "1", "0", "0", "0", "1", "0", "0", "0", "1", "0", "0", "0",
        ],
    );
    dump.until(5 * SEC, |l| l.addr == "/bandmate/groove/score");
    let cases: &[(&str, &str, &[&str], &str)] = &[
        (
            "/bandmate/groove/tempo",
            "s",
            &["fast"],
            "bpm must be a number, got 'fast'",
        ),
        (
            "/bandmate/groove/tempo",
            "f",
            &["9000"],
            "out of range 20..400",
        ),
        (
            "/bandmate/groove/tempo",
            "m",
            &["00903c40"],
            "argument 1 is a MIDI message ('m')",
        ),
        (
            "/bandmate/groove/tempo",
            "N",
            &[],
            "argument 1 is nil ('N')",
        ),
        (
            "/bandmate/groove/score",
            "sfff",
            &["kick", "1", "0", "1"],
            "row needs 16 or 32 values, got 3",
        ),
        (
            "/bandmate/groove/score",
            "S",
            &["cowbell"],
            "'cowbell' is not one of",
        ),
        ("/bandmate/groove/blocking", "i", &["1"], "never waits"),
        (
            "/bandmate/groove/load",
            "s",
            &["/etc"],
            "outside the folders",
        ),
        (
            "/bandmate/groove/frobnicate",
            "",
            &[],
            "unknown address '/bandmate/groove/frobnicate'",
        ),
        (
            "/elsewhere",
            "",
            &[],
            "every address starts with /bandmate/",
        ),
        (
            "/bandmate/*/tempo",
            "f",
            &["100"],
            "patterns are not supported",
        ),
        ("/bandmate/frag/trigger", "i", &["3"], "slot 3 is empty"),
        (
            "/bandmate/frag/trigger",
            "i",
            &["9"],
            "slot 9 does not exist (this bank has slots 1..4)",
        ),
        (
            "/bandmate/subscribe",
            "is",
            &["9000", "example.org"],
            "not an IP address",
        ),
    ];
    for (addr, types, values, says) in cases {
        oscsend(p, addr, types, values);
        let got = dump.until(5 * SEC, |l| l.addr == "/bandmate/error");
        let e = got.last().unwrap();
        assert_eq!(e.args[0].s(), *addr);
        assert!(
            e.args[1].s().contains(says),
            "{addr} {values:?}: {:?}",
            e.args[1]
        );
    }
    oscsend(p, "/bandmate/status", "", &[]);
    let st = dump.until(5 * SEC, |l| {
        l.addr == "/bandmate/status" && l.args[0] == Arg::Str("done".into())
    });
    let find = |k: &str| {
        st.iter()
            .find(|l| l.args.first() == Some(&Arg::Str(k.into())))
            .cloned()
    };
    assert_eq!(
        find("tempo").unwrap().args[1].f(),
        90.0,
        "the tempo is as it was"
    );
    assert_eq!(
        find("gestures").unwrap().args[1..].to_vec(),
        vec![Arg::Str("kick".into())],
        "the kick row is still given"
    );
    assert!(find("errors").unwrap().args[1].f() >= cases.len() as f64);
    // and it still plays
    oscsend(p, "/bandmate/groove/humanize", "", &[]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/groove/ready");
}
