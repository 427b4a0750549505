"""Body backend 'procedural' (inference/body/): shapes, determinism, parts, style, feet, torso, bad input."""

import numpy as np
import pytest

from inference import backends
from inference.audio import Audio, AudioError, prepare_audio
from inference.backends import FaceTrack
from inference.body import collision, planner, procedural
from inference.generate import generate
from inference.options import GenerateOptions, GestureStyle
from inference.prosody import analyze_prosody
from inference.timebase import num_frames
from rigs import face_coupling, smplx, smplx_rest
from rigs.arkit import ARKIT_NAMES
from rigs.rotations import axis_angle_to_quat, quat_conj, quat_mul, quat_to_axis_angle

SR = 16000


#: One period of a 24-harmonic voice-like wave (1/k amplitudes), looked up by phase.
_TABLE = (np.sin(np.arange(1, 25)[:, None] * 2 * np.pi * np.arange(4096)[None, :] / 4096)
          / np.arange(1, 25)[:, None]).sum(axis=0)


def speech_like(duration_s: float, seed: int = 0) -> np.ndarray:
    """Phrases of harmonic 'syllables' (F0 90-200 Hz, varying loudness) separated by pauses."""
    rng = np.random.default_rng(seed)
    out = []
    t = 0.0
    while t < duration_s:
        for _ in range(rng.integers(4, 12)):
            dur = rng.uniform(0.12, 0.3)
            n = int(dur * SR)
            cycles = rng.uniform(90, 200) * np.arange(n) / SR
            wave = _TABLE[(np.mod(cycles, 1.0) * _TABLE.size).astype(int)]
            syl = wave * np.hanning(n) * rng.uniform(0.05, 0.3)
            out += [syl, np.zeros(int(rng.uniform(0.02, 0.08) * SR))]
            t += dur + 0.05
        pause = rng.uniform(0.4, 1.2)
        out.append(np.zeros(int(pause * SR)))
        t += pause
    x = np.concatenate(out)[:int(duration_s * SR)]
    return (x + rng.normal(0, 1e-4, x.size)).astype(np.float32)


@pytest.fixture(scope="module")
def audio():
    return prepare_audio(speech_like(20.0), SR)


@pytest.fixture(scope="module")
def body():
    return backends.get_body_backend("procedural")


@pytest.fixture(scope="module")
def track(audio, body):
    return body.run(audio, GenerateOptions(seed=1))


def test_registered_and_shapes(audio, body, track):
    assert "procedural" in backends.body_backend_names()
    assert body.name == "procedural"
    n = num_frames(audio.duration_s, 30.0)
    assert track.fps == 30.0
    assert track.poses.shape == (n, 55, 3) and track.poses.dtype == np.float32
    assert track.transl.shape == (n, 3) and track.transl.dtype == np.float32
    assert np.all(np.isfinite(track.poses)) and np.all(np.isfinite(track.transl))
    assert track.model == procedural.MODEL_NAME


def test_joint_order_is_smplx(track):
    """Left joints stay on the subject's left (+X), hands in front, head on top, feet on the floor."""
    pos = smplx_rest.forward_kinematics(track.poses)     # without the stepping translation
    j = smplx.JOINT_INDEX
    assert np.all(pos[:, j["left_wrist"], 0] > pos[:, j["right_wrist"], 0])
    assert np.all(pos[:, j["left_elbow"], 0] > 0.1) and np.all(pos[:, j["right_elbow"], 0] < -0.1)
    assert np.all(pos[:, j["head"], 1] > pos[:, j["neck"], 1])
    # the arms gesture: the wrists are raised above the hanging position for part of the time
    rest = smplx_rest.rest_joint_positions()
    assert (pos[:, j["left_wrist"], 1] > rest[j["pelvis"], 1] + 0.05).mean() > 0.1


def test_deterministic_per_seed_and_seeds_differ(audio, body, track):
    again = body.run(audio, GenerateOptions(seed=1))
    assert np.array_equal(again.poses, track.poses) and np.array_equal(again.transl, track.transl)
    other = body.run(audio, GenerateOptions(seed=2))
    arms = [smplx.JOINT_INDEX[n] for n in ("left_shoulder", "right_shoulder", "left_elbow", "right_elbow")]
    assert np.abs(other.poses[:, arms] - track.poses[:, arms]).mean() > 0.05


