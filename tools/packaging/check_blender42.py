"""Run the Blender test set on bpy 4.2 LTS (legacy ``action.fcurves`` path) in a separate venv.

    python3.11 -m tools.packaging.check_blender42                 # venv in /tmp/speechanim-bpy42 (created once)
    python3.11 -m tools.packaging.check_blender42 --venv DIR -- -k bake   # extra args go to pytest
    python3.11 -m tools.packaging.check_blender42 --key-paths             # only the spine + editing tests (~2 min)

The venv gets ``bpy==4.2.*``, ``numpy<2``, the runtime requirements and pytest. The tests in
``tests/blender`` start their bpy subprocesses with the interpreter running pytest, so the whole
set runs against Blender 4.2's module. Exit code: pytest's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BPY_SPEC = "bpy==4.2.*"
#: The key paths: bake (legacy ``action.fcurves``), Generate/undo/Clear, editing after generation
#: (layers, merge down, prompts, ranges, timeline audio: a warning without Audaspace), batch CLI.
KEY_PATHS = ("test_bake.py", "test_operators.py", "test_generate.py", "test_layers.py", "test_range.py",
             "test_timeline_audio.py", "test_robot_edit.py", "test_batch_cli.py", "test_first_minutes.py")


def ensure_venv(venv: Path) -> Path:
    """Create ``venv`` with bpy 4.2 and the test requirements if it has no bpy yet; return its python."""
    py = venv / "bin" / "python"
    if py.exists() and subprocess.run([str(py), "-c", "import bpy"], capture_output=True).returncode == 0:
        missing = subprocess.run([str(py), "-c", "import matplotlib, scipy, pygltflib, bvhio"],
                                 capture_output=True).returncode
        if missing:  # a venv made by an earlier version of this script
            subprocess.run([str(py), "-m", "pip", "install", "-q", "numpy<2", *_test_pins()], check=True)
        return py
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    reqs = [line.split("#")[0].strip() for line in (ROOT / "requirements" / "runtime.txt").read_text().splitlines()]
    reqs = [r for r in reqs if r]
    subprocess.run([str(py), "-m", "pip", "install", "-q", BPY_SPEC, *reqs, *_test_pins()], check=True)
    return py


def _test_pins() -> list[str]:
    """The dev pins the Blender tests import besides the runtime (pytest; matplotlib and scipy for the
    demo plots and rotation checks; pygltflib and bvhio for the rigs export tests)."""
    pins = (ROOT / "requirements" / "dev.txt").read_text().split()
    return [next((r for r in pins if r.startswith(name + "==")), name)
            for name in ("pytest", "matplotlib", "scipy", "pygltflib", "bvhio")]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Run tests/blender on bpy 4.2.")
    ap.add_argument("--venv", type=Path, default=Path("/tmp/speechanim-bpy42"))
    ap.add_argument("--key-paths", action="store_true", help=f"run only {', '.join(KEY_PATHS)}")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments (after --)")
    args = ap.parse_args(argv)
    py = ensure_venv(args.venv)
    version = subprocess.run([str(py), "-c", "import bpy; print(bpy.app.version_string)"],
                             capture_output=True, text=True).stdout.strip()
    print(f"bpy {version} in {args.venv}", flush=True)
    targets = [f"tests/blender/{name}" for name in KEY_PATHS] if args.key_paths else ["tests/blender"]
    cmd = [str(py), "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *targets, *args.pytest_args]
    return subprocess.run(cmd, cwd=ROOT, env=dict(os.environ)).returncode


if __name__ == "__main__":
    sys.exit(main())
