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
mod dicts;
mod max;
pub mod object;

use std::ffi::c_void;
use std::path::PathBuf;

use bandmate_core::model::plugin_runtime_places;
pub use bandmate_core::model::Os;
use bandmate_core::objects::PLUGIN_MODEL_DIR;

/// Max's entry point.
///
/// # Safety
/// Called by Max once per loaded file, on its main thread.
#[no_mangle]
pub unsafe extern "C" fn ext_main(_r: *mut c_void) {
    max::guard(std::ptr::null_mut(), "bandmate", (), || {
        // `train` fine-tunes the groove model inside Max (bandmate-tune)
        bandmate_tune::install();
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
/// found from the file this library was loaded from (see [`layout`]).
pub fn package_dir() -> Option<PathBuf> {
    let file = max::library_file()?;
    // Max's paths are Unicode on macOS and Windows; a file name that is not gets no package.
    layout(file.to_str()?, Os::HOST).map(|l| PathBuf::from(l.package))
}

/// Where an external loaded from one file looks for the rest of its package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The package folder: the parent of the nearest `externals` folder above the file, else
    /// the file's own folder.
    pub package: String,
    /// The bundled groove model's folder.
    pub model: String,
    /// The ONNX Runtime library, in the order looked at.
    pub runtime: Vec<String>,
}

/// The package [`Layout`] of the external at `external_file` on `os`:
/// `externals/x.mxe64` (Windows), `externals/x.mxo/Contents/MacOS/x` (macOS), `externals/x.so`
/// (the mock host on Linux). Pure text work, with `os`'s separators (`\` and `/` on Windows),
/// so that every system's layout is tested on any; `None` for a bare file name.
pub fn layout(external_file: &str, os: Os) -> Option<Layout> {
    let is_sep = |c: char| c == '/' || (os == Os::Windows && c == '\\');
    let sep = if os == Os::Windows { "\\" } else { "/" };
    // Each folder above the file, nearest first, as a prefix of the path (without its
    // trailing separator; a root keeps its own).
    let mut dirs = Vec::new();
    let mut rest = external_file;
    while let Some(i) = rest.rfind(is_sep) {
        let dir = &rest[..i];
        let keep = if dir.is_empty() || dir.ends_with(':') {
            &rest[..=i]
        } else {
            dir
        };
        dirs.push(keep);
        if dir.is_empty() || dir.ends_with(':') {
            break;
        }
        rest = dir;
    }
    let own = *dirs.first()?;
    let name = |d: &str| {
        let d = d.trim_end_matches(is_sep);
        d.rfind(is_sep).map_or(d, |i| &d[i + 1..]).to_string()
    };
    let package = dirs
        .windows(2)
        .find(|w| {
            let n = name(w[0]);
            if os == Os::Windows || os == Os::MacOs {
                n.eq_ignore_ascii_case("externals")
            } else {
                n == "externals"
            }
        })
        .map_or(own, |w| w[1]);
    let join = |parts: &[&str]| {
        let mut p = package.trim_end_matches(is_sep).to_string();
        for c in parts.iter().filter(|c| !c.is_empty()) {
            p.push_str(sep);
            p.push_str(c);
        }
        p
    };
    Some(Layout {
        package: package.to_string(),
        model: join(&PLUGIN_MODEL_DIR),
        runtime: plugin_runtime_places(os).iter().map(|r| join(r)).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_package_is_found_from_each_systems_layout() {
        let mac = "/Users/me/Documents/Max 9/Packages/bandmate";
        let l = layout(
            &format!("{mac}/externals/bandmate.groove.mxo/Contents/MacOS/bandmate.groove"),
            Os::MacOs,
        )
        .unwrap();
        assert_eq!(l.package, mac);
        assert_eq!(l.model, format!("{mac}/models/groove"));
        assert_eq!(l.runtime[0], format!("{mac}/libonnxruntime.1.31.1.dylib"));

        let win = r"C:\Users\me\Documents\Max 9\Packages\bandmate";
        for file in [
            format!(r"{win}\externals\bandmate.groove.mxe64"),
            format!(r"{win}\Externals\bandmate.groove.mxe64"),
            format!(r"{win}/externals/bandmate.groove.mxe64").replace('\\', "/"),
        ] {
            let l = layout(&file, Os::Windows).unwrap();
            assert_eq!(l.package.replace('/', r"\"), win, "{file}");
            assert_eq!(l.model.replace('/', r"\"), format!(r"{win}\models\groove"));
            assert_eq!(
                l.runtime[0].replace('/', r"\"),
                format!(r"{win}\support\onnxruntime.dll")
            );
            assert_eq!(
                l.runtime[1].replace('/', r"\"),
                format!(r"{win}\onnxruntime.dll")
            );
        }
        // Windows' long-path form, as GetModuleFileNameW may give it
        let l = layout(r"\\?\D:\Max\bandmate\externals\x.mxe64", Os::Windows).unwrap();
        assert_eq!(l.package, r"\\?\D:\Max\bandmate");

        let linux = "/home/me/out/max/bandmate";
        let l = layout(&format!("{linux}/externals/bandmate.groove.so"), Os::Linux).unwrap();
        assert_eq!(l.package, linux);
        assert_eq!(l.runtime[0], format!("{linux}/libonnxruntime.so.1.31.1"));

        // loose: the file's own folder, a root kept whole
        assert_eq!(
            layout("/tmp/somewhere/x.so", Os::Linux).unwrap().package,
            "/tmp/somewhere"
        );
        assert_eq!(layout("/x.so", Os::Linux).unwrap().package, "/");
        assert_eq!(layout(r"C:\x.mxe64", Os::Windows).unwrap().package, r"C:\");
        assert_eq!(layout("x.so", Os::Linux), None);
        // a backslash is a name's character on Unix
        assert_eq!(
            layout(r"/p/externals\x.so", Os::Linux).unwrap().package,
            "/p"
        );
    }
}
