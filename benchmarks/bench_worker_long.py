"""Long audio through the sidebar's Generate worker process: wall time and peak memory.

    .venv/bin/python -m benchmarks.bench_worker_long [--durations 60 600] [--root CHECKOUT]

What the sidebar's Generate runs outside Blender's process: a child Python serving the worker
protocol (``addon/worker/child.py``, protocol v1) gets one ``generate`` job (``job.json``: the audio and
default :class:`GenerateOptions` at 30 fps, face + body) and writes ``result.npz``. Peak memory is
that child's max RSS (``os.wait4``), time its wall clock from start to exit (Python start-up and
imports included). The speech is ``benchmarks/speech.py``'s (real English clips looped). ``--root``
runs another checkout's worker (e.g. an older commit, for before / after); the protocol is the same.
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
#: The child: the checkout as package ``speech_animator`` (as Blender has it), then the worker loop.
#: ``addon.worker.child`` since issue 19, ``addon.jobchild`` in older checkouts.
_CHILD = """
import importlib, sys
sys.path.insert(0, sys.argv[1])
from tools.bake import load_extension
load_extension(register=False)
try:
    child = importlib.import_module("speech_animator.addon.worker.child")
except ImportError:  # a checkout from before issue 19
    child = importlib.import_module("speech_animator.addon.jobchild")
sys.exit(child.serve())
"""


def run_one(duration_s: float, root: Path = ROOT) -> dict:
    """One Generate job of ``duration_s`` seconds of speech in a fresh worker child; the numbers."""
    from inference.options import GenerateOptions

    with tempfile.TemporaryDirectory() as tmp:
        wav, desc = write_speech(duration_s, Path(tmp) / f"speech_{duration_s:g}s.wav")
        job_dir = Path(tmp) / "job"
        job_dir.mkdir()
        (job_dir / "job.json").write_text(json.dumps({"audio_path": str(wav),
                                                      "options": GenerateOptions(fps=30.0).to_mapping()}))
        requests = [{"op": "generate", "id": "bench", "job_dir": str(job_dir)}, {"op": "shutdown"}]
        t0 = time.perf_counter()
        with open(Path(tmp) / "stderr.txt", "w+b") as err_file:
            proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(root)], cwd=root, stdin=subprocess.PIPE,
                                    stdout=subprocess.PIPE, stderr=err_file)
            proc.stdin.write("".join(json.dumps(r) + "\n" for r in requests).encode())
            proc.stdin.close()
            out = proc.stdout.read()
            proc.stdout.close()
            _, _, usage = os.wait4(proc.pid, 0)  # before Popen reaps it: the child's own max RSS
            wall = time.perf_counter() - t0
            err_file.seek(0)
            err = err_file.read()
        events = [json.loads(line) for line in out.decode().splitlines() if line.strip()]
        done = [e for e in events if e.get("event") in ("done", "error", "cancelled")]
        if not done or done[-1]["event"] != "done":
            raise RuntimeError(f"worker failed on {duration_s:g} s: {done[-1:]}\n{err.decode()[-3000:]}")
        import numpy as np

        with np.load(job_dir / "result.npz") as z:
            prov = json.loads(str(z["provenance"]))
            frames = int(z["arkit"].shape[0])
    return {"duration_s": duration_s, "wall_s": wall, "max_rss_mib": usage.ru_maxrss / 1024.0, "frames": frames,
            "timings_s": prov.get("timings_s", {}), "windows": prov.get("windows", 1), "speech": desc}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--durations", type=float, nargs="+", default=[60.0, 600.0])
    ap.add_argument("--root", type=Path, default=ROOT, help="checkout whose worker runs (default: this one)")
    ap.add_argument("--json", type=Path, help="also write the results here")
    args = ap.parse_args(argv)
    results = []
    for d in args.durations:
        r = run_one(d, args.root)
        results.append(r)
        t = r["timings_s"]
        print(f"{d:7.0f} s: wall {r['wall_s']:7.2f} s  max RSS {r['max_rss_mib']:7.0f} MiB  windows {r['windows']}  "
              f"(face {t.get('face', 0):.2f} s, body {t.get('body', 0):.2f} s)  root {args.root}", flush=True)
    print(f"speech: {results[0]['speech']}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
