//! Max patchers made from the declarations, so they cannot drift from what the objects take:
//! the help patchers (`patches/max/<name>.maxhelp`) and the two Max for Live devices
//! (`patches/max/bandmate-groove.amxd`, a MIDI effect, and `patches/max/bandmate-frag.amxd`, an
//! audio effect: a Max MIDI effect cannot output audio). A test compares the committed files
//! with these and checks every patcher with [`check_patchers`]: known classes, cords within the
//! boxes' inlets and outlets, and every message that can reach a bandmate object parsed by that
//! object's declaration.
//!
//! A `.maxhelp` is a Max patcher: JSON `{"patcher": {"boxes": [...], "lines": [...]}}`. An
//! `.amxd` is that JSON in a small chunked container (see [`amxd`]).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Map, Value};

use bandmate_core::error::{Error, Result};
use bandmate_core::gesture::SWING_PERCENT_RANGE;
use bandmate_core::groove::STYLES;
use bandmate_core::objects::accomp::{DEFAULT_HARMONY, DEFAULT_TEMPERATURE};
use bandmate_core::objects::decl::{atoms, usage, Atom, Kind, ObjectDecl};
use bandmate_core::objects::{ACCOMP, FRAG, GROOVE, OBJECTS};

/// Every Max, MSP and Max for Live class these patchers use, with the reference page it was
/// checked against (arguments, messages, what each outlet sends). Box inlet counts and outlet
/// types (see [`standard_io`]) are as Max 8.6 saves them: Ableton's maxdevtools lists every
/// object's defaults (`maxdiff/known_objects.py`, from Max 8.6.0), and saved patchers on GitHub
/// agree for the argument-dependent ones (`select 0 1`, `route x`, `receive x`, `midiformat`).
pub const STANDARD_CLASSES: &[(&str, &str)] = &[
    // Max
    ("message", "https://docs.cycling74.com/reference/message/"),
    ("comment", "https://docs.cycling74.com/reference/comment"),
    ("print", "https://docs.cycling74.com/reference/print"),
    ("loadbang", "https://docs.cycling74.com/reference/Loadbang/"),
    ("trigger", "https://docs.cycling74.com/reference/trigger/"),
    ("select", "https://docs.cycling74.com/reference/select"),
    ("route", "https://docs.cycling74.com/reference/route"),
    ("split", "https://docs.cycling74.com/reference/split"),
    ("gate", "https://docs.cycling74.com/max7/refpages/gate"),
    ("unpack", "https://docs.cycling74.com/max8/refpages/unpack"),
    ("send", "https://docs.cycling74.com/max8/refpages/s"),
    (
        "receive",
        "https://docs.cycling74.com/max8/refpages/receive",
    ),
    (
        "midiin",
        "https://docs.cycling74.com/max5/refpages/max-ref/midiin.html",
    ),
    (
        "midiparse",
        "https://docs.cycling74.com/reference/midiparse/",
    ),
    (
        "midiformat",
        "https://docs.cycling74.com/reference/midiformat/",
    ),
    ("midiout", "https://docs.cycling74.com/reference/midiout/"),
    ("noteout", "https://docs.cycling74.com/reference/noteout/"),
    (
        "multislider",
        "https://docs.cycling74.com/reference/multislider/",
    ),
    // MSP
    ("buffer~", "https://docs.cycling74.com/reference/buffer~"),
    ("+~", "https://docs.cycling74.com/reference/plus~"),
    ("ezdac~", "https://docs.cycling74.com/reference/ezdac~"),
    ("adc~", "https://docs.cycling74.com/reference/adc~"),
    ("plugin~", "https://docs.cycling74.com/reference/plugin~/"),
    ("plugout~", "https://docs.cycling74.com/reference/plugout~"),
    // Max for Live
    (
        "live.dial",
        "https://docs.cycling74.com/max7/refpages/live.dial",
    ),
    (
        "live.text",
        "https://docs.cycling74.com/reference/live.text",
    ),
    (
        "live.menu",
        "https://docs.cycling74.com/reference/live.menu",
    ),
    (
        "live.numbox",
        "https://docs.cycling74.com/reference/live.numbox",
    ),
    (
        "live.comment",
        "https://docs.cycling74.com/reference/live.comment",
    ),
    ("jsui", "https://docs.cycling74.com/reference/jsui/"),
    ("textedit", "https://docs.cycling74.com/reference/textedit/"),
    ("prepend", "https://docs.cycling74.com/reference/prepend/"),
    // Live 12 MIDI Tools (in a Generator or Transformation device only)
    (
        "live.miditool.in",
        "https://docs.cycling74.com/reference/live.miditool.in",
    ),
    (
        "live.miditool.out",
        "https://docs.cycling74.com/reference/live.miditool.out",
    ),
];

/// The bandmate objects the patchers may hold.
pub fn objects() -> impl Iterator<Item = &'static ObjectDecl> {
    OBJECTS.iter().map(|e| e.decl)
}

/// Boxes that are not object boxes: the maxclass is the class.
const UI_CLASSES: &[&str] = &[
    "message",
    "comment",
    "ezdac~",
    "multislider",
    "jsui",
    "textedit",
    "live.dial",
    "live.text",
    "live.menu",
    "live.numbox",
    "live.comment",
];

/// Inlets and outlet types of a standard box, as Max 8.6 saves them: `text` is an object box's
/// text (or a UI box's maxclass). `None` for a class not in [`STANDARD_CLASSES`].
pub fn standard_io(text: &str) -> Option<(usize, Vec<&'static str>)> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let (class, args) = words.split_first()?;
    let n = args.len();
    Some(match *class {
        "message" => (2, vec![""]),
        "comment" | "live.comment" => (1, vec![]),
        "ezdac~" => (2, vec![]),
        "multislider" => (1, vec!["", ""]),
        // a JavaScript display (its .js beside the patcher): one inlet, one outlet
        "jsui" => (1, vec![""]),
        // the text typed (as 'text WORDS...'), each key's ASCII, the word clicked, dumpout
        "textedit" => (1, vec!["", "int", "", ""]),
        "prepend" => (2, vec![""]),
        "live.dial" | "live.numbox" => (1, vec!["", "float"]),
        "live.text" => (1, vec!["", ""]),
        "live.menu" => (1, vec!["", "", "float"]),
        "print" | "midiout" | "send" => (1, vec![]),
        "noteout" => (3, vec![]),
        "receive" => (0, vec![""]),
        "loadbang" => (1, vec!["bang"]),
        "midiin" => (1, vec!["int"]),
        // notes, context, notifications from Live (the reference's three outlets; the devices
        // use the first two)
        "live.miditool.in" => (1, vec!["", "", ""]),
        "live.miditool.out" => (1, vec![]),
        "midiparse" => (1, vec!["", "", "", "int", "int", "", "int", ""]),
        "midiformat" => (7, vec!["int", ""]),
        "buffer~" => (1, vec!["float", "bang"]),
        "+~" => (2, vec!["signal"]),
        "adc~" => (1, vec!["signal"]),
        "plugin~" | "plugout~" => (2, vec!["signal", "signal"]),
        "gate" => {
            let outs = args.first().and_then(|a| a.parse().ok()).unwrap_or(1);
            (2, vec![""; outs])
        }
        "trigger" => (
            1,
            args.iter()
                .map(|a| match *a {
                    "b" => "bang",
                    "i" => "int",
                    "f" => "float",
                    _ => "",
                })
                .collect(),
        ),
        // One inlet per argument plus the left one (Max 8.3+), a bang outlet per argument and
        // the reject outlet.
        "select" => {
            let mut t = vec!["bang"; n.max(1)];
            t.push("");
            (n.max(1) + 1, t)
        }
        "route" => (2, vec![""; n.max(1) + 1]),
        "split" => {
            let float = args.first().is_some_and(|a| a.contains('.'));
            (3, vec![if float { "float" } else { "int" }; 2])
        }
        "unpack" => (
            1,
            if args.is_empty() {
                vec!["int", "int"]
            } else {
                args.iter()
                    .map(|a| match a.parse::<f64>() {
                        Ok(_) if a.contains('.') => "float",
                        Ok(_) => "int",
                        Err(_) => "",
                    })
                    .collect()
            },
        ),
        _ => return None,
    })
}

fn bandmate_decl(class: &str) -> Option<&'static ObjectDecl> {
    objects().find(|d| d.name == class)
}

/// Inlets and outlet types of a bandmate object box, as the Max externals create them
/// (`max-external/src/object.rs`): one inlet; signal outlets, `list` for the notes, untyped
/// (`""`) for the rest; then, rightmost, Max's untyped dumpout outlet (`getattr` answers).
fn bandmate_io(decl: &ObjectDecl) -> (usize, Vec<&'static str>) {
    (
        1,
        decl.outlets
            .iter()
            .map(|o| match (o.signal, o.notes) {
                (true, _) => "signal",
                (false, true) => "list",
                (false, false) => "",
            })
            .chain(std::iter::once(""))
            .collect(),
    )
}

// ---------------------------------------------------------------------------------------------
// Building patchers

/// A Live parameter of a live.* control.
struct Param<'a> {
    long: &'a str,
    short: &'a str,
    /// 0 float, 1 int, 2 enum.
    kind: u8,
    min: f64,
    max: f64,
    initial: Option<f64>,
    enums: &'a [&'a str],
    /// 1 float, 5 percent (for floats and ints).
    unitstyle: Option<u8>,
}

/// A patcher being built: boxes, cords, Live parameters.
#[derive(Default)]
struct Patch {
    boxes: Vec<Value>,
    lines: Vec<Value>,
    n: usize,
    /// (box id, long name, short name) of each Live parameter.
    params: Vec<(String, String, String)>,
}

/// About how a 12-point text box wraps: lines of text and the box height.
fn text_height(text: &str, width: f64, font: f64) -> (usize, f64) {
    let per_line = ((width - 10.0) / (font * 0.55)).floor().max(8.0) as usize;
    let mut lines = 0;
    let mut len = 0;
    for w in text.split_whitespace() {
        if len == 0 || len + 1 + w.len() > per_line {
            len = w.len();
            lines += 1;
        } else {
            len += 1 + w.len();
        }
    }
    let lines = lines.max(1);
    (lines, font + 10.0 + (font + 2.0) * (lines as f64 - 1.0))
}

impl Patch {
    fn push(&mut self, mut b: Map<String, Value>) -> String {
        self.n += 1;
        let id = format!("obj-{}", self.n);
        b.insert("id".into(), json!(id));
        self.boxes.push(json!({ "box": b }));
        id
    }

    fn base(class: &str, io: (usize, Vec<&str>), rect: [f64; 4]) -> Map<String, Value> {
        let mut b = Map::new();
        b.insert("maxclass".into(), json!(class));
        b.insert("numinlets".into(), json!(io.0));
        b.insert("numoutlets".into(), json!(io.1.len()));
        if !io.1.is_empty() {
            b.insert("outlettype".into(), json!(io.1));
        }
        b.insert("patching_rect".into(), json!(rect));
        b
    }

    /// A [jsui] drawn by the JavaScript file `file` (beside the patcher), `size` pixels square.
    fn jsui(&mut self, file: &str, x: f64, y: f64, size: f64) -> String {
        let mut b = Self::base("jsui", standard_io("jsui").unwrap(), [x, y, size, size]);
        b.insert("filename".into(), json!(file));
        b.insert("parameter_enable".into(), json!(0));
        self.push(b)
    }

