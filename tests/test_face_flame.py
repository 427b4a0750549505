"""FLAME output from a user-supplied ARKit -> FLAME matrix (nothing FLAME is bundled)."""

from __future__ import annotations

import numpy as np
import pytest

from inference.audio import prepare_audio
from inference.face.flame import DEFAULT_JAW, FlameMapError, arkit_to_flame, load_flame_map
from inference.generate import generate
from inference.options import GenerateOptions
from rigs.arkit import ARKIT_INDEX, ARKIT_NAMES, enforce_lip_seal


def _matrix(cols=103, seed=0):
    return np.random.default_rng(seed).normal(0, 0.1, (52, cols)).astype(np.float32)


def test_npy_with_jaw_applies_linear_map(tmp_path):
    m = _matrix(103)
    np.save(tmp_path / "map.npy", m)
    fmap = load_flame_map(tmp_path / "map.npy")
    arkit = enforce_lip_seal(np.random.default_rng(1).uniform(0, 1, (20, 52)).astype(np.float32))
    exp, jaw = arkit_to_flame(arkit, fmap)
    assert exp.shape == (20, 100) and jaw.shape == (20, 3) and exp.dtype == np.float32
    np.testing.assert_allclose(exp, arkit @ m[:, :100], atol=1e-5)
    np.testing.assert_allclose(jaw, arkit @ m[:, 100:], atol=1e-5)
    assert fmap.jaw_from_file


def test_flame_input_holds_mouth_close_to_jaw_open(tmp_path):
    """A bilabial written the pre-v3 way (mouthClose 0.75 over jawOpen 0.05) reaches FLAME with
    mouthClose capped at jawOpen (ARKit semantics), so the FLAME mouth does not cross either."""
    m = np.zeros((52, 100), np.float32)
    m[ARKIT_INDEX["mouthClose"], 0] = 1.0
    np.save(tmp_path / "map.npy", m)
    arkit = np.zeros((1, 52), np.float32)
    arkit[0, ARKIT_INDEX["jawOpen"]], arkit[0, ARKIT_INDEX["mouthClose"]] = 0.05, 0.75
    exp, _ = arkit_to_flame(arkit, load_flame_map(tmp_path / "map.npy"))
    assert exp[0, 0] == pytest.approx(0.05)


def test_npz_with_biases_and_default_jaw(tmp_path):
    m = _matrix(100)
    bias = np.arange(100, dtype=np.float32)
    np.savez(tmp_path / "map.npz", expression=m, expression_bias=bias)
    fmap = load_flame_map(tmp_path / "map.npz")
    assert not fmap.jaw_from_file and np.array_equal(fmap.jaw, DEFAULT_JAW)
    arkit = np.zeros((3, 52), np.float32)
    arkit[:, ARKIT_INDEX["jawOpen"]] = [0.0, 0.5, 1.0]
    exp, jaw = arkit_to_flame(arkit, fmap)
    np.testing.assert_allclose(exp[0], bias)
    assert jaw[0, 0] == 0 and 0 < jaw[1, 0] < jaw[2, 0] <= 0.5  # opening rotates about x, radians


def test_csv_with_names_in_any_order(tmp_path):
    m = _matrix(103, seed=2)
    order = np.random.default_rng(3).permutation(52)
    lines = ["name," + ",".join(f"c{i}" for i in range(103))]
    lines += [ARKIT_NAMES[i] + "," + ",".join(f"{v:.7g}" for v in m[i]) for i in order]
    (tmp_path / "map.csv").write_text("\n".join(lines) + "\n")
    fmap = load_flame_map(tmp_path / "map.csv")
    np.testing.assert_allclose(fmap.expression, m[:, :100], atol=1e-6)
    np.testing.assert_allclose(fmap.jaw, m[:, 100:], atol=1e-6)


@pytest.mark.parametrize("shape", [(51, 100), (52, 50), (100, 52), (52,)])
def test_wrong_shapes_are_refused_with_where_to_get(tmp_path, shape):
    np.save(tmp_path / "bad.npy", np.zeros(shape, np.float32))
    with pytest.raises(FlameMapError, match=r"\(52, 100\) or \(52, 103\).*flame\.is\.tue\.mpg\.de"):
        load_flame_map(tmp_path / "bad.npy")


def test_missing_nan_unknown_names_and_extension(tmp_path):
    with pytest.raises(FlameMapError, match="not found.*research licence"):
        load_flame_map(tmp_path / "none.npy")
    m = _matrix(100)
    m[3, 4] = np.nan
    np.save(tmp_path / "nan.npy", m)
    with pytest.raises(FlameMapError, match="NaN"):
        load_flame_map(tmp_path / "nan.npy")
    (tmp_path / "names.csv").write_text("jawOpenn," + ",".join(["0"] * 100) + "\n")
    with pytest.raises(FlameMapError, match="jawOpenn"):
        load_flame_map(tmp_path / "names.csv")
    (tmp_path / "map.txt").write_text("1")
    with pytest.raises(FlameMapError, match=".npy, .npz or .csv"):
        load_flame_map(tmp_path / "map.txt")


def test_generate_fills_flame_fields(tmp_path):
    m = _matrix(103, seed=4)
    np.save(tmp_path / "map.npy", m)
    rng = np.random.default_rng(0)
    audio = prepare_audio((rng.normal(0, 0.1, 32000) * (np.arange(32000) > 8000)).astype(np.float32), 16000)
    opts = GenerateOptions(fps=30.0, body=False, face_model="fast", flame_map_path=str(tmp_path / "map.npy"))
    perf = generate(audio, opts)
    assert perf.expression.shape == (60, 100) and perf.jaw_pose.shape == (60, 3)
    np.testing.assert_allclose(perf.expression, perf.arkit @ m[:, :100], atol=1e-4)
    assert generate(audio, GenerateOptions(fps=30.0, body=False, face_model="fast")).expression is None
