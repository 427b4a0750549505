"""Speaking style of a character, learnt from one approved, edited take (MetaFace's idea: adapt a
speaker's style from a few samples; Chen et al. 2023, "MetaFace").

A style is a per-group gain and offset on the ARKit channels, ``edited ~ gain * generated + offset``
fitted by least squares over every frame and channel of the group, plus a blink-rate factor (blinks
in the edited take / blinks in the generated one). Groups (:data:`STYLE_GROUPS`): jaw (jawOpen),
lip width (mouthStretch, mouthSmile), pucker (mouthPucker, mouthFunnel), brow activity (browInnerUp,
browOuterUp, browDown). Applying it keeps the speech's lip semantics: ``mouthClose`` is scaled with
``jawOpen`` (the seal fraction of every frame is kept) and :func:`rigs.arkit.enforce_lip_seal` runs last.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np

from .._rigs import arkit as _arkit
from ..errors import InputError
from ..signal_ops import runs

_I = _arkit.ARKIT_INDEX
#: ``{group: ARKit channels}`` a style scales.
STYLE_GROUPS: dict[str, tuple[str, ...]] = {
    "jaw": ("jawOpen",),
    "lip_width": ("mouthStretchLeft", "mouthStretchRight", "mouthSmileLeft", "mouthSmileRight"),
    "pucker": ("mouthPucker", "mouthFunnel"),
    "brow": ("browInnerUp", "browOuterUpLeft", "browOuterUpRight", "browDownLeft", "browDownRight"),
}
GAIN_RANGE: tuple[float, float] = (0.0, 3.0)
OFFSET_RANGE: tuple[float, float] = (-0.5, 0.5)
BLINK_RATE_RANGE: tuple[float, float] = (0.0, 4.0)
#: A blink is a run of ``eyeBlinkLeft`` above this weight.
BLINK_THRESHOLD: float = 0.5


@dataclass(frozen=True)
class SpeakingStyle:
    """Gains (0..3) and offsets (-0.5..0.5, ARKit weight) per group, and a blink-rate factor (0..4).
    The default is neutral (changes nothing).

    Raises:
        InputError: a value out of range (the message names it).
    """

    jaw_gain: float = 1.0
    jaw_offset: float = 0.0
    lip_width_gain: float = 1.0
    lip_width_offset: float = 0.0
    pucker_gain: float = 1.0
    pucker_offset: float = 0.0
    brow_gain: float = 1.0
    brow_offset: float = 0.0
    blink_rate: float = 1.0

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            lo, hi = (GAIN_RANGE if f.name.endswith("gain") else OFFSET_RANGE if f.name.endswith("offset")
                      else BLINK_RATE_RANGE)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                raise InputError(f"SpeakingStyle.{f.name}: expected a number in [{lo:g}, {hi:g}], found {v!r}")
            object.__setattr__(self, f.name, float(v))

    @property
    def neutral(self) -> bool:
        """True when applying the style changes nothing."""
        return self == SpeakingStyle()

    def to_mapping(self) -> dict:
        """JSON-able ``{field: value}``."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def parse(cls, value, where: str = "style") -> "SpeakingStyle":
        """From ``None`` (neutral), a :class:`SpeakingStyle` or a mapping of its fields.

        Raises:
            InputError: unknown keys (the message lists the fields) or values out of range.
        """
        if value is None or isinstance(value, cls):
            return value or cls()
        if not isinstance(value, Mapping):
            raise InputError(f"{where}: expected a mapping of {[f.name for f in fields(cls)]}, found {value!r}")
        names = [f.name for f in fields(cls)]
        bad = sorted(set(value) - set(names))
        if bad:
            raise InputError(f"{where}: unknown key(s) {bad}; expected some of {names}")
        return cls(**dict(value))


def _check(name: str, a) -> np.ndarray:
    a = np.asarray(a, np.float64)
    if a.ndim != 2 or a.shape[1] != _arkit.NUM_ARKIT:
        raise ValueError(f"{name}: expected shape (T, {_arkit.NUM_ARKIT}), found {a.shape}")
    return a


def blink_runs(arkit: np.ndarray) -> list[tuple[int, int]]:
    """``[(start, end), ...]`` frame runs of ``eyeBlinkLeft > BLINK_THRESHOLD`` in ``(T, 52)`` curves."""
    return runs(np.asarray(arkit)[:, _I["eyeBlinkLeft"]] > BLINK_THRESHOLD)


