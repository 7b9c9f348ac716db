//! Preparing fragments (`bandmate_core::audio`) on synthetic material with known content: click
//! tracks and drum loops rendered with the synthesized kit at known tempos, with inserted
//! silences and tempo drift, mono and stereo, 44.1 and 48 kHz.

use bandmate_core::audio::{
    estimate_tempo, find_silences, loudness_lufs, normalize, prepare, quantize, resample, stretch,
    trim, warp, Prepare, QuantizeMode, QuantizeOptions, SilenceKind, TempoOptions, TrimOptions,
    MAX_PREPARE_SECONDS, MIN_CONFIDENCE,
};
use bandmate_core::render::{render, Kit, Tail};
use bandmate_core::wav::Audio;
use bandmate_core::{Hit, Pattern, Voice};
use common::synth::{click_onsets, click_track, drifting_beats, grid_errors, max, steady};
use std::f64::consts::TAU;

mod common;

// ---------------------------------------------------------------------------------------------
// Material

/// A 1-bar rock beat: kick on 1 and 3 (and the "and" of 3), snare on 2 and 4, closed hat on
/// every 8th.
fn rock_bar() -> Pattern {
    let mut p = Pattern::new(16).unwrap();
    let hit = |v| Some(Hit::on_grid(v).unwrap());
    for s in [0, 8, 10] {
        p.set(s, Voice::Kick, hit(1.0)).unwrap();
    }
    for s in [4, 12] {
        p.set(s, Voice::Snare, hit(0.9)).unwrap();
    }
    for s in (0..16).step_by(2) {
        p.set(s, Voice::ClosedHat, hit(0.6)).unwrap();
    }
    p
}

/// A drum loop: one rock bar per 4 beats, each bar rendered at its own tempo (following
/// `beats`, whose every 4th entry starts a bar) and mixed in with its ringing tail.
fn drum_loop(rate: u32, chans: usize, beats: &[f64], secs: f64) -> Audio {
    let kit = Kit::synth(rate);
    let n = (secs * f64::from(rate)) as usize;
    let mut out = vec![vec![0.0f32; n]; 2];
    let bar = rock_bar();
    for w in beats.chunks(4).collect::<Vec<_>>().windows(2) {
        let (start, next) = (w[0][0], w[1][0]);
        let bpm = 240.0 / (next - start);
        let a = render(&bar, bpm, &kit, Tail::Ring).unwrap();
        let at = (start * f64::from(rate)).round() as usize;
        for (o, c) in out.iter_mut().zip(&a.channels) {
            for (i, v) in c.iter().enumerate() {
                if let Some(s) = o.get_mut(at + i) {
                    *s += v;
                }
            }
        }
    }
    if chans == 1 {
        let m = out[0]
            .iter()
            .zip(&out[1])
            .map(|(a, b)| 0.5 * (a + b))
            .collect();
        out = vec![m];
    }
    Audio {
        sample_rate: rate,
        channels: out,
    }
}

/// White noise (deterministic).
fn noise(rate: u32, secs: f64, amp: f32) -> Audio {
    let mut x = 12345u32;
    let c = (0..(secs * f64::from(rate)) as usize)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            amp * ((x >> 8) as f32 / (1u32 << 24) as f32 - 0.5) * 2.0
        })
        .collect();
    Audio {
        sample_rate: rate,
        channels: vec![c],
    }
}

/// A sustained pad (two sines) with 1 ms fades at both ends: loud up to its last sample.
fn pad(rate: u32, secs: f64) -> Vec<f32> {
    let n = (secs * f64::from(rate)) as usize;
    let f = (0.001 * f64::from(rate)) as usize;
    (0..n)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let g = (i.min(n - 1 - i) as f64 / f as f64).min(1.0);
            (g * 0.2 * ((TAU * 220.0 * t).sin() + (TAU * 331.0 * t).sin())) as f32
        })
        .collect()
}

fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0, |m, s| m.max(s.abs()))
}

// ---------------------------------------------------------------------------------------------
// Silence

