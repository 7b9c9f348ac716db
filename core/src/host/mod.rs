//! What every host (Pd, Max, the OSC daemon) shares: the declarations of the objects' messages
//! ([`decl`]), the loop player ([`player`]), and the objects themselves, written once
//! ([`groove_object`]). A host wrapper only converts atoms, drives a clock and writes outlets.

pub mod decl;
pub mod docs;
pub mod filebank;
pub mod follow;
pub mod frag_object;
pub mod groove_object;
pub mod looper_object;
pub mod maxpat;
pub mod object;
pub mod player;
pub mod watch;
pub mod worker;

pub use decl::{atoms, Atom, Call, Kind, MessageDecl, ObjectDecl, OutletDecl, Value};
pub use frag_object::{FragObject, FragOutput, FRAG, FRAG_HELP};
pub use groove_object::{GrooveObject, Options, Output, GROOVE, GROOVE_HELP};
pub use looper_object::{LooperObject, LOOPER, LOOPER_HELP};
pub use object::NoteObject;
pub use player::{Played, Player};
