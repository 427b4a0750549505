"""Benchmark input: N seconds of real speech (bpy-free).

Real English clips from ``../shared/data/speech/en`` (LJ Speech, LibriSpeech, LibriVox, JFK;
see that folder's MANIFEST) are decoded, resampled to 16 kHz and concatenated in name order, looped
as needed, and cut to the requested duration. Without the shared data the bundled
``assets/demo_speech.flac`` is looped instead.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED_SPEECH = Path(os.environ.get("SPEECHANIM_SHARED_DATA", ROOT.parent / "shared" / "data")) / "speech" / "en"
DEMO_AUDIO = ROOT / "assets" / "demo_speech.flac"
AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")


@lru_cache(maxsize=1)
def _pool() -> tuple[np.ndarray, str]:
    from inference.audio import load_audio

    files = sorted(p for p in SHARED_SPEECH.glob("*") if p.suffix.lower() in AUDIO_SUFFIXES) \
        if SHARED_SPEECH.is_dir() else []
    if files:
        samples = np.concatenate([load_audio(p).samples for p in files])
        return samples, f"{len(files)} real English clips from {SHARED_SPEECH} ({samples.size / 16000:.0f} s, looped)"
    return load_audio(DEMO_AUDIO).samples, f"the bundled {DEMO_AUDIO.name} looped (shared speech data not found)"


def speech(duration_s: float):
    """``(Audio, description)``: ``duration_s`` seconds of concatenated real speech at 16 kHz."""
    from inference.audio import SAMPLE_RATE_HZ, prepare_audio

    pool, desc = _pool()
    n = int(round(duration_s * SAMPLE_RATE_HZ))
    reps = -(-n // pool.size)
    samples = np.tile(pool, reps)[:n]
    return prepare_audio(samples, SAMPLE_RATE_HZ, path=f"speech_{duration_s:g}s"), desc


def write_speech(duration_s: float, path: Path) -> tuple[Path, str]:
    """Write :func:`speech` to a 16-bit WAV (the bake benchmark goes through the file path)."""
    import soundfile as sf

    audio, desc = speech(duration_s)
    sf.write(str(path), audio.samples, audio.sample_rate_hz, subtype="PCM_16")
    return path, desc
