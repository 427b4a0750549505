"""EMAGE body backend end to end in bpy: sidebar -> Generate -> baked armature action, keys honoured."""

import os

import numpy as np
from pathlib import Path

import pytest

from bpy_harness import run_bpy, write_speechlike

FIX = Path(os.environ.get("SPEECHANIM_SHARED_FIXTURES",
                          Path(__file__).resolve().parents[2].parent / "shared" / "fixtures")) / "emage_audio"
#: What each scenario starts with: the extension loaded, the test character built (``face``, ``body``).
SCENE = """
import bpy, numpy as np
from tools.bake import load_extension
load_extension()
from speech_animator.addon import compat
import scene_fixtures as sf
face, body = sf.build_scene()
"""


@pytest.fixture
def ck():
    """The small EMAGE checkpoint of the shared fixtures (the test is skipped without it)."""
    path = FIX / "weights_small"
    if not path.exists():
        pytest.skip(f"EMAGE fixtures not available: {path}")
    return path


def test_generate_with_emage_keeps_the_artists_keyed_poses(tmp_path, ck):
    audio = write_speechlike(tmp_path / "keyed.wav", silence_s=0.3)
    res, _ = run_bpy(SCENE + f"""
from mathutils import Quaternion
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
assert bpy.ops.speechanim.use_keys_as_prompts() == {{'FINISHED'}}  # only marked keys constrain
result = list(bpy.ops.speechanim.generate())
from speech_animator.addon import layers
action, slot = layers.generated_action(body)
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


def test_emage_face_bakes_on_flame_keys_next_to_the_body(tmp_path, ck):
    """EMAGE body + its FLAME expression on an ``Exp000..`` mesh, face curves from one Generate."""
    audio = write_speechlike(tmp_path / "flame.wav", silence_s=0.3)
    res, _ = run_bpy(SCENE + f"""
from speech_animator.inference.audio import load_audio
from speech_animator.inference.emage.backend import EmageBody
from speech_animator.inference.options import GenerateOptions
flame = sf.make_face("Flame", names=[f"Exp{{i:03d}}" for i in range(10)])
s = bpy.context.scene.speech_animator
s.audio_path = {str(audio)!r}; s.face_object = flame; s.armature = body; s.what = 'BOTH'
s.face_model = 'fast'; s.body_model = 'emage'; s.emage_checkpoint = {str(ck)!r}
result = list(bpy.ops.speechanim.generate())
action, slot = compat.assigned(flame.data.shape_keys)
curves = {{f.data_path: f for f in compat.action_fcurves(action, slot)}} if action else {{}}
def values(i):
    f = curves.get(f'key_blocks["Exp{{i:03d}}"].value')
    if f is None: return []
    co = np.empty(2 * len(f.keyframe_points)); f.keyframe_points.foreach_get("co", co)
    return co[1::2].tolist()
track = EmageBody().run(load_audio({str(audio)!r}), GenerateOptions(backend_options={{"emage": {{"checkpoint": {str(ck)!r}}}}}, device="cpu"))
emit({{"result": result, "n": len(curves), "exp": [values(i) for i in range(3)],
      "ref": [track.expression[:, i].tolist() for i in range(3)], "body": compat.assigned(body)[0] is not None}})
""", env={"XDG_CACHE_HOME": str(tmp_path / "cache")})
    assert res["result"] == ["FINISHED"] and res["body"] and res["n"] == 10
    for got, ref in zip(res["exp"], res["ref"]):
        n = min(len(got), len(ref))
        assert n > 30 and np.ptp(got) > 0
        np.testing.assert_allclose(got[:n], ref[:n], atol=1e-4)
