//! The groove VAE of `models/train/groove_vae.py` in candle, trained in the ONNX graphs' own
//! weight layouts, so that its weights go back into the same graphs unchanged in shape.
//!
//! Layouts (found by the node that consumes each weight, not by the exporter's names):
//! `Gemm` weights are `[out, in]` (`x W^T + b`), the decoder's input and output layers are
//! `MatMul` weights `[in, out]`, the per-voice layers are `Einsum("bvi,vio->bvo")` weights
//! `[V, I, O]`, and the LSTM's `W [2, 4H, I]`, `R [2, 4H, H]`, `B [2, 8H]` hold the forward then
//! the reverse direction, gates in ONNX's order (input, output, forget, cell).

use crate::onnx;
use bandmate_core::error::{Error, ErrorKind, Result};
use candle_core::{DType, Device, Tensor, Var};
use candle_nn::ops::sigmoid;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

pub const STEPS: usize = 32;
pub const VOICES: usize = 9;
const STEPS_PER_BAR: usize = 16;
/// The decoder's per-step controls: score row and mask, groove and mask, accent and mask.
const CTRL: usize = VOICES * 2 + 3 + 1 + 1 + 1;

pub(crate) fn err(m: impl Into<String>) -> Error {
    Error::new(ErrorKind::Model(m.into()))
}
pub(crate) fn c(e: candle_core::Error) -> Error {
    err(format!("training: {e}"))
}

/// A switch of `model.json`'s config as Python reads it (any non-zero number or true is on).
fn flag(v: &Value, absent: bool) -> bool {
    match v {
        Value::Null => absent,
        Value::Bool(b) => *b,
        other => other.as_f64().is_some_and(|x| x != 0.0),
    }
}

/// The model's sizes, from `model.json`'s `config`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sizes {
    pub score_latent: usize,
    pub groove_latent: usize,
    pub accent_latent: usize,
    pub hidden: usize,
    pub free_bits: f64,
    pub groove_free_bits: Option<f64>,
    /// The performance latent's size (model format 4; 0: none).
    pub perf_latent: usize,
    pub perf_free_bits: Option<f64>,
    /// The performance latent moves timing and loudness through a head of its own (not the
    /// LSTM), and (`perf_gate`) only where no groove is given.
    pub perf_head: bool,
    pub perf_gate: bool,
}

impl Sizes {
    pub fn z(&self) -> usize {
        VOICES * self.score_latent + self.groove_latent + self.accent_latent + self.perf_latent
    }
    /// The latent dimensions the LSTM reads.
    pub fn lstm_z(&self) -> usize {
        self.z() - if self.perf_head { self.perf_latent } else { 0 }
    }
    fn read(j: &Value) -> Result<Sizes> {
        let c = &j["config"];
        let n = |k: &str| {
            c[k].as_u64()
                .map(|v| v as usize)
                .ok_or_else(|| err(format!("model.json: config.{k} is missing")))
        };
        Ok(Sizes {
            score_latent: n("score_latent")?,
            groove_latent: n("groove_latent")?,
            accent_latent: n("accent_latent")?,
            hidden: n("dec_hidden")?,
            free_bits: c["free_bits"]
                .as_f64()
                .ok_or_else(|| err("model.json: config.free_bits is missing"))?,
            groove_free_bits: c["groove_free_bits"].as_f64(),
            perf_latent: c["perf_latent"].as_u64().unwrap_or(0) as usize,
            perf_free_bits: c["perf_free_bits"].as_f64(),
            perf_head: c["perf_latent"].as_u64().unwrap_or(0) > 0 && flag(&c["perf_head"], true),
            perf_gate: flag(&c["perf_gate"], false),
        })
    }
    /// (offset, dims, free bits) of each latent, as `Config.free_bits_of` shares them.
    fn latents(&self) -> Vec<(usize, usize, f64)> {
        let mut shared = self.z() as f64;
        if self.groove_free_bits.is_some() {
            shared -= self.groove_latent as f64;
        }
        if self.perf_free_bits.is_some() {
            shared -= self.perf_latent as f64;
        }
        let share = |dims: usize| self.free_bits * dims as f64 / shared;
        let mut out: Vec<(usize, usize, f64)> = (0..VOICES)
            .map(|v| {
                (
                    v * self.score_latent,
                    self.score_latent,
                    share(self.score_latent),
                )
            })
            .collect();
        let g = VOICES * self.score_latent;
        out.push((
            g,
            self.groove_latent,
            self.groove_free_bits.unwrap_or(share(self.groove_latent)),
        ));
        out.push((
            g + self.groove_latent,
            self.accent_latent,
            share(self.accent_latent),
        ));
        if self.perf_latent > 0 {
            out.push((
                g + self.groove_latent + self.accent_latent,
                self.perf_latent,
                self.perf_free_bits.unwrap_or(share(self.perf_latent)),
            ));
        }
        out
    }
}

