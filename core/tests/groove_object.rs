//! The host-neutral groove object: every declared message works, loops play in time and switch
//! at the boundary, bad input is refused without losing state, the worker's failures come back
//! as errors. Pd (pd-external/tests) runs the same object inside real Pure Data.

use bandmate_core::objects::Object;
use std::path::Path;
use std::time::{Duration, Instant};

use bandmate_core::objects::{atoms, Atom, GrooveObject, Options, Output, GROOVE};
use bandmate_core::pattern::swung_time;
use bandmate_core::Voice;

fn object(blocking: bool) -> GrooveObject {
    let mut o = GrooveObject::new(&Options::default()).unwrap();
    if blocking {
        o.message(0.0, "blocking", &atoms("1")).unwrap();
    }
    o
}

fn send(o: &mut GrooveObject, now: f64, text: &str) -> Vec<Output> {
    let a = atoms(text);
    let (sel, args) = match a.split_first() {
        Some((Atom::Symbol(s), rest)) => (s.clone(), rest.to_vec()),
        _ => panic!("bad test message {text}"),
    };
    o.message(now, &sel, &args)
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    outputs(o)
}

fn outputs(o: &mut GrooveObject) -> Vec<Output> {
    let mut v = Vec::new();
    o.drain(|x| v.push(x));
    v
}

/// Run the object's clock from `from` to `until` as a host would: wake at `wake_at`, tick.
fn run(o: &mut GrooveObject, from: f64, until: f64) -> Vec<Output> {
    let mut v = Vec::new();
    let mut now = from;
    o.tick(now);
    o.drain(|x| v.push(x));
    while let Some(t) = o.wake_at(now) {
        if t > until {
            break;
        }
        now = t;
        o.tick(now);
        o.drain(|x| v.push(x));
    }
    v
}

fn note_ons(v: &[Output]) -> Vec<(f64, u8, u8)> {
    v.iter()
        .filter_map(|o| match *o {
            Output::Note {
                at_ms,
                note,
                velocity,
                ..
            } if velocity > 0 => Some((at_ms, note, velocity)),
            _ => None,
        })
        .collect()
}

/// The loop the object reported (`loop VOICE v1..v32` and `offset VOICE o1..o32`) as the note
/// times it must play at `bpm` from `start`: (ms, note) sorted.
fn expected_notes(v: &[Output], start: f64, bpm: f64, from_the_top: bool) -> Vec<(f64, u8)> {
    let step_ms = 60_000.0 / bpm / 4.0;
    let mut vel = std::collections::HashMap::new();
    let mut off = std::collections::HashMap::new();
    let mut feel = 0.0;
    for o in v {
        if let Output::Info(sel, args) = o {
            if let ("swing8", [Atom::Float(p)]) = (sel.as_str(), args.as_slice()) {
                feel = (4.0 * p / 100.0 - 2.0) as f32;
            }
            let (Some(Atom::Symbol(voice)), rest) = (args.first(), &args[1.min(args.len())..])
            else {
                continue;
            };
            let vals: Vec<f64> = rest
                .iter()
                .filter_map(|a| match a {
                    Atom::Float(x) => Some(*x),
                    _ => None,
                })
                .collect();
            match sel.as_str() {
                "loop" => vel.insert(voice.clone(), vals),
                "offset" => off.insert(voice.clone(), vals),
                _ => None,
            };
        }
    }
    let mut want = Vec::new();
    for v in Voice::ALL {
        let (vs, os) = (&vel[v.name()], &off[v.name()]);
        for s in 0..32 {
            if vs[s] > 0.0 {
                let pos = swung_time(s as f64, os[s] as f32, feel).rem_euclid(32.0);
                want.push((start + pos * step_ms, v.gm_note()));
                // played from the top: a downbeat drawn early also sounds at the start
                if from_the_top && s == 0 && pos > 16.0 {
                    want.push((start, v.gm_note()));
                }
            }
        }
    }
    want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    want
}

#[test]
fn every_declared_message_is_handled() {
    for m in GROOVE.messages {
        let mut o = object(true);
        send(&mut o, 0.0, "generate");
        let r = o.message(10.0, m.name, &atoms(m.example));
        if let Err(e) = &r {
            // Only refusals that name the message itself, never "unknown".
            let e = e.to_string();
            assert!(!e.contains("unknown message"), "{}: {e}", m.name);
            assert!(e.starts_with(m.name), "{}: {e}", m.name);
        }
        // the object still answers afterwards
        o.tick(20.0);
        outputs(&mut o);
        send(&mut o, 30.0, "dump");
    }
}

#[test]
fn plays_the_loop_in_time_and_loops() {
    let mut o = object(true);
    send(&mut o, 0.0, "tempo 100");
    send(&mut o, 0.0, "seed 5");
    send(&mut o, 0.0, "swing 62");
    let ready = send(&mut o, 0.0, "drumify");
    assert!(
        ready.iter().any(
            |x| matches!(x, Output::Info(s, a) if s == "ready" && a[0] == Atom::sym("drumify"))
        ),
        "{ready:?}"
    );
    send(&mut o, 500.0, "play");
    let cycle = 32.0 * 150.0; // 100 BPM: 150 ms a step
    let played = run(&mut o, 500.0, 500.0 + 2.0 * cycle - 0.001);
    let mut got = note_ons(&played);
    got.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut want = expected_notes(&ready, 500.0, 100.0, true);
    let second = expected_notes(&ready, 500.0 + cycle, 100.0, false);
    want.extend(second);
    assert!(!want.is_empty());
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g.1, w.1);
        assert!((g.0 - w.0).abs() < 1e-6, "{g:?} vs {w:?}");
    }
    // every note-on has its note-off, 50 ms later by default
    let offs = played
        .iter()
        .filter(|x| matches!(x, Output::Note { velocity: 0, .. }))
        .count();
    assert!(
        offs + 3 >= got.len() && offs <= got.len(),
        "{offs} offs, {} ons",
        got.len()
    );
}

#[test]
fn a_new_loop_takes_over_at_the_boundary() {
    let mut o = object(true);
    send(&mut o, 0.0, "seed 1");
    let first = send(&mut o, 0.0, "generate");
    send(&mut o, 0.0, "play");
    let mut played = run(&mut o, 0.0, 1000.0);
    send(&mut o, 1000.0, "seed 2");
    let second = send(&mut o, 1000.0, "generate");
    played.extend(run(&mut o, 1000.0, 8000.0 - 0.001));
    let cycle = 4000.0;
    // The first loop, but for its own early downbeat at the end of the cycle: there the second
    // loop's early downbeat leads into the switch (issue 18, item 1); then the second loop.
    let lead_in = 31.5 * 125.0;
    let mut want: Vec<(f64, u8)> = expected_notes(&first, 0.0, 120.0, true)
        .into_iter()
        .filter(|n| n.0 <= lead_in)
        .collect();
    want.extend(
        expected_notes(&second, 0.0, 120.0, false)
            .into_iter()
            .filter(|n| n.0 > lead_in),
    );
    want.extend(expected_notes(&second, cycle, 120.0, false));
    want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut got: Vec<(f64, u8)> = note_ons(&played).iter().map(|x| (x.0, x.1)).collect();
    got.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    assert_ne!(
        expected_notes(&first, 0.0, 120.0, false),
        expected_notes(&second, 0.0, 120.0, false)
    );
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert!((g.0 - w.0).abs() < 1e-6 && g.1 == w.1, "{g:?} vs {w:?}");
    }
    assert!(played.iter().any(|x| matches!(x, Output::Event(s, a)
        if s == "cycle" && a == &vec![Atom::Float(1.0), Atom::Float(1.0)])));
}

#[test]
fn taps_make_the_groove_drumify_plays() {
    let mut o = object(true);
    send(&mut o, 0.0, "tempo 120"); // 125 ms a step
                                    // taps on steps 0, 4 (12 ms late), 8 (10 ms early)
    let t = send(&mut o, 1000.0, "tap 100");
    assert!(t.contains(&Output::Info(
        "tapped".into(),
        vec![Atom::Float(0.0), Atom::Float(0.0)]
    )));
    let t = send(&mut o, 1512.0, "tap 64");
    let Output::Info(_, a) = &t[0] else { panic!() };
    assert_eq!(a[0], Atom::Float(4.0));
    assert!(
        matches!(a[1], Atom::Float(x) if (x - 0.096).abs() < 1e-6),
        "{a:?}"
    );
    send(&mut o, 1990.0, "tap");
    let r = send(&mut o, 2000.0, "drumify");
    let reading: Vec<&Vec<Atom>> = r
        .iter()
        .filter_map(|x| match x {
            Output::Info(s, a) if s == "reading" && a[0] == Atom::sym("velocity") => Some(a),
            _ => None,
        })
        .collect();
    assert_eq!(reading.len(), 1);
    assert_eq!(reading[0].len(), 33);
    let d = send(&mut o, 2000.0, "dump");
    assert!(d.contains(&Output::Info(
        "status".into(),
        vec![Atom::sym("gestures"), Atom::sym("tap")]
    )));
}

