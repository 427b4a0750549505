"""The only place that knows about Blender-version differences (detected by feature, not version).

- Actions: Blender 4.4+ has layered actions with slots and channelbags (``action.slots``);
  Blender 4.2/4.3 use the legacy ``action.fcurves`` list and ``action.id_root``.
  Blender 5.0 removed the legacy ``action.fcurves`` API.
- Sequencer: Blender 5.0 renamed ``SequenceEditor.sequences`` to ``SequenceEditor.strips``.
- NLA strips: 4.4+ strips carry ``action_slot``.
- CLI commands: ``bpy.utils.register_cli_command`` exists from Blender 4.2.
- Path properties: the ``'PATH_SUPPORTS_BLEND_RELATIVE'`` property option (Blender 4.5+, seen as
  ``Property.is_path_supports_blend_relative``) lets the file browser write ``//``-relative paths.
"""

from __future__ import annotations

import bpy


def has_slots(action: bpy.types.Action) -> bool:
    """True for layered actions with slots (Blender 4.4+)."""
    return hasattr(action, "slots")


def new_action(name: str, id_data: bpy.types.ID):
    """Create an empty action for ``id_data``; return ``(action, slot_or_None)``.

    On 4.4+ a slot for ``id_data``'s ID type is created in the new action; on 4.2/4.3 the action's
    ``id_root`` is set instead and the slot is ``None``.
    """
    action = bpy.data.actions.new(name)
    if has_slots(action):
        slot = action.slots.new(id_type=id_data.id_type, name=id_data.name)
        return action, slot
    action.id_root = id_data.id_type
    return action, None


def assigned(id_data: bpy.types.ID):
    """``(action, slot)`` currently assigned to ``id_data`` (``(None, None)`` if none)."""
    anim = id_data.animation_data
    if anim is None or anim.action is None:
        return None, None
    return anim.action, getattr(anim, "action_slot", None)


def assign_action(id_data: bpy.types.ID, action, slot=None) -> None:
    """Assign ``action`` (and on 4.4+ ``slot``) to ``id_data``'s animation data; ``None`` clears."""
    anim = id_data.animation_data or id_data.animation_data_create()
    anim.action = action
    if action is not None and slot is not None and hasattr(anim, "action_slot"):
        anim.action_slot = slot


def fcurve_container(action, slot):
    """Object holding ``fcurves`` and ``groups`` for ``slot``: a channelbag (4.4+) or the action.

    On 4.4+ the channelbag is created (with a layer and keyframe strip) when missing.
    """
    if not has_slots(action):
        return action
    try:
        from bpy_extras import anim_utils

        ensure = getattr(anim_utils, "action_ensure_channelbag_for_slot", None)
    except ImportError:  # pragma: no cover - bpy_extras always exists inside Blender
        ensure = None
    if ensure is not None:
        return ensure(action, slot)
    layer = action.layers[0] if action.layers else action.layers.new("Layer")
    strip = layer.strips[0] if layer.strips else layer.strips.new(type='KEYFRAME')
    bag = strip.channelbag(slot)
    return bag if bag is not None else strip.channelbags.new(slot)


def new_fcurve(container, data_path: str, index: int, group: str):
    """Create an F-curve in ``container`` (channelbag or legacy action), inside group ``group``."""
    fcurves = container.fcurves
    params = fcurves.bl_rna.functions["new"].parameters
    if "group_name" in params:  # channelbag (4.4+)
        return fcurves.new(data_path, index=index, group_name=group)
    if "action_group" in params:  # legacy action.fcurves
        return fcurves.new(data_path, index=index, action_group=group)
    fc = fcurves.new(data_path, index=index)
    if group:
        grp = container.groups.get(group) or container.groups.new(group)
        fc.group = grp
    return fc


def recalc_handles(fcurve) -> None:
    """Recompute handles of keys written in bulk (already sorted and unique).

    ``keyframe_points.handles_recalc()`` (newer Blender) skips the sort that ``fcurve.update()`` does.
    """
    points = fcurve.keyframe_points
    if hasattr(points, "handles_recalc"):
        points.handles_recalc()
    else:
        fcurve.update()


def clear_keys(fcurve) -> None:
    """Remove every key of ``fcurve`` (``keyframe_points.clear()`` where it exists, else one by one)."""
    points = fcurve.keyframe_points
    if hasattr(points, "clear"):
        points.clear()
        return
    for k in reversed(list(points)):
        points.remove(k, fast=True)