/// The exporter-named decoder weights, found by what consumes them.
#[derive(Debug, Clone, PartialEq)]
struct Roles {
    inp: String,
    out: String,
    lstm_w: String,
    lstm_r: String,
    lstm_b: String,
    pos: String,
}

fn roles(g: &onnx::Graph) -> Result<Roles> {
    let mut found: BTreeMap<&str, String> = BTreeMap::new();
    for i in &g.initializers {
        if i.name.starts_with("dec.") {
            continue;
        }
        let role = match g.consumer(&i.name) {
            Some((n, 1)) if n.op_type == "LSTM" => "W",
            Some((n, 2)) if n.op_type == "LSTM" => "R",
            Some((n, 3)) if n.op_type == "LSTM" => "B",
            Some((n, 1)) if n.op_type == "MatMul" && n.name.starts_with("/dec/inp/") => "inp",
            Some((n, 1)) if n.op_type == "MatMul" && n.name.starts_with("/dec/out/") => "out",
            Some((n, 0)) if n.op_type == "Expand" => "pos",
            _ => {
                return Err(err(format!(
                    "decoder.onnx: the weight {:?} is not one this trainer knows",
                    i.name
                )))
            }
        };
        if found.insert(role, i.name.clone()).is_some() {
            return Err(err(format!("decoder.onnx: two weights in the role {role}")));
        }
    }
    let mut take = |r: &str| {
        found
            .remove(r)
            .ok_or_else(|| err(format!("decoder.onnx: no weight in the role {r}")))
    };
    Ok(Roles {
        inp: take("inp")?,
        out: take("out")?,
        lstm_w: take("W")?,
        lstm_r: take("R")?,
        lstm_b: take("B")?,
        pos: take("pos")?,
    })
}

/// One training example's tensors, flattened (as `bandmate dataset` exports them).
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub hits: Vec<f32>,
    pub velocities: Vec<f32>,
    pub offsets: Vec<f32>,
    pub groove: Vec<f32>,
    pub accent: Vec<f32>,
}

/// A batch: the examples and which gestures the decoder is shown.
pub struct Batch {
    pub hits: Tensor,
    pub vel: Tensor,
    pub off: Tensor,
    pub groove: Tensor,
    pub accent: Tensor,
    pub score_mask: Tensor,
    pub groove_mask: Tensor,
    pub accent_mask: Tensor,
    /// The posterior draw's noise (`z = mu + eps * std`); None: `z = mu`.
    pub eps: Option<Tensor>,
}

