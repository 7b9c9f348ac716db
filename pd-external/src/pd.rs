//! The little of Pd's C API the objects use, made safe to call from Rust: symbols, atoms to and
//! from [`Atom`], outlets, the console, arrays, and a guard that keeps panics on the Rust side.
//! No musical logic here.

use std::ffi::{c_char, c_int, CStr, CString};
use std::path::PathBuf;

use bandmate_core::objects::Atom;
use pd_sys::{_class as t_class, t_atom, t_atomtype, t_symbol};

extern "C" {
    /// Not in pd-sys's bindings (it is declared in g_canvas.h).
    static mut garray_class: *mut t_class;
    /// Not in pd-sys's bindings (g_canvas.h): call `fun` with each folder `canvas_open`
    /// searches for `x` (its `[declare]`d paths, its own folder, Pd's search path), in order,
    /// until `fun` returns 0.
    fn canvas_path_iterate(
        x: *const pd_sys::_glist,
        fun: unsafe extern "C" fn(*const c_char, *mut std::ffi::c_void) -> c_int,
        user_data: *mut std::ffi::c_void,
    ) -> c_int;
}

/// Pd's longest path (MAXPDSTRING).
const MAXPDSTRING: usize = 1000;

/// `gensym`: a symbol for `s` (interior NULs are cut).
pub fn sym(s: &str) -> *mut t_symbol {
    let c = CString::new(s.split('\0').next().unwrap_or("")).expect("no NUL left");
    // SAFETY: gensym copies the string into Pd's symbol table.
    unsafe { pd_sys::gensym(c.as_ptr()) }
}

/// A symbol's text.
///
/// # Safety
/// `s` must be a symbol from Pd (or null).
pub unsafe fn name(s: *const t_symbol) -> String {
    if s.is_null() || (*s).s_name.is_null() {
        return String::new();
    }
    CStr::from_ptr((*s).s_name).to_string_lossy().into_owned()
}

/// Pd atoms as [`Atom`]s; pointers and other kinds become a symbol naming them (the
/// declaration then refuses them with a clear message).
///
/// # Safety
/// `argv` must point at `argc` atoms (or be null with `argc` 0).
pub unsafe fn atoms_in(argc: c_int, argv: *const t_atom) -> Vec<Atom> {
    if argv.is_null() || argc <= 0 {
        return Vec::new();
    }
    std::slice::from_raw_parts(argv, argc as usize)
        .iter()
        .map(|a| match a.a_type {
            t_atomtype::A_FLOAT => Atom::Float(f64::from(a.a_w.w_float)),
            t_atomtype::A_SYMBOL => Atom::Symbol(name(a.a_w.w_symbol)),
            t_atomtype::A_POINTER => Atom::sym("(pointer)"),
            _ => Atom::sym("(?)"),
        })
        .collect()
}

/// [`Atom`]s as Pd atoms.
pub fn atoms_out(args: &[Atom]) -> Vec<t_atom> {
    args.iter()
        .map(|a| match a {
            Atom::Float(x) => t_atom {
                a_type: t_atomtype::A_FLOAT,
                a_w: pd_sys::t_word { w_float: *x as f32 },
            },
            Atom::Symbol(s) => t_atom {
                a_type: t_atomtype::A_SYMBOL,
                a_w: pd_sys::t_word { w_symbol: sym(s) },
            },
        })
        .collect()
}

/// An error in the Pd console, attributed to the object (a click on it finds the object).
// Pd only keeps `object` as an identity to find the object later; it is never read here.
#[allow(clippy::not_unsafe_ptr_arg_deref)]
pub fn error(object: *const std::ffi::c_void, text: &str) {
    let c = CString::new(text.replace('\0', " ")).expect("no NUL left");
    // SAFETY: "%s" with one C string.
    unsafe { pd_sys::pd_error(object, c"%s".as_ptr(), c.as_ptr()) }
}

/// A line in the Pd console.
pub fn post(text: &str) {
    let c = CString::new(text.replace('\0', " ")).expect("no NUL left");
    // SAFETY: "%s" with one C string.
    unsafe { pd_sys::post(c"%s".as_ptr(), c.as_ptr()) }
}

/// Send a message out of an outlet.
///
/// # Safety
/// `outlet` must be a live outlet of a live object.
pub unsafe fn send(outlet: *mut pd_sys::_outlet, selector: &str, args: &[Atom]) {
    let mut v = atoms_out(args);
    let argc = v.len() as c_int;
    if selector == "list" {
        pd_sys::outlet_list(
            outlet,
            std::ptr::addr_of_mut!(pd_sys::s_list),
            argc,
            v.as_mut_ptr(),
        );
    } else {
        pd_sys::outlet_anything(outlet, sym(selector), argc, v.as_mut_ptr());
    }
}

