//! Runs real Pure Data headless on patches the tests write, with the freshly built externals.
#![allow(dead_code)]

use bandmate_core::objects::Object;
use std::path::{Path, PathBuf};

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The object names the one shared library is installed under.
/// Every registered object's name (the library is copied under each).
pub fn objects() -> Vec<&'static str> {
    bandmate_core::objects::OBJECTS
        .iter()
        .filter(|e| !e.decl.max_only)
        .map(|e| e.decl.name)
        .collect()
}

/// A folder with the externals (as Pd expects them: one file per object) and room for
/// patches and files. Removed when dropped.
pub struct PdDir {
    pub dir: PathBuf,
}

impl Drop for PdDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The cdylib cargo built with this test binary: `target/<profile>/deps/libbandmate_pd.so`,
/// made by the same compiler run as the rlib the test links (the copy one folder up is only
/// refreshed by `cargo build`, so it can be stale here).
pub fn built_library() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let lib = deps.join(format!(
        "{}bandmate_pd{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        lib.is_file(),
        "the Pd external was not built at {} (cargo builds it with this test)",
        lib.display()
    );
    lib
}

pub fn pd_binary() -> PathBuf {
    let pd = std::env::var_os("BANDMATE_PD").map_or_else(|| PathBuf::from("pd"), PathBuf::from);
    let ok = Command::new(&pd)
        .arg("-version")
        .output()
        .map(|o| o.status.success() || !o.stdout.is_empty() || !o.stderr.is_empty())
        .unwrap_or(false);
    assert!(
        ok,
        "Pure Data ({}) is not installed: run scripts/setup (Debian package puredata-core)",
        pd.display()
    );
    pd
}

impl PdDir {
    pub fn new(tag: &str) -> PdDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "bandmate-pd-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let lib = built_library();
        for name in objects() {
            std::fs::copy(&lib, dir.join(format!("{name}.{}", pd_extension()))).unwrap();
        }
        PdDir { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Run `patch` headless (batch: logical time runs as fast as the CPU allows, so a 10 s
    /// patch takes a fraction of a second) and return what Pd printed, one line each.
    pub fn run(&self, patch: &Patch) -> Vec<String> {
        self.run_with(patch, true, &[])
    }

    /// `batch` false runs in real time (for the worker thread to race against the clock).
    pub fn run_with(&self, patch: &Patch, batch: bool, env: &[(&str, &str)]) -> Vec<String> {
        let file = self.path("test.pd");
        std::fs::write(&file, patch.text()).unwrap();
        self.open(&[&file], batch, env)
    }

    /// Open these patch files in one Pd.
    pub fn open(&self, files: &[&Path], batch: bool, env: &[(&str, &str)]) -> Vec<String> {
        self.open_within(files, batch, env, 60)
    }

    /// A patch that runs in real time for longer than a minute (a training): Pd is stopped
    /// after `seconds`.
    pub fn run_within(&self, patch: &Patch, seconds: u32) -> Vec<String> {
        let file = self.path("test.pd");
        std::fs::write(&file, patch.text()).unwrap();
        self.open_within(&[&file], false, &[], seconds)
    }

    fn open_within(
        &self,
        files: &[&Path],
        batch: bool,
        env: &[(&str, &str)],
        seconds: u32,
    ) -> Vec<String> {
        let mut cmd = Command::new("timeout");
        cmd.arg(seconds.to_string()).arg(pd_binary());
        cmd.args([
            "-nogui", "-nosound", "-nomidi", "-noprefs", "-nrt", "-stderr", "-r", "48000",
        ]);
        if batch {
            cmd.arg("-batch");
        }
        cmd.arg("-path").arg(&self.dir);
        for f in files {
            cmd.arg("-open").arg(f);
        }
        cmd.current_dir(&self.dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run pd");
        let text = String::from_utf8_lossy(&out.stderr).into_owned()
            + &String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "pd exited with {} (124 = it did not quit):\n{text}",
            out.status
        );
        text.lines().map(str::to_string).collect()
    }
}

pub fn pd_extension() -> &'static str {
    if cfg!(target_os = "macos") {
        "pd_darwin"
    } else if cfg!(target_os = "windows") {
        "dll"
    } else {
        "pd_linux"
    }
}

/// A Pd patch written object by object. Messages use Pd's escapes: `\,` and `\;`.
#[derive(Default)]
pub struct Patch {
    lines: Vec<String>,
    n: usize,
}

impl Patch {
    pub fn new() -> Patch {
        Patch {
            lines: vec!["#N canvas 0 0 800 600 12;".into()],
            n: 0,
        }
    }
    fn add(&mut self, kind: &str, text: &str) -> usize {
        let y = 10 + 30 * self.n;
        self.lines.push(format!("#X {kind} 10 {y} {text};"));
        self.n += 1;
        self.n - 1
    }
    pub fn obj(&mut self, text: &str) -> usize {
        self.add("obj", text)
    }
    /// A message box; `text` is as typed in Pd (`,` separates messages, `;` sends to a
    /// receiver).
    pub fn msg(&mut self, text: &str) -> usize {
        let t = text.replace(',', " \\,").replace(';', " \\;");
        self.add("msg", &t)
    }
    pub fn connect(&mut self, from: usize, outlet: usize, to: usize, inlet: usize) {
        self.lines
            .push(format!("#X connect {from} {outlet} {to} {inlet};"));
    }
    /// `[loadbang] -> [delay ms] -> [msg(` -> `to`: the message is sent at logical time `ms`.
    pub fn at(&mut self, ms: f64, text: &str, to: usize) {
        let lb = self.obj("loadbang");
        let d = self.obj(&format!("delay {ms}"));
        let m = self.msg(text);
        self.connect(lb, 0, d, 0);
        self.connect(d, 0, m, 0);
        self.connect(m, 0, to, 0);
    }
    /// Quit Pd at logical time `ms`.
    pub fn quit_at(&mut self, ms: f64) {
        let lb = self.obj("loadbang");
        let d = self.obj(&format!("delay {ms}"));
        let m = self.msg("; pd quit");
        self.connect(lb, 0, d, 0);
        self.connect(d, 0, m, 0);
    }
    pub fn text(&self) -> String {
        self.lines.join("\n") + "\n"
    }
}

/// Lines Pd printed with `[print name]`, without the `name: ` prefix.
pub fn printed<'a>(lines: &'a [String], name: &str) -> Vec<&'a str> {
    let p = format!("{name}: ");
    lines.iter().filter_map(|l| l.strip_prefix(&p)).collect()
}

