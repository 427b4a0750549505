"""Log-mel front end: one implementation for training and run time, chunk-exact, torch-equal."""

from __future__ import annotations

import numpy as np
import pytest

from inference import features as F


def _speechlike(n, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(n) / 16000
    x = 0.3 * np.sin(2 * np.pi * 140 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return (x + rng.normal(0, 0.02, n)).astype(np.float32)


@pytest.mark.parametrize("n", [1, 159, 160, 161, 16000, 16001, 48123])
def test_frame_count_is_ceil_n_over_hop(n):
    m = F.log_mel(_speechlike(n))
    assert m.shape == (-(-n // 160), 80) and m.dtype == np.float32
    assert np.all(np.isfinite(m))


def test_range_equals_slice_of_whole():
    x = _speechlike(16000 * 7 + 37)
    whole = F.log_mel(x)
    total = whole.shape[0]
    for a, b in [(0, 1), (0, 300), (1, 2), (250, 677), (total - 5, total), (0, total)]:
        np.testing.assert_allclose(F.log_mel_range(x, a, b), whole[a:b], rtol=0, atol=1e-4)
    with pytest.raises(ValueError, match="frame range"):
        F.log_mel_range(x, 10, total + 1)


def test_training_and_runtime_features_match():
    """train_face.clip_features (precomputed, whole clip) == the features the runtime feeds, chunk by chunk."""
    from inference.face.lipsync import LipSyncBackend
    from training.train_face import clip_features

    x = _speechlike(16000 * 9 + 11, seed=3)
    fed = []

    class _Recorder:  # stands in for an onnxruntime session
        def run(self, _outputs, inputs):
            fed.append(inputs["log_mel"][0].copy())
            return [np.zeros((1, inputs["log_mel"].shape[1], 31), np.float32)]

    backend = LipSyncBackend(chunk_frames=200, context_frames=50, fade_frames=20)
    backend.predict(_Recorder(), x)
    train = clip_features(x)
    # Reassemble the runtime's chunk inputs (each chunk = core +- context) and compare.
    total = train.shape[0]
    for k, chunk in enumerate(fed):
        c0 = k * 200
        r0 = max(0, c0 - 50)
        np.testing.assert_allclose(chunk, train[r0:r0 + chunk.shape[0]], rtol=0, atol=1e-4)
    assert sum(min(200, total - k * 200) for k in range(len(fed))) == total


def test_power_spectrum_equals_torch_stft():
    torch = pytest.importorskip("torch")
    x = _speechlike(16000 + 123, seed=1)
    ours = F.power_spectrogram(x)
    spec = torch.stft(torch.from_numpy(x), n_fft=512, hop_length=160, win_length=400,
                      window=torch.hann_window(400), center=True, pad_mode="constant",
                      return_complex=True)
    ref = (spec.abs() ** 2).T.numpy()[: ours.shape[0]]
    assert np.abs(ours - ref).max() <= 1e-4 * ref.max()


def test_mel_filterbank_slaney():
    fb = F.mel_filterbank()
    assert fb.shape == (80, 257) and fb.min() >= 0
    assert np.all(fb.sum(axis=1) > 0)
    centres = fb.argmax(axis=1)
    assert np.all(np.diff(centres) >= 0)
    # Slaney scale: 1 kHz is mel 15; linear below, log above.
    assert F._hz_to_mel(1000.0) == pytest.approx(15.0)
    assert F._mel_to_hz(F._hz_to_mel(3456.0)) == pytest.approx(3456.0)
    # Unit-area triangles ("slaney" norm): sum over Hz of each filter ~ 1.
    df = 8000.0 / 256
    area = fb.sum(axis=1) * df
    assert np.allclose(area, 1.0, atol=0.15) and abs(np.median(area) - 1.0) < 0.02


def test_tone_lands_in_the_right_band():
    t = np.arange(16000) / 16000
    m = F.log_mel((0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32))
    band = int(m[10:-10].mean(axis=0).argmax())
    lo, hi = F._mel_to_hz(np.linspace(0, F._hz_to_mel(8000.0), 82)[[band, band + 2]])
    assert lo < 1000 < hi


def test_bad_input():
    with pytest.raises(ValueError, match="non-empty"):
        F.log_mel(np.zeros(0, np.float32))
    with pytest.raises(ValueError, match="non-empty"):
        F.log_mel(np.zeros((10, 2), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        F.log_mel(np.array([0.0, np.inf], np.float32))
