"""Batched kinematic-chain helpers for retargeting (bpy-free, NumPy only).

Whole clips are processed at once in a *joint-major, component-major* layout: quaternions
``(J, 4, T)`` (joint, wxyz component, frame), so every arithmetic step runs over contiguous
rows of ``T`` frames and products with per-joint constant quaternions are batched 4x4 matrix
products (BLAS). Chains are walked one *depth level* at a time (all joints at the same distance
from the root are composed with their parents in one vectorised step over all frames), so the
Python-level loop count depends on the hierarchy depth (11 for SMPL-X), never on the number of
frames. Quaternion conventions follow :mod:`rigs.rotations` (wxyz, Hamilton product, Blender's order).
"""

from __future__ import annotations

import numpy as np

from .tree import depth_levels

#: Sign pattern that conjugates a ``(..., 4, T)`` quaternion array.
CONJ = np.array([1.0, -1.0, -1.0, -1.0])[:, None]


def axis_angle_to_quat_cm(aa: np.ndarray) -> np.ndarray:
    """Axis-angle ``(T, J, 3)`` radians -> unit quaternions ``(J, 4, T)`` float64 (same formula as
    :func:`rigs.rotations.axis_angle_to_quat`, Taylor limit near zero)."""
    v = np.ascontiguousarray(np.asarray(aa, np.float64).transpose(1, 2, 0))  # (J, 3, T)
    angle = np.sqrt(np.einsum("jct,jct->jt", v, v))
    half = 0.5 * angle
    small = angle < 1e-6
    k = np.where(small, 0.5 - angle**2 / 48.0, np.sin(half) / np.where(small, 1.0, angle))
    out = np.empty((v.shape[0], 4, v.shape[2]))
    out[:, 0] = np.cos(half)
    np.multiply(v, k[:, None], out=out[:, 1:])
    return out


