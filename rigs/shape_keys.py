"""Match a mesh's shape-key names to the 52 ARKit blendshapes.

Matching order (first hit wins; a shape key drives at most one ARKit name):

1. user overrides (``{arkit_name: key or (keys, ...)}``),
2. exact ARKit names,
3. the best-scoring vendor preset of :mod:`rigs.face_presets` (exact, then case-insensitive),
4. a generic token match: the key's last path component (after ``.``, ``:`` or ``|``, so
   ``blendShape1.jawOpen`` and ``Face.M_F00_000_00_Fcl_...`` work) is split into words at
   ``_``, spaces, digits and camelCase humps, side words are unified (``L``/``Lf``/``Left`` ->
   left, ``R``/``Rt``/``Right`` -> right), numbered prefixes like ``A01`` and filler words
   (``ctrl``, ``expressions``, ``arkit``, ``bs``, ``blendshape``, ``shape``, ``key``, ``morph``)
   are dropped, and the remaining word multiset is compared with the ARKit name's
   (``Eye_L_Look_Down`` == ``eyeLookDownLeft``, ``jaw_open`` == ``jawOpen``,
   ``mouthSmile_L`` == ``mouthSmileLeft``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Iterable, Mapping

from .arkit import ARKIT_INDEX, ARKIT_NAMES
from .face_presets import FACE_PRESETS

_FILLER = {"ctrl", "expressions", "expression", "arkit", "bs", "blendshape", "blendshapes", "shape",
           "shapes", "key", "morph", "fcl", "all", "mth", "brw", "face"}
_SIDE = {"l": "left", "lf": "left", "lt": "left", "left": "left",
         "r": "right", "rt": "right", "right": "right"}
_BASIS = {"basis", "base", "neutral", "reference"}


def name_tokens(name: str) -> tuple[str, ...]:
    """Normalised, sorted word tuple of a shape-key ``name`` (see module docstring)."""
    leaf = re.split(r"[.:|]", name)[-1]
    leaf = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", leaf)
    leaf = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", leaf)
    words = [w.lower() for w in re.split(r"[^A-Za-z]+|(?<=[A-Za-z])(?=\d)", leaf) if w]
    out = []
    for w in words:
        if w in _FILLER or re.fullmatch(r"[a-z]\d*", w) and w not in _SIDE:
            continue
        out.append(_SIDE.get(w, w))
    return tuple(sorted(out))


_ARKIT_BY_TOKENS: dict[tuple[str, ...], str] = {name_tokens(n): n for n in ARKIT_NAMES}  # 52 distinct (tested)


@dataclass(frozen=True)
class FaceMatch:
    """Result of :func:`match_shape_keys`.

    Attributes:
        mapping: read-only ``{arkit_name: (shape_key, ...)}`` for every matched ARKit name.
        missing: ARKit names with no key (in ARKit order); never zero-filled into other keys.
        unmapped: shape keys that drive nothing (the basis key excluded), in input order.
        preset: the vendor preset that matched most keys (``"arkit"``, ``"cc4_extended"``, ...),
            ``"generic"`` when none contributed, ``"none"`` when nothing matched.
        how: read-only ``{arkit_name: "override" | "exact" | "preset" | "generic"}``.
    """

    mapping: Mapping[str, tuple[str, ...]]
    missing: tuple[str, ...]
    unmapped: tuple[str, ...]
    preset: str
    how: Mapping[str, str]

    @property
    def num_matched(self) -> int:
        """Number of ARKit names with at least one key."""
        return len(self.mapping)


def match_shape_keys(key_names: Iterable[str], preset: str | None = None,
                     overrides: Mapping[str, object] | None = None) -> FaceMatch:
    """Match shape-key names to the 52 ARKit names.

    Args:
        key_names: shape-key names of one mesh (or the union over several), e.g.
            ``[k.name for k in mesh.shape_keys.key_blocks]``.
        preset: force one of :data:`rigs.face_presets.FACE_PRESETS` (default: the best scoring).
        overrides: ``{arkit_name: key_name or (key_names, ...)}`` applied first; an empty string
            or empty tuple marks the ARKit name as deliberately unmapped.

    Returns:
        :class:`FaceMatch`.

    Raises:
        KeyError: an override names something that is not an ARKit name (close matches listed).
        ValueError: ``preset`` is unknown (valid choices listed) or an override names a key
            that is not in ``key_names``.
    """
    keys = [str(k) for k in key_names]
    key_set = set(keys)
    used: set[str] = set()
    mapping: dict[str, tuple[str, ...]] = {}
    how: dict[str, str] = {}
    blocked: set[str] = set()

    def take(arkit: str, cands: Iterable[str], kind: str) -> None:
        got = tuple(k for k in cands if k in key_set and k not in used)
        if got and arkit not in mapping and arkit not in blocked:
            mapping[arkit] = got
            how[arkit] = kind
            used.update(got)

    for arkit, val in (overrides or {}).items():
        if arkit not in ARKIT_INDEX:
            from .arkit import arkit_index

            arkit_index(arkit)  # raises KeyError with close matches
        vals = (val,) if isinstance(val, str) else tuple(val or ())
        vals = tuple(v for v in vals if v)
        bad = [v for v in vals if v not in key_set]
        if bad:
            raise ValueError(f"overrides[{arkit!r}]: shape key(s) {bad} not found; available: {sorted(key_set)[:20]}")
        if not vals:
            blocked.add(arkit)
        take(arkit, vals, "override")

    for arkit in ARKIT_NAMES:
        take(arkit, (arkit,), "exact")

    if preset is not None and preset not in FACE_PRESETS:
        raise ValueError(f"preset: expected one of {sorted(FACE_PRESETS)}, found {preset!r}")
    scores = {}
    for name, table in FACE_PRESETS.items():
        scores[name] = sum(1 for ks in table.values() for k in ks if _find(k, keys, key_set))
    chosen = preset or max(scores, key=lambda n: (scores[n], n == "arkit"))
    if preset is None and scores[chosen] == 0:
        chosen = "arkit"
    for arkit, cands in FACE_PRESETS[chosen].items():
        take(arkit, [f for f in (_find(k, keys, key_set) for k in cands) if f], "preset")

    leaves = {}
    for k in keys:
        if k in used:
            continue
        tok = name_tokens(k)
        arkit = _ARKIT_BY_TOKENS.get(tok)
        if arkit is not None:
            leaves.setdefault(arkit, k)
    for arkit, k in leaves.items():
        take(arkit, (k,), "generic")

    kinds = set(how.values())
    if not mapping:
        label = "none"
    elif "preset" in kinds or chosen != "arkit":
        label = chosen
    elif "generic" in kinds and "exact" not in kinds:
        label = "generic"
    else:
        label = "arkit"
    ordered = {a: mapping[a] for a in ARKIT_NAMES if a in mapping}
    return FaceMatch(
        mapping=MappingProxyType(ordered),
        missing=tuple(a for a in ARKIT_NAMES if a not in mapping),
        unmapped=tuple(k for k in keys if k not in used and k.lower() not in _BASIS),
        preset=label,
        how=MappingProxyType({a: how[a] for a in ordered}),
    )


def _find(name: str, keys: list[str], key_set: set[str]) -> str | None:
    """``name`` itself, else the first key equal to it ignoring case or ending in it after a
    separator (``Face.M_F00_000_00_Fcl_EYE_Close_L`` for ``Fcl_EYE_Close_L``)."""
    if name in key_set:
        return name
    low = name.lower()
    for k in keys:
        kl = k.lower()
        if kl == low or (kl.endswith(low) and not kl[-len(low) - 1].isalnum()):
            return k
    return None
