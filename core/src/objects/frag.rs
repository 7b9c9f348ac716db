//! `bandmate.frag~`: a rotating bank of audio fragments to trigger and loop, the same in Pd and
//! Max. The sound is made by the [`BankEngine`] on the audio thread; this object is the
//! message side: it checks messages against [`FRAG`], drives the [`BankControl`], and reports
//! slot changes on the info outlet. Fragments come from WAV files (`read`), from the host's
//! own arrays / `buffer~`s (`array`, which the host fulfils: see [`Output::FetchArray`]), and
//! from generators that write WAV files (`import`, `watch`): those are cleaned and fitted to
//! the set's tempo ([`crate::audio::prepare`]) on a worker thread, so neither the audio nor the
//! host's message thread ever waits for them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;

use super::contract::{panic_text, Engine, Entry, HelpExtras, Object, Output, SlotState};
use super::decl::{out, signal, Atom, Handlers, ObjectDecl, EMPTY};
use super::groove::{BPM_MAX, BPM_MIN};
use super::scene::{attribute_messages, message, ScenePart};
use super::worker::Worker;
use crate::audio::{
    stretch_loop, Prepare, PrepareReport, QuantizeMode, QuantizeOptions, TempoOptions, TrimOptions,
};
use crate::error::{Error, Result};
use crate::fragbank::{
    bank, BankControl, BankEngine, BankEvent, Fragment, DEFAULT_SLOTS, MAX_SLOTS,
};
use crate::wav::{read_wav, Audio};

/// The highest slot number a message may name (the bank may be smaller: checked then).
const SLOT_MAX: i64 = MAX_SLOTS as i64;

