"""The installed zip in a clean bpy-only environment: the EMAGE backend, Import Motion (.bvh and a
real BEAT2 .npz), Export Motion, an edit + Regenerate + Undo, and the ``-c speech_animator``
batch command on a folder. Inputs are written here (dev venv) and passed as paths; each test
asserts what was keyed or written. The bpy side of each is ``scenarios/<name>.py``."""

import json
import os

import numpy as np
import pytest

from installed_checks import (BEAT2_NPZ, EMAGE_WEIGHTS, assert_body, assert_dense, assert_face, clip_frames, need,
                              run_installed, speech, warnings_of)
from rigs.arkit import ARKIT_NAMES  # the demo head carries all 52

FPS = 30
DEMO_BONES = ["left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "head", "neck", "spine3", "pelvis"]
#: SMPL-X joints the collision push-out never moves (it keeps hands and forearms out of the body).
TRUNK_JOINTS = ("pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2", "spine3", "neck",
                "head")


def _angles_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(T, 22)`` angle between the SMPL-X global rotations of body joints 0..21 of two pose sets."""
    from rigs.smplx_rest import smplx_global_rotations

    g0, g1 = smplx_global_rotations(np.asarray(a, np.float32)), smplx_global_rotations(np.asarray(b, np.float32))
    cos = (np.trace(np.einsum("tjab,tjac->tjbc", g0[:, :22], g1[:, :22]), axis1=2, axis2=3) - 1) / 2
    return np.degrees(np.arccos(np.clip(cos, -1, 1)))


def test_emage_backend_keys_the_demo_body(clean_env, tmp_path):
    ck = need(EMAGE_WEIGHTS)
    audio = speech(tmp_path / "clip.wav")
    res, proc = run_installed(clean_env, "emage", audio=str(audio), checkpoint=str(ck), cache=str(tmp_path / "cache"),
                              fps=FPS)
    n = clip_frames(audio, FPS)
    assert res["result"] == ["FINISHED"], proc.stdout[-3000:]
    body = res["body"]
    assert body["tag"]["body_model"].startswith("emage"), body["tag"]
    assert_body(body, n, DEMO_BONES)
    assert len(body["moving"]) >= 40  # learned (here random-weight) motion on most joints
    assert_face(res["face"], n, ARKIT_NAMES, exclude=())
    if not os.stat(ck).st_mode & 0o222:  # a read-only checkpoint: converted (numpy) into the user cache
        assert any(f.endswith("-main.onnx") for f in res["cached"]), res["cached"]


def test_import_motion_bvh_and_beat2_npz(clean_env, tmp_path):
    """A .bvh (Blender's own BVH parser, no bvhio) and the real BEAT2 take, each baked on every
    frame at the file's rate and read back as the motion in the file."""
    pytest.importorskip("bvhio")  # only to write the test .bvh here
    npz = need(BEAT2_NPZ)
    from inference.formats.bvh import write_smplx_bvh
    from inference.performance import Performance

    rng = np.random.default_rng(5)
    t = 12
    poses = rng.normal(0, 0.35, (t, 55, 3)).astype(np.float32)
    transl = np.cumsum(rng.normal(0, 0.01, (t, 3)), axis=0).astype(np.float32)
    bvh = tmp_path / "take.bvh"
    write_smplx_bvh(bvh, Performance(30.0, np.zeros((t, 52), np.float32), smplx_poses=poses,
                                     jaw_pose=poses[:, 22].copy(), transl=transl))
    window = 60
    res, proc = run_installed(clean_env, "import_motion", files=[str(bvh), str(npz)], fps=FPS, window=window)
    got_bvh, got_npz = res["imports"]
    assert got_bvh["result"] == got_npz["result"] == ["FINISHED"], proc.stdout[-3000:]
    # .bvh: 12 frames at 30 fps
    assert got_bvh["body"]["action"] == "take - Body (SpeechAnimDemo_Armature)"
    assert_body(got_bvh["body"], t, DEMO_BONES)
    assert_dense(got_bvh["face"], t)
    err = _angles_deg(poses, np.array(got_bvh["poses"])[:t])
    assert err.max() < 0.5, err.max()  # every body joint as written
    np.testing.assert_allclose(np.array(got_bvh["transl"])[:t] - got_bvh["transl"][0], transl - transl[0], atol=1e-3)
    # .npz: the real take, 1906 frames at 30 fps
    data = np.load(npz)
    frames = data["poses"].shape[0]
    assert got_npz["body"]["action"] == "2_scott_0_1_1 - Body (SpeechAnimDemo_Armature)"
    assert got_npz["body"]["tag"]["body_model"].startswith("npz")
    assert_body(got_npz["body"], frames, DEMO_BONES)
    assert_dense(got_npz["face"], frames)
    err = _angles_deg(data["poses"][:window].reshape(-1, 55, 3), got_npz["poses"])
    trunk = [i for i, j in enumerate(_joint_names()[:22]) if j in TRUNK_JOINTS]
    assert err[:, trunk].max() < 0.5, err[:, trunk].max()
    assert np.median(err) < 0.5, np.median(err)  # arms may be pushed out of the body on a few frames
    assert sorted(res["actions"]) == ["2_scott_0_1_1 - Body (SpeechAnimDemo_Armature)",
                                      "2_scott_0_1_1 - Face (SpeechAnimDemo_Head)"]  # the .bvh's replaced


def _joint_names():
    from rigs.smplx import JOINT_NAMES

    return JOINT_NAMES


def test_export_writes_what_was_keyed(clean_env, tmp_path):
    pytest.importorskip("bvhio")  # only to read the exported .bvh here
    from inference.formats.arkit_csv import read_arkit_csv
    from inference.formats.beat2 import read_beat2_npz
    from inference.formats.bvh import read_smplx_bvh

    audio = speech(tmp_path / "clip.wav")
    res, proc = run_installed(clean_env, "export", audio=str(audio), out=str(tmp_path), fps=FPS)
    n = clip_frames(audio, FPS)
    assert res["result"] == ["FINISHED"], proc.stdout[-3000:]
    assert res["exports"] == {"NPZ": ["FINISHED"], "CSV": ["FINISHED"], "BVH": ["FINISHED"]}, proc.stdout[-3000:]
    assert res["frames"] == n
    assert_face(res["face"], n, ARKIT_NAMES, exclude=())
    assert_body(res["body"], n, DEMO_BONES)
    keyed = np.array(res["arkit"], np.float32)
    npz = read_beat2_npz(tmp_path / "take.npz")
    assert npz.num_frames == n and npz.fps == pytest.approx(FPS)
    np.testing.assert_allclose(npz.arkit, keyed, atol=1e-5)  # the face curves, every frame
    times_s, csv_arkit, _ = read_arkit_csv(tmp_path / "take.csv", fps=FPS)
    np.testing.assert_allclose(times_s, np.arange(n) / FPS, atol=1e-6)
    np.testing.assert_allclose(csv_arkit, keyed, atol=1e-3)
    assert np.isfinite(npz.smplx_poses).all() and npz.smplx_poses.shape == (n, 55, 3)
    assert np.ptp(npz.smplx_poses[:, 16:22], axis=0).max() > 0.01  # the arms move
    # .bvh: SMPL-X's skeleton and axes (Y up, cm; docs/formats.md), the motion of the .npz
    bvh = read_smplx_bvh(tmp_path / "take.bvh")
    assert bvh.num_frames == n
    assert _angles_deg(bvh.smplx_poses, npz.smplx_poses).max() < 0.5
    # Import Motion of that .bvh onto the same character keys the same motion back (was 146 deg off)
    assert res["reimport"] == ["FINISHED"], proc.stdout[-3000:]
    err = _angles_deg(npz.smplx_poses, np.array(res["reimported_poses"], np.float32))
    assert err.max() < 0.5, err.max()


def test_edit_regenerate_and_undo(clean_env, tmp_path):
    audio = speech(tmp_path / "clip.wav")
    res, proc = run_installed(clean_env, "edit_undo", audio=str(audio), fps=FPS)
    n = clip_frames(audio, FPS)
    assert res["r1"] == res["r2"] == ["FINISHED"], proc.stdout[-3000:]
    first = res["first"]
    face_name, body_name = first["face"]["action"], first["body"]["action"]
    assert_body(first["body"], n, DEMO_BONES)
    assert sorted(first["generated"]) == sorted([face_name, body_name])
    assert res["edited"]["jaw31"] == pytest.approx(0.95, abs=1e-5)
    # Regenerate: a new base on the NLA, the artist's edits as a delta layer on top, playing as edited
    g = res["regen"]
    assert g["face_active"] == face_name + " edits" and g["body_active"] == body_name + " edits"
    assert g["face_tracks"] == ["Speech Animator: base"]
    # the new base takes the plain name (no '.001'); the edited action is kept as '<name> (edited)'
    assert g["face_base"] == face_name and g["body_base"] == body_name
    assert {face_name + " (edited)", body_name + " (edited)"} <= set(g["generated"]), g["generated"]
    assert g["face"]["action"] == g["face_base"] and g["body"]["action"] == g["body_base"]
    assert_body(g["body"], n, DEMO_BONES)
    assert g["face_layer"]["paths"] == {'key_blocks["jawOpen"].value': [0]}  # only what was edited
    assert 30 <= g["face_layer"]["frames"][0] and g["face_layer"]["frames"][1] <= 32
    assert g["body_layer"]["paths"] == {'pose.bones["right_elbow"].rotation_quaternion': [0, 1, 2, 3]}
    assert g["jaw31"] == pytest.approx(0.95, abs=1e-4) and g["elbow20_deg"] < 0.5
    assert g["max_diff_to_edited"] < 1e-4  # same clip: what plays equals the edited action
    assert any("now apply as the edit layer" in w for w in warnings_of(proc))
    # Undo: back to the edit, then to the first Generate, then to nothing
    edited, generated, empty = res["undo"]
    assert edited["face_active"] == face_name and edited["face_tracks"] == []
    assert edited["jaw_key31"] == pytest.approx(0.95, abs=1e-5)
    assert sorted(edited["generated"]) == sorted([face_name, body_name])
    assert generated["face_active"] == face_name
    assert abs(first["jaw_key31"] - 0.95) > 1e-3  # the edit changed the key
    assert generated["jaw_key31"] == pytest.approx(first["jaw_key31"], abs=1e-6)
    assert empty["face_active"] is None and empty["body_active"] is None and empty["generated"] == []


def test_batch_command_on_a_folder(clean_env, tmp_path):
    """``-c speech_animator`` on a folder (a sub-folder, a FLAC, a corrupt file, a non-audio file):
    one .blend per good file holding its face and body actions, a JSON report per input, exit 1."""
    clips = tmp_path / "clips"
    (clips / "sub").mkdir(parents=True)
    speech(clips / "one.wav", speech_s=1.5)
    speech(clips / "sub" / "two.flac", silence_s=0.2, speech_s=1.0, rate_hz=16000)
    (clips / "corrupt.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot really audio")
    (clips / "notes.txt").write_text("not audio, ignored by the folder scan")
    out, rep = tmp_path / "out", tmp_path / "reports"
    face, arm = "SpeechAnimDemo_Head", "SpeechAnimDemo_Armature"
    outputs = {"one": out / "one.blend", "two": out / "sub" / "two.blend"}
    res, proc = run_installed(
        clean_env, "batch", work=str(tmp_path), fps=FPS, face=face, armature=arm,
        outputs=[str(p) for p in outputs.values()],
        args=["--blend", "SCENE", str(clips), "--face", face, "--armature", arm, "--what", "both",
              "--output-dir", str(out), "--report-dir", str(rep), "--start-frame", "10"])
    assert res["registered"], "the extension did not register its -c command"
    assert res["exit_code"] == 1, proc.stdout[-3000:] + proc.stderr[-3000:]  # the corrupt file failed
    assert "cannot decode audio" in proc.stderr
    reports = {p.stem: json.loads(p.read_text()) for p in rep.rglob("*.json")}
    assert sorted(reports) == ["corrupt", "one", "two"]
    assert reports["corrupt"]["status"] == "error" and not (out / "corrupt.blend").exists()
    for name, path in outputs.items():
        r = reports[name]
        assert r["status"] == "ok", r
        n = clip_frames(clips / ("sub/two.flac" if name == "two" else "one.wav"), FPS)
        assert r["frames"] == n and r["frame_start"] == 10 and r["fps"] == FPS
        assert sorted(r["actions"]) == sorted([f"{name} - Face ({face})", f"{name} - Body ({arm})"])
        got = res["outputs"][str(path)]
        assert got is not None, f"{path} not written"
        assert got["generated"] == sorted(r["actions"])  # each file holds only its own actions
        assert_face(got["face"], n, ARKIT_NAMES, start=10, exclude=())
        assert_body(got["body"], n, DEMO_BONES, start=10)
