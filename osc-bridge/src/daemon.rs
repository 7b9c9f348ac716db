//! The daemon's state machine, without sockets or threads: packets in
//! ([`Daemon::handle_packet`]), clock ticks ([`Daemon::tick`]), finished fragment writes
//! ([`Daemon::bank_done`]); packets out ([`Daemon::take_outgoing`]) and fragment jobs for the
//! writer thread ([`Daemon::take_jobs`]). Everything is decided here, so the fuzz target and the
//! unit tests drive exactly what the network drives.
//!
//! Time: `now` is milliseconds on the daemon's [`Clock`]. The groove object runs `lookahead`
//! ms ahead of it (the horizon): notes are handed out that far ahead and go out as bundles
//! time-tagged with their exact time, and, with a MIDI port ([`Daemon::with_midi`]), to the
//! MIDI scheduler, which sends each at that same time on the same clock. Taps are placed at
//! the time their packet arrived.
//!
//! The looper object (`/bandmate/looper/...`) runs beside the groove on the same clock and the
//! same horizon: its notes go out as bundles of `/bandmate/looper/note KEY VELOCITY CHANNEL`
//! and to the MIDI port on their own channel; the live notes it listens to are placed at the
//! time their packet arrived.

use std::net::{IpAddr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::filebank::Slot;
use bandmate_core::audio::Prepare;
use bandmate_core::objects::frag::ImportSettings;
use bandmate_core::objects::panic_text;
use bandmate_core::objects::watch::FolderWatch;
use bandmate_core::objects::{
    Atom, Call, GrooveObject, LooperObject, Options, Output, GROOVE, LOOPER,
};
use bandmate_core::wav::Audio;
use rosc::{OscMessage, OscType};

use crate::codec::{self, Clock};
use crate::config::{canonical, AllowList, ModelChoice};
use crate::midi::{MidiOut, MidiSink};
use crate::protocol::{route, to_atoms, to_osc, BRIDGE, FRAG, PAD, PROTOCOL_VERSION};

/// Looper messages whose answers come later, from its worker (a corpus, a start, a choice):
/// they go to whoever asked last.
const LOOPER_WORKER_MESSAGES: &[&str] = &["corpus", "seed", "play", "next", "hold", "transport"];

/// Most subscribers at once.
pub const MAX_SUBSCRIBERS: usize = 16;

/// Messages whose work happens on the worker: their results go to whoever asked last.
const WORKER_MESSAGES: &[&str] = &[
    "generate", "humanize", "drumify", "vary", "play", "load", "reload", "rules", "kit",
];

/// Who sent a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Peer {
    Udp(SocketAddr),
    /// A TCP connection (its number) and the address at its far end.
    Tcp(u64, SocketAddr),
}

impl Peer {
    pub fn ip(&self) -> IpAddr {
        match self {
            Peer::Udp(a) | Peer::Tcp(_, a) => canonical(a.ip()),
        }
    }
    pub fn target(&self) -> Target {
        match *self {
            Peer::Udp(a) => Target::Udp(a),
            Peer::Tcp(id, addr) => Target::Tcp(id, addr),
        }
    }
}

/// Where a packet goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    Udp(SocketAddr),
    Tcp(u64, SocketAddr),
}

impl Target {
    fn port_host(&self) -> (i32, String) {
        match self {
            Target::Udp(a) | Target::Tcp(_, a) => {
                (i32::from(a.port()), canonical(a.ip()).to_string())
            }
        }
    }
}

/// A packet to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    pub to: Target,
    pub bytes: Vec<u8>,
}

/// Counts kept for `/bandmate/status` (some are bumped by the network threads).
#[derive(Debug, Default)]
pub struct Counters {
    pub packets: AtomicU64,
    pub messages: AtomicU64,
    pub errors: AtomicU64,
    pub malformed: AtomicU64,
    pub denied: AtomicU64,
    pub dropped: AtomicU64,
    pub notes: AtomicU64,
    pub panics: AtomicU64,
    pub send_errors: AtomicU64,
}

impl Counters {
    fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
    /// Every counter with its name.
    pub fn all(&self) -> [(&'static str, u64); 9] {
        let g = |c: &AtomicU64| c.load(Ordering::Relaxed);
        [
            ("packets", g(&self.packets)),
            ("messages", g(&self.messages)),
            ("errors", g(&self.errors)),
            ("malformed", g(&self.malformed)),
            ("denied", g(&self.denied)),
            ("dropped", g(&self.dropped)),
            ("notes", g(&self.notes)),
            ("panics", g(&self.panics)),
            ("send_errors", g(&self.send_errors)),
        ]
    }
}

/// Who asked for a fragment, to answer when it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Asker {
    pub to: Option<Target>,
    pub address: String,
}

/// Work for the fragment writer (it owns the [`FileBank`](crate::filebank::FileBank)).
#[derive(Debug)]
pub enum BankJob {
    Store {
        audio: Audio,
        label: String,
        ask: Asker,
    },
    /// A WAV file into the next slot, through the preparation chain.
    Import {
        path: PathBuf,
        label: String,
        prepare: Box<Prepare>,
        ask: Asker,
    },
    /// Slot `slot`'s file stretched by `factor`, pitch kept, beside it.
    Stretch { slot: Slot, factor: f64, ask: Asker },
}

/// What the writer did.
#[derive(Debug)]
pub enum BankDone {
    /// `summary`: what the preparation chain did (imports).
    Stored {
        slot: Slot,
        summary: Option<String>,
        ask: Asker,
    },
    Stretched {
        number: usize,
        factor: f64,
        path: PathBuf,
        ask: Asker,
    },
    Failed {
        text: String,
        ask: Asker,
    },
}

