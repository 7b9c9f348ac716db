//! The daemon's state machine, without sockets or threads: packets in
//! ([`Daemon::handle_packet`]), clock ticks ([`Daemon::tick`]), finished fragment writes
//! ([`Daemon::bank_done`]); packets out ([`Daemon::take_outgoing`]) and fragment files for the
//! writer thread ([`Daemon::take_jobs`]). Everything is decided here, so the fuzz target and the
//! unit tests drive exactly what the network drives.
//!
//! The daemon serves every object of the registry (`bandmate_core::objects::OBJECTS`) under
//! `/bandmate/<osc>/<message>`, generically: it knows no object and no message by name. What
//! it needs to know of a message is declared with it ([`Flags`]): live input is placed at the
//! time its packet arrived (everything else runs `lookahead` ms ahead, at the horizon);
//! answers that come later from an object's worker go to whoever sent such a message last;
//! offline switches take only 0; path arguments are confined to the allowed folders; a message
//! that names a fragment slot is answered with the slot's file.
//!
//! Notes go out as bundles time-tagged with their exact time (`/bandmate/<osc>/note KEY
//! VELOCITY [CHANNEL]`), and, with a MIDI port ([`Daemon::with_midi`]), to the MIDI scheduler,
//! which sends each at that same time on the same clock.
//!
//! The daemon plays no audio: the object that keeps fragments (`takes_audio`) runs its engine
//! silently, in time, so its slots start and end as they would in a patch, and every fragment
//! it takes ([`Output::Stored`]) is written as a file, `FragmentNN.wav`, by the writer thread:
//! a Max `buffer~` or Pd `soundfiler` (or any sampler) plays it from there. What the other
//! objects render goes into that object.

mod midi_in;
mod scene;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bandmate_core::fragbank::Fragment;
use bandmate_core::objects::clock::{self, CONTINUE, START, STOP, TICK};
use bandmate_core::objects::decl::{Flags, Kind, MessageDecl};
use bandmate_core::objects::worker::Worker;
use bandmate_core::objects::{
    panic_text, Atom, Call, Engine, Entry, Object, ObjectDecl, Options, Output, POLL_MS,
};
use bandmate_core::wav::Audio;
use rosc::{OscMessage, OscType};

use crate::codec::{self, Clock};
use crate::config::{canonical, AllowList, ModelChoice};
use crate::filebank::Slot;
use crate::midi::{MidiOut, MidiSink};
use crate::protocol::{to_atoms, to_osc, AddressSpace, Dest, BRIDGE, PREFIX, PROTOCOL_VERSION};

/// Most subscribers at once.
pub const MAX_SUBSCRIBERS: usize = 16;
/// How long a subscription made over UDP lasts without being renewed (`--lease`), in seconds.
pub const DEFAULT_LEASE_S: f64 = 300.0;
/// How long a token sent by `/bandmate/confirm` may be answered, in ms.
pub const CONFIRM_WINDOW_MS: f64 = 30_000.0;
/// Most subscriptions waiting for their confirmation at once.
pub const MAX_PENDING: usize = 16;
/// A request from an address that has not shown it receives (not this machine, not a
/// subscriber, not TCP) is answered with at most this many times its own size...
pub const REPLY_FACTOR: usize = 4;
/// ... or this many bytes, if more (room for the error that says why).
pub const MIN_REPLY_BUDGET: usize = 128;

/// How fast the least delay of a sender's time tags may grow (ms per ms): a clock drifting
/// by up to 100 ppm (0.1 ms a second; quartz clocks drift well under that) is followed.
const DELAY_DRIFT: f64 = 0.0001;
/// A delay this much above the least seen means the sender's clock stepped back (or its
/// network got much slower): the least delay is learnt again from there (ms).
const DELAY_RESET_MS: f64 = 500.0;
/// Most senders whose time tags are followed at once.
const MAX_SENDERS_TIMED: usize = 256;

/// A controller hears a change of a control's state at most this long after it (ms).
pub const CONTROLS_EVERY_MS: f64 = 10.0;

/// Frames an engine is run for at once (the daemon plays no audio; this is its scratch).
const PUMP_FRAMES: usize = 1024;

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
    /// The address at the far end.
    pub fn addr(&self) -> SocketAddr {
        match *self {
            Target::Udp(a) | Target::Tcp(_, a) => a,
        }
    }
    /// Its host (IPv4-mapped addresses as IPv4).
    pub fn ip(&self) -> IpAddr {
        canonical(self.addr().ip())
    }
    fn port_host(&self) -> (i32, String) {
        (i32::from(self.addr().port()), self.ip().to_string())
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
    /// Replies withheld from an address that has not shown it receives (they were larger than
    /// a small multiple of the request).
    pub withheld: AtomicU64,
    /// TCP connections refused because every place was taken by one that spoke lately.
    pub tcp_refused: AtomicU64,
    /// TCP connections closed to make room for a newcomer (the one quiet the longest).
    pub tcp_evicted: AtomicU64,
    /// TCP connections closed after `--tcp-idle` seconds of silence.
    pub tcp_timed_out: AtomicU64,
}

impl Counters {
    fn bump(c: &AtomicU64) {
        c.fetch_add(1, Ordering::Relaxed);
    }
    /// Every counter with its name.
    pub fn all(&self) -> [(&'static str, u64); 13] {
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
            ("withheld", g(&self.withheld)),
            ("tcp_refused", g(&self.tcp_refused)),
            ("tcp_evicted", g(&self.tcp_evicted)),
            ("tcp_timed_out", g(&self.tcp_timed_out)),
        ]
    }
}

/// Who asked for a fragment file, to answer when it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Asker {
    pub to: Option<Target>,
    pub address: String,
}

/// Work for the fragment writer (it owns the [`FileBank`](crate::filebank::FileBank)).
#[derive(Debug)]
pub struct BankJob {
    /// Slot number, from 1.
    pub number: usize,
    pub audio: Audio,
    pub label: String,
    /// 1: the slot's own file; 2 or 4: stretched from it, written beside it.
    pub factor: f64,
    /// What is written (handed back when done, so the daemon knows what the file holds).
    pub fragment: Arc<Fragment>,
    pub ask: Asker,
}

/// What the writer did.
#[derive(Debug)]
pub enum BankDone {
    Stored {
        slot: Slot,
        ask: Asker,
    },
    /// A slot's own file written (factor 1), holding `fragment`.
    Written {
        slot: Slot,
        fragment: Arc<Fragment>,
        ask: Asker,
    },
    Failed {
        text: String,
        ask: Asker,
    },
}

/// The attribute that holds an object's own tempo (BPM), where it has one: what Link takes as
/// the session's tempo when a performer changes it, and without Link what every other object
/// that keeps one takes (one band, one tempo).
const TEMPO: &str = "tempo";

/// MIDI clock pulses per 16th step (24 a beat: the core's clock follower's PPQN).
const PULSES_PER_STEP: f64 = clock::PPQN / bandmate_core::pattern::STEPS_PER_BEAT as f64;

/// The MIDI clock sent so far (`--midi-clock`).
#[derive(Debug, Clone, Copy, Default)]
struct ClockOut {
    /// The last pulse handed to the port, counted from the leading object's start (`None`
    /// while nothing plays).
    last: Option<i64>,
    /// Its time: pulses handed over cannot be taken back, so a new count starts after it.
    last_ms: f64,
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
    /// Where `scene save N` writes scene-N.json and its slots' files (made when first needed).
    pub scene_dir: PathBuf,
    /// Where `tag` keeps what it marks, unless a `dataset` message says otherwise.
    pub dataset_dir: Option<PathBuf>,
    /// Where `train` writes and `load NAME` looks, unless a `library` message says otherwise.
    pub library_dir: Option<PathBuf>,
    /// Where relative OSC paths are read from.
    pub cwd: PathBuf,
    pub subscribe: Vec<SocketAddr>,
    /// How long a subscription made over UDP lasts unless renewed, in ms (0: for ever).
    /// Those of `subscribe` above and TCP ones last as long as the daemon or the connection.
    pub lease_ms: f64,
    pub model: ModelChoice,
    /// Messages starting with `_` reach the objects (with `BANDMATE_TEST_HOOKS=1`): tests of
    /// the panic guard.
    pub test_hooks: bool,
}

impl Settings {
    /// A daemon run in process (tests, the fuzz target, benchmarks): the rule-based drummer,
    /// 4 empty slots, the temporary folder, no confinement roots, notes 50 ms ahead, 8 kHz,
    /// answering `subscribe`. Change a field with struct update syntax.
    pub fn in_process(subscribe: Vec<SocketAddr>) -> Settings {
        Settings {
            lookahead_ms: 50.0,
            sample_rate: 8_000,
            roots: Vec::new(),
            allow: AllowList::default(),
            slots: vec![None; 4],
            frag_dir: std::env::temp_dir(),
            scene_dir: std::env::temp_dir().join("bandmate-scenes"),
            dataset_dir: None,
            library_dir: None,
            cwd: std::env::temp_dir(),
            subscribe,
            lease_ms: DEFAULT_LEASE_S * 1000.0,
            model: ModelChoice::Rules,
            test_hooks: false,
        }
    }
}

