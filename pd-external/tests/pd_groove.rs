//! `[bandmate.groove]` inside real Pure Data (Debian's `pd`, headless): notes at their exact
//! logical times, the loop boundary, arrays, bad input, panics kept out of Pd.

mod harness;

use bandmate_core::Voice;
use harness::{
    assert_clean, assert_note_ons, first_cycle, numbers, printed, reported_loops,
    switched_at_boundary, timed_notes, timing_patch, Patch, PdDir,
};

#[test]
fn notes_leave_at_their_exact_logical_time_and_loop() {
    let pd = PdDir::new("timing");
    // 120 BPM: 125 ms a step, 4 s a loop; two loops are played
    let end = 8000.0 - 1.0;
    let patch = timing_patch("seed 3, tempo 120, swing 62, drumify", None, 100.0 + end);
    let lines = pd.run(&patch);
    assert_clean(&lines);
    let loops = reported_loops(&lines);
    assert_eq!(loops.len(), 1);
    let mut want = first_cycle(&loops[0], 125.0);
    want.extend(loops[0].iter().map(|&(p, n)| (4000.0 + p * 125.0, n)));
    // an early downbeat of the third loop would leave just before 8 s, after the run
    want.retain(|&(t, _)| t < end);
    let notes = timed_notes(&lines);
    let ons: Vec<(f64, u8)> = notes
        .iter()
        .filter(|n| n.2 > 0)
        .map(|n| (n.0, n.1))
        .collect();
    assert!(
        want.len() >= 8,
        "a drumified swing groove has hits: {want:?}"
    );
    assert_eq!(ons.len(), want.len(), "{ons:?}\nvs\n{want:?}");
    for (got, w) in ons.iter().zip(&want) {
        assert_eq!(got.1, w.1);
        assert!(
            (got.0 - w.0).abs() < 0.1,
            "note {} at {} ms, computed {} ms",
            got.1,
            got.0,
            w.0
        );
    }
    // microtiming is really there: some notes are off the 16th grid by more than 1 ms
    assert!(ons
        .iter()
        .any(|(t, _)| (t / 125.0 - (t / 125.0).round()).abs() * 125.0 > 1.0));
    // each note-on is followed by its note-off 50 ms later (the default gate)
    for (t, note, _) in notes.iter().filter(|n| n.2 > 0) {
        assert!(
            notes
                .iter()
                .any(|o| o.2 == 0 && o.1 == *note && (o.0 - t - 50.0).abs() < 0.1)
                || t + 50.0 > 7999.0
                || notes
                    .iter()
                    .any(|o| o.1 == *note && o.2 > 0 && o.0 > *t && o.0 < t + 50.0 + 0.1),
            "note {note} at {t} has no note-off"
        );
    }
    assert_eq!(printed(&lines, "cycle"), vec!["1 0"]);
}

/// Issue 17, item 1, in real Pd: `swing8 66.67` plays 8th hats on a triplet grid (long, short:
/// 2:1), each hit at its reported step's swung time plus its offset.
#[test]
fn swing8_plays_eighths_on_a_triplet_grid_in_pd() {
    let pd = PdDir::new("swing8");
    let end = 4000.0 - 1.0;
    let hats = "1 0 ".repeat(16);
    let setup = format!(
        "seed 3, tempo 120, temperature 0.3, score closed_hat {hats}, swing8 66.666667, generate"
    );
    let lines = pd.run(&timing_patch(&setup, None, 100.0 + end));
    assert_clean(&lines);
    let pct = numbers(printed(&lines, "swing8")[0])[0];
    assert!((pct - 66.6667).abs() < 1e-3, "{pct}");
    let feel = (4.0 * pct / 100.0 - 2.0) as f32;
    let (loops, offsets) = (printed(&lines, "loop"), printed(&lines, "offset"));
    let k = Voice::ClosedHat.index();
    let (vel, off) = (numbers(loops[k]), numbers(offsets[k]));
    assert!(loops[k].starts_with("closed_hat"), "{loops:?}");
    // (an early downbeat wraps to the loop's end; the first ms is left out of both)
    let mut want: Vec<f64> = (0..32)
        .filter(|&s| vel[s] > 0.0)
        .map(|s| {
            let t = bandmate_core::pattern::swung_time(s as f64, off[s] as f32, feel);
            t.rem_euclid(32.0) * 125.0
        })
        .filter(|&t| (1.0..end).contains(&t))
        .collect();
    want.sort_by(f64::total_cmp);
    let ons: Vec<f64> = timed_notes(&lines)
        .iter()
        .filter(|n| n.2 > 0 && n.1 == Voice::ClosedHat.gm_note() && n.0 >= 1.0)
        .map(|n| n.0)
        .collect();
    assert_eq!(ons.len(), want.len(), "{ons:?}\nvs\n{want:?}");
    for (got, w) in ons.iter().zip(&want) {
        assert!((got - w).abs() < 0.1, "{got} vs {w}");
    }
    // heard: the 8th pairs are long-short, about 2:1 (333 and 167 ms at 120 BPM): the gap after
    // a hat in the first half of a beat (500 ms) is long, after one in the second half short
    let mean = |xs: Vec<f64>| xs.iter().sum::<f64>() / xs.len() as f64;
    let gaps = |first_half: bool| -> Vec<f64> {
        ons.windows(2)
            .filter(|w| ((w[0] + 100.0).rem_euclid(500.0) < 300.0) == first_half)
            .map(|w| w[1] - w[0])
            .collect()
    };
    let (long, short) = (mean(gaps(true)), mean(gaps(false)));
    assert!(
        (long / short - 2.0).abs() < 0.3,
        "{long} / {short}: {ons:?}"
    );
}

