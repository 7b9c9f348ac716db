//! The Rust trainer against the references: its forward pass against ONNX Runtime's and the
//! PyTorch outputs recorded at export (to 1e-4), its loss and gradients against PyTorch's on
//! fixed inputs (models/train/grad_reference.py; to 1e-3), and the graphs it writes back, which
//! ONNX Runtime must run to the same outputs as the Rust network that wrote them.

use bandmate_core::model::{Graph, GrooveModel};
use bandmate_tune::net::{Batch, Example, Net};
use bandmate_tune::{examples, fine_tune, write_model, Options, Record};
use candle_core::{Device, Tensor};
use candle_nn::ops::sigmoid;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn shipped() -> PathBuf {
    root().join("models/groove")
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn tensor(v: &Value) -> (Vec<usize>, Vec<f32>) {
    let shape = v["shape"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_u64().unwrap() as usize);
    let data = v["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap() as f32);
    (shape.collect(), data.collect())
}

fn t(v: &Value) -> Tensor {
    let (s, d) = tensor(v);
    Tensor::from_vec(d, s, &Device::Cpu).unwrap()
}

fn flat(t: &Tensor) -> Vec<f32> {
    t.flatten_all().unwrap().to_vec1().unwrap()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Every output of both graphs for reference.json's inputs, by name, from the Rust network.
fn rust_outputs(net: &Net, r: &Value) -> Vec<(String, Vec<f32>)> {
    let e = &r["encoder"]["inputs"];
    let d = &r["decoder"]["inputs"];
    // format 4 reads each drum as played too
    let played = match (&e["velocities"], &e["offsets"]) {
        (Value::Null, _) | (_, Value::Null) => None,
        (v, o) => Some((t(v), t(o))),
    };
    let (mu, lv) = net
        .encode(
            &t(&e["score"]),
            &t(&e["groove"]),
            &t(&e["accent"]),
            played.as_ref().map(|(v, o)| (v, o)),
        )
        .unwrap();
    let o = net
        .decode(
            &t(&d["z"]),
            &t(&d["score"]),
            &t(&d["score_mask"]),
            &t(&d["groove"]),
            &t(&d["groove_mask"]),
            &t(&d["accent"]),
            &t(&d["accent_mask"]),
        )
        .unwrap();
    let (gh, gv, go) = &o.aux_groove;
    let aux_groove = Tensor::stack(&[&sigmoid(gh).unwrap(), gv, go], 2).unwrap();
    vec![
        ("mu".into(), flat(&mu)),
        ("logvar".into(), flat(&lv)),
        ("hits".into(), flat(&sigmoid(&o.hit_logits).unwrap())),
        ("velocities".into(), flat(&o.velocities)),
        ("offsets".into(), flat(&o.offsets)),
        ("offset_scale".into(), flat(&o.offset_scale)),
        ("velocity_scale".into(), flat(&o.velocity_scale)),
        (
            "aux_score".into(),
            flat(&sigmoid(&o.aux_score_logits).unwrap()),
        ),
        ("aux_groove".into(), flat(&aux_groove)),
        (
            "aux_accent".into(),
            flat(&sigmoid(&o.aux_accent_logits).unwrap()),
        ),
    ]
}

/// The same outputs from ONNX Runtime running a model folder's graphs.
fn onnx_runtime_outputs(dir: &Path, r: &Value) -> Vec<(String, Vec<f32>)> {
    let mut m = GrooveModel::load(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut out = Vec::new();
    for (graph, key) in [(Graph::Encoder, "encoder"), (Graph::Decoder, "decoder")] {
        let ins: Vec<(String, Vec<usize>, Vec<f32>)> = r[key]["inputs"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| {
                let (s, d) = tensor(v);
                (k.clone(), s, d)
            })
            .collect();
        let refs: Vec<(&str, Vec<usize>, &[f32])> = ins
            .iter()
            .map(|(k, s, d)| (k.as_str(), s.clone(), &d[..]))
            .collect();
        for (name, _, data) in m.run_raw(graph, &refs).unwrap() {
            out.push((name, data));
        }
    }
    out
}

fn lookup<'a>(outs: &'a [(String, Vec<f32>)], name: &str) -> &'a [f32] {
    &outs
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .1
}

#[test]
fn forward_pass_matches_onnx_runtime_and_pytorch_within_1e_4() {
    let net = Net::load(&shipped()).unwrap();
    let r = json(&shipped().join("reference.json"));
    let mine = rust_outputs(&net, &r);
    let ort = onnx_runtime_outputs(&shipped(), &r);
    assert_eq!(mine.len(), 10);
    for (name, data) in &mine {
        let graph = if name == "mu" || name == "logvar" {
            "encoder"
        } else {
            "decoder"
        };
        let (_, torch) = tensor(&r[graph]["outputs"][name]);
        let (dt, dor) = (max_diff(data, &torch), max_diff(data, lookup(&ort, name)));
        assert!(dt <= 1e-4, "{name}: {dt} from PyTorch");
        assert!(dor <= 1e-4, "{name}: {dor} from ONNX Runtime");
    }
}

#[test]
fn loss_and_gradients_match_pytorch_within_1e_3() {
    let net = Net::load(&shipped()).unwrap();
    let r = json(&root().join("tune/tests/data/gradients.json"));
    let i = &r["inputs"];
    let b = Batch {
        hits: t(&i["hits"]),
        vel: t(&i["vel"]),
        off: t(&i["off"]),
        groove: t(&i["groove"]),
        accent: t(&i["accent"]),
        score_mask: t(&i["score_mask"]),
        groove_mask: t(&i["groove_mask"]),
        accent_mask: t(&i["accent_mask"]),
        eps: None,
    };
    let (loss, parts) = net.loss(&b).unwrap();
    let want = r["loss"].as_f64().unwrap() as f32;
    assert!(
        (parts.total - want).abs() <= 1e-3 * want.abs(),
        "loss {} against {want}",
        parts.total
    );
    let grads = loss.backward().unwrap();
    let names = net.names();
    let refs = r["gradients"].as_object().unwrap();
    // every weight has a reference, and every reference a weight
    let mut want_names: Vec<&String> = refs.keys().collect();
    want_names.sort();
    assert_eq!(names.iter().collect::<Vec<_>>(), want_names);
    for name in &names {
        let g = &refs[name.as_str()];
        let var = net.variable(name).unwrap();
        let mine = flat(
            grads
                .get(&var)
                .unwrap_or_else(|| panic!("no gradient for {name}")),
        );
        let scale = g["max_abs"].as_f64().unwrap().max(1.0) as f32;
        for (k, at) in g["at"].as_array().unwrap().iter().enumerate() {
            let w = g["values"][k].as_f64().unwrap() as f32;
            let m = mine[at.as_u64().unwrap() as usize];
            assert!(
                (m - w).abs() <= 1e-3 * scale,
                "{name}[{at}]: {m} against PyTorch's {w} (scale {scale})"
            );
        }
        let sum: f32 = mine.iter().map(|x| x.abs()).sum();
        let want = g["sum_abs"].as_f64().unwrap() as f32;
        assert!(
            (sum - want).abs() <= 1e-3 * want.max(1.0),
            "{name}: sum |g| {sum} against {want}"
        );
    }
}

#[test]
fn unchanged_weights_write_the_same_bytes() {
    let net = Net::load(&shipped()).unwrap();
    let (e, d) = net.graphs().unwrap();
    assert!(e == std::fs::read(shipped().join("encoder.onnx")).unwrap());
    assert!(d == std::fs::read(shipped().join("decoder.onnx")).unwrap());
}

fn loops() -> Vec<Example> {
    let dir = root().join("patches/pd/loops");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let (ex, bad) = examples(&files);
    assert!(bad.is_empty(), "{bad:?}");
    assert!(ex.len() >= 4, "{} windows", ex.len());
    ex
}

#[test]
fn trained_weights_written_back_run_in_onnx_runtime_as_in_rust() {
    let ex = loops();
    let opts = Options {
        epochs: 1,
        batch: 4,
        learning_rate: 1e-3,
        seed: 7,
        freeze_encoder: false,
        anchor: 0.0,
    };
    let mut seen = Vec::new();
    let tuned = fine_tune(
        &shipped(),
        &ex,
        &ex[..2],
        &opts,
        &mut |p| seen.push(p.clone()),
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!((seen[0].epoch, seen[0].epochs), (1, 1));
    assert!(seen[0].loss.is_finite() && seen[0].held_out.is_some());
    let lib = std::env::temp_dir().join(format!("bandmate-tune-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&lib);
    let files = vec![root().join("patches/pd/loops/18_hiphop_100_beat_4-4.mid")];
    let rec = Record {
        name: "mine",
        base: &shipped(),
        files: &files,
        held_out_files: &[],
        train_windows: ex.len(),
        held_out: &[],
        options: &opts,
        command: "test",
    };
    let dir = write_model(&lib, &tuned, &rec).unwrap();
    assert_eq!(dir, lib.join("mine"));
    let r = json(&shipped().join("reference.json"));
    let mine = rust_outputs(&tuned.net, &r);
    let ort = onnx_runtime_outputs(&dir, &r);
    let before = rust_outputs(&Net::load(&shipped()).unwrap(), &r);
    let mut moved = 0.0f32;
    for (name, data) in &mine {
        let d = max_diff(data, lookup(&ort, name));
        assert!(
            d <= 1e-4,
            "{name}: Rust and ONNX Runtime differ by {d} on the written graphs"
        );
        moved = moved.max(max_diff(data, lookup(&before, name)));
    }
    assert!(moved > 1e-3, "training moved nothing ({moved})");
    let mj = json(&dir.join("model.json"));
    assert_eq!(mj["name"], "mine");
    assert_eq!(mj["training"]["fine_tuned_from"], "groove");
    assert!(dir.join("prior.json").is_file() && dir.join("README.md").is_file());
    // the same name again is refused, and the model in the library is left as it was
    let written = std::fs::read(dir.join("decoder.onnx")).unwrap();
    let e = write_model(&lib, &tuned, &rec).unwrap_err().to_string();
    assert!(e.contains("in the library already"), "{e}");
    assert_eq!(std::fs::read(dir.join("decoder.onnx")).unwrap(), written);
    let _ = std::fs::remove_dir_all(&lib);
}

#[test]
fn with_the_encoder_frozen_only_the_decoder_learns() {
    let ex = loops();
    let opts = Options {
        epochs: 1,
        batch: 4,
        freeze_encoder: true,
        ..Options::default()
    };
    let tuned = fine_tune(
        &shipped(),
        &ex,
        &[],
        &opts,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let (e, d) = tuned.net.graphs().unwrap();
    assert!(
        e == std::fs::read(shipped().join("encoder.onnx")).unwrap(),
        "the encoder moved"
    );
    assert!(
        d != std::fs::read(shipped().join("decoder.onnx")).unwrap(),
        "the decoder did not"
    );
}

#[test]
fn the_anchor_holds_the_weights_near_the_ones_it_started_from() {
    let ex = loops();
    let base = Net::load(&shipped()).unwrap();
    let name = "dec.out.bias";
    let w0 = base.values(name).unwrap();
    let moved = |anchor: f64| {
        let opts = Options {
            epochs: 2,
            batch: 4,
            learning_rate: 1e-3,
            anchor,
            ..Options::default()
        };
        let t = fine_tune(
            &shipped(),
            &ex,
            &[],
            &opts,
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        let w = t.net.values(name).unwrap();
        w.iter()
            .zip(&w0)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f32>()
            .sqrt()
    };
    let (free, held) = (moved(0.0), moved(1000.0));
    assert!(
        free > 0.0 && held < 0.5 * free,
        "free {free}, anchored {held}"
    );
}

#[test]
fn cancelling_stops_it_and_bad_input_is_refused() {
    let ex = loops();
    let opts = Options {
        epochs: 3,
        batch: 4,
        ..Options::default()
    };
    let e = fine_tune(
        &shipped(),
        &ex,
        &[],
        &opts,
        &mut |_| {},
        &AtomicBool::new(true),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("cancelled"), "{e}");
    let e = fine_tune(
        &shipped(),
        &[],
        &[],
        &opts,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("nothing to train on"), "{e}");
    let bad = Options {
        anchor: -1.0,
        ..opts.clone()
    };
    let e = fine_tune(
        &shipped(),
        &ex,
        &[],
        &bad,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .err()
    .unwrap()
    .to_string();
    assert!(e.contains("anchor"), "{e}");
    let e = Net::load(&root().join("patches"))
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("model.json"), "{e}");
    for bad in ["../x", "a/b", ".hidden", "", "with space"] {
        assert!(bandmate_tune::check_name(bad).is_err(), "{bad:?}");
    }
    bandmate_tune::check_name("funk-2").unwrap();
}

/// A model.json that does not describe its graphs is refused with what does not fit, never a
/// panic, and its switches are read as PyTorch reads them (true or any non-zero number is on).
#[test]
fn a_performance_latent_that_does_not_fit_its_graphs_is_refused() {
    let dir = std::env::temp_dir().join(format!("bandmate-tune-perf-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["encoder.onnx", "decoder.onnx", "model.json"] {
        std::fs::copy(shipped().join(f), dir.join(f)).unwrap();
    }
    let meta = json(&shipped().join("model.json"));
    assert!(Net::load(&dir).unwrap().sizes.perf_gate);
    let write = |change: &dyn Fn(&mut Value)| {
        let mut j = meta.clone();
        change(&mut j);
        std::fs::write(dir.join("model.json"), j.to_string()).unwrap();
    };
    write(&|j| j["config"]["perf_latent"] = 16.into());
    let e = Net::load(&dir).err().unwrap().to_string();
    assert!(e.contains("perf.") && e.contains("does not fit"), "{e}");
    write(&|j| j["config"]["perf_gate"] = true.into());
    assert!(Net::load(&dir).unwrap().sizes.perf_gate);
    write(&|j| j["config"]["perf_gate"] = false.into());
    assert!(!Net::load(&dir).unwrap().sizes.perf_gate);
    std::fs::remove_dir_all(&dir).unwrap();
}
