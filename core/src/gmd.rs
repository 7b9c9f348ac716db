//! The Groove MIDI Dataset: `info.csv`, 2-bar windows of the 4/4 performances, and the tensor
//! export the training code reads (see `docs/dataset.md` for the format).
//!
//! Windows follow the tfds `groove/2bar` rule: a performance spans `round(end / bar)` bars and
//! yields a window at every bar from 0 to `bars - 2` (1-bar hop). Unlike tfds, notes are placed on
//! the grid over the whole performance first, so a note played just before a window's first beat
//! stays in the window as an early hit on step 0. Windows without a single hit are skipped.

use crate::error::{Error, ErrorKind, Result};
use crate::fsutil;
use crate::midi::{ChannelSelect, MidiFile};
use crate::npy::{write_npy, NpyData};
use crate::pattern::{Pattern, LOOP_BARS, LOOP_STEPS, STEPS_PER_BAR};
use crate::voice::{Voice, VOICES};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Version of the export format; the training code checks it.
pub const EXPORT_FORMAT: &str = "bandmate-gmd-export";
pub const EXPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Validation,
    Test,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Train, Split::Validation, Split::Test];
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }
    fn parse(s: &str) -> Option<Split> {
        Split::ALL.into_iter().find(|x| x.name() == s)
    }
}

/// Where the dataset is: `$BANDMATE_GMD` if set, else `../shared/data/groove-midi-dataset`
/// beside this checkout (where the project's tests, benchmarks and CI find it).
pub fn default_root() -> PathBuf {
    std::env::var_os("BANDMATE_GMD")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/groove-midi-dataset")
        })
}

/// One row of `info.csv`.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub drummer: String,
    pub session: String,
    pub id: String,
    pub style: String,
    pub bpm: u32,
    /// `beat` or `fill`.
    pub beat_type: String,
    /// As written in the CSV, e.g. `4-4`.
    pub time_signature: String,
    pub midi_filename: String,
    pub duration: f64,
    pub split: Split,
}

impl Entry {
    pub fn is_four_four(&self) -> bool {
        self.time_signature == "4-4"
    }
}

/// Load `<root>/info.csv`.
pub fn load_info(root: &Path) -> Result<Vec<Entry>> {
    let path = root.join("info.csv");
    let text = String::from_utf8(fsutil::read(&path)?).map_err(|_| {
        Error::new(ErrorKind::Dataset("info.csv is not UTF-8 text".into())).at(&path)
    })?;
    parse_info(&text).map_err(|e| e.at(&path))
}

fn parse_info(text: &str) -> Result<Vec<Entry>> {
    let bad = |m: String| Error::new(ErrorKind::Dataset(m));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim() == name)
            .ok_or_else(|| bad(format!("info.csv has no '{name}' column")))
    };
    let c = [
        col("drummer")?,
        col("session")?,
        col("id")?,
        col("style")?,
        col("bpm")?,
        col("beat_type")?,
        col("time_signature")?,
        col("midi_filename")?,
        col("duration")?,
        col("split")?,
    ];
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').collect();
        if f.len() != header.len() {
            return Err(bad(format!(
                "line {}: {} fields, the header has {}",
                n + 2,
                f.len(),
                header.len()
            )));
        }
        let num = |i: usize, what: &str| {
            f[i].trim()
                .parse::<f64>()
                .map_err(|_| bad(format!("line {}: {what} '{}' is not a number", n + 2, f[i])))
        };
        out.push(Entry {
            drummer: f[c[0]].into(),
            session: f[c[1]].into(),
            id: f[c[2]].into(),
            style: f[c[3]].into(),
            bpm: num(c[4], "bpm")? as u32,
            beat_type: f[c[5]].into(),
            time_signature: f[c[6]].into(),
            midi_filename: f[c[7]].into(),
            duration: num(c[8], "duration")?,
            split: Split::parse(f[c[9]].trim())
                .ok_or_else(|| bad(format!("line {}: unknown split '{}'", n + 2, f[c[9]])))?,
        });
    }
    Ok(out)
}

/// The bars a 2-bar window of this performance may start on (1-bar hop), empty or not.
pub fn window_starts(file: &MidiFile) -> std::ops::Range<usize> {
    0..(file.bars() + 1).saturating_sub(LOOP_BARS)
}

