//! Every bandmate object in Max, written once over the core's [`Object`] contract: one class
//! per registry [`Entry`], made from its declaration. No object or message name here: this
//! file only translates atoms, drives Max's clocks and transport, and writes outlets, `buffer~`s
//! and MSP's signal vectors.
//!
//! - Inlet: every declared message; `bang`, `int`, `float` and a list are what the declaration
//!   says they stand for ([`ObjectDecl::bare_selector`]), else refused with a hint.
//! - Outlets as declared: signal outlets are filled by the object's [`Engine`] in `perform64`;
//!   notes leave by the notes outlet (int lists for [midiformat]/[noteout]), everything else
//!   by the last control outlet. `assist` shows each outlet's doc.
//! - Declared attributes are Max attributes (`@tempo 96`, the inspector, `getattr`), set
//!   through the same messages.
//! - An object that follows a transport ([`Object::follows_transport`]) reads Max's global
//!   transport while it runs.
//! - `render NAME` is written into buffer~ NAME on the main thread (deferred); `array NAME`
//!   reads buffer~ NAME.

use std::ffi::{c_char, c_long, c_short, c_void};
use std::sync::Mutex;

use bandmate_core::objects::shell::{HostIo, Shell};
use bandmate_core::objects::{Atom, Entry, ObjectDecl, Options};
use bandmate_core::wav::Audio;

use crate::attrs;
use crate::buffers::Buffers;
use crate::max::{self, t_atom, t_object, t_pxobject, t_symbol};
use crate::method;

/// How often Max's transport is read while the object follows it (ms of scheduler time).
pub const TRANSPORT_POLL_MS: f64 = 10.0;

/// Most signal outlets an object may declare.
const MAX_SIGNALS: usize = 8;

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

#[repr(C)]
pub struct MaxObject {
    ob: t_pxobject,
    shell: *mut Shell,
    attrs: *const attrs::Table,
    /// Notes leave here (the declared notes outlet; null if none).
    notes: *mut c_void,
    /// Info lines and errors leave here (the last control outlet).
    info: *mut c_void,
    /// Wakes the object for its next note or worker result.
    clock: *mut c_void,
    /// Reads Max's transport.
    transport_clock: *mut c_void,
    signals: usize,
    buffers: *mut Buffers,
    /// The engine renders 32-bit floats; MSP wants doubles. Sized in `dsp64`.
    scratch: *mut Vec<Vec<f32>>,
    /// Whether Max's transport ran at the last look.
    transport_running: bool,
    /// Attribute values as Max reads them (one per declared attribute, in order).
    attr_slots: [attrs::Slot; attrs::MAX],
}

/// The patcher as the shell reaches it: this object's outlets, the `buffer~`s it holds, and
/// the main thread for renders.
struct Io {
    x: *mut MaxObject,
    ob: *mut t_object,
    notes: *mut c_void,
    info: *mut c_void,
    buffers: *mut Buffers,
}

impl HostIo for Io {
    fn notes(&mut self, list: &[i64]) {
        // SAFETY: the live notes outlet (the shell calls this only for an object with one).
        unsafe { max::send_longs(self.notes, list) }
    }
    fn info(&mut self, selector: &str, args: &[Atom]) {
        // SAFETY: a live outlet of this object.
        unsafe { max::send(self.info, selector, args) }
    }
    fn console_error(&mut self, text: &str) {
        max::error(self.ob, text);
    }
    /// buffer~ is resized and written on the main thread only: the render is deferred there.
    fn render_rate(&mut self, name: &str) -> Result<Option<u32>, String> {
        // SAFETY: `x` is this live object; the deferred call runs on Max's main thread.
        unsafe {
            max::defer_low(
                self.x as *mut c_void,
                method!(
                    render_deferred,
                    unsafe extern "C" fn(*mut MaxObject, *mut t_symbol, c_short, *mut t_atom)
                ),
                max::sym(name),
                0,
                std::ptr::null_mut(),
            );
        }
        Ok(None)
    }
    fn write_render(&mut self, name: &str, audio: &Audio) -> Result<usize, String> {
        // SAFETY: set in `new`, freed in `free`.
        unsafe { (*self.buffers).write(self.ob, name, &audio.channels) }
    }
    fn read_array(&mut self, name: &str) -> Result<(Vec<Vec<f32>>, u32), String> {
        // SAFETY: set in `new`, freed in `free`.
        let (chans, sr) = unsafe { (*self.buffers).read(self.ob, name)? };
        Ok((chans, sr.round() as u32))
    }
}

impl MaxObject {
    fn ob(&mut self) -> *mut t_object {
        &mut self.ob.z_ob
    }

