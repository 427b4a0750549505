"""A collision proxy that cannot be built degrades instead of stopping Generate
(addon/body_proxies.py): a flat mesh part keeps its capsule alone, any error of the hull code
does too, and the body's warnings say which bones and why."""

from conftest import run_bpy


def test_flat_part_and_hull_errors_fall_back_to_capsules_and_are_reported():
    res, _ = run_bpy("""
import bpy, numpy as np
from tools.bake import load_extension
load_extension(register=False)
import rigs_fixtures as rf
from speech_animator.addon import body_proxies as bp
from speech_animator.addon.targets_body import build_body_targets
from speech_animator.inference.audio import prepare_audio
from speech_animator.inference.backends import get_body_backend
from speech_animator.inference.options import GenerateOptions
from speech_animator.inference.performance import Performance
from tests.test_body import speech_like

arm = rf.load_rig("demo")
owned = set(bp.bone_points(arm))
free = next(b.name for b in arm.data.bones if b.name not in owned)
bpy.ops.mesh.primitive_grid_add(x_subdivisions=4, y_subdivisions=4, size=0.1)   # flat: 16 vertices
plate = bpy.context.object
plate.parent, plate.parent_type, plate.parent_bone = arm, 'BONE', free
bpy.context.view_layer.update()
notes = []
caps = bp.fit_proxies(arm, notes)
flat = dict(zip(caps.bones, caps.hulls))[free] is None and free in caps.bones

def broken(points):
    raise RuntimeError("simulated hull failure")
bp.fit_hull = broken            # any error of the hull code, not only ValueError
bp.clear_cache()                # the same vertices would give back the fit cached above
notes2 = []
caps2 = bp.fit_proxies(arm, notes2)
audio = prepare_audio(speech_like(4.0, seed=2), 16000)
body = get_body_backend("procedural").run(audio, GenerateOptions(seed=1))
perf = Performance(fps=body.fps, arkit=np.zeros((body.poses.shape[0], 52), np.float32),
                   smplx_poses=body.poses, transl=body.transl, transl_origin=body.transl_origin)
targets, warn = build_body_targets(arm, perf)
vals = np.concatenate([np.asarray(c.values) for c in targets[0].channels])
emit({"free": free, "flat_capsule_only": flat, "notes": notes, "n_caps": len(caps.bones),
      "n_caps2": len(caps2.bones), "hulls2": sum(h is not None for h in caps2.hulls), "notes2": notes2,
      "warn": warn, "channels": len(targets[0].channels), "finite": bool(np.isfinite(vals).all())})
""")
    assert res["flat_capsule_only"], res
    assert len(res["notes"]) == 1 and repr(res["free"]) in res["notes"][0] and "one plane" in res["notes"][0]
    assert "capsules are used alone" in res["notes"][0]
    assert res["n_caps2"] == res["n_caps"] and res["hulls2"] == 0
    assert "simulated hull failure" in res["notes2"][0] and "RuntimeError" in res["notes2"][0]
    assert any("no collision hull" in w and "simulated hull failure" in w for w in res["warn"]), res["warn"]
    assert res["channels"] > 0 and res["finite"]
