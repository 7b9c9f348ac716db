//! Pure Data objects for bandmate: `[bandmate.groove]`, `[bandmate.looper]` and `[bandmate.frag~]`.
//!
//! One shared library holds every object; the package copies it once per object name
//! (`bandmate.groove.pd_linux`, `bandmate.frag~.pd_linux`, ...), which is how Pd finds an
//! object by the name typed in a box. Pd calls the setup function that matches the file name:
//! `setup_bandmate0x2egroove` for `bandmate.groove` (a `.` is hex-escaped, which also moves
//! `setup_` to the front) and `setup_bandmate0x2efrag_tilde` for `bandmate.frag~`.
//!
//! The wrappers hold no musical logic: they turn Pd atoms into `bandmate_core::host` messages
//! and the core objects' outputs into outlets, clocks and arrays.

mod frag;
mod notes;
pub mod pd;

/// Pd's entry point for `bandmate.groove`.
///
/// # Safety
/// Called by Pd once, on its main thread, when it loads the binary.
#[no_mangle]
pub unsafe extern "C" fn setup_bandmate0x2egroove() {
    pd::guard(std::ptr::null(), "bandmate.groove", (), || {
        notes::setup::<bandmate_core::host::GrooveObject>()
    })
}

/// Pd's entry point for `bandmate.looper`.
///
/// # Safety
/// Called by Pd once, on its main thread, when it loads the binary.
#[no_mangle]
pub unsafe extern "C" fn setup_bandmate0x2elooper() {
    pd::guard(std::ptr::null(), "bandmate.looper", (), || {
        notes::setup::<bandmate_core::host::LooperObject>()
    })
}

/// Pd's entry point for `bandmate.frag~`.
///
/// # Safety
/// Called by Pd once, on its main thread, when it loads the binary.
#[no_mangle]
pub unsafe extern "C" fn setup_bandmate0x2efrag_tilde() {
    pd::guard(std::ptr::null(), "bandmate.frag~", (), || frag::setup())
}
