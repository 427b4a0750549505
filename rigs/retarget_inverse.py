"""Forward kinematics of a target armature and the inverse of :mod:`rigs.retarget`
(target pose -> SMPL-X), used for body constraints and exports (bpy-free)."""

from __future__ import annotations

import numpy as np

from .retarget import RetargetPlan, TargetSkeleton, _rot_part, _topo_order
from .rotations import matrix_to_quat, quat_to_axis_angle, quat_to_matrix
from .smplx import NUM_JOINTS, PARENTS


def pose_matrices(skel: TargetSkeleton, basis_quats: dict, basis_locs: dict | None = None,
                  num_frames: int = 1) -> np.ndarray:
    """Forward kinematics of the target (Blender's rule), for checks and inverse mapping.

    Args:
        basis_quats: ``{bone_index: (T, 4) wxyz}`` pose-bone rotations (others: ``skel.basis_rot``
            or identity).
        basis_locs: ``{bone_index: (T, 3)}`` pose-bone locations (others zero).

    Returns:
        ``(T, B, 4, 4)`` world-space posed bone matrices (``matrix_world @ pose_bone.matrix``).
    """
    b_count = len(skel.names)
    t = num_frames
    rest = np.asarray(skel.rest, np.float64)
    out = np.empty((t, b_count, 4, 4))
    for b in _topo_order(skel.parents):
        basis = np.broadcast_to(np.eye(4), (t, 4, 4)).copy()
        if b in basis_quats:
            basis[:, :3, :3] = quat_to_matrix(basis_quats[b])
        elif skel.basis_rot is not None:
            basis[:, :3, :3] = skel.basis_rot[b]
        if basis_locs and b in basis_locs:
            basis[:, :3, 3] = basis_locs[b]
        p = skel.parents[b]
        if p < 0:
            out[:, b] = rest[b] @ basis
        else:
            out[:, b] = out[:, p] @ (np.linalg.inv(rest[p]) @ rest[b]) @ basis
    return skel.world @ out


def inverse_retarget(plan: RetargetPlan, basis_quats: dict, num_frames: int) -> np.ndarray:
    """Map target pose-bone rotations back to SMPL-X axis-angles (the inverse of :func:`retarget`).

    Args:
        basis_quats: ``{bone_index: (T, 4) wxyz}`` rotations of the target's bones (missing = rest).
        num_frames: ``T``.

    Returns:
        ``(T, 55, 3)`` float32 axis-angle; SMPL-X joints without a bone get the identity relative to
        their parent (their rotation stays in the mapped descendant).
    """
    skel = plan.skeleton
    mats = pose_matrices(skel, basis_quats, None, num_frames)
    arm_inv = np.linalg.inv(skel.world)
    posed = {int(b): np.array([_rot_part(m)[0] for m in (arm_inv @ mats[:, b])[:, :3, :3]]) for b in plan.mapped}
    return inverse_from_posed(plan, posed, num_frames)


def inverse_from_posed(plan: RetargetPlan, posed_rot: dict, num_frames: int) -> np.ndarray:
    """SMPL-X axis-angles ``(T, 55, 3)`` float32 from the mapped bones' posed armature-space
    rotations ``{bone_index: (T, 3, 3)}`` (e.g. read from Blender's evaluated ``pose_bone.matrix``,
    constraints included). Joints without a bone get the identity relative to their parent."""
    skel = plan.skeleton
    arm_rot, _ = _rot_part(skel.world[:3, :3])
    rest_rot = np.array([_rot_part(m[:3, :3])[0] for m in skel.rest])
    c = plan.frame
    glob = np.broadcast_to(np.eye(3), (num_frames, NUM_JOINTS, 3, 3)).copy()
    have = {}
    for b, j, q in zip(plan.mapped, plan.joints, plan.q):
        if int(b) not in posed_rot:
            continue
        world_rot = arm_rot @ posed_rot[int(b)]
        delta = world_rot @ (q @ arm_rot @ rest_rot[b]).T
        have[int(j)] = c.T @ delta @ c
    for j in range(NUM_JOINTS):
        if j in have:
            glob[:, j] = have[j]
        elif PARENTS[j] >= 0:
            glob[:, j] = glob[:, PARENTS[j]]
    local = np.empty_like(glob)
    for j in range(NUM_JOINTS):
        p = PARENTS[j]
        local[:, j] = glob[:, j] if p < 0 else np.swapaxes(glob[:, p], -1, -2) @ glob[:, j]
    return quat_to_axis_angle(matrix_to_quat(local)).astype(np.float32)


def inverse_translation(plan: RetargetPlan, root_location: np.ndarray) -> np.ndarray:
    """Root-bone ``location`` ``(T, 3)`` -> SMPL-X ``transl`` ``(T, 3)`` float32 metres relative to
    the rest position (the inverse of the translation part of :func:`retarget`)."""
    skel = plan.skeleton
    arm_rot, _ = _rot_part(skel.world[:3, :3])
    rest_rot = _rot_part(skel.rest[plan.root][:3, :3])[0]
    delta_world = np.asarray(root_location, np.float64) @ (arm_rot @ rest_rot).T
    return (delta_world @ plan.frame / plan.scale).astype(np.float32)