/// One object the daemon serves.
struct Served {
    entry: &'static Entry,
    obj: Box<dyn Object>,
    /// The signal half, run silently in time (no audio leaves the daemon).
    engine: Option<Box<dyn Engine>>,
    /// Where the engine has been run to (ms on the daemon's clock).
    pumped: f64,
    scratch: Vec<Vec<f32>>,
    /// Who last sent a message answered later by the worker.
    requester: Option<Target>,
    /// The address of the last message answered later: the worker's errors name it.
    request_addr: String,
}

impl Served {
    fn decl(&self) -> &'static ObjectDecl {
        self.entry.decl
    }

    /// Run the engine up to `now`, discarding the sound: its slots start and end in time.
    fn pump(&mut self, now: f64, sample_rate: u32) {
        let Some(engine) = self.engine.as_mut() else {
            return;
        };
        // An object that listens (signal inlets: `bandmate.taps~`) has nothing to hear here.
        if self.entry.decl.signal_inlets > 0 {
            return;
        }
        let ms = (now - self.pumped).clamp(0.0, 1000.0);
        let mut frames = (ms * f64::from(sample_rate) / 1000.0).floor() as usize;
        self.pumped += frames as f64 * 1000.0 / f64::from(sample_rate);
        if now - self.pumped > 1000.0 {
            self.pumped = now;
        }
        // At least one empty block: the engine takes its commands at the start of a block.
        loop {
            let n = frames.min(PUMP_FRAMES);
            let mut outs: Vec<&mut [f32]> = self.scratch.iter_mut().map(|s| &mut s[..n]).collect();
            engine.process(&[], &mut outs);
            frames -= n;
            if frames == 0 {
                break;
            }
        }
    }
}

/// The daemon.
pub struct Daemon {
    clock: Clock,
    s: Settings,
    space: &'static AddressSpace,
    counters: Arc<Counters>,
    subscribers: Vec<Target>,
    /// When each subscriber made over UDP expires unless renewed (ms on the clock).
    leases: HashMap<Target, f64>,
    /// Subscriptions waiting for their address to send back its token.
    pending: Vec<Pending>,
    /// Keys for the tokens (random for each daemon), and how many were made.
    token_keys: std::collections::hash_map::RandomState,
    tokens_made: u64,
    horizon: f64,
    out: Vec<Outgoing>,
    jobs: Vec<BankJob>,
    served: Vec<Served>,
    /// The fragment files, slot by slot (slot 1 first): the file each slot plays now.
    files: Vec<Option<Slot>>,
    /// The fragment each slot's own file (`FragmentNN.wav`) holds, once written or read.
    own: Vec<Option<(Arc<Fragment>, Slot)>>,
    /// The label texts last sent, by key.
    display: Vec<(String, String)>,
    /// Each sender of time-tagged bundles: the least delay (arrival minus tag, ms) seen, and
    /// when.
    delays: HashMap<Target, (f64, f64)>,
    /// Each control's state last sent (address -> packet), so only changes go out.
    controls_sent: HashMap<String, Vec<u8>>,
    /// When the controls' state was last looked at, and whether anything happened since.
    controls_at: f64,
    controls_dirty: bool,
    log: Vec<String>,
    midi: Option<MidiOut>,
    /// MIDI clock out (`--midi-clock`): the last pulse handed to the port, counted from the
    /// leading object's start (`None` while nothing plays); `None` outside: off.
    clock_out: Option<ClockOut>,
    /// While [`tick`](Self::tick) runs: the errors the objects said in it. The same words from
    /// several objects (the MIDI clock they all follow stalled) are said once.
    tick_errors: Option<Vec<String>>,
    /// The notes sent to the subscribers that are still sounding there (address, note,
    /// channel), and the latest time tag sent: what [`release_notes`](Self::release_notes)
    /// releases, after everything already sent.
    sounding: Vec<(String, u8, Option<u8>)>,
    last_tag: f64,
    /// The UDP socket's receive buffer (bytes) and how to read how many packets the kernel
    /// dropped for it (the server sets them; none in process).
    udp_buffer: usize,
    kernel_drops: Option<Box<dyn Fn() -> Option<u64> + Send>>,
    /// The scene worker: scene files written and read off the engine thread.
    scenes: Worker<scene::SceneJob, scene::SceneDone>,
    /// Ableton Link (`--link`): the session whose transport the objects follow.
    #[cfg(feature = "link")]
    link: Option<crate::link::Link>,
    /// Where Link's transport was last given to the objects (ms) and whether it ran there.
    #[cfg(feature = "link")]
    link_fed: (f64, bool),
}

/// A subscription for an address on the network that has not yet shown it receives: it starts
/// when the token sent there comes back from that host.
#[derive(Debug, Clone, Copy)]
struct Pending {
    target: Target,
    token: i32,
    until: f64,
}

fn msg(addr: &str, args: Vec<OscType>) -> Vec<u8> {
    codec::message(addr, args)
}

fn s(text: impl Into<String>) -> OscType {
    OscType::String(text.into())
}

fn int(n: u64) -> OscType {
    OscType::Int(n.min(i32::MAX as u64) as i32)
}

/// Atoms as OSC, typed by a declaration: whole-number arguments as int32.
fn typed(decl: &[bandmate_core::objects::decl::Arg], atoms: &[Atom]) -> Vec<OscType> {
    atoms
        .iter()
        .enumerate()
        .map(|(i, a)| match (decl.get(i).map(|d| d.kind), a) {
            (Some(Kind::Int { .. }), Atom::Float(x)) => OscType::Int(*x as i32),
            _ => to_osc(a),
        })
        .collect()
}

impl Daemon {
    /// A daemon serving every registered object.
    pub fn new(
        settings: Settings,
        clock: Clock,
        counters: Arc<Counters>,
    ) -> Result<Daemon, String> {
        Daemon::serving(AddressSpace::standard(), settings, clock, counters)
    }

    /// A daemon serving the objects of `space`.
    pub fn serving(
        space: &'static AddressSpace,
        settings: Settings,
        clock: Clock,
        counters: Arc<Counters>,
    ) -> Result<Daemon, String> {
        let plugin_dir = std::env::current_exe()
            .ok()
            .and_then(|e| e.parent().map(Path::to_path_buf));
        let options = Options {
            plugin_dir,
            load_default: settings.model == ModelChoice::Default,
            model: match &settings.model {
                ModelChoice::Dir(d) => Some(d.clone()),
                _ => None,
            },
            slots: Some(settings.slots.len()),
            // Every file an object's scan finds stays inside the allowed folders, links too.
            roots: Some(settings.roots.clone()),
            dataset: settings.dataset_dir.clone(),
            library: settings.library_dir.clone(),
        };
        let mut served = Vec::new();
        for entry in space.entries() {
            let mut obj =
                (entry.make)(&options, &[]).map_err(|e| format!("{}: {e}", entry.decl.name))?;
            obj.set_sample_rate(settings.sample_rate);
            let mut engine = obj.take_engine();
            if let Some(e) = engine.as_mut() {
                e.set_sample_rate(f64::from(settings.sample_rate))
                    .map_err(|e| format!("{}: {e}", entry.decl.name))?;
            }
            let signals = entry.decl.outlets.iter().filter(|o| o.signal).count();
            served.push(Served {
                entry,
                obj,
                engine,
                pumped: 0.0,
                scratch: vec![vec![0.0; PUMP_FRAMES]; signals],
                requester: None,
                request_addr: String::new(),
            });
        }
        let mut d = Daemon {
            clock,
            space,
            counters,
            subscribers: settings.subscribe.iter().map(|a| Target::Udp(*a)).collect(),
            leases: HashMap::new(),
            pending: Vec::new(),
            token_keys: std::collections::hash_map::RandomState::new(),
            tokens_made: 0,
            horizon: 0.0,
            out: Vec::new(),
            jobs: Vec::new(),
            served,
            files: settings.slots.clone(),
            own: vec![None; settings.slots.len()],
            display: Vec::new(),
            controls_sent: HashMap::new(),
            delays: HashMap::new(),
            controls_at: f64::NEG_INFINITY,
            controls_dirty: false,
            log: Vec::new(),
            midi: None,
            clock_out: None,
            tick_errors: None,
            sounding: Vec::new(),
            last_tag: 0.0,
            udp_buffer: 0,
            kernel_drops: None,
            scenes: Worker::serve("bandmated-scenes", |job| Some(scene::run(job)))
                .map_err(|e| e.to_string())?,
            #[cfg(feature = "link")]
            link: None,
            #[cfg(feature = "link")]
            link_fed: (f64::NEG_INFINITY, false),
            s: settings,
        };
        d.take_files_on_disk();
        // One band, one tempo from the start: the first object's that keeps one.
        if let Some(i) = (0..d.served.len()).find(|&i| d.served[i].obj.attribute(TEMPO).is_some()) {
            d.share_tempo(i, None, 0.0);
        }
        for i in 0..d.served.len() {
            d.drain(i, None, false, PREFIX);
        }
        Ok(d)
    }