def action_fcurves(action, slot=None) -> list:
    """All F-curves of ``action`` (for ``slot`` on 4.4+; every slot when ``slot`` is None).

    On 4.4+ each channelbag is taken from ``strip.channelbag(slot)`` rather than from the
    ``layers[i].strips[j].channelbags[k]`` chain it was found by: an F-curve reached through a
    shorter RNA path reads its keys in bulk (``keyframe_points.foreach_get``) 2-4x faster
    (Blender 5.0 copies each key's RNA ancestors), which is most of the cost of checking a
    generated action for edits (:mod:`addon.digests`)."""
    if not has_slots(action):
        return list(action.fcurves)
    out = []
    for layer in action.layers:
        for strip in layer.strips:
            for bag in strip.channelbags:
                if slot is None or bag.slot == slot:
                    short = strip.channelbag(bag.slot) if hasattr(strip, "channelbag") else None
                    out.extend((short if short is not None else bag).fcurves)
    return out


def push_to_nla(id_data: bpy.types.ID, track_name: str) -> str:
    """Move ``id_data``'s assigned action onto a new NLA track; return the track's final name."""
    anim = id_data.animation_data
    action, slot = assigned(id_data)
    track = anim.nla_tracks.new()
    track.name = track_name
    start = int(action.frame_range[0])
    strip = track.strips.new(action.name, start, action)
    if slot is not None and hasattr(strip, "action_slot"):
        strip.action_slot = slot
    assign_action(id_data, None)
    return track.name


def pop_from_nla(id_data: bpy.types.ID, track_name: str) -> str | None:
    """Re-assign the action of NLA track ``track_name`` and delete the track; return its name."""
    anim = id_data.animation_data
    if anim is None:
        return None
    track = anim.nla_tracks.get(track_name)
    if track is None or not track.strips:
        return None
    strip = track.strips[0]
    action, slot = strip.action, getattr(strip, "action_slot", None)
    anim.nla_tracks.remove(track)
    assign_action(id_data, action, slot)
    return action.name if action else None


def relative_path_options() -> set:
    """``options`` for a ``FILE_PATH``/``DIR_PATH`` property so the file browser may store it
    ``//``-relative to the .blend: ``{'PATH_SUPPORTS_BLEND_RELATIVE'}`` where this Blender knows the
    option (4.5+), else an empty set (older versions store what the browser gives)."""
    known = "is_path_supports_blend_relative" in bpy.types.Property.bl_rna.properties
    return {'PATH_SUPPORTS_BLEND_RELATIVE'} if known else set()


def sound_strips(scene: bpy.types.Scene):
    """The top-level strip collection of the scene's sequencer (created when missing)."""
    editor = scene.sequence_editor or scene.sequence_editor_create()
    return editor.strips if hasattr(editor, "strips") else editor.sequences


#: Why no sound strip can be added where :func:`has_audaspace` is False.
NO_AUDASPACE = "this Blender is built without Audaspace (the bpy 4.2 module): no sound strip added"


def has_audaspace() -> bool:
    """True when this Blender can play and hold sound strips (the bpy 4.2 module is built without)."""
    return bool(getattr(bpy.app.build_options, "audaspace", True))


def all_strips_property(editor) -> str:
    """Name of the sequencer collection holding every strip (``strips_all`` on 5.0, else ``sequences_all``)."""
    return "strips_all" if hasattr(editor, "strips_all") else "sequences_all"


def add_sound_strip(scene, name: str, path: str, channel: int, frame_start: int):
    """``(strip, None)``, or ``(None, reason)`` when this Blender has no Audaspace (no exception).

    Raises:
        RuntimeError: Blender cannot load the file (from ``new_sound``).
    """
    if not has_audaspace():
        return None, NO_AUDASPACE
    return sound_strips(scene).new_sound(name, path, channel, frame_start), None


def register_cli_command(name: str, fn):
    """``bpy.utils.register_cli_command`` when it exists (Blender 4.2+), else ``None``."""
    register = getattr(bpy.utils, "register_cli_command", None)
    return register(name, fn) if register else None


def unregister_cli_command(handle) -> None:
    """Undo :func:`register_cli_command` (no-op for ``None``)."""
    if handle is not None:
        bpy.utils.unregister_cli_command(handle)