/// Issue 17, item 1: `swing8` plays new loops on a swung 8th-note grid, up to a triplet feel
/// and beyond, the drums' own timing on top; taps are read against the same grid; a scene
/// and `vary` keep a loop's feel; `clear swing8` is straight again.
#[test]
fn swing8_plays_on_a_swung_grid_and_taps_are_read_on_it() {
    let mut o = object(true);
    send(&mut o, 0.0, "tempo 120"); // 125 ms a step
    send(&mut o, 0.0, "seed 4");
    send(
        &mut o,
        0.0,
        "score closed_hat 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0 1 0",
    );
    send(&mut o, 0.0, "swing8 66.666667");
    let ready = send(&mut o, 0.0, "generate");
    assert!(ready.iter().any(|x| matches!(x, Output::Info(s, a)
        if s == "swing8" && matches!(a[0], Atom::Float(p) if (p - 66.666667).abs() < 1e-3))));
    send(&mut o, 0.0, "play");
    let played = run(&mut o, 0.0, 4000.0 - 0.001);
    let mut got: Vec<(f64, u8)> = note_ons(&played).iter().map(|x| (x.0, x.1)).collect();
    got.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let want = expected_notes(&ready, 0.0, 120.0, true);
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        // (the reported percent, through f32 and back: within 0.1 us)
        assert!((g.0 - w.0).abs() < 1e-4 && g.1 == w.1, "{g:?} vs {w:?}");
    }
    // the off-beat 8th hats sound near 2/3 of a step late of the straight grid, the beats not
    let hats: Vec<f64> = got
        .iter()
        .filter(|n| n.1 == Voice::ClosedHat.gm_note())
        .map(|n| n.0 / 125.0)
        .collect();
    let late = |beat_pos: f64| {
        let xs: Vec<f64> = hats
            .iter()
            .filter(|&&p| ((p.round() as i64).rem_euclid(4) as f64 - beat_pos).abs() < 0.5)
            .map(|&p| p - p.round())
            .collect();
        xs.iter().sum::<f64>() / xs.len() as f64
    };
    let (on_beat, off_beat) = (late(0.0), late(3.0));
    assert!(on_beat.abs() < 0.15, "{on_beat}");
    // 2 2/3 rounds to 3: a third of a step early of step 3, i.e. 2/3 late of step 2
    assert!((off_beat + 1.0 / 3.0).abs() < 0.15, "{off_beat} {hats:?}");
    // vary keeps the loop's feel
    let varied = send(&mut o, 4000.0, "vary 0.5");
    assert!(varied.iter().any(|x| matches!(x, Output::Info(s, a)
        if s == "swing8" && matches!(a[0], Atom::Float(p) if (p - 66.666667).abs() < 1e-3))));
    // a tap on the swung off-beat lands on its step, on time; while playing at 120 BPM, the
    // loop started at 0: step 6 of the swung grid plays at 6 2/3 steps
    let t = send(
        &mut o,
        4000.0 + 4000.0 + 125.0 * (6.0 + 2.0 / 3.0) + 5.0,
        "tap 90",
    );
    let Output::Info(_, a) = &t[0] else {
        panic!("{t:?}")
    };
    assert_eq!(a[0], Atom::Float(6.0), "{a:?}");
    // 5 ms late: 0.04 of a step, as time, on the swung grid too
    assert!(
        matches!(a[1], Atom::Float(x) if (x - 0.04).abs() < 1e-3),
        "{a:?}"
    );
    let c = o.controls();
    let swing8 = c.iter().find(|c| c.0 == "swing8").unwrap();
    assert!(matches!(swing8.1[0], Atom::Float(p) if (p - 66.67).abs() < 1e-9));
    assert!(o.message(0.0, "swing8", &atoms("80")).is_err());
    send(&mut o, 9000.0, "clear swing8");
    let straight = send(&mut o, 9000.0, "generate");
    assert!(straight.contains(&Output::Info("swing8".into(), vec![Atom::Float(50.0)])));
}

#[test]
fn bad_input_is_refused_and_nothing_is_lost() {
    let mut o = object(true);
    send(&mut o, 0.0, "tempo 90");
    send(&mut o, 0.0, "score kick 1 0 0 0 1 0 0 0 1 0 0 0 1 0 0 0");
    for (sel, args, says) in [
        ("tempo", "fast", "bpm must be a number"),
        ("tempo", "9000", "out of range"),
        ("score", "cowbell 1 0", "'cowbell' is not one of"),
        ("score", "kick 1 0 1", "row needs 16 or 32 values, got 3"),
        (
            "score",
            "snare 0.5 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0",
            "only 0 and 1",
        ),
        ("accent", "1 0", "needs 16 or 32"),
        ("frobnicate", "", "unknown message 'frobnicate'"),
        ("vary", "7", "out of range"),
        ("render", "x", "no loop yet"),
        ("drumify", "", "no groove given"),
        ("reload", "", "no model was loaded"),
    ] {
        let e = o.message(1.0, sel, &atoms(args)).unwrap_err().to_string();
        assert!(e.contains(says), "{sel} {args}: {e}");
    }
    let d = send(&mut o, 2.0, "dump");
    assert!(d.contains(&Output::Info(
        "status".into(),
        vec![Atom::sym("tempo"), Atom::Float(90.0)]
    )));
    assert!(d.contains(&Output::Info(
        "status".into(),
        vec![Atom::sym("gestures"), Atom::sym("kick")]
    )));
    // and it still plays
    let r = send(&mut o, 3.0, "humanize");
    assert!(r
        .iter()
        .any(|x| matches!(x, Output::Info(s, _) if s == "ready")));
}

#[test]
fn the_worker_runs_off_the_callers_thread() {
    let mut o = object(false);
    send(&mut o, 0.0, "play"); // asks for a loop
    assert!(o.wake_at(0.0).is_some(), "polls while the worker is busy");
    let t0 = Instant::now();
    let mut now = 0.0;
    let mut got = Vec::new();
    while t0.elapsed() < Duration::from_secs(10) {
        now += 5.0;
        o.tick(now);
        o.drain(|x| got.push(x));
        if got
            .iter()
            .any(|x| matches!(x, Output::Info(s, _) if s == "ready"))
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(got
        .iter()
        .any(|x| matches!(x, Output::Info(s, _) if s == "ready")));
    // it started playing when the loop arrived
    assert!(o.player().is_playing() && o.player().has_loop());
}

#[test]
fn the_trained_model_loads_and_plays_and_a_missing_one_is_an_error() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove");
    let mut o = object(true);
    let r = send(&mut o, 0.0, &format!("load {}", models.display()));
    assert!(
        r.iter().any(
            |x| matches!(x, Output::Info(s, a) if s == "loaded" && a[0] != Atom::sym("rules"))
        ),
        "{r:?}"
    );
    send(&mut o, 0.0, "seed 3");
    let a = send(&mut o, 0.0, "generate");
    let b = send(&mut o, 0.0, "generate");
    assert_eq!(
        expected_notes(&a, 0.0, 120.0, false),
        expected_notes(&b, 0.0, 120.0, false)
    );
    let r = send(&mut o, 0.0, "load /nonexistent/model");
    let err = r.iter().find_map(|x| match x {
        Output::Error(e) => Some(e.clone()),
        _ => None,
    });
    let err = err.expect("an error");
    assert!(err.contains("/nonexistent/model"), "{err}");
    // the loaded model is kept
    let d = send(&mut o, 0.0, "dump");
    assert!(!d.contains(&Output::Info(
        "status".into(),
        vec![Atom::sym("model"), Atom::sym("rules")]
    )));
    let c = send(&mut o, 0.0, "generate");
    assert_eq!(
        expected_notes(&a, 0.0, 120.0, false),
        expected_notes(&c, 0.0, 120.0, false)
    );
}

#[test]
fn render_follows_the_tempo() {
    let mut o = object(true);
    send(&mut o, 0.0, "tempo 120");
    send(&mut o, 0.0, "generate");
    let r = send(&mut o, 0.0, "render drums");
    assert_eq!(r, vec![Output::Render("drums".into())]);
    let audio = o.render(48_000).unwrap();
    assert_eq!(audio.channels.len(), 2);
    assert_eq!(audio.frames(), 4 * 48_000); // 2 bars at 120 BPM = 4 s
    assert!(audio.channels[0].iter().any(|&x| x.abs() > 0.01));
}

