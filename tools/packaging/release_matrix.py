"""Release check: run the installed-extension tests in a clean environment of every supported Blender
and write the result table into ``docs/blender-versions.md``.

For each bpy version (default: 4.2.23, the latest 4.5.x on the registry, 5.0.1, 5.2.3) this runs
``pytest tests/installed`` with ``SPEECHANIM_BPY_VERSIONS=<version>`` (so
:mod:`tools.packaging.blender_env` makes ``.blender-envs/bpy-X``: bpy alone on its Python, the zip built,
validated and installed by that Blender), reads the JUnit XML, and replaces the text between
:data:`BEGIN` and :data:`END` in ``docs/blender-versions.md`` with two tables: one row per version
(Python, numpy, passed / failed / skipped, wall time) and one row per test (its outcome on each version).

Usage::

    python -m tools.packaging.release_matrix                         # the full matrix
    python -m tools.packaging.release_matrix --versions 5.0.1,5.2.3  # a subset
    python -m tools.packaging.release_matrix --no-write              # print the tables only
    make release-matrix

Exit status 1 when any test failed or errored on any version (the table is written anyway).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "blender-versions.md"
BEGIN = "<!-- release-matrix:begin (written by tools/packaging/release_matrix.py) -->"
END = "<!-- release-matrix:end -->"
#: Fixed releases of the matrix; ``4.5.x`` is resolved to the newest 4.5 on the registry.
DEFAULT_VERSIONS = ("4.2.23", "4.5.x", "5.0.1", "5.2.3")


def latest(series: str) -> str:
    """Newest ``bpy`` release of ``series`` (``"4.5.x"``) that pip lists for CPython 3.11.

    Raises:
        RuntimeError: pip lists none (no network, or no such series).
    """
    from tools.packaging.blender_env import find_python

    prefix = series[:-1]
    python, _tried = find_python("3.11")
    proc = subprocess.run([python or sys.executable, "-m", "pip", "index", "versions", "bpy"],
                          capture_output=True, text=True, timeout=120)
    m = re.search(r"Available versions:\s*(.+)", proc.stdout)
    found = [v.strip() for v in m.group(1).split(",")] if m else []
    matching = [v for v in found if v.startswith(prefix)]
    if not matching:
        raise RuntimeError(f"no bpy {series} on the registry (pip index versions bpy: {proc.stdout[-500:]}"
                           f"{proc.stderr[-500:]})")
    return max(matching, key=lambda v: tuple(int(p) for p in v.split(".")))


def run_version(version: str, pytest_args: list[str]) -> dict:
    """Make the env (timed: ``setup_s``), then run ``tests/installed`` for one bpy version (timed:
    ``wall_s``, the zip already installed); return outcomes per test and totals."""
    from tools.packaging import blender_env

    t0 = time.monotonic()
    setup_error = ""
    try:
        blender_env.ensure(version)
    except (blender_env.EnvUnavailable, blender_env.EnvError, RuntimeError) as exc:
        setup_error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    setup_s = time.monotonic() - t0
    with tempfile.TemporaryDirectory() as tmp:
        xml = Path(tmp) / "junit.xml"
        env = dict(os.environ, SPEECHANIM_BPY_VERSIONS=version)
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                               f"--junitxml={xml}", "tests/installed", *pytest_args],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        wall_s = time.monotonic() - t0
        tests: dict[str, str] = {}
        reasons: dict[str, str] = {}
        if xml.is_file():
            for case in ET.parse(xml).getroot().iter("testcase"):
                name = re.sub(r"\[.*\]$", "", case.get("name", ""))
                name = f"{case.get('classname', '').split('.')[-1]}::{name}"
                outcome = "passed"
                for child in case:
                    if child.tag in ("failure", "error"):
                        outcome = "FAILED" if child.tag == "failure" else "ERROR"
                        reasons[name] = (child.get("message") or "").splitlines()[0][:160] if child.get("message") \
                            else ""
                    elif child.tag == "skipped":
                        outcome = "skipped"
                        reasons[name] = (child.get("message") or "")[:160]
                tests[name] = outcome
    info = {}
    state = blender_env.ENVS_DIR / f"bpy-{version}" / "state.json"  # honours SPEECHANIM_BLENDER_ENVS
    if state.is_file():
        info = json.loads(state.read_text()).get("installed", {})
    counts = {k: sum(1 for o in tests.values() if o == k) for k in ("passed", "FAILED", "ERROR", "skipped")}
    return {"version": version, "python": info.get("python", "-"), "numpy": info.get("numpy", "-"),
            "installed": bool(info.get("enabled")), "tests": tests, "reasons": reasons, "counts": counts,
            "wall_s": wall_s, "setup_s": setup_s, "setup_error": setup_error, "returncode": proc.returncode,
            "tail": proc.stdout[-1500:]}


def tables(results: list[dict]) -> str:
    """The Markdown written between the markers."""
    today = dt.date.today().isoformat()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "?"
    lines = [f"Last run: {today}, commit {commit}, {os.uname().machine} Linux with {os.cpu_count()} CPUs, linux_x64 "
             "zip, `python -m tools.packaging.release_matrix`. *setup*: making the env (bpy download on first use, "
             "build + validate, install when the zip changed); *tests*: `pytest tests/installed` after it.",
             "", "| bpy | Python | numpy | installs + enables | passed | failed | skipped | setup (s) | tests (s) |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c = r["counts"]
        lines.append(f"| {r['version']} | {r['python']} | {r['numpy']} | {'yes' if r['installed'] else 'NO'} | "
                     f"{c['passed']} | {c['FAILED'] + c['ERROR']} | {c['skipped']} | {r.get('setup_s', 0):.0f} | "
                     f"{r['wall_s']:.0f} |")
    names = sorted({n for r in results for n in r["tests"]})
    lines += ["", "| test | " + " | ".join(r["version"] for r in results) + " |",
              "|---|" + "---|" * len(results)]
    for n in names:
        lines.append(f"| `{n}` | " + " | ".join(r["tests"].get(n, "-") for r in results) + " |")
    notes = [(r["version"], "setup", r["setup_error"]) for r in results if r.get("setup_error")]
    notes += [(r["version"], n, why) for r in results for n, why in sorted(r["reasons"].items()) if why]
    if notes:
        lines += ["", "Failures and skips:", ""]
        lines += [f"- {v} `{n}`: {why.replace('|', '/')}" for v, n, why in notes]
    return "\n".join(lines)


def write_doc(text: str) -> None:
    """Replace the block between :data:`BEGIN` and :data:`END` (appended under a heading if absent)."""
    doc = DOC.read_text()
    block = f"{BEGIN}\n{text}\n{END}"
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
    else:
        doc = doc.rstrip("\n") + "\n\n## Release matrix (clean environments)\n\n" + block + "\n"
    DOC.write_text(doc)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run tests/installed on every supported Blender; write the table.")
    ap.add_argument("--versions", default=",".join(DEFAULT_VERSIONS),
                    help="comma list of bpy versions; 'A.B.x' = newest A.B release (default: %(default)s)")
    ap.add_argument("--no-write", action="store_true", help=f"print the tables, do not edit {DOC.name}")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = ap.parse_args(argv)
    versions = [latest(v) if v.endswith(".x") else v for v in args.versions.split(",") if v]
    results = []
    for v in versions:
        print(f"bpy {v} ...", file=sys.stderr, flush=True)
        r = run_version(v, args.pytest_args)
        print(f"bpy {v}: {r['counts']} in {r['wall_s']:.0f} s", file=sys.stderr, flush=True)
        if not r["tests"]:
            print(r["tail"], file=sys.stderr)
        results.append(r)
    text = tables(results)
    print(text)
    if not args.no_write:
        write_doc(text)
    bad = any(r["counts"]["FAILED"] or r["counts"]["ERROR"] or not r["tests"] for r in results)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
