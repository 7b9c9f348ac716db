//! The groove model's evaluation on the GMD test windows (`bandmate eval`), after Gillick et al.
//! Table 1 (diversity of Humanize) and Table 2 (swing fidelity), plus score fidelity under
//! Humanize and onset fidelity under Drumify.
//!
//! **Units.** The paper's numbers are in Magenta's tensor convention: offsets scaled to
//! [-1, 1] (twice ours) and positive = *early* (`quantized - played`). Ours are fractions of a
//! step, positive = late. So paper = -2 x ours: the paper's swing targets -0.05 / -0.2 / -0.4
//! are off-beats 0.025 / 0.1 / 0.2 of a step *late* here. Every offset figure in the report is
//! given in the paper's units, so that it can sit beside the paper's, and in steps.
//!
//! **Cells.** Diversity is measured where the score has a hit (the notes that sound), on the
//! offsets the generator outputs; fidelity, swing and Drumify on the loop as it is played
//! (Humanize here is not strict: the generator's own hits are measured).

use std::path::Path;
use std::time::Instant;

use crate::error::{Error, ErrorKind, Result};
use crate::gesture::Groove;
use crate::groove::{Drummer, Request, STEPS};
use crate::npy::{read_npy, NpyData};
use crate::pattern::Hit;
use crate::voice::{Voice, VOICES};

/// Paper units per step unit (see the module docs): paper = PAPER_SCALE x ours.
pub const PAPER_SCALE: f32 = -2.0;
/// Table 2's swing targets, in the paper's units.
pub const SWING_TARGETS: [f32; 3] = [-0.05, -0.2, -0.4];
/// Humanizations per test score (Table 1).
pub const RUNS: usize = 5;

/// The paper's figures (factorized VAE + auxiliary decoders), to print beside ours.
pub const PAPER_DIVERSITY: f32 = 0.222;
pub const PAPER_SWING: [(f32, f32, f32); 3] = [
    (-0.091, 0.161, 0.042),
    (-0.214, 0.163, 0.014),
    (-0.366, 0.175, 0.034),
];

/// The test windows as the dataset export wrote them (docs/dataset.md).
pub struct Windows {
    pub hits: Vec<u8>,
    pub groove: Vec<f32>,
    pub count: usize,
}

impl Windows {
    /// Read `<root>/<split>/{hits,groove}.npy`; `limit` keeps the first N windows.
    pub fn read(root: &Path, split: &str, limit: Option<usize>) -> Result<Windows> {
        let dir = root.join(split);
        let bad = |p: &Path, m: String| Error::new(ErrorKind::Dataset(m)).at(p);
        let hp = dir.join("hits.npy");
        let gp = dir.join("groove.npy");
        let (hs, hd) = read_npy(&hp)?;
        let (gs, gd) = read_npy(&gp)?;
        let (NpyData::U8(hits), NpyData::F32(groove)) = (hd, gd) else {
            return Err(bad(
                &dir,
                "expected hits.npy uint8 and groove.npy float32".into(),
            ));
        };
        if hs.len() != 3 || hs[1] != STEPS || hs[2] != VOICES {
            return Err(bad(
                &hp,
                format!("shape {hs:?}; expected [N, {STEPS}, {VOICES}]"),
            ));
        }
        if gs != [hs[0], STEPS, 3] {
            return Err(bad(
                &gp,
                format!("shape {gs:?}; expected [{}, {STEPS}, 3]", hs[0]),
            ));
        }
        let count = limit.map_or(hs[0], |l| l.min(hs[0]));
        Ok(Windows {
            hits: hits[..count * STEPS * VOICES].to_vec(),
            groove: groove[..count * STEPS * 3].to_vec(),
            count,
        })
    }

    fn hits(&self, w: usize) -> &[u8] {
        &self.hits[w * STEPS * VOICES..(w + 1) * STEPS * VOICES]
    }
    fn groove(&self, w: usize) -> &[f32] {
        &self.groove[w * STEPS * 3..(w + 1) * STEPS * 3]
    }

    fn score_request(&self, w: usize) -> Result<Request> {
        let h = self.hits(w);
        let mut r = Request::new();
        for v in Voice::ALL {
            let row: Vec<f32> = (0..STEPS)
                .map(|s| h[s * VOICES + v.index()] as f32)
                .collect();
            r.set_score_row(v.name(), &row)?;
        }
        r.set_strict(false);
        Ok(r)
    }

