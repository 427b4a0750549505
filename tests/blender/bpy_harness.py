"""Harness of the Blender tests: every test runs its bpy code in a fresh subprocess.

Import it as ``from bpy_harness import run_bpy, ...`` (a unique module name; ``conftest``
re-exports the same names for older tests).

bpy state is global to a process, so each scenario gets its own interpreter (the venv's python
with the bpy 5.0.1 module). The child prints one ``RESULT:<json>`` line that the test reads.

Scenarios are real files: ``tests/blender/scenarios/<name>.py`` run by :func:`run_scenario` (they
import :mod:`scenarios.scenario` for their parameters, ``emit`` and ``finish``). :func:`run_bpy`
runs a code string, kept for the older tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import sys
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]

PREAMBLE = f"""
import json, sys
sys.path.insert(0, {str(ROOT)!r})
sys.path.insert(0, {str(ROOT / 'tests' / 'blender')!r})
def emit(obj):
    print("RESULT:" + json.dumps(obj), flush=True)
"""

# The bpy 4.2 module crashes (SIGSEGV) at interpreter shutdown once any property with a Python
# callback (dynamic enum items, pointer poll) was registered, even after unregistering. Real
# Blender is not affected. A child that got this far has succeeded: leave without the teardown.
EPILOGUE = """
import os as _os, sys as _sys
_sys.stdout.flush(); _sys.stderr.flush()
_os._exit(0)
"""


def run_bpy(code: str, *, env: dict | None = None, timeout: float = 300, expect_ok: bool = True):
    """Run ``code`` (after a preamble defining ``emit``) in a new python; return ``(result, proc)``.

    ``result`` is the JSON passed to the last ``emit()`` (``None`` if none).
    """
    return run_child([sys.executable, "-c", PREAMBLE + textwrap.dedent(code) + EPILOGUE], os.environ, env or {},
                     timeout=timeout, expect_ok=expect_ok, what="bpy subprocess")


def run_child(argv: list, base_env, overrides: dict, *, timeout: float, expect_ok: bool, what: str):
    """Run ``argv`` in the repository with ``base_env`` updated by ``overrides``; return ``(result, proc)``.

    The child gets a ``TMPDIR`` of its own, removed afterwards, unless ``overrides`` names one
    (children leave with ``os._exit``, see EPILOGUE: Blender's temp folder would stay in /tmp).
    ``result`` is the JSON of its last ``RESULT:<json>`` line (``None`` if none).

    Raises:
        AssertionError: ``expect_ok`` and the child exited non-zero (``what``, the exit code and the
            ends of its stdout and stderr).
        subprocess.TimeoutExpired: it ran longer than ``timeout`` seconds.
    """
    environ = {**base_env, **overrides}
    with tempfile.TemporaryDirectory(prefix="speechanim_bpy_") as tmp:
        if "TMPDIR" not in overrides:
            environ["TMPDIR"] = tmp
        proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=environ)
    result = None
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT:"):
            result = json.loads(line[len("RESULT:"):])
    if expect_ok and proc.returncode != 0:
        raise AssertionError(f"{what} failed (exit {proc.returncode}):\n"
                             f"--- stdout\n{proc.stdout[-4000:]}\n--- stderr\n{proc.stderr[-6000:]}")
    return result, proc


def scenario_script(folder: Path, name: str, helper: str) -> Path:
    """``folder/<name>.py``.

    Raises:
        FileNotFoundError: there is none (the message lists the scenarios of ``folder``, less the
            shared ``helper`` module).
    """
    script = folder / f"{name}.py"
    if not script.is_file():
        raise FileNotFoundError(f"scenario {name!r}: no file {script}; scenarios: "
                                f"{sorted(p.stem for p in folder.glob('*.py') if p.stem != helper)}")
    return script


SCENARIOS = Path(__file__).resolve().parent / "scenarios"
#: Environment variable carrying a scenario's parameters (JSON).
PARAMS_ENV = "SPEECHANIM_SCENARIO_PARAMS"


def run_scenario(name: str, *, timeout: float = 300, expect_ok: bool = True, env: dict | None = None, **params):
    """Run ``scenarios/<name>.py`` in a new python with ``params`` (JSON-able keyword arguments);
    return ``(result, proc)`` like :func:`run_bpy`."""
    script = scenario_script(SCENARIOS, name, "scenario")
    return run_child([sys.executable, str(script)], os.environ, {**(env or {}), PARAMS_ENV: json.dumps(params)},
                     timeout=timeout, expect_ok=expect_ok, what=f"scenario {name}")


def write_speechlike(path: Path, silence_s: float = 0.5, speech_s: float = 2.0, rate_hz: int = 22050) -> Path:
    """Synthetic 'speech': ``silence_s`` of silence, then voiced syllables (~4 Hz) on a 120 Hz
    glottal-like harmonic source with two formant-ish resonances, then 0.2 s silence."""
    import soundfile as sf

    rng = np.random.default_rng(1)
    t = np.arange(int(speech_s * rate_hz)) / rate_hz
    f0 = 120.0 * (1 + 0.05 * np.sin(2 * np.pi * 0.7 * t))
    phase = 2 * np.pi * np.cumsum(f0) / rate_hz
    src = sum((1.0 / k) * np.sin(k * phase) for k in range(1, 30))
    formant = 0.6 + 0.4 * np.sin(2 * np.pi * 1.3 * t)
    voiced = src * (0.5 + 0.5 * formant)
    envelope = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 0.7
    speech = 0.3 * voiced * envelope / np.max(np.abs(voiced)) + 0.002 * rng.standard_normal(t.size)
    audio = np.concatenate([np.zeros(int(silence_s * rate_hz)), speech, np.zeros(int(0.2 * rate_hz))])
    sf.write(str(path), audio.astype(np.float32), rate_hz)
    return path
