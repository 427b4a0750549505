"""Nothing at run time that the zip does not carry.

Every module the extension zip ships (Blender's own exclude rule: :mod:`shipped_files`) is parsed
with ``ast``; every absolute import, module-level or function-local, must name the standard library
(``sys.stdlib_module_names``), a package of Blender's own Python, a bundled wheel (the manifest's
``wheels``) or the package itself, unless it is optional and guarded: inside ``try`` with an
``except ImportError`` / ``ModuleNotFoundError`` handler that raises or returns an error naming what
to install (the module's name or a ``pip install`` line).
"""

from __future__ import annotations

import ast
import sys
import tomllib
from pathlib import Path

import pytest

from shipped_files import ROOT, shipped_modules
from tools.packaging import fetch_wheels

#: Packages inside Blender's Python: its compiled modules and ``scripts/modules`` (bpy 4.2 .. 5.2),
#: its bundled add-ons (``scripts/addons_core``: ``io_anim_bvh`` ...) and the site-packages of the
#: bpy wheel's ``Requires-Dist`` / Blender 4.2's bundled ``site-packages`` (numpy, requests and its
#: dependencies, zstandard, cython). ``bl_*`` and ``_bpy*`` names are matched by prefix.
BLENDER_PACKAGES = frozenset({
    "bpy", "bmesh", "mathutils", "bpy_extras", "bpy_types", "gpu", "gpu_extras", "aud", "addon_utils", "bl_math",
    "idprop", "imbuf", "freestyle", "rna_prop_ui", "nodeitems_utils", "keyingsets_utils", "rna_keymap_ui",
    "io_anim_bvh", "io_scene_fbx", "io_scene_gltf2", "numpy", "requests", "certifi", "charset_normalizer",
    "idna", "urllib3", "zstandard", "cython", "Cython",
})
BLENDER_PREFIXES = ("bl_", "_bpy")
#: Import names of each bundled wheel's project (from the wheels' ``top_level.txt`` / RECORD).
WHEEL_IMPORTS = {
    "onnxruntime": {"onnxruntime"}, "soundfile": {"soundfile", "_soundfile", "_soundfile_data"},
    "soxr": {"soxr"}, "praat-parselmouth": {"parselmouth"}, "webrtcvad-wheels": {"webrtcvad", "_webrtcvad"},
    "pocketsphinx": {"pocketsphinx"}, "cffi": {"cffi", "_cffi_backend"}, "pycparser": {"pycparser"},
}
#: Known violations that another change removes. Each entry: (shipped file, imported module) + why.
ALLOWED_FOR_NOW: set[tuple[str, str]] = set()
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError"}


def _manifest_projects() -> set[str]:
    manifest = tomllib.loads((ROOT / "blender_manifest.toml").read_text())
    return {fetch_wheels.wheel_project(Path(w).name) for w in manifest.get("wheels", [])}


def allowed_top_level() -> set[str]:
    own = {p.split("/")[0] for p in shipped_modules() if "/" in p} | {p[:-3] for p in shipped_modules() if "/" not in p}
    wheels = set().union(*(WHEEL_IMPORTS[p] for p in _manifest_projects() if p in WHEEL_IMPORTS))
    return set(sys.stdlib_module_names) | BLENDER_PACKAGES | wheels | own


def _handles_import_error(handler: ast.ExceptHandler) -> bool:
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(isinstance(t, ast.Name) and t.id in _IMPORT_ERRORS for t in types)


def _guard_names(handler: ast.ExceptHandler, top: str) -> bool:
    """The handler raises or returns, and its text names ``top`` or gives a ``pip install`` line."""
    leaves = any(isinstance(n, (ast.Raise, ast.Return)) for n in ast.walk(handler))
    text = " ".join(n.value for n in ast.walk(handler) if isinstance(n, ast.Constant) and isinstance(n.value, str))
    return leaves and (top in text or "pip install" in text)


def imports(source: str) -> list[tuple[int, str, bool]]:
    """``(line, module, guarded)`` of every absolute import in ``source`` (relative ones are the package's)."""
    tree = ast.parse(source)
    parents: dict[ast.AST, ast.AST] = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            guarded, child, up = False, node, parents.get(node)
            while up is not None and not guarded:
                if isinstance(up, ast.Try) and child in up.body:
                    guarded = any(_handles_import_error(h) and _guard_names(h, top) for h in up.handlers)
                child, up = up, parents.get(up)
            out.append((node.lineno, name, guarded))
    return out


def violations() -> list[str]:
    allowed = allowed_top_level()
    found = []
    for rel in shipped_modules():
        for line, name, guarded in imports((ROOT / rel).read_text()):
            top = name.split(".")[0]
            if top in allowed or top.startswith(BLENDER_PREFIXES) or guarded or (rel, name) in ALLOWED_FOR_NOW:
                continue
            found.append(f"{rel}:{line}: import {name}")
    return found


