//! `[bandmate.groove]` in Pd: the host-neutral [`GrooveObject`] with Pd's clock, outlets and
//! arrays. Everything musical is in the core object; this file only translates.
//!
//! Inlets: the left one takes every message of [`GROOVE`] (`bang` and a float are taps: a
//! float is a MIDI velocity, so [notein]'s velocity can tap directly). Outlets: notes
//! (`note velocity` lists for [noteout]), info (everything else, and errors).

use std::ffi::{c_int, c_void};
use std::path::PathBuf;

use bandmate_core::host::{Atom, GrooveObject, Options, Output, GROOVE};
use pd_sys::{
    _class as t_class, _clock as t_clock, _outlet as t_outlet, t_atom, t_object, t_symbol,
};

use crate::pd;

const NAME: &str = "bandmate.groove";

static mut CLASS: *mut t_class = std::ptr::null_mut();

#[repr(C)]
struct PdGroove {
    obj: t_object,
    notes: *mut t_outlet,
    info: *mut t_outlet,
    clock: *mut t_clock,
    origin: f64,
    inner: *mut GrooveObject,
    /// The folder of the patch the object is in: relative paths are found there first.
    dir: *mut PathBuf,
}

impl PdGroove {
    fn this(&self) -> *const c_void {
        self as *const PdGroove as *const c_void
    }

    fn now(&self) -> f64 {
        pd::ms_since(self.origin)
    }

    /// Hand a message to the object, report a refusal, then emit and reschedule.
    fn message(&mut self, selector: &str, args: &[Atom]) {
        let now = self.now();
        // SAFETY: `dir` is set in `new` and freed only in `free`.
        let args = GROOVE.resolve_paths(selector, args, unsafe { &*self.dir });
        // SAFETY: `inner` is set in `new` and freed only in `free`.
        let inner = unsafe { &mut *self.inner };
        if let Err(e) = inner.message(now, selector, &args) {
            self.report(&e.to_string());
        }
        self.flush(now);
    }

    fn report(&self, text: &str) {
        pd::error(self.this(), &format!("{NAME}: {text}"));
        // SAFETY: live outlet.
        unsafe { pd::send(self.info, "error", &bandmate_core::host::atoms(text)) };
    }

    /// Emit everything the object has for us, then set the clock for its next wake-up.
    fn flush(&mut self, now: f64) {
        // SAFETY: as in `message`.
        let inner = unsafe { &mut *self.inner };
        let mut outs = Vec::new();
        inner.drain(|o| outs.push(o));
        for o in outs {
            match o {
                Output::Note { note, velocity, .. } => unsafe {
                    pd::send(
                        self.notes,
                        "list",
                        &[Atom::Float(note.into()), Atom::Float(velocity.into())],
                    )
                },
                Output::Info(sel, args) => unsafe { pd::send(self.info, &sel, &args) },
                Output::Error(e) => self.report(&e),
                Output::Render(name) => {
                    if let Err(e) = self.render(&name) {
                        self.report(&format!("render: {e}"));
                    }
                }
            }
        }
        // SAFETY: the clock belongs to this object.
        unsafe {
            match inner.wake_at(now) {
                Some(t) => pd_sys::clock_delay(self.clock, (t - now).max(0.0)),
                None => pd_sys::clock_unset(self.clock),
            }
        }
    }

