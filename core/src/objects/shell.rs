//! What a patching host's wrapper (Pd, Max) does with an object that is not the host's API,
//! written once: a [`Shell`] holds the object, its signal engine and the patch's folder, takes
//! messages (paths found beside the patch, refusals reported), hands every output to the host
//! through [`HostIo`], and says when to wake next. The Pd and Max wrappers keep only their FFI:
//! atoms, clocks, outlets, arrays or `buffer~`, the DSP chain.

use std::path::{Path, PathBuf};

use super::contract::{Engine, Entry, Object, Options, Output};
use super::decl::{atoms, Atom};
use crate::error::Result;
use crate::wav::Audio;

/// What a host gives a [`Shell`] to reach its patch.
pub trait HostIo {
    /// A note list (`note velocity [channel]`) out of the notes outlet (only called for an
    /// object that declares one).
    fn notes(&mut self, list: &[i64]);
    /// A line out of the info outlet.
    fn info(&mut self, selector: &str, args: &[Atom]);
    /// A message out of the message outlet (only called for an object that declares one).
    fn send(&mut self, selector: &str, args: &[Atom]);
    /// A console error naming the object (the shell also sends `error TEXT` on the info
    /// outlet).
    fn console_error(&mut self, text: &str);
    /// `render NAME`: the sample rate to render at now (`Some`), or `None` when the host
    /// renders later on a thread of its own (Max's main thread) by calling
    /// [`Shell::render`] then.
    fn render_rate(&mut self, name: &str) -> std::result::Result<Option<u32>, String>;
    /// Write rendered audio where `name` says (arrays, a `buffer~`); the frames written.
    fn write_render(&mut self, name: &str, audio: &Audio) -> std::result::Result<usize, String>;
    /// `array NAME`: the host's audio called `name` (its channels and sample rate).
    fn read_array(&mut self, name: &str) -> std::result::Result<(Vec<Vec<f32>>, u32), String>;
    /// A relative path not beside the patch, looked for where the host's users expect (Pd:
    /// the canvas's `[declare]`d paths and Pd's search path; Max: its search path, every
    /// folder of the packages in it): the path found, or `None` (the shell then tries the
    /// package's own folders).
    fn find(&mut self, _relative: &str) -> Option<PathBuf> {
        None
    }
}

/// The package's own folders, where a relative path is looked for last: the package folder
/// (`plugin_dir`, the one holding the externals and `models/`) and its `media`, `models`,
/// `help`, `examples` and `patchers` folders, those that exist.
pub fn package_folders(plugin_dir: Option<&Path>) -> Vec<PathBuf> {
    let Some(pkg) = plugin_dir else {
        return Vec::new();
    };
    std::iter::once(pkg.to_path_buf())
        .chain(
            ["media", "models", "help", "examples", "patchers"]
                .iter()
                .map(|d| pkg.join(d)),
        )
        .filter(|d| d.is_dir())
        .collect()
}

/// An object as a patching host holds it.
pub struct Shell {
    pub entry: &'static Entry,
    pub object: Box<dyn Object>,
    /// The signal half, for the host's perform routine (audio objects).
    pub engine: Option<Box<dyn Engine>>,
    /// The folder of the patch the object is in: relative paths are found there first.
    pub dir: PathBuf,
    /// The package's own folders ([`package_folders`]): relative paths found neither beside
    /// the patch nor by the host ([`HostIo::find`]) are looked for there, in order.
    pub search: Vec<PathBuf>,
}

impl Shell {
    /// Make `entry`'s object from its creation arguments (`positional`: those before the
    /// first `@attribute`, for hosts that apply attributes themselves) at the host's sample
    /// rate (0: not known yet).
    pub fn create(
        entry: &'static Entry,
        options: &Options,
        positional: &[Atom],
        sample_rate: u32,
        dir: PathBuf,
    ) -> Result<Shell> {
        let mut object = (entry.make)(options, positional)?;
        if sample_rate > 0 {
            object.set_sample_rate(sample_rate);
        }
        object.set_home(&dir);
        object.create_with(0.0, positional)?;
        let engine = object.take_engine();
        Ok(Shell {
            entry,
            object,
            engine,
            dir,
            search: package_folders(options.plugin_dir.as_deref()),
        })
    }

