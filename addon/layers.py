"""Layer stack of an animated datablock: the generated *base* under the artist's *edits*.

Blender evaluates the NLA tracks bottom to top, then the active action on top of them. So:

- **base**: the generated action on the NLA track :data:`BASE_TRACK` (blend ``REPLACE``). Only
  used once a target has edits to protect; a target without any gets the generated action as its
  active action (nothing to layer).
- **edits**: the active action, above everything (``anim.action_blend_type``; ``REPLACE`` by
  default, so an edit layer overrides only the channels it animates, e.g. the artist's brow keys).
  An edited generated action becomes a *delta* edit layer holding only the changed frames
  (:func:`addon.edits.split_edits`); for actions without per-frame originals the fallback is
  :func:`make_edit_layer` (its unedited F-curves muted, the edited ones apply whole).
- **prompts**: the muted NLA track :data:`PROMPT_TRACK` (see :mod:`addon.prompts`).

Edits are detected with digests (:mod:`addon.digests`): every generated action stores, in its tag,
one digest per F-curve of what was baked (:func:`stamp`); :func:`edited_curves` lists the curves
that differ now (changed, added or deleted). Muting is not an edit. For the actions of the
session's last bake the keys read back are compared with the bytes that were digested
(:class:`BakeMemory`) rather than hashed again: the same verdict, cheaper.
"""

from __future__ import annotations

import bpy
import numpy as np

from . import compat
from .digests import LAYOUT, KeyReader, curve_digest, curve_key, digests, hash_hex  # noqa: F401  (layers.digests etc. are used)

TAG = "speech_animator"  # same key as bake.TAG (bake imports this module)
BASE_TRACK = "Speech Animator: base"
PROMPT_TRACK = "Speech Animator: prompts"


def stamp(action, slot=None, stamped=None) -> None:
    """Store the per-curve digests of ``action`` in its tag (after a bake wrote it). ``stamped``: ``{curve_key: digest}``
    of every F-curve of ``action`` (``slot``), each taken right after the bake wrote it
    (:meth:`addon.digests.KeyReader.digest`): stored as given when it names exactly the action's
    curves, else (never in a bake) every curve is digested again."""
    tag = action[TAG]
    d = stamped
    if d is None or {curve_key(fc) for fc in compat.action_fcurves(action, slot)} != set(d):
        d = digests(action, slot)
    keys = sorted(d)
    tag["curve_keys"] = "\n".join(keys)
    tag["curve_digests"] = "".join(d[k] for k in keys)
    tag["curve_digest_layout"] = LAYOUT


#: Most bytes of digested key material (:meth:`addon.digests.KeyReader.material`, ~11 bytes per
#: dense key) the session keeps of the actions its last bake created: 16 MiB holds ~80 s of the
#: demo character's 275 dense channels (60 s: 5.4 MB); a longer bake keeps nothing.
REMEMBER_BYTES = 16 << 20
#: ``{action.session_uid: (tag's curve_digests, {curve_key: material})}`` of the last bake's actions.
_REMEMBERED: dict = {}


class BakeMemory:
    """The key material of the actions one bake creates, collected while it writes them, kept for
    the next edit check (:func:`edited_curves` then compares bytes instead of hashing them).

    Nothing is kept past :data:`REMEMBER_BYTES` (collection stops there); what :meth:`keep` keeps
    names actions by ``session_uid`` only (no ID reference outlives the bake) and replaces what the
    previous bake left. A kept entry is used only while the action's tag holds the digest string
    stamped with it, and then only to skip hashing bytes equal to those digested: every key is
    still read back."""

    def __init__(self, limit: int = REMEMBER_BYTES):
        self.limit = int(limit)
        self.size = 0
        self.actions: dict = {}

    def add(self, action, key: str, material: bytes) -> None:
        """Collect one curve's material (dropped once the bake's total passes the limit)."""
        if self.size > self.limit:
            return
        self.size += len(material)
        if self.size > self.limit:
            self.actions.clear()
            return
        self.actions.setdefault(action, {})[key] = material

    def keep(self) -> None:
        """After the bake stamped its actions: they replace what the session remembered."""
        _REMEMBERED.clear()
        for action, materials in self.actions.items():
            _REMEMBERED[action.session_uid] = (action[TAG].get("curve_digests", ""), materials)
        self.actions = {}


