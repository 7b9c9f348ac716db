//! The fragment bank behind the `bandmate.frag~` object: a few slots of audio fragments (mono or
//! stereo, each at its own sample rate), each played once, looped or stopped, at its own rate
//! and gain, all mixed to stereo. It knows nothing of Pd, Max or OSC: a host wrapper owns the
//! two halves that [`bank`] returns.
//!
//! # Two halves, two threads
//!
//! - [`BankControl`] lives on the host's message thread (Pd's main thread, Max's main or
//!   scheduler thread, the OSC daemon's receive loop). It checks every request, answers errors
//!   as one line to print, keeps a mirror of the slots for status ([`BankControl::slots`]) and
//!   sends commands to the engine.
//! - [`BankEngine`] lives on the audio thread: call [`BankEngine::process`] once per DSP block.
//!   It never allocates, frees, locks, blocks or does I/O, whatever was sent to it.
//!
//! They talk through three queues, all allocated by [`bank`] and lock-free (single producer,
//! single consumer): commands (control to engine, [`COMMAND_QUEUE_CAPACITY`] of them), fragments
//! the engine no longer plays (engine to control, so that their memory is freed on the control
//! thread, by [`BankControl::collect`]) and events (engine to control, [`BankEvent`], read with
//! [`BankControl::poll_events`]). Commands take effect at the start of the next block. When the
//! command queue is full (the audio is not running, or a flood of messages), requests are refused
//! with an error; nothing ever blocks. In Pd both halves run on the same thread, which is fine.
//!
//! # What a host wrapper does
//!
//! 1. Object creation: `let (control, engine) = bank(slots, sample_rate)?`, with
//!    [`DEFAULT_SLOTS`] when the patch gives no count. Keep `control` in the object and hand
//!    `engine` to the perform routine (in Max, behind whatever the wrapper uses to share it with
//!    the audio thread; the engine is `Send`).
//! 2. Messages: `control.load(Fragment::from_wav(path)?)` (it answers the slot it chose),
//!    [`trigger`](BankControl::trigger), [`set_loop`](BankControl::set_loop),
//!    [`stop`](BankControl::stop), [`set_rate`](BankControl::set_rate), ... Print the error of a
//!    refused request as is. Read files here, on the control thread, never in the perform routine.
//! 3. DSP (re)start: [`BankEngine::set_sample_rate`]; perform routine: [`BankEngine::process`]
//!    with the two output signals (it writes them, it does not add to them).
//! 4. Now and then (a clock after each block in Pd, a Max `clock`, the daemon's loop):
//!    [`BankControl::poll_events`] to report "slot 2 ended"; it also frees returned fragments.
//!
//! # Sound
//!
//! Slots play at a rate in (0, [`MAX_RATE`]]: 1 is normal, 0.5 half-time, 0.25 quarter-time (the
//! pitch goes down with the speed, like tape). A fragment at another sample rate than the host's
//! is resampled on the fly: the read position moves by `rate * fragment_rate / host_rate` frames
//! per output sample, with linear interpolation between frames. Mono fragments play on both
//! sides, stereo ones keep their sides. All slots are summed, each scaled by its gain; nothing is
//! clipped or limited.
//!
//! Clicks are avoided with short fades along an S-curve ([`smooth`]: no corner at either end, so
//! a fade is no tick on a sustained sound; a crossfade's gains add up to 1): a voice starts
//! with a fade-in of
//! [`FADE_IN_SECONDS`] (32 samples at 44.1 kHz); on a retrigger the voices sounding fade out over
//! that same fade-in, an equal-gain crossfade (the gains add up to 1, so the sum is never louder
//! than the louder of the sounds; each slot has [`VOICES_PER_SLOT`] voices for such overlaps); on
//! a stop or a new fragment in the slot, the sounding voice fades out over [`FADE_OUT_SECONDS`]
//! (128 samples at 44.1 kHz); a one-shot fades out over the last [`FADE_IN_SECONDS`] of its
//! fragment. The loop switch reaches a voice in that end fade without a jump: switched on, it
//! rises back to full over the short fade as it wraps; switched off, it fades out over the
//! short fade through the wrap. A loop wraps to its start
//! exactly, so that a loop lasts exactly its fragment's length and stays in time with a tempo;
//! where the end does not meet the start (by more than -60 dBFS), the first [`FADE_IN_SECONDS`]
//! after the wrap crossfade from where the end was going (its last value and step) into the
//! start, so there is no jump; a loop whose end meets its start wraps untouched. A fragment
//! shorter than two of these short fades uses shorter ones (half its length each).

use crate::error::{Error, Result};
use crate::wav::{read_wav, Audio, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};
use std::path::Path;
use std::sync::Arc;

/// Slots in a bank when the host gives no count.
pub const DEFAULT_SLOTS: usize = 4;
/// Most slots in a bank.
pub const MAX_SLOTS: usize = 64;
/// Commands that can wait for the engine; a request beyond them is refused with an error.
pub const COMMAND_QUEUE_CAPACITY: usize = 256;
/// Events that can wait for [`BankControl::poll_events`]; later ones are dropped until it runs.
pub const EVENT_QUEUE_CAPACITY: usize = 256;
/// Voices per slot: the one playing plus those still fading out after retriggers. A retrigger
/// with all of them busy cuts the quietest fading one short.
pub const VOICES_PER_SLOT: usize = 4;
/// Fade-out on a retrigger, a stop or a new fragment: 128 samples at 44.1 kHz (2.9 ms).
pub const FADE_OUT_SECONDS: f64 = 128.0 / 44_100.0;
/// Fade-in of a started voice, fade-out at the end of a one-shot and crossfade after a loop's
/// wrap: 32 samples at 44.1 kHz (0.73 ms).
pub const FADE_IN_SECONDS: f64 = 32.0 / 44_100.0;
/// Highest playback rate (4: two octaves up).
pub const MAX_RATE: f64 = 4.0;
/// Highest slot gain (4: +12 dB).
pub const MAX_GAIN: f32 = 4.0;
/// Lowest sample rate of a fragment, in Hz.
pub const MIN_FRAGMENT_RATE: u32 = 8_000;
/// Highest sample rate of a fragment, in Hz.
pub const MAX_FRAGMENT_RATE: u32 = 384_000;
/// Longest fragment, in frames (2^27: 46 minutes at 48 kHz, 512 MiB per channel).
pub const MAX_FRAGMENT_FRAMES: usize = 1 << 27;

/// A piece of audio for a slot: 1 or 2 channels of equal length, at its own sample rate.
/// Immutable once made; the bank shares it (as an `Arc`) between the two threads.
#[derive(Debug, Clone, PartialEq)]
pub struct Fragment {
    name: String,
    channels: Vec<Vec<f32>>,
    sample_rate: u32,
}

impl Fragment {
    /// A fragment named `name` (for status and messages; any text) from planar samples: 1 or 2
    /// channels of equal length, 1..=[`MAX_FRAGMENT_FRAMES`] frames of finite samples, at
    /// [`MIN_FRAGMENT_RATE`]..=[`MAX_FRAGMENT_RATE`] Hz. Anything else is an error naming the
    /// fragment and the problem.
    pub fn new(
        name: impl Into<String>,
        channels: Vec<Vec<f32>>,
        sample_rate: u32,
    ) -> Result<Fragment> {
        let name = name.into();
        let problem = |msg: String| Error::invalid(format!("fragment \"{name}\": {msg}"));
        if !(1..=2).contains(&channels.len()) {
            return Err(problem(format!(
                "{} channels (mono or stereo only)",
                channels.len()
            )));
        }
        let frames = channels[0].len();
        if let Some(other) = channels.iter().find(|c| c.len() != frames) {
            return Err(problem(format!(
                "channels of different lengths ({frames} and {} frames)",
                other.len()
            )));
        }
        if frames == 0 {
            return Err(problem("no audio (0 frames)".into()));
        }
        if frames > MAX_FRAGMENT_FRAMES {
            return Err(problem(format!(
                "too long: {frames} frames (the limit is {MAX_FRAGMENT_FRAMES})"
            )));
        }
        for (c, samples) in channels.iter().enumerate() {
            if let Some(i) = samples.iter().position(|s| !s.is_finite()) {
                return Err(problem(format!(
                    "sample {i} of channel {c} is {} (samples must be finite)",
                    samples[i]
                )));
            }
        }
        if !(MIN_FRAGMENT_RATE..=MAX_FRAGMENT_RATE).contains(&sample_rate) {
            return Err(problem(format!(
                "sample rate {sample_rate} Hz is out of range \
                 ({MIN_FRAGMENT_RATE}..={MAX_FRAGMENT_RATE})"
            )));
        }
        Ok(Fragment {
            name,
            channels,
            sample_rate,
        })
    }

