//! Playing along: the accompanist generates its parts ahead of the playhead, from the chord
//! track (known [`DELTA1`] ahead) and the performer's notes (known `delta2` after they were
//! played), the Anticipatory Music Transformer's way. Each step samples the next event of the
//! parts; where a known chord or performer note arrives before it, that one goes into the
//! sequence instead and the sample is dropped, so the model always sees what it would have
//! seen in training.

use super::model::AccompModel;
use super::tokens::{
    self, delta2_token, duration_token, shift_token, Event, Setup, What, BOS, DURATION_BASE,
    HUMAN_BASE, MAX_DURATION, MAX_SHIFT, PART_BASE, SHIFT_BASE,
};
use crate::error::{Error, Result};
use crate::rng::Rng;

/// The lowest and highest temperature accepted.
pub const MAX_TEMPERATURE: f32 = 2.0;
/// The most notes each part starts at one instant: the bass and the melody one, the inner
/// voices two (as the chorales it learned from; a model that keeps adding notes at once is
/// made to move on).
pub const VOICES_PER_PART: [usize; 3] = [1, 2, 1];
/// At `harmony` 1, how much likelier a tone of the chord sounding is made than the model says
/// (in nats: e^4, about 55 times); at 0 the model plays as trained.
pub const HARMONY_NATS: f32 = 4.0;

/// The accompanist's state over one performance.
pub struct Accompanist {
    model: AccompModel,
    setup: Setup,
    delta2: u32,
    temperature: f32,
    rng: Rng,
    /// The sequence so far (header and events), as fed to the model.
    sequence: Vec<u16>,
    /// The logits after the last token fed.
    logits: Vec<f32>,
    /// When the last event in the sequence arrived (ticks); None before the first.
    last: Option<i64>,
    /// Chords and performer notes known, not yet in the sequence, by arrival.
    pending: Vec<Event>,
    /// The parts it may play (bass, inner, melody); the others are not sampled.
    roles: [bool; 3],
    /// How many notes each part starts at `last`.
    at_once: [usize; 3],
    /// Up to where the parts are decided (the last chunk's end; at first the performance's
    /// start, tick 0): nothing more starts before.
    horizon: i64,
    /// 0..1: how strongly the parts' pitches are pulled to the chord sounding (see
    /// [`HARMONY_NATS`]).
    harmony: f32,
    /// The chords in the sequence, by time (the latest few).
    chords: Vec<(i64, super::Chord)>,
    /// The parts it does not play are given exactly ([`Accompanist::set_exact_others`]).
    exact_others: bool,
}

/// How often a note meant for a given part is drawn again at one instant before the
/// accompanist takes it that nothing of its own parts starts there.
const REDRAWS: usize = 8;

impl Accompanist {
    /// Start a performance: `setup` (a performer plays, or not), `delta2` (ticks, one of
    /// [`tokens::DELTA2_CHOICES`]), a temperature and a seed.
    pub fn new(
        model: AccompModel,
        setup: Setup,
        delta2: u32,
        temperature: f32,
        seed: u64,
    ) -> Result<Accompanist> {
        Accompanist::start(model, setup, delta2, temperature, seed).map_err(|(e, _)| e)
    }

    /// As [`Accompanist::new`], giving the model back when it cannot start (a worker keeps
    /// it for the next start instead of losing it until a `load`).
    pub fn start(
        mut model: AccompModel,
        setup: Setup,
        delta2: u32,
        temperature: f32,
        seed: u64,
    ) -> std::result::Result<Accompanist, (Error, Box<AccompModel>)> {
        let header = match check_temperature(temperature)
            .and_then(|()| delta2_token(delta2))
            .map(|d| vec![BOS, setup.token(), d])
        {
            Ok(h) => h,
            Err(e) => return Err((e, Box::new(model))),
        };
        model.reset();
        let logits = match model.feed(&header) {
            Ok(l) => l,
            Err(e) => return Err((e, Box::new(model))),
        };
        let roles = match setup {
            Setup::Accompany => [true, true, false],
            Setup::Alone => [true, true, true],
        };
        Ok(Accompanist {
            model,
            setup,
            delta2,
            temperature,
            rng: Rng::new(seed),
            sequence: header,
            logits,
            last: None,
            pending: Vec::new(),
            roles,
            at_once: [0; 3],
            horizon: 0,
            harmony: 0.0,
            chords: Vec::new(),
            exact_others: false,
        })
    }

    pub fn setup(&self) -> Setup {
        self.setup
    }

    /// The model back, for another performance.
    pub fn into_model(self) -> AccompModel {
        self.model
    }

    pub fn delta2(&self) -> u32 {
        self.delta2
    }