    /// `render NAME`: the loop into arrays NAME-l and NAME-r at Pd's sample rate.
    fn render(&mut self, name: &str) -> Result<(), String> {
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
        // SAFETY: as in `message`.
        let audio = unsafe { &mut *self.inner }
            .render(sr)
            .map_err(|e| e.to_string())?;
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
}

unsafe extern "C" fn new(_s: *mut t_symbol, argc: c_int, argv: *mut t_atom) -> *mut c_void {
    pd::guard(std::ptr::null(), NAME, std::ptr::null_mut(), || {
        let args = pd::atoms_in(argc, argv);
        let options = Options {
            plugin_dir: pd::class_dir(CLASS),
            load_default: true,
        };
        let mut inner = match GrooveObject::new(&options) {
            Ok(o) => o,
            Err(e) => {
                pd::error(std::ptr::null(), &format!("{NAME}: {e}"));
                return std::ptr::null_mut();
            }
        };
        inner.set_sample_rate(pd::sample_rate().round() as u32);
        let origin = pd::logical_time();
        if let Err(e) = inner.create_with(0.0, &args) {
            // Refuse to create: Pd then says "couldn't create" next to our reason.
            pd::error(std::ptr::null(), &format!("{NAME}: {e}"));
            return std::ptr::null_mut();
        }
        let x = pd_sys::pd_new(CLASS) as *mut PdGroove;
        let obj = &mut (*x).obj as *mut t_object;
        (*x).notes = pd_sys::outlet_new(obj, std::ptr::addr_of_mut!(pd_sys::s_list));
        (*x).info = pd_sys::outlet_new(obj, std::ptr::null_mut());
        (*x).clock = pd_sys::clock_new(
            x as *mut c_void,
            Some(std::mem::transmute::<
                unsafe extern "C" fn(*mut PdGroove),
                unsafe extern "C" fn(),
            >(tick)),
        );
        (*x).origin = origin;
        (*x).inner = Box::into_raw(Box::new(inner));
        (*x).dir = Box::into_raw(Box::new(pd::canvas_dir()));
        // Whatever creation produced (the default model loading) goes out on the first tick.
        pd_sys::clock_delay((*x).clock, 0.0);
        x as *mut c_void
    })
}

unsafe extern "C" fn free(x: *mut PdGroove) {
    pd::guard(x as *const c_void, NAME, (), || {
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

unsafe extern "C" fn tick(x: *mut PdGroove) {
    pd::guard(x as *const c_void, NAME, (), || {
        let x = &mut *x;
        let now = x.now();
        (*x.inner).tick(now);
        x.flush(now);
    })
}

unsafe extern "C" fn anything(x: *mut PdGroove, s: *mut t_symbol, argc: c_int, argv: *mut t_atom) {
    pd::guard(x as *const c_void, NAME, (), || {
        let sel = pd::name(s);
        let args = pd::atoms_in(argc, argv);
        (*x).message(&sel, &args);
    })
}

unsafe extern "C" fn bang(x: *mut PdGroove) {
    pd::guard(x as *const c_void, NAME, (), || (*x).message("tap", &[]))
}

unsafe extern "C" fn float(x: *mut PdGroove, f: pd_sys::t_float) {
    pd::guard(x as *const c_void, NAME, (), || {
        // a velocity: `tap` itself ignores 0 (a note-off from [notein])
        (*x).message("tap", &[Atom::Float(f64::from(f))])
    })
}

unsafe extern "C" fn list(x: *mut PdGroove, _s: *mut t_symbol, argc: c_int, argv: *mut t_atom) {
    pd::guard(x as *const c_void, NAME, (), || {
        let args = pd::atoms_in(argc, argv);
        (*x).report(&GROOVE.not_a_message(&args));
    })
}

/// Called by Pd when it loads `bandmate.groove.pd_linux`.
///
/// # Safety
/// Pd calls this once, on its main thread.
pub unsafe fn setup() {
    type Method = pd::Method;
    let c = pd::new_class::<PdGroove>(NAME, new, free, anything);
    CLASS = c;
    pd_sys::class_addlist(
        c,
        Some(std::mem::transmute::<
            unsafe extern "C" fn(*mut PdGroove, *mut t_symbol, c_int, *mut t_atom),
            Method,
        >(list)),
    );
    pd_sys::class_addbang(
        c,
        Some(std::mem::transmute::<
            unsafe extern "C" fn(*mut PdGroove),
            Method,
        >(bang)),
    );
    pd_sys::class_doaddfloat(
        c,
        Some(std::mem::transmute::<
            unsafe extern "C" fn(*mut PdGroove, pd_sys::t_float),
            Method,
        >(float)),
    );
}
