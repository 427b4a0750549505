"""Rest-pose-aware retargeting of SMPL-X rotations onto an arbitrary armature (bpy-free).

Inputs come from Blender as plain arrays (:class:`TargetSkeleton`: bone names, parents, each
bone's rest matrix ``bone.matrix_local`` in armature space and the armature object's
``matrix_world``), so all the math is testable without Blender.

Method (world-space delta transfer, not name copying):

1. **Axes.** SMPL-X uses +Y up, +Z forward, +X = subject's left. The target's *character frame*
   ``C`` (3x3, columns = the character's left, up and forward in Blender world space) is measured
   from its rest pose: left = left hip/shoulder minus right, up = world +Z made orthogonal to it,
   forward = left x up (:func:`character_frame`). A Blender character facing -Y gives ``C = [[1,0,0],[0,0,-1],[0,1,0]]``. A SMPL-X
   world rotation ``G`` becomes ``C G C^T`` in Blender world space.
2. **Delta from rest.** SMPL-X's rest pose has identity joint frames, so a joint's global rotation
   ``G_j`` (product of the parent chain's axis-angles) *is* its rotation relative to rest. The
   mapped target bone's posed world rotation is ``W_b = (C G_j C^T) Q_b W_b^rest``.
3. **Rest alignment** ``Q_b`` (``align_rest=True``, default): the shortest rotation taking the
   target bone's rest direction (its head to the head of the next mapped bone down the chain,
   e.g. upper arm -> forearm) onto the SMPL-X rest direction of the same segment. With it the
   target's segments point where the source's point (an A-pose rig raises its arms to follow a
   T-pose source). Without it (``align_rest=False``) rest maps to rest: an A-pose character keeps
   its arms ~45 deg lower than the source throughout. Bones with no mapped child (hands without
   fingers) inherit their parent's ``Q``; the head keeps ``Q = I`` (both rest heads are upright).
   Twist about the segment is not corrected. When SMPL-X joints between two mapped bones have no
   bone (a rig without ``spine2`` or wrists), the upper bone is additionally swung, per frame, onto
   the source's posed direction to the next mapped joint, so the segment still points where the
   source's does (the skipped joints' rotation is folded into it).
4. **Local rotations.** Blender composes ``pose = parent_pose @ (parent_rest^-1 @ rest) @ basis``,
   so the bone's ``rotation_quaternion`` is ``R_rest^T R_parent_rest R_parent_pose^T R_pose``
   (armature space, rotation parts), with the parent's *posed* rotation. Unmapped bones keep the
   identity, so a missing SMPL-X joint's rotation is folded into the next mapped descendant
   (world rotations are absolute), and extra target bones between mapped ones just carry along.
   Bone roll does not matter: it is part of ``R_rest``.
5. **Translation.** The root bone (the bone mapped to ``pelvis``, or its nearest ancestor that
   also carries the mapped thighs, e.g. RobotExpressive's ``Body``) moves by
   ``scale * C (transl(t) - origin)`` (metres -> target units), ``origin`` being zeros when the
   translation is relative to the SMPL-X rest pose (``transl_origin="rest"``, generated motion:
   a constant seat drop stays) or frame 0 (``"first_frame"``, mocap world placements), with ``scale`` the ratio of the
   target's hip height to SMPL-X's (rest pelvis above the lower ankle), expressed in the root bone's
   rest frame (``pose.bones[root].location``); assumes the root's ancestors are not animated.

Limitations: ``inherit_rotation``/``inherit_scale`` flags other than Blender's defaults and
non-uniform bone scale are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .kinematics import (CONJ, canonical_continuous_cm, chain_positions, qmul_cm, quat_left_matrix,
                         quat_right_matrix, quat_rotate, rotation_and_scale, rotation_parts)
from .rotations import axis_angle_to_quat, matrix_to_quat, quat_mul, quat_to_matrix
from .smplx import JOINT_INDEX, JOINT_NAMES, NUM_JOINTS, PARENTS, TRANSL_ORIGINS
from .smplx_rest import SMPLX_LEVELS, rest_joint_positions, smplx_global_quats_cm
from .tree import is_ancestor, nearest_ancestor, parents_first, subset_levels, with_ancestors

#: The next joint down each chain that defines a joint's segment direction.
DIRECTION_CHILD: dict[str, str] = {
    "pelvis": "spine1", "spine1": "spine2", "spine2": "spine3", "spine3": "neck", "neck": "head",
    **{f"{s}_{a}": f"{s}_{b}" for s in ("left", "right") for a, b in (
        ("collar", "shoulder"), ("shoulder", "elbow"), ("elbow", "wrist"), ("wrist", "middle1"),
        ("hip", "knee"), ("knee", "ankle"), ("ankle", "foot"),
        ("index1", "index2"), ("index2", "index3"), ("middle1", "middle2"), ("middle2", "middle3"),
        ("pinky1", "pinky2"), ("pinky2", "pinky3"), ("ring1", "ring2"), ("ring2", "ring3"),
        ("thumb1", "thumb2"), ("thumb2", "thumb3"))},
}

#: Joints an armature must map to count as a humanoid.
CORE_JOINTS: tuple[str, ...] = ("pelvis", "head", "left_shoulder", "right_shoulder",
                                "left_elbow", "right_elbow")

#: SMPL-X -> Blender world for a character facing -Y (Z up): x -> x, y -> z, z -> -y.
SMPLX_TO_BLENDER: np.ndarray = np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]])


class RetargetError(ValueError):
    """The armature or bone map cannot be used (message names what is wrong and the choices)."""


@dataclass(frozen=True)
class TargetSkeleton:
    """A target armature as plain arrays.

    Attributes:
        names: bone names ``(B,)``.
        parents: parent index per bone, ``-1`` for roots (any order).
        rest: ``(B, 4, 4)`` float64 ``bone.matrix_local`` (rest, armature space, Y along the bone).
        world: ``(4, 4)`` float64 armature object ``matrix_world``.
        basis_rot: optional ``(B, 3, 3)`` current pose-bone rotations (``matrix_basis``); bones the
            map does not drive keep them (default identity).
    """

    names: tuple
    parents: tuple
    rest: np.ndarray
    world: np.ndarray
    basis_rot: np.ndarray | None = None

    def index(self, name: str) -> int:
        """Bone index of ``name``. Raises RetargetError listing some bone names."""
        try:
            return self.names.index(name)
        except ValueError:
            raise RetargetError(f"bone {name!r} not in the armature; bones: {list(self.names)[:12]}...") from None


@dataclass(frozen=True)
class RetargetPlan:
    """Precomputed per-armature data (see module docstring). ``mapped``: ``(M,)`` bone indices;
    ``joints``: ``(M,)`` SMPL-X joint indices; ``q``: ``(M, 3, 3)`` rest alignment; ``frame``: C;
    ``scale``: target units per metre of SMPL-X translation (already divided by object scale);
    ``root``: bone index moved by translation or -1; ``order``: bones parents-first;
    ``swing_child``: ``(M,)`` SMPL-X joint whose posed direction the bone is swung onto when
    unmapped joints were skipped (-1: none); ``rest_dirs``: ``(M, 3)`` target rest directions
    (world, unit); ``source_positions``: ``(55, 3)`` SMPL-X rest positions used."""

    skeleton: TargetSkeleton
    mapped: np.ndarray
    joints: np.ndarray
    q: np.ndarray
    frame: np.ndarray
    scale: float
    root: int
    order: tuple
    warnings: tuple
    swing_child: np.ndarray | None = None
    rest_dirs: np.ndarray | None = None
    source_positions: np.ndarray | None = None


@dataclass(frozen=True)
class RetargetResult:
    """Per-frame pose of the mapped bones.

    Attributes:
        bone_names: ``(M,)`` names of the bones that get rotation channels.
        quats: ``(T, M, 4)`` float32 wxyz ``rotation_quaternion`` values (sign-continuous in time).
        root_bone: name of the bone whose ``location`` is animated, ``""`` if none.
        root_location: ``(T, 3)`` float32 ``pose.bones[root_bone].location`` or ``None``.
        warnings: user-facing notes (missing bones, dropped joints).
        posed_quat: ``(T, M, 4)`` float64 wanted armature-space rotations of the mapped bones as
            wxyz quaternions (for rigs whose parents are driven by constraints: see
            ``addon.targets_body``); :attr:`posed_rot` gives them as ``(T, M, 3, 3)`` matrices.
    """

    bone_names: tuple
    quats: np.ndarray
    root_bone: str
    root_location: np.ndarray | None
    warnings: tuple
    posed_quat: np.ndarray | None = None

    @property
    def posed_rot(self) -> np.ndarray | None:
        """``(T, M, 3, 3)`` float64 wanted armature-space rotations of the mapped bones (computed
        on access from :attr:`posed_quat`; index ``posed_quat`` first when only some frames are
        needed)."""
        return None if self.posed_quat is None else quat_to_matrix(self.posed_quat)


def shortest_arc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """3x3 rotation taking unit direction ``a`` to ``b`` by the smallest angle."""
    a = a / np.linalg.norm(a)
    b = b / np.linalg.norm(b)
    v = np.cross(a, b)
    c = float(np.dot(a, b))
    if c < -1.0 + 1e-9:  # opposite: rotate pi about any axis orthogonal to a
        axis = np.cross(a, [1.0, 0, 0])
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, [0, 1.0, 0])
        return quat_to_matrix(axis_angle_to_quat(axis / np.linalg.norm(axis) * np.pi))
    vx = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + vx + vx @ vx / (1.0 + c)


def shortest_arc_batch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(T, 3, 3)`` rotations taking directions ``a`` (T, 3) to ``b`` (T, 3) by the smallest
    angle (for nearly opposite vectors the result is clamped: accurate to ~1e-3 rad)."""
    a = a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-12)
    v = np.cross(a, b)
    c = np.maximum(np.sum(a * b, axis=-1), -1.0 + 1e-6)
    z = np.zeros_like(c)
    vx = np.stack([np.stack([z, -v[:, 2], v[:, 1]], -1), np.stack([v[:, 2], z, -v[:, 0]], -1),
                   np.stack([-v[:, 1], v[:, 0], z], -1)], axis=-2)
    return np.eye(3) + vx + vx @ vx / (1.0 + c)[:, None, None]


