//! Tests of the mock Max host itself, with a tiny C external (`tests/mockmax/testext.c`):
//! that it delivers messages, clocks, qelems and signal vectors at the right logical times,
//! and that each check fails when the rule it guards is broken.

mod harness;

use harness::{read_f32, write_f32, MaxDir};

fn test_dir(tag: &str) -> MaxDir {
    let d = MaxDir::empty(tag);
    d.compile_external("testext.c", "mock.test");
    d
}

#[test]
fn messages_clocks_and_queues_arrive_in_time() {
    let d = test_dir("basic");
    let out = d.run(
        "new t mock.test\n\
         send t 21\n\
         send t 2.7          # no float method: Max truncates to the int method\n\
         send t bang         # the clock fires 10 ms later\n\
         advance 4\n\
         send t qset\n\
         send t qset         # set twice, runs once\n\
         send t defer\n\
         send t threads\n\
         sendsched t threads\n\
         advance 20\n\
         send t post\n",
    );
    out.assert_clean();
    let assist: Vec<String> = out.of_kind("assist").into_iter().map(|e| e.rest).collect();
    assert_eq!(
        assist,
        [
            "t in 0 inlet 0 of mock.test",
            "t out 0 outlet 0 of mock.test",
            "t out 1 outlet 1 of mock.test"
        ]
    );
    let msgs: Vec<(f64, String, Vec<String>)> = out
        .outs_of("t", 1)
        .into_iter()
        .map(|o| (o.time, o.sel, o.atoms))
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        msgs,
        vec![
            (0.0, "int".into(), s(&["42"])),
            (0.0, "int".into(), s(&["4"])),
            (4.0, "list".into(), s(&["1", "0", "0"])),
            (4.0, "list".into(), s(&["0", "1", "1"])),
            (4.0, "q".into(), s(&[])),
            (4.0, "later".into(), s(&["7"])),
            (10.0, "bang".into(), s(&[])),
        ],
        "{}",
        out.text()
    );
    assert_eq!(out.posts(), ["hello 3"]);
    assert_eq!(out.lines.last().unwrap(), "@24.000000 end");
}

#[test]
fn attributes_refusal_and_unknown_objects() {
    let d = test_dir("attr");
    let out = d.run(
        "new t mock.test @gain 0.5\n\
         getattr t gain\n\
         send t gain 0.25\n\
         getattr t gain\n\
         new r mock.test refuse\n\
         new u no.such.object\n",
    );
    assert_eq!(out.code, 0, "{}", out.text());
    let attrs: Vec<String> = out.of_kind("attr").into_iter().map(|e| e.rest).collect();
    assert_eq!(attrs, ["t gain 0.5", "t gain 0.25"]);
    let refused: Vec<String> = out.of_kind("refused").into_iter().map(|e| e.rest).collect();
    assert_eq!(refused, ["r", "u"]);
    assert!(out
        .console()
        .iter()
        .any(|c| c.contains("no.such.object: No such object")));
}

#[test]
fn signal_vectors_are_recorded_at_their_times() {
    let d = test_dir("dsp");
    let out = d.run(
        "new t mock.test @gain 0.5\n\
         dsp on 48000 64\n\
         record t\n\
         send t bang\n\
         advance 10          # vectors start at 0, 1.33, ..., 9.33: 8 of them; then the clock at 10\n\
         send t gain 0.25\n\
         advance 1.4\n\
         sigdump t sig.raw\n",
    );
    out.assert_clean();
    let sig = read_f32(&d.path("sig.raw"));
    assert_eq!(sig.len(), 9 * 64, "{}", out.text());
    assert!(sig[..8 * 64].iter().all(|&v| v == 0.5));
    assert!(sig[8 * 64..].iter().all(|&v| v == 0.25));
    assert_eq!(out.outs_of("t", 1)[0].time, 10.0);
}