#[test]
fn a_new_loop_takes_over_at_the_loop_boundary() {
    let pd = PdDir::new("boundary");
    let patch = timing_patch(
        "seed 3, tempo 120, generate",
        Some((1100.0, "seed 5, generate")),
        100.0 + 8000.0 - 1.0,
    );
    let lines = pd.run(&patch);
    assert_clean(&lines);
    let loops = reported_loops(&lines);
    assert_eq!(loops.len(), 2);
    assert_ne!(loops[0], loops[1]);
    assert!(
        loops[1].iter().any(|h| h.0 > 31.5),
        "the new loop draws its downbeat early (what this test is about)"
    );
    let want = switched_at_boundary(&loops[0], &loops[1], 125.0, 8000.0 - 1.0);
    assert_note_ons(&lines, &want);
    // the switch is reported at the boundary
    assert_eq!(printed(&lines, "cycle"), vec!["1 1"]);
}

#[test]
fn render_fills_arrays_with_the_loop() {
    let pd = PdDir::new("render");
    let mut p = Patch::new();
    p.obj("array define drums-l");
    p.obj("array define drums-r");
    let g = p.obj("bandmate.groove @blocking 1");
    let info = p.obj("route rendered");
    let pr = p.obj("print rendered");
    p.connect(g, 1, info, 0);
    p.connect(info, 0, pr, 0);
    p.at(0.0, "seed 3, tempo 120, generate, render drums", g);
    let sf = p.obj("soundfiler");
    p.at(
        10.0,
        "write -wave -bytes 4 rendered.wav drums-l drums-r",
        sf,
    );
    let ps = p.obj("print written");
    p.connect(sf, 0, ps, 0);
    let size = p.obj("array size drums-l");
    let psz = p.obj("print size");
    p.connect(size, 0, psz, 0);
    p.at(20.0, "bang", size);
    let sr = p.obj("samplerate~");
    let psr = p.obj("print sr");
    p.connect(sr, 0, psr, 0);
    p.at(20.0, "bang", sr);
    p.quit_at(50.0);
    let lines = pd.run(&p);
    assert_clean(&lines);
    let sr = numbers(printed(&lines, "sr")[0])[0] as u32;
    let frames = numbers(printed(&lines, "size")[0])[0] as usize;
    assert_eq!(
        frames,
        (4.0 * f64::from(sr)).round() as usize,
        "2 bars at 120 BPM"
    );
    assert_eq!(printed(&lines, "written"), vec![frames.to_string()]);
    assert!(printed(&lines, "rendered")[0].starts_with(&format!("drums {frames} {sr}")));
    // the same loop rendered by the core directly, sample for sample
    let wav = bandmate_core::wav::read_wav(&pd.path("rendered.wav")).unwrap();
    let want = harness::core_render(&["blocking 1", "seed 3", "tempo 120", "generate"], sr);
    assert_eq!(wav.channels.len(), 2);
    for (c, (got, want)) in wav.channels.iter().zip(&want).enumerate() {
        assert_eq!(got.len(), want.len());
        let worst = got
            .iter()
            .zip(want)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-6, "channel {c} differs by {worst}");
        assert!(want.iter().any(|x| x.abs() > 0.01), "not silent");
    }
}

