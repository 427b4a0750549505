"""Body bake targets: SMPL-X motion retargeted onto any humanoid armature, and the inverse.

The Blender side only extracts plain arrays (bone names, parents, ``bone.matrix_local``, the
armature's ``matrix_world``) and writes channels; the math is in :mod:`rigs.retarget` and the bone
maps in :mod:`rigs.bone_maps` (guessed when none is given). Pose bones get quaternion channels
(``rotation_mode`` becomes ``'QUATERNION'`` at bake time), the root bone a location channel.
"""

from __future__ import annotations

from dataclasses import replace

import bpy
import numpy as np

from ..inference.backends import BodyConstraints
from ..rigs.bone_maps import guess_bone_map
from ..rigs.retarget import RetargetError, TargetSkeleton, plan_retarget, retarget
from ..rigs.kinematics import rotation_parts
from ..rigs.retarget_inverse import inverse_from_posed, inverse_retarget
from ..rigs.rotations import axis_angle_to_quat, euler_to_quat, matrix_to_quat, quat_to_matrix
from ..rigs.smplx_rest import SmplxModelError, model_rest_joints
from . import compat
from .bake import BakeTarget, Channel, is_generated
from .errors import TargetError, check_editable
from .preferences import smplx_model_path
from .stored_maps import stored_map

#: Minimum confidence of a guessed bone map (share of body joints found) before we refuse.
MIN_GUESS_CONFIDENCE = 0.3
#: Remaining error (degrees) after refinement above which the user is told bones do not follow.
REFINE_WARN_DEG = 5.0
#: Parent-first passes of the refinement (constraint links between mapped bones that are not
#: parent links, e.g. Rigify's hips -> lower spine FK, need a second pass).
REFINE_SWEEPS = 2
#: At most this many frames are refined exactly; corrections are slerped in between.
REFINE_MAX_FRAMES = 60


def skeleton_of(armature) -> TargetSkeleton:
    """Plain-array view of an armature object's rest pose."""
    bones = list(armature.data.bones)
    index = {b.name: i for i, b in enumerate(bones)}
    parents = tuple(index[b.parent.name] if b.parent else -1 for b in bones)
    rest = np.array([np.array(b.matrix_local) for b in bones], np.float64)
    basis = np.array([np.array(armature.pose.bones[b.name].matrix_basis)[:3, :3] for b in bones], np.float64)
    basis /= np.maximum(np.linalg.norm(basis, axis=1, keepdims=True), 1e-12)  # drop pose scale
    return TargetSkeleton(tuple(b.name for b in bones), parents, rest, np.array(armature.matrix_world, np.float64),
                          basis)


def resolve_bone_map(armature, bone_map=None, skel: TargetSkeleton | None = None):
    """``(bone_map, notes)``: ``bone_map`` as given (checked), else guessed from the armature
    (``skel``: its :func:`skeleton_of`, when the caller already has it).

    Raises:
        TargetError: the armature is not an ARMATURE, or the guess finds no humanoid.
    """
    if armature is None or armature.type != 'ARMATURE':
        found = "nothing" if armature is None else f"{armature.name!r} ({armature.type})"
        raise TargetError(f"body: expected an ARMATURE object, found {found}")
    names = [b.name for b in armature.data.bones]
    if bone_map is None:
        stored = stored_map(armature, 'BODY')
        if stored:  # edited in the Rig Mapping panel
            bone_map = {j: b for j, b in stored.items() if b}
    if bone_map:
        missing = [b for b in bone_map.values() if b and b not in names]
        if missing:
            raise TargetError(f"body: bone map names bones not in {armature.name!r}: {missing}")
        return dict(bone_map), []
    skel = skeleton_of(armature) if skel is None else skel
    guess = guess_bone_map(skel.names, skel.parents)
    if guess.confidence < MIN_GUESS_CONFIDENCE:
        raise TargetError(f"body: {armature.name!r} does not look like a humanoid armature "
                          f"(bone-map confidence {guess.confidence:.2f}; found {dict(guess.mapping)}); "
                          "map the bones by hand in the Rig Mapping panel")
    notes = [f"body: bone map guessed for {armature.name!r} (preset {guess.preset}, confidence {guess.confidence:.2f})"]
    notes += [f"body: {p}" for p in guess.problems]
    return dict(guess.mapping), notes