    pub fn name(&self) -> &'static str {
        self.entry.decl.name
    }

    /// A refusal: on the console and as `error TEXT` on the info outlet.
    pub fn report(&self, io: &mut dyn HostIo, text: &str) {
        io.console_error(&format!("{}: {text}", self.name()));
        io.info("error", &atoms(text));
    }

    /// A message at `now`: paths found beside the patch, a refusal reported. Returns whether
    /// it was taken and when to wake next; every output has gone to `io`.
    pub fn message(
        &mut self,
        now: f64,
        selector: &str,
        args: &[Atom],
        io: &mut dyn HostIo,
    ) -> (bool, Option<f64>) {
        let args = self.entry.decl.resolve_paths(selector, args, &mut |p| {
            // a name the object knows first (a model in the groove's library), then places
            self.object.find(selector, p).or_else(|| self.find(p, io))
        });
        let r = self.object.message(now, selector, &args);
        if let Err(e) = &r {
            self.report(io, &e.to_string());
        }
        (r.is_ok(), self.flush(now, io))
    }

    /// Where a relative path is: beside the patch, else where the host finds it, else in the
    /// package's own folders; `None` if nowhere.
    pub fn find(&self, relative: &str, io: &mut dyn HostIo) -> Option<PathBuf> {
        let beside = self.dir.join(relative);
        if beside.exists() {
            return Some(beside);
        }
        if let Some(p) = io.find(relative) {
            return Some(p);
        }
        self.search
            .iter()
            .map(|d| d.join(relative))
            .find(|p| p.exists())
    }

    /// A bare number, a bang (no atoms) or a list (`list`), as the declaration reads them.
    pub fn numbers(
        &mut self,
        now: f64,
        args: &[Atom],
        list: bool,
        io: &mut dyn HostIo,
    ) -> Option<f64> {
        match self.entry.decl.bare_selector(args, list) {
            Ok(sel) => self.message(now, sel, args, io).1,
            Err(hint) => {
                self.report(io, &hint);
                self.object.wake_at(now)
            }
        }
    }

    /// The host's clock at `now`: the object advances, then its outputs go out.
    pub fn tick(&mut self, now: f64, io: &mut dyn HostIo) -> Option<f64> {
        self.object.tick(now);
        self.flush(now, io)
    }

    /// The host's transport at `now` (Max, Live), when the object follows one.
    pub fn transport(
        &mut self,
        now: f64,
        running: bool,
        bpm: f64,
        beats: f64,
        io: &mut dyn HostIo,
    ) -> Option<f64> {
        if let Err(e) = self.object.transport(now, running, bpm, beats) {
            self.report(io, &e.to_string());
        }
        self.flush(now, io)
    }

    /// The host's DSP (re)starts at `sample_rate`: the object and its engine both hear of it.
    pub fn set_sample_rate(&mut self, sample_rate: f64, io: &mut dyn HostIo) {
        self.object.set_sample_rate(sample_rate.round() as u32);
        if let Some(engine) = self.engine.as_mut() {
            if let Err(e) = engine.set_sample_rate(sample_rate) {
                self.report(io, &e.to_string());
            }
        }
    }

    /// Hand every pending output to the host; returns when to wake next.
    pub fn flush(&mut self, now: f64, io: &mut dyn HostIo) -> Option<f64> {
        let mut outs = std::collections::VecDeque::new();
        self.object.drain_into(&mut |o| outs.push_back(o));
        while let Some(o) = outs.pop_front() {
            match o {
                Output::Note {
                    note,
                    velocity,
                    channel,
                    ..
                } => {
                    if self.entry.decl.outlets.iter().any(|o| o.notes) {
                        io.notes(&self.entry.decl.note_list(note, velocity, channel));
                    }
                }
                Output::Program { channel, program } => io.info(
                    "program",
                    &[
                        Atom::Float(f64::from(program) + 1.0),
                        Atom::Float(f64::from(channel) + 1.0),
                    ],
                ),
                Output::Info(sel, args) | Output::Event(sel, args) => io.info(&sel, &args),
                Output::Send(sel, args) => {
                    if self.entry.decl.outlets.iter().any(|o| o.messages) {
                        io.send(&sel, &args);
                    } else {
                        io.info(&sel, &args);
                    }
                }
                Output::Error(e) => self.report(io, &e),
                Output::Render(name) => match io.render_rate(&name) {
                    Ok(Some(sr)) => self.render_at(&name, sr, io),
                    Ok(None) => {}
                    Err(e) => self.report(io, &format!("render: {e}")),
                },
                Output::FetchArray { name, slot } => {
                    let r = io.read_array(&name).and_then(|(chans, sr)| {
                        super::contract::check_audible(&name, &chans).map_err(|e| e.to_string())?;
                        self.object
                            .take_array(&name, chans, sr, slot)
                            .map_err(|e| e.to_string())
                    });
                    if let Err(e) = r {
                        self.report(io, &format!("array: {e}"));
                    }
                    self.object.drain_into(&mut |o| outs.push_back(o));
                }
                // The fragment is in the object already.
                Output::Stored { .. } => {}
            }
        }
        self.object.wake_at(now)
    }

    /// `render NAME` when the host renders on its own thread: at the rate it says now.
    pub fn render(&mut self, name: &str, sample_rate: u32, io: &mut dyn HostIo) {
        self.render_at(name, sample_rate, io);
    }

    fn render_at(&mut self, name: &str, sample_rate: u32, io: &mut dyn HostIo) {
        let written = self
            .object
            .render(sample_rate)
            .map_err(|e| e.to_string())
            .and_then(|audio| io.write_render(name, &audio));
        match written {
            Ok(frames) => io.info(
                "rendered",
                &[
                    Atom::Symbol(name.to_string()),
                    Atom::Float(frames as f64),
                    Atom::Float(f64::from(sample_rate)),
                ],
            ),
            Err(e) => self.report(io, &format!("render: {e}")),
        }
    }

    /// One block of the signal inlets and outlets (the audio thread): the engine, or silence.
    pub fn process(&mut self, inputs: &[&[f32]], outputs: &mut [&mut [f32]]) {
        match self.engine.as_mut() {
            Some(engine) => engine.process(inputs, outputs),
            None => outputs.iter_mut().for_each(|o| o.fill(0.0)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Finder(Option<PathBuf>);
    impl HostIo for Finder {
        fn notes(&mut self, _: &[i64]) {}
        fn info(&mut self, _: &str, _: &[Atom]) {}
        fn send(&mut self, _: &str, _: &[Atom]) {}
        fn console_error(&mut self, _: &str) {}
        fn render_rate(&mut self, _: &str) -> std::result::Result<Option<u32>, String> {
            Ok(None)
        }
        fn write_render(&mut self, _: &str, _: &Audio) -> std::result::Result<usize, String> {
            Ok(0)
        }
        fn read_array(&mut self, _: &str) -> std::result::Result<(Vec<Vec<f32>>, u32), String> {
            Err("none".into())
        }
        fn find(&mut self, _: &str) -> Option<PathBuf> {
            self.0.clone()
        }
    }

    #[test]
    fn relative_paths_are_found_beside_the_patch_then_by_the_host_then_in_the_package() {
        let root = std::env::temp_dir().join(format!("bandmate-find-{}", std::process::id()));
        let (patch, pkg, host) = (root.join("patch"), root.join("pkg"), root.join("host"));
        for d in [
            &patch,
            &pkg.join("media"),
            &pkg.join("models/groove"),
            &host,
        ] {
            std::fs::create_dir_all(d).unwrap();
        }
        std::fs::write(pkg.join("media/loop.wav"), b"").unwrap();
        let entry = super::super::entry("bandmate.frag~").unwrap();
        let options = Options {
            plugin_dir: Some(pkg.clone()),
            ..Options::default()
        };
        let shell = Shell::create(entry, &options, &[], 0, patch.clone()).unwrap();
        let mut none = Finder(None);
        // the package's own folders: media/, the package folder itself (models/groove)
        assert_eq!(
            shell.find("loop.wav", &mut none),
            Some(pkg.join("media/loop.wav"))
        );
        assert_eq!(
            shell.find("models/groove", &mut none),
            Some(pkg.join("models/groove"))
        );
        assert_eq!(shell.find("nowhere.wav", &mut none), None);
        // the host's search path before the package
        let mut host_finds = Finder(Some(host.join("loop.wav")));
        assert_eq!(
            shell.find("loop.wav", &mut host_finds),
            Some(host.join("loop.wav"))
        );
        // beside the patch first
        std::fs::write(patch.join("loop.wav"), b"").unwrap();
        assert_eq!(
            shell.find("loop.wav", &mut host_finds),
            Some(patch.join("loop.wav"))
        );
        let _ = std::fs::remove_dir_all(&root);
    }
}
