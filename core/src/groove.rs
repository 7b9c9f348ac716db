//! Asking for a drum loop: the gestures a performer gives (any combination of per-voice Score
//! rows, a tapped Groove, Accents), a temperature and a seed, and what comes back: the loop and
//! the generator's own reading of each gesture (the auxiliary reconstructions).
//!
//! Two generators answer the same [`Request`]: the trained model ([`crate::model::GrooveModel`])
//! and the rule-based drum machine ([`crate::baseline::RuleDrummer`]), which is the fallback
//! when no model is loaded. Every value is checked here, before it reaches either.

use crate::error::{Error, Result};
use crate::gesture::{Accent, Groove, Score, VoiceScores};
use crate::pattern::{Hit, Pattern, LOOP_STEPS};
use crate::voice::{Voice, VOICES};

/// The model's unit: two bars of 16ths.
pub const STEPS: usize = LOOP_STEPS;
/// Highest temperature accepted (1 = the prior as trained; 0 = the most likely reading).
pub const MAX_TEMPERATURE: f32 = 3.0;
/// Largest "vary" step accepted (in standard deviations of the latent prior).
pub const MAX_VARY: f32 = 2.0;

/// What a request asks for, named after what it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Every voice's Score row given: play this, like a drummer.
    Humanize,
    /// Only a Groove given (a tapped rhythm, maybe Accents): turn it into drums.
    Drumify,
    /// Nothing given.
    Generate,
    /// A small step away from the last loop.
    Vary,
    /// Any other combination (some voices fixed, a groove, accents...).
    Mixed,
    /// The last loop with its end played as a drum fill in its feel.
    Fill,
}

impl Task {
    pub const ALL: [Task; 6] = [
        Task::Humanize,
        Task::Drumify,
        Task::Generate,
        Task::Vary,
        Task::Mixed,
        Task::Fill,
    ];

    /// The task called `name` ([`Task::name`]).
    pub fn parse(name: &str) -> Option<Task> {
        Task::ALL.into_iter().find(|t| t.name() == name)
    }

    pub fn name(self) -> &'static str {
        match self {
            Task::Humanize => "humanize",
            Task::Drumify => "drumify",
            Task::Generate => "generate",
            Task::Vary => "vary",
            Task::Mixed => "mixed",
            Task::Fill => "fill",
        }
    }
}

/// A request for one 2-bar loop. Build it with the setters: each checks its input (lengths,
/// ranges, NaN, voice names) and says what was wrong; a rejected value leaves the request as it
/// was.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    scores: VoiceScores,
    groove: Option<Groove>,
    accent: Option<Accent>,
    temperature: f32,
    seed: u64,
    strict: bool,
    style: Option<&'static str>,
    feel: f32,
}

/// The styles a loop can be asked in (the Groove MIDI Dataset's, those with at least 100
/// training windows; the shipped model's prior knows each one). The trained model draws the
/// kinds of loop it saw in that style; the rule-based drum machine has no styles.
pub const STYLES: [&str; 14] = [
    "rock",
    "latin",
    "jazz",
    "funk",
    "afrobeat",
    "afrocuban",
    "hiphop",
    "neworleans",
    "dance",
    "soul",
    "reggae",
    "country",
    "pop",
    "middleeastern",
];

impl Default for Request {
    fn default() -> Self {
        Request {
            scores: VoiceScores::new(),
            groove: None,
            accent: None,
            temperature: 1.0,
            seed: 0,
            strict: true,
            style: None,
            feel: 0.0,
        }
    }
}

fn check_len(what: &str, len: usize) -> Result<()> {
    if len != STEPS {
        return Err(Error::invalid(format!(
            "{what} has {len} steps; the model plays {STEPS} (two bars of 16ths)"
        )));
    }
    Ok(())
}

fn check_flag(what: &str, step: usize, x: f32) -> Result<bool> {
    if x == 0.0 {
        Ok(false)
    } else if x == 1.0 {
        Ok(true)
    } else {
        Err(Error::invalid(format!(
            "{what} step {step} is {x}; expected 0 or 1"
        )))
    }
}

