"""Key reduction of a bake, batched: which frames of each channel keep a key.

Thinning itself is :func:`inference.keyreduce.reduce_keys_joint` (bpy-free); this module turns
the UI's tolerances into its limits and groups a target's channels into as few calls as possible.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..inference.keyreduce import CHUNK_SAMPLES, reduce_keys_joint


@dataclass(frozen=True)
class KeyTolerance:
    """Error bounds of key reduction, in the units the UI shows.

    Attributes:
        value: shape-key weights and other scalar channels (value units, >= 0).
        rotation_deg: a bone's rotation, as the angle between the kept keys' interpolation and the
            per-frame rotation (degrees); all four quaternion channels keep the same frames.
        location_m: a bone's location, Euclidean distance (metres); its three channels share frames.
    """

    value: float
    rotation_deg: float
    location_m: float

    @classmethod
    def from_value(cls, tolerance: float) -> "KeyTolerance":
        """One number as before (``--reduce-keys TOL``): a quaternion component error ``e`` is about
        a rotation of ``2 e`` radians, so rotations get ``degrees(2 * TOL)``; locations ``TOL`` metres."""
        return cls(float(tolerance), float(np.degrees(2.0 * tolerance)), float(tolerance))


def as_tolerance(tolerance) -> KeyTolerance | None:
    """``None`` (every frame), a :class:`KeyTolerance`, or one number (:meth:`KeyTolerance.from_value`)."""
    if tolerance is None or isinstance(tolerance, KeyTolerance):
        return tolerance
    return KeyTolerance.from_value(float(tolerance))


def reduced_indices(channels, tolerance) -> list:
    """Kept key indices per channel (``None`` = every frame; else ``(K,)`` int64 frame indices).

    A bone's ``rotation_quaternion`` channels are reduced jointly (rotation angle), its ``location``
    channels jointly (distance), other channels one by one; each kind batched per length, a
    chunk of :data:`inference.keyreduce.CHUNK_SAMPLES` samples at a time, stacked in float64 (the
    same keys as one stack of everything, in a few MiB whatever the clip's length).
    """
    tol = as_tolerance(tolerance)
    if tol is None:
        return [None] * len(channels)
    kept: list = [None] * len(channels)
    groups: dict[tuple, list[int]] = {}
    for i, ch in enumerate(channels):
        kind = ("angle_deg" if ch.data_path.endswith(".rotation_quaternion") else
                "distance" if ch.data_path.endswith("].location") else "abs")
        key = (kind, ch.data_path) if kind != "abs" else ("abs", i)
        groups.setdefault(key, []).append(i)
    batches: dict[tuple, list[list[int]]] = {}
    for (kind, _), members in groups.items():
        if kind == "angle_deg" and len(members) != 4:
            kind = "abs"  # an incomplete quaternion: reduce the components it has one by one
        if kind == "abs":
            for m in members:
                batches.setdefault(("abs", int(np.asarray(channels[m].values).shape[0]), 1), []).append([m])
        else:
            members = sorted(members, key=lambda m: channels[m].index)
            n = int(np.asarray(channels[members[0]].values).shape[0])
            batches.setdefault((kind, n, len(members)), []).append(members)
    limit = {"abs": tol.value, "angle_deg": tol.rotation_deg, "distance": tol.location_m}
    for (kind, n, d), member_lists in batches.items():
        per = max(1, CHUNK_SAMPLES // n)  # stacked a few groups at a time: memory bounded by the chunk
        for lo in range(0, len(member_lists), per):
            chunk = member_lists[lo:lo + per]
            stack = np.empty((len(chunk), n, d), np.float64)
            for g, ms in enumerate(chunk):
                for k, m in enumerate(ms):
                    stack[g, :, k] = channels[m].values
            for ms, idx in zip(chunk, reduce_keys_joint(stack, float(limit[kind]), kind)):
                for m in ms:
                    kept[m] = idx
    return kept