crate::messages! {
    for FragObject, FRAG, FRAG_MESSAGES;

    "read" (
        path: req path(&[]) "a WAV file (mono or stereo, any sample rate)",
        slot: opt int(1, SLOT_MAX) "slot number, from 1; none = the oldest (rotating)",
    )
    "Load a WAV file into a slot.",
    "loop.wav",
    |o, _now| {
        let slot = o.slot_index("read", slot)?;
        let frag = Fragment::from_wav(Path::new(path))?;
        o.put(frag, slot)?;
    }

    "array" (
        name: req symbol() "arrays NAME-l and NAME-r (stereo) or NAME (mono) in Pd; buffer~ NAME in Max",
        slot: opt int(1, SLOT_MAX) "slot number, from 1; none = the oldest (rotating)",
    )
    "Take a copy of arrays (e.g. what [bandmate.groove] rendered) into a slot; an empty or silent one is refused.",
    "drums",
    |o, _now| {
        let slot = o.slot_index("array", slot)?;
        o.out.push(Output::FetchArray {
            name: name.to_string(),
            slot,
        });
    }

    #[SLOT] "trigger" (slot: req int(1, SLOT_MAX) "slot number, from 1")
    "Play a slot once from the start (again: restart it, crossfading from what sounds, never louder than the louder of the two).",
    "1",
    |o, _now| {
        let s = o.filled("trigger", slot)?;
        o.control.trigger(s)
    }

    #[SLOT] "loop" (
        slot: req int(1, SLOT_MAX) "slot number, from 1",
        on: opt int(0, 1) "1 = loop (default), 0 = play to the end and stop",
    )
    "Loop a slot (starts it if silent); the loop point is crossfaded. Switched as a one-shot ends, or a loop pass, it goes on or fades without a click. On an empty slot (a device's stored toggle replayed as a set loads) the switch is kept quietly: a fragment loaded there waits for trigger, then loops.",
    "1",
    |o, _now| {
        let s = o.existing("loop", slot)?;
        o.control.set_loop(s, on != Some(0))
    }

    #[SLOT] "stop" (slot: opt int(1, SLOT_MAX) "slot number, from 1; none = every slot")
    "Stop a slot (a short fade, no click).",
    "1",
    |o, _now| {
        match o.slot_index("stop", slot)? {
            Some(s) => o.control.stop(s),
            None => o.control.stop_all(),
        }
    }

    #[SLOT] "rate" (
        slot: req int(1, SLOT_MAX) "slot number, from 1",
        rate: req float(0.0625, 4.0) "1 = as recorded, 0.5 = half-time, 0.25 = quarter-time",
    )
    "Playback speed of a slot (tape-style: half-time is an octave down).",
    "1 0.5",
    |o, _now| {
        let s = o.existing("rate", slot)?;
        o.control.set_rate(s, rate)
    }

    #[SLOT] "gain" (
        slot: req int(1, SLOT_MAX) "slot number, from 1",
        gain: req float(0.0, 4.0) "linear gain, 1 = as is",
    )
    "Level of a slot.",
    "1 0.8",
    |o, _now| {
        let s = o.existing("gain", slot)?;
        o.control.set_gain(s, gain as f32)
    }

    #[LATER] "import" (
        path: req path(&[]) "a WAV file (any rate, mono or stereo, 16/24/32-bit or float)",
        slot: opt int(1, SLOT_MAX) "slot number, from 1; none = the oldest (rotating)",
    )
    "Import a generated fragment: resampled to the host's rate, silences trimmed, fitted to the tempo grid (see quantize), loudness matched (see normalize); on a worker, nothing waits.",
    "loop.wav",
    |o, _now| {
        let slot = o.slot_index("import", slot)?;
        let prepare = Box::new(o.prepare_settings());
        o.submit(
            Job::Import {
                path: PathBuf::from(path),
                slot,
                prepare,
            },
            true,
        );
    }

    #[LATER] "watch" (path: opt path(&[]) "a folder; none = stop watching")
    "Watch a folder: every new WAV file written there is imported into the next slot (files already there are left alone).",
    "fragments",
    |o, _now| {
        let dir = path.map(PathBuf::from);
        if let Some(d) = &dir {
            if !d.is_dir() {
                return Err(Error::invalid(format!(
                    "watch: '{}' is not a folder",
                    d.display()
                )));
            }
        }
        let prepare = Box::new(o.prepare_settings());
        o.submit(Job::Watch(dir, prepare), true);
    }

    #[LATER, SLOT] "stretch" (
        slot: req int(1, SLOT_MAX) "slot number, from 1",
        factor: req float(1.0, 4.0) "1 = as imported, 2 = half-time, 4 = quarter-time",
        mode: opt choice(&["keep", "tape"]) "keep = keep the pitch (default), tape = slower and lower, like tape",
    )
    "Half-time and quarter-time: keep the pitch (a phase vocoder, computed on a worker, seamless at the loop point; a playing slot restarts from its start, a stopped one stays stopped, the rate stays as set) or slow down like tape (at once).",
    "1 2 keep",
    |o, _now| {
        o.stretch(slot, factor, mode == Some("tape"))
    }

    "quantize" (mode: req choice(&["off", "stretch", "warp"]) "off = keep the timing; stretch = the whole fragment to the tempo; warp = every beat onto the grid")
    "How imported fragments are fitted to the tempo grid, then cut to whole bars with a seamless loop point (left as they are when the tempo is unsure).",
    "warp",
    |o, _now| {
        let mode = ImportSettings::mode(mode)?;
        o.change_settings(|s| s.quantize = mode);
    }

    #[ATTR] "tempo" (bpm: req float(BPM_MIN, BPM_MAX) "the set's tempo")
    "The tempo imported fragments are fitted to (with quantize stretch or warp).",
    "120",
    get |o| o.settings.tempo,
    |o, _now| {
        o.change_settings(|s| s.tempo = bpm)
    }

    #[ATTR] "trim" (on: req int(0, 1) "1 = remove silences (default), 0 = keep them")
    "Remove leading, trailing and long inner silences of imported fragments (short fades, no clicks).",
    "1",
    get |o| f64::from(u8::from(o.settings.trim)),
    |o, _now| {
        o.change_settings(|s| s.trim = on == 1)
    }

    #[ATTR] "threshold" (db: req float(-96.0, -10.0) "level under which it is silence (dBFS)")
    "Silence threshold for trimming.",
    "-50",
    get |o| f64::from(o.settings.threshold_db),
    |o, _now| {
        o.change_settings(|s| s.threshold_db = db as f32)
    }

    #[ATTR] "gap" (ms: req float(10.0, 10_000.0) "inner silences at least this long are cut out")
    "Shortest inner silence removed (default 1000: the rests of a sparse beat stay).",
    "1000",
    get |o| o.settings.gap_ms,
    |o, _now| {
        o.change_settings(|s| s.gap_ms = ms)
    }

    #[ATTR] "normalize" (lufs: req float(-60.0, 0.0) "target loudness in LUFS; 0 = off")
    "Bring imported fragments to one loudness so slots sit together in a mix.",
    "-14",
    get |o| o.settings.normalize_lufs,
    |o, _now| {
        o.change_settings(|s| s.normalize_lufs = lufs)
    }

    "dump" ()
    "Report every slot on the info outlet.",
    "",
    |o, _now| {
        o.dump()
    }

    "prompt" (text: req words(crate::prompt::MAX_PROMPT_WORDS) "the fragment in words: a style, a tempo, swing, feel, density, drums to use or leave out, a length (docs/fragments.md has the words)")
    "Describe the next fragment 'generate' makes. With a text-to-audio model ('model FOLDER'), any words, as you would prompt Stable Audio ('prompt' says them back). With none, the words describe a beat that the groove model plays in the kit: the words understood are said back ('understood ...'), the others too ('ignored ...').",
    "laid-back hiphop 88 bpm ride no crash swing 58",
    |o, _now| {
        let text = text
            .iter()
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        if o.t2a_mode {
            o.info("prompt", super::decl::atoms(&text));
            o.prompt = Some(text);
            o.state.clear();
            return Ok(());
        }
        let p = crate::prompt::BeatPrompt::parse(&text).map_err(|e| match &o.prompt {
            Some(old) => Error::invalid(format!("{e}; the prompt '{old}' stays")),
            None => e,
        })?;
        o.prompt = Some(text);
        o.state.clear();
        // (each phrase's words as atoms: a symbol with a space is awkward in Pd and Max)
        o.info(
            "understood",
            p.understood.iter().flat_map(|w| super::decl::atoms(w)).collect(),
        );
        if !p.ignored.is_empty() {
            o.info(
                "ignored",
                p.ignored.iter().map(|w| Atom::Symbol(w.clone())).collect(),
            );
        }
    }

    #[LATER] "generate" (
        seconds: opt float(0.5, 30.0) "about how long (rounded to whole bars at its tempo, 1 to 8 bars); none = what the prompt says, else 2 bars",
        slot: opt int(1, SLOT_MAX) "slot number, from 1; none = the oldest (rotating)",
    )
    "Make a fragment from the prompt into a slot, on a worker (the bank plays on), prepared as an imported file is (trim, tempo, loudness). With a text-to-audio model, 'progress STEP OF' after each sampler step; 'cancel' stops it. Answered with 'generated SLOT SECONDS'.",
    "4",
    |o, _now| {
        let Some(text) = o.prompt.clone() else {
            return Err(Error::invalid(
                "generate: no prompt yet (send 'prompt' with words first)",
            ));
        };
        let slot = o.slot_index("generate", slot)?;
        let seed = match o.seed {
            0 => {
                o.takes += 1;
                o.takes + 1_000_000
            }
            s => s,
        };
        let prepare = Box::new(o.prepare_settings());
        o.asked += 1;
        let job = if o.t2a_mode {
            Job::Audio {
                id: o.asked,
                request: crate::t2a::Request {
                    prompt: text,
                    // none: 2 bars at the set's tempo
                    seconds: seconds.unwrap_or(480.0 / o.settings.tempo),
                    steps: (o.steps > 0).then_some(o.steps),
                    cfg: Some(o.cfg),
                    seed,
                },
                slot,
                prepare,
            }
        } else {
            Job::Beat {
                text,
                seconds,
                slot,
                seed,
                bpm: o.settings.tempo,
                prepare,
            }
        };
        o.submit(job, true);
    }

    #[LATER] "model" (
        folder: req path(&["off"]) "a text-to-audio model folder (made by scripts/export-sao); off = none (beats from words)",
        precision: opt choice(&["float", "int8"]) "float (default) or int8: the transformer's INT8 weights, faster, where the folder has them",
    )
    "The text-to-audio model 'generate' uses, loaded on the worker (the bank plays on). Answered 'model NAME MAX-SECONDS PRECISION', or 'model off'; a folder that will not load is an error and the model before stays.",
    "models/sao-tiny",
    |o, _now| {
        let dir = (folder != "off").then(|| PathBuf::from(folder));
        // from now on prompts are for the model (the worker loads it before what follows: a
        // 'model X, prompt ..., generate' in one go makes the model's fragment)
        o.t2a_mode = dir.is_some();
        let threads = o.model_threads();
        o.submit(Job::Model(dir, precision == Some("int8"), threads), true);
    }

    #[ATTR] "threads" (n: req int(0, 64) "0 = all the cores but one (default: one is left for the audio)")
    "How many threads the text-to-audio model computes on. A model already loaded is loaded again with them.",
    "2",
    get |o| o.threads as f64,
    |o, _now| {
        o.threads = n as usize;
        if let Some((dir, int8)) = o.model_dir.clone() {
            let threads = o.model_threads();
            o.submit(Job::Model(Some(dir), int8, threads), true);
        }
    }

    #[ATTR] "steps" (n: req int(0, crate::t2a::MAX_STEPS as i64) "0 = the model's own (8 for Stable Audio Open Small)")
    "Sampler steps of text-to-audio generation: more is slower; a distilled model wants few.",
    "8",
    get |o| o.steps as f64,
    |o, _now| {
        o.steps = n as usize;
    }

    #[ATTR] "cfg" (x: req float(0.0, crate::t2a::MAX_CFG) "1 = no guidance (Stable Audio Open Small's own), higher = closer to the prompt")
    "Classifier-free guidance of text-to-audio generation (above 1, each step runs the model twice).",
    "1",
    get |o| o.cfg,
    |o, _now| {
        o.cfg = x;
    }

    "cancel" ()
    "Stop the text-to-audio generation under way within one sampler step, and any asked for before; the bank plays on. Answered 'cancelled STEP OF'.",
    "",
    |o, _now| {
        o.cancel.store(o.asked, Ordering::Release);
    }

    #[ATTR] "seed" (n: req int(0, 1_000_000) "0 = another take each time")
    "Which take 'generate' makes: the same prompt and seed give the same fragment.",
    "7",
    get |o| o.seed as f64,
    |o, _now| {
        o.seed = n as u64;
    }
}

