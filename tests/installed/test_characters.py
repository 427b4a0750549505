"""Generate face + body with the installed zip, in a clean bpy-only environment, on each test
character: KayKit mannequin, RobotExpressive, Apple's ARKit reference head (face only, with and
without a transcript), a generated Rigify rig (with an ARKit-keyed face skinned to its head) and
the demo character. Each test asserts what was keyed: the curves' data paths, every frame of the
clip, value ranges (shape keys in [0, 1], unit quaternions), no NaN, and that the mapped bones
and the mouth move. The bpy side is ``scenarios/characters.py``."""

import pytest

from installed_checks import (CHARACTERS, DEMO_CLIP, assert_body, assert_face, clip_frames, demo_transcript, need,
                              run_installed, speech, warnings_of)

FPS = 30
#: Bones of each rig that must be keyed and move: upper arms, forearms, head, spine, hips.
MOVING_BONES = {
    "kaykit": ["upperarm.l", "upperarm.r", "lowerarm.l", "lowerarm.r", "head", "chest", "spine", "hips"],
    "robot": ["UpperArm.L", "UpperArm.R", "LowerArm.L", "LowerArm.R", "Head", "Neck", "Torso", "Hips"],
    "demo": ["left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "head", "neck", "spine3", "pelvis"],
    "rigify": ["upper_arm_fk.L", "upper_arm_fk.R", "forearm_fk.L", "forearm_fk.R", "head", "neck", "spine_fk.002"],
}


def _run(clean_env, tmp_path, kind, **extra):
    # Rigify's control rig refines its rotations through Blender's evaluation on every frame: a
    # shorter clip keeps it within the time budget.
    speech_s = 0.8 if kind == "rigify" else 2.0
    audio = speech(tmp_path / "clip.wav", speech_s=speech_s)
    res, proc = run_installed(clean_env, "characters", kind=kind, characters=str(CHARACTERS), audio=str(audio),
                              fps=FPS, **extra)
    return res, proc, clip_frames(audio, FPS)


@pytest.mark.parametrize("kind", ["kaykit", "robot"])
def test_body_keys_the_bones_of_a_skinned_third_party_character(clean_env, tmp_path, kind):
    need(CHARACTERS)
    res, proc, n = _run(clean_env, tmp_path, kind)
    assert res["result"] == ["FINISHED"], proc.stdout[-3000:]
    body = res["body"]
    assert body["action"] == f"clip - Body ({res['armature_name']})"
    assert body["tag"]["body_model"] and body["tag"]["fps"] == FPS
    assert_body(body, n, MOVING_BONES[kind])
    if kind == "robot":  # its head has only Angry/Surprised/Sad morphs: the face is skipped, said so
        assert res["face"] == {"action": None}
        assert any("face skipped" in w and "nothing matched on 'Head'" in w for w in warnings_of(proc))
        # the imported clip is kept: "Dance" (4.4+ slotted actions) or "Dance_<object>" (4.2/4.3's glTF importer)
        assert any(a == "Dance" or a.startswith("Dance_") for a in res["actions"]), res["actions"]


def test_face_on_the_arkit_reference_head_with_and_without_a_transcript(clean_env, tmp_path):
    need(CHARACTERS)
    res, proc, n = _run(clean_env, tmp_path, "arkit_head", transcript=demo_transcript(),
                        transcript_audio=str(DEMO_CLIP))
    assert res["result"] == ["FINISHED"] and res["what"] == "FACE", proc.stdout[-3000:]
    assert len(res["shape_keys"]) == 51 and "tongueOut" not in res["shape_keys"]
    face = res["face"]
    assert face["action"] == "clip - Face (ARKitReferenceHead)"
    assert_face(face, n, res["shape_keys"])
    assert not face["tag"]["face_model"].endswith("+transcript")
    assert any("tongueOut" in w for w in warnings_of(proc))
    # transcript mode: forced alignment by the bundled pocketsphinx wheel, tagged as such
    assert res["transcript_result"] == ["FINISHED"]
    tr = res["transcript_face"]
    assert tr["action"] == "demo_speech - Face (ARKitReferenceHead)"
    assert tr["tag"]["face_model"].endswith("+transcript"), tr["tag"]
    assert_face(tr, clip_frames(DEMO_CLIP, FPS), res["shape_keys"])


@pytest.mark.parametrize("kind", ["demo", "rigify"])
def test_face_and_body_on_the_demo_character_and_a_generated_rigify_rig(clean_env, tmp_path, kind):
    res, proc, n = _run(clean_env, tmp_path, kind)
    assert res["result"] == ["FINISHED"] and res["what"] == "BOTH", proc.stdout[-3000:]
    assert res["face"]["action"] == f"clip - Face ({res['face_name']})"
    assert_face(res["face"], n, res["shape_keys"], exclude=())
    assert res["body"]["action"] == f"clip - Body ({res['armature_name']})"
    assert_body(res["body"], n, MOVING_BONES[kind])
    if kind == "rigify":  # the controls, never Rigify's DEF/MCH/ORG bones
        assert not [b for b in res["body"]["bones"] if b.split("-")[0] in ("DEF", "MCH", "ORG")]
        assert any("refined through Blender's evaluation" in w for w in warnings_of(proc))
