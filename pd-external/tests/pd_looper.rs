//! `[bandmate.looper]` in real Pure Data: a corpus folder, notes played in, a seed, play; the
//! notes come out at the times the core object plays them, from the corpus, with their MIDI
//! channel; bad input is a console error and the object plays on.

mod harness;

use harness::{
    assert_clean, channel_notes, copy_loops, core_looper_notes, printed, timed_patch, Patch, PdDir,
    LOOPER_SETUP as SETUP,
};

/// The looper in a [`timed_patch`]: SETUP at 0 ms, `play` at 100 ms, its info printed.
fn patch(quit: f64, later: &[(f64, &str)]) -> Patch {
    let (mut p, g) = timed_patch(
        "bandmate.looper @blocking 1",
        &SETUP.join(", "),
        later,
        quit,
    );
    let info = p.obj("print info");
    p.connect(g, 1, info, 0);
    p
}

#[test]
fn the_looper_plays_the_cores_notes_at_the_cores_times() {
    let pd = PdDir::new("looper");
    let loops = copy_loops(&pd.dir);
    let until = 100.0 + 20_000.0;
    let lines = pd.run(&patch(until, &[]));
    assert_clean(&lines);
    let info = printed(&lines, "info");
    assert!(
        info.iter().any(|l| l.starts_with("corpus 19 4 groove")),
        "{info:?}"
    );
    assert!(info.iter().any(|l| l.starts_with("seeded ")), "{info:?}");
    assert!(
        info.iter().filter(|l| l.starts_with("playing ")).count() >= 4,
        "{info:?}"
    );
    assert!(
        info.iter().filter(|l| l.starts_with("queued ")).count() >= 4,
        "{info:?}"
    );
    let got = channel_notes(&lines);
    // the core, on its own copy of the folder
    let other = PdDir::new("looper-core");
    let want = core_looper_notes(&copy_loops(&other.dir), until - 1.0);
    assert!(got.iter().filter(|n| n.2 > 0).count() > 40, "{got:?}");
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!((g.1, g.2, g.3), (w.1, w.2, w.3), "pd {g:?} core {w:?}");
        // Pd prints times with 6 significant digits
        assert!((g.0 - w.0).abs() <= 0.051, "pd {g:?} core {w:?}");
    }
    assert!(got.iter().all(|n| n.3 == 10), "drums on channel 10");
    assert!(loops.join(".bandmate-corpus").is_file());
}

#[test]
fn bad_input_is_a_console_error_and_it_plays_on() {
    let pd = PdDir::new("looper-bad");
    copy_loops(&pd.dir);
    std::fs::create_dir_all(pd.dir.join("empty")).unwrap();
    let lines = pd.run(&patch(
        5100.0,
        &[
            (1000.0, "corpus empty"),
            (1100.0, "queue 999"),
            (1200.0, "repeat 3"),
            (1300.0, "wobble"),
            (1400.0, "labels nosuchlabel"),
            (1500.0, "1 2 3 4 5"),
        ],
    ));
    let errors: Vec<&String> = lines
        .iter()
        .filter(|l| l.contains("bandmate.looper: "))
        .collect();
    let want = [
        "no MIDI",
        "segment 999 does not exist",
        "out of range",
        "unknown message 'wobble'",
        "no segment is labelled 'nosuchlabel'",
        "",
    ];
    assert_eq!(errors.len(), want.len(), "{errors:#?}");
    for (e, w) in errors.iter().zip(want) {
        assert!(e.contains(w), "{e} should say {w}");
    }
    // the notes went on through it all
    let got = channel_notes(&lines);
    assert!(got.iter().any(|n| n.0 > 4000.0 && n.2 > 0), "{got:?}");
}

