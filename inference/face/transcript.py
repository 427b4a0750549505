"""Transcript mode: phone-exact mouth timing from a forced alignment, combined with a face backend.

Given the words spoken in a clip (``GenerateOptions.transcript``), pocketsphinx forced alignment
(:func:`inference.face.align.force_align`, its bundled US English model and CMU dictionary) gives
every phone's start and end; the target generator (:func:`inference.face.targets.phones_to_arkit`)
turns them into ARKit curves with coarticulation and a sealed bilabial on every /p b m/. Those
curves are combined with the backend's own output (the network's dynamics and the expression it
hears in the voice) by :func:`combine`.

The alignment is accepted only when it agrees with the audio (:func:`check_alignment`): at least
:data:`MIN_SPEECH_COVERAGE` of the voice-activity frames lie inside aligned (non-silence) phones
widened by the voice-activity gate's own margin (:data:`inference.analysis.GATE_MARGIN_S`,
0.08 s: the gate holds each utterance open that long, so every pause edge would otherwise count
as unaligned speech), and at most :data:`MAX_SHORT_PHONE_SHARE` of the phones are squeezed to
pocketsphinx's 30 ms minimum. Measured on the shared real speech (10 clips, each with its own
transcript and with another clip's): correct transcripts gave short-phone share 0.02-0.15;
wrong ones failed to align (6 of 10) or gave short share 0.12-0.30. Coverage (tune split: the
bundled demo clip and LJ001-0001..0010): correct 0.961-1.00, wrong 0.28-0.83 (before widening
the bundled clip's own text reached only 0.81 and was refused); held out (LJ001-0011..0032, three
LibriSpeech clips, one LibriVox reading): correct 0.972-1.00 but for two (0.80, 0.10), wrong
0.46-0.92 where they aligned at all. With both checks: tune split 11/11 correct transcripts
accepted, 0/11 wrong ones; held out (26 clips with transcripts, each also with the next clip's
text) 24/26 correct accepted (refused: a 37 s LibriVox reading and a LibriSpeech clip whose
aligned words cover 0.80), 0/26 wrong accepted.
When alignment fails or disagrees, the backend's audio-only output is used unchanged and the reason
is returned (it ends up in ``Performance.provenance.face_model``, its ``warnings`` and the log).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from .._rigs import arkit as _arkit
from ..analysis import mouth_gate

log = logging.getLogger(__name__)

#: Share of voice-activity frames that aligned phones (widened by the gate margin) must cover:
#: midway between the tune split's correct (>= 0.961) and wrong (<= 0.834) transcripts.
MIN_SPEECH_COVERAGE: float = 0.90
#: Largest share of phones at pocketsphinx's minimum duration (3 frames of 10 ms).
MAX_SHORT_PHONE_SHARE: float = 0.22
#: Weight of the phone-exact targets against the backend output. Chosen on the geometric
#: evaluator's tune split (tools/eval/face_geometry.py --split tune, lipsync backend): aperture r
#: 0.829 / 0.823 / 0.807 / 0.781 and median opening 8.3 / 8.7 / 9.1 / 9.4 mm at weight
#: 1.0 / 0.8 / 0.6 / 0.4; clean closure 1.0 at all of them. With the v4 targets (lips parted on
#: non-bilabial consonants, every vowel opened) and :func:`inference.face.lipsync.part_lips`:
#: r 0.858 / 0.856 / 0.851 at 1.0 / 0.9 / 0.8, near-shut share 7.1 % at all three; 0.9 keeps a
#: little of the network's dynamics for -0.002 r.
TARGET_WEIGHT: float = 0.9
#: Keys that part the lips: held back while the targets seal a bilabial.
_PARTING = ("mouthUpperUpLeft", "mouthUpperUpRight", "mouthLowerDownLeft", "mouthLowerDownRight",
            "mouthFunnel", "mouthShrugUpper", "tongueOut")
_SPEECH = np.array([_arkit.ARKIT_INDEX[n] for n in _arkit.SPEECH_CHANNELS])


def check_alignment(phones, voice: np.ndarray, fps: float) -> str:
    """``""`` if the alignment agrees with the audio, else the reason it does not.

    Args:
        phones: ``(start_s (P,), end_s (P,), labels (P,))`` from the aligner.
        voice: ``(T,)`` bool voice activity at ``fps``.
        fps: frame rate of ``voice``.
    """
    start, end, labels = (np.asarray(x) for x in phones)
    from .lipsync import GATE_MARGIN_S

    speech = np.array([str(x) != "sil" for x in labels], bool)
    if not speech.any():
        return "the alignment has no speech phones"
    covered = np.zeros(len(voice), bool)
    for a, b in zip(start[speech], end[speech]):
        covered[max(0, int(round((a - GATE_MARGIN_S) * fps))):int(round((b + GATE_MARGIN_S) * fps))] = True
    coverage = float(covered[voice].mean()) if voice.any() else 1.0
    short = float(np.mean((end[speech] - start[speech]) <= 0.031))
    if coverage < MIN_SPEECH_COVERAGE:
        return (f"the aligned words cover only {coverage:.0%} of the speech heard "
                f"(expected >= {MIN_SPEECH_COVERAGE:.0%}): the text probably does not match the audio")
    if short > MAX_SHORT_PHONE_SHARE:
        return (f"{short:.0%} of the aligned phones are squeezed to the minimum length (expected <= "
                f"{MAX_SHORT_PHONE_SHARE:.0%}): the text probably does not match the audio")
    return ""


def combine(backend_arkit: np.ndarray, target_arkit: np.ndarray, weight: float | None = None) -> np.ndarray:
    """Blend phone-exact targets with a backend's curves; the targets decide the lip seal.

    ``out = weight * targets + (1 - weight) * backend`` on the speech channels; the seal fraction
    ``s = mouthClose / jawOpen`` of the targets (1 on every aligned bilabial) then sets
    ``mouthClose = s * jawOpen`` (ARKit: mouthClose cancels the jaw's lip opening, never more)
    and scales the lip-parting keys by ``1 - s``; finally :func:`rigs.arkit.enforce_lip_seal`.

    Args:
        backend_arkit, target_arkit: ``(T, 52)`` float32 in [0, 1] at the same frame rate.
        weight: in [0, 1], a scalar or ``(T,)`` per frame (default :data:`TARGET_WEIGHT`;
            transcript mode uses 1 in aligned pauses, so the mouth rests there).

    Returns:
        ``(T, 52)`` float32.

    Raises:
        ValueError: shapes differ or weight is outside [0, 1].
    """
    weight = np.asarray(TARGET_WEIGHT if weight is None else weight, np.float32)
    if weight.ndim:
        weight = weight.reshape(-1, 1)
    b = np.asarray(backend_arkit, np.float32)
    t = np.asarray(target_arkit, np.float32)
    if b.shape != t.shape or b.ndim != 2 or b.shape[1] != _arkit.NUM_ARKIT:
        raise ValueError(f"backend_arkit, target_arkit: expected equal (T, 52) shapes, found {b.shape}, {t.shape}")
    if not (np.all(weight >= 0.0) and np.all(weight <= 1.0)):
        raise ValueError(f"weight: expected values in 0..1, found {weight.min()}..{weight.max()}")
    out = b.copy()
    out[:, _SPEECH] = weight * t[:, _SPEECH] + (np.float32(1.0) - weight) * b[:, _SPEECH]
    jaw, close = _arkit.ARKIT_INDEX["jawOpen"], _arkit.ARKIT_INDEX["mouthClose"]
    tj = t[:, jaw]
    seal = np.clip(np.where(tj > 1e-4, t[:, close] / np.maximum(tj, np.float32(1e-4)), np.float32(0.0)), 0.0, 1.0)
    out[:, close] = seal * out[:, jaw]
    for name in _PARTING:
        out[:, _arkit.ARKIT_INDEX[name]] *= 1.0 - seal
    return _arkit.enforce_lip_seal(np.clip(out, 0.0, 1.0))


#: Aligned speech is widened by this (s) before the targets alone decide the pause (rest).
PAUSE_MARGIN_S: float = 0.12


def _speech_span(phones, fps: float, num_frames: int) -> np.ndarray:
    """``(T,)`` in [0, 1]: 1 within :data:`PAUSE_MARGIN_S` of an aligned speech phone, ramping to 0."""
    t = np.arange(num_frames) / fps
    near = np.zeros(num_frames)
    for a, b, lab in zip(*phones):
        if str(lab) != "sil":
            d = np.maximum(np.maximum(a - t, t - b), 0.0)
            near = np.maximum(near, np.clip(1.0 - (d - PAUSE_MARGIN_S) / PAUSE_MARGIN_S, 0.0, 1.0))
    return near


@dataclass(frozen=True)
class TranscriptAlignment:
    """Transcript mode's alignment of one clip, the single result the face and the body read.

    Attributes:
        phones: ``(start_s (P,), end_s (P,), labels (P,))`` (:func:`inference.face.align.force_align`),
            empty arrays when the alignment failed.
        words: ``(start_s (W,), end_s (W,), words (W,))`` spoken words, silences left out.
        reason: ``""`` when the alignment was accepted (:func:`check_alignment` at 100 fps), else
            why it was not (then ``phones``/``words`` must not be used).
    """

    phones: tuple
    words: tuple
    reason: str

    @property
    def accepted(self) -> bool:
        return not self.reason


def transcript_alignment(samples: np.ndarray, transcript: str, gate: np.ndarray | None = None) -> TranscriptAlignment:
    """Align ``transcript`` to ``samples`` (16 kHz mono float32) and check it against the audio.

    One pocketsphinx decode per (audio, text): the result is cached by
    :func:`inference.face.align.force_align_words`, so the face's transcript mode and the body's
    word-aware gestures (:mod:`inference.body.words`) share it. The voice activity it is checked
    against is ``gate > 0.5``: ``gate`` is the clip's lip gate at 100 fps
    (:attr:`inference.analysis.AudioAnalysis.mouth_gate`), measured from ``samples`` when ``None``.
    Never raises for a bad or mismatching transcript: the reason is returned instead.
    """
    from .align import AlignError, force_align_words

    empty = (np.zeros(0), np.zeros(0), np.zeros(0, dtype=str))
    try:
        phones, words = force_align_words(samples, transcript)
    except (AlignError, ValueError) as e:
        return TranscriptAlignment(empty, empty, f"alignment failed ({e})")
    reason = check_alignment(phones, _voice(samples, gate), 100.0)
    return TranscriptAlignment(phones, words, reason)


def _voice(samples: np.ndarray, gate: np.ndarray | None) -> np.ndarray:
    """``(T,)`` bool voice activity at 100 fps: ``gate > 0.5`` (the lip gate, measured if ``None``)."""
    return (mouth_gate(samples) if gate is None else np.asarray(gate)) > 0.5


def apply_transcript(backend_arkit: np.ndarray, fps: float, samples: np.ndarray, transcript: str,
                     gate: np.ndarray | None = None):
    """Transcript mode on a backend's output.

    Args:
        backend_arkit: ``(T, 52)`` float32 backend curves at ``fps``.
        fps: their frame rate (the backends run at 100 fps).
        samples: ``(N,)`` float32 16 kHz mono audio.
        transcript: the words spoken; ``""`` returns the input unchanged.
        gate: the clip's lip gate at 100 fps (``AudioAnalysis.mouth_gate``); ``None`` measures it.

    Returns:
        ``(arkit (T, 52) float32, note str)``: ``note`` is ``"transcript"`` when the alignment
        was used, or ``"transcript not used: <reason>; audio only"`` on fallback.
    """
    if not transcript.strip():
        return backend_arkit, ""
    from .targets import phones_to_arkit

    al = transcript_alignment(samples, transcript, gate)
    reason = al.reason
    if not reason and abs(fps - 100.0) > 1e-6:   # re-check on the backend's own frame grid
        voice = _voice(samples, gate)
        idx = np.minimum((np.arange(backend_arkit.shape[0]) * 100.0 / fps).astype(int), len(voice) - 1)
        reason = check_alignment(al.phones, voice[idx], fps)
    if not reason:
        phones = al.phones
        target = phones_to_arkit(*phones, fps, backend_arkit.shape[0])
        weight = TARGET_WEIGHT + (1.0 - TARGET_WEIGHT) * (1.0 - _speech_span(phones, fps, len(target)))
        return combine(backend_arkit, target, weight), "transcript"
    log.warning("transcript mode: %s; using audio only", reason)
    return backend_arkit, f"transcript not used: {reason}; audio only"


#: Appended to a face model's name when transcript mode shaped its curves (``Provenance.face_model``).
TRANSCRIPT_SUFFIX = "+transcript"
#: :func:`transcript_status` values.
TRANSCRIPT_USED, TRANSCRIPT_NOT_USED, TRANSCRIPT_NONE = "used", "not used", "none"


def transcript_status(face_model: str, transcript: str) -> str:
    """Whether a run used transcript mode, from its face model name and the transcript given:
    :data:`TRANSCRIPT_USED` (the alignment shaped the mouth), :data:`TRANSCRIPT_NOT_USED` (a
    transcript was given but the run fell back to audio only; its warning says why) or
    :data:`TRANSCRIPT_NONE` (no transcript, or no face generated)."""
    if not (transcript or "").strip() or not face_model:
        return TRANSCRIPT_NONE
    return TRANSCRIPT_USED if face_model.endswith(TRANSCRIPT_SUFFIX) else TRANSCRIPT_NOT_USED


def transcript_message(face_model: str, transcript: str) -> str:
    """The report line saying transcript mode was used (``""`` when it was not: the fallback is
    already a warning). Example: ``"Transcript mode: mouth timed to the 12 words of the transcript
    (forced alignment, face model dsp-baseline-v1+transcript)"``."""
    if transcript_status(face_model, transcript) != TRANSCRIPT_USED:
        return ""
    from .align import transcript_words

    return (f"Transcript mode: mouth timed to the {len(transcript_words(transcript))} words of the transcript "
            f"(forced alignment, face model {face_model})")
