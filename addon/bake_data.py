"""What a bake takes and gives (channels, targets, result) and the tag of the actions it creates.

Every Action the bake creates carries the custom property ``action["speech_animator"]`` (a dict:
format version, target label, audio, start frame, models, what it displaced). Only actions
carrying it are ever replaced or removed by this extension.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import numpy as np

from . import layers

#: Custom-property key marking actions created by this extension.
TAG = layers.TAG
TAG_VERSION = 2
#: Blender's longest ID name (characters).
MAX_NAME = 63


@dataclass(frozen=True)
class Channel:
    """One animated property.

    Attributes:
        data_path: RNA path relative to the target ID, e.g. ``'key_blocks["jawOpen"].value'``
            or ``'pose.bones["left_elbow"].rotation_quaternion'``.
        index: array index (0 for scalar properties).
        values: ``(T,)`` float32, one value per frame from the start frame, at the scene rate.
        group: F-curve group (bone name for pose bones, ``"ARKit"`` for shape keys).
    """

    data_path: str
    index: int
    values: np.ndarray
    group: str = ""

    @property
    def curve_key(self) -> str:
        """``'data_path[index]'``: the key :func:`addon.digests.curve_key` gives its F-curve."""
        return f"{self.data_path}[{self.index}]"


@dataclass(frozen=True)
class BakeTarget:
    """A datablock to animate and its channels.

    Attributes:
        id_data: the Key datablock (``mesh.shape_keys``) for faces, the armature Object for bodies.
        channels: the channels, all with the same ``T``.
        label: shown to the user, e.g. ``"Face (Head)"``.
        quaternion_bones: pose bones whose ``rotation_mode`` becomes ``'QUATERNION'``.
    """

    id_data: object
    channels: tuple
    label: str
    quaternion_bones: tuple = ()


@dataclass(frozen=True)
class BakeResult:
    """What a bake wrote. ``actions``: names of new actions; ``keys``: keyframes written in total;
    ``dense_keys``: keys a full per-frame bake would have written; ``messages``: user-facing notes."""

    actions: tuple = ()
    keys: int = 0
    dense_keys: int = 0
    messages: tuple = field(default_factory=tuple)


def is_generated(action) -> bool:
    """True when ``action`` was created by this extension."""
    return action is not None and TAG in action.keys()


def tag_of(action) -> dict:
    """The provenance dict stored on a generated action (``{}`` for others). Converts the whole tag,
    including the per-frame originals (:func:`addon.edits.store_original`, ~4 bytes per channel and
    frame): use :func:`tag_value` for one field."""
    if not is_generated(action):
        return {}
    value = action[TAG]
    return value.to_dict() if hasattr(value, "to_dict") else dict(value)


def tag_value(action, key: str, default=None):
    """One field of the tag of a generated action (``default`` when absent or not generated),
    without converting the rest of the tag."""
    if not is_generated(action):
        return default
    return action[TAG].get(key, default)


def action_name(audio_path: str, label: str) -> str:
    """Action name from the audio file stem and the target label, at most 63 characters."""
    stem = os.path.splitext(os.path.basename(audio_path))[0] or "speech"
    return f"{stem} - {label}"[:MAX_NAME]
