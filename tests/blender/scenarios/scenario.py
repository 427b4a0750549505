"""Imported first by every scenario script: puts the repository and ``tests/blender`` on
``sys.path``, loads the extension as package ``speech_animator`` (the code the zip ships; call
:func:`register` when the scenario needs its operators and properties) and gives the scenario its
parameters, :func:`emit` and :func:`finish`."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
for p in (ROOT, ROOT / "tests" / "blender"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import bpy  # noqa: E402,F401  (first bpy import: also makes mathutils importable)

from tools.bake import load_extension  # noqa: E402  (needs the path above)

#: The keyword arguments given to ``bpy_harness.run_scenario``.
PARAMS: dict = json.loads(os.environ.get("SPEECHANIM_SCENARIO_PARAMS", "{}"))
#: The extension package module (``speech_animator``) loaded from this checkout, not registered.
#: (Scenarios of the installed zip live in ``tests/installed/`` and run in clean environments.)
EXTENSION = load_extension(register=False)
#: ``../shared/data/characters`` as given by the test (``characters`` parameter), or ``None``.
CHARS = Path(PARAMS["characters"]) if PARAMS.get("characters") else None


def register() -> None:
    """Register the extension (operators, properties, panels) and the rigs helpers' modules."""
    import rigs_fixtures

    EXTENSION.register()
    rigs_fixtures.ensure_registered()


def emit(obj) -> None:
    """Hand ``obj`` (JSON-able) back to the test."""
    print("RESULT:" + json.dumps(obj), flush=True)


def finish() -> None:
    """Leave without the interpreter teardown: the bpy module can crash (SIGSEGV) at shutdown once
    a property with a Python callback was registered; a scenario that got here has succeeded."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def demo_scene(fps: int = 30):
    """Build the demo character in an empty scene at ``fps`` and choose it in the Speech panel;
    return ``(scene, demo)``."""
    import bpy

    from speech_animator.addon.demo_character import build_demo_character

    register()
    bpy.ops.wm.read_factory_settings(use_empty=True)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = fps, 1.0
    demo = build_demo_character()
    s = scene.speech_animator
    s.face_object, s.armature, s.frame_start = demo.head, demo.armature, 1
    return scene, demo


def face_scene(fps: int = 30):
    """Register, build the test character (``scene_fixtures.build_scene``) at ``fps`` and set the
    Speech panel to animate its face from ``PARAMS["audio"]`` with the DSP face model (``"fast"``);
    return ``(face, settings)``."""
    import bpy

    import scene_fixtures

    register()
    face, _body = scene_fixtures.build_scene(fps=fps)
    s = bpy.context.scene.speech_animator
    s.audio_path, s.face_object, s.what, s.face_model = PARAMS["audio"], face, 'FACE', "fast"
    return face, s
