"""Regenerate a frame range: new values inside it, cross-faded into the existing generated curves
at both ends, every key outside the window untouched.

The new performance covers the whole clip (same or new audio); only its frames inside
``[first, last]`` are used, plus :data:`RANGE_BLEND_FRAMES` on each side where the result fades
from the old curve to the new one (raised cosine, the same weights as the face prompts). A bone's
four quaternion channels are blended together (the new rotation is put on the old one's
hemisphere first, so the blend never passes through a zero quaternion).

The generated action is changed in place when it is unedited (its digests are refreshed: it is
still a plain generated action). An edited one is never changed: it becomes the edit layer and a
copy becomes the base that is regenerated (:mod:`addon.layers`); an edited *base* is replaced by
its copy under the plain name and kept as ``'<name> (edited)'``, held by the datablock
(:func:`addon.layers.hold`: an ID pointer, no fake user).
"""

from __future__ import annotations

import numpy as np

from ..inference.errors import InputError
from . import compat, edits, layers
from .prompts import blend_weights

#: Frames on each side of the range over which old and new values cross-fade.
RANGE_BLEND_FRAMES = 6


class RangeError(InputError):
    """A range cannot be regenerated (no generated animation yet, range outside the clip)."""

    code = "frame_range"


def _base_for_range(id_data, label, notes):
    """The generated action to change (made safe first when it was edited); ``(action, slot)``."""
    action, slot = layers.generated_action(id_data)
    if action is None:
        raise RangeError(f"{label}: no generated animation to regenerate a range of; Generate the whole clip first")
    edited = layers.edited_curves(action)
    if not edited:
        return action, slot
    strip = layers.base_strip(id_data)
    if strip is not None and strip.action == action:  # an edited base: keep it, regenerate a copy
        copy = action.copy()
        tag = copy[layers.TAG]
        for k in ("role", "muted", "contains_edits"):
            if k in tag:
                del tag[k]
        frame = int(strip.frame_start)
        plain = action.name
        action.name = edits.edited_name(plain)
        copy.name = plain  # the regenerated base keeps the plain name (never '.001')
        layers.set_base(id_data, copy, _slot_of(copy, slot), frame)
        layers.hold(id_data, action)
        notes.append(f"{label}: the base {plain!r} was edited: your edited base is kept as {action.name!r}; "
                     f"the range is regenerated in its copy {copy.name!r}")
        tag["layered"] = 1
        return copy, _slot_of(copy, slot)
    # the edited active action: what it played when baked becomes the base, the edits a layer on top
    base, base_slot = edits.original_copy(id_data, action)
    if base is None:
        copy = action.copy()
        tag = copy[layers.TAG]
        for k in ("role", "muted", "contains_edits"):
            if k in tag:
                del tag[k]
        for fc in compat.action_fcurves(copy):
            fc.mute = False
        layers.make_edit_layer(action, edited)
        base, base_slot = copy, _slot_of(copy, slot)
    else:
        if edits.split_edits(id_data, action, slot, edited) is None:
            layers.make_edit_layer(action, edited)
    was = action.name
    _plain_base_name(id_data, action, base)
    frame = int(round(base.frame_range[0]))
    layers.set_base(id_data, base, base_slot, frame)
    base[layers.TAG]["layered"] = 1
    notes.append(f"{label}: your edits in {was!r} stay on top as an edit layer (your edited action is kept as "
                 f"{action.name!r}); the range is regenerated in the base {base.name!r}")
    return base, base_slot


def _plain_base_name(id_data, action, base) -> None:
    """Give the new base the plain generated name, never ``'<name>.001'``: the edited ``action``
    (kept as the edit layer's source, or the edit layer itself) becomes ``'<name> (edited)'``; one
    already called so leaves the plain name to the base when it is free."""
    import bpy

    was = action.name
    suffix = edits.EDITED_SUFFIX
    plain = was[:-len(suffix)] if was.endswith(suffix) else was
    if plain == was:
        action.name = edits.edited_name(was)
    elif plain in bpy.data.actions:
        return
    base.name = plain
    layer = compat.assigned(id_data)[0]
    if layer is not None and layer is not action and layers.TAG in layer.keys():
        layer[layers.TAG]["source"] = action.name  # a delta layer's tag names its source


def _slot_of(action, slot):
    if slot is None or not hasattr(action, "slots"):
        return None
    return action.slots.get(slot.identifier) or (action.slots[0] if len(action.slots) else None)


def _read(fc):
    points = fc.keyframe_points
    n = len(points)
    out = {}
    for prop, dtype, width in (("co", np.float32, 2), ("handle_left", np.float32, 2), ("handle_right", np.float32, 2),
                               ("interpolation", np.int32, 1), ("handle_left_type", np.int32, 1),
                               ("handle_right_type", np.int32, 1)):
        arr = np.empty(n * width, dtype)
        points.foreach_get(prop, arr)
        out[prop] = arr.reshape(n, width) if width > 1 else arr
    return out