    /// A multislider of `len` bars in `range` (a row of a [`Grid`]), showing lists.
    fn multislider(&mut self, len: usize, range: (f32, f32), rect: [f64; 4]) -> String {
        let mut b = Self::base("multislider", standard_io("multislider").unwrap(), rect);
        b.insert("size".into(), json!(len));
        b.insert("setminmax".into(), json!([range.0, range.1]));
        b.insert("setstyle".into(), json!(1));
        b.insert("contdata".into(), json!(1));
        b.insert("ignoreclick".into(), json!(1));
        self.push(b)
    }

    /// An object box.
    fn obj(&mut self, text: &str, x: f64, y: f64) -> String {
        let class = text.split_whitespace().next().unwrap_or_default();
        let io = match bandmate_decl(class) {
            Some(d) => bandmate_io(d),
            None => {
                standard_io(text).unwrap_or_else(|| panic!("no inlets/outlets known for [{text}]"))
            }
        };
        let w = (text.len() as f64 * 7.0 + 16.0).max(40.0);
        let mut b = Self::base("newobj", io, [x, y, w, 22.0]);
        b.insert("text".into(), json!(text));
        self.push(b)
    }

    /// A message box (`,` `;` are special in Max message boxes: these have none); `w` 0 fits
    /// the box to the text.
    fn msg(&mut self, text: &str, x: f64, y: f64, w: f64) -> (String, f64) {
        let w = if w > 0.0 {
            w
        } else {
            (text.len() as f64 * 7.0 + 20.0).max(40.0)
        };
        assert!(
            !text.contains([',', ';', '\\']),
            "message box '{text}': , ; and \\ are special in Max message boxes"
        );
        let (lines, h) = text_height(text, w, 12.0);
        let mut b = Self::base("message", standard_io("message").unwrap(), [x, y, w, h]);
        if lines > 1 {
            b.insert("linecount".into(), json!(lines));
        }
        b.insert("text".into(), json!(text));
        (self.push(b), h)
    }

    /// A comment (Max or Max for Live).
    fn comment_of(&mut self, class: &str, text: &str, rect: [f64; 4]) -> (String, f64) {
        let (lines, h) = text_height(text, rect[2], 12.0);
        let mut b = Self::base(
            class,
            standard_io(class).unwrap(),
            [rect[0], rect[1], rect[2], h],
        );
        if lines > 1 {
            b.insert("linecount".into(), json!(lines));
        }
        b.insert("text".into(), json!(text));
        (self.push(b), h)
    }

    fn comment(&mut self, text: &str, x: f64, y: f64, w: f64) -> f64 {
        self.comment_of("comment", text, [x, y, w, 20.0]).1
    }

    /// A UI box with no parameter (ezdac~).
    fn ui(&mut self, class: &str, rect: [f64; 4]) -> String {
        let io = standard_io(class).unwrap_or_else(|| panic!("unknown UI class {class}"));
        self.push(Self::base(class, io, rect))
    }

    /// A Live label shown in the device.
    fn label(&mut self, text: &str, patching: [f64; 4], presentation: [f64; 4]) -> String {
        let mut b = Self::base(
            "live.comment",
            standard_io("live.comment").unwrap(),
            patching,
        );
        b.insert("presentation".into(), json!(1));
        b.insert("presentation_rect".into(), json!(presentation));
        b.insert("text".into(), json!(text));
        b.insert("textjustification".into(), json!(0));
        self.push(b)
    }

    /// A live.* control: a Live parameter (automatable, MIDI-mappable), shown in the device.
    fn live(
        &mut self,
        class: &str,
        varname: &str,
        p: Param,
        patching: [f64; 4],
        presentation: [f64; 4],
        extra: Value,
    ) -> String {
        let mut b = Self::base(
            class,
            standard_io(class).unwrap_or_else(|| panic!("unknown live class {class}")),
            patching,
        );
        b.insert("parameter_enable".into(), json!(1));
        b.insert("presentation".into(), json!(1));
        b.insert("presentation_rect".into(), json!(presentation));
        b.insert("varname".into(), json!(varname));
        let mut v = Map::new();
        v.insert("parameter_longname".into(), json!(p.long));
        v.insert("parameter_shortname".into(), json!(p.short));
        v.insert("parameter_type".into(), json!(p.kind));
        v.insert("parameter_mmin".into(), json!(p.min));
        v.insert("parameter_mmax".into(), json!(p.max));
        v.insert("parameter_modmode".into(), json!(0));
        if !p.enums.is_empty() {
            v.insert("parameter_enum".into(), json!(p.enums));
        }
        if let Some(i) = p.initial {
            v.insert("parameter_initial".into(), json!([i]));
            v.insert("parameter_initial_enable".into(), json!(1));
        }
        if let Some(u) = p.unitstyle {
            v.insert("parameter_unitstyle".into(), json!(u));
        }
        b.insert(
            "saved_attribute_attributes".into(),
            json!({ "valueof": Value::Object(v) }),
        );
        if let Value::Object(extra) = extra {
            b.extend(extra);
        }
        let id = self.push(b);
        self.params
            .push((id.clone(), p.long.into(), p.short.into()));
        id
    }

    fn connect(&mut self, from: &str, outlet: usize, to: &str, inlet: usize) {
        self.lines.push(json!({
            "patchline": { "source": [from, outlet], "destination": [to, inlet] }
        }));
    }

    fn patcher(self, rect: [f64; 4], device: bool) -> Value {
        let mut p = Map::new();
        p.insert("fileversion".into(), json!(1));
        p.insert(
            "appversion".into(),
            json!({ "major": 8, "minor": 6, "revision": 0, "architecture": "x64", "modernui": 1 }),
        );
        p.insert("classnamespace".into(), json!("box"));
        p.insert("rect".into(), json!(rect));
        p.insert("bglocked".into(), json!(0));
        p.insert("openinpresentation".into(), json!(u8::from(device)));
        p.insert(
            "default_fontsize".into(),
            json!(if device { 10.0 } else { 12.0 }),
        );
        p.insert("default_fontface".into(), json!(0));
        p.insert(
            "default_fontname".into(),
            json!(if device { "Arial Bold" } else { "Arial" }),
        );
        p.insert("gridonopen".into(), json!(1));
        p.insert(
            "gridsize".into(),
            json!(if device { [8.0, 8.0] } else { [15.0, 15.0] }),
        );
        p.insert("gridsnaponopen".into(), json!(1));
        p.insert("objectsnaponopen".into(), json!(1));
        p.insert("statusbarvisible".into(), json!(2));
        p.insert("toolbarvisible".into(), json!(1));
        p.insert("boxanimatetime".into(), json!(200));
        p.insert("enablehscroll".into(), json!(1));
        p.insert("enablevscroll".into(), json!(1));
        p.insert("devicewidth".into(), json!(0.0));
        p.insert("description".into(), json!(""));
        p.insert("digest".into(), json!(""));
        p.insert("tags".into(), json!(""));
        p.insert("style".into(), json!(""));
        p.insert("subpatcher_template".into(), json!(""));
        p.insert("assistshowspatchername".into(), json!(0));
        p.insert("boxes".into(), Value::Array(self.boxes));
        p.insert("lines".into(), Value::Array(self.lines));
        if device {
            p.insert("openrect".into(), json!([0.0, 0.0, 0.0, 169.0]));
            let mut params = Map::new();
            for (id, long, short) in &self.params {
                params.insert(id.clone(), json!([long, short, 0]));
            }
            params.insert("inherited_shortname".into(), json!(1));
            p.insert("parameters".into(), Value::Object(params));
            p.insert("dependency_cache".into(), json!([]));
            p.insert("latency".into(), json!(0));
            p.insert("is_mpe".into(), json!(0));
            p.insert("external_mpe_tuning_enabled".into(), json!(0));
            p.insert("minimum_live_version".into(), json!(""));
            p.insert("minimum_max_version".into(), json!(""));
            p.insert("platform_compatibility".into(), json!(0));
            p.insert("autosave".into(), json!(0));
        }
        json!({ "patcher": Value::Object(p) })
    }
}

fn to_text(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("a patcher serializes") + "\n"
}

// ---------------------------------------------------------------------------------------------
// Help patchers

/// What a Max help patcher adds around an object: objects its messages need, where its
/// outlets go, a line on how to play.
#[derive(Debug, Clone, Copy, Default)]
pub struct MaxHelpExtras {
    pub intro: &'static str,
    /// Creation arguments shown in the object box (may be empty).
    pub creation: &'static str,
    /// Boxes placed below the object (`buffer~ drums 1000 2`, or a UI class such as `ezdac~`).
    pub objects: &'static [&'static str],
    /// Per outlet: chains of object boxes, the first fed by the outlet, each feeding the next.
    pub outlet_chains: &'static [&'static [&'static [&'static str]]],
    /// (outlet, index in `objects`, inlet): an outlet also feeds one of `objects`.
    pub outlet_to_objects: &'static [(usize, usize, usize)],
    /// Message boxes beyond the declared examples: (text, what it does).
    pub more_messages: &'static [(&'static str, &'static str)],
    /// Message boxes (by text) a [loadbang] clicks when the patcher opens.
    pub loadbang: &'static [&'static str],
    /// Boxes above the object feeding its inlet: (text, the outlets cabled to it).
    pub feeders: &'static [(&'static str, &'static [usize])],
    /// (index in `objects`, its outlet): one of `objects` feeds the object's inlet back (a
    /// display one clicks on).
    pub objects_to_inlet: &'static [(usize, usize)],
}

/// What the Max help patcher adds around `bandmate.groove`.
pub const GROOVE_MAX_HELP: MaxHelpExtras = MaxHelpExtras {
    intro: "Click 'score' / 'swing' / 'accent' (or 'tap' with velocities), then 'generate' or \
            'drumify', then 'play'. Notes go out as note-velocity pairs: to the Max Console and \
            through [midiformat 10] to [midiout] (General MIDI drums on channel 10). \
            'render drums' fills [buffer~ drums] below.",
    creation: "",
    objects: &["buffer~ drums 1000 2"],
    outlet_chains: &[
        &[&["print notes"], &["midiformat 10", "midiout"]],
        &[&["print info"]],
    ],
    outlet_to_objects: &[],
    more_messages: &[],
    loadbang: &[],
    feeders: &[],
    objects_to_inlet: &[],
};

/// What the Max help patcher adds around `bandmate.looper`.
pub const LOOPER_MAX_HELP: MaxHelpExtras = MaxHelpExtras {
    intro: "'corpus loops' reads the example loops beside this patcher (use a folder of your own \
            MIDI loops). Play a few bars in (or click the 'note' messages; a list from \
            [notein] works too), click 'seed', then 'play'. The info outlet says what is playing \
            and what is queued; 'next', 'hold' and 'queue N' change it. Notes leave as \
            note-velocity-channel lists for [noteout]. 'map' draws the corpus below (the \
            [jsui] reads bandmate.looper.map.js beside this patcher): click a place to play \
            what is there.",
    creation: "",
    objects: &["jsui bandmate.looper.map.js"],
    outlet_chains: &[&[&["print notes"], &["noteout"]], &[&["print info"]]],
    outlet_to_objects: &[(1, 0, 0)],
    more_messages: &[
        (
            "note 36 100 10",
            "note KEY VELOCITY [CHANNEL] - a kick you play (channel 10).",
        ),
        ("note 42 90 10", "another: a closed hat."),
        ("note 38 110 10", "another: a snare."),
    ],
    loadbang: &[],
    feeders: &[],
    objects_to_inlet: &[(0, 0)],
};

