"""DSP lip-sync baseline (face backend "fast"): rest in silence, closure on /p/, open on /a/."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from inference import backends
from inference.audio import AudioError, load_audio, prepare_audio
from inference.face import dsp
from inference.options import GenerateOptions
from rigs.arkit import ARKIT_INDEX, ARKIT_NAMES, SPEECH_CHANNELS

JAW = ARKIT_INDEX["jawOpen"]
CLOSE = ARKIT_INDEX["mouthClose"]


def _espeak(tmp_path, text: str):
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng not installed")
    wav = tmp_path / "clip.wav"
    subprocess.run(["espeak-ng", "-w", str(wav), text], check=True, capture_output=True)
    return load_audio(wav)


def _lips_sealed(y: np.ndarray) -> np.ndarray:
    """Lip gap ~ jawOpen - mouthClose (ARKit: mouthClose keeps the lips together on an open jaw)."""
    return (y[:, JAW] - y[:, CLOSE]) < 0.08


def test_registered_as_fast_and_shapes():
    audio = prepare_audio(np.random.default_rng(0).normal(0, 0.1, 16000 + 5).astype(np.float32), 16000)
    track = backends.get_face_backend("fast").run(audio, GenerateOptions())
    assert track.fps == 100.0 and track.device == "numpy" and track.model == dsp.MODEL_NAME
    assert track.arkit.shape == (101, 52) and track.arkit.dtype == np.float32
    assert track.arkit.min() >= 0.0 and track.arkit.max() <= 1.0
    non_speech = [i for i, n in enumerate(ARKIT_NAMES) if n not in SPEECH_CHANNELS]
    assert np.all(track.arkit[:, non_speech] == 0.0)


@pytest.mark.parametrize("kind", ["zeros", "quiet_noise", "tone"])
def test_silence_and_steady_signals_rest(kind):
    n = 3 * 16000
    rng = np.random.default_rng(1)
    x = {"zeros": np.zeros(n), "quiet_noise": rng.normal(0, 1e-4, n),
         "tone": 0.3 * np.sin(2 * np.pi * 220 * np.arange(n) / 16000)}[kind].astype(np.float32)
    y = dsp.dsp_arkit(x)
    assert np.abs(y).max() < 1e-6


def test_pa_closes_lips_and_opens_jaw(tmp_path):
    audio = _espeak(tmp_path, "papa papa")
    y = dsp.dsp_arkit(audio.samples)
    f = dsp.analyze(audio.samples)
    assert y[:, JAW].max() > 0.4, "the /a/ vowels must open the jaw"
    # Inside the utterance (between first and last speech frame) there must be sealed-lip frames
    # (the /p/ closures) between open vowels.
    idx = np.flatnonzero(f.speech)
    inner = slice(idx[0] + 5, idx[-1] - 5)
    sealed = _lips_sealed(y[inner])
    opened = y[inner, JAW] > 0.4
    assert sealed.sum() >= 3 and opened.sum() >= 10
    # Closures alternate with openings: at least 3 separate sealed runs (p-a-p-a p-a-p-a).
    runs = np.flatnonzero(np.diff(sealed.astype(int)) == 1)
    assert len(runs) >= 3


def test_real_speech_moves_and_rests_at_start(shared):
    audio = load_audio(shared("speech", "en", "ljspeech_LJ001-0002.wav"))
    y = dsp.dsp_arkit(audio.samples)
    f = dsp.analyze(audio.samples)
    assert 0.3 < f.speech.mean() < 0.95
    assert (y[f.speech, JAW] > 0.1).mean() > 0.5
    # Away (> 50 ms) from the utterances every channel is at rest.
    near = np.convolve(f.region.astype(float), np.ones(11), mode="same") > 0
    assert np.abs(y[~near]).max() < 0.02


def test_bad_samples_raise_clear_errors():
    with pytest.raises(ValueError, match="NaN"):
        dsp.dsp_arkit(np.array([0.0, np.nan] * 400, np.float32))
    with pytest.raises(ValueError, match="non-empty"):
        dsp.dsp_arkit(np.zeros(0, np.float32))
    with pytest.raises(AudioError):
        prepare_audio(np.zeros(1, np.float32), 16000)


def test_one_frame_and_8khz_input():
    assert dsp.dsp_arkit(np.zeros(1, np.float32)).shape == (1, 52)
    rng = np.random.default_rng(2)
    audio = prepare_audio((rng.normal(0, 0.1, 8000) * (np.arange(8000) > 4000)).astype(np.float32), 8000)
    assert audio.samples.shape[0] == 16000
    y = dsp.dsp_arkit(audio.samples)
    assert y.shape == (100, 52) and np.all(np.isfinite(y))
    jaw = ARKIT_INDEX["jawOpen"]
    assert np.all(y[:30] == 0.0) and y[60:, jaw].min() > 0.2  # rest in the silent half, open in the loud one
