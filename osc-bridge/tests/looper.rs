//! The looper (`/bandmate/looper/...`, `bandmate.looper`) in the daemon.
//!
//! - In process, on a virtual clock (the daemon is a state machine: time is what it is told):
//!   a corpus from a copy of the example loops, live notes, a seed, play; the notes arrive as
//!   bundles of `/bandmate/looper/note KEY VELOCITY 10` time-tagged with each note's place in
//!   the segment playing, segment after segment as `playing`/`queued` said; refusals (blocking,
//!   a path outside, bad arguments) and the looper plays on; the labels and the status.
//! - In process in real time with a recording MIDI sink: the looper's notes go out on their
//!   own channel, the groove's on the port's.
//! - The real `bandmated` with liblo's `oscsend` and `oscdump`: corpus, notes, seed, play, and
//!   the note bundles reach a subscriber.

mod common;

use bandmate_core::objects::Object;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bandmate_core::looper::{BuildOptions, Corpus, EmbedderChoice};
use bandmate_osc::codec::{self, Clock};
use bandmate_osc::daemon::{Counters, Outgoing, Settings};
use bandmate_osc::midi::{MidiSink, Recorder};
use bandmate_osc::{Daemon, Peer, Target};
use common::Daemon as Bandmated;
use common::*;
use rosc::{OscPacket, OscType};

const SEC: Duration = Duration::from_secs(1);
const LOOKAHEAD: f64 = 100.0;

/// A copy of the example corpus (patches/pd/loops) in a fresh folder: the looper writes its
/// corpus file there.
fn example_corpus(tag: &str) -> TempDir {
    let t = TempDir::new(tag);
    let src = workspace().join("patches/pd/loops");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "mid") {
            std::fs::copy(&p, t.path().join(p.file_name().unwrap())).unwrap();
        }
    }
    t
}

/// The corpus the daemon builds from those files, built here from another copy: the same
/// files give the same segments in the same order.
fn reference_corpus() -> (TempDir, Corpus) {
    let t = example_corpus("looper-ref");
    let opts = BuildOptions {
        embedder: EmbedderChoice::Handcrafted,
        model_dirs: Vec::new(),
        roots: None,
    };
    let (c, _) = Corpus::open(t.path(), &opts).unwrap();
    (t, c)
}

fn canon(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap()
}

fn settings(roots: Vec<PathBuf>, subscribe: Vec<SocketAddr>, lookahead_ms: f64) -> Settings {
    Settings {
        lookahead_ms,
        roots,
        ..Settings::in_process(subscribe)
    }
}

const ASKER: &str = "127.0.0.1:7";
const SUBSCRIBER: &str = "127.0.0.1:9";

/// One message the daemon sent: to whom, its bundle's time tag (ms on the daemon's clock),
/// address, arguments.
#[derive(Debug, Clone)]
struct Sent {
    to: Target,
    /// The virtual time it was sent at.
    made: f64,
    at: Option<f64>,
    addr: String,
    args: Vec<OscType>,
}

fn int(a: &OscType) -> i64 {
    match a {
        OscType::Int(i) => i64::from(*i),
        OscType::Float(x) if x.fract() == 0.0 => *x as i64,
        other => panic!("not a whole number: {other:?}"),
    }
}

fn num(a: &OscType) -> f64 {
    match a {
        OscType::Int(i) => f64::from(*i),
        OscType::Float(x) => f64::from(*x),
        other => panic!("not a number: {other:?}"),
    }
}

fn text(a: &OscType) -> &str {
    match a {
        OscType::String(s) => s,
        other => panic!("not a string: {other:?}"),
    }
}

/// The daemon's looper object.
fn looper(d: &Daemon) -> &bandmate_core::objects::LooperObject {
    d.object("looper")
        .and_then(|o| o.as_any().downcast_ref())
        .expect("the daemon serves the looper")
}

/// A daemon in process on a virtual clock: `now` moves only when told. The looper's worker
/// runs in real time, so waits for its answers sleep a little between ticks.
struct Sim {
    d: Daemon,
    clock: Clock,
    now: f64,
    from: Peer,
    sent: Vec<Sent>,
}

impl Sim {
    fn new(roots: Vec<PathBuf>) -> Sim {
        let clock = Clock::new();
        let d = Daemon::new(
            settings(roots, vec![SUBSCRIBER.parse().unwrap()], LOOKAHEAD),
            clock,
            Arc::new(Counters::default()),
        )
        .unwrap();
        let mut sim = Sim {
            d,
            clock,
            now: 0.0,
            from: Peer::Udp(ASKER.parse().unwrap()),
            sent: Vec::new(),
        };
        sim.collect();
        sim
    }

