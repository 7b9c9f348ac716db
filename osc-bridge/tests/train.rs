//! Issue 22, training from a controller, with liblo's real peers: `/bandmate/groove/train`
//! fine-tunes the model that plays on the daemon's dataset (`--dataset`) into its model library
//! (`--library`), with `training`, `progress` and `trained` replies; `models` lists it, `load
//! NAME` plays it; `cancel` leaves nothing; folders outside the allowed ones are refused.

mod common;

use std::time::Duration;

use common::{oscsend, workspace, Daemon, OscDump, TempDir};

const SEC: Duration = Duration::from_secs(1);

#[test]
fn a_controller_trains_lists_loads_and_cancels() {
    let data = TempDir::new("train-data");
    let lib = TempDir::new("train-lib");
    let outside = TempDir::new("train-outside");
    for e in std::fs::read_dir(workspace().join("patches/pd/loops")).unwrap() {
        let f = e.unwrap().path();
        std::fs::copy(&f, data.path().join(f.file_name().unwrap())).unwrap();
        std::fs::copy(&f, outside.path().join(f.file_name().unwrap())).unwrap();
    }
    let d = Daemon::start(&[
        "--dataset",
        data.path().to_str().unwrap(),
        "--library",
        lib.path().to_str().unwrap(),
    ]);
    let p = d.port();
    let mut dump = OscDump::start();
    oscsend(p, "/bandmate/subscribe", "i", &[&dump.port.to_string()]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");
    oscsend(p, "/bandmate/groove/models", "", &[]);
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/groove/models");
    assert!(got.last().unwrap().args.is_empty(), "{got:?}");

    // a TouchOSC button: no arguments, the dataset's loops, the folder's name
    oscsend(p, "/bandmate/groove/train", "", &[]);
    let got = dump.until(60 * SEC, |l| {
        l.addr == "/bandmate/groove/trained" || l.addr == "/bandmate/error"
    });
    let trained = got.last().unwrap();
    assert_eq!(trained.addr, "/bandmate/groove/trained", "{got:?}");
    let name = trained.args[0].s().to_string();
    assert!(lib.path().join(&name).join("model.json").is_file());
    let training: Vec<_> = got
        .iter()
        .filter(|l| l.addr == "/bandmate/groove/training")
        .collect();
    assert_eq!(training.len(), 1, "{got:?}");
    assert_eq!(training[0].args[0].f(), 4.0);
    let progress: Vec<f64> = got
        .iter()
        .filter(|l| l.addr == "/bandmate/groove/progress")
        .map(|l| l.args[0].f())
        .collect();
    assert_eq!(progress, (1..=20).map(f64::from).collect::<Vec<_>>());

    oscsend(p, "/bandmate/groove/models", "", &[]);
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/groove/models");
    let listed: Vec<&str> = got.last().unwrap().args.iter().map(|a| a.s()).collect();
    assert_eq!(listed, vec![name.as_str()]);
    oscsend(p, "/bandmate/groove/load", "s", &[&name]);
    let got = dump.until(10 * SEC, |l| {
        l.addr == "/bandmate/groove/loaded" || l.addr == "/bandmate/error"
    });
    let last = got.last().unwrap();
    assert_eq!(last.addr, "/bandmate/groove/loaded", "{got:?}");
    assert_eq!(last.args[0].s(), name);
    oscsend(p, "/bandmate/groove/generate", "", &[]);
    dump.until(10 * SEC, |l| l.addr == "/bandmate/groove/ready");

    // cancelled: nothing written
    oscsend(
        p,
        "/bandmate/groove/train",
        "ss",
        &[data.path().to_str().unwrap(), "two"],
    );
    dump.until(30 * SEC, |l| l.addr == "/bandmate/groove/training");
    oscsend(p, "/bandmate/groove/cancel", "", &[]);
    let got = dump.until(30 * SEC, |l| {
        l.addr == "/bandmate/groove/cancelled" || l.addr == "/bandmate/groove/trained"
    });
    let last = got.last().unwrap();
    assert_eq!(last.addr, "/bandmate/groove/cancelled", "{got:?}");
    assert_eq!(last.args[0].s(), "train");
    assert!(!lib.path().join("two").exists());

    // loops, or a library, outside the folders the daemon may read: refused, nothing written
    for (addr, arg) in [
        ("/bandmate/groove/train", outside.path()),
        ("/bandmate/groove/library", outside.path()),
    ] {
        oscsend(p, addr, "s", &[arg.to_str().unwrap()]);
        let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/error");
        let e = got.last().unwrap();
        assert_eq!(e.args[0].s(), addr, "{e:?}");
        assert!(e.args[1].s().contains("outside"), "{e:?}");
    }
    let entries: Vec<_> = std::fs::read_dir(lib.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, vec![name]);
}

/// The accompanist taught a performer's song from a controller: `/bandmate/accomp/train` into
/// the same library as the groove's models, `models` listing only accompanists, `load NAME`
/// playing it.
#[test]
fn a_controller_teaches_the_accompanist_a_song_and_loads_it() {
    let songs = TempDir::new("train-songs");
    let lib = TempDir::new("train-accomp-lib");
    std::fs::copy(
        workspace().join("patches/pd/songs/song-in-c.mid"),
        songs.path().join("song-in-c.mid"),
    )
    .unwrap();
    // a groove model already in the library: not the accompanist's to list
    let drums = lib.path().join("drums");
    std::fs::create_dir_all(&drums).unwrap();
    for e in std::fs::read_dir(workspace().join("models/groove")).unwrap() {
        let f = e.unwrap().path();
        if f.is_file() {
            std::fs::copy(&f, drums.join(f.file_name().unwrap())).unwrap();
        }
    }
    let d = Daemon::start(&[
        "--library",
        lib.path().to_str().unwrap(),
        "--path",
        songs.path().to_str().unwrap(),
    ]);
    let p = d.port();
    let mut dump = OscDump::start();
    oscsend(p, "/bandmate/subscribe", "i", &[&dump.port.to_string()]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");
    oscsend(p, "/bandmate/accomp/models", "", &[]);
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/accomp/models");
    assert!(got.last().unwrap().args.is_empty(), "{got:?}");
    oscsend(
        p,
        "/bandmate/accomp/train",
        "ss",
        &[songs.path().to_str().unwrap(), "mine"],
    );
    let got = dump.until(120 * SEC, |l| {
        l.addr == "/bandmate/accomp/trained" || l.addr == "/bandmate/error"
    });
    let trained = got.last().unwrap();
    assert_eq!(trained.addr, "/bandmate/accomp/trained", "{got:?}");
    assert_eq!(trained.args[0].s(), "mine");
    let training: Vec<_> = got
        .iter()
        .filter(|l| l.addr == "/bandmate/accomp/training")
        .collect();
    assert_eq!(training.len(), 1, "{got:?}");
    let t: Vec<f64> = training[0].args.iter().map(|a| a.f()).collect();
    assert_eq!(t, vec![1.0, 24.0, 0.0, 4.0]);
    let progress = got
        .iter()
        .filter(|l| l.addr == "/bandmate/accomp/progress")
        .count();
    assert_eq!(progress, 4, "{got:?}");
    oscsend(p, "/bandmate/accomp/models", "", &[]);
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/accomp/models");
    let listed: Vec<&str> = got.last().unwrap().args.iter().map(|a| a.s()).collect();
    assert_eq!(listed, vec!["mine"]);
    oscsend(p, "/bandmate/accomp/load", "s", &["mine"]);
    let got = dump.until(20 * SEC, |l| {
        (l.addr == "/bandmate/accomp/model" && l.args[0].s() == "mine")
            || l.addr == "/bandmate/error"
    });
    let last = got.last().unwrap();
    assert_eq!(last.addr, "/bandmate/accomp/model", "{got:?}");
    for f in ["accomp.onnx", "model.json", "README.md"] {
        assert!(lib.path().join("mine").join(f).is_file(), "{f}");
    }
}