    /// The fragments already on disk go into the object that keeps fragments, oldest first, so
    /// it fills the same slot next as the files say.
    fn take_files_on_disk(&mut self) {
        let Some(i) = self.bank() else { return };
        let mut on_disk: Vec<Slot> = self.files.iter().flatten().cloned().collect();
        on_disk.sort_by_key(|s| s.seq);
        for slot in on_disk {
            let taken = bandmate_core::wav::read_wav(&slot.path).and_then(|a| {
                let name = slot
                    .path
                    .file_stem()
                    .map_or_else(String::new, |x| x.to_string_lossy().into_owned());
                self.served[i].obj.take_array(
                    &name,
                    a.channels,
                    a.sample_rate,
                    Some(slot.number - 1),
                )
            });
            if let Err(e) = taken {
                self.log
                    .push(format!("fragment {}: {e} (left out)", slot.path.display()));
            }
        }
        // Those files are there already: nothing to write, only what each holds to remember.
        let mut outs = Vec::new();
        self.served[i].obj.drain_into(&mut |o| outs.push(o));
        for o in outs {
            if let Output::Stored { slot, fragment, .. } = o {
                if let (Some(own), Some(Some(file))) =
                    (self.own.get_mut(slot), self.files.get(slot))
                {
                    *own = Some((fragment, file.clone()));
                }
            }
        }
    }

    /// The served object that keeps fragments, if any.
    fn bank(&self) -> Option<usize> {
        self.served.iter().position(|s| s.obj.takes_audio())
    }

    /// Play every note to `sink` too, at its time on this daemon's clock, on `channel` (1..16)
    /// for objects whose notes carry no channel of their own: the same notes as the OSC
    /// bundles, with or without subscribers. `port` names the port in messages and in
    /// `/bandmate/status`. Dropping the daemon releases the sounding notes.
    pub fn with_midi(
        mut self,
        sink: Box<dyn MidiSink>,
        port: &str,
        channel: u8,
    ) -> Result<Daemon, String> {
        self.midi = Some(MidiOut::start(sink, self.clock, channel, port)?);
        Ok(self)
    }

    /// Send a MIDI clock on the port too (after [`with_midi`](Self::with_midi)): 24 pulses a
    /// beat locked to the first served object that plays (the groove), start (0xFA) when it
    /// starts from its top (else the song position and continue), stop (0xFC) when it stops, each
    /// at its time on the daemon's clock like the notes. Tempo changes are followed at once;
    /// a jump of the playhead (a transport relocated) is sent as Stop, Song Position and
    /// Continue, after the pulses already handed over.
    pub fn with_midi_clock(mut self) -> Result<Daemon, String> {
        if self.midi.is_none() {
            return Err(
                "midi-clock: there is no MIDI port to send it on (add --midi-port NAME)".into(),
            );
        }
        self.clock_out = Some(ClockOut::default());
        Ok(self)
    }

    /// MIDI clock pulses due up to the horizon `h` (see [`with_midi_clock`](Self::with_midi_clock)).
    fn pulse(&mut self, now: f64, h: f64) {
        let (Some(out), Some(midi)) = (self.clock_out.as_mut(), self.midi.as_ref()) else {
            return;
        };
        let Some((pos, step_ms)) = self.served.iter().find_map(|s| s.obj.beat_clock(h)) else {
            // after every pulse already handed over
            if out.last.take().is_some() {
                midi.realtime_at(out.last_ms.max(now) + 0.5, STOP);
            }
            return;
        };
        let at = |q: i64| h + (q as f64 / PULSES_PER_STEP - pos) * step_ms;
        let due = (pos * PULSES_PER_STEP).floor() as i64;
        let pulse_ms = step_ms / PULSES_PER_STEP;
        // the playhead goes on from where the count is: the count's last pulse is where the
        // playhead now puts it (a tempo change moves that by a hair, a jump by more)
        let on = out.last.is_some_and(|l| {
            (at(l) - out.last_ms).abs() <= 0.5 * pulse_ms && due - l <= 16 * PULSES_PER_STEP as i64
        });
        let from = if on {
            out.last.map_or(0, |l| l + 1)
        } else {
            // starting, or the playhead jumped (a transport relocated). Pulses handed over
            // cannot be taken back: the new count starts on the first 16th after the last of
            // them (and now). Followers ignore a song position while running, so a running
            // clock is stopped first.
            let after = now.max(out.last_ms + 1.0);
            if out.last.is_some() {
                midi.realtime_at(out.last_ms + 0.5, STOP);
            }
            let step_then = (pos - (h - after) / step_ms).max(0.0).ceil();
            let first = (step_then * PULSES_PER_STEP) as i64;
            let t = at(first);
            if first == 0 {
                midi.realtime_at(t - 0.5, START);
            } else {
                midi.song_position_at(t - 0.5, step_then as u16);
                midi.realtime_at(t - 0.25, CONTINUE);
            }
            // the count stands just before its first pulse
            out.last = Some(first - 1);
            out.last_ms = at(first - 1);
            first
        };
        for q in from..=due {
            midi.realtime_at(at(q), TICK);
            out.last = Some(q);
            out.last_ms = at(q);
        }
    }

    /// When the next MIDI clock pulse must be handed over, if a clock is sent.
    fn next_pulse(&self, now: f64) -> Option<f64> {
        let last = self.clock_out?.last;
        let h = self.horizon.max(now + self.s.lookahead_ms);
        match (self.served.iter().find_map(|s| s.obj.beat_clock(h)), last) {
            (Some((pos, step_ms)), Some(l)) => {
                let next = h + ((l + 1) as f64 / PULSES_PER_STEP - pos) * step_ms;
                Some(next - self.s.lookahead_ms)
            }
            (Some(_), None) | (None, Some(_)) => Some(now),
            (None, None) => None,
        }
    }

    /// The MIDI port, if any.
    pub fn midi(&self) -> Option<&MidiOut> {
        self.midi.as_ref()
    }

    /// Join the Ableton Link session on the network (`--link`), `quantum` beats a bar: its
    /// transport leads every object that follows a transport, and the objects' play, stop and
    /// tempo lead it (see [`crate::link`]). This peer's tempo is the first such object's until
    /// it meets a session, whose tempo it takes.
    #[cfg(feature = "link")]
    pub fn with_link(mut self, quantum: f64) -> Result<Daemon, String> {
        let bpm = self
            .served
            .iter()
            .filter(|s| s.obj.follows_transport())
            .find_map(|s| s.obj.attribute(TEMPO))
            .unwrap_or(120.0);
        self.link = Some(crate::link::Link::join(bpm, quantum)?);
        Ok(self)
    }

    /// The Link session, with `--link`.
    #[cfg(feature = "link")]
    pub fn link(&self) -> Option<&crate::link::Link> {
        self.link.as_ref()
    }

    /// Give Link's transport, as it is now, to every object that follows a transport, at the
    /// horizon `h`; a start that fell between the last time given and `h` is given first at
    /// its own time, so the loops start on it.
    #[cfg(feature = "link")]
    fn follow_link(&mut self, h: f64) {
        let clock = self.clock;
        let Some(link) = self.link.as_mut() else {
            return;
        };
        link.capture();
        let (fed, ran) = self.link_fed;
        let mut moments = Vec::with_capacity(2);
        if let Some(start) = link.start_ms(&clock).filter(|&t| !ran && t > fed && t < h) {
            moments.push((start, link.at(&clock, start)));
        }
        moments.push((h.max(fed), link.at(&clock, h.max(fed))));
        for (t, m) in moments {
            for i in 0..self.served.len() {
                if !self.served[i].obj.follows_transport() {
                    continue;
                }
                if let Err(e) = self.served[i].obj.transport(t, m.running, m.bpm, m.beats) {
                    let name = self.served[i].decl().name;
                    self.log.push(format!("{name}: link: {e}"));
                }
            }
            self.link_fed = (t, m.running);
        }
    }

    /// Before a message to served object `i`: whether it plays and its own tempo, if Link
    /// leads it.
    #[cfg(feature = "link")]
    fn link_before(&self, i: usize) -> Option<(bool, Option<f64>)> {
        let obj = &self.served[i].obj;
        (self.link.is_some() && obj.follows_transport())
            .then(|| (obj.is_playing(), obj.attribute(TEMPO)))
    }

    /// After a message to served object `i` (`before`: [`link_before`](Self::link_before)):
    /// a new tempo of its own becomes the session's; its start starts Link's transport if it
    /// is stopped; the stop of the last object playing stops it. Then every follower is given
    /// the transport at once, so what the message started or moved is in phase before a note
    /// leaves.
    #[cfg(feature = "link")]
    fn link_after(&mut self, i: usize, before: Option<(bool, Option<f64>)>, now: f64) {
        let Some((was_playing, old_tempo)) = before else {
            return;
        };
        let h = self.horizon(now);
        let clock = self.clock;
        let playing = self.served[i].obj.is_playing();
        let tempo = self.served[i].obj.attribute(TEMPO);
        let anyone = self
            .served
            .iter()
            .any(|s| s.obj.follows_transport() && s.obj.is_playing());
        let Some(link) = self.link.as_mut() else {
            return;
        };
        link.capture();
        if let Some(bpm) = tempo.filter(|&b| Some(b) != old_tempo) {
            link.set_tempo(&clock, h, bpm);
        }
        if playing && !was_playing && !link.is_playing() {
            link.start(&clock, h);
        } else if was_playing && !playing && !anyone && link.is_playing() {
            link.stop(&clock, h);
        }
        self.follow_link(h);
    }

