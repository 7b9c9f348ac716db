//! One entry point over the packet decoder and the dispatcher, for the fuzz target
//! (`fuzz/fuzz_targets/dispatch.rs`) and the seeded random-input test in the normal suite.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::codec::{self, Clock};
use crate::daemon::{Counters, Daemon, Peer, Settings};

/// A daemon with the rule-based drum machine, one subscriber, no sockets and no disk: render
/// and import jobs are dropped, paths over OSC are all refused.
pub struct Harness {
    daemon: Daemon,
    t: f64,
    from: Peer,
}

impl Harness {
    pub fn new() -> Harness {
        let sub: SocketAddr = "127.0.0.1:9".parse().expect("an address");
        let settings = Settings::in_process(vec![sub]);
        let daemon = Daemon::new(settings, Clock::new(), Arc::new(Counters::default()))
            .expect("the rule-based daemon starts");
        Harness {
            daemon,
            t: 0.0,
            from: Peer::Udp("127.0.0.1:7".parse().expect("an address")),
        }
    }

    /// One packet in, a little time passes, everything out is checked to be well-formed OSC.
    /// Panics (what a fuzzer looks for) only on a bug.
    pub fn dispatch(&mut self, bytes: &[u8]) {
        self.t += 7.0;
        self.daemon
            .handle_packet_unguarded(self.t, self.from, bytes);
        self.daemon.tick(self.t);
        for o in self.daemon.take_outgoing() {
            if let Err(e) = codec::decode(&o.bytes) {
                panic!("the daemon sent a malformed packet ({e}): {:?}", o.bytes);
            }
        }
        self.daemon.take_jobs();
        self.daemon.take_log();
    }

    pub fn daemon(&mut self) -> &mut Daemon {
        &mut self.daemon
    }
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

/// Run one fuzz input on a fresh harness: a sequence of packets, each preceded by its length
/// as 2 big-endian bytes (the last one may run to the end), so that the fuzzer can build
/// conversations (subscribe and the objects' messages) as well as single broken packets.
pub fn dispatch(data: &[u8]) {
    let mut h = Harness::new();
    let mut rest = data;
    while rest.len() >= 2 {
        let n = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let end = (2 + n).min(rest.len());
        h.dispatch(&rest[2..end]);
        rest = &rest[end..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{address, to_osc, AddressSpace};
    use bandmate_core::objects::atoms;

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// Every documented example as a packet: the seeds the random inputs grow from.
    fn examples() -> Vec<Vec<u8>> {
        AddressSpace::standard()
            .decls()
            .into_iter()
            .flat_map(|o| {
                o.messages.iter().map(move |m| {
                    codec::message(
                        &address(o, m.name),
                        atoms(m.example).iter().map(to_osc).collect(),
                    )
                })
            })
            .collect()
    }

    #[test]
    fn seeded_random_inputs_never_panic_and_every_reply_is_well_formed() {
        let mut rng = Rng(0x00ba_d5ee_d50f_f00d);
        let seeds = examples();
        let mut h = Harness::new();
        // one long conversation: examples, random bytes, mutated and spliced examples
        for k in 0..4000 {
            let p: Vec<u8> = match k % 4 {
                0 => seeds[rng.below(seeds.len())].clone(),
                1 => (0..rng.below(96)).map(|_| rng.next() as u8).collect(),
                2 => {
                    let mut p = seeds[rng.below(seeds.len())].clone();
                    for _ in 0..1 + rng.below(4) {
                        let i = rng.below(p.len());
                        p[i] = rng.next() as u8;
                    }
                    p
                }
                _ => {
                    let a = &seeds[rng.below(seeds.len())];
                    let b = &seeds[rng.below(seeds.len())];
                    let (x, y) = (rng.below(a.len()), rng.below(b.len()));
                    [&a[..x], &b[y..]].concat()
                }
            };
            h.dispatch(&p);
        }
        // and fresh harnesses on multi-packet inputs, as the fuzz target runs them
        for _ in 0..200 {
            let mut data = Vec::new();
            for _ in 0..1 + rng.below(4) {
                let p = &seeds[rng.below(seeds.len())];
                data.extend_from_slice(&(p.len() as u16).to_be_bytes());
                data.extend_from_slice(p);
            }
            let i = rng.below(data.len());
            data[i] ^= rng.next() as u8;
            dispatch(&data);
        }
        let c = h.daemon().counters().all();
        assert!(c.iter().any(|&(k, n)| k == "malformed" && n > 500), "{c:?}");
        assert!(c.iter().any(|&(k, n)| k == "panics" && n == 0), "{c:?}");
    }
}
