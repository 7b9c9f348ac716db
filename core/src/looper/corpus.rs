//! The corpus: segments of a folder of MIDI files, their embeddings, and the corpus file that
//! keeps them between sessions.

use super::embed::{groove_embed_many, handcrafted_embedding, normalize, HANDCRAFTED_DIM};
use super::segment::{labels_for, segment_file};
use super::{check_notes, LoopNote, Segment, MAX_BEATS, MIN_BEATS};
use crate::error::{Error, ErrorKind, Result};
use crate::fsutil;
use crate::midi::MidiFile;
use crate::model::GrooveModel;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Instant, UNIX_EPOCH};

/// The corpus file [`Corpus::open`] keeps in a folder.
pub const CORPUS_FILE_NAME: &str = ".bandmate-corpus";
/// The corpus file's first 8 bytes.
pub const MAGIC: &[u8; 8] = b"BMLOOPER";
/// The corpus file format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
/// Name of the handcrafted embedder, as recorded in the corpus.
pub const HANDCRAFTED: &str = "handcrafted";
/// Name of the groove-encoder embedder, as recorded in the corpus.
pub const GROOVE: &str = "groove";

/// Which embedding a corpus is built with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum EmbedderChoice {
    /// The groove model's encoder when every segment is drums and the model loads from the
    /// default place (`models/groove` of the workspace, see
    /// [`crate::objects::default_model_dirs`]); the handcrafted embedding otherwise.
    #[default]
    Auto,
    /// The handcrafted embedding (any MIDI).
    Handcrafted,
    /// The groove model's encoder from this model folder (drum segments only).
    Groove(PathBuf),
}

/// How to build a corpus.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuildOptions {
    pub embedder: EmbedderChoice,
    /// Where [`EmbedderChoice::Auto`] looks for the groove model, in order (empty: the default
    /// model folders).
    pub model_dirs: Vec<PathBuf>,
    /// Files found in the folder must lie inside these (links resolved); `None`: anywhere. See
    /// [`crate::fsutil::within`].
    pub roots: Option<Vec<PathBuf>>,
}

/// What a build (or an open) did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BuildReport {
    /// MIDI files found.
    pub files: usize,
    /// Segments in the corpus.
    pub segments: usize,
    /// Files not re-read: unchanged (size and modification time) since the previous corpus.
    pub reused_files: usize,
    /// Files left out: (file relative to the folder, why).
    pub skipped: Vec<(String, String)>,
    /// Wall time of the build or load.
    pub seconds: f64,
    /// The embedder used (`handcrafted` or `groove`).
    pub embedder: String,
    /// What else happened: a corpus file that could not be read and was rebuilt, a corpus file
    /// that could not be saved (read-only folder)...
    pub messages: Vec<String>,
}

/// One MIDI file as the corpus saw it.
#[derive(Debug, Clone, PartialEq)]
struct FileEntry {
    path: String,
    size: u64,
    mtime_ns: u64,
    /// Its segments: `first..first + count` of the corpus's.
    first: usize,
    count: usize,
    /// Why it gave no segment.
    skipped: Option<String>,
}

/// A corpus of loopable segments with their embeddings.
pub struct Corpus {
    id: u64,
    segments: Vec<Segment>,
    dim: usize,
    /// `segments.len() x dim`: the embedder's vectors, as saved.
    raw: Vec<f32>,
    /// Their mean over the corpus.
    mean: Vec<f32>,
    /// `segments.len() x dim`: the raw vectors less the mean, each of length 1 (what distances
    /// are measured on).
    embeddings: Vec<f32>,
    embedder: String,
    /// A hash of the groove encoder's graph (0 for handcrafted): embeddings of another model
    /// are not reused.
    embedder_key: u64,
    model_dir: Option<PathBuf>,
    files: Vec<FileEntry>,
    model: Mutex<Option<GrooveModel>>,
}

impl std::fmt::Debug for Corpus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Corpus")
            .field("segments", &self.segments.len())
            .field("files", &self.files.len())
            .field("embedder", &self.embedder)
            .field("dim", &self.dim)
            .finish()
    }
}

fn next_id() -> u64 {
    static ID: AtomicU64 = AtomicU64::new(1);
    ID.fetch_add(1, Ordering::Relaxed)
}

