"""The "Speech" tab of the 3D View sidebar."""

from __future__ import annotations

import bpy

from . import operators


class _SpeechPanel:
    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = "Speech"

    @classmethod
    def poll(cls, context):
        return getattr(context.scene, "speech_animator", None) is not None


class SPEECHANIM_PT_main(_SpeechPanel, bpy.types.Panel):
    bl_label = "Speech Animator"

    def draw(self, context):
        s = context.scene.speech_animator
        layout = self.layout
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.prop(s, "audio_path")
        layout.prop(s, "frame_start")
        layout.prop(s, "what")
        col = layout.column()
        if s.what in {'FACE', 'BOTH'}:
            col.prop(s, "face_object")
            col.prop(s, "face_include_selected")
        if s.what in {'BODY', 'BOTH'}:
            col.prop(s, "armature")
        wm = context.window_manager
        if operators.is_running():
            row = layout.row()
            row.progress(factor=wm.speech_animator_progress,
                         text=f"{wm.speech_animator_status or 'working'} (Esc cancels)")
        col = layout.column(align=True)
        col.scale_y = 1.4
        col.operator("speechanim.generate", icon='PLAY_SOUND')
        row = layout.row(align=True)
        row.operator("speechanim.clear", icon='TRASH')
        row.operator("speechanim.add_sound_strip", icon='SOUND')


class SPEECHANIM_PT_model(_SpeechPanel, bpy.types.Panel):
    bl_label = "Model"
    bl_parent_id = "SPEECHANIM_PT_main"

    def draw(self, context):
        s = context.scene.speech_animator
        layout = self.layout
        layout.use_property_split = True
        layout.use_property_decorate = False
        if s.what in {'FACE', 'BOTH'}:
            layout.prop(s, "face_model")
        if s.what in {'BODY', 'BOTH'}:
            layout.prop(s, "body_model")
        layout.prop(s, "device")
        layout.prop(s, "seed")


class SPEECHANIM_PT_face(_SpeechPanel, bpy.types.Panel):
    bl_label = "Face"
    bl_parent_id = "SPEECHANIM_PT_main"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        s = context.scene.speech_animator
        layout = self.layout
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.active = s.what in {'FACE', 'BOTH'}
        layout.prop(s, "intensity")
        layout.prop(s, "transcript")
        layout.prop(s, "smoothing")
        layout.prop(s, "procedural_face")


class SPEECHANIM_PT_body(_SpeechPanel, bpy.types.Panel):
    bl_label = "Body Gestures"
    bl_parent_id = "SPEECHANIM_PT_main"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        s = context.scene.speech_animator
        layout = self.layout
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.active = s.what in {'BODY', 'BOTH'}
        layout.prop(s, "gesture_energy")
        layout.prop(s, "gesture_rate")
        layout.prop(s, "handedness")
        layout.prop(s, "posture")
        col = layout.column(heading="Animate")
        col.prop(s, "part_upper")
        col.prop(s, "part_hands")
        col.prop(s, "part_lower")
        col.prop(s, "part_face")


class SPEECHANIM_PT_keys(_SpeechPanel, bpy.types.Panel):
    bl_label = "Keyframes"
    bl_parent_id = "SPEECHANIM_PT_main"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        s = context.scene.speech_animator
        layout = self.layout
        layout.use_property_split = True
        layout.use_property_decorate = False
        layout.prop(s, "use_key_reduction")
        row = layout.row()
        row.active = s.use_key_reduction
        row.prop(s, "key_tolerance")
        layout.prop(s, "replace_generated")


CLASSES = (SPEECHANIM_PT_main, SPEECHANIM_PT_model, SPEECHANIM_PT_face, SPEECHANIM_PT_body, SPEECHANIM_PT_keys)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)


def unregister() -> None:
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
