//! A small object defined only for the tests, through the public contract alone: a metronome
//! that clicks on every beat. The tests load it into real Pd, into the mock Max host and into
//! the OSC daemon, through the same generic wrappers as bandmate's own objects, with no other
//! code: the registry issue's proof that a new object is one file and one registry line.
//! (Included with `#[path]` by `tests/objects/pd`, `tests/objects/max` and the daemon's test.)

use bandmate_core::objects::contract::{Entry, HelpExtras, Object, Options, Output};
use bandmate_core::objects::decl::{notes, out, Atom, Handlers, ObjectDecl, EMPTY};
use bandmate_core::Result;

/// The click: a high wood block (General MIDI 76), 30 ms long.
pub const CLICK: u8 = 76;
const GATE_MS: f64 = 30.0;

pub struct Metronome {
    bpm: f64,
    /// The next click's time, while it runs.
    next: Option<f64>,
    /// The sounding click's note-off time. (Hosts send each output when it is handed to them:
    /// an object hands a note over when its time has come.)
    off: Option<f64>,
    beats: u64,
    out: Vec<Output>,
}

bandmate_core::messages! {
    for Metronome, METRONOME, METRONOME_MESSAGES;

    #[ATTR] "tempo" (bpm: req float(20.0, 400.0) "beats per minute")
    "Tempo, from the next click.",
    "90",
    get |o| o.bpm,
    |o, _now| {
        o.bpm = bpm;
    }

    "start" (count: opt int(0, 1000) "beats counted so far; none = 0")
    "Click on every beat from now.",
    "0",
    |o, now| {
        o.beats = count.unwrap_or(0) as u64;
        o.next = Some(now);
    }

    "halt" ()
    "Stop clicking.",
    "",
    |o, _now| {
        o.next = None;
    }

    "count" ()
    "Say how many beats have clicked.",
    "",
    |o, _now| {
        o.out.push(Output::Info("beats".into(), vec![Atom::Float(o.beats as f64)]));
    }
}

pub const METRONOME: ObjectDecl = ObjectDecl {
    name: "bandmate.metronome",
    osc: "metronome",
    doc: "A click on every beat (a test object).",
    messages: METRONOME_MESSAGES,
    outlets: &[
        notes("notes", "note velocity pairs: the click, then its note-off"),
        out("info", "beats N, error TEXT"),
    ],
    number: Some("start"),
    labels: &[("metronome", "how many beats have clicked")],
    ..EMPTY
};

pub const ENTRY: Entry = Entry {
    decl: &METRONOME,
    help: HelpExtras {
        objects: &[],
        outlet_objects: &[&["print notes"], &["print info"]],
        intro: "Click 'start'.",
        more_messages: &[],
        grids: &[],
    },
    make: |_options: &Options, _args: &[Atom]| -> Result<Box<dyn Object>> {
        Ok(Box::new(Metronome {
            bpm: 120.0,
            next: None,
            off: None,
            beats: 0,
            out: Vec::new(),
        }))
    },
};

impl Object for Metronome {
    fn decl(&self) -> &'static ObjectDecl {
        &METRONOME
    }
    fn create_with(&mut self, now: f64, args: &[Atom]) -> Result<()> {
        self.run_creation(now, args)
    }
    fn message(&mut self, now: f64, selector: &str, args: &[Atom]) -> Result<()> {
        self.run_message(now, selector, args)
    }
    fn tick(&mut self, now: f64) {
        let due = |t: &Option<f64>| t.filter(|&t| t <= now + 1e-9);
        while let Some(t) = due(&self.off).or(due(&self.next)) {
            let off = self.off == Some(t);
            self.out.push(Output::Note {
                at_ms: t,
                note: CLICK,
                velocity: if off { 0 } else { 100 },
                channel: 9,
            });
            if off {
                self.off = None;
            } else {
                self.beats += 1;
                self.off = Some(t + GATE_MS);
                self.next = Some(t + 60_000.0 / self.bpm);
            }
        }
    }
    fn wake_at(&self, _now: f64) -> Option<f64> {
        match (self.off, self.next) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
    fn drain_into(&mut self, f: &mut dyn FnMut(Output)) {
        for o in self.out.drain(..) {
            f(o);
        }
    }
    fn attribute(&self, name: &str) -> Option<f64> {
        self.read_attribute(name)
    }
    fn display(&self) -> Vec<(&'static str, String)> {
        vec![("metronome", format!("{} beats", self.beats))]
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
