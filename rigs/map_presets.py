"""JSON presets for user-edited mappings (face: ARKit name -> shape key(s); body: SMPL-X joint -> bone).

File layout: ``{"version": 1, "kind": "face_map" | "bone_map", "name": str, "map": {source: target}}``
where a face target is a key name or a list of key names.
"""

from __future__ import annotations

import json
import os

from .arkit import ARKIT_INDEX
from .smplx import JOINT_INDEX

PRESET_FILE_VERSION = 1
KINDS = {"face_map": ARKIT_INDEX, "bone_map": JOINT_INDEX}


def save_map(path, kind: str, mapping: dict, name: str = "") -> None:
    """Write ``mapping`` as a preset file.

    Raises:
        ValueError: unknown ``kind`` (valid: ``face_map``, ``bone_map``) or a source name that is
            not an ARKit name / SMPL-X joint.
    """
    valid = _valid(kind)
    bad = [k for k in mapping if k not in valid]
    if bad:
        raise ValueError(f"{kind}: {bad} are not {'ARKit names' if kind == 'face_map' else 'SMPL-X joint names'}")
    data = {"version": PRESET_FILE_VERSION, "kind": kind, "name": name or os.path.splitext(os.path.basename(str(path)))[0],
            "map": {k: (list(v) if isinstance(v, (list, tuple)) else str(v)) for k, v in mapping.items()}}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, sort_keys=True)


def load_map(path, kind: str) -> dict:
    """Read a preset file of ``kind``; returns ``{source: target or [targets]}``.

    Raises:
        ValueError: not JSON, another kind, or unknown source names (the message names the file).
    """
    valid = _valid(kind)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a JSON preset ({exc})") from None
    if not isinstance(data, dict) or data.get("kind") != kind or not isinstance(data.get("map"), dict):
        found = data.get("kind") if isinstance(data, dict) else type(data).__name__
        raise ValueError(f"{path}: expected a {kind!r} preset, found {found!r}")
    bad = [k for k in data["map"] if k not in valid]
    if bad:
        raise ValueError(f"{path}: {bad} are not {'ARKit names' if kind == 'face_map' else 'SMPL-X joint names'}")
    return {str(k): (list(v) if isinstance(v, list) else str(v)) for k, v in data["map"].items()}


def _valid(kind: str):
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {sorted(KINDS)}, found {kind!r}")
    return KINDS[kind]
