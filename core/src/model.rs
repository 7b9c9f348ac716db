//! The trained groove model, run through ONNX Runtime.
//!
//! A model folder (`models/groove/`) holds `model.json` (format, latent layout, graph inputs and
//! outputs), `encoder.onnx` (gestures -> mu, logvar) and `decoder.onnx` (latent + gestures ->
//! loop and the auxiliary readings). Loading checks every one of these against what this code
//! expects and names the first thing that differs. Sampling happens here, between the graphs:
//! a gesture that was given is encoded and sampled around its reading (scaled by the
//! temperature); a gesture that was not is drawn from the prior: the folder's joint prior
//! (`prior.json`, see [`crate::prior`]: one kind of loop is picked, weighed by what was given
//! and the style asked for, and every missing latent comes from it), else N(0, 1). After the
//! decoder, each hit is drawn (see [`decide_hits`]) and so are its timing and loudness: the
//! decoder gives the offset and velocity a drummer would most likely play and how far drummers
//! stray from them (`offset_scale`, `velocity_scale`, learned from the data), and
//! [`draw_offsets`] / [`draw_velocities`] sample between them.
//!
//! ONNX Runtime is loaded at run time from a shared library (see [`init_runtime`]); one
//! environment per process.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ort::environment::Environment;
use ort::session::builder::GraphOptimizationLevel;
use ort::session::Session;
use ort::value::{TensorRef, ValueType};
use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::groove::{assemble, check_vary, Drummer, Generation, Reading, Request, Task, STEPS};
use crate::pattern::Pattern;
use crate::prior::Prior;
use crate::rng::Rng;
use crate::voice::{Voice, VOICES};

/// The ONNX Runtime release the project pins (models/requirements.txt, scripts/setup).
pub const ORT_VERSION: &str = "1.31.1";

/// An operating system a package is made for (the package scripts and the plugins' path logic
/// are tested for every system on whichever one runs the tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    Linux,
    MacOs,
    Windows,
    /// Any other Unix.
    Other,
}

impl Os {
    /// The system this code was built for.
    pub const HOST: Os = if cfg!(target_os = "linux") {
        Os::Linux
    } else if cfg!(target_os = "macos") {
        Os::MacOs
    } else if cfg!(target_os = "windows") {
        Os::Windows
    } else {
        Os::Other
    };
}

/// The ONNX Runtime library's file name on `os`, as its release archives name it (for
/// [`ORT_VERSION`]); the package scripts copy the library under this name.
pub const fn ort_library_for(os: Os) -> &'static str {
    match os {
        Os::Linux => "libonnxruntime.so.1.31.1",
        Os::MacOs => "libonnxruntime.1.31.1.dylib",
        Os::Windows => "onnxruntime.dll",
        Os::Other => "libonnxruntime.so",
    }
}

/// The library's file name on this platform.
pub const ORT_LIBRARY: &str = ort_library_for(Os::HOST);