/// Numbers in a printed line.
pub fn numbers(line: &str) -> Vec<f64> {
    line.split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect()
}

/// Fail on anything Pd says went wrong that the test did not expect.
pub fn assert_clean(lines: &[String]) {
    for l in lines {
        assert!(
            !l.contains("couldn't create") && !l.contains("error") && !l.contains("panicked"),
            "Pd said: {l}\n--- all output:\n{}",
            lines.join("\n")
        );
    }
}

/// The loops the object reported (`loop VOICE v...`, `offset VOICE o...`), 9 lines each per
/// loop, as (position in steps, note) of every hit, sorted.
pub fn reported_loops(lines: &[String]) -> Vec<Vec<(f64, u8)>> {
    let loops = printed(lines, "loop");
    let offsets = printed(lines, "offset");
    assert_eq!(loops.len(), offsets.len());
    assert_eq!(loops.len() % 9, 0);
    loops
        .chunks(9)
        .zip(offsets.chunks(9))
        .map(|(l, o)| {
            let mut hits = Vec::new();
            for (lv, ov) in l.iter().zip(o) {
                let voice: bandmate_core::Voice =
                    lv.split_whitespace().next().unwrap().parse().unwrap();
                let (vel, off) = (numbers(lv), numbers(ov));
                assert_eq!((vel.len(), off.len()), (32, 32));
                for s in 0..32 {
                    if vel[s] > 0.0 {
                        hits.push(((s as f64 + off[s]).rem_euclid(32.0), voice.gm_note()));
                    }
                }
            }
            hits.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            hits
        })
        .collect()
}

/// The note-ons of a loop's first cycle from the top at `step_ms` a step, in the order they
/// leave: a downbeat drawn early (wrapped to the loop's end) also sounds at the start.
pub fn first_cycle(hits: &[(f64, u8)], step_ms: f64) -> Vec<(f64, u8)> {
    let pickups = hits.iter().filter(|h| h.0 > 31.5).map(|&(_, n)| (0.0, n));
    pickups
        .chain(hits.iter().map(|&(p, n)| (p * step_ms, n)))
        .collect()
}