def build_body_targets(armature, perf, bone_map=None, align_rest: bool = True, avoid_collisions: bool = True,
                       cache: dict | None = None):
    """Retarget ``perf.smplx_poses`` / ``perf.transl`` onto ``armature``.

    Args:
        armature: an ARMATURE object (any humanoid rig; see :mod:`rigs.bone_presets`).
        perf: :class:`inference.performance.Performance` with ``smplx_poses`` (T, 55, 3).
        bone_map: ``{smplx_joint: bone_name}``; guessed from names and hierarchy when ``None``.
        align_rest: align rest directions (A-pose rigs follow a T-pose source); see :mod:`rigs.retarget`.
        avoid_collisions: push hands/forearms out of the character's own body (capsules fitted
            to its mesh; :mod:`addon.body_proxies`).
        cache: optional dict reused across calls of one Generate (the fitted proxies; see
            :func:`addon.body_proxies.avoid_self_collisions`).

    Returns:
        ``([BakeTarget], warnings)``: one target on the armature object (label ``"Body (<name>)"``)
        with 4 quaternion channels per mapped bone and 3 location channels for the root bone.

    Raises:
        TargetError: not an armature, linked from a library, no body motion in ``perf``, or not a
            humanoid (core joints pelvis/head/shoulders/elbows unmapped).
    """
    skel = skeleton_of(armature) if armature is not None and armature.type == 'ARMATURE' else None
    bmap, notes = resolve_bone_map(armature, bone_map, skel)
    check_editable(armature)
    if perf.smplx_poses is None:
        raise TargetError("body: the performance has no body motion (smplx_poses is None)")
    try:
        model = smplx_model_path()   # the user's own SMPL-X file: exact source rest joints
        plan = plan_retarget(skel, bmap, align_rest=align_rest, position_map=deform_positions(armature, bmap),
                             source_positions=model_rest_joints(bpy.path.abspath(model)) if model else None)
    except (RetargetError, SmplxModelError) as exc:
        raise TargetError(f"body: {armature.name!r}: {exc}") from None
    res = retarget(plan, perf.smplx_poses, perf.transl, perf.transl_origin)
    if avoid_collisions:
        from .body_proxies import avoid_self_collisions

        res, more = avoid_self_collisions(armature, skel, bmap, plan, res, perf.fps, cache)
        notes += more
    notes += _animated_elsewhere(armature, set(res.bone_names))
    if constrained_chain(armature, res.bone_names):
        quats, residual, worst_bone = refine_through_constraints(armature, res.bone_names, res.quats, res.posed_quat)
        res = replace(res, quats=quats)
        notes.append(f"body: {armature.name!r} has constraints above the mapped bones; rotations refined through "
                     f"Blender's evaluation (largest remaining error {residual:.1f} deg, bone {worst_bone!r})")
        if residual > REFINE_WARN_DEG:
            notes.append("body: some bones do not follow their rotation (IK or copy constraints): switch limbs "
                         "to FK (Rigify: IK_FK = 1) or map other bones in the Rig Mapping panel")
    channels = []
    for k, name in enumerate(res.bone_names):
        esc = bpy.utils.escape_identifier(name)
        for i in range(4):
            channels.append(Channel(f'pose.bones["{esc}"].rotation_quaternion', i, res.quats[:, k, i], name))
    if res.root_location is not None and res.root_bone:
        esc = bpy.utils.escape_identifier(res.root_bone)
        for i in range(3):
            channels.append(Channel(f'pose.bones["{esc}"].location', i, res.root_location[:, i], res.root_bone))
    target = BakeTarget(armature, tuple(channels), f"Body ({armature.name})", quaternion_bones=res.bone_names)
    return [target], notes + [f"body: {w}" for w in res.warnings]


