//! Compose mode's infill through the shipped groove model and the real ONNX Runtime, on a
//! drummer's performance from the Groove MIDI Dataset's test split with bars taken out.

mod common;

use std::path::{Path, PathBuf};

use bandmate_core::compose::{self, Clip, ClipNote, Gaps};
use bandmate_core::gmd;
use bandmate_core::midi::MidiFile;
use bandmate_core::model::GrooveModel;
use bandmate_core::Voice;
use common::TempDir;

fn model() -> GrooveModel {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove");
    GrooveModel::load(&dir).unwrap_or_else(|e| panic!("loading the shipped model: {e}"))
}

fn performance() -> PathBuf {
    gmd::default_root().join("drummer1/eval_session/2_funk-groove2_105_beat_4-4.mid")
}

/// The drummer's first 8 bars, without the notes of bars `first..=last` (1-based) for which
/// `drop` says so.
fn clip_without(first: usize, last: usize, drop: impl Fn(&ClipNote) -> bool) -> Clip {
    let file = MidiFile::read(&performance()).unwrap();
    let whole = Clip::from_midi(&file).unwrap();
    let notes = whole
        .notes()
        .iter()
        .filter(|n| n.beat < 32.0 - 0.125)
        .filter(|n| !((first..=last).contains(&bar_of(n)) && drop(n)))
        .copied()
        .collect();
    Clip::new(notes, 8).unwrap()
}

/// The bar (1-based) a note counts in: that of its nearest 16th, as the grid reads it.
fn bar_of(n: &ClipNote) -> usize {
    let step = (n.beat * 4.0 - 0.5).ceil().max(0.0) as usize;
    step / 16 + 1
}

#[test]
fn empty_bars_are_filled_and_every_given_note_kept_exactly() {
    let clip = clip_without(4, 5, |_| true);
    let gaps = Gaps::choose(&clip, None, None).unwrap();
    assert_eq!(
        gaps.bars(),
        vec![3, 4],
        "the empty bars, found by themselves"
    );
    let mut m = model();
    let added = compose::infill(&mut m, &clip, &gaps, 1.0, 7).unwrap();
    // the drummer plays about 20 notes a bar here: the filled bars are played, not sprinkled
    assert!(added.len() >= 20, "{} notes added", added.len());
    assert!(
        added.iter().all(|n| (4..=5).contains(&bar_of(n))),
        "notes outside the gap: {added:?}"
    );
    let kicks = added.iter().filter(|n| n.key == 36).count();
    let snares = added.iter().filter(|n| n.key == 38).count();
    assert!(kicks >= 2 && snares >= 2, "kicks {kicks}, snares {snares}");
    // the same request, the same notes; another seed, other notes
    assert_eq!(
        compose::infill(&mut m, &clip, &gaps, 1.0, 7).unwrap(),
        added
    );
    assert_ne!(
        compose::infill(&mut m, &clip, &gaps, 1.0, 8).unwrap(),
        added
    );

    // written out and read back: the clip's own notes exactly where they were
    let dir = TempDir::new("compose-keep");
    let out = dir.path("filled.mid");
    clip.write(&out, &added, 105.0).unwrap();
    let back = Clip::read(&out).unwrap();
    assert_eq!(back.bars(), 8);
    assert_eq!(back.notes().len(), clip.notes().len() + added.len());
    let tick = |b: f64| (b.max(0.0) * 480.0).round() as i64;
    for n in clip.notes() {
        assert!(
            back.notes().iter().any(|b| tick(b.beat) == tick(n.beat)
                && b.key == n.key
                && b.velocity == n.velocity
                && (tick(b.beat + b.beats) - tick(n.beat + n.beats)).abs() <= 1),
            "the note {n:?} was not kept"
        );
    }
}

