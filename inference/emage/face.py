"""EMAGE's face on ARKit rigs: FLAME expression + jaw -> ARKit-52 by bounded least squares.

The user-supplied ARKit -> FLAME map (:mod:`inference.face.flame`) is linear::

    [expression, jaw] = arkit @ [E, J] + [expression_bias, jaw_bias]      arkit in [0, 1]^52

Going back, each frame solves ``min ||arkit @ [E, J] - ([expression, jaw] - bias)||^2`` subject
to ``0 <= arkit <= 1`` (a box-constrained least-squares problem; Blender ships no scipy, so it is
solved here with accelerated projected gradient, FISTA, Beck & Teboulle 2009, vectorised over
frames). ``mouthClose`` is then capped at ``jawOpen`` (Apple: it seals the lips against an open
jaw). Body backend ``"emage"``'s twin, face backend ``"emage"``, returns these curves.
"""

from __future__ import annotations

import numpy as np

from .._rigs import arkit as _arkit
from ..face.flame import FlameMap

#: Projected-gradient iterations (the 52-variable problem converges to ~1e-6 well before).
ITERATIONS: int = 500


def flame_to_arkit(expression: np.ndarray, jaw_pose: np.ndarray, fmap: FlameMap,
                   iterations: int = ITERATIONS) -> np.ndarray:
    """ARKit weights that best reproduce FLAME ``expression`` and ``jaw_pose`` under ``fmap``.

    Args:
        expression: (T, 100) float FLAME expression coefficients.
        jaw_pose: (T, 3) float jaw axis-angle, radians.
        fmap: the user's :class:`FlameMap` (ARKit -> FLAME).
        iterations: FISTA iterations.

    Returns:
        (T, 52) float32 in [0, 1], ARKit order, with ``mouthClose <= jawOpen``.

    Raises:
        ValueError: wrong shapes (the message names the argument).
    """
    expression = np.asarray(expression, np.float64)
    jaw_pose = np.asarray(jaw_pose, np.float64)
    if expression.ndim != 2 or expression.shape[1] != fmap.expression.shape[1]:
        raise ValueError(f"expression: expected (T, {fmap.expression.shape[1]}), found {expression.shape}")
    if jaw_pose.shape != (expression.shape[0], 3):
        raise ValueError(f"jaw_pose: expected ({expression.shape[0]}, 3), found {jaw_pose.shape}")
    m = np.concatenate([fmap.expression, fmap.jaw], axis=1).astype(np.float64)          # (52, 103)
    b = np.concatenate([expression - fmap.expression_bias, jaw_pose - fmap.jaw_bias], axis=1)
    q = m @ m.T                                                                          # (52, 52)
    c = b @ m.T                                                                          # (T, 52)
    lip = float(np.linalg.eigvalsh(q)[-1]) or 1.0
    x = np.clip(np.linalg.lstsq(q + 1e-9 * np.eye(len(q)), c.T, rcond=None)[0].T, 0.0, 1.0)
    y, t = x.copy(), 1.0
    for _ in range(iterations):
        x_new = np.clip(y - (y @ q - c) / lip, 0.0, 1.0)
        t_new = 0.5 * (1.0 + np.sqrt(1.0 + 4.0 * t * t))
        y = x_new + ((t - 1.0) / t_new) * (x_new - x)
        x, t = x_new, t_new
    jo, mc = _arkit.ARKIT_INDEX["jawOpen"], _arkit.ARKIT_INDEX["mouthClose"]
    x[:, mc] = np.minimum(x[:, mc], x[:, jo])
    return x.astype(np.float32)
