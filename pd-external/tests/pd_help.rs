//! The help patches (made from the declarations by `bandmate-gen`, which tests they are current)
//! open
//! in real Pd with no error, and every message they show works when sent.

mod harness;

use std::path::{Path, PathBuf};

use bandmate_core::objects::{
    HelpExtras, ObjectDecl, FRAG, FRAG_HELP, GROOVE, GROOVE_HELP, LOOPER, LOOPER_HELP, OBJECTS,
};
use harness::{assert_clean, copy_loops, printed, Patch, PdDir};

fn objects() -> Vec<(&'static ObjectDecl, HelpExtras)> {
    OBJECTS
        .iter()
        .filter(|e| !e.decl.max_only)
        .map(|e| (e.decl, e.help))
        .collect()
}

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn help_file(decl: &ObjectDecl) -> PathBuf {
    repo()
        .join("patches/pd")
        .join(format!("{}-help.pd", decl.name))
}

#[test]
fn help_patches_open_in_pd_without_errors() {
    let pd = PdDir::new("help");
    let mut quit = Patch::new();
    quit.quit_at(100.0);
    let q = pd.path("quit.pd");
    std::fs::write(&q, quit.text()).unwrap();
    for (decl, _) in objects() {
        let lines = pd.open(&[&help_file(decl), &q], true, &[]);
        assert_clean(&lines);
    }
}

#[test]
fn every_message_a_help_patch_shows_works_in_pd() {
    let pd = PdDir::new("examples");
    // as in the package: the bundled model and an example loop beside the patch
    std::os::unix::fs::symlink(repo().join("models"), pd.path("models")).unwrap();
    let audio = bandmate_core::wav::Audio {
        sample_rate: 48_000,
        channels: vec![vec![0.25; 4800], vec![-0.25; 4800]],
    };
    bandmate_core::wav::write_wav(&pd.path("loop.wav"), &audio, Default::default()).unwrap();
    // the folder the frag~ help watches, as in the package
    std::fs::create_dir_all(pd.path("fragments")).unwrap();
    // where the groove help's 'tag' keeps what it marks, as in the package
    std::fs::create_dir_all(pd.path("my-loops")).unwrap();
    // and where the models trained from it go
    std::fs::create_dir_all(pd.path("my-models")).unwrap();
    copy_loops(&pd.dir);
    harness::copy_songs(&pd.dir);
    std::fs::copy(repo().join("patches/pd/clip.mid"), pd.path("clip.mid")).unwrap();
    // the display abstractions the help patches use, as in the package
    for e in OBJECTS {
        if let Some(name) = bandmate_gen::docs::pd_display_name(e.decl, &e.help) {
            let f = format!("{name}.pd");
            std::fs::copy(repo().join("patches/pd").join(&f), pd.path(&f)).unwrap();
        }
    }
    // (object, help extras, box text, what the performer does first, info lines wanted)
    type Case<'a> = (
        &'a ObjectDecl,
        HelpExtras,
        &'a str,
        &'a [&'a str],
        &'a [&'a str],
    );
    let cases: [Case; 3] = [
        (
            &GROOVE,
            GROOVE_HELP,
            "bandmate.groove @blocking 1",
            // (playing, as a fill leads out of a playing loop)
            &["play"],
            &[
                "loaded groove",
                "ready drumify",
                "ready vary",
                "ready fill",
                "clip 8 ",
                "infilled ",
                "wrote ",
                "rendered drums",
            ],
        ),
        (
            &LOOPER,
            LOOPER_HELP,
            "bandmate.looper @blocking 1",
            // (the help's own note boxes are played in before 'seed': issue 18, item 9)
            &[],
            &[
                "corpus 19 4 groove",
                "seeded",
                "playing",
                "queued",
                "status repeat 0.5",
            ],
        ),
        (
            &FRAG,
            FRAG_HELP,
            "bandmate.frag~",
            &[],
            &[
                "loaded 1 loop 4800 48000",
                "loaded 2 drums",
                "slot 1 loop 4800 1 0.5 0.8",
            ],
        ),
    ];
    for (decl, extras, creation, prelude, wants) in cases {
        let mut p = Patch::new();
        for o in extras.objects {
            p.obj(o);
        }
        // what a performer has before 'array drums' makes sense: something rendered into the
        // arrays (a silent one is refused)
        if decl.name == FRAG.name {
            let lb = p.obj("loadbang");
            let fill = p.msg("; drums-l 0 0.5 -0.5 0.25; drums-r 0 0.5 -0.5 0.25");
            p.connect(lb, 0, fill, 0);
        }
        let g = p.obj(creation);
        let info = p.obj("print info");
        p.connect(g, decl.outlets.len() - 1, info, 0);
        // the display under the info outlet, as in the help; its arrays read at the end
        let mut shown = Vec::new();
        if let Some(name) = bandmate_gen::docs::pd_display_name(decl, &extras) {
            let d = p.obj(&format!("{name} {}", decl.osc));
            p.connect(g, decl.outlets.len() - 1, d, 0);
            for grid in extras.grids {
                let row = grid.rows.first().copied();
                let array = grid.name(decl.osc, row);
                let get = p.obj(&format!("array get {array}"));
                let print = p.obj(&format!("print {array}"));
                p.connect(get, 0, print, 0);
                shown.push((grid, row, array, get));
            }
        }
        for (i, m) in prelude.iter().enumerate() {
            p.at(i as f64 * 10.0, m, g);
        }
        // every message box, in the order the help patch shows them, as one click each
        let clicks = bandmate_gen::docs::help_messages(decl, &extras);
        for (i, text) in clicks.iter().enumerate() {
            p.at(100.0 + i as f64 * 10.0, text, g);
        }
        let end = 100.0 + clicks.len() as f64 * 10.0 + 50.0;
        for (_, _, _, get) in &shown {
            p.at(end, "bang", *get);
        }
        p.quit_at(end + 100.0);
        let lines = pd.run(&p);
        assert_clean(&lines);
        let info = printed(&lines, "info");
        // each grid's first row holds what the last line for it said (Pd prints floats with 6
        // significant digits on both sides)
        for (grid, row, array, _) in &shown {
            let words = grid
                .line
                .iter()
                .copied()
                .chain(*row)
                .collect::<Vec<_>>()
                .join(" ");
            let last = info
                .iter()
                .rev()
                .find(|l| l.starts_with(&format!("{words} ")))
                .unwrap_or_else(|| panic!("no line '{words} ...'"));
            let want = last[words.len() + 1..].to_string();
            let got = printed(&lines, array);
            assert_eq!(
                got.last().copied(),
                Some(want.as_str()),
                "{array} shows the last '{words}' line"
            );
        }
        for want in wants {
            assert!(
                info.iter().any(|l| l.starts_with(want)),
                "{}: {want} not in {:?}",
                decl.name,
                info.iter().filter(|l| l.len() < 80).collect::<Vec<_>>()
            );
        }
        if decl.name == GROOVE.name {
            // play (with no loop yet), generate, humanize, drumify, back and vary each made a
            // loop, and fill one that ends in a fill
            assert_eq!(info.iter().filter(|l| l.starts_with("ready ")).count(), 7);
            // infill wrote its clip beside the one it read
            let filled = bandmate_core::compose::Clip::read(&pd.path("filled.mid")).unwrap();
            let example = bandmate_core::compose::example_clip();
            assert!(filled.notes().len() > example.notes().len() + 16);
        }
    }
}
