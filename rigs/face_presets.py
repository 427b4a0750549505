"""Vendor shape-key naming presets for the 52 ARKit blendshapes (data only).

Each preset maps an ARKit name (Apple's spelling, :data:`rigs.arkit.ARKIT_NAMES`) to one or more
shape-key names on the vendor's meshes; several keys mean "drive all of them with the same curve"
(e.g. Character Creator splits ``mouthFunnel`` into four quadrant morphs). Names not listed fall
back to the generic matcher in :mod:`rigs.shape_keys` (case, underscores, ``_L``/``Left`` sides,
prefixes such as ``A01_`` or ``blendShape1.``).

Sources (naming as published by each vendor; correspondences we could not verify against a vendor
file are marked "approx." in :data:`PRESET_SOURCES` and in ``docs/rigs.md``):

- ``arkit``: Apple ``ARFaceAnchor.BlendShapeLocation`` (exact names). Ready Player Me, Faceit,
  Rokoko, VRoid "perfect sync" (HANA_Tool) and NVIDIA Audio2Face's ARKit solve use these names
  (sometimes capitalised: ``EyeBlinkLeft``), which the generic matcher accepts.
- ``cc4_extended``: Reallusion Character Creator 4 / iClone "Extended" facial profile morphs on
  ``CC_Base_Body`` (``Eye_Blink_L``, ``Brow_Drop_L``, ``Mouth_Funnel_Up_L`` ...).
- ``cc_arkit``: Character Creator / iClone LiveFace ARKit expression set ``A01_Brow_Inner_Up`` ..
  ``A52_Tongue_Out`` (handled by the generic matcher after stripping ``Ann_``; listed for detection).
- ``metahuman``: Epic MetaHuman face control curves ``CTRL_expressions_*`` (approx.: one primary
  control per ARKit shape; MetaHuman splits lips into UL/UR/DL/DR quadrants).
- ``vroid``: VRoid Studio native face morphs ``Fcl_*`` on ``Face.M_F00_000_00`` (approx.: VRoid
  has no ARKit set; blink, brow and mouth-corner morphs only).
"""

from __future__ import annotations

PRESET_SOURCES: dict[str, str] = {
    "arkit": "Apple ARFaceAnchor.BlendShapeLocation (exact); also Ready Player Me, Faceit, Rokoko, "
             "VRoid perfect sync, NVIDIA Audio2Face ARKit export",
    "cc4_extended": "Reallusion Character Creator 4 Extended facial profile (CC_Base_Body morphs)",
    "cc_arkit": "Reallusion Character Creator/iClone LiveFace ARKit set A01_Brow_Inner_Up..A52_Tongue_Out",
    "metahuman": "Epic MetaHuman face rig control curves CTRL_expressions_* (approx. correspondence)",
    "vroid": "VRoid Studio native Fcl_* face morphs (approx.; partial)",
}