/// What the Max help patcher adds around `bandmate.frag~`.
pub const FRAG_MAX_HELP: MaxHelpExtras = MaxHelpExtras {
    intro: "Turn audio on with the speaker button. loop.wav (beside this patcher) is read into a \
            slot when it opens. 'array NAME' takes a copy of [buffer~ NAME]: fill buffer~ drums \
            with [bandmate.groove] ('generate' then 'render drums'). Each new fragment goes into \
            the oldest slot. Then trigger, loop, rate 1 0.5 (half-time).",
    creation: "",
    objects: &["buffer~ loop loop.wav", "buffer~ drums 1000 2", "ezdac~"],
    outlet_chains: &[&[], &[], &[&["print info"]]],
    outlet_to_objects: &[(0, 2, 0), (1, 2, 1)],
    more_messages: &[(
        "array loop",
        "array name [slot] - a copy of [buffer~ loop] (loop.wav, read by the buffer~) into the oldest slot.",
    )],
    loadbang: &["read loop.wav"],
    feeders: &[],
    objects_to_inlet: &[],
};

/// What the Max help patcher adds around `bandmate.taps~`.
pub const TAPS_MAX_HELP: MaxHelpExtras = MaxHelpExtras {
    intro: "Turn audio on and clap, knock or beatbox into the microphone ([adc~ 1] feeds the left \
            inlet): each tap goes to [bandmate.groove] below as 'tap VELOCITY AGO', placed at the \
            time it sounded. Then 'drumify' there.",
    creation: "",
    objects: &[],
    outlet_chains: &[
        &[
            &["print taps"],
            &["bandmate.groove @blocking 1", "print groove"],
        ],
        &[&["print info"]],
    ],
    outlet_to_objects: &[],
    more_messages: &[],
    loadbang: &[],
    feeders: &[],
    objects_to_inlet: &[],
};

/// What the Max help patcher adds around `bandmate.miditool`: the MIDI Tool objects it sits
/// between in a Generator or Transformation device.
pub const MIDITOOL_MAX_HELP: MaxHelpExtras = MaxHelpExtras {
    intro: "A Live 12 MIDI Tool: it runs inside a Generator or Transformation device \
            (bandmate-generate.amxd, bandmate-transform.amxd), between [live.miditool.in] \
            (notes and context into the inlet) and [live.miditool.out] (the left outlet). \
            Choose the tool and its settings here; Live sends the notes when you press Apply \
            in the clip's Transform or Generate tab, and the answer goes back at once. Outside \
            Live, [live.miditool.in] sends nothing.",
    creation: "",
    objects: &[],
    outlet_chains: &[&[&["live.miditool.out"]], &[&["print info"]]],
    outlet_to_objects: &[],
    more_messages: &[],
    loadbang: &[],
    feeders: &[("live.miditool.in", &[0, 1])],
    objects_to_inlet: &[],
};

/// The help patcher of `decl` for Max: every message as a clickable message box with its
/// example (connected to the object), its doc beside it, attributes noted, and every outlet
/// going somewhere visible or audible.
pub fn max_help(decl: &ObjectDecl, extras: &MaxHelpExtras) -> String {
    let mut p = Patch::default();
    let mut y = 10.0;
    y += p.comment(&format!("[{}] - {}", decl.name, decl.doc), 20.0, y, 960.0) + 6.0;
    if !extras.intro.is_empty() {
        y += p.comment(extras.intro, 20.0, y, 960.0) + 6.0;
    }
    let attrs: Vec<String> = decl.attributes().map(|m| format!("@{}", m.name)).collect();
    if !attrs.is_empty() {
        let example = decl
            .attributes()
            .find(|m| m.name == "tempo")
            .or_else(|| decl.attributes().next())
            .map(|m| format!("{} @{} {}", decl.name, m.name, m.example))
            .unwrap_or_default();
        let text = format!(
            "Attributes, also set at creation: {} (e.g. [{}]).",
            attrs.join(" "),
            example.trim()
        );
        y += p.comment(&text, 20.0, y, 960.0) + 6.0;
    }
    let loadbang = (!extras.loadbang.is_empty()).then(|| {
        let id = p.obj("loadbang", 20.0, y + 4.0);
        p.comment(
            &format!(
                "clicks '{}' when this patcher opens",
                extras.loadbang.join("', '")
            ),
            110.0,
            y + 4.0,
            400.0,
        );
        y += 36.0;
        id
    });
    y += 10.0;
    let mut shown: Vec<(String, String)> = Vec::new();
    let mut add = |p: &mut Patch, text: String, doc: String, y: &mut f64| {
        let (id, h) = p.msg(&text, 20.0, *y, 380.0);
        let hc = p.comment(&doc, 420.0, *y, 560.0);
        *y += h.max(hc) + 8.0;
        shown.push((text, id));
    };
    for m in decl.messages {
        // a message with no example that needs an argument comes from an object above (a
        // dictionary from live.miditool.in): no box of its own
        if m.example.is_empty() && m.args.iter().any(|a| !a.optional) {
            continue;
        }
        let text = format!("{} {}", m.name, m.example).trim().to_string();
        let mut doc = format!("{} - {}", usage(m), m.doc);
        if m.attribute() {
            doc.push_str(&format!(" (also @{} at creation)", m.name));
        }
        add(&mut p, text, doc, &mut y);
    }
    for (text, doc) in extras.more_messages {
        add(&mut p, text.to_string(), doc.to_string(), &mut y);
    }
    y += 10.0;
    let mut feeders: Vec<(String, &[usize])> = Vec::new();
    let obj_text = format!("{} {}", decl.name, extras.creation)
        .trim()
        .to_string();
    for (text, outlets) in extras.feeders {
        let id = p.obj(text, 420.0, y);
        p.comment(
            &format!("[{}]: its outlets {outlets:?} into the inlet", text),
            620.0,
            y,
            360.0,
        );
        y += 40.0;
        feeders.push((id, *outlets));
    }
    let obj = p.obj(&obj_text, 20.0, y);
    for (_, id) in &shown {
        p.connect(id, 0, &obj, 0);
    }
    for (id, outlets) in &feeders {
        for &o in *outlets {
            p.connect(id, o, &obj, 0);
        }
    }
    // An object that listens hears the sound card's first input.
    if decl.signal_inlets > 0 {
        let adc = p.obj("adc~ 1", 420.0, y);
        p.connect(&adc, 0, &obj, 0);
    }
    if let Some(lb) = loadbang {
        for t in extras.loadbang {
            let (_, id) = shown
                .iter()
                .find(|(text, _)| text == t)
                .unwrap_or_else(|| panic!("loadbang message '{t}' is not shown"));
            p.connect(&lb, 0, id, 0);
        }
    }
    y += 50.0;
    let mut bottom = y;
    for (i, o) in decl.outlets.iter().enumerate() {
        let x = 20.0 + 330.0 * i as f64;
        let mut py = y;
        for chain in extras.outlet_chains.get(i).copied().unwrap_or(&[]) {
            let (mut from, mut outlet) = (obj.clone(), i);
            for text in *chain {
                let id = p.obj(text, x, py);
                p.connect(&from, outlet, &id, 0);
                (from, outlet) = (id, 0);
                py += 36.0;
            }
        }
        let kind = if o.signal { " (signal)" } else { "" };
        let h = p.comment(
            &format!("outlet {}: {}{} - {}", i + 1, o.name, kind, o.doc),
            x,
            py + 4.0,
            310.0,
        );
        bottom = bottom.max(py + h + 10.0);
    }
    // Max's dumpout outlet, the rightmost: `getattr NAME` answers out of it.
    let h = p.comment(
        &format!(
            "outlet {}: dumpout - attribute values: getattr NAME answers NAME value",
            decl.outlets.len() + 1
        ),
        20.0 + 330.0 * decl.outlets.len() as f64,
        y + 4.0,
        310.0,
    );
    bottom = bottom.max(y + h + 10.0);
    y = bottom + 30.0;
    let mut extra_ids = Vec::new();
    for text in extras.objects {
        if let Some(file) = text.strip_prefix("jsui ") {
            extra_ids.push(p.jsui(file, 20.0, y, 220.0));
            y += 240.0;
        } else if UI_CLASSES.contains(text) {
            extra_ids.push(p.ui(text, [20.0, y, 45.0, 45.0]));
            y += 60.0;
        } else {
            extra_ids.push(p.obj(text, 20.0, y));
            y += 36.0;
        }
    }
    for &(outlet, k, inlet) in extras.outlet_to_objects {
        p.connect(&obj, outlet, &extra_ids[k], inlet);
    }
    for &(k, outlet) in extras.objects_to_inlet {
        p.connect(&extra_ids[k], outlet, &obj, 0);
    }
    // The loop and the model's reading, from the info outlet (the last declared one).
    let grids = bandmate_core::objects::entry(decl.name).map_or(&[][..], |e| e.help.grids);
    for g in grids {
        y += p.comment(g.doc, 20.0, y, 600.0) + 4.0;
        let (mut from, mut outlet) = (obj.clone(), decl.outlets.len() - 1);
        let mut rx = 660.0;
        for w in g.line {
            let r = p.obj(&format!("route {w}"), rx, y);
            p.connect(&from, outlet, &r, 0);
            (from, outlet) = (r, 0);
            rx += 90.0;
        }
        if g.rows.is_empty() {
            let m = p.multislider(g.len, g.range, [110.0, y, 480.0, 30.0]);
            p.connect(&from, outlet, &m, 0);
            y += 40.0;
        } else {
            let router = p.obj(&format!("route {}", g.rows.join(" ")), 660.0, y + 30.0);
            p.connect(&from, outlet, &router, 0);
            for (k, row) in g.rows.iter().enumerate() {
                p.comment(row, 20.0, y, 90.0);
                let m = p.multislider(g.len, g.range, [110.0, y, 480.0, 16.0]);
                p.connect(&router, k, &m, 0);
                y += 20.0;
            }
        }
        y += 10.0;
    }
    y += p.comment(
        "bandmate - drums from your gestures. Groove MIDI Dataset (Magenta, CC BY 4.0) trained \
         the bundled model. See docs/objects.md.",
        20.0,
        y + 10.0,
        960.0,
    );
    to_text(&p.patcher([40.0, 80.0, 1000.0, (y + 60.0).min(900.0)], false))
}

// ---------------------------------------------------------------------------------------------
// Max for Live devices

/// The words of a declared Choice argument (the voices of `mute`).
fn choice_words(decl: &ObjectDecl, message: &str, arg: usize) -> &'static [&'static str] {
    match decl.message(message).map(|m| m.args[arg].kind) {
        Some(Kind::Choice(words)) => words,
        _ => panic!("{}: {message} has no choice argument {arg}", decl.name),
    }
}

/// A live.text toggle parameter (names filled in by the caller).
fn toggle(on: f64) -> Param<'static> {
    Param {
        long: "",
        short: "",
        kind: 2,
        min: 0.0,
        max: 1.0,
        initial: Some(on),
        enums: &["off", "on"],
        unitstyle: None,
    }
}

/// Where the patching view puts the chain of control `c`: columns of 12.
fn column(c: usize) -> (f64, f64) {
    (
        20.0 + (c % 12) as f64 * 160.0,
        60.0 + (c / 12) as f64 * 200.0,
    )
}

