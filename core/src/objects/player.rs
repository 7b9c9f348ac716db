//! Playing a loop in time: note-on and note-off events at their exact times (microtiming
//! included), looping until stopped, a new loop taking over only at the loop boundary, tempo
//! changes taking effect at once without a jump in position.
//!
//! Times are milliseconds on the host's clock (Pd logical time, Max scheduler time, the OSC
//! daemon's monotonic clock). The host asks [`Player::next_time`] when to come back, and at
//! that time calls [`Player::advance`], which hands over every event due by then, each with its
//! own exact time. Positions are in 16th-note steps; a hit on step `s` with offset `o` sounds
//! at position `s + o`, wrapped into the loop (a hit before the downbeat sounds at the end of
//! the loop, where the previous cycle leads into it). When playing starts from the top, such a
//! hit (a drum loop's downbeat drawn early) also sounds at once: the first downbeat is never
//! lost. Those early hits lead into the *next* cycle: when a new loop takes over at a boundary,
//! it is the new loop's early downbeat that sounds just before it, not the old loop's.

use crate::pattern::{check_bpm, Pattern, STEPS_PER_BEAT};
use crate::Result;

/// Longest gate (note length) accepted, in milliseconds.
pub const MAX_GATE_MS: f64 = 2000.0;

/// What the player hands the host.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Played {
    /// A MIDI note: velocity 1..=127 is a note-on, 0 the note-off; `channel` is 0-based (9 =
    /// General MIDI drums).
    Note {
        at_ms: f64,
        note: u8,
        velocity: u8,
        channel: u8,
    },
    /// A loop boundary: cycle `cycle` (0 = the first) starts; `switched` when a new loop took
    /// over here.
    Cycle {
        at_ms: f64,
        cycle: u64,
        switched: bool,
    },
}

impl Played {
    pub fn at_ms(&self) -> f64 {
        match *self {
            Played::Note { at_ms, .. } | Played::Cycle { at_ms, .. } => at_ms,
        }
    }
}

/// One note of a [`Sequence`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SeqNote {
    /// Position in steps (16ths) within the loop, `0 <= pos < steps`.
    pub pos: f64,
    pub note: u8,
    /// 1..=127.
    pub velocity: u8,
    /// 0-based MIDI channel.
    pub channel: u8,
    /// Length in steps; `None` = the player's gate.
    pub len: Option<f64>,
}

/// A loop as note events, sorted by position: what the player plays, from a drum pattern
/// ([`Sequence::of`]) or from any notes ([`Sequence::notes`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    steps: f64,
    events: Vec<SeqNote>,
    /// Events from here on are a drum loop's downbeat played early (wrapped to the loop's
    /// end): they also sound when playing starts from the top.
    pickup_from: usize,
}

impl Sequence {
    /// A drum pattern: every hit on channel 10 (9), as long as the gate.
    pub fn of(pattern: &Pattern) -> Sequence {
        let steps = pattern.steps() as f64;
        // a hit played before the loop's start (step 0's early ones) wraps to its end: the
        // pickup, after every other hit (each stays within its step's cell, so no other hit is
        // later; one clamped to the cell's edge may be as late, and still comes first)
        let (mut inside, mut early) = (Vec::new(), Vec::new());
        for (step, voice, hit) in pattern.hits() {
            let at = pattern.position(step, hit.offset);
            let e = SeqNote {
                pos: at.rem_euclid(steps),
                note: voice.gm_note(),
                velocity: hit.midi_velocity().max(1),
                channel: 9,
                len: None,
            };
            if at < 0.0 {
                early.push(e);
            } else {
                inside.push(e);
            }
        }
        let mut seq = Sequence::notes(steps, inside).expect("a pattern is a valid sequence");
        let early = Sequence::notes(steps, early).expect("a pattern is a valid sequence");
        seq.pickup_from = seq.events.len();
        seq.events.extend(early.events);
        seq
    }

    /// Any notes in a loop of `steps` steps; positions are wrapped into the loop. A loop of
    /// no length, or a note of no length or with velocity 0, is refused.
    pub fn notes(steps: f64, mut events: Vec<SeqNote>) -> Result<Sequence> {
        if !(steps.is_finite() && steps > 0.0) {
            return Err(crate::Error::invalid(format!(
                "a loop of {steps} steps cannot be played"
            )));
        }
        for e in &mut events {
            if !e.pos.is_finite() || e.velocity == 0 || e.velocity > 127 || e.note > 127 {
                return Err(crate::Error::invalid(format!("bad note in a loop: {e:?}")));
            }
            if let Some(len) = e.len {
                if !(len.is_finite() && len > 0.0) {
                    return Err(crate::Error::invalid(format!(
                        "a note of length {len} steps cannot be played"
                    )));
                }
            }
            e.pos = e.pos.rem_euclid(steps);
        }
        events.sort_by(|a, b| {
            a.pos
                .total_cmp(&b.pos)
                .then(a.channel.cmp(&b.channel))
                .then(a.note.cmp(&b.note))
        });
        let pickup_from = events.len();
        Ok(Sequence {
            steps,
            events,
            pickup_from,
        })
    }