/// Where a plugin package keeps the ONNX Runtime library on `os`, relative to the package
/// folder, in the order looked at: `support/` first on Windows (Max adds a package's `support`
/// folder to the DLL search path, so the DLLs ONNX Runtime loads itself are found there), the
/// package folder itself first elsewhere (where `scripts/pd-package` and `scripts/max-package`
/// put it).
pub fn plugin_runtime_places(os: Os) -> [[&'static str; 2]; 2] {
    let lib = ort_library_for(os);
    match os {
        Os::Windows => [["support", lib], ["", lib]],
        _ => [["", lib], ["support", lib]],
    }
}

/// The ONNX Runtime library of the plugin package in `plugin_dir`: the first of
/// [`plugin_runtime_places`] that exists, else the first.
pub fn plugin_runtime(plugin_dir: &Path) -> PathBuf {
    let paths = plugin_runtime_places(Os::HOST).map(|rel| {
        rel.iter()
            .filter(|c| !c.is_empty())
            .fold(plugin_dir.to_path_buf(), |p, c| p.join(c))
    });
    paths
        .iter()
        .find(|p| p.is_file())
        .unwrap_or(&paths[0])
        .clone()
}

/// The model format this code reads (`model.json`).
pub const MODEL_FORMAT: &str = "bandmate-groove-model";
/// Version 3 adds the decoder's `velocity_scale` (a version-2 folder is refused with a word on
/// how to rebuild it: `scripts/train-groove`). Version 4 adds the performance latent: its
/// encoder also reads each drum's velocities and offsets as played; it is no gesture: generation
/// draws it from the prior unless the caller gives the missing latents (a fill keeps its loop's,
/// infill reads the neighbouring bars'). Version 3 folders are still read.
pub const MODEL_VERSION: u64 = 4;
/// The oldest version read.
pub const MODEL_VERSION_OLDEST: u64 = 3;

const ENCODER_INPUTS: [(&str, &[i64]); 5] = [
    ("score", &[-1, 32, 9]),
    ("groove", &[-1, 32, 3]),
    ("accent", &[-1, 32]),
    // version 4 only: each drum as played (zeros where nothing is known)
    ("velocities", &[-1, 32, 9]),
    ("offsets", &[-1, 32, 9]),
];
const DECODER_INPUTS: [(&str, &[i64]); 7] = [
    ("z", &[-1, 0]), // 0: the latent size, from model.json
    ("score", &[-1, 32, 9]),
    ("score_mask", &[-1, 9]),
    ("groove", &[-1, 32, 3]),
    ("groove_mask", &[-1, 1]),
    ("accent", &[-1, 32]),
    ("accent_mask", &[-1, 1]),
];
const ENCODER_OUTPUTS: [(&str, &[i64]); 2] = [("mu", &[-1, 0]), ("logvar", &[-1, 0])];
const DECODER_OUTPUTS: [(&str, &[i64]); 8] = [
    ("hits", &[-1, 32, 9]),
    ("velocities", &[-1, 32, 9]),
    ("offsets", &[-1, 32, 9]),
    ("offset_scale", &[-1, 32, 9]),
    ("velocity_scale", &[-1, 32, 9]),
    ("aux_score", &[-1, 32, 9]),
    ("aux_groove", &[-1, 32, 3]),
    ("aux_accent", &[-1, 32]),
];

static RUNTIME: Mutex<Option<Environment>> = Mutex::new(None);

/// ONNX Runtime at process exit. It is a C++ library: `exit()` runs its static destructors,
/// and if a worker thread is inside it then (loading a model a moment before a host quits),
/// the host crashes. So every call into it passes this gate: [`close_runtime`] (run from the
/// host's exit handler, before ONNX Runtime's own) waits for the calls in flight and turns
/// later ones away. A host that can register exit handlers gives [`set_exit_hook`] a function
/// that registers one; it is called again after each step that can add handlers of ONNX
/// Runtime's (its loading, its environment, each model), so the host's runs first.
pub(crate) mod gate {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::OnceLock;
    use std::time::{Duration, Instant};

    use crate::error::Result;

    static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
    static CLOSING: AtomicBool = AtomicBool::new(false);
    static HOOK: OnceLock<fn()> = OnceLock::new();

    /// A call into ONNX Runtime under way (ends when dropped).
    pub struct Pass(());

    impl Drop for Pass {
        fn drop(&mut self) {
            IN_FLIGHT.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Enter, unless the process is exiting. (Counted first, then checked: a closer that set
    /// the flag either sees this call or this call sees the flag.)
    pub fn enter() -> Result<Pass> {
        IN_FLIGHT.fetch_add(1, Ordering::SeqCst);
        let pass = Pass(());
        if CLOSING.load(Ordering::SeqCst) {
            return Err(super::runtime_error("the host is quitting"));
        }
        Ok(pass)
    }

    pub fn set_hook(f: fn()) {
        let _ = HOOK.set(f);
    }

    /// Register the host's exit handler (again): after this, it runs before every exit
    /// handler ONNX Runtime has registered so far.
    pub fn arm() {
        if let Some(f) = HOOK.get() {
            f();
        }
    }

    pub fn close(timeout: Duration) -> bool {
        CLOSING.store(true, Ordering::SeqCst);
        let end = Instant::now() + timeout;
        while IN_FLIGHT.load(Ordering::SeqCst) > 0 {
            if Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        true
    }
}

/// Give the function that registers the host's exit handler (which calls [`close_runtime`]):
/// the Pd and Max libraries do, at setup. See the `gate` module.
pub fn set_exit_hook(register: fn()) {
    gate::set_hook(register);
}

/// An exit handler for hosts to register (C's `atexit`): [`close_runtime`] with a second's
/// patience; a panic in it is caught (it never unwinds into C).
pub extern "C" fn exit_handler() {
    let _ = std::panic::catch_unwind(|| close_runtime(std::time::Duration::from_secs(1)));
}

/// The process is exiting: wait (at most `timeout`) for the calls into ONNX Runtime under way,
/// and turn later ones away, so its static destructors never run under a worker. Returns
/// whether nothing was left in flight.
pub fn close_runtime(timeout: std::time::Duration) -> bool {
    gate::close(timeout)
}

pub(crate) fn runtime_error(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Runtime(msg.into()))
}

pub(crate) fn model_error(msg: impl Into<String>) -> Error {
    Error::new(ErrorKind::Model(msg.into()))
}

/// Where the ONNX Runtime library is looked for, in order: `$BANDMATE_ORT_LIB`, `$ORT_DYLIB_PATH`,
/// beside the running program, and the workspace's `.ort/` (where `scripts/setup` puts it).
pub fn runtime_candidates() -> Vec<PathBuf> {
    let mut c = Vec::new();
    for var in ["BANDMATE_ORT_LIB", "ORT_DYLIB_PATH"] {
        if let Some(p) = std::env::var_os(var).filter(|p| !p.is_empty()) {
            c.push(PathBuf::from(p));
        }
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        c.push(dir.join(ORT_LIBRARY));
    }
    c.push(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .join(".ort")
            .join(ORT_LIBRARY),
    );
    c
}

/// Load ONNX Runtime (once per process). With `library`, exactly that file (a plugin passes
/// the copy beside itself); without, the first of [`runtime_candidates`] that exists. A
/// library that is missing or will not load is an error that names where it looked; a later
/// call may try again.
pub fn init_runtime(library: Option<&Path>) -> Result<Environment> {
    let mut rt = RUNTIME
        .lock()
        .map_err(|_| runtime_error("runtime lock poisoned"))?;
    if let Some(env) = rt.as_ref() {
        return Ok(env.clone());
    }
    let candidates = match library {
        Some(p) => vec![p.to_path_buf()],
        None => runtime_candidates(),
    };
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        let looked = candidates
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(runtime_error(format!(
            "library {ORT_LIBRARY} not found (looked at: {looked}); run scripts/setup, or set \
             BANDMATE_ORT_LIB to its path"
        )));
    };
    let path = std::fs::canonicalize(path).map_err(|e| Error::io(path, &e))?;
    let _pass = gate::enter()?;
    let builder = ort::init_from(&path)
        .map_err(|e| runtime_error(format!("cannot load {}: {e}", path.display())))?;
    // Loaded: its static destructors are registered; the host's exit handler goes after them
    // (and so runs before them).
    gate::arm();
    let env = builder
        .with_name("bandmate")
        .build()
        .map_err(|e| runtime_error(format!("cannot start: {e}")))?;
    gate::arm();
    *rt = Some(env.clone());
    Ok(env)
}

/// Start ONNX Runtime now, on the calling thread, once per process; errors are left for the
/// load that needs it to report. Hosts call this as the first groove object is made, on their
/// main thread: loading the library and building its environment (23-52 ms, once, on the
/// 2-core VM) then never overlaps the host's exit, which would otherwise run ONNX Runtime's
/// static destructors under a worker still building it (the exit gate cannot cover a build
/// that has registered half its statics). `library`: the plugin's copy, used when it exists.
pub fn warm_runtime(library: Option<&Path>) {
    static WARMED: std::sync::Once = std::sync::Once::new();
    WARMED.call_once(|| {
        let _ = init_runtime(library.filter(|p| p.is_file()));
    });
}

/// What `model.json` says about a model (`dump` / info outlets show this).
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    pub name: String,
    pub dir: PathBuf,
    pub z_dims: usize,
    /// (name, offset, dims) of each latent: the 9 voices' Score latents, then groove, accent,
    /// and (version 4) the performance latent.
    pub latents: Vec<(String, usize, usize)>,
    pub parameters: u64,
    /// The joint prior missing latents are drawn from (`prior.json`), where the folder has
    /// one; without it, N(0, 1) per dimension.
    pub prior: Option<Prior>,
}

impl ModelInfo {
    /// The dimensions of latent `name` ("groove", "performance", a voice), where it has one.
    pub fn latent(&self, name: &str) -> Option<std::ops::Range<usize>> {
        self.latents
            .iter()
            .find(|l| l.0 == name)
            .map(|&(_, at, dims)| at..at + dims)
    }

    /// Version 4: the encoder reads each drum's velocities and offsets into a performance
    /// latent, which generation draws from the prior (or takes from the caller, as any
    /// missing latent: [`GrooveModel::generate_near`]).
    pub fn has_performance(&self) -> bool {
        self.latent("performance").is_some()
    }

    /// The gestures' latents only: every dimension before the performance latent, which comes
    /// last (a looper matching what is played reads these; a live rendition's timing moves the
    /// performance latent).
    pub fn gesture_dims(&self) -> usize {
        self.latent("performance").map_or(self.z_dims, |r| r.start)
    }

    fn read(dir: &Path) -> Result<ModelInfo> {
        let path = dir.join("model.json");
        if !dir.is_dir() {
            return Err(model_error(
                "no such model folder (expected model.json, encoder.onnx, decoder.onnx)",
            )
            .at(dir));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, &e))?;
        let j: Value = serde_json::from_str(&text)
            .map_err(|e| model_error(format!("not valid JSON: {e}")).at(&path))?;
        let bad = |m: String| model_error(m).at(&path);
        let version = j["version"].as_u64().unwrap_or(0);
        if j["format"] != MODEL_FORMAT || !(MODEL_VERSION_OLDEST..=MODEL_VERSION).contains(&version)
        {
            let rebuild = if j["format"] == MODEL_FORMAT && j["version"] == 2 {
                " (version 2 has no velocity_scale: rebuild it with scripts/train-groove)"
            } else {
                ""
            };
            return Err(bad(format!(
                "expected format \"{MODEL_FORMAT}\" version {MODEL_VERSION_OLDEST} to \
                 {MODEL_VERSION}, found {} version {}{rebuild}",
                j["format"], j["version"]
            )));
        }
        if j["steps"] != STEPS as u64 {
            return Err(bad(format!("expected steps {STEPS}, found {}", j["steps"])));
        }
        let names: Vec<&str> = Voice::ALL.iter().map(|v| v.name()).collect();
        let voices: Vec<&str> = j["voices"]
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if voices != names {
            return Err(bad(format!("expected voices {names:?}, found {voices:?}")));
        }
        let z_dims = j["z_dims"]
            .as_u64()
            .filter(|&z| z > 0 && z <= 4096)
            .ok_or_else(|| bad(format!("z_dims {} is not a size", j["z_dims"])))?
            as usize;
        let mut latents = Vec::new();
        let mut at = 0;
        for l in j["latents"].as_array().into_iter().flatten() {
            let (Some(name), Some(off), Some(dims)) =
                (l["name"].as_str(), l["offset"].as_u64(), l["dims"].as_u64())
            else {
                return Err(bad(format!("latent entry {l} lacks name/offset/dims")));
            };
            if off as usize != at || dims == 0 {
                return Err(bad(format!(
                    "latent {name} at {off} (+{dims}); expected at {at}"
                )));
            }
            at += dims as usize;
            latents.push((name.to_string(), off as usize, dims as usize));
        }
        let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        want.extend(["groove".into(), "accent".into()]);
        if version >= 4 {
            want.push("performance".into());
        }
        let got: Vec<&String> = latents.iter().map(|l| &l.0).collect();
        if got != want.iter().collect::<Vec<_>>() || at != z_dims {
            return Err(bad(format!(
                "expected latents {want:?} filling z_dims {z_dims}, found {got:?} ({at} dims)"
            )));
        }
        let prior = match &j["prior"] {
            Value::Null => None,
            Value::String(file) => {
                // a plain file name inside the model folder: never a path out of it
                let plain = Path::new(file)
                    .file_name()
                    .is_some_and(|n| n == std::ffi::OsStr::new(file));
                if !plain {
                    return Err(bad(format!(
                        "prior {file:?} must be a file name in the model folder"
                    )));
                }
                Some(Prior::read(&dir.join(file), z_dims)?)
            }
            other => return Err(bad(format!("prior {other} is not a file name"))),
        };
        Ok(ModelInfo {
            name: j["name"].as_str().unwrap_or("groove").to_string(),
            dir: dir.to_path_buf(),
            z_dims,
            latents,
            parameters: j["parameters"].as_u64().unwrap_or(0),
            prior,
        })
    }
}

fn describe(t: &ValueType) -> String {
    match t {
        ValueType::Tensor { ty, shape, .. } => format!("{ty} {:?}", &shape[..]),
        other => format!("{other}"),
    }
}

/// Check a graph's inputs or outputs against what we feed it / read from it.
fn check_io(
    file: &Path,
    what: &str,
    have: &[ort::value::Outlet],
    want: &[(&str, &[i64])],
    z_dims: usize,
) -> Result<()> {
    let list = || {
        have.iter()
            .map(|o| format!("{} {}", o.name(), describe(o.dtype())))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for (name, shape) in want {
        let shape: Vec<i64> = shape
            .iter()
            .map(|&d| if d == 0 { z_dims as i64 } else { d })
            .collect();
        let Some(o) = have.iter().find(|o| o.name() == *name) else {
            return Err(model_error(format!(
                "expected {what} `{name}` float32 {shape:?}; the graph has {what}s: {}",
                list()
            ))
            .at(file));
        };
        let ok = match o.dtype() {
            ValueType::Tensor { ty, shape: s, .. } => {
                *ty == ort::value::TensorElementType::Float32
                    && s.len() == shape.len()
                    && s.iter().zip(&shape).all(|(&a, &b)| a == b || (b == -1))
            }
            _ => false,
        };
        if !ok {
            return Err(model_error(format!(
                "{what} `{name}` is {}; expected float32 {shape:?} (-1 = any batch)",
                describe(o.dtype())
            ))
            .at(file));
        }
    }
    if have.len() != want.len() {
        return Err(model_error(format!(
            "the graph has {} {what}s ({}); expected {}",
            have.len(),
            list(),
            want.len()
        ))
        .at(file));
    }
    Ok(())
}

pub(crate) fn open_session(env: &Environment, file: &Path) -> Result<Session> {
    open_session_threads(env, file, 1)
}

/// A session with `threads` threads of its own (the groove and the accompanist use one: their
/// calls are small; text-to-audio's are large and on a worker).
pub(crate) fn open_session_threads(
    env: &Environment,
    file: &Path,
    threads: usize,
) -> Result<Session> {
    if !file.is_file() {
        return Err(model_error("missing").at(file));
    }
    let builder = Session::builder(env)
        .and_then(|b| {
            b.with_optimization_level(GraphOptimizationLevel::All)
                .map_err(Into::into)
        })
        .and_then(|b| b.with_intra_threads(threads.max(1)).map_err(Into::into))
        .map_err(|e| runtime_error(format!("session options: {e}")))?;
    let mut builder = builder;
    builder
        .commit_from_file(file)
        .map_err(|e| model_error(format!("not a loadable ONNX graph: {e}")).at(file))
}

/// Which cells sound: each hit drawn with the model's probability, sharpened or flattened by
/// the temperature (`sigmoid(logit(p) / t)`); at temperature 0, every cell at 0.5 or above.
/// Returns 1.0 / 0.0 per cell.
pub fn decide_hits(probs: &[f32], temperature: f32, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed ^ 0xB17_5EED);
    probs
        .iter()
        .map(|&p| {
            let p = p.clamp(1e-6, 1.0 - 1e-6);
            let on = if temperature <= 0.0 {
                p >= 0.5
            } else {
                let logit = (p / (1.0 - p)).ln() / temperature;
                rng.uniform() < 1.0 / (1.0 + (-logit).exp())
            };
            on as u8 as f32
        })
        .collect()
}

/// How far from its step a drawn timing may land, in steps: short of half a step, so that a
/// hit never reads as the neighbouring step (in MIDI, or to a listener).
pub const DRAWN_OFFSET_LIMIT: f32 = 0.45;

/// Each cell's timing drawn from the model's normal distribution, `offsets + t x offset_scale x
/// N(0, 1)`, cut symmetrically around the most likely timing where it would fall more than
/// [`DRAWN_OFFSET_LIMIT`] from the step (redrawn, up to 8 tries, then the most likely timing):
/// nothing piles up at the limit, and the mean timing stays the model's, so a swing is kept.
/// At temperature 0, the most likely timing.
pub fn draw_offsets(offsets: &[f32], scales: &[f32], temperature: f32, seed: u64) -> Vec<f32> {
    let mut rng = Rng::new(seed ^ 0x0FF5_E75A);
    offsets
        .iter()
        .zip(scales)
        .map(|(&o, &s)| {
            let o = o.clamp(-0.5, 0.5);
            let room = DRAWN_OFFSET_LIMIT - o.abs();
            if temperature <= 0.0 || room <= 0.0 {
                return o;
            }
            (0..8)
                .map(|_| temperature * s * rng.normal())
                .find(|j| j.abs() <= room)
                .map_or(o, |j| o + j)
        })
        .collect()
}

/// The softest velocity a drawn hit plays (MIDI 5): as soft as the GMD's drummers' softest
/// thousandth of hits (their softest hit is 3). Quieter, a scored note is not heard.
pub const VELOCITY_FLOOR: f32 = 5.0 / 127.0;

/// Each hit's velocity drawn from the model's normal distribution around the most likely one,
/// `velocities + t x velocity_scale x N(0, 1)`, at most 1 (MIDI 127; drummers hit that hard
/// often): the accents and ghost notes a drummer plays beside the most likely loudness. A draw
/// under [`VELOCITY_FLOOR`] is drawn again (up to 8 tries, then the floor), so a ghost note
/// stays heard and nothing piles up at the floor. At temperature 0, the most likely velocity.
pub fn draw_velocities(
    velocities: &[f32],
    scales: &[f32],
    temperature: f32,
    seed: u64,
) -> Vec<f32> {
    let mut rng = Rng::new(seed ^ 0x0E10_C17E);
    velocities
        .iter()
        .zip(scales)
        .map(|(&v, &s)| {
            if temperature <= 0.0 {
                return v.clamp(1.0 / 127.0, 1.0);
            }
            (0..8)
                .map(|_| v + temperature * s * rng.normal())
                .find(|&x| x >= VELOCITY_FLOOR)
                .unwrap_or(VELOCITY_FLOOR)
                .min(1.0)
        })
        .collect()
}

/// A request's gestures as the graphs take them (zeros where not given), built once per loop
/// and fed to both the encoder and the decoder.
struct Controls {
    score: [f32; STEPS * VOICES],
    score_mask: [f32; VOICES],
    groove: Vec<f32>,
    groove_mask: [f32; 1],
    accent: Vec<f32>,
    accent_mask: [f32; 1],
}

impl Controls {
    fn of(request: &Request) -> Controls {
        let (score, score_mask) = request.score_inputs();
        let groove = request
            .groove()
            .map(|g| g.to_matrix())
            .unwrap_or_else(|| vec![0.0; STEPS * 3]);
        let accent = request
            .accent()
            .map(|a| a.to_matrix())
            .unwrap_or_else(|| vec![0.0; STEPS]);
        Controls {
            score,
            score_mask,
            groove,
            groove_mask: [request.groove().is_some() as u8 as f32],
            accent,
            accent_mask: [request.accent().is_some() as u8 as f32],
        }
    }
}

/// One output of [`GrooveModel::run_raw`]: name, shape, row-major values.
pub type RawOutput = (String, Vec<usize>, Vec<f32>);

/// One of the model's two graphs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Graph {
    Encoder,
    Decoder,
}

