//! `cargo bench -p bandmate-core --bench map_bench`: the looper's `map` (issue 22, item 5) on
//! the first N segments of the whole Groove MIDI Dataset's corpus (handcrafted embeddings):
//! PCA and t-SNE (exact up to 300 points, Barnes-Hut past; at most 3000), one thread, as the looper's
//! worker runs them. docs/benchmarks.md.

use bandmate_core::gmd;
use bandmate_core::looper::{BuildOptions, Corpus, EmbedderChoice};
use bandmate_core::sculpt::{pca2, tsne2};
use std::hint::black_box;
use std::time::Instant;

fn main() {
    let root = gmd::default_root();
    let hand = BuildOptions {
        embedder: EmbedderChoice::Handcrafted,
        ..Default::default()
    };
    let (corpus, _) = Corpus::build(&root, &hand, None).unwrap();
    println!(
        "bandmate map benchmarks (one thread; the GMD corpus: {} segments, {} dimensions)",
        corpus.len(),
        corpus.dim()
    );
    for n in [100, 300, 500, 1000, 2000, 3000, corpus.len()] {
        let rows: Vec<Vec<f32>> = (0..n).map(|i| corpus.embedding(i).to_vec()).collect();
        let t = Instant::now();
        black_box(pca2(&rows).unwrap());
        let pca = t.elapsed().as_secs_f64() * 1e3;
        let tsne = if n <= bandmate_core::sculpt::TSNE_MAX_POINTS {
            let t = Instant::now();
            black_box(tsne2(&rows).unwrap());
            format!("{:.0} ms", t.elapsed().as_secs_f64() * 1e3)
        } else {
            "not run".to_string()
        };
        println!("{n:>6} segments   pca {pca:>8.1} ms   t-SNE {tsne}");
    }
}
