//! Fine-tuning the groove model on a performer's own loops, inside bandmate: the same network
//! as `models/train/groove_vae.py` in candle (pure Rust, on the CPU), started from a model
//! folder's weights (read out of its ONNX graphs), trained on the 2-bar windows of a folder of
//! MIDI loops, and written back as the same graphs with new weights, with a `model.json` and a
//! card saying what it saw and how it does against the model it started from. See docs/tune.md.

pub mod accomp;
pub mod net;
pub mod onnx;

use bandmate_core::error::{Error, Result};
use bandmate_core::eval::{self, Windows};
use bandmate_core::midi::MidiFile;
use bandmate_core::model::GrooveModel;
use bandmate_core::pattern::Pattern;
use bandmate_core::rng::Rng;
use bandmate_core::{fsutil, gmd};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use net::{c, err, Batch, Example, Net, VOICES};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How a fine-tuning runs. The defaults were chosen on the validation windows of one GMD
/// drummer (docs/tune.md).
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    pub epochs: usize,
    pub batch: usize,
    pub learning_rate: f64,
    pub seed: u64,
    /// Train the decoder only, the encoder as it was: the latent space stays the one the
    /// model's joint prior (prior.json) was fitted to. Off by default: on the validation
    /// drummer it gave a worse held-out likelihood and timing overlap (docs/tune.md).
    pub freeze_encoder: bool,
    /// How strongly the weights are held near the ones it started from: this times the sum of
    /// the squared changes is added to the loss ("L2-SP"), so that a few loops teach the
    /// performer's habits without unlearning the drummers'. 0: free.
    pub anchor: f64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            epochs: 20,
            batch: 32,
            learning_rate: 3e-4,
            seed: 1,
            freeze_encoder: false,
            anchor: 1.0,
        }
    }
}

/// The 2-bar windows (1-bar hop) of a performance: one training example each.
pub fn example(p: &Pattern) -> Example {
    let (hits, velocities, offsets) = p.to_matrices();
    Example {
        hits,
        velocities,
        offsets,
        groove: p.groove().to_matrix(),
        accent: p.accents().to_matrix(),
    }
}

/// The windows of MIDI files, as training examples, and the files that could not be read
/// (each with why: one bad file does not stop a training).
pub fn examples(files: &[PathBuf]) -> (Vec<Example>, Vec<(PathBuf, String)>) {
    let mut out = Vec::new();
    let mut bad = Vec::new();
    for f in files {
        match MidiFile::read(f).and_then(|m| gmd::windows(&m)) {
            Ok(ws) if ws.is_empty() => bad.push((f.clone(), "no 2-bar window with hits".into())),
            Ok(ws) => out.extend(ws.iter().map(|(_, p)| example(p))),
            Err(e) => bad.push((f.clone(), e.to_string())),
        }
    }
    (out, bad)
}

/// The examples as the evaluation reads windows.
pub fn windows(examples: &[Example]) -> Windows {
    Windows {
        hits: examples
            .iter()
            .flat_map(|e| e.hits.iter().map(|&h| (h > 0.0) as u8))
            .collect(),
        velocities: examples.iter().flat_map(|e| e.velocities.clone()).collect(),
        offsets: examples.iter().flat_map(|e| e.offsets.clone()).collect(),
        groove: examples.iter().flat_map(|e| e.groove.clone()).collect(),
        count: examples.len(),
    }
}

/// Which gestures the decoder is shown, drawn as train.py's `random_masks` does.
fn masks(rng: &mut Rng, n: usize) -> Vec<([f32; VOICES], f32, f32)> {
    (0..n)
        .map(|_| {
            let u = rng.uniform();
            let mut score = [0.0; VOICES];
            for s in score.iter_mut() {
                let coin = rng.uniform() < 0.5;
                *s = if u < 0.35 || (u >= 0.6 && coin) {
                    1.0
                } else {
                    0.0
                };
            }
            let groove = (rng.uniform() < 0.4) as u8 as f32;
            let accent = (rng.uniform() < 0.5) as u8 as f32;
            (score, groove, accent)
        })
        .collect()
}

pub use bandmate_core::training::Progress;

