"""Export Motion after regenerating with edits: the active action is then the edit layer
(differences only, blended over the generated base on the NLA), so the export must read what
plays, not the active action's F-curves.

Params: ``audio``. Generate (face and body) on the demo character, edit a jawOpen key (frame 31 to
0.95) and the right elbow (frame 20, +0.8 rad about Z), Generate again (the edits become delta
layers), export over the clip; then merge what plays into one plain action per datablock
(``layers.merge_down``) and export again: the reference, read from plain F-curves.
"""

import scenario  # noqa: I001  (first: sets sys.path)

import bpy
import numpy as np
from mathutils import Quaternion

from speech_animator.addon import compat, exports, layers
from speech_animator.rigs.arkit import ARKIT_INDEX
from speech_animator.rigs.smplx_rest import smplx_global_rotations

scene, demo = scenario.demo_scene()
s = scene.speech_animator
s.audio_path, s.what, s.face_model = scenario.PARAMS["audio"], 'BOTH', 'fast'
key, arm = demo.head.data.shape_keys, demo.armature
r = {"r1": list(bpy.ops.speechanim.generate())}
jaw = next(f for f in compat.action_fcurves(compat.assigned(key)[0]) if f.data_path == 'key_blocks["jawOpen"].value')
jaw.keyframe_points[30].co[1] = 0.95                                   # frame 31
path = 'pose.bones["right_elbow"].rotation_quaternion'
fcs = sorted((f for f in compat.action_fcurves(compat.assigned(arm)[0]) if f.data_path == path),
             key=lambda f: f.array_index)
want = Quaternion([f.keyframe_points[19].co[1] for f in fcs]) @ Quaternion((0, 0, 1), 0.8)
for f, v in zip(fcs, want):
    f.keyframe_points[19].co[1] = v                                    # frame 20
r["r2"] = list(bpy.ops.speechanim.generate())
n = int(layers.generated_action(key)[0].frame_range[1])
r.update(frames=n, face_active=compat.assigned(key)[0].name, body_active=compat.assigned(arm)[0].name,
         face_blend=key.animation_data.action_blend_type, body_blend=arm.animation_data.action_blend_type,
         face_base=layers.base_action(key).name, body_base=layers.base_action(arm).name)
layered = exports.performance_from_scene(scene, demo.head, arm, 1, n)
layers.merge_down(key, scene)
layers.merge_down(arm, scene)
plain = exports.performance_from_scene(scene, demo.head, arm, 1, n)
r["merged"] = [compat.assigned(key)[0].name, compat.assigned(arm)[0].name, layers.plays_layers(key),
               layers.plays_layers(arm)]
j = ARKIT_INDEX["jawOpen"]
r["jaw31"] = float(layered.arkit[30, j])
r["jaw_std"] = float(layered.arkit[:, j].std())
r["arkit_diff"] = float(np.abs(layered.arkit - plain.arkit).max())
g0, g1 = smplx_global_rotations(layered.smplx_poses), smplx_global_rotations(plain.smplx_poses)
cos = (np.trace(np.einsum("tjab,tjac->tjbc", g0[:, :22], g1[:, :22]), axis1=2, axis2=3) - 1) / 2
r["pose_diff_deg"] = float(np.degrees(np.arccos(np.clip(cos, -1, 1))).max())
r["pose_motion"] = float(np.abs(np.diff(plain.smplx_poses, axis=0)).max())
r["transl_diff"] = float(np.abs(layered.transl - plain.transl).max())
scenario.emit(r)
scenario.finish()
