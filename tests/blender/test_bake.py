"""addon/bake.py in bpy 5.0: bulk keys, time base, ownership tag, NLA push, replace, clear, reduction."""

from bpy_harness import run_bpy, run_scenario


def test_bulk_bake_keys_every_frame_at_scene_rate_from_start_frame():
    res, _ = run_scenario("bake_cases", case="bulk_bake_keys_every_frame_at_scene_rate_from_start_frame")
    assert res["actions"] == ["hello - Face (Face)"] == [res["name"]]
    assert res["keys"] == 2 * 97
    assert res["tag"]["audio"] == "/tmp/hello.wav" and res["tag"]["frame_start"] == 5
    assert res["tag"]["face_model"] == "dsp"
    assert res["paths"] == ['key_blocks["jawOpen"].value[0]', 'key_blocks["mouthSmileLeft"].value[0]']
    assert res["groups"] == ["ARKit"]
    assert res["frames"] == list(range(5, 5 + 97))
    assert res["interp"] == ["BEZIER"]  # every frame keyed: Blender's default keys, exact at frames
    assert res["stamped_as_read"]       # digests stamped from the written co == read back from Blender
    import numpy as np
    jaw = 0.5 + 0.5 * np.sin(np.arange(97) / 5.0)
    np.testing.assert_allclose(res["values"], jaw, atol=1e-6)
    assert abs(res["eval40"] - jaw[40]) < 1e-5
    assert res["id_type"] == "KEY"  # slot target type (4.4+) or legacy action.id_root (4.2/4.3)


def test_artist_action_with_few_channels_stays_on_top_and_a_full_clip_goes_under():
    res, _ = run_scenario("bake_cases", case="artist_action_with_few_channels_stays_on_top_and_a_full_clip_goes_under")
    assert "stays on top as an edit layer" in res["messages"][0] and "ArtistFace" in res["messages"][0]
    assert res["tracks"] == [["Speech Animator: base", ["a - Face (Face)"]]]
    assert res["same"] and res["assigned_after_bake"] == "ArtistFace"
    assert abs(res["evaluated"]["jaw"] - 0.7) < 1e-5            # the artist's key wins on its channel
    assert abs(res["evaluated"]["smile"] - 9 / 96) < 1e-5       # the generated base plays elsewhere
    assert res["cleared"] == ["a - Face (Face)"]
    assert res["restored"] == "ArtistFace" and res["tracks_left"] == 0
    assert res["actions"] == ["ArtistFace"]
    full = res["full"]
    assert "moved under the generated animation" in full["messages"][0]
    assert full["assigned"] == "c - Face (Face)" and full["tracks"] == ["Speech Animator: kept ArtistFace"]
    assert full["restored"] == "ArtistFace"


def test_previous_generated_kept_unless_replace_and_clear_leaves_artist_actions_alone():
    res, _ = run_scenario("bake_cases", case="previous_generated_kept_unless_replace_and_clear_leaves_artist_actions_alone")
    assert "kept (fake user)" in res["r2"][0] and res["kept"]
    assert res["r3"] == ["b - Face (Face)"]
    assert res["names"] == ["a - Face (Face)", "b - Face (Face)"]
    assert res["cleared"] == [] and "not generated" in res["msgs"][0] and res["still"] == "Mine"


def test_key_reduction_stays_within_tolerance_and_bad_values_change_nothing():
    res, _ = run_scenario("bake_cases", case="key_reduction_stays_within_tolerance_and_bad_values_change_nothing")
    assert res["keys"] < res["dense"] == 2 * 97
    assert res["err"] <= 0.01 + 1e-6 and res["interp"] == ["LINEAR"]
    assert res["stamped_as_read"]
    assert "NaN" in res["err_msg"] and "jawOpen" in res["err_msg"] and res["unchanged"]


def test_armature_quaternion_channels_and_rotation_mode():
    res, _ = run_scenario("bake_cases", case="armature_quaternion_channels_and_rotation_mode")
    assert res["mode"] == "QUATERNION"
    assert len(res["paths"]) == 4
    import numpy as np
    np.testing.assert_allclose(res["q"], res["want"], atol=1e-5)


def test_targets_on_one_datablock_are_merged_into_one_action():
    res, _ = run_scenario("bake_cases", case="targets_on_one_datablock_are_merged_into_one_action")
    assert len(res["actions"]) == 1
    assert res["paths"] == ['pose.bones["head"].rotation_quaternion[0]', 'pose.bones["jaw"].rotation_quaternion[0]']
    assert res["jaw"] == 0.5 and res["modes"] == ["QUATERNION", "QUATERNION"]


def test_key_reduction_keeps_a_bones_rotation_channels_on_the_same_frames():
    res, _ = run_scenario("bake_cases", case="key_reduction_keeps_a_bones_rotation_channels_on_the_same_frames")
    rot = [v for p, v in res["frames"].items() if "rotation_quaternion" in p]
    loc = [v for p, v in res["frames"].items() if "location" in p]
    assert len(rot) == 4 and all(f == rot[0] for f in rot) and len(rot[0]) < 97
    assert len(loc) == 3 and all(f == loc[0] for f in loc) and len(loc[0]) < 97
    assert res["worst_deg"] <= 0.5 + 1e-3 and res["worst_m"] <= 0.001 + 1e-5


