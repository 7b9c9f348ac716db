"""Reads the tensors `bandmate dataset` writes (docs/dataset.md). No MIDI parsing here: the
data is defined once, in Rust."""

import json
import os

import numpy as np
import torch

FORMAT = "bandmate-gmd-export"
VERSION = 1


class Split:
    def __init__(self, root, split, limit=None):
        manifest = os.path.join(root, "manifest.json")
        try:
            with open(manifest) as f:
                m = json.load(f)
        except FileNotFoundError:
            raise SystemExit(f"{manifest}: not found; run `bandmate dataset --out {root}` first")
        if m.get("format") != FORMAT or m.get("version") != VERSION:
            raise SystemExit(f"{manifest}: expected format {FORMAT} version {VERSION}, "
                             f"found {m.get('format')} version {m.get('version')}")
        d = os.path.join(root, split)

        def load(name, dtype):
            a = np.load(os.path.join(d, name + ".npy"))
            if limit is not None:
                a = a[:limit]
            return torch.from_numpy(a.astype(dtype))

        self.hits = load("hits", np.float32)  # [N,32,9]
        self.velocities = load("velocities", np.float32)
        self.offsets = load("offsets", np.float32)
        self.groove = load("groove", np.float32)  # [N,32,3]
        self.accent = load("accent", np.float32)  # [N,32]
        n = self.hits.shape[0]
        for name in ["velocities", "offsets", "groove", "accent"]:
            if getattr(self, name).shape[0] != n:
                raise SystemExit(f"{d}/{name}.npy: {getattr(self, name).shape[0]} windows, "
                                 f"hits.npy has {n}")
        self.attribution = m.get("attribution")

    def __len__(self):
        return self.hits.shape[0]

    def batch(self, idx):
        return (self.hits[idx], self.velocities[idx], self.offsets[idx], self.groove[idx],
                self.accent[idx])
