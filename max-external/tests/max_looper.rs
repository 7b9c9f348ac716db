//! `[bandmate.looper]` in the mock Max host: the Pd test's scenario again (the same notes,
//! channels and times as the core object, which real Pd matches in `pd_looper.rs`), and bad
//! input as console errors with the object playing on.

mod harness;
#[path = "../../pd-external/tests/harness/mod.rs"]
mod pd_harness;

use harness::MaxDir;
use pd_harness::{copy_loops, core_looper_notes, LOOPER_SETUP};

#[test]
fn the_same_notes_at_the_same_times_as_the_core() {
    let max = MaxDir::new("looper");
    copy_loops(&max.dir);
    let mut script = String::from("new o bandmate.looper @blocking 1\n");
    for m in LOOPER_SETUP {
        script.push_str(&format!("send o {m}\n"));
    }
    let until = 20_000.0;
    script.push_str(&format!(
        "advance 100\nsend o play\nadvance {}\n",
        until - 1.0
    ));
    let out = max.run(&script);
    out.assert_clean();
    let got = out.channel_notes("o", 100.0);
    let other = MaxDir::new("looper-core");
    let want = core_looper_notes(&copy_loops(&other.dir), 100.0 + until - 1.0);
    assert!(got.len() > 80, "{got:?}");
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((g.1, g.2, g.3), (w.1, w.2, w.3), "max {g:?} core {w:?}");
        assert!((g.0 - w.0).abs() < 1e-6, "max {g:?} core {w:?}");
    }
    let info: Vec<String> = out
        .outs_of("o", 1)
        .into_iter()
        .map(|o| format!("{} {}", o.sel, o.atoms.join(" ")))
        .collect();
    assert!(info.iter().any(|l| l.starts_with("queued ")), "{info:?}");
}

#[test]
fn bad_input_is_a_console_error_and_it_plays_on() {
    let max = MaxDir::new("looper-bad");
    copy_loops(&max.dir);
    std::fs::create_dir_all(max.dir.join("empty")).unwrap();
    let mut script = String::from("new o bandmate.looper @blocking 1 @repeat 0.2\n");
    for m in LOOPER_SETUP {
        script.push_str(&format!("send o {m}\n"));
    }
    script.push_str("send o play\nadvance 500\n");
    for m in [
        "corpus empty",
        "queue 999",
        "repeat 3",
        "wobble",
        "1 2 3 4 5",
        "follow x",
    ] {
        script.push_str(&format!("send o {m}\nadvance 10\n"));
    }
    script.push_str("advance 10000\n");
    let out = max.run(&script);
    let errors = out.errors();
    for want in [
        "no MIDI",
        "segment 999 does not exist",
        "out of range",
        "unknown message 'wobble'",
        "follow: amount must be a number",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(want)),
            "{want} not in {errors:#?}"
        );
    }
    assert!(out.fatal().is_none(), "{:?}", out.fatal());
    let late = out
        .outs_of("o", 0)
        .into_iter()
        .filter(|o| o.time > 5000.0)
        .count();
    assert!(late > 0, "it plays on");
}
