"""Arm key poses of the word-driven gestures (:mod:`inference.body.lexicon`).

Same conventions as :mod:`inference.body.library`: LEFT-arm coordinates relative to the left
shoulder joint, SMPL-X axes (+X subject's left, +Y up, +Z forward), metres; the right arm is the
mirror image. Each sampler returns a (preparation end, stroke apex) pair drawn from a continuous
family, so two "you"s never land on the same pose. Ranges were set by eye on the SMPL-X rest
skeleton (shoulder-to-midline 0.18 m, arm reach ~0.55 m):

* ``self_point``: the hand comes to the middle of the chest, palm toward the body (self deictic);
* ``point_you``: index pointing straight forward at the listener at chest height, arm extended;
* ``count``: enumeration, the hand raised in front of the chest, index up, palm forward-in;
* ``size_big``: both hands wide apart at chest height, palms facing each other (iconic size);
* ``size_small``: both hands close together in front, palms facing, a few cm apart.

(``point`` for "this"/"that"/"there" is :func:`inference.body.library.sample_stroke`'s pointing.)
"""

from __future__ import annotations

import numpy as np

from .library import MIDLINE_X_M, ArmPose, forward_for_height

LEXICAL_TYPES: tuple[str, ...] = ("self_point", "point_you", "count", "size_big", "size_small")


def _u(rng, lo, hi):
    return float(rng.uniform(lo, hi))


def _unit(v) -> tuple:
    v = np.asarray(v, dtype=np.float64)
    return tuple(v / max(float(np.linalg.norm(v)), 1e-9))


def sample_lexical(gtype: str, rng: np.random.Generator, amplitude: float,
                   posture: str = "neutral") -> tuple[ArmPose, ArmPose]:
    """Sample a (preparation end, stroke apex) pair of left-arm poses for a word gesture.

    Args:
        gtype: one of :data:`LEXICAL_TYPES`.
        rng: seeded generator.
        amplitude: 0..~2: larger moves the apex further out (size, pointing reach).
        posture: ``"open"`` widens, ``"closed"`` narrows (size gestures and pointing).

    Raises:
        ValueError: unknown ``gtype``.
    """
    a = float(np.clip(amplitude, 0.0, 2.0))
    widen = {"open": 0.04, "closed": -0.04}.get(posture, 0.0)
    if gtype == "self_point":
        # near the midline and ~20 cm in front of the spine: the trunk keep-out
        # (library.clear_of_torso) then moves it straight forward, onto the front of the chest
        apex = np.array([MIDLINE_X_M + _u(rng, 0.06, 0.10), _u(rng, -0.20, -0.14), _u(rng, 0.20, 0.23)])
        pre = apex + np.array([_u(rng, 0.05, 0.09), -0.05, _u(rng, 0.08, 0.12)])
        return (ArmPose(tuple(pre), _unit([-0.4, 0.0, -1.0]), pole=(0.9, -0.4, -0.2), fingers="flat", openness=0.4),
                ArmPose(tuple(apex), _unit([-0.2, 0.1, -1.0]), pole=(0.9, -0.4, -0.2), wrist_flex_rad=_u(rng, -0.1, 0.1),
                        fingers="flat", openness=_u(rng, 0.2, 0.5)))
    if gtype == "point_you":
        apex = np.array([_u(rng, -0.06, 0.04) + 0.5 * widen, _u(rng, -0.26, -0.16), _u(rng, 0.32, 0.40) + 0.03 * a])
        pre = apex + np.array([0.03, -0.06, -_u(rng, 0.10, 0.15)])
        palm = _unit([_u(rng, -0.8, -0.4), -1.0, 0.0])
        return (ArmPose(tuple(pre), palm, fingers="point", openness=0.2),
                ArmPose(tuple(apex), palm, wrist_flex_rad=_u(rng, -0.15, 0.0), fingers="point", openness=0.0))
    if gtype == "count":
        apex = np.array([_u(rng, 0.0, 0.10) + widen, _u(rng, -0.22, -0.12), _u(rng, 0.26, 0.32)])
        pre = apex + np.array([0.02, -_u(rng, 0.06, 0.10), -0.04])
        palm = _unit([-0.6, 0.0, 1.0])
        return (ArmPose(tuple(forward_for_height(pre)), palm, pole=(0.5, -1.0, 0.0), fingers="relaxed", openness=0.3),
                ArmPose(tuple(forward_for_height(apex)), palm, pole=(0.5, -1.0, 0.0), wrist_flex_rad=-0.3,
                        fingers="point", openness=0.0))
    if gtype == "size_big":
        apex = np.array([_u(rng, 0.22, 0.32) + 0.05 * a + widen, _u(rng, -0.28, -0.14), _u(rng, 0.24, 0.32)])
        pre = np.array([MIDLINE_X_M + _u(rng, 0.14, 0.18), apex[1] - 0.04, apex[2] - 0.02])
        palm = _unit([-1.0, 0.1, 0.1])
        return (ArmPose(tuple(forward_for_height(pre)), palm, fingers="open", openness=0.3),
                ArmPose(tuple(forward_for_height(apex)), palm, wrist_flex_rad=-0.1, fingers="open", openness=_u(rng, 0.0, 0.3)))
    if gtype == "size_small":
        apex = np.array([MIDLINE_X_M + _u(rng, 0.06, 0.08), _u(rng, -0.30, -0.20), _u(rng, 0.30, 0.36)])
        pre = apex + np.array([_u(rng, 0.08, 0.12), 0.02, -0.03])
        palm = _unit([-1.0, 0.2, 0.0])
        return (ArmPose(tuple(forward_for_height(pre)), palm, fingers="flat", openness=0.4),
                ArmPose(tuple(forward_for_height(apex)), palm, wrist_flex_rad=_u(rng, -0.1, 0.1), fingers="flat",
                        openness=_u(rng, 0.0, 0.3)))
    raise ValueError(f"word gesture type: expected one of {LEXICAL_TYPES}, found {gtype!r}")
