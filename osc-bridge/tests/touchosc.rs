//! The TouchOSC layout, `patches/touchosc/bandmate.tosc`: it decompresses, parses as the
//! TouchOSC Mk2 document it claims to be, holds the controls a performer needs, every address
//! it sends is one the daemon answers (by declaration, and by a running daemon), and every
//! label it feeds is one the daemon sends.

mod common;

use std::collections::HashSet;
use std::io::Read;
use std::time::Duration;

use bandmate_osc::protocol::{AddressSpace, BRIDGE};
use common::*;
use rosc::OscType;

fn committed() -> String {
    let path = workspace().join("patches/touchosc/bandmate.tosc");
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut xml = String::new();
    flate2::read::ZlibDecoder::new(&bytes[..])
        .read_to_string(&mut xml)
        .expect("a .tosc file is zlib-compressed XML");
    xml
}

#[derive(Debug, Clone)]
struct Partial {
    ty: String,
    conversion: String,
    value: String,
    min: f64,
    max: f64,
}

#[derive(Debug, Clone)]
struct Message {
    control: String,
    send: bool,
    receive: bool,
    path: String,
    args: Vec<Partial>,
}

fn child<'a>(n: roxmltree::Node<'a, 'a>, tag: &str) -> Option<roxmltree::Node<'a, 'a>> {
    n.children().find(|c| c.has_tag_name(tag))
}

fn text<'a>(n: roxmltree::Node<'a, 'a>, tag: &str) -> String {
    child(n, tag)
        .and_then(|c| c.text())
        .unwrap_or_default()
        .to_string()
}

