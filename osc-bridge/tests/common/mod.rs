//! What the daemon's tests share: the real `bandmated` binary on free ports, the real OSC peers
//! (liblo-tools' `oscsend` and `oscdump`, python-osc from `.venv-tools`), and a plain UDP
//! client. A missing tool fails the test with what to run; nothing is skipped.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rosc::{OscPacket, OscType};

pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh folder under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("bandmated-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `bandmated`, killed when dropped.
pub struct Daemon {
    child: Child,
    pub udp: SocketAddr,
    pub tcp: SocketAddr,
    pub dir: TempDir,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<std::thread::JoinHandle<()>>,
}

impl Daemon {
    /// Start the real binary on free ports with its fragments in a temp folder; `args` more
    /// flags. It runs in the workspace root (so `models/groove` resolves).
    pub fn start(args: &[&str]) -> Daemon {
        Daemon::start_env(args, &[])
    }

    pub fn start_env(args: &[&str], env: &[(&str, &str)]) -> Daemon {
        let dir = TempDir::new("daemon");
        let frags = dir.path().join("fragments");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bandmated"));
        cmd.current_dir(workspace()).args(["--port", "0"]);
        if !args.contains(&"--frag-dir") {
            cmd.arg("--frag-dir").arg(&frags);
        }
        if !args.contains(&"--scenes") {
            cmd.arg("--scenes").arg(dir.path().join("scenes"));
        }
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("bandmated starts");
        let stderr = Arc::new(Mutex::new(String::new()));
        let stderr_reader = {
            let mut err = child.stderr.take().unwrap();
            let log = stderr.clone();
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = err.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    log.lock()
                        .unwrap()
                        .push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            })
        };
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let field = |k: &str| -> SocketAddr {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .unwrap_or_else(|| {
                    panic!(
                        "bandmated did not say where it listens: {line:?}; stderr: {}",
                        stderr.lock().unwrap()
                    )
                })
                .parse()
                .unwrap()
        };
        let (udp, tcp) = (field("udp="), field("tcp="));
        Daemon {
            child,
            udp,
            tcp,
            dir,
            stderr,
            stderr_reader: Some(stderr_reader),
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Wait up to `timeout` for it to end; then its stderr is complete.
    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let end = Instant::now() + timeout;
        while Instant::now() < end {
            if let Ok(Some(st)) = self.child.try_wait() {
                if let Some(r) = self.stderr_reader.take() {
                    let _ = r.join();
                }
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    pub fn port(&self) -> u16 {
        self.udp.port()
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Still running?
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn need(tool: &str, package: &str) -> PathBuf {
    for dir in std::env::var("PATH").unwrap_or_default().split(':') {
        let p = Path::new(dir).join(tool);
        if p.is_file() {
            return p;
        }
    }
    panic!("{tool} is missing: install {package} (scripts/setup does it)");
}

/// `oscsend localhost PORT ADDRESS [TYPES VALUES...]` (liblo-tools); panics if it fails.
pub fn oscsend(port: u16, addr: &str, types: &str, values: &[&str]) {
    let tool = need("oscsend", "liblo-tools");
    let mut cmd = Command::new(tool);
    cmd.arg("localhost").arg(port.to_string()).arg(addr);
    if !types.is_empty() {
        cmd.arg(types).args(values);
    }
    let out = cmd.output().expect("oscsend runs");
    assert!(
        out.status.success(),
        "oscsend {addr} {types} {values:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run an example command line as the docs write it (`oscsend localhost 8000 /addr types v...`)
/// against `port`.
pub fn oscsend_line(port: u16, line: &str) {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[0], "oscsend", "{line}");
    let types = words.get(4).copied().unwrap_or("");
    let values: Vec<&str> = words.iter().skip(5).copied().collect();
    oscsend(port, words[3], types, &values);
}

/// One argument as oscdump prints it.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(i64),
    Float(f64),
    Str(String),
}

impl Arg {
    pub fn f(&self) -> f64 {
        match self {
            Arg::Int(i) => *i as f64,
            Arg::Float(x) => *x,
            Arg::Str(s) => panic!("{s:?} is not a number"),
        }
    }
    pub fn s(&self) -> &str {
        match self {
            Arg::Str(s) => s,
            other => panic!("{other:?} is not a string"),
        }
    }
}

/// One line of oscdump: the time tag (the bundle's, or the arrival time), address, arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Dumped {
    pub time: u64,
    pub addr: String,
    pub args: Vec<Arg>,
}

impl Dumped {
    /// The time tag in seconds (NTP era).
    pub fn secs(&self) -> f64 {
        (self.time >> 32) as f64 + (self.time & 0xffff_ffff) as f64 / 4_294_967_296.0
    }
}

pub fn parse_dump(line: &str) -> Option<Dumped> {
    let (tt, rest) = line.split_once(' ')?;
    let (sec, frac) = tt.split_once('.')?;
    let time = (u64::from_str_radix(sec, 16).ok()? << 32) | u64::from_str_radix(frac, 16).ok()?;
    let (addr, rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let (types, mut rest) = rest.split_once(' ').unwrap_or((rest, ""));
    let mut args = Vec::new();
    for t in types.chars() {
        rest = rest.trim_start();
        match t {
            's' | 'S' => {
                let body = rest.strip_prefix('"')?;
                // the closing quote is the one followed by a space or the end
                let mut end = None;
                for (i, _) in body.match_indices('"') {
                    let after = &body[i + 1..];
                    if after.is_empty() || after.starts_with(' ') {
                        end = Some(i);
                        break;
                    }
                }
                let end = end?;
                args.push(Arg::Str(body[..end].to_string()));
                rest = &body[end + 1..];
            }
            _ => {
                let (w, r) = rest.split_once(' ').unwrap_or((rest, ""));
                rest = r;
                args.push(match t {
                    'i' | 'h' => Arg::Int(w.parse().ok()?),
                    'f' | 'd' => Arg::Float(w.parse().ok()?),
                    _ => Arg::Str(w.to_string()),
                });
            }
        }
    }
    Some(Dumped {
        time,
        addr: addr.to_string(),
        args,
    })
}

/// A running `oscdump` (liblo-tools) on a free UDP port: every line it prints, parsed.
pub struct OscDump {
    child: Child,
    pub port: u16,
    lines: Receiver<Dumped>,
    pub seen: Vec<Dumped>,
}

impl OscDump {
    pub fn start() -> OscDump {
        let tool = need("oscdump", "liblo-tools");
        for _ in 0..10 {
            let port = UdpSocket::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let mut child = Command::new(&tool)
                .args(["-L", &port.to_string()])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("oscdump runs");
            std::thread::sleep(Duration::from_millis(150));
            if child.try_wait().unwrap().is_some() {
                continue; // the port was taken again: another one
            }
            let (tx, rx) = mpsc::channel();
            let out = child.stdout.take().unwrap();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines() {
                    let Ok(line) = line else { break };
                    if let Some(d) = parse_dump(&line) {
                        if tx.send(d).is_err() {
                            break;
                        }
                    }
                }
            });
            return OscDump {
                child,
                port,
                lines: rx,
                seen: Vec::new(),
            };
        }
        panic!("oscdump could not start on a free port");
    }

    /// Lines until one matches `stop` (included); panics after `timeout`.
    pub fn until(&mut self, timeout: Duration, stop: impl Fn(&Dumped) -> bool) -> Vec<Dumped> {
        let end = Instant::now() + timeout;
        let mut got = Vec::new();
        loop {
            let left = end.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(d) => {
                    self.seen.push(d.clone());
                    let done = stop(&d);
                    got.push(d);
                    if done {
                        return got;
                    }
                }
                Err(_) => panic!(
                    "oscdump: timed out; the last lines: {:#?}",
                    &got[got.len().saturating_sub(8)..]
                ),
            }
        }
    }

    /// Everything that arrives within `d`.
    pub fn during(&mut self, d: Duration) -> Vec<Dumped> {
        let end = Instant::now() + d;
        let mut got = Vec::new();
        while let Ok(x) = self
            .lines
            .recv_timeout(end.saturating_duration_since(Instant::now()))
        {
            self.seen.push(x.clone());
            got.push(x);
        }
        got
    }
}

impl Drop for OscDump {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// python from `.venv-tools` (python-osc); panics with what to run when it is missing.
pub fn python() -> PathBuf {
    let py = workspace().join(".venv-tools/bin/python");
    let ok = py.is_file()
        && Command::new(&py)
            .args(["-c", "import pythonosc"])
            .status()
            .is_ok_and(|s| s.success());
    assert!(
        ok,
        "python-osc is missing: run scripts/setup (it makes .venv-tools with python-osc)"
    );
    py
}

/// Run a scenario of `tests/peer.py`; its JSON lines.
pub fn peer(args: &[&str]) -> Vec<serde_json::Value> {
    let out = Command::new(python())
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peer.py"))
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "peer.py {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A plain UDP client speaking to the daemon (rosc for the bytes).
pub struct Client {
    pub sock: UdpSocket,
    pub to: SocketAddr,
}

impl Client {
    pub fn new(to: SocketAddr) -> Client {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        Client { sock, to }
    }

    pub fn send_raw(&self, bytes: &[u8]) {
        self.sock.send_to(bytes, self.to).unwrap();
    }

    pub fn send(&self, addr: &str, args: Vec<OscType>) {
        self.send_raw(&bandmate_osc::codec::message(addr, args));
    }

    /// Messages received until `stop` accepts one (included), or None after `timeout`.
    pub fn until(
        &self,
        timeout: Duration,
        stop: impl Fn(&str, &[OscType]) -> bool,
    ) -> Option<Vec<(String, Vec<OscType>)>> {
        let end = Instant::now() + timeout;
        let mut got = Vec::new();
        let mut buf = vec![0u8; 65_536];
        loop {
            let left = end.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return None;
            }
            self.sock.set_read_timeout(Some(left)).unwrap();
            let Ok(n) = self.sock.recv(&mut buf) else {
                return None;
            };
            let (_, p) = rosc::decoder::decode_udp(&buf[..n]).expect("the daemon sends OSC");
            let mut msgs = Vec::new();
            flatten(p, &mut msgs);
            for (a, args) in msgs {
                let done = stop(&a, &args);
                got.push((a, args));
                if done {
                    return Some(got);
                }
            }
        }
    }

    /// Every message received for `window`.
    pub fn collect(&self, window: Duration) -> Vec<(String, Vec<OscType>)> {
        let mut got = Vec::new();
        let end = Instant::now() + window;
        let mut buf = vec![0u8; 65_536];
        while Instant::now() < end {
            self.sock
                .set_read_timeout(Some(Duration::from_millis(20)))
                .unwrap();
            if let Ok(n) = self.sock.recv(&mut buf) {
                let (_, p) = rosc::decoder::decode_udp(&buf[..n]).expect("the daemon sends OSC");
                flatten(p, &mut got);
            }
        }
        got
    }

    /// Ask and wait for the first reply on `reply` (or an error).
    pub fn ask(&self, addr: &str, args: Vec<OscType>, reply: &str) -> Vec<(String, Vec<OscType>)> {
        self.send(addr, args);
        // (generous: a fragment is written with an fsync, which a busy disk can hold up)
        self.until(Duration::from_secs(15), |a, _| {
            a == reply || a == "/bandmate/error"
        })
        .unwrap_or_else(|| panic!("no reply to {addr}"))
    }

    /// The daemon's `/bandmate/status` lines as (key, values).
    pub fn status(&self) -> Vec<(String, Vec<OscType>)> {
        self.send("/bandmate/status", vec![]);
        let got = self
            .until(Duration::from_secs(5), |a, args| {
                a == "/bandmate/status" && args.first() == Some(&OscType::String("done".into()))
            })
            .expect("a status");
        got.into_iter()
            .filter(|(a, _)| a == "/bandmate/status" || a == "/bandmate/groove/status")
            .map(|(_, mut args)| {
                let k = match args.remove(0) {
                    OscType::String(s) => s,
                    other => panic!("{other:?}"),
                };
                (k, args)
            })
            .collect()
    }

    /// One counter from the status.
    pub fn counter(&self, name: &str) -> i64 {
        self.status()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| match v[0] {
                OscType::Int(n) => i64::from(n),
                ref other => panic!("{other:?}"),
            })
            .unwrap_or_else(|| panic!("no counter {name}"))
    }
}

pub fn flatten(p: OscPacket, out: &mut Vec<(String, Vec<OscType>)>) {
    match p {
        OscPacket::Message(m) => out.push((m.addr, m.args)),
        OscPacket::Bundle(b) => {
            for c in b.content {
                flatten(c, out);
            }
        }
    }
}

pub fn f(x: f32) -> OscType {
    OscType::Float(x)
}
pub fn i(x: i32) -> OscType {
    OscType::Int(x)
}
pub fn s(x: &str) -> OscType {
    OscType::String(x.into())
}

/// Held by each test of a binary whose tests measure timing (MIDI out, a flood's lookahead):
/// they run one at a time, so that what one measures is the daemon, not the neighbouring test
/// loading models on the same two cores.
pub fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}
