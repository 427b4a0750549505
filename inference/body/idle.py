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
* Head: nods on strong accents (raised-cosine pitch pulses), a new orientation per phrase
  (minimum-jerk between targets), small noise; split 40/60 between neck and head.
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


def leg_ik(root_q: np.ndarray, transl: np.ndarray, side: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hip, knee and ankle local quats ``(T, 4)`` that keep one ankle and foot at rest in the world.

    Args:
        root_q: ``(T, 4)`` pelvis (global) rotation; rotation is about the pelvis joint.
        transl: ``(T, 3)`` SMPL-X translation (m).
        side: ``"left"`` or ``"right"``.
    """
    hip, knee, ankle = (1, 4, 7) if side == "left" else (2, 5, 8)
    u1, u2 = _POS[knee] - _POS[hip], _POS[ankle] - _POS[knee]
    l1, l2 = np.linalg.norm(u1), np.linalg.norm(u2)
    rp = R.quat_to_matrix(root_q)                                        # (T, 3, 3)
    hip_w = transl + _POS[0] + np.einsum("tij,j->ti", rp, _POS[hip] - _POS[0])
    target_l = np.einsum("tji,tj->ti", rp, _POS[ankle] - hip_w)          # in the pelvis frame
    d = np.clip(np.linalg.norm(target_l, axis=1), abs(l1 - l2) + 0.05, l1 + l2 - 1e-4)
    u = target_l / np.linalg.norm(target_l, axis=1, keepdims=True)
    # rest bend plane: knee offset from the hip-ankle line
    ur = (u1 + u2) / np.linalg.norm(u1 + u2)
    vr = u1 - np.dot(u1, ur) * ur
    vr /= np.linalg.norm(vr)
    # knee points between the pelvis-forward and the (planted) foot-forward direction
    pole = 0.5 * (vr + np.einsum("tji,j->ti", rp, vr))
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
    q_ankle = R.matrix_to_quat(np.transpose(g, (0, 2, 1)))               # foot keeps rest orientation
    return q_hip, q_knee, q_ankle


def _quat_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a = a / np.linalg.norm(a, axis=-1, keepdims=True)
    b = b / np.linalg.norm(b, axis=-1, keepdims=True)
    q = np.concatenate([1.0 + np.sum(a * b, axis=-1, keepdims=True), np.cross(a, b)], axis=-1)
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def idle_layer(t_s: np.ndarray, speech: np.ndarray, rng: np.random.Generator, posture: str = "neutral"):
    """Idle body motion.

    Returns:
        ``(quats, transl)``: ``quats`` maps joint index -> ``(T, 4)`` local rotation to multiply
        in (pre-multiplied, in the parent frame); ``transl`` is ``(T, 3)`` metres.
    """
    n = t_s.shape[0]
    breath = breathing(t_s, speech, rng)
    sway = smooth_noise(t_s, rng, 0.12, 1.0, dims=3)
    w = weight_shift(t_s, rng)
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
    for side in ("left", "right"):
        qh, qk, qa = leg_ik(pelvis, transl, side)
        h, k, a = (1, 4, 7) if side == "left" else (2, 5, 8)
        out[h], out[k], out[a] = qh, qk, qa
    return out, transl


def engagement(t_s: np.ndarray, speech: np.ndarray) -> np.ndarray:
    """Speaking engagement ``(T,)`` in [0, 1]: the speech mask averaged over ~1.5 s (Hann window)."""
    n = t_s.shape[0]
    fps = 1.0 / float(t_s[1] - t_s[0]) if n > 1 else 30.0
    w = max(3, int(1.5 * fps) | 1)
    return np.clip(hann_smooth(speech, w, edge=True), 0.0, 1.0)


def head_layer(t_s: np.ndarray, nods, head_targets, rng: np.random.Generator,
               speech: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Neck and head local quats ``(T, 4)`` each: per-phrase orientation, accent nods, noise
    (the noise is 40% as large when not speaking, if ``speech`` (T,) bool is given)."""
    if head_targets:
        times = np.array([h[0] for h in head_targets])
        vals = np.array([h[1] for h in head_targets])
        # each change takes 0.7 s and starts 0.15 s before the phrase
        kt = np.concatenate([times - 0.15, times + 0.55])
        kv = np.concatenate([np.vstack([vals[:1], vals[:-1]]), vals])
        order = np.argsort(kt, kind="stable")
        ori = interpolate_keys(kt[order], kv[order], t_s, quaternion=False)
    else:
        ori = np.zeros((t_s.shape[0], 3))
    nod = pulses(t_s, [t + 0.03 for t, _ in nods], [0.07 * s for _, s in nods], 0.4)
    noise = smooth_noise(t_s, rng, 0.7, 0.045, dims=3)
    if speech is not None:
        noise *= (0.4 + 0.6 * engagement(t_s, speech))[:, None]
    pitch = ori[:, 0] + nod + noise[:, 0]
    yaw = ori[:, 1] + noise[:, 1]
    roll = ori[:, 2] + noise[:, 2]
    neck = euler_quat(0.4 * pitch, 0.4 * yaw, 0.4 * roll)
    head = euler_quat(0.6 * pitch, 0.6 * yaw, 0.6 * roll)
    return neck, head