/// The declaration of `bandmate.frag~`.
pub const FRAG: ObjectDecl = ObjectDecl {
    name: "bandmate.frag~",
    osc: "frag",
    doc: "A bank of audio fragments (4 slots by default): a new fragment replaces the oldest; \
          trigger, loop, stop, half-time and quarter-time per slot, without clicks.",
    creation: &[super::decl::opt(
        "slots",
        super::decl::kind::int(1, SLOT_MAX),
        "how many slots (default 4)",
    )],
    messages: FRAG_MESSAGES,
    labels: &[(
        "frag/prompt",
        "the prompt and what became of it: 'beat: WORDS' (beats from words) or 'MODEL: WORDS', then '· step 3/8', '· slot 2' or '· cancelled'",
    )],
    outlets: &[
        signal("left", "left channel of all slots mixed"),
        signal("right", "right channel (a mono fragment plays on both)"),
        out("info", "loaded SLOT NAME FRAMES SAMPLERATE, prepared SLOT NAME BPM CONFIDENCE QUANTIZED SECONDS-TRIMMED, summary WORDS... (what the import did, in one line), understood WORDS... and ignored WORDS... (what a prompt said), prompt WORDS... (with a text-to-audio model), model NAME MAX-SECONDS PRECISION (or model off), progress STEP OF, cancelled STEP OF, generated SLOT SECONDS, stretched SLOT FACTOR MODE, watching PATH, started SLOT, ended SLOT, slot SLOT NAME FRAMES LOOPING RATE GAIN PLAYING, error TEXT"),
    ],
    ..EMPTY
};

/// What the help patches add around `bandmate.frag~`.
pub const FRAG_HELP: HelpExtras = HelpExtras {
    objects: &["array define drums-l", "array define drums-r"],
    outlet_objects: &[&["dac~"], &["dac~"], &["print info"]],
    intro: "Turn DSP on. 'read FILE' loads a WAV; 'array drums' takes a copy of the arrays \
            drums-l / drums-r (fill them with [bandmate.groove]: 'generate' then 'render drums'). \
            Each new fragment goes into the oldest slot. Then trigger, loop, rate 0.5 (half-time).",
    more_messages: &[],
    grids: &[],
};

/// `bandmate.frag~` in the registry.
pub const ENTRY: Entry = Entry {
    decl: &FRAG,
    help: FRAG_HELP,
    make: |options, args| {
        let slots = match FragObject::slots_from_creation(args)? {
            None => options.slots.unwrap_or(DEFAULT_SLOTS),
            Some(n) => n,
        };
        let mut o = FragObject::holding_engine(slots, 48_000.0, options.roots.clone())?;
        o.find_models(options);
        Ok(Box::new(o))
    },
};

/// How often slot events are read while something plays (ms).
pub const FRAG_POLL_MS: f64 = 20.0;

/// Shortest inner silence an import removes by default: a second. Shorter gaps are music (the
/// rests between hits of a sparse beat: 0.4 s between clicks at 120 BPM); a generator's dead
/// air lasts longer. `gap MS` changes it.
pub const DEFAULT_GAP_MS: f64 = 1000.0;

use super::watch::FolderWatch;
pub use super::watch::WATCH_MS;

/// Work for the fragment worker.
enum Job {
    Import {
        path: PathBuf,
        slot: Option<usize>,
        prepare: Box<Prepare>,
    },
    Stretch {
        slot: usize,
        original: Arc<Fragment>,
        factor: f64,
    },
    Watch(Option<PathBuf>, Box<Prepare>),
    Settings(Box<Prepare>),
    /// A beat from words: the prompt, about how long, where, which take, the tempo when the
    /// prompt says none.
    Beat {
        text: String,
        seconds: Option<f64>,
        slot: Option<usize>,
        seed: u64,
        bpm: f64,
        prepare: Box<Prepare>,
    },
    /// Where the groove model is (the package's, then the workspace's) and the ONNX Runtime
    /// library of a host's package.
    Models(Vec<PathBuf>, Option<PathBuf>),
    /// A fragment from a text-to-audio model (`id`: the request's number, for `cancel`).
    Audio {
        id: u64,
        request: crate::t2a::Request,
        slot: Option<usize>,
        prepare: Box<Prepare>,
    },
    /// Load a text-to-audio model folder (with its INT8 transformer, on so many threads), or
    /// none.
    Model(Option<PathBuf>, bool, usize),
}

enum Reply {
    /// `asked`: by an `import` message (not by the watched folder).
    Imported {
        fragment: Box<Fragment>,
        slot: Option<usize>,
        report: Box<PrepareReport>,
        asked: bool,
    },
    Stretched {
        slot: usize,
        fragment: Box<Fragment>,
        factor: f64,
    },
    Watching(Option<PathBuf>),
    /// A beat from words: into its slot like an import, then `generated`.
    Generated {
        fragment: Box<Fragment>,
        slot: Option<usize>,
        summary: String,
    },
    /// What went wrong, and whether a message waits for it (not the watched folder).
    Failed(String, bool),
    /// A text-to-audio model loaded (name, longest fragment, INT8, its folder), or none.
    Model(Option<(String, f64, bool, PathBuf)>),
    /// A model that would not load (the one before, if any, stays).
    ModelFailed(String),
    /// A sampler step done (not an answer: the generation goes on).
    Progress(usize, usize),
    /// A generation stopped by `cancel` after this many steps of so many.
    Cancelled(usize, usize),
}

/// The worker: imports, stretches, and looks at the watched folder.
struct Importer {
    watch: Option<FolderWatch>,
    prepare: Prepare,
    /// Files a watched folder brings must lie inside these (links resolved); `None`: anywhere.
    roots: Option<Vec<PathBuf>>,
    /// The groove model for beats from words (loaded at the first; the rule-based drum
    /// machine where there is none), where to look for it, and the runtime.
    drummer: Option<Box<dyn crate::groove::Drummer>>,
    models: Vec<PathBuf>,
    runtime: Option<PathBuf>,
    /// The text-to-audio model (`model FOLDER`), if any.
    t2a: Option<crate::t2a::TextToAudio>,
    /// Requests up to this number are cancelled (the object's `cancel`).
    cancel: Arc<AtomicU64>,
    /// The reply queue, for progress during a job.
    replies: Option<Sender<Reply>>,
}

/// The rate a preparation brings audio to (the host's), 48 kHz where it says none.
fn prepare_rate(p: &Prepare) -> u32 {
    p.sample_rate.unwrap_or(48_000)
}

/// Audio from a file or a model made into a fragment as every import is: the chain, then the
/// fragment, and what the chain did.
fn prepared(name: String, audio: &Audio, prepare: &Prepare) -> Result<(Fragment, PrepareReport)> {
    let (audio, report) = crate::audio::prepare(audio, prepare)?;
    Ok((Fragment::from_audio(name, audio)?, report))
}

fn audio_of(f: &Fragment) -> Audio {
    Audio {
        sample_rate: f.sample_rate(),
        channels: (0..f.channel_count())
            .map(|c| f.channel(c).expect("counted").to_vec())
            .collect(),
    }
}

