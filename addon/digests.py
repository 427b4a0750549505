"""Per-F-curve digests of what a generated action plays, read in bulk: how edits are detected.

A digest is 16 hex digits of BLAKE2b (8 bytes) over, in this order: the curve key
``'data_path[index]'`` (UTF-8), the keys' ``co`` as float32 ``(frame, value)`` pairs, the keys'
``interpolation``, ``handle_left_type`` and ``handle_right_type`` enum values, the
``handle_left`` then ``handle_right`` float32 coordinates of the keys whose left or right handle is
``FREE``/``ALIGNED`` (the other types follow the keys), and the modifier types joined by ``,``.
``mute``/``select``/``lock`` are not part of it (muting is not an edit).

Two layouts differ only in the width of the enum values: :data:`LAYOUT` 2 (written since
2026-12) hashes them as one byte each, as Blender stores them; layout 1 (actions stamped before,
whose tag has no ``curve_digest_layout``) as int32. A tag's digests are always checked in the layout they
were stamped in (:func:`addon.layers.edited_curves`).

Speed: ``foreach_get`` copies straight from Blender's key array when the buffer's type matches the
DNA field, else it goes through RNA key by key. The three enums are one-byte DNA fields
(``BezTriple.ipo``, ``h1``, ``h2``), so they are read into ``uint8`` buffers (about 8x faster than
``int32``); ``co`` has an RNA getter and costs about 0.1 ms per 1 800 keys whatever the buffer.
Buffers are allocated once per key count and reused for every curve of that length.
"""

from __future__ import annotations

import hashlib

import bpy
import numpy as np

from . import compat

#: Digest layout stamped by this version (see the module docstring).
LAYOUT = 2
#: Enum properties of a key that a digest covers, in digest order.
ENUM_PROPS = ("interpolation", "handle_left_type", "handle_right_type")
#: Handle coordinates matter only for these handle types (the others are derived from ``co``).
FREE_HANDLES = ("FREE", "ALIGNED")

_FREE_VALUES: dict = {}
_FREE_TABLE = None


def curve_key(fc) -> str:
    """``'data_path[index]'`` of an F-curve (unique inside one slot)."""
    return f"{fc.data_path}[{fc.array_index}]"


def _free_values(prop: str) -> tuple:
    """Integer values of the FREE/ALIGNED handle types (as ``foreach_get`` returns them)."""
    if prop not in _FREE_VALUES:
        items = bpy.types.Keyframe.bl_rna.properties[prop].enum_items
        _FREE_VALUES[prop] = tuple(items[name].value for name in FREE_HANDLES)
    return _FREE_VALUES[prop]


class KeyReader:
    """Reusable buffers for reading the keys of F-curves in bulk (one set per key count)."""

    def __init__(self, layout: int = LAYOUT):
        if layout not in (1, 2):
            raise ValueError(f"digest layout: expected 1 or 2, found {layout!r}")
        self.layout = layout
        self._bufs: dict[int, tuple] = {}

    def buffers(self, n: int) -> tuple:
        """``(co (2 n,) float32, enums (3, n) uint8, wide (3, n) int32)`` for ``n`` keys."""
        bufs = self._bufs.get(n)
        if bufs is None:
            bufs = (np.empty(2 * n, np.float32), np.empty((len(ENUM_PROPS), n), np.uint8),
                    np.empty((len(ENUM_PROPS), n), np.int32))
            self._bufs[n] = bufs
        return bufs

    def digest(self, fc, co=None) -> str:
        """Digest of ``fc`` (see the module docstring).

        ``co`` (optional): the curve's ``(2 N,)`` float32 key coordinates when the caller has just
        written them (a bake), so they are not read back; ignored when its dtype or length does not
        match the curve's keys (then read)."""
        return hash_hex(self.material(fc, co))

    def material(self, fc, co=None) -> bytes:
        """The bytes a digest of ``fc`` hashes, in order (see the module docstring; ``co`` as in
        :meth:`digest`): ``hash_hex(material(fc)) == digest(fc)``. Two curves with equal
        material have equal digests; comparing it costs a ``memcmp`` rather than a hash."""
        points = fc.keyframe_points
        n = len(points)
        parts = [curve_key(fc).encode()]
        if n:
            co_buf, enums, wide = self.buffers(n)
            if co is None or co.dtype != np.float32 or co.shape != (2 * n,):
                points.foreach_get("co", co_buf)
                co = co_buf
            parts.append(np.ascontiguousarray(co))
            for row, prop in enumerate(ENUM_PROPS):
                points.foreach_get(prop, enums[row])
            if self.layout == 1:
                np.copyto(wide, enums)
                parts.append(wide)
            else:
                parts.append(enums)
            # 1 where the left / right handle is FREE or ALIGNED: one bytes.translate, the cheapest test
            flags = enums[1:].tobytes().translate(_free_table())
            if b"\x01" in flags:  # free/aligned handles are the artist's; the others follow the keys
                free = np.frombuffer(flags, np.uint8).reshape(2, n).astype(bool)
                free = free[0] | free[1]
                for prop in ("handle_left", "handle_right"):
                    hv = np.empty(2 * n, np.float32)
                    points.foreach_get(prop, hv)
                    parts.append(hv.reshape(n, 2)[free].tobytes())
        parts.append(",".join(m.type for m in fc.modifiers).encode())
        return b"".join(parts)


def hash_hex(material: bytes) -> str:
    """16-hex-digit BLAKE2b (8 bytes) of a curve's :meth:`KeyReader.material`: its digest."""
    return hashlib.blake2b(material, digest_size=8).hexdigest()


def _free_table() -> bytes:
    """256-byte ``bytes.translate`` table: ``1`` for the one-byte handle-type values FREE and
    ALIGNED, ``0`` for the others (both handle enums have the same items)."""
    global _FREE_TABLE
    if _FREE_TABLE is None:
        table = bytearray(256)
        for value in _free_values(ENUM_PROPS[1]):
            table[value] = 1
        _FREE_TABLE = bytes(table)
    return _FREE_TABLE


def curve_digest(fc, co=None, layout: int = LAYOUT) -> str:
    """16-hex-digit digest of what an F-curve plays (see the module docstring); ``co`` as in
    :meth:`KeyReader.digest`."""
    return KeyReader(layout).digest(fc, co)


def digests(action, slot=None, layout: int = LAYOUT, known: dict | None = None) -> dict:
    """``{curve_key: digest}`` over the F-curves of ``action`` (``slot``: only that slot's, 4.4+).

    ``known`` (optional): ``{curve_key: (material, digest)}`` with ``digest == hash_hex(material)``
    (e.g. what a bake digested, :class:`addon.layers.BakeMemory`): a curve whose material is equal,
    byte for byte, gets that digest without hashing. Every curve's keys are read either way.

    Raises:
        ValueError: ``layout`` is not 1 or 2."""
    reader = KeyReader(layout)
    out = {}
    for fc in compat.action_fcurves(action, slot):
        key = curve_key(fc)
        material = reader.material(fc)
        hit = known.get(key) if known else None
        out[key] = hit[1] if hit is not None and hit[0] == material else hash_hex(material)
    return out
