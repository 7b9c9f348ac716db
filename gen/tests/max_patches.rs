//! The Max patchers (`patches/max/`): made from the declarations (a test fails when they are out
//! of date; `cargo run -p bandmate-gen` rewrites them),
//! valid JSON / valid .amxd containers, and checked box by box: known classes with the inlets
//! and outlets Max gives them, cords within them, and every message that can reach a bandmate
//! object accepted by its declaration. The checker is shown to catch broken patchers too.

use std::path::{Path, PathBuf};

use bandmate_core::objects::{FRAG, GROOVE, LOOPER};
use bandmate_gen::maxpat::{
    amxd, box_class, check_patchers, generated_files, parse_amxd, Report, STANDARD_CLASSES,
};
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../patches/max")
}

/// Every generated file parsed to its patcher JSON (amxd through `parse_amxd`), with the amxd
/// device type.
fn parsed() -> Vec<(String, Option<[u8; 4]>, Value)> {
    generated_files()
        .into_iter()
        .map(|(name, bytes)| {
            let (kind, text) = if name.ends_with(".amxd") {
                let (k, t) = parse_amxd(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
                (Some(k), t)
            } else {
                (None, String::from_utf8(bytes).expect("UTF-8"))
            };
            let json = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
            (name, kind, json)
        })
        .collect()
}

fn check_all() -> Report {
    let files = parsed();
    let list: Vec<(&str, &Value)> = files.iter().map(|(n, _, j)| (n.as_str(), j)).collect();
    check_patchers(&list)
}

fn boxes(v: &Value) -> Vec<&Value> {
    v["patcher"]["boxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["box"])
        .collect()
}

#[test]
fn committed_files_parse() {
    for (name, _) in generated_files() {
        let bytes = std::fs::read(dir().join(&name)).unwrap_or_default();
        let text = if name.ends_with(".amxd") {
            parse_amxd(&bytes)
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .1
        } else {
            String::from_utf8(bytes).unwrap()
        };
        let v: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(v["patcher"]["boxes"].is_array(), "{name}");
    }
}

#[test]
fn every_patcher_passes_the_checker() {
    let r = check_all();
    assert!(r.errors.is_empty(), "{:#?}", r.errors);
}

#[test]
fn help_patchers_show_every_message_and_use_every_outlet() {
    let r = check_all();
    for (name, _, json) in parsed() {
        let Some(decl) = [&GROOVE, &LOOPER, &FRAG]
            .into_iter()
            .find(|d| name == format!("{}.maxhelp", d.name))
        else {
            continue;
        };
        for m in decl.messages {
            let text = format!("{} {}", m.name, m.example);
            let want = format!("{}: {}", decl.name, text.trim());
            assert!(r.checked.contains(&want), "{name}: '{want}' not checked");
        }
        let obj = boxes(&json)
            .into_iter()
            .find(|b| b["text"].as_str() == Some(decl.name))
            .unwrap_or_else(|| panic!("{name}: no [{}]", decl.name));
        let id = obj["id"].as_str().unwrap();
        let lines = json["patcher"]["lines"].as_array().unwrap();
        for i in 0..decl.outlets.len() {
            assert!(
                lines
                    .iter()
                    .any(|l| l["patchline"]["source"][0] == id && l["patchline"]["source"][1] == i),
                "{name}: outlet {i} goes nowhere"
            );
        }
        let attrs: Vec<_> = decl.attributes().collect();
        let all_text: String = boxes(&json)
            .iter()
            .filter_map(|b| b["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for a in attrs {
            assert!(
                all_text.contains(&format!("@{}", a.name)),
                "{name}: @{}",
                a.name
            );
        }
    }
}

#[test]
fn devices_send_what_the_objects_take() {
    let r = check_all();
    let voices = ["kick", "snare", "closed_hat", "ride"];
    let mut want = vec![
        "bandmate.groove: swing 62.5",
        "bandmate.groove: swing 75",
        "bandmate.groove: swing",
        "bandmate.groove: temperature 2",
        "bandmate.groove: accent_step 1 1",
        "bandmate.groove: accent_step 16 0",
        "bandmate.groove: generate",
        "bandmate.groove: vary",
        "bandmate.groove: drumify",
        "bandmate.groove: humanize",
        "bandmate.groove: render bandmate.capture",
        "bandmate.groove: tap 127",
        "bandmate.groove: tap 0",
        "bandmate.groove: listen 1",
        "bandmate.groove: listen 0",
        "bandmate.frag~: array bandmate.capture",
        "bandmate.frag~: trigger 4",
        "bandmate.frag~: loop 2",
        "bandmate.frag~: stop 3",
        "bandmate.frag~: rate 4 0.25",
        "bandmate.frag~: rate 1 0.5",
        "bandmate.frag~: gain 1 2",
        "bandmate.frag~: gain 4 0",
        // the prompt typed into the device's text field, generate and cancel
        "bandmate.frag~: prompt warm arpeggios on house beats",
        "bandmate.frag~: generate",
        "bandmate.frag~: cancel",
        // the MIDI Tools: every tool of each device, its settings, and Live's dictionaries
        "bandmate.miditool: tool generate",
        "bandmate.miditool: tool fill",
        "bandmate.miditool: tool infill",
        "bandmate.miditool: tool humanize",
        "bandmate.miditool: tool swing",
        "bandmate.miditool: tool accent",
        "bandmate.miditool: tool drumify",
        "bandmate.miditool: beats 1",
        "bandmate.miditool: beats 4",
        "bandmate.miditool: accents offbeats",
        "bandmate.miditool: style",
        "bandmate.miditool: style funk",
        "bandmate.miditool: swing 75",
        "bandmate.miditool: boost 2",
        "bandmate.miditool: temperature 0",
        "bandmate.miditool: seed 999",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    for v in voices {
        for what in ["mute", "keep"] {
            want.push(format!("bandmate.groove: {what} {v} 1"));
            want.push(format!("bandmate.groove: {what} {v} 0"));
        }
    }
    for w in want {
        assert!(r.checked.contains(&w), "'{w}' not sent by any device");
    }
    let (notes, context) = bandmate_core::miditool::example_dicts();
    for d in [notes, context] {
        let w = format!("bandmate.miditool: dictionary {d}");
        assert!(r.checked.contains(&w), "Live's dictionaries reach the tool");
    }
}

#[test]
fn device_types_and_live_rules() {
    for (name, kind, json) in parsed() {
        let classes: Vec<String> = boxes(&json).into_iter().map(box_class).collect();
        let has = |c: &str| classes.iter().any(|x| x == c);
        match name.as_str() {
            "bandmate-groove.amxd" => {
                assert_eq!(kind, Some(*b"mmmm"), "a MIDI effect");
                // a MIDI effect cannot output audio: no plugout~, notes to midiout
                assert!(!has("plugout~") && has("midiout") && has("midiin"));
                assert!(has("bandmate.groove") && has("buffer~"));
            }
            "bandmate-accomp.amxd" => {
                assert_eq!(kind, Some(*b"mmmm"), "a MIDI effect");
                assert!(!has("plugout~") && has("midiout") && has("midiin"));
                assert!(has("bandmate.accomp") && has("midiformat"));
            }
            "bandmate-frag.amxd" => {
                assert_eq!(kind, Some(*b"aaaa"), "an audio effect");
                assert!(has("plugin~") && has("plugout~") && has("bandmate.frag~"));
            }
            "bandmate-generate.amxd" | "bandmate-transform.amxd" => {
                // a Live 12 MIDI Tool: the type in the header and in the patcher's project
                // (big-endian), the notes from live.miditool.in, the answer to .out
                let code = if name.contains("generate") {
                    *b"nagg"
                } else {
                    *b"natt"
                };
                assert_eq!(kind, Some(code), "{name}");
                assert_eq!(
                    json["patcher"]["project"]["amxdtype"],
                    u32::from_be_bytes(code),
                    "{name}"
                );
                assert!(
                    has("live.miditool.in") && has("live.miditool.out") && has("bandmate.miditool")
                );
                assert!(!has("plugout~"));
            }
            _ => assert_eq!(kind, None),
        }
        if kind.is_some() {
            assert_eq!(json["patcher"]["openinpresentation"], 1, "{name}");
            let params = json["patcher"]["parameters"].as_object().unwrap();
            let live = boxes(&json)
                .into_iter()
                .filter(|b| b["parameter_enable"] == 1)
                .count();
            // one entry per parameter, plus inherited_shortname
            assert_eq!(params.len(), live + 1, "{name}");
            assert!(live > 0);
        }
    }
}

#[test]
fn amxd_container_round_trips_and_refuses_garbage() {
    let bytes = amxd(b"aaaa", "{\"patcher\":{}}\n");
    assert_eq!(&bytes[..12], b"ampf\x04\x00\x00\x00aaaa");
    assert_eq!(&bytes[12..24], b"meta\x04\x00\x00\x00\x00\x00\x00\x00");
    assert_eq!(&bytes[24..28], b"ptch");
    let len = u32::from_le_bytes(bytes[28..32].try_into().unwrap()) as usize;
    assert_eq!(len, bytes.len() - 32);
    assert_eq!(bytes.last(), Some(&0));
    let (k, j) = parse_amxd(&bytes).unwrap();
    assert_eq!(&k, b"aaaa");
    assert_eq!(j, "{\"patcher\":{}}\n");
    let e = |b: &[u8]| parse_amxd(b).unwrap_err().to_string();
    assert!(e(b"RIFF\x04\x00\x00\x00WAVE").contains("not 'ampf'"));
    assert!(e(&bytes[..40]).contains("cut short"));
    assert!(e(&bytes[..24]).contains("no 'ptch'"));
    let mut frozen = bytes[..24].to_vec();
    frozen.extend_from_slice(b"ptch\x08\x00\x00\x00mx@c\x00\x00\x00\x10");
    assert!(e(&frozen).contains("frozen"));
}

#[test]
fn standard_classes_have_reference_pages() {
    for (class, url) in STANDARD_CLASSES {
        assert!(
            url.starts_with("https://docs.cycling74.com/"),
            "{class}: {url}"
        );
    }
    // every class used is listed (the checker enforces it; this keeps the list from growing
    // entries nothing uses)
    let used: std::collections::BTreeSet<String> = parsed()
        .iter()
        .flat_map(|(_, _, j)| boxes(j))
        .map(box_class)
        .collect();
    for (class, _) in STANDARD_CLASSES {
        assert!(used.contains(*class), "{class} is listed but not used");
    }
}

// --- the checker can fail ---------------------------------------------------------------

fn check_one(json: &str) -> Report {
    let v: Value = serde_json::from_str(json).unwrap();
    check_patchers(&[("broken", &v)])
}

fn has_error(r: &Report, needle: &str) -> bool {
    r.errors.iter().any(|e| e.contains(needle))
}

const OK_BOX: &str = r#"{"box":{"id":"obj-1","maxclass":"message","numinlets":2,"numoutlets":1,
    "outlettype":[""],"patching_rect":[0,0,50,22],"text":"swing 58"}}"#;
const GROOVE_BOX: &str = r#"{"box":{"id":"obj-2","maxclass":"newobj","numinlets":1,"numoutlets":3,
    "outlettype":["list","",""],"patching_rect":[0,40,100,22],"text":"bandmate.groove"}}"#;