    fn collect(&mut self) {
        for Outgoing { to, bytes } in self.d.take_outgoing() {
            match rosc::decoder::decode_udp(&bytes)
                .expect("the daemon sends OSC")
                .1
            {
                OscPacket::Message(m) => self.sent.push(Sent {
                    to,
                    made: self.now,
                    at: None,
                    addr: m.addr,
                    args: m.args,
                }),
                OscPacket::Bundle(b) => {
                    let at = self.clock.ms_of(b.timetag);
                    for p in b.content {
                        if let OscPacket::Message(m) = p {
                            self.sent.push(Sent {
                                to,
                                made: self.now,
                                at: Some(at),
                                addr: m.addr,
                                args: m.args,
                            });
                        }
                    }
                }
            }
        }
    }

    /// Send at the current time; returns what came out of it.
    fn send(&mut self, addr: &str, args: Vec<OscType>) -> Vec<Sent> {
        let n = self.sent.len();
        self.d
            .handle_packet(self.now, self.from, &codec::message(addr, args));
        self.collect();
        self.sent[n..].to_vec()
    }

    /// Tick (at the same virtual time) until a message on `addr` goes out, or panic.
    fn wait_for(&mut self, addr: &str) -> Vec<Sent> {
        let n = self.sent.len();
        let end = Instant::now() + 20 * SEC;
        while Instant::now() < end {
            self.d.tick(self.now);
            self.collect();
            if self.sent[n..].iter().any(|s| s.addr == addr) {
                return self.sent[n..].to_vec();
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        panic!(
            "no {addr} within 20 s; sent: {:#?}",
            &self.sent[n.max(self.sent.len().saturating_sub(10))..]
        );
    }

    /// Run the virtual clock to `to` as the engine does: ticking only when `next_wake` says
    /// (every 5 ms while the looper's worker is busy), with a little real time per step for
    /// the worker to answer.
    fn run_to(&mut self, to: f64) -> Vec<Sent> {
        let n = self.sent.len();
        while self.now < to {
            self.d.tick(self.now);
            self.collect();
            let wake = self.d.next_wake(self.now).unwrap_or(to);
            self.now = wake.max(self.now + 0.01).min(to);
            std::thread::sleep(Duration::from_micros(200));
        }
        self.d.tick(self.now);
        self.collect();
        self.sent[n..].to_vec()
    }
}

fn to_asker(v: &[Sent], addr: &str) -> Vec<Sent> {
    let asker = Target::Udp(ASKER.parse().unwrap());
    v.iter()
        .filter(|s| s.to == asker && s.addr == addr)
        .cloned()
        .collect()
}

fn to_subscriber(v: &[Sent], addr: &str) -> Vec<Sent> {
    let sub = Target::Udp(SUBSCRIBER.parse().unwrap());
    v.iter()
        .filter(|s| s.to == sub && s.addr == addr)
        .cloned()
        .collect()
}

fn f(x: f32) -> OscType {
    OscType::Float(x)
}
fn i(x: i32) -> OscType {
    OscType::Int(x)
}
fn s(x: &str) -> OscType {
    OscType::String(x.into())
}

/// A kick-snare figure with an eighth-note hat, played in (each note at its own time), then
/// `seed`: returns the seeded segment (from 1).
fn play_in_and_seed(sim: &mut Sim) -> i64 {
    let t0 = sim.now;
    for k in 0..16 {
        let key = match k % 4 {
            0 => 36,
            2 => 38,
            _ => 42,
        };
        sim.now = t0 + f64::from(k) * 300.0;
        let got = sim.send("/bandmate/looper/note", vec![i(key), i(100), i(10)]);
        let heard = to_asker(&got, "/bandmate/looper/heard");
        assert_eq!(heard.len(), 1, "{got:?}");
        assert_eq!(heard[0].args, vec![i(key), i(100), i(10)]);
        assert!(
            to_subscriber(&got, "/bandmate/looper/note").is_empty(),
            "a live note is not echoed where the looper's notes go"
        );
        sim.now += 100.0;
        sim.send("/bandmate/looper/note", vec![i(key), i(0), i(10)]);
    }
    sim.now = t0 + 5000.0;
    sim.send("/bandmate/looper/seed", vec![]);
    let got = sim.wait_for("/bandmate/looper/seeded");
    let seeded = to_asker(&got, "/bandmate/looper/seeded");
    assert_eq!(seeded.len(), 1, "{got:?}");
    int(&seeded[0].args[0])
}

/// A daemon with the example corpus loaded (tempo 100, random 7).
fn loaded(tag: &str) -> (TempDir, Sim) {
    let dir = example_corpus(tag);
    let mut sim = Sim::new(vec![canon(dir.path())]);
    for (a, v) in [
        ("/bandmate/looper/tempo", f(100.0)),
        ("/bandmate/looper/random", i(7)),
    ] {
        let got = sim.send(a, vec![v]);
        assert_eq!(to_asker(&got, a).len(), 1, "{a}: {got:?}");
    }
    let got = sim.send(
        "/bandmate/looper/corpus",
        vec![s(&dir.path().display().to_string())],
    );
    assert!(
        to_asker(&got, "/bandmate/error").is_empty(),
        "corpus: {got:?}"
    );
    let loading = to_asker(&got, "/bandmate/looper/loading");
    assert_eq!(
        loading[0].args,
        vec![s(&canon(dir.path()).display().to_string())],
        "the folder is being read: {got:?}"
    );
    assert!(to_asker(&got, "/bandmate/looper/corpus").is_empty());
    let got = sim.wait_for("/bandmate/looper/corpus");
    let c = to_asker(&got, "/bandmate/looper/corpus");
    assert_eq!(c.len(), 1, "the asker hears the corpus is ready: {got:?}");
    assert_eq!(
        to_subscriber(&got, "/bandmate/looper/corpus").len(),
        1,
        "and so do the subscribers"
    );
    let n = looper(&sim.d).corpus().expect("a corpus").len();
    assert!(n >= 12, "4 beats cut into 2-bar segments: {n}");
    assert_eq!(int(&c[0].args[0]), n as i64);
    assert_eq!(int(&c[0].args[1]), 4, "4 files");
    assert!(
        dir.path().join(".bandmate-corpus").is_file(),
        "the corpus file is kept beside the loops"
    );
    (dir, sim)
}

#[test]
fn a_seeded_corpus_plays_as_bundles_on_channel_10_in_time_with_its_segments() {
    let (_dir, mut sim) = loaded("looper-play");
    let corpus = looper(&sim.d).corpus().unwrap().clone();
    let seeded = play_in_and_seed(&mut sim);
    assert!((1..=corpus.len() as i64).contains(&seeded));

    sim.now += 20.0;
    let play_at = sim.now;
    let got = sim.send("/bandmate/looper/play", vec![]);
    let first = to_asker(&got, "/bandmate/looper/playing");
    assert_eq!(first.len(), 1, "play answers what plays: {got:?}");
    assert_eq!(int(&first[0].args[0]), seeded, "the seeded segment plays");
    let beats = num(&first[0].args[2]);
    assert_eq!(beats, corpus.segments()[seeded as usize - 1].beats);

    let v = sim.run_to(play_at + 40_000.0);
    let all: Vec<Sent> = got.iter().chain(&v).cloned().collect();
    assert!(
        to_subscriber(&all, "/bandmate/error").is_empty(),
        "{:?}",
        to_subscriber(&all, "/bandmate/error")
    );
    // What plays is what was queued (the first line answered play).
    let mut order = vec![seeded];
    let mut queued = None;
    let sub = Target::Udp(SUBSCRIBER.parse().unwrap());
    for m in all
        .iter()
        .filter(|m| {
            m.to == sub
                && (m.addr == "/bandmate/looper/playing" || m.addr == "/bandmate/looper/queued")
        })
        .skip_while(|m| m.addr != "/bandmate/looper/playing")
        .skip(1)
    {
        if m.addr == "/bandmate/looper/queued" {
            queued = Some(int(&m.args[0]));
        } else {
            assert_eq!(Some(int(&m.args[0])), queued, "what plays was queued");
            order.push(int(&m.args[0]));
            queued = None;
        }
    }
    assert!(order.len() >= 6, "segment after segment: {order:?}");

    // Every note: a bundle of /bandmate/looper/note KEY VELOCITY 10 to the subscriber, at the
    // time of the segment's note, the first segment from one lookahead after play.
    let notes = to_subscriber(&all, "/bandmate/looper/note");
    assert!(
        notes.iter().all(|n| n.at.is_some()),
        "notes come in bundles"
    );
    for n in &notes {
        assert_eq!(n.args.len(), 3, "{n:?}");
        assert_eq!(n.args[2], OscType::Int(10), "drums on channel 10: {n:?}");
    }
    let ons: Vec<(f64, u8, u8)> = notes
        .iter()
        .filter(|n| int(&n.args[1]) > 0)
        .map(|n| (n.at.unwrap(), int(&n.args[0]) as u8, int(&n.args[1]) as u8))
        .collect();
    let mut at = play_at + LOOKAHEAD;
    let mut checked = 0;
    let end_of_run = play_at + 40_000.0;
    for &seg in &order {
        let seg_ref = &corpus.segments()[seg as usize - 1];
        let end = at + seg_ref.beats * 600.0;
        if end > end_of_run {
            break;
        }
        let mut got: Vec<(f64, u8, u8)> = ons
            .iter()
            .filter(|n| n.0 >= at - 1e-3 && n.0 < end - 1e-3)
            .map(|&(t, k, v)| (t - at, k, v))
            .collect();
        got.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut want: Vec<(f64, u8, u8)> = seg_ref
            .notes
            .iter()
            // (drum notes as a General MIDI module plays them, the looper's default)
            .map(|n| {
                let key = bandmate_core::voice::gm_drum_note(n.key);
                (n.beat * 600.0, key, n.velocity)
            })
            .collect();
        want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        assert!(seg_ref.notes.iter().all(|n| n.channel == 9));
        assert_eq!(got.len(), want.len(), "segment {seg} at {at}");
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g.0 - w.0).abs() < 1e-3 && (g.1, g.2) == (w.1, w.2),
                "segment {seg} at {at}: {g:?} vs {w:?}"
            );
        }
        checked += 1;
        at = end;
    }
    assert!(checked >= 5, "{checked} segments checked");
    // Each note is handed out one lookahead ahead of its time (the daemon wakes for the
    // looper's notes), never later, never past the horizon.
    for n in &notes {
        let ahead = n.at.unwrap() - n.made;
        assert!(
            (LOOKAHEAD - 5.0 - 1e-3..=LOOKAHEAD + 1e-3).contains(&ahead),
            "a note handed out {ahead} ms ahead: {n:?}"
        );
    }
    eprintln!(
        "{} note-ons over {checked} segments ({order:?}) at their segments' times",
        ons.len()
    );
}

