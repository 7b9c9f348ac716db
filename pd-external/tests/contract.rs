//! An object defined only for the tests (`tests/objects/metronome.rs`, through the public
//! contract, built as its own external by `tests/objects/pd`) runs in real Pd through the
//! generic wrapper, with no other code: its class, inlet, outlets, notes in time, attribute
//! at creation, bare bang, and refusals.

mod harness;

use harness::{printed, timed_notes, Patch, PdDir};

/// The test object's library, built beside this test (a dev-dependency).
fn test_object_library() -> std::path::PathBuf {
    let lib = harness::built_library().with_file_name(format!(
        "{}bandmate_test_object_pd{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(lib.is_file(), "{} was not built", lib.display());
    lib
}

#[test]
fn an_object_defined_in_a_test_runs_in_pd_through_the_generic_wrapper() {
    let pd = PdDir::new("contract");
    std::fs::copy(
        test_object_library(),
        pd.path(&format!("bandmate.metronome.{}", harness::pd_extension())),
    )
    .unwrap();
    let mut p = Patch::new();
    let m = p.obj("bandmate.metronome @tempo 120");
    // the timer starts with the first click (a bare bang is 'start', as declared)
    let lb = p.obj("loadbang");
    let d = p.obj("delay 100");
    let t = p.obj("t b b");
    let timer = p.obj("timer");
    p.connect(lb, 0, d, 0);
    p.connect(d, 0, t, 0);
    p.connect(t, 1, timer, 0);
    p.connect(t, 0, m, 0);
    let tl = p.obj("t l b");
    let pt = p.obj("print t");
    let pn = p.obj("print n");
    p.connect(m, 0, tl, 0);
    p.connect(tl, 1, timer, 1);
    p.connect(timer, 0, pt, 0);
    p.connect(tl, 0, pn, 0);
    let pi = p.obj("print info");
    p.connect(m, 1, pi, 0);
    p.at(1200.0, "halt, count, tempo fast, wobble", m);
    p.quit_at(2000.0);
    let lines = pd.run(&p);
    let text = lines.join("\n");
    assert!(!text.contains("couldn't create"), "{text}");
    // clicks at 0, 500 and 1000 ms (120 BPM from the creation attribute), each 30 ms long
    let notes = timed_notes(&lines);
    let want = [
        (0.0, 76, 100),
        (30.0, 76, 0),
        (500.0, 76, 100),
        (530.0, 76, 0),
        (1000.0, 76, 100),
        (1030.0, 76, 0),
    ];
    assert_eq!(notes.len(), want.len(), "{notes:?}");
    for (g, w) in notes.iter().zip(want) {
        assert!(
            (g.0 - w.0).abs() < 1e-6 && (g.1, g.2) == (w.1, w.2),
            "{g:?} vs {w:?}"
        );
    }
    assert!(printed(&lines, "info").contains(&"beats 3"), "{text}");
    for says in [
        "bandmate.metronome: tempo: bpm must be a number, got 'fast'",
        "bandmate.metronome: unknown message 'wobble' (messages: tempo, start, halt, count)",
    ] {
        assert!(text.contains(says), "expected «{says}» in:\n{text}");
    }
}