fn patcher(boxes: &[&str], lines: &[&str]) -> String {
    format!(
        r#"{{"patcher":{{"boxes":[{}],"lines":[{}]}}}}"#,
        boxes.join(","),
        lines.join(",")
    )
}

fn line(from: &str, o: usize, to: &str, i: usize) -> String {
    format!(r#"{{"patchline":{{"source":["{from}",{o}],"destination":["{to}",{i}]}}}}"#)
}

#[test]
fn checker_accepts_a_good_patcher() {
    let l = line("obj-1", 0, "obj-2", 0);
    let r = check_one(&patcher(&[OK_BOX, GROOVE_BOX], &[&l]));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    assert!(r.checked.contains("bandmate.groove: swing 58"));
}

#[test]
fn checker_catches_an_unknown_class() {
    let bad = r#"{"box":{"id":"obj-3","maxclass":"newobj","numinlets":1,"numoutlets":1,
        "outlettype":[""],"patching_rect":[0,80,100,22],"text":"makenoise 3"}}"#;
    let r = check_one(&patcher(&[OK_BOX, GROOVE_BOX, bad], &[]));
    assert!(has_error(&r, "unknown class 'makenoise'"), "{:?}", r.errors);
}

#[test]
fn checker_catches_bad_connections() {
    let l1 = line("obj-1", 0, "obj-2", 1); // bandmate.groove has one inlet
    let l2 = line("obj-1", 3, "obj-2", 0); // a message box has one outlet
    let l3 = line("obj-1", 0, "obj-9", 0); // no such box
    let r = check_one(&patcher(&[OK_BOX, GROOVE_BOX], &[&l1, &l2, &l3]));
    assert!(has_error(&r, "into inlet 1 of obj-2"), "{:?}", r.errors);
    assert!(has_error(&r, "from outlet 3 of obj-1"), "{:?}", r.errors);
    assert!(has_error(&r, "to no box"), "{:?}", r.errors);
}