/// A fine-tuned network and how it went.
pub struct Tuned {
    pub net: Net,
    pub epochs: usize,
    pub seconds: f64,
    /// The held-out loss before and after.
    pub held_out_before: Option<f32>,
    pub held_out_after: Option<f32>,
    /// The held-out negative log-likelihood of the performances (hits, timing, velocity)
    /// before and after.
    pub nll_before: Option<f32>,
    pub nll_after: Option<f32>,
}

/// The held-out loss and negative log-likelihood (see [`net::LossParts`]) of `examples`, per
/// window, with fixed masks and z at the posterior mean: the same for every call.
pub fn held_out(net: &Net, examples: &[Example]) -> Result<Option<(f32, f32)>> {
    if examples.is_empty() {
        return Ok(None);
    }
    let mut rng = Rng::new(1234);
    let (mut sum, mut nll, mut n) = (0.0f64, 0.0f64, 0usize);
    for chunk in examples.chunks(64) {
        let refs: Vec<&Example> = chunk.iter().collect();
        let b = Batch::new(&refs, &masks(&mut rng, refs.len()), None, net.sizes.z())?;
        let (_, parts) = net.loss(&b)?;
        sum += parts.total as f64 * refs.len() as f64;
        nll += parts.nll as f64 * refs.len() as f64;
        n += refs.len();
    }
    Ok(Some(((sum / n as f64) as f32, (nll / n as f64) as f32)))
}

/// Fine-tunes the model of folder `base` on `train`, reporting each epoch; `held_out` is only
/// measured (never chosen on). `cancel` stops it between two steps with an error that says so.
pub fn fine_tune(
    base: &Path,
    train: &[Example],
    held_out_set: &[Example],
    opts: &Options,
    progress: &mut dyn FnMut(&Progress),
    cancel: &AtomicBool,
) -> Result<Tuned> {
    if train.is_empty() {
        return Err(err(
            "nothing to train on: no 2-bar window with hits in the loops given",
        ));
    }
    if opts.epochs == 0
        || opts.batch == 0
        || !opts.learning_rate.is_finite()
        || opts.learning_rate <= 0.0
    {
        return Err(err("epochs, batch and learning rate must be above 0"));
    }
    if !opts.anchor.is_finite() || opts.anchor < 0.0 {
        return Err(err(format!("anchor {}: expected 0 or more", opts.anchor)));
    }
    let net = Net::load(base)?;
    let started = Instant::now();
    let before = held_out(&net, held_out_set)?;
    let vars = if opts.freeze_encoder {
        net.decoder_vars()
    } else {
        net.vars()
    };
    let mut stepper = Steps::new(vars, opts.learning_rate, opts.anchor, opts.epochs)?;
    let mut rng = Rng::new(opts.seed);
    let z = net.sizes.z();
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut last = before;
    for epoch in 0..opts.epochs {
        // shuffled (Fisher-Yates), batches of opts.batch
        for i in (1..order.len()).rev() {
            order.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let (mut sum, mut steps) = (0.0f64, 0usize);
        for chunk in order.chunks(opts.batch) {
            if cancel.load(Ordering::Relaxed) {
                return Err(err("training cancelled; nothing was written"));
            }
            let refs: Vec<&Example> = chunk.iter().map(|&k| &train[k]).collect();
            let eps: Vec<f32> = (0..refs.len() * z).map(|_| rng.normal()).collect();
            let b = Batch::new(&refs, &masks(&mut rng, refs.len()), Some(eps), z)?;
            let (loss, parts) = net.loss(&b)?;
            stepper.step(loss)?;
            sum += parts.total as f64;
            steps += 1;
        }
        stepper.end_epoch(epoch);
        last = held_out(&net, held_out_set)?;
        let mean = (sum / steps.max(1) as f64) as f32;
        progress(&stepper.progress(started, epoch, mean, last.map(|l| l.0)));
    }
    Ok(Tuned {
        net,
        epochs: opts.epochs,
        seconds: started.elapsed().as_secs_f64(),
        held_out_before: before.map(|l| l.0),
        held_out_after: last.map(|l| l.0),
        nll_before: before.map(|l| l.1),
        nll_after: last.map(|l| l.1),
    })
}

/// The optimisation both trainers run: AdamW (no weight decay) over `vars`, each step's loss
/// plus the anchor (L2-SP: `anchor` times the squared distance from the weights it started
/// from), the gradients clipped to norm 1, the learning rate decaying as a cosine to a
/// twentieth over the epochs (as train.py).
pub struct Steps {
    vars: Vec<candle_core::Var>,
    start: Vec<candle_core::Tensor>,
    opt: AdamW,
    learning_rate: f64,
    anchor: f64,
    epochs: usize,
}

impl Steps {
    pub fn new(
        vars: Vec<candle_core::Var>,
        learning_rate: f64,
        anchor: f64,
        epochs: usize,
    ) -> Result<Steps> {
        let params = ParamsAdamW {
            lr: learning_rate,
            weight_decay: 0.0,
            ..Default::default()
        };
        let opt = AdamW::new(vars.clone(), params).map_err(c)?;
        let start = vars
            .iter()
            .map(|v| v.as_tensor().copy().map(|t| t.detach()))
            .collect::<candle_core::Result<_>>()
            .map_err(c)?;
        Ok(Steps {
            vars,
            start,
            opt,
            learning_rate,
            anchor,
            epochs,
        })
    }

    /// One step down `loss` (the anchor added here).
    pub fn step(&mut self, mut loss: candle_core::Tensor) -> Result<()> {
        if self.anchor > 0.0 {
            for (v, w0) in self.vars.iter().zip(&self.start) {
                let d = (v.as_tensor() - w0)
                    .and_then(|d| d.sqr())
                    .and_then(|d| d.sum_all())
                    .and_then(|d| d * self.anchor)
                    .map_err(c)?;
                loss = (loss + d).map_err(c)?;
            }
        }
        let mut grads = loss.backward().map_err(c)?;
        clip_grad_norm(&self.vars, &mut grads, 1.0)?;
        self.opt.step(&grads).map_err(c)
    }

    /// Epoch `epoch` (from 0) is over: the learning rate for the next.
    pub fn end_epoch(&mut self, epoch: usize) {
        let frac = (epoch + 1) as f64 / self.epochs as f64;
        self.opt.set_learning_rate(
            self.learning_rate * (0.05 + 0.95 * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos())),
        );
    }

    /// What epoch `epoch` (from 0) reports, the training having started at `started`.
    pub fn progress(
        &self,
        started: Instant,
        epoch: usize,
        loss: f32,
        held_out: Option<f32>,
    ) -> Progress {
        let elapsed = started.elapsed();
        let per = elapsed.as_secs_f64() / (epoch + 1) as f64;
        Progress {
            epoch: epoch + 1,
            epochs: self.epochs,
            loss,
            held_out,
            elapsed,
            left: Duration::from_secs_f64(per * (self.epochs - epoch - 1) as f64),
        }
    }
}