/// One band, one bar line (issue 24): in the daemon with no transport shared, the looper
/// started on its own while the groove plays comes in on the groove's bars, not from its own
/// top at the moment of `play` (found in the audit: a looper started 9 steps into the groove's
/// bar played 9 steps off it). Its segment comes from the worker after the `play`; it starts
/// where the groove is then. A stop and a new `play` join again; alone, it starts at its top.
#[test]
fn a_looper_started_while_the_groove_plays_joins_it_on_its_bars() {
    let (_dir, mut sim) = loaded("looper-join");
    sim.send("/bandmate/groove/seed", vec![i(5)]);
    sim.send("/bandmate/groove/play", vec![]);
    sim.wait_for("/bandmate/groove/loop");
    sim.run_to(1370.0);
    let bar = |sim: &Sim, o: &str| {
        sim.d
            .object(o)
            .and_then(|x| x.playhead(sim.now))
            .map(|p| p.rem_euclid(16.0))
    };
    let groove_at = bar(&sim, "groove").expect("the groove plays");
    assert!(
        groove_at.min(16.0 - groove_at) > 1.0,
        "mid-bar: {groove_at}"
    );
    for round in 0..2 {
        let got = sim.send("/bandmate/looper/play", vec![]);
        if round == 0 {
            // (its first segment comes from the worker)
            assert!(!got.iter().any(|m| m.addr == "/bandmate/looper/playing"));
            sim.wait_for("/bandmate/looper/playing");
        }
        let t = sim.now + 2500.0;
        sim.run_to(t);
        let (g, l) = (bar(&sim, "groove").unwrap(), bar(&sim, "looper").unwrap());
        let off = (g - l).rem_euclid(16.0);
        assert!(
            off.min(16.0 - off) < 1e-6,
            "round {round}: the looper at step {l:.3} of its bar, the groove at {g:.3}"
        );
        sim.send("/bandmate/looper/stop", vec![]);
        let t = sim.now + 730.0;
        sim.run_to(t);
    }
    // the groove stopped: the looper alone starts at its own top
    sim.send("/bandmate/groove/stop", vec![]);
    let t = sim.now + 300.0;
    sim.run_to(t);
    let start = sim.now + LOOKAHEAD;
    sim.send("/bandmate/looper/play", vec![]);
    let t = sim.now + 20.0;
    sim.run_to(t);
    let p = sim
        .d
        .object("looper")
        .unwrap()
        .playhead(sim.now + LOOKAHEAD);
    let step = 60_000.0 / 100.0 / 4.0;
    let want = (sim.now + LOOKAHEAD - start) / step;
    assert!(
        p.is_some_and(|p| (p - want).abs() < 1e-6),
        "alone from its top: {p:?} against {want}"
    );
}

