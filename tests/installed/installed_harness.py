"""Harness of the installed-extension tests (a unique module name; ``conftest`` re-exports it).

See the docstring of ``tests/installed/conftest.py`` for the interface.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for _p in (ROOT, ROOT / "tests" / "blender"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from tools.packaging import blender_env  # noqa: E402

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
VERSIONS_ENV = "SPEECHANIM_BPY_VERSIONS"
DEFAULT_VERSIONS = "5.0.1,5.2.3"
PARAMS_ENV = "SPEECHANIM_SCENARIO_PARAMS"


def bpy_versions() -> list[str]:
    """The bpy versions of this run (env var ``SPEECHANIM_BPY_VERSIONS``, comma list)."""
    return [v.strip() for v in os.environ.get(VERSIONS_ENV, DEFAULT_VERSIONS).split(",") if v.strip()]


def run_installed(env: blender_env.BlenderEnv, name: str, *, timeout: float = 300, expect_ok: bool = True,
                  **params):
    """Run scenario ``name`` in ``env``; return ``(result, proc)`` (see the module docstring).

    Raises:
        FileNotFoundError: no ``scenarios/<name>.py``.
        AssertionError: ``expect_ok`` and the process exited non-zero.
        subprocess.TimeoutExpired: it ran longer than ``timeout`` seconds.
    """
    script = SCENARIOS / f"{name}.py"
    if not script.is_file():
        raise FileNotFoundError(f"scenario {name!r}: no file {script}; scenarios: "
                                f"{sorted(p.stem for p in SCENARIOS.glob('*.py') if p.stem != 'installed')}")
    environ = env.environ()
    environ[PARAMS_ENV] = json.dumps(params)
    # the child leaves with os._exit (see installed.finish): Blender's own temp folder would stay behind
    with tempfile.TemporaryDirectory(prefix="speechanim_bpy_") as tmp:
        environ.setdefault("TMPDIR", tmp)
        proc = subprocess.run([str(env.python), str(script)], cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout, env=environ)
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT:"):
            result = json.loads(line[len("RESULT:"):])
    if expect_ok and proc.returncode != 0:
        raise AssertionError(f"scenario {name} on bpy {env.bpy_version} failed (exit {proc.returncode}):\n"
                             f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-6000:]}")
    return result, proc
