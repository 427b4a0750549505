"""Generation options (frozen dataclasses, validated on construction), and the one options builder.

Every front end (sidebar, Blender batch CLI, standalone CLI, the worker process) builds
:class:`GenerateOptions` with :meth:`GenerateOptions.from_mapping` and serialises it with
:meth:`GenerateOptions.to_mapping` (JSON-able), so validation and defaults live in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

from .errors import InputError
from .face.emotion import EmotionSpec
from .face.style import SpeakingStyle


def _range(name: str, value, lo: float, hi: float) -> None:
    if isinstance(value, bool) or not (isinstance(value, (int, float)) and lo <= value <= hi):
        raise InputError(f"{name}: expected a number in [{lo}, {hi}], found {value!r}")


def _choice(name: str, value, choices) -> None:
    if value not in choices:
        raise InputError(f"{name}: expected one of {', '.join(map(repr, choices))}, found {value!r}")


#: Valid values of :attr:`GenerateOptions.device`.
DEVICES: tuple[str, ...] = ("auto", "cpu", "cuda")
#: EMAGE body parts (see :data:`rigs.smplx.PART_JOINTS`).
BODY_PARTS: tuple[str, ...] = ("face", "upper", "hands", "lower")
#: Values of the ``what`` shorthand of :meth:`GenerateOptions.from_mapping` -> ``(face, body)``.
WHAT: dict[str, tuple[bool, bool]] = {"face": (True, False), "body": (False, True), "both": (True, True)}
_SCALARS = (str, int, float, bool, type(None))


class FrozenMapping(Mapping):
    """An immutable, hashable mapping (keys sorted) used for :attr:`GenerateOptions.backend_options`.

    Nested mappings become :class:`FrozenMapping`, lists become tuples; leaves must be ``str``,
    ``int``, ``float``, ``bool`` or ``None`` so options cross the worker-process boundary as JSON.

    Raises:
        InputError: a key is not a string or a value is not one of the types above.
    """

    __slots__ = ("_items", "_dict")

    def __init__(self, data: Mapping | None = None, name: str = "backend_options"):
        items = []
        for key, value in dict(data or {}).items():
            if not isinstance(key, str):
                raise InputError(f"{name}: expected string keys, found {key!r}")
            items.append((key, _freeze(value, f"{name}[{key!r}]")))
        self._items = tuple(sorted(items))
        self._dict = dict(self._items)

    def __getitem__(self, key):
        return self._dict[key]

    def __iter__(self):
        return iter(self._dict)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other) -> bool:
        return isinstance(other, Mapping) and dict(self._items) == dict(other.items())

    def __repr__(self) -> str:
        return f"FrozenMapping({dict(self._items)!r})"

    def to_plain(self) -> dict:
        """A plain ``dict`` (nested mappings as dicts, tuples as lists), JSON-able."""
        return {k: _thaw(v) for k, v in self._items}


def _freeze(value, name: str):
    if isinstance(value, Mapping):
        return FrozenMapping(value, name)
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v, f"{name}[{i}]") for i, v in enumerate(value))
    if isinstance(value, _SCALARS):
        return value
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # numpy scalar
        return value.item()
    raise InputError(f"{name}: expected a str, number, bool, None, list or mapping, found {type(value).__name__}")


def _thaw(value):
    if isinstance(value, FrozenMapping):
        return value.to_plain()
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class GestureStyle:
    """Style controls of the body generator.

    Attributes:
        energy: gesture amplitude scale, 0 (still) .. 2 (very animated); 1 is neutral.
        rate: gesture frequency scale, 0.25 .. 2; 1 is neutral.
        handedness: ``"both"``, ``"left"`` or ``"right"`` (preferred hand for one-handed gestures).
        posture: ``"neutral"``, ``"open"`` or ``"closed"``.
        two_handed: share of beat / open-palm strokes made with both hands, 0 .. 1.
        stepping: how often the speaker steps and turns, 0 (feet never move) .. 2; 1 is about
            one step every 10-20 s of speech.
        stance: ``"standing"`` or ``"seated"`` (lower body still, hands rest on the thighs).

    Raises:
        InputError: a value out of range (the message names the field and the valid range/choices).
    """

    energy: float = 1.0
    rate: float = 1.0
    handedness: str = "both"
    posture: str = "neutral"
    two_handed: float = 0.7
    stepping: float = 1.0
    stance: str = "standing"

    def __post_init__(self) -> None:
        _range("GestureStyle.energy", self.energy, 0.0, 2.0)
        _range("GestureStyle.rate", self.rate, 0.25, 2.0)
        _choice("GestureStyle.handedness", self.handedness, ("both", "left", "right"))
        _choice("GestureStyle.posture", self.posture, ("neutral", "open", "closed"))
        _range("GestureStyle.two_handed", self.two_handed, 0.0, 1.0)
        _range("GestureStyle.stepping", self.stepping, 0.0, 2.0)
        _choice("GestureStyle.stance", self.stance, ("standing", "seated"))

    @classmethod
    def preset(cls, name: str) -> "GestureStyle":
        """A named style from :data:`GESTURE_PRESETS` (e.g. ``"calm presenter"``).

        Raises:
            ValueError: unknown name (the message lists the valid ones).
        """
        _choice("GestureStyle preset", name, tuple(GESTURE_PRESETS))
        return cls(**GESTURE_PRESETS[name])


#: Named gesture styles an animator can start from (values: :class:`GestureStyle` fields).
GESTURE_PRESETS: dict[str, dict] = {
    "conversational": {},
    "calm presenter": {"energy": 0.7, "rate": 0.8, "posture": "open", "two_handed": 0.7, "stepping": 0.5},
    "animated talker": {"energy": 1.4, "rate": 1.3, "two_handed": 0.6, "stepping": 1.5},
    "seated": {"energy": 0.8, "rate": 0.9, "two_handed": 0.5, "stepping": 0.0, "stance": "seated"},
}


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
        procedural_face: add blinks, gaze and brow motion to the face (on channels the face
            backend does not own, see :attr:`inference.backends.FaceTrack.owned_channels`).
        body_parts: EMAGE parts the body generator animates; others stay at rest.
        gesture: :class:`GestureStyle`.
        flame_map_path: optional user-supplied ARKit -> FLAME matrix file (.npy/.npz/.csv, see
            ``inference/face/flame.py``); when set, the performance also carries FLAME
            ``expression`` (T, 100) and ``jaw_pose`` (T, 3). ``""`` = no FLAME output.
        transcript: the words spoken (optional); when set, the face backend uses phone-exact
            timing from a forced alignment (``inference/face/transcript.py``) and falls back to
            audio only, saying so in ``provenance.face_model``, if the text does not match.
        backend_options: ``{backend name: {option: value}}``, options of the chosen backends,
            validated by each backend (``inference.backends.check_options``); any mapping is
            accepted and stored as a hashable :class:`FrozenMapping`.
        backend_modules: extra backend modules to import before the backends are looked up, in
            this process and in the worker process: dotted module names or paths to ``.py`` files
            (see :func:`inference.backends.load_backend_modules`). Lists become tuples.
        emotion: :class:`inference.face.emotion.EmotionSpec` (emotion keys and/or ``auto``
            arousal); any spelling :meth:`EmotionSpec.parse` accepts (``"joy:0.8"``, ``"auto"``,
            a list of timed keys) is converted on construction. Default: no emotion.
        style: :class:`inference.face.style.SpeakingStyle` (per-group gains/offsets and blink rate
            learnt from an edited take); a mapping of its fields is converted. Default: neutral.

    Raises:
        InputError: on construction, a value out of range or of the wrong kind.
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
    backend_options: Mapping = FrozenMapping()
    backend_modules: tuple[str, ...] = ()
    transcript: str = ""
    emotion: EmotionSpec = EmotionSpec()
    style: SpeakingStyle = SpeakingStyle()

    def __post_init__(self) -> None:
        object.__setattr__(self, "emotion", EmotionSpec.parse(self.emotion, "GenerateOptions.emotion"))
        object.__setattr__(self, "style", SpeakingStyle.parse(self.style, "GenerateOptions.style"))
        _range("GenerateOptions.fps", self.fps, 1.0, 1000.0)
        _choice("GenerateOptions.device", self.device, DEVICES)
        _range("GenerateOptions.intensity", self.intensity, 0.0, 2.0)
        _range("GenerateOptions.smoothing", self.smoothing, 0.0, 1.0)
        for part in self.body_parts:
            _choice("GenerateOptions.body_parts", part, BODY_PARTS)
        if not isinstance(self.flame_map_path, str):
            raise InputError(f"GenerateOptions.flame_map_path: expected a path string, found {self.flame_map_path!r}")
        if not isinstance(self.transcript, str):
            raise InputError(f"GenerateOptions.transcript: expected the spoken words as a string, found {self.transcript!r}")
        if not (self.face or self.body):
            raise InputError("GenerateOptions: expected face and/or body, found neither")
        if not isinstance(self.backend_options, Mapping):
            raise InputError("GenerateOptions.backend_options: expected a mapping {backend: {option: value}}, "
                             f"found {type(self.backend_options).__name__}")
        frozen = FrozenMapping(self.backend_options, "GenerateOptions.backend_options")
        for name, opts in frozen.items():
            if not isinstance(opts, Mapping):
                raise InputError(f"GenerateOptions.backend_options[{name!r}]: expected a mapping of options, "
                                 f"found {opts!r}")
        object.__setattr__(self, "backend_options", frozen)
        if isinstance(self.backend_modules, str) or not all(isinstance(m, str) and m for m in self.backend_modules):
            raise InputError("GenerateOptions.backend_modules: expected a list of module names or .py paths, "
                             f"found {self.backend_modules!r}")
        object.__setattr__(self, "backend_modules", tuple(self.backend_modules))
        object.__setattr__(self, "body_parts", tuple(self.body_parts))

    # --- the one builder / serialiser ------------------------------------------------------------

    def to_mapping(self) -> dict:
        """A JSON-able ``dict`` of every field; :meth:`from_mapping` of it gives an equal object."""
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        out["body_parts"] = list(self.body_parts)
        out["gesture"] = {f.name: getattr(self.gesture, f.name) for f in fields(GestureStyle)}
        out["backend_options"] = self.backend_options.to_plain()
        out["backend_modules"] = list(self.backend_modules)
        out["emotion"] = self.emotion.to_mapping()
        out["style"] = self.style.to_mapping()
        return out

    @classmethod
    def from_mapping(cls, values: Mapping) -> "GenerateOptions":
        """Build options from a (partial) mapping; missing keys keep their defaults.

        Besides the field names it accepts ``what`` (``"face"``, ``"body"`` or ``"both"``, any case;
        sets ``face``/``body``), ``fps_base`` (``fps`` is then the scene's ``fps`` and the rate is
        ``fps / fps_base``, :func:`inference.timebase.scene_rate`), ``body_parts`` as a
        comma-separated string, ``gesture`` as a mapping, and ``device`` in any case. ``None``
        values mean "default".

        Raises:
            InputError: an unknown key (the message lists the valid keys) or an invalid value.
        """
        names = [f.name for f in fields(cls)]
        valid = names + ["what", "fps_base"]
        d = {k: v for k, v in dict(values).items() if v is not None}
        unknown = sorted(set(d) - set(valid))
        if unknown:
            raise InputError(f"GenerateOptions: unknown option(s) {unknown}; expected some of {sorted(valid)}")
        if "what" in d:
            what = str(d.pop("what")).lower()
            _choice("GenerateOptions.what", what, tuple(WHAT))
            d["face"], d["body"] = WHAT[what]
        if "fps_base" in d:
            from .timebase import scene_rate

            d["fps"] = scene_rate(d.get("fps", 30.0), d.pop("fps_base"))
        if isinstance(d.get("device"), str):
            d["device"] = d["device"].lower()
        if isinstance(d.get("body_parts"), str):
            d["body_parts"] = tuple(p.strip() for p in d["body_parts"].split(",") if p.strip())
        gesture = d.get("gesture")
        if isinstance(gesture, Mapping):
            gnames = [f.name for f in fields(GestureStyle)]
            bad = sorted(set(gesture) - set(gnames))
            if bad:
                raise InputError(f"GenerateOptions.gesture: unknown key(s) {bad}; expected some of {gnames}")
            d["gesture"] = GestureStyle(**gesture)
        elif gesture is not None and not isinstance(gesture, GestureStyle):
            raise InputError(f"GenerateOptions.gesture: expected a mapping or GestureStyle, found {gesture!r}")
        for key in ("face", "body", "procedural_face"):
            if key in d and not isinstance(d[key], bool):
                raise InputError(f"GenerateOptions.{key}: expected true or false, found {d[key]!r}")
        if "seed" in d and (isinstance(d["seed"], bool) or not isinstance(d["seed"], int)):
            raise InputError(f"GenerateOptions.seed: expected an integer, found {d['seed']!r}")
        return cls(**d)


def parse_backend_options(items) -> dict:
    """``{backend: {option: value}}`` from command-line items ``"BACKEND.OPTION=VALUE"``.

    Both CLIs use it for their repeatable ``--backend-option`` argument. ``VALUE`` is read as JSON
    when it parses (``0.5``, ``true``, ``[1, 2]``, ``"text"``), else taken as a plain string.

    Raises:
        InputError: an item is not of the form ``BACKEND.OPTION=VALUE`` (the message shows it).
    """
    import json

    out: dict = {}
    for item in items or ():
        key, sep, raw = str(item).partition("=")
        backend, dot, option = key.partition(".")
        if not (sep and dot and backend.strip() and option.strip()):
            raise InputError(f"--backend-option: expected BACKEND.OPTION=VALUE (e.g. lipsync.chunk_s=4), found {item!r}")
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        out.setdefault(backend.strip(), {})[option.strip()] = value
    return out
