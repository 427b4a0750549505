"""Imported first by every installed-extension scenario (``tests/installed/scenarios/<name>.py``).

The scenario runs in a clean environment's python (``tools.packaging.blender_env``: a venv with ``bpy``
alone, the extension installed by Blender's installer into ``BLENDER_USER_RESOURCES``). On import:

1. an import hook makes the dev-only packages in :data:`DEV_ONLY` unimportable (``ImportError``
   naming the package), even though the clean venv should not have them;
2. ``bpy`` is imported. The bpy module starts with factory preferences (a Blender executable reads
   ``config/userpref.blend``), so the saved preferences are read with ``bpy.ops.wm.read_userpref()``:
   that enables the extension as Blender's installer saved it (:data:`ENABLED_BY_USERPREF`; checked on
   bpy 4.5.15, 5.0.1 and 5.2.3; the bpy 4.2 module crashes there, see :data:`READS_USERPREF`). Only if that did not enable it, it is enabled by module name :data:`MODULE`
   (``bl_ext.user_default.speech_animator``) with ``addon_utils.enable``; any error is raised.
   Do not call ``bpy.ops.wm.read_factory_settings`` afterwards (it loads factory preferences and
   unregisters the extension); ``scene_fixtures.reset()`` empties the scene instead;
3. the module is checked to come from the user folder, not from the checkout;
4. ``speech_animator`` and ``speech_animator.<sub>`` are aliased to the installed package, so the
   scene builders of ``tests/blender`` (``scene_fixtures``, ``rigs_fixtures``, appended to
   ``sys.path``; they may import only bpy, numpy, the stdlib and the checkout's pure ``rigs``)
   get the installed modules, not copies.

Exposes :data:`PARAMS` (the test's keyword arguments), :data:`ext` (the installed package module),
:data:`ENABLED_BY_USERPREF`, :func:`emit`, :func:`finish`, :func:`blocked_loaded`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import json
import os
import sys
from pathlib import Path

#: Packages of requirements/dev.txt that the shipped code must never need.
DEV_ONLY = ("scipy", "torch", "matplotlib", "onnx", "bvhio", "pygltflib", "sklearn", "pyroomacoustics",
            "wordfreq", "sounddevice", "pytest", "librosa")
BLOCKED = DEV_ONLY  # the same tuple under the name earlier scenarios used


class _BlockDevOnly(importlib.abc.MetaPathFinder):
    """Refuses :data:`DEV_ONLY` packages; remembers each refused name in :data:`REFUSED`."""

    def find_spec(self, name, path=None, target=None):
        top = name.split(".")[0]
        if top in DEV_ONLY:
            REFUSED.append(name)
            raise ImportError(f"dev-only package {name!r} imported at run time (blocked in the clean environment)",
                              name=name)
        return None


#: Every import of a dev-only package that was refused (the shipped code may catch the error).
REFUSED: list[str] = []
sys.meta_path.insert(0, _BlockDevOnly())

#: The keyword arguments given to ``run_installed`` (env var ``SPEECHANIM_SCENARIO_PARAMS``, JSON).
PARAMS: dict = json.loads(os.environ.get("SPEECHANIM_SCENARIO_PARAMS", "{}"))
ROOT = Path(__file__).resolve().parents[3]
sys.path.append(str(ROOT / "tests" / "blender"))

import bpy  # noqa: E402,I001  (first: makes addon_utils and mathutils importable)
import addon_utils  # noqa: E402

#: Module name of the extension installed into the ``user_default`` repository.
MODULE = "bl_ext.user_default.speech_animator"
#: The bpy 4.2 module crashes (SIGSEGV) in ``bpy.ops.wm.read_userpref`` (4.5, 5.0, 5.2 do not; a real
#: Blender 4.2 reads its preferences at startup): there the extension is enabled by name only.
READS_USERPREF = bpy.app.version >= (4, 5, 0)
if READS_USERPREF:
    bpy.ops.wm.read_userpref()
#: True when reading the saved preferences enabled the extension (as in a Blender started by a user);
#: ``None`` where they are not read (:data:`READS_USERPREF`).
ENABLED_BY_USERPREF = (MODULE in bpy.context.preferences.addons) if READS_USERPREF else None


def _raise(exc):
    raise exc


if not ENABLED_BY_USERPREF:
    addon_utils.enable(MODULE, default_set=True, handle_error=_raise)
if MODULE not in bpy.context.preferences.addons:
    raise RuntimeError(f"{MODULE} is not enabled after addon_utils.enable (is the extension installed in "
                       f"BLENDER_USER_RESOURCES={os.environ.get('BLENDER_USER_RESOURCES')!r}?)")
#: The installed package module ``bl_ext.user_default.speech_animator``.
ext = importlib.import_module(MODULE)
_user = os.environ.get("BLENDER_USER_RESOURCES", "")
if not _user or not os.path.realpath(ext.__file__).startswith(os.path.realpath(_user) + os.sep):
    raise RuntimeError(f"{MODULE} was loaded from {ext.__file__}, not from BLENDER_USER_RESOURCES={_user!r}")


class _Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """``speech_animator[.X]`` -> the installed ``bl_ext.user_default.speech_animator[.X]`` (same objects)."""

    def find_spec(self, name, path=None, target=None):
        if name == "speech_animator" or name.startswith("speech_animator."):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(MODULE + spec.name[len("speech_animator"):])

    def exec_module(self, module):
        return None


sys.meta_path.insert(1, _Alias())


def blocked_loaded() -> list[str]:
    """Dev-only top-level packages present in ``sys.modules`` (should always be empty)."""
    return sorted({m.split(".")[0] for m in sys.modules} & set(DEV_ONLY))


def emit(obj) -> None:
    """Hand ``obj`` (JSON-able) back to the test: one ``RESULT:<json>`` stdout line."""
    print("RESULT:" + json.dumps(obj), flush=True)


def finish() -> None:
    """Leave without the interpreter teardown (the bpy module can crash at shutdown once a property
    with a Python callback was registered); a scenario that got here has succeeded."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
