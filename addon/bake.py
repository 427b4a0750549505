"""Write per-frame channel values as keyframes: one new, tagged Action per target, in bulk.

Every Action this module creates carries the custom property ``action["speech_animator"]`` (a
dict: format version, target label, audio, start frame, models, what it displaced). Only actions
carrying it are ever replaced or removed; an artist's action is moved to an NLA track instead.
Keys are written with ``keyframe_points.add`` + ``foreach_set`` (no per-key Python calls), on every
frame, or thinned by :func:`inference.keyreduce.reduce_keys` (then with linear interpolation).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import bpy
import numpy as np

from . import compat, edits, layers
from .errors import BakeError
from ..inference.keyreduce import reduce_keys, reduce_keys_joint

#: Custom-property key marking actions created by this extension.
TAG = layers.TAG
TAG_VERSION = 2
#: ``existing="AUTO"``: an artist's shape-key action animating at most this share of a bake's
#: channels stays on top as an edit layer (brow keys over a generated face); a fuller one, and any
#: action on an armature or object (typically an imported clip such as RobotExpressive's glTF
#: "Dance"), is moved under the generated animation.
EDIT_LAYER_MAX_COVERAGE = 0.5
#: Where an artist's (not generated) assigned action goes on Generate.
EXISTING_CHOICES = ("AUTO", "ABOVE", "BELOW")
#: Prefix of NLA tracks holding an artist's action moved aside by a bake.
NLA_TRACK_PREFIX = "Speech Animator: kept "
_MAX_NAME = 63


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
    """The provenance dict stored on a generated action (``{}`` for others)."""
    if not is_generated(action):
        return {}
    value = action[TAG]
    return value.to_dict() if hasattr(value, "to_dict") else dict(value)


def action_name(audio_path: str, label: str) -> str:
    """Action name from the audio file stem and the target label, at most 63 characters."""
    stem = os.path.splitext(os.path.basename(audio_path))[0] or "speech"
    return f"{stem} - {label}"[:_MAX_NAME]


def validate(targets, frame_start: int) -> None:
    """Check targets before anything is written.

    Raises:
        BakeError: no targets, empty/mismatched/non-finite channel values, a linked (non-editable)
            datablock, or a bad start frame. The message names the target and the channel.
    """
    if not targets:
        raise BakeError("nothing to bake: expected at least one target, found none")
    if not isinstance(frame_start, (int, np.integer)):
        raise BakeError(f"start frame: expected an integer, found {frame_start!r}")
    for t in targets:
        if not t.channels:
            raise BakeError(f"{t.label}: expected at least one channel, found none")
        if getattr(t.id_data, "library", None) is not None and getattr(t.id_data, "override_library", None) is None:
            raise BakeError(f"{t.label}: {t.id_data.name!r} is linked from a library and cannot be animated; "
                            "make it local or a library override")
        lengths = {np.asarray(c.values).shape for c in t.channels}
        if len(lengths) != 1 or len(next(iter(lengths))) != 1:
            raise BakeError(f"{t.label}: expected every channel to be (T,) with one T, found shapes {sorted(lengths)}")
        for c in t.channels:
            if not np.all(np.isfinite(c.values)):
                raise BakeError(f"{t.label}: channel {c.data_path}[{c.index}] contains NaN or infinite values")


def merge_by_datablock(targets) -> list:
    """Merge targets that animate the same datablock (e.g. a face's jaw bone and the body on one
    armature) into one target, so each datablock gets exactly one action. For a channel
    ``(data_path, index)`` present twice, the later target's values win."""
    merged: dict[int, BakeTarget] = {}
    for t in targets:
        ptr = t.id_data.as_pointer()
        prev = merged.get(ptr)
        if prev is None:
            merged[ptr] = t
            continue
        later = {(c.data_path, c.index) for c in t.channels}
        channels = tuple(c for c in prev.channels if (c.data_path, c.index) not in later) + tuple(t.channels)
        bones = tuple(dict.fromkeys(prev.quaternion_bones + tuple(t.quaternion_bones)))
        merged[ptr] = BakeTarget(t.id_data, channels, f"{prev.label} + {t.label}", bones)
    return list(merged.values())


