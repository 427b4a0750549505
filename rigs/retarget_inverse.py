"""Forward kinematics of a target armature and the inverse of :mod:`rigs.retarget`
(target pose -> SMPL-X), used for body constraints and exports (bpy-free).

Vectorised like :func:`rigs.retarget.retarget`: the target chain is walked one depth level at a
time over all frames (layout of :mod:`rigs.kinematics`), never frame by frame.
"""

from __future__ import annotations

import numpy as np

from .kinematics import (CONJ, chain_products_cm, qmul_cm, quat_left_matrix, quat_right_matrix,
                         rotation_parts)
from .retarget import RetargetPlan, TargetSkeleton
from .rotations import matrix_to_quat, quat_conj, quat_mul, quat_to_axis_angle, quat_to_matrix
from .smplx import NUM_JOINTS, PARENTS
from .tree import depth_levels, subset_levels, with_ancestors

_IDENTITY = np.array([1.0, 0.0, 0.0, 0.0])


def _basis_cm(skel: TargetSkeleton, basis_quats: dict, num_frames: int) -> np.ndarray:
    """``(B, 4, T)`` pose-bone rotations: ``basis_quats[b]`` (normalised), else ``skel.basis_rot``
    or the identity."""
    b_count = len(skel.names)
    const = np.tile(_IDENTITY, (b_count, 1)) if skel.basis_rot is None else matrix_to_quat(
        rotation_parts(skel.basis_rot))
    out = np.empty((b_count, 4, num_frames))
    out[:] = const[:, :, None]
    for b, q in basis_quats.items():
        q = np.asarray(q, np.float64).reshape(num_frames, 4)
        out[b] = (q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), 1e-12)).T
    return out


def posed_quats_cm(skel: TargetSkeleton, basis_quats: dict, num_frames: int) -> np.ndarray:
    """Armature-space rotations of every posed bone (rotation part of ``pose_bone.matrix``), by
    Blender's rule ``pose = parent_pose (parent_rest^-1 rest) basis`` restricted to rotations.

    Args:
        skel: the armature (rest matrices are taken as rotations: their polar rotation part).
        basis_quats: ``{bone_index: (T, 4) wxyz}`` pose-bone rotations (others: ``skel.basis_rot``
            or identity).
        num_frames: ``T``.

    Returns:
        ``(B, 4, T)`` float64 unit quaternions wxyz (layout of :mod:`rigs.kinematics`).
    """
    parents = np.asarray(skel.parents, int)
    rest_q = matrix_to_quat(rotation_parts(np.asarray(skel.rest, np.float64)[:, :3, :3]))
    roots = parents < 0
    rel = np.where(roots[:, None], rest_q, quat_mul(quat_conj(rest_q[np.where(roots, 0, parents)]), rest_q))
    local = quat_left_matrix(rel) @ _basis_cm(skel, basis_quats, num_frames)  # rel * basis
    return chain_products_cm(local, parents)


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
    return skel.world @ armature_pose_matrices(skel, basis_quats, basis_locs, num_frames)


def armature_pose_matrices(skel: TargetSkeleton, basis_quats: dict, basis_locs: dict | None = None,
                           num_frames: int = 1, bones=None) -> np.ndarray:
    """:func:`pose_matrices` in armature space (``pose_bone.matrix``): for every bone
    ``pose = parent_pose @ (parent_rest^-1 @ rest) @ basis``.

    Args:
        basis_quats, basis_locs, num_frames: as in :func:`pose_matrices`.
        bones: optional bone indices; only they and their ancestors are computed, the other rows
            are NaN.

    Returns:
        ``(T, B, 4, 4)`` float64 armature-space posed bone matrices.
    """
    b_count = len(skel.names)
    t = num_frames
    rest = np.asarray(skel.rest, np.float64)
    parents = np.asarray(skel.parents, int)
    levels = depth_levels(parents)
    need = np.ones(b_count, bool) if bones is None else with_ancestors(bones, parents)
    if bones is not None:
        levels = subset_levels(levels, need)
    idx = np.flatnonzero(need)
    col = np.full(b_count, -1)
    col[idx] = np.arange(idx.size)
    # bone-major inside, (n, T, 4, 4) for the needed bones (row col[b] of bone b): each level
    # gathers whole contiguous blocks; every 4x4 product is the one the frame-major layout made
    basis = np.empty((idx.size, t, 4, 4))
    basis[:] = np.eye(4)
    if skel.basis_rot is not None:
        basis[:, :, :3, :3] = np.asarray(skel.basis_rot)[idx][:, None]
    rot = [b for b in basis_quats if need[b]]
    if rot:      # one batched conversion (per element the same arithmetic as bone by bone)
        basis[col[rot], :, :3, :3] = quat_to_matrix(np.stack([np.asarray(basis_quats[b]) for b in rot], axis=0))
    for b, loc in (basis_locs or {}).items():
        if need[b]:
            basis[col[b], :, :3, 3] = loc
    rel = np.where((parents < 0)[:, None, None], rest, np.linalg.inv(rest)[np.where(parents < 0, 0, parents)] @ rest)
    pose = rel[idx][:, None] @ basis   # local = rel @ basis, every needed bone in one product
    for lvl in levels[1:]:
        pose[col[lvl]] = pose[col[parents[lvl]]] @ pose[col[lvl]]
    out = np.empty((t, b_count, 4, 4))
    out[:, ~need] = np.nan
    out[:, idx] = pose.transpose(1, 0, 2, 3)
    return out