    /// A fragment from [`Audio`] (a render, a file read with [`read_wav`]); see [`Fragment::new`].
    pub fn from_audio(name: impl Into<String>, audio: Audio) -> Result<Fragment> {
        Fragment::new(name, audio.channels, audio.sample_rate)
    }

    /// Read a mono or stereo WAV file ([`read_wav`] tells which formats) into a fragment named
    /// after the file (its name without the extension). Errors name the file. Call it on the
    /// control thread: it reads the disk and allocates.
    pub fn from_wav(path: &Path) -> Result<Fragment> {
        let audio = read_wav(path)?;
        let name = path.file_stem().map_or_else(
            || path.display().to_string(),
            |s| s.to_string_lossy().into(),
        );
        Fragment::from_audio(name, audio).map_err(|e| e.at(path))
    }

    /// The name given at creation.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Frames (samples per channel), at least 1.
    pub fn frames(&self) -> usize {
        self.channels[0].len()
    }

    /// 1 (mono) or 2 (stereo).
    pub fn channel_count(&self) -> usize {
        self.channels.len()
    }

    /// The samples of channel `index` (0 or, for stereo, 1), if there is one.
    pub fn channel(&self, index: usize) -> Option<&[f32]> {
        self.channels.get(index).map(Vec::as_slice)
    }

    /// The fragment's own sample rate, in Hz.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Length in seconds at the fragment's own sample rate (at rate 1).
    pub fn duration_secs(&self) -> f64 {
        self.frames() as f64 / f64::from(self.sample_rate)
    }
}

/// What the engine reports about a slot's sound, read with [`BankControl::poll_events`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BankEvent {
    /// The slot went from silence to sound (a trigger, or a loop switched on while it was silent).
    Started(usize),
    /// The slot went silent: its one-shot reached the end, or its stop (or the load of another
    /// fragment into it) finished fading out. Sent once per [`BankEvent::Started`]; a retrigger
    /// while it plays sends neither.
    Ended(usize),
}

/// The control thread's view of a loaded fragment.
#[derive(Debug, Clone, PartialEq)]
pub struct FragmentInfo {
    /// [`Fragment::name`].
    pub name: String,
    /// [`Fragment::frames`].
    pub frames: usize,
    /// [`Fragment::channel_count`]: 1 or 2.
    pub channels: usize,
    /// [`Fragment::sample_rate`], in Hz.
    pub sample_rate: u32,
    /// When it was loaded: 0 for the bank's first load, then 1, 2, ... The next
    /// [`BankControl::load`] replaces the lowest (when no slot is empty).
    pub order: u64,
}

/// The control thread's view of a slot: what was asked of it, and whether it sounded at the
/// last [`BankControl::poll_events`].
#[derive(Debug, Clone, PartialEq)]
pub struct SlotInfo {
    /// The fragment in the slot; `None` while the slot is empty.
    pub fragment: Option<FragmentInfo>,
    /// Whether the slot loops (see [`BankControl::set_loop`]).
    pub looping: bool,
    /// Playback rate (1 normal, 0.5 half-time, 0.25 quarter-time).
    pub rate: f64,
    /// Linear gain (1 as is).
    pub gain: f32,
    /// Whether it sounds, as of the events read so far: set by [`BankEvent::Started`], cleared
    /// by [`BankEvent::Ended`].
    pub playing: bool,
}

impl SlotInfo {
    fn new() -> SlotInfo {
        SlotInfo {
            fragment: None,
            looping: false,
            rate: 1.0,
            gain: 1.0,
            playing: false,
        }
    }
}

/// A request from the control thread; slots are checked before sending.
enum Command {
    Load(usize, Arc<Fragment>),
    Trigger(usize),
    Loop(usize, bool),
    Stop(usize),
    StopAll,
    Rate(usize, f64),
    Gain(usize, f32),
}

/// A fragment bank of `slots` slots (1..=[`MAX_SLOTS`]; [`DEFAULT_SLOTS`] is the usual) for a
/// host running at `sample_rate` Hz: the control half for the message thread and the engine
/// half for the audio thread (see the module documentation). Everything either half will need
/// is allocated here.
pub fn bank(slots: usize, sample_rate: f64) -> Result<(BankControl, BankEngine)> {
    if !(1..=MAX_SLOTS).contains(&slots) {
        return Err(Error::invalid(format!(
            "a fragment bank has 1..={MAX_SLOTS} slots, not {slots}"
        )));
    }
    check_host_rate(sample_rate)?;
    let (command_tx, command_rx) = spsc::channel(COMMAND_QUEUE_CAPACITY);
    // The engine holds at most a fragment and VOICES_PER_SLOT voices' handles per slot, and
    // gets at most a queue of commands' worth of new ones between two `collect`s: with this
    // room, handing back never fails.
    let held = slots * (1 + VOICES_PER_SLOT);
    let (return_tx, return_rx) = spsc::channel(held + COMMAND_QUEUE_CAPACITY);
    let (event_tx, event_rx) = spsc::channel(EVENT_QUEUE_CAPACITY);
    let control = BankControl {
        commands: command_tx,
        returns: return_rx,
        events: event_rx,
        slots: (0..slots).map(|_| SlotInfo::new()).collect(),
        loads: 0,
    };
    let engine = BankEngine {
        slots: (0..slots).map(|_| EngineSlot::new()).collect(),
        commands: command_rx,
        out: Outbox {
            returns: return_tx,
            spill: Vec::with_capacity(held),
            events: event_tx,
        },
        sample_rate,
        fades: Fades::at(sample_rate),
    };
    Ok((control, engine))
}

fn check_host_rate(sample_rate: f64) -> Result<()> {
    let range = f64::from(MIN_SAMPLE_RATE)..=f64::from(MAX_SAMPLE_RATE);
    if !range.contains(&sample_rate) {
        return Err(Error::invalid(format!(
            "host sample rate {sample_rate} Hz is out of range ({MIN_SAMPLE_RATE}..={MAX_SAMPLE_RATE})"
        )));
    }
    Ok(())
}

/// The message-thread half of a bank: checks requests, sends them to the [`BankEngine`], frees
/// what the engine hands back and reads its events. Every `&mut self` method, refused or not,
/// first frees returned fragments ([`BankControl::collect`]). Slots are numbered from 0.
pub struct BankControl {
    commands: spsc::Producer<Command>,
    returns: spsc::Consumer<Arc<Fragment>>,
    events: spsc::Consumer<BankEvent>,
    slots: Vec<SlotInfo>,
    loads: u64,
}

impl BankControl {
    /// How many slots the bank has.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// Every slot's state as this thread knows it, in slot order: for status messages.
    pub fn slots(&self) -> &[SlotInfo] {
        &self.slots
    }

    /// The slot the next [`load`](BankControl::load) will fill: the first empty slot, or else
    /// the one whose fragment was loaded longest ago.
    pub fn oldest_slot(&self) -> usize {
        let age = |i: usize| self.slots[i].fragment.as_ref().map(|f| f.order);
        (0..self.slots.len()).min_by_key(|&i| age(i)).unwrap_or(0)
    }

    /// Load `fragment` (a [`Fragment`] or an `Arc<Fragment>` shared with other banks) into the
    /// oldest slot ([`oldest_slot`](BankControl::oldest_slot)) and answer that slot, as
    /// [`load_into`](BankControl::load_into) does.
    pub fn load(&mut self, fragment: impl Into<Arc<Fragment>>) -> Result<usize> {
        let slot = self.oldest_slot();
        self.load_into(slot, fragment)?;
        Ok(slot)
    }

    /// Put `fragment` in `slot`, replacing what was there. If the slot was sounding, the old
    /// fragment fades out and the slot falls silent (a [`BankEvent::Ended`] follows); the new one
    /// waits for a [`trigger`](BankControl::trigger) or [`set_loop`](BankControl::set_loop). The
    /// slot's loop switch, rate and gain stay as they were.
    pub fn load_into(&mut self, slot: usize, fragment: impl Into<Arc<Fragment>>) -> Result<()> {
        self.check_slot(slot)?;
        let fragment = fragment.into();
        let info = FragmentInfo {
            name: fragment.name.clone(),
            frames: fragment.frames(),
            channels: fragment.channel_count(),
            sample_rate: fragment.sample_rate,
            order: self.loads,
        };
        self.send(Command::Load(slot, fragment))?;
        self.loads += 1;
        self.slots[slot].fragment = Some(info);
        Ok(())
    }

    /// Play `slot` from its start: once, or looping when its loop switch is on. A slot already
    /// sounding restarts (the old sound fades out under the new). An empty slot is an error.
    pub fn trigger(&mut self, slot: usize) -> Result<()> {
        self.check_loaded(slot)?;
        self.send(Command::Trigger(slot))
    }