#[test]
fn only_the_drums_asked_for_are_filled_beside_the_ones_that_play() {
    // bars 3-4 lose their hats; the kick and snare stay
    let hat =
        |n: &ClipNote| n.voice() == Some(Voice::ClosedHat) || n.voice() == Some(Voice::OpenHat);
    let clip = clip_without(3, 4, hat);
    let gaps = Gaps::choose(&clip, Some((3, 4)), Some(&[Voice::ClosedHat])).unwrap();
    assert_eq!(gaps.count(), 2, "closed hat in bars 3 and 4");
    let added = compose::infill(&mut model(), &clip, &gaps, 1.0, 3).unwrap();
    assert!(added.len() >= 8, "{} hats added", added.len());
    assert!(added
        .iter()
        .all(|n| n.voice() == Some(Voice::ClosedHat) && (3..=4).contains(&bar_of(n))));
    // a drum that plays in the bars is never filled there: asking for the kick gives nothing
    let e = Gaps::choose(&clip, Some((3, 4)), Some(&[Voice::Kick])).unwrap_err();
    assert!(e.to_string().contains("already plays"), "{e}");
}

#[test]
fn a_bad_clip_or_range_is_refused_with_what_was_wrong() {
    let note = |beat: f64, key: u8| ClipNote {
        beat,
        beats: 0.125,
        key,
        velocity: 90,
        channel: 9,
    };
    let e = Clip::new(vec![], 8).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    let e = Clip::new(vec![note(0.0, 36)], 33).unwrap_err();
    assert!(e.to_string().contains("33 bars"), "{e}");
    let e = Clip::new(vec![note(0.0, 36)], 2).unwrap_err();
    assert!(e.to_string().contains("4 to 32"), "{e}");
    let e = Clip::new(vec![note(0.0, 36), note(1.0, 60), note(2.0, 60)], 4).unwrap_err();
    assert!(e.to_string().contains("60 x2"), "{e}");
    let e = Clip::new(vec![note(16.5, 36)], 4).unwrap_err();
    assert!(e.to_string().contains("outside the clip"), "{e}");
    let clip = clip_without(4, 5, |_| true);
    let e = Gaps::choose(&clip, Some((7, 9)), None).unwrap_err();
    assert!(e.to_string().contains("bars 1-8"), "{e}");
    assert!(compose::parse_bars("8-5").is_err());
    assert!(compose::parse_bars("x").is_err());
    assert_eq!(compose::parse_bars("5").unwrap(), (5, 5));
    assert_eq!(compose::parse_bars("5-8").unwrap(), (5, 8));
    let full = clip_without(1, 0, |_| false);
    let e = Gaps::choose(&full, None, None).unwrap_err();
    assert!(e.to_string().contains("no bar of the clip is empty"), "{e}");
    // nothing to take the feel from
    let lonely = Clip::new(vec![note(0.0, 36)], 4).unwrap();
    let e = Gaps::choose(&lonely, Some((1, 4)), None).unwrap_err();
    assert!(e.to_string().contains("feel"), "{e}");

    // 3/4 and 7/8 files: the time signature meta event of a written clip changed
    let dir = TempDir::new("compose-meter");
    let bytes = clip.to_smf(&[], 105.0, "x").unwrap();
    let at = bytes
        .windows(3)
        .position(|w| w == [0xFF, 0x58, 0x04])
        .expect("a time signature");
    for (num, den_pow, name) in [(3u8, 2u8, "3/4"), (7, 3, "7/8")] {
        let mut b = bytes.clone();
        b[at + 3] = num;
        b[at + 4] = den_pow;
        let path = dir.path(&format!("{num}.mid"));
        std::fs::write(&path, &b).unwrap();
        let e = Clip::read(&path).unwrap_err();
        assert!(e.to_string().contains(name), "{e}");
        assert!(e.to_string().contains("4/4 only"), "{e}");
    }
}

