"""Audio loading: any file libsndfile reads (wav, flac, ogg, mp3) -> 16 kHz mono float32.

Decoding is done by ``soundfile`` (libsndfile >= 1.1 reads MP3), resampling by ``soxr``
(SoX resampler, "HQ" quality). Files are decoded and resampled block by block (memory holds the
16 kHz result, not the whole file at its own rate). Damaged files are caught, never passed on as
"ok" (see :func:`load_audio`): a header that declares more audio than the file holds, an OGG stream
without its end, bytes after the audio data, and samples that are random data rather than sound.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np
from .errors import InputError

#: Sample rate of every model and analysis in this project (Hz).
SAMPLE_RATE_HZ: int = 16000
#: Shortest audio accepted (seconds): one 30 fps frame.
MIN_DURATION_S: float = 1.0 / 30.0
#: A header may declare this much more audio than decodes before the file counts as truncated (s).
TRUNCATION_TOLERANCE_S: float = 0.05
#: Decoding block (frames at the file's rate) of the streamed decode.
DECODE_BLOCK_FRAMES: int = 1 << 18
#: Random-data check: 32 ms frames whose spectral flatness (100 Hz .. 7 kHz, geometric / arithmetic
#: mean power) exceeds this and whose level exceeds :data:`NOISE_LEVEL_DBFS` are "random data".
#: White noise measures ~0.56 (e^-gamma for exponential periodogram bins); on the 37 real speech
#: clips, 30 Common Voice clips, 20 FSDD digits and the BEAT2 take in ``../shared/data`` no frame passes.
NOISE_FLATNESS: float = 0.4
NOISE_LEVEL_DBFS: float = -20.0
#: More than this fraction of random-data frames is an error; a shorter run of at least
#: :data:`NOISE_RUN_S` seconds is a warning naming where it is.
NOISE_ERROR_FRACTION: float = 0.5
NOISE_RUN_S: float = 1.0


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
        warnings: problems found while loading that did not stop it (trailing bytes, a burst of
            random data); reports must show them.
    """

    samples: np.ndarray
    sample_rate_hz: int
    source_rate_hz: int
    path: str = ""
    warnings: tuple[str, ...] = ()

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
    """Read an audio file and return it as 16 kHz mono float32 (decoded and resampled in blocks).

    Args:
        path: a file libsndfile can decode (WAV, FLAC, OGG/Vorbis, Opus, MP3, AIFF, ...).

    Returns:
        :class:`Audio`; :attr:`Audio.warnings` names bytes after the audio data and bursts of
        random data (seconds from the start).

    Raises:
        AudioError: the file is missing or not decodable; truncated (the header declares more than
            decodes; the message names both durations; an OGG stream without its end-of-stream
            page); mostly random data instead of sound; or it fails :func:`prepare_audio`'s checks.
    """
    import soundfile as sf

    path, (info, (data, rate)) = read_audio_file(path, lambda p: (sf.info(p), _decode_16k_mono(p)))
    warnings = list(check_container(path, info, data.shape[0] / float(SAMPLE_RATE_HZ)))
    audio = prepare_audio(data, SAMPLE_RATE_HZ, path)
    warnings += check_random_data(audio)
    return Audio(audio.samples, SAMPLE_RATE_HZ, int(rate), path, tuple(warnings))


