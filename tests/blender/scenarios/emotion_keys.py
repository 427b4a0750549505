"""Key Emotion on the face object, undo, and Generate reading the keys.

The bpy side of tests/blender/test_emotion_keys.py. Params: ``audio`` (a speech-like clip).
"""

import scenario  # noqa: I001  (first: sets sys.path)

import bpy

from speech_animator.addon import compat, pipeline

face, s = scenario.face_scene(fps=30)
s.frame_start = 11
out = {"sidebar_default": s.generate_options(bpy.context.scene).emotion.to_mapping()}
bpy.context.scene.frame_set(11)
s.emotion, s.emotion_strength = "joy", 1.0
bpy.ops.ed.undo_push(message="before key")
out["key1"] = list(bpy.ops.speechanim.key_emotion('EXEC_DEFAULT', True))
bpy.context.scene.frame_set(71)
s.emotion, s.emotion_strength = "sadness", 0.5
out["key2"] = list(bpy.ops.speechanim.key_emotion('EXEC_DEFAULT', True))
face = bpy.data.objects["Face"]
action, slot = compat.assigned(face)
out["curves"] = sorted(f.data_path for f in compat.action_fcurves(action, slot))
out["job_emotion"] = pipeline.job_from_settings(s, bpy.context).options.emotion.to_mapping()
bpy.ops.ed.undo()
face = bpy.data.objects["Face"]
action, slot = compat.assigned(face)
out["after_undo"] = sorted({int(k.co[0]) for f in compat.action_fcurves(action, slot) for k in f.keyframe_points}) if action else []
bpy.ops.ed.redo()
out["result"] = list(bpy.ops.speechanim.generate())
key = bpy.data.objects["Face"].data.shape_keys
gen, gslot = compat.assigned(key)
smile = {f.data_path: f for f in compat.action_fcurves(gen, gslot)}.get('key_blocks["mouthSmileLeft"].value')
frown = {f.data_path: f for f in compat.action_fcurves(gen, gslot)}.get('key_blocks["mouthFrownLeft"].value')
out["smile"] = [smile.evaluate(f) for f in (12, 71)] if smile else None
out["frown"] = [frown.evaluate(f) for f in (12, 71)] if frown else None
scenario.emit(out)
scenario.finish()
