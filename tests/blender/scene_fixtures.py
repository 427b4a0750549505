"""Test scenes built in bpy (run inside the subprocesses started by the blender tests).

``build_scene()`` makes an empty scene with:
- ``Face``: a small grid mesh carrying ``Basis`` + the 52 ARKit shape keys, each moving its own
  vertices (real deformations, so evaluated shapes can be checked),
- ``Body``: an armature whose bones carry the 55 SMPL-X joint names and parents, placed at the
  SMPL-X neutral rest positions (rigs.smplx_rest), Blender axes (Z up, facing -Y).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import bpy  # noqa: E402
import numpy as np  # noqa: E402

from rigs.arkit import ARKIT_NAMES  # noqa: E402
from rigs.smplx import JOINT_NAMES, PARENTS  # noqa: E402
from rigs.smplx_rest import rest_joint_positions  # noqa: E402


def reset() -> None:
    """Empty the startup scene. (Not ``read_factory_settings``: after it, the bpy module's undo
    system has no usable context and ``bpy.ops.ed.undo`` cannot run.)"""
    for coll in (bpy.data.objects, bpy.data.meshes, bpy.data.cameras, bpy.data.lights, bpy.data.actions,
                 bpy.data.armatures):
        for item in list(coll):
            coll.remove(item)


def make_face(name: str = "Face", names=ARKIT_NAMES) -> bpy.types.Object:
    """Grid mesh with Basis + one shape key per name (key ``i`` lifts vertex ``i`` along +Y)."""
    n = 8
    xs, zs = np.meshgrid(np.linspace(-0.1, 0.1, n), np.linspace(-0.1, 0.1, n))
    verts = [(float(x), 0.0, float(z)) for x, z in zip(xs.ravel(), zs.ravel())]
    faces = [(r * n + c, r * n + c + 1, (r + 1) * n + c + 1, (r + 1) * n + c)
             for r in range(n - 1) for c in range(n - 1)]
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata(verts, [], faces)
    obj = bpy.data.objects.new(name, mesh)
    bpy.context.scene.collection.objects.link(obj)
    obj.shape_key_add(name="Basis")
    for i, key_name in enumerate(names):
        kb = obj.shape_key_add(name=key_name, from_mix=False)
        co = np.empty(len(verts) * 3, np.float32)
        kb.data.foreach_get("co", co)
        co[3 * (i % len(verts)) + 1] -= 0.01
        kb.data.foreach_set("co", co)
    return obj


def make_armature(name: str = "Body") -> bpy.types.Object:
    """Armature with the SMPL-X joints as bones (head at the joint, tail 3 cm further up)."""
    arm = bpy.data.armatures.new(name)
    obj = bpy.data.objects.new(name, arm)
    bpy.context.scene.collection.objects.link(obj)
    bpy.context.view_layer.objects.active = obj
    bpy.ops.object.mode_set(mode='EDIT')
    pos = rest_joint_positions()
    bones = []
    for i, joint in enumerate(JOINT_NAMES):
        x, y, z = (float(v) for v in pos[i])
        eb = arm.edit_bones.new(joint)
        eb.head = (x, -z, y)
        eb.tail = (x, -z, y + 0.03)
        bones.append(eb)
    for i, parent in enumerate(PARENTS):
        if parent >= 0:
            bones[i].parent = bones[parent]
    bpy.ops.object.mode_set(mode='OBJECT')
    return obj


def build_scene(fps: int = 30, fps_base: float = 1.0, frame_start: int = 1):
    """Reset and build ``Face`` + ``Body``; return ``(face, body)``."""
    reset()
    scene = bpy.context.scene
    scene.render.fps = fps
    scene.render.fps_base = fps_base
    scene.frame_start = frame_start
    return make_face(), make_armature()


def add_artist_action(face: bpy.types.Object, name: str = "ArtistFace") -> str:
    """Key ``jawOpen`` by hand on frames 1 and 10 (an artist's action); return the action name."""
    kb = face.data.shape_keys.key_blocks["jawOpen"]
    kb.value = 0.2
    kb.keyframe_insert("value", frame=1)
    kb.value = 0.7
    kb.keyframe_insert("value", frame=10)
    action = face.data.shape_keys.animation_data.action
    action.name = name
    return action.name
