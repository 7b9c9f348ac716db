//! Following a MIDI clock: the realtime bytes a drum machine, a DAW or another laptop sends (24
//! pulses per quarter note, start, continue, stop) and the song position pointer, as Pd's
//! `[midirealtimein]` and Max's `[rtin]` give them. They become the same transport every playing
//! object already follows (see [`super::follow`]): running or not, a tempo, a position in beats.
//!
//! Pulses arrive with the sender's and the transport's jitter (USB, a busy laptop: a few ms). The
//! tempo and the position are read off a straight line fitted to the last [`FIT`] pulses (two
//! beats), not off the last pulse: at 120 BPM with 2 ms of jitter per pulse the fitted position
//! strays about 0.3 ms, where the last pulse alone would stray 2 ms, and a tempo change is
//! followed within two beats. No allocation after creation (a fixed ring of pulse times).

/// MIDI clock pulses per quarter note.
pub const PPQN: f64 = 24.0;
/// Pulses in the fit: two beats.
pub const FIT: usize = 48;
/// A running clock silent this long (ms) has stopped without a stop: said once, and the loop
/// plays on at the last tempo.
pub const STALL_MS: f64 = 250.0;
/// Pulses needed before the fitted tempo is trusted; before that, the nominal pulse length from
/// the first two pulses.
const MIN_FIT: usize = 6;

/// The realtime status bytes (`clock BYTE`).
pub const TICK: u8 = 0xF8;
pub const START: u8 = 0xFA;
pub const CONTINUE: u8 = 0xFB;
pub const STOP: u8 = 0xFC;

/// What a clock byte means for the transport: `(running, bpm, beats)` to follow now, if
/// anything.
pub type Transport = (bool, f64, f64);

#[derive(Debug, Clone)]
pub struct MidiClock {
    running: bool,
    /// Start or continue received: the next pulse is the first one that counts.
    armed: bool,
    /// Position of the next pulse, in pulses from the song's start.
    next: f64,
    /// Every pulse heard, running or not (the tempo fit's x axis); the song position `next`
    /// moves only while running.
    count: f64,
    /// (count, arrival ms) of the last pulses, oldest first once full.
    ring: [(f64, f64); FIT],
    len: usize,
    head: usize,
    /// The last fitted pulse length, ms (only plausible ones: see [`PULSE_MS`]).
    pulse_ms: Option<f64>,
    /// Pulses counted ahead after a gap (as if the master's pulses in it were lost) that
    /// pulses arriving in a burst (delayed, not lost) pay back instead of moving on.
    owed: u32,
    /// A stall was said (until the next pulse).
    stall_said: bool,
    /// The pulse length fitted before a gap (a stop, a continue, a stall), carried over while
    /// the new fit has less than a beat of pulses.
    carry: Option<f64>,
}

/// The pulse lengths taken as a tempo, ms: 400 BPM (6.25 ms) down to 20 BPM (125 ms), with
/// room for jitter; a burst of pulses handed over at once (a host's hiccup) says nothing.
pub const PULSE_MS: (f64, f64) = (4.0, 200.0);

impl Default for MidiClock {
    fn default() -> Self {
        MidiClock::new()
    }
}

impl MidiClock {
    pub fn new() -> MidiClock {
        MidiClock {
            running: false,
            armed: false,
            next: 0.0,
            count: 0.0,
            ring: [(0.0, 0.0); FIT],
            len: 0,
            head: 0,
            pulse_ms: None,
            owed: 0,
            stall_said: false,
            carry: None,
        }
    }

    pub fn running(&self) -> bool {
        self.running
    }

    /// The fit has less than two beats of pulses (started with none before it, or back after a
    /// silence): where it puts the song is still settling.
    pub fn settling(&self) -> bool {
        self.len < FIT
    }

    /// The tempo the pulses say (fitted), once there have been a few.
    pub fn bpm(&self) -> Option<f64> {
        self.pulse_ms.map(|p| 60_000.0 / (p * PPQN))
    }

    /// A realtime byte at `now` (ms). Returns the transport to follow, if it changed; other
    /// bytes (active sensing, reset) are ignored. `own_bpm`: the object's own tempo, which a
    /// start's first pulse before any tempo is known (a clock that sends no pulse while
    /// stopped) starts at, until the second pulse tells the clock's.
    pub fn byte(&mut self, now: f64, byte: u8, own_bpm: f64) -> Option<Transport> {
        match byte {
            TICK => self.tick(now, own_bpm),
            START => {
                self.next = 0.0;
                self.arm();
                None
            }
            CONTINUE => {
                self.arm();
                None
            }
            STOP => {
                let was = self.running;
                self.running = false;
                self.armed = false;
                let beats = self.next / PPQN;
                was.then(|| (false, self.bpm().unwrap_or(own_bpm), beats))
            }
            _ => None,
        }
    }

