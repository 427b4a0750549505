"""RobotExpressive in bpy: its glTF "Dance" clip never constrains Generate; the body bakes without a face.

The bpy side of tests/blender/test_robot_edit.py. Params: ``robot`` (RobotExpressive.glb), ``audio``.
"""

import scenario  # noqa: I001  (first: sets sys.path)

P = scenario.PARAMS

import bpy, numpy as np
scenario.EXTENSION.register()
from speech_animator.addon import bake, compat, layers, pipeline
for ob in list(bpy.data.objects):
    bpy.data.objects.remove(ob)
bpy.ops.import_scene.gltf(filepath=P["robot"])
arm = next(o for o in bpy.data.objects if o.type == 'ARMATURE')
head = next(o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys is not None)
clip = compat.assigned(arm)[0]
s = bpy.context.scene.speech_animator
s.audio_path = P["audio"]; s.armature = arm; s.face_object = head; s.what = 'BOTH'; s.face_model = 'fast'
job = pipeline.job_from_settings(s, bpy.context)
outcome = pipeline.apply(job, pipeline.infer(job))
gen = layers.generated_action(arm)[0]
out = {"clip": clip.name if clip else None, "constraints": job.constraints is not None,
       "actions": list(outcome.result.actions), "face_warning": [w for w in outcome.warnings if w.startswith("face skipped")],
       "clip_note": [w for w in outcome.warnings if "Dance" in w and "moved under the generated animation" in w],
       "tracks": [t.name for t in arm.animation_data.nla_tracks], "active": compat.assigned(arm)[0].name}
def rot(action):
    fcs = [f for f in compat.action_fcurves(action) if f.data_path.endswith("rotation_quaternion")]
    return np.array([[f.evaluate(x) for x in range(1, 61)] for f in fcs])
with_clip = rot(gen)
bake.clear([arm])
compat.assign_action(arm, None)
for t in list(arm.animation_data.nla_tracks):
    arm.animation_data.nla_tracks.remove(t)
job = pipeline.job_from_settings(s, bpy.context)
pipeline.apply(job, pipeline.infer(job))
out["max_diff"] = float(np.abs(with_clip - rot(layers.generated_action(arm)[0])).max())
scenario.emit(out)
scenario.finish()