/// `torch.nn.utils.clip_grad_norm_`: all gradients scaled so that their joint L2 norm is at
/// most `max`; returns the norm before.
pub fn clip_grad_norm(
    vars: &[candle_core::Var],
    grads: &mut candle_core::backprop::GradStore,
    max: f64,
) -> Result<f64> {
    let mut sq = 0.0f64;
    for v in vars {
        if let Some(g) = grads.get(v) {
            sq += g
                .sqr()
                .and_then(|t| t.sum_all())
                .and_then(|t| t.to_scalar::<f32>())
                .map_err(c)? as f64;
        }
    }
    let norm = sq.sqrt();
    let coef = max / (norm + 1e-6);
    if coef < 1.0 {
        for v in vars {
            if let Some(g) = grads.remove(v) {
                grads.insert(v, (g * coef).map_err(c)?);
            }
        }
    }
    Ok(norm)
}

/// Humanize figures of a model on windows against their real performances (the groove
/// model's evaluation, `bandmate eval`): what a card compares.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub offset_overlap: Option<f32>,
    pub velocity_overlap: Option<f32>,
    pub offset_r: Option<f32>,
    pub velocity_r: Option<f32>,
    pub swing: Option<f32>,
    pub velocity_spread: Option<f32>,
}

/// The figures of the model in `dir` on `examples`, and the real performances' own.
pub fn figures(dir: &Path, examples: &[Example]) -> Result<(Figures, Figures)> {
    let w = windows(examples);
    let mut model = GrooveModel::load(dir)?;
    let r = eval::evaluate(&mut model, &w, |_| {})?;
    let real = eval::reference(&w);
    Ok((
        Figures {
            offset_overlap: r.offset_overlap,
            velocity_overlap: r.velocity_overlap,
            offset_r: r.offset_r,
            velocity_r: r.velocity_r,
            swing: r.music.swing.get(),
            velocity_spread: r.music.spread.get(),
        },
        Figures {
            offset_overlap: None,
            velocity_overlap: None,
            offset_r: None,
            velocity_r: None,
            swing: real.music.swing.get(),
            velocity_spread: real.music.spread.get(),
        },
    ))
}