    pub fn set_temperature(&mut self, t: f32) -> Result<()> {
        check_temperature(t)?;
        self.temperature = t;
        Ok(())
    }

    /// How strongly the parts keep to the chord sounding: 0 = as the model plays (trained),
    /// 1 = each tone of the chord e^[`HARMONY_NATS`] times likelier.
    pub fn set_harmony(&mut self, h: f32) -> Result<()> {
        if !h.is_finite() || !(0.0..=1.0).contains(&h) {
            return Err(Error::invalid(format!(
                "harmony {h} is out of range (0..1)"
            )));
        }
        self.harmony = h;
        Ok(())
    }

    /// The chord sounding at `time`, of those in the sequence.
    fn chord_at(&self, time: i64) -> Option<super::Chord> {
        let i = self.chords.partition_point(|c| c.0 <= time);
        Some(self.chords.get(i.checked_sub(1)?)?.1)
    }

    /// A chord or a performer's note, as soon as it is known (a chord of the track, a note
    /// just played). A part's note is refused.
    pub fn add(&mut self, e: Event) -> Result<()> {
        if matches!(e.what, What::Part(..)) {
            return Err(Error::invalid("the accompanist plays the parts itself"));
        }
        if matches!(e.what, What::Human(_)) && self.setup == Setup::Alone {
            return Err(Error::invalid(
                "the accompanist was started alone: start it accompanying to hear a performer",
            ));
        }
        self.insert_pending(e);
        Ok(())
    }

    /// A known event into the queue, by when it arrives (then what it is: the training order
    /// at one instant).
    fn insert_pending(&mut self, e: Event) {
        let a = e.arrival(self.delta2);
        let at = self
            .pending
            .partition_point(|p| (p.arrival(self.delta2), p.what) <= (a, e.what));
        self.pending.insert(at, e);
    }

    /// A note of a part that is given, not played by the model (compose mode's infill: the
    /// other parts, and the part's own notes around its gap), or any event [`add`](Self::add)
    /// takes: it goes into the sequence when it arrives, as it would have in training. Parts
    /// only when started alone (where every part is the model's).
    pub fn force(&mut self, e: Event) -> Result<()> {
        if matches!(e.what, What::Part(..)) && self.setup != Setup::Alone {
            return Err(Error::invalid(
                "given parts need an accompanist started alone (its parts are all Part events)",
            ));
        }
        match e.what {
            What::Part(role, _) if role > 2 => Err(Error::invalid(format!(
                "no part {role} (0 bass, 1 inner, 2 melody)"
            ))),
            What::Part(..) => {
                self.insert_pending(e);
                Ok(())
            }
            _ => self.add(e),
        }
    }

    /// Put every known event that arrives before `until` into the sequence without playing
    /// anything: the music before a gap, heard as it was. Nothing starts before `until` after.
    pub fn prime_until(&mut self, until: i64) -> Result<()> {
        while let Some(p) = self.pending.first().copied() {
            if p.arrival(self.delta2) >= until {
                break;
            }
            self.pending.remove(0);
            self.push(p)?;
        }
        self.horizon = self.horizon.max(until);
        Ok(())
    }

    /// Compose mode: the parts it does not play are given exactly (with [`force`]), so a note
    /// the model means for one of them is not a note of its own parts: that draw is taken
    /// back and drawn again (after [`REDRAWS`], nothing of its own starts at that instant).
    /// Without it, any note the model means is played by a part it plays (live, where the
    /// other parts are not given). Made for one part played at a time (compose mode's
    /// infill): with several, a drawn note of a higher part may come before a given note of a
    /// part between them at one instant.
    ///
    /// [`force`]: Self::force
    pub fn set_exact_others(&mut self, on: bool) {
        self.exact_others = on;
    }

    /// The parts it plays, of bass, inner voices, melody (the melody only when alone).
    pub fn set_roles(&mut self, roles: [bool; 3]) {
        self.roles = [roles[0], roles[1], roles[2] && self.setup == Setup::Alone];
    }

