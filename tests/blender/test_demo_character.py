"""The demo character: SMPL-X armature, skinned body, head with 52 real ARKit shape keys; the demo script."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bpy_harness import ROOT, run_scenario
from rigs.arkit import ARKIT_NAMES
from rigs.smplx import JOINT_NAMES, PARENTS
from rigs.smplx_rest import floor_height_m, rest_joint_positions

@pytest.fixture(scope="module")
def demo():
    res, _ = run_scenario("demo_character_cases", case="measure", timeout=120)
    return res


def test_armature_is_smplx(demo):
    bones = demo["bones"]
    assert sorted(bones) == sorted(JOINT_NAMES) and len(bones) == 55
    for j, name in enumerate(JOINT_NAMES):
        parent = JOINT_NAMES[PARENTS[j]] if PARENTS[j] >= 0 else None
        assert bones[name]["parent"] == parent, name
    rest = rest_joint_positions().astype(np.float64)
    blender = np.stack([rest[:, 0], -rest[:, 2], rest[:, 1] - floor_height_m()], -1)  # Y up -> Z up, soles at z=0
    heads = np.array([bones[n]["head"] for n in JOINT_NAMES])
    assert np.abs(heads - blender).max() < 1e-4


def test_body_and_head_are_skinned(demo):
    assert set(demo["body_groups"]) <= set(JOINT_NAMES) and len(demo["body_groups"]) >= 45
    assert demo["body_vertex_group_counts"] == [1]  # every vertex weighted to exactly one bone
    assert demo["body_mods"] == [["ARMATURE", demo["arm_name"]]]
    assert demo["head_mods"] == [["ARMATURE", demo["arm_name"]]] and demo["head_groups"] == ["head"]
    assert 3000 < demo["head_verts"] < 20000


def test_52_arkit_keys_all_deform(demo):
    assert demo["key_order"] == ["Basis", *ARKIT_NAMES]
    for name, k in demo["keys"].items():
        assert k["max"] > 1e-3, f"{name} barely moves ({k['max']:.2g} m)"


def test_keys_start_at_rest(demo):
    """Every shape key starts at 0 (bpy 5.0 gives a new key the value 1.0): the head is at rest."""
    assert demo["values"] == {name: 0.0 for name in ARKIT_NAMES}


def _expect(demo, name, parts=None, side=None, above=None, below=None):
    k = demo["keys"][name]
    if parts is not None:
        assert set(k["parts"]) == set(parts), (name, k["parts"])
    x, f, z = k["centroid"]
    if side is not None:
        assert x * side > 0.005, (name, k["centroid"])
    if above is not None:
        assert z > above, (name, k["centroid"])
    if below is not None:
        assert z < below, (name, k["centroid"])


def test_regions(demo):
    mouth_z, eye_z = -0.05, 0.03
    _expect(demo, "jawOpen", below=mouth_z + 0.005)
    assert {"skin", "teeth_lo", "tongue", "cavity"} <= set(demo["keys"]["jawOpen"]["parts"])
    assert not {"teeth_up", "eye_L", "eye_R"} & set(demo["keys"]["jawOpen"]["parts"])
    assert demo["keys"]["jawOpen"]["mean_delta"][2] < 0  # the jaw drops
    _expect(demo, "tongueOut", parts=["tongue"])
    assert demo["keys"]["tongueOut"]["mean_delta"][1] > 0.02  # forward, out of the mouth
    for side, sg in (("Left", 1), ("Right", -1)):
        s = "L" if sg > 0 else "R"
        _expect(demo, f"eyeBlink{side}", parts=[f"lid_{s}_up", f"lid_{s}_lo"], side=sg)
        _expect(demo, f"eyeSquint{side}", side=sg)
        _expect(demo, f"eyeWide{side}", side=sg)
        for d in ("In", "Out"):
            _expect(demo, f"eyeLook{d}{side}", parts=[f"eye_{s}"], side=sg)
        for word in ("Smile", "Frown", "Dimple", "Stretch", "Press", "LowerDown", "UpperUp"):
            _expect(demo, f"mouth{word}{side}", side=sg, below=eye_z - 0.04)
        _expect(demo, f"browDown{side}", side=sg, above=eye_z)
        _expect(demo, f"browOuterUp{side}", side=sg, above=eye_z)
        _expect(demo, f"cheekSquint{side}", side=sg, below=eye_z, above=mouth_z)
        _expect(demo, f"noseSneer{side}", side=sg)
        assert demo["keys"][f"mouthSmile{side}"]["mean_delta"][2] > 0  # corners up
        assert demo["keys"][f"mouthFrown{side}"]["mean_delta"][2] < 0  # corners down
        assert demo["keys"][f"browOuterUp{side}"]["mean_delta"][2] > 0
        assert demo["keys"][f"browDown{side}"]["mean_delta"][2] < 0
    assert demo["keys"]["browInnerUp"]["mean_delta"][2] > 0
    for name in ("mouthFunnel", "mouthPucker", "mouthRollLower", "mouthRollUpper", "mouthShrugLower",
                 "mouthShrugUpper", "mouthClose", "cheekPuff"):
        _expect(demo, name, parts=["skin"], below=eye_z - 0.03)
    assert demo["keys"]["mouthPucker"]["mean_delta"][1] > 0  # lips protrude
    assert demo["keys"]["mouthLeft"]["mean_delta"][0] > 0 > demo["keys"]["mouthRight"]["mean_delta"][0]
    assert demo["keys"]["jawLeft"]["mean_delta"][0] > 0 > demo["keys"]["jawRight"]["mean_delta"][0]
    assert demo["keys"]["jawForward"]["mean_delta"][1] > 0


def test_eyes_rotate_and_lips_open_and_close(demo):
    iris = demo["iris"]  # displacement of the front pole of each eyeball
    assert iris["eyeLookOutLeft"][0] > 0.003 and iris["eyeLookInLeft"][0] < -0.003
    assert iris["eyeLookOutRight"][0] < -0.003 and iris["eyeLookInRight"][0] > 0.003
    assert iris["eyeLookUpLeft"][2] > 0.003 and iris["eyeLookDownRight"][2] < -0.003
    gaps = demo["gaps"]
    assert 0.0 < gaps["rest"] < 0.003          # lips nearly closed at rest
    assert gaps["jawOpen"] > 0.015             # jawOpen opens the mouth > 1.5 cm
    assert gaps["jawOpen+mouthClose"] < 0.3 * gaps["jawOpen"]  # mouthClose closes lips over an open jaw


def test_demo_script_bakes_and_plots(tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "tools.demo", "--out", str(tmp_path), "--no-render"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "demo_report.json").read_text())
    assert (tmp_path / "demo.blend").stat().st_size > 100_000
    assert (tmp_path / "demo_curves.png").stat().st_size > 10_000
    assert report["frames"] == int(np.ceil(report["duration_s"] * 30 - 1e-9)) and report["fps"] == 30
    assert any("Face" in a for a in report["actions"])
    res, _ = run_scenario("demo_character_cases", case="demo_blend", blend=str(tmp_path / "demo.blend"),
                          frames=report["frames"], timeout=120)
    # the bpy 4.2 module has no Audaspace: the demo then bakes without a sound strip (a warning)
    assert res["strips"] == (1 if res["audaspace"] else 0) and res["n_fcurves"] >= 40
    mouth = np.array(res["mouth"])  # (T, 4): jawOpen, mouthClose, mouthFunnel, mouthPucker
    assert res["keys"] == report["frames"]
    assert mouth[:12].max() < 0.05 and mouth.max() > 0.3  # rest in the 0.5 s lead-in, moves with speech
    assert mouth[:, 0].std() > 0.02  # the jaw itself moves


def test_baked_smplx_motion_matches_forward_kinematics():
    """SMPL-X poses retargeted and baked onto the demo armature put every joint where SMPL-X forward
    kinematics puts it (the armature is a faithful SMPL-X skeleton, axes converted)."""
    res, _ = run_scenario("demo_character_cases", case="fk", timeout=120)
    assert max(res["errs"]) < 1e-3, res["errs"]
