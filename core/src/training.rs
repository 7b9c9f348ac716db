//! Training from the hosts: what a `train` message asks for, what it reports while it runs,
//! the model library it writes into, and the trainer itself as a hook.
//!
//! The trainer (bandmate-tune, candle) depends on this crate, so it cannot be called from here
//! directly: a host that can train (the Pd and Max externals, the OSC daemon, the CLI) installs
//! it once at load with [`install`]. Where none is installed, `train` says so and nothing else
//! changes.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::OnceLock;
use std::time::Duration;

use crate::error::{Error, Result};

/// What a `train` asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// The model folder it starts from (the one that plays).
    pub base: PathBuf,
    /// The performer's loops: a dataset folder (its manifest's training files) or a folder of
    /// MIDI files.
    pub data: PathBuf,
    /// Only the dataset's files with this label.
    pub label: Option<String>,
    /// The new model's name: its folder in `library`.
    pub name: String,
    /// The model library folder (made where missing).
    pub library: PathBuf,
    /// Where every file read must lie, links resolved (`None`: anywhere).
    pub roots: Option<Vec<PathBuf>>,
    /// Passes over the loops (`None`: the trainer's default).
    pub epochs: Option<usize>,
    /// Every Nth file held out to compare the new model with the old (the trainer's default
    /// where `None`; 0: none).
    pub hold_out: Option<usize>,
    /// Or the MIDI loops of this folder held out instead.
    pub held_out_dir: Option<PathBuf>,
    /// How it was asked for, for the model's record (a command line, a message).
    pub command: String,
}

/// What a training reports while it runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// It starts: the files and 2-bar windows it trains on, those held out, the passes.
    Start {
        files: usize,
        windows: usize,
        held_out_files: usize,
        held_out_windows: usize,
        epochs: usize,
    },
    /// A file left out, and why (not a readable MIDI file, no window with hits, outside the
    /// allowed folders).
    Skipped(PathBuf, String),
    /// An epoch done.
    Epoch(Progress),
}

/// How far a training has got.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub epoch: usize,
    pub epochs: usize,
    /// The epoch's mean training loss.
    pub loss: f32,
    /// The held-out windows' loss after this epoch (lower is closer), where there are any.
    pub held_out: Option<f32>,
    pub elapsed: Duration,
    pub left: Duration,
}

/// A training done: the model written.
#[derive(Debug, Clone, PartialEq)]
pub struct Trained {
    pub name: String,
    /// Its folder in the library.
    pub dir: PathBuf,
    pub seconds: f64,
    /// The held-out performances' negative log-likelihood per window, before and after (lower
    /// is closer), where some were held out.
    pub nll_before: Option<f32>,
    pub nll_after: Option<f32>,
}

/// A trainer: runs `request`, reporting to `report`; stops between two steps when `cancel` is
/// set, with an error that says so and nothing written.
pub type Trainer = fn(&Request, &mut dyn FnMut(Event), &AtomicBool) -> Result<Trained>;

static TRAINER: OnceLock<Trainer> = OnceLock::new();

/// Install the trainer (once; later calls are ignored).
pub fn install(trainer: Trainer) {
    let _ = TRAINER.set(trainer);
}

/// The installed trainer, else an error that says this build cannot train.
pub fn trainer() -> Result<Trainer> {
    TRAINER.get().copied().ok_or_else(|| {
        Error::invalid("train: this build of bandmate has no trainer (bandmate-tune not installed)")
    })
}

/// Checks a model name: a plain folder name (letters, digits, '-', '_', '.'; not starting
/// with '.'), so that it can never point out of the library.
pub fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "model name {name:?}: use letters, digits, '-', '_' or '.' (not first), at most 64"
        )))
    }
}

/// A name for a model trained on `data` (its folder's name, and the label), the first of
/// `NAME`, `NAME-2`, `NAME-3`... the library does not hold yet.
pub fn default_name(data: &Path, label: Option<&str>, library: &Path) -> String {
    let folder: String = std::fs::canonicalize(data)
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_default()
        .chars()
        .filter(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(*ch))
        .take(48)
        .collect();
    let folder = folder.trim_start_matches('.');
    let stem = match (folder.is_empty(), label) {
        (true, None) => "mine".to_string(),
        (true, Some(l)) => l.to_string(),
        (false, None) => folder.to_string(),
        (false, Some(l)) => format!("{folder}-{l}"),
    };
    let mut name = stem.clone();
    let mut k = 2;
    while library.join(&name).exists() {
        name = format!("{stem}-{k}");
        k += 1;
    }
    name
}

