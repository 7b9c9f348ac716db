//! What every bandmate class in Max has, written once: the `anything` and `list` methods (every
//! declared message; a bare list is refused with the reason), `notify` (forwarded to the
//! object's `buffer~` refs) and `assist` (the declaration's outlet docs), all guarded so no
//! panic reaches Max.

use std::ffi::{c_char, c_long, c_void};

use bandmate_core::host::{Atom, ObjectDecl};

use crate::buffers::Buffers;
use crate::max::{self, t_atom, t_object, t_symbol, Method};
use crate::method;

/// A bandmate object as Max holds it.
pub trait Object: Sized {
    const NAME: &'static str;
    /// What the left inlet takes, for `assist`.
    const INLET: &'static str;
    fn decl() -> &'static ObjectDecl;
    fn buffers(&mut self) -> &mut Buffers;
    /// A message from the patcher (declared or not: the object reports refusals).
    fn message(&mut self, selector: &str, args: &[Atom]);
    /// A console error naming the object, and `error ...` on the info outlet.
    fn report(&mut self, text: &str);
    /// A bare list: refused with the reason unless the object reads lists.
    fn list(&mut self, args: &[Atom]) {
        self.report(&Self::decl().not_a_message(args));
    }
}

unsafe extern "C" fn anything<T: Object>(
    x: *mut T,
    s: *mut t_symbol,
    argc: c_long,
    argv: *mut t_atom,
) {
    max::guard(x as *mut t_object, T::NAME, (), || {
        let sel = max::name(s);
        let args = max::atoms_in(argc, argv);
        (*x).message(&sel, &args);
    })
}

unsafe extern "C" fn list<T: Object>(
    x: *mut T,
    _s: *mut t_symbol,
    argc: c_long,
    argv: *mut t_atom,
) {
    max::guard(x as *mut t_object, T::NAME, (), || {
        let args = max::atoms_in(argc, argv);
        (*x).list(&args);
    })
}

unsafe extern "C" fn notify<T: Object>(
    x: *mut T,
    s: *mut t_symbol,
    msg: *mut t_symbol,
    sender: *mut c_void,
    data: *mut c_void,
) -> max::t_max_err {
    max::guard(x as *mut t_object, T::NAME, 0, || {
        (*x).buffers().notify(s, msg, sender, data)
    })
}

unsafe extern "C" fn assist<T: Object>(
    x: *mut T,
    _b: *mut c_void,
    io: c_long,
    index: c_long,
    s: *mut c_char,
) {
    max::guard(x as *mut t_object, T::NAME, (), || {
        let text = if io == 1 {
            T::INLET.to_string()
        } else {
            match T::decl().outlets.get(index.max(0) as usize) {
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

/// A new class for `T` with `new` (`A_GIMME`) and `free`, and the methods every bandmate
/// class has; `None` when a class of that name is registered already.
///
/// # Safety
/// Max's main thread, inside `ext_main`; `new` and `free` have Max's signatures for `T`.
pub unsafe fn new_class<T: Object>(new: Method, free: Method) -> Option<*mut c_void> {
    if max::class_exists(T::NAME) {
        return None;
    }
    let name = std::ffi::CString::new(T::NAME).expect("no NUL in a class name");
    let c = max::class_new(
        name.as_ptr(),
        new,
        free,
        std::mem::size_of::<T>() as c_long,
        None,
        max::A_GIMME,
        0 as std::ffi::c_int,
    );
    type Gimme<T> = unsafe extern "C" fn(*mut T, *mut t_symbol, c_long, *mut t_atom);
    max::add_method(
        c,
        method!(anything::<T>, Gimme<T>),
        "anything",
        Some(max::A_GIMME),
    );
    max::add_method(c, method!(list::<T>, Gimme<T>), "list", Some(max::A_GIMME));
    type Notify<T> = unsafe extern "C" fn(
        *mut T,
        *mut t_symbol,
        *mut t_symbol,
        *mut c_void,
        *mut c_void,
    ) -> max::t_max_err;
    max::add_method(
        c,
        method!(notify::<T>, Notify<T>),
        "notify",
        Some(max::A_CANT),
    );
    type Assist<T> = unsafe extern "C" fn(*mut T, *mut c_void, c_long, c_long, *mut c_char);
    max::add_method(
        c,
        method!(assist::<T>, Assist<T>),
        "assist",
        Some(max::A_CANT),
    );
    Some(c)
}
