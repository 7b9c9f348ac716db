//! Text to audio in `bandmate.frag~` (issue 21): `model FOLDER`, `prompt`, `generate` put a
//! fragment from the tiny Stable Audio model into the next slot through the import chain, with
//! progress; `cancel` stops it within a step; every bad request is a clear error and the bank
//! and the model before stay.

use std::path::Path;
use std::time::{Duration, Instant};

mod common;

use bandmate_core::objects::{Atom, FragObject};
use common::frag::{errors, info, outs, send};
use common::t2a::tiny;

fn num(a: &Atom) -> f64 {
    match a {
        Atom::Float(x) => *x,
        other => panic!("{other:?}"),
    }
}

fn with_model() -> FragObject {
    let (mut o, _engine) = FragObject::new(4, 48_000.0).unwrap();
    send(&mut o, &format!("model {}", tiny().display())).unwrap();
    assert!(o.wait(Duration::from_secs(60)));
    let v = outs(&mut o);
    assert_eq!(errors(&v), Vec::<String>::new());
    let m = &info(&v, "model")[0];
    assert_eq!(m[0], Atom::sym("tiny-random"));
    assert!((num(&m[1]) - 11.89).abs() < 0.01, "{m:?}");
    assert_eq!(m[2], Atom::sym("float"));
    o
}

#[test]
fn prompt_and_generate_make_a_prepared_fragment_in_the_next_slot_with_progress() {
    let mut o = with_model();
    send(&mut o, "normalize -14").unwrap();
    send(&mut o, "steps 4").unwrap();
    send(&mut o, "prompt warm arpeggios on house beats, 120 bpm").unwrap();
    let v = outs(&mut o);
    let said: Vec<String> = info(&v, "prompt")[0]
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(said.join(" "), "warm arpeggios on house beats, 120 bpm");
    assert!(info(&v, "understood").is_empty(), "not read as a beat");
    send(&mut o, "generate 3").unwrap();
    assert!(o.wait(Duration::from_secs(120)));
    let v = outs(&mut o);
    assert_eq!(errors(&v), Vec::<String>::new());
    let progress: Vec<(f64, f64)> = info(&v, "progress")
        .iter()
        .map(|a| (num(&a[0]), num(&a[1])))
        .collect();
    assert_eq!(progress, [(1.0, 4.0), (2.0, 4.0), (3.0, 4.0), (4.0, 4.0)]);
    let gen = info(&v, "generated");
    assert_eq!(gen.len(), 1, "{v:?}");
    assert_eq!(num(&gen[0][0]), 1.0, "the oldest slot");
    let secs = num(&gen[0][1]);
    assert!(
        secs > 0.5 && secs <= 3.01,
        "{secs} s (trimmed as an import may be)"
    );
    let summary: Vec<String> = info(&v, "summary")[0]
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert!(
        summary
            .join(" ")
            .contains("tiny-random from 'warm arpeggios"),
        "{summary:?}"
    );
    let slot = &o.control().slots()[0];
    let f = slot.fragment.as_ref().unwrap();
    assert_eq!(f.name, "tiny-random");
    // the controller's label says where it went
    use bandmate_core::objects::Object;
    assert_eq!(
        o.display(),
        [(
            "frag/prompt",
            "tiny-random: warm arpeggios on house beats, 120 bpm · slot 1".to_string()
        )]
    );
    assert_eq!(f.sample_rate, 48_000, "resampled to the host's rate");
    // the next goes into the next slot; the INT8 transformer too
    send(&mut o, &format!("model {} int8", tiny().display())).unwrap();
    send(&mut o, "generate 1 3").unwrap();
    assert!(o.wait(Duration::from_secs(120)));
    let v = outs(&mut o);
    assert_eq!(info(&v, "model")[0][2], Atom::sym("int8"));
    assert_eq!(num(&info(&v, "generated")[0][0]), 3.0, "the slot asked for");
}

