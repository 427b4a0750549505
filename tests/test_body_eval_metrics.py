"""tools/eval/body.py metric definitions on synthetic motion (no shared data needed)."""

import numpy as np

from tools.eval import body as E


def _pos_with_wrists(left, right):
    t = left.shape[0]
    pos = np.zeros((t, 55, 3))
    pos[:, 20], pos[:, 21] = left, right
    return pos


def test_gesture_space_speed_and_correlation():
    t = np.arange(600) / 30.0
    rng = np.random.default_rng(0)
    box = rng.uniform([0, 0, 0], [0.2, 0.3, 0.1], (600, 3))          # 6 litres, uniform
    pos = _pos_with_wrists(box, box * [-1, 1, 1])
    gs = E.gesture_space_l(pos)
    assert np.allclose(gs, 6.0 * 0.9 ** 3, rtol=0.1)                   # 5-95% of each side
    circle = np.stack([0.1 * np.cos(2 * np.pi * 0.5 * t), 0.1 * np.sin(2 * np.pi * 0.5 * t), 0 * t], 1)
    sp = E.wrist_speed(_pos_with_wrists(circle, circle), 30.0)
    assert np.allclose(sp[5:-5], 2 * np.pi * 0.5 * 0.1, rtol=0.02)    # v = omega r
    m, _ = E.clip_metrics(np.zeros((60, 55, 3)), np.zeros((60, 3)), 30.0)
    assert m["foot skate cm/frame (mean)"] == 0.0 and m["root travel m"] == 0.0


def test_band_shares_find_the_frequency():
    t = np.arange(900) / 30.0
    for f_hz, band in ((3.0, "share 2-4 Hz"), (6.0, "share 4-8 Hz")):
        x = np.stack([0.05 * np.sin(2 * np.pi * f_hz * t), 0 * t, 0 * t], 1)
        shares = E.band_shares(_pos_with_wrists(x, x), 30.0)
        assert shares[band] > 0.9
        other = "share 4-8 Hz" if band == "share 2-4 Hz" else "share 2-4 Hz"
        assert shares[other] < 0.05


def test_frechet_zero_for_same_set_and_grows_with_shift():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(200, 5))
    assert abs(E.frechet(a, a)) < 1e-6
    assert abs(E.frechet(a, a + 2.0) - 5 * 4.0) < 1e-6                 # mean shift: |d|^2
    assert E.frechet(a, a * 2.0) > 1.0                                  # spread changes count too


def test_foot_skate_counts_only_contact():
    t = 60
    poses = np.zeros((t, 55, 3))
    slide = np.zeros((t, 3))
    slide[:, 0] = np.linspace(0, 0.3, t)                                # the whole body slides 30 cm
    mean, p99 = E.foot_skate_cm(poses, slide)
    assert abs(mean - 30.0 / (t - 1)) < 1e-6 and abs(p99 - mean) < 1e-6
