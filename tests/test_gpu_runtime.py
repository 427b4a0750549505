"""GPU runtime install by Blender's extension rules (addon/gpu_runtime.py; bpy-free parts)."""

from __future__ import annotations

import sys
import time
import tomllib

import pytest

from addon import gpu_runtime as gr
from tests.conftest import REPO_ROOT


def test_manifest_declares_network_with_a_reason():
    manifest = tomllib.loads((REPO_ROOT / "blender_manifest.toml").read_text())
    reason = manifest["permissions"]["network"]
    assert "GPU runtime" in reason and "PyPI" in reason and not reason.endswith(".")


def test_blockers_explain_what_to_do():
    assert "Allow Online Access" in gr.blockers(False, "/x", "linux-x64")
    assert "from File" in gr.blockers(False, "/x", "linux-x64")
    assert "extension" in gr.blockers(True, "", "linux-x64")
    assert "macos-arm64" in gr.blockers(True, "/x", "macos-arm64")
    assert gr.blockers(True, "/x", "windows-x64") == ""


def test_pinned_version_and_hashes_required():
    line = gr.requirement_line()
    assert line.startswith(f"onnxruntime-gpu=={gr.GPU_VERSION} ")
    assert all(f"--hash=sha256:{h}" in line for h in gr.GPU_WHEEL_SHA256.values())
    assert all(len(h) == 64 for h in gr.GPU_WHEEL_SHA256.values())
    cmd = gr.pip_command("/t", "/r.txt")
    for flag in ("--require-hashes", "--no-deps", "--only-binary=:all:", "--target"):
        assert flag in cmd
    assert "--no-index" not in cmd and "--no-index" in gr.pip_command("/t", "/r.txt", wheel="/w.whl")


def _wait(job, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        state, fraction, message = job.poll()
        if state != "running":
            return state, fraction, message
        time.sleep(0.05)
    raise AssertionError("install did not finish")


FAKE_OK = [sys.executable, "-c", "import os,sys,time; print('Collecting onnxruntime-gpu', flush=True); "
           "print('Progress 52428800 of 104857600', flush=True); time.sleep(0.2); "
           "os.makedirs(os.path.join(sys.argv[1], 'onnxruntime')); print('done', flush=True)", "{target}"]


def test_background_install_reports_progress_and_renames_when_done(tmp_path):
    target = tmp_path / "gpu_runtime"
    t0 = time.time()
    job = gr.PipInstall(str(target), command=FAKE_OK)
    assert time.time() - t0 < 1.0  # returns at once: pip runs in a child process
    while job.poll()[0] == "running":
        time.sleep(0.02)
    assert job.state == "done" and job.fraction == 1.0
    assert (target / "onnxruntime").is_dir() and not (tmp_path / "gpu_runtime.partial").exists()


def test_progress_is_parsed(tmp_path):
    job = gr.PipInstall(str(tmp_path / "g"), command=[sys.executable, "-c",
                        "import time; print('Progress 52428800 of 104857600', flush=True); time.sleep(2)"])
    end = time.time() + 10
    while job.fraction == 0.0 and time.time() < end:
        job.poll()
        time.sleep(0.02)
    assert job.fraction == pytest.approx(0.475) and job.message == "downloading 50 of 100 MiB"
    job.cancel()


def test_cancel_and_failure_leave_the_installed_runtime_alone(tmp_path):
    target = tmp_path / "gpu_runtime"
    (target / "onnxruntime").mkdir(parents=True)
    job = gr.PipInstall(str(target), command=[sys.executable, "-c", "import time; time.sleep(60)"])
    job.cancel()
    assert job.state == "cancelled" and job.proc.poll() is not None
    assert (target / "onnxruntime").is_dir() and not (tmp_path / "gpu_runtime.partial").exists()
    bad = gr.PipInstall(str(target), command=[sys.executable, "-c", "import sys; print('ERROR: boom'); sys.exit(1)"])
    state, _, message = _wait(bad)
    assert state == "failed" and "exit 1" in message and "boom" in message
    assert (target / "onnxruntime").is_dir()


def test_offline_wheel_must_match_a_pin(tmp_path):
    fake = tmp_path / f"onnxruntime_gpu-{gr.GPU_VERSION}-cp311-cp311-win_amd64.whl"
    fake.write_bytes(b"not the real wheel")
    why = gr.check_wheel(str(fake))
    assert "is not a pinned onnxruntime-gpu" in why and gr.GPU_WHEEL_SHA256["windows-x64"] in why
    assert "no such file" in gr.check_wheel(str(tmp_path / "missing.whl"))
