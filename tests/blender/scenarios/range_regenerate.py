"""Regenerate a frame range in bpy: Generate ``a``, regenerate a range from ``b``, edits, bad ranges, undo.

The bpy side of tests/blender/test_range.py. Params: ``a``, ``b`` (two audio files).
"""

import scenario  # noqa: I001  (first: sets sys.path)

P = scenario.PARAMS

import bpy, numpy as np
scenario.EXTENSION.register()
from speech_animator.addon import bake, compat, layers
import scene_fixtures as sf
face, body = sf.build_scene()
s = bpy.context.scene.speech_animator
s.face_object = face; s.armature = body; s.what = 'BOTH'; s.face_model = 'fast'
bpy.ops.ed.undo_push(message="start")
def gen(audio):
    s = bpy.context.scene.speech_animator
    s.audio_path = audio
    return list(bpy.ops.speechanim.generate('EXEC_DEFAULT', True))
def curve(id_data, path, index=0):
    a, slot = layers.generated_action(id_data)
    fc = next(f for f in compat.action_fcurves(a, slot) if f.data_path == path and f.array_index == index)
    return [fc.evaluate(f) for f in range(1, 80)]
JAW = 'key_blocks["jawOpen"].value'
ELBOW = 'pose.bones["right_elbow"].rotation_quaternion'
def key():
    return bpy.data.objects["Face"].data.shape_keys
def snapshot():
    b = bpy.data.objects["Body"]
    return {"jaw": curve(key(), JAW), "elbow": [curve(b, ELBOW, i) for i in range(4)]}
out = {}
gen(P["a"]); out["A"] = snapshot()
bpy.ops.speechanim.clear('EXEC_DEFAULT', True)
gen(P["b"]); out["B"] = snapshot()
bpy.ops.speechanim.clear('EXEC_DEFAULT', True)
gen(P["a"])
s = bpy.context.scene.speech_animator
s.regenerate = 'RANGE'; s.range_start = 30; s.range_end = 50
out["r"] = gen(P["b"])
out["R"] = snapshot()
out["names"] = sorted(a.name for a in bpy.data.actions if bake.is_generated(a))
out["edited"] = layers.is_edited(layers.generated_action(key())[0])
bpy.ops.ed.undo()
out["undo"] = snapshot()
# an edited action: the edit (frame 10, outside the range) stays on top
a = compat.assigned(key())[0]
fc = next(f for f in compat.action_fcurves(a) if f.data_path == JAW)
fc.keyframe_points[9].co[1] = 0.95
s = bpy.context.scene.speech_animator
s.regenerate = 'PREVIEW'
bpy.context.scene.use_preview_range = True
bpy.context.scene.frame_preview_start = 30; bpy.context.scene.frame_preview_end = 50
out["r2"] = gen(P["b"])
bpy.context.scene.frame_set(10)
out["jaw10"] = key().key_blocks["jawOpen"].value
out["active"] = compat.assigned(key())[0].name
out["base_jaw"] = curve(key(), JAW)
out["base_name"] = [layers.base_action(key()).name, layers.base_strip(key()).name]
out["actions2"] = sorted([a.name, a.users, a.use_fake_user] for a in bpy.data.actions)
# an edited base strip (the artist tweaked the base itself): kept, held by the datablock, not a fake user
base = layers.base_action(key())
fc = next(f for f in compat.action_fcurves(base) if f.data_path == JAW)
kp = min(fc.keyframe_points, key=lambda k: abs(k.co[0] - 40))
kp.co[1] = 0.61
s = bpy.context.scene.speech_animator
s.regenerate = 'RANGE'; s.range_start = 30; s.range_end = 50
out["r3"] = gen(P["b"])
out["base_name3"] = [layers.base_action(key()).name, layers.base_strip(key()).name]
out["held3"] = [a.name for a in layers.held(key())]
kept = bpy.data.actions.get(out["held3"][0]) if out["held3"] else None
out["kept_jaw40"] = next(f for f in compat.action_fcurves(kept) if f.data_path == JAW).evaluate(40) if kept else None
out["actions3"] = sorted([a.name, a.users, a.use_fake_user] for a in bpy.data.actions)
# a range outside the clip changes nothing
s = bpy.context.scene.speech_animator
s.regenerate = 'RANGE'; s.range_start = 5000; s.range_end = 5100
before = sorted(a.name for a in bpy.data.actions)
try:
    gen(P["b"]); out["err"] = ""
except RuntimeError as exc:
    out["err"] = str(exc)
out["unchanged"] = before == sorted(a.name for a in bpy.data.actions)
scenario.emit(out)
scenario.finish()
