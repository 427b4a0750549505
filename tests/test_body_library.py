"""Gesture library: arm IK reaches its targets, palms turn as asked, fingers curl, mirroring."""

import numpy as np
import pytest

from inference.body import library as lib
from inference.body.synthesis import interpolate_keys, minimum_jerk
from rigs import smplx_rest
from rigs.rotations import quat_to_matrix


def _fk(arm_left=None, arm_right=None, fingers_left=None):
    poses = np.zeros((1, 55, 4))
    poses[..., 0] = 1.0
    if arm_left is not None:
        poses[0, list(lib.ARM_JOINTS["left"])] = arm_left
    if arm_right is not None:
        poses[0, list(lib.ARM_JOINTS["right"])] = arm_right
    if fingers_left is not None:
        poses[0, list(lib.HAND_JOINTS["left"])] = fingers_left
    return smplx_rest.forward_kinematics(poses)[0]


@pytest.mark.parametrize("gtype", lib.GESTURE_TYPES)
def test_ik_reaches_sampled_targets_on_both_sides(gtype):
    rng = np.random.default_rng(0)
    rest = smplx_rest.rest_joint_positions()
    for _ in range(20):
        for pose in lib.sample_stroke(gtype, rng, rng.uniform(0, 2)):
            target = np.asarray(pose.wrist_m)
            reach = np.linalg.norm(target)
            left = _fk(arm_left=lib.solve_arm(pose, "left"))
            right = _fk(arm_right=lib.solve_arm(pose, "right"))
            got = left[20] - rest[16]
            if reach < 0.97 * 0.52:  # inside the reachable shell: exact
                assert np.allclose(got, target, atol=1e-6)
            # the right arm is the exact mirror image of the left one
            assert np.allclose(right[21] * [-1, 1, 1], left[20], atol=1e-6)
            assert np.allclose(right[19] * [-1, 1, 1], left[18], atol=1e-6)


def test_elbow_bends_the_natural_way_and_palm_follows():
    pose = lib.ArmPose((0.05, -0.30, 0.30), palm=(0.0, 1.0, 0.0))   # palm up, hand in front
    q = lib.solve_arm(pose, "left")
    pos = _fk(arm_left=q)
    assert pos[18, 1] < pos[16, 1]                      # elbow below the shoulder
    assert pos[18, 2] < pos[20, 2]                      # elbow behind the hand
    m = quat_to_matrix(q)
    hand = m[0] @ m[1] @ m[2] @ m[3]
    palm = hand @ np.array([0.0, -1.0, 0.0])            # rest palm normal is -Y (palm down)
    assert palm[1] > 0.8                                 # now facing up
    down = lib.solve_arm(lib.ArmPose((0.05, -0.30, 0.30), palm=(0.0, -1.0, 0.0)), "left")
    m = quat_to_matrix(down)
    assert (m[0] @ m[1] @ m[2] @ m[3] @ np.array([0.0, -1.0, 0.0]))[1] < -0.8


def test_finger_shapes_curl_toward_the_palm():
    rest = smplx_rest.rest_joint_positions()
    tip, base = 27, 25   # left_index3, left_index1
    heights = {}
    for shape in lib.FINGER_SHAPES:
        pos = _fk(fingers_left=lib.finger_quats(shape, "left"))
        heights[shape] = pos[tip, 1] - rest[base, 1]     # palm faces -Y in the T-pose
    assert heights["point"] > heights["relaxed"] > heights["beat"]
    assert heights["open"] > heights["relaxed"]
    # in the point shape the index stays straight while the middle finger curls in
    pos = _fk(fingers_left=lib.finger_quats("point", "left"))
    assert pos[30, 1] < pos[27, 1] - 0.02
    assert np.allclose(lib.finger_quats("beat", "right"), lib.mirror_quats(lib.finger_quats("beat", "left")))
    with pytest.raises(ValueError, match="finger shape"):
        lib.finger_quats("claw", "left")
    with pytest.raises(ValueError, match="gesture type"):
        lib.sample_stroke("wave", np.random.default_rng(0), 1.0)


def test_minimum_jerk_interpolation():
    u = np.linspace(0, 1, 11)
    s = minimum_jerk(u)
    assert s[0] == 0 and s[-1] == 1 and np.all(np.diff(s) >= 0)
    assert minimum_jerk(np.array([0.5]))[0] == pytest.approx(0.5)
    y = interpolate_keys(np.array([0.0, 1.0]), np.array([[0.0], [2.0]]), np.linspace(-1, 2, 3001), quaternion=False)
    assert y[0, 0] == 0.0 and y[-1, 0] == 2.0      # held outside the keys
    v = np.gradient(y[:, 0])
    assert abs(v[1000]) < 1e-3 * v.max() and abs(v[2000]) < 1e-3 * v.max()  # zero velocity at keys
    assert np.argmax(v) == 1500                    # bell-shaped speed, peak mid-way
