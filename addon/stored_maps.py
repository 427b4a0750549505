"""Reading the rig maps an artist edited in the Rig Mapping panel (stored on the objects).

The one reader used by the panel (:mod:`addon.mapping_ui`) and the target builders
(:mod:`addon.targets_face`, :mod:`addon.targets_body`). The maps are ``CollectionProperty`` rows
(``source`` -> ``target`` plus, for faces, ``extra`` shape keys) registered by
:func:`addon.mapping_ui.register`; this module only reads them and imports no ``bpy``.
"""

from __future__ import annotations

#: Object property holding each kind of map.
MAP_PROPERTY: dict[str, str] = {'FACE': "speech_animator_face_map", 'BODY': "speech_animator_bone_map"}


def item_value(item):
    """A face row's value: ``target``, or ``[target, *extra]`` when it drives several shape keys."""
    extra = [k.strip() for k in item.extra.split(",") if k.strip()] if item.extra else []
    return [item.target, *extra] if extra and item.target else item.target


def stored_map(obj, kind: str) -> dict | None:
    """The map stored on ``obj`` or ``None`` when there is none (or ``obj`` is ``None``).

    Args:
        obj: a Blender object (a face mesh or an armature).
        kind: ``'FACE'`` (ARKit name -> shape key name, or a list of names) or ``'BODY'``
            (SMPL-X joint -> bone name). Every row is returned; ``""`` = deliberately not animated.

    Raises:
        ValueError: ``kind`` is not ``'FACE'`` or ``'BODY'``.
    """
    if kind not in MAP_PROPERTY:
        raise ValueError(f"map kind: expected 'FACE' or 'BODY', found {kind!r}")
    coll = getattr(obj, MAP_PROPERTY[kind], None) if obj is not None else None
    if not coll:
        return None
    if kind == 'BODY':
        return {item.source: item.target for item in coll}
    return {item.source: item_value(item) for item in coll}