/// The folder a class was loaded from (where its binary, help patch and bundled files are).
///
/// # Safety
/// `class` must be a class made by `class_new`.
pub unsafe fn class_dir(class: *const t_class) -> Option<PathBuf> {
    let d = pd_sys::class_gethelpdir(class);
    if d.is_null() {
        return None;
    }
    let s = CStr::from_ptr(d as *const c_char)
        .to_string_lossy()
        .into_owned();
    (!s.is_empty()).then(|| PathBuf::from(s))
}

/// Write `data` into the Pd array `array`, resized to fit, and redraw it. An array that does
/// not exist is an error naming it.
pub fn write_array(array: &str, data: &[f32]) -> Result<(), String> {
    // SAFETY: the array is looked up by class (a table or [array define]); resizing first makes
    // the word vector exactly `data.len()` long, which is checked again before writing.
    unsafe {
        let a = pd_sys::pd_findbyclass(sym(array), garray_class) as *mut pd_sys::_garray;
        if a.is_null() {
            return Err(format!(
                "no array named '{array}' (make one with [array define {array}] or [table {array}])"
            ));
        }
        pd_sys::garray_resize_long(a, data.len().max(1) as std::ffi::c_long);
        let mut n: c_int = 0;
        let mut words: *mut pd_sys::t_word = std::ptr::null_mut();
        if pd_sys::garray_getfloatwords(a, &mut n, &mut words) == 0 || words.is_null() {
            return Err(format!("array '{array}' is not an array of floats"));
        }
        if (n as usize) < data.len() {
            return Err(format!(
                "array '{array}' could only be resized to {n} points, {} needed",
                data.len()
            ));
        }
        let words = std::slice::from_raw_parts_mut(words, n as usize);
        for (w, &x) in words.iter_mut().zip(data) {
            w.w_float = x;
        }
        pd_sys::garray_redraw(a);
    }
    Ok(())
}

/// Read the Pd array `array` (a copy).
pub fn read_array(array: &str) -> Result<Vec<f32>, String> {
    // SAFETY: as in write_array; the words are copied out at once.
    unsafe {
        let a = pd_sys::pd_findbyclass(sym(array), garray_class) as *mut pd_sys::_garray;
        if a.is_null() {
            return Err(format!("no array named '{array}'"));
        }
        let mut n: c_int = 0;
        let mut words: *mut pd_sys::t_word = std::ptr::null_mut();
        if pd_sys::garray_getfloatwords(a, &mut n, &mut words) == 0 || words.is_null() {
            return Err(format!("array '{array}' is not an array of floats"));
        }
        Ok(std::slice::from_raw_parts(words, n.max(0) as usize)
            .iter()
            .map(|w| w.w_float)
            .collect())
    }
}

/// Does an array of this name exist?
pub fn array_exists(array: &str) -> bool {
    // SAFETY: a lookup only.
    unsafe { !pd_sys::pd_findbyclass(sym(array), garray_class).is_null() }
}

/// Run `f`; a panic becomes a console error attributed to the object, and `fallback` is
/// returned. Every function Pd calls goes through this: no panic crosses into Pd.
pub fn guard<T>(
    object: *const std::ffi::c_void,
    what: &str,
    fallback: T,
    f: impl FnOnce() -> T,
) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(p) => {
            let text = bandmate_core::objects::panic_text(&p);
            error(
                object,
                &format!("{what}: internal error: {text} (the object carries on)"),
            );
            fallback
        }
    }
}

/// Pd's logical time in milliseconds since `origin` (a `clock_getlogicaltime` value).
pub fn ms_since(origin: f64) -> f64 {
    // SAFETY: reads Pd's clock.
    unsafe { pd_sys::clock_gettimesince(origin) }
}

/// Pd's logical time now, to use as an origin.
pub fn logical_time() -> f64 {
    // SAFETY: reads Pd's clock.
    unsafe { pd_sys::clock_getlogicaltime() }
}

/// Pd's sample rate (44100 when audio is off and nothing was set).
pub fn sample_rate() -> f64 {
    // SAFETY: reads a global.
    f64::from(unsafe { pd_sys::sys_getsr() })
}

