//! Every bandmate object in Max, written once over the core's [`Object`] contract: one class
//! per registry [`Entry`], made from its declaration. No object or message name here: this
//! file only translates atoms, drives Max's clocks and transport, and writes outlets, `buffer~`s
//! and MSP's signal vectors.
//!
//! - Inlet: every declared message; `bang`, `int`, `float` and a list are what the declaration
//!   says they stand for ([`ObjectDecl::bare_selector`]), else refused with a hint.
//! - Signal inlets as declared (`z_dsp_setup`): the left one takes every message too; their
//!   vectors are the [`Engine`]'s inputs in `perform64`.
//! - Outlets as declared: signal outlets are filled by the object's [`Engine`] in `perform64`;
//!   notes leave by the notes outlet (int lists for [midiformat]/[noteout]), messages for
//!   another object by the message outlet, everything else by the last control outlet. `assist` shows each outlet's doc.
//! - Declared attributes are Max attributes (`@tempo 96`, the inspector, `getattr`), set
//!   through the same messages.
//! - An object that follows a transport ([`Object::follows_transport`]) reads Max's global
//!   transport while it runs.
//! - `render NAME` is written into buffer~ NAME on the main thread (a qelem); `array NAME`
//!   reads buffer~ NAME.

use std::ffi::{c_char, c_long, c_short, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

use bandmate_core::objects::shell::{HostIo, Shell};
use bandmate_core::objects::{Atom, Engine, Entry, ObjectDecl, Options};
use bandmate_core::wav::Audio;

use crate::attrs;
use crate::buffers::Buffers;
use crate::dicts;
use crate::max::{self, t_atom, t_object, t_pxobject, t_symbol};
use crate::method;

/// How often Max's transport is read while the object follows it (ms of scheduler time).
pub const TRANSPORT_POLL_MS: f64 = 10.0;

/// When a clock finds the object busy on the main thread (a render, a long message), it
/// tries again this much later (ms) instead of waiting: the scheduler never waits for main.
pub const BUSY_RETRY_MS: f64 = 1.0;

/// Most signal outlets an object may declare.
const MAX_SIGNALS: usize = 8;

/// What the console says when two threads are found inside one object's state at once: a
/// bug (the state is protected by a lock; this sentinel stays as a tripwire).
pub const TORN: &str =
    "two threads inside the object at once: its state may be torn (a bug: please report it)";

/// Debug builds only, for the stress test: with `BANDMATE_MAX_WIDE_SENTINEL=1` the sentinel is
/// raised before the lock is asked for and lowered after it is given back, so it reports every
/// time two threads *want* one object's state at once. The stress test turns it on to show that
/// its threads really meet at the lock, so that "nothing torn" without it means something. The
/// lock is still taken: nothing runs unprotected.
fn wide_sentinel() -> bool {
    #[cfg(debug_assertions)]
    {
        static WIDE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
        *WIDE.get_or_init(|| {
            std::env::var_os("BANDMATE_MAX_WIDE_SENTINEL").is_some_and(|v| v == "1")
        })
    }
    #[cfg(not(debug_assertions))]
    {
        false
    }
}

/// One registered class: its entry and its attribute table.
struct Class {
    class: usize,
    entry: &'static Entry,
    attrs: &'static attrs::Table,
}

/// The classes made so far (found again by name in `new`).
static CLASSES: Mutex<Vec<Class>> = Mutex::new(Vec::new());

fn class_named(name: &str) -> Option<(usize, &'static Entry, &'static attrs::Table)> {
    let classes = CLASSES.lock().unwrap_or_else(|e| e.into_inner());
    classes
        .iter()
        .find(|c| c.entry.decl.name == name)
        .map(|c| (c.class, c.entry, c.attrs))
}

/// The object's half that takes messages: reached from Max's main thread (UI, renders, DSP
/// setup) and its scheduler thread (clocks, MIDI, the transport with Overdrive on), always
/// under the object's lock ([`with_state`]).
struct State {
    shell: Shell,
    /// `render NAME`s waiting for the render qelem (main thread).
    renders: Vec<String>,
    /// Whether Max's transport ran at the last look.
    transport_running: bool,
}

/// The signal half, for the audio thread: `perform64` only ever `try_lock`s it (never waits;
/// silence for that vector when `dsp64` on the main thread holds it).
struct AudioSide {
    engine: Option<Box<dyn Engine>>,
    /// The engine renders 32-bit floats; MSP wants doubles. Grown in `dsp64` under the lock,
    /// never while `perform64` reads it.
    scratch: Vec<Vec<f32>>,
    /// The signal inlets' vectors as 32-bit floats, grown in `dsp64` the same way.
    inputs: Vec<Vec<f32>>,
}

/// A message that arrived on the scheduler thread while the state was busy: taken by the next
/// thread that gets the lock, before its own work.
enum Pending {
    Message(String, Vec<Atom>),
    Numbers(Vec<Atom>, bool),
}

#[repr(C)]
pub struct MaxObject {
    ob: t_pxobject,
    entry: *const Entry,
    state: *mut Mutex<State>,
    audio: *mut Mutex<AudioSide>,
    inbox: *mut Mutex<Vec<Pending>>,
    /// The last dictionary sent (kept until the next goes).
    dicts: *mut Mutex<dicts::Sent>,
    attrs: *const attrs::Table,
    /// Notes leave here (the declared notes outlet; null if none).
    notes: *mut c_void,
    /// Info lines and errors leave here (the last control outlet).
    info: *mut c_void,
    /// Messages for another object leave here (the declared message outlet; null if none).
    msgs: *mut c_void,
    /// Wakes the object for its next note or worker result.
    clock: *mut c_void,
    /// Reads Max's transport.
    transport_clock: *mut c_void,
    /// Runs the queued renders on the main thread (freed, so cancelled, in `free`).
    render_q: *mut c_void,
    signals: usize,
    /// Signal inlets (`z_dsp_setup`'s count).
    inlets: usize,
    buffers: *mut Buffers,
    /// Sentinels: set while a thread is inside the state / the audio side.
    inside: AtomicBool,
    audio_inside: AtomicBool,
    /// `perform64` found `dsp64` inside the audio side (reported on the main thread).
    audio_torn: AtomicBool,
    /// Attribute values as Max reads them (one per declared attribute, in order).
    attr_slots: [attrs::Slot; attrs::MAX],
}

/// What the shell sends, held while the lock is: sent once it is released, since a
/// downstream object may send a message straight back into this one.
enum Sent {
    Notes(Vec<i64>),
    Info(String, Vec<Atom>),
    Message(String, Vec<Atom>),
    Error(String),
}

/// The patcher as the shell reaches it under the lock: outputs buffered, renders queued,
/// `buffer~`s read and written.
struct Io<'a> {
    ob: *mut t_object,
    buffers: &'a Buffers,
    out: Vec<Sent>,
    renders: Vec<String>,
}

