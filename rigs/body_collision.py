"""Self-collision of the arms on the *target* character, after retargeting (bpy-free).

Proxies are capsules, one per deforming bone, fitted to the character's own mesh (the Blender
side, ``addon/body_proxies.py``, gathers each bone's vertices: those it dominates by skin weight,
or all vertices of a mesh parented to the bone) with :func:`fit_capsule`. They live in the bone's
rest frame (``bone.matrix_local`` coordinates, armature units), so they follow any pose.

Every bone belongs to the *body part* of its nearest ancestor-or-self that the bone map maps to an
SMPL-X joint (:func:`body_parts`): hand (wrist and fingers), forearm, upper arm, collar, torso
(pelvis, spine), head (neck, head, jaw, eyes), legs. Checked pairs: each side's hand and forearm
against the torso, the head and the other side's collar, upper arm, forearm and hand. A hand on
a thigh is allowed (seated rest).

Depth of a pair = ``r_a + r_b - distance(segment_a, segment_b)`` (> 0: the capsules overlap).
:func:`resolve` pushes the arm out where a hand or forearm capsule overlaps more than the
tolerance: the whole arm rotates about the shoulder (the upper-arm bone's head) away from the
obstacle, by the angle that moves the contact point by the depth plus a margin (a one-joint IK
step, iterated). The correction is dilated and Hann-smoothed over ~0.4 s so it never adds a jerk
and the stroke's velocity minima stay where they were (timing is kept; the hand path is offset).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np

from .convex_hull import convex_hull_planes
from .retarget_inverse import armature_pose_matrices
from .rotations import axis_angle_to_quat, matrix_to_quat, quat_conj, quat_mul
from .tree import is_ancestor

#: Depth (SMPL-X metres, scaled to the character) a pair may overlap before it counts as inside:
#: capsules are a loose fit of the surface, so a light touch is not an interpenetration.
TOLERANCE_M: float = 0.01
#: Extra clearance (SMPL-X metres, scaled) the push-out aims for beyond the tolerance.
MARGIN_M: float = 0.01
#: Percentile of the vertices' distance to the bone axis used as the capsule radius.
RADIUS_PERCENTILE: float = 70.0
#: Hand/forearm sample points are spheres of this share of their capsule's radius: the limb's
#: core, so that a sleeve or cuff grazing the body does not count as a hand inside it.
ARM_RADIUS_SCALE: float = 0.7

PARTS = ("hand", "forearm", "upperarm", "collar", "torso", "head", "legs")
_JOINT_PART = {"pelvis": "torso", "spine1": "torso", "spine2": "torso", "spine3": "torso",
               "neck": "head", "head": "head", "jaw": "head", "left_eye_smplhf": "head",
               "right_eye_smplhf": "head"}


def joint_part(joint: str) -> tuple[str, str]:
    """``(part, side)`` of an SMPL-X joint name; side is ``"L"``, ``"R"`` or ``""``."""
    if joint in _JOINT_PART:
        return _JOINT_PART[joint], ""
    side = "L" if joint.startswith("left_") else "R" if joint.startswith("right_") else ""
    base = joint.split("_", 1)[1] if side else joint
    if base in ("hip", "knee", "ankle", "foot"):
        return "legs", side
    if base == "collar":
        return "collar", side
    if base == "shoulder":
        return "upperarm", side
    if base == "elbow":
        return "forearm", side
    return "hand", side          # wrist and fingers


@dataclass(frozen=True)
class Capsules:
    """Per-bone proxies in bone rest frames (armature units).

    Attributes:
        bones: ``(K,)`` bone names.
        a, b: ``(K, 3)`` float64 capsule segment end points in the bone's ``matrix_local`` frame
            (the bone's head is the origin, +Y points along the bone).
        radius: ``(K,)`` float64 capsule radii.
        hulls: optional ``K`` arrays ``(F, 4)``: the convex hull of the bone's vertices as
            outward unit facet normals and offsets (``n . x + o <= 0`` inside), same frame. Used
            for the torso and head, which capsules fit badly (wide, flat, boxy); ``None``
            entries fall back to the capsule.
        reach: optional ``(K,)`` largest distance of the bone's vertices from the capsule's
            centre ``(a + b) / 2``: a bounding sphere that skips hull tests for frames where no
            hand point comes near (same result, much faster).
    """

    bones: tuple
    a: np.ndarray
    b: np.ndarray
    radius: np.ndarray
    hulls: tuple | None = None
    reach: np.ndarray | None = None


def fit_capsule(points_local: np.ndarray, min_radius: float = 1e-4):
    """Capsule around one bone's vertices, in the bone's rest frame.

    Args:
        points_local: ``(N, 3)`` vertex positions in the bone's ``matrix_local`` frame (N >= 4).

    Returns:
        ``(a, b, radius)``: the segment runs along the bone's +Y axis through the vertices'
        median (x, z), between the 5th and 95th percentile of their y, shortened by the radius
        at each end so the round caps cover the extremes; ``radius`` is the
        :data:`RADIUS_PERCENTILE` percentile of the distances to that axis.

    Raises:
        ValueError: fewer than 4 points or non-finite values.
    """
    p = _check_points(points_local)
    cx, cz = np.median(p[:, 0]), np.median(p[:, 2])
    r = float(max(np.percentile(np.hypot(p[:, 0] - cx, p[:, 2] - cz), RADIUS_PERCENTILE), min_radius))
    y0, y1 = np.percentile(p[:, 1], [5, 95])
    mid = 0.5 * (y0 + y1)
    half = max(0.5 * (y1 - y0) - r, 0.0)
    return np.array([cx, mid - half, cz]), np.array([cx, mid + half, cz]), r


#: At most this many vertices (a seeded subset) enter a hull, which keeps hulls to ~100-300 facets.
HULL_MAX_POINTS: int = 400
#: Hulls kept by :func:`fit_hull` for vertex sets it has seen (a character's bones, Generate after
#: Generate); the oldest is dropped beyond this many.
HULL_CACHE_SIZE: int = 1024
_HULL_CACHE: dict = {}


def fit_hull(points_local: np.ndarray) -> np.ndarray:
    """Convex hull ``(F, 4)`` float64 (outward unit normal, offset; ``n . x + o <= 0`` inside) of a
    bone's vertices, in the same frame and units (:func:`rigs.convex_hull.convex_hull_planes`,
    numpy only: Blender ships no scipy). Sets over :data:`HULL_MAX_POINTS` use a seeded subset.
    The same vertex set (bit for bit) returns the same read-only array from a cache of
    :data:`HULL_CACHE_SIZE` hulls, so a character's proxies are built once per session.

    Raises:
        ValueError (:class:`rigs.convex_hull.HullError`): fewer than 4 points, non-finite values,
            flat or collinear point sets, or no robust hull.
    """
    p = _check_points(points_local)
    if p.shape[0] > HULL_MAX_POINTS:
        p = p[np.random.default_rng(0).choice(p.shape[0], HULL_MAX_POINTS, replace=False)]
    key = hashlib.blake2b(np.ascontiguousarray(p).tobytes(), digest_size=16).digest()
    hull = _HULL_CACHE.get(key)
    if hull is None:
        hull = convex_hull_planes(p)
        hull.setflags(write=False)            # shared between calls: read-only
        if len(_HULL_CACHE) >= HULL_CACHE_SIZE:
            _HULL_CACHE.pop(next(iter(_HULL_CACHE)))
        _HULL_CACHE[key] = hull
    return hull


def _check_points(points_local) -> np.ndarray:
    p = np.asarray(points_local, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 3 or p.shape[0] < 4 or not np.isfinite(p).all():
        raise ValueError(f"points_local: expected (N >= 4, 3) finite values, found {p.shape}")
    return p


def body_parts(names, parents, bone_map: dict) -> list[tuple[str, str]]:
    """``(part, side)`` per bone: the part of its nearest mapped ancestor-or-self; ancestors of the
    pelvis bone (e.g. RobotExpressive's ``Body``) are torso; other unmapped bones ``("", "")``."""
    by_bone = {b: j for j, b in bone_map.items() if b}
    above_pelvis = set()
    if bone_map.get("pelvis") in names:
        j = parents[list(names).index(bone_map["pelvis"])]
        while j >= 0:
            above_pelvis.add(j)
            j = parents[j]
    out = []
    for i in range(len(names)):
        j, part = i, (("torso", "") if i in above_pelvis else ("", ""))
        while j >= 0:
            if names[j] in by_bone:
                part = joint_part(by_bone[names[j]])
                break
            j = parents[j]
        out.append(part)
    return out


#: Body parts whose proxies use their convex hull (when they have one); the others use capsules.
HULL_PARTS: tuple = ("torso", "head")


def hull_bones(names, parents, bone_map: dict) -> set:
    """Names of the bones whose hull :func:`resolve` reads (their body part is in
    :data:`HULL_PARTS`, see :func:`body_parts`); hulls of other bones are never used, so a
    caller may skip fitting them."""
    return {n for n, (part, _) in zip(names, body_parts(names, parents, bone_map)) if part in HULL_PARTS}


def pose_matrices(skel, res, bones=None) -> np.ndarray:
    """``(T, B, 4, 4)`` armature-space pose matrices for a retarget result
    (:func:`rigs.retarget_inverse.armature_pose_matrices`): mapped bones use the result's
    quaternions, the root bone its location, other bones their current basis rotation.
    ``bones`` (optional bone indices): only they and their ancestors are computed (other rows NaN).
    """
    names = list(skel.names)
    quats = np.asarray(res.quats, np.float64)
    basis_quats = {names.index(n): quats[:, k] for k, n in enumerate(res.bone_names)}
    basis_locs = ({names.index(res.root_bone): res.root_location}
                  if res.root_location is not None and res.root_bone else None)
    return armature_pose_matrices(skel, basis_quats, basis_locs, quats.shape[0], bones)


def point_segment_distance(p, q0, q1):
    """Distance from points ``p`` to segments ``q0q1`` and the closest points on the segments
    (broadcast ``(..., 3)``): ``(distance (...,), closest point (..., 3))``. Degenerate segments
    (``q0 == q1``) give the distance to ``q0``."""
    d = q1 - q0
    e = np.einsum("...i,...i->...", d, d)
    f = np.einsum("...i,...i->...", d, p - q0)
    u = np.where(e > 1e-12, np.clip(f / np.maximum(e, 1e-12), 0.0, 1.0), 0.0)
    cq = q0 + d * u[..., None]
    diff = p - cq
    return np.sqrt(np.einsum("...i,...i->...", diff, diff)), cq


class _Setup:
    """Capsules/hulls of the bones that have a body part, split into arm points and obstacles."""

    def __init__(self, skel, bone_map, caps: Capsules):
        names = list(skel.names)
        bparts = body_parts(skel.names, skel.parents, bone_map)
        keep = [k for k, bn in enumerate(caps.bones) if bn in names]
        self.bidx = np.array([names.index(caps.bones[k]) for k in keep], dtype=int)
        self.a = np.asarray(caps.a, np.float64)[keep]
        self.b = np.asarray(caps.b, np.float64)[keep]
        self.r = np.asarray(caps.radius, np.float64)[keep]
        #: arm sample points use a thinner radius (the limb's core, not its widest part)
        self.r_arm = self.r * ARM_RADIUS_SCALE
        hulls = caps.hulls or (None,) * len(caps.bones)
        self.hull = [hulls[k] for k in keep]
        reach = np.full(len(caps.bones), np.inf) if caps.reach is None else np.asarray(caps.reach, np.float64)
        self.reach = reach[keep]
        self.parts = [bparts[i] for i in self.bidx]
        top = next((bone_map[j] for j in ("neck", "head", "spine3", "spine2") if bone_map.get(j) in names), None)
        self.up_from = names.index(bone_map["pelvis"]) if bone_map.get("pelvis") in names else 0
        self.up_to = names.index(top) if top else self.up_from
        self.sides = {}
        for side in ("L", "R"):
            other = "R" if side == "L" else "L"
            arm = [i for i, (p, sd) in enumerate(self.parts) if sd == side and p in ("hand", "forearm")]
            obst = [i for i, (p, sd) in enumerate(self.parts)
                    if p in HULL_PARTS or (sd == other and p in ("collar", "upperarm", "forearm", "hand"))]
            # sample points: both ends and the middle of each forearm capsule; the centre of each
            # hand capsule (palm and finger segments are short) and of spheres
            pk, pl = [], []
            for i in arm:
                short = self.parts[i][0] == "hand" or np.linalg.norm(self.b[i] - self.a[i]) < 1e-9
                ts = (0.5,) if short else (0.0, 0.5, 1.0)
                for u in ts:
                    pk.append(i)
                    pl.append(self.a[i] + u * (self.b[i] - self.a[i]))
            self.sides[side] = (np.array(pk, dtype=int), np.array(pl).reshape(-1, 3), obst)

    def bones_used(self) -> list:
        """Bone indices whose pose :meth:`contacts` reads (proxies and the body's up axis)."""
        return [int(i) for i in self.bidx] + [self.up_from, self.up_to]

    def contacts(self, pose: np.ndarray, side: str, chunk: int = 256):
        """Worst overlap of one side's hand/forearm per frame: ``depth (T,)`` (armature units),
        the arm point ``(T, 3)`` and the unit push direction ``(T, 3)`` (armature space): the
        depth-weighted sum of the directions out of every overlapped obstacle (torso: horizontally
        away from the body's up axis; head: its nearest hull face plus downward; arm capsules: away from the
        closest point), zero where nothing overlaps."""
        pk, pl, obst = self.sides[side]
        t = pose.shape[0]
        depth = np.full(t, -np.inf)
        point = np.zeros((t, 3))
        push = np.zeros((t, 3))
        if not pk.size or not obst:
            return depth, point, push
        m = pose[:, self.bidx[pk]]
        pts = np.einsum("tpij,pj->tpi", m[..., :3, :3], pl) + m[..., :3, 3]       # (T, P, 3)
        up = pose[:, self.up_to, :3, 3] - pose[:, self.up_from, :3, 3]
        up /= np.maximum(np.linalg.norm(up, axis=1, keepdims=True), 1e-9)
        rad = self.r_arm[pk]
        for o in obst:
            mo = pose[:, self.bidx[o]]
            rot, org = mo[:, :3, :3], mo[:, :3, 3]
            h = self.hull[o] if self.parts[o][0] in HULL_PARTS else None
            if h is not None:
                # broad phase: only frames where a hand point is inside the bone's bounding sphere
                centre = np.einsum("tij,j->ti", rot, 0.5 * (self.a[o] + self.b[o])) + org
                near = (np.linalg.norm(pts - centre[:, None], axis=2) < self.reach[o] + rad[None]).any(axis=1)
                frames = np.flatnonzero(near)
                for c0 in range(0, frames.size, chunk):
                    sl = frames[c0:c0 + chunk]
                    loc = np.einsum("tji,tpj->tpi", rot[sl], pts[sl] - org[sl, None])
                    sd = loc @ h[:, :3].T + h[:, 3]                                 # (t, P, F)
                    f = sd.argmax(axis=2)
                    dep = rad[None] - np.take_along_axis(sd, f[..., None], 2)[..., 0]
                    k = dep.argmax(axis=1)
                    rows = np.arange(k.size)
                    d_k = dep[rows, k]
                    better = d_k > depth[sl]
                    idx = sl[better]
                    depth[idx] = d_k[better]
                    point[idx] = pts[idx, k[better]]
                    # torso: push horizontally away from the body's up axis (the nearest facet
                    # of one torso bone's hull is often its top or bottom, which only leads into
                    # the next torso bone); head: one blob, leave by its nearest hull face and downward
                    rr = sl
                    if self.parts[o][0] == "head":
                        dirn = np.einsum("tij,tj->ti", rot[sl], h[f[rows, k], :3]) - up[sl]  # and down
                    else:
                        v = pts[rr, k] - (np.einsum("tij,j->ti", rot[sl], self.a[o]) + org[sl])
                        v -= np.sum(v * up[sl], axis=1, keepdims=True) * up[sl]
                        nrm = np.einsum("tij,tj->ti", rot[sl], h[f[rows, k], :3])
                        dirn = np.where(np.linalg.norm(v, axis=1, keepdims=True) > 1e-9, v, nrm)
                    dirn /= np.maximum(np.linalg.norm(dirn, axis=1, keepdims=True), 1e-9)
                    push[sl] += np.maximum(d_k, 0.0)[:, None] * dirn
            else:
                a = np.einsum("tij,j->ti", rot, self.a[o]) + org
                b = np.einsum("tij,j->ti", rot, self.b[o]) + org
                dist, cq = point_segment_distance(pts, a[:, None], b[:, None])
                dep = rad[None] + self.r[o] - dist
                k = dep.argmax(axis=1)
                rows = np.arange(t)
                d_k = dep[rows, k]
                better = d_k > depth
                depth[better] = d_k[better]
                p_k = pts[rows, k]
                dirn = p_k - cq[rows, k]
                dirn /= np.maximum(np.linalg.norm(dirn, axis=1, keepdims=True), 1e-9)
                point[better] = p_k[better]
                push += np.maximum(d_k, 0.0)[:, None] * dirn
        # several obstacles (a hand wedged between chest and chin): leave along their sum
        push /= np.maximum(np.linalg.norm(push, axis=1, keepdims=True), 1e-12)
        return depth, point, push


def interpenetration(skel, bone_map, res, caps: Capsules, units_per_m: float) -> np.ndarray:
    """``(T,)`` worst hand/forearm overlap per frame in SMPL-X metres minus :data:`TOLERANCE_M`
    (> 0: a hand or forearm is inside the torso, head or the other arm)."""
    setup = _Setup(skel, bone_map, caps)
    pose = pose_matrices(skel, res, setup.bones_used())
    worst = np.maximum(setup.contacts(pose, "L")[0], setup.contacts(pose, "R")[0])
    return np.where(np.isfinite(worst), worst / units_per_m - TOLERANCE_M, -TOLERANCE_M)


def smooth_correction(aa: np.ndarray, angle: np.ndarray, win: int) -> np.ndarray:
    """Spread a per-frame rotation correction in time so it adds no jerk.

    Args:
        aa: ``(T, 3)`` axis-angle corrections (rad); ``angle``: ``(T,)`` the angle each frame needs.
        win: window in frames (odd).

    Returns:
        ``(T, 3)``: dilated over ``win`` frames (keeping the strongest), Hann-smoothed, and
        rescaled so every frame keeps at least its own needed angle. Used by the SMPL-X torso
        push (:mod:`inference.body.collision`) and the character push (:func:`resolve`).
    """
    n = aa.shape[0]
    half = win // 2
    idx = np.arange(n)
    out = np.zeros_like(aa)
    best = np.zeros(n)
    for s in range(-half, half + 1):
        src = np.clip(idx + s, 0, n - 1)
        better = angle[src] > best
        best = np.where(better, angle[src], best)
        out[better] = aa[src][better]
    k = np.hanning(win + 2)[1:-1]
    k /= k.sum()
    pad = np.pad(out, ((half, half), (0, 0)), mode="edge")
    sm = np.stack([np.convolve(pad[:, c], k, mode="valid") for c in range(aa.shape[1])], axis=1)
    got = np.linalg.norm(sm, axis=1)
    scale = np.where(got > 1e-9, np.maximum(1.0, np.maximum(angle, 0.0) / np.maximum(got, 1e-9)), 1.0)
    scale = np.convolve(np.pad(scale, half, mode="edge"), k, mode="valid")
    return sm * scale[:, None]


def resolve(skel, bone_map: dict, res, caps: Capsules, units_per_m: float, fps: float,
            iterations: int = 8):
    """Push hands and forearms out of the torso, head and the other arm; returns a new result.

    Args:
        skel: :class:`rigs.retarget.TargetSkeleton`.
        bone_map: ``{smplx_joint: bone}`` used for retargeting.
        res: :class:`rigs.retarget.RetargetResult` (its ``posed_quat`` is updated too).
        caps: :class:`Capsules` fitted on this character.
        units_per_m: armature units per SMPL-X metre (``RetargetPlan.scale``).
        fps: frame rate of ``res`` (sets the 0.4 s smoothing window).

    Returns:
        ``(new_result, before (T,), after (T,))``: overlaps as in :func:`interpenetration`.
    """
    names = list(skel.names)
    setup = _Setup(skel, bone_map, caps)
    quats = np.asarray(res.quats, np.float64).copy()
    posed = None if res.posed_quat is None else np.asarray(res.posed_quat, np.float64).copy()
    res_names = list(res.bone_names)
    win = max(3, int(round(0.4 * fps)) | 1)
    tol, margin = TOLERANCE_M * units_per_m, MARGIN_M * units_per_m

    def overlap(c):
        w = np.maximum(c["L"][0], c["R"][0])
        return np.where(np.isfinite(w), w - tol, -tol) / units_per_m

    def remeasure(con, pose, res, frames):
        """Pose and contacts again on ``frames`` only, in place: every other frame's pose is
        unchanged, and contacts are per frame, so the arrays equal a full re-measure."""
        if frames.size == 0:
            return con, pose
        sub = replace(res, quats=res.quats[frames],
                      root_location=None if res.root_location is None else res.root_location[frames])
        pose[frames] = pose_matrices(skel, sub, used)
        for s_ in ("L", "R"):
            for full, part in zip(con[s_], setup.contacts(pose[frames], s_)):
                full[frames] = part
        return con, pose

    used = setup.bones_used() + [names.index(bone_map[j]) for j in ("left_shoulder", "right_shoulder")
                                 if bone_map.get(j) in names]
    pose = pose_matrices(skel, res, used)
    con = {s: setup.contacts(pose, s) for s in ("L", "R")}
    before = overlap(con)
    after = before
    best = (float(np.mean(before > 0)), float(np.maximum(before, 0).sum()), res, before)
    for _ in range(iterations):
        if after.max() <= 0.0:
            break
        for side, joint in (("L", "left_shoulder"), ("R", "right_shoulder")):
            sh_bone = bone_map.get(joint)
            if not sh_bone or sh_bone not in res_names:
                continue
            depth, p, push = con[side]
            need = np.isfinite(depth) & (depth > tol - margin)
            if not need.any():
                continue
            sh = names.index(sh_bone)
            arm = p - pose[:, sh, :3, 3]
            axis = np.cross(arm, push)
            arm_len = np.maximum(np.linalg.norm(arm, axis=1), 1e-6)
            sin = np.linalg.norm(axis, axis=1) / arm_len          # only this share moves along push
            axis /= np.maximum(np.linalg.norm(axis, axis=1, keepdims=True), 1e-9)
            move = np.where(need, depth - tol + margin, 0.0)
            angle = np.minimum(move / (arm_len * np.maximum(sin, 0.3)), 0.5)
            rot = pose[:, sh, :3, :3]
            rot = rot / np.linalg.norm(rot, axis=1, keepdims=True)
            # the correction is expressed and smoothed in the upper arm's own frame, so that a
            # neighbouring frame's push moves with the arm instead of pointing into the body
            local = np.einsum("tji,tj->ti", rot, axis * angle[:, None])
            aa_local = smooth_correction(local, angle, win)
            w = matrix_to_quat(rot)
            k = res_names.index(sh_bone)
            quats[:, k] = quat_mul(quats[:, k], axis_angle_to_quat(aa_local))
            dq = quat_mul(w, quat_mul(axis_angle_to_quat(aa_local), quat_conj(w)))   # armature-space delta
            if posed is not None:
                for m_i, bn in enumerate(res_names):
                    if is_ancestor(sh, names.index(bn), skel.parents):
                        posed[:, m_i] = quat_mul(dq, posed[:, m_i])
            old_q = res.quats[:, k]
            res = replace(res, quats=quats.astype(np.float32), posed_quat=posed)
            moved = np.flatnonzero((res.quats[:, k] != old_q).any(axis=1))   # frames the push changed
            con, pose = remeasure(con, pose, res, moved)
            after = overlap(con)
        score = (float(np.mean(after > 0)), float(np.maximum(after, 0).sum()))
        if score < best[:2]:
            best = (*score, res, after)
    _, _, res, after = best     # the iteration with the fewest frames inside (pushes can overshoot)
    quats = np.asarray(res.quats, np.float64)
    posed = res.posed_quat
    q = quats.copy()
    flip = np.sum(q[1:] * q[:-1], axis=-1) < 0          # keep quaternions sign-continuous in time
    sign = np.cumprod(np.where(np.concatenate([np.zeros((1, q.shape[1]), bool), flip]), -1.0, 1.0), axis=0)
    res = replace(res, quats=(q * sign[..., None]).astype(np.float32), posed_quat=posed)
    return res, before, after