impl Importer {
    fn run(mut self, jobs: Receiver<Job>, replies: Sender<Reply>) {
        self.replies = Some(replies.clone());
        loop {
            let job = match jobs.recv_timeout(Duration::from_millis(WATCH_MS)) {
                Ok(j) => Some(j),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => return,
            };
            let mut out = Vec::new();
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match job {
                Some(j) => self.handle(j, &mut out),
                None => self.look(&mut out),
            }));
            if let Err(p) = r {
                out.push(Reply::Failed(
                    format!("internal error: {}", panic_text(&p)),
                    true,
                ));
            }
            for r in out {
                if replies.send(r).is_err() {
                    return;
                }
            }
        }
    }

    fn import(path: &Path, slot: Option<usize>, prepare: &Prepare, asked: bool) -> Reply {
        let name = path.file_stem().map_or_else(
            || "fragment".to_string(),
            |s| s.to_string_lossy().into_owned(),
        );
        let done = read_wav(path)
            .and_then(|audio| prepared(name, &audio, prepare).map_err(|e| e.at(path)));
        match done {
            Ok((fragment, report)) => Reply::Imported {
                fragment: Box::new(fragment),
                slot,
                report: Box::new(report),
                asked,
            },
            // (The error names the file, whatever went wrong.)
            Err(e) => Reply::Failed(format!("import: {e}"), asked),
        }
    }

    fn handle(&mut self, job: Job, out: &mut Vec<Reply>) {
        match job {
            Job::Import {
                path,
                slot,
                prepare,
            } => out.push(Self::import(&path, slot, &prepare, true)),
            Job::Stretch {
                slot,
                original,
                factor,
            } => {
                let done = if (factor - 1.0).abs() < 1e-9 {
                    Ok((*original).clone())
                } else {
                    stretch_loop(&audio_of(&original), factor)
                        .and_then(|a| Fragment::from_audio(original.name(), a))
                };
                out.push(match done {
                    Ok(f) => Reply::Stretched {
                        slot,
                        fragment: Box::new(f),
                        factor,
                    },
                    Err(e) => Reply::Failed(format!("stretch: slot {}: {e}", slot + 1), true),
                });
            }
            Job::Watch(dir, prepare) => {
                self.prepare = *prepare;
                match dir {
                    None => {
                        self.watch = None;
                        out.push(Reply::Watching(None));
                    }
                    Some(d) => match FolderWatch::start_within(&d, self.roots.clone()) {
                        Err(e) => out.push(Reply::Failed(e.to_string(), true)),
                        Ok(w) => {
                            self.watch = Some(w);
                            out.push(Reply::Watching(Some(d)));
                        }
                    },
                }
            }
            Job::Settings(p) => self.prepare = *p,
            Job::Models(dirs, runtime) => {
                self.models = dirs;
                self.runtime = runtime;
            }
            Job::Model(dir, int8, threads) => out.push(match dir {
                None => {
                    self.t2a = None;
                    Reply::Model(None)
                }
                Some(d) => {
                    match crate::t2a::TextToAudio::load(&d, self.runtime.as_deref(), int8, threads)
                    {
                        Ok(m) => {
                            let i = m.info();
                            let r = Reply::Model(Some((
                                i.name.clone(),
                                i.max_seconds,
                                i.int8,
                                d.clone(),
                            )));
                            self.t2a = Some(m);
                            r
                        }
                        Err(e) => Reply::ModelFailed(format!(
                            "{}{}",
                            // (a model folder's own errors say 'model:' already)
                            match e.kind {
                                crate::error::ErrorKind::Model(_) => e.to_string(),
                                _ => format!("model: {e}"),
                            },
                            match &self.t2a {
                                Some(m) => format!("; the model '{}' stays", m.info().name),
                                None => String::new(),
                            }
                        )),
                    }
                }
            }),
            Job::Audio {
                id,
                request,
                slot,
                prepare,
            } => out.push(self.audio(id, &request, slot, &prepare)),
            Job::Beat {
                text,
                seconds,
                slot,
                seed,
                bpm,
                prepare,
            } => out.push(match self.beat(&text, seconds, seed, bpm, &prepare) {
                Ok((fragment, summary)) => Reply::Generated {
                    fragment: Box::new(fragment),
                    slot,
                    summary,
                },
                Err(e) => Reply::Failed(format!("generate: {e}"), true),
            }),
        }
    }

    /// A fragment from the text-to-audio model, prepared as an imported file is; progress
    /// after each step, stopped by `cancel`.
    fn audio(
        &mut self,
        id: u64,
        r: &crate::t2a::Request,
        slot: Option<usize>,
        prepare: &Prepare,
    ) -> Reply {
        let Some(model) = self.t2a.as_mut() else {
            return Reply::Failed(
                "generate: no text-to-audio model is loaded (the last 'model' failed, or was 'model off')".into(),
                true,
            );
        };
        if self.cancel.load(Ordering::Acquire) >= id {
            return Reply::Cancelled(0, r.steps.unwrap_or(model.info().steps));
        }
        let (cancel, replies) = (Arc::clone(&self.cancel), self.replies.clone());
        let mut stopped = None;
        let mut progress = |done: usize, of: usize| {
            if let Some(tx) = &replies {
                let _ = tx.send(Reply::Progress(done, of));
            }
            let go = cancel.load(Ordering::Acquire) < id;
            if !go {
                stopped = Some((done, of));
            }
            go
        };
        let done = model
            .generate(r, &mut progress)
            .and_then(|audio| prepared(model.info().name.clone(), &audio, prepare));
        match (done, stopped) {
            (_, Some((d, of))) => Reply::Cancelled(d, of),
            (Ok((fragment, report)), None) => Reply::Generated {
                summary: format!(
                    "{} from '{}', seed {}: {}",
                    fragment.name(),
                    r.prompt,
                    r.seed,
                    report.summary()
                ),
                fragment: Box::new(fragment),
                slot,
            },
            (Err(e), None) => Reply::Failed(format!("generate: {e}"), true),
        }
    }

    /// The groove model (loaded once), else the rule-based drum machine.
    fn drummer(&mut self) -> &mut dyn crate::groove::Drummer {
        if self.drummer.is_none() {
            let model = self
                .models
                .iter()
                .find(|d| d.join("model.json").is_file())
                .and_then(|dir| crate::model::load_with_runtime(dir, self.runtime.as_deref()).ok());
            self.drummer = Some(match model {
                Some(m) => Box::new(m),
                None => Box::new(crate::baseline::RuleDrummer::new()),
            });
        }
        self.drummer.as_deref_mut().expect("set above")
    }

    /// A beat from the words of `text`, rendered with the synth kit and prepared as an
    /// imported file is.
    fn beat(
        &mut self,
        text: &str,
        seconds: Option<f64>,
        seed: u64,
        bpm: f64,
        prepare: &Prepare,
    ) -> Result<(Fragment, String)> {
        let mut p = crate::prompt::BeatPrompt::parse(text)?;
        // fitted to the bank's tempo (quantize on): played at it; else at the prompt's
        let fitted = prepare.quantize.is_some();
        let tempo = if fitted { bpm } else { p.bpm.unwrap_or(bpm) };
        let asked = p.bpm.filter(|b| (b - tempo).abs() > 1e-9);
        p.bpm = Some(tempo);
        if let Some(s) = seconds {
            let bars = (s * tempo / 240.0)
                .round()
                .clamp(1.0, crate::prompt::MAX_BARS as f64);
            p.bars = Some(bars as usize);
        }
        let (pattern, bpm) = crate::prompt::make_beat(self.drummer(), &p, seed)?;
        let kit = crate::render::Kit::synth(prepare_rate(prepare));
        let mut audio = crate::render::render(&pattern, bpm, &kit, crate::render::Tail::Wrap)?;
        // Made on the grid at a known tempo and length: nothing to trim (a beat's rests are
        // music) or re-time (a tempo estimate can only be worse than the one it was made at);
        // the loudness is matched as an import's is.
        let bars = pattern.steps() / crate::pattern::STEPS_PER_BAR;
        let mut summary = format!("a beat at {bpm} BPM, {bars} bars");
        if let Some(a) = asked {
            summary.push_str(&format!(
                " (the prompt's {a} BPM: the bank's tempo, quantize is on)"
            ));
        }
        if let Some(target) = prepare.normalize_lufs {
            let (a, gain) = crate::audio::normalize(&audio, target)?;
            audio = a;
            summary.push_str(&format!(", {target} LUFS ({gain:+.1} dB)"));
        }
        summary.push_str(&format!(", {:.2} s", audio.duration_secs()));
        let name = p
            .style
            .map_or_else(|| "beat".to_string(), |s| format!("{s}-beat"));
        Ok((Fragment::from_audio(name, audio)?, summary))
    }

    /// Look at the watched folder: import what arrived.
    fn look(&mut self, out: &mut Vec<Reply>) {
        let Some(w) = self.watch.as_mut() else {
            return;
        };
        for found in w.look_within() {
            out.push(match found {
                Ok(p) => Self::import(&p, None, &self.prepare, false),
                Err(p) => Reply::Failed(
                    format!("watch: {}: {}", p.display(), crate::fsutil::OUTSIDE),
                    false,
                ),
            });
        }
    }
}

