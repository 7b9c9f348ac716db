//! The objects, each declared once with its behaviour, and the registry every host iterates.
//!
//! - [`decl`]: how an object's messages are declared together with their handlers
//!   ([`messages!`](crate::messages)), checked and typed.
//! - [`contract`]: the [`Object`] contract (note and audio objects alike) and the registry
//!   [`Entry`].
//! - The objects: [`groove`], [`looper`], [`frag`], [`taps`], [`accomp`]; [`OBJECTS`] lists them.
//! - What they share: the loop [`player`], transport following ([`follow`]), the worker thread
//!   ([`worker`]), the watched folder ([`watch`]).
//!
//! Hosts (Pd, Max, the OSC daemon) are generic over [`OBJECTS`]: no host names an object or a
//! message. Adding an object is one file here and one line in [`registry!`](crate::registry)
//! (see `docs/architecture.md`).

pub mod accomp;
pub mod clock;
pub mod contract;
pub mod decl;
pub mod follow;
pub mod frag;
pub mod groove;
pub mod library;
pub mod looper;
pub mod miditool;
pub mod player;
pub mod scene;
pub mod shell;
pub mod taps;
pub mod watch;
pub mod worker;

pub use accomp::{AccompObject, ACCOMP, ACCOMP_HELP};
pub use contract::{
    bundled_model, default_model_dirs, panic_text, Engine, Entry, Grid, HelpExtras, Object,
    Options, Output, SlotState, PLUGIN_MODEL_DIR, POLL_MS,
};
pub use decl::{atoms, Atom, Call, Handlers, Kind, MessageDecl, ObjectDecl, OutletDecl, Value};
pub use frag::{FragObject, FRAG, FRAG_HELP};
pub use groove::{GrooveObject, GROOVE, GROOVE_HELP};
pub use looper::{LooperObject, LOOPER, LOOPER_HELP};
pub use miditool::{MidiToolObject, MIDITOOL, MIDITOOL_HELP};
pub use player::{Played, Player};
pub use scene::{SceneFile, ScenePart};
pub use taps::{TapsEngine, TapsObject, TAPS, TAPS_HELP};

/// The registry: every object bandmate has, one line each. `$callback! { PD_NAME => ENTRY,
/// ... }` is called with the list; PD_NAME is what follows `bandmate.` in the object's name as
/// Pd's loader spells it in a C symbol (`~` at the end as `_tilde`), so the Pd library can
/// export `setup_bandmate0x2e<PD_NAME>` for each (a test checks it against the name).
#[macro_export]
macro_rules! registry {
    ($callback:ident) => {
        $callback! {
            groove => $crate::objects::groove::ENTRY,
            looper => $crate::objects::looper::ENTRY,
            frag_tilde => $crate::objects::frag::ENTRY,
            taps_tilde => $crate::objects::taps::ENTRY,
            accomp => $crate::objects::accomp::ENTRY,
            miditool => $crate::objects::miditool::ENTRY,
        }
    };
}

macro_rules! objects_table {
    ($($pd:ident => $entry:path),* $(,)?) => {
        /// Every object, in the registry's order.
        pub static OBJECTS: &[Entry] = &[$($entry),*];
    };
}
registry!(objects_table);

/// The registered object called `name` (`bandmate.groove`), if any.
pub fn entry(name: &str) -> Option<&'static Entry> {
    OBJECTS.iter().find(|e| e.decl.name == name)
}

/// The registered object whose OSC address is `/bandmate/<osc>/...`, if any.
pub fn entry_by_osc(osc: &str) -> Option<&'static Entry> {
    OBJECTS.iter().find(|e| e.decl.osc == osc)
}
