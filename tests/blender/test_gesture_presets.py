"""Gesture presets in the sidebar: Seated keeps the legs still while the arms gesture; a tweaked
preset shows Custom and the tweak reaches the generator (``scenarios/gesture_preset.py``)."""

import numpy as np
import pytest

from bpy_harness import run_scenario, write_speechlike
from inference.body.idle import SEATED_DROP_M
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
        # a hand hanging beside the standing leg is ~0.17 m from the thigh's axis, one resting on a
        # seated thigh ~0.13 m (body v3 item 5 hangs the arms at the first rest more often)
        assert _wrist_to_thigh_m(res, side) > 0.15, side


def test_seated_on_the_demo_character_lowers_the_pelvis_onto_a_seat_with_the_feet_on_the_floor(speech):
    """The seat drop is a constant offset of the rest-relative ``transl``: it must reach the root
    bone (it used to cancel against frame 0, leaving the character sitting in mid-air)."""
    sit, _ = run_scenario("gesture_preset", audio=str(speech), preset="SEATED", rig="demo")
    stand, _ = run_scenario("gesture_preset", audio=str(speech), preset="CONVERSATIONAL", rig="demo")
    assert sit["result"] == stand["result"] == ["FINISHED"]
    rest_z = sit["rest_heads"]["pelvis"][2]
    sit_z, stand_z = _heads(sit, "pelvis")[:, 2], _heads(stand, "pelvis")[:, 2]
    assert abs(stand_z.mean() - rest_z) < 0.05  # standing: about the rest height
    drop = stand_z.mean() - sit_z.mean()  # the demo character is SMPL-X sized (retarget scale ~1)
    assert drop == pytest.approx(-SEATED_DROP_M, abs=0.06), (rest_z, sit_z.mean(), stand_z.mean())
    assert sit_z.max() < rest_z + SEATED_DROP_M + 0.02  # on the seat, not in mid-air at standing height
    # the soles stay on the floor (z = 0; the demo's foot capsules reach ~3.6 cm below it at rest)
    assert max(abs(a - b) for a, b in zip(sit["body_min_z"], stand["body_min_z"])) < 0.02
    for res in (sit, stand):
        assert max(abs(z) for z in res["body_min_z"]) < 0.05, res["body_min_z"]
        for side in ("left", "right"):
            foot = _heads(res, f"{side}_foot")[:, 2]
            assert np.abs(foot - res["rest_heads"][f"{side}_foot"][2]).max() < 0.05, side
