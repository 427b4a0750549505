"""Resample a whole :class:`Performance` to another frame rate (imported files -> scene rate)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .._rigs import rotations as _rot
from ..performance import Performance
from ..timebase import num_frames, resample_frames


def resample_performance(perf: Performance, fps: float) -> Performance:
    """Return ``perf`` at ``fps`` covering the same duration (``ceil(duration * fps)`` frames).

    Curves (ARKit, expression, translation) are linearly interpolated; rotations (``smplx_poses``,
    ``jaw_pose``) are slerped as quaternions. Returns ``perf`` itself when the rates are equal.

    Raises:
        ValueError: ``fps`` is not positive.
    """
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps: expected a positive number, found {fps!r}")
    if abs(float(fps) - float(perf.fps)) < 1e-9:
        return perf
    n = num_frames(perf.duration_s, fps)

    def lin(x):
        return None if x is None else resample_frames(x, perf.fps, fps, n).astype(np.float32)

    def rot(x):
        return None if x is None else _rot.resample_axis_angle(x, perf.fps, fps, n)

    return replace(perf, fps=float(fps), arkit=np.clip(lin(perf.arkit), 0.0, 1.0), expression=lin(perf.expression),
                   jaw_pose=rot(perf.jaw_pose), smplx_poses=rot(perf.smplx_poses), transl=lin(perf.transl))