/// The bar (0 or 1) of a loop drawn as a fill that a fill's beats are taken from (chosen on
/// validation: see the model card).
pub const FILL_BAR: usize = 1;

/// The groove model: load once, then ask it for loops from any thread that owns it.
pub struct GrooveModel {
    info: ModelInfo,
    encoder: Session,
    decoder: Session,
}

/// Everything the decoder outputs for one loop.
struct Decoded {
    hits: Vec<f32>,
    velocities: Vec<f32>,
    offsets: Vec<f32>,
    offset_scale: Vec<f32>,
    velocity_scale: Vec<f32>,
    reading: Reading,
}

fn extract(outputs: &ort::session::SessionOutputs<'_>, name: &str, len: usize) -> Result<Vec<f32>> {
    let (_, data) = outputs[name]
        .try_extract_tensor::<f32>()
        .map_err(|e| runtime_error(format!("output {name}: {e}")))?;
    if data.len() != len {
        return Err(runtime_error(format!(
            "output {name} has {} values; expected {len}",
            data.len()
        )));
    }
    if let Some(i) = data.iter().position(|x| !x.is_finite()) {
        return Err(runtime_error(format!(
            "output {name} value {i} is not a number"
        )));
    }
    Ok(data.to_vec())
}

/// A graph's inputs as ONNX Runtime takes them: (name, shape, row-major values) each.
fn feed<'a>(
    inputs: &[(&'a str, Vec<usize>, &'a [f32])],
    what: &str,
) -> Result<
    Vec<(
        std::borrow::Cow<'a, str>,
        ort::session::SessionInputValue<'a>,
    )>,
