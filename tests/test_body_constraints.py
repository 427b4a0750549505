"""Masked motion prompts: masked joints/frames kept exactly, smooth borders, validation."""

import numpy as np
import pytest

from inference import backends
from inference.audio import prepare_audio
from inference.backends import BodyConstraints
from inference.body.constraints import BLEND_S, apply_constraints
from inference.options import GenerateOptions, GestureStyle
from inference.timebase import num_frames
from rigs import smplx
from rigs.rotations import axis_angle_to_quat, quat_conj, quat_mul, quat_to_axis_angle
from tests.test_body import SR, speech_like

FPS = 24.0


@pytest.fixture(scope="module")
def setup():
    audio = prepare_audio(speech_like(10.0, seed=7), SR)
    n = num_frames(audio.duration_s, FPS)
    body = backends.get_body_backend("procedural")
    return audio, n, body


def _geodesic_steps(poses):
    q = axis_angle_to_quat(np.asarray(poses, dtype=np.float64))
    return np.linalg.norm(quat_to_axis_angle(quat_mul(q[1:], quat_conj(q[:-1]))), axis=2)


def _user_constraints(n, frames, joints, pose_aa, transl=None):
    poses = np.full((n, 55, 3), np.nan, np.float32)   # unmasked entries must not matter
    mask = np.zeros((n, 55), bool)
    for f0, f1 in frames:
        for j in joints:
            poses[f0:f1, j] = pose_aa
            mask[f0:f1, j] = True
    if transl is None:
        return BodyConstraints(FPS, poses, mask)
    tr = np.full((n, 3), np.nan, np.float32)
    tm = np.zeros(n, bool)
    for f0, f1 in frames:
        tr[f0:f1] = transl
        tm[f0:f1] = True
    return BodyConstraints(FPS, poses, mask, tr, tm)


def test_masked_frames_kept_exactly_and_borders_smooth(setup):
    audio, n, body = setup
    empty = BodyConstraints(FPS, np.zeros((n, 55, 3), np.float32), np.zeros((n, 55), bool))
    opts = GenerateOptions(seed=4, gesture=GestureStyle(stepping=0.0))   # feet still: offset is 11 cm
    free = body.run(audio, opts, constraints=empty)   # same motion at 24 fps
    arm = [smplx.JOINT_INDEX[k] for k in ("left_shoulder", "left_elbow", "left_wrist")]
    raised = np.array([0.0, 0.0, 1.2], np.float32)          # a pose far from anything generated
    c = _user_constraints(n, [(60, 90), (100, 110)], arm, raised, transl=np.array([0.1, 0.0, 0.05], np.float32))
    out = body.run(audio, opts, constraints=c)
    assert out.fps == FPS and out.poses.shape == (n, 55, 3)
    assert np.array_equal(out.poses[c.mask], c.poses[c.mask])           # bit-exact
    assert np.array_equal(out.transl[c.transl_mask], c.transl[c.transl_mask])
    # unconstrained joints are untouched; frames far from the prompt are untouched
    others = [j for j in range(55) if j not in arm]
    assert np.allclose(out.poses[:, others], free.poses[:, others], atol=1e-5)
    far = int(np.ceil(BLEND_S * FPS)) + 2
    assert np.allclose(out.poses[:60 - far, arm], free.poses[:60 - far, arm], atol=1e-5)
    assert np.allclose(out.poses[110 + far:, arm], free.poses[110 + far:, arm], atol=1e-5)
    # no discontinuity: per-frame rotation steps stay near those of free motion + a smooth blend
    # (a jump onto the prompt would be ~1 rad in one frame)
    step = _geodesic_steps(out.poses)[:, arm]
    free_step = _geodesic_steps(free.poses)[:, arm]
    assert step.max() < free_step.max() + 0.3
    for border in (59, 90, 99, 110):
        assert step[border - 1:border + 1].max() < 0.3
    tstep = np.linalg.norm(np.diff(out.transl, axis=0), axis=1)
    assert tstep.max() < 0.03  # m per frame: blended over 0.3 s, not jumped (offset is 11 cm)


