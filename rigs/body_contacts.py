"""Where an arm touches the body, per frame, on the target character's proxies (bpy-free).

Every bone belongs to the *body part* of its nearest ancestor-or-self that the bone map maps to an
SMPL-X joint (:func:`body_parts`): hand (wrist and fingers), forearm, upper arm, collar, torso
(pelvis, spine), head (neck, head, jaw, eyes), legs. :class:`ArmContacts` samples each side's arm
with spheres on its proxy capsules (:class:`rigs.body_collision.Capsules`) and measures them
against the torso and head (convex hulls where the proxies have them; for forearm and upper-arm
samples a head bone's hull only above that bone's head along the body's up axis) and the other side's collar, upper arm, forearm
and hand (capsules). A hand on a thigh is allowed (seated rest).

Sample spheres (bone rest frame, radius in armature units):

* hand bones: the capsule's centre for short (finger, palm) segments, both ends and the middle
  for longer ones; forearm: both ends and the middle; upper arm: three quarters along and the
  elbow end of its capsule (:data:`UPPERARM_SAMPLES`): the elbow into a wide torso. The
  proximal part of the upper arm joins the torso at the shoulder whatever the pose (its middle
  sample sat inside the demo character's chest hull beside the armpit on 15 % of frames where
  the evaluated mesh shows no contact at all: ``tools/eval/collision.py --part tune``).
* radius: forearm and upper arm :data:`SKIN_RADIUS_SCALE` x the capsule radius (the capsule
  radius is a percentile of the bone's vertices' distance to its axis,
  :func:`rigs.body_collision.fit_capsule`, so the sphere reaches the skin measured on the mesh,
  not only the limb's core); hands :data:`HAND_RADIUS_SCALE` x (their core).
* what a sample sphere already overlaps of a torso/head hull in the rest pose is the arm's
  attachment to the body (a short, thick upper arm inside the chest's convex hull), not a
  contact: only depth beyond it counts (per sample and hull).

Depth of a sphere in a hull = ``radius - max_f (n_f . x + o_f) - rest overlap``; against a capsule
``r_a + r_b - distance(point, segment)`` (> 0: overlap). Broad phases (same depths on every frame
where anything overlaps): a bounding sphere per hull bone, and one around each side's sample
points against one around the other arm's capsules; a frame that fails one skips the exact test
and reports ``-inf`` for that obstacle. Before them, per frame (:meth:`ArmContacts.frame_candidates`,
which needs the pose of the arms down to the hand's root bone only, not of the fingers): each hand
is one sphere that holds all its samples whatever the fingers do, and a frame where no sphere can
overlap an obstacle is skipped whole (:func:`rigs.body_collision.measure` then poses its fingers
only on the frames kept: on the demo character ~27 % of 60 s of motion).
"""

from __future__ import annotations

import numpy as np

#: Forearm and upper-arm sample radius as a share of the capsule radius (the capsule radius is the
#: 70th percentile of the vertices' distance to the bone axis, i.e. the skin of a round limb).
SKIN_RADIUS_SCALE: float = 1.0
#: Hand samples use a thinner sphere, the hand's core: a palm capsule's radius is widened by the
#: fingers, and a cuff or sleeve grazing the body is not a hand inside it (RobotExpressive's mitten
#: hands would otherwise sit inside its head's hull on every frame: tools/eval/collision.py --part tune).
HAND_RADIUS_SCALE: float = 0.7
#: Upper-arm samples, as fractions along its capsule segment (0 = shoulder end, 1 = elbow end;
#: the capsule's end caps reach one radius further, so 1.0 covers the elbow).
UPPERARM_SAMPLES: tuple = (0.75, 1.0)

PARTS = ("hand", "forearm", "upperarm", "collar", "torso", "head", "legs")
#: Body parts whose proxies use their convex hull (when they have one); the others use capsules.
HULL_PARTS: tuple = ("torso", "head")
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


def hull_bones(names, parents, bone_map: dict) -> set:
    """Names of the bones whose hull the contacts read (their body part is in :data:`HULL_PARTS`,
    see :func:`body_parts`); hulls of other bones are never used, so a caller may skip fitting them."""
    return {n for n, (part, _) in zip(names, body_parts(names, parents, bone_map)) if part in HULL_PARTS}


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


def _sq(v):
    return np.einsum("...i,...i->...", v, v)


def _unit(v):
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-9)


