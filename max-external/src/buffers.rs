//! `buffer~` access the Max way: a `buffer_ref` per name, kept by the object and told of
//! changes through `notify`; the buffer looked up at each use (it may have been deleted or
//! renamed since); resizing by the `sizeinsamps` message on the main thread, never while
//! locked; samples written between `buffer_locksamples` and `buffer_unlocksamples`, then
//! `buffer_setdirty` so waveform~ and friends redraw.
//!
//! The refs are behind their own short lock, never held while Max is called: Max may call the
//! object's `notify` from inside a buffer~ call (a resize tells the buffer's clients at once),
//! and `notify` must not wait for the object's state, which the caller may hold.

use std::collections::HashMap;
use std::ffi::c_void;
use std::sync::Mutex;

use crate::max::{self, t_object, t_symbol};

#[derive(Default)]
pub struct Buffers {
    refs: Mutex<HashMap<String, *mut c_void>>,
}

impl Buffers {
    /// The buffer~ named `name` now, or why not.
    fn get(&self, owner: *mut t_object, name: &str) -> Result<*mut c_void, String> {
        let known = self.refs().get(name).copied();
        let r = match known {
            Some(r) => r,
            None => {
                // SAFETY: `owner` is the live object that will forward `notify` to this ref.
                let made = unsafe { max::buffer_ref_new(owner, max::sym(name)) };
                let mut refs = self.refs();
                match refs.get(name) {
                    // Another thread made one meanwhile: keep that one.
                    Some(&r) => {
                        drop(refs);
                        // SAFETY: the ref made above, used by nothing.
                        unsafe { max::object_free(made) };
                        r
                    }
                    None => {
                        refs.insert(name.to_string(), made);
                        made
                    }
                }
            }
        };
        // SAFETY: a ref made above, freed only in `drop`.
        let b = unsafe { max::buffer_ref_getobject(r) };
        if b.is_null() {
            return Err(format!(
                "no buffer~ named '{name}' (make one: [buffer~ {name} 1000 2])"
            ));
        }
        Ok(b)
    }

    /// The sample rate of buffer~ `name` (Max's when the buffer has none yet).
    fn refs(&self) -> std::sync::MutexGuard<'_, HashMap<String, *mut c_void>> {
        self.refs.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn sample_rate(&self, owner: *mut t_object, name: &str) -> Result<f64, String> {
        let b = self.get(owner, name)?;
        // SAFETY: a live buffer object.
        let sr = unsafe { max::buffer_getsamplerate(b) };
        if sr > 0.0 {
            return Ok(sr);
        }
        // SAFETY: reads Max's sample rate.
        let sr = f64::from(unsafe { max::sys_getsr() });
        Ok(if sr > 0.0 { sr } else { 48_000.0 })
    }

    /// Write `channels` (left, right) into buffer~ `name`, resized to fit: a stereo buffer
    /// gets left and right, a mono one their mix, channels past the second silence. Main
    /// thread only. Returns the frames written.
    pub fn write(
        &self,
        owner: *mut t_object,
        name: &str,
        channels: &[Vec<f32>],
    ) -> Result<usize, String> {
        let frames = channels.first().map_or(0, Vec::len);
        let b = self.get(owner, name)?;
        // SAFETY: a live buffer; resized while not locked, on the main thread (we were
        // queued there).
        unsafe {
            if max::buffer_getframecount(b) != frames as i64 {
                let mut a = [max::long(frames as i64)];
                // Max writes the method's result here: never a null pointer.
                let mut result = max::long(0);
                max::object_method_typed(
                    b,
                    max::sym("sizeinsamps"),
                    1,
                    a.as_mut_ptr(),
                    &mut result,
                );
            }
        }
        let b = self.get(owner, name)?;
        // SAFETY: a live buffer.
        let (have, nch) = unsafe { (max::buffer_getframecount(b), max::buffer_getchannelcount(b)) };
        if have != frames as i64 || nch < 1 {
            return Err(format!(
                "buffer~ '{name}' could not be resized to {frames} samples (it has {have})"
            ));
        }
        let nch = nch as usize;
        // SAFETY: locked for the writes below, unlocked before returning; `frames * nch`
        // floats, as the buffer says it holds.
        unsafe {
            let p = max::buffer_locksamples(b);
            if p.is_null() {
                return Err(format!("buffer~ '{name}' is busy (locked): try again"));
            }
            let out = std::slice::from_raw_parts_mut(p, frames * nch);
            let (l, r) = (&channels[0], channels.get(1).unwrap_or(&channels[0]));
            for f in 0..frames {
                let frame = &mut out[f * nch..(f + 1) * nch];
                if nch == 1 {
                    frame[0] = 0.5 * (l[f] + r[f]);
                } else {
                    frame[0] = l[f];
                    frame[1] = r[f];
                    frame[2..].fill(0.0);
                }
            }
            max::buffer_setdirty(b);
            max::buffer_unlocksamples(b);
        }
        Ok(frames)
    }

    /// The samples of buffer~ `name`: its first two channels (or its one), and its sample rate.
    pub fn read(&self, owner: *mut t_object, name: &str) -> Result<(Vec<Vec<f32>>, f64), String> {
        let sr = self.sample_rate(owner, name)?;
        let b = self.get(owner, name)?;
        // SAFETY: a live buffer, locked while read.
        unsafe {
            let (frames, nch) = (max::buffer_getframecount(b), max::buffer_getchannelcount(b));
            if frames <= 0 || nch <= 0 {
                return Err(format!("buffer~ '{name}' is empty"));
            }
            let (frames, nch) = (frames as usize, nch as usize);
            let p = max::buffer_locksamples(b);
            if p.is_null() {
                return Err(format!("buffer~ '{name}' is busy (locked): try again"));
            }
            let data = std::slice::from_raw_parts(p, frames * nch);
            let take = nch.min(2);
            let chans: Vec<Vec<f32>> = (0..take)
                .map(|c| data.iter().skip(c).step_by(nch).copied().collect())
                .collect();
            max::buffer_unlocksamples(b);
            Ok((chans, sr))
        }
    }

    /// Forward Max's `notify` to every ref (a buffer deleted, renamed or changed).
    ///
    /// # Safety
    /// The arguments are those Max passed to the object's `notify`.
    pub unsafe fn notify(
        &self,
        s: *mut t_symbol,
        msg: *mut t_symbol,
        sender: *mut c_void,
        data: *mut c_void,
    ) -> max::t_max_err {
        let refs: Vec<*mut c_void> = self.refs().values().copied().collect();
        for r in refs {
            max::buffer_ref_notify(r, s, msg, sender, data);
        }
        0
    }
}

impl Drop for Buffers {
    fn drop(&mut self) {
        let refs = std::mem::take(&mut *self.refs());
        for (_, r) in refs {
            // SAFETY: refs are Max objects made by buffer_ref_new.
            unsafe { max::object_free(r) };
        }
    }
}
