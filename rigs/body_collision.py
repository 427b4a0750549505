"""Self-collision of the arms on the *target* character, after retargeting (bpy-free).

Proxies are capsules, one per deforming bone, fitted to the character's own mesh (the Blender
side, ``addon/body_proxies.py``, gathers each bone's vertices: those it dominates by skin weight,
or all vertices of a mesh parented to the bone) with :func:`fit_capsule`, and convex hulls
(:func:`fit_hull`) for the torso and head. They live in the bone's rest frame
(``bone.matrix_local`` coordinates, armature units), so they follow any pose.

Which points of the arms are measured against what (hands, forearms and the elbow end of the
upper arms, as spheres of the skin's radius, against the torso/head hulls and the other arm's
capsules) is :mod:`rigs.body_contacts`. :func:`resolve` pushes the arm out where any sample
overlaps more than the tolerance: the whole arm rotates about the shoulder (the upper-arm bone's
head) away from the obstacle (out of the torso horizontally: an elbow inside a wide torso lifts
the arm sideways), by the angle that moves the contact point by the depth plus a margin (a
one-joint IK step, iterated). The correction is dilated and Hann-smoothed over ~0.4 s so it never
adds a jerk and the stroke's velocity minima stay where they were (timing is kept; the hand path
is offset). Where a hand or forearm is still inside after that (a short arm lifted into a huge
head, KayKit), :func:`push_elbows` bends or straightens the elbow about its hinge, smoothed the
same way.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace

import numpy as np

from .body_contacts import HULL_PARTS, ArmContacts, body_parts, hull_bones, joint_part  # noqa: F401  (public names)
from .convex_hull import convex_hull_planes
from .retarget_inverse import armature_pose_matrices
from .rotations import axis_angle_to_quat, matrix_to_quat, quat_conj, quat_mul, quat_to_matrix
from .tree import is_ancestor

#: Depth (SMPL-X metres, scaled to the character) a pair may overlap before it counts as inside:
#: capsules are a loose fit of the surface, so a light touch is not an interpenetration.
TOLERANCE_M: float = 0.01
#: Extra clearance (SMPL-X metres, scaled) the push-out aims for beyond the tolerance.
MARGIN_M: float = 0.01
#: Largest total turn (rad) the push gives a shoulder over all iterations: 75 degrees lifts an arm
#: from hanging to nearly horizontal; beyond that the arm would swing into the head (characters
#: with a huge head and short arms, KayKit), so what is left stays and is reported.
MAX_TURN_RAD: float = np.radians(75.0)
#: :func:`resolve` stops after this many iterations in a row that do not improve on the best.
STALL_ITERATIONS: int = 2
#: :func:`smooth_correction`: where the smoothed corrections' sum is shorter than this share of the
#: smoothed angle (neighbouring frames' axes disagree), the angle shrinks with the sum rather than
#: the axis swinging round in a frame or two.
AXIS_AGREEMENT: float = 0.5
#: :func:`push_elbows`: iterations, the largest total elbow turn (rad) and the flexion range
#: (rad, 0 = straight) the elbow correction keeps to. The turn cap was chosen on KayKit's tuning
#: half (``tools/eval/collision.py --part tune``: frames with a point > 1 cm inside 5.6% at 45
#: degrees, 5.3% at 60 and at 90); 150 degrees is a human elbow's flexion.
ELBOW_ITERATIONS: int = 4
MAX_ELBOW_TURN_RAD: float = np.radians(60.0)
ELBOW_FLEX_RAD: float = np.radians(150.0)
#: :func:`measure` runs the frame broad phase when a character has at least this many times as many
#: bones to pose for the contacts as for the frame test (the demo character, with fingers: 44 / 14;
#: RobotExpressive 32 / 24 and KayKit 12 / 10 pose everything: there the test cost more than it saved,
#: 60 s demo / 12 s cases, ``rigs.body_collision.resolve`` CPU time, 2026-12-07).
FRAME_PHASE_MIN_RATIO: float = 1.5
#: Percentile of the vertices' distance to the bone axis used as the capsule radius.
RADIUS_PERCENTILE: float = 70.0


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


def pose_matrices(skel, res, bones=None, frames=None) -> np.ndarray:
    """``(T, B, 4, 4)`` armature-space pose matrices for a retarget result
    (:func:`rigs.retarget_inverse.armature_pose_matrices`): mapped bones use the result's
    quaternions, the root bone its location, other bones their current basis rotation.
    ``bones`` (optional bone indices): only they and their ancestors are computed (other rows NaN).
    ``frames`` (optional ``(F,)`` frame indices): only those frames, ``(F, B, 4, 4)``.
    """
    names = list(skel.names)
    quats = np.asarray(res.quats, np.float64)
    loc = res.root_location
    if frames is not None:
        quats = quats[frames]
        loc = None if loc is None else np.asarray(loc)[frames]
    basis_quats = {names.index(n): quats[:, k] for k, n in enumerate(res.bone_names)}
    basis_locs = ({names.index(res.root_bone): loc} if loc is not None and res.root_bone else None)
    return armature_pose_matrices(skel, basis_quats, basis_locs, quats.shape[0], bones)


def measure(setup: ArmContacts, skel, res, pose: np.ndarray, posed: np.ndarray, frames: np.ndarray) -> dict:
    """Both arms' contacts on ``frames`` of ``res``, posing the fingers only where a hand may touch.

    Args:
        setup: the contacts of this character; ``skel``, ``res``: as in :func:`resolve`.
        pose: ``(T, B, 4, 4)`` pose matrices whose :meth:`ArmContacts.frame_bones` rows are
            current on ``frames``; the other rows of :meth:`ArmContacts.bones_used` are filled
            here (:func:`pose_matrices`) on the frames that ``posed`` (``(T,)`` bool, updated)
            says are not set yet and :meth:`ArmContacts.frame_candidates` keeps.
        frames: ``(F,)`` frame indices.

    The frame test runs only where :meth:`ArmContacts.bones_used` has at least
    :data:`FRAME_PHASE_MIN_RATIO` times as many bones as :meth:`ArmContacts.frame_bones`.

    Returns:
        ``{side: (depth (F,), point (F, 3), push (F, 3))}`` as :meth:`ArmContacts.contacts`; frames
        the candidate test drops report depth ``-inf`` (nothing there overlaps or pushes).
    """
    known = posed[frames]          # fully posed already: the contacts' own broad phases suffice
    if len(setup.bones_used()) < FRAME_PHASE_MIN_RATIO * len(setup.frame_bones()):
        known = np.ones(frames.size, bool)       # few finger bones: posing them costs less than the test
    test = pose[frames[~known]]
    cand = {}
    for s in ("L", "R"):
        cand[s] = known.copy()
        if test.shape[0]:
            cand[s][~known] = setup.frame_candidates(test, s)
    both = frames[cand["L"] | cand["R"]]
    missing = both[~posed[both]]
    if missing.size:
        pose[missing] = pose_matrices(skel, res, setup.bones_used() + setup.frame_bones(), missing)
        posed[missing] = True
    out = {}
    for s in ("L", "R"):
        f = frames.size
        depth, point, push = np.full(f, -np.inf), np.zeros((f, 3)), np.zeros((f, 3))
        if cand[s].any():
            depth[cand[s]], point[cand[s]], push[cand[s]] = setup.contacts(pose[frames[cand[s]]], s)
        out[s] = (depth, point, push)
    return out


def interpenetration(skel, bone_map, res, caps: Capsules, units_per_m: float) -> np.ndarray:
    """``(T,)`` worst arm overlap per frame (hand, forearm or the upper arm's elbow end; see
    :mod:`rigs.body_contacts`) in SMPL-X metres minus :data:`TOLERANCE_M` (> 0: inside the torso,
    head or the other arm; ``-TOLERANCE_M`` where nothing overlaps: the broad phases skip those
    frames, so how far apart is not measured)."""
    setup = ArmContacts(skel, bone_map, caps)
    pose = pose_matrices(skel, res, setup.frame_bones())
    t = pose.shape[0]
    con = measure(setup, skel, res, pose, np.zeros(t, bool), np.arange(t))
    worst = np.maximum(con["L"][0], con["R"][0])
    return np.where(worst > 0.0, worst / units_per_m - TOLERANCE_M, -TOLERANCE_M)


def smooth_correction(aa: np.ndarray, angle: np.ndarray, win: int) -> np.ndarray:
    """Spread a per-frame rotation correction in time so it adds no jerk.

    Args:
        aa: ``(T, 3)`` axis-angle corrections (rad); ``angle``: ``(T,)`` the angle each frame needs.
        win: window in frames (odd).

    Returns:
        ``(T, 3)``: dilated over ``win`` frames (keeping the strongest), Hann-smoothed; the
        length of each vector is the Hann-smoothed dilated angle (at least the frame's own
        ``angle``), its direction the smoothed vectors' direction. Where those vectors mostly
        cancel (neighbouring frames push along different axes: their sum is shorter than
        :data:`AXIS_AGREEMENT` x the angle) the angle shrinks with the sum instead, so the
        correction never turns faster than the kernel allows (a rescale by angle / sum made a
        0.26 quaternion-component jump per frame on KayKit). Used by the SMPL-X torso push
        (:mod:`inference.body.collision`) and the character push (:func:`resolve`).
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
    # the angle: the dilated need, Hann-smoothed (>= every frame's own need, as the dilation
    # covers the kernel's support); the axis: the smoothed vectors' direction. Where neighbours'
    # axes disagree (the vectors cancel) the angle shrinks with their sum instead of the direction
    # jumping, so the correction stays as smooth as the kernel
    mag = np.convolve(np.pad(best, half, mode="edge"), k, mode="valid")
    got = np.linalg.norm(sm, axis=1)
    return sm * (mag / np.maximum(got, np.maximum(AXIS_AGREEMENT * mag, 1e-12)))[:, None]


