//! A performer's dataset, sculpted: a folder of their MIDI loops plus a manifest
//! (`bandmate-data.json` in the folder) saying, for each file, its labels and whether it is
//! left out of training, with a journal of every action, so that every action can be undone.
//!
//! - `scan` adds the MIDI files found in the folder (and its subfolders) that the manifest does
//!   not have yet, and marks the ones gone from the disk as missing (found again: not missing);
//! - `label` / `unlabel` put a label on items or take it off; `exclude` / `include` leave items
//!   out of training or take them back;
//! - `undo` takes the last action back: the manifest is then byte for byte what it was before
//!   that action (each journal entry keeps what the action changed, as it was);
//! - `history` is the journal, oldest first.
//!
//! The manifest is written whole and atomically (a temporary file, synced, renamed over the
//! old one): a crash in the middle of a write leaves the previous manifest as it was. Labels are
//! one word (letters, digits, `-`, `_`, `.`, at most 40 characters); an item is named by its
//! number in `list` (from 1) or its path in the folder. Training reads the items not excluded
//! ([`Dataset::training_files`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The manifest's file name, in the dataset's folder.
pub const MANIFEST: &str = "bandmate-data.json";
/// The longest label.
pub const MAX_LABEL: usize = 40;
/// The most files a dataset holds.
pub const MAX_ITEMS: usize = 100_000;
/// How deep the scan looks into subfolders.
const MAX_DEPTH: usize = 8;

/// One file of the dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    /// Its path in the folder, with `/` between folders.
    pub file: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub excluded: bool,
    /// Gone from the disk at the last scan.
    #[serde(default)]
    pub missing: bool,
}

/// One action, with what it changed as it was before (to undo it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// `scan`, `label LABEL`, `unlabel LABEL`, `exclude`, `include`.
    pub action: String,
    /// The items it touched, by file.
    pub files: Vec<String>,
    /// When (seconds since 1970).
    pub time: u64,
    /// The items it changed, by their index before it, as they were (`None`: added by it).
    pub before: Vec<(usize, Option<Item>)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    version: u32,
    items: Vec<Item>,
    journal: Vec<Entry>,
}

/// A dataset: its folder and its manifest.
#[derive(Debug, Clone)]
pub struct Dataset {
    dir: PathBuf,
    m: Manifest,
}

fn bad(m: impl Into<String>) -> Error {
    Error::invalid(m.into())
}

/// Seconds since 1970 (the journal's times, a tag's file name).
pub fn unix_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// A label is one word: letters, digits, `-`, `_`, `.`, starting with a letter or a digit; 1
/// to [`MAX_LABEL`] characters.
pub fn check_label(label: &str) -> Result<()> {
    let ok = label.chars().next().is_some_and(char::is_alphanumeric)
        && label.chars().count() <= MAX_LABEL
        && label
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "label {label:?}: one word of letters, digits, '-', '_' or '.', starting with a \
             letter or a digit, at most {MAX_LABEL} characters (no spaces)"
        )))
    }
}

/// The MIDI files under `dir` (links not followed), as paths in the folder with `/`, sorted.
fn midi_files(dir: &Path) -> Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, depth: usize, out: &mut Vec<String>) -> Result<()> {
        let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
        for e in rd.flatten() {
            let p = e.path();
            let Ok(t) = e.file_type() else { continue };
            let hidden = e.file_name().to_string_lossy().starts_with('.');
            if hidden || t.is_symlink() {
                continue;
            }
            if t.is_dir() && depth < MAX_DEPTH {
                walk(root, &p, depth + 1, out)?;
            } else if t.is_file() && crate::midi::is_midi_name(&p) {
                if let Ok(rel) = p.strip_prefix(root) {
                    let parts: Vec<String> = rel
                        .components()
                        .map(|c| c.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    out.push(parts.join("/"));
                }
                if out.len() > MAX_ITEMS {
                    return Err(bad(format!(
                        "{}: more than {MAX_ITEMS} MIDI files",
                        root.display()
                    )));
                }
            }
        }
        Ok(())
    }
    let mut v = Vec::new();
    walk(dir, dir, 0, &mut v)?;
    v.sort();
    Ok(v)
}

