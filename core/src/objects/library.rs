//! The model library and the training every object with a trainable model shares (the groove,
//! the accompanist): `library FOLDER` (checked on a worker: answered `library PATH MODELS`),
//! `models` (the library's models of the object's kind: `models NAME...`), `train` (on its own
//! thread, by the trainer [`crate::training::install`] put in: `training`, `progress`,
//! `skipped`, `trained` or `cancelled train`), `cancel`, and `load NAME` looked up in the
//! library ([`Desk::find`]). The object keeps its music; the desk keeps the paperwork.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::contract::Output;
use super::decl::Atom;
use super::worker::{Worker, STOPPED};
use crate::error::{Error, Result};

enum Job {
    /// List a model library (its models of the desk's kind).
    Models(PathBuf),
    /// Check a model library folder: a folder, or one that can be made, inside the roots (and
    /// the library before it, taken back if it is refused).
    Library(PathBuf, Option<PathBuf>),
}

enum Reply {
    Models(std::result::Result<Vec<String>, String>),
    Library(
        PathBuf,
        std::result::Result<usize, (String, Option<PathBuf>)>,
    ),
}

enum TrainReply {
    Event(crate::training::Event),
    /// The model written, or why not (and whether it was cancelled).
    Done(std::result::Result<crate::training::Trained, (String, bool)>),
}

/// A training on its own thread (the object's own worker goes on meanwhile): what it reports,
/// and the switch that cancels it. Dropped (the object freed), it is cancelled: the thread
/// stops within a step and writes nothing.
struct Training {
    worker: Worker<(), TrainReply>,
    cancel: Arc<AtomicBool>,
    /// How far it has got, for the status line.
    status: String,
}

