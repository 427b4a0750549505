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

#: Samples (groups x frames) thinned in one vectorised pass of :func:`reduce_keys_joint`. Groups
#: are independent, so they are taken a few at a time: the pass's float64 temporaries stay a few
#: MiB (about 40 bytes per sample and component each) whatever the clip's length (a group longer
#: than this is one pass on its own). 2**16: 10 min of 55 bones' quaternions traced 205 MiB in one
#: pass and ~20 MiB in chunks, and ran faster (fewer cache misses); 2026-12-07, docs/performance.md.
CHUNK_SAMPLES = 1 << 16


def _sum_rows(parts) -> np.ndarray:
    """``parts[0] + parts[1] + ...`` left to right, in a new array: the order ``np.add.reduce``
    over a short last axis adds a row's components in, so component-major sums are bit for bit
    the row sums of the component-last layout."""
    total = parts[0].copy()
    for p in parts[1:]:
        total += p
    return total


def _segment_error(vt: list, ut: list | None, seg_a: np.ndarray, dvt: list, inner: np.ndarray,
                   idx: np.ndarray, frac: np.ndarray, metric: str) -> np.ndarray:
    """Error at samples ``idx`` ``(M,)`` of the linear interpolation of ``S`` segments, each from its
    key ``seg_a`` ``(S,)`` by ``dv * frac``, component-major: ``vt`` the ``D`` component rows ``(N,)``
    of the values, ``dvt`` the ``D`` rows ``(S,)`` of the key-to-key difference per segment,
    ``inner`` ``(S,)`` the samples of each segment (``idx`` lists them segment after segment),
    ``frac`` ``(M,)`` the position in the segment; ``ut``: the rows of the values normalised
    (``"angle_deg"`` only). Per-segment numbers are spread with ``np.repeat`` (a fill, not a
    gather); the arithmetic per sample is that of the component-last layout, operation for
    operation (sums left to right)."""
    line = []
    for v, dv in zip(vt, dvt):
        x = np.repeat(dv, inner)
        x *= frac
        x += np.repeat(v.take(seg_a), inner)  # a + b == b + a in IEEE arithmetic
        line.append(x)
    if metric == "abs":
        err = vt[0].take(idx)
        err -= line[0]
        np.abs(err, out=err)
        for v, x in zip(vt[1:], line[1:]):
            d = v.take(idx)
            d -= x
            np.maximum(err, np.abs(d, out=d), out=err)
        return err
    if metric == "distance":
        total = None
        for v, x in zip(vt, line):
            d = v.take(idx)
            d -= x
            d *= d
            if total is None:
                total = d
            else:
                total += d
        return np.sqrt(total, out=total)
    # quaternions: Blender interpolates the components linearly and normalises (nlerp)
    scale = line[0] * line[0]
    for x in line[1:]:
        scale += x * x
    np.sqrt(scale, out=scale)
    np.maximum(scale, 1e-12, out=scale)
    dot = None
    for x, u in zip(line, ut):
        x /= scale
        x *= u.take(idx)
        if dot is None:
            dot = x
        else:
            dot += x
    np.abs(dot, out=dot)
    return np.clip(dot, 0.0, 1.0, out=dot)  # the angle is _angle_deg of it, see _segment_max


#: Candidates for a segment's largest rotation angle: samples whose clipped ``|dot|`` is within this
#: of the segment's smallest. ``arccos`` has a slope of magnitude >= 1 on [0, 1], so any other
#: sample's angle is smaller by >= 2e-12 rad, far more than arccos's rounding (a few ulp, < 1e-15
#: rad): the same largest angle and the same first sample reaching it as over every sample.
_ANGLE_MARGIN = 1e-12


def _angle_deg(cos_half: np.ndarray) -> np.ndarray:
    """Rotation angle in degrees ``(M,)`` of clipped ``|dot|`` values ``(M,)`` in [0, 1]."""
    return np.degrees(2.0 * np.arccos(cos_half))


def _first_max(err: np.ndarray, offsets: np.ndarray, counts: np.ndarray) -> tuple:
    """Per segment (samples laid segment after segment, ``counts`` ``(S,)`` each starting at
    ``offsets``): its largest ``err`` ``(S,)`` and the position of its first sample reaching it
    ``(S,)`` (``np.argmax`` semantics)."""
    seg_max = np.maximum.reduceat(err, offsets)
    at_max = np.flatnonzero(err == np.repeat(seg_max, counts))
    seg_of = np.repeat(np.arange(counts.size), counts).take(at_max)
    return seg_max, at_max[np.r_[True, seg_of[1:] != seg_of[:-1]]]


