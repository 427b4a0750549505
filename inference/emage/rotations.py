"""Rotation conversions EMAGE uses inside its autoregressive loop, in float32.

The project's general rotation helpers live in ``rigs/rotations.py`` (scipy based). These
float32 formulas are kept separately because the decoded motion is fed back as the next window's
seed: the EMAGE reference uses pytorch3d's older formulas (6D -> matrix by Gram-Schmidt with rows
b1, b2, b3; matrix -> quaternion by square roots of the diagonal combinations with copysign;
quaternion -> axis-angle with a small-angle Taylor term), and a different conversion moves later
windows' latents by up to 1.5e-4 (INTERFACE §5.1). Every function works on float32 arrays of any
leading shape. Norms and cross products are rounded like torch's CPU kernels (see :func:`_norm`);
only sin/cos (torch uses SLEEF, not correctly rounded) differ by an ulp, so decoded axis-angles
match the reference to ~2e-7 given identical decoder outputs.
"""

from __future__ import annotations

import numpy as np

F32 = np.float32
_EPS_ANGLE = F32(1e-6)


def _norm(v: np.ndarray, fused: bool) -> np.ndarray:
    """Euclidean norm over the last axis, keepdims, rounded like torch's CPU ``norm`` kernel.

    On a contiguous input that kernel accumulates the squares with fused multiply-adds
    (acc = fma(x, x, acc), ``fused=True``); on a strided slice (and on results of elementwise ops
    on strided slices, which keep the strides) it sums rounded squares in order (``fused=False``). A float32 fused multiply-add is emulated in float64 (the product is exact,
    one rounding to float32 per step). Matching the reference bit for bit keeps the fed-back seed
    identical (observed on the parity fixtures).
    """
    if not fused:
        sq = v * v
        acc = sq[..., 0]
        for j in range(1, v.shape[-1]):
            acc = acc + sq[..., j]
        return np.sqrt(acc)[..., None]
    v64 = v.astype(np.float64)
    acc = (v64[..., 0] * v64[..., 0]).astype(F32)
    for j in range(1, v.shape[-1]):
        acc = (v64[..., j] * v64[..., j] + acc.astype(np.float64)).astype(F32)
    return np.sqrt(acc)[..., None]


def _normalize(v: np.ndarray, fused: bool) -> np.ndarray:
    return v / np.maximum(_norm(v, fused), F32(1e-12))


def _cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross product rounded like torch's CPU kernel: each component fma(a_i, b_j, -(a_j * b_i))."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)

    def fms(i, j):
        return (a64[..., i] * b64[..., j] - (a64[..., j] * b64[..., i]).astype(F32)).astype(F32)

    return np.stack([fms(1, 2), fms(2, 0), fms(0, 1)], axis=-1)


def rot6d_to_matrix(d6: np.ndarray) -> np.ndarray:
    """(..., 6) float32 6D rotation -> (..., 3, 3) matrix whose rows are b1, b2, b3."""
    d6 = np.asarray(d6, F32)
    a1, a2 = d6[..., 0:3], d6[..., 3:6]
    b1 = _normalize(a1, fused=False)
    b2 = _normalize(a2 - np.sum(b1 * a2, axis=-1, keepdims=True, dtype=F32) * b1, fused=False)
    b3 = _cross(b1, b2)
    return np.stack([b1, b2, b3], axis=-2)


def matrix_to_rot6d(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 6): the first two rows flattened."""
    m = np.asarray(m, F32)
    return m[..., :2, :].reshape(m.shape[:-2] + (6,))


def _sqrt_pos(x: np.ndarray) -> np.ndarray:
    return np.where(x > 0, np.sqrt(np.maximum(x, F32(0))), F32(0)).astype(F32)


def _copysign(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    # Negate where the signs differ; a difference of exactly 0 counts as positive.
    return np.where((a < 0) != (b < 0), -a, a).astype(F32)


def matrix_to_quaternion(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) -> (..., 4) quaternion (w, x, y, z), w >= 0 (older pytorch3d variant)."""
    m = np.asarray(m, F32)
    m00, m11, m22 = m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]
    one, half = F32(1), F32(0.5)
    w = half * _sqrt_pos(one + m00 + m11 + m22)
    x = half * _sqrt_pos(one + m00 - m11 - m22)
    y = half * _sqrt_pos(one - m00 + m11 - m22)
    z = half * _sqrt_pos(one - m00 - m11 + m22)
    x = _copysign(x, m[..., 2, 1] - m[..., 1, 2])
    y = _copysign(y, m[..., 0, 2] - m[..., 2, 0])
    z = _copysign(z, m[..., 1, 0] - m[..., 0, 1])
    return np.stack([w, x, y, z], axis=-1)


def _sin_half_over_angle(angle: np.ndarray) -> np.ndarray:
    small = np.abs(angle) < _EPS_ANGLE
    safe = np.where(small, F32(1), angle)
    return np.where(small, F32(0.5) - angle * angle / F32(48), np.sin(safe * F32(0.5)) / safe).astype(F32)


def quaternion_to_axis_angle(q: np.ndarray) -> np.ndarray:
    """(..., 4) (w, x, y, z) -> (..., 3) axis-angle, radians."""
    q = np.asarray(q, F32)
    n = _norm(q[..., 1:], fused=False)
    half = np.arctan2(n, q[..., :1])
    angle = F32(2) * half
    small = np.abs(angle) < _EPS_ANGLE
    safe = np.where(small, F32(1), angle)
    k = np.where(small, F32(0.5) - angle * angle / F32(48), np.sin(half) / safe).astype(F32)
    return q[..., 1:] / k


def axis_angle_to_matrix(aa: np.ndarray) -> np.ndarray:
    """(..., 3) axis-angle radians -> (..., 3, 3) via the quaternion (cos(θ/2), aa·sin(θ/2)/θ)."""
    aa = np.asarray(aa, F32)
    angle = _norm(aa, fused=True)  # the reference's axis-angle is a contiguous (T, 55, 3)
    k = _sin_half_over_angle(angle)
    r = np.cos(angle * F32(0.5))[..., 0]
    i, j, kk = (aa * k)[..., 0], (aa * k)[..., 1], (aa * k)[..., 2]
    two_s = F32(2) / (r * r + i * i + j * j + kk * kk)
    rows = [
        [F32(1) - two_s * (j * j + kk * kk), two_s * (i * j - kk * r), two_s * (i * kk + j * r)],
        [two_s * (i * j + kk * r), F32(1) - two_s * (i * i + kk * kk), two_s * (j * kk - i * r)],
        [two_s * (i * kk - j * r), two_s * (j * kk + i * r), F32(1) - two_s * (i * i + j * j)],
    ]
    return np.stack([np.stack(row, axis=-1) for row in rows], axis=-2).astype(F32)


def rot6d_to_axis_angle(d6: np.ndarray) -> np.ndarray:
    """(..., 6) -> (..., 3) through matrix and quaternion."""
    return quaternion_to_axis_angle(matrix_to_quaternion(rot6d_to_matrix(d6)))


def axis_angle_to_rot6d(aa: np.ndarray) -> np.ndarray:
    """(..., 3) -> (..., 6) through the matrix."""
    return matrix_to_rot6d(axis_angle_to_matrix(aa))
