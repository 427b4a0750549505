"""Log-mel audio features: the single front end of the lip-sync model, training and run time.

One numpy implementation is used everywhere: ``training/train_face.py`` precomputes features with
:func:`log_mel` and ``inference/face/lipsync.py`` calls the same function on each chunk it feeds to
the network, so the two cannot drift apart. Frame ``i`` is centred on sample ``i * HOP``
(the signal is zero-padded by ``WIN // 2`` on both sides, like ``torch.stft(center=True,
pad_mode="constant")``), which makes ``T = ceil(N / HOP)`` frames for ``N`` samples: the frame
count of the face dataset targets (docs: interfaces.md "Face dataset").

Constants follow the common speech front end (Kaldi / Whisper style): 16 kHz, 25 ms Hann window,
10 ms hop (100 fps), 512-point FFT, 80 mel bands on the Slaney mel scale from 0 to 8 kHz
(Slaney, "Auditory Toolbox", 1998; the same formula as librosa's ``htk=False`` default).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .audio import SAMPLE_RATE_HZ  # the one definition of the input rate (Hz)
#: Hop between frames in samples (10 ms -> 100 fps).
HOP: int = 160
#: Analysis window length in samples (25 ms).
WIN: int = 400
#: FFT size.
N_FFT: int = 512
#: Number of mel bands.
N_MELS: int = 80
#: Feature frame rate (frames per second).
FEATURE_FPS: float = SAMPLE_RATE_HZ / HOP
#: Floor added to mel power before the log (-100 dB).
LOG_FLOOR: float = 1e-10


@dataclass(frozen=True)
class MelConfig:
    """Front-end parameters (frozen; the defaults are the shipped model's).

    Attributes:
        sample_rate_hz: input rate in Hz.
        hop: hop in samples.
        win: Hann window length in samples.
        n_fft: FFT size (>= win).
        n_mels: mel bands.
        fmin_hz, fmax_hz: mel filterbank range in Hz.
    """

    sample_rate_hz: int = SAMPLE_RATE_HZ
    hop: int = HOP
    win: int = WIN
    n_fft: int = N_FFT
    n_mels: int = N_MELS
    fmin_hz: float = 0.0
    fmax_hz: float = 8000.0


def num_feature_frames(num_samples: int, hop: int = HOP) -> int:
    """Frames produced for ``num_samples`` samples: ``ceil(num_samples / hop)`` (>= 1)."""
    return max(1, -(-int(num_samples) // hop))


def _hz_to_mel(f):
    """Slaney mel scale: linear (200/3 Hz per mel) below 1 kHz, logarithmic above."""
    f = np.asarray(f, dtype=np.float64)
    f_sp = 200.0 / 3
    mel = f / f_sp
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-9) / min_log_hz) / logstep, mel)


def _mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp = 200.0 / 3
    min_log_hz = 1000.0
    min_log_mel = min_log_hz / f_sp
    logstep = np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def mel_filterbank(cfg: MelConfig = MelConfig()) -> np.ndarray:
    """Slaney-normalised triangular mel filterbank.

    Returns:
        ``(n_mels, n_fft // 2 + 1)`` float32; each triangle has unit area (Slaney "area" norm).
    """
    n_bins = cfg.n_fft // 2 + 1
    fft_hz = np.linspace(0.0, cfg.sample_rate_hz / 2.0, n_bins)
    mel_pts = np.linspace(_hz_to_mel(cfg.fmin_hz), _hz_to_mel(cfg.fmax_hz), cfg.n_mels + 2)
    hz_pts = _mel_to_hz(mel_pts)
    fdiff = np.diff(hz_pts)
    ramps = hz_pts[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (hz_pts[2:] - hz_pts[:-2]))[:, None]
    return weights.astype(np.float32)


_FB_CACHE: dict[MelConfig, np.ndarray] = {}


def _filterbank(cfg: MelConfig) -> np.ndarray:
    fb = _FB_CACHE.get(cfg)
    if fb is None:
        fb = _FB_CACHE[cfg] = mel_filterbank(cfg)
    return fb


def _power_range(x: np.ndarray, start_frame: int, stop_frame: int, cfg: MelConfig) -> np.ndarray:
    """Power spectra of centred frames ``[start_frame, stop_frame)`` of the 1-D signal ``x``."""
    half = cfg.win // 2
    s0 = start_frame * cfg.hop - half
    s1 = (stop_frame - 1) * cfg.hop - half + cfg.win
    seg = np.zeros(s1 - s0, np.float32)
    a, b = max(s0, 0), min(s1, x.shape[0])
    if b > a:
        seg[a - s0:b - s0] = x[a:b]
    n = stop_frame - start_frame
    frames = np.lib.stride_tricks.as_strided(
        seg, shape=(n, cfg.win), strides=(seg.strides[0] * cfg.hop, seg.strides[0]), writeable=False)
    window = np.hanning(cfg.win + 1)[:-1].astype(np.float32)  # periodic Hann (torch.hann_window)
    spec = np.fft.rfft(frames * window, n=cfg.n_fft, axis=1)
    return (spec.real ** 2 + spec.imag ** 2).astype(np.float32)


def power_spectrogram(samples: np.ndarray, cfg: MelConfig = MelConfig()) -> np.ndarray:
    """Centred short-time power spectrum.

    Args:
        samples: ``(N,)`` float32 audio at ``cfg.sample_rate_hz``, N >= 1.

    Returns:
        ``(T, n_fft // 2 + 1)`` float32 power, ``T = ceil(N / hop)``; frame ``i`` is centred on
        sample ``i * hop`` with zero padding outside the signal.

    Raises:
        ValueError: ``samples`` is not a non-empty 1-D finite array.
    """
    x = _check_samples(samples)
    return _power_range(x, 0, num_feature_frames(x.shape[0], cfg.hop), cfg)


def log_mel(samples: np.ndarray, cfg: MelConfig = MelConfig()) -> np.ndarray:
    """Natural-log mel power spectrogram: the lip-sync model's input.

    Args:
        samples: ``(N,)`` float32 mono audio at 16 kHz (``inference.audio.Audio.samples``).
        cfg: front-end parameters (default = the shipped model's).

    Returns:
        ``(T, n_mels)`` float32, ``T = ceil(N / hop)``, values ``ln(mel_power + 1e-10)``
        (about -23 for digital silence, ~0..10 for loud speech).

    Raises:
        ValueError: empty, non-1-D or non-finite ``samples``.
    """
    x = _check_samples(samples)
    return log_mel_range(x, 0, num_feature_frames(x.shape[0], cfg.hop), cfg)


def log_mel_range(samples: np.ndarray, start_frame: int, stop_frame: int,
                  cfg: MelConfig = MelConfig()) -> np.ndarray:
    """Frames ``[start_frame, stop_frame)`` of :func:`log_mel` of the whole ``samples``,
    computed from only the samples those frames see (chunked, memory-bounded inference).

    Returns:
        ``(stop_frame - start_frame, n_mels)`` float32, equal to
        ``log_mel(samples)[start_frame:stop_frame]`` (tested).

    Raises:
        ValueError: bad ``samples`` or a frame range outside ``[0, ceil(N / hop)]``.
    """
    x = _check_samples(samples)
    total = num_feature_frames(x.shape[0], cfg.hop)
    if not (0 <= start_frame < stop_frame <= total):
        raise ValueError(
            f"frame range: expected 0 <= start < stop <= {total}, found [{start_frame}, {stop_frame})")
    power = _power_range(x, start_frame, stop_frame, cfg)
    return np.log(power @ _filterbank(cfg).T + LOG_FLOOR).astype(np.float32)


def _check_samples(samples) -> np.ndarray:
    x = np.asarray(samples)
    if x.ndim != 1 or x.shape[0] == 0:
        raise ValueError(f"samples: expected a non-empty (N,) mono array, found shape {x.shape}")
    x = x.astype(np.float32, copy=False)
    if not np.all(np.isfinite(x)):
        raise ValueError("samples: contains NaN or infinite values")
    return np.ascontiguousarray(x)
