//! Pattern files (JSON) and a text grid, for people and scripts:
//!
//! ```json
//! {"format": "bandmate-pattern", "version": 1, "bpm": 120.0, "steps": 32,
//!  "hits": [{"step": 0, "voice": "kick", "velocity": 0.8, "offset": 0.02}]}
//! ```
//!
//! A loop in an 8th-note feel also has `"feel"`: steps its off-beat 8ths are late (see
//! [`crate::pattern::feel_time`]); the offsets are against that swung grid. Without it, straight.

use crate::error::{Error, ErrorKind, Result};
use crate::fsutil;
use crate::pattern::{check_bpm, Hit, Pattern, STEPS_PER_BAR};
use crate::voice::Voice;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const FORMAT: &str = "bandmate-pattern";
pub const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct FileHit {
    step: usize,
    voice: String,
    velocity: f32,
    #[serde(default)]
    offset: f32,
}

#[derive(Serialize, Deserialize)]
struct PatternFile {
    format: String,
    version: u32,
    bpm: f64,
    steps: usize,
    #[serde(default, skip_serializing_if = "is_straight")]
    feel: f32,
    hits: Vec<FileHit>,
}

fn is_straight(feel: &f32) -> bool {
    *feel == 0.0
}

/// A pattern as JSON text.
pub fn to_json(pattern: &Pattern, bpm: f64) -> String {
    let file = PatternFile {
        format: FORMAT.into(),
        version: VERSION,
        bpm,
        steps: pattern.steps(),
        feel: pattern.feel(),
        hits: pattern
            .hits()
            .map(|(step, voice, h)| FileHit {
                step,
                voice: voice.name().into(),
                velocity: h.velocity,
                offset: h.offset,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&file).expect("pattern serializes")
}

/// Parse JSON text into a pattern and its tempo; every value is checked.
pub fn from_json(text: &str) -> Result<(Pattern, f64)> {
    let bad = |m: String| Error::new(ErrorKind::PatternFile(m));
    let file: PatternFile = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    if file.format != FORMAT {
        return Err(bad(format!(
            "format is '{}', expected '{FORMAT}'",
            file.format
        )));
    }
    if file.version != VERSION {
        return Err(bad(format!(
            "version {} is not supported (this build reads version {VERSION})",
            file.version
        )));
    }
    check_bpm(file.bpm)?;
    let mut p = Pattern::new(file.steps)?;
    p.set_feel(file.feel)
        .map_err(|e| bad(e.problem().to_string()))?;
    for (i, h) in file.hits.iter().enumerate() {
        let voice = Voice::parse(&h.voice).map_err(|e| bad(format!("hit {i}: {}", e.problem())))?;
        let hit =
            Hit::new(h.velocity, h.offset).map_err(|e| bad(format!("hit {i}: {}", e.problem())))?;
        p.set(h.step, voice, Some(hit))
            .map_err(|e| bad(format!("hit {i}: {}", e.problem())))?;
    }
    Ok((p, file.bpm))
}

pub fn read_pattern_file(path: &Path) -> Result<(Pattern, f64)> {
    let bytes = fsutil::read(path)?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::new(ErrorKind::PatternFile("not UTF-8 text".into())).at(path))?;
    from_json(&text).map_err(|e| e.at(path))
}

pub fn write_pattern_file(path: &Path, pattern: &Pattern, bpm: f64) -> Result<()> {
    check_bpm(bpm).map_err(|e| e.at(path))?;
    fsutil::write_atomic(path, to_json(pattern, bpm).as_bytes())
}

/// A drum-machine grid, one line per voice that plays, bars separated by `|`:
/// `X` accented hit, `x` hit, `.` rest; `<`/`>` mark hits more than a quarter step early/late.
pub fn grid(pattern: &Pattern) -> String {
    let accents = pattern.accents();
    let mut out = String::new();
    for voice in Voice::ALL {
        if (0..pattern.steps()).all(|s| pattern.get(s, voice).is_none()) {
            continue;
        }
        out.push_str(&format!("{:<10} ", voice.name()));
        for s in 0..pattern.steps() {
            if s > 0 && s % STEPS_PER_BAR == 0 {
                out.push('|');
            }
            out.push(match pattern.get(s, voice) {
                None => '.',
                Some(h) if h.offset < -0.25 => '<',
                Some(h) if h.offset > 0.25 => '>',
                Some(_) if accents.get(s) => 'X',
                Some(_) => 'x',
            });
        }
        out.push('\n');
    }
    out
}

/// Parse a drum-machine grid: one line per voice, `<voice> <cells>`, cells `X` accent (0.95),
/// `x` hit (0.7), `o` ghost note (0.3), `.` or `-` rest; `|` and spaces between cells are ignored.
/// Every line must have the same number of steps; voices not named stay silent.
pub fn parse_grid(text: &str) -> Result<Pattern> {
    let bad = |m: String| Error::new(ErrorKind::PatternFile(m));
    let mut rows: Vec<(Voice, Vec<Option<f32>>)> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, cells) = line
            .split_once(char::is_whitespace)
            .ok_or_else(|| bad(format!("grid line {}: expected '<voice> <cells>'", n + 1)))?;
        let voice =
            Voice::parse(name).map_err(|e| bad(format!("grid line {}: {}", n + 1, e.problem())))?;
        let mut row = Vec::new();
        for c in cells.chars() {
            row.push(match c {
                'X' => Some(0.95),
                'x' => Some(0.7),
                'o' => Some(0.3),
                '.' | '-' => None,
                ' ' | '|' => continue,
                other => {
                    return Err(bad(format!(
                        "grid line {}: '{other}' is not one of X x o . -",
                        n + 1
                    )))
                }
            });
        }
        rows.push((voice, row));
    }
    let steps = rows
        .first()
        .map(|r| r.1.len())
        .ok_or_else(|| bad("empty grid".into()))?;
    let mut p = Pattern::new(steps)?;
    for (voice, row) in rows {
        if row.len() != steps {
            return Err(bad(format!(
                "{voice} has {} steps, the first line has {steps}",
                row.len()
            )));
        }
        for (s, v) in row.into_iter().enumerate() {
            if let Some(v) = v {
                p.set(s, voice, Some(Hit::on_grid(v)?))?;
            }
        }
    }
    Ok(p)
}