fn partials(n: Option<roxmltree::Node>) -> Vec<Partial> {
    n.map(|n| {
        n.children()
            .filter(|c| c.has_tag_name("partial"))
            .map(|p| Partial {
                ty: text(p, "type"),
                conversion: text(p, "conversion"),
                value: text(p, "value"),
                min: text(p, "scaleMin").parse().unwrap(),
                max: text(p, "scaleMax").parse().unwrap(),
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Every control (type, name) and every OSC message of the layout.
fn parse(xml: &str) -> (Vec<(String, String)>, Vec<Message>) {
    let doc = roxmltree::Document::parse(xml).expect("the layout is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "lexml");
    assert_eq!(root.attribute("version"), Some("3"));
    let nodes: Vec<_> = root.children().filter(|c| c.is_element()).collect();
    assert_eq!(nodes.len(), 1, "one root node");
    assert_eq!(nodes[0].attribute("type"), Some("GROUP"));
    let mut controls = Vec::new();
    let mut messages = Vec::new();
    let mut ids = HashSet::new();
    for n in nodes[0].descendants().filter(|n| n.has_tag_name("node")) {
        let ty = n.attribute("type").unwrap().to_string();
        assert!(
            ["GROUP", "BUTTON", "FADER", "LABEL"].contains(&ty.as_str()),
            "{ty}"
        );
        let id = n.attribute("ID").expect("every node has an ID");
        assert!(ids.insert(id.to_string()), "duplicate ID {id}");
        let props = child(n, "properties").expect("properties");
        let prop = |key: &str| {
            props
                .children()
                .filter(|p| p.has_tag_name("property"))
                .find(|p| text(*p, "key") == key)
        };
        let name = prop("name")
            .map(|p| text(p, "value"))
            .expect("every node has a name");
        let frame = prop("frame").expect("every node has a frame");
        assert_eq!(frame.attribute("type"), Some("r"));
        let v = child(frame, "value").unwrap();
        let num = |t: &str| text(v, t).parse::<f64>().unwrap();
        let (x, y, w, h) = (num("x"), num("y"), num("w"), num("h"));
        assert!(
            x >= 0.0 && y >= 0.0 && x + w <= 1024.0 && y + h <= 768.0,
            "{name} is off the canvas"
        );
        assert!(
            child(n, "values").is_some(),
            "{name} has values (x/text, touch)"
        );
        if let Some(m) = child(n, "messages") {
            for o in m.children().filter(|c| c.has_tag_name("osc")) {
                let path = partials(child(o, "path"));
                assert!(path.iter().all(|p| p.ty == "CONSTANT"), "{name}: {path:?}");
                messages.push(Message {
                    control: name.clone(),
                    send: text(o, "send") == "1",
                    receive: text(o, "receive") == "1",
                    path: path.iter().map(|p| p.value.clone()).collect(),
                    args: partials(child(o, "arguments")),
                });
            }
        }
        controls.push((ty, name));
    }
    (controls, messages)
}

/// The argument lists a message can send: each `x` at both ends of its scale.
fn variants(m: &Message) -> Vec<Vec<OscType>> {
    let mut out = vec![Vec::new()];
    for a in &m.args {
        let options: Vec<OscType> = match (a.ty.as_str(), a.conversion.as_str()) {
            ("VALUE", "FLOAT") if a.value == "x" => {
                vec![OscType::Float(a.max as f32), OscType::Float(a.min as f32)]
            }
            ("CONSTANT", "INTEGER") => vec![OscType::Int(a.value.parse().unwrap())],
            ("CONSTANT", "FLOAT") => vec![OscType::Float(a.value.parse().unwrap())],
            ("CONSTANT", "STRING") => vec![OscType::String(a.value.clone())],
            other => panic!(
                "{}: an argument the test does not know: {other:?}",
                m.control
            ),
        };
        out = out
            .into_iter()
            .flat_map(|v| {
                options.iter().map(move |o| {
                    let mut v = v.clone();
                    v.push(o.clone());
                    v
                })
            })
            .collect();
    }
    out
}

#[test]
fn the_layout_has_every_control_a_performer_needs() {
    let (controls, messages) = parse(&committed());
    let sends: HashSet<String> = messages
        .iter()
        .filter(|m| m.send)
        .map(|m| m.path.clone())
        .collect();
    let mut want: Vec<String> = [
        "/bandmate/groove/tap",
        "/bandmate/groove/swing",
        "/bandmate/groove/generate",
        "/bandmate/groove/vary",
        "/bandmate/groove/humanize",
        "/bandmate/subscribe",
        "/bandmate/looper/play",
        "/bandmate/looper/stop",
        "/bandmate/looper/next",
        "/bandmate/looper/hold",
        "/bandmate/looper/repeat",
        "/bandmate/looper/temperature",
        "/bandmate/looper/step",
        "/bandmate/looper/follow",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    want.extend((1..=16).map(|s| format!("/bandmate/pad/accent/{s}")));
    for v in bandmate_core::voice::NAMES {
        want.push(format!("/bandmate/pad/mute/{v}"));
        want.push(format!("/bandmate/pad/keep/{v}"));
    }
    for s in 1..=4 {
        want.push(format!("/bandmate/frag/trigger/{s}"));
        want.push(format!("/bandmate/frag/loop/{s}"));
    }
    for w in &want {
        assert!(sends.contains(w), "no control sends {w}");
    }
    let labels: HashSet<String> = messages
        .iter()
        .filter(|m| m.receive && !m.send)
        .map(|m| m.path.clone())
        .collect();
    for l in [
        "/bandmate/display/status",
        "/bandmate/display/error",
        "/bandmate/display/looper/playing",
        "/bandmate/display/looper/queued",
    ] {
        assert!(labels.contains(l), "no label shows {l}");
    }
    let names: Vec<&String> = controls.iter().map(|c| &c.1).collect();
    let unique: HashSet<&&String> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "control names are unique");
}

#[test]
fn every_address_the_layout_sends_is_answered_and_every_label_is_fed() {
    let (_, messages) = parse(&committed());
    // By declaration: each message, at both ends of each fader's scale, parses.
    for m in messages.iter().filter(|m| m.send) {
        let r = AddressSpace::standard()
            .route(&m.path, false)
            .unwrap_or_else(|e| panic!("{}: {e}", m.control));
        for args in variants(m) {
            let mut atoms = r.lead.clone();
            atoms.extend(bandmate_osc::protocol::to_atoms(&args).unwrap());
            r.obj
                .parse(&r.selector, &atoms)
                .unwrap_or_else(|e| panic!("{} sends {} {atoms:?}: {e}", m.control, m.path));
        }
    }
    // Labels show what the daemon sends (its declared replies, and the labels the objects
    // declare).
    let labels: Vec<String> = bandmate_core::objects::OBJECTS
        .iter()
        .flat_map(|e| e.decl.labels.iter())
        .map(|(key, _)| format!("/bandmate/display/{key} TEXT"))
        .collect();
    let declared: Vec<&str> = BRIDGE
        .outlets
        .iter()
        .map(|o| o.name)
        .chain(labels.iter().map(String::as_str))
        .collect();
    for m in messages.iter().filter(|m| m.receive && !m.send) {
        let generic = m
            .path
            .rsplit_once('/')
            .filter(|(_, n)| n.parse::<u32>().is_ok())
            .map_or(m.path.clone(), |(p, _)| format!("{p}/N"));
        assert!(
            declared
                .iter()
                .any(|d| d.split(' ').next() == Some(generic.as_str())),
            "{} shows {}, which the daemon does not send",
            m.control,
            m.path
        );
    }

    // By a running daemon: with a loop, four fragments and the looper playing the example
    // corpus, no message of the layout is refused.
    let loops = TempDir::new("touchosc-loops");
    for e in std::fs::read_dir(workspace().join("patches/pd/loops")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, loops.path().join(p.file_name().unwrap())).unwrap();
    }
    let dir = loops.path().display().to_string();
    let d = Daemon::start(&["--rules", "--path", &dir]);
    let c = Client::new(d.udp);
    let got = c.ask(
        "/bandmate/looper/corpus",
        vec![s(&dir)],
        "/bandmate/looper/loading",
    );
    assert_eq!(got.last().unwrap().0, "/bandmate/looper/loading", "{got:?}");
    c.until(Duration::from_secs(20), |a, args| {
        a == "/bandmate/looper/corpus" && matches!(args.first(), Some(OscType::Float(_)))
    })
    .expect("the corpus loads");
    c.ask("/bandmate/looper/play", vec![], "/bandmate/looper/play");
    c.until(Duration::from_secs(5), |a, _| {
        a == "/bandmate/looper/playing"
    })
    .expect("the looper plays");
    // (humanize needs a score row, drumify a groove)
    let mut row = vec![s("kick")];
    row.extend((0..16).map(|k| f(if k % 4 == 0 { 1.0 } else { 0.0 })));
    c.ask("/bandmate/groove/score", row, "/bandmate/groove/score");
    c.ask(
        "/bandmate/groove/swing",
        vec![f(58.0)],
        "/bandmate/groove/swing",
    );
    c.ask(
        "/bandmate/groove/generate",
        vec![],
        "/bandmate/groove/generate",
    );
    for _ in 0..4 {
        std::thread::sleep(Duration::from_millis(50));
        c.ask("/bandmate/groove/render", vec![], "/bandmate/frag/slot");
    }
    let mut sent = 0;
    for m in messages.iter().filter(|m| m.send) {
        for args in variants(m) {
            c.send(&m.path, args.clone());
            c.send("/bandmate/version", vec![]);
            let got = c
                .until(Duration::from_secs(5), |a, _| a == "/bandmate/version")
                .expect("an answer");
            for (a, r) in &got {
                assert!(a != "/bandmate/error", "{} {args:?}: {r:?}", m.path);
            }
            assert!(
                got.len() >= 2 || m.path.ends_with("/render"),
                "{}: no answer",
                m.path
            );
            sent += 1;
        }
    }
    assert!(sent > 60, "{sent}");
}
