"""A third-party backend is one module + one registration line and works in every front end:
found through the environment variable or an installed package's entry point, in fresh processes
(the standalone CLI ``python -m inference`` and the Blender batch CLI ``tools.bake``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
PLUGIN_SOURCE = Path(__file__).with_name("backend_plugin_source.py")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    rate = 16000
    t = np.arange(int(1.2 * rate)) / rate
    path = tmp_path_factory.mktemp("clip") / "take.wav"
    sf.write(path, (0.3 * np.sin(2 * np.pi * 150 * t) * (t > 0.2)).astype(np.float32), rate)
    return path


def _run(args, env_extra, cwd=ROOT):
    env = dict(os.environ)
    env.pop("SPEECH_ANIMATOR_BACKENDS", None)
    env.update(env_extra)
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_env_var_backend_in_the_standalone_cli(clip, tmp_path):
    plugin = tmp_path / "outside" / "echo_env_plugin.py"
    plugin.parent.mkdir()
    shutil.copy(PLUGIN_SOURCE, plugin)
    out = tmp_path / "out"
    proc = _run(["-m", "inference", str(clip), "-o", str(out), "--face-model", "echo", "--body-model", "still"],
                {"SPEECH_ANIMATOR_BACKENDS": str(plugin)})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    report = json.loads((out / "take.json").read_text())
    assert (report["face_model"], report["body_model"]) == ("echo-v1", "still-v1")
    with np.load(out / "take.npz") as z:
        assert z["arkit"].shape == (36, 52) and json.loads(str(z["provenance"]))["body_device"] == "fake-gpu:0"
    # Without the registration the name is refused up front, listing the valid choices (exit 2).
    proc = _run(["-m", "inference", str(clip), "-o", str(out / "2"), "--face-model", "echo"], {})
    assert proc.returncode == 2 and "--face-model: expected one of default, emage, fast, lipsync, found 'echo'" \
        in proc.stderr


def test_entry_point_backend_in_the_blender_batch_cli(clip, tmp_path):
    site = tmp_path / "site"
    (site / "echo_ep-1.0.dist-info").mkdir(parents=True)
    shutil.copy(PLUGIN_SOURCE, site / "echo_ep_plugin.py")
    (site / "echo_ep-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: echo-ep\nVersion: 1.0\n")
    (site / "echo_ep-1.0.dist-info" / "entry_points.txt").write_text(
        "[speech_animator.backends]\necho = echo_ep_plugin\n")
    env = {"PYTHONPATH": os.pathsep.join([str(site), str(ROOT / "tests" / "blender")])}
    blend = tmp_path / "scene.blend"
    made = _run(["-c", "import bpy, scene_fixtures as sf; sf.build_scene(fps=25); "
                 f"bpy.ops.wm.save_as_mainfile(filepath={str(blend)!r}); import os; os._exit(0)"], env)
    assert made.returncode == 0, made.stderr[-2000:]
    rep = tmp_path / "reports"
    proc = _run(["-m", "tools.bake", "--blend", str(blend), str(clip), "--face", "Face", "--armature", "Body",
                 "--face-model", "echo", "--body-model", "still", "--output-dir", str(tmp_path / "out"),
                 "--report-dir", str(rep)], env)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    report = json.loads((rep / "take.json").read_text())
    assert report["status"] == "ok" and report["device"].startswith("echo-device:")
    assert sorted(report["actions"]) == ["take - Body (Body)", "take - Face (Face)"]


def test_a_broken_backend_module_does_not_break_the_builtins(clip, tmp_path):
    broken = tmp_path / "broken_plugin.py"
    broken.write_text("raise ImportError('needs torch_nonexistent')\n")
    out = tmp_path / "out"
    proc = _run(["-m", "inference", str(clip), "-o", str(out), "--face-model", "fast", "--what", "face"],
                {"SPEECH_ANIMATOR_BACKENDS": str(broken)})
    assert proc.returncode == 0, proc.stderr
    proc = _run(["-c", "from inference import backends\n"
                 "try:\n    backends.get_face_backend('echo')\nexcept backends.BackendError as e:\n    print(e)"],
                {"SPEECH_ANIMATOR_BACKENDS": str(broken)})
    assert f"{broken} did not load (ImportError: needs torch_nonexistent)" in proc.stdout, proc.stdout + proc.stderr
