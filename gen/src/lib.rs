//! bandmate's generators: every file made from the objects' declarations, so none can drift
//! from what the objects take. Nothing here runs on stage; `bandmate-gen write` writes them all
//! and the tests fail when a committed one is out of date.
//!
//! - [`docs`]: the Pd help patches (`patches/pd/<name>-help.pd`) and `docs/objects.md`;
//! - [`maxpat`]: the Max help patchers, the Max for Live devices and the patch checker;
//! - [`touchosc`]: the TouchOSC layout (`patches/touchosc/bandmate.tosc`);
//! - [`osc_doc`]: the OSC reference, `docs/osc.md`.

pub mod docs;
pub mod maxpat;
pub mod osc_doc;
pub mod touchosc;

use std::path::{Path, PathBuf};

/// The workspace's root folder (where `patches/` and `docs/` are).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Every generated file: its path from the root, and its bytes.
pub fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut v = Vec::new();
    for e in bandmate_core::objects::OBJECTS
        .iter()
        .filter(|e| !e.decl.max_only)
    {
        v.push((
            PathBuf::from(format!("patches/pd/{}-help.pd", e.decl.name)),
            docs::pd_help(e.decl, &e.help).into_bytes(),
        ));
        if let Some(name) = docs::pd_display_name(e.decl, &e.help) {
            v.push((
                PathBuf::from(format!("patches/pd/{name}.pd")),
                docs::pd_display(&e.help).into_bytes(),
            ));
        }
    }
    v.push((
        PathBuf::from("docs/objects.md"),
        docs::objects_reference().into_bytes(),
    ));
    for (name, bytes) in maxpat::generated_files() {
        v.push((PathBuf::from("patches/max").join(name), bytes));
    }
    v.push((
        PathBuf::from("patches/touchosc/bandmate.tosc"),
        touchosc::tosc_bytes(),
    ));
    v.push((
        PathBuf::from("patches/pd/clip.mid"),
        bandmate_core::compose::example_clip()
            .to_smf(&[], 100.0, "clip")
            .expect("the example clip"),
    ));
    v.push((
        PathBuf::from("docs/osc.md"),
        osc_doc::markdown().into_bytes(),
    ));
    v
}

/// The generated files whose committed copy differs (or is missing).
pub fn stale() -> Vec<PathBuf> {
    generated()
        .into_iter()
        .filter(|(p, want)| std::fs::read(root().join(p)).ok().as_ref() != Some(want))
        .map(|(p, _)| p)
        .collect()
}

/// Write every generated file that changed (atomically); returns those written.
pub fn write_all() -> std::io::Result<Vec<PathBuf>> {
    let mut written = Vec::new();
    for (p, want) in generated() {
        let file = root().join(&p);
        if std::fs::read(&file).ok().as_ref() == Some(&want) {
            continue;
        }
        if let Some(dir) = file.parent() {
            std::fs::create_dir_all(dir)?;
        }
        bandmate_core::fsutil::write_atomic(&file, &want)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        written.push(p);
    }
    Ok(written)
}