/// A fast 64-bit checksum: FNV-1a over little-endian 64-bit words (the tail zero-padded).
fn checksum(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let w = u64::from_le_bytes(c.try_into().expect("8 bytes"));
        h = (h ^ w).wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    h = (h ^ u64::from_le_bytes(tail)).wrapping_mul(0x0000_0100_0000_01b3);
    h ^ (h >> 32)
}

pub(crate) fn dot(a: &[f32], b: &[f32]) -> f32 {
    // Eight lanes so the compiler vectorises it.
    let mut acc = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        for k in 0..8 {
            acc[k] += x[k] * y[k];
        }
    }
    let mut s: f32 = acc.iter().sum();
    for (x, y) in ra.iter().zip(rb) {
        s += x * y;
    }
    s
}

/// Cosine distance from a dot product of unit vectors, 0..2.
pub(crate) fn cos_dist(d: f32) -> f32 {
    (1.0 - d).clamp(0.0, 2.0)
}

/// The most files and folders a corpus folder's walk looks at: a folder of loops holds far
/// fewer; a walk of a whole disk (`corpus /` by mistake) is refused at once instead of taking
/// minutes of the worker.
pub const MAX_WALK: usize = 50_000;

/// The MIDI files under a folder, recursively, sorted, relative with `/`; hidden files and
/// folders (a leading `.`) are left out. A folder reached again (a link back up the tree) is
/// walked once; a subfolder that cannot be read is left out; more than [`MAX_WALK`] entries is
/// an error.
fn midi_files(root: &Path) -> Result<(Vec<(String, PathBuf)>, usize)> {
    let mut out = Vec::new();
    let mut others = 0;
    let mut seen = std::collections::HashSet::new();
    let mut walked = 0usize;
    let mut stack = vec![(root.to_path_buf(), String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let rd = match std::fs::read_dir(&dir) {
            Ok(rd) => rd,
            Err(e) if dir == root => return Err(Error::io(&dir, &e)),
            Err(_) => continue,
        };
        if !seen.insert(std::fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone())) {
            continue;
        }
        let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
        walked += entries.len();
        if walked > MAX_WALK {
            return Err(Error::invalid(format!(
                "more than {MAX_WALK} files and folders under it: point the looper at a folder \
                 of loops"
            ))
            .at(root));
        }
        entries.sort_by_key(|e| e.file_name());
        for e in entries.into_iter().rev() {
            let name = e.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let path = e.path();
            let relp = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if path.is_dir() {
                stack.push((path, relp));
            } else {
                let ext = path
                    .extension()
                    .map(|x| x.to_string_lossy().to_lowercase())
                    .unwrap_or_default();
                if ext == "mid" || ext == "midi" {
                    out.push((relp, path));
                } else {
                    others += 1;
                }
            }
        }
    }
    out.sort();
    Ok((out, others))
}

fn stamp(path: &Path) -> Result<(u64, u64)> {
    let m = std::fs::metadata(path).map_err(|e| Error::io(path, &e))?;
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos().min(u64::MAX as u128) as u64);
    Ok((m.len(), mtime))
}

/// Identity of a groove model folder: a checksum of its encoder graph.
fn model_key(dir: &Path) -> Result<u64> {
    let bytes = fsutil::read(&dir.join("encoder.onnx"))?;
    Ok(checksum(&bytes).max(1))
}

/// The mean of the raw vectors, and each one less the mean, normalised.
fn centre(raw: &[f32], dim: usize) -> (Vec<f32>, Vec<f32>) {
    let n = raw.len() / dim;
    let mut mean = vec![0f64; dim];
    for row in raw.chunks_exact(dim) {
        for (m, x) in mean.iter_mut().zip(row) {
            *m += *x as f64;
        }
    }
    let mean: Vec<f32> = mean.iter().map(|m| (m / n.max(1) as f64) as f32).collect();
    let mut out = raw.to_vec();
    for row in out.chunks_exact_mut(dim) {
        for (x, m) in row.iter_mut().zip(&mean) {
            *x -= m;
        }
        normalize(row);
    }
    (mean, out)
}

fn groove_error(msg: String) -> Error {
    Error::new(ErrorKind::Model(msg))
}

