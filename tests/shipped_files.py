"""The files the extension zip ships, by Blender's own rule: the manifest's ``[build]
paths_exclude_pattern`` matched with ``PathPatternMatch`` from the bpy module's ``blender_ext.py``
(the class ``blender --command extension build`` uses; an excluded folder prunes its subtree)."""

from __future__ import annotations

import importlib.util
import os
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _blender_ext():
    from tools.packaging.build_extension import find_blender_ext

    path = find_blender_ext()
    spec = importlib.util.spec_from_file_location("_speechanim_blender_ext", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def shipped_files(root: Path = ROOT) -> list[str]:
    """Root-relative ``/``-separated paths of every file the builder packs (wheels/ included)."""
    manifest = tomllib.loads((root / "blender_manifest.toml").read_text())
    patterns = manifest.get("build", {}).get("paths_exclude_pattern")
    if patterns is None:
        raise ValueError("blender_manifest.toml: expected [build] paths_exclude_pattern, found none")
    match = _blender_ext().PathPatternMatch(patterns)
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root).replace(os.sep, "/")
        rel_dir = "" if rel_dir == "." else rel_dir + "/"
        dirnames[:] = sorted(d for d in dirnames if not match.test_path(f"{rel_dir}{d}/"))
        out += [f"{rel_dir}{f}" for f in sorted(filenames) if not match.test_path(f"{rel_dir}{f}")]
    return out


def shipped_modules(root: Path = ROOT) -> list[str]:
    """The shipped ``.py`` files (``wheels/`` holds only ``.whl``)."""
    return [p for p in shipped_files(root) if p.endswith(".py")]
