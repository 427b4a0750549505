"""Smoke test of ``benchmarks/bench_cli.py`` on a 2 s clip: the whole-process CLI figure comes with
its yardstick ratio, CPU time, date, commit and load (no speed is asserted: speed goals live in
benchmarks/ and docs/performance.md)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.conftest import REPO_ROOT


def test_bench_cli_reports_the_figure_with_its_ratio():
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_cli", "--duration", "2", "--repeats", "2",
                           "--also-compiling"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (line,) = [x for x in proc.stdout.splitlines() if x.startswith("RESULT:")]
    r = json.loads(line[len("RESULT:"):])
    this = r["this"]
    assert r["duration_s"] == 2.0 and len(this["wall_runs_s"]) == 2 and len(r["yardstick_runs_s"]) == 2
    assert this["seconds"] > 0 and this["cpu_s"] > 0 and this["ratio"] == this["seconds"] / r["yardstick_s"]
    assert abs(r["target_s"] - 0.25 * 2 / 60) < 1e-12 and r["met"] == (this["seconds"] <= r["target_s"])
    assert r["stamp"]["commit"] and r["stamp"]["date_utc"] and len(r["stamp"]["load"]) == 3
    assert f"{this['seconds']:.3f} s (ratio {this['ratio']:.3f}" in r["markdown"] and "baseline" not in r
    # the same rounds without a bytecode cache, as a PYTHONDONTWRITEBYTECODE=1 shell runs it
    comp = r["this compiling"]
    assert len(comp["wall_runs_s"]) == 2 and comp["cpu_s"] > 0 and isinstance(comp["checkout_has_pycache"], bool)
    assert f"this compiling {comp['seconds']:.3f} s" in r["markdown"]


def test_bench_cli_refuses_a_baseline_that_is_not_a_checkout(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_cli", "--baseline", str(tmp_path)],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and f"--baseline: expected a checkout with inference/__main__.py, found {tmp_path}" \
        in proc.stderr
