//! Fragments from text: a Stable Audio Open (Small) model, exported by `scripts/export-sao`
//! into a model folder, run in ONNX Runtime (docs/text-to-audio.md).
//!
//! The folder holds three graphs and a tokenizer: `conditioner.onnx` (the prompt's T5 tokens and
//! the seconds -> the diffusion transformer's cross-attention tokens and global vector),
//! `dit.onnx` (one model call of the sampler), `decoder.onnx` (the autoencoder's decoder:
//! latents -> 44.1 kHz audio), `tokenizer.json` (T5's, as the `tokenizers` crate reads it) and
//! `model.json` (format `bandmate-sao` version 1). Generation tokenizes the prompt, runs the
//! conditioner, then the ping-pong sampler of stable-audio-tools (`sample_flow_pingpong` on
//! `sample_rf`'s schedule: a rectified-flow denoiser, sampled in a few steps, fresh noise mixed
//! in between) with classifier-free guidance when `cfg` is not 1 (the unconditioned half gets
//! zeros as its tokens, as the DiT's own guidance does), and decodes the latents. It is meant
//! for a worker thread: a step takes from milliseconds (the tiny test model) to seconds (the real
//! one); `progress` is told after each step and stops the run when it says so.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::{Error, Result};
use crate::model::{gate, init_runtime, model_error, open_session_threads, runtime_error};
use crate::rng::Rng;
use crate::wav::Audio;

/// `model.json`'s `format`.
pub const FORMAT: &str = "bandmate-sao";
/// The `model.json` version this reads.
pub const VERSION: u32 = 1;
/// The most sampler steps a request may ask (a distilled model wants about 8).
pub const MAX_STEPS: usize = 100;
/// The largest guidance scale a request may ask.
pub const MAX_CFG: f64 = 20.0;
/// The shortest fragment (seconds).
pub const MIN_SECONDS: f64 = 0.5;
/// Latent frames decoded past the end of the fragment asked: the decoder is convolutional, so
/// the audio of a frame depends on a few frames either side; this many more make the kept part
/// the same as a decode of the whole window (measured: `core/tests/t2a.rs` on the tiny model,
/// the benchmark on the full-size one; docs/text-to-audio.md).
pub const DECODE_MARGIN: usize = 16;

#[derive(Debug, Clone, Deserialize)]
struct Meta {
    format: String,
    version: u32,
    name: String,
    sample_rate: u32,
    channels: usize,
    latent_channels: usize,
    downsampling_ratio: usize,
    sample_size: usize,
    max_tokens: usize,
    cond_tokens: usize,
    cond_dim: usize,
    global_dim: usize,
    numbers: Vec<Number>,
    objective: String,
    sampler: String,
    steps: usize,
    cfg: f64,
    graphs: Graphs,
    tokenizer: String,
    #[serde(default)]
    random_weights: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct Graphs {
    conditioner: String,
    dit: String,
    decoder: String,
    #[serde(default)]
    dit_int8: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Number {
    name: String,
}

/// What a loaded text-to-audio model is.
#[derive(Debug, Clone, PartialEq)]
pub struct T2aInfo {
    pub name: String,
    pub dir: PathBuf,
    pub sample_rate: u32,
    pub channels: usize,
    /// The longest fragment it makes (its training window).
    pub max_seconds: f64,
    /// The most tokens a prompt may have (with the end token).
    pub max_tokens: usize,
    /// Its defaults.
    pub steps: usize,
    pub cfg: f64,
    /// Whether the transformer runs with INT8 weights.
    pub int8: bool,
    /// Made with random weights (the test and benchmark models): it plays noise.
    pub random_weights: bool,
}

/// One fragment to make.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub prompt: String,
    /// How long the fragment is (within the model's window).
    pub seconds: f64,
    /// Sampler steps (`None`: the model's default).
    pub steps: Option<usize>,
    /// Guidance scale (`None`: the model's default; 1 = no guidance, one model call a step).
    pub cfg: Option<f64>,
    pub seed: u64,
}

/// A text-to-audio model, loaded.
pub struct TextToAudio {
    meta: Meta,
    info: T2aInfo,
    tokenizer: tokenizers::Tokenizer,
    conditioner: ort::session::Session,
    dit: ort::session::Session,
    decoder: ort::session::Session,
}

fn run_error(what: &str) -> impl Fn(ort::Error) -> Error + '_ {
    move |e| runtime_error(format!("text-to-audio {what}: {e}"))
}

