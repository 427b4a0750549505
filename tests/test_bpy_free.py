"""``inference`` and ``rigs`` must import and run without Blender."""

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLENDER_MODULES = {"bpy", "bmesh", "mathutils", "aud", "gpu", "bpy_extras", "bl_math"}


def test_no_blender_imports_in_source():
    offenders = []
    for pkg in ("inference", "rigs"):
        for path in (ROOT / pkg).rglob("*.py"):
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                names = []
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                for n in names:
                    if n.split(".")[0] in BLENDER_MODULES:
                        offenders.append(f"{path.relative_to(ROOT)}: import {n}")
    assert not offenders, offenders


def test_importing_every_module_loads_no_bpy():
    code = (
        "import sys, pkgutil, importlib\n"
        "for pkg in ('inference', 'rigs'):\n"
        "    m = importlib.import_module(pkg)\n"
        "    for info in pkgutil.walk_packages(m.__path__, pkg + '.'):\n"
        "        if '.training' in info.name or info.name.endswith('__main__'):\n"
        "            continue\n"
        "        importlib.import_module(info.name)\n"
        "bad = sorted(set(sys.modules) & {'bpy', 'mathutils', 'aud', 'bmesh'})\n"
        "assert not bad, bad\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "ok" in out.stdout
