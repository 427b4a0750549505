"""Long audio through ``python -m inference``: wall time and peak memory for 1 min, 10 min, 1 h.

    .venv/bin/python -m benchmarks.bench_long [--durations 60 600 3600] [--what both]

The speech is built at run time (``benchmarks/speech.py``: the real English clips of
``../shared/data/speech/en`` concatenated and looped, else the bundled demo clip) and written to a
temporary 16-bit WAV; nothing big is committed. Each duration runs ``python -m inference`` in a fresh
child process; peak memory is that child's max RSS (``os.wait4``), time is its wall clock, and the
per-stage times come from its JSON report. Prints one line per duration and the ratios to the first
(linear time means the time ratio equals the duration ratio).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .speech import write_speech

ROOT = Path(__file__).resolve().parents[1]


def run_one(duration_s: float, what: str, extra: list[str], root: Path = ROOT) -> dict:
    """Generate ``duration_s`` seconds of speech in a child ``python -m inference``; return the numbers."""
    with tempfile.TemporaryDirectory() as tmp:
        wav, desc = write_speech(duration_s, Path(tmp) / f"speech_{duration_s:g}s.wav")
        out = Path(tmp) / "out"
        t0 = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "inference", str(wav), "-o", str(out), "--what", what,
                                 *extra], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"python -m inference failed on {duration_s:g} s:\n{err[-3000:]}")
        report = json.loads((out / f"{wav.stem}.json").read_text())
        report.setdefault("timings_s", {})
    rss_mib = usage.ru_maxrss / 1024.0 if sys.platform != "darwin" else usage.ru_maxrss / 2**20
    return {"duration_s": duration_s, "wall_s": wall, "max_rss_mib": rss_mib, "timings_s": report["timings_s"],
            "face_model": report["face_model"], "body_model": report["body_model"], "speech": desc}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--durations", type=float, nargs="+", default=[60.0, 600.0, 3600.0])
    ap.add_argument("--what", default="both", choices=("both", "face", "body"))
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--root", type=Path, default=ROOT,
                    help="checkout whose `python -m inference` runs (e.g. an older commit, for before/after)")
    ap.add_argument("extra", nargs="*", help="more options for python -m inference (after --)")
    args = ap.parse_args(argv)
    results = []
    for d in args.durations:
        r = run_one(d, args.what, args.extra, args.root)
        results.append(r)
        t = r["timings_s"]
        base = results[0]
        print(f"{d:7.0f} s: wall {r['wall_s']:7.2f} s  max RSS {r['max_rss_mib']:7.0f} MiB  "
              f"(load_audio {t.get('load_audio', t.get('decode', 0)):.2f} s, write {t.get('write', 0):.2f} s, face {t.get('face', 0):.2f} s, body {t.get('body', 0):.2f} s; "
              f"{r['face_model']} + {r['body_model']})  time ratio {r['wall_s'] / base['wall_s']:.1f} "
              f"for duration ratio {d / base['duration_s']:.0f}", flush=True)
    print(f"speech: {results[0]['speech']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