def push_elbows(skel, bone_map: dict, res, setup: ArmContacts, units_per_m: float, fps: float, after: np.ndarray,
                iterations: int = ELBOW_ITERATIONS):
    """After the shoulder push: where a hand or forearm sample is still inside, bend or straighten
    the elbow (the forearm bone turns about its hinge, the normal of the upper arm / forearm
    plane) by the angle that moves the sample by its depth plus the margin, within
    :data:`ELBOW_FLEX_RAD` of flexion and :data:`MAX_ELBOW_TURN_RAD` of total turn, smoothed like
    the shoulder push (:func:`smooth_correction` in the forearm's own frame). Iterated; the
    iteration with the smallest summed hand/forearm overlap is kept.

    Returns:
        ``(result, after (T,))``: ``after`` as in :func:`interpenetration`, re-measured when the
        elbows moved (else the ``after`` given).
    """
    names = list(skel.names)
    res_names = list(res.bone_names)
    tol, margin = TOLERANCE_M * units_per_m, MARGIN_M * units_per_m
    win = max(3, int(round(0.4 * fps)) | 1)
    joints = [(s, bone_map.get(f"{n}_shoulder"), bone_map.get(f"{n}_elbow"), bone_map.get(f"{n}_wrist"))
              for s, n in (("L", "left"), ("R", "right"))]
    joints = [(s, names.index(a), names.index(b), names.index(c), res_names.index(b)) for s, a, b, c in joints
              if a in names and b in res_names and c in names]
    if not joints or not (after > 0.0).any():      # nothing inside after the shoulder push
        return res, after
    bones = sorted(set(setup.bones_used()) | set(setup.frame_bones()) | {j for q in joints for j in q[1:4]})

    def distal_overlap(pose):
        return {s: setup.contacts(pose, s, distal=True) for s, *_ in joints}

    def score(con):
        return float(sum(np.maximum(c[0] - tol, 0.0)[np.isfinite(c[0])].sum() for c in con.values()))

    pose = pose_matrices(skel, res, bones)
    # all samples too, in the same pass: the frames no elbow turn changes keep these at the end
    first = {s: setup.contacts_pair(pose, s) for s in ("L", "R")}
    con = {s: first[s][1] for s, *_ in joints}
    sc = score(con)
    if sc <= 0.0:
        return res, after
    best = (sc, res, pose.copy())     # the pose of the kept result: rows are per frame, so
    # the rows re-posed on the frames a turn moved equal a full pose_matrices of that result
    res_in = res
    quats = np.asarray(res.quats, np.float64).copy()
    q_start = quats.copy()
    posed = None if res.posed_quat is None else np.asarray(res.posed_quat, np.float64).copy()
    for _ in range(iterations):
        for side, sh, el, wr, k in joints:
            depth, p, push = con[side]
            need = np.isfinite(depth) & (depth > tol - margin)
            if not need.any():
                continue
            e, u, f = pose[:, el, :3, 3], pose[:, el, :3, 3] - pose[:, sh, :3, 3], pose[:, wr, :3, 3] - pose[:, el, :3, 3]
            hinge = np.cross(u, f)
            hn = np.linalg.norm(hinge, axis=1)
            flex = np.arctan2(hn, np.sum(u * f, axis=1))               # 0: straight arm
            hinge /= np.maximum(hn, 1e-12)[:, None]
            # out of the body towards the arm's own side: a push through the torso to the other
            # side (a hand that crossed the body's axis) is mirrored back across the axis
            up = pose[:, setup.up_to, :3, 3] - pose[:, setup.up_from, :3, 3]
            up /= np.maximum(np.linalg.norm(up, axis=1, keepdims=True), 1e-12)
            lat = pose[:, sh, :3, 3] - pose[:, setup.up_from, :3, 3]
            lat -= np.sum(lat * up, axis=1, keepdims=True) * up
            lat /= np.maximum(np.linalg.norm(lat, axis=1, keepdims=True), 1e-12)
            across = np.minimum(np.sum(push * lat, axis=1), 0.0)
            push = push - 2.0 * across[:, None] * lat
            lever = p - e
            tangent = np.cross(hinge, lever)                            # the sample's motion for +angle
            arm = np.maximum(np.linalg.norm(tangent, axis=1), 1e-6)
            gain = np.sum(tangent * push, axis=1) / arm
            sign = np.where(gain >= 0.0, 1.0, -1.0)
            move = np.where(need & (hn > 1e-6 * np.linalg.norm(u, axis=1) * np.linalg.norm(f, axis=1)),
                            depth - tol + margin, 0.0)
            angle = np.minimum(move / (arm * np.maximum(np.abs(gain), 0.3)), 0.5)
            done = 2 * np.arccos(np.clip(np.abs(np.sum(quats[:, k] * q_start[:, k], axis=1)), 0.0, 1.0))
            room = np.maximum(MAX_ELBOW_TURN_RAD - done, 0.0)
            # flexion stays in [0, ELBOW_FLEX_RAD]: bending adds, straightening removes
            limit = np.where(sign > 0, ELBOW_FLEX_RAD - flex, flex)
            angle = np.clip(np.minimum(angle, room), 0.0, np.maximum(limit, 0.0))
            rot = pose[:, el, :3, :3] / np.linalg.norm(pose[:, el, :3, :3], axis=1, keepdims=True)
            local = np.einsum("tji,tj->ti", rot, hinge * (sign * angle)[:, None])
            aa_local = smooth_correction(local, angle, win)
            got = np.linalg.norm(aa_local, axis=1)
            aa_local *= (np.minimum(got, room) / np.maximum(got, 1e-12))[:, None]
            w = matrix_to_quat(rot)
            quats[:, k] = quat_mul(quats[:, k], axis_angle_to_quat(aa_local))
            if posed is not None:
                dq = quat_mul(w, quat_mul(axis_angle_to_quat(aa_local), quat_conj(w)))
                for m_i, bn in enumerate(res_names):
                    if is_ancestor(el, names.index(bn), skel.parents):
                        posed[:, m_i] = quat_mul(dq, posed[:, m_i])
            res = replace(res, quats=quats.astype(np.float32), posed_quat=posed)
            # only the frames this turn moved change (poses and contacts are per frame): re-pose
            # and re-measure those, not the whole clip
            moved = np.flatnonzero(np.any(aa_local != 0.0, axis=1))
            if moved.size:
                sub = pose_matrices(skel, res, bones, frames=moved)
                pose[moved] = sub
                for s_, c_ in distal_overlap(sub).items():
                    for full, part in zip(con[s_], c_):
                        full[moved] = part
        sc = score(con)
        if sc < best[0]:
            best = (sc, res, pose.copy())
        else:
            break
    _, res, pose = best
    changed = np.flatnonzero(np.any(res.quats != res_in.quats, axis=(1, 2)))
    depth = {s: first[s][0][0].copy() for s in ("L", "R")}
    if changed.size:      # the poses (and so the contacts) of the other frames are the first ones
        for s in ("L", "R"):
            depth[s][changed] = setup.contacts(pose[changed], s)[0]
    w = np.maximum(depth["L"], depth["R"])
    return res, np.where(w > 0.0, w - tol, -tol) / units_per_m


