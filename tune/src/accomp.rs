//! The accompanist (`models/train/accomp.py`'s decoder-only transformer) in candle, trained in
//! the ONNX graph's own weight layouts, so that its weights go back into `accomp.onnx` unchanged
//! in shape.
//!
//! Layouts (found by the graph, not by the exporter's names): the embeddings, layer norms and
//! biases keep PyTorch's names (`m.tok.weight`, `m.blocks.0.ln1.bias`, ...); each `Linear`'s
//! weight is an anonymous `MatMul` initializer `[in, out]`, four per block in the order the
//! block uses them (qkv, proj, the MLP's two), then the output head `[d, vocab]`, which is the
//! token embedding transposed (tied in PyTorch, two copies in the graph: trained as one and
//! written back as both).

use crate::net::{c, err};
use crate::onnx;
use bandmate_core::accomp::data::Work;
use bandmate_core::accomp::tokens::{self, Event, Setup, DELTA2_CHOICES, TICKS_PER_BEAT};
use bandmate_core::error::{Error, Result};
use bandmate_core::midi::MidiFile;
use bandmate_core::rng::Rng;
use candle_core::{DType, Device, Tensor, Var, D};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The network's sizes, from `model.json`'s `config`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Config {
    pub vocab: usize,
    pub d: usize,
    pub layers: usize,
    pub heads: usize,
    pub ctx: usize,
}

impl Config {
    pub fn read(j: &Value) -> Result<Config> {
        let c = &j["config"];
        let get = |k: &str| {
            c[k].as_u64()
                .filter(|&v| v > 0)
                .map(|v| v as usize)
                .ok_or_else(|| err(format!("model.json: config.{k} is missing or not a size")))
        };
        let cfg = Config {
            vocab: get("vocab")?,
            d: get("d")?,
            layers: get("layers")?,
            heads: get("heads")?,
            ctx: get("ctx")?,
        };
        if cfg.d % cfg.heads != 0 {
            return Err(err(
                "model.json: config.d is not a multiple of config.heads",
            ));
        }
        if cfg.vocab != tokens::VOCAB {
            return Err(err(format!(
                "model.json: a vocabulary of {} tokens, this build's is {}",
                cfg.vocab,
                tokens::VOCAB
            )));
        }
        Ok(cfg)
    }
}

/// The accompanist with its weights as trainable variables.
pub struct AccompNet {
    pub config: Config,
    vars: BTreeMap<String, Var>,
    /// The weights' name prefix in the graph (`m.` from the export's wrapper).
    prefix: String,
    /// Per block, the `MatMul` weights of qkv, proj and the MLP's two layers.
    linears: Vec<[String; 4]>,
    /// The output head's `MatMul` weight (the token embedding transposed).
    head: String,
    file: Vec<u8>,
}

/// A bandmate error inside candle's error type (for `?` in candle code).
fn ce<T>(r: Result<T>) -> candle_core::Result<T> {
    r.map_err(|e| candle_core::Error::Msg(e.to_string()))
}

fn layer_norm(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    let mean = x.mean_keepdim(D::Minus1)?;
    let xc = x.broadcast_sub(&mean)?;
    let var = xc.sqr()?.mean_keepdim(D::Minus1)?;
    xc.broadcast_div(&(var + 1e-5)?.sqrt()?)?
        .broadcast_mul(w)?
        .broadcast_add(b)
}

