//! Issue 23, compose mode over OSC, with liblo's real peers (`oscsend` sends, `oscdump` hears):
//! a clip read from an allowed folder, its empty bars filled, written beside it with every
//! note kept; a fill asked while the loop plays; a write outside the folders refused.

mod common;

use std::time::Duration;

use bandmate_core::compose::{example_clip, Clip};
use common::{oscsend, Daemon, OscDump, TempDir};

const SEC: Duration = Duration::from_secs(1);

#[test]
fn a_clip_is_filled_and_written_and_a_fill_played_over_osc() {
    let allowed = TempDir::new("compose");
    let outside = TempDir::new("compose-outside");
    let clip_path = allowed.path().join("clip.mid");
    let example = example_clip();
    example.write(&clip_path, &[], 100.0).unwrap();
    let d = Daemon::start(&["--path", allowed.path().to_str().unwrap()]);
    let p = d.port();
    let mut dump = OscDump::start();
    oscsend(p, "/bandmate/subscribe", "i", &[&dump.port.to_string()]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");

    oscsend(
        p,
        "/bandmate/groove/clip",
        "s",
        &[clip_path.to_str().unwrap()],
    );
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/groove/clip");
    let read = got.last().unwrap();
    assert_eq!(read.args[0].f(), 8.0, "{read:?}");
    assert_eq!(read.args[1].f(), example.notes().len() as f64);

    oscsend(p, "/bandmate/groove/infill", "", &[]);
    let got = dump.until(20 * SEC, |l| {
        l.addr == "/bandmate/groove/infilled" || l.addr == "/bandmate/error"
    });
    let filled = got.last().unwrap();
    assert_eq!(filled.addr, "/bandmate/groove/infilled", "{got:?}");
    let added = filled.args[0].f() as usize;
    assert!(added >= 16, "{filled:?}");
    assert_eq!(
        filled.args[1..].iter().map(|a| a.f()).collect::<Vec<_>>(),
        [5.0, 6.0],
        "the empty bars, found by themselves"
    );

    // (over OSC a path is a full one, inside the folders bandmated may read)
    let out = allowed.path().join("filled.mid");
    oscsend(p, "/bandmate/groove/write", "s", &[out.to_str().unwrap()]);
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/groove/wrote");
    let wrote = got.last().unwrap().args[0].s().to_string();
    assert!(wrote.ends_with("filled.mid"), "{wrote}");
    let back = Clip::read(&out).unwrap();
    assert_eq!(back.notes().len(), example.notes().len() + added);
    let tick = |b: f64| (b.max(0.0) * 480.0).round() as i64;
    for n in example.notes() {
        assert!(
            back.notes().iter().any(|b| tick(b.beat) == tick(n.beat)
                && b.key == n.key
                && b.velocity == n.velocity),
            "{n:?} was not kept"
        );
    }

    // outside the allowed folders: refused by name, nothing written, the clip kept
    let stray = outside.path().join("stray.mid");
    oscsend(p, "/bandmate/groove/write", "s", &[stray.to_str().unwrap()]);
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/error");
    let e = got.last().unwrap();
    assert!(e.args[1].s().contains("outside the folders"), "{e:?}");
    assert!(!stray.exists());

    // the clip's first bars are the score; playing, a fill ends the next loop
    oscsend(p, "/bandmate/groove/play", "", &[]);
    dump.until(10 * SEC, |l| l.addr == "/bandmate/groove/note");
    oscsend(p, "/bandmate/groove/fill", "i", &["2"]);
    let got = dump.until(10 * SEC, |l| {
        l.addr == "/bandmate/groove/ready" && l.args[0].s() == "fill"
    });
    assert!(!got.iter().any(|l| l.addr == "/bandmate/error"), "{got:?}");
    oscsend(p, "/bandmate/groove/fill", "i", &["7"]);
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/error");
    assert!(got.last().unwrap().args[1].s().contains("fill"), "{got:?}");
}
