//! An object defined only for the tests (`tests/objects/metronome.rs`, through the public
//! contract) is served by the daemon with no other code: its addresses, its attribute echoed,
//! its notes as time-tagged bundles on its own address, its info lines, its label, its pad-less
//! address space and its refusals, all from its declaration.

#[path = "../../tests/objects/metronome.rs"]
mod metronome;

use std::sync::Arc;

use bandmate_osc::codec::{self, Clock};
use bandmate_osc::daemon::{Counters, Outgoing, Settings};
use bandmate_osc::protocol::AddressSpace;
use bandmate_osc::{Daemon, Peer};
use rosc::{OscPacket, OscType};

#[test]
fn an_object_defined_in_a_test_is_served_by_the_daemon() {
    let space: &'static AddressSpace = Box::leak(Box::new(AddressSpace::new(&[&metronome::ENTRY])));
    let addresses = space.addresses();
    for m in ["tempo", "start", "halt", "count"] {
        assert!(
            addresses.contains(&format!("/bandmate/metronome/{m}")),
            "{addresses:?}"
        );
    }
    let subscriber = "127.0.0.1:9".parse().unwrap();
    let settings = Settings::in_process(vec![subscriber]);
    let clock = Clock::new();
    let mut d = Daemon::serving(space, settings, clock, Arc::new(Counters::default())).unwrap();
    let from = Peer::Udp("127.0.0.1:7".parse().unwrap());
    // (time tag in ms, address, arguments) of everything sent
    let mut sent: Vec<(Option<f64>, String, Vec<OscType>)> = Vec::new();
    let mut collect = |d: &mut Daemon| {
        for Outgoing { bytes, .. } in d.take_outgoing() {
            match rosc::decoder::decode_udp(&bytes).unwrap().1 {
                OscPacket::Message(m) => sent.push((None, m.addr, m.args)),
                OscPacket::Bundle(b) => {
                    let at = clock.ms_of(b.timetag);
                    for p in b.content {
                        if let OscPacket::Message(m) = p {
                            sent.push((Some(at), m.addr, m.args));
                        }
                    }
                }
            }
        }
    };
    let send = |d: &mut Daemon, now: f64, addr: &str, args: Vec<OscType>| {
        d.handle_packet(now, from, &codec::message(addr, args));
    };
    send(
        &mut d,
        0.0,
        "/bandmate/metronome/tempo",
        vec![OscType::Float(120.0)],
    );
    send(&mut d, 0.0, "/bandmate/metronome/start", vec![]);
    let mut now = 0.0;
    while now < 1200.0 {
        d.tick(now);
        now += 10.0;
    }
    send(&mut d, now, "/bandmate/metronome/halt", vec![]);
    send(&mut d, now, "/bandmate/metronome/count", vec![]);
    send(
        &mut d,
        now,
        "/bandmate/metronome/tempo",
        vec![OscType::String("fast".into())],
    );
    send(&mut d, now, "/bandmate/metronome/wobble", vec![]);
    send(&mut d, now, "/bandmate/status", vec![]);
    collect(&mut d);
    // the status report sends every attribute's value on its own address, before 'done'
    let tempo = sent
        .iter()
        .rposition(|(_, a, _)| a == "/bandmate/metronome/tempo")
        .unwrap();
    let done = sent
        .iter()
        .rposition(|(_, a, args)| {
            a == "/bandmate/status" && args == &vec![OscType::String("done".into())]
        })
        .unwrap();
    assert!(tempo < done);
    assert_eq!(sent[tempo].2, vec![OscType::Float(120.0)]);

    // the attribute echoed as taken
    assert!(sent.iter().any(
        |(_, a, args)| a == "/bandmate/metronome/tempo" && args == &vec![OscType::Float(120.0)]
    ));
    // clicks on the beat, 50 ms ahead of the start (the lookahead), at their exact times
    let clicks: Vec<f64> = sent
        .iter()
        .filter(|(_, a, args)| a == "/bandmate/metronome/note" && args[1] == OscType::Int(100))
        .map(|(at, _, args)| {
            assert_eq!(args[0], OscType::Int(i32::from(metronome::CLICK)));
            assert_eq!(args.len(), 2, "no channel of its own: {args:?}");
            at.expect("time-tagged")
        })
        .collect();
    assert!(clicks.len() >= 3, "{sent:?}");
    for (k, t) in clicks.iter().enumerate() {
        assert!((t - (50.0 + 500.0 * k as f64)).abs() < 1e-6, "{clicks:?}");
    }
    let n = clicks.len() as f32;
    assert!(sent
        .iter()
        .any(|(_, a, args)| a == "/bandmate/metronome/beats" && args == &vec![OscType::Float(n)]));
    // its label
    assert!(sent
        .iter()
        .any(|(_, a, args)| a == "/bandmate/display/metronome"
            && args == &vec![OscType::String(format!("{n} beats"))]));
    // refusals name the message
    let errors: Vec<String> = sent
        .iter()
        .filter(|(_, a, _)| a == "/bandmate/error")
        .map(|(_, _, args)| format!("{args:?}"))
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("tempo: bpm must be a number")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("unknown address '/bandmate/metronome/wobble'")),
        "{errors:?}"
    );
}
