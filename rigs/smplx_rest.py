"""SMPL-X neutral rest skeleton (T-pose): joint offsets from the parent in metres, and FK.

Axes are SMPL-X's: +Y up, +Z forward (the subject faces +Z), +X the subject's left.
Joint order and parents are :data:`rigs.smplx.JOINT_NAMES` / :data:`rigs.smplx.PARENTS`.

Sources and approximations (honest account):

* **Body (joints 0-21)**: positions of the SMPL-X v1.1 *neutral* model's regressed joints at
  zero shape and zero pose (``smplx.SMPLX(..., gender="neutral")(...).joints[0, :22]``, i.e.
  ``J_regressor @ v_template``), rounded to millimetres and then made exactly left/right
  symmetric (|x| averaged over the pair, y/z averaged, spine x set to 0). The model file is
  licensed and not available here, so the values are the widely reproduced ones for that model;
  they were cross-checked against the one real BEAT2 take (``trans`` y ~1.29 m puts the SMPL-X
  ankles ~6 cm above the floor, as expected). Differences to the exact model are a few mm.
* **Jaw and eyes (22-24)**: placed anatomically relative to ``head`` (jaw hinge 1.5 cm below
  and 2.5 cm in front of the head joint; eyes 3.2 cm to each side, 3 cm up, 8.5 cm forward).
  Approximation, not from the model.
* **Fingers (25-54)**: a flat hand (SMPL-X zero hand pose = flat, palm down in the T-pose),
  proportions from a 18.5 cm adult hand (wrist to middle fingertip); MANO's joint layout
  (index/middle/pinky/ring/thumb, three joints each). Approximation, not from the model.

Accuracy of the built-in table (measured by a project session against the published SMPL-X
neutral joints, issue 10): body joints differ by 0.1-3.6 cm (spine2 3.6, knees 2.1/2.3, elbows
1.6/2.1, wrists 1.6), the jaw by 3.4 cm, the eyes by 2.3 cm, finger joints by ~3 cm (up to 4.8).
The exact values need the licensed model file, which we may not ship or read here, so the table
is not corrected blindly; it is good for gesture synthesis and retargeting directions (bone
*directions* matter there, not millimetres), not for mesh-accurate SMPL-X work.

**Exact skeleton from the user's own model.** :func:`model_rest_joints` reads the user's
``SMPLX_NEUTRAL.npz`` (from https://smpl-x.is.tue.mpg.de, never bundled) and computes
``J_regressor @ (v_template + shapedirs[:, :, :n] @ betas)``: exactly what the ``smplx`` package's
``lbs`` computes at zero pose, so neither torch nor ``smplx`` is needed (when ``smplx`` is
installed its loader gives the same numbers). ``betas`` may be a BEAT2 file's ``betas`` (300
values; the model's first ``shapedirs`` columns are shape, the rest expression).
:func:`model_rest_offsets` turns them into a table for :func:`forward_kinematics` and the
retargeting's ``source_positions``.
"""

from __future__ import annotations

import numpy as np

from .kinematics import axis_angle_to_quat_cm, chain_positions, chain_products_cm
from .rotations import quat_to_matrix
from .smplx import JOINT_NAMES, NUM_JOINTS, PARENTS
from .tree import depth_levels, subset_levels, with_ancestors

# Right-side joints are mirrored from the left ones (x -> -x).
_BODY_LEFT_AND_CENTRE_M: dict[str, tuple[float, float, float]] = {
    # absolute rest positions (metres) of the SMPL-X neutral model, symmetrised
    "pelvis": (0.0, -0.3514, 0.0120),
    "left_hip": (0.0607, -0.4499, -0.0115),
    "spine1": (0.0, -0.2421, -0.0157),
    "left_knee": (0.1102, -0.8200, -0.0038),
    "spine2": (0.0, -0.1050, 0.0123),
    "left_ankle": (0.0805, -1.2278, -0.0470),
    "spine3": (0.0, -0.0571, 0.0177),
    "left_foot": (0.1237, -1.2854, 0.0730),
    "neck": (0.0, 0.1097, -0.0250),
    "left_collar": (0.0472, 0.0368, -0.0087),
    "head": (0.0, 0.2682, -0.0037),
    "left_shoulder": (0.1579, 0.0819, -0.0210),
    "left_elbow": (0.4224, 0.0228, -0.0466),
    "left_wrist": (0.6716, 0.0403, -0.0447),
}

