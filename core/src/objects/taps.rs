//! `bandmate.taps~`: taps from a microphone. Clap, knock or beatbox a rhythm into the signal
//! inlet and each attack leaves as `tap VELOCITY AGO`, the message [bandmate.groove] takes for
//! its tap gesture: the velocity from the attack's peak level, `AGO` how many ms before the
//! message its attack sounded, so the groove places each tap at the time it was played, not
//! when the detector was sure of it.
//!
//! The signal half ([`TapsEngine`]) runs the core's streaming onset detector
//! ([`OnsetStream`]: the same spectral flux, peak decision and attack refinement as the
//! offline detector that fragment import uses) on the audio thread and hands each onset (its
//! sample, its peak level) to this object through a lock-free queue; settings go the other
//! way through atomics. The engine counts the samples it heard, so the object knows how long
//! ago an onset's sample was.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use super::contract::{Engine, Entry, HelpExtras, Object, Output};
use super::decl::{messages, out, Atom, Handlers, ObjectDecl, EMPTY};
use super::scene::{attribute_messages, ScenePart};
use crate::audio::{OnsetStream, DEFAULT_RATIO};
use crate::error::Result;

/// How often the object looks for onsets while the engine runs (ms): what it adds to the
/// detector's own latency at most.
pub const TAPS_POLL_MS: f64 = 1.0;
/// How often it looks while the engine does not run (DSP off): to notice that it started.
pub const TAPS_IDLE_POLL_MS: f64 = 50.0;
/// The quietest tap by default: its peak level in dBFS.
pub const DEFAULT_GATE_DB: f64 = -40.0;
/// The shortest time from one tap to the next by default (ms): a 16th note at 300 BPM; a
/// clap's flutter or a knock's rattle within it is one tap.
pub const DEFAULT_GAP_MS: f64 = 50.0;
/// The velocity scale: a tap peaking at 0 dBFS is velocity 127, one this many dB below is 1.
pub const VELOCITY_RANGE_DB: f64 = 48.0;
/// Onsets the queue holds between two looks (more are dropped and counted).
const QUEUE: usize = 256;
/// Onsets one block may find (far more than the 30 ms gap lets through in any block).
const PER_BLOCK: usize = 32;

crate::messages! {
    for TapsObject, TAPS, TAPS_MESSAGES;

    #[ATTR] "on" (on: req int(0, 1) "1 = listen (default), 0 = deaf")
    "Listen to the signal inlet or not (deaf: no taps, and nothing computed).",
    "1",
    get |o| f64::from(u8::from(o.on)),
    |o, _now| {
        o.on = on == 1;
        o.shared.on.store(o.on, Ordering::Release);
    }

    #[ATTR] "threshold" (ratio: req float(1.0, 20.0) "how many times the recent median onset strength a tap must reach")
    "Sensitivity: a tap's onset strength (spectral flux) must rise this many times above its median over the last 0.3 s (1.5, the default, is the onset detector's own; raise it in a noisy room, lower it for soft taps).",
    "1.5",
    get |o| f64::from(o.ratio),
    |o, _now| {
        o.ratio = ratio as f32;
        o.shared.ratio.store(o.ratio.to_bits(), Ordering::Release);
    }

    #[ATTR] "gate" (db: req float(-96.0, 0.0) "the quietest tap's peak level, in dBFS")
    "The quietest tap: a sound whose peak (over the 5 ms after its attack) stays below this is the room, not a tap.",
    "-40",
    get |o| o.gate_db,
    |o, _now| {
        o.gate_db = db;
        let linear = 10f64.powf(db / 20.0) as f32;
        o.shared.gate.store(linear.to_bits(), Ordering::Release);
    }

    #[ATTR] "gap" (ms: req float(10.0, 2000.0) "shortest time between two taps, in ms")
    "The shortest time from one tap to the next: what sounds sooner after a tap is part of it (a clap's flutter, a knock's rattle).",
    "50",
    get |o| o.gap_ms,
    |o, _now| {
        o.gap_ms = ms;
        o.shared.gap_ms.store((ms as f32).to_bits(), Ordering::Release);
    }
}