    /// The loop's length in steps.
    pub fn steps(&self) -> f64 {
        self.steps
    }

    pub fn events(&self) -> &[SeqNote] {
        &self.events
    }
}

/// The loop player. All state is plain data: the host owns it and calls it from one thread.
#[derive(Debug, Clone)]
pub struct Player {
    bpm: f64,
    gate_ms: f64,
    current: Option<Sequence>,
    queued: Option<Sequence>,
    playing: bool,
    /// Position (steps since the start of cycle 0) at `anchor_ms`.
    anchor_pos: f64,
    anchor_ms: f64,
    cycle: u64,
    /// Where the current cycle starts (steps since the start of cycle 0): loops of different
    /// lengths follow each other.
    base: f64,
    /// The next of the current loop's events before its own early downbeat (those belong to
    /// the cycle after).
    next: usize,
    /// The next of the downbeat's early hits to sound at the start (see [`Sequence`]).
    pickup: Option<usize>,
    /// The next early hit of the loop that plays the following cycle (the queued one, else the
    /// current), to sound at the end of this cycle, leading into it.
    tail: usize,
    /// The time of the last event handed over.
    last_ms: f64,
    /// No note sounds before this time (where a transport was followed: notes caught up then
    /// sound at once, each with its whole length).
    floor_ms: f64,
    /// Note-offs still to send: (time, note, channel, when its note-on went out).
    offs: Vec<(f64, u8, u8, f64)>,
}

impl Player {
    pub fn new(bpm: f64, gate_ms: f64) -> Result<Player> {
        check_bpm(bpm)?;
        check_gate(gate_ms)?;
        Ok(Player {
            bpm,
            gate_ms,
            current: None,
            queued: None,
            playing: false,
            anchor_pos: 0.0,
            anchor_ms: 0.0,
            cycle: 0,
            base: 0.0,
            next: 0,
            pickup: None,
            tail: 0,
            last_ms: f64::NEG_INFINITY,
            floor_ms: f64::NEG_INFINITY,
            offs: Vec::with_capacity(64),
        })
    }

    pub fn bpm(&self) -> f64 {
        self.bpm
    }
    pub fn gate_ms(&self) -> f64 {
        self.gate_ms
    }
    pub fn is_playing(&self) -> bool {
        self.playing
    }
    pub fn has_loop(&self) -> bool {
        self.current.is_some()
    }
    pub fn has_queued(&self) -> bool {
        self.queued.is_some()
    }
    /// The cycle now playing (0 = the first since `play`).
    pub fn cycle(&self) -> u64 {
        self.cycle
    }

    pub fn ms_per_step(&self) -> f64 {
        60_000.0 / self.bpm / STEPS_PER_BEAT as f64
    }

    /// Position in steps since the start of cycle 0 at time `t`.
    pub fn position_at(&self, t: f64) -> f64 {
        self.anchor_pos + (t - self.anchor_ms) / self.ms_per_step()
    }

    /// Position in steps within the loop playing at time `t` (from its start; loops of
    /// different lengths may have come before).
    pub fn position_in_loop(&self, t: f64) -> f64 {
        self.position_at(t) - self.base
    }

    /// The time (ms) at position `pos` (steps since the start of cycle 0), at the tempo now.
    pub fn time_at(&self, pos: f64) -> f64 {
        self.time_of(pos)
    }

    fn time_of(&self, pos: f64) -> f64 {
        self.anchor_ms + (pos - self.anchor_pos) * self.ms_per_step()
    }

    /// A new loop: played from the next boundary when a loop is playing, at once otherwise.
    /// A loop queued earlier and not yet started is replaced.
    pub fn set_loop(&mut self, pattern: &Pattern) {
        self.set_sequence(Sequence::of(pattern));
    }

    /// Any sequence as the loop, taking over as [`set_loop`](Self::set_loop) does. Stopped,
    /// it is the loop at once, and one queued before the stop is dropped: the next `play`
    /// plays the newest.
    pub fn set_sequence(&mut self, seq: Sequence) {
        if self.playing && self.current.is_some() {
            self.queued = Some(seq);
        } else {
            self.current = Some(seq);
            self.queued = None;
            self.next = 0;
        }
        self.restart_tail();
    }

    /// Forget the loop while stopped (a recalled loop is on its way): `play` then waits for the
    /// next one. Playing, nothing changes.
    pub fn clear_loop(&mut self) {
        if !self.playing {
            self.current = None;
            self.queued = None;
            self.next = 0;
            self.tail = 0;
        }
    }

    /// Forget a loop queued for the boundary: the current one repeats.
    pub fn clear_queued(&mut self) {
        self.queued = None;
        self.restart_tail();
    }

    /// The loop that plays the next cycle: the queued one, else the current one.
    fn upcoming(&self) -> Option<&Sequence> {
        self.queued.as_ref().or(self.current.as_ref())
    }