#[test]
fn live_notes_are_placed_when_their_packet_arrived() {
    // `seed 1` looks one second back from the looper's clock, the horizon (now + 100 ms).
    // Notes that arrived at 50 and 60 ms lie outside the second before 1100 ms; placed at the
    // horizon (150, 160 ms) they would lie inside it.
    let (_dir, mut sim) = loaded("looper-arrival");
    let t0 = sim.now;
    for (dt, key, vel) in [
        (50.0, 36, 100),
        (55.0, 36, 0),
        (60.0, 38, 100),
        (65.0, 38, 0),
    ] {
        sim.now = t0 + dt;
        sim.send("/bandmate/looper/note", vec![i(key), i(vel), i(10)]);
    }
    sim.now = t0 + 1000.0;
    let got = sim.send("/bandmate/looper/seed", vec![f(1.0)]);
    let e = to_asker(&got, "/bandmate/error");
    assert_eq!(e.len(), 1, "{got:?}");
    assert!(
        text(&e[0].args[1]).contains("only 0 note(s) played in the last 1 s"),
        "{e:?}"
    );
    // The control: arrived 850 and 860 ms before the seed: inside either way.
    for (dt, key, vel) in [
        (1150.0, 36, 100),
        (1155.0, 36, 0),
        (1160.0, 38, 100),
        (1165.0, 38, 0),
    ] {
        sim.now = t0 + dt;
        sim.send("/bandmate/looper/note", vec![i(key), i(vel), i(10)]);
    }
    sim.now = t0 + 2000.0;
    let got = sim.send("/bandmate/looper/seed", vec![f(1.0)]);
    assert!(to_asker(&got, "/bandmate/error").is_empty(), "{got:?}");
    sim.wait_for("/bandmate/looper/seeded");
}

