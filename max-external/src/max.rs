//! The part of the Max C API bandmate uses, declared by hand (the `median` framework is not on
//! crates.io, and Cycling '74's headers are not ours to copy). Layouts follow the 64-bit Max SDK
//! (`ext_mess.h`, `z_dsp.h`, `ext_buffer.h`, `ext_itm.h`); every declaration here is exercised
//! by the mock Max host in `tests/mockmax`, which checks types, threads and lifetimes.
//!
//! On Linux and macOS the symbols are resolved when Max (or the mock host) loads the library;
//! on Windows the build links `MaxAPI.lib` and `MaxAudio.lib` from the SDK (see `build.rs`).
//! Max is 64-bit only since Max 8: `t_atom_long` is 64 bits, `long` is C's `long` (32 bits on
//! Windows), so `c_long` is used exactly where the SDK says `long`.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_int, c_long, c_short, c_void, CStr, CString};

use bandmate_core::objects::Atom;

pub type t_atom_long = i64;
pub type t_max_err = i64;
/// A method as Max stores it (`void *(*)(void *, ...)`); ours are cast to it.
pub type Method = unsafe extern "C" fn();
pub type t_perfroutine64 = unsafe extern "C" fn(
    x: *mut t_object,
    dsp64: *mut t_object,
    ins: *mut *mut f64,
    numins: c_long,
    outs: *mut *mut f64,
    numouts: c_long,
    sampleframes: c_long,
    flags: c_long,
    userparam: *mut c_void,
);

#[repr(C)]
pub struct t_symbol {
    pub s_name: *const c_char,
    pub s_thing: *mut t_object,
}

#[repr(C)]
pub struct t_object {
    o_messlist: *mut c_void,
    o_magic: isize,
    o_inlet: *mut c_void,
    o_outlet: *mut c_void,
}

/// The header of an MSP object (`t_pxobject`).
#[repr(C)]
pub struct t_pxobject {
    pub z_ob: t_object,
    z_in: c_long,
    z_proxy: *mut c_void,
    z_disabled: c_long,
    z_count: c_short,
    pub z_misc: c_short,
}

/// MSP flag: our outputs must not share memory with inputs.
pub const Z_NO_INPLACE: c_short = 1;

#[repr(C)]
#[derive(Clone, Copy)]
pub union word {
    pub w_long: t_atom_long,
    pub w_float: f64,
    pub w_sym: *mut t_symbol,
    pub w_obj: *mut t_object,
}

#[repr(C)]
#[derive(Clone, Copy)]
pub struct t_atom {
    pub a_type: c_short,
    pub a_w: word,
}

pub const A_LONG: c_short = 1;
pub const A_FLOAT: c_short = 2;
pub const A_SYM: c_short = 3;
pub const A_OBJ: c_short = 4;
pub const A_GIMME: c_short = 8;
pub const A_CANT: c_short = 9;