/// The MIDI effect: [bandmate.groove] played from live.* controls, notes out to Live, MIDI in
/// taps the groove, Capture renders the loop for the audio device.
pub fn groove_device() -> Value {
    let mut p = Patch::default();
    let mut c = 0usize;
    // controls first, then their message boxes; the object below them all
    let mut wires: Vec<String> = Vec::new(); // message boxes into the object
    let button = Param {
        initial: None,
        ..toggle(0.0)
    };

    p.label(
        "bandmate.groove",
        [20.0, 10.0, 120.0, 18.0],
        [4.0, 2.0, 96.0, 18.0],
    );

    // swing: 50 % means no swing (the message with no argument), above it swing PERCENT
    let (x, y) = column(c);
    c += 1;
    let swing = p.live(
        "live.dial",
        "swing",
        Param {
            long: "Swing",
            short: "Swing",
            kind: 0,
            min: 50.0,
            max: 75.0,
            initial: Some(50.0),
            enums: &[],
            unitstyle: Some(5),
        },
        [x, y, 44.0, 48.0],
        [4.0, 20.0, 44.0, 48.0],
        json!({}),
    );
    let split = p.obj("split 50.1 75.", x, y + 60.0);
    p.connect(&swing, 0, &split, 0);
    let (on, _) = p.msg("swing $1", x, y + 100.0, 0.0);
    let (off, _) = p.msg("swing", x + 60.0, y + 130.0, 0.0);
    p.connect(&split, 0, &on, 0);
    p.connect(&split, 1, &off, 0);
    wires.push(on);
    wires.push(off);

    let (x, y) = column(c);
    c += 1;
    let temp = p.live(
        "live.dial",
        "temperature",
        Param {
            long: "Temperature",
            short: "Temp",
            kind: 0,
            min: 0.0,
            max: 2.0,
            initial: Some(1.0),
            enums: &[],
            unitstyle: Some(1),
        },
        [x, y, 44.0, 48.0],
        [52.0, 20.0, 44.0, 48.0],
        json!({}),
    );
    let (m, _) = p.msg("temperature $1", x, y + 100.0, 0.0);
    p.connect(&temp, 0, &m, 0);
    wires.push(m);

    // 8th-note swing: the swung grid new loops play on (50 % = straight, 66.7 = triplet)
    let (x, y) = column(c);
    c += 1;
    p.label(
        "swing8",
        [x, y - 30.0, 60.0, 18.0],
        [430.0, 2.0, 46.0, 18.0],
    );
    let swing8 = p.live(
        "live.numbox",
        "swing8",
        Param {
            long: "Swing 8ths",
            short: "Swing8",
            kind: 0,
            min: SWING_PERCENT_RANGE.0,
            max: SWING_PERCENT_RANGE.1,
            initial: Some(50.0),
            enums: &[],
            unitstyle: Some(5),
        },
        [x, y, 44.0, 15.0],
        [430.0, 20.0, 46.0, 15.0],
        json!({}),
    );
    let (m, _) = p.msg("swing8 $1", x, y + 100.0, 0.0);
    p.connect(&swing8, 0, &m, 0);
    wires.push(m);

    // accents: one toggle per step of the bar
    p.label("accent", [20.0, 30.0, 60.0, 18.0], [104.0, 2.0, 60.0, 18.0]);
    for step in 1..=16 {
        let (x, y) = column(c);
        c += 1;
        let long = format!("Accent {step}");
        let short = format!("Acc {step}");
        let t = p.live(
            "live.text",
            &format!("accent_{step}"),
            Param {
                long: &long,
                short: &short,
                ..toggle(0.0)
            },
            [x, y, 40.0, 15.0],
            [104.0 + (step - 1) as f64 * 20.0, 20.0, 18.0, 15.0],
            json!({ "text": step.to_string(), "texton": step.to_string() }),
        );
        let (m, _) = p.msg(&format!("accent_step {step} $1"), x, y + 100.0, 0.0);
        p.connect(&t, 0, &m, 0);
        wires.push(m);
    }

    // per voice: mute and keep
    for (v, voice) in choice_words(&GROOVE, "mute", 0).iter().enumerate() {
        let px = 104.0 + v as f64 * 40.0;
        let (lx, ly) = column(c);
        p.label(voice, [lx, ly - 30.0, 80.0, 18.0], [px, 40.0, 40.0, 18.0]);
        for (row, what) in ["mute", "keep"].iter().enumerate() {
            let (x, y) = column(c);
            c += 1;
            let long = format!("{} {voice}", if row == 0 { "Mute" } else { "Keep" });
            let t = p.live(
                "live.text",
                &format!("{what}_{voice}"),
                Param {
                    long: &long,
                    short: &long,
                    ..toggle(0.0)
                },
                [x, y, 40.0, 15.0],
                [px, 58.0 + row as f64 * 18.0, 36.0, 15.0],
                json!({ "text": what, "texton": what }),
            );
            let (m, _) = p.msg(&format!("{what} {voice} $1"), x, y + 100.0, 0.0);
            p.connect(&t, 0, &m, 0);
            wires.push(m);
        }
    }

    // style: a menu under the dials, "any" first (no style)
    let (x, y) = column(c);
    c += 1;
    let mut style_items = vec!["any"];
    style_items.extend(STYLES);
    let menu = p.live(
        "live.menu",
        "style",
        Param {
            long: "Style",
            short: "Style",
            kind: 2,
            min: 0.0,
            max: STYLES.len() as f64,
            initial: Some(0.0),
            enums: &style_items,
            unitstyle: None,
        },
        [x, y, 80.0, 16.0],
        [4.0, 76.0, 92.0, 16.0],
        json!({}),
    );
    let choices: Vec<String> = (0..style_items.len()).map(|i| i.to_string()).collect();
    let sel = p.obj(&format!("select {}", choices.join(" ")), x, y + 40.0);
    p.connect(&menu, 0, &sel, 0);
    for (k, name) in style_items.iter().enumerate() {
        let text = if k == 0 {
            "style".to_string()
        } else {
            format!("style {name}")
        };
        let (m, _) = p.msg(
            &text,
            x + (k % 5) as f64 * 70.0,
            y + 80.0 + (k / 5) as f64 * 24.0,
            0.0,
        );
        p.connect(&sel, k, &m, 0);
        wires.push(m);
    }

    // buttons
    let buttons = [
        ("Generate", "generate"),
        ("Vary", "vary"),
        ("Drumify", "drumify"),
        ("Humanize", "humanize"),
        ("Capture", "render bandmate.capture"),
        ("Fill", "fill"),
    ];
    for (i, (name, message)) in buttons.iter().enumerate() {
        let (x, y) = column(c);
        c += 1;
        let b = p.live(
            "live.text",
            &name.to_lowercase(),
            Param {
                long: name,
                short: name,
                ..button
            },
            [x, y, 60.0, 18.0],
            [4.0 + i as f64 * 72.0, 100.0, 68.0, 18.0],
            json!({ "mode": 0, "text": name, "texton": name }),
        );
        let (m, _) = p.msg(message, x, y + 100.0, 0.0);
        p.connect(&b, 0, &m, 0);
        wires.push(m);
    }

    // MIDI in: velocities tap the groove; all MIDI passes through while Thru is on
    let (x, y) = column(c);
    c += 1;
    let thru = p.live(
        "live.text",
        "midi_thru",
        Param {
            long: "MIDI Thru",
            short: "Thru",
            ..toggle(1.0)
        },
        [x, y, 60.0, 18.0],
        [364.0, 100.0, 60.0, 18.0],
        json!({ "text": "MIDI thru", "texton": "MIDI thru" }),
    );
    // drums that listen: what is played over the last two bars becomes the next loop's groove
    let (x, y) = column(c);
    c += 1;
    let listen = p.live(
        "live.text",
        "listen",
        Param {
            long: "Listen",
            short: "Listen",
            ..toggle(0.0)
        },
        [x, y, 60.0, 18.0],
        [428.0, 100.0, 48.0, 18.0],
        json!({ "text": "Listen", "texton": "Listen" }),
    );
    let (m, _) = p.msg("listen $1", x, y + 100.0, 0.0);
    p.connect(&listen, 0, &m, 0);
    wires.push(m);

    let rows = c.div_ceil(12) as f64;
    let gy = 60.0 + rows * 200.0 + 40.0;
    let midiin = p.obj("midiin", 20.0, gy - 40.0);
    let parse = p.obj("midiparse", 20.0, gy);
    let unpack = p.obj("unpack 0 0", 20.0, gy + 40.0);
    let (tap, _) = p.msg("tap $1", 20.0, gy + 80.0, 0.0);
    p.connect(&midiin, 0, &parse, 0);
    p.connect(&parse, 0, &unpack, 0);
    p.connect(&unpack, 1, &tap, 0);
    wires.push(tap);
    let gate = p.obj("gate 1 1", 160.0, gy);
    p.connect(&thru, 0, &gate, 0);
    p.connect(&midiin, 0, &gate, 1);

    let groove = p.obj(GROOVE.name, 400.0, gy + 140.0);
    for m in &wires {
        p.connect(m, 0, &groove, 0);
    }
    let fmt = p.obj("midiformat 10", 400.0, gy + 200.0);
    let out = p.obj("midiout", 400.0, gy + 240.0);
    p.connect(&groove, 0, &fmt, 0);
    p.connect(&fmt, 0, &out, 0);
    p.connect(&gate, 0, &out, 0);
    // info: to the console; 'rendered' hands the capture to bandmate-frag
    let print = p.obj("print bandmate.groove", 700.0, gy + 200.0);
    p.connect(&groove, 1, &print, 0);
    let route = p.obj("route rendered", 560.0, gy + 200.0);
    p.connect(&groove, 1, &route, 0);
    let bang = p.obj("trigger b", 560.0, gy + 240.0);
    p.connect(&route, 0, &bang, 0);
    let (array, _) = p.msg("array bandmate.capture", 560.0, gy + 280.0, 0.0);
    p.connect(&bang, 0, &array, 0);
    let send = p.obj("send bandmate.frag", 560.0, gy + 320.0);
    p.connect(&array, 0, &send, 0);
    p.obj("buffer~ bandmate.capture 1000 2", 760.0, gy + 320.0);
    p.comment(
        "bandmate.groove follows Live's transport (Max's global transport) by itself: press \
         Play in Live, nothing to wire for sync. Notes you play tap the groove (velocity 0, a \
         note-off, is ignored); with MIDI thru on they pass on too. With Listen on, what you play \
         over the last two bars becomes the groove of the next loop, drumified while this one \
         plays and switched at the bar line (docs/live.md). Capture renders the loop into \
         the global [buffer~ bandmate.capture]; when the object reports 'rendered', the \
         bandmate-frag device takes a copy (array bandmate.capture over [send bandmate.frag]).",
        20.0,
        gy + 380.0,
        700.0,
    );
    p.label(
        "Follows Live's transport. Play notes to tap. Capture: to bandmate-frag.",
        [20.0, gy + 460.0, 460.0, 18.0],
        [4.0, 126.0, 460.0, 18.0],
    );
    p.patcher([100.0, 100.0, 1960.0, 900.0], true)
}

/// The chord progressions the accompanist device offers (in C; its Key menu transposes them):
/// (menu item, the `chords` message's track).
pub const PROGRESSIONS: [(&str, &str); 8] = [
    ("I vi ii V", "C:maj7 A:min7 D:min7 G:7"),
    ("I V vi IV", "C:maj G:maj A:min F:maj"),
    ("ii V I", "D:min7 G:7 C:maj7 C:maj7"),
    ("vi IV I V", "A:min F:maj C:maj G:maj"),
    ("I IV I V", "C:maj F:maj C:maj G:7"),
    ("i iv V i", "A:min D:min E:7 A:min"),
    ("I7 IV7 I7 V7", "C:7 F:7 C:7 G:7"),
    ("I bVI bVII I", "C:maj Ab:maj Bb:maj C:maj"),
];