def bake(targets, frame_start: int, audio_path: str, *, replace_generated: bool = False,
         key_tolerance: float | None = None, provenance: dict | None = None, frame_range=None,
         existing: str = "AUTO") -> BakeResult:
    """Bake ``targets`` into new actions starting at ``frame_start``.

    Args:
        targets: :class:`BakeTarget` list. Channel ``values[i]`` is keyed at ``frame_start + i``.
        frame_start: first frame (scene frames).
        audio_path: the source audio (names the action, stored in the tag).
        replace_generated: when the target already plays an action generated by this extension,
            delete it (if nothing else uses it); otherwise it is kept with a fake user.
        key_tolerance: ``None`` keys every frame; a :class:`KeyTolerance` (or one number, see
            :meth:`KeyTolerance.from_value`) reduces keys so linear interpolation stays within it.
        provenance: extra string/number fields stored in the action tag (models, device, seed).
        frame_range, existing: see :func:`bake_steps`.

    Returns:
        :class:`BakeResult`.

    Raises:
        BakeError: see :func:`validate`; raised before anything is changed.
    """
    return run_steps(bake_steps(targets, frame_start, audio_path, replace_generated=replace_generated,
                                key_tolerance=key_tolerance, provenance=provenance, frame_range=frame_range,
                                existing=existing))


def run_steps(steps):
    """Exhaust a step generator (:func:`bake_steps`) and return its return value."""
    while True:
        try:
            next(steps)
        except StopIteration as stop:
            return stop.value


def bake_steps(targets, frame_start: int, audio_path: str, *, replace_generated: bool = False,
               key_tolerance: float | None = None, provenance: dict | None = None, frame_range=None,
               existing: str = "AUTO"):
    """:func:`bake` as a generator: yields the fraction done after each F-curve, returns the
    :class:`BakeResult`. Lets the modal operator spread a long bake over several timer ticks
    (all inside one operator run, so still one undo step). Validation happens before the
    first yield; nothing is changed if it fails.

    ``frame_range`` = ``(first, last)`` scene frames: regenerate only that range of each target's
    generated action, cross-faded at both ends (:func:`addon.rangebake.bake_range`).
    ``existing``: where an artist's assigned action goes, one of :data:`EXISTING_CHOICES`."""
    validate(targets, frame_start)
    if existing not in EXISTING_CHOICES:
        raise BakeError(f"existing action placement: expected one of {EXISTING_CHOICES}, found {existing!r}")
    targets = merge_by_datablock(targets)
    total = max(1, sum(len(t.channels) for t in targets))
    done = 0
    actions, messages = [], []
    keys = dense = 0
    if frame_range is not None:
        from .rangebake import bake_range, check_range

        for target in targets:
            check_range(target, int(frame_start), frame_range)
        for i, target in enumerate(targets):
            name, k = bake_range(target, int(frame_start), frame_range, audio_path, messages)
            actions.append(name)
            keys += k
            dense += k
            yield (i + 1) / len(targets)
        return BakeResult(tuple(actions), keys, dense, tuple(messages))
    for target in targets:
        action, slot, container, finish, notes = _begin_target(target, int(frame_start), audio_path,
                                                               replace_generated, provenance or {}, existing)
        kept = _reduced_indices(target.channels, key_tolerance)
        played, written = {}, {}
        for ch, idx in zip(target.channels, kept):
            co = _write_keys(container, ch, int(frame_start), key_tolerance, idx)
            keys += co.shape[0] // 2
            written[f"{ch.data_path}[{ch.index}]"] = co
            values = np.asarray(ch.values, np.float32)
            played[f"{ch.data_path}[{ch.index}]"] = values if idx is None else np.interp(
                np.arange(values.shape[0]), idx, values[idx]).astype(np.float32)
            dense += int(np.asarray(ch.values).shape[0])
            done += 1
            yield done / total
        finish(written)
        edits.store_original(action, int(frame_start), played)
        actions.append(action.name)
        messages.extend(notes)
    return BakeResult(tuple(actions), keys, dense, tuple(messages))