    fn shell(&self) -> &Shell {
        // SAFETY: set in `new`, freed only in `free`.
        unsafe { &*self.shell }
    }

    fn decl(&self) -> &'static ObjectDecl {
        self.shell().entry.decl
    }

    fn name(&self) -> &'static str {
        self.decl().name
    }

    /// The shell and what it reaches the patcher with.
    fn parts(&mut self) -> (&mut Shell, Io) {
        let io = Io {
            x: self as *mut Self,
            ob: self.ob(),
            notes: self.notes,
            info: self.info,
            buffers: self.buffers,
        };
        // SAFETY: set in `new`, freed only in `free`; the Io holds no reference into it.
        (unsafe { &mut *self.shell }, io)
    }

    /// Write every attribute slot from the object's current values.
    fn refresh_attrs(&mut self) {
        // SAFETY: set in `new` from a `&'static` table; the shell as in `shell`.
        let (table, shell) = unsafe { (&*self.attrs, &*self.shell) };
        table.refresh(&mut self.attr_slots, |n| shell.object.attribute(n));
    }

    /// Set the clock for the object's next wake-up.
    fn wake(&mut self, at: Option<f64>, now: f64) {
        // SAFETY: the clock belongs to this object.
        unsafe {
            match at {
                Some(t) => max::clock_fdelay(self.clock, (t - now).max(0.0)),
                None => max::clock_unset(self.clock),
            }
        }
    }

    /// Hand a message to the object (refusals reported), then reschedule.
    fn message(&mut self, selector: &str, args: &[Atom]) -> bool {
        let now = max::now();
        let (shell, mut io) = self.parts();
        let (ok, wake) = shell.message(now, selector, args, &mut io);
        self.wake(wake, now);
        ok
    }

    /// A bare number, a bang (no atoms) or a list, as the declaration reads them.
    fn numbers(&mut self, args: &[Atom], list: bool) {
        let now = max::now();
        let (shell, mut io) = self.parts();
        let wake = shell.numbers(now, args, list, &mut io);
        self.wake(wake, now);
    }

    /// Tell the object where Max's transport is; start or stop with it.
    fn follow_transport(&mut self) {
        // SAFETY: reads Max's global transport.
        let (running, bpm, beats) = unsafe {
            let itm = max::itm_getglobal();
            if itm.is_null() {
                return;
            }
            (
                max::itm_getstate(itm) != 0,
                max::itm_gettempo(itm),
                max::itm_getticks(itm) / max::TICKS_PER_BEAT,
            )
        };
        if !running && !self.transport_running {
            return;
        }
        self.transport_running = running;
        let now = max::now();
        let (shell, mut io) = self.parts();
        let wake = shell.transport(now, running, bpm, beats, &mut io);
        self.wake(wake, now);
    }
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
        let shell = match Shell::create(entry, &options, &positional, sr, max::patcher_dir()) {
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
        if signals > 0 {
            max::z_dsp_setup(&mut (*x).ob, 0);
            (*x).ob.z_misc |= max::Z_NO_INPLACE;
        }
        // Outlets are created right to left.
        (*x).notes = std::ptr::null_mut();
        (*x).info = std::ptr::null_mut();
        for o in entry.decl.outlets.iter().rev() {
            if o.signal {
                max::outlet_new(x as *mut c_void, c"signal".as_ptr());
            } else if o.notes {
                (*x).notes = max::outlet_new(x as *mut c_void, c"list".as_ptr());
            } else if (*x).info.is_null() {
                (*x).info = max::outlet_new(x as *mut c_void, std::ptr::null());
            } else {
                max::outlet_new(x as *mut c_void, std::ptr::null());
            }
        }
        (*x).attrs = table;
        (*x).signals = signals.min(MAX_SIGNALS);
        (*x).clock = max::clock_new(
            x as *mut c_void,
            method!(tick, unsafe extern "C" fn(*mut MaxObject)),
        );
        (*x).transport_clock = max::clock_new(
            x as *mut c_void,
            method!(transport_tick, unsafe extern "C" fn(*mut MaxObject)),
        );
        (*x).shell = Box::into_raw(Box::new(shell));
        (*x).buffers = Box::into_raw(Box::new(Buffers::default()));
        (*x).scratch = Box::into_raw(Box::new(vec![Vec::new(); signals.min(MAX_SIGNALS)]));
        (*x).transport_running = false;
        (*x).refresh_attrs();
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
        if (*x).signals > 0 {
            // Off the DSP chain first: no perform routine uses the engine after this.
            max::z_dsp_free(&mut (*x).ob);
        }
        max::object_free((*x).clock);
        max::object_free((*x).transport_clock);
        drop(Box::from_raw((*x).buffers));
        drop(Box::from_raw((*x).scratch));
        drop(Box::from_raw((*x).shell));
    })
}

