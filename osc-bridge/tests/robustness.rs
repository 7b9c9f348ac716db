//! bandmated under attack: thousands of malformed, truncated, oversized and wrong-typed packets
//! over UDP and TCP, floods of 100,000 messages, a forced panic. Afterwards it must still be
//! running, answer correctly, and hold the state it was given before.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bandmate_core::objects::atoms;
use bandmate_osc::codec::{self, slip};
use bandmate_osc::protocol::{address, AddressSpace};
use rosc::{OscArray, OscColor, OscMidiMessage, OscTime, OscType};

use common::*;

/// xorshift64*: the same packets every run.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Addresses whose state the test checks afterwards: never sent valid-looking packets.
const CHECKED: &[&str] = &[
    "tempo",
    "gate",
    "clear",
    "score",
    "load",
    "reload",
    "rules",
    "kit",
    "blocking",
    "subscribe",
    "unsubscribe",
    // (a recalled scene sets a whole state, tempo and gate too)
    "scene",
    // (a running transport or MIDI clock sets the tempo in force, which the status reports;
    // since a performer's play rejoins a running transport, the storm's play, stop, transport
    // and clock messages may leave one leading)
    "transport",
    "clock",
    // (two taps of the storm within 2 s set the tempo: once the storm's draws changed with a
    // new message, two landed 1.9 s apart and left 31.1 BPM)
    "tap_tempo",
];

/// Every documented example as a packet (except those touching checked state).
fn valid_packets() -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    for obj in AddressSpace::standard().decls() {
        for m in obj.messages {
            if CHECKED.contains(&m.name) {
                continue;
            }
            let args = atoms(m.example)
                .iter()
                .map(bandmate_osc::protocol::to_osc)
                .collect();
            v.push(codec::message(&address(obj, m.name), args));
        }
    }
    v
}

fn odd_arg(rng: &mut Rng) -> OscType {
    match rng.below(9) {
        0 => {
            let n = rng.below(40);
            OscType::Blob(rng.bytes(n))
        }
        1 => OscType::Nil,
        2 => OscType::Inf,
        3 => OscType::Color(OscColor {
            red: 1,
            green: 2,
            blue: 3,
            alpha: 4,
        }),
        4 => OscType::Midi(OscMidiMessage {
            port: 0,
            status: 0x90,
            data1: 60,
            data2: 100,
        }),
        5 => OscType::Time(OscTime {
            seconds: 1,
            fractional: 2,
        }),
        6 => OscType::Array(OscArray {
            content: vec![OscType::Int(1), OscType::Nil],
        }),
        7 => OscType::String("\u{1F941} not a number".into()),
        _ => OscType::Char('x'),
    }
}

fn nested_bundle(depth: usize) -> Vec<u8> {
    let mut p = codec::message("/bandmate/version", vec![]);
    for _ in 0..depth {
        let mut b = b"#bundle\0".to_vec();
        b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 1]);
        b.extend_from_slice(&(p.len() as u32).to_be_bytes());
        b.extend_from_slice(&p);
        p = b;
    }
    p
}

/// The storm: (what kind, packet).
fn storm() -> Vec<(&'static str, Vec<u8>)> {
    let mut rng = Rng(0x5eed_b0a7_d00d_f00d);
    let valid = valid_packets();
    let addrs: Vec<String> = AddressSpace::standard()
        .decls()
        .iter()
        .flat_map(|o| {
            o.messages
                .iter()
                .filter(|m| !CHECKED.contains(&m.name))
                .map(move |m| address(o, m.name))
        })
        .collect();
    let mut v = Vec::new();
    for _ in 0..1500 {
        let n = rng.below(256);
        v.push(("random", rng.bytes(n)));
    }
    for _ in 0..1500 {
        let p = &valid[rng.below(valid.len())];
        let cut = rng.below(p.len().max(1));
        v.push(("truncated", p[..cut].to_vec()));
    }
    for _ in 0..1500 {
        let a = &addrs[rng.below(addrs.len())];
        let args = (0..1 + rng.below(4)).map(|_| odd_arg(&mut rng)).collect();
        v.push(("wrong-typed", codec::message(a, args)));
    }
    for _ in 0..2000 {
        let mut p = valid[rng.below(valid.len())].clone();
        for _ in 0..1 + rng.below(3) {
            let i = rng.below(p.len());
            p[i] ^= 1 << rng.below(8);
        }
        v.push(("mutated", p));
    }
    for k in 0..40 {
        // 60 kB: a message with 12,000 floats, or junk
        let p = if k % 2 == 0 {
            codec::message("/bandmate/groove/accent", vec![OscType::Float(1.0); 12_000])
        } else {
            rng.bytes(60_000)
        };
        v.push(("oversized", p));
    }
    for depth in [9, 12, 40, 400] {
        v.push(("deep bundle", nested_bundle(depth)));
    }
    for _ in 0..200 {
        let mut b = b"#bundle\0\0\0\0\0\0\0\0\x01".to_vec();
        b.extend_from_slice(&(rng.next() as u32).to_be_bytes());
        let n = rng.below(64) * 4;
        b.extend(rng.bytes(n));
        v.push(("bad bundle", b));
    }
    v
}

