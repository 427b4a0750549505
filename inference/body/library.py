"""Gesture library: authored arm key poses per gesture type, finger poses, and the arm IK.

Everything here is authored by us for this project (no motion-capture data). Poses are
described in *gesture space* (McNeill 1992, "Hand and Mind": centre / centre-centre / periphery)
as a wrist target relative to the shoulder, a palm direction, an elbow pole and a finger shape,
and turned into SMPL-X joint rotations by an analytic two-bone IK on the rest skeleton of
:mod:`rigs.smplx_rest`. Vectors are given for the LEFT arm in SMPL-X axes (+X subject's left,
+Y up, +Z forward); the right arm uses the mirror image (x -> -x), and axis-angle rotations
mirror as ``(x, y, z) -> (x, -y, -z)``.

Ranges were set by eye against human proportions and then lowered toward the wrist-height and
reach percentiles of the one BEAT2 take we may use for evaluation (there the wrists are mostly
20-45 cm below the shoulder and 10-40 cm in front of it; median 44 cm below).

Gesture types (McNeill's and Kendon's classes that prosody alone can drive):
``beat`` (small down-stroke on a stressed syllable), ``open_palm`` (palm-up presenting /
conduit metaphor), ``frame`` (two hands facing each other, delimiting an idea), ``point``
(deictic, index extended), plus ``rest`` (hands at the sides or loosely in front).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .._rigs import rotations as R
from .._rigs import smplx_rest as REST

GESTURE_TYPES: tuple[str, ...] = ("beat", "open_palm", "frame", "point")
FINGER_SHAPES: tuple[str, ...] = ("relaxed", "open", "point", "beat", "flat")

#: Joint indices of each arm chain (collar, shoulder, elbow, wrist).
ARM_JOINTS = {"left": (13, 16, 18, 20), "right": (14, 17, 19, 21)}
#: Finger joint indices of each hand (15 joints, SMPL-X order index/middle/pinky/ring/thumb).
HAND_JOINTS = {"left": tuple(range(25, 40)), "right": tuple(range(40, 55))}
_FINGERS = ("index", "middle", "pinky", "ring", "thumb")

_POS = REST.rest_joint_positions().astype(np.float64)
_SHOULDER_L = _POS[16]
_U1 = _POS[18] - _POS[16]           # rest upper arm (left)
_U2 = _POS[20] - _POS[18]           # rest forearm (left)
_L1, _L2 = float(np.linalg.norm(_U1)), float(np.linalg.norm(_U2))
_HINGE_L = np.array([0.0, -1.0, 0.0])  # left elbow flexes forward: rotation about -Y
_PALM_REST = np.array([0.0, -1.0, 0.0])  # SMPL-X flat hand, palm down in the T-pose
_FINGER_DIR_L = np.array([1.0, 0.0, 0.0])
#: Body midline x relative to the left shoulder.
MIDLINE_X_M: float = float(-_SHOULDER_L[0])


@dataclass(frozen=True)
class ArmPose:
    """One authored arm key pose (left-arm coordinates; mirrored for the right arm).

    Attributes:
        wrist_m: ``(3,)`` wrist target relative to the shoulder joint, metres.
        palm: ``(3,)`` desired palm normal direction (unit or not).
        pole: ``(3,)`` direction the elbow should point to.
        wrist_flex_rad: flexion (+, toward the palm) / extension (-) of the wrist, radians.
        fingers: finger shape, one of :data:`FINGER_SHAPES`.
        openness: 0 (shape as authored) .. 1 (more open / relaxed), blends toward flat.
        shrug_rad: collar elevation, radians (small; + raises the shoulder).
    """

    wrist_m: tuple
    palm: tuple
    pole: tuple = (0.4, -0.9, -0.15)
    wrist_flex_rad: float = 0.0
    fingers: str = "relaxed"
    openness: float = 0.0
    shrug_rad: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "wrist_m", clear_of_torso(self.wrist_m))


#: Keep-out ellipse for wrist targets around the trunk (half-widths across / front-back, metres,
#: centred on the spine 1 cm forward), used between the hips and the shoulders: the torso
#: (~0.15 x 0.12 m) plus room for the hand. Key poses never put a wrist inside it.
WRIST_KEEP_OUT_M: tuple = (0.21, 0.19)


def clear_of_torso(wrist_m) -> tuple:
    """Move a wrist target (relative to the left shoulder) radially out of :data:`WRIST_KEEP_OUT_M`
    (scalar version of :func:`clear_of_torso_batch`, same rule; called for every key pose)."""
    wx, wy, wz = (float(v) for v in wrist_m)
    x = float(_SHOULDER_L[0]) + wx
    z = float(_SHOULDER_L[2]) + wz - 0.01
    r = math.hypot(x / WRIST_KEEP_OUT_M[0], z / WRIST_KEEP_OUT_M[1])
    if not (r < 1.0 and -0.55 < wy < 0.0):
        return (wx, wy, wz)
    if r < 1e-6:
        x, z, r = 0.0, WRIST_KEEP_OUT_M[1], 1.0
    return (x / r - float(_SHOULDER_L[0]), wy, z / r + 0.01 - float(_SHOULDER_L[2]))


def clear_of_torso_batch(wrist_m: np.ndarray) -> np.ndarray:
    """``(T, 3)`` wrist positions (left-shoulder relative) pushed radially out of the keep-out
    ellipse between the hips and the shoulders; points outside are returned unchanged."""
    w = np.array(wrist_m, dtype=np.float64, copy=True)
    x = _SHOULDER_L[0] + w[:, 0]
    z = _SHOULDER_L[2] + w[:, 2] - 0.01
    r = np.hypot(x / WRIST_KEEP_OUT_M[0], z / WRIST_KEEP_OUT_M[1])
    inside = (r < 1.0) & (w[:, 1] > -0.55) & (w[:, 1] < 0.0)
    if not inside.any():
        return w
    tiny = inside & (r < 1e-6)
    x = np.where(tiny, 0.0, x)
    z = np.where(tiny, WRIST_KEEP_OUT_M[1], z)
    r = np.where(tiny, 1.0, r)
    w[inside, 0] = x[inside] / r[inside] - _SHOULDER_L[0]
    w[inside, 2] = z[inside] / r[inside] + 0.01 - _SHOULDER_L[2]
    return w


def _unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / max(float(np.linalg.norm(v)), 1e-9)


def _frame(a, b) -> np.ndarray:
    """Orthonormal frame (columns) from a primary direction ``a`` and a secondary ``b``."""
    e1 = _unit(a)
    e2 = _unit(b - np.dot(b, e1) * e1)
    return np.stack([e1, e2, np.cross(e1, e2)], axis=1)


def _nrm(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _dot(a, b):
    return np.sum(a * b, axis=-1, keepdims=True)


def solve_left_arms(wrist_m, palm, pole, wrist_flex_rad, shrug_rad, sequence: bool = False) -> np.ndarray:
    """Vectorised two-bone IK of the left arm for ``K`` key poses.

    Args:
        wrist_m, palm, pole: ``(K, 3)`` wrist target (m, relative to the shoulder), wanted palm
            normal, elbow pole direction (see :class:`ArmPose`).
        wrist_flex_rad, shrug_rad: ``(K,)`` radians.
        sequence: the K poses are consecutive frames: the forearm twist is unwrapped over time
            before it is limited, so it never jumps by 2 pi.

    Returns:
        ``(K, 4, 4)`` local quaternions (collar, shoulder, elbow, wrist).

    The wrist target is clamped to the reachable shell (0.10 m .. 97% of full reach), so the
    elbow always keeps at least ~28 degrees of flexion and the bend plane is well defined. The
    shoulder maps the rest (upper arm, elbow hinge) frame onto the solved one; the elbow is the
    swing from the rest forearm onto the solved one (almost a pure hinge flexion). Forearm twist
    (pronation/supination) turning the palm toward ``palm`` is split half at the elbow (about the
    forearm axis, so the wrist does not move) and half at the wrist, limited to +-1.9 rad.
    """
    p = np.atleast_2d(np.asarray(wrist_m, dtype=np.float64))
    k = p.shape[0]
    dist = np.linalg.norm(p, axis=1)
    d = np.clip(dist, abs(_L1 - _L2) + 0.10, 0.97 * (_L1 + _L2))[:, None]
    u = _nrm(p)
    cos_a = (_L1 ** 2 + d ** 2 - _L2 ** 2) / (2 * _L1 * d)
    sin_a = np.sqrt(np.maximum(0.0, 1.0 - cos_a ** 2))
    pl = np.broadcast_to(np.asarray(pole, dtype=np.float64), (k, 3))
    v = pl - _dot(pl, u) * u
    fallback = np.array([0.0, -1.0, 0.0]) - u[:, 1:2] * u
    v = _nrm(np.where(np.linalg.norm(v, axis=1, keepdims=True) > 1e-6, v, fallback))
    elbow = _L1 * (cos_a * u + sin_a * v)
    a1, a2 = _nrm(elbow), _nrm(d * u - elbow)
    hinge_w = _nrm(np.cross(a1, a2))
    e2 = _nrm(hinge_w - _dot(hinge_w, a1) * a1)
    f_t = np.stack([a1, e2, np.cross(a1, e2)], axis=2)              # columns
    rs = f_t @ _frame(_U1, _HINGE_L).T
    q_sh = R.matrix_to_quat(rs)
    a2_local = np.einsum("kji,kj->ki", rs, a2)
    u2 = np.broadcast_to(_unit(_U2), (k, 3))
    q_flex = np.concatenate([1.0 + _dot(u2, a2_local), np.cross(u2, a2_local)], axis=1)
    q_flex = _nrm(q_flex)
    re = R.quat_to_matrix(q_flex)
    m = rs @ re
    fore_w = _nrm(m @ _unit(_U2))
    palm_now = m @ _PALM_REST
    want = _nrm(np.broadcast_to(np.asarray(palm, dtype=np.float64), (k, 3)))
    x = palm_now - _dot(palm_now, fore_w) * fore_w
    y = want - _dot(want, fore_w) * fore_w
    tau = np.arctan2(_dot(np.cross(x, y), fore_w), _dot(x, y))[:, 0]
    if sequence:
        tau = np.unwrap(tau)
        tau -= 2 * np.pi * np.round(np.median(tau) / (2 * np.pi))
    tau = np.clip(tau, -1.9, 1.9)
    t_axis = _unit(_U2)
    twist = R.axis_angle_to_quat(t_axis[None, :] * (0.5 * tau)[:, None])
    q_el = R.quat_mul(q_flex, twist)
    flex_axis = _unit(np.cross(_FINGER_DIR_L, _PALM_REST))  # flexing curls toward the palm
    flex = np.broadcast_to(np.asarray(wrist_flex_rad, dtype=np.float64), (k,))
    q_wr = R.quat_mul(twist, R.axis_angle_to_quat(flex_axis[None, :] * flex[:, None]))
    shrug = np.broadcast_to(np.asarray(shrug_rad, dtype=np.float64), (k,))
    q_col = R.axis_angle_to_quat(np.array([0.0, 0.0, 1.0])[None, :] * shrug[:, None])  # lifts the left collar
    return np.stack([q_col, q_sh, q_el, q_wr], axis=1)


def solve_left_arm(pose: ArmPose) -> np.ndarray:
    """``(4, 4)`` local quats (collar, shoulder, elbow, wrist) of one left-arm pose (see :func:`solve_left_arms`)."""
    return solve_left_arms(np.asarray(pose.wrist_m)[None], np.asarray(pose.palm)[None],
                           np.asarray(pose.pole)[None], pose.wrist_flex_rad, pose.shrug_rad)[0]


def solve_arms(poses, side: str) -> np.ndarray:
    """``(K, 4, 4)`` local quats for a sequence of :class:`ArmPose` on ``side``."""
    q = solve_left_arms(np.array([p.wrist_m for p in poses], dtype=np.float64),
                        np.array([p.palm for p in poses], dtype=np.float64),
                        np.array([p.pole for p in poses], dtype=np.float64),
                        np.array([p.wrist_flex_rad for p in poses], dtype=np.float64),
                        np.array([p.shrug_rad for p in poses], dtype=np.float64))
    return q if side == "left" else mirror_quats(q)


def mirror_quats(q: np.ndarray) -> np.ndarray:
    """Mirror left-side local rotations to the right side: axis-angle ``(x, y, z) -> (x, -y, -z)``."""
    q = np.asarray(q, dtype=np.float64)
    return q * np.array([1.0, 1.0, -1.0, -1.0])


def solve_arm(pose: ArmPose, side: str) -> np.ndarray:
    """``(4, 4)`` local quaternions (collar, shoulder, elbow, wrist) of ``side`` ("left"/"right")."""
    q = solve_left_arm(pose)
    return q if side == "left" else mirror_quats(q)


# --- fingers -------------------------------------------------------------------------------
# Curl (radians) per finger for joints 1, 2, 3 and spread (radians, + away from the middle
# finger); thumb: (curl1, curl2, curl3) across the palm. Authored by eye for each shape.
_SHAPES = {
    "relaxed": {"curl": {"index": (0.25, 0.35, 0.20), "middle": (0.30, 0.45, 0.25),
                         "ring": (0.35, 0.50, 0.30), "pinky": (0.40, 0.55, 0.30)},
                "thumb": (0.25, 0.15, 0.20), "spread": 0.03},
    "open": {"curl": {"index": (0.05, 0.08, 0.05), "middle": (0.06, 0.10, 0.05),
                      "ring": (0.08, 0.12, 0.06), "pinky": (0.10, 0.14, 0.08)},
             "thumb": (-0.10, 0.05, 0.05), "spread": 0.12},
    "point": {"curl": {"index": (0.02, 0.04, 0.02), "middle": (1.30, 1.45, 0.80),
                       "ring": (1.35, 1.50, 0.80), "pinky": (1.40, 1.50, 0.80)},
              "thumb": (0.60, 0.50, 0.40), "spread": 0.0},
    "beat": {"curl": {"index": (0.60, 0.90, 0.50), "middle": (0.75, 1.05, 0.60),
                      "ring": (0.85, 1.10, 0.60), "pinky": (0.95, 1.15, 0.60)},
             "thumb": (0.45, 0.35, 0.30), "spread": 0.0},
    "flat": {"curl": {"index": (0.10, 0.12, 0.06), "middle": (0.10, 0.12, 0.06),
                      "ring": (0.12, 0.14, 0.08), "pinky": (0.14, 0.16, 0.08)},
             "thumb": (0.05, 0.05, 0.05), "spread": 0.0},
}
_SPREAD_SIGN = {"index": 1.0, "middle": 0.0, "ring": -1.0, "pinky": -2.0}


def _shape_tables(shape: str):
    """Per-joint curl rotation vectors at full curl ``(15, 3)`` and spread quats ``(15, 4)`` (left hand)."""
    spec = _SHAPES[shape]
    curl_axis = _unit(np.cross(_FINGER_DIR_L, _PALM_REST))   # -Z for the left hand
    spread_axis = -_PALM_REST                                 # +Y: spreads toward +Z (thumb side)
    thumb_axis = _unit(np.cross(_unit(_POS[38] - _POS[37]), _PALM_REST))
    curl = np.zeros((15, 3))
    spread = np.zeros((15, 3))
    for f, name in enumerate(_FINGERS):
        for j in range(3):
            if name == "thumb":
                curl[3 * f + j] = thumb_axis * spec["thumb"][j]
            else:
                curl[3 * f + j] = curl_axis * spec["curl"][name][j]
                if j == 0:
                    spread[3 * f] = spread_axis * spec["spread"] * _SPREAD_SIGN[name]
    return curl, R.axis_angle_to_quat(spread)


_TABLES = {shape: _shape_tables(shape) for shape in _SHAPES}


def finger_quats_batch(shapes, openness, side: str) -> np.ndarray:
    """``(K, 15, 4)`` local finger quaternions for ``K`` (shape, openness) pairs on ``side``.

    ``openness`` 0..1 scales every curl down toward a flat hand (1 = 30% of the authored curl).

    Raises:
        ValueError: unknown shape or side.
    """
    if side not in ("left", "right"):
        raise ValueError(f"side: expected 'left' or 'right', found {side!r}")
    shapes = list(shapes)
    for sh in set(shapes):
        if sh not in _SHAPES:
            raise ValueError(f"finger shape: expected one of {FINGER_SHAPES}, found {sh!r}")
    k = 1.0 - 0.7 * np.clip(np.asarray(openness, dtype=np.float64).reshape(-1), 0.0, 1.0)
    curl = np.stack([_TABLES[sh][0] for sh in shapes]) * k[:, None, None]
    spread = np.stack([_TABLES[sh][1] for sh in shapes])
    out = R.quat_mul(R.axis_angle_to_quat(curl), spread)
    return out if side == "left" else mirror_quats(out)


def finger_quats(shape: str, side: str, openness: float = 0.0) -> np.ndarray:
    """``(15, 4)`` local quaternions of one hand's finger joints (SMPL-X order); see :func:`finger_quats_batch`."""
    return finger_quats_batch([shape], [openness], side)[0]


