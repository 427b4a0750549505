"""Explicit prompts: only keys the artist marks constrain the next Generate.

Marked keys live in a *prompt action* on the muted NLA track :data:`layers.PROMPT_TRACK` of each
target (the face's shape-key datablock, the armature), so they never play by themselves and no
other action (an imported glTF clip, the artist's own animation, an earlier bake) is ever read as a
constraint. :func:`mark_prompts` copies keys there (the "Use Keys as Prompts" step, which lists
what it found); the NLA editor shows and edits them (Tab on the strip).

How prompts constrain:

- Body: the armature's prompt keys become the masked motion prompt of the body generator
  (:func:`inference.backends.BodyConstraints`, read by ``targets_body.read_body_constraints``).
- Face: :func:`apply_face_prompts` replaces each prompted shape-key channel by the prompt curve over
  the span of its keys and cross-fades back to the generated values over :data:`BLEND_FRAMES`
  frames on both sides (raised cosine), so a held smile or an exaggerated jaw on one word joins
  the generated motion without a step.
"""

from __future__ import annotations

import dataclasses

import bpy
import numpy as np

from . import compat, edits, layers

#: Custom-property key on prompt actions (never the generated tag: prompts are the artist's).
PROMPT_TAG = "speech_animator_prompt"
#: Frames over which a face prompt fades into the generated curve on each side of its keys.
BLEND_FRAMES = 6


def prompt_action(id_data):
    """``(action, slot)`` on the prompt track of ``id_data`` (``(None, None)`` without prompts)."""
    anim = getattr(id_data, "animation_data", None)
    track = anim.nla_tracks.get(layers.PROMPT_TRACK) if anim is not None else None
    if track is None or not len(track.strips) or track.strips[0].action is None:
        return None, None
    strip = track.strips[0]
    return strip.action, getattr(strip, "action_slot", None)


def _edited_keys(action, slot, edited):
    """Keys of the frames the artist changed in a generated action with stored originals:
    ``[(path, index, group, co (K, 2), interp (K,))]``; a bone's four quaternion channels together."""
    first, orig = edits.original_values(action)
    curves = {layers.curve_key(fc): fc for fc in compat.action_fcurves(action, slot)}
    n = len(next(iter(orig.values())))
    frames = first + np.arange(n, dtype=np.float64)
    by_path: dict = {}
    for key in edited:
        if key in curves and key in orig:
            by_path.setdefault(key[:key.rfind("[")], []).append(key)
    linear = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value
    out = []
    for path, keys in sorted(by_path.items()):
        if path.endswith(".rotation_quaternion"):
            keys = [f"{path}[{i}]" for i in range(4) if f"{path}[{i}]" in curves]
        now = {k: np.array([curves[k].evaluate(f) for f in frames]) for k in keys}
        changed = np.zeros(n, bool)
        for k in keys:
            if k in orig:
                changed |= np.abs(now[k] - orig[k]) > edits.EDIT_EPS
        if not changed.any():
            continue
        for k in keys:
            fc = curves[k]
            co = np.stack([frames[changed], now[k][changed]], axis=1)
            out.append((fc.data_path, fc.array_index, fc.group.name if fc.group else "", co,
                        np.full(len(co), linear, np.int32)))
    return out


