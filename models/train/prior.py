"""Fits the joint prior that `generate`, `drumify` and `humanize` draw missing latents from, and
writes it into a model folder as prior.json (listed in model.json):

    python models/train/prior.py --model models/groove --data data/gmd

Why: the VAE pulls each latent towards N(0, 1), but N(0, 1) is not where real loops sit. Drawing
the nine voice latents independently from it gives loops whose voices do not agree on one groove
(crowded kits: ride and hats together, toms everywhere), and drawing the groove latent from it
gives the feel of the *training* data, which swing augmentation moved towards swung. So the prior
is a mixture of diagonal normals fitted to the encoder's readings of the real training loops
(every gesture shown, no augmentation): a draw picks one component (one "kind of loop") and
takes every missing latent from it, so the voices agree with each other and with what was given
(Rust picks the component from the given gestures' readings, see core/src/model.rs).

The encoder is run with ONNX Runtime on the exported encoder.onnx, so any model folder can get a
prior (the shipped one, or one the performer trained). The number of components is chosen on the
validation split's log-likelihood; the test split is not read.
"""

import argparse
import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atomic import atomic_write  # noqa: E402

FORMAT = "bandmate-groove-prior"
VERSION = 1
CANDIDATES = [1, 4, 16, 64, 128, 256, 512]
VAR_FLOOR = 1e-3
PERFORMANCE_SCALE = 1.1  # format 4's performance latent, unless --latent-scale says otherwise
DENSITY_FOCUS = 0.4  # the smallest whose mean over 5 fits meets every Generate target (validation)
MIN_STYLE = 100  # train windows a style needs to be offered
STYLE_SMOOTHING = 1.0  # windows' worth of the overall weights mixed into each style's


def sig(x):
    """A weight for JSON: 7 significant digits, so that a small weight never rounds to 0."""
    return float(f"{float(x):.7g}")


def styles_of(data, split):
    """Each window's style (the GMD's `style` column up to its '/': funk, jazz, ...)."""
    import csv
    with open(os.path.join(data, split, "windows.csv")) as f:
        return [row["style"].split("/")[0] for row in csv.DictReader(f)]


def beat_types_of(data, split):
    """Each window's beat type: `beat` or `fill` (the GMD's `beat_type` column)."""
    import csv
    with open(os.path.join(data, split, "windows.csv")) as f:
        return [row["beat_type"] for row in csv.DictReader(f)]


def kind_weights(r, w, sel):
    """The components' weights over the readings `sel` selects (responsibilities `r`), smoothed
    towards the overall weights `w` by STYLE_SMOOTHING windows' worth."""
    sw = (r[sel].sum(0) + STYLE_SMOOTHING * w) / (sel.sum() + STYLE_SMOOTHING)
    sw = np.maximum(sw / sw.sum(), 1e-12)
    return [sig(a) for a in sw / sw.sum()]


def responsibilities(x, w, m, v, kd):
    """Each reading's responsibilities [N, K] under the fit on the kind dimensions `kd`, and
    its log density [N]."""
    ll = log_likelihoods(x[:, kd], w, m[:, kd], v[:, kd])
    lp = logsumexp(ll)
    return np.exp(ll - lp[:, None]), lp


