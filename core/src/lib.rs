//! bandmate's core: the drum-loop representation every host shares (Pd, Max, the OSC daemon),
//! its gesture views, MIDI in and out, the Groove MIDI Dataset export, and rendering to audio.
//!
//! It knows nothing of Max, Pd or OSC. See `docs/representation.md` for the definitions.

#![forbid(unsafe_code)]

pub mod accomp;
pub mod audio;
pub mod baseline;
pub mod compose;
pub mod error;
pub mod eval;
pub mod fragbank;
pub mod fsutil;
pub mod gesture;
pub mod gmd;
pub mod groove;
pub mod listening;
pub mod looper;
pub mod midi;
pub mod miditool;
pub mod model;
pub mod npy;
pub mod objects;
pub mod patfile;
pub mod pattern;
pub mod prior;
pub mod prompt;
pub mod render;
pub mod rng;
pub mod sculpt;
pub mod t2a;
pub mod training;
pub mod voice;
pub mod wav;

pub use error::{Error, ErrorKind, Result};
pub use gesture::{
    swing_offset_from_percent, swing_percent_from_offset, Accent, Groove, Score, VoiceScores,
};
pub use pattern::{Hit, Pattern, LOOP_BARS, LOOP_STEPS, STEPS_PER_BAR, STEPS_PER_BEAT};
pub use voice::{Voice, VOICES};