#[test]
fn checker_catches_wrong_inlet_and_outlet_counts() {
    let bad = r#"{"box":{"id":"obj-3","maxclass":"newobj","numinlets":1,"numoutlets":1,
        "outlettype":["int"],"patching_rect":[0,80,100,22],"text":"midiformat"}}"#;
    let r = check_one(&patcher(&[bad], &[]));
    assert!(has_error(&r, "Max gives it 7 inlets"), "{:?}", r.errors);
}

/// A bandmate object's rightmost outlet is Max's dumpout outlet: a box saved without it (as
/// the generator wrote them before) is caught.
#[test]
fn checker_counts_the_dumpout_outlet() {
    let old = r#"{"box":{"id":"obj-2","maxclass":"newobj","numinlets":1,"numoutlets":2,
        "outlettype":["list",""],"patching_rect":[0,40,100,22],"text":"bandmate.groove"}}"#;
    let r = check_one(&patcher(&[old], &[]));
    assert!(
        has_error(&r, r#"Max gives it 1 inlets, outlets ["list", "", ""]"#),
        "{:?}",
        r.errors
    );
}

#[test]
fn checker_catches_messages_the_object_refuses() {
    let refused = r#"{"box":{"id":"obj-1","maxclass":"message","numinlets":2,"numoutlets":1,
        "outlettype":[""],"patching_rect":[0,0,50,22],"text":"swing 99"}}"#;
    let l = line("obj-1", 0, "obj-2", 0);
    let r = check_one(&patcher(&[refused, GROOVE_BOX], &[&l]));
    assert!(has_error(&r, "out of range 50..75"), "{:?}", r.errors);

    // a dial whose range goes past what the message takes
    let dial = r#"{"box":{"id":"obj-5","maxclass":"live.dial","numinlets":1,"numoutlets":2,
        "outlettype":["","float"],"parameter_enable":1,"patching_rect":[0,0,44,48],
        "varname":"t","saved_attribute_attributes":{"valueof":{"parameter_longname":"T",
        "parameter_shortname":"T","parameter_type":0,"parameter_mmin":0,"parameter_mmax":9}}}}"#;
    let msg = r#"{"box":{"id":"obj-1","maxclass":"message","numinlets":2,"numoutlets":1,
        "outlettype":[""],"patching_rect":[0,0,50,22],"text":"temperature $1"}}"#;
    let l1 = line("obj-5", 0, "obj-1", 0);
    let r = check_one(&patcher(&[dial, msg, GROOVE_BOX], &[&l1, &l]));
    assert!(has_error(&r, "'temperature 9'"), "{:?}", r.errors);
    assert!(r.checked.contains("bandmate.groove: temperature 0"));

    // $1 filled by a bang
    let lb = r#"{"box":{"id":"obj-6","maxclass":"newobj","numinlets":1,"numoutlets":1,
        "outlettype":["bang"],"patching_rect":[0,0,60,22],"text":"loadbang"}}"#;
    let l2 = line("obj-6", 0, "obj-1", 0);
    let r = check_one(&patcher(&[lb, msg, GROOVE_BOX], &[&l2, &l]));
    assert!(has_error(&r, "banged"), "{:?}", r.errors);

    // an unknown message reaching the object through send/receive, across patchers
    let send = r#"{"patcher":{"boxes":[
        {"box":{"id":"obj-1","maxclass":"message","numinlets":2,"numoutlets":1,
         "outlettype":[""],"patching_rect":[0,0,50,22],"text":"arrays x"}},
        {"box":{"id":"obj-2","maxclass":"newobj","numinlets":1,"numoutlets":0,
         "patching_rect":[0,40,50,22],"text":"send bm"}}],
        "lines":[{"patchline":{"source":["obj-1",0],"destination":["obj-2",0]}}]}}"#;
    let recv = r#"{"patcher":{"boxes":[
        {"box":{"id":"obj-1","maxclass":"newobj","numinlets":0,"numoutlets":1,
         "outlettype":[""],"patching_rect":[0,0,50,22],"text":"receive bm"}},
        {"box":{"id":"obj-2","maxclass":"newobj","numinlets":1,"numoutlets":3,
         "outlettype":["signal","signal",""],"patching_rect":[0,40,50,22],"text":"bandmate.frag~ 4"}}],
        "lines":[{"patchline":{"source":["obj-1",0],"destination":["obj-2",0]}}]}}"#;
    let (a, b): (Value, Value) = (
        serde_json::from_str(send).unwrap(),
        serde_json::from_str(recv).unwrap(),
    );
    let r = check_patchers(&[("a", &a), ("b", &b)]);
    assert!(has_error(&r, "unknown message 'arrays'"), "{:?}", r.errors);
}

