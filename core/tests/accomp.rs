//! The shipped accompanist (models/accomp) through ONNX Runtime: the cache gives the same
//! logits as the whole context, it plays the parts asked over a chord track in time order,
//! what a performer plays changes what it plays, a long performance outlives its context, and
//! bad input is refused.

use std::path::{Path, PathBuf};

use bandmate_core::accomp::live::chord_track;
use bandmate_core::accomp::tokens::{self, Event, Setup, What, TICKS_PER_BEAT, VOCAB};
use bandmate_core::accomp::{AccompModel, Accompanist, Chord};

fn model_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/accomp")
}

fn chords(text: &str) -> Vec<Chord> {
    text.split_whitespace()
        .map(|c| Chord::parse(c).unwrap())
        .collect()
}

/// Play `bars` bars over the chord track, hearing `melody` (if any) as it is played, in chunks
/// of a beat. Returns every part event.
fn play(bars: u32, melody: &[Event], seed: u64) -> (Vec<Event>, Vec<Event>) {
    let setup = if melody.is_empty() {
        Setup::Alone
    } else {
        Setup::Accompany
    };
    let model = AccompModel::load(&model_dir()).unwrap();
    let mut acc = Accompanist::new(model, setup, TICKS_PER_BEAT, 0.3, seed).unwrap();
    let track = chord_track(&chords("C:maj7 A:min7 D:min7 G:7"), 4, bars * 4);
    for c in &track {
        acc.add(*c).unwrap();
    }
    let end = i64::from(bars * 4 * TICKS_PER_BEAT);
    let (mut out, mut heard, mut playhead) = (Vec::new(), 0, 0);
    while playhead < end {
        while heard < melody.len() && melody[heard].time < playhead {
            acc.add(melody[heard]).unwrap();
            heard += 1;
        }
        let chunk = acc
            .generate_until(playhead + i64::from(TICKS_PER_BEAT))
            .unwrap();
        // every event of a chunk starts inside it: never in a chunk already played
        for e in &chunk {
            assert!(
                (playhead..playhead + i64::from(TICKS_PER_BEAT)).contains(&e.time),
                "{e:?} outside its chunk from {playhead}"
            );
        }
        out.extend(chunk);
        playhead += i64::from(TICKS_PER_BEAT);
    }
    (out, track)
}

fn chord_tone_share(events: &[Event], track: &[Event]) -> f64 {
    let mut n = (0, 0);
    for e in events {
        let What::Part(_, key) = e.what else { continue };
        let c = track.iter().rev().find(|c| c.time <= e.time).unwrap();
        let What::Chord(i) = c.what else {
            unreachable!()
        };
        n.0 += usize::from(Chord::from_index(usize::from(i)).unwrap().has(key));
        n.1 += 1;
    }
    n.0 as f64 / n.1.max(1) as f64
}

#[test]
fn the_cache_gives_the_logits_of_the_whole_context() {
    let mut m = AccompModel::load(&model_dir()).unwrap();
    let seq = [
        tokens::BOS,
        tokens::SETUP_ALONE,
        tokens::DELTA2_BASE + 1,
        8,
        140,
        712,
        8,
        150,
        248,
    ];
    let whole = m.feed(&seq).unwrap();
    m.reset();
    let mut last = Vec::new();
    for t in seq {
        last = m.feed(&[t]).unwrap();
    }
    assert_eq!(whole.len(), VOCAB);
    let diff = whole
        .iter()
        .zip(&last)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(diff < 1e-3, "{diff}");
    assert_eq!(m.cached(), seq.len());
    // past the context: refused, the cache as it was
    let ctx = m.info().ctx;
    assert!(m.feed(&vec![8; ctx]).is_err());
    assert_eq!(m.cached(), seq.len());
    assert!(m.feed(&[VOCAB as u16]).is_err());
}

#[test]
fn it_plays_the_parts_asked_in_time_order_and_mostly_chord_tones() {
    let (events, track) = play(8, &[], 1);
    assert!(events.len() >= 32, "{} notes in 8 bars", events.len());
    let mut last = i64::MIN;
    let mut roles = [0; 3];
    for e in &events {
        assert!(e.time >= last && e.time < 8 * 4 * 12, "{e:?}");
        last = e.time;
        assert!((1..=tokens::MAX_DURATION).contains(&e.duration));
        let What::Part(role, key) = e.what else {
            panic!("{e:?}")
        };
        roles[usize::from(role)] += 1;
        // each part in its own register, roughly
        let range = [24..=72, 36..=84, 48..=96][usize::from(role)].clone();
        assert!(range.contains(&key), "{e:?}");
    }
    assert!(roles.iter().all(|&n| n > 0), "{roles:?}");
    let share = chord_tone_share(&events, &track);
    // random notes would be about a third; the chorales' own notes are 0.83 (see the card)
    assert!(share > 0.45, "{share}");
}

