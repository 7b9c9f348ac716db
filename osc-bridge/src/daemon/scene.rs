//! `/bandmate/scene save|recall N`: the daemon's whole state in one file (see
//! [`bandmate_core::objects::scene`]), each fragment slot's file kept beside it. The file work
//! (writing with its fsync, linking the slots' files, reading and decoding them) runs on the
//! daemon's scene worker, never on the engine thread that sends the notes: the engine takes
//! the objects' parts, hands them over, and recalls what the worker read when it comes back.

use std::path::{Path, PathBuf};

use bandmate_core::fragbank::Fragment;
use bandmate_core::fsutil;
use bandmate_core::objects::{SceneFile, ScenePart};
use serde::{Deserialize, Serialize};

use super::{int, msg, s, Daemon, Target, POLL_MS, PREFIX};

/// The daemon's own part of a scene: each fragment slot's file (in the scene folder) and label.
#[derive(Serialize, Deserialize, Default)]
struct HostPart {
    slots: Vec<Option<SlotFile>>,
}

#[derive(Serialize, Deserialize)]
struct SlotFile {
    file: String,
    label: String,
}

/// File work for the scene worker, and who asked.
pub(super) struct SceneJob {
    n: i64,
    to: Option<Target>,
    dir: PathBuf,
    what: Work,
}

enum Work {
    /// Write `file` as scene `n`, each slot's file (its path now, its label) kept beside it.
    Save {
        file: Box<SceneFile>,
        slots: Vec<Option<(PathBuf, String)>>,
    },
    /// Read scene `n` and its slots' files.
    Read,
}

/// What the scene worker did.
pub(super) struct SceneDone {
    n: i64,
    to: Option<Target>,
    what: Result<Done, String>,
}

enum Done {
    Saved(PathBuf),
    Read {
        path: PathBuf,
        file: Box<SceneFile>,
        slots: Vec<Option<(Fragment, String)>>,
    },
}

/// A scene read and checked, ready to recall: nothing of it can be refused any more.
struct Checked {
    /// Each served object's index and its part (the paths of its messages confined).
    parts: Vec<(usize, ScenePart)>,
    /// Each slot's fragment, read, and its label.
    slots: Vec<Option<(Fragment, String)>>,
}

fn scene_name(n: i64) -> String {
    format!("scene-{n}.json")
}

fn slot_file_name(n: i64, slot: usize) -> String {
    format!("scene-{n}-slot-{:02}.wav", slot + 1)
}

/// The scene worker's work.
pub(super) fn run(job: SceneJob) -> SceneDone {
    let SceneJob { n, to, dir, what } = job;
    let what = match what {
        Work::Save { file, slots } => save_files(n, &dir, &file, &slots).map(Done::Saved),
        Work::Read => read_files(n, &dir),
    };
    SceneDone { n, to, what }
}

/// Write scene `n` into `dir`: the slots' files first (a hard link, or a copy where links
/// cannot be made; the bank replaces its files whole, so a link keeps what the slot holds
/// now), then the scene file, atomically; then the slot files an earlier save of `n` had and
/// this one has not are removed.
fn save_files(
    n: i64,
    dir: &Path,
    file: &SceneFile,
    slots: &[Option<(PathBuf, String)>],
) -> Result<PathBuf, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("scene save {n}: cannot make {}: {e}", dir.display()))?;
    let mut host = HostPart::default();
    for (k, slot) in slots.iter().enumerate() {
        let Some((from, label)) = slot else {
            host.slots.push(None);
            continue;
        };
        let name = slot_file_name(n, k);
        keep_file(from, &dir.join(&name))
            .map_err(|e| format!("scene save {n}: slot {}: {e}", k + 1))?;
        host.slots.push(Some(SlotFile {
            file: name,
            label: label.clone(),
        }));
    }
    let file = SceneFile {
        host: serde_json::to_value(&host).expect("plain data"),
        ..file.clone()
    };
    let path = dir.join(scene_name(n));
    file.write(&path)
        .map_err(|e| format!("scene save {n}: {e}"))?;
    for k in 0..bandmate_core::fragbank::MAX_SLOTS {
        if host.slots.get(k).is_none_or(Option::is_none) {
            let _ = std::fs::remove_file(dir.join(slot_file_name(n, k)));
        }
    }
    Ok(path)
}

