//! The SmartLooper's core: corpora of the Groove MIDI Dataset and of synthetic melodic loops,
//! the next-segment process over long runs, seed capture, bad input, incremental rebuilds.

mod common;

use bandmate_core::gmd::{self, Split};
use bandmate_core::looper::{
    notes_from_live, seed_segments, BuildOptions, Controls, Corpus, EmbedderChoice, LiveNote,
    LoopNote, Navigator, CORPUS_FILE_NAME, FORMAT_VERSION,
};
use bandmate_core::rng::Rng;
use bandmate_core::ErrorKind;
use common::TempDir;
use midly::num::{u15, u24, u28, u4, u7};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const PPQ: u16 = 480;

/// (beat, beats, channel, key, velocity)
type Note = (f64, f64, u8, u8, u8);

/// A format-0 file at 480 PPQ: tempo, meter, the notes with real note-offs, End-of-Track at
/// `end_beats`.
fn midi_bytes(notes: &[Note], bpm: f64, meter: (u8, u8), end_beats: f64) -> Vec<u8> {
    let tick = |b: f64| (b * PPQ as f64).round() as u64;
    let mut evs: Vec<(u64, bool, u8, u8, u8)> = Vec::new();
    for &(b, len, ch, key, vel) in notes {
        evs.push((tick(b), true, ch, key, vel));
        evs.push((tick(b + len), false, ch, key, 0));
    }
    // Offs before ons at the same tick.
    evs.sort_by_key(|e| (e.0, e.1));
    let meta = |kind| TrackEvent {
        delta: u28::new(0),
        kind: TrackEventKind::Meta(kind),
    };
    let denom_pow = meter.1.trailing_zeros() as u8;
    let mut track = vec![
        meta(MetaMessage::Tempo(u24::new((60e6 / bpm).round() as u32))),
        meta(MetaMessage::TimeSignature(meter.0, denom_pow, 24, 8)),
    ];
    let mut last = 0;
    for (t, on, ch, key, vel) in evs {
        let message = if on {
            MidiMessage::NoteOn {
                key: u7::new(key),
                vel: u7::new(vel),
            }
        } else {
            MidiMessage::NoteOff {
                key: u7::new(key),
                vel: u7::new(0),
            }
        };
        track.push(TrackEvent {
            delta: u28::new((t - last) as u32),
            kind: TrackEventKind::Midi {
                channel: u4::new(ch),
                message,
            },
        });
        last = t;
    }
    track.push(TrackEvent {
        delta: u28::new(tick(end_beats).saturating_sub(last) as u32),
        kind: TrackEventKind::Meta(MetaMessage::EndOfTrack),
    });
    let mut out = Vec::new();
    Smf {
        header: Header::new(Format::SingleTrack, Timing::Metrical(u15::new(PPQ))),
        tracks: vec![track],
    }
    .write_std(&mut out)
    .unwrap();
    out
}

fn write_midi(path: &Path, notes: &[Note], bpm: f64, end_beats: f64) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, midi_bytes(notes, bpm, (4, 4), end_beats)).unwrap();
}

/// A folder of melodic loops in 8 families (bass, keys, lead: a scale, a rhythm, a register
/// each), 16 variants per family with a few notes changed, of 4, 8, 16 and 32 beats.
fn write_melodic_corpus(dir: &Path) -> usize {
    let families = [
        ("bass", "dorian-walk", 1u8, 36u8, [0, 2, 3, 5, 7, 9, 10]),
        ("bass", "funk_slap", 1, 31, [0, 3, 5, 7, 10, 12, 15]),
        ("keys", "soul chords", 2, 60, [0, 4, 7, 11, 14, 16, 19]),
        ("keys", "minor-stabs", 2, 57, [0, 3, 7, 10, 14, 15, 19]),
        ("lead", "pentatonic_riff", 3, 72, [0, 2, 4, 7, 9, 12, 14]),
        ("lead", "blues-line", 3, 67, [0, 3, 5, 6, 7, 10, 12]),
        ("arp", "major arp", 4, 64, [0, 4, 7, 12, 16, 19, 24]),
        ("arp", "whole-tone", 4, 50, [0, 2, 4, 6, 8, 10, 12]),
    ];
    let mut rng = Rng::new(7);
    let mut count = 0;
    for (f, (folder, style, ch, root, scale)) in families.iter().enumerate() {
        // The family's one-bar rhythm on the 16th grid and its note lengths.
        let mut frng = Rng::new(100 + f as u64);
        let density = 3 + f % 5;
        let mut steps: Vec<usize> = (0..16)
            .filter(|_| frng.uniform() < density as f32 / 10.0)
            .collect();
        if steps.is_empty() || steps[0] != 0 {
            steps.insert(0, 0);
        }
        let len16: f64 = [1.0, 2.0, 4.0, 1.0, 3.0, 2.0, 1.0, 6.0][f];
        for v in 0..16 {
            let beats = [4.0, 8.0, 16.0, 32.0][v % 4];
            let mut notes: Vec<Note> = Vec::new();
            for bar in 0..(beats as usize / 4) {
                for (k, &s) in steps.iter().enumerate() {
                    let b = bar as f64 * 4.0 + s as f64 / 4.0;
                    let degree = (k + bar + f) % scale.len();
                    let mut key = root + scale[degree];
                    let mut vel = 70 + ((k * 13 + f * 7) % 40) as u8;
                    // A few notes changed per variant.
                    if rng.uniform() < 0.15 {
                        key = root + scale[(degree + 1 + v % 3) % scale.len()];
                        vel = vel.saturating_sub(15).max(1);
                    }
                    let len = (len16 / 4.0).min(beats - b);
                    notes.push((b, len, *ch, key, vel));
                    if *folder == "keys" {
                        notes.push((b, len, *ch, key + 7, vel - 10));
                    }
                }
            }
            let name = format!("{folder}/{style}_{v}.mid");
            write_midi(&dir.join(name), &notes, 90.0 + f as f64 * 5.0, beats);
            count += 1;
        }
    }
    count
}

