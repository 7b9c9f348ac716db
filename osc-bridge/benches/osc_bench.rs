//! bandmated on loopback: request -> reply latency (p50, p99) and sustained messages per second,
//! side by side with a minimal python-osc server doing the same job (osc-bridge/bench/
//! python_server.py), measured by the same client in the same run.
//!
//!     cargo bench -p bandmate-osc --bench osc_bench
//!     cargo bench -p bandmate-osc --bench osc_bench -- midi     # the MIDI scheduler only
//!
//! The request is `/bandmate/groove/swing 58.0`: decoded, checked against its declaration,
//! applied, and answered with the accepted value.
//!
//! Then the MIDI scheduler (`--midi-port`): how late each message leaves after its due time,
//! through a recording sink, with notes handed over a lookahead ahead as the engine does.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bandmate_osc::codec::{self, slip};
use rosc::OscType;

struct Server {
    name: &'static str,
    child: Child,
    udp: SocketAddr,
    tcp: Option<SocketAddr>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn bandmated() -> Server {
    let frags = std::env::temp_dir().join(format!("bandmated-bench-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_bandmated"))
        .args(["--port", "0", "--rules", "--frag-dir"])
        .arg(&frags)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("bandmated starts");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let field = |k: &str| -> SocketAddr {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .unwrap()
            .parse()
            .unwrap()
    };
    Server {
        name: "bandmated (Rust)",
        udp: field("udp="),
        tcp: Some(field("tcp=")),
        child,
    }
}

fn python_server() -> Option<Server> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let py = root.join("../.venv-tools/bin/python");
    if !py.is_file() {
        println!("[python-osc] not measured: .venv-tools is missing (run scripts/setup)");
        return None;
    }
    let mut child = Command::new(py)
        .arg(root.join("bench/python_server.py"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("python runs");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let port: u16 = line.trim().parse().expect("the python server's port");
    let version = Command::new(root.join("../.venv-tools/bin/python"))
        .args([
            "-c",
            "import importlib.metadata as m; print(m.version('python-osc'))",
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    Some(Server {
        name: if version.is_empty() {
            "python-osc server"
        } else {
            Box::leak(format!("python-osc {version} server").into_boxed_str())
        },
        child,
        udp: SocketAddr::from(([127, 0, 0, 1], port)),
        tcp: None,
    })
}

fn request() -> Vec<u8> {
    codec::message("/bandmate/groove/swing", vec![OscType::Float(58.0)])
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// One request at a time: (p50, p99, mean) in microseconds.
fn latency_udp(to: SocketAddr, n: usize) -> (f64, f64, f64) {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let req = request();
    let mut buf = [0u8; 1024];
    let mut times = Vec::with_capacity(n);
    for k in 0..n + 500 {
        let t = Instant::now();
        sock.send_to(&req, to).unwrap();
        sock.recv(&mut buf).expect("a reply");
        if k >= 500 {
            times.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    (pct(&times, 0.5), pct(&times, 0.99), mean)
}

fn latency_tcp(to: SocketAddr, n: usize) -> (f64, f64, f64) {
    let mut s = TcpStream::connect(to).unwrap();
    s.set_nodelay(true).unwrap();
    let mut frame = Vec::new();
    slip::encode(&request(), &mut frame);
    let mut buf = [0u8; 1024];
    let mut times = Vec::with_capacity(n);
    for k in 0..n + 500 {
        let t = Instant::now();
        s.write_all(&frame).unwrap();
        // one reply frame: END ... END
        let mut ends = 0;
        while ends < 2 {
            let got = s.read(&mut buf).unwrap();
            ends += buf[..got].iter().filter(|&&b| b == slip::END).count();
        }
        if k >= 500 {
            times.push(t.elapsed().as_secs_f64() * 1e6);
        }
    }
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    (pct(&times, 0.5), pct(&times, 0.99), mean)
}

/// Requests kept `window` in flight for `secs`: replies per second, and requests lost.
fn throughput_udp(to: SocketAddr, window: usize, secs: f64) -> (f64, u64) {
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let req = request();
    let mut buf = [0u8; 1024];
    let (mut sent, mut got, mut lost) = (0u64, 0u64, 0u64);
    for _ in 0..window {
        sock.send_to(&req, to).unwrap();
        sent += 1;
    }
    let t0 = Instant::now();
    let mut counted_from = None;
    while t0.elapsed().as_secs_f64() < secs + 0.5 {
        match sock.recv(&mut buf) {
            Ok(_) => {
                if t0.elapsed().as_secs_f64() >= 0.5 && counted_from.is_none() {
                    counted_from = Some((Instant::now(), got));
                }
                got += 1;
            }
            // a lost datagram: put another one in flight
            Err(_) => lost += 1,
        }
        sock.send_to(&req, to).unwrap();
        sent += 1;
    }
    let (from, base) = counted_from.expect("replies came");
    let _ = sent;
    ((got - base) as f64 / from.elapsed().as_secs_f64(), lost)
}

/// The request handled in-process, no sockets or threads: decode, check, apply, encode the
/// reply (with a subscriber: the reply to it too, and the look at every control's state that
/// follows each packet). (p50, p99) in microseconds.
fn in_process(n: usize, subscriber: bool) -> (f64, f64) {
    use bandmate_osc::daemon::{Counters, Settings};
    let subscribe = if subscriber {
        vec!["127.0.0.1:10".parse().unwrap()]
    } else {
        Vec::new()
    };
    let settings = Settings {
        sample_rate: 48_000,
        ..Settings::in_process(subscribe)
    };
    let mut d = bandmate_osc::Daemon::new(
        settings,
        codec::Clock::new(),
        std::sync::Arc::new(Counters::default()),
    )
    .unwrap();
    let from = bandmate_osc::Peer::Udp("127.0.0.1:9".parse().unwrap());
    let req = request();
    let mut times = Vec::with_capacity(n);
    for k in 0..n + 1000 {
        let t = Instant::now();
        d.handle_packet(k as f64, from, &req);
        let out = d.take_outgoing();
        if k >= 1000 {
            times.push(t.elapsed().as_secs_f64() * 1e6);
            assert_eq!(out.len(), 1 + usize::from(subscriber));
        }
    }
    times.sort_by(f64::total_cmp);
    (pct(&times, 0.5), pct(&times, 0.99))
}

/// The MIDI scheduler alone: `instants` instants `spacing_ms` apart, `per` note-ons each (a
/// kick and a hi-hat...), handed over `lookahead_ms` before their time from another thread, as
/// the engine hands them. Lateness of every message after its due time: (p50, p99, max) in
/// microseconds, and how many went out early (should be none).
fn midi_lateness(
    instants: usize,
    per: usize,
    spacing_ms: f64,
    lookahead_ms: f64,
) -> (f64, f64, f64, usize) {
    use bandmate_osc::midi::{MidiOut, Recorder};
    let clock = codec::Clock::new();
    let rec = Recorder::new();
    let out = MidiOut::start(rec.sink(), clock, 10, "bench").unwrap();
    let t0 = clock.now_ms() + 100.0;
    let mut due = Vec::with_capacity(instants * per);
    for k in 0..instants {
        let at = t0 + k as f64 * spacing_ms;
        let hand_at = clock.instant(at - lookahead_ms);
        if let Some(d) = hand_at.checked_duration_since(Instant::now()) {
            std::thread::sleep(d);
        }
        for j in 0..per {
            out.note(at, 36 + j as u8, 100);
            due.push(at);
        }
    }
    let end = Instant::now() + Duration::from_secs(5);
    while rec.len() < due.len() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(5));
    }
    let got = rec.messages();
    assert_eq!(got.len(), due.len(), "every message went out");
    let mut late: Vec<f64> = got
        .iter()
        .zip(&due)
        .map(|((t, _), at)| (clock.ms_at(*t) - at) * 1000.0)
        .collect();
    let early = late.iter().filter(|&&l| l < 0.0).count();
    late.sort_by(f64::total_cmp);
    (
        pct(&late, 0.5),
        pct(&late, 0.99),
        *late.last().unwrap(),
        early,
    )
}

fn midi_section() {
    println!(
        "\nMIDI scheduler (--midi-port), through a recording sink: lateness after the due time"
    );
    println!("| notes | handed over | p50 | p99 | max | early |");
    println!("|---|---|---:|---:|---:|---:|");
    for (instants, per, spacing, ahead) in [(1000, 2, 5.0, 50.0), (500, 4, 20.0, 200.0)] {
        let (p50, p99, max, early) = midi_lateness(instants, per, spacing, ahead);
        println!(
            "| {} ({instants} instants {spacing} ms apart, {per} each) | {ahead} ms ahead | {p50:.0} us | {p99:.0} us | {max:.0} us | {early} |",
            instants * per
        );
    }
}

fn main() {
    let only_midi = std::env::args().skip(1).any(|a| a == "midi");
    if std::env::args().skip(1).any(|a| a == "inproc") {
        in_process_section();
        return;
    }
    let n = 10_000;
    println!(
        "machine: {} cores, {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(
                |c| c.lines().find(|l| l.starts_with("model name")).map(|l| l
                    .split(':')
                    .nth(1)
                    .unwrap_or("")
                    .trim()
                    .to_string())
            )
            .unwrap_or_default()
    );
    if only_midi {
        midi_section();
        return;
    }
    println!("request: /bandmate/groove/swing 58.0 -> reply; {n} timed requests after 500 warm-up; throughput: 32 in flight for 3 s\n");
    println!("| server | transport | p50 | p99 | mean | sustained |");
    println!("|---|---|---:|---:|---:|---:|");
    let mut servers = vec![bandmated()];
    if let Some(p) = python_server() {
        servers.push(p);
    }
    std::thread::sleep(Duration::from_millis(300));
    for s in &servers {
        let (p50, p99, mean) = latency_udp(s.udp, n);
        let (rate, lost) = throughput_udp(s.udp, 32, 3.0);
        println!(
            "| {} | UDP | {p50:.1} us | {p99:.1} us | {mean:.1} us | {rate:.0} msg/s{} |",
            s.name,
            if lost > 0 {
                format!(" ({lost} lost)")
            } else {
                String::new()
            }
        );
        if let Some(tcp) = s.tcp {
            let (p50, p99, mean) = latency_tcp(tcp, n);
            println!(
                "| {} | TCP (SLIP) | {p50:.1} us | {p99:.1} us | {mean:.1} us | - |",
                s.name
            );
        }
    }
    drop(servers);
    let _ = std::fs::remove_dir_all(
        std::env::temp_dir().join(format!("bandmated-bench-{}", std::process::id())),
    );
    in_process_section();
    midi_section();
}

fn in_process_section() {
    let (p50, p99) = in_process(100_000, false);
    println!("\nthe same request inside bandmated, without sockets and threads (decode, check, apply, encode the reply): p50 {p50:.2} us, p99 {p99:.2} us");
    let (p50, p99) = in_process(100_000, true);
    println!("the same with one subscriber, a packet every ms (its copy of the reply; every control's state is looked at every 10 ms, about 16 us each time): p50 {p50:.2} us, p99 {p99:.2} us");
}