def character_frame(skel: TargetSkeleton, bone_map: dict, up_axis=(0.0, 0.0, 1.0)) -> np.ndarray:
    """The rotation ``C`` taking SMPL-X axes to the target's world axes (columns: the character's
    left, up and forward in Blender world space).

    Left = mean direction from the mapped right to left hips / shoulders / collars; up = Blender's
    world up (``up_axis``, +Z) made orthogonal to it, so a rig whose spine leans in its rest pose
    still stands upright (SMPL-X's up is its +Y); forward = left x up. When left is (nearly)
    parallel to ``up_axis`` (a lying character), up is taken from pelvis -> head instead. Falls
    back to :data:`SMPLX_TO_BLENDER` when hips/shoulders are not mapped.
    """
    heads = rest_world_heads(skel)

    def p(j):
        return heads[skel.index(bone_map[j])] if j in bone_map else None

    lefts = [p(f"left_{k}") - p(f"right_{k}") for k in ("hip", "shoulder", "collar")
             if p(f"left_{k}") is not None and p(f"right_{k}") is not None]
    lefts = [v / np.linalg.norm(v) for v in lefts if np.linalg.norm(v) > 1e-9]
    if not lefts:
        return SMPLX_TO_BLENDER.copy()
    x = np.sum(lefts, axis=0)
    x /= np.linalg.norm(x)
    y = np.asarray(up_axis, np.float64)
    if abs(np.dot(x, y)) > 0.9:
        top = next((p(j) for j in ("head", "neck", "spine3") if p(j) is not None), None)
        if top is None or p("pelvis") is None:
            return SMPLX_TO_BLENDER.copy()
        y = top - p("pelvis")
    y = y - np.dot(y, x) * x
    if np.linalg.norm(y) < 1e-9:
        return SMPLX_TO_BLENDER.copy()
    y /= np.linalg.norm(y)
    return np.stack([x, y, np.cross(x, y)], axis=1)


