"""Distributed batch on a local Ray cluster (num_cpus=2): ~20 files incl. bad ones, retries, resume."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import REPO_ROOT

ray = pytest.importorskip("ray", reason="ray is in requirements/dev.txt; not installed here")

DEMO = REPO_ROOT / "assets" / "demo_speech.flac"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """16 good 1.5 s clips in two folders (same names in both), a truncated, a random-data and a
    corrupt file."""
    root = tmp_path_factory.mktemp("corpus")
    x, rate = sf.read(DEMO, dtype="float32")
    for k in range(16):
        d = root / ("a" if k % 2 else "b")
        d.mkdir(exist_ok=True)
        sf.write(d / f"line{k // 2:02d}.wav", x[k * rate // 2: k * rate // 2 + 3 * rate // 2], rate, subtype="PCM_16")
    raw = (root / "a" / "line00.wav").read_bytes()
    (root / "truncated.wav").write_bytes(raw[: len(raw) // 3])
    (root / "random.wav").write_bytes(raw[:44] + np.random.default_rng(0).bytes(len(raw) - 44))
    (root / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot audio")
    return root


def _run(*args, timeout=240):
    return subprocess.run([sys.executable, "-m", "inference.distributed", *map(str, args)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_ray_batch_reports_every_file_retries_and_resumes(corpus, tmp_path):
    out = tmp_path / "out"
    marker = tmp_path / "crashed-once"
    common = ["-o", out, "--what", "face", "--ray", "local", "--num-cpus", "2"]
    # one worker is killed on its first task (test hook), the task is retried on another worker
    from inference import distributed
    from inference.batch import args as batch_args, runner
    from inference.batch.inputs import discover

    args = distributed.build_parser().parse_args([str(corpus), str(corpus / "gone.wav"), *map(str, common)])
    items = discover(args.inputs)
    layout = runner.Layout(out, ".npz", out)
    reports, signum = distributed.schedule(args, batch_args.options_from_args(args), items, layout, "refuse",
                                           fault_marker=str(marker))
    assert runner.exit_code(reports, signum) == 1 and marker.exists() and len(reports) == 20
    reports = {p.relative_to(out).with_suffix("").as_posix(): json.loads(p.read_text()) for p in out.rglob("*.json")}
    assert len(reports) == 20
    good = [k for k, r in reports.items() if r["status"] == "ok"]
    assert sorted(good) == sorted(f"{d}/line{i:02d}" for d in "ab" for i in range(8))
    for k in good:
        with np.load(out / f"{k}.npz") as d:
            assert d["arkit"].shape == (reports[k]["frames"], 52) and reports[k]["frames"] == 45
    assert "truncated file" in reports["truncated"]["error"]
    assert "random data" in reports["random"]["error"]
    assert "decode" in reports["corrupt"]["error"]
    assert reports["gone"]["error_code"] == "input_missing"
    assert not [p for p in out.rglob(".*")]  # no temporaries left
    # a second run refuses; --skip-existing resumes: the 16 done files are kept, the bad ones retried
    again = _run(corpus, *common)
    assert again.returncode == 2 and "--skip-existing" in again.stderr
    before = {k: (out / f"{k}.npz").stat().st_mtime_ns for k in good}
    resumed = _run(corpus, *common, "--skip-existing")
    assert resumed.returncode == 1, resumed.stdout + resumed.stderr
    assert resumed.stdout.count("skipped (done)") == 16 and "16 skipped" in resumed.stdout
    assert before == {k: (out / f"{k}.npz").stat().st_mtime_ns for k in good}


def test_gpu_scheduling_only_for_cuda():
    from inference import distributed
    from inference.batch import args as batch_args

    ap = distributed.build_parser()
    cpu = ap.parse_args(["x.wav", "-o", "o", "--device", "cpu"])
    cuda = ap.parse_args(["x.wav", "-o", "o", "--device", "cuda", "--gpus-per-task", "0.25"])
    assert distributed.resources(cpu, batch_args.options_from_args(cpu))["num_gpus"] == 0.0
    assert distributed.resources(cuda, batch_args.options_from_args(cuda)) == {
        "num_cpus": 1.0, "num_gpus": 0.25, "max_retries": 2}
