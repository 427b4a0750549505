"""Phone alignment of real speech with pocketsphinx 5 (CMU Sphinx, BSD licence).

Used at run time by transcript mode (:mod:`inference.face.transcript`) and by the data generators
and evaluators (``training/datagen``, ``tools/eval/face_geometry.py``). pocketsphinx is imported
lazily; without it every function raises :class:`AlignError` (transcript mode then falls back to
audio only).

- :func:`force_align`: forced alignment to a transcript (``Decoder.set_align_text``, then
  ``set_alignment`` for the phone level), using pocketsphinx's bundled US English acoustic model and
  CMU dictionary. Words missing from the dictionary get a pronunciation from espeak-ng (MBROLA us1
  phone output mapped to ARPAbet by :mod:`training.datagen.phonesets`).
- :func:`recognize_phones`: transcript-free phone recognition (pocketsphinx ``allphone`` search with
  the bundled phone language model ``en-us-phone.lm.bin``); the "no transcript" evaluation pipeline.

Both take 16 kHz mono float32 audio and return ARPAbet phones (``sil`` for silence/fillers) with
start/end times in seconds (pocketsphinx frames are 10 ms).
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from functools import lru_cache
from pathlib import Path

import numpy as np

from .phonesets import SAMPA_TO_ARPABET

FRAME_S = 0.01


class AlignError(RuntimeError):
    """Alignment failed (no result, or words that cannot be pronounced)."""


def decoder_class():
    """pocketsphinx's ``Decoder`` class (imported on first use: a Blender without the wheel still
    loads the extension).

    Raises:
        AlignError: pocketsphinx is not installed (the message says where it is bundled).
    """
    try:
        from pocketsphinx import Decoder
    except ImportError as e:
        raise AlignError(f"pocketsphinx is not installed ({e}): the extension bundles it for Linux x64, Windows x64 "
                         "and macOS; elsewhere install pocketsphinx==5.0.4 into Blender's Python") from e
    return Decoder


def pcm16(audio: np.ndarray) -> bytes:
    """16 kHz mono float samples ``(N,)`` in [-1, 1] (clipped beyond) as the little-endian signed
    16-bit PCM bytes pocketsphinx's ``process_raw`` reads (``2 * N`` bytes)."""
    return (np.clip(np.asarray(audio, dtype=np.float32), -1, 1) * 32767).astype(np.int16).tobytes()


def transcript_words(text: str) -> list[str]:
    """Lower-case words (letters and inner apostrophes) of a transcript."""
    return re.findall(r"[a-z]+(?:'[a-z]+)*", text.lower())


@lru_cache(maxsize=1)
def _dictionary() -> dict[str, str]:
    import pocketsphinx

    path = Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"
    if not path.exists():
        raise AlignError(f"CMU dictionary not found at {path} (install pocketsphinx==5.0.4)")
    words = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and "(" not in parts[0]:
            words.setdefault(parts[0], parts[1])
    return words


def espeak_pronunciation(word: str) -> str:
    """ARPAbet pronunciation (upper case, space separated) of ``word`` from espeak-ng's MBROLA us1 front end.

    Raises:
        AlignError: espeak-ng is missing or gives no phones.
    """
    try:
        pho = subprocess.run(["espeak-ng", "-q", "-v", "mb-us1", "--pho", word], capture_output=True,
                             check=True, timeout=30).stdout.decode()
    except (FileNotFoundError, subprocess.CalledProcessError) as e:
        raise AlignError(f"no pronunciation for {word!r}: espeak-ng failed ({e})") from e
    phones = []
    for line in pho.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in SAMPA_TO_ARPABET and parts[0] != "_":
            phones += [p.upper() for p in SAMPA_TO_ARPABET[parts[0]]]
    if not phones:
        raise AlignError(f"no pronunciation for {word!r}")
    return " ".join(phones)


def _phones_from_alignment(alignment):
    start, end, labels = [], [], []
    for word in alignment:
        for ph in word:
            start.append(ph.start * FRAME_S)
            end.append((ph.start + ph.duration) * FRAME_S)
            labels.append("sil" if ph.name.upper() == "SIL" or ph.name.startswith("+") else ph.name.lower())
    return np.array(start), np.array(end), np.array(labels)


