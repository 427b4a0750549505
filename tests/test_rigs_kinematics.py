"""Batched chain helpers (rigs.kinematics) against the plain per-quaternion functions and scipy."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from rigs.kinematics import (axis_angle_to_quat_cm, canonical_continuous_cm, chain_products_cm, qmul_cm,
                             quat_left_matrix, quat_right_matrix, quat_rotate, rotation_and_scale, rotation_parts)
from rigs.retarget import plan_retarget, retarget
from rigs.smplx_rest import SMPLX_LEVELS, smplx_global_rotations
from rigs.tree import depth_levels
from rigs.rotations import axis_angle_to_quat, quat_mul, quat_to_matrix
from rigs.smplx import PARENTS


def _quats(shape, seed=0):
    q = np.random.default_rng(seed).normal(size=shape + (4,))
    return q / np.linalg.norm(q, axis=-1, keepdims=True)


def test_depth_levels_parents_first_and_errors():
    levels = depth_levels([2, -1, 1, 0, -1])
    assert [lv.tolist() for lv in levels] == [[1, 4], [2], [0], [3]]
    assert sum(len(lv) for lv in SMPLX_LEVELS) == 55 and len(SMPLX_LEVELS) == 11
    for d, lv in enumerate(SMPLX_LEVELS[1:]):
        assert set(np.asarray(PARENTS)[lv]) <= set(SMPLX_LEVELS[d])
    with pytest.raises(ValueError, match="cycle"):
        depth_levels([1, 0])
    with pytest.raises(ValueError, match="out of range"):
        depth_levels([-1, 5])


def test_component_major_products_match_quat_mul():
    a, b = _quats((3, 7)), _quats((3, 7), 1)  # (J, T, 4)
    a_cm, b_cm = a.transpose(0, 2, 1), b.transpose(0, 2, 1)
    want = quat_mul(a, b)
    assert np.allclose(qmul_cm(a_cm, b_cm).transpose(0, 2, 1), want, atol=1e-14)
    p = _quats((3,), 2)
    assert np.allclose((quat_left_matrix(p)[:, None] @ b[..., None])[..., 0], quat_mul(p[:, None], b), atol=1e-14)
    assert np.allclose((quat_right_matrix(p)[:, None] @ a[..., None])[..., 0], quat_mul(a, p[:, None]), atol=1e-14)


def test_axis_angle_and_chain_match_per_joint_loop():
    rng = np.random.default_rng(3)
    aa = rng.normal(0, 1.5, (9, 55, 3)).astype(np.float32)
    aa[0, :5] = 0.0
    aa[1, 5] = [1e-8, 0, 0]
    q = axis_angle_to_quat_cm(aa)
    assert np.allclose(q.transpose(2, 0, 1), axis_angle_to_quat(aa), atol=1e-15)
    glob = chain_products_cm(q, PARENTS, SMPLX_LEVELS).transpose(2, 0, 1)
    local = quat_to_matrix(axis_angle_to_quat(aa))
    ref = np.empty_like(local)
    for j in range(55):  # the plain definition, one joint at a time
        ref[:, j] = local[:, j] if PARENTS[j] < 0 else ref[:, PARENTS[j]] @ local[:, j]
    assert np.allclose(quat_to_matrix(glob), ref, atol=1e-12)
    assert np.allclose(smplx_global_rotations(aa), ref, atol=1e-12)


def test_canonical_continuous_matches_frame_loop():
    q = _quats((4, 50), 4)  # (J, T, 4), random signs and jumps
    ref = np.where(q[..., :1] < 0, -q, q)
    for t in range(1, q.shape[1]):
        flip = np.sum(ref[:, t] * ref[:, t - 1], axis=-1) < 0
        ref[flip, t] *= -1
    got = canonical_continuous_cm(np.ascontiguousarray(q.transpose(0, 2, 1))).transpose(0, 2, 1)
    assert np.array_equal(got, ref)
    one = canonical_continuous_cm(-np.ones((2, 4, 1)) * 0.5)
    assert np.all(one[:, 0] > 0)


def test_quat_rotate_and_rotation_parts_match_scipy():
    q = _quats((6,), 5)
    v = np.random.default_rng(6).normal(size=(6, 3))
    ref = Rotation.from_quat(q[:, [1, 2, 3, 0]]).apply(v)
    assert np.allclose(quat_rotate(q, v), ref, atol=1e-12)
    r = Rotation.random(5, random_state=7).as_matrix()
    scaled = r * np.array([1.0, 2.0, 0.5, 3.0, 1.0])[:, None, None]
    scaled[4] = r[4] @ np.diag([1.0, 1.0, -1.0])  # a reflection: nearest rotation
    got = rotation_parts(scaled)
    assert np.allclose(got[:4], r[:4], atol=1e-12)
    assert np.allclose(np.linalg.det(got), 1.0) and np.allclose(got @ np.swapaxes(got, -1, -2), np.eye(3), atol=1e-12)
    rot, scale = rotation_and_scale(scaled)
    assert np.array_equal(rot, got) and np.allclose(scale, [1.0, 2.0, 0.5, 3.0, 1.0])


def test_tree_helpers():
    from rigs.tree import is_ancestor, nearest_ancestor, parents_first, subset_levels, with_ancestors

    parents = [2, -1, 1, 0, -1]  # 1 -> 2 -> 0 -> 3; 4 alone
    assert parents_first(parents) == (1, 2, 0, 3, 4)
    assert is_ancestor(1, 3, parents) and is_ancestor(3, 3, parents) and not is_ancestor(3, 3, parents, proper=True)
    assert is_ancestor(2, 3, parents, proper=True) and not is_ancestor(4, 3, parents) and not is_ancestor(3, 1, parents)
    assert nearest_ancestor(3, parents, lambda a: a != 0) == 2 and nearest_ancestor(3, parents, lambda a: a > 5) == -1
    need = with_ancestors([0], parents)
    assert need.tolist() == [True, True, True, False, False]
    assert [lv.tolist() for lv in subset_levels(depth_levels(parents), need)] == [[1], [2], [0], []]


@pytest.mark.parametrize("frames", [0, 1, 2])
def test_retarget_handles_empty_and_single_frame_clips(frames):
    from tests.test_rigs_retarget import make_rig

    rig = make_rig()
    plan = plan_retarget(rig, {n: n for n in rig.names})
    res = retarget(plan, np.zeros((frames, 55, 3), np.float32), np.zeros((frames, 3), np.float32))
    assert res.quats.shape == (frames, len(rig.names), 4) and res.quats.dtype == np.float32
    assert res.root_location.shape == (frames, 3) and res.posed_rot.shape == (frames, len(rig.names), 3, 3)
    assert np.allclose(res.quats, [1.0, 0, 0, 0], atol=1e-6)


def test_posed_quats_are_the_rotations_of_pose_matrices():
    from rigs.retarget_inverse import pose_matrices, posed_quats_cm
    from tests.test_rigs_retarget import make_rig

    rig = make_rig(extra_spine=True)
    basis = {b: _quats((5,), b) for b in range(0, len(rig.names), 2)}
    mats = pose_matrices(rig, basis, None, 5)[..., :3, :3]
    got = quat_to_matrix(posed_quats_cm(rig, basis, 5).transpose(2, 0, 1))
    assert np.allclose(got, mats, atol=1e-12)


def test_sign_continuous_keeps_frame_zero():
    from rigs.kinematics import sign_continuous_cm

    q = _quats((3, 30), 9)
    q[:, 0] = -np.abs(q[:, 0])  # frame 0 with w < 0 stays as it is
    ref = q.copy()
    for t in range(1, q.shape[1]):
        flip = np.sum(ref[:, t] * ref[:, t - 1], axis=-1) < 0
        ref[flip, t] *= -1
    got = sign_continuous_cm(np.ascontiguousarray(q.transpose(0, 2, 1))).transpose(0, 2, 1)
    assert np.array_equal(got, ref)


def test_global_quats_of_a_joint_subset_match_the_full_chain():
    from rigs.smplx_rest import smplx_global_quats_cm
    from rigs.smplx import JOINT_INDEX

    aa = np.random.default_rng(10).normal(0, 0.8, (6, 55, 3))
    full = smplx_global_quats_cm(aa)
    joints = [JOINT_INDEX[n] for n in ("left_wrist", "head", "right_knee")]
    part = smplx_global_quats_cm(aa, joints)
    for j in joints + [JOINT_INDEX["spine3"], 0]:  # the joints and their ancestors
        assert np.array_equal(part[j], full[j])
