//! Text to audio in the mock Max host (issue 21): `[bandmate.frag~]` loads the tiny Stable Audio
//! model, takes a prompt from the scheduler's thread and `generate` from the main one, reports
//! each step, and puts the fragment in the next slot while DSP runs; `cancel` from the main
//! thread stops a long generation asked from the scheduler's; freeing the object while a model
//! generates leaves no thread behind that touches it.

mod harness;

use harness::MaxDir;

#[test]
fn generates_cancels_and_frees_in_max() {
    let max = MaxDir::new("t2a");
    let tiny = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../models/sao-tiny")
        .canonicalize()
        .unwrap();
    let script = format!(
        "patcher {dir}\n\
         dsp on 44100 64\n\
         new f bandmate.frag~\n\
         send f model {tiny}\n\
         sendsched f steps 3\n\
         sendsched f prompt warm arpeggios on house beats\n\
         send f generate 2\n\
         sleep 3000\n\
         advance 100\n\
         new c bandmate.frag~\n\
         send c model {tiny} int8\n\
         send c steps 100\n\
         send c prompt dub chords\n\
         sendsched c generate 10\n\
         sleep 300\n\
         advance 20\n\
         send c cancel\n\
         sleep 2000\n\
         advance 100\n\
         new k bandmate.frag~\n\
         send k model {tiny}\n\
         send k steps 100\n\
         send k prompt techno\n\
         send k generate 10\n\
         sleep 200\n\
         free k\n\
         sleep 1500\n\
         advance 100\n",
        dir = max.path("").display(),
        tiny = tiny.display(),
    );
    let out = max.run(&script);
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(out.fatal().is_none(), "{}", out.text());
    let info = |id: &str| -> Vec<String> {
        out.outs_of(id, 2)
            .into_iter()
            .map(|o| {
                format!("{} {}", o.sel, o.atoms.join(" "))
                    .trim()
                    .to_string()
            })
            .collect()
    };
    let f = info("f");
    assert!(
        f.iter()
            .any(|l| l.starts_with("model tiny-random 11.89 float")),
        "{f:?}"
    );
    assert!(
        f.contains(&"prompt warm arpeggios on house beats".to_string()),
        "{f:?}"
    );
    let steps: Vec<&String> = f.iter().filter(|l| l.starts_with("progress ")).collect();
    assert_eq!(steps.len(), 3, "{f:?}");
    assert!(f.iter().any(|l| l.starts_with("generated 1 ")), "{f:?}");
    assert!(
        f.iter().any(|l| l.starts_with("loaded 1 tiny-random ")),
        "{f:?}"
    );
    let c = info("c");
    assert!(
        c.iter()
            .any(|l| l.starts_with("model tiny-random 11.89 int8")),
        "{c:?}"
    );
    let cancelled = c
        .iter()
        .find(|l| l.starts_with("cancelled "))
        .unwrap_or_else(|| panic!("{c:?}"));
    assert!(
        cancelled.ends_with(" 100") && !cancelled.starts_with("cancelled 100 "),
        "{cancelled}"
    );
    assert!(!c.iter().any(|l| l.starts_with("generated ")), "{c:?}");
    assert!(out.errors().is_empty(), "{:?}", out.errors());
}