/// What the daemon starts with.
#[derive(Debug, Clone)]
pub struct Settings {
    pub lookahead_ms: f64,
    pub sample_rate: u32,
    /// Canonical folders that OSC paths may point into.
    pub roots: Vec<PathBuf>,
    pub allow: AllowList,
    /// The bank's slots as found on disk.
    pub slots: Vec<Option<Slot>>,
    pub frag_dir: PathBuf,
    /// Where relative OSC paths are read from.
    pub cwd: PathBuf,
    pub subscribe: Vec<SocketAddr>,
    pub model: ModelChoice,
    /// `/bandmate/groove/_panic` (with `BANDMATE_TEST_HOOKS=1`): tests of the panic guard.
    pub test_hooks: bool,
}

/// The daemon.
pub struct Daemon {
    groove: GrooveObject,
    clock: Clock,
    s: Settings,
    counters: Arc<Counters>,
    subscribers: Vec<Target>,
    last_requester: Option<Target>,
    horizon: f64,
    out: Vec<Outgoing>,
    jobs: Vec<BankJob>,
    slots: Vec<Option<Slot>>,
    looping: Vec<bool>,
    /// How imports are prepared (`/bandmate/frag/tempo`, `quantize`, `trim`, `normalize`).
    prep: ImportSettings,
    /// The watched folder, when its next look is due, and who asked (for errors).
    watch: Option<(FolderWatch, f64, Option<Target>)>,
    model: String,
    last_loop: Option<(String, String)>,
    display: String,
    log: Vec<String>,
    midi: Option<MidiOut>,
    looper: LooperObject,
    /// Who last sent a looper message answered by its worker.
    looper_requester: Option<Target>,
    /// What the looper said it plays and has queued (for the labels and the status).
    looper_view: LooperView,
    /// The looper label texts last sent (playing, queued).
    looper_display: (String, String),
}

/// What plays on the looper and what comes next, as its info lines said.
#[derive(Debug, Default, Clone)]
struct LooperView {
    /// Segment number (from 1), name, beats.
    playing: Option<(usize, String, f64)>,
    queued: Option<Queued>,
    /// Segments in the corpus loaded.
    segments: usize,
}

#[derive(Debug, Clone)]
enum Queued {
    Hold,
    /// Segment number (from 1), name, distance, a repeat.
    Segment(usize, String, f64, bool),
}

fn msg(addr: &str, args: Vec<OscType>) -> Vec<u8> {
    codec::message(addr, args)
}

fn s(text: impl Into<String>) -> OscType {
    OscType::String(text.into())
}