def source_keys(id_data, frame_range=None):
    """``(action, [(path, index, group, co (K, 2), interp (K,))])``: the keys :func:`mark_prompts`
    takes from ``id_data``'s active action (inside ``frame_range`` when given). An artist's action:
    every key of its unmuted curves. A generated action (or the edit layer made from one): only the
    frames the artist changed (all keys of edited curves when no originals are stored); an unedited
    generated action gives nothing (a bake is not a prompt)."""
    action, slot = compat.assigned(id_data)
    if action is None:
        return None, []
    tag = action[layers.TAG] if layers.TAG in action.keys() else None
    if tag is not None and tag.get("delta"):
        source = edits.delta_source(action)
        if source is None:
            return action, []
        action, slot = source, None
        tag = action[layers.TAG]
    if tag is not None and tag.get("role") != "edit":
        edited = layers.edited_curves(action)
        if not edited:
            return action, []
        if "*" not in edited and edits.original_values(action) is not None:
            picked = _edited_keys(action, slot, edited)
            return action, [p for p in ((path, i, g, *_in_range(co, it, frame_range)) for path, i, g, co, it in picked)
                            if len(p[3])]
        curves = [fc for fc in compat.action_fcurves(action, slot)
                  if "*" in edited or layers.curve_key(fc) in set(edited)]
    else:
        curves = list(compat.action_fcurves(action, slot))
    out = []
    for fc in curves:
        if fc.mute or not len(fc.keyframe_points):
            continue
        co, interp = _keys_in(fc, frame_range)
        if len(co):
            out.append((fc.data_path, fc.array_index, fc.group.name if fc.group else "", co, interp))
    return action, out


def _in_range(co, interp, frame_range):
    if frame_range is None:
        return co, interp
    keep = (co[:, 0] >= frame_range[0] - 1e-3) & (co[:, 0] <= frame_range[1] + 1e-3)
    return co[keep], interp[keep]


def _keys_in(fc, frame_range):
    n = len(fc.keyframe_points)
    co = np.empty(2 * n, np.float32)
    fc.keyframe_points.foreach_get("co", co)
    interp = np.empty(n, np.int32)
    fc.keyframe_points.foreach_get("interpolation", interp)
    return _in_range(co.reshape(-1, 2), interp, frame_range)


def mark_prompts(id_data, frame_range=None) -> dict:
    """Copy the keys of :func:`source_keys` (inside ``frame_range`` = ``(first, last)`` scene
    frames, inclusive, when given) into a new prompt action on the muted prompt track of
    ``id_data``. The source action is not changed. A previous prompt action is kept with a fake
    user. Returns ``{curve_key: [frames]}`` of what was copied (``{}``: nothing found, nothing
    changed)."""
    source, picked = source_keys(id_data, frame_range)
    if not picked:
        return {}
    found = {f"{path}[{index}]": [round(float(f), 3) for f in co[:, 0]] for path, index, _g, co, _i in picked}
    action, slot = compat.new_action(f"{source.name} - prompts"[:63], id_data)
    action[PROMPT_TAG] = {"source": source.name}
    container = compat.fcurve_container(action, slot)
    for path, index, group, co, interp in picked:
        new = compat.new_fcurve(container, path, index, group)
        new.keyframe_points.add(len(co))
        new.keyframe_points.foreach_set("co", np.asarray(co, np.float32).ravel())
        new.keyframe_points.foreach_set("interpolation", np.asarray(interp, np.int32))
        compat.recalc_handles(new)
    old, _ = prompt_action(id_data)
    layers.keep_safe(old)
    anim = id_data.animation_data
    track = anim.nla_tracks.get(layers.PROMPT_TRACK)
    if track is None:
        track = anim.nla_tracks.new()
        track.name = layers.PROMPT_TRACK
    for strip in list(track.strips):
        track.strips.remove(strip)
    start = int(np.floor(min(float(co[0, 0]) for _p, _i, _g, co, _it in picked)))
    strip = track.strips.new(action.name[:60], start, action)
    if slot is not None and hasattr(strip, "action_slot"):
        strip.action_slot = slot
    track.mute = True  # prompts constrain generation; they do not play
    return found


def clear_prompts(id_data) -> str | None:
    """Delete the prompt track of ``id_data``; its action is kept with a fake user. Returns its name."""
    action, _slot = prompt_action(id_data)
    if action is None:
        return None
    anim = id_data.animation_data
    anim.nla_tracks.remove(anim.nla_tracks[layers.PROMPT_TRACK])
    layers.keep_safe(action)
    return action.name