impl Batch {
    /// `masks`: per example, the 9 voices' score mask, the groove's and the accent's.
    pub fn new(
        examples: &[&Example],
        masks: &[([f32; VOICES], f32, f32)],
        eps: Option<Vec<f32>>,
        z: usize,
    ) -> Result<Batch> {
        let b = examples.len();
        let dev = &Device::Cpu;
        let cat = |f: &dyn Fn(&Example) -> &Vec<f32>| -> Vec<f32> {
            examples.iter().flat_map(|e| f(e).iter().copied()).collect()
        };
        let t = |v: Vec<f32>, s: &[usize]| Tensor::from_vec(v, s, dev).map_err(c);
        Ok(Batch {
            hits: t(cat(&|e| &e.hits), &[b, STEPS, VOICES])?,
            vel: t(cat(&|e| &e.velocities), &[b, STEPS, VOICES])?,
            off: t(cat(&|e| &e.offsets), &[b, STEPS, VOICES])?,
            groove: t(cat(&|e| &e.groove), &[b, STEPS, 3])?,
            accent: t(cat(&|e| &e.accent), &[b, STEPS])?,
            score_mask: t(masks.iter().flat_map(|m| m.0).collect(), &[b, VOICES])?,
            groove_mask: t(masks.iter().map(|m| m.1).collect(), &[b, 1])?,
            accent_mask: t(masks.iter().map(|m| m.2).collect(), &[b, 1])?,
            eps: eps.map(|e| t(e, &[b, z])).transpose()?,
        })
    }
}

/// The decoder's outputs in training form (logits where the shipped graph has probabilities).
pub struct Decoded {
    pub hit_logits: Tensor,
    pub velocities: Tensor,
    pub offsets: Tensor,
    pub offset_scale: Tensor,
    pub velocity_scale: Tensor,
    pub aux_score_logits: Tensor,
    pub aux_groove: (Tensor, Tensor, Tensor),
    pub aux_accent_logits: Tensor,
}

/// The loss's parts, per example averaged over the batch (as train.py prints them).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LossParts {
    pub total: f32,
    /// The negative log-likelihood of the performance under the decoder (the hits' cross-
    /// entropy and the normal likelihoods of timing and velocity with their learned spreads,
    /// leaving out the constant), without the KL and the auxiliary decoders' terms.
    pub nll: f32,
}

/// The groove VAE with its weights as trainable variables.
pub struct Net {
    pub sizes: Sizes,
    vars: BTreeMap<String, Var>,
    pos: Tensor,
    roles: Roles,
    encoder_file: Vec<u8>,
    decoder_file: Vec<u8>,
    /// The encoder graph's weight names.
    encoder_names: Vec<String>,
}

