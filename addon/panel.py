"""The "Speech" tab of the 3D View sidebar."""

from __future__ import annotations

import bpy

from . import compat, operators
from .sidebar import SidebarPanel, props, split


def _split_layout(layout, context):
    """``(settings, layout)``: the scene's Speech settings and ``layout`` in the sidebar style
    (:func:`sidebar.split`)."""
    return context.scene.speech_animator, split(layout)


class SPEECHANIM_PT_main(SidebarPanel, bpy.types.Panel):
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


class SPEECHANIM_PT_model(SidebarPanel, bpy.types.Panel):
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
        props(layout, s, "device", "seed")


class _PartPanel(SidebarPanel):
    """A closed sub-panel of one part's settings, greyed out while Generate does not animate that part."""

    bl_parent_id = "SPEECHANIM_PT_main"
    bl_options = {'DEFAULT_CLOSED'}
    #: The ``what`` value (besides ``'BOTH'``) that animates this part: ``'FACE'`` or ``'BODY'``.
    part = ""

    def draw(self, context):
        s, layout = _split_layout(self.layout, context)
        layout.active = s.what in {self.part, 'BOTH'}
        self.draw_part(s, layout)

    def draw_part(self, s, layout) -> None:
        """Draw the part's settings ``s`` (the scene's Speech settings) in ``layout``."""
        raise NotImplementedError(type(self).__name__)


class SPEECHANIM_PT_face(_PartPanel, bpy.types.Panel):
    bl_label = "Face"
    part = 'FACE'

    def draw_part(self, s, layout):
        props(layout, s, "intensity", "transcript")
        row = layout.row()
        row.active = not s.transcript.strip()  # the Text is used only when the field is empty
        row.prop(s, "transcript_text", text="Text")
        props(layout, s, "smoothing", "procedural_face")
        # --- emotion (addon/emotion_keys.py) ---
        col = layout.column(heading="Emotion")
        props(col, s, "emotion", "emotion_strength", "emotion_auto")
        col.operator("speechanim.key_emotion", icon='KEY_HLT')
        from .style_ops import draw_style  # --- speaking style (addon/style_ops.py) ---

        draw_style(layout, s.face_object)


class SPEECHANIM_PT_body(_PartPanel, bpy.types.Panel):
    bl_label = "Body Gestures"
    part = 'BODY'

    def draw_part(self, s, layout):
        props(layout, s, "gesture_preset", "gesture_energy", "gesture_rate", "handedness", "posture",
              "gesture_two_handed", "gesture_stance")
        row = layout.row()
        row.active = s.gesture_stance != 'seated'
        row.prop(s, "gesture_stepping")
        props(layout.column(heading="Animate"), s, "part_upper", "part_hands", "part_lower", "part_face")


class SPEECHANIM_PT_keys(SidebarPanel, bpy.types.Panel):
    bl_label = "Keyframes"
    bl_parent_id = "SPEECHANIM_PT_main"
    bl_options = {'DEFAULT_CLOSED'}

    def draw(self, context):
        s, layout = _split_layout(self.layout, context)
        layout.prop(s, "use_key_reduction")
        col = layout.column()
        col.active = s.use_key_reduction
        col.prop(s, "key_tolerance", text="Shape Key Tolerance")
        props(col, s, "rotation_tolerance", "location_tolerance")
        layout.prop(s, "replace_generated")


class SPEECHANIM_PT_edit(SidebarPanel, bpy.types.Panel):
    """Layers, prompts and the list of generated actions (editing after generation)."""

    bl_label = "Edit & Layers"
    bl_parent_id = "SPEECHANIM_PT_main"

    def draw(self, context):
        s = context.scene.speech_animator
        layout = self.layout
        col = split(layout.column())
        props(col, s, "regenerate", "existing_action")
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