#[test]
fn buffers_notify_their_holders() {
    let d = test_dir("buffer");
    write_f32(&d.path("in.raw"), &[1.0, 2.0, 3.0, 4.5]);
    let out = d.run(
        "new t mock.test\n\
         buffer b 2 10 44100\n\
         send t set b\n\
         buffer_read b in.raw\n\
         advance 1\n\
         send t sum\n\
         send t resize 100\n\
         buffer_info b\n\
         buffer_rename b c\n\
         send t sum\n\
         buffer b 1 3\n\
         buffer_delete b\n\
         buffer_write c out.raw\n",
    );
    out.assert_clean();
    let sels: Vec<String> = out
        .outs_of("t", 1)
        .into_iter()
        .map(|o| [o.sel, o.atoms.join(" ")].join(" ").trim().to_string())
        .collect();
    assert_eq!(
        sels,
        [
            "buffer_modified",
            "float 10.5",
            "globalsymbol_unbinding",
            "nobuffer",
            "globalsymbol_binding",
            "globalsymbol_unbinding"
        ],
        "{}",
        out.text()
    );
    let info: Vec<String> = out.of_kind("buffer").into_iter().map(|e| e.rest).collect();
    assert_eq!(info, ["b 2 100 44100 0"]);
    assert_eq!(read_f32(&d.path("out.raw")), vec![0.0; 200]);
}

#[test]
fn the_transport_runs_with_time_and_the_patcher_folder_is_known() {
    let d = test_dir("itm");
    let out = d.run(
        "new t mock.test\n\
         send t itm\n\
         transport tempo 90\n\
         transport start\n\
         advance 1000\n\
         send t itm          # 1.5 beats at 90 bpm\n\
         transport tempo 120\n\
         advance 500\n\
         transport stop\n\
         advance 500\n\
         send t itm          # + 1 beat at 120, then stopped\n\
         transport locate 100\n\
         send t itm\n\
         send t where\n",
    );
    out.assert_clean();
    let itm: Vec<Vec<f64>> = out
        .outs_of("t", 1)
        .iter()
        .filter(|o| o.sel == "list")
        .map(|o| o.numbers())
        .collect();
    assert_eq!(
        itm,
        [
            vec![0.0, 120.0, 0.0],
            vec![720.0, 90.0, 1.0],
            vec![1200.0, 120.0, 0.0],
            vec![100.0, 120.0, 0.0]
        ]
    );
    let here = d.dir.join("f.wav").display().to_string();
    assert_eq!(out.outs_of("t", 1).last().unwrap().atoms, [here]);
}

#[test]
fn expect_fatal_turns_the_next_fatal_into_success() {
    let d = test_dir("expect");
    let out = d.run("new t mock.test\nexpect_fatal\nsend t badsym\n");
    assert_eq!(out.code, 0, "{}", out.text());
    assert!(out
        .lines
        .last()
        .unwrap()
        .contains("fatal-as-expected outlet_anything with a selector gensym did not make"));
    let out = d.run("new t mock.test\nexpect_fatal\n");
    out.assert_fatal("nothing was fatal");
}

/// Each deliberate violation ends the run with exit 3 and says what went wrong.
#[test]
fn each_check_fails_when_its_rule_is_broken() {
    let d = test_dir("violations");
    let cases: &[(&str, &str)] = &[
        ("send t leak\nfree t", "mock.test.free leaked a clock"),
        ("send t leak", "leaked a clock"), // also when the script ends
        ("send t badsym", "selector gensym did not make"),
        ("send t badsig", "on signal outlet 0"),
        (
            "send t audio_out\ndsp on 48000 64\nadvance 1",
            "outlet_bang in the audio thread",
        ),
        (
            "send t lazy\ndsp on 48000 64\nadvance 1",
            "perform left sample 0 of signal outlet 0 unwritten",
        ),
        (
            "buffer b 1 10\nsend t set b\nsend t nolock",
            "returned with buffer~ b still locked",
        ),
        (
            "buffer b 1 10\nsend t set b\nsend t overrun",
            "wrote past the end of buffer~ b",
        ),
        (
            "buffer b 1 10\nsend t set b\nsend t skipnotify\nbuffer_delete b",
            "did not pass \"globalsymbol_unbinding\"",
        ),
        (
            "buffer b 1 10\nsend t set b\nsendsched t resize 5",
            "resized in the scheduler thread",
        ),
        (
            "buffer b 1 10\nsend t set b\nsend t resizenull 5",
            "with a NULL result atom",
        ),
        ("send t crash", "crash in mock.test.crash (SIGSEGV)"),
    ];
    for (script, needle) in cases {
        let out = d.run(&format!("new t mock.test\n{script}\n"));
        out.assert_fatal(needle);
    }
    for (mode, needle) in [
        ("none", "ext_main did not register mock.test"),
        ("twice", "class mock.test registered twice"),
        (
            "late",
            "class_addmethod on class mock.test after class_register",
        ),
    ] {
        let out = d.run_with("new t mock.test\n", &[("MOCK_TEST_EXT_MAIN", mode)]);
        out.assert_fatal(needle);
    }
}