#[test]
fn refusals_are_answered_and_the_looper_plays_on() {
    let (dir, mut sim) = loaded("looper-refuse");
    sim.send("/bandmate/looper/queue/3", vec![]);
    sim.send("/bandmate/looper/play", vec![]);
    sim.run_to(sim.now + 1000.0);
    let outside = workspace().join("patches/pd/loops");
    let cases: Vec<(&str, Vec<OscType>, &str)> = vec![
        ("/bandmate/looper/blocking", vec![i(1)], "never waits"),
        (
            "/bandmate/looper/corpus",
            vec![s(&outside.display().to_string())],
            "outside the folders",
        ),
        (
            "/bandmate/looper/corpus",
            vec![s(&format!("{}/../../etc", dir.path().display()))],
            "outside the folders",
        ),
        ("/bandmate/looper/note", vec![i(200), i(100)], "0..127"),
        ("/bandmate/looper/note", vec![s("C4"), i(100)], "number"),
        ("/bandmate/looper/queue", vec![i(9999)], "does not exist"),
        ("/bandmate/looper/temperature", vec![f(0.0)], "out of range"),
        (
            "/bandmate/looper/labels",
            vec![s("polka")],
            "no segment is labelled",
        ),
        ("/bandmate/looper/frob", vec![], "/bandmate/looper/queue"),
    ];
    for (addr, args, says) in cases {
        let got = sim.send(addr, args.clone());
        let e = to_asker(&got, "/bandmate/error");
        assert_eq!(e.len(), 1, "{addr} {args:?}: {got:?}");
        assert_eq!(text(&e[0].args[0]), addr);
        assert!(
            text(&e[0].args[1]).contains(says),
            "{addr} {args:?}: {:?}",
            e[0].args[1]
        );
        assert_eq!(
            to_subscriber(&got, "/bandmate/error").len(),
            1,
            "subscribers hear errors too"
        );
        let display = to_subscriber(&got, "/bandmate/display/error");
        assert_eq!(display.len(), 1, "{got:?}");
    }
    // blocking 0 is taken (answered as declared: an int), and the path segment is the
    // queue's argument
    let got = sim.send("/bandmate/looper/blocking", vec![i(0)]);
    assert_eq!(
        to_asker(&got, "/bandmate/looper/blocking")[0].args,
        vec![i(0)]
    );
    let got = sim.send("/bandmate/looper/queue/5", vec![]);
    let q = to_asker(&got, "/bandmate/looper/queued");
    assert_eq!(q.len(), 1, "{got:?}");
    assert_eq!(int(&q[0].args[0]), 5);
    // It still plays: notes keep coming, segment 5 next.
    let v = sim.run_to(sim.now + 6000.0);
    assert!(to_subscriber(&v, "/bandmate/looper/note").len() > 20);
    let playing = to_subscriber(&v, "/bandmate/looper/playing");
    assert_eq!(int(&playing[0].args[0]), 5, "{playing:?}");
    assert!(to_subscriber(&v, "/bandmate/error").is_empty());
    // and the refused blocking left it non-blocking
    let got = sim.send("/bandmate/looper/dump", vec![]);
    assert!(!to_asker(&got, "/bandmate/looper/status").is_empty());
    assert_eq!(looper(&sim.d).attribute("blocking"), Some(0.0));
}