impl HostIo for Io<'_> {
    fn notes(&mut self, list: &[i64]) {
        self.out.push(Sent::Notes(list.to_vec()));
    }
    fn info(&mut self, selector: &str, args: &[Atom]) {
        self.out
            .push(Sent::Info(selector.to_string(), args.to_vec()));
    }
    fn send(&mut self, selector: &str, args: &[Atom]) {
        self.out
            .push(Sent::Message(selector.to_string(), args.to_vec()));
    }
    fn console_error(&mut self, text: &str) {
        self.out.push(Sent::Error(text.to_string()));
    }
    /// buffer~ is resized and written on the main thread only: the render is queued for the
    /// render qelem.
    fn render_rate(&mut self, name: &str) -> Result<Option<u32>, String> {
        self.renders.push(name.to_string());
        Ok(None)
    }
    fn write_render(&mut self, name: &str, audio: &Audio) -> Result<usize, String> {
        self.buffers.write(self.ob, name, &audio.channels)
    }
    fn read_array(&mut self, name: &str) -> Result<(Vec<Vec<f32>>, u32), String> {
        let (chans, sr) = self.buffers.read(self.ob, name)?;
        Ok((chans, sr.round() as u32))
    }
    /// Max's search path (`locatefile_extended`); folders are left to the package's own.
    fn find(&mut self, relative: &str) -> Option<std::path::PathBuf> {
        max::locate(relative)
    }
}

fn relock<'a, T>(r: std::sync::LockResult<MutexGuard<'a, T>>) -> MutexGuard<'a, T> {
    r.unwrap_or_else(|e| e.into_inner())
}

impl MaxObject {
    fn ob(&mut self) -> *mut t_object {
        &mut self.ob.z_ob
    }

