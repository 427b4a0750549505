"""Timing and memory helpers of the benchmarks."""

from __future__ import annotations

import platform
import resource
import sys
import time
import tracemalloc


def timed(fn, repeats: int = 1):
    """Run ``fn()`` ``repeats`` times; return ``(best_seconds, last_result)``."""
    best, result = float("inf"), None
    for _ in range(max(1, repeats)):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def traced_peak_mb(fn) -> tuple[float, object]:
    """Peak of Python-tracked allocations (numpy arrays included) while ``fn()`` runs, in MiB.
    Memory allocated by C libraries outside Python's allocator (onnxruntime, Blender) is not seen."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20, result


def max_rss_mb() -> float:
    """Peak resident set size of this process so far (MiB; Linux reports KiB, macOS bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (2**20 if sys.platform == "darwin" else 2**10)


def machine() -> str:
    """One line describing the CPU, core count and Python."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import os

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return f"{model}, {cpus} usable CPUs, Python {platform.python_version()}, {platform.system()}"


def load_average() -> tuple[float, float, float]:
    """The machine's 1, 5 and 15 minute load averages (``os.getloadavg``; zeros where unavailable)."""
    import os

    try:
        return tuple(round(x, 2) for x in os.getloadavg())
    except OSError:
        return (0.0, 0.0, 0.0)


def commit() -> str:
    """Short git commit of the checkout the benchmarks run from (``+dirty`` with uncommitted
    changes to tracked files; ``unknown`` outside git)."""
    import subprocess
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True,
                             text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha + ("+dirty" if dirty else "")


def stamp() -> dict:
    """When, where and under what load a figure was measured: ``{"date_utc", "commit", "load",
    "machine"}`` (``load``: 1/5/15 min load averages)."""
    return {"date_utc": time.strftime("%Y-%m-%d %H:%M", time.gmtime()), "commit": commit(),
            "load": load_average(), "machine": machine()}


def median(values) -> float:
    """Median of a non-empty sequence of numbers."""
    import statistics

    return float(statistics.median(values))