#[test]
fn bad_input_is_reported_and_the_object_keeps_working() {
    let pd = PdDir::new("bad");
    // a model folder whose files are not what they claim
    std::fs::create_dir_all(pd.path("corrupt")).unwrap();
    std::fs::write(pd.path("corrupt/model.json"), "{ not json").unwrap();
    let mut p = Patch::new();
    let g = p.obj("bandmate.groove @blocking 1 @tempo 90");
    let pi = p.obj("print info");
    p.connect(g, 1, pi, 0);
    let bad = [
        "tempo fast",
        "tempo 9000",
        "score cowbell 1 0",
        "score kick 1 0 1",
        "accent 1 0 1",
        "frobnicate 3",
        "list 1 2 3",
        "vary 7",
        "load /nonexistent/model",
        "render nothere",
        "kit /nonexistent/kit",
        "load corrupt",
    ];
    for (i, m) in bad.iter().enumerate() {
        p.at(i as f64, m, g);
    }
    p.at(20.0, "seed 5, generate, render nothere, dump", g);
    p.quit_at(50.0);
    let lines = pd.run(&p);
    let text = lines.join("\n");
    for says in [
        "bandmate.groove: tempo: bpm must be a number, got 'fast'",
        "bandmate.groove: tempo: bpm 9000 is out of range 20..400",
        "bandmate.groove: score: voice 'cowbell' is not one of kick",
        "bandmate.groove: score: row needs 16 or 32 values, got 3",
        "bandmate.groove: accent: flags needs 16 or 32 values, got 3",
        "bandmate.groove: unknown message 'frobnicate'",
        "bandmate.groove: a list (1 2 3) is not a message",
        "bandmate.groove: vary: amount 7 is out of range",
        "bandmate.groove: /nonexistent/model: model: no such model folder",
        "bandmate.groove: render: there is no loop yet",
        "bandmate.groove: render: no array named 'nothere-l'",
        "/nonexistent/kit",
        "corrupt/model.json: model: not valid JSON",
    ] {
        assert!(text.contains(says), "expected «{says}» in:\n{text}");
    }
    // errors also leave by the info outlet
    assert!(printed(&lines, "info")
        .iter()
        .any(|l| l.starts_with("error ")));
    // and the state is intact: the creation tempo, the loop made after the errors
    let info = printed(&lines, "info");
    assert!(info.contains(&"status tempo 90"), "{info:?}");
    assert!(info.iter().any(|l| l.starts_with("ready generate 5")));
    assert!(!text.contains("couldn't create"));
}

#[test]
fn a_forced_internal_error_becomes_a_console_error() {
    let pd = PdDir::new("panic");
    let mut p = Patch::new();
    let g = p.obj("bandmate.groove @blocking 1");
    let pi = p.obj("print info");
    p.connect(g, 1, pi, 0);
    p.at(0.0, "_panic", g);
    p.at(1.0, "_panic worker", g);
    p.at(2.0, "seed 2, generate", g);
    p.quit_at(10.0);
    let lines = pd.run_with(&p, true, &[("BANDMATE_TEST_HOOKS", "1")]);
    let text = lines.join("\n");
    assert!(
        text.contains("bandmate.groove: internal error: forced internal error (test hook) (the object carries on)"),
        "{text}"
    );
    assert!(
        text.contains("bandmate.groove: internal error: forced internal error (test hook)\n")
            || text.matches("internal error").count() >= 2,
        "the worker's panic is reported too:\n{text}"
    );
    assert!(
        printed(&lines, "info")
            .iter()
            .any(|l| l.starts_with("ready generate 2")),
        "{text}"
    );
}

#[test]
fn the_model_runs_off_pds_thread_in_real_time() {
    let pd = PdDir::new("live");
    let mut p = Patch::new();
    let g = p.obj("bandmate.groove");
    let pn = p.obj("print n");
    let pi = p.obj("print info");
    p.connect(g, 0, pn, 0);
    p.connect(g, 1, pi, 0);
    p.at(0.0, "tempo 240, play", g);
    p.quit_at(600.0);
    let lines = pd.run_with(&p, false, &[]);
    assert_clean(&lines);
    let info = printed(&lines, "info");
    assert!(info.iter().any(|l| l.starts_with("loaded ")), "{info:?}");
    assert!(
        info.iter().any(|l| l.starts_with("ready generate")),
        "{info:?}"
    );
    assert!(!printed(&lines, "n").is_empty(), "notes were played");
}