# --- pose families --------------------------------------------------------------------------
def _u(rng, lo, hi):
    return float(rng.uniform(lo, hi))


REST_KINDS: tuple[str, ...] = ("side", "front", "forearms", "thighs")


def rest_pose(kind: str, rng: np.random.Generator, posture: str = "neutral") -> ArmPose:
    """A rest pose (small random variation so rests do not look identical):

    * ``"side"``: arms hanging, palms to the thighs (long silences);
    * ``"front"``: hands loosely in front of the lower belly;
    * ``"forearms"``: the conversational rest between gestures: upper arms hanging, elbows bent
      ~90 degrees, forearms up in front at waist height, palms facing each other/down (the
      BEAT2 speaker's wrists are mostly 20-45 cm below and 10-35 cm in front of the shoulder);
    * ``"thighs"``: seated, hands resting on the thighs (the hips are flexed, so the thighs
      point forward from the pelvis).

    Raises:
        ValueError: unknown ``kind`` (valid: :data:`REST_KINDS`).
    """
    wide = 0.02 if posture == "open" else (-0.02 if posture == "closed" else 0.0)
    if kind == "side":
        x = _u(rng, 0.02, 0.06) + (0.02 if posture == "open" else 0.0)
        return ArmPose((x, _u(rng, -0.50, -0.47), _u(rng, 0.03, 0.09)), (-1.0, 0.0, 0.15),
                       pole=(0.3, -0.2, -1.0), wrist_flex_rad=_u(rng, 0.0, 0.15),
                       fingers="relaxed", openness=_u(rng, 0.0, 0.3))
    if kind == "front":
        x = MIDLINE_X_M + _u(rng, 0.07, 0.12) + (0.03 if posture == "open" else 0.0)
        return ArmPose((x, _u(rng, -0.45, -0.40), _u(rng, 0.20, 0.26)), (-0.7, 0.45, -0.3),
                       pole=(0.6, -0.4, -0.7), wrist_flex_rad=_u(rng, 0.05, 0.25),
                       fingers="relaxed", openness=_u(rng, 0.0, 0.3))
    if kind == "forearms":
        return ArmPose((_u(rng, -0.04, 0.06) + wide, _u(rng, -0.50, -0.42), _u(rng, 0.13, 0.22)),
                       (-0.8, -0.5, 0.1), pole=(0.35, -0.9, -0.3), wrist_flex_rad=_u(rng, 0.0, 0.2),
                       fingers="relaxed", openness=_u(rng, 0.0, 0.4))
    if kind == "thighs":
        return ArmPose((_u(rng, -0.07, -0.03), _u(rng, -0.48, -0.45), _u(rng, 0.24, 0.32)),
                       (0.0, -1.0, 0.1), pole=(0.4, -0.8, -0.4), wrist_flex_rad=_u(rng, -0.6, -0.45),
                       fingers="relaxed", openness=_u(rng, 0.1, 0.4))
    raise ValueError(f"rest kind: expected one of {REST_KINDS}, found {kind!r}")


