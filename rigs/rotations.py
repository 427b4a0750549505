"""Vectorised rotation conversions in NumPy (quaternions are ``(w, x, y, z)``, Blender's order).

Blender's ``mathutils`` is not available to the bpy-free layers and SciPy is not shipped with
Blender, so these few conversions are ours; ``tests/test_rotations.py`` checks every one against
``scipy.spatial.transform.Rotation``. All functions accept arbitrary leading batch shapes ``(...)``.
"""

from __future__ import annotations

import numpy as np

_EPS = 1e-12


def axis_angle_to_quat(aa: np.ndarray) -> np.ndarray:
    """Axis-angle ``(..., 3)`` (radians, axis * angle) -> unit quaternion ``(..., 4)`` wxyz."""
    aa = np.asarray(aa, dtype=np.float64)
    angle = np.linalg.norm(aa, axis=-1, keepdims=True)
    half = 0.5 * angle
    # sin(half)/angle, with its Taylor limit 0.5 - angle^2/48 near zero
    small = angle < 1e-6
    k = np.where(small, 0.5 - angle**2 / 48.0, np.sin(half) / np.where(small, 1.0, angle))
    return np.concatenate([np.cos(half), aa * k], axis=-1)


def quat_to_axis_angle(q: np.ndarray) -> np.ndarray:
    """Quaternion ``(..., 4)`` wxyz -> axis-angle ``(..., 3)`` radians with angle in ``[0, pi]``."""
    q = np.asarray(q, dtype=np.float64)
    q = q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), _EPS)
    q = np.where(q[..., :1] < 0.0, -q, q)  # shortest arc
    s = np.linalg.norm(q[..., 1:], axis=-1, keepdims=True)
    angle = 2.0 * np.arctan2(s, q[..., :1])
    small = s < 1e-6
    k = np.where(small, 2.0 + angle**2 / 12.0, angle / np.where(small, 1.0, s))
    return q[..., 1:] * k


def quat_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product ``a * b`` of wxyz quaternions ``(..., 4)`` (apply ``b`` first)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    aw, ax, ay, az = np.moveaxis(a, -1, 0)
    bw, bx, by, bz = np.moveaxis(b, -1, 0)
    return np.stack([
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    ], axis=-1)


def quat_conj(q: np.ndarray) -> np.ndarray:
    """Conjugate (inverse of a unit quaternion) ``(..., 4)``."""
    q = np.asarray(q, dtype=np.float64)
    return q * np.array([1.0, -1.0, -1.0, -1.0])


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """Unit quaternion ``(..., 4)`` wxyz -> rotation matrix ``(..., 3, 3)``."""
    q = np.asarray(q, dtype=np.float64)
    q = q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), _EPS)
    w, x, y, z = np.moveaxis(q, -1, 0)
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        np.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        np.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ], axis=-2)


def matrix_to_quat(m: np.ndarray) -> np.ndarray:
    """Rotation matrix ``(..., 3, 3)`` -> unit quaternion ``(..., 4)`` wxyz with ``w >= 0``.

    Uses the numerically stable branch per element (Shepperd's method).
    """
    m = np.asarray(m, dtype=np.float64)
    tr = m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2]
    cands = np.stack([
        np.stack([1 + tr, m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0], m[..., 1, 0] - m[..., 0, 1]], -1),
        np.stack([m[..., 2, 1] - m[..., 1, 2], 1 + m[..., 0, 0] - m[..., 1, 1] - m[..., 2, 2], m[..., 0, 1] + m[..., 1, 0], m[..., 0, 2] + m[..., 2, 0]], -1),
        np.stack([m[..., 0, 2] - m[..., 2, 0], m[..., 0, 1] + m[..., 1, 0], 1 - m[..., 0, 0] + m[..., 1, 1] - m[..., 2, 2], m[..., 1, 2] + m[..., 2, 1]], -1),
        np.stack([m[..., 1, 0] - m[..., 0, 1], m[..., 0, 2] + m[..., 2, 0], m[..., 1, 2] + m[..., 2, 1], 1 - m[..., 0, 0] - m[..., 1, 1] + m[..., 2, 2]], -1),
    ], axis=-2)
    diag = np.stack([tr, m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]], -1)
    best = np.argmax(diag, axis=-1)
    q = np.take_along_axis(cands, best[..., None, None], axis=-2)[..., 0, :]
    q = q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), _EPS)
    return np.where(q[..., :1] < 0.0, -q, q)


def quat_slerp(a: np.ndarray, b: np.ndarray, t) -> np.ndarray:
    """Spherical linear interpolation between wxyz quaternions ``a`` and ``b`` at ``t`` in [0, 1].

    Shapes broadcast; ``t`` is ``(...)`` or scalar. Takes the shorter arc.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)[..., None]
    dot = np.sum(a * b, axis=-1, keepdims=True)
    b = np.where(dot < 0.0, -b, b)
    dot = np.abs(dot)
    theta = np.arccos(np.clip(dot, -1.0, 1.0))
    sin_t = np.sin(theta)
    lin = sin_t < 1e-6
    wa = np.where(lin, 1.0 - t, np.sin((1.0 - t) * theta) / np.where(lin, 1.0, sin_t))
    wb = np.where(lin, t, np.sin(t * theta) / np.where(lin, 1.0, sin_t))
    q = wa * a + wb * b
    return q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), _EPS)


def resample_axis_angle(aa: np.ndarray, src_fps: float, dst_fps: float, num_out: int) -> np.ndarray:
    """Resample ``(T, ..., 3)`` axis-angle rotations from ``src_fps`` to ``dst_fps`` by slerp.

    Returns ``(num_out, ..., 3)`` float32; times past the last frame hold the last pose.
    """
    q = axis_angle_to_quat(aa)
    n = q.shape[0]
    pos = np.clip(np.arange(num_out) / dst_fps * src_fps, 0.0, n - 1)
    i0 = np.floor(pos).astype(int)
    i1 = np.minimum(i0 + 1, n - 1)
    frac = (pos - i0).reshape((-1,) + (1,) * (q.ndim - 2))
    frac = np.broadcast_to(frac, q[i0].shape[:-1])
    return quat_to_axis_angle(quat_slerp(q[i0], q[i1], frac)).astype(np.float32)


#: Blender's ``rotation_mode`` Euler orders.
EULER_ORDERS: tuple[str, ...] = ("XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX")


def euler_to_quat(euler: np.ndarray, order: str) -> np.ndarray:
    """Euler angles ``(..., 3)`` radians (``x, y, z`` whatever the order, as Blender stores
    ``rotation_euler``) -> unit quaternions ``(..., 4)`` wxyz.

    ``order`` is Blender's ``rotation_mode`` (:data:`EULER_ORDERS`): the first axis is applied
    first, so ``'XYZ'`` is ``R = Rz Ry Rx`` (Blender's ``Euler.to_quaternion``; SciPy's extrinsic
    ``Rotation.from_euler("xyz", ...)``, checked in ``tests/test_rotations.py``).

    Raises:
        ValueError: ``order`` is not one of the six orders.
    """
    if order not in EULER_ORDERS:
        raise ValueError(f"euler order: expected one of {', '.join(EULER_ORDERS)}, found {order!r}")
    e = np.asarray(euler, np.float64)
    q = None
    for axis in order:
        i = "XYZ".index(axis)
        half = 0.5 * e[..., i]
        qa = np.zeros(e.shape[:-1] + (4,))
        qa[..., 0] = np.cos(half)
        qa[..., 1 + i] = np.sin(half)
        q = qa if q is None else quat_mul(qa, q)
    return q
