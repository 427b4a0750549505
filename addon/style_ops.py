"""Speaking style of a character: learnt from its approved, edited take, stored on the face object,
applied by Generate to its new takes (``inference/face/style.py``), shown and reset in the sidebar.

Storage: the face object's custom property ``speechanim_style`` (JSON of
:meth:`inference.face.style.SpeakingStyle.to_mapping`).
"""

from __future__ import annotations

import json
import re

import bpy
import numpy as np

from ..inference.errors import InputError
from ..inference.face.style import SpeakingStyle, estimate_style
from ..rigs.arkit import ARKIT_INDEX, NUM_ARKIT
from . import edits, layers
from .sidebar import FaceOperator, face_object

PROP = "speechanim_style"
_KEY = re.compile(r'^key_blocks\["(.+)"\]\.value\[0\]$')


def stored_style(obj) -> SpeakingStyle | None:
    """The style stored on ``obj`` (``None`` when none or unreadable)."""
    raw = obj.get(PROP) if obj is not None else None
    if not raw:
        return None
    try:
        return SpeakingStyle.parse(json.loads(raw))
    except (ValueError, InputError):
        return None


def take_arrays(obj, scene):
    """``(generated, edited)`` ``(T, 52)`` ARKit arrays of ``obj``'s generated take: as baked (stored
    by the bake) and as it plays now (edit layers, the artist's keys).

    Raises:
        ValueError: no generated take on ``obj`` or no ARKit-named shape keys in it.
    """
    key = obj.data.shape_keys if obj is not None and obj.type == 'MESH' else None
    action = layers.generated_action(key)[0] if key is not None else None
    stored = edits.original_values(action) if action is not None else None
    if stored is None:
        raise ValueError(f"{getattr(obj, 'name', 'face')}: no generated take to learn from (Generate first)")
    first, values = stored
    names = {k: m.group(1) for k in values if (m := _KEY.match(k)) and m.group(1) in ARKIT_INDEX}
    if not names:
        raise ValueError(f"{obj.name}: the generated take has no ARKit-named shape keys")
    length = len(next(iter(values.values())))
    frames = np.arange(first, first + length)
    order = sorted(names)
    played = layers.evaluated_values(key, scene, [(f'key_blocks["{names[k]}"].value', 0) for k in order], frames)
    generated = np.zeros((length, NUM_ARKIT), np.float32)
    edited = np.zeros((length, NUM_ARKIT), np.float32)
    for i, k in enumerate(order):
        generated[:, ARKIT_INDEX[names[k]]] = values[k]
        edited[:, ARKIT_INDEX[names[k]]] = played[i]
    return generated, edited


class SPEECHANIM_OT_learn_style(FaceOperator, bpy.types.Operator):
    """Learn the face's speaking style (jaw, lip width, pucker, brows, blink rate) from its edited take; new takes use it"""

    bl_idname = "speechanim.learn_style"
    bl_label = "Learn Style from Edited Take"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        obj = face_object(context)
        try:
            generated, edited = take_arrays(obj, context.scene)
        except ValueError as exc:
            self.report({'ERROR'}, str(exc))
            return {'CANCELLED'}
        style = estimate_style(generated, edited)
        obj[PROP] = json.dumps(style.to_mapping())
        self.report({'INFO'}, "Style learnt" + (" (the take is unedited: neutral)" if style.neutral else ""))
        return {'FINISHED'}


class SPEECHANIM_OT_reset_style(bpy.types.Operator):
    """Forget the face's learnt speaking style (new takes are generated as they come)"""

    bl_idname = "speechanim.reset_style"
    bl_label = "Reset Style"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        obj = face_object(context)
        if obj is None or PROP not in obj.keys():
            cls.poll_message_set("The face has no learnt style")
            return False
        return True

    def execute(self, context):
        del face_object(context)[PROP]
        return {'FINISHED'}


def draw_style(layout, obj) -> None:
    """The sidebar's style box: learnt values (or "none"), Learn and Reset."""
    box = layout.box()
    box.label(text="Speaking Style", icon='MOD_SMOOTH')
    style = stored_style(obj)
    if style is None:
        box.label(text="none learnt")
    else:
        col = box.column(align=True)
        for group in ("jaw", "lip_width", "pucker", "brow"):
            col.label(text=f"{group.replace('_', ' ')}: x{getattr(style, group + '_gain'):.2f} "
                           f"{getattr(style, group + '_offset'):+.2f}")
        col.label(text=f"blink rate: x{style.blink_rate:.2f}")
    row = box.row(align=True)
    row.operator("speechanim.learn_style", icon='IMPORT')
    row.operator("speechanim.reset_style", text="", icon='X')


CLASSES = (SPEECHANIM_OT_learn_style, SPEECHANIM_OT_reset_style)
register, unregister = bpy.utils.register_classes_factory(CLASSES)
