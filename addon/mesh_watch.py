"""Which meshes changed: a count of the edits Blender reports per Mesh datablock.

Skin weights have no bulk read and no change counter in Blender's Python API, so a cache of what
was read from a mesh (:func:`addon.body_proxies.bone_points`) cannot check them cheaply. Blender
does report them: an edit of a mesh's data (a weight painted or set through ``VertexGroup.add`` or
``VertexGroupElement.weight``, a vertex moved, edit mode left) tags the Mesh datablock, and the
next depsgraph evaluation lists it in ``depsgraph.updates``; posing or animating the armature that
deforms it lists only the Object (checked in Blender 5.0). A handler counts those updates per
mesh; :func:`token` turns the counts into part of a cache key. Loading a file, undo and redo
reset everything (a new epoch).

Only while registered (the add-on is enabled) are edits counted; otherwise :func:`token` returns
``None`` and callers must not cache. Edits that bypass Blender's update tagging (e.g. writing
``bmesh.to_mesh`` without ``mesh.update()``) are not seen; neither are meshes outside the
evaluated view layer (callers check :func:`in_view_layer`).
"""

from __future__ import annotations

from contextlib import contextmanager

import bpy
from bpy.app.handlers import persistent

_COUNTS: dict = {}
_STATE = {"epoch": 0, "active": False, "quiet": False}


@persistent
def _on_update(_scene, depsgraph) -> None:
    if _STATE["quiet"]:
        return
    for update in depsgraph.updates:
        data = update.id
        if isinstance(data, bpy.types.Mesh):
            ptr = data.original.as_pointer()
            _COUNTS[ptr] = _COUNTS.get(ptr, 0) + 1


@persistent
def _on_reset(*_args) -> None:
    _COUNTS.clear()
    _STATE["epoch"] += 1


_RESETS = ("load_post", "undo_post", "redo_post")


def register() -> None:
    """Start counting (idempotent)."""
    handlers = bpy.app.handlers
    if _on_update not in handlers.depsgraph_update_post:
        handlers.depsgraph_update_post.append(_on_update)
    for name in _RESETS:
        if _on_reset not in getattr(handlers, name):
            getattr(handlers, name).append(_on_reset)
    _on_reset()
    _STATE["active"] = True


def unregister() -> None:
    """Stop counting; :func:`token` returns ``None`` from now on."""
    handlers = bpy.app.handlers
    if _on_update in handlers.depsgraph_update_post:
        handlers.depsgraph_update_post.remove(_on_update)
    for name in _RESETS:
        if _on_reset in getattr(handlers, name):
            getattr(handlers, name).remove(_on_reset)
    _on_reset()
    _STATE["active"] = False


def token(meshes) -> tuple | None:
    """``(epoch, edits per mesh)`` for the Mesh datablocks ``meshes``: equal tokens mean Blender
    reported no edit of any of them in between. ``None`` while not registered (nothing counted).
    Pending edits are reported by the next evaluation: call ``view_layer.update()`` first."""
    if not _STATE["active"]:
        return None
    return (_STATE["epoch"],) + tuple(_COUNTS.get(me.as_pointer(), 0) for me in meshes)


@contextmanager
def animation_change(view_layer):
    """A block that changes only what animates a datablock (an action assigned, an NLA strip
    added), not any mesh: the Mesh updates Blender reports for it are not counted as edits.

    Assigning an action to a mesh's shape keys (``Key``) tags the Mesh datablock's geometry, so
    without this every shape-key bake would read as an edit of that mesh (checked in Blender 5.0:
    creating the action, its F-curves and keys tags nothing; the assignment does). On entry the
    pending updates are evaluated (and counted as usual); the block's own are evaluated at its end
    (``view_layer.update()``) with counting paused. The caller guarantees the block edits no mesh:
    an edit made inside it would be missed. Does nothing special while not registered."""
    if not _STATE["active"] or _STATE["quiet"]:
        yield
        return
    view_layer.update()
    _STATE["quiet"] = True
    try:
        yield
        view_layer.update()
    finally:
        _STATE["quiet"] = False


def in_view_layer(objects, view_layer) -> bool:
    """True when every object is in ``view_layer`` (so its mesh's edits are evaluated and counted)."""
    names = view_layer.objects
    return all(names.get(ob.name) == ob for ob in objects)