impl AccompNet {
    /// Reads a model folder's graph and sizes (`model.json`, `accomp.onnx`).
    pub fn load(dir: &Path) -> Result<AccompNet> {
        let mj = dir.join("model.json");
        let j = crate::base_json(dir)?;
        if j["format"] != bandmate_core::accomp::model::MODEL_FORMAT {
            return Err(err(format!(
                "not an accompanist's folder (format {})",
                j["format"]
            ))
            .at(&mj));
        }
        let config = Config::read(&j).map_err(|e| e.at(&mj))?;
        let path = dir.join("accomp.onnx");
        let file = std::fs::read(&path).map_err(|e| Error::io(&path, &e))?;
        let g = onnx::read(&file).map_err(|m| err(m).at(&path))?;
        let prefix = g
            .initializers
            .iter()
            .find_map(|i| i.name.strip_suffix("tok.weight"))
            .ok_or_else(|| err("no token embedding (tok.weight)").at(&path))?
            .to_string();
        // the anonymous MatMul weights, in the order the graph uses them
        let mut matmuls: Vec<String> = Vec::new();
        for n in g.nodes.iter().filter(|n| n.op_type == "MatMul") {
            for i in &n.inputs {
                if g.initializer(i).is_some() && !i.starts_with(&prefix) && !matmuls.contains(i) {
                    matmuls.push(i.clone());
                }
            }
        }
        let (l, d, v) = (config.layers, config.d, config.vocab);
        if matmuls.len() != 4 * l + 1 {
            return Err(err(format!(
                "{} weight matrices, expected {} for {l} blocks and the head",
                matmuls.len(),
                4 * l + 1
            ))
            .at(&path));
        }
        let mut vars = BTreeMap::new();
        for i in &g.initializers {
            let t = Tensor::from_vec(i.values(&file), i.dims.clone(), &Device::Cpu).map_err(c)?;
            vars.insert(i.name.clone(), Var::from_tensor(&t).map_err(c)?);
        }
        let head = matmuls.pop().unwrap_or_default();
        let linears: Vec<[String; 4]> = matmuls
            .chunks(4)
            .map(|w| [w[0].clone(), w[1].clone(), w[2].clone(), w[3].clone()])
            .collect();
        let mut net = AccompNet {
            config,
            vars,
            prefix,
            linears,
            head,
            file,
        };
        // every weight the forward pass uses, with the shape it expects
        let mut want: Vec<(String, Vec<usize>)> = vec![
            (net.named("tok.weight"), vec![v, d]),
            (net.named("pos.weight"), vec![config.ctx, d]),
            (net.named("ln.weight"), vec![d]),
            (net.named("ln.bias"), vec![d]),
            (net.head.clone(), vec![d, v]),
        ];
        for b in 0..l {
            for (k, shape) in [
                ("ln1.weight", vec![d]),
                ("ln1.bias", vec![d]),
                ("ln2.weight", vec![d]),
                ("ln2.bias", vec![d]),
                ("qkv.bias", vec![3 * d]),
                ("proj.bias", vec![d]),
                ("mlp.0.bias", vec![4 * d]),
                ("mlp.2.bias", vec![d]),
            ] {
                want.push((net.named(&format!("blocks.{b}.{k}")), shape));
            }
            let w = &net.linears[b];
            for (name, shape) in
                w.iter()
                    .zip([vec![d, 3 * d], vec![d, d], vec![d, 4 * d], vec![4 * d, d]])
            {
                want.push((name.clone(), shape));
            }
        }
        for (name, shape) in &want {
            let got = net.var(name)?.dims().to_vec();
            if &got != shape {
                return Err(err(format!(
                    "{name}: shape {got:?}, expected {shape:?} for the sizes in model.json"
                ))
                .at(&path));
            }
        }
        // the head is the embedding, transposed (tied): trained as one weight
        let tied = net
            .var(&net.head)?
            .t()
            .and_then(|h| h.sub(ce(net.var(&net.named("tok.weight")))?))
            .and_then(|x| x.abs()?.max_all()?.to_scalar::<f32>())
            .map_err(c)?;
        if tied > 1e-6 {
            return Err(err(format!(
                "the output head is not the token embedding transposed (differs by {tied}): a model this trainer does not know"
            ))
            .at(&path));
        }
        net.vars.remove(&net.head);
        Ok(net)
    }

    fn named(&self, k: &str) -> String {
        format!("{}{k}", self.prefix)
    }

    fn var(&self, name: &str) -> Result<&Tensor> {
        self.vars
            .get(name)
            .map(|v| v.as_tensor())
            .ok_or_else(|| err(format!("the graph has no weight {name:?}")))
    }

    fn w(&self, k: &str) -> Result<&Tensor> {
        self.var(&self.named(k))
    }

    /// Every trainable variable (the head is the token embedding).
    pub fn vars(&self) -> Vec<Var> {
        self.vars.values().cloned().collect()
    }

    /// The variable holding a weight, by initializer name (the head's: the embedding's).
    pub fn variable(&self, name: &str) -> Option<Var> {
        let name = if name == self.head {
            self.named("tok.weight")
        } else {
            name.to_string()
        };
        self.vars.get(&name).cloned()
    }

    /// The trained weights' initializer names (the head's copy left out).
    pub fn names(&self) -> Vec<String> {
        self.vars.keys().cloned().collect()
    }