> {
    inputs
        .iter()
        .map(|(name, shape, data)| {
            let t = TensorRef::from_array_view((shape.clone(), *data))
                .map_err(|e| runtime_error(format!("{what}: {e}")))?;
            Ok((std::borrow::Cow::Borrowed(*name), t.into()))
        })
        .collect()
}

/// Load the groove model in `dir` on a host's worker: ONNX Runtime from the host package's
/// library `runtime` first, where it has one (a file there), else as found.
pub fn load_with_runtime(dir: &Path, runtime: Option<&Path>) -> Result<GrooveModel> {
    if let Some(lib) = runtime.filter(|p| p.is_file()) {
        init_runtime(Some(lib))?;
    }
    GrooveModel::load(dir)
}

impl GrooveModel {
    /// Load a model folder, loading ONNX Runtime first if needed.
    pub fn load(dir: &Path) -> Result<GrooveModel> {
        let info = ModelInfo::read(dir)?;
        let env = init_runtime(None)?;
        let _pass = gate::enter()?;
        let enc_path = dir.join("encoder.onnx");
        let dec_path = dir.join("decoder.onnx");
        let encoder = open_session(&env, &enc_path)?;
        let inputs = if info.has_performance() { 5 } else { 3 };
        check_io(
            &enc_path,
            "input",
            encoder.inputs(),
            &ENCODER_INPUTS[..inputs],
            info.z_dims,
        )?;
        check_io(
            &enc_path,
            "output",
            encoder.outputs(),
            &ENCODER_OUTPUTS,
            info.z_dims,
        )?;
        let decoder = open_session(&env, &dec_path)?;
        check_io(
            &dec_path,
            "input",
            decoder.inputs(),
            &DECODER_INPUTS,
            info.z_dims,
        )?;
        check_io(
            &dec_path,
            "output",
            decoder.outputs(),
            &DECODER_OUTPUTS,
            info.z_dims,
        )?;
        gate::arm();
        Ok(GrooveModel {
            info,
            encoder,
            decoder,
        })
    }

    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Run one graph on raw tensors (any batch size), for checks and batch evaluation:
    /// `inputs` are (name, shape, row-major values); returns every output by name, flattened.
    pub fn run_raw(
        &mut self,
        graph: Graph,
        inputs: &[(&str, Vec<usize>, &[f32])],
    ) -> Result<Vec<RawOutput>> {
        let (session, what) = match graph {
            Graph::Encoder => (&mut self.encoder, "encoder"),
            Graph::Decoder => (&mut self.decoder, "decoder"),
        };
        let run = |e: ort::Error| runtime_error(format!("{what}: {e}"));
        let values = feed(inputs, what)?;
        let _pass = gate::enter()?;
        let out = session.run(values).map_err(run)?;
        let mut result = Vec::new();
        for (name, value) in out.iter() {
            let (shape, data) = value
                .try_extract_tensor::<f32>()
                .map_err(|e| runtime_error(format!("{what} output {name}: {e}")))?;
            let shape = shape.iter().map(|&d| d.max(0) as usize).collect();
            result.push((name.to_string(), shape, data.to_vec()));
        }
        Ok(result)
    }

