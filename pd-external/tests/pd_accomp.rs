//! `[bandmate.accomp]` in real Pure Data: a chord track with lengths, play, the performer's
//! notes as lists from [notein], settings changed while it plays (harmony, a part off and on,
//! a shorter chunk), stop: every note comes out at the time the core object plays it, with its
//! channel, and none is left sounding; bad input is a console error and it plays on.

mod harness;

use std::collections::HashMap;

use harness::{
    accomp_setup, assert_clean, channel_notes, core_accomp_notes, printed, timed_patch,
    LooperNotes as Notes, PdDir, ACCOMP_LATER,
};

fn assert_released(notes: &Notes) {
    let mut on: HashMap<(u8, u8), i32> = HashMap::new();
    for n in notes {
        *on.entry((n.1, n.3)).or_default() += if n.2 > 0 { 1 } else { -1 };
    }
    assert!(on.values().all(|&v| v == 0), "stuck: {on:?}");
}

#[test]
fn the_accompanist_plays_the_cores_notes_at_the_cores_times() {
    let pd = PdDir::new("accomp");
    let quit = 11_000.0;
    let (mut p, g) = timed_patch(
        "bandmate.accomp @blocking 1",
        &accomp_setup().join(", "),
        ACCOMP_LATER,
        quit,
    );
    let info = p.obj("print info");
    p.connect(g, 1, info, 0);
    let lines = pd.run(&p);
    assert_clean(&lines);
    let info = printed(&lines, "info");
    assert!(
        info.iter().any(|l| l.starts_with("model accomp ")),
        "{info:?}"
    );
    assert!(
        info.iter().any(|l| l.starts_with("chords 4 12")),
        "{info:?}"
    );
    assert!(!info.iter().any(|l| l.starts_with("late")), "{info:?}");
    let got = channel_notes(&lines);
    let (want, core_lines) = core_accomp_notes(quit - 1.0);
    assert!(
        core_lines.iter().any(|l| l.starts_with("restart ")),
        "delta2 starts it again: {core_lines:?}"
    );
    assert!(got.iter().filter(|n| n.2 > 0).count() > 40, "{got:?}");
    assert_eq!(got.len(), want.len(), "pd {got:?}\ncore {want:?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((g.1, g.2, g.3), (w.1, w.2, w.3), "pd {g:?} core {w:?}");
        // Pd prints times with 6 significant digits
        assert!((g.0 - w.0).abs() <= 0.051, "pd {g:?} core {w:?}");
    }
    // bass on channel 2, inner voices on 3; nothing after the stop but releases
    assert!(got.iter().all(|n| n.3 == 2 || n.3 == 3), "{got:?}");
    assert!(got.iter().all(|n| n.0 < 8907.0 + 0.051 || n.2 == 0));
    assert_released(&got);
}

#[test]
fn bad_input_is_a_console_error_and_it_plays_on() {
    let pd = PdDir::new("accomp-bad");
    std::fs::create_dir_all(pd.dir.join("empty")).unwrap();
    let (mut p, g) = timed_patch(
        "bandmate.accomp @blocking 1",
        &accomp_setup().join(", "),
        &[
            (1000.0, "chords C:maj7 H:min"),
            (1100.0, "chords"),
            (1200.0, "load empty"),
            (1300.0, "delta2 3"),
            (1400.0, "part melody 1"),
            (1500.0, "200 100"),
            (1600.0, "transport 1 120 64"),
            (6000.0, "stop"),
        ],
        7000.0,
    );
    let info = p.obj("print info");
    p.connect(g, 1, info, 0);
    let lines = pd.run(&p);
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("bandmate.accomp: "))
        .collect();
    let want = [
        "chord \"H:min\"",
        "needs 1 to",
        "model.json",
        "the model knows 0.5, 1, 2 and 4 beats",
        "only alone",
        "out of range",
    ];
    assert_eq!(errors.len(), want.len(), "{errors:#?}");
    for (e, w) in errors.iter().zip(want) {
        assert!(e.contains(w), "{e} should say {w}");
    }
    // a transport jump mid-play: it starts again and plays on
    let info = printed(&lines, "info");
    assert!(info.iter().any(|l| l.starts_with("restart")), "{info:?}");
    let got = channel_notes(&lines);
    assert!(got.iter().any(|n| n.0 > 4000.0 && n.2 > 0), "{got:?}");
    assert_released(&got);
}

/// Chords played with the left hand (below `chordsplit`) in real Pd: named, heard from the
/// beats the model does not know yet; a program change leaves the info outlet for [pgmout].
#[test]
fn chords_played_below_the_split_lead_it_and_a_program_change_comes_out() {
    let pd = PdDir::new("accomp-chordin");
    let (mut p, g) = timed_patch(
        "bandmate.accomp @blocking 1",
        &accomp_setup().join(", "),
        &[
            (1507.0, "chordsplit 60"),
            (1510.0, "41 90 1"),
            (1511.0, "45 90 1"),
            (1512.0, "48 90 1"),
            (1800.0, "41 0 1"),
            (1607.0, "program bass 33"),
            (6007.0, "stop"),
        ],
        7000.0,
    );
    let info = p.obj("print info");
    p.connect(g, 1, info, 0);
    let lines = pd.run(&p);
    assert_clean(&lines);
    let info = printed(&lines, "info");
    assert!(info.contains(&"chordin F:maj"), "{info:?}");
    assert!(info.contains(&"program 33 2"), "{info:?}");
    let got = channel_notes(&lines);
    // from 1.5 s after the chord (three beats at 120 BPM) to the stop: F major
    let f = bandmate_core::accomp::Chord::parse("F:maj").unwrap();
    let ons: Vec<_> = got
        .iter()
        .filter(|n| n.2 > 0 && n.0 >= 1412.0 + 1500.0 && n.0 < 5907.0)
        .collect();
    let tones = ons.iter().filter(|n| f.has(n.1)).count();
    assert!(
        ons.len() > 10 && tones * 10 >= ons.len() * 7,
        "{tones} of {} F major tones",
        ons.len()
    );
    assert_released(&got);
}
