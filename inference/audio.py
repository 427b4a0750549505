"""Audio loading: any file libsndfile reads (wav, flac, ogg, mp3) -> 16 kHz mono float32.

Decoding is done by ``soundfile`` (libsndfile >= 1.1 reads MP3), resampling by ``soxr``
(SoX resampler, "HQ" quality). Nothing here is our own DSP.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
from .errors import InputError

#: Sample rate of every model and analysis in this project (Hz).
SAMPLE_RATE_HZ: int = 16000
#: Shortest audio accepted (seconds): one 30 fps frame.
MIN_DURATION_S: float = 1.0 / 30.0


class AudioError(InputError):
    """Audio that cannot be used: unreadable, empty, too short or not finite."""

    code = "audio"


@dataclass(frozen=True)
class Audio:
    """Mono speech at :data:`SAMPLE_RATE_HZ`.

    Attributes:
        samples: ``(N,)`` float32, nominally in ``[-1, 1]``.
        sample_rate_hz: always :data:`SAMPLE_RATE_HZ` after :func:`load_audio`/:func:`prepare_audio`.
        source_rate_hz: the rate of the original file or array.
        path: source file, ``""`` for in-memory audio.
    """

    samples: np.ndarray
    sample_rate_hz: int
    source_rate_hz: int
    path: str = ""

    @property
    def duration_s(self) -> float:
        """Duration in seconds."""
        return self.samples.shape[0] / float(self.sample_rate_hz)


def is_audio(obj) -> bool:
    """True when ``obj`` is an :class:`Audio`, also one made by this module under its other import
    name: the same file is ``inference.audio`` in plain Python and
    ``bl_ext.<repo>.speech_animator.inference.audio`` inside Blender, two distinct classes for
    ``isinstance``. Such an object is recognised by its class name and its :class:`Audio` fields."""
    return isinstance(obj, Audio) or (type(obj).__name__ == Audio.__name__ and all(
        hasattr(obj, f) for f in ("samples", "sample_rate_hz", "source_rate_hz", "path")))


def prepare_audio(samples, sample_rate_hz: int, path: str = "") -> Audio:
    """Validate, downmix and resample raw samples to 16 kHz mono float32.

    Args:
        samples: ``(N,)`` mono or ``(N, C)`` multichannel, any real dtype (ints are scaled to
            ``[-1, 1]`` by their full range).
        sample_rate_hz: rate of ``samples`` in Hz (> 0).
        path: source name, only used in messages and :attr:`Audio.path`.

    Returns:
        :class:`Audio` at :data:`SAMPLE_RATE_HZ`.

    Raises:
        AudioError: empty, shorter than :data:`MIN_DURATION_S`, NaN/inf samples, bad rate or
            bad shape. The message names the input, the expectation and what was found.
    """
    name = path or "audio"
    arr = np.asarray(samples)
    if not (isinstance(sample_rate_hz, (int, np.integer)) and sample_rate_hz > 0):
        raise AudioError(f"{name}: expected a positive integer sample rate, found {sample_rate_hz!r}")
    if arr.ndim == 2:
        arr = arr.astype(np.float32, copy=False) if arr.dtype.kind == "f" else _int_to_float(arr)
        arr = arr.mean(axis=1)
    elif arr.ndim == 1:
        arr = arr.astype(np.float32, copy=False) if arr.dtype.kind == "f" else _int_to_float(arr)
    else:
        raise AudioError(f"{name}: expected samples of shape (N,) or (N, channels), found {arr.shape}")
    if arr.shape[0] == 0:
        raise AudioError(f"{name}: the audio is empty (0 samples)")
    if not np.all(np.isfinite(arr)):
        raise AudioError(f"{name}: contains NaN or infinite samples")
    duration_s = arr.shape[0] / float(sample_rate_hz)
    if duration_s < MIN_DURATION_S:
        raise AudioError(
            f"{name}: expected at least {MIN_DURATION_S * 1000:.0f} ms of audio, "
            f"found {arr.shape[0]} samples ({duration_s * 1000:.2f} ms)"
        )
    if sample_rate_hz != SAMPLE_RATE_HZ:
        import soxr

        arr = soxr.resample(arr, sample_rate_hz, SAMPLE_RATE_HZ, quality="HQ")
    return Audio(np.ascontiguousarray(arr, dtype=np.float32), SAMPLE_RATE_HZ, int(sample_rate_hz), path)


def load_audio(path: str | os.PathLike) -> Audio:
    """Read an audio file and return it as 16 kHz mono float32.

    Args:
        path: a file libsndfile can decode (WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF, ...).

    Raises:
        AudioError: the file is missing, not decodable, or fails :func:`prepare_audio`'s checks.
    """
    import soundfile as sf

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise AudioError(f"{path}: audio file not found")
    try:
        data, rate = sf.read(path, dtype="float32", always_2d=True)
    except Exception as exc:  # libsndfile raises its own error types
        raise AudioError(
            f"{path}: cannot decode audio ({exc}); expected WAV, FLAC, OGG or MP3"
        ) from exc
    return prepare_audio(data, int(rate), path)


def _int_to_float(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind not in "iu":
        raise AudioError(f"audio: expected numeric samples, found dtype {arr.dtype}")
    info = np.iinfo(arr.dtype)
    scale = max(abs(info.min), info.max)
    offset = 0.0 if info.min < 0 else (info.max + 1) / 2.0
    return ((arr.astype(np.float64) - offset) / scale).astype(np.float32)