    pub fn parameters(&self) -> usize {
        self.vars.values().map(|v| v.elem_count()).sum()
    }

    /// `accomp.onnx` with the current weights (the head written as the embedding transposed).
    pub fn graph(&self) -> Result<Vec<u8>> {
        let g = onnx::read(&self.file).map_err(err)?;
        let mut data = Vec::new();
        for i in &g.initializers {
            let t = if i.name == self.head {
                self.w("tok.weight")?.t().and_then(|t| t.contiguous())
            } else {
                Ok(self.var(&i.name)?.clone())
            };
            let values = t
                .and_then(|t| t.flatten_all()?.to_vec1::<f32>())
                .map_err(c)?;
            data.push((i.name.as_str(), values));
        }
        let pairs: Vec<(&str, &[f32])> = data.iter().map(|(n, v)| (*n, &v[..])).collect();
        onnx::replace(&self.file, &pairs).map_err(err)
    }

    /// The logits `[B, T, vocab]` of token ids `[B, T]` (u32), every position seeing itself and
    /// the positions before it (the training forward pass: `Accomp.forward`).
    pub fn forward(&self, ids: &Tensor) -> Result<Tensor> {
        self.forward_c(ids).map_err(c)
    }

    fn forward_c(&self, ids: &Tensor) -> candle_core::Result<Tensor> {
        let cfg = self.config;
        let (b, t) = ids.dims2()?;
        if t > cfg.ctx {
            candle_core::bail!(
                "{t} positions, more than the model's context of {}",
                cfg.ctx
            );
        }
        let e = ce;
        let (d, h) = (cfg.d, cfg.heads);
        let dh = d / h;
        let tok = e(self.w("tok.weight"))?;
        let mut x = tok
            .index_select(&ids.flatten_all()?, 0)?
            .reshape((b, t, d))?
            .broadcast_add(&e(self.w("pos.weight"))?.narrow(0, 0, t)?)?;
        let mask: Vec<f32> = (0..t * t)
            .map(|k| {
                if k % t > k / t {
                    f32::NEG_INFINITY
                } else {
                    0.0
                }
            })
            .collect();
        let mask = Tensor::from_vec(mask, (t, t), &Device::Cpu)?;
        let scale = 1.0 / (dh as f64).sqrt();
        for (i, lin) in self.linears.iter().enumerate() {
            let p = |k: &str| e(self.w(&format!("blocks.{i}.{k}")));
            let lw = |k: usize| e(self.var(&lin[k]));
            let hn = layer_norm(&x, p("ln1.weight")?, p("ln1.bias")?)?.reshape((b * t, d))?;
            let qkv = hn
                .matmul(lw(0)?)?
                .broadcast_add(p("qkv.bias")?)?
                .reshape((b, t, 3 * d))?;
            let heads = |k: usize| {
                qkv.narrow(2, k * d, d)?
                    .reshape((b, t, h, dh))?
                    .transpose(1, 2)?
                    .contiguous()
            };
            let (q, k, v) = (heads(0)?, heads(1)?, heads(2)?);
            let att = (q.matmul(&k.t()?.contiguous()?)? * scale)?.broadcast_add(&mask)?;
            let att = candle_nn::ops::softmax(&att, D::Minus1)?;
            let y = att
                .matmul(&v)?
                .transpose(1, 2)?
                .contiguous()?
                .reshape((b * t, d))?;
            let y = y.matmul(lw(1)?)?.broadcast_add(p("proj.bias")?)?;
            x = (x + y.reshape((b, t, d))?)?;
            let hn = layer_norm(&x, p("ln2.weight")?, p("ln2.bias")?)?.reshape((b * t, d))?;
            let m = hn
                .matmul(lw(2)?)?
                .broadcast_add(p("mlp.0.bias")?)?
                .gelu_erf()?
                .matmul(lw(3)?)?
                .broadcast_add(p("mlp.2.bias")?)?;
            x = (x + m.reshape((b, t, d))?)?;
        }
        let hn = layer_norm(&x, e(self.w("ln.weight"))?, e(self.w("ln.bias"))?)?;
        hn.reshape((b * t, d))?
            .matmul(&tok.t()?)?
            .reshape((b, t, cfg.vocab))
    }

