//! bandmated against python-osc (what a Python user would write): requests and replies over UDP
//! and over TCP with SLIP framing (OSC 1.1); notes as time-tagged bundles that arrive ahead of
//! their time and match the loop's microtiming within 0.1 ms.

mod common;

use common::*;
use serde_json::Value;

fn step<'a>(out: &'a [Value], name: &str) -> &'a Vec<Value> {
    out.iter()
        .find(|v| v["step"] == name)
        .unwrap_or_else(|| panic!("no step {name} in {out:?}"))["replies"]
        .as_array()
        .unwrap()
}

/// The first reply of a step: (address, arguments).
fn first<'a>(out: &'a [Value], name: &str) -> (&'a str, &'a Vec<Value>) {
    let r = &step(out, name)[0];
    (r[0].as_str().unwrap(), r[1].as_array().unwrap())
}

fn check_requests(out: &[Value]) {
    let (a, args) = first(out, "version");
    assert_eq!(a, "/bandmate/version");
    assert_eq!(args[0], bandmate_osc::PROTOCOL_VERSION);
    assert_eq!(
        first(out, "tempo"),
        ("/bandmate/groove/tempo", &vec![Value::from(90.0)])
    );
    // an int 58 was sent: the accepted value comes back as a float
    assert_eq!(
        first(out, "swing"),
        ("/bandmate/groove/swing", &vec![Value::from(58.0)])
    );
    let (a, args) = first(out, "swing-bad");
    assert_eq!(a, "/bandmate/error");
    assert_eq!(args[0], "/bandmate/groove/swing");
    assert!(
        args[1]
            .as_str()
            .unwrap()
            .contains("percent must be a number, got 'fast'"),
        "{args:?}"
    );
    let (a, args) = first(out, "blob");
    assert_eq!(a, "/bandmate/error");
    assert!(
        args[1]
            .as_str()
            .unwrap()
            .contains("argument 1 is a blob ('b')"),
        "{args:?}"
    );
    let (a, args) = first(out, "unknown");
    assert_eq!(a, "/bandmate/error");
    assert!(
        args[1].as_str().unwrap().contains("unknown address"),
        "{args:?}"
    );
    let (a, args) = first(out, "tap");
    assert_eq!(a, "/bandmate/groove/tapped");
    assert_eq!(args[0], 0.0, "the first tap is step 0");
    assert_eq!(
        first(out, "accent"),
        ("/bandmate/pad/accent/5", &vec![Value::from(1)])
    );
    let status = step(out, "status");
    let has = |k: &str, v: Value| {
        status
            .iter()
            .any(|r| r[1][0] == k && r[1].as_array().unwrap().get(1) == Some(&v))
    };
    assert!(has("tempo", Value::from(90.0)), "{status:?}");
    assert!(status.iter().any(|r| r[0] == "/bandmate/groove/status"
        && r[1][0] == "gestures"
        && r[1].as_array().unwrap().iter().any(|x| x == "swing")
        && r[1].as_array().unwrap().iter().any(|x| x == "accent")));
    assert!(has("malformed", Value::from(0)));
    let (a, args) = first(out, "malformed");
    assert_eq!(a, "/bandmate/error");
    assert!(
        args[1]
            .as_str()
            .unwrap()
            .starts_with("malformed packet (24 bytes)"),
        "{args:?}"
    );
}

#[test]
fn python_osc_requests_get_replies_over_udp() {
    let d = Daemon::start(&["--rules"]);
    let out = peer(&["udp", &d.udp.port().to_string(), &d.tcp.port().to_string()]);
    check_requests(&out);
}

#[test]
fn python_osc_requests_get_replies_over_tcp_with_slip() {
    let d = Daemon::start(&["--rules"]);
    let out = peer(&["tcp", &d.udp.port().to_string(), &d.tcp.port().to_string()]);
    check_requests(&out);
}

#[test]
fn python_osc_receives_notes_ahead_of_time_on_the_loops_grid() {
    let d = Daemon::start(&["--lookahead", "100"]);
    let out = peer(&[
        "notes",
        &d.udp.port().to_string(),
        &d.tcp.port().to_string(),
    ]);
    let lines = out.iter().find(|v| v["step"] == "loop").unwrap()["lines"]
        .as_array()
        .unwrap();
    let notes = out.iter().find(|v| v["step"] == "notes").unwrap();
    let play_sent = notes["play_sent"].as_f64().unwrap();
    // (loop position in steps, note) of every hit, from the loop/offset lines
    let mut vel = std::collections::HashMap::new();
    let mut off = std::collections::HashMap::new();
    for l in lines {
        let args = l[1].as_array().unwrap();
        let v: Vec<f64> = args[1..].iter().map(|x| x.as_f64().unwrap()).collect();
        let voice = args[0].as_str().unwrap().to_string();
        if l[0] == "/bandmate/groove/loop" {
            vel.insert(voice, v);
        } else {
            off.insert(voice, v);
        }
    }
    let step_s = 60.0 / 240.0 / 4.0;
    let mut want: Vec<(f64, i64)> = Vec::new();
    for voice in bandmate_core::Voice::ALL {
        for s in 0..32 {
            if vel[voice.name()][s] > 0.0 {
                let pos = (s as f64 + off[voice.name()][s]).rem_euclid(32.0);
                want.push((pos * step_s, i64::from(voice.gm_note())));
            }
        }
    }
    want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let ons: Vec<(f64, f64, i64)> = notes["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n[3].as_i64().unwrap() > 0)
        .map(|n| {
            (
                n[0].as_f64().unwrap(),
                n[1].as_f64().unwrap(),
                n[2].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(
        ons.len() > want.len(),
        "at least a cycle and a bit: {}",
        ons.len()
    );
    // A downbeat drawn early (wrapped to the loop's end) also sounds when playing starts:
    // those notes come first, at the start, in the loop's order.
    let pickups: Vec<i64> = want
        .iter()
        .filter(|w| w.0 > 31.5 * step_s)
        .map(|w| w.1)
        .collect();
    let np = pickups.len();
    let start = ons[np].0 - want[0].0;
    for (on, note) in ons.iter().zip(&pickups) {
        assert!(
            (on.0 - start).abs() * 1000.0 < 0.1,
            "pickup {on:?} not at the start"
        );
        assert_eq!(on.2, *note);
    }
    let mut worst = 0.0f64;
    for (k, on) in ons.iter().enumerate().skip(np) {
        let (c, j) = ((k - np) / want.len(), (k - np) % want.len());
        let t = start + c as f64 * 2.0 + want[j].0;
        let err_ms = (on.0 - t).abs() * 1000.0;
        worst = worst.max(err_ms);
        assert!(
            err_ms < 0.1,
            "note {k} {on:?} is {err_ms:.4} ms off the grid"
        );
        assert_eq!(on.2, want[j].1);
    }
    // Sent ahead of time: they arrive before their time tag (lookahead 100 ms).
    let early: Vec<f64> = ons.iter().map(|o| (o.0 - o.1) * 1000.0).collect();
    let ahead = early.iter().filter(|&&e| e > 0.0).count();
    let min = early.iter().copied().fold(f64::MAX, f64::min);
    eprintln!(
        "{} note-ons, worst grid error {worst:.5} ms, {ahead} arrived ahead of time (least {min:.1} ms)",
        ons.len()
    );
    assert!(
        ahead * 100 >= ons.len() * 95,
        "only {ahead} of {} arrived ahead",
        ons.len()
    );
    let lead = (start - play_sent) * 1000.0;
    assert!(
        (95.0..=140.0).contains(&lead),
        "the loop starts {lead:.1} ms after play was sent"
    );
}
