"""The standalone CLI, whole process: ``python -m inference`` on 60 s of speech (face + body).

    .venv/bin/python -m benchmarks.bench_cli [--duration 60] [--repeats 5] [--baseline DIR] [--also-compiling]

Each round runs ``python -m inference SPEECH.wav -o OUT --overwrite`` in a fresh interpreter
(start-up, imports, model loading, generation and writing all counted: the wall time from
``exec`` to exit) and then one yardstick pass (:mod:`benchmarks.yardstick`) in this process, so
both see the same machine load; the figure is the median over the rounds and its ratio is
``median CLI seconds / median yardstick seconds``. ``--baseline DIR`` times a second checkout
(e.g. ``git worktree add /tmp/base <commit>``) in the same rounds, right after this one.

Bytecode, as a user's install runs: the children's environment has no ``PYTHONDONTWRITEBYTECODE``
(whatever the calling shell sets) and a private ``PYTHONPYCACHEPREFIX`` (a temporary folder, so
nothing is written into the checkout or the environment); one untimed warm-up run per checkout
fills it, so every timed run reads the ``.pyc`` files of every module it imports (ours and the
third-party ones), as an installed copy does after its first run. ``--also-compiling`` times, in
the same rounds, a second run per checkout the way a ``PYTHONDONTWRITEBYTECODE=1`` shell runs it
(no prefix, nothing written: the environment's own ``__pycache__`` is read, a checkout without
``__pycache__`` has all its sources compiled each run, ~0.14 s here); reported as ``compiling``.

Prints one ``RESULT:<json>`` line with ``markdown`` (a one-line summary for ``make bench``), the
per-run seconds, the children's CPU seconds, and the date, commit and load
(:func:`benchmarks.measure.stamp`).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .measure import median, stamp
from .speech import write_speech

ROOT = Path(__file__).resolve().parents[1]
#: Issue 20 item 2: 60 s of speech, face + body, whole process, on the 2-core machine (seconds).
TARGET_60S: float = 0.25


def cli_once(checkout: Path, wav: Path, out: Path, env: dict) -> tuple[float, float]:
    """One ``python -m inference`` run from ``checkout``: ``(wall seconds, CPU seconds)``.

    Raises:
        RuntimeError: the CLI failed (its exit code and the end of its stderr).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "inference", str(wav), "-o", str(out), "--overwrite"],
                          cwd=checkout, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"python -m inference in {checkout} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def run(duration_s: float, repeats: int, baseline: Path | None = None, compiling: bool = False) -> dict:
    """Time the CLI (and ``baseline``'s) on ``duration_s`` s of speech, ``repeats`` rounds (with
    ``compiling``, also without a bytecode cache, see the module docstring)."""
    from .speech import speech
    from .yardstick import rhubarb_phonetic_s

    checkouts = {"this": ROOT} | ({"baseline": baseline.resolve()} if baseline else {})
    with tempfile.TemporaryDirectory(prefix="bench_cli_") as tmp:
        tmp = Path(tmp)
        wav, desc = write_speech(duration_s, tmp / f"speech_{duration_s:g}s.wav")
        samples = speech(duration_s)[0].samples
        clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
        env = clean | {"PYTHONPYCACHEPREFIX": str(tmp / "pycache")}
        envs = {"": env} | ({" compiling": clean | {"PYTHONDONTWRITEBYTECODE": "1"}} if compiling else {})
        for name, checkout in checkouts.items():  # fills the bytecode cache, loads the files
            cli_once(checkout, wav, tmp / name, env)
        runs = {name + mode: {"wall_runs_s": [], "cpu_runs_s": []} for name in checkouts for mode in envs}
        yard = []
        for _ in range(repeats):
            for mode, child_env in envs.items():
                for name, checkout in checkouts.items():
                    wall, cpu = cli_once(checkout, wav, tmp / name, child_env)
                    runs[name + mode]["wall_runs_s"].append(wall)
                    runs[name + mode]["cpu_runs_s"].append(cpu)
            yard.append(rhubarb_phonetic_s(samples, duration_s, 1)["seconds"])
    y = median(yard)
    out = {"duration_s": duration_s, "audio": desc, "repeats": repeats, "yardstick_s": y, "yardstick_runs_s": yard,
           "target_s": TARGET_60S * duration_s / 60.0}
    for name, r in runs.items():
        sec = median(r["wall_runs_s"])
        out[name] = {"checkout": str(checkouts[name.split()[0]]), "seconds": sec, "min_s": min(r["wall_runs_s"]),
                     "cpu_s": median(r["cpu_runs_s"]), "ratio": sec / y, **r}
        if name.endswith(" compiling"):  # whether that run could read the checkout's own bytecode
            out[name]["checkout_has_pycache"] = any((checkouts[name.split()[0]] / "inference").rglob("__pycache__"))
    out["met"] = out["this"]["seconds"] <= out["target_s"]
    out["stamp"] = st = stamp()
    this = out["this"]
    line = (f"CLI (`python -m inference`, whole process) {duration_s:g} s face + body: {this['seconds']:.3f} s "
            f"(ratio {this['ratio']:.3f}; min {this['min_s']:.3f} s, CPU {this['cpu_s']:.3f} s), "
            f"target <= {out['target_s']:.3f} s: {'met' if out['met'] else 'NOT met'}")
    for name in ("baseline", "this compiling", "baseline compiling"):
        if name in out:
            b = out[name]
            line += f"; {name} {b['seconds']:.3f} s (ratio {b['ratio']:.3f}, CPU {b['cpu_s']:.3f} s)"
    out["markdown"] = (f"{line}; yardstick {y:.2f} s; median of {repeats}; "
                       f"{st['date_utc']}, {st['commit']}, load {st['load'][0]:.1f}")
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of speech (default 60)")
    ap.add_argument("--repeats", type=int, default=5, help="rounds; medians are reported (default 5)")
    ap.add_argument("--baseline", type=Path, default=None,
                    help="a second checkout timed in the same rounds (e.g. a git worktree of an older commit)")
    ap.add_argument("--also-compiling", action="store_true",
                    help="also time each checkout as a PYTHONDONTWRITEBYTECODE=1 shell runs it (no bytecode written)")
    args = ap.parse_args(argv)
    if args.repeats < 1 or not args.duration > 0:
        ap.error(f"--repeats >= 1 and --duration > 0 expected, found {args.repeats} and {args.duration}")
    if args.baseline is not None and not (args.baseline / "inference" / "__main__.py").is_file():
        ap.error(f"--baseline: expected a checkout with inference/__main__.py, found {args.baseline}")
    print("RESULT:" + json.dumps(run(args.duration, args.repeats, args.baseline, args.also_compiling)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
