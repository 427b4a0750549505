"""Generate end to end in bpy 5.0: sidebar settings -> operator -> baked actions; undo; artist safety."""

import numpy as np
import pytest

from bpy_harness import run_scenario, write_speechlike
from tests.conftest import shared_path


def generate(audio, fps=30, fps_base=1.0, start=1, what="FACE", face_model="fast", with_artist=False):
    res, _ = run_scenario("generate_cases", case="generate", fps=fps, fps_base=fps_base, start=start, what=what,
                          face_model=face_model, audio=str(audio), with_artist=with_artist)
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
    res, _ = run_scenario("generate_cases", case="keyed_poses", audio=str(audio))
    assert res["result"] == ["FINISHED"] and res["action"] == "keyed - Body (Body)"
    assert res["nla"] == ["Speech Animator: prompts", "Speech Animator: kept ArtistBody"]
    for frame, err in res["angle_err_deg"].items():
        assert err < 1.0, (frame, err)
