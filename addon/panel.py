"""The "Speech" tab of the 3D View sidebar."""

from __future__ import annotations

import bpy

from . import compat, operators


def _split_layout(layout, context):
    """``(settings, layout)``: the scene's Speech settings and ``layout`` with property split on
    and decorators off (Blender's sidebar style)."""
    layout.use_property_split = True
    layout.use_property_decorate = False
    return context.scene.speech_animator, layout


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
        s, layout = _split_layout(self.layout, context)
        layout.prop(s, "audio_source")
        if s.audio_source == 'FILE':
            layout.prop(s, "audio_path")
            layout.prop(s, "frame_start")
        col = layout.column(heading="After Generate")
        col.prop(s, "use_frame_range")
        if s.audio_source == 'FILE':
            col.prop(s, "use_sound_strip")
        elif s.audio_source == 'STRIP':
            editor = context.scene.sequence_editor
            if editor is not None:
                layout.prop_search(s, "sound_strip", editor, compat.all_strips_property(editor))
            else:
                layout.label(text="The scene has no sound strips", icon='INFO')
        else:
            layout.prop(s, "sound_channel")
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
        s, layout = _split_layout(self.layout, context)
        if s.what in {'FACE', 'BOTH'}:
            layout.prop(s, "face_model")
        if s.what in {'BODY', 'BOTH'}:
            layout.prop(s, "body_model")
        if 'emage' in {s.body_model if s.what != 'FACE' else "", s.face_model if s.what != 'BODY' else ""}:
            layout.prop(s, "emage_checkpoint", text="Checkpoint (empty: preference)")
        layout.prop(s, "device")
        layout.prop(s, "seed")


class SPEECHANIM_PT_face(_SpeechPanel, bpy.types.Panel):
    bl_label = "Face"
    bl_parent_id = "SPEECHANIM_PT_main"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        s, layout = _split_layout(self.layout, context)
        layout.active = s.what in {'FACE', 'BOTH'}
        layout.prop(s, "intensity")
        layout.prop(s, "transcript")
        row = layout.row()
        row.active = not s.transcript.strip()  # the Text is used only when the field is empty
        row.prop(s, "transcript_text", text="Text")
        layout.prop(s, "smoothing")
        layout.prop(s, "procedural_face")
        # --- emotion (addon/emotion_keys.py) ---
        col = layout.column(heading="Emotion")
        col.prop(s, "emotion")
        col.prop(s, "emotion_strength")
        col.prop(s, "emotion_auto")
        col.operator("speechanim.key_emotion", icon='KEY_HLT')
        from .style_ops import draw_style  # --- speaking style (addon/style_ops.py) ---

        draw_style(layout, s.face_object)


class SPEECHANIM_PT_body(_SpeechPanel, bpy.types.Panel):
    bl_label = "Body Gestures"
    bl_parent_id = "SPEECHANIM_PT_main"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        s, layout = _split_layout(self.layout, context)
        layout.active = s.what in {'BODY', 'BOTH'}
        layout.prop(s, "gesture_preset")
        layout.prop(s, "gesture_energy")
        layout.prop(s, "gesture_rate")
        layout.prop(s, "handedness")
        layout.prop(s, "posture")
        layout.prop(s, "gesture_two_handed")
        layout.prop(s, "gesture_stance")
        row = layout.row()
        row.active = s.gesture_stance != 'seated'
        row.prop(s, "gesture_stepping")
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
        s, layout = _split_layout(self.layout, context)
        layout.prop(s, "use_key_reduction")
        col = layout.column()
        col.active = s.use_key_reduction
        col.prop(s, "key_tolerance", text="Shape Key Tolerance")
        col.prop(s, "rotation_tolerance")
        col.prop(s, "location_tolerance")
        layout.prop(s, "replace_generated")


class SPEECHANIM_PT_edit(_SpeechPanel, bpy.types.Panel):
    """Layers, prompts and the list of generated actions (editing after generation)."""

    bl_label = "Edit & Layers"
    bl_parent_id = "SPEECHANIM_PT_main"

    def draw(self, context):
        s = context.scene.speech_animator
        layout = self.layout
        col = layout.column()
        col.use_property_split = True
        col.use_property_decorate = False
        col.prop(s, "regenerate")
        col.prop(s, "existing_action")
        if s.regenerate == 'RANGE':
            sub = col.column(align=True)
            sub.prop(s, "range_start")
            sub.prop(s, "range_end", text="End")
        row = layout.row(align=True)
        row.operator("speechanim.use_keys_as_prompts", icon='PINNED')
        row.operator("speechanim.clear_prompts", text="", icon='X')
        layout.operator("speechanim.merge_down", icon='NLA_PUSHDOWN')
        layout.label(text="Generated animation")
        layout.template_list("SPEECHANIM_UL_generated", "", bpy.data, "actions", context.scene.speech_animator,
                             "generated_index", rows=3)
        row = layout.row(align=True)
        row.operator("speechanim.generated_select", icon='RESTRICT_SELECT_OFF')
        row.operator("speechanim.generated_clear", icon='TRASH')
        row.operator("speechanim.generated_merge", icon='NLA_PUSHDOWN')


CLASSES = (SPEECHANIM_PT_main, SPEECHANIM_PT_model, SPEECHANIM_PT_face, SPEECHANIM_PT_body, SPEECHANIM_PT_keys,
           SPEECHANIM_PT_edit)


#: Blender's own helper registers ``CLASSES`` in order and unregisters them in reverse.
register, unregister = bpy.utils.register_classes_factory(CLASSES)
