"""The comparison for docs/benchmarks.md: the same model in PyTorch eager, one thread, the
same request as `model_bench`'s "humanize (score)": encode the score, sample, decode, draw
the hits and their timing.

    .venv/bin/python models/train/bench_torch.py --checkpoint out/train/groove/checkpoint.pt
"""

import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import reference_inputs  # noqa: E402
from groove_vae import VOICES, Config, Decoder, Encoder, ExportedDecoder  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--checkpoint", default="out/train/groove/checkpoint.pt")
    ap.add_argument("--runs", type=int, default=3000)
    args = ap.parse_args()
    torch.set_num_threads(1)
    t = time.perf_counter()
    ck = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    cfg = Config(**ck["config"])
    enc, dec = Encoder(cfg).eval(), Decoder(cfg).eval()
    enc.load_state_dict(ck["encoder"])
    dec.load_state_dict(ck["decoder"])
    xdec = ExportedDecoder(dec).eval()
    load_ms = (time.perf_counter() - t) * 1e3
    inp = reference_inputs(cfg)
    score = inp["score"][:1]
    groove, accent = torch.zeros(1, 32, 3), torch.zeros(1, 32)
    played = torch.zeros(1, 32, VOICES)  # format 4: no performance known (drawn below)
    mask = torch.ones(1, VOICES)
    zero = torch.zeros(1, 1)
    times = []
    with torch.inference_mode():
        for i in range(args.runs + 50):
            t = time.perf_counter()
            mu, logvar = enc(score, groove, accent, played, played)
            z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()
            out = xdec(z, score, mask, groove, zero, accent, zero)
            hits = (torch.rand_like(out[0]) < out[0]).float()
            offsets = out[2] + out[3] * torch.randn_like(out[3])  # each hit's timing drawn
            _ = [o.numpy() for o in (hits, offsets, *out)]
            if i >= 50:
                times.append(time.perf_counter() - t)
    times.sort()
    med = times[len(times) // 2] * 1e3
    p99 = times[int((len(times) - 1) * 0.99)] * 1e3
    print(f"[PyTorch {torch.__version__} eager, 1 thread] load checkpoint {load_ms:.1f} ms; "
          f"humanize (score) median {med:.3f} ms  p99 {p99:.3f} ms")


if __name__ == "__main__":
    main()
