"""Bone maps (SMPL-X joint -> armature bone): presets, automatic guessing, confidence, JSON.

:func:`guess_bone_map` tries every preset of :mod:`rigs.bone_presets` (bone names compared after
dropping a ``namespace:`` prefix, case-insensitively) and then fills the remaining joints from
names and hierarchy:

1. **Side detection**: ``.L``/``_L``/``.l``/``_l``/``-L``, ``Left``/``left_``/``L_``/``_L_``
   (``CC_Base_L_``, ``J_Bip_L_``) -> left; the same with R -> right; otherwise centre.
2. **Name words** (after removing the side marker and prefixes like ``DEF-``, ``ORG-``,
   ``mixamorig:``, ``Bip01``): ``upperarm``/``upper_arm``/``arm`` -> shoulder joint,
   ``forearm``/``lowerarm`` -> elbow, ``hand``/``wrist`` -> wrist, ``thigh``/``upleg``/``upperleg``
   -> hip, ``shin``/``calf``/``lowerleg``/``leg`` -> knee, ``foot``/``ankle`` -> ankle,
   ``toe``/``ball`` -> foot, ``clavicle``/``shoulder``/``collar`` -> collar, ``hips``/``pelvis`` ->
   pelvis, ``neck``, ``head``, ``jaw``, fingers by ``thumb|index|middle|ring|pinky|little`` + number.
3. **Chain walking**: the spine is the bone chain from the pelvis bone up to the neck (or head)
   bone; its bones are spread over ``spine1..spine3`` (lowest, middle, highest), extra ones stay
   unmapped (their rotation is folded into the mapped ones). A limb candidate must descend from the
   previous joint's bone (elbow from upper arm, ...), else it is rejected.

The confidence report gives per joint how it was found (``preset``, ``name``, ``chain``) and an
overall score in [0, 1]: the share of the 22 body joints mapped, halved for every hierarchy
violation left (pairs both taken from a preset are trusted: control rigs such as Rigify's FK
controls are not parented joint to joint).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping, Sequence

from .bone_presets import BONE_PRESETS
from .map_presets import load_map, save_map
from .smplx import JOINT_INDEX, JOINT_NAMES, PARENTS
from .tree import is_ancestor, nearest_ancestor

BODY_JOINTS: tuple[str, ...] = JOINT_NAMES[:22]

_SIDE_PATTERNS = (
    (re.compile(r"(?:[._\-\s])([LR])$"), 1), (re.compile(r"(?:[._\-\s])([lr])$"), 1),
    (re.compile(r"^([LR])[._\-]"), 1), (re.compile(r"^([lr])_"), 1),
    (re.compile(r"[_.]([LR])[_.]"), 1),
    (re.compile(r"(Left|Right)"), 1), (re.compile(r"(left|right)"), 1),
)
_PREFIXES = re.compile(r"^(def|org|mch|drv|ctrl|bip\d*|cc_base|j_bip_[clr]|mixamorig\d*)[-_\s.]*", re.I)

_WORDS = [  # (pattern on the side-less lowercase name, joint suffix), first hit wins
    (r"^(hips?|pelvis|root_?hips?)$", "pelvis"),
    (r"(clavicle|collar|shoulder)", "collar"),
    (r"(upper_?arm|up_?arm|^arm)", "shoulder"),
    (r"(fore_?arm|lower_?arm|elbow)", "elbow"),
    (r"(hand|wrist|palm)$", "wrist"),
    (r"(thigh|up_?leg|upper_?leg|^hip$)", "hip"),
    (r"(shin|calf|lower_?leg|knee|^leg)", "knee"),
    (r"(foot|ankle)$", "ankle"),
    (r"(toe|ball)", "foot"),
    (r"^neck", "neck"),
    (r"^head$", "head"),
    (r"^jaw", "jaw"),
]
_FINGER = re.compile(r"(thumb|index|middle|mid|ring|pinky|little)[^0-9]*0?([1-3])?")


@dataclass(frozen=True)
class BoneMapGuess:
    """Result of :func:`guess_bone_map`.

    Attributes:
        mapping: read-only ``{smplx_joint: bone_name}``.
        how: read-only ``{smplx_joint: "preset" | "name" | "chain" | "override"}``.
        preset: best matching preset name, or ``"guess"`` when none matched.
        confidence: overall score in [0, 1] (see module docstring).
        missing: body joints (first 22) without a bone.
        problems: hierarchy violations and other notes.
    """

    mapping: Mapping[str, str]
    how: Mapping[str, str]
    preset: str
    confidence: float
    missing: tuple
    problems: tuple

    def report(self) -> str:
        """Multi-line human-readable confidence report."""
        lines = [f"bone map: preset {self.preset}, confidence {self.confidence:.2f}, "
                 f"{len(self.mapping)} joints mapped"]
        lines += [f"  {j:16s} -> {self.mapping[j]} ({self.how[j]})" for j in JOINT_NAMES if j in self.mapping]
        if self.missing:
            lines.append(f"  missing body joints: {', '.join(self.missing)}")
        lines += [f"  problem: {p}" for p in self.problems]
        return "\n".join(lines)


def _strip_ns(name: str) -> str:
    return name.rsplit(":", 1)[-1]


def side_of(name: str) -> tuple[str, str]:
    """``(side, rest)``: side ``"left"``, ``"right"`` or ``""``, and the name without the marker."""
    base = _strip_ns(name)
    for pat, g in _SIDE_PATTERNS:
        m = pat.search(base)
        if m:
            s = m.group(g).lower()
            side = "left" if s.startswith("l") else "right"
            rest = (base[: m.start(g)] + base[m.end(g):]).strip("._- ")
            return side, rest
    return "", base


def _core(name: str) -> str:
    side, rest = side_of(name)
    rest = _PREFIXES.sub("", rest)
    rest = re.sub(r"([a-z])([A-Z])", r"\1_\2", rest).lower()
    return rest.strip("._- ")


def _below(bone: int, ancestor: int, parents: Sequence[int], joint: str) -> bool:
    """``bone`` descends from ``ancestor``; for the thighs also from its parent (legs often hang
    off the bone above the hips, e.g. RobotExpressive's ``Body``)."""
    return is_ancestor(ancestor, bone, parents, proper=True) or (joint.endswith("_hip") and
        parents[ancestor] >= 0 and is_ancestor(parents[ancestor], bone, parents, proper=True))


def guess_bone_map(names: Sequence[str], parents: Sequence[int], preset: str | None = None,
                   overrides: Mapping[str, str] | None = None) -> BoneMapGuess:
    """Guess ``{smplx_joint: bone}`` for an armature.

    Args:
        names: bone names ``(B,)``.
        parents: parent index per bone (``-1`` for roots).
        preset: force one preset of :data:`rigs.bone_presets.BONE_PRESETS` (default: best scoring).
        overrides: ``{smplx_joint: bone_name}`` applied first (``""`` = leave unmapped).

    Raises:
        ValueError: unknown preset / joint / bone name (valid choices named).
    """
    names = list(names)
    index = {n: i for i, n in enumerate(names)}
    by_low = {}
    for n in names:
        by_low.setdefault(_strip_ns(n).lower(), n)
    mapping: dict[str, str] = {}
    how: dict[str, str] = {}
    blocked = set()
    for j, b in (overrides or {}).items():
        if j not in JOINT_INDEX:
            raise ValueError(f"overrides: {j!r} is not an SMPL-X joint name")
        if not b:
            blocked.add(j)
            continue
        if b not in index:
            raise ValueError(f"overrides[{j!r}]: bone {b!r} not in the armature")
        mapping[j], how[j] = b, "override"
    presets = dict(BONE_PRESETS)
    presets["smplx"] = {j: j for j in JOINT_NAMES}
    if preset is not None and preset not in presets:
        raise ValueError(f"preset: expected one of {sorted(presets)}, found {preset!r}")

    def lookup(b):
        return b if b in index else by_low.get(_strip_ns(b).lower())

    scores = {p: sum(1 for b in t.values() if lookup(b)) for p, t in presets.items()}
    best = preset or max(scores, key=lambda p: scores[p])
    label = best if scores[best] >= 6 or preset else "guess"
    used = set(mapping.values())
    if label != "guess":
        for j, b in presets[best].items():
            found = lookup(b)
            if found and j not in mapping and j not in blocked and found not in used:
                mapping[j], how[j] = found, "preset"
                used.add(found)

    # names
    cands: dict[str, list[int]] = {}
    for i, n in enumerate(names):
        side, _ = side_of(n)
        core = _core(n)
        fm = _FINGER.search(core)
        if fm and side:
            finger = {"mid": "middle", "little": "pinky"}.get(fm.group(1), fm.group(1))
            cands.setdefault(f"{side}_{finger}{fm.group(2) or 1}", []).append(i)
            continue
        for pat, joint in _WORDS:
            if re.search(pat, core):
                if joint in ("pelvis", "neck", "head", "jaw"):
                    if not side:
                        cands.setdefault(joint, []).append(i)
                elif side:
                    cands.setdefault(f"{side}_{joint}", []).append(i)
                break

    def assign(j, i, kind):
        if j in mapping or j in blocked or names[i] in used:
            return False
        mapping[j], how[j] = names[i], kind
        used.add(names[i])
        return True

    for j in JOINT_NAMES:  # parents first
        for i in cands.get(j, []):
            p = nearest_ancestor(JOINT_INDEX[j], PARENTS, lambda a: JOINT_NAMES[a] in mapping)
            if p >= 0 and not _below(i, index[mapping[JOINT_NAMES[p]]], parents, j):
                continue
            if assign(j, i, "name"):
                break

    # spine chain walking
    if "pelvis" in mapping:
        top = next((mapping[j] for j in ("neck", "head") if j in mapping), None)
        if top is not None:
            chain = []
            p = parents[index[top]]
            while p >= 0 and names[p] != mapping["pelvis"]:
                chain.append(p)
                p = parents[p]
            if p >= 0:
                chain = [c for c in reversed(chain) if names[c] not in used]
                slots = [j for j in ("spine1", "spine2", "spine3") if j not in mapping]
                if chain and slots:
                    pick = ([chain[0]] if len(chain) == 1 else
                            [chain[round(k * (len(chain) - 1) / (len(slots) - 1))] for k in range(len(slots))]
                            if len(slots) > 1 else [chain[-1]])
                    pick = list(dict.fromkeys(pick))
                    targets = slots if len(pick) == len(slots) else (
                        ["spine1", "spine3"][: len(pick)] if len(pick) <= 2 else slots)
                    for j, i in zip(targets, pick):
                        assign(j, i, "chain")

    problems = []
    for j, b in mapping.items():
        p = nearest_ancestor(JOINT_INDEX[j], PARENTS, lambda a: JOINT_NAMES[a] in mapping)
        both_preset = how[j] == "preset" and p >= 0 and how[JOINT_NAMES[p]] == "preset"
        if p >= 0 and JOINT_INDEX[j] < 22 and not both_preset and \
                not _below(index[b], index[mapping[JOINT_NAMES[p]]], parents, j):
            problems.append(f"{j} -> {b} is not below {JOINT_NAMES[p]} -> {mapping[JOINT_NAMES[p]]}")
    missing = tuple(j for j in BODY_JOINTS if j not in mapping)
    conf = (len(BODY_JOINTS) - len(missing)) / len(BODY_JOINTS) * 0.5 ** len(problems)
    ordered = {j: mapping[j] for j in JOINT_NAMES if j in mapping}
    return BoneMapGuess(MappingProxyType(ordered), MappingProxyType({j: how[j] for j in ordered}),
                        label, round(conf, 3), missing, tuple(problems))


def save_bone_map(path, mapping: Mapping[str, str], name: str = "") -> None:
    """Write a bone-map preset (JSON, :mod:`rigs.map_presets` layout, kind ``bone_map``)."""
    save_map(path, "bone_map", dict(mapping), name)


def load_bone_map(path) -> dict[str, str]:
    """Read a bone-map preset written by :func:`save_bone_map`.

    Raises:
        ValueError: not a bone-map file, or keys that are not SMPL-X joint names.
    """
    return {k: str(v) for k, v in load_map(path, "bone_map").items()}