_CC4 = {
    "browDownLeft": ("Brow_Drop_L",), "browDownRight": ("Brow_Drop_R",),
    "browInnerUp": ("Brow_Raise_Inner_L", "Brow_Raise_Inner_R"),
    "browOuterUpLeft": ("Brow_Raise_Outer_L",), "browOuterUpRight": ("Brow_Raise_Outer_R",),
    "cheekPuff": ("Cheek_Puff_L", "Cheek_Puff_R"),
    "cheekSquintLeft": ("Cheek_Raise_L",), "cheekSquintRight": ("Cheek_Raise_R",),
    "eyeBlinkLeft": ("Eye_Blink_L",), "eyeBlinkRight": ("Eye_Blink_R",),
    "eyeLookDownLeft": ("Eye_L_Look_Down",), "eyeLookDownRight": ("Eye_R_Look_Down",),
    "eyeLookInLeft": ("Eye_L_Look_R",), "eyeLookInRight": ("Eye_R_Look_L",),
    "eyeLookOutLeft": ("Eye_L_Look_L",), "eyeLookOutRight": ("Eye_R_Look_R",),
    "eyeLookUpLeft": ("Eye_L_Look_Up",), "eyeLookUpRight": ("Eye_R_Look_Up",),
    "eyeSquintLeft": ("Eye_Squint_L",), "eyeSquintRight": ("Eye_Squint_R",),
    "eyeWideLeft": ("Eye_Wide_L",), "eyeWideRight": ("Eye_Wide_R",),
    "jawForward": ("Jaw_Forward",), "jawLeft": ("Jaw_L",), "jawRight": ("Jaw_R",),
    "jawOpen": ("Jaw_Open",),  # CC4 opens the jaw with the CC_Base_JawRoot bone when absent
    "mouthClose": ("Mouth_Close",),
    "mouthDimpleLeft": ("Mouth_Dimple_L",), "mouthDimpleRight": ("Mouth_Dimple_R",),
    "mouthFrownLeft": ("Mouth_Frown_L",), "mouthFrownRight": ("Mouth_Frown_R",),
    "mouthFunnel": ("Mouth_Funnel_Up_L", "Mouth_Funnel_Up_R", "Mouth_Funnel_Down_L", "Mouth_Funnel_Down_R"),
    "mouthLeft": ("Mouth_L",), "mouthRight": ("Mouth_R",),
    "mouthLowerDownLeft": ("Mouth_Down_Lower_L",), "mouthLowerDownRight": ("Mouth_Down_Lower_R",),
    "mouthPressLeft": ("Mouth_Press_L",), "mouthPressRight": ("Mouth_Press_R",),
    "mouthPucker": ("Mouth_Pucker_Up_L", "Mouth_Pucker_Up_R", "Mouth_Pucker_Down_L", "Mouth_Pucker_Down_R"),
    "mouthRollLower": ("Mouth_Roll_In_Lower_L", "Mouth_Roll_In_Lower_R"),
    "mouthRollUpper": ("Mouth_Roll_In_Upper_L", "Mouth_Roll_In_Upper_R"),
    "mouthShrugLower": ("Mouth_Shrug_Lower",), "mouthShrugUpper": ("Mouth_Shrug_Upper",),
    "mouthSmileLeft": ("Mouth_Smile_L",), "mouthSmileRight": ("Mouth_Smile_R",),
    "mouthStretchLeft": ("Mouth_Stretch_L",), "mouthStretchRight": ("Mouth_Stretch_R",),
    "mouthUpperUpLeft": ("Mouth_Up_Upper_L",), "mouthUpperUpRight": ("Mouth_Up_Upper_R",),
    "noseSneerLeft": ("Nose_Sneer_L",), "noseSneerRight": ("Nose_Sneer_R",),
    "tongueOut": ("Tongue_Out",),
}

_CC_ARKIT_ORDER = (
    "browInnerUp", "browDownLeft", "browDownRight", "browOuterUpLeft", "browOuterUpRight",
    "eyeLookUpLeft", "eyeLookUpRight", "eyeLookDownLeft", "eyeLookDownRight", "eyeLookOutLeft",
    "eyeLookInLeft", "eyeLookInRight", "eyeLookOutRight", "eyeBlinkLeft", "eyeBlinkRight",
    "eyeSquintLeft", "eyeSquintRight", "eyeWideLeft", "eyeWideRight", "cheekPuff",
    "cheekSquintLeft", "cheekSquintRight", "noseSneerLeft", "noseSneerRight", "jawOpen",
    "jawForward", "jawLeft", "jawRight", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight",
    "mouthRollUpper", "mouthRollLower", "mouthShrugUpper", "mouthShrugLower", "mouthClose",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight", "mouthDimpleLeft",
    "mouthDimpleRight", "mouthUpperUpLeft", "mouthUpperUpRight", "mouthLowerDownLeft",
    "mouthLowerDownRight", "mouthPressLeft", "mouthPressRight", "mouthStretchLeft",
    "mouthStretchRight", "tongueOut",
)


def _cc_arkit_name(i: int, arkit: str) -> str:
    import re

    words = re.sub(r"([a-z])([A-Z])", r"\1_\2", arkit)
    words = words[0].upper() + words[1:]
    return f"A{i + 1:02d}_{words}"


_CC_ARKIT = {a: (_cc_arkit_name(i, a),) for i, a in enumerate(_CC_ARKIT_ORDER)}