def _transform(m, p):
    """``m (T, 4, 4)`` applied to ``p (3,)`` -> ``(T, 3)``."""
    return np.einsum("tij,j->ti", m[:, :3, :3], p) + m[:, :3, 3]


class ArmContacts:
    """Sample spheres of both arms and the obstacles they are measured against (see the module).

    Args:
        skel: :class:`rigs.retarget.TargetSkeleton`; ``bone_map``: ``{smplx_joint: bone}``;
        caps: :class:`rigs.body_collision.Capsules` (capsules of bones not in ``skel`` are ignored).
    """

    def __init__(self, skel, bone_map, caps):
        names = list(skel.names)
        self._bone_map = dict(bone_map)
        bparts = body_parts(skel.names, skel.parents, bone_map)
        keep = [k for k, bn in enumerate(caps.bones) if bn in names]
        self.bidx = np.array([names.index(caps.bones[k]) for k in keep], dtype=int)
        self.a = np.asarray(caps.a, np.float64).reshape(-1, 3)[keep]
        self.b = np.asarray(caps.b, np.float64).reshape(-1, 3)[keep]
        self.r = np.asarray(caps.radius, np.float64)[keep]
        hulls = caps.hulls or (None,) * len(caps.bones)
        self.parts = [bparts[i] for i in self.bidx]
        self.hull = [hulls[k] if self.parts[j][0] in HULL_PARTS else None for j, k in enumerate(keep)]
        reach = np.full(len(caps.bones), np.inf) if caps.reach is None else np.asarray(caps.reach, np.float64)
        self.reach = reach[keep]
        top = next((bone_map[j] for j in ("neck", "head", "spine3", "spine2") if bone_map.get(j) in names), None)
        self.up_from = names.index(bone_map["pelvis"]) if bone_map.get("pelvis") in names else 0
        self.up_to = names.index(top) if top else self.up_from
        rest = np.asarray(skel.rest, np.float64)[None]
        self.shoulder = {s: names.index(bone_map[j]) if bone_map.get(j) in names else -1
                         for s, j in (("L", "left_shoulder"), ("R", "right_shoulder"))}
        self.sides = {}
        self.slack = {}
        self.rad = {}
        self.is_hand = {}
        for side in ("L", "R"):
            other = "R" if side == "L" else "L"
            pk, pl, ps = [], [], []
            for i, (p, sd) in enumerate(self.parts):
                if sd != side or p not in ("hand", "forearm", "upperarm"):
                    continue
                short = np.linalg.norm(self.b[i] - self.a[i]) < self.r[i]
                us = UPPERARM_SAMPLES if p == "upperarm" else (0.5,) if short else (0.0, 0.5, 1.0)
                for u in us:
                    pk.append(i)
                    pl.append(self.a[i] + u * (self.b[i] - self.a[i]))
                    ps.append(HAND_RADIUS_SCALE if p == "hand" else SKIN_RADIUS_SCALE)
            hull_obst = [i for i, h in enumerate(self.hull) if h is not None]
            groups = {}     # capsule obstacles, one group per body part (for the broad phase)
            for i, (p, sd) in enumerate(self.parts):
                if (p in HULL_PARTS and self.hull[i] is None) or (sd == other and p in ("collar", "upperarm", "forearm", "hand")):
                    groups.setdefault(p, []).append(i)
            caps_obst = [np.array(g, dtype=int) for g in groups.values()]
            pk = np.array(pk, dtype=int)
            pl = np.array(pl, np.float64).reshape(-1, 3)
            self.rad[side] = self.r[pk] * np.array(ps, np.float64)
            self.is_hand[side] = np.array([self.parts[i][0] == "hand" for i in pk], bool)
            self.sides[side] = (pk, pl, hull_obst, caps_obst)
            # the arm's attachment: what a sample already overlaps of each torso/head hull in the
            # rest pose (a shoulder cap inside the chest's convex hull) is allowed, only depth
            # beyond it counts
            slack = np.zeros((pk.size, len(hull_obst)))
            if pk.size:
                pts = self._points(rest, side)[0]
                for j, o in enumerate(hull_obst):
                    m = np.broadcast_to(rest[0, self.bidx[o]], (pk.size, 4, 4))
                    sd, _ = self._hull_nearest(o, m[:, :3, :3], m[:, :3, 3], pts)
                    slack[:, j] = np.maximum(self.rad[side] - sd, 0.0)
            self.sides[side] = (pk, pl, hull_obst, caps_obst)
            self.slack[side] = slack
        self._frame_bounds(skel)

    def _frame_bounds(self, skel):
        """Bounding spheres of :meth:`frame_candidates`, per side ``(bone, centre in its rest frame,
        radius)`` for the arm (``self.frame_arm``) and for its obstacles (``self.frame_obst``).

        Forearm and upper-arm samples are their own spheres. A hand's samples (palm, fingers) are
        bounded by one sphere fixed in the hand's root bone (the topmost bone of the hand part):
        a sample on bone ``b`` lies within ``|t_c - c| + sum |t_x| + |q|`` of a point ``c`` of the
        root frame, where ``t_c`` is the rest offset of the chain's first bone below the root (fixed
        in the root frame), ``t_x`` the rest offsets further down to ``b`` (any rotation keeps
        their length: non-root bones are posed by rotation only) and ``q`` the sample in ``b``'s
        frame; ``c`` is the mean of the fixed points. The other arm's hand capsules are bounded the
        same way (segment ends, plus the capsule radius). Torso/head hulls use their bone's
        bounding sphere (``reach``, the same test as the per-sample broad phase), other capsules
        the sphere around their segment plus radius."""
        rest = np.asarray(skel.rest, np.float64)
        parents = list(skel.parents)
        names = list(skel.names)
        bparts = body_parts(skel.names, skel.parents, self._bone_map)
        offs = np.zeros((len(names), 3))
        for i, p in enumerate(parents):
            if p >= 0:
                offs[i] = (np.linalg.inv(rest[p]) @ rest[i])[:3, 3]

        def root_chain(b):
            """``(root, chain from b up to the bone below the root)`` of a hand bone."""
            chain = [b]
            while parents[chain[-1]] >= 0 and bparts[parents[chain[-1]]] == bparts[b]:
                chain.append(parents[chain[-1]])
            return chain[-1], chain[:-1]

        def hand_sphere(items):
            """``items``: ``[(bone, (n, 3) points in its frame, extra radius)]`` -> ``{root: (c, R)}``."""
            per_root = {}
            for b, q, extra in items:
                root, chain = root_chain(b)
                if chain:
                    fixed = offs[chain[-1]]
                    rem = np.linalg.norm(q, axis=1).max() + sum(np.linalg.norm(offs[x]) for x in chain[:-1])
                    per_root.setdefault(root, []).append((fixed[None], rem + extra))
                else:
                    per_root.setdefault(root, []).append((q, extra))
            out = {}
            for root, parts in per_root.items():
                c = np.concatenate([f for f, _ in parts]).mean(axis=0)
                out[root] = (c, max(float(np.linalg.norm(f - c, axis=1).max()) + r for f, r in parts))
            return out

        self.frame_arm, self.frame_obst, self.frame_hull = {}, {}, {}
        for side in ("L", "R"):
            pk, pl, hull_obst, caps_obst = self.sides[side]
            rad = self.rad[side]
            exact = [n for n, i in enumerate(pk) if self.parts[i][0] != "hand"]
            arm = [(int(self.bidx[pk[n]]), pl[n], float(rad[n])) for n in exact]
            hands = hand_sphere([(int(self.bidx[i]), pl[n][None], float(rad[n]))
                                 for n, i in enumerate(pk) if self.parts[i][0] == "hand"])
            arm += [(b, c, r) for b, (c, r) in hands.items()]
            # per arm sphere and hull: the radius within which a facet test may find an overlap
            # (an exact sample: its radius less its rest overlap; a hand's sphere: its radius)
            # and whether it is a hand (the head's level test)
            hull_r = np.array([[rad[n] - self.slack[side][n, j] for j in range(len(hull_obst))] for n in exact]
                              + [[r] * len(hull_obst) for _, r in hands.values()], np.float64).reshape(len(arm), len(hull_obst))
            self.frame_hull[side] = (hull_obst, hull_r, np.array([False] * len(exact) + [True] * len(hands)))
            obst = [(int(self.bidx[o]), 0.5 * (self.a[o] + self.b[o]), float(self.reach[o])) for o in hull_obst]
            caps = [i for g in caps_obst for i in g]
            obst += [(int(self.bidx[i]), 0.5 * (self.a[i] + self.b[i]),
                      float(0.5 * np.linalg.norm(self.b[i] - self.a[i]) + self.r[i]))
                     for i in caps if self.parts[i][0] != "hand"]
            hands = hand_sphere([(int(self.bidx[i]), np.stack([self.a[i], self.b[i]]), float(self.r[i]))
                                 for i in caps if self.parts[i][0] == "hand"])
            obst += [(b, c, r) for b, (c, r) in hands.items()]
            self.frame_arm[side] = _spheres(arm)
            self.frame_obst[side] = _spheres(obst)

    def frame_bones(self) -> list:
        """Bone indices whose pose :meth:`frame_candidates` reads (the arms down to each hand's
        root bone, the torso/head hull bones, the other arm's capsule bones, the up axis and the
        shoulders): far fewer than :meth:`bones_used` on a rig with fingers."""
        used = {self.up_from, self.up_to} | {i for i in self.shoulder.values() if i >= 0}
        for side in ("L", "R"):
            used.update(int(b) for b in self.frame_arm[side][0])
            used.update(int(b) for b in self.frame_obst[side][0])
        return sorted(used)

    def frame_candidates(self, pose: np.ndarray, side: str) -> np.ndarray:
        """``(T,)`` bool: frames where one side's arm may touch an obstacle.

        ``pose``: ``(T, B, 4, 4)`` with the rows of :meth:`frame_bones` set. Conservative: on a
        frame that is False no sample of :meth:`contacts` passes its broad phase against a hull
        and none overlaps a capsule, so :meth:`contacts` there reports nothing that pushes
        (depth ``-inf`` or below zero); spheres from :meth:`_frame_bounds`."""
        ab, al, ar = self.frame_arm[side]
        ob, ol, orad = self.frame_obst[side]
        t = pose.shape[0]
        if not ab.size or not ob.size:
            return np.zeros(t, bool)
        ma, mo = pose[:, ab], pose[:, ob]
        pa = (ma[..., :3, :3] @ al[..., None])[..., 0] + ma[..., :3, 3]                  # (T, A, 3)
        po = (mo[..., :3, :3] @ ol[..., None])[..., 0] + mo[..., :3, 3]                  # (T, O, 3)
        eps = 1e-9 * (1.0 + float(orad[np.isfinite(orad)].max(initial=0.0)))     # rounding: stay conservative
        hit = _sq(pa[:, :, None] - po[:, None]) < ((ar[:, None] + orad[None]) * (1.0 + 1e-9) + eps) ** 2
        # hulls: the bounding sphere first, then the facets (their signed distance is
        # 1-Lipschitz, so a sphere centre farther out than its radius keeps every sample out),
        # and for the head the level rule of :meth:`contacts`
        hull_obst, hull_r, is_hand = self.frame_hull[side]
        nh = len(hull_obst)
        found = hit[:, :, nh:].any(axis=(1, 2))          # capsules: the sphere test is the overlap test
        up = sh = None
        for j, o in enumerate(hull_obst):
            ti, ai = np.nonzero(hit[:, :, j] & ~found[:, None])     # frames not already kept
            if not ti.size:
                continue
            m = pose[ti, ob[j]]
            sd, _ = self._hull_nearest(o, m[:, :3, :3], m[:, :3, 3], pa[ti, ai])
            keep = sd < hull_r[ai, j] + eps
            if self.parts[o][0] == "head":
                if up is None:
                    up = _unit(pose[:, self.up_to, :3, 3] - pose[:, self.up_from, :3, 3])
                    s_i = self.shoulder[side] if self.shoulder[side] >= 0 else self.up_from
                    sh = pose[:, s_i, :3, 3]
                hand = is_hand[ai]
                ref = np.where(hand[:, None], sh[ti], m[:, :3, 3])
                level = np.sum((pa[ti, ai] - ref) * up[ti], axis=1)
                keep &= level > np.where(hand, -ar[ai], 0.0) - eps
            found[ti[keep]] = True
        return found

    def bones_used(self) -> list:
        """Bone indices whose pose :meth:`contacts` reads (proxies of the arms, torso and head, and
        the body's up axis)."""
        used = {self.up_from, self.up_to} | {i for i in self.shoulder.values() if i >= 0}
        for pk, _, hull_obst, caps_obst in self.sides.values():
            used.update(int(self.bidx[i]) for i in (*pk, *hull_obst, *(i for g in caps_obst for i in g)))
        return sorted(used)

    def _points(self, pose, side):
        pk, pl = self.sides[side][:2]
        m = pose[:, self.bidx[pk]]
        return (m[..., :3, :3] @ pl[..., None])[..., 0] + m[..., :3, 3]             # (T, P, 3)

    def _hull_nearest(self, o, rot, org, p):
        """Largest signed facet distance ``(N,)`` of points ``p (N, 3)`` to hull ``o`` posed by
        ``rot (N, 3, 3)``, ``org (N, 3)``, and that facet's index ``(N,)``."""
        loc = np.einsum("nji,nj->ni", rot, p - org)
        sd = loc @ self.hull[o][:, :3].T + self.hull[o][:, 3]                     # (N, F)
        f = sd.argmax(axis=1)
        return sd[np.arange(f.size), f], f

    def contacts(self, pose: np.ndarray, side: str, distal: bool = False):
        """Worst overlap of one side's arm per frame.

        Args:
            pose: ``(T, B, 4, 4)`` armature-space pose matrices (rows of :meth:`bones_used` set).
            side: ``"L"`` or ``"R"``.
            distal: only the hand and forearm samples (what an elbow turn moves).

        Returns:
            ``depth (T,)`` (armature units, ``-inf`` where no obstacle is near), the worst sample
            point ``(T, 3)`` and the unit push direction ``(T, 3)`` (armature space): the
            depth-weighted sum of the directions out of every overlapped obstacle (torso:
            horizontally away from the body's up axis; head: its nearest hull face plus downward;
            capsules: away from the closest point), each from its deepest sample; zero where
            nothing overlaps.
        """
        return self._contacts(pose, side, distal, False)[0]

    def contacts_pair(self, pose: np.ndarray, side: str):
        """``(all samples, distal)``: :meth:`contacts` with ``distal=False`` and with
        ``distal=True`` from one pass over the obstacles (the distal samples are a subset of all)."""
        return self._contacts(pose, side, False, True)

    def _distal_mask(self, pk) -> np.ndarray:
        return np.array([self.parts[i][0] in ("hand", "forearm") for i in pk], bool)

    def _contacts(self, pose, side, distal, pair):
        pk, _, hull_obst, caps_obst = self.sides[side]
        t = pose.shape[0]
        accs = [(_Worst(t), None)]
        if not pk.size:
            return [_Worst(t).result() for _ in range(2 if pair else 1)]
        pts = self._points(pose, side)
        rad, slack, is_hand = self.rad[side], self.slack[side], self.is_hand[side]
        if distal:
            m = self._distal_mask(pk)
            pts, rad, slack, is_hand = pts[:, m], rad[m], slack[m], is_hand[m]
        if pair:       # a second accumulator keeps only the hand and forearm samples
            accs.append((_Worst(t), self._distal_mask(pk)))

        def add(ti, pi, dep, p, dirn):
            for a, keep in accs:
                if keep is None:
                    a.add(ti, dep, p, dirn)
                elif keep[pi].any():
                    k = keep[pi]
                    a.add(ti[k], dep[k], p[k], dirn[k])
        up = _unit(pose[:, self.up_to, :3, 3] - pose[:, self.up_from, :3, 3])
        sh = pose[:, self.shoulder[side], :3, 3] if self.shoulder[side] >= 0 else pose[:, self.up_from, :3, 3]
        for j, o in enumerate(hull_obst):
            mo = pose[:, self.bidx[o]]
            centre = _transform(mo, 0.5 * (self.a[o] + self.b[o]))
            # broad phase per sample: only samples inside the bone's bounding sphere are tested
            near = _sq(pts - centre[:, None]) < (self.reach[o] + rad[None]) ** 2
            if self.parts[o][0] == "head":
                # the head is what lies above its bone's head (the neck joint) for the forearm and
                # upper arm, above the shoulder joint for hands: lower down, a head's convex hull
                # is the cone from the chin over the shoulders (RobotExpressive)
                level = np.where(is_hand[None], np.einsum("tpi,ti->tp", pts - sh[:, None], up),
                                 np.einsum("tpi,ti->tp", pts - mo[:, None, :3, 3], up))
                near &= level > 0.0
            ti, pi = np.nonzero(near)
            if not ti.size:
                continue
            rot = mo[ti, :3, :3]
            p = pts[ti, pi]
            sd, f = self._hull_nearest(o, rot, mo[ti, :3, 3], p)
            dep = rad[pi] - sd - slack[pi, j]
            nrm = np.einsum("nij,nj->ni", rot, self.hull[o][f, :3])
            if self.parts[o][0] == "head":      # one blob: leave by its nearest face, and downward
                dirn = nrm - up[ti]
            else:   # torso: horizontally away from the body's axis (a torso bone's nearest facet is
                # often its top or bottom, which only leads into the next torso bone)
                v = p - (np.einsum("nij,j->ni", rot, self.a[o]) + mo[ti, :3, 3])
                v -= np.sum(v * up[ti], axis=1, keepdims=True) * up[ti]
                dirn = np.where(np.linalg.norm(v, axis=1, keepdims=True) > 1e-9, v, nrm)
            add(ti, pi, dep[:, None], p, _unit(dirn)[:, None])
        for grp in caps_obst:
            mo = pose[:, self.bidx[grp]]                                          # (T, O, 4, 4)
            ca = (mo[..., :3, :3] @ self.a[grp][..., None])[..., 0] + mo[..., :3, 3]
            cb = (mo[..., :3, :3] @ self.b[grp][..., None])[..., 0] + mo[..., :3, 3]
            ro = self.r[grp]
            # broad phase per sample: a sphere around the group's capsules (one body part)
            c2 = 0.5 * (ca + cb).mean(axis=1)
            r2 = np.sqrt(np.maximum(_sq(ca - c2[:, None]), _sq(cb - c2[:, None])).max(axis=1))
            ti, pi = np.nonzero(_sq(pts - c2[:, None]) < ((r2 + ro.max())[:, None] + rad[None]) ** 2)
            if not ti.size:
                continue
            p = pts[ti, pi]
            dist, cq = point_segment_distance(p[:, None], ca[ti], cb[ti])                  # (N, O)
            add(ti, pi, rad[pi, None] + ro[None] - dist, p, _unit(p[:, None] - cq))
        return [a.result() for a, _ in accs]