/// Read scene `n` from `dir`: the file (inside the folder, links resolved) and each slot's
/// file (a plain name of the folder, readable as audio).
fn read_files(n: i64, dir: &Path) -> Result<Done, String> {
    let path = dir.join(scene_name(n));
    if !path.exists() {
        return Err(format!(
            "scene {n} does not exist ({}): save it first with 'scene save {n}'",
            path.display()
        ));
    }
    let canon = std::fs::canonicalize(dir).map_err(|e| e.to_string())?;
    let inside = |p: &Path| fsutil::within(p, Some(std::slice::from_ref(&canon)));
    if !inside(&path) {
        return Err(format!(
            "scene {n}: {} leads out of the scene folder",
            path.display()
        ));
    }
    let file = SceneFile::read(&path).map_err(|e| format!("scene {n}: {e}"))?;
    let host: HostPart = if file.host.is_null() {
        HostPart::default()
    } else {
        serde_json::from_value(file.host.clone())
            .map_err(|e| format!("scene {n}: its slots: {e}"))?
    };
    let mut slots = Vec::new();
    for (k, slot) in host.slots.iter().enumerate() {
        let Some(slot) = slot else {
            slots.push(None);
            continue;
        };
        let p = dir.join(&slot.file);
        if Path::new(&slot.file).file_name() != Some(slot.file.as_ref()) || !inside(&p) {
            return Err(format!(
                "scene {n}: slot {}: '{}' is not a file of the scene folder",
                k + 1,
                slot.file
            ));
        }
        let f = Fragment::from_wav(&p).map_err(|e| format!("scene {n}: slot {}: {e}", k + 1))?;
        slots.push(Some((f, slot.label.clone())));
    }
    Ok(Done::Read {
        path,
        file: Box::new(file),
        slots,
    })
}

impl Daemon {
    /// `scene save|recall N`: handed to the scene worker, answered when it is done.
    pub(super) fn scene(&mut self, to: Option<Target>, action: &str, n: i64) -> Result<(), String> {
        let what = if action == "save" {
            let mut file = SceneFile::default();
            for served in &self.served {
                if let Some(part) = served.obj.scene() {
                    file.parts.insert(served.decl().osc.to_string(), part);
                }
            }
            let slots = self
                .files
                .iter()
                .map(|f| f.as_ref().map(|f| (f.path.clone(), f.label.clone())))
                .collect();
            Work::Save {
                file: Box::new(file),
                slots,
            }
        } else {
            Work::Read
        };
        let job = SceneJob {
            n,
            to,
            dir: self.s.scene_dir.clone(),
            what,
        };
        self.scenes.send(job, true)
    }

    /// When the scene worker must next be looked at, while it owes an answer.
    pub(super) fn next_scene(&self, now: f64) -> Option<f64> {
        (self.scenes.pending() > 0).then_some(now + POLL_MS)
    }

    /// Whether the scene worker still owes an answer (a save or a recall under way).
    pub fn scenes_pending(&self) -> bool {
        self.scenes.pending() > 0
    }

    /// What the scene worker did: answered; a scene read is checked and recalled.
    pub(super) fn poll_scenes(&mut self, now: f64) {
        while let Some(done) = self.scenes.try_recv() {
            self.scenes.answered();
            let SceneDone { n, to, what } = done;
            let addr = format!("{PREFIX}/scene");
            let r = what.and_then(|d| match d {
                Done::Saved(path) => Ok(("saved", path)),
                Done::Read { path, file, slots } => {
                    let checked = self.check_scene(n, *file, slots)?;
                    self.recall_scene(now, to, checked);
                    Ok(("recalled", path))
                }
            });
            match r {
                Ok((word, path)) => self.reply(
                    to,
                    msg(
                        &addr,
                        vec![s(word), int(n as u64), s(path.display().to_string())],
                    ),
                ),
                Err(e) => self.error(to, &addr, &e),
            }
        }
    }