/// The note-ons of two cycles from the top when loop `b` takes over from `a` at the first
/// boundary: `a`, but for its own early downbeat at the end of its cycle (there `b`'s early
/// downbeat leads into the switch: issue 18, item 1); then `b`. Every note once, none missing,
/// up to `until_ms` after `play` (when the patch quits: a third cycle's downbeat drawn less
/// than the patch's margin early falls after it).
pub fn switched_at_boundary(
    a: &[(f64, u8)],
    b: &[(f64, u8)],
    step_ms: f64,
    until_ms: f64,
) -> Vec<(f64, u8)> {
    let mut want: Vec<(f64, u8)> = first_cycle(a, step_ms)
        .into_iter()
        .filter(|&(t, _)| t <= 31.5 * step_ms)
        .collect();
    want.extend(
        b.iter()
            .filter(|&&(p, _)| p > 31.5)
            .map(|&(p, n)| (p * step_ms, n)),
    );
    want.extend(b.iter().map(|&(p, n)| (32.0 * step_ms + p * step_ms, n)));
    want.retain(|&(t, _)| t < until_ms);
    want
}

/// The note-ons Pd played (time since `play`, note) are `want`, in order, each within 0.1 ms.
pub fn assert_note_ons(lines: &[String], want: &[(f64, u8)]) {
    let ons: Vec<(f64, u8)> = timed_notes(lines)
        .iter()
        .filter(|n| n.2 > 0)
        .map(|n| (n.0, n.1))
        .collect();
    assert_eq!(ons.len(), want.len(), "{ons:?}\nvs\n{want:?}");
    for (got, w) in ons.iter().zip(want) {
        assert!(
            (got.0 - w.0).abs() < 0.1 && got.1 == w.1,
            "{got:?} vs {w:?}"
        );
    }
}

/// (note, velocity) with the logical time since `play` that Pd's [timer] measured.
pub fn timed_notes(lines: &[String]) -> Vec<(f64, u8, u8)> {
    let t = printed(lines, "t");
    let n = printed(lines, "n");
    assert_eq!(t.len(), n.len(), "one time per note");
    t.iter()
        .zip(&n)
        .map(|(t, n)| {
            let v = numbers(n);
            (numbers(t)[0], v[0] as u8, v[1] as u8)
        })
        .collect()
}

/// A playing object (box text `object`) with a [timer] started by `play`: `setup` at 0 ms,
/// `play` at 100 ms with the timer reset in the same instant, every note printed as `t:` (its
/// time since `play`) then `n:`, each of `later` at its time, quit at `quit`. Returns the patch
/// and the object's index, for more cords.
pub fn timed_patch(object: &str, setup: &str, later: &[(f64, &str)], quit: f64) -> (Patch, usize) {
    let mut p = Patch::new();
    let g = p.obj(object);
    p.at(0.0, setup, g);
    // at 100 ms: reset the timer, then play (a trigger fires right to left)
    let lb = p.obj("loadbang");
    let d = p.obj("delay 100");
    let t = p.obj("t b b");
    let play = p.msg("play");
    let timer = p.obj("timer");
    p.connect(lb, 0, d, 0);
    p.connect(d, 0, t, 0);
    p.connect(t, 1, timer, 0);
    p.connect(t, 0, play, 0);
    p.connect(play, 0, g, 0);
    // every note: the time first, then the note
    let tl = p.obj("t l b");
    let pt = p.obj("print t");
    let pn = p.obj("print n");
    p.connect(g, 0, tl, 0);
    p.connect(tl, 1, timer, 1);
    p.connect(timer, 0, pt, 0);
    p.connect(tl, 0, pn, 0);
    for (ms, text) in later {
        p.at(*ms, text, g);
    }
    p.quit_at(quit);
    (p, g)
}

/// The groove object in a [`timed_patch`], its loop, offset, cycle and ready lines printed.
pub fn timing_patch(setup: &str, later: Option<(f64, &str)>, quit: f64) -> Patch {
    let later: Vec<(f64, &str)> = later.into_iter().collect();
    let (mut p, g) = timed_patch("bandmate.groove @blocking 1", setup, &later, quit);
    let route = p.obj("route loop offset cycle ready swing8");
    p.connect(g, 1, route, 0);
    for (i, name) in ["loop", "offset", "cycle", "ready", "swing8"]
        .iter()
        .enumerate()
    {
        let pr = p.obj(&format!("print {name}"));
        p.connect(route, i, pr, 0);
    }
    p
}