def _contact_slide_m(poses, transl):
    """Largest horizontal per-frame move (m) of an ankle/toe joint while it is on the floor
    (within 2 cm of its lowest height), and the largest total travel of a foot joint (m)."""
    pos = smplx_rest.forward_kinematics(poses, transl)
    worst, travel = 0.0, 0.0
    for j in (7, 8, 10, 11):
        y = pos[:, j, 1]
        contact = (y < y.min() + 0.02)
        d = np.linalg.norm(np.diff(pos[:, j, [0, 2]], axis=0), axis=1)
        worst = max(worst, float(d[contact[1:] & contact[:-1]].max()))
        travel = max(travel, float(d.sum()))
    return worst, travel


def test_feet_locked_in_contact_steps_bounded(audio, body, track):
    slide, travel = _contact_slide_m(track.poses, track.transl)
    assert slide < 1e-3                   # a planted foot never slides (m per frame)
    assert travel > 0.05                  # but the speaker does step (20 s, default stepping)
    assert np.abs(track.transl[:, [0, 2]]).max() < 0.5 + 0.05   # stepping.MAX_TRAVEL_M + sway
    still = body.run(audio, GenerateOptions(seed=1, gesture=GestureStyle(stepping=0.0)))
    pos = smplx_rest.forward_kinematics(still.poses, still.transl)
    feet = pos[:, [7, 8, 10, 11]]
    assert np.abs(feet - feet[0]).max() < 1e-3  # no stepping: ankles and toes never move (m)
    assert np.abs(still.transl).max() < 0.05


def test_seated_preset_keeps_lower_body_still_hands_low(audio, body):
    tr = body.run(audio, GenerateOptions(seed=2, gesture=GestureStyle.preset("seated")))
    lower = [0, 1, 2, 4, 5, 7, 8, 10, 11]
    assert np.abs(np.diff(tr.poses[:, lower], axis=0)).max() < 1e-6
    assert np.abs(np.diff(tr.transl, axis=0)).max() < 1e-6
    pos = smplx_rest.forward_kinematics(tr.poses, tr.transl)
    knee_y = pos[:, [4, 5], 1].mean()
    assert abs(knee_y - pos[:, 0, 1].mean()) < 0.12      # thighs horizontal: knees at hip level
    with pytest.raises(ValueError, match="calm presenter"):
        GestureStyle.preset("sleepy")


def test_smooth_no_jitter_no_penetration(track):
    pos = smplx_rest.forward_kinematics(track.poses, track.transl)
    upper = pos[:, list(smplx.PART_JOINTS["upper"])]
    jerk = np.linalg.norm(np.diff(upper, n=3, axis=0), axis=2) * 30.0 ** 3
    assert jerk.mean() < 40.0  # m/s^3; the BEAT2 take (mocap) measures ~28
    q = axis_angle_to_quat(track.poses.astype(np.float64))
    step = np.linalg.norm(quat_to_axis_angle(quat_mul(q[1:], quat_conj(q[:-1]))), axis=2)
    assert step.max() < 0.5  # rad per 30 fps frame (the BEAT2 take peaks at 0.37)
    depth = collision.penetration(q, track.transl.astype(np.float64))
    assert depth.max() < collision.MARGIN_M  # never past the safety margin into the torso


def test_silence_gives_idle_only(body):
    silent = prepare_audio(np.zeros(8 * SR, np.float32), SR)
    tr = body.run(silent, GenerateOptions(seed=3))
    pos = smplx_rest.forward_kinematics(tr.poses, tr.transl)
    wrists = pos[:, [20, 21]]
    assert np.all(wrists[..., 1] < pos[:, :1, 1] + 0.02)           # hands stay low
    speed = np.linalg.norm(np.diff(wrists, axis=0), axis=2) * 30.0
    assert speed.max() < 0.25                                        # m/s: idle drift only
    assert 0.0 < np.abs(np.diff(tr.poses, axis=0)).max()             # but not frozen (breathing)