    /// Generate the parts' events that start before `until` (ticks from the performance's
    /// start): the chunk ahead of the playhead. Events come back in time order.
    pub fn generate_until(&mut self, until: i64) -> Result<Vec<Event>> {
        let mut out = Vec::new();
        // known events, and at most 4 notes per tick: a chunk always ends
        let ticks = (until - self.last.unwrap_or(0)).max(0) as usize;
        let mut budget = 2 * (self.pending.len() + 5 * (ticks + 2 * 48));
        if self.exact_others {
            budget *= REDRAWS + 1;
        }
        let mut redraws = 0;
        let mut released: Option<i64> = None;
        loop {
            budget = budget.checked_sub(1).ok_or_else(|| {
                Error::invalid("the accompanist made too many events in one chunk")
            })?;
            let last = self.last.unwrap_or_else(|| {
                self.pending
                    .first()
                    .map_or(0, |p| p.arrival(self.delta2).min(0))
            });
            // the next part event, after what is decided: a sample that fell past the last
            // chunk's end was dropped there, so the shift is drawn knowing it is at least that
            // far (the distribution truncated, not drawn again from the start)
            let room = self.room();
            let crowded = !room.iter().any(|&r| r);
            let least = (self.horizon.max(last) - last).min(i64::from(MAX_SHIFT)) as u16;
            let shift = i64::from(self.sample(SHIFT_BASE, MAX_SHIFT as u16 + 1, |s| {
                s >= least && (s > 0 || !crowded)
            })?);
            let candidate = last + shift;
            if let Some(p) = self.pending.first().copied() {
                // Given parts exactly: at one instant the parts come in order (bass, inner,
                // melody), so a given note of a part after the ones played waits until they
                // have had their turn at that instant (else a bass line would never start on a
                // beat where the melody is given).
                let after_own = match p.what {
                    What::Part(r, _) => (0..usize::from(r)).any(|q| self.roles[q]),
                    _ => false,
                };
                let waits = self.exact_others
                    && after_own
                    && p.arrival(self.delta2) == candidate
                    && released != Some(candidate);
                // (one arriving at or after the chunk's end waits for the next chunk, where the
                // performer's notes heard by then may come before it)
                if p.arrival(self.delta2) <= candidate && p.arrival(self.delta2) < until && !waits {
                    self.pending.remove(0);
                    self.push(p)?;
                    continue;
                }
            }
            if candidate >= until {
                self.horizon = self.horizon.max(until);
                return Ok(out);
            }
            let taken = self.exact_others.then(|| Taken {
                cache: self.model.snapshot(),
                sequence: self.sequence.clone(),
                logits: self.logits.clone(),
                last: self.last,
                at_once: self.at_once,
            });
            self.logits = self.feed(&[shift_token(shift)])?;
            if shift > 0 {
                self.at_once = [0; 3];
            }
            self.last = Some(candidate);
            let dur = u32::from(self.sample(DURATION_BASE, MAX_DURATION as u16, |_| true)?) + 1;
            self.logits = self.feed(&[duration_token(dur)])?;
            let room = self.room();
            let pull = match self.chord_at(candidate) {
                Some(c) if self.harmony > 0.0 => Some((c, self.harmony * HARMONY_NATS)),
                _ => None,
            };
            // (given parts exactly: any part's note may be drawn; one meant for a given part is
            // taken back below and drawn again. Drawing only its own parts once the given notes
            // of an instant are in was tried: the notes the model meant for the given parts
            // became its own, a bass twice as busy as the music on validation.)
            let exact = self.exact_others;
            let any: [bool; 3] = std::array::from_fn(|r| self.at_once[r] < VOICES_PER_PART[r]);
            let note = self.sample_biased(
                PART_BASE,
                HUMAN_BASE - PART_BASE,
                |i| match exact {
                    true => any[usize::from(i / 128)],
                    false => room[usize::from(i / 128)],
                },
                |i| match pull {
                    Some((c, nats)) if c.has((i % 128) as u8) => nats,
                    _ => 0.0,
                },
            )?;
            if let Some(t) = taken.filter(|_| !room[usize::from(note / 128)]) {
                // meant for a part that is given: not this draw
                self.model.restore(t.cache);
                self.sequence = t.sequence;
                self.logits = t.logits;
                self.last = t.last;
                self.at_once = t.at_once;
                // its own parts have had their turn at this instant: the given ones come now
                released = Some(candidate);
                redraws += 1;
                if redraws >= REDRAWS {
                    // nothing of its own starts there
                    self.horizon = self.horizon.max(candidate + 1);
                    redraws = 0;
                }
                continue;
            }
            redraws = 0;
            let what = What::Part((note / 128) as u8, (note % 128) as u8);
            self.at_once[usize::from(note / 128)] += 1;
            self.logits = self.feed(&[what.token()])?;
            out.push(Event {
                // (after a silence longer than a shift holds, the clock catches up here)
                time: candidate.max(self.horizon),
                duration: dur,
                what,
            });
        }
    }

    /// The parts that may still start a note at `last`: asked for, and not at their voices.
    fn room(&self) -> [bool; 3] {
        std::array::from_fn(|r| self.roles[r] && self.at_once[r] < VOICES_PER_PART[r])
    }

