"""addon/bake.py in bpy 5.0: bulk keys, time base, ownership tag, NLA push, replace, clear, reduction
(bpy side: ``scenarios/bake_cases.py``)."""

import numpy as np

from bpy_harness import run_scenario


def test_bulk_bake_keys_every_frame_at_scene_rate_from_start_frame():
    res, _ = run_scenario("bake_cases", case="bulk")
    assert res["actions"] == ["hello - Face (Face)"] == [res["name"]]
    assert res["keys"] == 2 * 97
    assert res["tag"]["audio"] == "/tmp/hello.wav" and res["tag"]["frame_start"] == 5
    assert res["tag"]["face_model"] == "dsp"
    assert res["paths"] == ['key_blocks["jawOpen"].value[0]', 'key_blocks["mouthSmileLeft"].value[0]']
    assert res["groups"] == ["ARKit"]
    assert res["frames"] == list(range(5, 5 + 97))
    assert res["interp"] == ["BEZIER"]  # every frame keyed: Blender's default keys, exact at frames
    jaw = 0.5 + 0.5 * np.sin(np.arange(97) / 5.0)
    np.testing.assert_allclose(res["values"], jaw, atol=1e-6)
    assert abs(res["eval40"] - jaw[40]) < 1e-5
    assert res["id_type"] == "KEY"  # slot target type (4.4+) or legacy action.id_root (4.2/4.3)


def test_artist_action_is_moved_to_nla_untouched_and_clear_restores_it():
    res, _ = run_scenario("bake_cases", case="artist_nla")
    assert "moved to NLA track" in res["messages"][0] and "ArtistFace" in res["messages"][0]
    assert res["tracks"] == [["Speech Animator: kept ArtistFace", ["ArtistFace"]]]
    assert res["same"] and res["assigned_after_bake"] == "a - Face (Face)"
    assert res["cleared"] == ["a - Face (Face)"]
    assert res["restored"] == "ArtistFace" and res["tracks_left"] == 0
    assert res["actions"] == ["ArtistFace"]


def test_previous_generated_kept_unless_replace_and_clear_leaves_artist_actions_alone():
    res, _ = run_scenario("bake_cases", case="replace")
    assert "kept (fake user)" in res["r2"][0] and res["kept"]
    assert res["r3"] == ["b - Face (Face)"]
    assert res["names"] == ["a - Face (Face)", "b - Face (Face)"]
    assert res["cleared"] == [] and "not generated" in res["msgs"][0] and res["still"] == "Mine"


def test_key_reduction_stays_within_tolerance_and_bad_values_change_nothing():
    res, _ = run_scenario("bake_cases", case="reduction")
    assert res["keys"] < res["dense"] == 2 * 97
    assert res["err"] <= 0.01 + 1e-6 and res["interp"] == ["LINEAR"]
    assert "NaN" in res["err_msg"] and "jawOpen" in res["err_msg"] and res["unchanged"]


def test_armature_quaternion_channels_and_rotation_mode():
    res, _ = run_scenario("bake_cases", case="quaternion")
    assert res["mode"] == "QUATERNION"
    assert len(res["paths"]) == 4
    np.testing.assert_allclose(res["q"], res["want"], atol=1e-5)


def test_targets_on_one_datablock_are_merged_into_one_action():
    res, _ = run_scenario("bake_cases", case="merge")
    assert len(res["actions"]) == 1
    assert res["paths"] == ['pose.bones["head"].rotation_quaternion[0]', 'pose.bones["jaw"].rotation_quaternion[0]']
    assert res["jaw"] == 0.5 and res["modes"] == ["QUATERNION", "QUATERNION"]