impl Corpus {
    /// Build a corpus from every `.mid`/`.midi` file under `folder` (recursively, hidden files
    /// left out). A file that cannot be read or cut is skipped with its reason; a folder without
    /// MIDI files, or whose files give no segment, is an error saying so. Files whose size and
    /// modification time are those recorded in `previous` are not re-read: their segments (and,
    /// for the same embedder, their embeddings) are reused.
    pub fn build(
        folder: &Path,
        opts: &BuildOptions,
        previous: Option<&Corpus>,
    ) -> Result<(Corpus, BuildReport)> {
        let t0 = Instant::now();
        if !folder.is_dir() {
            return Err(Error::invalid("not a folder").at(folder));
        }
        let (found, others) = midi_files(folder)?;
        if found.is_empty() {
            return Err(Error::invalid(if others == 0 {
                "the folder is empty: no MIDI files (.mid, .midi) to build a corpus from".into()
            } else {
                format!("no MIDI files (.mid, .midi) in the folder, only {others} other files")
            })
            .at(folder));
        }
        let mut report = BuildReport {
            files: found.len(),
            ..Default::default()
        };
        let mut files = Vec::with_capacity(found.len());
        let mut segments: Vec<Segment> = Vec::new();
        // Embeddings carried over from `previous`, per segment (None: to compute).
        let mut carried: Vec<Option<usize>> = Vec::new();
        for (rel, path) in &found {
            // (Not even its size is read when it lies outside.)
            let outside = !crate::fsutil::within(path, opts.roots.as_deref());
            let (size, mtime_ns) = if outside { (0, 0) } else { stamp(path)? };
            let old = previous.and_then(|p| {
                p.files
                    .iter()
                    .find(|f| f.path == *rel && f.size == size && f.mtime_ns == mtime_ns)
                    .map(|f| (p, f))
            });
            let first = segments.len();
            let skipped = if outside {
                Some(crate::fsutil::OUTSIDE.to_string())
            } else if let Some((p, f)) = old {
                report.reused_files += 1;
                for i in f.first..f.first + f.count {
                    segments.push(p.segments[i].clone());
                    carried.push(Some(i));
                }
                f.skipped.clone()
            } else {
                let labels = labels_for(rel);
                match MidiFile::read(path).and_then(|m| segment_file(&m, rel, &labels)) {
                    Ok(segs) => {
                        carried.extend(segs.iter().map(|_| None));
                        segments.extend(segs);
                        None
                    }
                    Err(e) => Some(e.problem()),
                }
            };
            if let Some(why) = &skipped {
                report.skipped.push((rel.clone(), why.clone()));
            }
            files.push(FileEntry {
                path: rel.clone(),
                size,
                mtime_ns,
                first,
                count: segments.len() - first,
                skipped,
            });
        }
        if segments.is_empty() {
            let first = report
                .skipped
                .first()
                .map(|(f, w)| format!(" ({f}: {w})"))
                .unwrap_or_default();
            return Err(Error::invalid(format!(
                "none of the {} MIDI files gave a usable segment{first}",
                found.len()
            ))
            .at(folder));
        }
        // The embedder.
        let all_drums = segments.iter().all(|s| s.drums);
        let mut model: Option<(GrooveModel, PathBuf, u64)> = None;
        match &opts.embedder {
            EmbedderChoice::Handcrafted => {}
            EmbedderChoice::Groove(dir) => {
                if let Some(s) = segments.iter().find(|s| !s.drums) {
                    return Err(groove_error(format!(
                        "the groove encoder embeds drum segments only (channel 10); {} is not \
                         (use the handcrafted embedding)",
                        s.name()
                    ))
                    .at(folder));
                }
                let m = GrooveModel::load(dir)?;
                model = Some((m, dir.clone(), model_key(dir)?));
            }
            EmbedderChoice::Auto => {
                if all_drums {
                    let dirs = if opts.model_dirs.is_empty() {
                        crate::objects::default_model_dirs(None)
                    } else {
                        opts.model_dirs.clone()
                    };
                    for d in dirs {
                        match GrooveModel::load(&d).and_then(|m| Ok((m, model_key(&d)?))) {
                            Ok((m, key)) => {
                                model = Some((m, d, key));
                                break;
                            }
                            Err(e) => report.messages.push(format!("groove model not used: {e}")),
                        }
                    }
                }
            }
        }
        let (embedder, key, dim) = match &model {
            Some((m, _, key)) => (GROOVE, *key, m.info().gesture_dims()),
            None => (HANDCRAFTED, 0, HANDCRAFTED_DIM),
        };
        // the same encoder read to the same width (a model's gesture latents, not its whole)
        let same = previous
            .is_some_and(|p| p.embedder == embedder && p.embedder_key == key && p.dim() == dim);
        let mut raw = vec![0f32; segments.len() * dim];
        let mut todo = Vec::new();
        for (i, c) in carried.iter().enumerate() {
            match (c, previous) {
                (Some(j), Some(p)) if same => {
                    raw[i * dim..(i + 1) * dim].copy_from_slice(&p.raw[j * dim..(j + 1) * dim])
                }
                _ => todo.push(i),
            }
        }
        match &mut model {
            Some((m, _, _)) => {
                let items: Vec<(&[LoopNote], f64)> = todo
                    .iter()
                    .map(|&i| (&segments[i].notes[..], segments[i].beats))
                    .collect();
                let es = groove_embed_many(m, &items)?;
                for (&i, e) in todo.iter().zip(es) {
                    raw[i * dim..(i + 1) * dim].copy_from_slice(&e);
                }
            }
            None => {
                for &i in &todo {
                    let e = handcrafted_embedding(&segments[i].notes, segments[i].beats);
                    raw[i * dim..(i + 1) * dim].copy_from_slice(&e);
                }
            }
        }
        report.segments = segments.len();
        report.embedder = embedder.to_string();
        report.seconds = t0.elapsed().as_secs_f64();
        let (model, model_dir) = match model {
            Some((m, d, _)) => (Some(m), Some(d)),
            None => (None, None),
        };
        let (mean, embeddings) = centre(&raw, dim);
        Ok((
            Corpus {
                id: next_id(),
                segments,
                dim,
                raw,
                mean,
                embeddings,
                embedder: embedder.to_string(),
                embedder_key: key,
                model_dir,
                files,
                model: Mutex::new(model),
            },
            report,
        ))
    }

