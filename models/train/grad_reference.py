"""Records PyTorch's loss and gradients of the shipped groove model on fixed inputs, for the
Rust trainer's test (tune/tests/reference.rs checks its gradients against these):

    python models/train/grad_reference.py --model models/groove --out tune/tests/data/gradients.json

The weights are read out of the model folder's ONNX graphs (onnx_weights.py), the loss is
train.py's `losses` with z at the encoder's mean (no draw) and fixed masks, and each weight's
gradient is written in its ONNX layout: its sum of absolute values, its largest absolute value,
and 24 of its values at evenly spread places (index round(k (n - 1) / 23)).
"""

import argparse
import json
import os
import sys

import numpy as np
import onnx
import torch
from onnx import numpy_helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import train  # noqa: E402
from atomic import atomic_write  # noqa: E402
from groove_vae import Config, Decoder, Encoder  # noqa: E402
from onnx_weights import onnx_to_state_dicts, state_dicts_to_onnx  # noqa: E402

SAMPLES = 24


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="models/groove")
    ap.add_argument("--out", default="tune/tests/data/gradients.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    cfg = Config(**json.load(open(os.path.join(args.model, "model.json")))["config"])
    enc_m = onnx.load(os.path.join(args.model, "encoder.onnx"))
    dec_m = onnx.load(os.path.join(args.model, "decoder.onnx"))
    es, ds = onnx_to_state_dicts(enc_m, dec_m, cfg.dec_hidden)
    enc, dec = Encoder(cfg), Decoder(cfg)
    enc.load_state_dict(es)
    dec.load_state_dict(ds)
    g = torch.Generator().manual_seed(3)
    b = 4
    hits = (torch.rand(b, 32, 9, generator=g) < 0.25).float()
    vel = torch.rand(b, 32, 9, generator=g) * hits
    off = (torch.rand(b, 32, 9, generator=g) - 0.5) * 0.6 * hits
    gh = (hits.sum(2) > 0).float()
    groove = torch.stack([gh, torch.rand(b, 32, generator=g) * gh,
                          (torch.rand(b, 32, generator=g) - 0.5) * 0.4 * gh], 2)
    accent = (torch.rand(b, 32, generator=g) < 0.2).float()
    sm, gm, am = train.random_masks(b, g)
    total, parts = train.losses(enc, dec, cfg, (hits, vel, off, groove, accent), (sm, gm, am),
                                sample=False)
    total.backward()
    # the gradients as state dicts, written into copies of the graphs: their ONNX layouts
    eg = {n: p.grad for n, p in enc.named_parameters()}
    dg = {n: p.grad for n, p in dec.named_parameters()}
    dg["pos"] = dec.pos
    e2, d2 = state_dicts_to_onnx(enc_m, dec_m, eg, dg, cfg.dec_hidden)
    grads = {}
    for m, model in (("encoder", e2), ("decoder", d2)):
        for t in model.graph.initializer:
            if t.name.startswith("onnx::Expand"):
                continue  # the position constant: not a weight
            a = numpy_helper.to_array(t).reshape(-1).astype(np.float64)
            idx = [round(k * (a.size - 1) / (SAMPLES - 1)) for k in range(SAMPLES)]
            grads[t.name] = {"graph": m, "sum_abs": float(np.abs(a).sum()),
                             "max_abs": float(np.abs(a).max()), "at": idx,
                             "values": [float(a[i]) for i in idx]}
    flat = lambda x: {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1)]}
    out = {
        "about": "PyTorch's loss and gradients of the model's weights (ONNX layouts) on fixed "
                 "inputs; written by models/train/grad_reference.py",
        "model": os.path.normpath(args.model),
        "torch": torch.__version__,
        "inputs": {"hits": flat(hits), "vel": flat(vel), "off": flat(off),
                   "groove": flat(groove), "accent": flat(accent), "score_mask": flat(sm),
                   "groove_mask": flat(gm), "accent_mask": flat(am)},
        "loss": float(total.detach()),
        "parts": parts,
        "gradients": grads,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    atomic_write(args.out, (json.dumps(out) + "\n").encode())
    print(f"wrote {args.out}: loss {float(total.detach()):.4f}, {len(grads)} weights")


if __name__ == "__main__":
    main()