    /// The mean negative log-likelihood (nats) of the masked next tokens: position `i`'s logits
    /// against token `i + 1` where `mask[i]` (the next token is a part's), as accomp.py's
    /// `loss_of`. Also the number of tokens counted.
    pub fn loss(&self, ids: &Tensor, mask: &Tensor) -> Result<(Tensor, usize)> {
        (|| {
            let (b, t) = ids.dims2()?;
            let v = self.config.vocab;
            let logits = self.forward_c(ids)?.narrow(1, 0, t - 1)?;
            let lp = candle_nn::ops::log_softmax(&logits.reshape((b * (t - 1), v))?, D::Minus1)?;
            let targets = ids.narrow(1, 1, t - 1)?.flatten_all()?.unsqueeze(1)?;
            let picked = lp.gather(&targets.contiguous()?, 1)?.squeeze(1)?;
            let m = mask
                .narrow(1, 0, t - 1)?
                .flatten_all()?
                .to_dtype(DType::F32)?;
            let n = m.sum_all()?.to_scalar::<f32>()?.round() as usize;
            let loss = ((picked * &m)?.sum_all()? * (-1.0 / n.max(1) as f64))?;
            Ok((loss, n))
        })()
        .map_err(c)
    }
}

/// One sequence of the accompanist's tokens, and which are the model's to predict.
#[derive(Debug, Clone, PartialEq)]
pub struct Sequence {
    pub tokens: Vec<u16>,
    pub ours: Vec<bool>,
}

/// A window: the sequence's 3 header tokens, then whole events from event `first`, up to `ctx`
/// tokens (accomp.py's `Split.crop` and `windows`).
pub fn window(s: &Sequence, first: usize, ctx: usize) -> Sequence {
    let room = (ctx - 3) / 3;
    let lo = (3 + 3 * first).min(s.tokens.len());
    let hi = (lo + 3 * room).min(s.tokens.len());
    let mut tokens = s.tokens[..3.min(s.tokens.len())].to_vec();
    tokens.extend_from_slice(&s.tokens[lo..hi]);
    let mut ours = s.ours[..3.min(s.ours.len())].to_vec();
    ours.extend_from_slice(&s.ours[lo..hi]);
    Sequence { tokens, ours }
}

/// Every sequence cut into consecutive windows of `ctx` tokens.
pub fn windows(seqs: &[Sequence], ctx: usize) -> Vec<Sequence> {
    let room = (ctx - 3) / 3;
    let mut out = Vec::new();
    for s in seqs {
        let events = s.tokens.len().saturating_sub(3) / 3;
        let mut first = 0;
        loop {
            out.push(window(s, first, ctx));
            first += room;
            if first >= events {
                break;
            }
        }
    }
    out
}

/// Windows as a batch: ids `[B, T]` (padded with 0 to the longest) and the loss mask `[B, T]`
/// (position i counts where token i + 1 is the model's).
pub fn batch(ws: &[&Sequence]) -> Result<(Tensor, Tensor)> {
    let t = ws.iter().map(|w| w.tokens.len()).max().unwrap_or(0).max(2);
    let (mut ids, mut mask) = (Vec::with_capacity(ws.len() * t), Vec::new());
    for w in ws {
        for i in 0..t {
            ids.push(u32::from(w.tokens.get(i).copied().unwrap_or(tokens::PAD)));
            mask.push(u8::from(w.ours.get(i + 1).copied().unwrap_or(false)));
        }
    }
    let ids = Tensor::from_vec(ids, (ws.len(), t), &Device::Cpu).map_err(c)?;
    let mask = Tensor::from_vec(mask, (ws.len(), t), &Device::Cpu).map_err(c)?;
    Ok((ids, mask))
}

/// A performer's song as the accompanist's events ([`Work::from_midi`]'s, `semitones` up;
/// accompanying, the melody is the performer's). None where a note leaves MIDI's range.
pub fn song_events(midi: &MidiFile, setup: Setup, semitones: i32) -> Result<Option<Vec<Event>>> {
    Work::from_midi(midi, "")?.events(setup, semitones)
}

/// The training sequences of songs: each in the 12 transpositions that keep it in range
/// (-6..+5 semitones), accompanying (its melody the performer's) and alone, each with a delta2
/// drawn from `seed` (as the corpus' train split is made). Files that cannot be read, or are no
/// song (no part on channels 1-3, not 4/4), are returned with why.
pub fn training_sequences(files: &[PathBuf], seed: u64) -> (Vec<Sequence>, Vec<(PathBuf, String)>) {
    sequences(
        files,
        |rng| {
            (-6..=5)
                .flat_map(|s| [(s, Setup::Accompany), (s, Setup::Alone)])
                .map(|(s, setup)| (s, setup, DELTA2_CHOICES[(rng.next_u64() % 4) as usize]))
                .collect()
        },
        seed,
    )
}

