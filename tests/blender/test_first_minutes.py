"""The first minutes of a user (addon/playback.py, addon/blendpaths.py, bake/edits on Regenerate):
Play shows and sounds the result right after Generate, a .blend with a ``//`` audio path moves to
another folder, Regenerate with "replace previous" leaves a clean action list, the report says
when transcript mode was used. Scenarios: tests/blender/scenarios/first_minutes.py."""

import json
import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf

from bpy_harness import ROOT, run_bpy, run_scenario, write_speechlike

sys.path.insert(0, str(ROOT))
from inference.timebase import num_frames, scene_rate  # noqa: E402  (the one time base)


def _clip_frames(path, fps, fps_base):
    return num_frames(sf.info(str(path)).duration, scene_rate(fps, fps_base))


def test_generate_fits_the_frame_range_and_adds_the_sound_strip_undoably(tmp_path):
    audio = write_speechlike(tmp_path / "take.wav", silence_s=0.3, speech_s=2.0, rate_hz=16000)
    samples, rate = sf.read(str(audio))
    sf.write(str(audio), np.concatenate([samples, np.zeros(27)]), rate)  # 2.5017 s: 75 frames at 29.97, 76 at 30
    res, _ = run_scenario("first_minutes", case="range_strip_undo", audio=str(audio))
    assert res["r"] == ["FINISHED"] and res["before"] == [5, 250]
    frames = _clip_frames(audio, res["fps"], res["fps_base"])  # 29.97 fps: fps_base honoured
    assert frames != _clip_frames(audio, 30, 1.0)
    assert res["after"] == [12, 12 + frames - 1]
    if not res["audaspace"]:
        pytest.skip("this bpy module is built without Audaspace: no sound strips")
    assert res["strips"] == [{"name": "take.wav", "frame_start": 12, "channel": 1, "stored": str(audio),
                              "file": str(audio)}]
    assert res["r_again"] == ["FINISHED"] and res["strips_again"] == res["strips"]  # never a second strip
    assert res["undone"] == [5, 250] and res["strips_undone"] == [] and not res["generated_undone"]
    assert res["r_off"] == ["FINISHED"] and res["off"] == [5, 250] and res["strips_off"] == []


def test_a_relative_audio_path_generates_after_the_blend_moved(tmp_path):
    audio = write_speechlike(tmp_path / "src.wav", silence_s=0.3, speech_s=2.0)
    (tmp_path / "scratch").mkdir()
    res, _ = run_scenario("first_minutes", case="relative_moved", audio=str(audio), folder=str(tmp_path / "scratch"))
    moved = res["folder_b"] + "/audio/clip.wav"
    assert res["blend_relative"] is True  # bpy 5.0 knows PATH_SUPPORTS_BLEND_RELATIVE
    assert res["stored"] == "//audio/clip.wav" and res["poll"] is True
    assert res["job_audio"] == moved  # the worker and the prompts get the moved file's absolute path
    assert res["r"] == ["FINISHED"] and res["action"] == "clip - Face (Face)"
    assert res["strips"] == [{"name": "clip.wav", "frame_start": 1, "channel": 1, "stored": "//audio/clip.wav",
                              "file": moved}]  # the strip moves with the .blend too
    assert res["r_range"] == ["FINISHED"]  # Regenerate (a frame range) reads the same path
    assert res["range_after"] == [1, _clip_frames(audio, 30, 1.0)]  # a range Regenerate leaves the range alone


def test_regenerate_replace_leaves_no_fake_user_only_action_and_no_001_base(tmp_path):
    audio = write_speechlike(tmp_path / "line.wav", silence_s=0.3, speech_s=2.0)
    res, _ = run_scenario("first_minutes", case="regenerate_replace", audio=str(audio))
    assert res["r1"] == res["r2"] == res["r3"] == ["FINISHED"]
    for actions in (res["actions2"], res["actions3"]):
        assert sorted(a["name"] for a in actions) == ["line - Face (Face)", "line - Face (Face) (edited)",
                                                     "line - Face (Face) edits"]
        for a in actions:
            assert a["users"] - a["fake"] >= 1, a  # every action is used by something real
            assert not a["fake"], a
    assert res["base_action"] == res["base_strip"] == "line - Face (Face)"
    assert res["base_action3"] == res["base_strip3"] == "line - Face (Face)"
    assert res["active"] == "line - Face (Face) edits"  # the artist's edit layer stays on top
    assert res["edited_played"] == pytest.approx(0.9, abs=1e-6)
    assert res["played_edit"] == pytest.approx(0.9, abs=1e-3) and res["played_edit3"] == pytest.approx(0.9, abs=1e-3)
    assert res["r_clear"] == ["FINISHED"] and res["after_clear"] == "line - Face (Face) (edited)"
    assert res["after_clear_jaw"] == pytest.approx(0.9, abs=1e-6)  # Clear gives the edited action back


def test_the_report_says_when_transcript_mode_was_used():
    pytest.importorskip("pocketsphinx")
    from tools.make_demo_audio import SCRIPT

    words = " ".join(s for s, _ in SCRIPT)
    res, proc = run_scenario("first_minutes", case="transcript",
                             audio=str(ROOT / "assets" / "demo_speech.flac"), words=words)
    assert res == {"r": ["FINISHED"], "r_none": ["FINISHED"]}
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "Transcript mode:" in ln]
    n_words = len(words.split())
    assert len(lines) == 1, lines  # the run with the transcript says so; the one without does not
    assert f"mouth timed to the {n_words} words of the transcript" in lines[0] and "+transcript" in lines[0]
