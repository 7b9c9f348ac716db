//! Scenes (issue 24, item 4), with the real daemon and the bundled model: a scene saved, the
//! daemon restarted, the scene recalled: the same loop plays note for note, with its gestures,
//! its slot and the slot's gain; a missing or corrupt scene is refused and the set plays on.

mod common;

use std::cell::Cell;
use std::time::Duration;

use rosc::OscType;

use common::*;

type Lines = Vec<(String, Vec<OscType>)>;

/// The loop as the daemon reports it: each voice's velocities and offsets.
fn the_loop(got: &Lines) -> Lines {
    got.iter()
        .filter(|(a, _)| a == "/bandmate/groove/loop" || a == "/bandmate/groove/offset")
        .cloned()
        .collect()
}

/// Messages until the 9th offset line of a loop (or an error).
fn until_loop(c: &Client) -> Lines {
    let offsets = Cell::new(0);
    c.until(Duration::from_secs(30), |a, _| {
        if a == "/bandmate/groove/offset" {
            offsets.set(offsets.get() + 1);
        }
        offsets.get() == 9 || a == "/bandmate/error"
    })
    .expect("a loop")
}

/// The notes that arrive within `window`, as (note, velocity), in order.
fn notes(c: &Client, window: Duration) -> Vec<(i32, i32)> {
    c.collect(window)
        .into_iter()
        .filter_map(|(a, args)| match (a.as_str(), args.as_slice()) {
            ("/bandmate/groove/note", [OscType::Int(n), OscType::Int(vel), ..]) => Some((*n, *vel)),
            _ => None,
        })
        .collect()
}

fn subscribed(d: &Daemon) -> Client {
    let c = Client::new(d.udp);
    let r = c.ask("/bandmate/subscribe", vec![], "/bandmate/subscribe");
    assert_eq!(r.last().unwrap().0, "/bandmate/subscribe", "{r:?}");
    c
}

fn status_line(c: &Client, key: &str) -> Vec<OscType> {
    c.status()
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no status line {key}"))
}

