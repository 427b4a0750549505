"""Build the extension with Blender's builder, validate it, install it into a temporary user
resources folder with Blender's own installer, enable, check registration, disable, re-enable
(bpy side: ``scenarios/install_roundtrip.py``, ``scenarios/installed_zip.py``)."""

import zipfile

import pytest

from bpy_harness import ROOT, run_scenario


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
    res, _ = run_scenario("install_roundtrip", installs_zip=True, zip=str(zip_path), users=str(tmp_path),
                          env={"BLENDER_USER_RESOURCES": str(tmp_path)})
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
            "wordfreq", "sounddevice", "pytest")


def test_installed_zip_generates_and_imports_bvh_without_dev_packages(zips, tmp_path):
    """The installed extension must work with only Blender's packages and the bundled wheels:
    Generate, Import Motion of an SMPL-X .bvh (Blender's own BVH parser, no bvhio), and Generate in
    transcript mode on the bundled clip (pocketsphinx and its model from the bundled wheel)."""
    import sys

    import numpy as np

    sys.path.insert(0, str(ROOT / "tests" / "blender"))
    from bpy_harness import write_speechlike

    pytest.importorskip("bvhio")  # only to write the test .bvh here
    from inference.formats.bvh import write_smplx_bvh
    from inference.performance import Performance
    from tools.make_demo_audio import SCRIPT  # the words of the bundled clip assets/demo_speech.flac

    audio = write_speechlike(tmp_path / "zip_clip.wav")
    poses = np.random.default_rng(0).normal(0, 0.3, (8, 55, 3)).astype(np.float32)
    write_smplx_bvh(tmp_path / "take.bvh", Performance(30.0, np.zeros((8, 52), np.float32), smplx_poses=poses,
                                                       jaw_pose=poses[:, 22].copy()))
    users = tmp_path / "user"
    res, _ = run_scenario("installed_zip", installs_zip=True, zip=str(zips["speech_animator-0.1.0-linux_x64.zip"]),
                          users=str(users), audio=str(audio), bvh=str(tmp_path / "take.bvh"), blocked=list(DEV_ONLY),
                          transcript=" ".join(s for s, _ in SCRIPT),
                          transcript_audio=str(ROOT / "assets" / "demo_speech.flac"),
                          env={"BLENDER_USER_RESOURCES": str(users)})
    assert res["result"] == ["FINISHED"], res
    assert res["actions"] == ["zip_clip - Body (Body)", "zip_clip - Face (Face)"]
    assert res["bvh"] == ["FINISHED"] and res["bvh_action"].startswith("take - Body"), res
    assert res["blocked_loaded"] == []
    assert res["soundfile"].startswith(str(users))
    assert res["transcript_result"] == ["FINISHED"], res
    assert res["pocketsphinx"].startswith(str(users)), res["pocketsphinx"]
    assert len(res["transcript_face_model"]) == 1 and res["transcript_face_model"][0].endswith("+transcript"), res
