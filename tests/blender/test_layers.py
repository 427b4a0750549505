"""Editing after generation in bpy: edits survive regenerate/Clear, layers, merge down, explicit
prompts (face and body), partial success, the Generated list operators; undo of each operator."""

import numpy as np
import pytest

from bpy_harness import run_scenario, write_speechlike


def _run(tmp_path, case, name="e.wav", **params):
    audio = write_speechlike(tmp_path / name, silence_s=0.3, speech_s=2.5)
    res, proc = run_scenario("layers_cases", case=case, audio=str(audio), **params)
    res["_stdout"] = proc.stdout  # the operators' reports (background mode prints them)
    return res


def test_edited_generated_action_survives_regenerate_replace_and_clear(tmp_path):
    res = _run(tmp_path, "edited_generated_action_survives_regenerate_replace_and_clear")
    assert res["edited"] == ['key_blocks["jawOpen"].value[0]']
    assert res["active"] == res["name"] + " edits"          # the edits as a delta layer on top (Add)
    assert res["blend"] == "ADD"
    # the edited action is kept, held by its edit layer (no fake user), renamed so the base has the plain name
    assert res["source"] == {"name": res["name"] + " (edited)", "fake": False, "users": 1}
    assert res["base"] == res["name"] and res["jaw61"] == pytest.approx(0.95, abs=1e-5)
    # only the edited frames are keyed in the layer: 61 (+/- 1) and the deleted keys 71-80 (+/- 1)
    [(path, frames)] = res["layer_curves"]
    assert path == 'key_blocks["jawOpen"].value' and set(frames) <= set(range(60, 63)) | set(range(70, 82))
    assert res["max_diff_to_edited"] < 1e-4
    assert len(res["generated"]) == 4  # your edited action (kept), its edit layer, face base, body: no pile-up
    assert res["orphans"] == []
    assert res["after_undo_base"].startswith("e - Face")
    clear = res["after_clear"]
    edited = res["source"]["name"]
    assert clear["active"] == edited and clear["muted"] == 0 and clear["orphans"] == []  # edited action back
    assert clear["tracks"] == [] and clear["actions"] == [edited]


def test_imported_full_clip_never_constrains_and_artist_brow_keys_win(tmp_path):
    res = _run(tmp_path, "imported_full_clip_never_constrains_and_artist_brow_keys_win")
    assert res["r"] == ["FINISHED"]
    assert res["body_tracks"] == ["Speech Animator: kept Dance"] and res["body_active"].startswith("e - Body")
    assert res["face_tracks"] == ["Speech Animator: base"] and res["face_active"] == "Brows"
    assert res["brow30"] == pytest.approx(0.9)
    assert res["max_diff"] < 1e-6


def test_face_prompts_hold_a_smile_and_blend_at_the_boundaries(tmp_path):
    res = _run(tmp_path, "face_prompts_hold_a_smile_and_blend_at_the_boundaries")
    assert res["prompt"] == "Smile - prompts" and res["muted_track"] and res["source_keys"] == 2
    assert "Key: 1 prompt(s): mouthSmileLeft value @ 30, 45" in res["_stdout"]  # the step lists what it found
    smile = np.array(res["smile"])  # frame f at index f - 1
    assert np.allclose(smile[29:45], 0.8, atol=1e-5)          # held over the prompt's keys
    assert smile[19] < 0.3 and smile[55] < 0.3                # generated value away from them
    ramp = smile[23:30]                                       # raised-cosine blend into the prompt
    assert np.all(np.diff(ramp) >= -1e-6) and 0.05 < ramp[3] < 0.79
    assert res["after_undo"]


def test_face_unmappable_still_bakes_the_body_and_says_why(tmp_path):
    res = _run(tmp_path, "face_unmappable_still_bakes_the_body_and_says_why")
    assert {k: res[k] for k in ("r", "body", "face")} == {"r": ["FINISHED"], "body": True, "face": False}
    assert "face skipped, the rest was baked" in res["_stdout"]


def test_partial_success_warning_text(tmp_path):
    audio = write_speechlike(tmp_path / "w.wav", silence_s=0.3, speech_s=1.0)
    res, _ = run_scenario("layers_cases", case="partial_success_warning_text", audio=str(audio))
    assert len(res["warnings"]) == 1 and res["warnings"][0].startswith("face skipped, the rest was baked: ")
    assert "Odd" in res["warnings"][0]
    assert res["actions"] == ["w - Body (Body)"]


