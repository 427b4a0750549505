"""Motion synthesis: timed key poses -> smooth per-frame SMPL-X rotations.

Between key poses the hands follow minimum-jerk paths (Flash & Hogan 1985,
``s(u) = 10u^3 - 15u^4 + 6u^5``: zero velocity and acceleration at both keys) in Cartesian space,
solved to joint rotations by IK every frame; fingers follow the same law along the quaternion
geodesic (slerp), so a key is a velocity minimum and nothing jitters. Scalar layers
(head orientation targets) use the same law. Smooth noise is a sum of a few sinusoids with
seeded frequencies and phases (band-limited, no jitter).
"""

from __future__ import annotations

import numpy as np

from .._rigs import rotations as R
from . import library as lib

#: Joints (per side) driven by an arm track: collar, shoulder, elbow, wrist + 15 finger joints.
TRACK_JOINTS = {side: lib.ARM_JOINTS[side] + lib.HAND_JOINTS[side] for side in ("left", "right")}


def minimum_jerk(u: np.ndarray) -> np.ndarray:
    """Minimum-jerk progress ``10u^3 - 15u^4 + 6u^5`` for ``u`` in [0, 1] (clipped)."""
    u = np.clip(u, 0.0, 1.0)
    return u * u * u * (10.0 + u * (-15.0 + 6.0 * u))


def interpolate_keys(times_s: np.ndarray, values: np.ndarray, frame_times_s: np.ndarray,
                     quaternion: bool = True) -> np.ndarray:
    """Minimum-jerk interpolation of keyed values at ``frame_times_s``.

    Args:
        times_s: ``(K,)`` non-decreasing key times (s).
        values: ``(K, ..., 4)`` unit quaternions wxyz (``quaternion=True``) or ``(K, ...)`` floats.
        frame_times_s: ``(T,)`` sample times (s). Before the first / after the last key the
            value is held.

    Returns:
        ``(T, ...)`` float64.
    """
    times_s = np.asarray(times_s, dtype=np.float64)
    k = times_s.shape[0]
    if k == 1:
        return np.repeat(values[:1], frame_times_s.shape[0], axis=0).astype(np.float64)
    seg = np.clip(np.searchsorted(times_s, frame_times_s, side="right") - 1, 0, k - 2)
    t0, t1 = times_s[seg], times_s[seg + 1]
    u = np.where(t1 > t0, (frame_times_s - t0) / np.maximum(t1 - t0, 1e-9), 1.0)
    s = minimum_jerk(u)
    a, b = values[seg], values[seg + 1]
    shape = (-1,) + (1,) * (a.ndim - (2 if quaternion else 1))
    s = s.reshape(shape)
    if quaternion:
        return R.quat_slerp(a, b, np.broadcast_to(s, a.shape[:-1]))
    return a + (b - a) * s


#: Full width (s) of a micro-beat's down-and-up pulse: wide enough that its energy stays below
#: ~2 Hz (narrower flicks read as nervous wrists; the BEAT2 take has ~6% of its wrist velocity
#: power at 2-4 Hz and < 1% at 4-8 Hz).
MICRO_BEAT_WIDTH_S: float = 0.6


def arm_track(keys, side: str, frame_times_s: np.ndarray, rng: np.random.Generator | None = None,
              micro_beats=(), drift_m: float = 0.02, engagement: np.ndarray | None = None,
              shared_drift: np.ndarray | None = None) -> np.ndarray:
    """Local quaternions ``(T, 19, 4)`` of one side's arm + fingers from planner keys.

    The hand follows minimum-jerk paths between key wrist positions in Cartesian space (the
    straight, bell-shaped-speed reaching paths of Flash & Hogan 1985); palm direction, elbow pole
    and wrist flexion are interpolated with the same law; the arm is then solved by IK every
    frame. On top: ``micro_beats`` ``[(time_s, depth_m), ...]`` add small down-flicks whose lowest
    point is on the accent (35% as deep with the hand at rest), and a band-limited drift
    (``drift_m`` RMS while gesturing; at rest 57% of it while speaking (``engagement`` (T,) in
    [0, 1]) and 12% in silence) keeps raised hands alive between keys. ``shared_drift`` ``(T, 3)``
    (metres, in each side's own mirrored coordinates, so it moves both hands symmetrically) is
    a drift common to both hands, added with the same scaling; the side's own drift is then
    half as large (the two hands of a speaker move together more than apart). Fingers are slerped between key shapes,
    leading the arm by 60 ms, as hands pre-shape during the preparation.
    """
    times = np.array([k.time_s for k in keys], dtype=np.float64)
    order = np.argsort(times, kind="stable")
    times = times[order]
    poses = [keys[i].pose for i in order]
    active = np.array([1.0 if keys[i].active else 0.0 for i in order])
    vec = lambda name: np.array([getattr(p, name) for p in poses], dtype=np.float64)  # noqa: E731
    t = frame_times_s
    wrist = interpolate_keys(times, vec("wrist_m"), t, quaternion=False)
    palm = interpolate_keys(times, vec("palm"), t, quaternion=False)
    pole = interpolate_keys(times, vec("pole"), t, quaternion=False)
    flex = interpolate_keys(times, vec("wrist_flex_rad"), t, quaternion=False)
    shrug = interpolate_keys(times, vec("shrug_rad"), t, quaternion=False)
    act = interpolate_keys(times, active, t, quaternion=False)
    if micro_beats:
        bt = [b[0] for b in micro_beats]
        depth = pulses(t, bt, [b[1] for b in micro_beats], MICRO_BEAT_WIDTH_S)
        gain = 0.35 + 0.65 * act            # hands at rest flick less
        wrist = wrist + depth[:, None] * np.array([0.0, -1.0, -0.3]) * gain[:, None]
        flex = flex + 3.0 * depth * gain
    if rng is not None and drift_m > 0:
        eng = np.ones_like(t) if engagement is None else engagement
        scale = np.clip(0.12 + 0.45 * eng + 0.55 * act, 0.0, 1.0)
        # less drift front-back than sideways/up-down: a drifting hand should not fold the arm back
        own = smooth_noise(t, rng, 0.8, drift_m, dims=3)
        if shared_drift is not None:
            own = 0.5 * own + shared_drift
        wrist = wrist + own * scale[:, None] * np.array([1.0, 0.9, 0.75])
        palm = palm + smooth_noise(t, rng, 0.3, 0.15, dims=3)
    wrist = lib.clear_of_torso_batch(wrist)   # paths between keys must not cut through the trunk
    arm = lib.solve_left_arms(wrist, palm, pole, flex, shrug, sequence=True)
    if side == "right":
        arm = lib.mirror_quats(arm)
    fing_q = lib.finger_quats_batch([p.fingers for p in poses], [p.openness for p in poses], side)
    for n in range(1, fing_q.shape[0]):
        flip = np.sum(fing_q[n] * fing_q[n - 1], axis=-1) < 0
        fing_q[n, flip] *= -1
    fingers = interpolate_keys(times - 0.06, fing_q, t)
    if rng is not None:
        fingers = _finger_life(fingers, t, rng, side)
    return np.concatenate([arm, fingers], axis=1)


