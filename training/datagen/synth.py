"""Speech synthesisers with exact phone timing: espeak-ng + MBROLA, festival, flite.

Each function returns a :class:`Synth`: 16 kHz mono float32 audio and ARPAbet phones whose times come
from the synthesiser itself (so they are exact for that audio):

- MBROLA: ``espeak-ng -v mb-XX --pho`` writes the MBROLA phone file (phone, duration ms, pitch
  points); the ``mbrola`` program renders exactly that file, so durations sum to the audio length.
  The MBROLA voices are used only through the mbrola program (their licence); nothing is bundled.
- festival: ``utt.synth`` then ``utt.save.segs`` (segment end times) and ``utt.save.wave``.
- flite: ``flite -psdur`` (segment end times) with ``-o`` to write the matching WAV.

Requires the Debian packages espeak-ng, mbrola, mbrola-us1/us2/us3/en1, festival,
festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts, flite (see docs/face-data.md).
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from .phonesets import FESTIVAL_TO_ARPABET, SAMPA_TO_ARPABET, to_arpabet

SAMPLE_RATE_HZ = 16000
MBROLA_VOICES = ("us1", "us2", "us3", "en1")
FESTIVAL_VOICES = ("kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts")
FLITE_VOICES = ("kal16", "awb", "rms", "slt", "kal")


class SynthError(RuntimeError):
    """A synthesiser failed or its phone times do not match its audio."""


@dataclass(frozen=True)
class Synth:
    """Synthesised utterance.

    Attributes:
        audio: ``(N,)`` float32 at 16 kHz.
        phone_start_s, phone_end_s: ``(P,)`` float64 seconds.
        phone_label: ``(P,)`` ARPAbet labels (``sil`` for pauses).
    """

    audio: np.ndarray
    phone_start_s: np.ndarray
    phone_end_s: np.ndarray
    phone_label: np.ndarray


def _run(cmd, **kw) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, check=True, capture_output=True, timeout=120, **kw)
    except FileNotFoundError as e:
        raise SynthError(f"{cmd[0]} is not installed (see docs/face-data.md)") from e
    except subprocess.CalledProcessError as e:
        raise SynthError(f"{' '.join(map(str, cmd[:4]))} failed: {e.stderr.decode(errors='replace')[-300:]}") from e


def _load16k(path: Path) -> np.ndarray:
    audio, sr = sf.read(str(path), dtype="float32", always_2d=True)
    audio = audio.mean(axis=1)
    if sr != SAMPLE_RATE_HZ:
        audio = soxr.resample(audio, sr, SAMPLE_RATE_HZ, quality="HQ").astype(np.float32)
    if audio.size == 0:
        raise SynthError(f"{path}: synthesiser wrote no audio")
    return audio


def _finish(audio, ends, labels, table) -> Synth:
    """Segment end times + labels -> Synth; sequences split evenly; clipped to the audio."""
    dur = len(audio) / SAMPLE_RATE_HZ
    st, en, lab = [], [], []
    prev = 0.0
    for e, raw in zip(ends, labels):
        phones = to_arpabet(raw, table)
        e = min(float(e), dur)
        step = (e - prev) / len(phones)
        for k, p in enumerate(phones):
            st.append(prev + k * step)
            en.append(prev + (k + 1) * step)
            lab.append(p)
        prev = max(prev, e)
    if not lab or prev < dur * 0.8:
        raise SynthError(f"phone times end at {prev:.2f} s but the audio lasts {dur:.2f} s")
    if prev < dur:
        st.append(prev)
        en.append(dur)
        lab.append("sil")
    keep = np.array(en) - np.array(st) > 1e-6
    return Synth(audio, np.array(st)[keep], np.array(en)[keep], np.array(lab)[keep])


def clean_text(text: str) -> str:
    """Letters, digits, spaces and . , ? ! ' only (safe for every synthesiser's command line)."""
    return re.sub(r"[^A-Za-z0-9 .,?!']", " ", text).strip()


def mbrola(text: str, voice: str, speed_wpm: int = 170, pitch: int = 50, freq_ratio: float = 1.0) -> Synth:
    """espeak-ng front end + MBROLA voice ``voice`` (us1 us2 us3 en1); ``freq_ratio`` scales F0."""
    if voice not in MBROLA_VOICES:
        raise ValueError(f"voice: expected one of {MBROLA_VOICES}, found {voice!r}")
    pho = _run(["espeak-ng", "-q", "-v", f"mb-{voice}", "-s", str(int(speed_wpm)), "-p", str(int(pitch)),
                "--pho", clean_text(text)]).stdout.decode()
    ends, labels, t = [], [], 0.0
    lines = []
    for line in pho.splitlines():
        parts = line.split()
        if len(parts) < 2 or line.startswith(";"):
            continue
        t += float(parts[1]) / 1000.0
        ends.append(t)
        labels.append(parts[0])
        lines.append(line)
    with tempfile.TemporaryDirectory() as tmp:
        pf, wf = Path(tmp) / "in.pho", Path(tmp) / "out.wav"
        pf.write_text("\n".join(lines) + "\n")
        db = Path("/usr/share/mbrola") / voice / voice
        _run(["mbrola", "-e", "-f", f"{freq_ratio:.3f}", str(db), str(pf), str(wf)])
        audio = _load16k(wf)
    if abs(len(audio) / SAMPLE_RATE_HZ - t) > 0.05:
        raise SynthError(f"mbrola {voice}: audio {len(audio) / SAMPLE_RATE_HZ:.3f} s != phones {t:.3f} s")
    return _finish(audio, ends, labels, SAMPA_TO_ARPABET)


def festival(text: str, voice: str, duration_stretch: float = 1.0) -> Synth:
    """festival voice ``voice`` (kal_diphone ked_diphone cmu_us_slt_arctic_hts), segments from utt.save.segs."""
    if voice not in FESTIVAL_VOICES:
        raise ValueError(f"voice: expected one of {FESTIVAL_VOICES}, found {voice!r}")
    with tempfile.TemporaryDirectory() as tmp:
        wf, sg, sc = Path(tmp) / "out.wav", Path(tmp) / "out.segs", Path(tmp) / "run.scm"
        sc.write_text(
            f"(voice_{voice})\n(Parameter.set 'Duration_Stretch {duration_stretch:.3f})\n"
            f"(set! utt (utt.synth (Utterance Text \"{clean_text(text)}\")))\n"
            f"(utt.save.wave utt \"{wf}\" 'riff)\n(utt.save.segs utt \"{sg}\")\n")
        _run(["festival", "-b", str(sc)])
        audio = _load16k(wf)
        ends, labels = [], []
        for line in sg.read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and not line.startswith("#"):
                ends.append(float(parts[0]))
                labels.append(parts[2])
    return _finish(audio, ends, labels, FESTIVAL_TO_ARPABET)


def flite(text: str, voice: str, duration_stretch: float = 1.0, f0_mean_hz: float | None = None) -> Synth:
    """flite voice ``voice`` (kal16 awb rms slt kal), segments from ``-psdur``."""
    if voice not in FLITE_VOICES:
        raise ValueError(f"voice: expected one of {FLITE_VOICES}, found {voice!r}")
    with tempfile.TemporaryDirectory() as tmp:
        wf = Path(tmp) / "out.wav"
        cmd = ["flite", "-voice", voice, "-psdur", "--setf", f"duration_stretch={duration_stretch:.3f}"]
        if f0_mean_hz:
            cmd += ["--setf", f"int_f0_target_mean={f0_mean_hz:.1f}"]
        out = _run(cmd + ["-t", clean_text(text), "-o", str(wf)]).stdout.decode()
        audio = _load16k(wf)
    ends, labels = [], []
    for tok in out.split():
        if ":" in tok:
            lab, _, t = tok.rpartition(":")
            ends.append(float(t))
            labels.append(lab)
    return _finish(audio, ends, labels, FESTIVAL_TO_ARPABET)