    fn decl(&self) -> &'static ObjectDecl {
        // SAFETY: set in `new` from a `&'static Entry`.
        unsafe { (*self.entry).decl }
    }

    fn name(&self) -> &'static str {
        self.decl().name
    }
}

/// Whether this call comes from Max's scheduler thread (Overdrive on): then the state is only
/// tried, never waited for.
fn on_scheduler() -> bool {
    // SAFETY: asks Max which thread this is.
    unsafe { max::isr() != 0 }
}

/// Run `f` on the object's state under its lock, then — the lock released — queue the renders
/// it asked for and send what it produced. `wait`: block for the lock (main thread), else
/// give up (`None`) when another thread holds it. Whoever gets the lock first takes the
/// messages that arrived on the scheduler while it was busy.
unsafe fn with_state<R>(
    x: *mut MaxObject,
    wait: bool,
    f: impl FnOnce(&mut State, &mut Io) -> R,
) -> Option<R> {
    let state = &*(*x).state;
    let wide = wide_sentinel();
    // Wide: raised before the lock is asked for (see `wide_sentinel`).
    let wide_alone = wide && !(*x).inside.swap(true, Ordering::AcqRel);
    let mut guard = if wait {
        relock(state.lock())
    } else {
        match state.try_lock() {
            Ok(g) => g,
            Err(TryLockError::Poisoned(e)) => e.into_inner(),
            Err(TryLockError::WouldBlock) => {
                if wide_alone {
                    (*x).inside.store(false, Ordering::Release);
                }
                return None;
            }
        }
    };
    let mut io = Io {
        ob: (*x).ob(),
        buffers: &*(*x).buffers,
        out: Vec::new(),
        renders: Vec::new(),
    };
    let alone = if wide {
        wide_alone
    } else {
        !(*x).inside.swap(true, Ordering::AcqRel)
    };
    if !alone {
        io.out.push(Sent::Error(format!("{}: {TORN}", (*x).name())));
    }
    if (*x).audio_torn.swap(false, Ordering::AcqRel) {
        io.out.push(Sent::Error(format!(
            "{}: the audio thread ran while dsp64 changed the signal half: {TORN}",
            (*x).name()
        )));
    }
    let pending = std::mem::take(&mut *relock((*(*x).inbox).lock()));
    let had_pending = !pending.is_empty();
    for p in pending {
        let now = max::now();
        let wake = match p {
            Pending::Message(sel, args) => guard.shell.message(now, &sel, &args, &mut io).1,
            Pending::Numbers(args, list) => guard.shell.numbers(now, &args, list, &mut io),
        };
        set_clock(x, wake, now);
    }
    if had_pending {
        refresh_attrs(x, &guard.shell);
    }
    let r = f(&mut guard, &mut io);
    if alone && !wide {
        (*x).inside.store(false, Ordering::Release);
    }
    let render = !io.renders.is_empty();
    guard.renders.append(&mut io.renders);
    drop(guard);
    if wide_alone {
        (*x).inside.store(false, Ordering::Release);
    }
    if render {
        max::qelem_set((*x).render_q);
    }
    // A scheduler message queued after this thread's last look: take it soon.
    if !relock((*(*x).inbox).lock()).is_empty() {
        max::clock_fdelay((*x).clock, 0.0);
    }
    send(x, io.out);
    Some(r)
}

/// Out of the outlets and onto the console, in order, with no lock held.
unsafe fn send(x: *mut MaxObject, out: Vec<Sent>) {
    for s in out {
        match s {
            Sent::Notes(list) => max::send_longs((*x).notes, &list),
            Sent::Info(sel, args) => max::send((*x).info, &sel, &args),
            Sent::Message(sel, args) => match dictionary_json(&sel, &args) {
                // sent with no lock held (a patch may send it straight back in), then kept
                Some(json) => match dicts::Sent::make(json) {
                    Ok((d, name)) => {
                        dicts::Sent::send((*x).msgs, name);
                        relock((*(*x).dicts).lock()).keep(d);
                    }
                    Err(e) => max::error((*x).ob(), &format!("{}: {e}", (*x).name())),
                },
                None => max::send((*x).msgs, &sel, &args),
            },
            Sent::Error(text) => max::error((*x).ob(), &text),
        }
    }
}

