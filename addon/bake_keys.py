"""Writing a channel's keys: one new F-curve per channel, its keys set in bulk.

Keys are written with ``keyframe_points.add`` + ``foreach_set`` (no per-key Python calls), on every
frame, or on the frames key reduction kept (:mod:`addon.bake_reduce`, then with linear
interpolation). What was written is returned (:func:`write_curve`: the F-curve and its ``co``), so
the bake digests each curve right after writing it (:meth:`addon.digests.KeyReader.digest`) without
reading the keys' ``co`` back, and holds nothing of it afterwards.
"""

from __future__ import annotations

import bpy
import numpy as np

from . import compat
from ..inference.keyreduce import reduce_keys
from .bake_data import Channel
from .bake_reduce import as_tolerance

_LINEAR = None


def _linear() -> int:
    """Integer value of the ``'LINEAR'`` key interpolation (as ``foreach_set`` takes it)."""
    global _LINEAR
    if _LINEAR is None:
        _LINEAR = bpy.types.Keyframe.bl_rna.properties["interpolation"].enum_items["LINEAR"].value
    return _LINEAR


def write_channel(container, channel: Channel, frame_start: int, tolerance: float | None,
                  kept=None) -> int:
    """Create one F-curve and write its keys in bulk; return the number of keys written.

    Every frame keyed (``tolerance is None``): Blender's default Bezier keys with auto-clamped
    handles, exact at every frame. Reduced keys: linear interpolation, so the error bound of
    :func:`reduce_keys` holds between keys too. ``kept`` (optional) gives the key indices already
    reduced for this channel (:func:`addon.bake_reduce.reduced_indices` over a whole target at once).
    """
    return write_curve(container, channel, frame_start, tolerance, kept)[1].shape[0] // 2


def write_curve(container, channel: Channel, frame_start: int, tolerance: float | None, kept=None):
    """:func:`write_channel`; returns ``(fcurve, co)``: the new F-curve and the ``(2 N,)`` float32
    ``co`` written (frame, value pairs)."""
    values = np.asarray(channel.values)
    if kept is None and tolerance is None:  # every frame: no index arrays (same float32 values)
        n = int(values.shape[0])
        co = np.empty(2 * n, dtype=np.float32)
        co[0::2] = np.arange(frame_start, frame_start + n)
        co[1::2] = values
    else:  # the kept samples cast to float32 as they are (float64 -> float32 of a float32 is exact)
        idx = np.asarray(kept, dtype=np.int64) if kept is not None else reduce_keys(values, as_tolerance(tolerance).value)
        n = int(idx.shape[0])
        co = np.empty(2 * n, dtype=np.float32)
        co[0::2] = frame_start + idx
        co[1::2] = values[idx]
    fc = compat.new_fcurve(container, channel.data_path, channel.index, channel.group)
    points = fc.keyframe_points
    points.add(n)
    points.foreach_set("co", co)
    if tolerance is not None:
        # one byte per key, as Blender stores it: foreach_set copies straight into the key array
        points.foreach_set("interpolation", np.full(n, _linear(), dtype=np.uint8))
    compat.recalc_handles(fc)
    return fc, co
