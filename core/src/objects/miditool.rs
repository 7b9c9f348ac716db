//! `bandmate.miditool`: the groove model as a Live 12 MIDI Tool (Max for Live only). A
//! Generator or Transformation device connects `live.miditool.in`'s notes and context outlets
//! to this object's inlet and its left outlet to `live.miditool.out`: Live's context (the time
//! selection) arrives first, then its notes, and the object answers at once (Live wants the
//! answer synchronously) with the notes Live is to take back, as a dictionary. The tools are
//! [`crate::miditool`]'s: humanize, swing, accent and drumify transform the notes given;
//! generate, fill and infill give back what goes into the time selection.
//!
//! Nothing is ever lost: when a tool cannot run (a clip in the wrong shape, no model yet), the
//! object says why on its info outlet and gives Live back what it was given, so the clip stays
//! as it was.
//!
//! The groove model loads on a thread of its own when the object is made; the tools run on the
//! thread the notes arrive on (Live's main thread), in a few milliseconds (`docs/benchmarks.md`).

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::Duration;

use super::contract::{Entry, HelpExtras, Object, Options, Output, POLL_MS};
use super::decl::{messages, out, Atom, Handlers, ObjectDecl, EMPTY};
use crate::error::{Error, Result};
use crate::groove::{MAX_TEMPERATURE, STYLES};
use crate::miditool::{self, LiveNote, Settings, Tool, ACCENT_PATTERNS};
use crate::model::{plugin_runtime, warm_runtime, GrooveModel};

/// The tools' names, as the `tool` message takes them.
pub const TOOLS: [&str; 7] = [
    "humanize", "swing", "accent", "drumify", "generate", "fill", "infill",
];

/// How long notes that arrive while the model is still loading wait for it (the first Apply
/// right after the device loads): Live waits for the answer meanwhile.
pub const LOAD_WAIT: Duration = Duration::from_secs(5);

crate::messages! {
    for MidiToolObject, MIDITOOL, MIDITOOL_MESSAGES;

    "dictionary" (dict: req dict() "live.miditool.in's context or notes dictionary")
    "Live's context (the time selection) or notes: connect live.miditool.in's left (notes) and middle (context) outlets here. The notes are answered at once: the tool's notes leave the left outlet as a dictionary for live.miditool.out.",
    "",
    |o, _now| {
        o.take(dict);
    }

    "tool" (name: req choice(&TOOLS) "humanize, swing, accent, drumify (Transformations); generate, fill, infill (Generators)")
    "The tool the next notes go through.",
    "humanize",
    |o, _now| {
        o.settings.tool = Tool::parse(name).ok_or_else(|| Error::invalid(format!("no tool {name}")))?;
    }

    #[ATTR] "temperature" (t: req float(0.0, MAX_TEMPERATURE as f64) "0 = the most likely playing, 1 = as trained, up to 3 = wilder")
    "How freely the model plays (humanize, drumify, generate, infill).",
    "1",
    get |o| f64::from(o.settings.temperature),
    |o, _now| {
        o.settings.temperature = t as f32;
    }

    #[ATTR] "seed" (n: req int(1, 99_999) "the same seed and notes give the same result")
    "Which of the model's playings: change it for another take.",
    "2",
    get |o| o.settings.seed as f64,
    |o, _now| {
        o.settings.seed = n as u64;
    }

    #[ATTR] "swing" (percent: req float(50.0, 75.0) "50 = straight, 58 = a drum machine's light swing, 66.7 = triplet, 75 = dotted")
    "Swing: where each off-beat 16th falls in its pair of 16ths.",
    "58",
    get |o| f64::from(o.settings.swing_percent),
    |o, _now| {
        o.settings.swing_percent = percent as f32;
    }

    "accents" (pattern: req choice(&ACCENT_PATTERNS) "the steps of each bar made louder")
    "Accent: which steps of each bar (backbeat: 2 and 4; quarters; downbeat: 1; offbeats: the 'and's; eighths).",
    "quarters",
    |o, _now| {
        o.settings.accents = miditool::accent_steps(pattern)
            .ok_or_else(|| Error::invalid(format!("no accent pattern {pattern}")))?;
        o.accent_name = ACCENT_PATTERNS.iter().copied().find(|p| *p == pattern).unwrap_or("backbeat");
    }

    #[ATTR] "boost" (times: req float(1.0, 2.0) "1 = unchanged, 1.25 = a quarter louder")
    "Accent: how much louder the accented notes play (at most velocity 127).",
    "1.25",
    get |o| o.settings.boost,
    |o, _now| {
        o.settings.boost = times;
    }

    #[ATTR] "beats" (n: req int(1, 4) "the fill's length")
    "Fill: how many beats at the end of the time selection become the fill.",
    "2",
    get |o| o.settings.fill_beats as f64,
    |o, _now| {
        o.settings.fill_beats = n as usize;
    }

    "style" (name: opt choice(&STYLES) "none = any")
    "Generate and drumify: the style asked for (the trained model's styles).",
    "funk",
    |o, _now| {
        o.settings.style = name.and_then(|n| STYLES.iter().copied().find(|s| *s == n));
    }
}