def test_whole_joint_masks_and_single_frames(setup):
    audio, n, body = setup
    head = smplx.JOINT_INDEX["head"]
    c = _user_constraints(n, [(0, n)], [head], np.array([0.3, 0.0, 0.0], np.float32))
    out = body.run(audio, GenerateOptions(seed=1), constraints=c)
    assert np.all(out.poses[:, head] == np.array([0.3, 0.0, 0.0], np.float32))
    one = _user_constraints(n, [(50, 51)], [smplx.JOINT_INDEX["right_elbow"]], np.array([0.0, 1.0, 0.0], np.float32))
    out = body.run(audio, GenerateOptions(seed=1), constraints=one)
    assert np.array_equal(out.poses[50, smplx.JOINT_INDEX["right_elbow"]], [0.0, 1.0, 0.0])
    assert _geodesic_steps(out.poses)[:, smplx.JOINT_INDEX["right_elbow"]].max() < 0.45


def test_apply_constraints_offset_is_continuous():
    """Pure function check: constant generated motion, a prompt -> smoothstep ramps, no steps."""
    n = 60
    q = np.zeros((n, 55, 4))
    q[..., 0] = 1.0
    poses = np.zeros((n, 55, 3), np.float32)
    mask = np.zeros((n, 55), bool)
    poses[20:30, 5] = [0.0, 0.0, 1.0]
    mask[20:30, 5] = True
    poses[35:40, 5] = [0.0, 0.0, -0.5]
    mask[35:40, 5] = True
    aa, tr = apply_constraints(q, np.zeros((n, 3)), BodyConstraints(30.0, poses, mask))
    z = aa[:, 5, 2]
    assert np.array_equal(aa[mask], poses[mask]) and np.all(aa[:, :5] == 0)
    assert z[0] == 0.0 and z[-1] == 0.0
    # monotone ramp up into the first run, cross-fade in the 5-frame gap, ramp down after
    assert np.all(np.diff(z[9:21]) >= 0) and np.all(np.diff(z[29:36]) <= 0) and np.all(np.diff(z[39:52]) >= 0)
    assert np.abs(np.diff(z)).max() <= 0.4


def test_bad_constraints(setup):
    audio, n, body = setup
    bad_shape = BodyConstraints(FPS, np.zeros((n - 1, 55, 3), np.float32), np.zeros((n - 1, 55), bool))
    with pytest.raises(ValueError, match=r"BodyConstraints.poses: expected shape"):
        body.run(audio, GenerateOptions(), constraints=bad_shape)
    nan = np.zeros((n, 55, 3), np.float32)
    mask = np.zeros((n, 55), bool)
    nan[3, 4] = np.nan
    mask[3, 4] = True
    with pytest.raises(ValueError, match="NaN"):
        body.run(audio, GenerateOptions(), constraints=BodyConstraints(FPS, nan, mask))
    with pytest.raises(ValueError, match="together"):
        body.run(audio, GenerateOptions(), constraints=BodyConstraints(
            FPS, np.zeros((n, 55, 3), np.float32), np.zeros((n, 55), bool), transl=np.zeros((n, 3), np.float32)))


def test_generate_keeps_prompt_exactly_at_scene_rate(setup):
    from inference.generate import generate

    audio, n, _ = setup
    wrist = smplx.JOINT_INDEX["right_wrist"]
    c = _user_constraints(n, [(30, 40)], [wrist], np.array([0.5, 0.2, -0.1], np.float32))
    perf = generate(audio, GenerateOptions(fps=FPS, face=False, seed=2), constraints=c)
    assert perf.smplx_poses.shape == (n, 55, 3)
    assert np.array_equal(perf.smplx_poses[30:40, wrist], c.poses[30:40, wrist])