/// A `dictionary JSON` message for another object: its JSON (it leaves as a dictionary).
fn dictionary_json<'a>(selector: &str, args: &'a [Atom]) -> Option<&'a str> {
    match (selector, args) {
        ("dictionary", [Atom::Symbol(json)]) if json.starts_with('{') => Some(json),
        _ => None,
    }
}

/// Set the clock for the object's next wake-up (under the state's lock, so the latest
/// wake-up always wins).
unsafe fn set_clock(x: *mut MaxObject, at: Option<f64>, now: f64) {
    match at {
        Some(t) => max::clock_fdelay((*x).clock, (t - now).max(0.0)),
        None => max::clock_unset((*x).clock),
    }
}

/// Write every attribute slot from the object's current values (under the state's lock).
unsafe fn refresh_attrs(x: *mut MaxObject, shell: &Shell) {
    let table = &*(*x).attrs;
    table.refresh(&(*x).attr_slots, |n| shell.object.attribute(n));
}

/// Hand a message to the object (refusals reported), then reschedule. On the scheduler with
/// the state busy, the message waits in the inbox for the next thread that gets the lock (at
/// the latest the clock, re-armed for [`BUSY_RETRY_MS`]).
unsafe fn message(x: *mut MaxObject, selector: &str, args: &[Atom], attr: bool) -> bool {
    let r = with_state(x, !on_scheduler(), |st, io| {
        let now = max::now();
        let (ok, wake) = st.shell.message(now, selector, args, io);
        set_clock(x, wake, now);
        if attr {
            refresh_attrs(x, &st.shell);
        }
        ok
    });
    r.unwrap_or_else(|| {
        postpone(x, Pending::Message(selector.to_string(), args.to_vec()));
        true
    })
}

/// A bare number, a bang (no atoms) or a list, as the declaration reads them.
unsafe fn numbers(x: *mut MaxObject, args: &[Atom], list: bool) {
    let r = with_state(x, !on_scheduler(), |st, io| {
        let now = max::now();
        let wake = st.shell.numbers(now, args, list, io);
        set_clock(x, wake, now);
    });
    if r.is_none() {
        postpone(x, Pending::Numbers(args.to_vec(), list));
    }
}

unsafe fn postpone(x: *mut MaxObject, p: Pending) {
    relock((*(*x).inbox).lock()).push(p);
    max::clock_fdelay((*x).clock, BUSY_RETRY_MS);
}

/// Tell the object where Max's transport is; start or stop with it (under the lock).
unsafe fn follow_transport(x: *mut MaxObject, st: &mut State, io: &mut Io) {
    let itm = max::itm_getglobal();
    if itm.is_null() {
        return;
    }
    let (running, bpm, beats) = (
        max::itm_getstate(itm) != 0,
        max::itm_gettempo(itm),
        max::itm_getticks(itm) / max::TICKS_PER_BEAT,
    );
    if !running && !st.transport_running {
        return;
    }
    st.transport_running = running;
    let now = max::now();
    let wake = st.shell.transport(now, running, bpm, beats, io);
    set_clock(x, wake, now);
}

