"""The artist's edits of a generated action, frame by frame: what a bake played is stored per
frame (:func:`store_original`), so the frames the artist changed can be told apart and turned into
a *delta* edit layer over a new generated base (:func:`split_edits`), or into prompts
(``addon.prompts``), and the unedited original can be rebuilt (:func:`original_copy`).
"""

from __future__ import annotations

import bpy
import numpy as np

from . import compat
from .layers import TAG, curve_key, is_edited, keep_safe, stamp

#: Difference (value units, or radians for rotations) below which a frame counts as unedited.
EDIT_EPS = 1e-5
#: Custom property of a delta edit layer pointing at the edited action it was split from: a real
#: user of that action (Clear assigns it again, prompts read its keys), so it needs no fake user.
SOURCE_PROP = "speech_animator_source"
#: Appended to the name of an edited generated action whose edits became an edit layer on
#: Regenerate, so the new generated base takes the plain name (no ``.001``).
EDITED_SUFFIX = " (edited)"


def edited_name(name: str) -> str:
    """``'<name> (edited)'``, at most 63 characters (Blender's ID name limit)."""
    return f"{name[:63 - len(EDITED_SUFFIX)]}{EDITED_SUFFIX}"


def store_original(action, frame_start: int, played: dict) -> None:
    """Keep what a bake plays on every frame (``played``: ``{curve_key: (T,) float32}``, frame ``i``
    = scene frame ``frame_start + i``) in the action's tag, so edits can later be told apart key by
    key (:func:`split_edits`). About 4 bytes per channel and frame (:class:`OriginalRows`, which a
    bake uses to write them one channel at a time).

    Raises:
        ValueError: the channels of ``played`` differ in length (names the first that does)."""
    keys = sorted(played)
    rows = OriginalRows(action, frame_start, keys, int(np.shape(played[keys[0]])[0]) if keys else 0)
    for k in keys:
        rows.put(k, played[k])
    rows.finish()


class OriginalRows:
    """The per-frame originals of ``action`` (see :func:`store_original`) written one channel at a
    time, held by Blender only: the tag's float32 array ``(len(keys) * n,)`` (channel ``keys[i]`` at
    ``[i * n, (i + 1) * n)``) is made from untouched zero pages (not resident while Blender copies
    them) and each :meth:`put` writes its channel into that buffer in place, so a bake holds neither
    the channels it played nor a concatenated copy (1 h of the demo character: 119 MB each).

    An action that has originals already (a frame-range Regenerate: what it puts may view the old
    array), or a Blender whose ID-property arrays give no writable buffer, gets the channels
    collected and one concatenated copy at :meth:`finish`. The buffer is looked up through the tag
    on every :meth:`put` (no view of it is kept between calls).

    Args:
        action: a generated action (has the ``TAG`` group); frame_start: scene frame of sample 0.
        keys: sorted curve keys; n: frames per channel."""

    def __init__(self, action, frame_start: int, keys, n: int):
        self.action, self.keys, self.n = action, list(keys), int(n)
        self.row = {k: i for i, k in enumerate(self.keys)}
        tag = action[TAG]
        self.collected = {} if "orig" in tag else None
        tag["orig_keys"] = "\n".join(self.keys)
        tag["orig_first"] = int(frame_start)
        tag["orig_len"] = self.n
        if self.collected is None:
            tag["orig"] = np.zeros(len(self.keys) * self.n, np.float32)   # calloc'd: copying costs no memory
            flat = self._flat()
            if flat is None or not flat.flags.writeable:
                self.collected = {}

    def _flat(self):
        raw = self.action[TAG]["orig"]
        return np.frombuffer(raw, np.float32) if getattr(raw, "typecode", "") == "f" else None

    def put(self, key: str, values) -> None:
        """Store channel ``key``'s ``(n,)`` values (cast to float32).

        Raises:
            ValueError: ``key`` is not one of ``keys`` or ``values`` is not ``(n,)``."""
        if key not in self.row:
            raise ValueError(f"originals: channel {key!r} is not one of the {len(self.keys)} keys given")
        if np.shape(values) != (self.n,):
            raise ValueError(f"originals: channel {key!r}: expected shape ({self.n},), found {np.shape(values)}")
        if self.collected is not None:
            self.collected[key] = values
            return
        i = self.row[key]
        self._flat()[i * self.n:(i + 1) * self.n] = values

    def finish(self) -> None:
        """Write what was collected (the fallback cases); nothing to do otherwise."""
        if self.collected is not None:
            parts = [np.asarray(self.collected[k], np.float32) for k in self.keys if k in self.collected]
            self.action[TAG]["orig"] = np.concatenate(parts or [np.zeros(0, np.float32)])
            self.collected = None