def read_body_constraints(armature, frame_start, num_frames, fps, bone_map=None, action=None, slot=None):
    """Existing keyframes on ``armature`` in ``[frame_start, frame_start + num_frames)`` as a masked
    SMPL-X motion prompt (the inverse of :func:`build_body_targets`).

    Only the artist's action counts (actions generated by this extension are ignored). A joint is
    masked at a frame when its bone has a rotation key exactly on that frame; its pose there is the
    inverse-retargeted rotation of the evaluated F-curves (quaternion, axis-angle or Euler modes),
    or, on rigs with constraints above the mapped bones (generated Rigify), of the pose Blender
    evaluates at the keyed frames (``frame_set`` per keyed frame). Only frames with a key are
    evaluated (a key's own value is read in bulk; ``FCurve.evaluate`` only between keys or under
    F-curve modifiers), and the inverse mapping is vectorised over frames and joints; poses at frames
    without any key are zero (only masked entries matter, see ``BodyConstraints``).

    ``action``/``slot``: read these keys instead of the assigned action (the prompt action of
    ``addon.prompts``; Generate passes only that one).

    Returns:
        :class:`inference.backends.BodyConstraints` at ``fps`` (frame i = scene frame
        ``frame_start + i``), or ``None`` when there is no usable key (or the armature is not a
        humanoid this add-on can map).
    """
    if armature is None or armature.type != 'ARMATURE':
        return None
    if action is None:
        action, slot = compat.assigned(armature)
    if action is None or is_generated(action):
        return None
    try:
        skel = skeleton_of(armature)
        bmap, _ = resolve_bone_map(armature, bone_map, skel)
        plan = plan_retarget(skel, bmap, position_map=deform_positions(armature, bmap))
    except (TargetError, RetargetError):
        return None
    by_path = {}
    for f in compat.action_fcurves(action, slot):
        by_path.setdefault(f.data_path, {})[f.array_index] = f
    frames = frame_start + np.arange(num_frames)
    curves, mask_bones = {}, {}
    for b in plan.mapped:
        name = skel.names[int(b)]
        pb = armature.pose.bones.get(name)
        if pb is None:
            continue
        found = _rotation_curves(by_path, name, pb.rotation_mode)
        if found is None:
            continue
        coords = {i: _key_coords(f) for i, f in found[1].items()}  # read once per curve
        keyed = _keyed_frames(coords.values(), frame_start, num_frames)
        if keyed.any():
            curves[int(b)] = found + (coords,)
            mask_bones[int(b)] = keyed
    if not curves:
        return None
    keyed_frames = np.flatnonzero(np.any(list(mask_bones.values()), axis=0))
    poses = np.zeros((num_frames, 55, 3), np.float32)  # only masked entries matter (BodyConstraints)
    if constrained_chain(armature, [skel.names[int(b)] for b in plan.mapped]):
        posed = evaluated_rotations(armature, [int(b) for b in plan.mapped], frames[keyed_frames])
        poses[keyed_frames] = inverse_from_posed(plan, posed, len(keyed_frames))
    else:
        quats = {b: _curves_to_quat(path, mode, comps, coords, frames[keyed_frames])
                 for b, (path, comps, mode, coords) in curves.items()}
        poses[keyed_frames] = inverse_retarget(plan, quats, len(keyed_frames))
    mask = np.zeros((num_frames, 55), bool)
    for b, j in zip(plan.mapped, plan.joints):
        if int(b) in mask_bones:
            mask[:, int(j)] = mask_bones[int(b)]
    return BodyConstraints(float(fps), poses.astype(np.float32), mask)