    /// Switch `slot`'s looping on or off. On: a silent slot starts looping from its start, a
    /// sounding one keeps playing and wraps at its end. Off: a sounding slot plays on to its
    /// end and stops there. On an empty slot only the switch is set (a fragment loaded there
    /// waits for a trigger, which then loops it); the switch stays through stops and loads.
    pub fn set_loop(&mut self, slot: usize, on: bool) -> Result<()> {
        self.check_slot(slot)?;
        self.send(Command::Loop(slot, on))?;
        self.slots[slot].looping = on;
        Ok(())
    }

    /// Fade `slot` out (over [`FADE_OUT_SECONDS`]); a silent or empty slot is left as it is.
    pub fn stop(&mut self, slot: usize) -> Result<()> {
        self.check_slot(slot)?;
        self.send(Command::Stop(slot))
    }

    /// Fade every slot out.
    pub fn stop_all(&mut self) -> Result<()> {
        self.send(Command::StopAll)
    }

    /// Set `slot`'s playback rate, in (0, [`MAX_RATE`]]: 1 normal, 0.5 half-time, 0.25
    /// quarter-time. It applies at once, to the sound playing too, and stays through loads.
    pub fn set_rate(&mut self, slot: usize, rate: f64) -> Result<()> {
        self.check_slot(slot)?;
        if !(rate > 0.0 && rate <= MAX_RATE) {
            return Err(Error::invalid(format!(
                "rate {rate} is out of range (above 0, at most {MAX_RATE}; \
                 1 normal, 0.5 half-time, 0.25 quarter-time)"
            )));
        }
        self.send(Command::Rate(slot, rate))?;
        self.slots[slot].rate = rate;
        Ok(())
    }

    /// Set `slot`'s linear gain, 0..=[`MAX_GAIN`] (1 as is); it glides there over
    /// [`FADE_OUT_SECONDS`] and stays through loads.
    pub fn set_gain(&mut self, slot: usize, gain: f32) -> Result<()> {
        self.check_slot(slot)?;
        if !(0.0..=MAX_GAIN).contains(&gain) {
            return Err(Error::invalid(format!(
                "gain {gain} is out of range (0..={MAX_GAIN}, 1 as is)"
            )));
        }
        self.send(Command::Gain(slot, gain))?;
        self.slots[slot].gain = gain;
        Ok(())
    }

    /// Free the fragments the engine has handed back (replaced, or done fading out), and answer
    /// how many handles came back. Every request and [`poll_events`](Self::poll_events) call
    /// it; call it yourself only if none of them runs for a long while the audio runs.
    pub fn collect(&mut self) -> usize {
        let mut n = 0;
        while let Some(fragment) = self.returns.pop() {
            drop(fragment);
            n += 1;
        }
        n
    }

    /// Hand every event the engine has sent since the last call to `f`, oldest first, updating
    /// [`SlotInfo::playing`] on the way; then [`collect`](Self::collect).
    pub fn poll_events(&mut self, mut f: impl FnMut(BankEvent)) {
        while let Some(event) = self.events.pop() {
            match event {
                BankEvent::Started(slot) => self.slots[slot].playing = true,
                BankEvent::Ended(slot) => self.slots[slot].playing = false,
            }
            f(event);
        }
        self.collect();
    }

    /// Check a slot number (and free returned fragments, as every request does).
    fn check_slot(&mut self, slot: usize) -> Result<()> {
        self.collect();
        if slot >= self.slots.len() {
            return Err(Error::invalid(format!(
                "slot {slot} is out of range (this bank has slots 0..={})",
                self.slots.len() - 1
            )));
        }
        Ok(())
    }

    fn check_loaded(&mut self, slot: usize) -> Result<()> {
        self.check_slot(slot)?;
        if self.slots[slot].fragment.is_none() {
            return Err(Error::invalid(format!("slot {slot} is empty")));
        }
        Ok(())
    }

    fn send(&mut self, command: Command) -> Result<()> {
        self.collect();
        self.commands.push(command).map_err(|_| {
            Error::invalid(format!(
                "the fragment bank's command queue is full ({COMMAND_QUEUE_CAPACITY} commands \
                 waiting): the audio is not running (is DSP on?) or cannot keep up; \
                 the request was dropped"
            ))
        })
    }
}

/// Fade lengths in samples at the host's rate.
#[derive(Debug, Clone, Copy)]
struct Fades {
    short: u32,
    long: u32,
}

impl Fades {
    fn at(sample_rate: f64) -> Fades {
        let samples = |secs: f64| (secs * sample_rate).round().max(1.0) as u32;
        Fades {
            short: samples(FADE_IN_SECONDS),
            long: samples(FADE_OUT_SECONDS),
        }
    }
}

/// A loop whose start is within this of where its end was going (-60 dBFS) wraps without a
/// seam.
const SEAMLESS: f32 = 1e-3;

/// The S-curve every fade follows, from 0 at `x` = 0 to 1 at 1 (quintic "smootherstep"): its
/// slope and its curvature are 0 at both ends, so a fade starts and ends without a kink (a
/// linear ramp's corners are heard as a tick on a sustained sound: -44 dBFS above 5 kHz in the
/// soak test, -51 with a cubic S-curve, under -60 with this one), and
/// `smooth(x) + smooth(1 - x) = 1`, so a crossfade's gains still add up to 1.
#[inline]
fn smooth(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    x * x * x * (x * (x * 6.0 - 15.0) + 10.0)
}

/// A ramp to `target` along [`smooth`] that gets there after `remaining` more samples. The
/// value is computed from the count, so ramps end exactly on their target and can skip ahead.
#[derive(Debug, Clone, Copy)]
struct Ramp {
    target: f32,
    /// The whole change (target minus the value the ramp started from).
    span: f32,
    /// 1 / the ramp's length in samples.
    inv_len: f32,
    remaining: u32,
}

impl Ramp {
    fn at(value: f32) -> Ramp {
        Ramp {
            target: value,
            span: 0.0,
            inv_len: 1.0,
            remaining: 0,
        }
    }

    fn value(&self) -> f32 {
        if self.remaining == 0 {
            return self.target;
        }
        self.target - self.span * (1.0 - smooth(1.0 - self.remaining as f32 * self.inv_len))
    }

    /// Move one sample on; the value there.
    fn tick(&mut self) -> f32 {
        self.remaining = self.remaining.saturating_sub(1);
        self.value()
    }

    fn advance(&mut self, samples: usize) {
        self.remaining = self
            .remaining
            .saturating_sub(u32::try_from(samples).unwrap_or(u32::MAX));
    }

    /// Glide from the current value to `target` over `samples` samples (at least 1).
    fn glide(&mut self, target: f32, samples: u32) {
        let samples = samples.max(1);
        let from = self.value();
        *self = Ramp {
            target,
            span: target - from,
            inv_len: 1.0 / samples as f32,
            remaining: samples,
        };
    }

    fn is_silent(&self) -> bool {
        self.remaining == 0 && self.target == 0.0
    }
}

/// The playing state of a voice (its fragment is kept beside it).
#[derive(Debug, Clone, Copy)]
struct Play {
    /// The slot's current voice, as opposed to one fading out under it.
    main: bool,
    /// Wraps to its start at its end (the slot's loop switch, taken when it started or
    /// switched, see [`Play::set_looping`]); else a one-shot.
    looping: bool,
    /// Read position in the fragment's frames, in 0..frames.
    pos: f64,
    /// Frames per output sample.
    step: f64,
    /// 1 / the one-shot end fade's length in frames.
    inv_end: f64,
    env: Ramp,
    /// Length of the short fades for this fragment at this step, in output samples.
    short: u32,
    /// Samples left in the crossfade after a loop's wrap.
    seam: u32,
    inv_short: f32,
    /// The last value played before the wrap, per side, and how it was moving (its last
    /// step): the seam crossfades from the end's continuation into the start.
    held: [f32; 2],
    held_slope: [f32; 2],
    /// The value played before the last, per side.
    prev: [f32; 2],
}

impl Play {
    const IDLE: Play = Play {
        main: false,
        looping: false,
        pos: 0.0,
        step: 1.0,
        inv_end: 1.0,
        env: Ramp {
            target: 0.0,
            span: 0.0,
            inv_len: 1.0,
            remaining: 0,
        },
        short: 1,
        seam: 0,
        inv_short: 1.0,
        held: [0.0; 2],
        held_slope: [0.0; 2],
        prev: [0.0; 2],
    };

    fn start(fragment: &Fragment, step: f64, fades: Fades, looping: bool) -> Play {
        let mut play = Play {
            main: true,
            looping,
            ..Play::IDLE
        };
        play.retime(fragment, step, fades);
        play.env.glide(1.0, play.short);
        play
    }