    /// The early hits leading into the next cycle, from the first not yet due: the loop that
    /// plays it has changed (hits whose time has passed are not played late).
    fn restart_tail(&mut self) {
        let Some(up) = self.upcoming() else {
            self.tail = 0;
            return;
        };
        let mut i = up.pickup_from;
        while i < up.events.len() && self.tail_time(i).is_some_and(|t| t <= self.last_ms) {
            i += 1;
        }
        self.tail = i;
    }

    /// When the upcoming loop's event `i` (an early hit of its downbeat) sounds: before the
    /// end of the current cycle by as much as it is before the end of its own loop.
    fn tail_time(&self, i: usize) -> Option<f64> {
        let cur = self.current.as_ref()?;
        let up = self.upcoming()?;
        let e = up.events.get(i)?;
        Some(self.time_of(self.base + cur.steps - (up.steps - e.pos)))
    }

    /// Start playing from the top of the loop at `now`.
    pub fn play(&mut self, now: f64) {
        self.playing = true;
        self.anchor_pos = 0.0;
        self.anchor_ms = now;
        self.cycle = 0;
        self.base = 0.0;
        self.next = 0;
        if let Some(q) = self.queued.take() {
            self.current = Some(q);
        }
        self.pickup = self.pickups();
        self.last_ms = f64::NEG_INFINITY;
        self.tail = self.current.as_ref().map_or(0, |s| s.pickup_from);
    }

    /// The first of the downbeat's early hits, if the loop has any.
    fn pickups(&self) -> Option<usize> {
        let seq = self.current.as_ref()?;
        (seq.pickup_from < seq.events.len()).then_some(seq.pickup_from)
    }

    /// Follow an outside transport: play from `pos` steps into the loop at `now` (wrapped into
    /// the loop). Notes up to `catch_up` steps before `pos` are still due and are handed over at
    /// once (a transport seen a little after it started still plays its downbeat, and the hits
    /// drawn before that downbeat, as [`play`](Self::play) does). A loop
    /// queued for the boundary takes over now.
    pub fn locate(&mut self, now: f64, pos: f64, catch_up: f64) {
        if let Some(q) = self.queued.take() {
            self.current = Some(q);
        }
        let p = pos.rem_euclid(self.loop_steps());
        self.playing = true;
        self.anchor_pos = p;
        self.anchor_ms = now;
        self.cycle = 0;
        self.base = 0.0;
        let from = p - catch_up.max(0.0);
        let before = self
            .current
            .as_ref()
            .map_or(0, |s| s.events.iter().take_while(|e| e.pos < from).count());
        let pickup_from = self.current.as_ref().map_or(0, |s| s.pickup_from);
        self.next = before.min(pickup_from);
        self.tail = before.max(pickup_from);
        self.last_ms = f64::NEG_INFINITY;
        self.floor_ms = now;
        // started at the downbeat (or caught up to it): its early hits too
        self.pickup = if from <= 0.0 { self.pickups() } else { None };
    }

    /// Stop; every sounding note gets its note-off now, but none is made shorter than the
    /// gate: a note that began less than a gate ago ends one gate after it began (or at its
    /// own end, if sooner), and the host is asked back for it ([`next_time`](Self::next_time)).
    /// A stop on the bar line comes after the next downbeat's hits have gone out (drawn early,
    /// they lead into the bar; on the grid, they went out at the same time): they sound as a
    /// final hit instead of a blip of a fraction of a millisecond.
    pub fn stop(&mut self, now: f64, out: &mut impl FnMut(Played)) {
        self.playing = false;
        self.pickup = None;
        let gate = self.gate_ms;
        self.offs.retain_mut(|(off, note, channel, on)| {
            let keep = off.min(*on + gate);
            if keep > now {
                *off = keep;
                return true;
            }
            out(Played::Note {
                at_ms: now,
                note: *note,
                velocity: 0,
                channel: *channel,
            });
            false
        });
    }

    /// Change the tempo at `now`: the position stays where it is, what follows runs at `bpm`.
    pub fn set_tempo(&mut self, now: f64, bpm: f64) -> Result<()> {
        check_bpm(bpm)?;
        if self.playing {
            self.anchor_pos = self.position_at(now);
            self.anchor_ms = now;
        }
        self.bpm = bpm;
        Ok(())
    }

    pub fn set_gate(&mut self, gate_ms: f64) -> Result<()> {
        check_gate(gate_ms)?;
        self.gate_ms = gate_ms;
        Ok(())
    }

    /// The length of one cycle in steps (32 when no loop is set).
    pub fn loop_steps(&self) -> f64 {
        self.current.as_ref().map_or(32.0, |s| s.steps)
    }

    /// The length of one cycle in milliseconds at the current tempo (2 bars = 32 steps when no
    /// loop is set).
    pub fn cycle_ms(&self) -> f64 {
        let steps = self.current.as_ref().map_or(32.0, |s| s.steps);
        steps * self.ms_per_step()
    }

