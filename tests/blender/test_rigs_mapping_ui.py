"""Rig Mapping panel: register, auto-fill, edit, used by Generate's target builders, presets
(bpy side: ``scenarios/mapping_ui.py``)."""

from bpy_harness import run_scenario


def test_mapping_operators_edit_and_presets(tmp_path):
    res, _ = run_scenario("mapping_ui", env={"BLENDER_USER_CONFIG": str(tmp_path / "cfg"),
                                             "BLENDER_USER_RESOURCES": str(tmp_path / "res")})
    assert res["stored_before"] == [None, None]  # nothing edited yet: automatic matching
    assert res["auto_face"] == ["FINISHED"] and res["rows"] == 52 and res["jaw_auto"] == "Jaw_Open"
    assert res["face_paths"] == ['key_blocks["Brow_Raise_Inner_L"].value', 'key_blocks["Brow_Raise_Inner_R"].value',
                                 'key_blocks["MyOpen"].value', 'key_blocks["mouthFunnel"].value']
    assert res["brow_row"] == [["Brow_Raise_Inner_L", "Brow_Raise_Inner_R"]]  # one curve, two CC4 keys kept
    # the one reader of stored maps: face rows with extra keys are lists, every row is kept
    assert res["stored_face"] == ["MyOpen", ["Brow_Raise_Inner_L", "Brow_Raise_Inner_R"], 52]
    assert res["elbow"] == "forearm.L"
    assert res["stored_body"] == ["forearm.L", "", 55]  # the cleared wrist reads as "not animated"
    assert "hand.L" not in res["body_bones"] and "forearm.L" in res["body_bones"]
    assert res["save"] == ["FINISHED"] and res["files"] == ["rigify test.json"]
    assert res["clear"] == ["FINISHED"] and res["after_clear"] == [0, None]
    assert res["load"] == ["FINISHED"]
    assert res["after_load"] == ""  # the unmapped wrist stays unmapped