impl Daemon {
    pub fn new(
        settings: Settings,
        clock: Clock,
        counters: Arc<Counters>,
    ) -> Result<Daemon, String> {
        let plugin_dir = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf));
        let mut groove = GrooveObject::new(&Options {
            plugin_dir: plugin_dir.clone(),
            load_default: settings.model == ModelChoice::Default,
        })
        .map_err(|e| e.to_string())?;
        // (Drum corpora are embedded with the groove model's encoder, found beside the program
        // first, as the groove finds its model.)
        let looper = LooperObject::new(&Options {
            plugin_dir,
            load_default: false,
        })
        .map_err(|e| e.to_string())?;
        // Kits load at the rate fragments are rendered at.
        groove.set_sample_rate(settings.sample_rate);
        let n = settings.slots.len();
        let mut d = Daemon {
            groove,
            clock,
            counters,
            subscribers: settings.subscribe.iter().map(|a| Target::Udp(*a)).collect(),
            last_requester: None,
            horizon: 0.0,
            out: Vec::new(),
            jobs: Vec::new(),
            slots: settings.slots.clone(),
            looping: vec![false; n],
            prep: ImportSettings::default(),
            watch: None,
            model: "rules".into(),
            last_loop: None,
            display: String::new(),
            log: Vec::new(),
            midi: None,
            looper,
            looper_requester: None,
            looper_view: LooperView::default(),
            looper_display: (String::new(), String::new()),
            s: settings,
        };
        match d.s.model.clone() {
            ModelChoice::Default => {}
            ModelChoice::Rules => d
                .groove
                .message(0.0, "rules", &[])
                .map_err(|e| e.to_string())?,
            ModelChoice::Dir(dir) => d
                .groove
                .message(0.0, "load", &[Atom::Symbol(dir.display().to_string())])
                .map_err(|e| e.to_string())?,
        }
        d.drain(0.0, None, false, "/bandmate/groove");
        Ok(d)
    }

    /// Play every note to `sink` too, at its time on this daemon's clock, on `channel` (1..16):
    /// the same notes as the OSC bundles, with or without subscribers. `port` names the port
    /// in messages and in `/bandmate/status`. Dropping the daemon releases the sounding notes.
    pub fn with_midi(
        mut self,
        sink: Box<dyn MidiSink>,
        port: &str,
        channel: u8,
    ) -> Result<Daemon, String> {
        self.midi = Some(MidiOut::start(sink, self.clock, channel, port)?);
        Ok(self)
    }

    /// The MIDI port, if any.
    pub fn midi(&self) -> Option<&MidiOut> {
        self.midi.as_ref()
    }

    /// The looper object (its corpus, its player), for tests and reports.
    pub fn looper(&self) -> &LooperObject {
        &self.looper
    }

    /// Packets to send, in order.
    pub fn take_outgoing(&mut self) -> Vec<Outgoing> {
        std::mem::take(&mut self.out)
    }

    /// Fragment jobs for the writer.
    pub fn take_jobs(&mut self) -> Vec<BankJob> {
        std::mem::take(&mut self.jobs)
    }

    /// Lines for the daemon's console (model loaded, worker failures).
    pub fn take_log(&mut self) -> Vec<String> {
        std::mem::take(&mut self.log)
    }

    pub fn counters(&self) -> &Arc<Counters> {
        &self.counters
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    fn horizon(&mut self, now: f64) -> f64 {
        self.horizon = self.horizon.max(now + self.s.lookahead_ms);
        self.horizon
    }

    /// A packet from `from`, arrived at `now`. Nothing it holds can stop the daemon: a panic
    /// in handling it is caught, answered as an internal error and counted.
    pub fn handle_packet(&mut self, now: f64, from: Peer, bytes: &[u8]) {
        let r = catch_unwind(AssertUnwindSafe(|| {
            self.handle_packet_unguarded(now, from, bytes)
        }));
        if let Err(p) = r {
            Counters::bump(&self.counters.panics);
            let text = format!("internal error: {} (the daemon goes on)", panic_text(&p));
            self.log.push(text.clone());
            self.error(Some(from.target()), "", &text);
        }
    }

    /// [`handle_packet`](Self::handle_packet) without the panic guard: what the fuzz target
    /// runs, so that a panic is found rather than caught.
    pub fn handle_packet_unguarded(&mut self, now: f64, from: Peer, bytes: &[u8]) {
        Counters::bump(&self.counters.packets);
        if !self.s.allow.permits(from.ip()) {
            Counters::bump(&self.counters.denied);
            return;
        }
        match codec::decode(bytes) {
            Err(why) => {
                Counters::bump(&self.counters.malformed);
                Counters::bump(&self.counters.errors);
                let text = format!("malformed packet ({} bytes): {why}", bytes.len());
                self.out.push(Outgoing {
                    to: from.target(),
                    bytes: msg("/bandmate/error", vec![s(""), s(text)]),
                });
            }
            Ok(messages) => {
                for m in messages {
                    self.message(now, from, &m.addr, &m.args);
                }
            }
        }
        self.update_display();
    }

    /// A TCP frame that could not be taken (too long, a bad SLIP escape): counted and answered
    /// like a malformed packet.
    pub fn bad_frame(&mut self, from: Peer, why: &str) {
        Counters::bump(&self.counters.packets);
        Counters::bump(&self.counters.malformed);
        Counters::bump(&self.counters.errors);
        self.out.push(Outgoing {
            to: from.target(),
            bytes: msg(
                "/bandmate/error",
                vec![s(""), s(format!("malformed packet: {why}"))],
            ),
        });
    }

    /// Advance the clock to `now`: the worker's results, and every note due by the horizon.
    pub fn tick(&mut self, now: f64) {
        let r = catch_unwind(AssertUnwindSafe(|| {
            let h = self.horizon(now);
            self.groove.tick(h);
            self.drain(now, None, false, "/bandmate/groove");
            self.looper.tick(h);
            self.drain_looper(None, false);
            self.look_at_watched(now);
            self.update_display();
        }));
        if let Err(p) = r {
            Counters::bump(&self.counters.panics);
            let text = format!("internal error: {} (the daemon goes on)", panic_text(&p));
            self.log.push(text.clone());
            self.error(None, "/bandmate/groove", &text);
        }
    }

    /// When [`tick`](Self::tick) is next needed (ms on the daemon's clock), if at all.
    pub fn next_wake(&self, now: f64) -> Option<f64> {
        let h = self.horizon.max(now + self.s.lookahead_ms);
        let wake = match (self.groove.wake_at(h), self.looper.wake_at(h)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let wake = wake.map(|t| t - self.s.lookahead_ms);
        match (wake, self.watch.as_ref().map(|w| w.1)) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// The watched folder, when a look is due: what arrived goes to the writer as imports.
    fn look_at_watched(&mut self, now: f64) {
        let Some((w, due, to)) = self.watch.as_mut() else {
            return;
        };
        if now < *due {
            return;
        }
        *due = now + bandmate_core::objects::watch::WATCH_MS as f64;
        let to = *to;
        for path in w.look() {
            let label = path
                .file_stem()
                .map(|x| x.to_string_lossy().into_owned())
                .unwrap_or_default();
            self.jobs.push(BankJob::Import {
                path,
                label,
                prepare: Box::new(self.prep.prepare(Some(self.s.sample_rate))),
                ask: Asker {
                    to,
                    address: "/bandmate/frag/watch".into(),
                },
            });
        }
    }

    /// A setting taken: echoed to the asker.
    fn echo_frag(&mut self, to: Option<Target>, addr: &str, atoms: &[Atom]) {
        let echo = atoms.iter().map(to_osc).collect();
        self.reply(to, msg(addr, echo));
    }

    /// A fragment the writer finished (or could not write).
    pub fn bank_done(&mut self, done: BankDone) {
        match done {
            BankDone::Stretched {
                number,
                factor,
                path,
                ask,
            } => {
                let bytes = msg(
                    "/bandmate/frag/stretched",
                    vec![
                        OscType::Int(number as i32),
                        OscType::Float(factor as f32),
                        s("keep"),
                        s(path.display().to_string()),
                    ],
                );
                self.reply(ask.to, bytes);
            }
            BankDone::Stored { slot, summary, ask } => {
                let n = slot.number;
                if let Some(text) = summary {
                    self.log.push(format!("fragment {n}: {text}"));
                    self.reply(
                        ask.to,
                        msg(
                            "/bandmate/frag/prepared",
                            vec![OscType::Int(n as i32), s(text)],
                        ),
                    );
                }
                let bytes = msg(
                    "/bandmate/frag/slot",
                    vec![
                        OscType::Int(n as i32),
                        s(slot.path.display().to_string()),
                        s(slot.label.clone()),
                    ],
                );
                let text = slot_text(&slot);
                if let Some(x) = self.slots.get_mut(n - 1) {
                    *x = Some(slot);
                }
                self.reply(ask.to, bytes);
                self.broadcast(msg(&format!("/bandmate/display/slot/{n}"), vec![s(text)]));
            }
            BankDone::Failed { text, ask } => {
                self.log.push(format!("{}: {text}", ask.address));
                self.error(ask.to, &ask.address, &text);
            }
        }
    }

    /// A TCP connection closed: forget it as a subscriber and as the last requester.
    pub fn forget(&mut self, t: Target) {
        self.subscribers.retain(|x| *x != t);
        if self.last_requester == Some(t) {
            self.last_requester = None;
        }
        if self.looper_requester == Some(t) {
            self.looper_requester = None;
        }
    }

    /// Send to `to` (if any) and to every subscriber, once each.
    fn reply(&mut self, to: Option<Target>, bytes: Vec<u8>) {
        if let Some(t) = to {
            if !self.subscribers.contains(&t) {
                self.out.push(Outgoing {
                    to: t,
                    bytes: bytes.clone(),
                });
            }
        }
        self.broadcast(bytes);
    }

    fn broadcast(&mut self, bytes: Vec<u8>) {
        for &t in &self.subscribers {
            self.out.push(Outgoing {
                to: t,
                bytes: bytes.clone(),
            });
        }
    }

    fn error(&mut self, to: Option<Target>, addr: &str, text: &str) {
        Counters::bump(&self.counters.errors);
        self.reply(to, msg("/bandmate/error", vec![s(addr), s(text)]));
        self.broadcast(msg("/bandmate/display/error", vec![s(text)]));
    }

    fn message(&mut self, now: f64, from: Peer, addr: &str, args: &[OscType]) {
        Counters::bump(&self.counters.messages);
        let to = Some(from.target());
        let routed = route(addr, self.s.test_hooks).and_then(|r| {
            let mut atoms = r.lead.clone();
            atoms.extend(to_atoms(args)?);
            Ok((r, atoms))
        });
        let (r, atoms) = match routed {
            Ok(x) => x,
            Err(e) => return self.error(to, addr, &e),
        };
        let lead = r.lead.len();
        let sel = r.selector.as_str();
        // (The tables are consts: compare their names, not their addresses.)
        let result = match r.obj.osc {
            o if o == GROOVE.osc => self.groove_message(now, to, addr, sel, atoms, lead),
            o if o == LOOPER.osc => self.looper_message(now, to, addr, sel, atoms, lead),
            o if o == FRAG.osc => self.frag_message(now, to, addr, sel, atoms),
            o if o == PAD.osc => self.pad_message(now, to, addr, sel, atoms, lead),
            _ => self.bridge_message(now, from, sel, atoms),
        };
        if let Err(e) = result {
            self.error(to, addr, &e);
        }
    }

    fn groove_message(
        &mut self,
        now: f64,
        to: Option<Target>,
        addr: &str,
        sel: &str,
        mut atoms: Vec<Atom>,
        lead: usize,
    ) -> Result<(), String> {
        let t = if sel == "tap" { now } else { self.horizon(now) };
        if sel != "_panic" {
            let call = GROOVE.parse(sel, &atoms).map_err(|e| e.to_string())?;
            self.over_osc(&call, &mut atoms, "the model", &["synth"])?;
        }
        self.groove
            .message(t, sel, &atoms)
            .map_err(|e| e.to_string())?;
        if WORKER_MESSAGES.contains(&sel) {
            self.last_requester = to;
        }
        let (infos, renders) = self.drain(now, to, true, addr);
        if infos == 0 && renders == 0 {
            let echo = atoms[lead.min(atoms.len())..].iter().map(to_osc).collect();
            self.reply(to, msg(addr, echo));
        }
        Ok(())
    }

    /// What an object's message may not do over OSC: `blocking 1` (the daemon's clock never
    /// waits for `waits_for`); a `path` argument outside the allowed folders (made absolute
    /// when inside; the words in `keywords`, such as the kit's `synth`, are not paths).
    fn over_osc(
        &self,
        call: &Call,
        atoms: &mut [Atom],
        waits_for: &str,
        keywords: &[&str],
    ) -> Result<(), String> {
        let sel = call.name();
        if sel == "blocking" && call.int(0) == Some(1) {
            return Err(format!(
                "blocking: the daemon's clock never waits for {waits_for}; over OSC only \
                 'blocking 0' is taken"
            ));
        }
        for (i, a) in call.decl.args.iter().enumerate() {
            let Some(p) = call
                .symbol(i)
                .filter(|p| a.name == "path" && !keywords.contains(p))
            else {
                continue;
            };
            let p = self.confine(p).map_err(|e| format!("{sel}: {e}"))?;
            atoms[i] = Atom::Symbol(p.display().to_string());
        }
        Ok(())
    }

    /// Hand on what the groove object produced: info lines as replies (to `to` and the
    /// subscribers when answering a message, else to whoever asked last and the subscribers),
    /// notes as timed bundles, renders into the bank. Returns (info lines, renders).
    fn drain(&mut self, _now: f64, to: Option<Target>, sync: bool, addr: &str) -> (usize, usize) {
        let mut outs = Vec::new();
        self.groove.drain(|o| outs.push(o));
        let dest = if sync { to } else { self.last_requester };
        let (mut infos, mut renders) = (0, 0);
        let mut notes = Vec::new();
        for o in outs {
            match o {
                Output::Note {
                    at_ms,
                    note,
                    velocity,
                    ..
                } => notes.push((at_ms, note, velocity, None)),
                Output::Info(sel, args) => {
                    self.mirror(&sel, &args);
                    let bytes = msg(
                        &format!("/bandmate/groove/{sel}"),
                        args.iter().map(to_osc).collect(),
                    );
                    if sel == "cycle" {
                        self.broadcast(bytes);
                    } else {
                        self.reply(dest, bytes);
                    }
                    infos += 1;
                }
                Output::Error(text) => {
                    self.log.push(format!("groove: {text}"));
                    self.error(dest, "/bandmate/groove", &text);
                }
                Output::FetchArray { .. } => {}
                Output::Render(name) => {
                    renders += 1;
                    match self.groove.render(self.s.sample_rate) {
                        Ok(audio) => self.jobs.push(BankJob::Store {
                            audio,
                            label: name,
                            ask: Asker {
                                to: dest,
                                address: addr.to_string(),
                            },
                        }),
                        Err(e) => self.error(dest, addr, &e.to_string()),
                    }
                }
            }
        }
        self.send_notes("/bandmate/groove/note", &notes);
        (infos, renders)
    }

    fn looper_message(
        &mut self,
        now: f64,
        to: Option<Target>,
        addr: &str,
        sel: &str,
        mut atoms: Vec<Atom>,
        lead: usize,
    ) -> Result<(), String> {
        // What the musician plays is placed when it arrived; everything else at the horizon,
        // where the looper's clock is.
        let t = if sel == "note" {
            now
        } else {
            self.horizon(now)
        };
        let call = LOOPER.parse(sel, &atoms).map_err(|e| e.to_string())?;
        self.over_osc(&call, &mut atoms, "the looper", &[])?;
        self.looper
            .message(t, sel, &atoms)
            .map_err(|e| e.to_string())?;
        if LOOPER_WORKER_MESSAGES.contains(&sel) {
            self.looper_requester = to;
        }
        match sel {
            // The old choice is gone; the new one is on its way.
            "next" => self.looper_view.queued = None,
            "hold" if call.int(0) == Some(0) => self.looper_view.queued = None,
            _ => {}
        }
        let infos = self.drain_looper(to, true);
        if sel == "note" {
            // Not echoed on its own address: subscribers hear the looper's notes there. Notes,
            // velocities and channels go out as int32.
            let int = |i: usize, default: i64| OscType::Int(call.int(i).unwrap_or(default) as i32);
            let heard = vec![int(0, 0), int(1, 0), int(2, 1)];
            self.reply(to, msg("/bandmate/looper/heard", heard));
        } else if sel == "corpus" && infos == 0 {
            // Nor this one: `/bandmate/looper/corpus SEGMENTS FILES EMBEDDER` says it is ready.
            self.reply(to, msg("/bandmate/looper/loading", vec![to_osc(&atoms[0])]));
        } else if infos == 0 || sel == "hold" {
            let echo = atoms[lead.min(atoms.len())..].iter().map(to_osc).collect();
            self.reply(to, msg(addr, echo));
        }
        Ok(())
    }

    /// Hand on what the looper produced: info lines as replies (to `to` and the subscribers
    /// when answering a message, else to whoever last sent a looper message its worker answers,
    /// and the subscribers: a corpus ready, a seed, and `playing`/`queued`, which change on
    /// their own), errors, notes as timed bundles on their own channel. Returns the number of
    /// info lines.
    fn drain_looper(&mut self, to: Option<Target>, sync: bool) -> usize {
        let mut outs = Vec::new();
        self.looper.drain(|o| outs.push(o));
        let dest = if sync { to } else { self.looper_requester };
        let mut infos = 0;
        let mut notes = Vec::new();
        for o in outs {
            match o {
                Output::Note {
                    at_ms,
                    note,
                    velocity,
                    channel,
                } => notes.push((at_ms, note, velocity, Some(channel.min(15) + 1))),
                Output::Info(sel, args) => {
                    self.mirror_looper(&sel, &args);
                    let bytes = msg(
                        &format!("/bandmate/looper/{sel}"),
                        args.iter().map(to_osc).collect(),
                    );
                    self.reply(dest, bytes);
                    infos += 1;
                }
                Output::Error(text) => {
                    self.log.push(format!("looper: {text}"));
                    self.error(dest, "/bandmate/looper", &text);
                }
                // The looper renders no audio.
                Output::Render(_) | Output::FetchArray { .. } => {}
            }
        }
        self.send_notes("/bandmate/looper/note", &notes);
        infos
    }

    /// Keep what the labels and the status show from the looper's info lines.
    fn mirror_looper(&mut self, sel: &str, args: &[Atom]) {
        let num = |i: usize| match args.get(i) {
            Some(Atom::Float(x)) => *x,
            _ => 0.0,
        };
        let word = |i: usize| match args.get(i) {
            Some(Atom::Symbol(x)) => x.clone(),
            Some(Atom::Float(x)) => x.to_string(),
            None => String::new(),
        };
        let v = &mut self.looper_view;
        match sel {
            "corpus" => {
                v.segments = num(0).max(0.0) as usize;
                v.queued = None;
            }
            "playing" => {
                v.playing = Some((num(0).max(0.0) as usize, word(1), num(2)));
                // What was queued plays now; what follows it is being chosen.
                v.queued = None;
            }
            "queued" if word(0) == "hold" => v.queued = Some(Queued::Hold),
            "queued" => {
                v.queued = Some(Queued::Segment(
                    num(0).max(0.0) as usize,
                    word(1),
                    num(2),
                    num(3) != 0.0,
                ))
            }
            _ => {}
        }
    }

    /// The looper's label texts: what plays, what comes next.
    fn looper_texts(&self) -> (String, String) {
        let v = &self.looper_view;
        let running = self.looper.player().is_playing();
        let seg = |n: usize, name: &str| format!("{n}: {name}");
        let playing = match (&v.playing, running) {
            (Some((n, name, beats)), true) => format!("{} ({beats} beats)", seg(*n, name)),
            (Some((n, name, _)), false) => format!("stopped · {}", seg(*n, name)),
            (None, true) => "starting…".to_string(),
            (None, false) if v.segments > 0 => format!("stopped · {} segments", v.segments),
            (None, false) => "no corpus".to_string(),
        };
        let queued = match (&v.queued, running) {
            (Some(Queued::Hold), _) => "hold: this one repeats".to_string(),
            (Some(Queued::Segment(n, name, _, true)), _) => format!("{} (repeat)", seg(*n, name)),
            (Some(Queued::Segment(n, name, d, false)), _) => {
                format!("{} (distance {d})", seg(*n, name))
            }
            (None, true) if v.playing.is_some() => "choosing…".to_string(),
            (None, _) => "-".to_string(),
        };
        (playing, queued)
    }

    /// Keep what later messages need from the groove's info lines.
    fn mirror(&mut self, sel: &str, args: &[Atom]) {
        let first = match args.first() {
            Some(Atom::Symbol(x)) => x.clone(),
            Some(Atom::Float(x)) => x.to_string(),
            None => String::new(),
        };
        match sel {
            "loaded" => {
                self.log.push(format!("model: {first}"));
                self.model = first;
            }
            "ready" => {
                let seed = args.get(1).map(|a| a.to_string()).unwrap_or_default();
                self.last_loop = Some((first, seed));
            }
            _ => {}
        }
    }

    /// Notes as bundles of `addr` at their exact times (notes at the same instant share one),
    /// and to the MIDI port, if any, for it to send at the same times: on the note's channel
    /// (1..16) where it has one (the looper's, also sent as the third argument), else on the
    /// port's.
    fn send_notes(&mut self, addr: &str, notes: &[(f64, u8, u8, Option<u8>)]) {
        if let Some(m) = &self.midi {
            for &(t, note, velocity, channel) in notes {
                match channel {
                    Some(ch) => m.note_on_channel(t, ch, note, velocity),
                    None => m.note(t, note, velocity),
                }
            }
        }
        if notes.is_empty() || self.subscribers.is_empty() {
            return;
        }
        let mut i = 0;
        while i < notes.len() {
            let t = notes[i].0;
            let mut group = Vec::new();
            while i < notes.len() && notes[i].0 == t {
                let mut args = vec![
                    OscType::Int(i32::from(notes[i].1)),
                    OscType::Int(i32::from(notes[i].2)),
                ];
                if let Some(ch) = notes[i].3 {
                    args.push(OscType::Int(i32::from(ch)));
                }
                group.push(OscMessage {
                    addr: addr.into(),
                    args,
                });
                i += 1;
            }
            self.counters
                .notes
                .fetch_add(group.len() as u64, Ordering::Relaxed);
            let bytes = codec::bundle(self.clock.timetag(t), group);
            self.broadcast(bytes);
        }
    }

    fn bridge_message(
        &mut self,
        now: f64,
        from: Peer,
        sel: &str,
        atoms: Vec<Atom>,
    ) -> Result<(), String> {
        let to = Some(from.target());
        let call = BRIDGE.parse(sel, &atoms).map_err(|e| e.to_string())?;
        match sel {
            "subscribe" | "unsubscribe" => {
                let target = self
                    .resolve(&from, call.int(0), call.symbol(1))
                    .map_err(|e| format!("{sel}: {e}"))?;
                if sel == "subscribe" {
                    if !self.subscribers.contains(&target) {
                        if self.subscribers.len() >= MAX_SUBSCRIBERS {
                            return Err(format!(
                                "subscribe: already {MAX_SUBSCRIBERS} subscribers (unsubscribe one first)"
                            ));
                        }
                        self.subscribers.push(target);
                    }
                } else {
                    self.subscribers.retain(|x| *x != target);
                }
                let (port, host) = target.port_host();
                let bytes = msg(
                    &format!("/bandmate/{sel}"),
                    vec![OscType::Int(port), s(host)],
                );
                // The one unsubscribed hears it too.
                if sel == "unsubscribe" && to != Some(target) {
                    self.out.push(Outgoing {
                        to: target,
                        bytes: bytes.clone(),
                    });
                }
                self.reply(to, bytes);
                if sel == "subscribe" {
                    // A new subscriber sees the state at once: the status line (below, at the
                    // end of the packet) and what each slot holds.
                    self.display.clear();
                    self.looper_display = (String::new(), String::new());
                    for (k, slot) in self.slots.iter().enumerate() {
                        let text = slot
                            .as_ref()
                            .map_or_else(|| format!("{}: empty", k + 1), slot_text);
                        self.out.push(Outgoing {
                            to: target,
                            bytes: msg(&format!("/bandmate/display/slot/{}", k + 1), vec![s(text)]),
                        });
                    }
                }
            }
            "status" => self.status(now, to),
            "version" => self.reply(
                to,
                msg(
                    "/bandmate/version",
                    vec![OscType::Int(PROTOCOL_VERSION), s(env!("CARGO_PKG_VERSION"))],
                ),
            ),
            other => unreachable!("declared but not handled: {other}"),
        }
        Ok(())
    }

    /// The target a subscribe/unsubscribe means.
    fn resolve(
        &self,
        from: &Peer,
        port: Option<i64>,
        host: Option<&str>,
    ) -> Result<Target, String> {
        let Some(port) = port else {
            return Ok(from.target());
        };
        let port = u16::try_from(port).map_err(|_| format!("port {port} is out of range"))?;
        let ip = match host {
            None => from.ip(),
            Some("localhost") => IpAddr::from([127, 0, 0, 1]),
            Some(h) => h
                .parse::<IpAddr>()
                .map_err(|_| format!("host '{h}' is not an IP address (or 'localhost')"))?,
        };
        let ip = canonical(ip);
        if !self.s.allow.permits(ip) {
            return Err(format!("host {ip} is not in the allow-list (--allow)"));
        }
        Ok(Target::Udp(SocketAddr::new(ip, port)))
    }

    fn status(&mut self, now: f64, to: Option<Target>) {
        let h = self.horizon(now);
        if self.groove.message(h, "dump", &[]).is_ok() {
            self.drain(now, to, true, "/bandmate/status");
        }
        let next = self.next_slot();
        let mut lines: Vec<Vec<OscType>> = vec![
            vec![
                s("version"),
                OscType::Int(PROTOCOL_VERSION),
                s(env!("CARGO_PKG_VERSION")),
            ],
            vec![s("lookahead"), OscType::Float(self.s.lookahead_ms as f32)],
            vec![s("rate"), OscType::Int(self.s.sample_rate as i32)],
            vec![
                s("subscribers"),
                OscType::Int(self.subscribers.len() as i32),
            ],
            vec![
                s("slots"),
                OscType::Int(self.slots.len() as i32),
                OscType::Int(next as i32),
                s(self.s.frag_dir.display().to_string()),
            ],
        ];
        for (i, slot) in self.slots.iter().enumerate() {
            if let Some(slot) = slot {
                lines.push(vec![
                    s("slot"),
                    OscType::Int(slot.number as i32),
                    s(slot.path.display().to_string()),
                    s(slot.label.clone()),
                    s(if self.looping[i] { "looping" } else { "idle" }),
                ]);
            }
        }
        for (name, n) in self.counters.all() {
            lines.push(vec![s(name), OscType::Int(n.min(i32::MAX as u64) as i32)]);
        }
        let int = |n: u64| OscType::Int(n.min(i32::MAX as u64) as i32);
        let v = &self.looper_view;
        let playing = match (&v.playing, self.looper.player().is_playing()) {
            (Some((n, _, _)), true) => *n,
            _ => 0,
        };
        let queued = match &v.queued {
            Some(Queued::Segment(n, ..)) => *n,
            _ => 0,
        };
        lines.push(vec![
            s("looper"),
            int(v.segments as u64),
            int(playing as u64),
            int(queued as u64),
        ]);
        lines.push(match &self.midi {
            Some(m) => vec![
                s("midi"),
                s(m.name()),
                OscType::Int(i32::from(m.channel())),
                int(m.stats().sent()),
                int(m.stats().errors()),
                s(m.stats().first_error().unwrap_or_default()),
            ],
            None => vec![s("midi"), s(""), OscType::Int(0), int(0), int(0), s("")],
        });
        lines.push(vec![s("done")]);
        for l in lines {
            self.reply(to, msg("/bandmate/status", l));
        }
    }

    /// The slot the next fragment goes into (as the bank chooses it).
    fn next_slot(&self) -> usize {
        crate::filebank::next_slot(&self.slots)
    }

    fn filled(&self, sel: &str, n: Option<i64>) -> Result<Slot, String> {
        let n = n.unwrap_or(0) as usize;
        if n == 0 || n > self.slots.len() {
            return Err(format!(
                "{sel}: slot {n} is out of range 1..{}",
                self.slots.len()
            ));
        }
        self.slots[n - 1]
            .clone()
            .ok_or_else(|| format!("{sel}: slot {n} is empty (render or import into it first)"))
    }

    fn frag_message(
        &mut self,
        now: f64,
        to: Option<Target>,
        addr: &str,
        sel: &str,
        atoms: Vec<Atom>,
    ) -> Result<(), String> {
        let call = FRAG.parse(sel, &atoms).map_err(|e| e.to_string())?;
        match sel {
            "render" => {
                let name = call.symbol(0).unwrap_or("fragment").to_string();
                let h = self.horizon(now);
                self.groove
                    .message(h, "render", &[Atom::Symbol(name)])
                    .map_err(|e| e.to_string())?;
                self.drain(now, to, true, addr);
            }
            "import" => {
                let p = self
                    .confine(call.symbol(0).unwrap_or_default())
                    .map_err(|e| format!("import: {e}"))?;
                if !p.is_file() {
                    return Err(format!("import: '{}' is not a file", p.display()));
                }
                let label = p
                    .file_stem()
                    .map(|x| x.to_string_lossy().into_owned())
                    .unwrap_or_default();
                self.jobs.push(BankJob::Import {
                    path: p,
                    label,
                    prepare: Box::new(self.prep.prepare(Some(self.s.sample_rate))),
                    ask: Asker {
                        to,
                        address: addr.to_string(),
                    },
                });
            }
            "watch" => match call.symbol(0) {
                None => {
                    self.watch = None;
                    self.reply(to, msg("/bandmate/frag/watching", vec![]));
                }
                Some(p) => {
                    let dir = self.confine(p).map_err(|e| format!("watch: {e}"))?;
                    if !dir.is_dir() {
                        return Err(format!("watch: '{}' is not a folder", dir.display()));
                    }
                    let w = FolderWatch::start(&dir).map_err(|e| e.to_string())?;
                    self.watch = Some((w, now, to));
                    self.reply(
                        to,
                        msg(
                            "/bandmate/frag/watching",
                            vec![s(dir.display().to_string())],
                        ),
                    );
                }
            },
            "stretch" => {
                let slot = self.filled(sel, call.int(0))?;
                let factor = call.float(1).unwrap_or(1.0);
                let ask = Asker {
                    to,
                    address: addr.to_string(),
                };
                if call.symbol(2) == Some("tape") || (factor - 1.0).abs() < 1e-9 {
                    // Tape (or as imported): the slot's own file, at rate 1/FACTOR.
                    let mode = if call.symbol(2) == Some("tape") {
                        "tape"
                    } else {
                        "keep"
                    };
                    self.reply(
                        to,
                        msg(
                            "/bandmate/frag/stretched",
                            vec![
                                OscType::Int(slot.number as i32),
                                OscType::Float(factor as f32),
                                s(mode),
                                s(slot.path.display().to_string()),
                            ],
                        ),
                    );
                } else {
                    self.jobs.push(BankJob::Stretch { slot, factor, ask });
                }
            }
            "quantize" => {
                self.prep.quantize = ImportSettings::mode(call.symbol(0).unwrap_or("off"))
                    .map_err(|e| e.to_string())?;
                self.echo_frag(to, addr, &atoms);
            }
            "tempo" => {
                self.prep.tempo = call.float(0).unwrap_or(120.0);
                self.echo_frag(to, addr, &atoms);
            }
            "trim" => {
                self.prep.trim = call.int(0) == Some(1);
                if let Some(t) = call.float(1) {
                    self.prep.threshold_db = t as f32;
                }
                if let Some(g) = call.float(2) {
                    self.prep.gap_ms = g;
                }
                self.echo_frag(to, addr, &atoms);
            }
            "normalize" => {
                self.prep.normalize_lufs = call.float(0).unwrap_or(0.0);
                self.echo_frag(to, addr, &atoms);
            }
            "trigger" => {
                let slot = self.filled(sel, call.int(0))?;
                self.reply(
                    to,
                    msg(
                        "/bandmate/frag/trigger",
                        vec![
                            OscType::Int(slot.number as i32),
                            s(slot.path.display().to_string()),
                        ],
                    ),
                );
            }
            "loop" => {
                let slot = self.filled(sel, call.int(0))?;
                let on = call.int(1) == Some(1);
                self.looping[slot.number - 1] = on;
                self.reply(
                    to,
                    msg(
                        "/bandmate/frag/loop",
                        vec![
                            OscType::Int(slot.number as i32),
                            OscType::Int(i32::from(on)),
                            s(slot.path.display().to_string()),
                        ],
                    ),
                );
            }
            "stop" => match call.int(0) {
                Some(n) => {
                    let n = n as usize;
                    if n > self.slots.len() {
                        return Err(format!(
                            "stop: slot {n} is out of range 1..{}",
                            self.slots.len()
                        ));
                    }
                    self.looping[n - 1] = false;
                    self.reply(to, msg("/bandmate/frag/stop", vec![OscType::Int(n as i32)]));
                }
                None => {
                    self.looping.iter_mut().for_each(|l| *l = false);
                    self.reply(to, msg("/bandmate/frag/stop", vec![]));
                }
            },
            "list" => {
                for i in 0..self.slots.len() {
                    let (path, label) = match &self.slots[i] {
                        Some(slot) => (slot.path.display().to_string(), slot.label.clone()),
                        None => (String::new(), String::new()),
                    };
                    self.reply(
                        to,
                        msg(
                            "/bandmate/frag/slot",
                            vec![OscType::Int(i as i32 + 1), s(path), s(label)],
                        ),
                    );
                }
            }
            other => unreachable!("declared but not handled: {other}"),
        }
        Ok(())
    }

    fn pad_message(
        &mut self,
        now: f64,
        to: Option<Target>,
        addr: &str,
        sel: &str,
        atoms: Vec<Atom>,
        lead: usize,
    ) -> Result<(), String> {
        // Checked as the controller address it came in on, then played as the groove message
        // of the same meaning: the musical rule (which steps, which row) lives in the object.
        PAD.parse(sel, &atoms).map_err(|e| e.to_string())?;
        let groove_sel = if sel == "accent" { "accent_step" } else { sel };
        let h = self.horizon(now);
        self.groove
            .message(h, groove_sel, &atoms)
            .map_err(|e| e.to_string())?;
        self.drain(now, to, true, addr);
        let echo = atoms[lead.min(atoms.len())..].iter().map(to_osc).collect();
        self.reply(to, msg(addr, echo));
        Ok(())
    }

    /// A path from OSC, made absolute and checked to lie inside the allowed folders.
    fn confine(&self, p: &str) -> Result<PathBuf, String> {
        let path = Path::new(p);
        let abs = if path.is_absolute() {
            path.to_path_buf()
        } else {
            self.s.cwd.join(path)
        };
        // First by the words of the path alone (`..` taken away), so a path outside is refused
        // as such whether or not it exists; then again once links are resolved.
        let mut lexical = PathBuf::new();
        for c in abs.components() {
            match c {
                std::path::Component::ParentDir => {
                    lexical.pop();
                }
                std::path::Component::CurDir => {}
                other => lexical.push(other),
            }
        }
        let inside = |q: &Path| self.s.roots.iter().any(|r| q.starts_with(r));
        let canon = if inside(&lexical) {
            Some(std::fs::canonicalize(&abs).map_err(|e| format!("'{p}': {e}"))?)
        } else {
            None
        };
        if let Some(canon) = canon.filter(|c| inside(c)) {
            Ok(canon)
        } else {
            let roots: Vec<String> = self
                .s
                .roots
                .iter()
                .map(|r| r.display().to_string())
                .collect();
            Err(format!(
                "'{p}' is outside the folders bandmated may read ({}); start it with --path DIR to allow another",
                roots.join(", ")
            ))
        }
    }

    /// The status line for labels.
    fn status_text(&self) -> String {
        let p = self.groove.player();
        let mut t = format!(
            "{} · {} BPM · {}",
            if p.is_playing() { "playing" } else { "stopped" },
            (p.bpm() * 10.0).round() / 10.0,
            self.model
        );
        if let Some((task, seed)) = &self.last_loop {
            t.push_str(&format!(" · {task} #{seed}"));
        }
        if p.has_queued() {
            t.push_str(" · next loop queued");
        }
        t
    }

    fn update_display(&mut self) {
        if self.subscribers.is_empty() {
            return;
        }
        let t = self.status_text();
        if t != self.display {
            self.broadcast(msg("/bandmate/display/status", vec![s(t.clone())]));
            self.display = t;
        }
        let (playing, queued) = self.looper_texts();
        if playing != self.looper_display.0 {
            self.broadcast(msg(
                "/bandmate/display/looper/playing",
                vec![s(playing.clone())],
            ));
            self.looper_display.0 = playing;
        }
        if queued != self.looper_display.1 {
            self.broadcast(msg(
                "/bandmate/display/looper/queued",
                vec![s(queued.clone())],
            ));
            self.looper_display.1 = queued;
        }
    }
}

fn slot_text(slot: &Slot) -> String {
    let secs = if slot.sample_rate > 0 {
        slot.frames as f64 / f64::from(slot.sample_rate)
    } else {
        0.0
    };
    let name = if slot.label.is_empty() {
        "fragment"
    } else {
        &slot.label
    };
    format!("{}: {name} ({secs:.1} s)", slot.number)
}
