"""Error-bounded keyframe reduction for per-frame animation curves (no Blender needed).

A curve sampled once per frame is reduced to the fewest keys (greedily, Ramer-Douglas-Peucker:
Ramer 1972, Douglas & Peucker 1973) such that linear interpolation between the kept keys stays
within ``tolerance`` of every original sample. The error is measured vertically (in the curve's
own value units: shape-key weight, quaternion component, metres), not perpendicular to the
segment, because that is the error an animator sees at each frame. Curves that must share key
frames (a bone's quaternion components) are reduced together by :func:`reduce_keys_joint`, with
the error as a rotation angle in degrees or a distance.
"""

from __future__ import annotations

import numpy as np


def reduce_keys(values: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices of the keys to keep so that linear interpolation stays within ``tolerance``.

    Args:
        values: ``(T,)`` real array, one sample per frame (frame ``i`` at index ``i``).
        tolerance: maximum absolute deviation allowed, in value units (>= 0). ``0`` keeps every
            key that is not exactly on the line through its neighbours' kept keys.

    Returns:
        ``(K,)`` int64 sorted indices, ``1 <= K <= T``; always contains ``0`` and ``T - 1``.
        For every ``i``, ``|interp(i, kept, values[kept]) - values[i]| <= tolerance`` (up to
        float64 rounding).

    Raises:
        ValueError: ``values`` is not 1-D, is empty or has NaN/inf; ``tolerance`` is negative or
            not finite.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"values: expected a 1-D array (T,), found shape {v.shape}")
    if v.shape[0] == 0:
        raise ValueError("values: expected at least one sample, found 0")
    if not np.all(np.isfinite(v)):
        raise ValueError("values: contains NaN or infinite samples")
    if not (np.isfinite(tolerance) and tolerance >= 0.0):
        raise ValueError(f"tolerance: expected a finite number >= 0, found {tolerance!r}")
    return reduce_keys_many(v[None, :], tolerance)[0]


def reduce_keys_many(values: np.ndarray, tolerance: float) -> list[np.ndarray]:
    """:func:`reduce_keys` for ``C`` curves of equal length at once (same result per curve).

    Ramer-Douglas-Peucker splits every segment independently of the others, so all open
    segments of all curves are split together, one vectorised pass per recursion level
    (about ``log2(T)`` to a few tens of passes), instead of one NumPy call per segment.

    Args:
        values: ``(C, T)`` real array, one row per curve, one sample per frame.
        tolerance: maximum absolute deviation allowed, in value units (>= 0).

    Returns:
        ``C`` sorted ``(K_c,)`` int64 index arrays (see :func:`reduce_keys`).

    Raises:
        ValueError: ``values`` is not 2-D, has no frames or has NaN/inf; bad ``tolerance``.
    """
    v2 = np.asarray(values, dtype=np.float64)
    if v2.ndim != 2 or v2.shape[1] == 0:
        raise ValueError(f"values: expected a (C, T) array with T >= 1, found shape {v2.shape}")
    return reduce_keys_joint(v2[:, :, None], tolerance, "abs")


#: Error measures of :func:`reduce_keys_joint`.
METRICS = ("abs", "distance", "angle_deg")


def _segment_error(v: np.ndarray, a: np.ndarray, b: np.ndarray, idx: np.ndarray, metric: str) -> np.ndarray:
    """Error at samples ``idx`` of the linear interpolation between keys ``a`` and ``b`` (rows of ``v``)."""
    frac = ((idx - a) / (b - a).astype(np.float64))[:, None]
    line = v[a] + (v[b] - v[a]) * frac
    if metric == "abs":
        return np.max(np.abs(v[idx] - line), axis=1)
    if metric == "distance":
        return np.linalg.norm(v[idx] - line, axis=1)
    # quaternions: Blender interpolates the components linearly and normalises (nlerp)
    q = line / np.maximum(np.linalg.norm(line, axis=1, keepdims=True), 1e-12)
    r = v[idx] / np.maximum(np.linalg.norm(v[idx], axis=1, keepdims=True), 1e-12)
    dot = np.clip(np.abs(np.sum(q * r, axis=1)), 0.0, 1.0)
    return np.degrees(2.0 * np.arccos(dot))