/// How imported fragments are prepared, as `tempo`, `quantize`, `trim`, `threshold`, `gap` and
/// `normalize` set it: the same settings in `bandmate.frag~`, `bandmated` and `bandmate
/// fragment`.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportSettings {
    /// The set's tempo (with a quantize mode).
    pub tempo: f64,
    pub quantize: QuantizeMode,
    pub trim: bool,
    pub threshold_db: f32,
    pub gap_ms: f64,
    /// Target loudness in LUFS; 0 = leave the level.
    pub normalize_lufs: f64,
}

impl Default for ImportSettings {
    fn default() -> ImportSettings {
        ImportSettings {
            tempo: 120.0,
            quantize: QuantizeMode::Off,
            trim: true,
            threshold_db: TrimOptions::default().threshold_db,
            gap_ms: DEFAULT_GAP_MS,
            normalize_lufs: 0.0,
        }
    }
}

impl ImportSettings {
    /// The preparation chain for these settings, resampling to `sample_rate` if given.
    pub fn prepare(&self, sample_rate: Option<u32>) -> Prepare {
        Prepare {
            sample_rate,
            trim: self.trim.then(|| TrimOptions {
                threshold_db: self.threshold_db,
                min_gap_ms: self.gap_ms,
                ..TrimOptions::default()
            }),
            tempo: TempoOptions {
                prefer_bpm: Some(self.tempo),
                ..TempoOptions::default()
            },
            quantize: (self.quantize != QuantizeMode::Off).then(|| QuantizeOptions {
                bpm: self.tempo,
                mode: self.quantize,
                ..QuantizeOptions::default()
            }),
            normalize_lufs: (self.normalize_lufs < 0.0).then_some(self.normalize_lufs),
        }
    }

    /// A quantize mode by its word: `off`, `stretch`, `warp`.
    pub fn mode(word: &str) -> Result<QuantizeMode> {
        match word {
            "off" => Ok(QuantizeMode::Off),
            "stretch" => Ok(QuantizeMode::Stretch),
            "warp" => Ok(QuantizeMode::Warp),
            other => Err(Error::invalid(format!(
                "quantize '{other}': use off, stretch or warp"
            ))),
        }
    }
}

/// The message side of the fragment bank.
pub struct FragObject {
    control: BankControl,
    /// The signal half until a host takes it ([`Object::take_engine`]).
    engine: Option<BankEngine>,
    /// A message arrived since the last tick: slot events follow once the engine has run.
    poked: bool,
    out: Vec<Output>,
    sample_rate: f64,
    settings: ImportSettings,
    worker: Worker<Job, Reply>,
    watching: Option<PathBuf>,
    /// Each slot's fragment as it came in (what `stretch` starts from), and its stretch.
    /// (Whether the slot's rate was set by a tape stretch, for a pitch-kept one to undo.)
    originals: Vec<Option<(Arc<Fragment>, f64)>>,
    tape: Vec<bool>,
    /// The words the next `generate` makes a fragment of.
    prompt: Option<String>,
    /// 0: another take each time (counted in `takes`).
    seed: u64,
    takes: u64,
    /// The text-to-audio model's name, once the worker has loaded one.
    t2a: Option<String>,
    /// Prompts and generates are for a text-to-audio model (one is loaded, or asked for).
    t2a_mode: bool,
    /// The loaded model's folder and precision, kept with a scene.
    model_dir: Option<(PathBuf, bool)>,
    /// Threads for the model (0: all the cores but one).
    threads: usize,
    /// Its sampler steps (0: the model's own) and guidance scale.
    steps: usize,
    cfg: f64,
    /// Requests up to this number are cancelled; `asked` numbers them.
    cancel: Arc<AtomicU64>,
    asked: u64,
    /// What became of the last generation, for the controller's label.
    state: String,
}

impl FragObject {
    /// A bank of `slots` slots at the host's `sample_rate`; the engine goes to the audio
    /// thread.
    pub fn new(slots: usize, sample_rate: f64) -> Result<(FragObject, BankEngine)> {
        FragObject::new_within(slots, sample_rate, None)
    }

    /// The same, a watched folder bringing only files inside `roots` (links resolved; see
    /// [`Options::roots`](super::contract::Options::roots)).
    pub fn new_within(
        slots: usize,
        sample_rate: f64,
        roots: Option<Vec<PathBuf>>,
    ) -> Result<(FragObject, BankEngine)> {
        let (control, engine) = bank(slots, sample_rate)?;
        let cancel = Arc::new(AtomicU64::new(0));
        let importer = Importer {
            watch: None,
            prepare: Prepare::default(),
            roots,
            drummer: None,
            models: super::contract::default_model_dirs(None),
            runtime: None,
            t2a: None,
            cancel: Arc::clone(&cancel),
            replies: None,
        };
        let worker = Worker::spawn("bandmate-frag", move |jobs, replies| {
            importer.run(jobs, replies)
        })?;
        let mut o = FragObject {
            control,
            engine: None,
            poked: false,
            out: Vec::new(),
            sample_rate,
            settings: ImportSettings::default(),
            worker,
            watching: None,
            originals: vec![None; slots],
            tape: vec![false; slots],
            prompt: None,
            seed: 0,
            takes: 0,
            t2a: None,
            t2a_mode: false,
            model_dir: None,
            threads: 0,
            steps: 0,
            cfg: 1.0,
            cancel,
            asked: 0,
            state: String::new(),
        };
        o.send_settings();
        Ok((o, engine))
    }

    /// A bank whose engine waits inside for its host ([`Object::take_engine`]).
    pub fn holding_engine(
        slots: usize,
        sample_rate: f64,
        roots: Option<Vec<PathBuf>>,
    ) -> Result<FragObject> {
        let (mut o, engine) = FragObject::new_within(slots, sample_rate, roots)?;
        o.engine = Some(engine);
        Ok(o)
    }