/// The held-out sequences of songs: each as written, accompanying with delta2 one beat and
/// alone (as the corpus' validation and test splits are made).
pub fn held_out_sequences(files: &[PathBuf]) -> (Vec<Sequence>, Vec<(PathBuf, String)>) {
    let beat = TICKS_PER_BEAT;
    sequences(
        files,
        |_| vec![(0, Setup::Accompany, beat), (0, Setup::Alone, beat)],
        0,
    )
}

type Configs = Vec<(i32, Setup, u32)>;

fn sequences(
    files: &[PathBuf],
    configs: impl Fn(&mut Rng) -> Configs,
    seed: u64,
) -> (Vec<Sequence>, Vec<(PathBuf, String)>) {
    let (mut out, mut bad) = (Vec::new(), Vec::new());
    for (k, f) in files.iter().enumerate() {
        let mut rng = Rng::new(seed ^ ((k as u64) << 8) ^ 0xACC0);
        let result = (|| -> Result<Vec<Sequence>> {
            let midi = MidiFile::read(f)?;
            let mut seqs = Vec::new();
            for (semitones, setup, d2) in configs(&mut rng) {
                let Some(events) = song_events(&midi, setup, semitones)? else {
                    continue;
                };
                let (tokens, ours) = tokens::tokenize(&events, setup, d2)?;
                seqs.push(Sequence { tokens, ours });
            }
            Ok(seqs)
        })();
        match result {
            Ok(s) if s.is_empty() => {
                bad.push((f.clone(), "no transposition fits MIDI's range".into()))
            }
            Ok(s) => out.extend(s),
            Err(e) => bad.push((f.clone(), e.to_string())),
        }
    }
    (out, bad)
}

/// How an accompanist's fine-tuning runs (chosen on validation songs, 12 and 3 of them:
/// docs/tune.md). Unlike the groove's, free of the anchor: held near the bundled weights it
/// learned a third as much of the songs' likelihood.
#[derive(Debug, Clone, PartialEq)]
pub struct AccompOptions {
    /// Passes over the training sequences, one random window of each per pass.
    pub epochs: usize,
    pub batch: usize,
    pub learning_rate: f64,
    pub seed: u64,
    /// L2-SP: this times the sum of the squared changes of the weights is added to the loss.
    pub anchor: f64,
}

impl Default for AccompOptions {
    fn default() -> Self {
        AccompOptions {
            epochs: 4,
            batch: 16,
            learning_rate: 1e-3,
            seed: 1,
            anchor: 0.0,
        }
    }
}

/// A fine-tuned accompanist and how it went.
pub struct TunedAccomp {
    pub net: AccompNet,
    pub seconds: f64,
    pub steps: usize,
    /// The held-out negative log-likelihood per predicted token (nats), before and after.
    pub nll_before: Option<f32>,
    pub nll_after: Option<f32>,
}

/// How many windows of each held-out sequence are measured: its first ones (the start of a
/// song, about 340 events), so that a long song does not make every epoch's measure long.
pub const HELD_OUT_WINDOWS: usize = 4;

/// The mean negative log-likelihood per predicted token (nats) over the first
/// [`HELD_OUT_WINDOWS`] windows of each of `seqs`.
pub fn held_out_nll(net: &AccompNet, seqs: &[Sequence]) -> Result<Option<f32>> {
    let room = (net.config.ctx - 3) / 3;
    let firsts: Vec<Sequence> = seqs
        .iter()
        .map(|s| {
            let keep = (3 + 3 * room * HELD_OUT_WINDOWS).min(s.tokens.len());
            Sequence {
                tokens: s.tokens[..keep].to_vec(),
                ours: s.ours[..keep].to_vec(),
            }
        })
        .collect();
    let ws = windows(&firsts, net.config.ctx);
    let (mut sum, mut n) = (0.0f64, 0usize);
    for chunk in ws.chunks(16) {
        let refs: Vec<&Sequence> = chunk.iter().collect();
        let (ids, mask) = batch(&refs)?;
        let (loss, k) = net.loss(&ids, &mask)?;
        sum += f64::from(loss.to_scalar::<f32>().map_err(c)?) * k as f64;
        n += k;
    }
    Ok((n > 0).then(|| (sum / n as f64) as f32))
}

