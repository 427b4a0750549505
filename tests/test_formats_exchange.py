"""BVH (through bvhio) and Live Link Face CSV round trips."""

import numpy as np
import pytest

from inference.formats.arkit_csv import HEADER, parse_timecode, read_arkit_csv, timecode, write_arkit_csv
from inference.formats.bvh import read_smplx_bvh, write_smplx_bvh
from inference.performance import Performance
from rigs.rotations import axis_angle_to_quat


def _perf(t=9, fps=30.0, seed=0):
    rng = np.random.default_rng(seed)
    poses = rng.normal(0, 0.4, (t, 55, 3)).astype(np.float32)
    return Performance(fps, rng.uniform(0, 1, (t, 52)).astype(np.float32), smplx_poses=poses,
                       jaw_pose=poses[:, 22].copy(), transl=rng.normal(0, 0.2, (t, 3)).astype(np.float32))


def test_bvh_round_trip(tmp_path):
    pytest.importorskip("bvhio")
    perf = _perf()
    write_smplx_bvh(tmp_path / "m.bvh", perf)
    text = (tmp_path / "m.bvh").read_text()
    assert text.startswith("HIERARCHY\nROOT pelvis") and "JOINT left_elbow" in text and "Frames: 9" in text
    back = read_smplx_bvh(tmp_path / "m.bvh")
    assert back.fps == pytest.approx(30.0) and back.num_frames == 9
    qa = axis_angle_to_quat(perf.smplx_poses)
    qb = axis_angle_to_quat(back.smplx_poses)
    assert np.abs(np.sum(qa * qb, -1)).min() > 1 - 1e-6  # same rotations (Euler text, 6 decimals)
    np.testing.assert_allclose(back.transl, perf.transl, atol=1e-5)


def test_bvh_errors(tmp_path):
    pytest.importorskip("bvhio")
    with pytest.raises(ValueError, match="no body motion"):
        write_smplx_bvh(tmp_path / "x.bvh", Performance(30.0, np.zeros((2, 52), np.float32)))
    with pytest.raises(FileNotFoundError):
        read_smplx_bvh(tmp_path / "none.bvh")
    (tmp_path / "other.bvh").write_text(
        "HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 3 Zrotation Xrotation Yrotation\n End Site\n {\n  OFFSET 0 1 0\n }\n}\n"
        "MOTION\nFrames: 1\nFrame Time: 0.033333\n0 0 0\n")
    with pytest.raises(ValueError, match="expected the 55 SMPL-X joints"):
        read_smplx_bvh(tmp_path / "other.bvh")


def test_live_link_face_csv_round_trip(tmp_path):
    perf = _perf(t=75, fps=30.0)
    write_arkit_csv(tmp_path / "f.csv", perf)
    lines = (tmp_path / "f.csv").read_text().splitlines()
    assert lines[0].split(",")[:4] == ["Timecode", "BlendShapeCount", "EyeBlinkLeft", "EyeLookDownLeft"]
    assert lines[0].split(",")[-9:] == ["HeadYaw", "HeadPitch", "HeadRoll", "LeftEyeYaw", "LeftEyePitch",
                                        "LeftEyeRoll", "RightEyeYaw", "RightEyePitch", "RightEyeRoll"]
    assert len(HEADER) == 63 and lines[1].split(",")[1] == "61"
    assert lines[31].split(",")[0] == "00:00:01:00.000"
    times, arkit, rot = read_arkit_csv(tmp_path / "f.csv", fps=30.0)
    np.testing.assert_allclose(times, np.arange(75) / 30.0, atol=1e-9)
    np.testing.assert_allclose(arkit, perf.arkit, atol=1e-6)
    assert np.abs(rot[:, :3]).max() > 0.05  # head rotation from the body motion


def test_csv_timecodes_and_errors(tmp_path):
    assert timecode(61, 60.0) == "00:00:01:01.000"
    assert parse_timecode("14:03:52:28.207", 60.0) == pytest.approx(14 * 3600 + 3 * 60 + 52 + 28.207 / 60)
    assert parse_timecode(timecode(1000, 30000 / 1001), 30000 / 1001) == pytest.approx(1000 * 1001 / 30000)
    with pytest.raises(ValueError, match="Timecode: expected"):
        parse_timecode("1.5", 30)
    (tmp_path / "bad.csv").write_text("Timecode,BlendShapeCount,EyeBlinkLeft\n00:00:00:00.000,1,0.5\n")
    with pytest.raises(ValueError, match="missing column"):
        read_arkit_csv(tmp_path / "bad.csv")


