"""Gesture presets in the sidebar: Seated keeps the legs still while the arms gesture; a tweaked
preset shows Custom and the tweak reaches the generator (``scenarios/gesture_preset.py``)."""

import numpy as np
import pytest

from bpy_harness import run_scenario, write_speechlike
from inference.options import GestureStyle

LEGS = ("pelvis", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle", "left_foot",
        "right_foot")


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    return write_speechlike(tmp_path_factory.mktemp("presets") / "talk.wav", silence_s=0.5, speech_s=4.0)


def _heads(res, bone):
    return np.array(res["frames"][bone]["head"])  # (T, 3) world metres


def _wrist_to_thigh_m(res, side, frame=0):
    """Distance (m) of the wrist from the hip -> knee segment (the thigh's axis) on one frame."""
    w, h, k = (_heads(res, f"{side}_{b}")[frame] for b in ("wrist", "hip", "knee"))
    t = np.clip(np.dot(w - h, k - h) / np.dot(k - h, k - h), 0.0, 1.0)
    return float(np.linalg.norm(w - (h + t * (k - h))))


def _check_options(res, style):
    for field, got in res["options"].items():
        want = getattr(style, field)
        assert got == (pytest.approx(want, abs=1e-6) if isinstance(want, float) else want), field


def test_seated_preset_keeps_the_legs_still_while_the_arms_gesture(speech):
    res, _ = run_scenario("gesture_preset", audio=str(speech), preset="SEATED", rig="fixtures")
    assert res["result"] == ["FINISHED"] and res["action"]
    assert (res["preset_before"], res["preset_after"], res["preset_after_tweak"]) == \
        ("CONVERSATIONAL", "SEATED", "SEATED")
    _check_options(res, GestureStyle.preset("seated"))
    assert res["num_frames"] > 100
    for bone in LEGS:  # every SMPL-X leg joint: the same world position and local rotation on every frame
        assert np.ptp(_heads(res, bone), axis=0).max() < 1e-4, bone
        assert np.ptp(np.array(res["frames"][bone]["rot"]), axis=0).max() < 1e-4, bone
    for side in ("left", "right"):
        assert np.ptp(_heads(res, f"{side}_wrist"), axis=0).max() > 0.05, side  # the hands gesture
        assert np.ptp(np.array(res["frames"][f"{side}_elbow"]["rot"]), axis=0).max() > 0.05, side
        # sitting: the thigh is about horizontal and the hand rests on it in the leading silence
        h, k = _heads(res, f"{side}_hip")[0], _heads(res, f"{side}_knee")[0]
        assert abs(k[2] - h[2]) < 0.1 and np.linalg.norm(k - h) > 0.3, (h, k)
        assert _wrist_to_thigh_m(res, side) < 0.18, side


def test_a_tweaked_preset_shows_custom_and_the_tweak_reaches_the_generator(speech):
    res, _ = run_scenario("gesture_preset", audio=str(speech), preset="ANIMATED_TALKER", rig="fixtures",
                          tweak={"gesture_two_handed": 0.9})
    assert res["result"] == ["FINISHED"]
    assert (res["preset_after"], res["preset_after_tweak"]) == ("ANIMATED_TALKER", "CUSTOM")
    _check_options(res, GestureStyle(**{**vars(GestureStyle.preset("animated talker")), "two_handed": 0.9}))
    # standing (the contrast to Seated): the pelvis and legs move, the hands do not rest on the thighs
    assert max(np.ptp(_heads(res, b), axis=0).max() for b in ("pelvis", "left_knee", "right_knee")) > 0.003
    for side in ("left", "right"):
        h, k = _heads(res, f"{side}_hip")[0], _heads(res, f"{side}_knee")[0]
        assert h[2] - k[2] > 0.3
        assert _wrist_to_thigh_m(res, side) > 0.2, side
