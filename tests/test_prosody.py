"""Prosody analysis (inference/prosody.py) on synthetic signals with known answers and real speech."""

import numpy as np
import pytest

from inference.audio import Audio, AudioError, load_audio, prepare_audio
from inference.prosody import PROSODY_FPS, analyze_prosody
from tests.conftest import shared_path

SR = 16000


def _vowel(dur_s, f0_hz):
    t = np.arange(int(dur_s * SR)) / SR
    ph = 2 * np.pi * f0_hz * t
    return sum(np.sin(k * ph) / k for k in range(1, 30)) * np.hanning(t.size)


def _two_phrases():
    """Two phrases of four 220 ms 'syllables' (F0 130/150/170/190 Hz), 0.8 s pause between."""
    parts, peaks = [np.zeros(int(0.5 * SR))], []
    t = 0.5
    for _ in range(2):
        for k in range(4):
            parts += [_vowel(0.22, 130 + 20 * k), np.zeros(int(0.05 * SR))]
            peaks.append(t + 0.11)
            t += 0.27
        parts.append(np.zeros(int(0.8 * SR)))
        t += 0.8
    x = 0.2 * np.concatenate(parts) + np.random.default_rng(0).normal(0, 1e-4, sum(map(len, parts)))
    return x.astype(np.float32), np.array(peaks)


def test_fields_shapes_and_types():
    x, _ = _two_phrases()
    p = analyze_prosody(prepare_audio(x, SR))
    n = int(np.ceil(x.size / 160))
    assert p.fps == PROSODY_FPS == 100.0
    for name, dtype in [("energy_db", np.float32), ("f0_hz", np.float32), ("voiced", bool),
                        ("speech", bool), ("onset_strength", np.float32)]:
        arr = getattr(p, name)
        assert arr.shape == (n,) and arr.dtype == dtype, name
    assert p.accents_s.dtype == np.float64 and p.accent_strength.dtype == np.float32
    assert p.accents_s.shape == p.accent_strength.shape
    assert np.all(np.diff(p.accents_s) > 0)
    assert np.all((p.accent_strength >= 0) & (p.accent_strength <= 1))
    assert np.all(p.onset_strength >= 0)
    assert np.array_equal(p.voiced, p.f0_hz > 0)


def test_synthetic_syllables_give_pitch_accents_and_phrases():
    x, peaks = _two_phrases()
    p = analyze_prosody(prepare_audio(x, SR))
    f0 = np.unique(np.round(p.f0_hz[p.voiced] / 10) * 10)
    assert set(f0) <= {130.0, 140.0, 150.0, 160.0, 170.0, 180.0, 190.0}
    assert len(p.phrases) == 2
    (s0, e0), (s1, e1) = p.phrases
    assert abs(s0 - 0.5) < 0.08 and abs(e0 - 1.55) < 0.1 and abs(s1 - 2.38) < 0.1
    # every syllable found once, within 40 ms of its energy peak
    assert len(p.accents_s) == len(peaks)
    assert np.max(np.abs(p.accents_s - peaks)) < 0.04
    # louder/higher syllables (the last of each phrase, 190 Hz) are the strongest accents
    assert p.accent_strength[3] > p.accent_strength[0]


def test_silence_has_no_speech_or_accents():
    p = analyze_prosody(prepare_audio(np.zeros(2 * SR, np.float32), SR))
    assert not p.speech.any() and not p.voiced.any()
    assert p.accents_s.size == 0 and p.phrases == ()
    assert np.all(p.energy_db == -100.0)


def test_energy_is_dbfs_and_onsets_peak_at_the_onset():
    t = np.arange(2 * SR) / SR
    x = np.where(t >= 1.0, np.sin(2 * np.pi * 440 * t), 0.0).astype(np.float32)
    p = analyze_prosody(prepare_audio(x, SR))
    assert p.energy_db[150] == pytest.approx(-3.01, abs=0.05)  # full-scale sine
    assert int(np.argmax(p.onset_strength)) in range(97, 104)


def test_extreme_loudness_is_normalised_not_an_error():
    x, _ = _two_phrases()
    quiet = analyze_prosody(prepare_audio(x, SR))
    loud = analyze_prosody(Audio(x * 1e4, SR, SR))  # way past full scale
    assert np.array_equal(quiet.speech, loud.speech)
    assert np.allclose(quiet.accents_s, loud.accents_s)
    assert np.nanmax(loud.energy_db) <= 0.0
    soft = analyze_prosody(prepare_audio(x * 0.01 / np.abs(x).max(), SR))  # peak at -40 dBFS
    assert soft.phrases == quiet.phrases or len(soft.phrases) == len(quiet.phrases)


def test_bad_input_errors():
    with pytest.raises(AudioError, match="empty"):
        analyze_prosody(Audio(np.zeros(0, np.float32), SR, SR))
    with pytest.raises(AudioError, match="NaN"):
        analyze_prosody(Audio(np.full(SR, np.nan, np.float32), SR, SR))
    with pytest.raises(AudioError, match="16000 Hz"):
        analyze_prosody(Audio(np.zeros(SR, np.float32), 8000, 8000))
    with pytest.raises(AudioError, match="expected an inference.audio.Audio"):
        analyze_prosody(np.zeros(SR, np.float32))


@pytest.mark.parametrize("name,f0_range", [("jfk_inaugural_1961.flac", (150, 300)),
                                           ("ljspeech_LJ001-0001.wav", (150, 280))])
def test_real_speech(name, f0_range):
    audio = load_audio(shared_path("speech", "en", name))
    p = analyze_prosody(audio)
    assert f0_range[0] < np.median(p.f0_hz[p.voiced]) < f0_range[1]
    assert 0.5 < p.speech.mean() < 0.98
    rate = len(p.accents_s) / audio.duration_s
    assert 1.0 < rate < 4.0  # stressed syllables per second in read/declaimed English
    assert len(p.phrases) >= 2
    for s, e in p.phrases:
        assert 0.0 <= s < e <= audio.duration_s + 0.01


def test_beat2_take_phrases_and_pauses():
    audio = load_audio(shared_path("beat2_sample", "2_scott_0_1_1.wav"))
    p = analyze_prosody(audio)
    assert 80 < np.median(p.f0_hz[p.voiced]) < 220  # male speaker
    assert 8 <= len(p.phrases) <= 30
    gaps = [b[0] - a[1] for a, b in zip(p.phrases[:-1], p.phrases[1:])]
    assert min(gaps) >= 0.3
