//! Ableton Link (`bandmated --link`, the optional cargo feature `link`): the daemon joins the
//! Link session on the network, so tempo, beat phase and start/stop are shared with Live and
//! every Link app. Link is GPL-2.0-or-later: the feature is off by default, and a bandmated
//! built with it is GPL-2.0-or-later as a whole (README.md).
//!
//! What it does, in the daemon ([`Daemon::with_link`](crate::Daemon::with_link)): Link's
//! timeline is the transport. Every served object that follows a transport is given it as Max
//! and Live give theirs ([`Object::transport`](bandmate_core::objects::Object::transport):
//! running, tempo, position in beats) at each tick, at the horizon (where the objects are);
//! the core follows it as it follows Live's (start with it, its tempo, its phase, loop
//! downbeats on its beat 0 and every loop length after, stop with it). The other way, a
//! performer's `play` of an object starts Link's transport (start/stop sync is on: peers that
//! have it on start too; beat 0 of the loop at once when alone, on the next Link bar when
//! peers play), the `stop` of the last one playing stops it, and a change of an object's
//! `tempo` (a fader, `tap_tempo`) becomes the session's tempo.
//!
//! Times: the daemon's clock counts ms from its start on the monotonic clock; Link's counts
//! microseconds on its own host clock (on Linux `CLOCK_MONOTONIC_RAW`, which NTP does not
//! slew). Each conversion reads both clocks back to back and shifts by their difference, so
//! the mapping never drifts.

/// Beats in a Link bar unless `--link-quantum` says otherwise: Live's default (a 4/4 bar).
pub const DEFAULT_QUANTUM: f64 = 4.0;
/// The quanta `--link-quantum` takes (beats).
pub const QUANTUM_RANGE: std::ops::RangeInclusive<f64> = 1.0..=64.0;
/// How often the daemon looks at Link's session while Link is on (ms): a peer's tempo change
/// or start is seen within this (the objects are `--lookahead` ms ahead anyway).
pub const POLL_MS: f64 = 10.0;

/// `--link-quantum`, checked.
pub fn check_quantum(q: f64) -> Result<(), String> {
    if q.is_finite() && QUANTUM_RANGE.contains(&q) {
        Ok(())
    } else {
        Err(format!(
            "link-quantum: {q} is out of range {}..{} (beats in a Link bar; 4 is Live's)",
            QUANTUM_RANGE.start(),
            QUANTUM_RANGE.end()
        ))
    }
}

/// Whether this bandmated can join a Link session: Err says how to build one that can.
pub fn check_built() -> Result<(), String> {
    if cfg!(feature = "link") {
        Ok(())
    } else {
        Err(
            "link: this bandmated was built without Link: cargo build --features link \
             (-p bandmate-osc; needs cmake and libclang, which scripts/setup installs; a build \
             with Link is GPL-2.0-or-later, see README.md)"
                .into(),
        )
    }
}

/// Link's transport at one time on the daemon's clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moment {
    /// The transport runs at that time (it is playing, and its start is not later).
    pub running: bool,
    /// The session's tempo.
    pub bpm: f64,
    /// The position in beats (its phase modulo the quantum is the session's).
    pub beats: f64,
}

#[cfg(feature = "link")]
pub use session::Link;

#[cfg(feature = "link")]
mod session {
    use super::Moment;
    use crate::codec::Clock;
    use rusty_link::{AblLink, SessionState};

    /// The daemon's Link peer: an Ableton Link instance (enabled, start/stop sync on) and the
    /// session state it last captured.
    pub struct Link {
        link: AblLink,
        state: SessionState,
        quantum: f64,
    }

