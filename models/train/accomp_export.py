"""Export a trained accompanist (accomp.py's checkpoint) to a bandmate model folder:
`accomp.onnx` (one step with a key/value cache, see below) and `model.json`.

    .venv/bin/python models/train/accomp_export.py --checkpoint out/train/accomp/checkpoint.pt \
        --data data/accomp --out models/accomp

The graph: inputs `tokens` int64 [1, T], `start` int64 [1] (the position of the first of them:
the cache's length), `past_k` / `past_v` float32 [layers, 1, heads, start, d/heads]; outputs
`logits` float32 [1, T, vocab] and `present_k` / `present_v` with start + T positions. Start
with an empty cache (start 0) and the sequence's header; then one token at a time.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from accomp import Accomp, Config  # noqa: E402
from atomic import atomic_write  # noqa: E402

FORMAT = "bandmate-accomp-model"
VERSION = 1


class Step(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, tokens, start, past_k, past_v):
        return self.m.step(tokens, start, past_k, past_v)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--checkpoint", default="out/train/accomp/checkpoint.pt")
    ap.add_argument("--data", default="data/accomp")
    ap.add_argument("--out", default="models/accomp")
    ap.add_argument("--figures", default=None, help="a JSON file of figures for model.json")
    a = ap.parse_args()
    ck = torch.load(a.checkpoint, map_location="cpu")
    c = Config(**ck["config"])
    c.dropout = 0.0
    model = Accomp(c)
    model.load_state_dict(ck["model"])
    model.eval()
    with open(os.path.join(a.data, "manifest.json")) as f:
        man = json.load(f)
    os.makedirs(a.out, exist_ok=True)
    dh = c.d // c.heads
    tokens = torch.tensor([[1, 2, 5, 8, 150, 700]], dtype=torch.int64)
    start = torch.tensor([0], dtype=torch.int64)
    empty = torch.zeros(c.layers, 1, c.heads, 0, dh)
    path = os.path.join(a.out, "accomp.onnx")
    tmp = path + f".tmp-{os.getpid()}"
    step = Step(model)
    with torch.no_grad():
        torch.onnx.export(
            step, (tokens, start[0], empty, empty), tmp,
            input_names=["tokens", "start", "past_k", "past_v"],
            output_names=["logits", "present_k", "present_v"],
            dynamic_axes={"tokens": {1: "t"}, "past_k": {3: "p"}, "past_v": {3: "p"},
                          "logits": {1: "t"}, "present_k": {3: "pt"}, "present_v": {3: "pt"}},
            opset_version=17, dynamo=False)
    os.replace(tmp, path)
    # ONNX Runtime against PyTorch: the whole header+events at once, then one token with the
    # cache; the full forward pass of the same tokens is the reference
    import onnxruntime as ort

    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    seq = torch.tensor([[1, 2, 5, 8, 150, 700, 10, 120, 260, 8, 110, 300]], dtype=torch.int64)
    with torch.no_grad():
        ref = model(seq)[0].numpy()
    l1, k, v = s.run(None, {"tokens": seq[:, :-1].numpy(), "start": np.array(0, np.int64),
                            "past_k": empty.numpy(), "past_v": empty.numpy()})
    l2, _, _ = s.run(None, {"tokens": seq[:, -1:].numpy(), "start": np.array(seq.shape[1] - 1, np.int64),
                            "past_k": k, "past_v": v})
    got = np.concatenate([l1[0], l2[0]])
    err = float(np.abs(got - ref).max())
    if err > 1e-3:
        raise SystemExit(f"ONNX Runtime differs from PyTorch by {err}")
    info = {
        "format": FORMAT,
        "version": VERSION,
        "about": "the accompanist: a small anticipatory transformer (after Thickstun et al. 2023 and "
                 "the live adaptation of Becker et al.) trained on music21's corpus",
        "data": {"source": man["source"], "works": man["works"], "tokens": man["tokens"]},
        "tokens": {k: man[k] for k in ["format", "vocab", "ticks_per_beat", "delta1",
                                        "delta2_choices", "layout"]} | {"format": man["format"]},
        "config": c.to_json(),
        "parameters": sum(p.numel() for p in model.parameters()),
        "training": {"steps": ck["step"], "log": ck["log"][-3:]},
        "onnx_check": {"max_abs_logit_difference": err},
    }
    if a.figures:
        with open(a.figures) as f:
            info["figures"] = json.load(f)
    atomic_write(os.path.join(a.out, "model.json"), json.dumps(info, indent=1).encode())
    print(f"accomp_export: {path} ({os.path.getsize(path) / 1e6:.1f} MB), ONNX Runtime vs "
          f"PyTorch max |diff| {err:.2e}", file=sys.stderr)


if __name__ == "__main__":
    main()
