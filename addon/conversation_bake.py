"""Conversation in Blender: character positions from their objects, generation, one bake per character.

Each character is baked through the ordinary Generate bake path (:func:`addon.pipeline.make_job` +
:func:`addon.pipeline.apply`): one tagged action per target (its face shape keys, its armature),
named after the character's audio, so Regenerate, edit layers and Clear work on each character as
after a plain Generate. Shared by the sidebar operator and the batch command.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import bpy

from . import blendpaths, pipeline
from ..inference.body.listening import DEFAULT_EYE_HEIGHT_M
from ..inference.conversation import Character, Line, Scene, SceneError, generate_conversation


@dataclass(frozen=True)
class CharacterResult:
    """One baked character: its name and the :class:`addon.pipeline.Outcome` of its bake."""

    name: str
    outcome: pipeline.Outcome


def placement(face_object, armature) -> tuple:
    """``(position, yaw_deg, eye_height_m)`` of a character from its objects (world space).

    The armature's ``head`` bone (SMPL-X name; else the bone named like it, case-insensitive) gives
    the eye point; without one, the face mesh's bounding-box centre; the turn is the armature's
    (else the face object's) world rotation about Z, 0 = facing -Y. ``position`` is the eye point
    dropped to z = 0.

    Raises:
        SceneError: neither object given.
    """
    import mathutils

    obj = armature or face_object
    if obj is None:
        raise SceneError("character: expected a face mesh or an armature, found neither")
    eye = None
    if armature is not None and armature.type == 'ARMATURE':
        bone = armature.data.bones.get("head") or next(
            (b for b in armature.data.bones if b.name.lower() == "head"), None)
        if bone is not None:
            eye = armature.matrix_world @ bone.head_local
    if eye is None and face_object is not None:
        corners = [face_object.matrix_world @ mathutils.Vector(c) for c in face_object.bound_box]
        eye = sum(corners, mathutils.Vector()) / 8.0
    if eye is None:
        eye = obj.matrix_world.translation + mathutils.Vector((0.0, 0.0, DEFAULT_EYE_HEIGHT_M))
    yaw = obj.matrix_world.to_euler('XYZ').z
    return (float(eye.x), float(eye.y), 0.0), math.degrees(yaw), float(eye.z)


def scene_from_items(items, stereo_path: str = "", frame_rate: float = 30.0) -> Scene:
    """A :class:`Scene` from the sidebar's character list (``items``: the collection's entries,
    each with ``name``, ``face_object``, ``armature``, ``audio_path``, ``start_frame``, ``channel``).

    ``start_frame`` is counted from the scene's Generate start frame at ``frame_rate``.

    Raises:
        SceneError: a character without objects, fewer than two characters, and the other :class:`Scene` checks.
    """
    chars = []
    for i, it in enumerate(items):
        name = it.name or f"Character {i + 1}"
        pos, yaw, eye = placement(it.face_object, it.armature)
        lines = ()
        if not stereo_path and it.audio_path:
            lines = (Line(blendpaths.resolve(it.audio_path), max(0.0, it.start_frame / frame_rate)),)
        chars.append(Character(name, lines, it.channel if stereo_path else None, pos, yaw, eye,
                               it.face_object.name if it.face_object else "",
                               it.armature.name if it.armature else ""))
    return Scene(tuple(chars), blendpaths.resolve(stereo_path) if stereo_path else "")


def with_object_placement(scene: Scene) -> Scene:
    """``scene`` with each character's position, turn and eye height read from its named objects
    (characters without objects keep the file's values)."""
    chars = []
    for c in scene.characters:
        face = bpy.data.objects.get(c.face_object) if c.face_object else None
        arm = bpy.data.objects.get(c.armature) if c.armature else None
        if face is None and arm is None:
            chars.append(c)
            continue
        pos, yaw, eye = placement(face, arm)
        chars.append(replace(c, position=pos, yaw_deg=yaw, eye_height_m=eye))
    return replace(scene, characters=tuple(chars))


def bake_scene(scene: Scene, options, frame_start: int, *, key_tolerance=None, replace_generated: bool = False,
               existing_action: str = "AUTO", progress=None) -> tuple:
    """Generate every character of ``scene`` and bake it onto its objects (main thread).

    Targets are checked for every character before anything is generated or baked.

    Returns:
        ``(conversation, [CharacterResult, ...])``.

    Raises:
        pipeline.JobError: a character's objects are missing or of the wrong type; SceneError;
        the errors of :func:`inference.conversation.generate_conversation` and :func:`pipeline.apply`.
    """
    jobs = []
    for c in scene.characters:
        audio = scene.stereo_path or (c.lines[0].audio_path if c.lines else _any_audio(scene))
        try:
            job = pipeline.make_job(audio, frame_start, options, face_objects=(c.face_object,) if c.face_object else (),
                                    armature=c.armature, key_tolerance=key_tolerance,
                                    replace_generated=replace_generated)
        except pipeline.JobError as exc:
            raise pipeline.JobError(f"character {c.name!r}: {exc}") from exc
        job.existing_action = existing_action
        job.constraints = None  # prompts cover one clip; a conversation spans the whole scene
        jobs.append(job)
    conv = generate_conversation(scene, options, progress)
    results = []
    for c, job, perf in zip(scene.characters, jobs, conv.performances):
        job.warnings.extend(w for w in conv.warnings if w.startswith(f"{c.name}: "))
        results.append(CharacterResult(c.name, pipeline.apply(job, perf)))
    return conv, results


def _any_audio(scene: Scene) -> str:
    for c in scene.characters:
        if c.lines:
            return c.lines[0].audio_path
    raise SceneError("scene: no character has a line")