def original_values(action):
    """``(first_frame, {curve_key: (T,) float32})`` stored by :func:`store_original`, or ``None``."""
    tag = action.get(TAG)
    if tag is None or "orig" not in tag:
        return None
    keys = tag["orig_keys"].split("\n") if tag["orig_keys"] else []
    n = int(tag["orig_len"])
    raw = tag["orig"]
    flat = np.frombuffer(raw, np.float32) if getattr(raw, "typecode", "") == "f" else np.asarray(raw, np.float32)
    return int(tag["orig_first"]), {k: flat[i * n:(i + 1) * n] for i, k in enumerate(keys)}


def _qmul(a, b):
    w1, x1, y1, z1 = a.T
    w2, x2, y2, z2 = b.T
    return np.stack([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2, w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                     w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2, w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2], axis=1)


def _unit(q):
    return q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)


def _dilate(mask):
    out = mask.copy()
    out[1:] |= mask[:-1]
    out[:-1] |= mask[1:]
    return out


def _write_delta(container, path, index, group, frames, values) -> None:
    fc = compat.new_fcurve(container, path, index, group)
    fc.keyframe_points.add(len(frames))
    fc.keyframe_points.foreach_set("co", np.stack([frames, values], axis=1).astype(np.float32).ravel())
    linear = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value
    fc.keyframe_points.foreach_set("interpolation", np.full(len(frames), linear, np.int32))
    compat.recalc_handles(fc)


def delta_blend(id_data) -> str:
    """NLA blend of a delta layer: ``ADD`` for shape keys (Blender's ``COMBINE`` does not add shape-key
    values), ``COMBINE`` elsewhere (quaternions multiply, locations add)."""
    return 'ADD' if id_data.id_type == 'KEY' else 'COMBINE'


def split_edits(id_data, action, slot, edited):
    """Turn the artist's edits of a generated action into a *delta* edit layer, assigned on top.

    For every edited curve the difference to what was baked (per frame, over the baked range) is
    keyed where it is not zero, with a zero key on each side: shape keys and locations as
    differences (added), a bone's rotation as ``baked^-1 @ edited`` (Blender's Combine multiplies
    quaternions), so a moved key changes only its neighbourhood of the new base, not the whole
    channel. ``action`` itself is kept unchanged and unassigned, held by the layer
    (:data:`SOURCE_PROP`, an ID pointer: a real user, no fake user; the tag's ``source`` names it):
    Clear assigns it again, prompts read the artist's keys from it.

    Returns:
        The new edit-layer action, or ``None`` when ``action`` has no stored originals (then the
        caller falls back to :func:`make_edit_layer`) or its edits are curves added/removed only.
    """
    stored = original_values(action)
    if stored is None or "*" in edited:
        return None
    first, orig = stored
    n = len(next(iter(orig.values()))) if orig else 0
    frames = first + np.arange(n, dtype=np.float64)
    curves = {curve_key(fc): fc for fc in compat.action_fcurves(action, slot)}
    groups = {}
    for key in edited:
        if key not in orig or key not in curves:
            continue
        path, index = key[:key.rfind("[")], int(key[key.rfind("[") + 1:-1])
        groups.setdefault(path, set()).add(index)
    if not groups:
        return None
    layer, layer_slot = compat.new_action(f"{action.name} edits"[:63], id_data)
    container = compat.fcurve_container(layer, layer_slot)
    spans = 0
    for path, indices in sorted(groups.items()):
        if path.endswith(".rotation_quaternion") and all(f"{path}[{i}]" in curves for i in range(4)):
            base = _unit(np.stack([orig[f"{path}[{i}]"] for i in range(4)], axis=1).astype(np.float64))
            now = _unit(np.array([[curves[f"{path}[{i}]"].evaluate(f) for i in range(4)] for f in frames]))
            delta = _qmul(base * np.array([1.0, -1.0, -1.0, -1.0]), now)
            delta *= np.where(delta[:, :1] < 0, -1.0, 1.0)
            changed = 2 * np.arccos(np.clip(delta[:, 0], -1, 1)) > EDIT_EPS
            keep = _dilate(changed)
            delta[~changed] = (1.0, 0.0, 0.0, 0.0)
            group = curves[f"{path}[0]"].group.name if curves[f"{path}[0]"].group else ""
            for i in range(4):
                _write_delta(container, path, i, group, frames[keep], delta[keep, i])
            spans += int(np.sum(np.diff(np.r_[0, changed.astype(np.int8)]) == 1))
            continue
        for i in sorted(indices):
            key = f"{path}[{i}]"
            fc = curves[key]
            diff = np.array([fc.evaluate(f) for f in frames]) - orig[key]
            changed = np.abs(diff) > EDIT_EPS
            if not changed.any():
                continue
            keep = _dilate(changed)
            diff[~changed] = 0.0
            _write_delta(container, fc.data_path, fc.array_index, fc.group.name if fc.group else "",
                         frames[keep], diff[keep])
            spans += int(np.sum(np.diff(np.r_[0, changed.astype(np.int8)]) == 1))
    tag = {k: v for k, v in action[TAG].to_dict().items() if not k.startswith("orig") and not k.startswith("curve_")}
    tag.update({"role": "edit", "delta": 1, "source": action.name, "spans": spans, "layered": 0})
    layer[TAG] = tag
    stamp(layer, layer_slot)
    layer[SOURCE_PROP] = action
    compat.assign_action(id_data, layer, layer_slot)
    id_data.animation_data.action_blend_type = delta_blend(id_data)
    return layer