def read_audio_file(path: str | os.PathLike, read):
    """``(path, read(path))`` with ``path`` as a ``str``: the file checks every decoder of this
    package shares (:func:`load_audio`, the multichannel and the windowed readers).

    Args:
        path: the audio file.
        read: ``read(path: str)``, typically ``soundfile`` calls on it.

    Raises:
        AudioError: ``path`` is not a file; ``read`` raised (libsndfile's own error types become
            "cannot decode audio (<its message>)"; an :class:`AudioError` passes unchanged).
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise AudioError(f"{path}: audio file not found")
    try:
        return path, read(path)
    except AudioError:
        raise
    except Exception as exc:  # libsndfile raises its own error types
        raise AudioError(f"{path}: cannot decode audio ({exc}); expected WAV, FLAC, OGG or MP3") from exc


def _decode_16k_mono(path: str) -> tuple[np.ndarray, int]:
    """Decode block by block, downmix, resample to 16 kHz with a streaming soxr; ``(samples, file_rate)``."""
    import soundfile as sf

    with sf.SoundFile(path) as f:
        rate = int(f.samplerate)
        resampler = None
        if rate != SAMPLE_RATE_HZ:
            import soxr

            resampler = soxr.ResampleStream(rate, SAMPLE_RATE_HZ, 1, dtype="float32", quality="HQ")
        parts, done = [], 0
        while True:
            try:
                block = f.read(DECODE_BLOCK_FRAMES, dtype="float32", always_2d=True)
            except Exception as exc:  # libsndfile's own error types
                declared = f.frames / float(rate) if f.frames > 0 else 0.0
                raise AudioError(f"{path}: cannot decode audio ({exc}) after {done / float(rate):.2f} s of the "
                                 f"{declared:.2f} s the header declares: truncated or damaged file") from exc
            done += block.shape[0]
            last = block.shape[0] < DECODE_BLOCK_FRAMES
            mono = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
            if not np.all(np.isfinite(mono)):
                raise AudioError(f"{path}: contains NaN or infinite samples")
            parts.append(resampler.resample_chunk(mono, last=last) if resampler else mono.copy())
            if last:
                break
    data = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return data.astype(np.float32, copy=False), rate


def check_container(path: str, info, decoded_s: float) -> list[str]:
    """Header vs decoded duration and libsndfile's parser log; raise for truncation, return warnings."""
    log = getattr(info, "extra_info", "") or ""
    warnings = []
    declared_s = float(info.frames) / info.samplerate if info.frames > 0 else 0.0
    m = re.search(r"^data\s*:\s*(\d+)\s*\(should be (\d+)\)", log, re.M)
    align = re.search(r"Block Align\s*:\s*(\d+)", log)
    if m and align and int(align.group(1)) > 0:
        declared_bytes = int(m.group(1))
        if declared_bytes in (0, 0xFFFFFFFF, 0x7FFFFFFF) or declared_bytes >= 0xFFFFFF00:
            warnings.append(f"{path}: the header gives no data length (streamed recording); "
                            f"{decoded_s:.2f} s decoded")
            declared_s = 0.0
        else:
            declared_s = declared_bytes / int(align.group(1)) / float(info.samplerate)
    if declared_s - decoded_s > TRUNCATION_TOLERANCE_S:
        raise AudioError(f"{path}: truncated file: the header declares {declared_s:.2f} s of audio, "
                         f"found {decoded_s:.2f} s that decode")
    if "lacks an end-of-stream" in log:
        raise AudioError(f"{path}: truncated file: the OGG stream ends without its end-of-stream page "
                         f"({decoded_s:.2f} s decode)")
    if re.search(r"Chunk size \d+ > file length|Unknown chunk marker|Junk after the last page", log):
        warnings.append(f"{path}: unreadable bytes after the audio data were ignored "
                        f"({decoded_s:.2f} s decoded, {declared_s or decoded_s:.2f} s declared)")
    return warnings


def check_random_data(audio: Audio) -> list[str]:
    """Raise when most of ``audio`` is random data (loud and spectrally flat); warn for a long burst."""
    frame = int(0.032 * SAMPLE_RATE_HZ)
    x = audio.samples
    n = x.shape[0] // frame
    if n == 0:
        return []
    freqs = np.fft.rfftfreq(frame, 1.0 / SAMPLE_RATE_HZ)
    band = (freqs >= 100.0) & (freqs <= 7000.0)
    window = np.hanning(frame).astype(np.float32)
    noisy = np.zeros(n, bool)
    step = 4096  # frames per chunk: bounded memory for hour-long files
    for a in range(0, n, step):
        b = min(n, a + step)
        frames = x[a * frame:b * frame].reshape(b - a, frame)
        level = 10.0 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-20)
        loud = np.flatnonzero(level > NOISE_LEVEL_DBFS)  # only loud frames can be noise: the rest skip the FFT
        if loud.size == 0:
            continue
        power = np.abs(np.fft.rfft((frames[loud] * window).astype(np.float64), axis=1))[:, band] ** 2 + 1e-20  # f64 on numpy 2 too
        flat = np.exp(np.mean(np.log(power), axis=1)) / np.mean(power, axis=1)
        noisy[a + loud] = flat > NOISE_FLATNESS
    fraction = float(noisy.mean())
    if fraction > NOISE_ERROR_FRACTION:
        raise AudioError(f"{audio.path or 'audio'}: expected sound, found random data: {fraction:.0%} of the "
                         f"{audio.duration_s:.2f} s is loud white noise (corrupt or not an audio file)")
    edges = np.diff(np.concatenate([[0], noisy.astype(np.int8), [0]]))
    starts, stops = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    if starts.size == 0:
        return []
    longest = int(np.argmax(stops - starts))  # the first of the longest runs
    best = (int(starts[longest]), int(stops[longest]))
    if (best[1] - best[0]) * frame / SAMPLE_RATE_HZ >= NOISE_RUN_S:
        t0, t1 = best[0] * frame / SAMPLE_RATE_HZ, best[1] * frame / SAMPLE_RATE_HZ
        return [f"{audio.path or 'audio'}: {t0:.2f} s .. {t1:.2f} s is loud white noise (random data?)"]
    return []


def _int_to_float(arr: np.ndarray) -> np.ndarray:
    if arr.dtype.kind not in "iu":
        raise AudioError(f"audio: expected numeric samples, found dtype {arr.dtype}")
    info = np.iinfo(arr.dtype)
    scale = max(abs(info.min), info.max)
    offset = 0.0 if info.min < 0 else (info.max + 1) / 2.0
    return ((arr.astype(np.float64) - offset) / scale).astype(np.float32)
