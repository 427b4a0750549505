"""Face targets on small hand-made meshes and rigs (no shared data).

Params: ``case``:

* ``keys_and_fallbacks``: the same curves on every mesh that carries the keys; VRM visemes and a
  single open-mouth key as fallbacks;
* ``flame``: FLAME ``Exp###`` keys plus the jaw bone of the mesh's armature driven by ``jaw_pose``;
* ``jaw_bone``: no usable key, the jaw bone opens the mouth;
* ``errors`` (with ``lib``, a .blend path to write): the messages for unusable inputs.
"""

import scenario  # noqa: I001  (first: sets sys.path)

import bpy
import numpy as np

from speech_animator.addon import bake
from speech_animator.addon.errors import TargetError
from speech_animator.addon.targets_body import build_body_targets
from speech_animator.addon.targets_face import build_face_targets
from speech_animator.inference.performance import Performance

bpy.ops.wm.read_factory_settings(use_empty=True)
T = 10
arkit = np.zeros((T, 52), np.float32)
arkit[:, 17] = 0.8
arkit[:, 19] = 0.5
perf = Performance(30.0, arkit)


def mesh(name, keys):
    me = bpy.data.meshes.new(name)
    me.from_pydata([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [], [(0, 1, 2)])
    ob = bpy.data.objects.new(name, me)
    bpy.context.scene.collection.objects.link(ob)
    if keys:
        ob.shape_key_add(name="Basis")
        for k in keys:
            ob.shape_key_add(name=k)
    return ob


def armature(name, bones):
    """``bones``: ``(name, head, tail, parent)`` tuples, edit-mode coordinates."""
    data = bpy.data.armatures.new(name)
    arm = bpy.data.objects.new(name, data)
    bpy.context.scene.collection.objects.link(arm)
    bpy.context.view_layer.objects.active = arm
    bpy.ops.object.mode_set(mode="EDIT")
    for bone, head, tail, parent in bones:
        b = data.edit_bones.new(bone)
        b.head, b.tail = head, tail
        if parent:
            b.parent = data.edit_bones[parent]
    bpy.ops.object.mode_set(mode="OBJECT")
    return arm


def keys_and_fallbacks():
    head = mesh("Head", ["jawOpen", "mouthFunnel", "Custom"])
    teeth = mesh("Teeth", ["JawOpen"])
    vrm = mesh("VRM", ["Fcl_MTH_A", "Fcl_MTH_I", "Fcl_MTH_U", "Fcl_MTH_E", "Fcl_MTH_O"])
    rpm = mesh("Simple", ["mouthOpen", "Blink"])
    targets, warnings = build_face_targets([head, teeth, vrm, rpm], perf)
    return {"paths": {t.label: sorted(c.data_path for c in t.channels) for t in targets},
            "vals": {t.label: {c.data_path: float(c.values[0]) for c in t.channels} for t in targets},
            "warnings": warnings}


def flame():
    arm = armature("Rig", (("head", (0, 0, 1.5), (0, 0, 1.7), None),
                           ("jaw", (0, -0.02, 1.5), (0, -0.1, 1.45), "head")))
    ob = mesh("Flame", [f"Exp{i:03d}" for i in range(10)])
    ob.parent = arm
    expr = np.zeros((T, 100), np.float32)
    expr[:, 3] = 0.7
    jaw = np.zeros((T, 3), np.float32)
    jaw[:, 0] = 0.3
    targets, warnings = build_face_targets([ob], Performance(30.0, arkit, expression=expr, jaw_pose=jaw))
    byl = {t.label: t for t in targets}
    f = byl["Face (Flame)"]
    q = np.array([c.values[0] for c in byl["Face jaw (Rig)"].channels])
    return {"labels": sorted(byl), "n": len(f.channels), "jaw_angle": float(2 * np.arccos(min(1.0, abs(q[0])))),
            "exp3": float([c for c in f.channels if c.data_path == 'key_blocks["Exp003"].value'][0].values[0]),
            "warnings": warnings}


def jaw_bone():
    arm = armature("Rig", (("head", (0, 0, 1.5), (0, 0, 1.7), None),
                           ("Jaw", (0, -0.02, 1.5), (0, -0.1, 1.45), "head")))
    face = mesh("Robot", ["Angry", "Sad"])
    face.parent = arm
    targets, warnings = build_face_targets([face], perf)
    bake.bake(targets, 1, "")
    bpy.context.scene.frame_set(2)
    tail0 = np.array(arm.data.bones["Jaw"].tail_local)
    tail1 = np.array(arm.pose.bones["Jaw"].tail)
    return {"labels": [t.label for t in targets], "drop": float(tail0[2] - tail1[2]), "warnings": warnings}


def err(fn):
    try:
        fn()
        return "no error"
    except TargetError as exc:
        return str(exc)


def errors():
    lib = scenario.PARAMS["lib"]
    out = {}
    bare = mesh("Bare", [])
    out["no_keys"] = err(lambda: build_face_targets([bare], perf))
    odd = mesh("Odd", ["Angry", "Surprised"])
    out["nothing"] = err(lambda: build_face_targets([odd], perf))
    out["empty"] = err(lambda: build_face_targets([], perf))
    libm = mesh("LibHead", ["jawOpen"])  # linked library data
    bpy.data.libraries.write(lib, {libm})
    bpy.ops.wm.read_factory_settings(use_empty=True)
    with bpy.data.libraries.load(lib, link=True) as (_src, dst):
        dst.objects = ["LibHead"]
    ob = bpy.data.objects["LibHead"]
    bpy.context.scene.collection.objects.link(ob)
    out["linked"] = err(lambda: build_face_targets([ob], perf))
    crane = armature("Crane", [(n, (0, 0, i), (0, 0, i + 1), ("base", "boom")[i - 1] if i else None)
                               for i, n in enumerate(("base", "boom", "hook"))])
    body = Performance(30.0, arkit, smplx_poses=np.zeros((T, 55, 3), np.float32))
    out["crane"] = err(lambda: build_body_targets(crane, body))
    out["mesh_as_armature"] = err(lambda: build_body_targets(ob, body))
    return out


CASES = {"keys_and_fallbacks": keys_and_fallbacks, "flame": flame, "jaw_bone": jaw_bone, "errors": errors}
scenario.emit(CASES[scenario.PARAMS["case"]]())
scenario.finish()