    /// Run the encoder: (mu, logvar) for the given gestures (missing ones as zeros), and, for a
    /// version-4 model, each drum's (velocities, offsets) as played where known.
    pub fn encode(
        &mut self,
        score: &[f32],
        groove: &[f32],
        accent: &[f32],
        played: Option<(&[f32], &[f32])>,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        self.encode_many(1, score, groove, accent, played)
    }

    /// [`GrooveModel::encode`] for `b` loops at once (row-major, loop after loop): (mu,
    /// logvar), `b x z_dims` each.
    pub fn encode_many(
        &mut self,
        b: usize,
        score: &[f32],
        groove: &[f32],
        accent: &[f32],
        played: Option<(&[f32], &[f32])>,
    ) -> Result<(Vec<f32>, Vec<f32>)> {
        let cells = b * STEPS * VOICES;
        let sizes_fit = score.len() == cells
            && groove.len() == b * STEPS * 3
            && accent.len() == b * STEPS
            && played.is_none_or(|(v, o)| v.len() == cells && o.len() == cells);
        if !sizes_fit {
            return Err(Error::invalid(format!(
                "the encoder reads {b} loop(s): {cells} score, velocity and offset values, {} \
                 groove values and {} accents",
                b * STEPS * 3,
                b * STEPS
            )));
        }
        let zeros;
        let mut inputs: Vec<(&str, Vec<usize>, &[f32])> = vec![
            ("score", vec![b, STEPS, VOICES], score),
            ("groove", vec![b, STEPS, 3], groove),
            ("accent", vec![b, STEPS], accent),
        ];
        if self.info.has_performance() {
            let (v, o) = match played {
                Some(p) => p,
                None => {
                    zeros = vec![0.0f32; cells];
                    (&zeros[..], &zeros[..])
                }
            };
            inputs.push(("velocities", vec![b, STEPS, VOICES], v));
            inputs.push(("offsets", vec![b, STEPS, VOICES], o));
        }
        let run = |e: ort::Error| runtime_error(format!("encoder: {e}"));
        let values = feed(&inputs, "encoder")?;
        let _pass = gate::enter()?;
        let out = self.encoder.run(values).map_err(run)?;
        let n = b * self.info.z_dims;
        Ok((extract(&out, "mu", n)?, extract(&out, "logvar", n)?))
    }

