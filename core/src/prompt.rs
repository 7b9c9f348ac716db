//! A beat from words: the fragment bank's built-in text-to-audio, which works with nothing
//! downloaded. `prompt laid-back hiphop 88 bpm, ride, no crash, swing 58` is read as a beat
//! description ([`BeatPrompt::parse`]: style, tempo, swing, feel, density, drums to use or leave
//! out, length), the groove model plays it ([`make_beat`]), and the kit renders it; the words it
//! understood are said back, the others too, so a performer sees what was heard.
//!
//! The vocabulary (docs/fragments.md has it for performers):
//! - a style: the groove model's (`rock`, `funk`, `jazz`, `hiphop`, `latin`, `afrobeat`,
//!   `afrocuban`, `neworleans`, `dance`, `soul`, `reggae`, `country`, `pop`, `middleeastern`)
//!   and a few other names for them (`hip hop`, `boom bap`, `disco`, `house`, `techno`, `bossa`,
//!   `samba`, `second line`, `motown`, `r&b`, `ska`, `dub`);
//! - a tempo: `88 bpm` or `88bpm` (20-400), or `slow` (80), `medium` (100), `fast` (140);
//! - swing: `swing 58` (the off-beat 16ths, a drum machine's percent, 50-75), `swung` (58),
//!   `straight` (50), `shuffle` or `triplet` (8th notes on a triplet grid);
//! - feel: `laid-back` / `lazy` / `behind` (every hit a little late), `pushed` / `ahead` /
//!   `urgent` (a little early), `tight` (closer to the grid), `loose` (further from it);
//! - density: `sparse` / `minimal` / `simple` (the fewest hits of eight takes), `busy` / `dense`
//!   / `complex` (the most);
//! - drums: `kick`, `snare`, `hats` / `hi-hat`, `open hat`, `toms`, `crash`, `ride`, `rimshot`
//!   is not one (said back as not understood); `no X`, `without X`, `X off` leave a drum out,
//!   a drum named alone is wanted (the take that plays it is chosen; `ride` alone plays the
//!   ride instead of the hats);
//! - a length: `1 bar` .. `8 bars` (2 by default).

use crate::error::{Error, Result};
use crate::gesture::{feel_from_percent, swing_offset_from_percent};
use crate::groove::{Drummer, Request, STEPS, STYLES};
use crate::pattern::{Hit, Pattern};
use crate::voice::Voice;

/// The longest prompt taken (characters).
pub const MAX_PROMPT_CHARS: usize = 400;
/// The most words a `prompt` message takes.
pub const MAX_PROMPT_WORDS: usize = 64;
/// The most bars a beat from words has.
pub const MAX_BARS: usize = 8;
/// How many takes are drawn to choose among (density, wanted drums).
pub const TAKES: u64 = 8;

/// How busy the beat is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Density {
    Sparse,
    Busy,
}

/// What a prompt asked for. `None` / empty: not said (the model decides).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BeatPrompt {
    pub style: Option<&'static str>,
    pub bpm: Option<f64>,
    /// A drum machine's 16th swing, in percent (50 = straight).
    pub swing: Option<f32>,
    /// An 8th-note shuffle (the triplet grid).
    pub shuffle: bool,
    /// Every hit this many steps later (negative: earlier).
    pub lean: f32,
    /// The model's own timing scaled by this (tight < 1 < loose).
    pub looseness: f32,
    pub density: Option<Density>,
    pub wanted: Vec<Voice>,
    pub left_out: Vec<Voice>,
    pub bars: Option<usize>,
    /// What was understood, each as a short canonical phrase (`style hiphop`, `88 bpm`,
    /// `no crash`), in the prompt's order.
    pub understood: Vec<String>,
    /// The words not understood, as written.
    pub ignored: Vec<String>,
}

const STYLE_WORDS: &[(&str, &str)] = &[
    ("hip hop", "hiphop"),
    ("hip-hop", "hiphop"),
    ("boom bap", "hiphop"),
    ("boombap", "hiphop"),
    ("trap", "hiphop"),
    ("new orleans", "neworleans"),
    ("second line", "neworleans"),
    ("afro-cuban", "afrocuban"),
    ("afro cuban", "afrocuban"),
    ("cuban", "afrocuban"),
    ("afro", "afrobeat"),
    ("disco", "dance"),
    ("house", "dance"),
    ("techno", "dance"),
    ("bossa", "latin"),
    ("bossa nova", "latin"),
    ("samba", "latin"),
    ("motown", "soul"),
    ("r&b", "soul"),
    ("rnb", "soul"),
    ("ska", "reggae"),
    ("dub", "reggae"),
    ("middle eastern", "middleeastern"),
    ("middle-eastern", "middleeastern"),
];

