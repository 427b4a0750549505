"""BEAT2 / EMAGE ``.npz`` motion files: read into and write from a :class:`Performance`.

Layout (as in the BEAT2 dataset release, ``H-Liu1997/BEAT2`` on Hugging Face, and the files
EMAGE (Liu et al., CVPR 2024) reads and writes with ``np.savez``):

========================  ==============  ===========================================================
key                       shape / dtype   meaning
========================  ==============  ===========================================================
``poses``                 (T, 165) float  axis-angle radians of the 55 SMPL-X joints
                                          (:data:`rigs.smplx.JOINT_NAMES` order), parent-relative
``trans``                 (T, 3) float    root translation in metres, SMPL-X axes (Y up)
``expressions``           (T, 100) float  FLAME 2020 expression coefficients (zeros if none)
``betas``                 (300,) float    SMPL-X shape coefficients (zeros unless given)
``mocap_frame_rate``      () int/float    frames per second
``gender``                () str          ``"neutral"``
``model``                 () str          ``"smplx2020"``
========================  ==============  ===========================================================

Speech Animator adds four optional keys (other readers ignore them): ``arkit`` (T, 52) float32
in [0, 1], ``arkit_names`` (52,) str, Apple's names in :data:`rigs.arkit.ARKIT_NAMES` order,
``provenance`` () str, the JSON of :meth:`Provenance.to_dict`, and ``transl_origin`` () str,
:attr:`Performance.transl_origin` (a file without it, e.g. a real BEAT2 take whose ``trans`` is a
capture-space placement, reads as ``"first_frame"``). These are written and read with the
same serialisers the worker process uses (:meth:`Performance.to_arrays`, :meth:`Provenance.from_dict`).
The jaw pose of a :class:`Performance` is joint 22 (``jaw``) of ``poses``.
"""

from __future__ import annotations

import json
import os

import numpy as np

from ..errors import InputError
from .._rigs import arkit as _arkit, smplx as _smplx
from ..performance import Performance, Provenance

NUM_POSE_VALUES: int = _smplx.NUM_JOINTS * 3  # 165
NUM_EXPRESSIONS: int = 100
NUM_BETAS: int = 300
JAW_JOINT: int = _smplx.JOINT_INDEX["jaw"]
REQUIRED_KEYS: tuple[str, ...] = ("poses", "trans", "mocap_frame_rate")


class FormatError(InputError):
    """A file does not have the expected layout (the message names the key, expected, found)."""

    code = "format"


def write_beat2_npz(path, perf: Performance, betas: np.ndarray | None = None) -> None:
    """Write ``perf`` as a BEAT2/EMAGE ``.npz`` (uncompressed, like the dataset's files).

    Args:
        path: output file path (``.npz`` is appended by numpy if missing; use a ``.npz`` name).
        perf: the performance. Missing body motion is written as zeros (rest pose) except the jaw,
            which comes from ``perf.jaw_pose`` when present; missing ``expression`` as zeros.
        betas: optional ``(300,)`` or shorter shape vector (zero-padded to 300).

    Raises:
        FormatError: ``betas`` has more than 300 values or is not 1-D.
    """
    t = perf.num_frames
    if perf.smplx_poses is not None:
        poses = perf.smplx_poses.astype(np.float32).copy()
    else:
        poses = np.zeros((t, _smplx.NUM_JOINTS, 3), np.float32)
    if perf.jaw_pose is not None:
        poses[:, JAW_JOINT] = perf.jaw_pose
    trans = perf.transl if perf.transl is not None else np.zeros((t, 3), np.float32)
    expr = perf.expression if perf.expression is not None else np.zeros((t, NUM_EXPRESSIONS), np.float32)
    b = np.zeros(NUM_BETAS, np.float32)
    if betas is not None:
        betas = np.asarray(betas, np.float32)
        if betas.ndim != 1 or betas.shape[0] > NUM_BETAS:
            raise FormatError(f"betas: expected a 1-D array of at most {NUM_BETAS} values, found shape {betas.shape}")
        b[: betas.shape[0]] = betas
    rate = float(perf.fps)
    ours = perf.to_arrays()
    np.savez(
        os.fspath(path),
        poses=poses.reshape(t, NUM_POSE_VALUES).astype(np.float32),
        trans=np.asarray(trans, np.float32),
        expressions=np.asarray(expr, np.float32),
        betas=b,
        mocap_frame_rate=np.array(int(rate) if rate.is_integer() else rate),
        gender=np.array("neutral"),
        model=np.array("smplx2020"),
        arkit=ours["arkit"].astype(np.float32),
        arkit_names=ours["arkit_names"],
        provenance=ours["provenance"],
        transl_origin=ours["transl_origin"],
    )