impl Drop for Training {
    fn drop(&mut self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// An object's model library and training.
pub struct Desk {
    /// The `format` of the models this object plays (`models` lists only those).
    format: &'static str,
    /// Checks and lists libraries (started when first needed).
    worker: Option<Worker<Job, Reply>>,
    /// Where `train` writes and `models` and `load NAME` look.
    library: Option<PathBuf>,
    training: Option<Training>,
    roots: Option<Vec<PathBuf>>,
}

/// The library's models of one format, by name.
fn models_of(dir: &std::path::Path, format: &str) -> Result<Vec<String>> {
    Ok(crate::training::library(dir)?
        .into_iter()
        .filter(|m| m.format.as_deref() == Some(format))
        .map(|m| m.name)
        .collect())
}

impl Desk {
    /// A desk for models of `format` (`model.json`'s), reading and writing inside `roots`. Its
    /// worker thread starts with the first `library` or `models` (an object that never trains
    /// costs no thread).
    pub fn new(format: &'static str, roots: Option<Vec<PathBuf>>) -> Desk {
        Desk {
            format,
            worker: None,
            library: None,
            training: None,
            roots,
        }
    }

    /// The worker that checks and lists libraries.
    fn spawn(format: &'static str, roots: Option<Vec<PathBuf>>) -> Result<Worker<Job, Reply>> {
        Worker::serve("bandmate-library", move |job| {
            Some(match job {
                Job::Models(lib) => Reply::Models(
                    if lib.exists() && !crate::fsutil::within(&lib, roots.as_deref()) {
                        Err(format!(
                            "models: {}: outside the folders that may be read",
                            lib.display()
                        ))
                    } else {
                        models_of(&lib, format).map_err(|e| e.to_string())
                    },
                ),
                Job::Library(dir, before) => {
                    let checked = crate::training::check_library(&dir, roots.as_deref())
                        .and_then(|_| models_of(&dir, format))
                        .map(|m| m.len())
                        .map_err(|e| (format!("library: {e}"), before));
                    Reply::Library(dir, checked)
                }
            })
        })
    }

    fn submit(&mut self, job: Job, blocking: bool, out: &mut Vec<Output>) {
        if self.worker.is_none() {
            match Desk::spawn(self.format, self.roots.clone()) {
                Ok(w) => self.worker = Some(w),
                Err(e) => return out.push(Output::Error(e.to_string())),
            }
        }
        let Some(w) = self.worker.as_mut() else {
            return;
        };
        if let Err(e) = w.send(job, true) {
            out.push(Output::Error(e));
            return;
        }
        if !blocking {
            return;
        }
        while let Some(w) = self.worker.as_mut().filter(|w| w.pending() > 0) {
            match w.recv(None) {
                Some(r) => {
                    w.answered();
                    self.take(r, out);
                }
                None => out.push(Output::Error(STOPPED.into())),
            }
        }
    }

    /// The library given at creation (the daemon's `--library`): taken unchecked, as given.
    pub fn preset_library(&mut self, dir: Option<PathBuf>) {
        self.library = dir;
    }

    /// The library, once given.
    pub fn library(&self) -> Option<&PathBuf> {
        self.library.as_ref()
    }

    /// `library PATH`: taken at once (a `train` may follow in the same message box), checked
    /// on the worker; refused, the one before is taken back.
    pub fn set_library(&mut self, path: &str, blocking: bool, out: &mut Vec<Output>) -> Result<()> {
        let dir = PathBuf::from(path);
        if dir.is_relative() {
            return Err(Error::invalid(format!(
                "library: {path}: no such folder beside the patch (make it, or give a full path)"
            )));
        }
        let before = self.library.replace(dir.clone());
        self.submit(Job::Library(dir, before), blocking, out);
        Ok(())
    }

    /// `models`: the library's models of this kind, listed on the worker.
    pub fn models(&mut self, blocking: bool, out: &mut Vec<Output>) -> Result<()> {
        let Some(lib) = self.library.clone() else {
            return Err(Error::invalid(
                "models: no model library yet (send 'library FOLDER' first)",
            ));
        };
        self.submit(Job::Models(lib), blocking, out);
        Ok(())
    }

    /// The library `train` writes into, or the error saying there is none yet.
    pub fn need_library(&self) -> Result<PathBuf> {
        self.library.clone().ok_or_else(|| {
            Error::invalid("train: no model library yet (send 'library FOLDER' first)")
        })
    }

    /// `load NAME`: a model of the library by name.
    pub fn find(&self, name: &str) -> Option<PathBuf> {
        let lib = self.library.as_ref()?;
        crate::training::find_model(lib, name)
    }

    /// `cancel`: stops a training (nothing when none runs).
    pub fn cancel(&self) {
        if let Some(t) = &self.training {
            t.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Replies and training reports not yet handed over.
    pub fn pending(&self) -> usize {
        self.worker.as_ref().map_or(0, |w| w.pending()) + usize::from(self.training.is_some())
    }

    /// How far a training has got (`training 5/20, 12 s left`), while one runs.
    pub fn status(&self) -> Option<&str> {
        self.training.as_ref().map(|t| t.status.as_str())
    }

    /// What came back from the worker and the training, as the object's output.
    pub fn poll(&mut self, out: &mut Vec<Output>) {
        while let Some(r) = self.worker.as_mut().and_then(|w| {
            let r = w.try_recv();
            if r.is_some() {
                w.answered();
            }
            r
        }) {
            self.take(r, out);
        }
        while let Some(r) = self.training.as_ref().and_then(|t| t.worker.try_recv()) {
            self.take_training(r, out);
        }
    }

    fn take(&mut self, r: Reply, out: &mut Vec<Output>) {
        match r {
            Reply::Models(Ok(names)) => out.push(Output::Info(
                "models".into(),
                names.into_iter().map(Atom::Symbol).collect(),
            )),
            Reply::Models(Err(e)) => out.push(Output::Error(e)),
            Reply::Library(dir, checked) => {
                let path = Atom::Symbol(dir.display().to_string());
                let checked = checked.map(|n| vec![path, Atom::Float(n as f64)]);
                super::groove::settle_folder(&mut self.library, dir, checked, "library", out);
            }
        }
    }

    /// `train`: the request checked here (a model to start from, a library, none training
    /// yet), then run on its own thread by the installed trainer. `base`: the model that plays
    /// (or the bundled one); `data`: the folder of MIDI files.
    pub fn train(&mut self, base: PathBuf, data: PathBuf, name: Option<String>) -> Result<()> {
        if let Some(n) = &name {
            crate::training::check_name(n).map_err(|e| Error::invalid(format!("train: {e}")))?;
        }
        if self.training.is_some() {
            return Err(Error::invalid(
                "train: a training is running (wait for 'trained' or 'cancel' it)",
            ));
        }
        let trainer = crate::training::trainer()?;
        let library = self.need_library()?;
        if crate::training::format_of(&base).as_deref() != Some(self.format) {
            return Err(Error::invalid(format!(
                "train: {} is not a {} model",
                base.display(),
                self.format
            )));
        }
        let command = format!(
            "train {}{}",
            data.display(),
            name.as_ref().map_or(String::new(), |n| format!(" {n}"))
        );
        let roots = self.roots.clone();
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let worker = Worker::spawn("bandmate-train", move |_jobs, replies| {
            // the name, and the library's listing, on this thread: file work stays off the host's
            let name = name.unwrap_or_else(|| crate::training::default_name(&data, None, &library));
            let req = crate::training::Request {
                base,
                data,
                label: None,
                name,
                library,
                roots,
                epochs: None,
                hold_out: None,
                held_out_dir: None,
                command,
            };
            let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                trainer(
                    &req,
                    &mut |e| {
                        let _ = replies.send(TrainReply::Event(e));
                    },
                    &stop,
                )
            }));
            let cancelled = stop.load(Ordering::Relaxed);
            let done = match run {
                Ok(Ok(t)) => Ok(t),
                Ok(Err(e)) => Err((e.to_string(), cancelled)),
                Err(p) => Err((
                    format!("internal error: {}", super::contract::panic_text(&p)),
                    false,
                )),
            };
            let _ = replies.send(TrainReply::Done(done));
        })?;
        self.training = Some(Training {
            worker,
            cancel,
            status: "training".into(),
        });
        Ok(())
    }

    /// What the training reported, as output lines.
    fn take_training(&mut self, r: TrainReply, out: &mut Vec<Output>) {
        use crate::training::Event;
        let info = |out: &mut Vec<Output>, sel: &str, args: Vec<Atom>| {
            out.push(Output::Info(sel.to_string(), args));
        };
        match r {
            TrainReply::Event(Event::Start {
                files,
                windows,
                held_out_files,
                epochs,
                ..
            }) => {
                let n = |x: usize| Atom::Float(x as f64);
                info(
                    out,
                    "training",
                    vec![n(files), n(windows), n(held_out_files), n(epochs)],
                );
            }
            TrainReply::Event(Event::Skipped(file, why)) => {
                let file = file.display().to_string();
                let why = why.strip_prefix(&format!("{file}: ")).unwrap_or(&why);
                let mut args = vec![Atom::Symbol(file.clone())];
                args.extend(super::decl::atoms(why));
                info(out, "skipped", args);
            }
            TrainReply::Event(Event::Epoch(p)) => {
                let mut args = vec![
                    Atom::Float(p.epoch as f64),
                    Atom::Float(p.epochs as f64),
                    Atom::Float(p.left.as_secs_f64().round()),
                    Atom::Float(f64::from(p.loss)),
                ];
                args.extend(p.held_out.map(|h| Atom::Float(f64::from(h))));
                if let Some(t) = self.training.as_mut() {
                    t.status = format!(
                        "training {}/{}, {} s left",
                        p.epoch,
                        p.epochs,
                        p.left.as_secs_f64().round()
                    );
                }
                info(out, "progress", args);
            }
            TrainReply::Done(done) => {
                self.training = None;
                match done {
                    Ok(t) => {
                        let mut args = vec![
                            Atom::Symbol(t.name),
                            Atom::Float((t.seconds * 10.0).round() / 10.0),
                        ];
                        if let (Some(b), Some(a)) = (t.nll_before, t.nll_after) {
                            args.extend([Atom::Float(f64::from(b)), Atom::Float(f64::from(a))]);
                        }
                        info(out, "trained", args)
                    }
                    Err((_, true)) => info(out, "cancelled", vec![Atom::sym("train")]),
                    Err((e, false)) => out.push(Output::Error(format!("train: {e}"))),
                }
            }
        }
    }
}
