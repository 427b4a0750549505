"""Arousal from prosody, and how the emotion reaches the face and the body in ``generate``.

Arousal (activation, Russell 1980's vertical axis) is read from three prosodic cues that the
vocal-emotion literature ties to it (Scherer 2003, "Vocal communication of emotion: a review";
Juslin & Laukka 2003, Table 7: high arousal = louder, wider pitch range, faster): per frame,

- loudness: frame energy (dB) relative to the clip's median speech energy, over :data:`WINDOW_S`;
- pitch range: standard deviation of F0 in semitones over :data:`WINDOW_S` of voiced frames;
- rate: syllable nuclei (the prosody's accents) per second of speech over :data:`WINDOW_S`.

Each cue becomes a z-like score against the reference values below (our choice, set on the shared
read speech: LJ Speech and LibriSpeech sit near 0.5), the three are averaged and squashed with a
logistic to [0, 1]. No categorical emotion is inferred from audio: the project has no labelled
emotional speech it may ship a model of (docs/face-quality.md, "Emotion").
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..analysis import AudioAnalysis, analyze_audio
from ..audio import Audio
from ..signal_ops import gaussian_smooth
from .emotion import CATEGORIES, EmotionSpec, apply_emotion, category_weights

#: Analysis window of the three cues (s, Gaussian sigma = window / 4).
WINDOW_S: float = 2.0
#: Reference (centre, spread) of each cue: loudness dB re the clip's speech median, F0 std in
#: semitones, syllable nuclei per second of speech.
LOUDNESS_REF_DB: tuple[float, float] = (0.0, 4.0)
PITCH_RANGE_REF_ST: tuple[float, float] = (2.5, 1.5)
RATE_REF_PER_S: tuple[float, float] = (2.5, 1.0)
#: Expression gain of the face at arousal ``a``: ``1 + AROUSAL_FACE_GAIN * (a - 0.5)`` (0.8 .. 1.2).
AROUSAL_FACE_GAIN: float = 0.4
#: ``(valence -1..1, arousal 0..1)`` of each category: approximate places on Russell's (1980)
#: circumplex / Russell & Mehrabian (1977) PAD ratings; used only for the body's style.
CIRCUMPLEX: dict[str, tuple[float, float]] = {
    "neutral": (0.0, 0.5), "amazement": (0.4, 0.85), "anger": (-0.6, 0.85), "cheekiness": (0.5, 0.6),
    "disgust": (-0.6, 0.55), "fear": (-0.6, 0.8), "grief": (-0.8, 0.35), "joy": (0.8, 0.65),
    "out of breath": (-0.1, 0.9), "pain": (-0.7, 0.7), "sadness": (-0.6, 0.25),
}


def _weighted_smooth(x, w, sigma):
    num = gaussian_smooth((x * w).astype(np.float32), sigma)
    den = gaussian_smooth(w.astype(np.float32), sigma)
    return num / np.maximum(den, 1e-6), den


def arousal_track(audio: Audio, fps: float, frames: int, analysis: AudioAnalysis | None = None) -> np.ndarray:
    """``(frames,)`` float32 arousal in [0, 1] at ``fps`` (frame ``i`` at ``i / fps`` s); 0.5 = neutral.

    Pauses take the arousal of the speech around them (weighted smoothing); a clip without speech
    is 0.5 throughout. The cues are read from ``analysis`` (the clip's
    :class:`inference.analysis.AudioAnalysis`), or from an analysis of ``audio`` when it is ``None``.

    Raises:
        inference.audio.AudioError: audio :func:`inference.prosody.analyze_prosody` cannot read.
    """
    p = (analysis if analysis is not None else analyze_audio(audio)).prosody
    n = p.num_frames
    speech = np.asarray(p.speech, bool)
    if not speech.any() or frames <= 0:
        return np.full(max(frames, 0), 0.5, np.float32)
    sigma = WINDOW_S * p.fps / 4.0
    energy = np.asarray(p.energy_db, np.float64)
    loud, _ = _weighted_smooth(energy - np.median(energy[speech]), speech.astype(np.float64), sigma)
    voiced = np.asarray(p.voiced, bool) & speech
    st = np.where(voiced, 12.0 * np.log2(np.maximum(np.asarray(p.f0_hz, np.float64), 1.0) / 100.0), 0.0)
    mean_st, _ = _weighted_smooth(st, voiced.astype(np.float64), sigma)
    mean_sq, _ = _weighted_smooth(st ** 2, voiced.astype(np.float64), sigma)
    pitch_sd = np.sqrt(np.maximum(mean_sq - mean_st ** 2, 0.0))
    if not voiced.any():
        pitch_sd[:] = PITCH_RANGE_REF_ST[0]
    nuclei = np.zeros(n)
    idx = np.clip(np.round(np.asarray(p.accents_s) * p.fps).astype(int), 0, n - 1)
    np.add.at(nuclei, idx, 1.0)
    rate = (gaussian_smooth(nuclei.astype(np.float32), sigma) * p.fps
            / np.maximum(gaussian_smooth(speech.astype(np.float32), sigma), 0.05))
    z = ((loud - LOUDNESS_REF_DB[0]) / LOUDNESS_REF_DB[1]
         + (pitch_sd - PITCH_RANGE_REF_ST[0]) / PITCH_RANGE_REF_ST[1]
         + (rate - RATE_REF_PER_S[0]) / RATE_REF_PER_S[1]) / 3.0
    a = 1.0 / (1.0 + np.exp(-1.5 * z))
    t = np.arange(frames) / float(fps)
    return np.interp(t, np.arange(n) / p.fps, a).astype(np.float32)


def mean_arousal_valence(spec: EmotionSpec, audio: Audio | None, fps: float = 30.0,
                         analysis: AudioAnalysis | None = None) -> tuple[float, float]:
    """Clip-mean ``(arousal 0..1, valence -1..1)`` of ``spec``: the keys' categories through
    :data:`CIRCUMPLEX` (strength-weighted, time-averaged over the clip) and, with ``auto``, the
    audio's arousal track (from ``analysis``, the clip's analysis, when given) averaged with it."""
    duration_s = audio.duration_s if audio is not None else max([k.time_s for k in spec.keys] + [1.0])
    frames = max(1, int(np.ceil(duration_s * fps)))
    w = category_weights(spec, fps, frames)
    aro = np.array([CIRCUMPLEX[c][1] - 0.5 for c in CATEGORIES])
    val = np.array([CIRCUMPLEX[c][0] for c in CATEGORIES])
    arousal = 0.5 + float((w @ aro).mean())
    valence = float((w @ val).mean())
    if spec.auto and audio is not None:
        heard = float(arousal_track(audio, fps, frames, analysis).mean())
        arousal = 0.5 * (arousal + heard) if spec.keys else heard
    return float(np.clip(arousal, 0.0, 1.0)), float(np.clip(valence, -1.0, 1.0))


def emotion_body_style(options, audio: Audio | None = None, analysis: AudioAnalysis | None = None):
    """``options`` with the gesture style following the emotion (unchanged without an emotion);
    ``analysis`` is the clip's :class:`inference.analysis.AudioAnalysis` (``auto`` reads its prosody).

    Mapping (clip-mean arousal ``a``, valence ``v`` of :func:`mean_arousal_valence`):
    ``energy *= 0.6 + 0.8 a`` and ``rate *= 0.8 + 0.4 a`` (a = 0.5 leaves them; clipped to the
    :class:`inference.options.GestureStyle` ranges); a ``neutral`` posture becomes ``open`` when
    ``v >= 0.3`` and ``a >= 0.5`` (joy, amazed, cheeky) and ``closed`` when ``v <= -0.3`` and
    ``a < 0.5`` (sad, grieving) or for fear. Postures the user chose are kept.
    """
    spec = getattr(options, "emotion", None)
    if not options.body or spec is None or not spec.active:
        return options
    a, v = mean_arousal_valence(spec, audio, float(options.fps), analysis)
    g = options.gesture
    posture = g.posture
    fearful = any(k.category == "fear" and k.strength >= 0.5 for k in spec.keys)
    if posture == "neutral":
        posture = "open" if (v >= 0.3 and a >= 0.5) else "closed" if ((v <= -0.3 and a < 0.5) or fearful) else posture
    gesture = replace(g, energy=float(np.clip(g.energy * (0.6 + 0.8 * a), 0.0, 2.0)),
                      rate=float(np.clip(g.rate * (0.8 + 0.4 * a), 0.25, 2.0)), posture=posture)
    return replace(options, gesture=gesture)


def emotion_face_layer(arkit: np.ndarray, audio: Audio, options, analysis: AudioAnalysis | None = None) -> np.ndarray:
    """The character's speaking style (``options.style``, :func:`inference.face.style.apply_style`),
    then the emotion layer of ``options.emotion`` (:func:`inference.face.emotion.apply_emotion`)
    on ``(T, 52)`` face curves at ``options.fps``; ``arkit`` unchanged when both are neutral.
    ``auto`` reads the arousal from ``analysis`` (the clip's analysis; ``None``: analyses ``audio``)."""
    style = getattr(options, "style", None)
    if style is not None and not style.neutral:
        from .style import apply_style

        arkit = apply_style(arkit, style)
    spec = getattr(options, "emotion", None)
    if spec is None or not spec.active:
        return arkit
    frames = arkit.shape[0]
    fps = float(options.fps)
    weights = category_weights(spec, fps, frames)
    gain = None
    if spec.auto:
        gain = 1.0 + AROUSAL_FACE_GAIN * (arousal_track(audio, fps, frames, analysis) - 0.5)
    return apply_emotion(arkit, weights, gain)
