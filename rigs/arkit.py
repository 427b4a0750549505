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
