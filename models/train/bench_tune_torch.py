"""What a user would run instead of `bandmate train`: the same fine-tuning in PyTorch (the
shipped graphs' weights loaded into the PyTorch model, Adam, batch 32, the same loss), timed on
the same number of windows, for docs/benchmarks.md (scripts/bench-tune runs it):

    python models/train/bench_tune_torch.py --windows 942 --epochs 20 --threads 2
"""

import argparse
import json
import math
import os
import sys
import time

import onnx
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402
from data import Split  # noqa: E402
from groove_vae import Config, Decoder, Encoder  # noqa: E402
from onnx_weights import onnx_to_state_dicts  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="models/groove")
    ap.add_argument("--data", default="data/gmd")
    ap.add_argument("--windows", type=int, default=942)
    ap.add_argument("--epochs", type=int, default=20)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-4)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    cfg = Config(**json.load(open(os.path.join(args.model, "model.json")))["config"])
    es, ds = onnx_to_state_dicts(onnx.load(os.path.join(args.model, "encoder.onnx")),
                                 onnx.load(os.path.join(args.model, "decoder.onnx")),
                                 cfg.dec_hidden)
    enc, dec = Encoder(cfg), Decoder(cfg)
    enc.load_state_dict(es)
    dec.load_state_dict(ds)
    data = Split(args.data, "train", args.windows)
    params = list(enc.parameters()) + list(dec.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)
    gen = torch.Generator().manual_seed(1)
    started = time.time()
    for epoch in range(args.epochs):
        perm = torch.randperm(len(data), generator=gen)
        for i in range(0, len(data), args.batch):
            idx = perm[i:i + args.batch]
            loss, _ = train.losses(enc, dec, cfg, data.batch(idx), train.random_masks(len(idx), gen))
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
        frac = (epoch + 1) / args.epochs
        for pg in opt.param_groups:
            pg["lr"] = args.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * frac)))
    secs = time.time() - started
    print(f"[PyTorch {torch.__version__}] fine-tuning {len(data)} windows, {args.epochs} epochs, "
          f"batch {args.batch}, {args.threads} threads: {secs:.1f} s "
          f"({secs / args.epochs:.2f} s per epoch)")


if __name__ == "__main__":
    main()
