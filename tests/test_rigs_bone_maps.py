"""Bone-map presets, automatic guessing from names and hierarchy, JSON presets."""

import pytest

from rigs.bone_maps import guess_bone_map, load_bone_map, save_bone_map, side_of
from rigs.bone_presets import BONE_PRESETS
from rigs.smplx import JOINT_NAMES, PARENTS


def _rig_from_preset(table, prefix=""):
    """An armature with the preset's names and SMPL-X's hierarchy."""
    names, parents = [], []
    for j, pj in zip(JOINT_NAMES, PARENTS):
        if j not in table:
            continue
        names.append(prefix + table[j])
        p = pj
        while p >= 0 and JOINT_NAMES[p] not in table:
            p = PARENTS[p]
        parents.append(names.index(prefix + table[JOINT_NAMES[p]]) if p >= 0 else -1)
    return names, parents


@pytest.mark.parametrize("preset", sorted(p for p in BONE_PRESETS if p != "smplx"))
def test_each_preset_is_recognised_on_its_own_names(preset):
    names, parents = _rig_from_preset(BONE_PRESETS[preset])
    g = guess_bone_map(names, parents)
    assert g.preset == preset or (preset == "unreal5" and g.preset == "unreal")
    if g.preset == preset:
        assert dict(g.mapping) == BONE_PRESETS[preset]
    assert g.confidence == 1.0 and g.missing == () and g.problems == ()


def test_mixamo_without_namespace_and_smplx_identity():
    table = {j: b.split(":")[1] for j, b in BONE_PRESETS["mixamo"].items()}
    names, parents = _rig_from_preset(table)
    g = guess_bone_map(names, parents)
    assert g.preset == "mixamo" and g.mapping["left_elbow"] == "LeftForeArm"
    names, parents = list(JOINT_NAMES), list(PARENTS)
    assert dict(guess_bone_map(names, parents).mapping) == {j: j for j in JOINT_NAMES}


ROBOT = [("Bone", None), ("Foot.L", "Bone"), ("Body", "Bone"), ("Hips", "Body"), ("Abdomen", "Hips"),
         ("Torso", "Abdomen"), ("Neck", "Torso"), ("Head", "Neck"), ("Shoulder.L", "Torso"),
         ("UpperArm.L", "Shoulder.L"), ("LowerArm.L", "UpperArm.L"), ("Palm2.L", "LowerArm.L"),
         ("Middle1.L", "Palm2.L"), ("Thumb.L", "LowerArm.L"), ("Shoulder.R", "Torso"),
         ("UpperArm.R", "Shoulder.R"), ("LowerArm.R", "UpperArm.R"), ("UpperLeg.L", "Body"),
         ("LowerLeg.L", "UpperLeg.L"), ("UpperLeg.R", "Body"), ("LowerLeg.R", "UpperLeg.R"), ("Foot.R", "Bone")]


def _split(rig):
    names = [n for n, _ in rig]
    return names, [names.index(p) if p else -1 for _, p in rig]


def test_guess_custom_rig_by_names_and_chain():
    g = guess_bone_map(*_split(ROBOT))
    m = g.mapping
    assert g.preset == "guess"
    assert (m["pelvis"], m["spine1"], m["spine3"], m["neck"], m["head"]) == ("Hips", "Abdomen", "Torso", "Neck", "Head")
    assert (m["left_collar"], m["left_shoulder"], m["left_elbow"]) == ("Shoulder.L", "UpperArm.L", "LowerArm.L")
    assert m["right_elbow"] == "LowerArm.R" and m["left_hip"] == "UpperLeg.L" and m["left_knee"] == "LowerLeg.L"
    assert m["left_thumb1"] == "Thumb.L"
    # Foot.L hangs off the root (an IK target), not below the knee: rejected, reported missing
    assert "left_ankle" not in m and "left_ankle" in g.missing
    assert 0.5 < g.confidence < 1.0 and g.how["spine1"] == "chain"
    assert "left_elbow" in g.report()


def test_hierarchy_rejects_wrong_side_and_reports_problems():
    rig = [("hips", None), ("spine", "hips"), ("head", "spine"), ("arm.L", "spine"), ("forearm.L", "spine"),
           ("arm.R", "spine"), ("forearm.R", "arm.R")]
    g = guess_bone_map(*_split(rig))
    assert "left_elbow" not in g.mapping  # forearm.L is not below arm.L
    assert g.mapping["right_elbow"] == "forearm.R"
    g2 = guess_bone_map(*_split(rig), overrides={"left_elbow": "forearm.L"})
    assert g2.how["left_elbow"] == "override" and any("left_elbow" in p for p in g2.problems)
    assert g2.confidence < g.confidence


@pytest.mark.parametrize("name,side", [("UpperArm.L", "left"), ("upperarm_r", "right"), ("LeftArm", "left"),
                                       ("mixamorig:RightHand", "right"), ("CC_Base_L_Hand", "left"),
                                       ("J_Bip_R_UpperArm", "right"), ("l_hand", "left"), ("Head", ""),
                                       ("spine.001", ""), ("DEF-thigh.L.001", "")])
def test_side_detection(name, side):
    assert side_of(name)[0] == side or (name == "DEF-thigh.L.001" and side_of(name)[0] == "left")


def test_json_round_trip_and_errors(tmp_path):
    path = tmp_path / "map.json"
    save_bone_map(path, {"pelvis": "Hips", "head": "Head"}, name="robot")
    assert load_bone_map(path) == {"pelvis": "Hips", "head": "Head"}
    path.write_text('{"kind": "bone_map", "map": {"hips": "Hips"}}')
    with pytest.raises(ValueError, match="not SMPL-X joint names"):
        load_bone_map(path)
    path.write_text("[]")
    with pytest.raises(ValueError, match="expected a 'bone_map' preset"):
        load_bone_map(path)
    with pytest.raises(ValueError, match="preset: expected one of"):
        guess_bone_map(["a"], [-1], preset="nope")


def test_face_map_presets(tmp_path):
    from rigs.map_presets import load_map, save_map

    save_map(tmp_path / "f.json", "face_map", {"jawOpen": "Jaw_Open", "mouthFunnel": ["A", "B"]})
    assert load_map(tmp_path / "f.json", "face_map") == {"jawOpen": "Jaw_Open", "mouthFunnel": ["A", "B"]}
    with pytest.raises(ValueError, match="expected a 'bone_map' preset, found 'face_map'"):
        load_map(tmp_path / "f.json", "bone_map")
    with pytest.raises(ValueError, match="not ARKit names"):
        save_map(tmp_path / "g.json", "face_map", {"JawOpen": "x"})
    with pytest.raises(ValueError, match="kind: expected one of"):
        save_map(tmp_path / "g.json", "mouth", {})
