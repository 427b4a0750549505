"""Learn Style from an edited take, Generate with it, Reset Style, undo.

The bpy side of tests/blender/test_emotion_keys.py. Params: ``audio`` (a speech-like clip).
"""

import scenario  # noqa: I001  (first: sets sys.path)

import json

import bpy

from speech_animator.addon import compat, layers

face, s = scenario.face_scene(fps=30)
s.procedural_face = False
out = {"first": list(bpy.ops.speechanim.generate())}


def jaw_curve():
    key = bpy.data.objects["Face"].data.shape_keys
    action, slot = layers.generated_action(key)
    return {f.data_path: f for f in compat.action_fcurves(action, slot)}['key_blocks["jawOpen"].value']


fc = jaw_curve()
out["jaw_max_generated"] = max(k.co[1] for k in fc.keyframe_points)
for k in fc.keyframe_points:  # the artist halves the jaw everywhere
    k.co[1] *= 0.5
    k.handle_left[1] *= 0.5
    k.handle_right[1] *= 0.5
fc.update()
bpy.ops.ed.undo_push(message="edited")
out["learn"] = list(bpy.ops.speechanim.learn_style('EXEC_DEFAULT', True))
face = bpy.data.objects["Face"]
out["style"] = json.loads(face["speechanim_style"])
s = bpy.context.scene.speech_animator
out["job_style"] = __import__("speech_animator.addon.pipeline", fromlist=["x"]).job_from_settings(
    s, bpy.context).options.style.to_mapping()
bpy.ops.ed.undo()
out["after_undo"] = "speechanim_style" in bpy.data.objects["Face"].keys()
bpy.ops.ed.redo()
s = bpy.context.scene.speech_animator
s.replace_generated = True
out["second"] = list(bpy.ops.speechanim.generate())
fc = jaw_curve()  # the new generated base (the artist's edit stays as a layer above it)
out["jaw_max_styled"] = max(k.co[1] for k in fc.keyframe_points)
out["reset"] = list(bpy.ops.speechanim.reset_style())
out["after_reset"] = "speechanim_style" in bpy.data.objects["Face"].keys()
scenario.emit(out)
scenario.finish()
