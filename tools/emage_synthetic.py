"""Synthetic EMAGE checkpoint folders (random weights, real layout) for tests and benchmarks.

The tensor names and shapes come from :func:`inference.emage.checkpoint.expected_main_tensors` /
:func:`expected_vq_tensors` for the configs below; the full-size configs are the published
``emage_audio`` values (INTERFACE §1.1 of the parity fixtures: hidden 768, audio_f/motion_f 256,
codebook 256, VQ layers 2/2/2/4/4). The values are random: these folders test shapes, loading,
conversion and speed, never motion quality.
"""

from __future__ import annotations

import json
import os

import numpy as np

from inference.emage.checkpoint import VQ_PARTS, MainConfig, VQConfig, expected_main_tensors, expected_vq_tensors
from inference.emage.weights import save_safetensors

#: Root config.json of the published checkpoint (keys inference reads + the flags).
FULL_MAIN_CONFIG: dict = {
    "model_type": "emage_audio", "audio_f": 256, "motion_f": 256, "hidden_size": 768, "pose_dims": 330,
    "pose_length": 64, "seed_frames": 4, "vae_codebook_size": 256, "speaker_dims": 1, "lf": 3, "lu": 3,
    "lh": 3, "ll": 3, "cf": 0, "cu": 1, "ch": 1, "cl": 1, "audio_sr": 16000, "pose_fps": 30,
}
FULL_VQ_LAYERS: dict = {"face": 2, "upper": 2, "hands": 2, "lower": 4, "global": 4}
VQ_DIMS: dict = {"face": 106, "upper": 78, "hands": 180, "lower": 61, "global": 61}


class _Pool:
    """Random N(0, 1) values drawn once and handed out in slices (160 M fresh normals take seconds)."""

    def __init__(self, rng: np.random.Generator, size: int = 1 << 21):
        self.data = rng.standard_normal(size, dtype=np.float32)
        self.pos = 0

    def take(self, n: int) -> np.ndarray:
        if n > self.data.size:
            return np.resize(self.data, n)
        if self.pos + n > self.data.size:
            self.pos = (self.pos * 7919 + 1) % (self.data.size - n + 1)
        out = self.data[self.pos:self.pos + n]
        self.pos += n
        return out


def _values(shape, key: str, rng: "_Pool") -> np.ndarray:
    if key.endswith("num_batches_tracked"):
        return np.array(0, np.int64)
    if key.endswith("running_var"):
        return np.ones(shape, np.float32)
    if key.endswith(("running_mean", ".bias")):
        return np.zeros(shape, np.float32)
    parts = key.split(".")
    if parts[-1] == "weight" and (parts[-2].startswith(("bn", "norm")) or key.endswith("downsample.1.weight")):
        return np.ones(shape, np.float32)
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else 1
    n = int(np.prod(shape, dtype=np.int64))
    return rng.take(n).reshape(shape) * np.float32(1.0 / np.sqrt(max(fan_in, 1)))


def write_checkpoint(root: str | os.PathLike, main_config: dict = FULL_MAIN_CONFIG,
                     vq_layers: dict = FULL_VQ_LAYERS, seed: int = 0, fmt: str = "safetensors") -> str:
    """Write a random-weight checkpoint folder with the published layout.

    Args:
        root: folder to create.
        main_config: root config values (default: the published full size).
        vq_layers: ``vae_layer`` per VQ part.
        seed: random seed.
        fmt: ``"safetensors"`` (``pytorch_model.bin`` needs torch to write and is not offered).

    Returns:
        ``root`` as a string.
    """
    if fmt != "safetensors":
        raise ValueError(f"fmt: expected 'safetensors', found {fmt!r}")
    root = os.fspath(root)
    rng = _Pool(np.random.default_rng(seed))
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "config.json"), "w", encoding="utf-8") as f:
        json.dump(main_config, f)
    cfg = MainConfig(**{k: main_config[k] for k in MainConfig.__annotations__})
    save_safetensors(os.path.join(root, "model.safetensors"),
                     {k: _values(s, k, rng) for k, s in expected_main_tensors(cfg).items()})
    c = cfg.vae_codebook_size
    for part in VQ_PARTS:
        sub = os.path.join(root, "emage_vq", part)
        os.makedirs(sub, exist_ok=True)
        vc = {"vae_layer": vq_layers[part], "vae_test_dim": VQ_DIMS[part], "vae_length": c, "vae_codebook_size": c}
        with open(os.path.join(sub, "config.json"), "w", encoding="utf-8") as f:
            json.dump(vc, f)
        save_safetensors(os.path.join(sub, "model.safetensors"),
                         {k: _values(s, k, rng) for k, s in expected_vq_tensors(part, VQConfig(**vc)).items()})
    return root
