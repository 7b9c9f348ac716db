//! The accompanist's model folder (`accomp.onnx` and `model.json`, from
//! models/train/accomp_export.py) run through ONNX Runtime one step at a time with a key/value
//! cache: feeding a token costs one position's compute, not the whole context's.

use std::path::Path;

use ort::session::Session;
use ort::value::TensorRef;
use serde_json::Value;

use super::tokens::{self, VOCAB};
use crate::error::Result;
use crate::model::{gate, init_runtime, model_error, open_session, runtime_error};

pub const MODEL_FORMAT: &str = "bandmate-accomp-model";
pub const MODEL_VERSION: u64 = 1;

/// What `model.json` says about the network.
#[derive(Debug, Clone, PartialEq)]
pub struct AccompInfo {
    pub layers: usize,
    pub heads: usize,
    pub d: usize,
    /// The longest context (positions) the model was trained on.
    pub ctx: usize,
    pub parameters: u64,
}

impl AccompInfo {
    /// Read and check `model.json`: its format, and that its tokens are this build's.
    pub fn read(dir: &Path) -> Result<AccompInfo> {
        let path = dir.join("model.json");
        let bytes = crate::fsutil::read(&path)?;
        let j: Value = serde_json::from_slice(&bytes)
            .map_err(|e| model_error(format!("model.json is not JSON: {e}")).at(&path))?;
        let bad = |m: String| model_error(m).at(&path);
        if j["format"] != MODEL_FORMAT || j["version"].as_u64() != Some(MODEL_VERSION) {
            return Err(bad(format!(
                "not a {MODEL_FORMAT} version {MODEL_VERSION} folder (format {}, version {})",
                j["format"], j["version"]
            )));
        }
        let t = &j["tokens"];
        let layout = &t["layout"];
        let want = [
            ("vocab", &t["vocab"], VOCAB as u64),
            (
                "ticks_per_beat",
                &t["ticks_per_beat"],
                u64::from(tokens::TICKS_PER_BEAT),
            ),
            ("delta1", &t["delta1"], u64::from(tokens::DELTA1)),
            (
                "layout.shift",
                &layout["shift"],
                u64::from(tokens::SHIFT_BASE),
            ),
            (
                "layout.duration",
                &layout["duration"],
                u64::from(tokens::DURATION_BASE),
            ),
            ("layout.part", &layout["part"], u64::from(tokens::PART_BASE)),
            (
                "layout.human",
                &layout["human"],
                u64::from(tokens::HUMAN_BASE),
            ),
            (
                "layout.chord",
                &layout["chord"],
                u64::from(tokens::CHORD_BASE),
            ),
        ];
        for (name, got, want) in want {
            if got.as_u64() != Some(want) {
                return Err(bad(format!(
                    "its tokens are not this build's: {name} is {got}, expected {want}"
                )));
            }
        }
        let c = &j["config"];
        let num = |k: &str| {
            c[k].as_u64()
                .filter(|&x| x > 0 && x <= 1 << 16)
                .map(|x| x as usize)
                .ok_or_else(|| bad(format!("config.{k} is {}", c[k])))
        };
        let info = AccompInfo {
            layers: num("layers")?,
            heads: num("heads")?,
            d: num("d")?,
            ctx: num("ctx")?,
            parameters: j["parameters"].as_u64().unwrap_or(0),
        };
        if info.d % info.heads != 0 || info.ctx < 16 {
            return Err(bad("config: d must divide by heads, ctx at least 16".into()));
        }
        Ok(info)
    }

    fn head_dim(&self) -> usize {
        self.d / self.heads
    }
}

/// A copy of the model's cache (see [`AccompModel::snapshot`]).
#[derive(Clone)]
pub struct Cache {
    past_k: Vec<f32>,
    past_v: Vec<f32>,
    cached: usize,
}

/// The network with its cache: the positions fed since the last [`AccompModel::reset`].
pub struct AccompModel {
    info: AccompInfo,
    session: Session,
    /// `[layers, 1, heads, cached, head_dim]`, row-major.
    past_k: Vec<f32>,
    past_v: Vec<f32>,
    cached: usize,
}

