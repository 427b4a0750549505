"""Editing after generation in bpy: edits survive regenerate/Clear, layers, merge down, explicit
prompts (face and body), partial success, the Generated list operators; undo of each operator."""

import numpy as np
import pytest

from bpy_harness import run_bpy, write_speechlike

SETUP = """
import bpy, numpy as np
from tools.bake import load_extension
load_extension()
from speech_animator.addon import bake, compat, layers, prompts
import scene_fixtures as sf
face, body = sf.build_scene()
key = face.data.shape_keys
s = bpy.context.scene.speech_animator
s.audio_path = AUDIO; s.face_object = face; s.armature = body; s.what = 'BOTH'; s.face_model = 'fast'
bpy.ops.ed.undo_push(message="start")
def gen():
    return list(bpy.ops.speechanim.generate('EXEC_DEFAULT', True))
def jaw_curve(action):
    return next(f for f in compat.action_fcurves(action) if f.data_path == 'key_blocks["jawOpen"].value')
def value(frame, path='key_blocks["jawOpen"].value', id_data=None):
    bpy.context.scene.frame_set(frame)
    return (id_data or key).path_resolve(path)
def orphans():
    return sorted(a.name for a in bpy.data.actions if a.users == 0)  # lost on save
"""


def _run(tmp_path, code, name="e.wav"):
    audio = write_speechlike(tmp_path / name, silence_s=0.3, speech_s=2.5)
    res, proc = run_bpy(SETUP.replace("AUDIO", repr(str(audio))) + code)
    res["_stdout"] = proc.stdout  # the operators' reports (background mode prints them)
    return res


def test_edited_generated_action_survives_regenerate_replace_and_clear(tmp_path):
    res = _run(tmp_path, """
assert gen() == ['FINISHED']
first = compat.assigned(key)[0]
name = first.name
fc = jaw_curve(first)
fc.keyframe_points[60].co[1] = 0.95          # jawOpen at frame 61 set to 0.95
for k in reversed(range(70, 80)):            # keys 71-80 deleted
    fc.keyframe_points.remove(fc.keyframe_points[k])
out = {"edited": layers.edited_curves(first)}
for i in range(3):                           # regenerate three times with Replace Previous Generated on
    assert gen() == ['FINISHED']
out["active"] = compat.assigned(key)[0].name
out["base"] = layers.base_action(key).name
out["jaw61"] = value(61)
out["generated"] = sorted(a.name for a in bpy.data.actions if bake.is_generated(a))
out["orphans"] = orphans()
layer = compat.assigned(key)[0]
out["layer_curves"] = [(f.data_path, [k.co[0] for k in f.keyframe_points]) for f in compat.action_fcurves(layer)]
out["blend"] = key.animation_data.action_blend_type
out["source_kept"] = bpy.data.actions[name].use_fake_user
# what plays equals the edited action on every frame (same clip regenerated: same base)
edited = jaw_curve(bpy.data.actions[name])
out["max_diff_to_edited"] = max(abs(value(f) - edited.evaluate(f)) for f in range(1, 91))
bpy.ops.ed.undo()                            # the last Generate is one undo step
out["after_undo_base"] = layers.base_action(bpy.data.objects["Face"].data.shape_keys).name
bpy.ops.speechanim.clear('EXEC_DEFAULT', True)
key = bpy.data.objects["Face"].data.shape_keys
out["after_clear"] = {"active": compat.assigned(key)[0].name, "orphans": orphans(),
                      "tracks": [t.name for t in key.animation_data.nla_tracks],
                      "muted": sum(f.mute for f in compat.action_fcurves(bpy.data.actions[name])),
                      "actions": sorted(a.name for a in bpy.data.actions)}
out["name"] = name
emit(out)
""")
    assert res["edited"] == ['key_blocks["jawOpen"].value[0]']
    assert res["active"] == res["name"] + " edits"          # the edits as a delta layer on top (Add)
    assert res["blend"] == "ADD" and res["source_kept"]
    assert res["base"] != res["name"] and res["jaw61"] == pytest.approx(0.95, abs=1e-5)
    # only the edited frames are keyed in the layer: 61 (+/- 1) and the deleted keys 71-80 (+/- 1)
    [(path, frames)] = res["layer_curves"]
    assert path == 'key_blocks["jawOpen"].value' and set(frames) <= set(range(60, 63)) | set(range(70, 82))
    assert res["max_diff_to_edited"] < 1e-4
    assert len(res["generated"]) == 4  # your edited action (kept), its edit layer, face base, body: no pile-up
    assert res["orphans"] == []
    assert res["after_undo_base"].startswith("e - Face")
    clear = res["after_clear"]
    assert clear["active"] == res["name"] and clear["muted"] == 0 and clear["orphans"] == []  # edited action back
    assert clear["tracks"] == [] and clear["actions"] == [res["name"]]


