//! One answer per request, at the request's address (issue 18, item 14): work done on the
//! worker is answered when it is done (its result, or `/bandmate/error ADDRESS TEXT` with the
//! request's own address), not first as accepted and then as an error elsewhere; and a
//! request that leaves an argument out is answered with the value it set.

mod common;

use std::time::Duration;

use rosc::OscType;

use common::*;

/// Every reply for `window` after sending.
fn replies(
    c: &Client,
    addr: &str,
    args: Vec<OscType>,
    window: Duration,
) -> Vec<(String, Vec<OscType>)> {
    c.send(addr, args);
    c.collect(window)
}

#[test]
fn work_that_fails_on_the_worker_is_answered_once_at_its_own_address() {
    let d = Daemon::start(&["--rules"]);
    let c = Client::new(d.udp);
    // A folder the daemon may read, which holds no model.
    let not_a_model = d.dir.path().join("fragments");
    let got = replies(
        &c,
        "/bandmate/groove/load",
        vec![s(not_a_model.to_str().unwrap())],
        Duration::from_secs(3),
    );
    let answers: Vec<_> = got
        .iter()
        .filter(|(a, args)| {
            a == "/bandmate/groove/load"
                || (a == "/bandmate/error" || a.starts_with("/bandmate/groove/loaded"))
                    && !args.is_empty()
        })
        .collect();
    assert_eq!(answers.len(), 1, "one answer: {got:?}");
    assert_eq!(answers[0].0, "/bandmate/error", "{got:?}");
    assert_eq!(
        answers[0].1[0],
        s("/bandmate/groove/load"),
        "the error names the request's address: {got:?}"
    );
}

#[test]
fn a_kit_is_answered_once() {
    let d = Daemon::start(&["--rules"]);
    let c = Client::new(d.udp);
    let got = replies(
        &c,
        "/bandmate/groove/kit",
        vec![s("synth")],
        Duration::from_secs(3),
    );
    let kit: Vec<_> = got
        .iter()
        .filter(|(a, _)| a.starts_with("/bandmate/groove/kit"))
        .collect();
    assert_eq!(kit.len(), 1, "{got:?}");
    assert!(!got.iter().any(|(a, _)| a == "/bandmate/error"), "{got:?}");
}

#[test]
fn a_request_without_its_value_is_answered_with_the_value_it_set() {
    let d = Daemon::start(&["--rules"]);
    let c = Client::new(d.udp);
    c.ask(
        "/bandmate/groove/swing",
        vec![f(62.0)],
        "/bandmate/groove/swing",
    );
    // `swing` alone turns swing off: the answer says 50 (straight).
    let got = c.ask("/bandmate/groove/swing", vec![], "/bandmate/groove/swing");
    assert_eq!(got.last().unwrap().1, vec![f(50.0)], "{got:?}");
    // `hold` alone holds.
    let got = c.ask("/bandmate/looper/hold", vec![], "/bandmate/looper/hold");
    assert_eq!(got.last().unwrap().1, vec![i(1)], "{got:?}");
}

#[test]
fn a_control_without_its_value_is_answered_with_its_own_state_and_types() {
    let d = Daemon::start(&["--rules"]);
    let c = Client::new(d.udp);
    // accent_step 5 alone accents step 5: the answer names step 5, as ints
    let got = c.ask(
        "/bandmate/groove/accent_step",
        vec![i(5)],
        "/bandmate/groove/accent_step",
    );
    assert_eq!(got.last().unwrap().1, vec![i(5), i(1)], "{got:?}");
    let got = c.ask(
        "/bandmate/groove/accent_step",
        vec![i(7), i(1)],
        "/bandmate/groove/accent_step",
    );
    assert_eq!(got.last().unwrap().1, vec![i(7), i(1)], "{got:?}");
}

/// Issue 18, item 14: `/bandmate/status` lacked the swing amount (and a controller resyncing
/// from it had no accents, mutes or loop toggles): it now sends every control's state on the
/// control's own address, as a new subscriber gets it.
#[test]
fn the_status_sends_every_controls_state_the_swing_amount_too() {
    let d = Daemon::start(&["--rules"]);
    let c = Client::new(d.udp);
    c.ask(
        "/bandmate/groove/swing",
        vec![f(58.0)],
        "/bandmate/groove/swing",
    );
    c.ask(
        "/bandmate/groove/mute",
        vec![s("crash"), i(1)],
        "/bandmate/groove/mute",
    );
    c.send("/bandmate/status", vec![]);
    let got = c
        .until(Duration::from_secs(5), |a, args| {
            a == "/bandmate/status" && args.first() == Some(&s("done"))
        })
        .expect("a status");
    let has = |a: &str, v: &[rosc::OscType]| got.iter().any(|(x, args)| x == a && args == v);
    assert!(has("/bandmate/groove/swing", &[f(58.0)]), "{got:?}");
    assert!(has("/bandmate/pad/mute/crash", &[i(1)]), "{got:?}");
    assert!(has("/bandmate/pad/accent/1", &[i(0)]), "{got:?}");
    assert!(has("/bandmate/frag/loop/1", &[i(0)]), "{got:?}");
    assert!(has("/bandmate/groove/tempo", &[f(120.0)]), "{got:?}");
}

/// An unknown address too long to echo whole is still answered (a performer check: 40,000
/// characters got no answer, the error quoting it twice did not fit a UDP datagram).
#[test]
fn a_very_long_unknown_address_is_answered() {
    let d = Daemon::start(&["--rules"]);
    let c = Client::new(d.udp);
    let long = format!("/bandmate/groove/{}", "a".repeat(40_000));
    let got = replies(&c, &long, vec![], Duration::from_secs(2));
    let error = got
        .iter()
        .find(|(a, _)| a == "/bandmate/error")
        .unwrap_or_else(|| panic!("no answer: {} replies", got.len()));
    let text = match &error.1[1] {
        OscType::String(t) => t.clone(),
        other => panic!("{other:?}"),
    };
    assert!(
        text.contains("unknown address '/bandmate/groove/aaaa"),
        "{text:.200}"
    );
    assert!(text.len() < 8_000, "{} bytes", text.len());
}