    /// Apply creation attributes (`@tempo 120 @normalize -14`).
    pub fn create_with(&mut self, args: &[Atom]) -> Result<()> {
        self.run_creation(0.0, args)
    }

    /// The current value of a declared attribute, for a host's attribute inspector.
    pub fn attribute(&self, name: &str) -> Option<f64> {
        self.read_attribute(name)
    }

    /// The host's sample rate (at creation, and when its DSP restarts at another rate):
    /// imports are resampled to it.
    pub fn set_sample_rate(&mut self, sample_rate: f64) {
        if sample_rate > 0.0 && sample_rate != self.sample_rate {
            self.sample_rate = sample_rate;
            self.send_settings();
        }
    }

    /// Creation arguments: `[slots]` (`None`: not given).
    pub fn slots_from_creation(args: &[Atom]) -> Result<Option<usize>> {
        let (pos, _) = FRAG.parse_creation(args)?;
        Ok(match pos.first() {
            Some(super::decl::Value::Int(n)) => Some(*n as usize),
            _ => None,
        })
    }

    pub fn control(&self) -> &BankControl {
        &self.control
    }

    /// A message from the host; an error says what was wrong and changes nothing.
    pub fn message(&mut self, selector: &str, args: &[Atom]) -> Result<()> {
        self.poked = true;
        self.run_message(0.0, selector, args)
    }

    /// Read the worker's results (imports, stretches) and the engine's events (a slot started
    /// or ended), and report them.
    pub fn poll(&mut self) {
        while let Some(r) = self.worker.try_recv() {
            self.take(r);
        }
        let mut events = Vec::new();
        self.control.poll_events(|e| events.push(e));
        for e in events {
            let (sel, slot) = match e {
                BankEvent::Started(s) => ("started", s),
                BankEvent::Ended(s) => ("ended", s),
            };
            self.info(sel, vec![Atom::Float((slot + 1) as f64)]);
        }
    }

    /// Is any slot sounding (as far as the events read so far say), or is the worker busy or
    /// watching a folder? Hosts poll while it is.
    pub fn busy(&self) -> bool {
        self.control.slots().iter().any(|s| s.playing)
            || self.worker.pending() > 0
            || self.watching.is_some()
    }

    /// Wait (at most `timeout`) until the worker has answered everything asked of it, then
    /// [`poll`](Self::poll): for offline use and tests.
    pub fn wait(&mut self, timeout: Duration) -> bool {
        let end = std::time::Instant::now() + timeout;
        while self.worker.pending() > 0 {
            let left = end.saturating_duration_since(std::time::Instant::now());
            match self.worker.recv(Some(left)) {
                Some(r) => self.take(r),
                None => break,
            }
        }
        self.poll();
        self.worker.pending() == 0
    }

    /// The import settings as the worker uses them, at the host's rate.
    fn prepare_settings(&self) -> Prepare {
        self.settings
            .prepare(Some(self.sample_rate.round().max(1.0) as u32))
    }

    /// The threads a text-to-audio model computes on: as set, else all the cores but one.
    fn model_threads(&self) -> usize {
        match self.threads {
            0 => {
                std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
            }
            n => n,
        }
    }

    /// Where beats from words find the groove model: a host's package first (its runtime
    /// started on the host's thread now, as the groove object does), then the workspace's.
    pub fn find_models(&mut self, options: &super::contract::Options) {
        let runtime = options
            .plugin_dir
            .as_deref()
            .map(crate::model::plugin_runtime);
        if options.plugin_dir.is_some() {
            crate::model::warm_runtime(runtime.as_deref());
        }
        let dirs = match &options.model {
            Some(d) => vec![d.clone()],
            None => super::contract::default_model_dirs(options.plugin_dir.as_deref()),
        };
        self.submit(Job::Models(dirs, runtime), false);
    }

    fn send_settings(&mut self) {
        let p = Box::new(self.prepare_settings());
        self.submit(Job::Settings(p), false);
    }

    fn submit(&mut self, job: Job, answered: bool) {
        if let Err(e) = self.worker.send(job, answered) {
            self.out.push(Output::Error(e));
        }
    }

    /// A result from the worker.
    fn take(&mut self, r: Reply) {
        match r {
            Reply::Imported {
                fragment,
                slot,
                report,
                asked,
            } => {
                if asked {
                    self.worker.answered();
                }
                let name = fragment.name().to_string();
                match self.put(*fragment, slot) {
                    Ok(s) => {
                        let q = &report.quantize;
                        self.info(
                            "prepared",
                            vec![
                                Atom::Float((s + 1) as f64),
                                Atom::Symbol(name),
                                Atom::Float((report.tempo.bpm * 100.0).round() / 100.0),
                                Atom::Float(
                                    (f64::from(report.tempo.confidence) * 100.0).round() / 100.0,
                                ),
                                Atom::Float(f64::from(u8::from(
                                    q.as_ref().is_some_and(|q| q.applied),
                                ))),
                                Atom::Float(
                                    (report.trim.as_ref().map_or(0.0, |t| t.removed_secs) * 1000.0)
                                        .round()
                                        / 1000.0,
                                ),
                            ],
                        );
                        self.info("summary", super::decl::atoms(&report.summary()));
                    }
                    Err(e) => self.out.push(Output::Error(format!("import: {e}"))),
                }
            }
            Reply::Generated {
                fragment,
                slot,
                summary,
            } => {
                self.worker.answered();
                let secs = fragment.frames() as f64 / f64::from(fragment.sample_rate());
                match self.put(*fragment, slot) {
                    Ok(s) => {
                        self.state = format!("slot {}", s + 1);
                        self.info("summary", super::decl::atoms(&summary));
                        self.info(
                            "generated",
                            vec![
                                Atom::Float((s + 1) as f64),
                                Atom::Float((secs * 1000.0).round() / 1000.0),
                            ],
                        );
                    }
                    Err(e) => self.out.push(Output::Error(format!("generate: {e}"))),
                }
            }
            Reply::Stretched {
                slot,
                fragment,
                factor,
            } => {
                self.worker.answered();
                let original = self.originals[slot].as_ref().map(|o| Arc::clone(&o.0));
                let looping = self.control.slots()[slot].looping;
                let playing = self.control.slots()[slot].playing;
                let fragment: Arc<Fragment> = Arc::new(*fragment);
                // The rate stays as the performer set it, unless a tape stretch set it (this
                // replaces that); a stopped slot stays stopped.
                let tape = std::mem::take(&mut self.tape[slot]);
                let r = self
                    .control
                    .load_into(slot, Arc::clone(&fragment))
                    .and_then(|_| {
                        if tape {
                            self.control.set_rate(slot, 1.0)?;
                        }
                        match (playing, looping) {
                            (true, true) => self.control.set_loop(slot, true),
                            (true, false) => self.control.trigger(slot),
                            (false, _) => Ok(()),
                        }
                    });
                match r {
                    Ok(()) => {
                        if let Some(o) = original {
                            self.originals[slot] = Some((o, factor));
                        }
                        self.out.push(Output::Stored {
                            slot,
                            fragment,
                            factor,
                        });
                        self.info(
                            "stretched",
                            vec![
                                Atom::Float((slot + 1) as f64),
                                Atom::Float(factor),
                                Atom::sym("keep"),
                            ],
                        );
                    }
                    Err(e) => self.out.push(Output::Error(format!("stretch: {e}"))),
                }
            }
            Reply::Watching(dir) => {
                self.worker.answered();
                self.watching = dir.clone();
                match dir {
                    Some(d) => self.info("watching", vec![Atom::Symbol(d.display().to_string())]),
                    None => self.info("watching", vec![]),
                }
            }
            Reply::Failed(e, asked) => {
                if asked {
                    self.worker.answered();
                }
                self.out.push(Output::Error(e));
            }
            Reply::Model(m) => {
                self.worker.answered();
                match m {
                    Some((name, max, int8, dir)) => {
                        self.t2a = Some(name.clone());
                        self.model_dir = Some((dir, int8));
                        self.info(
                            "model",
                            vec![
                                Atom::Symbol(name),
                                Atom::Float((max * 100.0).round() / 100.0),
                                Atom::sym(if int8 { "int8" } else { "float" }),
                            ],
                        );
                    }
                    None => {
                        self.t2a = None;
                        self.model_dir = None;
                        self.info("model", vec![Atom::sym("off")]);
                    }
                }
            }
            Reply::ModelFailed(e) => {
                self.worker.answered();
                // prompts are for a model only if one is loaded
                self.t2a_mode = self.t2a.is_some();
                self.out.push(Output::Error(e));
            }
            Reply::Progress(done, of) => {
                self.state = format!("step {done}/{of}");
                self.info(
                    "progress",
                    vec![Atom::Float(done as f64), Atom::Float(of as f64)],
                );
            }
            Reply::Cancelled(done, of) => {
                self.worker.answered();
                self.state = "cancelled".into();
                self.info(
                    "cancelled",
                    vec![Atom::Float(done as f64), Atom::Float(of as f64)],
                );
            }
        }
    }

