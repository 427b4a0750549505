"""Error-bounded keyframe reduction (inference/keyreduce.py)."""

import numpy as np
import pytest

from inference.keyreduce import max_error, reduce_keys


@pytest.mark.parametrize("tol", [0.0, 1e-3, 0.01, 0.05])
def test_error_bound_holds_on_noisy_speechlike_curves(tol):
    rng = np.random.default_rng(0)
    t = np.arange(900) / 30.0
    curve = np.clip(0.5 + 0.4 * np.sin(2 * np.pi * 3.1 * t) * np.sin(2 * np.pi * 0.4 * t)
                    + 0.02 * rng.standard_normal(t.size), 0, 1)
    kept = reduce_keys(curve, tol)
    assert kept[0] == 0 and kept[-1] == curve.size - 1
    assert np.all(np.diff(kept) > 0)
    assert max_error(curve, kept) <= tol + 1e-12


def test_reduction_is_substantial_and_grows_with_tolerance():
    t = np.arange(1800) / 30.0
    curve = 0.5 + 0.5 * np.sin(2 * np.pi * 0.5 * t)
    counts = [reduce_keys(curve, tol).size for tol in (1e-4, 1e-3, 1e-2)]
    assert counts[0] >= counts[1] >= counts[2]
    assert counts[2] < 0.3 * curve.size  # chord error of a sine: ~3.8 frames per key at 1e-2


def test_constant_and_linear_curves_keep_two_keys():
    assert reduce_keys(np.full(100, 0.3), 0.0).tolist() == [0, 99]
    assert reduce_keys(np.linspace(0, 1, 50), 1e-9).tolist() == [0, 49]


def test_corner_is_kept():
    v = np.concatenate([np.zeros(10), np.linspace(0, 1, 11)[1:], np.ones(10)])
    kept = reduce_keys(v, 1e-6)
    assert {0, 9, 19, v.size - 1} <= set(kept.tolist())
    assert max_error(v, kept) <= 1e-6


def test_short_inputs():
    assert reduce_keys(np.array([0.2]), 0.1).tolist() == [0]
    assert reduce_keys(np.array([0.2, 0.4]), 0.1).tolist() == [0, 1]


@pytest.mark.parametrize("bad,tol,msg", [
    (np.zeros((3, 2)), 0.1, "1-D"),
    (np.zeros(0), 0.1, "at least one"),
    (np.array([0.0, np.nan, 1.0]), 0.1, "NaN"),
    (np.zeros(5), -1.0, "tolerance"),
])
def test_bad_input_raises_clear_errors(bad, tol, msg):
    with pytest.raises(ValueError, match=msg):
        reduce_keys(bad, tol)


def _rdp_reference(v, tol):
    """Plain recursive Ramer-Douglas-Peucker with vertical error (the definition)."""
    keep = {0, len(v) - 1}

    def split(a, b):
        if b - a < 2:
            return
        idx = np.arange(a + 1, b)
        err = np.abs(v[a + 1:b] - (v[a] + (v[b] - v[a]) * (idx - a) / float(b - a)))
        j = int(np.argmax(err))
        if err[j] > tol:
            keep.add(a + 1 + j)
            split(a, a + 1 + j)
            split(a + 1 + j, b)

    split(0, len(v) - 1)
    return sorted(keep)


@pytest.mark.parametrize("tol", [0.0, 1e-3, 0.02])
def test_batched_reduction_equals_recursive_definition(tol):
    from inference.keyreduce import reduce_keys_many

    rng = np.random.default_rng(3)
    curves = np.cumsum(rng.normal(scale=0.02, size=(12, 400)), axis=1)
    curves[3] = 0.25                      # constant
    curves[4, 200:] = curves[4, 199]      # plateau (ties in the error)
    batched = reduce_keys_many(curves, tol)
    for row, kept in zip(curves, batched):
        assert kept.tolist() == _rdp_reference(row, tol)
        assert reduce_keys(row, tol).tolist() == kept.tolist()
