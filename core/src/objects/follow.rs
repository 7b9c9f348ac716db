//! Following a host's transport (Max's, Live's, a `transport` message from Pd or OSC): the
//! rule every playing object shares. While the transport runs the object plays at its tempo
//! and position; when it stops, the object stops and its own tempo is back. A performer's
//! `stop` while the transport runs holds the object off until the transport stops, or until the
//! performer's `play` (then it joins the transport again, in phase).

use super::clock::{MidiClock, Transport};
use super::player::{Played, Player};
use crate::pattern::STEPS_PER_BEAT;
use crate::Result;

/// A transport seen this many steps after it started still gets the notes since its start.
pub const TRANSPORT_CATCH_UP: f64 = 1.0;
/// A transport further than this many steps from the playhead has jumped: follow it.
pub const TRANSPORT_JUMP: f64 = 0.05;

/// Steps over which a small phase difference from the transport is made up (a bar: slow enough
/// that a jittery clock's noise is not followed, fast enough that nothing drifts; 1.07 ms at worst
/// against 1.82 ms over half a beat in `follows_a_jittered_midi_clock_within_two_ms`).
pub const PHASE_CATCH: f64 = 16.0;

/// Steps over which a phase difference is made up while a MIDI clock's fit is settling (it came
/// back after a silence, or started with no pulses before it): where the loop started was read
/// off one pulse, with that pulse's jitter (a few ms); the fit knows better within a few pulses,
/// and is followed faster until it has two beats of them.
pub const PHASE_CATCH_START: f64 = 4.0;

/// Tap tempo: taps further apart than this start a new count (ms).
pub const TAP_RESET_MS: f64 = 2000.0;
/// Taps the tempo is fitted over (the last ones).
pub const TAP_KEEP: usize = 8;

/// Tap tempo: the tempo of the last few taps, a straight line fitted through their times (so
/// one early or late tap moves it little). Two taps give a first tempo; each one more refines it.
#[derive(Debug, Clone, Default)]
pub struct TapTempo {
    times: [f64; TAP_KEEP],
    len: usize,
}

impl TapTempo {
    /// A tap at `now` (ms): the tempo the taps say, once there are two.
    pub fn tap(&mut self, now: f64) -> Option<f64> {
        let last = self.len.checked_sub(1).map(|i| self.times[i]);
        if last.is_none_or(|t| now - t > TAP_RESET_MS || now <= t) {
            self.len = 0;
        }
        if self.len == TAP_KEEP {
            self.times.copy_within(1.., 0);
            self.len -= 1;
        }
        self.times[self.len] = now;
        self.len += 1;
        let n = self.len;
        if n < 2 {
            return None;
        }
        let ts = &self.times[..n];
        let mx = (n - 1) as f64 / 2.0;
        let my = ts.iter().sum::<f64>() / n as f64;
        let (sxy, sxx) = ts.iter().enumerate().fold((0.0, 0.0), |a, (i, &t)| {
            let dx = i as f64 - mx;
            (a.0 + dx * (t - my), a.1 + dx * dx)
        });
        let beat_ms = sxy / sxx;
        (beat_ms > 0.0).then(|| 60_000.0 / beat_ms)
    }
}

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
    /// A MIDI clock followed (`clock BYTE`): it feeds [`Follow::transport`].
    pub clock: MidiClock,
    /// `tap_tempo`.
    pub taps: TapTempo,
    /// The band this object joined when it started on its own (see [`Follow::join`]): when
    /// (ms) and where (steps) another object's playhead was. Until the next stop.
    band: Option<(f64, f64)>,
}

impl Follow {
    pub fn new(own_bpm: f64) -> Follow {
        Follow {
            sync: true,
            own_bpm,
            following: false,
            held_off: false,
            clock: MidiClock::new(),
            taps: TapTempo::default(),
            band: None,
        }
    }

    /// Playing with a running transport now.
    /// A MIDI clock byte (`clock BYTE`): the transport to follow, if it changed. A start's first
    /// pulse before any tempo is known starts at the object's own tempo.
    pub fn clock_byte(&mut self, now: f64, byte: u8) -> Option<Transport> {
        self.clock.byte(now, byte, self.own_bpm)
    }

    pub fn following(&self) -> bool {
        self.following
    }