def _remembered(action, tag) -> dict | None:
    """The material this session's last bake digested for ``action``, when the tag still holds
    the digests stamped from it (else ``None``)."""
    entry = _REMEMBERED.get(getattr(action, "session_uid", None))
    if entry is None or entry[0] != tag.get("curve_digests"):
        return None
    return entry[1]


def _stored(action) -> dict | None:
    tag = action.get(TAG)
    if tag is None or "curve_keys" not in tag:
        return None
    keys = tag["curve_keys"].split("\n") if tag["curve_keys"] else []
    hexes = tag["curve_digests"]
    return {k: hexes[16 * i:16 * (i + 1)] for i, k in enumerate(keys)}


def edited_curves(action) -> list[str]:
    """Curve keys of ``action`` that differ from what was baked (changed, added or deleted curves).

    ``[]`` for an unedited generated action. An action tagged ``contains_edits`` (a merge of edits)
    or generated before digests existed reports ``["*"]`` (treated as edited: never deleted).
    """
    tag = action.get(TAG)
    if tag is None:
        return []
    if tag.get("contains_edits"):
        return ["*"]
    stored = _stored(action)
    if stored is None:
        return ["*"]
    layout = int(tag.get("curve_digest_layout", 1))  # stamped before layouts existed: 1
    if layout not in (1, LAYOUT):
        return ["*"]  # stamped by a newer version: cannot be checked here, so never deleted
    remembered = _remembered(action, tag) if layout == LAYOUT else None
    # keys equal to what this session digested have the digest stamped from them: no hashing
    known = {k: (m, stored[k]) for k, m in remembered.items() if k in stored} if remembered else None
    now = digests(action, layout=layout, known=known)
    return sorted(k for k in set(stored) | set(now) if stored.get(k) != now.get(k))


def is_edited(action) -> bool:
    """True when a generated action was changed after the bake (see :func:`edited_curves`)."""
    return bool(edited_curves(action))


# --- NLA tracks --------------------------------------------------------------------------------

def _track(id_data, name):
    anim = id_data.animation_data
    return anim.nla_tracks.get(name) if anim is not None else None


def base_strip(id_data):
    """The strip of the base track (``None`` without one)."""
    track = _track(id_data, BASE_TRACK)
    return track.strips[0] if track is not None and len(track.strips) else None


def base_action(id_data):
    """The generated action on the base track of ``id_data`` (``None`` without one)."""
    strip = base_strip(id_data)
    return strip.action if strip is not None else None


def generated_action(id_data):
    """``(action, slot)`` of the generated animation of ``id_data``: the base track's action when the
    target is layered, else the active action when it is generated; ``(None, None)`` otherwise."""
    strip = base_strip(id_data)
    if strip is not None and strip.action is not None:
        return strip.action, getattr(strip, "action_slot", None)
    action, slot = compat.assigned(id_data)
    if action is not None and TAG in action.keys() and action[TAG].get("role") != "edit":
        return action, slot
    return None, None


def set_base(id_data, action, slot, frame_start: int):
    """Put ``action`` on the base track (created on top of the existing tracks when missing; the
    previous base strip is removed, its action left to the caller). Returns the track."""
    anim = id_data.animation_data or id_data.animation_data_create()
    track = anim.nla_tracks.get(BASE_TRACK)
    if track is None:
        track = anim.nla_tracks.new()
        track.name = BASE_TRACK
    for strip in list(track.strips):
        track.strips.remove(strip)
    strip = track.strips.new(action.name[:60], int(frame_start), action)
    if slot is not None and hasattr(strip, "action_slot"):
        strip.action_slot = slot
    strip.blend_type = 'REPLACE'
    strip.extrapolation = 'HOLD'
    return track


