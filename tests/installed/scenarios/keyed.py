"""Shared bpy side of the installed-extension scenarios: an empty scene, the test characters, and
a summary of what a generated action keyed (the facts the tests assert).

Import after ``installed`` (which enables the installed extension). Everything here uses only
bpy, numpy, the standard library and the installed extension (``installed.ext``): nothing from
the checkout, nothing from the dev requirements.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import bpy
import numpy as np

import installed
import scene_fixtures  # noqa: E402  (tests/blender, on sys.path via installed)

#: Files of the shared third-party characters, relative to ``../shared/data/characters``.
CHARACTER_FILES = {
    "kaykit": "kaykit_mannequin/manny_med_mod.gltf",
    "robot": "RobotExpressive.glb",
    "arkit_head": "arkit_reference_head/arkit_reference_head_51morphs.glb",
}
KINDS = tuple(CHARACTER_FILES) + ("rigify", "demo")


def sub(name: str):
    """Submodule ``name`` (e.g. ``"addon.compat"``) of the installed extension package."""
    return importlib.import_module(f"{installed.ext.__name__}.{name}")


def reset(fps: int = 30) -> bpy.types.Scene:
    """Empty the startup scene (not ``read_factory_settings``: that resets the preferences, which
    disables the installed extension, and leaves the bpy module's undo without a context)."""
    for coll in (bpy.data.objects, bpy.data.meshes, bpy.data.cameras, bpy.data.lights, bpy.data.actions,
                 bpy.data.armatures, bpy.data.materials):
        for item in list(coll):
            coll.remove(item)
    scene = bpy.context.scene
    scene.render.fps, scene.render.fps_base = fps, 1.0
    scene.frame_start = 1
    return scene


def _rigify_rig() -> bpy.types.Object:
    """Blender's human metarig generated into a Rigify control rig, limbs switched to FK (as
    tests/blender/rigs_fixtures.generate_rigify)."""
    bpy.ops.preferences.addon_enable(module="rigify")
    bpy.ops.object.armature_human_metarig_add()
    meta = bpy.context.object
    bpy.ops.object.mode_set(mode="OBJECT")
    bpy.context.view_layer.objects.active = meta
    bpy.ops.pose.rigify_generate()
    rig = next(o for o in bpy.data.objects if o.type == "ARMATURE" and o is not meta)
    meta.hide_viewport = True
    for n in ("upper_arm_parent.L", "upper_arm_parent.R", "thigh_parent.L", "thigh_parent.R"):
        rig.pose.bones[n]["IK_FK"] = 1.0
    return rig


def _skin_to(obj: bpy.types.Object, rig: bpy.types.Object, bone: str) -> None:
    """Deform ``obj`` by ``rig``, every vertex weighted fully to ``bone``, placed at the bone's head."""
    obj.location = rig.matrix_world @ rig.data.bones[bone].head_local
    group = obj.vertex_groups.new(name=bone)
    group.add(list(range(len(obj.data.vertices))), 1.0, 'REPLACE')
    obj.parent = rig
    obj.matrix_parent_inverse = rig.matrix_world.inverted()
    obj.modifiers.new("Armature", 'ARMATURE').object = rig


def load_character(kind: str, characters: str | None = None):
    """Put one test character into the (reset) scene; return ``(face_mesh or None, armature or None)``.

    ``kind``: ``kaykit``, ``robot``, ``arkit_head`` (glTF files under ``characters``, imported by
    Blender's glTF importer; an imported clip stays assigned, as a user gets it), ``rigify`` (a
    generated Rigify rig with an ARKit-keyed grid face skinned to its head), ``demo`` (the
    extension's demo character).

    Raises:
        ValueError: unknown ``kind``, or a glTF kind without ``characters``.
    """
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {KINDS}, found {kind!r}")
    if kind == "demo":
        demo = sub("addon.demo_character").build_demo_character()
        return demo.head, demo.armature
    if kind == "rigify":
        rig = _rigify_rig()
        face = scene_fixtures.make_face()  # the grid face of tests/blender (52 ARKit keys)
        _skin_to(face, rig, "DEF-spine.006")
        return face, rig
    if not characters:
        raise ValueError(f"characters: expected the shared characters folder for {kind!r}, found {characters!r}")
    bpy.ops.import_scene.gltf(filepath=str(Path(characters) / CHARACTER_FILES[kind]))
    arm = next((o for o in bpy.data.objects if o.type == 'ARMATURE'), None)
    faces = [o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys is not None
             and len(o.data.shape_keys.key_blocks) > 1]
    return (faces[0] if faces else None), arm


def generate(undo: bool = False, **settings) -> list:
    """Set ``scene.speech_animator`` fields from ``settings`` and run Generate (``EXEC_DEFAULT``;
    ``undo``: push an undo step as the UI does). Returns the operator's result set as a list."""
    s = bpy.context.scene.speech_animator
    for name, value in settings.items():
        setattr(s, name, value)
    if undo:
        return sorted(bpy.ops.speechanim.generate('EXEC_DEFAULT', True))
    return sorted(bpy.ops.speechanim.generate())


def _keys(fc) -> tuple[np.ndarray, np.ndarray]:
    co = np.empty(2 * len(fc.keyframe_points))
    fc.keyframe_points.foreach_get("co", co)
    return co[0::2], co[1::2]


def summary(id_data, action=None) -> dict:
    """What the generated action of ``id_data`` (a shape-key Key or an armature Object) keyed;
    ``action``: summarise this action instead (e.g. the active edit layer).

    Returns a JSON-able dict: ``action`` (name or ``None``), ``tag`` (provenance dict, without its
    long ``curve_keys`` / ``curve_digests``), ``ranges`` (data path -> [min, max] key value over
    its array indices), ``paths`` (data path -> sorted array indices), ``frames`` ([first, last]
    key frame over all curves), ``keys_per_curve`` ([min, max] key count), ``min``/``max`` (over
    all key values), ``finite`` (no NaN/inf key value), ``moving`` (data paths whose keys vary by > 1e-4),
    ``bones`` (pose bones keyed), ``quat_norm_err`` (max | |q| - 1 | over the keyed frames of
    bones with four ``rotation_quaternion`` curves, ``None`` without such bones).
    """
    if action is None:
        action, slot = sub("addon.layers").generated_action(id_data)
    else:
        slot = None
    if action is None:
        return {"action": None}
    curves = sub("addon.compat").action_fcurves(action, slot)
    paths: dict = {}
    frames, values, counts, moving, ranges = [], [], [], set(), {}
    quats: dict = {}
    for fc in curves:
        paths.setdefault(fc.data_path, []).append(fc.array_index)
        f, v = _keys(fc)
        frames.append(f)
        values.append(v)
        counts.append(len(f))
        if v.size:
            lo, hi = ranges.get(fc.data_path, (np.inf, -np.inf))
            ranges[fc.data_path] = (min(lo, float(v.min())), max(hi, float(v.max())))
            if float(np.ptp(v)) > 1e-4:
                moving.add(fc.data_path)
        if fc.data_path.endswith(".rotation_quaternion"):
            quats.setdefault(fc.data_path, {})[fc.array_index] = v
    allf = np.concatenate(frames) if frames else np.zeros(0)
    allv = np.concatenate(values) if values else np.zeros(0)
    norm_err = None
    for comps in quats.values():
        if len(comps) == 4 and len({c.size for c in comps.values()}) == 1:
            q = np.stack([comps[i] for i in range(4)], axis=1)
            err = float(np.abs(np.linalg.norm(q, axis=1) - 1.0).max())
            norm_err = err if norm_err is None else max(norm_err, err)
    bones = sorted({p.split('"')[1] for p in paths if p.startswith('pose.bones["')})
    tag = {k: v for k, v in sub("addon.bake").tag_of(action).items()
           if k not in ("curve_keys", "curve_digests")}
    return {"action": action.name, "tag": tag, "ranges": {p: list(r) for p, r in sorted(ranges.items())},
            "paths": {p: sorted(i) for p, i in sorted(paths.items())},
            "frames": [float(allf.min()), float(allf.max())] if allf.size else None,
            "keys_per_curve": [min(counts), max(counts)] if counts else None,
            "min": float(np.nanmin(allv)) if allv.size else None, "max": float(np.nanmax(allv)) if allv.size else None,
            "finite": bool(np.isfinite(allv).all()), "moving": sorted(moving), "bones": bones,
            "quat_norm_err": norm_err}
