"""The 52 ARKit face blendshapes, exactly as Apple spells them.

Source: Apple Developer Documentation, ``ARFaceAnchor.BlendShapeLocation``
(https://developer.apple.com/documentation/arkit/arfaceanchor/blendshapelocation).
The order below is the documentation's grouping order (left eye, right eye, mouth and jaw,
eyebrows, cheeks, nose, tongue). Every ``(T, 52)`` ARKit array in this project uses it.
"""

from __future__ import annotations

ARKIT_NAMES: tuple[str, ...] = (
    # Left eye
    "eyeBlinkLeft", "eyeLookDownLeft", "eyeLookInLeft", "eyeLookOutLeft",
    "eyeLookUpLeft", "eyeSquintLeft", "eyeWideLeft",
    # Right eye
    "eyeBlinkRight", "eyeLookDownRight", "eyeLookInRight", "eyeLookOutRight",
    "eyeLookUpRight", "eyeSquintRight", "eyeWideRight",
    # Mouth and jaw
    "jawForward", "jawLeft", "jawRight", "jawOpen",
    "mouthClose", "mouthFunnel", "mouthPucker", "mouthLeft", "mouthRight",
    "mouthSmileLeft", "mouthSmileRight", "mouthFrownLeft", "mouthFrownRight",
    "mouthDimpleLeft", "mouthDimpleRight", "mouthStretchLeft", "mouthStretchRight",
    "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper",
    "mouthPressLeft", "mouthPressRight", "mouthLowerDownLeft", "mouthLowerDownRight",
    "mouthUpperUpLeft", "mouthUpperUpRight",
    # Eyebrows
    "browDownLeft", "browDownRight", "browInnerUp", "browOuterUpLeft", "browOuterUpRight",
    # Cheeks
    "cheekPuff", "cheekSquintLeft", "cheekSquintRight",
    # Nose
    "noseSneerLeft", "noseSneerRight",
    # Tongue
    "tongueOut",
)

NUM_ARKIT: int = len(ARKIT_NAMES)
ARKIT_INDEX: dict[str, int] = {name: i for i, name in enumerate(ARKIT_NAMES)}

#: Channels driven by speech (the lip-sync model predicts these; the rest come from the
#: procedural non-speech layer: blinks, gaze, brows).
SPEECH_CHANNELS: tuple[str, ...] = tuple(
    n for n in ARKIT_NAMES
    if n.startswith(("jaw", "mouth", "cheek", "tongue"))
)



def arkit_index(name: str) -> int:
    """Return the column of ARKit blendshape ``name`` in a ``(T, 52)`` array.

    Raises:
        KeyError: ``name`` is not one of the 52 names (the message lists close matches).
    """
    try:
        return ARKIT_INDEX[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, ARKIT_NAMES, n=3)
        raise KeyError(
            f"{name!r} is not an ARKit blendshape name; close matches: {close or 'none'}"
        ) from None


#: While the lips are sealed (``mouthClose == jawOpen``), the largest weight of each key that
#: pushes the lower lip up past the upper lip. Source: lip-gap response per unit weight at the
#: mouth midline of Apple's ARKit reference head (tools/eval/face_geometry.py, in mm:
#: mouthShrugLower -5.8, mouthRollUpper -4.9, mouthRollLower -2.8, mouthPress L/R -0.3 each;
#: jawOpen +40.5, mouthClose -40.9). At these caps a full seal crosses the lips by at most ~1 mm.
SEALED_LIMITS: dict[str, float] = {
    "mouthPressLeft": 0.3, "mouthPressRight": 0.3, "mouthRollLower": 0.1,
    "mouthRollUpper": 0.05, "mouthShrugLower": 0.05,
}


def enforce_lip_seal(arkit):
    """ARKit mouth semantics as a hard invariant: ``mouthClose <= jawOpen`` on every frame.

    Apple, ``ARFaceAnchor.BlendShapeLocation.mouthClose``: "The coefficient describing closure of
    the lips independent of jaw position" -- its reference pose is the jaw open with the lips
    sealed, i.e. it cancels the lip opening of ``jawOpen`` ("The coefficient describing an
    opening of the lower jaw"). A value above ``jawOpen`` drives the lower lip through the upper
    one on a real ARKit rig (on Apple's reference head: gap change jawOpen +40.5 mm per unit,
    mouthClose -40.9 mm). So:

    1. ``mouthClose = min(mouthClose, jawOpen)``;
    2. with the seal fraction ``s = mouthClose / jawOpen`` (0 when jawOpen is 0), every key of
       :data:`SEALED_LIMITS` is capped at ``(1 - s) * 1 + s * limit``, so sealed lips may press
       and roll only as far as keeps them from crossing (mouthPress: "upward compression of the
       lower lip", mouthRollLower/Upper: "movement of the lower/upper lip toward the inside of
       the mouth", mouthShrugLower: "outward movement of the lower lip").

    Args:
        arkit: ``(T, 52)`` ARKit weights in ARKit order (any float dtype), values in [0, 1]
            (clip first: the rule is applied to what the rig will receive).

    Returns:
        A new ``(T, 52)`` float32 array; channels other than the above are unchanged.

    Raises:
        ValueError: ``arkit`` is not ``(T, 52)``.
    """
    import numpy as np

    a = np.array(arkit, dtype=np.float32, copy=True)
    if a.ndim != 2 or a.shape[1] != NUM_ARKIT:
        raise ValueError(f"arkit: expected shape (T, {NUM_ARKIT}), found {a.shape}")
    jaw = a[:, ARKIT_INDEX["jawOpen"]]
    close = np.minimum(a[:, ARKIT_INDEX["mouthClose"]], jaw)
    a[:, ARKIT_INDEX["mouthClose"]] = close
    seal = np.where(jaw > 1e-6, close / np.maximum(jaw, np.float32(1e-6)), np.float32(0.0))
    seal = np.clip(seal, 0.0, 1.0)
    for name, limit in SEALED_LIMITS.items():
        c = ARKIT_INDEX[name]
        a[:, c] = np.minimum(a[:, c], 1.0 - seal * (1.0 - limit))
    return a