def test_imported_full_clip_never_constrains_and_artist_brow_keys_win(tmp_path):
    res = _run(tmp_path, """
# a full-body clip on the armature (like RobotExpressive's glTF "Dance"): every bone keyed
from mathutils import Quaternion
for i, pb in enumerate(body.pose.bones):
    pb.rotation_mode = 'QUATERNION'
    for f in (1, 30, 60):
        pb.rotation_quaternion = Quaternion((1, 0, 0), 0.3 * np.sin(i + f))
        pb.keyframe_insert("rotation_quaternion", frame=f)
body.animation_data.action.name = "Dance"
# the artist's brow keys on the face
kb = key.key_blocks["browInnerUp"]
for f, v in ((20, 0.9), (40, 0.9)):
    kb.value = v; kb.keyframe_insert("value", frame=f)
key.animation_data.action.name = "Brows"
r = gen()
out = {"r": r, "body_tracks": [t.name for t in body.animation_data.nla_tracks],
       "face_tracks": [t.name for t in key.animation_data.nla_tracks],
       "body_active": compat.assigned(body)[0].name, "face_active": compat.assigned(key)[0].name,
       "brow30": value(30, 'key_blocks["browInnerUp"].value')}
gen_body = compat.assigned(body)[0]
elbow = 'pose.bones["right_elbow"].rotation_quaternion'
with_clip = [list(c.evaluate(f) for f in range(1, 61)) for c in compat.action_fcurves(gen_body) if c.data_path == elbow]
# same generation without the clip: identical body (the clip was not read as constraints)
bpy.ops.speechanim.clear('EXEC_DEFAULT', True)
compat.assign_action(body, None)
for t in list(body.animation_data.nla_tracks):
    body.animation_data.nla_tracks.remove(t)
gen()
gen_body = layers.generated_action(body)[0]
without = [list(c.evaluate(f) for f in range(1, 61)) for c in compat.action_fcurves(gen_body) if c.data_path == elbow]
out["max_diff"] = float(np.max(np.abs(np.array(with_clip) - np.array(without))))
emit(out)
""")
    assert res["r"] == ["FINISHED"]
    assert res["body_tracks"] == ["Speech Animator: kept Dance"] and res["body_active"].startswith("e - Body")
    assert res["face_tracks"] == ["Speech Animator: base"] and res["face_active"] == "Brows"
    assert res["brow30"] == pytest.approx(0.9)
    assert res["max_diff"] < 1e-6


def test_face_prompts_hold_a_smile_and_blend_at_the_boundaries(tmp_path):
    res = _run(tmp_path, """
s.what = 'FACE'
kb = key.key_blocks["mouthSmileLeft"]
for f in (30, 45):
    kb.value = 0.8; kb.keyframe_insert("value", frame=f)
key.animation_data.action.name = "Smile"
bpy.ops.ed.undo_push(message="keys")
assert bpy.ops.speechanim.use_keys_as_prompts('EXEC_DEFAULT', True) == {'FINISHED'}
p_action = prompts.prompt_action(key)[0]
out = {"prompt": p_action.name, "muted_track": key.animation_data.nla_tracks[layers.PROMPT_TRACK].mute,
       "source_keys": sum(len(f.keyframe_points) for f in compat.action_fcurves(bpy.data.actions["Smile"]))}
compat.assign_action(key, None)   # only the prompts drive the smile now
gen()
a = layers.generated_action(key)[0]
smile = next(f for f in compat.action_fcurves(a) if f.data_path == 'key_blocks["mouthSmileLeft"].value')
out["smile"] = [smile.evaluate(f) for f in range(1, 70)]
bpy.ops.ed.undo(); bpy.ops.ed.undo()
key = bpy.data.objects["Face"].data.shape_keys
out["after_undo"] = prompts.prompt_action(key)[0] is None
emit(out)
""")
    assert res["prompt"] == "Smile - prompts" and res["muted_track"] and res["source_keys"] == 2
    assert "Key: 1 prompt(s): mouthSmileLeft value @ 30, 45" in res["_stdout"]  # the step lists what it found
    smile = np.array(res["smile"])  # frame f at index f - 1
    assert np.allclose(smile[29:45], 0.8, atol=1e-5)          # held over the prompt's keys
    assert smile[19] < 0.3 and smile[55] < 0.3                # generated value away from them
    ramp = smile[23:30]                                       # raised-cosine blend into the prompt
    assert np.all(np.diff(ramp) >= -1e-6) and 0.05 < ramp[3] < 0.79
    assert res["after_undo"]


