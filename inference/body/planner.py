"""Gesture planning: prosody -> gesture units -> timed arm key poses.

Follows the gesture-phase model of Kendon (2004, "Gesture: Visible Action as Utterance") and
McNeill (1992): a *gesture unit* runs from rest to rest and holds one or more *gesture phrases*,
each a preparation, a stroke and an optional post-stroke hold, followed by a retraction.
The stroke's apex (its end, where the hand's velocity reaches its minimum) is placed on the
stressed syllable (pitch accent), which is what the beat-consistency metric of BEAT/EMAGE measures.

Everything is seeded: the same prosody, style and seed give the same plan. Repetition is kept
down by (a) penalising the type+hand of the last strokes, (b) rejecting key poses that land within
a few centimetres of the recent ones of the same type and side, and (c) drawing poses from
continuous parameter families (:func:`inference.body.library.sample_stroke`).
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from ..options import GestureStyle
from ..prosody import Prosody
from . import library as lib
from .lexical_poses import LEXICAL_TYPES, sample_lexical

#: Base probabilities of gesture types (beats dominate natural co-speech gesture; McNeill 1992
#: reports beats as the most frequent type in narrations).
TYPE_WEIGHTS: dict[str, float] = {"beat": 0.42, "open_palm": 0.26, "frame": 0.16, "point": 0.16}
#: Strokes closer than this (s, at rate 1) are not both gestured.
MIN_STROKE_GAP_S: float = 0.45
#: Strokes of one phrase closer than this (s) share one gesture unit (no retraction between).
UNIT_JOIN_S: float = 1.1
#: A word gesture (transcript mode) this soon (s) after the previous stroke joins its unit.
WORD_JOIN_S: float = 2.5
#: A pause longer than this (s) between units brings the hands back to full rest.
FULL_REST_PAUSE_S: float = 0.8
#: How many recent apex positions per (type, side) are kept to avoid near repeats, and how near (m).
POSE_MEMORY: int = 12
POSE_MIN_DIST_M: float = 0.04


@dataclass(frozen=True)
class Key:
    """An arm key pose at a time: the arm reaches ``pose`` at ``time_s`` with zero velocity."""

    time_s: float
    pose: lib.ArmPose
    active: bool = True      # False for rest poses (drives the amount of secondary motion)


@dataclass(frozen=True)
class Stroke:
    """One planned stroke (for evaluation and debugging)."""

    apex_s: float
    gtype: str
    hands: str           # "left", "right" or "both"
    amplitude: float
    apex_wrist_m: tuple = (0.0, 0.0, 0.0)   # apex wrist target of the first hand (its side's coordinates)


@dataclass
class Plan:
    """Output of :func:`plan_gestures`: per-side key lists, strokes, head nods, micro-beats."""

    keys: dict = field(default_factory=lambda: {"left": [], "right": []})
    strokes: list = field(default_factory=list)
    nods: list = field(default_factory=list)          # [(time_s, strength in [0, 1]), ...]
    micro_beats: dict = field(default_factory=lambda: {"left": [], "right": []})  # [(time_s, depth_m)]


def loudness(prosody: Prosody) -> np.ndarray:
    """``(N,)`` vocal energy normalised to the clip's own speech range, in [0, 1] (100 fps).

    0 = the 10th percentile of speech-frame energy, 1 = the 95th; independent of recording gain.
    """
    e = prosody.energy_db.astype(np.float64)
    sp = e[prosody.speech] if prosody.speech.any() else e
    lo, hi = np.percentile(sp, 10), np.percentile(sp, 95)
    return np.clip((e - lo) / max(hi - lo, 1e-3), 0.0, 1.0)


def _frame_at(prosody: Prosody, t: float) -> int:
    return int(np.clip(round(t * prosody.fps), 0, prosody.num_frames - 1))


def _choose_strokes(prosody, loud, style, rng):
    """Accents that get a stroke: greedy in time, probability from accent strength and loudness."""
    chosen = []
    gap = MIN_STROKE_GAP_S / style.rate
    last = -1e9
    energy_gate = min(1.0, style.energy)
    for t, s in zip(prosody.accents_s, prosody.accent_strength):
        if t - last < gap:
            continue
        ld = loud[max(0, _frame_at(prosody, t) - 10):_frame_at(prosody, t) + 11].max()
        p = (0.3 + 0.8 * float(s)) * (0.45 + 0.55 * ld) * min(1.5, style.rate ** 0.7) * energy_gate
        if rng.random() < min(p, 0.95):
            chosen.append((float(t), float(s), float(ld)))
            last = t
    return chosen


#: Peak hand speed allowed for planned moves (m/s); the BEAT2 take's wrist speed p99 is ~2 m/s.
MAX_HAND_SPEED_M_S: float = 1.5


#: Peak forearm-twist / palm-turn speed allowed for planned moves (rad/s).
MAX_PALM_TURN_RAD_S: float = 6.0


def _min_move_s(a: lib.ArmPose, b: lib.ArmPose) -> float:
    """Shortest duration of a minimum-jerk move between two poses (peak speed 1.875 d / T),
    limited by both the hand's travel and how far the palm turns."""
    d = math.dist(a.wrist_m, b.wrist_m)
    na, nb = math.hypot(*a.palm), math.hypot(*b.palm)
    c = sum(x * y for x, y in zip(a.palm, b.palm)) / max(na * nb, 1e-12)
    turn = math.acos(max(-1.0, min(1.0, c)))
    return max(0.12, 1.875 * d / MAX_HAND_SPEED_M_S, 1.875 * turn / MAX_PALM_TURN_RAD_S)


