//! Drums that listen, measured (issue 20): how well the drums the groove object plays with
//! `listen 1` line up with what the performer plays next, beside simple followers.
//!
//! The setting: the performer plays two bars (heard), then two more (next). The drums that
//! play the next two bars were made from the heard ones: drumified from their taps, as the
//! object does. A drum loop's onsets are the 16th steps where any drum is hit; they are
//! compared with the steps where the performer plays in the next two bars (precision, recall
//! and F1, counted over all steps of all pairs, as the card's Drumify F1 is), and, for the
//! listening drums, with the heard bars too (how closely they take what they heard).
//!
//! Beside them: **echo**, the rule-based follower, which plays a drum on every step the
//! performer played in the heard bars; **not listening**, the same model's Generate (no
//! gesture); and **8th notes** (a drum on every 8th, a hi-hat keeping time).
//!
//! The performers: the GMD's drummers (every drum they hit as one instrument's taps, with
//! their velocities and timing), and the melodies of music21's works (the accompanist's
//! corpus; no dynamics in the scores, so every note at velocity 0.8, on the grid). Two bars
//! are eight beats for the melodies whatever the meter.
//!
//! One difference from the object, said: the object stops listening a beat before the loop's
//! boundary so that the next loop is ready in time (its window is the last beat of the bars
//! before and the first seven of these); here the heard window is the two bars themselves.

use std::collections::HashMap;
use std::path::Path;

use crate::accomp::data::read_works;
use crate::error::Result;
use crate::eval::{read_column, read_performances, Counts, Windows};
use crate::gesture::Groove;
use crate::groove::{Drummer, Request, STEPS};
use crate::pattern::Hit;
use crate::voice::Voice;

/// Two bars heard and the two after them.
pub struct Pair {
    pub heard: Groove,
    pub next: Vec<bool>,
}

/// The performers' phrases, paired.
pub struct Phrases {
    pub source: String,
    pub pairs: Vec<Pair>,
}

/// The steps of a groove that have a tap.
fn steps_of(g: &Groove) -> Vec<bool> {
    (0..STEPS).map(|s| g.get(s).is_some()).collect()
}

/// The GMD windows of `split` (the dataset export at `root`), paired with the window two bars
/// later in the same performance; at most `limit` pairs.
pub fn gmd_phrases(root: &Path, split: &str, limit: Option<usize>) -> Result<Phrases> {
    let windows = Windows::read(root, split, None)?;
    let ids = read_performances(root, split, windows.count)?;
    let bars = read_column(root, split, windows.count, "start_bar")?;
    let at: HashMap<(&str, &str), usize> = ids
        .iter()
        .zip(&bars)
        .enumerate()
        .map(|(w, (id, bar))| ((id.as_str(), bar.as_str()), w))
        .collect();
    let mut pairs = Vec::new();
    for w in 0..windows.count {
        if limit.is_some_and(|l| pairs.len() >= l) {
            break;
        }
        let Ok(bar) = bars[w].parse::<u32>() else {
            continue;
        };
        let later = (bar + 2).to_string();
        if let Some(&n) = at.get(&(ids[w].as_str(), later.as_str())) {
            pairs.push(Pair {
                heard: windows.taps(w)?,
                next: windows.onsets(n),
            });
        }
    }
    Ok(Phrases {
        source: format!("GMD {split}, the drummers' hits as taps"),
        pairs,
    })
}

/// The melodies (role 2) of the works of `split` in the accompanist's `events.json`, cut
/// into 8-beat phrases, each paired with the next; at most `limit` pairs. Phrases with no
/// note heard are left out (the object then plays on).
pub fn melody_phrases(events_json: &Path, split: &str, limit: Option<usize>) -> Result<Phrases> {
    const BEATS: f64 = 8.0;
    let steps_per_beat = (STEPS as f64) / BEATS;
    let mut pairs = Vec::new();
    'works: for work in read_works(events_json, split)? {
        let phrases = (work.end / BEATS).floor() as usize;
        let mut taps: Vec<Vec<Option<Hit>>> = vec![vec![None; STEPS]; phrases];
        for &(t, _, _, role) in &work.notes {
            if role != 2 {
                continue;
            }
            let x = t * steps_per_beat;
            let step = x.round();
            let (k, s) = (
                (step / STEPS as f64).floor() as usize,
                (step as usize) % STEPS,
            );
            if k < phrases {
                let offset = ((x - step) as f32).clamp(-0.5, 0.5);
                taps[k][s] = Some(Hit::new(0.8, offset)?);
            }
        }
        for k in 1..phrases {
            if limit.is_some_and(|l| pairs.len() >= l) {
                break 'works;
            }
            if taps[k - 1].iter().all(Option::is_none) {
                continue;
            }
            pairs.push(Pair {
                heard: Groove::from_steps(taps[k - 1].clone())?,
                next: taps[k].iter().map(Option::is_some).collect(),
            });
        }
    }
    Ok(Phrases {
        source: format!("music21 {split} melodies, 8-beat phrases"),
        pairs,
    })
}

/// One follower's figures.
#[derive(Debug, Clone)]
pub struct Row {
    pub name: &'static str,
    pub precision: f32,
    pub recall: f32,
    pub f1: f32,
    /// F1 against the heard bars (the listening drums only).
    pub heard_f1: Option<f32>,
    /// Drum onsets per two bars.
    pub onsets: f32,
}

