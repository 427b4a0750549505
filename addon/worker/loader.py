"""Import the extension's root folder as a package under a given name; standard library only.

One loader for everything that imports the extension without Blender's add-on machinery: the
worker child (:func:`serve_child`, started by :mod:`.process`), ``tools/bake.py`` (headless batch,
tests, benchmarks). It is loaded by file path, before the package exists, so it imports nothing of
the extension at module level.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
import types


def load_package(root: str, package: str) -> types.ModuleType:
    """The folder ``root`` (holding ``__init__.py``) imported as ``package``; the module.

    ``package`` may be dotted (``bl_ext.user_default.speech_animator``, as Blender names an
    extension): its parents become namespace modules over ``root``'s parent folders. Loading a
    name already in ``sys.modules`` returns that module.
    """
    if package in sys.modules:
        return sys.modules[package]
    parts = package.split(".")
    folder = os.path.dirname(root)
    for i in range(len(parts) - 1, 0, -1):  # parents of the package as namespaces
        name = ".".join(parts[:i])
        if name not in sys.modules:
            mod = types.ModuleType(name)
            mod.__path__ = [folder]
            sys.modules[name] = mod
        folder = os.path.dirname(folder)
    spec = importlib.util.spec_from_file_location(package, os.path.join(root, "__init__.py"),
                                                  submodule_search_locations=[root])
    module = importlib.util.module_from_spec(spec)
    sys.modules[package] = module
    spec.loader.exec_module(module)
    return module


def serve_child(root: str, package: str) -> int:
    """The worker child's entry: load the extension as ``package`` and serve the protocol until
    shutdown; the exit code."""
    load_package(root, package)
    return importlib.import_module(package + ".addon.worker.child").serve()