    /// Run the decoder on a latent and a request's gesture controls.
    fn decode(&mut self, z: &[f32], c: &Controls) -> Result<Decoded> {
        let run = |e: ort::Error| runtime_error(format!("decoder: {e}"));
        let zn = self.info.z_dims;
        let inputs = ort::inputs![
            "z" => TensorRef::from_array_view(([1usize, zn], z)).map_err(run)?,
            "score" => TensorRef::from_array_view(([1usize, STEPS, VOICES], &c.score[..])).map_err(run)?,
            "score_mask" => TensorRef::from_array_view(([1usize, VOICES], &c.score_mask[..])).map_err(run)?,
            "groove" => TensorRef::from_array_view(([1usize, STEPS, 3], &c.groove[..])).map_err(run)?,
            "groove_mask" => TensorRef::from_array_view(([1usize, 1], &c.groove_mask[..])).map_err(run)?,
            "accent" => TensorRef::from_array_view(([1usize, STEPS], &c.accent[..])).map_err(run)?,
            "accent_mask" => TensorRef::from_array_view(([1usize, 1], &c.accent_mask[..])).map_err(run)?,
        ];
        let _pass = gate::enter()?;
        let out = self.decoder.run(inputs).map_err(run)?;
        let cells = STEPS * VOICES;
        Ok(Decoded {
            hits: extract(&out, "hits", cells)?,
            velocities: extract(&out, "velocities", cells)?,
            offsets: extract(&out, "offsets", cells)?,
            offset_scale: extract(&out, "offset_scale", cells)?,
            velocity_scale: extract(&out, "velocity_scale", cells)?,
            reading: Reading {
                score: extract(&out, "aux_score", cells)?,
                groove: extract(&out, "aux_groove", STEPS * 3)?,
                accent: extract(&out, "aux_accent", STEPS)?,
            },
        })
    }

    /// The latent for a request: given gestures sampled around the encoder's reading, missing
    /// ones from the prior, both scaled by the temperature.
    fn sample_latent(
        &mut self,
        request: &Request,
        c: &Controls,
        missing: Option<&[f32]>,
    ) -> Result<Vec<f32>> {
        let (mu, logvar) = self.encode(&c.score, &c.groove, &c.accent, None)?;
        let t = request.temperature();
        let mut rng = Rng::new(request.seed());
        let given: Vec<bool> = self
            .info
            .latents
            .iter()
            .enumerate()
            .map(|(i, (name, _, _))| match name.as_str() {
                "groove" => c.groove_mask[0] > 0.0,
                "accent" => c.accent_mask[0] > 0.0,
                // no gesture: always from the prior (or the caller's latent)
                "performance" => false,
                _ => c.score_mask.get(i).is_some_and(|&m| m > 0.0),
            })
            .collect();
        // the kind of loop the missing latents come from: the prior component that best
        // explains what was given (drawn from those odds)
        let style = match (request.style(), &self.info.prior) {
            (None, _) => None,
            (Some(name), Some(p)) => Some(p.style(name).ok_or_else(|| {
                Error::invalid(format!(
                    "this model's prior has no style {name} (it has: {})",
                    p.styles().collect::<Vec<_>>().join(", ")
                ))
            })?),
            (Some(name), None) => {
                return Err(Error::invalid(format!(
                    "style {name}: this model has no prior.json, so it knows no styles \
                     (models/train/prior.py makes one)"
                )))
            }
        };
        if let Some(m) = missing {
            if m.len() != self.info.z_dims || m.iter().any(|x| !x.is_finite()) {
                return Err(Error::invalid(format!(
                    "a latent for the missing gestures needs {} finite values",
                    self.info.z_dims
                )));
            }
        }
        let component = self
            .info
            .prior
            .as_ref()
            .filter(|_| missing.is_none())
            .map(|p| {
                let readings: Vec<(usize, f32)> = self
                    .info
                    .latents
                    .iter()
                    .zip(&given)
                    .filter(|(_, &g)| g)
                    .flat_map(|((_, at, dims), _)| (*at..at + dims).map(|d| (d, mu[d])))
                    .collect();
                let mut pick = Rng::new(request.seed() ^ 0xC0_4D0E);
                // the prior's focus where the model chooses (some of) the kit
                let focused = c.score_mask.contains(&0.0);
                (p, p.choose(&readings, style, focused, t, &mut pick))
            });
        let mut z = vec![0.0; self.info.z_dims];
        for ((_, at, dims), &given) in self.info.latents.iter().zip(&given) {
            for d in *at..at + dims {
                let eps = rng.normal() * t;
                z[d] = match (given, component) {
                    (true, _) => mu[d] + (0.5 * logvar[d]).exp() * eps,
                    (false, _) if missing.is_some() => missing.map_or(eps, |m| m[d]),
                    (false, Some((p, k))) => p.draw(k, d, eps),
                    (false, None) => eps,
                };
            }
        }
        Ok(z)
    }