/// The accompanist as a MIDI effect: [bandmate.accomp] over a progression (menu) in a key
/// (menu), following Live's transport; the notes played into the track are heard (and pass
/// through to the instrument); bass and inner voices out with them.
pub fn accomp_device() -> Value {
    let mut p = Patch::default();
    let mut c = 0usize;
    let mut wires: Vec<String> = Vec::new();
    p.label(
        "bandmate.accomp",
        [20.0, 10.0, 120.0, 18.0],
        [4.0, 2.0, 120.0, 18.0],
    );

    // the progression: one chord a bar, repeated
    let (x, y) = column(c);
    c += 1;
    let items: Vec<&str> = PROGRESSIONS.iter().map(|p| p.0).collect();
    let menu = p.live(
        "live.menu",
        "progression",
        Param {
            long: "Progression",
            short: "Chords",
            kind: 2,
            min: 0.0,
            max: (PROGRESSIONS.len() - 1) as f64,
            initial: Some(0.0),
            enums: &items,
            unitstyle: None,
        },
        [x, y, 100.0, 16.0],
        [4.0, 22.0, 100.0, 16.0],
        json!({}),
    );
    let choices: Vec<String> = (0..PROGRESSIONS.len()).map(|i| i.to_string()).collect();
    let sel = p.obj(&format!("select {}", choices.join(" ")), x, y + 40.0);
    p.connect(&menu, 0, &sel, 0);
    for (k, (_, track)) in PROGRESSIONS.iter().enumerate() {
        let (m, _) = p.msg(
            &format!("chords {track}"),
            x,
            y + 70.0 + k as f64 * 24.0,
            0.0,
        );
        p.connect(&sel, k, &m, 0);
        wires.push(m);
    }

    // the key: the progression transposed up from C
    let (x, y) = column(c + 1);
    c += 2;
    let keys = [
        "C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B",
    ];
    let key = p.live(
        "live.menu",
        "key",
        Param {
            long: "Key",
            short: "Key",
            kind: 2,
            min: 0.0,
            max: 11.0,
            initial: Some(0.0),
            enums: &keys,
            unitstyle: None,
        },
        [x, y, 50.0, 16.0],
        [108.0, 22.0, 44.0, 16.0],
        json!({}),
    );
    let (m, _) = p.msg("transpose $1", x, y + 100.0, 0.0);
    p.connect(&key, 0, &m, 0);
    wires.push(m);

    // how far ahead it generates (and how late it hears you)
    let (x, y) = column(c);
    c += 1;
    let ahead = ["0.5", "1", "2", "4"];
    let menu = p.live(
        "live.menu",
        "ahead",
        Param {
            long: "Ahead (beats)",
            short: "Ahead",
            kind: 2,
            min: 0.0,
            max: 3.0,
            initial: Some(1.0),
            enums: &ahead,
            unitstyle: None,
        },
        [x, y, 50.0, 16.0],
        [156.0, 22.0, 44.0, 16.0],
        json!({}),
    );
    let sel = p.obj("select 0 1 2 3", x, y + 40.0);
    p.connect(&menu, 0, &sel, 0);
    for (k, beats) in ahead.iter().enumerate() {
        let (m, _) = p.msg(
            &format!("delta2 {beats}"),
            x,
            y + 70.0 + k as f64 * 24.0,
            0.0,
        );
        p.connect(&sel, k, &m, 0);
        wires.push(m);
    }

    // harmony and temperature
    for (k, (name, long, min, max, initial)) in [
        ("harmony", "Harmony", 0.0, 1.0, DEFAULT_HARMONY),
        ("temperature", "Temperature", 0.0, 2.0, DEFAULT_TEMPERATURE),
    ]
    .into_iter()
    .enumerate()
    {
        let (x, y) = column(c);
        c += 1;
        let dial = p.live(
            "live.dial",
            name,
            Param {
                long,
                short: &long[..4],
                kind: 0,
                min,
                max,
                initial: Some(initial),
                enums: &[],
                unitstyle: Some(1),
            },
            [x, y, 44.0, 48.0],
            [4.0 + k as f64 * 50.0, 44.0, 44.0, 48.0],
            json!({}),
        );
        let (m, _) = p.msg(&format!("{name} $1"), x, y + 100.0, 0.0);
        p.connect(&dial, 0, &m, 0);
        wires.push(m);
    }

    // the parts and listening
    for (k, (name, long, message)) in [
        ("bass", "Bass", "part bass $1"),
        ("inner", "Inner voices", "part inner $1"),
        ("listen", "Listen", "listen $1"),
    ]
    .into_iter()
    .enumerate()
    {
        let (x, y) = column(c);
        c += 1;
        let t = p.live(
            "live.text",
            name,
            Param {
                long,
                short: long,
                ..toggle(1.0)
            },
            [x, y, 60.0, 18.0],
            [108.0, 44.0 + k as f64 * 20.0, 92.0, 18.0],
            json!({ "text": long, "texton": long }),
        );
        let (m, _) = p.msg(message, x, y + 100.0, 0.0);
        p.connect(&t, 0, &m, 0);
        wires.push(m);
    }

    // chords played: from the progression menu or the left hand (below C3, Live's middle C); a
    // button records four bars of them and loops them
    let (x, y) = column(c);
    c += 1;
    let sources = ["menu", "left hand"];
    let menu = p.live(
        "live.menu",
        "chords_in",
        Param {
            long: "Chords from",
            short: "From",
            kind: 2,
            min: 0.0,
            max: 1.0,
            initial: Some(0.0),
            enums: &sources,
            unitstyle: None,
        },
        [x, y, 70.0, 16.0],
        [4.0, 106.0, 70.0, 16.0],
        json!({}),
    );
    let sel = p.obj("select 0 1", x, y + 40.0);
    p.connect(&menu, 0, &sel, 0);
    for (k, split) in [0, 60].iter().enumerate() {
        let (m, _) = p.msg(
            &format!("chordsplit {split}"),
            x,
            y + 70.0 + k as f64 * 24.0,
            0.0,
        );
        p.connect(&sel, k, &m, 0);
        wires.push(m);
    }
    let (x, y) = column(c);
    c += 1;
    let rec = p.live(
        "live.text",
        "chordrec",
        Param {
            long: "Record chords",
            short: "Rec",
            initial: None,
            ..toggle(0.0)
        },
        [x, y, 60.0, 16.0],
        [78.0, 106.0, 60.0, 16.0],
        json!({ "mode": 0, "text": "rec 4 bars", "texton": "rec 4 bars" }),
    );
    let (m, _) = p.msg("chordrec 4", x, y + 100.0, 0.0);
    p.connect(&rec, 0, &m, 0);
    wires.push(m);

    let rows = c.div_ceil(12) as f64;
    let gy = 60.0 + rows * 200.0 + 200.0;
    // MIDI in: the notes played are heard, and pass on to the instrument
    let midiin = p.obj("midiin", 20.0, gy - 40.0);
    let parse = p.obj("midiparse", 20.0, gy);
    p.connect(&midiin, 0, &parse, 0);
    let accomp = p.obj(ACCOMP.name, 400.0, gy + 140.0);
    let (note, _) = p.msg("note $1 $2", 20.0, gy + 40.0, 0.0);
    p.connect(&parse, 0, &note, 0);
    p.connect(&note, 0, &accomp, 0);
    for m in &wires {
        p.connect(m, 0, &accomp, 0);
    }
    // notes out: each on its part's channel (set first: a trigger fires right to left)
    let t = p.obj("trigger l l", 400.0, gy + 200.0);
    let unpack = p.obj("unpack 0 0 0", 520.0, gy + 240.0);
    let fmt = p.obj("midiformat", 400.0, gy + 280.0);
    let out = p.obj("midiout", 400.0, gy + 320.0);
    p.connect(&accomp, 0, &t, 0);
    p.connect(&t, 1, &unpack, 0);
    p.connect(&unpack, 2, &fmt, 6);
    p.connect(&t, 0, &fmt, 0);
    p.connect(&fmt, 0, &out, 0);
    p.connect(&midiin, 0, &out, 0);
    let print = p.obj("print bandmate.accomp", 700.0, gy + 200.0);
    p.connect(&accomp, 1, &print, 0);
    p.comment(
        "bandmate.accomp follows Live's transport by itself: press Play in Live. It plays a \
         bass line (channel 2) and inner voices (channel 3) over the progression, one chord a \
         bar from the song's first bar, in the key chosen. The notes you play into the track \
         pass on to the instrument, and with Listen on they are heard a chunk later (Ahead, in \
         beats) and shape what it plays next. Harmony: how strictly it keeps to the chord's \
         tones (docs/live.md). Chords from: the menu's progression, or the chords you hold \
         with the left hand (below C3); those are heard a few beats late, so 'rec 4 bars' records four bars of them from the next bar line and loops \
         them, on time. Late chunks and errors go to Max's console.",
        20.0,
        gy + 380.0,
        700.0,
    );
    p.label(
        "Follows Live's transport. Play into the track: it listens.",
        [20.0, gy + 460.0, 460.0, 18.0],
        [4.0, 126.0, 300.0, 18.0],
    );
    p.patcher([100.0, 100.0, 1960.0, 900.0], true)
}