impl Net {
    /// Reads a model folder's graphs and sizes (`model.json`, `encoder.onnx`, `decoder.onnx`).
    pub fn load(dir: &Path) -> Result<Net> {
        let read = |name: &str| {
            let p = dir.join(name);
            std::fs::read(&p).map_err(|e| Error::io(&p, &e))
        };
        let mj = dir.join("model.json");
        let j: Value = serde_json::from_slice(&read("model.json")?)
            .map_err(|e| err(format!("not valid JSON: {e}")).at(&mj))?;
        let sizes = Sizes::read(&j).map_err(|e| e.at(&mj))?;
        let (encoder_file, decoder_file) = (read("encoder.onnx")?, read("decoder.onnx")?);
        let eg = onnx::read(&encoder_file).map_err(|m| err(m).at(&dir.join("encoder.onnx")))?;
        let dg = onnx::read(&decoder_file).map_err(|m| err(m).at(&dir.join("decoder.onnx")))?;
        let roles = roles(&dg).map_err(|e| e.at(dir))?;
        let mut vars = BTreeMap::new();
        let mut pos = None;
        for (g, file) in [(&eg, &encoder_file), (&dg, &decoder_file)] {
            for i in &g.initializers {
                let t =
                    Tensor::from_vec(i.values(file), i.dims.clone(), &Device::Cpu).map_err(c)?;
                if i.name == roles.pos {
                    pos = Some(t);
                } else {
                    vars.insert(i.name.clone(), Var::from_tensor(&t).map_err(c)?);
                }
            }
        }
        let net = Net {
            encoder_names: eg.initializers.iter().map(|i| i.name.clone()).collect(),
            pos: pos.ok_or_else(|| err("decoder.onnx: no position constant"))?,
            sizes,
            vars,
            roles,
            encoder_file,
            decoder_file,
        };
        // every weight the forward pass uses, with the shape it expects
        let (s, h, z) = (&net.sizes, net.sizes.hidden, net.sizes.lstm_z());
        let mut want: Vec<(&str, Vec<usize>)> = vec![
            ("score2.w", vec![VOICES, 0, 2 * s.score_latent]),
            (&net.roles.lstm_w, vec![2, 4 * h, 0]),
            (&net.roles.lstm_r, vec![2, 4 * h, h]),
            (&net.roles.lstm_b, vec![2, 8 * h]),
            (&net.roles.inp, vec![z + CTRL + STEPS_PER_BAR, 0]),
            (&net.roles.out, vec![2 * h, 5 * VOICES]),
        ];
        let lp = s.perf_latent;
        if lp > 0 {
            // the performance encoder (Gemm weights are [out, in])
            want.push(("perf.0.weight", vec![0, STEPS * VOICES * 3]));
            want.push(("perf.2.weight", vec![0, 0]));
            want.push(("perf.4.weight", vec![2 * lp, 0]));
        }
        if s.perf_head {
            want.push(("dec.perf_head.0.weight", vec![0, lp]));
            want.push(("dec.perf_head.2.weight", vec![STEPS * VOICES * 2, 0]));
        }
        for (name, shape) in want {
            let got = net.var(name)?.dims().to_vec();
            let fits = got.len() == shape.len()
                && got.iter().zip(&shape).all(|(g, w)| *w == 0 || *g == *w);
            if !fits {
                return Err(err(format!(
                    "{name}: shape {got:?} does not fit the sizes in model.json"
                ))
                .at(dir));
            }
        }
        Ok(net)
    }

    fn var(&self, name: &str) -> Result<&Tensor> {
        self.vars
            .get(name)
            .map(|v| v.as_tensor())
            .ok_or_else(|| err(format!("the graphs have no weight {name:?}")))
    }

    /// Every trainable variable.
    pub fn vars(&self) -> Vec<Var> {
        self.vars.values().cloned().collect()
    }