/// What a new model folder's card and model.json record.
pub struct Record<'a> {
    pub name: &'a str,
    pub base: &'a Path,
    pub files: &'a [PathBuf],
    pub held_out_files: &'a [PathBuf],
    pub train_windows: usize,
    /// The held-out files' windows (the card's figures are measured on them).
    pub held_out: &'a [Example],
    pub options: &'a Options,
    pub command: &'a str,
}

pub use bandmate_core::training::check_name;

/// Where a new model NAME goes in the library: refused for a name that is not a plain folder
/// name ([`check_name`]) or one the library holds already (checked before a training, and again
/// before writing).
pub fn free_place(library: &Path, name: &str) -> Result<PathBuf> {
    check_name(name)?;
    let dest = library.join(name);
    if dest.exists() {
        return Err(err(format!(
            "{}: a model of that name is in the library already (choose another name)",
            dest.display()
        )));
    }
    Ok(dest)
}

/// Writes the tuned model as `library/NAME/` (graphs, model.json, the base's prior.json, a
/// card README.md), all into a hidden folder first, renamed into place at the end: a model in
/// the library is always whole. An existing NAME is refused (nothing is overwritten).
pub fn write_model(library: &Path, tuned: &Tuned, rec: &Record) -> Result<PathBuf> {
    into_library(library, rec.name, |tmp| {
        let (enc, dec) = tuned.net.graphs()?;
        fsutil::write_atomic(&tmp.join("encoder.onnx"), &enc)?;
        fsutil::write_atomic(&tmp.join("decoder.onnx"), &dec)?;
        let mut j = base_json(rec.base)?;
        if let Some(prior) = j["prior"].as_str() {
            let from = rec.base.join(prior);
            fsutil::write_atomic(&tmp.join(prior), &fsutil::read(&from)?)?;
        }
        let base_name = j["name"].as_str().unwrap_or("groove").to_string();
        j["name"] = json!(rec.name);
        j["training"] = json!({
            "fine_tuned_from": base_name,
            "command": rec.command,
            "trainer": "bandmate-tune (candle, CPU)",
            "epochs": rec.options.epochs,
            "batch": rec.options.batch,
            "learning_rate": rec.options.learning_rate,
            "seed": rec.options.seed,
            "anchor": rec.options.anchor,
            "freeze_encoder": rec.options.freeze_encoder,
            "train_windows": rec.train_windows,
            "held_out_windows": rec.held_out.len(),
            "files": rec.files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
            "held_out_files": rec.held_out_files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>(),
            "seconds": (tuned.seconds * 10.0).round() / 10.0,
            "held_out_loss_before": tuned.held_out_before,
            "held_out_loss_after": tuned.held_out_after,
            "held_out_nll_before": tuned.nll_before,
            "held_out_nll_after": tuned.nll_after,
        });
        j["attribution"] = json!(format!(
            "Fine-tuned from {base_name} ({}) on the performer's own loops.",
            j["attribution"].as_str().unwrap_or("")
        ));
        let text = serde_json::to_string_pretty(&j).map_err(|e| err(e.to_string()))? + "\n";
        fsutil::write_atomic(&tmp.join("model.json"), text.as_bytes())?;
        // the card: the data it saw and its figures beside the model it started from
        let mut card = card(tuned, rec, &base_name);
        if !rec.held_out.is_empty() {
            let (b, real) = figures(rec.base, rec.held_out)?;
            let (t, _) = figures(tmp, rec.held_out)?;
            card.push_str(&figures_table(&b, &t, &real, tuned));
        }
        fsutil::write_atomic(&tmp.join("README.md"), card.as_bytes())
    })
}

