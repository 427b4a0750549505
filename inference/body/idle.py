"""Idle layer: breathing, postural sway, weight shifts with planted feet, and head motion.

* Breathing follows speech (Winkworth et al. 1995: speakers inhale quickly at phrase pauses and
  exhale slowly while speaking); without speech it is a free ~4.5 s cycle. It extends the chest
  (spine2/spine3), lifts the collars, and the neck compensates so the head stays level.
* Sway is slow band-limited noise (0.05-0.25 Hz) on the pelvis; the lower spine cancels most of it
  so the chest stays upright. The spine adds its own motion (~0.5 Hz, ~4-5 degrees RMS
  spread over spine1-3; the hips ~2 degrees) and the pelvis turns slowly (~2 degrees RMS, plus ~0.7 degree at 0.35 Hz): a standing speaker is never
  still (the BEAT2 take's spine joints move 3-5 cm/s on average).
* Weight shifts every 6-18 s move the pelvis a few centimetres toward the loaded leg and drop the
  other hip; a vectorised two-bone leg IK keeps both ankles at their rest positions and both feet
  at their rest orientation, so the feet never slide. Translation stays within a few cm of zero.
* The head (gaze holds and breaks, nods, shakes) is :mod:`inference.body.head`.
"""

from __future__ import annotations

import numpy as np

from .._rigs import rotations as R
from .._rigs import smplx_rest as REST
from ..signal_ops import hann_smooth
from .synthesis import euler_quat, interpolate_keys, pulses, smooth_noise

_POS = REST.rest_joint_positions().astype(np.float64)
#: Pelvis drop (m) that unlocks the knees so both legs can follow weight shifts.
PELVIS_DROP_M: float = 0.012
WEIGHT_SHIFT_M: float = 0.022
WEIGHT_ROLL_RAD: float = 0.035