#[test]
fn checker_catches_bad_creation_arguments_and_live_parameters() {
    let frag = r#"{"box":{"id":"obj-2","maxclass":"newobj","numinlets":1,"numoutlets":3,
        "outlettype":["signal","signal",""],"patching_rect":[0,40,100,22],"text":"bandmate.frag~ 500"}}"#;
    let r = check_one(&patcher(&[frag], &[]));
    assert!(has_error(&r, "creation arguments"), "{:?}", r.errors);

    let t = |id: &str, long: &str| {
        format!(
            r#"{{"box":{{"id":"{id}","maxclass":"live.text","numinlets":1,"numoutlets":2,
            "outlettype":["",""],"parameter_enable":1,"patching_rect":[0,0,40,15],"varname":"v",
            "saved_attribute_attributes":{{"valueof":{{"parameter_longname":"{long}",
            "parameter_shortname":"x","parameter_type":2,"parameter_mmax":1,
            "parameter_enum":["off","on"]}}}}}}}}"#
        )
    };
    let (a, b) = (t("obj-1", "Same"), t("obj-2", "Same"));
    let r = check_one(&patcher(&[&a, &b], &[]));
    assert!(has_error(&r, "'Same' is used twice"), "{:?}", r.errors);
    assert!(has_error(&r, "varname 'v' is used twice"), "{:?}", r.errors);
    assert!(has_error(&r, "wired to nothing"), "{:?}", r.errors);
}

