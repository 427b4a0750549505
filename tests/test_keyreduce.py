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


def _random_rotations(t_frames=300, seed=4):
    from scipy.spatial.transform import Rotation

    rng = np.random.default_rng(seed)
    rotvec = np.cumsum(np.cumsum(rng.normal(scale=0.002, size=(t_frames, 3)), axis=0), axis=0)  # smooth motion
    xyzw = Rotation.from_rotvec(rotvec).as_quat()
    q = np.concatenate([xyzw[:, 3:], xyzw[:, :3]], axis=1)  # wxyz, hemisphere-continuous
    q *= np.sign(np.cumprod(np.r_[1.0, np.sign(np.sum(q[1:] * q[:-1], axis=1))]))[:, None]
    return q


@pytest.mark.parametrize("tol_deg", [0.25, 1.0, 3.0])
def test_joint_quaternion_reduction_bounds_the_rotation_angle(tol_deg):
    from scipy.spatial.transform import Rotation

    from inference.keyreduce import reduce_keys_joint

    q = _random_rotations()
    (kept,) = reduce_keys_joint(q[None], tol_deg, "angle_deg")
    assert kept[0] == 0 and kept[-1] == len(q) - 1 and len(kept) < len(q)
    # what Blender plays: each component linear between the shared keys, then normalised
    approx = np.stack([np.interp(np.arange(len(q)), kept, q[kept, i]) for i in range(4)], axis=1)
    approx /= np.linalg.norm(approx, axis=1, keepdims=True)
    to_r = lambda w: Rotation.from_quat(np.concatenate([w[:, 1:], w[:, :1]], axis=1))  # noqa: E731
    angle = np.degrees((to_r(approx).inv() * to_r(q)).magnitude())
    assert angle.max() <= tol_deg + 1e-6


def test_joint_reduction_keeps_fewer_keys_than_separate_curves_would_share():
    from inference.keyreduce import reduce_keys_joint, reduce_keys_many

    q = _random_rotations(seed=7)
    (joint,) = reduce_keys_joint(q[None], 0.5, "angle_deg")
    separate = reduce_keys_many(q.T, 0.5 * np.pi / 360)  # the component error of a 0.5 degree rotation
    union = set().union(*[set(k.tolist()) for k in separate])
    assert len(joint) <= len(union)  # shared frames, and no more keys than the union per-component


def test_joint_reduction_abs_metric_equals_single_curves_and_bad_metric():
    from inference.keyreduce import reduce_keys_joint

    v = np.cumsum(np.random.default_rng(1).normal(scale=0.02, size=(3, 200)), axis=1)
    joint = reduce_keys_joint(v[:, :, None], 0.01, "abs")
    assert [k.tolist() for k in joint] == [reduce_keys(row, 0.01).tolist() for row in v]
    with pytest.raises(ValueError, match="metric"):
        reduce_keys_joint(v[:, :, None], 0.01, "degrees")


@pytest.mark.parametrize("metric, tol", [("abs", 1e-3), ("distance", 1e-3), ("angle_deg", 0.5)])
def test_chunked_passes_keep_the_keys_of_one_pass_and_float32_equals_float64(monkeypatch, metric, tol):
    import inference.keyreduce as kr

    if metric == "angle_deg":
        v = np.stack([_random_rotations(seed=s) for s in range(7)])
    else:
        d = 1 if metric == "abs" else 3
        v = np.cumsum(np.random.default_rng(5).normal(scale=0.02, size=(7, 300, d)), axis=1)
    v = v.astype(np.float32)
    monkeypatch.setattr(kr, "CHUNK_SAMPLES", 10**9)  # every group in one pass
    whole = [k.tolist() for k in kr.reduce_keys_joint(v, tol, metric)]
    assert any(len(k) > 2 for k in whole) and any(len(k) < 300 for k in whole)
    for chunk in (1, 300, 1000):  # one group per pass, one per pass (T = 300), three per pass
        monkeypatch.setattr(kr, "CHUNK_SAMPLES", chunk)
        assert [k.tolist() for k in kr.reduce_keys_joint(v, tol, metric)] == whole
    assert [k.tolist() for k in kr.reduce_keys_joint(v.astype(np.float64), tol, metric)] == whole
    with pytest.raises(ValueError, match="real numbers"):
        kr.reduce_keys_joint(v.astype(np.complex64), tol, metric)


