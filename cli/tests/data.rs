//! `bandmate data`: a dataset of the performer's own loops sculpted from the command line,
//! every action undone byte for byte, bad input refused with the manifest untouched, and a
//! process killed in the middle of writing the manifest leaving the previous one whole.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use bandmate_core::midi::MidiFile;
use bandmate_core::sculpt::{Dataset, MANIFEST};

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bandmate-data-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn bandmate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bandmate"))
        .args(args)
        .output()
        .expect("runs")
}

fn ok(args: &[&str]) -> String {
    let out = bandmate(args);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(args: &[&str]) -> String {
    let out = bandmate(args);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

/// A folder of loops: a few MIDI files (one in a subfolder), a text file, a hidden file.
fn loops(dir: &Path, n: usize) {
    let one = bandmate_core::compose::example_clip()
        .to_smf(&[], 100.0, "loop")
        .unwrap();
    MidiFile::parse(&one).unwrap();
    for k in 0..n {
        std::fs::write(dir.join(format!("loop{k:02}.mid")), &one).unwrap();
    }
    std::fs::create_dir_all(dir.join("takes")).unwrap();
    std::fs::write(dir.join("takes/jam.mid"), &one).unwrap();
    std::fs::write(dir.join("notes.txt"), "not MIDI").unwrap();
    std::fs::write(dir.join(".hidden.mid"), &one).unwrap();
}

fn manifest(dir: &Path) -> Vec<u8> {
    std::fs::read(dir.join(MANIFEST)).unwrap()
}

#[test]
fn every_action_then_undo_gives_the_manifest_back_byte_for_byte() {
    let dir = temp("undo");
    loops(&dir, 3);
    let d = dir.to_str().unwrap();
    let listed = ok(&["data", d, "list"]);
    assert!(listed.contains("   1  loop00.mid  []"), "{listed}");
    assert!(listed.contains("takes/jam.mid"), "{listed}");
    assert!(listed.contains("4 items, 4 for training"), "{listed}");
    assert!(!listed.contains("hidden") && !listed.contains("notes.txt"));
    // items by number, by their file, or by a path to it (found by a performer's trial)
    ok(&["data", d, "label", "fill", "1", "./takes/jam.mid"]);
    let full = dir.join("loop00.mid");
    assert!(ok(&["data", d, "label", "fill", full.to_str().unwrap()]).contains("labelled 0"));
    ok(&["data", d, "exclude", "2"]);
    let actions: &[&[&str]] = &[
        &["label", "groove", "1", "2", "3"],
        &["label", "fill", "1", "3"],
        &["unlabel", "fill", "takes/jam.mid"],
        &["exclude", "1", "4"],
        &["include", "2"],
    ];
    for a in actions {
        let before = manifest(&dir);
        let mut args = vec!["data", d];
        args.extend_from_slice(a);
        ok(&args);
        assert_ne!(manifest(&dir), before, "{a:?} changed something");
        let undone = ok(&["data", d, "undo"]);
        assert!(undone.starts_with("undid: "), "{undone}");
        assert_eq!(manifest(&dir), before, "{a:?} then undo: byte for byte");
    }
    // a scan that adds a file and finds one gone, then undo
    let before = manifest(&dir);
    std::fs::remove_file(dir.join("loop01.mid")).unwrap();
    std::fs::write(
        dir.join("new.mid"),
        std::fs::read(dir.join("loop00.mid")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        ok(&["data", d, "scan"]).trim(),
        "1 added, 1 missing, 0 back"
    );
    let set = Dataset::open(&dir).unwrap();
    assert!(set.items()[1].missing);
    // loop01 (excluded, now missing too) left out, new.mid in
    assert_eq!(set.training_files(None).len(), 4);
    ok(&["data", d, "undo"]);
    assert_eq!(manifest(&dir), before);
    // the history says what was done
    let h = ok(&["data", d, "history"]);
    assert!(h.contains("label fill  loop00.mid takes/jam.mid"), "{h}");
    assert!(h.contains("exclude  loop01.mid"), "{h}");
    // training reads the manifest: by label, not excluded
    let set = Dataset::open(&dir).unwrap();
    let fills = set.training_files(Some("fill"));
    assert_eq!(fills.len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_input_is_refused_and_the_manifest_stays_as_it_was() {
    let dir = temp("bad");
    loops(&dir, 2);
    let d = dir.to_str().unwrap();
    ok(&["data", d, "scan"]);
    let before = manifest(&dir);
    assert!(fails(&["data", d, "label", "my label", "1"]).contains("no spaces"));
    assert!(fails(&["data", d, "label", "x", "9"]).contains("items 1 to 3"));
    assert!(fails(&["data", d, "exclude", "nope.mid"]).contains("no such item"));
    assert!(fails(&["data", d, "exclude"]).contains("name the items"));
    assert_eq!(manifest(&dir), before);
    // undo past the start: a clear error
    ok(&["data", d, "undo"]);
    assert!(fails(&["data", d, "undo"]).contains("nothing to undo"));
    // an empty folder, a file that is not a folder, a corrupt manifest (left as it is)
    let empty = temp("empty");
    let e = empty.to_str().unwrap();
    assert!(ok(&["data", e, "list"]).contains("0 items"));
    assert!(fails(&["data", &format!("{d}/loop00.mid"), "list"]).contains("not a folder"));
    std::fs::write(dir.join(MANIFEST), b"{ broken").unwrap();
    assert!(fails(&["data", d, "list"]).contains("not a dataset manifest"));
    assert_eq!(std::fs::read(dir.join(MANIFEST)).unwrap(), b"{ broken");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
}

#[test]
fn a_process_killed_while_writing_leaves_the_previous_manifest_whole() {
    let dir = temp("kill");
    loops(&dir, 40);
    let d = dir.to_str().unwrap();
    ok(&["data", d, "scan"]);
    ok(&["data", d, "label", "mine", "1", "2"]);
    let before = manifest(&dir);
    // the write pauses half-way (a test hook) and the process is killed there
    let mut child = Command::new(env!("CARGO_BIN_EXE_bandmate"))
        .args(["data", d, "exclude", "3", "4", "5"])
        .env("BANDMATE_TEST_HOOKS", "1")
        .env("BANDMATE_TEST_SLOW_SAVE_MS", "5000")
        .spawn()
        .unwrap();
    // wait until its temporary file is there, half written
    let t0 = std::time::Instant::now();
    loop {
        let tmp = std::fs::read_dir(&dir).unwrap().flatten().any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(&format!(".{MANIFEST}"))
        });
        if tmp || t0.elapsed() > Duration::from_secs(20) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(manifest(&dir), before, "the previous manifest, whole");
    let set = Dataset::open(&dir).unwrap();
    assert_eq!(set.items().len(), 41);
    assert!(!set.items()[2].excluded);
    // and the dataset goes on
    ok(&["data", d, "exclude", "3"]);
    assert!(Dataset::open(&dir).unwrap().items()[2].excluded);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `bandmate map`: the dataset's loops placed by the groove model's reading, as a PNG; the same
/// loop twice lands on the same place; bad requests are clear errors.
#[test]
fn the_map_places_each_loop_and_draws_it() {
    let dir = temp("map");
    let loops = Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/pd/loops");
    let mut n = 0;
    for e in std::fs::read_dir(&loops).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "mid") {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
            n += 1;
        }
    }
    assert!(n >= 3, "{n} example loops");
    let first = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "mid"))
        .unwrap();
    std::fs::copy(&first, dir.join("twin.mid")).unwrap();
    let d = dir.to_str().unwrap();
    assert!(fails(&["data", d, "label", "twins", "twin.mid"]).contains("'scan' or 'list' adds it"));
    ok(&["data", d, "scan"]);
    ok(&["data", d, "label", "twins", "twin.mid"]);
    let out = dir.join("map.png");
    let printed = ok(&["map", d, out.to_str().unwrap()]);
    assert!(
        printed.contains(&format!("{} loops on the map", n + 1)),
        "{printed}"
    );
    // the twin and its original: one place
    let place = |name: &str| -> (f64, f64) {
        let line = printed
            .lines()
            .find(|l| l.contains(&format!("  {name}  ")))
            .unwrap_or_else(|| panic!("{name} in {printed}"));
        let v: Vec<f64> = line
            .split_whitespace()
            .take(2)
            .map(|w| w.parse().unwrap())
            .collect();
        (v[0], v[1])
    };
    let original = first.file_name().unwrap().to_str().unwrap().to_string();
    let (a, b) = (place("twin.mid"), place(&original));
    assert!(
        (a.0 - b.0).abs() < 1e-3 && (a.1 - b.1).abs() < 1e-3,
        "{a:?} {b:?}"
    );
    // a PNG of 800 x 600
    let png = std::fs::read(&out).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 800);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 600);
    // not a PNG name; a dataset of one loop
    assert!(fails(&["map", d, dir.join("map.jpg").to_str().unwrap()]).contains(".png"));
    let one = temp("map-one");
    std::fs::copy(&first, one.join("a.mid")).unwrap();
    let o = one.to_str().unwrap();
    assert!(fails(&["map", o, one.join("m.png").to_str().unwrap()]).contains("at least two"));
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&one).unwrap();
}
