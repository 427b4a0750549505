"""Pseudo-transcripts for real speech without transcripts: recognise the words, then force-align them.

Training-data only (never shipped). :func:`recognize_words` runs pocketsphinx's large-vocabulary
recogniser with the model it bundles (US English acoustic model, ``en-us.lm.bin`` trigram language
model, ``cmudict-en-us.dict``); :func:`pseudo_label` aligns the hypothesis with the project's own
forced aligner and checks it exactly like transcript mode does
(:func:`inference.face.transcript.transcript_alignment`: aligned phones must cover the voice
activity and few phones may be squeezed to the minimum length), and reports a confidence: the mean
lattice posterior of the recognised words (pocketsphinx ``Segment.prob``, 0..1).

Label quality (word error rate, targets from the hypothesis against targets from the true words)
is measured by :mod:`training.datagen.check_pseudo` on the LJ Speech clips of the tune split.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from inference.face.align import AlignError, decoder_class, pcm16

#: Recogniser pass settings: ``fwdflat=False`` skips pocketsphinx's second (flat-lexicon) pass,
#: about 2x faster here; its effect on the word error rate is measured by check_pseudo.
FWDFLAT: bool = False


@dataclass(frozen=True)
class PseudoLabel:
    """One clip's pseudo-transcript and its alignment.

    Attributes:
        text: recognised words (lower case, space separated; fillers and silences removed).
        confidence: mean lattice posterior of those words, 0..1 (``nan`` when no word).
        phones: ``(start_s (P,), end_s (P,), labels (P,))`` float64 s / ARPAbet (``sil``), empty when
            the alignment failed.
        reason: ``""`` when the alignment passed the aligner's check, else why it did not.
    """

    text: str
    confidence: float
    phones: tuple
    reason: str


def recognize_words(audio: np.ndarray, fwdflat: bool = FWDFLAT) -> tuple[str, float]:
    """Large-vocabulary recognition of 16 kHz mono float32 ``audio`` -> ``(text, confidence)``.

    Raises:
        AlignError: pocketsphinx missing or it returned no hypothesis.
    """
    import pocketsphinx

    model = Path(pocketsphinx.get_model_path()) / "en-us"
    decoder = decoder_class()(hmm=str(model / "en-us"), lm=str(model / "en-us.lm.bin"),
                               dict=str(model / "cmudict-en-us.dict"), samprate=16000,
                               fwdflat=fwdflat, loglevel="FATAL")
    decoder.start_utt()
    decoder.process_raw(pcm16(audio), full_utt=True)
    decoder.end_utt()
    if decoder.hyp() is None:
        raise AlignError("pocketsphinx recognised nothing")
    words, probs = [], []
    for seg in decoder.seg():
        w = str(seg.word)
        if w.startswith("<") or w.startswith("[") or w.startswith("+"):
            continue
        words.append(w.split("(")[0].lower())
        probs.append(float(seg.prob))
    return " ".join(words), float(np.mean(probs)) if probs else float("nan")


def pseudo_label(audio: np.ndarray, fwdflat: bool = FWDFLAT) -> PseudoLabel:
    """Recognise, force-align and check one clip (16 kHz mono float32 ``(N,)``); never raises for
    speech the recogniser or aligner cannot handle: the reason is in :attr:`PseudoLabel.reason`."""
    from inference.face.transcript import transcript_alignment

    empty = (np.zeros(0), np.zeros(0), np.zeros(0, dtype=str))
    try:
        text, conf = recognize_words(audio, fwdflat)
    except AlignError as e:
        return PseudoLabel("", float("nan"), empty, f"recognition failed ({e})")
    if not text:
        return PseudoLabel("", float("nan"), empty, "no words recognised")
    al = transcript_alignment(audio, text)
    return PseudoLabel(text, conf, tuple(np.array(x) for x in al.phones), al.reason)


def word_errors(ref: list[str], hyp: list[str]) -> int:
    """Levenshtein distance in words (substitutions + deletions + insertions)."""
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1]