/// The declaration of `bandmate.miditool`.
pub const MIDITOOL: ObjectDecl = ObjectDecl {
    name: "bandmate.miditool",
    osc: "miditool",
    doc: "The groove model as a Live 12 MIDI Tool (Max for Live): between live.miditool.in and \
          live.miditool.out, it humanizes, swings, accents or drumifies the notes of a clip \
          (Transformation) or generates, fills or infills its time selection (Generator).",
    messages: MIDITOOL_MESSAGES,
    outlets: &[
        messages(
            "notes",
            "dictionary NAME for live.miditool.out: the notes Live takes back (a Transformation: every note it gave, changed; a Generator: what goes into the time selection)",
        ),
        out(
            "info",
            "applied TOOL NOTES (what went back to Live); model NAME (loaded); error TEXT (and Live got its notes back unchanged)",
        ),
    ],
    max_only: true,
    ..EMPTY
};

/// What the help patchers add around `bandmate.miditool`.
pub const MIDITOOL_HELP: HelpExtras = HelpExtras {
    objects: &[],
    outlet_objects: &[&["print notes"], &["print info"]],
    intro: "In a Live 12 MIDI Tool device: live.miditool.in's left and middle outlets into the \
            inlet, the left outlet into live.miditool.out. Choose the tool, then Apply in \
            Live's Transform or Generate tab.",
    more_messages: &[],
    grids: &[],
};

/// `bandmate.miditool` in the registry.
pub const ENTRY: Entry = Entry {
    decl: &MIDITOOL,
    help: MIDITOOL_HELP,
    make: |options, _args| Ok(Box::new(MidiToolObject::new(options)?)),
};

/// The groove model: loading on its thread, loaded, or not to be had.
enum ModelState {
    Loading(Receiver<Result<GrooveModel>>),
    Ready(Box<GrooveModel>),
    Missing(String),
}

/// A MIDI Tool: its settings, the last time selection Live gave, and the groove model.
pub struct MidiToolObject {
    settings: Settings,
    accent_name: &'static str,
    /// The time selection of the context just sent (for the notes that follow it), or why it
    /// could not be read.
    selection: Option<std::result::Result<(f64, f64), String>>,
    model: ModelState,
    out: Vec<Output>,
}

impl MidiToolObject {
    pub fn new(options: &Options) -> Result<MidiToolObject> {
        let runtime = options.plugin_dir.as_deref().map(plugin_runtime);
        if options.plugin_dir.is_some() {
            // In a host: ONNX Runtime starts on its main thread, before any other.
            warm_runtime(runtime.as_deref());
        }
        let dir: Option<PathBuf> = match &options.model {
            Some(d) => Some(d.clone()),
            None => super::contract::bundled_model(options.plugin_dir.as_deref(), "groove"),
        };
        let model = match dir {
            None => ModelState::Missing(
                "no groove model found (the package's models/groove): only swing and accent work"
                    .into(),
            ),
            Some(dir) => {
                let (tx, rx) = mpsc::channel();
                std::thread::Builder::new()
                    .name("bandmate-miditool-load".into())
                    .spawn(move || {
                        let r = std::panic::catch_unwind(|| {
                            crate::model::load_with_runtime(&dir, runtime.as_deref())
                        })
                        .unwrap_or_else(|p| {
                            Err(Error::invalid(format!(
                                "internal error: {}",
                                super::contract::panic_text(&p)
                            )))
                        });
                        let _ = tx.send(r);
                    })
                    .map_err(|e| Error::invalid(format!("cannot start loading the model: {e}")))?;
                ModelState::Loading(rx)
            }
        };
        Ok(MidiToolObject {
            settings: Settings::default(),
            accent_name: "backbeat",
            selection: None,
            model,
            out: Vec::new(),
        })
    }

