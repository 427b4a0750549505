"""Generate Conversation in Blender: both demo characters keyed, one action each, the listener turns, undo."""

from __future__ import annotations

import pytest

from bpy_harness import run_scenario, write_speechlike


@pytest.fixture(scope="module")
def conv(tmp_path_factory):
    d = tmp_path_factory.mktemp("conv")
    a = write_speechlike(d / "ann.wav", silence_s=0.3, speech_s=2.5)
    b = write_speechlike(d / "ben.wav", silence_s=0.3, speech_s=2.5)
    import numpy as np
    import soundfile as sf

    x, rate = sf.read(str(a))
    y = np.concatenate([np.zeros(int(3.3 * rate)), x])
    x = np.concatenate([x, np.zeros(y.size - x.size)])
    sf.write(str(d / "dialogue.wav"), np.stack([y + 0.05 * x, x + 0.05 * y], 1), rate)  # Ann on channel 1
    res, _ = run_scenario("conversation_cases", audio_a=str(a), audio_b=str(b), start_b=100, face_model="fast",
                          stereo=str(d / "dialogue.wav"), timeout=300)
    return res


def test_both_characters_keyed_with_own_actions(conv):
    assert conv["poll_before"] and conv["result"] == ["FINISHED"] and conv["draw_problems"] == []
    names = conv["ann"] + conv["ben"]
    assert None not in names and len(set(names)) == 4, names   # face + body action per character, all distinct
    assert conv["ann"][0].startswith("ann") and conv["ben"][0].startswith("ben")


def test_listener_head_turns_towards_speaker(conv):
    for head, to in conv["ben_listening"] + conv["ann_listening"]:
        assert head * to > 0, (head, to)                  # turned to the speaker's side
        assert abs(head) > 15.0 and abs(head - to) < abs(to), (head, to)


def test_stereo_file_bakes_each_channel_onto_its_character(conv):
    assert conv["stereo_result"] == ["FINISHED"]
    acts = conv["stereo_actions"]["ann"] + conv["stereo_actions"]["ben"]
    assert all(n and n.startswith("dialogue - ") for n in acts) and len(set(acts)) == 4, acts


def test_undo_removes_both(conv):
    assert conv["after_undo"]["ann"] == [None, None] and conv["after_undo"]["ben"] == [None, None]
    assert conv["after_undo"]["generated"] == []


def test_edits_survive_generating_the_conversation_again(conv):
    r = conv["regenerated"]
    assert abs(r["ann_jaw61"] - 0.95) < 1e-4 and r["ann_layers"]   # Ann's edit plays over the new bake
    assert not r["ben_layers"]                                       # Ben was not edited: a plain bake


MAKE_BLEND = """
import math, bpy, scenario
from speech_animator.addon.demo_character import build_demo_character
scenario.register()
bpy.ops.wm.read_factory_settings(use_empty=True)
a, b = build_demo_character(), build_demo_character()
a.armature.location.x, b.armature.location.x = -0.8, 0.8
a.armature.rotation_euler.z, b.armature.rotation_euler.z = math.radians(45), math.radians(-45)
bpy.ops.wm.save_as_mainfile(filepath=PATH)
emit({"objects": [a.head.name, a.armature.name, b.head.name, b.armature.name]})
scenario.finish()
"""


def test_batch_command_bakes_a_scene_file(tmp_path):
    import json
    import subprocess
    import sys

    from bpy_harness import ROOT, run_bpy

    write_speechlike(tmp_path / "ann.wav", silence_s=0.3, speech_s=1.5)
    write_speechlike(tmp_path / "ben.wav", silence_s=0.3, speech_s=1.5)
    blend = tmp_path / "two.blend"
    res, _ = run_bpy("import sys; sys.path.insert(0, str(__import__('pathlib').Path(%r) / 'tests/blender/scenarios'))\n"
                     % str(ROOT) + MAKE_BLEND.replace("PATH", repr(str(blend))))
    ha, aa, hb, ab = res["objects"]
    scene = {"characters": [
        {"name": "Ann", "face_object": ha, "armature": aa, "lines": [{"audio": "ann.wav", "start_s": 0.0}]},
        {"name": "Ben", "face_object": hb, "armature": ab, "lines": [{"audio": "ben.wav", "start_s": 2.2}]}]}
    (tmp_path / "scene.json").write_text(json.dumps(scene))
    out = tmp_path / "out.blend"
    proc = subprocess.run([sys.executable, "-m", "tools.bake", "--blend", blend, "--conversation", tmp_path / "scene.json",
                           "--face-model", "fast", "--output-blend", out], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rep = json.loads(out.with_suffix(".json").read_text())
    assert rep["ok"] and [c["name"] for c in rep["characters"]] == ["Ann", "Ben"]
    import math
    assert rep["frames"] == math.ceil((2.2 + 0.3 + 1.5 + 0.2) * rep["fps"] - 1e-6)   # Ben's line ends the scene
    acts = [a for c in rep["characters"] for a in c["actions"]]
    assert len(set(acts)) == 4 and all(c["speaking_frames"] > 20 for c in rep["characters"])
    assert out.is_file()
    bad = subprocess.run([sys.executable, "-m", "tools.bake", "--blend", blend, "--conversation", tmp_path / "nope.json",
                          "--output-blend", out], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "scene file not found" in bad.stderr
