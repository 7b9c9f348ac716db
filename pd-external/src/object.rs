//! Every bandmate object in Pd, written once over the core's [`Object`] contract: one class
//! per registry [`Entry`], made from its declaration. Nothing musical and no object or message
//! name here: this file only translates atoms, drives a clock, and writes outlets and arrays.
//!
//! - Inlet: every declared message; a bare number, `bang` or list is what the declaration says
//!   it stands for ([`ObjectDecl::bare_selector`]), else refused with a hint.
//! - Outlets as declared: signal outlets get the object's [`Engine`] in the perform routine;
//!   notes leave by the notes outlet (`note velocity [channel]` lists), everything else (info
//!   lines, errors, `rendered`) by the last control outlet.
//! - Outputs: notes at their logical time (the clock wakes the object when
//!   [`Object::wake_at`] says), `render NAME` into arrays NAME-l / NAME-r, `array NAME` from
//!   arrays NAME-l / NAME-r or NAME.

use std::ffi::{c_int, c_void};
use std::path::PathBuf;
use std::sync::Mutex;

use bandmate_core::objects::{Atom, Engine, Entry, Object, Options, Output};
use pd_sys::{
    _class as t_class, _clock as t_clock, _outlet as t_outlet, t_atom, t_int, t_object, t_signal,
    t_symbol,
};

use crate::pd;

/// Most signal outlets an object may declare.
const MAX_SIGNALS: usize = 8;

