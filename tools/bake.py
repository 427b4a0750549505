"""Headless batch bake through the bpy module (no Blender executable needed).

    .venv/bin/python -m tools.bake --blend scene.blend speech/ --face Head --armature Body \\
        --output-dir out/baked --report-dir out/reports

Loads the repository root as the extension package ``speech_animator`` (the same code the zip
ships), registers it and runs :func:`addon.cli.run` with the arguments (see ``--help``).
Exit code: 0 when every file baked, 1 when any failed, 2 on bad arguments.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "speech_animator"


def load_extension(register: bool = True):
    """Import the repository root as package ``speech_animator`` (and register it); return the module.

    The import is the extension's own loader (``addon/worker/loader.py``, what the worker child
    uses), loaded by path so nothing of the package is imported before it exists.
    """
    if PACKAGE in sys.modules:
        return sys.modules[PACKAGE]
    spec = importlib.util.spec_from_file_location("speech_animator_loader", ROOT / "addon" / "worker" / "loader.py")
    loader = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(loader)
    module = loader.load_package(str(ROOT), PACKAGE)
    if register:
        module.register()
    return module


def extension_module(name: str):
    """Submodule ``name`` (e.g. ``"addon.pipeline"``) of the loaded extension package
    (:func:`load_extension` first)."""
    return importlib.import_module(f"{PACKAGE}.{name}")


def main(argv: list[str] | None = None) -> int:
    load_extension()
    cli = extension_module("addon.cli")
    return cli.run(sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    code = main()
    # Skip the interpreter teardown: the bpy 4.2 module segfaults there once properties with
    # Python callbacks were registered (bpy 5.0 does not); everything is written and closed by now.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