#[test]
fn the_labels_and_the_status_show_what_plays_and_what_is_queued() {
    let (_dir, mut sim) = loaded("looper-labels");
    let segments = looper(&sim.d).corpus().unwrap().len() as i64;
    let label = |v: &[Sent], which: &str| {
        to_subscriber(v, &format!("/bandmate/display/looper/{which}"))
            .last()
            .map(|m| text(&m.args[0]).to_string())
    };
    // Before anything plays: the corpus's size.
    let got = sim.send("/bandmate/looper/hold", vec![i(0)]);
    assert_eq!(
        to_asker(&got, "/bandmate/looper/hold")[0].args,
        vec![i(0)],
        "hold answers its value, an int as declared (a toggle follows it)"
    );
    assert_eq!(
        label(&sim.sent, "playing").as_deref(),
        Some(format!("stopped · {segments} segments").as_str())
    );
    let got = sim.send("/bandmate/looper/queue/3", vec![]);
    let playing = to_asker(&got, "/bandmate/looper/playing");
    assert_eq!(int(&playing[0].args[0]), 3);
    let name = text(&playing[0].args[1]).to_string();
    let beats = num(&playing[0].args[2]);
    sim.send("/bandmate/looper/play", vec![]);
    let v = sim.wait_for("/bandmate/looper/queued");
    let q = to_subscriber(&v, "/bandmate/looper/queued");
    let (qn, qname) = (int(&q[0].args[0]), text(&q[0].args[1]).to_string());
    sim.run_to(sim.now + 10.0);
    assert_eq!(
        label(&sim.sent, "playing").as_deref(),
        Some(format!("3: {name} ({beats} beats)").as_str())
    );
    assert!(name.ends_with(".mid:0") || name.contains(".mid:"), "{name}");
    let queued = label(&sim.sent, "queued").unwrap();
    assert!(
        queued.starts_with(&format!("{qn}: {qname} (")),
        "{queued} vs {q:?}"
    );

    // The status line: corpus size, playing, queued.
    let got = sim.send("/bandmate/status", vec![]);
    let st: Vec<&Sent> = got
        .iter()
        .filter(|m| m.addr == "/bandmate/status" && m.args[0] == s("looper"))
        .collect();
    assert!(!st.is_empty(), "{got:?}");
    assert_eq!(
        st[0].args[1..],
        [i(segments as i32), i(3), i(qn as i32)],
        "{st:?}"
    );

    // A new subscriber gets both labels at once.
    let other = Peer::Udp("127.0.0.1:11".parse().unwrap());
    let n = sim.sent.len();
    sim.d.handle_packet(
        sim.now,
        other,
        &codec::message("/bandmate/subscribe", vec![]),
    );
    sim.collect();
    let to_other: Vec<&Sent> = sim.sent[n..]
        .iter()
        .filter(|m| m.to == other.target())
        .collect();
    for which in ["playing", "queued"] {
        let a = format!("/bandmate/display/looper/{which}");
        assert!(
            to_other.iter().any(|m| m.addr == a),
            "{a} not sent to a new subscriber: {to_other:?}"
        );
    }

    // hold: the queued label says so; next: another segment, then it plays.
    sim.send("/bandmate/looper/hold", vec![i(1)]);
    assert_eq!(
        label(&sim.sent, "queued").as_deref(),
        Some("hold: this one repeats")
    );
    let got = sim.send("/bandmate/looper/next", vec![]);
    assert_eq!(to_asker(&got, "/bandmate/looper/next").len(), 1);
    // held: the move prepared with the last choice is queued at once (a `next` just before
    // the boundary still moves there)
    let q = to_subscriber(&got, "/bandmate/looper/queued");
    assert_eq!(q.len(), 1, "{got:?}");
    assert_ne!(int(&q[0].args[0]), 3, "next is never a repeat");
    // (100 BPM: 600 ms a beat)
    let v = sim.run_to(sim.now + beats * 600.0 + 200.0);
    let p = to_subscriber(&v, "/bandmate/looper/playing");
    assert_eq!(p.len(), 1, "{v:?}");
    assert_eq!(p[0].args[0], q[0].args[0]);

    // stop: the label says what was playing.
    sim.send("/bandmate/looper/stop", vec![]);
    sim.run_to(sim.now + 300.0);
    let l = label(&sim.sent, "playing").unwrap();
    assert!(l.starts_with("stopped · "), "{l}");
}

// ---- MIDI, in real time ----

/// A daemon in process run in real time with a recording MIDI sink on channel `channel`.
struct Live {
    d: Daemon,
    clock: Clock,
    from: Peer,
    out: Vec<Outgoing>,
}

impl Live {
    fn new(roots: Vec<PathBuf>, sink: Box<dyn MidiSink>, channel: u8) -> Live {
        let clock = Clock::new();
        let d = Daemon::new(
            settings(roots, vec![SUBSCRIBER.parse().unwrap()], 100.0),
            clock,
            Arc::new(Counters::default()),
        )
        .unwrap()
        .with_midi(sink, "test", channel)
        .unwrap();
        Live {
            d,
            clock,
            from: Peer::Udp(ASKER.parse().unwrap()),
            out: Vec::new(),
        }
    }

    fn send(&mut self, addr: &str, args: Vec<OscType>) {
        let now = self.clock.now_ms();
        self.d
            .handle_packet(now, self.from, &codec::message(addr, args));
        self.out.extend(self.d.take_outgoing());
    }

    fn run(&mut self, d: Duration) {
        let end = Instant::now() + d;
        while Instant::now() < end {
            let now = self.clock.now_ms();
            self.d.tick(now);
            self.out.extend(self.d.take_outgoing());
            let wait = self
                .d
                .next_wake(now)
                .map_or(5.0, |w| (w - self.clock.now_ms()).clamp(0.0, 5.0));
            std::thread::sleep(Duration::from_secs_f64(wait / 1000.0));
        }
    }