impl Request {
    /// Nothing given: Generate.
    pub fn new() -> Request {
        Request::default()
    }

    /// Humanize: every voice's row of `score` given.
    pub fn humanize(score: &Score) -> Result<Request> {
        let mut r = Request::new();
        r.set_scores(VoiceScores::from_score(score))?;
        Ok(r)
    }

    /// Drumify: a tapped groove.
    pub fn drumify(groove: Groove) -> Result<Request> {
        let mut r = Request::new();
        r.set_groove(Some(groove))?;
        Ok(r)
    }

    pub fn set_scores(&mut self, scores: VoiceScores) -> Result<()> {
        if let Some(len) = scores.steps() {
            check_len("the score", len)?;
        }
        self.scores = scores;
        Ok(())
    }

    /// Fix one voice's row from host values (0 or 1 per step; all zeros = "none of this
    /// drum"). `voice` is a name or alias (`kick`, `bd`, `hh`...) or a GM note number.
    pub fn set_score_row(&mut self, voice: &str, values: &[f32]) -> Result<()> {
        let v = Voice::parse(voice)?;
        check_len(&format!("the {v} row"), values.len())?;
        let row = values
            .iter()
            .enumerate()
            .map(|(s, &x)| check_flag(&format!("the {v} row"), s, x))
            .collect::<Result<Vec<bool>>>()?;
        self.scores.set_row(v, row)
    }

    /// Give one voice back to the model.
    pub fn clear_score_row(&mut self, voice: &str) -> Result<()> {
        self.scores.clear_row(Voice::parse(voice)?);
        Ok(())
    }

    pub fn set_groove(&mut self, groove: Option<Groove>) -> Result<()> {
        if let Some(g) = &groove {
            check_len("the groove", g.steps())?;
        }
        self.groove = groove;
        Ok(())
    }

    /// A tapped groove from host values: per step a velocity (0 = no tap, else 0 < v <= 1) and
    /// an offset (-0.5..0.5 of a step, + = late).
    pub fn set_groove_values(&mut self, velocities: &[f32], offsets: &[f32]) -> Result<()> {
        check_len("the groove velocities", velocities.len())?;
        check_len("the groove offsets", offsets.len())?;
        let steps = velocities
            .iter()
            .zip(offsets)
            .enumerate()
            .map(|(s, (&v, &o))| {
                if v == 0.0 && o.is_finite() {
                    Ok(None)
                } else {
                    Hit::new(v, o)
                        .map(Some)
                        .map_err(|e| Error::invalid(format!("groove step {s}: {}", e.problem())))
                }
            })
            .collect::<Result<Vec<_>>>()?;
        self.set_groove(Some(Groove::from_steps(steps)?))
    }

    pub fn set_accent(&mut self, accent: Option<Accent>) -> Result<()> {
        if let Some(a) = &accent {
            check_len("the accents", a.steps())?;
        }
        self.accent = accent;
        Ok(())
    }

    /// Accents from host values (0 or 1 per step).
    pub fn set_accent_values(&mut self, values: &[f32]) -> Result<()> {
        check_len("the accents", values.len())?;
        let flags = values
            .iter()
            .enumerate()
            .map(|(s, &x)| check_flag("accent", s, x))
            .collect::<Result<Vec<bool>>>()?;
        self.set_accent(Some(Accent::from_flags(flags)?))
    }

    /// 0 = the most likely loop for the gestures; 1 = as trained; up to 3 = wilder.
    pub fn set_temperature(&mut self, t: f32) -> Result<()> {
        if !t.is_finite() || !(0.0..=MAX_TEMPERATURE).contains(&t) {
            return Err(Error::invalid(format!(
                "temperature {t} is out of range (0..{MAX_TEMPERATURE})"
            )));
        }
        self.temperature = t;
        Ok(())
    }

    pub fn set_seed(&mut self, seed: u64) {
        self.seed = seed;
    }