def _write_window(fc, frames, values):
    """Replace the keys of ``fc`` on ``frames[0]..frames[-1]`` by one key per frame (``values``)."""
    old = _read(fc)
    outside = (old["co"][:, 0] < frames[0] - 1e-3) | (old["co"][:, 0] > frames[-1] + 1e-3)
    n_new = len(frames)
    new = {"co": np.stack([frames, values], axis=1).astype(np.float32),
           "handle_left": np.stack([frames, values], axis=1).astype(np.float32),
           "handle_right": np.stack([frames, values], axis=1).astype(np.float32),
           "interpolation": np.full(n_new, _enum("interpolation", "BEZIER"), np.int32),
           "handle_left_type": np.full(n_new, _enum("handle_left_type", "AUTO_CLAMPED"), np.int32),
           "handle_right_type": np.full(n_new, _enum("handle_right_type", "AUTO_CLAMPED"), np.int32)}
    merged = {k: np.concatenate([old[k][outside], new[k]]) for k in new}
    order = np.argsort(merged["co"][:, 0], kind="stable")
    compat.clear_keys(fc)
    fc.keyframe_points.add(len(order))
    for k, arr in merged.items():
        fc.keyframe_points.foreach_set(k, arr[order].ravel())
    compat.recalc_handles(fc)


def _enum(prop, name):
    import bpy

    return bpy.types.Keyframe.bl_rna.properties[prop].enum_items[name].value


def check_range(target, frame_start: int, frame_range: tuple) -> None:
    """Raise :class:`RangeError` before anything changes when ``target`` cannot get ``frame_range``."""
    first, last = int(frame_range[0]), int(frame_range[1])
    n = int(np.asarray(target.channels[0].values).shape[0])
    clip_first, clip_last = frame_start, frame_start + n - 1
    if last < first or last < clip_first or first > clip_last:
        raise RangeError(f"{target.label}: range {first}-{last}: expected frames inside the clip "
                         f"({clip_first}-{clip_last}) with start <= end")
    if layers.generated_action(target.id_data)[0] is None:
        raise RangeError(f"{target.label}: no generated animation to regenerate a range of; "
                         "Generate the whole clip first")


def bake_range(target, frame_start: int, frame_range: tuple, audio_path: str, notes: list,
               blend: int = RANGE_BLEND_FRAMES) -> tuple:
    """Regenerate ``frame_range`` (inclusive scene frames) of ``target``'s generated action with
    ``target``'s channels (``values[i]`` at ``frame_start + i``). Returns ``(action_name, keys)``.

    Raises:
        RangeError: no generated animation on the target, or the range does not overlap the clip.
    """
    check_range(target, frame_start, frame_range)
    first, last = int(frame_range[0]), int(frame_range[1])
    n = int(np.asarray(target.channels[0].values).shape[0])
    clip_first, clip_last = frame_start, frame_start + n - 1
    action, slot = _base_for_range(target.id_data, target.label, notes)
    container = compat.fcurve_container(action, slot)
    existing = {(fc.data_path, fc.array_index): fc for fc in compat.action_fcurves(action, slot)}
    w_all = blend_weights(n, max(first, clip_first) - frame_start, min(last, clip_last) - frame_start, blend)
    window = np.flatnonzero(w_all > 0)
    frames = (frame_start + window).astype(np.float64)
    w = w_all[window]
    by_path: dict = {}
    for ch in target.channels:
        by_path.setdefault(ch.data_path, []).append(ch)
    keys = 0
    for path, chans in by_path.items():
        fcs = [existing.get((c.data_path, c.index)) for c in chans]
        old = np.stack([np.array([fc.evaluate(f) for f in frames]) if fc is not None else
                        np.asarray(c.values, np.float64)[window] for fc, c in zip(fcs, chans)], axis=1)
        new = np.stack([np.asarray(c.values, np.float64)[window] for c in chans], axis=1)
        if path.endswith(".rotation_quaternion") and new.shape[1] == 4:
            new *= np.where(np.sum(old * new, axis=1, keepdims=True) < 0, -1.0, 1.0)
        mixed = w[:, None] * new + (1 - w[:, None]) * old
        if path.endswith(".rotation_quaternion") and new.shape[1] == 4:
            mixed /= np.maximum(np.linalg.norm(mixed, axis=1, keepdims=True), 1e-12)
        for j, (fc, c) in enumerate(zip(fcs, chans)):
            if fc is None:
                fc = compat.new_fcurve(container, c.data_path, c.index, c.group)
            _write_window(fc, frames, mixed[:, j])
            keys += len(frames)
    stored = edits.original_values(action)
    if stored is not None:  # keep the per-frame originals in step with what the base now plays
        o_first, orig = stored
        orig = {k: v.copy() for k, v in orig.items()}
        for path, chans in by_path.items():
            for c in chans:
                key = c.curve_key
                fc = existing.get((c.data_path, c.index))
                if key in orig and fc is not None:
                    idx = (frames - o_first).astype(np.int64)
                    ok = (idx >= 0) & (idx < len(orig[key]))
                    orig[key][idx[ok]] = np.array([fc.evaluate(f) for f in frames[ok]], np.float32)
        edits.store_original(action, o_first, orig)
    tag = action[layers.TAG]
    tag["ranges"] = (tag.get("ranges", "") + f"{first}-{last} from {audio_path}\n")[-2000:]
    layers.stamp(action, slot)
    notes.append(f"{target.label}: frames {first}-{last} regenerated in {action.name!r} "
                 f"({blend}-frame blends at both ends; keys outside untouched)")
    return action.name, keys
