"""Closure matching and jaw r of tools/eval/face_metrics.py (the BEAT2 evaluator's) on hand-made signals (no shared data needed)."""

from __future__ import annotations

import numpy as np

from tools.eval.face_metrics import closure_scores, jaw_r, match, runs


def test_runs_and_match():
    m = np.array([0, 1, 1, 0, 0, 1, 0, 0, 0, 1], bool)
    assert runs(m) == [(1, 3), (5, 6), (9, 10)]
    assert match([(1, 3)], [(4, 5)], 2) == 1      # 1 frame apart: within 2
    assert match([(1, 3)], [(6, 7)], 2) == 0      # 3 frames apart: not


def test_closure_scores_perfect_and_false():
    t = 1800
    speech = np.ones(t, bool)
    jaw = np.full(t, 0.03)
    for k in range(0, t, 120):
        jaw[k:k + 20] = 0.0                       # 15 capture closures (the lowest 17 % of frames)
    gap = np.full(t, 8.0)
    gap[21::120] = 0.0                            # ours 2 frames after each: all matched
    s = closure_scores(jaw, gap, speech)
    assert s["capture_closures"] == 15 and s["recall"] == 1.0 and s["false_per_min"] == 0.0
    gap[70::120] = 0.0                            # 15 more, far from any capture closure: false
    s = closure_scores(jaw, gap, speech)
    assert s["recall"] == 1.0 and np.isclose(s["false_per_min"], 15.0)


def test_jaw_r_finds_the_lag():
    rng = np.random.default_rng(0)
    cap = np.convolve(rng.normal(size=600), np.ones(5) / 5, mode="same")
    ours = np.roll(cap, 2)                        # ours 2 frames late
    r0, lag, rb = jaw_r(ours, cap, np.ones(600, bool))
    assert lag == 2 and rb > 0.99 and r0 < rb