const DRUM_WORDS: &[(&str, &[Voice])] = &[
    ("kick", &[Voice::Kick]),
    ("kicks", &[Voice::Kick]),
    ("bass drum", &[Voice::Kick]),
    ("snare", &[Voice::Snare]),
    ("snares", &[Voice::Snare]),
    ("open hat", &[Voice::OpenHat]),
    ("open hats", &[Voice::OpenHat]),
    ("open hi-hat", &[Voice::OpenHat]),
    ("hats", &[Voice::ClosedHat]),
    ("hat", &[Voice::ClosedHat]),
    ("hi-hat", &[Voice::ClosedHat]),
    ("hi hat", &[Voice::ClosedHat]),
    ("hi hats", &[Voice::ClosedHat]),
    ("hi-hats", &[Voice::ClosedHat]),
    ("hihat", &[Voice::ClosedHat]),
    ("hihats", &[Voice::ClosedHat]),
    ("closed hat", &[Voice::ClosedHat]),
    ("toms", &[Voice::LowTom, Voice::MidTom, Voice::HighTom]),
    ("tom", &[Voice::LowTom, Voice::MidTom, Voice::HighTom]),
    ("crash", &[Voice::Crash]),
    ("crashes", &[Voice::Crash]),
    ("cymbals", &[Voice::Crash]),
    ("ride", &[Voice::Ride]),
];

/// Words that carry nothing (said back neither as understood nor as ignored).
const FILLER: &[&str] = &[
    "a", "an", "the", "and", "with", "beat", "groove", "drums", "drum", "loop", "at", "in", "of",
    "some", "feel", "style", "please", "tempo", "pattern",
];

fn words_of(text: &str) -> Vec<String> {
    text.to_lowercase()
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '.')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