def test_body_parts_switch(audio, body):
    upper_only = body.run(audio, GenerateOptions(seed=1, body_parts=("upper",)))
    for part in ("face", "hands", "lower"):
        assert np.all(upper_only.poses[:, list(smplx.PART_JOINTS[part])] == 0.0), part
    assert np.all(upper_only.transl == 0.0)
    assert np.abs(upper_only.poses[:, list(smplx.PART_JOINTS["upper"])]).max() > 0.1
    hands_lower = body.run(audio, GenerateOptions(seed=1, body_parts=("hands", "lower")))
    assert np.all(hands_lower.poses[:, list(smplx.PART_JOINTS["upper"])] == 0.0)
    assert np.abs(hands_lower.poses[:, list(smplx.PART_JOINTS["hands"])]).max() > 0.1
    assert np.abs(hands_lower.transl).max() > 0.0


def test_face_drives_jaw_and_eyes(audio, body):
    n = num_frames(audio.duration_s, 60.0)
    arkit = np.zeros((n, 52), np.float32)
    arkit[:, ARKIT_NAMES.index("jawOpen")] = 1.0
    arkit[:, ARKIT_NAMES.index("eyeLookOutLeft")] = 1.0
    tr = body.run(audio, GenerateOptions(seed=1), face=FaceTrack(60.0, arkit, "numpy", "test"))
    assert np.allclose(tr.poses[:, 22], [face_coupling.JAW_OPEN_RAD, 0, 0], atol=1e-5)
    assert np.allclose(tr.poses[:, 23, 1], face_coupling.EYE_YAW_RAD, atol=1e-5)  # looks to its left
    no_face = body.run(audio, GenerateOptions(seed=1))
    assert np.all(no_face.poses[:, 22] == 0.0)


def test_style_controls(audio):
    p = analyze_prosody(audio)
    base = planner.plan_gestures(p, audio.duration_s, GestureStyle(), seed=0)
    still = planner.plan_gestures(p, audio.duration_s, GestureStyle(energy=0.0), seed=0)
    busy = planner.plan_gestures(p, audio.duration_s, GestureStyle(rate=2.0, energy=1.5), seed=0)
    assert len(base.strokes) > 0 and len(still.strokes) == 0
    assert len(busy.strokes) > len(base.strokes)
    assert np.mean([s.amplitude for s in busy.strokes]) > np.mean([s.amplitude for s in base.strokes])
    left = planner.plan_gestures(p, audio.duration_s, GestureStyle(handedness="left", rate=2.0, two_handed=0.0), seed=0)
    one_handed = [s.hands for s in left.strokes if s.hands != "both"]
    assert one_handed.count("left") > 2 * one_handed.count("right")
    both = planner.plan_gestures(p, audio.duration_s, GestureStyle(rate=2.0, two_handed=1.0), seed=0)
    assert sum(s.hands == "both" for s in both.strokes) > sum(s.hands == "both" for s in left.strokes)
    wide = planner.plan_gestures(p, audio.duration_s, GestureStyle(posture="open", rate=2.0), seed=0)
    narrow = planner.plan_gestures(p, audio.duration_s, GestureStyle(posture="closed", rate=2.0), seed=0)
    assert np.mean([s.apex_wrist_m[0] for s in wide.strokes]) > np.mean([s.apex_wrist_m[0] for s in narrow.strokes])


def test_the_other_hand_follows_a_one_handed_stroke(audio):
    """The hand not making a one-handed stroke copies its preparation-to-apex move, mirrored
    (each side's keys are in its own mirrored coordinates), at planner.FOLLOW_GAIN +-20%, no lag;
    the trunk keep-out (library.clear_of_torso) may shorten a move that would enter the body."""
    p = analyze_prosody(audio)
    plan = planner.plan_gestures(p, audio.duration_s, GestureStyle(two_handed=0.0, rate=1.5), seed=3)
    ratios = []
    for s in plan.strokes:
        if s.hands == "both":
            continue
        other = "right" if s.hands == "left" else "left"
        lead = {round(k.time_s, 9): k for k in plan.keys[s.hands]}
        foll = {round(k.time_s, 9): k for k in plan.keys[other]}
        times = sorted(lead)
        i = times.index(round(s.apex_s, 9))
        t_pre, t_apex = times[i - 1], times[i]
        if t_pre + planner.FOLLOW_LAG_S not in foll or t_apex + planner.FOLLOW_LAG_S not in foll:
            continue
        d_lead = np.subtract(lead[t_apex].pose.wrist_m, lead[t_pre].pose.wrist_m)
        d_foll = np.subtract(foll[t_apex].pose.wrist_m, foll[t_pre].pose.wrist_m)
        g = planner._follow_gain(s.gtype)
        assert foll[t_apex].active
        ratios.append(np.linalg.norm(d_foll) / np.linalg.norm(d_lead) / g)
        assert ratios[-1] < 1.21
        assert np.dot(d_foll, d_lead) / (np.linalg.norm(d_foll) * np.linalg.norm(d_lead)) > 0.9
    assert len(ratios) >= 5 and np.mean(np.array(ratios) > 0.79) >= 0.7, ratios