unsafe extern "C" fn new(s: *mut t_symbol, argc: c_long, argv: *mut t_atom) -> *mut c_void {
    let name = max::name(s);
    max::guard(std::ptr::null_mut(), &name, std::ptr::null_mut(), || {
        let Some((class, entry, table)) = class_named(&name) else {
            return std::ptr::null_mut();
        };
        let options = Options {
            plugin_dir: crate::package_dir(),
            load_default: true,
            ..Options::default()
        };
        // Positional arguments (before the first @attribute) as the declaration says; the
        // attributes themselves go through Max's attribute setters.
        let ac = argc.clamp(0, c_long::from(c_short::MAX)) as c_short;
        let positional = max::atoms_in(max::attr_args_offset(ac, argv), argv);
        let sr = max::sys_getsr().max(0.0).round() as u32;
        let mut shell = match Shell::create(entry, &options, &positional, sr, max::patcher_dir()) {
            Ok(s) => s,
            Err(e) => {
                max::error(std::ptr::null_mut(), &format!("{name}: {e}"));
                return std::ptr::null_mut();
            }
        };
        let x = max::object_alloc(class as *mut c_void) as *mut MaxObject;
        if x.is_null() {
            return std::ptr::null_mut();
        }
        let signals = entry.decl.outlets.iter().filter(|o| o.signal).count();
        let inlets = entry.decl.signal_inlets.min(MAX_SIGNALS);
        if signals + inlets > 0 {
            max::z_dsp_setup(&mut (*x).ob, inlets as c_long);
            (*x).ob.z_misc |= max::Z_NO_INPLACE;
        }
        // Outlets are created right to left. The rightmost is Max's dumpout outlet: Max sends
        // `getattr` answers (`tempo 120`) out of it, through the class's "dumpout" method.
        let dumpout = max::outlet_new(x as *mut c_void, std::ptr::null());
        max::object_obex_store(x as *mut c_void, max::sym("dumpout"), dumpout);
        (*x).notes = std::ptr::null_mut();
        (*x).info = std::ptr::null_mut();
        (*x).msgs = std::ptr::null_mut();
        for o in entry.decl.outlets.iter().rev() {
            if o.signal {
                max::outlet_new(x as *mut c_void, c"signal".as_ptr());
            } else if o.notes {
                (*x).notes = max::outlet_new(x as *mut c_void, c"list".as_ptr());
            } else if o.messages {
                (*x).msgs = max::outlet_new(x as *mut c_void, std::ptr::null());
            } else if (*x).info.is_null() {
                (*x).info = max::outlet_new(x as *mut c_void, std::ptr::null());
            } else {
                max::outlet_new(x as *mut c_void, std::ptr::null());
            }
        }
        (*x).entry = entry;
        (*x).attrs = table;
        (*x).signals = signals.min(MAX_SIGNALS);
        (*x).inlets = inlets;
        (*x).clock = max::clock_new(
            x as *mut c_void,
            method!(tick, unsafe extern "C" fn(*mut MaxObject)),
        );
        (*x).transport_clock = max::clock_new(
            x as *mut c_void,
            method!(transport_tick, unsafe extern "C" fn(*mut MaxObject)),
        );
        (*x).render_q = max::qelem_new(
            x as *mut c_void,
            method!(render_queued, unsafe extern "C" fn(*mut MaxObject)),
        );
        // The signal half goes to the audio side: perform64 never waits for the state.
        let engine = shell.engine.take();
        (*x).audio = Box::into_raw(Box::new(Mutex::new(AudioSide {
            engine,
            scratch: vec![Vec::new(); signals.min(MAX_SIGNALS)],
            inputs: vec![Vec::new(); inlets],
        })));
        (*x).inbox = Box::into_raw(Box::new(Mutex::new(Vec::new())));
        (*x).dicts = Box::into_raw(Box::new(Mutex::new(dicts::Sent::default())));
        (*x).buffers = Box::into_raw(Box::new(Buffers::default()));
        std::ptr::write(&mut (*x).inside, AtomicBool::new(false));
        std::ptr::write(&mut (*x).audio_inside, AtomicBool::new(false));
        std::ptr::write(&mut (*x).audio_torn, AtomicBool::new(false));
        refresh_attrs(x, &shell);
        (*x).state = Box::into_raw(Box::new(Mutex::new(State {
            shell,
            renders: Vec::new(),
            transport_running: false,
        })));
        // @attributes: Max calls our setter for each.
        max::attr_args_process(x as *mut c_void, ac, argv);
        // Whatever creation produced (the default model loading) goes out on the first tick.
        max::clock_fdelay((*x).clock, 0.0);
        max::clock_fdelay((*x).transport_clock, 0.0);
        x as *mut c_void
    })
}

unsafe extern "C" fn free(x: *mut MaxObject) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        if (*x).signals + (*x).inlets > 0 {
            // Off the DSP chain first: no perform routine uses the engine after this.
            max::z_dsp_free(&mut (*x).ob);
        }
        max::object_free((*x).clock);
        max::object_free((*x).transport_clock);
        // Freeing the qelem cancels a render still queued (defer_low could not be).
        max::qelem_free((*x).render_q);
        if (*x).audio_torn.load(Ordering::Acquire) {
            max::error(
                (*x).ob(),
                &format!(
                    "{}: the audio thread ran while dsp64 changed the signal half: {TORN}",
                    (*x).name()
                ),
            );
        }
        drop(Box::from_raw((*x).state));
        drop(Box::from_raw((*x).audio));
        drop(Box::from_raw((*x).inbox));
        relock((*(*x).dicts).lock()).free();
        drop(Box::from_raw((*x).dicts));
        drop(Box::from_raw((*x).buffers));
    })
}

