"""Key Emotion (sidebar) stores emotion keys on the face object; undoable; Generate reads them."""

from bpy_harness import run_scenario, write_speechlike


def test_key_emotion_undo_and_generate(tmp_path):
    audio = write_speechlike(tmp_path / "syn.wav", silence_s=0.5, speech_s=3.0)
    res, _ = run_scenario("emotion_keys", audio=str(audio))
    assert res["sidebar_default"] == {"auto": False, "keys": []}          # neutral: no emotion
    assert res["key1"] == ["FINISHED"] and res["key2"] == ["FINISHED"]
    assert '["speechanim_emotion_joy"]' in res["curves"] and len(res["curves"]) == 11
    keys = res["job_emotion"]["keys"]
    joy = [k for k in keys if k[1] == "joy"]
    sad = [k for k in keys if k[1] == "sadness"]
    assert joy == [[0.0, "joy", 1.0]] and sad == [[2.0, "sadness", 0.5]]  # frame 11 = audio start; 71 = 2 s
    assert res["after_undo"] == [11]                                     # the second key undone
    assert res["result"] == ["FINISHED"]
    assert res["smile"][0] > 0.5 and res["smile"][1] < 0.1                # joy at the start
    assert res["frown"][1] > 0.2 and res["frown"][0] < 0.05               # sadness 2 s later


def test_learn_style_from_an_edited_take_then_generate_and_reset(tmp_path):
    import pytest

    audio = write_speechlike(tmp_path / "syn.wav", silence_s=0.5, speech_s=3.0)
    res, _ = run_scenario("style_learn", audio=str(audio))
    assert res["first"] == ["FINISHED"] and res["learn"] == ["FINISHED"], res
    assert res["style"]["jaw_gain"] == pytest.approx(0.5, abs=0.05), res["style"]
    assert res["style"]["lip_width_gain"] == pytest.approx(1.0, abs=0.05)       # untouched groups stay
    assert res["job_style"] == res["style"]                                      # Generate reads it
    assert res["after_undo"] is False                                            # Learn is undoable
    assert res["second"] == ["FINISHED"]
    assert res["jaw_max_styled"] == pytest.approx(0.5 * res["jaw_max_generated"], rel=0.1)
    assert res["reset"] == ["FINISHED"] and res["after_reset"] is False
