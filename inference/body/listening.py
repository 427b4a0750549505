"""Conversation behaviour layered over each character's own performance: who looks at whom.

Given who holds the floor on every frame (:func:`floor_holder`), each character gets fixations
(:func:`plan_attention`):

* a listener looks at the current speaker, switching :data:`LISTENER_LAG_S` after a new speaker
  starts (so the previous speaker turns to the new one too);
* the next speaker's gaze breaks away :data:`AVERT_LEAD_S` before it starts and comes back to its
  addressee (the previous speaker) after ~1 s; speakers look away again at some phrase starts and
  at the addressee otherwise (Kendon 1967, "Some functions of gaze-direction in social
  interaction": speakers look away as they begin an utterance and back towards its end);
* listeners give small head nods after the speaker's phrase ends (backchannels at the speaker's
  pauses, Ward & Tsukahara 2000), and blink with large gaze shifts (Evinger et al. 1994: gaze
  shifts over ~20 degrees come with a blink).

A gaze shift moves the eyes first (saccade duration ~2.5 ms/degree + 25 ms, the main sequence,
Bahill et al. 1975) and the head, neck and upper spine after them with minimum-jerk timing
(:data:`HEAD_SHIFT_S` plus 4 ms/degree); the eyes take what the head does not yet cover, within the
demo head's eyeLook range (:data:`EYE_YAW_RANGE_RAD`). Angles are in the character's own SMPL-X
frame (+Z forward, +X its left, +Y up): ``yaw`` > 0 = towards its left, ``pitch`` > 0 = down.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .._rigs import arkit as _arkit, rotations as R, smplx_rest as REST
from ..signal_ops import hann_smooth
from .synthesis import euler_quat, interpolate_keys, pulses

#: Delay (s) from a new speaker's first frame to the listeners' gaze shift towards it.
LISTENER_LAG_S: float = 0.2
#: The next speaker looks away this long (s) before its turn starts, for AVERT_S seconds.
AVERT_LEAD_S: float = 0.35
AVERT_S: tuple = (0.8, 1.6)
#: Chance a speaker looks away at a phrase start inside its turn, and for how long (s).
PHRASE_AVERT_P: float = 0.45
PHRASE_AVERT_S: tuple = (0.5, 1.0)
#: Look-away offset from the addressee: sideways (rad) and down (rad).
AVERT_YAW_RAD: tuple = (0.25, 0.45)
AVERT_PITCH_RAD: float = 0.12
#: Listener nods after a speaker's phrase end: probability, pitch (rad, ~3.5-7 degrees), width (s), delay (s).
NOD_P: float = 0.75
NOD_RAD: tuple = (0.06, 0.12)
NOD_WIDTH_S: float = 0.6
NOD_DELAY_S: float = 0.25
#: Share of a gaze shift carried by the head chain (the rest by the eyes), and of that by the upper spine.
HEAD_SHARE: float = 0.75
TORSO_SHARE: float = 0.3
HEAD_YAW_MAX_RAD: float = 1.2
HEAD_PITCH_MAX_RAD: float = 0.5
#: Head-chain shift duration: base (s) plus per radian (4 ms/degree).
HEAD_SHIFT_S: float = 0.3
HEAD_SHIFT_PER_RAD_S: float = 0.004 * 180.0 / np.pi
#: Saccade main sequence (Bahill et al. 1975): 25 ms + 2.5 ms/degree.
SACCADE_S: float = 0.025
SACCADE_PER_RAD_S: float = 0.0025 * 180.0 / np.pi
#: eyeLook = 1 rotates the demo head's eyes by these angles (addon/demo_head.py: 0.45 rad in/out,
#: 0.35 rad up, 0.40 rad down).
EYE_YAW_RANGE_RAD: float = 0.45
EYE_UP_RANGE_RAD: float = 0.35
EYE_DOWN_RANGE_RAD: float = 0.40
#: Gaze shifts at least this large (rad, 20 degrees) come with a blink.
BLINK_SHIFT_RAD: float = np.radians(20.0)
#: A listener holds its head on the speaker: the body generator's own neck/head rotation is scaled
#: by (1 - LISTEN_HEAD_DAMP) while listening, with ramps of LISTEN_RAMP_S seconds.
LISTEN_HEAD_DAMP: float = 0.6
LISTEN_RAMP_S: float = 0.4
#: SMPL-X joints carrying the shift: spine1/2/3 (torso yaw), neck, head.
SPINE = (3, 6, 9)
NECK, HEAD = 12, 15
#: Eye height above the floor (m) of the SMPL-X rest skeleton: the head joint.
DEFAULT_EYE_HEIGHT_M: float = float(REST.rest_joint_positions()[15, 1] - REST.floor_height_m())

_I = _arkit.ARKIT_INDEX


def look_angles(from_pos, from_yaw_rad: float, from_eye_m: float, to_pos, to_eye_m: float) -> tuple:
    """Yaw and pitch (rad) from one character's eyes to another's, in the first one's frame.

    Positions are Blender world coordinates (metres, Z up) of each character's floor point;
    ``from_yaw_rad`` is its turn about world Z (0 = facing -Y, Blender's front view).

    Returns:
        ``(yaw, pitch)``: yaw > 0 = to the character's left, pitch > 0 = down.
    """
    d = np.asarray(to_pos, float) - np.asarray(from_pos, float)
    d = d + np.array([0.0, 0.0, to_eye_m - from_eye_m])
    c, s = np.cos(-from_yaw_rad), np.sin(-from_yaw_rad)
    lx, ly, lz = c * d[0] - s * d[1], s * d[0] + c * d[1], d[2]
    x_s, y_s, z_s = lx, lz, -ly                       # Blender (Z up, forward -Y) -> SMPL-X
    return float(np.arctan2(x_s, z_s)), float(-np.arctan2(y_s, np.hypot(x_s, z_s)))


def floor_holder(speaking: np.ndarray) -> np.ndarray:
    """Who holds the floor on each frame: ``(T,)`` int character index; before the first speech
    the first speaker holds it, -1 everywhere only when nobody ever speaks.

    ``speaking``: ``(C, T)`` bool. During a pause the last speaker keeps the floor; when several
    speak the holder keeps it while it speaks, else the one who started most recently takes it.
    """
    c, t = speaking.shape
    out = np.full(t, -1, int)
    holder, started = -1, np.full(c, -1)
    for i in range(t):
        now = np.flatnonzero(speaking[:, i])
        for k in now:
            if i == 0 or not speaking[k, i - 1]:
                started[k] = i
        if now.size and holder not in now:
            holder = int(now[np.argmax(started[now])])
        out[i] = holder
    first = np.flatnonzero(out >= 0)
    if first.size:
        out[:first[0]] = out[first[0]]
    return out


@dataclass(frozen=True)
class ListeningPlan:
    """One character's conversation layer over ``T`` frames at ``fps``.

    Attributes:
        fps: frames per second.
        gaze: ``(T, 2)`` float64 wanted gaze (yaw, pitch) rad, character frame.
        head: ``(T, 2)`` float64 head-chain (yaw, pitch) rad carried by spine/neck/head, nods included.
        eyes: ``(T, 2)`` float64 eye (yaw, pitch) rad = gaze minus the head chain (clipped to the eye range).
        blinks_s: ``(B,)`` float64 times (s) of blinks that go with large gaze shifts.
        nods_s: ``(N,)`` float64 times (s) of the nod peaks.
        listening: ``(T,)`` float64 in [0, 1]: 1 while another character holds the floor (ramps of
            :data:`LISTEN_RAMP_S`); the body's own head motion is damped by :data:`LISTEN_HEAD_DAMP` there.
    """

    fps: float
    gaze: np.ndarray
    head: np.ndarray
    eyes: np.ndarray
    blinks_s: np.ndarray
    nods_s: np.ndarray
    listening: np.ndarray


def plan_attention(me: int, floor: np.ndarray, speaking: np.ndarray, angles: np.ndarray, phrases,
                   fps: float, rng: np.random.Generator) -> ListeningPlan:
    """Fixations, nods and blinks of character ``me``.

    Args:
        me: the character's index.
        floor: ``(T,)`` int from :func:`floor_holder`.
        speaking: ``(C, T)`` bool per-frame speech of every character.
        angles: ``(C, C, 2)`` ``angles[a, b]`` = :func:`look_angles` from ``a`` to ``b``.
        phrases: per character a sequence of ``(start_s, end_s)`` phrases (its own speech).
        fps: frame rate.
        rng: the character's generator (seeded by the caller).

    Returns:
        :class:`ListeningPlan`.
    """
    t_n = floor.shape[0]
    others = [k for k in range(speaking.shape[0]) if k != me]
    nearest = min(others, key=lambda k: abs(angles[me, k, 0])) if others else me
    fix = []                                      # (time_s, yaw, pitch)
    turns = _turns(floor)
    prev = -1
    for holder, i0, i1 in turns:
        t0 = i0 / fps
        if holder == me or holder < 0:
            addressee = prev if prev >= 0 and prev != me else nearest
            base = angles[me, addressee] if addressee != me else np.zeros(2)
            if holder == me:
                side = rng.choice([-1.0, 1.0])
                avert = base + np.array([side * rng.uniform(*AVERT_YAW_RAD), AVERT_PITCH_RAD])
                fix.append((max(0.0, t0 - AVERT_LEAD_S), *avert))
                fix.append((t0 + rng.uniform(*AVERT_S), *base))
                for ps, _pe in phrases[me]:
                    if ps > fix[-1][0] + 0.3 and ps < i1 / fps - 0.5 and rng.random() < PHRASE_AVERT_P:
                        side = rng.choice([-1.0, 1.0])
                        fix.append((ps - 0.1, *(base + np.array([side * rng.uniform(*AVERT_YAW_RAD), AVERT_PITCH_RAD]))))
                        fix.append((ps + rng.uniform(*PHRASE_AVERT_S), *base))
            else:
                fix.append((t0, *base))
        else:
            fix.append((t0 + (LISTENER_LAG_S if i0 > 0 else 0.0), *angles[me, holder]))
        prev = holder if holder >= 0 else prev
    fix.sort(key=lambda f: f[0])
    t_s = np.arange(t_n) / fps
    gaze, head, shifts = _shift_tracks(fix, t_s)
    nod_s = _nods(me, floor, speaking, phrases, fps, rng)
    nod = pulses(t_s, nod_s, rng.uniform(*NOD_RAD, size=len(nod_s)), NOD_WIDTH_S)
    head_nod = head + np.stack([np.zeros(t_n), nod], axis=1)
    eyes = gaze - head_nod  # the eyes hold the target through a nod (vestibulo-ocular reflex)
    eyes[:, 0] = np.clip(eyes[:, 0], -EYE_YAW_RANGE_RAD, EYE_YAW_RANGE_RAD)
    eyes[:, 1] = np.clip(eyes[:, 1], -EYE_UP_RANGE_RAD, EYE_DOWN_RANGE_RAD)
    blinks = np.array([t for t, size in shifts if size >= BLINK_SHIFT_RAD], np.float64)
    listen = ((floor != me) & (floor >= 0)).astype(np.float64)
    listen = np.clip(hann_smooth(listen, max(1, int(round(LISTEN_RAMP_S * fps))), edge=True), 0.0, 1.0)
    return ListeningPlan(float(fps), gaze, head_nod, eyes, blinks, np.asarray(nod_s, np.float64), listen)


def _turns(floor: np.ndarray) -> list:
    """``[(holder, first_frame, end_frame), ...]`` runs of a constant floor holder."""
    if floor.size == 0:
        return []
    cut = np.flatnonzero(np.diff(floor) != 0) + 1
    starts = np.concatenate([[0], cut])
    ends = np.concatenate([cut, [floor.size]])
    return [(int(floor[a]), int(a), int(b)) for a, b in zip(starts, ends)]


def _shift_tracks(fix, t_s):
    """Eye-speed gaze track and head-speed track (both (T, 2)) through the fixations; shift sizes."""
    if not fix:
        z = np.zeros((t_s.shape[0], 2))
        return z, z.copy(), []
    gk_t, gk_v, shifts = [fix[0][0]], [np.array(fix[0][1:])], []
    hk_t, hk_v = [fix[0][0]], [_head_part(fix[0][1:])]
    for t, yaw, pitch in fix[1:]:
        new, old = np.array([yaw, pitch]), np.asarray(gk_v[-1])
        size = float(np.hypot(*(new - old)))
        if size < 1e-4:
            continue
        t = max(t, gk_t[-1])
        sac = SACCADE_S + SACCADE_PER_RAD_S * size
        gk_t += [t, t + sac]
        gk_v += [old, new]
        h_old = np.asarray(hk_v[-1])
        h_new = _head_part(new)
        hd = HEAD_SHIFT_S + HEAD_SHIFT_PER_RAD_S * float(np.hypot(*(h_new - h_old)))
        th = max(t + 0.05, hk_t[-1])
        hk_t += [th, th + hd]
        hk_v += [h_old, h_new]
        shifts.append((t, size))
    gaze = interpolate_keys(np.array(gk_t), np.array(gk_v, float), t_s, quaternion=False)
    head = interpolate_keys(np.array(hk_t), np.array(hk_v, float), t_s, quaternion=False)
    return gaze, head, shifts


def _head_part(gaze) -> np.ndarray:
    g = np.asarray(gaze, float)
    return np.array([np.clip(HEAD_SHARE * g[0], -HEAD_YAW_MAX_RAD, HEAD_YAW_MAX_RAD),
                     np.clip(HEAD_SHARE * g[1], -HEAD_PITCH_MAX_RAD, HEAD_PITCH_MAX_RAD)])


def _nods(me, floor, speaking, phrases, fps, rng) -> list:
    """Nod peak times (s): after phrase ends of whoever holds the floor, while ``me`` is silent."""
    out = []
    t_n = floor.shape[0]
    for k, ph in enumerate(phrases):
        if k == me:
            continue
        for _ps, pe in ph:
            i = min(t_n - 1, int(round(pe * fps)))
            if floor[max(0, i - 1)] != k:
                continue
            j0, j1 = max(0, int((pe - 0.2) * fps)), min(t_n, int((pe + 0.8) * fps) + 1)
            if speaking[me, j0:j1].any():
                continue
            if rng.random() < NOD_P:
                out.append(pe + NOD_DELAY_S)
    return sorted(out)


def apply_plan(perf, plan: ListeningPlan):
    """The performance with the conversation layer on top (a new :class:`Performance`).

    Body (when ``perf.smplx_poses`` is set): the neck's and head's own rotations are damped while
    listening (``plan.listening``), then spine1-3 take ``TORSO_SHARE`` of the head-chain yaw
    (a third each), the neck 40 % and the head 60 % of the rest and of the pitch, each composed in
    its parent's frame before the performance's own rotation. Face: the eyeLook channels are set
    from ``plan.eyes`` plus 40 % of the performance's own eye movements (small saccades), the
    eyeBlink channels take the gaze-shift blinks.

    Raises:
        ValueError: the plan's frame count differs from the performance's.
    """
    t_n = perf.num_frames
    if plan.gaze.shape[0] != t_n:
        raise ValueError(f"listening plan: expected {t_n} frames like the performance, found {plan.gaze.shape[0]}")
    poses = perf.smplx_poses
    if poses is not None:
        q = R.axis_angle_to_quat(poses.astype(np.float64))
        yaw, pitch = plan.head[:, 0], plan.head[:, 1]
        torso = TORSO_SHARE * yaw
        rest = yaw - torso
        keep = 1.0 - LISTEN_HEAD_DAMP * plan.listening
        ident = np.zeros_like(q[:, NECK])
        ident[:, 0] = 1.0
        for j in (NECK, HEAD):
            q[:, j] = R.quat_slerp(ident, q[:, j], keep)
        for j in SPINE:
            q[:, j] = R.quat_mul(euler_quat(0.0, torso / len(SPINE), 0.0), q[:, j])
        q[:, NECK] = R.quat_mul(euler_quat(0.4 * pitch, 0.4 * rest, 0.0), q[:, NECK])
        q[:, HEAD] = R.quat_mul(euler_quat(0.6 * pitch, 0.6 * rest, 0.0), q[:, HEAD])
        poses = R.quat_to_axis_angle(q).astype(np.float32)
    arkit = perf.arkit.copy()
    h0 = arkit[:, _I["eyeLookOutLeft"]] - arkit[:, _I["eyeLookInLeft"]]
    v0 = arkit[:, _I["eyeLookUpLeft"]] - arkit[:, _I["eyeLookDownLeft"]]
    h = plan.eyes[:, 0] / EYE_YAW_RANGE_RAD + 0.4 * h0
    v = np.where(plan.eyes[:, 1] > 0, -plan.eyes[:, 1] / EYE_DOWN_RANGE_RAD,
                 -plan.eyes[:, 1] / EYE_UP_RANGE_RAD) + 0.4 * v0
    arkit[:, _I["eyeLookOutLeft"]] = np.clip(h, 0, 1)
    arkit[:, _I["eyeLookInRight"]] = np.clip(h, 0, 1)
    arkit[:, _I["eyeLookInLeft"]] = np.clip(-h, 0, 1)
    arkit[:, _I["eyeLookOutRight"]] = np.clip(-h, 0, 1)
    for side in ("Left", "Right"):
        arkit[:, _I[f"eyeLookUp{side}"]] = np.clip(v, 0, 1)
        arkit[:, _I[f"eyeLookDown{side}"]] = np.clip(-v, 0, 1)
    if plan.blinks_s.size:
        t_s = np.arange(t_n) / plan.fps
        blink = np.clip(pulses(t_s, plan.blinks_s + 0.08, np.ones(plan.blinks_s.size), 0.2), 0, 1)
        for side in ("Left", "Right"):
            col = _I[f"eyeBlink{side}"]
            arkit[:, col] = np.maximum(arkit[:, col], blink)
    arkit = _arkit.enforce_lip_seal(np.clip(arkit, 0.0, 1.0)).astype(np.float32)
    return replace(perf, arkit=arkit, smplx_poses=poses)


def gaze_directions(perf) -> np.ndarray:
    """Where the character looks: ``(T, 3)`` unit vectors in its SMPL-X frame, from the head
    joint's global rotation (forward kinematics of ``perf.smplx_poses``) turned by the eye angles
    read back from the eyeLook channels (left eye). Without a body the head is taken as still."""
    t_n = perf.num_frames
    a = perf.arkit
    yaw = (a[:, _I["eyeLookOutLeft"]] - a[:, _I["eyeLookInLeft"]]) * EYE_YAW_RANGE_RAD
    up, down = a[:, _I["eyeLookUpLeft"]], a[:, _I["eyeLookDownLeft"]]
    pitch = down * EYE_DOWN_RANGE_RAD - up * EYE_UP_RANGE_RAD
    eye = R.quat_to_matrix(euler_quat(pitch, yaw, 0.0))[:, :, 2]          # (T, 3) in the head frame
    if perf.smplx_poses is None:
        return eye
    head = REST.smplx_global_rotations(perf.smplx_poses.astype(np.float64))[:, HEAD]  # (T, 3, 3)
    d = np.einsum("tij,tj->ti", head, eye)
    return d / np.linalg.norm(d, axis=1, keepdims=True).clip(1e-9)


def direction(yaw: float, pitch: float) -> np.ndarray:
    """Unit vector ``(3,)`` (SMPL-X frame) for a (yaw, pitch) pair as :func:`look_angles` returns."""
    return np.array([np.sin(yaw) * np.cos(pitch), -np.sin(pitch), np.cos(yaw) * np.cos(pitch)])
