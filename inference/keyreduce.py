"""Error-bounded keyframe reduction for per-frame animation curves (no Blender needed).

A curve sampled once per frame is reduced to the fewest keys (greedily, Ramer-Douglas-Peucker:
Ramer 1972, Douglas & Peucker 1973) such that linear interpolation between the kept keys stays
within ``tolerance`` of every original sample. The error is measured vertically (in the curve's
own value units: shape-key weight, quaternion component, metres), not perpendicular to the
segment, because that is the error an animator sees at each frame.
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
    n = v.shape[0]
    if n <= 2:
        return np.arange(n, dtype=np.int64)
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        idx = np.arange(a + 1, b)
        line = v[a] + (v[b] - v[a]) * (idx - a) / float(b - a)
        err = np.abs(v[a + 1:b] - line)
        j = int(np.argmax(err))
        if err[j] > tolerance:
            m = a + 1 + j
            keep[m] = True
            stack.append((a, m))
            stack.append((m, b))
    return np.flatnonzero(keep).astype(np.int64)


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