/// The GMD's test and validation splits (253 performances) copied into a folder.
fn copy_gmd(dir: &Path) -> usize {
    let root = common::gmd_root();
    let mut n = 0;
    for e in gmd::load_info(&root).unwrap() {
        if e.split == Split::Test || e.split == Split::Validation {
            let to = dir.join(&e.midi_filename);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(root.join(&e.midi_filename), to).unwrap();
            n += 1;
        }
    }
    n
}

struct Built {
    dir: TempDir,
    corpus: Corpus,
}

fn handcrafted() -> BuildOptions {
    BuildOptions {
        embedder: EmbedderChoice::Handcrafted,
        ..Default::default()
    }
}

fn model_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove")
}

fn melodic() -> &'static Built {
    static C: OnceLock<Built> = OnceLock::new();
    C.get_or_init(|| {
        let dir = TempDir::new("looper-melodic");
        assert_eq!(write_melodic_corpus(dir.dir()), 128);
        let (corpus, report) = Corpus::build(dir.dir(), &BuildOptions::default(), None).unwrap();
        assert_eq!(
            corpus.embedder_name(),
            "handcrafted",
            "Auto on melodic loops"
        );
        assert_eq!((report.files, report.skipped.len()), (128, 0));
        // 32 files of 4, 8 and 16 beats give one segment, the 32 of 32 beats four.
        assert_eq!(report.segments, 96 + 32 * 4);
        Built { dir, corpus }
    })
}

fn gmd_dir() -> &'static TempDir {
    static D: OnceLock<TempDir> = OnceLock::new();
    D.get_or_init(|| {
        let dir = TempDir::new("looper-gmd");
        assert_eq!(copy_gmd(dir.dir()), 253);
        dir
    })
}

fn gmd_corpus() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| {
        let (c, r) = Corpus::build(gmd_dir().dir(), &handcrafted(), None).unwrap();
        assert_eq!(r.files, 253);
        assert!(r.segments > 2000, "{} segments", r.segments);
        assert!(c.segments().iter().all(|s| s.drums));
        c
    })
}

fn gmd_groove_corpus() -> &'static Corpus {
    static C: OnceLock<Corpus> = OnceLock::new();
    C.get_or_init(|| {
        let (c, r) = Corpus::build(gmd_dir().dir(), &BuildOptions::default(), None).unwrap();
        assert_eq!(
            r.embedder, "groove",
            "Auto on drums with the model: {:?}",
            r.messages
        );
        // the gestures' latents (56 dims), not format 4's performance latent
        let m = bandmate_core::model::GrooveModel::load(&model_dir()).unwrap();
        assert_eq!(c.dim(), m.info().gesture_dims());
        assert_eq!(c.dim(), 56);
        c
    })
}

/// Mean distance between two different segments drawn uniformly.
fn random_pair_distance(c: &Corpus) -> f64 {
    let mut rng = Rng::new(99);
    let n = c.len();
    let mut sum = 0.0;
    let mut k = 0;
    while k < 20_000 {
        let a = (rng.next_u64() % n as u64) as usize;
        let b = (rng.next_u64() % n as u64) as usize;
        if a != b {
            sum += c.distance(a, b) as f64;
            k += 1;
        }
    }
    sum / k as f64
}

struct Run {
    segments: Vec<usize>,
    repeats: usize,
    moves: usize,
    move_distance: f64,
}

