//! Who the daemon sends to (issue 18, item 12): subscribers expire unless renewed, an address
//! on the network is sent nothing but a small token until it shows it receives (so a forged
//! source address cannot turn the daemon into an amplifier), and a request from an address
//! that has not shown it is answered with no more than a small multiple of its own size.
//!
//! These run the daemon's logic in process (the sockets add nothing to it), with addresses of
//! the documentation network 192.0.2.0/24 standing for a tablet and a stranger.

use std::net::SocketAddr;
use std::sync::Arc;

use bandmate_osc::codec::{self, Clock};
use bandmate_osc::daemon::{Counters, Outgoing, Settings};
use bandmate_osc::{Daemon, Peer};
use rosc::{OscPacket, OscType};

fn daemon(lease_ms: f64, subscribe: Vec<SocketAddr>) -> Daemon {
    let settings = Settings {
        lease_ms,
        ..Settings::in_process(subscribe)
    };
    Daemon::new(settings, Clock::new(), Arc::new(Counters::default())).unwrap()
}

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// One message sent: where, its address, its arguments, and the size of the packet it went in.
type Sent = (SocketAddr, String, Vec<OscType>, usize);

/// One packet sent: where, its size, and its messages.
type Packet = (SocketAddr, usize, Vec<(String, Vec<OscType>)>);

/// Everything sent since last asked, packet by packet.
fn packets(d: &mut Daemon) -> Vec<Packet> {
    d.take_outgoing()
        .into_iter()
        .map(|Outgoing { to, bytes }| {
            let a = to.addr();
            let mut msgs = Vec::new();
            flatten(rosc::decoder::decode_udp(&bytes).unwrap().1, &mut msgs);
            (a, bytes.len(), msgs)
        })
        .collect()
}

fn sent(d: &mut Daemon) -> Vec<Sent> {
    packets(d)
        .into_iter()
        .flat_map(|(a, n, msgs)| msgs.into_iter().map(move |(m, args)| (a, m, args, n)))
        .collect()
}

fn flatten(p: OscPacket, out: &mut Vec<(String, Vec<OscType>)>) {
    match p {
        OscPacket::Message(m) => out.push((m.addr, m.args)),
        OscPacket::Bundle(b) => b.content.into_iter().for_each(|c| flatten(c, out)),
    }
}

fn send(d: &mut Daemon, now: f64, from: &str, address: &str, args: Vec<OscType>) -> usize {
    let bytes = codec::message(address, args);
    d.handle_packet(now, Peer::Udp(addr(from)), &bytes);
    bytes.len()
}

/// Bytes sent to `to` since last asked.
fn bytes_to(d: &mut Daemon, to: &str) -> usize {
    packets(d)
        .iter()
        .filter(|(a, _, _)| *a == addr(to))
        .map(|(_, n, _)| n)
        .sum()
}

fn swing(d: &mut Daemon, now: f64) {
    send(
        d,
        now,
        "127.0.0.1:7000",
        "/bandmate/groove/swing",
        vec![OscType::Float(58.0)],
    );
}

fn hears(v: &[Sent], to: &str) -> bool {
    v.iter()
        .any(|(a, m, _, _)| *a == addr(to) && m == "/bandmate/groove/swing")
}

#[test]
fn a_status_request_from_an_unproven_address_is_not_amplified() {
    let mut d = daemon(300_000.0, vec![]);
    let stranger = "192.0.2.7:5000";
    let asked = send(&mut d, 0.0, stranger, "/bandmate/status", vec![]);
    let back = bytes_to(&mut d, stranger);
    assert!(
        back <= 6 * asked,
        "{back} bytes answered a request of {asked} bytes"
    );
    send(&mut d, 0.0, stranger, "/bandmate/status", vec![]);
    let v = sent(&mut d);
    let why = v
        .iter()
        .find(|(a, m, _, _)| *a == addr(stranger) && m == "/bandmate/error")
        .map(|(_, _, args, _)| format!("{args:?}"))
        .expect("the stranger is told why the reply is short");
    assert!(why.contains("TCP") && why.contains("confirm"), "{why}");

    // From this machine (a source address no one outside can forge) the whole status comes.
    let local = "127.0.0.1:5000";
    let asked = send(&mut d, 0.0, local, "/bandmate/status", vec![]);
    let back = bytes_to(&mut d, local);
    assert!(back > 50 * asked, "{back} bytes");
}