#[test]
fn silences_are_found_within_10_ms_of_where_they_were_inserted() {
    for (rate, chans) in [(44_100u32, 1usize), (48_000, 2)] {
        let sr = f64::from(rate);
        // leading 0.7 s, a drum bar section, inner gaps of 0.5, 1.2 and 2.0 s between pads and
        // drums, trailing 1.0 s.
        let drums = drum_loop(rate, 1, &steady(120.0, 6.0), 4.0);
        let mut x: Vec<f32> = vec![0.0; (0.7 * sr) as usize];
        let mut expect = vec![(0.0, 0.7, SilenceKind::Leading)];
        let mut t = 0.7;
        let mut push = |x: &mut Vec<f32>, part: &[f32], gap: f64, kind| {
            x.extend_from_slice(part);
            t += part.len() as f64 / sr;
            let start = t;
            x.extend(vec![0.0; (gap * sr) as usize]);
            t += (gap * sr) as usize as f64 / sr;
            expect.push((start, t, kind));
        };
        // The drum section ends with a 1 ms fade-out from a pad laid under it: loud to its end.
        let mut section: Vec<f32> = drums.channels[0].clone();
        for (s, p) in section.iter_mut().zip(pad(rate, 4.0)) {
            *s = 0.7 * *s + 0.5 * p;
        }
        push(&mut x, &section, 0.5, SilenceKind::Inner);
        push(&mut x, &pad(rate, 1.3), 1.2, SilenceKind::Inner);
        push(&mut x, &pad(rate, 0.8), 2.0, SilenceKind::Inner);
        push(&mut x, &pad(rate, 2.0), 1.0, SilenceKind::Trailing);
        let a = Audio {
            sample_rate: rate,
            channels: vec![x; chans],
        };
        let found = find_silences(&a, &TrimOptions::default()).unwrap();
        assert_eq!(found.len(), expect.len(), "{rate}: {found:?}");
        let mut worst = 0f64;
        for (f, (s, e, kind)) in found.iter().zip(&expect) {
            assert_eq!(f.kind, *kind);
            let (fs, fe) = (f.start as f64 / sr, f.end as f64 / sr);
            worst = worst.max((fs - s).abs()).max((fe - e).abs());
            assert!(
                (fs - s).abs() < 0.010 && (fe - e).abs() < 0.010,
                "{rate}: found {fs:.4}..{fe:.4}, inserted {s:.4}..{e:.4}"
            );
        }
        println!(
            "{rate} Hz x{chans}: worst silence boundary {:.2} ms off",
            worst * 1e3
        );
        // Trimmed: 0.5 + 1.2 + 2.0 s inner, 0.7 + 1.0 s at the ends, less 5 ms of fade kept
        // at each of the 8 cuts.
        let (out, rep) = trim(&a, &TrimOptions::default()).unwrap();
        let removed = 0.7 + 0.5 + 1.2 + 2.0 + 1.0 - 8.0 * 0.005;
        assert!(
            (rep.removed_secs - removed).abs() < 0.01,
            "{}",
            rep.removed_secs
        );
        assert_eq!(out.frames(), a.frames() - rep.removed_frames);
        // No click at any cut: the largest step between samples is no larger than the
        // material's own.
        let steps = |x: &[f32]| {
            x.windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(0f32, f32::max)
        };
        assert!(steps(&out.channels[0]) <= steps(&a.channels[0]) + 1e-6);
    }
}

// ---------------------------------------------------------------------------------------------
// Tempo

#[test]
fn steady_tempo_is_found_within_1_percent_with_high_confidence() {
    for (bpm, rate, chans) in [
        (90.0, 44_100u32, 2usize),
        (120.0, 48_000, 1),
        (137.0, 44_100, 1),
        (104.0, 48_000, 2),
    ] {
        for (what, a) in [
            ("drums", drum_loop(rate, chans, &steady(bpm, 20.0), 16.0)),
            ("clicks", click_track(rate, chans, &steady(bpm, 16.0), 16.0)),
        ] {
            let e = estimate_tempo(&a, &TempoOptions::default()).unwrap();
            println!(
                "{what} {bpm} BPM {rate} Hz x{chans}: {:.3} BPM, confidence {:.2}",
                e.bpm, e.confidence
            );
            assert!((e.bpm / bpm - 1.0).abs() < 0.01, "{what} {bpm}: {}", e.bpm);
            assert!(
                e.confidence >= 0.8,
                "{what} {bpm}: confidence {}",
                e.confidence
            );
        }
    }
}