# Offsets (metres) from the parent joint for the approximated joints; left side, flat hand.
_HEAD_CHILDREN_M = {
    "jaw": (0.0, -0.015, 0.025),
    "left_eye_smplhf": (0.032, 0.030, 0.085),
}
_LEFT_FINGER_OFFSETS_M = {
    # finger base from the wrist, then each joint from the previous one (x along the arm)
    "index": ((0.090, 0.004, 0.025), (0.035, -0.002, 0.002), (0.024, -0.002, 0.001)),
    "middle": ((0.095, 0.005, 0.004), (0.037, -0.002, 0.000), (0.026, -0.002, 0.000)),
    "pinky": ((0.078, -0.002, -0.034), (0.026, -0.002, -0.003), (0.019, -0.002, -0.002)),
    "ring": ((0.088, 0.002, -0.016), (0.033, -0.002, -0.002), (0.024, -0.002, -0.001)),
    "thumb": ((0.025, -0.012, 0.025), (0.026, -0.006, 0.022), (0.022, -0.004, 0.015)),
}
#: Crown of the head above the ``head`` joint and sole below the ankle joints (metres);
#: anthropometric approximations used only to report stature and the floor height.
HEAD_TOP_ABOVE_HEAD_M: float = 0.115
SOLE_BELOW_ANKLE_M: float = 0.075


def _mirror(name: str) -> str:
    return name.replace("left_", "right_", 1)


def _build_offsets() -> np.ndarray:
    index = {n: i for i, n in enumerate(JOINT_NAMES)}
    pos = np.zeros((NUM_JOINTS, 3), np.float64)
    known = np.zeros(NUM_JOINTS, bool)
    for name, p in _BODY_LEFT_AND_CENTRE_M.items():
        pos[index[name]] = p
        known[index[name]] = True
        if name.startswith("left_"):
            pos[index[_mirror(name)]] = (-p[0], p[1], p[2])
            known[index[_mirror(name)]] = True
    head = pos[index["head"]]
    for name, off in _HEAD_CHILDREN_M.items():
        pos[index[name]] = head + off
        known[index[name]] = True
        if name.startswith("left_"):
            pos[index[_mirror(name)]] = head + (-off[0], off[1], off[2])
            known[index[_mirror(name)]] = True
    for side, sign in (("left", 1.0), ("right", -1.0)):
        wrist = pos[index[f"{side}_wrist"]]
        for finger, chain in _LEFT_FINGER_OFFSETS_M.items():
            p = wrist.copy()
            for k, off in enumerate(chain, start=1):
                p = p + np.array([sign * off[0], off[1], off[2]])
                pos[index[f"{side}_{finger}{k}"]] = p
                known[index[f"{side}_{finger}{k}"]] = True
    if not known.all():  # every joint placed above (the tables cover all 55)
        raise RuntimeError(f"rest skeleton: no position for joints {[JOINT_NAMES[j] for j in np.flatnonzero(~known)]}")
    offsets = pos.copy()
    for j in range(1, NUM_JOINTS):
        offsets[j] = pos[j] - pos[PARENTS[j]]
    return offsets.astype(np.float32)


#: ``(55, 3)`` float32 offsets from the parent joint in metres (SMPL-X axes); row 0 is the
#: pelvis position relative to the model origin (SMPL-X's root is not at the origin).
REST_OFFSETS_M: np.ndarray = _build_offsets()
REST_OFFSETS_M.setflags(write=False)


def rest_joint_positions() -> np.ndarray:
    """Absolute rest (T-pose) joint positions ``(55, 3)`` float32 in metres, SMPL-X axes."""
    pos = np.zeros((NUM_JOINTS, 3), np.float64)
    for j in range(NUM_JOINTS):
        pos[j] = REST_OFFSETS_M[j] + (pos[PARENTS[j]] if PARENTS[j] >= 0 else 0.0)
    return pos.astype(np.float32)


def floor_height_m() -> float:
    """Height (y, metres) of the soles in the rest pose: the lower ankle minus :data:`SOLE_BELOW_ANKLE_M`."""
    pos = rest_joint_positions()
    return float(min(pos[7, 1], pos[8, 1])) - SOLE_BELOW_ANKLE_M      # float64 on numpy 1 and 2 (NEP 50)


