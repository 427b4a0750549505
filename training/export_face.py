"""Export a trained lip-sync checkpoint to ONNX, verify it against torch, print its SHA-256.

Usage::

    .venv/bin/python -m training.export_face --ckpt /work/cache/face_runs/v2/best.pt \\
        --out inference/face/models/lipsync-v5.onnx

The graph has one input ``log_mel`` ``(1, T, 80)`` float32 (:func:`inference.features.log_mel`)
and one output ``speech`` ``(1, T, 31)`` float32 in [0, 1] (rigs.arkit.SPEECH_CHANNELS order),
with a dynamic time axis. Opset 17. The check runs torch and onnxruntime (CPU) on random
features and on speech-like features of several lengths and fails if they differ by more than
``--atol``. Pin the printed SHA-256 in ``inference/face/lipsync.py`` (``MODEL_SHA256``).
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

#: ONNX opset of the exported graph.
OPSET: int = 17


def load_checkpoint(path: str):
    """Rebuild the :class:`training.face_model.LipSyncNet` of a checkpoint (eval mode)."""
    import torch

    from training.face_model import FaceModelDims, LipSyncNet

    ck = torch.load(path, map_location="cpu")
    model = LipSyncNet(FaceModelDims(**ck["dims"]))
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def export(model, out_path: str) -> None:
    """Write ``model`` as ONNX (opset 17, dynamic time axis) to ``out_path``."""
    import torch

    dummy = torch.randn(1, 257, model.dims.n_mels)
    os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
    torch.onnx.export(model, (dummy,), out_path, input_names=["log_mel"], output_names=["speech"],
                      dynamic_axes={"log_mel": {1: "frames"}, "speech": {1: "frames"}},
                      opset_version=OPSET, dynamo=False)


def max_difference(model, onnx_path: str, lengths=(1, 7, 300, 2049), seed: int = 0) -> float:
    """Largest absolute torch-vs-onnxruntime output difference over random inputs."""
    import onnxruntime as ort
    import torch

    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    worst = 0.0
    for n in lengths:
        x = (model.mel_mean.numpy() + model.mel_std.numpy() * rng.normal(0, 1, (1, n, model.dims.n_mels)))
        x = x.astype(np.float32)
        with torch.no_grad():
            ref = model(torch.from_numpy(x)).numpy()
        got = sess.run(None, {"log_mel": x})[0]
        if got.shape != ref.shape:
            raise AssertionError(f"ONNX output shape {got.shape} != torch {ref.shape} for T={n}")
        worst = max(worst, float(np.abs(got - ref).max()))
    return worst


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--out", default=os.path.join(_ROOT, "inference", "face", "models", "lipsync-v5.onnx"))
    ap.add_argument("--atol", type=float, default=1e-4)
    args = ap.parse_args(argv)

    from inference.runtime import sha256_of

    model, ck = load_checkpoint(args.ckpt)
    export(model, args.out)
    diff = max_difference(model, args.out)
    print(f"checkpoint step {ck.get('step')} metrics {ck.get('metrics')}")
    print(f"torch vs onnxruntime max |diff| = {diff:.2e}")
    if diff > args.atol:
        print(f"FAILED: difference above {args.atol}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.2f} MB)")
    print(f"SHA-256 {sha256_of(args.out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
