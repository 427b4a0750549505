"""RobotExpressive (shared data, bpy 5.0): its glTF "Dance" clip never leaks into Generate, and its
unmappable face (only Angry/Surprised/Sad morphs) does not stop the body from baking."""

import numpy as np

from bpy_harness import run_bpy, write_speechlike
from tests.conftest import shared_path

CODE = """
import bpy, numpy as np
from tools.bake import load_extension
load_extension()
from speech_animator.addon import bake, compat, layers, pipeline
for ob in list(bpy.data.objects):
    bpy.data.objects.remove(ob)
bpy.ops.import_scene.gltf(filepath=ROBOT)
arm = next(o for o in bpy.data.objects if o.type == 'ARMATURE')
head = next(o for o in bpy.data.objects if o.type == 'MESH' and o.data.shape_keys is not None)
clip = compat.assigned(arm)[0]
s = bpy.context.scene.speech_animator
s.audio_path = AUDIO; s.armature = arm; s.face_object = head; s.what = 'BOTH'; s.face_model = 'fast'
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
emit(out)
"""


def test_robot_dance_clip_never_constrains_and_body_bakes_without_a_face(tmp_path):
    robot = shared_path("characters", "RobotExpressive.glb")
    audio = write_speechlike(tmp_path / "robot.wav", silence_s=0.3, speech_s=2.0)
    res, _ = run_bpy(CODE.replace("ROBOT", repr(str(robot))).replace("AUDIO", repr(str(audio))))
    assert res["clip"].startswith("Dance") and not res["constraints"]
    assert res["actions"] == ["robot - Body (RobotArmature)"] and len(res["face_warning"]) == 1
    assert "nothing matched" in res["face_warning"][0]
    assert res["clip_note"], res
    assert "Speech Animator: kept " + res["clip"] in res["tracks"], res  # "Dance" (4.2: "Dance_RobotArmature")
    assert res["active"] == "robot - Body (RobotArmature)"
    assert res["max_diff"] < 1e-6