#[test]
fn play_while_the_default_model_loads_still_asks_for_a_loop() {
    // Regression: `play` used to count the model load as "a loop is coming" and never asked.
    let mut o = GrooveObject::new(&Options {
        plugin_dir: None,
        load_default: true,
        ..Options::default()
    })
    .unwrap();
    send(&mut o, 0.0, "play");
    let t0 = Instant::now();
    let mut now = 0.0;
    let mut got = Vec::new();
    while t0.elapsed() < Duration::from_secs(20)
        && !got
            .iter()
            .any(|x| matches!(x, Output::Info(s, _) if s == "ready"))
    {
        now += 5.0;
        o.tick(now);
        o.drain(|x| got.push(x));
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(
        got.iter().any(
            |x| matches!(x, Output::Info(s, a) if s == "loaded" && a[0] == Atom::sym("groove"))
        ),
        "{got:?}"
    );
    assert!(got
        .iter()
        .any(|x| matches!(x, Output::Info(s, _) if s == "ready")));
}

#[test]
fn pads_accent_a_step_mute_and_keep_a_drum() {
    let mut o = object(true);
    send(&mut o, 0.0, "accent 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0");
    send(&mut o, 0.0, "accent_step 5 1");
    send(&mut o, 0.0, "mute crash");
    send(&mut o, 0.0, "seed 4");
    let first = send(&mut o, 0.0, "generate");
    send(&mut o, 0.0, "keep kick 1");
    let d = send(&mut o, 0.0, "dump");
    assert!(
        d.contains(&Output::Info(
            "status".into(),
            vec![
                Atom::sym("gestures"),
                Atom::sym("kick"),
                Atom::sym("crash"),
                Atom::sym("accent")
            ]
        )),
        "{d:?}"
    );
    send(&mut o, 0.0, "seed 9");
    let second = send(&mut o, 0.0, "generate");
    let kicks = |v: &[Output]| -> std::collections::BTreeSet<usize> {
        expected_notes(v, 0.0, 120.0, false)
            .iter()
            .filter(|n| n.1 == Voice::Kick.gm_note())
            .map(|n| (n.0 / 125.0).round() as usize % 32)
            .collect()
    };
    assert!(!kicks(&first).is_empty());
    assert_eq!(
        kicks(&first),
        kicks(&second),
        "the kept kick plays on the same steps"
    );
    for v in [&first, &second] {
        assert!(!expected_notes(v, 0.0, 120.0, false)
            .iter()
            .any(|n| n.1 == Voice::Crash.gm_note()));
    }
    // the accents given so far plus step 5, in both bars
    let acc = first.iter().find_map(|x| match x {
        Output::Info(s, a) if s == "reading" && a[0] == Atom::sym("accent") => Some(a.len()),
        _ => None,
    });
    assert_eq!(acc, Some(33));
    send(&mut o, 0.0, "accent_step 1 0");
    send(&mut o, 0.0, "accent_step 5 0");
    send(&mut o, 0.0, "mute crash 0");
    send(&mut o, 0.0, "keep kick 0");
    let d = send(&mut o, 0.0, "dump");
    assert!(
        d.contains(&Output::Info("status".into(), vec![Atom::sym("gestures")])),
        "{d:?}"
    );
}

/// Issue 18, item 7: a muted drum stays silent and a kept drum keeps its steps in the next
/// loops whichever way they are made: generate, drumify and vary alike, seed after seed.
#[test]
fn mute_and_keep_hold_for_drumify_and_vary_too() {
    let steps = |v: &[Output], voice: Voice| -> std::collections::BTreeSet<usize> {
        expected_notes(v, 0.0, 120.0, false)
            .iter()
            .filter(|n| n.1 == voice.gm_note())
            .map(|n| (n.0 / 125.0).round() as usize % 32)
            .collect()
    };
    for seed in 1..=6 {
        let mut o = object(true);
        send(&mut o, 0.0, &format!("seed {seed}"));
        send(&mut o, 0.0, "swing 56");
        let first = send(&mut o, 0.0, "generate");
        let kept = steps(&first, Voice::Kick);
        send(&mut o, 0.0, "keep kick");
        send(&mut o, 0.0, "mute crash");
        send(&mut o, 0.0, "mute open_hat");
        for (k, m) in ["drumify", "vary 0.8", "vary 1.5", "generate", "drumify"]
            .iter()
            .enumerate()
        {
            send(&mut o, 0.0, &format!("seed {}", seed * 10 + k));
            let next = send(&mut o, 0.0, m);
            assert_eq!(
                steps(&next, Voice::Kick),
                kept,
                "seed {seed}, {m}: kick kept"
            );
            for v in [Voice::Crash, Voice::OpenHat] {
                assert!(steps(&next, v).is_empty(), "seed {seed}, {m}: {v:?} muted");
            }
        }
        // released: the next loops are free again
        send(&mut o, 0.0, "keep kick 0");
        send(&mut o, 0.0, "mute crash 0");
        send(&mut o, 0.0, "mute open_hat 0");
        let d = send(&mut o, 0.0, "dump");
        assert!(
            d.contains(&Output::Info(
                "status".into(),
                vec![Atom::sym("gestures"), Atom::sym("swing")]
            )),
            "{d:?}"
        );
    }
}

/// A host transport that starts at `t0` at `bpm`: its position in beats at `now`.
fn beats_at(now: f64, t0: f64, bpm: f64) -> f64 {
    (now - t0) * bpm / 60_000.0
}

#[test]
fn follows_a_host_transport_start_tempo_jump_and_stop() {
    let mut o = object(true);
    send(&mut o, 0.0, "tempo 100");
    send(&mut o, 0.0, "seed 3");
    let ready = send(&mut o, 0.0, "generate");
    // Live started at 1000 ms at 90 BPM (the loop's top); the object first sees it a third of
    // a step after the loop's first note (a polling host).
    let (t0, bpm) = (1000.0, 90.0);
    let first = expected_notes(&ready, t0, bpm, false)[0].0;
    let seen = first + 0.3 * 60_000.0 / bpm / 4.0;
    send(
        &mut o,
        seen,
        &format!("transport 1 {bpm} {}", beats_at(seen, t0, bpm)),
    );
    let step_ms = 60_000.0 / bpm / 4.0;
    let cycle = 32.0 * step_ms;
    let mut played = run(&mut o, seen, t0 + cycle - 0.001);
    // The transport keeps telling where it is: no jump, nothing changes.
    send(
        &mut o,
        t0 + cycle - 0.001,
        &format!(
            "transport 1 {bpm} {}",
            beats_at(t0 + cycle - 0.001, t0, bpm)
        ),
    );
    played.extend(run(&mut o, t0 + cycle - 0.001, t0 + 2.0 * cycle - 0.001));
    let mut got: Vec<(f64, u8)> = note_ons(&played).iter().map(|g| (g.0, g.1)).collect();
    let mut want = expected_notes(&ready, t0, bpm, false);
    let second: Vec<(f64, u8)> = want.iter().map(|&(t, n)| (t + cycle, n)).collect();
    // The notes due before the transport was seen are still played, at once, each with its
    // whole gate (issue 18, item 2): at the time it was seen.
    for w in &mut want {
        w.0 = w.0.max(seen);
    }
    want.extend(second);
    let by_time = |a: &(f64, u8), b: &(f64, u8)| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1));
    got.sort_by(by_time);
    want.sort_by(by_time);
    assert_eq!(got.len(), want.len(), "{got:?}\n{want:?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g.1, w.1);
        assert!((g.0 - w.0).abs() < 1e-6, "{g:?} vs {w:?}");
    }
    assert!(
        got.iter().filter(|g| (g.0 - seen).abs() < 1e-9).count() >= 1,
        "nothing to catch up: {got:?}"
    );

    // A jump: the transport is relocated to beat 4 (step 16) at time t.
    let t = t0 + 2.0 * cycle + 10.0;
    send(&mut o, t, &format!("transport 1 {bpm} 4"));
    let step = o.player().position_at(t).rem_euclid(32.0);
    assert!((step - 16.0).abs() < 1e-9, "after the jump at step {step}");

    // Stop: notes are released, the object's own tempo is back.
    let stopped = send(&mut o, t + 5.0, &format!("transport 0 {bpm} 4.1"));
    assert!(!o.player().is_playing());
    let _ = stopped;
    assert_eq!(o.player().bpm(), 100.0);
    assert!(o.wake_at(t + 5.0).is_none_or(|w| w <= t + 5.0 + 50.0));
}

