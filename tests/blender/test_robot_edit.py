"""RobotExpressive (shared data, bpy 5.0): its glTF "Dance" clip never leaks into Generate, and its
unmappable face (only Angry/Surprised/Sad morphs) does not stop the body from baking."""

import numpy as np

from bpy_harness import run_scenario, write_speechlike
from tests.conftest import shared_path


def test_robot_dance_clip_never_constrains_and_body_bakes_without_a_face(tmp_path):
    robot = shared_path("characters", "RobotExpressive.glb")
    audio = write_speechlike(tmp_path / "robot.wav", silence_s=0.3, speech_s=2.0)
    res, _ = run_scenario("robot_edit", robot=str(robot), audio=str(audio))
    assert res["clip"].startswith("Dance") and not res["constraints"]
    assert res["actions"] == ["robot - Body (RobotArmature)"] and len(res["face_warning"]) == 1
    assert "nothing matched" in res["face_warning"][0]
    assert res["clip_note"], res
    assert "Speech Animator: kept " + res["clip"] in res["tracks"], res  # "Dance" (4.2: "Dance_RobotArmature")
    assert res["active"] == "robot - Body (RobotArmature)"
    assert res["max_diff"] < 1e-6