fn run(c: &Corpus, controls: Controls, seed: u64, choices: usize) -> Run {
    let mut nav = Navigator::new(seed);
    nav.set_controls(controls).unwrap();
    let mut cur = nav.start(c, c.embedding(0));
    let mut r = Run {
        segments: vec![cur],
        repeats: 0,
        moves: 0,
        move_distance: 0.0,
    };
    for _ in 0..choices {
        let ch = nav.choose(c, cur, None);
        if ch.repeat {
            assert_eq!(ch.segment, cur);
            r.repeats += 1;
        } else {
            assert_ne!(ch.segment, cur);
            assert!((ch.distance - c.distance(cur, ch.segment)).abs() < 1e-6);
            r.moves += 1;
            r.move_distance += ch.distance as f64;
        }
        cur = ch.segment;
        r.segments.push(cur);
    }
    r.move_distance /= r.moves.max(1) as f64;
    r
}

/// (tick, channel, key, velocity) of note-ons.
type NoteOns = HashSet<(u64, u8, u8, u8)>;

/// Every note-on of a file, read with midly alone: (tick, channel, key, velocity), and its PPQ.
fn raw_note_ons(path: &Path) -> (NoteOns, f64) {
    let bytes = std::fs::read(path).unwrap();
    let smf = Smf::parse(&bytes).unwrap();
    let Timing::Metrical(ppq) = smf.header.timing else {
        panic!("metrical timing expected")
    };
    let mut set = HashSet::new();
    for track in &smf.tracks {
        let mut t = 0u64;
        for ev in track {
            t += ev.delta.as_int() as u64;
            if let TrackEventKind::Midi {
                channel,
                message: MidiMessage::NoteOn { key, vel },
            } = ev.kind
            {
                if vel.as_int() > 0 {
                    set.insert((t, channel.as_int(), key.as_int(), vel.as_int()));
                }
            }
        }
    }
    (set, ppq.as_int() as f64)
}

/// Every note of every segment played is a note of its source file (onset, channel, key,
/// velocity), re-read independently; returns how many notes were checked.
fn check_notes_come_from_files(c: &Corpus, dir: &Path, played: &[usize]) -> usize {
    let mut files: HashMap<String, (NoteOns, f64)> = HashMap::new();
    let mut checked = 0;
    let distinct: HashSet<usize> = played.iter().copied().collect();
    for &i in &distinct {
        let s = &c.segments()[i];
        let (set, ppq) = files
            .entry(s.source.clone())
            .or_insert_with(|| raw_note_ons(&dir.join(&s.source)));
        for n in &s.notes {
            assert!(
                n.beat >= 0.0 && n.beat < s.beats && n.beats > 0.0,
                "{}: {n:?}",
                s.name()
            );
            assert!(
                n.beat + n.beats <= s.beats + 1e-9,
                "{}: {n:?} rings past the end",
                s.name()
            );
            let tick = ((s.start_beat + n.beat) * *ppq).round() as u64;
            assert!(
                set.contains(&(tick, n.channel, n.key, n.velocity)),
                "{}: {n:?} is not a note of {}",
                s.name(),
                s.source
            );
            checked += 1;
        }
    }
    checked
}

fn check_long_run(c: &Corpus, dir: &Path, what: &str) {
    let random = random_pair_distance(c);
    let r = run(c, Controls::default(), 1, 10_000);
    eprintln!(
        "{what}: {} segments, mean move distance {:.4} vs random {:.4} (ratio {:.3}), {} moves, \
         {} distinct segments played",
        c.len(),
        r.move_distance,
        random,
        r.move_distance / random,
        r.moves,
        r.segments.iter().collect::<HashSet<_>>().len()
    );
    assert!(
        r.move_distance <= 0.5 * random,
        "{what}: moves average {:.4}, random pairs {:.4}",
        r.move_distance,
        random
    );
    let checked = check_notes_come_from_files(c, dir, &r.segments);
    assert!(checked > 100, "{checked} notes checked");
}

#[test]
fn gmd_long_run_moves_smoothly_and_plays_only_corpus_notes() {
    check_long_run(
        gmd_corpus(),
        gmd_dir().dir(),
        "GMD test+validation, handcrafted",
    );
}

#[test]
fn gmd_long_run_with_the_groove_encoder() {
    check_long_run(
        gmd_groove_corpus(),
        gmd_dir().dir(),
        "GMD test+validation, groove encoder",
    );
}

#[test]
fn melodic_long_run_moves_smoothly_and_plays_only_corpus_notes() {
    let m = melodic();
    check_long_run(&m.corpus, m.dir.dir(), "synthetic melodic loops");
}

#[test]
fn repeat_rate_follows_the_control() {
    for c in [&melodic().corpus, gmd_corpus()] {
        for p in [0.2, 0.5, 0.8] {
            let controls = Controls {
                repeat: p,
                ..Controls::default()
            };
            let r = run(c, controls, 3, 4000);
            let rate = r.repeats as f64 / 4000.0;
            assert!((rate - p).abs() <= 0.05, "repeat {p}: rate {rate}");
        }
    }
}

