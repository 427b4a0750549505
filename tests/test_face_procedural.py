"""Seeded procedural non-speech layer: blinks, gaze, brows, smiles."""

from __future__ import annotations

import numpy as np
import pytest

from inference.audio import prepare_audio
from inference.face.procedural import add_procedural_layer
from rigs.arkit import ARKIT_INDEX, SPEECH_CHANNELS

I = ARKIT_INDEX


def _speechlike(duration_s: float, seed: int = 0):
    """Noise bursts of 1.5-4 s (phrases) with 0.3-1 s pauses, syllable-rate amplitude modulation."""
    rng = np.random.default_rng(seed)
    n = int(duration_s * 16000)
    x = np.zeros(n, np.float32)
    t = 0.3
    while t < duration_s - 0.5:
        length = rng.uniform(1.5, 4.0)
        a, b = int(t * 16000), min(n, int((t + length) * 16000))
        tt = np.arange(b - a) / 16000
        x[a:b] = rng.normal(0, 0.1, b - a) * (0.55 + 0.45 * np.sin(2 * np.pi * 4.0 * tt))
        t += length + rng.uniform(0.3, 1.0)
    return prepare_audio(x, 16000)


def _onsets(curve, thr=0.5):
    return np.flatnonzero((curve[1:] > thr) & (curve[:-1] <= thr)) + 1


def test_deterministic_per_seed_and_seeds_differ():
    audio = _speechlike(20.0)
    base = np.zeros((600, 52), np.float32)
    a = add_procedural_layer(base, audio, 30.0, 7)
    b = add_procedural_layer(base, audio, 30.0, 7)
    c = add_procedural_layer(base, audio, 30.0, 8)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, c)
    assert a.dtype == np.float32 and a.min() >= 0 and a.max() <= 1


def test_blink_rate_and_refractory_period():
    audio = _speechlike(60.0, seed=3)
    rates, min_gap = [], np.inf
    for seed in range(6):
        y = add_procedural_layer(np.zeros((1800, 52), np.float32), audio, 30.0, seed)
        on = _onsets(y[:, I["eyeBlinkLeft"]])
        rates.append(len(on))
        min_gap = min(min_gap, np.diff(on).min() / 30.0)
        # Blinks close both eyes together.
        assert np.allclose(y[:, I["eyeBlinkLeft"]], y[:, I["eyeBlinkRight"]], atol=0.05)
    assert 12 <= np.mean(rates) <= 26, rates
    assert min_gap >= 0.95


def test_same_events_at_any_fps():
    audio = _speechlike(15.0, seed=4)
    y30 = add_procedural_layer(np.zeros((450, 52), np.float32), audio, 30.0, 5)
    y60 = add_procedural_layer(np.zeros((900, 52), np.float32), audio, 60.0, 5)
    b30 = _onsets(y30[:, I["eyeBlinkLeft"]]) / 30.0
    b60 = _onsets(y60[:, I["eyeBlinkLeft"]]) / 60.0
    assert len(b30) == len(b60) and np.allclose(b30, b60, atol=1 / 30 + 1e-9)
    assert np.allclose(y30[:, I["browInnerUp"]], y60[::2, I["browInnerUp"]], atol=0.05)


def test_gaze_is_consistent_between_eyes():
    audio = _speechlike(30.0)
    y = add_procedural_layer(np.zeros((900, 52), np.float32), audio, 30.0, 1)
    # Looking to one side: one eye looks out, the other in, by the same amount; never both ways.
    assert np.allclose(y[:, I["eyeLookOutLeft"]], y[:, I["eyeLookInRight"]])
    assert np.allclose(y[:, I["eyeLookInLeft"]], y[:, I["eyeLookOutRight"]])
    assert np.all(np.minimum(y[:, I["eyeLookOutLeft"]], y[:, I["eyeLookInLeft"]]) == 0)
    assert np.allclose(y[:, I["eyeLookUpLeft"]], y[:, I["eyeLookUpRight"]])
    moves = np.abs(np.diff(y[:, I["eyeLookOutLeft"]] - y[:, I["eyeLookInLeft"]])) > 0.01
    assert moves.sum() >= 5, "saccades expected over 30 s"
    assert y[:, I["browInnerUp"]].max() > 0.05, "brow raises on accents expected"
    assert (y[:, I["browInnerUp"]] > 0.05).mean() < 0.35, "brows must not be raised most of the time"


def test_speech_channels_kept_and_amount_zero_is_identity():
    rng = np.random.default_rng(0)
    audio = _speechlike(10.0)
    base = rng.uniform(0, 0.5, (300, 52)).astype(np.float32)
    y = add_procedural_layer(base, audio, 30.0, 2)
    keep = [I[n] for n in SPEECH_CHANNELS if not n.startswith("mouthSmile")]
    assert np.array_equal(y[:, keep], base[:, keep])
    assert np.array_equal(add_procedural_layer(base, audio, 30.0, 2, amount=0.0), base)


def test_bad_arguments():
    audio = _speechlike(2.0)
    with pytest.raises(ValueError, match=r"\(T, 52\)"):
        add_procedural_layer(np.zeros((10, 51), np.float32), audio, 30.0, 0)
    with pytest.raises(ValueError, match="fps"):
        add_procedural_layer(np.zeros((10, 52), np.float32), audio, 0.0, 0)