    /// The played groove of window `w` (taps clamped into the accepted ranges).
    fn played_groove(&self, w: usize, swing: Option<f32>) -> Result<Groove> {
        let g = self.groove(w);
        let h = self.hits(w);
        let steps = (0..STEPS)
            .map(|s| {
                let any = (0..VOICES).any(|v| h[s * VOICES + v] > 0);
                if !any {
                    return Ok(None);
                }
                let vel = g[s * 3 + 1].clamp(1.0 / 127.0, 1.0);
                let off = match swing {
                    Some(t) if s % 2 == 1 => t,
                    Some(_) => 0.0,
                    None => g[s * 3 + 2].clamp(-0.5, 0.5),
                };
                Hit::new(vel, off).map(Some)
            })
            .collect::<Result<Vec<_>>>()?;
        Groove::from_steps(steps)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SwingRow {
    /// Target in the paper's units.
    pub target: f32,
    /// Mean and std of the generated off-beat offsets, paper units.
    pub mean: f32,
    pub std: f32,
    /// |mean - target|, paper units.
    pub diff: f32,
    pub hits: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub drummer: String,
    pub windows: usize,
    /// Table 1: mean element-wise std of timing offsets over the runs, paper units.
    pub diversity: f32,
    /// Humanize: hits against the given score.
    pub precision: f32,
    pub recall: f32,
    pub swing: Vec<SwingRow>,
    /// Drumify: generated onset steps against tapped steps.
    pub drumify_precision: f32,
    pub drumify_recall: f32,
    pub drumify_f1: f32,
    /// Drumify: mean |offset - tap offset| of hits on tapped steps, in steps.
    pub drumify_timing: f32,
    pub generations: usize,
    pub seconds: f64,
}

struct Counts {
    tp: f64,
    fp: f64,
    fn_: f64,
}

impl Counts {
    fn new() -> Counts {
        Counts {
            tp: 0.0,
            fp: 0.0,
            fn_: 0.0,
        }
    }
    fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.tp += 1.0,
            (true, false) => self.fp += 1.0,
            (false, true) => self.fn_ += 1.0,
            _ => {}
        }
    }
    fn precision(&self) -> f32 {
        (self.tp / (self.tp + self.fp).max(1.0)) as f32
    }
    fn recall(&self) -> f32 {
        (self.tp / (self.tp + self.fn_).max(1.0)) as f32
    }
}

fn mean_std(xs: &[f32]) -> (f32, f32) {
    if xs.is_empty() {
        return (0.0, 0.0);
    }
    let n = xs.len() as f64;
    let m = xs.iter().map(|&x| x as f64).sum::<f64>() / n;
    let v = xs.iter().map(|&x| (x as f64 - m).powi(2)).sum::<f64>() / n;
    (m as f32, v.sqrt() as f32)
}

