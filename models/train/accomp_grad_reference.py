"""Records PyTorch's loss and gradients of the shipped accompanist on fixed inputs, for the
Rust trainer's test (tune/tests/accomp_reference.rs checks its gradients against these):

    python models/train/accomp_grad_reference.py --model models/accomp \
        --out tune/tests/data/accomp_gradients.json

The weights are read out of the model folder's `accomp.onnx` (the named ones by name, each
Linear's anonymous MatMul weight [in, out] in the order the graph uses them), the loss is
accomp.py's `loss_of` on fixed tokens and a fixed mask, and each weight's gradient is written in
its ONNX layout: its sum of absolute values, its largest absolute value, and 24 of its values at
evenly spread places (index round(k (n - 1) / 23)). The token embedding's gradient is the tied
one (embedding and output head together).
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
from accomp import Accomp, Config, loss_of  # noqa: E402
from atomic import atomic_write  # noqa: E402

SAMPLES = 24


def load(model_dir):
    """The model of a folder as a PyTorch module, and the MatMul initializer of each Linear."""
    cfg = Config(**json.load(open(os.path.join(model_dir, "model.json")))["config"])
    m = onnx.load(os.path.join(model_dir, "accomp.onnx"))
    inits = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
    named = {k[2:]: v for k, v in inits.items() if k.startswith("m.")}
    matmuls = []
    for n in m.graph.node:
        if n.op_type == "MatMul":
            for i in n.input:
                if i in inits and not i.startswith("m.") and i not in matmuls:
                    matmuls.append(i)
    model = Accomp(cfg)
    state = {k: torch.from_numpy(v.copy()) for k, v in named.items()}
    linears = {}
    for b in range(cfg.layers):
        for k, layer in enumerate(["qkv", "proj", "mlp.0", "mlp.2"]):
            name = matmuls[4 * b + k]
            state[f"blocks.{b}.{layer}.weight"] = torch.from_numpy(inits[name].T.copy())
            linears[f"blocks.{b}.{layer}.weight"] = name
    head = inits[matmuls[-1]]
    assert np.array_equal(head.T, named["tok.weight"]), "the head is not the embedding"
    model.load_state_dict(state)
    return model, cfg, linears


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="models/accomp")
    ap.add_argument("--out", default="tune/tests/data/accomp_gradients.json")
    args = ap.parse_args()
    torch.set_num_threads(2)
    model, cfg, linears = load(args.model)
    model.eval()  # dropout 0 in the shipped config; eval makes sure
    g = torch.Generator().manual_seed(3)
    b, t = 2, 40
    x = torch.randint(0, cfg.vocab, (b, t), generator=g)
    mask = torch.rand(b, t, generator=g) < 0.5
    mask[:, -1] = False
    loss = loss_of(model, x, mask)
    loss.backward()
    grads = {}
    for name, p in model.named_parameters():
        a = p.grad.detach().numpy()
        onnx_name = "m." + name
        if name in linears:
            a, onnx_name = a.T, linears[name]
        a = a.reshape(-1).astype(np.float64)
        idx = [round(k * (a.size - 1) / (SAMPLES - 1)) for k in range(SAMPLES)]
        grads[onnx_name] = {"sum_abs": float(np.abs(a).sum()), "max_abs": float(np.abs(a).max()),
                            "at": idx, "values": [float(a[i]) for i in idx]}
    out = {
        "about": "PyTorch's loss and gradients of the accompanist's weights (ONNX layouts) on "
                 "fixed tokens; written by models/train/accomp_grad_reference.py",
        "model": os.path.normpath(args.model),
        "torch": torch.__version__,
        "tokens": x.reshape(-1).tolist(),
        "mask": mask.reshape(-1).int().tolist(),
        "shape": [b, t],
        "loss": float(loss.detach()),
        "gradients": grads,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    atomic_write(args.out, (json.dumps(out) + "\n").encode())
    print(f"wrote {args.out}: loss {float(loss.detach()):.4f}, {len(grads)} weights")


if __name__ == "__main__":
    main()
