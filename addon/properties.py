"""Scene settings of the Speech sidebar (``scene.speech_animator``) and window-manager progress."""

import bpy
from bpy.props import (BoolProperty, EnumProperty, FloatProperty, IntProperty, PointerProperty,
                       StringProperty)

from ..inference import backends
from ..inference.options import GESTURE_PRESETS, GenerateOptions, GestureStyle
from . import blendpaths, compat
from .emotion_keys import EMOTION_ITEMS
from .preferences import emage_checkpoint_preference

#: User-facing labels of the known backends (unknown ones show their registry name).
_FACE_LABELS = {
    "default": ("Best available", "The lip-sync network when installed, else the fast DSP baseline"),
    "lipsync": ("Lip-sync network", "Neural audio-to-ARKit model (onnxruntime)"),
    "fast": ("Fast (no model)", "DSP baseline: audio envelope and spectral shape, no neural network"),
    "emage": ("EMAGE face (your checkpoint)", "EMAGE FLAME face mapped to ARKit through your ARKit-FLAME matrix"),
}
_BODY_LABELS = {
    "default": ("Best available", "The default body gesture generator"),
    "procedural": ("Procedural gestures", "Prosody-driven procedural co-speech gestures"),
    "emage": ("EMAGE (your checkpoint)", "Learned gestures from an EMAGE audio checkpoint set in the preferences"),
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


#: Sidebar fields of each :class:`GestureStyle` field (``scene.speech_animator.<prop>``).
GESTURE_PROPS: dict[str, str] = {"energy": "gesture_energy", "rate": "gesture_rate", "handedness": "handedness",
                                 "posture": "posture", "two_handed": "gesture_two_handed",
                                 "stepping": "gesture_stepping", "stance": "gesture_stance"}
_STYLE = GestureStyle()
#: Preset enum: ``CUSTOM`` (0) then :data:`GESTURE_PRESETS` in order, identifiers ``"CALM_PRESENTER"`` etc.
_PRESET_NAMES: tuple[str, ...] = tuple(GESTURE_PRESETS)
_PRESET_ITEMS = [('CUSTOM', "Custom", "The gesture fields below match no preset", 0)] + [
    (name.upper().replace(" ", "_"), name.title(), f"GestureStyle.preset({name!r})", i + 1)
    for i, name in enumerate(_PRESET_NAMES)]


def _style_values(settings) -> dict:
    return {field: getattr(settings, prop) for field, prop in GESTURE_PROPS.items()}


def _same(a, b) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    return abs(float(a) - float(b)) < 1e-5  # FloatProperty stores float32


def _get_preset(self) -> int:
    """Index of the preset whose every field equals the sidebar's (0 = Custom): the preset is not
    stored, so tweaking any field shows Custom and Undo never leaves the two out of step."""
    values = _style_values(self)
    for i, name in enumerate(_PRESET_NAMES):
        preset = GestureStyle.preset(name)
        if all(_same(values[f], getattr(preset, f)) for f in GESTURE_PROPS):
            return i + 1
    return 0


def _set_preset(self, value: int) -> None:
    """Write every gesture field of the chosen preset (Custom changes nothing)."""
    if value <= 0:
        return
    preset = GestureStyle.preset(_PRESET_NAMES[value - 1])
    for field, prop in GESTURE_PROPS.items():
        setattr(self, prop, getattr(preset, field))


def _poll_face(_self, obj) -> bool:
    return obj.type == 'MESH' and obj.data.shape_keys is not None and len(obj.data.shape_keys.key_blocks) > 1


def _poll_armature(_self, obj) -> bool:
    return obj.type == 'ARMATURE'


class SPEECHANIM_PG_settings(bpy.types.PropertyGroup):
    """Everything the Generate button needs (stored per scene)."""

    audio_path: StringProperty(name="Audio", subtype='FILE_PATH', options=compat.relative_path_options(),
                               description="Speech recording (WAV, FLAC, OGG or MP3). A path starting with // is "
                                           "relative to the saved .blend file, so both can move together")
    frame_start: IntProperty(name="Start Frame", default=1,
                             description="Scene frame where the first audio sample plays")
    use_frame_range: BoolProperty(
        name="Fit Frame Range", default=True,
        description="Generate sets the scene's frame range to the clip (start frame to its last frame at the "
                    "scene rate), so Play shows exactly the result (Undo restores the previous range)")
    use_sound_strip: BoolProperty(
        name="Add Sound Strip", default=True,
        description="Generate adds the audio file as a sound strip at the start frame (or moves the strip of "
                    "the same file there), so Play sounds the result")
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
                                           "forced alignment and gestures that follow the words (pointing "
                                           "on 'you', a head shake on 'no'...); if they do not match, audio "
                                           "only is used and the report says so")
    transcript_text: PointerProperty(name="Transcript Text", type=bpy.types.Text,
                                     description="Optional: a Text datablock holding the words spoken, used when the "
                                                 "Transcript field is empty (Text Editor, for long clips)")
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
        name="Replace Previous Generated", default=True,
        description="Delete the previous generated action of each target when it was not edited (edited ones are "
                    "always kept); off: keep it with a fake user")
    gesture_energy: FloatProperty(name="Energy", default=1.0, min=0.0, max=2.0,
                                  description="Gesture amplitude (0 still, 1 neutral, 2 very animated)")
    gesture_rate: FloatProperty(name="Rate", default=1.0, min=0.25, max=2.0,
                                description="Gesture frequency scale")
    handedness: EnumProperty(name="Hand", default='both', items=(
        ('both', "Both", ""), ('left', "Left", ""), ('right', "Right", "")))
    posture: EnumProperty(name="Posture", default='neutral', items=(
        ('neutral', "Neutral", ""), ('open', "Open", ""), ('closed', "Closed", "")))
    # --- gesture presets and the body v2 style fields (GestureStyle, GESTURE_PRESETS) ---
    gesture_preset: EnumProperty(
        name="Preset", items=_PRESET_ITEMS, get=_get_preset, set=_set_preset,
        description="A named gesture style (sets every gesture field; tweak them afterwards). Shows Custom when "
                    "the fields match no preset")
    gesture_two_handed: FloatProperty(name="Two-Handed", default=_STYLE.two_handed, min=0.0, max=1.0,
                                      subtype='FACTOR', description="Share of beat and open-palm strokes made "
                                                                    "with both hands")
    gesture_stepping: FloatProperty(name="Stepping", default=_STYLE.stepping, min=0.0, max=2.0,
                                    description="How often the speaker steps and turns (0 never, 1 about one step "
                                                "every 10-20 s of speech); ignored when seated")
    gesture_stance: EnumProperty(name="Stance", default=_STYLE.stance, items=(
        ('standing', "Standing", "Weight shifts, occasional steps and turns with the feet locked"),
        ('seated', "Seated", "Lower body still in a sitting pose, hands rest on the thighs (no chair is added)")))
    part_upper: BoolProperty(name="Upper Body", default=True)
    part_hands: BoolProperty(name="Hands", default=True)
    part_lower: BoolProperty(name="Lower Body", default=True)
    part_face: BoolProperty(name="Head/Jaw", default=True)
    # --- editing after generation (addon/layers.py, prompts.py, edit_ops.py) ---
    generated_index: IntProperty(name="Generated Action", default=-1,
                                 description="Action picked in the Generated animation list")
    rotation_tolerance: FloatProperty(
        name="Rotation Tolerance", default=0.00872665, min=0.0, max=0.5, subtype='ANGLE', precision=2,
        description="Largest allowed rotation error of a bone between kept keys (all rotation channels of a bone "
                    "keep the same frames)")
    existing_action: EnumProperty(name="Your Action", default='AUTO', items=(
        ('AUTO', "Auto", "Shape-key actions animating few of the generated channels (brow keys) stay on top; "
                         "fuller ones and armature clips (imported) go under the generated animation"),
        ('ABOVE', "Keep on Top", "Your assigned action stays on top as an edit layer over the generated base"),
        ('BELOW', "Move Under", "Your assigned action moves to an NLA track under the generated animation"),
    ), description="Where an action of yours assigned to a target goes when you Generate (it is never changed "
                   "and never used as prompts)")
    regenerate: EnumProperty(name="Regenerate", default='ALL', items=(
        ('ALL', "Whole Clip", "Generate the whole clip"),
        ('PREVIEW', "Preview Range", "Regenerate only the scene's preview range, blended into the existing "
                                     "generated animation; the rest stays untouched"),
        ('RANGE', "Frame Range", "Regenerate only Range Start..Range End, blended into the existing generated "
                                 "animation; the rest stays untouched"),
    ))
    range_start: IntProperty(name="Range Start", default=1, description="First frame to regenerate")
    range_end: IntProperty(name="Range End", default=100, description="Last frame to regenerate")
    audio_source: EnumProperty(name="Audio From", default='FILE', items=(
        ('FILE', "Audio File", "The audio file below, played from Start Frame"),
        ('STRIP', "Sound Strip", "One sound strip of the scene's sequencer, at its frame"),
        ('CHANNEL', "Sound Channel", "Every sound strip on one sequencer channel, at their frames, as one recording"),
    ))
    sound_strip: StringProperty(name="Sound Strip", description="Name of the sound strip to animate to")
    sound_channel: IntProperty(name="Channel", default=1, min=1, max=128,
                               description="Sequencer channel whose sound strips are animated to")
    location_tolerance: FloatProperty(
        name="Location Tolerance", default=0.001, min=0.0, max=0.1, subtype='DISTANCE', precision=4,
        description="Largest allowed position error of the root bone between kept keys")

    def frame_range(self, scene):
        """``(first, last)`` scene frames to regenerate, or ``None`` for the whole clip.

        Raises:
            ValueError: Preview Range chosen while the scene has none; start after end.
        """
        if self.regenerate == 'ALL':
            return None
        if self.regenerate == 'PREVIEW':
            if not scene.use_preview_range:
                raise ValueError("Regenerate: 'Preview Range' chosen but the scene has no preview range "
                                 "(Timeline > View > Set Preview Range, or Ctrl+Alt+P)")
            return int(scene.frame_preview_start), int(scene.frame_preview_end)
        if self.range_end < self.range_start:
            raise ValueError(f"Regenerate: frame range {self.range_start}-{self.range_end}: expected start <= end")
        return int(self.range_start), int(self.range_end)

    def key_tolerances(self):
        """``bake.KeyTolerance`` from the Keyframes panel (``None`` when key reduction is off)."""
        if not self.use_key_reduction:
            return None
        from math import degrees

        from .bake import KeyTolerance

        return KeyTolerance(float(self.key_tolerance), degrees(self.rotation_tolerance), float(self.location_tolerance))
    # --- emotion (addon/emotion_keys.py keys it on the face object; inference/face/emotion.py) ---
    emotion: EnumProperty(name="Emotion", items=EMOTION_ITEMS, default="neutral",
                          description="Emotion of the face (FACS prototype) used when the face has no emotion "
                                      "keys, and the one Key Emotion keys")
    emotion_strength: FloatProperty(name="Strength", default=1.0, min=0.0, max=2.0,
                                    description="Strength of the emotion, 0 (none) .. 1 (full) .. 2")
    emotion_auto: BoolProperty(name="Auto Arousal", default=False,
                               description="Scale expression intensity over the clip by arousal read from the "
                                           "audio (loudness, pitch range, speech rate)")

    emage_checkpoint: StringProperty(name="EMAGE Checkpoint", subtype='DIR_PATH',
                                     options=compat.relative_path_options(),
                                     description="Per-scene EMAGE checkpoint folder (empty: the add-on preference)")

    def generate_options(self, scene: bpy.types.Scene) -> GenerateOptions:
        """:class:`GenerateOptions` at the scene's rate (``fps / fps_base``).

        Raises:
            inference.errors.InputError (a ValueError): an option is out of range (the message names it).
        """
        parts = tuple(p for p, on in (("face", self.part_face), ("upper", self.part_upper),
                                      ("hands", self.part_hands), ("lower", self.part_lower)) if on)
        return GenerateOptions.from_mapping({
            "fps": scene.render.fps, "fps_base": scene.render.fps_base, "what": self.what,
            "face_model": self.face_model or "default", "body_model": self.body_model or "default",
            "device": self.device, "intensity": float(self.intensity), "smoothing": float(self.smoothing),
            "seed": int(self.seed), "procedural_face": bool(self.procedural_face), "body_parts": parts,
            "gesture": {"energy": float(self.gesture_energy), "rate": float(self.gesture_rate),
                        "handedness": self.handedness, "posture": self.posture,
                        # float32 properties: 0.7 reads back as 0.69999999; 6 decimals keep the typed value
                        "two_handed": round(self.gesture_two_handed, 6), "stepping": round(self.gesture_stepping, 6),
                        "stance": self.gesture_stance},
            "transcript": (self.transcript.strip()
                           or (self.transcript_text.as_string() if self.transcript_text else "")),
            "backend_options": self._backend_options(),
            # constant emotion; keys on the face object replace it (addon/emotion_keys.with_keyed_emotion)
            "emotion": {"auto": bool(self.emotion_auto),
                        "keys": [[0.0, self.emotion, round(self.emotion_strength, 6)]] if self.emotion != "neutral" else []},
        })

    def _backend_options(self) -> dict:
        """``backend_options`` from the panel: the EMAGE checkpoint (scene override, else the preference)."""
        checkpoint = (blendpaths.resolve(self.emage_checkpoint) if self.emage_checkpoint
                      else emage_checkpoint_preference())
        return {"emage": {"checkpoint": checkpoint}} if checkpoint else {}


CLASSES = (SPEECHANIM_PG_settings,)


_register_classes, _unregister_classes = bpy.utils.register_classes_factory(CLASSES)


def register() -> None:
    _register_classes()
    bpy.types.Scene.speech_animator = PointerProperty(type=SPEECHANIM_PG_settings)
    # Run-time state (not saved in .blend files): progress of the running Generate.
    bpy.types.WindowManager.speech_animator_progress = FloatProperty(
        name="Progress", min=0.0, max=1.0, subtype='FACTOR', options={'SKIP_SAVE'})
    bpy.types.WindowManager.speech_animator_status = StringProperty(name="Status", options={'SKIP_SAVE'})


def unregister() -> None:
    del bpy.types.WindowManager.speech_animator_status
    del bpy.types.WindowManager.speech_animator_progress
    del bpy.types.Scene.speech_animator
    _unregister_classes()
