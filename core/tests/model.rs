//! The shipped groove model through the real ONNX Runtime (the library `scripts/setup` fetches
//! from PyPI): outputs against PyTorch's, the four tasks, and every way loading can fail.

mod common;

use std::path::{Path, PathBuf};

use bandmate_core::groove::{Drummer, Request, Task, STEPS};
use bandmate_core::model::{Graph, GrooveModel};
use bandmate_core::{ErrorKind, Groove, Voice, VOICES};
use common::TempDir;
use serde_json::Value;

fn shipped() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/groove")
}

fn model() -> GrooveModel {
    GrooveModel::load(&shipped()).unwrap_or_else(|e| panic!("loading the shipped model: {e}"))
}

fn tensor(v: &Value) -> (Vec<usize>, Vec<f32>) {
    let shape = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize)
        .collect();
    let data = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32)
        .collect();
    (shape, data)
}

#[test]
fn shipped_model_matches_the_pytorch_outputs_recorded_at_export() {
    let mut m = model();
    let text = std::fs::read_to_string(shipped().join("reference.json")).unwrap();
    let reference: Value = serde_json::from_str(&text).unwrap();
    for (graph, key) in [(Graph::Encoder, "encoder"), (Graph::Decoder, "decoder")] {
        type Named = (String, (Vec<usize>, Vec<f32>));
        let ins: Vec<Named> = reference[key]["inputs"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), tensor(v)))
            .collect();
        let feed: Vec<(&str, Vec<usize>, &[f32])> = ins
            .iter()
            .map(|(k, (s, d))| (k.as_str(), s.clone(), &d[..]))
            .collect();
        let outs = m.run_raw(graph, &feed).unwrap();
        let want = reference[key]["outputs"].as_object().unwrap();
        assert_eq!(outs.len(), want.len(), "{key}: output count");
        for (name, shape, got) in outs {
            let (wshape, wdata) = tensor(&want[&name]);
            assert_eq!(shape, wshape, "{key} {name} shape");
            let worst = got
                .iter()
                .zip(&wdata)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst <= 1e-4, "{key} {name}: max |diff| {worst} > 1e-4");
        }
    }
}

fn funk_score() -> bandmate_core::Score {
    bandmate_core::patfile::preset("funk").unwrap().0.score()
}

#[test]
fn humanize_plays_the_score_with_feel_and_different_seeds_differ() {
    let mut m = model();
    let score = funk_score();
    let mut req = Request::humanize(&score).unwrap();
    assert_eq!(req.task(), Task::Humanize);
    req.set_seed(1);
    let a = m.generate(&req).unwrap();
    let again = m.generate(&req).unwrap();
    assert_eq!(a, again, "same seed, same loop");
    req.set_seed(2);
    let b = m.generate(&req).unwrap();
    assert_eq!(a.task, Task::Humanize);
    // strict (the default): exactly the score's hits
    assert_eq!(a.pattern.score(), score);
    assert_eq!(b.pattern.score(), score);
    // the model's own hit decisions agree with the score almost everywhere
    let agree = (0..STEPS * VOICES)
        .filter(|&i| {
            let v = Voice::from_index(i % VOICES).unwrap();
            (a.hit_probabilities[i] >= 0.5) == score.get(i / VOICES, v)
        })
        .count();
    assert!(agree >= STEPS * VOICES - 4, "only {agree} cells agree");
    // feel: not on the grid, and a different feel for a different seed
    let offs: Vec<f32> = a.pattern.hits().map(|h| h.2.offset).collect();
    assert!(offs.iter().any(|o| o.abs() > 0.01), "{offs:?}");
    assert_ne!(a.pattern, b.pattern);
    let vels: Vec<f32> = a.pattern.hits().map(|h| h.2.velocity).collect();
    let spread =
        vels.iter().cloned().fold(0.0f32, f32::max) - vels.iter().cloned().fold(1.0f32, f32::min);
    assert!(spread > 0.1, "velocities barely vary: {vels:?}");
}

