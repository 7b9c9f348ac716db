//! Watching a folder for new WAV files, as generators write them: a file counts once it has
//! stopped growing between two looks and its RIFF header's size matches the file's (so a file
//! being written is never read half-way, even by a writer that pauses: a header written first
//! with the final size, or with a placeholder to be patched at the end, says it is not done);
//! files there when watching starts are left alone; a file rewritten later counts again. Used by
//! `bandmate.frag~` (on its worker) and by `bandmated` (on its loop).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use crate::error::{Error, Result};

type Stamp = (u64, Option<SystemTime>);

/// How often a host should [`FolderWatch::look`].
pub const WATCH_MS: u64 = 250;

/// A watched folder.
#[derive(Debug, Clone)]
pub struct FolderWatch {
    dir: PathBuf,
    /// Files must lie inside these (links resolved); `None`: anywhere.
    roots: Option<Vec<PathBuf>>,
    /// Files taken (or there at the start), with what they looked like then.
    seen: HashMap<PathBuf, Stamp>,
    /// New or changed files, as they looked at the last look.
    growing: HashMap<PathBuf, Stamp>,
}

/// A WAV file by its extension.
pub fn is_wav(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wav") || e.eq_ignore_ascii_case("wave"))
}

/// Whether a WAV file is whole by its RIFF header: the size it declares is the file's (or
/// less: some writers leave bytes after the RIFF chunk). A file too short for a header, with a
/// size larger than the file, or with the 0 or 0xFFFFFFFF placeholders of a header not yet
/// patched, is not whole. A file that is no RIFF at all is left to the import to refuse.
fn riff_complete(p: &Path, len: u64) -> bool {
    use std::io::Read;
    let mut head = [0u8; 12];
    let Ok(mut f) = std::fs::File::open(p) else {
        return false;
    };
    if f.read_exact(&mut head).is_err() {
        return false;
    }
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return true;
    }
    let size = u32::from_le_bytes([head[4], head[5], head[6], head[7]]);
    size != 0 && size != u32::MAX && u64::from(size) + 8 <= len
}

fn listing(dir: &Path) -> HashMap<PathBuf, Stamp> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return HashMap::new();
    };
    rd.filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| is_wav(p))
        .filter_map(|p| {
            let m = std::fs::metadata(&p).ok()?;
            m.is_file().then(|| (p, (m.len(), m.modified().ok())))
        })
        .collect()
}

impl FolderWatch {
    /// Start watching `dir` (it must be a readable folder); what is there now is left alone.
    pub fn start(dir: &Path) -> Result<FolderWatch> {
        FolderWatch::start_within(dir, None)
    }

    /// Start watching `dir`, taking only files whose real path lies inside `roots` (a file
    /// that links out is reported by [`look`](Self::look) as left out, once).
    pub fn start_within(dir: &Path, roots: Option<Vec<PathBuf>>) -> Result<FolderWatch> {
        std::fs::read_dir(dir).map_err(|e| {
            Error::invalid(format!(
                "watch: cannot read the folder {}: {e}",
                dir.display()
            ))
        })?;
        Ok(FolderWatch {
            dir: dir.to_path_buf(),
            roots,
            seen: listing(dir),
            growing: HashMap::new(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The files that arrived (or changed) and have stopped growing since the last look,
    /// oldest first: `Ok` to take, `Err` to leave out (they link outside the allowed folders).
    pub fn look_within(&mut self) -> Vec<std::result::Result<PathBuf, PathBuf>> {
        let roots = self.roots.clone();
        self.look()
            .into_iter()
            .map(|p| {
                if crate::fsutil::within(&p, roots.as_deref()) {
                    Ok(p)
                } else {
                    Err(p)
                }
            })
            .collect()
    }

    /// The files that arrived (or changed) and have stopped growing since the last look,
    /// oldest first.
    pub fn look(&mut self) -> Vec<PathBuf> {
        let now = listing(&self.dir);
        let mut ready: Vec<(Option<SystemTime>, PathBuf)> = Vec::new();
        for (p, stamp) in &now {
            if self.seen.get(p) == Some(stamp) {
                continue;
            }
            if stamp.0 > 0 && self.growing.get(p) == Some(stamp) && riff_complete(p, stamp.0) {
                ready.push((stamp.1, p.clone()));
            } else {
                self.growing.insert(p.clone(), *stamp);
            }
        }
        ready.sort();
        let mut out = Vec::with_capacity(ready.len());
        for (_, p) in ready {
            self.growing.remove(&p);
            self.seen.insert(p.clone(), now[&p]);
            out.push(p);
        }
        self.seen.retain(|p, _| now.contains_key(p));
        self.growing.retain(|p, _| now.contains_key(p));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_files_count_once_they_stop_growing_and_old_ones_never() {
        let dir = std::env::temp_dir().join(format!("bm-watch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("old.wav"), b"old").unwrap();
        let mut w = FolderWatch::start(&dir).unwrap();
        assert!(w.look().is_empty());
        std::fs::write(dir.join("new.wav"), b"half").unwrap();
        std::fs::write(dir.join("notes.txt"), b"not audio").unwrap();
        assert!(w.look().is_empty(), "seen once: maybe still growing");
        std::fs::write(dir.join("new.wav"), b"half and the rest").unwrap();
        assert!(w.look().is_empty(), "it grew");
        assert_eq!(w.look(), vec![dir.join("new.wav")]);
        assert!(w.look().is_empty(), "once");
        assert!(FolderWatch::start(&dir.join("nothere")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A trial found a file written in two halves more than a second apart imported half-way:
    /// it had stopped growing for two looks. Its header says how long it will be.
    #[test]
    fn a_wav_written_in_two_halves_with_a_pause_is_taken_whole() {
        let dir = std::env::temp_dir().join(format!("bm-watch-halves-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut w = FolderWatch::start(&dir).unwrap();
        let audio = crate::wav::Audio {
            sample_rate: 8000,
            channels: vec![(0..8000).map(|i| (i as f32 * 0.05).sin() * 0.5).collect()],
        };
        let whole = dir.join("whole.wav");
        crate::wav::write_wav(&whole, &audio, crate::wav::WavFormat::Int16).unwrap();
        let bytes = std::fs::read(&whole).unwrap();
        std::fs::remove_file(&whole).unwrap();
        assert!(w.look().is_empty());
        // The first half, then a long pause (many looks)...
        let target = dir.join("gen.wav");
        std::fs::write(&target, &bytes[..bytes.len() / 2]).unwrap();
        for _ in 0..6 {
            assert!(w.look().is_empty(), "half a file is never taken");
        }
        // ... a placeholder header is not taken either...
        let mut placeholder = bytes[..bytes.len() / 2].to_vec();
        placeholder[4..8].copy_from_slice(&0u32.to_le_bytes());
        std::fs::write(&target, &placeholder).unwrap();
        for _ in 0..4 {
            assert!(w.look().is_empty(), "a header not yet patched");
        }
        // ... and the whole file is, once.
        std::fs::write(&target, &bytes).unwrap();
        assert!(w.look().is_empty(), "it grew");
        assert_eq!(w.look(), vec![target.clone()]);
        assert!(w.look().is_empty());
        let read = crate::wav::read_wav(&target).unwrap();
        assert_eq!(read.channels[0].len(), 8000);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
