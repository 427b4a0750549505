"""Rig Mapping sub-panel: see and edit the face (ARKit -> shape key) and body (SMPL-X -> bone) maps.

The edited maps live on the objects themselves (``Object.speech_animator_face_map`` on the face
mesh, ``Object.speech_animator_bone_map`` on the armature), so they are saved with the .blend and
used by Generate (:func:`addon.targets_face.build_face_targets` and
:func:`addon.targets_body.build_body_targets` read them when no explicit map is passed). An empty
map means "automatic" (exact names, vendor presets, guessing). Maps can be saved to and loaded
from JSON presets in the extension's user directory (or Blender's user config directory).
"""

from __future__ import annotations

import os

import bpy
from bpy.props import CollectionProperty, EnumProperty, IntProperty, StringProperty

from ..rigs.arkit import ARKIT_NAMES
from ..rigs.bone_maps import guess_bone_map
from ..rigs.map_presets import load_map, save_map
from ..rigs.smplx import JOINT_NAMES
from .rna_registration import register_factory
from .sidebar import SidebarPanel, settings
from .stored_maps import MAP_PROPERTY, stored_map
from .targets_face import face_match

_KIND_ITEMS = (('FACE', "Face", "ARKit name -> shape key on the face mesh"),
               ('BODY', "Body", "SMPL-X joint -> bone of the armature"))
_FILE_KIND = {'FACE': "face_map", 'BODY': "bone_map"}


class SPEECHANIM_PG_map_item(bpy.types.PropertyGroup):
    """One row of a mapping: ``source`` (ARKit name / SMPL-X joint) -> ``target`` (key / bone)."""

    source: StringProperty(name="Source")
    target: StringProperty(name="Target", description="Shape key or bone; empty = not animated")
    extra: StringProperty(name="More Keys", description="Further shape keys driven by the same curve "
                          "(comma separated; e.g. Character Creator's four mouthFunnel quadrants)")


def presets_dir(kind: str) -> str:
    """Folder of JSON presets for ``kind`` (created): the extension's user directory when installed
    as an extension, else Blender's user config directory."""
    sub = f"presets/{_FILE_KIND[kind]}"
    package = __package__.rsplit(".", 1)[0]
    try:
        return bpy.utils.extension_path_user(package, path=sub, create=True)
    except (ValueError, AttributeError):  # not running as an installed extension
        return bpy.utils.user_resource('CONFIG', path=f"speech_animator/{sub}", create=True)


def _context_objects(context, kind):
    s = context.scene.speech_animator
    return s.face_object if kind == 'FACE' else s.armature


def _fill(obj, kind, mapping: dict) -> None:
    coll = getattr(obj, MAP_PROPERTY[kind])
    coll.clear()
    for src in (ARKIT_NAMES if kind == 'FACE' else JOINT_NAMES):
        item = coll.add()
        item.source = src
        tgt = mapping.get(src, "")
        keys = list(tgt) if isinstance(tgt, (list, tuple)) else ([tgt] if tgt else [])
        item.target = keys[0] if keys else ""
        item.extra = ", ".join(keys[1:])


def _auto_map(obj, kind) -> dict:
    if kind == 'FACE':
        m = face_match(obj, {})
        return {} if m is None else {a: list(ks) for a, ks in m.mapping.items()}
    names = [b.name for b in obj.data.bones]
    parents = [names.index(b.parent.name) if b.parent else -1 for b in obj.data.bones]
    return dict(guess_bone_map(names, parents).mapping)


def poll_character(cls, context) -> bool:
    """Shared ``poll`` of operators that need the Speech panel's face mesh or armature."""
    s = settings(context)
    if s is None or (s.face_object is None and s.armature is None):
        cls.poll_message_set("Choose a face mesh or an armature in the Speech panel first")
        return False
    return True