impl Dataset {
    /// The dataset of folder `dir`: its manifest, or a new empty one (nothing written until an
    /// action). An error for a folder that is not one, or a manifest that cannot be read (it
    /// is left as it is: nothing overwrites it).
    pub fn open(dir: &Path) -> Result<Dataset> {
        if !dir.is_dir() {
            return Err(bad(format!("{}: not a folder", dir.display())));
        }
        let path = dir.join(MANIFEST);
        let m = if path.exists() {
            let bytes = crate::fsutil::read(&path)?;
            let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
                bad(format!(
                    "{}: not a dataset manifest ({e}); it is left as it is",
                    path.display()
                ))
            })?;
            if m.version != 1 {
                return Err(bad(format!(
                    "{}: manifest version {} (this bandmate reads 1)",
                    path.display(),
                    m.version
                )));
            }
            m
        } else {
            Manifest {
                version: 1,
                items: Vec::new(),
                journal: Vec::new(),
            }
        };
        Ok(Dataset {
            dir: dir.to_path_buf(),
            m,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn items(&self) -> &[Item] {
        &self.m.items
    }

    pub fn history(&self) -> &[Entry] {
        &self.m.journal
    }

    /// The manifest as written (its bytes).
    pub fn bytes(&self) -> Vec<u8> {
        let mut v = serde_json::to_vec_pretty(&self.m).expect("a manifest serializes");
        v.push(b'\n');
        v
    }

    fn save(&self) -> Result<()> {
        let bytes = self.bytes();
        // tests only (BANDMATE_TEST_HOOKS=1): a slow write, half of it, a pause, the rest, so
        // a test can kill the process in the middle of it
        let pause = std::env::var_os("BANDMATE_TEST_HOOKS")
            .is_some_and(|v| v == "1")
            .then(|| std::env::var("BANDMATE_TEST_SLOW_SAVE_MS").ok())
            .flatten()
            .and_then(|v| v.parse::<u64>().ok());
        crate::fsutil::write_atomic_with(&self.dir.join(MANIFEST), |w| {
            let half = bytes.len() / 2;
            w.write_all(&bytes[..half])?;
            if let Some(ms) = pause {
                w.flush()?;
                std::thread::sleep(std::time::Duration::from_millis(ms));
            }
            w.write_all(&bytes[half..])
        })
    }

    /// Record `action` on `files`, changing items with `change` (given each index); saved.
    fn act(
        &mut self,
        action: String,
        indices: &[usize],
        change: impl Fn(&mut Item) -> bool,
    ) -> Result<usize> {
        let mut before = Vec::new();
        let mut files = Vec::new();
        for &i in indices {
            let old = self.m.items[i].clone();
            if change(&mut self.m.items[i]) {
                files.push(old.file.clone());
                before.push((i, Some(old)));
            }
        }
        let n = before.len();
        if n == 0 {
            return Ok(0);
        }
        self.record(action, files, before)?;
        Ok(n)
    }

    /// Journal an action already done in memory and save; on a failed save it is taken back,
    /// so the dataset stays what the disk holds.
    fn record(
        &mut self,
        action: String,
        files: Vec<String>,
        before: Vec<(usize, Option<Item>)>,
    ) -> Result<()> {
        self.m.journal.push(Entry {
            action,
            files,
            time: unix_secs(),
            before,
        });
        if let Err(e) = self.save() {
            self.undo_in_memory();
            return Err(e);
        }
        Ok(())
    }

    /// Add the MIDI files of the folder the manifest lacks; mark the ones gone as missing, the
    /// ones back as not. Returns (added, missing now, back).
    pub fn scan(&mut self) -> Result<(usize, usize, usize)> {
        let found = midi_files(&self.dir)?;
        let on_disk: std::collections::BTreeSet<&str> = found.iter().map(String::as_str).collect();
        let known: std::collections::BTreeSet<String> =
            self.m.items.iter().map(|i| i.file.clone()).collect();
        // (checked before anything changes: a refused scan leaves the dataset as it was)
        let new = found.iter().filter(|f| !known.contains(*f)).count();
        if self.m.items.len() + new > MAX_ITEMS {
            return Err(bad(format!(
                "{} items with the {new} new ones: a dataset holds at most {MAX_ITEMS}",
                self.m.items.len() + new
            )));
        }
        let mut before = Vec::new();
        let mut files = Vec::new();
        let (mut gone, mut back) = (0, 0);
        for (i, item) in self.m.items.iter_mut().enumerate() {
            let here = on_disk.contains(item.file.as_str());
            if here == item.missing {
                before.push((i, Some(item.clone())));
                files.push(item.file.clone());
                item.missing = !here;
                if here {
                    back += 1;
                } else {
                    gone += 1;
                }
            }
        }
        let mut added = 0;
        for f in found.into_iter().filter(|f| !known.contains(f)) {
            before.push((self.m.items.len(), None));
            files.push(f.clone());
            self.m.items.push(Item {
                file: f,
                labels: Vec::new(),
                excluded: false,
                missing: false,
            });
            added += 1;
        }
        if !before.is_empty() {
            self.record("scan".into(), files, before)?;
        }
        Ok((added, gone, back))
    }

    /// The items named (numbers from 1 as `list` shows them, or paths in the folder): their
    /// indices, in order, each once. An error names the first that is not an item.
    pub fn find(&self, names: &[String]) -> Result<Vec<usize>> {
        if names.is_empty() {
            return Err(bad(
                "name the items (their numbers in 'list', or their files)",
            ));
        }
        let mut out = Vec::new();
        for n in names {
            let i = match n.parse::<usize>() {
                Ok(k) if (1..=self.m.items.len()).contains(&k) => k - 1,
                Ok(k) => {
                    return Err(bad(format!(
                        "item {k}: the dataset has items 1 to {}",
                        self.m.items.len()
                    )))
                }
                Err(_) => {
                    // a file as written in the folder, or as a path to it ("./x.mid",
                    // "loops/x.mid" from beside the folder, a full path)
                    let mut want = n.replace('\\', "/");
                    if let Ok(rel) = Path::new(n).strip_prefix(&self.dir) {
                        want = rel.to_string_lossy().replace('\\', "/");
                    } else if let Some(name) = self.dir.file_name().and_then(|f| f.to_str()) {
                        if let Some(rest) = want.strip_prefix(&format!("{name}/")) {
                            want = rest.to_string();
                        }
                    }
                    while let Some(rest) = want.strip_prefix("./") {
                        want = rest.to_string();
                    }
                    self.m
                        .items
                        .iter()
                        .position(|i| i.file == want)
                        .ok_or_else(|| {
                            bad(format!(
                                "{n}: no such item in the dataset (a new file? 'scan' or \
                                 'list' adds it)"
                            ))
                        })?
                }
            };
            if !out.contains(&i) {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// Put `label` on the items named; returns how many changed.
    pub fn label(&mut self, label: &str, names: &[String]) -> Result<usize> {
        check_label(label)?;
        let idx = self.find(names)?;
        let l = label.to_string();
        self.act(format!("label {label}"), &idx, |i| {
            if i.labels.contains(&l) {
                false
            } else {
                i.labels.push(l.clone());
                true
            }
        })
    }

    /// Take `label` off the items named.
    pub fn unlabel(&mut self, label: &str, names: &[String]) -> Result<usize> {
        check_label(label)?;
        let idx = self.find(names)?;
        self.act(format!("unlabel {label}"), &idx, |i| {
            let n = i.labels.len();
            i.labels.retain(|x| x != label);
            i.labels.len() != n
        })
    }

    /// Leave the items named out of training (`true`) or take them back (`false`).
    pub fn exclude(&mut self, names: &[String], out: bool) -> Result<usize> {
        let idx = self.find(names)?;
        let action = if out { "exclude" } else { "include" };
        self.act(action.into(), &idx, |i| {
            let changed = i.excluded != out;
            i.excluded = out;
            changed
        })
    }

    fn undo_in_memory(&mut self) -> Option<Entry> {
        let e = self.m.journal.pop()?;
        // added items are the last ones, in order: take them off from the end
        for (i, old) in e.before.iter().rev() {
            match old {
                Some(item) => self.m.items[*i] = item.clone(),
                None => {
                    self.m.items.truncate(*i);
                }
            }
        }
        Some(e)
    }

    /// Take the last action back (the manifest as it was before it, byte for byte); returns
    /// it, or an error when there is nothing to undo.
    pub fn undo(&mut self) -> Result<Entry> {
        let was = self.m.clone();
        let e = self
            .undo_in_memory()
            .ok_or_else(|| bad("nothing to undo: the journal is empty"))?;
        if let Err(err) = self.save() {
            // the manifest on disk still has the action: so does this
            self.m = was;
            return Err(err);
        }
        Ok(e)
    }

    /// The files training reads: every item not excluded and not missing, as full paths; with
    /// `label`, only those with it.
    pub fn training_files(&self, label: Option<&str>) -> Vec<PathBuf> {
        self.m
            .items
            .iter()
            .filter(|i| !i.excluded && !i.missing)
            .filter(|i| label.is_none_or(|l| i.labels.iter().any(|x| x == l)))
            .map(|i| self.dir.join(&i.file))
            .collect()
    }

    /// How many items on the disk carry each label.
    pub fn label_counts(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for i in self.m.items.iter().filter(|i| !i.missing) {
            for l in &i.labels {
                *m.entry(l.clone()).or_insert(0) += 1;
            }
        }
        m
    }
}

/// Keep `notes` (a loop of `beats` quarter notes at `bpm`) in the dataset folder `dir` as
/// `LABEL-TIME.mid`, written whole or not at all, then added to the manifest with the label
/// (two journal entries: a scan and a label). The manifest is read first: a broken one is
/// reported before anything is written. Returns the file's name. What `tag` does, for every
/// object that tags.
pub fn keep_tag(
    dir: &Path,
    label: &str,
    notes: &[crate::midi::Note],
    bpm: f64,
    beats: f64,
) -> Result<String> {
    check_label(label)?;
    let mut set = Dataset::open(dir)?;
    let secs = unix_secs();
    let mut name = format!("{label}-{secs}.mid");
    let mut k = 2;
    while dir.join(&name).exists() {
        name = format!("{label}-{secs}-{k}.mid");
        k += 1;
    }
    let bytes = crate::midi::notes_to_smf(notes, bpm, beats, &format!("tag {label}"))?;
    crate::fsutil::write_atomic(&dir.join(&name), &bytes)?;
    set.scan()?;
    set.label(label, std::slice::from_ref(&name))?;
    Ok(name)
}

/// An action on a dataset, as `bandmate data` and the hosts' `data` message say it.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Every item (a scan first), or those with a label.
    List(Option<String>),
    Scan,
    Label(String, Vec<String>),
    Unlabel(String, Vec<String>),
    Exclude(Vec<String>),
    Include(Vec<String>),
    Undo,
    History,
}

/// What an action did.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// The items shown (numbered from 1 as in the manifest), how many train, the labels.
    Listed {
        items: Vec<(usize, Item)>,
        training: usize,
        labels: BTreeMap<String, usize>,
    },
    /// Added, gone missing, back.
    Scanned(usize, usize, usize),
    /// How many items changed, and the label.
    Labelled(usize, String),
    Unlabelled(usize, String),
    Excluded(usize),
    Included(usize),
    /// The action taken back.
    Undid(Entry),
    History(Vec<Entry>),
}

impl Action {
    /// The action `word` with its arguments (the label first for label and unlabel, then the
    /// items; the items for exclude and include; an optional label for list; nothing else).
    pub fn parse(word: &str, args: &[String]) -> Result<Action> {
        let none = |a: Action| {
            if args.is_empty() {
                Ok(a)
            } else {
                Err(bad(format!(
                    "{word} takes nothing more (got {})",
                    args.join(" ")
                )))
            }
        };
        let items = || -> Result<Vec<String>> {
            if args.is_empty() {
                Err(bad(format!(
                    "{word}: name the items (their numbers in 'list', or their files)"
                )))
            } else {
                Ok(args.to_vec())
            }
        };
        let labelled = || -> Result<(String, Vec<String>)> {
            let Some((l, rest)) = args.split_first() else {
                return Err(bad(format!("{word}: the label first, then the items")));
            };
            check_label(l)?;
            if rest.is_empty() {
                return Err(bad(format!(
                    "{word} {l}: then the items (their numbers in 'list', or their files)"
                )));
            }
            Ok((l.clone(), rest.to_vec()))
        };
        match word {
            "list" => match args {
                [] => Ok(Action::List(None)),
                [l] => {
                    check_label(l)?;
                    Ok(Action::List(Some(l.clone())))
                }
                _ => Err(bad("list takes one label at most")),
            },
            "scan" => none(Action::Scan),
            "label" => labelled().map(|(l, i)| Action::Label(l, i)),
            "unlabel" => labelled().map(|(l, i)| Action::Unlabel(l, i)),
            "exclude" => items().map(Action::Exclude),
            "include" => items().map(Action::Include),
            "undo" => none(Action::Undo),
            "history" => none(Action::History),
            _ => Err(bad(format!(
                "'{word}': expected list, scan, label, unlabel, exclude, include, undo or history"
            ))),
        }
    }
}

impl Dataset {
    /// Do `action` (each writes the manifest atomically, as its own method does).
    pub fn apply(&mut self, action: &Action) -> Result<Answer> {
        Ok(match action {
            Action::List(label) => {
                self.scan()?;
                let items = self
                    .items()
                    .iter()
                    .enumerate()
                    .filter(|(_, i)| {
                        label
                            .as_ref()
                            .is_none_or(|l| i.labels.iter().any(|x| x == l))
                    })
                    .map(|(k, i)| (k + 1, i.clone()))
                    .collect();
                Answer::Listed {
                    items,
                    training: self.training_files(None).len(),
                    labels: self.label_counts(),
                }
            }
            Action::Scan => {
                let (a, g, b) = self.scan()?;
                Answer::Scanned(a, g, b)
            }
            Action::Label(l, items) => Answer::Labelled(self.label(l, items)?, l.clone()),
            Action::Unlabel(l, items) => Answer::Unlabelled(self.unlabel(l, items)?, l.clone()),
            Action::Exclude(items) => Answer::Excluded(self.exclude(items, true)?),
            Action::Include(items) => Answer::Included(self.exclude(items, false)?),
            Action::Undo => Answer::Undid(self.undo()?),
            Action::History => Answer::History(self.history().to_vec()),
        })
    }
}

/// One item on the map of a dataset: its place, its file, labels and whether it is excluded.
#[derive(Debug, Clone, PartialEq)]
pub struct MapPoint {
    pub x: f32,
    pub y: f32,
    pub file: String,
    pub labels: Vec<String>,
    pub excluded: bool,
}

/// Points on two axes, and the share of the spread each axis explains.
pub type Projection = (Vec<(f32, f32)>, [f32; 2]);

/// How readings are laid out on two axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Projector {
    /// The two principal components: distances along them are the readings' own, the axes
    /// say how much of the spread they hold; near neighbours may overlap.
    #[default]
    Pca,
    /// t-SNE (van der Maaten and Hinton, 2008; bhtsne): neighbours kept together, clusters
    /// pulled apart; distances between clusters and the axes mean nothing.
    Tsne,
}

/// The words for [`Projector`]s.
pub const PROJECTORS: [&str; 2] = ["pca", "tsne"];

/// The fewest points t-SNE places (its perplexity needs at least three neighbours a point).
pub const TSNE_MIN_POINTS: usize = 10;

/// Up to this many points t-SNE is exact; past it, Barnes-Hut (theta 0.5). On the 2-core VM
/// (benches/map_bench.rs): exact 63 ms for 100 points and 0.44 s for 300 (4.6 s for 1000);
/// Barnes-Hut 0.52 s for 500, 1.2 s for 1000, 4.0 s for 3000.
pub const TSNE_EXACT_MAX: usize = 300;

/// The most points t-SNE places (more: use PCA): it runs on the looper's worker, whose
/// choices wait meanwhile.
pub const TSNE_MAX_POINTS: usize = 3000;

impl Projector {
    pub fn parse(word: &str) -> Result<Projector> {
        match word {
            "pca" => Ok(Projector::Pca),
            "tsne" => Ok(Projector::Tsne),
            _ => Err(bad(format!("'{word}': expected pca or tsne"))),
        }
    }
    pub fn name(self) -> &'static str {
        PROJECTORS[self as usize]
    }
    /// `rows` on two axes (for t-SNE the shares are 0: its axes hold no share of anything).
    pub fn project(self, rows: &[Vec<f32>]) -> Result<Projection> {
        match self {
            Projector::Pca => pca2(rows),
            Projector::Tsne => Ok((tsne2(rows)?, [0.0; 2])),
        }
    }
}

