//! Training inside real Pure Data: `[bandmate.groove]` fine-tunes the model that plays on a
//! folder of loops while Pd runs in real time, reports its progress, writes the model into the
//! library whole, lists it, loads it by name; `cancel` leaves nothing; bad input is refused
//! and the object carries on. Then the new model swapped in live at 180 BPM: every note at its
//! time across the boundary, none missing or doubled.

mod harness;

use harness::{
    assert_clean, assert_note_ons, numbers, printed, reported_loops, switched_at_boundary,
    timed_patch, Patch, PdDir,
};
use std::path::{Path, PathBuf};

fn loops(pd: &PdDir) -> PathBuf {
    harness::copy_loops(&pd.dir)
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

#[test]
fn train_in_pd_then_swap_the_new_model_in_live_at_180_bpm() {
    let pd = PdDir::new("train");
    let data = loops(&pd);
    std::fs::write(data.join("notes.mid"), b"not a MIDI file").unwrap();
    let lib = pd.path("models");
    let lib2 = pd.path("models2");

    let mut p = Patch::new();
    // the one that trains and then plays its model
    let g = p.obj("bandmate.groove");
    let route = p.obj("route training progress trained cancelled loaded models skipped");
    p.connect(g, 1, route, 0);
    for (i, n) in [
        "training",
        "progress",
        "trained",
        "cancelled",
        "loaded",
        "models",
        "skipped",
    ]
    .iter()
    .enumerate()
    {
        let pr = p.obj(&format!("print {n}"));
        p.connect(route, i, pr, 0);
    }
    let errors = p.obj("print info");
    p.connect(route, 7, errors, 0);
    // once trained: list the library, load the new model by its name
    let then = p.obj("t b b");
    p.connect(route, 2, then, 0);
    let list = p.msg("models");
    let load = p.msg("load mine");
    p.connect(then, 0, list, 0);
    p.connect(then, 1, load, 0);
    p.connect(list, 0, g, 0);
    p.connect(load, 0, g, 0);
    // ...and quit once it has loaded
    let done = p.obj("route mine");
    p.connect(route, 4, done, 0);
    let quit = p.obj("delay 200");
    p.connect(done, 0, quit, 0);
    let q = p.msg("; pd quit");
    p.connect(quit, 0, q, 0);
    std::fs::write(pd.path("afile.txt"), b"not a folder").unwrap();
    // refused: a file, a folder that is not beside the patch; the library stays unset
    p.at(0.0, &format!("library {}", s(&pd.path("afile.txt"))), g);
    p.at(0.0, "library nowhere-yet", g);
    p.at(0.0, &format!("library {}", s(&lib)), g);
    p.at(0.0, "models", g);
    // a mistyped load: said where it looked; the model that plays is still the one to train
    p.at(5.0, "load nosuch", g);
    p.at(10.0, &format!("train {} mine", s(&data)), g);
    // refused while it trains, and bad input, the training going on
    p.at(20.0, &format!("train {} again", s(&data)), g);
    p.at(40.0, &format!("train {} .hidden", s(&data)), g);

    // another that is cancelled, and one with nothing to learn from
    let g2 = p.obj("bandmate.groove");
    let r2 = p.obj("route cancelled trained");
    p.connect(g2, 1, r2, 0);
    let pc = p.obj("print cancelled2");
    p.connect(r2, 0, pc, 0);
    let pt = p.obj("print trained2");
    p.connect(r2, 1, pt, 0);
    p.at(
        0.0,
        &format!("cancel, train, library {}, train", s(&lib2)),
        g2,
    );
    p.at(10.0, &format!("train {} other", s(&data)), g2);
    p.at(60.0, "cancel", g2);
    // once cancelled: a folder with no loops (whenever the cancel lands, on a busy machine)
    std::fs::create_dir_all(pd.path("empty")).unwrap();
    let then = p.msg(&format!("train {}", s(&pd.path("empty"))));
    p.connect(r2, 0, then, 0);
    p.connect(then, 0, g2, 0);
    // and one with a folder that is not there
    let g3 = p.obj("bandmate.groove");
    p.at(
        0.0,
        &format!("library {}, train /no/such/folder", s(&lib2)),
        g3,
    );
    // a safety net: Pd is killed at 60 s
    p.quit_at(50_000.0);

    let started = std::time::Instant::now();
    let lines = pd.run_with(&p, false, &[]);
    let took = started.elapsed().as_secs_f64();
    eprintln!("trained in Pd and loaded in {took:.1} s");
    let text = lines.join("\n");
    assert!(took < 45.0, "it never finished:\n{text}");

    // progress: the loops and windows it trains on, then every epoch
    let training = printed(&lines, "training");
    assert_eq!(training.len(), 1, "{text}");
    let t = numbers(training[0]);
    assert_eq!((t[0], t[2], t[3]), (4.0, 0.0, 20.0), "{text}");
    assert!(t[1] >= 20.0, "{text}");
    let progress = printed(&lines, "progress");
    assert_eq!(progress.len(), 20, "{text}");
    for (k, l) in progress.iter().enumerate() {
        let v = numbers(l);
        assert_eq!((v[0], v[1]), ((k + 1) as f64, 20.0), "{l}");
        assert!(v[2] >= 0.0 && v[3].is_finite(), "{l}");
    }
    assert_eq!(numbers(progress[19])[2], 0.0);
    assert!(
        printed(&lines, "skipped")
            .iter()
            .any(|l| l.contains("notes.mid")),
        "{text}"
    );
    // written whole, listed, loaded by name
    let trained = printed(&lines, "trained");
    assert_eq!(trained.len(), 1, "{text}");
    assert!(trained[0].starts_with("mine "), "{text}");
    for f in ["encoder.onnx", "decoder.onnx", "model.json", "README.md"] {
        assert!(lib.join("mine").join(f).is_file(), "{f}");
    }
    assert_eq!(printed(&lines, "models"), vec!["bang", "mine"], "{text}");
    assert_eq!(printed(&lines, "loaded"), vec!["groove", "mine"]);
    // the refusals, each said
    for want in [
        "afile.txt: not a folder",
        "library: nowhere-yet: no such folder beside the patch",
        "load: nosuch: no model of that name in the library",
        "a training is running",
        "/no/such/folder: no such folder",
        "model name \".hidden\"",
        "train: no model library yet",
        "train: which loops?",
        "no MIDI files to train on",
    ] {
        assert!(text.contains(want), "{want} not said:\n{text}");
    }
    // the cancelled one wrote nothing
    assert_eq!(printed(&lines, "cancelled2"), vec!["train"], "{text}");
    assert!(printed(&lines, "trained2").is_empty(), "{text}");
    assert!(!lib2.join("other").exists());
    let left: Vec<_> = std::fs::read_dir(&lib2)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");

    // The new model swapped in live at 180 BPM (83.3 ms a step, 2.67 s a loop): the old
    // model's loop plays to the boundary, the new model's loop from it, every note once.
    let step = 60_000.0 / 180.0 / 4.0;
    let (mut p, g) = timed_patch(
        "bandmate.groove @blocking 1",
        "seed 3, tempo 180, generate",
        &[(
            1100.0,
            &format!("library {}, load mine, seed 4, generate", s(&lib)),
        )],
        100.0 + 64.0 * step - 1.0,
    );
    let route = p.obj("route loop offset loaded");
    p.connect(g, 1, route, 0);
    for (i, n) in ["loop", "offset", "loaded"].iter().enumerate() {
        let pr = p.obj(&format!("print {n}"));
        p.connect(route, i, pr, 0);
    }
    let lines = pd.run(&p);
    assert_clean(&lines);
    assert_eq!(printed(&lines, "loaded"), vec!["groove", "mine"]);
    let loops = reported_loops(&lines);
    assert_eq!(loops.len(), 2);
    assert_ne!(loops[0], loops[1]);
    // (the patch quits 1 ms before the third cycle: a downbeat drawn less than 1 ms early sounds
    // after the quit)
    let want = switched_at_boundary(&loops[0], &loops[1], step, 64.0 * step - 1.0);
    assert_note_ons(&lines, &want);
}

/// The dataset sculpted from a patch (`data ...`, as `bandmate data` does): listed, labelled,
/// excluded, undone back to the manifest's very bytes, its journal shown; bad actions refused
/// with the manifest untouched; then `train` reads what is left (real time: it trains on its
/// own thread).
#[test]
fn the_dataset_is_sculpted_from_the_patch_and_train_reads_it() {
    let pd = PdDir::new("data");
    let data = loops(&pd);
    let lib = pd.path("models");
    let manifest = data.join(bandmate_core::sculpt::MANIFEST);
    let mut p = Patch::new();
    let g = p.obj("bandmate.groove @blocking 1");
    let route = p.obj("route item data entry training trained");
    p.connect(g, 1, route, 0);
    for (i, n) in ["item", "data", "entry", "training", "trained"]
        .iter()
        .enumerate()
    {
        let pr = p.obj(&format!("print {n}"));
        p.connect(route, i, pr, 0);
    }
    // trained: load it by its name, the dataset folder's, which is also a folder beside the
    // patch (the library's model is meant), then quit
    let load = p.msg("load loops");
    p.connect(route, 4, load, 0);
    p.connect(load, 0, g, 0);
    let loaded = p.obj("route loaded");
    p.connect(g, 1, loaded, 0);
    let pl = p.obj("print loaded");
    p.connect(loaded, 0, pl, 0);
    let quit = p.obj("route loops");
    p.connect(loaded, 0, quit, 0);
    let q = p.msg("; pd quit");
    p.connect(quit, 0, q, 0);
    p.at(0.0, "data list", g);
    p.at(
        10.0,
        &format!(
            "dataset {}, data list, data label slow 1 2, data exclude 3, data list slow",
            s(&data)
        ),
        g,
    );
    // refused, the manifest as it was
    p.at(
        20.0,
        "data label slow, data label two words, data frobnicate, data exclude 9, data undo 1",
        g,
    );
    p.at(30.0, "data history, data undo, data undo, data history", g);
    // again, and train on what is left for training
    p.at(
        40.0,
        &format!(
            "data exclude 18_hiphop_100_beat_4-4.mid, library {}, train",
            s(&lib)
        ),
        g,
    );
    p.quit_at(40_000.0);
    let lines = pd.run_with(&p, false, &[]);
    let text = lines.join("\n");
    let items = printed(&lines, "item");
    // (the first list has no dataset: refused)
    assert!(text.contains("data: no dataset folder yet"), "{text}");
    assert_eq!(items.len(), 4 + 2, "{text}");
    assert!(
        items[0].starts_with("1 18_hiphop_100_beat_4-4.mid training"),
        "{text}"
    );
    assert_eq!(items[4], "1 18_hiphop_100_beat_4-4.mid training slow");
    assert_eq!(items[5], "2 22_hiphop_100_beat_4-4.mid training slow");
    assert_eq!(
        printed(&lines, "data"),
        vec![
            "items 4 4",
            "labelled 2 slow",
            "excluded 1",
            "items 2 3",
            "history 3",
            "undid 1 exclude",
            "undid 2 label slow",
            "history 1",
            "excluded 1",
        ],
        "{text}"
    );
    for want in [
        "data: label slow: then the items",
        "data: words: no such item",
        "'frobnicate' is not one of",
        "data: item 9: the dataset has items 1 to 4",
        "data: undo takes nothing more",
    ] {
        assert!(text.contains(want), "{want} not said:\n{text}");
    }
    let entries = printed(&lines, "entry");
    assert_eq!(entries.len(), 4, "{text}");
    assert!(
        entries[0].starts_with("1 ") && entries[0].ends_with(" 4 scan"),
        "{text}"
    );
    assert!(entries[2].ends_with(" 1 exclude"), "{text}");
    // the manifest: the scan, then the exclude of 18 only, whatever was undone between
    let set = bandmate_core::sculpt::Dataset::open(&data).unwrap();
    assert_eq!(set.history().len(), 2);
    assert!(set.items().iter().all(|i| i.labels.is_empty()));
    assert_eq!(set.training_files(None).len(), 3);
    assert!(manifest.is_file());
    // train read the three left
    let training = printed(&lines, "training");
    assert_eq!(training.len(), 1, "{text}");
    assert_eq!(numbers(training[0])[0], 3.0, "{text}");
    assert_eq!(printed(&lines, "trained").len(), 1, "{text}");
    assert_eq!(printed(&lines, "loaded"), vec!["groove", "loops"], "{text}");
}

/// The accompanist taught the performer's songs inside real Pd while it plays: progress each
/// pass, the model written whole into the library beside a groove model (listed apart), loaded
/// by its name and playing on; a folder of non-songs refused with why, and `cancel`.
#[test]
fn the_accompanist_trains_on_songs_in_pd_while_it_plays_and_loads_by_name() {
    let pd = PdDir::new("train-accomp");
    // one of the help's example songs (8 bars)
    let songs = pd.path("songs");
    std::fs::create_dir_all(&songs).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/pd/songs/song-in-c.mid"),
        songs.join("song-in-c.mid"),
    )
    .unwrap();
    std::fs::write(songs.join("notes.mid"), b"not a MIDI file").unwrap();
    // drums only: no part on channels 1-3
    let drums = harness::copy_loops(&pd.dir);
    let lib = pd.path("models");

    let mut p = Patch::new();
    let a = p.obj("bandmate.accomp");
    let notes = p.obj("print notes");
    p.connect(a, 0, notes, 0);
    let route = p.obj("route training progress trained cancelled model models skipped late");
    p.connect(a, 1, route, 0);
    for (i, n) in [
        "training",
        "progress",
        "trained",
        "cancelled",
        "model",
        "models",
        "skipped",
        "late",
    ]
    .iter()
    .enumerate()
    {
        let pr = p.obj(&format!("print {n}"));
        p.connect(route, i, pr, 0);
    }
    let rest = p.obj("print info");
    p.connect(route, 8, rest, 0);
    // once trained: list the library, load the new model by its name, play on, quit
    let then = p.obj("t b b");
    p.connect(route, 2, then, 0);
    let list = p.msg("models");
    let load = p.msg("load mine");
    p.connect(then, 0, list, 0);
    p.connect(then, 1, load, 0);
    p.connect(list, 0, a, 0);
    p.connect(load, 0, a, 0);
    let done = p.obj("route mine");
    p.connect(route, 4, done, 0);
    let bang = p.obj("t b");
    p.connect(done, 0, bang, 0);
    let quit = p.obj("delay 3000");
    p.connect(bang, 0, quit, 0);
    let q = p.msg("; pd quit");
    p.connect(quit, 0, q, 0);
    p.at(
        0.0,
        "tempo 120, chords C:maj7 A:min7 D:min7 G:7, listen 0, play",
        a,
    );
    p.at(500.0, &format!("library {}", s(&lib)), a);
    p.at(600.0, &format!("train {} mine", s(&songs)), a);
    p.at(700.0, &format!("train {} again", s(&songs)), a);
    // another: drums are no songs; then one cancelled
    let a2 = p.obj("bandmate.accomp");
    let r2 = p.obj("route cancelled trained");
    p.connect(a2, 1, r2, 0);
    let pc = p.obj("print cancelled2");
    p.connect(r2, 0, pc, 0);
    let pt = p.obj("print trained2");
    p.connect(r2, 1, pt, 0);
    p.at(
        500.0,
        &format!(
            "train {}, library {}, train {}",
            s(&songs),
            s(&lib),
            s(&drums)
        ),
        a2,
    );
    p.at(2000.0, &format!("train {} other", s(&songs)), a2);
    p.at(2100.0, "cancel", a2);
    p.quit_at(170_000.0);

    let started = std::time::Instant::now();
    let lines = pd.run_within(&p, 180);
    let took = started.elapsed().as_secs_f64();
    eprintln!("the accompanist trained in Pd and loaded in {took:.1} s");
    let text = lines.join("\n");
    assert!(took < 165.0, "it never finished:\n{text}");
    // a song in 12 keys x (accompanying, alone); fewer than 5 songs: none held out
    let training = printed(&lines, "training");
    assert_eq!(training, vec!["1 24 0 4"], "{text}");
    let progress = printed(&lines, "progress");
    assert_eq!(progress.len(), 4, "{text}");
    assert_eq!(numbers(progress[3])[..3], [4.0, 4.0, 0.0], "{text}");
    assert!(
        printed(&lines, "skipped")
            .iter()
            .any(|l| l.contains("notes.mid")),
        "{text}"
    );
    assert_eq!(printed(&lines, "trained").len(), 1, "{text}");
    assert!(printed(&lines, "trained")[0].starts_with("mine "), "{text}");
    for f in ["accomp.onnx", "model.json", "README.md"] {
        assert!(lib.join("mine").join(f).is_file(), "{f}");
    }
    assert_eq!(printed(&lines, "models"), vec!["mine"], "{text}");
    let models = printed(&lines, "model");
    assert_eq!(models.len(), 2, "{text}");
    assert!(models[0].starts_with("accomp "), "{text}");
    assert!(models[1].starts_with("mine "), "{text}");
    // it played all along: notes every second of the training, and none late
    let played = printed(&lines, "notes").len();
    assert!(
        played as f64 > took * 4.0,
        "{played} notes in {took:.0} s:\n{text}"
    );
    assert!(printed(&lines, "late").is_empty(), "{text}");
    for want in [
        "a training is running",
        "train: no model library yet",
        "is a song the accompanist can learn",
    ] {
        assert!(text.contains(want), "{want} not said:\n{text}");
    }
    assert_eq!(printed(&lines, "cancelled2"), vec!["train"], "{text}");
    assert!(printed(&lines, "trained2").is_empty(), "{text}");
    assert!(!lib.join("other").exists());
}