extern "C" {
    pub fn gensym(s: *const c_char) -> *mut t_symbol;
    // Dictionaries (ext_dictionary.h, ext_dictobj.h): a t_dictionary and a t_atomarray are
    // Max objects.
    pub fn dictobj_findregistered_retain(name: *mut t_symbol) -> *mut t_object;
    pub fn dictobj_release(d: *mut t_object) -> t_max_err;
    pub fn dictobj_register(d: *mut t_object, name: *mut *mut t_symbol) -> *mut t_object;
    pub fn dictobj_dictionaryfromstring(
        d: *mut *mut t_object,
        s: *const c_char,
        str_is_already_json: c_int,
        errorstring: *mut c_char,
    ) -> t_max_err;
    pub fn dictionary_getkeys(
        d: *mut t_object,
        numkeys: *mut c_long,
        keys: *mut *mut *mut t_symbol,
    ) -> t_max_err;
    pub fn dictionary_freekeys(d: *mut t_object, numkeys: c_long, keys: *mut *mut t_symbol);
    pub fn dictionary_getatoms(
        d: *mut t_object,
        key: *mut t_symbol,
        argc: *mut c_long,
        argv: *mut *mut t_atom,
    ) -> t_max_err;
    pub fn dictionary_entryisatomarray(d: *mut t_object, key: *mut t_symbol) -> c_long;
    pub fn atomarray_getatoms(a: *mut t_object, ac: *mut c_long, av: *mut *mut t_atom)
        -> t_max_err;
    pub fn object_classname(x: *mut c_void) -> *mut t_symbol;
    pub fn object_error(x: *mut t_object, fmt: *const c_char, ...);
    pub fn class_new(
        name: *const c_char,
        mnew: Method,
        mfree: Method,
        size: c_long,
        mmenu: Option<Method>,
        type_: c_short,
        ...
    ) -> *mut c_void;
    pub fn class_addmethod(c: *mut c_void, m: Method, name: *const c_char, ...) -> t_max_err;
    pub fn class_register(name_space: *mut t_symbol, c: *mut c_void) -> t_max_err;
    pub fn class_findbyname(name_space: *mut t_symbol, classname: *mut t_symbol) -> *mut c_void;
    pub fn class_addattr(c: *mut c_void, attr: *mut t_object) -> t_max_err;
    /// An attribute's attribute: `(c, "NAME", "save", gensym("long"), 0, "1")` is what the
    /// SDK's CLASS_ATTR_SAVE expands to (Max keeps the attribute with the patcher).
    pub fn class_attr_addattr_parse(
        c: *mut c_void,
        attrname: *const c_char,
        attrname2: *const c_char,
        type_: *const t_symbol,
        flags: c_long,
        parsestr: *const c_char,
    ) -> t_max_err;
    pub fn attr_offset_new(
        name: *const c_char,
        type_: *const t_symbol,
        flags: c_long,
        mget: Option<Method>,
        mset: Option<Method>,
        offset: c_long,
    ) -> *mut t_object;
    pub fn attr_args_offset(ac: c_short, av: *mut t_atom) -> c_long;
    pub fn attr_args_process(x: *mut c_void, ac: c_short, av: *mut t_atom);
    pub fn class_dspinit(c: *mut c_void);
    pub fn object_alloc(c: *mut c_void) -> *mut c_void;
    pub fn object_free(x: *mut c_void) -> t_max_err;
    pub fn object_method_typed(
        x: *mut c_void,
        s: *mut t_symbol,
        ac: c_long,
        av: *mut t_atom,
        rv: *mut t_atom,
    ) -> t_max_err;
    pub fn outlet_new(x: *mut c_void, type_: *const c_char) -> *mut c_void;
    pub fn object_obex_store(x: *mut c_void, key: *mut t_symbol, val: *mut c_void) -> t_max_err;
    /// Max's `dumpout` method (registered as "dumpout", `A_CANT`): sends a message out of the
    /// outlet stored as "dumpout" (`getattr` answers).
    pub fn object_obex_dumpout(
        x: *mut c_void,
        s: *const t_symbol,
        argc: c_long,
        argv: *const t_atom,
    );
    pub fn outlet_list(
        o: *mut c_void,
        s: *mut t_symbol,
        ac: c_short,
        av: *mut t_atom,
    ) -> *mut c_void;
    pub fn outlet_anything(
        o: *mut c_void,
        s: *mut t_symbol,
        ac: c_short,
        av: *mut t_atom,
    ) -> *mut c_void;
    pub fn clock_new(obj: *mut c_void, f: Method) -> *mut c_void;
    pub fn clock_fdelay(c: *mut c_void, ms: f64);
    pub fn clock_unset(c: *mut c_void);
    pub fn clock_getftime(time: *mut f64);
    pub fn qelem_new(obj: *mut c_void, f: Method) -> *mut c_void;
    pub fn qelem_set(q: *mut c_void);
    pub fn qelem_free(q: *mut c_void);
    /// True at interrupt level: in the scheduler thread (Overdrive on) and the audio thread.
    pub fn isr() -> c_long;
    pub fn sys_getsr() -> f32;
    pub fn z_dsp_setup(x: *mut t_pxobject, nsignals: c_long);
    pub fn z_dsp_free(x: *mut t_pxobject);
    pub fn dsp_add64(
        chain: *mut t_object,
        x: *mut t_object,
        f: t_perfroutine64,
        flags: c_long,
        userparam: *mut c_void,
    );
    pub fn buffer_ref_new(owner: *mut t_object, name: *mut t_symbol) -> *mut c_void;
    pub fn buffer_ref_getobject(r: *mut c_void) -> *mut c_void;
    pub fn buffer_ref_notify(
        r: *mut c_void,
        s: *mut t_symbol,
        msg: *mut t_symbol,
        sender: *mut c_void,
        data: *mut c_void,
    ) -> t_max_err;
    pub fn buffer_locksamples(b: *mut c_void) -> *mut f32;
    pub fn buffer_unlocksamples(b: *mut c_void);
    pub fn buffer_getchannelcount(b: *mut c_void) -> t_atom_long;
    pub fn buffer_getframecount(b: *mut c_void) -> t_atom_long;
    pub fn buffer_getsamplerate(b: *mut c_void) -> f64;
    pub fn buffer_setdirty(b: *mut c_void) -> t_max_err;
    pub fn itm_getglobal() -> *mut c_void;
    pub fn itm_getticks(itm: *mut c_void) -> f64;
    pub fn itm_gettempo(itm: *mut c_void) -> f64;
    pub fn itm_getstate(itm: *mut c_void) -> c_long;
    pub fn path_getdefault() -> c_short;
    pub fn path_toabsolutesystempath(
        in_path: c_short,
        in_filename: *const c_char,
        out_filepath: *mut c_char,
    ) -> t_max_err;
    pub fn locatefile_extended(
        name: *mut c_char,
        outvol: *mut c_short,
        outtype: *mut u32,
        filetypelist: *const u32,
        numtypes: c_short,
    ) -> c_short;
}

