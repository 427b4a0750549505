"""Emotion on the face: categories as FACS action-unit prototypes on the ARKit channels, a keyable
emotion track (timed ``(category, strength)`` keys with linear blends) and the emotion layer that
adds it on top of the speech face without giving up the speech mouth.

Where each category's face comes from
-------------------------------------
Action units (AUs) are those of the Facial Action Coding System: Ekman & Friesen, *Facial Action
Coding System* (1978) and Ekman, Friesen & Hager, *FACS: The Manual / Investigator's Guide* (2002);
the emotion prototypes are EMFACS's (Friesen & Ekman 1983, EMFACS-7; prototype table of the 2002
Investigator's Guide, ch. 12):

- ``joy`` (happiness): AU6 + AU12 (+ AU25 lips part), the Duchenne smile;
- ``sadness``: AU1 + AU4 + AU15 (the variant's AU17 chin raiser is left out, see below);
- ``anger``: AU4 + AU5 + AU7 + AU23;
- ``fear``: AU1 + AU2 + AU4 + AU5 + AU7 + AU20 + AU26;
- ``disgust``: AU9 + AU15 + AU16 (+ AU10 in the AU10 variant);
- ``amazement`` (EMFACS "surprise"): AU1 + AU2 + AU5B + AU26 (5B: slight upper-lid raise).

Categories with NO canonical EMFACS prototype (Audio2Face-3D's list has them); what ours is built on:

- ``grief``: intense sadness. Darwin (1872, ch. VII, the "grief muscles": oblique brows) and
  Ekman & Friesen, *Unmasking the Face* (1975, "sadness-anguish"): AU1 + AU4 + AU6 + AU15 with the
  lids lowered (partial AU43); their AU17 is left out, see below;
- ``pain``: the Prkachin & Solomon (2008) Prkachin-Solomon Pain Intensity core, AU4 + (AU6 | AU7)
  + (AU9 | AU10) + AU43 (Prkachin 1992, "The consistency of facial expressions of pain"); we use all
  of AU4, AU6, AU7, AU9, AU10 and a partial AU43;
- ``cheekiness``: a one-sided smirk. Built on EMFACS's contempt (unilateral AU12 + AU14, Ekman &
  Friesen 1986, "A new pan-cultural facial expression of emotion") plus a raised outer brow on
  the same side (unilateral AU2) and a slight AU6; playful rather than contemptuous by the brow;
- ``out of breath``: not an emotion in FACS; the visible signs of laboured breathing: lips apart
  and jaw dropped (AU25 + AU26), flared nostrils (AU38, which ARKit lacks: approximated by a
  little ``noseSneer``), raised inner brows of effort (AU1) and slightly lowered lids.

AU -> ARKit (``ARFaceAnchor.BlendShapeLocation`` names exactly as Apple spells them; the usual
correspondence, e.g. Apple's per-shape descriptions): AU1 browInnerUp, AU2 browOuterUpLeft/Right,
AU4 browDownLeft/Right, AU5 eyeWideLeft/Right, AU6 cheekSquintLeft/Right, AU7 eyeSquintLeft/Right,
AU9 noseSneerLeft/Right, AU10 mouthUpperUpLeft/Right, AU12 mouthSmileLeft/Right, AU14
mouthDimpleLeft/Right, AU15 mouthFrownLeft/Right, AU16 mouthLowerDownLeft/Right, AU17
mouthShrugLower, AU20 mouthStretchLeft/Right, AU23 mouthPressLeft/Right, AU26 jawOpen, AU43
eyeBlinkLeft/Right. The weights (ARKit weight at strength 1, roughly FACS intensity C-D) are ours.

AU17 (chin raiser, ``mouthShrugLower``) is in no prototype: it pushes the lower lip up (-5.8 mm
of lip gap per unit on the reference head), i.e. it shuts the lips the speech opens; with it,
sadness left the lips shut on 20.6 % of non-bilabial speech frames instead of 13.1 %.

Speech keeps the mouth (:func:`apply_emotion`)
----------------------------------------------
The lip opening is linear in the ARKit weights (morph targets are linear); :data:`LIP_GAP_MM_PER_UNIT`
is the inner-lip gap change per unit weight on Apple's ARKit reference head. Per frame, the
emotion's mouth additions that open the lips are scaled to 0 while the speech face has the lips
within :data:`SHUT_GAP_MM` of shut (a bilabial closure stays sealed, the rest pose in pauses stays
at rest); the additions that close the lips are scaled so the predicted gap never goes below
:data:`MIN_GAP_MM` (no lips pushed through each other), never drops by more than
:data:`MAX_NARROW_MM` (a vowel stays open) and never reaches :data:`CLOSED_GAP_MM` where the speech
has the lips open. The emotion never writes ``mouthClose``; ``jawOpen`` only grows, and
:func:`rigs.arkit.enforce_lip_seal` runs last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .._rigs import arkit as _arkit
from ..errors import InputError

_I = _arkit.ARKIT_INDEX


def _lr(stem: str, w: float) -> dict:
    return {f"{stem}Left": w, f"{stem}Right": w}


#: ``{category: (AUs, {ARKit name: weight at strength 1})}``; module docstring for the sources.
PROTOTYPES: dict[str, tuple[str, dict[str, float]]] = {
    "neutral": ("none", {}),
    "amazement": ("AU1+AU2+AU5B+AU26", {"browInnerUp": 0.8, **_lr("browOuterUp", 0.8), **_lr("eyeWide", 0.5),
                                         "jawOpen": 0.25}),
    "anger": ("AU4+AU5+AU7+AU23", {**_lr("browDown", 0.8), **_lr("eyeWide", 0.35), **_lr("eyeSquint", 0.45),
                                    **_lr("mouthPress", 0.5), **_lr("noseSneer", 0.2)}),
    "cheekiness": ("R12+R14+R2 (+AU6), unilateral", {"mouthSmileRight": 0.6, "mouthDimpleRight": 0.5,
                                                      "browOuterUpRight": 0.6, **_lr("cheekSquint", 0.2),
                                                      "cheekSquintRight": 0.35, "mouthRight": 0.15}),
    "disgust": ("AU9+AU15+AU16 (+AU10)", {**_lr("noseSneer", 0.8), **_lr("mouthFrown", 0.6),
                                           **_lr("mouthLowerDown", 0.3), **_lr("mouthUpperUp", 0.35),
                                           **_lr("browDown", 0.3), **_lr("cheekSquint", 0.3)}),
    "fear": ("AU1+AU2+AU4+AU5+AU7+AU20+AU26", {"browInnerUp": 0.8, **_lr("browOuterUp", 0.4),
                                                **_lr("browDown", 0.25), **_lr("eyeWide", 0.7),
                                                **_lr("eyeSquint", 0.2), **_lr("mouthStretch", 0.6),
                                                "jawOpen": 0.15}),
    "grief": ("AU1+AU4+AU6+AU15+AU43 (partial)", {"browInnerUp": 0.9, **_lr("browDown", 0.4),
                                                        **_lr("cheekSquint", 0.35), **_lr("mouthFrown", 0.8),
                                                        **_lr("eyeBlink", 0.25)}),
    "joy": ("AU6+AU12 (+AU25)", {**_lr("cheekSquint", 0.6), **_lr("mouthSmile", 0.75), **_lr("eyeSquint", 0.25),
                                  **_lr("mouthUpperUp", 0.1)}),
    "out of breath": ("AU1+AU25+AU26+AU38 (~noseSneer)+AU43 (partial)",
                      {"browInnerUp": 0.45, "jawOpen": 0.3, **_lr("mouthLowerDown", 0.25),
                       **_lr("mouthUpperUp", 0.15), **_lr("noseSneer", 0.25), **_lr("eyeBlink", 0.2)}),
    "pain": ("AU4+AU6+AU7+AU9+AU10+AU43 (partial)", {**_lr("browDown", 0.8), **_lr("cheekSquint", 0.6),
                                                      **_lr("eyeSquint", 0.6), **_lr("noseSneer", 0.6),
                                                      **_lr("mouthUpperUp", 0.4), **_lr("eyeBlink", 0.3),
                                                      **_lr("mouthStretch", 0.3)}),
    "sadness": ("AU1+AU4+AU15", {"browInnerUp": 0.8, **_lr("browDown", 0.3), **_lr("mouthFrown", 0.7),
                                  **_lr("eyeBlink", 0.1)}),
}
#: Valid category names (``neutral`` first, then alphabetical; includes Audio2Face-3D's ten).
CATEGORIES: tuple[str, ...] = tuple(PROTOTYPES)
#: ``(C, 52)`` float32 ARKit weights of each category at strength 1, rows in :data:`CATEGORIES` order.
PROTOTYPE_MATRIX: np.ndarray = np.zeros((len(CATEGORIES), _arkit.NUM_ARKIT), np.float32)
for _row, (_aus, _weights) in enumerate(PROTOTYPES.values()):
    for _name, _w in _weights.items():
        PROTOTYPE_MATRIX[_row, _I[_name]] = _w
PROTOTYPE_MATRIX.setflags(write=False)

#: Inner-lip gap change (mm per unit weight) at the mouth midline of Apple's ARKit reference head,
#: measured with tools/eval/reference_head.py (``lip_gauge().response_mm``; tests/test_emotion.py checks
#: it against the head). Keys with |response| < 0.1 mm are left out (they do not move the lips).
LIP_GAP_MM_PER_UNIT: dict[str, float] = {
    "jawOpen": 40.45, "mouthClose": -40.91, "mouthFunnel": 9.24, "mouthShrugUpper": 5.07,
    "mouthUpperUpLeft": 5.00, "mouthUpperUpRight": 5.00, "mouthLowerDownLeft": 4.43, "mouthLowerDownRight": 4.43,
    "mouthPucker": 1.54, "mouthLeft": 0.37, "mouthRight": 0.37, "mouthDimpleLeft": 0.18, "mouthDimpleRight": 0.18,
    "mouthShrugLower": -5.77, "mouthRollUpper": -4.91, "mouthRollLower": -2.80, "jawLeft": -0.40,
    "jawRight": -0.40, "mouthPressLeft": -0.30, "mouthPressRight": -0.30, "jawForward": -0.29,
    "mouthStretchLeft": -0.23, "mouthStretchRight": -0.23, "mouthFrownLeft": -0.20, "mouthFrownRight": -0.20,
}
#: Rest gap of the reference head (mm, all weights 0).
REST_GAP_MM: float = 0.15
#: The lips count as shut below this predicted gap (mm) and fully open above
#: :data:`OPEN_GAP_MM`; in between the emotion may open them proportionally. 3 mm rather than the
#: metrics' 1 mm closure line: with 1 mm, near-closed pause frames opened and rest in pauses fell
#: from 0.963 to 0.945 under amazement (tools/eval/emotion.py, test split); at 3 mm no emotion
#: lowers closure or rest.
SHUT_GAP_MM: float = 3.0
OPEN_GAP_MM: float = 8.0
#: The emotion's lip-closing additions stop where the predicted gap would fall below this (mm;
#: within the metrics' 1 mm of the rest gap, so rest in pauses holds) ...
MIN_GAP_MM: float = -0.5
#: ... or narrow the speech face's lips by more than this (mm): enough for the mouth corners
#: (frown, stretch, press: -0.2 to -0.3 mm per unit each), not for a chin raiser to shut a vowel.
MAX_NARROW_MM: float = 0.5
#: Lips at most this far apart (mm) count as closed (tools/eval/face_metrics.CLOSED_MM); the
#: emotion never takes lips the speech face has open to or below it.
CLOSED_GAP_MM: float = 1.0
_RESPONSE = np.zeros(_arkit.NUM_ARKIT, np.float64)
for _name, _mm in LIP_GAP_MM_PER_UNIT.items():
    _RESPONSE[_I[_name]] = _mm


def _category(name, where: str) -> str:
    key = str(name).strip().lower().replace("_", " ").replace("-", " ")
    if key == "surprise":
        key = "amazement"
    if key not in PROTOTYPES:
        raise InputError(f"{where}: expected an emotion category, one of {', '.join(CATEGORIES)}; found {name!r}")
    return key


def _number(value, where: str, lo: float, hi: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (lo <= float(value) <= hi):
        raise InputError(f"{where}: expected a number in [{lo:g}, {hi:g}], found {value!r}")
    return float(value)


@dataclass(frozen=True)
class EmotionKey:
    """One key of an emotion track.

    Attributes:
        time_s: seconds from the start of the clip (>= 0).
        category: one of :data:`CATEGORIES`.
        strength: 0 (none) .. 1 (the full prototype); up to 2 exaggerates.
    """

    time_s: float
    category: str
    strength: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "time_s", _number(self.time_s, "EmotionKey.time_s", 0.0, 1e7))
        object.__setattr__(self, "category", _category(self.category, "EmotionKey.category"))
        object.__setattr__(self, "strength", _number(self.strength, "EmotionKey.strength", 0.0, 2.0))


@dataclass(frozen=True)
class EmotionSpec:
    """The emotion of a take: timed keys, and/or ``auto`` (arousal from the audio's prosody).

    Attributes:
        keys: :class:`EmotionKey` tuple sorted by time; the emotion holds before the first and after
            the last key and blends linearly between keys (each category's weight is interpolated).
            Keys of different categories at one time mix (their prototypes add); a category absent
            at a key time has weight 0 there.
        auto: when true, a continuous arousal track from the audio (:mod:`inference.face.arousal`)
            scales the expression intensity over the clip (and the keys' strengths, if any).

    Raises:
        InputError: keys not :class:`EmotionKey` or two keys at the same time.
    """

    keys: tuple = ()
    auto: bool = False

    def __post_init__(self) -> None:
        keys = tuple(sorted(self.keys, key=lambda k: getattr(k, "time_s", 0.0)))
        if not all(isinstance(k, EmotionKey) for k in keys):
            raise InputError(f"EmotionSpec.keys: expected EmotionKey items, found {self.keys!r}")
        for a, b in zip(keys, keys[1:]):
            if b.time_s - a.time_s < 1e-6 and any(k.category == b.category for k in keys
                                                  if abs(k.time_s - b.time_s) < 1e-6 and k is not b):
                raise InputError(f"EmotionSpec.keys: two {b.category!r} keys at {a.time_s:g} s; expected one key "
                                 "per category and time")
        if not isinstance(self.auto, bool):
            raise InputError(f"EmotionSpec.auto: expected true or false, found {self.auto!r}")
        object.__setattr__(self, "keys", keys)

    @property
    def active(self) -> bool:
        """True when the spec changes anything (auto, or a key with a non-neutral category)."""
        return self.auto or any(k.category != "neutral" and k.strength > 0 for k in self.keys)

    @classmethod
    def parse(cls, value, where: str = "emotion") -> "EmotionSpec":
        """An :class:`EmotionSpec` from any accepted spelling.

        Accepted: ``None``/``""`` (no emotion); ``"joy"`` or ``"joy:0.8"`` (constant); ``"auto"``;
        ``"auto+joy:0.8"``; an :class:`EmotionSpec`; a list of keys, each ``{"time_s", "emotion"
        (or "category"), "strength"}`` or ``[time_s, category, strength]``; a mapping ``{"auto":
        bool, "keys": [...]}`` (what :meth:`to_mapping` writes, and the batch sidecar format).

        Raises:
            InputError: anything else; the message names ``where``, the valid categories and the
                value found.
        """
        if value is None or isinstance(value, cls):
            return value or cls()
        if isinstance(value, str):
            auto, keys = False, []
            for part in (p.strip() for p in value.split("+")):
                if not part:
                    continue
                if part.lower() == "auto":
                    auto = True
                    continue
                name, _, raw = part.partition(":")
                try:
                    strength = float(raw) if raw.strip() else 1.0
                except ValueError:
                    raise InputError(f"{where}: expected CATEGORY[:STRENGTH] (e.g. joy:0.8) or auto, "
                                     f"found {value!r}") from None
                keys.append(EmotionKey(0.0, _category(name, where), _number(strength, f"{where} strength", 0, 2)))
            if len(keys) > 1:
                raise InputError(f"{where}: expected one constant emotion (use timed keys for changes), found {value!r}")
            return cls(tuple(keys), auto)
        if isinstance(value, Mapping):
            bad = sorted(set(value) - {"auto", "keys"})
            if bad:
                raise InputError(f"{where}: unknown key(s) {bad}; expected 'auto' and/or 'keys'")
            auto = value.get("auto", False)
            if not isinstance(auto, bool):
                raise InputError(f"{where}.auto: expected true or false, found {auto!r}")
            return cls(cls.parse(list(value.get("keys") or ()), where).keys, auto)
        if isinstance(value, (list, tuple)):
            keys = []
            for i, item in enumerate(value):
                if isinstance(item, EmotionKey):
                    keys.append(item)
                elif isinstance(item, Mapping):
                    extra = sorted(set(item) - {"time_s", "emotion", "category", "strength"})
                    if extra:
                        raise InputError(f"{where}[{i}]: unknown key(s) {extra}; expected time_s, emotion, strength")
                    keys.append(EmotionKey(item.get("time_s", 0.0), item.get("emotion", item.get("category", "")),
                                           item.get("strength", 1.0)))
                elif isinstance(item, (list, tuple)) and len(item) in (2, 3):
                    keys.append(EmotionKey(*item))
                else:
                    raise InputError(f"{where}[{i}]: expected {{time_s, emotion, strength}} or [time_s, emotion, "
                                     f"strength], found {item!r}")
            return cls(tuple(keys))
        raise InputError(f"{where}: expected 'CATEGORY:STRENGTH', 'auto', a list of keys or a mapping, found {value!r}")

    def shifted(self, start_s: float) -> "EmotionSpec":
        """The same emotion for a clip that starts ``start_s`` seconds into this one (a long file's
        window): key times minus ``start_s``; keys before it become keys at 0 holding the blend
        there (:func:`category_weights`), so every frame keeps its weights."""
        if start_s <= 0 or not self.keys:
            return self
        t0 = float(start_s)
        w = category_weights(self, 1.0 / t0, 2)[1]               # the weights at exactly t0
        head = [EmotionKey(0.0, c, float(min(w[i], 2.0))) for i, c in enumerate(CATEGORIES) if w[i] > 0]
        tail = [EmotionKey(k.time_s - t0, k.category, k.strength) for k in self.keys if k.time_s - t0 > 1e-6]
        return EmotionSpec(tuple(head or [EmotionKey(0.0, "neutral", 0.0)]) + tuple(tail), self.auto)

    def to_mapping(self) -> dict:
        """JSON-able ``{"auto": bool, "keys": [[time_s, category, strength], ...]}``."""
        return {"auto": self.auto, "keys": [[k.time_s, k.category, k.strength] for k in self.keys]}


def category_weights(spec: EmotionSpec, fps: float, frames: int) -> np.ndarray:
    """``(frames, C)`` float32 weight of each category (:data:`CATEGORIES` order) per frame.

    Frame ``i`` is at ``i / fps`` s. Each key time gives a row (the strengths of the categories keyed
    there, 0 for the others); rows are linearly interpolated between key times and held outside
    them (all zero without keys).

    Raises:
        InputError: ``fps`` not positive or ``frames`` negative.
    """
    if not (isinstance(fps, (int, float)) and fps > 0):
        raise InputError(f"fps: expected a positive frame rate, found {fps!r}")
    if frames < 0:
        raise InputError(f"frames: expected >= 0, found {frames!r}")
    out = np.zeros((frames, len(CATEGORIES)), np.float32)
    if not spec.keys:
        return out
    t = np.arange(frames) / float(fps)
    times: list[float] = []
    for k in spec.keys:                                   # sorted: group keys closer than 1 us
        if not times or k.time_s - times[-1] >= 1e-6:
            times.append(k.time_s)
    rows = np.zeros((len(times), len(CATEGORIES)))
    for k in spec.keys:
        rows[int(np.argmin(np.abs(np.array(times) - k.time_s))), CATEGORIES.index(k.category)] = k.strength
    for c in range(len(CATEGORIES)):
        if rows[:, c].any():
            out[:, c] = np.interp(t, np.array(times), rows[:, c])
    return out


def predicted_gap_mm(arkit: np.ndarray) -> np.ndarray:
    """``(T,)`` float64 inner-lip gap (mm) the linear reference-head model predicts for ``(T, 52)``
    weights (:data:`LIP_GAP_MM_PER_UNIT`, :data:`REST_GAP_MM`); negative = lips crossing."""
    return REST_GAP_MM + np.asarray(arkit, np.float64) @ _RESPONSE


def apply_emotion(arkit: np.ndarray, weights: np.ndarray, gain: np.ndarray | None = None) -> np.ndarray:
    """Add the emotion layer to speech-face ARKit curves.

    Args:
        arkit: ``(T, 52)`` ARKit weights in [0, 1] (the finished speech face, procedural layer included).
        weights: ``(T, C)`` category weights (:func:`category_weights`).
        gain: optional ``(T,)`` expression-intensity factor (auto arousal, about 0.8 .. 1.2) applied
            to the speech channels (:data:`rigs.arkit.SPEECH_CHANNELS`), the brows and the emotion.

    Returns:
        ``(T, 52)`` float32 in [0, 1], ``mouthClose <= jawOpen`` on every frame. Frames whose lips the
        speech face shut keep them shut, in speech and in pauses alike (opening additions scaled to
        0 below :data:`SHUT_GAP_MM`: an amazed jaw drop shows on the open vowels, a bilabial and the
        rest pose stay closed); lip-closing additions never take the predicted gap below
        :data:`MIN_GAP_MM`, nor narrow the lips by more than :data:`MAX_NARROW_MM`.

    Raises:
        ValueError: shapes that do not match.
    """
    base = np.asarray(arkit, np.float32)
    w = np.asarray(weights, np.float32)
    if base.ndim != 2 or base.shape[1] != _arkit.NUM_ARKIT:
        raise ValueError(f"arkit: expected shape (T, {_arkit.NUM_ARKIT}), found {base.shape}")
    if w.shape != (base.shape[0], len(CATEGORIES)):
        raise ValueError(f"weights: expected shape ({base.shape[0]}, {len(CATEGORIES)}), found {w.shape}")
    out = base.astype(np.float64)
    if gain is not None:
        g = np.asarray(gain, np.float64).reshape(-1)
        if g.shape[0] != base.shape[0]:
            raise ValueError(f"gain: expected shape ({base.shape[0]},), found {g.shape}")
        cols = [_I[n] for n in _arkit.ARKIT_NAMES if n in _arkit.SPEECH_CHANNELS or n.startswith("brow")]
        shut = np.clip((predicted_gap_mm(out) - SHUT_GAP_MM) / (OPEN_GAP_MM - SHUT_GAP_MM), 0.0, 1.0)
        g = np.minimum(g, 1.0) + np.maximum(g - 1.0, 0.0) * shut    # a gain > 1 never opens shut lips
        out[:, cols] *= g[:, None]
        w = w * g[:, None].astype(np.float32)
        out = np.asarray(_arkit.enforce_lip_seal(np.clip(out, 0.0, 1.0)), np.float64)
    add = w.astype(np.float64) @ PROTOTYPE_MATRIX.astype(np.float64)          # (T, 52)
    add = np.minimum(add, 1.0 - out)                                           # room left on each channel
    add[:, _I["mouthClose"]] = 0.0
    gap = predicted_gap_mm(out)
    opening = add * np.maximum(_RESPONSE, 0.0)
    closing = add * np.minimum(_RESPONSE, 0.0)
    open_ok = np.clip((gap - SHUT_GAP_MM) / (OPEN_GAP_MM - SHUT_GAP_MM), 0.0, 1.0)
    # the closing budget goes first to the mouth-corner keys (|response| < 1 mm: frown, stretch,
    # press), then to the lip movers (mouthShrugLower, mouthRoll*; in no prototype today)
    small = (_RESPONSE < 0) & (_RESPONSE > -1.0)
    floor = np.maximum(MIN_GAP_MM, gap - MAX_NARROW_MM)
    floor = np.where(gap > CLOSED_GAP_MM, np.maximum(floor, CLOSED_GAP_MM + 0.05), floor)  # open stays open
    room = np.maximum(gap + opening.sum(axis=1) * open_ok - floor, 0.0)
    push_small, push_big = -closing[:, small].sum(axis=1), -closing[:, _RESPONSE <= -1.0].sum(axis=1)
    ok_small = np.minimum(1.0, room / np.maximum(push_small, 1e-9))
    ok_big = np.minimum(1.0, np.maximum(room - push_small * ok_small, 0.0) / np.maximum(push_big, 1e-9))
    scale = np.ones_like(add)
    scale[:, _RESPONSE > 0] = open_ok[:, None]
    scale[:, small] = ok_small[:, None]
    scale[:, _RESPONSE <= -1.0] = ok_big[:, None]
    out += add * scale
    return _arkit.enforce_lip_seal(np.clip(out, 0.0, 1.0))
