"""EMAGE backend speed and memory on the full-size network (random weights, published shapes).

    .venv/bin/python -m benchmarks.bench_emage [--checkpoint DIR] [--threads 2] [--device cpu]
        [--durations 20,60] [--long 600]

Without ``--checkpoint`` a synthetic checkpoint with the published shapes is written to a temporary
folder (560 MB; speed does not depend on the values). Prints one ``RESULT:<json>`` line with load
times (first conversion, cached), seconds per clip, seconds per minute of audio, the ratio to the
reference implementation (1.45 s per 20 s on 2 threads of an idle Xeon, fixtures INTERFACE §10),
CPU seconds (less sensitive to a busy machine than wall time), and for ``--long`` seconds the peak
RSS increase while generating (the windowed runner keeps only (T, 256) latents and decodes in
chunks, so memory grows with T only through the outputs).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

import numpy as np

from .measure import max_rss_mb, timed

#: Reference implementation: 20 s of audio in ~1.45 s on 2 threads (INTERFACE §10, torch 2.14.1).
REFERENCE_S_PER_20S: float = 1.45


def _noise_speech(seconds: float, seed: int = 0) -> np.ndarray:
    """Speech-like test signal: amplitude-modulated noise at 16 kHz (values only affect nothing here)."""
    rng = np.random.default_rng(seed)
    n = int(seconds * 16000)
    env = 0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * np.arange(n) / 16000)
    return (rng.standard_normal(n) * 0.1 * env).astype(np.float32)


def _status_kb(field: str) -> float:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return float(line.split()[1])
    except OSError:
        pass
    return float("nan")


def _current_rss_mb() -> float:
    """Resident set size now (MiB; Linux only, NaN elsewhere)."""
    return _status_kb("VmRSS") / 1024


def _peak_rss_mb() -> float:
    """Peak RSS since the last :func:`_reset_peak_rss` (MiB; Linux only)."""
    return _status_kb("VmHWM") / 1024


def _reset_peak_rss() -> None:
    """Reset the kernel's peak-RSS counter of this process (Linux >= 4.0; ignored elsewhere)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def run(checkpoint: str, threads: int, device: str, durations: list[float], long_s: float) -> dict:
    from inference.emage.runner import EmageModel

    out: dict = {"checkpoint": checkpoint, "threads": threads, "device": device}
    cpu0 = time.process_time()
    t_first, model = timed(lambda: EmageModel(checkpoint, device=device, threads=threads))
    out["load_first_s"] = t_first
    out["load_cached_s"], model = timed(lambda: EmageModel(checkpoint, device=device, threads=threads))
    out["provider"] = model.provider
    model.infer(_noise_speech(2.0))  # warm-up
    out["clips"] = []
    for d in durations:
        audio = _noise_speech(d)
        c0 = time.process_time()
        t, _ = timed(lambda: model.infer(audio), 2)
        cpu = (time.process_time() - c0) / 2  # CPU seconds of this process per run (all threads)
        out["clips"].append({"duration_s": d, "seconds": t, "s_per_min": t * 60.0 / d, "cpu_s": cpu,
                             "cpu_s_per_min": cpu * 60.0 / d, "load_avg_1min": os.getloadavg()[0],
                             "ratio_to_reference": (t * 20.0 / d) / REFERENCE_S_PER_20S})
    if long_s:
        audio = _noise_speech(long_s)
        _reset_peak_rss()
        rss0 = _current_rss_mb()
        t = time.perf_counter()
        res = model.infer(audio)
        out["long"] = {"duration_s": long_s, "seconds": time.perf_counter() - t, "frames": res.trans.shape[0],
                       "rss_before_mb": rss0, "rss_peak_during_mb": _peak_rss_mb()}
    out["cpu_total_s"] = time.process_time() - cpu0
    out["max_rss_mb"] = max_rss_mb()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkpoint", help="EMAGE checkpoint folder (default: a synthetic full-size one)")
    ap.add_argument("--threads", type=int, default=2, help="onnxruntime intra-op threads (default 2)")
    ap.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    ap.add_argument("--durations", default="20,60", help="comma-separated clip lengths in seconds")
    ap.add_argument("--long", type=float, default=600.0, help="long clip for the memory check (0 = skip)")
    args = ap.parse_args(argv)
    durations = [float(x) for x in args.durations.split(",") if x]
    with tempfile.TemporaryDirectory() as tmp:
        ck = args.checkpoint
        if not ck:
            from tools.fixtures.emage_synthetic import write_checkpoint

            ck = write_checkpoint(os.path.join(tmp, "emage_audio"))
        result = run(ck, args.threads, args.device, durations, args.long)
    print("RESULT:" + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
