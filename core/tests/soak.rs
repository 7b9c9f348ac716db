//! The stage soak (issue 18, acceptance): an hour of a set in logical time, the way a host
//! drives the objects (their clock, their messages, their audio blocks), with the groove model
//! and the looper switching loops every 2 bars, tempo changes, stops and starts, and the
//! fragment player triggering, looping, stopping and retriggering its slots. Afterwards:
//!
//! - no lost downbeat: at every loop switch, and at every start, the downbeat hits of the loop
//!   that takes over (those drawn a little early too) sound at their time;
//! - no stuck note: every note-on is released one gate later (or by a stop), and nothing sounds
//!   at the end;
//! - no click above -60 dBFS in the fragment player's output: its slots hold low tones (82 to
//!   207 Hz) and nothing else, so whatever the player adds above 5 kHz (a jump or a kink at a
//!   start, a stop, a loop point, a retrigger, a gain change) is a click; the output is
//!   high-passed at 5 kHz (4th-order Butterworth, where the tones themselves stay under
//!   -100 dBFS) and its peak must stay under -60 dBFS.
//!
//! `BANDMATE_SOAK_SECONDS` shortens or lengthens the set (default 3600).

mod common;

use std::collections::HashMap;
use std::path::Path;

use bandmate_core::objects::{
    atoms, Atom, FragObject, GrooveObject, LooperObject, Object, Options, Output,
};
use bandmate_core::Voice;

fn send(o: &mut dyn Object, now: f64, text: &str) {
    let a = atoms(text);
    let (sel, args) = match a.split_first() {
        Some((Atom::Symbol(s), rest)) => (s.clone(), rest.to_vec()),
        _ => panic!("no selector in {text}"),
    };
    if let Err(e) = o.message(now, &sel, &args) {
        panic!("{text} at {now} ms: {e}");
    }
}

fn num(a: &Atom) -> f64 {
    match a {
        Atom::Float(x) => *x,
        Atom::Symbol(s) => panic!("a number, not {s}"),
    }
}

/// The same set every run.
struct Rng(bandmate_core::rng::Rng);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0.next_u64() % n
    }
}

/// Notes that sound, by (note, channel): a note-on must be released before it sounds again
/// (the players release a note before they strike it again), and within `max_ms`.
#[derive(Default)]
struct Held {
    on: HashMap<(u8, u8), f64>,
    notes: usize,
    longest_ms: f64,
    problems: Vec<String>,
}

impl Held {
    fn note(&mut self, who: &str, at: f64, note: u8, velocity: u8, channel: u8, max_ms: f64) {
        let key = (note, channel);
        if velocity > 0 {
            self.notes += 1;
            if let Some(t) = self.on.insert(key, at) {
                if self.problems.len() < 20 {
                    self.problems.push(format!(
                        "{who}: note {note} struck at {at} while held since {t}"
                    ));
                }
            }
        } else if let Some(t) = self.on.remove(&key) {
            let held = at - t;
            self.longest_ms = self.longest_ms.max(held);
            if held > max_ms + 1e-6 && self.problems.len() < 20 {
                self.problems
                    .push(format!("{who}: note {note} held {held:.1} ms from {t}"));
            }
        }
    }
}

/// A loop as the groove object reported it: (position in steps, note) of every hit.
fn reported_loop(lines: &[(String, Vec<Atom>)]) -> Vec<(f64, u8)> {
    let mut vel: HashMap<String, Vec<f64>> = HashMap::new();
    let mut off: HashMap<String, Vec<f64>> = HashMap::new();
    for (sel, args) in lines {
        let (Some(Atom::Symbol(voice)), rest) = (args.first(), &args[1.min(args.len())..]) else {
            continue;
        };
        let v: Vec<f64> = rest.iter().map(num).collect();
        match sel.as_str() {
            "loop" => vel.insert(voice.clone(), v),
            "offset" => off.insert(voice.clone(), v),
            _ => None,
        };
    }
    let mut hits = Vec::new();
    for voice in Voice::ALL {
        let (Some(vs), Some(os)) = (vel.get(voice.name()), off.get(voice.name())) else {
            continue;
        };
        for s in 0..vs.len() {
            if vs[s] > 0.0 {
                hits.push((
                    (s as f64 + os[s]).rem_euclid(vs.len() as f64),
                    voice.gm_note(),
                ));
            }
        }
    }
    hits
}

