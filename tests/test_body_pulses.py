"""``inference.body.synthesis.pulses``: raised-cosine bumps summed bump after bump (the sums the head,
the lean and the micro-beats of every body output are pinned on, tests/test_output_fingerprints.py)."""

from __future__ import annotations

import numpy as np
import pytest

from inference.body.synthesis import pulses


def _one_by_one(t_s, centres_s, heights, width_s):
    """The definition: each bump ``h * (1 + cos(pi x)) / 2`` for ``|x| < 1``, ``x = (t - c) / (width / 2)``,
    added over the frames it covers, in the order given."""
    out = np.zeros(t_s.shape[0])
    half = width_s / 2.0
    for c, h in zip(centres_s, heights):
        cover = np.flatnonzero(np.abs(t_s - c) <= half + 2.0 * (t_s[1] - t_s[0]))  # a margin of zeros
        x = (t_s[cover] - c) / half
        out[cover] += h * np.where(np.abs(x) < 1.0, 0.5 * (1.0 + np.cos(np.pi * x)), 0.0)
    return out


@pytest.mark.parametrize("fps", [24.0, 30.0, 100.0])
def test_overlapping_bumps_sum_in_order_bit_for_bit(fps):
    rng = np.random.default_rng(3)
    t = np.arange(600) / fps
    centres = rng.uniform(-1.0, t[-1] + 1.0, 200)          # many overlap, some partly outside
    heights = rng.uniform(-1.0, 1.0, 200)
    for width in (0.2, 0.6, 1.5):
        np.testing.assert_array_equal(pulses(t, centres, heights, width), _one_by_one(t, centres, heights, width))


def test_shape_and_edge_cases():
    t = np.arange(300) / 30.0
    one = pulses(t, [5.0], [2.0], 1.0)
    assert one[150] == 2.0 and one.max() == 2.0 and one[135] == 0.0 and one[165] == 0.0
    assert np.count_nonzero(one) == 29                     # |t - 5| < 0.5 s at 30 fps
    assert not pulses(t, [], [], 1.0).any() and not pulses(t, [-5.0, 50.0], [1.0, 1.0], 1.0).any()
    np.testing.assert_array_equal(pulses(t, np.float32([2.5]), [1.0], 0.6), pulses(t, [float(np.float32(2.5))], [1.0], 0.6))