    /// Set the step, and the short fades that depend on it and the fragment's length.
    fn retime(&mut self, fragment: &Fragment, step: f64, fades: Fades) {
        let frames = fragment.frames() as f64;
        let short = f64::from(fades.short).min(frames / step / 2.0).max(1.0);
        self.step = step;
        self.short = short as u32;
        self.inv_short = 1.0 / self.short as f32;
        self.inv_end = 1.0 / (short * step);
        self.seam = self.seam.min(self.short);
    }

    fn fade_out(&mut self, fades: Fades) {
        self.main = false;
        let from = self.env.value();
        let samples = (f64::from(from) * f64::from(fades.long)).ceil() as u32;
        self.env.glide(0.0, samples);
    }

    /// Fade out over exactly `samples`, under a voice that fades in over as many (a retrigger):
    /// the gains of every voice of the slot add up to at most 1 at every sample, so the sum
    /// never exceeds the louder of the sounds.
    fn crossfade_out(&mut self, samples: u32) {
        self.main = false;
        self.env.glide(0.0, samples);
    }

    /// The one-shot end fade's gain at the read position (1 before the fade).
    fn end_gain(&self, frames: f64) -> f32 {
        smooth(((frames - self.pos) * self.inv_end).min(1.0) as f32)
    }

    /// The slot's loop switch changed. Outside the one-shot end fade the voice simply takes
    /// it. Inside it, where the gain depends on the switch, the voice goes on without a jump:
    /// switched on, the main voice keeps the level it had reached and glides back to full over
    /// the short fade while it wraps (the loop stays in time); switched off, it keeps looping
    /// and fades out over the short fade, through the wrap. A voice fading out under another
    /// keeps its way of ending.
    fn set_looping(&mut self, on: bool, frames: f64) {
        if self.looping == on {
            return;
        }
        let end = self.end_gain(frames);
        if end >= 1.0 {
            self.looping = on;
        } else if self.main && on {
            self.looping = true;
            let target = self.env.target;
            self.env = Ramp::at(self.env.value() * end);
            self.env.glide(target, self.short);
        } else if self.main {
            self.crossfade_out(self.short);
        }
    }

    /// Add this voice, scaled by `gain` (the slot's gain ramp at the block's start), to
    /// `left`/`right`. False when it ended during the block.
    fn render(
        &mut self,
        fragment: &Fragment,
        mut gain: Ramp,
        left: &mut [f32],
        right: &mut [f32],
    ) -> bool {
        let a = fragment.channels[0].as_slice();
        // Mono: the same channel on both sides.
        let b = fragment.channels[fragment.channels.len() - 1].as_slice();
        let last = a.len() - 1;
        let frames = a.len() as f64;
        for (l, r) in left.iter_mut().zip(right.iter_mut()) {
            let i = self.pos as usize;
            let j = (i + 1).min(last);
            let frac = (self.pos - i as f64) as f32;
            let mut sl = a[i] + (a[j] - a[i]) * frac;
            let mut sr = b[i] + (b[j] - b[i]) * frac;
            if self.seam == self.short {
                // The first sample after the wrap: a start that meets where the end was going
                // (within -60 dBFS) needs no seam.
                let miss_l = sl - (self.held[0] + self.held_slope[0]);
                let miss_r = sr - (self.held[1] + self.held_slope[1]);
                if miss_l.abs().max(miss_r.abs()) < SEAMLESS {
                    self.seam = 0;
                }
            }
            if self.seam > 0 {
                // From where the end was going into the start.
                let k = (self.short - self.seam + 1) as f32;
                self.seam -= 1;
                let t = smooth(self.seam as f32 * self.inv_short);
                let gl = self.held[0] + self.held_slope[0] * k;
                let gr = self.held[1] + self.held_slope[1] * k;
                sl += (gl - sl) * t;
                sr += (gr - sr) * t;
            }
            let mut e = self.env.tick() * gain.tick();
            if !self.looping {
                e *= self.end_gain(frames);
            }
            *l += sl * e;
            *r += sr * e;
            if self.env.is_silent() {
                return false;
            }
            self.pos += self.step;
            if self.pos >= frames {
                if !self.looping {
                    return false;
                }
                self.held_slope = [sl - self.prev[0], sr - self.prev[1]];
                self.held = [sl, sr];
                self.pos -= frames;
                if self.pos >= frames {
                    self.pos %= frames;
                }
                self.seam = self.short;
            }
            self.prev = [sl, sr];
        }
        true
    }
}

struct Voice {
    fragment: Option<Arc<Fragment>>,
    play: Play,
}

struct EngineSlot {
    fragment: Option<Arc<Fragment>>,
    voices: [Voice; VOICES_PER_SLOT],
    looping: bool,
    rate: f64,
    gain: Ramp,
    /// Whether a `Started` was sent with no `Ended` after it.
    audible: bool,
}

impl EngineSlot {
    fn new() -> EngineSlot {
        EngineSlot {
            fragment: None,
            voices: std::array::from_fn(|_| Voice {
                fragment: None,
                play: Play::IDLE,
            }),
            looping: false,
            rate: 1.0,
            gain: Ramp::at(1.0),
            audible: false,
        }
    }

    fn fade_out(&mut self, fades: Fades) {
        for v in &mut self.voices {
            if v.fragment.is_some() {
                v.play.fade_out(fades);
            }
        }
    }
}

/// What the engine sends back, without ever blocking or freeing.
struct Outbox {
    returns: spsc::Producer<Arc<Fragment>>,
    /// Handles waiting for room in `returns` (never used with its sizing; preallocated).
    spill: Vec<Arc<Fragment>>,
    events: spsc::Producer<BankEvent>,
}

impl Outbox {
    fn release(&mut self, fragment: Option<Arc<Fragment>>) {
        let Some(fragment) = fragment else { return };
        if let Err(fragment) = self.returns.push(fragment) {
            if self.spill.len() < self.spill.capacity() {
                self.spill.push(fragment);
            } else {
                // Unreachable with the queue's sizing; leaking beats freeing on this thread.
                std::mem::forget(fragment);
            }
        }
    }

    fn retry_spill(&mut self) {
        while let Some(fragment) = self.spill.pop() {
            if let Err(fragment) = self.returns.push(fragment) {
                self.spill.push(fragment);
                return;
            }
        }
    }

    fn event(&mut self, event: BankEvent) {
        // A full queue drops the event: the control thread has not polled for a long while.
        let _ = self.events.push(event);
    }
}

/// The audio-thread half of a bank: [`process`](BankEngine::process) mixes every slot into a
/// stereo block. Nothing it does allocates, frees, locks or blocks. Dropping it (when the host
/// object goes away) frees the fragments it still holds, on the dropping thread.
pub struct BankEngine {
    slots: Vec<EngineSlot>,
    commands: spsc::Consumer<Command>,
    out: Outbox,
    sample_rate: f64,
    fades: Fades,
}

impl BankEngine {
    /// The host sample rate the engine plays at, in Hz.
    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    /// How many slots the bank has.
    pub fn slot_count(&self) -> usize {
        self.slots.len()
    }

    /// The long fade (retrigger, stop, new fragment) in samples at the current sample rate.
    pub fn fade_out_samples(&self) -> u32 {
        self.fades.long
    }

    /// The short fade (start, one-shot end, loop crossfade) in samples at the current sample
    /// rate (shorter for fragments shorter than two of them).
    pub fn fade_in_samples(&self) -> u32 {
        self.fades.short
    }

    /// Change the host sample rate (a DSP restart): fades and playback steps are recomputed,
    /// sounding slots play on. Allocates nothing; a rate outside 1000..=768000 Hz (or not a
    /// number) is an error, and the old rate stays.
    pub fn set_sample_rate(&mut self, sample_rate: f64) -> Result<()> {
        check_host_rate(sample_rate)?;
        self.sample_rate = sample_rate;
        self.fades = Fades::at(sample_rate);
        for slot in &mut self.slots {
            for v in &mut slot.voices {
                if let Some(fragment) = &v.fragment {
                    let step = step(slot.rate, fragment, sample_rate);
                    v.play.retime(fragment, step, self.fades);
                }
            }
        }
        Ok(())
    }