def _phrase_of(t, phrases):
    for k, (s, e) in enumerate(phrases):
        if s - 0.05 <= t <= e + 0.05:
            return k
    return -1


def _pick_type(rng, first_in_unit, strength, recent):
    w = dict(TYPE_WEIGHTS)
    if first_in_unit:
        w["beat"] *= 0.6
    else:
        w["beat"] *= 1.8          # beats ride on an open unit
    if strength > 0.7:
        for k in ("open_palm", "frame", "point"):
            w[k] *= 1.3
    for gtype, _ in list(recent)[-2:]:
        if gtype in w and gtype != "beat":   # word gestures (transcript mode) are not in TYPE_WEIGHTS
            w[gtype] *= 0.35
    names = list(w)
    p = np.array([w[n] for n in names])
    return names[int(rng.choice(len(names), p=p / p.sum()))]


def _pick_hands(rng, gtype, style, prev_hands):
    if gtype == "frame":
        return "both"
    if gtype in ("beat", "open_palm") and rng.random() < style.two_handed:
        return "both"
    if style.handedness in ("left", "right"):
        return style.handedness if rng.random() < 0.8 else ("left" if style.handedness == "right" else "right")
    if prev_hands in ("left", "right") and rng.random() < 0.7:
        return prev_hands
    return "left" if rng.random() < 0.5 else "right"


def _sample_far(rng, gtype, amp, posture, memory):
    """Sample (pre, apex) away from recent apexes of the same type; up to 6 tries."""
    mem = np.asarray(memory) if len(memory) else None
    best, best_d = None, -1.0
    for _ in range(6):
        pre, apex = (sample_lexical if gtype in LEXICAL_TYPES else lib.sample_stroke)(gtype, rng, amp, posture)
        if mem is None:
            return pre, apex
        d = float(np.sqrt(((mem - np.asarray(apex.wrist_m)) ** 2).sum(axis=1)).min())
        if d >= POSE_MIN_DIST_M:
            return pre, apex
        if d > best_d:
            best, best_d = (pre, apex), d
    return best