    /// A loop for `request` whose missing gestures' latents are `missing` (one value per latent
    /// dimension; those of the given gestures are ignored) instead of draws from the prior: a
    /// loop in the feel of a latent the caller chose (compose mode's infill reads it from the
    /// bars around a gap). `None`: as [`Drummer::generate`].
    pub fn generate_near(
        &mut self,
        request: &Request,
        missing: Option<&[f32]>,
    ) -> Result<Generation> {
        let c = Controls::of(request);
        let z = self.sample_latent(request, &c, missing)?;
        let d = self.decode(&z, &c)?;
        Ok(self.finish(z, d, request, request.task(), request.seed()))
    }

    /// The encoder's reading of a played 2-bar loop, all three gestures given (its score, its
    /// groove and its accents) and, for a version-4 model, each drum as played: the mean and
    /// the log-variance of each latent dimension.
    pub fn read_loop(&mut self, pattern: &Pattern) -> Result<(Vec<f32>, Vec<f32>)> {
        if pattern.steps() != STEPS {
            return Err(Error::invalid(format!(
                "the model reads {STEPS}-step loops, not {}",
                pattern.steps()
            )));
        }
        let score = pattern.score().to_matrix();
        let groove = pattern.groove().to_matrix();
        let accent = pattern.accents().to_matrix();
        let (_, velocities, offsets) = pattern.to_matrices();
        self.encode(&score, &groove, &accent, Some((&velocities, &offsets)))
    }

    fn finish(
        &self,
        z: Vec<f32>,
        d: Decoded,
        request: &Request,
        task: Task,
        seed: u64,
    ) -> Generation {
        let decided = decide_hits(&d.hits, request.temperature(), seed);
        let offsets = draw_offsets(&d.offsets, &d.offset_scale, request.temperature(), seed);
        let velocities = draw_velocities(
            &d.velocities,
            &d.velocity_scale,
            request.temperature(),
            seed,
        );
        let pattern = assemble(request, &decided, &velocities, &offsets);
        Generation {
            pattern,
            hit_probabilities: d.hits,
            velocities,
            offsets,
            likely_offsets: d.offsets,
            reading: d.reading,
            latent: z,
            request: request.clone(),
            task,
        }
    }
}

impl Drummer for GrooveModel {
    fn name(&self) -> String {
        format!("model {}", self.info.name)
    }

    fn as_model(&mut self) -> Option<&mut GrooveModel> {
        Some(self)
    }

    fn generate(&mut self, request: &Request) -> Result<Generation> {
        self.generate_near(request, None)
    }

    /// `last` with its last `beats` beats (1 to 4) played as a drum fill in its feel: a loop is
    /// drawn from the kinds of loop the drummers' fills are (the prior's fill weights, weighed
    /// by how well each explains `last`'s feel), with `last`'s groove and performance latents
    /// (its timing and dynamics), and the end of its second bar ([`FILL_BAR`]) takes the place
    /// of `last`'s last beats. The rest of the loop, its latent and its request are `last`'s.
    fn fill(&mut self, last: &Generation, beats: usize, seed: u64) -> Result<Generation> {
        if !(1..=4).contains(&beats) {
            return Err(Error::invalid(format!(
                "a fill of {beats} beats: a fill takes 1 to 4 beats of the loop's last bar"
            )));
        }
        let z = self.info.z_dims;
        if last.latent.len() != z {
            return Err(Error::invalid(format!(
                "cannot fill a loop that did not come from this model (latent of {} values, \
                 the model has {z})",
                last.latent.len()
            )));
        }
        let prior = self.info.prior.as_ref();
        let Some((p, kind)) = prior.and_then(|p| p.fill().map(|k| (p, k))) else {
            return Err(Error::invalid(
                "this model's prior knows no fills (models/train/prior.py --fills-only adds \
                 them)",
            ));
        };
        let range = |name: &str| self.info.latent(name).unwrap_or(0..0);
        // the loop's feel: its groove latent, and (format 4) how each drum was played
        let (groove, performance) = (range("groove"), range("performance"));
        let kept = |d: usize| groove.contains(&d) || performance.contains(&d);
        let t = last.request.temperature();
        let given: Vec<(usize, f32)> = groove.clone().map(|d| (d, last.latent[d])).collect();
        let mut rng = Rng::new(seed ^ 0xF1_11);
        let k = p.choose(&given, Some(kind), false, t, &mut rng);
        let missing: Vec<f32> = (0..z)
            .map(|d| match kept(d) {
                true => last.latent[d],
                false => p.draw(k, d, rng.normal() * t),
            })
            .collect();
        let mut request = Request::new();
        request.set_temperature(t)?;
        request.set_feel(last.request.feel())?;
        request.set_seed(seed);
        let played = self.generate_near(&request, Some(&missing))?;
        let mut out = last.clone();
        let from = STEPS - beats * crate::pattern::STEPS_PER_BEAT;
        let src = FILL_BAR * crate::pattern::STEPS_PER_BAR + from % crate::pattern::STEPS_PER_BAR;
        for s in from..STEPS {
            let at = src + (s - from);
            for v in Voice::ALL {
                out.pattern.set(s, v, played.pattern.get(at, v))?;
                let (i, j) = (s * VOICES + v.index(), at * VOICES + v.index());
                out.hit_probabilities[i] = played.hit_probabilities[j];
                out.velocities[i] = played.velocities[j];
                out.offsets[i] = played.offsets[j];
                out.likely_offsets[i] = played.likely_offsets[j];
            }
        }
        out.task = Task::Fill;
        // the fill's own seed: the same seed, the same fill
        out.request.set_seed(seed);
        Ok(out)
    }

