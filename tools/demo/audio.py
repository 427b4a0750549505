"""Regenerate the bundled demo speech clip ``assets/demo_speech.flac``.

The clip is synthesised by the project itself with the ``espeak-ng`` text-to-speech front end
driving the MBROLA ``us2`` diphone voice (Debian packages ``espeak-ng``, ``mbrola``, ``mbrola-us2``;
see ``assets/README.md`` for licences). Each sentence is synthesised separately and the pieces
are joined with fixed pauses, after a leading silence of :data:`LEADING_SILENCE_S`, so the clip
has clear speech / pause structure for the demo. Output: 16 kHz mono 16-bit FLAC, peak
normalised to :data:`PEAK_DBFS`. The same text, voice and settings always give the same samples.

Usage::

    .venv/bin/python -m tools.demo.audio [--out assets/demo_speech.flac] [--voice mb-us2]

Falls back to the plain ``espeak-ng`` English voice when MBROLA is not installed
(``--voice en-us``); the bundled file was made with ``mb-us2``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

#: Output sample rate (Hz); the MBROLA us2 database is recorded at 16 kHz.
SAMPLE_RATE_HZ: int = 16000
#: Digital silence before the first word (seconds); tests check the mouth rests here.
LEADING_SILENCE_S: float = 0.5
#: Silence after the last word (seconds).
TRAILING_SILENCE_S: float = 0.4
#: Peak level after normalisation (dB relative to full scale).
PEAK_DBFS: float = -3.0
#: Speaking rate passed to ``espeak-ng -s`` (words per minute).
WORDS_PER_MINUTE: int = 160

#: (sentence, pause after it in seconds). Mixed vowels, bilabials (m, b, p), rounded vowels
#: (oo, o) and labiodentals (f, v) so every main mouth shape appears.
SCRIPT: tuple[tuple[str, float], ...] = (
    ("Hello! I am the Speech Animator demo.", 0.6),
    ("Every word you hear moves my jaw, my lips, and my tongue.", 0.5),
    ("Big movements, small details, and a few pauses.", 0.7),
    ("Thank you for watching.", 0.0),
)


def synthesize(text: str, voice: str, wpm: int = WORDS_PER_MINUTE) -> np.ndarray:
    """Synthesise one sentence with espeak-ng; return ``(N,)`` float32 at :data:`SAMPLE_RATE_HZ`.

    Raises:
        RuntimeError: espeak-ng is missing or fails (the message gives the install command).
    """
    import soundfile as sf

    from inference.audio import prepare_audio

    exe = shutil.which("espeak-ng")
    if exe is None:
        raise RuntimeError("espeak-ng not found; install it with: apt-get install -y espeak-ng mbrola mbrola-us2")
    with tempfile.TemporaryDirectory() as tmp:
        wav = os.path.join(tmp, "s.wav")
        proc = subprocess.run([exe, "-v", voice, "-s", str(wpm), "-w", wav, text],
                              capture_output=True, text=True)
        if proc.returncode != 0 or not os.path.isfile(wav) or os.path.getsize(wav) < 100:
            raise RuntimeError(f"espeak-ng -v {voice} failed (exit {proc.returncode}): {proc.stderr.strip()}")
        data, rate = sf.read(wav, dtype="float32", always_2d=True)
    return prepare_audio(data, int(rate)).samples


def _trim(x: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    """Cut synthesiser padding: keep samples between the first and last above ``threshold``."""
    idx = np.flatnonzero(np.abs(x) > threshold * max(float(np.abs(x).max()), 1e-9))
    return x[idx[0]: idx[-1] + 1] if idx.size else x[:0]


def build_clip(voice: str) -> np.ndarray:
    """Synthesise :data:`SCRIPT` and join it with its pauses; ``(N,)`` float32 in [-1, 1]."""
    pieces = [np.zeros(int(round(LEADING_SILENCE_S * SAMPLE_RATE_HZ)), np.float32)]
    for text, pause_s in SCRIPT:
        speech = _trim(synthesize(text, voice))
        fade = min(80, speech.size // 2)  # 5 ms fades so cuts do not click
        ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
        speech[:fade] *= ramp
        speech[speech.size - fade:] *= ramp[::-1]
        pieces += [speech, np.zeros(int(round(pause_s * SAMPLE_RATE_HZ)), np.float32)]
    pieces.append(np.zeros(int(round(TRAILING_SILENCE_S * SAMPLE_RATE_HZ)), np.float32))
    clip = np.concatenate(pieces)
    peak = float(np.abs(clip).max())
    return (clip * (10.0 ** (PEAK_DBFS / 20.0) / peak)).astype(np.float32)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit code."""
    import soundfile as sf

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("assets/demo_speech.flac"))
    ap.add_argument("--voice", default="mb-us2", help="espeak-ng voice (default: mb-us2)")
    args = ap.parse_args(argv)
    try:
        clip = build_clip(args.voice)
    except RuntimeError as exc:
        print(f"tools.demo.audio: {exc}", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(args.out, clip, SAMPLE_RATE_HZ, subtype="PCM_16", format="FLAC")
    print(f"wrote {args.out}: {clip.size / SAMPLE_RATE_HZ:.2f} s, {args.out.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
