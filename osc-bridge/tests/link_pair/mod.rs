//! Two daemons in one Ableton Link session, in one process, run in real time as the engine
//! thread runs them: what `tests/link.rs` checks for seconds and `examples/link_phase.rs`
//! measures for minutes. Each daemon has its own clock and its own Link peer (they find each
//! other over the loopback / local network, as two programs would).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bandmate_osc::codec::{self, Clock};
use bandmate_osc::daemon::{Counters, Settings};
use bandmate_osc::{Daemon, Peer};
use rosc::OscType;

/// One daemon with Link.
pub struct Node {
    pub d: Daemon,
    pub clock: Clock,
}

impl Node {
    pub fn new(quantum: f64) -> Node {
        let clock = Clock::new();
        let d = Daemon::new(
            Settings::in_process(Vec::new()),
            clock,
            Arc::new(Counters::default()),
        )
        .unwrap()
        .with_link(quantum)
        .unwrap();
        Node { d, clock }
    }

    pub fn send(&mut self, addr: &str, args: Vec<OscType>) -> Vec<(String, Vec<OscType>)> {
        let now = self.clock.now_ms();
        let from = Peer::Udp("127.0.0.1:7".parse().unwrap());
        self.d.handle_packet(now, from, &codec::message(addr, args));
        self.d
            .take_outgoing()
            .iter()
            .filter_map(|o| codec::decode(&o.bytes).ok())
            .flatten()
            .map(|m| (m.addr, m.args))
            .collect()
    }

    pub fn tick(&mut self) {
        let now = self.clock.now_ms();
        self.d.tick(now);
        self.d.take_outgoing();
    }

    /// The groove's playhead at instant `t`: (steps since it started, ms per step), while it
    /// plays.
    pub fn groove_at(&self, t: Instant) -> Option<(f64, f64)> {
        let g = self.d.object("groove").unwrap();
        g.beat_clock(self.clock.ms_at(t))
    }

    pub fn peers(&self) -> u64 {
        self.d.link().unwrap().peers()
    }

    /// The session's tempo as this peer last saw it.
    pub fn link_tempo(&self) -> f64 {
        self.d.link().unwrap().tempo()
    }

    /// The session's phase (beats in the bar) at instant `t`, as this peer last saw it.
    pub fn link_phase(&self, t: Instant) -> f64 {
        self.d
            .link()
            .unwrap()
            .phase(&self.clock, self.clock.ms_at(t))
    }
}

/// Two nodes.
pub struct Pair {
    pub a: Node,
    pub b: Node,
    pub quantum: f64,
}

/// How far apart two playheads are in the bar, in ms (the short way round; `quantum` beats a
/// bar): what a listener hears between the two grooves' beats.
pub fn phase_gap_ms(a: (f64, f64), b: (f64, f64), quantum: f64) -> f64 {
    let bar = quantum * bandmate_core::pattern::STEPS_PER_BEAT as f64;
    let mut d = (a.0 - b.0).rem_euclid(bar);
    if d > bar / 2.0 {
        d -= bar;
    }
    d * (a.1 + b.1) / 2.0
}

impl Pair {
    /// Two daemons with Link that have found each other (within `timeout`).
    pub fn new(quantum: f64, timeout: Duration) -> Pair {
        let mut p = Pair {
            a: Node::new(quantum),
            b: Node::new(quantum),
            quantum,
        };
        let end = Instant::now() + timeout;
        while p.a.peers() == 0 || p.b.peers() == 0 {
            assert!(
                Instant::now() < end,
                "the two Link peers did not find each other within {timeout:?}"
            );
            p.run(Duration::from_millis(50), |_| {});
        }
        p
    }

    /// Run both in real time for `d`, ticking each when it asks (at least every 5 ms); `each`
    /// is called after every round of ticks.
    pub fn run(&mut self, d: Duration, mut each: impl FnMut(&mut Pair)) {
        let end = Instant::now() + d;
        while Instant::now() < end {
            self.a.tick();
            self.b.tick();
            each(self);
            let wake = |n: &Node| {
                let now = n.clock.now_ms();
                n.d.next_wake(now)
                    .map_or(5.0, |w| (w - n.clock.now_ms()).clamp(0.0, 5.0))
            };
            let wait = wake(&self.a).min(wake(&self.b));
            std::thread::sleep(Duration::from_secs_f64(wait / 1000.0));
        }
    }

    /// The gap between the two grooves' beats now (ms), while both play.
    pub fn gap_now(&self) -> Option<f64> {
        let t = Instant::now();
        Some(phase_gap_ms(
            self.a.groove_at(t)?,
            self.b.groove_at(t)?,
            self.quantum,
        ))
    }

    /// The gap between the two Link peers' session phases now (ms at the session's tempo).
    pub fn link_gap_now(&self) -> f64 {
        let t = Instant::now();
        let (pa, pb) = (self.a.link_phase(t), self.b.link_phase(t));
        let mut d = (pa - pb).rem_euclid(self.quantum);
        if d > self.quantum / 2.0 {
            d -= self.quantum;
        }
        d * 60_000.0 / self.a.link_tempo()
    }
}

/// Largest absolute value, and the count, of a series.
#[derive(Debug, Default, Clone, Copy)]
pub struct Worst {
    pub max_abs: f64,
    pub n: usize,
    pub sum_abs: f64,
}

impl Worst {
    pub fn add(&mut self, x: f64) {
        self.max_abs = self.max_abs.max(x.abs());
        self.sum_abs += x.abs();
        self.n += 1;
    }
    pub fn mean_abs(&self) -> f64 {
        self.sum_abs / self.n.max(1) as f64
    }
}
