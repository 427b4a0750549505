"""Run ``python -m inference`` under two Python environments and compare the outputs array by array.

Made to check that the shipped runtime gives the same results on numpy 1.26 (the dev venv, Blender
4.2-5.0) and numpy 2.x (Blender 5.1+, Python 3.13), but any two interpreters work::

    .venv/bin/python -m tools.packaging.numpy_parity --python-a .venv/bin/python --python-b /tmp/np2/bin/python \\
        --work /tmp/np_parity assets/demo_speech.flac ../shared/data/speech/en/ljspeech_LJ001-0001.wav \\
        [--cli-args "--body-model emage --emage-checkpoint DIR"]

For every input and every array of the written ``.npz`` it prints the shape, both dtypes and the
largest absolute difference, and exits 1 when a shape or dtype differs, an array is missing, or a
difference exceeds ``--atol`` (default 1e-5: float32 outputs, onnxruntime and BLAS builds may
differ by float noise); ``provenance`` is compared as JSON without its timings. Each interpreter's numpy version is printed with the results.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]


def run_cli(python: str, inputs: list, out: Path, extra: list) -> str:
    """Run the CLI with ``python`` into ``out``; return that interpreter's numpy version."""
    version = subprocess.run([python, "-c", "import numpy; print(numpy.__version__)"], capture_output=True,
                             text=True, check=True).stdout.strip()
    cmd = [python, "-m", "inference", "-o", str(out), "--overwrite", *extra, *inputs]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{python}: python -m inference failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return version


def compare(a: Path, b: Path, atol: float) -> tuple[list, bool]:
    """Rows ``(name, shape, dtype_a, dtype_b, max_abs_diff)`` for every array in ``a``/``b``."""
    rows, ok = [], True
    with np.load(a, allow_pickle=False) as za, np.load(b, allow_pickle=False) as zb:
        for name in sorted(set(za.files) | set(zb.files)):
            if name not in za.files or name not in zb.files:
                rows.append((name, "missing in " + ("a" if name not in za.files else "b"), "", "", np.inf))
                ok = False
                continue
            x, y = za[name], zb[name]
            if name == "provenance":       # JSON text: the same apart from the measured timings
                pa, pb = (json.loads(str(v)) for v in (x, y))
                for d in (pa, pb):
                    d.pop("timings_s", None)
                same = pa == pb
                ok &= same
                rows.append((name, "json", "", "", 0.0 if same else np.inf))
                continue
            if x.shape != y.shape or x.dtype != y.dtype:
                rows.append((name, f"{x.shape} vs {y.shape}", str(x.dtype), str(y.dtype), np.inf))
                ok = False
                continue
            if x.dtype.kind in "fc" or x.dtype.kind in "iub":
                diff = float(np.abs(x.astype(np.float64) - y.astype(np.float64)).max()) if x.size else 0.0
            else:
                diff = 0.0 if np.array_equal(x, y) else np.inf
            ok &= diff <= atol
            rows.append((name, str(x.shape), str(x.dtype), str(y.dtype), diff))
    return rows, ok


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--python-a", required=True)
    ap.add_argument("--python-b", required=True)
    ap.add_argument("--work", required=True, type=Path, help="folder for the two output sets")
    ap.add_argument("--cli-args", default="", help="extra arguments for python -m inference (one string)")
    ap.add_argument("--atol", type=float, default=1e-5)
    args = ap.parse_args(argv)
    inputs = [str(Path(p).resolve()) for p in args.inputs]
    extra = shlex.split(args.cli_args)
    for k in ("a", "b"):
        for old in (args.work / k).rglob("*.npz") if (args.work / k).exists() else ():
            old.unlink()
    va = run_cli(args.python_a, inputs, args.work / "a", extra)
    vb = run_cli(args.python_b, inputs, args.work / "b", extra)
    print(f"a: {args.python_a} (numpy {va})\nb: {args.python_b} (numpy {vb})")
    all_ok = True
    for path in inputs:
        stem = Path(path).stem
        found = [next(iter(sorted((args.work / k).rglob(f"{stem}.npz"))), None) for k in ("a", "b")]
        if None in found:
            raise SystemExit(f"{path}: no {stem}.npz written under {args.work}")
        rows, ok = compare(*found, args.atol)
        all_ok &= ok
        print(f"\n{Path(path).name}: {'same' if ok else 'DIFFERENT'}")
        for name, shape, da, db, diff in rows:
            print(f"  {name:24s} {shape:18s} {da:>8s} {db:>8s}  max|a-b| = {diff:.3g}")
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