#[test]
fn the_timing_spread_is_the_models_own_and_follows_the_temperature() {
    let mut m = model();
    let score = funk_score();
    // per hit, the spread of its timing over 12 humanizations
    let mut spread = |t: f32| {
        let mut req = Request::humanize(&score).unwrap();
        req.set_temperature(t).unwrap();
        let runs: Vec<Vec<f32>> = (0..12)
            .map(|seed| {
                req.set_seed(seed);
                m.generate(&req).unwrap().offsets
            })
            .collect();
        let cells: Vec<usize> = (0..STEPS * VOICES)
            .filter(|&i| score.get(i / VOICES, Voice::from_index(i % VOICES).unwrap()))
            .collect();
        let sds: Vec<f32> = cells
            .iter()
            .map(|&i| {
                let xs: Vec<f32> = runs.iter().map(|r| r[i]).collect();
                let mean = xs.iter().sum::<f32>() / xs.len() as f32;
                (xs.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / xs.len() as f32).sqrt()
            })
            .collect();
        sds.iter().sum::<f32>() / sds.len() as f32
    };
    let (cold, warm, hot) = (spread(0.0), spread(0.5), spread(1.0));
    assert!(
        cold < 1e-6,
        "temperature 0: the most likely timing, every time ({cold})"
    );
    assert!(
        warm > 0.02 && hot > 1.6 * warm,
        "spread at 0.5: {warm}, at 1: {hot}"
    );
    // a drummer's looseness, not noise: a tenth of a step or so, as the GMD's drummers play
    assert!((0.05..0.25).contains(&hot), "spread at 1: {hot} of a step");
}

#[test]
fn drumify_follows_the_tapped_rhythm_and_the_swing() {
    let mut m = model();
    // a tap on every 8th, the off-beat 16ths empty; the "and"s late by 0.1 of a step
    let mut taps = vec![None; STEPS];
    for (s, t) in taps.iter_mut().enumerate() {
        if s % 2 == 0 {
            let off = if s % 4 == 2 { 0.1 } else { 0.0 };
            *t = Some(bandmate_core::Hit::new(if s % 4 == 0 { 0.9 } else { 0.6 }, off).unwrap());
        }
    }
    let mut req = Request::drumify(Groove::from_steps(taps).unwrap()).unwrap();
    assert_eq!(req.task(), Task::Drumify);
    // the swung 8ths' mean timing over a few loops: each hit's own timing is drawn, so one
    // loop's 8ths scatter around the swing
    let mut swung = |req: &mut Request| {
        let late: Vec<f32> = (0..16)
            .flat_map(|seed| {
                req.set_seed(seed);
                let g = m.generate(req).unwrap();
                g.pattern
                    .hits()
                    .filter(|h| h.0 % 4 == 2)
                    .map(|h| h.2.offset)
                    .collect::<Vec<_>>()
            })
            .collect();
        late.iter().sum::<f32>() / late.len().max(1) as f32
    };
    let loose = swung(&mut req);
    req.set_temperature(0.0).unwrap();
    let tight = swung(&mut req);
    eprintln!("swung 8ths: {loose} at temperature 1, {tight} at 0");
    assert!((loose - 0.1).abs() < 0.03, "swung 8ths at {loose}");
    // At temperature 0 the drums the prior's most likely kind of loop gives follow less of
    // the swing (0.048 of the asked 0.1; 0.083 without the joint prior): kicks on the "and"s,
    // played ahead of the tap. Known, in the model card; this keeps it from getting worse.
    assert!(
        (0.04..0.13).contains(&tight),
        "swung 8ths at {tight} at temperature 0"
    );
    req.set_temperature(1.0).unwrap();
    req.set_seed(0);
    let g = m.generate(&req).unwrap();
    assert!(g.pattern.hit_count() > 8, "{}", g.pattern.hit_count());
    let on_taps = g.pattern.hits().filter(|h| h.0 % 2 == 0).count();
    assert!(
        on_taps as f32 >= 0.9 * g.pattern.hit_count() as f32,
        "{on_taps} of {} hits on tapped steps",
        g.pattern.hit_count()
    );
    // the model's reading of the groove: taps where we tapped
    let read = g.reading.groove_view();
    let agree = (0..STEPS)
        .filter(|&s| read.get(s).is_some() == (s % 2 == 0))
        .count();
    assert!(agree >= 28, "reading agrees on {agree} of 32 steps");
}

