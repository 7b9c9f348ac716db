//! `[bandmate.groove]` in the mock Max host: the Pd tests' scenarios again (the same notes at
//! the same times as real Pd, `buffer~` holding the same samples as Pd's arrays), Max's
//! transport, attributes, threads, and bad input. The mock host checks what Max checks (types,
//! threads, locks, lifetimes) and fails the run on any breach.

mod harness;
#[path = "../../pd-external/tests/harness/mod.rs"]
mod pd_harness;

use bandmate_core::Voice;
use harness::{deinterleave, read_f32, MaxDir};
use pd_harness::{Patch, PdDir};

/// Every note event (note-offs too) as (ms since `play`, note, velocity).
type Notes = Vec<(f64, u8, u8)>;

/// The note events of object `id` in a mock run, timed from `origin`.
fn max_notes(out: &harness::Output, id: &str, origin: f64) -> Notes {
    out.outs_of(id, 0)
        .into_iter()
        .map(|o| {
            assert_eq!(o.sel, "list", "notes are int lists: {}", o.atoms.join(" "));
            let v: Vec<u8> = o.atoms.iter().map(|a| a.parse().unwrap()).collect();
            assert_eq!(v.len(), 2);
            (o.time - origin, v[0], v[1])
        })
        .collect()
}

/// The same scenario in real Pd: `setup` at 0 ms, `play` at 100 ms with a [timer] started at
/// the same logical time, every note with its time since `play`.
fn pd_notes(setup: &str, quit: f64) -> Notes {
    let pd = PdDir::new("max-vs-pd");
    let lines = pd.run(&pd_harness::timing_patch(setup, None, quit));
    pd_harness::assert_clean(&lines);
    pd_harness::timed_notes(&lines)
}

#[test]
fn the_same_notes_at_the_same_times_as_in_pd() {
    // 100 BPM: 150 ms a step, 4800 ms a loop; two loops from `play` at 100 ms.
    let setup = ["seed 5", "tempo 100", "swing 62", "drumify"];
    let until = 100.0 + 2.0 * 4800.0 - 1.0;
    let pd = pd_notes(&setup.join(", "), until);

    let max = MaxDir::new("vs-pd");
    let mut script = String::from("new g bandmate.groove @blocking 1\n");
    for m in setup {
        script.push_str(&format!("send g {m}\n"));
    }
    script.push_str(&format!(
        "advance 100\nsend g play\nadvance {}\n",
        until - 100.0
    ));
    let out = max.run(&script);
    out.assert_clean();
    let got = max_notes(&out, "g", 100.0);

    assert!(got.iter().filter(|n| n.2 > 0).count() > 20, "{got:?}");
    assert_eq!(got.len(), pd.len(), "max {got:?}\npd {pd:?}");
    for (m, p) in got.iter().zip(&pd) {
        assert_eq!((m.1, m.2), (p.1, p.2), "max {m:?} pd {p:?}");
        // Pd prints times with 6 significant digits.
        assert!((m.0 - p.0).abs() < 0.05, "max {m:?} pd {p:?}");
    }
    // Microtiming is there: not every note-on sits on the 16th grid.
    assert!(got
        .iter()
        .filter(|n| n.2 > 0)
        .any(|n| (n.0 / 150.0 - (n.0 / 150.0).round()).abs() > 0.01));
}