    /// The next event to hand over: (time, what). Ties: note-offs, then the boundary, then
    /// note-ons, so a note retriggered on the same time is released first.
    fn peek(&self) -> Option<(f64, u8)> {
        let seq = self.current.as_ref()?;
        let base = self.base;
        let off = self.offs.iter().map(|o| o.0).min_by(f64::total_cmp);
        let on = seq.events[..seq.pickup_from]
            .get(self.next)
            .map(|e| self.time_of(base + e.pos));
        if self.pickup.is_some() {
            return Some((self.anchor_ms, 3));
        }
        let boundary = self.time_of(base + seq.steps);
        let mut best = (boundary, 1u8);
        if let Some(t) = on {
            if t < best.0 {
                best = (t, 2);
            }
        }
        if let Some(t) = self.tail_time(self.tail) {
            if t < best.0 {
                best = (t, 4);
            }
        }
        if let Some(t) = off {
            if t <= best.0 {
                best = (t, 0);
            }
        }
        Some(best)
    }

    /// When the host should call [`advance`](Self::advance) next (absolute ms); `None` when
    /// nothing is playing.
    pub fn next_time(&self) -> Option<f64> {
        if !self.playing {
            return self.offs.iter().map(|o| o.0).min_by(f64::total_cmp);
        }
        self.peek().map(|p| p.0)
    }

    /// Hand over every event due at or before `until` (ms), in time order, each with its exact
    /// time.
    pub fn advance(&mut self, until: f64, out: &mut impl FnMut(Played)) {
        if !self.playing {
            self.release_due(until, out);
            return;
        }
        // A bounded loop: each turn hands over one event or one boundary.
        while let Some((t, what)) = self.peek() {
            if t > until {
                break;
            }
            match what {
                0 => self.release_due(t, out),
                1 => {
                    self.cycle += 1;
                    self.base += self.current.as_ref().map_or(0.0, |s| s.steps);
                    self.next = 0;
                    let switched = self.queued.is_some();
                    if let Some(q) = self.queued.take() {
                        self.current = Some(q);
                    }
                    // (its own early hits, which led into this cycle, have sounded)
                    self.tail = self.current.as_ref().map_or(0, |s| s.pickup_from);
                    out(Played::Cycle {
                        at_ms: t,
                        cycle: self.cycle,
                        switched,
                    });
                }
                3 => {
                    let seq = self.current.as_ref().expect("peeked a pickup");
                    let i = self.pickup.expect("peeked a pickup");
                    let e = seq.events[i];
                    self.pickup = (i + 1 < seq.events.len()).then_some(i + 1);
                    self.sound(e, t, out);
                }
                4 => {
                    let up = self.upcoming().expect("peeked an early hit");
                    let e = up.events[self.tail];
                    self.tail += 1;
                    self.sound(e, t, out);
                }
                _ => {
                    let seq = self.current.as_ref().expect("peeked a note");
                    let e = seq.events[self.next];
                    self.next += 1;
                    self.sound(e, t, out);
                }
            }
            self.last_ms = t;
        }
    }

    /// A note-on at `t` (releasing the same note first if it still sounds), its note-off due
    /// one length later.
    fn sound(&mut self, e: SeqNote, t: f64, out: &mut impl FnMut(Played)) {
        let t = t.max(self.floor_ms);
        let len_ms = e.len.map_or(self.gate_ms, |l| l * self.ms_per_step());
        let (note, channel) = (e.note, e.channel);
        // The same note still held: release it first.
        if let Some(i) = self.offs.iter().position(|o| (o.1, o.2) == (note, channel)) {
            self.offs.swap_remove(i);
            out(Played::Note {
                at_ms: t,
                note,
                velocity: 0,
                channel,
            });
        }
        out(Played::Note {
            at_ms: t,
            note,
            velocity: e.velocity,
            channel,
        });
        self.offs.push((t + len_ms, note, channel, t));
    }

    fn release_due(&mut self, until: f64, out: &mut impl FnMut(Played)) {
        self.offs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let due = self.offs.iter().take_while(|o| o.0 <= until).count();
        for (at_ms, note, channel, _) in self.offs.drain(..due) {
            out(Played::Note {
                at_ms,
                note,
                velocity: 0,
                channel,
            });
        }
    }
}

