//! An object defined only for the tests (`tests/objects/metronome.rs`, through the public
//! contract, built as its own external by `tests/objects/max`) runs in the mock Max host
//! through the generic wrapper, with no other code: its class, outlets, assist, notes by Max
//! clocks, its attribute as a Max attribute, and refusals.

mod harness;

use harness::MaxDir;

fn test_object_library() -> std::path::PathBuf {
    let lib = harness::built_library().with_file_name(format!(
        "{}bandmate_test_object_max{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(lib.is_file(), "{} was not built", lib.display());
    lib
}

#[test]
fn an_object_defined_in_a_test_runs_in_max_through_the_generic_wrapper() {
    let max = MaxDir::empty("contract");
    std::fs::copy(test_object_library(), max.path("bandmate.metronome.so")).unwrap();
    let out = max.run(
        "new m bandmate.metronome @tempo 120\n\
         getattr m tempo\n\
         advance 100\n\
         send m bang\n\
         advance 1100\n\
         send m halt\n\
         send m count\n\
         send m tempo 90\n\
         getattr m tempo\n\
         send m tempo fast\n\
         send m wobble\n\
         advance 1000\n",
    );
    let notes: Vec<(f64, Vec<f64>)> = out
        .outs_of("m", 0)
        .into_iter()
        .map(|o| {
            assert_eq!(o.sel, "list", "notes are int lists");
            (o.time - 100.0, o.numbers())
        })
        .collect();
    let want = [
        (0.0, [76.0, 100.0]),
        (30.0, [76.0, 0.0]),
        (500.0, [76.0, 100.0]),
        (530.0, [76.0, 0.0]),
        (1000.0, [76.0, 100.0]),
        (1030.0, [76.0, 0.0]),
    ];
    assert_eq!(notes.len(), want.len(), "{}", out.text());
    for (g, w) in notes.iter().zip(want) {
        assert!((g.0 - w.0).abs() < 1e-6 && g.1 == w.1, "{g:?} vs {w:?}");
    }
    let info: Vec<String> = out
        .outs_of("m", 1)
        .into_iter()
        .map(|o| format!("{} {}", o.sel, o.atoms.join(" ")))
        .collect();
    assert!(info.contains(&"beats 3".to_string()), "{info:?}");
    let attrs: Vec<String> = out.of_kind("attr").into_iter().map(|e| e.rest).collect();
    assert_eq!(attrs, ["m tempo 120", "m tempo 90"], "{}", out.text());
    let errors = out.errors().join("\n");
    for says in [
        "tempo: bpm must be a number, got 'fast'",
        "unknown message 'wobble' (messages: tempo, start, halt, count)",
    ] {
        assert!(errors.contains(says), "expected «{says}» in:\n{errors}");
    }
    assert_eq!(out.code, 0, "{}", out.text());
}