/// Fine-tunes the accompanist of folder `base` on `train` (each pass one random window of each
/// sequence, shuffled), reporting each epoch; `held_out` is only measured. `cancel` stops it
/// between two steps with an error that says so.
pub fn fine_tune(
    base: &Path,
    train: &[Sequence],
    held_out: &[Sequence],
    opts: &AccompOptions,
    progress: &mut dyn FnMut(&crate::Progress),
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<TunedAccomp> {
    use std::sync::atomic::Ordering;
    use std::time::Instant;
    if train.is_empty() {
        return Err(err("nothing to train on: no song in the files given"));
    }
    if opts.epochs == 0
        || opts.batch == 0
        || !opts.learning_rate.is_finite()
        || opts.learning_rate <= 0.0
        || !opts.anchor.is_finite()
        || opts.anchor < 0.0
    {
        return Err(err(
            "epochs, batch and learning rate must be above 0, the anchor 0 or more",
        ));
    }
    let net = AccompNet::load(base)?;
    let started = Instant::now();
    let before = held_out_nll(&net, held_out)?;
    let mut stepper = crate::Steps::new(net.vars(), opts.learning_rate, opts.anchor, opts.epochs)?;
    let mut rng = Rng::new(opts.seed);
    let ctx = net.config.ctx;
    let room = (ctx - 3) / 3;
    let mut last = before;
    let mut steps = 0;
    for epoch in 0..opts.epochs {
        let mut ws: Vec<Sequence> = train
            .iter()
            .map(|s| {
                let events = s.tokens.len().saturating_sub(3) / 3;
                let first = (rng.next_u64() % (events.saturating_sub(room) as u64 + 1)) as usize;
                window(s, first, ctx)
            })
            .collect();
        for i in (1..ws.len()).rev() {
            ws.swap(i, (rng.next_u64() % (i as u64 + 1)) as usize);
        }
        let (mut sum, mut n) = (0.0f64, 0usize);
        for chunk in ws.chunks(opts.batch) {
            if cancel.load(Ordering::Relaxed) {
                return Err(err("training cancelled; nothing was written"));
            }
            let refs: Vec<&Sequence> = chunk.iter().collect();
            let (ids, mask) = batch(&refs)?;
            let (loss, _) = net.loss(&ids, &mask)?;
            sum += f64::from(loss.to_scalar::<f32>().map_err(c)?);
            n += 1;
            stepper.step(loss)?;
            steps += 1;
        }
        stepper.end_epoch(epoch);
        last = held_out_nll(&net, held_out)?;
        progress(&stepper.progress(started, epoch, (sum / n.max(1) as f64) as f32, last));
    }
    Ok(TunedAccomp {
        net,
        seconds: started.elapsed().as_secs_f64(),
        steps,
        nll_before: before,
        nll_after: last,
    })
}

/// What the accompanist plays over held-out songs' chord tracks (their first 8 bars, the
/// players' defaults), by `bandmate accomp-eval`'s measure: the base's, the tuned one's.
fn play_figures(
    base: &Path,
    tuned: &Path,
    files: &[PathBuf],
) -> Result<(
    bandmate_core::accomp::eval::Report,
    bandmate_core::accomp::eval::Report,
)> {
    use bandmate_core::accomp::eval;
    let works: Vec<_> = files
        .iter()
        .map(|f| Work::from_midi(&MidiFile::read(f)?, &f.display().to_string()))
        .collect::<Result<_>>()?;
    let settings = eval::Settings {
        beats: 32,
        delta2: TICKS_PER_BEAT,
        temperature: bandmate_core::objects::accomp::DEFAULT_TEMPERATURE as f32,
        harmony: bandmate_core::objects::accomp::DEFAULT_HARMONY as f32,
        beat_chords: false,
        looped: false,
    };
    Ok((
        eval::evaluate(base, &works, settings)?,
        eval::evaluate(tuned, &works, settings)?,
    ))
}

/// What a new accompanist's card and model.json record.
pub struct AccompRecord<'a> {
    pub name: &'a str,
    pub base: &'a Path,
    pub files: &'a [PathBuf],
    pub held_out_files: &'a [PathBuf],
    pub sequences: usize,
    pub held_out_sequences: usize,
    pub options: &'a AccompOptions,
    pub command: &'a str,
}

