//! The Link acceptance measurement, for as long as asked: two daemons in one Ableton Link
//! session (in one process, each with its own clock and Link peer, as `tests/link.rs` runs
//! them), both grooves playing; every few ms, how far apart their beats are (the short way
//! round the bar, in ms), and how far apart the two Link peers' session phases are. A tempo
//! change from A every minute (alternating 132 and 120 BPM) and how long B takes to hear it.
//!
//! cargo run -p bandmate-osc --features link --example link_phase -- 600 [EVERY]
//! (the figures in docs/benchmarks.md): EVERY seconds between tempo changes (default 60; 0 =
//! none: steady play for the whole run).

#[path = "../tests/link_pair/mod.rs"]
mod link_pair;

use std::time::{Duration, Instant};

use link_pair::{Pair, Worst};
use rosc::OscType;

/// After a tempo change, B makes up what it played ahead at the old tempo for this long.
const SETTLE: Duration = Duration::from_secs(4);

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .map_or(600.0, |a| a.parse().expect("seconds"));
    let mut p = Pair::new(4.0, Duration::from_secs(10));
    p.a.send("/bandmate/groove/play", vec![]);
    p.run(Duration::from_secs(4), |_| {});
    let start = Instant::now();
    let mut steady = Worst::default();
    let mut settling = Worst::default();
    let mut sessions = Worst::default();
    let mut reach_ms: Vec<f64> = Vec::new();
    // the last change: when, to what, heard by B yet
    let mut change: Option<(Instant, f64, bool)> = None;
    let every: f64 = std::env::args()
        .nth(2)
        .map_or(60.0, |a| a.parse().expect("seconds between tempo changes"));
    let mut next_change = if every > 0.0 { every } else { f64::INFINITY };
    let mut tempo = 120.0;
    while start.elapsed().as_secs_f64() < secs {
        p.run(Duration::from_millis(100), |p| {
            let gap = p.gap_now().expect("both grooves play");
            if change.is_some_and(|(t, _, _)| t.elapsed() < SETTLE) {
                settling.add(gap);
            } else {
                steady.add(gap);
            }
            sessions.add(p.link_gap_now());
            if let Some((t, bpm, heard)) = change.as_mut() {
                if !*heard && (p.b.link_tempo() - *bpm).abs() < 1e-3 {
                    *heard = true;
                    reach_ms.push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }
        });
        if start.elapsed().as_secs_f64() >= next_change {
            next_change += every;
            tempo = if tempo == 120.0 { 132.0 } else { 120.0 };
            p.a.send("/bandmate/groove/tempo", vec![OscType::Float(tempo as f32)]);
            change = Some((Instant::now(), tempo, false));
        }
    }
    println!(
        "link_phase: {:.0} s, {} samples: the grooves' beats apart at most {:.3} ms (mean {:.4} ms) outside the {} s after a tempo change; at most {:.3} ms within them ({} samples); the Link peers' session phases apart at most {:.3} ms",
        start.elapsed().as_secs_f64(),
        steady.n + settling.n,
        steady.max_abs,
        steady.mean_abs(),
        SETTLE.as_secs(),
        settling.max_abs,
        settling.n,
        sessions.max_abs
    );
    println!(
        "link_phase: {} tempo changes, heard by B's Link peer after {:?} ms",
        reach_ms.len(),
        reach_ms
            .iter()
            .map(|m| (m * 10.0).round() / 10.0)
            .collect::<Vec<_>>()
    );
}