def remove_base(id_data):
    """Delete the base track; return the action it held (``None`` without one)."""
    track = _track(id_data, BASE_TRACK)
    if track is None:
        return None
    action = track.strips[0].action if len(track.strips) else None
    id_data.animation_data.nla_tracks.remove(track)
    return action


def make_edit_layer(action, edited: list[str]) -> int:
    """Turn an edited generated action into an edit layer: mute its unedited F-curves (they hold
    nothing of the artist's) so only the edited ones apply over the base. Returns curves muted."""
    tag = action[TAG]
    muted = []
    if "*" not in edited:
        keep = set(edited)
        for fc in compat.action_fcurves(action):
            key = curve_key(fc)
            if key not in keep and not fc.mute:
                fc.mute = True
                muted.append(key)
    tag["role"] = "edit"
    tag["muted"] = "\n".join(muted)
    return len(muted)


def release_edit_layer(action) -> None:
    """Undo :func:`make_edit_layer` (unmute what it muted): the action plays whole again."""
    tag = action.get(TAG)
    if tag is None or tag.get("role") != "edit":
        return
    muted = set(filter(None, tag.get("muted", "").split("\n")))
    for fc in compat.action_fcurves(action):
        if curve_key(fc) in muted:
            fc.mute = False
    del tag["role"]
    tag["muted"] = ""


def animated_keys(action, slot=None) -> set:
    """Curve keys of the unmuted F-curves of ``action``."""
    return {curve_key(fc) for fc in compat.action_fcurves(action, slot) if not fc.mute}


def keep_safe(action) -> None:
    """Make sure an action the artist may need survives without users (fake user)."""
    if action is not None:
        action.use_fake_user = True


#: Custom property (a group of ID pointers, ``{action name: action}``) on an animated datablock
#: holding the actions of the artist that a frame-range Regenerate or Merge Down took off it (an
#: edited base, the previous edit layer): a real user each, so they survive a save without a fake
#: user and are listed with the datablock (:func:`held`).
HELD_PROP = "speech_animator_held"


def hold(id_data, action) -> None:
    """Keep ``action`` alive through ``id_data``'s :data:`HELD_PROP` (an ID pointer, not a fake
    user; a fake user set before is cleared). ``None`` is ignored."""
    if action is None:
        return
    if HELD_PROP not in id_data.keys():
        id_data[HELD_PROP] = {}
    group = id_data[HELD_PROP]
    if not any(a == action for a in group.values()):
        name, n = action.name, 1
        while name in group:  # a held action renamed since: never drop its pointer
            name, n = f"{action.name} {n}", n + 1
        group[name] = action
    action.use_fake_user = False


def held(id_data) -> list:
    """The actions ``id_data`` holds (:func:`hold`), in the order held."""
    group = id_data.get(HELD_PROP)
    return [a for a in group.values() if isinstance(a, bpy.types.Action)] if group is not None else []


def _stack_actions(id_data):
    """``(action, slot, first_frame, last_frame)`` of everything that plays on ``id_data``: unmuted
    NLA strips (not the prompt track) and the active action."""
    anim = id_data.animation_data
    out = []
    if anim is None:
        return out
    if anim.use_nla:
        for track in anim.nla_tracks:
            if track.mute or track.name == PROMPT_TRACK:
                continue
            for strip in track.strips:
                if strip.action is not None and not strip.mute:
                    out.append((strip.action, getattr(strip, "action_slot", None), strip.frame_start, strip.frame_end))
    action, slot = compat.assigned(id_data)
    if action is not None:
        lo, hi = action.frame_range
        out.append((action, slot, lo, hi))
    return out