/// The corpus's map in real Pd (issue 22, item 5): `map tsne` places every segment in the unit
/// square with its name, the points a patch can draw; `choose X Y` at a point's place plays
/// that segment next (answered `chose N NAME`, then `queued N ...` as from `queue`).
#[test]
fn the_map_comes_out_as_points_and_choose_queues_the_nearest_segment() {
    let pd = PdDir::new("looper-map");
    copy_loops(&pd.dir);
    // the help's map display draws them (as in the package)
    let display = "bandmate.looper.map.display.pd";
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../patches/pd")
            .join(display),
        pd.path(display),
    )
    .unwrap();
    let mut p = patch(100.0 + 3000.0, &[(200.0, "map tsne"), (300.0, "map pca")]);
    // the 7th point of the PCA map chosen back: [route point] -> [route 7] -> choose X Y
    let g = 0; // the looper is the patch's first object
    let r = p.obj("route point map");
    p.connect(g, 1, r, 0);
    let shown = p.obj("bandmate.looper.map.display");
    p.connect(g, 1, shown, 0);
    // the display saved once drawn (an abstraction saves over its file: here the copy), to
    // read where its dots are
    let save = p.msg("; pd-bandmate.looper.map.display.pd menusave");
    let lb = p.obj("loadbang");
    let d = p.obj("delay 2500");
    p.connect(lb, 0, d, 0);
    p.connect(d, 0, save, 0);
    let seven = p.obj("route 7");
    p.connect(r, 0, seven, 0);
    let xy = p.obj("list split 2");
    p.connect(seven, 0, xy, 0);
    let ch = p.msg("choose \\$1 \\$2");
    let gate = p.obj("spigot");
    // only the second map (pca) chooses: the first 'map' line (tsne's) opens the gate
    let one = p.msg("1");
    p.connect(r, 1, one, 0);
    p.connect(one, 0, gate, 1);
    p.connect(xy, 0, gate, 0);
    p.connect(gate, 0, ch, 0);
    p.connect(ch, 0, g, 0);
    let lines = pd.run(&p);
    assert_clean(&lines);
    let info = printed(&lines, "info");
    let points: Vec<&&str> = info.iter().filter(|l| l.starts_with("point ")).collect();
    assert_eq!(points.len(), 2 * 19, "{info:?}");
    for l in &points {
        let v = harness::numbers(l);
        assert!(
            (0.0..=1.0).contains(&v[1]) && (0.0..=1.0).contains(&v[2]),
            "{l}"
        );
        assert!(l.contains(".mid:"), "each point named: {l}");
    }
    assert!(
        info.contains(&"map 19 tsne") && info.contains(&"map 19 pca"),
        "{info:?}"
    );
    let chose: Vec<&&str> = info.iter().filter(|l| l.starts_with("chose ")).collect();
    assert_eq!(chose.len(), 1, "{info:?}");
    assert!(chose[0].starts_with("chose 7 "), "{chose:?}");
    assert!(info.iter().any(|l| l.starts_with("queued 7 ")), "{info:?}");
    // each dot where the last (pca) map put its segment: 6 + X * 206 across, 6 + (1 - Y) * 206
    // down the 220-pixel square; the dots of segments the corpus has not (20 to 40) off it
    let saved = std::fs::read_to_string(pd.path(display)).unwrap();
    let dot = |k: usize| -> (f64, f64) {
        let l = saved
            .lines()
            .find(|l| l.contains(&format!(" \\$0-pt-{k} ")))
            .unwrap_or_else(|| panic!("no dot {k}"));
        let v: Vec<f64> = l
            .split_whitespace()
            .skip(2)
            .take(2)
            .map(|w| w.parse().unwrap())
            .collect();
        (v[0], v[1])
    };
    for l in points.iter().skip(19) {
        let v = harness::numbers(l);
        let (x, y) = dot(v[0] as usize);
        assert!((x - (6.0 + v[1] * 206.0)).abs() <= 1.0, "{l}: {x}");
        assert!((y - (6.0 + (1.0 - v[2]) * 206.0)).abs() <= 1.0, "{l}: {y}");
    }
    for k in 20..=40 {
        assert!(dot(k).0 > 220.0, "dot {k} is off the map");
    }
}