def rest_world_heads(skel: TargetSkeleton) -> np.ndarray:
    """``(B, 3)`` world positions of the bones' heads at rest."""
    heads = skel.rest[:, :3, 3]
    return heads @ skel.world[:3, :3].T + skel.world[:3, 3]


def plan_retarget(skel: TargetSkeleton, bone_map: dict, align_rest: bool = True,
                  source_positions: np.ndarray | None = None, position_map: dict | None = None) -> RetargetPlan:
    """Prepare retargeting for one armature.

    Args:
        skel: the target armature.
        bone_map: ``{smplx_joint_name: bone_name}``; joints not listed are not transferred.
        align_rest: rotate each bone's rest direction onto SMPL-X's (see module docstring).
        source_positions: ``(55, 3)`` SMPL-X rest positions (default :func:`rest_joint_positions`).
        position_map: ``{smplx_joint: bone}`` whose rest heads stand for the joints' positions when
            the animated bones are controls placed elsewhere (a generated Rigify rig's ``DEF-``
            bones); default: the mapped bones themselves.

    Raises:
        RetargetError: unknown joint or bone names, a bone used twice, or a non-humanoid map
            (one of :data:`CORE_JOINTS` unmapped; the message lists what is missing).
    """
    bad = [j for j in bone_map if j not in JOINT_INDEX]
    if bad:
        raise RetargetError(f"bone map: {bad} are not SMPL-X joint names; expected names from rigs.smplx.JOINT_NAMES")
    bone_map = {j: b for j, b in bone_map.items() if b}
    for b in bone_map.values():
        skel.index(b)
    dup = {b for b in bone_map.values() if list(bone_map.values()).count(b) > 1}
    if dup:
        raise RetargetError(f"bone map: bones {sorted(dup)} are mapped to more than one SMPL-X joint")
    missing = [j for j in CORE_JOINTS if j not in bone_map]
    if missing:
        raise RetargetError(
            f"armature is not a humanoid this map understands: no bone for SMPL-X joints {missing} "
            f"(mapped: {sorted(bone_map)})")
    src = rest_joint_positions().astype(np.float64) if source_positions is None else np.asarray(source_positions, float)
    pos_map = {j: (position_map or {}).get(j, b) for j, b in bone_map.items()}
    for b in pos_map.values():
        skel.index(b)
    frame = character_frame(skel, pos_map)
    arm_scale = float(rotation_and_scale(skel.world[:3, :3])[1])
    heads_by_bone = rest_world_heads(skel)
    heads = {j: heads_by_bone[skel.index(b)] for j, b in pos_map.items()}
    joints = [JOINT_INDEX[j] for j in JOINT_NAMES if j in bone_map]
    mapped = [skel.index(bone_map[JOINT_NAMES[j]]) for j in joints]
    q, swing, dirs = {}, {}, {}
    for j in joints:  # SMPL-X order is parents-first
        name = JOINT_NAMES[j]
        b = skel.index(bone_map[name])
        child = DIRECTION_CHILD.get(name)
        skipped = False
        while child is not None and child not in bone_map:
            child = DIRECTION_CHILD.get(child)
            skipped = True
        t_dir = heads[child] - heads[name] if child is not None else np.zeros(3)
        if child is not None and np.linalg.norm(t_dir) > 1e-9:
            dirs[j] = t_dir / np.linalg.norm(t_dir)
            swing[j] = JOINT_INDEX[child] if (skipped and align_rest) else -1
            s_dir = frame @ (src[JOINT_INDEX[child]] - src[j])
            q[j] = shortest_arc(t_dir, s_dir) if align_rest else np.eye(3)
        else:
            dirs[j], swing[j] = np.zeros(3), -1
            p = nearest_ancestor(j, PARENTS, lambda a: a in q)
            upright = name in ("head", "jaw", "left_eye_smplhf", "right_eye_smplhf")
            q[j] = q[p] if (align_rest and p >= 0 and not upright) else np.eye(3)
    up = frame[:, 1]
    warnings = []
    root = skel.index(bone_map["pelvis"])
    for hip in ("left_hip", "right_hip"):  # move the bone that carries the legs too
        if hip in bone_map:
            h = skel.index(bone_map[hip])
            while root >= 0 and not is_ancestor(root, h, skel.parents):
                root = skel.parents[root]
            if root < 0:
                root = skel.index(bone_map["pelvis"])
    ankles = [heads[a] for a in ("left_ankle", "right_ankle") if a in bone_map]
    src_h = src[0, 1] - min(src[7, 1], src[8, 1])
    if ankles:
        tgt_h = float(np.dot(heads["pelvis"] - min(ankles, key=lambda v: np.dot(v, up)), up))
    else:
        tgt_h = float(np.dot(heads["pelvis"] - skel.world[:3, 3], up))
        warnings.append("no ankle bones mapped: hip height measured from the armature origin")
    scale = tgt_h / src_h / arm_scale if tgt_h > 1e-6 else 1.0 / arm_scale
    unmapped = [j for j in ("neck", "spine1", "spine2", "spine3", "left_collar", "right_collar",
                            "left_wrist", "right_wrist") if j not in bone_map]
    if unmapped:
        warnings.append(f"SMPL-X joints without a bone (folded into the next mapped bone): {unmapped}")
    return RetargetPlan(skel, np.array(mapped, int), np.array(joints, int),
                        np.array([q[j] for j in joints]), frame, float(scale), root,
                        parents_first(skel.parents), tuple(warnings),
                        np.array([swing[j] for j in joints], int), np.array([dirs[j] for j in joints]),
                        src)