#[test]
fn drifting_tempo_is_followed_beat_by_beat() {
    let rate = 44_100;
    let beats = drifting_beats(118.0, 122.0, 0.3, 20.0);
    for (what, a) in [
        ("clicks", click_track(rate, 2, &beats, 20.0)),
        ("drums", drum_loop(rate, 2, &beats, 20.0)),
    ] {
        let e = estimate_tempo(&a, &TempoOptions::default()).unwrap();
        println!(
            "{what} 118->122: {:.2} BPM, confidence {:.2}",
            e.bpm, e.confidence
        );
        assert!((e.bpm / 120.0 - 1.0).abs() < 0.01, "{what}: {}", e.bpm);
        assert!(e.confidence >= MIN_CONFIDENCE, "{what}: {}", e.confidence);
        // Every inserted beat (but the last bar, which may be cut) has a detected beat within
        // 5 ms.
        let last = if what == "drums" {
            beats.len() - 4
        } else {
            beats.len()
        };
        for b in &beats[..last] {
            let d = e
                .beats
                .iter()
                .map(|x| (x - b).abs())
                .fold(f64::MAX, f64::min);
            assert!(
                d < 0.005,
                "{what}: beat at {b:.3} s, nearest detected {d:.4} s away"
            );
        }
    }
}

