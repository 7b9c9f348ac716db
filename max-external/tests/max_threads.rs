//! Max's threads for real: the mock host's `stress` runs a MAIN thread (UI messages, the main
//! queue, DSP rebuilds), a SCHEDULER thread (clocks in real time, MIDI-like messages, as with
//! Overdrive on or in Live) and an AUDIO thread (perform routines) at once, on every bandmate
//! object. The wrapper's sentinel says on the console when two threads are inside one object's
//! state at once; the mock's checks (outlets from the audio thread, freed memory, unwritten
//! samples, crashes) fail the run.

mod harness;
#[path = "../../pd-external/tests/harness/mod.rs"]
mod pd_harness;

use harness::MaxDir;

/// The line the mock prints after a stress: its figures.
fn stressed(out: &harness::Output) -> String {
    out.lines
        .iter()
        .find(|l| l.contains(" stressed "))
        .unwrap_or_else(|| panic!("no stress figures:\n{}", out.text()))
        .clone()
}

/// A count out of the stress line (`N what`).
fn figure(line: &str, what: &str) -> u64 {
    let words: Vec<&str> = line
        .split([' ', ',', ':'])
        .filter(|w| !w.is_empty())
        .collect();
    let i = words
        .iter()
        .position(|w| *w == what)
        .unwrap_or_else(|| panic!("no {what} in {line}"));
    words[i - 1].parse().unwrap()
}

/// Nothing torn, nothing fatal; every thread had work.
fn assert_untorn(out: &harness::Output, expected_errors: &[&str]) -> String {
    for e in out.errors() {
        assert!(
            !e.contains("two threads inside"),
            "torn state: {e}\n{}",
            out.text()
        );
    }
    out.assert_clean_except(expected_errors);
    let line = stressed(out);
    assert!(figure(&line, "main") > 100, "{line}");
    assert!(figure(&line, "scheduler") > 100, "{line}");
    assert!(figure(&line, "clocks") > 100, "{line}");
    eprintln!("{line}");
    line
}

#[test]
fn groove_under_main_scheduler_and_a_render() {
    let max = MaxDir::new("threads-groove");
    let script = "new g bandmate.groove @blocking 1\n\
                  buffer drums 2 10\n\
                  send g tempo 160\n\
                  send g swing 62\n\
                  send g drumify\n\
                  send g play\n\
                  stress_main g swing 60\n\
                  stress_main g seed 7\n\
                  stress_main g render drums\n\
                  stress_main g tempo 150\n\
                  stress_main g dump\n\
                  stress_main g drumify\n\
                  stress_sched g bang\n\
                  stress_sched g 100\n\
                  stress_sched g tempo 170\n\
                  stress 10000\n\
                  send g stop\n\
                  advance 10\n";
    let out = max.run(script);
    assert_untorn(&out, &[]);
    assert!(
        out.outs_of("g", 0).len() > 10,
        "notes played under stress:\n{}",
        out.text()
    );
    assert!(out.outs_of("g", 1).iter().any(|o| o.sel == "rendered"));
}

#[test]
fn looper_under_main_and_scheduler() {
    let max = MaxDir::new("threads-looper");
    pd_harness::copy_loops(&max.dir);
    let mut script = String::from("new o bandmate.looper @blocking 1\n");
    for m in pd_harness::LOOPER_SETUP {
        script.push_str(&format!("send o {m}\n"));
    }
    script.push_str(
        "buffer drums 2 10\n\
         send o play\n\
         stress_main o tempo 130\n\
         stress_main o seed 3\n\
         stress_main o hold 1\n\
         stress_main o hold 0\n\
         stress_main o tempo 110\n\
         stress_sched o note 36 100 10\n\
         stress_sched o tempo 120\n\
         stress 10000\n\
         send o stop\n\
         advance 10\n",
    );
    let out = max.run(&script);
    assert_untorn(&out, &[]);
    assert!(!out.outs_of("o", 0).is_empty(), "{}", out.text());
}

#[test]
fn frag_under_main_scheduler_audio_and_dsp_rebuilds() {
    let max = MaxDir::new("threads-frag");
    let sig: Vec<f32> = (0..24_000)
        .map(|i| (i as f32 * 0.05).sin() * 0.5)
        .flat_map(|v| [v, v])
        .collect();
    harness::write_f32(&max.path("loop.raw"), &sig);
    let script = "buffer loop 2 1\n\
                  buffer_read loop loop.raw\n\
                  dsp on 48000 64\n\
                  new f bandmate.frag~ 4\n\
                  send f array loop\n\
                  send f loop 1\n\
                  stress_main f rate 1 0.5\n\
                  stress_main f gain 1 0.8\n\
                  stress_main f array loop\n\
                  stress_main f loop 2\n\
                  stress_sched f trigger 1\n\
                  stress_sched f rate 1 1\n\
                  stress_sched f loop 1\n\
                  stress 10000\n\
                  advance 10\n";
    let out = max.run(script);
    let line = assert_untorn(&out, &[]);
    assert!(figure(&line, "vectors") > 1000, "{line}");
    assert!(figure(&line, "dsp") > 20, "{line}");
}

/// `render` queues work for Max's main thread; freeing the object before it ran must cancel
/// it (a `defer_low` cannot be cancelled: Max would call it on freed memory).
#[test]
fn free_right_after_render_cancels_the_render() {
    let max = MaxDir::new("threads-render-free");
    let out = max.run(
        "buffer drums 2 10\n\
         new g bandmate.groove @blocking 1\n\
         send g swing 62\n\
         send g drumify\n\
         send g render drums\n\
         free g\n\
         advance 10\n",
    );
    out.assert_clean();
    assert!(out.of_kind("freed").len() == 1, "{}", out.text());
    // The render still happens when the object lives.
    let out = max.run(
        "buffer drums 2 10\n\
         new g bandmate.groove @blocking 1\n\
         send g swing 62\n\
         send g drumify\n\
         send g render drums\n\
         send g render drums\n\
         advance 10\n",
    );
    out.assert_clean();
    assert_eq!(
        out.outs_of("g", 1)
            .iter()
            .filter(|o| o.sel == "rendered")
            .count(),
        2,
        "{}",
        out.text()
    );
}

/// The tripwire works and the stress above is a real one: with the sentinel widened to cover the
/// wait for the lock (a debug-build switch; the lock is still taken), the same kind of stress
/// reports that the main and scheduler threads wanted one object at the same moment. Without
/// the lock those moments would be torn state; with it, `assert_untorn` above sees none.
#[test]
fn the_stress_makes_main_and_scheduler_meet_at_the_lock() {
    let max = MaxDir::new("threads-meet");
    let script = "new g bandmate.groove @blocking 1\n\
                  send g tempo 160\n\
                  send g drumify\n\
                  send g play\n\
                  stress_main g swing 60\n\
                  stress_main g seed 7\n\
                  stress_main g drumify\n\
                  stress_sched g bang\n\
                  stress_sched g tempo 170\n\
                  stress 3000\n\
                  send g stop\n";
    let out = max.run_with(script, &[("BANDMATE_MAX_WIDE_SENTINEL", "1")]);
    let met = out
        .errors()
        .iter()
        .filter(|e| e.contains("two threads inside"))
        .count();
    assert!(met > 0, "no meeting at the lock:\n{}", out.text());
    eprintln!("{met} meetings at the lock in 3 s; {}", stressed(&out));
}