/// The 2-bar windows of one performance: `(start bar, pattern)`, empty windows left out.
pub fn windows(file: &MidiFile) -> Result<Vec<(usize, Pattern)>> {
    let whole = file.to_pattern(ChannelSelect::Auto)?.pattern;
    let mut out = Vec::new();
    for bar in window_starts(file) {
        let w = whole.window(bar * STEPS_PER_BAR, LOOP_STEPS)?;
        if !w.is_empty() {
            out.push((bar, w));
        }
    }
    Ok(out)
}

/// What an export produced, per split.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SplitReport {
    /// 4/4 performances read.
    pub files: usize,
    /// 2-bar windows exported.
    pub windows: usize,
    /// Windows left out because nothing is played in them.
    pub empty_windows: usize,
    /// Performances left out because they are not in 4/4.
    pub other_meters: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ExportReport {
    pub train: SplitReport,
    pub validation: SplitReport,
    pub test: SplitReport,
    /// Files that could not be read: (file, one-line error). They are left out, not fatal.
    pub failed: Vec<(String, String)>,
}

impl ExportReport {
    pub fn split(&self, s: Split) -> &SplitReport {
        match s {
            Split::Train => &self.train,
            Split::Validation => &self.validation,
            Split::Test => &self.test,
        }
    }
    fn split_mut(&mut self, s: Split) -> &mut SplitReport {
        match s {
            Split::Train => &mut self.train,
            Split::Validation => &mut self.validation,
            Split::Test => &mut self.test,
        }
    }
}

/// One exported window with where it came from.
#[derive(Debug, Clone)]
pub struct Window {
    pub entry: Entry,
    pub start_bar: usize,
    pub pattern: Pattern,
}

/// Read every 4/4 performance of the dataset and cut its windows, per split.
pub fn collect(root: &Path, report: &mut ExportReport) -> Result<Vec<Window>> {
    let entries = load_info(root)?;
    let mut out = Vec::new();
    for e in entries {
        if !e.is_four_four() {
            report.split_mut(e.split).other_meters += 1;
            continue;
        }
        let path = root.join(&e.midi_filename);
        let file = match MidiFile::read(&path) {
            Ok(f) => f,
            Err(err) => {
                report
                    .failed
                    .push((e.midi_filename.clone(), err.to_string()));
                continue;
            }
        };
        let ws = match windows(&file) {
            Ok(ws) => ws,
            Err(err) => {
                report
                    .failed
                    .push((e.midi_filename.clone(), err.at(&path).to_string()));
                continue;
            }
        };
        let total = window_starts(&file).len();
        let r = report.split_mut(e.split);
        r.files += 1;
        r.windows += ws.len();
        r.empty_windows += total - ws.len();
        for (start_bar, pattern) in ws {
            out.push(Window {
                entry: e.clone(),
                start_bar,
                pattern,
            });
        }
    }
    Ok(out)
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: &'a str,
    version: u32,
    source: String,
    attribution: &'a str,
    steps: usize,
    steps_per_bar: usize,
    voices: Vec<&'static str>,
    arrays: Vec<ArrayDoc>,
    report: &'a ExportReport,
}

#[derive(Serialize)]
struct ArrayDoc {
    file: &'static str,
    dtype: &'static str,
    shape: &'static str,
    meaning: &'static str,
}

const ATTRIBUTION: &str = "Groove MIDI Dataset v1.0.0 by Jon Gillick, Adam Roberts, Jesse Engel, \
Douglas Eck and David Bamman (Google Magenta), CC BY 4.0: \"Learning to Groove with Inverse \
Sequence Transformations\", ICML 2019.";

fn array_docs() -> Vec<ArrayDoc> {
    vec![
        ArrayDoc { file: "hits.npy", dtype: "uint8", shape: "[N, 32, 9]", meaning: "1 where the voice is hit on the step; also the Score view (per-voice Score rows are hits[:, :, v])" },
        ArrayDoc { file: "velocities.npy", dtype: "float32", shape: "[N, 32, 9]", meaning: "velocity 0..1 (MIDI velocity / 127), 0 where no hit" },
        ArrayDoc { file: "offsets.npy", dtype: "float32", shape: "[N, 32, 9]", meaning: "timing offset -0.5..0.5 of a step, positive = late, 0 where no hit" },
        ArrayDoc { file: "groove.npy", dtype: "float32", shape: "[N, 32, 3]", meaning: "Groove view: per step [hit, velocity, offset] of the loudest hit, voices discarded" },
        ArrayDoc { file: "accent.npy", dtype: "uint8", shape: "[N, 32]", meaning: "Accent view: 1 where a hit's velocity is more than one std above its drum's mean in the window" },
        ArrayDoc { file: "windows.csv", dtype: "text", shape: "N rows", meaning: "row, id, drummer, style, bpm, beat_type, start_bar, midi_filename" },
    ]
}

