"""The one time base: seconds <-> frames at a scene rate of ``fps / fps_base``.

Blender stores a scene's rate as ``render.fps`` (int) and ``render.fps_base`` (float);
NTSC 29.97 is ``fps=30, fps_base=1.001``. Everything in this project converts through here.
"""

from __future__ import annotations

import numpy as np


def scene_rate(fps: float, fps_base: float = 1.0) -> float:
    """Return frames per second ``fps / fps_base``.

    Raises:
        ValueError: ``fps`` or ``fps_base`` is not a positive finite number.
    """
    if not (np.isfinite(fps) and fps > 0):
        raise ValueError(f"fps: expected a positive number, found {fps!r}")
    if not (np.isfinite(fps_base) and fps_base > 0):
        raise ValueError(f"fps_base: expected a positive number, found {fps_base!r}")
    return float(fps) / float(fps_base)


def seconds_to_frames(time_s, rate_fps: float):
    """Convert seconds to (fractional) frames: ``time_s * rate_fps``. Arrays broadcast."""
    return np.asarray(time_s, dtype=np.float64) * rate_fps


def frames_to_seconds(frames, rate_fps: float):
    """Convert (fractional) frames to seconds: ``frames / rate_fps``. Arrays broadcast."""
    return np.asarray(frames, dtype=np.float64) / rate_fps


def num_frames(duration_s: float, rate_fps: float) -> int:
    """Frames needed to cover ``duration_s`` at ``rate_fps``: ``ceil(duration_s * rate)`` (>= 1).

    A tolerance of 1e-6 frame keeps exact multiples (e.g. 2 s at 30 fps -> 60) from rounding up.
    """
    return max(1, int(np.ceil(duration_s * rate_fps - 1e-6)))


def resample_frames(values: np.ndarray, src_fps: float, dst_fps: float, num_out: int | None = None):
    """Linearly resample per-frame values from ``src_fps`` to ``dst_fps``.

    Args:
        values: ``(T, ...)`` array sampled at ``src_fps`` (frame ``i`` at ``i / src_fps`` s).
        src_fps, dst_fps: rates in frames per second.
        num_out: output frame count; default covers the same duration.

    Returns:
        ``(num_out, ...)`` float32 array; samples past the end hold the last value.
        Axis-angle rotations must not be resampled with this (use quaternion slerp).

    Raises:
        ValueError: ``values`` is empty.
    """
    values = np.asarray(values)
    if values.shape[0] == 0:
        raise ValueError("values: expected at least one frame, found 0")
    if num_out is None:
        num_out = num_frames(values.shape[0] / src_fps, dst_fps)
    t_src = np.arange(values.shape[0]) / src_fps
    t_dst = np.arange(num_out) / dst_fps
    flat = values.reshape(values.shape[0], -1).astype(np.float64)
    out = np.empty((num_out, flat.shape[1]))
    for c in range(flat.shape[1]):
        out[:, c] = np.interp(t_dst, t_src, flat[:, c])
    return out.reshape((num_out,) + values.shape[1:]).astype(np.float32)
