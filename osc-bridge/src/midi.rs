//! MIDI out: the daemon's notes, at their times, to a MIDI port (a virtual ALSA sequencer port
//! through `midir`, with the `midi` feature on Linux), so a DAW can record them.
//!
//! The daemon hands its notes out ahead of time (the horizon, `--lookahead`), as it does for
//! the OSC bundles. [`MidiOut`] owns a thread that keeps what it was handed in time order (a
//! binary heap), sleeps until the earliest message is due (`recv_timeout`, so a message handed
//! over later but due sooner wakes it), and gives each to the [`MidiSink`] at its time. "Its
//! time" is on the daemon's [`Clock`]: [`Clock::instant`] of the note's `at_ms`, the same
//! instant whose NTP time is the OSC bundle's time tag, so MIDI and OSC agree.
//!
//! Messages: note-on `0x90|ch NOTE VELOCITY`; note-off as an explicit `0x80|ch NOTE 64` (not a
//! note-on with velocity 0). Both mean "release" in MIDI 1.0, but the explicit note-off is the
//! one every recorder keeps as a release: the ALSA sequencer turns it into a NOTEOFF event,
//! whereas a velocity-0 note-on stays a NOTEON event with velocity 0 that each ALSA client
//! (and each DAW's ALSA backend) must reinterpret; 64 is the release velocity MIDI 1.0 asks
//! for from senders that do not measure one. Messages due at the same instant go out in the
//! order they were handed over (the player already puts a note-off before a retrigger).
//!
//! [`MidiOut::panic`], and dropping the [`MidiOut`], forget what is still pending, send a
//! note-off for every note still sounding and All Notes Off (CC 123) on the channel, so nothing
//! hangs when the daemon stops. A sink's errors never stop the thread: they are counted
//! ([`MidiStats`], reported by `/bandmate/status`), and the first one is printed on stderr.

use bandmate_core::objects::clock::{CONTINUE, START, STOP};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::codec::Clock;

/// Where MIDI bytes go: one complete message per call, sent now.
pub trait MidiSink: Send {
    fn send(&mut self, bytes: &[u8]) -> Result<(), String>;
}

/// General MIDI's drum channel (1-based).
pub const DEFAULT_CHANNEL: u8 = 10;
/// The release velocity of every note-off (MIDI 1.0's value when none is measured).
pub const NOTE_OFF_VELOCITY: u8 = 0x40;
/// The controller number of All Notes Off.
pub const ALL_NOTES_OFF: u8 = 123;
/// How long [`MidiOut::panic`] and a drop wait for the releases to go out.
const RELEASE_WAIT: Duration = Duration::from_secs(1);

/// What the MIDI thread did, shared with whoever reports it.
#[derive(Debug, Default)]
pub struct MidiStats {
    sent: AtomicU64,
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
}

impl MidiStats {
    /// Messages the sink took.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
    /// Messages the sink refused.
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }
    /// The first refusal's text.
    pub fn first_error(&self) -> Option<String> {
        self.first_error
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}

enum Cmd {
    At {
        at_ms: f64,
        msg: [u8; 3],
    },
    /// Release everything; answer when done.
    Panic(Sender<()>),
    /// Release everything and end the thread; answer when done.
    Stop(Sender<()>),
}

/// The note-on (velocity > 0) or note-off (velocity 0) of `note` on `channel` (1..16).
pub fn note_message(channel: u8, note: u8, velocity: u8) -> [u8; 3] {
    let ch = (channel.clamp(1, 16) - 1) & 0x0F;
    if velocity == 0 {
        [0x80 | ch, note & 0x7F, NOTE_OFF_VELOCITY]
    } else {
        [0x90 | ch, note & 0x7F, velocity & 0x7F]
    }
}

/// The MIDI scheduler: a thread that sends each message at its time on the daemon's clock.
pub struct MidiOut {
    tx: Sender<Cmd>,
    thread: Option<JoinHandle<()>>,
    stats: Arc<MidiStats>,
    channel: u8,
    name: String,
}

/// A second way to reach a [`MidiOut`]'s thread (another thread's: the signal handling of
/// `bandmated` releases the notes before the process ends).
#[derive(Clone)]
pub struct MidiHandle {
    tx: Sender<Cmd>,
    stats: Arc<MidiStats>,
    channel: u8,
    name: String,
}