/// The downbeat hits of a loop: (offset from the bar line in steps, note).
fn downbeat(hits: &[(f64, u8)]) -> Vec<(f64, u8)> {
    hits.iter()
        .filter_map(|&(p, n)| {
            if p < 0.5 {
                Some((p, n))
            } else if p >= 31.5 {
                Some((p - 32.0, n))
            } else {
                None
            }
        })
        .collect()
}

/// What the groove object said: the loops it reported, the one queued and the one playing,
/// the downbeats to hear (time, note) at each switch, its note-ons, and when loops switched.
#[derive(Default)]
struct GrooveWatch {
    lines: Vec<(String, Vec<Atom>)>,
    queued: Option<Vec<(f64, u8)>>,
    playing: Option<Vec<(f64, u8)>>,
    want: Vec<(f64, u8)>,
    ons: Vec<(f64, u8)>,
    held: Held,
    switched_at: Vec<f64>,
}

impl GrooveWatch {
    /// Take what the object produced by `now` (the tempo `bpm`).
    fn take(&mut self, o: &mut GrooveObject, now: f64, bpm: f64) {
        let mut outs = Vec::new();
        o.drain_into(&mut |x| outs.push(x));
        for x in outs {
            match x {
                Output::Note {
                    at_ms,
                    note,
                    velocity,
                    channel,
                } => {
                    if velocity > 0 {
                        self.ons.push((at_ms, note));
                    }
                    self.held
                        .note("groove", at_ms, note, velocity, channel, GATE_MS);
                }
                Output::Info(sel, args) => match sel.as_str() {
                    "ready" => self.lines.clear(),
                    "loop" | "offset" => {
                        self.lines.push((sel, args));
                        if self.lines.len() == 18 {
                            self.queued = Some(reported_loop(&self.lines));
                        }
                    }
                    _ => {}
                },
                // A new loop took over at this boundary.
                Output::Event(sel, args) if sel == "cycle" && num(&args[1]) == 1.0 => {
                    self.playing = self.queued.take();
                    self.switched_at.push(now);
                    self.expect_downbeat(now, bpm, false);
                }
                Output::Error(e) => panic!("groove at {now}: {e}"),
                _ => {}
            }
        }
    }

    /// The playing loop's downbeat is due at `at` (`from_top`: a start, where early hits
    /// sound at once).
    fn expect_downbeat(&mut self, at: f64, bpm: f64, from_top: bool) {
        let step = 60_000.0 / bpm / 4.0;
        if let Some(p) = self.playing.as_ref() {
            for (d, n) in downbeat(p) {
                let d = if from_top { d.max(0.0) } else { d };
                self.want.push((at + d * step, n));
            }
        }
    }
}

/// What the looper played: its notes held, and the longest gap between two note-ons.
#[derive(Default)]
struct LooperWatch {
    held: Held,
    last_on: Option<f64>,
    gap_ms: f64,
}

impl LooperWatch {
    fn take(&mut self, o: &mut LooperObject, now: f64) {
        let mut outs = Vec::new();
        o.drain_into(&mut |x| outs.push(x));
        for x in outs {
            match x {
                Output::Note {
                    at_ms,
                    note,
                    velocity,
                    channel,
                } => {
                    if velocity > 0 {
                        if let Some(last) = self.last_on {
                            self.gap_ms = self.gap_ms.max(at_ms - last);
                        }
                        self.last_on = Some(at_ms);
                    }
                    // (segments' notes have their own lengths, up to a bar or two)
                    self.held
                        .note("looper", at_ms, note, velocity, channel, 2_000.0);
                }
                Output::Error(e) => panic!("looper at {now}: {e}"),
                _ => {}
            }
        }
    }
}

/// The groove's gate (its default).
const GATE_MS: f64 = 50.0;