/// Checks a library folder before anything is trained for it: a folder, or not there yet with
/// its parent folder there (it is made when the first model is written), inside `roots` (links
/// resolved; `None`: anywhere).
pub fn check_library(dir: &Path, roots: Option<&[PathBuf]>) -> Result<()> {
    if dir.exists() {
        if !dir.is_dir() {
            return Err(Error::invalid(format!(
                "{}: not a folder (the library is a folder of models)",
                dir.display()
            )));
        }
        if !crate::fsutil::within(dir, roots) {
            return Err(Error::invalid(format!(
                "{}: outside the folders that may be written",
                dir.display()
            )));
        }
        return Ok(());
    }
    match dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) if parent.is_dir() => {
            if crate::fsutil::within(parent, roots) {
                Ok(())
            } else {
                Err(Error::invalid(format!(
                    "{}: outside the folders that may be written",
                    dir.display()
                )))
            }
        }
        _ => Err(Error::invalid(format!(
            "{}: no such folder, nor the folder to make it in",
            dir.display()
        ))),
    }
}

/// A model of the library.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryModel {
    pub name: String,
    /// The model it was fine-tuned from, where it was.
    pub from: Option<String>,
    /// The files and 2-bar windows it was trained on, where recorded.
    pub files: Option<usize>,
    pub windows: Option<usize>,
    /// What kind of model it is: its `model.json`'s `format` (`bandmate-groove-model`,
    /// `bandmate-accomp-model`).
    pub format: Option<String>,
}

/// A model folder's kind: its `model.json`'s `format`, where it says one.
pub fn format_of(dir: &Path) -> Option<String> {
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("model.json")).ok()?).ok()?;
    j["format"].as_str().map(str::to_string)
}

/// The models of a library folder (sub-folders with a `model.json`; hidden ones, such as a
/// model being written, left out), by name. A library not made yet has none.
pub fn library(dir: &Path) -> Result<Vec<LibraryModel>> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(dir, &e)),
    };
    let mut out = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let p = e.path();
        if name.starts_with('.') || !p.join("model.json").is_file() {
            continue;
        }
        let j: serde_json::Value = std::fs::read(p.join("model.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let t = &j["training"];
        out.push(LibraryModel {
            name,
            from: t["fine_tuned_from"].as_str().map(str::to_string),
            files: t["files"].as_array().map(Vec::len),
            windows: t["train_windows"].as_u64().map(|w| w as usize),
            format: j["format"].as_str().map(str::to_string),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The folder of model `name` in `library`, where `name` is a plain name ([`check_name`]) and
/// the library holds such a model.
pub fn find_model(library: &Path, name: &str) -> Option<PathBuf> {
    check_name(name).ok()?;
    let p = library.join(name);
    p.join("model.json").is_file().then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("bm-training-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn names_are_plain_folder_names() {
        for ok in ["mine", "drummer7-slow", "a.b_c", "x1"] {
            check_name(ok).unwrap();
        }
        for bad in [
            "",
            ".hidden",
            "../up",
            "a/b",
            "with space",
            "é",
            &"x".repeat(65),
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_default_name_is_the_folders_and_never_one_the_library_holds() {
        let d = temp("names");
        let data = d.join("my loops!");
        let lib = d.join("lib");
        std::fs::create_dir_all(&data).unwrap();
        assert_eq!(default_name(&data, None, &lib), "myloops");
        assert_eq!(default_name(&data, Some("slow"), &lib), "myloops-slow");
        std::fs::create_dir_all(lib.join("myloops")).unwrap();
        std::fs::create_dir_all(lib.join("myloops-2")).unwrap();
        assert_eq!(default_name(&data, None, &lib), "myloops-3");
        assert_eq!(default_name(&d.join("gone"), None, &lib), "mine");
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn the_library_lists_whole_models_only() {
        let d = temp("lib");
        assert!(library(&d.join("none")).unwrap().is_empty());
        for (n, json) in [
            (
                "b",
                r#"{"training":{"fine_tuned_from":"groove","files":["x","y"],"train_windows":40}}"#,
            ),
            ("a", r#"{"name":"a"}"#),
            (".b.tmp-1", "{}"),
        ] {
            std::fs::create_dir_all(d.join(n)).unwrap();
            std::fs::write(d.join(n).join("model.json"), json).unwrap();
        }
        std::fs::create_dir_all(d.join("empty")).unwrap();
        let l = library(&d).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].name, "a");
        assert_eq!(l[0].from, None);
        assert_eq!(l[1].from.as_deref(), Some("groove"));
        assert_eq!((l[1].files, l[1].windows), (Some(2), Some(40)));
        assert_eq!(find_model(&d, "b"), Some(d.join("b")));
        assert_eq!(find_model(&d, "empty"), None);
        assert_eq!(find_model(&d, "../b"), None);
        let _ = std::fs::remove_dir_all(&d);
    }
}