def plays_layers(id_data) -> bool:
    """True when more than the active action alone plays on ``id_data``: unmuted NLA strips under it
    (the base track, kept clips; not the prompt track) or an active action that does not replace at
    full influence (a delta edit layer). Then reading the active action's F-curves is not what plays:
    use :func:`evaluated_values`."""
    anim = id_data.animation_data
    if anim is None:
        return False
    if anim.action_blend_type != 'REPLACE' or anim.action_influence < 1.0:
        return True
    action, _slot = compat.assigned(id_data)
    return len(_stack_actions(id_data)) > int(action is not None)


def evaluated_values(id_data, scene, keys, frames) -> np.ndarray:
    """Values ``(K, F)`` float32 of the properties ``keys`` (``(data_path, array_index)`` pairs of
    ``id_data``) as Blender evaluates them (NLA tracks, edit layers, drivers) at the integer scene
    ``frames`` ``(F,)``; the current frame is restored."""
    values = np.zeros((len(keys), len(frames)), np.float32)
    current = scene.frame_current
    for j, f in enumerate(frames):
        scene.frame_set(int(f))
        for i, (path, index) in enumerate(keys):
            v = id_data.path_resolve(path)
            values[i, j] = v[index] if hasattr(v, "__len__") else v
    scene.frame_set(current)
    return values


def merge_down(id_data, scene, name: str | None = None):
    """Bake what plays on ``id_data`` (base + edits + other unmuted tracks) into one new action,
    evaluated by Blender on every frame of their union, and assign it.

    The base track is removed (its action deleted when unedited and unused, else held); the previous
    active action (edit layer or the artist's) is held by ``id_data`` (:func:`hold`: an ID pointer,
    no fake user; a delta layer still holds the artist's edited action), whole again. The merged
    action carries the generated tag with ``contains_edits`` so it is never deleted automatically.

    Returns:
        ``(action, frames)``: the new action and the number of frames keyed.

    Raises:
        ValueError: ``id_data`` has no base track (nothing to merge).
    """
    strip = base_strip(id_data)
    if strip is None or strip.action is None:
        raise ValueError(f"{id_data.name}: no generated base layer to merge (Generate first; a target without "
                         "edits already plays one action)")
    stack = _stack_actions(id_data)
    curves = {}
    for action, slot, _lo, _hi in stack:
        for fc in compat.action_fcurves(action, slot):
            if not fc.mute:
                curves.setdefault((fc.data_path, fc.array_index), fc.group.name if fc.group else "")
    first = int(np.floor(min(lo for *_x, lo, _hi in stack)))
    last = int(np.ceil(max(hi for *_x, _lo, hi in stack)))
    frames = np.arange(first, last + 1)
    keys = sorted(curves)
    values = evaluated_values(id_data, scene, keys, frames)

    base = strip.action
    tag = base[TAG].to_dict()
    old, _old_slot = compat.assigned(id_data)
    new, slot = compat.new_action(name or f"{base.name} merged"[:63], id_data)
    tag.update({"contains_edits": 1, "merged_from": ", ".join(a.name for a, *_r in stack)[:1000], "layered": 0})
    tag.pop("role", None)
    new[TAG] = tag
    container = compat.fcurve_container(new, slot)
    co = np.empty(2 * len(frames), np.float32)
    co[0::2] = frames
    for i, (path, index) in enumerate(keys):
        fc = compat.new_fcurve(container, path, index, curves[(path, index)])
        fc.keyframe_points.add(len(frames))
        co[1::2] = values[i]
        fc.keyframe_points.foreach_set("co", co)
        compat.recalc_handles(fc)
    remove_base(id_data)
    if old is not None:
        release_edit_layer(old)
        hold(id_data, old)
    compat.assign_action(id_data, new, slot)
    id_data.animation_data.action_blend_type = 'REPLACE'  # full values now, not a delta layer's
    stamp(new, slot)
    if not is_edited(base) and base.users - int(base.use_fake_user) == 0:
        bpy.data.actions.remove(base)
    elif base.users - int(base.use_fake_user) == 0:
        hold(id_data, base)
    return new, len(frames)