    /// Open a corpus. For a folder: load its corpus file ([`CORPUS_FILE_NAME`]) when there is a
    /// valid one, rebuild what changed since (a missing, corrupt or other-version corpus file
    /// means a full rebuild, said in the report's messages), and save the corpus file back
    /// (atomically) when anything changed; a folder that cannot be written still gives the
    /// corpus (the report says it was not saved). For a file: load that corpus file.
    pub fn open(path: &Path, opts: &BuildOptions) -> Result<(Corpus, BuildReport)> {
        if !path.is_dir() {
            let t0 = Instant::now();
            let c = Corpus::load(path)?;
            let report = BuildReport {
                files: c.files.len(),
                segments: c.len(),
                reused_files: c.files.len(),
                skipped: c
                    .files
                    .iter()
                    .filter_map(|f| f.skipped.clone().map(|w| (f.path.clone(), w)))
                    .collect(),
                seconds: t0.elapsed().as_secs_f64(),
                embedder: c.embedder.clone(),
                messages: Vec::new(),
            };
            return Ok((c, report));
        }
        let t0 = Instant::now();
        let file = path.join(CORPUS_FILE_NAME);
        let mut messages = Vec::new();
        let previous = if file.exists() {
            match Corpus::load(&file) {
                Ok(c) => Some(c),
                Err(e) => {
                    messages.push(format!("rebuilt the corpus: {e}"));
                    None
                }
            }
        } else {
            None
        };
        let (corpus, mut report) = Corpus::build(path, opts, previous.as_ref())?;
        let unchanged = previous.as_ref().is_some_and(|p| {
            p.files == corpus.files
                && p.embedder == corpus.embedder
                && p.embedder_key == corpus.embedder_key
        });
        if !unchanged {
            if let Err(e) = corpus.save(&file) {
                messages.push(format!("the corpus file was not saved: {e}"));
            }
        }
        messages.append(&mut report.messages);
        report.messages = messages;
        report.seconds = t0.elapsed().as_secs_f64();
        Ok((corpus, report))
    }

