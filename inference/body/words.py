"""Word timing for the body: spoken words, their stressed syllables and lexical gesture cues.

In transcript mode the body reads the same forced alignment as the face
(:func:`inference.face.transcript.transcript_alignment`: one pocketsphinx decode per clip, cached,
accepted only when it agrees with the audio). Without a transcript, or when the alignment is
refused, :func:`word_timing` returns ``None`` and the body plans from prosody alone, exactly as
before.

**Stressed syllables.** pocketsphinx's bundled CMU dictionary has no stress digits (its entries
read ``AE P L AO D``, not ``AE0 P L AO1 D``), so lexical stress is taken from the acoustics,
restricted to the aligned vowels: in each content word (:func:`inference.body.lexicon.is_content_word`)
the vowel with the highest prominence ``0.5 loudness + 0.3 pitch + 0.2 length`` (the same
loudness and pitch-prominence terms as :func:`inference.prosody.analyze_prosody`'s accents, on the
vowel's own frames) is the stressed one; its time is the vowel's energy peak (the syllable
nucleus). So a beat lands on a real syllable of a real word, and never on a function word.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ..prosody import Prosody
from ..signal_ops import hann_smooth
from . import lexicon

log = logging.getLogger(__name__)

#: ARPAbet vowels (CMU dictionary phone set, lower case as the aligner returns them).
VOWELS: frozenset = frozenset("aa ae ah ao aw ay eh er ey ih iy ow oy uh uw".split())
#: A vowel this long (s) or longer gets the full length term of the prominence.
LONG_VOWEL_S: float = 0.15
#: Accents planned from the words sit this much (s) after the vowel's energy peak. Tuned on the
#: BEAT2 take's tuning half (tools/eval/word_timing.py --part tune, 3 seeds, recognised transcript):
#: wrist-speed peaks within 100 ms of a word stress 0.30 / 0.38 / 0.50 of ours at a delay of
#: 0 / 0.05 / 0.10 s (chance 0.37-0.38; the real take 0.42): with the apex on the nucleus, the
#: speed peak of the stroke comes too early.
STRESS_DELAY_S: float = 0.10


@dataclass(frozen=True)
class SpokenWord:
    """One aligned word.

    Attributes:
        text: the word, lower case.
        start_s, end_s: its span in seconds (``end_s > start_s``).
        stress_s: time of its stressed syllable's nucleus (s), inside the span; the word's middle
            when no vowel was aligned.
        strength: prominence of that syllable in [0, 1].
        content: True for a content word (gets beats), False for a function word.
    """

    text: str
    start_s: float
    end_s: float
    stress_s: float
    strength: float
    content: bool


@dataclass(frozen=True)
class WordTiming:
    """The words of a clip as the body uses them (``words`` sorted by time)."""

    words: tuple

    def stressed_syllables(self) -> tuple[np.ndarray, np.ndarray]:
        """``(times_s (K,) float64, strength (K,) float32)`` of the content words' stressed syllables."""
        w = [x for x in self.words if x.content]
        return (np.array([x.stress_s for x in w], np.float64), np.array([x.strength for x in w], np.float32))


def word_timing(samples: np.ndarray, transcript: str, prosody: Prosody,
                gate: np.ndarray | None = None) -> WordTiming | None:
    """Word timing from transcript mode's alignment, or ``None`` (no transcript / refused).

    Args:
        samples: ``(N,)`` float32 16 kHz mono, the audio ``prosody`` was computed from.
        transcript: the words spoken (``""``: none).
        prosody: the clip's :class:`inference.prosody.Prosody` (loudness and pitch of the vowels).
        gate: the clip's lip gate (``AudioAnalysis.mouth_gate``) the alignment is checked against,
            as in the face's transcript mode; ``None`` measures it.
    """
    if not transcript or not transcript.strip():
        return None
    from ..face.transcript import transcript_alignment

    al = transcript_alignment(samples, transcript, gate)
    if not al.accepted:
        log.info("word-aware gestures off: %s", al.reason)
        return None
    return timing_from_alignment(al.phones, al.words, prosody)