    /// Put a known event into the sequence.
    fn push(&mut self, e: Event) -> Result<()> {
        let a = e.arrival(self.delta2);
        let last = self.last.unwrap_or(a);
        let shift = (a - last).clamp(0, i64::from(MAX_SHIFT));
        self.logits = self.feed(&[
            shift_token(shift),
            duration_token(e.duration),
            e.what.token(),
        ])?;
        if shift > 0 {
            self.at_once = [0; 3];
        }
        if let What::Part(role, _) = e.what {
            // a given note counts against its part's voices at that instant
            self.at_once[usize::from(role).min(2)] += 1;
        }
        self.last = Some(last + shift);
        if let What::Chord(c) = e.what {
            if let Some(chord) = super::Chord::from_index(usize::from(c)) {
                let at = self.chords.partition_point(|x| x.0 <= e.time);
                self.chords.insert(at, (e.time, chord));
                // the sequence's own chords are what matter: a few past the latest
                if self.chords.len() > 64 {
                    self.chords.drain(..32);
                }
            }
        }
        Ok(())
    }

    /// Feed tokens, starting the context again from the header and the latest events when it
    /// would overflow.
    fn feed(&mut self, toks: &[u16]) -> Result<Vec<f32>> {
        let ctx = self.model.info().ctx;
        if self.model.cached() + toks.len() > ctx {
            // keep the header and the latest half context of whole events
            let keep = ((ctx / 2) / 3) * 3;
            let body = &self.sequence[3..];
            let from = body.len() - (body.len() / 3 * 3).min(keep);
            let from = from - from % 3;
            let mut seq = self.sequence[..3].to_vec();
            seq.extend_from_slice(&body[from..]);
            // a token of the event under way (its shift, its duration) stays with it
            self.model.reset();
            self.model.feed(&seq)?;
            self.sequence = seq;
        }
        self.sequence.extend_from_slice(toks);
        self.model.feed(toks)
    }

    /// Sample one of `n` tokens from `base` (those `allowed`, by index) from the logits, at
    /// the temperature (0: the most likely). Returns the index.
    fn sample(&mut self, base: u16, n: u16, allowed: impl Fn(u16) -> bool) -> Result<u16> {
        self.sample_biased(base, n, allowed, |_| 0.0)
    }

    /// [`sample`](Self::sample), each token's probability (after the temperature) times
    /// e^`bias(index)`.
    fn sample_biased(
        &mut self,
        base: u16,
        n: u16,
        allowed: impl Fn(u16) -> bool,
        bias: impl Fn(u16) -> f32,
    ) -> Result<u16> {
        let range = usize::from(base)..usize::from(base + n);
        let logits = &self.logits[range];
        let ok: Vec<u16> = (0..n).filter(|&i| allowed(i)).collect();
        if ok.is_empty() {
            return Err(Error::invalid("the accompanist has no part to play"));
        }
        if self.temperature == 0.0 {
            // the likeliest, as biased
            let key = |i: u16| logits[usize::from(i)] + bias(i);
            return Ok(*ok
                .iter()
                .max_by(|&&a, &&b| key(a).total_cmp(&key(b)))
                .expect("not empty"));
        }
        let max = ok
            .iter()
            .map(|&i| logits[usize::from(i)])
            .fold(f32::NEG_INFINITY, f32::max);
        let w: Vec<f64> = ok
            .iter()
            .map(|&i| {
                let l = (logits[usize::from(i)] - max) / self.temperature + bias(i);
                f64::from(l.exp())
            })
            .collect();
        let total: f64 = w.iter().sum();
        let mut x = f64::from(self.rng.uniform()) * total;
        for (k, &wi) in w.iter().enumerate() {
            x -= wi;
            if x <= 0.0 {
                return Ok(ok[k]);
            }
        }
        Ok(*ok.last().expect("not empty"))
    }
}

/// What a draw changed, to take it back (see [`Accompanist::set_exact_others`]).
struct Taken {
    cache: super::model::Cache,
    sequence: Vec<u16>,
    logits: Vec<f32>,
    last: Option<i64>,
    at_once: [usize; 3],
}

fn check_temperature(t: f32) -> Result<()> {
    if !t.is_finite() || !(0.0..=MAX_TEMPERATURE).contains(&t) {
        return Err(Error::invalid(format!(
            "temperature {t} is out of range (0..{MAX_TEMPERATURE})"
        )));
    }
    Ok(())
}

/// The events of a chord track: `symbols` one after the other, each `beats` long, repeated
/// over `bars` 4/4 bars from tick 0.
pub fn chord_track(symbols: &[super::Chord], beats: u32, total_beats: u32) -> Vec<Event> {
    let step = beats * tokens::TICKS_PER_BEAT;
    if symbols.is_empty() || step == 0 {
        return Vec::new();
    }
    (0..total_beats.div_ceil(beats))
        .map(|i| Event {
            time: i64::from(i * step),
            duration: step,
            what: What::chord(symbols[i as usize % symbols.len()]),
        })
        .collect()
}