def plan_gestures(prosody: Prosody, duration_s: float, style: GestureStyle = GestureStyle(),
                  seed: int = 0, cues=()) -> Plan:
    """Plan gestures and head nods for one utterance.

    Args:
        prosody: :class:`inference.prosody.Prosody` of the audio.
        duration_s: audio duration in seconds.
        style: :class:`inference.options.GestureStyle` (energy scales amplitude and stroke
            probability, rate scales stroke spacing and probability, handedness biases the
            hand of one-handed strokes, posture moves hands outward/inward and the rest pose).
        seed: random seed; the plan is a deterministic function of (prosody, style, seed, cues).
        cues: word gestures (:class:`inference.body.words.LexicalCue`, transcript mode): each cue
            with an ``arm_gesture`` becomes a stroke of that type with its apex on the word's
            stressed syllable; accent strokes closer than :data:`MIN_STROKE_GAP_S` to it are
            dropped. Without cues the plan is the audio-only one.

    Returns:
        :class:`Plan`; its keys are sorted by time per side and start with a rest key at 0 s.
    """
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0xB0D1])
    loud = loudness(prosody)
    plan = Plan()
    rest_kind = _rest_kind(style, rng, long_pause=False)
    rest = {side: lib.rest_pose(rest_kind, rng, style.posture) for side in ("left", "right")}
    for side in ("left", "right"):
        plan.keys[side].append(Key(0.0, rest[side], False))
    strokes = [(t, s, ld, None, None) for t, s, ld in _choose_strokes(prosody, loud, style, rng)]
    if cues:
        strokes = _merge_cues(strokes, cues, prosody, loud, style)
    recent = deque(maxlen=4)
    memory = {}
    prev_hands = None
    prev_apex = -1e9
    prev_phrase = -2
    active = {"left": False, "right": False}   # hand currently out of rest
    apexes = {"left": set(), "right": set()}    # stroke apex key times per side (never removed)
    for i, (t_acc, strength, ld, forced_type, forced_hands) in enumerate(strokes):
        phrase = _phrase_of(t_acc, prosody.phrases)
        first = phrase != prev_phrase or (t_acc - prev_apex) > UNIT_JOIN_S
        if forced_type and t_acc - prev_apex < WORD_JOIN_S:
            first = False       # a word gesture soon after a unit joins it: no retraction to rest in between
        # close the previous unit: retract
        if first and i > 0:
            rest_kind = _rest_kind(style, rng, long_pause=t_acc - prev_apex > 2.5)
            rest = {s: lib.rest_pose(rest_kind, rng, style.posture) for s in ("left", "right")}
            _retract(plan, rest, active, prev_apex, t_acc, rng, style, prosody)
        gtype = forced_type or _pick_type(rng, first, strength, recent)
        hands = "both" if forced_hands == "both" else _pick_hands(rng, gtype, style, prev_hands)
        amp = float(np.clip((0.35 + 0.65 * ld) * (0.6 + 0.4 * strength) * style.energy, 0.0, 2.0))
        sides = ("left", "right") if hands == "both" else (hands,)
        apex_t = t_acc + float(rng.uniform(0.0, 0.05))
        dur = float(np.clip(rng.uniform(0.24, 0.40) / (0.75 + 0.25 * style.energy), 0.2, 0.5))
        prep = float(rng.uniform(0.35, 0.6))
        hold = float(rng.uniform(0.15, 0.45))
        pair = None
        done = False
        for side in sides:
            mem = memory.setdefault((gtype, side), deque(maxlen=POSE_MEMORY))
            if pair is None or gtype not in _MIRRORED:
                pre, apex = _sample_far(rng, gtype, amp, style.posture, mem)
                if pair is not None:  # second hand of a two-handed beat: near-mirror of the first
                    mix = 0.7
                    apex = lib.with_offset(apex, mix * (np.asarray(pair[1].wrist_m) - np.asarray(apex.wrist_m)))
                    pre = lib.with_offset(pre, mix * (np.asarray(pair[0].wrist_m) - np.asarray(pre.wrist_m)))
                pair = pair or (pre, apex)
            else:
                pre, apex = pair
            mem.append(np.asarray(apex.wrist_m))
            keys = plan.keys[side]
            if forced_type:
                _make_room(keys, apex_t, apex, apexes[side])
            last = keys[-1]
            n_before = len(keys)
            d_stroke = max(dur, _min_move_s(pre, apex))
            t_pre = apex_t - d_stroke
            if t_pre - last.time_s < _min_move_s(last.pose, pre):
                # no time for a preparation: strike straight from where the hand is, if possible
                if apex_t - last.time_s < max(0.2, _min_move_s(last.pose, apex)):
                    continue
                pre = None
            if pre is not None:
                prep_start = t_pre - max(prep, _min_move_s(last.pose, pre))
                if prep_start - last.time_s > 0.15:
                    # hold the previous pose (rest, ready or post-stroke hold) until the preparation
                    keys.append(Key(prep_start, last.pose, last.active))
                keys.append(Key(t_pre, pre))
            keys.append(Key(apex_t, apex))
            apexes[side].add(apex_t)
            keys.append(Key(apex_t + hold, lib.with_offset(apex, (0.0, -0.015, -0.01))))
            active[side] = True
            done = (last, keys[n_before:])
        if not done:
            continue
        if hands != "both":
            _follow(plan, "right" if hands == "left" else "left", done[0], done[1], active,
                    _follow_gain(gtype), rng)
        plan.strokes.append(Stroke(apex_t, gtype, hands, amp, tuple(pair[1].wrist_m)))
        recent.append((gtype, hands))
        prev_hands, prev_apex, prev_phrase = hands, apex_t, phrase
    if strokes:
        _retract(plan, rest, active, prev_apex, duration_s + 10.0, rng, style, prosody)
    _plan_micro_beats(plan, prosody, style)
    _plan_head(plan, prosody, duration_s, rng, style)
    for side in ("left", "right"):
        plan.keys[side] = [k for k in plan.keys[side] if k.time_s <= duration_s + 2.0]
    return plan


