//! The test object in Pd: its file, and one line for Pd's setup function (the generic wrapper
//! does the rest). Pd loads it as `bandmate.metronome.pd_linux`.

#[path = "../metronome.rs"]
pub mod metronome;

bandmate_pd::pd_setup_functions!(metronome => metronome::ENTRY);
