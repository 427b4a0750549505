"""The one ARKit -> jaw / eye rotation mapping used everywhere (body jaw, FLAME jaw, jaw bones, demo head).

Every place that turns ARKit-52 face curves into a jaw or eye *rotation* reads it from here: the
SMPL-X body's ``jaw`` / ``left_eye_smplhf`` / ``right_eye_smplhf`` joints
(:mod:`inference.body.procedural`), the default FLAME ``jaw_pose`` (:mod:`inference.face.flame`),
the jaw bone of characters without ARKit shape keys (:mod:`rigs.face_fallback`) and the demo
head's ``jawOpen`` shape key (``addon/demo_head.py``), so ``Performance.jaw_pose`` and
``Performance.smplx_poses[:, 22]`` agree by construction.

Conventions (SMPL-X / FLAME joint axes: +X the subject's left, +Y up, +Z forward; axis-angle in
radians, each relative to its parent joint, the head):

* **Jaw**: ``jawOpen`` in [0, 1] rotates about +X by ``jawOpen * JAW_OPEN_RAD`` (positive opens
  the mouth); ``jawLeft`` / ``jawRight`` turn it about +Y by ``+-JAW_SIDE_RAD``. Apple defines
  ``jawLeft`` as the jaw moving to the subject's left, which in these axes is a rotation toward
  +X of the chin, i.e. positive about +Y. Nothing else moves the jaw: blinks, brows, smiles and
  the lip channels (``mouthClose`` included) do not.
* **Eyes**: ``eyeLookOut*`` / ``eyeLookIn*`` turn each eye about +Y by ``EYE_YAW_RAD`` at full
  weight (out = away from the nose: the left eye turns toward +X, the right eye toward -X);
  ``eyeLookUp*`` / ``eyeLookDown*`` pitch it about +X by ``EYE_PITCH_RAD`` (down positive, as a
  positive X rotation turns the +Z gaze toward -Y). The rotation is ``Ry(yaw) @ Rx(pitch)``.
  ``eyeBlink*`` / ``eyeSquint*`` / ``eyeWide*`` are lids and do not rotate the eye.

Constants (project choices, documented sources): a wide-open human jaw rotates about 20-30
degrees (Ferrario et al. 2005, mandibular range of motion); ``jawOpen = 1`` is Apple's widest
capture, so 0.35 rad (20 degrees) keeps speech openings (jawOpen 0.1-0.5) at 2-10 degrees. Eye
rotation range: about +-25 degrees horizontally and +-20 vertically cover normal gaze shifts
(Guitton & Volle 1987: most natural saccades stay within 15-20 degrees, larger ones recruit the
head).
"""

from __future__ import annotations

import numpy as np

from .arkit import ARKIT_INDEX, NUM_ARKIT
from .rotations import axis_angle_to_quat, quat_mul, quat_to_axis_angle

#: Jaw rotation (rad about +X, opening) at ARKit ``jawOpen == 1`` (~20 degrees).
JAW_OPEN_RAD: float = 0.35
#: Jaw rotation (rad about +Y) at ``jawLeft == 1`` (negative for ``jawRight``).
JAW_SIDE_RAD: float = 0.1
#: Eye yaw (rad) at full ``eyeLookOut`` / ``eyeLookIn`` (~26 degrees).
EYE_YAW_RAD: float = 0.45
#: Eye pitch (rad) at full ``eyeLookDown`` / ``eyeLookUp`` (~20 degrees).
EYE_PITCH_RAD: float = 0.35


def jaw_matrix() -> np.ndarray:
    """``(52, 3)`` float32 linear map ARKit weights -> jaw axis-angle (radians per unit weight)."""
    j = np.zeros((NUM_ARKIT, 3), np.float32)
    j[ARKIT_INDEX["jawOpen"], 0] = JAW_OPEN_RAD
    j[ARKIT_INDEX["jawLeft"], 1] = JAW_SIDE_RAD
    j[ARKIT_INDEX["jawRight"], 1] = -JAW_SIDE_RAD
    return j


def _check(arkit) -> np.ndarray:
    a = np.asarray(arkit, dtype=np.float64)
    if a.ndim != 2 or a.shape[1] != NUM_ARKIT:
        raise ValueError(f"arkit: expected shape (T, {NUM_ARKIT}), found {a.shape}")
    return np.clip(np.nan_to_num(a), 0.0, 1.0)


def arkit_to_jaw_pose(arkit) -> np.ndarray:
    """``(T, 52)`` ARKit weights -> ``(T, 3)`` float32 SMPL-X/FLAME jaw axis-angle (radians).

    Raises:
        ValueError: ``arkit`` is not ``(T, 52)``.
    """
    return (_check(arkit) @ jaw_matrix().astype(np.float64)).astype(np.float32)


def arkit_to_eye_poses(arkit) -> np.ndarray:
    """``(T, 52)`` ARKit weights -> ``(T, 2, 3)`` float32 axis-angle of (left, right) eye joints.

    Raises:
        ValueError: ``arkit`` is not ``(T, 52)``.
    """
    a = _check(arkit)
    col = lambda name: a[:, ARKIT_INDEX[name]]  # noqa: E731
    out = np.zeros((a.shape[0], 2, 3))
    for k, (side, out_sign) in enumerate((("Left", 1.0), ("Right", -1.0))):
        yaw = out_sign * EYE_YAW_RAD * (col(f"eyeLookOut{side}") - col(f"eyeLookIn{side}"))
        pitch = EYE_PITCH_RAD * (col(f"eyeLookDown{side}") - col(f"eyeLookUp{side}"))
        z = np.zeros_like(yaw)
        qy = axis_angle_to_quat(np.stack([z, yaw, z], axis=1))
        qx = axis_angle_to_quat(np.stack([pitch, z, z], axis=1))
        out[:, k] = quat_to_axis_angle(quat_mul(qy, qx))
    return out.astype(np.float32)
