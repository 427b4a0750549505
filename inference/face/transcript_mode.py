"""Transcript mode as a step of :func:`inference.generate.generate`, with a structured result.

A face backend declares ``reads_transcript = True`` (the built-in ``lipsync`` and ``fast`` do);
when ``GenerateOptions.transcript`` is set, generate() then runs :func:`transcript_step` on the
backend's :class:`FaceTrack`: the phone-exact targets of :mod:`inference.face.transcript` (forced
alignment, checked against the audio) combined with the backend's curves, or the backend's curves
unchanged and the reason. generate() reads the :class:`TranscriptOutcome`, never the model name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..analysis import AudioAnalysis
from ..backends import FaceTrack
from .transcript import TRANSCRIPT_SUFFIX, apply_transcript

#: What :func:`inference.face.transcript.apply_transcript` returns when the alignment was used.
_USED = "transcript"
#: The wording of its fallback note around the reason.
_FALLBACK = ("transcript not used: ", "; audio only")


@dataclass(frozen=True)
class TranscriptOutcome:
    """What transcript mode did for one clip.

    Attributes:
        used: True when the alignment was accepted and shaped the mouth.
        reason: why it was not used (``""`` when used), e.g. ``"alignment failed (...)"``.
    """

    used: bool
    reason: str = ""

    @property
    def note(self) -> str:
        """``"transcript"`` when used, else ``"transcript not used: <reason>; audio only"`` (a warning)."""
        return _USED if self.used else f"{_FALLBACK[0]}{self.reason}{_FALLBACK[1]}"


def transcript_step(track: FaceTrack, audio, options,
                    analysis: AudioAnalysis | None = None) -> tuple[FaceTrack, TranscriptOutcome | None]:
    """Transcript mode on a face backend's output.

    Args:
        track: the backend's :class:`FaceTrack` (any fps; the built-in backends give 100 fps).
        audio: the :class:`inference.audio.Audio` it was made from.
        options: ``options.transcript`` is the text; empty or blank leaves ``track`` unchanged.
        analysis: the clip's :class:`inference.analysis.AudioAnalysis` (its lip gate checks the
            alignment); ``None`` measures the gate from ``audio``.

    Returns:
        ``(track, outcome)``: ``outcome`` is ``None`` without a transcript. When it was used the
        track's curves are combined with the phone-exact targets and its model name gains
        ``+transcript``; on fallback the curves are unchanged and the name gains
        ``" (<outcome.note>)"`` (:attr:`inference.performance.Provenance.face_model`).
    """
    text = getattr(options, "transcript", "") or ""
    if not text.strip():
        return track, None
    gate = analysis.mouth_gate if analysis is not None else None
    arkit, note = apply_transcript(track.arkit, track.fps, audio.samples, text, gate)
    if note == _USED:
        outcome = TranscriptOutcome(True)
    else:
        outcome = TranscriptOutcome(False, note[len(_FALLBACK[0]):len(note) - len(_FALLBACK[1])])
    model = f"{track.model}{TRANSCRIPT_SUFFIX}" if outcome.used else f"{track.model} ({outcome.note})"
    return replace(track, arkit=arkit, model=model), outcome
