"""Log-mel front end: one implementation for training and run time, chunk-exact, torch-equal."""

from __future__ import annotations

import math

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


def test_power_rows_do_not_depend_on_the_range_asked_for():
    # what lets one STFT per clip serve every reader (inference.analysis.AudioAnalysis.power): a frame's
    # power is the same bits whatever range, FFT block (features._FFT_BLOCK) or config it is computed in
    x = _speechlike(16000 * 7 + 37)
    for cfg in (F.MelConfig(), F.MelConfig(win=512, periodic_window=False)):
        whole = F.power_range(x, 0, F.num_feature_frames(x.shape[0], cfg.hop), cfg)
        for a, b in [(0, 1), (1, 2), (0, 256), (255, 257), (3, 700), (250, 677), (whole.shape[0] - 3, whole.shape[0])]:
            np.testing.assert_array_equal(F.power_range(x, a, b, cfg), whole[a:b])
        # and the bits of the plain one-call formula: float32 windowing, one float64 FFT of every frame
        padded = np.concatenate([np.zeros(cfg.win // 2, np.float32), x, np.zeros(cfg.win, np.float32)])
        frames = np.stack([padded[i * cfg.hop:i * cfg.hop + cfg.win] for i in range(whole.shape[0])])
        window = (np.hanning(cfg.win + 1)[:-1] if cfg.periodic_window else np.hanning(cfg.win)).astype(np.float32)
        spec = np.fft.rfft((frames * window).astype(np.float64), n=cfg.n_fft, axis=1)
        np.testing.assert_array_equal(whole, (spec.real ** 2 + spec.imag ** 2).astype(np.float32))


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
    assert F.hz_to_mel(1000.0) == pytest.approx(15.0)
    assert F.mel_to_hz(F.hz_to_mel(3456.0)) == pytest.approx(3456.0)
    # Unit-area triangles ("slaney" norm): sum over Hz of each filter ~ 1.
    df = 8000.0 / 256
    area = fb.sum(axis=1) * df
    assert np.allclose(area, 1.0, atol=0.15) and abs(np.median(area) - 1.0) < 0.02


def _reference_filterbank(sr, n_fft, n_mels, fmin, fmax, scale, area_norm):
    """Triangular mel filterbank written from the textbook definitions, pure Python (no numpy)."""
    if scale == "htk":  # HTK Book: mel = 2595 log10(1 + f / 700)
        def mel(f):
            return 2595.0 * math.log10(1.0 + f / 700.0)

        def inv(m):
            return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    else:  # Slaney Auditory Toolbox: 3/200 mel per Hz below 1 kHz, factor 6.4 per 27 mels above
        step = math.log(6.4) / 27.0

        def mel(f):
            return f * 3.0 / 200.0 if f < 1000.0 else 15.0 + math.log(f / 1000.0) / step

        def inv(m):
            return m * 200.0 / 3.0 if m < 15.0 else 1000.0 * math.exp(step * (m - 15.0))
    lo, hi = mel(fmin), mel(fmax)
    pts = [inv(lo + (hi - lo) * i / (n_mels + 1)) for i in range(n_mels + 2)]
    out = []
    for m in range(n_mels):
        a, b, c = pts[m], pts[m + 1], pts[m + 2]
        row = []
        for k in range(n_fft // 2 + 1):
            f = k * sr / n_fft
            w = (f - a) / (b - a) if a <= f <= b else (c - f) / (c - b) if b < f <= c else 0.0
            row.append(w * (2.0 / (c - a) if area_norm else 1.0))
        out.append(row)
    return np.array(out)


def test_mel_scales_pinned_values():
    # Slaney: 1 kHz is mel 15, linear below (500 Hz -> 7.5), a factor 6.4 every 27 mels above.
    assert F.hz_to_mel(500.0) == pytest.approx(7.5)
    assert F.hz_to_mel(6400.0) == pytest.approx(42.0)
    assert F.mel_to_hz(42.0) == pytest.approx(6400.0)
    assert F.hz_to_mel(8000.0) == pytest.approx(45.2456405)
    # HTK: 700 Hz -> 2595 log10(2); 1 kHz -> ~1000 mel by construction.
    assert F.hz_to_mel(700.0, "htk") == pytest.approx(781.1728387)
    assert F.hz_to_mel(1000.0, "htk") == pytest.approx(999.9855371)
    assert F.mel_to_hz(F.hz_to_mel(3456.0, "htk"), "htk") == pytest.approx(3456.0)
    with pytest.raises(ValueError, match="'slaney', 'htk'"):
        F.hz_to_mel(1000.0, "bark")


def test_mel_filterbank_pinned_one_band():
    """One band 0-8 kHz on a 1 kHz bin grid, values worked out by hand from the definitions."""
    htk = F.mel_filterbank(F.MelConfig(n_fft=16, n_mels=1, mel_scale="htk", area_norm=False))[0]
    # centre = mel^-1(mel(8000) / 2) = 1767.79 Hz: rises 0 -> 1767.79, falls to 8000
    np.testing.assert_allclose(htk[[0, 1, 2, 8]], [0.0, 1000 / 1767.7925, 6000 / 6232.2075, 0.0], atol=1e-6)
    sl = F.mel_filterbank(F.MelConfig(n_fft=16, n_mels=1))[0]
    # Slaney centre 1688.91 Hz; unit area: weights scaled by 2 / 8000
    np.testing.assert_allclose(sl[[1, 3]], [1000 / 1688.9085 / 4000, 5000 / 6311.0915 / 4000], rtol=1e-5)


@pytest.mark.parametrize("cfg", [
    F.MelConfig(),  # the lip-sync model's front end
    F.MelConfig(win=512, n_mels=40, fmin_hz=60.0, fmax_hz=7600.0, mel_scale="htk", area_norm=False,
                periodic_window=False),  # the prosody onset front end
])
def test_mel_filterbank_equals_textbook_reference(cfg):
    ref = _reference_filterbank(cfg.sample_rate_hz, cfg.n_fft, cfg.n_mels, cfg.fmin_hz, cfg.fmax_hz,
                                cfg.mel_scale, cfg.area_norm)
    np.testing.assert_allclose(F.mel_filterbank(cfg), ref, rtol=1e-5, atol=1e-7 * ref.max())


def test_prosody_onset_front_end_is_the_shared_one():
    from inference import prosody

    cfg = prosody.ONSET_MEL
    assert (cfg.mel_scale, cfg.n_mels, cfg.area_norm, cfg.periodic_window) == ("htk", 40, False, False)
    x = _speechlike(16000, seed=4)
    n = F.num_feature_frames(x.shape[0])
    window = np.hanning(512)
    xp = np.concatenate([np.zeros(256), x, np.zeros(256 + n * 160)])
    frames = np.stack([xp[i * 160:i * 160 + 512] * window for i in range(n)])
    power = np.abs(np.fft.rfft(frames, axis=1)) ** 2
    np.testing.assert_allclose(F.power_range(x, 0, n, cfg), power, rtol=1e-4, atol=1e-6 * power.max())


def test_tone_lands_in_the_right_band():
    t = np.arange(16000) / 16000
    m = F.log_mel((0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32))
    band = int(m[10:-10].mean(axis=0).argmax())
    lo, hi = F.mel_to_hz(np.linspace(0, F.hz_to_mel(8000.0), 82)[[band, band + 2]])
    assert lo < 1000 < hi


def test_bad_input():
    with pytest.raises(ValueError, match="non-empty"):
        F.log_mel(np.zeros(0, np.float32))
    with pytest.raises(ValueError, match="non-empty"):
        F.log_mel(np.zeros((10, 2), np.float32))
    with pytest.raises(ValueError, match="NaN"):
        F.log_mel(np.array([0.0, np.inf], np.float32))
