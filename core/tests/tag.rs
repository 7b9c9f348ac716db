//! `tag LABEL` on the groove object (issue 22, item 4): what just played, kept for the next
//! training while playing: the loop (drums on channel 10, as it played) and the taps of its last
//! cycle on its bars (channel 1), as a MIDI file in the dataset folder, labelled in the
//! manifest; what `Dataset::training_files` then gives. Bad input is an error and the dataset
//! is left as it was.

use std::path::PathBuf;

use bandmate_core::midi::{ChannelSelect, MidiFile};
use bandmate_core::objects::{atoms, Atom, GrooveObject, Object, Options, Output};
use bandmate_core::sculpt::{Dataset, MANIFEST};

fn temp(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("bandmate-tag-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn send(o: &mut GrooveObject, now: f64, text: &str) -> bandmate_core::Result<Vec<Output>> {
    let a = atoms(text);
    let Some((Atom::Symbol(sel), args)) = a.split_first() else {
        panic!("{text}")
    };
    o.message(now, sel, args)?;
    let mut v = Vec::new();
    o.drain(|x| v.push(x));
    Ok(v)
}

fn infos(v: &[Output], sel: &str) -> Vec<Vec<Atom>> {
    v.iter()
        .filter_map(|x| match x {
            Output::Info(s, a) if s == sel => Some(a.clone()),
            _ => None,
        })
        .collect()
}

fn errors(v: &[Output]) -> Vec<String> {
    v.iter()
        .filter_map(|x| match x {
            Output::Error(e) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn a_tag_keeps_the_loop_and_the_taps_on_its_bars_in_the_dataset() {
    let dir = temp("keep");
    let mut o = GrooveObject::new(&Options::default()).unwrap();
    send(&mut o, 0.0, "blocking 1").unwrap();
    send(&mut o, 0.0, "tempo 120").unwrap();
    send(&mut o, 0.0, &format!("dataset {}", dir.display())).unwrap();
    let v = send(&mut o, 0.0, "generate").unwrap();
    assert!(errors(&v).is_empty(), "{v:?}");
    send(&mut o, 0.0, "play").unwrap();
    // play along: taps on beats 1 and 3 of each bar, a little late (125 ms a 16th at 120 bpm)
    let mut now = 0.0;
    for bar in 0..4 {
        for beat in [0.0, 2.0] {
            let t = bar as f64 * 2000.0 + beat * 500.0 + 20.0;
            o.tick(t);
            now = t;
            send(&mut o, t, "tap 100").unwrap();
        }
    }
    now += 100.0;
    o.tick(now);
    let loop_hits = o.current_pattern().unwrap().hits().count();
    let v = send(&mut o, now, "tag keeper").unwrap();
    assert!(errors(&v).is_empty(), "{v:?}");
    let tagged = infos(&v, "tagged");
    assert_eq!(tagged.len(), 1, "{v:?}");
    assert_eq!(tagged[0][0], Atom::sym("keeper"));
    let file = tagged[0][1].to_string();
    assert!(
        file.starts_with("keeper-") && file.ends_with(".mid"),
        "{file}"
    );
    // the file: the loop's drums on channel 10, the taps of the last cycle (2 bars: 4 taps) on
    // channel 1 near beats 1 and 3 of each bar (a little late)
    let m = MidiFile::read(&dir.join(&file)).unwrap();
    let drums: Vec<_> = m.drum_notes(ChannelSelect::Only(9)).collect();
    assert_eq!(drums.len(), loop_hits);
    let taps: Vec<f64> = m
        .drum_notes(ChannelSelect::Only(0))
        .map(|n| n.beat)
        .collect();
    assert_eq!(taps.len(), 4, "{taps:?}");
    for t in &taps {
        let off = t - (t / 2.0).round() * 2.0;
        assert!(
            (0.0..0.1).contains(&off),
            "a tap at beat {t}: on 1 or 3, 20 ms late"
        );
    }
    // the manifest: the file, labelled, for training
    let set = Dataset::open(&dir).unwrap();
    assert_eq!(set.items().len(), 1);
    assert_eq!(set.items()[0].labels, ["keeper"]);
    assert_eq!(set.training_files(Some("keeper")), vec![dir.join(&file)]);
    // a second tag: another file, the first untouched
    let v = send(&mut o, now + 10.0, "tag keeper").unwrap();
    let second = infos(&v, "tagged")[0][1].to_string();
    assert_ne!(second, file);
    assert_eq!(Dataset::open(&dir).unwrap().items().len(), 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_tags_are_errors_and_the_dataset_stays_as_it_was() {
    let dir = temp("bad");
    let mut o = GrooveObject::new(&Options::default()).unwrap();
    send(&mut o, 0.0, "blocking 1").unwrap();
    let e = |o: &mut GrooveObject, t: &str| send(o, 0.0, t).unwrap_err().to_string();
    assert!(e(&mut o, "tag keeper").contains("no dataset folder"));
    send(&mut o, 0.0, &format!("dataset {}", dir.display())).unwrap();
    assert!(e(&mut o, "tag keeper").contains("nothing has played"));
    send(&mut o, 0.0, "generate").unwrap();
    let spaced = o
        .message(0.0, "tag", &[Atom::sym("my label")])
        .unwrap_err()
        .to_string();
    assert!(spaced.contains("no spaces"), "{spaced}");
    // a folder that is not there; a manifest that cannot be read (left as it is)
    send(&mut o, 0.0, &format!("dataset {}/nope", dir.display())).unwrap();
    let v = send(&mut o, 0.0, "tag keeper").unwrap();
    assert!(errors(&v)[0].contains("no such folder"), "{v:?}");
    send(&mut o, 0.0, &format!("dataset {}", dir.display())).unwrap();
    std::fs::write(dir.join(MANIFEST), b"{ broken").unwrap();
    let v = send(&mut o, 0.0, "tag keeper").unwrap();
    assert!(errors(&v)[0].contains("not a dataset manifest"), "{v:?}");
    assert_eq!(std::fs::read(dir.join(MANIFEST)).unwrap(), b"{ broken");
    let mids = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "mid"))
        .count();
    assert_eq!(mids, 0, "nothing written");
    std::fs::remove_dir_all(&dir).unwrap();
}
