"""The sidebar's "Conversation" sub-panel: a list of characters with their audio, Generate Conversation.

Settings live in ``scene.speech_animator_conversation`` (:class:`SPEECHANIM_PG_conversation`); the
generate options (models, fps, seed, parts, key thinning, replace/existing-action policy) and the
start frame are the main panel's.
"""

from __future__ import annotations

import logging
import os

import bpy
from bpy.props import CollectionProperty, EnumProperty, IntProperty, PointerProperty, StringProperty

from . import blendpaths, conversation_bake, operators, pipeline
from .rna_registration import register_factory
from .sidebar import SidebarPanel, props, settings, split
from ..inference.errors import user_message

_LOG = logging.getLogger(__name__)


def _is_mesh(_self, obj):
    return obj.type == 'MESH' and obj.data.shape_keys is not None


def _is_armature(_self, obj):
    return obj.type == 'ARMATURE'


class SPEECHANIM_PG_conversation_character(bpy.types.PropertyGroup):
    """One character of the conversation (``name`` is the list label)."""

    face_object: PointerProperty(name="Face", type=bpy.types.Object, poll=_is_mesh,
                                 description="The character's face mesh with ARKit shape keys")
    armature: PointerProperty(name="Armature", type=bpy.types.Object, poll=_is_armature,
                              description="The character's body armature (its position and turn place the character)")
    audio_path: StringProperty(name="Audio", subtype='FILE_PATH',
                               description="This character's lines as one audio file ('//' = next to the .blend)")
    start_frame: IntProperty(name="Starts At", default=0, min=0,
                             description="Frames after the Generate start frame at which this character's audio begins")
    channel: IntProperty(name="Channel", default=0, min=0,
                         description="This character's channel of the stereo file (0 = left)")


class SPEECHANIM_PG_conversation(bpy.types.PropertyGroup):
    """Conversation settings of a scene."""

    characters: CollectionProperty(type=SPEECHANIM_PG_conversation_character)
    active_index: IntProperty(name="Active Character", default=0)
    source: EnumProperty(name="Audio", items=(
        ('FILES', "One File per Character", "Each character has its own audio file and start"),
        ('STEREO', "One Stereo File", "One multichannel file, one speaker per channel")), default='FILES')
    stereo_path: StringProperty(name="Stereo File", subtype='FILE_PATH',
                                description="One file, one speaker per channel ('//' = next to the .blend)")


class SPEECHANIM_UL_conversation_characters(bpy.types.UIList):
    """Characters: name, face mesh, armature."""

    def draw_item(self, context, layout, _data, item, _icon, _active_data, _active_prop, _index=0):
        row = layout.row(align=True)
        row.prop(item, "name", text="", emboss=False, icon='USER')
        row.label(text=(item.armature.name if item.armature else (item.face_object.name if item.face_object else "-")))


def _conv(context):
    scene = getattr(context, "scene", None)
    return getattr(scene, "speech_animator_conversation", None) if scene else None


class SPEECHANIM_OT_conversation_add(bpy.types.Operator):
    """Add a character (the selected armature and face mesh when there are any)"""

    bl_idname = "speechanim.conversation_add"
    bl_label = "Add Character"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        conv = _conv(context)
        item = conv.characters.add()
        item.name = f"Character {len(conv.characters)}"
        for obj in getattr(context, "selected_objects", []) or []:
            if obj.type == 'ARMATURE' and item.armature is None:
                item.armature = obj
            elif obj.type == 'MESH' and obj.data.shape_keys is not None and item.face_object is None:
                item.face_object = obj
        item.channel = len(conv.characters) - 1
        conv.active_index = len(conv.characters) - 1
        return {'FINISHED'}


class SPEECHANIM_OT_conversation_remove(bpy.types.Operator):
    """Remove the active character from the list (its objects and actions stay)"""

    bl_idname = "speechanim.conversation_remove"
    bl_label = "Remove Character"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        conv = _conv(context)
        return conv is not None and 0 <= conv.active_index < len(conv.characters)

    def execute(self, context):
        conv = _conv(context)
        conv.characters.remove(conv.active_index)
        conv.active_index = max(0, min(conv.active_index, len(conv.characters) - 1))
        return {'FINISHED'}