/// The classes made so far, with their entries (found again by name in `new`).
static CLASSES: Mutex<Vec<(usize, &'static Entry)>> = Mutex::new(Vec::new());

fn class_of(name: &str) -> Option<(*mut t_class, &'static Entry)> {
    let classes = CLASSES.lock().unwrap_or_else(|e| e.into_inner());
    classes
        .iter()
        .find(|(_, e)| e.decl.name == name)
        .map(|&(c, e)| (c as *mut t_class, e))
}

#[repr(C)]
pub struct PdObject {
    obj: t_object,
    entry: *const Entry,
    /// Notes leave here (the declared notes outlet; null if none).
    notes: *mut t_outlet,
    /// Info lines and errors leave here (the last control outlet).
    info: *mut t_outlet,
    clock: *mut t_clock,
    origin: f64,
    inner: *mut Box<dyn Object>,
    engine: *mut Option<Box<dyn Engine>>,
    signals: usize,
    /// The folder of the patch the object is in: relative paths are found there first.
    dir: *mut PathBuf,
}

impl PdObject {
    fn this(&self) -> *const c_void {
        self as *const Self as *const c_void
    }

    fn entry(&self) -> &'static Entry {
        // SAFETY: set in `new` from a `&'static Entry`.
        unsafe { &*self.entry }
    }

    fn name(&self) -> &'static str {
        self.entry().decl.name
    }

    fn now(&self) -> f64 {
        pd::ms_since(self.origin)
    }

    fn inner(&mut self) -> &mut dyn Object {
        // SAFETY: `inner` is set in `new` and freed only in `free`.
        unsafe { &mut **self.inner }
    }

    /// Hand a message to the object, report a refusal, then emit and reschedule.
    fn message(&mut self, selector: &str, args: &[Atom]) {
        let now = self.now();
        // SAFETY: `dir` is set in `new` and freed only in `free`.
        let dir = unsafe { &*self.dir };
        let args = self.entry().decl.resolve_paths(selector, args, dir);
        if let Err(e) = self.inner().message(now, selector, &args) {
            self.report(&e.to_string());
        }
        self.flush(now);
    }

    fn report(&self, text: &str) {
        pd::error(self.this(), &format!("{}: {text}", self.name()));
        // SAFETY: live outlet.
        unsafe { pd::send(self.info, "error", &bandmate_core::objects::atoms(text)) };
    }

    /// Emit everything the object has for us, then set the clock for its next wake-up.
    fn flush(&mut self, now: f64) {
        let mut outs = std::collections::VecDeque::new();
        self.inner().drain_into(&mut |o| outs.push_back(o));
        while let Some(o) = outs.pop_front() {
            match o {
                Output::Note {
                    note,
                    velocity,
                    channel,
                    ..
                } => {
                    let list: Vec<Atom> = self
                        .entry()
                        .decl
                        .note_list(note, velocity, channel)
                        .into_iter()
                        .map(|n| Atom::Float(n as f64))
                        .collect();
                    if !self.notes.is_null() {
                        // SAFETY: live outlet.
                        unsafe { pd::send(self.notes, "list", &list) }
                    }
                }
                // SAFETY: live outlet.
                Output::Info(sel, args) | Output::Event(sel, args) => unsafe {
                    pd::send(self.info, &sel, &args)
                },
                // The fragment is in the object already.
                Output::Stored { .. } => {}
                Output::Error(e) => self.report(&e),
                Output::Render(name) => {
                    if let Err(e) = self.render(&name) {
                        self.report(&format!("render: {e}"));
                    }
                }
                Output::FetchArray { name, slot } => {
                    let r = read_arrays(&name).and_then(|chans| {
                        let sr = pd::sample_rate().round() as u32;
                        self.inner()
                            .take_array(&name, chans, sr, slot)
                            .map_err(|e| e.to_string())
                    });
                    if let Err(e) = r {
                        self.report(&format!("array: {e}"));
                    }
                    self.inner().drain_into(&mut |o| outs.push_back(o));
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
        let right = audio.channels.get(1).unwrap_or(&audio.channels[0]);
        pd::write_array(&l, &audio.channels[0])?;
        pd::write_array(&r, right)?;
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

    /// A bare number, a bang (`None`) or a list, as the declaration reads them.
    fn numbers(&mut self, args: Vec<Atom>, list: bool) {
        match self.entry().decl.bare_selector(&args, list) {
            Ok(sel) => self.message(sel, &args),
            Err(hint) => self.report(&hint),
        }
    }
}

/// Arrays NAME-l and NAME-r (stereo), else NAME (mono).
fn read_arrays(name: &str) -> Result<Vec<Vec<f32>>, String> {
    let (l, r) = (format!("{name}-l"), format!("{name}-r"));
    if pd::array_exists(&l) && pd::array_exists(&r) {
        Ok(vec![pd::read_array(&l)?, pd::read_array(&r)?])
    } else if pd::array_exists(name) {
        Ok(vec![pd::read_array(name)?])
    } else {
        Err(format!(
            "no arrays named '{l}' and '{r}' (stereo) or '{name}' (mono)"
        ))
    }
}

unsafe extern "C" fn new(s: *mut t_symbol, argc: c_int, argv: *mut t_atom) -> *mut c_void {
    let name = pd::name(s);
    pd::guard(std::ptr::null(), &name, std::ptr::null_mut(), || {
        let Some((class, entry)) = class_of(&name) else {
            return std::ptr::null_mut();
        };
        let args = pd::atoms_in(argc, argv);
        let options = Options {
            plugin_dir: pd::class_dir(class),
            load_default: true,
            ..Options::default()
        };
        let made = (entry.make)(&options, &args).and_then(|mut inner| {
            inner.set_sample_rate(pd::sample_rate().round() as u32);
            inner.create_with(0.0, &args)?;
            Ok(inner)
        });
        let mut inner = match made {
            Ok(o) => o,
            Err(e) => {
                // Refuse to create: Pd then says "couldn't create" next to our reason.
                pd::error(std::ptr::null(), &format!("{name}: {e}"));
                return std::ptr::null_mut();
            }
        };
        let engine = inner.take_engine();
        let origin = pd::logical_time();
        let x = pd_sys::pd_new(class) as *mut PdObject;
        let obj = &mut (*x).obj as *mut t_object;
        (*x).notes = std::ptr::null_mut();
        (*x).info = std::ptr::null_mut();
        let mut signals = 0;
        for o in entry.decl.outlets {
            if o.signal {
                pd_sys::outlet_new(obj, std::ptr::addr_of_mut!(pd_sys::s_signal));
                signals += 1;
            } else if o.notes {
                (*x).notes = pd_sys::outlet_new(obj, std::ptr::addr_of_mut!(pd_sys::s_list));
            } else {
                (*x).info = pd_sys::outlet_new(obj, std::ptr::null_mut());
            }
        }
        (*x).entry = entry;
        (*x).signals = signals.min(MAX_SIGNALS);
        (*x).clock = pd_sys::clock_new(
            x as *mut c_void,
            Some(std::mem::transmute::<
                unsafe extern "C" fn(*mut PdObject),
                unsafe extern "C" fn(),
            >(tick)),
        );
        (*x).origin = origin;
        (*x).inner = Box::into_raw(Box::new(inner));
        (*x).engine = Box::into_raw(Box::new(engine));
        (*x).dir = Box::into_raw(Box::new(pd::canvas_dir()));
        // Whatever creation produced (the default model loading) goes out on the first tick.
        pd_sys::clock_delay((*x).clock, 0.0);
        x as *mut c_void
    })
}

unsafe extern "C" fn free(x: *mut PdObject) {
    pd::guard(x as *const c_void, (*x).name(), (), || {
        pd_sys::clock_free((*x).clock);
        // Pd rebuilds the DSP chain without this object before calling `free`: the engine is
        // no longer used by any perform routine.
        if !(*x).inner.is_null() {
            drop(Box::from_raw((*x).inner));
            (*x).inner = std::ptr::null_mut();
        }
        if !(*x).engine.is_null() {
            drop(Box::from_raw((*x).engine));
            (*x).engine = std::ptr::null_mut();
        }
        if !(*x).dir.is_null() {
            drop(Box::from_raw((*x).dir));
            (*x).dir = std::ptr::null_mut();
        }
    })
}

unsafe extern "C" fn tick(x: *mut PdObject) {
    pd::guard(x as *const c_void, (*x).name(), (), || {
        let x = &mut *x;
        let now = x.now();
        x.inner().tick(now);
        x.flush(now);
    })
}

unsafe extern "C" fn anything(x: *mut PdObject, s: *mut t_symbol, argc: c_int, argv: *mut t_atom) {
    pd::guard(x as *const c_void, (*x).name(), (), || {
        let sel = pd::name(s);
        let args = pd::atoms_in(argc, argv);
        (*x).message(&sel, &args);
    })
}

unsafe extern "C" fn bang(x: *mut PdObject) {
    pd::guard(x as *const c_void, (*x).name(), (), || {
        (*x).numbers(Vec::new(), false)
    })
}

unsafe extern "C" fn float(x: *mut PdObject, f: pd_sys::t_float) {
    pd::guard(x as *const c_void, (*x).name(), (), || {
        (*x).numbers(vec![Atom::Float(f64::from(f))], false)
    })
}

unsafe extern "C" fn list(x: *mut PdObject, _s: *mut t_symbol, argc: c_int, argv: *mut t_atom) {
    pd::guard(x as *const c_void, (*x).name(), (), || {
        let args = pd::atoms_in(argc, argv);
        (*x).numbers(args, true)
    })
}

/// The perform routine: w[1] the object, w[2] the block size, w[3..] the signal outlets.
unsafe extern "C" fn perform(w: *mut t_int) -> *mut t_int {
    let x = *w.add(1) as *mut PdObject;
    let n = *w.add(2) as usize;
    let signals = (*x).signals;
    let mut outs: [&mut [f32]; MAX_SIGNALS] = Default::default();
    for (i, o) in outs.iter_mut().enumerate().take(signals) {
        *o = std::slice::from_raw_parts_mut(*w.add(3 + i) as *mut f32, n);
    }
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if let Some(engine) = (*(*x).engine).as_mut() {
            engine.process(&mut outs[..signals]);
        } else {
            outs[..signals].iter_mut().for_each(|o| o.fill(0.0));
        }
    }));
    if ok.is_err() {
        outs[..signals].iter_mut().for_each(|o| o.fill(0.0));
    }
    w.add(3 + signals)
}

