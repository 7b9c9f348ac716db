//! Runs the mock Max host (`tests/mockmax/mockmax.c`) on scripts the tests write, with the
//! freshly built externals. See `tests/mockmax/README.md` for the script language and checks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// The object names the one shared library is installed under.
/// Every registered object's name (the library is copied under each).
pub fn objects() -> Vec<&'static str> {
    bandmate_core::objects::OBJECTS
        .iter()
        .map(|e| e.decl.name)
        .collect()
}

/// `target/<profile>`: the test binary is `target/<profile>/deps/<test>-<hash>`.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("target/<profile>/deps");
    deps.parent().expect("target/<profile>").to_path_buf()
}

/// The cdylib cargo built with this test binary: `target/<profile>/deps/libbandmate_max.so`,
/// made by the same compiler run as the rlib the test links (the copy one folder up is only
/// refreshed by `cargo build`, so it can be stale here).
pub fn built_library() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let deps = exe.parent().expect("target/<profile>/deps");
    let lib = deps.join(format!(
        "{}bandmate_max{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(
        lib.is_file(),
        "the Max external was not built at {} (cargo builds it with this test)",
        lib.display()
    );
    lib
}

fn mockmax_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mockmax")
}

fn cc() -> String {
    std::env::var("CC").unwrap_or_else(|_| "cc".into())
}

fn run_cc(args: &[&std::ffi::OsStr], what: &str) {
    let out = Command::new(cc())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run the C compiler ({}) for {what}: {e}", cc()));
    assert!(
        out.status.success(),
        "compiling {what} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The mock host, compiled once per test process into `target/<profile>/mockmax/mockmax`
/// (written under a temporary name and renamed, so test processes running side by side never
/// see half a binary).
pub fn mockmax() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let dir = profile_dir().join("mockmax");
        std::fs::create_dir_all(&dir).unwrap();
        let bin = dir.join("mockmax");
        let tmp = dir.join(format!("mockmax.{}.tmp", std::process::id()));
        let src = mockmax_dir().join("mockmax.c");
        let flags = [
            "-std=c11",
            "-O1",
            "-g",
            "-Wall",
            "-Wextra",
            "-Werror",
            "-rdynamic",
            "-pthread",
        ];
        let mut args: Vec<&std::ffi::OsStr> = flags.iter().map(|f| f.as_ref()).collect();
        args.extend([
            src.as_os_str(),
            "-o".as_ref(),
            tmp.as_os_str(),
            "-ldl".as_ref(),
            "-lm".as_ref(),
        ]);
        run_cc(&args, "mockmax.c");
        std::fs::rename(&tmp, &bin).unwrap();
        bin
    })
}

/// A folder with the externals (one file per object, as Max finds them) and room for scripts
/// and files. Removed when dropped.
pub struct MaxDir {
    pub dir: PathBuf,
}

impl Drop for MaxDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl MaxDir {
    /// With bandmate's externals: the built library copied as `bandmate.groove.so` and
    /// `bandmate.frag~.so`.
    pub fn new(tag: &str) -> MaxDir {
        let d = MaxDir::empty(tag);
        let lib = built_library();
        for name in objects() {
            std::fs::copy(&lib, d.dir.join(format!("{name}.so"))).unwrap();
        }
        d
    }

    /// Without any external.
    pub fn empty(tag: &str) -> MaxDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "bandmate-max-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        MaxDir { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Compile a C external (`tests/mockmax/<source>`) into `<class>.so` in this folder.
    pub fn compile_external(&self, source: &str, class: &str) {
        let src = mockmax_dir().join(source);
        let out = self.dir.join(format!("{class}.so"));
        let flags = [
            "-std=c11", "-O1", "-g", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
        ];
        let mut args: Vec<&std::ffi::OsStr> = flags.iter().map(|f| f.as_ref()).collect();
        args.extend([src.as_os_str(), "-o".as_ref(), out.as_os_str()]);
        run_cc(&args, source);
    }

    /// Run `script` in the mock host (this folder is the search path, the patcher's folder and
    /// the working folder, so relative paths in the script land here).
    pub fn run(&self, script: &str) -> Output {
        self.run_with(script, &[])
    }

