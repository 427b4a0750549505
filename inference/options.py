"""Generation options (frozen dataclasses, validated on construction)."""

from __future__ import annotations

from dataclasses import dataclass

def _range(name: str, value, lo: float, hi: float) -> None:
    if not (isinstance(value, (int, float)) and lo <= value <= hi):
        raise ValueError(f"{name}: expected a number in [{lo}, {hi}], found {value!r}")


def _choice(name: str, value, choices) -> None:
    if value not in choices:
        raise ValueError(f"{name}: expected one of {', '.join(map(repr, choices))}, found {value!r}")


#: Valid values of :attr:`GenerateOptions.device`.
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")
#: EMAGE body parts (see :data:`rigs.smplx.PART_JOINTS`).
BODY_PARTS: tuple[str, ...] = ("face", "upper", "hands", "lower")


@dataclass(frozen=True)
class GestureStyle:
    """Style controls of the body generator.

    Attributes:
        energy: gesture amplitude scale, 0 (still) .. 2 (very animated); 1 is neutral.
        rate: gesture frequency scale, 0.25 .. 2; 1 is neutral.
        handedness: ``"both"``, ``"left"`` or ``"right"`` (preferred hand for one-handed gestures).
        posture: ``"neutral"``, ``"open"`` or ``"closed"``.
    """

    energy: float = 1.0
    rate: float = 1.0
    handedness: str = "both"
    posture: str = "neutral"

    def __post_init__(self) -> None:
        _range("GestureStyle.energy", self.energy, 0.0, 2.0)
        _range("GestureStyle.rate", self.rate, 0.25, 2.0)
        _choice("GestureStyle.handedness", self.handedness, ("both", "left", "right"))
        _choice("GestureStyle.posture", self.posture, ("neutral", "open", "closed"))


@dataclass(frozen=True)
class GenerateOptions:
    """What :func:`inference.generate.generate` should produce and how.

    Attributes:
        fps: output frame rate (frames per second), usually the scene's ``fps / fps_base``.
        face: generate the face (ARKit curves).
        body: generate the body (SMPL-X poses).
        face_model: registered face backend name (see ``inference.backends.face_backend_names()``).
        body_model: registered body backend name.
        device: ``"auto"`` (CUDA if available else CPU), ``"cpu"`` or ``"cuda"``.
        intensity: scale of the speech-driven face channels, 0 .. 2.
        smoothing: extra temporal smoothing of face curves, 0 (none) .. 1 (heavy).
        seed: seed of every stochastic layer (blinks, gaze, gesture choice).
        procedural_face: add blinks, gaze and brow motion to the face.
        body_parts: EMAGE parts the body generator animates; others stay at rest.
        gesture: :class:`GestureStyle`.
        flame_map_path: optional user-supplied ARKit -> FLAME matrix file (.npy/.npz/.csv, see
            ``inference/face/flame.py``); when set, the performance also carries FLAME
            ``expression`` (T, 100) and ``jaw_pose`` (T, 3). ``""`` = no FLAME output.
        transcript: the words spoken (optional); when set, the face backend uses phone-exact
            timing from a forced alignment (``inference/face/transcript.py``) and falls back to
            audio only, saying so in ``provenance.face_model``, if the text does not match.
    """

    fps: float = 30.0
    face: bool = True
    body: bool = True
    face_model: str = "default"
    body_model: str = "default"
    device: str = "auto"
    intensity: float = 1.0
    smoothing: float = 0.0
    seed: int = 0
    procedural_face: bool = True
    body_parts: tuple[str, ...] = BODY_PARTS
    gesture: GestureStyle = GestureStyle()
    flame_map_path: str = ""
    transcript: str = ""

    def __post_init__(self) -> None:
        _range("GenerateOptions.fps", self.fps, 1.0, 1000.0)
        _choice("GenerateOptions.device", self.device, DEVICES)
        _range("GenerateOptions.intensity", self.intensity, 0.0, 2.0)
        _range("GenerateOptions.smoothing", self.smoothing, 0.0, 1.0)
        for part in self.body_parts:
            _choice("GenerateOptions.body_parts", part, BODY_PARTS)
        if not isinstance(self.flame_map_path, str):
            raise ValueError(f"GenerateOptions.flame_map_path: expected a path string, found {self.flame_map_path!r}")
        if not (self.face or self.body):
            raise ValueError("GenerateOptions: expected face and/or body, found neither")