def estimate_style(generated: np.ndarray, edited: np.ndarray) -> SpeakingStyle:
    """The :class:`SpeakingStyle` that maps a generated take onto the artist's edit of it.

    Args:
        generated, edited: ``(T, 52)`` ARKit weights of the same frames (the take as generated, and
            as the artist approved it).

    Returns:
        Gains/offsets clipped to their ranges; a group whose generated curves barely move (variance
        < 1e-5) keeps gain 1 and gets the mean difference as offset; blink rate 1 when the generated
        take has no blinks.

    Raises:
        ValueError: shapes that are not ``(T, 52)`` or differ.
    """
    g, e = _check("generated", generated), _check("edited", edited)
    if g.shape != e.shape:
        raise ValueError(f"edited: expected the generated take's shape {g.shape}, found {e.shape}")
    values = {}
    for group, names in STYLE_GROUPS.items():
        cols = [_I[n] for n in names]
        x, y = g[:, cols].ravel(), e[:, cols].ravel()
        var = float(x.var()) if x.size else 0.0
        gain = float(np.mean((x - x.mean()) * (y - y.mean())) / var) if var > 1e-5 else 1.0
        gain = float(np.clip(gain, *GAIN_RANGE))
        offset = float(np.clip((y.mean() - gain * x.mean()) if x.size else 0.0, *OFFSET_RANGE))
        values[f"{group}_gain"], values[f"{group}_offset"] = round(gain, 4), round(offset, 4)
    nb, ne = len(blink_runs(g)), len(blink_runs(e))
    values["blink_rate"] = float(np.clip(ne / nb, *BLINK_RATE_RANGE)) if nb else 1.0
    return SpeakingStyle(**values)


def apply_style(arkit: np.ndarray, style: SpeakingStyle) -> np.ndarray:
    """``(T, 52)`` float32 curves in [0, 1] with ``style`` applied (module docstring).

    Blink rate < 1 removes blinks (evenly: blink ``i`` is kept when ``floor((i + 1) r) > floor(i r)``);
    > 1 copies the nearest blink's pulse into the middle of the longest gaps between blinks.

    Raises:
        ValueError: ``arkit`` is not ``(T, 52)``.
    """
    a = _check("arkit", arkit).copy()
    if style.neutral:
        return a.astype(np.float32)
    jaw0 = a[:, _I["jawOpen"]].copy()
    for group, names in STYLE_GROUPS.items():
        cols = [_I[n] for n in names]
        a[:, cols] = a[:, cols] * getattr(style, f"{group}_gain") + getattr(style, f"{group}_offset")
    a = np.clip(a, 0.0, 1.0)
    seal = np.where(jaw0 > 1e-6, a[:, _I["mouthClose"]] / np.maximum(jaw0, 1e-6), 0.0)
    a[:, _I["mouthClose"]] = np.clip(seal, 0.0, 1.0) * a[:, _I["jawOpen"]]     # same seal fraction
    if style.blink_rate != 1.0:
        _blink_rate(a, style.blink_rate)
    return _arkit.enforce_lip_seal(np.clip(a, 0.0, 1.0))


def _blink_rate(a: np.ndarray, rate: float) -> None:
    cols = [_I["eyeBlinkLeft"], _I["eyeBlinkRight"]]
    blinks = blink_runs(a)
    if not blinks:
        return
    # each blink's pulse: out to where the lid is back below 0.05
    lid = a[:, cols[0]]
    pulses = []
    for s, e in blinks:
        while s > 0 and lid[s - 1] > 0.05 and lid[s - 1] <= lid[s]:
            s -= 1
        while e < len(lid) and lid[e] > 0.05 and (e == 0 or lid[e] <= lid[e - 1]):
            e += 1
        pulses.append((s, e))
    if rate < 1.0:
        for i, (s, e) in enumerate(pulses):
            if np.floor((i + 1) * rate) <= np.floor(i * rate):
                a[s:e, cols] = 0.0
        return
    extra = int(round(len(pulses) * (rate - 1.0)))
    bounds = [(0, 0)] + pulses + [(len(lid), len(lid))]
    gaps = sorted(((bounds[i + 1][0] - bounds[i][1], i) for i in range(len(bounds) - 1)), reverse=True)
    for length, i in gaps[:extra]:
        src = pulses[min(max(i - 1, 0), len(pulses) - 1)] if i > 0 else pulses[0]
        width = src[1] - src[0]
        if length < 3 * width:
            continue
        start = bounds[i][1] + (length - width) // 2
        a[start:start + width, cols] = np.maximum(a[start:start + width, cols], a[src[0]:src[1], cols])
