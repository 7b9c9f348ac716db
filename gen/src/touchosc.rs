//! The TouchOSC layout (`patches/touchosc/bandmate.tosc`), made here so its addresses come from
//! the same tables as the daemon's: a tap pad, swing, swing8 and tempo faders, 16 accent toggles, mute
//! and keep per drum, generate / vary / humanize / drumify / play / stop / render, fragment
//! slots 1-4 (trigger and loop), the looper (play / stop / next / hold, repeat, temperature,
//! step and follow faders, what plays and what is queued), the accompanist (play / stop, bass
//! and inner voices, listen, how far ahead, temperature and harmony, what it does), and labels
//! the daemon keeps up to date.
//!
//! A `.tosc` file is zlib-compressed XML (TouchOSC "Mk2", `<lexml version='3'>`): one root
//! `GROUP` node whose `<children>` are the controls; each `<node type='...'>` has typed
//! `<properties>` (`frame`, `color`, `name`, ...), `<values>` (`x`, `touch`, `text`) and
//! `<messages>` with `<osc>` entries (triggers, a path and arguments made of partials).
//! `bandmate-gen` writes it; tests check the committed file is this one and that every address
//! it sends is answered by the daemon.

use std::fmt::Write as _;
use std::io::Write as _;

use bandmate_core::gesture::SWING_PERCENT_RANGE;
use bandmate_core::objects::groove::GRID_KEYS;
use bandmate_core::objects::{ACCOMP, FRAG, GROOVE, LOOPER};
use bandmate_core::voice::NAMES as VOICE_NAMES;
use bandmate_osc::protocol::{address, AddressSpace, BRIDGE};

/// The port TouchOSC receives on by default: the connect button subscribes it.
pub const TOUCHOSC_RECEIVE_PORT: u16 = 9000;

/// Canvas size (an iPad in landscape, with the accompanist's strip and the looper's map below:
/// TouchOSC scales the layout to the screen).
pub const WIDTH: i32 = 1024;
pub const HEIGHT: i32 = 1150;

#[derive(Clone, Copy)]
struct Rgb(f32, f32, f32);

const BG: Rgb = Rgb(0.08, 0.08, 0.1);
const ORANGE: Rgb = Rgb(1.0, 0.55, 0.1);
const BLUE: Rgb = Rgb(0.2, 0.6, 1.0);
const GREEN: Rgb = Rgb(0.3, 0.85, 0.4);
const RED: Rgb = Rgb(0.95, 0.3, 0.3);
const GREY: Rgb = Rgb(0.55, 0.55, 0.6);
const WHITE: Rgb = Rgb(1.0, 1.0, 1.0);

