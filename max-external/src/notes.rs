//! The playing objects in Max (`[bandmate.groove]`, `[bandmate.looper]`): a host-neutral
//! [`NoteObject`] with Max's clocks, transport, attributes, outlets and `buffer~`. Everything
//! musical is in the core object; this file only translates, once for every such object.
//!
//! Inlet: every message of the object's declaration; `bang`, `int` and `float` are the object's
//! [`NoteObject::number_selector`] (the groove's `tap`: a number is a MIDI velocity), a list its
//! [`NoteObject::list_selector`] (the looper's `note KEY VELOCITY [CHANNEL]`). Outlets, left to
//! right: notes (`note velocity [channel]` int lists for [midiformat] or [noteout]), info
//! (everything else, and errors). Attributes (`@tempo 96`) are Max attributes.

use std::ffi::{c_long, c_short, c_void};
use std::path::PathBuf;
use std::sync::OnceLock;

use bandmate_core::host::{Atom, NoteObject, ObjectDecl, Options, Output};

use crate::buffers::Buffers;
use crate::max::{self, t_atom, t_object, t_symbol};
use crate::{attrs, class, method};

/// How often Max's transport is read while `@sync 1` (ms of scheduler time).
pub const TRANSPORT_POLL_MS: f64 = 10.0;

/// A core object as a Max class: its name and declaration, where its class and attribute
/// table are kept, how it is made.
pub trait MaxClass: NoteObject + Sized + 'static {
    const NAME: &'static str;
    const DECL: &'static ObjectDecl;
    /// What the left inlet takes, for `assist`.
    const INLET: &'static str;
    /// This class (one static per object type).
    fn class() -> &'static OnceLock<usize>;
    /// This class's attributes (one static per object type).
    fn attrs() -> &'static OnceLock<attrs::Table>;
    fn create(options: &Options) -> bandmate_core::Result<Self>;
}

#[repr(C)]
pub struct MaxNotes<T> {
    ob: t_object,
    notes: *mut c_void,
    info: *mut c_void,
    /// Wakes the object for its next note or worker result.
    clock: *mut c_void,
    /// Reads Max's transport.
    transport_clock: *mut c_void,
    inner: *mut T,
    dir: *mut PathBuf,
    buffers: *mut Buffers,
    /// Whether Max's transport ran at the last look.
    transport_running: bool,
    /// Attribute values as Max reads them (one per declared attribute, in order).
    attr_slots: [attrs::Slot; attrs::MAX],
}

impl<T: MaxClass> MaxNotes<T> {
    fn ob(&mut self) -> *mut t_object {
        &mut self.ob
    }

    fn inner(&mut self) -> &mut T {
        // SAFETY: set in `new`, freed only in `free`.
        unsafe { &mut *self.inner }
    }

    /// Hand a message to the object, report a refusal, then emit and reschedule.
    fn message(&mut self, selector: &str, args: &[Atom]) -> bool {
        let now = max::now();
        // SAFETY: as in `inner`.
        let args = T::DECL.resolve_paths(selector, args, unsafe { &*self.dir });
        let r = self.inner().message(now, selector, &args);
        if let Err(e) = &r {
            self.report(&e.to_string());
        }
        self.flush(now);
        r.is_ok()
    }

    fn report(&mut self, text: &str) {
        max::error(self.ob(), &format!("{}: {text}", T::NAME));
        // SAFETY: live outlet.
        unsafe { max::send(self.info, "error", &bandmate_core::host::atoms(text)) };
    }

