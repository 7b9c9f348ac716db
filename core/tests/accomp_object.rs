//! `bandmate.accomp` as every host drives it, in logical time with the real model: chords,
//! play, the parts in time from the first beat; the performer's notes change what follows; a
//! chunk that is late plays safe and says so; a transport jump starts it again; bad input is
//! refused and the music goes on; no note is left sounding.

mod common;

use std::collections::HashMap;
use std::path::Path;

use bandmate_core::accomp::Chord;
use bandmate_core::objects::{atoms, AccompObject, Atom, Object, Options, Output};
use common::TempDir;

const CHORDS: [&str; 4] = ["C:maj7", "A:min7", "D:min7", "G:7"];

fn model_dir() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../models/accomp")
        .display()
        .to_string()
}

fn try_send(o: &mut AccompObject, now: f64, text: &str) -> bandmate_core::Result<()> {
    let a = atoms(text);
    let (sel, args) = match a.split_first() {
        Some((Atom::Symbol(s), rest)) => (s.clone(), rest.to_vec()),
        _ => panic!("no selector in {text}"),
    };
    o.message(now, &sel, &args)
}

fn send(o: &mut AccompObject, now: f64, text: &str) {
    if let Err(e) = try_send(o, now, text) {
        panic!("{text}: {e}");
    }
}

fn outs(o: &mut AccompObject) -> Vec<Output> {
    let mut v = Vec::new();
    o.drain_into(&mut |x| v.push(x));
    v
}

/// Run the object's clock from `from` to `to` as a host would (wake at `wake_at`).
fn run(o: &mut AccompObject, from: f64, to: f64) -> Vec<Output> {
    let mut v = Vec::new();
    let mut now = from;
    loop {
        o.tick(now);
        v.extend(outs(o));
        match o.wake_at(now) {
            Some(t) if t <= to => now = t.max(now),
            _ => break,
        }
    }
    v
}

/// An accompanist with the bundled model, working in the message's own time, a fixed seed,
/// the four chords a bar each, at 120 BPM (a beat is 500 ms).
fn ready(seed: u64) -> AccompObject {
    let mut o = AccompObject::new(&Options::default()).unwrap();
    send(&mut o, 0.0, "blocking 1");
    send(&mut o, 0.0, &format!("random {seed}"));
    send(&mut o, 0.0, "tempo 120");
    send(&mut o, 0.0, &format!("load {}", model_dir()));
    send(&mut o, 0.0, &format!("chords {}", CHORDS.join(" ")));
    let v = outs(&mut o);
    assert!(events(&v, "model").len() == 1, "{v:?}");
    o
}

fn events(v: &[Output], sel: &str) -> Vec<Vec<Atom>> {
    v.iter()
        .filter_map(|x| match x {
            Output::Info(s, a) | Output::Event(s, a) if s == sel => Some(a.clone()),
            _ => None,
        })
        .collect()
}

