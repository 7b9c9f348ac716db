//! The one contract every bandmate object keeps, whether it plays notes (`bandmate.groove`,
//! `bandmate.looper`) or sound (`bandmate.frag~`), and the registry entry that lets every host
//! make it. A host wrapper (Pd, Max, the OSC daemon) is written once over [`Object`]: it hands
//! messages in at a time, calls [`Object::tick`] when [`Object::wake_at`] says, and turns each
//! [`Output`] into outlets, clocks, arrays or packets. An audio object also hands its host a
//! signal [`Engine`] for the audio thread, which talks to the object through lock-free queues
//! only.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::decl::{Atom, ObjectDecl};
use super::scene::ScenePart;
use crate::error::{Error, Result};
use crate::fragbank::Fragment;
use crate::wav::Audio;

/// What an object hands its host, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    /// A MIDI note at its exact time (ms on the host clock); velocity 0 = note-off; `channel`
    /// 0-based (the groove's drums are on 9, General MIDI's channel 10).
    Note {
        at_ms: f64,
        note: u8,
        velocity: u8,
        channel: u8,
    },
    /// A MIDI program change, at once (`channel` and `program` 0-based): `program N CHANNEL`
    /// (1-based: [route program] into [pgmout]) on the info outlet; the OSC daemon sends it to its subscribers
    /// and on its MIDI port.
    Program { channel: u8, program: u8 },
    /// A message for the info outlet (or the OSC reply): selector and arguments.
    Info(String, Vec<Atom>),
    /// A line about the playing itself, not an answer to anyone (`cycle N SWITCHED` at a loop
    /// boundary): on the info outlet like [`Output::Info`]; the OSC daemon sends it to its
    /// subscribers only.
    Event(String, Vec<Atom>),
    /// Something went wrong where no message is waiting for the answer (the worker): the host
    /// prints it to its console and sends it as `error` on the info outlet.
    Error(String),
    /// `render NAME`: the host renders what plays ([`Object::render`]) at its sample rate and
    /// writes it where NAME says (Pd arrays, a Max buffer~, a fragment file).
    Render(String),
    /// `array NAME`: the host reads its arrays / `buffer~` named `name` and hands the samples
    /// to [`Object::take_array`] (or reports why it cannot).
    FetchArray { name: String, slot: Option<usize> },
    /// A message for another object, out of the declared message outlet
    /// ([`OutletDecl::messages`](super::decl::OutletDecl::messages)): `tap VELOCITY AGO` for
    /// [bandmate.groove]. A host with no patch cords (the OSC daemon) sends it like an
    /// [`Output::Event`].
    Send(String, Vec<Atom>),
    /// Slot `slot` (0-based) now holds `fragment` (`factor` 1: as it came in; 2 or 4: stretched
    /// from it). A host that keeps each slot as a file (the OSC daemon) writes it; Pd and Max
    /// have it in the object already.
    Stored {
        slot: usize,
        fragment: Arc<Fragment>,
        factor: f64,
    },
}

/// What a host checks of the audio it read for [`Output::FetchArray`] before handing it over:
/// an empty or silent array is a mistake (nothing rendered or recorded into it yet), not a
/// fragment.
pub fn check_audible(name: &str, channels: &[Vec<f32>]) -> Result<()> {
    if channels.iter().flatten().any(|x| x.abs() >= 1e-6) {
        return Ok(());
    }
    let what = if channels.iter().all(|c| c.is_empty()) {
        "empty"
    } else {
        "silent"
    };
    Err(Error::invalid(format!(
        "'{name}' is {what} (render or record into it first)"
    )))
}

/// How long a host waits between polls while an object's worker is busy (ms).
pub const POLL_MS: f64 = 5.0;

/// Where an object finds its defaults: the folder the plugin (or program) lives in.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The plugin's folder: the ONNX Runtime library and `models/groove` are looked for here
    /// first (a Pd/Max package ships them beside the externals).
    pub plugin_dir: Option<PathBuf>,
    /// Load the default model at creation (else start with the rule-based drum machine).
    pub load_default: bool,
    /// A model folder to load at creation instead of the default one.
    pub model: Option<PathBuf>,
    /// How many fragment slots an object with a bank has, when its creation arguments do not
    /// say (the OSC daemon's `--slots`).
    pub slots: Option<usize>,
    /// The folders files may be read from (real paths), for a host that confines reading (the
    /// OSC daemon's `--path` folders): every file an object's scan finds (a watched folder, a
    /// corpus folder, a kit, a model folder) is checked, links resolved. `None`: anywhere (Pd
    /// and Max: the performer's own machine).
    pub roots: Option<Vec<PathBuf>>,
    /// Where `tag` keeps what it marks until a `dataset` message says otherwise (the OSC
    /// daemon's `--dataset` folder); `None`: nowhere yet.
    pub dataset: Option<PathBuf>,
    /// Where `train` writes new models and `models` and `load NAME` look, until a `library`
    /// message says otherwise (the OSC daemon's `--library` folder); `None`: nowhere yet.
    pub library: Option<PathBuf>,
}

