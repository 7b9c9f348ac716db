//! The daemon on the network: threads and sockets around the [`Daemon`].
//!
//! - one UDP thread receives datagrams (when the engine falls behind, it drops and counts them
//!   rather than blocking);
//! - one TCP thread accepts connections; each has a reader thread (SLIP or size-prefixed frames,
//!   told apart by the first byte) and a writer thread (replies in the same framing);
//! - the engine thread owns the [`Daemon`] and its clock: it sleeps until the next note is due
//!   (minus the lookahead) or a packet arrives, and sends what the daemon produces;
//! - the fragment writer thread owns the [`FileBank`] and writes WAV files, so a slow disk never
//!   holds up the notes.
//! - with `--midi-port`, the MIDI thread ([`midi::MidiOut`]) sends each note the engine hands
//!   it at the note's time on the same clock.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender, SyncSender, TrySendError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::filebank::FileBank;
use bandmate_core::objects::default_model_dirs;

use crate::codec::{self, lenprefix, slip, Clock};
use crate::config::{Config, ModelChoice};
use crate::daemon::{BankDone, BankJob, Counters, Daemon, Outgoing, Peer, Settings, Target};
use crate::midi::{self, MidiHandle, MidiSink};

/// Most TCP connections at once.
pub const MAX_TCP_CONNECTIONS: usize = 64;
/// Most TCP connections at once from one host on the network (this machine's own are not
/// limited but by the total).
pub const MAX_TCP_PER_HOST: usize = 16;
/// Refusals being told at once (each takes up to 0.2 s on a thread of its own); beyond, a
/// connection is closed without a word.
const MAX_REFUSING: usize = 8;
/// When every place is taken, a newcomer takes the place of the connection quiet the longest
/// if it has been quiet at least this long (ms); else the newcomer is refused.
pub const TCP_EVICT_QUIET_MS: f64 = 1000.0;
/// How long a closing connection's last replies are given to leave, and what it still sends is
/// read and dropped (so that the close is not a reset that loses them), in ms.
const TCP_LINGER_MS: f64 = 1000.0;
/// A client that does not read its replies for this long is disconnected.
const TCP_WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Packets waiting for the engine before UDP ones are dropped.
const INBOX: usize = 16_384;
/// Replies waiting for one TCP connection before more are dropped (a client that does not read).
const TCP_OUTBOX: usize = 4_096;
/// The UDP receive buffer asked for, in bytes: about 20,000 small packets, a burst of a
/// quarter of a second at the flood rate the robustness tests use. The kernel may give less
/// (Linux: `net.core.rmem_max`); status says what it gave.
const UDP_RECV_BUFFER: usize = 4 << 20;
/// While a batch of packets is handled, the clock is looked at every this many packets, so a
/// note that falls due is sent before the rest of the batch.
const CHECK_CLOCK_EVERY: usize = 16;

enum Event {
    Packet {
        peer: Peer,
        bytes: Vec<u8>,
        at: f64,
    },
    /// A TCP frame that could not be taken (too long, a bad escape).
    BadFrame {
        peer: Peer,
        why: String,
    },
    /// A connection wants a place: the engine answers on `answer` (Err: why it is refused).
    TcpOpen {
        id: u64,
        peer: SocketAddr,
        tx: SyncSender<Vec<u8>>,
        shared: Arc<ConnShared>,
        answer: SyncSender<Result<(), String>>,
    },
    TcpClosed {
        id: u64,
        peer: SocketAddr,
    },
    Bank(BankDone),
    /// A MIDI message from the MIDI input (`--midi-in`), and when it arrived.
    Midi {
        bytes: Vec<u8>,
        at: f64,
    },
    /// Stop: release the subscribers' notes, send what is owed, end the engine.
    Stop,
}

/// A running daemon.
pub struct Running {
    pub udp: SocketAddr,
    pub tcp: Option<SocketAddr>,
    pub frag_dir: PathBuf,
    pub roots: Vec<PathBuf>,
    /// The MIDI port (`--midi-port`), to release its notes before the process ends.
    pub midi: Option<MidiHandle>,
    /// The MIDI input port (`--midi-in`), open while the daemon runs.
    _midi_in: Option<midi::MidiIn>,
    engine: JoinHandle<()>,
    inbox: SyncSender<Event>,
}

