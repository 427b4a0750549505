"""Bone-name presets: SMPL-X joint -> bone name for common humanoid rigs (data only).

Sources (bone names as the tools create them):

- ``smplx``: SMPL-X joint names (:mod:`rigs.smplx`); the SMPL-X Blender add-on and our demo
  character use them directly.
- ``mixamo``: Adobe Mixamo auto-rigger skeleton (``mixamorig:Hips`` ... ``mixamorig:LeftHandThumb3``);
  also matched without the ``mixamorig:`` namespace (any ``name:`` prefix is ignored).
- ``rigify_metarig``: Blender Rigify "Human (Meta-Rig)" (``spine`` = hips, ``spine.001``-``.003``,
  ``spine.004``/``.005`` neck, ``spine.006`` head, ``upper_arm.L``, ``f_index.01.L`` ...).
- ``rigify_def``: a generated Rigify rig's deform bones (``DEF-spine``, ``DEF-upper_arm.L`` ...).
- ``rigify_ctrl``: a generated Rigify rig's FK controls (``spine_fk`` hips, ``spine_fk.001`` lower
  spine (Rigify builds this part downward from the torso pivot), ``spine_fk.002``/``.003`` chest;
  ``neck``, ``head``, ``shoulder.L``, ``upper_arm_fk.L``,
  ``forearm_fk.L``, ``hand_fk.L``, ``thigh_fk.L`` ...). These hang off constraint-driven MCH bones,
  so ``addon.targets_body`` refines them through Blender's evaluation, using the ``DEF-`` bones'
  rest positions; limbs must be in FK (Rigify ``IK_FK`` = 1).
- ``unreal``: Unreal Engine 4/5 Mannequin and MetaHuman body (``pelvis``, ``spine_01``-``spine_05``,
  ``neck_01``, ``head``, ``clavicle_l``, ``upperarm_l``, ``lowerarm_l``, ``hand_l``, ``thigh_l``,
  ``calf_l``, ``foot_l``, ``ball_l``, ``index_01_l`` ...); UE5 uses five spine bones, UE4 three.
- ``vrm``: VRM humanoid bone names (VRM 0.x/1.0 specification: ``hips``, ``spine``, ``chest``,
  ``upperChest``, ``neck``, ``head``, ``leftUpperArm`` ...), as the VRM add-on names bones when asked.
- ``vroid``: VRoid Studio export bone names (``J_Bip_C_Hips``, ``J_Bip_L_UpperArm`` ...).
- ``cc``: Reallusion Character Creator 3/4 (``CC_Base_Hip``, ``CC_Base_Waist``, ``CC_Base_Spine01``,
  ``CC_Base_L_Upperarm`` ...).
"""

from __future__ import annotations

_FINGERS = ("index", "middle", "pinky", "ring", "thumb")


def _sides(fmt_left: str, fmt_right: str, table: dict) -> dict:
    out = {}
    for joint, name in table.items():
        out[f"left_{joint}"] = fmt_left.format(name)
        out[f"right_{joint}"] = fmt_right.format(name)
    return out


def _fingers(names: dict, numbers=("1", "2", "3")) -> dict:
    return {f"{f}{i + 1}": names[f].format(n) for f in _FINGERS if f in names for i, n in enumerate(numbers)}


_MIXAMO = {
    "pelvis": "Hips", "spine1": "Spine", "spine2": "Spine1", "spine3": "Spine2", "neck": "Neck", "head": "Head",
    **_sides("Left{}", "Right{}", {
        "collar": "Shoulder", "shoulder": "Arm", "elbow": "ForeArm", "wrist": "Hand",
        "hip": "UpLeg", "knee": "Leg", "ankle": "Foot", "foot": "ToeBase",
        **_fingers({"index": "HandIndex{}", "middle": "HandMiddle{}", "pinky": "HandPinky{}",
                    "ring": "HandRing{}", "thumb": "HandThumb{}"})}),
}
_MIXAMO = {j: "mixamorig:" + b for j, b in _MIXAMO.items()}

