//! The playing objects in Pd (`[bandmate.groove]`, `[bandmate.looper]`): a host-neutral
//! [`NoteObject`] with Pd's clock, outlets and arrays. Everything musical is in the core object;
//! this file only translates, once for every such object.
//!
//! Inlets: the left one takes every message of the object's declaration; a bare number or
//! `bang` is the object's [`NoteObject::number_selector`] (the groove's `tap`: a float is a MIDI
//! velocity, so [notein]'s velocity can tap directly), a list its
//! [`NoteObject::list_selector`] (the looper's `note KEY VELOCITY [CHANNEL]`). Outlets: notes
//! (`note velocity [channel]` lists for [noteout]), info (everything else, and errors).

use std::ffi::{c_int, c_void};
use std::path::PathBuf;
use std::sync::atomic::{AtomicPtr, Ordering};

use bandmate_core::host::{Atom, NoteObject, Options, Output};
use bandmate_core::Result;
use pd_sys::{
    _class as t_class, _clock as t_clock, _outlet as t_outlet, t_atom, t_object, t_symbol,
};

use crate::pd;

/// A core object as a Pd class: its name, where its class pointer is kept, how it is made.
pub trait PdClass: NoteObject + Sized + 'static {
    const NAME: &'static str;
    /// This class's pointer (one static per object type).
    fn class() -> &'static AtomicPtr<t_class>;
    fn create(options: &Options) -> Result<Self>;
}

#[repr(C)]
pub struct PdNotes<T> {
    obj: t_object,
    notes: *mut t_outlet,
    info: *mut t_outlet,
    clock: *mut t_clock,
    origin: f64,
    inner: *mut T,
    /// The folder of the patch the object is in: relative paths are found there first.
    dir: *mut PathBuf,
}

impl<T: PdClass> PdNotes<T> {
    fn this(&self) -> *const c_void {
        self as *const Self as *const c_void
    }

    fn now(&self) -> f64 {
        pd::ms_since(self.origin)
    }

    fn inner(&mut self) -> &mut T {
        // SAFETY: `inner` is set in `new` and freed only in `free`.
        unsafe { &mut *self.inner }
    }

    /// Hand a message to the object, report a refusal, then emit and reschedule.
    fn message(&mut self, selector: &str, args: &[Atom]) {
        let now = self.now();
        // SAFETY: `dir` is set in `new` and freed only in `free`.
        let dir = unsafe { &*self.dir };
        let args = self.inner().decl().resolve_paths(selector, args, dir);
        if let Err(e) = self.inner().message(now, selector, &args) {
            self.report(&e.to_string());
        }
        self.flush(now);
    }

    fn report(&self, text: &str) {
        pd::error(self.this(), &format!("{}: {text}", T::NAME));
        // SAFETY: live outlet.
        unsafe { pd::send(self.info, "error", &bandmate_core::host::atoms(text)) };
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
                    let list: Vec<Atom> = self
                        .inner()
                        .note_list(note, velocity, channel)
                        .into_iter()
                        .map(|n| Atom::Float(n as f64))
                        .collect();
                    // SAFETY: live outlet.
                    unsafe { pd::send(self.notes, "list", &list) }
                }
                // SAFETY: live outlet.
                Output::Info(sel, args) => unsafe { pd::send(self.info, &sel, &args) },
                Output::Error(e) => self.report(&e),
                Output::Render(name) => {
                    if let Err(e) = self.render(&name) {
                        self.report(&format!("render: {e}"));
                    }
                }
            }
        }
        let wake = self.inner().wake_at(now);
        // SAFETY: the clock belongs to this object.
        unsafe {
            match wake {
                Some(t) => pd_sys::clock_delay(self.clock, (t - now).max(0.0)),
                None => pd_sys::clock_unset(self.clock),
            }
        }
    }

    /// `render NAME`: what plays into arrays NAME-l and NAME-r at Pd's sample rate.
    fn render(&mut self, name: &str) -> std::result::Result<(), String> {
        let (l, r) = (format!("{name}-l"), format!("{name}-r"));
        for a in [&l, &r] {
            if !pd::array_exists(a) {
                return Err(format!(
                    "no array named '{a}' (render NAME writes arrays NAME-l and NAME-r: make \
                     them with [array define {a}])"
                ));
            }
        }
        let sr = pd::sample_rate().round() as u32;
        let audio = self.inner().render(sr).map_err(|e| e.to_string())?;
        pd::write_array(&l, &audio.channels[0])?;
        pd::write_array(&r, &audio.channels[1])?;
        // SAFETY: live outlet.
        unsafe {
            pd::send(
                self.info,
                "rendered",
                &[
                    Atom::Symbol(name.to_string()),
                    Atom::Float(audio.frames() as f64),
                    Atom::Float(f64::from(sr)),
                ],
            )
        };
        Ok(())
    }

    /// A bare number, a bang (`None`) or a list, as the object reads them.
    fn numbers(&mut self, args: Vec<Atom>, list: bool) {
        match self.inner().bare_selector(&args, list) {
            Ok(sel) => self.message(sel, &args),
            Err(hint) => self.report(&hint),
        }
    }
}