impl BeatPrompt {
    /// Read a beat description. An error for an empty prompt, one longer than
    /// [`MAX_PROMPT_CHARS`], or a number out of range (`900 bpm`, `swing 90`, `12 bars`); words
    /// it does not know are kept in [`BeatPrompt::ignored`].
    pub fn parse(text: &str) -> Result<BeatPrompt> {
        let text = text.trim();
        if text.is_empty() {
            return Err(Error::invalid(
                "the prompt is empty: describe a beat (\"laid-back hiphop 88 bpm no crash\")",
            ));
        }
        if text.chars().count() > MAX_PROMPT_CHARS {
            return Err(Error::invalid(format!(
                "the prompt has {} characters: at most {MAX_PROMPT_CHARS}",
                text.chars().count()
            )));
        }
        let w = words_of(text);
        let mut p = BeatPrompt {
            looseness: 1.0,
            ..BeatPrompt::default()
        };
        let mut i = 0;
        let num = |s: &str| s.trim_end_matches('%').parse::<f64>().ok();
        while i < w.len() {
            let one = w[i].as_str();
            let two = w.get(i + 1).map(|n| format!("{one} {n}"));
            let next = w.get(i + 1).map(String::as_str);
            // two-word names first
            if let Some(two) = &two {
                if let Some((_, s)) = STYLE_WORDS.iter().find(|(k, _)| k == two) {
                    p.set_style(s);
                    i += 2;
                    continue;
                }
                if let Some((_, v)) = DRUM_WORDS.iter().find(|(k, _)| k == two) {
                    let off = w.get(i + 2).map(String::as_str) == Some("off");
                    p.drum(v, two, off);
                    i += if off { 3 } else { 2 };
                    continue;
                }
            }
            // "no X", "without X", "no X Y" (a filler between: "without the crash"); "no
            // swing" is straight; "no" before anything else is not understood, nor is what
            // follows it
            if matches!(one, "no" | "without") {
                let mut j = i + 1;
                while w.get(j).is_some_and(|x| FILLER.contains(&x.as_str())) {
                    j += 1;
                }
                let after = w.get(j).map(String::as_str);
                if let Some(two_after) = w.get(j + 1).map(|n| format!("{} {n}", w[j])) {
                    if let Some((_, v)) = DRUM_WORDS.iter().find(|(k, _)| *k == two_after) {
                        p.drum(v, &two_after, true);
                        i = j + 2;
                        continue;
                    }
                }
                if let Some((k, v)) = after.and_then(|n| DRUM_WORDS.iter().find(|(k, _)| *k == n)) {
                    p.drum(v, k, true);
                    i = j + 1;
                    continue;
                }
                if matches!(
                    after,
                    Some("swing" | "swung" | "shuffle" | "shuffled" | "triplet" | "triplets")
                ) {
                    p.swing = Some(50.0);
                    p.shuffle = false;
                    p.understood.push("straight".into());
                    i = j + 1;
                    continue;
                }
                p.ignored.push(one.to_string());
                if let Some(a) = after {
                    p.ignored.push(a.to_string());
                }
                i = j + 1;
                continue;
            }
            // "X off"
            if let Some((k, v)) = DRUM_WORDS.iter().find(|(k, _)| *k == one) {
                let off = next == Some("off");
                p.drum(v, k, off);
                i += if off { 2 } else { 1 };
                continue;
            }
            if let Some(s) = STYLES.iter().find(|s| **s == one) {
                p.set_style(s);
                i += 1;
                continue;
            }
            if let Some((_, s)) = STYLE_WORDS.iter().find(|(k, _)| *k == one) {
                p.set_style(s);
                i += 1;
                continue;
            }
            // tempo: "88 bpm", "88bpm"
            let bpm_word = one.strip_suffix("bpm").filter(|n| !n.is_empty());
            let (bpm, used) = match (bpm_word.and_then(num), next) {
                (Some(b), _) => (Some(b), 1),
                (None, Some("bpm")) if num(one).is_some() => (num(one), 2),
                _ => (None, 0),
            };
            if used > 0 {
                let b = bpm.unwrap_or(f64::NAN);
                if !(20.0..=400.0).contains(&b) {
                    return Err(Error::invalid(format!(
                        "a tempo of {} bpm: 20 to 400",
                        w[i]
                    )));
                }
                p.set_bpm(b);
                i += used;
                continue;
            }
            match one {
                "slow" => p.set_bpm(80.0),
                "medium" | "mid-tempo" => p.set_bpm(100.0),
                "fast" | "uptempo" | "up-tempo" => p.set_bpm(140.0),
                "swing" | "swung" => {
                    // a number after it is its percent, unless it is a tempo or a length
                    let after = w.get(i + 2).map(String::as_str);
                    let pct = if one == "swing" && !matches!(after, Some("bpm" | "bar" | "bars")) {
                        next.and_then(num)
                    } else {
                        None
                    };
                    if let Some(x) = pct {
                        if !(50.0..=75.0).contains(&x) {
                            return Err(Error::invalid(format!(
                                "swing {x}: 50 (straight) to 75 (dotted)"
                            )));
                        }
                        i += 1;
                    }
                    let x = pct.unwrap_or(58.0) as f32;
                    p.swing = Some(x);
                    p.understood.push(format!("swing {x}"));
                }
                "straight" => {
                    p.swing = Some(50.0);
                    p.shuffle = false;
                    p.understood.push("straight".into());
                }
                "shuffle" | "shuffled" | "triplet" | "triplets" => {
                    p.shuffle = true;
                    p.understood.push("shuffle".into());
                }
                "laid-back" | "laidback" | "lazy" | "behind" | "relaxed" => {
                    p.lean = 0.08;
                    p.understood.push("laid-back".into());
                }
                "laid" if next == Some("back") => {
                    p.lean = 0.08;
                    p.understood.push("laid-back".into());
                    i += 1;
                }
                "pushed" | "pushing" | "ahead" | "urgent" | "rushed" => {
                    p.lean = -0.06;
                    p.understood.push("pushed".into());
                }
                "tight" | "quantized" | "robotic" => {
                    p.looseness = 0.3;
                    p.understood.push("tight".into());
                }
                "loose" | "sloppy" | "human" => {
                    p.looseness = 1.6;
                    p.understood.push("loose".into());
                }
                "sparse" | "minimal" | "simple" | "empty" => {
                    p.density = Some(Density::Sparse);
                    p.understood.push("sparse".into());
                }
                "busy" | "dense" | "complex" | "full" => {
                    p.density = Some(Density::Busy);
                    p.understood.push("busy".into());
                }
                _ => {
                    // "4 bars", "1 bar"
                    if let (Some(n), Some("bar" | "bars")) = (num(one), next) {
                        if n.fract() != 0.0 || !(1.0..=MAX_BARS as f64).contains(&n) {
                            return Err(Error::invalid(format!("{one} bars: 1 to {MAX_BARS}")));
                        }
                        p.bars = Some(n as usize);
                        p.understood.push(if n == 1.0 {
                            "1 bar".to_string()
                        } else {
                            format!("{n} bars")
                        });
                        i += 2;
                        continue;
                    }
                    if !FILLER.contains(&one) {
                        p.ignored.push(one.to_string());
                    }
                }
            }
            i += 1;
        }
        Ok(p)
    }

