"""Per-character audio of a dialogue scene on one timeline, and who speaks when.

Two sources (see :mod:`inference.conversation`):

* separate files: each line is placed at its start time in a silent buffer as long as the scene;
* one multichannel file, one speaker per channel: each channel is one character. Close microphones
  pick up the other speakers too (cross-talk bleed); a channel's frame counts as its own speech only
  when the shared voice-activity detector (:func:`inference.prosody.analyze_prosody`: WebRTC VAD and
  the energy gate of :mod:`inference.signal_ops`) calls it speech AND it is not more than
  :data:`BLEED_MARGIN_DB` below another channel that also speaks there. Frames that are not the
  channel's own speech are muted (50 ms ramps) so the face does not mouth the other speaker.

Everything is 16 kHz mono float32 (:data:`inference.audio.SAMPLE_RATE_HZ`).
"""

from __future__ import annotations

import os
from dataclasses import replace

import numpy as np

from .audio import (SAMPLE_RATE_HZ, Audio, AudioError, check_container, check_random_data, prepare_audio,
                    read_audio_file)
from .prosody import GAP_FILL_S, PROSODY_FPS, SPEECH_MIN_S, HOP_SAMPLES, analyze_prosody
from .signal_ops import drop_short, fill_gaps, hann_smooth

#: A channel this many dB (frame RMS) below another speaking channel is that speaker's bleed.
#: Close-talking or lavalier microphones 1-2 m apart typically separate speakers by 15-30 dB;
#: 10 dB keeps genuine overlapping speech (both channels at their own level) on both channels.
BLEED_MARGIN_DB: float = 10.0
#: Window (s) over which channel levels are compared.
LEVEL_WINDOW_S: float = 0.15
#: Ramp (s) of the mute applied outside a channel's own speech.
MUTE_RAMP_S: float = 0.05


def place_lines(lines, duration_s: float, name: str) -> Audio:
    """Mix a character's lines into one silent buffer of ``duration_s`` seconds.

    Args:
        lines: sequence of ``(audio, start_s)`` with ``audio`` an :class:`Audio` (16 kHz) and
            ``start_s`` >= 0 seconds on the scene timeline.
        duration_s: scene length (s) > 0; a line running past it is cut.
        name: the character, for messages and :attr:`Audio.path`.

    Returns:
        :class:`Audio` of ``round(duration_s * 16000)`` samples, float32.

    Raises:
        AudioError: a line that is not 16 kHz, or a negative start time.
    """
    n = max(1, int(round(duration_s * SAMPLE_RATE_HZ)))
    out = np.zeros(n, np.float32)
    warnings = []
    for audio, start_s in lines:
        if audio.sample_rate_hz != SAMPLE_RATE_HZ:
            raise AudioError(f"{name}: line {audio.path or 'audio'}: expected {SAMPLE_RATE_HZ} Hz, "
                             f"found {audio.sample_rate_hz} Hz")
        if start_s < 0:
            raise AudioError(f"{name}: line {audio.path or 'audio'}: expected start_s >= 0, found {start_s}")
        i0 = int(round(start_s * SAMPLE_RATE_HZ))
        seg = audio.samples[: max(0, n - i0)]
        out[i0:i0 + seg.shape[0]] += seg
        warnings += list(audio.warnings)
    return Audio(out, SAMPLE_RATE_HZ, SAMPLE_RATE_HZ, name, tuple(warnings))


def load_channels(path: str | os.PathLike) -> list[Audio]:
    """Read every channel of a file as its own 16 kHz mono :class:`Audio`.

    The file is decoded once; the checks of :func:`inference.audio.load_audio` run on what it
    holds: the container's (header vs decoded duration, OGG end-of-stream, trailing bytes) on the
    file, :func:`inference.audio.prepare_audio`'s and the random-data check on each channel.

    Returns:
        one :class:`Audio` per channel, in file order, ``path`` = ``"<file>#<channel>"``; its
        ``warnings``: the file's (trailing bytes) and the channel's own (a burst of random data).

    Raises:
        AudioError: missing, undecodable or truncated file; a channel that is empty, too short,
            not finite or mostly random data (the message names ``<file>#<channel>``).
    """
    import soundfile as sf

    path, (info, (data, rate)) = read_audio_file(
        path, lambda p: (sf.info(p), sf.read(p, dtype="float32", always_2d=True)))
    warnings = check_container(path, info, data.shape[0] / float(rate))
    out = []
    for c in range(data.shape[1]):
        channel = prepare_audio(data[:, c], int(rate), f"{path}#{c}")
        out.append(replace(channel, warnings=tuple(warnings + check_random_data(channel))))
    return out


def own_speech(channels: list[Audio]) -> list[np.ndarray]:
    """Each channel's own speech at :data:`inference.prosody.PROSODY_FPS`, bleed removed.

    Args:
        channels: equally long 16 kHz :class:`Audio`, one speaker each.

    Returns:
        one ``(N,)`` bool mask per channel (N = prosody frames of the shortest channel): the
        VAD's speech minus the frames where the channel's level (power-averaged over
        :data:`LEVEL_WINDOW_S`) is more than :data:`BLEED_MARGIN_DB` below a speaking channel's.

    Raises:
        AudioError: fewer than one channel.
    """
    if not channels:
        raise AudioError("stereo dialogue: expected at least one channel, found none")
    pros = [analyze_prosody(ch) for ch in channels]
    n = min(p.num_frames for p in pros)
    speech = np.stack([p.speech[:n] for p in pros])          # (C, N)
    # levels compared over ~150 ms (power average): the gaps between syllables take the level of
    # the syllables around them instead of both channels' noise floor
    width = int(round(LEVEL_WINDOW_S * PROSODY_FPS))
    energy = np.stack([10.0 * np.log10(np.maximum(hann_smooth(10.0 ** (p.energy_db[:n] / 10.0), width, edge=True),
                                                  1e-12)) for p in pros])
    out = []
    for c in range(len(channels)):
        others = [d for d in range(len(channels)) if d != c]
        bleed = np.zeros(n, bool)
        for d in others:
            bleed |= speech[d] & (energy[c] < energy[d] - BLEED_MARGIN_DB)
        own = speech[c] & ~bleed
        own = fill_gaps(own, int(round(GAP_FILL_S * PROSODY_FPS)))
        out.append(drop_short(own, int(round(SPEECH_MIN_S * PROSODY_FPS))))
    return out


def mute_outside(audio: Audio, mask: np.ndarray) -> Audio:
    """``audio`` with every sample outside ``mask`` (``(N,)`` bool at 100 fps) faded to zero."""
    width = max(1, int(round(MUTE_RAMP_S * PROSODY_FPS)))
    gain = hann_smooth(mask.astype(np.float64), 2 * width + 1)
    gain = np.maximum(gain, mask)  # full level inside the speech itself
    n = audio.samples.shape[0]
    t = (np.arange(n) + 0.5) / HOP_SAMPLES
    g = np.interp(t, np.arange(gain.shape[0]) + 0.5, gain, left=gain[0] if gain.size else 0.0,
                  right=0.0)
    return Audio((audio.samples * g).astype(np.float32), SAMPLE_RATE_HZ, audio.source_rate_hz, audio.path,
                 audio.warnings)