/// The audio effect: Live's audio passes through, [bandmate.frag~ 4] plays on top, with
/// trigger / loop / rate / gain per slot; fragments arrive from bandmate-groove's Capture.
pub fn frag_device() -> Value {
    let mut p = Patch::default();
    let slots = 4;
    let mut wires = Vec::new();
    p.label(
        "bandmate.frag~",
        [20.0, 10.0, 120.0, 18.0],
        [4.0, 2.0, 120.0, 18.0],
    );
    for s in 1..=slots {
        let x = 20.0 + (s - 1) as f64 * 300.0;
        let px = 4.0 + (s - 1) as f64 * 72.0;
        p.label(
            &format!("slot {s}"),
            [x, 40.0, 60.0, 18.0],
            [px, 22.0, 64.0, 18.0],
        );
        let name = format!("Play {s}");
        let b = p.live(
            "live.text",
            &format!("play_{s}"),
            Param {
                long: &name,
                short: &name,
                initial: None,
                ..toggle(0.0)
            },
            [x, 70.0, 60.0, 16.0],
            [px, 40.0, 64.0, 16.0],
            json!({ "mode": 0, "text": "play", "texton": "play" }),
        );
        let (m, _) = p.msg(&format!("trigger {s}"), x, 270.0, 0.0);
        p.connect(&b, 0, &m, 0);
        wires.push(m);

        let name = format!("Loop {s}");
        let t = p.live(
            "live.text",
            &format!("loop_{s}"),
            Param {
                long: &name,
                short: &name,
                ..toggle(0.0)
            },
            [x + 70.0, 70.0, 60.0, 16.0],
            [px, 60.0, 64.0, 16.0],
            json!({ "text": "loop", "texton": "loop" }),
        );
        let sel = p.obj("select 0 1", x + 70.0, 240.0);
        p.connect(&t, 0, &sel, 0);
        // off: the loop switch off too (else a later Play would still loop), and a fade
        let (stop, _) = p.msg(&format!("stop {s}"), x + 70.0, 300.0, 0.0);
        let (unloop, _) = p.msg(&format!("loop {s} 0"), x + 70.0, 360.0, 0.0);
        let (lp, _) = p.msg(&format!("loop {s}"), x + 70.0, 330.0, 0.0);
        p.connect(&sel, 0, &stop, 0);
        p.connect(&sel, 0, &unloop, 0);
        p.connect(&sel, 1, &lp, 0);
        wires.push(stop);
        wires.push(unloop);
        wires.push(lp);

        let name = format!("Rate {s}");
        let menu = p.live(
            "live.menu",
            &format!("rate_{s}"),
            Param {
                long: &name,
                short: &name,
                kind: 2,
                min: 0.0,
                max: 2.0,
                initial: Some(0.0),
                enums: &["1", "1/2", "1/4"],
                unitstyle: None,
            },
            [x + 140.0, 70.0, 60.0, 16.0],
            [px, 80.0, 64.0, 16.0],
            json!({}),
        );
        let sel = p.obj("select 0 1 2", x + 140.0, 240.0);
        p.connect(&menu, 0, &sel, 0);
        for (k, rate) in ["1", "0.5", "0.25"].iter().enumerate() {
            let (m, _) = p.msg(
                &format!("rate {s} {rate}"),
                x + 140.0,
                300.0 + k as f64 * 30.0,
                0.0,
            );
            p.connect(&sel, k, &m, 0);
            wires.push(m);
        }

        let name = format!("Gain {s}");
        let dial = p.live(
            "live.dial",
            &format!("gain_{s}"),
            Param {
                long: &name,
                short: &name,
                kind: 0,
                min: 0.0,
                max: 2.0,
                initial: Some(1.0),
                enums: &[],
                unitstyle: Some(1),
            },
            [x + 220.0, 70.0, 44.0, 48.0],
            [px, 98.0, 44.0, 48.0],
            json!({}),
        );
        let (m, _) = p.msg(&format!("gain {s} $1"), x + 220.0, 300.0, 0.0);
        p.connect(&dial, 0, &m, 0);
        wires.push(m);
    }
    // Fragments from words: type a prompt (Enter sends it), then Generate; Cancel stops a
    // text-to-audio model's generation (docs/text-to-audio.md)
    p.label(
        "prompt (Enter), then Generate",
        [1220.0, 40.0, 200.0, 18.0],
        [300.0, 4.0, 200.0, 18.0],
    );
    let mut field = Patch::base(
        "textedit",
        standard_io("textedit").unwrap(),
        [1220.0, 70.0, 220.0, 40.0],
    );
    field.insert("presentation".into(), json!(1));
    field.insert(
        "presentation_rect".into(),
        json!([300.0, 22.0, 220.0, 60.0]),
    );
    field.insert("keymode".into(), json!(1));
    field.insert("parameter_enable".into(), json!(0));
    let field = p.push(field);
    let text = p.obj("route text", 1220.0, 240.0);
    let prompt = p.obj("prepend prompt", 1220.0, 300.0);
    p.connect(&field, 0, &text, 0);
    p.connect(&text, 0, &prompt, 0);
    wires.push(prompt);
    for (k, (name, what)) in [("Generate", "generate"), ("Cancel", "cancel")]
        .into_iter()
        .enumerate()
    {
        let b = p.live(
            "live.text",
            &format!("frag_{what}"),
            Param {
                long: name,
                short: name,
                initial: None,
                ..toggle(0.0)
            },
            [1220.0 + k as f64 * 80.0, 130.0, 70.0, 16.0],
            [300.0 + k as f64 * 112.0, 90.0, 106.0, 20.0],
            json!({ "mode": 0, "text": what, "texton": what }),
        );
        let (m, _) = p.msg(what, 1220.0 + k as f64 * 80.0, 360.0, 0.0);
        p.connect(&b, 0, &m, 0);
        wires.push(m);
    }
    let recv = p.obj("receive bandmate.frag", 20.0, 420.0);
    let frag = p.obj(&format!("{} {slots}", FRAG.name), 20.0, 480.0);
    p.connect(&recv, 0, &frag, 0);
    for m in &wires {
        p.connect(m, 0, &frag, 0);
    }
    let print = p.obj("print bandmate.frag~", 300.0, 540.0);
    p.connect(&frag, 2, &print, 0);
    // Live's audio passes through; the slots play on top
    let input = p.obj("plugin~", 20.0, 540.0);
    let left = p.obj("+~", 20.0, 600.0);
    let right = p.obj("+~", 120.0, 600.0);
    let output = p.obj("plugout~", 20.0, 660.0);
    p.connect(&input, 0, &left, 0);
    p.connect(&input, 1, &right, 0);
    p.connect(&frag, 0, &left, 1);
    p.connect(&frag, 1, &right, 1);
    p.connect(&left, 0, &output, 0);
    p.connect(&right, 0, &output, 1);
    p.comment(
        "Fragments arrive from the bandmate-groove device's Capture button: it renders into the \
         global [buffer~ bandmate.capture] and sends 'array bandmate.capture' to [receive \
         bandmate.frag]; each goes into the oldest slot. Live's audio passes through.",
        300.0,
        420.0,
        600.0,
    );
    p.label(
        "Fragments from bandmate-groove's Capture.",
        [300.0, 600.0, 290.0, 18.0],
        [4.0, 148.0, 290.0, 18.0],
    );
    p.patcher([100.0, 100.0, 1300.0, 760.0], true)
}

/// A Live 12 MIDI Tool device around [bandmate.miditool]: a Generator (generate, fill, infill)
/// or a Transformation (humanize, swing, accent, drumify). Live's notes and context go from
/// [live.miditool.in] into the object, its answer to [live.miditool.out]. Every control sets
/// the object and then bangs [live.miditool.in] ([trigger b ...], right to left), so with
/// Live's Auto Apply on, a turn of a dial re-applies the tool at once.
pub fn miditool_device(generator: bool) -> Value {
    let mut p = Patch::default();
    let decl = &bandmate_core::objects::MIDITOOL;
    let tools: &[&str] = if generator {
        &["generate", "fill", "infill"]
    } else {
        &["humanize", "swing", "accent", "drumify"]
    };
    let title = if generator {
        "bandmate Generate"
    } else {
        "bandmate Transform"
    };
    p.label(title, [20.0, 10.0, 150.0, 18.0], [4.0, 2.0, 150.0, 18.0]);
    let input = p.obj("live.miditool.in", 20.0, 520.0);
    let tool = p.obj(decl.name, 20.0, 580.0);
    let output = p.obj("live.miditool.out", 20.0, 640.0);
    let print = p.obj("print bandmate.miditool", 300.0, 640.0);
    p.connect(&input, 0, &tool, 0);
    p.connect(&input, 1, &tool, 0);
    p.connect(&tool, 0, &output, 0);
    p.connect(&tool, 1, &print, 0);
    // MIDI passes through, as in Live's own MIDI Tool templates
    let midiin = p.obj("midiin", 500.0, 520.0);
    let midiout = p.obj("midiout", 500.0, 580.0);
    p.connect(&midiin, 0, &midiout, 0);

    // a menu of words: each choice sends 'MESSAGE WORD' ("" for the first: the message alone),
    // then re-applies
    let mut col = 0;
    let mut menu = |p: &mut Patch, long: &str, message: &str, words: &[&str], initial: f64| {
        let x = 20.0 + col as f64 * 160.0;
        let px = 4.0 + col as f64 * 78.0;
        col += 1;
        let m = p.live(
            "live.menu",
            &long.to_lowercase().replace(' ', "_"),
            Param {
                long,
                short: long,
                kind: 2,
                min: 0.0,
                max: words.len() as f64 - 1.0,
                initial: Some(initial),
                enums: words,
                unitstyle: None,
            },
            [x, 60.0, 80.0, 16.0],
            [px, 40.0, 74.0, 16.0],
            json!({}),
        );
        p.label(long, [x, 40.0, 80.0, 18.0], [px, 22.0, 74.0, 18.0]);
        let t = p.obj("trigger b i", x, 100.0);
        p.connect(&m, 0, &t, 0);
        p.connect(&t, 0, &input, 0);
        let sel = p.obj(
            &format!(
                "select {}",
                (0..words.len())
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            x,
            140.0,
        );
        p.connect(&t, 1, &sel, 0);
        for (k, w) in words.iter().enumerate() {
            let text = if *w == "any" {
                message.to_string()
            } else {
                format!("{message} {w}")
            };
            let (b, _) = p.msg(&text, x, 180.0 + k as f64 * 24.0, 0.0);
            p.connect(&sel, k, &b, 0);
            p.connect(&b, 0, &tool, 0);
        }
    };
    menu(&mut p, "Tool", "tool", tools, 0.0);
    let mut styles = vec!["any"];
    styles.extend(bandmate_core::groove::STYLES);
    if generator {
        menu(&mut p, "Fill beats", "beats", &["1", "2", "3", "4"], 3.0);
    } else {
        menu(
            &mut p,
            "Accents",
            "accents",
            &bandmate_core::miditool::ACCENT_PATTERNS,
            0.0,
        );
    }
    menu(&mut p, "Style", "style", &styles, 0.0);

    // dials: each sends 'MESSAGE $1', then re-applies
    let dials: Vec<(&str, &str, f64, f64, f64, u8, u8)> = if generator {
        vec![
            ("Temperature", "temperature", 0.0, 2.0, 1.0, 0, 1),
            ("Seed", "seed", 1.0, 999.0, 1.0, 1, 0),
        ]
    } else {
        vec![
            ("Temperature", "temperature", 0.0, 2.0, 1.0, 0, 1),
            ("Seed", "seed", 1.0, 999.0, 1.0, 1, 0),
            ("Swing", "swing", 50.0, 75.0, 58.0, 0, 5),
            ("Boost", "boost", 1.0, 2.0, 1.25, 0, 1),
        ]
    };
    for (k, (long, message, min, max, initial, kind, unit)) in dials.into_iter().enumerate() {
        let x = 20.0 + (4 + k) as f64 * 160.0;
        let px = 4.0 + k as f64 * 50.0;
        let d = p.live(
            "live.dial",
            &long.to_lowercase(),
            Param {
                long,
                short: long,
                kind,
                min,
                max,
                initial: Some(initial),
                enums: &[],
                unitstyle: (unit > 0).then_some(unit),
            },
            [x, 60.0, 44.0, 48.0],
            [px, 64.0, 44.0, 48.0],
            json!({}),
        );
        let t = p.obj(
            if kind == 1 {
                "trigger b i"
            } else {
                "trigger b f"
            },
            x,
            120.0,
        );
        p.connect(&d, 0, &t, 0);
        p.connect(&t, 0, &input, 0);
        let (m, _) = p.msg(&format!("{message} $1"), x, 160.0, 0.0);
        p.connect(&t, 1, &m, 0);
        p.connect(&m, 0, &tool, 0);
    }
    p.comment(
        "Live sends the clip's notes and its time selection when you Apply (or turn a control \
         with Auto Apply on); [bandmate.miditool] answers at once with the notes Live takes \
         back. Errors (and why the clip was left as it was) go to the Max Console.",
        300.0,
        520.0,
        500.0,
    );
    let mut v = p.patcher([100.0, 100.0, 1400.0, 760.0], true);
    // Live files a MIDI Tool by the device type in the patcher's project ('nagg' a Generator,
    // 'natt' a Transformation, as a big-endian number), as in the amxd's own header
    let code = if generator { *b"nagg" } else { *b"natt" };
    v["patcher"]["project"] = json!({
        "version": 1,
        "amxdtype": u32::from_be_bytes(code),
        "readonly": 0,
        "devpathtype": 0,
        "devpath": ".",
        "sortmode": 0,
        "viewmode": 0,
        "includepackages": 0,
    });
    v
}

// ---------------------------------------------------------------------------------------------
// The .amxd container

/// A Max for Live device file: chunks of a 4-byte id, a u32 little-endian length and the data,
/// as Max writes them and Ableton's own reader (maxdevtools `maxdiff/amxd_textconv.py`) reads
/// them: `ampf` (the device type: `aaaa` audio effect, `iiii` instrument, `mmmm` MIDI effect,
/// `nagg` a Live 12 MIDI Tool Generator, `natt` a MIDI Tool Transformation), `meta` (4 bytes
/// whose meaning is not documented: Ableton's shipped CPU Reporter device has 0, their test
/// device 1; here 0), `ptch` (the patcher JSON, NUL-terminated, the NUL counted
/// in the length). Frozen devices put an `mx@c` archive in `ptch` instead; we write none.
pub fn amxd(device_type: &[u8; 4], patcher_json: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(patcher_json.len() + 40);
    let mut chunk = |id: &[u8; 4], data: &[u8]| {
        out.extend_from_slice(id);
        out.extend_from_slice(&(data.len() as u32).to_le_bytes());
        out.extend_from_slice(data);
    };
    chunk(b"ampf", device_type);
    chunk(b"meta", &[0, 0, 0, 0]);
    let mut ptch = patcher_json.as_bytes().to_vec();
    ptch.push(0);
    chunk(b"ptch", &ptch);
    out
}

/// Read an `.amxd`: its device type and patcher JSON. Frozen (`mx@c`) and encrypted (`ciph`)
/// devices are refused.
pub fn parse_amxd(bytes: &[u8]) -> Result<([u8; 4], String)> {
    let bad = |what: String| Error::invalid(format!("not a Max for Live device: {what}"));
    let mut rest = bytes;
    let mut kind: Option<[u8; 4]> = None;
    let mut json: Option<String> = None;
    while !rest.is_empty() {
        if rest.len() < 8 {
            return Err(bad(format!("{} stray bytes at the end", rest.len())));
        }
        let id: [u8; 4] = rest[..4].try_into().expect("4 bytes");
        let len = u32::from_le_bytes(rest[4..8].try_into().expect("4 bytes")) as usize;
        let data = rest
            .get(8..8 + len)
            .ok_or_else(|| bad(format!("chunk '{}' is cut short", id.escape_ascii())))?;
        rest = &rest[8 + len..];
        match &id {
            b"ampf" => {
                if kind.is_some() || json.is_some() {
                    return Err(bad("'ampf' is not the first chunk".into()));
                }
                kind = Some(
                    data.try_into()
                        .map_err(|_| bad(format!("'ampf' holds {len} bytes, not 4")))?,
                );
            }
            _ if kind.is_none() => {
                return Err(bad(format!(
                    "starts with '{}', not 'ampf'",
                    id.escape_ascii()
                )))
            }
            b"ciph" => return Err(bad("the device is encrypted".into())),
            b"ptch" => {
                if data.starts_with(b"mx@c") {
                    return Err(bad("the device is frozen (mx@c)".into()));
                }
                let end = data.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
                let text = std::str::from_utf8(&data[..end])
                    .map_err(|e| bad(format!("the patcher is not UTF-8 ({e})")))?;
                json = Some(text.to_string());
            }
            _ => {} // meta and chunks we do not need
        }
    }
    match (kind, json) {
        (Some(k), Some(j)) => Ok((k, j)),
        (None, _) => Err(bad("no 'ampf' chunk".into())),
        (_, None) => Err(bad("no 'ptch' chunk".into())),
    }
}

/// What the Max help patcher of the object called `name` adds (nothing special for an object
/// without an entry here: its messages and outlets alone).
pub fn max_help_extras(name: &str) -> MaxHelpExtras {
    [
        ("bandmate.groove", GROOVE_MAX_HELP),
        ("bandmate.looper", LOOPER_MAX_HELP),
        ("bandmate.frag~", FRAG_MAX_HELP),
        ("bandmate.taps~", TAPS_MAX_HELP),
        ("bandmate.miditool", MIDITOOL_MAX_HELP),
    ]
    .into_iter()
    .find(|(n, _)| *n == name)
    .map_or_else(MaxHelpExtras::default, |(_, x)| x)
}

/// Every generated file of `patches/max/`, by name: a help patcher per registered object, and
/// the Max for Live devices.
pub fn generated_files() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = objects()
        .map(|d| {
            (
                format!("{}.maxhelp", d.name),
                max_help(d, &max_help_extras(d.name)).into_bytes(),
            )
        })
        .collect();
    v.push((
        "bandmate-groove.amxd".into(),
        amxd(b"mmmm", &to_text(&groove_device())),
    ));
    v.push((
        "bandmate-frag.amxd".into(),
        amxd(b"aaaa", &to_text(&frag_device())),
    ));
    v.push((
        "bandmate-accomp.amxd".into(),
        amxd(b"mmmm", &to_text(&accomp_device())),
    ));
    // Live 12 MIDI Tools: the device type 'nagg' (Generator) and 'natt' (Transformation)
    v.push((
        "bandmate-generate.amxd".into(),
        amxd(b"nagg", &to_text(&miditool_device(true))),
    ));
    v.push((
        "bandmate-transform.amxd".into(),
        amxd(b"natt", &to_text(&miditool_device(false))),
    ));
    v
}

