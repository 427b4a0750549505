"""benchmarks/bench_gpu.py runs its CPU path (no GPU here: the GPU rows say why) and keeps to its
total time limit. Structure only: speed figures belong to the benchmark itself."""

import json
import os
import subprocess
import sys

from tests.conftest import REPO_ROOT, SHARED_DATA


def _run(*args, timeout=300):
    env = {**os.environ, "SPEECHANIM_SHARED_FIXTURES": str(SHARED_DATA.parent / "fixtures")}
    proc = subprocess.run([sys.executable, "-m", "benchmarks.bench_gpu", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(next(l for l in proc.stdout.splitlines() if l.startswith("RESULT:"))[7:])


def test_cpu_path_runs_and_reports_every_stage():
    res = _run("--time-limit", "240", "--clip-s", "3", "--repeats", "1")
    face = res["face"]["cpu"]
    assert face["ran"] == "CPUExecutionProvider" and face["rtf_network"] > 0 and face["network_s"] > 0
    assert face["with_features_s"] >= face["network_s"]
    assert res["batch"]["cpu"]["ran"] == "cpu"
    emage = res["emage"]
    assert ("skipped" in emage) or emage["cpu"]["ran"] == "CPUExecutionProvider"
    for key in ("face", "emage"):
        gpu = res[key].get("gpu")
        if gpu is not None and gpu.get("ran") is None:
            assert gpu["reason"]                          # a GPU row that did not run says why
        elif gpu is not None:
            assert "parity_ok" in gpu and "max_abs_diff_vs_cpu" in gpu
    assert res["seconds_used"] <= 240


def test_time_limit_skips_stages_with_the_reason():
    res = _run("--time-limit", "3", "--clip-s", "2", "--repeats", "1", timeout=120)
    reasons = [res["face"]["cpu"].get("reason"), res["batch"]["cpu"].get("reason")]
    assert "time limit" in reasons


def test_torch_fallback_graph_matches_onnxruntime_on_cpu():
    # the GPU fallback when onnxruntime has no CUDA provider: the same face graph rebuilt in torch
    import numpy as np
    import pytest

    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    from benchmarks.bench_gpu import _ort_run, _torch_run
    from inference.face.lipsync import MODEL_PATH
    from inference.features import log_mel

    rng = np.random.default_rng(0)
    feats = log_mel((rng.normal(size=32000) * 0.1).astype(np.float32))[None]
    ref = _ort_run(MODEL_PATH, ["CPUExecutionProvider"])[0](None, {"log_mel": feats})[0]
    run, ran = _torch_run(MODEL_PATH, "cpu")
    got = run(None, {"log_mel": feats})[0]
    assert ran == "torch-cpu" and got.shape == ref.shape
    assert np.abs(got - ref).max() < 1e-4
