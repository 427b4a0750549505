"""Hand-torso interpenetration: detection against an elliptic torso cylinder and push-out.

The torso of the SMPL-X neutral body is approximated, in the chest's frame, by an elliptic
cylinder around the spine (half-width 0.15 m across, half-depth 0.12 m front-back, from the hips
to the base of the neck) — an approximation of the neutral template's trunk cross-sections,
slightly generous. Hand points (wrist, index/middle/pinky bases, thumb and index tips) are
checked by forward kinematics on :mod:`rigs.smplx_rest`. Where a point is inside, the shoulder
rotates the arm outward just enough, and that correction is smoothed over ~0.4 s so the push
never causes a jerk.
"""

from __future__ import annotations

import numpy as np

from .._rigs import rotations as R
from .._rigs import body_collision as _bc
from .._rigs import smplx_rest as REST

TORSO_HALF_WIDTH_M: float = 0.15
TORSO_HALF_DEPTH_M: float = 0.12
#: Torso extent along the body's up axis, relative to the pelvis joint (m).
TORSO_BOTTOM_M: float = -0.12
TORSO_TOP_M: float = 0.42
#: Extra clearance kept between hand points and the torso surface (m).
MARGIN_M: float = 0.015
HAND_POINTS = {"left": (20, 25, 28, 31, 39, 27), "right": (21, 40, 43, 46, 54, 42)}
_SHOULDER = {"left": 16, "right": 17}


def torso_depth(positions: np.ndarray, frame_q: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Penetration depth (m, > 0 inside) of points into the torso cylinder.

    Args:
        positions: ``(T, P, 3)`` world points.
        frame_q: ``(T, 4)`` world rotation of the torso frame (the spine1 global rotation).
        centre: ``(T, 3)`` world position of the pelvis joint.

    Returns:
        ``(T, P)`` depth in metres (<= 0 outside), including :data:`MARGIN_M`.
    """
    m = R.quat_to_matrix(frame_q)
    local = np.einsum("tji,tpj->tpi", m, positions - centre[:, None, :])
    x, y, z = local[..., 0], local[..., 1], local[..., 2] - 0.01
    r = np.sqrt((x / (TORSO_HALF_WIDTH_M + MARGIN_M)) ** 2 + (z / (TORSO_HALF_DEPTH_M + MARGIN_M)) ** 2)
    inside_y = (y > TORSO_BOTTOM_M) & (y < TORSO_TOP_M)
    scale = np.sqrt(np.maximum(x ** 2 + z ** 2, 1e-12))
    depth = np.where(inside_y, (1.0 - r) * scale / np.maximum(r, 1e-6), -1.0)
    return np.where(r < 1.0, depth, np.minimum(depth, 0.0))


def _needed_joints() -> list[int]:
    from .._rigs import smplx as S

    need = {3}
    for pts in HAND_POINTS.values():
        need.update(pts)
    for j in list(need):
        while j >= 0:
            need.add(j)
            j = S.PARENTS[j]
    return sorted(need)


_NEEDED = _needed_joints()


def _world(quats: np.ndarray, transl: np.ndarray):
    """Global rotations (T, 55, 3, 3) and positions (T, 55, 3) of the joints the checks need
    (the torso and both arms/hands; other entries are left uninitialised)."""
    glob, p = REST.world_transforms(quats, transl, joints=_NEEDED)  # the one SMPL-X FK
    g = np.empty(glob.shape[:2] + (3, 3))
    g[:, _NEEDED] = R.quat_to_matrix(glob[:, _NEEDED])
    return g, p


def penetration(quats: np.ndarray, transl: np.ndarray) -> np.ndarray:
    """Per-frame maximum hand-into-torso depth ``(T,)`` metres (0 = no contact)."""
    g, p = _world(quats, transl)
    centre = p[:, 0]
    frame_q = R.matrix_to_quat(g[:, 3])
    worst = np.zeros(quats.shape[0])
    for side in ("left", "right"):
        d = torso_depth(p[:, list(HAND_POINTS[side])], frame_q, centre)
        worst = np.maximum(worst, d.max(axis=1))
    return worst


def push_out(quats: np.ndarray, transl: np.ndarray, fps: float, iterations: int = 3,
             step: int = 2) -> np.ndarray:
    """Rotate shoulders outward where hands enter the torso; returns corrected quats ``(T, 55, 4)``.

    Detection runs on every ``step``-th frame (plus the last); the correction is smoothed over
    ~0.4 s, with a margin, and interpolated to every frame, so sub-sampling loses nothing visible
    while costing half.
    """
    q = quats.copy()
    n = q.shape[0]
    sub = np.unique(np.concatenate([np.arange(0, n, step), [n - 1]]))
    sub_fps = fps * (sub.size - 1) / max(n - 1, 1) if n > 1 else fps
    win = max(3, int(round(0.4 * sub_fps)) | 1)
    for _ in range(iterations):
        g, p = _world(q[sub], transl[sub])
        centre = p[:, 0]
        frame_q = R.matrix_to_quat(g[:, 3])
        changed = False
        for side in ("left", "right"):
            pts = p[:, list(HAND_POINTS[side])]
            d = torso_depth(pts, frame_q, centre)
            worst = d.max(axis=1)
            if not np.any(worst > 0):
                continue
            changed = True
            k = np.argmax(d, axis=1)
            pt = pts[np.arange(pts.shape[0]), k]
            sh = p[:, _SHOULDER[side]]
            # push direction: away from the spine axis, horizontally, in the torso frame
            m = R.quat_to_matrix(frame_q)
            local = np.einsum("tji,tj->ti", m, pt - centre)
            local[:, 1] = 0.0
            local[:, 0] += 0.05 * (1.0 if side == "left" else -1.0)  # prefer outward to the side
            push = np.einsum("tij,tj->ti", m, local)
            push /= np.maximum(np.linalg.norm(push, axis=1, keepdims=True), 1e-9)
            arm = pt - sh
            axis = np.cross(arm, push)
            axis /= np.maximum(np.linalg.norm(axis, axis=1, keepdims=True), 1e-9)
            angle = np.maximum(worst, 0.0) * 1.6 / np.maximum(np.linalg.norm(arm, axis=1), 0.1)
            aa = axis * angle[:, None]
            # spread the correction in time (running max then smoothing) so it is jerk-free
            aa_s = _bc.smooth_correction(aa, angle, win)
            # world-frame delta -> local delta at the shoulder: R_parent^T * delta * R_parent
            par = g[:, 13 if side == "left" else 14]
            aa_l = np.einsum("tji,tj->ti", par, aa_s)
            aa_l = np.stack([np.interp(np.arange(n), sub, aa_l[:, c]) for c in range(3)], axis=1)
            j = _SHOULDER[side]
            q[:, j] = R.quat_mul(R.axis_angle_to_quat(aa_l), q[:, j])
        if not changed:
            break
    return q