def test_face_unmappable_still_bakes_the_body_and_says_why(tmp_path):
    res = _run(tmp_path, """
odd = sf.make_face("Odd", names=("Foo", "Bar"))
s.face_object = odd
r = gen()
emit({"r": r, "body": layers.generated_action(body)[0] is not None,
      "face": layers.generated_action(odd.data.shape_keys)[0] is not None})
""")
    assert {k: res[k] for k in ("r", "body", "face")} == {"r": ["FINISHED"], "body": True, "face": False}
    assert "face skipped, the rest was baked" in res["_stdout"]


def test_partial_success_warning_text(tmp_path):
    audio = write_speechlike(tmp_path / "w.wav", silence_s=0.3, speech_s=1.0)
    res, _ = run_bpy(SETUP.replace("AUDIO", repr(str(audio))) + """
from speech_animator.addon import pipeline
odd = sf.make_face("Odd", names=("Foo", "Bar"))
s.face_object = odd
job = pipeline.job_from_settings(s, bpy.context)
outcome = pipeline.apply(job, pipeline.infer(job))
emit({"warnings": [w for w in outcome.warnings if "skipped" in w], "actions": list(outcome.result.actions)})
""")
    assert len(res["warnings"]) == 1 and res["warnings"][0].startswith("face skipped, the rest was baked: ")
    assert "Odd" in res["warnings"][0]
    assert res["actions"] == ["w - Body (Body)"]


def test_merge_down_bakes_what_plays_and_list_operators_are_undoable(tmp_path):
    res = _run(tmp_path, """
gen()
first = compat.assigned(key)[0]
first_name = first.name
jaw_curve(first).keyframe_points[40].co[1] = 0.9
gen()                                          # -> base + edit layer
probe = {f: value(f) for f in (20, 41, 60)}
smile = {f: value(f, 'key_blocks["mouthSmileLeft"].value') for f in (20, 60)}
bpy.ops.ed.undo_push(message="before merge")
assert bpy.ops.speechanim.merge_down('EXEC_DEFAULT', True) == {'FINISHED'}
merged = compat.assigned(key)[0]
out = {"merged": merged.name, "tracks": [t.name for t in key.animation_data.nla_tracks],
       "edited": layers.is_edited(merged),
       "err": max(abs(value(f) - v) for f, v in probe.items()),
       "err_smile": max(abs(value(f, 'key_blocks["mouthSmileLeft"].value') - v) for f, v in smile.items()),
       "kept": first.name in bpy.data.actions and bpy.data.actions[first.name].use_fake_user,
       "orphans": orphans()}
bpy.ops.ed.undo()
key = bpy.data.objects["Face"].data.shape_keys
out["undo_tracks"] = [t.name for t in key.animation_data.nla_tracks]
# the Generated list: pick the body's action, select its object, clear it, undo
s = bpy.context.scene.speech_animator  # undo replaced the datablocks: fetch again
names = [a.name for a in bpy.data.actions]
body_action = layers.generated_action(bpy.data.objects["Body"])[0].name
s.generated_index = names.index(body_action)
out["select"] = list(bpy.ops.speechanim.generated_select('EXEC_DEFAULT', True))
out["active_obj"] = bpy.context.view_layer.objects.active.name
out["clear"] = list(bpy.ops.speechanim.generated_clear('EXEC_DEFAULT', True))
out["body_after_clear"] = layers.generated_action(bpy.data.objects["Body"])[0]
bpy.ops.ed.undo()
out["body_after_undo"] = layers.generated_action(bpy.data.objects["Body"])[0].name
s = bpy.context.scene.speech_animator
s.generated_index = [a.name for a in bpy.data.actions].index(first_name)
out["merge"] = list(bpy.ops.speechanim.generated_merge('EXEC_DEFAULT', True))
emit(out)
""")
    assert res["merged"].endswith("merged") and res["tracks"] == [] and res["edited"]
    assert res["err"] < 1e-4 and res["err_smile"] < 1e-4
    assert res["kept"] and res["orphans"] == []
    assert res["undo_tracks"] == ["Speech Animator: base"]
    assert res["select"] == ["FINISHED"] and res["active_obj"] == "Body"
    assert res["clear"] == ["FINISHED"] and res["body_after_clear"] is None
    assert res["body_after_undo"].startswith("e - Body")
    assert res["merge"] == ["FINISHED"]