/// t-SNE of `rows` on two axes, the same for the same rows: exact (Barnes-Hut past
/// [`TSNE_EXACT_MAX`] points; at most [`TSNE_MAX_POINTS`]), perplexity 30 (less for fewer points: a third of them), 1000 epochs, started from
/// the principal components scaled small, on one thread (deterministic, and the global layout
/// kept).
pub fn tsne2(rows: &[Vec<f32>]) -> Result<Vec<(f32, f32)>> {
    let n = rows.len();
    if n > TSNE_MAX_POINTS {
        return Err(bad(format!(
            "t-SNE places at most {TSNE_MAX_POINTS} loops ({n} here): use pca"
        )));
    }
    if n < TSNE_MIN_POINTS {
        return Err(bad(format!(
            "t-SNE needs at least {TSNE_MIN_POINTS} loops ({n} here): use pca"
        )));
    }
    let (init, _) = pca2(rows)?;
    let sd = (init
        .iter()
        .map(|(x, y)| f64::from(x * x + y * y))
        .sum::<f64>()
        / (2 * n) as f64)
        .sqrt()
        .max(1e-12);
    let init: Vec<f32> = init
        .iter()
        .flat_map(|&(x, y)| [x, y])
        .map(|v| (f64::from(v) / sd * 1e-4) as f32)
        .collect();
    let perplexity = ((n - 1) / 3).min(30) as f32;
    let samples: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
    // one thread: sums in a fixed order, so the same readings give the same map (with more,
    // the order of the additions varies and 1000 epochs carry the difference far)
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| bad(format!("t-SNE: {e}")))?;
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        pool.install(|| {
            let mut t = bhtsne::tSNE::<f32, &[f32], 2>::new(&samples);
            t.perplexity(perplexity)
                .epochs(1000)
                .initial_embedding(init.clone());
            let sq = |a: &&[f32], b: &&[f32]| -> f32 {
                a.iter().zip(*b).map(|(x, y)| (x - y) * (x - y)).sum()
            };
            if n > TSNE_EXACT_MAX {
                t.barnes_hut(0.5, |a, b| sq(a, b).sqrt());
            } else {
                t.exact(sq);
            }
            t.embedding()
        })
    }))
    .map_err(|_| bad("t-SNE failed on these readings"))?;
    if run.iter().any(|v| !v.is_finite()) {
        return Err(bad("t-SNE gave no finite layout for these readings"));
    }
    Ok(run.chunks(2).map(|c| (c[0], c[1])).collect())
}