/// Evaluate a drummer on the windows. `progress` is called after each window.
pub fn evaluate(
    drummer: &mut dyn Drummer,
    windows: &Windows,
    mut progress: impl FnMut(usize),
) -> Result<Report> {
    let started = Instant::now();
    let cells = STEPS * VOICES;
    let mut generations = 0;
    let (mut div_sum, mut div_n) = (0.0f64, 0usize);
    let mut fid = Counts::new();
    let mut swing_offsets: Vec<Vec<f32>> = vec![Vec::new(); SWING_TARGETS.len()];
    let mut onsets = Counts::new();
    let (mut timing_sum, mut timing_n) = (0.0f64, 0usize);
    for w in 0..windows.count {
        let h = windows.hits(w);
        // Table 1 and score fidelity: humanize RUNS times
        let humanize = windows.score_request(w)?;
        let mut req = humanize.clone();
        let mut runs = Vec::with_capacity(RUNS);
        for r in 0..RUNS {
            req.set_seed((w * RUNS + r) as u64);
            let g = drummer.generate(&req)?;
            let played = g.pattern.score().to_matrix();
            for i in 0..cells {
                fid.add(played[i] > 0.0, h[i] > 0);
            }
            runs.push(g.offsets);
            generations += 1;
        }
        for i in (0..cells).filter(|&i| h[i] > 0) {
            let xs: Vec<f32> = runs.iter().map(|o| o[i]).collect();
            div_sum += (mean_std(&xs).1 * PAPER_SCALE.abs()) as f64;
            div_n += 1;
        }
        // Table 2: the same score with a swung groove
        for (k, &target) in SWING_TARGETS.iter().enumerate() {
            let mut req = humanize.clone();
            req.set_groove(Some(windows.played_groove(w, Some(target / PAPER_SCALE))?))?;
            req.set_seed((w * 7 + k) as u64);
            let g = drummer.generate(&req)?;
            generations += 1;
            for (_, _, hit) in g.pattern.hits().filter(|h| h.0 % 2 == 1) {
                swing_offsets[k].push(hit.offset * PAPER_SCALE);
            }
        }
        // Drumify: the played groove alone
        let groove = windows.played_groove(w, None)?;
        let mut req = Request::drumify(groove.clone())?;
        req.set_strict(false);
        req.set_seed(w as u64);
        let g = drummer.generate(&req)?;
        generations += 1;
        for s in 0..STEPS {
            let tap = groove.get(s);
            let hits: Vec<Hit> = Voice::ALL
                .iter()
                .filter_map(|&v| g.pattern.get(s, v))
                .collect();
            onsets.add(!hits.is_empty(), tap.is_some());
            if let Some(t) = tap {
                for h in hits {
                    timing_sum += (h.offset - t.offset).abs() as f64;
                    timing_n += 1;
                }
            }
        }
        progress(w + 1);
    }
    let swing = SWING_TARGETS
        .iter()
        .zip(&swing_offsets)
        .map(|(&target, xs)| {
            let (mean, std) = mean_std(xs);
            SwingRow {
                target,
                mean,
                std,
                diff: (mean - target).abs(),
                hits: xs.len(),
            }
        })
        .collect();
    let (dp, dr) = (onsets.precision(), onsets.recall());
    Ok(Report {
        drummer: drummer.name(),
        windows: windows.count,
        diversity: (div_sum / div_n.max(1) as f64) as f32,
        precision: fid.precision(),
        recall: fid.recall(),
        swing,
        drumify_precision: dp,
        drumify_recall: dr,
        drumify_f1: if dp + dr > 0.0 {
            2.0 * dp * dr / (dp + dr)
        } else {
            0.0
        },
        drumify_timing: (timing_sum / timing_n.max(1) as f64) as f32,
        generations,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// The comparison table (Markdown), the paper's column first.
pub fn table(reports: &[Report]) -> String {
    let mut out = String::new();
    let names: Vec<String> = reports.iter().map(|r| format!("`{}`", r.drummer)).collect();
    out.push_str(&format!("| metric | paper | {} |\n", names.join(" | ")));
    out.push_str(&format!("|---|---:|{}\n", "---:|".repeat(reports.len())));
    let row = |out: &mut String, name: &str, paper: String, f: &dyn Fn(&Report) -> String| {
        let cells: Vec<String> = reports.iter().map(f).collect();
        out.push_str(&format!("| {name} | {paper} | {} |\n", cells.join(" | ")));
    };
    row(
        &mut out,
        "Table 1: diversity (std of offsets over 5 humanizations)",
        format!("{PAPER_DIVERSITY:.3}"),
        &|r| format!("{:.3}", r.diversity),
    );
    row(&mut out, "Humanize: hit precision", "-".into(), &|r| {
        format!("{:.3}", r.precision)
    });
    row(&mut out, "Humanize: hit recall", "-".into(), &|r| {
        format!("{:.3}", r.recall)
    });
    for (k, &t) in SWING_TARGETS.iter().enumerate() {
        let (pm, ps, pd) = PAPER_SWING[k];
        row(
            &mut out,
            &format!("Table 2: swing {t}: mean (std)"),
            format!("{pm:.3} ({ps:.3})"),
            &|r| format!("{:.3} ({:.3})", r.swing[k].mean, r.swing[k].std),
        );
        row(
            &mut out,
            &format!("Table 2: swing {t}: abs difference"),
            format!("{pd:.3}"),
            &|r| format!("{:.3}", r.swing[k].diff),
        );
    }
    row(
        &mut out,
        "Drumify: onset precision / recall / F1",
        "-".into(),
        &|r| {
            format!(
                "{:.3} / {:.3} / {:.3}",
                r.drumify_precision, r.drumify_recall, r.drumify_f1
            )
        },
    );
    row(
        &mut out,
        "Drumify: mean abs offset from the tap (steps)",
        "-".into(),
        &|r| format!("{:.3}", r.drumify_timing),
    );
    row(
        &mut out,
        "windows / generations / seconds",
        "2,192 / - / -".into(),
        &|r| format!("{} / {} / {:.1}", r.windows, r.generations, r.seconds),
    );
    out
}

/// Markers in a model card between which `bandmate eval --card` writes its table.
pub const CARD_BEGIN: &str = "<!-- eval:begin -->";
pub const CARD_END: &str = "<!-- eval:end -->";

/// Replace the text between the card's eval markers with `table` (atomically).
pub fn write_into_card(card: &Path, table: &str, split: &str) -> Result<()> {
    let text = std::fs::read_to_string(card).map_err(|e| Error::io(card, &e))?;
    let (Some(a), Some(b)) = (text.find(CARD_BEGIN), text.find(CARD_END)) else {
        return Err(Error::invalid(format!(
            "no {CARD_BEGIN} ... {CARD_END} markers to write the table between"
        ))
        .at(card));
    };
    if b < a {
        return Err(Error::invalid("the eval markers are in the wrong order").at(card));
    }
    let new = format!(
        "{}{CARD_BEGIN}\n_Written by `bandmate eval` on the GMD {split} split._\n\n{table}{}",
        &text[..a],
        &text[b..]
    );
    crate::fsutil::write_atomic(card, new.as_bytes())
}
