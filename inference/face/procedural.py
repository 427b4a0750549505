"""Seeded procedural non-speech face layer: blinks, gaze saccades, brow raises, subtle smiles.

Events are drawn in seconds from a seeded generator and rendered on the output frame grid, so the
same seed gives the same performance at any fps. Prosody (speech phrases, pitch accents) comes from
the clip's :class:`inference.analysis.AudioAnalysis` (:func:`inference.prosody.analyze_prosody`:
Praat pitch and the WebRTC VAD, shipped wheels; the energy-only fallback for a missing library, a
second speech decision, is gone).

Constants and their sources:

* blink rate 15-20 / min during conversation, higher at pauses and phrase boundaries
  (Bentivoglio et al. 1997, "Analysis of blink rate patterns in normal subjects", Mov. Disord.);
  a blink closes in ~100 ms and reopens in ~150-200 ms (Kwon et al. 2013); minimum inter-blink
  interval (refractory period) 1 s is our choice;
* gaze fixations last ~0.3-3 s between saccades, saccades take ~30-50 ms (Bahill et al. 1975,
  main sequence); amplitudes here stay within +-30 % of the ARKit eyeLook range;
* eyebrow raises co-occur with pitch accents (Cavé et al. 1996; Krahmer & Swerts 2007).
"""

from __future__ import annotations

import numpy as np

from .._rigs import arkit as _arkit
from ..analysis import AudioAnalysis, analyze_audio
from ..audio import Audio

#: Base blink rate (blinks per minute); phrase-end blinks bring the total to ~15-20 / min.
BLINK_RATE_PER_MIN: float = 14.0
#: Minimum time between two blink onsets (s).
BLINK_REFRACTORY_S: float = 1.0
#: Minimum time between two brow raises (s).
BROW_MIN_GAP_S: float = 1.5
#: Probability of an extra blink just after a phrase ends.
PHRASE_END_BLINK_P: float = 0.6

_I = _arkit.ARKIT_INDEX


def add_procedural_layer(arkit: np.ndarray, audio: Audio, fps: float, seed: int,
                         amount: float = 1.0, analysis: AudioAnalysis | None = None) -> np.ndarray:
    """Add blinks, gaze, brows and smiles on top of speech-driven ARKit curves.

    Args:
        arkit: ``(T, 52)`` float32 in [0, 1] at ``fps`` (ARKit order); speech channels are kept,
            the layer adds to the eye, brow and smile channels.
        audio: the speech the curves belong to (16 kHz mono), used for phrases and accents.
        fps: frame rate of ``arkit`` (frames per second, > 0).
        seed: random seed; equal seeds give equal layers at every fps.
        amount: blend weight of the layer, 0 (off) .. 1 (full).
        analysis: the clip's :class:`inference.analysis.AudioAnalysis` (phrases, accents);
            ``None`` analyses ``audio`` here.

    Returns:
        ``(T, 52)`` float32 in [0, 1].

    Raises:
        ValueError: ``arkit`` is not ``(T, 52)``, ``fps`` is not positive or ``amount`` not in [0, 1].
    """
    arkit = np.asarray(arkit, dtype=np.float32)
    if arkit.ndim != 2 or arkit.shape[1] != _arkit.NUM_ARKIT:
        raise ValueError(f"arkit: expected shape (T, 52), found {arkit.shape}")
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps: expected a positive number, found {fps!r}")
    if not (0.0 <= amount <= 1.0):
        raise ValueError(f"amount: expected a number in [0, 1], found {amount!r}")
    t_frames = arkit.shape[0]
    times_s = np.arange(t_frames) / float(fps)
    duration_s = max(audio.duration_s, t_frames / float(fps))
    if analysis is None:
        analysis = analyze_audio(audio)
    p = analysis.prosody
    phrases = tuple(p.phrases)
    accents_s = np.asarray(p.accents_s, np.float64)
    accent_strength = np.asarray(p.accent_strength, np.float32)
    rng = np.random.default_rng(int(seed) & 0xFFFFFFFF)
    layer = np.zeros_like(arkit)
    _blinks(layer, times_s, duration_s, phrases, rng)
    _gaze(layer, times_s, duration_s, rng)
    _brows(layer, times_s, accents_s, accent_strength, rng)
    _smiles(layer, times_s, duration_s, rng)
    return np.clip(arkit + amount * layer, 0.0, 1.0).astype(np.float32)


def _pulse(times_s, onset_s, rise_s, hold_s, fall_s):
    """Smooth (cosine-eased) pulse 0 -> 1 -> 0 on ``times_s``."""
    t = times_s - onset_s
    up = 0.5 - 0.5 * np.cos(np.pi * np.clip(t / rise_s, 0.0, 1.0))
    down = 0.5 + 0.5 * np.cos(np.pi * np.clip((t - rise_s - hold_s) / fall_s, 0.0, 1.0))
    return np.where(t < rise_s + hold_s, up, down) * (t >= 0)


def _max_pulse(out, times_s, amp, onset_s, rise_s, hold_s, fall_s) -> None:
    """``out = max(out, amp * pulse)`` touching only the frames the pulse covers (in place)."""
    i0, i1 = np.searchsorted(times_s, [onset_s, onset_s + rise_s + hold_s + fall_s])
    if i1 > i0:
        seg = times_s[i0:i1]
        out[i0:i1] = np.maximum(out[i0:i1], amp * _pulse(seg, onset_s, rise_s, hold_s, fall_s))


