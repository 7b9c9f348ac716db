"""The groove model's ONNX initializers and PyTorch's parameters, both ways: which exported
weight is which parameter (found by the node consuming it: the exporter's own names such as
`onnx::MatMul_419` change with every export), transposed and with the LSTM's gates reordered
where ONNX keeps them differently. Used by grad_reference.py, which records PyTorch's gradients
for the Rust trainer's test (tune/tests/reference.rs), and usable to load a shipped model's
graphs back into PyTorch (`onnx_to_state_dicts`).

  encoder: every initializer is named as its parameter; Gemm(transB=1) keeps Linear's
           [out, in] layout, Einsum keeps VoiceLinear's [V, I, O].
  decoder: `dec.`-prefixed names as their parameters; the MatMul weights of /dec/inp and
           /dec/out transposed; the LSTM's W [2,4H,I], R [2,4H,H], B [2,8H] stack the forward
           and the reverse direction, gates (i, o, f, c) where PyTorch has (i, f, g, o), and B
           is [bias_ih ; bias_hh]; the Expand's input is the folded `pos` buffer.
"""

import numpy as np
import onnx
import torch
from onnx import numpy_helper

ONNX_TO_TORCH_GATES = [0, 2, 3, 1]  # torch block k = onnx block ONNX_TO_TORCH_GATES[k]
TORCH_TO_ONNX_GATES = [0, 3, 1, 2]  # onnx block k = torch block TORCH_TO_ONNX_GATES[k]


def reorder(a, order, axis):
    """Reorder the 4 gate blocks of `a` along `axis`."""
    blocks = np.split(a, 4, axis=axis)
    return np.concatenate([blocks[k] for k in order], axis=axis)


def consumers(graph):
    out = {}
    for n in graph.node:
        for k, i in enumerate(n.input):
            out.setdefault(i, []).append((n, k))
    return out


def find_roles(graph):
    """Initializer names of the exporter-named tensors, found by the node that consumes them."""
    roles = {}
    cons = consumers(graph)
    inits = {t.name for t in graph.initializer}
    for name in inits:
        for node, k in cons.get(name, []):
            if node.op_type == "LSTM":
                roles[{1: "W", 2: "R", 3: "B"}[k]] = name
            elif node.op_type == "MatMul" and node.name.startswith("/dec/inp/"):
                roles["inp"] = name
            elif node.op_type == "MatMul" and node.name.startswith("/dec/out/"):
                roles["out"] = name
            elif node.op_type == "Expand":
                roles["pos"] = name
    return roles


def onnx_to_state_dicts(enc_model, dec_model, hidden):
    enc_sd = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy())
              for t in enc_model.graph.initializer}
    inits = {t.name: numpy_helper.to_array(t) for t in dec_model.graph.initializer}
    roles = find_roles(dec_model.graph)
    dec_sd = {}
    for name, a in inits.items():
        if name.startswith("dec."):
            dec_sd[name[len("dec."):]] = torch.from_numpy(a.copy())
    dec_sd["inp.weight"] = torch.from_numpy(inits[roles["inp"]].T.copy())
    dec_sd["out.weight"] = torch.from_numpy(inits[roles["out"]].T.copy())
    W, R, B = inits[roles["W"]], inits[roles["R"]], inits[roles["B"]]
    H = hidden
    for d, suf in [(0, ""), (1, "_reverse")]:
        dec_sd[f"rnn.weight_ih_l0{suf}"] = torch.from_numpy(reorder(W[d], ONNX_TO_TORCH_GATES, 0))
        dec_sd[f"rnn.weight_hh_l0{suf}"] = torch.from_numpy(reorder(R[d], ONNX_TO_TORCH_GATES, 0))
        dec_sd[f"rnn.bias_ih_l0{suf}"] = torch.from_numpy(reorder(B[d, :4 * H], ONNX_TO_TORCH_GATES, 0))
        dec_sd[f"rnn.bias_hh_l0{suf}"] = torch.from_numpy(reorder(B[d, 4 * H:], ONNX_TO_TORCH_GATES, 0))
    dec_sd["pos"] = torch.from_numpy(inits[roles["pos"]][0].copy())  # folded buffer
    return enc_sd, dec_sd


def state_dicts_to_onnx(enc_model, dec_model, enc_sd, dec_sd, hidden):
    """Copies of the graphs with every parameter initializer replaced (same names, shapes)."""
    enc2, dec2 = onnx.ModelProto(), onnx.ModelProto()
    enc2.CopyFrom(enc_model)
    dec2.CopyFrom(dec_model)
    new = {}
    for t in enc2.graph.initializer:
        new[("e", t.name)] = enc_sd[t.name].detach().numpy()
    roles = find_roles(dec2.graph)
    H = hidden
    g = {k: v.detach().numpy() for k, v in dec_sd.items()}
    W = np.stack([reorder(g[f"rnn.weight_ih_l0{s}"], TORCH_TO_ONNX_GATES, 0) for s in ("", "_reverse")])
    R = np.stack([reorder(g[f"rnn.weight_hh_l0{s}"], TORCH_TO_ONNX_GATES, 0) for s in ("", "_reverse")])
    B = np.stack([np.concatenate([reorder(g[f"rnn.bias_ih_l0{s}"], TORCH_TO_ONNX_GATES, 0),
                                  reorder(g[f"rnn.bias_hh_l0{s}"], TORCH_TO_ONNX_GATES, 0)])
                  for s in ("", "_reverse")])
    special = {roles["inp"]: g["inp.weight"].T, roles["out"]: g["out.weight"].T,
               roles["W"]: W, roles["R"]: R, roles["B"]: B, roles["pos"]: g["pos"][None]}
    for t in dec2.graph.initializer:
        new[("d", t.name)] = special[t.name] if t.name in special else g[t.name[len("dec."):]]
    for tag, m in (("e", enc2), ("d", dec2)):
        for t in m.graph.initializer:
            a = np.ascontiguousarray(new[(tag, t.name)], dtype=np.float32)
            assert list(a.shape) == list(t.dims), (t.name, a.shape, t.dims)
            # what the Rust side does: keep name/dims/data_type, replace raw_data (little-endian f32)
            t.raw_data = a.tobytes()
    return enc2, dec2
