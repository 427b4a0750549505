"""GPU speed and parity, as one prepared command for a machine with an NVIDIA GPU (issue 20 item 4).

    python -m benchmarks.bench_gpu --time-limit 420 [--clip-s 60] [--emage-checkpoint DIR] [--json FILE]

Runs, each on the CPU (the parity reference) and on the GPU where there is one:

1. the face network (the shipped ``lipsync-v5.onnx``, chunked exactly as the ``lipsync`` backend):
   network time alone and with its log-mel features;
2. the EMAGE backend (:class:`inference.emage.runner.EmageModel`) on the shared fixture weights
   (``../shared/fixtures/emage_audio/weights_small``, or ``--emage-checkpoint``);
3. a whole ``python -m inference`` batch (the bundled clip and ``--clip-s`` of speech) with
   ``--device cpu`` and ``--device cuda``, outputs compared array by array.

GPU path, said in the output (``"ran"``): onnxruntime's TensorRT/CUDA provider when onnxruntime has
one; otherwise, for the face network, the same graph rebuilt in torch (:mod:`training.onnx_to_torch`,
needs the ``onnx`` package) on ``cuda``; EMAGE has no torch version in the project, so it is then
reported as not run on the GPU, with the reason. Without a GPU only the CPU path runs (CI, and
``tests/test_bench_gpu.py``). Real-time factor = audio seconds / compute seconds (best of
``--repeats``), printed against the targets (face >= 1000x, EMAGE >= 50x, on an H100-class GPU).

Every stage checks the time left of ``--time-limit`` (seconds, whole command) and is skipped with
the reason when too little is left; subprocesses get the time left as their timeout. Prints one
``RESULT:<json>`` line (also written to ``--json``). Works on numpy 1.26 and 2.x, Python 3.11-3.13.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(os.environ.get("SPEECHANIM_SHARED_FIXTURES", ROOT.parent / "shared" / "fixtures"))
TARGET_RTF = {"face": 1000.0, "emage": 50.0}
#: Largest CPU-vs-GPU difference accepted: float32 kernels differ in summation order (1e-3 of the
#: [0, 1] ARKit range; radians for EMAGE's axis-angle outputs).
PARITY_ATOL = {"face": 1e-3, "emage": 1e-3, "batch": 1e-3}


class Budget:
    """Seconds left of the whole command's time limit."""

    def __init__(self, limit_s: float):
        self.end = time.monotonic() + float(limit_s)

    def left(self) -> float:
        return self.end - time.monotonic()

    def allows(self, need_s: float) -> bool:
        return self.left() >= need_s


