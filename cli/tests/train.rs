//! `bandmate train` and `bandmate models`: fine-tuning on a folder of the performer's loops (and
//! on a dataset's labelled items) into a model library, with progress, a card, and bad input
//! refused with the library left as it was.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bandmate-train-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn bandmate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bandmate"))
        .args(args)
        .env("BANDMATE_MODEL", root().join("models/groove"))
        .output()
        .expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A folder with the four hip-hop loops of the Pd help and one file that only looks like MIDI.
fn loops(tag: &str) -> PathBuf {
    let d = temp(tag);
    let src = root().join("patches/pd/loops");
    for e in std::fs::read_dir(&src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, d.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::write(d.join("notes.mid"), b"not a MIDI file").unwrap();
    d
}

#[test]
fn trains_a_folder_into_the_library_with_progress_and_a_card() {
    let dir = loops("folder");
    let held = temp("held");
    std::fs::copy(
        root().join("patches/pd/loops/18_hiphop_100_beat_4-4.mid"),
        held.join("a.mid"),
    )
    .unwrap();
    let lib = temp("lib");
    let l = lib.to_str().unwrap();
    let args = [
        "train",
        dir.to_str().unwrap(),
        "hiphop",
        "--epochs",
        "2",
        "--batch",
        "8",
        "--held-out-dir",
        held.to_str().unwrap(),
        "--library",
        l,
    ];
    let out = bandmate(&args);
    let (so, se) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{se}");
    assert!(se.contains("skipped") && se.contains("notes.mid"), "{se}");
    assert!(
        se.contains("epoch 1/2") && se.contains("epoch 2/2") && se.contains("held out"),
        "{se}"
    );
    assert!(
        so.contains("wrote") && so.contains("held-out negative log-likelihood"),
        "{so}"
    );
    let model = lib.join("hiphop");
    for f in [
        "encoder.onnx",
        "decoder.onnx",
        "model.json",
        "prior.json",
        "README.md",
    ] {
        assert!(model.join(f).is_file(), "{f}");
    }
    let card = std::fs::read_to_string(model.join("README.md")).unwrap();
    assert!(
        card.contains("offset histogram overlap") && card.contains("negative log-likelihood"),
        "{card}"
    );
    assert!(
        !card.contains("notes.mid"),
        "a skipped file is not listed as trained on"
    );
    // the new model plays: a loop from it through the CLI
    let wav = lib.join("x.mid");
    let g = bandmate(&[
        "groove",
        wav.to_str().unwrap(),
        "--model",
        model.to_str().unwrap(),
    ]);
    assert!(g.status.success(), "{}", text(&g.stderr));
    // the library lists it; the same name again is refused and the model left as it was
    let m = bandmate(&["models", "--library", l]);
    assert!(
        text(&m.stdout).contains("hiphop  groove model, from groove, trained on"),
        "{}",
        text(&m.stdout)
    );
    let before = std::fs::read(model.join("decoder.onnx")).unwrap();
    let again = bandmate(&args);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("in the library already"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(std::fs::read(model.join("decoder.onnx")).unwrap(), before);
    for d in [dir, held, lib] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let lib = temp("badlib");
    let l = lib.to_str().unwrap();
    let empty = temp("empty");
    let e = bandmate(&["train", empty.to_str().unwrap(), "x", "--library", l]);
    assert_eq!(e.status.code(), Some(1));
    assert!(
        text(&e.stderr).contains("no MIDI files to train on"),
        "{}",
        text(&e.stderr)
    );
    let junk = temp("junk");
    std::fs::write(junk.join("a.mid"), b"nope").unwrap();
    let e = bandmate(&["train", junk.to_str().unwrap(), "x", "--library", l]);
    assert_eq!(e.status.code(), Some(1));
    assert!(
        text(&e.stderr).contains("none of the 1 file(s)"),
        "{}",
        text(&e.stderr)
    );
    let dir = loops("bad");
    let d = dir.to_str().unwrap();
    for (args, says) in [
        (vec!["train", d, "../out", "--library", l], "model name"),
        (vec!["train", d, "has space", "--library", l], "model name"),
        (
            vec!["train", d, "x", "--label", "no label", "--library", l],
            "label",
        ),
        (
            vec!["train", d, "x", "--label", "keep", "--library", l],
            "no dataset manifest",
        ),
        (
            vec!["train", d, "x", "--epochs", "0", "--library", l],
            "above 0",
        ),
    ] {
        let out = bandmate(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    // nothing in the library, not even a hidden half-written folder
    assert_eq!(std::fs::read_dir(&lib).map(|r| r.count()).unwrap_or(0), 0);
    assert!(text(&bandmate(&["models", "--library", l]).stdout).contains("no models yet"));
    for d in [lib, empty, junk, dir] {
        let _ = std::fs::remove_dir_all(d);
    }
}

#[test]
fn a_datasets_labelled_items_are_what_it_trains_on() {
    let dir = loops("dataset");
    let d = dir.to_str().unwrap();
    let lib = temp("dslib");
    assert!(bandmate(&["data", d, "scan"]).status.success());
    let lab = bandmate(&["data", d, "label", "keep", "18_hiphop_100_beat_4-4.mid"]);
    assert!(lab.status.success(), "{}", text(&lab.stderr));
    let out = bandmate(&[
        "train",
        d,
        "--label",
        "keep",
        "--epochs",
        "1",
        "--library",
        lib.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let name = format!("{}-keep", dir.file_name().unwrap().to_str().unwrap());
    let mj: serde_json::Value =
        serde_json::from_slice(&std::fs::read(lib.join(&name).join("model.json")).unwrap())
            .unwrap();
    let files = mj["training"]["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0]
        .as_str()
        .unwrap()
        .ends_with("18_hiphop_100_beat_4-4.mid"));
    for d in [dir, lib] {
        let _ = std::fs::remove_dir_all(d);
    }
}

/// `bandmate` run with no room to write files (a full disk, simulated: the file-size limit at
/// 0 with its signal ignored, so every write of a file fails as on a full disk while reading
/// and the terminal work).
fn bandmate_on_a_full_disk(args: &[&str]) -> Output {
    let mut script = String::from("trap '' XFSZ; ulimit -f 0; exec \"$0\"");
    for k in 1..=args.len() {
        script.push_str(&format!(" \"${k}\""));
    }
    Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_bandmate"))
        .args(args)
        .env("BANDMATE_MODEL", root().join("models/groove"))
        .output()
        .expect("runs")
}

#[test]
fn a_full_disk_is_said_plainly_and_leaves_the_library_and_the_dataset_as_they_were() {
    let dir = loops("full");
    let d = dir.to_str().unwrap();
    let lib = temp("full-lib");
    let l = lib.to_str().unwrap();
    // a model already in the library, and a dataset with a label
    let first = bandmate(&["train", d, "kept", "--library", l, "--epochs", "1"]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let scan = bandmate(&["data", d, "scan"]);
    assert!(scan.status.success(), "{}", text(&scan.stderr));
    let label = bandmate(&["data", d, "label", "keep", "1"]);
    assert!(label.status.success(), "{}", text(&label.stderr));
    let snapshot = |p: &Path| -> Vec<(String, Vec<u8>)> {
        let mut v: Vec<(String, Vec<u8>)> = walk(p)
            .into_iter()
            .map(|f| (f.display().to_string(), std::fs::read(&f).unwrap()))
            .collect();
        v.sort();
        v
    };
    let (lib_before, data_before) = (snapshot(&lib), snapshot(&dir));
    // a training whose model cannot be written, a dataset action whose manifest cannot be
    let train = bandmate_on_a_full_disk(&["train", d, "more", "--library", l, "--epochs", "1"]);
    let data = bandmate_on_a_full_disk(&["data", d, "label", "again", "2"]);
    for (what, out) in [("train", &train), ("data", &data)] {
        assert_eq!(out.status.code(), Some(1), "{what}: {}", text(&out.stderr));
        let e = text(&out.stderr);
        assert!(e.contains("no room left to write"), "{what}: {e}");
    }
    assert_eq!(snapshot(&lib), lib_before, "the library changed");
    assert_eq!(snapshot(&dir), data_before, "the dataset changed");
    let models = bandmate(&["models", "--library", l]);
    assert!(
        text(&models.stdout).starts_with("kept "),
        "{}",
        text(&models.stdout)
    );
    for p in [dir, lib] {
        let _ = std::fs::remove_dir_all(p);
    }
}

/// Every file under `p` (hidden ones too).
fn walk(p: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap() {
        let f = e.unwrap().path();
        if f.is_dir() {
            out.extend(walk(&f));
        } else {
            out.push(f);
        }
    }
    out
}
