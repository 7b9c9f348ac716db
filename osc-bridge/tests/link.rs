//! Ableton Link (`--link`, the cargo feature `link`): two daemons in one Link session agree on
//! the beat phase and the tempo, start and stop each other, and a daemon's loop starts on the
//! Link bar of another Link app. In real time, on this machine's network (Link peers find
//! each other by multicast); `examples/link_phase.rs` runs the phase measurement for minutes
//! (docs/benchmarks.md).

#![cfg(feature = "link")]

mod link_pair;

use std::time::{Duration, Instant};

use bandmate_osc::link::Link;
use link_pair::{Node, Pair, Worst};
use rosc::OscType;

const SEC: Duration = Duration::from_secs(1);

/// Every Link peer on this machine is in one session: the tests take turns.
fn one_session_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn groove_plays(n: &Node) -> bool {
    n.d.object("groove").unwrap().is_playing()
}

/// Run until `ok` holds (or `timeout`): how long it took.
fn until(p: &mut Pair, timeout: Duration, ok: impl Fn(&Pair) -> bool) -> Option<Duration> {
    let start = Instant::now();
    let mut took = None;
    while start.elapsed() < timeout {
        p.run(Duration::from_millis(1), |_| {});
        if ok(p) {
            took = Some(start.elapsed());
            break;
        }
    }
    took
}

#[test]
fn two_daemons_share_phase_tempo_start_and_stop() {
    let _turn = one_session_at_a_time();
    let mut p = Pair::new(4.0, 10 * SEC);
    // A performer starts A's groove: B's starts with it (start/stop sync).
    p.a.send("/bandmate/groove/play", vec![]);
    let started = until(&mut p, 5 * SEC, |p| groove_plays(&p.b));
    assert!(started.is_some(), "B's groove did not start with A's");
    // Both have a loop and have settled into the session's phase.
    p.run(3 * SEC, |_| {});
    assert!(p.gap_now().is_some(), "both grooves play");

    let mut grooves = Worst::default();
    let mut sessions = Worst::default();
    p.run(6 * SEC, |p| {
        grooves.add(p.gap_now().expect("both grooves play"));
        sessions.add(p.link_gap_now());
    });
    eprintln!(
        "link: the grooves' beats {:.3} ms apart at most ({:.3} ms on average, {} samples); the Link sessions' phases {:.3} ms",
        grooves.max_abs,
        grooves.mean_abs(),
        grooves.n,
        sessions.max_abs
    );
    assert!(grooves.n > 500, "{} samples", grooves.n);
    assert!(grooves.max_abs <= 1.0, "{grooves:?}");

    // A tempo change on A reaches B: its Link peer, then its groove.
    let old = p.b.link_tempo();
    assert!((old - 132.0).abs() > 1.0, "{old}");
    p.a.send("/bandmate/groove/tempo", vec![OscType::Float(132.0)]);
    // (Link sends a tempo as microseconds a beat: 132.000132 arrives)
    let took = until(&mut p, 2 * SEC, |p| (p.b.link_tempo() - 132.0).abs() < 1e-3)
        .expect("B's Link peer took A's tempo within 2 s");
    eprintln!(
        "link: A's tempo reached B's Link peer after {:.1} ms",
        took.as_secs_f64() * 1000.0
    );
    let groove_bpm = |n: &Node| {
        let (_, step_ms) = n.groove_at(Instant::now()).unwrap();
        60_000.0 / step_ms / 4.0
    };
    // B had played its lookahead (50 ms) and Link's delivery at the old tempo: its groove
    // makes that up over a bar or two (the core's phase catch-up, as with Live's transport),
    // then the two agree again.
    let mut settling = Worst::default();
    p.run(4 * SEC, |p| settling.add(p.gap_now().unwrap()));
    let bpm = groove_bpm(&p.b);
    assert!(
        (bpm - 132.0).abs() < 132.0 * 0.01,
        "B's groove plays at {bpm}"
    );
    let mut after = Worst::default();
    p.run(3 * SEC, |p| after.add(p.gap_now().unwrap()));
    eprintln!(
        "link: after the tempo change, {:.3} ms apart at most while B caught up (4 s), then {:.3} ms",
        settling.max_abs, after.max_abs
    );
    assert!(settling.max_abs <= 20.0, "{settling:?}");
    assert!(after.max_abs <= 1.0, "{after:?}");

    // B's performer stops the last thing B plays: the session stops, and A with it.
    p.b.send("/bandmate/groove/stop", vec![]);
    let stopped = until(&mut p, 2 * SEC, |p| !groove_plays(&p.a));
    assert!(stopped.is_some(), "A's groove did not stop with B's");
}