#[test]
fn generate_vary_and_partial_scores() {
    let mut m = model();
    let mut req = Request::new();
    req.set_seed(3);
    let g = m.generate(&req).unwrap();
    assert_eq!(g.task, Task::Generate);
    assert!(g.pattern.hit_count() > 4, "an almost empty loop");
    // vary: a small step changes little, a large one more; amount 0 is the same loop
    let same = m.vary(&g, 0.0, 9).unwrap();
    assert_eq!(same.pattern, g.pattern);
    assert_eq!(same.task, Task::Vary);
    let dist = |a: &bandmate_core::Pattern, b: &bandmate_core::Pattern| {
        let mut d = 0.0;
        for s in 0..STEPS {
            for v in Voice::ALL {
                match (a.get(s, v), b.get(s, v)) {
                    (Some(x), Some(y)) => d += (x.offset - y.offset).abs(),
                    (None, None) => {}
                    _ => d += 1.0,
                }
            }
        }
        d
    };
    let (mut small, mut large) = (0.0, 0.0);
    for seed in 0..8 {
        small += dist(&g.pattern, &m.vary(&g, 0.1, seed).unwrap().pattern);
        large += dist(&g.pattern, &m.vary(&g, 1.5, seed).unwrap().pattern);
    }
    assert!(small < large, "vary 0.1 moved {small}, 1.5 moved {large}");
    assert!(large > 0.0);
    // kick and snare fixed, no crash at all, the rest the model's
    let mut req = Request::new();
    let row = |steps: &[usize]| {
        let mut r = vec![0.0; STEPS];
        for &s in steps {
            r[s] = 1.0;
        }
        r
    };
    req.set_score_row("kick", &row(&[0, 6, 16, 22])).unwrap();
    req.set_score_row("snare", &row(&[4, 12, 20, 28])).unwrap();
    req.set_score_row("crash", &row(&[])).unwrap();
    assert_eq!(req.task(), Task::Mixed);
    for seed in 0..5 {
        req.set_seed(seed);
        let g = m.generate(&req).unwrap();
        let kicks: Vec<usize> = g
            .pattern
            .hits()
            .filter(|h| h.1 == Voice::Kick)
            .map(|h| h.0)
            .collect();
        assert_eq!(kicks, vec![0, 6, 16, 22]);
        assert!(g.pattern.hits().all(|h| h.1 != Voice::Crash));
        assert!(g
            .pattern
            .hits()
            .any(|h| !matches!(h.1, Voice::Kick | Voice::Snare)));
    }
    // temperature 0: the same loop whatever the seed
    req.set_temperature(0.0).unwrap();
    req.set_seed(1);
    let a = m.generate(&req).unwrap();
    req.set_seed(2);
    assert_eq!(a.pattern, m.generate(&req).unwrap().pattern);
}

fn copy_model(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for f in ["model.json", "encoder.onnx", "decoder.onnx", "prior.json"] {
        std::fs::copy(shipped().join(f), to.join(f)).unwrap();
    }
}

fn load_err(dir: &Path) -> String {
    match GrooveModel::load(dir) {
        Ok(_) => panic!("{} loaded", dir.display()),
        Err(e) => {
            assert!(
                matches!(e.kind, ErrorKind::Model(_) | ErrorKind::Io(_)),
                "{e:?}"
            );
            e.to_string()
        }
    }
}

