//! The help patchers and the Max for Live devices, run: every message they can send to a
//! bandmate object (as the patch checker in `bandmate_gen::maxpat` traces them, `$1`
//! filled from the controls' ranges) is sent to the object in the mock Max host, with the
//! buffer~ objects and files the patchers use, and none is refused.

mod harness;
#[path = "../../pd-external/tests/harness/mod.rs"]
mod pd_harness;

use std::collections::BTreeMap;
use std::path::Path;

use bandmate_gen::maxpat::{check_patchers, parse_amxd};
use harness::MaxDir;

fn patcher(file: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../patches/max")
        .join(file);
    let bytes = std::fs::read(&path).unwrap();
    let json = if file.ends_with(".amxd") {
        parse_amxd(&bytes).unwrap().1
    } else {
        String::from_utf8(bytes).unwrap()
    };
    serde_json::from_str(&json).unwrap()
}

/// Where the patchers run: in a folder holding the externals and the files they use, or in
/// the installed package (`scripts/max-package`), each patcher in its own folder of it
/// (`help/`, `patchers/`), the package in Max's search path.
#[derive(Clone, Copy, PartialEq)]
enum Layout {
    Folder,
    Package,
}

/// Send every message the patchers in `files` can send; return the mock's output.
fn run_all(tag: &str, files: &[&str]) -> (harness::Output, usize) {
    run_all_in(tag, files, Layout::Folder)
}

fn run_all_in(tag: &str, files: &[&str], layout: Layout) -> (harness::Output, usize) {
    let values: Vec<(&str, serde_json::Value)> = files.iter().map(|f| (*f, patcher(f))).collect();
    let refs: Vec<(&str, &serde_json::Value)> = values.iter().map(|(n, v)| (*n, v)).collect();
    let report = check_patchers(&refs);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    let mut by_object: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in &report.checked {
        let (object, message) = c.split_once(": ").expect("object: message");
        by_object
            .entry(object.to_string())
            .or_default()
            .push(message.to_string());
    }
    assert!(!by_object.is_empty());
    let max = MaxDir::new(tag);
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    if layout == Layout::Folder {
        std::fs::copy(repo.join("patches/pd/loop.wav"), max.path("loop.wav")).unwrap();
        std::fs::copy(repo.join("patches/pd/chords.mid"), max.path("chords.mid")).unwrap();
        std::fs::copy(repo.join("patches/pd/clip.mid"), max.path("clip.mid")).unwrap();
        std::os::unix::fs::symlink(repo.join("models"), max.path("models")).unwrap();
        // the folder the frag~ help watches, as in the package
        std::fs::create_dir_all(max.path("fragments")).unwrap();
        // where the groove help's 'tag' keeps what it marks, as in the package
        std::fs::create_dir_all(max.path("my-loops")).unwrap();
        // and where the models trained from it go
        std::fs::create_dir_all(max.path("my-models")).unwrap();
        pd_harness::copy_loops(&max.dir);
        pd_harness::copy_songs(&max.dir);
    }
    let sine: Vec<f32> = (0..9_600).map(|i| (i as f32 * 0.05).sin() * 0.5).collect();
    harness::write_f32(&max.path("loop.raw"), &sine);
    let mut script = String::from(
        // (buffer~ drums and the device's capture with something in them, as after a render or
        // a recording: a silent one is refused)
        "buffer drums 2 1\nbuffer_read drums loop.raw\nbuffer loop 2 1\nbuffer_read loop loop.raw\nbuffer bandmate.capture 2 1\nbuffer_read bandmate.capture loop.raw\n",
    );
    let mut n = 0;
    for (i, (object, messages)) in by_object.iter().enumerate() {
        let id = format!("o{i}");
        let class = object.split_whitespace().next().unwrap();
        let extra = if matches!(
            class,
            "bandmate.groove" | "bandmate.looper" | "bandmate.accomp"
        ) {
            " @blocking 1"
        } else {
            ""
        };
        script.push_str(&format!("new {id} {object}{extra}\n"));
        // What a performer has before these messages make sense: a score and a groove to
        // humanize and drumify and a loop to keep, vary and render (before every message, as
        // `clear` or `swing` alone undo them); fragments in every slot.
        let before: &[&str] = match class {
            // (and playing: a fill leads out of a playing loop; a clip to fill and write)
            "bandmate.groove" => &[
                "score kick 1 0 0 0 1 0 0 0 1 0 0 0 1 0 0 0",
                "swing 58",
                "generate",
                "play",
                "clip clip.mid",
                // (the folder 'tag' keeps into, which 'data' sculpts)
                "dataset my-loops",
            ],
            // a corpus, a few notes played in, a seed, playing
            "bandmate.looper" => &[
                "blocking 1",
                "corpus loops",
                "note 36 100 10",
                "note 42 90 10",
                "note 38 110 10",
                "seed",
                "play",
                // (the map 'choose' moves through; where 'tag' keeps)
                "map",
                "dataset my-loops",
            ],
            // (its messages alone make sense: a play without chords is refused, as it should)
            // (and where chords played come from: 'chordrec' needs it)
            "bandmate.accomp" => &["chords C:maj7 A:min7", "chordsplit 48"],
            // Live's context and notes come in as the checker traced them
            "bandmate.miditool" => &[],
            // fragments in every slot, and words for 'generate'
            "bandmate.frag~" => &[
                "array loop",
                "array loop",
                "array loop",
                "array loop",
                "prompt funk",
            ],
            _ => &["array loop", "array loop", "array loop", "array loop"],
        };
        for m in messages {
            for b in before {
                script.push_str(&format!("send {id} {b}\n"));
            }
            // Live's dictionaries (live.miditool.in): registered, then sent by name
            if let Some(json) = m.strip_prefix("dictionary ") {
                let file = format!("dict{n}.json");
                std::fs::write(max.path(&file), json).unwrap();
                script.push_str(&format!(
                    "dict_read d{n} {}\nsend {id} dictionary d{n}\nadvance 5\n",
                    max.path(&file).display()
                ));
                n += 1;
                continue;
            }
            script.push_str(&format!("send {id} {m}\nadvance 5\n"));
            n += 1;
        }
    }
    let out = match layout {
        Layout::Folder => max.run(&script),
        Layout::Package => {
            let out = max.path("out");
            let status = std::process::Command::new(repo.join("scripts/max-package"))
                .arg("--lib")
                .arg(harness::built_library())
                .args(["--os", "linux", "--out"])
                .arg(&out)
                .status()
                .unwrap();
            assert!(status.success());
            let pkg = out.join("bandmate");
            let folder = if files.iter().all(|f| f.ends_with(".amxd")) {
                "patchers"
            } else {
                "help"
            };
            max.run_in(
                &script,
                &pkg.join("externals"),
                &pkg.join(folder),
                &[&pkg],
                &[],
            )
        }
    };
    (out, n)
}

