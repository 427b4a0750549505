"""Generate end to end in bpy 5.0: sidebar settings -> operator -> baked actions; undo; artist safety."""

import numpy as np
import pytest

from bpy_harness import run_bpy, write_speechlike
from tests.conftest import shared_path

GENERATE = """
import bpy, numpy as np
from tools.bake import load_extension
load_extension()
from speech_animator.addon import bake, compat
from speech_animator.inference.audio import load_audio
from speech_animator.inference.timebase import num_frames, scene_rate
import scene_fixtures as sf
face, body = sf.build_scene(fps=FPS, fps_base=FPS_BASE, frame_start=START)
ARTIST = sf.add_artist_action(face) if WITH_ARTIST else None
s = bpy.context.scene.speech_animator
s.audio_path = AUDIO
s.face_object = face
s.armature = body
s.what = WHAT
s.face_model = FACE_MODEL
s.frame_start = START
bpy.ops.ed.undo_push(message="before generate")
# from Python, bpy.ops pushes an undo step only when asked (3rd argument); the UI always does
result = bpy.ops.speechanim.generate('EXEC_DEFAULT', True)
key = bpy.data.objects["Face"].data.shape_keys
from speech_animator.addon import layers
action, slot = layers.generated_action(key)  # the active action, or the base track under the artist's edits
curves = {f.data_path: f for f in compat.action_fcurves(action, slot)} if action else {}
def values(path):
    fc = curves[path]
    co = np.empty(2 * len(fc.keyframe_points)); fc.keyframe_points.foreach_get("co", co)
    return co[0::2].tolist(), co[1::2].tolist()
rate = scene_rate(FPS, FPS_BASE)
out = {"result": list(result), "action": action.name if action else None, "tag": bake.tag_of(action),
       "paths": sorted(curves), "expected_frames": num_frames(load_audio(AUDIO).duration_s, rate),
       "rate": rate, "curves": {n: values(f'key_blocks["{n}"].value') for n in
                               ("jawOpen", "mouthClose", "mouthFunnel", "eyeBlinkLeft") if f'key_blocks["{n}"].value' in curves},
       "all_min": min(min(values(p)[1]) for p in curves) if curves else None,
       "all_max": max(max(values(p)[1]) for p in curves) if curves else None,
       "nla": [[t.name, [st.action.name for st in t.strips]] for t in key.animation_data.nla_tracks] if key.animation_data else []}
if WITH_ARTIST:
    art = bpy.data.actions[ARTIST]
    out["artist_keys"] = [list(k.co) for f in compat.action_fcurves(art) for k in f.keyframe_points]
body_action, body_slot = compat.assigned(bpy.data.objects["Body"])
out["body_action"] = body_action.name if body_action else None
out["body_paths"] = sorted({f.data_path for f in compat.action_fcurves(body_action, body_slot)}) if body_action else []
bpy.ops.ed.undo()
key = bpy.data.objects["Face"].data.shape_keys
a, _ = compat.assigned(key)
out["after_undo"] = {"face_action": a.name if a else None,
                     "generated": sorted(x.name for x in bpy.data.actions if bake.is_generated(x)),
                     "nla": len(key.animation_data.nla_tracks) if key.animation_data else 0}
bpy.ops.ed.redo()
out["after_redo"] = sorted(x.name for x in bpy.data.actions if bake.is_generated(x))
emit(out)
"""


def generate(audio, fps=30, fps_base=1.0, start=1, what="FACE", face_model="fast", with_artist=False):
    code = GENERATE
    for name, value in (("FPS_BASE", fps_base), ("FPS", fps), ("START", start), ("WHAT", what),
                        ("FACE_MODEL", face_model), ("AUDIO", str(audio)), ("WITH_ARTIST", with_artist)):
        code = code.replace(name, repr(value))
    res, _ = run_bpy(code)
    return res


def check_face(res, start, silence_s):
    assert res["result"] == ["FINISHED"], res
    assert res["tag"]["frame_start"] == start and res["tag"]["fps"] == pytest.approx(res["rate"])
    assert len(res["paths"]) == 52
    assert all(p.startswith('key_blocks["') for p in res["paths"])
    frames, jaw = res["curves"]["jawOpen"]
    assert len(frames) == res["expected_frames"]
    assert frames[0] == start and frames[-1] == start + res["expected_frames"] - 1
    assert 0.0 <= res["all_min"] and res["all_max"] <= 1.0
    jaw = np.array(jaw)
    lead = int(silence_s * res["rate"]) - 3  # leave the smoothing/attack a few frames
    assert np.max(jaw[:lead]) < 0.05, jaw[:lead]
    speech = jaw[lead + 6:]
    assert np.std(speech) > 0.02 and np.max(speech) > 0.15
    # undo removes everything Generate did; redo brings it back (Generate is one undo step)
    assert res["after_undo"]["generated"] == [] and res["after_undo"]["face_action"] in (None, "ArtistFace")
    assert res["after_redo"] == sorted(filter(None, [res["action"], res["body_action"]]))