/// The built-in grooves: name, tempo, grid. The first one is the default.
pub const PRESETS: &[(&str, f64, &str)] = &[
    (
        "funk",
        96.0,
        "kick       X.....x...x..... | X.....x.x.......
         snare      ....X..o.o..X..o | ....X..o.o..X...
         closed_hat x.x.x.x.x.x.x.o. | x.x.x.x.x.x.x...
         open_hat   ................ | ..............x.",
    ),
    (
        "rock",
        120.0,
        "kick       X.......X.x..... | X.......X.x.....
         snare      ....X.......X... | ....X.......X...
         closed_hat x.x.x.x.x.x.x.x. | x.x.x.x.x.x.x.x.
         crash      ................ | ................",
    ),
    (
        "hiphop",
        88.0,
        "kick       X......x..X..... | X......x.xX.....
         snare      ....X.......X... | ....X.......X..o
         closed_hat x.xxx.x.x.xxx.x. | x.xxx.x.x.xxx.x.",
    ),
];

/// A built-in groove by name: the pattern and its tempo.
pub fn preset(name: &str) -> Result<(Pattern, f64)> {
    let (_, bpm, grid) = PRESETS
        .iter()
        .find(|p| p.0.eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            Error::invalid(format!(
                "no preset '{name}' (presets: {})",
                PRESETS.iter().map(|p| p.0).collect::<Vec<_>>().join(", ")
            ))
        })?;
    Ok((parse_grid(grid)?, *bpm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_and_errors() {
        let mut p = Pattern::new(16).unwrap();
        p.set(0, Voice::Kick, Some(Hit::new(0.9, 0.0).unwrap()))
            .unwrap();
        p.set(6, Voice::OpenHat, Some(Hit::new(0.3, -0.4).unwrap()))
            .unwrap();
        let text = to_json(&p, 96.0);
        assert_eq!(from_json(&text).unwrap(), (p.clone(), 96.0));
        let e = from_json(&text.replace("open_hat", "cowbell")).unwrap_err();
        assert!(
            e.to_string().contains("hit 1: unknown voice 'cowbell'"),
            "{e}"
        );
        let e = from_json(&text.replace("-0.4", "-0.9")).unwrap_err();
        assert!(e.to_string().contains("offset -0.9 is out of range"), "{e}");
        assert!(from_json("{").is_err());
        assert!(
            !text.contains("feel"),
            "a straight loop's file is as before"
        );
        let mut swung = p.clone();
        swung.set_feel(2.0 / 3.0).unwrap();
        let text = to_json(&swung, 96.0);
        assert!(text.contains("\"feel\": 0.6666"), "{text}");
        assert_eq!(from_json(&text).unwrap(), (swung, 96.0));
        let e = from_json(&text.replace("\"feel\": 0.6666", "\"feel\": 3.6666")).unwrap_err();
        assert!(e.to_string().contains("feel 3.6666"), "{e}");
        assert!(from_json(&text.replace("\"version\": 1", "\"version\": 2"))
            .unwrap_err()
            .to_string()
            .contains("version 2"));
        assert!(parse_grid("kick x..x\nsnare ..x").is_err());
        assert!(parse_grid("kick x.?x").is_err());
        for (name, _, _) in PRESETS {
            let (p, _) = preset(name).unwrap();
            assert_eq!(p.steps(), 32, "{name}");
        }
        assert!(preset("polka").is_err());
        let g = grid(&p);
        assert!(g.contains("kick       x..............."), "{g}");
        assert!(g.contains("open_hat   ......<........."), "{g}");
    }
}