/// One OSC argument partial.
enum ArgPart {
    /// The control's `x`, scaled to min..max, as a float.
    X(f32, f32),
    /// The control's `y` (an XY pad), scaled to min..max, as a float.
    Y(f32, f32),
    /// A constant int.
    Int(i64),
    /// A constant string.
    Str(&'static str),
    /// The received text, for a label.
    Text,
}

struct Osc {
    path: String,
    args: Vec<ArgPart>,
    send: bool,
    receive: bool,
    /// Send on press only (momentary buttons), else on any change.
    rise: bool,
}

enum Kind {
    Momentary,
    Toggle,
    Fader,
    /// An XY pad: `x` and `y`, sent together whenever either moves.
    Xy,
    /// A label showing `text`; `live` when the daemon feeds it.
    Label {
        text: String,
        live: bool,
        size: i32,
    },
}

struct Control {
    name: String,
    kind: Kind,
    frame: (i32, i32, i32, i32),
    color: Rgb,
    osc: Option<Osc>,
}

fn cdata(s: &str) -> String {
    format!("<![CDATA[{}]]>", s.replace("]]>", "]]]]><![CDATA[>"))
}

fn prop(out: &mut String, ty: char, key: &str, value: &str) {
    let _ = write!(
        out,
        "<property type='{ty}'><key>{}</key><value>{value}</value></property>",
        cdata(key)
    );
}

fn color(c: Rgb, a: f32) -> String {
    format!("<r>{}</r><g>{}</g><b>{}</b><a>{a}</a>", c.0, c.1, c.2)
}

fn value(out: &mut String, key: &str, default: &str, locked: bool) {
    let _ = write!(
        out,
        "<value><key>{}</key><locked>0</locked><lockedDefaultCurrent>{}</lockedDefaultCurrent><default>{}</default><defaultPull>0</defaultPull></value>",
        cdata(key),
        u8::from(locked),
        cdata(default)
    );
}

/// A stable node ID (UUID-shaped) from the control's name, so the file is the same every time.
fn id(name: &str) -> String {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in name.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    let x = format!("{h:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..]
    )
}

fn partial(out: &mut String, ty: &str, conversion: &str, value: &str, min: f32, max: f32) {
    let _ = write!(
        out,
        "<partial><type>{ty}</type><conversion>{conversion}</conversion><value>{}</value><scaleMin>{min}</scaleMin><scaleMax>{max}</scaleMax></partial>",
        cdata(value)
    );
}

fn osc_xml(out: &mut String, o: &Osc, vars: &[&str]) {
    let _ = write!(
        out,
        "<messages><osc><enabled>1</enabled><send>{}</send><receive>{}</receive><feedback>0</feedback><connections>11111</connections>",
        u8::from(o.send),
        u8::from(o.receive)
    );
    if o.send {
        out.push_str("<triggers>");
        for var in vars {
            let _ = write!(
                out,
                "<trigger><var>{}</var><condition>{}</condition></trigger>",
                cdata(var),
                if o.rise { "RISE" } else { "ANY" }
            );
        }
        out.push_str("</triggers>");
    }
    out.push_str("<path>");
    partial(out, "CONSTANT", "STRING", &o.path, 0.0, 1.0);
    out.push_str("</path>");
    if !o.args.is_empty() {
        out.push_str("<arguments>");
        for a in &o.args {
            match a {
                ArgPart::X(min, max) => partial(out, "VALUE", "FLOAT", "x", *min, *max),
                ArgPart::Y(min, max) => partial(out, "VALUE", "FLOAT", "y", *min, *max),
                ArgPart::Int(n) => partial(out, "CONSTANT", "INTEGER", &n.to_string(), 0.0, 1.0),
                ArgPart::Str(s) => partial(out, "CONSTANT", "STRING", s, 0.0, 1.0),
                ArgPart::Text => partial(out, "VALUE", "STRING", "text", 0.0, 1.0),
            }
        }
        out.push_str("</arguments>");
    }
    out.push_str("</osc></messages>");
}

fn node_xml(out: &mut String, c: &Control) {
    let ty = match c.kind {
        Kind::Momentary | Kind::Toggle => "BUTTON",
        Kind::Fader => "FADER",
        Kind::Xy => "XY",
        Kind::Label { .. } => "LABEL",
    };
    let _ = write!(out, "<node ID='{}' type='{ty}'><properties>", id(&c.name));
    let (x, y, w, h) = c.frame;
    let label = matches!(c.kind, Kind::Label { .. });
    // Properties in alphabetical order, as the editor writes them.
    prop(out, 'b', "background", if label { "0" } else { "1" });
    if let Kind::Fader = c.kind {
        prop(out, 'b', "bar", "1");
        prop(out, 'i', "barDisplay", "0");
    }
    if let Kind::Momentary | Kind::Toggle = c.kind {
        prop(
            out,
            'i',
            "buttonType",
            if matches!(c.kind, Kind::Toggle) {
                "1"
            } else {
                "0"
            },
        );
    }
    if let Kind::Fader = c.kind {
        prop(out, 'b', "centered", "0");
    }
    prop(out, 'c', "color", &color(c.color, 1.0));
    prop(out, 'f', "cornerRadius", "1");
    if let Kind::Fader | Kind::Xy = c.kind {
        prop(out, 'b', "cursor", "1");
        prop(out, 'i', "cursorDisplay", "0");
    }
    if let Kind::Label { .. } = c.kind {
        prop(out, 'i', "font", "0");
    }
    prop(
        out,
        'r',
        "frame",
        &format!("<x>{x}</x><y>{y}</y><w>{w}</w><h>{h}</h>"),
    );
    prop(out, 'b', "grabFocus", if label { "0" } else { "1" });
    if let Kind::Fader = c.kind {
        prop(out, 'b', "grid", "1");
        prop(out, 'c', "gridColor", &color(Rgb(0.0, 0.0, 0.0), 0.25));
        prop(out, 'i', "gridSteps", "5");
    }
    if let Kind::Xy = c.kind {
        prop(out, 'c', "gridColor", &color(Rgb(0.0, 0.0, 0.0), 0.25));
        prop(out, 'i', "gridStepsX", "10");
        prop(out, 'i', "gridStepsY", "10");
        prop(out, 'b', "gridX", "1");
        prop(out, 'b', "gridY", "1");
    }
    prop(out, 'b', "interactive", if label { "0" } else { "1" });
    if let Kind::Xy = c.kind {
        prop(out, 'b', "lines", "1");
        prop(out, 'i', "linesDisplay", "0");
        prop(out, 'b', "lockX", "0");
        prop(out, 'b', "lockY", "0");
    }
    prop(out, 'b', "locked", "0");
    prop(out, 's', "name", &cdata(&c.name));
    prop(out, 'i', "orientation", "0");
    prop(out, 'b', "outline", "1");
    prop(out, 'i', "outlineStyle", "0");
    prop(out, 'i', "pointerPriority", "0");
    if let Kind::Momentary | Kind::Toggle = c.kind {
        prop(out, 'b', "press", "1");
        prop(out, 'b', "release", "1");
    }
    if let Kind::Fader | Kind::Xy = c.kind {
        prop(out, 'i', "response", "0");
        prop(out, 'i', "responseFactor", "100");
    }
    prop(out, 'i', "shape", "1");
    if let Kind::Label { size, .. } = c.kind {
        prop(out, 'i', "textAlignH", "2");
        prop(out, 'i', "textAlignV", "2");
        prop(out, 'b', "textClip", "1");
        prop(out, 'c', "textColor", &color(WHITE, 1.0));
        prop(out, 'i', "textLength", "0");
        prop(out, 'i', "textSize", &size.to_string());
    }
    if let Kind::Momentary | Kind::Toggle = c.kind {
        prop(out, 'b', "valuePosition", "0");
    }
    prop(out, 'b', "visible", "1");
    out.push_str("</properties><values>");
    match &c.kind {
        Kind::Label { text, live, .. } => value(out, "text", text, !live),
        Kind::Xy => {
            value(out, "x", "0.5", false);
            value(out, "y", "0.5", false);
        }
        _ => value(out, "x", "0", false),
    }
    value(out, "touch", "false", false);
    out.push_str("</values>");
    if let Some(o) = &c.osc {
        let vars: &[&str] = match c.kind {
            Kind::Xy => &["x", "y"],
            _ => &["x"],
        };
        osc_xml(out, o, vars);
    }
    out.push_str("</node>");
}

fn sends(path: String, args: Vec<ArgPart>, rise: bool, receive: bool) -> Option<Osc> {
    Some(Osc {
        path,
        args,
        send: true,
        receive,
        rise,
    })
}

fn label(name: &str, text: &str, frame: (i32, i32, i32, i32), size: i32) -> Control {
    Control {
        name: format!("label_{name}"),
        kind: Kind::Label {
            text: text.into(),
            live: false,
            size,
        },
        frame,
        color: GREY,
        osc: None,
    }
}

/// A label a row of the loop is shown in (`/bandmate/display/grid/...`), in smaller type.
fn grid_label(key: &str, frame: (i32, i32, i32, i32)) -> Control {
    let mut c = live_label(key, &format!("/bandmate/display/{key}"), "", frame);
    if let Kind::Label { size, .. } = &mut c.kind {
        *size = 12;
    }
    c
}

fn live_label(name: &str, path: &str, text: &str, frame: (i32, i32, i32, i32)) -> Control {
    Control {
        name: name.into(),
        kind: Kind::Label {
            text: text.into(),
            live: true,
            size: 14,
        },
        frame,
        color: GREY,
        osc: Some(Osc {
            path: path.into(),
            args: vec![ArgPart::Text],
            send: false,
            receive: true,
            rise: false,
        }),
    }
}

/// A momentary button sending `path` (no arguments) on press, with its label on top.
fn button(v: &mut Vec<Control>, name: &str, path: String, frame: (i32, i32, i32, i32), c: Rgb) {
    button_text(v, name, name, path, frame, c);
}

/// The same, its label saying `text`.
fn button_text(
    v: &mut Vec<Control>,
    name: &str,
    text: &str,
    path: String,
    frame: (i32, i32, i32, i32),
    c: Rgb,
) {
    v.push(Control {
        name: name.into(),
        kind: Kind::Momentary,
        frame,
        color: c,
        osc: sends(path, vec![], true, false),
    });
    v.push(label(name, text, frame, 16));
}

/// A toggle sending `path x` (0 or 1) on every change; it follows the daemon's echo.
fn toggle(
    v: &mut Vec<Control>,
    name: &str,
    text: &str,
    path: String,
    frame: (i32, i32, i32, i32),
    c: Rgb,
) {
    v.push(Control {
        name: name.into(),
        kind: Kind::Toggle,
        frame,
        color: c,
        osc: sends(path, vec![ArgPart::X(0.0, 1.0)], false, true),
    });
    if !text.is_empty() {
        v.push(label(name, text, frame, 12));
    }
}

fn groove(m: &str) -> String {
    debug_assert!(GROOVE.message(m).is_some(), "{m}");
    address(&GROOVE, m)
}

fn looper(m: &str) -> String {
    debug_assert!(LOOPER.message(m).is_some(), "{m}");
    address(&LOOPER, m)
}

fn accomp(m: &str) -> String {
    debug_assert!(ACCOMP.message(m).is_some(), "{m}");
    address(&ACCOMP, m)
}

/// The range of the first argument of a message declared as a float.
fn float_range(obj: &bandmate_core::objects::decl::ObjectDecl, m: &str) -> (f32, f32) {
    match obj.message(m).map(|m| m.args[0].kind) {
        Some(bandmate_core::objects::decl::Kind::Float { min, max }) => (min as f32, max as f32),
        other => panic!("{m}: not a float message ({other:?})"),
    }
}

fn controls() -> Vec<Control> {
    let mut v = Vec::new();
    let pad = |m: &str| {
        let pad = AddressSpace::standard().pad();
        debug_assert!(pad.message(m).is_some());
        address(pad, m)
    };
    let frag = |m: &str| {
        debug_assert!(FRAG.message(m).is_some());
        address(&FRAG, m)
    };
    // Top: title, connect, status and error lines.
    v.push(label("title", "bandmate", (10, 10, 150, 40), 24));
    v.push(Control {
        name: "connect".into(),
        kind: Kind::Momentary,
        frame: (170, 10, 110, 40),
        color: GREEN,
        osc: sends(
            address(&BRIDGE, "subscribe"),
            vec![ArgPart::Int(i64::from(TOUCHOSC_RECEIVE_PORT))],
            true,
            false,
        ),
    });
    v.push(label("connect", "connect", (170, 10, 110, 40), 16));
    v.push(live_label(
        "status",
        "/bandmate/display/status",
        "press connect",
        (290, 10, 540, 40),
    ));
    // Training beside the status line, where its progress shows: the groove model fine-tuned
    // on the daemon's dataset (what 'tag' kept), into its model library; and cancel.
    button(&mut v, "train", groove("train"), (836, 10, 86, 40), ORANGE);
    button(&mut v, "cancel", groove("cancel"), (928, 10, 86, 40), RED);
    v.push(live_label(
        "error",
        "/bandmate/display/error",
        "",
        (290, 54, 724, 26),
    ));

    // Left: the tap pad, swing, swing8 and tempo faders.
    v.push(Control {
        name: "tap".into(),
        kind: Kind::Momentary,
        frame: (10, 90, 300, 232),
        color: ORANGE,
        osc: sends(groove("tap"), vec![], true, false),
    });
    v.push(label("tap", "tap", (10, 90, 300, 232), 32));

    // Scenes 1-4 under the tap pad: recall, and (smaller, apart) save.
    for n in 1..=4 {
        let x = 10 + (n - 1) * 76;
        button_text(
            &mut v,
            &format!("scene{n}"),
            &format!("scene {n}"),
            format!("{}/recall/{n}", address(&BRIDGE, "scene")),
            (x, 328, 70, 34),
            GREEN,
        );
        button_text(
            &mut v,
            &format!("save_scene{n}"),
            &format!("save {n}"),
            format!("{}/save/{n}", address(&BRIDGE, "scene")),
            (x, 368, 70, 22),
            RED,
        );
    }
    for (k, (name, m, min, max)) in [
        (
            "swing",
            "swing",
            SWING_PERCENT_RANGE.0 as f32,
            SWING_PERCENT_RANGE.1 as f32,
        ),
        (
            "swing8",
            "swing8",
            SWING_PERCENT_RANGE.0 as f32,
            SWING_PERCENT_RANGE.1 as f32,
        ),
        // The whole range the daemon takes (a host transport's tempo may be anywhere in it).
        {
            let (min, max) = float_range(&GROOVE, "tempo");
            ("tempo", "tempo", min, max)
        },
    ]
    .into_iter()
    .enumerate()
    {
        let x = 316 + k as i32 * 50;
        v.push(Control {
            name: name.into(),
            kind: Kind::Fader,
            frame: (x, 90, 44, 270),
            color: BLUE,
            osc: sends(groove(m), vec![ArgPart::X(min, max)], false, true),
        });
        v.push(label(name, name, (x - 3, 362, 50, 28), 12));
    }

    // Actions.
    let actions = [
        ("generate", groove("generate")),
        ("vary", groove("vary")),
        ("fill", groove("fill")),
        ("humanize", groove("humanize")),
        ("drumify", groove("drumify")),
        ("play", groove("play")),
        ("stop", groove("stop")),
        ("render", groove("render")),
        ("tap_tempo", groove("tap_tempo")),
        ("back", groove("back")),
        // what just played, kept in the daemon's dataset folder for the next training
        ("tag", groove("tag")),
    ];
    for (k, (name, path)) in actions.into_iter().enumerate() {
        let (col, row) = (k % 6, k / 6);
        let c = match name {
            "play" => GREEN,
            "stop" => RED,
            _ => ORANGE,
        };
        button(
            &mut v,
            name,
            path,
            (470 + col as i32 * 92, 90 + row as i32 * 70, 86, 60),
            c,
        );
    }

    // Drums that listen: the tap pad's playing becomes the next loops (the last action place).
    toggle(
        &mut v,
        "listen",
        "listen",
        groove("listen"),
        (470 + 5 * 92, 90 + 70, 86, 60),
        BLUE,
    );

    // Accents: 16 toggles, one per step of the bar.
    v.push(label("accents", "accents", (470, 230, 120, 24), 12));
    for step in 1..=16 {
        let x = 470 + (step - 1) * 34;
        toggle(
            &mut v,
            &format!("accent{step}"),
            &step.to_string(),
            format!("{}/{step}", pad("accent")),
            (x, 258, 30, 40),
            if (step - 1) % 4 == 0 { ORANGE } else { BLUE },
        );
    }

    // Fragment slots 1-4, two by two: trigger, loop, what each holds.
    for slot in 1..=4 {
        let (col, row) = ((slot - 1) % 2, (slot - 1) / 2);
        let (x, y) = (470 + col * 276, 312 + row * 46);
        button(
            &mut v,
            &format!("slot {slot}"),
            format!("{}/{slot}", frag("trigger")),
            (x, y, 70, 40),
            GREEN,
        );
        toggle(
            &mut v,
            &format!("loop{slot}"),
            "loop",
            format!("{}/{slot}", frag("loop")),
            (x + 74, y, 56, 40),
            BLUE,
        );
        v.push(live_label(
            &format!("slot{slot}_text"),
            &format!("/bandmate/display/slot/{slot}"),
            "empty",
            (x + 134, y, 136, 40),
        ));
    }

    // Drums, a row each (bottom left): mute, keep, and its steps in the loop playing; above
    // them, how the model heard the groove it was given.
    v.push(label("drums", "drums: mute / keep", (10, 402, 210, 24), 12));
    v.push(grid_label("grid/reading", (226, 402, 414, 24)));
    for (k, (voice, key)) in VOICE_NAMES.iter().zip(GRID_KEYS).enumerate() {
        let y = 430 + k as i32 * 36;
        v.push(label(voice, voice, (10, y, 90, 32), 12));
        toggle(
            &mut v,
            &format!("mute_{voice}"),
            "mute",
            format!("{}/{voice}", pad("mute")),
            (104, y, 56, 32),
            RED,
        );
        toggle(
            &mut v,
            &format!("keep_{voice}"),
            "keep",
            format!("{}/{voice}", pad("keep")),
            (164, y, 56, 32),
            GREEN,
        );
        v.push(grid_label(key, (226, y, 414, 32)));
    }

    // The looper (bottom right): what plays and what comes next, play / stop / next / hold,
    // and the faders of its navigator.
    let lx = 652;
    v.push(label("looper", "looper", (lx, 402, 362, 24), 12));
    for (k, (name, text, path, default)) in [
        (
            "looper_playing",
            "now",
            "/bandmate/display/looper/playing",
            "no corpus",
        ),
        (
            "looper_queued",
            "next",
            "/bandmate/display/looper/queued",
            "-",
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let y = 430 + k as i32 * 34;
        v.push(label(name, text, (lx, y, 50, 30), 12));
        v.push(live_label(name, path, default, (lx + 54, y, 308, 30)));
    }
    for (k, (name, text, path, c)) in [
        ("looper_play", "play", looper("play"), GREEN),
        ("looper_stop", "stop", looper("stop"), RED),
        ("looper_next", "next", looper("next"), ORANGE),
    ]
    .into_iter()
    .enumerate()
    {
        button_text(
            &mut v,
            name,
            text,
            path,
            (lx + k as i32 * 92, 500, 86, 56),
            c,
        );
    }
    toggle(
        &mut v,
        "looper_hold",
        "hold",
        looper("hold"),
        (lx + 3 * 92, 500, 86, 56),
        BLUE,
    );
    for (k, (m, min, max)) in [
        ("repeat", 0.0, 1.0),
        ("temperature", 0.01, 1.0),
        ("step", 0.0, 1.0),
        ("follow", 0.0, 1.0),
    ]
    .into_iter()
    .enumerate()
    {
        let x = lx + k as i32 * 92;
        let name = format!("looper_{m}");
        v.push(Control {
            name: name.clone(),
            kind: Kind::Fader,
            frame: (x, 566, 86, 162),
            color: BLUE,
            osc: sends(looper(m), vec![ArgPart::X(min, max)], false, true),
        });
        v.push(label(&name, m, (x, 732, 86, 26), 12));
    }

    // The accompanist (a strip along the bottom): what it does, play / stop, its parts,
    // listen, the chunk length and its temperature and harmony.
    let y0 = 772;
    v.push(label("accomp", "accompanist", (10, y0, 290, 24), 12));
    v.push(live_label(
        "accomp_state",
        "/bandmate/display/accomp/state",
        "no chords",
        (10, y0 + 28, 290, 50),
    ));
    button_text(
        &mut v,
        "accomp_play",
        "play",
        accomp("play"),
        (310, y0, 70, 78),
        GREEN,
    );
    button_text(
        &mut v,
        "accomp_stop",
        "stop",
        accomp("stop"),
        (386, y0, 70, 78),
        RED,
    );
    for (k, part) in ["bass", "inner"].into_iter().enumerate() {
        toggle(
            &mut v,
            &format!("accomp_{part}"),
            part,
            format!("{}/{part}", accomp("part")),
            (470 + k as i32 * 76, y0, 70, 78),
            BLUE,
        );
    }
    // listen off: it plays alone, the melody too
    toggle(
        &mut v,
        "accomp_listen",
        "listen",
        accomp("listen"),
        (622, y0, 70, 78),
        BLUE,
    );
    v.push(label(
        "accomp_delta2",
        "ahead (beats)",
        (700, y0 - 4, 116, 16),
        10,
    ));
    for (k, beats) in ["0.5", "1", "2", "4"].into_iter().enumerate() {
        let (col, row) = (k as i32 % 2, k as i32 / 2);
        button_text(
            &mut v,
            &format!("accomp_delta2_{beats}"),
            beats,
            format!("{}/{beats}", accomp("delta2")),
            (700 + col * 58, y0 + 14 + row * 34, 54, 30),
            ORANGE,
        );
    }
    for (k, m) in ["temperature", "harmony"].into_iter().enumerate() {
        let (min, max) = float_range(&ACCOMP, m);
        let x = 830 + k as i32 * 92;
        let name = format!("accomp_{m}");
        v.push(Control {
            name: name.clone(),
            kind: Kind::Fader,
            frame: (x, y0, 86, 56),
            color: BLUE,
            osc: sends(accomp(m), vec![ArgPart::X(min, max)], false, true),
        });
        v.push(label(&name, m, (x, y0 + 58, 86, 22), 12));
    }

    // The looper's map (a strip along the bottom): lay the corpus out (PCA or t-SNE), then
    // move through it: the segment nearest the finger plays next.
    let y1 = 864;
    v.push(label(
        "map",
        "map of the looper's corpus: touch to play what is near",
        (10, y1, 600, 24),
        12,
    ));
    v.push(Control {
        name: "map_xy".into(),
        kind: Kind::Xy,
        frame: (10, y1 + 28, 600, 184),
        color: GREEN,
        osc: sends(
            looper("choose"),
            vec![ArgPart::X(0.0, 1.0), ArgPart::Y(0.0, 1.0)],
            false,
            false,
        ),
    });
    for (k, how) in ["pca", "tsne"].into_iter().enumerate() {
        let name = format!("map_{how}");
        v.push(Control {
            name: name.clone(),
            kind: Kind::Momentary,
            frame: (620, y1 + 28 + k as i32 * 94, 120, 90),
            color: ORANGE,
            osc: sends(looper("map"), vec![ArgPart::Str(how)], true, false),
        });
        v.push(label(
            &name,
            &format!("map {how}"),
            (620, y1 + 28 + k as i32 * 94, 120, 90),
            16,
        ));
    }
    // what the looper plays (and what was played over it) kept for the next training
    button_text(
        &mut v,
        "looper_tag",
        "tag",
        looper("tag"),
        (750, y1 + 28, 120, 90),
        ORANGE,
    );
    v.push(live_label(
        "map_chose",
        "/bandmate/display/looper/queued",
        "",
        (880, y1 + 28, 134, 184),
    ));

    // Fragments from words (a strip along the bottom): what the prompt is and what became of
    // it, five prompts (TouchOSC has no text field: edit the words in its editor, or send
    // /bandmate/frag/prompt from anything that types), generate into the next slot, cancel.
    // The words suit both the built-in beats from words and a text-to-audio model.
    let y2 = 1084;
    v.push(live_label(
        "frag_prompt",
        "/bandmate/display/frag/prompt",
        "beat: no prompt",
        (10, y2, 230, 56),
    ));
    for (k, words) in PROMPTS.iter().enumerate() {
        let name = format!("prompt{}", k + 1);
        let frame = (246 + k as i32 * 116, y2, 110, 56);
        v.push(Control {
            name: name.clone(),
            kind: Kind::Momentary,
            frame,
            color: BLUE,
            osc: sends(frag("prompt"), vec![ArgPart::Str(words)], true, false),
        });
        v.push(label(&name, words, frame, 11));
    }
    button_text(
        &mut v,
        "frag_generate",
        "generate",
        frag("generate"),
        (828, y2, 92, 56),
        GREEN,
    );
    button_text(
        &mut v,
        "frag_cancel",
        "cancel",
        frag("cancel"),
        (926, y2, 88, 56),
        RED,
    );

    v
}

/// The prompt buttons' words (docs/text-to-audio.md): each a beat the built-in default reads,
/// and a prompt a text-to-audio model can take.
pub const PROMPTS: [&str; 5] = [
    "laid-back hiphop 88 bpm",
    "busy funk 100 bpm",
    "rock 120 bpm no crash",
    "sparse reggae 76 bpm",
    "jazz ride 140 bpm swing 62",
];

/// The layout as XML (what the `.tosc` file holds, uncompressed).
pub fn layout_xml() -> String {
    let mut out = String::from("<?xml version='1.0' encoding='UTF-8'?>\n<lexml version='3'>");
    let _ = write!(
        out,
        "<node ID='{}' type='GROUP'><properties>",
        id("bandmate")
    );
    prop(&mut out, 'b', "background", "1");
    prop(&mut out, 'c', "color", &color(BG, 1.0));
    prop(&mut out, 'f', "cornerRadius", "0");
    prop(
        &mut out,
        'r',
        "frame",
        &format!("<x>0</x><y>0</y><w>{WIDTH}</w><h>{HEIGHT}</h>"),
    );
    prop(&mut out, 'b', "grabFocus", "0");
    prop(&mut out, 'b', "interactive", "0");
    prop(&mut out, 'b', "locked", "0");
    prop(&mut out, 's', "name", &cdata("bandmate"));
    prop(&mut out, 'i', "orientation", "0");
    prop(&mut out, 'b', "outline", "0");
    prop(&mut out, 'i', "outlineStyle", "0");
    prop(&mut out, 'i', "pointerPriority", "0");
    prop(&mut out, 's', "script", &cdata(&root_script()));
    prop(&mut out, 'i', "shape", "1");
    prop(&mut out, 'b', "visible", "1");
    out.push_str("</properties><values>");
    value(&mut out, "touch", "false", false);
    out.push_str("</values><children>");
    for c in controls() {
        node_xml(&mut out, &c);
    }
    out.push_str("</children></node></lexml>\n");
    out
}

/// How often the layout renews its subscription, in ms (well inside the daemon's lease).
pub const RENEW_MS: u32 = 30_000;

/// The layout's root script (Lua, TouchOSC's scripting API): it answers the daemon's
/// `/bandmate/confirm TOKEN` (a tablet on the network must show it receives before it is sent
/// anything) and, once subscribed, renews the subscription every [`RENEW_MS`], before the
/// daemon's lease runs out.
pub fn root_script() -> String {
    let subscribe = address(&BRIDGE, "subscribe");
    let unsubscribe = address(&BRIDGE, "unsubscribe");
    let confirm = address(&BRIDGE, "confirm");
    let port = TOUCHOSC_RECEIVE_PORT;
    format!(
        "-- bandmate: answers the daemon's confirmation and keeps the subscription alive.\n\
local subscribed = false\n\
local last = 0\n\
function onReceiveOSC(message, connections)\n\
  local path = message[1]\n\
  local first = (message[2] or {{}})[1]\n\
  local value = first and first.value\n\
  if path == '{confirm}' and value then\n\
    sendOSC({{ '{confirm}', {{ {{ tag = 'i', value = value }} }} }})\n\
  elseif path == '{subscribe}' and value == {port} then\n\
    subscribed = true\n\
    last = getMillis()\n\
  elseif path == '{unsubscribe}' and value == {port} then\n\
    subscribed = false\n\
  end\n\
  return false\n\
end\n\
function update()\n\
  if subscribed and getMillis() - last > {RENEW_MS} then\n\
    last = getMillis()\n\
    sendOSC({{ '{subscribe}', {{ {{ tag = 'i', value = {port} }} }} }})\n\
  end\n\
end\n"
    )
}

/// The `.tosc` bytes: the XML, zlib-compressed.
pub fn tosc_bytes() -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = z.write_all(layout_xml().as_bytes());
    z.finish().unwrap_or_default()
}
