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


def test_installed_zip_generates_and_imports_bvh_without_dev_packages(zips, tmp_path):
    """The installed extension must work with only Blender's packages and the bundled wheels:
    Generate, and Import Motion of an SMPL-X .bvh (Blender's own BVH parser, no bvhio)."""
    import sys

    import numpy as np

    sys.path.insert(0, str(ROOT / "tests" / "blender"))
    from bpy_harness import run_scenario, write_speechlike

    pytest.importorskip("bvhio")  # only to write the test .bvh here
    from inference.formats.bvh import write_smplx_bvh
    from inference.performance import Performance

    audio = write_speechlike(tmp_path / "zip_clip.wav")
    poses = np.random.default_rng(0).normal(0, 0.3, (8, 55, 3)).astype(np.float32)
    write_smplx_bvh(tmp_path / "take.bvh", Performance(30.0, np.zeros((8, 52), np.float32), smplx_poses=poses,
                                                       jaw_pose=poses[:, 22].copy()))
    users = tmp_path / "user"
    res, _ = run_scenario("installed_zip", installs_zip=True, zip=str(zips["speech_animator-0.1.0-linux_x64.zip"]),
                          users=str(users), audio=str(audio), bvh=str(tmp_path / "take.bvh"), blocked=list(DEV_ONLY),
                          env={"BLENDER_USER_RESOURCES": str(users)})
    assert res["result"] == ["FINISHED"], res
    assert res["actions"] == ["zip_clip - Body (Body)", "zip_clip - Face (Face)"]
    assert res["bvh"] == ["FINISHED"] and res["bvh_action"].startswith("take - Body"), res
    assert res["blocked_loaded"] == []
    assert res["soundfile"].startswith(str(users))
