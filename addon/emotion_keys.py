"""Emotion keys on the character: the sidebar's "Key Emotion" and what Generate reads back.

Storage: one float custom property per category on the face object,
``speechanim_emotion_<category>`` (spaces as underscores), keyed in the object's action in the
F-curve group "Speech Emotion" -- an artist sees, moves and deletes them in the Dope Sheet / Graph
Editor like any key. Keying an emotion at a frame keys every category there (the chosen one at
its strength, the others at 0), so consecutive keys cross-fade. Generate samples the curves at
their key frames (:func:`emotion_spec_from_object`) into
:class:`inference.face.emotion.EmotionSpec` keys, i.e. it blends linearly between keys whatever
interpolation the curves show.
"""

from __future__ import annotations

from dataclasses import replace

import bpy

from ..inference.face.emotion import CATEGORIES, EmotionKey, EmotionSpec
from . import compat
from .sidebar import FaceOperator

PROP_PREFIX = "speechanim_emotion_"
GROUP = "Speech Emotion"
#: Enum items of the sidebar's Emotion (identifiers are the category names).
EMOTION_ITEMS = [(c, c.title(), f"FACS-based '{c}' face (inference/face/emotion.py)") for c in CATEGORIES]


def prop_name(category: str) -> str:
    """Custom-property name of ``category`` on the face object."""
    return PROP_PREFIX + category.replace(" ", "_")


def key_emotion(obj: bpy.types.Object, frame: int, category: str, strength: float) -> None:
    """Key ``category`` at ``strength`` (others at 0) on ``obj`` at scene ``frame``.

    Raises:
        ValueError: unknown category (the message lists :data:`CATEGORIES`).
    """
    if category not in CATEGORIES:
        raise ValueError(f"emotion: expected one of {', '.join(CATEGORIES)}, found {category!r}")
    for c in CATEGORIES:
        name = prop_name(c)
        obj[name] = float(strength) if c == category else 0.0
        obj.keyframe_insert(data_path=f'["{name}"]', frame=float(frame), group=GROUP)


def emotion_spec_from_object(obj: bpy.types.Object | None, frame_start: int, fps: float) -> EmotionSpec | None:
    """The keyed emotion of ``obj`` as an :class:`EmotionSpec` (time 0 = ``frame_start``), or ``None``
    when it has no emotion keys. Keys before ``frame_start`` are folded into one key at time 0."""
    if obj is None:
        return None
    action, slot = compat.assigned(obj)
    if action is None:
        return None
    curves = {}
    for fc in compat.action_fcurves(action, slot):
        path = fc.data_path
        if path.startswith(f'["{PROP_PREFIX}') and path.endswith('"]'):
            cat = path[2 + len(PROP_PREFIX):-2].replace("_", " ")
            if cat in CATEGORIES and len(fc.keyframe_points):
                curves[cat] = fc
    if not curves:
        return None
    frames = sorted({float(k.co[0]) for fc in curves.values() for k in fc.keyframe_points})
    if frames[0] < frame_start:
        frames = [float(frame_start)] + [f for f in frames if f > frame_start]
    keys = []
    for f in frames:
        for cat, fc in curves.items():
            value = min(max(float(fc.evaluate(f)), 0.0), 2.0)
            if value > 1e-4 or cat == "neutral":
                keys.append(EmotionKey((f - frame_start) / float(fps), cat, value))
        if not any(abs(k.time_s - (f - frame_start) / float(fps)) < 1e-9 for k in keys):
            keys.append(EmotionKey((f - frame_start) / float(fps), "neutral", 0.0))
    return EmotionSpec(tuple(keys))


def with_keyed_emotion(options, face_objects, frame_start: int):
    """``options`` (the sidebar's) with what the first face object carries: its emotion keys in
    place of the sidebar's constant emotion when it has some (the ``auto`` flag is kept), and its
    learnt speaking style (``addon/style_ops.py``)."""
    from .style_ops import stored_style

    if not options.face or not face_objects:
        return options
    obj = bpy.data.objects.get(face_objects[0])
    style = stored_style(obj)
    if style is not None:
        options = replace(options, style=style)
    spec = emotion_spec_from_object(obj, int(frame_start), float(options.fps))
    if spec is None:
        return options
    return replace(options, emotion=EmotionSpec(spec.keys, options.emotion.auto))


class SPEECHANIM_OT_key_emotion(FaceOperator, bpy.types.Operator):
    """Key the sidebar's emotion and strength on the face at the current frame (Generate blends between keys)"""

    bl_idname = "speechanim.key_emotion"
    bl_label = "Key Emotion"
    bl_options = {'REGISTER', 'UNDO'}

    def execute(self, context):
        s = context.scene.speech_animator
        frame = context.scene.frame_current
        key_emotion(s.face_object, frame, s.emotion, float(s.emotion_strength))
        self.report({'INFO'}, f"Keyed {s.emotion} {s.emotion_strength:.2f} on {s.face_object.name} at frame {frame}")
        return {'FINISHED'}


CLASSES = (SPEECHANIM_OT_key_emotion,)
register, unregister = bpy.utils.register_classes_factory(CLASSES)