/// The loop the core itself renders at `sr` after `messages` (each `selector args...`), to
/// compare a host's render with.
pub fn core_render(messages: &[&str], sr: u32) -> Vec<Vec<f32>> {
    let mut o = bandmate_core::objects::GrooveObject::new(&bandmate_core::objects::Options {
        plugin_dir: None,
        load_default: true,
        ..bandmate_core::objects::Options::default()
    })
    .unwrap();
    for m in messages {
        let a = bandmate_core::objects::atoms(m);
        let bandmate_core::objects::Atom::Symbol(sel) = &a[0] else {
            panic!()
        };
        o.message(0.0, sel, &a[1..]).unwrap();
    }
    let mut outs = Vec::new();
    o.drain(|x| outs.push(x));
    assert!(
        !outs
            .iter()
            .any(|x| matches!(x, bandmate_core::objects::Output::Error(_))),
        "{outs:?}"
    );
    o.render(sr).unwrap().channels
}

/// A copy of the example corpus (`patches/pd/loops`) in `dir/loops`: the looper keeps its
/// corpus file in the folder, so tests never give it the repository's own.
pub fn copy_loops(dir: &Path) -> PathBuf {
    copy_example(dir, "loops")
}

/// The help's example songs (patches/pd/songs) copied into `dir/songs`, as the package has
/// them beside the help patches.
pub fn copy_songs(dir: &Path) -> PathBuf {
    copy_example(dir, "songs")
}

/// The files of the example folder `patches/pd/NAME` copied into `dir/NAME`.
fn copy_example(dir: &Path, name: &str) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../patches/pd")
        .join(name);
    let dst = dir.join(name);
    std::fs::create_dir_all(&dst).unwrap();
    for e in std::fs::read_dir(&src).unwrap() {
        let f = e.unwrap().path();
        std::fs::copy(&f, dst.join(f.file_name().unwrap())).unwrap();
    }
    dst
}

/// The looper scenario the Pd and Max tests share, sent at 0 ms: a random seed, the tempo, the
/// corpus, four notes played in (lists, as from [notein]), `seed`; then `play` at 100 ms.
pub const LOOPER_SETUP: &[&str] = &[
    "random 7",
    "tempo 100",
    "corpus loops",
    "36 100 10",
    "42 90 10",
    "38 110 10",
    "42 90 10",
    "seed",
];

/// (ms since `play`, note, velocity, channel 1..16) of every note event.
pub type LooperNotes = Vec<(f64, u8, u8, u8)>;

/// [`LOOPER_SETUP`] played by the core object itself (corpus `loops` = `dir`), `play` at 100 ms,
/// its notes until `until` ms.
pub fn core_looper_notes(dir: &Path, until: f64) -> LooperNotes {
    use bandmate_core::objects::{atoms, Atom, LooperObject, Options, Output};
    let mut o = LooperObject::new(&Options::default()).unwrap();
    let send = |o: &mut LooperObject, now: f64, text: &str| {
        let a = atoms(text);
        let r = match &a[0] {
            Atom::Symbol(sel) => o.message(now, sel, &a[1..]),
            Atom::Float(_) => o.message(now, "note", &a),
        };
        r.unwrap_or_else(|e| panic!("{text}: {e}"));
    };
    send(&mut o, 0.0, "blocking 1");
    for m in LOOPER_SETUP {
        let m = m.replace("corpus loops", &format!("corpus {}", dir.display()));
        send(&mut o, 0.0, &m);
    }
    send(&mut o, 100.0, "play");
    let mut notes = Vec::new();
    let mut now = 100.0;
    loop {
        o.tick(now);
        o.drain(|x| {
            if let Output::Note {
                at_ms,
                note,
                velocity,
                channel,
            } = x
            {
                notes.push((at_ms - 100.0, note, velocity, channel + 1));
            }
        });
        match o.wake_at(now) {
            Some(t) if t <= until => now = t,
            _ => break,
        }
    }
    notes
}