fn row(name: &'static str, c: &Counts, heard: Option<&Counts>, onsets: usize, n: usize) -> Row {
    Row {
        name,
        precision: c.precision(),
        recall: c.recall(),
        f1: c.f1(),
        heard_f1: heard.map(Counts::f1),
        onsets: onsets as f32 / n.max(1) as f32,
    }
}

/// The drum loop's onsets.
fn drum_steps(g: &crate::groove::Generation) -> Vec<bool> {
    (0..STEPS)
        .map(|s| Voice::ALL.iter().any(|&v| g.pattern.get(s, v).is_some()))
        .collect()
}

/// The four followers on `phrases`: the listening drums (`drummer` drumifying the heard
/// bars at `temperature`), echo, not listening (Generate), 8th notes.
pub fn evaluate(
    drummer: &mut dyn Drummer,
    phrases: &Phrases,
    temperature: f32,
) -> Result<Vec<Row>> {
    let n = phrases.pairs.len();
    let (mut listen, mut listen_heard, mut echo, mut generate, mut eighths) = (
        Counts::new(),
        Counts::new(),
        Counts::new(),
        Counts::new(),
        Counts::new(),
    );
    let mut onsets = [0usize; 4];
    for (k, pair) in phrases.pairs.iter().enumerate() {
        let heard = steps_of(&pair.heard);
        let mut req = Request::drumify(pair.heard.clone())?;
        req.set_temperature(temperature)?;
        req.set_seed(k as u64);
        let drums = drum_steps(&drummer.generate(&req)?);
        let mut req = Request::new();
        req.set_temperature(temperature)?;
        req.set_seed(k as u64);
        let alone = drum_steps(&drummer.generate(&req)?);
        for s in 0..STEPS {
            let played = pair.next[s];
            listen.add(drums[s], played);
            listen_heard.add(drums[s], heard[s]);
            echo.add(heard[s], played);
            generate.add(alone[s], played);
            eighths.add(s % 2 == 0, played);
            for (o, on) in onsets
                .iter_mut()
                .zip([drums[s], heard[s], alone[s], s % 2 == 0])
            {
                *o += usize::from(on);
            }
        }
    }
    Ok(vec![
        row(
            "listening drums",
            &listen,
            Some(&listen_heard),
            onsets[0],
            n,
        ),
        row("echo (rule-based)", &echo, None, onsets[1], n),
        row("not listening (Generate)", &generate, None, onsets[2], n),
        row("8th notes", &eighths, None, onsets[3], n),
    ])
}

/// The figures as a Markdown table.
pub fn table(phrases: &Phrases, rows: &[Row]) -> String {
    let mut t = format!(
        "\n{} ({} pairs)\n\n| drums | precision | recall | F1 (next two bars) | F1 (heard bars) | onsets / 2 bars |\n|---|---|---|---|---|---|\n",
        phrases.source,
        phrases.pairs.len()
    );
    for r in rows {
        t += &format!(
            "| {} | {:.3} | {:.3} | {:.3} | {} | {:.1} |\n",
            r.name,
            r.precision,
            r.recall,
            r.f1,
            r.heard_f1.map_or("-".into(), |f| format!("{f:.3}")),
            r.onsets
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::RuleDrummer;

    fn groove(steps: &[usize]) -> Groove {
        let mut v = vec![None; STEPS];
        for &s in steps {
            v[s] = Some(Hit::new(0.8, 0.0).unwrap());
        }
        Groove::from_steps(v).unwrap()
    }

    #[test]
    fn a_performer_who_repeats_is_followed_by_the_echo_and_a_drummer_who_plays_every_tap() {
        let taps = [0, 4, 6, 8, 12, 16, 20, 22, 24, 28];
        let same = |s: usize| taps.contains(&s);
        let phrases = Phrases {
            source: "test".into(),
            pairs: vec![Pair {
                heard: groove(&taps),
                next: (0..STEPS).map(same).collect(),
            }],
        };
        let rows = evaluate(&mut RuleDrummer::new(), &phrases, 1.0).unwrap();
        let by = |name: &str| {
            rows.iter()
                .find(|r| r.name.starts_with(name))
                .unwrap()
                .clone()
        };
        assert_eq!(by("echo").f1, 1.0);
        assert_eq!(by("echo").onsets, taps.len() as f32);
        // the rule-based machine drumifies every tap: all of them heard and next
        assert_eq!(by("listening").heard_f1, Some(1.0));
        assert_eq!(by("listening").recall, 1.0);
        // 8th notes: every tap here is on an 8th, half of the 8ths are not played
        assert_eq!(by("8th").recall, 1.0);
        assert!((by("8th").precision - taps.len() as f32 / 16.0).abs() < 1e-6);
        // a performer who plays other steps next: the echo misses them all
        let phrases = Phrases {
            source: "test".into(),
            pairs: vec![Pair {
                heard: groove(&taps),
                next: (0..STEPS).map(|s| s % 4 == 3).collect(),
            }],
        };
        let rows = evaluate(&mut RuleDrummer::new(), &phrases, 1.0).unwrap();
        assert_eq!(rows[1].f1, 0.0);
        assert!(table(&phrases, &rows).contains("| echo (rule-based) | 0.000 |"));
    }
}
