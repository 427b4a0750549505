"""Conversation scenes (bpy-free): who looks at whom, nods, stereo channel split, determinism, scene files."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf

from inference.body import listening
from inference.conversation import SceneError, generate_conversation, load_scene, parse_scene
from inference.options import GenerateOptions

RATE = 16000
OPTS = GenerateOptions(fps=30.0, face_model="fast")


def speech(phrases, total_s: float, gain: float = 0.3, seed: int = 1) -> np.ndarray:
    """Synthetic voiced 'speech' (120 Hz harmonics, ~4 syllables/s) in each ``(start_s, dur_s)``."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(total_s * RATE))
    for start, dur in phrases:
        t = np.arange(int(dur * RATE)) / RATE
        phase = 2 * np.pi * np.cumsum(120.0 * (1 + 0.05 * np.sin(2 * np.pi * 0.7 * t))) / RATE
        src = sum((1.0 / k) * np.sin(k * phase) for k in range(1, 25))
        env = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 0.7
        seg = gain * src * (0.6 + 0.4 * np.sin(2 * np.pi * 1.3 * t)) * env / np.max(np.abs(src))
        i0 = int(start * RATE)
        out[i0:i0 + seg.size] += seg[: out.size - i0]
    return (out + 0.001 * rng.standard_normal(out.size)).astype(np.float32)


A_PHRASES = [(0.2, 1.2), (1.9, 1.3), (3.7, 1.0)]        # A: 0.2-4.7 s, pauses of 0.5 s
B_PHRASES = [(5.6, 1.4), (7.5, 1.2)]                     # B: 5.6-8.7 s
TOTAL_S = 9.5


def two_files(tmp_path, swap: bool = False) -> dict:
    sf.write(tmp_path / "a.wav", speech(A_PHRASES, TOTAL_S)[: int(4.9 * RATE)], RATE)
    sf.write(tmp_path / "b.wav", speech([(p - 5.5, d) for p, d in B_PHRASES], 4.0, seed=2), RATE)
    xa, xb = (0.8, -0.8) if swap else (-0.8, 0.8)
    return {"duration_s": TOTAL_S, "characters": [
        {"name": "Ann", "position": [xa, 0.0, 0.0], "yaw_deg": 30.0 if xa < 0 else -30.0,
         "lines": [{"audio": "a.wav", "start_s": 0.0}]},
        {"name": "Ben", "position": [xb, 0.0, 0.0], "yaw_deg": -30.0 if xa < 0 else 30.0,
         "lines": [{"audio": "b.wav", "start_s": 5.5}]}]}


@pytest.fixture(scope="module")
def scene_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("conv")


@pytest.fixture(scope="module")
def conv(scene_dir):
    scene = parse_scene(two_files(scene_dir), str(scene_dir))
    return generate_conversation(scene, OPTS)


def _frames(t0, t1, fps=30.0):
    return slice(int(t0 * fps), int(t1 * fps))


def _error_deg(conv, me, other):
    d = listening.gaze_directions(conv.performances[me])
    want = listening.direction(*conv.angles[me, other])
    return np.degrees(np.arccos(np.clip(d @ want, -1, 1)))


def test_speaking_and_floor(conv):
    fps = conv.fps
    assert conv.speaking[0, _frames(0.4, 1.2)].all() and not conv.speaking[0, _frames(5.8, 8.5)].any()
    assert conv.speaking[1, _frames(5.8, 6.8)].all() and not conv.speaking[1, _frames(0.0, 5.3)].any()
    assert (conv.floor[_frames(0, 5.3)] == 0).all() and (conv.floor[_frames(5.8, 9.4)] == 1).all()
    assert all(p.num_frames == int(np.ceil(TOTAL_S * fps)) for p in conv.performances)


def test_listener_looks_at_speaker(conv):
    # Ann stands at x = -0.8 turned 30 degrees towards Ben (x = +0.8): Ben is on Ann's left (yaw > 0)
    assert conv.angles[0, 1, 0] > 0.5 and conv.angles[1, 0, 0] < -0.5
    ann_listens, ben_listens = _frames(6.4, 9.3), _frames(0.8, 5.3)
    assert np.mean(_error_deg(conv, 0, 1)[ann_listens] < 15.0) > 0.9
    assert np.mean(_error_deg(conv, 1, 0)[ben_listens] < 15.0) > 0.9
    # the head itself turns (not only the eyes): head-joint forward points to the speaker's side
    from rigs import smplx_rest
    for me, span, sign in ((0, ann_listens, 1.0), (1, ben_listens, -1.0)):
        rot = smplx_rest.smplx_global_rotations(conv.performances[me].smplx_poses.astype(np.float64))
        head_yaw = np.degrees(np.arctan2(rot[:, 15, 0, 2], rot[:, 15, 2, 2]))
        assert np.median(sign * head_yaw[span]) > 25.0


def test_mirrored_scene_flips_the_turn(scene_dir, tmp_path):
    mirrored = generate_conversation(parse_scene(two_files(tmp_path, swap=True), str(tmp_path)), OPTS)
    from rigs import smplx_rest
    rot = smplx_rest.smplx_global_rotations(mirrored.performances[0].smplx_poses.astype(np.float64))
    head_yaw = np.degrees(np.arctan2(rot[:, 15, 0, 2], rot[:, 15, 2, 2]))
    assert np.median(head_yaw[_frames(6.4, 9.3)]) < -25.0   # Ben now on Ann's right