#[test]
fn a_fill_plays_the_last_beats_on_the_toms_and_snare_and_keeps_the_rest() {
    use bandmate_core::groove::{Drummer, Request, Task};
    let mut m = model();
    let busy = |p: &bandmate_core::Pattern, from: usize| {
        p.hits()
            .filter(|(s, v, _)| {
                *s >= from
                    && matches!(
                        v,
                        Voice::Snare | Voice::LowTom | Voice::MidTom | Voice::HighTom
                    )
            })
            .count()
    };
    let (mut loops, mut fills) = (0, 0);
    for seed in 0..20 {
        let mut r = Request::new();
        r.set_seed(seed);
        let g = m.generate(&r).unwrap();
        let f = m.fill(&g, 4, seed).unwrap();
        assert_eq!(f.task, Task::Fill);
        assert_eq!(
            f.latent, g.latent,
            "the loop's own latent, for what comes next"
        );
        assert_eq!(
            f.pattern.window(0, 16).unwrap(),
            g.pattern.window(0, 16).unwrap()
        );
        // two beats: only the last two change
        let two = m.fill(&g, 2, seed).unwrap();
        assert_eq!(
            two.pattern.window(0, 24).unwrap(),
            g.pattern.window(0, 24).unwrap()
        );
        assert_eq!(m.fill(&g, 4, seed).unwrap(), f, "same seed, same fill");
        loops += busy(&g.pattern, 16);
        fills += busy(&f.pattern, 16);
    }
    assert!(
        fills as f32 > 1.3 * loops as f32,
        "snare and toms in the last bar: fills {fills}, the loops' own {loops}"
    );
}

/// A fill is played in its loop's feel: its bar's mean timing is nearer its own loop's than
/// another loop's (the loop's groove and performance latents are kept).
#[test]
fn a_fill_keeps_the_loops_feel() {
    use bandmate_core::groove::{Drummer, Request};
    let mut m = model();
    // a bar's mean timing (0 for an empty bar)
    let mean_offset = |p: &bandmate_core::Pattern, bar: usize| {
        compose::bar_features(p, bar).map_or(0.0, |f| f[2])
    };
    let (mut own, mut other) = (0.0, 0.0);
    let loops: Vec<_> = (0..24)
        .map(|seed| {
            let mut r = Request::new();
            r.set_seed(seed);
            m.generate(&r).unwrap()
        })
        .collect();
    for (i, g) in loops.iter().enumerate() {
        let f = m.fill(g, 4, i as u64).unwrap();
        let fill = mean_offset(&f.pattern, 1);
        own += (fill - mean_offset(&g.pattern, 0)).abs();
        let next = &loops[(i + 1) % loops.len()];
        other += (fill - mean_offset(&next.pattern, 0)).abs();
    }
    eprintln!("a fill's mean timing from its loop's: {own:.2}, from another loop's: {other:.2}");
    assert!(own < 0.75 * other, "own {own}, other {other}");
}

#[test]
fn a_fill_that_cannot_be_played_says_why() {
    use bandmate_core::baseline::RuleDrummer;
    use bandmate_core::groove::{Drummer, Request};
    let mut m = model();
    let g = m.generate(&Request::new()).unwrap();
    for beats in [0, 5] {
        let e = m.fill(&g, beats, 1).unwrap_err();
        assert!(e.to_string().contains("1 to 4 beats"), "{e}");
    }
    let rules = RuleDrummer::new().generate(&Request::new()).unwrap();
    let e = m.fill(&rules, 4, 1).unwrap_err();
    assert!(
        e.to_string().contains("did not come from this model"),
        "{e}"
    );
    // a model whose prior has no fill weights
    let dir = TempDir::new("compose-nofill");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove");
    for f in ["model.json", "encoder.onnx", "decoder.onnx", "prior.json"] {
        std::fs::copy(src.join(f), dir.path(f)).unwrap();
    }
    let mut prior: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path("prior.json")).unwrap()).unwrap();
    prior.as_object_mut().unwrap().remove("fill_weights");
    std::fs::write(dir.path("prior.json"), prior.to_string()).unwrap();
    let mut old = GrooveModel::load(&dir.path("")).unwrap();
    let g = old.generate(&Request::new()).unwrap();
    let e = old.fill(&g, 4, 1).unwrap_err();
    assert!(e.to_string().contains("knows no fills"), "{e}");
}