def stature_m() -> float:
    """Approximate standing height (metres): crown (head + :data:`HEAD_TOP_ABOVE_HEAD_M`) to soles."""
    pos = rest_joint_positions()
    return float(pos[15, 1]) + HEAD_TOP_ABOVE_HEAD_M - floor_height_m()


#: SMPL-X joints grouped by depth in the kinematic tree (parents first; 11 levels).
SMPLX_LEVELS: tuple = depth_levels(PARENTS)


def smplx_global_quats_cm(poses: np.ndarray, joints=None) -> np.ndarray:
    """``(T, 55, 3)`` axis-angle -> ``(55, 4, T)`` float64 global (world) rotations in SMPL-X axes,
    wxyz quaternions in the joint-major layout of :mod:`rigs.kinematics` (one vectorised step per
    depth level of the SMPL-X tree).

    ``joints``: optional SMPL-X joint indices; then only they and their ancestors are computed
    (the rows of all other joints are left undefined)."""
    if joints is None:
        return chain_products_cm(axis_angle_to_quat_cm(poses), PARENTS, SMPLX_LEVELS)
    need = with_ancestors(joints, PARENTS)
    local = np.empty((NUM_JOINTS, 4, np.shape(poses)[0]))
    local[need] = axis_angle_to_quat_cm(np.asarray(poses)[:, need])
    return chain_products_cm(local, PARENTS, subset_levels(SMPLX_LEVELS, need))


def smplx_global_rotations(poses: np.ndarray) -> np.ndarray:
    """``(T, 55, 3)`` axis-angle -> ``(T, 55, 3, 3)`` global (world) rotations in SMPL-X axes."""
    return quat_to_matrix(smplx_global_quats_cm(poses).transpose(2, 0, 1))


def forward_kinematics(poses: np.ndarray, transl: np.ndarray | None = None,
                       offsets: np.ndarray | None = None) -> np.ndarray:
    """World joint positions of SMPL-X poses on the rest skeleton (no shape blend shapes).

    Args:
        poses: ``(T, 55, 3)`` axis-angle radians (each relative to its parent, SMPL-X order),
            or ``(T, 55, 4)`` quaternions wxyz (normalised here).
        transl: optional ``(T, 3)`` metres added to every joint (SMPL-X ``transl``).
        offsets: optional ``(55, 3)`` skeleton; default :data:`REST_OFFSETS_M`.

    Returns:
        ``(T, 55, 3)`` float64 positions in metres, SMPL-X axes.

    Raises:
        ValueError: ``poses`` is not ``(T, 55, 3|4)``.
    """
    poses = np.asarray(poses, dtype=np.float64)
    if poses.ndim != 3 or poses.shape[1] != NUM_JOINTS or poses.shape[2] not in (3, 4):
        raise ValueError(f"poses: expected shape (T, {NUM_JOINTS}, 3 or 4), found {poses.shape}")
    quats = axis_angle_to_quat_cm(poses).transpose(2, 0, 1) if poses.shape[2] == 3 else poses
    return world_transforms(quats, transl, offsets=offsets)[1]


def world_transforms(quats: np.ndarray, transl: np.ndarray | None = None, joints=None,
                     offsets: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """SMPL-X forward kinematics: global rotations and positions of every joint (or a subset).

    Args:
        quats: ``(T, 55, 4)`` parent-relative rotations, wxyz quaternions (normalised here).
        transl: optional ``(T, 3)`` metres added to every position.
        joints: optional joint indices; then only they and their ancestors are computed (other
            rows are left undefined).
        offsets: optional ``(55, 3)`` skeleton; default :data:`REST_OFFSETS_M`.

    Returns:
        ``(glob (T, 55, 4), pos (T, 55, 3))`` float64: global wxyz rotations and positions in
        metres, SMPL-X axes.
    """
    q = np.asarray(quats, np.float64)
    q = q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), 1e-12)
    levels = SMPLX_LEVELS if joints is None else subset_levels(SMPLX_LEVELS, with_ancestors(joints, PARENTS))
    glob = chain_products_cm(np.ascontiguousarray(q.transpose(1, 2, 0)), PARENTS, levels).transpose(2, 0, 1)
    pos = chain_positions(glob, REST_OFFSETS_M if offsets is None else offsets, PARENTS, levels)
    if transl is not None:
        pos = pos + np.asarray(transl, dtype=np.float64)[:, None, :]
    return glob, pos


