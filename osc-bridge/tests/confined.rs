//! Issue 18, item 10: nothing outside the folders bandmated may read is read, links included.
//! A link inside an allowed folder that points out of it is left out by every scan: a watched
//! folder's new files, a corpus folder's MIDI files, a kit folder, a model folder. Shown
//! first with the real daemon (before the fix each of these read the file outside).

mod common;

use std::os::unix::fs::symlink;
use std::time::Duration;

use common::{oscsend, Arg, Daemon, OscDump, TempDir};

const SEC: Duration = Duration::from_secs(1);

#[test]
fn links_out_of_the_allowed_folders_are_left_out_by_every_scan() {
    use bandmate_core::wav::{write_wav, Audio, WavFormat};
    let outside = TempDir::new("outside");
    let allowed = TempDir::new("allowed");
    let secret = outside.path().join("secret.wav");
    write_wav(
        &secret,
        &Audio {
            sample_rate: 48_000,
            channels: vec![vec![0.5; 4800]],
        },
        WavFormat::Float32,
    )
    .unwrap();
    let loops = common::workspace().join("patches/pd/loops");
    let a_loop = std::fs::read_dir(&loops)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "mid"))
        .unwrap();
    std::fs::copy(&a_loop, outside.path().join("secret.mid")).unwrap();
    let d = Daemon::start(&["--rules", "--path", allowed.path().to_str().unwrap()]);
    let p = d.port();
    let mut dump = OscDump::start();
    oscsend(p, "/bandmate/subscribe", "i", &[&dump.port.to_string()]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");

    // a watched folder: a link to a file outside is left out, said once; a real file comes in
    let incoming = allowed.path().join("incoming");
    std::fs::create_dir_all(&incoming).unwrap();
    oscsend(
        p,
        "/bandmate/frag/watch",
        "s",
        &[incoming.to_str().unwrap()],
    );
    dump.until(5 * SEC, |l| l.addr == "/bandmate/frag/watching");
    symlink(&secret, incoming.join("evil.wav")).unwrap();
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/error");
    let e = got.last().unwrap();
    assert!(
        e.args[1].s().contains("evil.wav") && e.args[1].s().contains("outside the folders"),
        "{e:?}"
    );
    std::fs::copy(&secret, incoming.join("fine.wav")).unwrap();
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/frag/slot");
    assert_eq!(got.last().unwrap().args[2].s(), "fine");
    assert!(
        !got.iter()
            .any(|l| l.args.iter().any(|a| a == &Arg::Str("evil".into()))),
        "{got:?}"
    );

    // a corpus folder: the linked file is skipped, the real one is read
    let corpus = allowed.path().join("loops");
    std::fs::create_dir_all(&corpus).unwrap();
    std::fs::copy(&a_loop, corpus.join("mine.mid")).unwrap();
    symlink(outside.path().join("secret.mid"), corpus.join("evil.mid")).unwrap();
    oscsend(
        p,
        "/bandmate/looper/corpus",
        "s",
        &[corpus.to_str().unwrap()],
    );
    let got = dump.until(20 * SEC, |l| l.addr == "/bandmate/looper/corpus");
    let skipped: Vec<_> = got
        .iter()
        .filter(|l| l.addr == "/bandmate/looper/skipped")
        .collect();
    assert!(
        skipped
            .iter()
            .any(|l| l.args[0].s() == "evil.mid" && l.args[1].s().contains("outside the folders")),
        "{got:?}"
    );
    assert_eq!(
        got.last().unwrap().args[1].f(),
        1.0,
        "one file read (the link is skipped, and not counted)"
    );

    // a kit folder with a link out: refused, naming the file
    let kit = allowed.path().join("kit");
    std::fs::create_dir_all(&kit).unwrap();
    std::fs::copy(&secret, kit.join("snare.wav")).unwrap();
    symlink(&secret, kit.join("kick.wav")).unwrap();
    oscsend(p, "/bandmate/groove/kit", "s", &[kit.to_str().unwrap()]);
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/error");
    let e = got.last().unwrap();
    assert!(
        e.args[1].s().contains("kick.wav") && e.args[1].s().contains("outside the folders"),
        "{e:?}"
    );

    // a model folder with a link out: refused the same way
    let model = allowed.path().join("model");
    std::fs::create_dir_all(&model).unwrap();
    symlink(&secret, model.join("model.json")).unwrap();
    oscsend(p, "/bandmate/groove/load", "s", &[model.to_str().unwrap()]);
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/error");
    let e = got.last().unwrap();
    assert!(
        e.args[1].s().contains("model.json") && e.args[1].s().contains("outside the folders"),
        "{e:?}"
    );
}

/// A start refused for a bad `--path` leaves nothing behind (a performer check found the
/// default fragment, dataset and models folders made in the working folder before the refusal).
#[test]
fn a_refused_start_makes_no_folders() {
    let cwd = TempDir::new("refused-start");
    let missing = cwd.path().join("no-such-folder");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_bandmated"))
        .current_dir(cwd.path())
        .args(["--port", "0", "--rules", "--path"])
        .arg(&missing)
        .output()
        .expect("bandmated runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("no-such-folder"), "{err}");
    let left: Vec<_> = std::fs::read_dir(cwd.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "made {left:?}");
}

/// What a refused path says is why (a performer check): a name that is neither in the library
/// nor a full path is a relative path, read from the daemon's working folder; a link inside an
/// allowed folder to a file not there yet, outside, is outside (it said "No such file").
#[test]
fn a_refused_path_says_why() {
    let outside = TempDir::new("outside-why");
    let allowed = TempDir::new("allowed-why");
    let link = allowed.path().join("dangling.mid");
    symlink(outside.path().join("not-yet.mid"), &link).unwrap();
    let d = Daemon::start(&["--rules", "--path", allowed.path().to_str().unwrap()]);
    let p = d.port();
    let mut dump = OscDump::start();
    oscsend(p, "/bandmate/subscribe", "i", &[&dump.port.to_string()]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");
    oscsend(p, "/bandmate/groove/load", "s", &["nosuchmodel"]);
    let got = dump.until(5 * SEC, |l| l.addr == "/bandmate/error");
    let e = got.last().unwrap().args[1].s().to_string();
    assert!(
        e.contains("nosuchmodel")
            && e.contains("relative path")
            && e.contains("outside the folders"),
        "{e}"
    );
    oscsend(p, "/bandmate/groove/generate", "", &[]);
    oscsend(p, "/bandmate/groove/write", "s", &[link.to_str().unwrap()]);
    let got = dump.until(5 * SEC, |l| l.addr == "/bandmate/error");
    let e = got.last().unwrap().args[1].s().to_string();
    assert!(e.contains("outside the folders"), "{e}");
    assert!(!outside.path().join("not-yet.mid").exists());
}
