"""The worker process (addon/worker/, no bpy): a backend from a module outside the package runs
through it, typed errors cross the boundary by code, bugs keep their traceback, a chatty stderr does
not deadlock, the persistent worker keeps its models between jobs, restarts after a crash, cancels
without dying, and refuses another protocol version."""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.bake import load_extension  # noqa: E402

load_extension(register=False)  # the root as package ``speech_animator`` (what Blender has), no bpy
from speech_animator.addon.worker import process as worker_process  # noqa: E402
from speech_animator.inference import backends  # noqa: E402
from speech_animator.inference.audio import AudioError  # noqa: E402
from speech_animator.inference.errors import BackendError, WorkerBug, WorkerProblem  # noqa: E402
from speech_animator.inference.options import GenerateOptions  # noqa: E402

PLUGIN_SOURCE = Path(__file__).with_name("backend_plugin_source.py")


@pytest.fixture(scope="module")
def plugin(tmp_path_factory):
    """The third-party backend copied to a folder outside the package."""
    path = tmp_path_factory.mktemp("outside") / "echo_worker_plugin.py"
    shutil.copy(PLUGIN_SOURCE, path)
    return str(path)


@pytest.fixture(scope="module")
def audio(tmp_path_factory):
    rate = 16000
    t = np.arange(int(1.5 * rate)) / rate
    x = 0.3 * np.sin(2 * np.pi * 180 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))
    path = tmp_path_factory.mktemp("audio") / "tone.wav"
    sf.write(path, x.astype(np.float32), rate)
    return str(path)


def run(worker, timeout_s=60.0, cancel_after_progress=False):
    worker.start()
    msgs, t0 = [], time.monotonic()
    while time.monotonic() - t0 < timeout_s:
        msgs += worker.poll()
        if cancel_after_progress and msgs and not worker.cancelled:
            worker.cancel()
        if msgs and msgs[-1][0] in ("done", "error", "cancelled"):
            return msgs
        time.sleep(0.01)
    worker.cancel()
    raise AssertionError(f"worker did not finish in {timeout_s} s: {msgs[-3:]}")


def opts(plugin, **echo):
    return GenerateOptions(fps=25.0, face_model="echo", body_model="still", backend_modules=(plugin,),
                           backend_options={"echo": echo} if echo else {})


def test_outside_backend_runs_in_a_one_shot_worker_process(plugin, audio):
    msgs = run(worker_process.ProcessWorker(audio, opts(plugin, chunks=3)))
    assert msgs[-1][0] == "done", msgs[-1][2]
    perf = msgs[-1][1]
    assert perf.provenance.face_model == "echo-v1" and perf.provenance.body_model == "still-v1"
    assert perf.provenance.face_device == "echo-device:1" and perf.provenance.body_device == "fake-gpu:0"
    assert perf.num_frames == 38 and perf.provenance.warnings == () and "load_audio" in perf.provenance.timings_s
    texts = [m[2] for m in msgs if m[0] == "progress"]
    assert [t for t in texts if t.startswith("face: chunk")] == ["face: chunk 1/3", "face: chunk 2/3",
                                                                 "face: chunk 3/3"]


def test_registration_in_the_parent_travels_to_the_worker(plugin, audio):
    """A backend registered in this process (as the UI sees it) works in the child without
    the job naming its module: ProcessWorker carries it."""
    backends.load_backend_modules([plugin])
    try:
        options = GenerateOptions(fps=25.0, face_model="echo", body=False)
        assert plugin in backends.carried_modules(options)
        msgs = run(worker_process.ProcessWorker(audio, options))
        assert msgs[-1][0] == "done", msgs[-1][2]
        assert msgs[-1][1].provenance.face_model == "echo-v1"
    finally:
        backends.unregister_backend("face", "echo")
        backends.unregister_backend("body", "still")


def test_typed_errors_cross_by_code_and_bugs_keep_their_traceback(plugin, audio):
    kind, exc, text = run(worker_process.ProcessWorker("/nonexistent/speech.wav", opts(plugin)))[-1]
    assert kind == "error" and type(exc) is AudioError and text == "/nonexistent/speech.wav: audio file not found"
    kind, exc, text = run(worker_process.ProcessWorker(audio, opts(plugin, gain=9.0)))[-1]
    assert kind == "error" and isinstance(exc, BackendError) and "expected 0..2, found 9.0" in text
    kind, exc, text = run(worker_process.ProcessWorker(audio, opts(plugin, bug=True)))[-1]
    assert kind == "error" and isinstance(exc, WorkerBug) and exc.type_name == "builtins.KeyError"
    assert "Traceback (most recent call last)" in text and "echo_worker_plugin.py" in text