#[test]
fn a_stop_from_the_performer_wins_until_the_transport_stops_and_sync_0_ignores_it() {
    let mut o = object(true);
    send(&mut o, 0.0, "generate");
    send(&mut o, 0.0, "transport 1 120 0");
    assert!(o.player().is_playing());
    assert_eq!(o.player().bpm(), 120.0);
    // Own tempo changes while the transport leads are kept for later.
    send(&mut o, 1.0, "tempo 80");
    assert_eq!(o.player().bpm(), 120.0);
    send(&mut o, 10.0, "stop");
    assert!(!o.player().is_playing());
    assert_eq!(o.player().bpm(), 80.0);
    send(&mut o, 20.0, "transport 1 120 0.04");
    assert!(
        !o.player().is_playing(),
        "held off while the transport runs"
    );
    send(&mut o, 30.0, "transport 0 120 0.06");
    send(&mut o, 40.0, "transport 1 130 0");
    assert!(o.player().is_playing(), "a new start is followed again");
    assert_eq!(o.player().bpm(), 130.0);

    let mut o = object(true);
    send(&mut o, 0.0, "generate");
    send(&mut o, 0.0, "sync 0");
    send(&mut o, 0.0, "transport 1 120 0");
    assert!(!o.player().is_playing());
    // Bad transport arguments are refused with the message named.
    let e = o.message(0.0, "transport", &atoms("1 fast 0")).unwrap_err();
    assert!(e.to_string().starts_with("transport"), "{e}");
}

#[test]
fn every_declared_attribute_has_a_readable_value_that_follows_its_message() {
    let mut o = object(false);
    for m in GROOVE.attributes() {
        assert!(o.attribute(m.name).is_some(), "{}", m.name);
        send(&mut o, 0.0, &format!("{} {}", m.name, m.example));
        let want: f64 = m.example.parse().unwrap();
        let got = o.attribute(m.name).unwrap();
        assert!((got - want).abs() < 1e-6, "{}: {got} vs {want}", m.name);
    }
    assert_eq!(o.attribute("swing"), None);
}