impl Running {
    /// Wait for the engine (it runs until the process ends).
    pub fn wait(self) {
        let _ = self.engine.join();
    }

    /// Stop the engine (a signal): every note still sounding at the subscribers is released
    /// (a note-off) and what is owed goes out. True when it ended within `timeout`.
    pub fn stop(&self, timeout: Duration) -> bool {
        if self.inbox.try_send(Event::Stop).is_err() && !self.finished() {
            // A full inbox: wait for room, as long as allowed.
            let _ = self.inbox.send(Event::Stop);
        }
        let end = std::time::Instant::now() + timeout;
        while !self.finished() {
            if std::time::Instant::now() >= end {
                return false;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        true
    }

    /// Has the engine ended (it does only if it failed, or was stopped)?
    pub fn finished(&self) -> bool {
        self.engine.is_finished()
    }
}

fn canon(p: &Path, what: &str) -> Result<PathBuf, String> {
    std::fs::canonicalize(p).map_err(|e| format!("{what} {}: {e}", p.display()))
}

/// Open the sockets, the bank and the model, and start every thread.
pub fn start(config: Config) -> Result<Running, String> {
    config.check()?;
    // `train` fine-tunes the groove model in this process (bandmate-tune)
    bandmate_tune::install();
    let clock = Clock::new();
    // The MIDI port first: a port that cannot open stops the start before anything listens.
    let midi_sink = match &config.midi_port {
        Some(name) => Some(open_midi(name, clock)?),
        None => None,
    };
    let udp = UdpSocket::bind((config.bind, config.port))
        .map_err(|e| format!("cannot listen on UDP {}:{}: {e}", config.bind, config.port))?;
    let udp_addr = udp.local_addr().map_err(|e| e.to_string())?;
    let sock = socket2::SockRef::from(&udp);
    if let Err(e) = sock.set_recv_buffer_size(UDP_RECV_BUFFER) {
        eprintln!("bandmated: cannot size the UDP receive buffer: {e}");
    }
    let udp_buffer = sock.recv_buffer_size().unwrap_or(0);
    let tcp = match config.tcp_port {
        None => None,
        Some(p) => {
            // Port 0 for UDP means "any": TCP then takes any port too.
            let port = if config.port == 0 { 0 } else { p };
            Some(TcpListener::bind((config.bind, port)).map_err(|e| {
                format!(
                    "cannot listen on TCP {}:{port}: {e} (--tcp-port N for another port, --no-tcp for none)",
                    config.bind
                )
            })?)
        }
    };
    let tcp_addr = match &tcp {
        Some(l) => Some(l.local_addr().map_err(|e| e.to_string())?),
        None => None,
    };
    // The --path folders are checked before any folder is made: a refused start leaves
    // nothing behind.
    let paths = config
        .paths
        .iter()
        .map(|p| canon(p, "path"))
        .collect::<Result<Vec<_>, _>>()?;
    let bank = FileBank::open(&config.frag_dir, config.slots).map_err(|e| e.to_string())?;
    let frag_dir = bank.dir().to_path_buf();

    // Folders OSC paths may point into: the bank, the dataset, the models folder, and --path
    // ones.
    std::fs::create_dir_all(&config.dataset_dir)
        .map_err(|e| format!("{}: {e}", config.dataset_dir.display()))?;
    let dataset_dir = canon(&config.dataset_dir, "dataset")?;
    std::fs::create_dir_all(&config.library_dir)
        .map_err(|e| format!("{}: {e}", config.library_dir.display()))?;
    let library_dir = canon(&config.library_dir, "library")?;
    let mut roots = vec![frag_dir.clone(), dataset_dir.clone(), library_dir.clone()];
    let plugin_dir = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf));
    let mut model_dirs = default_model_dirs(plugin_dir.as_deref());
    if let ModelChoice::Dir(d) = &config.model {
        model_dirs.insert(0, d.clone());
    }
    for d in model_dirs {
        if let Some(parent) = std::fs::canonicalize(&d)
            .ok()
            .and_then(|d| d.parent().map(Path::to_path_buf))
        {
            if !roots.contains(&parent) {
                roots.push(parent);
            }
        }
    }
    for c in paths {
        if !roots.contains(&c) {
            roots.push(c);
        }
    }

