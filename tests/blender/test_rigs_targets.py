"""Face and body targets on real third-party rigs (bpy 5.0 module, one subprocess per scenario;
the bpy side of each test is a file in ``tests/blender/scenarios/``).

World-space assertion: after baking, the directions of the target's upper arms, forearms, thighs,
spine and head follow the SMPL-X source's (FK on rigs/smplx_rest.py) within TOL_DEG.
"""

import pytest

from bpy_harness import run_scenario
from tests.conftest import SHARED_DATA

TOL_DEG = 2.0
CHARS = SHARED_DATA / "characters"
BEAT2 = SHARED_DATA / "beat2_sample" / "2_scott_0_1_1.npz"


@pytest.mark.parametrize("kind", ["robot", "kaykit", "rigify", "demo"])
def test_retarget_follows_source_directions_in_world_space(kind):
    if kind in ("robot", "kaykit") and not CHARS.exists():
        pytest.skip(f"shared data not available: {CHARS}")
    res, _ = run_scenario("retarget_directions", kind=kind, characters=str(CHARS), beat2=str(BEAT2))
    if "skip" in res:
        pytest.skip(res["skip"])
    print(kind, res)
    assert res["n"] >= 12
    assert set(res["errs"]) >= {"upper_arm_L", "upper_arm_R", "forearm_L", "forearm_R", "head_up", "head_forward"}
    bad = {k: v for k, v in res["errs"].items() if v > TOL_DEG}
    assert not bad, bad


def test_face_on_arkit_reference_head_bakes_51_keys_and_reports_tongue():
    if not CHARS.exists():
        pytest.skip(f"shared data not available: {CHARS}")
    res, _ = run_scenario("arkit_reference_head", characters=str(CHARS))
    assert res["n"] == 51
    assert any("tongueOut" in w for w in res["warnings"])
    assert res["jaw"] == pytest.approx(10 / 19, abs=1e-4) and res["others"] == 0.0


def test_same_curves_on_every_mesh_that_carries_the_keys_and_fallbacks():
    res, _ = run_scenario("face_meshes", case="keys_and_fallbacks")
    p, v = res["paths"], res["vals"]
    assert p["Face (Head)"] == ['key_blocks["jawOpen"].value', 'key_blocks["mouthFunnel"].value']
    assert p["Face (Teeth)"] == ['key_blocks["JawOpen"].value'] and v["Face (Teeth)"]['key_blocks["JawOpen"].value'] == pytest.approx(0.8)
    assert len(p["Face (VRM)"]) == 5 and max(v["Face (VRM)"].values()) > 0.3
    assert p["Face (Simple)"] == ['key_blocks["mouthOpen"].value']  # "Blink" untouched
    assert any("viseme" in w for w in res["warnings"]) and any("open-mouth" in w for w in res["warnings"])


def test_flame_keys_and_jaw_bone_fallback():
    res, _ = run_scenario("face_meshes", case="flame")
    assert res["n"] == 10 and res["exp3"] == pytest.approx(0.7)
    # FLAME expressions do not open the jaw: the jaw bone gets jaw_pose (0.3 rad)
    assert res["labels"] == ["Face (Flame)", "Face jaw (Rig)"]
    assert res["jaw_angle"] == pytest.approx(0.3, abs=1e-4)


def test_jaw_bone_drives_the_jaw_when_no_key_can():
    res, _ = run_scenario("face_meshes", case="jaw_bone")
    assert res["labels"] == ["Face jaw (Rig)"]
    assert res["drop"] > 0.01  # jaw tip moved down: the mouth opens


def test_clear_errors_for_unusable_inputs(tmp_path):
    res, _ = run_scenario("face_meshes", case="errors", lib=str(tmp_path / "lib.blend"))
    assert "'Bare' has no shape keys" in res["no_keys"]
    assert "nothing matched on 'Odd'" in res["nothing"]
    assert "expected at least one mesh" in res["empty"]
    assert "linked from library" in res["linked"]
    assert "does not look like a humanoid" in res["crane"]
    assert "expected an ARMATURE" in res["mesh_as_armature"]


def test_read_body_constraints_inverts_artist_keys():
    res, _ = run_scenario("body_constraints", characters=str(CHARS))
    assert res["mask_frames"] == [1, 5, 9] and res["shape"] == [12, 55, 3] and res["fps"] == 30.0
    assert res["masked_joints"] >= 22
    assert res["err"] < 0.5


def test_generated_rigify_controls_refined_through_constraints():
    """A generated Rigify rig (controls on constraint-driven MCH bones): the FK controls are mapped
    (preset rigify_ctrl), refined through Blender's evaluation, measured on the
    DEF bones; 45 consecutive real frames, 12 refined, corrections slerped between (Rigify builds the lower spine downward from the torso pivot; the DEF bones' rest
    positions drive the rest alignment)."""
    res, _ = run_scenario("rigify_generated", beat2=str(BEAT2), timeout=600)
    if "skip" in res:
        pytest.skip(res["skip"])
    print("rigify generated", res)
    assert any("refined through Blender's evaluation" in w for w in res["warnings"])
    assert {"upper_arm_L", "forearm_R", "thigh_L", "spine", "chest", "pelvis", "head_up"} <= set(res["errs"])
    bad = {k: v for k, v in res["errs"].items() if v > TOL_DEG}
    assert not bad, bad
    assert res["masked_frames"] == res["picked"] and res["constraint_err"] < TOL_DEG


def test_refine_reads_max_frames_at_call_time():
    """``targets_body.REFINE_MAX_FRAMES`` set after import (as rigify_generated.py does) limits the
    refined frames: 3 of 20 here."""
    res, _ = run_scenario("refine_frames", max_frames=3, timeout=120)
    refined = res["calls"] / (res["bones"] * (res["sweeps"] + 1))
    assert refined == 3, res


def test_robot_head_without_arkit_keys_or_jaw_bone_is_refused_clearly():
    """RobotExpressive's head has only Angry/Surprised/Sad morphs and no jaw bone."""
    if not CHARS.exists():
        pytest.skip(f"shared data not available: {CHARS}")
    res, _ = run_scenario("robot_head_refused", characters=str(CHARS))
    assert res["error"] is not None and "nothing matched" in res["error"] and res["mesh"] in res["error"]


def test_bone_rotation_reads_keys_in_bulk_like_evaluate():
    """Rotation curves read at keys in bulk (key values) equal ``FCurve.evaluate`` frame by frame:
    Bezier/constant/linear keys, a component keyed on other frames, a key just off the integer
    frame, a curve with a modifier, Euler and axis-angle modes (numpy conversion vs mathutils)."""
    res, _ = run_scenario("bone_rotation_bulk", characters=str(CHARS))
    for mode, r in res.items():
        assert r["keyed"] == r["want_keyed"], mode
        assert r["err"] < 1e-6, (mode, r["err"])