_RIGIFY_LIMBS = {
    "collar": "shoulder", "shoulder": "upper_arm", "elbow": "forearm", "wrist": "hand",
    "hip": "thigh", "knee": "shin", "ankle": "foot", "foot": "toe",
    **_fingers({"index": "f_index.{}", "middle": "f_middle.{}", "pinky": "f_pinky.{}", "ring": "f_ring.{}",
                "thumb": "thumb.{}"}, ("01", "02", "03")),
}
_RIGIFY_META = {
    "pelvis": "spine", "spine1": "spine.001", "spine2": "spine.002", "spine3": "spine.003",
    "neck": "spine.004", "head": "spine.006", "jaw": "jaw",
    **_sides("{}.L", "{}.R", _RIGIFY_LIMBS),
}
_RIGIFY_DEF = {j: "DEF-" + b for j, b in _RIGIFY_META.items() if j != "jaw"}
_RIGIFY_CTRL = {
    "pelvis": "spine_fk", "spine1": "spine_fk.001", "spine2": "spine_fk.002", "spine3": "spine_fk.003",
    "neck": "neck", "head": "head", "jaw": "jaw_master",
    **_sides("{}.L", "{}.R", {
        "collar": "shoulder", "shoulder": "upper_arm_fk", "elbow": "forearm_fk", "wrist": "hand_fk",
        "hip": "thigh_fk", "knee": "shin_fk", "ankle": "foot_fk", "foot": "toe_fk",
        **_fingers({"index": "f_index.{}", "middle": "f_middle.{}", "pinky": "f_pinky.{}", "ring": "f_ring.{}",
                    "thumb": "thumb.{}"}, ("01", "02", "03"))}),
}

_UNREAL = {
    "pelvis": "pelvis", "spine1": "spine_01", "spine2": "spine_02", "spine3": "spine_03", "neck": "neck_01",
    "head": "head",
    **_sides("{}_l", "{}_r", {
        "collar": "clavicle", "shoulder": "upperarm", "elbow": "lowerarm", "wrist": "hand",
        "hip": "thigh", "knee": "calf", "ankle": "foot", "foot": "ball",
        **_fingers({"index": "index_{}", "middle": "middle_{}", "pinky": "pinky_{}", "ring": "ring_{}",
                    "thumb": "thumb_{}"}, ("01", "02", "03"))}),
}
_UNREAL5 = {**_UNREAL, "spine2": "spine_03", "spine3": "spine_05"}

_VRM = {
    "pelvis": "hips", "spine1": "spine", "spine2": "chest", "spine3": "upperChest", "neck": "neck", "head": "head",
    "jaw": "jaw",
    **_sides("left{}", "right{}", {
        "collar": "Shoulder", "shoulder": "UpperArm", "elbow": "LowerArm", "wrist": "Hand",
        "hip": "UpperLeg", "knee": "LowerLeg", "ankle": "Foot", "foot": "Toes",
        **_fingers({"index": "Index{}", "middle": "Middle{}", "pinky": "Little{}", "ring": "Ring{}",
                    "thumb": "Thumb{}"}, ("Proximal", "Intermediate", "Distal"))}),
}
_VRM["left_eye_smplhf"], _VRM["right_eye_smplhf"] = "leftEye", "rightEye"

_VROID = {
    "pelvis": "J_Bip_C_Hips", "spine1": "J_Bip_C_Spine", "spine2": "J_Bip_C_Chest", "spine3": "J_Bip_C_UpperChest",
    "neck": "J_Bip_C_Neck", "head": "J_Bip_C_Head",
    **_sides("J_Bip_L_{}", "J_Bip_R_{}", {
        "collar": "Shoulder", "shoulder": "UpperArm", "elbow": "LowerArm", "wrist": "Hand",
        "hip": "UpperLeg", "knee": "LowerLeg", "ankle": "Foot", "foot": "ToeBase",
        **_fingers({"index": "Index{}", "middle": "Middle{}", "pinky": "Little{}", "ring": "Ring{}",
                    "thumb": "Thumb{}"})}),
}

_CC = {
    "pelvis": "CC_Base_Hip", "spine1": "CC_Base_Waist", "spine2": "CC_Base_Spine01", "spine3": "CC_Base_Spine02",
    "neck": "CC_Base_NeckTwist01", "head": "CC_Base_Head", "jaw": "CC_Base_JawRoot",
    **_sides("CC_Base_L_{}", "CC_Base_R_{}", {
        "collar": "Clavicle", "shoulder": "Upperarm", "elbow": "Forearm", "wrist": "Hand",
        "hip": "Thigh", "knee": "Calf", "ankle": "Foot", "foot": "ToeBase",
        **_fingers({"index": "Index{}", "middle": "Mid{}", "pinky": "Pinky{}", "ring": "Ring{}",
                    "thumb": "Thumb{}"}),
        "eye_smplhf": "Eye"}),
}

#: preset name -> {SMPL-X joint name: bone name}
BONE_PRESETS: dict[str, dict[str, str]] = {
    "smplx": {},  # identity: filled in by rigs.bone_maps
    "mixamo": _MIXAMO,
    "rigify_metarig": _RIGIFY_META,
    "rigify_def": _RIGIFY_DEF,
    "rigify_ctrl": _RIGIFY_CTRL,
    "unreal": _UNREAL,
    "unreal5": _UNREAL5,
    "vrm": _VRM,
    "vroid": _VROID,
    "cc": _CC,
}