    /// Ask for a style (one of [`STYLES`]), or none (any: the loop's gestures decide).
    pub fn set_style(&mut self, style: Option<&str>) -> Result<()> {
        self.style = match style {
            None => None,
            Some(name) => Some(STYLES.iter().copied().find(|s| *s == name).ok_or_else(|| {
                Error::invalid(format!(
                    "style {name:?} is not one the model knows ({})",
                    STYLES.join(", ")
                ))
            })?),
        };
        Ok(())
    }

    pub fn style(&self) -> Option<&'static str> {
        self.style
    }

    /// Play the loop in an 8th-note feel: its off-beat 8ths `feel` steps late (0 = straight,
    /// 2/3 = triplet, 1 = dotted; see [`crate::pattern::feel_time`]). The generator plays on
    /// the swung grid: a given Groove's offsets, and the loop's, are against it.
    pub fn set_feel(&mut self, feel: f32) -> Result<()> {
        crate::pattern::check_feel(feel)?;
        self.feel = feel;
        Ok(())
    }

    pub fn feel(&self) -> f32 {
        self.feel
    }

    /// Strict (the default): the given Score rows are played exactly (an empty row stays
    /// silent); the generator still chooses how. Not strict: the generator's own hits, as
    /// `bandmate eval` measures them.
    pub fn set_strict(&mut self, strict: bool) {
        self.strict = strict;
    }

    pub fn scores(&self) -> &VoiceScores {
        &self.scores
    }
    pub fn groove(&self) -> Option<&Groove> {
        self.groove.as_ref()
    }
    pub fn accent(&self) -> Option<&Accent> {
        self.accent.as_ref()
    }
    pub fn temperature(&self) -> f32 {
        self.temperature
    }
    pub fn seed(&self) -> u64 {
        self.seed
    }
    pub fn strict(&self) -> bool {
        self.strict
    }

    /// Which of the paper's tasks this request is.
    pub fn task(&self) -> Task {
        let given = Voice::ALL
            .iter()
            .filter(|&&v| self.scores.row(v).is_some())
            .count();
        match (given, self.groove.is_some(), self.accent.is_some()) {
            (VOICES, false, false) => Task::Humanize,
            (0, true, _) => Task::Drumify,
            (0, false, false) => Task::Generate,
            _ => Task::Mixed,
        }
    }

    /// The given Score rows as a `32 x 9` matrix and a per-voice mask (1 = given).
    pub fn score_inputs(&self) -> ([f32; STEPS * VOICES], [f32; VOICES]) {
        let mut m = [0.0; STEPS * VOICES];
        let mut mask = [0.0; VOICES];
        for v in Voice::ALL {
            if let Some(row) = self.scores.row(v) {
                mask[v.index()] = 1.0;
                for (s, &on) in row.iter().enumerate() {
                    m[s * VOICES + v.index()] = on as u8 as f32;
                }
            }
        }
        (m, mask)
    }
}

/// The generator's reading of each gesture: what it understood the score, the groove and the
/// accents to be (the paper's auxiliary decoders; the rule-based drum machine reads them off
/// its own loop). Values are per step, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// `32 x 9` probability of a hit per voice.
    pub score: Vec<f32>,
    /// `32 x 3`: probability of a tap, its velocity, its offset.
    pub groove: Vec<f32>,
    /// `32` probability of an accent.
    pub accent: Vec<f32>,
}

impl Reading {
    /// The reading as gestures (a hit or accent where the probability is at least 0.5).
    pub fn score_view(&self) -> Score {
        let mut s = Score::new(STEPS).expect("32 steps is a valid score");
        for (i, &p) in self.score.iter().enumerate() {
            if p >= 0.5 {
                let v = Voice::from_index(i % VOICES).expect("index < 9");
                s.set(i / VOICES, v, true).expect("step < 32");
            }
        }
        s
    }
    pub fn groove_view(&self) -> Groove {
        let steps = self
            .groove
            .chunks(3)
            .map(|c| {
                (c[0] >= 0.5)
                    .then(|| Hit::new(c[1].clamp(1.0 / 127.0, 1.0), c[2].clamp(-0.5, 0.5)).ok())
                    .flatten()
            })
            .collect();
        Groove::from_steps(steps).expect("32 steps")
    }
    pub fn accent_view(&self) -> Accent {
        Accent::from_flags(self.accent.iter().map(|&p| p >= 0.5).collect()).expect("32 steps")
    }
}