    /// The segments, in file order then cut order.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }
    pub fn len(&self) -> usize {
        self.segments.len()
    }
    pub fn is_empty(&self) -> bool {
        self.segments.is_empty()
    }
    /// Embedding dimensions.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// A unique number for this corpus in this process (caches key on it).
    pub(crate) fn id(&self) -> u64 {
        self.id
    }
    /// Segment `i`'s embedding: the embedder's vector less the corpus mean, of length 1 (zeros
    /// in the odd case it equals the mean). Panics if `i >= len()`.
    pub fn embedding(&self, i: usize) -> &[f32] {
        &self.embeddings[i * self.dim..(i + 1) * self.dim]
    }
    /// Cosine distance between segments `a` and `b`, 0..2. Panics if out of range.
    pub fn distance(&self, a: usize, b: usize) -> f32 {
        cos_dist(dot(self.embedding(a), self.embedding(b)))
    }
    /// Cosine distance between any vector of the corpus's dimensions and segment `i` (1 for a
    /// zero or wrong-length query).
    pub fn distance_to(&self, query: &[f32], i: usize) -> f32 {
        let mut q = query.to_vec();
        if q.len() != self.dim {
            return 1.0;
        }
        normalize(&mut q);
        cos_dist(dot(&q, self.embedding(i)))
    }
    /// The `k` segments nearest to `query` (any length-`dim` vector; it is normalised), nearest
    /// first, with their cosine distances. Empty for a query of another length.
    pub fn nearest(&self, query: &[f32], k: usize) -> Vec<(usize, f32)> {
        if query.len() != self.dim || k == 0 {
            return Vec::new();
        }
        let mut q = query.to_vec();
        normalize(&mut q);
        let mut all: Vec<(usize, f32)> = (0..self.len())
            .map(|i| (i, cos_dist(dot(&q, self.embedding(i)))))
            .collect();
        let k = k.min(all.len());
        if k < all.len() {
            all.select_nth_unstable_by(k, |a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
            all.truncate(k);
        }
        all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        all
    }
    /// The corpus's embedder applied to any notes spanning `beats` quarter notes (what the
    /// musician plays, say), centred on the corpus mean like [`Corpus::embedding`]; unit length. The groove encoder is loaded on first use for a
    /// corpus read from a file.
    pub fn embed_notes(&self, notes: &[LoopNote], beats: f64) -> Result<Vec<f32>> {
        check_notes(notes, beats)?;
        let mut e = self.embed_raw(notes, beats)?;
        for (x, m) in e.iter_mut().zip(&self.mean) {
            *x -= m;
        }
        normalize(&mut e);
        Ok(e)
    }

    fn embed_raw(&self, notes: &[LoopNote], beats: f64) -> Result<Vec<f32>> {
        if self.embedder == HANDCRAFTED {
            return Ok(handcrafted_embedding(notes, beats));
        }
        let mut guard = self
            .model
            .lock()
            .map_err(|_| groove_error("the groove encoder failed earlier".into()))?;
        if guard.is_none() {
            let dir = self
                .model_dir
                .as_ref()
                .ok_or_else(|| groove_error("the corpus names no groove model folder".into()))?;
            let m = GrooveModel::load(dir)?;
            if model_key(dir)? != self.embedder_key {
                return Err(groove_error(format!(
                    "the model in {} is not the one this corpus was built with (rebuild it)",
                    dir.display()
                )));
            }
            *guard = Some(m);
        }
        let m = guard.as_mut().expect("loaded above");
        Ok(groove_embed_many(m, &[(notes, beats)])?.remove(0))
    }
    /// `handcrafted` or `groove`.
    pub fn embedder_name(&self) -> &str {
        &self.embedder
    }
    /// Every distinct label of the corpus, sorted.
    pub fn labels(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .segments
            .iter()
            .flat_map(|s| s.labels.iter().cloned())
            .collect();
        v.sort();
        v.dedup();
        v
    }
    /// The files left out of the corpus, with why.
    pub fn skipped(&self) -> Vec<(String, String)> {
        self.files
            .iter()
            .filter_map(|f| f.skipped.clone().map(|w| (f.path.clone(), w)))
            .collect()
    }
    /// The segment with this [`Segment::name`].
    pub fn find(&self, name: &str) -> Option<usize> {
        self.segments.iter().position(|s| s.name() == name)
    }

    /// Write the corpus file, atomically (see `docs/looper.md` for the format).
    pub fn save(&self, file: &Path) -> Result<()> {
        fsutil::write_atomic(file, &self.to_bytes())
    }

    /// Read a corpus file; a file of another format version, a corrupt or a truncated one is an
    /// error naming the file and what is wrong with it.
    pub fn load(file: &Path) -> Result<Corpus> {
        let bytes = fsutil::read(file)?;
        Corpus::from_bytes(&bytes).map_err(|e| e.at(file))
    }

    /// The corpus file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer(Vec::with_capacity(64 + self.raw.len() * 4));
        w.str(&self.embedder);
        w.u64(self.embedder_key);
        w.str(
            &self
                .model_dir
                .as_ref()
                .map(|d| d.to_string_lossy().into_owned())
                .unwrap_or_default(),
        );
        w.u32(self.dim as u32);
        w.u32(self.files.len() as u32);
        for f in &self.files {
            w.str(&f.path);
            w.u64(f.size);
            w.u64(f.mtime_ns);
            w.u32(f.first as u32);
            w.u32(f.count as u32);
            w.str(f.skipped.as_deref().unwrap_or(""));
        }
        w.u32(self.segments.len() as u32);
        for s in &self.segments {
            w.str(&s.source);
            w.u32(s.index as u32);
            w.f64(s.start_beat);
            w.f64(s.beats);
            w.f64(s.bpm);
            w.0.extend([s.meter.0, s.meter.1, s.drums as u8]);
            w.u32(s.labels.len() as u32);
            for l in &s.labels {
                w.str(l);
            }
            w.u32(s.notes.len() as u32);
            for n in &s.notes {
                w.f64(n.beat);
                w.f64(n.beats);
                w.0.extend([n.channel, n.key, n.velocity]);
            }
        }
        for x in &self.raw {
            w.0.extend(x.to_le_bytes());
        }
        let payload = w.0;
        let mut out = Vec::with_capacity(payload.len() + 28);
        out.extend(MAGIC);
        out.extend(FORMAT_VERSION.to_le_bytes());
        out.extend((payload.len() as u64).to_le_bytes());
        out.extend(checksum(&payload).to_le_bytes());
        out.extend(payload);
        out
    }