/// The model folder `library/NAME/` written whole or not at all: `fill` writes into a hidden
/// folder beside it, renamed into place at the end (removed if `fill` fails). An existing NAME
/// is refused ([`free_place`]).
pub fn into_library(
    library: &Path,
    name: &str,
    fill: impl FnOnce(&Path) -> Result<()>,
) -> Result<PathBuf> {
    let dest = free_place(library, name)?;
    std::fs::create_dir_all(library).map_err(|e| Error::io(library, &e))?;
    let tmp = library.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let result = std::fs::create_dir_all(&tmp)
        .map_err(|e| Error::io(&tmp, &e))
        .and_then(|_| fill(&tmp))
        .and_then(|_| std::fs::rename(&tmp, &dest).map_err(|e| Error::io(&dest, &e)));
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&tmp);
    }
    result.map(|_| dest)
}

/// The `model.json` of the model a training started from.
pub fn base_json(base: &Path) -> Result<Value> {
    let mj = base.join("model.json");
    serde_json::from_slice(&fsutil::read(&mj)?)
        .map_err(|e| err(format!("not valid JSON: {e}")).at(&mj))
}

fn card(tuned: &Tuned, rec: &Record, base_name: &str) -> String {
    let mut s = format!(
        "# Model card: `{}`\n\nThe groove model `{base_name}` fine-tuned by bandmate itself (candle, on \
         the CPU) on {} 2-bar windows of {} MIDI file(s): {} epochs, batch {}, learning rate \
         {}, anchor {}, seed {}, {:.1} s. Command: `{}`. The network, its inputs and outputs are those of \
         `{base_name}` (its card); only the weights changed. Its joint prior (`prior.json`) is \
         the base model's, as fitted to the base's readings of the GMD.\n\n## Data\n\n",
        rec.name,
        rec.train_windows,
        rec.files.len(),
        rec.options.epochs,
        rec.options.batch,
        rec.options.learning_rate,
        rec.options.anchor,
        rec.options.seed,
        tuned.seconds,
        rec.command,
    );
    for f in rec.files {
        s.push_str(&format!("- {}\n", f.display()));
    }
    if !rec.held_out_files.is_empty() {
        s.push_str(&format!(
            "\nHeld out (never trained on, never chosen on: {} windows):\n\n",
            rec.held_out.len()
        ));
        for f in rec.held_out_files {
            s.push_str(&format!("- {}\n", f.display()));
        }
    }
    s
}

fn figures_table(b: &Figures, t: &Figures, real: &Figures, tuned: &Tuned) -> String {
    let f = |x: Option<f32>| x.map_or("-".to_string(), |v| format!("{v:.3}"));
    let mut s = String::from(
        "\n## Against the model it started from, on the held-out loops\n\n\
         `bandmate eval`'s Humanize figures (each held-out score played 5 times), and the \
         likelihoods with z at the encoder's reading and the gestures shown as in training \
         (fixed draws; up to a constant; lower is closer).\n\n\
         | figure | base | fine-tuned | the performer |\n|---|---:|---:|---:|\n",
    );
    s.push_str(&format!(
        "| negative log-likelihood of the performances per window (hits, timing, velocity) | {} | {} | - |\n",
        f(tuned.nll_before),
        f(tuned.nll_after)
    ));
    s.push_str(&format!(
        "| the training loss per window (a bound: the above, the KL and the auxiliary decoders) | {} | {} | - |\n",
        f(tuned.held_out_before),
        f(tuned.held_out_after)
    ));
    for (name, x, y, r) in [
        (
            "offset histogram overlap with the performer",
            b.offset_overlap,
            t.offset_overlap,
            None,
        ),
        (
            "velocity histogram overlap with the performer",
            b.velocity_overlap,
            t.velocity_overlap,
            None,
        ),
        (
            "per-hit r of offsets with the performance",
            b.offset_r,
            t.offset_r,
            None,
        ),
        (
            "per-hit r of velocities with the performance",
            b.velocity_r,
            t.velocity_r,
            None,
        ),
        ("swing per loop (steps)", b.swing, t.swing, real.swing),
        (
            "velocity spread in a loop",
            b.velocity_spread,
            t.velocity_spread,
            real.velocity_spread,
        ),
    ] {
        s.push_str(&format!("| {name} | {} | {} | {} |\n", f(x), f(y), f(r)));
    }
    s
}