    pub fn drain(&mut self, mut f: impl FnMut(Output)) {
        for o in self.out.drain(..) {
            f(o);
        }
    }

    /// The host's answer to [`Output::FetchArray`]: the channels it read (1 or 2).
    pub fn take_array(
        &mut self,
        name: &str,
        channels: Vec<Vec<f32>>,
        sample_rate: u32,
        slot: Option<usize>,
    ) -> Result<()> {
        let frag = Fragment::new(name, channels, sample_rate)?;
        self.put(frag, slot).map(|_| ())
    }

    fn put(&mut self, frag: Fragment, slot: Option<usize>) -> Result<usize> {
        let (name, frames, sr) = (frag.name().to_string(), frag.frames(), frag.sample_rate());
        let frag = Arc::new(frag);
        let slot = match slot {
            Some(s) => {
                self.control.load_into(s, Arc::clone(&frag))?;
                s
            }
            None => self.control.load(Arc::clone(&frag))?,
        };
        self.originals[slot] = Some((Arc::clone(&frag), 1.0));
        self.tape[slot] = false;
        self.out.push(Output::Stored {
            slot,
            fragment: frag,
            factor: 1.0,
        });
        self.info(
            "loaded",
            vec![
                Atom::Float((slot + 1) as f64),
                Atom::Symbol(name),
                Atom::Float(frames as f64),
                Atom::Float(f64::from(sr)),
            ],
        );
        Ok(slot)
    }

    fn info(&mut self, sel: &str, args: Vec<Atom>) {
        self.out.push(Output::Info(sel.to_string(), args));
    }

    /// A 1-based slot argument as an index, checked against this bank's size.
    fn slot_index(&self, what: &str, n: Option<i64>) -> Result<Option<usize>> {
        match n {
            None => Ok(None),
            Some(n) if n >= 1 && (n as usize) <= self.control.slot_count() => {
                Ok(Some(n as usize - 1))
            }
            Some(n) => Err(Error::invalid(format!(
                "{what}: slot {n} does not exist (this bank has slots 1..{})",
                self.control.slot_count()
            ))),
        }
    }

    /// A required slot argument as an index.
    fn existing(&self, what: &str, n: i64) -> Result<usize> {
        Ok(self.slot_index(what, Some(n))?.unwrap_or_default())
    }

    /// A slot to play: it must hold a fragment (said with the user's 1-based number).
    fn filled(&self, what: &str, n: i64) -> Result<usize> {
        let slot = self.existing(what, n)?;
        if self.control.slots()[slot].fragment.is_none() {
            return Err(Error::invalid(format!(
                "{what}: slot {} is empty (load it with read or array first)",
                slot + 1
            )));
        }
        Ok(slot)
    }

    /// Change the import settings and hand them to the worker.
    fn change_settings(&mut self, change: impl FnOnce(&mut ImportSettings)) {
        change(&mut self.settings);
        self.send_settings();
    }

    /// `stretch SLOT FACTOR [keep|tape]`.
    fn stretch(&mut self, n: i64, factor: f64, tape: bool) -> Result<()> {
        let slot = self.filled("stretch", n)?;
        let Some((original, _)) = self.originals[slot].clone() else {
            return Err(Error::invalid(format!(
                "stretch: slot {} is empty",
                slot + 1
            )));
        };
        if !tape {
            self.submit(
                Job::Stretch {
                    slot,
                    original,
                    factor,
                },
                true,
            );
            return Ok(());
        }
        // Tape: the fragment as it came in, played slower.
        if self.originals[slot].as_ref().is_some_and(|o| o.1 != 1.0) {
            self.control.load_into(slot, Arc::clone(&original))?;
            self.out.push(Output::Stored {
                slot,
                fragment: Arc::clone(&original),
                factor: 1.0,
            });
            self.originals[slot] = Some((original, 1.0));
            let s = &self.control.slots()[slot];
            if s.looping && s.playing {
                self.control.set_loop(slot, true)?;
            }
        }
        self.control.set_rate(slot, 1.0 / factor)?;
        self.tape[slot] = true;
        self.info(
            "stretched",
            vec![
                Atom::Float((slot + 1) as f64),
                Atom::Float(factor),
                Atom::sym("tape"),
            ],
        );
        Ok(())
    }

    /// `dump`: every slot on the info outlet.
    fn dump(&mut self) {
        let lines: Vec<Vec<Atom>> = self
            .control
            .slots()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (name, frames) = match &s.fragment {
                    Some(f) => (f.name.clone(), f.frames),
                    None => ("(empty)".to_string(), 0),
                };
                vec![
                    Atom::Float((i + 1) as f64),
                    Atom::Symbol(name),
                    Atom::Float(frames as f64),
                    Atom::Float(f64::from(u8::from(s.looping))),
                    Atom::Float(s.rate),
                    Atom::Float(f64::from(s.gain)),
                    Atom::Float(f64::from(u8::from(s.playing))),
                ]
            })
            .collect();
        for l in lines {
            self.info("slot", l);
        }
    }
}

impl Engine for BankEngine {
    fn process(&mut self, _inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        if let [left, right, ..] = outputs {
            BankEngine::process(self, left, right);
        }
    }
    fn set_sample_rate(&mut self, sample_rate: f64) -> Result<()> {
        BankEngine::set_sample_rate(self, sample_rate)
    }
}

impl Drop for FragObject {
    /// Every generation asked is cancelled: the worker stops within a step.
    fn drop(&mut self) {
        self.cancel.store(u64::MAX, Ordering::Release);
    }
}