    /// Parse a corpus file's bytes (errors without the file name).
    pub fn from_bytes(bytes: &[u8]) -> Result<Corpus> {
        let bad = |m: String| Error::invalid(format!("corpus file: {m}"));
        if bytes.len() < 8 || &bytes[..8] != MAGIC {
            return Err(bad("not a bandmate corpus file (no BMLOOPER magic)".into()));
        }
        if bytes.len() < 28 {
            return Err(bad(format!(
                "truncated: {} bytes, the header alone is 28",
                bytes.len()
            )));
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4"));
        if version != FORMAT_VERSION {
            return Err(bad(format!(
                "format version {version}, this bandmate reads version {FORMAT_VERSION} \
                 (rebuild the corpus from its folder)"
            )));
        }
        let len = u64::from_le_bytes(bytes[12..20].try_into().expect("8"));
        let sum = u64::from_le_bytes(bytes[20..28].try_into().expect("8"));
        let payload = &bytes[28..];
        if payload.len() as u64 != len {
            return Err(bad(format!(
                "truncated or padded: the header declares {len} bytes of data, the file holds {}",
                payload.len()
            )));
        }
        if checksum(payload) != sum {
            return Err(bad("corrupt: the checksum does not match the data".into()));
        }
        Corpus::parse_payload(payload).map_err(|m| bad(format!("corrupt: {m}")))
    }

    fn parse_payload(p: &[u8]) -> std::result::Result<Corpus, String> {
        let mut r = Reader { b: p, pos: 0 };
        let embedder = r.str()?;
        if embedder != HANDCRAFTED && embedder != GROOVE {
            return Err(format!("unknown embedder {embedder:?}"));
        }
        let embedder_key = r.u64()?;
        let model_dir = r.str()?;
        let dim = r.u32()? as usize;
        if !(1..=4096).contains(&dim) {
            return Err(format!("{dim} embedding dimensions"));
        }
        let nfiles = r.u32()? as usize;
        let mut files = Vec::with_capacity(nfiles.min(1 << 20));
        for _ in 0..nfiles {
            let path = r.str()?;
            let (size, mtime_ns) = (r.u64()?, r.u64()?);
            let (first, count) = (r.u32()? as usize, r.u32()? as usize);
            let why = r.str()?;
            files.push(FileEntry {
                path,
                size,
                mtime_ns,
                first,
                count,
                skipped: (!why.is_empty()).then_some(why),
            });
        }
        let nseg = r.u32()? as usize;
        let mut segments = Vec::with_capacity(nseg.min(1 << 20));
        for k in 0..nseg {
            let source = r.str()?;
            let index = r.u32()? as usize;
            let (start_beat, beats, bpm) = (r.f64()?, r.f64()?, r.f64()?);
            let m = r.bytes(3)?;
            let (meter, drums) = ((m[0], m[1]), m[2] != 0);
            let nl = r.u32()? as usize;
            let mut labels = Vec::with_capacity(nl.min(256));
            for _ in 0..nl {
                labels.push(r.str()?);
            }
            let nn = r.u32()? as usize;
            let mut notes = Vec::with_capacity(nn.min(1 << 16));
            for _ in 0..nn {
                let (beat, nb) = (r.f64()?, r.f64()?);
                let c = r.bytes(3)?;
                notes.push(LoopNote {
                    beat,
                    beats: nb,
                    channel: c[0],
                    key: c[1],
                    velocity: c[2],
                });
            }
            if !(MIN_BEATS..=MAX_BEATS).contains(&beats) || !bpm.is_finite() {
                return Err(format!("segment {k} is {beats} beats at {bpm} BPM"));
            }
            check_notes(&notes, beats).map_err(|e| format!("segment {k}: {}", e.problem()))?;
            segments.push(Segment {
                source,
                index,
                start_beat,
                beats,
                bpm,
                meter,
                labels,
                notes,
                drums,
            });
        }
        for f in &files {
            if f.first + f.count > segments.len() {
                return Err(format!("file {} points past the segments", f.path));
            }
        }
        let raw = r.bytes(nseg * dim * 4)?;
        let raw: Vec<f32> = raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4")))
            .collect();
        if raw.iter().any(|x| !x.is_finite()) {
            return Err("an embedding value is not a number".into());
        }
        if r.pos != p.len() {
            return Err(format!("{} bytes left over", p.len() - r.pos));
        }
        let (mean, embeddings) = centre(&raw, dim);
        Ok(Corpus {
            id: next_id(),
            segments,
            dim,
            raw,
            mean,
            embeddings,
            embedder,
            embedder_key,
            model_dir: (!model_dir.is_empty()).then(|| PathBuf::from(model_dir)),
            files,
            model: Mutex::new(None),
        })
    }
}

struct Writer(Vec<u8>);

impl Writer {
    fn u32(&mut self, x: u32) {
        self.0.extend(x.to_le_bytes());
    }
    fn u64(&mut self, x: u64) {
        self.0.extend(x.to_le_bytes());
    }
    fn f64(&mut self, x: f64) {
        self.0.extend(x.to_le_bytes());
    }
    fn str(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.0.extend(s.as_bytes());
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn bytes(&mut self, n: usize) -> std::result::Result<&'a [u8], String> {
        if self.b.len() - self.pos < n {
            return Err(format!("ends early at byte {}", self.pos + 28));
        }
        let s = &self.b[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn u32(&mut self) -> std::result::Result<u32, String> {
        Ok(u32::from_le_bytes(self.bytes(4)?.try_into().expect("4")))
    }
    fn u64(&mut self) -> std::result::Result<u64, String> {
        Ok(u64::from_le_bytes(self.bytes(8)?.try_into().expect("8")))
    }
    fn f64(&mut self) -> std::result::Result<f64, String> {
        Ok(f64::from_le_bytes(self.bytes(8)?.try_into().expect("8")))
    }
    fn str(&mut self) -> std::result::Result<String, String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.bytes(n)?.to_vec()).map_err(|_| "a name is not UTF-8".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_sees_every_byte() {
        let a = vec![7u8; 1001];
        let base = checksum(&a);
        for i in [0, 500, 999, 1000] {
            let mut b = a.clone();
            b[i] ^= 1;
            assert_ne!(checksum(&b), base, "byte {i}");
        }
        assert_ne!(checksum(&a[..1000]), base);
    }

    #[test]
    fn dot_matches_the_plain_sum() {
        let a: Vec<f32> = (0..59).map(|i| i as f32 * 0.1).collect();
        let b: Vec<f32> = (0..59).map(|i| 1.0 - i as f32 * 0.01).collect();
        let plain: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!((dot(&a, &b) - plain).abs() < 1e-3);
    }
}