/// The index of the point nearest `at`, if any.
pub fn nearest(points: &[(f32, f32)], at: (f32, f32)) -> Option<usize> {
    let d = |p: &(f32, f32)| (p.0 - at.0).powi(2) + (p.1 - at.1).powi(2);
    points
        .iter()
        .enumerate()
        .min_by(|a, b| d(a.1).total_cmp(&d(b.1)))
        .map(|(k, _)| k)
}

/// Points moved into the unit square, each axis on its own (0 to 1; all at 0.5 on an axis
/// where they do not spread): places for a controller's XY pad.
pub fn unit_square(points: &[(f32, f32)]) -> Vec<(f32, f32)> {
    let range = |f: fn(&(f32, f32)) -> f32| {
        let lo = points.iter().map(f).fold(f32::INFINITY, f32::min);
        let hi = points.iter().map(f).fold(f32::NEG_INFINITY, f32::max);
        (lo, hi - lo)
    };
    let (xl, xs) = range(|p| p.0);
    let (yl, ys) = range(|p| p.1);
    let unit = |v: f32, lo: f32, span: f32| if span > 0.0 { (v - lo) / span } else { 0.5 };
    points
        .iter()
        .map(|&(x, y)| (unit(x, xl, xs), unit(y, yl, ys)))
        .collect()
}