impl Object for FragObject {
    fn decl(&self) -> &'static ObjectDecl {
        &FRAG
    }
    fn create_with(&mut self, _now: f64, args: &[Atom]) -> Result<()> {
        FragObject::create_with(self, args)
    }
    fn message(&mut self, _now: f64, selector: &str, args: &[Atom]) -> Result<()> {
        FragObject::message(self, selector, args)
    }
    fn tick(&mut self, _now: f64) {
        self.poked = false;
        self.poll();
    }
    fn wake_at(&self, now: f64) -> Option<f64> {
        (self.poked || self.busy()).then_some(now + FRAG_POLL_MS)
    }
    fn drain_into(&mut self, f: &mut dyn FnMut(Output)) {
        self.drain(f)
    }
    fn attribute(&self, name: &str) -> Option<f64> {
        FragObject::attribute(self, name)
    }
    fn set_sample_rate(&mut self, sample_rate: u32) {
        FragObject::set_sample_rate(self, f64::from(sample_rate))
    }
    fn take_array(
        &mut self,
        name: &str,
        channels: Vec<Vec<f32>>,
        sample_rate: u32,
        slot: Option<usize>,
    ) -> Result<()> {
        FragObject::take_array(self, name, channels, sample_rate, slot)
    }
    fn takes_audio(&self) -> bool {
        true
    }
    fn pending(&self) -> usize {
        self.worker.pending()
    }
    fn display(&self) -> Vec<(&'static str, String)> {
        let source = match (&self.t2a, self.t2a_mode) {
            (Some(name), true) => name.as_str(),
            (None, true) => "model",
            _ => "beat",
        };
        let mut t = match &self.prompt {
            Some(p) => format!("{source}: {p}"),
            None => format!("{source}: no prompt"),
        };
        if !self.state.is_empty() {
            t.push_str(" · ");
            t.push_str(&self.state);
        }
        vec![("frag/prompt", t)]
    }
    fn controls(&self) -> Vec<(&'static str, Vec<Atom>)> {
        self.control
            .slots()
            .iter()
            .enumerate()
            .map(|(k, s)| {
                (
                    "loop",
                    vec![
                        Atom::Float(k as f64 + 1.0),
                        Atom::Float(f64::from(u8::from(s.looping))),
                    ],
                )
            })
            .collect()
    }
    /// The import settings and each slot's loop switch, rate and gain (the fragments
    /// themselves are the host's: the OSC daemon keeps each slot's file with the scene).
    fn scene(&self) -> Option<ScenePart> {
        let mut messages = attribute_messages(self);
        let mode = match self.settings.quantize {
            QuantizeMode::Off => "off",
            QuantizeMode::Stretch => "stretch",
            QuantizeMode::Warp => "warp",
        };
        messages.push(message("quantize", vec![Atom::sym(mode)]));
        // the text-to-audio model, loaded again when the scene comes back
        if let Some((dir, int8)) = &self.model_dir {
            messages.push(message(
                "model",
                vec![
                    Atom::Symbol(dir.display().to_string()),
                    Atom::sym(if *int8 { "int8" } else { "float" }),
                ],
            ));
        }
        for (k, s) in self.control.slots().iter().enumerate() {
            let n = Atom::Float(k as f64 + 1.0);
            messages.push(message("rate", vec![n.clone(), Atom::Float(s.rate)]));
            messages.push(message(
                "gain",
                vec![n.clone(), Atom::Float(f64::from(s.gain))],
            ));
            let on = Atom::Float(f64::from(u8::from(s.looping)));
            messages.push(message("loop", vec![n, on]));
        }
        Some(ScenePart {
            messages,
            state: None,
            playing: false,
        })
    }
    fn slots(&self) -> Vec<SlotState> {
        self.control
            .slots()
            .iter()
            .map(|s| SlotState {
                filled: s.fragment.is_some(),
                looping: s.looping,
                playing: s.playing,
            })
            .collect()
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn take_engine(&mut self) -> Option<Box<dyn Engine>> {
        self.engine.take().map(|e| Box::new(e) as Box<dyn Engine>)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::decl::atoms;
    use crate::objects::Output;

    fn obj() -> (FragObject, BankEngine) {
        FragObject::new(4, 48_000.0).unwrap()
    }

    #[test]
    fn freeing_the_object_cancels_what_its_worker_generates() {
        // (a host frees the object on its main thread: the worker, which finishes its job on
        // its own, stops a text-to-audio generation at its next step instead of running it to
        // the end for nobody)
        let (o, _engine) = obj();
        let cancel = Arc::clone(&o.cancel);
        assert_eq!(cancel.load(Ordering::Acquire), 0);
        drop(o);
        assert_eq!(cancel.load(Ordering::Acquire), u64::MAX);
    }

    fn outs(o: &mut FragObject) -> Vec<Output> {
        let mut v = Vec::new();
        o.drain(|x| v.push(x));
        v
    }

    #[test]
    fn arrays_rotate_into_the_oldest_slot_and_play() {
        let (mut o, mut e) = obj();
        for i in 0..5 {
            o.take_array(&format!("f{i}"), vec![vec![0.5; 4800]], 48_000, None)
                .unwrap();
        }
        let loaded: Vec<Atom> = outs(&mut o)
            .into_iter()
            .filter_map(|x| match x {
                Output::Info(s, a) if s == "loaded" => Some(a[0].clone()),
                _ => None,
            })
            .collect();
        let slots: Vec<f64> = loaded
            .iter()
            .map(|a| match a {
                Atom::Float(x) => *x,
                _ => 0.0,
            })
            .collect();
        assert_eq!(slots, vec![1.0, 2.0, 3.0, 4.0, 1.0]);
        o.message("trigger", &atoms("1")).unwrap();
        let (mut l, mut r) = (vec![0.0; 256], vec![0.0; 256]);
        e.process(&mut l, &mut r);
        assert!((l[200] - 0.5).abs() < 1e-6 && (r[200] - 0.5).abs() < 1e-6);
        o.poll();
        assert!(outs(&mut o).contains(&Output::Info("started".into(), vec![Atom::Float(1.0)])));
        assert!(o.busy());
    }

    #[test]
    fn bad_messages_say_what_is_wrong() {
        let (mut o, _e) = obj();
        let e =
            |o: &mut FragObject, s: &str, a: &str| o.message(s, &atoms(a)).unwrap_err().to_string();
        assert!(
            e(&mut o, "trigger", "5").contains("slot 5 does not exist (this bank has slots 1..4)")
        );
        assert!(
            e(&mut o, "trigger", "1").contains("empty"),
            "{}",
            e(&mut o, "trigger", "1")
        );
        assert!(e(&mut o, "rate", "1 9").contains("out of range"));
        assert!(e(&mut o, "read", "/nonexistent.wav").contains("/nonexistent.wav"));
        assert!(e(&mut o, "wobble", "").contains("unknown message 'wobble'"));
        assert!(e(&mut o, "trigger", "x").contains("must be a number"));
        let r = o.message("array", &atoms("drums 2")).map(|_| outs(&mut o));
        assert_eq!(
            r.unwrap(),
            vec![Output::FetchArray {
                name: "drums".into(),
                slot: Some(1)
            }]
        );
    }

    #[test]
    fn creation_takes_the_slot_count() {
        assert_eq!(FragObject::slots_from_creation(&[]).unwrap(), None);
        assert_eq!(
            FragObject::slots_from_creation(&atoms("8")).unwrap(),
            Some(8)
        );
        assert!(FragObject::slots_from_creation(&atoms("0")).is_err());
        assert!(FragObject::slots_from_creation(&atoms("x")).is_err());
    }
}