unsafe extern "C" fn new<T: PdClass>(
    _s: *mut t_symbol,
    argc: c_int,
    argv: *mut t_atom,
) -> *mut c_void {
    pd::guard(std::ptr::null(), T::NAME, std::ptr::null_mut(), || {
        let args = pd::atoms_in(argc, argv);
        let class = T::class().load(Ordering::Acquire);
        let options = Options {
            plugin_dir: pd::class_dir(class),
            load_default: true,
        };
        let mut inner = match T::create(&options) {
            Ok(o) => o,
            Err(e) => {
                pd::error(std::ptr::null(), &format!("{}: {e}", T::NAME));
                return std::ptr::null_mut();
            }
        };
        inner.set_sample_rate(pd::sample_rate().round() as u32);
        let origin = pd::logical_time();
        if let Err(e) = inner.create_with(0.0, &args) {
            // Refuse to create: Pd then says "couldn't create" next to our reason.
            pd::error(std::ptr::null(), &format!("{}: {e}", T::NAME));
            return std::ptr::null_mut();
        }
        let x = pd_sys::pd_new(class) as *mut PdNotes<T>;
        let obj = &mut (*x).obj as *mut t_object;
        (*x).notes = pd_sys::outlet_new(obj, std::ptr::addr_of_mut!(pd_sys::s_list));
        (*x).info = pd_sys::outlet_new(obj, std::ptr::null_mut());
        (*x).clock = pd_sys::clock_new(
            x as *mut c_void,
            Some(std::mem::transmute::<
                unsafe extern "C" fn(*mut PdNotes<T>),
                unsafe extern "C" fn(),
            >(tick::<T>)),
        );
        (*x).origin = origin;
        (*x).inner = Box::into_raw(Box::new(inner));
        (*x).dir = Box::into_raw(Box::new(pd::canvas_dir()));
        // Whatever creation produced (the default model loading) goes out on the first tick.
        pd_sys::clock_delay((*x).clock, 0.0);
        x as *mut c_void
    })
}

unsafe extern "C" fn free<T: PdClass>(x: *mut PdNotes<T>) {
    pd::guard(x as *const c_void, T::NAME, (), || {
        pd_sys::clock_free((*x).clock);
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

unsafe extern "C" fn tick<T: PdClass>(x: *mut PdNotes<T>) {
    pd::guard(x as *const c_void, T::NAME, (), || {
        let x = &mut *x;
        let now = x.now();
        x.inner().tick(now);
        x.flush(now);
    })
}

unsafe extern "C" fn anything<T: PdClass>(
    x: *mut PdNotes<T>,
    s: *mut t_symbol,
    argc: c_int,
    argv: *mut t_atom,
) {
    pd::guard(x as *const c_void, T::NAME, (), || {
        let sel = pd::name(s);
        let args = pd::atoms_in(argc, argv);
        (*x).message(&sel, &args);
    })
}

unsafe extern "C" fn bang<T: PdClass>(x: *mut PdNotes<T>) {
    pd::guard(x as *const c_void, T::NAME, (), || {
        (*x).numbers(Vec::new(), false)
    })
}

unsafe extern "C" fn float<T: PdClass>(x: *mut PdNotes<T>, f: pd_sys::t_float) {
    pd::guard(x as *const c_void, T::NAME, (), || {
        // The groove's `tap` ignores 0 (a note-off from [notein]).
        (*x).numbers(vec![Atom::Float(f64::from(f))], false)
    })
}

unsafe extern "C" fn list<T: PdClass>(
    x: *mut PdNotes<T>,
    _s: *mut t_symbol,
    argc: c_int,
    argv: *mut t_atom,
) {
    pd::guard(x as *const c_void, T::NAME, (), || {
        let args = pd::atoms_in(argc, argv);
        (*x).numbers(args, true)
    })
}

/// Called by Pd when it loads the object's binary.
///
/// # Safety
/// Pd calls this once, on its main thread.
pub unsafe fn setup<T: PdClass>() {
    type Method = pd::Method;
    let c = pd::new_class::<PdNotes<T>>(T::NAME, new::<T>, free::<T>, anything::<T>);
    T::class().store(c, Ordering::Release);
    pd_sys::class_addlist(
        c,
        Some(std::mem::transmute::<
            unsafe extern "C" fn(*mut PdNotes<T>, *mut t_symbol, c_int, *mut t_atom),
            Method,
        >(list::<T>)),
    );
    pd_sys::class_addbang(
        c,
        Some(std::mem::transmute::<
            unsafe extern "C" fn(*mut PdNotes<T>),
            Method,
        >(bang::<T>)),
    );
    pd_sys::class_doaddfloat(
        c,
        Some(std::mem::transmute::<
            unsafe extern "C" fn(*mut PdNotes<T>, pd_sys::t_float),
            Method,
        >(float::<T>)),
    );
}

impl PdClass for bandmate_core::host::GrooveObject {
    const NAME: &'static str = "bandmate.groove";
    fn class() -> &'static AtomicPtr<t_class> {
        static CLASS: AtomicPtr<t_class> = AtomicPtr::new(std::ptr::null_mut());
        &CLASS
    }
    fn create(options: &Options) -> Result<Self> {
        bandmate_core::host::GrooveObject::new(options)
    }
}

impl PdClass for bandmate_core::host::LooperObject {
    const NAME: &'static str = "bandmate.looper";
    fn class() -> &'static AtomicPtr<t_class> {
        static CLASS: AtomicPtr<t_class> = AtomicPtr::new(std::ptr::null_mut());
        &CLASS
    }
    fn create(options: &Options) -> Result<Self> {
        bandmate_core::host::LooperObject::new(options)
    }
}