/// A dataset's map: its points, the share of the spread on each axis, and the items left off
/// (with why).
#[derive(Debug, Clone, PartialEq)]
pub struct Map {
    pub points: Vec<MapPoint>,
    pub shares: [f32; 2],
    pub skipped: Vec<String>,
}

/// The groove model's reading of a MIDI loop: the mean of its latent means over the file's
/// 2-bar windows (a 1-bar hop), the windows with no hit left out.
pub fn embed_file(model: &mut crate::model::GrooveModel, path: &Path) -> Result<Vec<f32>> {
    let imp = crate::midi::read_pattern(path)?;
    let p = imp.pattern;
    let steps = crate::groove::STEPS;
    let mut sum: Vec<f32> = Vec::new();
    let mut n = 0;
    let mut start = 0;
    while start == 0 || start + steps <= p.steps() {
        let w = if p.steps() >= steps {
            p.window(start, steps)?
        } else {
            // shorter than two bars: repeated to fill them
            let parts: Vec<crate::Pattern> =
                (0..steps.div_ceil(p.steps())).map(|_| p.clone()).collect();
            crate::Pattern::concat(&parts)?.window(0, steps)?
        };
        if w.hits().next().is_some() {
            let (mu, _) = model.read_loop(&w)?;
            if sum.is_empty() {
                sum = vec![0.0; mu.len()];
            }
            for (s, m) in sum.iter_mut().zip(&mu) {
                *s += m;
            }
            n += 1;
        }
        start += crate::pattern::STEPS_PER_BAR;
        if p.steps() < steps {
            break;
        }
    }
    if n == 0 {
        return Err(bad(format!("{}: no drum hit to read", path.display())));
    }
    Ok(sum.into_iter().map(|s| s / n as f32).collect())
}