def _segment_max(err: np.ndarray, offsets: np.ndarray, inner: np.ndarray, metric: str) -> tuple:
    """:func:`_first_max` of the metric's error, ``err`` from :func:`_segment_error`. For
    ``"angle_deg"`` (``err`` the clipped ``|dot|``, decreasing with the angle) the angle is computed
    only on the candidates within :data:`_ANGLE_MARGIN` of each segment's smallest ``|dot|``."""
    if metric != "angle_deg":
        return _first_max(err, offsets, inner)
    least = np.minimum.reduceat(err, offsets)
    least += _ANGLE_MARGIN
    cand = np.flatnonzero(err <= np.repeat(least, inner))
    per_seg = np.bincount(np.searchsorted(offsets, cand, side="right") - 1, minlength=inner.size)
    seg_max, first = _first_max(_angle_deg(err.take(cand)), np.cumsum(per_seg) - per_seg, per_seg)
    return seg_max, cand.take(first)


def reduce_keys_joint(values: np.ndarray, tolerance: float, metric: str = "abs") -> list[np.ndarray]:
    """Keys to keep for ``C`` groups of ``D`` curves that must share their key frames (the four
    quaternion components of a bone, the three location components), Ramer-Douglas-Peucker on the
    group's vector value, all segments of a few groups at a time (:data:`CHUNK_SAMPLES`)
    vectorised per recursion level, in float64.

    Args:
        values: ``(C, T, D)`` real array (float32 or float64; converted to float64 a chunk of
            groups at a time, so a float32 stack is never copied whole): ``C`` groups, ``T``
            frames, ``D`` components.
        tolerance: largest allowed error, >= 0, in the metric's unit.
        metric: ``"abs"`` (largest absolute component deviation, value units; ``D = 1`` is
            :func:`reduce_keys`), ``"distance"`` (Euclidean distance, e.g. metres) or
            ``"angle_deg"`` (rotation angle in degrees between the normalised linear interpolation
            of wxyz quaternions, as Blender evaluates them, and the original rotation).

    Returns:
        ``C`` sorted ``(K_c,)`` int64 index arrays, each containing ``0`` and ``T - 1``; every
        component of a group is keyed on the same frames. A group's keys do not depend on the
        other groups (nor on how they are chunked).

    Raises:
        ValueError: ``values`` is not 3-D, has no frames or has NaN/inf; bad ``tolerance``; unknown
            ``metric`` (valid: :data:`METRICS`).
    """
    v3 = np.asarray(values)
    if v3.ndim != 3 or v3.shape[1] == 0:
        raise ValueError(f"values: expected a (C, T, D) array with T >= 1, found shape {v3.shape}")
    if not np.issubdtype(v3.dtype, np.number) or np.iscomplexobj(v3):
        raise ValueError(f"values: expected real numbers, found dtype {v3.dtype}")
    if not np.all(np.isfinite(v3)):
        raise ValueError("values: contains NaN or infinite samples")
    if not (np.isfinite(tolerance) and tolerance >= 0.0):
        raise ValueError(f"tolerance: expected a finite number >= 0, found {tolerance!r}")
    if metric not in METRICS:
        raise ValueError(f"metric: expected one of {METRICS}, found {metric!r}")
    c, n, _d = v3.shape
    if n <= 2:
        return [np.arange(n, dtype=np.int64) for _ in range(c)]
    per = max(1, CHUNK_SAMPLES // n)
    out: list[np.ndarray] = []
    for lo in range(0, c, per):
        out.extend(_reduce_chunk(np.asarray(v3[lo:lo + per], np.float64), float(tolerance), metric))
    return out


def _reduce_chunk(v3: np.ndarray, tolerance: float, metric: str) -> list[np.ndarray]:
    """:func:`reduce_keys_joint` on validated float64 ``(C, T, D)`` values, ``T > 2``."""
    c, n, d = v3.shape
    v = v3.reshape(c * n, d)  # groups laid end to end; segments never cross a group's boundary
    vt = [np.ascontiguousarray(v[:, k]) for k in range(d)]     # component-major rows
    if metric == "angle_deg":   # rows scaled to unit length, as the component-last norm computes them
        norm = np.maximum(np.sqrt(_sum_rows([x * x for x in vt])), 1e-12)
        ut = [x / norm for x in vt]
    else:
        ut = None
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
        pos = np.arange(int(inner.sum()))
        pos -= np.repeat(offsets - 1, inner)       # 1 .. inner within each segment
        idx = pos + np.repeat(seg_a, inner)
        frac = pos / np.repeat((seg_b - seg_a).astype(np.float64), inner)
        dvt = [x.take(seg_b) - x.take(seg_a) for x in vt]
        err = _segment_error(vt, ut, seg_a, dvt, inner, idx, frac, metric)
        seg_max, first = _segment_max(err, offsets, inner, metric)
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
