"""Collision proxies fitted to real characters' meshes, and the arm (hand, forearm, elbow) push-out after
retargeting (addon/body_proxies.py + rigs/body_collision.py), in a bpy subprocess."""

import pytest

from conftest import run_bpy
from tests.conftest import SHARED_DATA

CHARS = SHARED_DATA / "characters"
BEAT2 = SHARED_DATA / "beat2_sample" / "2_scott_0_1_1.wav"


@pytest.mark.parametrize("kind", ["demo", "robot", "kaykit"])
def test_proxies_fit_and_push_out(kind):
    if kind != "demo" and not CHARS.exists():
        pytest.skip(f"shared data not available: {CHARS}")
    res, _ = run_bpy(f"""
import numpy as np
from pathlib import Path
from tools.bake import load_extension
load_extension(register=False)
import rigs_fixtures as rf
from push_out_case import retargeted_motion
from speech_animator.addon.body_proxies import fit_proxies
from speech_animator.addon.targets_body import build_body_targets
from speech_animator.rigs import body_collision as bc
arm = rf.load_rig({kind!r}, Path({str(CHARS)!r}))
caps = fit_proxies(arm)
case = retargeted_motion(arm, Path({str(BEAT2)!r}))
skel, bmap, body = case.skel, case.bmap, case.body
new, before, after = bc.resolve(skel, bmap, case.raw, caps, case.plan.scale, body.fps)
targets, notes = build_body_targets(arm, case.perf)        # the add-on path runs the same push-out
ch = {{c.data_path: c for c in targets[0].channels}}
sh = bmap["left_shoulder"]
path = 'pose.bones["%s"].rotation_quaternion' % sh
baked_w = [c.values for c in targets[0].channels if c.data_path == path and c.index == 0][0]
k = list(new.bone_names).index(sh)
emit({{"caps": len(caps.bones), "hulls": sum(h is not None for h in caps.hulls),
      "arm_bones_with_proxy": [b for b in (bmap.get("left_elbow"), bmap.get("right_elbow")) if b in caps.bones],
      "before": float(np.mean(before > 0)), "after": float(np.mean(after > 0)),
      "mean_before": float(np.maximum(before, 0).mean()), "mean_after": float(np.maximum(after, 0).mean()),
      "same_as_addon": bool(np.allclose(np.abs(baked_w), np.abs(new.quats[:, k, 0]), atol=1e-5)),
      "max_step": float(np.abs(np.diff(new.quats[:, k], axis=0)).max())}})
""")
    assert res["caps"] >= 10 and res["hulls"] >= 5
    assert len(res["arm_bones_with_proxy"]) == 2
    # KayKit's wide torso holds its short elbows even with the arms lifted by the 75-degree cap
    # of the shoulder-only push (docs/body-quality.md): there the overlap shrinks, elsewhere it goes
    if kind == "kaykit":
        assert res["mean_after"] <= 0.3 * res["mean_before"], res
    else:
        assert res["after"] < 0.01, res
    assert res["after"] <= res["before"]
    assert res["same_as_addon"]
    assert res["max_step"] < 0.15          # quaternion component change per frame: no jumps