def test_shipped_modules_import_only_what_the_zip_or_blender_carries():
    assert len(shipped_modules()) > 50  # the walk found the package
    bad = violations()
    assert not bad, ("imports the zip does not carry (bundle a wheel, use the stdlib/numpy, or guard with "
                     "an ImportError that names what to install):\n" + "\n".join(bad))


def test_every_bundled_wheel_has_its_import_names():
    missing = _manifest_projects() - set(WHEEL_IMPORTS)
    assert not missing, f"add the import names of {sorted(missing)} to WHEEL_IMPORTS"


def test_allowlist_entries_are_still_needed():
    """An entry whose import is gone must be removed (the allowlist never hides a new violation)."""
    for rel, name in ALLOWED_FOR_NOW:
        path = ROOT / rel
        if not path.exists() or not any(n == name and not g for _l, n, g in imports(path.read_text())):
            pytest.fail(f"ALLOWED_FOR_NOW entry ({rel}, {name}) no longer matches an import: remove it")


def test_training_and_test_helpers_do_not_ship():
    shipped = set(shipped_modules())
    for rel in ("inference/face/metrics.py", "inference/emage/synthetic.py", "tools/eval/face_metrics.py",
                "tools/fixtures/emage_synthetic.py"):
        assert rel not in shipped, rel


def test_the_rule_catches_unguarded_and_accepts_guarded_imports():
    src = '''
import os
import scipy
def f():
    import torch.nn
def g():
    try:
        import ray
    except ImportError as exc:
        raise RuntimeError("--ray needs `pip install ray`") from exc
def h():
    try:
        import bvhio
    except ImportError:
        pass
def k():
    try:
        import onnx
    except ValueError:
        raise RuntimeError("pip install onnx")
'''
    got = {name: guarded for _line, name, guarded in imports(src)}
    assert got == {"os": False, "scipy": False, "torch.nn": False, "ray": True, "bvhio": False, "onnx": False}


#: Shipped modules that no shipped module imports statically, and why they ship.
ENTRY_POINTS = {
    "__init__": "the extension's entry point (Blender imports the package)",
    "inference.__main__": "`python -m inference` (the Blender-free CLI)",
    "addon.worker.loader": "loaded by file path: the worker child's command line (addon/worker/process.py)",
    "addon.worker.child": "the worker process's serve loop, imported by name in addon/worker/loader.py",
    "inference.body.procedural": "built-in backend loaded by name (inference/backends/discovery.py _BUILTIN)",
    "inference.emage.backend": "built-in backend loaded by name (inference/backends/discovery.py _BUILTIN)",
    "inference.face.dsp": "built-in backend loaded by name (inference/backends/discovery.py _BUILTIN)",
    "inference.face.lipsync": "built-in backend loaded by name (inference/backends/discovery.py _BUILTIN)",
    # Imports bpy, so it belongs to addon/ (README layout); the demo (tools/demo/scene.py), the benchmarks
    # and the installed-extension scenarios build it from the installed package.
    "addon.demo_character": "the self-contained demo character, built from the installed extension",
}


def _module_name(rel: str) -> str:
    name = rel[:-3].replace("/", ".")
    return name[:-len(".__init__")] if name.endswith(".__init__") else name


def _static_imports(rel: str, known: set[str]) -> set[str]:
    """Shipped modules that ``rel`` imports (relative imports resolved; parents of a module count)."""
    me = _module_name(rel)
    package = me if rel.endswith("__init__.py") else me.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse((ROOT / rel).read_text())):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".") if package and package != "__init__" else []
                parts = parts[:len(parts) - (node.level - 1)] if node.level > 1 else parts
                base = ".".join(p for p in (*parts, node.module or "") if p)
            targets = [base] + [f"{base}.{a.name}" if base else a.name for a in node.names]
        else:
            continue
        for target in targets:
            parts = target.split(".")
            found |= {".".join(parts[:i]) for i in range(1, len(parts) + 1)} & known
    return found - {me}


def test_every_shipped_module_is_reachable_from_the_entry_points():
    """A module only training/, tools/, tests/ or benchmarks/ use must not ship in the zip."""
    rels = {_module_name(r): r for r in shipped_modules()}
    known = set(rels)
    assert set(ENTRY_POINTS) <= known, f"stale ENTRY_POINTS: {sorted(set(ENTRY_POINTS) - known)}"
    backends = (ROOT / "inference" / "backends" / "discovery.py").read_text()
    for name, why in ENTRY_POINTS.items():
        if "_BUILTIN" in why:
            assert f'"{name.removeprefix("inference.")}"' in backends, f"{name} is no longer a built-in backend"
    seen, todo = set(), list(ENTRY_POINTS)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += sorted(_static_imports(rels[name], known) - seen)
    unreachable = sorted(known - seen)
    assert not unreachable, ("shipped but never imported by the extension (move training/test helpers to "
                             "training/, tools/ or tests/, or list a real entry point):\n" + "\n".join(unreachable))