#[test]
fn missing_corrupt_or_mismatched_models_are_clear_errors() {
    let tmp = TempDir::new("model-errors");
    let e = load_err(&tmp.path("nope"));
    assert!(e.contains("no such model folder"), "{e}");

    let dir = tmp.path("m");
    copy_model(&dir);
    GrooveModel::load(&dir).unwrap();

    std::fs::write(dir.join("encoder.onnx"), b"this is not a protobuf").unwrap();
    let e = load_err(&dir);
    assert!(
        e.contains("encoder.onnx") && e.contains("not a loadable ONNX graph"),
        "{e}"
    );

    // the two graphs swapped: the encoder file has the decoder's inputs
    std::fs::copy(shipped().join("decoder.onnx"), dir.join("encoder.onnx")).unwrap();
    let e = load_err(&dir);
    // (the decoder has a `score` too: what it lacks is the encoder's performance inputs)
    assert!(
        e.contains("encoder.onnx")
            && (e.contains("expected input `score`") || e.contains("expected input `velocities`"))
            || e.contains("expected 3"),
        "{e}"
    );
    assert!(e.contains("z"), "names what the graph has: {e}");

    copy_model(&dir);
    std::fs::remove_file(dir.join("decoder.onnx")).unwrap();
    let e = load_err(&dir);
    assert!(e.contains("decoder.onnx") && e.contains("missing"), "{e}");

    copy_model(&dir);
    let meta = std::fs::read_to_string(dir.join("model.json")).unwrap();
    std::fs::write(dir.join("model.json"), &meta[..meta.len() / 2]).unwrap();
    let e = load_err(&dir);
    assert!(
        e.contains("model.json") && e.contains("not valid JSON"),
        "{e}"
    );

    let mut j: Value = serde_json::from_str(&meta).unwrap();
    j["z_dims"] = Value::from(12);
    std::fs::write(dir.join("model.json"), j.to_string()).unwrap();
    let e = load_err(&dir);
    assert!(e.contains("z_dims 12"), "{e}");

    // the prior: a plain file of the folder, checked like the rest
    let mut j: Value = serde_json::from_str(&meta).unwrap();
    assert_eq!(j["prior"], "prior.json", "the shipped model has its prior");
    j["prior"] = Value::from("../prior.json");
    std::fs::write(dir.join("model.json"), j.to_string()).unwrap();
    let e = load_err(&dir);
    assert!(e.contains("must be a file name in the model folder"), "{e}");
    std::fs::write(dir.join("model.json"), &meta).unwrap();
    let prior = std::fs::read_to_string(dir.join("prior.json")).unwrap();
    std::fs::write(dir.join("prior.json"), &prior[..prior.len() / 3]).unwrap();
    let e = load_err(&dir);
    assert!(
        e.contains("prior.json") && e.contains("not valid JSON"),
        "{e}"
    );
    std::fs::remove_file(dir.join("prior.json")).unwrap();
    let e = load_err(&dir);
    assert!(e.contains("prior.json"), "{e}");
    let mut p: Value = serde_json::from_str(&prior).unwrap();
    p["stds"][0][3] = Value::from(-1.0);
    std::fs::write(dir.join("prior.json"), p.to_string()).unwrap();
    let e = load_err(&dir);
    assert!(
        e.contains("prior.json") && e.contains("standard deviation"),
        "{e}"
    );
    std::fs::write(dir.join("prior.json"), &prior).unwrap();
    GrooveModel::load(&dir).unwrap();

    // version 4 needs the performance latent in its layout (and version 3 has none)
    let mut j: Value = serde_json::from_str(&meta).unwrap();
    let latents = j["latents"].as_array_mut().unwrap();
    assert_eq!(latents.last().unwrap()["name"], "performance");
    let perf = latents.pop().unwrap();
    j["z_dims"] = perf["offset"].clone();
    std::fs::write(dir.join("model.json"), j.to_string()).unwrap();
    let e = load_err(&dir);
    assert!(
        e.contains("performance") && e.contains("expected latents"),
        "{e}"
    );
    let mut j: Value = serde_json::from_str(&meta).unwrap();
    j["version"] = Value::from(3);
    std::fs::write(dir.join("model.json"), j.to_string()).unwrap();
    let e = load_err(&dir);
    assert!(
        e.contains("expected latents") && e.contains("performance"),
        "{e}"
    );

    // a model from before velocity_scale: told how to rebuild it
    let mut j: Value = serde_json::from_str(&meta).unwrap();
    j["version"] = Value::from(2);
    std::fs::write(dir.join("model.json"), j.to_string()).unwrap();
    let e = load_err(&dir);
    assert!(e.contains("scripts/train-groove"), "{e}");

    let mut j: Value = serde_json::from_str(&meta).unwrap();
    j["format"] = Value::from("something-else");
    std::fs::write(dir.join("model.json"), j.to_string()).unwrap();
    let e = load_err(&dir);
    assert!(
        e.contains("expected format \"bandmate-groove-model\""),
        "{e}"
    );
}