/// Set the state the test checks afterwards.
fn set_state(c: &Client) {
    c.ask(
        "/bandmate/groove/tempo",
        vec![f(97.0)],
        "/bandmate/groove/tempo",
    );
    c.ask(
        "/bandmate/groove/gate",
        vec![f(77.0)],
        "/bandmate/groove/gate",
    );
    let mut row = vec![s("snare")];
    row.extend((0..16).map(|k| f(if k % 4 == 2 { 1.0 } else { 0.0 })));
    c.ask("/bandmate/groove/score", row, "/bandmate/groove/score");
}

fn check_state(c: &Client) {
    let st = c.status();
    let get = |k: &str| {
        st.iter()
            .find(|(x, _)| x == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("tempo"), vec![f(97.0)]);
    assert_eq!(get("gate"), vec![f(77.0)]);
    assert!(
        get("gestures").contains(&s("snare")),
        "{:?}",
        get("gestures")
    );
    assert_eq!(get("panics"), vec![i(0)]);
    // and it answers a new request correctly
    let r = c.ask(
        "/bandmate/groove/swing",
        vec![i(61)],
        "/bandmate/groove/swing",
    );
    assert_eq!(
        r.last().unwrap(),
        &("/bandmate/groove/swing".to_string(), vec![f(61.0)])
    );
}

#[test]
fn thousands_of_bad_packets_leave_it_answering_with_its_state() {
    let mut d = Daemon::start(&["--rules"]);
    let c = Client::new(d.udp);
    set_state(&c);
    c.ask(
        "/bandmate/groove/generate",
        vec![],
        "/bandmate/groove/ready",
    );
    c.ask("/bandmate/groove/play", vec![], "/bandmate/groove/play");

    let packets = storm();
    let n = packets.len();
    // A receiver counts the error replies while the storm goes out.
    let errors = Arc::new(AtomicU64::new(0));
    let rx = c.sock.try_clone().unwrap();
    let counting = {
        let errors = errors.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 65_536];
            rx.set_read_timeout(Some(Duration::from_millis(1500)))
                .unwrap();
            while let Ok(n) = rx.recv(&mut buf) {
                if buf[..n].starts_with(b"/bandmate/error\0") {
                    errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    };
    for (k, (_, p)) in packets.iter().enumerate() {
        c.send_raw(p);
        if k % 200 == 0 {
            std::thread::sleep(Duration::from_millis(2)); // let the daemon keep up (UDP)
        }
    }
    counting.join().unwrap();
    let errors = errors.load(Ordering::Relaxed);

    // Over TCP: garbage SLIP frames, a bad escape, a frame over 64 KiB, then a good request on
    // the same connection.
    let mut t = TcpStream::connect(d.tcp).unwrap();
    t.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut stream = Vec::new();
    for (_, p) in packets.iter().step_by(7) {
        slip::encode(p, &mut stream);
    }
    stream.extend_from_slice(&[slip::END, slip::ESC, 0x01, 0x02, slip::END]);
    stream.push(slip::END);
    stream.extend(std::iter::repeat_n(b'/', 70_000));
    stream.push(slip::END);
    slip::encode(&codec::message("/bandmate/version", vec![]), &mut stream);
    t.write_all(&stream).unwrap();
    let mut dec = slip::Decoder::default();
    let mut got_version = false;
    let mut tcp_errors = 0;
    let mut buf = vec![0u8; 65_536];
    let end = Instant::now() + Duration::from_secs(10);
    while !got_version && Instant::now() < end {
        let n = t.read(&mut buf).unwrap();
        assert!(n > 0, "the daemon closed a SLIP connection over bad frames");
        dec.feed(&buf[..n], |r| {
            let p = r.unwrap();
            if p.starts_with(b"/bandmate/version\0") {
                got_version = true;
            } else if p.starts_with(b"/bandmate/error\0") {
                tcp_errors += 1;
            }
        });
    }
    assert!(
        got_version,
        "the TCP connection still answers after bad frames"
    );
    // A size-prefixed connection announcing 2 GB: told why, then closed.
    let mut t2 = TcpStream::connect(d.tcp).unwrap();
    t2.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    t2.write_all(&[0x7f, 0xff, 0xff, 0xff, 1, 2, 3]).unwrap();
    let mut all = Vec::new();
    let _ = t2.read_to_end(&mut all);
    assert!(
        String::from_utf8_lossy(&all).contains("over the limit"),
        "{all:?}"
    );

    assert!(d.alive(), "bandmated died: {}", d.stderr());
    let malformed = c.counter("malformed");
    eprintln!(
        "{n} bad UDP packets: {malformed} counted malformed, {errors} error replies received; \
         {tcp_errors} TCP error replies"
    );
    assert!(
        errors > (n as u64) / 2,
        "errors were answered: {errors} of {n}"
    );
    assert!(malformed > 3000, "{malformed}");
    assert!(tcp_errors > 100, "{tcp_errors}");
    check_state(&c);
}

#[test]
fn a_flood_of_100000_udp_messages_is_survived_and_loss_counted() {
    let mut d = Daemon::start(&["--rules"]);
    let c = Client::new(d.udp);
    set_state(&c);
    let packet = codec::message("/bandmate/groove/swing", vec![f(58.0)]);
    let replies = Arc::new(AtomicU64::new(0));
    let rx = c.sock.try_clone().unwrap();
    let counting = {
        let replies = replies.clone();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 2048];
            rx.set_read_timeout(Some(Duration::from_millis(1000)))
                .unwrap();
            while rx.recv(&mut buf).is_ok() {
                replies.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    const N: u64 = 100_000;
    let t0 = Instant::now();
    for _ in 0..N {
        c.send_raw(&packet);
    }
    let send_s = t0.elapsed().as_secs_f64();
    counting.join().unwrap();
    let replies = replies.load(Ordering::Relaxed);
    assert!(d.alive(), "bandmated died: {}", d.stderr());
    let st = c.status();
    let get = |k: &str| match st.iter().find(|(x, _)| x == k).unwrap().1[0] {
        OscType::Int(n) => n as u64,
        ref o => panic!("{o:?}"),
    };
    // The packets counter holds set_state's 3 requests and this status request too.
    let heard = get("packets") - 4;
    let dropped = get("dropped");
    let lost_in_kernel = N - heard - dropped;
    eprintln!(
        "UDP flood: {N} sent in {send_s:.2} s ({:.0}/s); daemon handled {heard}, dropped {dropped} \
         (queue full), {lost_in_kernel} lost before it (socket buffer); {replies} replies came back",
        N as f64 / send_s
    );
    assert!(heard > 0 && heard + dropped <= N);
    check_state(&c);
}

#[test]
fn a_flood_of_100000_tcp_messages_loses_nothing_inbound() {
    let mut d = Daemon::start(&["--rules"]);
    let c = Client::new(d.udp);
    set_state(&c);
    let before = c.counter("messages");
    let t = TcpStream::connect(d.tcp).unwrap();
    let mut r = t.try_clone().unwrap();
    r.set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    const N: usize = 100_000;
    let reader = std::thread::spawn(move || {
        let mut dec = slip::Decoder::default();
        let mut n = 0usize;
        let mut buf = vec![0u8; 65_536];
        while let Ok(k) = r.read(&mut buf) {
            if k == 0 {
                break;
            }
            dec.feed(&buf[..k], |p| {
                if p.is_ok() {
                    n += 1;
                }
            });
        }
        n
    });
    let t0 = Instant::now();
    let mut w = std::io::BufWriter::new(t);
    let packet = codec::message("/bandmate/groove/swing", vec![f(58.0)]);
    let mut frame = Vec::new();
    slip::encode(&packet, &mut frame);
    for _ in 0..N {
        w.write_all(&frame).unwrap();
    }
    w.flush().unwrap();
    let replies = reader.join().unwrap();
    let secs = t0.elapsed().as_secs_f64();
    assert!(d.alive(), "bandmated died: {}", d.stderr());
    let handled = c.counter("messages") - before - 1; // less the status request itself
    let dropped_out = c.counter("send_errors");
    eprintln!(
        "TCP flood: {N} messages in {secs:.2} s; daemon handled {handled}; {replies} replies read, \
         {dropped_out} replies dropped (client not reading fast enough)"
    );
    assert_eq!(
        handled as usize, N,
        "TCP is reliable: every message is handled"
    );
    assert_eq!(replies + dropped_out as usize, N);
    drop(w);
    check_state(&c);
}

#[test]
fn a_panic_inside_is_answered_and_the_daemon_goes_on() {
    let mut d = Daemon::start_env(&["--rules"], &[("BANDMATE_TEST_HOOKS", "1")]);
    let c = Client::new(d.udp);
    set_state(&c);
    let r = c.ask("/bandmate/groove/_panic", vec![], "/bandmate/error");
    let (_, args) = r.last().unwrap();
    match &args[1] {
        OscType::String(t) => assert!(t.contains("internal error: forced internal error"), "{t}"),
        o => panic!("{o:?}"),
    }
    // a panic on the worker thread comes back as an error too
    c.send("/bandmate/subscribe", vec![]);
    c.send("/bandmate/groove/_panic", vec![s("worker")]);
    let got = c
        .until(Duration::from_secs(5), |a, args| {
            a == "/bandmate/error"
                && matches!(&args[1], OscType::String(t) if t.contains("internal error"))
        })
        .expect("the worker's panic is reported");
    assert!(!got.is_empty());
    assert!(d.alive());
    let st = c.status();
    assert!(st.contains(&("panics".to_string(), vec![i(1)])), "{st:?}");
    // the panic guard counted one; the worker's is the object's own
    let r = c.ask(
        "/bandmate/groove/generate",
        vec![],
        "/bandmate/groove/ready",
    );
    assert!(
        r.iter().any(|(a, _)| a == "/bandmate/groove/ready"),
        "{r:?}"
    );
}
