//! The test object in Max: its file, and one line that adds it to the objects the library's
//! `ext_main` registers (run when the library is loaded, before Max calls `ext_main`). The mock
//! host loads it as `bandmate.metronome.so`.

#[path = "../metronome.rs"]
pub mod metronome;

/// Added when the library loads (an ELF constructor), before Max calls `ext_main`.
#[used]
#[link_section = ".init_array"]
static ADD: extern "C" fn() = add;

extern "C" fn add() {
    bandmate_max::add_entry(&metronome::ENTRY);
}