impl MidiHandle {
    /// The port's name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The channel, 1..16.
    pub fn channel(&self) -> u8 {
        self.channel
    }
    pub fn stats(&self) -> &MidiStats {
        &self.stats
    }
    /// Forget what is pending and release every sounding note (as [`MidiOut::panic`]); true
    /// once done (within `wait`).
    pub fn panic(&self, wait: Duration) -> bool {
        ask(&self.tx, Cmd::Panic, wait)
    }
    /// Release every sounding note and end the thread; later messages are dropped. True once
    /// done (within `wait`).
    pub fn stop(&self, wait: Duration) -> bool {
        ask(&self.tx, Cmd::Stop, wait)
    }
}

fn ask(tx: &Sender<Cmd>, cmd: fn(Sender<()>) -> Cmd, wait: Duration) -> bool {
    let (done_tx, done_rx) = mpsc::channel();
    tx.send(cmd(done_tx)).is_ok() && done_rx.recv_timeout(wait).is_ok()
}

impl MidiOut {
    /// Start the thread. `channel` 1..16; `name` names the port in messages.
    pub fn start(
        sink: Box<dyn MidiSink>,
        clock: Clock,
        channel: u8,
        name: &str,
    ) -> Result<MidiOut, String> {
        check_channel(channel)?;
        let (tx, rx) = mpsc::channel();
        let stats = Arc::new(MidiStats::default());
        let thread = {
            let stats = stats.clone();
            let name = name.to_string();
            std::thread::Builder::new()
                .name("bandmated-midi".into())
                .spawn(move || {
                    Scheduler {
                        sink,
                        clock,
                        stats,
                        name,
                        channel,
                        held: [0; 16],
                        clock_running: false,
                    }
                    .run(&rx)
                })
                .map_err(|e| format!("cannot start the MIDI thread: {e}"))?
        };
        Ok(MidiOut {
            tx,
            thread: Some(thread),
            stats,
            channel,
            name: name.to_string(),
        })
    }

    /// The note-on (velocity > 0) or note-off (velocity 0) of `note` at `at_ms` on the daemon's
    /// clock, on this port's channel.
    pub fn note(&self, at_ms: f64, note: u8, velocity: u8) {
        self.send_at(at_ms, note_message(self.channel, note, velocity));
    }

    /// The same on `channel` (1..16) instead of the port's: notes that carry a channel of their
    /// own (from the MIDI file they come from) keep it.
    pub fn note_on_channel(&self, at_ms: f64, channel: u8, note: u8, velocity: u8) {
        self.send_at(at_ms, note_message(channel, note, velocity));
    }

    /// A one-byte realtime message (MIDI clock: 0xF8 pulse, 0xFA start, 0xFB continue, 0xFC
    /// stop) at `at_ms`.
    pub fn realtime_at(&self, at_ms: f64, byte: u8) {
        self.send_at(at_ms, [byte, 0, 0]);
    }

    /// The song position pointer (0xF2) at `at_ms`: `sixteenths` from the song's start.
    pub fn song_position_at(&self, at_ms: f64, sixteenths: u16) {
        let s = sixteenths.min(0x3FFF);
        self.send_at(at_ms, [0xF2, (s & 0x7F) as u8, (s >> 7) as u8]);
    }

    /// Any message of up to 3 bytes at `at_ms` (in the past: at once); its length is its status
    /// byte's (realtime: 1, program change and channel pressure: 2, the rest 3).
    pub fn send_at(&self, at_ms: f64, msg: [u8; 3]) {
        // The thread ends only when stopped: then the message is dropped on purpose.
        let _ = self.tx.send(Cmd::At { at_ms, msg });
    }

    /// Forget every pending message, send a note-off for each sounding note and All Notes Off;
    /// true once done (it waits up to a second). Later messages play as usual.
    pub fn panic(&self) -> bool {
        ask(&self.tx, Cmd::Panic, RELEASE_WAIT)
    }

    pub fn handle(&self) -> MidiHandle {
        MidiHandle {
            tx: self.tx.clone(),
            stats: self.stats.clone(),
            channel: self.channel,
            name: self.name.clone(),
        }
    }

    pub fn stats(&self) -> &MidiStats {
        &self.stats
    }