impl AccompModel {
    /// Load a model folder (ONNX Runtime first, if needed).
    pub fn load(dir: &Path) -> Result<AccompModel> {
        let info = AccompInfo::read(dir)?;
        let env = init_runtime(None)?;
        let _pass = gate::enter()?;
        let session = open_session(&env, &dir.join("accomp.onnx"))?;
        for name in ["tokens", "start", "past_k", "past_v"] {
            if !session.inputs().iter().any(|i| i.name() == name) {
                return Err(model_error(format!("accomp.onnx has no input {name}")).at(dir));
            }
        }
        gate::arm();
        Ok(AccompModel {
            info,
            session,
            past_k: Vec::new(),
            past_v: Vec::new(),
            cached: 0,
        })
    }

    pub fn info(&self) -> &AccompInfo {
        &self.info
    }

    /// Positions in the cache.
    pub fn cached(&self) -> usize {
        self.cached
    }

    /// The cache as it is, to go back to with [`AccompModel::restore`].
    pub fn snapshot(&self) -> Cache {
        Cache {
            past_k: self.past_k.clone(),
            past_v: self.past_v.clone(),
            cached: self.cached,
        }
    }

    /// Back to a cache [`AccompModel::snapshot`] took (of this model).
    pub fn restore(&mut self, c: Cache) {
        self.past_k = c.past_k;
        self.past_v = c.past_v;
        self.cached = c.cached;
    }

    /// Forget the cache (a new sequence).
    pub fn reset(&mut self) {
        self.past_k.clear();
        self.past_v.clear();
        self.cached = 0;
    }

    /// Feed `tokens` after the cached ones; the logits (`VOCAB`) after the last of them. The
    /// context must stay within the model's `ctx` (the caller starts again shorter first).
    pub fn feed(&mut self, tokens: &[u16]) -> Result<Vec<f32>> {
        if tokens.is_empty() || self.cached + tokens.len() > self.info.ctx {
            return Err(runtime_error(format!(
                "accompanist: {} tokens after {} cached do not fit its context of {}",
                tokens.len(),
                self.cached,
                self.info.ctx
            )));
        }
        if let Some(t) = tokens.iter().find(|&&t| usize::from(t) >= VOCAB) {
            return Err(runtime_error(format!(
                "accompanist: token {t} is outside the vocabulary"
            )));
        }
        let run = |e: ort::Error| runtime_error(format!("accompanist: {e}"));
        let ids: Vec<i64> = tokens.iter().map(|&t| i64::from(t)).collect();
        let start = [self.cached as i64];
        let (l, h, dh) = (self.info.layers, self.info.heads, self.info.head_dim());
        let shape = [l, 1, h, self.cached, dh];
        let inputs = ort::inputs![
            "tokens" => TensorRef::from_array_view(([1usize, ids.len()], &ids[..])).map_err(run)?,
            "start" => TensorRef::from_array_view(([0usize; 0], &start[..1])).map_err(run)?,
            "past_k" => TensorRef::from_array_view((shape, &self.past_k[..])).map_err(run)?,
            "past_v" => TensorRef::from_array_view((shape, &self.past_v[..])).map_err(run)?,
        ];
        let _pass = gate::enter()?;
        let out = self.session.run(inputs).map_err(run)?;
        let (_, logits) = out["logits"].try_extract_tensor::<f32>().map_err(run)?;
        let (_, k) = out["present_k"].try_extract_tensor::<f32>().map_err(run)?;
        let (_, v) = out["present_v"].try_extract_tensor::<f32>().map_err(run)?;
        let n = self.cached + tokens.len();
        if logits.len() != tokens.len() * VOCAB || k.len() != l * h * n * dh || v.len() != k.len() {
            return Err(runtime_error("accompanist: outputs of unexpected sizes"));
        }
        if logits.iter().any(|x| x.is_nan()) {
            return Err(runtime_error("accompanist: the model gave NaN"));
        }
        self.past_k = k.to_vec();
        self.past_v = v.to_vec();
        self.cached = n;
        Ok(logits[(tokens.len() - 1) * VOCAB..].to_vec())
    }
}