#[test]
fn same_seed_same_choices_other_seed_other_choices() {
    let c = &melodic().corpus;
    let a = run(c, Controls::default(), 42, 500).segments;
    assert_eq!(a, run(c, Controls::default(), 42, 500).segments);
    assert_ne!(a, run(c, Controls::default(), 43, 500).segments);
    // reseed (with the history cleared) starts the sequence again.
    let mut nav = Navigator::new(5);
    let first: Vec<_> = (0..50).map(|_| nav.choose(c, 0, None).segment).collect();
    nav.reseed(5);
    nav.clear_history();
    let again: Vec<_> = (0..50).map(|_| nav.choose(c, 0, None).segment).collect();
    assert_eq!(first, again);
    // A navigator can move to another thread; a corpus can be shared between threads.
    fn is_send<T: Send>(_: &T) {}
    is_send(&nav);
    fn is_send_sync<T: Send + Sync>(_: &T) {}
    is_send_sync(c);
}

#[test]
fn avoid_labels_and_max_step_are_respected() {
    let c = &melodic().corpus;
    // avoid: never move to one of the last N distinct segments before the current one.
    for avoid in [1, 4, 8] {
        let controls = Controls {
            repeat: 0.3,
            avoid,
            max_step: 2.0,
            ..Controls::default()
        };
        let r = run(c, controls, 11, 3000);
        for t in 1..r.segments.len() {
            let (cur, next) = (r.segments[t - 1], r.segments[t]);
            if cur == next {
                continue;
            }
            let mut recent = Vec::new();
            for &h in r.segments[..t - 1].iter().rev() {
                if recent.len() == avoid {
                    break;
                }
                if h != cur && !recent.contains(&h) {
                    recent.push(h);
                }
            }
            assert!(
                !recent.contains(&next),
                "avoid {avoid}: step {t} went back to {next}"
            );
        }
    }
    // labels: every move lands on a segment carrying one of them.
    let controls = Controls {
        labels: vec!["Lead".into(), "arp".into()],
        ..Controls::default()
    };
    let r = run(c, controls.clone(), 12, 2000);
    for w in r.segments.windows(2).skip(1) {
        if w[0] != w[1] {
            let s = &c.segments()[w[1]];
            assert!(s.has_label(&controls.labels), "moved to {}", s.name());
        }
    }
    let labelled = r
        .segments
        .iter()
        .filter(|&&i| c.segments()[i].has_label(&controls.labels));
    assert!(
        labelled.count() > 1900,
        "the labels are followed from the first move on"
    );
    // max_step: a move is never farther when something allowed lies within it.
    for max_step in [0.05, 0.15, 0.3] {
        let controls = Controls {
            max_step,
            avoid: 0,
            temperature: 1.0,
            ..Controls::default()
        };
        let r = run(c, controls, 13, 2000);
        let mut beyond = 0;
        for w in r.segments.windows(2) {
            if w[0] == w[1] {
                continue;
            }
            let d = c.distance(w[0], w[1]) as f64;
            let any_within =
                (0..c.len()).any(|j| j != w[0] && (c.distance(w[0], j) as f64) <= max_step);
            if any_within {
                assert!(d <= max_step + 1e-6, "max_step {max_step}: a move of {d}");
            } else {
                beyond += 1;
            }
        }
        eprintln!("max_step {max_step}: {beyond} fallback moves");
    }
}

#[test]
fn follow_pulls_toward_the_target() {
    for c in [&melodic().corpus, gmd_corpus()] {
        // The target: a segment in reach of segment 0 but not next to it (the one nearest to a
        // distance of 0.4).
        let far = (0..c.len())
            .min_by(|&a, &b| {
                (c.distance(0, a) - 0.4)
                    .abs()
                    .total_cmp(&(c.distance(0, b) - 0.4).abs())
            })
            .unwrap();
        let target = c.embedding(far).to_vec();
        let mean_to_target = |follow: f64| {
            let mut nav = Navigator::new(21);
            nav.set_controls(Controls {
                follow,
                repeat: 0.2,
                ..Controls::default()
            })
            .unwrap();
            let mut cur = 0;
            let mut sum = 0.0;
            for _ in 0..1000 {
                cur = nav.choose(c, cur, Some(&target)).segment;
                sum += c.distance_to(&target, cur) as f64;
            }
            sum / 1000.0
        };
        let (free, follow) = (mean_to_target(0.0), mean_to_target(1.0));
        eprintln!("distance to target: follow 0 {free:.3}, follow 1 {follow:.3}");
        assert!(follow < 0.75 * free, "follow 1: {follow}, follow 0: {free}");
    }
}

