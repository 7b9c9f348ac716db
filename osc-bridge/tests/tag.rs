//! Issue 22, tag while playing, over OSC with liblo's real peers: the daemon's dataset folder
//! (`--dataset`) takes what `/bandmate/groove/tag` marks (no label: `keep`), as a MIDI file
//! labelled in the folder's manifest; a dataset folder outside the allowed ones is refused.

mod common;

use std::time::Duration;

use bandmate_core::sculpt::Dataset;
use common::{oscsend, Daemon, OscDump, TempDir};

const SEC: Duration = Duration::from_secs(1);

#[test]
fn a_tag_over_osc_lands_in_the_daemons_dataset() {
    let data = TempDir::new("tag-data");
    let outside = TempDir::new("tag-outside");
    let d = Daemon::start(&["--rules", "--dataset", data.path().to_str().unwrap()]);
    let p = d.port();
    let mut dump = OscDump::start();
    oscsend(p, "/bandmate/subscribe", "i", &[&dump.port.to_string()]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/subscribe");
    oscsend(p, "/bandmate/groove/generate", "", &[]);
    dump.until(5 * SEC, |l| l.addr == "/bandmate/groove/ready");
    oscsend(p, "/bandmate/groove/play", "", &[]);
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(150));
        oscsend(p, "/bandmate/groove/tap", "f", &["100"]);
    }
    oscsend(p, "/bandmate/groove/tag", "", &[]);
    let got = dump.until(10 * SEC, |l| {
        l.addr == "/bandmate/groove/tagged" || l.addr == "/bandmate/error"
    });
    let t = got.last().unwrap();
    assert_eq!(t.addr, "/bandmate/groove/tagged", "{got:?}");
    assert_eq!(t.args[0].s(), "keep");
    let file = t.args[1].s().to_string();
    assert!(data.path().join(&file).is_file());
    let set = Dataset::open(data.path()).unwrap();
    assert_eq!(set.items().len(), 1);
    assert_eq!(set.items()[0].labels, ["keep"]);
    // another folder, outside those the daemon may write: the dataset message is refused, and
    // the next tag still lands in the daemon's own dataset; nothing is written outside
    oscsend(
        p,
        "/bandmate/groove/dataset",
        "s",
        &[outside.path().to_str().unwrap()],
    );
    let e = dump.until(10 * SEC, |l| l.addr == "/bandmate/error");
    let e = e.last().unwrap();
    assert_eq!(e.args[0].s(), "/bandmate/groove/dataset", "{e:?}");
    oscsend(p, "/bandmate/groove/tag", "s", &["elsewhere"]);
    let got = dump.until(10 * SEC, |l| l.addr == "/bandmate/groove/tagged");
    assert_eq!(got.last().unwrap().args[0].s(), "elsewhere");
    assert_eq!(Dataset::open(data.path()).unwrap().items().len(), 2);
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}