def _finger_life(fingers: np.ndarray, t: np.ndarray, rng: np.random.Generator, side: str) -> np.ndarray:
    """Small independent curl drift per finger (~0.05 rad RMS at ~0.3 Hz, more at the base joint),
    so fingers are never frozen between key shapes (the BEAT2 take's finger joints vary by
    0.05-0.2 rad)."""
    noise = smooth_noise(t, rng, 0.3, 0.05, dims=5)                   # one signal per finger
    axis = np.array([0.0, 0.0, -1.0 if side == "left" else 1.0])     # curl axis (see library)
    weights = np.array([1.0, 0.7, 0.4])
    out = fingers.copy()
    for f in range(4):                                                # thumb left alone
        for j in range(3):
            aa = axis[None, :] * (weights[j] * noise[:, f])[:, None]
            out[:, 3 * f + j] = R.quat_mul(fingers[:, 3 * f + j], R.axis_angle_to_quat(aa))
    return out


def smooth_noise(t_s: np.ndarray, rng: np.random.Generator, freq_hz: float, amp: float,
                 dims: int = 1, components: int = 3) -> np.ndarray:
    """Band-limited noise ``(T, dims)``: sum of sinusoids around ``freq_hz`` (0.6..1.6x), RMS ~ ``amp``."""
    out = np.zeros((t_s.shape[0], dims))
    for d in range(dims):
        for _ in range(components):
            f = freq_hz * rng.uniform(0.6, 1.6)
            out[:, d] += np.sin(2 * np.pi * f * t_s + rng.uniform(0, 2 * np.pi))
    return out * (amp * np.sqrt(2.0 / components))


def euler_quat(pitch_x, yaw_y, roll_z) -> np.ndarray:
    """Quaternions ``(T, 4)`` from small rotations about X (pitch), Y (yaw), Z (roll), applied
    as R = Ry @ Rx @ Rz (turn, then nod, then tilt). Inputs broadcast to ``(T,)``."""
    pitch_x, yaw_y, roll_z = np.broadcast_arrays(np.asarray(pitch_x, float), np.asarray(yaw_y, float),
                                                 np.asarray(roll_z, float))
    return R.euler_to_quat(np.stack([pitch_x, yaw_y, roll_z], -1), "ZXY")  # Z first, then X, then Y


def pulses(t_s: np.ndarray, centres_s, heights, width_s: float) -> np.ndarray:
    """Sum of raised-cosine bumps ``(T,)`` of full width ``width_s`` centred at ``centres_s``."""
    out = np.zeros(t_s.shape[0])
    if len(centres_s) == 0:
        return out
    fps = 1.0 / max(float(t_s[1] - t_s[0]), 1e-9) if t_s.shape[0] > 1 else 30.0
    half = width_s / 2.0
    c = np.asarray(centres_s, np.float64).reshape(-1)
    h = np.asarray(heights, np.float64).reshape(-1)
    # each bump touches frames [i0, i1) only; all bumps' frames at once, summed in the bumps' order
    # (np.add.at adds repeated indices one after the other: the sums of a loop over the bumps)
    i0 = np.maximum(0, np.floor((c - half - t_s[0]) * fps).astype(np.int64))
    i1 = np.minimum(t_s.shape[0], np.ceil((c + half - t_s[0]) * fps).astype(np.int64) + 1)
    length = np.maximum(i1 - i0, 0)
    total = int(length.sum())
    if total == 0:
        return out
    owner = np.repeat(np.arange(c.shape[0]), length)
    idx = np.arange(total) - np.repeat(np.cumsum(length) - length, length) + i0[owner]
    x = (t_s[idx] - c[owner]) / half
    np.add.at(out, idx, h[owner] * np.where(np.abs(x) < 1.0, 0.5 * (1.0 + np.cos(np.pi * x)), 0.0))
    return out