/// Max's path buffers are this long.
pub const MAX_PATH_CHARS: usize = 2048;
/// Ticks per quarter note of Max's transport.
pub const TICKS_PER_BEAT: f64 = 480.0;

/// An interned symbol (text with a NUL is cut there: Max symbols are C strings).
pub fn sym(s: &str) -> *mut t_symbol {
    let c = CString::new(s.split('\0').next().unwrap_or("")).expect("no NUL left");
    // SAFETY: gensym copies the text into Max's symbol table.
    unsafe { gensym(c.as_ptr()) }
}

/// The text of a symbol.
///
/// # Safety
/// `s` is null or a symbol from `gensym`.
pub unsafe fn name(s: *const t_symbol) -> String {
    if s.is_null() || (*s).s_name.is_null() {
        return String::new();
    }
    CStr::from_ptr((*s).s_name).to_string_lossy().into_owned()
}

/// Max atoms as bandmate atoms: ints and floats are numbers, symbols text.
///
/// # Safety
/// `argv` points to `argc` atoms (or `argc` is 0).
pub unsafe fn atoms_in(argc: c_long, argv: *const t_atom) -> Vec<Atom> {
    if argc <= 0 || argv.is_null() {
        return Vec::new();
    }
    std::slice::from_raw_parts(argv, argc as usize)
        .iter()
        .map(|a| match a.a_type {
            A_LONG => Atom::Float(a.a_w.w_long as f64),
            A_FLOAT => Atom::Float(a.a_w.w_float),
            A_SYM => Atom::Symbol(name(a.a_w.w_sym)),
            other => Atom::Symbol(format!("<atom type {other}>")),
        })
        .collect()
}

/// Bandmate atoms as Max atoms (numbers as floats).
pub fn atoms_out(args: &[Atom]) -> Vec<t_atom> {
    args.iter()
        .map(|a| match a {
            Atom::Float(f) => t_atom {
                a_type: A_FLOAT,
                a_w: word { w_float: *f },
            },
            Atom::Symbol(s) => t_atom {
                a_type: A_SYM,
                a_w: word { w_sym: sym(s) },
            },
        })
        .collect()
}

/// An int atom (MIDI numbers leave as ints, as Max's MIDI objects send them).
pub fn long(n: i64) -> t_atom {
    t_atom {
        a_type: A_LONG,
        a_w: word { w_long: n },
    }
}

/// `selector args...` out of an outlet.
///
/// # Safety
/// `outlet` is a live outlet of a live object.
pub unsafe fn send(outlet: *mut c_void, selector: &str, args: &[Atom]) {
    let mut av = atoms_out(args);
    let n = av.len().min(c_short::MAX as usize) as c_short;
    outlet_anything(outlet, sym(selector), n, av.as_mut_ptr());
}

