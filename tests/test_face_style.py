"""Speaking style from an edited take: estimate gains/offsets and blink rate, apply them, lips safe."""

import numpy as np
import pytest

from inference.errors import InputError
from inference.face.style import SpeakingStyle, apply_style, blink_runs, estimate_style
from inference.options import GenerateOptions
from rigs.arkit import ARKIT_INDEX as I


def _take(frames=300, seed=0):
    rng = np.random.default_rng(seed)
    a = np.zeros((frames, 52), np.float32)
    t = np.arange(frames)
    a[:, I["jawOpen"]] = 0.3 + 0.2 * np.sin(t / 3.0)
    a[100:110, I["mouthClose"]] = a[100:110, I["jawOpen"]]              # a sealed bilabial
    a[:, I["mouthStretchLeft"]] = a[:, I["mouthStretchRight"]] = 0.2 + 0.1 * rng.random(frames)
    a[:, I["mouthPucker"]] = 0.1 + 0.1 * np.cos(t / 5.0)
    a[:, I["browInnerUp"]] = 0.1 + 0.1 * np.sin(t / 20.0)
    for s in (20, 80, 150, 220):                                       # four blinks
        a[s:s + 6, I["eyeBlinkLeft"]] = a[s:s + 6, I["eyeBlinkRight"]] = [0.3, 0.8, 1.0, 1.0, 0.8, 0.3]
    return a


def test_estimate_recovers_an_artists_consistent_edit():
    base = _take()
    truth = SpeakingStyle(jaw_gain=0.7, jaw_offset=0.02, lip_width_gain=1.5, pucker_gain=1.2, pucker_offset=0.05,
                          brow_gain=2.0, blink_rate=0.5)
    edited = apply_style(base, truth)
    est = estimate_style(base, edited)
    for f in ("jaw_gain", "jaw_offset", "lip_width_gain", "pucker_gain", "pucker_offset", "brow_gain"):
        assert getattr(est, f) == pytest.approx(getattr(truth, f), abs=0.02), f
    assert est.blink_rate == 0.5 and len(blink_runs(edited)) == 2
    assert estimate_style(base, base).neutral


def test_apply_keeps_seals_and_adds_blinks():
    base = _take()
    out = apply_style(base, SpeakingStyle(jaw_gain=1.8, jaw_offset=0.1, blink_rate=2.0))
    assert np.allclose(out[100:110, I["mouthClose"]], out[100:110, I["jawOpen"]])     # still sealed
    assert (out[:, I["mouthClose"]] <= out[:, I["jawOpen"]] + 1e-7).all()
    assert len(blink_runs(out)) > len(blink_runs(base))
    assert np.array_equal(apply_style(base, SpeakingStyle()), base)


def test_style_in_options_and_errors():
    o = GenerateOptions(style={"jaw_gain": 0.5})
    assert o.style.jaw_gain == 0.5 and GenerateOptions.from_mapping(o.to_mapping()) == o
    with pytest.raises(InputError, match="jaw_gain.*\\[0, 3\\]"):
        SpeakingStyle(jaw_gain=5.0)
    with pytest.raises(InputError, match="unknown key"):
        GenerateOptions(style={"jaw": 1})


def test_generate_applies_the_style():
    from pathlib import Path

    from inference.generate import generate

    demo = Path(__file__).resolve().parents[1] / "assets" / "demo_speech.flac"
    a = generate(demo, GenerateOptions(body=False, procedural_face=False)).arkit
    b = generate(demo, GenerateOptions(body=False, procedural_face=False, style={"jaw_gain": 0.5})).arkit
    assert b[:, I["jawOpen"]].max() == pytest.approx(0.5 * a[:, I["jawOpen"]].max(), rel=0.05)