def _words_from_alignment(alignment):
    """``(start_s (W,), end_s (W,), words (W,))`` of the spoken words (silences and fillers left
    out; pocketsphinx's alternate-pronunciation suffix ``(2)`` removed)."""
    start, end, words = [], [], []
    for word in alignment:
        name = re.sub(r"\(\d+\)$", "", str(word.name))
        if name.startswith("<") or name.startswith("+") or name.startswith("["):
            continue
        start.append(word.start * FRAME_S)
        end.append((word.start + word.duration) * FRAME_S)
        words.append(name.lower())
    return np.array(start, dtype=np.float64), np.array(end, dtype=np.float64), np.array(words, dtype=str)


#: Recent alignments by (SHA-1 of the audio, transcript): transcript mode aligns once per clip
#: and the face and the body (word-aware gestures) read the same result.
_CACHE: dict = {}
_CACHE_SIZE: int = 4


def force_align(audio: np.ndarray, transcript: str):
    """Phone-level forced alignment.

    Args:
        audio: ``(N,)`` float32 16 kHz mono.
        transcript: the words spoken (punctuation and case ignored).

    Returns:
        ``(start_s (P,), end_s (P,), labels (P,))``: float64 seconds, ARPAbet lower case / ``sil``.

    Raises:
        AlignError: empty transcript or pocketsphinx found no alignment.
    """
    return force_align_words(audio, transcript)[0]


def force_align_words(audio: np.ndarray, transcript: str):
    """Phone- and word-level forced alignment (one decode; the last few results are cached).

    Args:
        audio: ``(N,)`` float32 16 kHz mono.
        transcript: the words spoken (punctuation and case ignored).

    Returns:
        ``(phones, words)``: ``phones`` as :func:`force_align`; ``words`` is
        ``(start_s (W,), end_s (W,), words (W,))``: float64 seconds and lower-case words as
        spelled in the transcript's dictionary entries, silences left out.

    Raises:
        AlignError: pocketsphinx missing, empty transcript or no alignment found.
    """
    Decoder = decoder_class()
    words = transcript_words(transcript)
    if not words:
        raise AlignError(f"transcript {transcript!r}: no words")
    pcm = pcm16(audio)
    key = (hashlib.sha1(pcm).hexdigest(), " ".join(words))
    if key in _CACHE:
        return _CACHE[key]
    d = Decoder(lm=None, samprate=16000, bestpath=False, loglevel="FATAL")
    lex = _dictionary()
    for w in set(words):
        if w not in lex:
            d.add_word(w, espeak_pronunciation(w), True)
    d.set_align_text(" ".join(words))
    d.start_utt()
    d.process_raw(pcm, full_utt=True)
    d.end_utt()
    if d.hyp() is None:
        raise AlignError("pocketsphinx found no word alignment")
    d.set_alignment()
    d.start_utt()
    d.process_raw(pcm, full_utt=True)
    d.end_utt()
    al = d.get_alignment()
    if al is None:
        raise AlignError("pocketsphinx found no phone alignment")
    phones = _phones_from_alignment(al)
    if len(phones[2]) == 0:
        raise AlignError("pocketsphinx returned an empty alignment")
    result = (phones, _words_from_alignment(al))
    for arr in (*result[0], *result[1]):
        arr.setflags(write=False)       # shared by every reader of the cache
    while len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = result
    return result


def recognize_phones(audio: np.ndarray):
    """Transcript-free phone recognition (pocketsphinx allphone search, phone trigram LM).

    Returns:
        ``(start_s (P,), end_s (P,), labels (P,))`` like :func:`force_align` (fillers -> ``sil``).
    """
    import pocketsphinx

    Decoder = decoder_class()
    lm = Path(pocketsphinx.get_model_path()) / "en-us" / "en-us-phone.lm.bin"
    d = Decoder(lm=None, allphone=str(lm), samprate=16000, beam=1e-20, pbeam=1e-20, lw=2.0,
                loglevel="FATAL")
    d.start_utt()
    d.process_raw(pcm16(audio), full_utt=True)
    d.end_utt()
    start, end, labels = [], [], []
    for seg in d.seg():
        name = seg.word
        lab = "sil" if name.upper() in ("SIL", "<S>", "</S>", "<SIL>") or name.startswith("+") else name.lower()
        start.append(seg.start_frame * FRAME_S)
        end.append((seg.end_frame + 1) * FRAME_S)
        labels.append(lab)
    return np.array(start, dtype=np.float64), np.array(end, dtype=np.float64), np.array(labels)