/// A list of ints out of an outlet.
///
/// # Safety
/// `outlet` is a live outlet of a live object.
pub unsafe fn send_longs(outlet: *mut c_void, values: &[i64]) {
    let mut av: Vec<t_atom> = values.iter().map(|&v| long(v)).collect();
    outlet_list(
        outlet,
        std::ptr::null_mut(),
        av.len() as c_short,
        av.as_mut_ptr(),
    );
}

fn c_text(text: &str) -> CString {
    CString::new(text.replace('\0', " ")).expect("no NUL left")
}

/// An error in the Max console, attributed to the object (null: no object).
pub fn error(x: *mut t_object, text: &str) {
    let t = c_text(text);
    // SAFETY: "%s" with one C string.
    unsafe { object_error(x, c"%s".as_ptr(), t.as_ptr()) };
}

/// Run `f`; a panic becomes a console error attributed to the object and `fallback` is
/// returned. Every function Max calls goes through this: no panic crosses into Max.
pub fn guard<T>(x: *mut t_object, what: &str, fallback: T, f: impl FnOnce() -> T) -> T {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(p) => {
            let text = bandmate_core::objects::panic_text(&p);
            error(
                x,
                &format!("{what}: internal error: {text} (the object carries on)"),
            );
            fallback
        }
    }
}

/// Max's scheduler time in ms.
pub fn now() -> f64 {
    let mut t = 0.0;
    // SAFETY: writes one double.
    unsafe { clock_getftime(&mut t) };
    t
}