#[test]
fn taps_from_bangs_and_velocities_land_on_the_grid() {
    let pd = PdDir::new("taps");
    let mut p = Patch::new();
    let g = p.obj("bandmate.groove @blocking 1 @tempo 120");
    let route = p.obj("route tapped");
    let pt = p.obj("print tapped");
    p.connect(g, 1, route, 0);
    p.connect(route, 0, pt, 0);
    // a float is a MIDI velocity (0 = note-off, ignored); a bang taps at velocity 100
    p.at(100.0, "bang", g);
    p.at(100.0 + 4.0 * 125.0 + 12.0, "90", g);
    p.at(100.0 + 4.0 * 125.0 + 20.0, "0", g);
    p.at(100.0 + 8.0 * 125.0 - 10.0, "tap 64", g);
    p.quit_at(2000.0);
    let lines = pd.run(&p);
    assert_clean(&lines);
    let taps: Vec<Vec<f64>> = printed(&lines, "tapped")
        .iter()
        .map(|l| numbers(l))
        .collect();
    assert_eq!(taps.len(), 3, "{taps:?}");
    assert_eq!(taps[0], vec![0.0, 0.0]);
    assert_eq!(taps[1][0], 4.0);
    assert!((taps[1][1] - 12.0 / 125.0).abs() < 1e-4);
    assert_eq!(taps[2][0], 8.0);
    assert!((taps[2][1] + 10.0 / 125.0).abs() < 1e-4);
}

#[test]
fn render_uses_the_players_own_kit() {
    let pd = PdDir::new("kit");
    std::fs::create_dir_all(pd.path("mykit")).unwrap();
    // a kick that is one loud click: the rendered kick hits become single samples
    let mut click = vec![0.0f32; 64];
    click[0] = 0.75;
    let audio = bandmate_core::wav::Audio {
        sample_rate: 48_000,
        channels: vec![click],
    };
    bandmate_core::wav::write_wav(&pd.path("mykit/kick.wav"), &audio, Default::default()).unwrap();
    let mut p = Patch::new();
    p.obj("array define drums-l");
    p.obj("array define drums-r");
    let g = p.obj("bandmate.groove @blocking 1");
    let pi = p.obj("print info");
    p.connect(g, 1, pi, 0);
    p.at(0.0, "score kick 1 0 0 0 0 0 0 0 1 0 0 0 0 0 0 0", g);
    for v in Voice::ALL.iter().skip(1) {
        let silent = format!("score {} 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0", v.name());
        p.at(0.0, &silent, g);
    }
    p.at(1.0, "kit mykit, seed 1, humanize, render drums", g);
    let sf = p.obj("soundfiler");
    p.at(10.0, "write -wave -bytes 4 kit.wav drums-l drums-r", sf);
    p.quit_at(20.0);
    let lines = pd.run(&p);
    assert_clean(&lines);
    assert!(
        printed(&lines, "info").contains(&"kit mykit"),
        "the kit was loaded"
    );
    let wav = bandmate_core::wav::read_wav(&pd.path("kit.wav")).unwrap();
    let mid = &wav.channels[0];
    // only kicks play, each a single sample: almost every sample is silent, a few are not
    let loud = mid.iter().filter(|x| x.abs() > 1e-4).count();
    assert!((2..=8).contains(&loud), "{loud} non-silent samples");
}

/// Issue 18, item 2 (first half): `stop` on the bar line, in real Pd. The next bar's downbeat
/// drawn early has gone out just before it; it used to be cut by the stop (a kick of 0.1 ms);
/// now every note, those included, keeps its 50 ms gate, and nothing sounds after them.
#[test]
fn a_stop_on_the_bar_line_leaves_the_downbeat_its_gate() {
    let pd = PdDir::new("stop-bar");
    // play at 100 ms, 120 BPM: the bar line after one cycle is at 4100 ms
    let patch = timing_patch(
        "seed 5, tempo 120, generate",
        Some((4100.0, "stop")),
        4100.0 + 500.0,
    );
    let lines = pd.run(&patch);
    assert_clean(&lines);
    let loops = reported_loops(&lines);
    assert_eq!(loops.len(), 1);
    assert!(
        loops[0].iter().any(|h| h.0 > 31.5),
        "the loop draws its downbeat early (what this test is about)"
    );
    let notes = timed_notes(&lines);
    let ons: Vec<(f64, u8)> = notes
        .iter()
        .filter(|n| n.2 > 0)
        .map(|n| (n.0, n.1))
        .collect();
    let lead: Vec<&(f64, u8)> = ons.iter().filter(|n| n.0 > 31.5 * 125.0).collect();
    assert!(
        !lead.is_empty(),
        "the lead-in left before the stop: {ons:?}"
    );
    // every note-on, the lead-in's too, has its note-off 50 ms later, and none other
    let offs: Vec<(f64, u8)> = notes
        .iter()
        .filter(|n| n.2 == 0)
        .map(|n| (n.0, n.1))
        .collect();
    assert_eq!(offs.len(), ons.len(), "{notes:?}");
    for (t, note) in &ons {
        let next_on = ons
            .iter()
            .filter(|o| o.1 == *note && o.0 > *t)
            .map(|o| o.0)
            .fold(f64::INFINITY, f64::min);
        let want = (t + 50.0).min(next_on);
        assert!(
            offs.iter()
                .any(|o| o.1 == *note && (o.0 - want).abs() < 0.1),
            "note {note} at {t} ms: no note-off at {want} ms in {offs:?}"
        );
    }
    assert!(ons.iter().all(|n| n.0 < 4000.0), "nothing after the stop");
}