def test_generated_list_shows_audio_model_date_and_edited(tmp_path):
    res = _run(tmp_path, """
from speech_animator.addon import edit_ops
gen()
a = compat.assigned(key)[0]
edit_ops._EDITED.clear()
jaw_curve(a).keyframe_points[5].co[1] = 0.5
sf.add_artist_action(sf.make_face("Other"), "NotOurs")
UL = edit_ops.SPEECHANIM_UL_generated
me = type("UL", (), {"bitflag_filter_item": 1 << 30})()  # the value UIList instances carry
flags, order = UL.filter_items(me, bpy.context, bpy.data, "actions")
shown = [x.name for x, f in zip(bpy.data.actions, flags) if f]
rows = {}
class Row:
    def __init__(self, name): self.name = name
    def row(self, **kw): return self
    def label(self, text="", icon='NONE'): rows.setdefault(self.name, []).append([text, icon])
for x in bpy.data.actions:
    if bake.is_generated(x):
        UL.draw_item(me, bpy.context, Row(x.name), bpy.data, x, 0, None, "", 0)
emit({"shown": sorted(shown), "rows": rows})
""")
    assert res["shown"] == ["e - Body (Body)", "e - Face (Face)"]        # never the artist's actions
    face = res["rows"]["e - Face (Face)"]
    assert face[0] == ["e - Face (Face)", "GREASEPENCIL"] and face[1][0] == "e.wav" and face[2][0].startswith("dsp")
    assert face[3][0][:4].isdigit() and face[4][0] == "edited"
    body = res["rows"]["e - Body (Body)"]
    assert body[0][1] == "ACTION" and body[4][0] == ""


def test_edits_of_a_generated_action_become_prompts_for_a_new_recording(tmp_path):
    other = write_speechlike(tmp_path / "other.wav", silence_s=0.1, speech_s=2.6)
    res = _run(tmp_path, f"""
from mathutils import Quaternion
gen()
a_face, a_body = compat.assigned(key)[0], compat.assigned(body)[0]
jaw_curve(a_face).keyframe_points[60].co[1] = 0.95                   # frame 61
path = 'pose.bones["right_elbow"].rotation_quaternion'
fcs = sorted((f for f in compat.action_fcurves(a_body) if f.data_path == path), key=lambda f: f.array_index)
want = Quaternion([f.keyframe_points[39].co[1] for f in fcs]) @ Quaternion((0, 0, 1), 0.8)
for f, v in zip(fcs, want):
    f.keyframe_points[39].co[1] = v                                   # frame 40
bpy.ops.ed.undo_push(message="edited")
assert bpy.ops.speechanim.use_keys_as_prompts('EXEC_DEFAULT', True) == {{'FINISHED'}}
found = {{}}
for id_data in (key, body):
    p = prompts.prompt_action(id_data)[0]
    found[id_data.name] = sorted((f.data_path, f.array_index, [k.co[0] for k in f.keyframe_points])
                                 for f in compat.action_fcurves(p))
s.audio_path = {str(other)!r}
gen()
pb = body.pose.bones["right_elbow"]
bpy.context.scene.frame_set(40)
base_action = layers.generated_action(body)[0]
compat.assign_action(body, None) if base_action != compat.assigned(body)[0] else None
body.animation_data.use_nla = True
vals = [fc.evaluate(40) for fc in sorted((f for f in compat.action_fcurves(base_action) if f.data_path == path),
                                          key=lambda f: f.array_index)]
err = np.degrees(Quaternion(vals).rotation_difference(want).angle)
jaw = jaw_curve(layers.generated_action(key)[0])
emit({{"found": found, "elbow_err_deg": err, "jaw61": jaw.evaluate(61), "jaw50": jaw.evaluate(50)}})
""")
    assert res["found"]["Key"] == [['key_blocks["jawOpen"].value', 0, [61.0]]]
    assert res["found"]["Body"] == [['pose.bones["right_elbow"].rotation_quaternion', i, [40.0]] for i in range(4)]
    assert "Key: 1 prompt(s): jawOpen value @ 61" in res["_stdout"]
    assert res["elbow_err_deg"] < 1.0                 # the new recording's body keeps the prompted pose
    assert res["jaw61"] == pytest.approx(0.95, abs=1e-4)


