"""Generate from the scene's sound strips in bpy: a channel's strips mixed into one result, one strip, undo.

The bpy side of tests/blender/test_timeline_audio.py. Params: ``a``, ``b`` (two audio files placed as strips).
"""

import scenario  # noqa: I001  (first: sets sys.path)

P = scenario.PARAMS

import bpy, numpy as np
scenario.EXTENSION.register()
from speech_animator.addon import compat, layers
import scene_fixtures as sf
face, body = sf.build_scene()
scene = bpy.context.scene
s = scene.speech_animator
s.face_object = face; s.what = 'FACE'; s.face_model = 'fast'
out = {"poll_without_strips": None}
s.audio_source = 'CHANNEL'; s.sound_channel = 2
out["poll_without_strips"] = bpy.ops.speechanim.generate.poll()
if not bpy.app.build_options.audaspace:
    scenario.emit({"skip": "this bpy module is built without Audaspace: no sound strips", **out})
    import os; os._exit(0)
strips = compat.sound_strips(scene)
a = strips.new_sound("first", P["a"], 2, 10)
b = strips.new_sound("second", P["b"], 2, 100)
b.frame_offset_start = 9          # the second strip starts 0.3 s into its file (trimmed)
strips.new_sound("other", P["a"], 3, 1)
bpy.ops.ed.undo_push(message="strips")
out["ranges"] = [[a.frame_final_start, a.frame_final_end], [b.frame_final_start, b.frame_final_end]]
out["r"] = list(bpy.ops.speechanim.generate('EXEC_DEFAULT', True))
key = bpy.data.objects["Face"].data.shape_keys
act = layers.generated_action(key)[0]
fc = next(f for f in compat.action_fcurves(act) if f.data_path == 'key_blocks["jawOpen"].value')
out["name"] = act.name
out["frames"] = [k.co[0] for k in fc.keyframe_points]
out["jaw"] = [k.co[1] for k in fc.keyframe_points]
bpy.ops.ed.undo()
out["after_undo"] = layers.generated_action(bpy.data.objects["Face"].data.shape_keys)[0] is None
s = bpy.context.scene.speech_animator
s.audio_source = 'STRIP'; s.sound_strip = "second"
out["r_strip"] = list(bpy.ops.speechanim.generate('EXEC_DEFAULT', True))
act = layers.generated_action(bpy.data.objects["Face"].data.shape_keys)[0]
fc = next(f for f in compat.action_fcurves(act) if f.data_path == 'key_blocks["jawOpen"].value')
out["strip_name"] = act.name
out["strip_first"] = fc.keyframe_points[0].co[0]
s.sound_strip = "nope"
out["poll_bad_name"] = bpy.ops.speechanim.generate.poll()
scenario.emit(out)
scenario.finish()