def _retire(old, label, replace, notes, edited=None):
    """What happens to a generated action a new bake supersedes: edited ones are always kept (fake
    user), unedited ones deleted when ``replace`` (returned for deletion after the new action is
    assigned) or kept with a fake user. ``edited``: :func:`layers.edited_curves` of ``old`` when
    the caller has it already (it reads every key)."""
    if old is None:
        return None
    edited = layers.edited_curves(old) if edited is None else edited
    if edited:
        layers.keep_safe(old)
        notes.append(f"{label}: previous generated action {old.name!r} was edited ({_count(edited)}); "
                     "kept (fake user), never deleted")
        return None
    if replace:
        notes.append(f"{label}: replaced previous generated action {old.name!r} (not edited)")
        return old
    old.use_fake_user = True
    notes.append(f"{label}: previous generated action {old.name!r} kept (fake user), no longer assigned")
    return None


def _count(edited) -> str:
    return "edited" if "*" in edited else f"{len(edited)} curve(s) edited"


def _begin_target(target, frame_start, audio_path, replace, provenance, existing="AUTO"):
    """Decide where the new action goes (active action, or base track under the artist's edits),
    move what must move, create the tagged action; return a ``finish()`` that places it."""
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
        if tag_of(layers.base_action(id_data)).get("pushed_track"):
            tag["pushed_track"] = tag_of(layers.base_action(id_data))["pushed_track"]
        remove_old = _retire(layers.base_action(id_data), label, replace, notes)
        if old is not None:
            notes.append(f"{label}: the edit layer {old.name!r} stays on top of the new generated base")
    elif old is not None and is_generated(old):
        previous = tag_of(old)
        if previous.get("pushed_track"):
            tag["pushed_track"] = previous["pushed_track"]
        edited = layers.edited_curves(old)
        if edited:
            layered = True
            delta = edits.split_edits(id_data, old, old_slot, edited)
            was = old.name
            edited_name = edits.edited_name(was)
            frees_name = was == action_name(audio_path, label)  # the new base takes the name, never a '.001'
            if delta is not None:
                if frees_name:
                    edits.rename_source(delta, edited_name)
                notes.append(f"{label}: your edits in {was!r} ({_count(edited)}) now apply as the edit layer "
                             f"{delta.name!r} ({edits.describe_spans(delta)}) over the new generated base; "
                             f"the edited action is kept as {old.name!r} (held by the edit layer); Clear brings "
                             "it back, Merge Down bakes one action")
            else:
                muted = layers.make_edit_layer(old, edited)
                if frees_name:
                    old.name = edited_name
                notes.append(f"{label}: your edits in {was!r} ({_count(edited)}) are kept as the edit layer "
                             f"{old.name!r} above the new generated base ({muted} unedited curves muted there); "
                             "Merge Down bakes both")
        else:
            remove_old = _retire(old, label, replace, notes, edited)
    elif old is not None:
        ours = {f"{c.data_path}[{c.index}]" for c in target.channels}
        overlap = len(layers.animated_keys(old, old_slot) & ours)
        above = existing == "ABOVE" or (existing == "AUTO" and id_data.id_type == 'KEY'
                                         and overlap <= EDIT_LAYER_MAX_COVERAGE * len(ours))
        if above:
            layered = True
            notes.append(f"{label}: your action {old.name!r} animates {overlap} of the {len(ours)} generated "
                         "channels: it stays on top as an edit layer (not modified, not used as prompts)")
        else:
            track = compat.push_to_nla(id_data, (NLA_TRACK_PREFIX + old.name)[:_MAX_NAME])
            tag["pushed_track"] = track
            why = "chosen" if existing == "BELOW" else ("an imported or full clip" if id_data.id_type == 'KEY'
                                                       else "an armature clip, e.g. imported")
            notes.append(f"{label}: your action {old.name!r} animates {overlap} of the {len(ours)} generated channels "
                         f"({why}): moved under the generated animation to NLA track {track!r} "
                         "(not modified, not used as prompts); Clear restores it")

    for bone in target.quaternion_bones:
        pb = id_data.pose.bones.get(bone)
        if pb is not None and pb.rotation_mode != 'QUATERNION':
            pb.rotation_mode = 'QUATERNION'

    action, slot = compat.new_action(action_name(audio_path, label), id_data)
    action[TAG] = tag
    container = compat.fcurve_container(action, slot)

    def finish(written=None):
        if layered:
            layers.set_base(id_data, action, slot, frame_start)
            tag_now = action[TAG]
            tag_now["layered"] = 1
        else:
            compat.assign_action(id_data, action, slot)
        layers.stamp(action, slot, written)
        if remove_old is not None and remove_old.users - int(remove_old.use_fake_user) == 0:
            bpy.data.actions.remove(remove_old)
            action.name = action_name(audio_path, label)  # take the freed name back
        strip = layers.base_strip(id_data) if layered else None
        if strip is not None and strip.name != action.name[:60]:
            strip.name = action.name[:60]  # the base strip shows the base's final name

    return action, slot, container, finish, notes