def describe(id_name: str, found: dict) -> str:
    """One line listing the prompted bones/shape keys and their key frames (for the report), e.g.
    ``Body: 2 prompt(s): right_elbow rotation_quaternion @ 10, 40; jawOpen value @ 100``."""
    groups: dict = {}
    for key, frames in found.items():
        name = key.split('"')[1] if '"' in key else key
        prop = key.rsplit(".", 1)[-1].split("[")[0]
        groups.setdefault(f"{name} {prop}", set()).update(frames)
    parts = []
    for label, frames in sorted(groups.items()):
        frames = sorted(frames)
        shown = ", ".join(f"{f:g}" for f in frames[:6]) + (f", ... ({len(frames)} keys)" if len(frames) > 6 else "")
        parts.append(f"{label} @ {shown}")
    return f"{id_name}: {len(groups)} prompt(s): " + "; ".join(parts)


def blend_weights(num_frames: int, first: int, last: int, blend: int = BLEND_FRAMES) -> np.ndarray:
    """``(num_frames,)`` float64 weight of a prompt whose keys span frames ``first..last`` (indices
    into the clip): 1 inside, raised-cosine fade to 0 over ``blend`` frames outside, 0 beyond."""
    i = np.arange(num_frames, dtype=np.float64)
    dist = np.maximum(first - i, i - last).clip(min=0.0)
    if blend <= 0:
        return (dist == 0).astype(np.float64)
    return np.where(dist >= blend, 0.0, 0.5 * (1.0 + np.cos(np.pi * dist / blend)))


def apply_face_prompts(targets, frame_start: int, blend: int = BLEND_FRAMES):
    """Pull shape-key channels of ``targets`` to the prompt curves of their datablocks.

    Args:
        targets: ``bake.BakeTarget`` list; only targets on Key datablocks (faces) are changed.
        frame_start: scene frame of ``values[0]``.
        blend: cross-fade length in frames on each side of a prompt's keys.

    Returns:
        ``(targets, notes)``: new targets (channels replaced where prompted) and one note per face.
    """
    out, notes = [], []
    for t in targets:
        action, slot = prompt_action(t.id_data) if getattr(t.id_data, "id_type", "") == 'KEY' else (None, None)
        if action is None:
            out.append(t)
            continue
        curves = {(fc.data_path, fc.array_index): fc for fc in compat.action_fcurves(action, slot)
                  if len(fc.keyframe_points)}
        channels, used = [], 0
        for ch in t.channels:
            fc = curves.get((ch.data_path, ch.index))
            if fc is None:
                channels.append(ch)
                continue
            values = np.asarray(ch.values, np.float64)
            n = values.shape[0]
            co, _ = _keys_in(fc, None)
            first, last = float(co[:, 0].min()) - frame_start, float(co[:, 0].max()) - frame_start
            w = blend_weights(n, int(np.ceil(first)), int(np.floor(last)), blend)
            if not w.any():
                channels.append(ch)
                continue
            prompt = np.array([fc.evaluate(frame_start + i) for i in np.flatnonzero(w)])
            values = values.copy()
            values[w > 0] = w[w > 0] * prompt + (1 - w[w > 0]) * values[w > 0]
            channels.append(dataclasses.replace(ch, values=values.astype(np.float32)))
            used += 1
        out.append(dataclasses.replace(t, channels=tuple(channels)))
        notes.append(f"{t.label}: {used} shape-key channel(s) follow the prompt action {action.name!r}")
    return out, notes


def body_prompt(armature):
    """``(action, slot)`` of the armature's prompts, or ``(None, None)``."""
    return prompt_action(armature) if armature is not None else (None, None)


def prompt_frame_range(scene):
    """``(first, last)`` scene frames of the preview range when it is on, else ``None``."""
    if scene.use_preview_range:
        return int(scene.frame_preview_start), int(scene.frame_preview_end)
    return None
