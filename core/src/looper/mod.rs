//! The SmartLooper's core (after Oore et al.): a personal corpus of loopable MIDI segments cut
//! from a musician's own files, an embedding and a cosine distance between segments, and the
//! process that chooses the next segment while the current one plays (repeat it, or move to a
//! nearby one, never too far at once), started from a seed the musician plays.
//!
//! Every note the looper plays is a note of the corpus: segments are never generated, only
//! chosen. See `docs/looper.md` for the segment rule, the embeddings, the process and its
//! controls, and the corpus file.
//!
//! - [`Corpus::build`] / [`Corpus::open`] / [`Corpus::load`]: segments and embeddings of a folder.
//! - [`Navigator`]: the next-segment process ([`Controls`], [`Choice`]).
//! - [`notes_from_live`], [`seed_segments`]: seed capture.

mod corpus;
mod embed;
mod live;
mod navigator;
mod segment;

pub use corpus::{
    BuildOptions, BuildReport, Corpus, EmbedderChoice, CORPUS_FILE_NAME, FORMAT_VERSION, MAX_WALK,
};
pub use embed::{handcrafted_embedding, HANDCRAFTED_DIM};
pub use live::{notes_from_live, seed_segments, LiveNote};
pub use navigator::{Choice, Controls, Navigator};
pub use segment::{labels_for, segment_file, SEGMENT_TARGET_BEATS};

use serde::{Deserialize, Serialize};

/// The shortest segment, in quarter notes.
pub const MIN_BEATS: f64 = 4.0;
/// The longest segment, in quarter notes.
pub const MAX_BEATS: f64 = 16.0;

/// One note of a segment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoopNote {
    /// Onset in quarter notes from the segment start: `0 <= beat < segment beats`.
    pub beat: f64,
    /// Duration in quarter notes, `> 0` (cut at the segment end).
    pub beats: f64,
    /// 0-based MIDI channel; 9 is the drum channel.
    pub channel: u8,
    pub key: u8,
    /// 1..=127.
    pub velocity: u8,
}

/// A loopable cut of one file of the corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// The file, relative to the corpus folder, with `/` separators.
    pub source: String,
    /// Which cut of that file (0 for the first).
    pub index: usize,
    /// Where the cut starts in the file, in quarter notes.
    pub start_beat: f64,
    /// Length in quarter notes, 4..=16.
    pub beats: f64,
    /// The file's tempo at the start of the cut.
    pub bpm: f64,
    /// The file's time signature (numerator, denominator) at its start.
    pub meter: (u8, u8),
    /// Folder names and file-name words, lowercased (see [`labels_for`]).
    pub labels: Vec<String>,
    /// Sorted by beat.
    pub notes: Vec<LoopNote>,
    /// Every note is on the drum channel (10, 0-based 9).
    pub drums: bool,
}

impl Segment {
    /// A short unique name for consoles: `folder/file.mid:2` (the source and the cut index).
    pub fn name(&self) -> String {
        format!("{}:{}", self.source, self.index)
    }

    /// Whether the segment carries one of `labels` (case-insensitive); any segment when empty.
    pub fn has_label(&self, labels: &[String]) -> bool {
        labels.is_empty()
            || labels
                .iter()
                .any(|l| self.labels.iter().any(|s| s.eq_ignore_ascii_case(l.trim())))
    }
}

/// Check notes and a length as [`Corpus::embed_notes`] takes them.
pub(crate) fn check_notes(notes: &[LoopNote], beats: f64) -> crate::Result<()> {
    if !beats.is_finite() || !(1.0..=64.0).contains(&beats) {
        return Err(crate::Error::invalid(format!(
            "a length of {beats} beats is out of range (1..=64)"
        )));
    }
    for (i, n) in notes.iter().enumerate() {
        if !(n.beat.is_finite() && n.beat >= 0.0 && n.beat < beats) {
            return Err(crate::Error::invalid(format!(
                "note {i} starts at beat {}, outside 0..{beats}",
                n.beat
            )));
        }
        if !(n.beats.is_finite() && n.beats > 0.0) {
            return Err(crate::Error::invalid(format!(
                "note {i} lasts {} beats; a length must be above 0",
                n.beats
            )));
        }
        if n.key > 127 || n.channel > 15 || !(1..=127).contains(&n.velocity) {
            return Err(crate::Error::invalid(format!(
                "note {i}: key {} channel {} velocity {} (0..=127, 0..=15, 1..=127)",
                n.key, n.channel, n.velocity
            )));
        }
    }
    Ok(())
}
