//! Max dictionaries as the core's JSON, both ways: a message argument declared a dictionary
//! ([`Kind::Dict`]) arrives as a dictionary's name (`dictionary NAME`, as `live.miditool.in`
//! and [dict] send it) and is read into JSON; a `dictionary JSON` message out of the message
//! outlet leaves as a new registered dictionary's name.
//!
//! Max keeps a JSON array as an atomarray (`dictionary_entryisatomarray`) whose atoms
//! `dictionary_getatoms` gives flat; a dictionary or array inside is an `A_OBJ` atom. Numbers
//! keep their kind: a `t_atom_long` is a JSON integer, a float a JSON float (Live's velocities
//! are floats, its pitches integers).

use std::ffi::{c_char, c_long, c_void, CString};

use bandmate_core::objects::decl::{Atom, Kind, ObjectDecl};
use serde_json::{Map, Number, Value};

use crate::max::{self, t_atom, t_object, t_symbol, A_FLOAT, A_LONG, A_OBJ, A_SYM};

/// How deep dictionaries may nest (Live's are three levels).
const MAX_DEPTH: usize = 32;

unsafe fn atom_json(a: &t_atom, depth: usize) -> Result<Value, String> {
    Ok(match a.a_type {
        A_LONG => Value::from(a.a_w.w_long),
        A_FLOAT => Number::from_f64(a.a_w.w_float)
            .map(Value::Number)
            .ok_or_else(|| format!("a number that is not finite ({})", a.a_w.w_float))?,
        A_SYM => Value::String(max::name(a.a_w.w_sym)),
        A_OBJ => {
            let o = a.a_w.w_obj;
            if o.is_null() {
                return Err("an empty object in the dictionary".into());
            }
            match max::name(max::object_classname(o as *mut c_void)).as_str() {
                "dictionary" => dict_json(o, depth + 1)?,
                "atomarray" => {
                    let (mut ac, mut av): (c_long, *mut t_atom) = (0, std::ptr::null_mut());
                    max::atomarray_getatoms(o, &mut ac, &mut av);
                    Value::Array(atoms_json(ac, av, depth + 1)?)
                }
                // another kind of object (a long string): nothing the tools read
                _ => Value::Null,
            }
        }
        // an atom of another type: nothing the tools read
        _ => Value::Null,
    })
}

unsafe fn atoms_json(ac: c_long, av: *const t_atom, depth: usize) -> Result<Vec<Value>, String> {
    if ac <= 0 || av.is_null() {
        return Ok(Vec::new());
    }
    std::slice::from_raw_parts(av, ac as usize)
        .iter()
        .map(|a| atom_json(a, depth))
        .collect()
}

/// A dictionary's contents as JSON.
unsafe fn dict_json(d: *mut t_object, depth: usize) -> Result<Value, String> {
    if depth > MAX_DEPTH {
        return Err(format!("dictionaries nested deeper than {MAX_DEPTH}"));
    }
    let (mut n, mut keys): (c_long, *mut *mut t_symbol) = (0, std::ptr::null_mut());
    max::dictionary_getkeys(d, &mut n, &mut keys);
    let mut m = Map::new();
    let mut result = Ok(());
    if !keys.is_null() {
        for &k in std::slice::from_raw_parts(keys, n.max(0) as usize) {
            let (mut ac, mut av): (c_long, *mut t_atom) = (0, std::ptr::null_mut());
            max::dictionary_getatoms(d, k, &mut ac, &mut av);
            let array = ac != 1 || max::dictionary_entryisatomarray(d, k) != 0;
            let v = atoms_json(ac, av, depth).map(|mut v| {
                if array {
                    Value::Array(v)
                } else {
                    v.pop().unwrap_or(Value::Null)
                }
            });
            match v {
                Ok(v) => {
                    m.insert(max::name(k), v);
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        max::dictionary_freekeys(d, n, keys);
    }
    result.map(|_| Value::Object(m))
}

/// The registered dictionary `name` as JSON text.
///
/// # Safety
/// On Max's main thread (or the scheduler's), like any dictionary access.
pub unsafe fn read(name: &str) -> Result<String, String> {
    let d = max::dictobj_findregistered_retain(max::sym(name));
    if d.is_null() {
        return Err(format!("no dictionary named '{name}'"));
    }
    let v = dict_json(d, 0);
    max::dictobj_release(d);
    v.map(|v| v.to_string())
}

/// The arguments of message `selector` with each one declared a dictionary read from the
/// dictionary it names (the others as they came).
///
/// # Safety
/// As [`read`].
pub unsafe fn resolve(
    decl: &ObjectDecl,
    selector: &str,
    args: &[Atom],
) -> Result<Vec<Atom>, String> {
    let Some(m) = decl.message(selector) else {
        return Ok(args.to_vec());
    };
    let mut out = args.to_vec();
    for (i, a) in m.args.iter().enumerate() {
        if a.kind != Kind::Dict {
            continue;
        }
        if let Some(Atom::Symbol(name)) = args.get(i) {
            out[i] = Atom::Symbol(read(name).map_err(|e| format!("{selector}: {e}"))?);
        }
    }
    Ok(out)
}

/// The dictionaries an object has sent, kept until the next one goes (a dictionary must live
/// while whoever got its name reads it).
#[derive(Default)]
pub struct Sent {
    last: Option<usize>,
}

impl Sent {
    /// A new registered dictionary holding `json`, and its name, to send (no lock is held while
    /// it goes: a patch may send it straight back); then [`Sent::keep`] it.
    ///
    /// # Safety
    /// On Max's main or scheduler thread.
    pub unsafe fn make(json: &str) -> Result<(usize, *mut t_symbol), String> {
        let text = CString::new(json).map_err(|_| "a dictionary with a NUL in it".to_string())?;
        let mut d: *mut t_object = std::ptr::null_mut();
        let mut err = [0 as c_char; 256];
        let e = max::dictobj_dictionaryfromstring(&mut d, text.as_ptr(), 1, err.as_mut_ptr());
        if e != 0 || d.is_null() {
            let why = std::ffi::CStr::from_ptr(err.as_ptr()).to_string_lossy();
            return Err(format!("Max could not read the dictionary: {why}"));
        }
        let mut name: *mut t_symbol = std::ptr::null_mut();
        let d = max::dictobj_register(d, &mut name);
        Ok((d as usize, name))
    }

    /// `dictionary NAME` out of `outlet`.
    ///
    /// # Safety
    /// `outlet` is a live outlet; `name` a registered dictionary's.
    pub unsafe fn send(outlet: *mut c_void, name: *mut t_symbol) {
        let mut a = [t_atom {
            a_type: A_SYM,
            a_w: max::word { w_sym: name },
        }];
        max::outlet_anything(outlet, max::sym("dictionary"), 1, a.as_mut_ptr());
    }

    /// Keep dictionary `d` (made by [`Sent::make`] and sent) until the next; free the one
    /// kept before.
    ///
    /// # Safety
    /// On Max's main or scheduler thread.
    pub unsafe fn keep(&mut self, d: usize) {
        if let Some(old) = self.last.replace(d) {
            max::object_free(old as *mut c_void);
        }
    }

    /// Free the last one (the object is freed).
    ///
    /// # Safety
    /// On Max's main thread.
    pub unsafe fn free(&mut self) {
        if let Some(old) = self.last.take() {
            max::object_free(old as *mut c_void);
        }
    }
}