    let counters = Arc::new(Counters::default());
    let settings = Settings {
        lookahead_ms: config.lookahead_ms,
        sample_rate: config.sample_rate,
        roots: roots.clone(),
        allow: config.allow.clone(),
        slots: bank.slots().to_vec(),
        frag_dir: frag_dir.clone(),
        scene_dir: config.scene_dir.clone(),
        dataset_dir: Some(dataset_dir),
        library_dir: Some(library_dir),
        cwd: std::env::current_dir().map_err(|e| e.to_string())?,
        subscribe: config.subscribe.clone(),
        lease_ms: config.lease_s * 1000.0,
        model: config.model.clone(),
        test_hooks: std::env::var_os("BANDMATE_TEST_HOOKS").is_some_and(|v| v == "1"),
    };
    let mut daemon = Daemon::new(settings, clock, counters.clone())?;
    let port = udp_addr.port();
    daemon.set_udp_probe(
        udp_buffer,
        Box::new(move || kernel_drops(port, udp_addr.is_ipv6())),
    );
    if let (Some(sink), Some(name)) = (midi_sink, &config.midi_port) {
        daemon = daemon.with_midi(sink, name, config.midi_channel)?;
        if config.midi_clock {
            daemon = daemon.with_midi_clock()?;
        }
    }
    #[cfg(feature = "link")]
    if config.link {
        daemon = daemon.with_link(config.link_quantum)?;
    }
    let midi = daemon.midi().map(|m| m.handle());

    let (tx, rx) = mpsc::sync_channel::<Event>(INBOX);
    let udp = Arc::new(udp);

    // The fragment writer.
    let (bank_tx, bank_rx) = mpsc::channel::<BankJob>();
    {
        let tx = tx.clone();
        spawn("bandmated-bank", move || bank_writer(bank, bank_rx, tx))?;
    }
    // UDP in.
    {
        let tx = tx.clone();
        let sock = udp.clone();
        let counters = counters.clone();
        spawn("bandmated-udp", move || {
            udp_reader(&sock, &tx, &counters, clock)
        })?;
    }
    // TCP in.
    if let Some(listener) = tcp {
        let tx = tx.clone();
        let counters = counters.clone();
        let allow = config.allow.clone();
        spawn("bandmated-tcp", move || {
            tcp_acceptor(listener, &tx, &counters, &allow, clock)
        })?;
    }
    let inbox = tx.clone();
    // MIDI in: each message to the engine with its arrival time (a full inbox drops it, as
    // it drops a packet).
    let midi_in = match &config.midi_in {
        Some(name) => {
            let tx = tx.clone();
            Some(midi::MidiIn::open(name, move |bytes| {
                let at = clock.now_ms();
                let _ = tx.try_send(Event::Midi {
                    bytes: bytes.to_vec(),
                    at,
                });
            })?)
        }
        None => None,
    };
    let tcp_idle_ms = config.tcp_idle_s * 1000.0;
    let engine = spawn("bandmated-engine", move || {
        engine(daemon, rx, &udp, bank_tx, clock, tcp_idle_ms)
    })?;
    Ok(Running {
        udp: udp_addr,
        tcp: tcp_addr,
        frag_dir,
        roots,
        midi,
        _midi_in: midi_in,
        engine,
        inbox,
    })
}

/// The sink for `--midi-port NAME`: the virtual ALSA port, or with `BANDMATE_TEST_HOOKS=1` and
/// `BANDMATE_TEST_MIDI_FILE=PATH` a file the tests read (see [`midi::FileSink`]).
fn open_midi(name: &str, clock: Clock) -> Result<Box<dyn MidiSink>, String> {
    let hooks = std::env::var_os("BANDMATE_TEST_HOOKS").is_some_and(|v| v == "1");
    match std::env::var_os("BANDMATE_TEST_MIDI_FILE") {
        Some(path) if hooks => Ok(Box::new(midi::FileSink::create(Path::new(&path), clock)?)),
        _ => midi::open_port(name),
    }
}