#[test]
fn render_fills_buffers_with_the_same_samples_as_pds_arrays() {
    // Real Pd: the arrays, written to a WAV by [soundfiler].
    let pd = PdDir::new("max-render");
    let mut p = Patch::new();
    p.obj("array define drums-l");
    p.obj("array define drums-r");
    let g = p.obj("bandmate.groove @blocking 1");
    p.at(0.0, "seed 3, tempo 120, generate, render drums", g);
    let sf = p.obj("soundfiler");
    p.at(
        10.0,
        "write -wave -bytes 4 rendered.wav drums-l drums-r",
        sf,
    );
    p.quit_at(50.0);
    let lines = pd.run(&p);
    pd_harness::assert_clean(&lines);
    let arrays = bandmate_core::wav::read_wav(&pd.path("rendered.wav")).unwrap();
    assert_eq!(arrays.sample_rate, 48_000, "the harness runs Pd at 48 kHz");

    // The mock Max host: a stereo buffer~ (too small: it is resized), a mono one, a
    // 4-channel one; rendered from the scheduler thread (a metro in overdrive): the object
    // defers the buffer work to the main thread.
    let max = MaxDir::new("render");
    let out = max.run(
        "buffer drums 2 10 48000\n\
         buffer mono 1 10 48000\n\
         buffer quad 4 10 48000\n\
         new g bandmate.groove @blocking 1\n\
         send g seed 3\n\
         send g tempo 120\n\
         send g generate\n\
         sendsched g render drums\n\
         send g render mono\n\
         send g render quad\n\
         advance 10\n\
         buffer_info drums\n\
         buffer_write drums drums.raw\n\
         buffer_write mono mono.raw\n\
         buffer_write quad quad.raw\n",
    );
    out.assert_clean();
    let frames = arrays.channels[0].len();
    assert_eq!(frames, 4 * 48_000, "2 bars at 120 BPM");
    let info = out.of_kind("buffer");
    assert_eq!(
        info[0].rest,
        format!("drums 2 {frames} 48000 1"),
        "resized and dirty"
    );
    let rendered: Vec<String> = out
        .outs_of("g", 1)
        .into_iter()
        .filter(|o| o.sel == "rendered")
        .map(|o| o.atoms.join(" "))
        .collect();
    assert_eq!(
        rendered,
        ["drums", "mono", "quad"].map(|n| format!("{n} {frames} 48000"))
    );

    let stereo = deinterleave(&read_f32(&max.path("drums.raw")), 2);
    for (c, (max_ch, pd_ch)) in stereo.iter().zip(&arrays.channels).enumerate() {
        assert_eq!(max_ch.len(), frames);
        assert_eq!(max_ch, pd_ch, "channel {c}: Max buffer~ vs Pd array");
        assert!(max_ch.iter().any(|x| x.abs() > 0.01), "not silent");
    }
    let mono = read_f32(&max.path("mono.raw"));
    assert_eq!(mono.len(), frames);
    for (i, m) in mono.iter().enumerate() {
        let want = 0.5 * (arrays.channels[0][i] + arrays.channels[1][i]);
        assert!((m - want).abs() < 1e-7, "mono frame {i}");
    }
    let quad = deinterleave(&read_f32(&max.path("quad.raw")), 4);
    assert_eq!(quad[0], arrays.channels[0]);
    assert_eq!(quad[1], arrays.channels[1]);
    assert!(quad[2].iter().chain(&quad[3]).all(|&x| x == 0.0));

    // And both are the core's own render.
    let want = pd_harness::core_render(&["blocking 1", "seed 3", "tempo 120", "generate"], 48_000);
    assert_eq!(want[0], stereo[0]);
}

