"""Operators and panels in bpy: poll reasons, errors leave the scene unchanged, Clear (+ undo),
Add Sound Strip, panel draw code against the real property names."""

from bpy_harness import run_scenario, write_speechlike


def test_poll_says_why_generate_is_disabled(tmp_path):
    audio = write_speechlike(tmp_path / "p.wav")
    res, _ = run_scenario("operators_cases", case="poll_says_why_generate_is_disabled",
                          missing=str(tmp_path / 'missing.wav'), audio=str(audio))
    assert res == {"no_audio": False, "missing_file": False, "no_target": False, "face_only_for_body": False,
                   "ok": True, "clear_nothing": False, "strip_ok": True}


def test_generate_error_reports_and_changes_nothing(tmp_path):
    bad = tmp_path / "broken.wav"
    bad.write_bytes(b"RIFF....WAVEfmt garbage")
    res, proc = run_scenario("operators_cases", case="generate_error_reports_and_changes_nothing", bad=str(bad))
    assert "broken.wav" in res["raised"] and "cannot decode audio" in res["raised"]
    assert res["actions"] == res["before"] == ["ArtistFace"]
    assert res["assigned"] == "ArtistFace" and res["nla"] == 0


def test_clear_restores_artist_action_and_is_undoable(tmp_path):
    audio = write_speechlike(tmp_path / "c.wav")
    res, _ = run_scenario("operators_cases", case="clear_restores_artist_action_and_is_undoable", audio=str(audio))
    assert res["generated"] == ["c - Body (Body)", "c - Face (Face)"] and res["can_clear"]
    assert res["after_clear"] == {"face": "ArtistFace", "body": None, "generated": [], "nla": 0}
    # the artist's jawOpen-only action stays on top as an edit layer, the generated base under it
    assert res["after_undo"] == ["ArtistFace", "c - Face (Face)"]


def test_add_sound_strip_once_per_file_or_a_warning_without_audaspace(tmp_path):
    audio = write_speechlike(tmp_path / "snd.wav")
    res, _ = run_scenario("operators_cases", case="add_sound_strip_once_per_file_or_a_warning_without_audaspace",
                          audio=str(audio))
    if "no_audaspace" in res:
        assert res == {"no_audaspace": ["CANCELLED"], "strips": 0}
        return
    assert res["r"] == [["FINISHED"], ["CANCELLED"], ["FINISHED"]]
    assert [(t, f, c) for t, f, c, _ in res["strips"]] == [("SOUND", 40, 1)]
    assert res["strips"][0][3].endswith("snd.wav")
    assert res["after_undo"] == [25]


def test_panels_draw_only_real_properties_and_operators():
    res, _ = run_scenario("operators_cases", case="panels_draw_only_real_properties_and_operators")
    assert res["problems"] == []
    assert "SPEECHANIM_PT_main" in res["drawn"] and all(res["registered"])


def test_generate_also_bakes_onto_selected_meshes_with_keys(tmp_path):
    audio = write_speechlike(tmp_path / "multi.wav")
    res, _ = run_scenario("operators_cases", case="generate_also_bakes_onto_selected_meshes_with_keys",
                          audio=str(audio))
    assert res["r"] == ["FINISHED"]
    assert len(res["Face"]) == 52
    assert res["Teeth"] == ['key_blocks["jawOpen"].value', 'key_blocks["mouthClose"].value']


def test_generate_options_from_the_panel():
    """Every panel setting reaches GenerateOptions (one builder: GenerateOptions.from_mapping)."""
    res, _ = run_scenario("operators_cases", case="generate_options_from_the_panel")
    assert res["equal"], (res["got"], res["want"])
    assert res["both"] == [True, True, 2.0]