    /// Apply the commands sent since the last call, then write the mix of every slot into
    /// `left` and `right` (overwriting them). Any block size; both should have the same length
    /// (if not, the longer one's extra samples are zeroed). Real-time safe: no allocation, no
    /// freeing (fragments go back to the control thread), no lock, no I/O.
    pub fn process(&mut self, left: &mut [f32], right: &mut [f32]) {
        left.fill(0.0);
        right.fill(0.0);
        let n = left.len().min(right.len());
        let (left, right) = (&mut left[..n], &mut right[..n]);
        self.out.retry_spill();
        while let Some(command) = self.commands.pop() {
            self.apply(command);
        }
        for (index, slot) in self.slots.iter_mut().enumerate() {
            if slot.audible {
                let mut sounding = false;
                for v in &mut slot.voices {
                    let Some(fragment) = v.fragment.as_deref() else {
                        continue;
                    };
                    if v.play.render(fragment, slot.gain, left, right) {
                        sounding = true;
                    } else {
                        self.out.release(v.fragment.take());
                    }
                }
                if !sounding {
                    slot.audible = false;
                    self.out.event(BankEvent::Ended(index));
                }
            }
            slot.gain.advance(n);
        }
    }

    fn apply(&mut self, command: Command) {
        let fades = self.fades;
        match command {
            Command::Load(index, fragment) => {
                let Some(slot) = self.slots.get_mut(index) else {
                    return self.out.release(Some(fragment));
                };
                slot.fade_out(fades);
                let old = slot.fragment.replace(fragment);
                self.out.release(old);
            }
            Command::Trigger(index) => self.start(index),
            Command::Loop(index, on) => {
                let Some(slot) = self.slots.get_mut(index) else {
                    return;
                };
                slot.looping = on;
                for v in &mut slot.voices {
                    if let Some(fragment) = &v.fragment {
                        v.play.set_looping(on, fragment.frames() as f64);
                    }
                }
                let playing = slot
                    .voices
                    .iter()
                    .any(|v| v.fragment.is_some() && v.play.main);
                if on && !playing {
                    self.start(index);
                }
            }
            Command::Stop(index) => {
                if let Some(slot) = self.slots.get_mut(index) {
                    slot.fade_out(fades);
                }
            }
            Command::StopAll => {
                for slot in &mut self.slots {
                    slot.fade_out(fades);
                }
            }
            Command::Rate(index, rate) => {
                let Some(slot) = self.slots.get_mut(index) else {
                    return;
                };
                slot.rate = rate;
                for v in &mut slot.voices {
                    if let Some(fragment) = &v.fragment {
                        let step = step(rate, fragment, self.sample_rate);
                        v.play.retime(fragment, step, fades);
                    }
                }
            }
            Command::Gain(index, gain) => {
                if let Some(slot) = self.slots.get_mut(index) {
                    slot.gain.glide(gain, fades.long);
                }
            }
        }
    }

    /// Start `index`'s fragment from its start; the voices sounding crossfade into it (over
    /// its fade-in, with gains that add up to at most 1).
    fn start(&mut self, index: usize) {
        let Some(slot) = self.slots.get_mut(index) else {
            return;
        };
        // A clone of the handle: an atomic increment, no allocation.
        let Some(fragment) = slot.fragment.clone() else {
            return;
        };
        let step = step(slot.rate, &fragment, self.sample_rate);
        let play = Play::start(&fragment, step, self.fades, slot.looping);
        for v in &mut slot.voices {
            if v.fragment.is_some() {
                v.play.crossfade_out(play.short);
            }
        }
        let free = slot.voices.iter().position(|v| v.fragment.is_none());
        // All busy: cut the quietest (none is the main voice now).
        let chosen = free.unwrap_or_else(|| {
            (0..VOICES_PER_SLOT)
                .min_by(|&x, &y| {
                    let env = |i: usize| slot.voices[i].play.env.value();
                    env(x).total_cmp(&env(y))
                })
                .unwrap_or(0)
        });
        let voice = &mut slot.voices[chosen];
        self.out.release(voice.fragment.take());
        voice.play = play;
        voice.fragment = Some(fragment);
        if !slot.audible {
            slot.audible = true;
            self.out.event(BankEvent::Started(index));
        }
    }
}

/// Frames of `fragment` per output sample at `rate` and the host's `sample_rate`.
fn step(rate: f64, fragment: &Fragment, sample_rate: f64) -> f64 {
    rate * f64::from(fragment.sample_rate) / sample_rate
}

/// A bounded, lock-free, wait-free queue for one producer thread and one consumer thread: the
/// kept library `rtrb` (a ring buffer whose push and pop never allocate, free or block), in the
/// two calls the bank needs.
mod spsc {
    /// The sending end; only one thread at a time can use it (`push` takes `&mut self`).
    pub struct Producer<T>(rtrb::Producer<T>);

    /// The receiving end; only one thread at a time can use it (`pop` takes `&mut self`).
    pub struct Consumer<T>(rtrb::Consumer<T>);

    /// A queue holding `capacity` values (at least one).
    pub fn channel<T>(capacity: usize) -> (Producer<T>, Consumer<T>) {
        let (tx, rx) = rtrb::RingBuffer::new(capacity.max(1));
        (Producer(tx), Consumer(rx))
    }

    impl<T> Producer<T> {
        /// Append `value`, or hand it back when the queue is full.
        pub fn push(&mut self, value: T) -> Result<(), T> {
            self.0.push(value).map_err(|rtrb::PushError::Full(v)| v)
        }
    }

