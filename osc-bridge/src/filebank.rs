//! The fragment bank on disk: N slots as WAV files (`Fragment01.wav`, `Fragment02.wav`, ...) in
//! one folder. A new fragment (a rendered loop, an imported WAV) goes into the oldest slot,
//! written atomically, so a Max `buffer~ read` or a Pd `soundfiler` that opens the file never
//! sees half of it. The host is told which slot changed and its path.
//!
//! Slot numbers are 1-based, as performers count them (`Fragment01.wav` is slot 1).

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bandmate_core::error::{Error, Result};
use bandmate_core::wav::{write_wav, Audio, WavFormat};

/// Most slots a bank may have (file names have two digits).
pub const MAX_SLOTS: usize = bandmate_core::fragbank::MAX_SLOTS;

/// Longest label kept for a slot, in characters.
pub const MAX_LABEL: usize = 64;

/// One filled slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    /// 1-based slot number.
    pub number: usize,
    /// Where the WAV file is.
    pub path: PathBuf,
    /// What was put there (a render name, an imported file's name); empty for a file found on
    /// disk when the bank was opened.
    pub label: String,
    pub sample_rate: u32,
    pub frames: usize,
    /// Order of writing: the slot with the smallest `seq` is overwritten next.
    pub seq: u64,
}

/// The N-slot rotating bank.
#[derive(Debug)]
pub struct FileBank {
    dir: PathBuf,
    slots: Vec<Option<Slot>>,
    seq: u64,
}

/// The rotation rule, for anyone holding a copy of the slots (1-based): the first empty slot,
/// else the one filled longest ago.
pub fn next_slot(slots: &[Option<Slot>]) -> usize {
    if let Some(i) = slots.iter().position(Option::is_none) {
        return i + 1;
    }
    slots
        .iter()
        .flatten()
        .min_by_key(|s| s.seq)
        .map_or(1, |s| s.number)
}

/// The file name of slot `number` (1-based): `Fragment01.wav`.
pub fn file_name(number: usize) -> String {
    format!("Fragment{number:02}.wav")
}

impl FileBank {
    /// Open (creating the folder if needed) a bank of `slots` slots in `dir`. Fragment files
    /// already there are kept as filled slots, oldest (by modification time) first in line to
    /// be overwritten; an empty slot is always used before a filled one.
    pub fn open(dir: &Path, slots: usize) -> Result<FileBank> {
        if !(1..=MAX_SLOTS).contains(&slots) {
            return Err(Error::invalid(format!(
                "fragment bank: {slots} slots is out of range 1..{MAX_SLOTS}"
            )));
        }
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
        let dir = std::fs::canonicalize(dir).map_err(|e| Error::io(dir, &e))?;
        let mut found: Vec<(SystemTime, Slot)> = Vec::new();
        for number in 1..=slots {
            let path = dir.join(file_name(number));
            let Ok(meta) = std::fs::metadata(&path) else {
                continue;
            };
            // A file that is not a readable WAV is treated as empty: it is overwritten first.
            let Ok(reader) = hound::WavReader::open(&path) else {
                continue;
            };
            let spec = reader.spec();
            let mtime = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
            found.push((
                mtime,
                Slot {
                    number,
                    path,
                    label: String::new(),
                    sample_rate: spec.sample_rate,
                    frames: reader.duration() as usize,
                    seq: 0,
                },
            ));
        }
        found.sort_by_key(|(t, s)| (*t, s.number));
        let mut bank = FileBank {
            dir,
            slots: vec![None; slots],
            seq: 0,
        };
        for (_, mut s) in found {
            bank.seq += 1;
            s.seq = bank.seq;
            let i = s.number - 1;
            bank.slots[i] = Some(s);
        }
        Ok(bank)
    }

    /// The bank's folder (absolute).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Always false: a bank has at least one slot.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The path of slot `number` (1-based), filled or not.
    pub fn path(&self, number: usize) -> PathBuf {
        self.dir.join(file_name(number))
    }

    /// The slot the next fragment goes into: the first empty one, else the oldest.
    pub fn next_slot(&self) -> usize {
        next_slot(&self.slots)
    }

    /// Slot `number` (1-based), if it holds a fragment.
    pub fn slot(&self, number: usize) -> Option<&Slot> {
        self.slots.get(number.checked_sub(1)?)?.as_ref()
    }

    /// Every slot in order, filled or not.
    pub fn slots(&self) -> &[Option<Slot>] {
        &self.slots
    }

    /// Write `audio` into the next slot (32-bit float WAV, atomically) and return the slot. On
    /// failure nothing changes: the old file stays and the same slot is next.
    pub fn store(&mut self, audio: &Audio, label: &str) -> Result<Slot> {
        self.store_at(self.next_slot(), audio, label, 1.0)
    }
}