class SPEECHANIM_OT_generate_conversation(bpy.types.Operator):
    """Generate every character of the conversation (speaking where it talks, listening elsewhere) and bake each onto its own objects"""

    bl_idname = "speechanim.generate_conversation"
    bl_label = "Generate Conversation"
    bl_options = {'REGISTER', 'UNDO'}

    @classmethod
    def poll(cls, context):
        conv = _conv(context)
        if conv is None or settings(context) is None:
            return False
        if operators.is_running():
            cls.poll_message_set("Generate is already running (Esc cancels it)")
            return False
        if len(conv.characters) < 2:
            cls.poll_message_set("Add at least two characters")
            return False
        for it in conv.characters:
            if it.face_object is None and it.armature is None:
                cls.poll_message_set(f"{it.name}: choose a face mesh or an armature")
                return False
        if conv.source == 'STEREO':
            if not os.path.isfile(blendpaths.resolve(conv.stereo_path)):
                cls.poll_message_set("Choose an existing stereo file")
                return False
        elif not any(it.audio_path for it in conv.characters):
            cls.poll_message_set("Give at least one character an audio file")
            return False
        return True

    def execute(self, context):
        conv, s = _conv(context), context.scene.speech_animator
        try:
            options = s.generate_options(context.scene)
            scene_desc = conversation_bake.scene_from_items(
                conv.characters, conv.stereo_path if conv.source == 'STEREO' else "", options.fps)
            _conv_out, results = conversation_bake.bake_scene(
                scene_desc, options, s.frame_start, key_tolerance=s.key_tolerances(),
                replace_generated=s.replace_generated, existing_action=getattr(s, "existing_action", "AUTO"))
        except pipeline.USER_ERRORS as exc:
            self.report({'ERROR'}, str(exc))
            return {'CANCELLED'}
        except Exception as exc:  # a bug: full text to the console, one line to the user
            _LOG.error("Generate Conversation failed:\n%s", user_message(exc))
            self.report({'ERROR'}, f"Generate Conversation failed: {type(exc).__name__}: {exc}")
            return {'CANCELLED'}
        for r in results:
            for msg in r.outcome.warnings:
                self.report({'WARNING'}, f"{r.name}: {msg}")
        frames = results[0].outcome.frames if results else 0
        self.report({'INFO'}, f"Conversation: {len(results)} characters over {frames} frames: "
                              + "; ".join(f"{r.name}: {', '.join(r.outcome.result.actions)}" for r in results))
        return {'FINISHED'}


class SPEECHANIM_PT_conversation(SidebarPanel, bpy.types.Panel):
    bl_label = "Conversation"
    bl_parent_id = "SPEECHANIM_PT_main"
    bl_options = {'DEFAULT_CLOSED'}

    @classmethod
    def poll(cls, context):
        return _conv(context) is not None

    def draw(self, context):
        conv = _conv(context)
        layout = self.layout
        layout.prop(conv, "source", text="")
        if conv.source == 'STEREO':
            layout.prop(conv, "stereo_path")
        row = layout.row()
        row.template_list("SPEECHANIM_UL_conversation_characters", "", conv, "characters", conv, "active_index", rows=3)
        col = row.column(align=True)
        col.operator(SPEECHANIM_OT_conversation_add.bl_idname, text="", icon='ADD')
        col.operator(SPEECHANIM_OT_conversation_remove.bl_idname, text="", icon='REMOVE')
        if 0 <= conv.active_index < len(conv.characters):
            it = conv.characters[conv.active_index]
            box = split(layout.column())
            props(box, it, "face_object", "armature",
                  *(("channel",) if conv.source == 'STEREO' else ("audio_path", "start_frame")))
        layout.operator(SPEECHANIM_OT_generate_conversation.bl_idname, icon='COMMUNITY')


CLASSES = (SPEECHANIM_PG_conversation_character, SPEECHANIM_PG_conversation, SPEECHANIM_UL_conversation_characters,
           SPEECHANIM_OT_conversation_add, SPEECHANIM_OT_conversation_remove, SPEECHANIM_OT_generate_conversation,
           SPEECHANIM_PT_conversation)
register, unregister = register_factory(
    CLASSES, [(bpy.types.Scene, "speech_animator_conversation", PointerProperty(type=SPEECHANIM_PG_conversation))])
