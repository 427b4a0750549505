"""rigs/body_collision.py (bpy-free): proxy fitting, point-segment distance, and the push-out on a
small synthetic character (a box torso and two-bone arms)."""

from dataclasses import replace

import numpy as np
import pytest

from rigs import body_collision as bc
from rigs.body_contacts import ArmContacts, point_segment_distance
from rigs.retarget import RetargetResult, TargetSkeleton
from rigs.rotations import axis_angle_to_quat


def test_point_segment_distance_matches_brute_force():
    rng = np.random.default_rng(0)
    p, q0, q1 = (rng.normal(size=(50, 3)) for _ in range(3))
    q1[0] = q0[0]  # a degenerate segment (a sphere's centre)
    d, cq = point_segment_distance(p, q0, q1)
    u = np.linspace(0, 1, 2001)
    for i in range(50):
        b = q0[i] + u[:, None] * (q1[i] - q0[i])
        brute = np.linalg.norm(b - p[i], axis=1).min()
        assert d[i] <= brute + 1e-12 and d[i] > brute - 1e-3
        assert np.isclose(np.linalg.norm(p[i] - cq[i]), d[i])
        t = np.dot(cq[i] - q0[i], q1[i] - q0[i])  # the closest point lies on the segment
        assert -1e-12 <= t <= np.dot(q1[i] - q0[i], q1[i] - q0[i]) + 1e-12


def test_fit_capsule_and_hull_of_a_cylinder():
    rng = np.random.default_rng(1)
    ang, y = rng.uniform(0, 2 * np.pi, 2000), rng.uniform(0.0, 0.3, 2000)
    pts = np.stack([0.05 * np.cos(ang), y, 0.05 * np.sin(ang)], axis=1)
    a, b, r = bc.fit_capsule(pts)
    assert abs(r - 0.05) < 2e-3 and a[1] < b[1] and 0.0 < a[1] < 0.1 and 0.2 < b[1] < 0.3
    hull = bc.fit_hull(pts)
    centre = np.array([0.0, 0.15, 0.0])
    assert np.max(hull[:, :3] @ centre + hull[:, 3]) < -0.04           # inside, ~5 cm from the side
    assert np.max(hull[:, :3] @ np.array([0.2, 0.15, 0.0]) + hull[:, 3]) > 0.1
    with pytest.raises(ValueError, match="points_local"):
        bc.fit_capsule(np.zeros((3, 3)))