_LINEAR = None


@dataclass(frozen=True)
class KeyTolerance:
    """Error bounds of key reduction, in the units the UI shows.

    Attributes:
        value: shape-key weights and other scalar channels (value units, >= 0).
        rotation_deg: a bone's rotation, as the angle between the kept keys' interpolation and the
            per-frame rotation (degrees); all four quaternion channels keep the same frames.
        location_m: a bone's location, Euclidean distance (metres); its three channels share frames.
    """

    value: float
    rotation_deg: float
    location_m: float

    @classmethod
    def from_value(cls, tolerance: float) -> "KeyTolerance":
        """One number as before (``--reduce-keys TOL``): a quaternion component error ``e`` is about
        a rotation of ``2 e`` radians, so rotations get ``degrees(2 * TOL)``; locations ``TOL`` metres."""
        return cls(float(tolerance), float(np.degrees(2.0 * tolerance)), float(tolerance))


def _as_tolerance(tolerance) -> KeyTolerance | None:
    if tolerance is None or isinstance(tolerance, KeyTolerance):
        return tolerance
    return KeyTolerance.from_value(float(tolerance))


def _reduced_indices(channels, tolerance) -> list:
    """Kept key indices per channel (``None`` = every frame). A bone's ``rotation_quaternion``
    channels are reduced jointly (rotation angle), its ``location`` channels jointly (distance),
    other channels one by one; each kind in one batch per length."""
    tol = _as_tolerance(tolerance)
    if tol is None:
        return [None] * len(channels)
    kept: list = [None] * len(channels)
    groups: dict[tuple, list[int]] = {}
    for i, ch in enumerate(channels):
        kind = ("angle_deg" if ch.data_path.endswith(".rotation_quaternion") else
                "distance" if ch.data_path.endswith("].location") else "abs")
        key = (kind, ch.data_path) if kind != "abs" else ("abs", i)
        groups.setdefault(key, []).append(i)
    batches: dict[tuple, list[list[int]]] = {}
    for (kind, _), members in groups.items():
        if kind == "angle_deg" and len(members) != 4:
            kind = "abs"  # an incomplete quaternion: reduce the components it has one by one
        if kind == "abs":
            for m in members:
                batches.setdefault(("abs", int(np.asarray(channels[m].values).shape[0]), 1), []).append([m])
        else:
            members = sorted(members, key=lambda m: channels[m].index)
            n = int(np.asarray(channels[members[0]].values).shape[0])
            batches.setdefault((kind, n, len(members)), []).append(members)
    limit = {"abs": tol.value, "angle_deg": tol.rotation_deg, "distance": tol.location_m}
    for (kind, _n, _d), member_lists in batches.items():
        stack = np.stack([np.stack([np.asarray(channels[m].values, np.float64) for m in ms], axis=1)
                          for ms in member_lists])
        for ms, idx in zip(member_lists, reduce_keys_joint(stack, float(limit[kind]), kind)):
            for m in ms:
                kept[m] = idx
    return kept


def write_channel(container, channel: Channel, frame_start: int, tolerance: float | None,
                  kept=None) -> int:
    """Create one F-curve and write its keys in bulk; return the number of keys written.

    Every frame keyed (``tolerance is None``): Blender's default Bezier keys with auto-clamped
    handles, exact at every frame. Reduced keys: linear interpolation, so the error bound of
    :func:`reduce_keys` holds between keys too. ``kept`` (optional) gives the key indices already
    reduced for this channel (:func:`reduce_keys_many` over a whole target at once).
    """
    return _write_keys(container, channel, frame_start, tolerance, kept).shape[0] // 2


