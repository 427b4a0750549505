"""Rest-pose-aware SMPL-X retargeting math, checked in world space and against scipy."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from rigs.retarget import (DIRECTION_CHILD, RetargetError, TargetSkeleton, plan_retarget, retarget, shortest_arc,
                           SMPLX_TO_BLENDER)
from rigs.retarget_inverse import inverse_retarget, pose_matrices
from rigs.smplx import JOINT_INDEX, JOINT_NAMES, PARENTS
from rigs.smplx_rest import forward_kinematics, rest_joint_positions, smplx_global_rotations

BODY = ("pelvis", "spine1", "spine2", "spine3", "neck", "head", "left_hip", "right_hip", "left_knee",
        "right_knee", "left_ankle", "right_ankle", "left_collar", "right_collar", "left_shoulder",
        "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist")


def _bone_matrix(head, y_dir, roll):
    y = y_dir / np.linalg.norm(y_dir)
    ref = np.array([0, 0, 1.0]) if abs(y[2]) < 0.9 else np.array([1.0, 0, 0])
    x = np.cross(y, ref)
    x /= np.linalg.norm(x)
    z = np.cross(x, y)
    r = Rotation.from_rotvec(y * roll).as_matrix() @ np.stack([x, y, z], 1)
    m = np.eye(4)
    m[:3, :3] = r
    m[:3, 3] = head
    return m


def make_rig(joints=BODY, a_pose_deg=0.0, seed=0, world=None, rename=lambda n: n, extra_spine=False,
             size=1.0):
    """A target armature built from the SMPL-X rest skeleton (Blender axes), with random rolls,
    optional A-pose arms, an extra unmapped bone, an object transform."""
    rng = np.random.default_rng(seed)
    pos = rest_joint_positions().astype(np.float64) @ SMPLX_TO_BLENDER.T * size
    for side, sx in (("left", 1), ("right", -1)):
        sh = pos[JOINT_INDEX[f"{side}_shoulder"]].copy()
        rot = Rotation.from_rotvec([0, -sx * np.radians(a_pose_deg), 0])  # arms down about the forward axis
        for n in ("elbow", "wrist"):
            i = JOINT_INDEX[f"{side}_{n}"]
            pos[i] = sh + rot.apply(pos[i] - sh)
    names, parents, rest = [], [], []
    idx = {}
    for j in joints:
        ji = JOINT_INDEX[j]
        child = DIRECTION_CHILD.get(j)
        d = pos[JOINT_INDEX[child]] - pos[ji] if child in joints else np.array([0, 0, 1.0])
        p = PARENTS[ji]
        while p >= 0 and JOINT_NAMES[p] not in idx:
            p = PARENTS[p]
        parent = idx[JOINT_NAMES[p]] if p >= 0 else -1
        if extra_spine and j == "spine2":  # an unmapped bone between spine1 and spine2
            names.append("Extra")
            parents.append(parent)
            rest.append(_bone_matrix(0.5 * (pos[ji] + pos[PARENTS[ji]]), np.array([0, 0.2, 1.0]), 0.3))
            parent = len(names) - 1
        idx[j] = len(names)
        names.append(rename(j))
        parents.append(parent)
        rest.append(_bone_matrix(pos[ji], d, rng.uniform(-np.pi, np.pi)))
    w = np.eye(4) if world is None else world
    return TargetSkeleton(tuple(names), tuple(parents), np.array(rest), w)


def _poses(t=6, seed=1, scale=0.5):
    rng = np.random.default_rng(seed)
    p = rng.normal(0, scale, (t, 55, 3)).astype(np.float32)
    p[:, 0] *= 0.5
    return p


def _angles_deg(rig, bone_map, res, poses, pairs):
    """World-space angle between target and source segment directions for (joint, child) pairs."""
    idx = {n: i for i, n in enumerate(rig.names)}
    quats = {idx[n]: res.quats[:, k] for k, n in enumerate(res.bone_names)}
    mats = pose_matrices(rig, quats, None, poses.shape[0])
    src = forward_kinematics(poses) @ SMPLX_TO_BLENDER.T
    out = {}
    for a, b in pairs:
        td = mats[:, idx[bone_map[b]], :3, 3] - mats[:, idx[bone_map[a]], :3, 3]
        sd = src[:, JOINT_INDEX[b]] - src[:, JOINT_INDEX[a]]
        if rig.world is not None:
            sd = sd @ _rot(rig.world).T
        cos = np.sum(td * sd, -1) / np.linalg.norm(td, axis=-1) / np.linalg.norm(sd, axis=-1)
        out[(a, b)] = np.degrees(np.arccos(np.clip(cos, -1, 1))).max()
    return out


def _rot(world):
    u, _, vt = np.linalg.svd(world[:3, :3])
    return u @ vt


PAIRS = [("left_shoulder", "left_elbow"), ("left_elbow", "left_wrist"), ("right_shoulder", "right_elbow"),
         ("right_elbow", "right_wrist"), ("neck", "head"), ("left_hip", "left_knee"), ("spine1", "spine3")]


@pytest.mark.parametrize("a_pose", [0.0, 40.0])
@pytest.mark.parametrize("turned", [False, True])
def test_directions_follow_source_in_world_space(a_pose, turned):
    world = np.eye(4)
    if turned:  # armature object turned 90 deg about Z, scaled 2x, moved
        world[:3, :3] = Rotation.from_rotvec([0, 0, np.pi / 2]).as_matrix() * 2.0
        world[:3, 3] = [1, 2, 0]
    rig = make_rig(a_pose_deg=a_pose, world=world, rename=lambda n: "B_" + n, extra_spine=True)
    bone_map = {j: "B_" + j for j in BODY}
    poses = _poses()
    res = retarget(plan_retarget(rig, bone_map), poses)
    errs = _angles_deg(rig, bone_map, res, poses, PAIRS)
    assert max(errs.values()) < 0.5, errs


def test_without_rest_alignment_an_a_pose_rig_keeps_its_offset():
    rig = make_rig(a_pose_deg=40.0)
    bone_map = {j: j for j in BODY}
    poses = np.zeros((1, 55, 3), np.float32)
    res = retarget(plan_retarget(rig, bone_map, align_rest=False), poses)
    assert np.allclose(np.abs(res.quats[..., 0]), 1.0, atol=1e-6)  # rest maps to rest
    errs = _angles_deg(rig, bone_map, res, poses, PAIRS[:1])
    assert errs[PAIRS[0]] == pytest.approx(40.0, abs=3.0)


def test_identity_rig_gives_source_local_rotations_and_matches_scipy():
    """On an SMPL-X-shaped rig with identity rest frames (Blender axes) the local quaternions are
    the SMPL-X axis-angles turned into Blender axes: checked against scipy Rotation."""
    names = JOINT_NAMES
    pos = rest_joint_positions().astype(np.float64) @ SMPLX_TO_BLENDER.T
    rest = np.tile(np.eye(4), (55, 1, 1))
    rest[:, :3, 3] = pos
    rig = TargetSkeleton(names, PARENTS, rest, np.eye(4))
    poses = _poses(t=4)
    res = retarget(plan_retarget(rig, {n: n for n in names}, align_rest=False), poses)
    c = Rotation.from_matrix(SMPLX_TO_BLENDER)
    for k, n in enumerate(res.bone_names):
        j = JOINT_INDEX[n]
        expect = (c * Rotation.from_rotvec(poses[:, j]) * c.inv()).as_quat()  # xyzw
        got = res.quats[:, k][:, [1, 2, 3, 0]]
        dots = np.abs(np.sum(expect * got, -1))
        assert np.all(dots > 1 - 1e-5), n


def test_inverse_recovers_poses_of_mapped_joints():
    rig = make_rig(a_pose_deg=30.0, seed=3)
    bone_map = {j: j for j in BODY}
    poses = _poses(t=5, seed=4)
    plan = plan_retarget(rig, bone_map)
    res = retarget(plan, poses)
    idx = {n: i for i, n in enumerate(rig.names)}
    back = inverse_retarget(plan, {idx[n]: res.quats[:, k] for k, n in enumerate(res.bone_names)}, 5)
    g_src = smplx_global_rotations(poses)
    g_back = smplx_global_rotations(back)
    for j in BODY:
        i = JOINT_INDEX[j]
        d = Rotation.from_matrix(g_src[:, i]).inv() * Rotation.from_matrix(g_back[:, i])
        assert np.degrees(d.magnitude()).max() < 0.1, j


def test_translation_scaled_by_hip_height_into_root_bone_space():
    world = np.eye(4)
    world[:3, :3] *= 0.01  # cm-scaled FBX-style armature object
    rig = make_rig(size=200.0, world=world)  # 2x taller character in 0.01 m units
    plan = plan_retarget(rig, {j: j for j in BODY})
    assert plan.scale == pytest.approx(200.0, rel=1e-6)
    transl = np.array([[0, 0, 0], [0.1, 0, 0], [0, 0, 0.2]], np.float32) + [0.5, 1.3, -2.0]
    res = retarget(plan, np.zeros((3, 55, 3), np.float32), transl)
    root = rig.names.index("pelvis")
    mats = pose_matrices(rig, {}, {root: res.root_location}, 3)
    moved = mats[:, root, :3, 3] - mats[0, root, :3, 3]
    # 0.1 m to the subject's left (+X Blender) and 0.2 m forward (-Y), times 2 (taller character)
    assert np.allclose(moved[1], [0.2, 0, 0], atol=1e-6) and np.allclose(moved[2], [0, -0.4, 0], atol=1e-6)


def test_translation_origin_rest_keeps_constant_offset_first_frame_cancels_it():
    world = np.eye(4)
    world[:3, :3] *= 0.01
    rig = make_rig(size=200.0, world=world)  # 2x SMPL-X's hip height, cm units
    plan = plan_retarget(rig, {j: j for j in BODY})
    drop = np.zeros((4, 3), np.float32)
    drop[:, 1] = -0.3  # a seated pelvis: 0.3 m below rest on every frame
    drop[2, 0] = 0.05  # and one frame 5 cm to the subject's left
    poses = np.zeros((4, 55, 3), np.float32)
    root = rig.names.index("pelvis")
    rest_head = pose_matrices(rig, {}, {}, 1)[0, root, :3, 3]

    def moved(origin):
        loc = retarget(plan, poses, drop, transl_origin=origin).root_location
        return pose_matrices(rig, {}, {root: loc}, 4)[:, root, :3, 3] - rest_head

    rest = moved("rest")  # SMPL-X +Y (up) -> Blender +Z, x2 for the taller character
    assert np.allclose(rest[:, 2], -0.6, atol=1e-6) and np.allclose(rest[2, 0], 0.1, atol=1e-6)
    first = moved("first_frame")  # the constant drop cancels: frame 0 stays at rest
    assert np.allclose(first[:, 2], 0.0, atol=1e-6) and np.allclose(first[2, 0], 0.1, atol=1e-6)
    default = retarget(plan, poses, drop).root_location  # the default stays frame-0 relative
    assert np.array_equal(default, retarget(plan, poses, drop, transl_origin="first_frame").root_location)
    with pytest.raises(ValueError, match="transl_origin.*'rest', 'first_frame'.*'world'"):
        retarget(plan, poses, drop, transl_origin="world")


def test_errors_name_the_problem():
    rig = make_rig(joints=("pelvis", "spine1", "spine2", "spine3", "neck", "head"))
    with pytest.raises(RetargetError, match="not a humanoid.*left_shoulder"):
        plan_retarget(rig, {j: j for j in rig.names})
    with pytest.raises(RetargetError, match="not SMPL-X joint names"):
        plan_retarget(rig, {"hips": "pelvis"})
    with pytest.raises(RetargetError, match="not in the armature"):
        plan_retarget(rig, {"pelvis": "nope"})
    full = make_rig()
    with pytest.raises(RetargetError, match="more than one"):
        plan_retarget(full, {**{j: j for j in BODY}, "neck": "head"})


def test_shortest_arc_matches_scipy_align_vectors():
    rng = np.random.default_rng(0)
    for _ in range(20):
        a, b = rng.normal(size=3), rng.normal(size=3)
        m = shortest_arc(a, b)
        assert np.allclose(m @ (a / np.linalg.norm(a)), b / np.linalg.norm(b), atol=1e-9)
        r, _ = Rotation.align_vectors([b], [a])
        assert np.allclose(m, r.as_matrix(), atol=1e-6)
    m = shortest_arc(np.array([1.0, 0, 0]), np.array([-1.0, 0, 0]))
    assert np.allclose(m @ [1, 0, 0], [-1, 0, 0])


def test_inverse_translation():
    from rigs.retarget_inverse import inverse_translation

    world = np.eye(4)
    world[:3, :3] = Rotation.from_rotvec([0, 0, 0.7]).as_matrix() * 0.01
    rig = make_rig(size=150.0, world=world)
    plan = plan_retarget(rig, {j: j for j in BODY})
    transl = np.random.default_rng(2).normal(0, 0.3, (6, 3)).astype(np.float32)
    res = retarget(plan, np.zeros((6, 55, 3), np.float32), transl)
    np.testing.assert_allclose(inverse_translation(plan, res.root_location), transl - transl[0], atol=1e-5)
