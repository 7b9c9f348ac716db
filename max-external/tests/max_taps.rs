//! `[bandmate.taps~]` in the mock Max host: knocks fed to its signal inlet reach the engine
//! through `perform64`'s inputs and leave as `tap VELOCITY AGO` out of the left outlet, each
//! dated to its knock; bad input is refused and the object keeps listening.

mod harness;

use harness::{write_f32, MaxDir};

const SR: f64 = 48_000.0;

/// Decaying noise bursts (knocks) at these samples, peaking at `level`, over faint noise.
fn knocks(at: &[usize], len: usize, level: f32) -> Vec<f32> {
    let mut seed = 0x2545_f491_u32;
    let mut noise = || {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        seed as f32 / u32::MAX as f32 * 2.0 - 1.0
    };
    let mut x: Vec<f32> = (0..len).map(|_| 0.002 * noise()).collect();
    for &a in at {
        for i in 0..2_000 {
            x[a + i] += level * (-(i as f32) / 300.0).exp() * noise();
        }
    }
    x
}

#[test]
fn knocks_on_the_signal_inlet_leave_as_taps_dated_to_the_knock() {
    let max = MaxDir::new("taps");
    let at = [12_000usize, 30_000, 41_000, 60_000, 79_000];
    write_f32(&max.path("knocks.raw"), &knocks(&at, 96_000, 0.5));
    let out = max.run(
        "new t bandmate.taps~\n\
         play t 0 knocks.raw\n\
         send t threshold 0\n\
         send t gap fast\n\
         dsp on 48000 64\n\
         advance 2000\n",
    );
    out.assert_clean_except(&["threshold", "gap"]);
    let errors = out.errors();
    assert!(
        errors.iter().any(|e| e.contains("ratio 0 is out of range")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|e| e.contains("must be a number")),
        "{errors:?}"
    );
    let taps = out.outs_of("t", 0);
    assert_eq!(taps.len(), at.len(), "{}", out.text());
    for (tap, &a) in taps.iter().zip(&at) {
        assert_eq!(tap.sel, "tap");
        let v = tap.numbers();
        assert!((1.0..=127.0).contains(&v[0]), "{tap:?}");
        // The knock's time: its sample; the tap's: when it left minus its AGO.
        let knock = a as f64 * 1000.0 / SR;
        let said = tap.time - v[1];
        assert!((said - knock).abs() <= 1.5, "{said} vs {knock}: {tap:?}");
        assert!(tap.time - knock <= 25.0, "{tap:?}");
    }
}