    fn set_style(&mut self, s: &str) {
        self.style = STYLES.iter().copied().find(|x| *x == s);
        self.understood.push(format!("style {s}"));
    }

    fn set_bpm(&mut self, b: f64) {
        self.bpm = Some(b);
        self.understood.push(format!("{b} bpm"));
    }

    fn drum(&mut self, voices: &[Voice], word: &str, out: bool) {
        for v in voices {
            if out {
                self.left_out.retain(|x| x != v);
                self.left_out.push(*v);
                self.wanted.retain(|x| x != v);
            } else {
                self.wanted.retain(|x| x != v);
                self.wanted.push(*v);
                self.left_out.retain(|x| x != v);
            }
        }
        self.understood.push(if out {
            format!("no {word}")
        } else {
            word.to_string()
        });
    }
}

/// The beat a prompt describes: [`TAKES`] loops of `drummer` with its style and feel (seeds
/// `seed * TAKES`, `seed * TAKES + 1`, ...), the one that best plays the drums asked for and the density asked
/// for chosen; then the swing, the lean and the looseness applied, the drums left out taken
/// out (and `ride` asked for alone: the hats played on the ride), and the 2-bar loop repeated
/// to the length asked for. Returns the pattern and the tempo (120 when not said).
pub fn make_beat(drummer: &mut dyn Drummer, p: &BeatPrompt, seed: u64) -> Result<(Pattern, f64)> {
    let mut takes = Vec::new();
    for k in 0..TAKES {
        let mut r = Request::new();
        r.set_style(p.style)?;
        // each seed its own takes (neighbouring seeds must not share them)
        r.set_seed(seed.wrapping_mul(TAKES).wrapping_add(k));
        if p.shuffle {
            r.set_feel(feel_from_percent(66.7)?)?;
        }
        takes.push(drummer.generate(&r)?.pattern);
    }
    let hits = |t: &Pattern| t.hits().count();
    let plays = |t: &Pattern, v: Voice| t.hits().any(|(_, x, _)| x == v);
    let ride_for_hats = p.wanted.contains(&Voice::Ride) && !p.wanted.contains(&Voice::ClosedHat);
    let mut order: Vec<usize> = (0..takes.len()).collect();
    let mut counts: Vec<usize> = takes.iter().map(hits).collect();
    counts.sort_unstable();
    let median = counts[counts.len() / 2] as f64;
    order.sort_by(|&a, &b| {
        let score = |t: &Pattern| {
            let missing = p
                .wanted
                .iter()
                .filter(|&&v| !(plays(t, v) || (v == Voice::Ride && ride_for_hats)))
                .count() as f64;
            let n = hits(t) as f64;
            let density = match p.density {
                Some(Density::Sparse) => n,
                Some(Density::Busy) => -n,
                None => (n - median).abs(),
            };
            missing * 1000.0 + density
        };
        score(&takes[a])
            .partial_cmp(&score(&takes[b]))
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.cmp(&b))
    });
    let chosen = &takes[order[0]];
    let mut beat = Pattern::empty_loop();
    beat.set_feel(chosen.feel())?;
    let swing = p
        .swing
        .map(swing_offset_from_percent)
        .transpose()?
        .unwrap_or(0.0);
    for (step, v, h) in chosen.hits() {
        // (the hats onto the ride first: "ride, no hats" plays them on the ride)
        let v = if ride_for_hats && v == Voice::ClosedHat {
            Voice::Ride
        } else {
            v
        };
        if p.left_out.contains(&v) {
            continue;
        }
        let mut offset = h.offset * p.looseness + p.lean;
        if step % 2 == 1 {
            offset += swing;
        }
        let hit = Hit::new(h.velocity, offset.clamp(-0.5, 0.5))?;
        // two drums onto one (hats onto the ride): the louder stays
        if beat.get(step, v).is_none_or(|x| x.velocity < hit.velocity) {
            beat.set(step, v, Some(hit))?;
        }
    }
    let bars = p.bars.unwrap_or(2);
    let steps = bars * crate::pattern::STEPS_PER_BAR;
    let parts: Vec<Pattern> = (0..steps.div_ceil(STEPS)).map(|_| beat.clone()).collect();
    let whole = Pattern::concat(&parts)?.window(0, steps)?;
    Ok((whole, p.bpm.unwrap_or(120.0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_is_read_word_by_word_and_said_back() {
        let p = BeatPrompt::parse("Laid-back hip hop 88 bpm, ride, no crash, swing 58").unwrap();
        assert_eq!(p.style, Some("hiphop"));
        assert_eq!(p.bpm, Some(88.0));
        assert_eq!(p.swing, Some(58.0));
        assert!(p.lean > 0.0);
        assert_eq!(p.wanted, vec![Voice::Ride]);
        assert_eq!(p.left_out, vec![Voice::Crash]);
        assert_eq!(
            p.understood,
            [
                "laid-back",
                "style hiphop",
                "88 bpm",
                "ride",
                "no crash",
                "swing 58"
            ]
        );
        assert!(p.ignored.is_empty(), "{:?}", p.ignored);
        let p = BeatPrompt::parse("a sparse funk groove, 4 bars, toms off, with rimshots").unwrap();
        assert_eq!(p.style, Some("funk"));
        assert_eq!(p.density, Some(Density::Sparse));
        assert_eq!(p.bars, Some(4));
        assert_eq!(
            p.left_out,
            vec![Voice::LowTom, Voice::MidTom, Voice::HighTom]
        );
        assert_eq!(p.ignored, ["rimshots"]);
        let p = BeatPrompt::parse("shuffle 120bpm without open hat").unwrap();
        assert!(p.shuffle);
        assert_eq!(p.bpm, Some(120.0));
        assert_eq!(p.left_out, vec![Voice::OpenHat]);
    }

    /// Found by a review: a number after `swing` that belongs to a tempo or a length, `no`
    /// before something that is not a drum, two-word drums with `off`, `hi hat` as two words.
    #[test]
    fn numbers_and_negations_go_to_the_right_words() {
        let p = BeatPrompt::parse("jazz swing 120 bpm").unwrap();
        assert_eq!((p.swing, p.bpm), (Some(58.0), Some(120.0)));
        let p = BeatPrompt::parse("swing 4 bars").unwrap();
        assert_eq!((p.swing, p.bars), (Some(58.0), Some(4)));
        let p = BeatPrompt::parse("funk no swing").unwrap();
        assert_eq!(p.swing, Some(50.0));
        assert!(p.understood.contains(&"straight".to_string()));
        let p = BeatPrompt::parse("no shuffle").unwrap();
        assert!(!p.shuffle);
        let p = BeatPrompt::parse("rock no funk").unwrap();
        assert_eq!(p.style, Some("rock"));
        assert_eq!(p.ignored, ["no", "funk"]);
        let p = BeatPrompt::parse("without the crash").unwrap();
        assert_eq!(
            (p.left_out.clone(), p.wanted.clone()),
            (vec![Voice::Crash], vec![])
        );
        let p = BeatPrompt::parse("no hi hat").unwrap();
        assert_eq!(p.left_out, vec![Voice::ClosedHat]);
        let p = BeatPrompt::parse("open hat off, bass drum off").unwrap();
        assert_eq!(p.left_out, vec![Voice::OpenHat, Voice::Kick]);
        assert!(p.wanted.is_empty() && p.ignored.is_empty(), "{p:?}");
        let p = BeatPrompt::parse("slow bpm").unwrap();
        assert_eq!(p.bpm, Some(80.0));
        let p = BeatPrompt::parse("rock 1 bar").unwrap();
        assert_eq!(p.understood, ["style rock", "1 bar"]);
    }

    #[test]
    fn bad_prompts_say_what_is_wrong() {
        let e = |t: &str| BeatPrompt::parse(t).unwrap_err().to_string();
        assert!(e("   ").contains("empty"));
        assert!(e(&"funk ".repeat(100)).contains("at most 400"));
        assert!(e("funk 900 bpm").contains("20 to 400"));
        assert!(e("swing 90").contains("50 (straight) to 75"));
        assert!(e("12 bars of rock").contains("1 to 8"));
    }
}