def test_edit_check_catches_every_kind_of_edit_and_reads_old_layout_digests():
    res, _ = run_scenario("bake_cases", case="edit_check_catches_every_kind_of_edit_and_reads_old_layout_digests")
    jaw = ['key_blocks["jawOpen"].value[0]']
    assert set(res["edits"]) == {"move_middle_key_value", "move_middle_key_frame", "drag_a_handle", "handle_type_only",
                                 "interpolation", "delete_a_key", "add_a_key", "modifier"}
    for name, r in res["edits"].items():
        assert r["before"] == [] and r["after"] == jaw, name   # only the edited curve, every kind of edit
        assert r["remembered"] and r["hashed"] == jaw, name   # compared with the bake's own material, or hashed
    assert res["over_limit_kept"] == 0
    assert res["layout1_matches_rna"]     # bulk uint8 reads give the digests stamped before, key by key
    assert res["old_unedited"] == [] and res["old_edited"] == ['key_blocks["mouthSmileLeft"].value[0]']
    assert res["unknown_layout"] == ["*"]


def test_a_shape_key_bake_or_clear_keeps_the_proxies_cache_and_a_weight_edit_still_refits():
    # assigning a shape-key action tags the Mesh: bake_place does it inside mesh_watch.animation_change
    res, _ = run_bpy("""
import bpy, numpy as np
from tools.bake import load_extension
load_extension(register=True)
import rigs_fixtures as rf
from speech_animator.addon import bake, body_proxies as bp, mesh_watch

def cached(a, b):
    return list(a) == list(b) and all(a[k] is b[k] for k in a)

arm = rf.load_rig("demo")
body = max((ob for ob, skinned in bp.meshes_of(arm) if skinned), key=lambda ob: len(ob.vertex_groups))
body.shape_key_add(name="Basis")
body.shape_key_add(name="jawOpen")
key = body.data.shape_keys
vals = (0.5 + 0.5 * np.sin(np.arange(40) / 5.0)).astype(np.float32)
target = bake.BakeTarget(key, (bake.Channel('key_blocks["jawOpen"].value', 0, vals, "ARKit"),), "Face (Body)")
p1 = bp.bone_points(arm)
out = {}
for i in range(2):          # a first bake, then one replacing it
    tok = mesh_watch.token([body.data])
    bake.bake([target], 1, "/tmp/a.wav", replace_generated=True)
    bpy.context.view_layer.update()
    out[f"token_kept_{i}"] = mesh_watch.token([body.data]) == tok
    out[f"hit_after_bake_{i}"] = cached(p1, bp.bone_points(arm))
out["assigned"] = key.animation_data.action is not None
vi = next(v.index for v in body.data.vertices if len(v.groups) == 1 and body.vertex_groups[v.groups[0].group].name in p1)
g0 = body.vertex_groups[body.data.vertices[vi].groups[0].group].name
other = next(n for n in p1 if n != g0 and n in body.vertex_groups)
body.vertex_groups[g0].add([vi], 0.2, 'REPLACE')         # edits not yet evaluated when the bake starts:
body.vertex_groups[other].add([vi], 0.9, 'REPLACE')      # the vertex now belongs to the other bone
bake.bake([target], 1, "/tmp/a.wav", replace_generated=True)
p2 = bp.bone_points(arm)
out["edit_before_bake_reread"] = not cached(p1, p2) and p2[other].shape[0] == p1[other].shape[0] + 1
bake.bake([target], 1, "/tmp/a.wav", replace_generated=True)
out["hit_again"] = cached(p2, bp.bone_points(arm))
cleared, _ = bake.clear([key], remove_unused=True)   # Clear unassigns inside the same block
bpy.context.view_layer.update()
out["cleared"] = bool(cleared) and key.animation_data.action is None
out["hit_after_clear"] = cached(p2, bp.bone_points(arm))
emit(out)
""")
    assert all(res.values()), res


def test_originals_written_into_the_tag_in_place_equal_what_plays_and_bad_rows_raise():
    res, _ = run_bpy("""
import bpy, numpy as np
from tools.bake import load_extension
load_extension(register=False)
from speech_animator.addon import bake, edits

bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.mesh.primitive_cube_add()
ob = bpy.context.object
ob.shape_key_add(name="Basis")
for n in ("a", "b"):
    ob.shape_key_add(name=n)
t = np.arange(300)
vals = {n: (0.5 + 0.4 * np.sin(t / (7.0 + i))).astype(np.float32) for i, n in enumerate("ab")}
chans = tuple(bake.Channel(f'key_blocks["{n}"].value', 0, v, "ARKit") for n, v in vals.items())
key = ob.data.shape_keys
out = {}
for tol in (None, 0.01):
    bake.bake([bake.BakeTarget(key, chans, "Face")], 1, "/tmp/a.wav", replace_generated=True, key_tolerance=tol)
    act = key.animation_data.action
    first, orig = edits.original_values(act)
    ok = first == 1 and sorted(orig) == ['key_blocks["a"].value[0]', 'key_blocks["b"].value[0]']
    for fc in act.layers[0].strips[0].channelbag(act.slots[0]).fcurves:
        k = f"{fc.data_path}[{fc.array_index}]"
        plays = np.array([fc.evaluate(f) for f in range(1, 301)], np.float32)
        ok = ok and np.allclose(orig[k], plays, atol=1e-6)
    out[f"plays_{tol}"] = bool(ok)
    out[f"in_tag_{tol}"] = act[bake.TAG]["orig"].typecode == "f" and len(act[bake.TAG]["orig"]) == 600
rows = edits.OriginalRows(act, 1, ["x"], 3)
for bad in (("y", np.zeros(3)), ("x", np.zeros(4))):
    try:
        rows.put(*bad)
        out[f"raises_{bad[0]}"] = False
    except ValueError as e:
        out[f"raises_{bad[0]}"] = "x" in str(e) or "y" in str(e)
emit(out)
""")
    assert all(res.values()), res