/// The declaration of `bandmate.taps~`.
pub const TAPS: ObjectDecl = ObjectDecl {
    name: "bandmate.taps~",
    osc: "taps",
    doc: "Taps from a microphone: clap, knock or beatbox a rhythm into the inlet; each attack \
          leaves as 'tap VELOCITY AGO' for [bandmate.groove], with its velocity and its own time.",
    signal_inlets: 1,
    messages: TAPS_MESSAGES,
    outlets: &[
        messages(
            "taps",
            "tap VELOCITY AGO for [bandmate.groove]: VELOCITY 1..127 from the attack's peak level, AGO the ms since the attack sounded (the detector's latency: the groove places the tap at its own time)",
        ),
        out("info", "error TEXT"),
    ],
    ..EMPTY
};

/// What the help patches add around `bandmate.taps~`.
pub const TAPS_HELP: HelpExtras = HelpExtras {
    objects: &[],
    outlet_objects: &[
        &["print taps", "bandmate.groove @blocking 1"],
        &["print info"],
    ],
    intro: "Turn DSP on and clap, knock or beatbox into the microphone ([adc~] feeds the left \
            inlet): each tap goes to [bandmate.groove] below as 'tap VELOCITY AGO', placed at the \
            time it sounded. Then 'drumify' there.",
    more_messages: &[],
    grids: &[],
};

/// `bandmate.taps~` in the registry.
pub const ENTRY: Entry = Entry {
    decl: &TAPS,
    help: TAPS_HELP,
    make: |_options, _args| Ok(Box::new(TapsObject::holding_engine(48_000)?)),
};

/// An onset as the engine hands it over.
#[derive(Debug, Clone, Copy, Default)]
struct Heard {
    /// The sample of its attack, counted from the engine's start at this sample rate.
    sample: u64,
    /// Its peak level (linear).
    peak: f32,
    /// The sample rate epoch it was counted in (a new rate restarts the count).
    epoch: u32,
}

/// What the object and its engine share: settings one way, the count of samples heard the
/// other. Atomics only (the audio thread never waits).
struct Shared {
    on: AtomicBool,
    ratio: AtomicU32,
    gate: AtomicU32,
    gap_ms: AtomicU32,
    /// Samples heard in this epoch, stored after each block and before its onsets are sent.
    heard: AtomicU64,
    /// The epoch (one per sample rate the engine was set to) and its rate.
    epoch: AtomicU32,
    rate: AtomicU32,
    /// Onsets dropped because the queue was full.
    dropped: AtomicU64,
}

/// The signal half: the streaming detector on the audio thread.
pub struct TapsEngine {
    detector: OnsetStream,
    shared: Arc<Shared>,
    tx: rtrb::Producer<Heard>,
    found: [Heard; PER_BLOCK],
    deaf: bool,
    epoch: u32,
}

impl TapsEngine {
    fn settings(&mut self) {
        let s = &self.shared;
        let rate = f64::from(self.detector.sample_rate());
        let st = &mut self.detector.settings;
        st.ratio = f32::from_bits(s.ratio.load(Ordering::Acquire));
        st.gate = f32::from_bits(s.gate.load(Ordering::Acquire));
        let gap_ms = f64::from(f32::from_bits(s.gap_ms.load(Ordering::Acquire)));
        st.gap = (gap_ms * rate / 1000.0).round() as u64;
    }
}

