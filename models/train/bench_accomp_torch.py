"""What a user would pick instead of bandmate's own trainer for the accompanist: the same
fine-tuning step in PyTorch (eager, CPU), timed beside `cargo bench -p bandmate-tune --bench
accomp_step` (docs/benchmarks.md):

    .venv/bin/python models/train/bench_accomp_torch.py --threads 1

The shipped model read out of its ONNX graph (accomp_grad_reference.load), a batch of random
full windows, accomp.py's loss, backward and AdamW: the median of 6 steps after one warm-up.
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from accomp import loss_of  # noqa: E402
from accomp_grad_reference import load  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="models/accomp")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    model, cfg, _ = load(a.model)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.0)
    g = torch.Generator().manual_seed(5)
    for batch in (8, 16):
        x = torch.randint(0, cfg.vocab, (batch, cfg.ctx), generator=g)
        m = torch.ones(batch, cfg.ctx, dtype=torch.bool)
        times = []
        for k in range(7):
            t = time.perf_counter()
            opt.zero_grad()
            loss = loss_of(model, x, m)
            loss.backward()
            opt.step()
            if k:
                times.append(time.perf_counter() - t)
        times.sort()
        print(f"PyTorch {torch.__version__}, batch {batch} x {cfg.ctx} tokens, {a.threads} "
              f"thread(s): step median {times[len(times) // 2]:.3f} s (min {times[0]:.3f})")


if __name__ == "__main__":
    main()
