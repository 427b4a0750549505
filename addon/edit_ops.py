"""Editing after generation: prompts, merge down and the "Generated animation" list.

Operators (all undoable):

- ``speechanim.use_keys_as_prompts``: the keys of the active actions of the chosen targets
  (only edited curves of a generated action; preview range only when it is on) become the prompts
  of the next Generate; the report lists what was found.
- ``speechanim.clear_prompts``: remove the prompt tracks (their actions are kept).
- ``speechanim.merge_down``: bake base + edit layer of the chosen targets into one action.
- ``speechanim.generated_select`` / ``generated_clear`` / ``generated_merge``: act on the action
  picked in the list (``SPEECHANIM_UL_generated``).
"""

from __future__ import annotations

import os
import time

import bpy

from . import bake, compat, layers, operators, prompts
from .sidebar import settings


def _id_of(action):
    """The datablock a generated action was baked for (``None`` when it no longer exists)."""
    tag = bake.tag_of(action)
    name, kind = tag.get("id_name"), tag.get("id_type")
    if not name:
        return None
    coll = bpy.data.shape_keys if kind == 'KEY' else bpy.data.objects
    return coll.get(name)


def _picked(context):
    s = context.scene.speech_animator
    i = s.generated_index
    if 0 <= i < len(bpy.data.actions):
        action = bpy.data.actions[i]
        if bake.is_generated(action):
            return action
    return None


def _owner_object(id_data):
    if isinstance(id_data, bpy.types.Object):
        return id_data
    return next((o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys == id_data), None)


class SPEECHANIM_OT_use_keys_as_prompts(bpy.types.Operator):
    """Use the keys of the targets' current actions as prompts for the next Generate (body poses and
    face shapes it must keep); only the preview range when it is on"""

    bl_idname = "speechanim.use_keys_as_prompts"
    bl_label = "Use Keys as Prompts"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        return operators.poll_targets(cls, context, lambda i: compat.assigned(i)[0] is not None,  # cheap: on redraws
                                      "No keys to use: key poses or shapes on the chosen targets first "
                                      "(of a generated action only what you edited counts)")

    def execute(self, context):
        frame_range = prompts.prompt_frame_range(context.scene)
        total = 0
        for id_data in operators.target_ids(context):
            found = prompts.mark_prompts(id_data, frame_range)
            if found:
                total += len(found)
                self.report({'INFO'}, prompts.describe(id_data.name, found))
        if not total:
            self.report({'WARNING'}, "No keys found" + (f" in frames {frame_range[0]}-{frame_range[1]}"
                                                         if frame_range else "") +
                        " (a generated action counts only where you edited it)")
            return {'CANCELLED'}
        return {'FINISHED'}


class SPEECHANIM_OT_clear_prompts(bpy.types.Operator):
    """Remove the prompt tracks of the targets (the prompt actions are kept with a fake user)"""

    bl_idname = "speechanim.clear_prompts"
    bl_label = "Clear Prompts"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        return operators.poll_targets(cls, context, lambda i: prompts.prompt_action(i)[0],
                                      "The chosen targets have no prompts")

    def execute(self, context):
        removed = [n for n in (prompts.clear_prompts(i) for i in operators.target_ids(context)) if n]
        self.report({'INFO'}, "Prompts removed (actions kept): " + ", ".join(removed))
        return {'FINISHED'}


def _merge(op, id_datas, context) -> set:
    merged = []
    for id_data in id_datas:
        if layers.base_strip(id_data) is None:
            continue
        action, frames = layers.merge_down(id_data, context.scene)
        merged.append(f"{action.name!r} ({frames} frames)")
    if not merged:
        op.report({'WARNING'}, "Nothing to merge: no target has a generated base under edits")
        return {'CANCELLED'}
    op.report({'INFO'}, "Merged base and edits into " + ", ".join(merged))
    return {'FINISHED'}


class SPEECHANIM_OT_merge_down(bpy.types.Operator):
    """Bake the generated base and the edit layer above it into one action per target"""

    bl_idname = "speechanim.merge_down"
    bl_label = "Merge Down"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        return operators.poll_targets(cls, context, lambda i: layers.base_strip(i) is not None,
                                      "No target has a generated base layer under edits")

    def execute(self, context):
        return _merge(self, operators.target_ids(context), context)


