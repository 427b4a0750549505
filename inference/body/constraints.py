"""Masked motion prompts (EMAGE): keep user-posed joints/frames exactly, blend in and out smoothly.

For every joint, the correction ``c = q_user * q_generated^-1`` is applied in full on masked
frames (so the result equals the user's pose there, exactly) and faded out over
:data:`BLEND_S` seconds on either side with a smoothstep weight on the offset's rotation vector
(i.e. slerp from identity), so there is no step at a border; between two masked runs closer than
two blend times the offset cross-fades from one run's to the other's. Translation is handled the same way
with a linear offset.
"""

from __future__ import annotations

import numpy as np

from .._rigs import rotations as R
from .._rigs import smplx as S
from ..backends import BodyConstraints

#: Blend time (s) into and out of a masked section.
BLEND_S: float = 0.3


def validate_constraints(c: BodyConstraints, num_frames: int) -> None:
    """Check shapes and values of a :class:`BodyConstraints`.

    Raises:
        ValueError: wrong shapes/dtypes, non-finite masked values, or a frame count that does not
            match ``num_frames`` (the message names the field and what was found).
    """
    if not (np.isfinite(c.fps) and c.fps > 0):
        raise ValueError(f"BodyConstraints.fps: expected a positive number, found {c.fps!r}")
    poses, mask = np.asarray(c.poses), np.asarray(c.mask)
    if poses.shape != (num_frames, S.NUM_JOINTS, 3):
        raise ValueError(f"BodyConstraints.poses: expected shape ({num_frames}, {S.NUM_JOINTS}, 3), found {poses.shape}")
    if mask.shape != (num_frames, S.NUM_JOINTS) or mask.dtype != bool:
        raise ValueError(f"BodyConstraints.mask: expected bool ({num_frames}, {S.NUM_JOINTS}), found {mask.dtype} {mask.shape}")
    if not np.all(np.isfinite(poses[mask])):
        raise ValueError("BodyConstraints.poses: masked entries contain NaN or infinite values")
    if (c.transl is None) != (c.transl_mask is None):
        raise ValueError("BodyConstraints: transl and transl_mask must be given together")
    if c.transl is not None:
        t, tm = np.asarray(c.transl), np.asarray(c.transl_mask)
        if t.shape != (num_frames, 3) or tm.shape != (num_frames,) or tm.dtype != bool:
            raise ValueError(f"BodyConstraints.transl/transl_mask: expected ({num_frames}, 3) and bool ({num_frames},), "
                             f"found {t.shape} and {tm.dtype} {tm.shape}")
        if not np.all(np.isfinite(t[tm])):
            raise ValueError("BodyConstraints.transl: masked entries contain NaN or infinite values")


def _smoothstep(x):
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def _side_weights(mask: np.ndarray, blend_frames: int):
    """For one joint: weights and source frames of the nearest masked frame on the left and right.

    Returns ``(wl, il, wr, ir)``, each ``(T,)``. In a gap shorter than two blends the two weights
    cross-fade (``wl + wr = 1``) so the offset moves smoothly from one masked run to the next;
    otherwise each fades to 0 over ``blend_frames``. On masked frames ``wl = 1, wr = 0``.
    """
    n = mask.shape[0]
    idx = np.flatnonzero(mask)
    pos = np.arange(n)
    k_left = np.searchsorted(idx, pos, side="right") - 1
    k_right = np.searchsorted(idx, pos, side="left")
    has_l, has_r = k_left >= 0, k_right < idx.size
    il = np.where(has_l, idx[np.clip(k_left, 0, idx.size - 1)], 0)
    ir = np.where(has_r, idx[np.clip(k_right, 0, idx.size - 1)], 0)
    dl = np.where(has_l, pos - il, np.inf)
    dr = np.where(has_r, ir - pos, np.inf)
    wl = np.where(has_l, _smoothstep(1.0 - dl / (blend_frames + 1.0)), 0.0)
    wr = np.where(has_r, _smoothstep(1.0 - dr / (blend_frames + 1.0)), 0.0)
    gap = dl + dr
    short = has_l & has_r & (gap <= 2 * blend_frames + 1) & ~mask
    with np.errstate(invalid="ignore", divide="ignore"):
        wl = np.where(short, _smoothstep(1.0 - dl / gap), wl)
        wr = np.where(short, _smoothstep(1.0 - dr / gap), wr)
    wl = np.where(mask, 1.0, wl)
    wr = np.where(mask, 0.0, wr)
    il = np.where(mask, pos, il)
    return wl, il, wr, ir


def apply_constraints(poses_q: np.ndarray, transl: np.ndarray, c: BodyConstraints):
    """Impose a masked prompt on generated motion.

    Args:
        poses_q: ``(T, 55, 4)`` generated local quaternions (wxyz).
        transl: ``(T, 3)`` generated translation (m).
        c: constraints at the same fps and frame count.

    Returns:
        ``(poses_aa, transl)``: ``(T, 55, 3)`` float32 axis-angle and ``(T, 3)`` float32, with
        masked entries equal to the constraint values bit for bit.
    """
    n = poses_q.shape[0]
    validate_constraints(c, n)
    blend = max(1, int(round(BLEND_S * c.fps)))
    user = np.asarray(c.poses, dtype=np.float64)
    out_q = poses_q.copy()
    for j in np.flatnonzero(c.mask.any(axis=0)):
        wl, il, wr, ir = _side_weights(c.mask[:, j], blend)
        uq = R.axis_angle_to_quat(np.where(c.mask[:, j, None], user[:, j], 0.0))
        # correction (as a rotation vector) that turns the generated pose into the user's
        corr = R.quat_to_axis_angle(R.quat_mul(uq, R.quat_conj(poses_q[:, j])))
        offset = wl[:, None] * corr[il] + wr[:, None] * corr[ir]
        out_q[:, j] = R.quat_mul(R.axis_angle_to_quat(offset), poses_q[:, j])
    out_aa = R.quat_to_axis_angle(out_q).astype(np.float32)
    # exact on masked entries (no round trip through quaternions)
    out_aa[c.mask] = np.asarray(c.poses, dtype=np.float32)[c.mask]
    out_t = transl.astype(np.float64).copy()
    if c.transl is not None and c.transl_mask.any():
        wl, il, wr, ir = _side_weights(c.transl_mask, blend)
        off = np.where(c.transl_mask[:, None], np.asarray(c.transl, dtype=np.float64), transl) - transl
        out_t = out_t + wl[:, None] * off[il] + wr[:, None] * off[ir]
    out_t = out_t.astype(np.float32)
    if c.transl is not None:
        out_t[c.transl_mask] = np.asarray(c.transl, dtype=np.float32)[c.transl_mask]
    return out_aa, out_t
