"""Fallbacks for faces without ARKit shape keys: viseme sets, a jaw bone, one "open mouth" key.

ARKit curves are converted by documented linear maps, each built from data in this file:

- **Viseme sets** (VRM 0.x/1.0 ``A I U E O`` / ``aa ih ou ee oh``; Oculus/Meta OVRLipSync's 15
  visemes ``sil PP FF TH DD kk CH SS nn RR aa E ih oh ou``, as used by Ready Player Me with a
  ``viseme_`` prefix). Each viseme has an ARKit *template* (the mouth pose it looks like, in
  :data:`VISEME_TEMPLATES`, our own estimates from the Oculus viseme reference pictures and the
  VRM vowel shapes). The conversion is the ridge-regularised least-squares projection of the ARKit
  mouth channels onto those templates, ``W = (V^T V + lambda I)^-1 V^T`` (V: templates as
  columns), then clipped to [0, 1]; ``sil`` = 1 - (sum of the others), clipped. ``W`` is a fixed
  (K, 52) matrix computed once from the templates: :func:`viseme_matrix`.
- **Jaw bone**: the project's one ARKit -> jaw mapping, :func:`rigs.face_coupling.arkit_to_jaw_pose`
  (SMPL-X jaw joint convention, +X opens; re-exported here as :func:`arkit_to_jaw_pose`).
- **Single open-mouth key** (``mouthOpen``, ``MouthOpen``, ``open_mouth``, ``Fcl_MTH_A`` ...):
  value = ``jawOpen`` (the open-mouth key of Ready Player Me and similar rigs is a jaw opening).
"""

from __future__ import annotations

import re
from typing import Iterable

import numpy as np

from .arkit import ARKIT_INDEX, NUM_ARKIT
from .face_coupling import arkit_to_jaw_pose  # noqa: F401  (the one jaw mapping, re-exported)


_V = {
    # Oculus / OVRLipSync visemes: ARKit template poses (mouth/jaw channels only).
    # Bilabial: jaw nearly shut, lips sealed. ARKit's mouthClose ("closure of the lips independent
    # of jaw position", ARFaceAnchor.BlendShapeLocation) cancels jawOpen's lip opening, so it
    # equals jawOpen here, never more (more crosses the lips on a real ARKit head); press and
    # roll within rigs.arkit.SEALED_LIMITS.
    "PP": {"jawOpen": 0.06, "mouthClose": 0.06, "mouthPressLeft": 0.3, "mouthPressRight": 0.3,
           "mouthRollLower": 0.1},
    "FF": {"mouthRollLower": 0.6, "mouthUpperUpLeft": 0.3, "mouthUpperUpRight": 0.3, "jawOpen": 0.1},
    "TH": {"jawOpen": 0.2, "tongueOut": 0.5},
    "DD": {"jawOpen": 0.25, "mouthStretchLeft": 0.2, "mouthStretchRight": 0.2},
    "kk": {"jawOpen": 0.3, "mouthStretchLeft": 0.15, "mouthStretchRight": 0.15},
    "CH": {"jawOpen": 0.15, "mouthFunnel": 0.5, "mouthShrugUpper": 0.3},
    "SS": {"jawOpen": 0.1, "mouthStretchLeft": 0.35, "mouthStretchRight": 0.35, "mouthSmileLeft": 0.2,
           "mouthSmileRight": 0.2},
    "nn": {"jawOpen": 0.2, "mouthClose": 0.1},
    "RR": {"jawOpen": 0.2, "mouthPucker": 0.4, "mouthFunnel": 0.2},
    "aa": {"jawOpen": 0.7, "mouthLowerDownLeft": 0.3, "mouthLowerDownRight": 0.3},
    "E": {"jawOpen": 0.35, "mouthStretchLeft": 0.4, "mouthStretchRight": 0.4},
    "ih": {"jawOpen": 0.2, "mouthSmileLeft": 0.4, "mouthSmileRight": 0.4},
    "oh": {"jawOpen": 0.45, "mouthFunnel": 0.6},
    "ou": {"jawOpen": 0.15, "mouthPucker": 0.8, "mouthFunnel": 0.3},
}

#: viseme set -> ordered viseme names (the templates of the vowels are shared with Oculus').
VISEME_SETS: dict[str, tuple[str, ...]] = {
    "oculus": ("sil", "PP", "FF", "TH", "DD", "kk", "CH", "SS", "nn", "RR", "aa", "E", "ih", "oh", "ou"),
    "vrm": ("aa", "ih", "ou", "E", "oh"),
}

