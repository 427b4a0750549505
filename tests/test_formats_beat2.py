"""BEAT2/EMAGE .npz reader and writer."""

import dataclasses

import numpy as np
import pytest

from inference.formats.beat2 import FormatError, read_beat2_npz, write_beat2_npz
from inference.performance import Performance
from rigs.arkit import ARKIT_NAMES
from tests.conftest import shared_path


def _perf(t=12, seed=0):
    rng = np.random.default_rng(seed)
    poses = rng.normal(0, 0.3, (t, 55, 3)).astype(np.float32)
    return Performance(
        fps=30.0,
        arkit=rng.uniform(0, 1, (t, 52)).astype(np.float32),
        expression=rng.normal(0, 1, (t, 100)).astype(np.float32),
        jaw_pose=poses[:, 22].copy(),
        smplx_poses=poses,
        transl=rng.normal(0, 0.1, (t, 3)).astype(np.float32),
    )


def test_round_trip(tmp_path):
    perf = _perf()
    path = tmp_path / "take.npz"
    write_beat2_npz(path, perf)
    back = read_beat2_npz(path)
    assert back.fps == 30.0 and back.num_frames == perf.num_frames
    for name in ("arkit", "expression", "jaw_pose", "smplx_poses", "transl"):
        np.testing.assert_array_equal(getattr(back, name), getattr(perf, name), err_msg=name)
    raw = np.load(path)
    assert raw["poses"].shape == (12, 165) and raw["betas"].shape == (300,)
    assert str(raw["gender"]) == "neutral" and str(raw["model"]) == "smplx2020"
    assert tuple(raw["arkit_names"]) == ARKIT_NAMES
    assert back.transl_origin == "first_frame"  # the default
    write_beat2_npz(path, dataclasses.replace(perf, transl_origin="rest"))
    assert read_beat2_npz(path).transl_origin == "rest"  # generated motion: rest-relative survives


def test_file_without_transl_origin_reads_as_first_frame_and_bad_origin_is_named(tmp_path):
    d = dict(poses=np.zeros((2, 165)), trans=np.tile([[0.0, 1.29, 0.0]], (2, 1)), mocap_frame_rate=30)
    np.savez(tmp_path / "beat2.npz", **d)  # a real BEAT2 file has no transl_origin key
    assert read_beat2_npz(tmp_path / "beat2.npz").transl_origin == "first_frame"
    np.savez(tmp_path / "bad.npz", transl_origin=np.array("world"), **d)
    with pytest.raises(FormatError, match=r"'transl_origin': expected one of \['rest', 'first_frame'\], found 'world'"):
        read_beat2_npz(tmp_path / "bad.npz")


def test_face_only_performance_writes_rest_body_and_zero_expressions(tmp_path):
    arkit = np.zeros((5, 52), np.float32)
    arkit[:, 17] = 0.5
    jaw = np.tile(np.array([[0.2, 0, 0]], np.float32), (5, 1))
    write_beat2_npz(tmp_path / "f.npz", Performance(24.0, arkit, jaw_pose=jaw))
    raw = np.load(tmp_path / "f.npz")
    assert np.all(raw["expressions"] == 0) and raw["expressions"].shape == (5, 100)
    poses = raw["poses"].reshape(5, 55, 3)
    assert np.allclose(poses[:, 22], jaw[0]) and np.all(np.delete(poses, 22, axis=1) == 0)
    assert int(raw["mocap_frame_rate"]) == 24


def test_arkit_columns_reordered_by_names(tmp_path):
    names = np.array(ARKIT_NAMES[::-1])
    a = np.zeros((3, 52), np.float32)
    a[:, 0] = 1.0  # column 0 is the last ARKit name (tongueOut)
    np.savez(tmp_path / "x.npz", poses=np.zeros((3, 165)), trans=np.zeros((3, 3)),
             mocap_frame_rate=30, arkit=a, arkit_names=names)
    back = read_beat2_npz(tmp_path / "x.npz")
    assert back.arkit[0, ARKIT_NAMES.index("tongueOut")] == 1.0 and back.arkit[0].sum() == 1.0
    assert back.expression is None