/// The two principal components of `rows` (each a point): every point's coordinates on them,
/// and the share of the spread each explains. Power iteration with deflation on the
/// covariance (the rows are few and short: a dataset's loops, the model's latent).
pub fn pca2(rows: &[Vec<f32>]) -> Result<Projection> {
    let n = rows.len();
    if n < 2 {
        return Err(bad("a map needs at least two loops"));
    }
    let d = rows[0].len();
    if d == 0 || rows.iter().any(|r| r.len() != d) {
        return Err(bad("the readings differ in length"));
    }
    let mean: Vec<f64> = (0..d)
        .map(|j| rows.iter().map(|r| f64::from(r[j])).sum::<f64>() / n as f64)
        .collect();
    let centred: Vec<Vec<f64>> = rows
        .iter()
        .map(|r| {
            r.iter()
                .zip(&mean)
                .map(|(x, m)| f64::from(*x) - m)
                .collect()
        })
        .collect();
    let mut cov = vec![vec![0.0f64; d]; d];
    for r in &centred {
        for i in 0..d {
            for j in 0..d {
                cov[i][j] += r[i] * r[j] / (n - 1) as f64;
            }
        }
    }
    let total: f64 = (0..d).map(|i| cov[i][i]).sum();
    let mut comps = Vec::new();
    let mut shares = [0.0f32; 2];
    for (k, share) in shares.iter_mut().enumerate() {
        // a start that is not orthogonal to the top component (deterministic)
        let mut v: Vec<f64> = (0..d).map(|i| 1.0 + (i + k) as f64 * 0.01).collect();
        let mut lambda = 0.0;
        for _ in 0..500 {
            let w: Vec<f64> = (0..d)
                .map(|i| (0..d).map(|j| cov[i][j] * v[j]).sum())
                .collect();
            let norm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm < 1e-12 {
                break;
            }
            lambda = norm;
            v = w.iter().map(|x| x / norm).collect();
        }
        *share = if total > 0.0 {
            (lambda / total) as f32
        } else {
            0.0
        };
        // deflate: the next component is found in what this one leaves
        for i in 0..d {
            for j in 0..d {
                cov[i][j] -= lambda * v[i] * v[j];
            }
        }
        comps.push(v);
    }
    let coords = centred
        .iter()
        .map(|r| {
            let c = |v: &[f64]| r.iter().zip(v).map(|(a, b)| a * b).sum::<f64>() as f32;
            (c(&comps[0]), c(&comps[1]))
        })
        .collect();
    Ok((coords, shares))
}

impl Dataset {
    /// The map of the dataset: every item on disk placed by the groove model's reading of it,
    /// on the readings' two principal components (and the share of the spread each explains).
    /// Items the model cannot read (no drums) are left out, with why.
    pub fn map(&self, model: &mut crate::model::GrooveModel, how: Projector) -> Result<Map> {
        let mut rows = Vec::new();
        let mut kept = Vec::new();
        let mut skipped = Vec::new();
        for item in self.m.items.iter().filter(|i| !i.missing) {
            match embed_file(model, &self.dir.join(&item.file)) {
                Ok(e) => {
                    rows.push(e);
                    kept.push(item);
                }
                Err(e) => skipped.push(format!("{}: {e}", item.file)),
            }
        }
        let (coords, shares) = how.project(&rows)?;
        let points = kept
            .into_iter()
            .zip(coords)
            .map(|(i, (x, y))| MapPoint {
                x,
                y,
                file: i.file.clone(),
                labels: i.labels.clone(),
                excluded: i.excluded,
            })
            .collect();
        Ok(Map {
            points,
            shares,
            skipped,
        })
    }
}
