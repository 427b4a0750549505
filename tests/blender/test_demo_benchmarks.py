"""Smoke test of ``make bench`` on a 2 s clip: every benchmark runs and reports its numbers.
(No speed is asserted here: speed goals live in benchmarks/ and docs/performance.md.)"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT


def test_run_all_smoke(tmp_path):
    out_json, out_md = tmp_path / "r.json", tmp_path / "r.md"
    proc = subprocess.run([sys.executable, "-m", "benchmarks.run_all", "--durations", "2",
                           "--json", str(out_json), "--markdown", str(out_md)],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads(out_json.read_text())
    (r,) = data["results"]
    inf, bake = r["inference"], r["bake"]
    assert inf["duration_s"] == 2.0 and inf["both"]["seconds"] > 0 and inf["face"] and inf["body"]["seconds"] > 0
    assert bake["e2e"]["frames"] == 60 and bake["channels"] == 52 + 55 * 4 + 3
    assert bake["dense_keys"] == 60 * bake["channels"] == bake["e2e"]["keys"]
    assert bake["per_key"]["frames_timed"] == 60 and not bake["per_key"]["extrapolated"]
    assert bake["per_key"]["calls"] == 60 * (52 + 55 + 1)
    assert "| 2 s |" in out_md.read_text() and "Whole Generate path" in proc.stdout
    # every figure printed with its yardstick ratio, date, commit and machine load
    assert inf["yardstick_s"] > 0 and inf["both"]["ratio"] == inf["both"]["seconds"] / inf["yardstick_s"]
    for stamp in (inf["stamp"], bake["stamp"]):
        assert stamp["commit"] and stamp["date_utc"] and len(stamp["load"]) == 3
    names = [f["name"] for f in bake["figures"]]
    assert any("body targets" in n for n in names) and any("bulk key writing" in n for n in names)
    for f in bake["figures"]:
        assert f["seconds"] > 0 and abs(f["ratio"] - f["seconds"] / f["yardstick_s"]) < 1e-12
        assert f"{f['name'].strip()}: {f['seconds']:.3f} s, ratio {f['ratio']:.3f}" in proc.stdout
