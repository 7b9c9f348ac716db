//! Following a host's transport (Max's, Live's, a `transport` message from Pd or OSC): the
//! rule every playing object shares. While the transport runs the object plays at its tempo
//! and position; when it stops, the object stops and its own tempo is back. A performer's
//! `stop` while the transport runs holds the object off until the transport stops.

use super::player::{Played, Player};
use crate::pattern::STEPS_PER_BEAT;
use crate::Result;

/// A transport seen this many steps after it started still gets the notes since its start.
pub const TRANSPORT_CATCH_UP: f64 = 1.0;
/// A transport further than this many steps from the playhead has jumped: follow it.
pub const TRANSPORT_JUMP: f64 = 0.05;

/// What following the transport did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Followed {
    /// Nothing to do for the object.
    Nothing,
    /// The transport started and the player with it: ask for something to play if there is
    /// nothing yet.
    Started,
    /// The transport stopped and the player with it.
    Stopped,
}

/// The transport-following state of one object.
#[derive(Debug, Clone)]
pub struct Follow {
    /// Follow `transport` messages (`@sync`).
    pub sync: bool,
    /// The object's own tempo (`tempo`), used whenever no transport leads.
    pub own_bpm: f64,
    /// Playing with a running transport.
    following: bool,
    /// Stopped by the performer while the transport ran: ignore it until it stops.
    held_off: bool,
}

impl Follow {
    pub fn new(own_bpm: f64) -> Follow {
        Follow {
            sync: true,
            own_bpm,
            following: false,
            held_off: false,
        }
    }

    /// Playing with a running transport now.
    pub fn following(&self) -> bool {
        self.following
    }

    /// The host's transport at `now`: start with it (at its position), keep its tempo, follow
    /// a jump, stop with it.
    pub fn transport(
        &mut self,
        player: &mut Player,
        now: f64,
        (running, bpm, beats): (bool, f64, f64),
        out: &mut impl FnMut(Played),
    ) -> Result<Followed> {
        if !self.sync {
            return Ok(Followed::Nothing);
        }
        if !running {
            self.held_off = false;
            if self.following {
                self.following = false;
                player.stop(now, out);
                player.set_tempo(now, self.own_bpm)?;
                return Ok(Followed::Stopped);
            }
            return Ok(Followed::Nothing);
        }
        if self.held_off {
            return Ok(Followed::Nothing);
        }
        let pos = beats * STEPS_PER_BEAT as f64;
        if !self.following {
            player.set_tempo(now, bpm)?;
            self.following = true;
            // Seen within a step of its start: the notes since then are still played.
            player.locate(now, pos, TRANSPORT_CATCH_UP);
            return Ok(Followed::Started);
        }
        if (bpm - player.bpm()).abs() > 1e-9 {
            player.set_tempo(now, bpm)?;
        }
        let steps = player.loop_steps();
        let here = player.position_in_loop(now).rem_euclid(steps);
        let there = pos.rem_euclid(steps);
        let drift = (here - there).abs();
        if drift.min(steps - drift) > TRANSPORT_JUMP {
            player.locate(now, pos, 0.0);
        }
        Ok(Followed::Nothing)
    }

    /// The performer's `stop`: every note off; a running transport is ignored until it stops.
    pub fn stop(
        &mut self,
        player: &mut Player,
        now: f64,
        out: &mut impl FnMut(Played),
    ) -> Result<()> {
        if self.following {
            self.following = false;
            self.held_off = true;
            player.set_tempo(now, self.own_bpm)?;
        }
        player.stop(now, out);
        Ok(())
    }

    /// `sync 0|1`.
    pub fn set_sync(&mut self, player: &mut Player, now: f64, on: bool) -> Result<()> {
        self.sync = on;
        if !on && self.following {
            self.following = false;
            player.set_tempo(now, self.own_bpm)?;
        }
        Ok(())
    }

    /// `tempo BPM`: the object's own tempo; heard at once unless a transport leads.
    pub fn set_tempo(&mut self, player: &mut Player, now: f64, bpm: f64) -> Result<()> {
        if !self.following {
            player.set_tempo(now, bpm)?;
        }
        self.own_bpm = bpm;
        Ok(())
    }
}