#: Spellings of each viseme seen on real characters (compared case-insensitively, after
#: stripping a ``viseme_``/``vrc.v_``/``Fcl_MTH_`` prefix). VRM 1.0: aa ih ou ee oh; VRM 0.x: A I U E O.
VISEME_ALIASES: dict[str, tuple[str, ...]] = {
    "sil": ("sil",), "PP": ("pp",), "FF": ("ff",), "TH": ("th",), "DD": ("dd",), "kk": ("kk",),
    "CH": ("ch",), "SS": ("ss",), "nn": ("nn",), "RR": ("rr",),
    "aa": ("aa", "a"), "E": ("e", "ee"), "ih": ("ih", "i"), "oh": ("oh", "o"), "ou": ("ou", "u"),
}

OPEN_MOUTH_NAMES: tuple[str, ...] = ("mouthopen", "openmouth", "mouth_open", "open_mouth", "mouth open",
                                     "jaw_open_simple", "fcl_mth_a", "mth_a")

_LAMBDA = 0.05


def viseme_templates(names: Iterable[str]) -> np.ndarray:
    """ARKit templates ``(52, K)`` float64 of visemes ``names`` (``sil`` is the zero pose)."""
    names = list(names)
    v = np.zeros((NUM_ARKIT, len(names)))
    for j, n in enumerate(names):
        for a, w in _V.get(n, {}).items():
            v[ARKIT_INDEX[a], j] = w
    return v


def viseme_matrix(names: Iterable[str]) -> np.ndarray:
    """The ``(K, 52)`` linear map from ARKit weights to viseme weights (before clipping).

    ``W = (V^T V + 0.05 I)^-1 V^T`` with ``V`` = :func:`viseme_templates` minus ``sil``'s column
    (``sil`` rows are zero here; :func:`arkit_to_visemes` fills them).
    """
    names = list(names)
    v = viseme_templates(names)
    w = np.linalg.solve(v.T @ v + _LAMBDA * np.eye(len(names)), v.T)
    return w


def arkit_to_visemes(arkit: np.ndarray, names: Iterable[str]) -> np.ndarray:
    """Convert ``(T, 52)`` ARKit curves to ``(T, K)`` float32 viseme weights in [0, 1].

    Args:
        arkit: ``(T, 52)`` in ARKit order.
        names: canonical viseme names from :data:`VISEME_SETS` (e.g. ``VISEME_SETS["vrm"]``).

    Raises:
        ValueError: a name has no template (valid names listed).
    """
    names = list(names)
    bad = [n for n in names if n not in _V and n != "sil"]
    if bad:
        raise ValueError(f"viseme names: {bad} unknown; expected from {sorted(VISEME_ALIASES)}")
    out = np.clip(np.asarray(arkit, np.float64) @ viseme_matrix(names).T, 0.0, 1.0)
    if "sil" in names:
        j = names.index("sil")
        others = np.delete(out, j, axis=1).sum(axis=1)
        out[:, j] = np.clip(1.0 - others, 0.0, 1.0)
    return out.astype(np.float32)


def arkit_to_open_mouth(arkit: np.ndarray) -> np.ndarray:
    """``(T, 52)`` ARKit -> ``(T,)`` float32 value for a single "open mouth" key (= jawOpen)."""
    return np.asarray(arkit, np.float32)[:, ARKIT_INDEX["jawOpen"]].copy()


def find_visemes(key_names: Iterable[str]) -> tuple[str, dict[str, str]]:
    """Find a viseme set among shape-key names.

    Returns:
        ``(set_name, {canonical_viseme: key_name})`` for the set with most hits (``"oculus"``
        needs at least 5 of its 15, ``"vrm"`` all 5 vowels), else ``("", {})``.
    """
    keys = list(key_names)
    stripped = {}
    for k in keys:
        s = k.lower()
        for prefix in ("viseme_", "viseme", "vrc.v_", "fcl_mth_", "mth_"):
            if prefix in s:
                s = s.rsplit(prefix, 1)[-1]
                break
        else:
            s = re.split(r"[.:|]", s)[-1]
        stripped.setdefault(s, k)
    found = {}
    for vis, aliases in VISEME_ALIASES.items():
        for a in aliases:
            if a in stripped:
                found[vis] = stripped[a]
                break
    oculus = {v: k for v, k in found.items() if v in VISEME_SETS["oculus"]}
    consonants = [v for v in oculus if v not in VISEME_SETS["vrm"] and v != "sil"]
    if len(oculus) >= 5 and consonants:
        return "oculus", oculus
    vrm = {v: k for v, k in found.items() if v in VISEME_SETS["vrm"]}
    if len(vrm) == 5:
        return "vrm", vrm
    return "", {}


def find_open_mouth(key_names: Iterable[str]) -> str | None:
    """The first key that looks like a single "open mouth" shape, else ``None``."""
    for k in key_names:
        leaf = re.split(r"[.:|]", k)[-1].lower()
        if leaf in OPEN_MOUTH_NAMES or leaf.replace("_", "").replace(" ", "") in OPEN_MOUTH_NAMES:
            return k
    return None
