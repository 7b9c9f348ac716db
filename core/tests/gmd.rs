//! The Groove MIDI Dataset, read for real from ../shared/data.

mod common;

use bandmate_core::gmd::{self, Split};
use bandmate_core::midi::{self, ChannelSelect, MidiFile};
use bandmate_core::npy::{read_npy, NpyData};
use bandmate_core::{Voice, LOOP_STEPS, VOICES};
use std::collections::HashMap;

#[test]
fn info_csv_counts_per_split() {
    let entries = gmd::load_info(&common::gmd_root()).unwrap();
    assert_eq!(entries.len(), 1150);
    let count = |s: Split| entries.iter().filter(|e| e.split == s).count();
    assert_eq!(
        (
            count(Split::Train),
            count(Split::Validation),
            count(Split::Test)
        ),
        (897, 124, 129)
    );
    let four = |s: Split| {
        entries
            .iter()
            .filter(|e| e.split == s && e.is_four_four())
            .count()
    };
    assert_eq!(
        (
            four(Split::Train),
            four(Split::Validation),
            four(Split::Test)
        ),
        (887, 122, 129)
    );
}

#[test]
fn window_counts_per_split() {
    let mut report = gmd::ExportReport::default();
    let windows = gmd::collect(&common::gmd_root(), &mut report).unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
    let got = |s: Split| {
        let r = report.split(s);
        (r.files, r.windows, r.empty_windows, r.other_meters)
    };
    // Documented in docs/dataset.md.
    assert_eq!(got(Split::Train), (887, 16501, 1064, 10));
    assert_eq!(got(Split::Validation), (122, 2061, 55, 2));
    assert_eq!(got(Split::Test), (129, 2076, 129, 0));
    assert_eq!(windows.len(), 16501 + 2061 + 2076);
    assert!(windows
        .iter()
        .all(|w| w.pattern.steps() == LOOP_STEPS && !w.pattern.is_empty()));
}

/// Files of several tempos: 60-ish to 200-ish BPM.
fn files_at_tempos() -> Vec<(String, u32)> {
    let entries = gmd::load_info(&common::gmd_root()).unwrap();
    let mut picked: Vec<(String, u32)> = Vec::new();
    for want in [60u32, 80, 100, 120, 138, 160, 200] {
        let e = entries
            .iter()
            .filter(|e| e.is_four_four())
            .min_by_key(|e| (e.bpm as i64 - want as i64).abs())
            .unwrap();
        if !picked.iter().any(|p| p.0 == e.midi_filename) {
            picked.push((e.midi_filename.clone(), e.bpm));
        }
    }
    assert!(picked.len() >= 5, "{picked:?}");
    picked
}

/// MIDI -> pattern -> MIDI keeps every onset within 1 tick of its quantized-plus-offset time
/// (which is the original onset) and every velocity within 1.
#[test]
fn midi_pattern_midi_round_trip_on_real_files() {
    let root = common::gmd_root();
    for (name, bpm) in files_at_tempos() {
        let original = MidiFile::read(&root.join(&name)).unwrap();
        assert_eq!(original.ppq, Some(480));
        assert!((original.initial_bpm() - bpm as f64).abs() < 0.5, "{name}");
        let import = original.to_pattern(ChannelSelect::Auto).unwrap();
        // The note each (step, voice) keeps: the loudest, first on ties.
        let mut kept: HashMap<(usize, Voice), (u64, u8)> = HashMap::new();
        for n in original.drum_notes(ChannelSelect::Auto) {
            let Some(v) = Voice::from_note(n.key) else {
                continue;
            };
            let step = (n.beat * 4.0 - 0.5).ceil() as usize;
            let e = kept.entry((step, v)).or_insert((n.tick, n.velocity));
            if n.velocity > e.1 {
                *e = (n.tick, n.velocity);
            }
        }
        assert_eq!(kept.len(), import.pattern.hit_count(), "{name}");
        let bytes = midi::pattern_to_smf(&import.pattern, midi::Export::at(import.bpm)).unwrap();
        let again = MidiFile::parse(&bytes).unwrap();
        assert_eq!(again.notes.len(), kept.len(), "{name}");
        for n in &again.notes {
            let v = Voice::from_note(n.key).unwrap();
            let step = (n.beat * 4.0 - 0.5).ceil() as usize;
            let (tick, vel) = kept[&(step, v)];
            assert!(
                n.tick.abs_diff(tick) <= 1,
                "{name}: {v} step {step}: {} vs {tick}",
                n.tick
            );
            assert!(n.velocity.abs_diff(vel) <= 1, "{name}: {v} step {step}");
        }
        // And the pattern read back is the same pattern.
        let back = again.to_pattern(ChannelSelect::Auto).unwrap().pattern;
        assert_eq!(back.steps(), import.pattern.steps(), "{name}");
        for (s, v, h) in import.pattern.hits() {
            let b = back.get(s, v).unwrap();
            assert!((b.offset - h.offset).abs() <= 1.0 / 120.0 + 1e-6, "{name}");
            assert_eq!(b.midi_velocity(), h.midi_velocity());
        }
    }
}

