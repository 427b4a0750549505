"""Harness of the installed-extension tests (a unique module name; ``conftest`` re-exports it).

See the docstring of ``tests/installed/conftest.py`` for the interface.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for _p in (ROOT, ROOT / "tests" / "blender"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

from bpy_harness import PARAMS_ENV, run_child, scenario_script  # noqa: E402,F401  (PARAMS_ENV: re-exported)
from tools.packaging import blender_env  # noqa: E402

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
VERSIONS_ENV = "SPEECHANIM_BPY_VERSIONS"
DEFAULT_VERSIONS = "5.0.1,5.2.3"


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
    script = scenario_script(SCENARIOS, name, "installed")
    return run_child([str(env.python), str(script)], env.environ(), {PARAMS_ENV: json.dumps(params)},
                     timeout=timeout, expect_ok=expect_ok, what=f"scenario {name} on bpy {env.bpy_version}")