#[test]
fn follows_max_transport_and_its_own_tempo_otherwise() {
    let max = MaxDir::new("transport");
    // Transport at 90 BPM starts at 1000 ms; the object reads it every 10 ms.
    let out = max.run(
        "new g bandmate.groove @blocking 1 @tempo 140\n\
         send g seed 2\n\
         send g generate\n\
         transport tempo 90\n\
         advance 1000\n\
         transport start\n\
         advance 5000\n\
         getattr g tempo\n\
         transport stop\n\
         advance 1000\n\
         send g dump\n\
         send g sync 0\n\
         transport start\n\
         advance 500\n\
         send g dump\n",
    );
    out.assert_clean();
    // The loop the object reported, as note times from the transport's start at 90 BPM.
    let step = 60_000.0 / 90.0 / 4.0;
    let mut vel = std::collections::HashMap::new();
    let mut off = std::collections::HashMap::new();
    for o in out.outs_of("g", 1) {
        let nums = o.numbers();
        match o.sel.as_str() {
            "loop" => vel.insert(o.atoms[0].clone(), nums),
            "offset" => off.insert(o.atoms[0].clone(), nums),
            _ => None,
        };
    }
    let mut want = Vec::new();
    for v in Voice::ALL {
        let (vs, os) = (&vel[v.name()], &off[v.name()]);
        for s in 0..32 {
            if vs[s] > 0.0 {
                let pos = (s as f64 + os[s]).rem_euclid(32.0);
                want.push((1000.0 + pos * step, v.gm_note()));
                // a downbeat drawn early also sounds when the transport starts
                if pos > 31.5 {
                    want.push((1000.0, v.gm_note()));
                }
            }
        }
    }
    want.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    // The transport stops at 6000 ms, before the loop's end.
    want.retain(|w| w.0 < 6000.0);
    let mut got: Vec<(f64, u8)> = max_notes(&out, "g", 0.0)
        .into_iter()
        .filter(|n| n.2 > 0)
        .map(|n| (n.0, n.1))
        .collect();
    got.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    assert!(!want.is_empty());
    assert_eq!(got.len(), want.len(), "got {got:?}\nwant {want:?}");
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g.1, w.1);
        // At the transport's tempo, in place; a note due before the object first looked
        // (within one 10 ms read) goes out at that look.
        assert!(
            g.0 >= w.0 - 1e-6 && g.0 - w.0 < 10.0 + 1e-6,
            "{g:?} vs {w:?}"
        );
    }
    // The attribute is the object's own tempo; when the transport stops, the notes stop and
    // that tempo is back; with @sync 0 the transport is ignored.
    let attr = out.of_kind("attr");
    assert_eq!(attr[0].rest, "g tempo 140");
    let dumps: Vec<String> = out
        .outs_of("g", 1)
        .into_iter()
        .filter(|o| o.sel == "status" && ["tempo", "playing"].contains(&o.atoms[0].as_str()))
        .map(|o| o.atoms.join(" "))
        .collect();
    assert_eq!(dumps, ["tempo 140", "playing 0", "tempo 140", "playing 0"]);
    let last_on = max_notes(&out, "g", 0.0)
        .into_iter()
        .filter(|n| n.2 > 0)
        .map(|n| n.0)
        .fold(0.0, f64::max);
    assert!(
        last_on < 6000.0,
        "a note after the transport stopped: {last_on}"
    );
}

#[test]
fn attributes_are_max_attributes() {
    let max = MaxDir::new("attrs");
    let out = max.run(
        "new g bandmate.groove @tempo 96 @gate 80\n\
         getattr g tempo\n\
         getattr g gate\n\
         getattr g sync\n\
         send g tempo 101.5\n\
         getattr g tempo\n\
         send g tempo 9000\n\
         getattr g tempo\n\
         send g temperature 0.5\n\
         getattr g temperature\n",
    );
    out.assert_clean_except(&["tempo"]);
    let attrs: Vec<String> = out.of_kind("attr").into_iter().map(|e| e.rest).collect();
    assert_eq!(
        attrs,
        [
            "g tempo 96",
            "g gate 80",
            "g sync 1",
            "g tempo 101.5",
            "g tempo 101.5",
            "g temperature 0.5"
        ]
    );
    let errors = out.errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("bandmate.groove: tempo"), "{errors:?}");
}