#[test]
fn a_scene_survives_a_restart_note_for_note_and_bad_scenes_change_nothing() {
    let scenes = TempDir::new("scenes");
    let dir = scenes.path().to_str().unwrap().to_string();
    let (saved_loop, saved_gestures) = {
        let d = Daemon::start(&["--scenes", &dir]);
        let c = subscribed(&d);
        for (addr, args) in [
            ("/bandmate/groove/tempo", vec![f(100.0)]),
            ("/bandmate/groove/swing", vec![f(58.0)]),
            ("/bandmate/groove/style", vec![s("funk")]),
            ("/bandmate/groove/seed", vec![i(7)]),
        ] {
            c.ask(addr, args, addr);
        }
        c.send("/bandmate/groove/generate", vec![]);
        let generated = until_loop(&c);
        let saved_loop = the_loop(&generated);
        assert_eq!(saved_loop.len(), 18, "{generated:?}");
        let r = c.ask("/bandmate/groove/render", vec![], "/bandmate/frag/slot");
        assert_eq!(r.last().unwrap().0, "/bandmate/frag/slot", "{r:?}");
        c.ask(
            "/bandmate/frag/gain",
            vec![i(1), f(0.5)],
            "/bandmate/frag/gain",
        );
        c.ask("/bandmate/groove/play", vec![], "/bandmate/groove/play");
        let r = c.ask("/bandmate/scene", vec![s("save"), i(1)], "/bandmate/scene");
        let (a, args) = r.last().unwrap();
        assert_eq!(a, "/bandmate/scene", "{r:?}");
        assert_eq!(args[..2], [s("saved"), i(1)], "{r:?}");
        let gestures = status_line(&c, "gestures");
        (saved_loop, gestures)
        // the daemon ends here
    };
    assert!(scenes.path().join("scene-1.json").is_file());
    assert!(scenes.path().join("scene-1-slot-01.wav").is_file());

    let mut d = Daemon::start(&["--scenes", &dir]);
    let c = subscribed(&d);
    // nothing of the first daemon is left: a loop of its own first, another tempo
    c.ask(
        "/bandmate/groove/seed",
        vec![i(99)],
        "/bandmate/groove/seed",
    );
    c.send("/bandmate/groove/generate", vec![]);
    let other = the_loop(&until_loop(&c));
    assert_ne!(other, saved_loop);

    // a missing scene, a corrupt one: refused, and what was there stays and plays on
    c.ask("/bandmate/groove/play", vec![], "/bandmate/groove/play");
    let seed_before = status_line(&c, "seed");
    let r = c.ask(
        "/bandmate/scene",
        vec![s("recall"), i(9)],
        "/bandmate/scene",
    );
    let (a, args) = r.last().unwrap();
    assert_eq!(a, "/bandmate/error", "{r:?}");
    assert!(
        matches!(&args[1], OscType::String(t) if t.contains("scene 9 does not exist")),
        "{r:?}"
    );
    let text = std::fs::read_to_string(scenes.path().join("scene-1.json")).unwrap();
    let broken = text.replacen("\"swing\"", "\"swung\"", 1);
    assert_ne!(broken, text);
    std::fs::write(scenes.path().join("scene-2.json"), broken).unwrap();
    let r = c.ask(
        "/bandmate/scene",
        vec![s("recall"), i(2)],
        "/bandmate/scene",
    );
    let (a, args) = r.last().unwrap();
    assert_eq!(a, "/bandmate/error", "{r:?}");
    assert!(
        matches!(&args[1], OscType::String(t) if t.contains("scene 2") && t.contains("swung")),
        "{r:?}"
    );
    // a scene whose state names folders outside those the daemon may read: refused whole
    for (object, key) in [("groove", "model"), ("groove", "kit"), ("looper", "corpus")] {
        let mut scene: serde_json::Value = serde_json::from_str(&text).unwrap();
        scene["objects"][object]["state"][key] = serde_json::json!("/etc");
        std::fs::write(scenes.path().join("scene-3.json"), scene.to_string()).unwrap();
        let r = c.ask(
            "/bandmate/scene",
            vec![s("recall"), i(3)],
            "/bandmate/scene",
        );
        let (a, args) = r.last().unwrap();
        assert_eq!(a, "/bandmate/error", "{object} {key}: {r:?}");
        assert!(
            matches!(&args[1], OscType::String(t) if t.contains("scene 3") && t.contains("'/etc' is outside")),
            "{r:?}"
        );
    }
    assert_eq!(status_line(&c, "seed"), seed_before, "nothing recalled");
    let heard = c.collect(Duration::from_millis(1500));
    let ons = heard
        .iter()
        .filter(|(a, args)| a == "/bandmate/groove/note" && args.get(1) != Some(&i(0)))
        .count();
    assert!(
        ons >= 4,
        "the set plays on after the refusals: {ons} notes in 1.5 s"
    );
    assert!(
        the_loop(&heard).is_empty(),
        "no loop of the refused scenes arrived: {heard:?}"
    );
    assert!(d.alive());
    c.ask("/bandmate/groove/stop", vec![], "/bandmate/groove/stop");

    // the scene: the same loop, its gestures, its slot and gain, and it plays
    c.send("/bandmate/scene", vec![s("recall"), i(1)]);
    let recalled = until_loop(&c);
    assert_eq!(the_loop(&recalled), saved_loop, "the same loop");
    assert!(
        recalled
            .iter()
            .any(|(a, args)| a == "/bandmate/scene" && args[..2] == [s("recalled"), i(1)]),
        "{recalled:?}"
    );
    let played = notes(&c, Duration::from_millis(2500));
    assert_eq!(status_line(&c, "gestures"), saved_gestures);
    // slot 1 holds the render again, at gain 0.5
    let r = c.ask("/bandmate/frag/dump", vec![], "/bandmate/frag/slot");
    let (_, slot1) = r
        .iter()
        .rev()
        .find(|(a, _)| a == "/bandmate/frag/slot")
        .unwrap();
    assert!(slot1[2] != f(0.0) && slot1[2] != i(0), "filled: {slot1:?}");
    assert_eq!(slot1[5], f(0.5), "{slot1:?}");
    let hits: usize = saved_loop
        .iter()
        .filter(|(a, _)| a == "/bandmate/groove/loop")
        .map(|(_, v)| {
            v.iter()
                .filter(|x| matches!(x, OscType::Float(v) if *v > 0.0))
                .count()
        })
        .sum();
    let ons = played.iter().filter(|n| n.1 > 0).count();
    // two bars at 100 BPM last 4.8 s: about half the loop's hits in 2.5 s
    assert!(ons * 4 >= hits && hits > 0, "{ons} notes of {hits} hits");
}