/// Where a plugin package keeps its bundled groove model, relative to the package folder.
pub const PLUGIN_MODEL_DIR: [&str; 2] = ["models", "groove"];

/// The default model folders, in the order they are tried: the plugin package's
/// [`PLUGIN_MODEL_DIR`], then the workspace's `models/groove`.
pub fn default_model_dirs(plugin_dir: Option<&Path>) -> Vec<PathBuf> {
    model_dirs(plugin_dir, PLUGIN_MODEL_DIR[1])
}

/// The bundled model `name` (`groove`, `accomp`): the first of [`model_dirs`] that holds a
/// `model.json`, if any.
pub fn bundled_model(plugin_dir: Option<&Path>, name: &str) -> Option<PathBuf> {
    model_dirs(plugin_dir, name)
        .into_iter()
        .find(|d| d.join("model.json").is_file())
}

/// The folders of the bundled model `name` (`groove`, `accomp`), in the order they are tried:
/// the plugin package's `models/NAME`, then the workspace's.
pub fn model_dirs(plugin_dir: Option<&Path>, name: &str) -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(d) = plugin_dir {
        v.push(d.join(PLUGIN_MODEL_DIR[0]).join(name));
    }
    v.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join("models")
            .join(name),
    );
    v
}

/// A panic payload as text.
pub fn panic_text(p: &Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "panic".into())
}

/// The signal half of an audio object: it runs on the host's audio thread, never allocates,
/// locks or does I/O, and hears from its object through lock-free queues only.
pub trait Engine: Send {
    /// One block: `inputs[i]` is what the i-th declared signal inlet heard
    /// ([`ObjectDecl::signal_inlets`](super::decl::ObjectDecl::signal_inlets); zeros when
    /// nothing is connected), `outputs[i]` is filled for the i-th declared signal outlet; all
    /// of the same length. Hosts never hand an output that is also an input.
    fn process(&mut self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]);
    /// The host's DSP (re)starts at `sample_rate` (called while no `process` runs).
    fn set_sample_rate(&mut self, sample_rate: f64) -> Result<()>;
}