fn errors(v: &[Output]) -> Vec<String> {
    v.iter()
        .filter_map(|x| match x {
            Output::Error(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

/// Note-ons as (ms, key, channel).
fn ons(v: &[Output]) -> Vec<(f64, u8, u8)> {
    v.iter()
        .filter_map(|x| match *x {
            Output::Note {
                at_ms,
                note,
                velocity,
                channel,
            } if velocity > 0 => Some((at_ms, note, channel)),
            _ => None,
        })
        .collect()
}

/// Every note-on is released (by a later note-off of its note and channel) and nothing is
/// released that was not sounding; notes come in time order.
fn assert_no_stuck_notes(v: &[Output]) {
    let mut sounding: HashMap<(u8, u8), usize> = HashMap::new();
    let mut last = f64::NEG_INFINITY;
    for x in v {
        if let Output::Note {
            at_ms,
            note,
            velocity,
            channel,
        } = *x
        {
            assert!(at_ms >= last - 1e-9, "notes out of order at {at_ms}");
            last = at_ms;
            let n = sounding.entry((note, channel)).or_default();
            if velocity > 0 {
                assert_eq!(*n, 0, "note {note} on {channel} started twice at {at_ms}");
                *n += 1;
            } else {
                assert_eq!(
                    *n, 1,
                    "note {note} on {channel} released unsounded at {at_ms}"
                );
                *n -= 1;
            }
        }
    }
    let stuck: Vec<_> = sounding.iter().filter(|(_, &n)| n > 0).collect();
    assert!(stuck.is_empty(), "stuck: {stuck:?}");
}

/// The share of note-ons from `from` to `to` ms that are tones of `chord`.
fn share(ons: &[(f64, u8, u8)], from: f64, to: f64, chord: &str) -> f64 {
    let c = Chord::parse(chord).unwrap();
    let n: Vec<_> = ons.iter().filter(|n| n.0 >= from && n.0 < to).collect();
    n.iter().filter(|n| c.has(n.1)).count() as f64 / n.len().max(1) as f64
}

/// The fraction of note-ons that are tones of the chord sounding `shift` bars later (0: the
/// chord of the track at their time), at 120 BPM from time 0.
fn chord_tones(ons: &[(f64, u8, u8)], shift: usize) -> f64 {
    let chords: Vec<Chord> = CHORDS.iter().map(|c| Chord::parse(c).unwrap()).collect();
    let hits = ons
        .iter()
        .filter(|(t, key, _)| {
            let bar = (t / 2000.0).floor() as usize;
            chords[(bar + shift) % 4].has(*key)
        })
        .count();
    hits as f64 / ons.len().max(1) as f64
}

#[test]
fn it_plays_its_parts_over_the_chords_from_the_first_beat_with_none_late() {
    let mut o = ready(7);
    send(&mut o, 0.0, "play");
    let mut v = run(&mut o, 0.0, 16_000.0 - 1.0);
    send(&mut o, 16_000.0, "stop");
    v.extend(run(&mut o, 16_000.0, 20_000.0));
    assert!(errors(&v).is_empty(), "{:?}", errors(&v));
    assert!(events(&v, "late").is_empty(), "{:?}", events(&v, "late"));
    let ons = ons(&v);
    assert!(ons.len() >= 32, "a note a beat at least: {}", ons.len());
    // chunk 0 was made while stopped (no 'late' above): it plays from the first bar (at
    // temperature 1 the model may rest on a beat)
    assert!(ons[0].0 < 2000.0, "first note at {} ms", ons[0].0);
    // bass on channel 2, inner voices on 3 (0-based 1, 2); the bass under the inner voices
    let chans: std::collections::BTreeSet<u8> = ons.iter().map(|n| n.2).collect();
    assert_eq!(chans, [1u8, 2].into_iter().collect());
    let mean = |ch: u8| {
        let k: Vec<f64> = ons
            .iter()
            .filter(|n| n.2 == ch)
            .map(|n| f64::from(n.1))
            .collect();
        k.iter().sum::<f64>() / k.len() as f64
    };
    assert!(
        mean(1) + 7.0 < mean(2),
        "bass {} inner {}",
        mean(1),
        mean(2)
    );
    // on the 16th grid of 120 BPM (the model's ticks are 12 a beat: triplets too)
    for n in &ons {
        let ticks = n.0 / (500.0 / 12.0);
        assert!((ticks - ticks.round()).abs() < 1e-6, "{} ms", n.0);
    }
    // it follows the chords where they are: more tones of the chord sounding than of the
    // chord a bar away
    let here = chord_tones(&ons, 0);
    for shift in [2, 3, 1] {
        let away = chord_tones(&ons, shift);
        assert!(
            here > away + 0.1,
            "chord tones {here:.2} vs {away:.2} shifted {shift}"
        );
    }
    assert_no_stuck_notes(&v);
}

#[test]
fn what_the_performer_plays_changes_what_follows_and_nothing_before() {
    let play = |with_notes: bool| {
        let mut o = ready(11);
        send(&mut o, 0.0, "play");
        let mut v = Vec::new();
        let mut now = 0.0;
        // a melody in beats 2..10, a note every half beat (G4 E4 ...)
        let melody = [67u8, 64, 65, 62, 64, 60, 62, 59];
        for k in 0..32 {
            let t = 1000.0 + 250.0 * f64::from(k);
            v.extend(run(&mut o, now, t));
            if with_notes && k < 16 {
                let key = melody[k as usize % melody.len()];
                send(&mut o, t, &format!("note {key} 100"));
                send(&mut o, t + 200.0, &format!("note {key} 0"));
            }
            now = t;
        }
        v.extend(run(&mut o, now, 12_000.0));
        send(&mut o, 12_000.0, "stop");
        v.extend(run(&mut o, 12_000.0, 16_000.0));
        assert_no_stuck_notes(&v);
        ons(&v)
    };
    let alone = play(false);
    let heard = play(true);
    // a note played in beat 2 (1000 ms) is heard a beat later and shapes the chunks after
    // that: before beat 3 (1500 ms) both performances are the same note for note
    let before = |v: &[(f64, u8, u8)]| {
        v.iter()
            .filter(|n| n.0 < 1500.0)
            .copied()
            .collect::<Vec<_>>()
    };
    assert_eq!(before(&alone), before(&heard));
    assert!(!before(&alone).is_empty());
    assert_ne!(alone, heard, "what the performer played changed nothing");
}

#[test]
fn a_late_chunk_plays_the_chord_and_says_so_with_no_stuck_note() {
    std::env::set_var("BANDMATE_TEST_HOOKS", "1");
    let mut o = ready(3);
    send(&mut o, 0.0, "blocking 0");
    // from now on each chunk takes 1.5 s of real time; the logical clock runs far ahead
    send(&mut o, 0.0, "_slow 1500");
    send(&mut o, 0.0, "play");
    let mut v = run(&mut o, 0.0, 4000.0 - 1.0);
    send(&mut o, 4000.0, "stop");
    v.extend(run(&mut o, 4000.0, 8000.0));
    let late = events(&v, "late");
    // chunk 0 was made before; each later one was not back at its start
    assert_eq!(late.len(), 7, "{late:?}");
    assert_eq!(late[0], vec![Atom::Float(1.0), Atom::sym("hold")]);
    // held instead: in beat 3 (1000..1500 ms, C:maj7), a C bass and the chord's tones
    let beat3: Vec<_> = ons(&v)
        .into_iter()
        .filter(|n| n.0 >= 1000.0 && n.0 < 1500.0)
        .collect();
    let c = Chord::parse("C:maj7").unwrap();
    assert!(beat3.iter().any(|n| n.2 == 1 && n.1 == 36), "{beat3:?}");
    assert_eq!(beat3.iter().filter(|n| n.2 == 2).count(), 4, "{beat3:?}");
    assert!(
        beat3.iter().all(|n| c.has(n.1) && n.0 == 1000.0),
        "{beat3:?}"
    );
    assert_no_stuck_notes(&v);
    send(&mut o, 8000.0, "_slow 0");
}

#[test]
fn rest_as_fallback_plays_nothing_for_a_late_chunk() {
    std::env::set_var("BANDMATE_TEST_HOOKS", "1");
    let mut o = ready(3);
    send(&mut o, 0.0, "fallback rest");
    send(&mut o, 0.0, "blocking 0");
    send(&mut o, 0.0, "_slow 1500");
    send(&mut o, 0.0, "play");
    let mut v = run(&mut o, 0.0, 3000.0);
    send(&mut o, 3000.0, "stop");
    v.extend(run(&mut o, 3000.0, 6000.0));
    assert!(events(&v, "late").iter().all(|l| l[1] == Atom::sym("rest")));
    assert!(ons(&v).iter().all(|n| n.0 < 500.0), "{:?}", ons(&v));
    assert_no_stuck_notes(&v);
    send(&mut o, 6000.0, "_slow 0");
}

#[test]
fn a_transport_jump_starts_it_again_from_the_next_chunk_in_phase() {
    let mut o = ready(5);
    let mut v = Vec::new();
    // the host's transport at 120 BPM from the song's start, reported every 100 ms
    let mut now = 0.0;
    let mut beats = 0.0;
    while now < 3000.0 {
        v.extend(run(&mut o, now, now));
        send(&mut o, now, &format!("transport 1 120 {beats}"));
        now += 100.0;
        beats += 0.2;
    }
    // at 3000 ms (beat 6) the song jumps to beat 17.5 (bar 5: C:maj7 again)
    beats = 17.5;
    let jump_at = now;
    while now < 8000.0 {
        v.extend(run(&mut o, now, now));
        send(&mut o, now, &format!("transport 1 120 {beats}"));
        now += 100.0;
        beats += 0.2;
    }
    v.extend(run(&mut o, now, now));
    send(&mut o, now, "transport 0 120 0");
    v.extend(run(&mut o, now, now + 3000.0));
    assert!(errors(&v).is_empty(), "{:?}", errors(&v));
    let restarts = events(&v, "restart");
    assert_eq!(restarts.len(), 1, "{restarts:?}");
    assert_eq!(restarts[0][1], Atom::sym("jump"));
    // made in time (blocking): nothing late
    assert!(events(&v, "late").is_empty(), "{:?}", events(&v, "late"));
    // after the jump, the chunks start on the song's beats: beat 18 is at 3250 ms
    let after: Vec<_> = ons(&v).into_iter().filter(|n| n.0 >= jump_at).collect();
    assert!(!after.is_empty());
    for n in &after {
        let beat = 17.5 + (n.0 - jump_at) / 500.0;
        let tick = beat * 12.0;
        assert!(
            (tick - tick.round()).abs() < 1e-6,
            "{} ms = beat {beat}",
            n.0
        );
    }
    assert_no_stuck_notes(&v);
}

#[test]
fn bad_input_is_refused_and_it_plays_on() {
    let mut o = ready(9);
    send(&mut o, 0.0, "play");
    let mut v = run(&mut o, 0.0, 2000.0);
    for bad in [
        "chords C:maj7 H:min",
        "chords C:maj7 X",
        "chords 2 C:maj7",
        "chords C:maj7 3.3",
        "chords C:maj7 0",
        "delta2 3",
        "part melody 1",
        "part drums 1",
        "note 200 100",
        "temperature 5",
    ] {
        let e = try_send(&mut o, 2000.0, bad).expect_err(bad);
        assert!(!e.to_string().is_empty());
    }
    // a model folder that is not there, and one that is corrupt: said, and it plays on
    let t = TempDir::new("accomp-bad-model");
    std::fs::write(t.path("model.json"), b"{ not json").unwrap();
    std::fs::write(t.path("accomp.onnx"), b"not a model").unwrap();
    send(&mut o, 2000.0, "load /nonexistent/bandmate/accomp");
    send(&mut o, 2000.0, &format!("load {}", t.dir().display()));
    v.extend(run(&mut o, 2000.0, 6000.0));
    let errs = errors(&v);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].contains("nonexistent"), "{errs:?}");
    assert!(errs[1].contains("model.json"), "{errs:?}");
    // the chords, the parts and the model as they were
    send(&mut o, 6000.0, "dump");
    let d = outs(&mut o);
    let status = events(&d, "status");
    let chords: Vec<Atom> = std::iter::once(Atom::sym("chords"))
        .chain(CHORDS.iter().map(|c| Atom::sym(c)))
        .collect();
    assert!(status.contains(&chords), "{status:?}");
    assert!(ons(&v).iter().filter(|n| n.0 > 2000.0).count() >= 8);
    assert!(events(&v, "late").is_empty());
    send(&mut o, 6000.0, "stop");
    v.extend(run(&mut o, 6000.0, 9000.0));
    assert_no_stuck_notes(&v);
}

#[test]
fn play_without_chords_or_model_says_what_is_missing() {
    let mut o = AccompObject::new(&Options::default()).unwrap();
    send(&mut o, 0.0, "blocking 1");
    let e = try_send(&mut o, 0.0, "play").unwrap_err();
    assert!(e.to_string().contains("chords"), "{e}");
    // chords but no model: it plays safe (the chord held), without a word about lateness
    send(&mut o, 0.0, "chords F:maj");
    send(&mut o, 0.0, "play");
    let v = run(&mut o, 0.0, 1999.0);
    assert!(events(&v, "late").is_empty());
    let f = Chord::parse("F:maj").unwrap();
    let ons = ons(&v);
    assert!(!ons.is_empty() && ons.iter().all(|n| f.has(n.1)), "{ons:?}");
    assert_eq!(o.display()[0].1, "no model");
}

#[test]
fn a_rehearsal_of_minutes_with_tempo_and_chord_changes_leaves_no_note_sounding() {
    use bandmate_core::accomp::rehearse::{rehearse, Plan};
    let plan = Plan {
        minutes: 3.0,
        bpm: (70.0, 200.0),
        tempo_every_bars: 4,
        chords_every_bars: 3,
        delta2: 1.0,
        margin_ms: 50.0,
        seed: 2,
        temperature: 0.3,
        harmony: 0.7,
        listen: true,
    };
    let r = rehearse(Path::new(&model_dir()), &plan).unwrap();
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(r.tempo_changes >= 5 && r.chord_changes >= 5, "{r:?}");
    assert!(r.performer_notes > 100, "{}", r.performer_notes);
    // the density it keeps, first and last quarter
    assert!(r.first_beats > 30.0 && r.last_beats > 30.0, "{r:?}");
    assert!(r.first_notes[0] > 0 && r.last_notes[1] > 0, "{r:?}");
    // a chunk a beat, each made in time (in the message's time: the wall time is the
    // benchmark's, docs/benchmarks.md), none played safe, none left sounding
    assert!(r.chunks > 200, "{}", r.chunks);
    assert_eq!(r.said_late, 0);
    assert_eq!((r.stuck, r.out_of_order), (0, 0), "{r:?}");
    assert!(
        r.notes > r.chunks,
        "{} notes in {} chunks",
        r.notes,
        r.chunks
    );
}

#[test]
fn a_transport_starting_mid_song_plays_safe_for_one_chunk_then_the_accompanist() {
    let mut o = ready(4);
    let mut v = Vec::new();
    // stopped, chunk 0 made for the song's start; the host starts at beat 9 (bar 3, D:min7)
    let mut now = 0.0;
    let mut beats = 9.0;
    while now < 4000.0 {
        send(&mut o, now, &format!("transport 1 120 {beats}"));
        v.extend(run(&mut o, now, now + 99.0));
        now += 100.0;
        beats += 0.2;
    }
    send(&mut o, now, "transport 0 120 0");
    v.extend(run(&mut o, now, now + 2000.0));
    assert!(errors(&v).is_empty(), "{:?}", errors(&v));
    assert_eq!(
        events(&v, "restart"),
        vec![vec![Atom::Float(1.0), Atom::sym("position")]]
    );
    assert!(events(&v, "late").is_empty(), "{:?}", events(&v, "late"));
    // the first chunk (to beat 10, 500 ms) holds the chord there: D:min7, D in the bass
    let dm = Chord::parse("D:min7").unwrap();
    let first: Vec<_> = ons(&v).into_iter().filter(|n| n.0 < 500.0).collect();
    assert!(first.iter().any(|n| n.2 == 1 && n.1 == 38), "{first:?}");
    assert!(first.iter().all(|n| dm.has(n.1) && n.0 == 0.0), "{first:?}");
    // then the accompanist, on the song's ticks
    let later: Vec<_> = ons(&v).into_iter().filter(|n| n.0 >= 500.0).collect();
    assert!(later.len() > 8);
    for n in &later {
        let tick = (9.0 + n.0 / 500.0) * 12.0;
        assert!((tick - tick.round()).abs() < 1e-6, "{n:?}");
    }
    assert_no_stuck_notes(&v);
}

#[test]
fn a_chord_track_from_a_midi_file_plays_and_a_bad_file_is_refused() {
    use bandmate_core::midi::{notes_to_smf, Note};
    let t = TempDir::new("accomp-chordfile");
    // F major two bars, then C7 two bars, as held triads
    let mut notes = Vec::new();
    for (beat, keys) in [(0.0, [41u8, 57, 60, 65]), (8.0, [36, 52, 58, 64])] {
        for k in keys {
            notes.push(Note {
                beat,
                beats: 8.0,
                channel: 0,
                key: k,
                velocity: 80,
            });
        }
    }
    std::fs::write(
        t.path("song.mid"),
        notes_to_smf(&notes, 120.0, 16.0, "song").unwrap(),
    )
    .unwrap();
    std::fs::write(t.path("bad.mid"), b"MThd nonsense").unwrap();
    let mut o = ready(6);
    outs(&mut o);
    send(
        &mut o,
        0.0,
        &format!("chordfile {}", t.path("song.mid").display()),
    );
    let v = outs(&mut o);
    // two bars of F, two of C7
    assert_eq!(
        events(&v, "chords"),
        vec![vec![Atom::Float(2.0), Atom::Float(16.0)]]
    );
    send(&mut o, 0.0, "play");
    let mut v = run(&mut o, 0.0, 8000.0 - 1.0);
    let f = Chord::parse("F:maj").unwrap();
    let c7 = Chord::parse("C:7").unwrap();
    let ons = ons(&v);
    let share = |from: f64, to: f64, c: Chord| {
        let n: Vec<_> = ons.iter().filter(|n| n.0 >= from && n.0 < to).collect();
        n.iter().filter(|n| c.has(n.1)).count() as f64 / n.len().max(1) as f64
    };
    assert!(share(0.0, 4000.0, f) > 0.6, "{}", share(0.0, 4000.0, f));
    assert!(
        share(4000.0, 8000.0, c7) > 0.6,
        "{}",
        share(4000.0, 8000.0, c7)
    );
    // bad files: said, and the track stays
    for bad in ["bad.mid", "missing.mid"] {
        send(
            &mut o,
            8000.0,
            &format!("chordfile {}", t.path(bad).display()),
        );
    }
    v.extend(run(&mut o, 8000.0, 9000.0));
    assert_eq!(errors(&v).len(), 2, "{:?}", errors(&v));
    send(&mut o, 9000.0, "dump");
    let d = outs(&mut o);
    assert!(
        events(&d, "status").contains(&vec![
            Atom::sym("chords"),
            Atom::sym("F:maj"),
            Atom::Float(8.0),
            Atom::sym("C:7"),
            Atom::Float(8.0)
        ]),
        "{:?}",
        events(&d, "status")
    );
}

#[test]
fn transpose_plays_the_same_track_in_another_key_and_keeps_it_as_given() {
    // no model: what plays is the chord held, exactly the chord of the track
    let mut o = AccompObject::new(&Options::default()).unwrap();
    send(&mut o, 0.0, "blocking 1");
    send(&mut o, 0.0, "tempo 120");
    send(&mut o, 0.0, "chords F:maj Bb:maj");
    send(&mut o, 0.0, "transpose 2");
    send(&mut o, 0.0, "play");
    let v = run(&mut o, 0.0, 3999.0);
    let (g, c) = (
        Chord::parse("G:maj").unwrap(),
        Chord::parse("C:maj").unwrap(),
    );
    let ons = ons(&v);
    let bar1: Vec<_> = ons.iter().filter(|n| n.0 < 2000.0).collect();
    let bar2: Vec<_> = ons.iter().filter(|n| n.0 >= 2000.0).collect();
    assert!(
        bar1.iter().all(|n| g.has(n.1)) && bar1.iter().any(|n| n.1 == 43),
        "{bar1:?}"
    );
    assert!(
        bar2.iter().all(|n| c.has(n.1)) && bar2.iter().any(|n| n.1 == 36),
        "{bar2:?}"
    );
    assert_eq!(o.attribute("transpose"), Some(2.0));
    send(&mut o, 4000.0, "dump");
    let d = outs(&mut o);
    assert!(events(&d, "status").contains(&atoms("chords F:maj Bb:maj")));
    assert!(try_send(&mut o, 4000.0, "transpose 13").is_err());
}

#[test]
fn blocking_at_creation_waits_for_the_bundled_model() {
    // as a patch in batch mode makes it: the default model loads with the object
    let mut o = AccompObject::new(&Options {
        load_default: true,
        ..Options::default()
    })
    .unwrap();
    o.create_with(0.0, &atoms("@blocking 1")).unwrap();
    let v = outs(&mut o);
    assert_eq!(events(&v, "model").len(), 1, "{v:?}");
    send(&mut o, 0.0, "chords C:maj7 A:min7");
    let v = outs(&mut o);
    assert_eq!(events(&v, "ready").len(), 1, "armed at once: {v:?}");
}

#[test]
fn new_chords_while_playing_start_on_a_bar_line_and_the_old_ones_play_until_then() {
    let mut o = ready(8);
    send(&mut o, 0.0, "play");
    // in bar 2 (beat 5.4): the new track's first chord comes on bar 3 (4000 ms), not sooner
    let mut v = run(&mut o, 0.0, 2700.0);
    send(&mut o, 2700.0, "chords F:maj Bb:maj");
    v.extend(run(&mut o, 2700.0, 8000.0 - 1.0));
    let chords: Vec<String> = events(&v, "chord")
        .iter()
        .map(|a| a[0].to_string())
        .collect();
    assert_eq!(
        chords,
        ["C:maj7", "A:min7", "F:maj", "Bb:maj"],
        "{chords:?}"
    );
    send(&mut o, 8000.0, "stop");
    v.extend(run(&mut o, 8000.0, 9000.0));
    let ons = ons(&v);
    let share = |from: f64, to: f64, c: &str| share(&ons, from, to, c);
    assert!(
        share(2000.0, 4000.0, "A:min7") > 0.6,
        "{}",
        share(2000.0, 4000.0, "A:min7")
    );
    assert!(
        share(4000.0, 6000.0, "F:maj") > 0.6,
        "{}",
        share(4000.0, 6000.0, "F:maj")
    );
    assert!(
        share(6000.0, 8000.0, "Bb:maj") > 0.6,
        "{}",
        share(6000.0, 8000.0, "Bb:maj")
    );
    assert_no_stuck_notes(&v);
}

#[test]
fn a_new_chunk_length_while_playing_keeps_the_song_in_phase() {
    let mut o = ready(9);
    send(&mut o, 0.0, "play");
    let mut v = run(&mut o, 0.0, 3100.0);
    // beat 6.2: half-beat chunks from the next chunk (beat 7)
    send(&mut o, 3100.0, "delta2 0.5");
    v.extend(run(&mut o, 3100.0, 10_000.0 - 1.0));
    send(&mut o, 10_000.0, "stop");
    v.extend(run(&mut o, 10_000.0, 12_000.0));
    assert_eq!(
        events(&v, "restart"),
        vec![vec![Atom::Float(7.0), Atom::sym("settings")]]
    );
    // the chord lines still fall on the bar lines: one each bar, in the track's order
    let chords: Vec<String> = events(&v, "chord")
        .iter()
        .map(|a| a[0].to_string())
        .collect();
    assert_eq!(
        chords,
        ["C:maj7", "A:min7", "D:min7", "G:7", "C:maj7"],
        "{chords:?}"
    );
    let ons = ons(&v);
    for n in &ons {
        let tick = n.0 / (500.0 / 12.0);
        assert!((tick - tick.round()).abs() < 1e-6, "{n:?}");
    }
    let share = |from: f64, to: f64, c: &str| share(&ons, from, to, c);
    assert!(
        share(4000.0, 6000.0, "D:min7") > 0.6,
        "{}",
        share(4000.0, 6000.0, "D:min7")
    );
    assert!(
        share(6000.0, 8000.0, "G:7") > 0.6,
        "{}",
        share(6000.0, 8000.0, "G:7")
    );
    assert_no_stuck_notes(&v);
}

#[test]
fn a_sparse_transport_jump_and_a_play_after_the_transport_stops_keep_the_bars() {
    let mut o = ready(10);
    // the host says where it is twice only: at the start, and after a jump to beat 16
    send(&mut o, 0.0, "transport 1 120 0");
    let mut v = run(&mut o, 0.0, 2000.0);
    send(&mut o, 2000.0, "transport 1 120 16");
    v.extend(run(&mut o, 2000.0, 6000.0 - 1.0));
    let said: Vec<(f64, String)> = {
        // the chord lines with the time of the tick that said them: the notes around them
        let mut t = 0.0;
        let mut out = Vec::new();
        for x in &v {
            match x {
                Output::Note { at_ms, .. } => t = *at_ms,
                Output::Event(s, a) if s == "chord" => out.push((t, a[0].to_string())),
                _ => {}
            }
        }
        out
    };
    // beat 16 is bar 5 (C:maj7); A:min7 comes a bar later, at 4000 ms
    let a = said
        .iter()
        .find(|s| s.1 == "A:min7" && s.0 > 2000.0)
        .expect("A:min7 said");
    assert!((a.0 - 4000.0).abs() < 1.0, "{said:?}");
    // the host stops; the performer presses play: the chunk made while stopped plays
    send(&mut o, 6000.0, "transport 0 120 18");
    v.extend(run(&mut o, 6000.0, 7000.0));
    send(&mut o, 7000.0, "play");
    v.extend(run(&mut o, 7000.0, 10_000.0));
    send(&mut o, 10_000.0, "stop");
    v.extend(run(&mut o, 10_000.0, 11_000.0));
    assert!(events(&v, "late").is_empty(), "{:?}", events(&v, "late"));
    assert!(
        ons(&v).iter().any(|n| n.0 == 7000.0),
        "the first beat after play"
    );
    assert_no_stuck_notes(&v);
}

#[test]
fn a_part_off_is_muted_the_others_play_as_they_would_and_a_seed_set_when_stopped_counts() {
    let play = |setup: &[&str], change: Option<(f64, &str)>| {
        let mut o = ready(12);
        for m in setup {
            send(&mut o, 0.0, m);
        }
        send(&mut o, 0.0, "play");
        let mut v = Vec::new();
        let mut now = 0.0;
        if let Some((t, m)) = change {
            v.extend(run(&mut o, 0.0, t));
            send(&mut o, t, m);
            now = t;
        }
        v.extend(run(&mut o, now, 12_000.0));
        send(&mut o, 12_000.0, "stop");
        v.extend(run(&mut o, 12_000.0, 13_000.0));
        assert_no_stuck_notes(&v);
        ons(&v)
    };
    let all = play(&[], None);
    let muted = play(&[], Some((3007.0, "part inner 0")));
    let bass = |v: &[(f64, u8, u8)]| v.iter().filter(|n| n.2 == 1).copied().collect::<Vec<_>>();
    // the bass is the same note for note; the inner voices stop from the next chunk
    assert_eq!(bass(&all), bass(&muted));
    assert!(muted.iter().filter(|n| n.2 == 2).all(|n| n.0 < 3500.0));
    assert!(all.iter().any(|n| n.2 == 2 && n.0 > 3500.0));
    // a seed given after the chords, while stopped, is the one the start plays with
    let after = play(&["random 99"], None);
    let mut o = AccompObject::new(&Options::default()).unwrap();
    for m in [
        "blocking 1".to_string(),
        "random 99".into(),
        "tempo 120".into(),
        format!("load {}", model_dir()),
        format!("chords {}", CHORDS.join(" ")),
        "play".into(),
    ] {
        send(&mut o, 0.0, &m);
    }
    let mut v = run(&mut o, 0.0, 12_000.0);
    send(&mut o, 12_000.0, "stop");
    v.extend(run(&mut o, 12_000.0, 13_000.0));
    assert_eq!(after, ons(&v));
    assert_ne!(after, all);
}

#[test]
fn a_host_that_ticks_rarely_hears_the_same_chunks() {
    // half-beat chunks; one host ticks at each wake, another only every 900 ms (a daemon's
    // lookahead, a stall): the same notes at the same times
    let play = |coarse: bool| {
        let mut o = ready(13);
        send(&mut o, 0.0, "delta2 0.5");
        send(&mut o, 0.0, "play");
        let mut v = Vec::new();
        if coarse {
            let mut t = 0.0;
            while t < 8000.0 {
                o.tick(t);
                v.extend(outs(&mut o));
                t += 900.0;
            }
        } else {
            v = run(&mut o, 0.0, 8000.0 - 1.0);
        }
        send(&mut o, 8100.0, "stop");
        v.extend(run(&mut o, 8100.0, 9000.0));
        assert!(events(&v, "late").is_empty(), "{:?}", events(&v, "late"));
        ons(&v)
            .into_iter()
            .filter(|n| n.0 < 7200.0)
            .collect::<Vec<_>>()
    };
    let fine = play(false);
    assert!(fine.len() > 30);
    assert_eq!(fine, play(true));
}

#[test]
fn settings_and_a_new_track_made_while_playing_hold_after_stop_and_play() {
    let mut o = ready(14);
    send(&mut o, 0.0, "play");
    let mut v = run(&mut o, 0.0, 2700.0);
    send(&mut o, 2700.0, "chords F:maj Bb:maj");
    v.extend(run(&mut o, 2700.0, 5000.0));
    send(&mut o, 5000.0, "stop");
    v.extend(run(&mut o, 5000.0, 6000.0));
    // stopped, the armed chunk is made again with the inner voices off
    send(&mut o, 6000.0, "part inner 0");
    send(&mut o, 6000.0, "play");
    let w = run(&mut o, 6000.0, 8000.0 - 1.0);
    // from the song's start: the new track's first chord, F, in bar 1; no inner voice at all
    let chords: Vec<String> = events(&w, "chord")
        .iter()
        .map(|a| a[0].to_string())
        .collect();
    assert_eq!(
        chords.first().map(String::as_str),
        Some("F:maj"),
        "{chords:?}"
    );
    let ons = ons(&w);
    assert!(!ons.is_empty() && ons.iter().all(|n| n.2 == 1), "{ons:?}");
    let f = Chord::parse("F:maj").unwrap();
    let share = ons.iter().filter(|n| f.has(n.1)).count() as f64 / ons.len() as f64;
    assert!(share > 0.6, "{share}");
    v.extend(w);
    send(&mut o, 8000.0, "stop");
    v.extend(run(&mut o, 8000.0, 9000.0));
    assert_no_stuck_notes(&v);
}

/// Play a chord as chord notes (`note KEY VELOCITY [CHANNEL]`), releasing the one before.
fn play_chord(o: &mut AccompObject, now: f64, held: &mut Vec<u8>, keys: &[u8], channel: &str) {
    for k in held.drain(..) {
        send(o, now, &format!("note {k} 0 {channel}"));
    }
    for &k in keys {
        send(o, now, &format!("note {k} 90 {channel}"));
    }
    held.extend_from_slice(keys);
}

/// The notes' times from `play` at `at` ms.
fn from_play(v: Vec<Output>, at: f64) -> Vec<Output> {
    v.into_iter()
        .map(|x| match x {
            Output::Note {
                at_ms,
                note,
                velocity,
                channel,
            } => Output::Note {
                at_ms: at_ms - at,
                note,
                velocity,
                channel,
            },
            x => x,
        })
        .collect()
}

#[test]
fn chords_played_below_the_split_become_the_track_from_the_next_beat_the_model_does_not_know() {
    let mut o = ready(21);
    send(&mut o, 0.0, "chordsplit 60");
    let mut held = Vec::new();
    // stopped: the chord played is the track from the start (C major, left hand), named once
    // its keys settle
    play_chord(&mut o, 0.0, &mut held, &[48, 52, 55], "");
    assert!(events(&outs(&mut o), "chordin").is_empty());
    let v = run(&mut o, 0.0, 100.0);
    assert_eq!(events(&v, "chordin"), vec![vec![Atom::sym("C:maj")]]);
    send(&mut o, 100.0, "play");
    let mut v = run(&mut o, 100.0, 3100.0);
    // at 3 s (beat 6) an F major chord; the right hand's notes are the performer's, not chords
    play_chord(&mut o, 3100.0, &mut held, &[41, 45, 48], "");
    send(&mut o, 3100.0, "note 72 100");
    let heard = run(&mut o, 3100.0, 3200.0);
    assert_eq!(events(&heard, "chordin"), vec![vec![Atom::sym("F:maj")]]);
    v.extend(heard);
    // released: the chord stays
    play_chord(&mut o, 3300.0, &mut held, &[], "");
    v.extend(run(&mut o, 3300.0, 9100.0));
    send(&mut o, 9100.0, "stop");
    v.extend(run(&mut o, 9100.0, 10100.0));
    let v = from_play(v, 100.0);
    let chords: Vec<String> = events(&v, "chord")
        .iter()
        .map(|a| a[0].to_string())
        .collect();
    assert_eq!(chords, ["C:maj", "F:maj"], "{chords:?}");
    let ons = ons(&v);
    let c = share(&ons, 0.0, 3000.0, "C:maj");
    // heard from the first beat the model does not know: within 3 beats (1.5 s)
    let f = share(&ons, 4500.0, 9000.0, "F:maj");
    assert!(c > 0.6 && f > 0.6, "C {c:.2} before, F {f:.2} after");
    assert!(share(&ons, 4500.0, 9000.0, "C:maj") < f);
    assert_no_stuck_notes(&v);
}

#[test]
fn chords_on_the_chord_channel_and_a_recorded_progression_loops_on_time() {
    let mut o = ready(22);
    send(&mut o, 0.0, "chordchannel 16");
    // a chord on channel 1 is the performer's; one on 16 a chord
    send(&mut o, 0.0, "note 50 90 1");
    send(&mut o, 0.0, "note 53 90 1");
    assert!(events(&outs(&mut o), "chordin").is_empty());
    send(&mut o, 0.0, "chordrec 2");
    let v = outs(&mut o);
    assert_eq!(
        events(&v, "chordrec"),
        vec![vec![Atom::Float(2.0), Atom::Float(0.0)]]
    );
    let mut held = Vec::new();
    play_chord(&mut o, 0.0, &mut held, &[45, 48, 52], "16");
    run(&mut o, 0.0, 100.0);
    // (play at 100 ms: the times below are from it)
    send(&mut o, 100.0, "play");
    let mut v = run(&mut o, 100.0, 2050.0);
    // bar 2 (2 s at 120 BPM): D minor, played 50 ms early
    play_chord(&mut o, 2050.0, &mut held, &[50, 53, 57], "16");
    v.extend(run(&mut o, 2050.0, 4100.0));
    // the recording ends at bar 3: "A:min D:min" loops from then, in phase; the model knew
    // the chord held (D:min) a few beats past the end already, the changes after are on time
    let track = events(&v, "chords");
    assert_eq!(
        track,
        vec![vec![Atom::Float(2.0), Atom::Float(8.0)]],
        "{v:?}"
    );
    v.extend(run(&mut o, 4100.0, 12100.0));
    send(&mut o, 12100.0, "stop");
    v.extend(run(&mut o, 12100.0, 13100.0));
    let v = from_play(v, 100.0);
    let chords: Vec<String> = events(&v, "chord")
        .iter()
        .map(|a| a[0].to_string())
        .collect();
    // a bar each, from the recording's first bar on
    assert_eq!(
        &chords[..6],
        ["A:min", "D:min", "A:min", "D:min", "A:min", "D:min"],
        "{chords:?}"
    );
    let ons = ons(&v);
    for bar in 2..6 {
        let (from, to) = (bar as f64 * 2000.0, bar as f64 * 2000.0 + 2000.0);
        let from = if bar == 2 { from + 1500.0 } else { from };
        let chord = if bar % 2 == 0 { "A:min" } else { "D:min" };
        let s = share(&ons, from, to, chord);
        assert!(s > 0.6, "bar {bar}: {s:.2} of its notes {chord}");
    }
    assert_no_stuck_notes(&v);
    // recording again, stopped, nothing played: the chord still held (D:min) is the loop
    send(&mut o, 13100.0, "chordrec 1");
    send(&mut o, 13100.0, "play");
    let v = run(&mut o, 13100.0, 16100.0);
    assert_eq!(
        events(&v, "chords"),
        vec![vec![Atom::Float(1.0), Atom::Float(4.0)]]
    );
    assert_eq!(events(&v, "chord").last(), Some(&vec![Atom::sym("D:min")]));
}

#[test]
fn chordrec_needs_a_source_and_a_program_goes_out_on_the_parts_channel_at_play() {
    let mut o = ready(23);
    let e = try_send(&mut o, 0.0, "chordrec 4").unwrap_err().to_string();
    assert!(e.contains("chordsplit"), "{e}");
    send(&mut o, 0.0, "program bass 33");
    send(&mut o, 0.0, "channel inner 5");
    let programs = |v: &[Output]| -> Vec<(u8, u8)> {
        v.iter()
            .filter_map(|x| match *x {
                Output::Program { channel, program } => Some((channel, program)),
                _ => None,
            })
            .collect()
    };
    // at once, on the bass's channel (2), 0-based
    assert_eq!(programs(&outs(&mut o)), vec![(1, 32)]);
    send(&mut o, 0.0, "program inner 49");
    send(&mut o, 0.0, "program melody 0");
    assert_eq!(programs(&outs(&mut o)), vec![(4, 48)]);
    send(&mut o, 0.0, "play");
    assert_eq!(programs(&outs(&mut o)), vec![(1, 32), (4, 48)]);
    let e = try_send(&mut o, 0.0, "program drums 3")
        .unwrap_err()
        .to_string();
    assert!(e.contains("drums"), "{e}");
    assert!(try_send(&mut o, 0.0, "program bass 129").is_err());
    // a recording in which no chord was played: said, the chords as they were
    send(&mut o, 0.0, "chordsplit 48");
    send(&mut o, 0.0, "chordrec 1");
    let mut v = run(&mut o, 0.0, 3000.0);
    send(&mut o, 3000.0, "stop");
    v.extend(run(&mut o, 3000.0, 4000.0));
    assert!(
        errors(&v).iter().any(|e| e.contains("no chord was played")),
        "{v:?}"
    );
    assert!(events(&v, "chords").is_empty());
    assert_eq!(events(&v, "chord").last(), Some(&vec![Atom::sym("A:min7")]));
    assert_no_stuck_notes(&v);
}

/// Chords played as people play them (issue 20, a performer's trial): legato, the new keys go
/// down before the old ones come up, a chord's notes a few ms apart. Each change is named once,
/// as the new keys name it, when the keys have settled; a change whose keys share notes with
/// the chord before is heard too; a recorded loop goes on when the left hand keeps playing.
#[test]
fn legato_chords_are_named_once_from_the_new_keys_and_a_recorded_loop_stays() {
    let mut o = ready(24);
    send(&mut o, 0.0, "chordsplit 60");
    let mut v = Vec::new();
    let at = |o: &mut AccompObject, t: f64, text: &str, v: &mut Vec<Output>| {
        v.extend(run(o, t - 1.0, t));
        send(o, t, text);
        v.extend(outs(o));
    };
    // A minor, its notes 5 ms apart
    at(&mut o, 10.0, "note 45 90 1", &mut v);
    at(&mut o, 15.0, "note 48 90 1", &mut v);
    at(&mut o, 20.0, "note 52 90 1", &mut v);
    v.extend(run(&mut o, 20.0, 400.0));
    // F major, legato: 41 45 48 down (45 and 48 struck again), 52 up 60 ms later
    at(&mut o, 1000.0, "note 41 90 1", &mut v);
    at(&mut o, 1010.0, "note 45 90 1", &mut v);
    at(&mut o, 1020.0, "note 48 90 1", &mut v);
    at(&mut o, 1080.0, "note 52 0 1", &mut v);
    v.extend(run(&mut o, 1080.0, 1500.0));
    // G7, then D minor 7 over C, legato, sharing F (53): the old keys up after
    for (t, k) in [(2000.0, 43), (2005.0, 47), (2010.0, 53)] {
        at(&mut o, t, &format!("note {k} 90 1"), &mut v);
    }
    for k in [41, 45, 48] {
        at(&mut o, 2015.0, &format!("note {k} 0 1"), &mut v);
    }
    for (t, k) in [(3000.0, 36), (3004.0, 50), (3008.0, 53), (3012.0, 57)] {
        at(&mut o, t, &format!("note {k} 90 1"), &mut v);
    }
    for k in [43, 47] {
        at(&mut o, 3070.0, &format!("note {k} 0 1"), &mut v);
    }
    v.extend(run(&mut o, 3070.0, 3500.0));
    let named: Vec<String> = events(&v, "chordin")
        .iter()
        .map(|a| a[0].to_string())
        .collect();
    assert_eq!(named, ["A:min", "F:maj", "G:7", "D:min7"], "{named:?}");
    // common tones held over, not struck again (a second trial): Dm7/C -> G7 keeps 50 53,
    // strikes 43 47, lets 48 57 go; then Am/C over F: keeps 48, strikes 52 57, lets 41 45 go
    let mut v = Vec::new();
    for (t, k) in [(3600.0, 43), (3610.0, 47)] {
        at(&mut o, t, &format!("note {k} 90 1"), &mut v);
    }
    for (t, k) in [(3660.0, 36), (3660.0, 57)] {
        at(&mut o, t, &format!("note {k} 0 1"), &mut v);
    }
    v.extend(run(&mut o, 3660.0, 3900.0));
    for (t, k) in [(3900.0, 41), (3905.0, 45), (3910.0, 48)] {
        at(&mut o, t, &format!("note {k} 90 1"), &mut v);
    }
    for (t, k) in [(3960.0, 43), (3960.0, 47), (3960.0, 50), (3960.0, 53)] {
        at(&mut o, t, &format!("note {k} 0 1"), &mut v);
    }
    v.extend(run(&mut o, 3960.0, 4200.0));
    for (t, k) in [(4200.0, 52), (4210.0, 57)] {
        at(&mut o, t, &format!("note {k} 90 1"), &mut v);
    }
    for (t, k) in [(4260.0, 41), (4260.0, 45)] {
        at(&mut o, t, &format!("note {k} 0 1"), &mut v);
    }
    v.extend(run(&mut o, 4260.0, 4500.0));
    let named: Vec<String> = events(&v, "chordin")
        .iter()
        .map(|a| a[0].to_string())
        .collect();
    assert_eq!(named, ["G:7", "F:maj", "A:min"], "{named:?}");
    // back to D minor 7 before the recording below
    for k in [48, 52, 57] {
        at(&mut o, 4500.0, &format!("note {k} 0 1"), &mut v);
    }
    for (t, k) in [(4600.0, 48), (4605.0, 50), (4610.0, 53), (4615.0, 57)] {
        at(&mut o, t, &format!("note {k} 90 1"), &mut v);
    }
    v.extend(run(&mut o, 4615.0, 4900.0));
    assert_eq!(
        events(&v, "chordin").last(),
        Some(&vec![Atom::sym("D:min7")])
    );
    // a recording of the D minor 7 bar, then the left hand goes on: the loop stays
    send(&mut o, 5000.0, "chordrec 1");
    send(&mut o, 5000.0, "play");
    let mut v = run(&mut o, 5000.0, 5000.0 + 2600.0);
    assert_eq!(
        events(&v, "chords"),
        vec![vec![Atom::Float(1.0), Atom::Float(4.0)]]
    );
    for (t, k) in [(7700.0, 43), (7705.0, 47), (7710.0, 50)] {
        at(&mut o, t, &format!("note {k} 90 1"), &mut v);
    }
    v.extend(run(&mut o, 7710.0, 5000.0 + 10_000.0));
    assert!(events(&v, "chordin").is_empty(), "{v:?}");
    let chords: Vec<String> = events(&v, "chord")
        .iter()
        .map(|a| a[0].to_string())
        .collect();
    assert_eq!(chords, ["D:min7"], "the loop plays on: {chords:?}");
    // chordrec 0: the chords played lead again, the one played last before the loop too
    send(&mut o, 15_000.0, "chordrec 0");
    for k in [43, 47, 50, 48, 53, 57] {
        at(&mut o, 15_050.0, &format!("note {k} 0 1"), &mut v);
    }
    for (t, k) in [
        (15_100.0, 48),
        (15_105.0, 50),
        (15_110.0, 53),
        (15_115.0, 57),
    ] {
        at(&mut o, t, &format!("note {k} 90 1"), &mut v);
    }
    let v2 = run(&mut o, 15_115.0, 15_500.0);
    assert_eq!(events(&v2, "chordin"), vec![vec![Atom::sym("D:min7")]]);
    send(&mut o, 15_500.0, "stop");
    v.extend(v2);
    v.extend(run(&mut o, 15_500.0, 16_500.0));
    assert_no_stuck_notes(&v);
}

#[test]
fn a_chord_change_inside_a_long_chunk_is_held_and_said_in_its_turn() {
    std::env::set_var("BANDMATE_TEST_HOOKS", "1");
    let mut o = ready(4);
    send(&mut o, 0.0, "delta2 4");
    send(&mut o, 0.0, "chords C:maj 2 G:7 2 F:maj 2 A:min 2");
    send(&mut o, 0.0, "blocking 0");
    // chunk 0 made while stopped; every later one too slow
    run(&mut o, 0.0, 0.0);
    send(&mut o, 0.0, "_slow 4000");
    send(&mut o, 0.0, "play");
    let mut v = Vec::new();
    let mut said = Vec::new();
    let mut now = 0.0;
    while now < 4000.0 - 1.0 {
        let step = run(&mut o, now, now + 50.0);
        for c in events(&step, "chord") {
            said.push((now, c[0].to_string()));
        }
        v.extend(step);
        now += 50.0;
    }
    send(&mut o, 4000.0, "stop");
    v.extend(run(&mut o, 4000.0, 6000.0));
    // chunk 1 (2000..4000 ms) is late: F major held, then A minor, two beats each
    assert!(!events(&v, "late").is_empty(), "{v:?}");
    let ons = ons(&v);
    let f = share(&ons, 2000.0, 3000.0, "F:maj");
    let a = share(&ons, 3000.0, 4000.0, "A:min");
    assert!(
        f == 1.0 && a == 1.0,
        "held F {f}, then A minor {a}: {ons:?}"
    );
    assert!(
        ons.iter().any(|n| n.0 == 3000.0),
        "A minor struck at its time"
    );
    // said as it changes, within the 50 ms the host ticks here
    let names: Vec<&str> = said.iter().map(|s| s.1.as_str()).collect();
    assert_eq!(names[..4], ["C:maj", "G:7", "F:maj", "A:min"], "{said:?}");
    for (k, (t, _)) in said.iter().take(4).enumerate() {
        assert!((t - k as f64 * 1000.0).abs() <= 50.0, "{said:?}");
    }
    assert_no_stuck_notes(&v);
    send(&mut o, 6000.0, "_slow 0");
}

/// A host whose transport starts a hair before the song's start (Live reports -0.001 beats
/// with its latency compensation): the chunk made for the start plays, not a safe one.
#[test]
fn a_transport_starting_a_hair_before_the_start_plays_the_chunk_made_for_it() {
    let mut o = ready(6);
    let mut v = Vec::new();
    let mut now = 0.0;
    let mut beats = -0.002;
    while now < 3000.0 {
        send(&mut o, now, &format!("transport 1 120 {beats}"));
        v.extend(run(&mut o, now, now + 99.0));
        now += 100.0;
        beats += 0.2;
    }
    send(&mut o, now, "transport 0 120 0");
    v.extend(run(&mut o, now, now + 1000.0));
    assert!(
        events(&v, "restart").is_empty(),
        "{:?}",
        events(&v, "restart")
    );
    assert!(events(&v, "late").is_empty(), "{:?}", events(&v, "late"));
    assert!(ons(&v).iter().filter(|n| n.0 < 500.0).count() >= 2);
    assert_no_stuck_notes(&v);
}

/// Issue 24 (scenes) for the accompanist: its scene, through a scene file's JSON, rebuilds
/// another object that plays the same parts note for note: the chord track, the seed, parts,
/// channels, programs (a program 0 too), chords played from the left hand, the model folder.
#[test]
fn a_scene_rebuilds_the_accompanist_note_for_note() {
    use bandmate_core::objects::{SceneFile, ScenePart};
    let mut a = ready(31);
    for m in [
        "chords F:maj 2 D:min 2 Bb:maj7 C:7",
        "part inner 0",
        "channel bass 6",
        "program bass 34",
        "chordsplit 48",
        "harmony 0.5",
        "delta2 2",
        "tempo 132",
    ] {
        send(&mut a, 0.0, m);
    }
    let part = a.scene().expect("the accompanist keeps a scene");
    let _ = outs(&mut a);
    let mut file = SceneFile::default();
    file.parts.insert("accomp".into(), part);
    let file = SceneFile::from_json(&file.to_json()).unwrap();
    let part: &ScenePart = &file.parts["accomp"];
    let state = part.state.as_ref().expect("the model folder");
    assert!(
        a.state_paths(state).iter().any(|p| p.ends_with("accomp")),
        "{state:?}"
    );
    // another accompanist, set otherwise (a program on the bass that the scene clears)
    let mut b = ready(5);
    send(&mut b, 0.0, "program bass 20");
    send(&mut b, 0.0, "program inner 3");
    outs(&mut b);
    b.check_state(state).unwrap();
    for (sel, args) in &part.messages {
        b.message(0.0, sel, args)
            .unwrap_or_else(|e| panic!("{sel}: {e}"));
    }
    b.recall_state(0.0, state).unwrap();
    let _ = outs(&mut b);
    let play = |o: &mut AccompObject| {
        let mut v = run(o, 0.0, 0.0);
        send(o, 0.0, "play");
        v.extend(run(o, 0.0, 6000.0));
        send(o, 6000.0, "stop");
        v.extend(run(o, 6000.0, 7000.0));
        v
    };
    let (va, vb) = (play(&mut a), play(&mut b));
    assert!(ons(&va).len() > 10);
    assert_eq!(ons(&va), ons(&vb), "the same parts, note for note");
    let programs = |v: &[Output]| -> Vec<(u8, u8)> {
        v.iter()
            .filter_map(|x| match *x {
                Output::Program { channel, program } => Some((channel, program)),
                _ => None,
            })
            .collect()
    };
    assert_eq!(programs(&va), programs(&vb));
    assert_eq!(
        programs(&vb),
        vec![(5, 33)],
        "the inner voices' program cleared: {:?}",
        vb.iter()
            .filter(|x| !matches!(x, Output::Note { .. }))
            .collect::<Vec<_>>()
    );
    assert_eq!(b.attribute("chordsplit"), Some(48.0));
}

/// A review's findings on chords played and programs: a recording armed while stopped starts
/// where a host transport starts the song, not at its start; a chord played after typed chords
/// leads even when it is the one played before; keys held across a `chordsplit` change are
/// forgotten; a transport start sends the programs as `play` does.
#[test]
fn recordings_follow_a_transport_start_and_played_chords_lead_after_typed_ones() {
    let mut o = ready(41);
    send(&mut o, 0.0, "chordsplit 60");
    send(&mut o, 0.0, "program bass 40");
    send(&mut o, 0.0, "chordrec 2");
    let mut held = Vec::new();
    play_chord(&mut o, 0.0, &mut held, &[45, 48, 52], "");
    let mut v = run(&mut o, 0.0, 100.0);
    // the host starts at bar 5 (beat 16): the recording is bars 5-6
    let mut now = 100.0;
    let mut beats = 16.0;
    while now < 6000.0 {
        send(&mut o, now, &format!("transport 1 120 {beats}"));
        v.extend(run(&mut o, now, now + 99.0));
        if (now - 1100.0).abs() < 1.0 {
            // bar 6 (beat 20, 2100 ms): D minor
            play_chord(&mut o, 2050.0, &mut held, &[50, 53, 57], "");
        }
        now += 100.0;
        beats += 0.2;
    }
    let programs: Vec<(u8, u8)> = v
        .iter()
        .filter_map(|x| match *x {
            Output::Program { channel, program } => Some((channel, program)),
            _ => None,
        })
        .collect();
    assert_eq!(
        programs,
        [(1, 39), (1, 39)],
        "set, then at the transport's start"
    );
    assert!(errors(&v).is_empty(), "{:?}", errors(&v));
    assert_eq!(
        events(&v, "chords"),
        vec![vec![Atom::Float(2.0), Atom::Float(8.0)]],
        "two bars recorded from where the transport started"
    );
    send(&mut o, now, "transport 0 120 0");
    v.extend(run(&mut o, now, now + 1000.0));
    assert_no_stuck_notes(&v);
    // typed chords, then the chord played before: it leads again
    send(&mut o, 8000.0, "chords C:maj G:7");
    outs(&mut o);
    play_chord(&mut o, 8000.0, &mut held, &[50, 53, 57], "");
    let v = run(&mut o, 8000.0, 8200.0);
    assert_eq!(events(&v, "chordin"), vec![vec![Atom::sym("D:min")]]);
    // keys held across a split change are forgotten: a chord after names its own keys
    send(&mut o, 8200.0, "chordsplit 0");
    for k in [50, 53, 57] {
        send(&mut o, 8200.0, &format!("note {k} 0"));
    }
    held.clear();
    send(&mut o, 8300.0, "chordsplit 60");
    play_chord(&mut o, 8300.0, &mut held, &[43, 47, 50], "");
    let v = run(&mut o, 8300.0, 8500.0);
    assert_eq!(events(&v, "chordin"), vec![vec![Atom::sym("G:maj")]]);
}

#[test]
fn the_library_lists_only_accompanists_loads_by_name_and_train_needs_a_trainer() {
    let dir = TempDir::new("accomp-lib");
    let lib = dir.path("models");
    let mut o = ready(3);
    let e = try_send(&mut o, 0.0, "models").unwrap_err().to_string();
    assert!(e.contains("no model library yet"), "{e}");
    let e = try_send(&mut o, 0.0, "library relative/place")
        .unwrap_err()
        .to_string();
    assert!(e.contains("beside the patch"), "{e}");
    send(&mut o, 0.0, &format!("library {}", lib.display()));
    let v = outs(&mut o);
    assert_eq!(
        events(&v, "library"),
        vec![vec![
            Atom::Symbol(lib.display().to_string()),
            Atom::Float(0.0)
        ]]
    );
    send(&mut o, 0.0, "models");
    assert_eq!(events(&outs(&mut o), "models"), vec![Vec::<Atom>::new()]);
    // core alone has no trainer (the hosts install bandmate-tune's)
    let e = try_send(&mut o, 0.0, "train songs")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("train: ") && e.contains("no trainer"), "{e}");
    let e = try_send(&mut o, 0.0, "train songs ../up")
        .unwrap_err()
        .to_string();
    assert!(e.contains("model name"), "{e}");
    send(&mut o, 0.0, "cancel");
    // an accompanist and a groove model side by side in one library: only the accompanist
    // is listed here, and loads by its name
    let copy = |from: &Path, to: &Path| {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let f = e.unwrap().path();
            if f.is_file() {
                std::fs::copy(&f, to.join(f.file_name().unwrap())).unwrap();
            }
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    copy(&root.join("models/accomp"), &lib.join("mine"));
    copy(&root.join("models/groove"), &lib.join("drums"));
    std::fs::create_dir_all(lib.join(".half.tmp-1")).unwrap();
    send(&mut o, 0.0, "models");
    assert_eq!(
        events(&outs(&mut o), "models"),
        vec![vec![Atom::sym("mine")]]
    );
    assert_eq!(o.find("load", "mine"), Some(lib.join("mine")));
    assert_eq!(o.find("chordfile", "mine"), None);
    assert_eq!(o.find("load", "../mine"), None);
    send(&mut o, 0.0, &format!("load {}", lib.join("mine").display()));
    let v = outs(&mut o);
    assert_eq!(events(&v, "model").len(), 1, "{v:?}");
    assert!(errors(&v).is_empty(), "{v:?}");
    // a library that is a file is refused, and the one before stays
    let file = dir.path("a-file");
    std::fs::write(&file, b"x").unwrap();
    send(&mut o, 0.0, &format!("library {}", file.display()));
    let v = outs(&mut o);
    assert!(
        errors(&v).iter().any(|e| e.contains("not a folder")),
        "{v:?}"
    );
    assert_eq!(o.find("load", "mine"), Some(lib.join("mine")));
}