    /// Check every part of scene `n` against what is served here (its messages against the
    /// objects' declarations, their paths and the paths its states would read confined; each
    /// object's state), so a recall either takes it whole or changes nothing.
    fn check_scene(
        &self,
        n: i64,
        file: SceneFile,
        slots: Vec<Option<(Fragment, String)>>,
    ) -> Result<Checked, String> {
        let mut parts = Vec::new();
        for (osc, mut part) in file.parts {
            let i = self
                .served
                .iter()
                .position(|x| x.decl().osc == osc)
                .ok_or_else(|| format!("scene {n}: there is no object '{osc}' here"))?;
            let decl = self.served[i].decl();
            let mut messages = Vec::with_capacity(part.messages.len());
            for (sel, args) in &part.messages {
                let mut atoms = args.clone();
                let call = decl
                    .parse(sel, &atoms)
                    .map_err(|e| format!("scene {n}: {osc}: {e}"))?;
                self.over_osc(i, &call, &mut atoms)
                    .map_err(|e| format!("scene {n}: {osc}: {e}"))?;
                messages.push((sel.clone(), atoms));
            }
            if let Some(state) = &part.state {
                let obj = &self.served[i].obj;
                obj.check_state(state)
                    .map_err(|e| format!("scene {n}: {e}"))?;
                for p in obj.state_paths(state) {
                    self.confine(&p)
                        .map_err(|e| format!("scene {n}: {osc}: {e}"))?;
                }
            }
            part.messages = messages;
            parts.push((i, part));
        }
        Ok(Checked { parts, slots })
    }

    /// Bring a checked scene back: the slots' fragments, then each object's messages and
    /// state, then what played plays (a playing object switches at its next loop boundary).
    fn recall_scene(&mut self, now: f64, to: Option<Target>, c: Checked) {
        let t = self.horizon(now);
        let addr = format!("{PREFIX}/scene");
        if let Some(b) = self.bank() {
            for (k, f) in c.slots.into_iter().enumerate() {
                let Some((f, label)) = f else { continue };
                let channels = (0..f.channel_count())
                    .filter_map(|ch| f.channel(ch).map(<[f32]>::to_vec))
                    .collect();
                let r = self.served[b]
                    .obj
                    .take_array(&label, channels, f.sample_rate(), Some(k));
                if let Err(e) = r {
                    self.error(to, &addr, &format!("slot {}: {e}", k + 1));
                }
            }
            self.drain(b, to, true, &addr);
        }
        for (i, part) in c.parts {
            let mut failed = Vec::new();
            for (sel, atoms) in &part.messages {
                if let Err(e) = self.served[i].obj.message(t, sel, atoms) {
                    failed.push(format!("{sel}: {e}"));
                }
            }
            if let Some(state) = &part.state {
                if let Err(e) = self.served[i].obj.recall_state(t, state) {
                    failed.push(e.to_string());
                }
            }
            let plays = self.served[i]
                .decl()
                .messages
                .iter()
                .any(|m| m.name == "play");
            // What plays already plays on, in its phase, switching at its boundary (`play`
            // would start it again from the top).
            if part.playing && plays && !self.served[i].obj.is_playing() {
                if let Err(e) = self.served[i].obj.message(t, "play", &[]) {
                    failed.push(format!("play: {e}"));
                }
            }
            self.drain(i, to, true, &addr);
            for e in failed {
                let osc = self.served[i].decl().osc;
                self.error(to, &addr, &format!("{osc}: {e}"));
            }
        }
        self.controls_dirty = true;
    }
}

/// `to` holds what `from` holds now: a hard link (the bank replaces its files whole, so the
/// link keeps this version), else a copy, either made beside `to` and renamed over it.
fn keep_file(from: &Path, to: &Path) -> std::io::Result<()> {
    let tmp = to.with_extension(format!("wav.tmp-{}", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    if std::fs::hard_link(from, &tmp).is_err() {
        std::fs::copy(from, &tmp)?;
    }
    std::fs::rename(&tmp, to).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