def _spheres(items):
    """``[(bone, centre (3,), radius)]`` -> ``(bones (n,) int, centres (n, 3), radii (n,))``."""
    return (np.array([b for b, _, _ in items], dtype=int),
            np.array([c for _, c, _ in items], np.float64).reshape(-1, 3),
            np.array([r for _, _, r in items], np.float64))


class _Worst:
    """Per frame and obstacle, the deepest of the tested samples; then per frame the worst overall."""

    def __init__(self, t: int):
        self.depth = np.full(t, -np.inf)
        self.point = np.zeros((t, 3))
        self.push = np.zeros((t, 3))

    def add(self, ti, dep, p, dirn):
        """``ti (N,)`` frames of the tested samples, ``dep (N, O)`` depths into ``O`` obstacles,
        ``p (N, 3)`` sample centres, ``dirn (N, O, 3)`` unit directions out of each obstacle."""
        best = np.full((self.depth.size, dep.shape[1]), -np.inf)
        if ti.size > 1 and (ti[1:] < ti[:-1]).any():    # callers pass np.nonzero's order: sorted
            order = np.argsort(ti, kind="stable")
            ti, dep, p, dirn = ti[order], dep[order], p[order], dirn[order]
        rows, starts = np.unique(ti, return_index=True)
        best[rows] = np.maximum.reduceat(dep, starts, axis=0)     # per frame, the deepest sample
        n, o = np.nonzero(dep >= best[ti])          # the deepest sample per (frame, obstacle)
        frames = ti[n]
        pt = np.zeros(best.shape + (3,))
        dr = np.zeros(best.shape + (3,))
        pt[frames, o] = p[n]
        dr[frames, o] = dirn[n, o]
        rows = np.unique(frames)
        b = best[rows]
        self.push[rows] += np.sum(np.maximum(b, 0.0)[..., None] * dr[rows], axis=1)
        k = b.argmax(axis=1)
        d_k = b[np.arange(rows.size), k]
        better = d_k > self.depth[rows]
        self.depth[rows[better]] = d_k[better]
        self.point[rows[better]] = pt[rows, k][better]

    def result(self):
        # several obstacles (a hand wedged between chest and chin): leave along their sum
        push = self.push / np.maximum(np.linalg.norm(self.push, axis=1, keepdims=True), 1e-12)
        return self.depth, self.point, push
