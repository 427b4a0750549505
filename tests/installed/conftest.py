"""Installed-extension tests: each runs in a clean Blender environment, never in the dev venv.

Interface (stable; scenario authors rely on it):

``clean_env`` (pytest fixture, session scope)
    A :class:`tools.packaging.blender_env.BlenderEnv`, parametrized over the bpy versions in env var
    ``SPEECHANIM_BPY_VERSIONS`` (comma list; default ``"5.0.1,5.2.3"``; test ids ``bpy5.0.1`` ...).
    Made by :func:`tools.packaging.blender_env.ensure` once per version per pytest run: a venv in
    ``.blender-envs/bpy-X/venv`` with ``bpy==X`` alone on CPython 3.11 (bpy < 5.1) or 3.13 (5.1+),
    the zips built by that bpy's ``blender_ext.py build`` + ``validate`` (``env.dist_dir``), the
    linux_x64 zip (``env.zip_path``) installed by Blender's installer into ``env.user_dir`` (reinstalled
    only when the zip's contents changed). Skips with the reason when that Python is missing.
    Useful attributes: ``bpy_version``, ``python_version``, ``python``, ``user_dir``, ``zip_path``,
    ``site_packages`` (where the bundled wheels were unpacked).

``run_installed(env, name, *, timeout=300, expect_ok=True, **params) -> (result, proc)`` (in
``installed_harness.py``, re-exported here: ``from installed_harness import run_installed`` or
``from tests.installed.conftest import run_installed``)
    Runs ``tests/installed/scenarios/<name>.py`` with ``env.python`` in a new process:
    ``BLENDER_USER_RESOURCES=env.user_dir``, ``PYTHONNOUSERSITE=1``, no ``PYTHONPATH``, ``params``
    (JSON-able) as JSON in env var ``SPEECHANIM_SCENARIO_PARAMS``. ``result`` is the JSON of the last
    ``RESULT:<json>`` stdout line (``None`` if none); ``proc`` the ``CompletedProcess``. With
    ``expect_ok`` a non-zero exit raises ``AssertionError`` with the output tails.

Scenario scripts start with ``import installed`` (``scenarios/installed.py``): it blocks the
dev-only packages (``installed.DEV_ONLY``), makes sure the extension is enabled, and gives
``installed.PARAMS``, ``installed.ext`` (the ``bl_ext.user_default.speech_animator`` package),
``installed.emit(obj)``, ``installed.finish()``, ``installed.blocked_loaded()``; ``speech_animator.X``
imports resolve to the installed modules, and ``tests/blender`` is on ``sys.path`` for
``scene_fixtures`` / ``rigs_fixtures``. The pytest process itself is the dev venv (it may write
inputs with soundfile, bvhio, ... before calling ``run_installed``).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from installed_harness import (  # noqa: E402,F401  (re-exported: ``from tests.installed.conftest import run_installed``)
    DEFAULT_VERSIONS, PARAMS_ENV, ROOT, SCENARIOS, VERSIONS_ENV, blender_env, bpy_versions, run_installed)


@pytest.fixture(scope="session", params=bpy_versions(), ids=lambda v: f"bpy{v}")
def clean_env(request) -> blender_env.BlenderEnv:
    """The clean environment of one bpy version, extension installed (see the module docstring)."""
    try:
        return blender_env.ensure(request.param)
    except blender_env.EnvUnavailable as exc:
        pytest.skip(str(exc))
