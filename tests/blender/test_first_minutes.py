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


def test_without_audaspace_generate_bakes_and_warns_about_the_sound_strip(tmp_path):
    audio = write_speechlike(tmp_path / "take.wav", silence_s=0.3, speech_s=2.0)
    res, proc = run_scenario("first_minutes", case="no_audaspace", audio=str(audio))
    assert res == {"r": ["FINISHED"], "range": [1, _clip_frames(audio, 30, 1.0)], "strips": [], "generated": True}
    warned = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "no sound strip added" in ln]
    assert len(warned) == 1 and "without Audaspace" in warned[0] and warned[0].startswith("Warning")


def test_a_relative_audio_path_generates_after_the_blend_moved(tmp_path):
    audio = write_speechlike(tmp_path / "src.wav", silence_s=0.3, speech_s=2.0)
    (tmp_path / "scratch").mkdir()
    res, _ = run_scenario("first_minutes", case="relative_moved", audio=str(audio), folder=str(tmp_path / "scratch"))
    moved = res["folder_b"] + "/audio/clip.wav"
    assert res["blend_relative"] is res["option_known"]  # 4.5+ (bpy 5.0 here): PATH_SUPPORTS_BLEND_RELATIVE
    assert res["stored"] == "//audio/clip.wav" and res["poll"] is True
    assert res["job_audio"] == moved  # the worker and the prompts get the moved file's absolute path
    assert res["r"] == ["FINISHED"] and res["action"] == "clip - Face (Face)"
    assert res["strips"] == ([{"name": "clip.wav", "frame_start": 1, "channel": 1, "stored": "//audio/clip.wav",
                               "file": moved}] if res["audaspace"] else [])  # the strip moves with the .blend too
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


def test_regenerate_replace_over_an_added_curve_keeps_it_as_the_layer_and_the_plain_base_name(tmp_path):
    audio = write_speechlike(tmp_path / "line.wav", silence_s=0.3, speech_s=2.0)
    res, _ = run_scenario("first_minutes", case="regenerate_added_curve", audio=str(audio))
    assert res["r1"] == res["r2"] == ["FINISHED"] and res["edited"] == ["eval_time[0]"]
    assert res["base"] == res["base_strip"] == "line - Face (Face)"
    assert res["active"] == "line - Face (Face) (edited)"  # the artist's edited action, on top
    assert sorted(a["name"] for a in res["actions"]) == ["line - Face (Face)", "line - Face (Face) (edited)"]
    assert all(a["users"] - a["fake"] >= 1 and not a["fake"] for a in res["actions"]), res["actions"]


def test_the_report_says_when_transcript_mode_was_used():
    pytest.importorskip("pocketsphinx")
    from tools.demo.audio import SCRIPT

    words = " ".join(s for s, _ in SCRIPT)
    res, proc = run_scenario("first_minutes", case="transcript",
                             audio=str(ROOT / "assets" / "demo_speech.flac"), words=words)
    assert res == {"r": ["FINISHED"], "r_none": ["FINISHED"]}
    lines = [ln for ln in (proc.stdout + proc.stderr).splitlines() if "Transcript mode:" in ln]
    n_words = len(words.split())
    assert len(lines) == 1, lines  # the run with the transcript says so; the one without does not
    assert f"mouth timed to the {n_words} words of the transcript" in lines[0] and "+transcript" in lines[0]


MAKE_BLEND = """
import bpy, scene_fixtures as sf
sf.build_scene(fps=25)
bpy.context.scene.frame_start, bpy.context.scene.frame_end = 3, 300
bpy.ops.wm.save_as_mainfile(filepath=PATH)
emit({"ok": True})
"""

READ_BACK = """
import bpy
from tools.bake import load_extension
load_extension()
from speech_animator.addon.timeline_audio import sound_strips, strip_file
found = {"audaspace": bool(bpy.app.build_options.audaspace)}
for path in PATHS:
    bpy.ops.wm.open_mainfile(filepath=path)
    scene = bpy.context.scene
    found[path] = {"range": [scene.frame_start, scene.frame_end],
                   "strips": [[st.name, int(st.frame_start), strip_file(st)] for st in sound_strips(scene)]}
emit(found)
"""


def _bake_cli(*args):
    return subprocess.run([sys.executable, "-m", "tools.bake", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def _batch_inputs(tmp_path):
    clips = tmp_path / "clips"
    clips.mkdir()
    one = write_speechlike(clips / "one.wav", silence_s=0.3, speech_s=1.5)
    two = write_speechlike(clips / "two.wav", silence_s=0.2, speech_s=1.0)
    blend = tmp_path / "scene.blend"
    run_bpy(MAKE_BLEND.replace("PATH", repr(str(blend))))
    return clips, one, two, blend


def test_batch_blends_play_their_clip_and_the_report_says_so(tmp_path):
    clips, one, two, blend = _batch_inputs(tmp_path)
    out = tmp_path / "out"
    proc = _bake_cli("--blend", blend, clips, "--face", "Face", "--what", "face", "--face-model", "fast",
                     "--output-dir", out, "--start-frame", "10")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    paths = [str(out / "one.blend"), str(out / "two.blend")]
    res, _ = run_bpy(READ_BACK.replace("PATHS", repr(paths)))
    for audio, path in zip((one, two), paths):
        rep = json.loads((out / f"{audio.stem}.json").read_text())
        last = 10 + _clip_frames(audio, 25, 1.0) - 1
        assert rep["frame_range"] == [10, last] and rep["transcript"] == "none"
        assert f"Frame range set to the clip: 10-{last} ({last - 9} frames at 25 fps)" in rep["notes"]
        assert res[path]["range"] == [10, last]
        if res["audaspace"]:
            assert res[path]["strips"] == [[audio.name, 10, str(audio)]]  # only its own clip: reverted in between
            assert rep["sound_strip"] == audio.name


def test_batch_into_one_blend_keeps_the_last_clip_and_the_options_turn_it_off(tmp_path):
    clips, one, two, blend = _batch_inputs(tmp_path)
    target, bare = tmp_path / "all.blend", tmp_path / "bare.blend"
    proc = _bake_cli("--blend", blend, one, two, "--face", "Face", "--what", "face", "--face-model", "fast",
                     "--output-blend", target)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plain = _bake_cli("--blend", blend, "//clips/one.wav", "--face", "Face", "--what", "face", "--face-model", "fast",
                      "--output-blend", bare, "--no-frame-range", "--no-sound-strip", "--report-dir", tmp_path / "r")
    assert plain.returncode == 0, plain.stdout + plain.stderr
    res, _ = run_bpy(READ_BACK.replace("PATHS", repr([str(target), str(bare)])))
    assert res[str(target)]["range"] == [3, 3 + _clip_frames(two, 25, 1.0) - 1]  # the scene's start frame
    assert res[str(target)]["strips"] == ([[two.name, 3, str(two)]] if res["audaspace"] else [])
    assert res[str(bare)] == {"range": [3, 300], "strips": []}
    rep = json.loads((tmp_path / "r" / "one.json").read_text())
    assert rep["frame_range"] is None and rep["sound_strip"] is None
    assert rep["input"] == str(one)  # the '//' input was found next to the opened .blend
