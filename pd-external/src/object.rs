//! Every bandmate object in Pd, written once over the core's [`Object`] contract: one class
//! per registry [`Entry`], made from its declaration. Nothing musical and no object or message
//! name here: this file only translates atoms, drives a clock, and writes outlets and arrays.
//!
//! - Inlet: every declared message; a bare number, `bang` or list is what the declaration says
//!   it stands for ([`ObjectDecl::bare_selector`]), else refused with a hint.
//! - Signal inlets as declared: the left inlet takes a signal as well as every message (Pd's
//!   convention: a float there is the signal's value when nothing is connected), more signal
//!   inlets to its right; their blocks are the [`Engine`]'s inputs.
//! - Outlets as declared: signal outlets get the object's [`Engine`] in the perform routine;
//!   notes leave by the notes outlet (`note velocity [channel]` lists), messages for another
//!   object by the message outlet, everything else (info lines, errors, `rendered`) by the last
//!   control outlet.
//! - Outputs: notes at their logical time (the clock wakes the object when
//!   [`Object::wake_at`] says), `render NAME` into arrays NAME-l / NAME-r, `array NAME` from
//!   arrays NAME-l / NAME-r or NAME.

use std::ffi::{c_int, c_void};
use std::sync::Mutex;

use bandmate_core::objects::shell::{HostIo, Shell};
use bandmate_core::objects::{Atom, Entry, Options};
use bandmate_core::wav::Audio;
use pd_sys::{
    _class as t_class, _clock as t_clock, _outlet as t_outlet, t_atom, t_int, t_object, t_signal,
    t_symbol,
};

use crate::pd;

/// Most signal outlets (and most signal inlets) an object may declare.
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
    shell: *mut Shell,
    /// Notes leave here (the declared notes outlet; null if none).
    notes: *mut t_outlet,
    /// Info lines and errors leave here (the last control outlet).
    info: *mut t_outlet,
    /// Messages for another object leave here (the declared message outlet; null if none).
    msgs: *mut t_outlet,
    clock: *mut t_clock,
    origin: f64,
    signals: usize,
    /// Signal inlets, and the left one's value when nothing is connected (Pd writes it).
    inlets: usize,
    f: pd_sys::t_float,
    /// The inputs copied out of Pd's vectors before the engine writes its outputs (Pd may
    /// hand an input and an output in the same memory); sized in `dsp`, off the audio thread.
    inputs: *mut Vec<Vec<f32>>,
    /// The canvas the object is in: where relative paths are looked for ([`pd::find`]).
    canvas: *mut pd_sys::_glist,
}

/// The patch as the shell reaches it: this object's outlets and Pd's arrays.
struct Io {
    this: *const c_void,
    notes: *mut t_outlet,
    info: *mut t_outlet,
    msgs: *mut t_outlet,
    canvas: *mut pd_sys::_glist,
}

impl HostIo for Io {
    fn notes(&mut self, list: &[i64]) {
        let atoms: Vec<Atom> = list.iter().map(|&n| Atom::Float(n as f64)).collect();
        // SAFETY: the live notes outlet (the shell calls this only for an object with one).
        unsafe { pd::send(self.notes, "list", &atoms) }
    }
    fn info(&mut self, selector: &str, args: &[Atom]) {
        // SAFETY: a live outlet of this object.
        unsafe { pd::send(self.info, selector, args) }
    }
    fn send(&mut self, selector: &str, args: &[Atom]) {
        // SAFETY: the live message outlet (the shell calls this only for an object with one).
        unsafe { pd::send(self.msgs, selector, args) }
    }
    fn console_error(&mut self, text: &str) {
        pd::error(self.this, text);
    }
    /// Arrays NAME-l and NAME-r, at Pd's rate.
    fn render_rate(&mut self, name: &str) -> Result<Option<u32>, String> {
        for a in [format!("{name}-l"), format!("{name}-r")] {
            if !pd::array_exists(&a) {
                return Err(format!(
                    "no array named '{a}' (render NAME writes arrays NAME-l and NAME-r: make \
                     them with [array define {a}])"
                ));
            }
        }
        Ok(Some(pd::sample_rate().round() as u32))
    }
    fn write_render(&mut self, name: &str, audio: &Audio) -> Result<usize, String> {
        let right = audio.channels.get(1).unwrap_or(&audio.channels[0]);
        pd::write_array(&format!("{name}-l"), &audio.channels[0])?;
        pd::write_array(&format!("{name}-r"), right)?;
        Ok(audio.frames())
    }
    /// Arrays NAME-l and NAME-r (stereo), else NAME (mono).
    fn read_array(&mut self, name: &str) -> Result<(Vec<Vec<f32>>, u32), String> {
        let (l, r) = (format!("{name}-l"), format!("{name}-r"));
        let chans = if pd::array_exists(&l) && pd::array_exists(&r) {
            vec![pd::read_array(&l)?, pd::read_array(&r)?]
        } else if pd::array_exists(name) {
            vec![pd::read_array(name)?]
        } else {
            return Err(format!(
                "no arrays named '{l}' and '{r}' (stereo) or '{name}' (mono)"
            ));
        };
        Ok((chans, pd::sample_rate().round() as u32))
    }
    /// The canvas's `[declare]`d paths and Pd's search path.
    fn find(&mut self, relative: &str) -> Option<std::path::PathBuf> {
        // SAFETY: Pd's main thread (messages arrive there); the object's own canvas, which
        // outlives it.
        unsafe { pd::find(self.canvas, relative) }
    }
}

