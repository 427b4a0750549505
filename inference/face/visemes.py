"""Viseme tables: viseme definitions, ARPAbet phoneme -> viseme map, viseme -> ARKit-52 weights.

The numbers live in data files next to this module, each stating its sources:

- ``data/visemes.json``: viseme names, descriptions, ARKit weights and Cohen & Massaro (1993)
  dominance parameters per channel group;
- ``data/phoneme_visemes.json``: the 39 CMU-dictionary ARPAbet phonemes plus ``sil``/``sp`` ->
  viseme sequence (diphthongs get two visemes with duration shares), and silence/noise aliases.

Pure numpy + json; loaded once and cached. Never imports bpy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from .._rigs import arkit

DATA_DIR = Path(__file__).resolve().parent / "data"
GROUPS: tuple[str, ...] = ("jaw", "lips", "round", "tongue")
_STRESS = re.compile(r"[0-2]$")


@dataclass(frozen=True)
class VisemeTables:
    """All viseme tables as arrays.

    Attributes:
        names: ``(V,)`` viseme names, ``names[0] == "sil"``.
        weights: ``(V, 52)`` float32 ARKit target per viseme, values in [0, 1], ARKit order.
        dominance: ``(V, 4, 3)`` float64 per viseme and group (``GROUPS``): ``alpha`` (peak
            dominance, > 0), ``anticipation_s`` and ``carryover_s`` (decay time constants, s).
        channel_group: ``(52,)`` int, group index of each ARKit channel, -1 = not driven by speech.
        closure: ``(V,)`` bool, True for visemes that must reach full lip closure (bilabials).
        phone_visemes: ARPAbet phoneme (lower case, no stress) -> tuple of ``(viseme index, share)``.
        silence_aliases: labels treated as silence (lower case).
    """

    names: tuple[str, ...]
    weights: np.ndarray
    dominance: np.ndarray
    channel_group: np.ndarray
    closure: np.ndarray
    phone_visemes: dict
    silence_aliases: frozenset

    @property
    def phonemes(self) -> tuple[str, ...]:
        """The phoneme labels accepted (ARPAbet, lower case, no stress digits)."""
        return tuple(sorted(self.phone_visemes))


@lru_cache(maxsize=1)
def load_tables() -> VisemeTables:
    """Load and validate ``data/visemes.json`` and ``data/phoneme_visemes.json``.

    Raises:
        ValueError: a table names an unknown ARKit channel, viseme or group, or a weight is
            outside [0, 1], or diphthong shares do not sum to 1.
    """
    vis = json.loads((DATA_DIR / "visemes.json").read_text(encoding="utf-8"))
    pho = json.loads((DATA_DIR / "phoneme_visemes.json").read_text(encoding="utf-8"))
    names = tuple(vis["visemes"])
    if names[0] != "sil":
        raise ValueError(f"visemes.json: first viseme must be 'sil', found {names[0]!r}")
    channel_group = np.full(arkit.NUM_ARKIT, -1, dtype=np.int64)
    for g, chans in vis["groups"].items():
        if g not in GROUPS:
            raise ValueError(f"visemes.json: unknown group {g!r}; valid: {GROUPS}")
        for c in chans:
            channel_group[arkit.arkit_index(c)] = GROUPS.index(g)
    weights = np.zeros((len(names), arkit.NUM_ARKIT), dtype=np.float32)
    dominance = np.zeros((len(names), len(GROUPS), 3), dtype=np.float64)
    closure = np.zeros(len(names), dtype=bool)
    for v, name in enumerate(names):
        entry = vis["visemes"][name]
        for c, w in entry["weights"].items():
            i = arkit.arkit_index(c)
            if not 0.0 <= w <= 1.0 or channel_group[i] < 0:
                raise ValueError(f"visemes.json: {name}.{c}={w}: expected a grouped channel in [0, 1]")
            weights[v, i] = w
        for g in GROUPS:
            dominance[v, GROUPS.index(g)] = entry["dominance"][g]
        closure[v] = bool(entry.get("closure", False))
    if np.any(dominance <= 0):
        raise ValueError("visemes.json: dominance parameters must all be > 0")
    phone_visemes = {}
    for ph, seq in pho["phonemes"].items():
        items = []
        for vname, share in seq:
            if vname not in names:
                raise ValueError(f"phoneme_visemes.json: {ph!r} -> unknown viseme {vname!r}; valid: {names}")
            items.append((names.index(vname), float(share)))
        if abs(sum(s for _, s in items) - 1.0) > 1e-6:
            raise ValueError(f"phoneme_visemes.json: shares of {ph!r} do not sum to 1")
        phone_visemes[ph] = tuple(items)
    aliases = frozenset(a.lower() for a in pho["aliases"]["sil"])
    return VisemeTables(names, weights, dominance, channel_group, closure, phone_visemes, aliases)


def normalize_phone(label: str) -> str:
    """Map a phone label to the table's spelling: lower case, stress digit stripped, silence -> ``sil``.

    ``"AH0"`` -> ``"ah"``, ``"SIL"``/``"<sil>"``/``"+NSN+"``/``"sp"`` -> ``"sil"``.

    Raises:
        ValueError: the label is not an ARPAbet phoneme nor a silence/noise label (lists the valid ones).
    """
    t = load_tables()
    s = str(label).strip().lower()
    if s in t.silence_aliases:
        return "sil"
    s = _STRESS.sub("", s)
    if s not in t.phone_visemes:
        raise ValueError(
            f"phone label {label!r}: expected an ARPAbet phoneme (stress digits allowed) or a silence "
            f"label; valid phonemes: {' '.join(t.phonemes)}")
    return s


def viseme_of_phone(label: str) -> str:
    """Name of the (first) viseme of a phone label, e.g. ``"B"`` -> ``"PP"``, ``"OW1"`` -> ``"OH"``."""
    t = load_tables()
    return t.names[t.phone_visemes[normalize_phone(label)][0][0]]


#: ARKit channels used to compare a face pose with the viseme prototypes (nearest viseme).
_NEAREST_CHANNELS = ("jawOpen", "mouthClose", "mouthFunnel", "mouthPucker", "mouthPressLeft",
                     "mouthPressRight", "mouthRollLower", "mouthUpperUpLeft", "mouthUpperUpRight",
                     "mouthLowerDownLeft", "mouthLowerDownRight", "mouthStretchLeft",
                     "mouthStretchRight", "mouthSmileLeft", "mouthSmileRight", "tongueOut")


def nearest_viseme(arkit_frames: np.ndarray) -> np.ndarray:
    """Index of the nearest viseme prototype for every frame (Euclidean, mouth channels).

    Args:
        arkit_frames: ``(T, 52)`` ARKit weights.

    Returns:
        ``(T,)`` int64 indices into :func:`load_tables` ``.names`` (``0`` = ``sil``).

    Raises:
        ValueError: ``arkit_frames`` is not ``(T, 52)``.
    """
    a = np.asarray(arkit_frames, dtype=np.float32)
    if a.ndim != 2 or a.shape[1] != arkit.NUM_ARKIT:
        raise ValueError(f"arkit_frames: expected shape (T, 52), found {a.shape}")
    cols = [arkit.arkit_index(c) for c in _NEAREST_CHANNELS]
    protos = load_tables().weights[:, cols]
    d = ((a[:, None, cols] - protos[None]) ** 2).sum(-1)
    return np.argmin(d, axis=1)
