"""Recompute the ``targets`` of every dataset utterance from its stored phones (after a table change).

Usage: ``nice -n 10 .venv/bin/python -m training.datagen.retarget [--root DIR]``. Audio and phones are
untouched; each file is rewritten atomically.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path

import numpy as np

from inference.face.targets import phones_to_arkit

from .dataset import DEFAULT_ROOT, HOP, TARGET_FPS, load_utterance


def retarget_file(path: Path) -> bool:
    """Rewrite ``path`` with fresh targets; returns True when they changed."""
    d = load_utterance(path)
    t = math.ceil(len(d["audio"]) / HOP)
    new = phones_to_arkit(d["phone_start_s"], d["phone_end_s"], d["phone_label"], TARGET_FPS, t)
    if d["targets"].shape == new.shape and np.array_equal(d["targets"], new):
        return False
    d["targets"] = new
    tmp = path.with_name(f".{path.stem}.retarget.npz")
    np.savez(tmp, **{k: (np.str_(v) if isinstance(v, str) else v) for k, v in d.items()})
    os.replace(tmp, path)
    return True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--root", type=Path, default=DEFAULT_ROOT)
    args = ap.parse_args(argv)
    files = sorted(args.root.glob("*/*.npz"))
    changed = sum(retarget_file(p) for p in files if not p.name.startswith("."))
    print(f"{changed} of {len(files)} files had new targets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