    /// Stopped by the performer while the transport runs: it is not followed until it stops.
    pub fn held_off(&self) -> bool {
        self.held_off
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
            self.band = None;
            // Seen within a step of its start: the notes since then are still played.
            player.locate(now, pos, TRANSPORT_CATCH_UP);
            return Ok(Followed::Started);
        }
        let steps = player.loop_steps();
        let here = player.position_in_loop(now).rem_euclid(steps);
        let there = pos.rem_euclid(steps);
        // how far the transport is ahead of the playhead, the short way round the loop
        let mut ahead = there - here;
        if ahead > steps / 2.0 {
            ahead -= steps;
        } else if ahead < -steps / 2.0 {
            ahead += steps;
        }
        if ahead.abs() > TRANSPORT_JUMP {
            player.set_tempo(now, bpm)?;
            player.locate(now, pos, 0.0);
        } else {
            // Phase-locked: a small difference is made up over the next PHASE_CATCH steps by
            // playing a little faster or slower, never by a jump (a MIDI clock's pulses jitter;
            // a jump of a few ms on each would be heard as flams).
            let catch = if self.clock.running() && self.clock.settling() {
                PHASE_CATCH_START
            } else {
                PHASE_CATCH
            };
            let target = (bpm * (1.0 + (ahead / catch).clamp(-0.05, 0.05)))
                .clamp(super::groove::BPM_MIN, super::groove::BPM_MAX);
            if (target - player.bpm()).abs() > 1e-9 {
                player.set_tempo(now, target)?;
            }
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
        self.band = None;
        player.stop(now, out);
        Ok(())
    }

    /// The performer's `play`: a transport that still runs after their `stop` is followed
    /// again from its next message (in phase, rather than the object playing on its own).
    pub fn play(&mut self) {
        self.held_off = false;
        self.band = None;
    }

    /// Another object of the same host plays (the OSC daemon's band, no transport shared):
    /// this one, just started on its own `play`, joins it in phase. Its playhead goes to
    /// `steps` (the other's, from its start, at `now`: bars and beats line up) now if it has
    /// something to play, else when its loop comes ([`Follow::start_loop`]). Nothing while a
    /// transport leads or the player is stopped.
    pub fn join(&mut self, player: &mut Player, now: f64, steps: f64) {
        if self.following || !player.is_playing() || !steps.is_finite() {
            return;
        }
        self.band = Some((now, steps));
        if player.has_loop() {
            player.locate(now, steps, 0.0);
        }
    }

    /// The first loop came to a player that was playing nothing: from its top now, or, having
    /// joined a band, where the band is now.
    pub fn start_loop(&self, player: &mut Player, now: f64) {
        match self.band {
            Some((t, steps)) => player.locate(now, steps + (now - t) / player.ms_per_step(), 0.0),
            None => player.play(now),
        }
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

    /// `tap_tempo` at `now`: with two taps or more, the object's own tempo becomes theirs
    /// (within the tempo range), as `tempo` would set it. Returns the tempo set.
    pub fn tap_tempo(&mut self, player: &mut Player, now: f64) -> Result<Option<f64>> {
        let Some(bpm) = self.taps.tap(now) else {
            return Ok(None);
        };
        let bpm = (bpm * 10.0).round() / 10.0;
        if !(super::groove::BPM_MIN..=super::groove::BPM_MAX).contains(&bpm) {
            return Err(crate::Error::invalid(format!(
                "tap_tempo: the taps say {bpm} BPM, out of the range {}..{}",
                super::groove::BPM_MIN,
                super::groove::BPM_MAX
            )));
        }
        self.set_tempo(player, now, bpm)?;
        Ok(Some(bpm))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tap_tempo_fits_the_taps_and_starts_over_after_a_pause() {
        let mut t = TapTempo::default();
        assert_eq!(t.tap(0.0), None, "one tap says nothing");
        assert_eq!(t.tap(500.0), Some(120.0));
        // a late tap moves the fit a little, not to the last interval's 100 BPM
        t.tap(1000.0);
        let bpm = t.tap(1600.0).unwrap();
        assert!(bpm > 105.0 && bpm < 115.0, "{bpm}");
        // a pause: a new count at 90 BPM
        assert_eq!(t.tap(5000.0), None);
        let bpm = t.tap(5000.0 + 60_000.0 / 90.0).unwrap();
        assert!((bpm - 90.0).abs() < 1e-9, "{bpm}");
        // only the last TAP_KEEP count
        let mut now = 5000.0 + 60_000.0 / 90.0;
        for _ in 0..20 {
            now += 400.0;
            t.tap(now);
        }
        assert!((t.tap(now + 400.0).unwrap() - 150.0).abs() < 1e-9);
    }
}