unsafe extern "C" fn tick(x: *mut MaxObject) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        let done = with_state(x, !on_scheduler(), |st, io| {
            let now = max::now();
            // The transport first: no note leaves after Live has stopped.
            if st.transport_running && st.shell.object.follows_transport() {
                follow_transport(x, st, io);
            }
            let wake = st.shell.tick(now, io);
            set_clock(x, wake, now);
        });
        if done.is_none() {
            // Busy on the main thread (a render): a note due now leaves up to this much late.
            max::clock_fdelay((*x).clock, BUSY_RETRY_MS);
        }
    })
}

unsafe extern "C" fn transport_tick(x: *mut MaxObject) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        let done = with_state(x, !on_scheduler(), |st, io| {
            if st.shell.object.follows_transport() {
                follow_transport(x, st, io);
            }
        });
        let delay = if done.is_some() {
            TRANSPORT_POLL_MS
        } else {
            BUSY_RETRY_MS
        };
        max::clock_fdelay((*x).transport_clock, delay);
    })
}

/// The render qelem (main thread): every `render NAME` queued since it last ran.
unsafe extern "C" fn render_queued(x: *mut MaxObject) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        with_state(x, true, |st, io| {
            for name in std::mem::take(&mut st.renders) {
                match io.buffers.sample_rate(io.ob, &name) {
                    Ok(sr) => st.shell.render(&name, sr.round() as u32, io),
                    Err(e) => st.shell.report(io, &format!("render: {e}")),
                }
            }
        });
    })
}

unsafe extern "C" fn anything(
    x: *mut MaxObject,
    s: *mut t_symbol,
    argc: c_long,
    argv: *mut t_atom,
) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        let sel = max::name(s);
        let args = max::atoms_in(argc, argv);
        // a dictionary's name: its contents, as JSON
        match dicts::resolve((*x).decl(), &sel, &args) {
            Ok(args) => {
                message(x, &sel, &args, false);
            }
            Err(e) => max::error((*x).ob(), &format!("{}: {e}", (*x).name())),
        }
    })
}

unsafe extern "C" fn list(x: *mut MaxObject, _s: *mut t_symbol, argc: c_long, argv: *mut t_atom) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        let args = max::atoms_in(argc, argv);
        numbers(x, &args, true);
    })
}

unsafe extern "C" fn bang(x: *mut MaxObject) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        numbers(x, &[], false);
    })
}

unsafe extern "C" fn int(x: *mut MaxObject, n: max::t_atom_long) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        numbers(x, &[Atom::Float(n as f64)], false);
    })
}

unsafe extern "C" fn float(x: *mut MaxObject, f: f64) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        numbers(x, &[Atom::Float(f)], false);
    })
}

unsafe extern "C" fn notify(
    x: *mut MaxObject,
    s: *mut t_symbol,
    msg: *mut t_symbol,
    sender: *mut c_void,
    data: *mut c_void,
) -> max::t_max_err {
    max::guard(x as *mut t_object, (*x).name(), 0, || {
        (*(*x).buffers).notify(s, msg, sender, data)
    })
}

/// Max's assist strings hold 500 bytes, the NUL included (`ASSIST_STRING_MAXSIZE`).
pub const ASSIST_MAX: usize = 500;

/// How many bytes of `text` an assist string takes: all of it, or at most 499 (room for the
/// NUL), cut where a character starts.
pub fn assist_len(text: &str) -> usize {
    let mut n = text.len().min(ASSIST_MAX - 1);
    while !text.is_char_boundary(n) {
        n -= 1;
    }
    n
}

/// The help text of the dumpout outlet (the rightmost).
const DUMPOUT_ASSIST: &str = "dumpout: attribute values (getattr NAME answers NAME value)";

unsafe extern "C" fn assist(
    x: *mut MaxObject,
    _b: *mut c_void,
    io: c_long,
    index: c_long,
    s: *mut c_char,
) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        let text = if io == 1 {
            (*(*x).entry).inlet_text()
        } else {
            let outlets = (*x).decl().outlets;
            match outlets.get(index.max(0) as usize) {
                Some(o) => format!("{}: {}", o.name, o.doc),
                None if index as usize == outlets.len() => DUMPOUT_ASSIST.to_string(),
                None => return,
            }
        };
        let bytes = text.as_bytes();
        let n = assist_len(&text);
        std::ptr::copy_nonoverlapping(bytes.as_ptr() as *const c_char, s, n);
        *s.add(n) = 0;
    })
}