def timing_from_alignment(phones, words, prosody: Prosody) -> WordTiming:
    """Build :class:`WordTiming` from an alignment (see :func:`inference.face.align.force_align_words`).

    Args:
        phones: ``(start_s (P,), end_s (P,), labels (P,))``.
        words: ``(start_s (W,), end_s (W,), words (W,))``.
        prosody: gives loudness and pitch per 10 ms frame.

    Raises:
        ValueError: arrays of unequal length or a word that ends before it starts.
    """
    ps, pe, pl = (np.asarray(x) for x in phones)
    ws, we, wt = (np.asarray(x) for x in words)
    if not (len(ps) == len(pe) == len(pl)) or not (len(ws) == len(we) == len(wt)):
        raise ValueError(f"alignment: expected equal-length arrays, found phones {len(ps)}/{len(pe)}/{len(pl)}, "
                         f"words {len(ws)}/{len(we)}/{len(wt)}")
    if np.any(we < ws):
        raise ValueError("alignment words: expected end_s >= start_s for every word")
    loud, pitch = _frame_prominence(prosody)
    vowel = np.array([str(x) in VOWELS for x in pl], bool)
    out = []
    for a, b, text in zip(ws, we, wt):
        text = str(text)
        inside = vowel & (ps >= a - 1e-6) & (pe <= b + 1e-6)
        best_t, best_s = 0.5 * (a + b), 0.0
        for va, vb in zip(ps[inside], pe[inside]):
            i0 = int(np.clip(round(va * prosody.fps), 0, prosody.num_frames - 1))
            i1 = int(np.clip(round(vb * prosody.fps), i0 + 1, prosody.num_frames))
            k = i0 + int(np.argmax(loud[i0:i1]))
            s = 0.5 * float(loud[k]) + 0.3 * float(pitch[i0:i1].max()) + 0.2 * min(1.0, (vb - va) / LONG_VOWEL_S)
            if s > best_s:
                best_t, best_s = k / prosody.fps, s
        out.append(SpokenWord(text, float(a), float(b), float(best_t), float(np.clip(best_s, 0.0, 1.0)),
                              lexicon.is_content_word(text)))
    out.sort(key=lambda w: w.start_s)
    return WordTiming(tuple(out))


def _frame_prominence(prosody: Prosody) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame loudness and pitch prominence in [0, 1], as in the prosody accents: loudness
    between the 20th and 98th percentile of speech energy (70 ms smoothed), pitch in semitones
    above the median voiced F0 over 6 semitones."""
    e = hann_smooth(np.asarray(prosody.energy_db, np.float64), 7)
    sp = e[prosody.speech] if prosody.speech.any() else e
    lo, hi = np.percentile(sp, 20), np.percentile(sp, 98)
    loud = np.clip((e - lo) / max(hi - lo, 1e-3), 0.0, 1.0)
    f0 = np.asarray(prosody.f0_hz, np.float64)
    med = float(np.median(f0[f0 > 0])) if (f0 > 0).any() else 0.0
    pitch = np.zeros_like(f0)
    if med > 0:
        pitch = np.clip(12.0 * np.log2(np.maximum(f0, 1e-6) / med) / 6.0, 0.0, 1.0) * (f0 > 0)
    return loud, pitch


@dataclass(frozen=True)
class LexicalCue:
    """A lexicon gesture at a word: made by the hands (``arm_gesture``) and/or the head (``head``).

    ``time_s`` is the word's stressed syllable plus :data:`STRESS_DELAY_S` (the stroke's apex /
    the nod's or shake's peak).
    """

    time_s: float
    word: str
    category: str
    arm_gesture: str
    hands: str
    head: str
    strength: float
    end_s: float


def lexical_cues(timing: WordTiming | None, seed: int = 0) -> list[LexicalCue]:
    """The lexicon's gestures for the matching words of ``timing``, in time order (``[]`` for None).

    Each occurrence is kept with its category's :attr:`~inference.body.lexicon.LexicalGesture.rate`
    (halved for a repeat of the same category within :data:`inference.body.lexicon.REPEAT_S`),
    drawn from a generator seeded by ``seed`` alone: the same words and seed give the same cues.
    """
    if timing is None:
        return []
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0x1E71])
    cues = []
    last: dict[str, float] = {}
    for w in timing.words:
        g = lexicon.lookup(w.text)
        if g is None:
            continue
        rate = g.rate * (0.5 if w.stress_s - last.get(g.category, -1e9) < lexicon.REPEAT_S else 1.0)
        if rng.random() >= rate:
            continue
        last[g.category] = w.stress_s
        cues.append(LexicalCue(w.stress_s + STRESS_DELAY_S, w.text, g.category, g.arm_gesture, g.hands, g.head,
                               max(0.5, w.strength), w.end_s))
    return cues


def with_word_accents(prosody: Prosody, timing: WordTiming | None) -> Prosody:
    """``prosody`` whose accents are the stressed syllables of the words (same object when
    ``timing`` is None or has no content words): strokes, micro-beats and nods then follow the
    words instead of the acoustic accent detector."""
    if timing is None:
        return prosody
    times, strength = timing.stressed_syllables()
    if times.size == 0:
        return prosody
    from dataclasses import replace

    order = np.argsort(times, kind="stable")
    times, strength = times[order] + STRESS_DELAY_S, strength[order]
    for arr in (times, strength):
        arr.setflags(write=False)
    return replace(prosody, accents_s=times, accent_strength=strength)