#[test]
fn what_the_performer_plays_changes_what_it_plays() {
    let melody = |pitches: &[u8]| -> Vec<Event> {
        (0..32)
            .map(|i| Event {
                time: i64::from(i) * 12,
                duration: 12,
                what: What::Human(pitches[i as usize % pitches.len()]),
            })
            .collect()
    };
    let (a, _) = play(8, &melody(&[72, 74, 76, 77]), 3);
    let (b, _) = play(8, &melody(&[60, 79, 62, 81, 64]), 3);
    let (a2, _) = play(8, &melody(&[72, 74, 76, 77]), 3);
    assert_eq!(a, a2, "the same input and seed play the same");
    assert_ne!(a, b);
    assert!(
        a.iter().all(|e| !matches!(e.what, What::Part(2, _))),
        "no melody part under a performer"
    );
}

#[test]
fn a_long_performance_outlives_its_context() {
    let (events, _) = play(48, &[], 5);
    let last_bar = events.iter().filter(|e| e.time >= 47 * 48).count();
    assert!(last_bar > 0, "still playing in the last bar");
}

#[test]
fn bad_input_is_refused() {
    let m = || AccompModel::load(&model_dir()).unwrap();
    assert!(Accompanist::new(m(), Setup::Alone, 7, 0.9, 1).is_err());
    assert!(Accompanist::new(m(), Setup::Alone, 12, 2.5, 1).is_err());
    let mut acc = Accompanist::new(m(), Setup::Alone, 12, 0.9, 1).unwrap();
    let human = Event {
        time: 0,
        duration: 12,
        what: What::Human(60),
    };
    let e = acc.add(human).unwrap_err().to_string();
    assert!(e.contains("alone"), "{e}");
    assert!(acc
        .add(Event {
            what: What::Part(0, 40),
            ..human
        })
        .is_err());
    assert!(acc.generate_until(48).is_ok(), "it still plays");
    // a missing folder and a corrupt model.json name what is wrong
    let e = AccompModel::load(Path::new("/nonexistent/accomp"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("/nonexistent/accomp"), "{e}");
    let dir = std::env::temp_dir().join(format!("bm-accomp-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(model_dir().join("accomp.onnx"), dir.join("accomp.onnx")).unwrap();
    let text = std::fs::read_to_string(model_dir().join("model.json")).unwrap();
    std::fs::write(
        dir.join("model.json"),
        text.replace("\"vocab\": 832", "\"vocab\": 900"),
    )
    .unwrap();
    let e = AccompModel::load(&dir).err().unwrap().to_string();
    assert!(e.contains("not this build's"), "{e}");
    std::fs::write(dir.join("model.json"), "{").unwrap();
    assert!(AccompModel::load(&dir).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A start refused (a chunk length the model does not know, a temperature out of range) gives
/// the model back: the worker starts again with it instead of losing it until a `load`.
#[test]
fn a_start_that_fails_gives_the_model_back() {
    let model = AccompModel::load(&model_dir()).unwrap();
    let Err((e, model)) = Accompanist::start(model, Setup::Alone, 5, 0.3, 1) else {
        panic!("delta2 of 5 ticks started");
    };
    assert!(e.to_string().contains("delta2"), "{e}");
    let Err((e, model)) = Accompanist::start(*model, Setup::Alone, TICKS_PER_BEAT, -1.0, 1) else {
        panic!("a negative temperature started");
    };
    assert!(e.to_string().contains("temperature"), "{e}");
    let mut a = Accompanist::start(*model, Setup::Alone, TICKS_PER_BEAT, 0.3, 1)
        .map_err(|(e, _)| e)
        .unwrap();
    for c in chord_track(&chords("C:maj G:7"), 2, 8) {
        a.add(c).unwrap();
    }
    assert!(!a
        .generate_until(i64::from(TICKS_PER_BEAT) * 4)
        .unwrap()
        .is_empty());
}

/// Compose mode (issue 23 item 3): a part's empty bars filled given the chords and the other
/// parts. Only the part's own notes come back, inside the gap, on the beat where the given
/// parts play (a given melody note at an instant no longer pushes the bass off it), the same
/// for the same seed; the given notes decide what it hears.
#[test]
fn infill_of_a_part_plays_only_its_gap_given_the_rest() {
    use bandmate_core::accomp::infill::{infill_part, PartGap, BAR_TICKS};
    let (song, track) = play(8, &[], 5);
    let (from, to) = (4 * BAR_TICKS, 6 * BAR_TICKS);
    let mut given: Vec<Event> = song
        .iter()
        .filter(|e| !(matches!(e.what, What::Part(0, _)) && e.time >= from && e.time < to))
        .copied()
        .collect();
    given.extend(&track);
    let model = AccompModel::load(&model_dir()).unwrap();
    let gap = PartGap { role: 0, from, to };
    let (bass, model) = infill_part(model, &given, gap, 1.0, 0.5, 2, 7);
    let bass = bass.unwrap();
    assert!(bass.len() >= 2, "{bass:?}");
    for e in &bass {
        assert!(matches!(e.what, What::Part(0, _)), "{e:?}");
        assert!(
            e.time >= from && e.time < to && e.time + i64::from(e.duration) <= to,
            "{e:?}"
        );
    }
    // on the beats: most bass notes start where a beat falls
    let on_beat = bass
        .iter()
        .filter(|e| e.time % i64::from(TICKS_PER_BEAT) == 0)
        .count();
    assert!(
        2 * on_beat >= bass.len(),
        "{on_beat} of {} on a beat",
        bass.len()
    );
    let (again, model) = infill_part(model, &given, gap, 1.0, 0.5, 2, 7);
    assert_eq!(again.unwrap(), bass, "the same seed, the same notes");
    // a gap that is not one, or no chords: said
    let (e, model) = infill_part(model, &given, PartGap { role: 3, from, to }, 1.0, 0.5, 1, 1);
    assert!(e.is_err());
    let parts: Vec<Event> = given
        .iter()
        .filter(|e| !matches!(e.what, What::Chord(_)))
        .copied()
        .collect();
    let (e, _) = infill_part(model, &parts, gap, 1.0, 0.5, 1, 1);
    assert!(e.unwrap_err().to_string().contains("chord track"));
}

/// The infill check `bandmate accomp-eval --infill N` prints, on two small works of four
/// voices in quarter notes: every part of each is filled once, nothing given is lost.
#[test]
fn the_part_infill_check_fills_each_part_of_each_work() {
    use bandmate_core::accomp::data::Work;
    use bandmate_core::accomp::infill::{seam_check, seam_table};
    let work = |path: &str, shift: u8| Work {
        path: path.into(),
        split: "test".into(),
        end: 32.0,
        notes: (0..32)
            .flat_map(|b| {
                let t = f64::from(b);
                [
                    (t, 1.0, 43 + shift + (b % 3) as u8, 0),
                    (t, 1.0, 55 + shift + (b % 2) as u8, 1),
                    (t, 1.0, 60 + shift, 1),
                    (t, 1.0, 67 + shift + (b % 4) as u8, 2),
                ]
            })
            .collect(),
        chords: (0..8)
            .map(|bar| {
                (
                    f64::from(bar * 4),
                    ["C:maj", "G:maj"][bar as usize % 2].to_string(),
                )
            })
            .collect(),
    };
    let works = [work("a", 0), work("b", 2)];
    let model = AccompModel::load(&model_dir()).unwrap();
    let (r, _) = seam_check(model, &works, &works, 1.0, 0.5, 1).unwrap();
    assert_eq!(r.spans, [2, 2, 2]);
    assert_eq!(r.kept.0, r.kept.1);
    assert!(r.kept.1 > 0);
    let table = seam_table(&r, "test", 1);
    assert!(
        table.contains("| bass (2 spans) | notes per bar |"),
        "{table}"
    );
    for row in [r.infill, r.random, r.real] {
        assert!(row.iter().flatten().all(|x| x.is_finite()));
    }
}

/// Found by a review: a bar under a bass note held from the bar before counted as empty, so
/// infill played under the held note; a note ringing only a beat into a bar leaves it to fill.
#[test]
fn a_bar_under_a_held_note_is_not_empty() {
    use bandmate_core::accomp::infill::Song;
    use bandmate_core::midi::{notes_to_smf, MidiFile, Note};
    let bass = |beat: f64, beats: f64| Note {
        beat,
        beats,
        channel: 0,
        key: 40,
        velocity: 80,
    };
    // whole notes held for two bars on bars 1, 3, 5 and 7 (1-based)
    let held: Vec<Note> = (0..4).map(|i| bass(f64::from(i) * 8.0, 8.0)).collect();
    let song = |notes: &[Note]| {
        Song::from_midi(&MidiFile::parse(&notes_to_smf(notes, 100.0, 32.0, "s").unwrap()).unwrap())
            .unwrap()
    };
    assert_eq!(song(&held).empty_bars(0), None);
    assert!(
        song(&held).sounds(0, 1, 2),
        "bar 2 is under the note of bar 1"
    );
    // a note on bar 1 ringing a beat into bar 2, then nothing until bar 4
    let ringing = [bass(0.0, 5.0), bass(12.0, 4.0)];
    assert_eq!(song(&ringing).empty_bars(0), Some((2, 3)));
}