def _make_room(keys, apex_t, apex, apex_times):
    """A word gesture must happen on its word: drop this side's trailing non-apex keys (a
    post-stroke hold, an echo, a ready or rest key) that leave no time to reach ``apex`` by
    ``apex_t``; earlier strokes' apexes stay."""
    while (len(keys) > 1 and keys[-1].time_s not in apex_times
           and apex_t - keys[-1].time_s < max(0.2, _min_move_s(keys[-1].pose, apex))):
        keys.pop()


#: Two-handed types whose second hand is the exact mirror of the first.
_MIRRORED: tuple[str, ...] = ("frame", "size_big", "size_small")


def _merge_cues(strokes, cues, prosody, loud, style):
    """Accent strokes plus the cues' word gestures (forced type and hands), sorted by time; a
    cue within the stroke gap of an earlier cue is dropped, and so is an accent stroke near a cue."""
    gap = MIN_STROKE_GAP_S / style.rate
    forced, last = [], -1e9
    for c in sorted(cues, key=lambda c: c.time_s):
        if not c.arm_gesture or c.time_s - last < gap:
            continue
        i = _frame_at(prosody, c.time_s)
        ld = float(loud[max(0, i - 10):i + 11].max())
        forced.append((float(c.time_s), float(c.strength), ld, c.arm_gesture, "both" if c.hands == "both" else None))
        last = c.time_s
    times = np.array([f[0] for f in forced])
    keep = [s for s in strokes if times.size == 0 or np.abs(times - s[0]).min() >= gap]
    return sorted(keep + forced, key=lambda s: s[0])


def _rest_kind(style, rng, long_pause: bool) -> str:
    """Rest between gesture units: forearms up in front or the arms hanging at the sides (the
    BEAT2 speaker's wrists are below the pelvis joint in 25-50% of the frames), more often
    hanging after long pauses; sometimes hands in front of the belly; seated: on the thighs."""
    if style.stance == "seated":
        return "thighs"
    p_side = 0.9 if long_pause else 0.7
    if style.posture == "closed":
        return "front" if rng.random() < 0.5 else "forearms"
    r = rng.random()
    return "side" if r < p_side else ("front" if r < p_side + 0.1 else "forearms")


