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

The STFT (:func:`power_range`) and the filterbank (:func:`mel_filterbank`, Slaney or HTK scale,
with or without area norm) are the only ones in the package: :mod:`inference.prosody` (onset
strength, HTK) and :mod:`inference.analysis` (the face gate's band energies) use them with their own
:class:`MelConfig`; ``tests/test_features.py`` pins both scales against the textbook formulas.
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


#: Mel scales :func:`mel_filterbank` knows (:attr:`MelConfig.mel_scale`).
MEL_SCALES: tuple[str, ...] = ("slaney", "htk")


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
        mel_scale: ``"slaney"`` (Slaney 1998, librosa's ``htk=False``) or ``"htk"``
            (``2595 log10(1 + f / 700)``, Young et al., HTK Book).
        area_norm: scale each triangle to unit area (Slaney's "area" norm, librosa's
            ``norm="slaney"``); ``False``: triangles peak at 1.
        periodic_window: periodic Hann (``torch.hann_window``, the model's) or, when ``False``,
            the symmetric one (``np.hanning``).
    """

    sample_rate_hz: int = SAMPLE_RATE_HZ
    hop: int = HOP
    win: int = WIN
    n_fft: int = N_FFT
    n_mels: int = N_MELS
    fmin_hz: float = 0.0
    fmax_hz: float = 8000.0
    mel_scale: str = "slaney"
    area_norm: bool = True
    periodic_window: bool = True


def num_feature_frames(num_samples: int, hop: int = HOP) -> int:
    """Frames produced for ``num_samples`` samples: ``ceil(num_samples / hop)`` (>= 1)."""
    return max(1, -(-int(num_samples) // hop))


def hz_to_mel(f, scale: str = "slaney"):
    """Frequency (Hz, scalar or array) -> mel.

    ``"slaney"``: linear below 1 kHz (200/3 Hz per mel, so 1 kHz is mel 15), logarithmic above
    (a factor 6.4 every 27 mels), Slaney's Auditory Toolbox (1998). ``"htk"``:
    ``2595 log10(1 + f / 700)`` (HTK Book).

    Raises:
        ValueError: unknown ``scale`` (choices: :data:`MEL_SCALES`).
    """
    f = np.asarray(f, dtype=np.float64)
    if scale == "htk":
        return 2595.0 * np.log10(1.0 + f / 700.0)
    _check_scale(scale)
    mel = f / _F_SP
    return np.where(f >= _MIN_LOG_HZ, _MIN_LOG_MEL + np.log(np.maximum(f, 1e-9) / _MIN_LOG_HZ) / _LOGSTEP, mel)


def mel_to_hz(m, scale: str = "slaney"):
    """Mel (scalar or array) -> frequency in Hz, the inverse of :func:`hz_to_mel`."""
    m = np.asarray(m, dtype=np.float64)
    if scale == "htk":
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    _check_scale(scale)
    return np.where(m >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL)), _F_SP * m)


# Slaney scale constants (Auditory Toolbox): 200/3 Hz per mel below 1 kHz, log step ln(6.4)/27 above.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def _check_scale(scale: str) -> None:
    if scale not in MEL_SCALES:
        raise ValueError(f"mel scale: expected one of {', '.join(map(repr, MEL_SCALES))}, found {scale!r}")


def mel_filterbank(cfg: MelConfig = MelConfig()) -> np.ndarray:
    """Triangular mel filterbank on ``cfg.mel_scale``.

    ``n_mels + 2`` points equally spaced in mel from ``fmin_hz`` to ``fmax_hz``; band ``m`` rises
    linearly (in Hz) from point ``m`` to ``m + 1`` and falls to ``m + 2``, sampled at the FFT bin
    frequencies ``k * sample_rate_hz / n_fft``.

    Returns:
        ``(n_mels, n_fft // 2 + 1)`` float32 >= 0; with ``cfg.area_norm`` each triangle is scaled
        by ``2 / (f[m + 2] - f[m])`` (unit area, Slaney "area" norm), else it peaks at 1.

    Raises:
        ValueError: unknown ``cfg.mel_scale``.
    """
    n_bins = cfg.n_fft // 2 + 1
    fft_hz = np.linspace(0.0, cfg.sample_rate_hz / 2.0, n_bins)
    mel_pts = np.linspace(hz_to_mel(cfg.fmin_hz, cfg.mel_scale), hz_to_mel(cfg.fmax_hz, cfg.mel_scale),
                          cfg.n_mels + 2)
    hz_pts = mel_to_hz(mel_pts, cfg.mel_scale)
    fdiff = np.diff(hz_pts)
    ramps = hz_pts[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    if cfg.area_norm:
        weights *= (2.0 / (hz_pts[2:] - hz_pts[:-2]))[:, None]
    return weights.astype(np.float32)


_FB_CACHE: dict[MelConfig, np.ndarray] = {}


def filterbank(cfg: MelConfig = MelConfig()) -> np.ndarray:
    """:func:`mel_filterbank` of ``cfg``, computed once per config (read-only, cached)."""
    fb = _FB_CACHE.get(cfg)
    if fb is None:
        fb = mel_filterbank(cfg)
        fb.setflags(write=False)
        _FB_CACHE[cfg] = fb
    return fb


def power_range(x: np.ndarray, start_frame: int, stop_frame: int, cfg: MelConfig = MelConfig()) -> np.ndarray:
    """Power spectra of the centred frames ``[start_frame, stop_frame)`` of a signal.

    Frame ``i`` is the ``cfg.win`` samples centred on sample ``i * cfg.hop`` (zeros outside
    ``x``), Hann-windowed (periodic or symmetric, ``cfg.periodic_window``) and zero-padded to
    ``cfg.n_fft``. Only the samples those frames see are touched (chunked analysis).

    Args:
        x: ``(N,)`` float32 C-contiguous samples (:func:`check_samples` output).
        start_frame, stop_frame: frame range, ``start_frame < stop_frame``.

    Returns:
        ``(stop_frame - start_frame, n_fft // 2 + 1)`` float32 power ``|X|^2``.
    """
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
    if cfg.periodic_window:
        window = np.hanning(cfg.win + 1)[:-1].astype(np.float32)  # periodic Hann (torch.hann_window)
    else:
        window = np.hanning(cfg.win).astype(np.float32)
    # Blocks of _FFT_BLOCK frames through one zero-padded float64 buffer: the numbers of one
    # float32-windowed, float64 FFT of the whole range (each frame's FFT is its own; numpy 1 always
    # computes float64, numpy 2 would compute float32 for float32 input, hence the buffer's dtype),
    # 2-3x faster than that one call, which allocated (and page-faulted) ~90 MB per minute of audio.
    # The windowed frames (float32 products, as before), the real and imaginary squares reuse
    # their block buffers too: no temporaries per block.
    out = np.empty((n, cfg.n_fft // 2 + 1), np.float32)
    m = min(_FFT_BLOCK, n)
    buf = np.zeros((m, cfg.n_fft), np.float64)
    windowed = np.empty((m, cfg.win), np.float32)
    power, imag2 = np.empty((2, m, cfg.n_fft // 2 + 1))
    for i in range(0, n, _FFT_BLOCK):
        j = min(i + _FFT_BLOCK, n)
        k = j - i
        np.multiply(frames[i:j], window, out=windowed[:k])
        buf[:k, :cfg.win] = windowed[:k]
        spec = np.fft.rfft(buf[:k], axis=1)
        np.square(spec.real, out=power[:k])
        np.square(spec.imag, out=imag2[:k])
        power[:k] += imag2[:k]
        out[i:j] = power[:k]
    return out


#: Frames per FFT block in :func:`power_range` (256: ~1 MB of float64 buffer, fastest of 64-1024 here).
_FFT_BLOCK: int = 256


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
    x = check_samples(samples)
    return power_range(x, 0, num_feature_frames(x.shape[0], cfg.hop), cfg)


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
    x = check_samples(samples)
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
    x = check_samples(samples, check_finite=False)
    total = num_feature_frames(x.shape[0], cfg.hop)
    if not (0 <= start_frame < stop_frame <= total):
        raise ValueError(
            f"frame range: expected 0 <= start < stop <= {total}, found [{start_frame}, {stop_frame})")
    # only the samples these frames see are checked: checking all of them per chunk made chunked
    # inference quadratic in the clip length
    seen = x[max(start_frame * cfg.hop - cfg.win, 0):(stop_frame * cfg.hop + cfg.win)]
    if not np.all(np.isfinite(seen)):
        raise ValueError("samples: contains NaN or infinite values")
    return log_mel_of_power(power_range(x, start_frame, stop_frame, cfg), cfg)


def log_mel_of_power(power: np.ndarray, cfg: MelConfig = MelConfig()) -> np.ndarray:
    """``ln(power @ mel_filterbank(cfg).T + LOG_FLOOR)``: the log-mel of :func:`power_range` rows.

    :func:`log_mel_range` is this of :func:`power_range`; a caller that already holds the power
    spectrum of those frames (:meth:`inference.analysis.AudioAnalysis.log_mel`) skips the STFT.
    The matrix product is BLAS's, whose rounding can depend on the number of rows: a chunk's
    log-mel is bit-identical to :func:`log_mel_range` of that chunk only when it is called on the
    same rows (tested), not on a slice of a longer product.

    Args:
        power: ``(T, n_fft // 2 + 1)`` float32 power spectra (:func:`power_range` of ``cfg``).

    Returns:
        ``(T, n_mels)`` float32 natural-log mel power.
    """
    return np.log(power @ filterbank(cfg).T + LOG_FLOOR).astype(np.float32)


def check_samples(samples, check_finite: bool = True) -> np.ndarray:
    """``samples`` as a C-contiguous ``(N,)`` float32 array.

    Args:
        check_finite: also reject NaN / infinite values (``False``: the caller checks the part it reads).

    Raises:
        ValueError: not a non-empty 1-D array, or (``check_finite``) NaN / infinite values.
    """
    x = np.asarray(samples)
    if x.ndim != 1 or x.shape[0] == 0:
        raise ValueError(f"samples: expected a non-empty (N,) mono array, found shape {x.shape}")
    x = x.astype(np.float32, copy=False)
    if check_finite and not np.all(np.isfinite(x)):
        raise ValueError("samples: contains NaN or infinite values")
    return np.ascontiguousarray(x)