    /// The current settings (for tests and tools).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Pick up the model if its thread is done (waiting up to `wait`).
    fn poll_model(&mut self, wait: Duration) {
        let ModelState::Loading(rx) = &self.model else {
            return;
        };
        let got = if wait.is_zero() {
            match rx.try_recv() {
                Ok(r) => Some(r),
                Err(mpsc::TryRecvError::Empty) => None,
                Err(mpsc::TryRecvError::Disconnected) => {
                    Some(Err(Error::invalid("the model's loading thread stopped")))
                }
            }
        } else {
            match rx.recv_timeout(wait) {
                Ok(r) => Some(r),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    Some(Err(Error::invalid("the model's loading thread stopped")))
                }
            }
        };
        match got {
            None => {}
            Some(Ok(m)) => {
                let name = m.info().name.clone();
                self.model = ModelState::Ready(Box::new(m));
                self.out
                    .push(Output::Info("model".into(), vec![Atom::Symbol(name)]));
            }
            Some(Err(e)) => {
                let text = format!("the groove model did not load: {e}");
                self.out.push(Output::Error(text.clone()));
                self.model = ModelState::Missing(text);
            }
        }
    }

    /// A dictionary from live.miditool.in: a context is kept, notes are answered.
    fn take(&mut self, json: &str) {
        let v: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
        if v.get("notes").is_some() {
            self.answer(json, v);
        } else if v.get("clip").is_some() {
            self.selection = Some(miditool::selection_in(&v).map_err(|e| e.to_string()));
        } else {
            self.out.push(Output::Error(
                "dictionary: neither Live's notes (a \"notes\" list) nor its context (a \"clip\")"
                    .into(),
            ));
        }
    }

    /// Answer Live's notes: the tool's notes, or, when it cannot run, what Live gave (its
    /// selection's notes for a Generator), so nothing is lost; the reason on the info outlet.
    fn answer(&mut self, json: &str, dict: serde_json::Value) {
        let tool = self.settings.tool;
        // the context serves the apply it came with (Live sends it before each notes): notes
        // after a context that could not be read never run against an older one
        let context = self.selection.take();
        let notes = match miditool::notes_of(dict) {
            Ok(n) => n,
            Err(e) => {
                // Live gets back exactly what it sent.
                self.send(json.to_string());
                self.out
                    .push(Output::Error(format!("{}: {e}", tool.name())));
                return;
            }
        };
        let selection = match &context {
            Some(Ok(s)) => Ok(*s),
            Some(Err(e)) => Err(Error::invalid(e.clone())),
            None => miditool::selection_of(&notes),
        };
        if tool.needs_model() {
            self.poll_model(LOAD_WAIT);
        }
        let why_no_model = match &self.model {
            ModelState::Loading(_) => Some("the groove model is still loading".to_string()),
            ModelState::Missing(e) => Some(e.clone()),
            ModelState::Ready(_) => None,
        };
        let model = match &mut self.model {
            ModelState::Ready(m) => Some(m.as_mut()),
            _ => None,
        };
        let result = selection.and_then(|sel| {
            if model.is_none() && tool.needs_model() {
                return Err(Error::invalid(why_no_model.unwrap_or_default()));
            }
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                miditool::apply(&self.settings, model, &notes, sel)
            }))
            .unwrap_or_else(|p| {
                Err(Error::invalid(format!(
                    "internal error: {}",
                    super::contract::panic_text(&p)
                )))
            })
            .map(|out| (out, sel))
        });
        match result {
            Ok((back, _)) => {
                let n = back.len();
                self.send(miditool::notes_json(&back));
                self.out.push(Output::Info(
                    "applied".into(),
                    vec![Atom::sym(tool.name()), Atom::Float(n as f64)],
                ));
            }
            Err(e) => {
                let back: Vec<LiveNote> = match (&context, tool.generates()) {
                    (Some(Ok(sel)), true) => miditool::selection_notes(&notes, *sel),
                    _ => notes,
                };
                self.send(miditool::notes_json(&back));
                self.out
                    .push(Output::Error(format!("{}: {e}", tool.name())));
            }
        }
    }

    fn send(&mut self, json: String) {
        self.out
            .push(Output::Send("dictionary".into(), vec![Atom::Symbol(json)]));
    }
}

impl Object for MidiToolObject {
    fn decl(&self) -> &'static ObjectDecl {
        &MIDITOOL
    }
    fn create_with(&mut self, now: f64, args: &[Atom]) -> Result<()> {
        self.run_creation(now, args)
    }
    fn message(&mut self, now: f64, selector: &str, args: &[Atom]) -> Result<()> {
        self.run_message(now, selector, args)
    }
    fn tick(&mut self, _now: f64) {
        self.poll_model(Duration::ZERO);
    }
    /// While the model loads: soon, to say when it has.
    fn wake_at(&self, now: f64) -> Option<f64> {
        matches!(self.model, ModelState::Loading(_)).then_some(now + POLL_MS)
    }
    fn drain_into(&mut self, f: &mut dyn FnMut(Output)) {
        for o in self.out.drain(..) {
            f(o);
        }
    }
    fn attribute(&self, name: &str) -> Option<f64> {
        self.read_attribute(name)
    }
    /// The tool and its settings: what a device stores with the set.
    fn controls(&self) -> Vec<(&'static str, Vec<Atom>)> {
        vec![
            ("tool", vec![Atom::sym(self.settings.tool.name())]),
            ("accents", vec![Atom::sym(self.accent_name)]),
        ]
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