def test_turn_taking(conv):
    fps = conv.fps
    ben_start = np.flatnonzero(conv.speaking[1])[0] / fps
    err_ben = _error_deg(conv, 1, 0)
    before = int((ben_start - 0.05) * fps)
    assert err_ben[before] > 15.0                                  # Ben looks away just before his turn
    assert err_ben[int((ben_start - 1.0) * fps)] < 15.0            # ... having looked at Ann until then
    err_ann = _error_deg(conv, 0, 1)
    assert err_ann[int((ben_start + 0.8) * fps)] < 15.0            # Ann (previous speaker) looks at Ben
    assert err_ann[int(0.3 * fps)] > 15.0                           # Ann looked away as her own turn began


def test_listener_nods_at_phrase_ends(conv):
    pros_ends = [e for s, e in _ann_phrases()]
    nods = conv.plans[1].nods_s
    assert len(nods) >= 2
    for n in nods:
        assert min(abs(n - listening.NOD_DELAY_S - e) for e in pros_ends) < 0.1
    head_pitch = conv.plans[1].head[:, 1]
    fps = conv.fps
    for n in nods:
        i = int(n * fps)
        assert head_pitch[i] - head_pitch[int((n - 0.6) * fps)] > np.radians(2.5)
    assert not any(5.5 < n < 9.5 for n in nods)                    # no nods while Ben himself talks


def _ann_phrases():
    from inference.audio import prepare_audio
    from inference.prosody import analyze_prosody
    return analyze_prosody(prepare_audio(speech(A_PHRASES, TOTAL_S), RATE)).phrases


def test_seeded_and_repeatable(scene_dir, conv):
    again = generate_conversation(parse_scene(two_files(scene_dir), str(scene_dir)), OPTS)
    for p, q in zip(conv.performances, again.performances):
        assert np.array_equal(p.arkit, q.arkit) and np.array_equal(p.smplx_poses, q.smplx_poses)
    other = generate_conversation(parse_scene(two_files(scene_dir), str(scene_dir)),
                                  GenerateOptions(fps=30.0, face_model="fast", seed=5))
    assert not np.array_equal(other.performances[1].smplx_poses, conv.performances[1].smplx_poses)


def test_stereo_channels_with_bleed(tmp_path):
    a = speech(A_PHRASES, TOTAL_S)
    b = speech(B_PHRASES, TOTAL_S, seed=2)
    bleed = 10 ** (-20 / 20)                                       # -20 dB cross-talk
    stereo = np.stack([a + bleed * b, b + bleed * a], axis=1)
    sf.write(tmp_path / "dialogue.wav", stereo, RATE)
    # channel 1 is Ann's: the character order differs from the channel order
    sf.write(tmp_path / "swapped.wav", stereo[:, ::-1], RATE)
    scene = parse_scene({"stereo": "swapped.wav", "characters": [
        {"name": "Ann", "channel": 1, "position": [-0.8, 0, 0], "yaw_deg": -30},
        {"name": "Ben", "channel": 0, "position": [0.8, 0, 0], "yaw_deg": 30}]}, str(tmp_path))
    conv = generate_conversation(scene, OPTS)
    assert conv.speaking[0, _frames(0.4, 1.2)].all() and not conv.speaking[0, _frames(5.8, 8.5)].any()
    assert conv.speaking[1, _frames(5.8, 6.8)].all() and not conv.speaking[1, _frames(0.4, 4.6)].any()
    jaw = conv.performances[0].arkit[:, conv.performances[0].arkit_names.index("jawOpen")]
    assert jaw[_frames(5.8, 8.5)].max() < 0.5 * jaw[_frames(0.2, 4.7)].max()   # Ann does not mouth Ben's bleed


def test_scene_files_json_and_toml(tmp_path):
    two = two_files(tmp_path)
    (tmp_path / "s.json").write_text(json.dumps(two))
    toml = ["duration_s = 9.5"]
    for c in two["characters"]:
        toml += ["[[characters]]", f'name = "{c["name"]}"', f"position = {c['position']}",
                 f"yaw_deg = {c['yaw_deg']}"]
        for ln in c["lines"]:
            toml += ["[[characters.lines]]", f'audio = "{ln["audio"]}"', f"start_s = {ln['start_s']}"]
    (tmp_path / "s.toml").write_text("\n".join(toml) + "\n")
    sj, st = load_scene(tmp_path / "s.json"), load_scene(tmp_path / "s.toml")
    assert sj == st and sj.characters[1].lines[0].start_s == 5.5
    assert sj.characters[0].lines[0].audio_path == str(tmp_path / "a.wav")


@pytest.mark.parametrize("bad, words", [
    ({"characters": [{"name": "A"}]}, "at least 2"),
    ({"characters": [{"name": "A"}, {"name": "A"}]}, "unique"),
    ({"characters": [{"name": "A", "channel": 0}, {"name": "B", "channel": 1}]}, "no stereo file"),
    ({"characters": [{"name": "A", "colour": 1}, {"name": "B"}]}, "unknown key"),
    ({"characters": [{"name": "A", "position": [0, 1]}, {"name": "B"}]}, "position"),
    ({"characters": [{"name": "A", "lines": [{"audio": "x.wav", "start_s": -1}]}, {"name": "B"}]}, "start_s"),
])
def test_bad_scenes_are_refused(bad, words):
    with pytest.raises(SceneError, match=words):
        parse_scene(bad, "/tmp")