unsafe extern "C" fn dsp(x: *mut PdObject, sp: *mut *mut t_signal) {
    pd::guard(x as *const c_void, (*x).name(), (), || {
        let signals = (*x).signals;
        if signals == 0 {
            return;
        }
        let first = *sp;
        let sr = f64::from((*first).s_sr);
        // The object and its engine both hear of the new rate (imports are made at it).
        (*x).inner().set_sample_rate(sr.round() as u32);
        if let Some(engine) = (*(*x).engine).as_mut() {
            if let Err(e) = engine.set_sample_rate(sr) {
                (*x).report(&e.to_string());
            }
        }
        let mut v: Vec<t_int> = vec![x as t_int, (*first).s_n as t_int];
        for i in 0..signals {
            v.push((**sp.add(i)).s_vec as t_int);
        }
        pd_sys::dsp_addv(Some(perform), v.len() as c_int, v.as_mut_ptr());
    })
}

/// Make `entry`'s class: called by the setup function Pd finds for the object's name.
///
/// # Safety
/// Pd's main thread, from a setup function.
pub unsafe fn setup(entry: &'static Entry) {
    type Method = pd::Method;
    let name = entry.decl.name;
    if class_of(name).is_some() {
        return;
    }
    let c = pd::new_class::<PdObject>(name, new, free, anything);
    pd_sys::class_addlist(
        c,
        Some(std::mem::transmute::<pd::Anything<PdObject>, Method>(list)),
    );
    pd_sys::class_addbang(
        c,
        Some(std::mem::transmute::<
            unsafe extern "C" fn(*mut PdObject),
            Method,
        >(bang)),
    );
    pd_sys::class_doaddfloat(
        c,
        Some(std::mem::transmute::<
            unsafe extern "C" fn(*mut PdObject, pd_sys::t_float),
            Method,
        >(float)),
    );
    if entry.decl.outlets.iter().any(|o| o.signal) {
        pd_sys::class_addmethod(
            c,
            Some(std::mem::transmute::<
                unsafe extern "C" fn(*mut PdObject, *mut *mut t_signal),
                Method,
            >(dsp)),
            pd::sym("dsp"),
            pd_sys::t_atomtype::A_CANT,
            0,
        );
    }
    CLASSES
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push((c as usize, entry));
}