def qmul_cm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Hamilton product ``a * b`` of quaternions stored ``(..., 4, T)`` (apply ``b`` first; shapes
    broadcast)."""
    aw, ax, ay, az = a[..., 0, :], a[..., 1, :], a[..., 2, :], a[..., 3, :]
    bw, bx, by, bz = b[..., 0, :], b[..., 1, :], b[..., 2, :], b[..., 3, :]
    out = np.empty(np.broadcast_shapes(a.shape, b.shape))
    out[..., 0, :] = aw * bw - ax * bx - ay * by - az * bz
    out[..., 1, :] = aw * bx + ax * bw + ay * bz - az * by
    out[..., 2, :] = aw * by - ax * bz + ay * bw + az * bx
    out[..., 3, :] = aw * bz + ax * by - ay * bx + az * bw
    return out


def quat_left_matrix(p: np.ndarray) -> np.ndarray:
    """``(..., 4, 4)`` matrices ``L`` with ``p * q = L @ q`` for wxyz quaternions ``p`` ``(..., 4)``."""
    w, x, y, z = np.moveaxis(np.asarray(p, np.float64), -1, 0)
    return np.stack([np.stack([w, -x, -y, -z], -1), np.stack([x, w, -z, y], -1),
                     np.stack([y, z, w, -x], -1), np.stack([z, -y, x, w], -1)], -2)


def quat_right_matrix(p: np.ndarray) -> np.ndarray:
    """``(..., 4, 4)`` matrices ``R`` with ``q * p = R @ q`` for wxyz quaternions ``p`` ``(..., 4)``."""
    w, x, y, z = np.moveaxis(np.asarray(p, np.float64), -1, 0)
    return np.stack([np.stack([w, -x, -y, -z], -1), np.stack([x, w, z, -y], -1),
                     np.stack([y, -z, w, x], -1), np.stack([z, y, -x, w], -1)], -2)


def chain_products_cm(local: np.ndarray, parents, levels=None) -> np.ndarray:
    """Compose parent-relative rotations into global ones, ``G_j = G_parent(j) * L_j``.

    Args:
        local: ``(J, 4, T)`` float64 unit quaternions, parent-relative.
        parents: ``(J,)`` parent indices (``-1``: root, ``G = L``).
        levels: :func:`rigs.tree.depth_levels` of ``parents`` (computed when ``None``).

    Returns:
        ``(J, 4, T)`` float64 global quaternions (signs not normalised).
    """
    parents = np.asarray(parents, int)
    levels = depth_levels(parents) if levels is None else levels
    out = np.empty(local.shape)
    for d, lvl in enumerate(levels):
        out[lvl] = local[lvl] if d == 0 else qmul_cm(out[parents[lvl]], local[lvl])
    return out


def sign_continuous_cm(q: np.ndarray) -> np.ndarray:
    """Flip signs of quaternions ``(J, 4, T)`` in place so consecutive frames have a non-negative
    dot product (frame 0 kept; a cumulative product of the frame-to-frame dot signs, no per-frame
    loop). Returns ``q``."""
    if q.shape[-1] > 1:
        flips = np.where(np.einsum("jct,jct->jt", q[:, :, 1:], q[:, :, :-1]) < 0, -1.0, 1.0)
        q[:, :, 1:] *= np.cumprod(flips, axis=-1)[:, None]
    return q


def canonical_continuous_cm(q: np.ndarray) -> np.ndarray:
    """Signs of quaternions ``(J, 4, T)`` fixed in place: every frame first to ``w >= 0`` (as
    :func:`rigs.rotations.matrix_to_quat` returns them), then :func:`sign_continuous_cm`. Returns ``q``."""
    q *= np.where(q[:, :1] < 0, -1.0, 1.0)
    return sign_continuous_cm(q)


def chain_positions(glob_q: np.ndarray, offsets: np.ndarray, parents, levels) -> np.ndarray:
    """Joint positions from global rotations: ``p_root = offset_root``,
    ``p_j = p_parent + G_parent * offset_j`` (forward kinematics, one vectorised step per level).

    Args:
        glob_q: ``(T, J, 4)`` unit wxyz global rotations (e.g. :func:`chain_products_cm` transposed).
        offsets: ``(J, 3)`` rest offsets from the parent (roots: absolute position).
        parents: ``(J,)`` parent indices.
        levels: :func:`rigs.tree.depth_levels` of ``parents``, possibly restricted to a subset
            closed under ancestors (:func:`rigs.tree.subset_levels`); other joints are NaN.

    Returns:
        ``(T, J, 3)`` float64 positions.
    """
    parents = np.asarray(parents, int)
    off = np.asarray(offsets, np.float64)
    pos = np.full(glob_q.shape[:2] + (3,), np.nan)  # joints outside ``levels`` stay NaN (never garbage)
    for d, lvl in enumerate(levels):
        if d == 0:
            pos[:, lvl] = off[lvl]
        else:
            p = parents[lvl]
            pos[:, lvl] = pos[:, p] + quat_rotate(glob_q[:, p], off[lvl])
    return pos


def quat_rotate(q: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Rotate vectors ``v`` ``(..., 3)`` by unit quaternions ``q`` ``(..., 4)`` wxyz (shapes
    broadcast): ``v + 2 w (u x v) + 2 u x (u x v)`` with ``q = (w, u)``."""
    q = np.asarray(q, np.float64)
    v = np.asarray(v, np.float64)
    u = q[..., 1:]
    t = 2.0 * np.cross(u, v)
    return v + q[..., :1] * t + np.cross(u, t)


def rotation_and_scale(m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Polar decomposition of 3x3 matrices ``(..., 3, 3)`` by one batched SVD: the rotation parts
    ``(..., 3, 3)`` float64 and the mean singular values ``(...)`` (the uniform scale). A
    reflection is turned into the nearest rotation by flipping the last singular direction.

    The only polar decomposition in the package (bone, armature and pose matrices alike)."""
    u, s, vt = np.linalg.svd(np.asarray(m, np.float64))
    r = u @ vt
    neg = np.linalg.det(r) < 0
    if np.any(neg):
        u = u.copy()
        u[..., :, -1] *= np.where(neg, -1.0, 1.0)[..., None]
        r = u @ vt
    return r, s.mean(axis=-1)


def rotation_parts(m: np.ndarray) -> np.ndarray:
    """Rotation parts ``(..., 3, 3)`` float64 of 3x3 matrices ``(..., 3, 3)``
    (:func:`rotation_and_scale` without the scale)."""
    return rotation_and_scale(m)[0]