def inverse_retarget(plan: RetargetPlan, basis_quats: dict, num_frames: int) -> np.ndarray:
    """Map target pose-bone rotations back to SMPL-X axis-angles (the inverse of :func:`retarget`).

    Args:
        basis_quats: ``{bone_index: (T, 4) wxyz}`` rotations of the target's bones (missing = rest).
        num_frames: ``T``.

    Returns:
        ``(T, 55, 3)`` float32 axis-angle; SMPL-X joints without a bone get the identity relative to
        their parent (their rotation stays in the mapped descendant).
    """
    posed = posed_quats_cm(plan.skeleton, basis_quats, num_frames)
    mapped = np.asarray(plan.mapped, int)
    return _inverse_cm(plan, np.ones(len(mapped), bool), posed[mapped], num_frames)


def inverse_from_posed(plan: RetargetPlan, posed_rot: dict, num_frames: int) -> np.ndarray:
    """SMPL-X axis-angles ``(T, 55, 3)`` float32 from the mapped bones' posed armature-space
    rotations ``{bone_index: (T, 3, 3)}`` (e.g. read from Blender's evaluated ``pose_bone.matrix``,
    constraints included). Joints without a bone get the identity relative to their parent."""
    have = np.array([int(b) in posed_rot for b in plan.mapped], bool)
    if not have.any():
        return np.zeros((num_frames, NUM_JOINTS, 3), np.float32)
    mats = np.stack([np.asarray(posed_rot[int(b)], np.float64) for b in plan.mapped[have]], axis=0)  # (n, T, 3, 3)
    return _inverse_cm(plan, have, matrix_to_quat(mats).transpose(0, 2, 1), num_frames)


def _inverse_cm(plan: RetargetPlan, have: np.ndarray, posed: np.ndarray, num_frames: int) -> np.ndarray:
    """Core of the inverse: ``posed`` ``(n, 4, T)`` armature-space rotations of the mapped bones
    flagged in ``have`` ``(M,)`` -> ``(T, 55, 3)`` float32 axis-angle.

    Per mapped joint ``G_j = C^T arm W_k (Q_k arm R_rest_k)^T C`` (one batched 4x4 product); joints
    without a bone copy their parent's global rotation; ``L_j = G_parent^T G_j`` for all joints at once."""
    skel = plan.skeleton
    mapped = np.asarray(plan.mapped, int)[have]
    joints = np.asarray(plan.joints, int)[have]
    arm_rot = rotation_parts(skel.world[:3, :3])
    rest_rot = rotation_parts(np.asarray(skel.rest, np.float64)[mapped, :3, :3])
    c = plan.frame
    qc = matrix_to_quat(c)
    left = quat_mul(quat_conj(qc), matrix_to_quat(arm_rot))
    right = quat_mul(quat_conj(matrix_to_quat(rotation_parts(plan.q[have] @ arm_rot @ rest_rot))), qc)
    glob_mapped = (quat_left_matrix(left) @ quat_right_matrix(right)) @ posed  # (n, 4, T)
    n = len(joints)
    slot = {int(j): k for k, j in enumerate(joints)}
    src = np.full(NUM_JOINTS, n, int)  # index into glob_mapped (+ identity at n)
    for j in range(NUM_JOINTS):  # SMPL-X order is parents-first
        src[j] = slot.get(j, src[PARENTS[j]] if PARENTS[j] >= 0 else n)
    g_ext = np.concatenate([glob_mapped, np.broadcast_to(_IDENTITY[:, None], (1, 4, num_frames))], axis=0)
    glob = g_ext[src]  # (55, 4, T)
    par = np.array([src[p] if p >= 0 else n for p in PARENTS])
    local = qmul_cm(g_ext[par] * CONJ, glob)
    return quat_to_axis_angle(local.transpose(2, 0, 1)).astype(np.float32)


def inverse_translation(plan: RetargetPlan, root_location: np.ndarray) -> np.ndarray:
    """Root-bone ``location`` ``(T, 3)`` -> SMPL-X ``transl`` ``(T, 3)`` float32 metres relative to
    the rest position (the inverse of the translation part of :func:`retarget`)."""
    skel = plan.skeleton
    arm_rot = rotation_parts(skel.world[:3, :3])
    rest_rot = rotation_parts(skel.rest[plan.root][:3, :3])
    delta_world = np.asarray(root_location, np.float64) @ (arm_rot @ rest_rot).T
    return (delta_world @ plan.frame / plan.scale).astype(np.float32)