    fn seen(&self, addr: &str) -> bool {
        self.out.iter().any(|o| {
            codec::decode(&o.bytes)
                .map(|v| v.iter().any(|m| m.addr == addr))
                .unwrap_or(false)
        })
    }

    /// Every note bundle of `addr`: (time tag ms, arguments).
    fn notes(&self, addr: &str) -> Vec<(f64, Vec<OscType>)> {
        let mut v = Vec::new();
        for o in &self.out {
            let Ok((_, OscPacket::Bundle(b))) = rosc::decoder::decode_udp(&o.bytes) else {
                continue;
            };
            for p in b.content {
                if let OscPacket::Message(m) = p {
                    if m.addr == addr {
                        v.push((self.clock.ms_of(b.timetag), m.args));
                    }
                }
            }
        }
        v
    }
}

#[test]
fn looper_notes_go_to_midi_on_their_own_channel_and_the_groove_on_the_ports() {
    let dir = example_corpus("looper-midi");
    let rec = Recorder::new();
    // The port's channel is 3: the groove plays there, the looper's drums on 10.
    let mut l = Live::new(vec![canon(dir.path())], rec.sink(), 3);
    l.send("/bandmate/looper/tempo", vec![f(300.0)]);
    l.send(
        "/bandmate/looper/corpus",
        vec![s(&dir.path().display().to_string())],
    );
    let end = Instant::now() + 20 * SEC;
    while !l.seen("/bandmate/looper/corpus") {
        assert!(Instant::now() < end, "no corpus");
        l.run(Duration::from_millis(20));
    }
    l.send("/bandmate/looper/play", vec![]);
    l.send("/bandmate/groove/tempo", vec![f(240.0)]);
    l.send("/bandmate/groove/seed", vec![i(5)]);
    l.send("/bandmate/groove/play", vec![]);
    l.run(Duration::from_millis(2500));
    l.send("/bandmate/looper/stop", vec![]);
    l.send("/bandmate/groove/stop", vec![]);
    l.run(Duration::from_millis(200));
    // what was handed over (up to 100 ms ahead) has gone out by now
    std::thread::sleep(Duration::from_millis(300));

    let looper = l.notes("/bandmate/looper/note");
    let groove = l.notes("/bandmate/groove/note");
    assert!(looper.len() >= 20, "the looper plays: {}", looper.len());
    assert!(groove.len() >= 10, "the groove plays: {}", groove.len());
    assert!(looper.iter().all(|n| n.1[2] == OscType::Int(10)));
    let midi = rec.messages();
    let on_channel = |status: u8| midi.iter().filter(|m| m.1[0] == status).count();
    let looper_ons = looper.iter().filter(|n| int(&n.1[1]) > 0).count();
    let looper_offs = looper.len() - looper_ons;
    let groove_ons = groove.iter().filter(|n| int(&n.1[1]) > 0).count();
    let groove_offs = groove.len() - groove_ons;
    assert_eq!(
        on_channel(0x99),
        looper_ons,
        "looper note-ons on channel 10"
    );
    assert_eq!(
        on_channel(0x89),
        looper_offs,
        "looper note-offs on channel 10"
    );
    assert_eq!(on_channel(0x92), groove_ons, "groove note-ons on channel 3");
    assert_eq!(
        on_channel(0x82),
        groove_offs,
        "groove note-offs on channel 3"
    );
    // each looper MIDI note-on is one of the bundles' notes, at its time tag
    let mut bundled: Vec<(f64, u8, u8)> = looper
        .iter()
        .filter(|n| int(&n.1[1]) > 0)
        .map(|n| (n.0, int(&n.1[0]) as u8, int(&n.1[1]) as u8))
        .collect();
    bundled.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let mut sent: Vec<(f64, u8, u8)> = midi
        .iter()
        .filter(|m| m.1[0] == 0x99)
        .map(|m| (l.clock.ms_at(m.0), m.1[1], m.1[2]))
        .collect();
    sent.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for (m, b) in sent.iter().zip(&bundled) {
        assert_eq!((m.1, m.2), (b.1, b.2));
        let late = m.0 - b.0;
        assert!(
            (-0.01..50.0).contains(&late),
            "sent {late:.3} ms after its time tag"
        );
    }
}

// ---- the real bandmated, with liblo's oscsend and oscdump ----

