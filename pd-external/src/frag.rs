//! `[bandmate.frag~]` in Pd: the core fragment bank ([`FragObject`] on Pd's message side,
//! [`BankEngine`] in the perform routine). Pd runs both on one thread; the core keeps them apart
//! anyway (a lock-free queue), as Max needs. Only translation here.

use std::ffi::{c_int, c_void};
use std::path::PathBuf;

use bandmate_core::fragbank::BankEngine;
use bandmate_core::host::frag_object::FragOutput;
use bandmate_core::host::{atoms, Atom, FragObject, FRAG};
use pd_sys::{
    _class as t_class, _clock as t_clock, _outlet as t_outlet, t_atom, t_int, t_object, t_signal,
    t_symbol,
};

use crate::pd;

const NAME: &str = "bandmate.frag~";
/// How often slot events are read while something plays (ms).
const POLL_MS: f64 = 20.0;

static mut CLASS: *mut t_class = std::ptr::null_mut();

#[repr(C)]
struct PdFrag {
    obj: t_object,
    info: *mut t_outlet,
    clock: *mut t_clock,
    inner: *mut FragObject,
    engine: *mut BankEngine,
    dir: *mut PathBuf,
}

impl PdFrag {
    fn this(&self) -> *const c_void {
        self as *const PdFrag as *const c_void
    }

    fn report(&self, text: &str) {
        pd::error(self.this(), &format!("{NAME}: {text}"));
        // SAFETY: live outlet.
        unsafe { pd::send(self.info, "error", &atoms(text)) };
    }

    fn message(&mut self, selector: &str, args: &[Atom]) {
        // SAFETY: set in `new`, freed in `free`.
        let (inner, dir) = unsafe { (&mut *self.inner, &*self.dir) };
        let args = FRAG.resolve_paths(selector, args, dir);
        if let Err(e) = inner.message(selector, &args) {
            self.report(&e.to_string());
        }
        self.flush();
        // Slot events follow once the engine has run.
        // SAFETY: the clock belongs to this object.
        unsafe { pd_sys::clock_delay(self.clock, POLL_MS) };
    }