/// The files of a training folder: its dataset manifest's training files (with `label`, those
/// with it) where it has one, else every MIDI file in it (sorted).
pub fn training_files(dir: &Path, label: Option<&str>) -> Result<Vec<PathBuf>> {
    if dir.join(bandmate_core::sculpt::MANIFEST).is_file() {
        let d = bandmate_core::sculpt::Dataset::open(dir)?;
        return Ok(d.training_files(label));
    }
    if label.is_some() {
        return Err(err(format!(
            "{}: no dataset manifest, so no labels (bandmate data {} scan)",
            dir.display(),
            dir.display()
        )));
    }
    let rd = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
    let mut out: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && bandmate_core::midi::is_midi_name(p))
        .collect();
    out.sort();
    Ok(out)
}

/// Splits files into training and held-out ones: every `k`-th file held out (k = 5: a fifth),
/// none where there are fewer than 5.
pub fn hold_out(files: &[PathBuf], k: usize) -> (Vec<PathBuf>, Vec<PathBuf>) {
    if k == 0 || files.len() < 5 {
        return (files.to_vec(), Vec::new());
    }
    let (mut t, mut h) = (Vec::new(), Vec::new());
    for (i, f) in files.iter().enumerate() {
        if i % k == k - 1 {
            h.push(f.clone());
        } else {
            t.push(f.clone());
        }
    }
    (t, h)
}

/// What every training does first: the request checked (its label, name, folders, library;
/// nothing read outside `roots`, those files reported as skipped), and its files as
/// (training, held-out): every `hold_out`-th held out, or the `held_out_dir`'s.
pub fn gather(
    req: &bandmate_core::training::Request,
    report: &mut dyn FnMut(bandmate_core::training::Event),
) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    use bandmate_core::training::Event;
    if let Some(l) = &req.label {
        bandmate_core::sculpt::check_label(l)?;
    }
    free_place(&req.library, &req.name)?;
    let roots = req.roots.as_deref();
    for (what, dir) in [
        ("loops", Some(&req.data)),
        ("held-out loops", req.held_out_dir.as_ref()),
    ] {
        let Some(dir) = dir else { continue };
        if !dir.is_dir() {
            return Err(Error::invalid(format!(
                "{}: no such folder of {what}",
                dir.display()
            )));
        }
        if !fsutil::within(dir, roots) {
            return Err(Error::invalid(format!(
                "{}: outside the folders that may be read",
                dir.display()
            )));
        }
    }
    bandmate_core::training::check_library(&req.library, roots)?;
    let mut inside = |files: Vec<PathBuf>| -> Vec<PathBuf> {
        files
            .into_iter()
            .filter(|f| {
                let ok = fsutil::within(f, roots);
                if !ok {
                    report(Event::Skipped(f.clone(), fsutil::OUTSIDE.into()));
                }
                ok
            })
            .collect()
    };
    let files = inside(training_files(&req.data, req.label.as_deref())?);
    if files.is_empty() {
        return Err(Error::invalid(format!(
            "{}: no MIDI files to train on{}",
            req.data.display(),
            req.label
                .as_ref()
                .map_or(String::new(), |l| format!(" labelled {l}"))
        )));
    }
    Ok(match &req.held_out_dir {
        Some(h) => (files.clone(), inside(training_files(h, None)?)),
        None => hold_out(&files, req.hold_out.unwrap_or(5)),
    })
}

/// A training's material: the files that could be used, and what `read` made of them.
pub struct Prepared<T> {
    pub train_files: Vec<PathBuf>,
    pub held_files: Vec<PathBuf>,
    pub train: Vec<T>,
    pub held: Vec<T>,
}

