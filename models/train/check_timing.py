"""Checks the timing a trained checkpoint plays, for the model card:

    python models/train/check_timing.py --checkpoint out/train/groove/checkpoint.pt --data data/gmd

- Humanize diversity on the test split (paper units: twice our steps), from the latent alone
  and with each hit's timing drawn from the learned spread (what `bandmate eval` measures);
- whether the learned spread is calibrated on validation: the residual timing over the spread,
  which should look like a standard normal.
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import Split  # noqa: E402
from groove_vae import VOICES, Config, Decoder, Encoder, draw_offsets  # noqa: E402


def load(path):
    ck = torch.load(path, map_location="cpu", weights_only=False)
    cfg = Config(**ck["config"])
    enc, dec = Encoder(cfg), Decoder(cfg)
    enc.load_state_dict(ck["encoder"])
    dec.load_state_dict(ck["decoder"])
    return cfg, enc.eval(), dec.eval()


@torch.no_grad()
def diversity(cfg, enc, dec, split, runs=5, seed=0):
    hits, _, _, groove, accent = split.batch(torch.arange(len(split)))
    b = hits.shape[0]
    g = torch.Generator().manual_seed(seed)
    zg, za, no = torch.zeros_like(groove), torch.zeros_like(accent), torch.zeros(b, 1)
    zp = torch.zeros_like(hits)  # format 4: the performance unknown, drawn below
    mu, logvar = enc(hits, zg, za, zp, zp)
    s_end = VOICES * cfg.score_latent
    means, drawn = [], []
    for _ in range(runs):
        eps = torch.randn(mu.shape, generator=g)
        z = torch.cat([mu[:, :s_end] + eps[:, :s_end] * (0.5 * logvar[:, :s_end]).exp(),
                       eps[:, s_end:]], 1)
        _, _, o, sd, *_ = dec(z, hits, torch.ones(b, VOICES), zg, no, za, no)
        means.append(o)
        drawn.append(draw_offsets(o, sd, g))
    out = {}
    for name, x in [("latent alone", means), ("latent and drawn spread", drawn)]:
        sd = torch.stack(x).std(0, unbiased=False)
        out[name] = 2.0 * (sd * hits).sum().item() / hits.sum().item()
    return out


@torch.no_grad()
def calibration(enc, dec, split):
    hits, vel, off, groove, accent = split.batch(torch.arange(len(split)))
    b = hits.shape[0]
    za = torch.zeros_like(accent)
    mu, _ = enc(hits, groove, accent, vel, off)
    for name, given in [("humanize", 0.0), ("with the groove", 1.0)]:
        gr = groove if given else torch.zeros_like(groove)
        _, _, o, sd, *_ = dec(mu, hits, torch.ones(b, VOICES), gr, torch.full((b, 1), given),
                              za, torch.zeros(b, 1))
        m = hits > 0
        r, s = (o - off)[m], sd[m]
        z = r / s
        print(f"{name}: median |residual| {r.abs().median():.3f} steps, median spread "
              f"{s.median():.3f}; residual/spread: std {z.std():.2f}, within 0.5 "
              f"{(z.abs() < 0.5).float().mean():.3f} (normal 0.383), beyond 2 "
              f"{(z.abs() > 2).float().mean():.3f} (normal 0.046)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--checkpoint", default="out/train/groove/checkpoint.pt")
    ap.add_argument("--data", default="data/gmd")
    args = ap.parse_args()
    torch.set_num_threads(2)
    cfg, enc, dec = load(args.checkpoint)
    for name, v in diversity(cfg, enc, dec, Split(args.data, "test")).items():
        print(f"Humanize diversity on test, {name}: {v:.3f} (paper units)")
    calibration(enc, dec, Split(args.data, "validation"))


if __name__ == "__main__":
    main()