def _rdp_joint_reference(v, tol, metric):
    """Recursive Ramer-Douglas-Peucker on one (T, D) group, the error computed component-last
    (rows of D components, numpy's row norms and sums), one segment at a time."""
    unit = v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
    keep = {0, v.shape[0] - 1}
    stack = [(0, v.shape[0] - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        pos = np.arange(1, b - a)
        line = v[a] + (v[b] - v[a]) * (pos / float(b - a))[:, None]
        if metric == "abs":
            err = np.max(np.abs(v[a + pos] - line), axis=1)
        elif metric == "distance":
            err = np.linalg.norm(v[a + pos] - line, axis=1)
        else:
            q = line / np.maximum(np.linalg.norm(line, axis=1, keepdims=True), 1e-12) * unit[a + pos]
            err = np.degrees(2.0 * np.arccos(np.clip(np.abs(np.sum(q, axis=1)), 0.0, 1.0)))
        k = int(np.argmax(err))
        if err[k] > tol:
            keep.add(a + 1 + k)
            stack += [(a, a + 1 + k), (a + 1 + k, b)]
    return sorted(keep)


@pytest.mark.parametrize("metric,tol", [("angle_deg", 0.0), ("angle_deg", 0.5), ("distance", 0.01), ("abs", 0.02)])
def test_joint_reduction_equals_the_component_last_recursive_definition(metric, tol):
    # the passes compute the error component-major (contiguous rows per component): the same
    # arithmetic per sample, so the same keys as the row-wise recursion, ties included
    from inference.keyreduce import reduce_keys_joint

    rng = np.random.default_rng(7)
    groups = np.stack([_random_rotations(250, seed=s) for s in range(4)])
    if metric != "angle_deg":
        groups = groups[:, :, :3]
    groups[1, 100:160] = groups[1, 99]                       # a hold: ties in the error
    groups[2] = np.round(groups[2] + 0.01 * rng.standard_normal(groups[2].shape), 2)   # steps
    for g, kept in zip(groups, reduce_keys_joint(groups, tol, metric)):
        assert kept.tolist() == _rdp_joint_reference(g, tol, metric)


@pytest.mark.parametrize("tol", [0.0, 1.0, 30.0])
def test_angle_shortcut_keeps_the_keys_of_every_sample_angle_with_near_ties_and_large_angles(tol):
    # the angle is computed only on the samples whose |dot| is within 1e-12 of their segment's
    # smallest: rough rotations (angles up to 180 degrees, |dot| near 0), components rounded to
    # a few digits (equal and nearly equal |dot| in a segment), holds; against the definition
    from inference.keyreduce import reduce_keys_joint

    rng = np.random.default_rng(12)
    groups = rng.standard_normal((5, 200, 4))
    groups[1] = np.round(groups[1], 1)
    palette = rng.standard_normal((3, 4))                                  # plateaus of 3 rotations:
    groups[2] = palette[np.repeat(rng.integers(0, 3, 20), rng.integers(1, 20, 20))[:200]]  # exact ties
    groups[3] = _random_rotations(200, seed=9) + 1e-13 * rng.standard_normal((200, 4))
    groups[4, :, 1:] *= 1e-7                                              # angles near 0
    groups /= np.linalg.norm(groups, axis=2, keepdims=True)
    for g, kept in zip(groups, reduce_keys_joint(groups, tol, "angle_deg")):
        assert kept.tolist() == _rdp_joint_reference(g, tol, "angle_deg")