/// The paper's diversity, like for like: with only the score given, each seed draws the missing
/// latents (the performance latent among them) and the most likely timing itself moves, not only
/// the draw around it. Version 3's latents moved it about 0.05 of a step; the paper's model
/// 0.111 (its 0.222 in Magenta's units).
#[test]
fn the_timing_varies_through_the_latent() {
    let mut m = model();
    let score = funk_score();
    let mut req = Request::humanize(&score).unwrap();
    let runs: Vec<Vec<f32>> = (0..8)
        .map(|seed| {
            req.set_seed(seed);
            m.generate(&req).unwrap().likely_offsets
        })
        .collect();
    let cells: Vec<usize> = (0..STEPS * VOICES)
        .filter(|&i| score.get(i / VOICES, Voice::from_index(i % VOICES).unwrap()))
        .collect();
    let n = runs.len() as f32;
    let sd: f32 = cells
        .iter()
        .map(|&i| {
            let mean = runs.iter().map(|r| r[i]).sum::<f32>() / n;
            (runs.iter().map(|r| (r[i] - mean).powi(2)).sum::<f32>() / n).sqrt()
        })
        .sum::<f32>()
        / cells.len() as f32;
    eprintln!("most likely offsets: std over 8 seeds {sd:.3} of a step");
    assert!(sd > 0.08, "the latent moves the timing only {sd}");
}

/// The encoder reads each drum as played: two loops with the same score, groove and accents, in
/// which only the quieter drums' timing differs, read as different performances, and the
/// decoder given each reading plays each one's timing back closer than the other's.
#[test]
fn a_played_loop_is_read_with_each_drums_timing() {
    let mut m = model();
    let score = funk_score();
    let mut req = Request::humanize(&score).unwrap();
    req.set_seed(3);
    let played = m.generate(&req).unwrap().pattern;
    // every step's loudest drum (the groove) as played; the quiet hats under a kick or snare
    // pushed ahead by 0.3 of a step in the one loop and laid back in the other
    let shared = |step: usize| played.hits().filter(|h| h.0 == step).count() > 1;
    let with_hats = |shift: f32| {
        let mut p = played.clone();
        for (step, v, hit) in played.hits() {
            if v == Voice::ClosedHat && shared(step) {
                let mut h = hit;
                h.offset = shift;
                h.velocity = 0.01;
                p.set(step, v, Some(h)).unwrap();
            }
        }
        p
    };
    let (ahead, behind) = (with_hats(-0.3), with_hats(0.3));
    assert_eq!(
        ahead.groove(),
        behind.groove(),
        "the groove is the kick and snare"
    );
    let (ma, _) = m.read_loop(&ahead).unwrap();
    let (mb, _) = m.read_loop(&behind).unwrap();
    let perf = m
        .info()
        .latent("performance")
        .expect("a performance latent");
    let moved: f32 = perf.clone().map(|d| (ma[d] - mb[d]).abs()).sum();
    let others: f32 = (0..perf.start).map(|d| (ma[d] - mb[d]).abs()).sum();
    eprintln!("the readings differ by {moved:.2} in the performance latent, {others:.2} elsewhere");
    assert!(moved > 1.0 && moved > others, "{moved} {others}");
    // played back from each reading: the hats where they were played
    req.set_temperature(0.0).unwrap();
    let mut hats = |missing: &[f32]| {
        let g = m.generate_near(&req, Some(missing)).unwrap();
        let h: Vec<f32> = g
            .pattern
            .hits()
            .filter(|h| h.1 == Voice::ClosedHat && shared(h.0))
            .map(|h| h.2.offset)
            .collect();
        h.iter().sum::<f32>() / h.len() as f32
    };
    let (ha, hb) = (hats(&ma), hats(&mb));
    eprintln!("hats played back: {ha:.3} (read ahead) and {hb:.3} (read behind)");
    assert!(hb - ha > 0.15, "{ha} {hb}");
}

/// What a loop uses of the kit: (drums used, hats and ride together, kick on beat 1, ride used).
fn kit_use(p: &bandmate_core::Pattern) -> (usize, bool, bool, bool) {
    let used: std::collections::BTreeSet<Voice> = p.hits().map(|h| h.1).collect();
    let hats = used.contains(&Voice::ClosedHat) || used.contains(&Voice::OpenHat);
    let ride = used.contains(&Voice::Ride);
    (
        used.len(),
        hats && ride,
        p.get(0, Voice::Kick).is_some(),
        ride,
    )
}

