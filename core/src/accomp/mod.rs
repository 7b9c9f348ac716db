//! The accompanist (issue 20): a small anticipatory transformer that plays bass, inner voices
//! and a melody over a chord track, from the performer's notes as they arrive. Chord symbols,
//! the events and tokens shared by training and playing, and the training data's export.

pub mod chord;
pub mod data;
pub mod eval;
pub mod infill;
pub mod live;
pub mod model;
pub mod rehearse;
pub mod tokens;

pub use chord::Chord;
pub use live::Accompanist;
pub use model::AccompModel;
