"""What a user would pick instead of bandmate's ONNX Runtime pipeline: stable-audio-tools itself
(PyTorch, eager, CPU, float32) on the same full-size Stable Audio Open Small architecture with
random weights, timed beside `cargo bench -p bandmate-core --bench t2a_bench` (docs/benchmarks.md):

    scripts/export-sao --help >/dev/null   # (installs stable-audio-tools into .venv once)
    .venv/bin/python models/train/bench_sao_torch.py --threads 2

generate_diffusion_cond with 8 pingpong steps, cfg 1, the whole 11.9 s window (as bandmate
samples it), then the decoder on the whole window and on the 4 s bandmate would keep: the
median of the runs after one warm-up, and the peak memory of the process.
"""
import argparse
import os
import resource
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sao_export import build_model, float32, hf_tokenizer, small_config, tiny_tokenizer  # noqa: E402
from stable_audio_tools.inference.generation import generate_diffusion_cond  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=2)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    from transformers import T5Config

    tok = tiny_tokenizer()
    config = small_config(t5_name="t5-base-random", t5_dim=768)
    t5 = T5Config(vocab_size=32128, d_model=768, d_kv=64, d_ff=3072, num_layers=12,
                  num_heads=12, dropout_rate=0.0, feed_forward_proj="relu")
    model = float32(build_model(config, t5=t5, tokenizer=hf_tokenizer(tok), seed=0))
    ratio = config["model"]["pretransform"]["config"]["downsampling_ratio"]
    frames = config["sample_size"] // ratio
    totals, decodes, parts = [], [], []
    with torch.no_grad():
        for run in range(a.runs + 1):
            t = time.perf_counter()
            generate_diffusion_cond(
                model, steps=8, cfg_scale=1.0,
                conditioning=[{"prompt": "warm arpeggios on house beats 120 bpm", "seconds_total": 4}],
                sample_size=config["sample_size"], seed=run, device="cpu", sampler_type="pingpong")
            total = time.perf_counter() - t
            z = torch.randn(1, config["model"]["io_channels"], frames)
            t = time.perf_counter()
            model.pretransform.decode(z)
            whole = time.perf_counter() - t
            keep = -(-4 * config["sample_rate"] // ratio) + 16
            t = time.perf_counter()
            model.pretransform.decode(z[:, :, :keep])
            part = time.perf_counter() - t
            if run > 0:
                totals.append(total)
                decodes.append(whole)
                parts.append(part)
    med = lambda v: sorted(v)[len(v) // 2]
    window = config["sample_size"] / config["sample_rate"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f'{{"pipeline": "stable-audio-tools (PyTorch {torch.__version__}, eager, float32)", '
          f'"threads": {a.threads}, "steps": 8, "window_s": {window:.2f}, '
          f'"generate_window_s": {med(totals):.2f}, "decode_window_s": {med(decodes):.2f}, '
          f'"decode_4s_s": {med(parts):.2f}, "window_audio_s_per_s": {window / med(totals):.3f}, '
          f'"fragment_4s_s": {med(totals) - med(decodes) + med(parts):.2f}, '
          f'"peak_mib": {peak:.0f}, "runs": {a.runs}}}')


if __name__ == "__main__":
    main()
