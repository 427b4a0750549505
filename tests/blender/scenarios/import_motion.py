"""Import Motion (``speechanim.import_motion``) of a file onto the demo character.

Params: ``path`` (the .npz / .bvh / .csv), ``fps`` (scene rate), ``block`` (module names made
unimportable first, e.g. ``["bvhio"]`` to prove the installed zip does not need them),
``reimport_reduced`` (then import again with the panel's Reduce Keys and Replace Generated on:
Import Motion bakes through the same pipeline as Generate and honours both).
"""

import scenario  # noqa: I001  (first: sets sys.path)

import sys

for name in scenario.PARAMS.get("block", []):
    sys.modules[name] = None  # "import name" now raises ImportError

import bpy
import numpy as np

from speech_animator.addon import compat, exports

scene, demo = scenario.demo_scene(int(scenario.PARAMS.get("fps", 30)))
path = scenario.PARAMS["path"]
read = exports.read_performance(path)
r = {"r": list(bpy.ops.speechanim.import_motion(filepath=path))}
action, slot = compat.assigned(demo.armature)
fc = [f for f in compat.action_fcurves(action, slot) if f.data_path == 'pose.bones["left_elbow"].rotation_quaternion']
frames = sorted({int(k.co[0]) for f in fc for k in f.keyframe_points})
face_action, _ = compat.assigned(demo.head.data.shape_keys)
r.update(first=frames[0], last=frames[-1], face=face_action is not None, action=action.name,
         read_fps=read.fps, read_frames=read.num_frames, blocked_loaded=[m for m in scenario.PARAMS.get("block", [])
                                                                        if sys.modules.get(m) is not None])
if read.smplx_poses is not None:
    back = exports.performance_from_scene(scene, None, demo.armature, 1, read.num_frames)
    r["read_poses"] = read.smplx_poses.tolist()
    r["read_transl"] = read.transl.tolist()
    r["baked_poses"] = back.smplx_poses.tolist()
if scenario.PARAMS.get("reimport_reduced"):
    s = scene.speech_animator
    s.use_key_reduction, s.key_tolerance, s.replace_generated = True, 0.01, True
    dense = sum(len(f.keyframe_points) for f in compat.action_fcurves(action, slot))
    count = len(bpy.data.actions)
    r["r2"] = list(bpy.ops.speechanim.import_motion(filepath=path))
    action2, slot2 = compat.assigned(demo.armature)
    r["keys_dense"], r["keys_reduced"] = dense, sum(len(f.keyframe_points) for f in compat.action_fcurves(action2, slot2))
    r["actions_added"] = len(bpy.data.actions) - count  # 0: the previous generated actions were replaced
scenario.emit(r)
scenario.finish()
