"""Where a new generated action goes, and what happens to the action a target played before.

- A target playing nothing, or an unedited generated action: the new action becomes its active
  action; the old one is deleted (``replace``) or kept with a fake user (:func:`retire`).
- A generated action the artist edited: the edits become an edit layer over the new generated base
  (:func:`addon.edits.split_edits`, or :func:`addon.layers.make_edit_layer`); never deleted.
- An already layered target: its base is regenerated, the edit layer stays on top untouched.
- An artist's action: stays on top as an edit layer (a shape-key action animating few of the
  channels) or is moved under the generated animation to an NLA track (:data:`EXISTING_CHOICES`).
"""

from __future__ import annotations

import contextlib
import os
import time

import bpy

from . import compat, edits, layers, mesh_watch
from .bake_data import MAX_NAME, TAG, TAG_VERSION, action_name, is_generated, tag_value

#: ``existing="AUTO"``: an artist's shape-key action animating at most this share of a bake's
#: channels stays on top as an edit layer (brow keys over a generated face); a fuller one, and any
#: action on an armature or object (typically an imported clip such as RobotExpressive's glTF
#: "Dance"), is moved under the generated animation.
EDIT_LAYER_MAX_COVERAGE = 0.5
#: Where an artist's (not generated) assigned action goes on Generate.
EXISTING_CHOICES = ("AUTO", "ABOVE", "BELOW")
#: Prefix of NLA tracks holding an artist's action moved aside by a bake.
NLA_TRACK_PREFIX = "Speech Animator: kept "


def retire(old, label, replace, notes, edited=None):
    """What happens to a generated action a new bake supersedes: edited ones are always kept (fake
    user), unedited ones deleted when ``replace`` (returned for deletion after the new action is
    assigned) or kept with a fake user. ``edited``: :func:`layers.edited_curves` of ``old`` when
    the caller has it already (it reads every key)."""
    if old is None:
        return None
    edited = layers.edited_curves(old) if edited is None else edited
    if edited:
        layers.keep_safe(old)
        notes.append(f"{label}: previous generated action {old.name!r} was edited ({count(edited)}); "
                     "kept (fake user), never deleted")
        return None
    if replace:
        notes.append(f"{label}: replaced previous generated action {old.name!r} (not edited)")
        return old
    old.use_fake_user = True
    notes.append(f"{label}: previous generated action {old.name!r} kept (fake user), no longer assigned")
    return None


def count(edited) -> str:
    """``edited`` (:func:`layers.edited_curves`) in words."""
    return "edited" if "*" in edited else f"{len(edited)} curve(s) edited"


def begin_target(target, frame_start, audio_path, replace, provenance, existing="AUTO"):
    """Decide where the new action goes (active action, or base track under the artist's edits),
    move what must move, create the tagged action.

    Returns:
        ``(action, slot, container, finish, notes)``: the new action, its slot (4.4+, else
        ``None``), where its F-curves go, ``finish(stamped=None)`` that places it and stamps its
        digests (``stamped``: ``{curve_key: digest}`` of every curve, digested as written; see
        :func:`layers.stamp`), and user-facing notes.
    """
    id_data = target.id_data
    label = target.label
    notes = []
    old, old_slot = compat.assigned(id_data)
    tag = {"version": TAG_VERSION, "target": label, "audio": os.path.abspath(audio_path) if audio_path else "",
           "frame_start": frame_start, "id_name": id_data.name, "id_type": id_data.id_type,
           "created": time.strftime("%Y-%m-%d %H:%M")}
    tag.update({k: v for k, v in provenance.items() if isinstance(v, (str, int, float))})
    remove_old = None
    layered = layers.base_strip(id_data) is not None
    if layered:  # regenerate the base; the active action (edits) stays on top untouched
        base = layers.base_action(id_data)
        if tag_value(base, "pushed_track"):
            tag["pushed_track"] = tag_value(base, "pushed_track")
        remove_old = retire(base, label, replace, notes)
        if old is not None:
            notes.append(f"{label}: the edit layer {old.name!r} stays on top of the new generated base")
    elif old is not None and is_generated(old):
        if tag_value(old, "pushed_track"):
            tag["pushed_track"] = tag_value(old, "pushed_track")
        edited = layers.edited_curves(old)
        if edited:
            layered = True
            _edits_to_layer(id_data, old, old_slot, edited, audio_path, label, notes)
        else:
            remove_old = retire(old, label, replace, notes, edited)
    elif old is not None:
        layered = _place_artists(target, old, old_slot, existing, tag, notes)

    for bone in target.quaternion_bones:
        pb = id_data.pose.bones.get(bone)
        if pb is not None and pb.rotation_mode != 'QUATERNION':
            pb.rotation_mode = 'QUATERNION'

    action, slot = compat.new_action(action_name(audio_path, label), id_data)
    action[TAG] = tag
    container = compat.fcurve_container(action, slot)

    def finish(stamped=None):
        # a shape-key action assigned tags the mesh: not a mesh edit (keeps the proxies' cache)
        with placing(id_data):
            if layered:
                layers.set_base(id_data, action, slot, frame_start)
            else:
                compat.assign_action(id_data, action, slot)
        if layered:
            tag_now = action[TAG]
            tag_now["layered"] = 1
        layers.stamp(action, slot, stamped)
        if remove_old is not None and remove_old.users - int(remove_old.use_fake_user) == 0:
            bpy.data.actions.remove(remove_old)
            action.name = action_name(audio_path, label)  # take the freed name back
        strip = layers.base_strip(id_data) if layered else None
        if strip is not None and strip.name != action.name[:60]:
            strip.name = action.name[:60]  # the base strip shows the base's final name

    return action, slot, container, finish, notes