    /// The `/bandmate/status` line about Link: `link on PEERS TEMPO PLAYING PHASE QUANTUM`
    /// (`link off 0 0 0 0 0` without `--link`).
    fn link_status(&mut self, h: f64) -> Vec<OscType> {
        #[cfg(feature = "link")]
        if let Some(link) = self.link.as_mut() {
            link.capture();
            return vec![
                s("link"),
                s("on"),
                int(link.peers()),
                OscType::Float(link.tempo() as f32),
                OscType::Int(i32::from(link.is_playing())),
                OscType::Float(link.phase(&self.clock, h) as f32),
                OscType::Float(link.quantum() as f32),
            ];
        }
        let _ = h;
        let zero = OscType::Float(0.0);
        vec![
            s("link"),
            s("off"),
            OscType::Int(0),
            zero.clone(),
            OscType::Int(0),
            zero.clone(),
            zero,
        ]
    }

    /// When Link's session must next be looked at: every [`crate::link::POLL_MS`] (a peer may
    /// change it at any time), and in time for a start announced ahead.
    #[cfg(feature = "link")]
    fn next_link(&self, now: f64) -> Option<f64> {
        let link = self.link.as_ref()?;
        let poll = now + crate::link::POLL_MS;
        let start = link
            .start_ms(&self.clock)
            .map(|t| t - self.s.lookahead_ms)
            .filter(|&t| t > now && !self.link_fed.1);
        Some(start.map_or(poll, |t| t.min(poll)))
    }

    /// The served object whose address is `/bandmate/<osc>/...`, for tests and reports.
    pub fn object(&self, osc: &str) -> Option<&dyn Object> {
        self.served
            .iter()
            .find(|s| s.decl().osc == osc)
            .map(|s| s.obj.as_ref())
    }

    /// Packets to send, in order.
    pub fn take_outgoing(&mut self) -> Vec<Outgoing> {
        std::mem::take(&mut self.out)
    }

    /// Fragment files for the writer.
    pub fn take_jobs(&mut self) -> Vec<BankJob> {
        std::mem::take(&mut self.jobs)
    }