    pub fn run_with(&self, script: &str, env: &[(&str, &str)]) -> Output {
        self.run_in(script, &self.dir, &self.dir, &[], env)
    }

    /// Run `script` with the externals in `externals`, the patcher in `patcher` and the
    /// packages `search` in Max's search path (this folder is still the working folder).
    pub fn run_in(
        &self,
        script: &str,
        externals: &Path,
        patcher: &Path,
        search: &[&Path],
        env: &[(&str, &str)],
    ) -> Output {
        self.run_flags(script, externals, patcher, search, env, &[])
    }

    /// `script` in this folder, the mock started with `flags` as well (`-windows`).
    pub fn run_with_flags(&self, script: &str, flags: &[&str]) -> Output {
        self.run_flags(script, &self.dir, &self.dir, &[], &[], flags)
    }

    fn run_flags(
        &self,
        script: &str,
        externals: &Path,
        patcher: &Path,
        search: &[&Path],
        env: &[(&str, &str)],
        flags: &[&str],
    ) -> Output {
        let file = self.path("test.maxscript");
        std::fs::write(&file, script).unwrap();
        let mut cmd = Command::new("timeout");
        cmd.arg("60").arg(mockmax());
        cmd.arg("-path").arg(externals).arg("-patcher").arg(patcher);
        for s in search {
            cmd.arg("-search").arg(s);
        }
        cmd.args(flags);
        cmd.arg(&file);
        cmd.current_dir(&self.dir);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run mockmax");
        let code = out.status.code().unwrap_or(-1);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            code != 124 && code != 2,
            "mockmax exited with {code} (124 = it did not finish in 60 s, 2 = a script error):\n{stdout}{stderr}"
        );
        Output {
            lines: stdout.lines().map(str::to_string).collect(),
            stderr,
            code,
        }
    }
}

/// What the host printed (stdout, one event per line), what went to stderr (a Rust panic's
/// message, for one), and the exit code: 0 ran to the end, 3 a FATAL check or a crash.
#[derive(Debug)]
pub struct Output {
    pub lines: Vec<String>,
    pub stderr: String,
    pub code: i32,
}

/// One `@T KIND rest...` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub time: f64,
    pub kind: String,
    /// The words after the kind.
    pub words: Vec<String>,
    /// The text after the kind (`@T error ID text`: "ID text").
    pub rest: String,
}

/// One `@T out ID INDEX SEL atoms...` line: a message out of outlet `outlet` (0 = leftmost).
#[derive(Debug, Clone, PartialEq)]
pub struct Out {
    pub time: f64,
    pub id: String,
    pub outlet: usize,
    pub sel: String,
    pub atoms: Vec<String>,
}

impl Out {
    /// The atoms as numbers (those that are).
    pub fn numbers(&self) -> Vec<f64> {
        self.atoms.iter().filter_map(|a| a.parse().ok()).collect()
    }
}

impl Output {
    pub fn text(&self) -> String {
        format!("{}\n--- stderr:\n{}", self.lines.join("\n"), self.stderr)
    }

    pub fn events(&self) -> Vec<Event> {
        self.lines
            .iter()
            .filter_map(|l| {
                let l = l.strip_prefix('@')?;
                let (time, rest) = l.split_once(' ')?;
                let (kind, rest) = rest.split_once(' ').unwrap_or((rest, ""));
                Some(Event {
                    time: time.parse().ok()?,
                    kind: kind.to_string(),
                    words: rest.split_whitespace().map(str::to_string).collect(),
                    rest: rest.to_string(),
                })
            })
            .collect()
    }

    pub fn of_kind(&self, kind: &str) -> Vec<Event> {
        self.events()
            .into_iter()
            .filter(|e| e.kind == kind)
            .collect()
    }

    /// Every outlet call, in order.
    pub fn outs(&self) -> Vec<Out> {
        self.of_kind("out")
            .into_iter()
            .filter(|e| e.words.len() >= 3)
            .map(|e| Out {
                time: e.time,
                id: e.words[0].clone(),
                outlet: e.words[1].parse().expect("outlet index"),
                sel: e.words[2].clone(),
                atoms: e.words[3..].to_vec(),
            })
            .collect()
    }