#[test]
fn export_writes_consistent_tensors() {
    let tmp = common::TempDir::new("gmd-export");
    let out = tmp.dir();
    let report = gmd::export(&common::gmd_root(), out).unwrap();
    assert_eq!(report.test.windows, 2076);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["format"], "bandmate-gmd-export");
    assert_eq!(manifest["voices"][2], "closed_hat");
    assert_eq!(manifest["report"]["validation"]["windows"], 2061);
    assert!(manifest["attribution"]
        .as_str()
        .unwrap()
        .contains("CC BY 4.0"));

    let dir = out.join("test");
    let (shape, hits) = read_npy(&dir.join("hits.npy")).unwrap();
    assert_eq!(shape, vec![2076, 32, 9]);
    let NpyData::U8(hits) = hits else {
        panic!("hits are uint8")
    };
    let (_, vels) = read_npy(&dir.join("velocities.npy")).unwrap();
    let NpyData::F32(vels) = vels else { panic!() };
    let (_, offs) = read_npy(&dir.join("offsets.npy")).unwrap();
    let NpyData::F32(offs) = offs else { panic!() };
    let (gshape, groove) = read_npy(&dir.join("groove.npy")).unwrap();
    assert_eq!(gshape, vec![2076, 32, 3]);
    let NpyData::F32(groove) = groove else {
        panic!()
    };
    let (ashape, accent) = read_npy(&dir.join("accent.npy")).unwrap();
    assert_eq!(ashape, vec![2076, 32]);
    let NpyData::U8(accent) = accent else {
        panic!()
    };
    let csv = std::fs::read_to_string(dir.join("windows.csv")).unwrap();
    assert_eq!(csv.lines().count(), 2077);

    // Row 100 again from its MIDI file: the tensors say exactly what the Rust views say.
    let row: Vec<&str> = csv.lines().nth(101).unwrap().split(',').collect();
    let (start_bar, file) = (row[6].parse::<usize>().unwrap(), row[7]);
    let f = MidiFile::read(&common::gmd_root().join(file)).unwrap();
    let (_, w) = gmd::windows(&f)
        .unwrap()
        .into_iter()
        .find(|w| w.0 == start_bar)
        .unwrap();
    let cells = 32 * VOICES;
    let (h, v, o) = w.to_matrices();
    let at = 100 * cells;
    assert!(h
        .iter()
        .zip(&hits[at..at + cells])
        .all(|(a, &b)| *a == b as f32));
    assert_eq!(&vels[at..at + cells], &v[..]);
    assert_eq!(&offs[at..at + cells], &o[..]);
    assert_eq!(&groove[100 * 96..101 * 96], &w.groove().to_matrix()[..]);
    let acc: Vec<u8> = w.accents().as_slice().iter().map(|&a| a as u8).collect();
    assert_eq!(&accent[100 * 32..101 * 32], &acc[..]);
}