    impl std::fmt::Debug for Link {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Link")
                .field("quantum", &self.quantum)
                .field("peers", &self.peers())
                .finish()
        }
    }

    impl Link {
        /// Join (or start) the Link session on the network with `bpm` as this peer's tempo
        /// (a session already there keeps its own) and `quantum` beats a bar.
        pub fn join(bpm: f64, quantum: f64) -> Result<Link, String> {
            super::check_quantum(quantum)?;
            let link = AblLink::new(bpm);
            link.enable_start_stop_sync(true);
            link.enable(true);
            let mut state = SessionState::new();
            link.capture_app_session_state(&mut state);
            Ok(Link {
                link,
                state,
                quantum,
            })
        }

        pub fn quantum(&self) -> f64 {
            self.quantum
        }

        /// Other peers in the session.
        pub fn peers(&self) -> u64 {
            self.link.num_peers()
        }

        /// Link's time (µs on its clock) of `at_ms` on the daemon's clock: both clocks read
        /// back to back, so the mapping holds however either drifts.
        pub fn micros(&self, clock: &Clock, at_ms: f64) -> i64 {
            let link_now = self.link.clock_micros();
            let ms_now = clock.now_ms();
            link_now + ((at_ms - ms_now) * 1000.0).round() as i64
        }

        /// The daemon's time (ms) of Link's time `us`.
        pub fn ms(&self, clock: &Clock, us: i64) -> f64 {
            let link_now = self.link.clock_micros();
            let ms_now = clock.now_ms();
            ms_now + (us - link_now) as f64 / 1000.0
        }

        /// Take the session's state as it is now (tempo, timeline, start/stop).
        pub fn capture(&mut self) {
            self.link.capture_app_session_state(&mut self.state);
        }

        /// The transport at `at_ms`, from the state last captured.
        pub fn at(&self, clock: &Clock, at_ms: f64) -> Moment {
            let us = self.micros(clock, at_ms);
            Moment {
                running: self.state.is_playing() && self.state.time_for_is_playing() <= us,
                bpm: self.state.tempo(),
                beats: self.state.beat_at_time(us, self.quantum),
            }
        }

        /// Whether the session's transport plays (or is about to start), as last captured.
        pub fn is_playing(&self) -> bool {
            self.state.is_playing()
        }

        /// When the transport starts or started (ms on the daemon's clock), while it plays.
        pub fn start_ms(&self, clock: &Clock) -> Option<f64> {
            self.state
                .is_playing()
                .then(|| self.ms(clock, self.state.time_for_is_playing()))
        }

        /// The session's tempo, as last captured.
        pub fn tempo(&self) -> f64 {
            self.state.tempo()
        }

        /// The session's phase in its bar at `at_ms` (beats, 0..quantum), as last captured.
        pub fn phase(&self, clock: &Clock, at_ms: f64) -> f64 {
            self.state
                .phase_at_time(self.micros(clock, at_ms), self.quantum)
        }

        /// Set the session's tempo from `at_ms` on (the beat there is kept).
        pub fn set_tempo(&mut self, clock: &Clock, at_ms: f64, bpm: f64) {
            self.capture();
            let us = self.micros(clock, at_ms);
            self.state.set_tempo(bpm, us);
            self.link.commit_app_session_state(&self.state);
        }

        /// Start the transport at `at_ms` with beat 0 there: at once when alone in the
        /// session, else at the next time the session's phase is 0 (the next Link bar).
        pub fn start(&mut self, clock: &Clock, at_ms: f64) {
            self.capture();
            let us = self.micros(clock, at_ms);
            self.state
                .set_is_playing_and_request_beat_at_time(true, us, 0.0, self.quantum);
            self.link.commit_app_session_state(&self.state);
        }

        /// Stop the transport at `at_ms`.
        pub fn stop(&mut self, clock: &Clock, at_ms: f64) {
            self.capture();
            let us = self.micros(clock, at_ms);
            self.state.set_is_playing(false, us);
            self.link.commit_app_session_state(&self.state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(feature = "link")]
    use crate::codec::Clock;

    #[test]
    fn quanta_out_of_range_are_refused_by_name() {
        assert!(check_quantum(4.0).is_ok() && check_quantum(1.0).is_ok());
        for q in [0.0, -4.0, 65.0, f64::NAN, f64::INFINITY] {
            let e = check_quantum(q).unwrap_err();
            assert!(e.starts_with("link-quantum:"), "{e}");
        }
    }

    #[cfg(not(feature = "link"))]
    #[test]
    fn without_the_feature_link_is_refused_with_how_to_build_it() {
        let e = check_built().unwrap_err();
        assert!(
            e.contains("this bandmated was built without Link: cargo build --features link"),
            "{e}"
        );
    }

    #[cfg(feature = "link")]
    #[test]
    fn the_clock_mapping_goes_both_ways() {
        let clock = Clock::new();
        let link = Link::join(120.0, 4.0).unwrap();
        for at in [0.0, 1234.5, -50.0] {
            let back = link.ms(&clock, link.micros(&clock, at));
            assert!((back - at).abs() < 0.05, "{at} -> {back}");
        }
    }
}