    /// The channel, 1..16.
    pub fn channel(&self) -> u8 {
        self.channel
    }

    /// The port's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for MidiOut {
    /// Releases every sounding note (as [`panic`](Self::panic)) and ends the thread.
    fn drop(&mut self) {
        if ask(&self.tx, Cmd::Stop, RELEASE_WAIT) {
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
        }
    }
}

/// A MIDI channel as the options give it: 1..16.
pub fn check_channel(channel: u8) -> Result<(), String> {
    if (1..=16).contains(&channel) {
        Ok(())
    } else {
        Err(format!("midi-channel: {channel} is out of range 1..16"))
    }
}

struct Scheduler {
    sink: Box<dyn MidiSink>,
    clock: Clock,
    stats: Arc<MidiStats>,
    name: String,
    channel: u8,
    /// Sounding notes, one bit per note, per channel.
    held: [u128; 16],
    /// A MIDI clock was started (or continued) and not stopped: a release stops it too.
    clock_running: bool,
}

impl Scheduler {
    fn run(mut self, rx: &Receiver<Cmd>) {
        // Min-heap on (due, order handed over).
        let mut heap: BinaryHeap<Reverse<(Instant, u64, [u8; 3])>> = BinaryHeap::new();
        let mut order = 0u64;
        loop {
            let now = Instant::now();
            while let Some(&Reverse((due, _, msg))) = heap.peek() {
                if due > now {
                    break;
                }
                heap.pop();
                self.emit(&msg);
            }
            let got = match heap.peek() {
                Some(&Reverse((due, _, _))) => {
                    rx.recv_timeout(due.saturating_duration_since(Instant::now()))
                }
                None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
            };
            match got {
                Ok(Cmd::At { at_ms, msg }) => {
                    heap.push(Reverse((self.clock.instant(at_ms), order, msg)));
                    order += 1;
                }
                Ok(Cmd::Panic(done)) => {
                    heap.clear();
                    self.release();
                    let _ = done.send(());
                }
                Ok(Cmd::Stop(done)) => {
                    self.release();
                    let _ = done.send(());
                    return;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    self.release();
                    return;
                }
            }
        }
    }

    fn emit(&mut self, msg: &[u8; 3]) {
        let ch = usize::from(msg[0] & 0x0F);
        let bit = 1u128 << (msg[1] & 0x7F);
        match msg[0] & 0xF0 {
            0x90 if msg[2] > 0 => self.held[ch] |= bit,
            0x80 | 0x90 => self.held[ch] &= !bit,
            _ => {}
        }
        match msg[0] {
            START | CONTINUE => self.clock_running = true,
            STOP => self.clock_running = false,
            _ => {}
        }
        let len = match msg[0] {
            0xF6..=0xFF => 1,
            s if (0xC0..0xE0).contains(&s) || s == 0xF3 || s == 0xF1 => 2,
            _ => 3,
        };
        match self.sink.send(&msg[..len]) {
            Ok(()) => {
                self.stats.sent.fetch_add(1, Ordering::Relaxed);
            }
            Err(e) => {
                let n = self.stats.errors.fetch_add(1, Ordering::Relaxed);
                if n == 0 {
                    eprintln!(
                        "bandmated: MIDI port '{}': {e} (the notes go on over OSC; further MIDI \
                         errors are only counted: /bandmate/status)",
                        self.name
                    );
                    *self
                        .stats
                        .first_error
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) = Some(e);
                }
            }
        }
    }

    /// A MIDI clock Stop if one runs, a note-off for every sounding note, then All Notes Off on each channel that had one and
    /// on the port's channel.
    fn release(&mut self) {
        if self.clock_running {
            // whatever follows our clock stops with us
            self.emit(&[STOP, 0, 0]);
        }
        let own = usize::from(self.channel - 1);
        for ch in 0..16 {
            let notes = self.held[ch];
            for note in 0..128u8 {
                if notes & (1u128 << note) != 0 {
                    self.emit(&[0x80 | ch as u8, note, NOTE_OFF_VELOCITY]);
                }
            }
            if notes != 0 || ch == own {
                self.emit(&[0xB0 | ch as u8, ALL_NOTES_OFF, 0]);
            }
        }
    }
}

/// Messages with the instant each was sent.
pub type Recorded = Vec<(Instant, Vec<u8>)>;

