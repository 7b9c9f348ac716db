"""The accompanist: a small decoder-only transformer over the anticipatory event tokens of
core/src/accomp/tokens.rs (read from `bandmate accomp-dataset`'s export; nothing about tokens is
defined here but what the manifest says). Trained on the parts' tokens only: chords and the
performer's notes are given, never predicted.

    .venv/bin/python models/train/accomp.py --data data/accomp --out out/train/accomp --minutes 25

The ONNX export (accomp_export.py) runs the same module one step at a time with a key/value
cache (`Accomp.step`).
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

FORMAT = "bandmate-accomp-tokens"


class Config:
    def __init__(self, vocab, d=128, layers=4, heads=4, ctx=384, dropout=0.1):
        self.vocab, self.d, self.layers, self.heads, self.ctx = vocab, d, layers, heads, ctx
        self.dropout = dropout

    def to_json(self):
        return dict(vocab=self.vocab, d=self.d, layers=self.layers, heads=self.heads,
                    ctx=self.ctx, dropout=self.dropout)


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.h, self.dh = c.heads, c.d // c.heads
        self.ln1, self.ln2 = nn.LayerNorm(c.d), nn.LayerNorm(c.d)
        self.qkv = nn.Linear(c.d, 3 * c.d)
        self.proj = nn.Linear(c.d, c.d)
        self.mlp = nn.Sequential(nn.Linear(c.d, 4 * c.d), nn.GELU(), nn.Linear(4 * c.d, c.d))
        self.drop = nn.Dropout(c.dropout)

    def forward(self, x, past_k=None, past_v=None):
        """x [B,T,d]; past_k/v [B,H,P,dh] or None. Returns x and the keys/values of all
        P + T positions."""
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q = q.view(b, t, self.h, self.dh).transpose(1, 2)
        k = k.view(b, t, self.h, self.dh).transpose(1, 2)
        v = v.view(b, t, self.h, self.dh).transpose(1, 2)
        if past_k is None:  # training: the fused causal attention
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True,
                                               dropout_p=self.drop.p if self.training else 0.0)
            y = y.transpose(1, 2).reshape(b, t, d)
            x = x + self.drop(self.proj(y))
            x = x + self.drop(self.mlp(self.ln2(x)))
            return x, k, v
        k = torch.cat([past_k, k], dim=2)
        v = torch.cat([past_v, v], dim=2)
        p = k.shape[2] - t
        # new position i (absolute p + i) sees every position up to itself
        rows = torch.arange(t).unsqueeze(1) + p
        cols = torch.arange(k.shape[2]).unsqueeze(0)
        mask = cols <= rows
        att = (q @ k.transpose(-2, -1)) / math.sqrt(self.dh)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (self.drop(att) @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.drop(self.proj(y))
        x = x + self.drop(self.mlp(self.ln2(x)))
        return x, k, v


class Accomp(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.tok = nn.Embedding(c.vocab, c.d)
        self.pos = nn.Embedding(c.ctx, c.d)
        self.blocks = nn.ModuleList([Block(c) for _ in range(c.layers)])
        self.ln = nn.LayerNorm(c.d)
        self.drop = nn.Dropout(c.dropout)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, std=0.02)
        if isinstance(m, nn.Linear) and m.bias is not None:
            nn.init.zeros_(m.bias)

    def forward(self, tokens):
        t = tokens.shape[1]
        x = self.drop(self.tok(tokens) + self.pos(torch.arange(t)))
        for blk in self.blocks:
            x, _, _ = blk(x)
        return self.ln(x) @ self.tok.weight.T

    def step(self, tokens, start, past_k, past_v):
        """One step with a cache: `tokens` [1,T] at positions start..start+T; past_k/v
        [L,1,H,P,dh] (P = start). Returns logits [1,T,V] and the cache of P + T positions."""
        t = tokens.shape[1]
        x = self.tok(tokens) + self.pos(torch.arange(t) + start)
        ks, vs = [], []
        for i, blk in enumerate(self.blocks):
            x, k, v = blk(x, past_k[i], past_v[i])
            ks.append(k)
            vs.append(v)
        return self.ln(x) @ self.tok.weight.T, torch.stack(ks), torch.stack(vs)


class Split:
    def __init__(self, root, name):
        d = os.path.join(root, name)
        self.tokens = np.load(os.path.join(d, "tokens.npy")).astype(np.int64)
        self.ours = np.load(os.path.join(d, "ours.npy")).astype(bool)
        with open(os.path.join(d, "sequences.json")) as f:
            self.seqs = json.load(f)

    def crop(self, rng, ctx):
        """A random window of a sequence: its 3 header tokens, then whole events from a random
        one, up to ctx tokens. Returns tokens [ctx] (padded with 0) and the loss mask of the
        targets (the next token is a part's)."""
        s = self.seqs[rng.integers(len(self.seqs))]
        start, n = s["start"], s["len"]
        events = (n - 3) // 3
        room = (ctx - 3) // 3
        first = rng.integers(max(1, events - room + 1))
        lo = start + 3 + 3 * first
        hi = min(start + n, lo + 3 * room)
        toks = np.concatenate([self.tokens[start:start + 3], self.tokens[lo:hi]])
        ours = np.concatenate([self.ours[start:start + 3], self.ours[lo:hi]])
        x = np.zeros(ctx, np.int64)
        m = np.zeros(ctx, bool)
        x[:len(toks)] = toks
        m[:len(toks) - 1] = ours[1:]
        return x, m

    def windows(self, ctx):
        """Every sequence cut into consecutive windows (header + events), for evaluation."""
        room = (ctx - 3) // 3
        for s in self.seqs:
            start, n = s["start"], s["len"]
            events = (n - 3) // 3
            for first in range(0, max(events, 1), room):
                lo = start + 3 + 3 * first
                hi = min(start + n, lo + 3 * room)
                toks = np.concatenate([self.tokens[start:start + 3], self.tokens[lo:hi]])
                ours = np.concatenate([self.ours[start:start + 3], self.ours[lo:hi]])
                yield toks, ours


def batch(split, rng, n, ctx):
    xs, ms = zip(*(split.crop(rng, ctx) for _ in range(n)))
    return torch.from_numpy(np.stack(xs)), torch.from_numpy(np.stack(ms))


def loss_of(model, x, m):
    logits = model(x)
    ce = F.cross_entropy(logits[:, :-1].reshape(-1, logits.shape[-1]), x[:, 1:].reshape(-1),
                         reduction="none")
    mm = m[:, :-1].reshape(-1).float()
    return (ce * mm).sum() / mm.sum().clamp(min=1)


@torch.no_grad()
def evaluate(model, split, ctx):
    """Mean negative log-likelihood (nats) per predicted token and per part event (3 tokens)
    over every window of the split."""
    model.eval()
    tot, n = 0.0, 0
    for toks, ours in split.windows(ctx):
        x = torch.from_numpy(toks).unsqueeze(0)
        logits = model(x)
        ce = F.cross_entropy(logits[0, :-1], x[0, 1:], reduction="none")
        m = torch.from_numpy(ours[1:])
        tot += ce[m].sum().item()
        n += int(m.sum())
    model.train()
    return tot / max(n, 1), 3 * tot / max(n, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--data", default="data/accomp")
    ap.add_argument("--out", default="out/train/accomp")
    ap.add_argument("--minutes", type=float, default=25.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--config", default="{}", help="JSON overrides of the model sizes")
    ap.add_argument("--bench", type=int, default=0, help="only time this many steps")
    ap.add_argument("--resume", default=None,
                    help="start from this checkpoint's weights (its config; a new schedule)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    with open(os.path.join(a.data, "manifest.json")) as f:
        man = json.load(f)
    if man.get("format") != FORMAT:
        raise SystemExit(f"{a.data}/manifest.json is not {FORMAT}: run `bandmate accomp-dataset`")
    c = Config(man["vocab"], **json.loads(a.config))
    model = Accomp(c)
    log, first = [], 0
    if a.resume:
        ck = torch.load(a.resume, map_location="cpu")
        c = Config(**ck["config"])
        model = Accomp(c)
        model.load_state_dict(ck["model"])
        log, first = ck["log"], ck["step"]
    params = sum(p.numel() for p in model.parameters())
    train, val = Split(a.data, "train"), Split(a.data, "validation")
    rng = np.random.default_rng(a.seed)
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.01)
    os.makedirs(a.out, exist_ok=True)
    print(f"accomp: {params} parameters, {len(train.tokens)} train tokens, config {c.to_json()}",
          file=sys.stderr)
    t0, step = time.time(), first
    budget = a.minutes * 60
    best = float("inf")
    while True:
        el = time.time() - t0
        if a.bench and step - first == a.bench:
            print(f"bench: {el / a.bench:.3f} s/step, {a.bench * a.batch * c.ctx / el:.0f} tokens/s",
                  file=sys.stderr)
            return
        if not a.bench and el > budget:
            break
        # warm up, then cosine over the time budget
        frac = min(el / budget, 1.0)
        lr = a.lr * min(1.0, (step - first + 1) / 100) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
        for g in opt.param_groups:
            g["lr"] = lr
        x, m = batch(train, rng, a.batch, c.ctx)
        loss = loss_of(model, x, m)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        if step % 200 == 0 and not a.bench:
            vt, ve = evaluate(model, val, c.ctx)
            log.append(dict(step=step, seconds=round(el), train=round(loss.item(), 4),
                            validation_token=round(vt, 4), validation_event=round(ve, 4)))
            print(json.dumps(log[-1]), file=sys.stderr)
            if vt < best:
                best = vt
                torch.save({"config": c.to_json(), "model": model.state_dict(), "log": log,
                            "step": step}, os.path.join(a.out, "checkpoint.pt"))
    vt, ve = evaluate(model, val, c.ctx)
    log.append(dict(step=step, seconds=round(time.time() - t0), validation_token=round(vt, 4),
                    validation_event=round(ve, 4)))
    print(json.dumps(log[-1]), file=sys.stderr)
    if vt < best:
        torch.save({"config": c.to_json(), "model": model.state_dict(), "log": log, "step": step},
                   os.path.join(a.out, "checkpoint.pt"))
    with open(os.path.join(a.out, "log.json"), "w") as f:
        json.dump(log, f)


if __name__ == "__main__":
    main()
