"""A head that talks: gaze holds and breaks, nods and tilts on accents and phrase ends, word nods
and shakes, all as neck + head rotations.

* **Gaze holds on the listener and breaks away at phrase starts.** Kendon (1967, "Some functions
  of gaze-direction in social interaction", Acta Psychologica 26: 22-63): speakers look away as
  they begin an utterance and back at the listener as they end it. Here the head faces the
  listener (the camera, +Z) and, at the start of most phrases (:data:`AVERT_P`), turns away by
  0.10-0.22 rad of yaw (with a little pitch) for 0.6-1.6 s (at most half the phrase), then comes
  back and holds. The body's own turns (stroke twists, weight shifts, steps) are compensated by
  :data:`HOLD_GAIN` of their yaw so the gaze stays on the listener while the torso moves.
* **Coordinated with the blinks.** Large gaze shifts come with a blink (Evinger et al. 1994,
  "Eyelid movements: mechanisms and normal data", Invest. Ophthalmol. Vis. Sci. 35). The blink
  times are the face's (:mod:`inference.face.procedural`, the one source of blink times): they are
  read back from the final face curves (``eyeBlinkLeft`` rising through 0.5) and a gaze break
  starts with the blink that falls within :data:`BLINK_SNAP_S` of the phrase start.
* **Nods and tilts from pitch accents** (the planner's accent nods, raised-cosine pitch pulses)
  and a small tilt (roll) on about a third of the strong accents; a settling nod at phrase ends
  (:data:`PHRASE_END_NOD_P`; Hadar et al. 1983, "Head movement correlates of juncture and stress
  at sentence level", Language and Speech 26: 117-129).
* **Words** (transcript mode, :mod:`inference.body.lexicon`): two or three nods on an
  affirmation, a head shake (yaw oscillation, ~2.5 Hz, Hann envelope) across a
  negation (McClave 2000; Kendon 2002), 0.15-0.22 rad (9-13 degrees) each way (our choice, by eye).

Everything is seeded; the split between neck and head is 40/60 as in :mod:`inference.body.idle`.
"""

from __future__ import annotations

import numpy as np

from .synthesis import euler_quat, interpolate_keys, pulses, smooth_noise

#: Probability that a phrase starts with a gaze break (our choice; Kendon 1967 found it for most
#: long utterances).
AVERT_P: float = 0.7
#: A face blink this close (s) to a phrase start starts the gaze break.
BLINK_SNAP_S: float = 0.4
#: Share of the torso's yaw the neck and head take back to keep facing the listener.
HOLD_GAIN: float = 0.7
#: Probability of a settling nod at a phrase end.
PHRASE_END_NOD_P: float = 0.6
#: Head shake: frequency (Hz) and amplitude (rad) of the yaw oscillation.
SHAKE_HZ: float = 2.5
SHAKE_RAD: tuple = (0.15, 0.22)


def blink_onsets_s(eye_blink: np.ndarray | None, fps: float) -> np.ndarray:
    """Blink onset times (s): frames where ``eye_blink`` ``(T,)`` (ARKit ``eyeBlinkLeft``, 0..1)
    rises through 0.5. ``None`` or an empty curve gives ``(0,)``."""
    if eye_blink is None or len(eye_blink) < 2:
        return np.zeros(0)
    b = np.asarray(eye_blink, np.float64) >= 0.5
    return (np.flatnonzero(b[1:] & ~b[:-1]) + 1) / float(fps)


def gaze_breaks(phrases, blinks_s: np.ndarray, rng: np.random.Generator) -> list[tuple]:
    """Planned gaze breaks ``[(onset_s, hold_s, (pitch, yaw, roll) rad), ...]``, one per chosen phrase."""
    out = []
    side = 1.0 if rng.random() < 0.5 else -1.0
    for s, e in phrases:
        r, hold, yaw, pitch, roll = (rng.random(), rng.uniform(0.6, 1.6), rng.uniform(0.10, 0.22),
                                     rng.uniform(-0.06, 0.08), rng.uniform(-0.04, 0.04))
        if r >= AVERT_P:
            continue
        near = blinks_s[np.abs(blinks_s - s) <= BLINK_SNAP_S] if blinks_s.size else blinks_s
        onset = float(near[np.argmin(np.abs(near - s))]) if near.size else float(s) - 0.1
        side = -side if rng.random() < 0.6 else side        # alternate sides more often than not
        out.append((onset, float(min(hold, 0.5 * (e - s))), (float(pitch), float(side * yaw), float(roll))))
    return out


