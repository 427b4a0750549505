"""SMPL-X skeleton topology: the 55 joint names, their order and parents.

Source: SMPL-X (Pavlakos et al., "Expressive Body Capture: 3D Hands, Face, and Body from a
Single Image", CVPR 2019) as published in the ``smplx`` package (``smplx/joint_names.py``,
first 55 entries, and the model's ``kintree_table``). ``poses`` arrays of shape ``(T, 165)``
(BEAT2 / EMAGE layout) are the ``(T, 55, 3)`` axis-angle rotations of these joints,
flattened in this order: root (1), body (21), jaw (1), eyes (2), left hand (15), right hand (15).
Rest offsets live in :mod:`rigs.smplx_rest`.
"""

from __future__ import annotations

JOINT_NAMES: tuple[str, ...] = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck",
    "left_collar", "right_collar", "head", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist",
    "jaw", "left_eye_smplhf", "right_eye_smplhf",
    "left_index1", "left_index2", "left_index3",
    "left_middle1", "left_middle2", "left_middle3",
    "left_pinky1", "left_pinky2", "left_pinky3",
    "left_ring1", "left_ring2", "left_ring3",
    "left_thumb1", "left_thumb2", "left_thumb3",
    "right_index1", "right_index2", "right_index3",
    "right_middle1", "right_middle2", "right_middle3",
    "right_pinky1", "right_pinky2", "right_pinky3",
    "right_ring1", "right_ring2", "right_ring3",
    "right_thumb1", "right_thumb2", "right_thumb3",
)

#: Parent joint index of each joint (-1 for the root), SMPL-X ``kintree_table[0]``.
PARENTS: tuple[int, ...] = (
    -1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19,
    15, 15, 15,
    20, 25, 26, 20, 28, 29, 20, 31, 32, 20, 34, 35, 20, 37, 38,
    21, 40, 41, 21, 43, 44, 21, 46, 47, 21, 49, 50, 21, 52, 53,
)

NUM_JOINTS: int = len(JOINT_NAMES)
JOINT_INDEX: dict[str, int] = {n: i for i, n in enumerate(JOINT_NAMES)}

#: What a root translation ``transl`` (T, 3) is measured from. ``"rest"``: SMPL-X's own meaning,
#: 0 = the body model at its rest placement (standing), so a constant offset is a real displacement
#: (our generated motion, e.g. the seated pelvis drop). ``"first_frame"``: a world placement in
#: some capture space (BEAT2 ``trans`` has y = 1.29 m, EMAGE's y is trained on it, BVH root
#: positions), so only the change from frame 0 is meaningful.
TRANSL_ORIGINS: tuple[str, ...] = ("rest", "first_frame")

#: Body-part split used by EMAGE (Liu et al., CVPR 2024): face/jaw, upper body, hands,
#: lower body (+ global translation). Values are joint indices.
PART_JOINTS: dict[str, tuple[int, ...]] = {
    "face": (22, 23, 24),
    "upper": (3, 6, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21),
    "hands": tuple(range(25, 55)),
    "lower": (0, 1, 2, 4, 5, 7, 8, 10, 11),
}
PART_NAMES: tuple[str, ...] = tuple(PART_JOINTS)