def reduce_keys_joint(values: np.ndarray, tolerance: float, metric: str = "abs") -> list[np.ndarray]:
    """Keys to keep for ``C`` groups of ``D`` curves that must share their key frames (the four
    quaternion components of a bone, the three location components), Ramer-Douglas-Peucker on the
    group's vector value, all groups and segments vectorised per recursion level.

    Args:
        values: ``(C, T, D)`` real array: ``C`` groups, ``T`` frames, ``D`` components.
        tolerance: largest allowed error, >= 0, in the metric's unit.
        metric: ``"abs"`` (largest absolute component deviation, value units; ``D = 1`` is
            :func:`reduce_keys`), ``"distance"`` (Euclidean distance, e.g. metres) or
            ``"angle_deg"`` (rotation angle in degrees between the normalised linear interpolation
            of wxyz quaternions, as Blender evaluates them, and the original rotation).

    Returns:
        ``C`` sorted ``(K_c,)`` int64 index arrays, each containing ``0`` and ``T - 1``; every
        component of a group is keyed on the same frames.

    Raises:
        ValueError: ``values`` is not 3-D, has no frames or has NaN/inf; bad ``tolerance``; unknown
            ``metric`` (valid: :data:`METRICS`).
    """
    v3 = np.asarray(values, dtype=np.float64)
    if v3.ndim != 3 or v3.shape[1] == 0:
        raise ValueError(f"values: expected a (C, T, D) array with T >= 1, found shape {v3.shape}")
    if not np.all(np.isfinite(v3)):
        raise ValueError("values: contains NaN or infinite samples")
    if not (np.isfinite(tolerance) and tolerance >= 0.0):
        raise ValueError(f"tolerance: expected a finite number >= 0, found {tolerance!r}")
    if metric not in METRICS:
        raise ValueError(f"metric: expected one of {METRICS}, found {metric!r}")
    c, n, d = v3.shape
    if n <= 2:
        return [np.arange(n, dtype=np.int64) for _ in range(c)]
    v = v3.reshape(c * n, d)  # groups laid end to end; segments never cross a group's boundary
    keep = np.zeros(c * n, dtype=bool)
    seg_a = np.arange(c, dtype=np.int64) * n
    seg_b = seg_a + (n - 1)
    keep[seg_a] = keep[seg_b] = True
    while seg_a.size:
        inner = seg_b - seg_a - 1
        open_ = inner > 0
        seg_a, seg_b, inner = seg_a[open_], seg_b[open_], inner[open_]
        if not seg_a.size:
            break
        offsets = np.cumsum(inner) - inner
        seg_id = np.repeat(np.arange(seg_a.size), inner)
        a = seg_a[seg_id]
        b = seg_b[seg_id]
        idx = np.arange(int(inner.sum())) - offsets[seg_id] + a + 1
        err = _segment_error(v, a, b, idx, metric)
        seg_max = np.maximum.reduceat(err, offsets)
        # first position of each segment's maximum (np.argmax semantics)
        at_max = np.flatnonzero(err == seg_max[seg_id])
        first = at_max[np.r_[True, seg_id[at_max[1:]] != seg_id[at_max[:-1]]]]
        split = seg_max > tolerance
        mid = idx[first][split]
        keep[mid] = True
        seg_a, seg_b = np.concatenate([seg_a[split], mid]), np.concatenate([mid, seg_b[split]])
    return [np.flatnonzero(row).astype(np.int64) for row in keep.reshape(c, n)]


def max_error(values: np.ndarray, kept: np.ndarray) -> float:
    """Largest ``|linear interpolation of the kept keys - values|`` over all frames.

    Args:
        values: ``(T,)`` samples; kept: sorted indices into it containing ``0`` and ``T - 1``.

    Returns:
        The maximum absolute deviation (value units), ``0.0`` when every key is kept.
    """
    v = np.asarray(values, dtype=np.float64)
    k = np.asarray(kept, dtype=np.int64)
    approx = np.interp(np.arange(v.shape[0]), k, v[k])
    return float(np.max(np.abs(approx - v))) if v.size else 0.0