    /// The song position pointer (0xF2), in MIDI beats (16ths) from the song's start: where a
    /// `continue` picks up. Ignored while running, as the MIDI specification says.
    pub fn song_position(&mut self, sixteenths: f64) {
        if !self.running {
            self.next = sixteenths * PPQN / 4.0;
        }
    }

    fn arm(&mut self) {
        self.armed = true;
        self.running = false;
        // the pulses before the start keep saying the tempo (the fit counts every pulse); the
        // next one is the song position `next`
    }

    /// Checked as time passes: a running clock whose pulses stopped mid-song (a cable pulled,
    /// the other laptop crashed) says so once, with how long it has been silent and the tempo
    /// the loop plays on at; the next pulse follows it again.
    pub fn stalled(&mut self, now: f64, own_bpm: f64) -> Option<String> {
        if !self.running || self.stall_said || self.len == 0 {
            return None;
        }
        let last = self.ring[(self.head + FIT - 1) % FIT].1;
        let silent = now - last;
        if silent <= STALL_MS {
            return None;
        }
        self.stall_said = true;
        Some(format!(
            "clock: the MIDI clock stopped mid-song without a stop (no pulse for {silent:.0} ms): \
             playing on at {:.1} BPM; its next pulse leads again",
            self.bpm().unwrap_or(own_bpm)
        ))
    }

    fn tick(&mut self, now: f64, own_bpm: f64) -> Option<Transport> {
        self.stall_said = false;
        let first = self.armed;
        if first {
            self.armed = false;
            self.running = true;
        }
        // How long since the last pulse, in pulses: a gap of more than 4 (a clock that paused,
        // a host that hiccupped) restarts the fit and counts the master's pulses in it as gone
        // by; pulses that then come in a burst were only delayed: they pay that back.
        let mut step = 1.0;
        if self.len > 0 {
            let last_ms = self.ring[(self.head + FIT - 1) % FIT].1;
            let gap = now - last_ms;
            let pulse = self.pulse_ms.unwrap_or(PULSE_MS.1);
            if gap > 4.0 * pulse {
                let missed = ((gap / pulse).round() - 1.0).clamp(0.0, 1e6);
                step += missed;
                self.owed = missed as u32;
                self.carry = self.pulse_ms.filter(|_| self.len >= MIN_FIT);
                self.len = 0;
                self.head = 0;
            } else if gap < 0.5 * pulse && self.owed > 0 {
                self.owed -= 1;
                return None;
            } else {
                self.owed = 0;
            }
        }
        self.count += step;
        let position = if self.running {
            // the first pulse after a start or continue is the song position itself
            let p = if first {
                self.next
            } else {
                self.next + step - 1.0
            };
            self.next = p + 1.0;
            p
        } else {
            self.next
        };
        self.ring[self.head] = (self.count, now);
        self.head = (self.head + 1) % FIT;
        self.len = (self.len + 1).min(FIT);
        let (pulse_ms, at_count) = self.fit(self.count, now);
        if let Some(p) = pulse_ms.filter(|p| (PULSE_MS.0..=PULSE_MS.1).contains(p)) {
            self.pulse_ms = Some(p);
        }
        if !self.running {
            return None;
        }
        let Some(pulse) = self.pulse_ms else {
            // A start's first pulse with no tempo yet (no pulse before it): it is the song
            // position now, at the object's own tempo until the next pulse tells the clock's.
            let bpm = own_bpm;
            return (first && bpm.is_finite() && bpm > 0.0).then_some((true, bpm, position / PPQN));
        };
        let bpm = self.bpm()?;
        // where the fitted line says this pulse fell, carried on to `now`
        let beats = (position + (now - at_count) / pulse) / PPQN;
        (bpm.is_finite() && beats.is_finite()).then_some((true, bpm, beats))
    }