/// Export the tensors of every split into `out/<split>/` and a `manifest.json`; returns the report.
pub fn export(root: &Path, out: &Path) -> Result<ExportReport> {
    let mut report = ExportReport::default();
    let windows = collect(root, &mut report)?;
    for split in Split::ALL {
        let dir = out.join(split.name());
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, &e))?;
        let ws: Vec<&Window> = windows.iter().filter(|w| w.entry.split == split).collect();
        write_split(&dir, &ws)?;
    }
    let manifest = Manifest {
        format: EXPORT_FORMAT,
        version: EXPORT_VERSION,
        source: root.display().to_string(),
        attribution: ATTRIBUTION,
        steps: LOOP_STEPS,
        steps_per_bar: STEPS_PER_BAR,
        voices: Voice::ALL.iter().map(|v| v.name()).collect(),
        arrays: array_docs(),
        report: &report,
    };
    let json = serde_json::to_string_pretty(&manifest).expect("manifest serializes");
    fsutil::write_atomic(&out.join("manifest.json"), json.as_bytes())?;
    Ok(report)
}

fn write_split(dir: &Path, ws: &[&Window]) -> Result<()> {
    let n = ws.len();
    let cells = LOOP_STEPS * VOICES;
    let mut hits = Vec::with_capacity(n * cells);
    let mut vels = Vec::with_capacity(n * cells);
    let mut offs = Vec::with_capacity(n * cells);
    let mut groove = Vec::with_capacity(n * LOOP_STEPS * 3);
    let mut accent = Vec::with_capacity(n * LOOP_STEPS);
    let mut csv = String::from("row,id,drummer,style,bpm,beat_type,start_bar,midi_filename\n");
    for (i, w) in ws.iter().enumerate() {
        let (h, v, o) = w.pattern.to_matrices();
        hits.extend(h.iter().map(|&x| x as u8));
        vels.extend(v);
        offs.extend(o);
        groove.extend(w.pattern.groove().to_matrix());
        accent.extend(w.pattern.accents().as_slice().iter().map(|&a| a as u8));
        let e = &w.entry;
        csv.push_str(&format!(
            "{i},{},{},{},{},{},{},{}\n",
            e.id, e.drummer, e.style, e.bpm, e.beat_type, w.start_bar, e.midi_filename
        ));
    }
    let p = |name: &str| -> PathBuf { dir.join(name) };
    write_npy(&p("hits.npy"), &[n, LOOP_STEPS, VOICES], &NpyData::U8(hits))?;
    write_npy(
        &p("velocities.npy"),
        &[n, LOOP_STEPS, VOICES],
        &NpyData::F32(vels),
    )?;
    write_npy(
        &p("offsets.npy"),
        &[n, LOOP_STEPS, VOICES],
        &NpyData::F32(offs),
    )?;
    write_npy(&p("groove.npy"), &[n, LOOP_STEPS, 3], &NpyData::F32(groove))?;
    write_npy(&p("accent.npy"), &[n, LOOP_STEPS], &NpyData::U8(accent))?;
    fsutil::write_atomic(&p("windows.csv"), csv.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn info_csv_errors_are_clear() {
        let head = "drummer,session,id,style,bpm,beat_type,time_signature,midi_filename,audio_filename,duration,split\n";
        let ok = format!("{head}d1,d1/s,d1/s/1,funk/g,120,beat,4-4,a.mid,a.wav,10.5,test\n");
        let e = parse_info(&ok).unwrap();
        assert_eq!(
            (e[0].bpm, e[0].split, e[0].duration),
            (120, Split::Test, 10.5)
        );
        let e = parse_info(&ok.replace("test\n", "dev\n")).unwrap_err();
        assert_eq!(e.to_string(), "dataset: line 2: unknown split 'dev'");
        assert!(parse_info(&ok.replace(",120,", ",fast,")).is_err());
        assert!(parse_info("a,b\n")
            .unwrap_err()
            .to_string()
            .contains("no 'drummer' column"));
    }
}