def test_clear_prompts_select_and_list_merge_are_undoable(tmp_path):
    res = _run(tmp_path, """
sf.add_artist_action(face)
assert bpy.ops.speechanim.use_keys_as_prompts('EXEC_DEFAULT', True) == {'FINISHED'}
out = {"clear": list(bpy.ops.speechanim.clear_prompts('EXEC_DEFAULT', True)),
       "after_clear": prompts.prompt_action(key)[0] is None}
bpy.ops.ed.undo()
out["after_undo"] = prompts.prompt_action(bpy.data.objects["Face"].data.shape_keys)[0] is not None
gen()                                       # ArtistFace stays on top: the face is layered
s = bpy.context.scene.speech_animator
key = bpy.data.objects["Face"].data.shape_keys
s.generated_index = list(bpy.data.actions).index(layers.generated_action(key)[0])
bpy.context.view_layer.objects.active = bpy.data.objects["Body"]
out["select"] = list(bpy.ops.speechanim.generated_select('EXEC_DEFAULT', True))
out["selected"] = bpy.context.view_layer.objects.active.name
bpy.ops.ed.undo()
out["select_undone"] = bpy.context.view_layer.objects.active.name
s = bpy.context.scene.speech_animator       # undo went back before the index was set: pick again
s.generated_index = list(bpy.data.actions).index(layers.generated_action(bpy.data.objects["Face"].data.shape_keys)[0])
out["merge"] = list(bpy.ops.speechanim.generated_merge('EXEC_DEFAULT', True))
key = bpy.data.objects["Face"].data.shape_keys
out["merged"] = [compat.assigned(key)[0].name, [t.name for t in key.animation_data.nla_tracks]]
bpy.ops.ed.undo()
key = bpy.data.objects["Face"].data.shape_keys
out["merge_undone"] = [compat.assigned(key)[0].name, [t.name for t in key.animation_data.nla_tracks]]
emit(out)
""")
    assert res["clear"] == ["FINISHED"] and res["after_clear"] and res["after_undo"]
    assert res["select"] == ["FINISHED"] and res["selected"] == "Face" and res["select_undone"] == "Body"
    assert res["merge"] == ["FINISHED"] and res["merged"][0].endswith("merged") and res["merged"][1] == [
        "Speech Animator: prompts"]
    assert res["merge_undone"] == ["ArtistFace", ["Speech Animator: prompts", "Speech Animator: base"]]


def test_key_reduction_from_the_panel_in_degrees(tmp_path):
    res = _run(tmp_path, """
import math
s.what = 'BODY'; s.use_key_reduction = True; s.rotation_tolerance = math.radians(1.0)
gen()
a = compat.assigned(body)[0]
by_path = {}
for f in compat.action_fcurves(a):
    by_path.setdefault(f.data_path, []).append([k.co[0] for k in f.keyframe_points])
rot = {p: v for p, v in by_path.items() if p.endswith("rotation_quaternion")}
emit({"tag_models": bake.tag_of(a).get("body_model"), "same": all(all(x == v[0] for x in v) for v in rot.values()),
      "keys": sum(len(v[0]) for v in rot.values()), "bones": len(rot),
      "frames": max(len(v[0]) for v in rot.values())})
""")
    assert res["same"] and res["bones"] > 10
    assert res["keys"] < 0.6 * res["bones"] * 90           # fewer keys than every frame


def test_keys_inserted_over_the_delta_layer_keep_what_the_artist_sees(tmp_path):
    res = _run(tmp_path, """
T = 60
jaw = np.full(T, 0.3, np.float32)
def target():
    return bake.BakeTarget(key, (bake.Channel('key_blocks["jawOpen"].value', 0, jaw, "ARKit"),), "Face (Face)")
bake.bake([target()], 1, "/tmp/k.wav")
jaw_curve(compat.assigned(key)[0]).keyframe_points[10].co[1] = 0.9      # frame 11
bake.bake([target()], 1, "/tmp/k.wav", replace_generated=True)
layer = compat.assigned(key)[0]
kb = key.key_blocks["jawOpen"]
bpy.context.scene.frame_set(30)
kb.value = 0.8
kb.keyframe_insert("value", frame=30)        # keyed over the base (0.3) through the Add layer
stored = [list(k.co) for k in jaw_curve(layer).keyframe_points]
emit({"layer": layer.name, "blend": key.animation_data.action_blend_type, "stored": stored,
      "at30": value(30), "at11": value(11), "at20": value(20)})
""")
    assert res["layer"] == "k - Face (Face) edits" and res["blend"] == "ADD"
    assert [10.0, 0.0] in res["stored"] and [12.0, 0.0] in res["stored"]        # zero keys around the edit
    assert [30.0, pytest.approx(0.5)] in res["stored"]                            # remapped by Blender
    assert res["at30"] == pytest.approx(0.8) and res["at11"] == pytest.approx(0.9)
    assert res["at20"] == pytest.approx(0.3 + 0.5 * (20 - 12) / (30 - 12), abs=1e-4)  # linear delta between keys