/// Play segment `i` live: its notes as milliseconds at its tempo from a clock at 12.3 s, each
/// shifted by up to `jitter_ms` either way.
fn play_live(c: &Corpus, i: usize, bpm: f64, jitter_ms: f64, seed: u64) -> Vec<LiveNote> {
    let mut rng = Rng::new(seed);
    let ms_per_beat = 60_000.0 / bpm;
    c.segments()[i]
        .notes
        .iter()
        .map(|n| LiveNote {
            ms: 12_300.0 + n.beat * ms_per_beat + (rng.uniform() as f64 * 2.0 - 1.0) * jitter_ms,
            key: n.key,
            velocity: n.velocity,
            channel: n.channel,
            duration_ms: Some(n.beats * ms_per_beat),
        })
        .collect()
}

fn check_seed_capture(c: &Corpus, what: &str, needed: f64) {
    let mut rng = Rng::new(77);
    let (mut found, mut tried) = (0, 0);
    for _ in 0..30 {
        let i = (rng.next_u64() % c.len() as u64) as usize;
        if c.segments()[i].notes.len() < 2 {
            continue;
        }
        let bpm = 100.0;
        let live = play_live(c, i, bpm, 8.0, i as u64);
        let near = seed_segments(c, &live, bpm, 3).unwrap();
        assert_eq!(near.len(), 3);
        tried += 1;
        if near.iter().any(|&(j, _)| j == i) {
            found += 1;
        } else {
            eprintln!(
                "{what}: {} not among {:?}",
                c.segments()[i].name(),
                near.iter()
                    .map(|&(j, d)| (c.segments()[j].name(), d))
                    .collect::<Vec<_>>()
            );
        }
    }
    eprintln!("{what}: seed found among the nearest 3 in {found} of {tried}");
    assert!(
        found as f64 >= needed * tried as f64,
        "{what}: {found} of {tried}"
    );
}

#[test]
fn a_segment_played_live_is_among_the_nearest_three() {
    check_seed_capture(&melodic().corpus, "melodic", 1.0);
    check_seed_capture(gmd_corpus(), "GMD handcrafted", 0.9);
}

#[test]
fn a_drum_segment_played_live_is_found_by_the_groove_encoder() {
    check_seed_capture(gmd_groove_corpus(), "GMD groove", 0.9);
}

#[test]
fn seeds_need_two_notes_and_a_tempo() {
    let c = &melodic().corpus;
    let one = [LiveNote {
        ms: 0.0,
        key: 60,
        velocity: 100,
        channel: 0,
        duration_ms: None,
    }];
    let e = seed_segments(c, &one, 120.0, 3).unwrap_err();
    assert!(e.to_string().contains("at least 2 notes"), "{e}");
    assert!(seed_segments(c, &[], 120.0, 3).is_err());
    let two = [
        one[0],
        LiveNote {
            ms: 500.0,
            ..one[0]
        },
    ];
    assert!(seed_segments(c, &two, 0.0, 3).is_err());
    assert_eq!(seed_segments(c, &two, 120.0, 3).unwrap().len(), 3);
    let (notes, beats) = notes_from_live(&two, 120.0);
    assert_eq!((notes.len(), beats), (2, 4.0));
    // The first segment of a performance: near the seed.
    let mut nav = Navigator::new(1);
    let e = c.embed_notes(&notes, beats).unwrap();
    let first = nav.start(c, &e);
    let near: Vec<usize> = c.nearest(&e, 3).into_iter().map(|x| x.0).collect();
    assert!(near.contains(&first));
    assert_eq!(nav.history(), [first]);
}