#[test]
fn a_network_address_gets_only_a_token_until_it_confirms() {
    let mut d = daemon(300_000.0, vec![]);
    let victim = "192.0.2.99:9000";
    // A stranger subscribes someone else (or forges the victim's own address: the same).
    let asked = send(
        &mut d,
        0.0,
        "192.0.2.7:5000",
        "/bandmate/subscribe",
        vec![OscType::Int(9000), OscType::String("192.0.2.99".into())],
    );
    let v = sent(&mut d);
    let to_victim: Vec<_> = v.iter().filter(|x| x.0 == addr(victim)).collect();
    assert_eq!(to_victim.len(), 1, "{to_victim:?}");
    assert_eq!(to_victim[0].1, "/bandmate/confirm");
    assert!(to_victim[0].3 <= 2 * asked);
    let token = match to_victim[0].2[..] {
        [OscType::Int(t)] => t,
        ref other => panic!("{other:?}"),
    };
    // Until it confirms, it is not sent what happens.
    swing(&mut d, 10.0);
    assert!(!hears(&sent(&mut d), victim));
    // A wrong token, or the right one from another host, does nothing but an error.
    send(
        &mut d,
        20.0,
        "192.0.2.99:9000",
        "/bandmate/confirm",
        vec![OscType::Int(token.wrapping_add(1))],
    );
    send(
        &mut d,
        20.0,
        "192.0.2.7:5000",
        "/bandmate/confirm",
        vec![OscType::Int(token)],
    );
    let v = sent(&mut d);
    assert!(v.iter().filter(|x| x.1 == "/bandmate/error").count() >= 2);
    swing(&mut d, 30.0);
    assert!(!hears(&sent(&mut d), victim));
    // The real host answers the token (from any port of its own): now it hears everything.
    send(
        &mut d,
        40.0,
        "192.0.2.99:53000",
        "/bandmate/confirm",
        vec![OscType::Int(token)],
    );
    let v = sent(&mut d);
    assert!(
        v.iter()
            .any(|(a, m, _, _)| *a == addr(victim) && m == "/bandmate/subscribe"),
        "{v:?}"
    );
    swing(&mut d, 50.0);
    assert!(hears(&sent(&mut d), victim));
}

#[test]
fn subscribers_expire_unless_they_renew_and_command_line_ones_never() {
    let kept = addr("127.0.0.1:9100");
    let mut d = daemon(2_000.0, vec![kept]);
    let sub = "127.0.0.1:9000";
    send(
        &mut d,
        0.0,
        "127.0.0.1:7000",
        "/bandmate/subscribe",
        vec![OscType::Int(9000)],
    );
    sent(&mut d);
    d.tick(1_500.0);
    send(
        &mut d,
        1_500.0,
        "127.0.0.1:7000",
        "/bandmate/subscribe",
        vec![OscType::Int(9000)],
    );
    let renewal = sent(&mut d);
    // A renewal is answered, without the whole state again.
    assert!(renewal
        .iter()
        .any(|(a, m, _, _)| *a == addr(sub) && m == "/bandmate/subscribe"));
    assert!(!renewal
        .iter()
        .any(|(a, m, _, _)| *a == addr(sub) && m.starts_with("/bandmate/display/slot")));
    d.tick(3_000.0);
    swing(&mut d, 3_000.0);
    assert!(
        hears(&sent(&mut d), sub),
        "renewed at 1.5 s: still there at 3 s"
    );
    d.tick(3_600.0);
    let v = sent(&mut d);
    assert!(
        v.iter()
            .any(|(a, m, _, _)| *a == addr(sub) && m == "/bandmate/unsubscribe"),
        "an expired subscriber is told: {v:?}"
    );
    swing(&mut d, 3_700.0);
    let v = sent(&mut d);
    assert!(!hears(&v, sub), "expired 2 s after its last renewal");
    assert!(
        hears(&v, "127.0.0.1:9100"),
        "--subscribe ones do not expire"
    );
}

