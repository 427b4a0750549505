"""Keys an artist set on a Rigify metarig (three retargeted gesture poses at frames 11, 15, 19) read
back as SMPL-X body constraints (``targets_body.read_body_constraints``)."""

import scenario  # noqa: I001  (first: sets sys.path)

import numpy as np

import rigs_fixtures as rf
from speech_animator.addon.targets_body import read_body_constraints, resolve_bone_map, skeleton_of
from speech_animator.rigs.retarget import plan_retarget, retarget
from speech_animator.rigs.smplx import JOINT_INDEX
from speech_animator.rigs.smplx_rest import smplx_global_rotations

arm = rf.load_rig("rigify", scenario.CHARS)
bmap, _ = resolve_bone_map(arm)
poses = rf.test_poses(num_random=2)[2:5]  # 3 gesture poses
r = retarget(plan_retarget(skeleton_of(arm), bmap), poses)
for f in range(3):  # the artist keys them at frames 11, 15, 19
    for k, name in enumerate(r.bone_names):
        pb = arm.pose.bones[name]
        pb.rotation_mode = "QUATERNION"
        pb.rotation_quaternion = r.quats[f, k].tolist()
        pb.keyframe_insert("rotation_quaternion", frame=11 + 4 * f)
c = read_body_constraints(arm, 10, 12, 30.0)
g_src = smplx_global_rotations(poses)
g_got = smplx_global_rotations(c.poses[[1, 5, 9]])
err = []
for name in ("left_shoulder", "right_elbow", "head", "spine3", "left_hip"):
    j = JOINT_INDEX[name]
    d = np.einsum("fij,fik->fjk", g_src[:, j], g_got[:, j])
    err.append(float(np.degrees(np.arccos(np.clip((np.trace(d, axis1=1, axis2=2) - 1) / 2, -1, 1))).max()))
scenario.emit({"mask_frames": np.flatnonzero(c.mask.any(axis=1)).tolist(), "err": max(err),
               "masked_joints": int(c.mask[1].sum()), "fps": c.fps, "shape": list(c.poses.shape)})
scenario.finish()