/// `generate` with nothing given uses about as many drums as the GMD's drummers (test windows:
/// 4.4 per loop; this model 4.2 in `bandmate eval`), because every missing latent comes from one
/// kind of loop of the joint prior. Drawn independently from N(0, 1) (the model before
/// prior.json) the voices did not agree: 6.7 drums per loop, hats and ride together in 82 % of
/// loops. Chosen by their share of the training loops (focus 1), the kinds of loop gave hats and
/// ride together in 43 % of loops, as the GMD's train split does (41 %; validation 19 %, test
/// 20 %); the prior's focus (5, chosen on validation) favours the common kinds: 26 %.
#[test]
fn generate_uses_the_kit_as_drummers_do() {
    let mut m = model();
    let n = 150;
    let (mut drums, mut together, mut kick1) = (0, 0, 0);
    for seed in 0..n {
        let mut req = Request::new();
        req.set_seed(seed);
        let (d, t, k, _) = kit_use(&m.generate(&req).unwrap().pattern);
        drums += d;
        together += t as usize;
        kick1 += k as usize;
    }
    let drums = drums as f32 / n as f32;
    let together = together as f32 / n as f32;
    let kick1 = kick1 as f32 / n as f32;
    eprintln!("drums per loop {drums:.2}, hats and ride {together:.2}, kick on 1 {kick1:.2}");
    assert!((3.6..5.2).contains(&drums), "{drums} drums per loop");
    assert!(
        together < 0.36,
        "hats and ride together in {together} of loops"
    );
    assert!(kick1 > 0.65, "kick on beat 1 in {kick1} of loops");
}

/// `style` draws the kinds of loop drummers played in that style: rock keeps a backbeat (the
/// snare on 2 and 4 of both bars) about twice as often as jazz does (GMD train windows: 50 %
/// against 20 %; this model about 40 % against 18 %). An unknown style is refused by name.
#[test]
fn a_style_asked_for_is_played() {
    let mut m = model();
    let mut backbeat_rate = |style: &str| {
        let n = 120;
        let backbeats = (0..n)
            .filter(|&seed| {
                let mut req = Request::new();
                req.set_seed(seed);
                req.set_style(Some(style)).unwrap();
                let p = m.generate(&req).unwrap().pattern;
                [4, 12, 20, 28]
                    .iter()
                    .all(|&s| p.get(s, Voice::Snare).is_some())
            })
            .count();
        backbeats as f32 / n as f32
    };
    let (rock, jazz) = (backbeat_rate("rock"), backbeat_rate("jazz"));
    eprintln!("backbeat in rock loops {rock:.2}, in jazz loops {jazz:.2}");
    assert!(rock > jazz + 0.1, "rock {rock}, jazz {jazz}");
    let mut req = Request::new();
    let e = req.set_style(Some("polka")).unwrap_err().to_string();
    assert!(e.contains("polka") && e.contains("jazz"), "{e}");
}

/// Velocities breathe: drawn around the most likely loudness with the spread the model learned
/// (accents and ghost notes), by the temperature; at 0 the most likely ones, which breathe too
/// since format 4 (the performance latent carries each drum's loudness).
#[test]
fn velocities_are_drawn_with_the_learned_spread() {
    let mut m = model();
    let score = funk_score();
    let mut spread = |t: f32| {
        let mut req = Request::humanize(&score).unwrap();
        req.set_temperature(t).unwrap();
        let mut total = 0.0;
        for seed in 0..10 {
            req.set_seed(seed);
            let v: Vec<f32> = m
                .generate(&req)
                .unwrap()
                .pattern
                .hits()
                .map(|h| h.2.velocity)
                .collect();
            let mean = v.iter().sum::<f32>() / v.len() as f32;
            total += (v.iter().map(|x| (x - mean).powi(2)).sum::<f32>() / v.len() as f32).sqrt();
        }
        total / 10.0
    };
    let (cold, hot) = (spread(0.0), spread(1.0));
    eprintln!("velocity spread within a loop: {cold:.3} at temperature 0, {hot:.3} at 1");
    assert!(hot > 1.05 * cold, "at 0: {cold}, at 1: {hot}");
    // version 3's most likely velocities spread 0.13 in a loop, the drummers' 0.24
    assert!(cold > 0.15, "at 0: {cold}");
}