fn spawn(name: &str, f: impl FnOnce() + Send + 'static) -> Result<JoinHandle<()>, String> {
    std::thread::Builder::new()
        .name(name.into())
        .spawn(f)
        .map_err(|e| format!("cannot start thread {name}: {e}"))
}

/// What a TCP connection's threads and the engine share.
#[derive(Debug, Default)]
struct ConnShared {
    /// When its last packet arrived (ms on the clock, as f64 bits).
    heard: AtomicU64,
    /// When its writer finished (ms as f64 bits; 0: not yet).
    closing: AtomicU64,
}

impl ConnShared {
    fn new(now: f64) -> ConnShared {
        ConnShared {
            heard: AtomicU64::new(now.to_bits()),
            closing: AtomicU64::new(0),
        }
    }
    fn heard(&self) -> f64 {
        f64::from_bits(self.heard.load(Ordering::Relaxed))
    }
    fn closing(&self) -> Option<f64> {
        match self.closing.load(Ordering::Relaxed) {
            0 => None,
            b => Some(f64::from_bits(b)),
        }
    }
}

/// A TCP connection as the engine holds it: dropping it lets its writer finish and close.
struct Conn {
    tx: SyncSender<Vec<u8>>,
    peer: SocketAddr,
    shared: Arc<ConnShared>,
}

/// Tell a connection why it is closed, and close it (its queued replies go out first).
fn close_conn(conns: &mut HashMap<u64, Conn>, id: u64, why: &str) {
    if let Some(c) = conns.remove(&id) {
        let _ = c.tx.try_send(error_packet(why));
    }
}

fn error_packet(why: &str) -> Vec<u8> {
    codec::message(
        "/bandmate/error",
        vec![
            rosc::OscType::String(String::new()),
            rosc::OscType::String(why.to_string()),
        ],
    )
}

/// A place for a new connection: free, or made by closing the connection quiet the longest
/// (not a subscriber, quiet at least [`TCP_EVICT_QUIET_MS`]); else why there is none.
fn make_room(
    conns: &mut HashMap<u64, Conn>,
    daemon: &Daemon,
    now: f64,
    peer: SocketAddr,
) -> Result<(), String> {
    let host = crate::config::canonical(peer.ip());
    if !host.is_loopback()
        && conns
            .values()
            .filter(|c| crate::config::canonical(c.peer.ip()) == host)
            .count()
            >= MAX_TCP_PER_HOST
    {
        return Err(format!(
            "connection refused: {host} already has {MAX_TCP_PER_HOST} TCP connections (the most one host may hold)"
        ));
    }
    if conns.len() < MAX_TCP_CONNECTIONS {
        return Ok(());
    }
    let quietest = quiet(conns, daemon, now).max_by(|a, b| a.1.total_cmp(&b.1));
    match quietest {
        Some((id, quiet)) if quiet >= TCP_EVICT_QUIET_MS => {
            close_conn(
                conns,
                id,
                &format!(
                    "connection closed: all {MAX_TCP_CONNECTIONS} TCP places were taken and this one had been quiet the longest ({:.1} s); a newcomer has its place",
                    quiet / 1000.0
                ),
            );
            daemon.counters().tcp_evicted.fetch_add(1, Ordering::Relaxed);
            Ok(())
        }
        _ => Err(format!(
            "connection refused: all {MAX_TCP_CONNECTIONS} TCP places are taken by connections that spoke within the last {:.0} s or are subscribed; try again later, or use UDP",
            TCP_EVICT_QUIET_MS / 1000.0
        )),
    }
}

/// Each connection that is not subscribed, with how long it has said nothing (ms).
fn quiet<'a>(
    conns: &'a HashMap<u64, Conn>,
    daemon: &'a Daemon,
    now: f64,
) -> impl Iterator<Item = (u64, f64)> + 'a {
    conns
        .iter()
        .filter(|(id, c)| !daemon.is_subscriber(Target::Tcp(**id, c.peer)))
        .map(move |(id, c)| (*id, now - c.shared.heard()))
}