impl PdObject {
    fn name(&self) -> &'static str {
        self.shell().name()
    }

    fn shell(&self) -> &Shell {
        // SAFETY: set in `new`, freed only in `free`.
        unsafe { &*self.shell }
    }

    fn now(&self) -> f64 {
        pd::ms_since(self.origin)
    }

    /// The shell and what it reaches the patch with.
    fn parts(&mut self) -> (&mut Shell, Io) {
        let io = Io {
            this: self as *const Self as *const c_void,
            notes: self.notes,
            info: self.info,
            msgs: self.msgs,
            canvas: self.canvas,
        };
        // SAFETY: set in `new`, freed only in `free`; the Io holds no reference into it.
        (unsafe { &mut *self.shell }, io)
    }

    /// Set the clock for the object's next wake-up.
    fn wake(&mut self, at: Option<f64>, now: f64) {
        // SAFETY: the clock belongs to this object.
        unsafe {
            match at {
                Some(t) => pd_sys::clock_delay(self.clock, (t - now).max(0.0)),
                None => pd_sys::clock_unset(self.clock),
            }
        }
    }

    fn message(&mut self, selector: &str, args: &[Atom]) {
        let now = self.now();
        let (shell, mut io) = self.parts();
        let (_, wake) = shell.message(now, selector, args, &mut io);
        self.wake(wake, now);
    }

    /// A bare number, a bang (no atoms) or a list, as the declaration reads them.
    fn numbers(&mut self, args: Vec<Atom>, list: bool) {
        let now = self.now();
        let (shell, mut io) = self.parts();
        let wake = shell.numbers(now, &args, list, &mut io);
        self.wake(wake, now);
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
        let sr = pd::sample_rate().round() as u32;
        let shell = match Shell::create(entry, &options, &args, sr, pd::canvas_dir()) {
            Ok(s) => s,
            Err(e) => {
                // Refuse to create: Pd then says "couldn't create" next to our reason.
                pd::error(std::ptr::null(), &format!("{name}: {e}"));
                return std::ptr::null_mut();
            }
        };
        let origin = pd::logical_time();
        let x = pd_sys::pd_new(class) as *mut PdObject;
        let obj = &mut (*x).obj as *mut t_object;
        (*x).notes = std::ptr::null_mut();
        (*x).info = std::ptr::null_mut();
        (*x).msgs = std::ptr::null_mut();
        (*x).canvas = pd::current_canvas();
        // The left inlet is the signal one already (class_domainsignalin); more to its right.
        let inlets = entry.decl.signal_inlets.min(MAX_SIGNALS);
        (*x).f = 0.0;
        for _ in 1..inlets {
            pd_sys::inlet_new(
                obj,
                obj as *mut pd_sys::t_pd,
                std::ptr::addr_of_mut!(pd_sys::s_signal),
                std::ptr::addr_of_mut!(pd_sys::s_signal),
            );
        }
        (*x).inlets = inlets;
        (*x).inputs = Box::into_raw(Box::new(vec![Vec::new(); inlets]));
        let mut signals = 0;
        for o in entry.decl.outlets {
            if o.signal {
                pd_sys::outlet_new(obj, std::ptr::addr_of_mut!(pd_sys::s_signal));
                signals += 1;
            } else if o.notes {
                (*x).notes = pd_sys::outlet_new(obj, std::ptr::addr_of_mut!(pd_sys::s_list));
            } else if o.messages {
                (*x).msgs = pd_sys::outlet_new(obj, std::ptr::null_mut());
            } else {
                (*x).info = pd_sys::outlet_new(obj, std::ptr::null_mut());
            }
        }
        (*x).signals = signals.min(MAX_SIGNALS);
        (*x).clock = pd_sys::clock_new(
            x as *mut c_void,
            Some(std::mem::transmute::<
                unsafe extern "C" fn(*mut PdObject),
                unsafe extern "C" fn(),
            >(tick)),
        );
        (*x).origin = origin;
        (*x).shell = Box::into_raw(Box::new(shell));
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
        drop(Box::from_raw((*x).shell));
        drop(Box::from_raw((*x).inputs));
    })
}

