"""The SMPL-X rest skeleton (rigs/smplx_rest.py) is a plausible human in the T-pose."""

import numpy as np
import pytest

from rigs import smplx, smplx_rest
from rigs.rotations import axis_angle_to_quat


def _mirror_index(name):
    if name.startswith("left_"):
        return smplx.JOINT_INDEX["right_" + name[5:]]
    if name.startswith("right_"):
        return smplx.JOINT_INDEX["left_" + name[6:]]
    return smplx.JOINT_INDEX[name]


def test_shapes_and_dtype():
    assert smplx_rest.REST_OFFSETS_M.shape == (55, 3)
    assert smplx_rest.REST_OFFSETS_M.dtype == np.float32
    pos = smplx_rest.rest_joint_positions()
    assert pos.shape == (55, 3) and pos.dtype == np.float32
    # every non-root joint has a non-degenerate bone
    assert np.all(np.linalg.norm(smplx_rest.REST_OFFSETS_M[1:], axis=1) > 0.01)


def test_left_right_symmetric():
    pos = smplx_rest.rest_joint_positions()
    for i, name in enumerate(smplx.JOINT_NAMES):
        m = _mirror_index(name)
        assert np.allclose(pos[i] * [-1, 1, 1], pos[m], atol=1e-6), name
    # X is the subject's left: left joints have x > 0
    assert pos[smplx.JOINT_INDEX["left_wrist"], 0] > 0.5
    assert pos[smplx.JOINT_INDEX["right_wrist"], 0] < -0.5


def test_human_proportions():
    pos = smplx_rest.rest_joint_positions()
    j = smplx.JOINT_INDEX
    assert 1.6 < smplx_rest.stature_m() < 1.8
    assert pos[j["head"], 1] > pos[j["neck"], 1] > pos[j["spine3"], 1] > pos[j["pelvis"], 1]
    assert pos[j["pelvis"], 1] > pos[j["left_knee"], 1] > pos[j["left_ankle"], 1]
    arm_span = pos[j["left_wrist"], 0] - pos[j["right_wrist"], 0]
    assert 1.2 < arm_span < 1.5  # wrist to wrist in the T-pose
    # feet point forward (+Z), eyes look forward and are above the jaw
    assert pos[j["left_foot"], 2] > pos[j["left_ankle"], 2] + 0.05
    assert pos[j["left_eye_smplhf"], 2] > pos[j["head"], 2] + 0.05
    assert pos[j["left_eye_smplhf"], 1] > pos[j["jaw"], 1]


@pytest.mark.parametrize("side,sign", [("left", 1.0), ("right", -1.0)])
def test_fingers_point_outward_along_the_arm(side, sign):
    pos = smplx_rest.rest_joint_positions()
    j = smplx.JOINT_INDEX
    wrist = pos[j[f"{side}_wrist"]]
    for finger in ("index", "middle", "ring", "pinky", "thumb"):
        xs = [pos[j[f"{side}_{finger}{k}"], 0] for k in (1, 2, 3)]
        assert sign * (xs[0] - wrist[0]) > 0.0
        assert sign * (xs[1] - xs[0]) > 0.0 and sign * (xs[2] - xs[1]) > 0.0
    # middle finger is the longest reach; thumb sits forward (+Z) of the pinky
    reach = {f: sign * (pos[j[f"{side}_{f}3"], 0] - wrist[0]) for f in ("index", "middle", "ring", "pinky")}
    assert max(reach, key=reach.get) == "middle"
    assert pos[j[f"{side}_thumb1"], 2] > pos[j[f"{side}_pinky1"], 2]


def test_forward_kinematics_rest_and_rotation():
    zero = np.zeros((2, 55, 3))
    fk = smplx_rest.forward_kinematics(zero, transl=np.array([[0, 0, 0], [1.0, 2.0, 3.0]]))
    assert np.allclose(fk[0], smplx_rest.rest_joint_positions(), atol=1e-6)
    assert np.allclose(fk[1] - fk[0], [1.0, 2.0, 3.0])
    # lowering the left arm by 90 degrees about +Z (forward) puts the wrist below the shoulder
    poses = np.zeros((1, 55, 3))
    poses[0, smplx.JOINT_INDEX["left_shoulder"]] = [0.0, 0.0, -np.pi / 2]
    fk = smplx_rest.forward_kinematics(poses)[0]
    sh, wr = fk[smplx.JOINT_INDEX["left_shoulder"]], fk[smplx.JOINT_INDEX["left_wrist"]]
    assert wr[1] < sh[1] - 0.4 and abs(wr[0] - sh[0]) < 0.1
    # quaternion input gives the same answer
    fk_q = smplx_rest.forward_kinematics(axis_angle_to_quat(poses))[0]
    assert np.allclose(fk, fk_q)
    with pytest.raises(ValueError, match="poses: expected shape"):
        smplx_rest.forward_kinematics(np.zeros((3, 54, 3)))