def test_generate_face_on_synthetic_speech(tmp_path):
    audio = write_speechlike(tmp_path / "syn.wav", silence_s=0.5)
    res = generate(audio, start=1)
    check_face(res, 1, 0.5)
    assert res["action"] == "syn - Face (Face)"
    assert res["body_action"] is None


def test_generate_at_ntsc_film_rate_from_a_later_start_frame(tmp_path):
    audio = write_speechlike(tmp_path / "ntsc.wav", silence_s=0.5)
    res = generate(audio, fps=24, fps_base=1.001, start=101)
    assert res["rate"] == pytest.approx(24 / 1.001)
    check_face(res, 101, 0.5)


def test_generate_keeps_the_artists_action(tmp_path):
    audio = write_speechlike(tmp_path / "art.wav", silence_s=0.5)
    res = generate(audio, with_artist=True)
    check_face(res, 1, 0.5)
    # the artist's action (jawOpen keys only) stays on top as an edit layer; the generated base goes under it
    assert res["nla"] == [["Speech Animator: base", ["art - Face (Face)"]]]
    assert res["artist_keys"] == [[1.0, pytest.approx(0.2)], [10.0, pytest.approx(0.7)]]
    assert res["after_undo"]["face_action"] == "ArtistFace" and res["after_undo"]["nla"] == 0


def test_generate_on_real_speech_with_leading_silence(tmp_path):
    import soundfile as sf

    src = shared_path("speech", "en") / "ljspeech_LJ001-0002.wav"
    if not src.exists():
        pytest.skip(f"{src} not available")
    data, rate = sf.read(str(src), dtype="float32")
    audio = tmp_path / "lj_with_silence.wav"
    sf.write(str(audio), np.concatenate([np.zeros(int(0.5 * rate), np.float32), data]), rate)
    res = generate(audio, face_model="default")
    check_face(res, 1, 0.5)


def test_generate_face_and_body(tmp_path):
    audio = write_speechlike(tmp_path / "both.wav", silence_s=0.5)
    res = generate(audio, what="BOTH")
    check_face(res, 1, 0.5)
    assert res["body_action"] is not None and res["body_action"].startswith("both - ")
    assert any(p.startswith('pose.bones["') and p.endswith('"].rotation_quaternion') for p in res["body_paths"])
    assert 'pose.bones["right_elbow"].rotation_quaternion' in res["body_paths"]


def test_generate_body_keeps_the_artists_keyed_poses(tmp_path):
    """Keys the artist marks as prompts become body constraints: the generated action matches
    them on the keyed frames, and the artist's action itself goes untouched to the NLA."""
    audio = write_speechlike(tmp_path / "keyed.wav", silence_s=0.3)
    res, _ = run_bpy(f"""
import bpy, numpy as np
from mathutils import Quaternion
from tools.bake import load_extension
load_extension()
from speech_animator.addon import bake, compat
import scene_fixtures as sf
face, body = sf.build_scene()
pb = body.pose.bones["right_elbow"]
pb.rotation_mode = 'QUATERNION'
keyed = {{10: Quaternion((1, 0, 0), 0.8), 40: Quaternion((0, 0, 1), -0.6)}}
for frame, q in keyed.items():
    pb.rotation_quaternion = q
    pb.keyframe_insert("rotation_quaternion", frame=frame)
body.animation_data.action.name = "ArtistBody"
s = bpy.context.scene.speech_animator
s.audio_path = {str(audio)!r}; s.armature = body; s.what = 'BODY'
assert bpy.ops.speechanim.use_keys_as_prompts() == {{'FINISHED'}}
result = list(bpy.ops.speechanim.generate())
from speech_animator.addon import layers
action, slot = layers.generated_action(body)
out = {{"result": result, "action": action.name, "nla": [t.name for t in body.animation_data.nla_tracks]}}
body.animation_data.use_nla = False  # evaluate the generated action alone
got = {{}}
for frame, q in keyed.items():
    bpy.context.scene.frame_set(frame)
    got[frame] = abs(pb.rotation_quaternion.rotation_difference(q).angle)
out["angle_err_deg"] = {{str(f): float(np.degrees(a)) for f, a in got.items()}}
emit(out)
""")
    assert res["result"] == ["FINISHED"] and res["action"] == "keyed - Body (Body)"
    assert res["nla"] == ["Speech Animator: prompts", "Speech Animator: kept ArtistBody"]
    for frame, err in res["angle_err_deg"].items():
        assert err < 1.0, (frame, err)
