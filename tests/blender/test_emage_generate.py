"""EMAGE body backend end to end in bpy: sidebar -> Generate -> baked armature action, keys honoured."""

import os
from pathlib import Path

import pytest

from bpy_harness import run_bpy, write_speechlike

FIX = Path(os.environ.get("SPEECHANIM_SHARED_FIXTURES",
                          Path(__file__).resolve().parents[2].parent / "shared" / "fixtures")) / "emage_audio"


def test_generate_with_emage_keeps_the_artists_keyed_poses(tmp_path):
    ck = FIX / "weights_small"
    if not ck.exists():
        pytest.skip(f"EMAGE fixtures not available: {ck}")
    audio = write_speechlike(tmp_path / "keyed.wav", silence_s=0.3)
    res, _ = run_bpy(f"""
import bpy, numpy as np
from mathutils import Quaternion
from tools.bake import load_extension
load_extension()
from speech_animator.addon import compat
import scene_fixtures as sf
face, body = sf.build_scene()
pb = body.pose.bones["right_elbow"]
pb.rotation_mode = 'QUATERNION'
keyed = {{10: Quaternion((1, 0, 0), 0.8), 40: Quaternion((0, 0, 1), -0.6)}}
for frame, q in keyed.items():
    pb.rotation_quaternion = q
    pb.keyframe_insert("rotation_quaternion", frame=frame)
s = bpy.context.scene.speech_animator
s.audio_path = {str(audio)!r}; s.armature = body; s.what = 'BODY'
s.body_model = 'emage'
s.emage_checkpoint = {str(ck)!r}
result = list(bpy.ops.speechanim.generate())
action, slot = compat.assigned(body)
curves = [f for f in compat.action_fcurves(action, slot)] if action else []
body.animation_data.use_nla = False
got = {{}}
for frame, q in keyed.items():
    bpy.context.scene.frame_set(frame)
    got[frame] = abs(pb.rotation_quaternion.rotation_difference(q).angle)
moving = 0.0
for f in curves:
    if f.data_path.endswith("rotation_quaternion"):
        co = np.empty(2 * len(f.keyframe_points)); f.keyframe_points.foreach_get("co", co)
        moving = max(moving, float(np.ptp(co[1::2])))
emit({{"result": result, "action": action.name if action else None, "n_curves": len(curves), "moving": moving,
      "angle_err_deg": {{str(k): float(np.degrees(v)) for k, v in got.items()}}}})
""", env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert res["result"] == ["FINISHED"] and res["action"]
    assert res["n_curves"] > 20 and res["moving"] > 0.01  # learned (here: random-weight) motion was baked
    for frame, err in res["angle_err_deg"].items():
        assert err < 1.0, (frame, err)
