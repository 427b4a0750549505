"""The result of speech-driven generation: a face + body performance sampled at one fps."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._rigs import arkit as _arkit, smplx as _smplx



@dataclass(frozen=True)
class Provenance:
    """Where a performance came from.

    Attributes:
        face_model: face backend name and version, e.g. ``"lipsync-v2"`` or ``"dsp-baseline-v1"``.
        body_model: body backend name and version, e.g. ``"procedural-gesture-v1"``; ``""`` if none.
        device: onnxruntime execution provider that ran, e.g. ``"CPUExecutionProvider"``,
            or ``"numpy"`` for backends with no neural network.
        timings_s: wall-clock seconds per stage (``"load_audio"``, ``"face"``, ``"body"``, ...).
        audio_path: source audio file, ``""`` for in-memory audio.
        seed: random seed used by stochastic layers.
    """

    face_model: str = ""
    body_model: str = ""
    device: str = ""
    timings_s: dict = field(default_factory=dict)
    audio_path: str = ""
    seed: int = 0


@dataclass(frozen=True)
class Performance:
    """A generated performance, every array sampled at ``fps`` over the same ``T`` frames.

    Attributes:
        fps: frames per second (float, e.g. ``30.0`` or ``24000/1001``).
        arkit: ``(T, 52)`` float32 in ``[0, 1]``, columns in :data:`rigs.arkit.ARKIT_NAMES` order.
        expression: optional ``(T, 100)`` float32 FLAME expression coefficients.
        jaw_pose: optional ``(T, 3)`` float32 FLAME/SMPL-X jaw axis-angle, radians.
        smplx_poses: optional ``(T, 55, 3)`` float32 axis-angle radians in SMPL-X joint order
            (:data:`rigs.smplx.JOINT_NAMES`), each relative to its parent.
        transl: optional ``(T, 3)`` float32 global root translation in metres (SMPL-X axes, Y up).
        provenance: :class:`Provenance`.

    Raises:
        ValueError: on construction, when a shape, dtype or range is wrong (the message names
            the field, what was expected and what was found).
    """

    fps: float
    arkit: np.ndarray
    expression: np.ndarray | None = None
    jaw_pose: np.ndarray | None = None
    smplx_poses: np.ndarray | None = None
    transl: np.ndarray | None = None
    provenance: Provenance = field(default_factory=Provenance)

    def __post_init__(self) -> None:
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise ValueError(f"Performance.fps: expected a positive number, found {self.fps!r}")
        t = _check("arkit", self.arkit, (None, _arkit.NUM_ARKIT), None)
        if self.arkit.size and (self.arkit.min() < 0.0 or self.arkit.max() > 1.0):
            raise ValueError(
                "Performance.arkit: expected values in [0, 1], found "
                f"[{self.arkit.min():.4g}, {self.arkit.max():.4g}]"
            )
        _check("expression", self.expression, (t, 100), t)
        _check("jaw_pose", self.jaw_pose, (t, 3), t)
        _check("smplx_poses", self.smplx_poses, (t, _smplx.NUM_JOINTS, 3), t)
        _check("transl", self.transl, (t, 3), t)

    @property
    def num_frames(self) -> int:
        """Number of frames ``T``."""
        return int(self.arkit.shape[0])

    @property
    def duration_s(self) -> float:
        """Duration in seconds, ``T / fps``."""
        return self.num_frames / float(self.fps)

    @property
    def arkit_names(self) -> tuple[str, ...]:
        """Column names of :attr:`arkit` (Apple's spelling and order)."""
        return _arkit.ARKIT_NAMES


def _check(name: str, arr, shape: tuple, frames: int | None) -> int:
    """Validate an optional float32 array; return its frame count."""
    if arr is None:
        return frames or 0
    if not isinstance(arr, np.ndarray) or arr.dtype != np.float32:
        found = getattr(arr, "dtype", type(arr).__name__)
        raise ValueError(f"Performance.{name}: expected a float32 numpy array, found {found}")
    want = tuple(frames if s is None and frames is not None else s for s in shape)
    ok = arr.ndim == len(want) and all(w is None or w == a for w, a in zip(want, arr.shape))
    if not ok:
        pretty = tuple("T" if s is None else s for s in want)
        raise ValueError(f"Performance.{name}: expected shape {pretty}, found {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"Performance.{name}: contains NaN or infinite values")
    return int(arr.shape[0])