/// A scene recalled while the groove plays keeps the groove's phase: no restart from the top
/// at the recall; the scene's loop takes over at the running loop's boundary (found by a
/// performer's trial: recall sent 'play', which starts from the top). In process, in
/// simulated time.
#[test]
fn a_recall_while_playing_keeps_the_phase_and_switches_at_the_boundary() {
    use bandmate_core::objects::GrooveObject;
    use bandmate_osc::codec::{self, Clock};
    use bandmate_osc::daemon::Settings;
    use bandmate_osc::{Daemon, Peer};
    let dir = TempDir::new("scenes-phase");
    let settings = Settings {
        scene_dir: dir.path().to_path_buf(),
        ..Settings::in_process(vec!["127.0.0.1:9".parse().unwrap()])
    };
    let mut d = Daemon::new(settings, Clock::new(), Default::default()).unwrap();
    let from = Peer::Udp("127.0.0.1:7".parse().unwrap());
    let send = |d: &mut Daemon, t: f64, addr: &str, args: Vec<OscType>| {
        d.handle_packet(t, from, &codec::message(addr, args));
        d.take_outgoing()
    };
    let wait_loop = |d: &mut Daemon, t: f64| {
        for _ in 0..500 {
            d.tick(t);
            let g = d.object("groove").unwrap();
            if g.pending() == 0 && !d.scenes_pending() {
                return;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        panic!("no loop");
    };
    send(&mut d, 0.0, "/bandmate/groove/seed", vec![i(1)]);
    send(&mut d, 0.0, "/bandmate/groove/generate", vec![]);
    wait_loop(&mut d, 0.0);
    send(&mut d, 0.0, "/bandmate/groove/play", vec![]);
    let mut t = 0.0;
    let mut until = |d: &mut Daemon, end: f64| {
        while t < end {
            t += 5.0;
            d.tick(t);
        }
    };
    until(&mut d, 500.0);
    // saved while playing: recalled, it plays (and what plays already goes on)
    send(&mut d, 500.0, "/bandmate/scene", vec![s("save"), i(1)]);
    // (the scene file is written on the daemon's scene worker)
    wait_loop(&mut d, 500.0);
    assert!(dir.path().join("scene-1.json").is_file());
    send(&mut d, 500.0, "/bandmate/groove/seed", vec![i(2)]);
    send(&mut d, 500.0, "/bandmate/groove/generate", vec![]);
    wait_loop(&mut d, 500.0);
    until(&mut d, 1000.0);
    send(&mut d, 1000.0, "/bandmate/scene", vec![s("recall"), i(1)]);
    // the scene is read on the worker, then the groove's loop made on its own
    wait_loop(&mut d, 1000.0);
    wait_loop(&mut d, 1000.0);
    let g = d
        .object("groove")
        .unwrap()
        .as_any()
        .downcast_ref::<GrooveObject>()
        .unwrap();
    // 120 BPM: 125 ms a step; the playhead goes on from where it was (the daemon plays 50 ms
    // ahead: the object's clock is at 1050)
    let step = g.player().position_in_loop(1050.0);
    assert!(
        (step - 8.0).abs() < 0.01,
        "the playhead restarted: step {step}"
    );
    assert_eq!(g.player().cycle(), 0);
    assert!(
        g.player().has_queued(),
        "the scene's loop waits for the boundary"
    );
}