/// Close every connection that has said nothing for `idle_ms` and is not subscribed.
fn close_idle(conns: &mut HashMap<u64, Conn>, daemon: &Daemon, now: f64, idle_ms: f64) {
    if idle_ms <= 0.0 {
        return;
    }
    let idle: Vec<(u64, f64)> = quiet(conns, daemon, now)
        .filter(|&(_, quiet)| quiet >= idle_ms)
        .collect();
    for (id, quiet) in idle {
        close_conn(
            conns,
            id,
            &format!(
                "connection closed: idle for {:.1} s (the limit is {} s, --tcp-idle); a subscribed connection is kept open",
                quiet / 1000.0,
                idle_ms / 1000.0
            ),
        );
        daemon
            .counters()
            .tcp_timed_out
            .fetch_add(1, Ordering::Relaxed);
    }
}

fn engine(
    mut daemon: Daemon,
    rx: Receiver<Event>,
    udp: &UdpSocket,
    bank: Sender<BankJob>,
    clock: Clock,
    tcp_idle_ms: f64,
) {
    let mut conns: HashMap<u64, Conn> = HashMap::new();
    loop {
        let now = clock.now_ms();
        daemon.tick(now);
        close_idle(&mut conns, &daemon, now, tcp_idle_ms);
        flush(&mut daemon, udp, &mut conns, &bank);
        // With connections open and an idle limit, look at them at least 4 times a second.
        let longest = if conns.is_empty() || tcp_idle_ms <= 0.0 {
            500.0
        } else {
            250.0
        };
        let wait_ms = daemon
            .next_wake(now)
            .map_or(longest, |w| (w - clock.now_ms()).clamp(0.0, longest));
        let first = match rx.recv_timeout(Duration::from_secs_f64(wait_ms / 1000.0)) {
            Ok(ev) => ev,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        // Take a batch of what is waiting, then tick again; notes come first: the batch ends
        // as soon as one falls due (the rest waits in the inbox).
        let due = daemon.next_wake(clock.now_ms());
        let mut ev = Some(first);
        let mut n = 0;
        while let Some(e) = ev {
            match e {
                Event::Packet { peer, bytes, at } => daemon.handle_packet(at, peer, &bytes),
                Event::BadFrame { peer, why } => daemon.bad_frame(peer, &why),
                Event::TcpOpen {
                    id,
                    peer,
                    tx,
                    shared,
                    answer,
                } => {
                    let room = make_room(&mut conns, &daemon, clock.now_ms(), peer);
                    if room.is_ok() {
                        conns.insert(id, Conn { tx, peer, shared });
                    }
                    let _ = answer.try_send(room);
                }
                Event::TcpClosed { id, peer } => {
                    // What is owed to it goes out first; dropping its sender then lets the
                    // writer finish and close.
                    flush(&mut daemon, udp, &mut conns, &bank);
                    conns.remove(&id);
                    daemon.forget(Target::Tcp(id, peer));
                }
                Event::Bank(done) => daemon.bank_done(done),
                Event::Midi { bytes, at } => daemon.midi_in(at, &bytes),
                Event::Stop => {
                    daemon.release_notes(clock.now_ms());
                    flush(&mut daemon, udp, &mut conns, &bank);
                    return;
                }
            }
            n += 1;
            if n % 64 == 0 {
                flush(&mut daemon, udp, &mut conns, &bank);
            }
            if n % CHECK_CLOCK_EVERY == 0 && due.is_some_and(|d| clock.now_ms() >= d) {
                break;
            }
            ev = if n < 1024 { rx.try_recv().ok() } else { None };
        }
        flush(&mut daemon, udp, &mut conns, &bank);
    }
}

fn flush(
    daemon: &mut Daemon,
    udp: &UdpSocket,
    conns: &mut HashMap<u64, Conn>,
    bank: &Sender<BankJob>,
) {
    for line in daemon.take_log() {
        eprintln!("bandmated: {line}");
    }
    for job in daemon.take_jobs() {
        if let Err(e) = bank.send(job) {
            eprintln!("bandmated: the fragment writer has stopped ({e})");
        }
    }
    let counters = daemon.counters().clone();
    for Outgoing { to, bytes } in daemon.take_outgoing() {
        match to {
            Target::Udp(addr) => {
                if udp.send_to(&bytes, addr).is_err() {
                    counters.send_errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            Target::Tcp(id, _) => {
                if let Some(c) = conns.get(&id) {
                    match c.tx.try_send(bytes) {
                        Ok(()) => {}
                        Err(TrySendError::Full(_)) => {
                            counters.send_errors.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(TrySendError::Disconnected(_)) => {
                            conns.remove(&id);
                        }
                    }
                }
            }
        }
    }
}

fn udp_reader(sock: &UdpSocket, tx: &SyncSender<Event>, counters: &Counters, clock: Clock) {
    let mut buf = vec![0u8; 65_536];
    loop {
        match sock.recv_from(&mut buf) {
            Ok((n, from)) => {
                let ev = Event::Packet {
                    peer: Peer::Udp(from),
                    bytes: buf[..n].to_vec(),
                    at: clock.now_ms(),
                };
                match tx.try_send(ev) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => {
                        counters.dropped.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(TrySendError::Disconnected(_)) => return,
                }
            }
            // ICMP "port unreachable" from an earlier reply shows up here on some systems;
            // a short pause keeps a socket that keeps failing from spinning.
            Err(_) => std::thread::sleep(Duration::from_millis(1)),
        }
    }
}

fn tcp_acceptor(
    listener: TcpListener,
    tx: &SyncSender<Event>,
    counters: &Arc<Counters>,
    allow: &crate::config::AllowList,
    clock: Clock,
) {
    let mut next_id = 0u64;
    let refusing = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let Ok(peer) = stream.peer_addr() else {
            continue;
        };
        if !allow.permits(peer.ip()) {
            counters.denied.fetch_add(1, Ordering::Relaxed);
            let _ = stream.shutdown(Shutdown::Both);
            continue;
        }
        next_id += 1;
        let id = next_id;
        let _ = stream.set_nodelay(true);
        let shared = Arc::new(ConnShared::new(clock.now_ms()));
        let (out_tx, out_rx) = mpsc::sync_channel::<Vec<u8>>(TCP_OUTBOX);
        let (answer, verdict) = mpsc::sync_channel(1);
        if tx
            .send(Event::TcpOpen {
                id,
                peer,
                tx: out_tx,
                shared: shared.clone(),
                answer,
            })
            .is_err()
        {
            return;
        }
        let refused = match verdict.recv_timeout(Duration::from_secs(2)) {
            Ok(Ok(())) => None,
            Ok(Err(why)) => Some(why),
            Err(RecvTimeoutError::Timeout) => {
                // The engine may still give it a place: take it back.
                let _ = tx.send(Event::TcpClosed { id, peer });
                Some("connection refused: the daemon is too busy to take it; try again".into())
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if let Some(why) = refused {
            counters.tcp_refused.fetch_add(1, Ordering::Relaxed);
            // Told on a thread of its own, so that accepting goes on; a few at a time.
            if refusing.load(Ordering::Relaxed) < MAX_REFUSING {
                refusing.fetch_add(1, Ordering::Relaxed);
                let held = refusing.clone();
                let r = spawn("bandmated-tcp-refuse", move || {
                    refuse(stream, &why);
                    held.fetch_sub(1, Ordering::Relaxed);
                });
                if r.is_err() {
                    refusing.fetch_sub(1, Ordering::Relaxed);
                }
            } else {
                let _ = stream.shutdown(Shutdown::Both);
            }
            continue;
        }
        let Ok(write_half) = stream.try_clone() else {
            let _ = tx.send(Event::TcpClosed { id, peer });
            continue;
        };
        let framing = Arc::new(AtomicU8::new(0));
        {
            let framing = framing.clone();
            let shared = shared.clone();
            let _ = spawn("bandmated-tcp-out", move || {
                tcp_writer(write_half, &out_rx, &framing, &shared, clock)
            });
        }
        let tx = tx.clone();
        let _ = spawn("bandmated-tcp-in", move || {
            tcp_reader(stream, id, peer, &tx, &framing, &shared, clock);
        });
    }
}

/// Tell a connection that has no place why (as a SLIP frame: it has sent nothing that says
/// otherwise yet), and close it without a reset, which could lose that answer.
fn refuse(mut stream: TcpStream, why: &str) {
    let _ = stream.set_write_timeout(Some(Duration::from_millis(200)));
    let mut frame = Vec::new();
    slip::encode(&error_packet(why), &mut frame);
    let _ = stream.write_all(&frame);
    let _ = stream.shutdown(Shutdown::Write);
    // Read what it sent until it closes or a short while passes: closing with unread bytes
    // would send a reset, and the client could lose the answer.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let end = std::time::Instant::now() + Duration::from_millis(200);
    let mut buf = [0u8; 4096];
    while std::time::Instant::now() < end {
        match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) if timed_out(&e) => {}
            Err(_) => break,
        }
    }
}

fn timed_out(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    )
}

const FRAMING_SLIP: u8 = 1;
const FRAMING_LEN: u8 = 2;

fn tcp_reader(
    mut stream: TcpStream,
    id: u64,
    peer: SocketAddr,
    tx: &SyncSender<Event>,
    framing: &AtomicU8,
    shared: &ConnShared,
    clock: Clock,
) {
    let mut buf = vec![0u8; 16_384];
    let mut slip_dec = slip::Decoder::default();
    let mut len_dec = lenprefix::Decoder::default();
    let peer_id = Peer::Tcp(id, peer);
    let send = |r: Result<Vec<u8>, String>| {
        let at = clock.now_ms();
        shared.heard.store(at.to_bits(), Ordering::Relaxed);
        let ev = match r {
            Ok(bytes) => Event::Packet {
                peer: peer_id,
                bytes,
                at,
            },
            Err(why) => Event::BadFrame { peer: peer_id, why },
        };
        tx.send(ev).is_ok()
    };
    // A short read timeout, to notice when the writer has closed the connection.
    let _ = stream.set_read_timeout(Some(Duration::from_millis(250)));
    // Once the stream cannot be followed (or the engine is gone), what comes is read and
    // dropped until the connection closes.
    let mut done = false;
    let mut told = false;
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if timed_out(&e) => {
                if shared
                    .closing()
                    .is_some_and(|t| clock.now_ms() - t >= TCP_LINGER_MS)
                {
                    break;
                }
                continue;
            }
            Err(_) => break,
        };
        if done || shared.closing().is_some() {
            continue;
        }
        let data = &buf[..n];
        if framing.load(Ordering::Relaxed) == 0 {
            // SLIP frames start with END (or, single-ended, with the packet's '/' or '#');
            // a 32-bit size below 16 MiB starts with a zero byte.
            let f = if matches!(data[0], slip::END | b'/' | b'#') {
                FRAMING_SLIP
            } else {
                FRAMING_LEN
            };
            framing.store(f, Ordering::Relaxed);
        }
        let mut alive = true;
        if framing.load(Ordering::Relaxed) == FRAMING_SLIP {
            // A frame that cannot be taken still gets an error reply; one over the limit as
            // soon as it passes it. What follows is dropped until its END, where the stream
            // is followed again; a stream that never sends one (nor a packet) is closed when
            // `--tcp-idle` runs out.
            slip_dec.feed(data, |r| {
                if !alive {
                    return;
                }
                alive = send(r);
            });
        } else if let Err(why) = len_dec.feed(data, |p| {
            if alive {
                alive = send(Ok(p));
            }
        }) {
            let _ = send(Err(why));
            done = true;
        }
        if !alive {
            break;
        }
        if done && !told {
            // The engine sends what is owed (the error), then lets the writer close.
            told = tx.send(Event::TcpClosed { id, peer }).is_ok();
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
    if !told {
        let _ = tx.send(Event::TcpClosed { id, peer });
    }
}

fn tcp_writer(
    mut stream: TcpStream,
    rx: &Receiver<Vec<u8>>,
    framing: &AtomicU8,
    shared: &ConnShared,
    clock: Clock,
) {
    let _ = stream.set_write_timeout(Some(TCP_WRITE_TIMEOUT));
    let mut out = Vec::with_capacity(4096);
    while let Ok(p) = rx.recv() {
        out.clear();
        let frame = |p: &[u8], out: &mut Vec<u8>| {
            if framing.load(Ordering::Relaxed) == FRAMING_LEN {
                lenprefix::encode(p, out);
            } else {
                slip::encode(p, out);
            }
        };
        frame(&p, &mut out);
        // Batch whatever else is waiting into one write.
        while out.len() < 65_536 {
            match rx.try_recv() {
                Ok(p) => frame(&p, &mut out),
                Err(_) => break,
            }
        }
        if stream.write_all(&out).is_err() {
            break;
        }
    }
    // The end of the replies; the reader drops what still comes for a moment, then closes.
    let _ = stream.shutdown(Shutdown::Write);
    shared.closing.store(
        clock.now_ms().max(f64::MIN_POSITIVE).to_bits(),
        Ordering::Relaxed,
    );
}

fn bank_writer(mut bank: FileBank, rx: Receiver<BankJob>, tx: SyncSender<Event>) {
    for job in rx {
        let own = (job.factor - 1.0).abs() < 1e-9;
        let done = match bank.store_at(job.number, &job.audio, &job.label, job.factor) {
            Ok(slot) if own => BankDone::Written {
                slot,
                fragment: job.fragment,
                ask: job.ask,
            },
            Ok(slot) => BankDone::Stored { slot, ask: job.ask },
            Err(e) => BankDone::Failed {
                text: e.to_string(),
                ask: job.ask,
            },
        };
        if tx.send(Event::Bank(done)).is_err() {
            return;
        }
    }
}

/// Packets the kernel dropped for the UDP socket on `port` (its receive buffer was full), from
/// `/proc/net/udp` (or `udp6`): the last column of the socket's line. None where there is no
/// such file (not Linux).
fn kernel_drops(port: u16, v6: bool) -> Option<u64> {
    let file = if v6 {
        "/proc/net/udp6"
    } else {
        "/proc/net/udp"
    };
    let text = std::fs::read_to_string(file).ok()?;
    let tail = format!(":{port:04X}");
    let mut found = None;
    for line in text.lines().skip(1) {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.get(1).is_some_and(|local| local.ends_with(&tail)) {
            let drops: u64 = cols.last()?.parse().ok()?;
            found = Some(found.unwrap_or(0) + drops);
        }
    }
    found
}

/// The local address a `--bind` of `ip` should be reported with.
pub fn describe(ip: IpAddr) -> String {
    if ip.is_unspecified() {
        format!("{ip} (every interface)")
    } else {
        ip.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::Settings;

    fn conn(peer: &str, heard: f64) -> Conn {
        let (tx, _rx) = mpsc::sync_channel(1);
        Conn {
            tx,
            peer: peer.parse().unwrap(),
            shared: Arc::new(ConnShared::new(heard)),
        }
    }

    /// A trial found one host could hold all 64 places, talking once a second.
    #[test]
    fn one_host_on_the_network_holds_at_most_its_share_of_places() {
        let daemon = Daemon::new(
            Settings::in_process(Vec::new()),
            Clock::new(),
            Arc::new(Counters::default()),
        )
        .unwrap();
        let mut conns = HashMap::new();
        for id in 0..MAX_TCP_PER_HOST as u64 {
            conns.insert(id, conn(&format!("192.0.2.7:{}", 5000 + id), 0.0));
        }
        let why =
            make_room(&mut conns, &daemon, 0.0, "192.0.2.7:6000".parse().unwrap()).unwrap_err();
        assert!(why.contains("192.0.2.7"), "{why}");
        assert!(make_room(&mut conns, &daemon, 0.0, "192.0.2.8:6000".parse().unwrap()).is_ok());
        // this machine's own connections are limited only by the total
        for id in 100..100 + MAX_TCP_PER_HOST as u64 {
            conns.insert(id, conn(&format!("127.0.0.1:{}", 5000 + id), 0.0));
        }
        assert!(make_room(&mut conns, &daemon, 0.0, "127.0.0.1:7000".parse().unwrap()).is_ok());
    }
}