    /// The outlet calls of object `id` through outlet `outlet`.
    pub fn outs_of(&self, id: &str, outlet: usize) -> Vec<Out> {
        self.outs()
            .into_iter()
            .filter(|o| o.id == id && o.outlet == outlet)
            .collect()
    }

    /// The notes object `id` sent as `note velocity channel` int lists from its left outlet,
    /// each as (ms since `from`, note, velocity, channel 1..16).
    pub fn channel_notes(&self, id: &str, from: f64) -> Vec<(f64, u8, u8, u8)> {
        self.outs_of(id, 0)
            .into_iter()
            .map(|o| {
                assert_eq!(o.sel, "list", "notes are int lists: {}", o.atoms.join(" "));
                let v: Vec<u8> = o.atoms.iter().map(|a| a.parse().unwrap()).collect();
                assert_eq!(v.len(), 3, "note velocity channel");
                (o.time - from, v[0], v[1], v[2])
            })
            .collect()
    }

    /// `object_error` texts (after the object's ID).
    pub fn errors(&self) -> Vec<String> {
        self.texts("error")
    }

    /// `post`/`object_post` texts (after the object's ID or `-`).
    pub fn posts(&self) -> Vec<String> {
        self.texts("post")
    }

    fn texts(&self, kind: &str) -> Vec<String> {
        self.of_kind(kind)
            .into_iter()
            .map(|e| {
                e.rest
                    .split_once(' ')
                    .map_or(String::new(), |(_, t)| t.to_string())
            })
            .collect()
    }

    /// The host's own messages (`doesn't understand`, ...).
    pub fn console(&self) -> Vec<String> {
        self.of_kind("console")
            .into_iter()
            .map(|e| e.rest)
            .collect()
    }

    /// What a FATAL line said, if one was printed.
    pub fn fatal(&self) -> Option<&str> {
        self.lines.iter().find_map(|l| l.strip_prefix("FATAL: "))
    }

    /// The run ended with exit 3 on a FATAL that contains `needle`.
    pub fn assert_fatal(&self, needle: &str) {
        assert_eq!(
            self.code,
            3,
            "expected a FATAL ({needle}):\n{}",
            self.text()
        );
        let f = self
            .fatal()
            .unwrap_or_else(|| panic!("exit 3 without a FATAL line:\n{}", self.text()));
        assert!(
            f.contains(needle),
            "expected a FATAL with {needle:?}, got {f:?}:\n{}",
            self.text()
        );
    }

    /// Ran to the end (exit 0, `end` printed), nothing FATAL, no error, no "doesn't
    /// understand".
    pub fn assert_clean(&self) {
        self.assert_clean_except(&[]);
    }

    /// As [`Output::assert_clean`], but error lines containing one of `expected` are fine.
    pub fn assert_clean_except(&self, expected: &[&str]) {
        assert!(
            self.code == 0
                && self.fatal().is_none()
                && self.lines.last().is_some_and(|l| l.ends_with(" end")),
            "mockmax did not run cleanly to the end (exit {}):\n{}",
            self.code,
            self.text()
        );
        for e in self.errors() {
            assert!(
                expected.iter().any(|x| e.contains(x)),
                "unexpected error: {e}\n--- all output:\n{}",
                self.text()
            );
        }
        for c in self.console() {
            assert!(
                !c.contains("doesn't understand")
                    && !c.contains("bad arguments")
                    && !c.contains("No such object"),
                "the host said: {c}\n--- all output:\n{}",
                self.text()
            );
        }
    }
}

/// Raw little-endian float32 samples (the format of `buffer_read`, `buffer_write`, `sigdump`).
pub fn write_f32(path: &Path, samples: &[f32]) {
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    std::fs::write(path, bytes).unwrap();
}

pub fn read_f32(path: &Path) -> Vec<f32> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    assert!(
        bytes.len() % 4 == 0,
        "{} is not float32 samples",
        path.display()
    );
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Split interleaved samples into channels.
pub fn deinterleave(samples: &[f32], channels: usize) -> Vec<Vec<f32>> {
    (0..channels)
        .map(|c| samples.iter().skip(c).step_by(channels).copied().collect())
        .collect()
}