#[test]
fn the_real_daemon_plays_the_looper_to_an_oscdump_subscriber() {
    let dir = example_corpus("looper-liblo");
    let (_ref_dir, reference) = reference_corpus();
    let path = dir.path().display().to_string();
    let d = Bandmated::start(&["--rules", "--lookahead", "80", "--path", &path]);
    let mut dump = OscDump::start();
    let p = d.port();
    oscsend(
        p,
        "/bandmate/subscribe",
        "is",
        &[&dump.port.to_string(), "127.0.0.1"],
    );
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");
    oscsend(p, "/bandmate/looper/tempo", "f", &["240"]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/looper/tempo");
    oscsend(p, "/bandmate/looper/corpus", "s", &[&path]);
    let got = dump.until(20 * SEC, |l| {
        l.addr == "/bandmate/looper/corpus" || l.addr == "/bandmate/error"
    });
    let c = got.last().unwrap();
    assert_eq!(c.addr, "/bandmate/looper/corpus", "{c:?}");
    assert_eq!(c.args[0].f() as usize, reference.len());
    // a path outside --path is refused
    oscsend(p, "/bandmate/looper/corpus", "s", &["/etc"]);
    let e = dump.until(5 * SEC, |l| l.addr == "/bandmate/error");
    assert!(e.last().unwrap().args[1]
        .s()
        .contains("outside the folders"));

    // never the same segment twice in a row
    oscsend(p, "/bandmate/looper/repeat", "f", &["0"]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/looper/repeat");
    // kick, hat, snare, hat in eighth notes (125 ms at 240 BPM)
    for k in 0..16 {
        let key = ["36", "42", "38", "42"][k % 4];
        let t = std::time::Instant::now();
        oscsend(p, "/bandmate/looper/note", "iii", &[key, "100", "10"]);
        std::thread::sleep(Duration::from_millis(40));
        oscsend(p, "/bandmate/looper/note", "iii", &[key, "0", "10"]);
        std::thread::sleep(Duration::from_millis(125).saturating_sub(t.elapsed()));
    }
    let heard = dump.until(5 * SEC, |l| {
        l.addr == "/bandmate/looper/heard" && l.args[1] == Arg::Int(0)
    });
    assert!(heard.iter().all(|l| l.addr != "/bandmate/looper/note"));
    oscsend(p, "/bandmate/looper/seed", "", &[]);
    let got = dump.until(10 * SEC, |l| {
        l.addr == "/bandmate/looper/seeded" || l.addr == "/bandmate/error"
    });
    let seeded = got.last().unwrap();
    assert_eq!(seeded.addr, "/bandmate/looper/seeded", "{seeded:?}");
    let n = seeded.args[0].f() as usize;
    oscsend(p, "/bandmate/looper/play", "", &[]);
    let got = dump.until(5 * SEC, |l| l.addr == "/bandmate/looper/playing");
    assert_eq!(got.last().unwrap().args[0].f() as usize, n);
    // 240 BPM: 250 ms a beat; 4 s is a few segments
    let seg = &reference.segments()[n - 1];
    let lines = dump.during(4 * SEC);
    oscsend(p, "/bandmate/looper/stop", "", &[]);
    let notes: Vec<&Dumped> = lines
        .iter()
        .filter(|l| l.addr == "/bandmate/looper/note")
        .collect();
    assert!(notes.len() >= 8, "{lines:#?}");
    for l in &notes {
        assert_eq!(l.args.len(), 3, "{l:?}");
        assert_eq!(l.args[2], Arg::Int(10), "channel 10: {l:?}");
    }
    // The note-ons keep the segments' rhythm, segment after segment as the playing lines
    // say: their time tags, from the first one, are each segment's onsets, to 0.1 ms.
    let ons: Vec<(f64, i64)> = notes
        .iter()
        .filter(|l| l.args[1].f() > 0.0)
        .map(|l| (l.secs(), l.args[0].f() as i64))
        .collect();
    let mut order = vec![n];
    order.extend(
        lines
            .iter()
            .filter(|l| l.addr == "/bandmate/looper/playing")
            .map(|l| l.args[0].f() as usize),
    );
    let last = ons.last().unwrap().0;
    let mut at = ons[0].0 - seg.notes[0].beat * 0.25;
    let mut checked = 0;
    for &k in &order {
        let sg = &reference.segments()[k - 1];
        let end = at + sg.beats * 0.25;
        if end > last {
            break;
        }
        let got: Vec<&(f64, i64)> = ons
            .iter()
            .filter(|o| o.0 >= at - 0.0001 && o.0 < end - 0.0001)
            .collect();
        assert_eq!(got.len(), sg.notes.len(), "segment {k}: {got:?}");
        for (t, key) in got {
            let beat = (t - at) / 0.25;
            assert!(
                sg.notes
                    .iter()
                    .any(|x| (x.beat - beat).abs() < 0.0004 && i64::from(x.key) == *key),
                "note {key} at beat {beat:.4} is not in segment {k}"
            );
        }
        checked += 1;
        at = end;
    }
    assert!(checked >= 2, "{checked} segments checked: {order:?}");
    eprintln!(
        "{} looper notes from the real daemon, on channel 10, in the rhythm of segments {:?}",
        notes.len(),
        &order[..checked]
    );
}