    /// Emit everything the object has for us, then set the clock for its next wake-up.
    fn flush(&mut self, now: f64) {
        let mut outs = Vec::new();
        self.inner().drain_into(&mut |o| outs.push(o));
        for o in outs {
            match o {
                Output::Note {
                    note,
                    velocity,
                    channel,
                    ..
                } => {
                    let list = self.inner().note_list(note, velocity, channel);
                    // SAFETY: live outlet.
                    unsafe { max::send_longs(self.notes, &list) }
                }
                Output::Info(sel, args) => unsafe { max::send(self.info, &sel, &args) },
                Output::Error(e) => self.report(&e),
                // buffer~ is resized and written on the main thread only.
                Output::Render(name) => unsafe {
                    max::defer_low(
                        self as *mut Self as *mut c_void,
                        method!(
                            render_deferred::<T>,
                            unsafe extern "C" fn(
                                *mut MaxNotes<T>,
                                *mut t_symbol,
                                c_short,
                                *mut t_atom,
                            )
                        ),
                        max::sym(&name),
                        0,
                        std::ptr::null_mut(),
                    );
                },
            }
        }
        let wake = self.inner().wake_at(now);
        // SAFETY: the clock belongs to this object.
        unsafe {
            match wake {
                Some(t) => max::clock_fdelay(self.clock, (t - now).max(0.0)),
                None => max::clock_unset(self.clock),
            }
        }
    }

    /// A bare number, a bang (no atoms) or a list, as the object reads them.
    fn numbers(&mut self, args: &[Atom], list: bool) {
        match self.inner().bare_selector(args, list) {
            Ok(sel) => {
                self.message(sel, args);
            }
            Err(hint) => self.report(&hint),
        }
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
        let bpm = bpm.clamp(20.0, 400.0);
        self.message(
            "transport",
            &[
                Atom::Float(f64::from(u8::from(running))),
                Atom::Float(bpm),
                Atom::Float(beats),
            ],
        );
    }

    /// `render NAME`: the loop into buffer~ NAME at the buffer's sample rate (main thread).
    fn render(&mut self, name: &str) -> Result<(), String> {
        // SAFETY: set in `new`, freed in `free`.
        let buffers = unsafe { &mut *self.buffers };
        let sr = buffers.sample_rate(self.ob(), name)?;
        let audio = self
            .inner()
            .render(sr.round() as u32)
            .map_err(|e| e.to_string())?;
        let frames = buffers.write(self.ob(), name, &audio.channels)?;
        // SAFETY: live outlet.
        unsafe {
            max::send(
                self.info,
                "rendered",
                &[
                    Atom::Symbol(name.to_string()),
                    Atom::Float(frames as f64),
                    Atom::Float(sr.round()),
                ],
            )
        };
        Ok(())
    }
}

impl<T: MaxClass> class::Object for MaxNotes<T> {
    const NAME: &'static str = T::NAME;
    const INLET: &'static str = T::INLET;
    fn decl() -> &'static ObjectDecl {
        T::DECL
    }
    fn buffers(&mut self) -> &mut Buffers {
        // SAFETY: set in `new`, freed only in `free`.
        unsafe { &mut *self.buffers }
    }
    fn message(&mut self, selector: &str, args: &[Atom]) {
        MaxNotes::message(self, selector, args);
    }
    fn report(&mut self, text: &str) {
        MaxNotes::report(self, text);
    }
    fn list(&mut self, args: &[Atom]) {
        self.numbers(args, true);
    }
}

unsafe extern "C" fn new<T: MaxClass>(
    _s: *mut t_symbol,
    argc: c_long,
    argv: *mut t_atom,
) -> *mut c_void {
    max::guard(std::ptr::null_mut(), T::NAME, std::ptr::null_mut(), || {
        let Some(&class) = T::class().get() else {
            return std::ptr::null_mut();
        };
        let options = Options {
            plugin_dir: crate::package_dir(),
            load_default: true,
        };
        let inner = match T::create(&options) {
            Ok(o) => o,
            Err(e) => {
                max::error(std::ptr::null_mut(), &format!("{}: {e}", T::NAME));
                return std::ptr::null_mut();
            }
        };
        // Positional arguments (before the first @attribute) as the declaration says; the
        // attributes themselves go through Max's attribute setters.
        let ac = argc.clamp(0, c_long::from(c_short::MAX)) as c_short;
        let positional = max::attr_args_offset(ac, argv);
        let mut inner = inner;
        let sr = max::sys_getsr();
        if sr > 0.0 {
            inner.set_sample_rate(sr.round() as u32);
        }
        if let Err(e) = inner.create_with(0.0, &max::atoms_in(positional, argv)) {
            max::error(std::ptr::null_mut(), &format!("{}: {e}", T::NAME));
            return std::ptr::null_mut();
        }
        make::<T>(class as *mut c_void, inner, ac, argv)
    })
}

