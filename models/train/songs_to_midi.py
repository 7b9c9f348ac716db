"""Writes the works of an `accomp_corpus.py` events.json as MIDI songs the way a performer
gives them to bandmate (the parts on channels 1-3: bass, inner voices, melody; no chord track:
bandmate names the chords from what sounds), one file per work, for trying and measuring the
accompanist's fine-tuning (`bandmate train --model models/accomp FOLDER`, docs/tune.md):

    python models/train/songs_to_midi.py --events /tmp/acc/monteverdi/events.json --out out/songs/monteverdi

Only the standard library: a format-0 Standard MIDI File at 480 ticks a quarter, 100 BPM.
"""
import argparse
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atomic import atomic_write  # noqa: E402

PPQ = 480


def varlen(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    return bytes(reversed(out))


def smf(notes, bpm=100.0):
    """notes: (time, duration, pitch, role) in quarter notes."""
    ev = []
    for t, d, p, role in notes:
        on, off = round(t * PPQ), round((t + d) * PPQ)
        if off <= on:
            off = on + 1
        ev.append((off, 0, bytes([0x80 | role, p, 0])))
        ev.append((on, 1, bytes([0x90 | role, p, 80])))
    ev.sort(key=lambda e: (e[0], e[1]))
    tempo = round(60_000_000 / bpm)
    track = b"\x00\xff\x51\x03" + tempo.to_bytes(3, "big")
    track += b"\x00\xff\x58\x04\x04\x02\x18\x08"
    now = 0
    for tick, _, msg in ev:
        track += varlen(tick - now) + msg
        now = tick
    track += b"\x00\xff\x2f\x00"
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, PPQ) + b"MTrk" + struct.pack(">I", len(track)) + track


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    works = json.load(open(a.events))["works"]
    os.makedirs(a.out, exist_ok=True)
    for w in works:
        name = w["path"].replace("/", "_").replace("\\", "_")
        name = os.path.splitext(name)[0][-60:] + ".mid"
        atomic_write(os.path.join(a.out, name), smf(w["notes"]))
    print(f"wrote {len(works)} songs to {a.out}")


if __name__ == "__main__":
    main()