/// A sink that keeps every message with the instant it was sent: for tests and the benchmark.
#[derive(Clone, Default)]
pub struct Recorder(Arc<Mutex<Recorded>>);

impl Recorder {
    pub fn new() -> Recorder {
        Recorder::default()
    }
    /// A sink that records into this recorder.
    pub fn sink(&self) -> Box<dyn MidiSink> {
        Box::new(RecordingSink(self.0.clone()))
    }
    /// Everything recorded so far, in the order sent.
    pub fn messages(&self) -> Recorded {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
    pub fn len(&self) -> usize {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

struct RecordingSink(Arc<Mutex<Recorded>>);

impl MidiSink for RecordingSink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        let t = Instant::now();
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((t, bytes.to_vec()));
        Ok(())
    }
}

/// A sink that writes one line per message to a file: the OSC time tag of the moment it was
/// sent (as `oscdump` prints time tags, `SECONDS.FRACTION` in hex) and the bytes in hex. The
/// daemon's tests use it in place of an ALSA port (`BANDMATE_TEST_HOOKS=1` and
/// `BANDMATE_TEST_MIDI_FILE=PATH`), to compare MIDI with the OSC bundles of the same run.
pub struct FileSink {
    file: std::fs::File,
    clock: Clock,
}

impl FileSink {
    pub fn create(path: &std::path::Path, clock: Clock) -> Result<FileSink, String> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| format!("MIDI test file {}: {e}", path.display()))?;
        Ok(FileSink { file, clock })
    }
}

impl MidiSink for FileSink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        use std::io::Write;
        let t = self.clock.timetag(self.clock.now_ms());
        let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
        // One write per line, unbuffered: a failing file fails this message.
        let line = format!("{:08x}.{:08x} {}\n", t.seconds, t.fractional, hex.join(" "));
        self.file
            .write_all(line.as_bytes())
            .map_err(|e| format!("cannot write: {e}"))
    }
}

/// The virtual ALSA sequencer port: client `bandmate`, one output port named as asked, that
/// any ALSA client (a DAW, `aseqdump`, `aconnect`) can subscribe to.
#[cfg(all(feature = "midi", target_os = "linux"))]
pub struct AlsaSink {
    conn: midir::MidiOutputConnection,
}

#[cfg(all(feature = "midi", target_os = "linux"))]
impl AlsaSink {
    /// The ALSA client name every port of bandmated's appears under.
    pub const CLIENT: &'static str = "bandmate";

    pub fn open(port_name: &str) -> Result<AlsaSink, String> {
        use midir::os::unix::VirtualOutput;
        check_port_name("midi-port", port_name)?;
        let out = midir::MidiOutput::new(Self::CLIENT).map_err(|e| sequencer_error(&e))?;
        let conn = out.create_virtual(port_name).map_err(|e| {
            format!(
                "cannot create the virtual ALSA MIDI port '{port_name}' (client '{}'): {}",
                Self::CLIENT,
                e.kind()
            )
        })?;
        Ok(AlsaSink { conn })
    }
}

/// A name ALSA takes for a port (`what`: the flag, for the error): not empty, no NUL byte.
#[cfg(all(feature = "midi", target_os = "linux"))]
fn check_port_name(what: &str, name: &str) -> Result<(), String> {
    if name.is_empty() || name.contains('\0') {
        return Err(format!(
            "{what}: '{}' is not a port name (a non-empty name without NUL bytes)",
            name.escape_debug()
        ));
    }
    Ok(())
}

/// Why the sequencer would not open, said plainly: midir only says "could not be initialized",
/// so the device is tried here to name the cause.
#[cfg(all(feature = "midi", target_os = "linux"))]
fn sequencer_error(e: &dyn std::fmt::Display) -> String {
    const DEV: &str = "/dev/snd/seq";
    match std::fs::OpenOptions::new().read(true).write(true).open(DEV) {
        Err(io) if io.kind() == std::io::ErrorKind::NotFound => format!(
            "cannot open the ALSA sequencer ({DEV}): {io}; is the snd-seq kernel module loaded \
             (sudo modprobe snd-seq)? In a container, pass the sound devices in (--device /dev/snd)"
        ),
        Err(io) => format!(
            "cannot open the ALSA sequencer ({DEV}): {io}; is this user in the 'audio' group?"
        ),
        Ok(_) => format!(
            "cannot open the ALSA sequencer ({DEV} opens, but ALSA says: {e}); check the ALSA \
             configuration (/etc/asound.conf, ~/.asoundrc)"
        ),
    }
}