/// A seamless tone of `secs` at `rate`: whole cycles of each frequency, `amp` each.
fn tone(rate: u32, secs: f64, freqs: &[f64], amp: f32) -> Vec<f32> {
    let n = (secs * f64::from(rate)) as usize;
    (0..n)
        .map(|i| {
            freqs
                .iter()
                .map(|f| {
                    let cycles = (f * secs).round();
                    (std::f64::consts::TAU * cycles * i as f64 / n as f64).sin() as f32 * amp
                })
                .sum()
        })
        .collect()
}

#[test]
fn an_hour_on_stage_loses_no_downbeat_holds_no_note_and_clicks_nowhere() {
    let secs: f64 = std::env::var("BANDMATE_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3600.0);
    let end_ms = secs * 1000.0;
    let rate = 48_000u32;
    let block = 64usize;
    let block_ms = block as f64 * 1000.0 / f64::from(rate);
    let mut rng = Rng(bandmate_core::rng::Rng::new(0x9e37_79b9_7f4a_7c15));

    // The groove: the bundled model, working in the message's own time (as in Pd's batch
    // mode), 2-bar loops.
    let mut groove = GrooveObject::new(&Options::default()).unwrap();
    send(&mut groove, 0.0, "blocking 1");
    send(&mut groove, 0.0, "seed 1");
    send(&mut groove, 0.0, "tempo 120");
    // The looper: the example corpus.
    let corpus = common::TempDir::new("soak-corpus");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/pd/loops");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, corpus.path(p.file_name().unwrap().to_str().unwrap())).unwrap();
    }
    let mut looper = LooperObject::new(&Options::default()).unwrap();
    send(&mut looper, 0.0, "blocking 1");
    send(
        &mut looper,
        0.0,
        &format!("corpus {}", corpus.dir().display()),
    );
    send(&mut looper, 0.0, "tempo 120");
    // The fragment player: four smooth tones, 48 kHz, 64-sample blocks.
    let (mut frag, mut engine) = FragObject::new(4, f64::from(rate)).unwrap();
    let tones = [
        tone(rate, 2.0, &[110.0], 0.25),
        tone(rate, 3.0, &[138.0, 207.0], 0.15),
        tone(rate, 1.5, &[82.0, 164.0], 0.2),
        tone(rate, 2.5, &[98.0, 147.0, 196.0], 0.12),
    ];
    for (k, t) in tones.iter().enumerate() {
        frag.take_array(&format!("tone{k}"), vec![t.clone()], rate, Some(k))
            .unwrap();
    }

    let mut lw = LooperWatch::default();
    let mut looper_playing;

    let mut gw = GrooveWatch::default();
    let mut bpm = 120.0;
    let mut starts = 0;

    let mut now = 0.0;
    // What happens when: the set's script, in logical time.
    let mut next_tempo = 60_000.0;
    let mut next_stop = 300_000.0;
    let mut restart_at: Option<f64> = None;
    let mut next_frag = 500.0;
    let mut next_next = 8_000.0;
    let tempos = [120.0, 96.0, 132.0, 108.0, 140.0];
    let mut tempo_k = 0;

    send(&mut groove, now, "generate");
    send(&mut groove, now, "play");
    starts += 1;
    gw.take(&mut groove, now, bpm);
    // The first loop starts at once: its downbeat at 0.
    gw.playing = gw.queued.take();
    gw.expect_downbeat(now, bpm, true);
    send(&mut groove, now, "generate");
    gw.take(&mut groove, now, bpm);
    send(&mut looper, now, "play");
    looper_playing = true;

    // Click detection over the fragment player's output: high-passed at 5 kHz.
    let mut hp = HighPass::new(5_000.0, f64::from(rate));
    let mut worst_click = 0.0f32;
    let mut clicks: Vec<(f64, f32)> = Vec::new();
    let (mut l, mut r) = (vec![0.0f32; block], vec![0.0f32; block]);
    let mut peak = 0.0f32;
    let mut actions: Vec<(f64, String)> = Vec::new();
    let mut samples = 0u64;

    while now < end_ms {
        // The objects' clocks: every note and boundary due in this block, in order.
        let block_end = now + block_ms;
        let mut guard = 0;
        loop {
            let next = [groove.wake_at(now), looper.wake_at(now)]
                .into_iter()
                .flatten()
                .reduce(f64::min);
            let Some(t) = next.filter(|&t| t < block_end) else {
                break;
            };
            guard += 1;
            assert!(guard < 10_000, "the clocks do not advance at {now} ms");
            let t = t.max(now);
            groove.tick(t);
            let before = gw.switched_at.len();
            gw.take(&mut groove, t, bpm);
            // A new loop every 2 bars: asked for as soon as the last one took over.
            if gw.switched_at.len() > before && gw.queued.is_none() && restart_at.is_none() {
                let task = if rng.below(2) == 0 {
                    "generate"
                } else {
                    "vary 0.5"
                };
                send(&mut groove, t, task);
                gw.take(&mut groove, t, bpm);
            }
            looper.tick(t);
            lw.take(&mut looper, t);
            now = t;
        }
        now = block_end;

        // The set's script.
        if now >= next_tempo {
            tempo_k = (tempo_k + 1) % tempos.len();
            bpm = tempos[tempo_k];
            send(&mut groove, now, &format!("tempo {bpm}"));
            send(&mut looper, now, &format!("tempo {bpm}"));
            next_tempo += 60_000.0;
        }
        if now >= next_next && looper_playing {
            send(&mut looper, now, "next");
            next_next += 4.0 * 60_000.0 / bpm * 2.0;
        }
        if now >= next_stop && restart_at.is_none() {
            send(&mut groove, now, "stop");
            send(&mut looper, now, "stop");
            looper_playing = false;
            lw.last_on = None;
            restart_at = Some(now + 2_000.0);
            next_stop += 300_000.0;
        }
        if restart_at.is_some_and(|t| now >= t) {
            restart_at = None;
            // From the top: the loop it has (and any queued one takes over at once).
            send(&mut groove, now, "play");
            starts += 1;
            gw.take(&mut groove, now, bpm);
            if gw.queued.is_some() {
                gw.playing = gw.queued.take();
            }
            gw.expect_downbeat(now, bpm, true);
            // and the next loop, to switch to at the end of this one
            send(&mut groove, now, "generate");
            gw.take(&mut groove, now, bpm);
            send(&mut looper, now, "play");
            looper_playing = true;
        }
        if now >= next_frag {
            let slot = rng.below(4) + 1;
            let action = match rng.below(6) {
                0 | 1 => format!("trigger {slot}"),
                2 => format!("loop {slot} 1"),
                3 => format!("loop {slot} 0"),
                4 => format!("stop {slot}"),
                _ => format!("gain {slot} {}", [0.5, 0.8, 1.0][rng.below(3) as usize]),
            };
            frag.message(&action_sel(&action), &atoms(&action)[1..])
                .unwrap_or_else(|e| panic!("{action}: {e}"));
            actions.push((now, action));
            next_frag += 250.0 + rng.below(1750) as f64;
        }

        // The audio block.
        engine.process(&mut l, &mut r);
        for &x in &l {
            let d4 = hp.run(x);
            peak = peak.max(x.abs());
            samples += 1;
            worst_click = worst_click.max(d4.abs());
            if d4.abs() > 0.001 && clicks.len() < 20 {
                clicks.push((samples as f64 * 1000.0 / f64::from(rate), d4));
            }
        }
        frag.poll();
        let mut outs = Vec::new();
        frag.drain(|x| outs.push(x));
        if let Some(Output::Error(e)) = outs.iter().find(|x| matches!(x, Output::Error(_))) {
            panic!("frag at {now}: {e}");
        }
        for x in &outs {
            if let Output::Info(sel, args) = x {
                if sel == "started" || sel == "ended" {
                    actions.push((now, format!("{sel} {}", args[0])));
                }
            }
        }
    }

    // The end of the set: everything stops and is released.
    send(&mut groove, now, "stop");
    send(&mut looper, now, "stop");
    gw.take(&mut groove, now, bpm);
    // What a stop leaves to sound its gate is released on the clock after it.
    let last = now + 5_000.0;
    while let Some(t) = [groove.wake_at(now), looper.wake_at(now)]
        .into_iter()
        .flatten()
        .reduce(f64::min)
        .filter(|&t| t <= last)
    {
        now = t.max(now + 1e-3);
        groove.tick(now);
        gw.take(&mut groove, now, bpm);
        looper.tick(now);
        lw.take(&mut looper, now);
    }
    lw.take(&mut looper, now);

    // Downbeats: each wanted one sounded at its time.
    let switches = gw.switched_at.len();
    let mut lost = Vec::new();
    // (within 3 ms: a hit drawn early just before a tempo change leaves at the old tempo's
    // offset, a fraction of a ms from the new one's)
    for &(t, n) in gw.want.iter().filter(|w| w.0 < now - 1.0) {
        if !gw.ons.iter().any(|&(at, m)| m == n && (at - t).abs() < 3.0) {
            lost.push((t, n));
        }
    }
    eprintln!(
        "soak of {secs} s: {switches} loop switches and {starts} starts, {} downbeat hits \
         checked, {} lost; groove {} notes (longest {:.1} ms), looper {} notes (longest \
         {:.1} ms, longest gap between notes {:.0} ms); fragment output peak {peak:.3}, \
         above 5 kHz at most {worst_click:.2e} ({:.1} dBFS)",
        gw.want.len(),
        lost.len(),
        gw.held.notes,
        gw.held.longest_ms,
        lw.held.notes,
        lw.held.longest_ms,
        lw.gap_ms,
        20.0 * worst_click.max(1e-12).log10()
    );
    assert!(switches as f64 >= secs / 10.0, "loops switched: {switches}");
    assert!(
        lost.is_empty(),
        "{} downbeat hits lost, the first: {:?}",
        lost.len(),
        &lost[..lost.len().min(10)]
    );
    assert!(gw.held.problems.is_empty(), "{:?}", gw.held.problems);
    assert!(gw.held.on.is_empty(), "left sounding: {:?}", gw.held.on);
    assert!(lw.held.problems.is_empty(), "{:?}", lw.held.problems);
    assert!(lw.held.on.is_empty(), "left sounding: {:?}", lw.held.on);
    assert!(peak > 0.1, "the fragments played: peak {peak}");
    let near: Vec<String> = clicks
        .iter()
        .map(|&(at, v)| {
            let before: Vec<&(f64, String)> = actions
                .iter()
                .filter(|a| a.0 <= at && a.0 > at - 3_000.0)
                .collect();
            format!("{at:.2} ms ({v:.2e}) after {before:?}")
        })
        .collect();
    assert!(clicks.is_empty(), "clicks above -60 dBFS: {near:#?}");
}