#[test]
fn every_message_of_the_help_patchers_works() {
    let (out, n) = run_all(
        "help",
        &[
            "bandmate.groove.maxhelp",
            "bandmate.looper.maxhelp",
            "bandmate.frag~.maxhelp",
            "bandmate.accomp.maxhelp",
            "bandmate.miditool.maxhelp",
        ],
    );
    out.assert_clean();
    assert!(n >= 50, "only {n} messages");
}

#[test]
fn every_message_of_the_devices_works() {
    let (out, n) = run_all(
        "devices",
        &[
            "bandmate-groove.amxd",
            "bandmate-frag.amxd",
            "bandmate-accomp.amxd",
            "bandmate-generate.amxd",
            "bandmate-transform.amxd",
        ],
    );
    out.assert_clean();
    assert!(n >= 40, "only {n} messages");
    // Live's notes and context reached the MIDI Tool (one object for both devices' messages:
    // the same box text), and it answered with Live's notes
    let answers = out.of_kind("dict");
    assert!(
        !answers.is_empty(),
        "no dictionary sent back\n{}",
        out.text()
    );
    assert!(answers.iter().all(|d| d.rest.contains("{\"notes\":[{")));
}

/// The help patchers and the devices from the installed package (externals/, help/,
/// patchers/, media/, models/): `read loop.wav` finds media/loop.wav through Max's search path,
/// `load models/groove` the package's model folder.
#[test]
fn the_help_patchers_and_devices_work_from_the_installed_package() {
    let (out, n) = run_all_in(
        "help-package",
        &[
            "bandmate.groove.maxhelp",
            "bandmate.looper.maxhelp",
            "bandmate.frag~.maxhelp",
            "bandmate.accomp.maxhelp",
            "bandmate.miditool.maxhelp",
        ],
        Layout::Package,
    );
    out.assert_clean();
    assert!(n >= 50, "only {n} messages");
    let (out, n) = run_all_in(
        "devices-package",
        &[
            "bandmate-groove.amxd",
            "bandmate-frag.amxd",
            "bandmate-accomp.amxd",
            "bandmate-generate.amxd",
            "bandmate-transform.amxd",
        ],
        Layout::Package,
    );
    out.assert_clean();
    assert!(n >= 40, "only {n} messages");
}

/// Live replays every stored control value as a set (or a device) loads, before anything is
/// in the objects: no loop yet, no fragment in any slot. Every message a device's stored
/// controls can send (toggles, dials, menus: everything but what a click on a button, a MIDI
/// note or a capture sends, which are never replayed) is taken quietly by a fresh object.
#[test]
fn every_stored_control_of_the_devices_replayed_at_load_is_taken_quietly() {
    // what buttons, MIDI in and the capture send: actions, never stored
    // (and Live's dictionaries for a MIDI Tool: sent by Live when it applies, never stored)
    const ACTIONS: &[&str] = &[
        "generate",
        "vary",
        "fill",
        "drumify",
        "humanize",
        "render",
        "trigger",
        "tap",
        "array",
        "chordrec",
        "dictionary",
    ];
    for file in [
        "bandmate-groove.amxd",
        "bandmate-frag.amxd",
        "bandmate-accomp.amxd",
        "bandmate-generate.amxd",
        "bandmate-transform.amxd",
    ] {
        let value = patcher(file);
        let report = check_patchers(&[(file, &value)]);
        assert!(report.errors.is_empty(), "{:?}", report.errors);
        let max = MaxDir::new(&format!("replay-{}", file.trim_end_matches(".amxd")));
        let mut script = String::new();
        let mut objects: BTreeMap<String, String> = BTreeMap::new();
        let mut n = 0;
        for c in &report.checked {
            let (object, message) = c.split_once(": ").expect("object: message");
            let sel = message.split_whitespace().next().unwrap_or("");
            if ACTIONS.contains(&sel) {
                continue;
            }
            let next = format!("o{}", objects.len());
            let id = objects.entry(object.to_string()).or_insert_with(|| {
                script.push_str(&format!("new {next} {object}\n"));
                next.clone()
            });
            script.push_str(&format!("send {id} {message}\nadvance 5\n"));
            n += 1;
        }
        assert!(n >= 10, "{file}: only {n} stored-control messages");
        let out = max.run(&script);
        out.assert_clean_except(&[]);
    }
}