/// The folder of the patch being loaded (call it while an object is created).
pub fn canvas_dir() -> PathBuf {
    // SAFETY: reads the canvas Pd is creating objects in; the symbol's text is copied.
    let dir = unsafe { name(pd_sys::canvas_getcurrentdir()) };
    PathBuf::from(dir)
}

/// The canvas Pd is creating objects in (call it while an object is created).
pub fn current_canvas() -> *mut pd_sys::_glist {
    // SAFETY: reads a global of Pd's.
    unsafe { pd_sys::canvas_getcurrent() }
}

/// Where Pd finds `relative` for an object in `canvas`, as [soundfiler] and abstractions do:
/// beside the patch, in its `[declare]`d paths, in Pd's search path (`canvas_open`, which finds
/// files); a folder is looked for in the same folders, in the same order.
///
/// # Safety
/// Pd's main thread; `canvas` is a live canvas (or null: nothing is found).
pub unsafe fn find(canvas: *const pd_sys::_glist, relative: &str) -> Option<PathBuf> {
    if canvas.is_null() {
        return None;
    }
    let c = CString::new(relative).ok()?;
    let mut dir = vec![0 as c_char; MAXPDSTRING];
    let mut file: *mut c_char = std::ptr::null_mut();
    let fd = pd_sys::canvas_open(
        canvas,
        c.as_ptr(),
        c"".as_ptr(),
        dir.as_mut_ptr(),
        &mut file,
        MAXPDSTRING as std::ffi::c_uint,
        0,
    );
    if fd >= 0 {
        pd_sys::sys_close(fd);
        let d = CStr::from_ptr(dir.as_ptr()).to_string_lossy().into_owned();
        if file.is_null() {
            return Some(PathBuf::from(d));
        }
        let f = CStr::from_ptr(file).to_string_lossy().into_owned();
        return Some(PathBuf::from(d).join(f));
    }
    // canvas_open opens files only: a folder (a model, a corpus) is looked for in the folders
    // it searches.
    struct Search {
        relative: PathBuf,
        found: Option<PathBuf>,
    }
    unsafe extern "C" fn each(dir: *const c_char, user: *mut std::ffi::c_void) -> c_int {
        if dir.is_null() || user.is_null() {
            return 1;
        }
        let s = &mut *(user as *mut Search);
        let p = PathBuf::from(CStr::from_ptr(dir).to_string_lossy().into_owned()).join(&s.relative);
        if p.is_dir() {
            s.found = Some(p);
            0
        } else {
            1
        }
    }
    let mut search = Search {
        relative: PathBuf::from(relative),
        found: None,
    };
    canvas_path_iterate(
        canvas,
        each,
        &mut search as *mut Search as *mut std::ffi::c_void,
    );
    search.found
}

/// A Pd method as Pd stores it.
pub type Method = unsafe extern "C" fn();
/// The creator of an object taking any arguments (`A_GIMME`).
pub type New = unsafe extern "C" fn(*mut t_symbol, c_int, *mut t_atom) -> *mut std::ffi::c_void;
/// A method taking a selector and any arguments (`anything`, `list`).
pub type Anything<T> = unsafe extern "C" fn(*mut T, *mut t_symbol, c_int, *mut t_atom);

/// Make the class `name` for objects of type `T` (created by `new` with any arguments, freed by
/// `free`), with an `anything` method taking every message, and its help patch named after it.
///
/// # Safety
/// Call from a setup function, on Pd's main thread; `T` must start with a `t_object`.
pub unsafe fn new_class<T>(
    name: &str,
    new: New,
    free: unsafe extern "C" fn(*mut T),
    anything: Anything<T>,
) -> *mut t_class {
    let c = pd_sys::class_new(
        sym(name),
        Some(std::mem::transmute::<
            New,
            unsafe extern "C" fn() -> *mut std::ffi::c_void,
        >(new)),
        Some(std::mem::transmute::<unsafe extern "C" fn(*mut T), Method>(
            free,
        )),
        std::mem::size_of::<T>(),
        pd_sys::CLASS_DEFAULT as c_int,
        t_atomtype::A_GIMME,
        0,
    );
    pd_sys::class_addanything(
        c,
        Some(std::mem::transmute::<Anything<T>, Method>(anything)),
    );
    pd_sys::class_sethelpsymbol(c, sym(name));
    c
}

extern "C" {
    fn atexit(f: extern "C" fn()) -> c_int;
}

/// When Pd quits, let ONNX Runtime's calls in flight end before its own exit handlers run.
pub fn register_exit_handler() {
    // SAFETY: libc's atexit, given a handler that catches its panics.
    unsafe { atexit(bandmate_core::model::exit_handler) };
}