#[test]
fn cancel_stops_the_generation_and_the_bank_goes_on() {
    let mut o = with_model();
    send(&mut o, "steps 100").unwrap();
    send(&mut o, "prompt techno kick and rumble").unwrap();
    send(&mut o, "generate 10").unwrap();
    // wait for the first step, then cancel
    let end = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while Instant::now() < end {
        o.poll();
        seen.extend(outs(&mut o));
        if !info(&seen, "progress").is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    assert!(!info(&seen, "progress").is_empty(), "no step began");
    send(&mut o, "cancel").unwrap();
    assert!(o.wait(Duration::from_secs(60)));
    seen.extend(outs(&mut o));
    let c = info(&seen, "cancelled");
    assert_eq!(c.len(), 1, "{seen:?}");
    let (done, of) = (num(&c[0][0]), num(&c[0][1]));
    assert_eq!(of, 100.0);
    assert!(done < 100.0, "stopped early: {done}");
    // within one step of the cancel: the steps reported are the steps done
    let last = info(&seen, "progress").last().map(|a| num(&a[0])).unwrap();
    assert_eq!(last, done);
    assert!(info(&seen, "generated").is_empty());
    assert!(errors(&seen).is_empty(), "{seen:?}");
    assert!(
        o.control().slots()[0].fragment.is_none(),
        "nothing half-made"
    );
    // a cancel asked before a generation does not stop a later one
    send(&mut o, "steps 2").unwrap();
    send(&mut o, "generate 1").unwrap();
    assert!(o.wait(Duration::from_secs(60)));
    assert_eq!(info(&outs(&mut o), "generated").len(), 1);
}

#[test]
fn bad_models_and_requests_are_errors_and_what_was_there_stays() {
    let (mut o, _engine) = FragObject::new(4, 48_000.0).unwrap();
    // a folder that is not a model: an error, and beats from words go on
    send(&mut o, "model /nonexistent/sao").unwrap();
    assert!(o.wait(Duration::from_secs(30)));
    let v = outs(&mut o);
    let e = &errors(&v)[0];
    // said once, with the folder (found in a performer's trial: 'model: ... model: not a folder')
    assert_eq!(e, "/nonexistent/sao: model: not a folder", "{v:?}");
    send(&mut o, "prompt rock").unwrap();
    assert!(
        !info(&outs(&mut o), "understood").is_empty(),
        "still beats from words"
    );
    assert!(send(&mut o, "model").is_err(), "a folder or off");
    assert!(send(&mut o, "model x fp16").is_err());
    assert!(send(&mut o, "steps 101").is_err());
    assert!(send(&mut o, "cfg 21").is_err());

    let mut o = with_model();
    // the groove model's folder is not a text-to-audio one: the tiny model stays
    let groove = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove");
    send(&mut o, &format!("model {}", groove.display())).unwrap();
    assert!(o.wait(Duration::from_secs(30)));
    let e = errors(&outs(&mut o));
    assert!(e[0].contains("not a text-to-audio one"), "{e:?}");
    send(&mut o, "prompt a very long prompt about warm arpeggios on house beats with drums and vinyl crackle and more words than it reads").unwrap();
    outs(&mut o);
    send(&mut o, "generate 2").unwrap();
    assert!(o.wait(Duration::from_secs(30)));
    let e = errors(&outs(&mut o));
    assert!(
        e[0].contains("generate: the prompt is") && e[0].contains("at most 32"),
        "{e:?}"
    );
    send(&mut o, "prompt dub chords").unwrap();
    send(&mut o, "generate 20").unwrap();
    assert!(o.wait(Duration::from_secs(30)));
    let e = errors(&outs(&mut o));
    assert!(
        e[0].contains("20 seconds: this model makes 0.5 to 11.89 s"),
        "{e:?}"
    );
    // still the model, and it plays
    send(&mut o, "steps 2").unwrap();
    send(&mut o, "generate 1").unwrap();
    assert!(o.wait(Duration::from_secs(60)));
    let v = outs(&mut o);
    assert_eq!(info(&v, "generated").len(), 1, "{v:?}");
    // off: back to beats from words
    send(&mut o, "model off").unwrap();
    assert!(o.wait(Duration::from_secs(30)));
    assert_eq!(info(&outs(&mut o), "model")[0], [Atom::sym("off")]);
    send(&mut o, "prompt funk").unwrap();
    assert!(!info(&outs(&mut o), "understood").is_empty());
}

/// Found by the real-Pd test: `model X, prompt ..., generate` in one message box made a beat
/// from words (the model was still loading on the worker when the prompt arrived). Prompts
/// after `model FOLDER` are the model's; a model that fails to load leaves them beats again.
#[test]
fn a_model_prompt_and_generate_in_one_go_make_the_models_fragment() {
    let (mut o, _engine) = FragObject::new(4, 48_000.0).unwrap();
    send(&mut o, &format!("model {}", tiny().display())).unwrap();
    send(&mut o, "steps 2").unwrap();
    send(&mut o, "prompt dub chords").unwrap();
    send(&mut o, "generate 1").unwrap();
    assert!(o.wait(Duration::from_secs(60)));
    let v = outs(&mut o);
    assert_eq!(errors(&v), Vec::<String>::new());
    assert!(
        info(&v, "understood").is_empty(),
        "not read as a beat: {v:?}"
    );
    assert_eq!(info(&v, "generated").len(), 1, "{v:?}");
    assert_eq!(
        o.control().slots()[0].fragment.as_ref().unwrap().name,
        "tiny-random"
    );
    // a failed model in one go: the generate waits behind it, then says no model is loaded
    let (mut o, _engine) = FragObject::new(4, 48_000.0).unwrap();
    send(&mut o, "model /nonexistent/sao").unwrap();
    send(&mut o, "prompt dub chords").unwrap();
    send(&mut o, "generate 1").unwrap();
    assert!(o.wait(Duration::from_secs(60)));
    let e = errors(&outs(&mut o));
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].ends_with("model: not a folder") && e[1].contains("no text-to-audio model is loaded"),
        "{e:?}"
    );
    send(&mut o, "prompt funk").unwrap();
    assert!(
        !info(&outs(&mut o), "understood").is_empty(),
        "beats from words again"
    );
}