/// The folder of the patcher being loaded (where relative paths are looked for first).
pub fn patcher_dir() -> std::path::PathBuf {
    let mut buf = vec![0 as c_char; MAX_PATH_CHARS];
    // SAFETY: the buffer is MAX_PATH_CHARS long, as the API requires.
    let ok =
        unsafe { path_toabsolutesystempath(path_getdefault(), c"".as_ptr(), buf.as_mut_ptr()) };
    if ok != 0 {
        return std::path::PathBuf::from(".");
    }
    // SAFETY: NUL-terminated by Max (the buffer was zeroed).
    let s = unsafe { CStr::from_ptr(buf.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    std::path::PathBuf::from(s)
}

/// Where Max finds the file `relative` (the patcher's folder, then its search path: every folder
/// of the packages in it), as `buffer~` does: `locatefile_extended`, then
/// `path_toabsolutesystempath`. Files only (Max's search finds no folders).
pub fn locate(relative: &str) -> Option<std::path::PathBuf> {
    if relative.is_empty() || relative.len() >= MAX_PATH_CHARS || relative.contains('\0') {
        return None;
    }
    let mut name = vec![0 as c_char; MAX_PATH_CHARS];
    for (d, b) in name.iter_mut().zip(relative.bytes()) {
        *d = b as c_char;
    }
    let mut vol: c_short = 0;
    let mut ty: u32 = 0;
    // SAFETY: `name` is a NUL-terminated buffer of MAX_PATH_CHARS, as Max may rewrite it; no
    // type list (any file).
    let missing =
        unsafe { locatefile_extended(name.as_mut_ptr(), &mut vol, &mut ty, std::ptr::null(), 0) };
    if missing != 0 {
        return None;
    }
    let mut out = vec![0 as c_char; MAX_PATH_CHARS];
    // SAFETY: the buffers are MAX_PATH_CHARS long and NUL-terminated, as the API requires.
    let err = unsafe { path_toabsolutesystempath(vol, name.as_ptr(), out.as_mut_ptr()) };
    if err != 0 {
        return None;
    }
    // SAFETY: NUL-terminated by Max (the buffer was zeroed).
    let s = unsafe { CStr::from_ptr(out.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    Some(std::path::PathBuf::from(s))
}

/// Register a class, unless one of that name already is (the same library is installed
/// once per object name, and Max may load more than one copy).
///
/// # Safety
/// Max's main thread, inside `ext_main`.
pub unsafe fn class_exists(name_: &str) -> bool {
    !class_findbyname(sym("box"), sym(name_)).is_null()
}

/// `class_addmethod(c, m, name, A_GIMME, 0)` and friends: one argument type, or none.
///
/// # Safety
/// `c` is a class being set up; `m` has the signature Max uses for that type.
pub unsafe fn add_method(c: *mut c_void, m: Method, method_name: &str, arg: Option<c_short>) {
    let n = c_text(method_name);
    match arg {
        Some(t) => class_addmethod(c, m, n.as_ptr(), c_int::from(t), 0 as c_int),
        None => class_addmethod(c, m, n.as_ptr(), 0 as c_int),
    };
}

/// Cast any `extern "C"` function to a Max [`Method`].
#[macro_export]
macro_rules! method {
    ($f:expr, $t:ty) => {
        std::mem::transmute::<$t, $crate::max::Method>($f)
    };
}

/// The file this library was loaded from (`crate::layout` tells its package from it); `None`
/// where it cannot be told. The operating system's call only: `dladdr` on Unix,
/// `GetModuleHandleExW` + `GetModuleFileNameW` on Windows.
pub fn library_file() -> Option<std::path::PathBuf> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        #[repr(C)]
        struct DlInfo {
            dli_fname: *const c_char,
            dli_fbase: *mut c_void,
            dli_sname: *const c_char,
            dli_saddr: *mut c_void,
        }
        extern "C" {
            fn dladdr(addr: *const c_void, info: *mut DlInfo) -> c_int;
        }
        let mut info = DlInfo {
            dli_fname: std::ptr::null(),
            dli_fbase: std::ptr::null_mut(),
            dli_sname: std::ptr::null(),
            dli_saddr: std::ptr::null_mut(),
        };
        // SAFETY: dladdr fills `info` for an address inside this library.
        let ok = unsafe { dladdr(library_file as *const c_void, &mut info) };
        if ok == 0 || info.dli_fname.is_null() {
            return None;
        }
        // SAFETY: a C string owned by the loader.
        let file = unsafe { CStr::from_ptr(info.dli_fname) };
        Some(std::ffi::OsStr::from_bytes(file.to_bytes()).into())
    }
    #[cfg(windows)]
    {
        use std::os::windows::ffi::OsStringExt;
        const FROM_ADDRESS: u32 = 0x4; // GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS
        const UNCHANGED_REFCOUNT: u32 = 0x2; // GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT
        #[link(name = "kernel32")]
        extern "system" {
            fn GetModuleHandleExW(flags: u32, name: *const u16, module: *mut *mut c_void) -> i32;
            fn GetModuleFileNameW(module: *mut c_void, name: *mut u16, size: u32) -> u32;
        }
        let mut module = std::ptr::null_mut();
        // SAFETY: with FROM_ADDRESS, `name` is an address inside this module (this function).
        let ok = unsafe {
            GetModuleHandleExW(
                FROM_ADDRESS | UNCHANGED_REFCOUNT,
                library_file as *const u16,
                &mut module,
            )
        };
        if ok == 0 || module.is_null() {
            return None;
        }
        let mut buf = vec![0u16; 512];
        loop {
            // SAFETY: `buf` holds `buf.len()` u16s; the module stays loaded (it is this code's).
            let n = unsafe { GetModuleFileNameW(module, buf.as_mut_ptr(), buf.len() as u32) };
            let n = n as usize;
            if n == 0 {
                return None;
            }
            if n < buf.len() {
                buf.truncate(n);
                return Some(std::ffi::OsString::from_wide(&buf).into());
            }
            // truncated: a longer buffer (Windows paths end at 32,767 characters)
            if buf.len() > 32_768 {
                return None;
            }
            buf.resize(buf.len() * 4, 0);
        }
    }
    #[cfg(not(any(unix, windows)))]
    {
        None
    }
}

/// Max or Live quitting waits for ONNX Runtime's calls in flight (see the core's
/// `model::exit_handler`) before ONNX Runtime's own exit handlers run.
pub fn register_exit_handler() {
    extern "C" {
        fn atexit(f: extern "C" fn()) -> std::ffi::c_int;
    }
    // SAFETY: the C runtime's atexit; the handler never unwinds.
    unsafe { atexit(bandmate_core::model::exit_handler) };
}