impl FileBank {
    /// Write `audio` as slot `number`'s file (1-based; 32-bit float WAV, atomically) and return
    /// the slot. `factor` 1 is the slot's own file, `FragmentNN.wav`; 2 or 4 (a stretch of it)
    /// goes beside it, `FragmentNN-x2.wav`, so the slot's own file stays as it came in. On
    /// failure nothing changes.
    pub fn store_at(
        &mut self,
        number: usize,
        audio: &Audio,
        label: &str,
        factor: f64,
    ) -> Result<Slot> {
        if number == 0 || number > self.slots.len() {
            return Err(Error::invalid(format!(
                "fragment bank: slot {number} is out of range 1..{}",
                self.slots.len()
            )));
        }
        let mut path = self.path(number);
        if (factor - 1.0).abs() > 1e-9 {
            let stem = path
                .file_stem()
                .map(|x| x.to_string_lossy().into_owned())
                .unwrap_or_default();
            path = path.with_file_name(format!("{stem}-x{}.wav", factor_text(factor)));
        }
        write_wav(&path, audio, WavFormat::Float32)?;
        self.seq += 1;
        let slot = Slot {
            number,
            path,
            label: clean_label(label),
            sample_rate: audio.sample_rate,
            frames: audio.frames(),
            seq: self.seq,
        };
        self.slots[number - 1] = Some(slot.clone());
        Ok(slot)
    }
}

/// A stretch factor for a file name: 2, 4, 1.5.
fn factor_text(f: f64) -> String {
    if f.fract() == 0.0 {
        format!("{f:.0}")
    } else {
        format!("{f}")
    }
}

/// A label as kept: printable characters only, at most [`MAX_LABEL`] of them.
fn clean_label(label: &str) -> String {
    label
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_LABEL)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use bandmate_core::wav::read_wav;

    fn tone(frames: usize, value: f32) -> Audio {
        Audio {
            sample_rate: 48_000,
            channels: vec![vec![value; frames]; 2],
        }
    }

    fn temp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("bm-filebank-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn slots_fill_then_rotate_oldest_first() {
        let dir = temp("rotate");
        let mut bank = FileBank::open(&dir, 3).unwrap();
        assert_eq!(bank.len(), 3);
        let mut got = Vec::new();
        for i in 0..7 {
            let s = bank
                .store(&tone(100 + i, i as f32 / 10.0), &format!("take {i}"))
                .unwrap();
            assert_eq!(s.path.file_name().unwrap(), file_name(s.number).as_str());
            got.push(s.number);
        }
        assert_eq!(got, vec![1, 2, 3, 1, 2, 3, 1]);
        // slot 1 holds the last take, written whole
        let a = read_wav(&bank.path(1)).unwrap();
        assert_eq!(a.frames(), 106);
        assert!((a.channels[0][0] - 0.6).abs() < 1e-6);
        assert_eq!(bank.slot(1).unwrap().label, "take 6");
        assert_eq!(bank.slot(2).unwrap().frames, 104);
        assert!(bank.slot(4).is_none() && bank.slot(0).is_none());
        // only the three fragment files, no temporary files left behind
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec!["Fragment01.wav", "Fragment02.wav", "Fragment03.wav"]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn reopening_keeps_the_files_and_fills_empty_slots_first() {
        let dir = temp("reopen");
        let mut bank = FileBank::open(&dir, 4).unwrap();
        bank.store(&tone(10, 0.1), "a").unwrap();
        bank.store(&tone(10, 0.2), "b").unwrap();
        drop(bank);
        let bank = FileBank::open(&dir, 4).unwrap();
        assert!(bank.slot(1).is_some() && bank.slot(2).is_some());
        assert_eq!(bank.slot(2).unwrap().frames, 10);
        assert_eq!(bank.next_slot(), 3);
        // a bank of 2 over the same folder: both full, the oldest (slot 1) is next
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut two = FileBank::open(&dir, 2).unwrap();
        assert_eq!(two.next_slot(), 1);
        two.store(&tone(5, 0.3), "c").unwrap();
        assert_eq!(two.next_slot(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_sizes_and_failed_writes_change_nothing() {
        let dir = temp("bad");
        assert!(FileBank::open(&dir, 0).is_err());
        assert!(FileBank::open(&dir, MAX_SLOTS + 1).is_err());
        let mut bank = FileBank::open(&dir, 2).unwrap();
        let bad = Audio {
            sample_rate: 48_000,
            channels: vec![vec![0.0; 3], vec![0.0; 2]],
        };
        assert!(bank.store(&bad, "x").is_err());
        assert_eq!(bank.next_slot(), 1);
        assert!(bank.slot(1).is_none());
        let s = bank.store(&tone(4, 0.0), "bell\u{7}\nname").unwrap();
        assert_eq!(s.label, "bellname");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