    /// Lines for the daemon's console (worker failures, files left out).
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
        let start = self.out.len();
        let messages = codec::decode(bytes);
        match &messages {
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
                    let at = m.tag.map_or(now, |tag| self.sender_time(from, now, tag));
                    self.message(at, from, &m.addr, &m.args);
                }
            }
        }
        let first = match &messages {
            Ok(m) => m.first().map_or("", |m| m.addr.as_str()),
            Err(_) => "",
        };
        self.keep_replies_small(from.target(), start, bytes.len(), first);
        self.update_display();
        self.controls_dirty = true;
        self.update_controls(now);
    }

    /// When a message time-tagged `tag` by `from` happened, on the daemon's clock: the tag
    /// shifted by the least delay (arrival minus tag) seen from that sender lately. Its clock
    /// may be set anywhere; the shift takes it out, and what varies from packet to packet (the
    /// network's jitter) is left out of the time, so a tablet's taps keep the tablet's
    /// timing. Never later than the arrival; the least delay may grow by 0.1 ms a second, to
    /// follow a clock that drifts.
    fn sender_time(&mut self, from: Peer, now: f64, tag: rosc::OscTime) -> f64 {
        let delay = now - self.clock.ms_of(tag);
        if !delay.is_finite() {
            return now;
        }
        let key = from.target();
        let least = match self.delays.get(&key) {
            // The sender's clock stepped back (or its path got much slower): start again.
            Some(&(least, _)) if delay > least + DELAY_RESET_MS => delay,
            Some(&(least, at)) => (least + (now - at).max(0.0) * DELAY_DRIFT).min(delay),
            None => delay,
        };
        if self.delays.len() >= MAX_SENDERS_TIMED && !self.delays.contains_key(&key) {
            // Someone sends from many addresses: start again rather than grow.
            self.delays.clear();
        }
        self.delays.insert(key, (least, now));
        (self.clock.ms_of(tag) + least).min(now)
    }

    /// Has `t` shown that it receives what is sent to it? A TCP connection has; so has this
    /// machine (no one outside can forge a loopback source address) and a subscriber (it
    /// confirmed). A UDP source address on the network may be forged.
    fn proven(&self, t: Target) -> bool {
        match t {
            Target::Tcp(..) => true,
            Target::Udp(_) => t.ip().is_loopback() || self.subscribers.contains(&t),
        }
    }

    /// The replies to `to` made since `start` (for a request of `request` bytes to `addr`):
    /// if `to` has not shown it receives and they are more than a small multiple of the
    /// request, they are withheld and one short error says why. So a forged source address
    /// cannot make the daemon an amplifier.
    fn keep_replies_small(&mut self, to: Target, start: usize, request: usize, addr: &str) {
        if self.proven(to) {
            return;
        }
        let budget = (REPLY_FACTOR * request).max(MIN_REPLY_BUDGET);
        let total: usize = self.out[start..]
            .iter()
            .filter(|o| o.to == to)
            .map(|o| o.bytes.len())
            .sum();
        if total <= budget {
            return;
        }
        let rest: Vec<Outgoing> = self.out.drain(start..).filter(|o| o.to != to).collect();
        self.out.extend(rest);
        Counters::bump(&self.counters.withheld);
        let text = format!("reply withheld ({total} bytes): confirm a subscription or use TCP");
        let e = msg("/bandmate/error", vec![s(addr), s(text)]);
        if e.len() <= budget {
            self.out.push(Outgoing { to, bytes: e });
        }
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

    /// Advance the clock to `now`: the workers' results, the engines, and every note due by
    /// the horizon.
    pub fn tick(&mut self, now: f64) {
        self.expire(now);
        let r = catch_unwind(AssertUnwindSafe(|| {
            let h = self.horizon(now);
            #[cfg(feature = "link")]
            self.follow_link(h);
            let mut answers = 0;
            self.tick_errors = Some(Vec::new());
            for i in 0..self.served.len() {
                let rate = self.s.sample_rate;
                self.served[i].pump(now, rate);
                self.served[i].obj.tick(h);
                answers += self.drain(i, None, false, PREFIX);
            }
            self.tick_errors = None;
            self.pulse(now, h);
            self.poll_scenes(now);
            self.update_display();
            // Something came out (a worker's result, a note): a control may have changed.
            if answers > 0 {
                self.controls_dirty = true;
            }
            self.update_controls(now);
        }));
        // (a tick cut short by a panic says the next errors all the same)
        self.tick_errors = None;
        if let Err(p) = r {
            Counters::bump(&self.counters.panics);
            let text = format!("internal error: {} (the daemon goes on)", panic_text(&p));
            self.log.push(text.clone());
            self.error(None, PREFIX, &text);
        }
    }

    /// When [`tick`](Self::tick) is next needed (ms on the daemon's clock), if at all.
    pub fn next_wake(&self, now: f64) -> Option<f64> {
        let h = self.horizon.max(now + self.s.lookahead_ms);
        self.served
            .iter()
            .filter_map(|s| s.obj.wake_at(h))
            .map(|t| t - self.s.lookahead_ms)
            .chain(self.next_expiry())
            .chain(self.next_controls())
            .chain(self.next_pulse(now))
            .chain(self.next_scene(now))
            .chain(self.next_link_wake(now))
            .reduce(f64::min)
    }

    /// [`next_link`](Self::next_link), with `--link`.
    fn next_link_wake(&self, now: f64) -> Option<f64> {
        #[cfg(feature = "link")]
        return self.next_link(now);
        #[cfg(not(feature = "link"))]
        {
            let _ = now;
            None
        }
    }

    /// When the controls' state should next be looked at, if something may have changed.
    fn next_controls(&self) -> Option<f64> {
        (self.controls_dirty && !self.subscribers.is_empty())
            .then_some(self.controls_at + CONTROLS_EVERY_MS)
    }

    /// A fragment file the writer finished (or could not write).
    pub fn bank_done(&mut self, done: BankDone) {
        self.controls_dirty = true;
        match done {
            BankDone::Written {
                slot,
                fragment,
                ask,
            } => {
                if let Some(own) = self.own.get_mut(slot.number - 1) {
                    *own = Some((fragment, slot.clone()));
                }
                self.bank_done(BankDone::Stored { slot, ask });
            }
            BankDone::Stored { slot, ask } => {
                let n = slot.number;
                let osc = self
                    .bank()
                    .map_or("", |i| self.served[i].decl().osc)
                    .to_string();
                let bytes = msg(
                    &format!("{PREFIX}/{osc}/slot"),
                    vec![
                        OscType::Int(n as i32),
                        s(slot.path.display().to_string()),
                        s(slot.label.clone()),
                    ],
                );
                let text = slot_text(&slot);
                if let Some(x) = self.files.get_mut(n - 1) {
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

    /// Subscriptions whose lease ran out end (the subscriber is told), and tokens not answered
    /// in time are forgotten.
    fn expire(&mut self, now: f64) {
        self.pending.retain(|p| p.until > now);
        let ended: Vec<Target> = self
            .leases
            .iter()
            .filter(|&(_, &until)| until <= now)
            .map(|(t, _)| *t)
            .collect();
        for t in ended {
            self.leases.remove(&t);
            self.subscribers.retain(|x| *x != t);
            let (port, host) = t.port_host();
            self.log.push(format!(
                "subscriber {host}:{port} expired (not renewed for {} s, --lease)",
                self.s.lease_ms / 1000.0
            ));
            self.out.push(Outgoing {
                to: t,
                bytes: msg("/bandmate/unsubscribe", vec![OscType::Int(port), s(host)]),
            });
        }
    }

    /// When the next lease or token runs out, if any.
    fn next_expiry(&self) -> Option<f64> {
        self.leases
            .values()
            .copied()
            .chain(self.pending.iter().map(|p| p.until))
            .min_by(f64::total_cmp)
    }

    /// The UDP socket's receive buffer (bytes) and a probe of the packets the kernel dropped
    /// for it, for `/bandmate/status`.
    pub fn set_udp_probe(&mut self, buffer: usize, probe: Box<dyn Fn() -> Option<u64> + Send>) {
        self.udp_buffer = buffer;
        self.kernel_drops = Some(probe);
    }

    /// Is `t` subscribed?
    pub fn is_subscriber(&self, t: Target) -> bool {
        self.subscribers.contains(&t)
    }

    /// A TCP connection closed: forget it as a subscriber and as a requester.
    pub fn forget(&mut self, t: Target) {
        self.subscribers.retain(|x| *x != t);
        self.leases.remove(&t);
        for sv in &mut self.served {
            if sv.requester == Some(t) {
                sv.requester = None;
            }
        }
    }

    /// Send to `to` (if any) and to every subscriber, once each. A request from an address
    /// that has not shown it receives is answered to it alone: a stranger's requests (or
    /// forged ones) are not multiplied by the subscribers (what they change still reaches them,
    /// as state, at most every [`CONTROLS_EVERY_MS`]).
    fn reply(&mut self, to: Option<Target>, bytes: Vec<u8>) {
        if let Some(t) = to {
            if !self.proven(t) {
                self.out.push(Outgoing { to: t, bytes });
                return;
            }
            if !self.subscribers.contains(&t) {
                self.out.push(Outgoing {
                    to: t,
                    bytes: bytes.clone(),
                });
            }
        }
        // An answer that says a control's state (an echo) is that state sent to the
        // subscribers: the next look at the controls does not send it again.
        if let Some(sent) = codec::address(&bytes).and_then(|a| self.controls_sent.get_mut(a)) {
            sent.clone_from(&bytes);
        }
        self.broadcast(bytes);
    }

    /// Send to `to` (if any) and to `target`, once each: answers about one subscription.
    fn tell(&mut self, to: Option<Target>, target: Target, bytes: Vec<u8>) {
        if let Some(t) = to.filter(|&t| t != target) {
            self.out.push(Outgoing {
                to: t,
                bytes: bytes.clone(),
            });
        }
        self.out.push(Outgoing { to: target, bytes });
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
        // (an address or a text quoting one may be as long as a packet: cut, so that the
        // answer fits a datagram)
        let (addr, text) = (clip(addr, ERROR_ADDRESS_MAX), clip(text, ERROR_TEXT_MAX));
        let text = &*text;
        self.reply(to, msg("/bandmate/error", vec![s(addr.as_ref()), s(text)]));
        if to.is_none_or(|t| self.proven(t)) {
            self.broadcast(msg("/bandmate/display/error", vec![s(text)]));
        }
    }

    fn message(&mut self, now: f64, from: Peer, addr: &str, args: &[OscType]) {
        Counters::bump(&self.counters.messages);
        let to = Some(from.target());
        let routed = self.space.route(addr, self.s.test_hooks).and_then(|r| {
            let mut atoms = r.lead.clone();
            atoms.extend(to_atoms(args)?);
            Ok((r, atoms))
        });
        let (r, atoms) = match routed {
            Ok(x) => x,
            Err(e) => return self.error(to, addr, &e),
        };
        let result = match r.dest {
            Dest::Object(i) => {
                // A pad address is checked as declared there (every argument given) first.
                let pad = !std::ptr::eq(r.obj, self.served[i].decl());
                match pad.then(|| r.obj.parse(&r.selector, &atoms)) {
                    Some(Err(e)) => Err(e.to_string()),
                    _ => self.object_message(now, to, addr, i, &r.message, atoms, r.lead.len()),
                }
            }
            Dest::Bridge => self.bridge_message(now, from, &r.selector, atoms),
        };
        if let Err(e) = result {
            // A control that sent a refused value is told again the state that holds.
            let base = base_address(addr, r.lead.len());
            self.controls_sent.retain(|k, _| !k.starts_with(base));
            self.error(to, addr, &e);
        }
    }

    /// One band, one tempo: a new tempo of served object `i` (its `tempo`, its `tap_tempo`)
    /// becomes every other object's that keeps one, at `t`. With Link, Link shares it.
    fn share_tempo(&mut self, i: usize, before: Option<f64>, t: f64) {
        #[cfg(feature = "link")]
        if self.link.is_some() {
            return;
        }
        let Some(bpm) = self.served[i]
            .obj
            .attribute(TEMPO)
            .filter(|&b| Some(b) != before)
        else {
            return;
        };
        for j in 0..self.served.len() {
            let other = self.served[j].obj.attribute(TEMPO);
            if j == i || other.is_none_or(|b| b == bpm) {
                continue;
            }
            let addr = format!("{PREFIX}/{}/{TEMPO}", self.served[j].decl().osc);
            if let Err(e) = self.served[j].obj.message(t, TEMPO, &[Atom::Float(bpm)]) {
                self.log.push(format!("{addr}: {e}"));
            }
            self.drain(j, None, false, &addr);
        }
    }

    /// One band, one bar line: served object `i`, just started on its own while another
    /// plays (no Link: Link puts every object on its session's bar), joins that one in phase.
    fn join_band(&mut self, i: usize, t: f64) {
        #[cfg(feature = "link")]
        if self.link.is_some() {
            return;
        }
        if !self.served[i].obj.is_playing() {
            return;
        }
        let lead = (0..self.served.len())
            .filter(|&j| j != i)
            .find_map(|j| self.served[j].obj.playhead(t));
        if let Some(steps) = lead {
            self.served[i].obj.join(t, steps);
        }
    }

    /// A message for served object `i`, checked and run as the object's `message`.
    #[allow(clippy::too_many_arguments)]
    fn object_message(
        &mut self,
        now: f64,
        to: Option<Target>,
        addr: &str,
        i: usize,
        message: &str,
        mut atoms: Vec<Atom>,
        lead: usize,
    ) -> Result<(), String> {
        let decl = self.served[i].decl();
        let hook = self.s.test_hooks && message.starts_with('_');
        let call = if hook {
            None
        } else {
            let call = decl.parse(message, &atoms).map_err(|e| e.to_string())?;
            self.over_osc(i, &call, &mut atoms)?;
            Some(call)
        };
        let flags = call.as_ref().map_or(Flags::NONE, |c| c.decl.flags);
        let t = if flags.has(Flags::LIVE) {
            now
        } else {
            self.horizon(now)
        };
        let owed = self.served[i].obj.pending();
        #[cfg(feature = "link")]
        let link_before = self.link_before(i);
        let tempo_before = self.served[i].obj.attribute(TEMPO);
        let was_playing = self.served[i].obj.is_playing();
        self.served[i]
            .obj
            .message(t, message, &atoms)
            .map_err(|e| e.to_string())?;
        #[cfg(feature = "link")]
        self.link_after(i, link_before, now);
        self.share_tempo(i, tempo_before, t);
        if !was_playing {
            self.join_band(i, t);
        }
        // A job handed to the worker: the request is answered when it is done.
        let later = flags.has(Flags::LATER) && self.served[i].obj.pending() > owed;
        if flags.has(Flags::LATER) {
            // Later answers go to an address only once it has shown it receives them.
            self.served[i].requester = to.filter(|&t| self.proven(t));
            addr.clone_into(&mut self.served[i].request_addr);
        }
        let answers = self.drain(i, to, true, addr);
        let Some(call) = call else { return Ok(()) };
        let m = call.decl;
        // The slot's file, for a message that names a filled slot.
        let file = match (m.flags.has(Flags::SLOT), call.int(0)) {
            (true, Some(n)) if n >= 1 => self
                .files
                .get(n as usize - 1)
                .and_then(|f| f.as_ref())
                .map(|f| f.path.display().to_string()),
            _ => None,
        };
        let base = format!("{PREFIX}/{}/{}", decl.osc, m.name);
        if let Some(path) = file {
            let mut args = typed(m.args, &atoms);
            args.push(s(path));
            self.reply(to, msg(&base, args));
        } else if let (Some(word), 0) = (m.ack, answers) {
            // Acknowledged on its own word, with the arguments as taken: whole numbers as
            // int32, a missing optional one as its least value.
            let mut args = Vec::new();
            for (k, a) in m.args.iter().enumerate() {
                match (atoms.get(k), a.kind) {
                    (Some(x), _) => args.extend(typed(&m.args[k..=k], std::slice::from_ref(x))),
                    (None, Kind::Int { min, .. }) => args.push(OscType::Int(min as i32)),
                    (None, _) => {}
                }
            }
            self.reply(to, msg(&format!("{PREFIX}/{}/{word}", decl.osc), args));
        } else if (answers == 0 && !later) || m.flags.has(Flags::ECHO) {
            let lead = lead.min(atoms.len());
            // A value left out is answered as the one it set, where the object can say it;
            // numbers typed as declared (an int as int32).
            let state = (atoms.len() < m.args.len())
                .then(|| self.state_of(i, m, &atoms, lead))
                .flatten();
            let echo =
                state.unwrap_or_else(|| typed(&m.args[lead.min(m.args.len())..], &atoms[lead..]));
            self.reply(to, msg(addr, echo));
        }
        Ok(())
    }

    /// The state of served object `i`'s attribute or control `m` named by the arguments
    /// `given` (the first `lead` of them came in the address): its arguments after those,
    /// typed as declared.
    fn state_of(
        &self,
        i: usize,
        m: &MessageDecl,
        given: &[Atom],
        lead: usize,
    ) -> Option<Vec<OscType>> {
        let obj = &self.served[i].obj;
        if let Some((_, args)) = obj
            .controls()
            .into_iter()
            .find(|(n, args)| *n == m.name && args.len() > given.len() && args.starts_with(given))
        {
            return Some(typed(&m.args[lead..], &args[lead..]));
        }
        if m.attribute() && given.is_empty() {
            return obj
                .attribute(m.name)
                .map(|v| typed(m.args, &[Atom::Float(v)]));
        }
        None
    }

    /// What a message may not do over OSC: an offline switch other than 0 (the daemon's clock
    /// never waits); a path outside the allowed folders (made absolute when inside; the words
    /// its declaration names, such as a built-in choice, are not paths).
    fn over_osc(&self, idx: usize, call: &Call, atoms: &mut [Atom]) -> Result<(), String> {
        let m = call.decl;
        if m.flags.has(Flags::OFFLINE) && call.int(0).is_some_and(|v| v != 0) {
            return Err(format!(
                "{}: the daemon's clock never waits; over OSC only '{} 0' is taken",
                m.name, m.name
            ));
        }
        for (i, a) in m.args.iter().enumerate() {
            let Kind::Path(words) = a.kind else { continue };
            let Some(p) = call.symbol(i).filter(|p| !words.contains(p)) else {
                continue;
            };
            // a name the object itself knows (a model in the groove's library)
            let found = Path::new(p)
                .is_relative()
                .then(|| self.served[idx].obj.find(m.name, p))
                .flatten();
            let p = found.as_ref().and_then(|f| f.to_str()).unwrap_or(p);
            let p = self.confine(p).map_err(|e| format!("{}: {e}", m.name))?;
            atoms[i] = Atom::Symbol(p.display().to_string());
        }
        Ok(())
    }

    /// Hand on what served object `i` produced: info lines as replies (to `to` and the
    /// subscribers when answering a message, else to whoever last sent it a message answered
    /// later, and the subscribers), events to the subscribers, notes as timed bundles, renders
    /// into the fragment object, fragments to the writer. Returns how many lines answered.
    fn drain(&mut self, i: usize, to: Option<Target>, sync: bool, addr: &str) -> usize {
        let mut outs = Vec::new();
        self.served[i].obj.drain_into(&mut |o| outs.push(o));
        let decl = self.served[i].decl();
        let dest = if sync { to } else { self.served[i].requester };
        let mut answers = 0;
        let mut notes = Vec::new();
        for o in outs {
            match o {
                Output::Note {
                    at_ms,
                    note,
                    velocity,
                    channel,
                } => notes.push((
                    at_ms,
                    note,
                    velocity,
                    decl.note_channel.then_some(channel.min(15) + 1),
                )),
                Output::Program { channel, program } => {
                    if let Some(m) = &self.midi {
                        // (a time in the past: at once, before the notes that follow it)
                        m.send_at(0.0, [0xC0 | (channel & 0x0F), program & 0x7F, 0]);
                    }
                    let bytes = msg(
                        &format!("{PREFIX}/{}/program", decl.osc),
                        vec![
                            OscType::Int(i32::from(program) + 1),
                            OscType::Int(i32::from(channel) + 1),
                        ],
                    );
                    self.broadcast(bytes);
                }
                Output::Info(sel, args) => {
                    let bytes = msg(
                        &format!("{PREFIX}/{}/{sel}", decl.osc),
                        args.iter().map(to_osc).collect(),
                    );
                    self.reply(dest, bytes);
                    answers += 1;
                }
                // A message for another object: no patch cords here, the subscribers hear it.
                // (Not an answer: the sender, subscribed or not, still gets one, e.g. the echo
                // of a `play` that set the accompanist's chord line going.)
                Output::Event(sel, args) | Output::Send(sel, args) => {
                    let bytes = msg(
                        &format!("{PREFIX}/{}/{sel}", decl.osc),
                        args.iter().map(to_osc).collect(),
                    );
                    self.broadcast(bytes);
                }
                Output::Error(text) => {
                    if let Some(said) = self.tick_errors.as_mut() {
                        if said.contains(&text) {
                            continue;
                        }
                        said.push(text.clone());
                    }
                    self.log.push(format!("{}: {text}", decl.osc));
                    // A worker's error names the request it answers.
                    let at = if !sync && !self.served[i].request_addr.is_empty() {
                        self.served[i].request_addr.clone()
                    } else {
                        format!("{PREFIX}/{}", decl.osc)
                    };
                    self.error(dest, &at, &text);
                }
                Output::Render(name) => {
                    answers += 1;
                    let ask = Asker {
                        to: dest.filter(|&t| self.proven(t)),
                        address: addr.to_string(),
                    };
                    if let Err(e) = self.render_into_bank(i, &name, &ask) {
                        self.error(dest, addr, &e);
                    }
                }
                Output::FetchArray { name, slot } => {
                    answers += 1;
                    if let Err(e) = self.fetch_array(i, &name, slot, dest, addr) {
                        self.error(dest, addr, &format!("array: {e}"));
                    }
                }
                Output::Stored {
                    slot,
                    fragment,
                    factor,
                } => {
                    let ask = Asker {
                        to: dest.filter(|&t| self.proven(t)),
                        address: addr.to_string(),
                    };
                    self.store(slot, &fragment, factor, ask);
                }
            }
        }
        self.send_notes(&format!("{PREFIX}/{}/note", decl.osc), &notes);
        answers
    }

    /// What served object `i` plays, rendered at the daemon's rate into the object that keeps
    /// fragments (its next slot), as `name`.
    fn render_into_bank(&mut self, i: usize, name: &str, ask: &Asker) -> Result<(), String> {
        let audio = self.served[i]
            .obj
            .render(self.s.sample_rate)
            .map_err(|e| e.to_string())?;
        let b = self
            .bank()
            .ok_or("no object here keeps fragments to render into")?;
        self.served[b]
            .obj
            .take_array(name, audio.channels, audio.sample_rate, None)
            .map_err(|e| e.to_string())?;
        // Its answers (the fragment to write, `loaded`) go to whoever asked for the render.
        let addr = ask.address.clone();
        self.drain(b, ask.to, true, &addr);
        Ok(())
    }

    /// `array NAME [SLOT]` in the daemon, which has no arrays of its own: what the other served
    /// objects play, rendered at the daemon's rate (the first that can), goes into object `i`.
    fn fetch_array(
        &mut self,
        i: usize,
        name: &str,
        slot: Option<usize>,
        to: Option<Target>,
        addr: &str,
    ) -> Result<(), String> {
        let mut why = Vec::new();
        let mut audio = None;
        for j in (0..self.served.len()).filter(|&j| j != i) {
            match self.served[j].obj.render(self.s.sample_rate) {
                Ok(a) => {
                    audio = Some(a);
                    break;
                }
                Err(e) => why.push(e.to_string()),
            }
        }
        let audio = audio.ok_or_else(|| {
            format!(
                "nothing here plays audio to take as '{name}' ({})",
                why.join("; ")
            )
        })?;
        bandmate_core::objects::contract::check_audible(name, &audio.channels)
            .map_err(|e| e.to_string())?;
        self.served[i]
            .obj
            .take_array(name, audio.channels, audio.sample_rate, slot)
            .map_err(|e| e.to_string())?;
        self.drain(i, to, true, addr);
        Ok(())
    }

    /// A fragment to write as slot `slot`'s file (0-based). The fragment its own file holds
    /// already (back from a stretch) is not written again: the slot plays that file at once.
    fn store(&mut self, slot: usize, fragment: &Arc<Fragment>, factor: f64, ask: Asker) {
        if (factor - 1.0).abs() < 1e-9 {
            let same = self
                .own
                .get(slot)
                .and_then(|o| o.as_ref())
                .filter(|(f, _)| Arc::ptr_eq(f, fragment))
                .map(|(_, file)| file.clone());
            if let Some(file) = same {
                self.bank_done(BankDone::Stored { slot: file, ask });
                return;
            }
            if let Some(own) = self.own.get_mut(slot) {
                // Written anew below: until then nothing is known to be in it.
                *own = None;
            }
        }
        let audio = Audio {
            sample_rate: fragment.sample_rate(),
            channels: (0..fragment.channel_count())
                .filter_map(|c| fragment.channel(c).map(<[f32]>::to_vec))
                .collect(),
        };
        self.jobs.push(BankJob {
            number: slot + 1,
            audio,
            label: fragment.name().to_string(),
            factor,
            fragment: Arc::clone(fragment),
            ask,
        });
    }

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
                let key = (addr.to_string(), notes[i].1, notes[i].3);
                self.sounding.retain(|k| *k != key);
                if notes[i].2 > 0 {
                    self.sounding.push(key);
                }
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
            self.last_tag = self.last_tag.max(t);
            let bytes = codec::bundle(self.clock.timetag(t), group);
            self.broadcast(bytes);
        }
    }

    /// The daemon is stopping (SIGINT, SIGTERM): a note-off (velocity 0) to the subscribers
    /// for every note still sounding there, tagged no earlier than anything already sent, so
    /// no synth is left holding a note. Returns how many were released.
    pub fn release_notes(&mut self, now: f64) -> usize {
        let at = now.max(self.last_tag);
        let held = std::mem::take(&mut self.sounding);
        for (addr, note, channel) in &held {
            let mut args = vec![OscType::Int(i32::from(*note)), OscType::Int(0)];
            if let Some(ch) = channel {
                args.push(OscType::Int(i32::from(*ch)));
            }
            let bytes = codec::bundle(
                self.clock.timetag(at),
                vec![OscMessage {
                    addr: addr.clone(),
                    args,
                }],
            );
            self.broadcast(bytes);
        }
        held.len()
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
            "subscribe" => {
                let target = self
                    .resolve(&from, call.int(0), call.symbol(1))
                    .map_err(|e| format!("{sel}: {e}"))?;
                let may = self.may_act_for(target, &from);
                if self.subscribers.contains(&target) && may {
                    // A renewal: answered, the lease starts again, the state is not resent.
                    if let Some(until) = self.leases.get_mut(&target) {
                        *until = now + self.s.lease_ms;
                    }
                    self.tell(to, target, sub_msg("subscribe", target));
                } else if !may {
                    self.ask_to_confirm(now, target, from)?;
                } else {
                    self.add_subscriber(now, target, to)?;
                }
            }
            "confirm" => {
                let token = call.int(0).unwrap_or_default();
                let ip = from.ip();
                let k = self
                    .pending
                    .iter()
                    .position(|p| {
                        i64::from(p.token) == token && p.target.ip() == ip
                    })
                    .ok_or_else(|| {
                        format!(
                            "confirm: no subscription from {ip} waits for this token (a token holds for {} s)",
                            CONFIRM_WINDOW_MS / 1000.0
                        )
                    })?;
                let p = self.pending.remove(k);
                if self.subscribers.contains(&p.target) {
                    if let Some(until) = self.leases.get_mut(&p.target) {
                        *until = now + self.s.lease_ms;
                    }
                    self.tell(to, p.target, sub_msg("subscribe", p.target));
                } else {
                    self.add_subscriber(now, p.target, to)?;
                }
            }
            "unsubscribe" => {
                let target = self
                    .resolve(&from, call.int(0), call.symbol(1))
                    .map_err(|e| format!("{sel}: {e}"))?;
                if !self.may_act_for(target, &from) {
                    return Err(format!(
                        "{sel}: only {} itself (or this machine) may end its subscription",
                        target.ip()
                    ));
                }
                let was = self.subscribers.contains(&target)
                    || self.pending.iter().any(|p| p.target == target);
                self.subscribers.retain(|x| *x != target);
                self.leases.remove(&target);
                self.pending.retain(|p| p.target != target);
                let bytes = sub_msg("unsubscribe", target);
                // The one unsubscribed hears it too, if it was one.
                if was {
                    self.tell(to, target, bytes);
                } else if let Some(t) = to {
                    self.out.push(Outgoing { to: t, bytes });
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
            "scene" => {
                let action = call.symbol(0).unwrap_or("recall");
                let n = call.int(1).unwrap_or(1);
                self.scene(to, action, n)?;
            }
            other => return Err(format!("{other}: not a message of the daemon")),
        }
        Ok(())
    }

    /// May a request from `from` subscribe, renew or unsubscribe `target` without a
    /// confirmation from `target`'s host? A source address on the network may be forged, so
    /// only when that cannot matter: the request comes from this machine (a loopback source
    /// cannot come from outside) for an address of this machine; or over TCP (whose address
    /// cannot be forged) from `target`'s own host; or `target` is that TCP connection; or it
    /// comes from `target` itself (an address that has already shown it receives).
    fn may_act_for(&self, target: Target, from: &Peer) -> bool {
        match target {
            Target::Tcp(..) => true,
            Target::Udp(_) => {
                let ip = target.ip();
                let local = ip.is_loopback() && from.ip().is_loopback();
                let tcp_host = matches!(from, Peer::Tcp(..)) && from.ip() == ip;
                let itself = from.target() == target && self.subscribers.contains(&target);
                local || tcp_host || itself
            }
        }
    }

    /// Send `target` a token; the subscription starts when it comes back from that host
    /// (`/bandmate/confirm TOKEN`). The asker, if another, hears that it waits.
    fn ask_to_confirm(&mut self, now: f64, target: Target, from: Peer) -> Result<(), String> {
        self.pending.retain(|p| p.target != target);
        if self.pending.len() >= MAX_PENDING {
            return Err(format!(
                "subscribe: {MAX_PENDING} subscriptions already wait for their confirmation; try again in {} s",
                CONFIRM_WINDOW_MS / 1000.0
            ));
        }
        self.tokens_made += 1;
        let token = {
            use std::hash::{BuildHasher, Hasher};
            let mut h = self.token_keys.build_hasher();
            h.write_u64(self.tokens_made);
            (h.finish() & 0x7fff_ffff) as i32
        };
        self.pending.push(Pending {
            target,
            token,
            until: now + CONFIRM_WINDOW_MS,
        });
        self.out.push(Outgoing {
            to: target,
            bytes: msg("/bandmate/confirm", vec![OscType::Int(token)]),
        });
        if from.target() != target {
            self.out.push(Outgoing {
                to: from.target(),
                bytes: sub_msg("pending", target),
            });
        }
        Ok(())
    }

    /// `target` becomes a subscriber: everyone is told, and it gets the whole state at once.
    fn add_subscriber(
        &mut self,
        now: f64,
        target: Target,
        to: Option<Target>,
    ) -> Result<(), String> {
        if self.subscribers.len() >= MAX_SUBSCRIBERS {
            return Err(format!(
                "subscribe: already {MAX_SUBSCRIBERS} subscribers (unsubscribe one first)"
            ));
        }
        // What changed since the subscribers were last told goes to them first, so that the
        // state last sent is everyone's: the newcomer's welcome below is then not sent again
        // as "changed".
        self.send_changed_controls(now);
        self.send_changed_labels();
        self.subscribers.push(target);
        if matches!(target, Target::Udp(_)) && self.s.lease_ms > 0.0 {
            self.leases.insert(target, now + self.s.lease_ms);
        }
        self.tell(to, target, sub_msg("subscribe", target));
        // A new subscriber (it alone) sees the whole state at once: the labels, every
        // control, and what each slot holds.
        for (key, text) in self.labels() {
            self.out.push(Outgoing {
                to: target,
                bytes: msg(&format!("/bandmate/display/{key}"), vec![s(text)]),
            });
        }
        for (_, bytes) in self.control_states() {
            self.out.push(Outgoing { to: target, bytes });
        }
        for (k, slot) in self.files.iter().enumerate() {
            let text = slot
                .as_ref()
                .map_or_else(|| format!("{}: empty", k + 1), slot_text);
            self.out.push(Outgoing {
                to: target,
                bytes: msg(&format!("/bandmate/display/slot/{}", k + 1), vec![s(text)]),
            });
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
        // Each object's messages marked for the status report, answered on its own addresses,
        // then every attribute's value on its own address (a controller's fader resyncs).
        let h = self.horizon(now);
        for i in 0..self.served.len() {
            let decl = self.served[i].decl();
            for m in decl.messages.iter().filter(|m| m.flags.has(Flags::STATUS)) {
                if self.served[i].obj.message(h, m.name, &[]).is_ok() {
                    self.drain(i, to, true, "/bandmate/status");
                }
            }
        }
        // Then every control's state (attributes, accents, mutes, loop toggles, the swing
        // amount...) on the control's own address: a controller resyncs its faders and pads.
        for (_, bytes) in self.control_states() {
            self.reply(to, bytes);
        }
        let next = crate::filebank::next_slot(&self.files);
        let mut lines: Vec<Vec<OscType>> = vec![
            vec![
                s("version"),
                OscType::Int(PROTOCOL_VERSION),
                s(env!("CARGO_PKG_VERSION")),
            ],
            vec![s("lookahead"), OscType::Float(self.s.lookahead_ms as f32)],
            vec![s("rate"), OscType::Int(self.s.sample_rate as i32)],
            vec![s("subscribers"), int(self.subscribers.len() as u64)],
            vec![
                s("slots"),
                int(self.files.len() as u64),
                int(next as u64),
                s(self.s.frag_dir.display().to_string()),
            ],
        ];
        let states = self
            .bank()
            .map(|b| self.served[b].obj.slots())
            .unwrap_or_default();
        for slot in self.files.iter().flatten() {
            let looping = states.get(slot.number - 1).is_some_and(|s| s.looping);
            lines.push(vec![
                s("slot"),
                OscType::Int(slot.number as i32),
                s(slot.path.display().to_string()),
                s(slot.label.clone()),
                s(if looping { "looping" } else { "idle" }),
            ]);
        }
        for (name, n) in self.counters.all() {
            lines.push(vec![s(name), int(n)]);
        }
        // -1: not known here (not Linux, or in process).
        let kernel = self.kernel_drops.as_ref().and_then(|probe| probe());
        lines.push(vec![
            s("kernel_drops"),
            kernel.map_or(OscType::Int(-1), int),
        ]);
        lines.push(vec![s("udp_buffer"), int(self.udp_buffer as u64)]);
        for sv in &self.served {
            for l in sv.obj.status() {
                lines.push(typed(&[], &l).into_iter().map(whole_as_int).collect());
            }
        }
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
        lines.push(self.link_status(h));
        lines.push(vec![s("done")]);
        for l in lines {
            self.reply(to, msg("/bandmate/status", l));
        }
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
        let words = |q: &Path| {
            let mut lexical = PathBuf::new();
            for c in q.components() {
                match c {
                    std::path::Component::ParentDir => {
                        lexical.pop();
                    }
                    std::path::Component::CurDir => {}
                    other => lexical.push(other),
                }
            }
            lexical
        };
        let lexical = words(&abs);
        let inside = |q: &Path| self.s.roots.iter().any(|r| q.starts_with(r));
        let canon = if inside(&lexical) {
            Some(match std::fs::symlink_metadata(&abs) {
                // a link to what is not there (yet): where it points is where it leads
                Ok(m) if m.file_type().is_symlink() && !abs.exists() => {
                    let to = std::fs::read_link(&abs).map_err(|e| format!("'{p}': {e}"))?;
                    let to = words(&abs.parent().map_or(to.clone(), |d| d.join(&to)));
                    if !inside(&to) {
                        return Err(format!(
                            "'{p}' is a link to {}, outside the folders bandmated may read ({})",
                            to.display(),
                            self.roots_text()
                        ));
                    }
                    std::fs::canonicalize(&abs).map_err(|e| format!("'{p}': {e}"))?
                }
                Ok(_) => std::fs::canonicalize(&abs).map_err(|e| format!("'{p}': {e}"))?,
                // a file to be written (`write`): its folder, links resolved, and its name
                Err(_) => match (abs.parent(), abs.file_name()) {
                    (Some(dir), Some(name)) => std::fs::canonicalize(dir)
                        .map_err(|e| format!("'{p}': {e}"))?
                        .join(name),
                    _ => return Err(format!("'{p}' is not a file's path")),
                },
            })
        } else {
            None
        };
        if let Some(canon) = canon.filter(|c| inside(c)) {
            Ok(canon)
        } else if path.is_relative() {
            Err(format!(
                "'{p}' is a relative path, read from bandmated's working folder ({}), which is \
                 outside the folders bandmated may read ({}): give a full path inside them",
                self.s.cwd.display(),
                self.roots_text()
            ))
        } else {
            Err(format!(
                "'{p}' is outside the folders bandmated may read ({}); start it with --path DIR to allow another",
                self.roots_text()
            ))
        }
    }

    /// The folders OSC paths may point into, for an error.
    fn roots_text(&self) -> String {
        let roots: Vec<String> = self
            .s
            .roots
            .iter()
            .map(|r| r.display().to_string())
            .collect();
        roots.join(", ")
    }

    /// Send each control's state that changed to the control's own address, if anyone
    /// listens: every attribute (`/bandmate/<osc>/<name> VALUE`) and what each object reports
    /// in [`Object::controls`] (`/bandmate/pad/<pad>/<name> VALUE` for a message with a pad
    /// name, else `/bandmate/<osc>/<message>[/<name>] VALUE`), whatever changed it.
    ///
    /// Looked at no more often than every [`CONTROLS_EVERY_MS`] (it costs about 16 us, 20
    /// times a packet's handling), so a flood of packets is not slowed by it.
    fn update_controls(&mut self, now: f64) {
        if self.subscribers.is_empty()
            || !self.controls_dirty
            || now < self.controls_at + CONTROLS_EVERY_MS
        {
            return;
        }
        self.send_changed_controls(now);
    }

    /// Every control's state that differs from what was last sent, to the subscribers (to no
    /// one when there are none: the record of what was sent is brought up to date all the
    /// same).
    fn send_changed_controls(&mut self, now: f64) {
        self.controls_at = now;
        self.controls_dirty = false;
        for (addr, bytes) in self.control_states() {
            if self.controls_sent.get(&addr).is_some_and(|b| *b == bytes) {
                continue;
            }
            self.controls_sent.insert(addr, bytes.clone());
            self.broadcast(bytes);
        }
    }

    /// Every control's state as it is now: (its address, the packet that says it).
    fn control_states(&self) -> Vec<(String, Vec<u8>)> {
        let mut changed = Vec::new();
        for sv in &self.served {
            let decl = sv.decl();
            let controls = sv.obj.controls();
            // (An attribute the object also lists as a control is shown as the control.)
            let listed = |name: &str| controls.iter().any(|(n, _)| *n == name);
            for m in decl
                .attributes()
                .filter(|m| !m.flags.has(Flags::OFFLINE) && !listed(m.name))
            {
                if let Some(v) = sv.obj.attribute(m.name) {
                    let addr = format!("{PREFIX}/{}/{}", decl.osc, m.name);
                    let bytes = msg(&addr, typed(m.args, &[Atom::Float(v)]));
                    changed.push((addr, bytes));
                }
            }
            for (name, args) in controls {
                let Some(m) = decl.message(name) else {
                    continue;
                };
                let (addr, lead) = match (m.pad, args.len()) {
                    (Some(pad), n) if n > 1 => (format!("{PREFIX}/pad/{pad}/{}", args[0]), 1),
                    (None, n) if n > 1 => {
                        (format!("{PREFIX}/{}/{}/{}", decl.osc, m.name, args[0]), 1)
                    }
                    _ => (format!("{PREFIX}/{}/{}", decl.osc, m.name), 0),
                };
                let bytes = msg(&addr, typed(&m.args[lead..], &args[lead..]));
                changed.push((addr, bytes));
            }
        }
        changed
    }

    /// Every label's text as it is now, by key.
    fn labels(&self) -> Vec<(&'static str, String)> {
        self.served.iter().flat_map(|sv| sv.obj.display()).collect()
    }

    /// Send every label whose text changed (`/bandmate/display/<key>`), if anyone listens.
    fn update_display(&mut self) {
        if !self.subscribers.is_empty() {
            self.send_changed_labels();
        }
    }

    /// Every label whose text differs from what was last sent, to the subscribers (the record
    /// of what was sent brought up to date even with none).
    fn send_changed_labels(&mut self) {
        let mut changed = Vec::new();
        for (key, text) in self.labels() {
            match self.display.iter_mut().find(|(k, _)| k == key) {
                Some((_, old)) if *old == text => {}
                Some((_, old)) => {
                    *old = text.clone();
                    changed.push((key, text));
                }
                None => {
                    self.display.push((key.to_string(), text.clone()));
                    changed.push((key, text));
                }
            }
        }
        for (key, text) in changed {
            self.broadcast(msg(&format!("/bandmate/display/{key}"), vec![s(text)]));
        }
    }
}

/// A request's address without the `lead` path segments that carried arguments
/// (`/bandmate/frag/loop/2` -> `/bandmate/frag/loop`).
fn base_address(addr: &str, lead: usize) -> &str {
    let mut base = addr;
    for _ in 0..lead {
        base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    }
    base
}

/// `/bandmate/<what> PORT HOST` about `t`.
/// The most of an address an error answer quotes (bytes).
const ERROR_ADDRESS_MAX: usize = 1_024;
/// The most of an error's text an answer carries (bytes).
const ERROR_TEXT_MAX: usize = 4_096;

/// `text` cut to at most `max` bytes (at a character boundary), marked with "..." where cut.
fn clip(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.len() <= max {
        return text.into();
    }
    let mut end = max - 3;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end]).into()
}

fn sub_msg(what: &str, t: Target) -> Vec<u8> {
    let (port, host) = t.port_host();
    msg(
        &format!("/bandmate/{what}"),
        vec![OscType::Int(port), s(host)],
    )
}

/// A whole number as int32 (status lines: counts and numbers).
fn whole_as_int(a: OscType) -> OscType {
    match a {
        OscType::Float(x) if x.fract() == 0.0 && x.abs() < 16_777_216.0 => OscType::Int(x as i32),
        other => other,
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