#: Coupling of the two hands, measured on the tuning half (0-32 s) of the BEAT2 take
#: (``2_scott_0_1_1``; body-heading frame, 2 s windows every 0.5 s): in a window the less active
#: wrist moves at a median 0.80 of the more active one's mean speed, the two speeds correlate at
#: 0.75 overall, and their cross-correlation peaks at lag 0 (+-1 frame at 30 fps); the mirrored
#: wrist velocities correlate on every axis (0.55 across, 0.72 up-down, 0.80 front-back). So
#: during a one-handed stroke the other hand makes the same movement mirrored, smaller, with no lag.
FOLLOW_GAIN: float = 0.8
#: Delay (s) of the following hand (the take's cross-correlation peak: 0 frames).
FOLLOW_LAG_S: float = 0.0
#: Word gestures whose other hand only makes a sympathetic movement (deictics and counting are
#: one-handed, McNeill 1992): their following gain is this share of :data:`FOLLOW_GAIN`.
SYMPATHETIC_SHARE: float = 0.5
_ONE_HANDED_WORDS: tuple[str, ...] = ("self_point", "point_you", "point", "count")


def _follow_gain(gtype: str) -> float:
    return FOLLOW_GAIN * (SYMPATHETIC_SHARE if gtype in _ONE_HANDED_WORDS else 1.0)


def _follow(plan, side, start, lead_keys, active, gain, rng):
    """The hand not making a one-handed stroke follows it: each of the stroke hand's new keys
    (``lead_keys``, moving from ``start``) is copied onto ``side`` at the same time plus
    :data:`FOLLOW_LAG_S`, displaced from that hand's own current pose by ``gain`` (jittered
    +-20%) times the stroke hand's displacement, mirrored (each side's keys are in its own
    mirrored coordinates). A key that would come within 0.15 s of ``side``'s last key, or need
    more than :data:`MAX_HAND_SPEED_M_S` to reach, is skipped."""
    keys = plan.keys[side]
    base = keys[-1]
    g = gain * float(rng.uniform(0.8, 1.2))
    s0 = np.asarray(start.pose.wrist_m)
    moved = False
    for k in lead_keys:
        t = k.time_s + FOLLOW_LAG_S
        pose = lib.with_offset(base.pose, g * (np.asarray(k.pose.wrist_m) - s0))
        if t - keys[-1].time_s < max(0.15, _min_move_s(keys[-1].pose, pose)):
            continue
        keys.append(Key(t, pose, True))
        moved = True
    if moved:
        active[side] = True


def _retract(plan, rest, active, prev_apex, next_t, rng, style, prosody):
    """Retract active hands after a unit: to rest for long pauses, else to a low ready pose."""
    for side in ("left", "right"):
        if not active[side]:
            continue
        keys = plan.keys[side]
        last = keys[-1].time_s
        start = max(last + 0.05, prev_apex + 0.35)
        if next_t - start > FULL_REST_PAUSE_S:
            dur = float(rng.uniform(0.55, 0.85))
            keys.append(Key(start + dur, rest[side], False))
            active[side] = False
        elif next_t - start > 0.7:
            keys.append(Key(start + float(rng.uniform(0.35, 0.5)), lib.ready_pose(rng, style.posture)))


def _plan_micro_beats(plan, prosody, style):
    """Small down-flicks on accents that got no stroke (beats riding on a unit; smaller at rest)."""
    apexes = np.array([s.apex_s for s in plan.strokes]) if plan.strokes else np.zeros(0)
    acc = prosody.accents_s
    if apexes.size:
        near = np.abs(acc[:, None] - apexes[None, :]).min(axis=1) < 0.3 if acc.size else np.zeros(0, bool)
    else:
        near = np.zeros(acc.size, bool)
    for side in ("left", "right"):
        for t, s in zip(acc[~near], prosody.accent_strength[~near]):
            plan.micro_beats[side].append((float(t), min(0.04, (0.012 + 0.025 * float(s)) * style.energy)))


def _plan_head(plan, prosody, duration_s, rng, style):
    """Nods on strong accents (>= 0.4 s apart); the head's orientation (gaze holds and breaks)
    is planned by :mod:`inference.body.head`."""
    last = -1e9
    for t, s in zip(prosody.accents_s, prosody.accent_strength):
        if s >= 0.3 and t - last >= 0.4:
            plan.nods.append((float(t), float(s) * min(1.5, 0.5 + 0.5 * style.energy)))
            last = t