// ---------------------------------------------------------------------------------------------
// Checking patchers

/// The class of a patcher box (`b` is the object under `"box"`): the first word of an object
/// box's text, else its `maxclass` (message, comment, live.dial...).
pub fn box_class(b: &Value) -> String {
    let maxclass = b["maxclass"].as_str().unwrap_or_default();
    if maxclass == "newobj" {
        let text = b["text"].as_str().unwrap_or_default();
        text.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    } else {
        maxclass.to_string()
    }
}

/// What [`check_patchers`] found.
#[derive(Debug, Default)]
pub struct Report {
    /// Problems, each naming the patcher and the box.
    pub errors: Vec<String>,
    /// Every message found to reach a bandmate object and accepted by its declaration, as
    /// `object: message`.
    pub checked: BTreeSet<String>,
}

/// What can come out of an outlet, as far as the checker can tell.
#[derive(Debug, Clone, PartialEq)]
enum Out {
    Bang,
    Atoms(Vec<Atom>),
    /// Something the checker does not model (an object's info outlet, raw MIDI...).
    Any,
}

struct Node<'a> {
    patcher: &'a str,
    id: String,
    class: String,
    text: String,
    b: &'a Value,
    ins: usize,
    outs: usize,
}

struct Graph<'a> {
    nodes: Vec<Node<'a>>,
    /// (from, outlet, to, inlet)
    edges: Vec<(usize, usize, usize, usize)>,
}

fn num(a: &Atom) -> Option<f64> {
    match a {
        Atom::Float(x) => Some(*x),
        Atom::Symbol(_) => None,
    }
}