class _MapOperator:
    kind: EnumProperty(name="Kind", items=_KIND_ITEMS)

    poll = classmethod(poll_character)

    def target_object(self, context):
        obj = _context_objects(context, self.kind)
        if obj is None:
            self.report({'ERROR'}, f"No {'face mesh' if self.kind == 'FACE' else 'armature'} chosen")
        elif obj.library is not None and obj.override_library is None:
            self.report({'ERROR'}, f"{obj.name!r} is linked from a library; its mapping cannot be edited")
            return None
        return obj

    def execute(self, context):
        obj = self.target_object(context)
        return {'CANCELLED'} if obj is None else self.run(obj)

    def fill(self, obj, mapping: dict, how: str) -> set:
        """Replace ``obj``'s editable map with ``mapping``, report ``"<obj>: N entries <how>"``; ``{'FINISHED'}``."""
        _fill(obj, self.kind, mapping)
        self.report({'INFO'}, f"{obj.name}: {len(mapping)} entries {how}")
        return {'FINISHED'}

    def run(self, obj) -> set:
        """The operator's work on the chosen, editable ``obj``; returns the operator result."""
        raise NotImplementedError(type(self).__name__)


class SPEECHANIM_OT_map_auto(_MapOperator, bpy.types.Operator):
    """Fill the editable map from the automatic match (exact names, vendor presets, guessing)"""

    bl_idname = "speechanim.map_auto"
    bl_label = "Auto Map"
    bl_options = {'REGISTER', 'UNDO'}

    def run(self, obj):
        return self.fill(obj, _auto_map(obj, self.kind), "mapped automatically")


class SPEECHANIM_OT_map_clear(_MapOperator, bpy.types.Operator):
    """Forget the edited map (Generate matches automatically again)"""

    bl_idname = "speechanim.map_clear"
    bl_label = "Clear Map"
    bl_options = {'REGISTER', 'UNDO'}

    def run(self, obj):
        getattr(obj, MAP_PROPERTY[self.kind]).clear()
        return {'FINISHED'}


class SPEECHANIM_OT_map_save_preset(_MapOperator, bpy.types.Operator):
    """Save the edited map as a JSON preset in the user directory"""

    bl_idname = "speechanim.map_save_preset"
    bl_label = "Save Preset"

    name: StringProperty(name="Name", default="my_rig")

    def invoke(self, context, event):
        return context.window_manager.invoke_props_dialog(self)

    def run(self, obj):
        mapping = stored_map(obj, self.kind) or _auto_map(obj, self.kind)
        mapping = {k: v for k, v in mapping.items() if v}
        safe = "".join(c for c in self.name if c.isalnum() or c in "-_ ").strip() or "preset"
        path = os.path.join(presets_dir(self.kind), safe + ".json")
        save_map(path, _FILE_KIND[self.kind], mapping, safe)
        self.report({'INFO'}, f"Saved {len(mapping)} entries to {path}")
        return {'FINISHED'}


def _preset_items(self, _context):
    try:
        folder = presets_dir(self.kind)
        files = sorted(f for f in os.listdir(folder) if f.endswith(".json"))
    except OSError:
        files = []
    return [(f, f[:-5], os.path.join(folder, f)) for f in files] or [("", "(no presets saved)", "")]


class SPEECHANIM_OT_map_load_preset(_MapOperator, bpy.types.Operator):
    """Load a saved JSON preset into the editable map"""

    bl_idname = "speechanim.map_load_preset"
    bl_label = "Load Preset"
    bl_options = {'REGISTER', 'UNDO'}
    bl_property = "preset"

    preset: EnumProperty(name="Preset", items=_preset_items)

    def invoke(self, context, event):
        context.window_manager.invoke_search_popup(self)
        return {'RUNNING_MODAL'}

    def run(self, obj):
        if not self.preset:
            return {'CANCELLED'}
        try:
            mapping = load_map(os.path.join(presets_dir(self.kind), self.preset), _FILE_KIND[self.kind])
        except (OSError, ValueError) as exc:
            self.report({'ERROR'}, str(exc))
            return {'CANCELLED'}
        return self.fill(obj, mapping, f"loaded from {self.preset}")


class SPEECHANIM_UL_map(bpy.types.UIList):
    """Rows ``source -> target`` with a search field over the object's shape keys or bones."""

    def draw_item(self, context, layout, data, item, icon, active_data, active_propname, index=0):
        row = layout.row(align=True)
        row.label(text=item.source)
        if data.type == 'MESH' and data.data.shape_keys is not None:
            row.prop_search(item, "target", data.data.shape_keys, "key_blocks", text="")
            if item.extra:
                row.label(text=f"+{len([k for k in item.extra.split(',') if k.strip()])}")
        elif data.type == 'ARMATURE':
            row.prop_search(item, "target", data.data, "bones", text="")
        else:
            row.prop(item, "target", text="")