#[test]
fn segments_follow_the_rule() {
    let dir = TempDir::new("looper-rule");
    let kick = |b: f64| (b, 0.25, 9u8, 36u8, 100u8);
    // 6 beats exactly (End-of-Track on a whole beat): one segment of 6.
    write_midi(&dir.path("a/six.mid"), &[kick(0.0), kick(5.0)], 120.0, 6.0);
    // 20 beats without a whole-beat End-of-Track: cut into 8, 8, 4 (4/4, 2 bars).
    write_midi(
        &dir.path("a/twenty.mid"),
        &[kick(0.0), kick(9.5), kick(19.0)],
        120.0,
        19.3,
    );
    // 3 beats: too short.
    write_midi(&dir.path("short.mid"), &[kick(0.0), kick(2.0)], 120.0, 3.0);
    // A long note cut at the segment end; an empty middle cut is dropped.
    write_midi(
        &dir.path("b/long-note.mid"),
        &[(7.0, 3.0, 0, 60, 90), (17.0, 1.0, 0, 62, 90)],
        100.0,
        24.0,
    );
    // 3/4: cuts of 3 bars = 9 beats.
    std::fs::write(
        dir.path("waltz.mid"),
        midi_bytes(
            &[(0.0, 1.0, 0, 60, 80), (9.0, 1.0, 0, 64, 80)],
            90.0,
            (3, 4),
            18.0,
        ),
    )
    .unwrap();
    std::fs::write(dir.path("notes.txt"), "not MIDI").unwrap();
    let (c, r) = Corpus::build(dir.dir(), &BuildOptions::default(), None).unwrap();
    assert_eq!(r.files, 5, "the .txt is not a MIDI file");
    assert_eq!(r.skipped.len(), 1);
    assert_eq!(r.skipped[0].0, "short.mid");
    assert!(r.skipped[0].1.contains("too short"), "{}", r.skipped[0].1);
    let by_name: HashMap<String, &bandmate_core::looper::Segment> =
        c.segments().iter().map(|s| (s.name(), s)).collect();
    let six = by_name["a/six.mid:0"];
    assert_eq!((six.beats, six.notes.len(), six.drums), (6.0, 2, true));
    assert_eq!(six.labels, ["a", "six"]);
    assert_eq!(six.bpm, 120.0);
    let tw: Vec<(f64, f64)> = ["a/twenty.mid:0", "a/twenty.mid:1", "a/twenty.mid:2"]
        .iter()
        .map(|n| (by_name[*n].start_beat, by_name[*n].beats))
        .collect();
    assert_eq!(tw, [(0.0, 8.0), (8.0, 8.0), (16.0, 4.0)]);
    assert_eq!(by_name["a/twenty.mid:1"].notes[0].beat, 1.5);
    let ln = by_name["b/long-note.mid:0"];
    assert_eq!(
        (ln.notes[0].beat, ln.notes[0].beats),
        (7.0, 1.0),
        "cut at the end"
    );
    assert!(
        !by_name.contains_key("b/long-note.mid:1"),
        "the empty cut is dropped"
    );
    assert_eq!(by_name["b/long-note.mid:2"].notes[0].beat, 1.0);
    assert_eq!(by_name["b/long-note.mid:2"].labels, ["b", "long", "note"]);
    let w = by_name["waltz.mid:1"];
    assert_eq!((w.start_beat, w.beats, w.meter), (9.0, 9.0, (3, 4)));
    assert_eq!(
        c.find("waltz.mid:1"),
        c.segments().iter().position(|s| s.name() == "waltz.mid:1")
    );
    assert!(c.labels().contains(&"waltz".to_string()));
}

#[test]
fn bad_folders_and_files_are_clear_errors() {
    let dir = TempDir::new("looper-bad");
    // Empty folder.
    let e = Corpus::build(dir.dir(), &handcrafted(), None).unwrap_err();
    assert!(e.to_string().contains("empty"), "{e}");
    assert_eq!(e.path.as_deref(), Some(dir.dir()));
    // Only non-MIDI files.
    std::fs::write(dir.path("a.txt"), "x").unwrap();
    std::fs::write(dir.path("b.wav"), "RIFF").unwrap();
    let e = Corpus::build(dir.dir(), &handcrafted(), None).unwrap_err();
    assert!(e.to_string().contains("no MIDI files"), "{e}");
    // A .mid that is not MIDI and one too short: skipped, then no usable segment.
    std::fs::write(dir.path("fake.mid"), "hello").unwrap();
    write_midi(&dir.path("tiny.midi"), &[(0.0, 0.5, 0, 60, 90)], 120.0, 2.0);
    let e = Corpus::open(dir.dir(), &handcrafted()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("none of the 2 MIDI files gave a usable segment"),
        "{msg}"
    );
    // Once a good file is there, the bad ones are skipped with their reasons.
    write_midi(&dir.path("good.mid"), &[(0.0, 0.5, 0, 60, 90)], 120.0, 4.0);
    let (c, r) = Corpus::build(dir.dir(), &handcrafted(), None).unwrap();
    assert_eq!(c.len(), 1);
    let reasons: HashMap<_, _> = r.skipped.iter().cloned().collect();
    assert!(reasons["fake.mid"].contains("MIDI"), "{:?}", reasons);
    assert!(reasons["tiny.midi"].contains("too short"), "{:?}", reasons);
    // A groove corpus of non-drum segments is refused.
    let e = Corpus::build(
        dir.dir(),
        &BuildOptions {
            embedder: EmbedderChoice::Groove(model_dir()),
            ..Default::default()
        },
        None,
    )
    .unwrap_err();
    assert!(e.to_string().contains("drum segments only"), "{e}");
    // A folder that is not there.
    assert!(Corpus::build(&dir.path("nope"), &handcrafted(), None).is_err());
}