    /// The least-squares line through the ring's (position, ms): the pulse length, and the time
    /// the line gives `position`. With too few pulses, the plain difference of the last two.
    fn fit(&self, position: f64, now: f64) -> (Option<f64>, f64) {
        let n = self.len;
        if n < 2 {
            return (None, now);
        }
        let pts = (0..n).map(|i| self.ring[(self.head + FIT - n + i) % FIT]);
        // A clock back at another tempo drops the carried one as soon as its pulses' span
        // tells: 15 % over four pulses (over three times what 2 ms of jitter moves it at 120
        // BPM), narrowing as the span grows, to 6 % from the ninth (narrower, jitter alone
        // dropped it at the same tempo).
        let (x0, y0) = self.ring[(self.head + FIT - n) % FIT];
        let span = (now - y0) / (position - x0);
        let tolerance = (0.45 / (n as f64 - 1.0)).max(0.06);
        let carried = self
            .carry
            .filter(|&p| n < FIT / 2 && (n < 4 || (span / p - 1.0).abs() < tolerance));
        if let Some(p) = carried {
            // A clock back after a gap (a stop, a continue): the tempo fitted before carries
            // over for a beat, the pulses so far averaged onto it; a handful of pulses would
            // give the tempo with their jitter (at 2 ms each, 13 % off from two pulses at 120
            // BPM, 3 % from six).
            let at = pts.map(|(x, y)| y + p * (position - x)).sum::<f64>() / n as f64;
            return (Some(p), at);
        }
        // (a carry just dropped: four pulses or more are fitted, not differenced)
        if n < MIN_FIT && (self.carry.is_none() || n < 4) {
            let (p0, t0) = self.ring[(self.head + FIT - n) % FIT];
            let p = (now - t0) / (position - p0);
            return (p.is_finite().then_some(p), now);
        }
        let nf = n as f64;
        let (sx, sy) = pts.clone().fold((0.0, 0.0), |a, (x, y)| (a.0 + x, a.1 + y));
        let (mx, my) = (sx / nf, sy / nf);
        let (sxy, sxx) = pts.fold((0.0, 0.0), |a, (x, y)| {
            (a.0 + (x - mx) * (y - my), a.1 + (x - mx) * (x - mx))
        });
        if sxx <= 0.0 {
            return (None, now);
        }
        let slope = sxy / sxx;
        if !(slope.is_finite() && slope > 0.0) {
            return (None, now);
        }
        (Some(slope), my + slope * (position - mx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    /// Pulses at `bpm` from `t0`, each late or early by a normal draw of `jitter_ms`.
    fn pulses(bpm: f64, t0: f64, count: usize, jitter_ms: f64, seed: u64) -> Vec<f64> {
        let mut rng = Rng::new(seed);
        let pulse = 60_000.0 / bpm / PPQN;
        (0..count)
            .map(|i| t0 + i as f64 * pulse + jitter_ms * f64::from(rng.normal()))
            .collect()
    }

    #[test]
    fn start_runs_from_beat_zero_at_the_fitted_tempo() {
        let mut c = MidiClock::new();
        // a clock running before start: tempo known, nothing to follow yet
        for t in pulses(120.0, 0.0, 24, 0.0, 1) {
            assert_eq!(c.byte(t, TICK, 120.0), None);
        }
        assert!((c.bpm().unwrap() - 120.0).abs() < 1e-6);
        assert_eq!(c.byte(1000.0, START, 120.0), None);
        let (running, bpm, beats) = c.byte(1000.0, TICK, 120.0).unwrap();
        assert!(running && (bpm - 120.0).abs() < 1e-6 && beats.abs() < 1e-9);
        // one beat later
        let mut last = None;
        for i in 1..=24 {
            last = c.byte(1000.0 + i as f64 * 500.0 / 24.0, TICK, 120.0);
        }
        let (_, _, beats) = last.unwrap();
        assert!((beats - 1.0).abs() < 1e-9, "{beats}");
        let (running, _, beats) = c.byte(1600.0, STOP, 120.0).unwrap();
        assert!(!running && (beats - 25.0 / 24.0).abs() < 1e-9);
        assert_eq!(
            c.byte(1700.0, STOP, 120.0),
            None,
            "a second stop says nothing"
        );

        // a clock that sends no pulse before its start: its first pulse is beat 0, at the
        // object's own tempo; the second tells the clock's
        let mut c = MidiClock::new();
        assert_eq!(c.byte(0.0, START, 90.0), None);
        assert_eq!(c.byte(10.0, TICK, 90.0), Some((true, 90.0, 0.0)));
        let (running, bpm, beats) = c.byte(10.0 + 500.0 / 24.0, TICK, 90.0).unwrap();
        assert!(running && (bpm - 120.0).abs() < 1e-6, "{bpm}");
        assert!((beats - 1.0 / 24.0).abs() < 1e-9, "{beats}");
    }

    #[test]
    fn jittered_pulses_give_a_steady_position_and_tempo() {
        let mut c = MidiClock::new();
        c.byte(0.0, START, 120.0);
        let ts = pulses(120.0, 0.0, 24 * 60, 2.0, 7);
        let (mut fitted, mut naive) = (Vec::new(), Vec::new());
        let mut worst_bpm: f64 = 0.0;
        for (i, &t) in ts.iter().enumerate() {
            // the first pulse after a start with no clock before it: no tempo yet
            let Some((_, bpm, beats)) = c.byte(t, TICK, 120.0) else {
                assert_eq!(i, 0);
                continue;
            };
            if i >= FIT {
                // where the clock really is at `t` (beat = 500 ms), against the estimate, and
                // against the last pulse's own count
                fitted.push((beats * 500.0 - t).abs());
                naive.push((i as f64 / PPQN * 500.0 - t).abs());
                worst_bpm = worst_bpm.max((bpm - 120.0).abs());
            }
        }
        let p99 = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() * 99 / 100]
        };
        let (f, n) = (p99(&mut fitted), p99(&mut naive));
        eprintln!("p99 position error: fitted {f:.2} ms, last pulse {n:.2} ms; tempo within {worst_bpm:.2} BPM");
        assert!(f < 2.0 && f < 0.5 * n, "fitted {f} ms, last pulse {n} ms");
        assert!(worst_bpm < 1.0, "tempo strays {worst_bpm} BPM");
    }

    #[test]
    fn continue_picks_up_at_the_song_position_and_a_tempo_change_is_followed() {
        let mut c = MidiClock::new();
        for t in pulses(120.0, -500.0, 24, 0.0, 1) {
            c.byte(t, TICK, 120.0);
        }
        c.song_position(16.0); // bar 2
        c.byte(0.0, CONTINUE, 120.0);
        let (_, _, beats) = c.byte(0.0, TICK, 120.0).unwrap();
        assert!((beats - 4.0).abs() < 1e-9, "{beats}");
        let mut t = 0.0;
        for _ in 0..48 {
            t += 500.0 / 24.0;
            c.byte(t, TICK, 120.0);
        }
        // 120 -> 90 BPM: within two beats the tempo says so
        let mut bpm = 0.0;
        for _ in 0..48 {
            t += 60_000.0 / 90.0 / 24.0;
            bpm = c.byte(t, TICK, 120.0).unwrap().1;
        }
        assert!((bpm - 90.0).abs() < 0.01, "{bpm}");
        // song position is ignored while running
        c.song_position(0.0);
        let (_, _, beats) = c.byte(t + 60_000.0 / 90.0 / 24.0, TICK, 120.0).unwrap();
        assert!(beats > 8.0, "{beats}");
    }

    /// Found in review: a hiccup that hands several pulses over at once must not leave a pulse
    /// length of 0 (a tempo of infinity) behind, nor move the count on twice.
    #[test]
    fn a_burst_after_a_hiccup_is_counted_once_and_the_tempo_stays() {
        let mut c = MidiClock::new();
        c.byte(0.0, START, 120.0);
        let p = 500.0 / 24.0;
        let mut t = 0.0;
        for _ in 0..30 {
            c.byte(t, TICK, 120.0);
            t += p;
        }
        // 7 pulses delayed by a 150 ms hiccup, handed over at once
        t += 150.0 - p;
        let mut r = None;
        for _ in 0..7 {
            if let Some(x) = c.byte(t, TICK, 120.0) {
                r = Some(x);
            }
        }
        let (_, bpm, beats) = r.unwrap();
        assert!(bpm.is_finite() && beats.is_finite());
        for _ in 0..96 {
            t += p;
            r = c.byte(t, TICK, 120.0);
        }
        let (_, bpm, beats) = r.unwrap();
        assert!((bpm - 120.0).abs() < 1.0, "{bpm}");
        // where the master is: t / 500 ms a beat
        assert!((beats - t / 500.0).abs() < 0.05, "{beats} beats at {t} ms");
    }

    /// Found in review: a master that keeps its clock running while stopped must not move
    /// where `continue` picks up.
    #[test]
    fn pulses_while_stopped_do_not_move_the_song_position() {
        let mut c = MidiClock::new();
        c.byte(0.0, START, 120.0);
        let p = 500.0 / 24.0;
        let mut t = 0.0;
        for _ in 0..97 {
            c.byte(t, TICK, 120.0);
            t += p;
        }
        let (_, _, at_stop) = c.byte(t, STOP, 120.0).unwrap();
        for _ in 0..192 {
            assert_eq!(c.byte(t, TICK, 120.0), None);
            t += p;
        }
        c.byte(t, CONTINUE, 120.0);
        let (_, _, beats) = c.byte(t, TICK, 120.0).unwrap();
        assert!((beats - at_stop).abs() < 0.05, "{beats} against {at_stop}");
    }

    #[test]
    fn a_clock_that_pauses_is_said_once_and_refitted_from_its_return() {
        let mut c = MidiClock::new();
        c.byte(0.0, START, 120.0);
        let mut t = 0.0;
        for _ in 0..30 {
            c.byte(t, TICK, 120.0);
            assert_eq!(c.stalled(t + 20.0, 120.0), None);
            t += 500.0 / 24.0;
        }
        let said = c.stalled(t + 300.0, 120.0).expect("a stall is said");
        assert!(
            said.contains("stopped mid-song") && said.contains("120.0 BPM"),
            "{said}"
        );
        assert_eq!(c.stalled(t + 900.0, 120.0), None, "once");
        // a 2 s hole (a cable pulled), then pulses at 100 BPM
        t += 2000.0;
        let mut bpm = 0.0;
        for _ in 0..10 {
            bpm = c.byte(t, TICK, 120.0).unwrap().1;
            t += 600.0 / 24.0;
        }
        assert!((bpm - 100.0).abs() < 0.01, "{bpm}");
    }

    /// A clock of 4 beats at 120 BPM with 2 ms of jitter (seeded), stopped, told song position
    /// 0 and continued 1.5 s later with no pulse between: the clock, the jitter's draw, and
    /// when the first pulse after the continue is due (ms).
    fn stopped_then_continued(seed: u64) -> (MidiClock, Rng, f64) {
        let mut c = MidiClock::new();
        let mut rng = Rng::new(seed);
        c.byte(0.0, START, 120.0);
        let mut t = 0.0;
        for i in 0..96 {
            t = i as f64 * 500.0 / 24.0 + 2.0 * f64::from(rng.normal());
            c.byte(t, TICK, 120.0);
        }
        c.byte(t + 1.0, STOP, 120.0);
        c.song_position(0.0);
        let t1 = t + 1500.0;
        c.byte(t1 - 10.0, CONTINUE, 120.0);
        (c, rng, t1)
    }

    /// A continue after a silent stop (a master that sends no clock while stopped): the tempo
    /// fitted before carries over (the first pulses' own said up to 138 BPM for 120) and the
    /// first pulses are averaged onto it: from the second pulse on, 95 % of the positions within
    /// 1.5 ms of the master (p50 0.44, p95 1.22 here; 20 masters, 2 ms of jitter).
    #[test]
    fn a_continue_after_silence_carries_the_tempo_and_averages_its_first_pulses() {
        let pulse = 500.0 / 24.0;
        let mut errors = Vec::new();
        for seed in 1..=20 {
            let (mut c, mut rng, t1) = stopped_then_continued(seed);
            for i in 0..48 {
                let tt = t1 + i as f64 * pulse + 2.0 * f64::from(rng.normal());
                let (running, bpm, beats) = c.byte(tt, TICK, 120.0).expect("following");
                assert!(running && (bpm - 120.0).abs() < 1.0, "{bpm}");
                if i > 0 {
                    errors.push(((beats - (tt - t1) / 500.0) * 500.0).abs());
                }
            }
        }
        errors.sort_by(f64::total_cmp);
        let q = |f: f64| errors[((errors.len() - 1) as f64 * f) as usize];
        assert!(q(0.95) < 1.5, "p95 {:.2} ms from the master", q(0.95));
    }

    /// Found in review: a master stopped at 120 BPM and continued at 110 (a tempo changed
    /// while stopped): the old tempo must not be carried on for a beat (it put the song 23.6
    /// ms off before the fit took over with a jump). The carry is dropped once the pulses'
    /// span tells the new tempo (by the sixth pulse for 9 %): from the fourth pulse the
    /// position stays within 8 ms of the master (7.57 at worst here, 20 masters; a stricter
    /// rule dropped the carry on jitter alone at the same tempo).
    #[test]
    fn a_continue_at_another_tempo_drops_the_carried_one() {
        let mut worst: f64 = 0.0;
        for seed in 1..=20 {
            let (mut c, mut rng, t1) = stopped_then_continued(seed);
            let pulse = 60_000.0 / 110.0 / 24.0;
            for i in 0..48 {
                let tt = t1 + i as f64 * pulse + 2.0 * f64::from(rng.normal());
                let (_, _, beats) = c.byte(tt, TICK, 120.0).expect("following");
                if i >= 3 {
                    let truth = (tt - t1) / (pulse * 24.0);
                    worst = worst.max(((beats - truth) * pulse * 24.0).abs());
                }
            }
        }
        assert!(worst < 8.0, "{worst:.2} ms from a master back at 110 BPM");
    }
}