def environment() -> dict:
    import onnxruntime as ort

    env = {"python": sys.version.split()[0], "numpy": np.__version__, "onnxruntime": ort.__version__,
           "providers": list(ort.get_available_providers())}
    try:
        import torch

        env["torch"] = torch.__version__
        env["torch_cuda"] = bool(torch.cuda.is_available())
        if env["torch_cuda"]:
            env["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        env["torch"] = None
        env["torch_cuda"] = False
    return env


def gpu_providers(env: dict) -> list | None:
    """onnxruntime providers for the GPU run (TensorRT first when present), or None."""
    have = env["providers"]
    gpu = [p for p in ("TensorrtExecutionProvider", "CUDAExecutionProvider") if p in have]
    return gpu + ["CPUExecutionProvider"] if gpu else None


class _TimedSession:
    """An onnxruntime-like session that adds up the seconds spent in ``run``."""

    def __init__(self, run):
        self._run, self.seconds = run, 0.0

    def run(self, names, feeds):
        t = time.perf_counter()
        out = self._run(names, feeds)
        self.seconds += time.perf_counter() - t
        return out


def _ort_run(model_path, providers):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(str(model_path), sess_options=opts, providers=providers)
    return sess.run, sess.get_providers()[0]


def _torch_run(model_path, device: str = "cuda"):
    """The face graph rebuilt in torch on ``device``: ``(run, "torch-<device>")``."""
    import torch

    from training.face_model import FaceModelDims, LipSyncNet
    from training.onnx_to_torch import state_dict_from_onnx

    sd, _ = state_dict_from_onnx(str(model_path))
    net = LipSyncNet(FaceModelDims()).eval().to(device)
    net.load_state_dict(sd)

    def run(names, feeds):
        with torch.no_grad():
            y = net(torch.from_numpy(np.ascontiguousarray(feeds["log_mel"])).to(device))
            if device == "cuda":
                torch.cuda.synchronize()
        return [y.float().cpu().numpy()]
    return run, f"torch-{device}"


def bench_face(audio, env, repeats: int, budget: Budget) -> dict:
    from inference.face.lipsync import MODEL_PATH, LipSyncBackend

    backend = LipSyncBackend(gate=False)
    out: dict = {"audio_s": audio.duration_s}
    ref = None
    for device in ("cpu", "gpu"):
        if device == "gpu":
            providers = gpu_providers(env)
            if providers:
                make = lambda: _ort_run(MODEL_PATH, providers)                      # noqa: E731
            elif env["torch_cuda"]:
                make = lambda: _torch_run(MODEL_PATH)                               # noqa: E731
            else:
                out["gpu"] = {"ran": None, "reason": "no onnxruntime GPU provider and no torch CUDA"}
                continue
        else:
            make = lambda: _ort_run(MODEL_PATH, ["CPUExecutionProvider"])           # noqa: E731
        if not budget.allows(10):
            out[device] = {"ran": None, "reason": "time limit"}
            continue
        try:
            run, ran = make()
        except Exception as exc:    # noqa: BLE001  (report why the GPU path could not start)
            out[device] = {"ran": None, "reason": f"{exc.__class__.__name__}: {exc}"}
            continue
        backend.predict(_TimedSession(run), audio.samples[:16000])            # warm-up (CUDA init)
        best_net, best_all, y = np.inf, np.inf, None
        for _ in range(repeats):
            sess = _TimedSession(run)
            t = time.perf_counter()
            y = backend.predict(sess, audio.samples)
            best_all = min(best_all, time.perf_counter() - t)
            best_net = min(best_net, sess.seconds)
            if not budget.allows(5):
                break
        row = {"ran": ran, "network_s": best_net, "with_features_s": best_all,
               "rtf_network": audio.duration_s / best_net, "rtf_with_features": audio.duration_s / best_all}
        if ref is None:
            ref = y
        else:
            row["max_abs_diff_vs_cpu"] = float(np.abs(y - ref).max())
            row["parity_ok"] = row["max_abs_diff_vs_cpu"] <= PARITY_ATOL["face"]
        out[device] = row
    return out


def bench_emage(audio, env, checkpoint: Path, repeats: int, budget: Budget) -> dict:
    out: dict = {"audio_s": audio.duration_s, "checkpoint": str(checkpoint)}
    if not checkpoint.is_dir():
        out["skipped"] = f"no EMAGE checkpoint at {checkpoint}"
        return out
    with tempfile.TemporaryDirectory(prefix="bench_gpu_emage_") as cache:  # the converted graphs, removed after
        return _bench_emage_in(audio, env, checkpoint, repeats, budget, out, cache)


def _bench_emage_in(audio, env, checkpoint: Path, repeats: int, budget: Budget, out: dict, cache: str) -> dict:
    from inference.emage.runner import EmageModel

    ref = None
    for device in ("cpu", "gpu"):
        if device == "gpu" and not gpu_providers(env):
            out["gpu"] = {"ran": None, "reason": "onnxruntime has no CUDA/TensorRT provider; the project has no "
                                                 "torch version of the EMAGE graphs"}
            continue
        if not budget.allows(20):
            out[device] = {"ran": None, "reason": "time limit"}
            continue
        try:
            model = EmageModel(checkpoint, device="cpu" if device == "cpu" else "cuda", cache_dir=cache)
        except Exception as exc:    # noqa: BLE001
            out[device] = {"ran": None, "reason": f"{exc.__class__.__name__}: {exc}"}
            continue
        model.infer(audio.samples[:16000 * 3])                                      # warm-up
        best, res = np.inf, None
        for _ in range(repeats):
            t = time.perf_counter()
            res = model.infer(audio.samples)
            best = min(best, time.perf_counter() - t)
            if not budget.allows(10):
                break
        row = {"ran": model.provider, "seconds": best, "rtf": audio.duration_s / best}
        if ref is None:
            ref = res
        else:
            d = np.abs(res.motion_axis_angle - ref.motion_axis_angle)
            row["max_abs_diff_vs_cpu"] = float(d.max())
            row["frames_over_atol"] = int((d.max(axis=1) > PARITY_ATOL["emage"]).sum())
            row["parity_ok"] = row["max_abs_diff_vs_cpu"] <= PARITY_ATOL["emage"]
        out[device] = row
    return out


def bench_batch(clips: list, env, work: Path, budget: Budget) -> dict:
    from tools.packaging.numpy_parity import compare

    out: dict = {"clips": [str(c) for c in clips]}
    devices = ["cpu"] + (["cuda"] if "CUDAExecutionProvider" in env["providers"] else [])
    if len(devices) == 1:
        out["cuda"] = {"ran": None, "reason": "onnxruntime has no CUDAExecutionProvider (python -m inference "
                                              "runs its graphs with onnxruntime only)"}
    for device in devices:
        if not budget.allows(15):
            out[device] = {"ran": None, "reason": "time limit"}
            continue
        cmd = [sys.executable, "-m", "inference", "-o", str(work / device), "--overwrite", "--device", device,
               *map(str, clips)]
        t = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=max(budget.left() - 5, 1))
        except subprocess.TimeoutExpired:
            out[device] = {"ran": None, "reason": "time limit (killed)"}
            continue
        wall = time.perf_counter() - t
        if proc.returncode != 0:
            out[device] = {"ran": None, "reason": proc.stderr[-800:]}
            continue
        out[device] = {"ran": device, "wall_s": wall}
    if out.get("cuda", {}).get("ran"):
        worst, ok = 0.0, True
        for path in sorted((work / "cpu").rglob("*.npz")):
            rows, same = compare(path, work / "cuda" / path.relative_to(work / "cpu"), PARITY_ATOL["batch"])
            worst = max([worst] + [r[4] for r in rows if np.isfinite(r[4])])
            ok &= same
        out["cuda"].update({"max_abs_diff_vs_cpu": worst, "parity_ok": bool(ok)})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--time-limit", type=float, required=True, help="seconds for the whole command")
    ap.add_argument("--clip-s", type=float, default=60.0, help="seconds of speech per measurement")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--emage-checkpoint", type=Path, default=FIXTURES / "emage_audio" / "weights_small")
    ap.add_argument("--json", type=Path, help="also write the result here")
    args = ap.parse_args(argv)
    budget = Budget(args.time_limit)
    sys.path.insert(0, str(ROOT))
    from benchmarks.speech import speech

    env = environment()
    audio, desc = speech(args.clip_s)
    result = {"env": env, "speech": desc, "time_limit_s": args.time_limit}
    result["face"] = bench_face(audio, env, args.repeats, budget)
    result["emage"] = bench_emage(audio, env, args.emage_checkpoint, args.repeats, budget)
    with tempfile.TemporaryDirectory(prefix="bench_gpu_") as tmp:
        import soundfile as sf

        clip = Path(tmp) / "speech.wav"
        sf.write(str(clip), audio.samples, audio.sample_rate_hz, subtype="PCM_16")
        result["batch"] = bench_batch([ROOT / "assets" / "demo_speech.flac", clip], env, Path(tmp), budget)
    for key, col in (("face", "rtf_network"), ("emage", "rtf")):
        for dev in ("cpu", "gpu"):
            row = result[key].get(dev) or {}
            if row.get(col):
                row["target_rtf"] = TARGET_RTF[key]
                row["meets_target"] = bool(row[col] >= TARGET_RTF[key]) if dev == "gpu" else None
                print(f"{key:6s} {dev}: {row['ran']:28s} {row[col]:10.1f}x real time "
                      f"(target on GPU {TARGET_RTF[key]:.0f}x)", flush=True)
            elif row:
                print(f"{key:6s} {dev}: not run ({row.get('reason')})", flush=True)
    result["seconds_used"] = round(args.time_limit - budget.left(), 2)
    text = json.dumps(result, default=float)
    if args.json:
        args.json.write_text(text)
    print("RESULT:" + text, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