def resolve(skel, bone_map: dict, res, caps: Capsules, units_per_m: float, fps: float,
            iterations: int = 8):
    """Push the arms (hands, forearms, elbows) out of the torso, head and the other arm; returns a
    new result.

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
    setup = ArmContacts(skel, bone_map, caps)
    quats = np.asarray(res.quats, np.float64).copy()
    q_start = quats.copy()
    posed = None if res.posed_quat is None else np.asarray(res.posed_quat, np.float64).copy()
    res_names = list(res.bone_names)
    win = max(3, int(round(0.4 * fps)) | 1)
    tol, margin = TOLERANCE_M * units_per_m, MARGIN_M * units_per_m

    def overlap(c):
        w = np.maximum(c["L"][0], c["R"][0])
        return np.where(w > 0.0, w - tol, -tol) / units_per_m

    def remeasure(con, pose, frames, sh, k, q_old):
        """After shoulder ``sh`` (result column ``k``) turned from ``q_old`` on ``frames``: move its
        subtree's rows of ``pose`` rigidly with it (the other bones are unchanged; rows not posed
        yet stay NaN) and measure the contacts again on those frames only (contacts are per
        frame, so the arrays equal a full re-measure up to float rounding)."""
        if frames.size == 0:
            return con, pose
        r_old = quat_to_matrix(np.asarray(q_old[frames], np.float64))
        r_new = quat_to_matrix(np.asarray(res.quats[frames, k], np.float64))
        m = pose[frames, sh]
        # pose_bone.matrix = parent @ rel @ basis, and only the basis rotation changed:
        # new = old @ (R_old^T R_new), so every descendant moves by g = old @ d @ old^-1
        d = np.broadcast_to(np.eye(4), (frames.size, 4, 4)).copy()
        d[:, :3, :3] = np.einsum("tji,tjk->tik", r_old, r_new)
        inv = np.zeros_like(m)         # rigid: bone rest frames and basis rotations are orthonormal
        inv[:, :3, :3] = np.swapaxes(m[:, :3, :3], 1, 2)
        inv[:, :3, 3] = -np.einsum("tij,tj->ti", inv[:, :3, :3], m[:, :3, 3])
        inv[:, 3, 3] = 1.0
        g = m @ d @ inv
        sub = subtree[sh]
        pose[np.ix_(frames, sub)] = g[:, None] @ pose[np.ix_(frames, sub)]
        part = measure(setup, skel, res, pose, posed_rows, frames)
        for s_ in ("L", "R"):
            for full, new in zip(con[s_], part[s_]):
                full[frames] = new
        return con, pose

    core = setup.frame_bones()
    pose = pose_matrices(skel, res, core)     # the fingers are posed on the frames that need them
    t = pose.shape[0]
    rows = sorted(set(core) | set(setup.bones_used()))
    subtree = {names.index(bone_map[j]): [i for i in rows if is_ancestor(names.index(bone_map[j]), i, skel.parents)]
               for j in ("left_shoulder", "right_shoulder") if bone_map.get(j) in names}
    posed_rows = np.zeros(t, bool)
    con = measure(setup, skel, res, pose, posed_rows, np.arange(t))
    before = overlap(con)
    after = before
    best = (float(np.mean(before > 0)), float(np.maximum(before, 0).sum()), res, before)
    stalled = 0
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
            k = res_names.index(sh_bone)
            done = 2 * np.arccos(np.clip(np.abs(np.sum(quats[:, k] * q_start[:, k], axis=1)), 0.0, 1.0))
            room = np.maximum(MAX_TURN_RAD - done, 0.0)
            angle = np.minimum(np.minimum(move / (arm_len * np.maximum(sin, 0.3)), 0.5), room)
            rot = pose[:, sh, :3, :3]
            rot = rot / np.linalg.norm(rot, axis=1, keepdims=True)
            # the correction is expressed and smoothed in the upper arm's own frame, so that a
            # neighbouring frame's push moves with the arm instead of pointing into the body
            local = np.einsum("tji,tj->ti", rot, axis * angle[:, None])
            aa_local = smooth_correction(local, angle, win)
            got = np.linalg.norm(aa_local, axis=1)
            aa_local *= (np.minimum(got, room) / np.maximum(got, 1e-12))[:, None]     # the total turn cap
            w = matrix_to_quat(rot)
            quats[:, k] = quat_mul(quats[:, k], axis_angle_to_quat(aa_local))
            dq = quat_mul(w, quat_mul(axis_angle_to_quat(aa_local), quat_conj(w)))   # armature-space delta
            if posed is not None:
                for m_i, bn in enumerate(res_names):
                    if is_ancestor(sh, names.index(bn), skel.parents):
                        posed[:, m_i] = quat_mul(dq, posed[:, m_i])
            old_q = res.quats[:, k]
            res = replace(res, quats=quats.astype(np.float32), posed_quat=posed)
            moved = np.flatnonzero((res.quats[:, k] != old_q).any(axis=1))   # frames the push changed
            con, pose = remeasure(con, pose, moved, sh, k, old_q)
            after = overlap(con)
        score = (float(np.mean(after > 0)), float(np.maximum(after, 0).sum()))
        if score < best[:2]:
            best, stalled = (*score, res, after), 0
        else:
            stalled += 1
            if stalled >= STALL_ITERATIONS:     # what is left does not give way (hands pressed together)
                break
    _, _, res, after = best     # the iteration with the fewest frames inside (pushes can overshoot)
    res, after = push_elbows(skel, bone_map, res, setup, units_per_m, fps, after)
    quats = np.asarray(res.quats, np.float64)
    posed = res.posed_quat
    q = quats.copy()
    flip = np.sum(q[1:] * q[:-1], axis=-1) < 0          # keep quaternions sign-continuous in time
    sign = np.cumprod(np.where(np.concatenate([np.zeros((1, q.shape[1]), bool), flip]), -1.0, 1.0), axis=0)
    res = replace(res, quats=(q * sign[..., None]).astype(np.float32), posed_quat=posed)
    return res, before, after
