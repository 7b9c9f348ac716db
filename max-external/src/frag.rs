//! `[bandmate.frag~]` in Max: the core fragment bank ([`FragObject`] on the message side,
//! [`BankEngine`] in `perform64` on the audio thread; they talk through the core's lock-free
//! queues). Only translation here.
//!
//! Outlets, left to right: left signal, right signal, info. `array NAME` copies buffer~ NAME
//! (its first two channels, or its one).

use std::ffi::{c_long, c_short, c_void};
use std::path::PathBuf;
use std::sync::OnceLock;

use bandmate_core::fragbank::BankEngine;
use bandmate_core::host::frag_object::FragOutput;
use bandmate_core::host::{atoms, Atom, FragObject, ObjectDecl, FRAG};

use crate::buffers::Buffers;
use crate::max::{self, t_atom, t_object, t_pxobject, t_symbol};
use crate::{attrs, class, method};

const NAME: &str = "bandmate.frag~";
/// How often slot events are read while something plays (ms).
const POLL_MS: f64 = 20.0;

static CLASS: OnceLock<usize> = OnceLock::new();
static ATTRS: OnceLock<attrs::Table> = OnceLock::new();

#[repr(C)]
pub struct MaxFrag {
    ob: t_pxobject,
    info: *mut c_void,
    clock: *mut c_void,
    inner: *mut FragObject,
    engine: *mut BankEngine,
    dir: *mut PathBuf,
    buffers: *mut Buffers,
    /// The engine renders 32-bit floats; MSP wants doubles. Sized in `dsp64`.
    scratch: *mut [Vec<f32>; 2],
    /// Attribute values as Max reads them (one per declared attribute, in order).
    attr_slots: [attrs::Slot; attrs::MAX],
}

impl MaxFrag {
    fn ob(&mut self) -> *mut t_object {
        &mut self.ob.z_ob
    }

    fn report(&mut self, text: &str) {
        max::error(self.ob(), &format!("{NAME}: {text}"));
        // SAFETY: live outlet.
        unsafe { max::send(self.info, "error", &atoms(text)) };
    }

    fn message(&mut self, selector: &str, args: &[Atom]) -> bool {
        // SAFETY: set in `new`, freed in `free`.
        let (inner, dir) = unsafe { (&mut *self.inner, &*self.dir) };
        let args = FRAG.resolve_paths(selector, args, dir);
        let r = inner.message(selector, &args);
        if let Err(e) = &r {
            self.report(&e.to_string());
        }
        self.flush();
        // Slot events and the worker's results follow.
        // SAFETY: the clock belongs to this object.
        unsafe { max::clock_fdelay(self.clock, POLL_MS) };
        r.is_ok()
    }

    fn flush(&mut self) {
        // SAFETY: as in `message`.
        let inner = unsafe { &mut *self.inner };
        let mut outs = std::collections::VecDeque::new();
        inner.drain(|o| outs.push_back(o));
        while let Some(o) = outs.pop_front() {
            match o {
                FragOutput::Info(sel, args) => unsafe { max::send(self.info, &sel, &args) },
                FragOutput::Error(e) => self.report(&e),
                FragOutput::FetchArray { name, slot } => {
                    let ob = self.ob();
                    // SAFETY: set in `new`, freed in `free`.
                    let buffers = unsafe { &mut *self.buffers };
                    let r = buffers.read(ob, &name).and_then(|(chans, sr)| {
                        inner
                            .take_array(&name, chans, sr.round() as u32, slot)
                            .map_err(|e| e.to_string())
                    });
                    if let Err(e) = r {
                        self.report(&format!("array: {e}"));
                    }
                    inner.drain(|o| outs.push_back(o));
                }
            }
        }
    }
}

impl class::Object for MaxFrag {
    const NAME: &'static str = NAME;
    const INLET: &'static str = "every message of bandmate.frag~";
    fn decl() -> &'static ObjectDecl {
        &FRAG
    }
    fn buffers(&mut self) -> &mut Buffers {
        // SAFETY: set in `new`, freed only in `free`.
        unsafe { &mut *self.buffers }
    }
    fn message(&mut self, selector: &str, args: &[Atom]) {
        MaxFrag::message(self, selector, args);
    }
    fn report(&mut self, text: &str) {
        MaxFrag::report(self, text);
    }
}

