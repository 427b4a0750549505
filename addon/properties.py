"""Scene settings of the Speech sidebar (``scene.speech_animator``) and window-manager progress."""

import bpy
from bpy.props import (BoolProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty,
                       StringProperty)

from ..inference import backends
from ..inference.options import GenerateOptions, GestureStyle
from ..inference.timebase import scene_rate

#: User-facing labels of the known backends (unknown ones show their registry name).
_FACE_LABELS = {
    "default": ("Best available", "The lip-sync network when installed, else the fast DSP baseline"),
    "lipsync": ("Lip-sync network", "Neural audio-to-ARKit model (onnxruntime)"),
    "fast": ("Fast (no model)", "DSP baseline: audio envelope and spectral shape, no neural network"),
}
_BODY_LABELS = {
    "default": ("Best available", "The default body gesture generator"),
    "procedural": ("Procedural gestures", "Prosody-driven procedural co-speech gestures"),
}
# Blender keeps only references to dynamic enum strings: hold them here for the session.
_ENUM_CACHE: dict[str, list] = {}


def _items(kind: str, names: list[str], labels: dict) -> list:
    items = [("default", *labels["default"])]
    for name in names:
        label, desc = labels.get(name, (name, f"Registered {kind} backend {name!r}"))
        items.append((name, label, desc))
    _ENUM_CACHE[kind] = items
    return items


def _face_items(_self, _context):
    return _items("face", backends.face_backend_names(), _FACE_LABELS)


def _body_items(_self, _context):
    return _items("body", backends.body_backend_names(), _BODY_LABELS)


def _poll_face(_self, obj) -> bool:
    return obj.type == 'MESH' and obj.data.shape_keys is not None and len(obj.data.shape_keys.key_blocks) > 1


def _poll_armature(_self, obj) -> bool:
    return obj.type == 'ARMATURE'


class SPEECHANIM_PG_settings(bpy.types.PropertyGroup):
    """Everything the Generate button needs (stored per scene)."""

    audio_path: StringProperty(name="Audio", subtype='FILE_PATH',
                               description="Speech recording (WAV, FLAC, OGG or MP3)")
    frame_start: IntProperty(name="Start Frame", default=1,
                             description="Scene frame where the first audio sample plays")
    face_object: PointerProperty(name="Face", type=bpy.types.Object, poll=_poll_face,
                                 description="Face mesh carrying ARKit-style shape keys")
    face_include_selected: BoolProperty(
        name="Also Selected Meshes", default=False,
        description="Also bake onto other selected meshes carrying matching shape keys (teeth, tongue, brows)")
    armature: PointerProperty(name="Armature", type=bpy.types.Object, poll=_poll_armature,
                              description="Body armature (SMPL-X joint names or a mapped rig)")
    what: EnumProperty(name="Generate", default='BOTH', items=(
        ('FACE', "Face", "Face shape keys only"),
        ('BODY', "Body", "Body gestures only"),
        ('BOTH', "Face + Body", "Face shape keys and body gestures"),
    ))
    face_model: EnumProperty(name="Face Model", items=_face_items,
                             description="Face backend (quality vs. speed)")
    body_model: EnumProperty(name="Body Model", items=_body_items, description="Body gesture backend")
    device: EnumProperty(name="Device", default='AUTO', items=(
        ('AUTO', "Auto", "CUDA when onnxruntime-gpu and a GPU are present, else CPU"),
        ('CPU', "CPU", "Always run on the CPU"),
        ('CUDA', "CUDA", "NVIDIA GPU through onnxruntime's CUDA execution provider"),
    ))
    intensity: FloatProperty(name="Intensity", default=1.0, min=0.0, max=2.0,
                             description="Scale of the speech-driven mouth and jaw motion")
    transcript: StringProperty(name="Transcript", default="",
                               description="Optional: the words spoken. Gives phone-exact mouth timing by "
                                           "forced alignment; if they do not match, audio only is used "
                                           "and the report says so")
    smoothing: FloatProperty(name="Smoothing", default=0.0, min=0.0, max=1.0, subtype='FACTOR',
                             description="Extra temporal smoothing of the face curves")
    seed: IntProperty(name="Seed", default=0, min=0, description="Seed of blinks, gaze and gesture choices")
    procedural_face: BoolProperty(name="Blinks, Gaze, Brows", default=True,
                                  description="Add procedural blinks, eye darts and brow motion")
    use_key_reduction: BoolProperty(name="Reduce Keys", default=False,
                                    description="Thin the keys while staying within the tolerance")
    key_tolerance: FloatProperty(name="Tolerance", default=0.005, min=0.0, max=0.2, precision=4,
                                 description="Largest allowed deviation from the per-frame values (value units)")
    replace_generated: BoolProperty(
        name="Replace Previous Generated", default=False,
        description="Delete the previously generated action on each target instead of keeping it")
    gesture_energy: FloatProperty(name="Energy", default=1.0, min=0.0, max=2.0,
                                  description="Gesture amplitude (0 still, 1 neutral, 2 very animated)")
    gesture_rate: FloatProperty(name="Rate", default=1.0, min=0.25, max=2.0,
                                description="Gesture frequency scale")
    handedness: EnumProperty(name="Hand", default='both', items=(
        ('both', "Both", ""), ('left', "Left", ""), ('right', "Right", "")))
    posture: EnumProperty(name="Posture", default='neutral', items=(
        ('neutral', "Neutral", ""), ('open', "Open", ""), ('closed', "Closed", "")))
    part_upper: BoolProperty(name="Upper Body", default=True)
    part_hands: BoolProperty(name="Hands", default=True)
    part_lower: BoolProperty(name="Lower Body", default=True)
    part_face: BoolProperty(name="Head/Jaw", default=True)

    def generate_options(self, scene: bpy.types.Scene) -> GenerateOptions:
        """:class:`GenerateOptions` at the scene's rate (``fps / fps_base``).

        Raises:
            ValueError: an option is out of range (message from the options class).
        """
        parts = tuple(p for p, on in (("face", self.part_face), ("upper", self.part_upper),
                                      ("hands", self.part_hands), ("lower", self.part_lower)) if on)
        return GenerateOptions(
            fps=scene_rate(scene.render.fps, scene.render.fps_base),
            face=self.what in {'FACE', 'BOTH'}, body=self.what in {'BODY', 'BOTH'},
            face_model=self.face_model or "default", body_model=self.body_model or "default",
            device=self.device.lower(), intensity=float(self.intensity), smoothing=float(self.smoothing),
            seed=int(self.seed), procedural_face=self.procedural_face, body_parts=parts,
            transcript=self.transcript,
            gesture=GestureStyle(energy=float(self.gesture_energy), rate=float(self.gesture_rate),
                                 handedness=self.handedness, posture=self.posture),
        )


CLASSES = (SPEECHANIM_PG_settings,)


def register() -> None:
    for cls in CLASSES:
        bpy.utils.register_class(cls)
    bpy.types.Scene.speech_animator = PointerProperty(type=SPEECHANIM_PG_settings)
    # Run-time state (not saved in .blend files): progress of the running Generate.
    bpy.types.WindowManager.speech_animator_progress = FloatProperty(
        name="Progress", min=0.0, max=1.0, subtype='FACTOR', options={'SKIP_SAVE'})
    bpy.types.WindowManager.speech_animator_status = StringProperty(name="Status", options={'SKIP_SAVE'})


def unregister() -> None:
    del bpy.types.WindowManager.speech_animator_status
    del bpy.types.WindowManager.speech_animator_progress
    del bpy.types.Scene.speech_animator
    for cls in reversed(CLASSES):
        bpy.utils.unregister_class(cls)
