"""Exports a trained checkpoint to ONNX (opset 17, one self-contained file per graph):

    python models/train/export.py --checkpoint out/train/groove/checkpoint.pt --out models/groove

writes encoder.onnx, decoder.onnx, model.json (what Rust checks on load: names, shapes, latent
layout) and reference.json (fixed inputs and the PyTorch outputs for them, which a Rust test
compares with what ONNX Runtime computes). Every file is written atomically.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atomic import atomic_write  # noqa: E402
from groove_vae import (DECODER_INPUTS, DECODER_OUTPUTS, ENCODER_OUTPUTS,  # noqa: E402
                        STEPS, VOICES, Config, Decoder, Encoder, ExportedDecoder,
                        encoder_inputs)

FORMAT = "bandmate-groove-model"
# 2: the decoder also gives offset_scale; 3: and velocity_scale; 4: a performance latent,
# whose encoder also reads each drum's velocities and offsets (a config without one is
# written as version 3)
VERSION = 4
OPSET = 17


def reference_inputs(cfg):
    """Three fixed loops: a funk beat with every gesture given, a partial request (kick and
    snare fixed, no crash, the rest left to the model; a swung tap; no accents), and the funk
    score alone (no groove: format 4's performance head plays)."""
    b = 3
    score = torch.zeros(b, STEPS, VOICES)
    for t in range(STEPS):
        if t % 8 in (0, 3) or t % 16 == 10:
            score[0, t, 0] = 1  # kick
        if t % 8 == 4:
            score[0, t, 1] = 1  # snare
        if t % 2 == 0:
            score[0, t, 2] = 1  # closed hat
    score[1, :, 0] = score[0, :, 0]
    score[1, :, 1] = score[0, :, 1]
    score[2] = score[0]
    groove = torch.zeros(b, STEPS, 3)
    for t in range(STEPS):
        if score[0, t].sum() > 0:
            groove[0, t] = torch.tensor([1.0, 0.5 + 0.4 * ((t % 4) == 0), 0.03 * ((t % 3) - 1)])
        groove[1, t] = torch.tensor([1.0, 0.7 if t % 4 == 0 else 0.45, 0.2 if t % 2 else 0.0])
    accent = torch.zeros(b, STEPS)
    accent[0, ::8] = 1
    score_mask = torch.zeros(b, VOICES)
    score_mask[0] = 1
    score_mask[1, [0, 1, 7]] = 1  # kick, snare given; crash given empty
    score_mask[2] = 1
    groove_mask = torch.tensor([[1.0], [1.0], [0.0]])
    accent_mask = torch.tensor([[1.0], [0.0], [0.0]])
    g = torch.Generator().manual_seed(7)
    z = torch.randn(b, cfg.z_dims, generator=g)
    # the first and third loops as played (each drum's loudness and timing); the second
    # unknown (zeros)
    velocities = score * torch.rand(b, STEPS, VOICES, generator=g)
    offsets = score * 0.2 * (torch.rand(b, STEPS, VOICES, generator=g) - 0.5)
    velocities[1] = 0
    offsets[1] = 0
    return {
        "score": score, "groove": groove, "accent": accent, "z": z, "score_mask": score_mask,
        "groove_mask": groove_mask, "accent_mask": accent_mask, "velocities": velocities,
        "offsets": offsets,
    }


def tensor_json(t):
    return {"shape": list(t.shape), "data": [round(float(x), 7) for x in t.reshape(-1)]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default="out/train/groove/checkpoint.pt")
    ap.add_argument("--out", default="models/groove")
    ap.add_argument("--command", default="scripts/train-groove",
                    help="the command that rebuilt this model, for model.json")
    args = ap.parse_args()

    ck = torch.load(args.checkpoint, map_location="cpu", weights_only=False)
    cfg = Config(**ck["config"])
    enc, dec = Encoder(cfg), Decoder(cfg)
    enc.load_state_dict(ck["encoder"])
    dec.load_state_dict(ck["decoder"])
    enc.eval()
    dec.eval()
    xdec = ExportedDecoder(dec).eval()
    os.makedirs(args.out, exist_ok=True)

    inp = reference_inputs(cfg)
    enc_inputs = encoder_inputs(cfg)
    enc_args = tuple(inp[n] for n in enc_inputs)
    dec_args = tuple(inp[n] for n in DECODER_INPUTS)
    batch = {0: "batch"}
    for name, model, a, ins, outs in [
        ("encoder", enc, enc_args, enc_inputs, ENCODER_OUTPUTS),
        ("decoder", xdec, dec_args, DECODER_INPUTS, DECODER_OUTPUTS),
    ]:
        tmp = os.path.join(args.out, f"{name}.onnx.tmp-{os.getpid()}")
        torch.onnx.export(model, a, tmp, input_names=ins, output_names=outs,
                          dynamic_axes={n: batch for n in ins + outs}, opset_version=OPSET,
                          dynamo=False)
        os.replace(tmp, os.path.join(args.out, f"{name}.onnx"))

    with torch.no_grad():
        mu, logvar = enc(*enc_args)
        douts = xdec(*dec_args)
    ref = {
        "about": "fixed inputs and the PyTorch outputs for them, recorded at export",
        "encoder": {"inputs": {n: tensor_json(inp[n]) for n in enc_inputs},
                    "outputs": {"mu": tensor_json(mu), "logvar": tensor_json(logvar)}},
        "decoder": {"inputs": {n: tensor_json(inp[n]) for n in DECODER_INPUTS},
                    "outputs": {n: tensor_json(t) for n, t in zip(DECODER_OUTPUTS, douts)}},
    }

    # the same check in Python, with the ONNX Runtime wheel, before anything is shipped
    import onnxruntime as ort
    for name, ins, want in [("encoder", enc_inputs, [mu, logvar]),
                            ("decoder", DECODER_INPUTS, list(douts))]:
        s = ort.InferenceSession(os.path.join(args.out, f"{name}.onnx"),
                                 providers=["CPUExecutionProvider"])
        got = s.run(None, {n: inp[n].numpy() for n in ins})
        worst = max(float(np.abs(g - w.numpy()).max()) for g, w in zip(got, want))
        if worst > 1e-5:
            raise SystemExit(f"{name}.onnx differs from PyTorch by {worst}")
        print(f"{name}.onnx: ONNX Runtime matches PyTorch (max |diff| {worst:.2e})")

    shapes = {
        "score": ["batch", STEPS, VOICES], "groove": ["batch", STEPS, 3],
        "accent": ["batch", STEPS], "z": ["batch", cfg.z_dims],
        "score_mask": ["batch", VOICES], "groove_mask": ["batch", 1],
        "accent_mask": ["batch", 1], "mu": ["batch", cfg.z_dims],
        "logvar": ["batch", cfg.z_dims], "hits": ["batch", STEPS, VOICES],
        "velocities": ["batch", STEPS, VOICES], "offsets": ["batch", STEPS, VOICES],
        "offset_scale": ["batch", STEPS, VOICES], "velocity_scale": ["batch", STEPS, VOICES],
        "aux_score": ["batch", STEPS, VOICES], "aux_groove": ["batch", STEPS, 3],
        "aux_accent": ["batch", STEPS],
    }
    params = sum(p.numel() for p in list(enc.parameters()) + list(dec.parameters()))
    meta = {
        "format": FORMAT,
        "version": VERSION if cfg.perf_latent else 3,
        "name": os.path.basename(os.path.normpath(args.out)),
        "steps": STEPS,
        "voices": ["kick", "snare", "closed_hat", "open_hat", "low_tom", "mid_tom", "high_tom",
                   "crash", "ride"],
        "z_dims": cfg.z_dims,
        "latents": [{"name": n, "offset": at, "dims": d} for n, at, d in cfg.latents()],
        "encoder": {"file": "encoder.onnx", "inputs": enc_inputs, "outputs": ENCODER_OUTPUTS},
        "decoder": {"file": "decoder.onnx", "inputs": DECODER_INPUTS, "outputs": DECODER_OUTPUTS},
        "shapes": shapes,
        "opset": OPSET,
        "parameters": params,
        "config": cfg.to_dict(),
        "training": {"epoch": ck.get("epoch"), "validation_loss": ck.get("validation"),
                     "args": ck.get("args"), "command": args.command,
                     "torch": torch.__version__},
        "attribution": "Trained on the Groove MIDI Dataset v1.0.0 by Jon Gillick, Adam Roberts, "
                       "Jesse Engel, Douglas Eck and David Bamman (Google Magenta), CC BY 4.0.",
    }
    atomic_write(os.path.join(args.out, "model.json"),
                 (json.dumps(meta, indent=2) + "\n").encode())
    atomic_write(os.path.join(args.out, "reference.json"), (json.dumps(ref) + "\n").encode())
    print(f"wrote {args.out}: encoder.onnx, decoder.onnx, model.json, reference.json "
          f"({params:,} parameters)")


if __name__ == "__main__":
    main()
