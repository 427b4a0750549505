"""Our NumPy rotation conversions against scipy.spatial.transform.Rotation."""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation as R

from rigs import rotations as rot


def _wxyz(xyzw):
    return np.concatenate([xyzw[..., 3:], xyzw[..., :3]], axis=-1)


@pytest.fixture
def aa():
    rng = np.random.default_rng(0)
    v = rng.normal(size=(500, 3))
    v *= (rng.uniform(0, np.pi, size=(500, 1)) / np.linalg.norm(v, axis=1, keepdims=True))
    v[:5] = [[0, 0, 0], [1e-9, 0, 0], [np.pi, 0, 0], [0, 1e-7, 1e-7], [0, 0, np.pi - 1e-9]]
    return v


def _same_rotation(q1, q2, atol=1e-9):
    return np.allclose(np.abs(np.sum(q1 * q2, axis=-1)), 1.0, atol=atol)


def test_axis_angle_to_quat(aa):
    assert _same_rotation(rot.axis_angle_to_quat(aa), _wxyz(R.from_rotvec(aa).as_quat()))


def test_quat_to_axis_angle_roundtrip(aa):
    back = rot.quat_to_axis_angle(rot.axis_angle_to_quat(aa))
    assert np.allclose(R.from_rotvec(back).as_matrix(), R.from_rotvec(aa).as_matrix(), atol=1e-9)


def test_matrix_conversions(aa):
    m = R.from_rotvec(aa).as_matrix()
    assert np.allclose(rot.quat_to_matrix(rot.axis_angle_to_quat(aa)), m, atol=1e-9)
    assert _same_rotation(rot.matrix_to_quat(m), _wxyz(R.from_matrix(m).as_quat()))


def test_quat_mul_matches_composition(aa):
    a, b = aa[:250], aa[250:]
    ours = rot.quat_mul(rot.axis_angle_to_quat(a), rot.axis_angle_to_quat(b))
    ref = (R.from_rotvec(a) * R.from_rotvec(b)).as_quat()
    assert _same_rotation(ours, _wxyz(ref))


def test_slerp_matches_scipy(aa):
    from scipy.spatial.transform import Slerp

    key = R.from_rotvec(aa[10:12])
    s = Slerp([0, 1], key)
    t = np.linspace(0, 1, 7)
    ours = rot.quat_slerp(rot.axis_angle_to_quat(aa[10]), rot.axis_angle_to_quat(aa[11]), t)
    assert _same_rotation(ours, _wxyz(s(t).as_quat()), atol=1e-8)


def test_resample_axis_angle_keeps_keys():
    rng = np.random.default_rng(1)
    poses = rng.normal(scale=0.3, size=(31, 55, 3))
    out = rot.resample_axis_angle(poses, 30.0, 60.0, 61)
    assert out.shape == (61, 55, 3) and out.dtype == np.float32
    assert np.allclose(R.from_rotvec(out[::2].reshape(-1, 3)).as_matrix(),
                       R.from_rotvec(poses.reshape(-1, 3)).as_matrix(), atol=1e-5)


@pytest.mark.parametrize("order", rot.EULER_ORDERS)
def test_euler_to_quat_matches_scipy_extrinsic(order):
    e = np.random.default_rng(8).uniform(-4, 4, (10, 3))
    q = rot.euler_to_quat(e, order)
    ref = R.from_euler(order.lower(), e[:, ["XYZ".index(a) for a in order]]).as_matrix()
    assert np.allclose(rot.quat_to_matrix(q), ref, atol=1e-12)
    with pytest.raises(ValueError, match="XYZ"):
        rot.euler_to_quat(e, "XXY")
