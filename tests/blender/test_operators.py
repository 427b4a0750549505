"""Operators and panels in bpy: poll reasons, errors leave the scene unchanged, Clear (+ undo),
Add Sound Strip, panel draw code against the real property names (bpy side:
``scenarios/operator_cases.py``)."""

import pytest

from bpy_harness import run_scenario, write_speechlike


def test_poll_says_why_generate_is_disabled(tmp_path):
    audio = write_speechlike(tmp_path / "p.wav")
    res, _ = run_scenario("operator_cases", case="poll", audio=str(audio), missing=str(tmp_path / "missing.wav"))
    assert res == {"no_audio": False, "missing_file": False, "no_target": False, "face_only_for_body": False,
                   "ok": True, "clear_nothing": False, "strip_ok": True}


def test_generate_error_reports_and_changes_nothing(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF....WAVEfmt garbage")
    res, _ = run_scenario("operator_cases", case="generate_error", bad=str(bad))
    assert "broken.wav" in res["raised"] and "cannot decode audio" in res["raised"]
    assert res["actions"] == res["before"] == ["ArtistFace"]
    assert res["assigned"] == "ArtistFace" and res["nla"] == 0


def test_clear_restores_artist_action_and_is_undoable(tmp_path):
    audio = write_speechlike(tmp_path / "c.wav")
    res, _ = run_scenario("operator_cases", case="clear_undo", audio=str(audio))
    assert res["generated"] == ["c - Body (Body)", "c - Face (Face)"] and res["can_clear"]
    assert res["after_clear"] == {"face": "ArtistFace", "body": None, "generated": [], "nla": 0}
    assert res["after_undo"] == "c - Face (Face)"


def test_add_sound_strip_at_start_frame(tmp_path):
    audio = write_speechlike(tmp_path / "snd.wav")
    res, _ = run_scenario("operator_cases", case="sound_strip", audio=str(audio))
    if "skip" in res:
        pytest.skip(res["skip"])
    assert res["r"] == [["FINISHED"], ["FINISHED"]]
    assert [(t, f, c) for t, f, c, _ in res["strips"]] == [("SOUND", 25, 1), ("SOUND", 25, 2)]
    assert res["strips"][0][3].endswith("snd.wav")


def test_panels_draw_only_real_properties_and_operators():
    res, _ = run_scenario("operator_cases", case="panels")
    assert res["problems"] == []
    assert "SPEECHANIM_PT_main" in res["drawn"] and all(res["registered"])


def test_generate_also_bakes_onto_selected_meshes_with_keys(tmp_path):
    audio = write_speechlike(tmp_path / "multi.wav")
    res, _ = run_scenario("operator_cases", case="selected_meshes", audio=str(audio))
    assert res["r"] == ["FINISHED"]
    assert len(res["Face"]) == 52
    assert res["Teeth"] == ['key_blocks["jawOpen"].value', 'key_blocks["mouthClose"].value']