/// Writes the tuned accompanist as `library/NAME/` (accomp.onnx, model.json, a card
/// README.md), into a hidden folder first, renamed into place at the end; an existing NAME is
/// refused.
pub fn write_model(library: &Path, tuned: &TunedAccomp, rec: &AccompRecord) -> Result<PathBuf> {
    use bandmate_core::fsutil;
    use serde_json::json;
    crate::into_library(library, rec.name, |tmp| {
        fsutil::write_atomic(&tmp.join("accomp.onnx"), &tuned.net.graph()?)?;
        let mut j = crate::base_json(rec.base)?;
        let base_name = j["name"].as_str().unwrap_or("accomp").to_string();
        let list = |fs: &[PathBuf]| {
            fs.iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
        };
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
            "steps": tuned.steps,
            "train_windows": rec.sequences,
            "held_out_sequences": rec.held_out_sequences,
            "files": list(rec.files),
            "held_out_files": list(rec.held_out_files),
            "seconds": (tuned.seconds * 10.0).round() / 10.0,
            "held_out_nll_per_token_before": tuned.nll_before,
            "held_out_nll_per_token_after": tuned.nll_after,
        });
        if let Some(o) = j.as_object_mut() {
            // the base's figures and export check were the base's
            o.remove("figures");
            o.remove("onnx_check");
        }
        j["about"] = json!(format!(
            "the accompanist {base_name} fine-tuned on a performer's own songs ({})",
            j["about"].as_str().unwrap_or("")
        ));
        let text = serde_json::to_string_pretty(&j).map_err(|e| err(e.to_string()))? + "\n";
        fsutil::write_atomic(&tmp.join("model.json"), text.as_bytes())?;
        let mut card = accomp_card(tuned, rec, &base_name);
        if !rec.held_out_files.is_empty() {
            let (b, t) = play_figures(rec.base, tmp, rec.held_out_files)?;
            card.push_str(&figures_table(&b, &t, tuned));
        }
        fsutil::write_atomic(&tmp.join("README.md"), card.as_bytes())
    })
}

fn accomp_card(tuned: &TunedAccomp, rec: &AccompRecord, base_name: &str) -> String {
    let o = rec.options;
    let mut s = format!(
        "# Model card: `{}`\n\nThe accompanist `{base_name}` fine-tuned by bandmate itself (candle, \
         on the CPU) on {} MIDI song(s) (parts on channels 1-3: bass, inner voices, melody; the \
         chord track named from what sounds on each beat), each in 12 transpositions, \
         accompanying and alone: {} sequences; {} epochs (one random window of each sequence a \
         pass), batch {}, learning rate {}, anchor {}, seed {}: {} steps, {:.1} s. Command: \
         `{}`. The network, its tokens and its inputs and outputs are those of `{base_name}` \
         (its card); only the weights changed.\n\n## Data\n\n",
        rec.name,
        rec.files.len(),
        rec.sequences,
        o.epochs,
        o.batch,
        o.learning_rate,
        o.anchor,
        o.seed,
        tuned.steps,
        tuned.seconds,
        rec.command,
    );
    for f in rec.files {
        s.push_str(&format!("- {}\n", f.display()));
    }
    if !rec.held_out_files.is_empty() {
        s.push_str("\nHeld out (never trained on, never chosen on):\n\n");
        for f in rec.held_out_files {
            s.push_str(&format!("- {}\n", f.display()));
        }
    }
    s
}