unsafe extern "C" fn set_attr(
    x: *mut MaxObject,
    attr: *mut c_void,
    argc: c_long,
    argv: *mut t_atom,
) -> max::t_max_err {
    max::guard(x as *mut t_object, (*x).name(), 1, || {
        let Some(name) = (*(*x).attrs).name_of(attr) else {
            return 1;
        };
        let args = max::atoms_in(argc, argv);
        let ok = message(x, name, &args, true);
        if ok {
            0
        } else {
            1
        }
    })
}

/// The audio thread: the engine into the scratch buffers, then into MSP's doubles. Never
/// waits and never allocates: the audio side is only tried (silence for a vector while
/// `dsp64` holds it on the main thread), the scratch buffers are grown only in `dsp64`.
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn perform64(
    x: *mut t_object,
    _dsp64: *mut t_object,
    ins: *mut *mut f64,
    numins: c_long,
    outs: *mut *mut f64,
    numouts: c_long,
    frames: c_long,
    _flags: c_long,
    _user: *mut c_void,
) {
    let x = x as *mut MaxObject;
    let n = frames.max(0) as usize;
    let (signals, inlets) = ((*x).signals, (*x).inlets);
    if (numouts.max(0) as usize) < signals
        || (signals > 0 && outs.is_null())
        || (numins.max(0) as usize) < inlets
        || (inlets > 0 && ins.is_null())
    {
        return;
    }
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        // Poisoned (the engine panicked once): silence from then on.
        let Ok(mut audio) = (*(*x).audio).try_lock() else {
            return false;
        };
        if (*x).audio_inside.swap(true, Ordering::AcqRel) {
            (*x).audio_torn.store(true, Ordering::Release);
            return false;
        }
        let AudioSide {
            engine,
            scratch,
            inputs,
        } = &mut *audio;
        let done = if scratch.iter().chain(inputs.iter()).any(|s| s.len() < n) {
            false
        } else {
            let mut heard: [&[f32]; MAX_SIGNALS] = Default::default();
            for (i, (h, s)) in heard.iter_mut().zip(inputs.iter_mut()).enumerate() {
                let from = std::slice::from_raw_parts(*ins.add(i), n);
                for (v, f) in s.iter_mut().zip(from) {
                    *v = *f as f32;
                }
                *h = &s[..n];
            }
            let mut bufs: [&mut [f32]; MAX_SIGNALS] = Default::default();
            for (b, s) in bufs.iter_mut().zip(scratch.iter_mut()) {
                *b = &mut s[..n];
            }
            match engine.as_mut() {
                Some(e) => e.process(&heard[..inlets], &mut bufs[..signals]),
                None => bufs[..signals].iter_mut().for_each(|b| b.fill(0.0)),
            }
            for (i, s) in scratch.iter().enumerate() {
                let out = std::slice::from_raw_parts_mut(*outs.add(i), n);
                for (o, v) in out.iter_mut().zip(s) {
                    *o = f64::from(*v);
                }
            }
            true
        };
        (*x).audio_inside.store(false, Ordering::Release);
        done
    }));
    if !matches!(ok, Ok(true)) {
        for i in 0..signals {
            std::slice::from_raw_parts_mut(*outs.add(i), n).fill(0.0);
        }
    }
}

unsafe extern "C" fn dsp64(
    x: *mut MaxObject,
    dsp64: *mut t_object,
    _count: *mut c_short,
    samplerate: f64,
    maxvectorsize: c_long,
    _flags: c_long,
) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        // The old chain may still run on the audio thread while this one is built: the audio
        // side is changed under its lock, which perform64 only tries.
        let engine_error = {
            let mut audio = relock((*(*x).audio).lock());
            let torn = (*x).audio_inside.swap(true, Ordering::AcqRel);
            let n = maxvectorsize.max(1) as usize;
            let AudioSide {
                scratch, inputs, ..
            } = &mut *audio;
            for s in scratch.iter_mut().chain(inputs.iter_mut()) {
                if s.len() < n {
                    s.resize(n, 0.0);
                }
            }
            let e = audio
                .engine
                .as_mut()
                .and_then(|e| e.set_sample_rate(samplerate).err());
            if !torn {
                (*x).audio_inside.store(false, Ordering::Release);
            } else {
                (*x).audio_torn.store(true, Ordering::Release);
            }
            e
        };
        // The object hears of the new rate too (imports are made at it).
        with_state(x, true, |st, io| {
            st.shell.set_sample_rate(samplerate, io);
            if let Some(e) = engine_error {
                st.shell.report(io, &e.to_string());
            }
        });
        max::dsp_add64(
            dsp64,
            x as *mut t_object,
            perform64,
            0,
            std::ptr::null_mut(),
        );
    })
}