def test_resample_performance():
    from inference.formats.resample import resample_performance

    perf = _perf(t=31, fps=30.0)
    out = resample_performance(perf, 24.0)
    assert out.fps == 24.0 and out.num_frames == 25  # ceil(31/30 * 24) = 25 (same duration)
    np.testing.assert_allclose(out.arkit[0], perf.arkit[0]) and np.testing.assert_allclose(out.arkit[4], perf.arkit[5])
    qa, qb = axis_angle_to_quat(out.smplx_poses[4]), axis_angle_to_quat(perf.smplx_poses[5])
    assert np.abs(np.sum(qa * qb, -1)).min() > 1 - 1e-6  # frame 4 @24 = frame 5 @30
    assert resample_performance(perf, 30.0) is perf
    with pytest.raises(ValueError, match="fps"):
        resample_performance(perf, 0)


def test_performance_from_bvh_channels_matches_scipy_intrinsic_eulers():
    """The parser-independent half of the bpy-side BVH import (addon.exports.read_bvh_blender)."""
    from scipy.spatial.transform import Rotation

    from inference.formats.beat2 import FormatError
    from inference.formats.bvh import performance_from_bvh_channels
    from rigs.smplx import JOINT_NAMES

    rng = np.random.default_rng(4)
    t = 5
    names = ["extra_bone"] + list(JOINT_NAMES)[::-1]  # any order, extra joints ignored
    orders = ["XYZ"] + ["ZXY", "XYZ", "YZX"] * 18 + ["ZYX"]
    eulers = rng.uniform(-1.5, 1.5, (t, len(names), 3))
    root = rng.normal(0, 1.0, (t, 3))
    perf = performance_from_bvh_channels(names, orders, eulers, root, (0.1, 0.9, 0.0), 1 / 25, "m.bvh")
    assert perf.fps == pytest.approx(25.0) and perf.smplx_poses.shape == (t, 55, 3)
    for j, name in enumerate(JOINT_NAMES):
        k = names.index(name)
        # BVH: "Zrotation Xrotation Yrotation" means R = Rz Rx Ry (scipy's intrinsic "ZXY")
        ref = Rotation.from_euler(orders[k], eulers[:, k, ["XYZ".index(a) for a in orders[k]]]).as_matrix()
        got = Rotation.from_rotvec(perf.smplx_poses[:, j]).as_matrix()
        np.testing.assert_allclose(got, ref, atol=1e-5)
    np.testing.assert_allclose(perf.transl, root - [0.1, 0.9, 0.0], atol=1e-6)
    np.testing.assert_array_equal(perf.jaw_pose, perf.smplx_poses[:, 22])
    with pytest.raises(FormatError, match="missing"):
        performance_from_bvh_channels(names[:-3], orders[:-3], eulers[:, :-3], root, (0, 0, 0), 0.04)
    with pytest.raises(FormatError, match="Frame Time"):
        performance_from_bvh_channels(names, orders, eulers, root, (0, 0, 0), 0.0)


def test_zxy_euler_from_matrix_inverts_euler_to_quat():
    from inference.formats.bvh import zxy_euler_from_matrix
    from rigs.rotations import euler_to_quat, quat_to_matrix

    rng = np.random.default_rng(7)
    e = rng.uniform(-1.5, 1.5, (200, 3))
    m = quat_to_matrix(euler_to_quat(e, "YXZ"))  # Blender order YXZ = BVH "Zrotation Xrotation Yrotation"
    np.testing.assert_allclose(quat_to_matrix(euler_to_quat(zxy_euler_from_matrix(m), "YXZ")), m, atol=1e-9)
    locked = quat_to_matrix(euler_to_quat(np.array([np.pi / 2, 0.4, 0.3]), "YXZ"))  # gimbal lock
    np.testing.assert_allclose(quat_to_matrix(euler_to_quat(zxy_euler_from_matrix(locked), "YXZ")), locked, atol=1e-6)


def test_check_smplx_axes_refuses_z_up_and_metres():
    """A BVH from Blender's own exporter (Z up, metres) is refused instead of imported turned 90 deg."""
    from inference.formats.beat2 import FormatError
    from inference.formats.bvh import check_smplx_axes
    from rigs.smplx import JOINT_NAMES
    from rigs.smplx_rest import rest_joint_positions

    y_up = rest_joint_positions().astype(np.float64)
    check_smplx_axes(JOINT_NAMES, y_up, "ok.bvh")
    z_up = np.stack([y_up[:, 0], -y_up[:, 2], y_up[:, 1]], -1)
    with pytest.raises(FormatError, match=r"Y up.*\+Z"):
        check_smplx_axes(JOINT_NAMES, z_up, "blender.bvh")
    with pytest.raises(FormatError, match="centimetres"):
        check_smplx_axes(JOINT_NAMES, y_up / 100, "metres.bvh")
    with pytest.raises(FormatError, match="pelvis"):
        check_smplx_axes(["Hips"], np.zeros((1, 3)), "other.bvh")
