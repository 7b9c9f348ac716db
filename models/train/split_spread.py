#!/usr/bin/env python3
"""How far a split's real figures move by chance: the groove card's "real" column, measured on
random draws of performances from the train split.

The GMD's splits are drawn by performance (the same ten drummers play in all three), so a
split's real figures are those of the few performances that fell into it. This script draws,
many times over, as many performances from the train split as the split asked about holds, and
reports the spread of the real figures `bandmate eval` compares the model with (the same
definitions as core/src/eval.rs):

- swing per loop: the mean offset of a window's hits on odd 16ths minus on even steps, averaged
  over the windows;
- kick on beat 1: the rate of windows with a kick on step 0;
- backbeat: the rate of windows with a kick on step 0 and a snare on steps 4, 12, 20 and 28;
- drums used per loop, and the rate of windows with hats (closed or open) and ride together.

It reads only real windows (no model), so it chooses nothing. Each split's own figures are
printed beside the train draws' spread; `--splits` names the splits to print (the test split
is read only if named).

`--windows` reads what `bandmate eval --per-window` wrote (each window's Humanize swing beside
the real performance's) and gives the spread, over draws of performances of each named split's
size, of Humanize's swing minus the real: how far apart a model that is right on average and the
drummers of one split can be by chance. From the train split's file the draws are without
replacement (the model was trained on those performances); from another split's, with
replacement (a bootstrap).

`--score-reading` asks how much of a window's swing its score tells: a ridge regression on the
score's hits (each drum's hits on each of a beat's four 16ths, the drums used, the hits) and the
tempo, fitted on the train split's windows, predicts each validation window's swing; its
correlation with the drummer's swing is printed beside the in-sample one (and, with
`--windows`, beside Humanize's own per-window correlation). It also prints, for each Generate
target, the model figures that meet it against each split's drummers, and whether one figure
can meet it against all of them.

    python models/train/split_spread.py --data data/gmd --splits validation test \
        --windows out/eval/validation-windows.csv out/eval/train-windows.csv
"""

import argparse
import csv
import os

import numpy as np

KICK, SNARE, CLOSED_HAT, OPEN_HAT, RIDE = 0, 1, 2, 3, 8
BACKBEAT_SNARES = [4, 12, 20, 28]


def load(data, split):
    d = os.path.join(data, split)
    hits = np.load(os.path.join(d, "hits.npy")).astype(bool)
    offsets = np.load(os.path.join(d, "offsets.npy"))
    with open(os.path.join(d, "windows.csv")) as f:
        perf = [r["id"] for r in csv.DictReader(f)]
    return hits, offsets, np.array(perf)


def figures_per_window(hits, offsets):
    """[N, 5]: swing (nan where undefined), kick on one, backbeat, drums used, hats and ride."""
    odd = hits[:, 1::2, :]
    even = hits[:, 0::2, :]
    n_odd = odd.sum(axis=(1, 2))
    n_even = even.sum(axis=(1, 2))
    s_odd = (offsets[:, 1::2, :] * odd).sum(axis=(1, 2))
    s_even = (offsets[:, 0::2, :] * even).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        swing = np.where((n_odd > 0) & (n_even > 0), s_odd / n_odd - s_even / n_even, np.nan)
    kick1 = hits[:, 0, KICK]
    backbeat = kick1 & hits[:, BACKBEAT_SNARES, SNARE].all(axis=1)
    drums = hits.any(axis=1).sum(axis=1)
    hats = hits[:, :, CLOSED_HAT].any(axis=1) | hits[:, :, OPEN_HAT].any(axis=1)
    ride = hits[:, :, RIDE].any(axis=1)
    return np.stack([swing, kick1, backbeat, drums, hats & ride], axis=1).astype(np.float64)


NAMES = ["swing per loop (steps)", "kick on beat 1", "backbeat", "drums used", "hats and ride"]