fn figures_table(
    b: &bandmate_core::accomp::eval::Report,
    t: &bandmate_core::accomp::eval::Report,
    tuned: &TunedAccomp,
) -> String {
    let f = |x: Option<f32>| x.map_or("-".to_string(), |v| format!("{v:.3}"));
    let mut s = String::from(
        "\n## Against the model it started from, on the held-out songs\n\n\
         The likelihood of the songs' parts (every window, as written, accompanying with the \
         melody heard a beat late and alone; lower is closer), and what each model plays over \
         the songs' chord tracks (their first 8 bars, `bandmate accomp-eval`'s measure, the \
         players' default temperature and harmony) beside the songs' own parts.\n\n\
         | figure | base | fine-tuned | the songs |\n|---|---:|---:|---:|\n",
    );
    s.push_str(&format!(
        "| negative log-likelihood per part token (nats) | {} | {} | - |\n",
        f(tuned.nll_before),
        f(tuned.nll_after)
    ));
    let g = |x: f64| format!("{x:.2}");
    for (setup, bf, tf) in [
        ("alone", &b.alone, &t.alone),
        ("accompanying", &b.accompany, &t.accompany),
    ] {
        s.push_str(&format!(
            "| {setup}: share of its notes that are chord tones | {} | {} | {} |\n",
            g(bf.chord_tone_share()),
            g(tf.chord_tone_share()),
            g(b.real.chord_tone_share())
        ));
        let roles = if setup == "alone" { 3 } else { 2 };
        for (r, role) in tokens::ROLES.iter().enumerate().take(roles) {
            s.push_str(&format!(
                "| {setup}: {role} notes per beat | {} | {} | {} |\n",
                g(bf.per_beat(r)),
                g(tf.per_beat(r)),
                g(b.real.per_beat(r))
            ));
        }
    }
    s
}

/// Whether a model folder holds an accompanist (its model.json says so).
pub fn is_accompanist(dir: &Path) -> bool {
    bandmate_core::training::format_of(dir).as_deref()
        == Some(bandmate_core::accomp::model::MODEL_FORMAT)
}

/// Runs a [`Request`](bandmate_core::training::Request) whose base is an accompanist: the
/// songs of its folder, every fifth held out (or the `held_out_dir`'s), fine-tuned, written
/// into the library under its name.
pub fn train(
    req: &bandmate_core::training::Request,
    opts: &AccompOptions,
    report: &mut dyn FnMut(bandmate_core::training::Event),
    cancel: &std::sync::atomic::AtomicBool,
) -> Result<bandmate_core::training::Trained> {
    use bandmate_core::training::Event;
    let mut opts = opts.clone();
    if let Some(e) = req.epochs {
        opts.epochs = e;
    }
    let seed = opts.seed;
    // a held-out song is measured as written, a training one in every key and both setups
    let read = |files: &[PathBuf], held: bool| {
        if held {
            held_out_sequences(files)
        } else {
            training_sequences(files, seed)
        }
    };
    let crate::Prepared {
        train_files,
        held_files,
        train,
        held,
    } = crate::prepare(
        req,
        report,
        read,
        opts.epochs,
        "is a song the accompanist can learn (parts on channels 1-3, 4/4)",
    )?;
    let tuned = fine_tune(
        &req.base,
        &train,
        &held,
        &opts,
        &mut |p| report(Event::Epoch(p.clone())),
        cancel,
    )?;
    if cancel.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(err("training cancelled; nothing was written"));
    }
    let rec = AccompRecord {
        name: &req.name,
        base: &req.base,
        files: &train_files,
        held_out_files: &held_files,
        sequences: train.len(),
        held_out_sequences: held.len(),
        options: &opts,
        command: &req.command,
    };
    let dir = write_model(&req.library, &tuned, &rec)?;
    Ok(bandmate_core::training::Trained {
        name: req.name.clone(),
        dir,
        seconds: tuned.seconds,
        nll_before: tuned.nll_before,
        nll_after: tuned.nll_after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bandmate_core::accomp::tokens::What;

    #[test]
    fn a_long_song_is_read_whole_however_many_chords() {
        // 150 bars, a chord every two beats: 300 chords, more than a live chord track holds
        let mut notes = Vec::new();
        for k in 0..300usize {
            let root = [0u8, 5, 7, 9][k % 4];
            for (ch, key) in [
                (0u8, 36 + root),
                (1, 52 + root),
                (1, 55 + root),
                (2, 64 + root),
            ] {
                notes.push(bandmate_core::midi::Note {
                    beat: (2 * k) as f64,
                    beats: 2.0,
                    channel: ch,
                    key,
                    velocity: 80,
                });
            }
        }
        let bytes = bandmate_core::midi::notes_to_smf(&notes, 100.0, 600.0, "long").unwrap();
        let midi = MidiFile::parse(&bytes).unwrap();
        let events = song_events(&midi, Setup::Alone, 0).unwrap().unwrap();
        let chords = events
            .iter()
            .filter(|e| matches!(e.what, What::Chord(_)))
            .count();
        assert!(chords > 256, "{chords} chords");
        let parts = events
            .iter()
            .filter(|e| matches!(e.what, What::Part(..)))
            .count();
        assert_eq!(parts, 1200);
    }
}