def _orientation(t_s: np.ndarray, breaks) -> np.ndarray:
    """``(T, 3)`` pitch/yaw/roll: 0 (the listener) except during gaze breaks (0.35 s turns, minimum jerk)."""
    if not breaks:
        return np.zeros((t_s.shape[0], 3))
    kt, kv = [0.0], [np.zeros(3)]
    for onset, hold, tgt in breaks:
        a = max(onset, kt[-1] + 0.05)
        kt += [a, a + 0.35, a + 0.35 + max(hold, 0.1), a + 0.7 + max(hold, 0.1)]
        kv += [np.zeros(3), np.array(tgt), np.array(tgt), np.zeros(3)]
    return interpolate_keys(np.array(kt), np.array(kv), t_s, quaternion=False)


def head_motion(t_s: np.ndarray, phrases, nods, accents, rng: np.random.Generator,
                speech: np.ndarray | None = None, blinks_s: np.ndarray | None = None,
                cues=(), torso_yaw: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Neck and head local quaternions ``(T, 4)`` each (wxyz).

    Args:
        t_s: ``(T,)`` frame times (s).
        phrases: ``((start_s, end_s), ...)`` speech phrases.
        nods: ``[(time_s, strength), ...]`` accent nods from the planner.
        accents: ``(times_s (K,), strength (K,))`` accents (tilts are drawn from the strong ones).
        rng: seeded generator (the same seed gives the same head).
        speech: ``(T,)`` bool voice activity (head noise 40% as large in silence), optional.
        blinks_s: ``(B,)`` face blink onsets (s) to start gaze breaks with, optional.
        cues: :class:`inference.body.words.LexicalCue` list; ``head`` ``"nod"`` / ``"shake"`` used.
        torso_yaw: ``(T,)`` yaw (rad) of the upper spine in the body's heading frame, compensated
            by :data:`HOLD_GAIN`, optional.
    """
    from .idle import engagement

    n = t_s.shape[0]
    blinks = np.zeros(0) if blinks_s is None else np.asarray(blinks_s, np.float64)
    ori = _orientation(t_s, gaze_breaks(phrases, blinks, rng))
    pitch, yaw, roll = ori[:, 0].copy(), ori[:, 1].copy(), ori[:, 2].copy()
    pitch += pulses(t_s, [t + 0.03 for t, _ in nods], [0.07 * s for _, s in nods], 0.4)
    acc_t, acc_s = (np.asarray(a, np.float64) for a in accents)
    tilt_t = [float(t) for t, s in zip(acc_t, acc_s) if s >= 0.5 and rng.random() < 0.35]
    roll += pulses(t_s, tilt_t, [float(rng.choice([-1.0, 1.0])) * rng.uniform(0.03, 0.06) for _ in tilt_t], 0.8)
    ends = [float(e) for _, e in phrases if rng.random() < PHRASE_END_NOD_P]
    pitch += pulses(t_s, [e - 0.1 for e in ends], [0.045] * len(ends), 0.6)
    for c in cues:
        if c.head == "nod":
            k = 2 + int(rng.random() < 0.5)
            pitch += pulses(t_s, [c.time_s + 0.38 * j for j in range(k)], [0.09 * (1.0 - 0.2 * j) for j in range(k)], 0.34)
        elif c.head == "shake":
            dur = max(0.8, min(1.4, 2.0 * (c.end_s - c.time_s) + 0.6))
            x = (t_s - (c.time_s - 0.15)) / dur
            env = np.where((x > 0) & (x < 1), np.sin(np.pi * np.clip(x, 0, 1)) ** 2, 0.0)
            yaw += rng.uniform(*SHAKE_RAD) * env * np.sin(2 * np.pi * SHAKE_HZ * (t_s - c.time_s + 0.1))
    if torso_yaw is not None:
        yaw -= HOLD_GAIN * np.asarray(torso_yaw, np.float64)
    noise = smooth_noise(t_s, rng, 0.7, 0.035, dims=3)
    if speech is not None and n:
        noise *= (0.4 + 0.6 * engagement(t_s, speech))[:, None]
    pitch, yaw, roll = pitch + noise[:, 0], yaw + noise[:, 1], roll + noise[:, 2]
    return euler_quat(0.4 * pitch, 0.4 * yaw, 0.4 * roll), euler_quat(0.6 * pitch, 0.6 * yaw, 0.6 * roll)