def bone_rotation(fcurves, bone, mode, frames):
    """Rotation ``(T, 4)`` wxyz of one pose bone's curves at the consecutive scene ``frames`` and its
    keyed-frame mask ``(T,)`` (``None, None`` without rotation curves); ``fcurves``: the action's
    F-curves (used by ``addon.exports``)."""
    by_path = {}
    for f in fcurves:
        by_path.setdefault(f.data_path, {})[f.array_index] = f
    found = _rotation_curves(by_path, bone, mode)
    if found is None:
        return None, None
    path, comps, mode = found
    coords = {i: _key_coords(f) for i, f in comps.items()}
    frames = np.asarray(frames)
    keyed = _keyed_frames(coords.values(), int(frames[0]), len(frames))
    return _curves_to_quat(path, mode, comps, coords, frames), keyed


_ROTATION_DEFAULTS = {"rotation_quaternion": (1.0, 0.0, 0.0, 0.0), "rotation_axis_angle": (0.0, 0.0, 1.0, 0.0),
                      "rotation_euler": (0.0, 0.0, 0.0)}


def _rotation_curves(by_path, bone, mode):
    """``(path, {array_index: FCurve}, euler_order)`` of a pose bone's rotation curves (the curves
    of its ``rotation_mode`` first, else any rotation curves), or ``None``."""
    prefix = f'pose.bones["{bpy.utils.escape_identifier(bone)}"].'
    path = "rotation_quaternion" if mode == 'QUATERNION' else (
        "rotation_axis_angle" if mode == 'AXIS_ANGLE' else "rotation_euler")
    for p in (path, "rotation_quaternion", "rotation_euler", "rotation_axis_angle"):  # mode first
        if by_path.get(prefix + p):
            if p == "rotation_euler" and mode in ('QUATERNION', 'AXIS_ANGLE'):
                mode = 'XYZ'
            return p, by_path[prefix + p], mode
    return None


def _key_coords(fcurve) -> np.ndarray:
    """``(K, 2)`` float64 keyframe ``co`` (frame, value) of an F-curve, read in bulk (into float32,
    Blender's storage type, which ``foreach_get`` copies fastest)."""
    co = np.empty(2 * len(fcurve.keyframe_points), np.float32)
    fcurve.keyframe_points.foreach_get("co", co)
    return co.reshape(-1, 2).astype(np.float64)


def _keyed_frames(key_coords, frame_start, num_frames) -> np.ndarray:
    """``(T,)`` bool: frames ``frame_start + i`` with a key (within 1e-3 of the integer frame) in
    any of ``key_coords`` (:func:`_key_coords` of each curve)."""
    keyed = np.zeros(num_frames, bool)
    for co in key_coords:
        x = co[:, 0]
        fr = np.round(x).astype(np.int64)
        ok = (np.abs(x - fr) < 1e-3) & (fr >= frame_start) & (fr < frame_start + num_frames)
        keyed[fr[ok] - frame_start] = True
    return keyed


def _curve_values(fcurve, co, frames) -> np.ndarray:
    """``(F,)`` F-curve values at integer ``frames``: the key's own value where exactly one key sits on
    the frame and the curve has no modifiers (every interpolation passes through its keys), else
    ``FCurve.evaluate``. ``co``: :func:`_key_coords` of the curve."""
    frames = np.asarray(frames, np.float64)
    out = np.empty(len(frames))
    todo = np.ones(len(frames), bool)
    if len(fcurve.modifiers) == 0 and len(co):
        order = np.argsort(co[:, 0], kind="stable")
        xs, ys = co[order, 0], co[order, 1]
        lo, hi = np.searchsorted(xs, frames, "left"), np.searchsorted(xs, frames, "right")
        single = hi - lo == 1
        out[single] = ys[lo[single]]
        todo = ~single
    for i in np.flatnonzero(todo):
        out[i] = fcurve.evaluate(float(frames[i]))
    return out