/// One generated loop.
#[derive(Debug, Clone, PartialEq)]
pub struct Generation {
    /// The loop, ready to play, render or write as MIDI.
    pub pattern: Pattern,
    /// `32 x 9` hit probability, velocity and offset as the generator produced them, for every
    /// cell (also where no hit is played). The trained model's offsets are the ones drawn for
    /// this loop (its most likely timing plus the spread it learned, times the temperature).
    pub hit_probabilities: Vec<f32>,
    pub velocities: Vec<f32>,
    pub offsets: Vec<f32>,
    /// `32 x 9`: the timing the generator found most likely for each cell, before any per-hit
    /// draw (the model's decoded offsets for this latent; the rule-based machine's own offsets).
    /// The paper's model varies timing only through the latent: its diversity is measured here.
    pub likely_offsets: Vec<f32>,
    /// The generator's reading of each gesture.
    pub reading: Reading,
    /// Where in latent space this loop came from (empty for the rule-based drum machine);
    /// [`Drummer::vary`] steps from here.
    pub latent: Vec<f32>,
    /// What was asked.
    pub request: Request,
    pub task: Task,
}

/// Anything that turns a [`Request`] into a loop: the trained model or the rule-based drum
/// machine.
pub trait Drummer: Send {
    /// A short name for the console and the eval table.
    fn name(&self) -> String;
    /// One loop for the request.
    fn generate(&mut self, request: &Request) -> Result<Generation>;
    /// "Not too much at once": a loop a small step (`amount`, 0..2, in prior standard
    /// deviations) away from `last`, for the same gestures.
    fn vary(&mut self, last: &Generation, amount: f32, seed: u64) -> Result<Generation>;
    /// The trained model behind this drummer, where it is one (compose mode's infill needs
    /// its encoder).
    fn as_model(&mut self) -> Option<&mut crate::model::GrooveModel> {
        None
    }
    /// `last` with its last `beats` beats (1 to 4) played as a drum fill in its feel (the
    /// trained model's; the rule-based drum machine plays none).
    fn fill(&mut self, last: &Generation, beats: usize, seed: u64) -> Result<Generation> {
        let _ = (last, beats, seed);
        Err(Error::invalid(format!(
            "fill: {} plays no fills (load a model whose prior knows them)",
            self.name()
        )))
    }
}

/// Check a vary amount.
pub fn check_vary(amount: f32) -> Result<()> {
    if !amount.is_finite() || !(0.0..=MAX_VARY).contains(&amount) {
        return Err(Error::invalid(format!(
            "vary amount {amount} is out of range (0..{MAX_VARY})"
        )));
    }
    Ok(())
}

