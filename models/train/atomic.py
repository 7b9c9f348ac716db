"""Files written atomically: to a temporary name beside the target, flushed to disk, then moved
over it, so a reader never sees half a file (shared by export.py and prior.py)."""

import os


def atomic_write(path, data: bytes):
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
