"""One ARKit -> jaw/eye mapping (rigs/face_coupling.py): conventions, blinks, and the final face track
driving the body in generate() (intensity, smoothing and the procedural gaze reach the body)."""

import numpy as np
import pytest

from inference.audio import prepare_audio
from inference.face.flame import DEFAULT_JAW
from inference.generate import generate
from inference.options import GenerateOptions
from rigs import face_coupling as fc
from rigs.arkit import ARKIT_INDEX, ARKIT_NAMES
from rigs.face_fallback import arkit_to_jaw_pose as fallback_jaw
from rigs.smplx_rest import forward_kinematics
from tests.test_body import SR, speech_like


def _curves(**weights):
    a = np.zeros((4, 52), np.float32)
    for name, w in weights.items():
        a[:, ARKIT_INDEX[name]] = w
    return a


def test_one_mapping_everywhere():
    a = np.random.default_rng(0).uniform(0, 1, (20, 52)).astype(np.float32)
    jaw = fc.arkit_to_jaw_pose(a)
    assert np.allclose(jaw, fallback_jaw(a)) and np.allclose(jaw, a @ DEFAULT_JAW, atol=1e-6)
    assert np.allclose(fc.arkit_to_jaw_pose(_curves(jawOpen=1.0)), [fc.JAW_OPEN_RAD, 0, 0])
    with pytest.raises(ValueError, match="arkit: expected shape"):
        fc.arkit_to_jaw_pose(np.zeros((3, 51)))


def test_blinks_and_lips_do_not_move_the_jaw_or_eyes():
    lids = [n for n in ARKIT_NAMES if n.startswith(("eyeBlink", "eyeSquint", "eyeWide", "mouth", "brow", "cheek"))]
    a = _curves(**{n: 1.0 for n in lids})
    assert np.all(fc.arkit_to_jaw_pose(a) == 0.0)
    assert np.allclose(fc.arkit_to_eye_poses(a), 0.0)


def test_eye_directions_follow_gaze():
    rest_gaze = np.array([0.0, 0.0, 1.0])

    def gaze(**w):
        aa = fc.arkit_to_eye_poses(_curves(**w))[0].astype(np.float64)
        out = []
        for v in aa:
            ang = np.linalg.norm(v)
            k = v / max(ang, 1e-12)
            g = rest_gaze * np.cos(ang) + np.cross(k, rest_gaze) * np.sin(ang) + k * np.dot(k, rest_gaze) * (1 - np.cos(ang))
            out.append(g)
        return np.array(out)                       # (2, 3): left eye, right eye gaze

    left_look = gaze(eyeLookOutLeft=1.0, eyeLookInRight=1.0)   # both look to the subject's left (+X)
    assert np.all(left_look[:, 0] > 0.3)
    down = gaze(eyeLookDownLeft=1.0, eyeLookDownRight=1.0)
    assert np.all(down[:, 1] < -0.3) and np.allclose(down[:, 0], 0.0, atol=1e-6)


def test_body_jaw_and_eyes_follow_the_final_face_track():
    audio = prepare_audio(speech_like(6.0, seed=11), SR)
    opts = dict(fps=30.0, seed=3, face_model="fast")
    full = generate(audio, GenerateOptions(intensity=1.0, **opts))
    half = generate(audio, GenerateOptions(intensity=0.5, **opts))
    smooth = generate(audio, GenerateOptions(intensity=1.0, smoothing=1.0, **opts))
    for perf in (full, half, smooth):   # the body's jaw is exactly the final curves' jaw
        assert np.allclose(perf.smplx_poses[:, 22], fc.arkit_to_jaw_pose(perf.arkit), atol=1e-4)
    jo = ARKIT_INDEX["jawOpen"]
    assert full.arkit[:, jo].max() > 0.05
    assert half.smplx_poses[:, 22, 0].max() < 0.8 * full.smplx_poses[:, 22, 0].max()
    assert np.abs(np.diff(smooth.smplx_poses[:, 22, 0])).mean() < np.abs(np.diff(full.smplx_poses[:, 22, 0])).mean()
    # procedural gaze moves the eyes (the raw lip-sync track has no gaze)
    assert np.abs(full.smplx_poses[:, 23]).max() > 0.01
    assert np.allclose(full.smplx_poses[:, 23], fc.arkit_to_eye_poses(full.arkit)[:, 0], atol=1e-4)
    assert np.isfinite(forward_kinematics(full.smplx_poses)).all()