/// Turn per-cell outputs into a playable loop: a hit where the probability is at least 0.5
/// (strict requests: exactly the given Score rows), with the generator's velocity (kept
/// within MIDI's 1..127) and offset (kept within half a step), in the request's feel.
pub fn assemble(request: &Request, probs: &[f32], velocities: &[f32], offsets: &[f32]) -> Pattern {
    let mut p = Pattern::empty_loop();
    p.set_feel(request.feel).expect("a checked feel");
    for s in 0..STEPS {
        for v in Voice::ALL {
            let i = s * VOICES + v.index();
            let on = match (request.strict, request.scores.row(v)) {
                (true, Some(row)) => row[s],
                _ => probs[i] >= 0.5,
            };
            if on {
                let vel = velocities[i].clamp(1.0 / 127.0, 1.0);
                let off = offsets[i].clamp(-0.5, 0.5);
                let hit = Hit::new(vel, off).unwrap_or(Hit {
                    velocity: 0.7,
                    offset: 0.0,
                });
                p.set(s, v, Some(hit)).expect("32-step loop");
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(steps: &[usize]) -> Vec<f32> {
        let mut r = vec![0.0; STEPS];
        for &s in steps {
            r[s] = 1.0;
        }
        r
    }

    #[test]
    fn tasks_follow_what_is_given() {
        let mut r = Request::new();
        assert_eq!(r.task(), Task::Generate);
        r.set_score_row("kick", &row(&[0, 8])).unwrap();
        assert_eq!(r.task(), Task::Mixed);
        let (funk, _) = crate::patfile::preset("funk").unwrap();
        assert_eq!(
            Request::humanize(&funk.score()).unwrap().task(),
            Task::Humanize
        );
        let g = Groove::swing(STEPS, 0.2, 0.8).unwrap();
        assert_eq!(Request::drumify(g).unwrap().task(), Task::Drumify);
    }

    #[test]
    fn bad_values_are_rejected_and_leave_the_request_as_it_was() {
        let mut r = Request::new();
        r.set_score_row("snare", &row(&[4, 12])).unwrap();
        let before = r.clone();
        let e = r.set_score_row("cowbell", &row(&[1])).unwrap_err();
        assert!(e.to_string().contains("cowbell"), "{e}");
        let e = r.set_score_row("kick", &row(&[1])[..16]).unwrap_err();
        assert!(e.to_string().contains("16 steps"), "{e}");
        let mut bad = row(&[1]);
        bad[3] = f32::NAN;
        let e = r.set_score_row("kick", &bad).unwrap_err();
        assert!(e.to_string().contains("step 3"), "{e}");
        let mut vel = vec![0.0; STEPS];
        vel[5] = 1.5;
        let e = r.set_groove_values(&vel, &[0.0; STEPS]).unwrap_err();
        assert!(e.to_string().contains("groove step 5"), "{e}");
        assert!(e.to_string().contains("velocity 1.5"), "{e}");
        vel[5] = 0.5;
        let mut off = vec![0.0; STEPS];
        off[5] = f32::NAN;
        let e = r.set_groove_values(&vel, &off).unwrap_err();
        assert!(e.to_string().contains("offset NaN"), "{e}");
        off[5] = 0.0;
        off[7] = f32::INFINITY; // not a tap, but still not a number we accept
        assert!(r.set_groove_values(&vel, &off).is_err());
        assert!(r.set_accent_values(&[0.5; STEPS]).is_err());
        assert!(r.set_temperature(f32::NAN).is_err());
        assert!(r.set_temperature(-0.1).is_err());
        assert!(r.set_temperature(3.5).is_err());
        assert_eq!(r, before);
        assert!(check_vary(f32::NAN).is_err());
        assert!(check_vary(2.5).is_err());
        check_vary(0.3).unwrap();
    }

    #[test]
    fn strict_requests_play_exactly_the_given_rows() {
        let mut r = Request::new();
        r.set_score_row("kick", &row(&[0, 16])).unwrap();
        r.set_score_row("crash", &row(&[])).unwrap(); // none of this drum
        let probs = vec![0.9; STEPS * VOICES];
        let vel = vec![0.6; STEPS * VOICES];
        let off = vec![0.7; STEPS * VOICES]; // out of range: kept within half a step
        let p = assemble(&r, &probs, &vel, &off);
        let kicks: Vec<usize> = p
            .hits()
            .filter(|h| h.1 == Voice::Kick)
            .map(|h| h.0)
            .collect();
        assert_eq!(kicks, vec![0, 16]);
        assert!(p.hits().all(|h| h.1 != Voice::Crash));
        assert!(p.hits().all(|h| h.2.offset == 0.5));
        r.set_strict(false);
        let p = assemble(&r, &probs, &vel, &off);
        assert_eq!(p.hit_count(), STEPS * VOICES);
        assert_eq!(p.feel(), 0.0);
        r.set_feel(2.0 / 3.0).unwrap();
        assert!(r.set_feel(-1.5).is_err());
        assert_eq!(assemble(&r, &probs, &vel, &off).feel(), 2.0 / 3.0);
    }
}