#[test]
fn bad_input_is_reported_and_the_object_keeps_working() {
    let max = MaxDir::new("bad");
    std::fs::create_dir_all(max.path("broken")).unwrap();
    std::fs::write(max.path("broken/model.json"), "{ not json").unwrap();
    let out = max.run(
        "new g bandmate.groove @blocking 1\n\
         new h bandmate.groove 5\n\
         new k bandmate.groove @tempo fast\n\
         send g tempo fast\n\
         send g frobnicate 1\n\
         send g 1 2 3\n\
         send g score kick 1 0 1\n\
         send g swing 99\n\
         send g load broken\n\
         send g load no/such/folder\n\
         send g render nobuf\n\
         advance 10\n\
         send g rules\n\
         buffer drums 2 100\n\
         send g seed 1\n\
         send g generate\n\
         send g render nobuf\n\
         send g render drums\n\
         advance 10\n\
         buffer_rename drums other\n\
         send g render drums\n\
         advance 10\n\
         send g render other\n\
         advance 10\n\
         buffer_delete other\n\
         send g render other\n\
         advance 10\n\
         send g play\n\
         advance 500\n",
    );
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(out.fatal().is_none(), "{}", out.text());
    let text = out.text();
    assert!(text.contains("refused h"), "{text}");
    assert!(
        text.contains("created k"),
        "@tempo fast is an error, not a refusal: {text}"
    );
    let errors = out.errors();
    for needle in [
        "bandmate.groove: tempo: bpm must be a number, got 'fast'",
        "unknown message 'frobnicate'",
        "a list (1 2 3) is not a message",
        "score",
        "swing",
        "broken",
        "no/such/folder",
        "render: there is no loop yet",
        "render: no buffer~ named 'nobuf'",
        "render: no buffer~ named 'drums'",
        "render: no buffer~ named 'other'",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(needle)),
            "no error about {needle}: {errors:?}"
        );
    }
    // Every error names the object; the good messages after them all worked.
    assert!(
        errors.iter().all(|e| e.contains("bandmate.groove")),
        "{errors:?}"
    );
    let rendered: Vec<String> = out
        .outs_of("g", 1)
        .into_iter()
        .filter(|o| o.sel == "rendered")
        .map(|o| o.atoms[0].clone())
        .collect();
    assert_eq!(
        rendered,
        ["drums", "other"],
        "renamed buffer~ found by its new name"
    );
    assert!(
        max_notes(&out, "g", 0.0).iter().any(|n| n.2 > 0),
        "still plays"
    );
}

#[test]
fn a_forced_internal_error_becomes_a_console_error() {
    let max = MaxDir::new("panic");
    let out = max.run_with(
        "new g bandmate.groove @blocking 1\n\
         send g _panic\n\
         send g _panic worker\n\
         advance 200\n\
         send g rules\n\
         send g generate\n\
         advance 200\n\
         send g play\n\
         advance 500\n",
        &[("BANDMATE_TEST_HOOKS", "1")],
    );
    assert_eq!(out.code, 0, "{}", out.text());
    let errors = out.errors();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("internal error") && e.contains("carries on")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .filter(|e| e.contains("internal error"))
            .count()
            >= 2,
        "the worker's panic is reported too: {errors:?}"
    );
    assert!(max_notes(&out, "g", 0.0).iter().any(|n| n.2 > 0));
}

#[test]
fn taps_from_bangs_ints_and_floats() {
    let max = MaxDir::new("taps");
    let out = max.run(
        "new g bandmate.groove @blocking 1 @tempo 120\n\
         send g bang\n\
         advance 250\n\
         send g 90\n\
         advance 250\n\
         send g 0\n\
         send g 64.5\n\
         advance 10\n\
         send g drumify\n",
    );
    out.assert_clean();
    let ready: Vec<String> = out
        .outs_of("g", 1)
        .into_iter()
        .filter(|o| o.sel == "ready")
        .map(|o| o.atoms[0].clone())
        .collect();
    assert_eq!(ready, ["drumify"], "three taps made a groove to drumify");
}

/// Live replays every stored control as a set loads: the device's Keep toggles send
/// `keep DRUM 1` before there is a loop. That waits quietly and keeps the first loop's drum.
#[test]
fn a_keep_replayed_before_any_loop_waits_for_the_first_one() {
    let max = MaxDir::new("keep-replayed");
    let out = max.run(
        "new g bandmate.groove @blocking 1\n\
         send g keep kick 1\n\
         send g keep snare 1\n\
         send g keep snare 0\n\
         send g generate\n\
         advance 10\n",
    );
    out.assert_clean_except(&[]);
}
