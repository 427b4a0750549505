"""What the panels of the 3D View's "Speech" tab share: where they sit, their poll, their layout style."""

from __future__ import annotations


def settings(context):
    """The scene's Speech settings (``scene.speech_animator``), or ``None`` (no scene, not registered)."""
    scene = getattr(context, "scene", None)
    return getattr(scene, "speech_animator", None) if scene else None


def face_object(context):
    """The Speech panel's face object, or ``None`` (none chosen, or no settings)."""
    s = settings(context)
    return s.face_object if s is not None else None


class FaceOperator:
    """Mixin of operators on the Speech panel's face object: unavailable ("Choose a face mesh
    first") without one."""

    @classmethod
    def poll(cls, context):
        if face_object(context) is None:
            cls.poll_message_set("Choose a face mesh first")
            return False
        return True


class SidebarPanel:
    """Mixin of every panel in the "Speech" tab; shown when the scene has Speech settings."""

    bl_space_type = 'VIEW_3D'
    bl_region_type = 'UI'
    bl_category = "Speech"

    @classmethod
    def poll(cls, context):
        return settings(context) is not None


def split(layout):
    """``layout`` with property split on and decorators off (Blender's sidebar style), returned."""
    layout.use_property_split = True
    layout.use_property_decorate = False
    return layout


def props(layout, data, *names: str) -> None:
    """Draw the properties ``names`` of ``data`` in ``layout``, one row each, in order."""
    for name in names:
        layout.prop(data, name)
