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
    /// (pulse position, arrival ms) of the last pulses, oldest first once full.
    ring: [(f64, f64); FIT],
    len: usize,
    head: usize,
    /// The last fitted pulse length, ms.
    pulse_ms: Option<f64>,
    /// A stall was said (until the next pulse).
    stall_said: bool,
}

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
            ring: [(0.0, 0.0); FIT],
            len: 0,
            head: 0,
            pulse_ms: None,
            stall_said: false,
        }
    }

    pub fn running(&self) -> bool {
        self.running
    }

    /// The tempo the pulses say (fitted), once there have been a few.
    pub fn bpm(&self) -> Option<f64> {
        self.pulse_ms.map(|p| 60_000.0 / (p * PPQN))
    }

    /// A realtime byte at `now` (ms). Returns the transport to follow, if it changed; other
    /// bytes (active sensing, reset) are ignored.
    pub fn byte(&mut self, now: f64, byte: u8) -> Option<Transport> {
        match byte {
            TICK => self.tick(now),
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
                was.then(|| (false, self.bpm().unwrap_or(120.0), beats))
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
        // the pulses before the start say the tempo but not the position: keep their lengths
        // by shifting them onto the new count when the first pulse comes (see `tick`)
    }

    /// Checked as time passes: a running clock whose pulses stopped mid-song (a cable pulled,
    /// the other laptop crashed) says so once, with how long it has been silent and the tempo
    /// the loop plays on at; the next pulse follows it again.
    pub fn stalled(&mut self, now: f64) -> Option<String> {
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
            self.bpm().unwrap_or(120.0)
        ))
    }

    fn tick(&mut self, now: f64) -> Option<Transport> {
        self.stall_said = false;
        let position = if self.armed {
            self.armed = false;
            self.running = true;
            // renumber what the ring holds so that it ends one pulse before this one: the
            // tempo fit goes on across the start
            if self.len > 0 {
                let last = self.ring[(self.head + FIT - 1) % FIT].0;
                let shift = self.next - 1.0 - last;
                for p in self.ring.iter_mut() {
                    p.0 += shift;
                }
            }
            self.next
        } else {
            self.next
        };
        self.next = position + 1.0;
        // a pause of more than 4 pulses (a clock that stopped and came back): the old pulses
        // say nothing about now
        if self.len > 0 {
            let (last_pos, last_ms) = self.ring[(self.head + FIT - 1) % FIT];
            let gap = now - last_ms;
            let expected = self.pulse_ms.unwrap_or(gap) * (position - last_pos);
            if gap > 4.0 * expected.max(1.0) || position <= last_pos {
                self.len = 0;
                self.head = 0;
            }
        }
        self.ring[self.head] = (position, now);
        self.head = (self.head + 1) % FIT;
        self.len = (self.len + 1).min(FIT);
        let (pulse_ms, at_position) = self.fit(position, now);
        if let Some(p) = pulse_ms {
            self.pulse_ms = Some(p);
        }
        if !self.running {
            return None;
        }
        let bpm = self.bpm()?;
        // where the fitted line says this pulse fell, carried on to `now`
        let beats = (position + (now - at_position) / self.pulse_ms?) / PPQN;
        Some((true, bpm, beats))
    }

    /// The least-squares line through the ring's (position, ms): the pulse length, and the time
    /// the line gives `position`. With too few pulses, the plain difference of the last two.
    fn fit(&self, position: f64, now: f64) -> (Option<f64>, f64) {
        let n = self.len;
        if n < 2 {
            return (None, now);
        }
        let pts = (0..n).map(|i| self.ring[(self.head + FIT - n + i) % FIT]);
        if n < MIN_FIT {
            let (p0, t0) = self.ring[(self.head + FIT - n) % FIT];
            return (Some((now - t0) / (position - p0)), now);
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
            assert_eq!(c.byte(t, TICK), None);
        }
        assert!((c.bpm().unwrap() - 120.0).abs() < 1e-6);
        assert_eq!(c.byte(1000.0, START), None);
        let (running, bpm, beats) = c.byte(1000.0, TICK).unwrap();
        assert!(running && (bpm - 120.0).abs() < 1e-6 && beats.abs() < 1e-9);
        // one beat later
        let mut last = None;
        for i in 1..=24 {
            last = c.byte(1000.0 + i as f64 * 500.0 / 24.0, TICK);
        }
        let (_, _, beats) = last.unwrap();
        assert!((beats - 1.0).abs() < 1e-9, "{beats}");
        let (running, _, beats) = c.byte(1600.0, STOP).unwrap();
        assert!(!running && (beats - 25.0 / 24.0).abs() < 1e-9);
        assert_eq!(c.byte(1700.0, STOP), None, "a second stop says nothing");
    }

    #[test]
    fn jittered_pulses_give_a_steady_position_and_tempo() {
        let mut c = MidiClock::new();
        c.byte(0.0, START);
        let ts = pulses(120.0, 0.0, 24 * 60, 2.0, 7);
        let (mut fitted, mut naive) = (Vec::new(), Vec::new());
        let mut worst_bpm: f64 = 0.0;
        for (i, &t) in ts.iter().enumerate() {
            // the first pulse after a start with no clock before it: no tempo yet
            let Some((_, bpm, beats)) = c.byte(t, TICK) else {
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
            c.byte(t, TICK);
        }
        c.song_position(16.0); // bar 2
        c.byte(0.0, CONTINUE);
        let (_, _, beats) = c.byte(0.0, TICK).unwrap();
        assert!((beats - 4.0).abs() < 1e-9, "{beats}");
        let mut t = 0.0;
        for _ in 0..48 {
            t += 500.0 / 24.0;
            c.byte(t, TICK);
        }
        // 120 -> 90 BPM: within two beats the tempo says so
        let mut bpm = 0.0;
        for _ in 0..48 {
            t += 60_000.0 / 90.0 / 24.0;
            bpm = c.byte(t, TICK).unwrap().1;
        }
        assert!((bpm - 90.0).abs() < 0.01, "{bpm}");
        // song position is ignored while running
        c.song_position(0.0);
        let (_, _, beats) = c.byte(t + 60_000.0 / 90.0 / 24.0, TICK).unwrap();
        assert!(beats > 8.0, "{beats}");
    }

    #[test]
    fn a_clock_that_pauses_is_said_once_and_refitted_from_its_return() {
        let mut c = MidiClock::new();
        c.byte(0.0, START);
        let mut t = 0.0;
        for _ in 0..30 {
            c.byte(t, TICK);
            assert_eq!(c.stalled(t + 20.0), None);
            t += 500.0 / 24.0;
        }
        let said = c.stalled(t + 300.0).expect("a stall is said");
        assert!(
            said.contains("stopped mid-song") && said.contains("120.0 BPM"),
            "{said}"
        );
        assert_eq!(c.stalled(t + 900.0), None, "once");
        // a 2 s hole (a cable pulled), then pulses at 100 BPM
        t += 2000.0;
        let mut bpm = 0.0;
        for _ in 0..10 {
            bpm = c.byte(t, TICK).unwrap().1;
            t += 600.0 / 24.0;
        }
        assert!((bpm - 100.0).abs() < 0.01, "{bpm}");
    }
}