    fn flush(&mut self) {
        // SAFETY: as in `message`.
        let inner = unsafe { &mut *self.inner };
        let mut outs = Vec::new();
        inner.drain(|o| outs.push(o));
        for o in outs {
            match o {
                FragOutput::Info(sel, args) => unsafe { pd::send(self.info, &sel, &args) },
                FragOutput::Error(e) => self.report(&e),
                FragOutput::FetchArray { name, slot } => {
                    let r = read_arrays(&name).and_then(|chans| {
                        let sr = pd::sample_rate().round() as u32;
                        inner
                            .take_array(&name, chans, sr, slot)
                            .map_err(|e| e.to_string())
                    });
                    if let Err(e) = r {
                        self.report(&format!("array: {e}"));
                    }
                    let mut more = Vec::new();
                    inner.drain(|o| more.push(o));
                    for o in more {
                        if let FragOutput::Info(sel, args) = o {
                            unsafe { pd::send(self.info, &sel, &args) }
                        }
                    }
                }
            }
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

unsafe extern "C" fn new(_s: *mut t_symbol, argc: c_int, argv: *mut t_atom) -> *mut c_void {
    pd::guard(std::ptr::null(), NAME, std::ptr::null_mut(), || {
        let args = pd::atoms_in(argc, argv);
        let made = FragObject::slots_from_creation(&args)
            .and_then(|n| FragObject::new(n, pd::sample_rate()));
        let (mut inner, engine) = match made {
            Ok(x) => x,
            Err(e) => {
                pd::error(std::ptr::null(), &format!("{NAME}: {e}"));
                return std::ptr::null_mut();
            }
        };
        // @attributes (`@tempo 120 @quantize ...` are messages, `@tempo` an attribute)
        if let Err(e) = inner.create_with(&args) {
            pd::error(std::ptr::null(), &format!("{NAME}: {e}"));
            return std::ptr::null_mut();
        }
        let x = pd_sys::pd_new(CLASS) as *mut PdFrag;
        let obj = &mut (*x).obj as *mut t_object;
        pd_sys::outlet_new(obj, std::ptr::addr_of_mut!(pd_sys::s_signal));
        pd_sys::outlet_new(obj, std::ptr::addr_of_mut!(pd_sys::s_signal));
        (*x).info = pd_sys::outlet_new(obj, std::ptr::null_mut());
        (*x).clock = pd_sys::clock_new(
            x as *mut c_void,
            Some(std::mem::transmute::<
                unsafe extern "C" fn(*mut PdFrag),
                unsafe extern "C" fn(),
            >(tick)),
        );
        (*x).inner = Box::into_raw(Box::new(inner));
        (*x).engine = Box::into_raw(Box::new(engine));
        (*x).dir = Box::into_raw(Box::new(pd::canvas_dir()));
        x as *mut c_void
    })
}

unsafe extern "C" fn free(x: *mut PdFrag) {
    pd::guard(x as *const c_void, NAME, (), || {
        pd_sys::clock_free((*x).clock);
        // Pd rebuilds the DSP chain without this object before calling `free`: the engine is
        // no longer used by any perform routine.
        if !(*x).inner.is_null() {
            drop(Box::from_raw((*x).inner));
        }
        if !(*x).engine.is_null() {
            drop(Box::from_raw((*x).engine));
        }
        if !(*x).dir.is_null() {
            drop(Box::from_raw((*x).dir));
        }
    })
}

unsafe extern "C" fn tick(x: *mut PdFrag) {
    pd::guard(x as *const c_void, NAME, (), || {
        let x = &mut *x;
        (*x.inner).poll();
        x.flush();
        if (*x.inner).busy() {
            pd_sys::clock_delay(x.clock, POLL_MS);
        }
    })
}

unsafe extern "C" fn anything(x: *mut PdFrag, s: *mut t_symbol, argc: c_int, argv: *mut t_atom) {
    pd::guard(x as *const c_void, NAME, (), || {
        let sel = pd::name(s);
        let args = pd::atoms_in(argc, argv);
        (*x).message(&sel, &args);
    })
}

/// The perform routine: w[1] the object, w[2] and w[3] the outlets, w[4] the block size.
unsafe extern "C" fn perform(w: *mut t_int) -> *mut t_int {
    let x = *w.add(1) as *mut PdFrag;
    let left = *w.add(2) as *mut f32;
    let right = *w.add(3) as *mut f32;
    let n = *w.add(4) as usize;
    let l = std::slice::from_raw_parts_mut(left, n);
    let r = std::slice::from_raw_parts_mut(right, n);
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (*(*x).engine).process(l, r);
    }));
    if ok.is_err() {
        l.fill(0.0);
        r.fill(0.0);
    }
    w.add(5)
}

unsafe extern "C" fn dsp(x: *mut PdFrag, sp: *mut *mut t_signal) {
    pd::guard(x as *const c_void, NAME, (), || {
        let (l, r) = (*sp, *sp.add(1));
        if let Err(e) = (*(*x).engine).set_sample_rate(f64::from((*l).s_sr)) {
            (*x).report(&e.to_string());
        }
        pd_sys::dsp_add(
            Some(perform),
            4,
            x as t_int,
            (*l).s_vec as t_int,
            (*r).s_vec as t_int,
            (*l).s_n as t_int,
        );
    })
}

/// Called by Pd when it loads `bandmate.frag~.pd_linux`.
///
/// # Safety
/// Pd calls this once, on its main thread.
pub unsafe fn setup() {
    type Method = pd::Method;
    let c = pd::new_class::<PdFrag>(NAME, new, free, anything);
    CLASS = c;
    pd_sys::class_addmethod(
        c,
        Some(std::mem::transmute::<
            unsafe extern "C" fn(*mut PdFrag, *mut *mut t_signal),
            Method,
        >(dsp)),
        pd::sym("dsp"),
        pd_sys::t_atomtype::A_CANT,
        0,
    );
}
