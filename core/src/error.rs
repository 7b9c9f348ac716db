//! One error type for the whole core. Every error renders as one line that names the file (when
//! there is one) and the problem, so hosts can print it to a console as is.

use std::fmt;
use std::path::{Path, PathBuf};

/// What went wrong, without the file it happened in.
#[derive(Debug, Clone, PartialEq)]
pub enum ErrorKind {
    /// Reading or writing a file failed at the OS level.
    Io(String),
    /// A MIDI file that could not be parsed (truncated, not MIDI at all, ...).
    Midi(String),
    /// A MIDI file that parsed but holds no note that maps to one of the 9 drum voices.
    NoDrumNotes(String),
    /// A voice name or note number that is not one of the 9 voices.
    UnknownVoice(String),
    /// A WAV file that could not be read or is in a format we do not take.
    Wav(String),
    /// A drum kit folder that cannot be used.
    Kit(String),
    /// A value out of its range or of the wrong shape (velocity, offset, step, length...).
    Invalid(String),
    /// The Groove MIDI Dataset folder or its info.csv is not what we expect.
    Dataset(String),
    /// A pattern file (JSON) that could not be read.
    PatternFile(String),
    /// A model folder that is missing, corrupt, or not the graphs we expect.
    Model(String),
    /// The ONNX Runtime library could not be found or loaded, or a model run failed.
    Runtime(String),
}

/// An error with the file it concerns, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    pub path: Option<PathBuf>,
    pub kind: ErrorKind,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(kind: ErrorKind) -> Self {
        Error { path: None, kind }
    }
    pub fn invalid(msg: impl Into<String>) -> Self {
        Error::new(ErrorKind::Invalid(msg.into()))
    }
    /// Attach the file this error concerns (keeps an already attached one).
    pub fn at(mut self, path: &Path) -> Self {
        if self.path.is_none() {
            self.path = Some(path.to_path_buf());
        }
        self
    }
    pub fn io(path: &Path, err: &std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        let m = match err.kind() {
            // a full disk (or quota, or a file-size limit) said plainly: what was being written
            // is left as it was, and room is what is missing
            K::StorageFull | K::QuotaExceeded | K::FileTooLarge => {
                format!("no room left to write (the disk is full, or files may not grow this large here): {err}")
            }
            _ => err.to_string(),
        };
        Error::new(ErrorKind::Io(m)).at(path)
    }
    /// The problem alone, without the path.
    pub fn problem(&self) -> String {
        match &self.kind {
            ErrorKind::Io(m) => m.clone(),
            ErrorKind::Midi(m) => format!("not a readable MIDI file: {m}"),
            ErrorKind::NoDrumNotes(m) => format!("no drum notes: {m}"),
            ErrorKind::UnknownVoice(m) => format!("unknown voice {m}"),
            ErrorKind::Wav(m) => format!("WAV: {m}"),
            ErrorKind::Kit(m) => format!("kit: {m}"),
            ErrorKind::Invalid(m) => m.clone(),
            ErrorKind::Dataset(m) => format!("dataset: {m}"),
            ErrorKind::PatternFile(m) => format!("pattern file: {m}"),
            ErrorKind::Model(m) => format!("model: {m}"),
            ErrorKind::Runtime(m) => format!("ONNX Runtime: {m}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, always: newlines in underlying messages are folded.
        let problem = self.problem().replace('\n', " ");
        match &self.path {
            Some(p) => write!(f, "{}: {}", p.display(), problem),
            None => write!(f, "{problem}"),
        }
    }
}

impl std::error::Error for Error {}
