//! Max / Max for Live objects for bandmate: every object of the core's registry
//! (`bandmate_core::objects::OBJECTS`), the same objects as in Pd, made by one generic wrapper
//! ([`object`]).
//!
//! One library holds every object. The package installs it once per object name
//! (`bandmate.<name>.mxo` on macOS; `.mxe64` on Windows; `.so` for the
//! mock host on Linux). Max calls `ext_main` of the file named like the object typed; each
//! `ext_main` registers every bandmate class not registered yet, so whichever copy loads first
//! serves every name.
//!
//! The wrapper holds no musical logic: it turns Max atoms into core messages, and the core
//! objects' outputs into outlets, clocks and `buffer~` contents.

mod attrs;
mod buffers;
mod max;
pub mod object;

use std::ffi::c_void;
use std::path::{Path, PathBuf};

/// Max's entry point.
///
/// # Safety
/// Called by Max once per loaded file, on its main thread.
#[no_mangle]
pub unsafe extern "C" fn ext_main(_r: *mut c_void) {
    max::guard(std::ptr::null_mut(), "bandmate", (), || {
        let extra = EXTRA.lock().unwrap_or_else(|e| e.into_inner()).clone();
        for entry in bandmate_core::objects::OBJECTS.iter().chain(extra) {
            object::setup(entry);
        }
    })
}

/// Objects a library built on this one adds to the registry's (before Max calls `ext_main`).
static EXTRA: std::sync::Mutex<Vec<&'static bandmate_core::objects::Entry>> =
    std::sync::Mutex::new(Vec::new());

/// Add an object of another crate to those `ext_main` registers (call it before Max loads the
/// library's classes, e.g. from a library constructor). Nothing else is needed: the generic
/// wrapper makes its class from its declaration.
pub fn add_entry(entry: &'static bandmate_core::objects::Entry) {
    EXTRA.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
}

/// The package folder (the one holding `externals/`, `models/` and the ONNX Runtime library),
/// found from where this library was loaded; the library's own folder otherwise.
pub fn package_dir() -> Option<PathBuf> {
    max::library_dir().map(|lib| package_of(&lib))
}

/// The package folder of a library in `lib_dir`: the parent of the nearest `externals` folder
/// above it (`externals/x.so`, `externals/x.mxe64`, `externals/x.mxo/Contents/MacOS/x`), else
/// `lib_dir` itself.
fn package_of(lib_dir: &Path) -> PathBuf {
    lib_dir
        .ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "externals"))
        .and_then(|e| e.parent())
        .unwrap_or(lib_dir)
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_is_found_from_each_systems_layout() {
        let pkg = Path::new("/Users/me/Documents/Max 9/Packages/bandmate");
        for lib in ["externals", "externals/bandmate.groove.mxo/Contents/MacOS"] {
            assert_eq!(package_of(&pkg.join(lib)), pkg, "{lib}");
        }
        let loose = Path::new("/tmp/somewhere");
        assert_eq!(package_of(loose), loose);
    }
}