# Issue 17's acceptance for Generate, as a test of a figure against a split's real one (swing
# per loop is Humanize's, a comparison on the same scores: see --windows).
MEETS = [
    None,
    lambda model, real: abs(model - real) <= 0.05,
    lambda model, real: model >= 0.9 * real,
    lambda model, real: abs(model - real) <= 0.5,
    lambda model, real: abs(model - real) <= 0.1,
]


def summary(per_window):
    return [np.nanmean(per_window[:, i]) for i in range(per_window.shape[1])]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", default="data/gmd")
    ap.add_argument("--splits", nargs="*", default=["validation"])
    ap.add_argument("--draws", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--windows", nargs="*", default=[])
    ap.add_argument("--score-reading", action="store_true")
    a = ap.parse_args()

    hits, offsets, perf = load(a.data, "train")
    per = figures_per_window(hits, offsets)
    train = summary(per)
    ids, inverse = np.unique(perf, return_inverse=True)
    groups = [np.flatnonzero(inverse == i) for i in range(len(ids))]
    rng = np.random.default_rng(a.seed)
    print(f"train: {len(ids)} performances, {len(perf)} windows")
    header = "| figure | train | " + " | ".join(
        f"{s} | train draws of {s}'s size: 5 % .. 95 % | the train split's figure meets the "
        f"acceptance against a draw" for s in a.splits
    )
    print(header + " |")
    print("|---|---:|" + "---:|---:|---:|" * len(a.splits))
    rows = [[n, f"{train[i]:.3f}"] for i, n in enumerate(NAMES)]
    for s in a.splits:
        sh, so, sp = load(a.data, s)
        own = summary(figures_per_window(sh, so))
        k = len(np.unique(sp))
        draws = []
        for _ in range(a.draws):
            pick = rng.choice(len(groups), size=k, replace=False)
            draws.append(summary(per[np.concatenate([groups[p] for p in pick])]))
        draws = np.array(draws)
        lo, hi = np.percentile(draws, [5, 95], axis=0)
        for i in range(len(NAMES)):
            meets = "-"
            if MEETS[i] is not None:
                meets = f"{np.mean([MEETS[i](train[i], d[i]) for d in draws]):.0%}"
            rows[i] += [f"{own[i]:.3f}", f"{lo[i]:.3f} .. {hi[i]:.3f}", meets]
        print(f"# {s}: {k} performances, {len(sp)} windows")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    sizes = {s: len(np.unique(load(a.data, s)[2])) for s in a.splits}
    for path in a.windows:
        humanize_vs_real(path, sizes, a.draws, rng)
    if a.score_reading:
        score_reading(a.data, a.windows)
        one_figure_for_all(train, {s: summary(figures_per_window(*load(a.data, s)[:2]))
                                   for s in a.splits})


def humanize_vs_real(path, sizes, draws, rng):
    """The spread of Humanize's swing minus the real over draws of performances."""
    with open(path) as f:
        rows = list(csv.DictReader(f))
    num = lambda x: float(x) if x != "" else np.nan
    real = np.array([num(r["real_swing"]) for r in rows])
    model = np.array([num(r["humanize_swing"]) for r in rows])
    ids, inverse = np.unique([r["performance"] for r in rows], return_inverse=True)
    groups = [np.flatnonzero(inverse == i) for i in range(len(ids))]
    own = np.nanmean(model) - np.nanmean(real)
    print(f"\n{path}: {len(ids)} performances, {len(rows)} windows; Humanize swing per loop "
          f"{np.nanmean(model):.3f}, real {np.nanmean(real):.3f}, difference {own:+.3f}")
    with_replacement = len(ids) < max(sizes.values(), default=0) or "train" not in path
    for s, k in sizes.items():
        diffs = []
        for _ in range(draws):
            pick = rng.choice(len(groups), size=k, replace=with_replacement)
            w = np.concatenate([groups[p] for p in pick])
            diffs.append(np.nanmean(model[w]) - np.nanmean(real[w]))
        lo, hi = np.percentile(diffs, [5, 95])
        out = np.mean(np.abs(np.array(diffs)) > 0.03)
        print(f"  draws of {s}'s size ({k} performances, "
              f"{'with' if with_replacement else 'without'} replacement): difference "
              f"5 % .. 95 %: {lo:+.3f} .. {hi:+.3f}; more than 0.03 apart in {out:.0%} of draws")


def score_features(data, split):
    """[N, F]: what the score and the tempo show of a window (see --score-reading)."""
    hits = np.load(os.path.join(data, split, "hits.npy")).astype(np.float64)
    with open(os.path.join(data, split, "windows.csv")) as f:
        bpm = np.array([float(r["bpm"]) for r in csv.DictReader(f)])
    n = hits.shape[0]
    on_16ths = np.stack([hits[:, p::4, :].sum(axis=1) for p in range(4)], axis=1).reshape(n, -1)
    edges = [0, 80, 95, 110, 125, 140, np.inf]
    tempo = np.stack([(bpm >= edges[i]) & (bpm < edges[i + 1]) for i in range(6)], axis=1)
    score = [on_16ths / 8.0, hits.any(axis=1), hits.sum(axis=(1, 2))[:, None] / 40.0]
    return np.hstack(score + [np.ones((n, 1))]), tempo.astype(np.float64)


def ridge(x, y, lam=1.0):
    return np.linalg.solve(x.T @ x + lam * np.eye(x.shape[1]), x.T @ y)


def score_reading(data, windows):
    """How well a reading of the score (and the tempo) fitted on train tells validation's swing."""
    swing = {s: figures_per_window(*load(data, s)[:2])[:, 0] for s in ("train", "validation")}
    feats = {s: score_features(data, s) for s in ("train", "validation")}
    print("\nswing per window told by the score (ridge fitted on train): correlation r")
    for name, pick in [("score", lambda f: f[0]), ("score and tempo", np.hstack)]:
        x = {s: pick(feats[s]) for s in feats}
        ok = {s: ~np.isnan(swing[s]) for s in swing}
        w = ridge(x["train"][ok["train"]], swing["train"][ok["train"]])
        r = {s: np.corrcoef(x[s][ok[s]] @ w, swing[s][ok[s]])[0, 1] for s in x}
        print(f"  {name}: train (in sample) {r['train']:.3f}, validation {r['validation']:.3f}")
    for path in windows:
        with open(path) as f:
            rows = list(csv.DictReader(f))
        real = np.array([float(r["real_swing"]) if r["real_swing"] else np.nan for r in rows])
        model = np.array([float(r["humanize_swing"]) if r["humanize_swing"] else np.nan
                          for r in rows])
        ok = ~np.isnan(real) & ~np.isnan(model)
        print(f"  Humanize ({path}): {np.corrcoef(real[ok], model[ok])[0, 1]:.3f}")


def one_figure_for_all(train, splits):
    """For each Generate target, the model figures that meet it against each split's drummers."""
    print("\nmodel figures meeting each Generate target against each split's real figure")
    spans = [
        None,
        lambda real: (real - 0.05, real + 0.05),
        lambda real: (0.9 * real, 1.0),
        lambda real: (real - 0.5, real + 0.5),
        lambda real: (real - 0.1, real + 0.1),
    ]
    for i, span in enumerate(spans):
        if span is None:
            continue
        reals = {"train": train[i], **{s: f[i] for s, f in splits.items()}}
        each = {s: span(v) for s, v in reals.items()}
        lo, hi = max(a for a, _ in each.values()), min(b for _, b in each.values())
        both = f"{lo:.3f} .. {hi:.3f}" if lo <= hi else "none"
        print(f"  {NAMES[i]}: " + "; ".join(f"{s} {a:.3f} .. {b:.3f}" for s, (a, b) in
                                          each.items()) + f"; all of them: {both}")


if __name__ == "__main__":
    main()