#[cfg(all(feature = "midi", target_os = "linux"))]
impl MidiSink for AlsaSink {
    fn send(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.conn
            .send(bytes)
            .map_err(|e| format!("ALSA refused a message ({e})"))
    }
}

/// Open the MIDI port `--midi-port NAME` asks for.
#[cfg(all(feature = "midi", target_os = "linux"))]
pub fn open_port(name: &str) -> Result<Box<dyn MidiSink>, String> {
    Ok(Box::new(AlsaSink::open(name)?))
}

/// Open the MIDI port `--midi-port NAME` asks for.
#[cfg(all(feature = "midi", not(target_os = "linux")))]
pub fn open_port(name: &str) -> Result<Box<dyn MidiSink>, String> {
    Err(format!(
        "midi-port {name}: virtual MIDI ports are built for Linux (ALSA) only so far; use an \
         OSC-to-MIDI bridge on the subscriber's side"
    ))
}

/// Open the MIDI port `--midi-port NAME` asks for.
#[cfg(not(feature = "midi"))]
pub fn open_port(name: &str) -> Result<Box<dyn MidiSink>, String> {
    Err(format!(
        "midi-port {name}: this bandmated was built without MIDI (the `midi` cargo feature of \
         bandmate-osc, on by default; it needs libasound2-dev): build it with \
         `cargo build -p bandmate-osc --features midi`"
    ))
}

/// The timing rule the tests hold MIDI to, given each message's due time and how late it went out
/// (both ms, in sending order): never early; in a run of 20 or more, half within 1 ms (the
/// scheduler itself is on time); within `slack_ms`, except that on a shared machine the sending
/// thread can be preempted, so a few stalls (at most one, or one per 20 messages, whichever is
/// more: the CI machine, 2 cores, has shown 5 in 144 at 8-13 ms) may be up to 50 ms late. A stall
/// is counted once however many messages it held up: a late message that went out within 1 ms of
/// the late one before it (a chord, a release and the next hit) is part of its stall. The benchmark
/// measures the real distribution. Err names the first message that breaks it.
pub fn check_lateness(timed_ms: &[(f64, f64)], slack_ms: f64) -> Result<(), String> {
    let late_ms: Vec<f64> = timed_ms.iter().map(|t| t.1).collect();
    if let Some((i, l)) = late_ms.iter().enumerate().find(|(_, l)| **l < -0.01) {
        return Err(format!("message {i} went out {:.3} ms early", -l));
    }
    if let Some((i, l)) = late_ms.iter().enumerate().find(|(_, l)| **l > 50.0) {
        return Err(format!("message {i} went out {l:.3} ms late"));
    }
    let over: Vec<(usize, f64)> = timed_ms
        .iter()
        .enumerate()
        .filter(|(_, t)| t.1 > slack_ms)
        .map(|(i, t)| (i, t.0 + t.1))
        .collect();
    let stalls = over
        .iter()
        .enumerate()
        .filter(|(k, (_, sent))| *k == 0 || (sent - over[k - 1].1).abs() > 1.0)
        .count();
    let allowed = (late_ms.len() / 20).max(1);
    if stalls > allowed {
        let named: Vec<String> = over
            .iter()
            .map(|(i, _)| format!("message {i}: {:.3} ms", late_ms[*i]))
            .collect();
        return Err(format!(
            "{} of {} messages went out more than {slack_ms} ms late, in {stalls} stalls ({})",
            over.len(),
            late_ms.len(),
            named.join(", ")
        ));
    }
    let mut sorted = late_ms;
    sorted.sort_by(f64::total_cmp);
    if sorted.len() >= 20 && sorted[(sorted.len() - 1) / 2] > 1.0 {
        return Err(format!(
            "half the messages went out more than {:.3} ms late (the median)",
            sorted[(sorted.len() - 1) / 2]
        ));
    }
    Ok(())
}

/// The MIDI input port (`--midi-in NAME`), open while it is held: every message that arrives
/// is handed to `on_message` on midir's thread, with nothing else done there.
pub struct MidiIn {
    #[cfg(all(feature = "midi", target_os = "linux"))]
    _conn: midir::MidiInputConnection<()>,
}