    /// The decoder's variables only (the encoder's left as they are).
    pub fn decoder_vars(&self) -> Vec<Var> {
        self.vars
            .iter()
            .filter(|(n, _)| !self.encoder_names.contains(n))
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The variable holding a weight, by initializer name.
    pub fn variable(&self, name: &str) -> Option<Var> {
        self.vars.get(name).cloned()
    }

    /// The number of trained values.
    pub fn parameters(&self) -> usize {
        self.vars.values().map(|v| v.elem_count()).sum()
    }

    /// A weight's current values (ONNX layout), by initializer name.
    pub fn values(&self, name: &str) -> Result<Vec<f32>> {
        self.var(name)?
            .flatten_all()
            .and_then(|t| t.to_vec1())
            .map_err(c)
    }

    /// The initializer names the ONNX files give each weight (encoder's, then decoder's).
    pub fn names(&self) -> Vec<String> {
        self.vars.keys().cloned().collect()
    }

    /// The two graphs with the current weights: (encoder.onnx, decoder.onnx) bytes.
    pub fn graphs(&self) -> Result<(Vec<u8>, Vec<u8>)> {
        let mut out = Vec::new();
        for file in [&self.encoder_file, &self.decoder_file] {
            let g = onnx::read(file).map_err(err)?;
            let mut data = Vec::new();
            for i in &g.initializers {
                if i.name != self.roles.pos {
                    data.push((i.name.as_str(), self.values(&i.name)?));
                }
            }
            let pairs: Vec<(&str, &[f32])> = data.iter().map(|(n, v)| (*n, &v[..])).collect();
            out.push(onnx::replace(file, &pairs).map_err(err)?);
        }
        let d = out.pop().unwrap_or_default();
        Ok((out.pop().unwrap_or_default(), d))
    }

    /// The encoder: (mu, logvar) [B, Z]. `played`: each drum's velocities and offsets
    /// [B, 32, 9], which a model with a performance latent reads (zeros where None).
    pub fn encode(
        &self,
        score: &Tensor,
        groove: &Tensor,
        accent: &Tensor,
        played: Option<(&Tensor, &Tensor)>,
    ) -> Result<(Tensor, Tensor)> {
        self.encode_c(score, groove, accent, played).map_err(c)
    }

    fn encode_c(
        &self,
        score: &Tensor,
        groove: &Tensor,
        accent: &Tensor,
        played: Option<(&Tensor, &Tensor)>,
    ) -> candle_core::Result<(Tensor, Tensor)> {
        let v = |n: &str| self.vars[n].as_tensor();
        let (s, b) = (&self.sizes, score.dim(0)?);
        let (ls, lg, la) = (s.score_latent, s.groove_latent, s.accent_latent);
        let rows = score.transpose(1, 2)?;
        let h = voice_linear(&rows, v("score1.w"), v("score1.b"))?.relu()?;
        let sc = voice_linear(&h, v("score2.w"), v("score2.b"))?;
        let s_mu = sc.narrow(2, 0, ls)?.reshape((b, VOICES * ls))?;
        let s_lv = sc.narrow(2, ls, ls)?.reshape((b, VOICES * ls))?;
        let g = groove.reshape((b, STEPS * 3))?;
        let g = gemm(&g, v("groove.0.weight"), v("groove.0.bias"))?.relu()?;
        let g = gemm(&g, v("groove.2.weight"), v("groove.2.bias"))?.relu()?;
        let g = gemm(&g, v("groove.4.weight"), v("groove.4.bias"))?;
        let a = gemm(accent, v("accent.0.weight"), v("accent.0.bias"))?.relu()?;
        let a = gemm(&a, v("accent.2.weight"), v("accent.2.bias"))?;
        let mut mus = vec![s_mu, g.narrow(1, 0, lg)?, a.narrow(1, 0, la)?];
        let mut lvs = vec![s_lv, g.narrow(1, lg, lg)?, a.narrow(1, la, la)?];
        let lp = s.perf_latent;
        if lp > 0 {
            let zeros = score.zeros_like()?;
            let (vel, off) = played.unwrap_or((&zeros, &zeros));
            let x = Tensor::cat(&[score, &(vel * score)?, &(off * score)?], 2)?
                .reshape((b, STEPS * VOICES * 3))?;
            let p = gemm(&x, v("perf.0.weight"), v("perf.0.bias"))?.relu()?;
            let p = gemm(&p, v("perf.2.weight"), v("perf.2.bias"))?.relu()?;
            let p = gemm(&p, v("perf.4.weight"), v("perf.4.bias"))?;
            mus.push(p.narrow(1, 0, lp)?);
            lvs.push(p.narrow(1, lp, lp)?);
        }
        let mu = Tensor::cat(&mus, 1)?;
        let lv = Tensor::cat(&lvs, 1)?.clamp(-12f32, 6f32)?;
        Ok((mu, lv))
    }

    /// The decoder, in training form.
    #[allow(clippy::too_many_arguments)]
    pub fn decode(
        &self,
        z: &Tensor,
        score: &Tensor,
        score_mask: &Tensor,
        groove: &Tensor,
        groove_mask: &Tensor,
        accent: &Tensor,
        accent_mask: &Tensor,
    ) -> Result<Decoded> {
        self.decode_c(
            z,
            score,
            score_mask,
            groove,
            groove_mask,
            accent,
            accent_mask,
        )
        .map_err(c)
    }

    #[allow(clippy::too_many_arguments)]
    fn decode_c(
        &self,
        z: &Tensor,
        score: &Tensor,
        sm: &Tensor,
        groove: &Tensor,
        gm: &Tensor,
        accent: &Tensor,
        am: &Tensor,
    ) -> candle_core::Result<Decoded> {
        let v = |n: &str| self.vars[n].as_tensor();
        let s = &self.sizes;
        let (b, zn, h) = (z.dim(0)?, s.lstm_z(), s.hidden);
        let sm3 = sm.unsqueeze(1)?;
        let gm3 = gm.unsqueeze(1)?;
        let am3 = am.unsqueeze(1)?;
        let ctrl = Tensor::cat(
            &[
                &score.broadcast_mul(&sm3)?,
                &sm3.broadcast_as((b, STEPS, VOICES))?,
                &groove.broadcast_mul(&gm3)?,
                &gm3.broadcast_as((b, STEPS, 1))?,
                &accent.broadcast_mul(am)?.unsqueeze(2)?,
                &am3.broadcast_as((b, STEPS, 1))?,
                &self.pos.broadcast_as((b, STEPS, STEPS_PER_BAR))?,
            ],
            2,
        )?;
        // inp([z, ctrl_t, pos_t]) = z W_z + [ctrl_t, pos_t] W_c + b: z's part once, and the
        // per-step slices taken of tensors that carry no gradient (slicing a tensor that does
        // costs a full-size zero tensor per step in the backward pass)
        let wi = v(&self.roles.inp);
        let zpart = z
            .narrow(1, 0, zn)?
            .matmul(&wi.narrow(0, 0, zn)?)?
            .broadcast_add(v("dec.inp.bias"))?;
        let wc = wi.narrow(0, zn, CTRL + STEPS_PER_BAR)?;
        let xs: Vec<Tensor> = (0..STEPS)
            .map(|k| (ctrl.narrow(1, k, 1)?.squeeze(1)?.matmul(&wc)? + &zpart)?.relu())
            .collect::<candle_core::Result<_>>()?;
        let (w, r, bb) = (
            v(&self.roles.lstm_w),
            v(&self.roles.lstm_r),
            v(&self.roles.lstm_b),
        );
        let hf = lstm(&xs, &w.get(0)?, &r.get(0)?, &bb.get(0)?, h, false)?;
        let hb = lstm(&xs, &w.get(1)?, &r.get(1)?, &bb.get(1)?, h, true)?;
        let hh = Tensor::cat(&[&hf, &hb], 2)?.reshape((b * STEPS, 2 * h))?;
        let o = hh
            .matmul(v(&self.roles.out))?
            .broadcast_add(v("dec.out.bias"))?
            .reshape((b, STEPS, 5, VOICES))?;
        let ch = |k: usize| o.narrow(2, k, 1).and_then(|t| t.squeeze(2));
        let (mut vel_logits, mut off_logits) = (ch(1)?, ch(2)?);
        if s.perf_head {
            // the performance latent's own head moves each cell's loudness and timing
            let zp = z.narrow(1, zn, s.perf_latent)?;
            let p = gemm(&zp, v("dec.perf_head.0.weight"), v("dec.perf_head.0.bias"))?.relu()?;
            let mut p = gemm(&p, v("dec.perf_head.2.weight"), v("dec.perf_head.2.bias"))?
                .reshape((b, STEPS, 2, VOICES))?;
            if s.perf_gate {
                // only where no groove is given
                let open = gm.affine(-1.0, 1.0)?.reshape((b, 1, 1, 1))?;
                p = p.broadcast_mul(&open)?;
            }
            let pc = |k: usize| p.narrow(2, k, 1).and_then(|t| t.squeeze(2));
            vel_logits = (vel_logits + pc(0)?)?;
            off_logits = (off_logits + pc(1)?)?;
        }
        let tap = (groove.narrow(2, 2, 1)? * groove.narrow(2, 0, 1)?)?.broadcast_mul(&gm3)?;
        let offsets = tap
            .broadcast_add(&(off_logits.tanh()? * 0.5)?)?
            .clamp(-0.5f32, 0.5f32)?;
        let (ls, lg, la) = (s.score_latent, s.groove_latent, s.accent_latent);
        let zs = z.narrow(1, 0, VOICES * ls)?.reshape((b, VOICES, ls))?;
        let zg = z.narrow(1, VOICES * ls, lg)?;
        let za = z.narrow(1, VOICES * ls + lg, la)?;
        let a1 = voice_linear(&zs, v("dec.aux_score1.w"), v("dec.aux_score1.b"))?.relu()?;
        let aux_score_logits =
            voice_linear(&a1, v("dec.aux_score2.w"), v("dec.aux_score2.b"))?.transpose(1, 2)?;
        let g = gemm(
            &zg,
            v("dec.aux_groove.0.weight"),
            v("dec.aux_groove.0.bias"),
        )?
        .relu()?;
        let g = gemm(&g, v("dec.aux_groove.2.weight"), v("dec.aux_groove.2.bias"))?
            .reshape((b, STEPS, 3))?;
        let gc = |k: usize| g.narrow(2, k, 1).and_then(|t| t.squeeze(2));
        let a = gemm(
            &za,
            v("dec.aux_accent.0.weight"),
            v("dec.aux_accent.0.bias"),
        )?
        .relu()?;
        Ok(Decoded {
            hit_logits: ch(0)?,
            velocities: sigmoid(&vel_logits)?,
            offsets,
            offset_scale: (sigmoid(&ch(3)?)? * 0.5)?.affine(1.0, 0.005)?,
            velocity_scale: (sigmoid(&ch(4)?)? * 0.5)?.affine(1.0, 0.005)?,
            aux_score_logits,
            aux_groove: (gc(0)?, sigmoid(&gc(1)?)?, (gc(2)?.tanh()? * 0.5)?),
            aux_accent_logits: gemm(&a, v("dec.aux_accent.2.weight"), v("dec.aux_accent.2.bias"))?,
        })
    }

    /// train.py's `losses` (beta 1, offset weight 4): the batch mean, and its parts.
    pub fn loss(&self, bt: &Batch) -> Result<(Tensor, LossParts)> {
        self.loss_c(bt).map_err(c)
    }

    fn loss_c(&self, bt: &Batch) -> candle_core::Result<(Tensor, LossParts)> {
        let (mu, lv) = self.encode_c(&bt.hits, &bt.groove, &bt.accent, Some((&bt.vel, &bt.off)))?;
        let z = match &bt.eps {
            Some(eps) => (&mu + (eps * (&lv * 0.5)?.exp()?)?)?,
            None => mu.clone(),
        };
        let d = self.decode_c(
            &z,
            &bt.hits,
            &bt.score_mask,
            &bt.groove,
            &bt.groove_mask,
            &bt.accent,
            &bt.accent_mask,
        )?;
        let s12 = |t: Tensor| t.sum((1, 2));
        let hits = &bt.hits;
        let r_hits = s12(bce(&d.hit_logits, hits)?)?;
        let r_vel = s12(((&d.velocities - &bt.vel)?.sqr()? * hits)?)?;
        let r_off = (s12(((&d.offsets - &bt.off)?.sqr()? * hits)?)? * 4.0)?;
        // each spread: a normal's negative log-likelihood around the prediction, held fixed
        let spread = |m: &Tensor, y: &Tensor, sd: &Tensor| -> candle_core::Result<Tensor> {
            let nll = ((m.detach() - y)?.sqr()? / (sd.sqr()? * 2.0)?)?;
            s12(((nll + sd.log()?)? * hits)?)
        };
        let r_spread = spread(&d.offsets, &bt.off, &d.offset_scale)?;
        let r_vspread = spread(&d.velocities, &bt.vel, &d.velocity_scale)?;
        let nll = ((&r_hits + &r_spread)? + &r_vspread)?;
        let gc = |k: usize| bt.groove.narrow(2, k, 1).and_then(|t| t.squeeze(2));
        let gh = gc(0)?;
        let a_score = s12(bce(&d.aux_score_logits, hits)?)?;
        let (agh, agv, ago) = &d.aux_groove;
        let a_groove = ((bce(agh, &gh)?.sum(1)? + ((agv - gc(1)?)?.sqr()? * &gh)?.sum(1)?)?
            + (((ago - gc(2)?)?.sqr()? * &gh)?.sum(1)? * 4.0)?)?;
        let a_accent = bce(&d.aux_accent_logits, &bt.accent)?.sum(1)?;
        let kl = ((mu.sqr()? + lv.exp()?)?.affine(1.0, -1.0)? - &lv)?.affine(0.5, 0.0)?;
        let mut kl_cost = Tensor::zeros(mu.dim(0)?, DType::F32, mu.device())?;
        for (at, dims, bits) in self.sizes.latents() {
            let free = bits * std::f64::consts::LN_2;
            kl_cost = (kl_cost + kl.narrow(1, at, dims)?.sum(1)?.affine(1.0, -free)?.relu()?)?;
        }
        let mut total = (&r_hits + &r_vel)?;
        for part in [
            &r_off, &r_spread, &r_vspread, &a_score, &a_groove, &a_accent, &kl_cost,
        ] {
            total = (total + part)?;
        }
        let total = total.mean(0)?;
        let m = |t: &Tensor| t.mean(0).and_then(|x| x.to_scalar::<f32>());
        let parts = LossParts {
            total: total.to_scalar::<f32>()?,
            nll: m(&nll)?,
        };
        Ok((total, parts))
    }
}

/// `nn.Linear` as exported to `Gemm(transB=1)`: `x W^T + b`, W `[out, in]`.
fn gemm(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    x.matmul(&w.t()?)?.broadcast_add(b)
}

/// `einsum("bvi,vio->bvo") + b`: one matmul per voice.
fn voice_linear(x: &Tensor, w: &Tensor, b: &Tensor) -> candle_core::Result<Tensor> {
    x.transpose(0, 1)?
        .contiguous()?
        .matmul(w)?
        .transpose(0, 1)?
        .broadcast_add(b)
}

/// One direction of ONNX's LSTM over per-step inputs `xs[t]` `[B, I]` -> `[B, T, H]`.
fn lstm(
    xs: &[Tensor],
    w: &Tensor,
    r: &Tensor,
    bias: &Tensor,
    h: usize,
    reverse: bool,
) -> candle_core::Result<Tensor> {
    let b = xs[0].dim(0)?;
    let bsum = (bias.narrow(0, 0, 4 * h)? + bias.narrow(0, 4 * h, 4 * h)?)?;
    let (wt, rt) = (w.t()?, r.t()?);
    let mut hs = Tensor::zeros((b, h), DType::F32, xs[0].device())?;
    let mut cs = hs.clone();
    let mut out = vec![hs.clone(); xs.len()];
    let order: Vec<usize> = if reverse {
        (0..xs.len()).rev().collect()
    } else {
        (0..xs.len()).collect()
    };
    for k in order {
        let g = (xs[k].matmul(&wt)?.broadcast_add(&bsum)? + hs.matmul(&rt)?)?;
        let i = sigmoid(&g.narrow(1, 0, h)?)?;
        let o = sigmoid(&g.narrow(1, h, h)?)?;
        let f = sigmoid(&g.narrow(1, 2 * h, h)?)?;
        let cell = g.narrow(1, 3 * h, h)?.tanh()?;
        cs = ((f * &cs)? + (i * cell)?)?;
        hs = (o * cs.tanh()?)?;
        out[k] = hs.clone();
    }
    Tensor::stack(&out, 1)
}

/// Binary cross-entropy with logits, per element: `relu(x) - x y + log(1 + e^-|x|)`.
fn bce(x: &Tensor, y: &Tensor) -> candle_core::Result<Tensor> {
    let soft = x.abs()?.neg()?.exp()?.affine(1.0, 1.0)?.log()?;
    (x.relu()? - (x * y)?)? + soft
}
