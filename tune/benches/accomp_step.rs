//! One training step of the accompanist's fine-tuning (forward, backward, AdamW) on a batch of
//! full windows, and the held-out measure, timed: `cargo bench -p bandmate-tune --bench
//! accomp_step` (RAYON_NUM_THREADS sets candle's threads; the hosts use 1). docs/benchmarks.md.

use bandmate_tune::accomp::{AccompNet, Sequence};
use candle_nn::{AdamW, Optimizer, ParamsAdamW};
use std::path::Path;
use std::time::Instant;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/accomp");
    let net = AccompNet::load(&dir).unwrap();
    let ctx = net.config.ctx;
    let mut rng = bandmate_core::rng::Rng::new(5);
    for batch in [8usize, 16] {
        let seqs: Vec<Sequence> = (0..batch)
            .map(|_| Sequence {
                tokens: (0..ctx).map(|_| (rng.next_u64() % 832) as u16).collect(),
                ours: (0..ctx).map(|k| k % 3 != 0).collect(),
            })
            .collect();
        let refs: Vec<&Sequence> = seqs.iter().collect();
        let (ids, mask) = bandmate_tune::accomp::batch(&refs).unwrap();
        let vars = net.vars();
        let mut opt = AdamW::new(vars.clone(), ParamsAdamW::default()).unwrap();
        let mut times = Vec::new();
        for _ in 0..6 {
            let t = Instant::now();
            let (loss, _) = net.loss(&ids, &mask).unwrap();
            let grads = loss.backward().unwrap();
            opt.step(&grads).unwrap();
            times.push(t.elapsed().as_secs_f64());
        }
        times.sort_by(f64::total_cmp);
        let fwd = {
            let t = Instant::now();
            for _ in 0..3 {
                net.loss(&ids, &mask).unwrap();
            }
            t.elapsed().as_secs_f64() / 3.0
        };
        println!(
            "accompanist fine-tuning, batch {batch} x {ctx} tokens, {} thread(s): step median {:.3} s (min {:.3}), forward only {:.3} s",
            std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "all".into()),
            times[times.len() / 2],
            times[0],
            fwd
        );
    }
}
