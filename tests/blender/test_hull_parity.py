"""The numpy convex hull (rigs/convex_hull.py) against scipy's Qhull on the real bone vertex sets
of the shared characters, and the push-out it feeds, in a bpy subprocess (dev venv: scipy is
there for the reference only; the add-on never imports it).

Same half-space set up to facet triangulation: every vertex's and every random probe point's
largest signed facet distance agree within 1e-9 (so inside/outside agree too), and the baked
push-out (rigs.body_collision.resolve and the add-on's build_body_targets) is the same within 1e-9.
"""

import pytest

from conftest import run_bpy
from tests.conftest import SHARED_DATA

CHARS = SHARED_DATA / "characters"
BEAT2 = SHARED_DATA / "beat2_sample" / "2_scott_0_1_1.wav"
TOL = 1e-9


@pytest.mark.parametrize("kind", ["demo", "robot", "kaykit"])
def test_numpy_hull_matches_qhull_and_push_out_is_unchanged(kind):
    pytest.importorskip("scipy.spatial")
    if kind != "demo" and not CHARS.exists():
        pytest.skip(f"shared data not available: {CHARS}")
    res, _ = run_bpy(f"""
import numpy as np
from dataclasses import replace
from pathlib import Path
from scipy.spatial import ConvexHull, QhullError
from tools.bake import load_extension
load_extension(register=False)
import rigs_fixtures as rf
from push_out_case import retargeted_motion
from speech_animator.addon.body_proxies import bone_points, fit_proxies
from speech_animator.addon.targets_body import build_body_targets
from speech_animator.rigs import body_collision as bc
from speech_animator.rigs.convex_hull import convex_hull_planes

def subset(local):  # fit_hull's seeded subset
    p = np.asarray(local, np.float64)
    if p.shape[0] > bc.HULL_MAX_POINTS:
        p = p[np.random.default_rng(0).choice(p.shape[0], bc.HULL_MAX_POINTS, replace=False)]
    return p

def qhull(local):   # the former scipy implementation of fit_hull
    try:
        return np.asarray(ConvexHull(subset(local)).equations, np.float64)
    except QhullError:
        return None

def max_sd(h, x):
    return (x @ h[:, :3].T + h[:, 3]).max(axis=1)

arm = rf.load_rig({kind!r}, Path({str(CHARS)!r}))
pts = bone_points(arm)
rng = np.random.default_rng(7)
worst_vertex, worst_probe, flips, n_hulls, both_none, bones = 0.0, 0.0, 0, 0, 0, []
for name, local in pts.items():
    ref = qhull(local)
    try:
        mine = bc.fit_hull(local)
    except ValueError:
        mine = None
    if ref is None or mine is None:
        both_none += ref is None and mine is None
        bones.append([name, ref is None, mine is None])
        continue
    n_hulls += 1
    lo, hi = local.min(axis=0), local.max(axis=0)
    probes = rng.uniform(lo - 0.2 * (hi - lo), hi + 0.2 * (hi - lo), (4000, 3))
    worst_vertex = max(worst_vertex, float(np.abs(max_sd(mine, local) - max_sd(ref, local)).max()))
    dm, dr = max_sd(mine, probes), max_sd(ref, probes)
    worst_probe = max(worst_probe, float(np.abs(dm - dr).max()))
    clear = (np.abs(dm) > {TOL}) | (np.abs(dr) > {TOL})
    flips += int(((dm[clear] <= 0) != (dr[clear] <= 0)).sum())
    assert np.array_equal(mine, convex_hull_planes(subset(local).copy()))   # deterministic, uncached

caps = fit_proxies(arm)
caps_ref = replace(caps, hulls=tuple(qhull(pts[b]) for b in caps.bones))
case = retargeted_motion(arm, Path({str(BEAT2)!r}))
skel, bmap, body, raw = case.skel, case.bmap, case.body, case.raw
new, before, after = bc.resolve(skel, bmap, raw, caps, case.plan.scale, body.fps)
ref, before_r, after_r = bc.resolve(skel, bmap, raw, caps_ref, case.plan.scale, body.fps)
targets, notes = build_body_targets(arm, case.perf)           # the add-on path (numpy hull)
baked = {{(c.data_path, c.index): np.asarray(c.values, np.float64) for c in targets[0].channels}}
ref_baked = 0.0
for k, bn in enumerate(ref.bone_names):
    for i in range(4):
        key = ('pose.bones["%s"].rotation_quaternion' % bn, i)
        if key in baked:
            ref_baked = max(ref_baked, float(np.abs(np.abs(baked[key]) - np.abs(ref.quats[:, k, i])).max()))
emit({{"n_hulls": n_hulls, "none": bones, "both_none": both_none, "worst_vertex": worst_vertex,
      "worst_probe": worst_probe, "flips": flips,
      "quats": float(np.abs(new.quats.astype(np.float64) - ref.quats).max()),
      "identical": bool(np.array_equal(new.quats, ref.quats)),
      "before": float(np.abs(before - before_r).max()), "after": float(np.abs(after - after_r).max()),
      "frames_inside": [float(np.mean(before > 0)), float(np.mean(after > 0))],
      "baked_vs_ref": ref_baked, "notes": notes}})
""", timeout=600)
    assert res["n_hulls"] >= 5, res
    assert res["both_none"] == len(res["none"]), res        # no bone where only one side has a hull
    assert res["worst_vertex"] <= TOL and res["worst_probe"] <= TOL and res["flips"] == 0, res
    assert res["quats"] <= TOL and res["before"] <= TOL and res["after"] <= TOL, res
    # the add-on bakes quaternions sign-fixed for key reduction: compared in absolute value
    assert res["baked_vs_ref"] <= 1e-6, res