fn action_sel(action: &str) -> String {
    action.split_whitespace().next().unwrap().to_string()
}

/// A 4th-order Butterworth high-pass (two biquads, bilinear transform), in f64.
struct HighPass {
    stages: [[f64; 5]; 2],
    state: [[f64; 4]; 2],
}

impl HighPass {
    fn new(cutoff: f64, rate: f64) -> HighPass {
        let w = (std::f64::consts::PI * cutoff / rate).tan();
        let stage = |q: f64| {
            let n = 1.0 / (1.0 + w / q + w * w);
            let b0 = n;
            let b1 = -2.0 * n;
            let b2 = n;
            let a1 = 2.0 * (w * w - 1.0) * n;
            let a2 = (1.0 - w / q + w * w) * n;
            [b0, b1, b2, a1, a2]
        };
        // the two Q of a 4th-order Butterworth
        HighPass {
            stages: [stage(0.541_196_1), stage(1.306_563)],
            state: [[0.0; 4]; 2],
        }
    }

    fn run(&mut self, x: f32) -> f32 {
        let mut v = f64::from(x);
        for (c, s) in self.stages.iter().zip(self.state.iter_mut()) {
            let y = c[0] * v + c[1] * s[0] + c[2] * s[1] - c[3] * s[2] - c[4] * s[3];
            *s = [v, s[0], y, s[2]];
            v = y;
        }
        v as f32
    }
}