    fn vary(&mut self, last: &Generation, amount: f32, seed: u64) -> Result<Generation> {
        check_vary(amount)?;
        if last.latent.len() != self.info.z_dims {
            return Err(Error::invalid(format!(
                "cannot vary a loop that did not come from this model (latent of {} values, \
                 the model has {})",
                last.latent.len(),
                self.info.z_dims
            )));
        }
        let mut rng = Rng::new(seed);
        let z: Vec<f32> = last
            .latent
            .iter()
            .map(|&x| x + amount * rng.normal())
            .collect();
        let d = self.decode(&z, &Controls::of(&last.request))?;
        // the same draws as the last loop: only what moved in latent space changes
        Ok(self.finish(z, d, &last.request, Task::Vary, last.request.seed()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runtime_is_named_for_the_pinned_release_on_every_system() {
        let pin = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/requirements.txt"),
        )
        .unwrap();
        assert!(pin
            .lines()
            .any(|l| l.trim() == format!("onnxruntime=={ORT_VERSION}")));
        for os in [Os::Linux, Os::MacOs] {
            assert!(ort_library_for(os).contains(ORT_VERSION), "{os:?}");
        }
        assert_eq!(ORT_LIBRARY, ort_library_for(Os::HOST));
        assert_eq!(
            plugin_runtime_places(Os::Windows)[0],
            ["support", "onnxruntime.dll"]
        );
        assert_eq!(
            plugin_runtime_places(Os::MacOs)[0],
            ["", "libonnxruntime.1.31.1.dylib"]
        );
        let dir = std::env::temp_dir().join(format!("bandmate-plugin-rt-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("support")).unwrap();
        assert_eq!(plugin_runtime(&dir), dir.join(ORT_LIBRARY));
        std::fs::write(dir.join("support").join(ORT_LIBRARY), b"").unwrap();
        assert_eq!(plugin_runtime(&dir), dir.join("support").join(ORT_LIBRARY));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn drawn_velocities_never_fall_silent() {
        // a soft ghost note with a wide spread: clamped, a sixth of the draws landed at MIDI
        // velocity 1, which no one hears, so a scored note was lost (a performer check)
        let n = 20_000;
        let soft = draw_velocities(&vec![0.1; n], &vec![0.1; n], 1.0, 5);
        assert!(
            soft.iter().all(|v| (VELOCITY_FLOOR..=1.0).contains(v)),
            "below the floor"
        );
        let at_floor = soft.iter().filter(|&&v| v < VELOCITY_FLOOR + 1e-3).count();
        assert!(at_floor < n / 100, "{at_floor} draws piled up at the floor");
        let spread = soft.iter().filter(|&&v| v > 0.2).count();
        assert!(spread > n / 10, "the accents above went: {spread}");
        // the most likely velocity at temperature 0, even under the floor
        assert_eq!(draw_velocities(&[0.02], &[0.1], 0.0, 1), vec![0.02]);
    }

    #[test]
    fn drawn_offsets_spread_by_the_learned_scale_times_the_temperature() {
        let n = 20_000;
        let means = vec![0.1; n];
        let scales = vec![0.08; n];
        // temperature 0: the most likely timing, whatever the seed
        assert_eq!(draw_offsets(&means, &scales, 0.0, 1), means);
        assert_eq!(draw_offsets(&means, &scales, 0.0, 2), means);
        let stats = |xs: &[f32]| {
            let m = xs.iter().sum::<f32>() / xs.len() as f32;
            let v = xs.iter().map(|x| (x - m).powi(2)).sum::<f32>() / xs.len() as f32;
            (m, v.sqrt())
        };
        for t in [0.5f32, 1.0, 1.5] {
            let a = draw_offsets(&means, &scales, t, 7);
            assert_eq!(
                a,
                draw_offsets(&means, &scales, t, 7),
                "same seed, same draw"
            );
            assert_ne!(a, draw_offsets(&means, &scales, t, 8));
            let (m, sd) = stats(&a);
            assert!((m - 0.1).abs() < 0.003, "t {t}: mean {m}");
            assert!((sd - 0.08 * t).abs() < 0.004, "t {t}: std {sd}");
        }
        // a wide spread near the edge: never past the limit, and nothing piled up at it
        let edge = draw_offsets(&vec![0.3; n], &vec![0.1; n], 1.0, 3);
        assert!(
            edge.iter().all(|o| o.abs() <= DRAWN_OFFSET_LIMIT),
            "past the limit"
        );
        let at_limit = edge
            .iter()
            .filter(|o| o.abs() > DRAWN_OFFSET_LIMIT - 1e-3)
            .count();
        assert!(at_limit < n / 100, "{at_limit} draws piled up at the limit");
        let (m, sd) = stats(&edge);
        assert!((m - 0.3).abs() < 0.002, "the mean timing moved: {m}");
        assert!(sd > 0.06, "the spread collapsed: {sd}");
        // a most likely timing past the limit stays what it is when no draw lands inside
        assert_eq!(draw_offsets(&[0.5], &[0.0001], 1.0, 1), vec![0.5]);
    }
}