def _write_keys(container, channel: Channel, frame_start: int, tolerance: float | None, kept=None) -> np.ndarray:
    """:func:`write_channel`; returns the ``(2 N,)`` float32 ``co`` written (frame, value pairs)."""
    global _LINEAR
    values = np.asarray(channel.values, dtype=np.float64)
    if kept is not None:
        idx = np.asarray(kept, dtype=np.int64)
    else:
        idx = np.arange(values.shape[0]) if tolerance is None else reduce_keys(values, _as_tolerance(tolerance).value)
    n = int(idx.shape[0])
    co = np.empty(2 * n, dtype=np.float32)
    co[0::2] = frame_start + idx
    co[1::2] = values[idx]
    fc = compat.new_fcurve(container, channel.data_path, channel.index, channel.group)
    points = fc.keyframe_points
    points.add(n)
    points.foreach_set("co", co)
    if tolerance is not None:
        if _LINEAR is None:
            _LINEAR = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value
        points.foreach_set("interpolation", np.full(n, _LINEAR, dtype=np.int32))
    compat.recalc_handles(fc)
    return co


def _unused(action) -> bool:
    return action.users - int(action.use_fake_user) == 0


def _drop(action, id_name, cleared, messages) -> None:
    """Delete a generated action nobody else uses, unless it was edited (then keep it safe)."""
    if layers.is_edited(action):
        layers.keep_safe(action)
        messages.append(f"{id_name}: generated action {action.name!r} was edited: kept (fake user), not deleted")
        return
    if _unused(action):
        cleared.append(action.name)
        bpy.data.actions.remove(action)


def clear(id_datas, remove_unused: bool = False) -> tuple[list[str], list[str]]:
    """Remove generated animation from ``id_datas`` and restore what a bake moved to the NLA.

    Per datablock: the base track goes (its action deleted unless edited); an assigned generated
    action is unassigned and deleted unless edited (an edited one stays assigned); an edit layer
    made from an edited generated action plays whole again (its curves unmuted); an artist's action
    is never touched. ``remove_unused``: also delete earlier unedited generated actions of these
    datablocks that nothing uses any more (kept with a fake user by earlier bakes), so no orphans
    pile up.

    Returns:
        ``(cleared, messages)``: names of the removed actions and user-facing notes.
    """
    cleared, messages = [], []
    for id_data in id_datas:
        if id_data is None:
            continue
        name = id_data.name
        base = layers.remove_base(id_data)
        if base is not None:
            track = tag_of(base).get("pushed_track")
            _drop(base, name, cleared, messages)
            if track and compat.pop_from_nla(id_data, track) if compat.assigned(id_data)[0] is None else False:
                messages.append(f"{name}: restored your action from NLA track {track!r}")
        action, _slot = compat.assigned(id_data)
        if action is not None and is_generated(action):
            tag = tag_of(action)
            if tag.get("delta"):
                source = edits.drop_delta_layer(id_data, action)
                messages.append(f"{name}: your edited action {source!r} is assigned again" if source else
                                f"{name}: edit layer {action.name!r} unassigned (kept)")
            elif tag.get("role") == "edit":
                layers.release_edit_layer(action)
                messages.append(f"{name}: your edited action {action.name!r} stays assigned (all its curves play again)")
            elif layers.is_edited(action):
                messages.append(f"{name}: generated action {action.name!r} was edited: left assigned, not deleted")
            else:
                compat.assign_action(id_data, None)
                _drop(action, name, cleared, messages)
                track = tag.get("pushed_track")
                if track:
                    restored = compat.pop_from_nla(id_data, track)
                    if restored:
                        messages.append(f"{name}: restored your action {restored!r} from NLA track {track!r}")
        elif action is not None and base is None:
            messages.append(f"{name}: action {action.name!r} was not generated by Speech Animator; left alone")
        if remove_unused:
            for old in [a for a in bpy.data.actions if is_generated(a) and tag_of(a).get("id_name") == name
                        and _unused(a) and not layers.is_edited(a)]:
                cleared.append(old.name)
                bpy.data.actions.remove(old)
    return cleared, messages