def _source_positions(plan: RetargetPlan, glob_q: np.ndarray) -> np.ndarray:
    """``(T, 55, 3)`` posed joint positions (SMPL-X axes) of ``plan.source_positions`` under the
    global rotations ``glob_q`` (T, 55, 4)."""
    src = plan.source_positions
    swung = plan.swing_child >= 0  # the swung joints, their direction children and their ancestors
    need = with_ancestors(np.concatenate([plan.joints[swung], plan.swing_child[swung]]), PARENTS)
    offsets = src - np.concatenate([np.zeros((1, 3)), src[list(PARENTS[1:])]])
    return chain_positions(glob_q, offsets, PARENTS, subset_levels(SMPLX_LEVELS, need))


def _local_constants(plan: RetargetPlan, rest_rot: np.ndarray):
    """Per mapped bone ``k``: the index ``anchor[k]`` (into the mapped list; ``M`` = none) of its
    nearest mapped ancestor ``a`` and the constant quaternion ``E_k`` with
    ``local_k = E_k * conj(W_a) * W_k`` (``W``: posed armature-space rotations; unmapped bones in
    between keep their basis, see :func:`retarget`)."""
    skel = plan.skeleton
    mapped = [int(b) for b in plan.mapped]
    slot = {b: k for k, b in enumerate(mapped)}
    keep = np.broadcast_to(np.eye(3), rest_rot.shape) if skel.basis_rot is None else skel.basis_rot
    anchor = {}  # bone -> (mapped slot or -1, K) with posed[bone] = W_slot @ K (K absolute for -1)
    for b in plan.order:
        p = skel.parents[b]
        if b in slot:
            anchor[b] = (slot[b], np.eye(3))
        elif p < 0:
            anchor[b] = (-1, rest_rot[b] @ keep[b])
        else:
            a, k = anchor[p]
            anchor[b] = (a, k @ (rest_rot[p].T @ rest_rot[b] @ keep[b]))
    m = len(mapped)
    idx = np.full(m, m, int)
    e = np.empty((m, 3, 3))
    for k, b in enumerate(mapped):
        p = skel.parents[b]
        if p < 0:
            e[k] = rest_rot[b].T
            continue
        a, kp = anchor[p]
        idx[k] = a if a >= 0 else m
        e[k] = rest_rot[b].T @ rest_rot[p] @ kp.T
    return idx, matrix_to_quat(rotation_parts(e))