class SPEECHANIM_PT_mapping(SidebarPanel, bpy.types.Panel):
    bl_label = "Rig Mapping"
    bl_parent_id = "SPEECHANIM_PT_main"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        s = context.scene.speech_animator
        layout = self.layout
        if s.face_object is None and s.armature is None:
            layout.label(text="Choose a face mesh or an armature above", icon='INFO')
        if s.face_object is not None and s.face_object.type == 'MESH':
            self._face(layout.box(), s.face_object)
        if s.armature is not None and s.armature.type == 'ARMATURE':
            self._body(layout.box(), s.armature)

    def _buttons(self, box, kind):
        row = box.row(align=True)
        row.operator("speechanim.map_auto", text="Auto", icon='AUTO').kind = kind
        row.operator("speechanim.map_clear", text="Clear", icon='X').kind = kind
        row.operator("speechanim.map_save_preset", text="Save", icon='FILE_TICK').kind = kind
        row.operator("speechanim.map_load_preset", text="Load", icon='FILEBROWSER').kind = kind

    def _face(self, box, obj):
        box.label(text=f"Face: {obj.name}", icon='SHAPEKEY_DATA')
        m = face_match(obj, stored_map(obj, 'FACE'))
        if m is None:
            box.label(text="No shape keys", icon='ERROR')
            return
        col = box.column(align=True)
        col.label(text=f"Matched {m.num_matched}/52 ({m.preset})")
        if m.missing:
            col.label(text=f"Missing {len(m.missing)}: {', '.join(m.missing[:4])}{' ...' if len(m.missing) > 4 else ''}",
                      icon='ERROR')
        if m.unmapped:
            col.label(text=f"Unmapped keys {len(m.unmapped)}: {', '.join(m.unmapped[:4])}"
                           f"{' ...' if len(m.unmapped) > 4 else ''}")
        if obj.speech_animator_face_map:
            box.template_list("SPEECHANIM_UL_map", "face", obj, "speech_animator_face_map",
                              obj, "speech_animator_map_index", rows=6)
        else:
            box.label(text="Automatic (press Auto to edit)")
        self._buttons(box, 'FACE')

    def _body(self, box, arm):
        box.label(text=f"Body: {arm.name}", icon='ARMATURE_DATA')
        stored = stored_map(arm, 'BODY')
        if stored:
            mapped = sum(1 for v in stored.values() if v)
            box.label(text=f"Edited map: {mapped} joints mapped")
            box.template_list("SPEECHANIM_UL_map", "body", arm, "speech_animator_bone_map",
                              arm, "speech_animator_map_index", rows=6)
        else:
            names = [b.name for b in arm.data.bones]
            parents = [names.index(b.parent.name) if b.parent else -1 for b in arm.data.bones]
            g = guess_bone_map(names, parents)
            col = box.column(align=True)
            col.label(text=f"Automatic: {g.preset}, confidence {g.confidence:.2f}, {len(g.mapping)} joints")
            if g.missing:
                col.label(text=f"Missing: {', '.join(g.missing[:4])}{' ...' if len(g.missing) > 4 else ''}",
                          icon='ERROR')
            for p in g.problems[:3]:
                col.label(text=p, icon='ERROR')
        self._buttons(box, 'BODY')


CLASSES = (SPEECHANIM_PG_map_item, SPEECHANIM_OT_map_auto, SPEECHANIM_OT_map_clear,
           SPEECHANIM_OT_map_save_preset, SPEECHANIM_OT_map_load_preset, SPEECHANIM_UL_map,
           SPEECHANIM_PT_mapping)


register, unregister = register_factory(CLASSES, [
    (bpy.types.Object, "speech_animator_face_map", CollectionProperty(type=SPEECHANIM_PG_map_item)),
    (bpy.types.Object, "speech_animator_bone_map", CollectionProperty(type=SPEECHANIM_PG_map_item)),
    (bpy.types.Object, "speech_animator_map_index", IntProperty(options={'SKIP_SAVE'}))])
