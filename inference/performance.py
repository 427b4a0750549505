"""The result of speech-driven generation: a face + body performance sampled at one fps."""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields

import numpy as np

from ._rigs import arkit as _arkit, smplx as _smplx

#: Optional per-frame arrays of a :class:`Performance` (``None`` when absent).
OPTIONAL_ARRAYS: tuple[str, ...] = ("expression", "jaw_pose", "smplx_poses", "transl")


@dataclass(frozen=True)
class Provenance:
    """Where a performance came from.

    Attributes:
        face_model: face backend name and version, e.g. ``"lipsync-v5"`` or ``"dsp-baseline-v1"``;
            transcript mode appends ``"+transcript"`` when the alignment was used, or
            ``" (transcript not used: <reason>; audio only)"`` when it fell back (the reason is also
            one of ``warnings``).
        body_model: body backend name and version, e.g. ``"procedural-gesture-v1"``; ``""`` if none.
        device: the device of the face backend when there is a face, else of the body backend
            (kept for readers of one device; see ``face_device`` / ``body_device``).
        timings_s: wall-clock seconds per stage (``"load_audio"``, ``"face"``, ``"body"``, ...).
        audio_path: source audio file, ``""`` for in-memory audio.
        seed: random seed used by stochastic layers.
        face_device: what ran the face backend as it reports it, e.g. ``"CPUExecutionProvider"``,
            ``"CUDAExecutionProvider"``, ``"cuda:0"`` or ``"numpy"`` (no neural network); ``""`` if no face.
        body_device: the same for the body backend; ``""`` if no body.
        warnings: messages about the input the user should see (e.g. a silent clip), in order.
        windows: how many windows the clip was generated in (1: in one piece; more for clips longer
            than :data:`inference.longaudio.LONG_AUDIO_S`, see :mod:`inference.longaudio`).
    """

    face_model: str = ""
    body_model: str = ""
    device: str = ""
    timings_s: dict = field(default_factory=dict)
    audio_path: str = ""
    seed: int = 0
    face_device: str = ""
    body_device: str = ""
    warnings: tuple = ()
    windows: int = 1

    def to_dict(self) -> dict:
        """A JSON-able ``dict`` of every field (``warnings`` as a list)."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["timings_s"] = {k: float(v) for k, v in self.timings_s.items()}
        out["warnings"] = list(self.warnings)
        return out

    @classmethod
    def from_dict(cls, d: dict) -> "Provenance":
        """Inverse of :meth:`to_dict`; unknown keys are ignored, missing ones keep their defaults."""
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        if "warnings" in kw:
            kw["warnings"] = tuple(kw["warnings"])
        return cls(**kw)


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
        transl_origin: what ``transl`` is measured from, one of :data:`rigs.smplx.TRANSL_ORIGINS`:
            ``"rest"`` (0 = the SMPL-X rest pose standing; generated motion, whose constant
            offsets such as the seated pelvis drop are real) or ``"first_frame"`` (default: a
            world placement, e.g. BEAT2 ``trans`` with y = 1.29 m; only the change from frame 0
            moves the character).

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
    transl_origin: str = "first_frame"

    def __post_init__(self) -> None:
        if self.transl_origin not in _smplx.TRANSL_ORIGINS:
            raise ValueError(f"Performance.transl_origin: expected one of {list(_smplx.TRANSL_ORIGINS)}, "
                             f"found {self.transl_origin!r}")
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

    def to_arrays(self) -> dict[str, np.ndarray]:
        """The performance as ``{name: array}`` for ``np.savez`` (no pickles).

        Keys: ``fps`` () float64, ``arkit`` (T, 52), ``arkit_names`` (52,) str, ``provenance`` ()
        JSON str, ``transl_origin`` () str, and each optional array that is present
        (``expression``, ``jaw_pose``, ``smplx_poses``, ``transl``). :meth:`from_arrays` reverses it.
        """
        out = {"fps": np.array(float(self.fps)), "arkit": self.arkit,
               "arkit_names": np.array(_arkit.ARKIT_NAMES),
               "provenance": np.array(json.dumps(self.provenance.to_dict())),
               "transl_origin": np.array(self.transl_origin)}
        for name in OPTIONAL_ARRAYS:
            if getattr(self, name) is not None:
                out[name] = getattr(self, name)
        return out

    @classmethod
    def from_arrays(cls, arrays) -> "Performance":
        """Rebuild a performance from :meth:`to_arrays` output (a dict or an open ``np.load``).

        Without a ``transl_origin`` key (files written before it existed) ``transl`` is read as
        ``"first_frame"``.

        Raises:
            ValueError: a key is missing or an array fails validation (see the class).
        """
        keys = set(arrays.keys()) if hasattr(arrays, "keys") else set(arrays.files)
        missing = [k for k in ("fps", "arkit", "provenance") if k not in keys]
        if missing:
            raise ValueError(f"Performance.from_arrays: missing key(s) {missing}; found {sorted(keys)}")
        extra = {k: np.asarray(arrays[k]) for k in OPTIONAL_ARRAYS if k in keys}
        prov = Provenance.from_dict(json.loads(str(arrays["provenance"])))
        origin = str(arrays["transl_origin"]) if "transl_origin" in keys else "first_frame"
        return cls(fps=float(arrays["fps"]), arkit=np.asarray(arrays["arkit"]), provenance=prov,
                   transl_origin=origin, **extra)

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
