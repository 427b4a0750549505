"""Run every benchmark and print the tables (``make bench``).

    .venv/bin/python -m benchmarks.run_all [--durations 10 60 600] [--json out/bench/results.json]
                                           [--markdown out/bench/results.md]

Each measurement runs in a fresh interpreter (``benchmarks.bench_inference`` and
``benchmarks.bench_bake``), so peak memory is per run and bpy state does not leak between runs.
Numbers go to ``docs/performance.md`` by hand, with the machine they were measured on.
Target (issue 20 item 1): 60 s of speech generated and baked (face + body) in <= 0.5 s, ratio <= 0.6
against the yardstick (``benchmarks/yardstick.py``) run beside every figure.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from .measure import machine

ROOT = Path(__file__).resolve().parents[1]


def _child(module: str, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT:"):
            return json.loads(line[len("RESULT:"):])
    raise RuntimeError(f"{module} {' '.join(args)} failed (exit {proc.returncode}):\n{proc.stderr[-3000:]}")


def _table(title: str, header: list[str], rows: list[str]) -> list[str]:
    """Lines of a markdown table under ``title``: the title, a blank line, the header, the rule, ``rows``."""
    return [title, "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header), *rows]


def _stamp(st: dict) -> str:
    """``date, commit, load 1-min`` of a measurement's stamp (:func:`benchmarks.measure.stamp`)."""
    return f"{st['date_utc']}, {st['commit']}, load {st['load'][0]:.1f}"


def _inference_row(inf: dict) -> str:
    faces = " | ".join(f"{v['seconds']:.3f} s ({v['ratio']:.3f})" for v in inf["face"].values())
    return (f"| {inf['duration_s']:g} s | {faces} | {inf['body']['seconds']:.3f} s ({inf['body']['ratio']:.3f}) | "
            f"{inf['both']['seconds']:.3f} s ({inf['both']['ratio']:.3f}) | {inf['yardstick_s']:.2f} s | "
            f"{inf['both']['rtf']:.4f} | {inf['both']['traced_peak_mb']:.0f} MiB | {inf['max_rss_mb']:.0f} MiB | "
            f"{_stamp(inf['stamp'])} |")


def _bake_row(b: dict) -> str:
    y = b["yardstick_s"]
    pk = b.get("per_key")
    est = "not run" if pk is None else f"{pk['seconds_full']:.1f} s" + (
        f" (extrapolated from {pk['frames_timed']} frames)" if pk["extrapolated"] else "")
    speed = f"{b['bulk_vs_per_key']:.0f}x" if pk is not None else "-"
    return (f"| {b['duration_s']:g} s | {b['e2e']['frames']} | {b['channels']} | {b['dense_keys']} | "
            f"{b['targets_s']:.3f} s ({b['targets_s'] / y:.3f}) | {b['bulk_bake_s']:.3f} s ({b['bulk_bake_s'] / y:.3f}) | "
            f"{b['reduced_bake_s']:.3f} s ({b['reduced_keys']}) | {est} | {speed} | {y:.2f} s | "
            f"{b['max_rss_mb']:.0f} MiB | {_stamp(b['stamp'])} |")


def _generate_row(b: dict) -> str:
    e, w = b["e2e"], b["e2e_warm"]
    return (f"| {b['duration_s']:g} s | {e['generate_s']:.3f} s | {e['apply_s']:.3f} s | "
            f"{e['total_s']:.3f} s ({e['ratio']:.3f}) | {w['total_s']:.3f} s | {w['total_s'] / b['yardstick_s']:.3f} | "
            f"{w['rtf']:.4f} | {e['face_model']} | {e['body_model']} |")


def tables(results: list[dict]) -> str:
    """Markdown tables of the inference and bake results; every time with its ratio to the
    yardstick run beside it (``benchmarks/yardstick.py``), and each run's date, commit and load."""
    faces = [f"face {name}" for name in results[0]["inference"]["face"]]
    lines = _table("### Inference (bpy-free; best of 3, 1 for 600 s); (ratio) = seconds / yardstick",
                   ["speech", *faces, "body", "face+body (default)", "yardstick", "RTF face+body", "traced peak",
                    "max RSS", "measured"], [_inference_row(r["inference"]) for r in results])
    lines += ["", *_table("### Baking on the demo character (bpy 5.0 module); medians, (ratio) = seconds / yardstick",
                          ["speech", "frames", "channels", "dense keys", "targets", "bulk bake", "reduced bake (keys)",
                           "per-key keyframe_insert", "bulk speed-up", "yardstick", "max RSS", "measured"],
                          [_bake_row(r["bake"]) for r in results])]
    lines += ["", *_table("### Whole Generate path (make_job + infer + apply, dense keys, as the sidebar button runs it)",
                          ["speech", "generate", "targets + bake", "total (first run)", "total (warm, median)",
                           "ratio (warm)", "real-time factor (warm)", "face model", "body model"],
                          [_generate_row(r["bake"]) for r in results])]
    for r in results:
        lines += ["", f"Figures, {r['bake']['duration_s']:g} s (issue 20 item 1 targets scaled from 60 s):", ""]
        for f in r["bake"]["figures"]:
            target = (f", target <= {f['target_s']:.3f} s: {'met' if f['met'] else 'NOT met'}" if "target_s" in f else "")
            lines.append(f"- {f['name'].strip()}: {f['seconds']:.3f} s, ratio {f['ratio']:.3f}{target}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--durations", type=float, nargs="+", default=[10.0, 60.0, 600.0])
    ap.add_argument("--json", type=Path, default=ROOT / "out" / "bench" / "results.json")
    ap.add_argument("--markdown", type=Path, default=ROOT / "out" / "bench" / "results.md")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}", flush=True)
    results = []
    for d in args.durations:
        reps = "3" if d <= 60 else "1"
        print(f"{d:g} s: inference ...", flush=True)
        inf = _child("benchmarks.bench_inference", "--duration", str(d), "--repeats", reps)
        print(f"{d:g} s: bake ...", flush=True)
        bk = _child("benchmarks.bench_bake", "--duration", str(d), "--repeats", "5" if d <= 60 else "1")
        results.append({"inference": inf, "bake": bk})
    md = tables(results)
    md += "\n\n" + _child("benchmarks.bench_cli", "--duration", "60" if 60.0 in args.durations else str(min(args.durations)))["markdown"]  # issue 20 item 2
    print()
    print(md)
    sixty = [r for r in results if r["bake"]["duration_s"] == 60.0]
    if sixty:
        b = sixty[0]["bake"]
        w = b["figures"][0]
        verdict = "MET" if w["met"] and w["ratio"] <= b["target_ratio"] else "NOT met"
        line = (f"\nTarget (issue 20 item 1): 60 s generated + baked (face + body) in <= {w['target_s']:g} s and a "
                f"ratio <= {b['target_ratio']:g}: {verdict} (warm {w['seconds']:.2f} s, ratio {w['ratio']:.3f}; first run "
                f"{b['e2e']['total_s']:.2f} s; face {b['e2e']['face_model']}, body {b['e2e']['body_model']}; "
                f"load {b['stamp']['load']})")
        print(line)
        md += "\n" + line
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"machine": machine(), "results": results}, indent=2))
    args.markdown.write_text(f"machine: {machine()}\n\n{md}\n")
    print(f"\nwrote {args.json} and {args.markdown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