fn check_gate(gate_ms: f64) -> Result<()> {
    if gate_ms.is_finite() && gate_ms > 0.0 && gate_ms <= MAX_GATE_MS {
        Ok(())
    } else {
        Err(crate::Error::invalid(format!(
            "gate {gate_ms} ms is out of range (0..{MAX_GATE_MS})"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Hit, Voice};

    fn pattern(hits: &[(usize, Voice, f32, f32)]) -> Pattern {
        let mut p = Pattern::empty_loop();
        for &(s, v, vel, off) in hits {
            p.set(s, v, Some(Hit::new(vel, off).unwrap())).unwrap();
        }
        p
    }

    fn run(p: &mut Player, until: f64) -> Vec<Played> {
        let mut v = Vec::new();
        while let Some(t) = p.next_time() {
            if t > until {
                break;
            }
            p.advance(t, &mut |e| v.push(e));
        }
        v
    }

    fn ons(v: &[Played]) -> Vec<(f64, u8)> {
        v.iter()
            .filter_map(|e| match *e {
                Played::Note {
                    at_ms,
                    note,
                    velocity,
                    ..
                } if velocity > 0 => Some((at_ms, note)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn notes_at_their_exact_times_with_microtiming() {
        // 120 BPM: a step is 125 ms, a cycle 4000 ms.
        let mut p = Player::new(120.0, 50.0).unwrap();
        p.set_loop(&pattern(&[
            (0, Voice::Kick, 1.0, 0.0),
            (4, Voice::Snare, 0.5, 0.1),
            (0, Voice::ClosedHat, 0.5, -0.2),
        ]));
        p.play(1000.0);
        let v = run(&mut p, 1000.0 + 8000.0 - 1.0);
        let want = [
            // the hat drawn before the downbeat: the first downbeat is not lost
            (1000.0, 42),
            (1000.0, 36),
            (1000.0 + 4.1 * 125.0, 38),
            (1000.0 + 31.8 * 125.0, 42),
            (5000.0, 36),
            (5000.0 + 4.1 * 125.0, 38),
            (5000.0 + 31.8 * 125.0, 42),
        ];
        let got = ons(&v);
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            // offsets are f32: 0.1 step is 0.1000000015
            assert!((g.0 - w.0).abs() < 1e-5 && g.1 == w.1, "{g:?} vs {w:?}");
        }
        // every note-on has its note-off one gate later
        let offs: Vec<f64> = v
            .iter()
            .filter_map(|e| match *e {
                Played::Note {
                    at_ms, velocity: 0, ..
                } => Some(at_ms),
                _ => None,
            })
            .collect();
        assert_eq!(offs.len(), 6, "the last off is after `until`");
        assert!((offs[0] - 1050.0).abs() < 1e-9);
    }

    /// Issue 18, item 1: the hits a new loop draws early for its downbeat sound before the
    /// boundary where it takes over, and the old loop's do not; after the switch, the new
    /// loop's own lead into each of its cycles.
    #[test]
    fn a_new_loop_brings_its_own_early_downbeat_to_the_switch() {
        let a = pattern(&[(0, Voice::Kick, 1.0, -0.2), (8, Voice::Snare, 1.0, 0.0)]);
        let b = pattern(&[(0, Voice::Crash, 1.0, -0.3), (12, Voice::Snare, 1.0, 0.0)]);
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_loop(&a);
        p.play(0.0);
        let mut v = run(&mut p, 1000.0);
        p.set_loop(&b); // queued for the boundary at 4000 ms
        v.extend(run(&mut p, 12_000.0 - 1.0));
        let want = [
            (0.0, 36),                  // a's early kick, at the start
            (8.0 * 125.0, 38),          // a's snare
            (4000.0 - 0.3 * 125.0, 49), // b's early crash leads into the switch (not a's kick)
            (4000.0 + 12.0 * 125.0, 38),
            (8000.0 - 0.3 * 125.0, 49), // b leads into its next cycle
            (8000.0 + 12.0 * 125.0, 38),
            (12_000.0 - 0.3 * 125.0, 49),
        ];
        let got = ons(&v);
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert!((g.0 - w.0).abs() < 1e-4 && g.1 == w.1, "{g:?} vs {w:?}");
        }
        // a loop queued and withdrawn before the boundary: the current one leads in again
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_loop(&a);
        p.play(0.0);
        run(&mut p, 1000.0);
        p.set_loop(&b);
        run(&mut p, 2000.0);
        p.clear_queued();
        let got = ons(&run(&mut p, 4000.0 + 1.0));
        let last = got.last().copied().unwrap();
        assert!(
            (last.0 - (4000.0 - 0.2 * 125.0)).abs() < 1e-4 && last.1 == 36,
            "{got:?}"
        );
    }

    #[test]
    fn hits_drawn_before_the_downbeat_sound_at_the_start_but_no_others() {
        let steps = [
            (0, Voice::Kick, 1.0, -0.3),
            (31, Voice::ClosedHat, 0.5, 0.2),
            (16, Voice::Snare, 1.0, -0.1),
        ];
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_loop(&pattern(&steps));
        p.play(0.0);
        let got = ons(&run(&mut p, 4000.0));
        // the kick at once; the hat on step 31 (late, but not the downbeat's) only at its time
        let want = [
            (0.0, 36),
            (15.9 * 125.0, 38),
            (31.2 * 125.0, 42),
            (31.7 * 125.0, 36),
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert!((g.0 - w.0).abs() < 1e-4 && g.1 == w.1, "{g:?} vs {w:?}");
        }
        // a transport seen a little after its start: the same, once
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_loop(&pattern(&steps));
        p.locate(10.0, 0.08, 0.5);
        assert_eq!(ons(&run(&mut p, 20.0)), vec![(10.0, 36)]);
        // located mid-loop: nothing from the end of the loop
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_loop(&pattern(&steps));
        p.locate(0.0, 8.0, 0.5);
        assert_eq!(ons(&run(&mut p, 100.0)), vec![]);
        // stopped and played again: the pickup again
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_loop(&pattern(&steps));
        p.play(0.0);
        run(&mut p, 100.0);
        p.stop(100.0, &mut |_| {});
        p.play(200.0);
        assert_eq!(ons(&run(&mut p, 210.0)), vec![(200.0, 36)]);
    }

    /// Issue 17, item 1: a loop in an 8th-note feel plays its off-beats on the swung grid, its
    /// hits' own timing on top, and its early downbeat still leads in (also in a feel that
    /// pushes the off-beats early, where step 31 plays before half a step from the end).
    #[test]
    fn a_loop_in_an_eighth_note_feel_plays_on_the_swung_grid() {
        let mut a = pattern(&[
            (0, Voice::Kick, 1.0, -0.2),
            (2, Voice::ClosedHat, 0.5, 0.0),
            (3, Voice::ClosedHat, 0.5, 0.1),
            (31, Voice::Snare, 0.5, 0.0),
        ]);
        a.set_feel(2.0 / 3.0).unwrap();
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_loop(&a);
        p.play(0.0);
        let got = ons(&run(&mut p, 4000.0));
        let t = |x: f64, off: f32| crate::pattern::swung_time(x, off, 2.0 / 3.0) * 125.0;
        let want = [
            (0.0, 36),
            (t(2.0, 0.0), 42), // a triplet late: 2.667 steps
            (t(3.0, 0.1), 42),
            (t(31.0, 0.0), 38),
            (t(32.0, -0.2), 36), // the next cycle's early kick, on the swung grid's time
        ];
        assert_eq!(got.len(), want.len(), "{got:?}");
        for (g, w) in got.iter().zip(want) {
            assert!((g.0 - w.0).abs() < 1e-3 && g.1 == w.1, "{g:?} vs {w:?}");
        }
        assert!((want[1].0 - 8.0 / 3.0 * 125.0).abs() < 1e-3);
        a.set(0, Voice::Kick, Some(Hit::new(1.0, -0.45).unwrap()))
            .unwrap();
        a.set_feel(-1.0).unwrap(); // the early kick plays 0.45 steps before the end, step 31 at 30.5
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_loop(&a);
        p.play(0.0);
        let got = ons(&run(&mut p, 4000.0 - 100.0));
        assert_eq!(got[0], (0.0, 36), "the early kick leads in: {got:?}");
        assert_eq!(got.iter().filter(|g| g.1 == 36).count(), 1, "{got:?}");
        assert!(
            got.iter().any(|g| g.1 == 38),
            "step 31 plays in time: {got:?}"
        );
        // a downbeat so early its time is clamped to its cell's edge (where a late step 31
        // would also be) is still the pickup
        let mut c = pattern(&[(0, Voice::Kick, 1.0, -0.45), (31, Voice::Snare, 1.0, 0.5)]);
        c.set_feel(2.0 / 3.0).unwrap();
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_loop(&c);
        p.play(0.0);
        let got = ons(&run(&mut p, 100.0));
        assert_eq!(got, vec![(0.0, 36)], "the early kick leads in");
    }

    /// Issue 18, item 2 (second half): a note caught up when a transport is followed
    /// mid-loop sounds now with its whole gate (it used to be sounded at its past time, its
    /// note-off due a few ms after it went out).
    #[test]
    fn a_note_caught_up_by_a_transport_keeps_its_whole_gate() {
        let mut p = Player::new(120.0, 50.0).unwrap();
        p.set_loop(&pattern(&[
            (1, Voice::Snare, 1.0, 0.0),
            (8, Voice::Kick, 1.0, 0.0),
        ]));
        // the transport is at step 1.4 at 1000 ms: the snare on step 1 was due 50 ms ago
        p.locate(1000.0, 1.4, 1.0);
        let v = run(&mut p, 1100.0);
        let notes = notes_of(&v);
        assert_eq!(notes, vec![(1000.0, 38, 127), (1050.0, 38, 0)], "{notes:?}");
        // the early notes: the downbeat's kick drawn 0.3 step early, the transport seen
        // 0.2 step after the downbeat or 0.1 step before it (its lead-in passed): each
        // sounds now, with its whole gate
        for pos in [0.2, 31.9] {
            let mut p = Player::new(120.0, 50.0).unwrap();
            p.set_loop(&pattern(&[(0, Voice::Kick, 1.0, -0.3)]));
            p.locate(1000.0, pos, 1.0);
            let notes = notes_of(&run(&mut p, 1100.0));
            assert_eq!(notes, vec![(1000.0, 36, 127), (1050.0, 36, 0)], "at {pos}");
        }
    }

    #[test]
    fn a_new_loop_starts_only_at_the_boundary() {
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_loop(&pattern(&[
            (0, Voice::Kick, 1.0, 0.0),
            (8, Voice::Kick, 1.0, 0.0),
        ]));
        p.play(0.0);
        let mut v = run(&mut p, 1500.0);
        p.set_loop(&pattern(&[(2, Voice::Snare, 1.0, 0.0)]));
        v.extend(run(&mut p, 8100.0));
        let got = ons(&v);
        assert_eq!(got, vec![(0.0, 36), (1000.0, 36), (4250.0, 38)]);
        let cycles: Vec<(f64, u64, bool)> = v
            .iter()
            .filter_map(|e| match *e {
                Played::Cycle {
                    at_ms,
                    cycle,
                    switched,
                } => Some((at_ms, cycle, switched)),
                _ => None,
            })
            .collect();
        assert_eq!(cycles, vec![(4000.0, 1, true), (8000.0, 2, false)]);
    }

    #[test]
    fn tempo_changes_keep_the_position() {
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_loop(&pattern(&[
            (0, Voice::Kick, 1.0, 0.0),
            (8, Voice::Kick, 1.0, 0.0),
        ]));
        p.play(0.0);
        let mut v = run(&mut p, 500.0); // position 4
        p.set_tempo(500.0, 60.0).unwrap(); // a step is now 250 ms
        v.extend(run(&mut p, 6000.0));
        let got: Vec<f64> = ons(&v).iter().map(|x| x.0).collect();
        // step 8 at 500 + 4*250, the next cycle at 500 + 28*250
        assert_eq!(
            got,
            vec![0.0, 1500.0, 7500.0]
                .into_iter()
                .filter(|&t| t <= 6000.0)
                .collect::<Vec<_>>()
        );
        assert!(p.set_tempo(600.0, 0.0).is_err());
        assert_eq!(p.bpm(), 60.0, "a rejected tempo changes nothing");
    }

    #[test]
    fn stop_releases_held_notes_and_retrigger_releases_first() {
        let mut p = Player::new(120.0, 500.0).unwrap();
        p.set_loop(&pattern(&[
            (0, Voice::Kick, 1.0, 0.0),
            (1, Voice::Kick, 1.0, 0.0),
        ]));
        p.play(0.0);
        let v = run(&mut p, 130.0);
        // on at 0, off at 125 (retrigger), on at 125
        let kinds: Vec<(f64, u8)> = notes_of(&v).iter().map(|n| (n.0, n.2)).collect();
        assert_eq!(kinds, vec![(0.0, 127), (125.0, 0), (125.0, 127)]);
        // stopped 75 ms into its 500 ms gate: a drum hit is never made shorter than the gate
        // (see the bar-line test below), so its note-off comes when it was due
        let mut stopped = Vec::new();
        p.stop(200.0, &mut |e| stopped.push(e));
        assert_eq!(stopped, vec![]);
        assert_eq!(p.next_time(), Some(625.0));
        p.advance(625.0, &mut |e| stopped.push(e));
        assert_eq!(
            stopped,
            vec![Played::Note {
                at_ms: 625.0,
                note: 36,
                velocity: 0,
                channel: 9
            }]
        );
        assert_eq!(p.next_time(), None);
    }

    fn notes_of(v: &[Played]) -> Vec<(f64, u8, u8)> {
        v.iter()
            .filter_map(|e| match *e {
                Played::Note {
                    at_ms,
                    note,
                    velocity,
                    ..
                } => Some((at_ms, note, velocity)),
                _ => None,
            })
            .collect()
    }

    /// Issue 18, item 2 (first half): a `stop` on the bar line comes after the next downbeat's
    /// kick has left (drawn early, it leads into the bar); it used to be cut there, a note of
    /// 0.1 ms. It now sounds its gate, a final hit on the downbeat; a kick on the bar line
    /// itself, handed over just before a stop at the same time, too. A long note (its own
    /// length) is still cut at once when it has sounded its gate.
    #[test]
    fn a_stop_on_the_bar_line_lets_the_downbeat_just_sent_sound_its_gate() {
        // 120 BPM: a step is 125 ms, a bar (16 steps) 2000 ms; a kick 0.1 ms early, a snare
        let lead = -0.1 / 125.0;
        let mut p = Player::new(120.0, 50.0).unwrap();
        p.set_loop(&pattern(&[
            (0, Voice::Kick, 1.0, lead as f32),
            (4, Voice::Snare, 1.0, 0.0),
        ]));
        p.play(0.0);
        let mut v = run(&mut p, 4000.0);
        let kick_at = 4000.0 + f64::from(lead as f32) * 125.0;
        assert!(
            ons(&v)
                .iter()
                .any(|&(t, n)| n == 36 && (t - kick_at).abs() < 1e-6),
            "the next cycle's kick went out before the bar line: {v:?}"
        );
        p.stop(4000.0, &mut |e| v.push(e));
        v.extend(run(&mut p, 5000.0));
        let kick: Vec<(f64, u8, u8)> = notes_of(&v)
            .into_iter()
            .filter(|n| n.1 == 36 && n.0 > 3000.0)
            .collect();
        assert_eq!(kick.len(), 2, "{kick:?}");
        assert!(
            (kick[1].0 - kick[0].0 - 50.0).abs() < 1e-6,
            "the last kick sounds its 50 ms gate: {kick:?}"
        );
        assert_eq!(p.next_time(), None, "nothing left to send");

        // on the grid: the kick handed over at the bar line, the stop at the same time
        let mut p = Player::new(120.0, 50.0).unwrap();
        p.set_loop(&pattern(&[(0, Voice::Kick, 1.0, 0.0)]));
        p.play(0.0);
        let mut v = run(&mut p, 4000.0);
        p.stop(4000.0, &mut |e| v.push(e));
        v.extend(run(&mut p, 5000.0));
        let last: Vec<(f64, u8, u8)> = notes_of(&v).into_iter().filter(|n| n.0 >= 4000.0).collect();
        assert_eq!(last, vec![(4000.0, 36, 127), (4050.0, 36, 0)]);

        // a note of its own length, stopped halfway: cut now; one just begun: its gate
        let seq = Sequence::notes(
            16.0,
            vec![
                SeqNote {
                    pos: 0.0,
                    note: 40,
                    velocity: 100,
                    channel: 0,
                    len: Some(8.0),
                },
                SeqNote {
                    pos: 4.0,
                    note: 43,
                    velocity: 100,
                    channel: 0,
                    len: Some(8.0),
                },
            ],
        )
        .unwrap();
        let mut p = Player::new(120.0, 50.0).unwrap();
        p.set_sequence(seq);
        p.play(0.0);
        let mut v = run(&mut p, 510.0);
        p.stop(510.0, &mut |e| v.push(e));
        v.extend(run(&mut p, 2000.0));
        let offs: Vec<(f64, u8, u8)> = notes_of(&v).into_iter().filter(|n| n.2 == 0).collect();
        assert_eq!(offs, vec![(510.0, 40, 0), (550.0, 43, 0)]);
    }

    #[test]
    fn any_notes_play_with_their_own_lengths_and_channels() {
        // 120 BPM: a step is 125 ms; a 6-step loop (1.5 beats) of two notes on the same key,
        // on two channels, overlapping.
        let n = |pos, channel, len| SeqNote {
            pos,
            note: 60,
            velocity: 90,
            channel,
            len: Some(len),
        };
        let seq = Sequence::notes(6.0, vec![n(1.0, 0, 3.0), n(0.0, 1, 4.5)]).unwrap();
        assert_eq!(seq.events()[0].channel, 1, "sorted by position");
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_sequence(seq);
        p.play(0.0);
        let v = run(&mut p, 749.0);
        let notes: Vec<(f64, u8, u8)> = v
            .iter()
            .filter_map(|e| match *e {
                Played::Note {
                    at_ms,
                    velocity,
                    channel,
                    ..
                } => Some((at_ms, velocity, channel)),
                _ => None,
            })
            .collect();
        assert_eq!(
            notes,
            vec![(0.0, 90, 1), (125.0, 90, 0), (500.0, 0, 0), (562.5, 0, 1)]
        );
        assert!(Sequence::notes(0.0, vec![]).is_err());
        assert!(Sequence::notes(4.0, vec![n(0.0, 0, 0.0)]).is_err());
        assert!(Sequence::notes(
            4.0,
            vec![SeqNote {
                velocity: 0,
                ..n(0.0, 0, 1.0)
            }]
        )
        .is_err());
        assert_eq!(
            Sequence::notes(4.0, vec![n(5.0, 0, 1.0)]).unwrap().events()[0].pos,
            1.0,
            "wrapped into the loop"
        );
    }

    #[test]
    fn loops_of_different_lengths_follow_each_other_without_a_gap() {
        // 120 BPM: a step is 125 ms. A 4-step loop, then an 8-step one, then the 4-step again.
        let one = |steps: f64, note: u8| {
            Sequence::notes(
                steps,
                vec![SeqNote {
                    pos: 0.0,
                    note,
                    velocity: 100,
                    channel: 0,
                    len: Some(1.0),
                }],
            )
            .unwrap()
        };
        let mut p = Player::new(120.0, 10.0).unwrap();
        p.set_sequence(one(4.0, 60));
        p.play(0.0);
        let mut v = run(&mut p, 10.0);
        p.set_sequence(one(8.0, 62));
        v.extend(run(&mut p, 600.0));
        p.set_sequence(one(4.0, 64));
        v.extend(run(&mut p, 2100.0));
        let got = ons(&v);
        assert_eq!(
            got,
            vec![(0.0, 60), (500.0, 62), (1500.0, 64), (2000.0, 64)]
        );
    }

    #[test]
    fn bad_settings_are_refused() {
        assert!(Player::new(0.0, 10.0).is_err());
        assert!(Player::new(120.0, 0.0).is_err());
        let mut p = Player::new(120.0, 10.0).unwrap();
        assert!(p.set_gate(f64::NAN).is_err());
        assert_eq!(p.gate_ms(), 10.0);
    }
}