def _curves_to_quat(path, mode, curves, coords, frames) -> np.ndarray:
    """``(F, 4)`` wxyz rotations from a pose bone's rotation curves evaluated at ``frames``."""
    default = _ROTATION_DEFAULTS[path]
    vals = np.stack([_curve_values(curves[i], coords[i], frames) if i in curves else np.full(len(frames), default[i])
                     for i in range(len(default))], axis=1)
    if path == "rotation_quaternion":
        return vals / np.maximum(np.linalg.norm(vals, axis=1, keepdims=True), 1e-12)
    if path == "rotation_axis_angle":
        axis = vals[:, 1:] / np.maximum(np.linalg.norm(vals[:, 1:], axis=1, keepdims=True), 1e-12)
        return axis_angle_to_quat(axis * vals[:, :1])
    return euler_to_quat(vals, mode)


def _animated_elsewhere(armature, driven: set) -> list:
    """Warn when the armature's current action animates bones this bake does not drive."""
    action, slot = compat.assigned(armature)
    if action is None or is_generated(action):
        return []
    other = set()
    for f in compat.action_fcurves(action, slot):
        if f.data_path.startswith('pose.bones["'):
            name = f.data_path.split('"')[1]
            if name not in driven:
                other.add(name)
    if not other:
        return []
    return [f"body: action {action.name!r} (kept under the new one in the NLA) still animates "
            f"{len(other)} bones this bake does not drive, e.g. {sorted(other)[:5]}; mute its NLA track "
            "for pure retargeted motion"]


def deform_positions(armature, bone_map) -> dict | None:
    """For a generated Rigify rig whose *controls* are mapped, ``{joint: DEF- bone}`` (the deform
    bones sit where the joints are; controls such as ``hips`` do not); else ``None``."""
    from ..rigs.bone_presets import BONE_PRESETS

    names = set(armature.data.bones.keys())
    defs = {j: b for j, b in BONE_PRESETS["rigify_def"].items() if b in names and j in bone_map}
    if not defs or all(str(b).startswith("DEF-") for b in bone_map.values()):
        return None
    return defs


def evaluated_rotations(armature, bone_indices, frames) -> dict:
    """``{bone_index: (F, 3, 3)}`` armature-space rotations of pose bones as Blender evaluates them
    (animation, constraints, drivers) at scene ``frames``; the current frame is restored."""
    scene = bpy.context.scene
    keep = scene.frame_current, scene.frame_subframe
    bones = list(armature.data.bones)
    out = {b: np.empty((len(frames), 3, 3)) for b in bone_indices}
    try:
        for i, f in enumerate(frames):
            scene.frame_set(int(f))
            for b in bone_indices:
                out[b][i] = rotation_parts(np.array(armature.pose.bones[bones[b].name].matrix)[:3, :3])
    finally:
        scene.frame_set(keep[0], subframe=keep[1])
    return out


def constrained_chain(armature, bone_names) -> bool:
    """True when a mapped bone or one of its ancestors has constraints or drivers act on the pose:
    then Blender's pose is not the plain parent chain :mod:`rigs.retarget` models (e.g. a generated
    Rigify rig's FK controls hang off constraint-driven MCH bones)."""
    anim = armature.animation_data
    if anim is not None and any(d.data_path.startswith("pose.bones") for d in anim.drivers):
        return True
    seen = set()
    for name in bone_names:
        pb = armature.pose.bones.get(name)
        while pb is not None and pb.name not in seen:  # each bone checked once
            seen.add(pb.name)
            if any(not c.mute and c.influence > 0 for c in pb.constraints):
                return True
            pb = pb.parent
    return False