_MH = "CTRL_expressions_"
_METAHUMAN = {
    "browDownLeft": ("browDownL",), "browDownRight": ("browDownR",),
    "browInnerUp": ("browRaiseInL", "browRaiseInR"),
    "browOuterUpLeft": ("browRaiseOuterL",), "browOuterUpRight": ("browRaiseOuterR",),
    "cheekPuff": ("mouthCheekBlowL", "mouthCheekBlowR"),
    "cheekSquintLeft": ("eyeCheekRaiseL",), "cheekSquintRight": ("eyeCheekRaiseR",),
    "eyeBlinkLeft": ("eyeBlinkL",), "eyeBlinkRight": ("eyeBlinkR",),
    "eyeLookDownLeft": ("eyeLookDownL",), "eyeLookDownRight": ("eyeLookDownR",),
    "eyeLookInLeft": ("eyeLookRightL",), "eyeLookInRight": ("eyeLookLeftR",),
    "eyeLookOutLeft": ("eyeLookLeftL",), "eyeLookOutRight": ("eyeLookRightR",),
    "eyeLookUpLeft": ("eyeLookUpL",), "eyeLookUpRight": ("eyeLookUpR",),
    "eyeSquintLeft": ("eyeSquintInnerL",), "eyeSquintRight": ("eyeSquintInnerR",),
    "eyeWideLeft": ("eyeWidenL",), "eyeWideRight": ("eyeWidenR",),
    "jawForward": ("jawFwd",), "jawLeft": ("jawLeft",), "jawRight": ("jawRight",), "jawOpen": ("jawOpen",),
    "mouthClose": ("mouthLipsTogetherUL", "mouthLipsTogetherUR", "mouthLipsTogetherDL", "mouthLipsTogetherDR"),
    "mouthDimpleLeft": ("mouthDimpleL",), "mouthDimpleRight": ("mouthDimpleR",),
    "mouthFrownLeft": ("mouthCornerDepressL",), "mouthFrownRight": ("mouthCornerDepressR",),
    "mouthFunnel": ("mouthFunnelUL", "mouthFunnelUR", "mouthFunnelDL", "mouthFunnelDR"),
    "mouthLeft": ("mouthLeft",), "mouthRight": ("mouthRight",),
    "mouthLowerDownLeft": ("mouthLowerLipDepressL",), "mouthLowerDownRight": ("mouthLowerLipDepressR",),
    "mouthPressLeft": ("mouthPressDL",), "mouthPressRight": ("mouthPressDR",),
    "mouthPucker": ("mouthLipsPurseUL", "mouthLipsPurseUR", "mouthLipsPurseDL", "mouthLipsPurseDR"),
    "mouthRollLower": ("mouthLowerLipRollInL", "mouthLowerLipRollInR"),
    "mouthRollUpper": ("mouthUpperLipRollInL", "mouthUpperLipRollInR"),
    "mouthShrugLower": ("jawChinRaiseDL", "jawChinRaiseDR"),
    "mouthShrugUpper": ("jawChinRaiseUL", "jawChinRaiseUR"),
    "mouthSmileLeft": ("mouthCornerPullL",), "mouthSmileRight": ("mouthCornerPullR",),
    "mouthStretchLeft": ("mouthStretchL",), "mouthStretchRight": ("mouthStretchR",),
    "mouthUpperUpLeft": ("mouthUpperLipRaiseL",), "mouthUpperUpRight": ("mouthUpperLipRaiseR",),
    "noseSneerLeft": ("noseWrinkleL",), "noseSneerRight": ("noseWrinkleR",),
    "tongueOut": ("tongueOut",),
}
_METAHUMAN = {a: tuple(_MH + k for k in ks) for a, ks in _METAHUMAN.items()}

_VROID = {
    "eyeBlinkLeft": ("Fcl_EYE_Close_L",), "eyeBlinkRight": ("Fcl_EYE_Close_R",),
    "eyeWideLeft": ("Fcl_EYE_Surprised",),  # one VRoid morph opens both eyes
    "browInnerUp": ("Fcl_BRW_Sorrow",), "browDownLeft": ("Fcl_BRW_Angry",),
    "mouthSmileLeft": ("Fcl_MTH_Joy",), "mouthFrownLeft": ("Fcl_MTH_Sorrow",),
}

#: preset name -> {ARKit name: (shape-key names, ...)}
FACE_PRESETS: dict[str, dict[str, tuple[str, ...]]] = {
    "arkit": {},  # exact names: handled by the matcher directly
    "cc4_extended": _CC4,
    "cc_arkit": _CC_ARKIT,
    "metahuman": _METAHUMAN,
    "vroid": _VROID,
}
