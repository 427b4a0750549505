"""Export Motion reads what plays: after regenerating with edits the active action is a delta edit
layer over the generated base (addon/layers.py), and the export must still give the full animation.
The bpy side is ``tests/blender/scenarios/export_edited.py``."""

import pytest

from bpy_harness import run_scenario, write_speechlike


def test_export_after_regenerating_with_edits_reads_base_plus_edits(tmp_path):
    audio = write_speechlike(tmp_path / "x.wav", silence_s=0.3, speech_s=2.5)
    res, _ = run_scenario("export_edited", audio=str(audio))
    assert res["r1"] == res["r2"] == ["FINISHED"]
    # the situation of the bug: the active actions hold the edits only, the generated bases play under them
    assert res["face_active"].endswith(" edits") and res["body_active"].endswith(" edits")
    assert res["face_base"].startswith("x - Face") and res["body_base"].startswith("x - Body")
    assert res["face_blend"] != "REPLACE" or res["body_blend"] != "REPLACE"
    assert res["merged"][2:] == [False, False]  # after merge down one plain action plays
    # the export equals the export of the merged (plain) action: base + edits, on every frame
    assert res["jaw31"] == pytest.approx(0.95, abs=1e-4)  # the artist's edit
    assert res["jaw_std"] > 0.02  # the generated base, not zeros around the edit
    assert res["arkit_diff"] < 1e-4
    assert res["pose_motion"] > 1e-3 and res["pose_diff_deg"] < 0.5
    assert res["transl_diff"] < 1e-4