fn show(atoms: &[Atom]) -> String {
    atoms
        .iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

impl<'a> Graph<'a> {
    fn inputs(
        &self,
        node: usize,
        inlet: usize,
        depth: usize,
    ) -> std::result::Result<Vec<Out>, String> {
        let mut v = Vec::new();
        for &(f, o, t, i) in &self.edges {
            if t == node && i == inlet {
                for x in self.out(f, o, depth + 1)? {
                    if !v.contains(&x) {
                        v.push(x);
                    }
                }
            }
        }
        Ok(v)
    }

    fn valueof(&self, node: usize) -> &Value {
        &self.nodes[node].b["saved_attribute_attributes"]["valueof"]
    }

    /// What outlet `outlet` of `node` can send.
    fn out(
        &self,
        node: usize,
        outlet: usize,
        depth: usize,
    ) -> std::result::Result<Vec<Out>, String> {
        if depth > 64 {
            return Err("a loop of cords".into());
        }
        let n = &self.nodes[node];
        let args: Vec<Atom> = atoms(&n.text).into_iter().skip(1).collect();
        let nums = |xs: &[f64]| -> Vec<Out> {
            xs.iter()
                .map(|&x| Out::Atoms(vec![Atom::Float(x)]))
                .collect()
        };
        Ok(match (n.class.as_str(), outlet) {
            ("message", 0) => {
                let words = atoms(&n.text);
                let dollar = |a: &Atom| match a {
                    Atom::Symbol(s) if s.contains('$') => Some(s.clone()),
                    _ => None,
                };
                let ins = self.inputs(node, 0, depth)?;
                if !words.iter().any(|a| dollar(a).is_some()) {
                    return Ok(vec![Out::Atoms(words)]);
                }
                if ins.is_empty() {
                    return Err(format!(
                        "message box '{}' has $ but nothing feeds it",
                        n.text
                    ));
                }
                let mut v = Vec::new();
                for input in ins {
                    let given = match input {
                        Out::Atoms(a) => a,
                        Out::Bang => {
                            return Err(format!(
                                "message box '{}' is banged: its $ arguments would send 0",
                                n.text
                            ))
                        }
                        Out::Any => {
                            return Err(format!(
                                "message box '{}': cannot tell what fills its $ arguments",
                                n.text
                            ))
                        }
                    };
                    let mut msg = Vec::new();
                    for w in &words {
                        match dollar(w) {
                            None => msg.push(w.clone()),
                            Some(s) => {
                                let k = s
                                    .strip_prefix('$')
                                    .and_then(|d| d.parse::<usize>().ok())
                                    .filter(|k| (1..=9).contains(k))
                                    .ok_or_else(|| {
                                        format!("message box '{}': '{s}' is not $1..$9", n.text)
                                    })?;
                                msg.push(given.get(k - 1).cloned().ok_or_else(|| {
                                    format!(
                                        "message box '{}': ${k} but the input '{}' has no item {k}",
                                        n.text,
                                        show(&given)
                                    )
                                })?);
                            }
                        }
                    }
                    v.push(Out::Atoms(msg));
                }
                v
            }
            ("live.dial" | "live.numbox", 0) => {
                let p = self.valueof(node);
                let min = p["parameter_mmin"].as_f64().unwrap_or(0.0);
                let max = p["parameter_mmax"].as_f64().unwrap_or(127.0);
                let mut xs = vec![min, (min + max) / 2.0, max];
                if let Some(i) = p["parameter_initial"][0].as_f64() {
                    xs.push(i);
                }
                if p["parameter_type"].as_u64() == Some(1) {
                    xs.iter_mut().for_each(|x| *x = x.round());
                }
                nums(&xs)
            }
            ("live.text", 0) => {
                if n.b["mode"].as_u64() == Some(0) {
                    vec![Out::Bang]
                } else {
                    nums(&[0.0, 1.0])
                }
            }
            ("live.menu", 0) => {
                let len = self.valueof(node)["parameter_enum"]
                    .as_array()
                    .map_or(0, Vec::len);
                nums(&(0..len).map(|i| i as f64).collect::<Vec<_>>())
            }
            ("loadbang", 0) => vec![Out::Bang],
            // Live's notes and context, each a dictionary: here Live-shaped examples, as the
            // Max host hands a dictionary to an object (its contents, as JSON)
            ("live.miditool.in", 0 | 1) => {
                let (notes, context) = bandmate_core::miditool::example_dicts();
                let json = if outlet == 0 { notes } else { context };
                vec![Out::Atoms(vec![
                    Atom::sym("dictionary"),
                    Atom::Symbol(json),
                ])]
            }
            ("midiparse", 0) => [0.0, 1.0, 64.0, 127.0]
                .iter()
                .map(|&v| Out::Atoms(vec![Atom::Float(60.0), Atom::Float(v)]))
                .collect(),
            ("trigger", k) => match args.get(k) {
                Some(Atom::Symbol(s)) if s == "b" => vec![Out::Bang],
                Some(Atom::Symbol(s)) if matches!(s.as_str(), "i" | "f" | "l") => self
                    .inputs(node, 0, depth)?
                    .into_iter()
                    .map(|x| match x {
                        Out::Atoms(a) if s != "l" => Out::Atoms(a.into_iter().take(1).collect()),
                        x => x,
                    })
                    .collect(),
                Some(Atom::Float(x)) => nums(&[*x]),
                _ => vec![Out::Any],
            },
            ("select", k) => {
                let ins = self.inputs(node, 0, depth)?;
                let matches = |a: &[Atom], sel: &Atom| match (a.first(), sel) {
                    (Some(Atom::Float(x)), Atom::Float(y)) => x.trunc() == *y,
                    (Some(Atom::Symbol(x)), Atom::Symbol(y)) => x == y,
                    _ => false,
                };
                if let Some(sel) = args.get(k) {
                    let hit = ins.iter().any(|i| match i {
                        Out::Atoms(a) => matches(a, sel),
                        _ => true,
                    });
                    if hit {
                        vec![Out::Bang]
                    } else {
                        vec![]
                    }
                } else {
                    ins.into_iter()
                        .filter(|i| match i {
                            Out::Atoms(a) => !args.iter().any(|s| matches(a, s)),
                            _ => true,
                        })
                        .collect()
                }
            }
            ("split", k) => {
                let lo = args.first().and_then(num).unwrap_or(0.0);
                let hi = args.get(1).and_then(num).unwrap_or(0.0);
                self.inputs(node, 0, depth)?
                    .into_iter()
                    .filter(|i| match i {
                        Out::Atoms(a) => {
                            let inside =
                                a.first().and_then(num).is_some_and(|x| x >= lo && x <= hi);
                            inside == (k == 0)
                        }
                        _ => true,
                    })
                    .collect()
            }
            ("unpack", k) => self
                .inputs(node, 0, depth)?
                .into_iter()
                .filter_map(|i| match i {
                    Out::Atoms(a) => a.get(k).map(|x| Out::Atoms(vec![x.clone()])),
                    x => Some(x),
                })
                .collect(),
            ("route", k) => {
                let ins = self.inputs(node, 0, depth)?;
                ins.into_iter()
                    .filter_map(|i| match (i, args.get(k)) {
                        (Out::Atoms(a), Some(sel)) => {
                            (a.first() == Some(sel)).then(|| Out::Atoms(a[1..].to_vec()))
                        }
                        (Out::Atoms(a), None) => {
                            (!args.iter().any(|s| a.first() == Some(s))).then_some(Out::Atoms(a))
                        }
                        (x, _) => Some(x),
                    })
                    .collect()
            }
            // the looper help's map display: a click sends 'choose X Y' (X, Y from 0 to 1;
            // max-external/tests/max_map_js.rs runs the script)
            ("jsui", 0) if self.nodes[node].b["filename"] == "bandmate.looper.map.js" => {
                vec![Out::Atoms(vec![
                    Atom::Symbol("choose".into()),
                    Atom::Float(0.5),
                    Atom::Float(0.25),
                ])]
            }
            // what a performer types (a prompt), as textedit sends it: 'text' and the words
            ("textedit", 0) => vec![Out::Atoms(
                ["text", "warm", "arpeggios", "on", "house", "beats"]
                    .iter()
                    .map(|w| Atom::sym(w))
                    .collect(),
            )],
            ("prepend", 0) => self
                .inputs(node, 0, depth)?
                .into_iter()
                .map(|x| match x {
                    Out::Atoms(a) => Out::Atoms(args.iter().cloned().chain(a).collect()),
                    Out::Bang => Out::Atoms(args.clone()),
                    x => x,
                })
                .collect(),
            ("receive", 0) => {
                let name = n.text.split_whitespace().nth(1).unwrap_or_default();
                let mut v = Vec::new();
                for (s, sn) in self.nodes.iter().enumerate() {
                    if sn.class == "send" && sn.text.split_whitespace().nth(1) == Some(name) {
                        for x in self.inputs(s, 0, depth)? {
                            if !v.contains(&x) {
                                v.push(x);
                            }
                        }
                    }
                }
                v
            }
            _ => vec![Out::Any],
        })
    }
}

/// A live.* control that is a Live parameter (not a label, not a MIDI Tool's in or out).
fn is_parameter_class(class: &str) -> bool {
    class.starts_with("live.")
        && !matches!(
            class,
            "live.comment" | "live.miditool.in" | "live.miditool.out"
        )
}

/// Check patchers (given as `(name, JSON)`) together, so `send`/`receive` pairs across them
/// (two Live devices) are followed: every box's class is a bandmate object or in
/// [`STANDARD_CLASSES`] with the inlets/outlets Max gives it; every cord joins existing boxes
/// within their outlets and inlets (signal outlets only into MSP objects); bandmate objects'
/// creation arguments parse; every message that can reach a bandmate object (a `$1` standing
/// for the values of the control feeding it) parses with that object's declaration; live.*
/// controls are Live parameters with unique long names and varnames, wired to something.
pub fn check_patchers(patchers: &[(&str, &Value)]) -> Report {
    let mut r = Report::default();
    let mut g = Graph {
        nodes: Vec::new(),
        edges: Vec::new(),
    };
    for (name, root) in patchers {
        let Some(p) = root.get("patcher") else {
            r.errors.push(format!("{name}: no \"patcher\""));
            continue;
        };
        let device = p["openinpresentation"].as_u64() == Some(1);
        let first = g.nodes.len();
        let mut ids = BTreeMap::new();
        let mut longnames = BTreeSet::new();
        let mut varnames = BTreeSet::new();
        for b in p["boxes"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let b = &b["box"];
            let id = b["id"].as_str().unwrap_or_default().to_string();
            let maxclass = b["maxclass"].as_str().unwrap_or_default();
            let text = b["text"].as_str().unwrap_or_default().to_string();
            let class = box_class(b);
            let ins = b["numinlets"].as_u64().unwrap_or(0) as usize;
            let types: Vec<&str> = b["outlettype"]
                .as_array()
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let outs = b["numoutlets"].as_u64().unwrap_or(0) as usize;
            let at = format!(
                "{name}: box {id} [{}]",
                if text.is_empty() { &class } else { &text }
            );
            if id.is_empty() || ids.insert(id.clone(), g.nodes.len()).is_some() {
                r.errors.push(format!("{at}: missing or repeated id"));
            }
            if types.len() != outs {
                r.errors.push(format!(
                    "{at}: {outs} outlets but {} outlet types",
                    types.len()
                ));
            }
            let want = if let Some(d) = bandmate_decl(&class) {
                let rest = text.split_once(' ').map_or("", |(_, r)| r);
                if let Err(e) = d.parse_creation(&atoms(rest)) {
                    r.errors.push(format!("{at}: {e}"));
                }
                Some(bandmate_io(d))
            } else if !STANDARD_CLASSES.iter().any(|(c, _)| *c == class) {
                r.errors.push(format!(
                    "{at}: unknown class '{class}' (not in STANDARD_CLASSES)"
                ));
                None
            } else if maxclass == "newobj" {
                if UI_CLASSES.contains(&class.as_str()) {
                    r.errors
                        .push(format!("{at}: '{class}' is a UI box, not an object box"));
                }
                standard_io(&text)
            } else {
                if !UI_CLASSES.contains(&class.as_str()) {
                    r.errors
                        .push(format!("{at}: '{class}' must be an object box (newobj)"));
                }
                standard_io(&class)
            };
            if let Some((wi, wt)) = want {
                if wi != ins || wt != types {
                    r.errors.push(format!(
                        "{at}: {ins} inlets, outlets {types:?}; Max gives it {wi} inlets, outlets {wt:?}"
                    ));
                }
            }
            if is_parameter_class(&class) {
                let v = &b["saved_attribute_attributes"]["valueof"];
                let long = v["parameter_longname"].as_str().unwrap_or_default();
                let var = b["varname"].as_str().unwrap_or_default();
                if b["parameter_enable"].as_u64() != Some(1) || long.is_empty() || var.is_empty() {
                    r.errors.push(format!(
                        "{at}: not a Live parameter (parameter_enable, parameter_longname, varname)"
                    ));
                }
                if !longnames.insert(long.to_string()) {
                    r.errors
                        .push(format!("{at}: parameter_longname '{long}' is used twice"));
                }
                if !varnames.insert(var.to_string()) {
                    r.errors
                        .push(format!("{at}: varname '{var}' is used twice"));
                }
                let kind = v["parameter_type"].as_u64();
                let enums = v["parameter_enum"].as_array().map_or(0, Vec::len);
                if kind == Some(2)
                    && (enums == 0 || v["parameter_mmax"].as_f64() != Some(enums as f64 - 1.0))
                {
                    r.errors.push(format!(
                        "{at}: enum parameter needs parameter_enum of mmax+1 items"
                    ));
                }
                if !matches!(kind, Some(0..=2)) {
                    r.errors
                        .push(format!("{at}: parameter_type must be 0, 1 or 2"));
                }
            }
            if device
                && is_parameter_class(&class)
                && (b["presentation"].as_u64() != Some(1) || !b["presentation_rect"].is_array())
            {
                r.errors
                    .push(format!("{at}: not shown in the device (presentation)"));
            }
            g.nodes.push(Node {
                patcher: name,
                id,
                class,
                text,
                b,
                ins,
                outs,
            });
        }
        for l in p["lines"].as_array().map(Vec::as_slice).unwrap_or_default() {
            let l = &l["patchline"];
            let end = |k: &str| -> Option<(usize, usize)> {
                let id = l[k][0].as_str()?;
                Some((*ids.get(id)?, l[k][1].as_u64()? as usize))
            };
            let (Some((f, o)), Some((t, i))) = (end("source"), end("destination")) else {
                r.errors
                    .push(format!("{name}: a cord from or to no box: {l}"));
                continue;
            };
            let (from, to) = (&g.nodes[f], &g.nodes[t]);
            if o >= from.outs {
                r.errors.push(format!(
                    "{name}: cord from outlet {o} of {} [{}], which has {} outlets",
                    from.id, from.text, from.outs
                ));
            }
            if i >= to.ins {
                r.errors.push(format!(
                    "{name}: cord into inlet {i} of {} [{}], which has {} inlets",
                    to.id,
                    if to.text.is_empty() {
                        &to.class
                    } else {
                        &to.text
                    },
                    to.ins
                ));
            }
            if from.b["outlettype"][o].as_str() == Some("signal") && !to.class.ends_with('~') {
                r.errors.push(format!(
                    "{name}: signal from {} [{}] into {} [{}], not an MSP object",
                    from.id, from.text, to.id, to.text
                ));
            }
            g.edges.push((f, o, t, i));
        }
        for (k, n) in g.nodes.iter().enumerate().skip(first) {
            if is_parameter_class(&n.class) && !g.edges.iter().any(|&(f, o, _, _)| f == k && o == 0)
            {
                r.errors.push(format!(
                    "{name}: {} [{}] is wired to nothing",
                    n.id, n.class
                ));
            }
        }
    }
    for &(f, o, t, _) in &g.edges {
        let Some(decl) = bandmate_decl(&g.nodes[t].class) else {
            continue;
        };
        let from = &g.nodes[f];
        let at = format!(
            "{}: {} [{}] -> {}",
            from.patcher, from.id, from.text, decl.name
        );
        // A signal into an object that listens; what a bandmate object's message outlet sends
        // another (`tap VELOCITY AGO`) is made at run time: the Pd and Max tests play it.
        let signal = from.b["outlettype"][o].as_str() == Some("signal");
        if signal && decl.signal_inlets > 0 {
            continue;
        }
        if bandmate_decl(&from.class)
            .and_then(|d| d.outlets.get(o))
            .is_some_and(|x| x.messages)
        {
            continue;
        }
        match g.out(f, o, 0) {
            Err(e) => r.errors.push(format!("{at}: {e}")),
            Ok(outs) => {
                for x in outs {
                    match x {
                        Out::Atoms(a) => match a.split_first() {
                            Some((Atom::Symbol(sel), rest)) => match decl.parse(sel, rest) {
                                Ok(_) => {
                                    r.checked.insert(format!("{}: {}", decl.name, show(&a)));
                                }
                                Err(e) => r.errors.push(format!("{at}: '{}': {e}", show(&a))),
                            },
                            _ => r
                                .errors
                                .push(format!("{at}: '{}' has no message name", show(&a))),
                        },
                        Out::Bang => r.errors.push(format!("{at}: sends a bang, not a message")),
                        Out::Any => r
                            .errors
                            .push(format!("{at}: cannot tell what [{}] sends", from.class)),
                    }
                }
            }
        }
    }
    r
}