def test_following_couples_the_wrist_speeds(audio, body, monkeypatch):
    """Left/right wrist-speed correlation with the follow coupling vs without it (gain 0)."""
    def corr(tr):
        pos = smplx_rest.forward_kinematics(tr.poses.astype(np.float64))
        sp = np.linalg.norm(np.gradient(pos[:, [20, 21]], axis=0), axis=2)
        return np.corrcoef(sp[:, 0], sp[:, 1])[0, 1]
    opts = GenerateOptions(seed=2, gesture=GestureStyle(two_handed=0.3))
    coupled = corr(body.run(audio, opts))
    monkeypatch.setattr(planner, "FOLLOW_GAIN", 0.0)
    apart = corr(body.run(audio, opts))
    assert coupled > apart + 0.1, (coupled, apart)


def test_strokes_land_on_accents(audio):
    p = analyze_prosody(audio)
    plan = planner.plan_gestures(p, audio.duration_s, GestureStyle(), seed=0)
    for s in plan.strokes:
        assert np.min(np.abs(p.accents_s - s.apex_s)) <= 0.06


def test_generate_end_to_end_at_scene_rate(audio):
    perf = generate(audio, GenerateOptions(fps=24.0, face=False, seed=0))
    n = num_frames(audio.duration_s, 24.0)
    assert perf.smplx_poses.shape == (n, 55, 3) and perf.transl.shape == (n, 3)
    assert perf.provenance.body_model == procedural.MODEL_NAME


def test_bad_input(body):
    with pytest.raises(AudioError, match="empty"):
        body.run(Audio(np.zeros(0, np.float32), SR, SR), GenerateOptions())
    with pytest.raises(AudioError, match="NaN"):
        body.run(Audio(np.full(SR, np.nan, np.float32), SR, SR), GenerateOptions())
    with pytest.raises(AudioError, match="expected an inference.audio.Audio"):
        body.run(np.zeros(SR, np.float32), GenerateOptions())
    with pytest.raises(AudioError, match="16000 Hz"):
        body.run(Audio(np.zeros(SR, np.float32), 8000, 8000), GenerateOptions())


def test_extreme_loudness_is_handled(body):
    x = speech_like(6.0, seed=5)
    x = x / np.abs(x).max()
    normal = body.run(prepare_audio(x, SR), GenerateOptions(seed=0))
    loud = body.run(Audio(x * 1e5, SR, SR), GenerateOptions(seed=0))  # far past full scale
    assert np.all(np.isfinite(loud.poses))
    assert np.allclose(loud.poses, normal.poses, atol=1e-5)  # normalised before analysis
    quiet = analyze_prosody(prepare_audio(x * 0.01, SR))       # -40 dB: same phrasing
    assert len(quiet.phrases) == len(analyze_prosody(prepare_audio(x, SR)).phrases)


def test_extreme_style_stays_physical(audio, body):
    tr = body.run(audio, GenerateOptions(seed=3, gesture=GestureStyle(energy=2.0, rate=2.0, posture="open")))
    q = axis_angle_to_quat(tr.poses.astype(np.float64))
    step = np.linalg.norm(quat_to_axis_angle(quat_mul(q[1:], quat_conj(q[:-1]))), axis=2)
    assert step.max() < 0.7
    assert collision.penetration(q, tr.transl.astype(np.float64)).max() < collision.MARGIN_M
    assert _contact_slide_m(tr.poses, tr.transl)[0] < 1e-3