def ready_pose(rng: np.random.Generator, posture: str = "neutral") -> ArmPose:
    """'Ready' position held between gestures inside a phrase: forearms up in front (a little
    higher and more varied than the ``"forearms"`` rest)."""
    off = {"open": 0.04, "closed": -0.04}.get(posture, 0.0)
    return ArmPose((_u(rng, -0.04, 0.10) + off, _u(rng, -0.50, -0.38), _u(rng, 0.14, 0.24)),
                   (-0.8, -0.3, 0.2), pole=(0.35, -0.9, -0.3), wrist_flex_rad=_u(rng, 0.0, 0.2),
                   fingers="relaxed", openness=_u(rng, 0.0, 0.4))


def sample_stroke(gtype: str, rng: np.random.Generator, amplitude: float,
                  posture: str = "neutral") -> tuple[ArmPose, ArmPose]:
    """Sample a (preparation end, stroke apex) pair of left-arm poses for a gesture type.

    Args:
        gtype: one of :data:`GESTURE_TYPES`.
        rng: seeded generator; every call draws continuous parameters (position in gesture
            space, palm angle, finger openness), so poses form families, not a short list.
        amplitude: 0..~2, scales the stroke excursion and how far the hand moves out.
        posture: ``"neutral"``, ``"open"`` (hands wider and higher) or ``"closed"`` (nearer the midline).

    Raises:
        ValueError: unknown ``gtype``.
    """
    a = float(np.clip(amplitude, 0.0, 2.0))
    widen = {"open": 0.05, "closed": -0.05}.get(posture, 0.0)
    if gtype == "beat":
        apex = np.array([_u(rng, -0.08, 0.24) + widen, _u(rng, -0.42, -0.10) + 0.06 * a, _u(rng, 0.12, 0.32)])
        lift = (0.07 + 0.09 * a) * _u(rng, 0.8, 1.2)
        pre = apex + np.array([0.0, lift, -0.3 * lift])
        palm = _unit(np.array([_u(rng, -0.9, -0.3), _u(rng, -0.8, -0.2), _u(rng, -0.1, 0.3)]))
        shape = "beat" if rng.random() < 0.5 else "relaxed"
        op = _u(rng, 0.0, 0.5)
        return (ArmPose(tuple(forward_for_height(pre)), tuple(palm), wrist_flex_rad=_u(rng, -0.35, -0.15), fingers=shape, openness=op),
                ArmPose(tuple(forward_for_height(apex)), tuple(palm), wrist_flex_rad=_u(rng, 0.15, 0.35), fingers=shape, openness=op))
    if gtype == "open_palm":
        reach = 0.5 + 0.25 * a
        apex = np.array([_u(rng, 0.05, 0.36) + widen, _u(rng, -0.38, -0.06) + 0.06 * a, _u(rng, 0.14, 0.24) + 0.08 * reach])
        pre = apex + np.array([-_u(rng, 0.06, 0.14), _u(rng, -0.04, 0.02), -_u(rng, 0.05, 0.10) * reach])
        palm = _unit(np.array([_u(rng, -0.5, -0.1), _u(rng, 0.6, 1.0), _u(rng, 0.1, 0.5)]))
        return (ArmPose(tuple(forward_for_height(pre)), tuple(_unit(palm + [-0.4, -0.3, 0.0])), wrist_flex_rad=0.0, fingers="relaxed", openness=0.4),
                ArmPose(tuple(forward_for_height(apex)), tuple(palm), wrist_flex_rad=_u(rng, -0.3, -0.05), fingers="open", openness=_u(rng, 0.0, 0.6)))
    if gtype == "frame":
        half = _u(rng, 0.14, 0.24) + 0.5 * widen
        apex = np.array([MIDLINE_X_M + half, _u(rng, -0.38, -0.10), _u(rng, 0.22, 0.34)])
        pre = apex + np.array([_u(rng, 0.03, 0.08), (0.05 + 0.06 * a), -0.05])
        palm = _unit(np.array([-1.0, _u(rng, -0.1, 0.3), _u(rng, -0.1, 0.2)]))
        return (ArmPose(tuple(forward_for_height(pre)), tuple(palm), wrist_flex_rad=-0.1, fingers="flat", openness=0.3),
                ArmPose(tuple(forward_for_height(apex)), tuple(palm), wrist_flex_rad=_u(rng, -0.05, 0.15), fingers="flat", openness=_u(rng, 0.0, 0.5)))
    if gtype == "point":
        apex = np.array([_u(rng, 0.08, 0.36) + widen, _u(rng, -0.28, 0.0), _u(rng, 0.28, 0.42)])
        pre = apex + np.array([-0.04, -0.03, -(0.08 + 0.05 * a)])
        palm = _unit(np.array([_u(rng, -0.7, -0.3), -1.0, 0.0]))
        return (ArmPose(tuple(forward_for_height(pre)), tuple(palm), wrist_flex_rad=0.0, fingers="point", openness=0.2),
                ArmPose(tuple(forward_for_height(apex)), tuple(palm), wrist_flex_rad=_u(rng, -0.2, 0.0), fingers="point", openness=0.0))
    raise ValueError(f"gesture type: expected one of {GESTURE_TYPES}, found {gtype!r}")


def forward_for_height(wrist_m) -> np.ndarray:
    """A raised hand comes out in front of the chest: the wrist target (left-shoulder relative)
    is moved forward to at least ``z = 0.20 + 0.5 (y + 0.30)`` m once it is higher than 30 cm
    below the shoulder (the BEAT2 speaker's raised hands are 25-35 cm in front of the shoulder;
    a hand raised close to the chest reads as cramped and enters stocky characters' chests)."""
    w = np.array(wrist_m, dtype=np.float64, copy=True)
    w[2] = max(w[2], 0.20 + 0.5 * max(0.0, w[1] + 0.30))
    return w


def with_offset(pose: ArmPose, delta_m) -> ArmPose:
    """Copy of ``pose`` with the wrist target moved by ``delta_m`` (3,) metres."""
    return replace(pose, wrist_m=tuple(np.asarray(pose.wrist_m) + np.asarray(delta_m)))