/// The text-to-audio model is part of a scene (with steps and cfg): a scene recalled into a
/// fresh bank loads it again, and `model off` leaves it out.
#[test]
fn a_scene_keeps_the_model_and_brings_it_back() {
    use bandmate_core::objects::Object;
    let mut o = with_model();
    send(&mut o, &format!("model {} int8", tiny().display())).unwrap();
    send(&mut o, "steps 5").unwrap();
    send(&mut o, "cfg 2").unwrap();
    assert!(o.wait(Duration::from_secs(60)));
    outs(&mut o);
    let scene = o.scene().unwrap();
    let model: Vec<&(String, Vec<Atom>)> = scene
        .messages
        .iter()
        .filter(|(s, _)| s == "model")
        .collect();
    assert_eq!(model.len(), 1, "{:?}", scene.messages);
    assert_eq!(model[0].1[1], Atom::sym("int8"));
    // recalled into a new bank: the same model, steps and cfg
    let (mut n, _engine) = FragObject::new(4, 48_000.0).unwrap();
    for (sel, args) in &scene.messages {
        n.message(sel, args).unwrap();
    }
    assert!(n.wait(Duration::from_secs(60)));
    let v = outs(&mut n);
    assert_eq!(info(&v, "model")[0][2], Atom::sym("int8"), "{v:?}");
    assert_eq!(n.attribute("steps"), Some(5.0));
    assert_eq!(n.attribute("cfg"), Some(2.0));
    // off: no model in the scene
    send(&mut n, "model off").unwrap();
    assert!(n.wait(Duration::from_secs(30)));
    assert!(!n
        .scene()
        .unwrap()
        .messages
        .iter()
        .any(|(s, _)| s == "model"));
}

#[test]
fn threads_reload_the_model_on_that_many() {
    let mut o = with_model();
    send(&mut o, "threads 1").unwrap();
    assert!(o.wait(Duration::from_secs(60)));
    let v = outs(&mut o);
    assert_eq!(info(&v, "model").len(), 1, "loaded again: {v:?}");
    assert!(send(&mut o, "threads 65").is_err());
    // without a model, it is only kept (for the next 'model')
    let (mut n, _engine) = FragObject::new(4, 48_000.0).unwrap();
    send(&mut n, "threads 2").unwrap();
    assert!(n.wait(Duration::from_secs(5)));
    assert!(info(&outs(&mut n), "model").is_empty());
    assert_eq!(n.attribute("threads"), Some(2.0));
}
