"""Build the extension with Blender's builder, validate it, install it into a temporary user
resources folder with Blender's own installer, enable, check registration, disable, re-enable."""

import zipfile

import pytest

from bpy_harness import ROOT, run_bpy


@pytest.fixture(scope="module")
def zips(tmp_path_factory):
    import sys

    sys.path.insert(0, str(ROOT))
    from tools import build_extension

    out = tmp_path_factory.mktemp("dist")
    return {p.name: p for p in build_extension.build(out)}


def test_builder_writes_one_valid_zip_per_platform_without_dev_files(zips):
    assert sorted(zips) == [f"speech_animator-0.1.0-{p}.zip" for p in
                            ("linux_x64", "macos_arm64", "macos_x64", "windows_x64")]
    names = zipfile.ZipFile(zips["speech_animator-0.1.0-linux_x64.zip"]).namelist()
    for required in ("blender_manifest.toml", "__init__.py", "addon/bake.py", "addon/compat.py",
                     "inference/generate.py", "rigs/arkit.py"):
        assert required in names, required
    for excluded in ("tests/", "docs/", "training/", "tools/", "benchmarks/", ".venv/", ".git", "requirements/"):
        assert not any(n.startswith(excluded) for n in names), excluded
    wheels = [n for n in names if n.startswith("wheels/")]
    assert any("onnxruntime" in w for w in wheels) and any("soundfile" in w for w in wheels)
    assert all("win_amd64" not in w and "macosx" not in w for w in wheels)
    assert not any("numpy" in w for w in wheels), "numpy ships with Blender and must not be bundled"


def test_install_enable_disable_roundtrip(zips, tmp_path):
    zip_path = zips["speech_animator-0.1.0-linux_x64.zip"]
    res, _ = run_bpy(f"""
import bpy, addon_utils, sys, os
r = bpy.ops.extensions.package_install_files(filepath={str(zip_path)!r}, repo="user_default",
                                             enable_on_install=True)
mod = "bl_ext.user_default.speech_animator"
site = os.path.join({str(tmp_path)!r}, "extensions", ".local", "lib", "python3.11", "site-packages")
sys.path.insert(0, site)
import onnxruntime, soxr, soundfile
def op_ok(name):
    try:
        return bool(getattr(bpy.ops.speechanim, name).get_rna_type())
    except (KeyError, AttributeError):
        return False
state = lambda: {{
    "enabled": mod in bpy.context.preferences.addons,
    "panel": hasattr(bpy.types, "SPEECHANIM_PT_main"),
    "ops": [op_ok(n) for n in ("generate", "clear", "add_sound_strip")],
    "scene_prop": hasattr(bpy.types.Scene, "speech_animator"),
}}
installed = state()
addon_utils.disable(mod, default_set=True)
disabled = state()
addon_utils.enable(mod, default_set=True)
emit({{"result": list(r), "installed": installed, "disabled": disabled, "reenabled": state(),
      "ort": onnxruntime.__file__, "providers": onnxruntime.get_available_providers(),
      "soundfile": soundfile.__file__, "soxr": soxr.__file__}})
""", env={"BLENDER_USER_RESOURCES": str(tmp_path)})
    site = str(tmp_path / "extensions" / ".local")
    assert res["result"] == ["FINISHED"]
    assert res["installed"] == {"enabled": True, "panel": True, "ops": [True] * 3, "scene_prop": True}
    assert res["disabled"] == {"enabled": False, "panel": False, "ops": [False] * 3, "scene_prop": False}
    assert res["reenabled"] == res["installed"]
    # the runtime deps were installed from the bundled wheels
    for key in ("ort", "soundfile", "soxr"):
        assert res[key].startswith(site), (key, res[key])
    assert "CPUExecutionProvider" in res["providers"]


DEV_ONLY = ("scipy", "torch", "matplotlib", "onnx", "bvhio", "pygltflib", "sklearn", "pyroomacoustics",
            "wordfreq", "pocketsphinx", "pytest")


def test_installed_zip_generates_without_dev_packages(zips, tmp_path):
    """The installed extension must work with only Blender's packages and the bundled wheels."""
    import sys

    sys.path.insert(0, str(ROOT / "tests" / "blender"))
    from bpy_harness import write_speechlike

    audio = write_speechlike(tmp_path / "zip_clip.wav")
    zip_path = zips["speech_animator-0.1.0-linux_x64.zip"]
    users = tmp_path / "user"
    res, _ = run_bpy(f"""
import sys, os
BLOCKED = {DEV_ONLY!r}
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"dev-only package {{name}} imported at run time")
sys.meta_path.insert(0, Block())
import bpy
bpy.ops.extensions.package_install_files(filepath={str(zip_path)!r}, repo="user_default", enable_on_install=True)
site = os.path.join({str(users)!r}, "extensions", ".local", "lib", "python3.11", "site-packages")
sys.path.insert(0, site)
import scene_fixtures as sf
face, body = sf.build_scene()
s = bpy.context.scene.speech_animator
s.audio_path = {str(audio)!r}; s.face_object = face; s.armature = body; s.what = 'BOTH'
r = list(bpy.ops.speechanim.generate())
mods = sorted({{m.split(".")[0] for m in sys.modules}})
ext = sorted(m for m in sys.modules if m.startswith("bl_ext.user_default.speech_animator.inference.face"))
emit({{"result": r, "actions": sorted(a.name for a in bpy.data.actions), "blocked_loaded": [m for m in BLOCKED if m in mods],
      "onnxruntime": sys.modules["onnxruntime"].__file__ if "onnxruntime" in sys.modules else "",
      "soundfile": sys.modules["soundfile"].__file__, "face_modules": ext}})
""", env={"BLENDER_USER_RESOURCES": str(users)})
    assert res["result"] == ["FINISHED"], res
    assert res["actions"] == ["zip_clip - Body (Body)", "zip_clip - Face (Face)"]
    assert res["blocked_loaded"] == []
    assert res["soundfile"].startswith(str(users))