@pytest.mark.parametrize("change,match", [
    (dict(poses=None), r"missing key\(s\) \['poses'\]"),
    (dict(poses=np.zeros((4, 162))), r"'poses': expected shape \(T, 165\), found \(4, 162\)"),
    (dict(trans=np.zeros((3, 3))), r"'trans': expected shape \(4, 3\), found \(3, 3\)"),
    (dict(expressions=np.zeros((4, 120))), r"'expressions': expected shape \(4, <=100\), found \(4, 120\)"),
    (dict(mocap_frame_rate=0), r"'mocap_frame_rate': expected a positive frame rate"),
    (dict(poses=np.full((4, 165), np.nan)), r"'poses': contains NaN"),
    (dict(arkit=np.zeros((4, 50))), r"'arkit': expected shape \(4, 52\)"),
])
def test_bad_files_name_key_expected_found(tmp_path, change, match):
    d = dict(poses=np.zeros((4, 165)), trans=np.zeros((4, 3)), expressions=np.zeros((4, 100)),
             mocap_frame_rate=30)
    d.update(change)
    d = {k: v for k, v in d.items() if v is not None}
    np.savez(tmp_path / "bad.npz", **d)
    with pytest.raises(FormatError, match=match):
        read_beat2_npz(tmp_path / "bad.npz")


def test_missing_file_and_not_npz(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_beat2_npz(tmp_path / "nope.npz")
    (tmp_path / "t.npz").write_text("hello")
    with pytest.raises(FormatError, match="not a readable"):
        read_beat2_npz(tmp_path / "t.npz")


def test_real_beat2_take(tmp_path):
    path = shared_path("beat2_sample", "2_scott_0_1_1.npz")
    perf = read_beat2_npz(path)
    raw = np.load(path)
    assert perf.fps == 30.0 and perf.num_frames == raw["poses"].shape[0] == 1906
    assert perf.expression.shape == (1906, 100) and perf.expression.dtype == np.float32
    np.testing.assert_allclose(perf.smplx_poses.reshape(-1, 165), raw["poses"], atol=1e-6)
    np.testing.assert_allclose(perf.jaw_pose, raw["poses"][:, 66:69], atol=1e-6)
    assert np.abs(perf.expression).max() > 0.1  # real FLAME expressions, not zeros
    assert np.all(perf.arkit == 0)  # BEAT2 carries no ARKit curves
    assert perf.transl_origin == "first_frame"  # a capture-space placement (y ~ 1.29 m)
    write_beat2_npz(tmp_path / "again.npz", perf, betas=raw["betas"])
    again = np.load(tmp_path / "again.npz")
    np.testing.assert_allclose(again["poses"], raw["poses"], atol=1e-6)
    np.testing.assert_allclose(again["trans"], raw["trans"], atol=1e-6)
    np.testing.assert_allclose(again["expressions"], raw["expressions"], atol=1e-5)
    np.testing.assert_allclose(again["betas"], raw["betas"])


def test_provenance_round_trips_through_the_shared_serialiser(tmp_path):
    from inference.performance import Provenance

    prov = Provenance(face_model="lipsync-v2", body_model="procedural-gesture-v1", device="CPUExecutionProvider",
                      timings_s={"face": 0.5}, audio_path="a.wav", seed=3, face_device="CPUExecutionProvider",
                      body_device="numpy", warnings=("a.wav: quiet",))
    perf = _perf()
    perf = Performance(perf.fps, perf.arkit, perf.expression, perf.jaw_pose, perf.smplx_poses, perf.transl, prov)
    write_beat2_npz(tmp_path / "p.npz", perf)
    assert read_beat2_npz(tmp_path / "p.npz").provenance == prov
    raw = dict(np.load(tmp_path / "p.npz"))
    raw["provenance"] = np.array("{not json")
    np.savez(tmp_path / "bad.npz", **raw)
    with pytest.raises(FormatError, match="key 'provenance': expected the JSON of a Provenance"):
        read_beat2_npz(tmp_path / "bad.npz")