def retarget(plan: RetargetPlan, poses: np.ndarray, transl: np.ndarray | None = None,
             transl_origin: str = "first_frame") -> RetargetResult:
    """Convert SMPL-X motion into pose-bone values for the planned armature.

    Vectorised over frames and bones (layout of :mod:`rigs.kinematics`): the SMPL-X chain is
    composed one depth level at a time, the wanted rotations of all mapped bones are one batched
    4x4 product, and each bone's local rotation depends only on its nearest mapped ancestor's
    wanted rotation (unmapped bones in between keep their constant basis), so no step loops over
    frames.

    Args:
        plan: from :func:`plan_retarget`.
        poses: ``(T, 55, 3)`` axis-angle radians (SMPL-X order, parent-relative).
        transl: optional ``(T, 3)`` metres (SMPL-X axes); moves the root bone by ``transl`` minus
            its origin.
        transl_origin: one of :data:`rigs.smplx.TRANSL_ORIGINS`: ``"rest"`` (origin zeros: the
            root bone sits at ``transl`` from its rest location, e.g. lowered onto a seat) or
            ``"first_frame"`` (origin ``transl[0]``: frame 0 keeps the rest location).

    Returns:
        :class:`RetargetResult` (quaternions for every mapped bone, root location).

    Raises:
        ValueError: ``poses`` or ``transl`` has the wrong shape, or ``transl_origin`` is unknown.
    """
    if transl_origin not in TRANSL_ORIGINS:
        raise ValueError(f"transl_origin: expected one of {list(TRANSL_ORIGINS)}, found {transl_origin!r}")
    poses = np.asarray(poses)
    if poses.ndim != 3 or poses.shape[1:] != (NUM_JOINTS, 3):
        raise ValueError(f"poses: expected shape (T, {NUM_JOINTS}, 3), found {poses.shape}")
    t = poses.shape[0]
    if transl is not None:
        transl = np.asarray(transl, np.float64)
        if transl.shape != (t, 3):
            raise ValueError(f"transl: expected shape ({t}, 3), found {transl.shape}")
    skel = plan.skeleton
    mapped = np.asarray(plan.mapped, int)
    arm_rot = rotation_parts(skel.world[:3, :3])
    rest_rot = rotation_parts(skel.rest[:, :3, :3])
    c = plan.frame
    swing = np.flatnonzero(plan.swing_child >= 0) if plan.swing_child is not None else np.zeros(0, int)
    used = np.concatenate([plan.joints, plan.swing_child[swing]]) if swing.size else plan.joints
    glob = smplx_global_quats_cm(poses, used)  # (55, 4, T), rows of joints the plan does not use undefined
    # wanted armature-space rotation W_k = arm^T (C G_j C^T) Q_k (arm R_rest_k), as one 4x4 per bone
    tail = matrix_to_quat(rotation_parts(arm_rot @ rest_rot[mapped]))  # (M, 4)
    right = matrix_to_quat(c.T @ plan.q)
    w_mat = quat_left_matrix(matrix_to_quat(arm_rot.T @ c)) @ quat_right_matrix(quat_mul(right, tail))
    want = w_mat @ glob[plan.joints]  # (M, 4, T)
    if swing.size:  # unmapped joints were skipped: swing these bones onto the source's posed segment
        g = glob.transpose(2, 0, 1)  # (T, 55, 4) view
        src_pos = _source_positions(plan, g)
        gs = g[:, plan.joints[swing]]
        delta = quat_mul(matrix_to_quat(c), quat_mul(gs, right[swing]))  # C G C^T Q, (T, S, 4)
        have = quat_rotate(delta, plan.rest_dirs[swing])
        need = (src_pos[:, plan.swing_child[swing]] - src_pos[:, plan.joints[swing]]) @ c.T
        arc = matrix_to_quat(shortest_arc_batch(have.reshape(-1, 3), need.reshape(-1, 3))).reshape(t, -1, 4)
        w_s = quat_mul(matrix_to_quat(arm_rot.T), quat_mul(arc, quat_mul(delta, tail[swing])))
        want[swing] = w_s.transpose(1, 2, 0)
    anchor, e = _local_constants(plan, rest_rot)
    w_ext = np.concatenate([want, np.broadcast_to(np.array([1.0, 0, 0, 0])[:, None], (1, 4, t))], axis=0)
    local = quat_left_matrix(e) @ qmul_cm(w_ext[anchor] * CONJ, want)
    quats = canonical_continuous_cm(local).transpose(2, 0, 1).astype(np.float32)  # (T, M, 4)
    names = tuple(skel.names[int(b)] for b in mapped)
    loc = None
    if transl is not None:
        origin = np.zeros((1, 3)) if transl_origin == "rest" else transl[:1]
        delta_world = (transl - origin) @ c.T * plan.scale  # in units of armature space * scale
        loc = (delta_world @ arm_rot @ rest_rot[plan.root]).astype(np.float32)
    return RetargetResult(names, quats, skel.names[plan.root], loc, plan.warnings, want.transpose(2, 0, 1))
