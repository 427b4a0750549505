"""Rebuild a training checkpoint from a shipped lip-sync ONNX file (warm start without the .pt).

Usage::

    .venv/bin/python -m training.onnx_to_torch --onnx inference/face/models/lipsync-v5.onnx \\
        --out /work/cache/face_runs/v2_from_onnx.pt

The exporter (training/export_face.py) keeps the torch parameter names for every initialiser
except the GRU, which ONNX stores as ``W (2, 3H, in)``, ``R (2, 3H, H)``, ``B (2, 6H)`` with the
gates in z, r, h order (ONNX operator GRU) where torch uses r, z, n per direction
(``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0`` and ``*_reverse``). The
rebuilt module reproduces the ONNX output (checked here to ``--atol``).

Raises (main): ValueError when the file does not fit :class:`training.face_model.LipSyncNet`.
"""

from __future__ import annotations

import argparse
import os
import sys

import numpy as np

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


def _zr_h_to_r_z_n(a: np.ndarray, hidden: int) -> np.ndarray:
    z, r, h = a[:hidden], a[hidden:2 * hidden], a[2 * hidden:]
    return np.concatenate([r, z, h], axis=0)


def state_dict_from_onnx(path: str):
    """``(state_dict, dims)`` of :class:`training.face_model.LipSyncNet` from an exported ONNX file."""
    import onnx
    import torch
    from onnx import numpy_helper

    from training.face_model import FaceModelDims, LipSyncNet, dims_to_dict

    dims = FaceModelDims()
    model = LipSyncNet(dims)
    inits = {i.name: numpy_helper.to_array(i) for i in onnx.load(path).graph.initializer}
    sd = model.state_dict()
    out = {}
    for name in sd:
        if name in inits:
            out[name] = torch.from_numpy(inits[name].copy())
    gru = [n for n, v in inits.items() if v.ndim >= 2 and n not in sd and v.shape[0] == 2]
    h = dims.gru_hidden
    w = next(inits[n] for n in gru if inits[n].ndim == 3 and inits[n].shape[2] != h)
    r = next(inits[n] for n in gru if inits[n].ndim == 3 and inits[n].shape[2] == h)
    b = next(inits[n] for n in gru if inits[n].ndim == 2)
    for d, suffix in ((0, ""), (1, "_reverse")):
        out[f"gru.weight_ih_l0{suffix}"] = torch.from_numpy(_zr_h_to_r_z_n(w[d], h).copy())
        out[f"gru.weight_hh_l0{suffix}"] = torch.from_numpy(_zr_h_to_r_z_n(r[d], h).copy())
        out[f"gru.bias_ih_l0{suffix}"] = torch.from_numpy(_zr_h_to_r_z_n(b[d, :3 * h], h).copy())
        out[f"gru.bias_hh_l0{suffix}"] = torch.from_numpy(_zr_h_to_r_z_n(b[d, 3 * h:], h).copy())
    missing = sorted(set(sd) - set(out))
    if missing:
        raise ValueError(f"{path}: no initialiser for {missing}")
    return out, dims_to_dict(dims)


def main(argv=None) -> int:
    import onnxruntime as ort
    import torch

    from training.face_model import FaceModelDims, LipSyncNet

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--onnx", default=os.path.join(_ROOT, "inference", "face", "models", "lipsync-v5.onnx"))
    ap.add_argument("--out", required=True)
    ap.add_argument("--atol", type=float, default=1e-4)
    args = ap.parse_args(argv)
    sd, dims = state_dict_from_onnx(args.onnx)
    model = LipSyncNet(FaceModelDims(**dims))
    model.load_state_dict(sd)
    model.eval()
    x = np.random.default_rng(0).normal(-5, 3, (1, 437, 80)).astype(np.float32)
    with torch.no_grad():
        y = model(torch.from_numpy(x)).numpy()
    sess = ort.InferenceSession(args.onnx, providers=["CPUExecutionProvider"])
    z = sess.run(None, {"log_mel": x})[0]
    err = float(np.abs(y - z).max())
    if err > args.atol:
        raise ValueError(f"rebuilt module differs from {args.onnx} by {err} (> {args.atol})")
    torch.save({"model": model.state_dict(), "dims": dims, "step": 0, "metrics": {"from_onnx": args.onnx}},
               args.out)
    print(f"wrote {args.out}; max |torch - onnx| = {err:.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
