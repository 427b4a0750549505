"""Lip-sync metrics: the oracle scores perfectly, known defects are detected."""

from __future__ import annotations

import numpy as np
import pytest

from inference.face.targets import phones_to_arkit
from rigs.arkit import arkit_index
from tools.eval.face_metrics import clip_stats, lips_closed, summarize_stats

FPS = 30.0
rng = np.random.default_rng(3)
_labels = ["sil"] + list(rng.choice(["p", "aa", "m", "uw", "s", "iy", "b", "ow", "t", "ae", "f", "l"], 60)) + ["sil"]
_labels[10:13] = ["sil", "sil", "sil"]
_dur = rng.uniform(0.05, 0.2, len(_labels))
_dur[0] = _dur[-1] = 0.6
_dur[10:13] = 0.3
END = np.cumsum(_dur)
START = END - _dur
T = int(END[-1] * FPS)
ORACLE = phones_to_arkit(START, END, _labels, FPS, T)


def stats(pred):
    return summarize_stats(clip_stats(pred, ORACLE, FPS, START, END, _labels))


def test_oracle_is_perfect():
    m = stats(ORACLE)
    assert m["bilabials"] > 5
    assert m["closure_rate"] == 1.0
    assert m["mouth_open_r"] == pytest.approx(1.0)
    assert m["viseme_acc"] == 1.0
    assert abs(m["lag_frames"]) < 0.05
    assert m["rest_frames"] > 10 and m["rest_share"] == 1.0
    assert m["jitter_ratio"] == pytest.approx(1.0)
    assert m["speech_mae"] == 0.0


def test_delay_is_measured_as_lag():
    late = np.concatenate([np.repeat(ORACLE[:1], 3, axis=0), ORACLE[:-3]])
    assert stats(late)["lag_frames"] == pytest.approx(3.0, abs=0.3)
    early = np.concatenate([ORACLE[2:], np.repeat(ORACLE[-1:], 2, axis=0)])
    assert stats(early)["lag_frames"] == pytest.approx(-2.0, abs=0.3)


def test_open_mouth_fails_closure_and_rest():
    pred = ORACLE.copy()
    pred[:, arkit_index("jawOpen")] = np.maximum(pred[:, arkit_index("jawOpen")], 0.3)
    pred[:, arkit_index("mouthClose")] = 0.0
    m = stats(pred)
    assert m["closure_rate"] == 0.0 and m["rest_share"] == 0.0


def test_jitter_and_correlation_detect_noise():
    noisy = np.clip(ORACLE + rng.normal(0, 0.08, ORACLE.shape).astype(np.float32), 0, 1)
    m = stats(noisy)
    assert m["jitter_ratio"] > 2.0
    assert m["mouth_open_r"] < 0.95
    assert m["viseme_acc"] < 1.0
    assert 0.01 < m["speech_mae"] < 0.1


def test_pooling_matches_concatenated_counts():
    a = clip_stats(ORACLE, ORACLE, FPS, START, END, _labels)
    m = summarize_stats([a, a])
    assert m["bilabials"] == 2 * stats(ORACLE)["bilabials"] and m["closure_rate"] == 1.0


def test_lips_closed_definition():
    a = np.zeros((4, 52), np.float32)
    a[1, arkit_index("jawOpen")] = 0.4                                       # open
    a[2, arkit_index("jawOpen")] = 0.3
    a[2, arkit_index("mouthClose")] = 0.3                                    # ARKit: sealed lips, open jaw
    a[3, [arkit_index("mouthUpperUpLeft"), arkit_index("mouthUpperUpRight")]] = 0.4  # lips parted
    assert list(lips_closed(a)) == [True, False, True, False]


def test_bad_shapes():
    with pytest.raises(ValueError, match="pred"):
        clip_stats(np.zeros((5, 51)), ORACLE, FPS, START, END, _labels)
    with pytest.raises(ValueError, match="fps"):
        clip_stats(ORACLE, ORACLE, 0.0, START, END, _labels)