def fill_weights(r, w, data, draws):
    """Fills as a kind of loop: the components' weights over the train windows the GMD labels
    `fill` (bandmate's `fill` picks a component by them, favouring the kinds typical of fills
    by `fill_focus`). `r`: the train readings' responsibilities."""
    kinds = beat_types_of(data, "train") * draws
    sel = np.array([k == "fill" for k in kinds])
    return kind_weights(r, w, sel), int(sel.sum() // draws)


def density_focus_weights(r, lp, g):
    """The components' weights where the kit is the model's to choose (`focus_weights`): each
    training reading (responsibilities `r`, log density `lp`) counts for its component with the
    prior's density at it raised to the power `g` (the `density_focus`). The common kinds of
    loop come more often however EM split them: the focus on the components' shares (`focus`)
    gave a kind split over two components of half its share each 2^(focus - 1) times fewer
    chances, so what Generate played hung on the fit (models/groove/README.md, "How much the
    fit moves the figures")."""
    a = (r * np.exp(g * (lp - lp.max()))[:, None]).sum(0)
    a = np.maximum(a / a.sum(), 1e-12)
    return [sig(b) for b in a / a.sum()]


def readings(model, data, split, draws, rng):
    """`draws` samples per window from the encoder's posterior q(z | every gesture)."""
    import onnxruntime as ort
    d = os.path.join(data, split)
    hits = np.load(os.path.join(d, "hits.npy")).astype(np.float32)
    groove = np.load(os.path.join(d, "groove.npy")).astype(np.float32)
    accent = np.load(os.path.join(d, "accent.npy")).astype(np.float32)
    s = ort.InferenceSession(os.path.join(model, "encoder.onnx"),
                             providers=["CPUExecutionProvider"])
    feeds = {"score": hits, "groove": groove, "accent": accent}
    names = {i.name for i in s.get_inputs()}
    for name in ("velocities", "offsets"):
        if name in names:  # format 4: the performance latent reads each drum as played
            feeds[name] = np.load(os.path.join(d, name + ".npy")).astype(np.float32)
    mu, logvar = s.run(["mu", "logvar"], feeds)
    sd = np.exp(0.5 * logvar)
    return np.concatenate([mu + sd * rng.standard_normal(mu.shape) for _ in range(draws)])


def log_likelihoods(x, w, m, v):
    """[N, K] log of w_k N(x_n; m_k, diag v_k)."""
    return weighted_log_likelihoods(x, w, m, v, np.ones(x.shape[1]))


def weighted_log_likelihoods(x, w, m, v, beta):
    """log w_k plus each dimension's normal log-likelihood times its weight `beta`."""
    lv = np.log(v)
    # sum_d beta (x - m)^2 / v = beta x^2/v - 2 beta x m / v + beta m^2 / v
    quad = (x * x * beta) @ (1.0 / v).T - 2.0 * (x * beta) @ (m / v).T + ((m * m) / v) @ beta
    return np.log(w) - 0.5 * (beta.sum() * math.log(2 * math.pi) + lv @ beta + quad)


def logsumexp(a):
    mx = a.max(1, keepdims=True)
    return (mx + np.log(np.exp(a - mx).sum(1, keepdims=True)))[:, 0]


def fit(x, k, rng, iters=150, beta=None):
    """EM for a diagonal Gaussian mixture, started from k-means++ picks. `beta`: a weight per
    dimension on its log-likelihood when the responsibilities are computed (1: as any
    mixture; 0: the dimension follows the fit without steering it); the k-means++ picks use
    the dimensions of weight 1."""
    n, d = x.shape
    if beta is None:
        beta = np.ones(d)
    full = beta >= 1.0
    xs = x[:, full]
    picks = [rng.integers(n)]
    dist = ((xs - xs[picks[0]]) ** 2).sum(1)
    for _ in range(1, k):
        picks.append(rng.choice(n, p=dist / dist.sum()))
        dist = np.minimum(dist, ((xs - xs[picks[-1]]) ** 2).sum(1))
    m = x[picks].copy()
    v = np.tile(x.var(0), (k, 1))
    w = np.full(k, 1.0 / k)
    last = -np.inf
    for _ in range(iters):
        ll = weighted_log_likelihoods(x, w, m, v, beta)
        tot = logsumexp(ll)
        r = np.exp(ll - tot[:, None])
        nk = r.sum(0) + 1e-9
        w = nk / n
        m = (r.T @ x) / nk[:, None]
        v = np.maximum((r.T @ (x * x)) / nk[:, None] - m * m, VAR_FLOOR)
        mean = tot.mean()
        if mean - last < 1e-4 * abs(mean):
            break
        last = mean
    return w, m, v


def kind_dims(layout):
    """The latent dimensions a component (a kind of loop) is fitted on: every gesture's. Format
    4's performance latent (each drum's timing and loudness as played) is no gesture: fitted
    with the rest, it split the kinds of loop by feel, and a style asked for was recognised
    less often (0.50 against 0.63 on validation); it is drawn within the kind instead (below)."""
    return [d for lat in layout.values() if lat["name"] != "performance"
            for d in range(lat["offset"], lat["offset"] + lat["dims"])]


def fit_kinds(x, k, kd, rng, feel_weight):
    """EM in which the kind dimensions `kd` steer the components and every other dimension
    (the performance latent) only by `feel_weight` (0: not at all; 1: as a plain mixture)."""
    beta = np.full(x.shape[1], feel_weight)
    beta[kd] = 1.0
    return fit(x, k, rng, beta=beta)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="models/groove")
    ap.add_argument("--data", default="data/gmd")
    ap.add_argument("--draws", type=int, default=2, help="posterior draws per training window")
    ap.add_argument("--components", type=int, default=None,
                    help="use this many components instead of choosing on validation")
    ap.add_argument("--scale", type=float, default=0.7,
                    help="how far a draw strays within its component (times its standard "
                         "deviations): chosen on validation with `bandmate eval`")
    ap.add_argument("--latent-scale", action="append", default=[], metavar="NAME=SCALE",
                    help="a latent's own scale instead of --scale (model.json's latent names; "
                         "format 4's performance latent strays further, 1.1 unless given: "
                         "chosen on validation with `bandmate eval`, see the model card)")
    ap.add_argument("--feel-weight", type=float, default=0.5,
                    help="how much the performance latent (format 4) steers the components "
                         "against the gestures' latents (0..1): chosen on validation with "
                         "`bandmate eval`")
    ap.add_argument("--density-focus", type=float, default=DENSITY_FOCUS,
                    help="how much more the common kinds of loop are chosen where the model "
                         "picks the kit (each training reading weighed by the prior's density "
                         "at it to this power, 0..4; 0: the --focus instead): chosen on "
                         "validation over several fits, see the model card")
    ap.add_argument("--focus", type=float, default=1.0,
                    help="with --density-focus 0: the components' shares raised to this power "
                         "where the model picks the kit (version 4 shipped with 8 before the "
                         "density focus)")
    ap.add_argument("--style-focus", type=float, default=3.0,
                    help="with a style, how much more the kinds of loop typical of it are "
                         "chosen (each component's share of the style times, to this power, "
                         "how much more of the style it holds than of all loops): chosen on "
                         "validation with `bandmate eval`")
    ap.add_argument("--fill-focus", type=float, default=3.0,
                    help="how much a fill favours the kinds of loop typical of fills (0..8)")
    ap.add_argument("--fills-only", action="store_true",
                    help="only add the fill weights to the folder's prior.json, keeping its fit")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--fits", type=int, default=1,
                    help="fit EM this many times (seeds --seed, --seed + 1, ...) and keep every "
                         "fit's components, each fit weighed equally: what the model plays "
                         "then hangs less on one fit (not the recipe: see the model card)")
    args = ap.parse_args()

    for name, value in [("--focus", args.focus), ("--style-focus", args.style_focus),
                        ("--fill-focus", args.fill_focus)]:
        if not 0.0 <= value <= 8.0:
            raise SystemExit(f"{name} {value}: expected 0..8 (what bandmate reads)")
    if not 0.0 <= args.density_focus <= 4.0:
        raise SystemExit(f"--density-focus {args.density_focus}: expected 0..4")
    if args.density_focus > 0 and args.focus != 1.0:
        raise SystemExit("--focus applies with --density-focus 0 only: give one of them")
    if not 1 <= args.fits <= 16:
        raise SystemExit(f"--fits {args.fits}: expected 1..16")
    rng = np.random.default_rng(args.seed)
    with open(os.path.join(args.model, "model.json")) as f:
        layout = {lat["name"]: lat for lat in json.load(f)["latents"]}
    kd = kind_dims(layout)
    latent_scales = []
    for item in args.latent_scale:
        name, _, value = item.partition("=")
        if name not in layout:
            raise SystemExit(f"--latent-scale {item}: the model has no latent {name!r} "
                             f"(it has: {', '.join(layout)})")
        try:
            scale = float(value)
        except ValueError:
            raise SystemExit(f"--latent-scale {item}: expected NAME=SCALE")
        if not 0.0 <= scale <= 4.0:
            raise SystemExit(f"--latent-scale {item}: expected a scale in 0..4")
        latent_scales.append({"name": name, "offset": layout[name]["offset"],
                              "dims": layout[name]["dims"], "scale": scale})
    if "performance" in layout and not any(x["name"] == "performance" for x in latent_scales):
        # the version 4 choice (models/groove/README.md, "Version 4")
        perf = layout["performance"]
        latent_scales.append({"name": "performance", "offset": perf["offset"],
                              "dims": perf["dims"], "scale": PERFORMANCE_SCALE})
    if not 0.0 <= args.feel_weight <= 1.0:
        raise SystemExit(f"--feel-weight {args.feel_weight}: expected 0..1")
    if args.fills_only:
        # the fill weights added to the folder's prior.json as fitted, its components unchanged
        path = os.path.join(args.model, "prior.json")
        with open(path) as f:
            prior = json.load(f)
        x = readings(args.model, args.data, "train", args.draws, rng)
        w = np.array(prior["weights"])
        m = np.array(prior["means"])
        v = np.array(prior["stds"]) ** 2
        r, _ = responsibilities(x, w, m, v, kd)
        prior["fill_weights"], prior["fill_windows"] = fill_weights(r, w, args.data, args.draws)
        prior["fill_focus"] = args.fill_focus
        atomic_write(path, (json.dumps(prior) + "\n").encode())
        print(f"wrote the fill weights ({prior['fill_windows']} fill windows) into {path}")
        return
    x = readings(args.model, args.data, "train", args.draws, rng)
    xv = readings(args.model, args.data, "validation", 1, rng)
    z_dims = x.shape[1]
    # the validation log-likelihood of the kind dimensions (all of them before format 4)
    nk_dims = len(kd)
    std_normal = float(logsumexp(log_likelihoods(xv[:, kd], np.ones(1), np.zeros((1, nk_dims)),
                                                 np.ones((1, nk_dims)))).mean())
    styles = styles_of(args.data, "train")
    if len(styles) * args.draws != x.shape[0]:
        raise SystemExit(f"windows.csv has {len(styles)} rows, the tensors "
                         f"{x.shape[0] // args.draws}")
    counts = {st: styles.count(st) for st in set(styles)}
    names = sorted((st for st in counts if counts[st] >= MIN_STYLE), key=lambda st: -counts[st])
    tried = []

    # A mixture of diagonal normals (EM), its size chosen on validation log-likelihood. Tried
    # and not kept (models/groove/README.md): the encoder's readings of 2,048 training loops
    # as components (a 2.7 MB prior, no better in `bandmate eval` on validation).
    best = None
    for k in [args.components] if args.components else CANDIDATES:
        w, m, v = fit_kinds(x, k, kd, np.random.default_rng(args.seed), args.feel_weight)
        val = float(logsumexp(log_likelihoods(xv[:, kd], w, m[:, kd], v[:, kd])).mean())
        tried.append({"components": k, "validation_log_likelihood": round(val, 3)})
        print(f"{k:4d} components: validation log-likelihood {val:.2f} per loop "
              f"(N(0, 1): {std_normal:.2f})", flush=True)
        if best is None or val > best[0]:
            best = (val, k, w, m, v)
    val, k, w, m, v = best
    st_x = styles * args.draws

    def kinds(w, m, v):
        """A fit's style, fill and focus weights."""
        # Style as a gesture: each style weighs the components by how much of that style's
        # loops they hold (smoothed towards the overall weights); bandmate favours the kinds
        # typical of the style by `style_focus` when it chooses (core/src/prior.rs).
        r, lp = responsibilities(x, w, m, v, kd)
        style_weights = [kind_weights(r, w, np.array([a == st for a in st_x])) for st in names]
        fills, fill_windows = fill_weights(r, w, args.data, args.draws)
        focus = None
        if args.density_focus > 0:
            focus = density_focus_weights(r, lp, args.density_focus)
        return style_weights, fills, fill_windows, focus

    # Several fits, one mixture (--fits): each fit's components with its weights over the
    # number of fits, so a loop comes from each fit's kinds of loop as often
    fits = [(w, m, v)] + [fit_kinds(x, k, kd, np.random.default_rng(args.seed + f),
                                    args.feel_weight) for f in range(1, args.fits)]
    per_fit = [kinds(*fit) for fit in fits]
    n = len(fits)
    w = np.concatenate([f[0] for f in fits]) / n
    m, v = np.concatenate([f[1] for f in fits]), np.concatenate([f[2] for f in fits])
    style_weights = [[sig(a / n) for sw, _, _, _ in per_fit for a in sw[i]]
                     for i in range(len(names))]
    fills = [sig(a / n) for _, fw, _, _ in per_fit for a in fw]
    fill_windows = per_fit[0][2]
    focus_weights = None
    if args.density_focus > 0:
        focus_weights = [sig(a / n) for _, _, _, fc in per_fit for a in fc]
    if n > 1:
        val = float(logsumexp(log_likelihoods(xv[:, kd], w, m[:, kd], v[:, kd])).mean())
        tried.append({"components": k, "fits": n, "validation_log_likelihood": round(val, 3)})
        print(f"{n} fits of {k} components: validation log-likelihood {val:.2f} per loop",
              flush=True)
    about = ("a mixture of diagonal normals over the latent, fitted by EM to the encoder's "
             "readings of the GMD train windows (every gesture shown) on the gestures' "
             "latents, a performance latent's means and spreads per component following from "
             "the same fit; components chosen on validation log-likelihood "
             "(models/train/prior.py)")
    prior = {
        "format": FORMAT,
        "version": VERSION,
        "about": about,
        "components": int(len(w)),
        "scale": args.scale,
        "latent_scales": latent_scales,
        "focus": args.focus,
        "style_focus": args.style_focus,
        "z_dims": int(z_dims),
        "weights": [sig(a) for a in w],
        "means": [[float(f"{a:.5g}") for a in row] for row in m],
        "stds": [[float(f"{math.sqrt(a):.4g}") for a in row] for row in v],
        "styles": names,
        "style_weights": style_weights,
        "fill_weights": fills,
        "fill_focus": args.fill_focus,
        "fill_windows": fill_windows,
        "tried": tried,
        "standard_normal_validation_log_likelihood": round(std_normal, 3),
        "train_readings": int(x.shape[0]),
    }
    if args.fits > 1:
        prior["fits"] = args.fits
    if focus_weights is not None:
        prior["focus_weights"] = focus_weights
        prior["density_focus"] = args.density_focus
    atomic_write(os.path.join(args.model, "prior.json"), (json.dumps(prior) + "\n").encode())
    mpath = os.path.join(args.model, "model.json")
    with open(mpath) as f:
        meta = json.load(f)
    meta["prior"] = "prior.json"
    atomic_write(mpath, (json.dumps(meta, indent=2) + "\n").encode())
    print(f"wrote {args.model}/prior.json: {len(w)} components (validation log-likelihood "
          f"{val:.2f} per loop, N(0, 1) {std_normal:.2f})")


if __name__ == "__main__":
    main()