def refine_through_constraints(armature, bone_names, quats, posed_rot, max_frames: int | None = None):
    """Correct pose-bone rotations so the *evaluated* pose (constraints included) reaches the wanted
    armature-space rotations.

    At refined frames, mapped bones are set level by level (parents first); after each depsgraph
    update a bone's basis is corrected by the remaining error ``L' = L (M^T W)`` (``M`` its evaluated
    rotation, ``W`` the wanted one), in :data:`REFINE_SWEEPS` passes. At most ``max_frames`` frames
    are refined (evenly spaced, first and last included); the per-bone correction ``L_model^-1 L'``
    is slerped in between (constraint effects change slowly with the pose). Cost: (levels x passes
    + 2) depsgraph updates per refined frame.

    Args:
        posed_rot: wanted armature-space rotations ``(T, M, 3, 3)``, or ``(T, M, 4)`` wxyz
            quaternions (``RetargetResult.posed_quat``: only the refined frames are converted).
        max_frames: at most this many refined frames; ``None``: :data:`REFINE_MAX_FRAMES` as it is
            at call time.

    Returns:
        ``(quats (T, M, 4) float32, largest remaining angle in degrees at refined frames, its bone)``.
    """
    from ..rigs.kinematics import sign_continuous_cm
    from ..rigs.rotations import quat_conj, quat_mul, quat_slerp

    if max_frames is None:
        max_frames = REFINE_MAX_FRAMES
    pbs = [armature.pose.bones[n] for n in bone_names]
    saved = [(pb.rotation_mode, tuple(pb.rotation_quaternion)) for pb in pbs]
    mapped = set(bone_names)
    depth = []
    for pb in pbs:
        d, p = 0, pb.parent
        while p is not None:
            d += p.name in mapped
            p = p.parent
        depth.append(d)
    levels = [[k for k, d in enumerate(depth) if d == lv] for lv in sorted(set(depth))]
    model = np.array(quats, np.float64)
    t = model.shape[0]
    frames = np.unique(np.round(np.linspace(0, t - 1, min(t, max(2, max_frames)))).astype(int))
    posed_rot = np.asarray(posed_rot)
    wanted = quat_to_matrix(posed_rot[frames]) if posed_rot.shape[-1] == 4 else posed_rot[frames]  # (F, M, 3, 3)
    refined = model[frames].copy()
    worst, worst_bone = 0.0, ""
    layer = bpy.context.view_layer
    for pb in pbs:
        pb.rotation_mode = 'QUATERNION'
    try:
        for i, f in enumerate(frames):
            for k, pb in enumerate(pbs):
                pb.rotation_quaternion = refined[i, k]
            layer.update()
            for level in levels * REFINE_SWEEPS:
                for k in level:
                    m = rotation_parts(np.array(pbs[k].matrix)[:3, :3])
                    refined[i, k] = matrix_to_quat(quat_to_matrix(refined[i, k]) @ (m.T @ wanted[i, k]))
                    pbs[k].rotation_quaternion = refined[i, k]
                layer.update()
            for k, pb in enumerate(pbs):
                m = rotation_parts(np.array(pb.matrix)[:3, :3])
                err = float(np.degrees(np.arccos(np.clip((np.trace(m.T @ wanted[i, k]) - 1.0) / 2.0, -1.0, 1.0))))
                if err > worst:
                    worst, worst_bone = err, pb.name
    finally:
        for pb, (mode, q) in zip(pbs, saved):
            pb.rotation_quaternion = q
            pb.rotation_mode = mode
        layer.update()
    corr = quat_mul(quat_conj(model[frames]), refined)  # (F, M, 4) per-bone corrections
    pos = np.interp(np.arange(t), frames, np.arange(len(frames)))
    i0 = np.floor(pos).astype(int)
    i1 = np.minimum(i0 + 1, len(frames) - 1)
    frac = np.broadcast_to((pos - i0)[:, None], (t, model.shape[1]))
    out = quat_mul(model, quat_slerp(corr[i0], corr[i1], frac))
    out = sign_continuous_cm(np.ascontiguousarray(out.transpose(1, 2, 0))).transpose(2, 0, 1)
    return out.astype(np.float32), worst, worst_bone
