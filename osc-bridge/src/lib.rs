//! bandmate over OSC: the daemon `bandmated` and its parts. The address space is made from the
//! core's declarations ([`protocol`]); the [`daemon`] is a state machine that the [`server`]
//! runs on sockets and threads; [`codec`] reads and writes packets; the fragment files are
//! kept by [`filebank`]. The reference docs and the TouchOSC layout are made by `bandmate-gen`.

#![forbid(unsafe_code)]

pub mod codec;
pub mod config;
pub mod daemon;
pub mod filebank;
pub mod fuzz;
pub mod link;
pub mod midi;
pub mod protocol;
pub mod server;

pub use daemon::{Daemon, Peer, Target};
pub use protocol::PROTOCOL_VERSION;