def read_beat2_npz(path) -> Performance:
    """Read a BEAT2/EMAGE ``.npz`` into a :class:`Performance`.

    ``poses`` becomes ``smplx_poses`` (T, 55, 3) and ``jaw_pose`` (its joint 22); ``trans`` becomes
    ``transl``; ``expressions`` becomes ``expression`` (only if present; fewer than 100 columns are
    zero-padded); ``arkit`` (our extension) becomes ``arkit``, reordered by ``arkit_names`` when
    given, else zeros (BEAT2 has no ARKit curves: bake ``expression`` onto FLAME meshes instead).
    All arrays are converted to float32. The provenance is the file's ``provenance`` key when it
    has one (written by :func:`write_beat2_npz`), else ``body_model`` ``"npz:<model>"``.

    Raises:
        FileNotFoundError: ``path`` does not exist.
        FormatError: a required key is missing, a shape is wrong, a value is not finite, or the
            frame rate is not positive (the message names the key, expected and found).
    """
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"BEAT2 npz: no such file {path!r}")
    try:
        data = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise FormatError(f"{path}: not a readable .npz file ({exc})") from exc
    with data:
        keys = set(data.files)
        missing = [k for k in REQUIRED_KEYS if k not in keys]
        if missing:
            raise FormatError(
                f"{path}: missing key(s) {missing}; expected at least {list(REQUIRED_KEYS)}, found {sorted(keys)}")
        poses = _array(data, "poses", path)
        if poses.ndim != 2 or poses.shape[1] != NUM_POSE_VALUES:
            raise FormatError(f"{path}: key 'poses': expected shape (T, {NUM_POSE_VALUES}), found {poses.shape}")
        t = poses.shape[0]
        if t == 0:
            raise FormatError(f"{path}: key 'poses': expected at least one frame, found 0")
        trans = _array(data, "trans", path)
        if trans.shape != (t, 3):
            raise FormatError(f"{path}: key 'trans': expected shape ({t}, 3), found {trans.shape}")
        fps = _scalar(data, "mocap_frame_rate", path)
        expression = None
        if "expressions" in keys:
            e = _array(data, "expressions", path)
            if e.ndim != 2 or e.shape[0] != t or e.shape[1] > NUM_EXPRESSIONS:
                raise FormatError(
                    f"{path}: key 'expressions': expected shape ({t}, <={NUM_EXPRESSIONS}), found {e.shape}")
            expression = np.zeros((t, NUM_EXPRESSIONS), np.float32)
            expression[:, : e.shape[1]] = e
        arkit = np.zeros((t, _arkit.NUM_ARKIT), np.float32)
        if "arkit" in keys:
            arkit = _read_arkit(data, path, t, keys)
        model = str(data["model"]) if "model" in keys else "unknown"
        stored = _provenance(data, path) if "provenance" in keys else None
        origin = str(data["transl_origin"]) if "transl_origin" in keys else "first_frame"
        if origin not in _smplx.TRANSL_ORIGINS:
            raise FormatError(f"{path}: key 'transl_origin': expected one of {list(_smplx.TRANSL_ORIGINS)}, "
                              f"found {origin!r}")
    smplx_poses = poses.reshape(t, _smplx.NUM_JOINTS, 3)
    return Performance(
        fps=fps,
        arkit=arkit,
        expression=expression,
        jaw_pose=smplx_poses[:, JAW_JOINT].copy(),
        smplx_poses=smplx_poses,
        transl=trans,
        transl_origin=origin,
        provenance=stored or Provenance(body_model=f"npz:{model}", face_model="npz" if "arkit" in keys else "",
                                        audio_path="", device="file"),
    )


def _provenance(data, path: str) -> Provenance:
    try:
        return Provenance.from_dict(json.loads(str(data["provenance"])))
    except (ValueError, TypeError, AttributeError) as exc:
        raise FormatError(f"{path}: key 'provenance': expected the JSON of a Provenance, found {exc}") from None


def _array(data, key: str, path: str) -> np.ndarray:
    a = np.asarray(data[key])
    if not np.issubdtype(a.dtype, np.number):
        raise FormatError(f"{path}: key {key!r}: expected a numeric array, found dtype {a.dtype}")
    a = a.astype(np.float32)
    if not np.all(np.isfinite(a)):
        raise FormatError(f"{path}: key {key!r}: contains NaN or infinite values")
    return a


def _scalar(data, key: str, path: str) -> float:
    a = np.asarray(data[key])
    if a.size != 1 or not np.issubdtype(a.dtype, np.number):
        raise FormatError(f"{path}: key {key!r}: expected one number, found shape {a.shape} dtype {a.dtype}")
    v = float(a.reshape(()))
    if not (np.isfinite(v) and v > 0):
        raise FormatError(f"{path}: key {key!r}: expected a positive frame rate, found {v}")
    return v


def _read_arkit(data, path: str, t: int, keys: set) -> np.ndarray:
    a = _array(data, "arkit", path)
    if a.ndim != 2 or a.shape[0] != t:
        raise FormatError(f"{path}: key 'arkit': expected shape ({t}, 52), found {a.shape}")
    if "arkit_names" in keys:
        names = [str(n) for n in np.asarray(data["arkit_names"]).reshape(-1)]
        if len(names) != a.shape[1]:
            raise FormatError(
                f"{path}: key 'arkit_names': expected {a.shape[1]} names (one per 'arkit' column), found {len(names)}")
        unknown = [n for n in names if n not in _arkit.ARKIT_INDEX]
        if unknown:
            raise FormatError(f"{path}: key 'arkit_names': not ARKit names: {unknown[:5]}")
        out = np.zeros((t, _arkit.NUM_ARKIT), np.float32)
        for j, n in enumerate(names):
            out[:, _arkit.ARKIT_INDEX[n]] = a[:, j]
    elif a.shape[1] == _arkit.NUM_ARKIT:
        out = a
    else:
        raise FormatError(f"{path}: key 'arkit': expected shape ({t}, 52) without 'arkit_names', found {a.shape}")
    return np.clip(out, 0.0, 1.0)

