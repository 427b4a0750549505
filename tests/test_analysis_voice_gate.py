"""The face gate's voice test (inference/analysis.py::voice_regions): a gate region with no voiced energy,
no voiced spectrum and no frication is noise (a crowd), not speech, and the mouth rests there."""

from __future__ import annotations

import numpy as np
import pytest

from inference import analysis as A
from inference.audio import SAMPLE_RATE_HZ as SR, load_audio
from tests.conftest import shared_path


def _case(f0, low, fric, n=20):
    """One region of ``n`` frames at a flat -20 dB; ``f0`` is the voiced frame count at its start."""
    region = np.zeros(n + 10, bool)
    region[5:5 + n] = True
    e = np.full(region.shape, -20.0)
    f = np.zeros(region.shape)
    f[5:5 + f0] = 150.0
    return region, e, f, np.full(region.shape, low), np.full(region.shape, fric)


@pytest.mark.parametrize("f0,low,fric,kept", [
    (0, 0.2, 0.02, False),    # the crowd: no voicing, energy between 1 and 3 kHz
    (5, 0.2, 0.02, False),    # F0 on a quarter of the energy is not enough (MIN_VOICED_ENERGY 0.3)
    (7, 0.2, 0.02, True),     # 0.35 of the energy voiced
    (0, 0.5, 0.02, True),     # a voiced spectrum Praat missed (creak, breathy voice)
    (0, 0.2, 0.2, True),      # frication: a whisper, /s/, /f/
    (20, 0.0, 0.0, True),     # voiced throughout
])
def test_voice_evidence_decides_each_region(f0, low, fric, kept):
    region, e, f, lo, hi = _case(f0, low, fric)
    out = A.voice_regions(region, e, f, lo, hi)
    np.testing.assert_array_equal(out, region if kept else np.zeros_like(region))
    assert out is not region and region.sum() == 20  # a copy; the input is left alone


def test_each_region_is_judged_alone_by_its_energy():
    # two regions: a loud voiced one kept, a noise one removed; the voiced share weights frames by power
    region = np.zeros(60, bool)
    region[5:25] = region[35:55] = True
    e = np.full(60, -60.0)
    e[5:25], e[35:55] = -10.0, -20.0
    f0 = np.zeros(60)
    f0[5:8] = 120.0   # 3 of 20 frames voiced, but they hold ...
    e[5:8] = 0.0      # ... most of the region's energy
    out = A.voice_regions(region, e, f0, np.full(60, 0.1), np.full(60, 0.05))
    assert out[5:25].all() and not out[35:55].any() and not out[:5].any()


def test_bad_shapes_are_refused():
    region, e, f, lo, hi = _case(0, 0.2, 0.02)
    with pytest.raises(ValueError, match="voice_regions.*found shapes"):
        A.voice_regions(region, e[:-1], f, lo, hi)
    with pytest.raises(ValueError, match="f0_hz must have one value per 10 ms frame"):
        A.speech_frames(np.zeros(SR, np.float32), f0_hz=np.zeros(3))


def test_band_limited_noise_after_a_vowel_is_not_speech():
    # 0.4 s of a 130 Hz vowel-like pulse train (Praat finds its F0), 0.6 s silence, then 0.4 s of noise
    # band-passed to 1-3 kHz (the crowd's band on a band-limited recording), then 0.6 s of silence
    rng = np.random.default_rng(3)
    t = np.arange(int(0.4 * SR)) / SR
    vowel = sum(np.sin(2 * np.pi * 130 * k * t) / k for k in range(1, 8)) * 0.2
    spec = np.fft.rfft(rng.normal(0, 1, int(0.4 * SR)))
    hz = np.fft.rfftfreq(int(0.4 * SR), 1 / SR)
    spec[(hz < 1000) | (hz > 3000)] = 0
    noise = np.fft.irfft(spec, int(0.4 * SR))
    noise *= 0.1 / np.abs(noise).max()
    quiet = rng.normal(0, 1e-4, int(0.6 * SR))
    x = np.concatenate([vowel, quiet, noise, quiet]).astype(np.float32)
    s = A.speech_frames(x)
    _, energy_region = A.speech_gate(s.energy_db.astype(np.float64))
    assert energy_region[110:130].all()  # the energy gate alone takes the noise for speech
    assert s.region[5:35].all() and not s.region[100:].any() and not s.speech[100:].any()
    gate = A.mouth_gate(x, s)
    assert gate[10:30].min() == 1.0 and gate[110:].max() == 0.0


def test_the_jfk_ovation_rests_and_his_last_word_does_not():
    """JFK 1961 (held-out test clip): the crowd from 10.82 s is removed, "country" (10.0-10.45 s) kept,
    and no other region of the clip changes."""
    audio = load_audio(shared_path("speech", "en", "jfk_inaugural_1961.flac"))
    a = A.analyze_audio(audio)
    s = a.spectrum
    _, energy_region = A.speech_gate(s.energy_db.astype(np.float64))
    assert energy_region[1082:1100].all() and not s.region[1082:].any()
    np.testing.assert_array_equal(s.region[:1082], energy_region[:1082])
    assert a.mouth_gate[1000:1040].min() == 1.0 and a.mouth_gate[1075:].max() == 0.0