def describe_spans(layer) -> str:
    """``'3 edited span(s) on 2 curve(s)'`` for a delta layer."""
    tag = layer[TAG]
    return f"{tag.get('spans', 0)} edited span(s) on {len(compat.action_fcurves(layer))} curve(s)"


def delta_source(layer):
    """The edited action a delta edit layer was split from (:data:`SOURCE_PROP`, else by the name in
    its tag, for layers made before the pointer existed); ``None`` when it no longer exists."""
    source = layer.get(SOURCE_PROP)
    if isinstance(source, bpy.types.Action):
        return source
    return bpy.data.actions.get(layer[TAG].get("source", ""))


def rename_source(layer, name: str) -> None:
    """Rename a delta layer's source action to ``name`` (at most 63 characters) and keep the layer's
    tag naming it."""
    source = delta_source(layer)
    if source is not None:
        source.name = name[:63]
        layer[TAG]["source"] = source.name


def drop_delta_layer(id_data, layer):
    """Unassign a delta edit layer (deleted when unedited, else kept) and assign its source action
    again (blend ``REPLACE``). Returns the source's name (``None`` when it no longer exists)."""
    source = delta_source(layer)
    compat.assign_action(id_data, None)
    id_data.animation_data.action_blend_type = 'REPLACE'
    if is_edited(layer) or layer.users - int(layer.use_fake_user) > 0:
        keep_safe(layer)
    else:
        bpy.data.actions.remove(layer)
    if source is None:
        return None
    compat.assign_action(id_data, source, _first_slot(source))
    return source.name


def _first_slot(action):
    slots = getattr(action, "slots", None)
    return slots[0] if slots is not None and len(slots) else None


def original_copy(id_data, action):
    """A new generated action playing what ``action`` played when it was baked (from its stored
    originals, every frame keyed), tagged and stamped like a fresh bake; ``(copy, slot)`` or
    ``(None, None)`` without stored originals."""
    stored = original_values(action)
    if stored is None:
        return None, None
    first, orig = stored
    groups = {curve_key(fc): (fc.group.name if fc.group else "") for fc in compat.action_fcurves(action)}
    copy, slot = compat.new_action(action.name, id_data)
    container = compat.fcurve_container(copy, slot)
    for key, values in orig.items():
        path, index = key[:key.rfind("[")], int(key[key.rfind("[") + 1:-1])
        fc = compat.new_fcurve(container, path, index, groups.get(key, ""))
        fc.keyframe_points.add(len(values))
        fc.keyframe_points.foreach_set("co", np.stack([first + np.arange(len(values)), values], axis=1)
                                       .astype(np.float32).ravel())
        compat.recalc_handles(fc)
    tag = {k: v for k, v in action[TAG].to_dict().items() if not k.startswith("orig") and not k.startswith("curve_")}
    for k in ("role", "muted", "contains_edits", "delta", "source"):
        tag.pop(k, None)
    copy[TAG] = tag
    stamp(copy, slot)
    store_original(copy, first, orig)
    return copy, slot