fn first_output(
    out: &ort::session::SessionOutputs<'_>,
    name: &str,
    what: &str,
) -> Result<(Vec<usize>, Vec<f32>)> {
    let (shape, data) = out[name]
        .try_extract_tensor::<f32>()
        .map_err(|e| runtime_error(format!("text-to-audio {what} output {name}: {e}")))?;
    if data.iter().any(|x| !x.is_finite()) {
        return Err(runtime_error(format!(
            "text-to-audio {what}: output {name} is not a number (the model is broken)"
        )));
    }
    Ok((
        shape.iter().map(|&d| d.max(0) as usize).collect(),
        data.to_vec(),
    ))
}

impl TextToAudio {
    /// Load a model folder: ONNX Runtime from `runtime` where that file exists (a host
    /// package's copy), else as found; the INT8 transformer with `int8` (refused where the
    /// folder has none). `threads`: ONNX Runtime's threads per graph.
    pub fn load(
        dir: &Path,
        runtime: Option<&Path>,
        int8: bool,
        threads: usize,
    ) -> Result<TextToAudio> {
        let meta = read_meta(dir)?;
        if let Some(lib) = runtime.filter(|p| p.is_file()) {
            init_runtime(Some(lib))?;
        }
        let tok_path = dir.join(&meta.tokenizer);
        if !tok_path.is_file() {
            return Err(model_error("missing (the tokenizer)").at(&tok_path));
        }
        let tokenizer = tokenizers::Tokenizer::from_file(&tok_path).map_err(|e| {
            model_error(format!("not a tokenizer this can read: {e}")).at(&tok_path)
        })?;
        let dit_file = if int8 {
            meta.graphs.dit_int8.clone().ok_or_else(|| {
                model_error("has no INT8 transformer (export it with --int8)").at(dir)
            })?
        } else {
            meta.graphs.dit.clone()
        };
        let env = init_runtime(None)?;
        let _pass = gate::enter()?;
        let threads = threads.max(1);
        let conditioner = open_session_threads(&env, &dir.join(&meta.graphs.conditioner), threads)?;
        let dit = open_session_threads(&env, &dir.join(&dit_file), threads)?;
        let decoder = open_session_threads(&env, &dir.join(&meta.graphs.decoder), threads)?;
        let want: [(&ort::session::Session, &str, Vec<String>, &[&str]); 3] = [
            (
                &conditioner,
                &meta.graphs.conditioner,
                ["input_ids", "attention_mask"]
                    .iter()
                    .map(|s| s.to_string())
                    .chain(meta.numbers.iter().map(|n| n.name.clone()))
                    .collect(),
                &["cross_attn_cond", "global_cond"],
            ),
            (
                &dit,
                &dit_file,
                ["x", "t", "cross_attn_cond", "global_cond"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                &["v"],
            ),
            (
                &decoder,
                &meta.graphs.decoder,
                vec!["latents".into()],
                &["audio"],
            ),
        ];
        for (s, file, ins, outs) in want {
            let have: Vec<&str> = s.inputs().iter().map(|i| i.name()).collect();
            for n in &ins {
                if !have.contains(&n.as_str()) {
                    return Err(model_error(format!(
                        "has no input '{n}' (it has: {}); export it again with scripts/export-sao",
                        have.join(", ")
                    ))
                    .at(&dir.join(file)));
                }
            }
            let have_out: Vec<&str> = s.outputs().iter().map(|o| o.name()).collect();
            for n in outs {
                if !have_out.contains(n) {
                    return Err(model_error(format!("has no output '{n}'")).at(&dir.join(file)));
                }
            }
        }
        gate::arm();
        let info = T2aInfo {
            name: meta.name.clone(),
            dir: dir.to_path_buf(),
            sample_rate: meta.sample_rate,
            channels: meta.channels,
            max_seconds: meta.sample_size as f64 / f64::from(meta.sample_rate),
            max_tokens: meta.max_tokens,
            steps: meta.steps,
            cfg: meta.cfg,
            int8,
            random_weights: meta.random_weights,
        };
        Ok(TextToAudio {
            meta,
            info,
            tokenizer,
            conditioner,
            dit,
            decoder,
        })
    }

    pub fn info(&self) -> &T2aInfo {
        &self.info
    }

    /// The prompt's token ids and attention mask, padded to the model's length, as
    /// stable-audio-tools' T5 conditioner makes them (with the end token). An empty prompt,
    /// or one longer than the model reads, is an error (never cut short silently).
    pub fn tokens(&self, prompt: &str) -> Result<(Vec<i64>, Vec<i64>)> {
        if prompt.trim().is_empty() {
            return Err(Error::invalid("the prompt is empty: say what to make"));
        }
        let enc = self
            .tokenizer
            .encode(prompt, true)
            .map_err(|e| Error::invalid(format!("cannot read the prompt: {e}")))?;
        let ids = enc.get_ids();
        let max = self.meta.max_tokens;
        if ids.len() > max {
            return Err(Error::invalid(format!(
                "the prompt is {} tokens long; this model reads at most {max}: say it in fewer words",
                ids.len()
            )));
        }
        let mut tokens: Vec<i64> = ids.iter().map(|&i| i64::from(i)).collect();
        let mut mask = vec![1i64; tokens.len()];
        tokens.resize(max, 0);
        mask.resize(max, 0);
        Ok((tokens, mask))
    }

    /// The steps and guidance a request runs with, checked.
    fn settings(&self, r: &Request) -> Result<(usize, f64)> {
        let steps = r.steps.unwrap_or(self.meta.steps);
        if !(1..=MAX_STEPS).contains(&steps) {
            return Err(Error::invalid(format!(
                "steps {steps}: use 1 to {MAX_STEPS}"
            )));
        }
        let cfg = r.cfg.unwrap_or(self.meta.cfg);
        if !(0.0..=MAX_CFG).contains(&cfg) {
            return Err(Error::invalid(format!("cfg {cfg}: use 0 to {MAX_CFG}")));
        }
        let max = self.info.max_seconds;
        if !(r.seconds.is_finite() && (MIN_SECONDS..=max + 1e-9).contains(&r.seconds)) {
            return Err(Error::invalid(format!(
                "{} seconds: this model makes {MIN_SECONDS} to {max:.2} s",
                r.seconds
            )));
        }
        Ok((steps, cfg))
    }

    /// Make a fragment: the model's whole window is sampled (as it was trained, the seconds
    /// telling it where the sound ends) from seeded noise, decoded, cut to the seconds asked,
    /// and scaled so that its peak is at most full scale (stable-audio-tools' interface always
    /// scales to the peak). `progress(done, of)` after each sampler step; it returns whether to
    /// go on (`false`: cancelled, an error saying so).
    pub fn generate(
        &mut self,
        r: &Request,
        progress: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<Audio> {
        let frames = self.window_frames();
        let mut rng = Rng::new(r.seed ^ 0x5A0_0A75);
        let mut noise = |_i: usize, out: &mut [f32]| {
            for x in out.iter_mut() {
                *x = rng.normal();
            }
        };
        let latents = self.sample(r, frames, &mut noise, progress)?;
        let keep = (r.seconds * f64::from(self.meta.sample_rate)).round() as usize;
        let mut audio = self.decode(&latents, frames, self.decode_frames(keep, frames))?;
        let keep = keep.min(audio.frames());
        for c in &mut audio.channels {
            c.truncate(keep);
        }
        let peak = audio
            .channels
            .iter()
            .flatten()
            .fold(0.0f32, |m, x| m.max(x.abs()));
        if peak > 1.0 {
            for x in audio.channels.iter_mut().flatten() {
                *x /= peak;
            }
        }
        Ok(audio)
    }

    /// The pipeline itself on `frames` latent frames, with the noise `noise(i, out)` gives
    /// (`i` = 0: the starting noise; then the noise mixed in after step `i`), the decoder's
    /// output as it is (for the reference test: fed stable-audio-tools' own noises, it must
    /// give stable-audio-tools' audio).
    pub fn generate_raw(
        &mut self,
        r: &Request,
        frames: usize,
        noise: &mut dyn FnMut(usize, &mut [f32]),
        progress: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<Audio> {
        let latents = self.sample(r, frames, noise, progress)?;
        self.decode(&latents, frames, frames)
    }

    /// The latent frames of the model's window.
    pub fn window_frames(&self) -> usize {
        self.meta.sample_size / self.meta.downsampling_ratio
    }

    /// How many of `frames` latent frames to decode for `keep` samples of audio: those that
    /// make them and [`DECODE_MARGIN`] more.
    pub fn decode_frames(&self, keep: usize, frames: usize) -> usize {
        (keep.div_ceil(self.meta.downsampling_ratio) + DECODE_MARGIN).min(frames)
    }

    /// The sampler alone: the latents `[channels, frames]` (row-major) of a request.
    pub fn sample(
        &mut self,
        r: &Request,
        frames: usize,
        noise: &mut dyn FnMut(usize, &mut [f32]),
        progress: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<Vec<f32>> {
        let (steps, cfg) = self.settings(r)?;
        if frames == 0 {
            return Err(Error::invalid("no latent frames to make"));
        }
        let (ids, mask) = self.tokens(&r.prompt)?;
        let (cross, global) = self.condition(&ids, &mask, r.seconds)?;
        let (c, n) = (
            self.meta.latent_channels,
            frames * self.meta.latent_channels,
        );
        let mut x = vec![0.0f32; n];
        noise(0, &mut x);
        let t = schedule(steps);
        let guided = (cfg - 1.0).abs() > 1e-12;
        // (the batch of two for guidance: the prompt's tokens, then zeros; the same global)
        let (cross2, global2) = if guided {
            let mut c2 = cross.clone();
            c2.extend(std::iter::repeat_n(0.0, cross.len()));
            let mut g2 = global.clone();
            g2.extend_from_slice(&global);
            (c2, g2)
        } else {
            (Vec::new(), Vec::new())
        };
        let mut fresh = vec![0.0f32; n];
        for i in 0..steps {
            let v = if guided {
                let mut xx = x.clone();
                xx.extend_from_slice(&x);
                let out = self.model_call(&xx, 2, c, frames, t[i], &cross2, &global2)?;
                let (cond, uncond) = out.split_at(n);
                cond.iter()
                    .zip(uncond)
                    .map(|(&a, &u)| u + (a - u) * cfg as f32)
                    .collect::<Vec<f32>>()
            } else {
                self.model_call(&x, 1, c, frames, t[i], &cross, &global)?
            };
            let (now, next) = (t[i], t[i + 1]);
            noise(i + 1, &mut fresh);
            for ((xi, vi), fi) in x.iter_mut().zip(&v).zip(&fresh) {
                let denoised = *xi - now * vi;
                *xi = (1.0 - next) * denoised + next * fi;
            }
            if !progress(i + 1, steps) {
                return Err(Error::invalid(format!(
                    "cancelled after {} of {steps} steps",
                    i + 1
                )));
            }
        }
        Ok(x)
    }

    fn condition(
        &mut self,
        ids: &[i64],
        mask: &[i64],
        seconds: f64,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        let err = run_error("conditioner");
        let l = ids.len();
        let secs = [seconds as f32];
        let mut inputs: Vec<(std::borrow::Cow<str>, ort::session::SessionInputValue)> = vec![
            (
                "input_ids".into(),
                ort::value::TensorRef::from_array_view(([1usize, l], ids))
                    .map_err(&err)?
                    .into(),
            ),
            (
                "attention_mask".into(),
                ort::value::TensorRef::from_array_view(([1usize, l], mask))
                    .map_err(&err)?
                    .into(),
            ),
        ];
        for n in &self.meta.numbers {
            // seconds_total is the length; any other number (seconds_start) starts at 0
            let v: &[f32] = if n.name == "seconds_total" {
                &secs
            } else {
                &[0.0]
            };
            inputs.push((
                n.name.clone().into(),
                ort::value::TensorRef::from_array_view(([1usize], v))
                    .map_err(&err)?
                    .into(),
            ));
        }
        let _pass = gate::enter()?;
        let out = self.conditioner.run(inputs).map_err(&err)?;
        let (cs, cross) = first_output(&out, "cross_attn_cond", "conditioner")?;
        let (gs, global) = first_output(&out, "global_cond", "conditioner")?;
        if cs != [1, self.meta.cond_tokens, self.meta.cond_dim] || gs != [1, self.meta.global_dim] {
            return Err(model_error(format!(
                "the conditioner gave shapes {cs:?} and {gs:?}; model.json says [1, {}, {}] and [1, {}]",
                self.meta.cond_tokens, self.meta.cond_dim, self.meta.global_dim
            ))
            .at(&self.info.dir));
        }
        Ok((cross, global))
    }

    #[allow(clippy::too_many_arguments)]
    fn model_call(
        &mut self,
        x: &[f32],
        batch: usize,
        channels: usize,
        frames: usize,
        t: f32,
        cross: &[f32],
        global: &[f32],
    ) -> Result<Vec<f32>> {
        let err = run_error("transformer");
        let ts = vec![t; batch];
        let (ct, cd, gd) = (
            self.meta.cond_tokens,
            self.meta.cond_dim,
            self.meta.global_dim,
        );
        let inputs = ort::inputs![
            "x" => ort::value::TensorRef::from_array_view(([batch, channels, frames], x)).map_err(&err)?,
            "t" => ort::value::TensorRef::from_array_view(([batch], &ts[..])).map_err(&err)?,
            "cross_attn_cond" => ort::value::TensorRef::from_array_view(([batch, ct, cd], cross)).map_err(&err)?,
            "global_cond" => ort::value::TensorRef::from_array_view(([batch, gd], global)).map_err(&err)?,
        ];
        let _pass = gate::enter()?;
        let out = self.dit.run(inputs).map_err(&err)?;
        let (shape, v) = first_output(&out, "v", "transformer")?;
        if shape != [batch, channels, frames] {
            return Err(model_error(format!(
                "the transformer gave shape {shape:?} for [{batch}, {channels}, {frames}]"
            ))
            .at(&self.info.dir));
        }
        Ok(v)
    }

    /// Decode the first `first` of the `frames` latent frames of `latents` (`[channels,
    /// frames]`, row-major) into audio.
    pub fn decode(&mut self, latents: &[f32], frames: usize, first: usize) -> Result<Audio> {
        let err = run_error("decoder");
        let c = self.meta.latent_channels;
        if latents.len() != c * frames || first == 0 || first > frames {
            return Err(Error::invalid(format!(
                "decode: {} latents for {c} x {frames}, first {first}",
                latents.len()
            )));
        }
        let latents: Vec<f32> = latents
            .chunks(frames)
            .flat_map(|ch| ch[..first].iter().copied())
            .collect();
        let frames = first;
        let inputs = ort::inputs![
            "latents" => ort::value::TensorRef::from_array_view(([1usize, c, frames], &latents[..])).map_err(&err)?,
        ];
        let _pass = gate::enter()?;
        let out = self.decoder.run(inputs).map_err(&err)?;
        let (shape, data) = first_output(&out, "audio", "decoder")?;
        let ch = self.meta.channels;
        if shape.len() != 3 || shape[0] != 1 || shape[1] != ch {
            return Err(model_error(format!(
                "the decoder gave shape {shape:?}; expected [1, {ch}, samples]"
            ))
            .at(&self.info.dir));
        }
        let len = shape[2];
        Ok(Audio {
            sample_rate: self.meta.sample_rate,
            channels: data.chunks(len).map(|c| c.to_vec()).collect(),
        })
    }
}

/// The sampler's times for `steps` steps: stable-audio-tools' `sample_rf` with sigma_max 1
/// (log-SNR from -6 to 2 evenly, t = sigmoid(-logSNR), the ends set to exactly 1 and 0).
pub fn schedule(steps: usize) -> Vec<f32> {
    let mut t: Vec<f32> = (0..=steps)
        .map(|i| {
            // as torch.linspace computes in float32
            let step = (2.0f32 - -6.0) / steps as f32;
            let logsnr = if i < steps.div_ceil(2) {
                -6.0 + step * i as f32
            } else {
                2.0 - step * (steps - i) as f32
            };
            1.0 / (1.0 + logsnr.exp())
        })
        .collect();
    t[0] = 1.0;
    t[steps] = 0.0;
    t
}

fn read_meta(dir: &Path) -> Result<Meta> {
    let path = dir.join("model.json");
    if !dir.is_dir() {
        return Err(model_error("not a folder").at(dir));
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, &e))?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| model_error(format!("not JSON: {e}")).at(&path))?;
    match v.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(model_error(format!(
                "is a '{other}' model, not a text-to-audio one ('{FORMAT}', made by scripts/export-sao)"
            ))
            .at(&path))
        }
        None => return Err(model_error(format!("says no format ('{FORMAT}' expected)")).at(&path)),
    }
    let m: Meta = serde_json::from_value(v)
        .map_err(|e| model_error(format!("not a text-to-audio model.json: {e}")).at(&path))?;
    if m.format != FORMAT || m.version != VERSION {
        return Err(model_error(format!(
            "version {}; this bandmate reads version {VERSION}: export it again with scripts/export-sao",
            m.version
        ))
        .at(&path));
    }
    if m.sampler != "pingpong" || !matches!(m.objective.as_str(), "rf_denoiser" | "rectified_flow")
    {
        return Err(model_error(format!(
            "sampler '{}' with objective '{}': this bandmate runs pingpong on rf_denoiser or rectified_flow",
            m.sampler, m.objective
        ))
        .at(&path));
    }
    let sane = m.sample_rate > 0
        && (1..=8).contains(&m.channels)
        && m.latent_channels > 0
        && m.downsampling_ratio > 0
        && m.sample_size >= m.downsampling_ratio
        && (1..=4096).contains(&m.max_tokens)
        && m.cond_tokens > 0
        && m.cond_dim > 0
        && m.global_dim > 0
        && (1..=MAX_STEPS).contains(&m.steps)
        && (0.0..=MAX_CFG).contains(&m.cfg);
    if !sane {
        return Err(model_error("holds sizes out of range").at(&path));
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_is_stable_audio_tools_sample_rf() {
        // torch: t = sigmoid(-linspace(-6, 2, 9)); t[0] = 1; t[-1] = 0
        let t = schedule(8);
        let want = [
            1.0, 0.9933071, 0.98201376, 0.95257413, 0.880797, 0.7310586, 0.5, 0.26894143, 0.0,
        ];
        assert_eq!(t.len(), 9);
        for (a, b) in t.iter().zip(want) {
            assert!((a - b).abs() < 1e-6, "{t:?}");
        }
    }

    #[test]
    fn a_folder_that_is_not_a_model_says_so() {
        let d = std::env::temp_dir().join(format!("bandmate-t2a-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        let e = read_meta(&d).unwrap_err().to_string();
        assert!(e.contains("model.json"), "{e}");
        std::fs::write(d.join("model.json"), r#"{"format": "bandmate-groove"}"#).unwrap();
        let e = read_meta(&d).unwrap_err().to_string();
        assert!(e.contains("not a text-to-audio"), "{e}");
        assert_ne!(crate::training::format_of(&d).as_deref(), Some(FORMAT));
        std::fs::write(d.join("model.json"), "{").unwrap();
        let e = read_meta(&d).unwrap_err().to_string();
        assert!(e.contains("not JSON"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