unsafe extern "C" fn new(_s: *mut t_symbol, argc: c_long, argv: *mut t_atom) -> *mut c_void {
    max::guard(std::ptr::null_mut(), NAME, std::ptr::null_mut(), || {
        let Some(&class) = CLASS.get() else {
            return std::ptr::null_mut();
        };
        // Positional arguments (before the first @attribute); the attributes go through Max's
        // attribute setters.
        let ac = argc.clamp(0, c_long::from(c_short::MAX)) as c_short;
        let positional = max::attr_args_offset(ac, argv);
        let args = max::atoms_in(positional, argv);
        let sr = f64::from(max::sys_getsr());
        let sr = if sr > 0.0 { sr } else { 48_000.0 };
        let made = FragObject::slots_from_creation(&args).and_then(|n| FragObject::new(n, sr));
        let (inner, engine) = match made {
            Ok(x) => x,
            Err(e) => {
                max::error(std::ptr::null_mut(), &format!("{NAME}: {e}"));
                return std::ptr::null_mut();
            }
        };
        let x = max::object_alloc(class as *mut c_void) as *mut MaxFrag;
        if x.is_null() {
            return std::ptr::null_mut();
        }
        max::z_dsp_setup(&mut (*x).ob, 0);
        (*x).ob.z_misc |= max::Z_NO_INPLACE;
        // Outlets are created right to left.
        (*x).info = max::outlet_new(x as *mut c_void, std::ptr::null());
        max::outlet_new(x as *mut c_void, c"signal".as_ptr());
        max::outlet_new(x as *mut c_void, c"signal".as_ptr());
        (*x).clock = max::clock_new(
            x as *mut c_void,
            method!(tick, unsafe extern "C" fn(*mut MaxFrag)),
        );
        (*x).inner = Box::into_raw(Box::new(inner));
        (*x).engine = Box::into_raw(Box::new(engine));
        (*x).dir = Box::into_raw(Box::new(max::patcher_dir()));
        (*x).buffers = Box::into_raw(Box::new(Buffers::default()));
        (*x).scratch = Box::into_raw(Box::new([Vec::new(), Vec::new()]));
        let table = ATTRS.get().expect("set up before objects");
        table.refresh(&mut (*x).attr_slots, |n| (*(*x).inner).attribute(n));
        max::attr_args_process(x as *mut c_void, ac, argv);
        x as *mut c_void
    })
}

unsafe extern "C" fn free(x: *mut MaxFrag) {
    max::guard(x as *mut t_object, NAME, (), || {
        // Off the DSP chain first: no perform routine uses the engine after this.
        max::z_dsp_free(&mut (*x).ob);
        max::object_free((*x).clock);
        if !(*x).buffers.is_null() {
            drop(Box::from_raw((*x).buffers));
        }
        if !(*x).inner.is_null() {
            drop(Box::from_raw((*x).inner));
        }
        if !(*x).engine.is_null() {
            drop(Box::from_raw((*x).engine));
        }
        if !(*x).dir.is_null() {
            drop(Box::from_raw((*x).dir));
        }
        if !(*x).scratch.is_null() {
            drop(Box::from_raw((*x).scratch));
        }
    })
}

unsafe extern "C" fn tick(x: *mut MaxFrag) {
    max::guard(x as *mut t_object, NAME, (), || {
        let x = &mut *x;
        (*x.inner).poll();
        x.flush();
        if (*x.inner).busy() {
            max::clock_fdelay(x.clock, POLL_MS);
        }
    })
}

/// The audio thread: the engine into the scratch buffers, then into MSP's doubles.
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
    let x = x as *mut MaxFrag;
    let n = frames.max(0) as usize;
    if numouts < 2 || outs.is_null() {
        return;
    }
    let (l, r) = (
        std::slice::from_raw_parts_mut(*outs, n),
        std::slice::from_raw_parts_mut(*outs.add(1), n),
    );
    let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let scratch = &mut *(*x).scratch;
        let [sl, sr] = scratch;
        if sl.len() < n || sr.len() < n {
            return false;
        }
        (*(*x).engine).process(&mut sl[..n], &mut sr[..n]);
        for i in 0..n {
            l[i] = f64::from(sl[i]);
            r[i] = f64::from(sr[i]);
        }
        true
    }));
    if !matches!(ok, Ok(true)) {
        l.fill(0.0);
        r.fill(0.0);
    }
}

unsafe extern "C" fn dsp64(
    x: *mut MaxFrag,
    dsp64: *mut t_object,
    _count: *mut c_short,
    samplerate: f64,
    maxvectorsize: c_long,
    _flags: c_long,
) {
    max::guard(x as *mut t_object, NAME, (), || {
        if let Err(e) = (*(*x).engine).set_sample_rate(samplerate) {
            (*x).report(&e.to_string());
        }
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

unsafe extern "C" fn set_attr(
    x: *mut MaxFrag,
    attr: *mut c_void,
    argc: c_long,
    argv: *mut t_atom,
) -> max::t_max_err {
    max::guard(x as *mut t_object, NAME, 1, || {
        let table = ATTRS.get().expect("set up");
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
pub unsafe fn setup() {
    let Some(c) = class::new_class::<MaxFrag>(
        method!(
            new,
            unsafe extern "C" fn(*mut t_symbol, c_long, *mut t_atom) -> *mut c_void
        ),
        method!(free, unsafe extern "C" fn(*mut MaxFrag)),
    ) else {
        return;
    };
    max::add_method(
        c,
        method!(
            dsp64,
            unsafe extern "C" fn(*mut MaxFrag, *mut t_object, *mut c_short, f64, c_long, c_long)
        ),
        "dsp64",
        Some(max::A_CANT),
    );
    max::class_dspinit(c);
    let table = attrs::Table::declare(
        c,
        &FRAG,
        std::mem::offset_of!(MaxFrag, attr_slots),
        method!(
            set_attr,
            unsafe extern "C" fn(*mut MaxFrag, *mut c_void, c_long, *mut t_atom) -> max::t_max_err
        ),
    );
    let _ = ATTRS.set(table);
    max::class_register(max::sym("box"), c);
    let _ = CLASS.set(c as usize);
}
