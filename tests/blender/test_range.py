"""Regenerate a frame range (bpy): new values inside, blended at both ends, the rest untouched;
edits stay on top; bad ranges change nothing; undo."""

import numpy as np
import pytest

from bpy_harness import run_bpy, write_speechlike

CODE = """
import bpy, numpy as np
from tools.bake import load_extension
load_extension()
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
gen(A); out["A"] = snapshot()
bpy.ops.speechanim.clear('EXEC_DEFAULT', True)
gen(B); out["B"] = snapshot()
bpy.ops.speechanim.clear('EXEC_DEFAULT', True)
gen(A)
s = bpy.context.scene.speech_animator
s.regenerate = 'RANGE'; s.range_start = 30; s.range_end = 50
out["r"] = gen(B)
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
out["r2"] = gen(B)
bpy.context.scene.frame_set(10)
out["jaw10"] = key().key_blocks["jawOpen"].value
out["active"] = compat.assigned(key())[0].name
out["base_jaw"] = curve(key(), JAW)
# a range outside the clip changes nothing
s = bpy.context.scene.speech_animator
s.regenerate = 'RANGE'; s.range_start = 5000; s.range_end = 5100
before = sorted(a.name for a in bpy.data.actions)
try:
    gen(B); out["err"] = ""
except RuntimeError as exc:
    out["err"] = str(exc)
out["unchanged"] = before == sorted(a.name for a in bpy.data.actions)
emit(out)
"""


def test_regenerate_a_range_blends_in_and_leaves_the_rest(tmp_path):
    a = write_speechlike(tmp_path / "a.wav", silence_s=0.3, speech_s=2.0)
    b = write_speechlike(tmp_path / "b.wav", silence_s=0.1, speech_s=2.2)
    res, _ = run_bpy(CODE.replace("A)", f"{str(a)!r})").replace("B)", f"{str(b)!r})"))
    assert res["r"] == ["FINISHED"] and res["r2"] == ["FINISHED"]
    jaw_a, jaw_b, jaw_r = (np.array(res[k]["jaw"]) for k in ("A", "B", "R"))
    assert np.abs(jaw_a - jaw_b).max() > 0.05             # the two clips differ
    f = np.arange(1, 80)
    outside = (f < 30 - 6) | (f > 50 + 6)
    inside = (f >= 30) & (f <= 50)
    np.testing.assert_allclose(jaw_r[outside], jaw_a[outside], atol=1e-6)
    np.testing.assert_allclose(jaw_r[inside], jaw_b[inside], atol=1e-5)
    for k in ("A", "B", "R"):
        res[k]["elbow"] = np.array(res[k]["elbow"])
    np.testing.assert_allclose(res["R"]["elbow"][:, outside], res["A"]["elbow"][:, outside], atol=1e-6)
    # blends: no step larger than the larger of the two clips' own steps at the joins
    steps = np.abs(np.diff(jaw_r))
    assert steps.max() <= max(np.abs(np.diff(jaw_a)).max(), np.abs(np.diff(jaw_b)).max()) + 0.02
    assert len(res["names"]) == 2 and not res["edited"]   # changed in place, digest refreshed
    np.testing.assert_allclose(res["undo"]["jaw"], jaw_a, atol=1e-6)
    assert res["jaw10"] == pytest.approx(0.95) and res["active"].startswith("a - Face")
    base = np.array(res["base_jaw"])
    np.testing.assert_allclose(base[inside], jaw_b[inside], atol=1e-5)
    assert "range 5000-5100" in res["err"] and res["unchanged"]
