//! Pattern files (JSON) and a text grid, for people and scripts:
//!
//! ```json
//! {"format": "bandmate-pattern", "version": 1, "bpm": 120.0, "steps": 32,
//!  "hits": [{"step": 0, "voice": "kick", "velocity": 0.8, "offset": 0.02}]}
//! ```

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
    hits: Vec<FileHit>,
}

/// A pattern as JSON text.
pub fn to_json(pattern: &Pattern, bpm: f64) -> String {
    let file = PatternFile {
        format: FORMAT.into(),
        version: VERSION,
        bpm,
        steps: pattern.steps(),
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
        assert!(from_json(&text.replace("\"version\": 1", "\"version\": 2"))
            .unwrap_err()
            .to_string()
            .contains("version 2"));
        let g = grid(&p);
        assert!(g.contains("kick       x..............."), "{g}");
        assert!(g.contains("open_hat   ......<........."), "{g}");
    }
}
