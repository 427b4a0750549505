"""The zips built by each clean environment's own Blender builder, installed by its own installer:
contents, enable/disable/re-enable, the wheels of the right Python, Generate + Import Motion +
transcript mode with only Blender's packages and the bundled wheels (bpy side:
``scenarios/install_roundtrip.py``, ``scenarios/installed_zip.py``)."""

import zipfile

import pytest

from installed_harness import ROOT, run_installed

PLATFORMS = ("linux_x64", "macos_arm64", "macos_x64", "windows_x64")


def test_builder_writes_one_valid_zip_per_platform_without_dev_files(clean_env):
    zips = {p.name: p for p in clean_env.dist_dir.glob("*.zip")}
    assert sorted(zips) == [f"speech_animator-0.1.0-{p}.zip" for p in PLATFORMS]
    names = zipfile.ZipFile(clean_env.zip_path).namelist()
    for required in ("blender_manifest.toml", "__init__.py", "addon/bake.py", "addon/compat.py",
                     "inference/generate.py", "rigs/arkit.py"):
        assert required in names, required
    for excluded in ("tests/", "docs/", "training/", "tools/", "benchmarks/", ".venv/", ".git", "requirements/",
                     ".blender-envs/"):
        assert not any(n.startswith(excluded) for n in names), excluded
    wheels = [n for n in names if n.startswith("wheels/")]
    assert all("win_amd64" not in w and "macosx" not in w for w in wheels)
    assert not any("numpy" in w for w in wheels), "numpy ships with Blender and must not be bundled"
    for project in ("onnxruntime", "soxr", "praat_parselmouth", "webrtcvad_wheels", "pocketsphinx", "cffi"):
        tags = {w.split("-")[2] for w in wheels if w.split("/")[1].startswith(project + "-")}
        assert "cp311" in tags and ({"cp313", "cp312"} & tags), (project, tags)


def test_install_enable_disable_roundtrip_with_the_wheels_of_this_python(clean_env):
    res, _ = run_installed(clean_env, "install_roundtrip")
    site = str(clean_env.site_packages)
    assert res["python"] == clean_env.python_version
    if tuple(int(p) for p in clean_env.bpy_version.split(".")[:2]) >= (4, 5):
        assert res["enabled_by_userpref"] is True, "the preferences saved after install must enable the extension"
    else:  # the bpy 4.2 module crashes in wm.read_userpref (scenarios/installed.py): enabled by name
        assert res["enabled_by_userpref"] is None
    assert res["installed"] == {"enabled": True, "panel": True, "ops": [True] * 3, "scene_prop": True}
    assert res["disabled"] == {"enabled": False, "panel": False, "ops": [False] * 3, "scene_prop": False}
    assert res["reenabled"] == res["installed"]
    assert res["ext"].startswith(str(clean_env.user_dir / "extensions" / "user_default" / "speech_animator"))
    for key in ("ort", "soundfile", "soxr"):
        assert res[key].startswith(site), (key, res[key])
    assert "CPUExecutionProvider" in res["providers"]
    assert res["blocked_loaded"] == []
    tag = "cpython-" + clean_env.python_version.replace(".", "")
    compiled = [p.name for p in clean_env.site_packages.glob("*.so")]
    assert compiled and all(tag in n for n in compiled), compiled  # the installer picked this Python's wheels


def test_installed_zip_generates_and_imports_bvh_without_dev_packages(clean_env, tmp_path):
    """Only Blender's packages and the bundled wheels: Generate, Import Motion of an SMPL-X .bvh
    (Blender's own BVH parser, no bvhio), and Generate in transcript mode on the bundled clip
    (pocketsphinx and its model from the bundled wheel)."""
    import numpy as np

    from bpy_harness import write_speechlike

    pytest.importorskip("bvhio")  # only to write the test .bvh here, in the dev venv
    from inference.formats.bvh import write_smplx_bvh
    from inference.performance import Performance
    from tools.demo.audio import SCRIPT  # the words of the bundled clip assets/demo_speech.flac

    audio = write_speechlike(tmp_path / "zip_clip.wav")
    poses = np.random.default_rng(0).normal(0, 0.3, (8, 55, 3)).astype(np.float32)
    write_smplx_bvh(tmp_path / "take.bvh", Performance(30.0, np.zeros((8, 52), np.float32), smplx_poses=poses,
                                                       jaw_pose=poses[:, 22].copy()))
    res, _ = run_installed(clean_env, "installed_zip", audio=str(audio), bvh=str(tmp_path / "take.bvh"),
                           transcript=" ".join(s for s, _ in SCRIPT),
                           transcript_audio=str(ROOT / "assets" / "demo_speech.flac"))
    assert res["result"] == ["FINISHED"], res
    assert res["actions"] == ["zip_clip - Body (Body)", "zip_clip - Face (Face)"]
    assert res["bvh"] == ["FINISHED"] and res["bvh_action"].startswith("take - Body"), res
    assert res["blocked_loaded"] == [] and res["refused"] == [], res
    assert res["soundfile"].startswith(str(clean_env.user_dir))
    assert res["transcript_result"] == ["FINISHED"], res
    assert res["pocketsphinx"].startswith(str(clean_env.user_dir)), res["pocketsphinx"]
    assert len(res["transcript_face_model"]) == 1 and res["transcript_face_model"][0].endswith("+transcript"), res