/// The accompanist's model folder in this checkout (absolute: the Pd and Max tests run
/// elsewhere).
pub fn accomp_model() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../models/accomp")
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

/// The accompanist scenario the Pd and Max tests share: at 0 ms the model (loaded in the
/// message's time), a seed, the tempo and a chord track with lengths; `play` at 100 ms; then
/// [`ACCOMP_LATER`].
pub fn accomp_setup() -> Vec<String> {
    vec![
        format!("load {}", accomp_model()),
        "random 7".into(),
        "tempo 120".into(),
        "chords C:maj7 A:min7 2 D:min7 2 G:7".into(),
    ]
}

/// What the performer plays (lists, as from [notein]) and changes while it plays, at their
/// times (ms from the patch's start), until `stop` at 9007 ms: 7 ms off the beats and ticks,
/// so that no message meets a note or a chunk boundary in the same instant (whose order hosts
/// decide differently).
pub const ACCOMP_LATER: &[(f64, &str)] = &[
    (1107.0, "67 100 1"),
    (1357.0, "67 0 1"),
    (1607.0, "64 90 1"),
    (2107.0, "64 0 1"),
    (2607.0, "72 100 1"),
    (3007.0, "72 0 1"),
    (3507.0, "harmony 0.4"),
    (4007.0, "part inner 0"),
    (5107.0, "delta2 0.5"),
    (6007.0, "part inner 1"),
    (9007.0, "stop"),
];

/// [`accomp_setup`] and [`ACCOMP_LATER`] played by the core object itself, `play` at 100 ms:
/// (ms since `play`, note, velocity, channel 1..16) of its notes until `until` ms, and its
/// info and event lines.
pub fn core_accomp_notes(until: f64) -> (LooperNotes, Vec<String>) {
    use bandmate_core::objects::{atoms, AccompObject, Atom, Object, Options, Output};
    let mut o = AccompObject::new(&Options::default()).unwrap();
    let send = |o: &mut AccompObject, now: f64, text: &str| {
        let a = atoms(text);
        let r = match &a[0] {
            Atom::Symbol(sel) => o.message(now, sel, &a[1..]),
            Atom::Float(_) => o.message(now, "note", &a),
        };
        r.unwrap_or_else(|e| panic!("{text}: {e}"));
    };
    send(&mut o, 0.0, "blocking 1");
    for m in accomp_setup() {
        send(&mut o, 0.0, &m);
    }
    let mut events: Vec<(f64, String)> = vec![(100.0, "play".into())];
    events.extend(ACCOMP_LATER.iter().map(|(t, m)| (*t, m.to_string())));
    let (mut notes, mut lines) = (Vec::new(), Vec::new());
    let mut now = 0.0;
    let mut next = 0;
    loop {
        while next < events.len() && events[next].0 <= now {
            send(&mut o, now, &events[next].1);
            next += 1;
        }
        o.tick(now);
        o.drain_into(&mut |x| match x {
            Output::Note {
                at_ms,
                note,
                velocity,
                channel,
            } => notes.push((at_ms - 100.0, note, velocity, channel + 1)),
            Output::Info(s, a) | Output::Event(s, a) => {
                let a: Vec<String> = a.iter().map(|a| a.to_string()).collect();
                lines.push(format!("{s} {}", a.join(" ")));
            }
            Output::Error(e) => panic!("core: {e}"),
            _ => {}
        });
        let wake = o.wake_at(now);
        let due = events.get(next).map(|e| e.0);
        let t = match (wake, due) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => match a.or(b) {
                Some(t) => t,
                None => break,
            },
        };
        if t > until {
            break;
        }
        now = t.max(now);
    }
    (notes, lines)
}

/// The notes a [`timed_patch`] printed, each `note velocity channel`: (ms since `play`, note,
/// velocity, channel 1..16).
pub fn channel_notes(lines: &[String]) -> LooperNotes {
    let t = printed(lines, "t");
    let n = printed(lines, "n");
    assert_eq!(t.len(), n.len());
    t.iter()
        .zip(&n)
        .map(|(t, n)| {
            let v = numbers(n);
            assert_eq!(v.len(), 3, "note velocity channel: {n}");
            (numbers(t)[0], v[0] as u8, v[1] as u8, v[2] as u8)
        })
        .collect()
}
