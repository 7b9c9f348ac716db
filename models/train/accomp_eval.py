"""The accompanist's likelihood on held-out works, beside an n-gram baseline trained on the
same tokens: negative log-likelihood (nats) per part event (its shift, duration and note
tokens together; chords and the performer's notes are given, never scored), over every
window of `--ctx` tokens of each sequence (header + whole events), as accomp.py evaluates.

The baseline: an interpolated absolute-discounting n-gram (discount 0.75) over the same
tokens, each predicted from the tokens before it in its sequence; its order is chosen on the
validation split. Run it on validation to choose, then once on test for the card:

    .venv/bin/python models/train/accomp_eval.py --checkpoint out/train/accomp/checkpoint.pt \
        --data data/accomp --split test --out models/accomp/likelihood.json
"""

import argparse
import json
import math
import os
import sys
from collections import defaultdict

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from accomp import Accomp, Config, Split, evaluate  # noqa: E402
from atomic import atomic_write  # noqa: E402

D = 0.75


class NGram:
    def __init__(self, n, vocab):
        self.n, self.vocab = n, vocab
        # counts[k][context tuple of length k] -> {token: count}
        self.counts = [defaultdict(lambda: defaultdict(int)) for _ in range(n)]

    def fit(self, split):
        for s in split.seqs:
            toks = split.tokens[s["start"]:s["start"] + s["len"]].tolist()
            for i, t in enumerate(toks):
                for k in range(self.n):
                    if i - k < 0:
                        break
                    self.counts[k][tuple(toks[i - k:i])][t] += 1
        # totals and distinct followers per context
        self.stats = [{c: (sum(f.values()), len(f)) for c, f in ck.items()} for ck in self.counts]

    def prob(self, ctx, t):
        p = 1.0 / self.vocab
        for k in range(self.n):
            if k > len(ctx):
                break
            c = tuple(ctx[len(ctx) - k:]) if k else ()
            st = self.stats[k].get(c)
            if st is None:
                continue
            total, distinct = st
            cnt = self.counts[k][c].get(t, 0)
            p = max(cnt - D, 0) / total + (D * distinct / total) * p
        return p

    def nll(self, split, ctx_len):
        """Nats per scored token, over the same windows as the model."""
        tot, n = 0.0, 0
        for toks, ours in split.windows(ctx_len):
            toks = toks.tolist()
            for i in range(1, len(toks)):
                if ours[i]:
                    tot -= math.log(self.prob(toks[max(0, i - self.n + 1):i], toks[i]))
                    n += 1
        return tot / max(n, 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--checkpoint", default="out/train/accomp/checkpoint.pt")
    ap.add_argument("--data", default="data/accomp")
    ap.add_argument("--split", default="validation", choices=["validation", "test"])
    ap.add_argument("--orders", default="2,3,4,5,6")
    ap.add_argument("--order", type=int, default=None, help="the n-gram order chosen on validation")
    ap.add_argument("--out", default=None)
    a = ap.parse_args()
    torch.set_num_threads(2)
    ck = torch.load(a.checkpoint, map_location="cpu")
    c = Config(**ck["config"])
    c.dropout = 0.0
    model = Accomp(c)
    model.load_state_dict(ck["model"])
    train, held = Split(a.data, "train"), Split(a.data, a.split)
    token_nll, _ = evaluate(model, held, c.ctx)
    res = {"split": a.split, "ctx": c.ctx, "model_nats_per_token": round(token_nll, 4),
           "model_nats_per_event": round(3 * token_nll, 4), "ngram": {}}
    orders = [a.order] if a.order else [int(x) for x in a.orders.split(",")]
    for n in orders:
        g = NGram(n, c.vocab)
        g.fit(train)
        t = g.nll(held, c.ctx)
        res["ngram"][str(n)] = {"nats_per_token": round(t, 4), "nats_per_event": round(3 * t, 4)}
        print(f"{n}-gram: {t:.4f} nats/token", file=sys.stderr)
    print(json.dumps(res, indent=1))
    if a.out:
        atomic_write(a.out, json.dumps(res, indent=1).encode())


if __name__ == "__main__":
    main()