/// Found by a performer's trial: a clip's other instruments (a bass line on channel 1 beside
/// the drums on 10) were dropped from what infill wrote, and drums on another channel came
/// back on channel 10.
#[test]
fn other_instruments_and_the_drums_own_channel_are_kept() {
    use bandmate_core::midi::{notes_to_smf, Note};
    let dir = TempDir::new("compose-others");
    let drums = clip_without(4, 5, |_| true);
    let mut notes: Vec<Note> = drums
        .notes()
        .iter()
        .map(|n| Note {
            beat: n.beat.max(0.0),
            beats: n.beats,
            channel: 9,
            key: n.key,
            velocity: n.velocity,
        })
        .collect();
    let bass: Vec<Note> = (0..16)
        .map(|i| Note {
            beat: i as f64 * 2.0,
            beats: 1.5,
            channel: 0,
            key: 40 + (i % 4) as u8,
            velocity: 80,
        })
        .collect();
    notes.extend(&bass);
    let input = dir.path("band.mid");
    std::fs::write(&input, notes_to_smf(&notes, 105.0, 32.0, "band").unwrap()).unwrap();
    let clip = Clip::read(&input).unwrap();
    assert_eq!(
        clip.notes().len(),
        drums.notes().len(),
        "the drums alone are the clip"
    );
    let gaps = Gaps::choose(&clip, None, None).unwrap();
    let added = compose::infill(&mut model(), &clip, &gaps, 1.0, 2).unwrap();
    let out = dir.path("out.mid");
    clip.write(&out, &added, clip.bpm().unwrap()).unwrap();
    let back = MidiFile::read(&out).unwrap();
    let on = |ch: u8| back.notes.iter().filter(|n| n.channel == ch).count();
    assert_eq!(on(0), 16, "the bass line is kept");
    for b in &bass {
        assert!(back
            .notes
            .iter()
            .any(|n| n.channel == 0 && n.key == b.key && (n.beat - b.beat).abs() < 1e-9));
    }
    assert_eq!(on(9), drums.notes().len() + added.len());
    assert!((back.initial_bpm() - 105.0).abs() < 0.01);

    // drums on channel 1 alone: written back there, the new ones too
    let on_one: Vec<Note> = notes
        .iter()
        .filter(|n| n.channel == 9)
        .map(|n| Note { channel: 0, ..*n })
        .collect();
    let input = dir.path("one.mid");
    std::fs::write(&input, notes_to_smf(&on_one, 105.0, 32.0, "one").unwrap()).unwrap();
    let clip = Clip::read(&input).unwrap();
    assert_eq!(clip.drum_channel(), 0);
    let added = compose::infill(&mut model(), &clip, &gaps, 1.0, 2).unwrap();
    clip.write(&out, &added, 105.0).unwrap();
    let back = MidiFile::read(&out).unwrap();
    assert!(back.notes.iter().all(|n| n.channel == 0));
    assert_eq!(back.notes.len(), on_one.len() + added.len());
}

/// Found by a review: a note ringing a little past the clip's end made a ninth, empty bar
/// that infill then filled; a note late on the last step read as early.
#[test]
fn the_clip_ends_where_its_bars_end_and_its_last_step_keeps_its_timing() {
    use bandmate_core::midi::{notes_to_smf, Note};
    let dir = TempDir::new("compose-end");
    let example = compose::example_clip();
    let mut notes: Vec<Note> = example
        .notes()
        .iter()
        .map(|n| Note {
            beat: n.beat.max(0.0),
            beats: n.beats,
            channel: 9,
            key: n.key,
            velocity: n.velocity,
        })
        .collect();
    // a crash on the last 8th, held a beat past the end; a hat late on the last 16th
    notes.push(Note {
        beat: 31.5,
        beats: 1.25,
        channel: 9,
        key: 49,
        velocity: 100,
    });
    notes.push(Note {
        beat: 31.85,
        beats: 0.1,
        channel: 9,
        key: 42,
        velocity: 60,
    });
    let path = dir.path("ring.mid");
    std::fs::write(&path, notes_to_smf(&notes, 100.0, 32.75, "ring").unwrap()).unwrap();
    let clip = Clip::read(&path).unwrap();
    assert_eq!(clip.bars(), 8);
    assert_eq!(Gaps::choose(&clip, None, None).unwrap().bars(), vec![4, 5]);
    let hat = clip.pattern().get(127, Voice::ClosedHat).unwrap();
    assert!((hat.offset - 0.4).abs() < 1e-3, "{hat:?}");
}
