"""Bake test poses and ARKit curves on the demo character, export .npz / .csv / BVH / glTF; try
Import Motion of a BVH from Blender's own exporter (refused: not the SMPL-X convention).

Params: ``out`` (folder). Writes ``poses.npy``, ``arkit.npy``, ``transl.npy`` and the exports there.
"""

import scenario  # noqa: I001  (first: sets sys.path)

import bpy
import numpy as np

import rigs_fixtures as rf
from speech_animator.addon import bake
from speech_animator.addon.targets_body import build_body_targets
from speech_animator.addon.targets_face import build_face_targets
from speech_animator.inference.performance import Performance

out = scenario.PARAMS["out"]
scene, demo = scenario.demo_scene()
poses = rf.test_poses(num_random=4)
T = poses.shape[0]
arkit = np.zeros((T, 52), np.float32)
arkit[:, 17] = np.linspace(0, 1, T)
arkit[:, 23] = 0.25
transl = np.zeros((T, 3), np.float32)
transl[:, 0] = np.linspace(0, 0.2, T)
perf = Performance(30.0, arkit, smplx_poses=poses, transl=transl, jaw_pose=poses[:, 22].copy())
for name, arr in (("poses", poses), ("arkit", arkit), ("transl", transl)):
    np.save(f"{out}/{name}.npy", arr)
ft, _ = build_face_targets([demo.head], perf)
bt, _ = build_body_targets(demo.armature, perf)
bake.bake(ft + bt, 1, "")  # one action per datablock (bake.merge_by_datablock)
r = {}
for fmt, ext in (("NPZ", "npz"), ("CSV", "csv"), ("BVH", "bvh")):
    r[ext] = list(bpy.ops.speechanim.export_motion(filepath=f"{out}/take.{ext}", format=fmt, frame_start=1,
                                                   frame_end=T))
# Blender's own BVH exporter (the character's skeleton, Z up, metres): Import Motion refuses it clearly
with bpy.context.temp_override(active_object=demo.armature, object=demo.armature, selected_objects=[demo.armature]):
    bpy.ops.export_anim.bvh(filepath=f"{out}/blender.bvh", frame_start=1, frame_end=T, rotate_mode='NATIVE')
s = bpy.context.scene.speech_animator
s.face_object, s.armature = demo.head, demo.armature
try:
    r["blender_bvh_import"] = list(bpy.ops.speechanim.import_motion(filepath=f"{out}/blender.bvh"))
except RuntimeError as exc:  # the operator's ERROR report
    r["blender_bvh_import"] = str(exc)
bpy.ops.export_scene.gltf(filepath=f"{out}/demo.gltf", export_format='GLTF_SEPARATE', export_animations=True,
                          export_force_sampling=True)
r["T"] = T
r["keys"] = [k.name for k in demo.head.data.shape_keys.key_blocks][1:]
scenario.emit(r)
scenario.finish()