#[test]
fn a_kit_is_loaded_off_the_host_thread_at_the_hosts_sample_rate() {
    // A kit folder that is gone once loaded: a render that went back to the disk would fail.
    let dir = std::env::temp_dir().join(format!("bandmate-kit-rate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut click = vec![0.0f32; 441];
    click[0] = 1.0;
    bandmate_core::wav::write_wav(
        &dir.join("kick.wav"),
        &bandmate_core::wav::Audio {
            channels: vec![click],
            sample_rate: 44_100,
        },
        Default::default(),
    )
    .unwrap();
    let mut o = object(true);
    o.set_sample_rate(44_100);
    send(&mut o, 0.0, "seed 1");
    send(&mut o, 0.0, "generate");
    send(&mut o, 0.0, &format!("kit {}", dir.display()));
    std::fs::remove_dir_all(&dir).unwrap();
    let audio = o.render(44_100).unwrap();
    assert_eq!(audio.sample_rate, 44_100);
    // A host whose rate changes (DSP restarted at 48 kHz): the kit is reloaded by the worker
    // at once, not by the next render; this folder is gone, so the worker says so.
    o.set_sample_rate(48_000);
    o.tick(1.0);
    let errors: Vec<String> = outputs(&mut o)
        .into_iter()
        .filter_map(|x| match x {
            Output::Error(e) => Some(e),
            _ => None,
        })
        .collect();
    assert!(
        errors.iter().any(|e| e.contains("bandmate-kit-rate")),
        "{errors:?}"
    );
}

/// The seed of the `ready` line a generate answers with.
fn ready_seed(v: &[Output]) -> f64 {
    v.iter()
        .find_map(|x| match x {
            Output::Info(s, a) if s == "ready" => match a.get(1) {
                Some(Atom::Float(f)) => Some(*f),
                _ => None,
            },
            _ => None,
        })
        .expect("a ready line with its seed")
}

#[test]
fn seed_auto_gives_each_object_its_own_loops_and_says_which_seed() {
    // Two drummers (two objects, or two sessions) no longer start from the same seed; the seed
    // each loop used is said, and `seed N` brings that loop back.
    let mut a = object(true);
    let mut b = object(true);
    let sa = ready_seed(&send(&mut a, 0.0, "generate"));
    let sb = ready_seed(&send(&mut b, 0.0, "generate"));
    assert_ne!(sa, sb, "two objects start from the same seed");
    for s in [sa, sb] {
        // exact in a Pd float (float32), so the seed a patch shows is the seed it sends back
        assert!((1.0..=16_777_216.0).contains(&s) && s.fract() == 0.0, "{s}");
    }
    let next = ready_seed(&send(&mut a, 0.0, "generate"));
    assert_ne!(next, sa, "a new seed for every loop");
    send(&mut b, 0.0, &format!("seed {sa}"));
    let replay = send(&mut b, 0.0, "generate");
    assert_eq!(ready_seed(&replay), sa);
}

#[test]
fn a_kit_that_fails_to_load_leaves_the_kit_that_renders() {
    // `kit FOLDER` with no usable WAVs is refused; renders (at any rate) go on with the kit
    // that was there, the built-in synth, rather than trying the refused folder again.
    let empty = std::env::temp_dir().join(format!("bandmate-kit-empty-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let mut o = object(true);
    send(&mut o, 0.0, "seed 3");
    send(&mut o, 0.0, "generate");
    let before = o.render(44_100).unwrap();
    o.message(0.0, "kit", &atoms(&empty.display().to_string()))
        .unwrap();
    let v = outputs(&mut o);
    assert!(
        v.iter().any(|x| matches!(x, Output::Error(_))),
        "an empty kit folder is refused: {v:?}"
    );
    let again = o.render(44_100).expect("the synth kit still renders");
    assert_eq!(again.channels, before.channels);
    o.render(48_000)
        .expect("and at another rate it is remade from the synth, not the refused folder");
    let _ = std::fs::remove_dir_all(&empty);
}

/// Issue 24: a MIDI clock at 120 BPM whose pulses arrive with 2 ms of jitter (std) leads the
/// loop. The clock runs a bar before its start (the tempo is known, as from any drum machine),
/// then start: from the second beat on, every note stays within 2 ms of where the clock's own
/// bars put it, for 16 bars, and no note is lost or doubled. (Taking each pulse as it comes
/// would put notes up to the jitter off, and relocating on each would flam.)
#[test]
fn follows_a_jittered_midi_clock_within_two_ms() {
    let mut o = object(true);
    send(&mut o, 0.0, "tempo 100");
    send(&mut o, 0.0, "seed 5");
    let ready = send(&mut o, 0.0, "generate");
    let (bpm, t0) = (120.0, 3000.0);
    let pulse = 60_000.0 / bpm / 24.0;
    let mut rng = bandmate_core::rng::Rng::new(11);
    let mut jittered = |k: i64| t0 + k as f64 * pulse + 2.0 * f64::from(rng.normal());
    let mut now = 0.0;
    let mut played = Vec::new();
    for k in -48..0 {
        let t = jittered(k);
        played.extend(run(&mut o, now, t));
        played.extend(send(&mut o, t, "clock 248"));
        now = t;
    }
    assert!(
        !o.player().is_playing(),
        "a clock without start plays nothing"
    );
    played.extend(send(&mut o, now + 1.0, "clock 250"));
    let bars = 16;
    for k in 0..=(bars * 96) {
        let t = jittered(k).max(now);
        played.extend(run(&mut o, now, t));
        played.extend(send(&mut o, t, "clock 248"));
        now = t;
    }
    played.extend(send(&mut o, now, "clock 252"));
    assert!(!o.player().is_playing(), "stop stops");
    let end = t0 + bars as f64 * 2000.0;
    let got: Vec<(f64, u8)> = note_ons(&played)
        .iter()
        .filter(|n| n.0 >= t0 + 500.0 && n.0 < end - 500.0)
        .map(|n| (n.0, n.1))
        .collect();
    let cycle = 4000.0;
    let one = expected_notes(&ready, t0, bpm, false);
    let want: Vec<(f64, u8)> = (-1..(bars / 2 + 1))
        .flat_map(|c| one.iter().map(move |&(t, n)| (t + c as f64 * cycle, n)))
        .filter(|w| w.0 >= t0 + 500.0 && w.0 < end - 500.0)
        .collect();
    assert_eq!(got.len(), want.len(), "notes lost or doubled");
    let mut worst: f64 = 0.0;
    for g in &got {
        let err = want
            .iter()
            .filter(|w| w.1 == g.1)
            .map(|w| (w.0 - g.0).abs())
            .fold(f64::INFINITY, f64::min);
        worst = worst.max(err);
    }
    eprintln!(
        "{} notes over {bars} bars, the worst {worst:.2} ms from the clock's bars",
        got.len()
    );
    assert!(worst < 2.0, "a note {worst:.2} ms off the clock");
}

/// A MIDI clock that sends no pulse before its start (many drum machines and DAWs): the first
/// pulse after the start is the downbeat, and the loop's first beat sounds on it, not a pulse
/// later (found by playing: a flam against the machine sending the clock). Its tempo is the
/// object's own until the second pulse tells the clock's: at the clock's tempo every note is
/// where the clock puts it; at another (90 against the clock's 120) the first pulse's 20 ms
/// at the wrong tempo are made up over the first beats, the notes a few ms off meanwhile.
#[test]
fn a_cold_clock_start_plays_the_downbeat_on_the_first_pulse() {
    for own in [120.0, 90.0] {
        let mut o = object(true);
        send(&mut o, 0.0, &format!("tempo {own}"));
        send(&mut o, 0.0, "seed 7");
        let ready = send(&mut o, 0.0, "generate");
        let (bpm, t0) = (120.0, 1000.0 + 60_000.0 / 120.0 / 24.0);
        let pulse = 60_000.0 / bpm / 24.0;
        let mut played = send(&mut o, 1000.0, "clock 250");
        let mut now = 1000.0;
        for k in 0..48 {
            let t = t0 + k as f64 * pulse;
            played.extend(run(&mut o, now, t));
            played.extend(send(&mut o, t, "clock 248"));
            now = t;
        }
        let got: Vec<(f64, u8)> = note_ons(&played).iter().map(|n| (n.0, n.1)).collect();
        let want: Vec<(f64, u8)> = expected_notes(&ready, t0, bpm, false)
            .into_iter()
            .filter(|w| w.0 < t0 + 900.0)
            .map(|(t, n)| (t.max(t0), n))
            .collect();
        assert!(
            !want.is_empty() && want[0].0 < t0 + 5.0,
            "a downbeat: {want:?}"
        );
        for (i, w) in want.iter().enumerate() {
            let within = if i == 0 || own == bpm { 1.0 } else { 5.0 };
            let err = got
                .iter()
                .filter(|g| g.1 == w.1)
                .map(|g| (g.0 - w.0).abs())
                .fold(f64::INFINITY, f64::min);
            assert!(
                err < within,
                "own tempo {own}: note {} due at {:.1} ms is {err:.1} ms off: {got:?}",
                w.1,
                w.0
            );
        }
    }
}

/// Issue 24: `tap_tempo` sets the object's own tempo from the taps and says so; a MIDI clock
/// or transport that runs leads instead; `songpos` then `continue` picks up mid-song.
#[test]
fn tap_tempo_sets_the_tempo_and_a_running_clock_leads() {
    let mut o = object(true);
    assert!(
        send(&mut o, 0.0, "tap_tempo").is_empty(),
        "one tap says nothing"
    );
    let said = send(&mut o, 600.0, "tap_tempo");
    assert!(
        said.iter().any(
            |x| matches!(x, Output::Info(s, a) if s == "tempo" && a == &vec![Atom::Float(100.0)])
        ),
        "{said:?}"
    );
    assert_eq!(o.player().bpm(), 100.0);
    send(&mut o, 1200.0, "tap_tempo");
    send(&mut o, 1800.0, "tap_tempo");
    assert_eq!(o.player().bpm(), 100.0);
    // too fast to be a tempo (600 BPM, a double trigger): said, and the tempo kept
    send(&mut o, 10_000.0, "tap_tempo");
    let e = o
        .message(10_100.0, "tap_tempo", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("out of the range"), "{e}");
    assert_eq!(o.player().bpm(), 100.0);
    // a clock at 140 BPM, continued from bar 3 (song position 32 sixteenths)
    send(&mut o, 0.0, "generate");
    let pulse = 60_000.0 / 140.0 / 24.0;
    let mut t = 20_000.0;
    for _ in 0..24 {
        send(&mut o, t, "clock 248");
        t += pulse;
    }
    send(&mut o, t, "songpos 32");
    send(&mut o, t, "clock 251");
    send(&mut o, t, "clock 248");
    assert!(o.player().is_playing());
    let at = o.player().position_at(t);
    assert!(
        (at.rem_euclid(32.0) - 0.0).abs() < 1e-6,
        "bar 3 is the loop's top: {at}"
    );
    assert!((o.player().bpm() - 140.0).abs() < 0.01);
    // taps while the clock leads change the object's own tempo only
    send(&mut o, t + 10.0, "tap_tempo");
    send(&mut o, t + 510.0, "tap_tempo");
    assert!((o.player().bpm() - 140.0).abs() < 0.01);
    send(&mut o, t + 600.0, "clock 252");
    assert!(!o.player().is_playing());
    assert_eq!(
        o.player().bpm(),
        120.0,
        "the tapped tempo is back when the clock stops"
    );
}

/// Issue 24: `back` returns to the loop before the last generate or vary (reported again, and
/// `vary` then steps from it); `back` again returns; with nothing earlier, a clear error.
#[test]
fn back_returns_to_the_loop_before() {
    let mut o = object(true);
    let e = o.message(0.0, "back", &[]);
    let said = outputs(&mut o);
    assert!(
        e.is_err()
            || said
                .iter()
                .any(|x| matches!(x, Output::Error(m) if m.contains("no earlier loop"))),
        "{e:?} {said:?}"
    );
    let loop_of = |v: &[Output]| expected_notes(v, 0.0, 120.0, false);
    send(&mut o, 0.0, "seed 1");
    let a = send(&mut o, 0.0, "generate");
    send(&mut o, 0.0, "seed 2");
    let b = send(&mut o, 0.0, "generate");
    assert_ne!(loop_of(&a), loop_of(&b));
    let back = send(&mut o, 0.0, "back");
    assert_eq!(loop_of(&back), loop_of(&a), "back to the first loop");
    let again = send(&mut o, 0.0, "back");
    assert_eq!(loop_of(&again), loop_of(&b), "back again: the second");
    // vary steps from the loop that is back
    send(&mut o, 0.0, "back");
    let varied = send(&mut o, 0.0, "vary 0");
    assert_eq!(
        loop_of(&varied),
        loop_of(&a),
        "vary 0 of the loop back is that loop"
    );
}

/// Issue 24: a MIDI clock that stops mid-bar without a stop (a cable pulled): said once, the
/// loop plays on at the clock's last tempo, and the clock's next pulse leads again.
#[test]
fn a_clock_that_stops_mid_bar_is_said_and_the_loop_plays_on() {
    let mut o = object(true);
    send(&mut o, 0.0, "generate");
    let pulse = 60_000.0 / 128.0 / 24.0;
    let mut t = 1000.0;
    for _ in 0..24 {
        send(&mut o, t, "clock 248");
        t += pulse;
    }
    send(&mut o, t, "clock 250");
    let mut played = Vec::new();
    for _ in 0..60 {
        played.extend(send(&mut o, t, "clock 248"));
        played.extend(run(&mut o, t, t + pulse - 0.01));
        t += pulse;
    }
    // silence from the clock for 3 s
    played.clear();
    played.extend(run(&mut o, t, t + 3000.0));
    let errors: Vec<&String> = played
        .iter()
        .filter_map(|x| match x {
            Output::Error(e) => Some(e),
            _ => None,
        })
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("stopped mid-song") && errors[0].contains("128.0 BPM"));
    assert!(o.player().is_playing(), "the set plays on");
    assert!(note_ons(&played).len() > 10, "notes through the silence");
    assert!((o.player().bpm() - 128.0).abs() < 0.5);
}

/// Issue 24 (scenes): a groove's scene, through its file's JSON, rebuilds another object: the
/// same gestures (its `dump`), the same drums held, and the exact loop, which takes over at the
/// loop boundary and plays note for note; `vary 0` steps from it. A corrupt state is refused
/// whole.
#[test]
fn a_scene_brings_back_the_gestures_and_the_exact_loop() {
    use bandmate_core::objects::{SceneFile, ScenePart};
    let loop_of = |v: &[Output]| expected_notes(v, 0.0, 120.0, false);
    let mut a = object(true);
    for m in [
        "tempo 97",
        "temperature 1.3",
        "swing 58",
        "swing8 60",
        "accent 1 0 0 0 1 0 0 0 1 0 0 0 1 0 0 1",
        "score snare 0 0 0 0 1 0 0 0 0 0 0 0 1 0 0 0",
        "seed 11",
    ] {
        send(&mut a, 0.0, m);
    }
    let first = send(&mut a, 0.0, "generate");
    send(&mut a, 0.0, "keep kick");
    send(&mut a, 0.0, "mute crash");
    send(&mut a, 0.0, "seed");
    let dump_a = send(&mut a, 0.0, "dump");
    let part = a.scene().expect("the groove keeps a scene");
    let mut file = SceneFile::default();
    file.parts.insert("groove".into(), part);
    let file = SceneFile::from_json(&file.to_json()).unwrap();
    let part: &ScenePart = &file.parts["groove"];

    let mut b = object(true);
    send(&mut b, 0.0, "seed 3");
    send(&mut b, 0.0, "swing 70");
    let other = send(&mut b, 0.0, "generate");
    assert_ne!(loop_of(&other), loop_of(&first));
    send(&mut b, 0.0, "play");
    run(&mut b, 0.0, 1000.0);

    // a corrupt state changes nothing
    let mut broken = part.state.clone().unwrap();
    let hit = broken["loop"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .position(|h| h.as_f64() == Some(1.0))
        .unwrap();
    broken["loop"]["offsets"][hit] = serde_json::json!(0.9);
    let e = b.check_state(&broken).unwrap_err().to_string();
    assert!(e.contains("groove's scene"), "{e}");

    b.check_state(part.state.as_ref().unwrap()).unwrap();
    for (sel, args) in &part.messages {
        b.message(1000.0, sel, args)
            .unwrap_or_else(|e| panic!("{sel}: {e}"));
    }
    b.recall_state(1000.0, part.state.as_ref().unwrap())
        .unwrap();
    let recalled = outputs(&mut b);
    assert_eq!(loop_of(&recalled), loop_of(&first), "the exact loop");
    // it takes over at the boundary (2 bars at 120 until the tempo changed at 1 s to 97)
    let played = run(&mut b, 1000.0, 12_000.0);
    let switched = played
        .iter()
        .find_map(|x| match x {
            Output::Event(s, a) if s == "cycle" => Some(a.clone()),
            _ => None,
        })
        .expect("a cycle line");
    assert_eq!(switched.get(1), Some(&Atom::Float(1.0)), "{switched:?}");
    let dump_b = send(&mut b, 12_000.0, "dump");
    let gestures = |d: &[Output]| -> Vec<Output> {
        d.iter()
            .filter(|x| {
                matches!(x, Output::Info(s, a) if s == "status"
                    && matches!(a.first(), Some(Atom::Symbol(k))
                        if ["model", "tempo", "gate", "temperature", "seed", "sync", "gestures"]
                            .contains(&k.as_str())))
            })
            .cloned()
            .collect()
    };
    assert_eq!(gestures(&dump_b), gestures(&dump_a));
    // the drums held: kick kept, crash muted, for the next loops too
    let kick = |v: &[Output]| {
        loop_of(v)
            .into_iter()
            .filter(|n| n.1 == Voice::Kick.gm_note())
            .map(|n| (n.0 / 125.0).round() as usize % 32)
            .collect::<std::collections::BTreeSet<_>>()
    };
    send(&mut b, 12_000.0, "seed 5");
    let next = send(&mut b, 12_000.0, "generate");
    assert_eq!(kick(&next), kick(&first), "kick kept");
    assert!(loop_of(&next).iter().all(|n| n.1 != Voice::Crash.gm_note()));
    send(&mut b, 12_000.0, "back");
    let varied = send(&mut b, 12_000.0, "vary 0");
    // (the crash, muted since, is left out as in any new loop)
    let no_crash = |v: Vec<(f64, u8)>| -> Vec<(f64, u8)> {
        v.into_iter()
            .filter(|n| n.1 != Voice::Crash.gm_note())
            .collect()
    };
    assert_eq!(
        loop_of(&varied),
        no_crash(loop_of(&first)),
        "vary 0 of the recalled loop"
    );
}

/// A performer's `play` after their `stop`, while the transport (Live's, Link's, a MIDI clock)
/// still runs: the object joins the transport again, in phase, at its next message, instead of
/// playing on its own out of phase until the transport stops.
#[test]
fn play_after_a_stop_joins_the_running_transport_again() {
    let mut o = object(true);
    send(&mut o, 0.0, "generate");
    send(&mut o, 0.0, "transport 1 120 0");
    send(&mut o, 1000.0, "stop");
    send(&mut o, 1500.0, "transport 1 120 3");
    assert!(!o.player().is_playing(), "held off while stopped");
    send(&mut o, 2100.0, "play");
    // 2.2 s after the transport's start at 120 BPM: beat 4.4, step 17.6
    send(&mut o, 2200.0, "transport 1 120 4.4");
    assert!(o.player().is_playing());
    let step = o.player().position_in_loop(2200.0);
    assert!(
        (step - 17.6).abs() < 0.01,
        "in phase with the transport: step {step}"
    );
    assert_eq!(o.player().bpm(), 120.0);
}

/// Issue 20, item 1 (drums that listen): while the loop plays with `listen 1`, the taps of the
/// last two bars (the window closing a beat before the boundary) are drumified into the next
/// loop, which takes over at the boundary; different playing gives different drums; a tap that
/// lands just after the boundary counts on the downbeat; a silent window leaves the loop.
#[test]
fn drums_that_listen_follow_what_was_played() {
    let hits = |v: &[Output]| -> std::collections::BTreeSet<usize> {
        expected_notes(v, 0.0, 120.0, false)
            .iter()
            .map(|n| (n.0 / 125.0).round() as usize % 32)
            .collect()
    };
    let play_taps = |steps: &[usize]| {
        let mut o = object(true);
        send(&mut o, 0.0, "seed 3");
        let first = send(&mut o, 0.0, "generate");
        send(&mut o, 0.0, "listen 1");
        send(&mut o, 0.0, "play");
        let mut out = run(&mut o, 0.0, 10.0);
        // taps in cycle 0 (before its window closes at step 28: 3.5 s), a little late
        for &s in steps {
            let t = s as f64 * 125.0 + 12.0;
            out.extend(run(&mut o, 10.0f64.max(t - 1.0), t));
            out.extend(send(&mut o, t, "tap 100"));
        }
        out.extend(run(&mut o, 3400.0, 4100.0));
        (o, first, out)
    };
    let rhythm_a = [0, 3, 6, 8, 11, 14, 16, 19, 22, 24, 27];
    let (mut o, first, out) = play_taps(&rhythm_a);
    let heard = out
        .iter()
        .find_map(|x| match x {
            Output::Info(s, a) if s == "heard" => Some(a[0].clone()),
            _ => None,
        })
        .expect("the window closed and said what it heard");
    assert_eq!(heard, Atom::Float(rhythm_a.len() as f64));
    let ready: Vec<&Output> = out
        .iter()
        .filter(|x| matches!(x, Output::Info(s, a) if s == "ready" && a[0] == Atom::sym("drumify")))
        .collect();
    assert_eq!(ready.len(), 1, "one loop made from what was heard");
    // it took over at the boundary (4 s)
    assert!(
        out.iter()
            .any(|x| matches!(x, Output::Event(s, a) if s == "cycle" && a[1] == Atom::Float(1.0))),
        "switched at the boundary"
    );
    let listened = out.clone();
    assert_ne!(hits(&listened), hits(&first));
    // the drums follow the rhythm played: most taps have a drum on them
    let on: usize = rhythm_a
        .iter()
        .filter(|s| hits(&listened).contains(s))
        .count();
    assert!(
        on * 10 >= rhythm_a.len() * 8,
        "{on} of {} taps have drums",
        rhythm_a.len()
    );

    // other playing, other drums
    let (_, _, out_b) = play_taps(&[0, 4, 8, 12, 16, 20, 24]);
    assert_ne!(hits(&out_b), hits(&listened));

    // silence through a whole window: the loop plays on, nothing asked
    let quiet = run(&mut o, 4100.0, 7900.0);
    assert!(!quiet
        .iter()
        .any(|x| matches!(x, Output::Info(s, _) if s == "heard" || s == "ready")));
    // a tap 15 ms after the next boundary (8 s) counts on the downbeat of the next window
    run(&mut o, 7900.0, 8015.0);
    let late = send(&mut o, 8015.0, "tap 110");
    assert!(
        late.iter()
            .any(|x| matches!(x, Output::Info(s, a) if s == "tapped" && a[0] == Atom::Float(0.0))),
        "{late:?}"
    );
}

/// The drum rows on a controller show the loop that plays: a loop queued for the boundary
/// shows when it starts, not when it is made (found by a performer's trial).
#[test]
fn the_drum_rows_show_the_loop_that_plays_not_the_one_queued() {
    let row = |o: &GrooveObject| -> String {
        o.display()
            .into_iter()
            .find(|(k, _)| *k == "grid/closed_hat")
            .map(|(_, t)| t)
            .unwrap_or_default()
    };
    let mut o = object(true);
    send(&mut o, 0.0, "seed 1");
    send(&mut o, 0.0, "generate");
    send(&mut o, 0.0, "play");
    let first = row(&o);
    assert!(!first.is_empty());
    run(&mut o, 0.0, 1000.0);
    send(&mut o, 1000.0, "swing 70");
    send(&mut o, 1000.0, "seed 2");
    send(&mut o, 1000.0, "drumify");
    assert!(o.player().has_queued());
    assert_eq!(row(&o), first, "the queued loop is not shown yet");
    run(&mut o, 1000.0, 4100.0);
    assert!(!o.player().has_queued());
    assert_ne!(row(&o), first, "the new loop shows once it plays");
}

/// Issue 23: `fill` ends the next loop in a fill, once, and the loop comes back after it.
#[test]
fn a_fill_plays_once_at_the_end_of_the_next_loop_and_the_loop_goes_on() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove");
    let mut o = object(true);
    let e = o.message(0.0, "fill", &[]).unwrap_err();
    assert!(e.to_string().contains("no loop is playing"), "{e}");
    send(&mut o, 0.0, &format!("load {}", models.display()));
    send(&mut o, 0.0, "seed 3");
    send(&mut o, 0.0, "generate");
    let mut played = send(&mut o, 0.0, "play");
    played.extend(run(&mut o, 0.0, 4500.0));
    let said = send(&mut o, 4500.0, "fill");
    assert!(
        said.iter()
            .any(|x| matches!(x, Output::Info(s, a) if s == "ready" && a[0] == Atom::sym("fill"))),
        "{said:?}"
    );
    played.extend(run(&mut o, 4500.0, 20_000.0));
    // a 2-bar loop at 120 BPM is 4 s; an early downbeat sounds up to half a step (62.5 ms)
    // before its cycle
    let notes = note_ons(&played);
    let cycle = |k: usize, from_ms: f64, to_ms: f64| -> Vec<(i64, u8, u8)> {
        let start = k as f64 * 4000.0;
        notes
            .iter()
            .filter(|n| n.0 >= start + from_ms - 62.5 && n.0 < start + to_ms - 62.5)
            .map(|n| (((n.0 - start) * 100.0).round() as i64, n.1, n.2))
            .collect()
    };
    let whole = |k| cycle(k, 0.0, 4000.0);
    assert!(whole(1).len() > 10);
    assert_ne!(whole(2), whole(1), "the fill plays in the third cycle");
    assert_eq!(
        cycle(2, 0.0, 2000.0),
        cycle(1, 0.0, 2000.0),
        "its first bar is the loop's"
    );
    assert_eq!(whole(3), whole(1), "then the loop goes on");
    assert_eq!(whole(4), whole(1));
    // the rule-based drum machine plays no fills: said, and the loop plays on
    send(&mut o, 20_000.0, "rules");
    let said = send(&mut o, 20_000.0, "fill");
    assert!(
        said.iter()
            .any(|x| matches!(x, Output::Error(e) if e.contains("plays no fills"))),
        "{said:?}"
    );
    assert!(o.player().is_playing());
    assert!(o.message(20_000.0, "fill", &atoms("5")).is_err());
}

/// Found by a performer's trial: every fill answered the loop's seed, so a fill liked could
/// not be asked for again; each answers its own, and that seed brings the same fill back.
#[test]
fn each_fill_says_its_own_seed() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove");
    let mut o = object(true);
    send(&mut o, 0.0, &format!("load {}", models.display()));
    send(&mut o, 0.0, "generate");
    send(&mut o, 0.0, "play");
    let fill_seed = |o: &mut GrooveObject| -> Atom {
        let said = send(o, 100.0, "fill");
        info(&said, "ready").unwrap_or_else(|| panic!("{said:?}"))[1].clone()
    };
    let seeds: Vec<Atom> = (0..3).map(|_| fill_seed(&mut o)).collect();
    assert!(seeds[0] != seeds[1] && seeds[1] != seeds[2], "{seeds:?}");
}

fn errors(v: &[Output]) -> Vec<String> {
    v.iter()
        .filter_map(|x| match x {
            Output::Error(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn info<'a>(v: &'a [Output], sel: &str) -> Option<&'a [Atom]> {
    v.iter().find_map(|x| match x {
        Output::Info(s, a) if s == sel => Some(a.as_slice()),
        _ => None,
    })
}

/// Issue 23: a clip read, its empty bars filled and written out, with every note kept; bad
/// clips and paths said, with nothing lost.
#[test]
fn a_clip_is_read_filled_and_written_with_every_note_kept() {
    use bandmate_core::compose::Clip;
    let dir = std::env::temp_dir().join(format!("bandmate-clip-obj-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let dir = dir.canonicalize().unwrap();
    let gmd = bandmate_core::gmd::default_root();
    let whole =
        Clip::read(&gmd.join("drummer1/eval_session/1_funk-groove1_138_beat_4-4.mid")).unwrap();
    let bar = |beat: f64| (beat * 4.0 - 0.5).ceil().max(0.0) as usize / 16;
    let kept: Vec<_> = whole
        .notes()
        .iter()
        .filter(|n| bar(n.beat) < 8 && !(4..6).contains(&bar(n.beat)))
        .copied()
        .collect();
    let clip = Clip::new(kept, 8).unwrap();
    let input = dir.join("gap.mid");
    clip.write(&input, &[], 138.0).unwrap();

    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove");
    let mut o = GrooveObject::new(&Options {
        roots: Some(vec![dir.clone(), models.canonicalize().unwrap()]),
        ..Options::default()
    })
    .unwrap();
    o.message(0.0, "blocking", &atoms("1")).unwrap();
    let said = send(&mut o, 0.0, "infill");
    assert!(errors(&said)[0].contains("no clip"), "{said:?}");
    let said = send(&mut o, 0.0, &format!("clip {}", input.display()));
    assert_eq!(
        info(&said, "clip"),
        Some(&[Atom::Float(8.0), Atom::Float(clip.notes().len() as f64)][..]),
        "{said:?}"
    );
    // the rule-based drum machine cannot fill: said, the clip kept
    let said = send(&mut o, 0.0, "infill");
    assert!(errors(&said)[0].contains("rule-based"), "{said:?}");
    send(&mut o, 0.0, &format!("load {}", models.display()));
    let said = send(&mut o, 0.0, "infill");
    let got = info(&said, "infilled").unwrap_or_else(|| panic!("{said:?}"));
    assert_eq!(
        &got[1..],
        &[Atom::Float(5.0), Atom::Float(6.0)],
        "bars 5 and 6"
    );
    let out = dir.join("filled.mid");
    let said = send(&mut o, 0.0, &format!("write {}", out.display()));
    assert!(info(&said, "wrote").is_some(), "{said:?}");
    let back = Clip::read(&out).unwrap();
    assert_eq!(back.bars(), 8);
    let tick = |b: f64| (b.max(0.0) * 480.0).round() as i64;
    for n in clip.notes() {
        assert!(
            back.notes().iter().any(|b| tick(b.beat) == tick(n.beat)
                && b.key == n.key
                && b.velocity == n.velocity),
            "{n:?} not kept"
        );
    }
    let added = back
        .notes()
        .iter()
        .filter(|n| (4..6).contains(&bar(n.beat)))
        .count();
    assert!(added >= 16, "{added} notes in bars 5-6");
    // the clip's first two bars are the score: humanize plays them
    let said = send(&mut o, 0.0, "humanize");
    assert!(errors(&said).is_empty(), "{said:?}");

    // bad input: said, and the clip and files as they were
    let outside = std::env::temp_dir().join(format!("bandmate-outside-{}.mid", std::process::id()));
    let there = std::env::temp_dir().join(format!("bandmate-there-{}.mid", std::process::id()));
    std::fs::copy(&input, &there).unwrap();
    for (msg, want) in [
        (
            format!("write {}", outside.display()),
            "outside the folders",
        ),
        (format!("clip {}", there.display()), "outside the folders"),
        (
            format!("clip {}", dir.join("none.mid").display()),
            "none.mid",
        ),
        (
            format!("write {}", dir.join("no/such.mid").display()),
            "no such folder",
        ),
    ] {
        let said = send(&mut o, 0.0, &msg);
        let e = errors(&said);
        assert!(e.len() == 1 && e[0].contains(want), "{msg}: {said:?}");
        assert!(
            want.contains("outside") || !e[0].contains("outside"),
            "{e:?}"
        );
    }
    assert!(!outside.exists());
    std::fs::remove_file(&there).unwrap();
    // only a MIDI file's name (found by a performer's trial: over OSC, model.json was
    // overwritten with MIDI), never a folder
    for bad in [dir.join("notes.txt"), dir.clone()] {
        let e = o.message(0.0, "write", &atoms(&bad.display().to_string()));
        let said = outputs(&mut o);
        let text = e
            .err()
            .map(|e| e.to_string())
            .unwrap_or_else(|| errors(&said).join(" "));
        assert!(text.contains("MIDI file"), "{bad:?}: {text}");
    }
    assert!(!dir.join("notes.txt").exists());
    // the clip is written at its own tempo (138 BPM), not the object's (120)
    let t = bandmate_core::midi::MidiFile::read(&out)
        .unwrap()
        .initial_bpm();
    assert!((t - 138.0).abs() < 0.01, "{t}");
    std::fs::copy(
        gmd.join("drummer1/session2/4_jazz_120_beat_3-4.mid"),
        dir.join("waltz.mid"),
    )
    .unwrap();
    let said = send(
        &mut o,
        0.0,
        &format!("clip {}", dir.join("waltz.mid").display()),
    );
    assert!(errors(&said)[0].contains("3/4"), "{said:?}");
    let said = send(&mut o, 0.0, "infill 9 10");
    assert!(errors(&said)[0].contains("bars 1-8"), "{said:?}");
    let said = send(&mut o, 0.0, &format!("write {}", out.display()));
    assert!(info(&said, "wrote").is_some());
    assert_eq!(
        Clip::read(&out).unwrap(),
        back,
        "the filled clip is still the clip"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// In a patch (Pd, Max: the host gives the patch's folder), a relative `write` with no clip read
/// goes beside the patch, as Pd's and Max's own file objects write (a performer check found it
/// refused: "give a full path"); after a clip was read, beside the clip.
#[test]
fn a_relative_write_in_a_patch_goes_beside_the_patch() {
    let dir = std::env::temp_dir().join(format!("bandmate-home-{}", std::process::id()));
    let clips = dir.join("clips");
    std::fs::create_dir_all(&clips).unwrap();
    let mut o = object(true);
    o.set_home(&dir);
    send(&mut o, 0.0, "generate");
    let said = send(&mut o, 0.0, "write loop1.mid");
    assert!(info(&said, "wrote").is_some(), "{said:?}");
    assert!(dir.join("loop1.mid").is_file());
    // a clip read: beside it
    std::fs::copy(dir.join("loop1.mid"), clips.join("verse.mid")).unwrap();
    send(
        &mut o,
        0.0,
        &format!("clip {}", clips.join("verse.mid").display()),
    );
    let said = send(&mut o, 0.0, "write filled.mid");
    assert!(info(&said, "wrote").is_some(), "{said:?}");
    assert!(clips.join("filled.mid").is_file() && !dir.join("filled.mid").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A relative `write` goes beside a clip that was read, never into the host's working folder:
/// after a clip that could not be read, it is refused (found by the declared examples' test,
/// which wrote filled.mid into the crate's folder).
#[test]
fn a_relative_write_without_a_clip_read_is_refused() {
    let mut o = object(true);
    send(&mut o, 0.0, "generate");
    let said = send(&mut o, 0.0, "clip no-such-clip.mid");
    assert!(errors(&said)[0].contains("no-such-clip.mid"), "{said:?}");
    let said = send(&mut o, 0.0, "write stray.mid");
    assert!(errors(&said)[0].contains("give a full path"), "{said:?}");
    assert!(!Path::new("stray.mid").exists());
    assert!(
        !Path::new("filled.mid").exists(),
        "the examples' test wrote here"
    );
}

/// Found by a review: with the worker not blocking, 'infill' then 'write' at once wrote the
/// clip before the infill, and a 'clip' read while another was filled was replaced by it. The
/// clip is the worker's, so each job sees the one the jobs before it left.
#[test]
fn infill_and_write_sent_at_once_write_the_filled_clip() {
    use bandmate_core::compose::{example_clip, Clip};
    let dir = std::env::temp_dir().join(format!("bandmate-clip-async-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("ex.mid");
    let example = example_clip();
    example.write(&input, &[], 100.0).unwrap();
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove");
    let mut o = object(false);
    let mut said = send(&mut o, 0.0, &format!("load {}", models.display()));
    said.extend(send(&mut o, 0.0, &format!("clip {}", input.display())));
    said.extend(send(&mut o, 0.0, "infill"));
    said.extend(send(&mut o, 0.0, "write filled.mid"));
    let t0 = Instant::now();
    while info(&said, "wrote").is_none() && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(5));
        o.tick(0.0);
        said.extend(outputs(&mut o));
    }
    assert!(errors(&said).is_empty(), "{said:?}");
    let added = info(&said, "infilled").unwrap()[0].clone();
    let back = Clip::read(&dir.join("filled.mid")).unwrap();
    assert_eq!(
        Atom::Float((back.notes().len() - example.notes().len()) as f64),
        added,
        "the written clip holds the notes infill added"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Found by a review: a fill queued before a stop played first at the next play.
#[test]
fn a_fill_queued_before_a_stop_is_dropped() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove");
    let mut o = object(true);
    send(&mut o, 0.0, &format!("load {}", models.display()));
    send(&mut o, 0.0, "seed 3");
    send(&mut o, 0.0, "generate");
    let mut first = send(&mut o, 0.0, "play");
    first.extend(run(&mut o, 0.0, 3999.0));
    send(&mut o, 4500.0, "fill");
    send(&mut o, 5000.0, "stop");
    let mut again = send(&mut o, 10_000.0, "play");
    again.extend(run(&mut o, 10_000.0, 13_999.0));
    let rel = |v: &[Output], t0: f64| -> Vec<(i64, u8, u8)> {
        note_ons(v)
            .iter()
            .filter(|n| n.0 >= t0 - 62.5 && n.0 < t0 + 4000.0 - 62.5)
            .map(|n| (((n.0 - t0) * 100.0).round() as i64, n.1, n.2))
            .collect()
    };
    assert_eq!(
        rel(&again, 10_000.0),
        rel(&first, 0.0),
        "the loop, not the fill"
    );
}

/// The model library without a trainer (this crate has none; the hosts install one): `train`
/// says so and changes nothing, `cancel` with nothing training does nothing, `models` lists
/// the library's whole models (none before it is made), `load NAME` finds one by its name.
#[test]
fn the_library_lists_and_loads_and_train_needs_a_trainer() {
    let dir = std::env::temp_dir().join(format!("bm-groove-lib-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut o = object(true);
    let e = o.message(0.0, "models", &[]).unwrap_err().to_string();
    assert!(e.contains("no model library yet"), "{e}");
    send(&mut o, 0.0, &format!("library {}", dir.display()));
    let info = |v: &[Output], sel: &str| -> Vec<Vec<Atom>> {
        v.iter()
            .filter_map(|x| match x {
                Output::Info(s, a) if s == sel => Some(a.clone()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(info(&send(&mut o, 0.0, "models"), "models"), vec![vec![]]);
    let e = o
        .message(0.0, "train", &atoms("loops"))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("train: ") && e.contains("no trainer"), "{e}");
    assert!(send(&mut o, 0.0, "cancel").is_empty());
    // a model in the library (the bundled one, copied) is listed and loaded by its name
    let bundled = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove");
    let mine = dir.join("mine");
    std::fs::create_dir_all(&mine).unwrap();
    for e in std::fs::read_dir(&bundled).unwrap() {
        let f = e.unwrap().path();
        if f.is_file() {
            std::fs::copy(&f, mine.join(f.file_name().unwrap())).unwrap();
        }
    }
    std::fs::create_dir_all(dir.join(".half.tmp-1")).unwrap();
    let names = info(&send(&mut o, 0.0, "models"), "models");
    assert_eq!(names, vec![vec![Atom::sym("mine")]]);
    assert_eq!(o.find("load", "mine"), Some(mine.clone()));
    assert_eq!(o.find("dataset", "mine"), None);
    assert_eq!(o.find("load", "../mine"), None);
    assert_eq!(o.find("load", "none"), None);
    let out = send(&mut o, 0.0, &format!("load {}", mine.display()));
    assert_eq!(info(&out, "loaded"), vec![vec![Atom::sym("groove")]]);
    // a library that is a file is refused, and the one before is kept
    let file = dir.join("a-file");
    std::fs::write(&file, b"x").unwrap();
    let out = send(&mut o, 0.0, &format!("library {}", file.display()));
    assert!(
        out.iter()
            .any(|x| matches!(x, Output::Error(e) if e.contains("not a folder"))),
        "{out:?}"
    );
    assert_eq!(o.find("load", "mine"), Some(mine.clone()));
    let _ = std::fs::remove_dir_all(&dir);
}