/// A bandmate object as every host sees it. Times are milliseconds on the host's clock. An
/// object may be moved to another thread (the OSC daemon's engine thread), never shared.
pub trait Object: Send {
    /// The declaration: messages, attributes, outlets.
    fn decl(&self) -> &'static ObjectDecl;
    /// Apply creation arguments (`@tempo 96 @blocking 1`).
    fn create_with(&mut self, now: f64, args: &[Atom]) -> Result<()>;
    /// A message at `now`. An error says what was wrong; the object's state is as it was.
    fn message(&mut self, now: f64, selector: &str, args: &[Atom]) -> Result<()>;
    /// Advance to `now`: pick up the worker's results and play every note due.
    fn tick(&mut self, now: f64);
    /// When the host's clock should next call [`tick`](Self::tick) (absolute ms), if at all.
    fn wake_at(&self, now: f64) -> Option<f64>;
    /// Hand every pending output to `f`, in order.
    fn drain_into(&mut self, f: &mut dyn FnMut(Output));
    /// The current value of a declared attribute, for a host's attribute inspector.
    fn attribute(&self, name: &str) -> Option<f64>;
    /// The host's sample rate: at creation, and whenever its DSP restarts at another rate.
    fn set_sample_rate(&mut self, _sample_rate: u32) {}
    /// The folder of the patch the object is in (Pd, Max; not the OSC daemon, whose paths are
    /// full and confined): where a relative path the object writes goes when nothing else says
    /// where (the groove's `write` with no clip read), as the host's own file objects write.
    fn set_home(&mut self, _dir: &Path) {}
    /// Render what plays to audio at `sample_rate` (after [`Output::Render`]).
    fn render(&mut self, _sample_rate: u32) -> Result<Audio> {
        Err(Error::invalid(format!(
            "{} does not render audio",
            self.decl().name
        )))
    }
    /// The host's answer to [`Output::FetchArray`]: the channels it read.
    fn take_array(
        &mut self,
        name: &str,
        _channels: Vec<Vec<f32>>,
        _sample_rate: u32,
        _slot: Option<usize>,
    ) -> Result<()> {
        Err(Error::invalid(format!(
            "{} takes no arrays ('{name}')",
            self.decl().name
        )))
    }
    /// The signal half, handed once to the host's audio thread (audio objects: one engine
    /// for the declared signal outlets); `None` for objects that make no sound.
    fn take_engine(&mut self) -> Option<Box<dyn Engine>> {
        None
    }
    /// Whether the object wants its host's transport now (it follows one, and `sync` is on):
    /// hosts with a transport of their own (Max, Live) then call [`transport`](Self::transport).
    fn follows_transport(&self) -> bool {
        false
    }
    /// The host's transport at `now`: running or not, its tempo (clamped by the object to the
    /// range it takes) and its position in beats.
    fn transport(&mut self, _now: f64, _running: bool, _bpm: f64, _beats: f64) -> Result<()> {
        Ok(())
    }
    /// Whether the object plays now (started by its own `play` or by a followed transport),
    /// with something to play or on its way (a loop asked for); a player running with nothing
    /// to play (a looper following a transport with no corpus) does not count.
    /// A host that shares its transport with others (the OSC daemon with Ableton Link) starts
    /// the shared transport when an object starts, and stops it when the last one stops.
    fn is_playing(&self) -> bool {
        false
    }
    /// The beat a MIDI clock out should follow at `now`, while the object plays: its position in
    /// 16th steps since it started (continuous) and the length of a step in ms. A host with a
    /// MIDI port (the OSC daemon, `--midi-clock`) sends 24 pulses a beat from it.
    fn beat_clock(&self, _now: f64) -> Option<(f64, f64)> {
        None
    }
    /// Where the object's playhead is at `now` while it plays something, in 16th steps from
    /// its start (continuous): what another object of the same host joins
    /// ([`join`](Self::join)).
    fn playhead(&self, now: f64) -> Option<f64> {
        self.beat_clock(now).map(|b| b.0)
    }
    /// A host that plays several objects on one clock (the OSC daemon) and shares no transport
    /// with them: this object has just started on its own `play` while another plays, whose
    /// playhead is at `steps` at `now` ([`playhead`](Self::playhead)). It joins in phase:
    /// its bars and beats on the other's. Ignored while a transport leads it.
    fn join(&mut self, _now: f64, _steps: f64) {}
    /// Short texts for a controller's labels, by key (`/bandmate/display/<key>` over OSC):
    /// what plays, what comes next. Read whenever the host updates its labels.
    fn display(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// Lines for a host's status report (`/bandmate/status KEY VALUES...` over OSC).
    fn status(&self) -> Vec<Vec<Atom>> {
        Vec::new()
    }
    /// The state of the object's controls that are not attributes (attributes are read with
    /// [`attribute`](Self::attribute)): each as a declared message and the arguments that
    /// would set it as it is now, the leading ones naming the control and the last its value
    /// (`accent_step 5 1`, `mute crash 0`, `loop 2 1`, `swing 58`). An attribute listed here
    /// (`tempo`: the one in force, a followed transport's) is shown with this value instead of
    /// its own. A controller host
    /// (the OSC daemon) sends each to the control's own address whenever it changes, from
    /// whatever source, so a tablet's pads and toggles show the object's state.
    fn controls(&self) -> Vec<(&'static str, Vec<Atom>)> {
        Vec::new()
    }
    /// How many answers the object's worker still owes (jobs handed over that will be
    /// answered: a loop, a model load, an import). A host that answers each request once (the
    /// OSC daemon) answers a request that handed a job over when the job is done: with its
    /// result, or with its error.
    fn pending(&self) -> usize {
        0
    }
    /// Where the object itself finds a relative path given to message `selector`, before any
    /// other place is looked in (the groove object: a model's name in its library, for `load
    /// NAME`); `None`: the object knows no such name.
    fn find(&self, _selector: &str, _relative: &str) -> Option<PathBuf> {
        None
    }
    /// Whether the object keeps audio fragments ([`take_array`](Self::take_array)): where a
    /// host without arrays (the OSC daemon) puts what the other objects render.
    fn takes_audio(&self) -> bool {
        false
    }
    /// The state of each fragment slot (objects that keep fragments), slot 1 first.
    fn slots(&self) -> Vec<SlotState> {
        Vec::new()
    }
    /// The object's part of a scene ([`super::scene`]): the messages that rebuild its
    /// settings, what they cannot say, and whether it plays; `None`: it keeps nothing in
    /// scenes.
    fn scene(&self) -> Option<ScenePart> {
        None
    }
    /// The files and folders a scene's `state` would read (a model, a kit, a corpus), for a host
    /// that confines reading (the OSC daemon) to check before anything is recalled.
    fn state_paths(&self, _state: &serde_json::Value) -> Vec<String> {
        Vec::new()
    }
    /// Check the `state` of a scene's part before anything of the scene is recalled: an error
    /// says what is wrong, and the host then recalls nothing.
    fn check_state(&self, _state: &serde_json::Value) -> Result<()> {
        Ok(())
    }
    /// Take the `state` of a scene's part (after its messages), at `now`: what plays switches at
    /// the next loop boundary. Checked first with [`check_state`](Self::check_state).
    fn recall_state(&mut self, _now: f64, _state: &serde_json::Value) -> Result<()> {
        Ok(())
    }
    /// The object as `Any`, for tests and tools that know its type.
    fn as_any(&self) -> &dyn std::any::Any;
}

/// What a fragment slot is doing, for a host's report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SlotState {
    pub filled: bool,
    pub looping: bool,
    pub playing: bool,
}