/// Issue 24 in real Pd: `tap_tempo` from bangs sets the tempo and says so; a MIDI clock made of
/// realtime bytes (a [metro] at 140 BPM's pulse, as [midirealtimein] would give them) starts
/// the loop with `clock 250`, plays at its tempo, and stops it with `clock 252`.
#[test]
fn tap_tempo_and_a_midi_clock_in_pd() {
    let pd = PdDir::new("clock");
    let mut p = Patch::new();
    let g = p.obj("bandmate.groove @blocking 1 @tempo 90");
    let route = p.obj("route tempo status");
    let pt = p.obj("print tempo");
    let ps = p.obj("print status");
    p.connect(g, 1, route, 0);
    p.connect(route, 0, pt, 0);
    p.connect(route, 1, ps, 0);
    p.at(0.0, "seed 3, generate", g);
    for t in [100.0, 600.0, 1100.0] {
        p.at(t, "tap_tempo", g);
    }
    let metro = p.obj(&format!("metro {}", 60_000.0 / 140.0 / 24.0));
    let pulse = p.msg("clock 248");
    p.connect(metro, 0, pulse, 0);
    p.connect(pulse, 0, g, 0);
    p.at(2000.0, "1", metro);
    p.at(2500.0, "clock 250", g);
    p.at(4000.0, "dump", g);
    p.at(4500.0, "clock 252", g);
    p.at(4600.0, "dump", g);
    p.quit_at(5000.0);
    let lines = pd.run(&p);
    assert_clean(&lines);
    assert_eq!(printed(&lines, "tempo"), vec!["120", "120"], "{lines:?}");
    let status = printed(&lines, "status");
    let find = |what: &str| -> Vec<&str> {
        status
            .iter()
            .filter(|l| l.starts_with(what))
            .copied()
            .collect()
    };
    let tempos = find("tempo");
    let playing = find("playing");
    assert_eq!(tempos.len(), 2, "{status:?}");
    assert!((numbers(tempos[0])[0] - 140.0).abs() < 0.05, "{tempos:?}");
    assert_eq!(
        numbers(tempos[1])[0],
        120.0,
        "the tapped tempo is back: {tempos:?}"
    );
    assert_eq!(playing, vec!["playing 1", "playing 0"], "{status:?}");
}

/// In real Pd, `write loop1.mid` with no clip read goes beside the patch (a patch in a folder of
/// its own, Pd started elsewhere), as Pd's own file objects write; it was refused ("give a full
/// path") until a performer check wrote a loop from the help text.
#[test]
fn a_relative_write_goes_beside_the_patch_in_pd() {
    let pd = PdDir::new("write-home");
    let sub = pd.path("set");
    std::fs::create_dir_all(&sub).unwrap();
    let mut p = Patch::new();
    let g = p.obj("bandmate.groove @blocking 1");
    let route = p.obj("route wrote error");
    let pw = p.obj("print wrote");
    let pe = p.obj("print error");
    p.connect(g, 1, route, 0);
    p.connect(route, 0, pw, 0);
    p.connect(route, 1, pe, 0);
    p.at(0.0, "seed 3, generate", g);
    p.at(10.0, "write loop1.mid", g);
    p.quit_at(500.0);
    let file = sub.join("play.pd");
    std::fs::write(&file, p.text()).unwrap();
    let lines = pd.open(&[&file], true, &[]);
    assert_clean(&lines);
    assert!(printed(&lines, "error").is_empty(), "{lines:?}");
    assert_eq!(printed(&lines, "wrote").len(), 1, "{lines:?}");
    assert!(sub.join("loop1.mid").is_file(), "{lines:?}");
    assert!(!pd.path("loop1.mid").exists(), "not where Pd was started");
}