def _rest(head, y_dir):
    """4x4 bone rest matrix with the head at ``head`` and +Y along ``y_dir``."""
    y = np.asarray(y_dir, float) / np.linalg.norm(y_dir)
    x = np.cross(y, [0.0, 0.0, 1.0]) if abs(y[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    z = np.cross(x, y)
    m = np.eye(4)
    m[:3, :3] = np.stack([x, y, z], axis=1)
    m[:3, 3] = head
    return m


def _character():
    """A 'pelvis' box torso (0.3 wide, 0.2 deep, 0.5 high), arms hanging from its shoulders."""
    names = ("pelvis", "head", "upper.L", "fore.L", "hand.L", "upper.R", "fore.R", "hand.R")
    parents = (-1, 0, 0, 2, 3, 0, 5, 6)
    rest = np.stack([_rest([0, 0, 0], [0, 0, 1]), _rest([0, 0, 0.55], [0, 0, 1]),
                     _rest([0.2, 0, 0.5], [0, 0, -1]), _rest([0.2, 0, 0.22], [0, 0, -1]),
                     _rest([0.2, 0, -0.05], [0, 0, -1]),
                     _rest([-0.2, 0, 0.5], [0, 0, -1]), _rest([-0.2, 0, 0.22], [0, 0, -1]),
                     _rest([-0.2, 0, -0.05], [0, 0, -1])])
    skel = TargetSkeleton(names, parents, rest, np.eye(4))
    bmap = {"pelvis": "pelvis", "head": "head", "left_shoulder": "upper.L", "left_elbow": "fore.L",
            "left_wrist": "hand.L", "right_shoulder": "upper.R", "right_elbow": "fore.R", "right_wrist": "hand.R"}
    g = np.stack(np.meshgrid(*[np.linspace(-1, 1, 6)] * 3), -1).reshape(-1, 3)
    box = g * [0.15, 0.25, 0.1] + [0, 0.25, 0]           # pelvis frame: +Y is up the torso
    head = g * 0.1 + [0, 0.1, 0]
    ang = np.linspace(0, 2 * np.pi, 12, endpoint=False)
    limb = np.concatenate([np.stack([0.03 * np.cos(ang), np.full(12, y), 0.03 * np.sin(ang)], 1)
                           for y in np.linspace(0, 0.26, 6)])
    hand = g * [0.03, 0.05, 0.02] + [0, 0.05, 0]
    parts = {"pelvis": box, "head": head, "upper.L": limb, "fore.L": limb, "hand.L": hand,
             "upper.R": limb, "fore.R": limb, "hand.R": hand}
    fits = {n: bc.fit_capsule(p) for n, p in parts.items()}
    reach = np.array([np.linalg.norm(p - 0.5 * (f[0] + f[1]), axis=1).max() for p, f in zip(parts.values(), fits.values())])
    caps = bc.Capsules(tuple(parts), np.array([f[0] for f in fits.values()]), np.array([f[1] for f in fits.values()]),
                       np.array([f[2] for f in fits.values()]), tuple(bc.fit_hull(p) for p in parts.values()), reach)
    return skel, bmap, caps


def test_push_out_removes_arm_in_torso_and_keeps_timing():
    skel, bmap, caps = _character()
    t = 60
    # the left shoulder swings the hanging arm inward into the torso (its own half) and back
    swing = 0.3 * np.sin(np.linspace(0, np.pi, t)) ** 2
    names = ("upper.L", "fore.L", "hand.L", "upper.R", "fore.R", "hand.R")
    quats = np.zeros((t, 6, 4))
    quats[..., 0] = 1.0
    quats[:, 0] = axis_angle_to_quat(np.stack([np.zeros(t), np.zeros(t), swing], 1))  # local Z = world +Y
    res = RetargetResult(names, quats.astype(np.float32), "", None, ())
    before = bc.interpenetration(skel, bmap, res, caps, units_per_m=1.0)
    assert (before > 0).mean() > 0.2                       # the swing really enters the torso
    no_broad_phase = replace(caps, reach=None)             # bounding spheres only skip far frames
    assert np.array_equal(bc.interpenetration(skel, bmap, res, no_broad_phase, 1.0) > 0, before > 0)
    new, b2, after = bc.resolve(skel, bmap, res, caps, units_per_m=1.0, fps=30.0)
    assert np.allclose(b2, before)
    assert (after > 0).mean() == 0.0
    assert np.allclose(bc.interpenetration(skel, bmap, new, caps, 1.0), after, atol=1e-6)
    # the right arm was never in contact and is unchanged; the left arm's change is smooth
    assert np.allclose(new.quats[:, 3:], res.quats[:, 3:])
    q = new.quats[:, 0].astype(np.float64)
    step = 2 * np.arccos(np.clip(np.abs(np.sum(q[1:] * q[:-1], axis=1)), 0, 1))
    assert step.max() < 0.2                                  # rad per frame
    # timing: the swing's extreme (velocity minimum of the hand) stays within 2 frames
    pose = bc.pose_matrices(skel, new)
    hand = pose[:, 4, :3, 3]
    assert abs(int(np.argmin(hand[:, 0])) - t // 2) <= 3


def test_only_torso_and_head_hulls_are_read_and_remeasuring_moved_frames_is_exact():
    skel, bmap, caps = _character()
    assert bc.hull_bones(skel.names, skel.parents, bmap) == {"pelvis", "head"}
    t = 60
    swing = 0.3 * np.sin(np.linspace(0, np.pi, t)) ** 2
    names = ("upper.L", "fore.L", "hand.L", "upper.R", "fore.R", "hand.R")
    quats = np.zeros((t, 6, 4))
    quats[..., 0] = 1.0
    quats[:, 0] = axis_angle_to_quat(np.stack([np.zeros(t), np.zeros(t), swing], 1))
    res = RetargetResult(names, quats.astype(np.float32), "", None, ())
    keep = bc.hull_bones(skel.names, skel.parents, bmap)
    fewer = replace(caps, hulls=tuple(h if n in keep else None for n, h in zip(caps.bones, caps.hulls)))
    new, before, after = bc.resolve(skel, bmap, res, caps, units_per_m=1.0, fps=30.0)
    new2, before2, after2 = bc.resolve(skel, bmap, res, fewer, units_per_m=1.0, fps=30.0)
    assert np.array_equal(new.quats, new2.quats) and np.array_equal(after, after2)
    # resolve re-measures only the frames a push moved (the turned arm moved rigidly, not re-posed
    # from the float32 quaternions); a full measurement of its result agrees up to that rounding
    full = bc.interpenetration(skel, bmap, new, caps, 1.0)
    assert np.array_equal(full > 0, after > 0) and np.allclose(full, after, rtol=0, atol=1e-6)


def _elbow_in(t=60, swing_max=0.45, bend=-1.3):
    """The left upper arm swings into the torso while the elbow bends the forearm back out."""
    swing = swing_max * np.sin(np.linspace(0, np.pi, t)) ** 2
    names = ("upper.L", "fore.L", "hand.L", "upper.R", "fore.R", "hand.R")
    quats = np.zeros((t, 6, 4))
    quats[..., 0] = 1.0
    zero = np.zeros(t)
    quats[:, 0] = axis_angle_to_quat(np.stack([zero, zero, swing], 1))
    quats[:, 1] = axis_angle_to_quat(np.stack([zero, zero, bend * swing / swing_max], 1))
    return RetargetResult(names, quats.astype(np.float32), "", None, ())


def test_the_upper_arm_is_measured_and_pushed_out_by_lifting_the_shoulder():
    skel, bmap, caps = _character()
    res = _elbow_in()
    contacts = ArmContacts(skel, bmap, caps)
    pose = bc.pose_matrices(skel, res)
    depth, point, _ = contacts.contacts(pose, "L")
    t_worst = int(np.argmax(depth))
    assert depth[t_worst] > 0.02
    # the deepest sample is on the upper arm (between the shoulder and the elbow), not the forearm
    sh, el = pose[t_worst, 2, :3, 3], pose[t_worst, 3, :3, 3]
    u = np.dot(point[t_worst] - sh, el - sh) / np.dot(el - sh, el - sh)
    assert 0.4 < u < 1.05
    new, before, after = bc.resolve(skel, bmap, res, caps, units_per_m=1.0, fps=30.0)
    assert (before > 0).mean() > 0.2 and (after > 0).mean() == 0.0
    # the fix lifts the arm sideways: the elbow ends further from the body's midline, the
    # forearm's own rotation is the retarget's, and the turn stays within the cap
    new_pose = bc.pose_matrices(skel, new)
    assert new_pose[t_worst, 3, 0, 3] > pose[t_worst, 3, 0, 3] + 0.01
    assert np.array_equal(new.quats[:, 1], res.quats[:, 1])
    d = 2 * np.arccos(np.clip(np.abs(np.sum(new.quats[:, 0].astype(float) * res.quats[:, 0], axis=1)), 0, 1))
    assert d.max() <= bc.MAX_TURN_RAD + 1e-3


def test_overlap_at_rest_is_the_arms_attachment_not_a_contact():
    skel, bmap, caps = _character()
    # a torso twice as wide as the shoulders: at rest its hull holds the upper arms' samples
    k = caps.bones.index("pelvis")
    g = np.stack(np.meshgrid(*[np.linspace(-1, 1, 6)] * 3), -1).reshape(-1, 3)
    wide = g * [0.24, 0.25, 0.1] + [0, 0.25, 0]
    hulls = list(caps.hulls)
    hulls[k] = bc.fit_hull(wide)
    reach = caps.reach.copy()
    reach[k] = np.linalg.norm(wide - 0.5 * (caps.a[k] + caps.b[k]), axis=1).max()
    wide_caps = replace(caps, hulls=tuple(hulls), reach=reach)
    contacts = ArmContacts(skel, bmap, wide_caps)
    assert contacts.slack["L"].max() > 0.02                   # the rest pose overlaps ...
    rest = RetargetResult(("upper.L",), np.tile([1.0, 0, 0, 0], (3, 1, 1)).astype(np.float32), "", None, ())
    assert (bc.interpenetration(skel, bmap, rest, wide_caps, 1.0) <= 0).all()   # ... and is allowed
    # moving the arm further in still counts
    assert (bc.interpenetration(skel, bmap, _elbow_in(), wide_caps, 1.0) > 0).any()


def _character_with_fingers():
    """:func:`_character` with a two-bone finger on each hand (mapped to index1/index2)."""
    skel, bmap, caps = _character()
    names = skel.names + ("finger.L", "tip.L", "finger.R", "tip.R")
    parents = skel.parents + (4, 8, 7, 10)
    rest = np.concatenate([skel.rest, np.stack([_rest([0.2, 0, -0.15], [0, 0, -1]), _rest([0.2, 0, -0.2], [0, 0, -1]),
                                                _rest([-0.2, 0, -0.15], [0, 0, -1]), _rest([-0.2, 0, -0.2], [0, 0, -1])])])
    bmap = dict(bmap, left_index1="finger.L", left_index2="tip.L", right_index1="finger.R", right_index2="tip.R")
    ang = np.linspace(0, 2 * np.pi, 8, endpoint=False)
    finger = np.concatenate([np.stack([0.01 * np.cos(ang), np.full(8, y), 0.01 * np.sin(ang)], 1)
                             for y in np.linspace(0, 0.05, 4)])
    fits = [bc.fit_capsule(finger)] * 4
    reach = np.linalg.norm(finger - 0.5 * (fits[0][0] + fits[0][1]), axis=1).max()
    caps = bc.Capsules(caps.bones + names[8:], np.concatenate([caps.a, [f[0] for f in fits]]),
                       np.concatenate([caps.b, [f[1] for f in fits]]), np.concatenate([caps.radius, [f[2] for f in fits]]),
                       caps.hulls + (None,) * 4, np.concatenate([caps.reach, [reach] * 4]))
    return TargetSkeleton(names, parents, rest, np.eye(4)), bmap, caps



def _random_finger_poses(seed: int, t: int):
    """:func:`_character_with_fingers` and ``t`` frames of random rotations of both arms and fingers."""
    skel, bmap, caps = _character_with_fingers()
    rng = np.random.default_rng(seed)
    names = ("upper.L", "fore.L", "hand.L", "finger.L", "tip.L", "upper.R", "fore.R", "hand.R", "finger.R", "tip.R")
    amp = np.array([1.2, 1.5, 1.0, 1.2, 1.2] * 2)
    quats = axis_angle_to_quat(rng.normal(size=(t, len(names), 3)) * amp[None, :, None])
    return skel, bmap, caps, RetargetResult(names, quats.astype(np.float32), "", None, ())

def test_frame_candidates_keep_every_frame_with_an_overlap(monkeypatch):
    """The frame broad phase (hand spheres, hull facets, the head's level rule) is conservative:
    every frame where the full contacts find an overlap is kept, and there :func:`measure` (fingers
    posed on kept frames only) gives the same depths; random poses of both arms and fingers."""
    monkeypatch.setattr(bc, "FRAME_PHASE_MIN_RATIO", 0.0)      # two finger bones a hand: test it anyway
    t = 600
    skel, bmap, caps, res = _random_finger_poses(3, t)
    setup = ArmContacts(skel, bmap, caps)
    assert len(setup.frame_bones()) < len(setup.bones_used() + [8, 9, 10, 11])
    full = bc.pose_matrices(skel, res, setup.bones_used())
    pose = bc.pose_matrices(skel, res, setup.frame_bones())
    posed = np.zeros(t, bool)
    got = bc.measure(setup, skel, res, pose, posed, np.arange(t))
    for side in ("L", "R"):
        depth = setup.contacts(full, side)[0]
        inside = depth > 0
        assert 0.05 < inside.mean() < 0.95                      # the case has both kinds of frames
        keep = setup.frame_candidates(full, side)
        assert keep[inside].all() and not keep.all()           # conservative, and it drops frames
        assert np.array_equal(got[side][0][inside], depth[inside])
        assert np.all(got[side][0][~inside] <= 0)
    assert not posed.all()                                     # fingers were not posed everywhere



def test_contacts_pair_is_both_passes_bit_for_bit():
    """:meth:`ArmContacts.contacts_pair` (one pass, two accumulators) returns exactly what
    :meth:`ArmContacts.contacts` returns with and without ``distal``; random poses of both arms and
    fingers, so hands, forearms and upper arms all touch something on some frames."""
    skel, bmap, caps, res = _random_finger_poses(5, 400)
    setup = ArmContacts(skel, bmap, caps)
    pose = bc.pose_matrices(skel, res, setup.bones_used())
    for side in ("L", "R"):
        whole, distal = setup.contacts_pair(pose, side)
        ref_whole, ref_distal = setup.contacts(pose, side), setup.contacts(pose, side, distal=True)
        assert 0.05 < (ref_distal[0] > 0).mean() < (ref_whole[0] > 0).mean() < 0.95   # they differ
        for got, ref in zip((*whole, *distal), (*ref_whole, *ref_distal)):
            assert np.array_equal(got, ref)

def test_elbow_push_takes_the_forearm_out_within_its_hinge():
    """A forearm bent across the torso (the shoulder untouched): :func:`push_elbows` turns the elbow
    about its hinge only, smoothly, keeps the flexion in range, and takes the hand and forearm out."""
    skel, bmap, caps = _character()
    t = 60
    bend = 1.4 * np.sin(np.linspace(0, np.pi, t)) ** 2          # up to 80 degrees across the body
    names = ("upper.L", "fore.L", "hand.L", "upper.R", "fore.R", "hand.R")
    quats = np.zeros((t, 6, 4))
    quats[..., 0] = 1.0
    quats[:, 1] = axis_angle_to_quat(np.stack([np.zeros(t), np.zeros(t), bend], 1))  # local Z = world +Y
    res = RetargetResult(names, quats.astype(np.float32), "", None, ())
    setup = ArmContacts(skel, bmap, caps)
    before = bc.interpenetration(skel, bmap, res, caps, 1.0)
    distal0 = setup.contacts(bc.pose_matrices(skel, res), "L", distal=True)[0]
    assert (distal0 > bc.TOLERANCE_M).mean() > 0.2                 # the hand really is inside
    new, after = bc.push_elbows(skel, bmap, res, setup, 1.0, 30.0, before)
    pose = bc.pose_matrices(skel, new)
    distal1 = setup.contacts(pose, "L", distal=True)[0]
    # 80 degrees across the body, 60 of them given back at most (MAX_ELBOW_TURN_RAD): most of it goes
    assert np.maximum(distal1 - bc.TOLERANCE_M, 0).sum() < 0.3 * np.maximum(distal0 - bc.TOLERANCE_M, 0).sum()
    # the frames no turn changed keep their first contacts: the same as measuring everything again
    assert np.array_equal(bc.interpenetration(skel, bmap, new, caps, 1.0), after)
    assert np.array_equal(new.quats[:, [0, 2, 3, 4, 5]], res.quats[:, [0, 2, 3, 4, 5]])   # only the elbow
    q = new.quats[:, 1].astype(np.float64)
    step = 2 * np.arccos(np.clip(np.abs(np.sum(q[1:] * q[:-1], axis=1)), 0, 1))
    assert step.max() < 0.2                                        # rad per frame
    # the turn stays about the hinge (world +Y here): the forearm stays in the arm's plane
    fore = pose[:, 4, :3, 3] - pose[:, 3, :3, 3]
    assert np.abs(fore[:, 1]).max() < 1e-6
    turn = 2 * np.arccos(np.clip(np.abs(np.sum(q * quats[:, 1], axis=1)), 0, 1))
    assert turn.max() <= bc.MAX_ELBOW_TURN_RAD + 1e-6