unsafe fn make<T: MaxClass>(
    class: *mut c_void,
    inner: T,
    ac: c_short,
    argv: *mut t_atom,
) -> *mut c_void {
    let x = max::object_alloc(class) as *mut MaxNotes<T>;
    if x.is_null() {
        return std::ptr::null_mut();
    }
    // Outlets are created right to left.
    (*x).info = max::outlet_new(x as *mut c_void, std::ptr::null());
    (*x).notes = max::outlet_new(x as *mut c_void, c"list".as_ptr());
    (*x).clock = max::clock_new(
        x as *mut c_void,
        method!(tick::<T>, unsafe extern "C" fn(*mut MaxNotes<T>)),
    );
    (*x).transport_clock = max::clock_new(
        x as *mut c_void,
        method!(transport_tick::<T>, unsafe extern "C" fn(*mut MaxNotes<T>)),
    );
    (*x).inner = Box::into_raw(Box::new(inner));
    (*x).dir = Box::into_raw(Box::new(max::patcher_dir()));
    (*x).buffers = Box::into_raw(Box::new(Buffers::default()));
    (*x).transport_running = false;
    let table = T::attrs().get().expect("set up before objects");
    table.refresh(&mut (*x).attr_slots, |n| (*(*x).inner).attribute(n));
    // @attributes: Max calls our setter for each.
    max::attr_args_process(x as *mut c_void, ac, argv);
    // Whatever creation produced (the default model loading) goes out on the first tick.
    max::clock_fdelay((*x).clock, 0.0);
    max::clock_fdelay((*x).transport_clock, 0.0);
    x as *mut c_void
}

unsafe extern "C" fn free<T: MaxClass>(x: *mut MaxNotes<T>) {
    max::guard(x as *mut t_object, T::NAME, (), || {
        max::object_free((*x).clock);
        max::object_free((*x).transport_clock);
        if !(*x).buffers.is_null() {
            drop(Box::from_raw((*x).buffers));
            (*x).buffers = std::ptr::null_mut();
        }
        if !(*x).inner.is_null() {
            drop(Box::from_raw((*x).inner));
            (*x).inner = std::ptr::null_mut();
        }
        if !(*x).dir.is_null() {
            drop(Box::from_raw((*x).dir));
            (*x).dir = std::ptr::null_mut();
        }
    })
}

unsafe extern "C" fn tick<T: MaxClass>(x: *mut MaxNotes<T>) {
    max::guard(x as *mut t_object, T::NAME, (), || {
        let x = &mut *x;
        let now = max::now();
        // The transport first: no note leaves after Live has stopped.
        if x.transport_running && x.inner().attribute("sync") == Some(1.0) {
            x.follow_transport();
        }
        x.inner().tick(now);
        x.flush(now);
    })
}

unsafe extern "C" fn transport_tick<T: MaxClass>(x: *mut MaxNotes<T>) {
    max::guard(x as *mut t_object, T::NAME, (), || {
        let x = &mut *x;
        if x.inner().attribute("sync") == Some(1.0) {
            x.follow_transport();
        }
        max::clock_fdelay(x.transport_clock, TRANSPORT_POLL_MS);
    })
}

unsafe extern "C" fn render_deferred<T: MaxClass>(
    x: *mut MaxNotes<T>,
    s: *mut t_symbol,
    _ac: c_short,
    _av: *mut t_atom,
) {
    max::guard(x as *mut t_object, T::NAME, (), || {
        let name = max::name(s);
        if let Err(e) = (*x).render(&name) {
            (*x).report(&format!("render: {e}"));
        }
    })
}

unsafe extern "C" fn bang<T: MaxClass>(x: *mut MaxNotes<T>) {
    max::guard(x as *mut t_object, T::NAME, (), || {
        (*x).numbers(&[], false);
    })
}

unsafe extern "C" fn int<T: MaxClass>(x: *mut MaxNotes<T>, n: max::t_atom_long) {
    max::guard(x as *mut t_object, T::NAME, (), || {
        // The groove's `tap` ignores 0 (a note-off).
        (*x).numbers(&[Atom::Float(n as f64)], false);
    })
}