impl MidiIn {
    /// A virtual ALSA input port of client `bandmate` (Linux), that a clock source, a drum
    /// pad or a keyboard is connected to (`aconnect SOURCE bandmate:NAME`).
    #[cfg(all(feature = "midi", target_os = "linux"))]
    pub fn open(
        port_name: &str,
        mut on_message: impl FnMut(&[u8]) + Send + 'static,
    ) -> Result<MidiIn, String> {
        use midir::os::unix::VirtualInput;
        check_port_name("midi-in", port_name)?;
        let mut input = midir::MidiInput::new(AlsaSink::CLIENT).map_err(|e| sequencer_error(&e))?;
        // clock and song position are what it is for: let them through
        input.ignore(midir::Ignore::Sysex | midir::Ignore::ActiveSense);
        let conn = input
            .create_virtual(port_name, move |_, bytes, _| on_message(bytes), ())
            .map_err(|e| {
                format!(
                    "cannot create the virtual ALSA MIDI input '{port_name}' (client '{}'): {}",
                    AlsaSink::CLIENT,
                    e.kind()
                )
            })?;
        Ok(MidiIn { _conn: conn })
    }

    #[cfg(not(all(feature = "midi", target_os = "linux")))]
    pub fn open(
        port_name: &str,
        _on_message: impl FnMut(&[u8]) + Send + 'static,
    ) -> Result<MidiIn, String> {
        Err(format!(
            "midi-in {port_name}: virtual MIDI ports are built for Linux (ALSA, the `midi` \
             feature) only so far; send the clock as /bandmate/groove/clock over OSC instead"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A sink that refuses everything.
    struct Failing(Arc<AtomicU64>);
    impl MidiSink for Failing {
        fn send(&mut self, _: &[u8]) -> Result<(), String> {
            self.0.fetch_add(1, Ordering::Relaxed);
            Err("the cable is out".into())
        }
    }

    const EARLY_MS: f64 = 200.0;
    /// How late a message may go out (a loaded 2-core machine; the benchmark has the figures).
    const SLACK_MS: f64 = 5.0;

    fn started(channel: u8) -> (MidiOut, Recorder, Clock) {
        let clock = Clock::new();
        let rec = Recorder::new();
        let out = MidiOut::start(rec.sink(), clock, channel, "test").unwrap();
        (out, rec, clock)
    }

    fn wait_for(rec: &Recorder, n: usize, secs: f64) {
        let t = Instant::now();
        while rec.len() < n && t.elapsed().as_secs_f64() < secs {
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn notes_handed_over_early_go_out_at_their_due_times_in_order() {
        let (out, rec, clock) = started(10);
        let t0 = clock.now_ms() + EARLY_MS;
        // handed over 200 ms (and more) ahead, out of time order on purpose within each batch
        let mut want = Vec::new();
        for k in 0..20u8 {
            let at = t0 + f64::from(k) * 7.5;
            want.push((at, note_message(10, 36 + k, 100)));
            want.push((at + 3.0, note_message(10, 36 + k, 0)));
        }
        for (at, m) in want.iter().rev() {
            out.send_at(*at, *m);
        }
        wait_for(&rec, want.len(), 3.0);
        let got = rec.messages();
        assert_eq!(got.len(), want.len());
        let mut late = Vec::new();
        for ((t, bytes), (at, m)) in got.iter().zip(&want) {
            assert_eq!(bytes, m, "in time order");
            late.push((*at, clock.ms_at(*t) - at));
        }
        check_lateness(&late, SLACK_MS).unwrap();
    }

    #[test]
    fn a_note_handed_over_later_but_due_sooner_wakes_the_scheduler() {
        let (out, rec, clock) = started(10);
        let now = clock.now_ms();
        out.note(now + 400.0, 38, 90);
        std::thread::sleep(Duration::from_millis(20));
        out.note(now + 100.0, 36, 100);
        wait_for(&rec, 2, 2.0);
        let got = rec.messages();
        assert_eq!(got[0].1, vec![0x99, 36, 100]);
        assert_eq!(got[1].1, vec![0x99, 38, 90]);
        let late0 = clock.ms_at(got[0].0) - (now + 100.0);
        let late1 = clock.ms_at(got[1].0) - (now + 400.0);
        // the first at its time, not when the scheduler would have woken for the second
        check_lateness(&[(now + 100.0, late0), (now + 400.0, late1)], SLACK_MS).unwrap();
    }

    #[test]
    fn messages_due_at_the_same_instant_keep_their_order_and_past_ones_go_at_once() {
        let (out, rec, clock) = started(10);
        let at = clock.now_ms() + 50.0;
        // the player's order for a retrigger: the old note's release, then the new hit
        out.note(at, 42, 0);
        out.note(at, 42, 80);
        out.note(at, 36, 110);
        let before = clock.now_ms();
        out.note(before - 1000.0, 49, 70);
        wait_for(&rec, 4, 2.0);
        let got = rec.messages();
        let bytes: Vec<Vec<u8>> = got.iter().map(|g| g.1.clone()).collect();
        assert_eq!(
            bytes,
            vec![
                vec![0x99, 49, 70],
                vec![0x89, 42, 0x40],
                vec![0x99, 42, 80],
                vec![0x99, 36, 110]
            ]
        );
        check_lateness(&[(before, clock.ms_at(got[0].0) - before)], SLACK_MS).unwrap();
    }

    #[test]
    fn note_offs_are_explicit_and_the_channel_is_configurable() {
        assert_eq!(note_message(10, 36, 100), [0x99, 36, 100]);
        assert_eq!(note_message(10, 36, 0), [0x89, 36, 64]);
        assert_eq!(note_message(1, 38, 1), [0x90, 38, 1]);
        assert_eq!(note_message(16, 38, 0), [0x8F, 38, 64]);
        assert!(check_channel(0).unwrap_err().contains("out of range 1..16"));
        assert!(check_channel(17).is_err());
        let clock = Clock::new();
        assert!(MidiOut::start(Recorder::new().sink(), clock, 0, "x").is_err());
        let (out, rec, clock) = started(3);
        out.note(clock.now_ms(), 40, 99);
        out.note(clock.now_ms(), 40, 0);
        wait_for(&rec, 2, 2.0);
        let bytes: Vec<Vec<u8>> = rec.messages().into_iter().map(|g| g.1).collect();
        assert_eq!(bytes, vec![vec![0x92, 40, 99], vec![0x82, 40, 64]]);
    }

    #[test]
    fn panic_releases_sounding_notes_and_forgets_pending_ones() {
        let (out, rec, clock) = started(10);
        let now = clock.now_ms();
        out.note(now, 36, 100);
        out.note(now, 46, 60);
        out.note(now + 1.0, 46, 0); // released already
        out.note(now + 2.0, 51, 70);
        out.note(now + 1000.0, 36, 0); // its release, far ahead: forgotten by the panic
        out.note(now + 1000.0, 51, 0);
        wait_for(&rec, 4, 2.0);
        assert!(out.panic());
        let bytes: Vec<Vec<u8>> = rec.messages().into_iter().map(|g| g.1).collect();
        assert_eq!(
            bytes,
            vec![
                vec![0x99, 36, 100],
                vec![0x99, 46, 60],
                vec![0x89, 46, 64],
                vec![0x99, 51, 70],
                vec![0x89, 36, 64],
                vec![0x89, 51, 64],
                vec![0xB9, 123, 0],
            ]
        );
        // nothing pending any more, and the port plays on after a panic
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(rec.len(), 7);
        out.note(clock.now_ms(), 38, 90);
        wait_for(&rec, 8, 2.0);
        assert_eq!(rec.messages()[7].1, vec![0x99, 38, 90]);
        assert_eq!(out.stats().sent(), 8);
    }

    #[test]
    fn dropping_the_port_releases_what_is_held() {
        let (out, rec, clock) = started(10);
        let handle = out.handle();
        out.note(clock.now_ms(), 49, 127);
        out.note(clock.now_ms() + 5000.0, 49, 0);
        wait_for(&rec, 1, 2.0);
        drop(out);
        let bytes: Vec<Vec<u8>> = rec.messages().into_iter().map(|g| g.1).collect();
        assert_eq!(
            bytes,
            vec![vec![0x99, 49, 127], vec![0x89, 49, 64], vec![0xB9, 123, 0]]
        );
        // the thread has ended: a late stop is refused, not hung
        assert!(!handle.stop(Duration::from_millis(100)));
    }

    #[test]
    fn a_failing_sink_is_counted_and_the_scheduler_goes_on() {
        let clock = Clock::new();
        let tries = Arc::new(AtomicU64::new(0));
        let out = MidiOut::start(Box::new(Failing(tries.clone())), clock, 10, "broken").unwrap();
        for k in 0..50 {
            out.note(clock.now_ms() + f64::from(k), 36, 100 - k as u8);
        }
        let t = Instant::now();
        while tries.load(Ordering::Relaxed) < 50 && t.elapsed() < Duration::from_secs(3) {
            std::thread::sleep(Duration::from_millis(2));
        }
        assert_eq!(out.stats().errors(), 50);
        assert_eq!(out.stats().sent(), 0);
        assert_eq!(
            out.stats().first_error().as_deref(),
            Some("the cable is out")
        );
        // still alive: a panic is answered
        assert!(out.panic());
        assert!(out.stats().errors() > 50);
    }

    #[test]
    fn the_timing_rule_refuses_early_and_late_messages() {
        // due every 10 ms unless said
        let every = |late: &[f64]| -> Vec<(f64, f64)> {
            late.iter()
                .enumerate()
                .map(|(i, l)| (i as f64 * 10.0, *l))
                .collect()
        };
        assert!(check_lateness(&every(&[0.1, 0.2, 4.9]), 5.0).is_ok());
        assert!(
            check_lateness(&every(&[0.1, 7.0]), 5.0).is_ok(),
            "one straggler"
        );
        assert!(check_lateness(&every(&[6.0, 7.0]), 5.0)
            .unwrap_err()
            .contains("2 of 2 messages went out more than 5 ms late, in 2 stalls"));
        assert!(check_lateness(&every(&[0.1, -0.5]), 5.0)
            .unwrap_err()
            .contains("early"));
        assert!(check_lateness(&every(&[0.1, 60.0]), 5.0)
            .unwrap_err()
            .contains("60.000 ms late"));
        let mut many = every(&[0.2; 100]);
        many[3].1 = 9.0;
        many[70].1 = 9.0;
        assert!(check_lateness(&many, 5.0).is_ok());
        many[71].1 = 9.0;
        many[40].1 = 9.0;
        many[10].1 = 9.0;
        assert!(check_lateness(&many, 5.0).is_ok(), "five stalls in 100");
        many[20].1 = 9.0;
        assert!(check_lateness(&many, 5.0).is_err(), "six stalls in 100");
        many[20].1 = 0.2;
        // a scheduler a hair late every time: refused, though within the slack
        let mut slow = every(&[1.5; 100]);
        slow[0].1 = 0.2;
        assert!(check_lateness(&slow, 5.0)
            .unwrap_err()
            .contains("the median"));
        // one stall holding up a release and a chord due together: counted once
        many[20].1 = 9.0;
        many[71] = (many[70].0, 9.1);
        many[72] = (many[70].0 + 0.1, 9.0);
        assert!(check_lateness(&many, 5.0).is_ok(), "{many:?}");
    }

    #[cfg(not(feature = "midi"))]
    #[test]
    fn without_the_feature_a_port_is_refused_by_naming_it() {
        let e = open_port("x").err().unwrap();
        assert!(e.contains("`midi` cargo feature"), "{e}");
    }

    #[cfg(all(feature = "midi", target_os = "linux"))]
    #[test]
    fn the_alsa_port_opens_or_says_what_failed() {
        match AlsaSink::open("bandmate-unit-test") {
            Ok(mut s) => {
                assert!(std::path::Path::new("/dev/snd/seq").exists());
                s.send(&[0xB9, ALL_NOTES_OFF, 0]).unwrap();
            }
            Err(e) => {
                assert!(
                    e.starts_with("cannot open the ALSA sequencer (/dev/snd/seq)"),
                    "{e}"
                );
                if !std::path::Path::new("/dev/snd/seq").exists() {
                    assert!(e.contains("No such file or directory"), "{e}");
                    assert!(e.contains("is the snd-seq kernel module loaded"), "{e}");
                }
            }
        }
        let e = AlsaSink::open("").err().unwrap();
        assert!(e.contains("not a port name"), "{e}");
    }
}