#[test]
fn checker_catches_signal_into_a_control_object() {
    let frag = r#"{"box":{"id":"obj-2","maxclass":"newobj","numinlets":1,"numoutlets":3,
        "outlettype":["signal","signal",""],"patching_rect":[0,40,100,22],"text":"bandmate.frag~"}}"#;
    let print = r#"{"box":{"id":"obj-3","maxclass":"newobj","numinlets":1,"numoutlets":0,
        "patching_rect":[0,80,100,22],"text":"print x"}}"#;
    let l = line("obj-2", 0, "obj-3", 0);
    let r = check_one(&patcher(&[frag, print], &[&l]));
    assert!(has_error(&r, "not an MSP object"), "{:?}", r.errors);
}

/// Issue 24 item 6: the groove's help patcher shows the loop and the model's reading: a
/// multislider per row of each grid, fed through `route` boxes from the object's info outlet
/// (the words of its lines: `route loop`, then `route kick snare ...`).
#[test]
fn the_groove_help_shows_the_loop_and_the_reading_as_multisliders() {
    let files = parsed();
    let (_, _, help) = files
        .iter()
        .find(|(n, _, _)| n == "bandmate.groove.maxhelp")
        .unwrap();
    let p = &help["patcher"];
    let boxes = p["boxes"].as_array().unwrap();
    let class = |id: &str| -> (String, String) {
        let b = boxes
            .iter()
            .map(|b| &b["box"])
            .find(|b| b["id"] == id)
            .unwrap();
        (
            b["maxclass"].as_str().unwrap().to_string(),
            b["text"].as_str().unwrap_or("").to_string(),
        )
    };
    let sliders: Vec<&str> = boxes
        .iter()
        .map(|b| &b["box"])
        .filter(|b| b["maxclass"] == "multislider")
        .map(|b| b["id"].as_str().unwrap())
        .collect();
    let entry = bandmate_core::objects::entry("bandmate.groove").unwrap();
    let rows: usize = entry.help.grids.iter().map(|g| g.rows.len().max(1)).sum();
    assert_eq!(sliders.len(), rows);
    // each is fed by a route, whose chain of routes starts at the groove's info outlet
    let source = |id: &str| -> (String, u64) {
        let l = p["lines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| &l["patchline"])
            .find(|l| l["destination"][0] == id)
            .unwrap_or_else(|| panic!("nothing feeds {id}"));
        (
            l["source"][0].as_str().unwrap().to_string(),
            l["source"][1].as_u64().unwrap(),
        )
    };
    for s in sliders {
        let (mut at, mut outlet) = source(s);
        let mut words = 0;
        while class(&at).1.starts_with("route ") {
            words += 1;
            (at, outlet) = source(&at);
        }
        assert_eq!(class(&at).1, "bandmate.groove", "{s}");
        assert_eq!(outlet, 1, "from the info outlet");
        assert!(words >= 1, "{s}");
    }
}