/// [`gather`], then each file set read by `read` (the training files, then the held-out ones
/// with `true`: items, and the files it could not use and why, reported as skipped and left
/// out); none to train on is an error ending in
/// `none_means` ("none of the N file(s) NONE_MEANS"). Reports the start.
pub fn prepare<T>(
    req: &bandmate_core::training::Request,
    report: &mut dyn FnMut(bandmate_core::training::Event),
    read: impl Fn(&[PathBuf], bool) -> (Vec<T>, Vec<(PathBuf, String)>),
    epochs: usize,
    none_means: &str,
) -> Result<Prepared<T>> {
    use bandmate_core::training::Event;
    let (train_files, held_files) = gather(req, report)?;
    let given = train_files.len();
    let (train, bad) = read(&train_files, false);
    let (held, bad_held) = read(&held_files, true);
    for (f, why) in bad.iter().chain(&bad_held) {
        report(Event::Skipped(f.clone(), why.clone()));
    }
    let keep = |files: Vec<PathBuf>, bad: &[(PathBuf, String)]| -> Vec<PathBuf> {
        files
            .into_iter()
            .filter(|f| !bad.iter().any(|(b, _)| b == f))
            .collect()
    };
    let train_files = keep(train_files, &bad);
    let held_files = keep(held_files, &bad_held);
    if train.is_empty() {
        return Err(Error::invalid(format!(
            "{}: none of the {given} file(s) {none_means}",
            req.data.display(),
        )));
    }
    report(Event::Start {
        files: train_files.len(),
        windows: train.len(),
        held_out_files: held_files.len(),
        held_out_windows: held.len(),
        epochs,
    });
    Ok(Prepared {
        train_files,
        held_files,
        train,
        held,
    })
}

/// Runs a [`Request`](bandmate_core::training::Request) with `opts` (its `epochs`, where given,
/// over theirs): the files of its folder (those outside `roots` left out and reported), every
/// fifth held out (or the `held_out_dir`'s), fine-tuned from `base`, written into the library
/// under `name` (refused before training where the name is taken or not a plain name).
pub fn train(
    req: &bandmate_core::training::Request,
    opts: &Options,
    report: &mut dyn FnMut(bandmate_core::training::Event),
    cancel: &AtomicBool,
) -> Result<bandmate_core::training::Trained> {
    use bandmate_core::training::Event;
    let mut opts = opts.clone();
    if let Some(e) = req.epochs {
        opts.epochs = e;
    }
    let Prepared {
        train_files,
        held_files,
        train,
        held,
    } = prepare(
        req,
        report,
        |files, _| examples(files),
        opts.epochs,
        "has a 2-bar window with hits to train on",
    )?;
    let tuned = fine_tune(
        &req.base,
        &train,
        &held,
        &opts,
        &mut |p| report(Event::Epoch(p.clone())),
        cancel,
    )?;
    let rec = Record {
        name: &req.name,
        base: &req.base,
        files: &train_files,
        held_out_files: &held_files,
        train_windows: train.len(),
        held_out: &held,
        options: &opts,
        command: &req.command,
    };
    if cancel.load(Ordering::Relaxed) {
        return Err(err("training cancelled; nothing was written"));
    }
    let dir = write_model(&req.library, &tuned, &rec)?;
    Ok(bandmate_core::training::Trained {
        name: req.name.clone(),
        dir,
        seconds: tuned.seconds,
        nll_before: tuned.nll_before,
        nll_after: tuned.nll_after,
    })
}

/// Runs a [`Request`](bandmate_core::training::Request) for the kind of model its base is:
/// an accompanist with `accomp`'s options ([`accomp::train`]), else the groove model with
/// `groove`'s ([`train`]).
pub fn train_any(
    req: &bandmate_core::training::Request,
    groove: &Options,
    accomp: &accomp::AccompOptions,
    report: &mut dyn FnMut(bandmate_core::training::Event),
    cancel: &AtomicBool,
) -> Result<bandmate_core::training::Trained> {
    if accomp::is_accompanist(&req.base) {
        accomp::train(req, accomp, report, cancel)
    } else {
        train(req, groove, report, cancel)
    }
}

/// The trainer the hosts call ([`bandmate_core::training::install`]): [`train_any`] with the
/// default options.
fn host_train(
    req: &bandmate_core::training::Request,
    report: &mut dyn FnMut(bandmate_core::training::Event),
    cancel: &AtomicBool,
) -> Result<bandmate_core::training::Trained> {
    train_any(
        req,
        &Options::default(),
        &accomp::AccompOptions::default(),
        report,
        cancel,
    )
}

/// Make this crate the hosts' trainer (a host calls it once, at load). Where the environment
/// does not say how many threads the matrix kernels use (`RAYON_NUM_THREADS`), one: a host
/// trains beside the music it plays, and on the 2-core machine of docs/tune.md one thread
/// was also the faster.
pub fn install() {
    if std::env::var_os("RAYON_NUM_THREADS").is_none() {
        std::env::set_var("RAYON_NUM_THREADS", "1");
    }
    bandmate_core::training::install(host_train);
}