/// One object in the registry: its declaration, what its help patches add, and how a host
/// makes one from its creation arguments.
pub struct Entry {
    pub decl: &'static ObjectDecl,
    pub help: HelpExtras,
    /// A new object (positional creation arguments are read here; `@attributes` are applied
    /// by the host afterwards with [`Object::create_with`] or its own attribute system).
    pub make: Make,
}

/// How a registry entry makes its object.
pub type Make = fn(&Options, &[Atom]) -> Result<Box<dyn Object>>;

/// Extra objects a help patch needs beside the declared messages (arrays `render` writes to,
/// a [noteout]...), as Pd object box texts.
#[derive(Debug, Clone, Copy, Default)]
pub struct HelpExtras {
    pub objects: &'static [&'static str],
    /// What each outlet is connected to (all straight from the outlet, e.g. `print info`).
    pub outlet_objects: &'static [&'static [&'static str]],
    /// A one-line "how to play" shown at the top.
    pub intro: &'static str,
    /// Message boxes beyond the declared examples, each shown right after the example of the
    /// message it starts with: (text, what it does). The help's steps work when clicked in
    /// order (the looper's `seed` wants a few notes played first).
    pub more_messages: &'static [(&'static str, &'static str)],
    /// What the help patches show of the info lines, as grids of numbers (Pd arrays, Max
    /// multisliders): the loop and the model's reading, updated with each loop.
    pub grids: &'static [Grid],
}

/// A display of info lines: each row (`line ROW v1 v2 ...`, or `line v1 v2 ...` for one row)
/// as `len` numbers in `range`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    /// The words the lines start with (`loop`; `reading score`).
    pub line: &'static [&'static str],
    /// The row names that follow them (the drums); none: one row.
    pub rows: &'static [&'static str],
    pub len: usize,
    pub range: (f32, f32),
    /// What it shows, for its caption.
    pub doc: &'static str,
}

impl Grid {
    /// The name of row `row` (`None`: the one row) with a prefix: `PREFIX-loop-kick`,
    /// `PREFIX-reading-velocity`. Pd's arrays and the names in Max's help are these.
    pub fn name(&self, prefix: &str, row: Option<&str>) -> String {
        let mut n = format!("{prefix}-{}", self.line.join("-"));
        if let Some(r) = row {
            n.push('-');
            n.push_str(r);
        }
        n
    }
}

impl Entry {
    /// What the inlet takes, for a host's assist text: every message, and what a bare number
    /// or list stands for.
    pub fn inlet_text(&self) -> String {
        let d = self.decl;
        let mut t = format!("every message of {}", d.name);
        if let Some(m) = d.number.and_then(|n| d.message(n)) {
            t.push_str(&format!("; bang or a number: {}", m.name));
        }
        if let Some(m) = d.list.and_then(|n| d.message(n)) {
            t.push_str(&format!("; a list: {}", super::decl::usage(m)));
        }
        t
    }
}