def breathing(t_s: np.ndarray, speech: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Breath state ``(T,)`` in [0, 1] (1 = full inhale) from a per-frame speech mask ``(T,)`` bool."""
    n = t_s.shape[0]
    dt = float(t_s[1] - t_s[0]) if n > 1 else 1 / 30
    period = 4.5 * rng.uniform(0.85, 1.15)
    free = 0.5 + 0.5 * np.sin(2 * np.pi * t_s / period + rng.uniform(0, 2 * np.pi))
    if not speech.any():
        return free
    b = np.empty(n)
    level = 0.5
    a_in, a_out = 1 - np.exp(-dt / 0.35), 1 - np.exp(-dt / 2.5)
    for i in range(n):
        level += (a_out * (0.0 - level)) if speech[i] else (a_in * (1.0 - level))
        b[i] = level
    # long silences drift to free breathing
    far = _distance_to_true(speech, dt)
    w = np.clip((far - 2.0) / 2.0, 0.0, 1.0)
    return (1 - w) * b + w * free


def _distance_to_true(mask: np.ndarray, dt: float) -> np.ndarray:
    """Seconds from each frame to the nearest True frame (inf if none)."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return np.full(mask.shape[0], np.inf)
    pos = np.arange(mask.shape[0])
    j = np.clip(np.searchsorted(idx, pos), 1, idx.size) - 1
    d = np.minimum(np.abs(pos - idx[j]), np.abs(idx[np.minimum(j + 1, idx.size - 1)] - pos))
    return d * dt


def weight_shift(t_s: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Weight side ``(T,)`` in [-1, 1] (+1 = on the left leg), min-jerk transitions every 6-18 s."""
    times, vals = [0.0], [float(rng.uniform(-0.5, 0.5))]
    t = float(rng.uniform(2.0, 8.0))
    end = float(t_s[-1]) if t_s.shape[0] else 0.0
    while t < end + 20.0:
        dur = float(rng.uniform(1.2, 2.2))
        side = -np.sign(vals[-1]) if vals[-1] != 0 else 1.0
        times += [t, t + dur]
        vals += [vals[-1], float(side * rng.uniform(0.4, 1.0))]
        t += dur + float(rng.uniform(6.0, 18.0))
    return interpolate_keys(np.array(times), np.array(vals), t_s, quaternion=False)


def foot_targets(placement: np.ndarray, lift_m: np.ndarray, side: str) -> np.ndarray:
    """World ankle targets ``(T, 3)`` (m) of a foot placed at ``placement`` ``(T, 3)`` = (x, z, yaw):
    the rest ankle rotated by yaw about the origin's vertical, shifted by (x, z), lifted by ``lift_m``."""
    a = _POS[7 if side == "left" else 8]
    c, s = np.cos(placement[:, 2]), np.sin(placement[:, 2])
    out = np.empty((placement.shape[0], 3))
    out[:, 0] = c * a[0] + s * a[2] + placement[:, 0]
    out[:, 2] = -s * a[0] + c * a[2] + placement[:, 1]
    out[:, 1] = a[1] + lift_m
    return out


def leg_ik(root_q: np.ndarray, transl: np.ndarray, side: str, ankle_w: np.ndarray | None = None,
           foot_yaw: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hip, knee and ankle local quats ``(T, 4)`` that put one ankle at a world target.

    Args:
        root_q: ``(T, 4)`` pelvis (global) rotation; rotation is about the pelvis joint.
        transl: ``(T, 3)`` SMPL-X translation (m).
        side: ``"left"`` or ``"right"``.
        ankle_w: ``(T, 3)`` world ankle target (m); default its rest position.
        foot_yaw: ``(T,)`` world heading of the foot (rad about +Y); default 0 (rest orientation).
            The foot stays flat (its rest orientation turned by ``foot_yaw``).
    """
    hip, knee, ankle = (1, 4, 7) if side == "left" else (2, 5, 8)
    u1, u2 = _POS[knee] - _POS[hip], _POS[ankle] - _POS[knee]
    l1, l2 = np.linalg.norm(u1), np.linalg.norm(u2)
    rp = R.quat_to_matrix(root_q)                                        # (T, 3, 3)
    hip_w = transl + _POS[0] + np.einsum("tij,j->ti", rp, _POS[hip] - _POS[0])
    goal = _POS[ankle][None, :] if ankle_w is None else ankle_w
    target_l = np.einsum("tji,tj->ti", rp, goal - hip_w)                 # in the pelvis frame
    d = np.clip(np.linalg.norm(target_l, axis=1), abs(l1 - l2) + 0.05, l1 + l2 - 1e-4)
    u = target_l / np.linalg.norm(target_l, axis=1, keepdims=True)
    # rest bend plane: knee offset from the hip-ankle line
    ur = (u1 + u2) / np.linalg.norm(u1 + u2)
    vr = u1 - np.dot(u1, ur) * ur
    vr /= np.linalg.norm(vr)
    # knee points between the pelvis-forward and the (planted) foot-forward direction
    yaw = np.zeros(root_q.shape[0]) if foot_yaw is None else np.asarray(foot_yaw, dtype=np.float64)
    fy = np.stack([np.cos(yaw) * vr[0] + np.sin(yaw) * vr[2], np.broadcast_to(vr[1], yaw.shape),
                   -np.sin(yaw) * vr[0] + np.cos(yaw) * vr[2]], axis=1)   # foot-forward pole, world
    pole = 0.5 * (vr + np.einsum("tji,tj->ti", rp, fy))
    v = pole - np.sum(pole * u, axis=1, keepdims=True) * u
    v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-9)
    cos_a = np.clip((l1 ** 2 + d ** 2 - l2 ** 2) / (2 * l1 * d), -1.0, 1.0)
    a1 = cos_a[:, None] * u + np.sqrt(1 - cos_a ** 2)[:, None] * v
    n = np.cross(u, v)
    nr = np.cross(ur, vr)
    f_t = np.stack([a1, n, np.cross(a1, n)], axis=2)
    e1 = u1 / l1
    f_r = np.stack([e1, nr, np.cross(e1, nr)], axis=0)                  # rows
    r_hip = f_t @ f_r                                                    # (T, 3, 3)
    a2 = d[:, None] * u - l1 * a1
    a2_local = np.einsum("tji,tj->ti", r_hip, a2 / np.linalg.norm(a2, axis=1, keepdims=True))
    q_knee = _quat_between(np.broadcast_to(u2 / l2, a2_local.shape), a2_local)
    q_hip = R.matrix_to_quat(r_hip)
    g = rp @ r_hip @ R.quat_to_matrix(q_knee)
    ry = R.quat_to_matrix(R.axis_angle_to_quat(np.stack([0 * yaw, yaw, 0 * yaw], axis=1)))
    q_ankle = R.matrix_to_quat(np.transpose(g, (0, 2, 1)) @ ry)          # foot flat, turned by yaw
    return q_hip, q_knee, q_ankle


def _quat_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    q = np.concatenate([1.0 + np.sum(a * b, axis=-1, keepdims=True), np.cross(a, b)], axis=-1)
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def idle_layer(t_s: np.ndarray, speech: np.ndarray, rng: np.random.Generator, posture: str = "neutral",
               steps=(), stance: str = "standing"):
    """Idle body motion.

    Args:
        steps: :class:`inference.body.stepping.Step` list (occasional steps and turns; the
            feet are locked while in contact).
        stance: ``"standing"`` or ``"seated"`` (legs in a fixed sitting pose, no weight shifts,
            pelvis lowered; the chair is not modelled).

    Returns:
        ``(quats, transl)``: ``quats`` maps joint index -> ``(T, 4)`` local rotation to multiply
        in (pre-multiplied, in the parent frame); ``transl`` is ``(T, 3)`` metres.
    """
    n = t_s.shape[0]
    seated = stance == "seated"
    breath = breathing(t_s, speech, rng)
    sway = smooth_noise(t_s, rng, 0.12, 1.0, dims=3)
    w = weight_shift(t_s, rng) * (0.0 if seated else 1.0)
    if seated:
        sway = sway * 0.3
    transl = np.zeros((n, 3))
    transl[:, 0] = WEIGHT_SHIFT_M * w + 0.004 * sway[:, 0]
    transl[:, 1] = -PELVIS_DROP_M - 0.004 * np.abs(w)
    transl[:, 2] = 0.003 * sway[:, 1]
    turn = smooth_noise(t_s, rng, 0.06, 0.06)[:, 0] + smooth_noise(t_s, rng, 0.35, 0.012)[:, 0]
    eng = (0.3 + 0.7 * engagement(t_s, speech))[:, None]
    hips = smooth_noise(t_s, rng, 0.4, 1.0, dims=3) * np.array([0.03, 0.04, 0.02]) * eng
    pelvis = euler_quat(0.008 * sway[:, 2] + hips[:, 0], 0.018 * sway[:, 0] + turn + hips[:, 1],
                        WEIGHT_ROLL_RAD * w + 0.008 * sway[:, 1] + hips[:, 2])
    torso = smooth_noise(t_s, rng, 0.5, 1.0, dims=3) * np.array([0.07, 0.08, 0.045]) * eng
    chest_up = {"open": -0.04, "closed": 0.05}.get(posture, 0.0)
    from .stepping import stance_tracks

    tracks = stance_tracks(t_s, list(steps))
    body = tracks["body"]
    c, s_ = np.cos(body[:, 2]), np.sin(body[:, 2])
    lx, lz = transl[:, 0].copy(), transl[:, 2].copy()
    transl[:, 0] = c * lx + s_ * lz + body[:, 0]
    transl[:, 2] = -s_ * lx + c * lz + body[:, 1]
    transl[:, 1] -= tracks["dip"]
    pelvis = R.quat_mul(euler_quat(0.0, body[:, 2], 0.0), pelvis)
    if seated:
        transl[:, [0, 2]] = 0.0
        transl[:, 1] += SEATED_DROP_M
        transl[:, 2] += SEATED_FORWARD_M
    out = {0: pelvis}
    # lower spine cancels most of the pelvis tilt so the chest stays upright
    out[3] = euler_quat(-0.8 * (0.008 * sway[:, 2] + hips[:, 0]) + 0.3 * chest_up + 0.3 * torso[:, 0],
                        -0.3 * (0.018 * sway[:, 0] + hips[:, 1]) + 0.3 * torso[:, 1],
                        -0.85 * (WEIGHT_ROLL_RAD * w + 0.008 * sway[:, 1] + hips[:, 2]) + 0.3 * torso[:, 2])
    out[6] = euler_quat(-0.012 * breath + 0.3 * chest_up + 0.3 * torso[:, 0], 0.3 * torso[:, 1], 0.3 * torso[:, 2])
    out[9] = euler_quat(-0.022 * breath + 0.4 * chest_up + 0.4 * torso[:, 0], 0.4 * torso[:, 1], 0.4 * torso[:, 2])
    out[12] = euler_quat(0.034 * breath - 0.9 * chest_up, 0.0, 0.0)
    shrug = 0.035 * breath + (0.03 if posture == "closed" else 0.0)
    out[13] = euler_quat(0.0, 0.0, shrug)
    out[14] = euler_quat(0.0, 0.0, -shrug)
    if seated:  # the pelvis rests on the chair: still; the spine carries the turn and sway
        out[0] = np.broadcast_to(np.array([1.0, 0.0, 0.0, 0.0]), (n, 4)).copy()
        out[3] = euler_quat(0.3 * chest_up + 0.3 * torso[:, 0], 0.3 * torso[:, 1] + 0.6 * turn, 0.3 * torso[:, 2])
        for j, aa in SEATED_LEGS.items():
            out[j] = np.broadcast_to(R.axis_angle_to_quat(np.asarray(aa, dtype=np.float64)), (n, 4)).copy()
        return out, transl
    goals = {side: foot_targets(tracks[side], tracks[f"{side}_lift"], side) for side in ("left", "right")}
    transl[:, 1] -= _reach_drop(pelvis, transl, goals)
    for side in ("left", "right"):
        qh, qk, qa = leg_ik(pelvis, transl, side, goals[side], tracks[side][:, 2])
        h, k, a = (1, 4, 7) if side == "left" else (2, 5, 8)
        out[h], out[k], out[a] = qh, qk, qa
    return out, transl


#: Seated: hips flexed ~86 degrees, knees ~86 degrees (shins vertical), the body lowered so the
#: feet stay on the floor (m). Axis-angle (rad).
SEATED_LEGS = {1: (-1.5, 0.0, -0.06), 2: (-1.5, 0.0, 0.06), 4: (1.5, 0.0, 0.0), 5: (1.5, 0.0, 0.0),
               7: (0.0, 0.0, 0.0), 8: (0.0, 0.0, 0.0)}


def _seated_drop_m() -> float:
    """Vertical ``transl`` (m, negative = down) added when seated: with :data:`SEATED_LEGS` on the
    SMPL-X rest skeleton the ankles rise by the thigh's vertical drop; lowering the body by that
    rise (less the standing :data:`PELVIS_DROP_M`, which stays applied) puts them back at their rest
    height, i.e. the feet on the floor (about -0.34 m for the neutral SMPL-X skeleton)."""
    rise = []
    for hip, knee, ankle in ((1, 4, 7), (2, 5, 8)):
        r_hip, r_knee = (R.quat_to_matrix(R.axis_angle_to_quat(np.asarray(SEATED_LEGS[j], np.float64)))
                         for j in (hip, knee))
        seated = _POS[hip] + r_hip @ (_POS[knee] - _POS[hip]) + r_hip @ r_knee @ (_POS[ankle] - _POS[knee])
        rise.append(seated[1] - _POS[ankle][1])
    return float(PELVIS_DROP_M - np.mean(rise))


SEATED_DROP_M: float = _seated_drop_m()
SEATED_FORWARD_M: float = 0.0


def _reach_drop(pelvis_q: np.ndarray, transl: np.ndarray, goals: dict) -> np.ndarray:
    """``(T,)`` extra pelvis lowering (m) so both ankles stay reachable (98.5% of the leg
    length), spread smoothly over ~0.3 s so the body dips instead of snapping."""
    rp = R.quat_to_matrix(pelvis_q)
    need = np.zeros(transl.shape[0])
    for side, (hip, knee, ankle) in (("left", (1, 4, 7)), ("right", (2, 5, 8))):
        leg = 0.985 * (np.linalg.norm(_POS[knee] - _POS[hip]) + np.linalg.norm(_POS[ankle] - _POS[knee]))
        hip_w = transl + _POS[0] + np.einsum("tij,j->ti", rp, _POS[hip] - _POS[0])
        d = goals[side] - hip_w
        horiz = np.hypot(d[:, 0], d[:, 2])
        h_max = np.sqrt(np.maximum(leg ** 2 - horiz ** 2, 0.0))
        need = np.maximum(need, -d[:, 1] - h_max)
    need = np.maximum(need, 0.0)
    if not need.any():
        return need
    w = 9
    pad = np.pad(need, w, mode="edge")
    dil = np.max(np.stack([pad[i:i + need.size] for i in range(2 * w + 1)]), axis=0)
    k = np.hanning(2 * w + 3)[1:-1]
    k /= k.sum()
    sm = np.convolve(np.pad(dil, w, mode="edge"), k, mode="valid")
    return np.maximum(sm, need)


def engagement(t_s: np.ndarray, speech: np.ndarray) -> np.ndarray:
    """Speaking engagement ``(T,)`` in [0, 1]: the speech mask averaged over ~1.5 s (Hann window)."""
    n = t_s.shape[0]
    fps = 1.0 / float(t_s[1] - t_s[0]) if n > 1 else 30.0
    w = max(3, int(1.5 * fps) | 1)
    return np.clip(hann_smooth(speech, w, edge=True), 0.0, 1.0)