/// A corpus folder is walked safely (a performer check sent `corpus /` by mistake: the whole
/// filesystem was walked, then an unrelated unreadable path named as the error): a link back
/// up the tree is followed once, not forever; an unreadable subfolder is left out; a tree with
/// more entries than a folder of loops holds is refused at once, saying so.
#[test]
fn a_corpus_folder_is_walked_safely() {
    let dir = TempDir::new("looper-walk");
    std::fs::create_dir_all(dir.path("a/b")).unwrap();
    write_midi(
        &dir.path("a/b/one.mid"),
        &[(0.0, 0.5, 0, 60, 90)],
        120.0,
        4.0,
    );
    // a link from deep inside back to the top: a cycle
    std::os::unix::fs::symlink(dir.dir(), dir.path("a/b/up")).unwrap();
    let (c, r) = Corpus::build(dir.dir(), &handcrafted(), None).unwrap();
    assert_eq!((c.len(), r.files), (1, 1), "the file once");
    // an unreadable folder (a dangling link to one) is left out
    std::os::unix::fs::symlink(dir.path("gone"), dir.path("a/gone")).unwrap();
    assert!(Corpus::build(dir.dir(), &handcrafted(), None).is_ok());
    // more entries than MAX_WALK: refused, the folder named
    let big = TempDir::new("looper-walk-big");
    for k in 0..=bandmate_core::looper::MAX_WALK / 1000 {
        let sub = big.path(&format!("d{k}"));
        std::fs::create_dir_all(&sub).unwrap();
        for n in 0..1000 {
            std::fs::write(sub.join(format!("f{n}.txt")), "").unwrap();
        }
    }
    let e = Corpus::build(big.dir(), &handcrafted(), None).unwrap_err();
    assert!(e.to_string().contains("more than"), "{e}");
    assert_eq!(e.path.as_deref(), Some(big.dir()));
}

#[test]
fn corpus_files_round_trip_and_bad_ones_are_named() {
    let m = melodic();
    let dir = TempDir::new("looper-file");
    let file = dir.path("c.bin");
    m.corpus.save(&file).unwrap();
    let back = Corpus::load(&file).unwrap();
    assert_eq!(back.segments(), m.corpus.segments());
    assert_eq!(back.embedder_name(), "handcrafted");
    for i in [0, 7, back.len() - 1] {
        assert_eq!(back.embedding(i), m.corpus.embedding(i));
    }
    let (opened, report) = Corpus::open(&file, &handcrafted()).unwrap();
    assert_eq!((opened.len(), report.files), (m.corpus.len(), 128));
    let good = std::fs::read(&file).unwrap();
    let expect = |bytes: &[u8], what: &str| {
        std::fs::write(&file, bytes).unwrap();
        let e = Corpus::load(&file).unwrap_err();
        let s = e.to_string();
        assert!(s.starts_with(&file.display().to_string()), "{s}");
        assert!(s.contains(what), "{s}");
        assert!(matches!(e.kind, ErrorKind::Invalid(_)));
    };
    // Another format version.
    let mut v = good.clone();
    v[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    expect(&v, &format!("format version {}", FORMAT_VERSION + 1));
    // Truncated, corrupt, not a corpus file at all, empty.
    expect(&good[..good.len() / 2], "truncated");
    let mut v = good.clone();
    let mid = v.len() / 2;
    v[mid] ^= 0x40;
    expect(&v, "checksum");
    expect(b"MThd\0\0\0\x06", "not a bandmate corpus file");
    expect(b"", "not a bandmate corpus file");
    expect(&good[..20], "truncated");
}

#[test]
fn open_keeps_a_corpus_file_rebuilds_only_what_changed_and_survives_a_bad_one() {
    let dir = TempDir::new("looper-open");
    for i in 0..6 {
        let notes: Vec<Note> = (0..8)
            .map(|k| (k as f64, 0.5, 0, 60 + i + k as u8, 90))
            .collect();
        write_midi(&dir.path(&format!("set/loop{i}.mid")), &notes, 110.0, 8.0);
    }
    let opts = handcrafted();
    let (c1, r1) = Corpus::open(dir.dir(), &opts).unwrap();
    assert_eq!((r1.files, r1.reused_files, c1.len()), (6, 0, 6));
    let file = dir.path(CORPUS_FILE_NAME);
    assert!(file.is_file(), "the corpus file is kept in the folder");
    // Nothing changed: everything reused, the file left alone.
    let before = std::fs::metadata(&file).unwrap().modified().unwrap();
    let (c2, r2) = Corpus::open(dir.dir(), &opts).unwrap();
    assert_eq!((r2.reused_files, c2.segments()), (6, c1.segments()));
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        before
    );
    // Touch one file (same content, new time) and change another: only those are re-read.
    let touched = std::fs::File::options()
        .write(true)
        .open(dir.path("set/loop1.mid"))
        .unwrap();
    touched
        .set_modified(std::time::SystemTime::now() + std::time::Duration::from_secs(5))
        .unwrap();
    drop(touched);
    write_midi(
        &dir.path("set/loop4.mid"),
        &[(0.0, 4.0, 0, 40, 50)],
        110.0,
        4.0,
    );
    let (c3, r3) = Corpus::open(dir.dir(), &opts).unwrap();
    assert_eq!((r3.files, r3.reused_files), (6, 4));
    assert_eq!(c3.segments()[4].notes.len(), 1);
    assert_eq!(c3.segments()[4].beats, 4.0);
    // A new file and a removed one.
    std::fs::remove_file(dir.path("set/loop0.mid")).unwrap();
    write_midi(
        &dir.path("set/new.mid"),
        &[(0.0, 1.0, 0, 70, 90)],
        110.0,
        4.0,
    );
    let (c4, r4) = Corpus::open(dir.dir(), &opts).unwrap();
    assert_eq!((r4.files, r4.reused_files, c4.len()), (6, 5, 6));
    assert!(c4.find("set/loop0.mid:0").is_none() && c4.find("set/new.mid:0").is_some());
    // A corrupt corpus file: rebuilt from the folder, and said so.
    let mut bytes = std::fs::read(&file).unwrap();
    let n = bytes.len();
    bytes[n - 3] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let (c5, r5) = Corpus::open(dir.dir(), &opts).unwrap();
    assert_eq!((c5.len(), r5.reused_files), (6, 0));
    assert!(
        r5.messages.iter().any(|m| m.contains("checksum")),
        "{:?}",
        r5.messages
    );
    assert!(Corpus::load(&file).is_ok(), "saved back");
    // A corpus file from another version: rebuilt too.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[8] = 99;
    std::fs::write(&file, &bytes).unwrap();
    let (_, r6) = Corpus::open(dir.dir(), &opts).unwrap();
    assert!(
        r6.messages.iter().any(|m| m.contains("format version 99")),
        "{:?}",
        r6.messages
    );
    // A corpus file that cannot be written (a folder in its place): the corpus still opens.
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    std::fs::write(file.join("x"), "keep").unwrap();
    let (c7, r7) = Corpus::open(dir.dir(), &opts).unwrap();
    assert_eq!(c7.len(), 6);
    assert!(
        r7.messages.iter().any(|m| m.contains("not saved")),
        "{:?}",
        r7.messages
    );
}