def placing(id_data):
    """Context for assigning or unassigning actions on ``id_data`` (a bake, Clear): for shape keys
    (``Key``) the Mesh update the assignment causes is not counted as an edit
    (:func:`addon.mesh_watch.animation_change`), so the collision proxies' cache of an unchanged
    character stays valid. The block must edit no mesh."""
    if id_data.id_type == 'KEY':
        return mesh_watch.animation_change(bpy.context.view_layer)
    return contextlib.nullcontext()


def _edits_to_layer(id_data, old, old_slot, edited, audio_path, label, notes) -> None:
    """An edited generated action becomes the edit layer (a delta of the edited frames, or the
    action itself with its unedited curves muted); the new base will take its name."""
    delta = edits.split_edits(id_data, old, old_slot, edited)
    was = old.name
    edited_name = edits.edited_name(was)
    frees_name = was == action_name(audio_path, label)  # the new base takes the name, never a '.001'
    if delta is not None:
        if frees_name:
            edits.rename_source(delta, edited_name)
        notes.append(f"{label}: your edits in {was!r} ({count(edited)}) now apply as the edit layer "
                     f"{delta.name!r} ({edits.describe_spans(delta)}) over the new generated base; "
                     f"the edited action is kept as {old.name!r} (held by the edit layer); Clear brings "
                     "it back, Merge Down bakes one action")
    else:
        muted = layers.make_edit_layer(old, edited)
        if frees_name:
            old.name = edited_name
        notes.append(f"{label}: your edits in {was!r} ({count(edited)}) are kept as the edit layer "
                     f"{old.name!r} above the new generated base ({muted} unedited curves muted there); "
                     "Merge Down bakes both")


def _place_artists(target, old, old_slot, existing, tag, notes) -> bool:
    """An artist's assigned action: kept on top as an edit layer (returns True) or pushed to an NLA
    track under the generated animation (returns False; the track's name goes in ``tag``)."""
    id_data, label = target.id_data, target.label
    ours = {c.curve_key for c in target.channels}
    overlap = len(layers.animated_keys(old, old_slot) & ours)
    above = existing == "ABOVE" or (existing == "AUTO" and id_data.id_type == 'KEY'
                                     and overlap <= EDIT_LAYER_MAX_COVERAGE * len(ours))
    if above:
        notes.append(f"{label}: your action {old.name!r} animates {overlap} of the {len(ours)} generated "
                     "channels: it stays on top as an edit layer (not modified, not used as prompts)")
        return True
    track = compat.push_to_nla(id_data, (NLA_TRACK_PREFIX + old.name)[:MAX_NAME])
    tag["pushed_track"] = track
    why = "chosen" if existing == "BELOW" else ("an imported or full clip" if id_data.id_type == 'KEY'
                                               else "an armature clip, e.g. imported")
    notes.append(f"{label}: your action {old.name!r} animates {overlap} of the {len(ours)} generated channels "
                 f"({why}): moved under the generated animation to NLA track {track!r} "
                 "(not modified, not used as prompts); Clear restores it")
    return False
