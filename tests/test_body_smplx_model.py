"""rigs/smplx_rest.py: exact rest joints from a user's SMPL-X model file (a synthetic stand-in here;
the real SMPLX_NEUTRAL.npz is licensed and never bundled)."""

import numpy as np
import pytest

from rigs import smplx_rest
from rigs.smplx import PARENTS


def _fake_model(path, v=40, s=12):
    rng = np.random.default_rng(0)
    v_template = rng.normal(size=(v, 3))
    shapedirs = rng.normal(size=(v, 3, s)) * 0.01
    reg = np.abs(rng.normal(size=(55, v)))
    reg /= reg.sum(axis=1, keepdims=True)              # rows sum to 1, as SMPL-X's regressor
    np.savez(path, v_template=v_template, shapedirs=shapedirs, J_regressor=reg, f=np.zeros((2, 3), int))
    return v_template, shapedirs, reg


def test_joints_and_offsets_from_model(tmp_path):
    path = tmp_path / "SMPLX_NEUTRAL.npz"
    vt, sd, reg = _fake_model(path)
    joints = smplx_rest.model_rest_joints(path)
    assert np.allclose(joints, reg @ vt)
    betas = np.linspace(-1, 1, 8)
    shaped = smplx_rest.model_rest_joints(path, betas)
    assert np.allclose(shaped, reg @ (vt + sd[:, :, :8] @ betas))
    off = smplx_rest.model_rest_offsets(path, betas)
    assert off.shape == (55, 3) and off.dtype == np.float32
    rebuilt = np.zeros((55, 3))
    for j in range(55):
        rebuilt[j] = off[j] + (rebuilt[PARENTS[j]] if PARENTS[j] >= 0 else 0)
    assert np.allclose(rebuilt, shaped, atol=1e-5)
    # FK on the exact table at zero pose reproduces the joints
    fk = smplx_rest.forward_kinematics(np.zeros((1, 55, 3)), offsets=off)[0]
    assert np.allclose(fk, shaped, atol=1e-5)
    # the built-in table round-trips through the same helper
    assert np.allclose(smplx_rest.offsets_from_positions(smplx_rest.rest_joint_positions()), smplx_rest.REST_OFFSETS_M, atol=1e-6)


def test_bad_model_files(tmp_path):
    with pytest.raises(smplx_rest.SmplxModelError, match="not found"):
        smplx_rest.model_rest_joints(tmp_path / "missing.npz")
    np.savez(tmp_path / "partial.npz", v_template=np.zeros((4, 3)))
    with pytest.raises(smplx_rest.SmplxModelError, match="shapedirs"):
        smplx_rest.model_rest_joints(tmp_path / "partial.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(smplx_rest.SmplxModelError, match="readable"):
        smplx_rest.model_rest_joints(tmp_path / "junk.npz")
    path = tmp_path / "m.npz"
    _fake_model(path, s=4)
    with pytest.raises(smplx_rest.SmplxModelError, match="betas"):
        smplx_rest.model_rest_joints(path, np.ones(10))