def test_more_than_64_kib_of_stderr_does_not_deadlock(plugin, audio):
    msgs = run(worker_process.ProcessWorker(audio, opts(plugin, stderr_bytes=400_000)), timeout_s=60)
    assert msgs[-1][0] == "done", msgs[-1][2]


def test_persistent_worker_keeps_models_restarts_after_crash_and_cancels(plugin, audio):
    service = worker_process.WorkerProcess(persistent=True)
    try:
        first = run(worker_process.ProcessWorker(audio, opts(plugin), service=service))
        pid = service.pid
        second = run(worker_process.ProcessWorker(audio, opts(plugin), service=service))
        assert first[-1][0] == second[-1][0] == "done"
        # Same process, module state kept: the second job's backend is the second instance there.
        assert [m[-1][1].provenance.face_device for m in (first, second)] == ["echo-device:1", "echo-device:2"]
        assert service.pid == pid and service.is_running()

        cancelled = run(worker_process.ProcessWorker(audio, opts(plugin, chunks=40, sleep_s=0.05), service=service),
                        cancel_after_progress=True)
        assert cancelled[-1][0] == "cancelled" and service.pid == pid and service.is_running()

        kind, exc, text = run(worker_process.ProcessWorker(audio, opts(plugin, crash=True), service=service))[-1]
        assert kind == "error" and isinstance(exc, WorkerProblem) and "exited with code 3" in text
        assert "crashing on purpose" in text  # the stderr tail explains it

        again = run(worker_process.ProcessWorker(audio, opts(plugin), service=service))
        assert again[-1][0] == "done" and service.pid != pid  # restarted cleanly, fresh module state
        assert again[-1][1].provenance.face_device == "echo-device:1"
    finally:
        service.close()
    assert not service.is_running()


def test_protocol_version_mismatch_is_refused(plugin, audio, monkeypatch):
    monkeypatch.setattr(worker_process, "PROTOCOL_VERSION", 99)
    kind, exc, text = run(worker_process.ProcessWorker(audio, opts(plugin)))[-1]
    assert kind == "error" and isinstance(exc, WorkerProblem)
    assert text == "inference worker speaks protocol version 1, expected 99; reinstall the extension"


def test_direct_registration_under_blenders_package_name_reaches_the_worker(audio, tmp_path):
    """Inside Blender the package is ``bl_ext.<repo>.speech_animator``: the worker imports the
    extension under that same name, so a module that registers itself with a direct import of it
    (no ``register_backends`` hook) registers into the worker's registry too."""
    import subprocess
    import textwrap

    plugin = tmp_path / "selfreg_plugin.py"
    plugin.write_text(textwrap.dedent("""
        import numpy as np
        from bl_ext.user_default.speech_animator.inference.backends import FaceTrack, register_face_backend

        class Flat:
            name = "flat"
            def run(self, audio, options):
                n = max(1, int(audio.duration_s * 10))
                return FaceTrack(fps=10.0, arkit=np.full((n, 52), 0.25, np.float32), device="flat-dev", model="flat-v1")

        register_face_backend("flat", Flat)
    """))
    code = textwrap.dedent(f"""
        import importlib.util, sys, time, types
        root = {str(ROOT)!r}
        for name in ("bl_ext", "bl_ext.user_default"):  # what Blender creates
            sys.modules[name] = types.ModuleType(name); sys.modules[name].__path__ = []
        spec = importlib.util.spec_from_file_location("bl_ext.user_default.speech_animator", root + "/__init__.py",
                                                      submodule_search_locations=[root])
        pkg = importlib.util.module_from_spec(spec); sys.modules[spec.name] = pkg; spec.loader.exec_module(pkg)
        spec = importlib.util.spec_from_file_location("selfreg_plugin", {str(plugin)!r})
        mod = importlib.util.module_from_spec(spec); sys.modules["selfreg_plugin"] = mod; spec.loader.exec_module(mod)
        from bl_ext.user_default.speech_animator.addon.worker import process as worker_process
        from bl_ext.user_default.speech_animator.inference.options import GenerateOptions
        w = worker_process.ProcessWorker({audio!r}, GenerateOptions(face_model="flat", body=False))
        w.start(); w.join(60)
        kind, payload, text = w.poll()[-1]
        print("RESULT", kind, payload.provenance.face_model if kind == "done" else text)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "RESULT done flat-v1" in proc.stdout, proc.stdout + proc.stderr[-3000:]
