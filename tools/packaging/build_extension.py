"""Build the installable extension zip(s) with Blender's own builder.

Steps: :func:`tools.packaging.fetch_wheels.fetch` (runtime wheels into ``wheels/`` + manifest list), then
``blender_ext.py build`` (the same code as ``blender --command extension build``, taken from the
bpy wheel) and ``blender_ext.py validate`` on every zip. Prints the zip paths, one per line.

Usage::

    .venv/bin/python -m tools.packaging.build_extension --out dist              # one zip per platform
    .venv/bin/python -m tools.packaging.build_extension --out dist --single     # one zip, all platforms

Blender's builder is looked up in the bpy module of the running interpreter
(``bpy/<version>/scripts/addons_core/bl_pkg/cli/blender_ext.py``); ``--blender-ext`` overrides it.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

from . import fetch_wheels

ROOT = Path(__file__).resolve().parents[2]


class BuildError(RuntimeError):
    """Blender's builder or validator rejected the package."""


def find_blender_ext() -> Path:
    """Path of ``blender_ext.py`` inside the installed bpy module.

    Raises:
        BuildError: bpy is not installed or ships no builder.
    """
    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        raise BuildError("bpy module not found: install requirements/dev.txt (bpy==5.0.1) or pass --blender-ext")
    base = Path(next(iter(spec.submodule_search_locations)))
    found = sorted(base.glob("*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    if not found:
        raise BuildError(f"{base}: expected */scripts/addons_core/bl_pkg/cli/blender_ext.py, found none")
    return found[-1]


def _run_json(cmd: list[str]) -> list[dict]:
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    messages = []
    for line in proc.stdout.splitlines():
        line = line.strip()
        if line.startswith("["):
            try:
                kind, text = json.loads(line)
            except ValueError:
                continue
            messages.append({"type": kind, "text": text})
    if proc.returncode != 0 or any(m["type"] == "FATAL_ERROR" for m in messages):
        detail = "\n".join(m["text"] for m in messages) or proc.stdout + proc.stderr
        raise BuildError(f"{' '.join(cmd[1:3])} failed (exit {proc.returncode}):\n{detail}")
    return messages


def build(out_dir: Path, split_platforms: bool = True, blender_ext: Path | None = None,
          fetch: bool = True) -> list[Path]:
    """Fetch wheels, build and validate the zip(s); return their paths.

    Raises:
        BuildError: the builder or the validator failed (its messages are included).
        RuntimeError: a wheel download failed.
    """
    if fetch:
        fetch_wheels.fetch()
    tool = blender_ext or find_blender_ext()
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    before = {p: p.stat().st_mtime for p in out_dir.glob("*.zip")}
    cmd = [sys.executable, str(tool), "build", "--source-dir", str(ROOT), "--output-dir", str(out_dir),
           "--output-type", "JSON"]
    if split_platforms:
        cmd.append("--split-platforms")
    messages = _run_json(cmd)
    zips = sorted(p for p in out_dir.glob("*.zip") if before.get(p) != p.stat().st_mtime)
    if not zips:
        raise BuildError("build reported success but wrote no zip:\n" + "\n".join(m["text"] for m in messages))
    for z in zips:
        _run_json([sys.executable, str(tool), "validate", str(z), "--output-type", "JSON"])
    return zips


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build the Speech Animator extension zip(s).")
    ap.add_argument("--out", default="dist", help="output folder (default: dist)")
    ap.add_argument("--single", action="store_true", help="one zip with every platform's wheels")
    ap.add_argument("--blender-ext", type=Path, default=None, help="path of Blender's blender_ext.py")
    ap.add_argument("--no-fetch", action="store_true", help="use wheels/ and the manifest as they are")
    args = ap.parse_args(argv)
    try:
        zips = build(Path(args.out), split_platforms=not args.single, blender_ext=args.blender_ext,
                     fetch=not args.no_fetch)
    except (BuildError, RuntimeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for z in zips:
        print(z)
    return 0


if __name__ == "__main__":
    sys.exit(main())