/// Make `entry`'s class (once): called from `ext_main` for every registered object.
///
/// # Safety
/// Max's main thread, inside `ext_main`.
pub unsafe fn setup(entry: &'static Entry) {
    bandmate_core::model::set_exit_hook(max::register_exit_handler);
    let decl = entry.decl;
    if max::class_exists(decl.name) || class_named(decl.name).is_some() {
        return;
    }
    let cname = std::ffi::CString::new(decl.name).expect("no NUL in a class name");
    let c = max::class_new(
        cname.as_ptr(),
        method!(
            new,
            unsafe extern "C" fn(*mut t_symbol, c_long, *mut t_atom) -> *mut c_void
        ),
        method!(free, unsafe extern "C" fn(*mut MaxObject)),
        std::mem::size_of::<MaxObject>() as c_long,
        None,
        max::A_GIMME,
        0 as std::ffi::c_int,
    );
    type Gimme = unsafe extern "C" fn(*mut MaxObject, *mut t_symbol, c_long, *mut t_atom);
    max::add_method(c, method!(anything, Gimme), "anything", Some(max::A_GIMME));
    max::add_method(c, method!(list, Gimme), "list", Some(max::A_GIMME));
    max::add_method(
        c,
        method!(bang, unsafe extern "C" fn(*mut MaxObject)),
        "bang",
        None,
    );
    max::add_method(
        c,
        method!(int, unsafe extern "C" fn(*mut MaxObject, max::t_atom_long)),
        "int",
        Some(max::A_LONG),
    );
    max::add_method(
        c,
        method!(float, unsafe extern "C" fn(*mut MaxObject, f64)),
        "float",
        Some(max::A_FLOAT),
    );
    type Notify = unsafe extern "C" fn(
        *mut MaxObject,
        *mut t_symbol,
        *mut t_symbol,
        *mut c_void,
        *mut c_void,
    ) -> max::t_max_err;
    max::add_method(c, method!(notify, Notify), "notify", Some(max::A_CANT));
    type Assist = unsafe extern "C" fn(*mut MaxObject, *mut c_void, c_long, c_long, *mut c_char);
    max::add_method(c, method!(assist, Assist), "assist", Some(max::A_CANT));
    type Dumpout = unsafe extern "C" fn(*mut c_void, *const t_symbol, c_long, *const t_atom);
    max::add_method(
        c,
        method!(max::object_obex_dumpout, Dumpout),
        "dumpout",
        Some(max::A_CANT),
    );
    if decl.signal_inlets > 0 || decl.outlets.iter().any(|o| o.signal) {
        max::add_method(
            c,
            method!(
                dsp64,
                unsafe extern "C" fn(
                    *mut MaxObject,
                    *mut t_object,
                    *mut c_short,
                    f64,
                    c_long,
                    c_long,
                )
            ),
            "dsp64",
            Some(max::A_CANT),
        );
        max::class_dspinit(c);
    }
    let table = attrs::Table::declare(
        c,
        decl,
        std::mem::offset_of!(MaxObject, attr_slots),
        method!(
            set_attr,
            unsafe extern "C" fn(
                *mut MaxObject,
                *mut c_void,
                c_long,
                *mut t_atom,
            ) -> max::t_max_err
        ),
    );
    max::class_register(max::sym("box"), c);
    CLASSES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(Class {
            class: c as usize,
            entry,
            attrs: Box::leak(Box::new(table)),
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long help text is cut to 499 bytes + NUL, at a character's start (it was 511).
    #[test]
    fn assist_text_fits_maxs_500_bytes() {
        let long = "x".repeat(600);
        assert_eq!(assist_len(&long), 499);
        assert_eq!(assist_len("short"), 5);
        let accents = format!("{}é", "x".repeat(498)); // é is 2 bytes, at 498..500
        assert_eq!(assist_len(&accents), 498);
    }
}