impl Engine for TapsEngine {
    fn process(&mut self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        outputs.iter_mut().for_each(|o| o.fill(0.0));
        let Some(x) = inputs.first() else {
            return;
        };
        let mut n = 0;
        if self.shared.on.load(Ordering::Acquire) {
            if self.deaf {
                self.detector.reset();
                self.deaf = false;
            }
            self.settings();
            let (found, epoch) = (&mut self.found, self.epoch);
            self.detector.push(x, &mut |o| {
                if n < PER_BLOCK {
                    found[n] = Heard {
                        sample: o.sample,
                        peak: o.peak,
                        epoch,
                    };
                    n += 1;
                }
            });
        } else {
            self.detector.skip(x.len());
            self.deaf = true;
        }
        // The count first: an onset the object takes is never newer than the count it reads
        // after it.
        self.shared
            .heard
            .store(self.detector.position(), Ordering::Release);
        for h in &self.found[..n] {
            if self.tx.push(*h).is_err() {
                self.shared.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn set_sample_rate(&mut self, sample_rate: f64) -> Result<()> {
        let rate = sample_rate.round().clamp(1.0, f64::from(u32::MAX)) as u32;
        crate::wav::check_sample_rate(rate)?;
        if rate != self.detector.sample_rate() {
            self.detector = OnsetStream::new(rate);
            self.epoch = self.epoch.wrapping_add(1);
            self.shared.heard.store(0, Ordering::Release);
            self.shared.rate.store(rate, Ordering::Release);
            self.shared.epoch.store(self.epoch, Ordering::Release);
        }
        Ok(())
    }
}

/// The message side of `bandmate.taps~`.
pub struct TapsObject {
    shared: Arc<Shared>,
    rx: rtrb::Consumer<Heard>,
    engine: Option<TapsEngine>,
    on: bool,
    ratio: f32,
    gate_db: f64,
    gap_ms: f64,
    /// The engine's count at the last look, and when it last moved (ms): whether it runs.
    last_heard: u64,
    moved_ms: Option<f64>,
    dropped: u64,
    out: Vec<Output>,
}

impl TapsObject {
    /// The object and its engine, at `sample_rate` until the host says otherwise.
    pub fn new(sample_rate: u32) -> Result<(TapsObject, TapsEngine)> {
        crate::wav::check_sample_rate(sample_rate)?;
        let shared = Arc::new(Shared {
            on: AtomicBool::new(true),
            ratio: AtomicU32::new(DEFAULT_RATIO.to_bits()),
            gate: AtomicU32::new((10f64.powf(DEFAULT_GATE_DB / 20.0) as f32).to_bits()),
            gap_ms: AtomicU32::new((DEFAULT_GAP_MS as f32).to_bits()),
            heard: AtomicU64::new(0),
            epoch: AtomicU32::new(0),
            rate: AtomicU32::new(sample_rate),
            dropped: AtomicU64::new(0),
        });
        let (tx, rx) = rtrb::RingBuffer::new(QUEUE);
        let engine = TapsEngine {
            detector: OnsetStream::new(sample_rate),
            shared: Arc::clone(&shared),
            tx,
            found: [Heard::default(); PER_BLOCK],
            deaf: false,
            epoch: 0,
        };
        let o = TapsObject {
            shared,
            rx,
            engine: None,
            on: true,
            ratio: DEFAULT_RATIO,
            gate_db: DEFAULT_GATE_DB,
            gap_ms: DEFAULT_GAP_MS,
            last_heard: 0,
            moved_ms: None,
            dropped: 0,
            out: Vec::new(),
        };
        Ok((o, engine))
    }

    /// The object holding its engine until a host takes it ([`Object::take_engine`]).
    pub fn holding_engine(sample_rate: u32) -> Result<TapsObject> {
        let (mut o, e) = TapsObject::new(sample_rate)?;
        o.engine = Some(e);
        Ok(o)
    }

    /// Take what the engine heard at `now`: each onset becomes `tap VELOCITY AGO`.
    pub fn poll(&mut self, now: f64) {
        let mut heard = [Heard::default(); QUEUE];
        let mut n = 0;
        while let Ok(h) = self.rx.pop() {
            heard[n] = h;
            n += 1;
            if n == QUEUE {
                break;
            }
        }
        // After the onsets: the count is at least as new as any of them.
        let count = self.shared.heard.load(Ordering::Acquire);
        let epoch = self.shared.epoch.load(Ordering::Acquire);
        let rate = f64::from(self.shared.rate.load(Ordering::Acquire).max(1));
        if count != self.last_heard {
            self.moved_ms = Some(now);
        }
        self.last_heard = count;
        for h in &heard[..n] {
            if h.epoch != epoch || !self.on {
                continue;
            }
            let ago = (count.saturating_sub(h.sample)) as f64 * 1000.0 / rate;
            self.out.push(Output::Send(
                "tap".into(),
                vec![
                    Atom::Float(f64::from(velocity(h.peak))),
                    Atom::Float((ago * 100.0).round() / 100.0),
                ],
            ));
        }
        let dropped = self.shared.dropped.load(Ordering::Relaxed);
        if dropped > self.dropped {
            self.out.push(Output::Error(format!(
                "{} taps were lost (the host did not look for them in time)",
                dropped - self.dropped
            )));
            self.dropped = dropped;
        }
    }
}

/// The MIDI velocity of a tap peaking at `peak` (linear): 127 at full scale, 1 at
/// [`VELOCITY_RANGE_DB`] below it.
pub fn velocity(peak: f32) -> u8 {
    let db = 20.0 * f64::from(peak.max(1e-9)).log10();
    (127.0 * (1.0 + db / VELOCITY_RANGE_DB))
        .round()
        .clamp(1.0, 127.0) as u8
}

impl Object for TapsObject {
    fn decl(&self) -> &'static ObjectDecl {
        &TAPS
    }
    /// Its settings (what it hears is not kept).
    fn scene(&self) -> Option<ScenePart> {
        Some(ScenePart {
            messages: attribute_messages(self),
            ..ScenePart::default()
        })
    }
    fn create_with(&mut self, now: f64, args: &[Atom]) -> Result<()> {
        self.run_creation(now, args)
    }
    fn message(&mut self, now: f64, selector: &str, args: &[Atom]) -> Result<()> {
        self.run_message(now, selector, args)
    }
    fn tick(&mut self, now: f64) {
        self.poll(now);
    }
    /// Every [`TAPS_POLL_MS`] while the engine runs (its count moved within the last
    /// [`TAPS_IDLE_POLL_MS`]: a host's blocks may be longer than a poll), else every
    /// [`TAPS_IDLE_POLL_MS`].
    fn wake_at(&self, now: f64) -> Option<f64> {
        let running = self.moved_ms.is_some_and(|t| now - t <= TAPS_IDLE_POLL_MS);
        Some(
            now + if running {
                TAPS_POLL_MS
            } else {
                TAPS_IDLE_POLL_MS
            },
        )
    }
    fn drain_into(&mut self, f: &mut dyn FnMut(Output)) {
        for o in self.out.drain(..) {
            f(o);
        }
    }
    fn attribute(&self, name: &str) -> Option<f64> {
        self.read_attribute(name)
    }
    fn take_engine(&mut self) -> Option<Box<dyn Engine>> {
        self.engine.take().map(|e| Box::new(e) as Box<dyn Engine>)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objects::decl::atoms;

    #[test]
    fn velocity_follows_the_peak_level() {
        assert_eq!(velocity(1.0), 127);
        assert_eq!(velocity(0.5), 111); // -6.02 dB
        assert_eq!(velocity(10f32.powf(-48.0 / 20.0)), 1);
        assert_eq!(velocity(0.0), 1);
    }

    #[test]
    fn bad_messages_say_what_is_wrong_and_change_nothing() {
        let mut o = TapsObject::holding_engine(48_000).unwrap();
        let e = |o: &mut TapsObject, s: &str, a: &str| {
            o.message(0.0, s, &atoms(a)).unwrap_err().to_string()
        };
        assert!(e(&mut o, "threshold", "0.5").contains("out of range 1..20"));
        assert!(e(&mut o, "gate", "loud").contains("must be a number"));
        assert!(e(&mut o, "on", "2").contains("out of range"));
        assert!(e(&mut o, "tap", "").contains("unknown message 'tap'"));
        assert_eq!(o.attribute("threshold"), Some(1.5));
        o.message(0.0, "threshold", &atoms("3")).unwrap();
        assert_eq!(o.attribute("threshold"), Some(3.0));
    }
}
