"""Generate from the scene's sound strips (bpy 5.0): one strip, or every strip on a channel mixed at
their frame offsets into one continuous result; undo; clear errors without strips."""

import numpy as np
import pytest

from bpy_harness import run_bpy, write_speechlike

CODE = """
import bpy, numpy as np
from tools.bake import load_extension
load_extension()
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
    emit({"skip": "this bpy module is built without Audaspace: no sound strips", **out})
    import os; os._exit(0)
strips = compat.sound_strips(scene)
a = strips.new_sound("first", A, 2, 10)
b = strips.new_sound("second", B, 2, 100)
b.frame_offset_start = 9          # the second strip starts 0.3 s into its file (trimmed)
strips.new_sound("other", A, 3, 1)
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
emit(out)
"""


def test_generate_from_the_strips_of_a_channel_as_one_result(tmp_path):
    a = write_speechlike(tmp_path / "a.wav", silence_s=0.2, speech_s=1.5)
    b = write_speechlike(tmp_path / "b.wav", silence_s=0.3, speech_s=1.5)
    res, _ = run_bpy(CODE.replace("A,", f"{str(a)!r},").replace("B,", f"{str(b)!r},"))
    assert res["poll_without_strips"] is False
    if "skip" in res:
        pytest.skip(res["skip"])
    assert res["r"] == ["FINISHED"] and res["name"] == "channel 2 - Face (Face)"
    (a0, a1), (b0, b1) = res["ranges"]
    frames, jaw = np.array(res["frames"]), np.array(res["jaw"])
    assert frames[0] == a0 == 10 and b0 == 109
    assert frames[-1] == pytest.approx(b1 - 1, abs=1)     # one continuous result to the last strip's end
    assert np.all(np.diff(frames) == 1)
    gap = (frames > a1 + 5) & (frames < b0 - 3)
    first = (frames > a0 + 8) & (frames < a1 - 3)
    second = (frames > b0 + 3) & (frames < b1 - 3)
    assert jaw[gap].max() < 0.05                           # silence between the strips
    assert jaw[first].std() > 0.02 and jaw[second].std() > 0.02
    assert res["after_undo"]
    assert res["r_strip"] == ["FINISHED"] and res["strip_name"] == "second - Face (Face)"
    assert res["strip_first"] == 109 and res["poll_bad_name"] is False