class _PickedOp:
    @classmethod
    def poll(cls, context):
        if settings(context) is None:
            return False
        if _picked(context) is None:
            cls.poll_message_set("Pick a generated action in the list")
            return False
        if _id_of(_picked(context)) is None:
            cls.poll_message_set("The object this action was generated for no longer exists")
            return False
        return True


class SPEECHANIM_OT_generated_select(_PickedOp, bpy.types.Operator):
    """Select the object of the picked generated action and make it the sidebar's target"""

    bl_idname = "speechanim.generated_select"
    bl_label = "Select"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        id_data = _id_of(_picked(context))
        obj = _owner_object(id_data)
        if obj is None:
            self.report({'WARNING'}, f"No object uses {id_data.name!r}")
            return {'CANCELLED'}
        s = context.scene.speech_animator
        if obj.type == 'ARMATURE':
            s.armature = obj
        else:
            s.face_object = obj
        for other in context.view_layer.objects:
            other.select_set(False)
        obj.select_set(True)
        context.view_layer.objects.active = obj
        self.report({'INFO'}, f"Selected {obj.name!r}")
        return {'FINISHED'}


class SPEECHANIM_OT_generated_clear(_PickedOp, bpy.types.Operator):
    """Remove the generated animation of the picked action's target (edited actions are kept)"""

    bl_idname = "speechanim.generated_clear"
    bl_label = "Clear"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        cleared, messages = bake.clear([_id_of(_picked(context))], remove_unused=True)
        for msg in messages:
            self.report({'INFO'}, msg)
        self.report({'INFO'}, "Removed " + (", ".join(cleared) or "nothing"))
        return {'FINISHED'} if cleared or messages else {'CANCELLED'}


class SPEECHANIM_OT_generated_merge(_PickedOp, bpy.types.Operator):
    """Merge the base and edit layers of the picked action's target into one action"""

    bl_idname = "speechanim.generated_merge"
    bl_label = "Merge"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        return _merge(self, [_id_of(_picked(context))], context)


#: The list redraws often; a digest check of a long body action takes ~0.1 s, so the list shows a
#: result at most this old (operators always check afresh).
EDITED_CACHE_S = 2.0
_EDITED: dict = {}


def _edited_for_display(action) -> bool:
    now = time.monotonic()
    key = action.as_pointer()
    hit = _EDITED.get(key)
    if hit is None or now - hit[0] > EDITED_CACHE_S:
        if len(_EDITED) > 512:
            _EDITED.clear()
        hit = _EDITED[key] = (now, layers.is_edited(action))
    return hit[1]


class SPEECHANIM_UL_generated(bpy.types.UIList):
    """Generated actions of this file: audio, model, date, edited or not, where it plays."""

    def draw_item(self, context, layout, data, item, icon, active_data, active_prop, index=0, flt_flag=0):
        tag = bake.tag_of(item)
        edited = _edited_for_display(item)
        row = layout.row(align=True)
        row.label(text=item.name, icon='GREASEPENCIL' if edited else 'ACTION')
        row.label(text=os.path.basename(tag.get("audio", "")) or "-")
        row.label(text=tag.get("face_model") or tag.get("body_model") or "-")
        row.label(text=tag.get("created", "-"))
        role = "edit layer" if tag.get("role") == "edit" else ("base" if tag.get("layered") else "")
        row.label(text=", ".join(filter(None, ["edited" if edited else "", role, "" if item.users else "unused"])))

    def filter_items(self, context, data, propname):
        items = getattr(data, propname)
        flags = [self.bitflag_filter_item if bake.is_generated(a) else 0 for a in items]
        return flags, []


CLASSES = (SPEECHANIM_OT_use_keys_as_prompts, SPEECHANIM_OT_clear_prompts, SPEECHANIM_OT_merge_down,
           SPEECHANIM_OT_generated_select, SPEECHANIM_OT_generated_clear, SPEECHANIM_OT_generated_merge,
           SPEECHANIM_UL_generated)


#: Blender's own helper registers ``CLASSES`` in order and unregisters them in reverse.
register, unregister = bpy.utils.register_classes_factory(CLASSES)