unsafe extern "C" fn tick(x: *mut MaxObject) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        let x = &mut *x;
        let now = max::now();
        // The transport first: no note leaves after Live has stopped.
        if x.transport_running && x.shell().object.follows_transport() {
            x.follow_transport();
        }
        let (shell, mut io) = x.parts();
        let wake = shell.tick(now, &mut io);
        x.wake(wake, now);
    })
}

unsafe extern "C" fn transport_tick(x: *mut MaxObject) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        let x = &mut *x;
        if x.shell().object.follows_transport() {
            x.follow_transport();
        }
        max::clock_fdelay(x.transport_clock, TRANSPORT_POLL_MS);
    })
}

unsafe extern "C" fn render_deferred(
    x: *mut MaxObject,
    s: *mut t_symbol,
    _ac: c_short,
    _av: *mut t_atom,
) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        let name = max::name(s);
        let x = &mut *x;
        let ob = x.ob();
        let (shell, mut io) = x.parts();
        match (*io.buffers).sample_rate(ob, &name) {
            Ok(sr) => shell.render(&name, sr.round() as u32, &mut io),
            Err(e) => shell.report(&mut io, &format!("render: {e}")),
        }
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
        (*x).message(&sel, &args);
    })
}

unsafe extern "C" fn list(x: *mut MaxObject, _s: *mut t_symbol, argc: c_long, argv: *mut t_atom) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        let args = max::atoms_in(argc, argv);
        (*x).numbers(&args, true);
    })
}

unsafe extern "C" fn bang(x: *mut MaxObject) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        (*x).numbers(&[], false);
    })
}

unsafe extern "C" fn int(x: *mut MaxObject, n: max::t_atom_long) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        (*x).numbers(&[Atom::Float(n as f64)], false);
    })
}

unsafe extern "C" fn float(x: *mut MaxObject, f: f64) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        (*x).numbers(&[Atom::Float(f)], false);
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

unsafe extern "C" fn assist(
    x: *mut MaxObject,
    _b: *mut c_void,
    io: c_long,
    index: c_long,
    s: *mut c_char,
) {
    max::guard(x as *mut t_object, (*x).name(), (), || {
        let text = if io == 1 {
            (*x).shell().entry.inlet_text()
        } else {
            match (*x).decl().outlets.get(index.max(0) as usize) {
                Some(o) => format!("{}: {}", o.name, o.doc),
                None => return,
            }
        };
        // Max's assist buffer holds 512 bytes.
        let bytes = text.as_bytes();
        let n = bytes.len().min(511);
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
        let ok = (*x).message(name, &args);
        (*x).refresh_attrs();
        if ok {
            0
        } else {
            1
        }
    })
}

/// The audio thread: the engine into the scratch buffers, then into MSP's doubles.
#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn perform64(
    x: *mut t_object,
    _dsp64: *mut t_object,
    _ins: *mut *mut f64,
    _numins: c_long,
    outs: *mut *mut f64,
    numouts: c_long,
    frames: c_long,
    _flags: c_long,
    _user: *mut c_void,
) {
    let x = x as *mut MaxObject;
    let n = frames.max(0) as usize;
    let signals = (*x).signals;
    if (numouts.max(0) as usize) < signals || outs.is_null() {
        return;
    }
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let scratch = &mut *(*x).scratch;
        if scratch.iter().any(|s| s.len() < n) {
            return false;
        }
        let mut bufs: [&mut [f32]; MAX_SIGNALS] = Default::default();
        for (b, s) in bufs.iter_mut().zip(scratch.iter_mut()) {
            *b = &mut s[..n];
        }
        (*(*x).shell).process(&mut bufs[..signals]);
        for (i, s) in scratch.iter().enumerate() {
            let out = std::slice::from_raw_parts_mut(*outs.add(i), n);
            for (o, v) in out.iter_mut().zip(s) {
                *o = f64::from(*v);
            }
        }
        true
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
        // The object and its engine both hear of the new rate (imports are made at it).
        let (shell, mut io) = (*x).parts();
        shell.set_sample_rate(samplerate, &mut io);
        // The audio thread is not running this object while the chain is rebuilt.
        let n = maxvectorsize.max(1) as usize;
        for s in (*(*x).scratch).iter_mut() {
            s.resize(n, 0.0);
        }
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
    if decl.outlets.iter().any(|o| o.signal) {
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