class SmplxModelError(ValueError):
    """The SMPL-X model file is missing, unreadable or has unexpected arrays (message says which)."""


#: Arrays :func:`model_rest_joints` needs from an SMPL-X ``.npz`` model file.
MODEL_KEYS: tuple[str, ...] = ("v_template", "shapedirs", "J_regressor")
#: Shape components of SMPL-X ``shapedirs`` (the remaining columns are expression).
NUM_SHAPE_BETAS: int = 300


def model_rest_joints(model_path, betas=None) -> np.ndarray:
    """Exact SMPL-X rest joints ``(55, 3)`` float64 (metres, SMPL-X axes) from a model file.

    Args:
        model_path: the user's ``SMPLX_NEUTRAL.npz`` (or MALE/FEMALE) with ``v_template``
            ``(V, 3)``, ``shapedirs`` ``(V, 3, S)`` and ``J_regressor`` ``(J >= 55, V)``.
        betas: optional shape coefficients ``(n,)`` (n <= shape components; e.g. a BEAT2 file's
            300 ``betas``); ``None`` = mean shape.

    Raises:
        SmplxModelError: missing file, missing arrays, or mismatched shapes (the message names
            the file, what was expected and what was found).
    """
    import os

    path = os.fspath(model_path)
    if not os.path.isfile(path):
        raise SmplxModelError(f"SMPL-X model: file {path!r} not found; expected the user's SMPLX_NEUTRAL.npz")
    try:
        with np.load(path, allow_pickle=False) as z:
            missing = [k for k in MODEL_KEYS if k not in z.files]
            if missing:
                raise SmplxModelError(f"SMPL-X model {path!r}: arrays {missing} missing; expected {list(MODEL_KEYS)}")
            v = np.asarray(z["v_template"], np.float64)
            dirs = np.asarray(z["shapedirs"], np.float64)
            reg = np.asarray(z["J_regressor"], np.float64)
    except SmplxModelError:
        raise
    except (OSError, ValueError) as exc:
        raise SmplxModelError(f"SMPL-X model {path!r}: not a readable .npz ({exc})") from None
    if v.ndim != 2 or v.shape[1] != 3 or dirs.shape[:2] != v.shape or reg.ndim != 2 \
            or reg.shape[1] != v.shape[0] or reg.shape[0] < NUM_JOINTS:
        raise SmplxModelError(f"SMPL-X model {path!r}: expected v_template (V, 3), shapedirs (V, 3, S), "
                              f"J_regressor (>= {NUM_JOINTS}, V); found {v.shape}, {dirs.shape}, {reg.shape}")
    if betas is not None:
        b = np.asarray(betas, np.float64).reshape(-1)
        n_shape = min(dirs.shape[2], NUM_SHAPE_BETAS)
        if b.size > n_shape or not np.isfinite(b).all():
            raise SmplxModelError(f"betas: expected at most {n_shape} finite values, found {b.size}")
        v = v + dirs[:, :, :b.size] @ b
    return reg[:NUM_JOINTS] @ v


def model_rest_offsets(model_path, betas=None) -> np.ndarray:
    """``(55, 3)`` float32 parent offsets (like :data:`REST_OFFSETS_M`) from :func:`model_rest_joints`."""
    return offsets_from_positions(model_rest_joints(model_path, betas))


def offsets_from_positions(positions: np.ndarray) -> np.ndarray:
    """``(55, 3)`` absolute joint positions -> float32 offsets from each parent (row 0 absolute).

    Raises:
        ValueError: ``positions`` is not ``(55, 3)``.
    """
    pos = np.asarray(positions, np.float64)
    if pos.shape != (NUM_JOINTS, 3):
        raise ValueError(f"positions: expected shape ({NUM_JOINTS}, 3), found {pos.shape}")
    off = pos.copy()
    for j in range(1, NUM_JOINTS):
        off[j] = pos[j] - pos[PARENTS[j]]
    return off.astype(np.float32)