unsafe extern "C" fn float<T: MaxClass>(x: *mut MaxNotes<T>, f: f64) {
    max::guard(x as *mut t_object, T::NAME, (), || {
        (*x).numbers(&[Atom::Float(f)], false);
    })
}

unsafe extern "C" fn set_attr<T: MaxClass>(
    x: *mut MaxNotes<T>,
    attr: *mut c_void,
    argc: c_long,
    argv: *mut t_atom,
) -> max::t_max_err {
    max::guard(x as *mut t_object, T::NAME, 1, || {
        let table = T::attrs().get().expect("set up");
        let Some(name) = table.name_of(attr) else {
            return 1;
        };
        let args = max::atoms_in(argc, argv);
        let ok = (*x).message(name, &args);
        let x = &mut *x;
        table.refresh(&mut x.attr_slots, |n| (*x.inner).attribute(n));
        if ok {
            0
        } else {
            1
        }
    })
}

/// Called from `ext_main`.
///
/// # Safety
/// Max's main thread.
pub unsafe fn setup<T: MaxClass>() {
    let Some(c) = class::new_class::<MaxNotes<T>>(
        method!(
            new::<T>,
            unsafe extern "C" fn(*mut t_symbol, c_long, *mut t_atom) -> *mut c_void
        ),
        method!(free::<T>, unsafe extern "C" fn(*mut MaxNotes<T>)),
    ) else {
        return;
    };
    max::add_method(
        c,
        method!(bang::<T>, unsafe extern "C" fn(*mut MaxNotes<T>)),
        "bang",
        None,
    );
    max::add_method(
        c,
        method!(
            int::<T>,
            unsafe extern "C" fn(*mut MaxNotes<T>, max::t_atom_long)
        ),
        "int",
        Some(max::A_LONG),
    );
    max::add_method(
        c,
        method!(float::<T>, unsafe extern "C" fn(*mut MaxNotes<T>, f64)),
        "float",
        Some(max::A_FLOAT),
    );
    let table = attrs::Table::declare(
        c,
        T::DECL,
        std::mem::offset_of!(MaxNotes<T>, attr_slots),
        method!(
            set_attr::<T>,
            unsafe extern "C" fn(
                *mut MaxNotes<T>,
                *mut c_void,
                c_long,
                *mut t_atom,
            ) -> max::t_max_err
        ),
    );
    let _ = T::attrs().set(table);
    max::class_register(max::sym("box"), c);
    let _ = T::class().set(c as usize);
}

impl MaxClass for bandmate_core::host::GrooveObject {
    const NAME: &'static str = "bandmate.groove";
    const DECL: &'static ObjectDecl = &bandmate_core::host::GROOVE;
    const INLET: &'static str = "every message of bandmate.groove; bang, int or float: a tap";
    fn class() -> &'static OnceLock<usize> {
        static CLASS: OnceLock<usize> = OnceLock::new();
        &CLASS
    }
    fn attrs() -> &'static OnceLock<attrs::Table> {
        static ATTRS: OnceLock<attrs::Table> = OnceLock::new();
        &ATTRS
    }
    fn create(options: &Options) -> bandmate_core::Result<Self> {
        bandmate_core::host::GrooveObject::new(options)
    }
}

impl MaxClass for bandmate_core::host::LooperObject {
    const NAME: &'static str = "bandmate.looper";
    const DECL: &'static ObjectDecl = &bandmate_core::host::LOOPER;
    const INLET: &'static str =
        "every message of bandmate.looper; a list KEY VELOCITY [CHANNEL]: a note you play";
    fn class() -> &'static OnceLock<usize> {
        static CLASS: OnceLock<usize> = OnceLock::new();
        &CLASS
    }
    fn attrs() -> &'static OnceLock<attrs::Table> {
        static ATTRS: OnceLock<attrs::Table> = OnceLock::new();
        &ATTRS
    }
    fn create(options: &Options) -> bandmate_core::Result<Self> {
        bandmate_core::host::LooperObject::new(options)
    }
}