def _blinks(layer, times_s, duration_s, phrases, rng) -> None:
    onsets = []
    t = rng.exponential(60.0 / BLINK_RATE_PER_MIN) * 0.5
    while t < duration_s:
        onsets.append(t)
        t += BLINK_REFRACTORY_S + rng.exponential(60.0 / BLINK_RATE_PER_MIN - BLINK_REFRACTORY_S)
    for _, end_s in phrases:
        if rng.random() < PHRASE_END_BLINK_P:
            onsets.append(end_s + rng.uniform(0.05, 0.3))
    onsets = sorted(onsets)
    kept: list[float] = []
    for o in onsets:  # phrase-end blinks replace a random one that falls too close
        if kept and o - kept[-1] < BLINK_REFRACTORY_S:
            continue
        kept.append(o)
    for o in kept:
        if o >= duration_s:
            continue
        amp = rng.uniform(0.85, 1.0)
        rise, fall = rng.uniform(0.08, 0.11), rng.uniform(0.14, 0.2)
        for side in ("Left", "Right"):
            col = layer[:, _I[f"eyeBlink{side}"]]
            _max_pulse(col, times_s, amp * rng.uniform(0.97, 1.0), o, rise, 0.03, fall)
            layer[:, _I[f"eyeBlink{side}"]] = col


def _gaze(layer, times_s, duration_s, rng) -> None:
    """Fixations held 0.3-3 s, 40 ms saccades; both eyes look the same direction."""
    h = np.zeros_like(times_s)
    v = np.zeros_like(times_s)
    t, cur_h, cur_v = 0.0, 0.0, 0.0
    while t < duration_s:
        # Return towards the listener (centre) more often than not.
        tgt_h = rng.normal(0.0, 0.12) if rng.random() < 0.6 else rng.uniform(-0.3, 0.3)
        tgt_v = rng.normal(0.0, 0.06) if rng.random() < 0.7 else rng.uniform(-0.2, 0.15)
        hold_s = rng.uniform(0.3, 3.0)
        i0, i1 = np.searchsorted(times_s, [t, t + hold_s])
        ramp = np.clip((times_s[i0:i1] - t) / 0.04, 0.0, 1.0)
        h[i0:i1] = cur_h + (tgt_h - cur_h) * ramp
        v[i0:i1] = cur_v + (tgt_v - cur_v) * ramp
        cur_h, cur_v = tgt_h, tgt_v
        t += hold_s
    # h > 0: the character looks to its own left: left eye out, right eye in.
    layer[:, _I["eyeLookOutLeft"]] = np.clip(h, 0, None)
    layer[:, _I["eyeLookInRight"]] = np.clip(h, 0, None)
    layer[:, _I["eyeLookInLeft"]] = np.clip(-h, 0, None)
    layer[:, _I["eyeLookOutRight"]] = np.clip(-h, 0, None)
    for side in ("Left", "Right"):
        layer[:, _I[f"eyeLookUp{side}"]] = np.clip(v, 0, None)
        layer[:, _I[f"eyeLookDown{side}"]] = np.clip(-v, 0, None)


def _brows(layer, times_s, accents_s, strength, rng) -> None:
    """Brow raises on the most prominent accents only (upper quartile of the recording, at most
    one per :data:`BROW_MIN_GAP_S`): eyebrow movements mark some pitch accents, not every
    stressed syllable (Krahmer & Swerts 2007)."""
    inner = np.zeros_like(times_s)
    outer = np.zeros_like(times_s)
    accents_s = np.asarray(accents_s, np.float64)
    strength = np.asarray(strength, np.float32)
    if accents_s.size:
        thr = max(0.4, float(np.percentile(strength, 75)))
        last = -np.inf
        for i in np.argsort(accents_s):
            a, st = accents_s[i], float(strength[i])
            if st < thr or a - last < BROW_MIN_GAP_S or rng.random() > 0.7:
                continue
            last = a
            hold = rng.uniform(0.05, 0.2)
            _max_pulse(inner, times_s, 0.35 * st, a - 0.08, 0.12, hold, 0.4)
            _max_pulse(outer, times_s, 0.3 * st * rng.uniform(0.7, 1.0), a - 0.08, 0.12, hold, 0.4)
    layer[:, _I["browInnerUp"]] = inner
    layer[:, _I["browOuterUpLeft"]] = outer
    layer[:, _I["browOuterUpRight"]] = outer * 0.95


def _smiles(layer, times_s, duration_s, rng) -> None:
    """A faint baseline smile and occasional 1-3 s smile episodes (about 2 per minute)."""
    base = rng.uniform(0.03, 0.08)
    smile = np.full_like(times_s, base)
    t = rng.exponential(30.0)
    while t < duration_s:
        length = rng.uniform(1.0, 3.0)
        _max_pulse(smile, times_s, rng.uniform(0.15, 0.3), t, 0.4, length, 0.6)
        t += length + rng.exponential(30.0)
    layer[:, _I["mouthSmileLeft"]] = smile
    layer[:, _I["mouthSmileRight"]] = smile * 0.95
    for side in ("Left", "Right"):  # Duchenne smile: slight eye squint with the smile
        layer[:, _I[f"eyeSquint{side}"]] = 0.3 * np.clip(smile - base, 0, None)