#[test]
fn the_groove_loop_starts_on_the_bar_of_another_link_app() {
    let _turn = one_session_at_a_time();
    // Another Link app (a bare peer here, as Live would be) plays at 100 BPM.
    let clock = bandmate_osc::codec::Clock::new();
    let mut app = Link::join(100.0, 4.0).unwrap();
    let mut node = Node::new(4.0);
    let end = Instant::now() + 10 * SEC;
    while node.peers() == 0 || app.peers() == 0 {
        assert!(
            Instant::now() < end,
            "the Link peers did not find each other"
        );
        node.tick();
        std::thread::sleep(Duration::from_millis(5));
    }
    // Its performer sets 100 BPM (which of two peers' tempos a new session keeps is Link's
    // choice).
    app.set_tempo(&clock, clock.now_ms(), 100.0);
    while (node.link_tempo() - 100.0).abs() > 1e-3 {
        assert!(
            Instant::now() < end,
            "the daemon did not take the app's tempo"
        );
        node.tick();
        std::thread::sleep(Duration::from_millis(5));
    }
    // The app is in the session and its transport is stopped; the performer starts the
    // groove mid-bar: it joins the session's bar.
    node.tick();
    app.capture();
    let now = clock.now_ms();
    let phase = app.phase(&clock, now);
    eprintln!("link: the groove started {phase:.2} beats into the app's bar");
    node.send("/bandmate/groove/play", vec![]);
    let mut tops = Vec::new();
    let end = Instant::now() + 6 * SEC;
    while Instant::now() < end {
        node.tick();
        let t = Instant::now();
        if let Some((pos, step_ms)) = node.groove_at(t) {
            // when the loop's top (step 0 of its 32) last came, on the app's clock
            let since = pos.rem_euclid(32.0) * step_ms;
            let top = clock.ms_at(t) - since;
            if tops.last().is_none_or(|&l: &f64| top - l > 100.0) {
                tops.push(top);
            }
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    app.capture();
    assert!(
        app.is_playing(),
        "the app's transport started with the groove (start/stop sync)"
    );
    let (_, step_ms) = node.groove_at(Instant::now()).unwrap();
    let bpm = 60_000.0 / step_ms / 4.0;
    assert!(
        (bpm - 100.0).abs() < 1.0,
        "the groove plays at {bpm}, not the session's tempo"
    );
    assert!(tops.len() >= 2, "{tops:?}");
    // Every top of the loop on the app's bar line (its phase 0), within 1 ms.
    let beat_ms = 60_000.0 / 100.0;
    for &top in &tops[1..] {
        let ph = app.phase(&clock, top);
        let off = ph.min(4.0 - ph) * beat_ms;
        assert!(
            off <= 1.0,
            "a loop top {off:.3} ms off the app's bar (phase {ph})"
        );
    }
}

#[test]
fn bad_input_is_refused_and_the_set_plays_on() {
    let _turn = one_session_at_a_time();
    let mut node = Node::new(4.0);
    node.send("/bandmate/groove/play", vec![]);
    for _ in 0..100 {
        node.tick();
        std::thread::sleep(Duration::from_millis(5));
    }
    let replies = node.send("/bandmate/groove/tempo", vec![OscType::Float(9000.0)]);
    assert!(
        replies.iter().any(|(a, args)| a == "/bandmate/error"
            && matches!(&args[1], OscType::String(t) if t.contains("tempo"))),
        "{replies:?}"
    );
    node.tick();
    assert!(groove_plays(&node));
    let status = node.send("/bandmate/status", vec![]);
    let line = status
        .iter()
        .find(|(a, args)| a == "/bandmate/status" && args[0] == OscType::String("link".into()))
        .expect("a link status line");
    assert_eq!(line.1[1], OscType::String("on".into()), "{line:?}");
    assert_eq!(line.1[4], OscType::Int(1), "playing: {line:?}");
}
