//! Declared attributes (the messages flagged `ATTR` in an object's declaration) as Max
//! attributes: one 8-byte slot per attribute in the object, which Max reads for the inspector
//! and `getattr`, and one setter for all of them that sends the attribute's message to the core
//! object (so `@tempo 96`, the `tempo 96` message and the inspector all take the same road, and
//! a refused value is reported and leaves the slot as it was).

use std::ffi::{c_long, c_void};
use std::sync::atomic::{AtomicU64, Ordering};

use bandmate_core::objects::decl::Flags;
use bandmate_core::objects::{Kind, ObjectDecl};

use crate::max::{self, Method};

/// At most this many attributes per object.
pub const MAX: usize = 16;

/// One attribute's value where Max reads it: the 8 bytes of a `float64` or an `atom_long` by
/// its declared type. Written with an atomic store: Max reads the slots on whatever thread
/// asks (the inspector, `getattr`) without the object's lock, while a message on another thread
/// may be writing them; an aligned 8-byte atomic store is never seen half-written, and is not
/// a data race on our side. (Same size and alignment as the `f64`/`i64` Max reads.)
#[repr(transparent)]
pub struct Slot(AtomicU64);

/// The attributes of one class: Max's attribute object and its name, in slot order.
pub struct Table {
    attrs: Vec<(usize, &'static str, bool)>,
}

impl Table {
    /// Add every declared attribute of `decl` to class `c`: slot `i` at `slots + 8 i`.
    ///
    /// # Safety
    /// `c` is a class being set up, `slots` the offset of a `[Slot; MAX]` in its struct, and
    /// `setter` has Max's attribute-setter signature.
    pub unsafe fn declare(
        c: *mut c_void,
        decl: &ObjectDecl,
        slots: usize,
        setter: Method,
    ) -> Table {
        let mut attrs = Vec::new();
        for (i, m) in decl.attributes().enumerate().take(MAX) {
            let int = matches!(m.args.first().map(|a| &a.kind), Some(Kind::Int { .. }));
            let name = std::ffi::CString::new(m.name).expect("declared names have no NUL");
            // the SDK's 64-bit `atom_long` (`_sym_atom_long`): "long" is C's long, 4 bytes on Windows
            let ty = max::sym(if int { "atom_long" } else { "float64" });
            let a = max::attr_offset_new(
                name.as_ptr(),
                ty,
                0,
                None,
                Some(setter),
                (slots + i * std::mem::size_of::<Slot>()) as c_long,
            );
            max::class_addattr(c, a);
            // Saved with the patcher (CLASS_ATTR_SAVE), but not the offline switches
            // (`blocking`): a patch reopened must not block Max's threads.
            if !m.flags.has(Flags::OFFLINE) {
                max::class_attr_addattr_parse(
                    c,
                    name.as_ptr(),
                    c"save".as_ptr(),
                    max::sym("long"),
                    0,
                    c"1".as_ptr(),
                );
            }
            attrs.push((a as usize, m.name, int));
        }
        Table { attrs }
    }

    /// The attribute Max's setter was called for.
    pub fn name_of(&self, attr: *mut c_void) -> Option<&'static str> {
        self.attrs
            .iter()
            .find(|a| a.0 == attr as usize)
            .map(|a| a.1)
    }

    /// Write every slot from the object's current values.
    pub fn refresh(&self, slots: &[Slot; MAX], value: impl Fn(&str) -> Option<f64>) {
        for (i, &(_, name, int)) in self.attrs.iter().enumerate() {
            let v = value(name).unwrap_or(0.0);
            let bits = if int {
                (v as i64).to_ne_bytes()
            } else {
                v.to_ne_bytes()
            };
            slots[i]
                .0
                .store(u64::from_ne_bytes(bits), Ordering::Release);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Max reads a slot as a `float64` or an `atom_long` at its offset: the atomic must be laid
    /// out as those are, and hold their bytes.
    #[test]
    fn a_slot_is_laid_out_and_read_as_max_reads_it() {
        assert_eq!(std::mem::size_of::<Slot>(), 8);
        assert_eq!(std::mem::align_of::<Slot>(), 8);
        let table = Table {
            attrs: vec![(1, "tempo", false), (2, "avoid", true)],
        };
        let slots: [Slot; MAX] = std::array::from_fn(|_| Slot(AtomicU64::new(0)));
        table.refresh(&slots, |n| Some(if n == "tempo" { 96.5 } else { 4.0 }));
        // read as Max does: plain 8-byte loads at the slots' addresses
        let f = unsafe { std::ptr::read(&slots[0] as *const Slot as *const f64) };
        let l = unsafe { std::ptr::read(&slots[1] as *const Slot as *const i64) };
        assert_eq!((f, l), (96.5, 4));
        assert_eq!(slots[0].0.load(Ordering::Acquire), 96.5f64.to_bits());
    }
}