#[test]
fn noise_and_a_single_hit_are_unsure_and_left_unchanged() {
    let mut hit = click_track(44_100, 2, &[0.5], 4.0);
    hit.channels[0][100_000] = 0.0; // just to be sure nothing is special about the copy
    for (what, a) in [("noise", noise(44_100, 10.0, 0.3)), ("single hit", hit)] {
        let e = estimate_tempo(&a, &TempoOptions::default()).unwrap();
        println!("{what}: {:.1} BPM, confidence {:.2}", e.bpm, e.confidence);
        assert!(e.confidence < MIN_CONFIDENCE, "{what}: {}", e.confidence);
        for mode in [QuantizeMode::Stretch, QuantizeMode::Warp] {
            let opts = QuantizeOptions {
                mode,
                ..Default::default()
            };
            let (out, rep) = quantize(&a, &e, &opts).unwrap();
            assert!(!rep.applied);
            assert!(rep.reason.contains("unsure"), "{}", rep.reason);
            assert_eq!(out, a);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Quantize

/// Quantize `a` (whose clicks are at `beats`) to 120 BPM, then check every click of the
/// output lies within 5 ms of the grid and the loop wraps without a jump.
fn check_quantized(a: &Audio, mode: QuantizeMode, max_bars: Option<u32>) -> f64 {
    let e = estimate_tempo(a, &TempoOptions::default()).unwrap();
    let opts = QuantizeOptions {
        bpm: 120.0,
        mode,
        max_bars,
        ..Default::default()
    };
    let (out, rep) = quantize(a, &e, &opts).unwrap();
    assert!(rep.applied, "{}", rep.reason);
    let sr = f64::from(a.sample_rate);
    assert_eq!(
        rep.loop_frames,
        (f64::from(rep.bars) * 2.0 * sr).round() as usize
    );
    assert_eq!(out.frames(), rep.loop_frames);
    let onsets = click_onsets(&out, 0.1);
    assert!(
        onsets.len() >= 4 * rep.bars as usize - 1,
        "{} onsets for {} bars",
        onsets.len(),
        rep.bars
    );
    let worst = max(&grid_errors(&onsets, 0.5));
    check_loop_point(&out, true);
    worst
}

/// The loop played end-to-start: every step in the 64 samples on each side of the wrap is no
/// larger than the largest step inside the loop (its sharpest attack) plus 0.01, so the wrap
/// adds no discontinuity of its own. With `smooth` material (attacks rising over a
/// millisecond, like the clicks, so the loop's first samples are small) also
/// |last - first| <= the largest step in the loop's first 64 samples + 0.005: the wrap is no
/// steeper than the attack it lands on.
fn check_loop_point(out: &Audio, smooth: bool) {
    for c in &out.channels {
        let n = c.len();
        let step = |x: &[f32]| {
            x.windows(2)
                .map(|w| (w[1] - w[0]).abs())
                .fold(0f32, f32::max)
        };
        let wrap: Vec<f32> = c[n - 64..].iter().chain(&c[..64]).copied().collect();
        let (own, jump) = (step(c), step(&wrap));
        if smooth {
            let local = step(&c[..64]);
            let d = (c[n - 1] - c[0]).abs();
            assert!(
                d <= local + 0.005,
                "last {} first {} (attack steps {local})",
                c[n - 1],
                c[0]
            );
        }
        assert!(
            jump <= own + 0.01,
            "jump {jump} at the wrap, the loop's own {own}"
        );
    }
}

#[test]
fn stretch_mode_puts_steady_beats_on_the_grid() {
    for (bpm, rate, chans) in [(117.0, 44_100u32, 2usize), (126.0, 48_000, 1)] {
        let a = click_track(rate, chans, &drifting_beats(bpm, bpm, 0.25, 17.0), 17.0);
        let worst = check_quantized(&a, QuantizeMode::Stretch, None);
        println!(
            "stretch {bpm} -> 120: worst beat {:.2} ms off the grid",
            worst * 1e3
        );
        assert!(worst < 0.005, "{bpm}: {worst}");
    }
}

#[test]
fn warp_mode_puts_drifting_beats_on_the_grid() {
    let rate = 44_100;
    let beats = drifting_beats(118.0, 122.0, 0.3, 20.0);
    let a = click_track(rate, 2, &beats, 20.0);
    let worst = check_quantized(&a, QuantizeMode::Warp, None);
    println!(
        "warp 118->122 -> 120: worst beat {:.2} ms off the grid",
        worst * 1e3
    );
    assert!(worst < 0.005, "{worst}");
    // Stretch alone cannot: the drift stays (this is what Warp is for).
    let e = estimate_tempo(&a, &TempoOptions::default()).unwrap();
    let (out, _) = quantize(&a, &e, &QuantizeOptions::default()).unwrap();
    let stretched = max(&grid_errors(&click_onsets(&out, 0.1), 0.5));
    println!(
        "stretch 118->122 -> 120: worst beat {:.2} ms off the grid",
        stretched * 1e3
    );
    assert!(stretched > 0.010, "{stretched}");
}

#[test]
fn warped_drum_loop_reads_as_the_target_tempo_and_loops_cleanly() {
    let rate = 48_000;
    let beats = drifting_beats(118.0, 122.0, 0.2, 20.0);
    let a = drum_loop(rate, 2, &beats, 20.0);
    let e = estimate_tempo(&a, &TempoOptions::default()).unwrap();
    let opts = QuantizeOptions {
        mode: QuantizeMode::Warp,
        max_bars: Some(4),
        ..Default::default()
    };
    let (out, rep) = quantize(&a, &e, &opts).unwrap();
    assert!(rep.applied, "{}", rep.reason);
    assert_eq!(rep.bars, 4);
    assert_eq!(out.frames(), 8 * rate as usize);
    check_loop_point(&out, false);
    let e2 = estimate_tempo(&out, &TempoOptions::default()).unwrap();
    assert!((e2.bpm / 120.0 - 1.0).abs() < 0.005, "{}", e2.bpm);
    // Every detected beat of the result is on the grid.
    let errs = grid_errors(&e2.beats, 0.5);
    let worst = max(&errs);
    println!(
        "warped drums: {:.3} BPM after, worst beat {:.2} ms off the grid",
        e2.bpm,
        worst * 1e3
    );
    assert!(worst < 0.005, "{worst}");
}

#[test]
fn the_loop_point_is_seamless_over_sustained_sound() {
    // Clicks over a pad that sounds through the loop point: cut without the closing crossfade,
    // the pad's phase would jump at the wrap.
    for (rate, mode) in [
        (44_100u32, QuantizeMode::Stretch),
        (48_000, QuantizeMode::Warp),
    ] {
        let beats = drifting_beats(123.0, 119.0, 0.3, 12.0);
        let mut a = click_track(rate, 2, &beats, 12.0);
        for c in &mut a.channels {
            for (v, p) in c.iter_mut().zip(pad(rate, 12.0)) {
                *v += 0.5 * p;
            }
        }
        let e = estimate_tempo(&a, &TempoOptions::default()).unwrap();
        let opts = QuantizeOptions {
            mode,
            max_bars: Some(3),
            ..Default::default()
        };
        let (out, rep) = quantize(&a, &e, &opts).unwrap();
        assert!(rep.applied, "{}", rep.reason);
        check_loop_point(&out, true);
    }
}

#[test]
fn quantize_refuses_bad_options_and_is_off_when_asked() {
    let a = click_track(44_100, 1, &steady(120.0, 6.0), 6.0);
    let e = estimate_tempo(&a, &TempoOptions::default()).unwrap();
    for o in [
        QuantizeOptions {
            bpm: 0.0,
            ..Default::default()
        },
        QuantizeOptions {
            bpm: f64::NAN,
            ..Default::default()
        },
        QuantizeOptions {
            beats_per_bar: 0,
            ..Default::default()
        },
        QuantizeOptions {
            min_confidence: 2.0,
            ..Default::default()
        },
        QuantizeOptions {
            max_bars: Some(0),
            ..Default::default()
        },
    ] {
        assert!(quantize(&a, &e, &o).is_err(), "{o:?}");
    }
    let off = QuantizeOptions {
        mode: QuantizeMode::Off,
        ..Default::default()
    };
    let (out, rep) = quantize(&a, &e, &off).unwrap();
    assert!(!rep.applied);
    assert_eq!(out, a);
    // Too slow a target: more than 4x.
    let slow = QuantizeOptions {
        bpm: 25.0,
        ..Default::default()
    };
    let (out, rep) = quantize(&a, &e, &slow).unwrap();
    assert!(
        !rep.applied && rep.reason.contains("stretching"),
        "{}",
        rep.reason
    );
    assert_eq!(out, a);
}

// ---------------------------------------------------------------------------------------------
// Stretch

/// Frequency of the strongest component near `guess` (zero crossings over the middle).
fn frequency(x: &[f32], rate: u32) -> f64 {
    let mid = &x[x.len() / 4..3 * x.len() / 4];
    let ups: Vec<usize> = mid
        .windows(2)
        .enumerate()
        .filter(|(_, w)| w[0] < 0.0 && w[1] >= 0.0)
        .map(|(i, _)| i)
        .collect();
    let periods = (ups.len() - 1) as f64;
    periods * f64::from(rate) / (ups[ups.len() - 1] - ups[0]) as f64
}

/// 10 % to 90 % rise time of the 0.5 ms peak envelope of the click starting near `at`, in ms.
fn rise_ms(x: &[f32], rate: u32, at: f64) -> f64 {
    let sr = f64::from(rate);
    let w = (0.0005 * sr) as usize;
    let lo = ((at - 0.03) * sr) as usize;
    let hi = ((at + 0.03) * sr) as usize;
    let env: Vec<f32> = (lo..hi)
        .map(|i| peak(&x[i.saturating_sub(w)..=i]))
        .collect();
    let top = peak(&env);
    let t10 = env.iter().position(|v| *v >= 0.1 * top).unwrap();
    let t90 = env.iter().position(|v| *v >= 0.9 * top).unwrap();
    (t90 - t10) as f64 / sr * 1e3
}

#[test]
fn stretch_keeps_duration_pitch_and_attacks() {
    let rate = 44_100;
    let sine = Audio {
        sample_rate: rate,
        channels: vec![(0..rate as usize * 2)
            .map(|i| 0.4 * (TAU * 440.0 * i as f64 / f64::from(rate)).sin() as f32)
            .collect()],
    };
    let clicks = click_track(rate, 2, &[0.25, 0.75, 1.25, 1.75], 2.0);
    let rise_in = rise_ms(&clicks.channels[0], rate, 0.75);
    for factor in [2.0, 4.0] {
        let s = stretch(&sine, factor).unwrap();
        let want = 2.0 * factor;
        assert!(
            (s.duration_secs() - want).abs() < 0.003,
            "{}",
            s.duration_secs()
        );
        let f = frequency(&s.channels[0], rate);
        println!("x{factor}: sine at {f:.2} Hz");
        assert!((f / 440.0 - 1.0).abs() < 0.01, "x{factor}: {f} Hz");
        // Level kept (a steady sine).
        let p = peak(&s.channels[0][rate as usize..3 * rate as usize]);
        assert!((p - 0.4).abs() < 0.04, "x{factor}: peak {p}");

        let c = stretch(&clicks, factor).unwrap();
        let onsets = click_onsets(&c, 0.1);
        assert_eq!(onsets.len(), 4, "x{factor}: {onsets:?}");
        for (o, b) in onsets.iter().zip([0.25, 0.75, 1.25, 1.75]) {
            // Pre-echo: the level in the 30 ms before the click, against the click's peak.
            let at = (o * f64::from(rate)) as usize;
            let x = &c.channels[0];
            let pre = peak(&x[at - (0.03 * f64::from(rate)) as usize..at - 20]);
            let pk = peak(&x[at..at + 2_000]);
            println!(
                "x{factor}: click at {o:.4} s (want {:.4}), pre-echo {:.1} dB under its peak",
                b * factor,
                20.0 * (pk / pre.max(1e-9)).log10()
            );
            assert!(
                pre < 0.1 * pk,
                "x{factor}: pre-echo {pre} before a peak of {pk}"
            );
            assert!(
                (o - b * factor).abs() < 0.005,
                "x{factor}: click at {o}, want {}",
                b * factor
            );
        }
        let rise = rise_ms(&c.channels[0], rate, 0.75 * factor);
        println!("x{factor}: click rise time {rise:.2} ms (input {rise_in:.2} ms)");
        assert!(rise < 3.0, "x{factor}: rise {rise} ms");
    }
    // Stereo image: the right channel stays 0.8 x the left.
    let s = stretch(&clicks, 2.0).unwrap();
    let (l, r) = (peak(&s.channels[0]), peak(&s.channels[1]));
    assert!((r / l - 0.8).abs() < 0.01, "{}", r / l);
    // Warp: the second half twice as long as the first.
    let w = warp(&sine, &[(0.0, 0.0), (1.0, 1.0), (2.0, 3.0)]).unwrap();
    assert_eq!(w.frames(), 3 * rate as usize);
    assert!((frequency(&w.channels[0], rate) / 440.0 - 1.0).abs() < 0.01);
}

// ---------------------------------------------------------------------------------------------
// Loudness

#[test]
fn loudness_reads_the_reference_levels_and_normalize_reaches_its_target() {
    let rate = 48_000;
    let sine = |dbfs: f64, chans: usize| {
        let amp = 10f64.powf(dbfs / 20.0);
        Audio {
            sample_rate: rate,
            channels: vec![
                (0..rate as usize * 10)
                    .map(|i| (amp * (TAU * 1_000.0 * i as f64 / f64::from(rate)).sin()) as f32)
                    .collect();
                chans
            ],
        }
    };
    // EBU Tech 3341 case 1: stereo 1 kHz at -23 dBFS per channel = -23.0 LUFS (+-0.1).
    let l = loudness_lufs(&sine(-23.0, 2)).unwrap();
    assert!((l + 23.0).abs() <= 0.1, "{l}");
    // 1 kHz at -20 dBFS, one channel: about -23 LUFS (K-weighting is +0.7 dB at 1 kHz).
    let l = loudness_lufs(&sine(-20.0, 1)).unwrap();
    assert!((l + 23.0).abs() <= 0.1, "{l}");
    for target in [-23.0, -16.0, -14.0] {
        let a = drum_loop(44_100, 2, &steady(120.0, 10.0), 8.0);
        let quiet = Audio {
            sample_rate: a.sample_rate,
            channels: a
                .channels
                .iter()
                .map(|c| c.iter().map(|v| v * 0.1).collect())
                .collect(),
        };
        let (n, g) = normalize(&quiet, target).unwrap();
        let l = loudness_lufs(&n).unwrap();
        println!(
            "drums to {target} LUFS: gain {g:.1} dB, reads {l:.2}, peak {:.2}",
            peak(&n.channels[0])
        );
        let capped = peak(&n.channels[0]).max(peak(&n.channels[1])) >= 0.89;
        assert!((l - target).abs() < 0.5 || capped, "{target}: {l}");
        assert!(peak(&n.channels[0]) <= 0.8913 && peak(&n.channels[1]) <= 0.8913);
    }
}

// ---------------------------------------------------------------------------------------------
// The chain

#[test]
fn prepare_runs_the_chain() {
    let rate = 44_100;
    // 0.8 s of silence, 20 s of drums drifting 118 -> 122, 1.5 s of silence.
    let beats = drifting_beats(118.0, 122.0, 0.0, 20.0);
    let drums = drum_loop(rate, 2, &beats, 20.0);
    let pad_in = |c: &Vec<f32>| {
        let mut v = vec![0.0; (0.8 * f64::from(rate)) as usize];
        v.extend_from_slice(c);
        v.extend(vec![0.0; (1.5 * f64::from(rate)) as usize]);
        v
    };
    let a = Audio {
        sample_rate: rate,
        channels: drums.channels.iter().map(pad_in).collect(),
    };
    let p = Prepare {
        sample_rate: Some(48_000),
        quantize: Some(QuantizeOptions {
            bpm: 120.0,
            mode: QuantizeMode::Warp,
            max_bars: Some(4),
            ..Default::default()
        }),
        normalize_lufs: Some(-14.0),
        ..Default::default()
    };
    let (out, rep) = prepare(&a, &p).unwrap();
    let line = rep.summary();
    println!("{line}");
    assert!(
        line.starts_with("resampled 44100 -> 48000 Hz, trimmed "),
        "{line}"
    );
    assert!(line.contains("warped to 120 BPM, 4 bars"), "{line}");
    assert!(line.contains("LUFS"), "{line}");
    assert_eq!(out.sample_rate, 48_000);
    assert_eq!(out.frames(), 8 * 48_000);
    let t = rep.trim.as_ref().unwrap();
    assert!(t.removed_secs > 0.8 + 0.5, "{}", t.removed_secs);
    assert!((rep.tempo.bpm - 120.0).abs() < 1.2, "{}", rep.tempo.bpm);
    let l = rep.loudness_after.unwrap();
    assert!(
        (l + 14.0).abs() < 0.5 || rep.gain_db.unwrap() < 14.0 - rep.loudness_before.unwrap() - 0.5
    );
    check_loop_point(&out, false);
    // Defaults: trim only.
    let (trimmed, rep) = prepare(&a, &Prepare::default()).unwrap();
    assert!(rep.quantize.is_none() && rep.gain_db.is_none());
    assert!(trimmed.frames() < a.frames());
}

// ---------------------------------------------------------------------------------------------
// Corrupt input

#[test]
fn corrupt_input_gives_clear_errors() {
    let good = click_track(44_100, 2, &steady(120.0, 3.0), 3.0);
    let mut nan = good.clone();
    nan.channels[1][1000] = f32::NAN;
    let mut inf = good.clone();
    inf.channels[0][5] = f32::INFINITY;
    let empty = Audio {
        sample_rate: 44_100,
        channels: vec![vec![], vec![]],
    };
    let no_channels = Audio {
        sample_rate: 44_100,
        channels: vec![],
    };
    let three = Audio {
        sample_rate: 44_100,
        channels: vec![vec![0.1; 10]; 3],
    };
    let ragged = Audio {
        sample_rate: 44_100,
        channels: vec![vec![0.1; 10], vec![0.1; 9]],
    };
    let rate0 = Audio {
        sample_rate: 0,
        channels: vec![vec![0.1; 10]],
    };
    let silent = Audio {
        sample_rate: 44_100,
        channels: vec![vec![0.0; 44_100]],
    };
    // 601 s at the lowest rate we take.
    let long = Audio {
        sample_rate: 1_000,
        channels: vec![vec![0.1; 601_000]],
    };
    let cases: [(&str, &Audio, &str); 9] = [
        ("NaN", &nan, "NaN"),
        ("inf", &inf, "inf"),
        ("empty", &empty, "empty"),
        ("no channels", &no_channels, "0 channels"),
        ("three channels", &three, "3 channels"),
        ("ragged", &ragged, "different lengths"),
        ("rate 0", &rate0, "0 Hz"),
        ("silent", &silent, "silent"),
        ("too long", &long, "absurdly long"),
    ];
    for (what, a, says) in cases {
        let p = Prepare {
            normalize_lufs: Some(-14.0),
            quantize: Some(QuantizeOptions::default()),
            ..Default::default()
        };
        let e = prepare(a, &p).unwrap_err().to_string();
        assert!(e.contains(says), "{what}: {e}");
        assert!(!e.contains('\n'));
        // Every step refuses it too (the silent one is fine for all but trim and loudness).
        if what != "silent" {
            assert!(resample(a, 48_000).is_err(), "{what}");
            assert!(
                estimate_tempo(a, &TempoOptions::default()).is_err(),
                "{what}"
            );
            assert!(stretch(a, 2.0).is_err(), "{what}");
            assert!(loudness_lufs(a).is_err(), "{what}");
        }
        assert!(trim(a, &TrimOptions::default()).is_err(), "{what}");
    }
    const { assert!(MAX_PREPARE_SECONDS >= 47.0) };
    // Bad parameters.
    assert!(resample(&good, 0).is_err());
    assert!(resample(&good, 10_000_000).is_err());
    assert!(stretch(&good, f64::INFINITY).is_err());
    assert!(warp(&good, &[(0.0, 0.0), (f64::NAN, 1.0)]).is_err());
    assert!(normalize(&good, -200.0).is_err());
    let bad_tempo = TempoOptions {
        min_bpm: -5.0,
        ..Default::default()
    };
    assert!(estimate_tempo(&good, &bad_tempo).is_err());
    let bad_trim = TrimOptions {
        threshold_db: 10.0,
        ..Default::default()
    };
    assert!(prepare(
        &good,
        &Prepare {
            trim: Some(bad_trim),
            ..Default::default()
        }
    )
    .is_err());
    let p = Prepare {
        sample_rate: Some(3),
        ..Default::default()
    };
    assert!(prepare(&good, &p)
        .unwrap_err()
        .to_string()
        .contains("sample rate"));
    // An estimate with a non-finite tempo is refused, not trusted.
    let mut e = estimate_tempo(&good, &TempoOptions::default()).unwrap();
    e.bpm = f64::NAN;
    assert!(quantize(&good, &e, &QuantizeOptions::default()).is_err());
}

/// Issue 18, item 3: a pitch-kept half- or quarter-time stretch of a loop loops as seamlessly
/// as the loop itself (it used to jump at the loop point: a click every time round).
#[test]
fn a_stretched_loop_has_no_click_at_its_loop_point() {
    use bandmate_core::audio::stretch_loop;
    let rate = 48_000;
    // a drum loop rendered to loop seamlessly (its tails wrapped round): kick, snare and
    // 8th-note hats
    let mut p = Pattern::empty_loop();
    for s in 0..32 {
        if s % 2 == 0 {
            p.set(s, Voice::ClosedHat, Some(Hit::new(0.6, 0.0).unwrap()))
                .unwrap();
        }
        if s % 8 == 0 {
            p.set(s, Voice::Kick, Some(Hit::new(1.0, 0.0).unwrap()))
                .unwrap();
        }
        if s % 8 == 4 {
            p.set(s, Voice::Snare, Some(Hit::new(0.9, 0.0).unwrap()))
                .unwrap();
        }
    }
    let mut audio = render(&p, 120.0, &Kit::synth(rate), Tail::Wrap).unwrap();
    // the loop point between two hats (62.5 ms after the downbeat), where the sound decays
    for c in &mut audio.channels {
        c.rotate_left(3000);
    }
    let n = audio.frames();
    // the jump at the loop point, and the largest between neighbouring samples within 5 ms
    // on either side of it (the material's own: a ringing cymbal is noise)
    let jump = |c: &[f32]| -> (f32, f32) {
        let k = 240;
        let around: Vec<f32> = c[c.len() - k..].iter().chain(&c[..k]).copied().collect();
        let near = around[..k]
            .windows(2)
            .chain(around[k..].windows(2))
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0, f32::max);
        let wrap = (c[0] - c[c.len() - 1]).abs();
        (near, wrap)
    };
    let (inside, wrap) = jump(&audio.channels[0]);
    assert!(
        wrap <= inside,
        "the loop itself is seamless: {wrap} vs {inside}"
    );
    for factor in [2.0, 4.0] {
        let s = stretch_loop(&audio, factor).unwrap();
        assert_eq!(s.frames(), (n as f64 * factor).round() as usize);
        for c in &s.channels {
            let (inside, wrap) = jump(c);
            assert!(
                wrap <= inside,
                "x{factor}: a jump of {wrap} at the loop point (the largest within 5 ms: {inside})"
            );
        }
    }
}