unsafe extern "C" fn tick(x: *mut PdObject) {
    pd::guard(x as *const c_void, (*x).name(), (), || {
        let x = &mut *x;
        let now = x.now();
        let (shell, mut io) = x.parts();
        let wake = shell.tick(now, &mut io);
        x.wake(wake, now);
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

/// The perform routine: w[1] the object, w[2] the block size, w[3..] the signal inlets, then
/// the signal outlets.
unsafe extern "C" fn perform(w: *mut t_int) -> *mut t_int {
    let x = *w.add(1) as *mut PdObject;
    let n = *w.add(2) as usize;
    let (inlets, signals) = ((*x).inlets, (*x).signals);
    // The inputs first, copied into buffers `dsp` sized: an output may share their memory.
    let copies = &mut *(*x).inputs;
    let mut ins: [&[f32]; MAX_SIGNALS] = Default::default();
    for (i, (slot, copy)) in ins
        .iter_mut()
        .zip(copies.iter_mut())
        .enumerate()
        .take(inlets)
    {
        if copy.len() >= n {
            let from = std::slice::from_raw_parts(*w.add(3 + i) as *const f32, n);
            copy[..n].copy_from_slice(from);
            *slot = &copy[..n];
        }
    }
    let mut outs: [&mut [f32]; MAX_SIGNALS] = Default::default();
    for (i, o) in outs.iter_mut().enumerate().take(signals) {
        *o = std::slice::from_raw_parts_mut(*w.add(3 + inlets + i) as *mut f32, n);
    }
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (*(*x).shell).process(&ins[..inlets], &mut outs[..signals]);
    }));
    if ok.is_err() {
        outs[..signals].iter_mut().for_each(|o| o.fill(0.0));
    }
    w.add(3 + inlets + signals)
}

unsafe extern "C" fn dsp(x: *mut PdObject, sp: *mut *mut t_signal) {
    pd::guard(x as *const c_void, (*x).name(), (), || {
        let (inlets, signals) = ((*x).inlets, (*x).signals);
        if signals + inlets == 0 {
            return;
        }
        let first = *sp;
        let n = (*first).s_n.max(0) as usize;
        for copy in (*(*x).inputs).iter_mut() {
            copy.resize(n, 0.0);
        }
        // The object and its engine both hear of the new rate (imports are made at it).
        let (shell, mut io) = (*x).parts();
        shell.set_sample_rate(f64::from((*first).s_sr), &mut io);
        let mut v: Vec<t_int> = vec![x as t_int, n as t_int];
        for i in 0..inlets + signals {
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
    bandmate_core::model::set_exit_hook(pd::register_exit_handler);
    // `train` fine-tunes the groove model inside Pd (bandmate-tune)
    bandmate_tune::install();
    let name = entry.decl.name;
    if class_of(name).is_some() {
        return;
    }
    if entry.decl.max_only {
        pd::error(
            std::ptr::null(),
            &format!("{name} is a Max for Live object (a Live MIDI Tool): not for Pd"),
        );
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
    if entry.decl.signal_inlets > 0 {
        // The left inlet takes a signal; a float there is its value while nothing is
        // connected (Pd's convention), so the object takes no bare number.
        pd_sys::class_domainsignalin(c, std::mem::offset_of!(PdObject, f) as c_int);
    } else {
        pd_sys::class_doaddfloat(
            c,
            Some(std::mem::transmute::<
                unsafe extern "C" fn(*mut PdObject, pd_sys::t_float),
                Method,
            >(float)),
        );
    }
    if entry.decl.signal_inlets > 0 || entry.decl.outlets.iter().any(|o| o.signal) {
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