    impl<T> Consumer<T> {
        /// The oldest value, if any.
        pub fn pop(&mut self) -> Option<T> {
            self.0.pop().ok()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use std::sync::Arc;

        #[test]
        fn fifo_with_a_bound() {
            let (mut tx, mut rx) = channel::<u32>(4);
            for i in 0..4 {
                tx.push(i).unwrap();
            }
            assert_eq!(tx.push(9), Err(9));
            assert_eq!(rx.pop(), Some(0));
            tx.push(4).unwrap();
            assert_eq!(
                (1..5).map(|_| rx.pop().unwrap()).collect::<Vec<_>>(),
                [1, 2, 3, 4]
            );
            assert_eq!(rx.pop(), None);
        }

        #[test]
        fn values_left_in_the_queue_are_dropped_with_it() {
            let value = Arc::new(7);
            let (mut tx, rx) = channel(8);
            tx.push(Arc::clone(&value)).unwrap();
            tx.push(Arc::clone(&value)).unwrap();
            assert_eq!(Arc::strong_count(&value), 3);
            drop(rx);
            assert_eq!(Arc::strong_count(&value), 3);
            drop(tx);
            assert_eq!(Arc::strong_count(&value), 1);
        }

        #[test]
        fn two_threads_keep_order() {
            // Miri checks the interleavings of far fewer values for data races.
            const N: u64 = if cfg!(miri) { 300 } else { 200_000 };
            let (mut tx, mut rx) = channel::<Box<u64>>(16);
            let producer = std::thread::spawn(move || {
                for i in 0..N {
                    let mut v = Box::new(i);
                    while let Err(back) = tx.push(v) {
                        v = back;
                        std::hint::spin_loop();
                    }
                }
            });
            let mut expected = 0;
            while expected < N {
                match rx.pop() {
                    Some(v) => {
                        assert_eq!(*v, expected);
                        expected += 1;
                    }
                    None => std::hint::spin_loop(),
                }
            }
            producer.join().unwrap();
            assert_eq!(rx.pop(), None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SR: f64 = 44_100.0;

    fn frag(channels: Vec<Vec<f32>>, sample_rate: u32) -> Fragment {
        Fragment::new("test", channels, sample_rate).unwrap()
    }

    fn ramp(frames: usize) -> Vec<f32> {
        (0..frames).map(|i| i as f32).collect()
    }

    /// Run `samples` samples through the engine in blocks of `block`.
    fn run_blocks(e: &mut BankEngine, samples: usize, block: usize) -> (Vec<f32>, Vec<f32>) {
        let (mut l, mut r) = (vec![f32::NAN; samples], vec![f32::NAN; samples]);
        for (lc, rc) in l.chunks_mut(block).zip(r.chunks_mut(block)) {
            e.process(lc, rc);
        }
        (l, r)
    }

    fn run(e: &mut BankEngine, samples: usize) -> (Vec<f32>, Vec<f32>) {
        run_blocks(e, samples, 64)
    }

    fn events(c: &mut BankControl) -> Vec<BankEvent> {
        let mut v = Vec::new();
        c.poll_events(|e| v.push(e));
        v
    }

    fn max_step(x: &[f32]) -> f32 {
        x.windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max)
    }

    #[test]
    fn fades_follow_the_sample_rate() {
        let (_, mut e) = bank(4, SR).unwrap();
        assert_eq!((e.fade_in_samples(), e.fade_out_samples()), (32, 128));
        e.set_sample_rate(48_000.0).unwrap();
        assert_eq!((e.fade_in_samples(), e.fade_out_samples()), (35, 139));
        assert!(e.set_sample_rate(f64::NAN).is_err());
        assert!(e.set_sample_rate(100.0).is_err());
        assert_eq!(e.sample_rate(), 48_000.0);
    }

    #[test]
    fn load_rotates_oldest_over_six_loads() {
        let (mut c, _e) = bank(4, SR).unwrap();
        let slots: Vec<usize> = (0..6)
            .map(|i| {
                c.load(Fragment::new(format!("f{i}"), vec![vec![0.0; 10]], 44_100).unwrap())
                    .unwrap()
            })
            .collect();
        assert_eq!(slots, [0, 1, 2, 3, 0, 1]);
        let names: Vec<&str> = c
            .slots()
            .iter()
            .map(|s| s.fragment.as_ref().unwrap().name.as_str())
            .collect();
        assert_eq!(names, ["f4", "f5", "f2", "f3"]);
        let orders: Vec<u64> = c
            .slots()
            .iter()
            .map(|s| s.fragment.as_ref().unwrap().order)
            .collect();
        assert_eq!(orders, [4, 5, 2, 3]);
        assert_eq!(c.oldest_slot(), 2);
    }

    #[test]
    fn empty_slots_fill_first_and_load_into_replaces() {
        let (mut c, mut e) = bank(4, SR).unwrap();
        let f = |name: &str| Fragment::new(name, vec![vec![0.5; 100]], 22_050).unwrap();
        c.load_into(2, f("a")).unwrap();
        assert_eq!(c.load(f("b")).unwrap(), 0);
        assert_eq!(c.load(f("c")).unwrap(), 1);
        assert_eq!(c.load(f("d")).unwrap(), 3);
        // load_into makes slot 2 the newest: the next load goes to slot 0.
        c.load_into(2, f("e")).unwrap();
        let info = c.slots()[2].fragment.clone().unwrap();
        assert_eq!(
            info,
            FragmentInfo {
                name: "e".into(),
                frames: 100,
                channels: 1,
                sample_rate: 22_050,
                order: 4
            }
        );
        assert_eq!(c.load(f("g")).unwrap(), 0);
        // The replaced fragments come back to this thread once the engine has run.
        run(&mut e, 64);
        assert_eq!(c.collect(), 2);
        assert_eq!(c.collect(), 0);
    }

    #[test]
    fn trigger_plays_the_exact_samples_at_rate_one() {
        let (mut c, mut e) = bank(4, SR).unwrap();
        let frames = 1000;
        c.load(frag(vec![ramp(frames)], 44_100)).unwrap();
        c.trigger(0).unwrap();
        let (l, r) = run(&mut e, 1200);
        let short = e.fade_in_samples() as usize;
        // Fade-in: rising, below the source.
        for (i, w) in l.windows(2).enumerate().take(short - 2).skip(1) {
            assert!(w[1] > w[0] && w[1] < (i + 1) as f32, "{i}: {w:?}");
        }
        // Steady state: the samples exactly, on both sides.
        for i in short..frames - short {
            assert_eq!(l[i], i as f32, "sample {i}");
            assert_eq!(r[i], i as f32, "sample {i}");
        }
        // The end fades to (nearly) zero, then silence.
        assert!(l[frames - 1] < (frames - 1) as f32 / short as f32 + 1e-3);
        assert!(l[frames..].iter().chain(&r[frames..]).all(|&s| s == 0.0));
    }

    #[test]
    fn half_and_quarter_rate_interpolate() {
        for (rate, per_frame) in [(0.5, 2usize), (0.25, 4)] {
            let (mut c, mut e) = bank(4, SR).unwrap();
            let frames = 200;
            c.load(frag(vec![ramp(frames)], 44_100)).unwrap();
            c.set_rate(0, rate).unwrap();
            c.trigger(0).unwrap();
            let (l, _) = run(&mut e, frames * per_frame + 100);
            // Each source frame spans `per_frame` output samples, linearly interpolated.
            for (i, &s) in l
                .iter()
                .enumerate()
                .take((frames - 20) * per_frame)
                .skip(40)
            {
                assert_eq!(s, i as f32 / per_frame as f32, "rate {rate}, sample {i}");
            }
            let end = frames * per_frame;
            assert!(l[end - per_frame - 1] > 0.0);
            assert!(l[end..].iter().all(|&s| s == 0.0), "rate {rate}");
        }
    }

    #[test]
    fn one_shot_ends_once_then_silence() {
        let (mut c, mut e) = bank(2, SR).unwrap();
        c.load(frag(vec![vec![0.25; 300]], 44_100)).unwrap();
        c.trigger(0).unwrap();
        let (l, _) = run(&mut e, 100);
        assert_eq!(l[50], 0.25);
        assert_eq!(events(&mut c), [BankEvent::Started(0)]);
        assert!(c.slots()[0].playing);
        let (l, r) = run(&mut e, 1000);
        assert!(l[250..].iter().chain(&r[250..]).all(|&s| s == 0.0));
        assert_eq!(events(&mut c), [BankEvent::Ended(0)]);
        assert!(!c.slots()[0].playing);
        run(&mut e, 1000);
        assert_eq!(events(&mut c), []);
        // Its handle went back to this thread: only the slot holds the fragment now.
        assert_eq!(c.collect(), 0);
    }

    #[test]
    fn retrigger_crossfades_without_a_jump() {
        let (mut c, mut e) = bank(1, SR).unwrap();
        c.load(frag(vec![vec![1.0; 20_000]], 44_100)).unwrap();
        c.trigger(0).unwrap();
        let mut out = run(&mut e, 1000).0;
        assert_eq!(out[999], 1.0);
        // Retrigger once, then rapidly: every 50 samples, up to 4 voices at once.
        for gap in [1000, 50, 50, 50, 50, 50, 50, 1000] {
            c.trigger(0).unwrap();
            out.extend(run_blocks(&mut e, gap, 50).0);
        }
        let bound = 1.0 / e.fade_in_samples() as f32 + 1.0 / e.fade_out_samples() as f32;
        let jump = max_step(&out[100..]);
        assert!(jump <= bound + 1e-6, "jump {jump} > {bound}");
        // The gains of the voices add up to 1 (it used to rise to 1.75 while the old voice's
        // long fade-out sounded under the new one's short fade-in): a level that does not
        // change stays where it is through every retrigger.
        assert!(
            out[100..].iter().all(|&s| (s - 1.0).abs() < 1e-5),
            "{:?}",
            out.iter()
                .fold((f32::MAX, f32::MIN), |m, &s| (m.0.min(s), m.1.max(s)))
        );
        assert_eq!(*out.last().unwrap(), 1.0);
        // No Ended: the slot never fell silent.
        assert_eq!(events(&mut c), [BankEvent::Started(0)]);
    }

    /// A sine of peak 0.894 (the trial's fragment peaked there), `frames` long, whose period
    /// (97.3 samples) does not divide the fragment: its end does not meet its start.
    fn sine_0894(frames: usize) -> Vec<f32> {
        (0..frames)
            .map(|i| (0.894 * (std::f64::consts::TAU * i as f64 / 97.3).sin()) as f32)
            .collect()
    }

    fn peak(x: &[f32]) -> f32 {
        x.iter().fold(0.0, |m, s| m.max(s.abs()))
    }

    /// Issue 18, item 5: a retrigger crossfades the sounding voice into the new one with gains
    /// that add up to at most 1, so the sum never exceeds the louder of the two (the old
    /// voice's 128-sample fade-out under the new one's 32-sample fade-in peaked at 1.07-1.09
    /// from a fragment peaking at 0.894). Retriggered at every phase of a period, and in quick
    /// succession (several voices fading at once).
    #[test]
    fn a_retrigger_never_exceeds_the_source_peak() {
        let src = sine_0894(20_000);
        let src_peak = peak(&src);
        let src_step = max_step(&src);
        let mut worst = 0.0f32;
        let mut worst_step = 0.0f32;
        for at in (1000..1100).step_by(3) {
            let (mut c, mut e) = bank(1, SR).unwrap();
            c.load(frag(vec![src.clone()], 44_100)).unwrap();
            c.trigger(0).unwrap();
            let mut out = run(&mut e, at).0;
            for gap in [400, 13, 29, 400] {
                c.trigger(0).unwrap();
                out.extend(run_blocks(&mut e, gap, 64).0);
            }
            worst = worst.max(peak(&out));
            worst_step = worst_step.max(max_step(&out[100..]));
        }
        assert!(
            worst <= src_peak + 1e-5,
            "peak {worst} over the source's {src_peak}"
        );
        // a crossfade between two values at most 2 * peak apart over the short fade (along the
        // S-curve, whose steepest step is 15/8 of a straight ramp's)
        let short = bank(1, SR).unwrap().1.fade_in_samples() as f32;
        let bound = src_step + 1.875 * 2.0 * src_peak / short;
        assert!(worst_step <= bound + 1e-5, "step {worst_step} > {bound}");
    }

    /// Issue 18, item 5: `loop 1` that comes while a (retriggered) one-shot is in its end fade
    /// used to drop that fade at once (a jump of 0.43 in the trial); `loop 0` in the last
    /// short fade of a loop pass started one at once. Each toggle at every sample of the end
    /// fade and around it: no step larger than the material's own plus a fade's.
    #[test]
    fn a_loop_toggle_at_a_one_shots_end_does_not_click() {
        let frames = 3000;
        let src = sine_0894(frames);
        let src_peak = peak(&src);
        let src_step = max_step(&src);
        let (_, e) = bank(1, SR).unwrap();
        let short = e.fade_in_samples() as usize;
        let bound = src_step + 2.0 * src_peak / short as f32;
        let mut worst = (0.0f32, 0usize, false);
        let mut top = 0.0f32;
        for on in [true, false] {
            for before in 0..short + 8 {
                let (mut c, mut e) = bank(1, SR).unwrap();
                c.load(frag(vec![src.clone()], 44_100)).unwrap();
                c.set_loop(0, !on).unwrap();
                let mut out = run(&mut e, 500).0;
                // retriggered: the pass that ends is the second voice's
                c.trigger(0).unwrap();
                out.extend(run(&mut e, frames - before).0);
                c.set_loop(0, on).unwrap();
                out.extend(run(&mut e, 2 * frames).0);
                let step = max_step(&out[100..]);
                if step > worst.0 {
                    worst = (step, before, on);
                }
                top = top.max(peak(&out));
            }
        }
        assert!(
            worst.0 <= bound + 1e-5 && top <= src_peak + 1e-5,
            "step {} > {bound} (loop {} {} samples before the end), peak {top}",
            worst.0,
            u8::from(worst.2),
            worst.1
        );
    }

    /// Live replays a device's stored Loop toggle before any fragment is there: the switch is
    /// kept, nothing sounds, a fragment loaded later waits for a trigger and then loops.
    #[test]
    fn a_loop_switched_on_an_empty_slot_is_kept_for_its_fragment() {
        let (mut c, mut e) = bank(4, SR).unwrap();
        c.set_loop(1, true).unwrap();
        assert!(c.slots()[1].looping);
        c.load_into(1, frag(vec![vec![0.5; 1_000]], 44_100))
            .unwrap();
        let (l, _) = run(&mut e, 640);
        assert!(l.iter().all(|&s| s == 0.0), "a load waits for a trigger");
        c.trigger(1).unwrap();
        let (l, _) = run(&mut e, 4_000);
        assert!(l[3_000..].iter().all(|&s| s > 0.4), "looping past its end");
    }

    #[test]
    fn stop_fades_to_exact_zero() {
        let (mut c, mut e) = bank(4, SR).unwrap();
        c.load(frag(vec![vec![0.8; 10_000]], 44_100)).unwrap();
        c.set_loop(0, true).unwrap();
        run(&mut e, 640);
        c.stop(0).unwrap();
        let (l, r) = run(&mut e, 640);
        let long = e.fade_out_samples() as usize;
        assert!(l[0] < 0.8 && l[0] > 0.79);
        assert!(l[..long].windows(2).all(|w| w[1] < w[0]));
        assert_eq!(l[long - 1], 0.0);
        assert!(l[long - 1..]
            .iter()
            .chain(&r[long - 1..])
            .all(|&s| s == 0.0));
        assert_eq!(events(&mut c), [BankEvent::Started(0), BankEvent::Ended(0)]);
        // stop_all the same, and stopping silence is no error.
        c.set_loop(1, false).unwrap();
        c.stop(3).unwrap();
        c.trigger(0).unwrap();
        run(&mut e, 640);
        c.stop_all().unwrap();
        let (l, _) = run(&mut e, 640);
        assert!(l[long - 1..].iter().all(|&s| s == 0.0));
    }

    #[test]
    fn loop_crossfade_is_continuous_and_keeps_going() {
        let (mut c, mut e) = bank(4, SR).unwrap();
        // 441 Hz: 100 samples a period; 1025 frames end a quarter period past a whole number,
        // at the sine's top, so the raw wrap jumps by about 1.
        let frames = 1025;
        let sine: Vec<f32> = (0..frames)
            .map(|i| (std::f64::consts::TAU * i as f64 / 100.0).sin() as f32)
            .collect();
        let raw_jump = (sine[frames - 1] - sine[0]).abs();
        assert!(raw_jump > 0.99);
        c.load(frag(vec![sine.clone()], 44_100)).unwrap();
        c.set_loop(0, true).unwrap();
        let loops = 40;
        let (l, _) = run(&mut e, frames * loops);
        // A sine's own step is at most 2 pi / 100 = 0.063; the seam adds at most 1/32.
        let jump = max_step(&l);
        assert!(jump < 0.1, "largest step {jump} (raw wrap {raw_jump})");
        // The loop lasts exactly its length: away from the seam, every pass is the source.
        let short = e.fade_in_samples() as usize;
        for pass in 1..loops {
            for i in (short..frames).step_by(7) {
                assert_eq!(l[pass * frames + i], sine[i], "pass {pass}, frame {i}");
            }
        }
        assert_eq!(events(&mut c), [BankEvent::Started(0)]);
        // Switching the loop off lets the pass finish, then the slot ends.
        c.set_loop(0, false).unwrap();
        let (l, _) = run(&mut e, frames * 2);
        assert!(l[frames..].iter().all(|&s| s == 0.0));
        assert_eq!(events(&mut c), [BankEvent::Ended(0)]);
    }

    #[test]
    fn loop_period_holds_at_other_rates() {
        // A marker frame in a 1000-frame loop at 22.05 kHz, played at 0.5 in a 44.1k engine:
        // 4 output samples a frame, a marker every 4000 samples, forever.
        let (mut c, mut e) = bank(4, SR).unwrap();
        let mut x = vec![0.0; 1000];
        x[500] = 1.0;
        c.load(frag(vec![x], 22_050)).unwrap();
        c.set_rate(0, 0.5).unwrap();
        c.set_loop(0, true).unwrap();
        let (l, _) = run(&mut e, 4000 * 25);
        for k in 0..25 {
            assert_eq!(l[2000 + 4000 * k], 1.0, "pass {k}");
            assert_eq!(l[2002 + 4000 * k], 0.5, "pass {k}");
        }
        // Around each marker: 0.25, 0.5, 0.75, 1, 0.75, 0.5, 0.25, and nothing else.
        let energy: f32 = l.iter().map(|s| s * s).sum();
        assert!((energy - 25.0 * 2.75).abs() < 1e-3, "{energy}");
    }

    #[test]
    fn tiny_fragments_use_shorter_fades() {
        let (mut c, mut e) = bank(4, SR).unwrap();
        c.load(frag(vec![vec![1.0; 10]], 44_100)).unwrap();
        c.load(frag(vec![vec![1.0; 1]], 44_100)).unwrap();
        c.set_loop(0, true).unwrap();
        c.trigger(1).unwrap();
        let (l, _) = run(&mut e, 200);
        // The 1-frame one-shot plays its frame; the 10-frame loop reaches full level (its
        // fade-in is 5 samples: smooth(1/5) = 0.05792 at the first).
        assert!((l[0] - 1.05792).abs() < 1e-5, "{}", l[0]);
        assert_eq!(l[100], 1.0);
        assert!(l.iter().all(|s| s.is_finite() && *s <= 1.2 + 1e-6));
    }

    #[test]
    fn mono_plays_both_sides_stereo_keeps_them_apart() {
        let (mut c, mut e) = bank(4, SR).unwrap();
        c.load(frag(vec![vec![0.5; 1000]], 44_100)).unwrap();
        c.trigger(0).unwrap();
        let (l, r) = run(&mut e, 1000);
        assert_eq!(l, r);
        assert_eq!(l[500], 0.5);
        c.load(frag(vec![vec![0.25; 1000], vec![-0.75; 1000]], 44_100))
            .unwrap();
        c.trigger(1).unwrap();
        let (l, r) = run(&mut e, 500);
        assert_eq!((l[200], r[200]), (0.25, -0.75));
        // Gain scales both sides, after a glide.
        c.set_gain(1, 2.0).unwrap();
        let (l, r) = run(&mut e, 300);
        assert!(l[10] > 0.25 && l[10] < 0.5);
        assert_eq!((l[200], r[200]), (0.5, -1.5));
    }

    #[test]
    fn sample_rate_mismatch_resamples() {
        // The last sounding sample of a 1000-frame one-shot, by fragment and host rate.
        let last_sound = |frag_rate: u32, host_rate: f64| {
            let (mut c, mut e) = bank(4, host_rate).unwrap();
            c.load(frag(vec![vec![1.0; 1000]], frag_rate)).unwrap();
            c.trigger(0).unwrap();
            let (l, _) = run(&mut e, 4000);
            l.iter().rposition(|&s| s != 0.0).unwrap()
        };
        assert_eq!(last_sound(44_100, 44_100.0), 999);
        assert_eq!(last_sound(22_050, 44_100.0), 1999);
        assert_eq!(last_sound(88_200, 44_100.0), 499);
        // The engine's own rate can change under a sounding slot (DSP restart).
        let (mut c, mut e) = bank(4, 44_100.0).unwrap();
        c.load(frag(vec![vec![1.0; 1000]], 44_100)).unwrap();
        c.trigger(0).unwrap();
        run(&mut e, 500);
        e.set_sample_rate(88_200.0).unwrap();
        let (l, _) = run(&mut e, 2000);
        assert_eq!(l.iter().rposition(|&s| s != 0.0), Some(999));
    }

    #[test]
    fn block_size_does_not_change_the_sound() {
        let play = |block: usize| {
            let (mut c, mut e) = bank(4, 48_000.0).unwrap();
            let noise: Vec<f32> = (0..3000u32)
                .map(|i| ((i.wrapping_mul(2_654_435_761) >> 16) as f32 / 65_536.0) - 0.5)
                .collect();
            c.load(frag(vec![noise.clone(), noise], 44_100)).unwrap();
            c.load(frag(vec![ramp(777)], 32_000)).unwrap();
            c.set_rate(0, 0.5).unwrap();
            c.set_loop(0, true).unwrap();
            c.set_loop(1, true).unwrap();
            run_blocks(&mut e, 20_000, block)
        };
        let reference = play(64);
        for block in [1, 7, 128, 1000] {
            assert_eq!(play(block), reference, "block {block}");
        }
    }

    #[test]
    fn full_command_queue_is_an_error() {
        let (mut c, mut e) = bank(4, SR).unwrap();
        for _ in 0..COMMAND_QUEUE_CAPACITY {
            c.set_gain(0, 0.5).unwrap();
        }
        let err = c.set_gain(0, 0.25).unwrap_err();
        assert!(err.to_string().contains("command queue is full"), "{err}");
        // Refused requests leave the mirror as it was.
        assert_eq!(c.slots()[0].gain, 0.5);
        assert!(c.load(frag(vec![vec![0.0; 4]], 44_100)).is_err());
        assert!(c.slots()[0].fragment.is_none());
        // Once the engine has run, there is room again.
        run(&mut e, 64);
        c.set_gain(0, 0.25).unwrap();
        assert_eq!(c.slots()[0].gain, 0.25);
    }

    #[test]
    fn bad_requests_are_errors() {
        let (mut c, _e) = bank(4, SR).unwrap();
        let msg = |r: Result<()>| r.unwrap_err().to_string();
        assert_eq!(
            msg(c.trigger(4)),
            "slot 4 is out of range (this bank has slots 0..=3)"
        );
        assert_eq!(msg(c.trigger(0)), "slot 0 is empty");
        assert_eq!(
            msg(c.set_loop(4, true)),
            "slot 4 is out of range (this bank has slots 0..=3)"
        );
        assert!(c.load_into(9, frag(vec![vec![0.0]], 8_000)).is_err());
        for rate in [f64::NAN, 0.0, -1.0, 4.5, f64::INFINITY] {
            assert!(msg(c.set_rate(0, rate)).starts_with(&format!("rate {rate} is out of range")));
        }
        for gain in [f32::NAN, -0.1, 5.0] {
            assert!(msg(c.set_gain(0, gain)).contains("out of range"));
        }
        assert!(c
            .set_rate(9, 1.0)
            .unwrap_err()
            .to_string()
            .contains("slot 9"));
        // Nothing reached the mirror.
        assert_eq!(c.slots()[0], SlotInfo::new());
        for (slots, rate) in [(0, SR), (65, SR), (4, f64::NAN), (4, 0.0), (4, 1e9)] {
            assert!(bank(slots, rate).is_err(), "{slots} slots at {rate}");
        }
        assert_eq!(bank(64, 8_000.0).unwrap().0.slot_count(), 64);
    }

    #[test]
    fn fragments_are_checked() {
        let err = |channels: Vec<Vec<f32>>, rate: u32| {
            Fragment::new("kick", channels, rate)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err(vec![], 44_100),
            "fragment \"kick\": 0 channels (mono or stereo only)"
        );
        assert!(err(vec![vec![0.0]; 3], 44_100).contains("3 channels"));
        assert_eq!(
            err(vec![vec![0.0; 3], vec![0.0; 2]], 44_100),
            "fragment \"kick\": channels of different lengths (3 and 2 frames)"
        );
        assert!(err(vec![vec![]], 44_100).contains("no audio"));
        assert_eq!(
            err(vec![vec![0.0], vec![f32::NAN]], 44_100),
            "fragment \"kick\": sample 0 of channel 1 is NaN (samples must be finite)"
        );
        assert!(err(vec![vec![f32::INFINITY]], 44_100).contains("inf"));
        assert!(err(vec![vec![0.0]], 7_999).contains("sample rate 7999 Hz is out of range"));
        assert!(err(vec![vec![0.0]], 384_001).contains("out of range"));
        let f = Fragment::new("ok", vec![vec![0.0; 4410]; 2], 44_100).unwrap();
        assert_eq!(
            (f.frames(), f.channel_count(), f.sample_rate()),
            (4410, 2, 44_100)
        );
        assert_eq!((f.name(), f.duration_secs()), ("ok", 0.1));
        assert_eq!(f.channel(1).unwrap().len(), 4410);
        assert!(f.channel(2).is_none());
    }

    #[test]
    fn fragments_from_wav_files() {
        use crate::wav::{write_wav, WavFormat};
        let dir = std::env::temp_dir().join(format!("bm-fragbank-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("Loop 1.wav");
        let audio = Audio {
            sample_rate: 48_000,
            channels: vec![vec![0.5, -0.5, 0.25], vec![0.0, 0.125, 1.0]],
        };
        write_wav(&path, &audio, WavFormat::Float32).unwrap();
        let f = Fragment::from_wav(&path).unwrap();
        assert_eq!(f.name(), "Loop 1");
        assert_eq!(f.sample_rate(), 48_000);
        assert_eq!(f.channel(1).unwrap(), [0.0, 0.125, 1.0]);
        // A rate the bank does not take names the file.
        let low = dir.join("low.wav");
        let audio = Audio {
            sample_rate: 4_000,
            channels: vec![vec![0.0; 8]],
        };
        write_wav(&low, &audio, WavFormat::Int16).unwrap();
        let err = Fragment::from_wav(&low).unwrap_err().to_string();
        assert!(err.starts_with(&low.display().to_string()), "{err}");
        assert!(err.contains("4000 Hz"), "{err}");
        let missing = Fragment::from_wav(&dir.join("none.wav")).unwrap_err();
        assert!(missing.to_string().contains("none.wav"), "{missing}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_new_fragment_fades_the_old_one_out() {
        let (mut c, mut e) = bank(1, SR).unwrap();
        let old = Arc::new(frag(vec![vec![1.0; 10_000]], 44_100));
        c.load(Arc::clone(&old)).unwrap();
        c.set_loop(0, true).unwrap();
        run(&mut e, 1000);
        c.load(frag(vec![vec![-1.0; 10_000]], 44_100)).unwrap();
        let (l, _) = run(&mut e, 1000);
        let long = e.fade_out_samples() as usize;
        // The S-curve's steepest step is 15/8 of a straight ramp's, in its middle.
        assert!(max_step(&l) <= 1.875 / long as f32 + 1e-6);
        assert!(l[long - 1..].iter().all(|&s| s == 0.0));
        assert_eq!(events(&mut c), [BankEvent::Started(0), BankEvent::Ended(0)]);
        // The loop switch stayed on: a trigger loops the new fragment.
        assert!(c.slots()[0].looping);
        c.trigger(0).unwrap();
        let (l, _) = run(&mut e, 30_000);
        assert_eq!(l[29_999], -1.0);
        // Both the slot's and the voice's handles on the old fragment came back to this thread
        // and were dropped here: only ours is left.
        c.collect();
        assert_eq!(Arc::strong_count(&old), 1);
    }

    #[test]
    fn halves_can_move_to_their_threads() {
        fn is_send<T: Send>() {}
        is_send::<BankControl>();
        is_send::<BankEngine>();
        let (mut c, mut e) = bank(4, SR).unwrap();
        c.load(frag(vec![vec![0.5; 100_000]], 44_100)).unwrap();
        c.set_loop(0, true).unwrap();
        let audio = std::thread::spawn(move || run(&mut e, 44_100).0);
        let l = audio.join().unwrap();
        assert_eq!(l[44_000], 0.5);
        assert_eq!(events(&mut c), [BankEvent::Started(0)]);
    }
}