def test_merge_down_bakes_what_plays_and_list_operators_are_undoable(tmp_path):
    res = _run(tmp_path, "merge_down_bakes_what_plays_and_list_operators_are_undoable")
    assert res["merged"].endswith("merged") and res["tracks"] == [] and res["edited"]
    assert res["err"] < 1e-4 and res["err_smile"] < 1e-4
    assert res["kept"] and res["orphans"] == []
    # the previous edit layer is held by the datablock (an ID pointer), not left with only a fake user
    assert res["held"] == [res["merged"][:-len(" merged")] + " edits"] and res["fake_only"] == [], res
    assert res["undo_tracks"] == ["Speech Animator: base"]
    assert res["select"] == ["FINISHED"] and res["active_obj"] == "Body"
    assert res["clear"] == ["FINISHED"] and res["body_after_clear"] is None
    assert res["body_after_undo"].startswith("e - Body")
    assert res["merge"] == ["FINISHED"]


def test_generated_list_shows_audio_model_date_and_edited(tmp_path):
    res = _run(tmp_path, "generated_list_shows_audio_model_date_and_edited")
    assert res["shown"] == ["e - Body (Body)", "e - Face (Face)"]        # never the artist's actions
    face = res["rows"]["e - Face (Face)"]
    assert face[0] == ["e - Face (Face)", "GREASEPENCIL"] and face[1][0] == "e.wav" and face[2][0].startswith("dsp")
    assert face[3][0][:4].isdigit() and face[4][0] == "edited"
    body = res["rows"]["e - Body (Body)"]
    assert body[0][1] == "ACTION" and body[4][0] == ""


def test_edits_of_a_generated_action_become_prompts_for_a_new_recording(tmp_path):
    other = write_speechlike(tmp_path / "other.wav", silence_s=0.1, speech_s=2.6)
    res = _run(tmp_path, "edits_of_a_generated_action_become_prompts_for_a_new_recording", other=str(other))
    assert res["found"]["Key"] == [['key_blocks["jawOpen"].value', 0, [61.0]]]
    assert res["found"]["Body"] == [['pose.bones["right_elbow"].rotation_quaternion', i, [40.0]] for i in range(4)]
    assert "Key: 1 prompt(s): jawOpen value @ 61" in res["_stdout"]
    assert res["elbow_err_deg"] < 1.0                 # the new recording's body keeps the prompted pose
    assert res["jaw61"] == pytest.approx(0.95, abs=1e-4)


def test_clear_prompts_select_and_list_merge_are_undoable(tmp_path):
    res = _run(tmp_path, "clear_prompts_select_and_list_merge_are_undoable")
    assert res["clear"] == ["FINISHED"] and res["after_clear"] and res["after_undo"]
    assert res["select"] == ["FINISHED"] and res["selected"] == "Face" and res["select_undone"] == "Body"
    assert res["merge"] == ["FINISHED"] and res["merged"][0].endswith("merged") and res["merged"][1] == [
        "Speech Animator: prompts"]
    assert res["merge_undone"] == ["ArtistFace", ["Speech Animator: prompts", "Speech Animator: base"]]


def test_key_reduction_from_the_panel_in_degrees(tmp_path):
    res = _run(tmp_path, "key_reduction_from_the_panel_in_degrees")
    assert res["same"] and res["bones"] > 10
    assert res["keys"] < 0.6 * res["bones"] * 90           # fewer keys than every frame


def test_keys_inserted_over_the_delta_layer_keep_what_the_artist_sees(tmp_path):
    res = _run(tmp_path, "keys_inserted_over_the_delta_layer_keep_what_the_artist_sees")
    assert res["layer"] == "k - Face (Face) edits" and res["blend"] == "ADD"
    assert [10.0, 0.0] in res["stored"] and [12.0, 0.0] in res["stored"]        # zero keys around the edit
    assert [30.0, pytest.approx(0.5)] in res["stored"]                            # remapped by Blender
    assert res["at30"] == pytest.approx(0.8) and res["at11"] == pytest.approx(0.9)
    assert res["at20"] == pytest.approx(0.3 + 0.5 * (20 - 12) / (30 - 12), abs=1e-4)  # linear delta between keys
