"""Occasional steps and turns with the feet locked while in contact.

A *stance* is a rigid placement of the whole standing body on the floor: a horizontal position
``(x, z)`` (m) and a heading ``yaw`` (rad about +Y). A step moves from one stance to the next:
the lead foot swings first (lifted :data:`LIFT_M`, moving horizontally only while it is more
than ~2 cm off the floor), the trailing foot follows, and the pelvis travels with the
minimum-jerk law over the whole step, dipping slightly. Between swings each foot keeps its exact
placement, so a planted foot never slides (Kovar et al. 2002 call sliding feet "footskate").

Step times are seeded, always just before a phrase start (speakers re-position between ideas), every
:data:`STEP_GAP_S` on average at ``stepping = 1``; stances stay within :data:`MAX_TRAVEL_M` of
the start and :data:`MAX_TURN_RAD` of the initial heading (the BEAT2 speaker wanders ~1 m and
turns by about +-0.5 rad over a minute).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .synthesis import minimum_jerk

#: Height (m) the swinging foot is lifted at mid-swing.
LIFT_M: float = 0.06
#: Duration (s) of one step, lead and trailing foot together.
STEP_S: float = 0.9
#: Range (s) of the seeded gap between steps at ``stepping = 1`` (uniform; shorter when higher).
STEP_GAP_S: tuple = (7.0, 16.0)
#: Stances stay within this distance (m) of the start (the BEAT2 speaker wanders ~1 m a minute).
MAX_TRAVEL_M: float = 0.45
#: Stances stay within this turn (rad) of the initial heading (the BEAT2 speaker: about +-0.5 rad).
MAX_TURN_RAD: float = 0.6
#: Vertical dip of the pelvis at mid-step (m).
DIP_M: float = 0.015


@dataclass(frozen=True)
class Step:
    """One step of :func:`plan_steps`: when it starts, which foot leads and the stance it reaches.

    Attributes:
        start_s: start time (s); the step takes :data:`STEP_S`.
        lead: ``"left"`` or ``"right"``, the foot that swings first (the side the body moves to).
        x_m, z_m: horizontal position (m) of the stance reached, from the start stance.
        yaw_rad: heading (rad about +Y) of the stance reached, from the initial heading.
    """

    start_s: float
    lead: str
    x_m: float
    z_m: float
    yaw_rad: float


def plan_steps(duration_s: float, phrase_starts_s, rng: np.random.Generator, stepping: float) -> list[Step]:
    """Seeded step plan; ``stepping`` 0 gives no steps, 1 about one every 7-16 s, 2 twice as often.

    Returns:
        time-sorted :class:`Step` list, non-overlapping (each takes :data:`STEP_S`).
    """
    if stepping <= 0.0 or duration_s < 4.0:
        return []
    starts = np.asarray(sorted(phrase_starts_s), dtype=np.float64)
    steps: list[Step] = []
    x = z = yaw = 0.0
    t = float(rng.uniform(2.0, 6.0))
    while t < duration_s - STEP_S:
        # snap to a nearby phrase start if there is one (within 1.5 s)
        near = starts[np.abs(starts - t) < 2.0] if starts.size else starts
        if not near.size:        # no phrase start near: no step (a silent speaker stands still)
            t += 2.0
            continue
        ts = float(near[0] - 0.3)
        ts = max(ts, steps[-1].start_s + STEP_S + 1.0 if steps else 0.5)
        if ts > duration_s - STEP_S:
            break
        dist = float(rng.uniform(0.08, 0.22))
        ang = float(rng.uniform(-np.pi, np.pi))
        dx, dz = dist * np.sin(ang), dist * np.cos(ang)
        r = np.hypot(x + dx, z + dz)
        if r > MAX_TRAVEL_M:                      # head back toward the start
            dx, dz = -x * dist / max(np.hypot(x, z), 1e-9), -z * dist / max(np.hypot(x, z), 1e-9)
        dyaw = float(rng.uniform(-0.35, 0.35))
        if abs(yaw + dyaw) > MAX_TURN_RAD:
            dyaw = -np.sign(yaw) * abs(dyaw)
        x, z, yaw = x + dx, z + dz, yaw + dyaw
        # lead with the foot on the side we move to
        side_move = np.cos(yaw) * dx - np.sin(yaw) * dz
        lead = "left" if side_move > 0 else "right"
        steps.append(Step(ts, lead, float(x), float(z), float(yaw)))
        t = ts + float(rng.uniform(*STEP_GAP_S)) / stepping
    return steps


def _swing(t_s, times, vals, lift_out=None):
    """Keyed stance values with minimum-jerk moves ``[(t0, t1), ...]``; returns (T, D)."""
    out = np.empty((t_s.shape[0], vals.shape[1]))
    out[:] = vals[0]
    for k, (t0, t1) in enumerate(times):
        u = (t_s - t0) / (t1 - t0)
        s = minimum_jerk(u)[:, None]
        seg = t_s >= t0
        out[seg] = (vals[k] + (vals[k + 1] - vals[k]) * s)[seg]
        if lift_out is not None:
            inside = (u > 0) & (u < 1)
            lift_out[inside] = np.maximum(lift_out[inside], LIFT_M * np.sin(np.pi * u[inside]))
    return out


def stance_tracks(t_s: np.ndarray, steps: list[Step]):
    """Per-frame body stance and foot placements for a step plan.

    Returns:
        dict with ``"body"`` ``(T, 3)`` (x, z, yaw) of the pelvis stance, ``"dip"`` ``(T,)`` m,
        and per side ``"left"``/``"right"``: ``(T, 3)`` (x, z, yaw) foot placement plus
        ``"left_lift"``/``"right_lift"`` ``(T,)`` m. A foot placement applies the stance's rigid
        motion to the foot's rest position.
    """
    n = t_s.shape[0]
    vals = np.zeros((len(steps) + 1, 3))
    for k, s in enumerate(steps):
        vals[k + 1] = (s.x_m, s.z_m, s.yaw_rad)
    body_times = [(s.start_s, s.start_s + STEP_S) for s in steps]
    out = {"body": _swing(t_s, body_times, vals), "dip": np.zeros(n)}
    for s in steps:
        u = (t_s - s.start_s) / STEP_S
        inside = (u > 0) & (u < 1)
        out["dip"][inside] += DIP_M * np.sin(np.pi * u[inside])
    half = 0.5 * STEP_S
    for side in ("left", "right"):
        lift = np.zeros(n)
        times = []
        for s in steps:
            t0 = s.start_s + (0.0 if s.lead == side else 0.42 * STEP_S)
            times.append((t0, t0 + half))
        # horizontal motion only in the middle 70% of the swing (the foot is > 2 cm up there)
        inner = [(a + 0.15 * (b - a), b - 0.15 * (b - a)) for a, b in times]
        out[side] = _swing(t_s, inner, vals)
        _swing(t_s, times, vals, lift_out=lift)
        out[f"{side}_lift"] = lift
    return out
