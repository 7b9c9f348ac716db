//! `[bandmate.accomp]` in the mock Max host: the Pd test's scenario again (the same notes,
//! channels and times as the core object, which real Pd matches in `pd_accomp.rs`), as int
//! lists for [midiformat]/[noteout].

mod harness;
#[path = "../../pd-external/tests/harness/mod.rs"]
mod pd_harness;

use harness::MaxDir;
use pd_harness::{accomp_setup, core_accomp_notes, ACCOMP_LATER};

#[test]
fn the_same_notes_at_the_same_times_as_the_core() {
    let max = MaxDir::new("accomp");
    let mut script = String::from("new o bandmate.accomp @blocking 1\n");
    for m in accomp_setup() {
        script.push_str(&format!("send o {m}\n"));
    }
    let until = 11_000.0;
    script.push_str("advance 100\nsend o play\n");
    let mut now = 100.0;
    for (t, m) in ACCOMP_LATER {
        script.push_str(&format!("advance {}\nsend o {m}\n", t - now));
        now = *t;
    }
    script.push_str(&format!("advance {}\n", until - 1.0 - now));
    let out = max.run(&script);
    out.assert_clean();
    let got = out.channel_notes("o", 100.0);
    let (want, _) = core_accomp_notes(until - 1.0);
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
    assert!(
        info.iter().any(|l| l.starts_with("chords 4 12")),
        "{info:?}"
    );
    assert!(!info.iter().any(|l| l.starts_with("late")), "{info:?}");
}