/// A trial found these (each failed before its fix): a stranger on the network could
/// subscribe a port of the daemon's own machine without confirming (a forged source then aims
/// the notes at any local service), unsubscribe anyone, and bounce an `unsubscribe` notice to
/// any address; and every request of a stranger was answered to every subscriber.
#[test]
fn a_stranger_can_neither_aim_the_daemon_at_this_machine_nor_unsubscribe_others() {
    let mut d = daemon(300_000.0, vec![]);
    let stranger = "192.0.2.7:5000";
    send(
        &mut d,
        0.0,
        stranger,
        "/bandmate/subscribe",
        vec![OscType::Int(9700), OscType::String("localhost".into())],
    );
    let v = sent(&mut d);
    let to_local: Vec<_> = v.iter().filter(|x| x.0 == addr("127.0.0.1:9700")).collect();
    assert!(
        to_local.iter().all(|x| x.1 == "/bandmate/confirm"),
        "only a token: {to_local:?}"
    );
    swing(&mut d, 10.0);
    assert!(!hears(&sent(&mut d), "127.0.0.1:9700"));

    // A local subscriber; the stranger cannot unsubscribe it, nor bounce a notice.
    send(
        &mut d,
        20.0,
        "127.0.0.1:7000",
        "/bandmate/subscribe",
        vec![OscType::Int(9000)],
    );
    sent(&mut d);
    send(
        &mut d,
        30.0,
        stranger,
        "/bandmate/unsubscribe",
        vec![OscType::Int(9000), OscType::String("127.0.0.1".into())],
    );
    send(
        &mut d,
        30.0,
        stranger,
        "/bandmate/unsubscribe",
        vec![OscType::Int(9551), OscType::String("192.0.2.99".into())],
    );
    let v = sent(&mut d);
    assert!(
        !v.iter().any(|x| x.0 == addr("192.0.2.99:9551")),
        "no bounce to a third party: {v:?}"
    );
    swing(&mut d, 40.0);
    assert!(hears(&sent(&mut d), "127.0.0.1:9000"), "still subscribed");

    // A stranger's requests are answered to it alone, not to every subscriber.
    send(&mut d, 50.0, stranger, "/bandmate/version", vec![]);
    let v = sent(&mut d);
    assert!(
        !v.iter()
            .any(|x| x.0 == addr("127.0.0.1:9000") && x.1 == "/bandmate/version"),
        "{v:?}"
    );
}

/// Subscribing is answered to the asker and the subscriber only: another tablet on the same
/// port (whose script renews on seeing its own answer) must not take it for its own.
#[test]
fn a_subscription_is_answered_to_the_asker_and_the_subscriber_only() {
    let mut d = daemon(300_000.0, vec![]);
    send(
        &mut d,
        0.0,
        "127.0.0.1:7000",
        "/bandmate/subscribe",
        vec![OscType::Int(9000)],
    );
    sent(&mut d);
    send(
        &mut d,
        10.0,
        "127.0.0.1:7001",
        "/bandmate/subscribe",
        vec![OscType::Int(9001)],
    );
    let v = sent(&mut d);
    assert!(
        !v.iter()
            .any(|x| x.0 == addr("127.0.0.1:9000") && x.1 == "/bandmate/subscribe"),
        "{v:?}"
    );
    // and the new subscriber's whole state goes to it, not again to everyone
    assert!(
        !v.iter()
            .any(|x| x.0 == addr("127.0.0.1:9000") && x.1.starts_with("/bandmate/display/")),
        "{v:?}"
    );
    assert!(v
        .iter()
        .any(|x| x.0 == addr("127.0.0.1:9001") && x.1.starts_with("/bandmate/display/")));
}