#[test]
fn controls_out_of_range_are_refused_and_the_old_ones_kept() {
    let mut nav = Navigator::new(1);
    let good = Controls {
        repeat: 0.3,
        ..Controls::default()
    };
    nav.set_controls(good.clone()).unwrap();
    let bad = [
        (
            Controls {
                repeat: 1.5,
                ..good.clone()
            },
            "repeat 1.5",
        ),
        (
            Controls {
                repeat: f64::NAN,
                ..good.clone()
            },
            "repeat NaN",
        ),
        (
            Controls {
                temperature: 0.0,
                ..good.clone()
            },
            "temperature 0",
        ),
        (
            Controls {
                max_step: -0.1,
                ..good.clone()
            },
            "max_step -0.1",
        ),
        (
            Controls {
                max_step: 2.5,
                ..good.clone()
            },
            "max_step 2.5",
        ),
        (
            Controls {
                follow: 1.1,
                ..good.clone()
            },
            "follow 1.1",
        ),
        (
            Controls {
                avoid: 5000,
                ..good.clone()
            },
            "avoid 5000",
        ),
        (
            Controls {
                labels: vec![" ".into()],
                ..good.clone()
            },
            "empty label",
        ),
    ];
    for (c, what) in bad {
        let e = nav.set_controls(c).unwrap_err();
        assert!(e.to_string().contains(what), "{e} should name {what}");
        assert_eq!(nav.controls(), &good);
    }
    assert!(Controls::default().check().is_ok());
}

#[test]
fn degenerate_cases_do_not_panic() {
    let dir = TempDir::new("looper-one");
    write_midi(&dir.path("one.mid"), &[(0.0, 1.0, 0, 60, 90)], 120.0, 4.0);
    let (c, _) = Corpus::build(dir.dir(), &handcrafted(), None).unwrap();
    let mut nav = Navigator::new(3);
    for _ in 0..20 {
        let ch = nav.choose(&c, 0, None);
        assert!(ch.repeat && ch.segment == 0);
    }
    // Out-of-range current, wrong-length targets, unknown labels.
    nav.set_controls(Controls {
        labels: vec!["nothing-has-this".into()],
        ..Controls::default()
    })
    .unwrap();
    assert_eq!(nav.choose(&c, 99, Some(&[1.0, 2.0])).segment, 0);
    assert_eq!(nav.start(&c, &[1.0]), 0);
    assert!(c.nearest(&[1.0], 3).is_empty());
    let bad = [LoopNote {
        beat: 5.0,
        beats: 1.0,
        channel: 0,
        key: 60,
        velocity: 90,
    }];
    assert!(c.embed_notes(&bad, 4.0).is_err());
}
