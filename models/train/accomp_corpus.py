"""The accompanist's training music: works from music21's corpus (BSD-3, shipped inside the
music21 package from PyPI), read into plain events. Writes `events.json` for
`bandmate accomp-dataset`, which tokenizes them with the same Rust code the accompanist plays
with (core/src/accomp): nothing about tokens is defined here.

Per work, in quarter notes (beats) from its start:
- parts: every note of every part, by role: the lowest part is the bass (0), the highest the
  melody (2), the others inner voices (1); chords inside a part give one note per pitch; tied
  notes are joined;
- chords: the harmony, one symbol per beat where it changes, from music21's chordify (the
  vertical slice sounding at each beat), named by its root and the pitch-class template it fits
  best (core/src/accomp/chord.rs has the same templates; the symbols are written as text);
- split: by work (a hash of its corpus path), about 80 / 10 / 10 % train / validation / test.

Usage: .venv/bin/python models/train/accomp_corpus.py --out data/accomp [--composers bach]
"""

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import sys
import time

from atomic import atomic_write

# Pitch classes above the root; the same table as QUALITIES in core/src/accomp/chord.rs.
QUALITIES = [
    ("maj", [0, 4, 7]),
    ("min", [0, 3, 7]),
    ("dim", [0, 3, 6]),
    ("aug", [0, 4, 8]),
    ("7", [0, 4, 7, 10]),
    ("maj7", [0, 4, 7, 11]),
    ("min7", [0, 3, 7, 10]),
    ("hdim7", [0, 3, 6, 10]),
    ("dim7", [0, 3, 6, 9]),
    ("sus4", [0, 5, 7]),
]
NAMES = ["C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]


def name_chord(pcs, bass_pc):
    """The symbol (e.g. 'A:min7') whose template best fits the pitch classes `pcs`: most
    template tones present, fewest tones outside it, then fewest template tones missing, then
    the bass as root; None for fewer than two pitch classes."""
    pcs = set(pcs)
    if len(pcs) < 2:
        return None
    best = None
    for root in range(12):
        for qi, (q, tmpl) in enumerate(QUALITIES):
            t = {(root + i) % 12 for i in tmpl}
            key = (len(t & pcs) - len(pcs - t), -len(t - pcs), root == bass_pc, -qi)
            if best is None or key > best[0]:
                best = (key, f"{NAMES[root]}:{q}")
    return best[1]


def split_of(path):
    h = int(hashlib.sha256(path.encode()).hexdigest()[:8], 16) % 10
    return "test" if h == 0 else "validation" if h == 1 else "train"


def read_work(path):
    from music21 import converter, note, chord

    try:
        s = converter.parse(path)
    except Exception as e:  # a corpus file music21 itself cannot read
        return {"path": path, "error": str(e)[:200]}
    if hasattr(s, "scores"):  # an opus: its first score
        s = s.scores[0] if len(s.scores) else s
    parts = list(s.parts)
    if len(parts) < 3:
        return {"path": path, "error": f"{len(parts)} parts"}
    voiced = []
    for p in parts:
        ns = []
        for n in p.stripTies().flatten().notes:
            t, d = float(n.offset), float(n.quarterLength)
            if d <= 0:
                continue
            pitches = n.pitches if isinstance(n, chord.Chord) else [n.pitch]
            for pt in pitches:
                ns.append([round(t, 4), round(d, 4), int(pt.midi)])
        if ns:
            voiced.append(ns)
    if len(voiced) < 3:
        return {"path": path, "error": "fewer than 3 parts with notes"}
    # roles by mean pitch: lowest bass, highest melody
    order = sorted(range(len(voiced)), key=lambda i: sum(n[2] for n in voiced[i]) / len(voiced[i]))
    notes = []
    for rank, i in enumerate(order):
        role = 0 if rank == 0 else 2 if rank == len(order) - 1 else 1
        notes += [[t, d, p, role] for t, d, p in voiced[i]]
    notes.sort()
    end = max(t + d for t, d, _, _ in notes)
    # the chord at each beat: what sounds at its start
    chords = []
    beat = 0.0
    k = 0
    by_start = sorted(notes)
    while beat < end:
        sounding = [n for n in by_start if n[0] <= beat + 1e-6 < n[0] + n[1]]
        if sounding:
            bass = min(n[2] for n in sounding)
            sym = name_chord([n[2] % 12 for n in sounding], bass % 12)
            if sym is not None and (not chords or chords[-1][1] != sym):
                chords.append([beat, sym])
        beat += 1.0
        k += 1
    return {"path": path, "split": split_of(path), "end": round(end, 4), "notes": notes,
            "chords": chords}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--out", default="data/accomp")
    ap.add_argument("--composers", default="bach",
                    help="comma-separated music21 corpus composers (default: bach)")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    from music21 import corpus
    import music21

    paths = []
    for c in a.composers.split(","):
        paths += [str(p) for p in corpus.getComposer(c.strip())]
    paths = sorted(set(paths))[: a.limit]
    base = os.path.dirname(music21.__file__)
    t0 = time.time()
    with mp.Pool(a.jobs) as pool:
        works = pool.map(read_work, paths, chunksize=4)
    ok = [w for w in works if "error" not in w]
    for w in works:
        w["path"] = os.path.relpath(w["path"], base)
    skipped = [(w["path"], w["error"]) for w in works if "error" in w]
    os.makedirs(a.out, exist_ok=True)
    doc = {
        "format": "bandmate-accomp-events",
        "version": 1,
        "source": f"music21 {music21.__version__} corpus ({a.composers}), BSD-3-Clause; "
                  "https://github.com/cuthbertLab/music21",
        "time_unit": "quarter notes",
        "roles": ["bass", "inner", "melody"],
        "works": ok,
        "skipped": skipped,
    }
    atomic_write(os.path.join(a.out, "events.json"), json.dumps(doc).encode())
    counts = {s: sum(1 for w in ok if w["split"] == s) for s in ["train", "validation", "test"]}
    print(f"accomp_corpus: {len(ok)} works ({counts}), {len(skipped)} skipped, "
          f"{sum(len(w['notes']) for w in ok)} notes, {time.time() - t0:.0f} s -> {a.out}/events.json",
          file=sys.stderr)


if __name__ == "__main__":
    main()
